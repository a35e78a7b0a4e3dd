fn main() -> std::process::ExitCode {
    wf_cli::main("wf-init", wf_cli::init::run)
}
