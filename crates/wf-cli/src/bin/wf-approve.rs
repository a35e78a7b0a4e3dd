fn main() -> std::process::ExitCode {
    wf_cli::main("wf-approve", wf_cli::approve::run)
}
