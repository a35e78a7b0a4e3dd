fn main() -> std::process::ExitCode {
    wf_cli::main("wf-attest", wf_cli::attest::run)
}
