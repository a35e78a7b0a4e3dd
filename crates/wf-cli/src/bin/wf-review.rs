fn main() -> std::process::ExitCode {
    wf_cli::main("wf-review", wf_cli::review::run)
}
