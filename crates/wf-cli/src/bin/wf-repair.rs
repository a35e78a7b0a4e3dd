fn main() -> std::process::ExitCode {
    wf_cli::main("wf-repair", wf_cli::repair::run)
}
