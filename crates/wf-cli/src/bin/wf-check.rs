fn main() -> std::process::ExitCode {
    wf_cli::main("wf-check", wf_cli::check::run)
}
