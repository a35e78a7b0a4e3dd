fn main() -> std::process::ExitCode {
    wf_cli::main("wf-run", wf_cli::run::run)
}
