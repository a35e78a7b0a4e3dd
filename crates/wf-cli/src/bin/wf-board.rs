fn main() -> std::process::ExitCode {
    wf_cli::main("wf-board", wf_cli::board::run)
}
