fn main() -> std::process::ExitCode {
    wf_cli::main("wf-verify", wf_cli::verify::run)
}
