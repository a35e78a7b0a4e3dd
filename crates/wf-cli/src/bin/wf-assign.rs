fn main() -> std::process::ExitCode {
    wf_cli::main("wf-assign", wf_cli::assign::run)
}
