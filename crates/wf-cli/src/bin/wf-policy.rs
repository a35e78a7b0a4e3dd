fn main() -> std::process::ExitCode {
    wf_cli::main("wf-policy", wf_cli::policy::run)
}
