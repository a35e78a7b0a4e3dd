fn main() -> std::process::ExitCode {
    wf_cli::main("wf-submit", wf_cli::submit::run)
}
