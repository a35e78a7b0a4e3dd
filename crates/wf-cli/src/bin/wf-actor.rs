fn main() -> std::process::ExitCode {
    wf_cli::main("wf-actor", wf_cli::actor::run)
}
