fn main() -> std::process::ExitCode {
    wf_cli::main("wf-graph", wf_cli::graph::run)
}
