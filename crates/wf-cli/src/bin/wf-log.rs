fn main() -> std::process::ExitCode {
    wf_cli::main("wf-log", wf_cli::log::run)
}
