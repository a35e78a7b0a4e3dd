fn main() -> std::process::ExitCode {
    wf_cli::main("wf-ls", wf_cli::ls::run)
}
