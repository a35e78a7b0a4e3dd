fn main() -> std::process::ExitCode {
    wf_cli::main("wf-hook", wf_cli::hook::run)
}
