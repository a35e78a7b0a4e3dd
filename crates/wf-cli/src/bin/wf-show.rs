fn main() -> std::process::ExitCode {
    wf_cli::main("wf-show", wf_cli::show::run)
}
