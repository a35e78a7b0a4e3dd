fn main() -> std::process::ExitCode {
    wf_cli::main("wf-stats", wf_cli::stats::run)
}
