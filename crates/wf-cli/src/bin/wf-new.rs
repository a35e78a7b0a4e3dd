fn main() -> std::process::ExitCode {
    wf_cli::main("wf-new", wf_cli::new::run)
}
