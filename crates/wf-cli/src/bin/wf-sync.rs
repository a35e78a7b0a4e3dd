fn main() -> std::process::ExitCode {
    wf_cli::main("wf-sync", wf_cli::sync::run)
}
