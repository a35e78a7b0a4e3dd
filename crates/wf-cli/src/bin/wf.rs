fn main() -> std::process::ExitCode {
    wf_cli::frontdoor::main()
}
