//! The wf command-line tools. Each tool is a module holding its clap `Args` and its `run`;
//! `src/bin/wf-*.rs` are one-liners over [`main`]. Data flows one way: parse args, load (store),
//! decide (core), write (store), print (here).

pub mod context;
pub mod error;
pub mod output;
pub mod txn;

pub mod actor;
pub mod approve;
pub mod assign;
pub mod hook;
pub mod init;
pub mod log;
pub mod ls;
pub mod new;
pub mod policy;
pub mod review;
pub mod show;
pub mod submit;
pub mod verify;

use std::process::ExitCode;

use clap::Parser;

pub use error::{CliError, Exit};

/// Run a tool: parse its arguments, run it, print any error as one line plus a hint on stderr,
/// and turn the outcome into the exit code documented in `spec/exit-codes.md`.
pub fn main<A: Parser>(tool: &str, run: fn(A) -> Result<(), CliError>) -> ExitCode {
    let args = match A::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{tool}: {e}");
            if let Some(h) = e.hint() {
                eprintln!("hint: {h}");
            }
            ExitCode::from(e.exit() as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_tool_has_a_valid_command_line() {
        crate::init::Args::command().debug_assert();
        crate::actor::Args::command().debug_assert();
        crate::new::Args::command().debug_assert();
        crate::assign::Args::command().debug_assert();
        crate::submit::Args::command().debug_assert();
        crate::review::Args::command().debug_assert();
        crate::approve::Args::command().debug_assert();
        crate::show::Args::command().debug_assert();
        crate::ls::Args::command().debug_assert();
        crate::log::Args::command().debug_assert();
        crate::verify::Args::command().debug_assert();
        crate::hook::Args::command().debug_assert();
        crate::policy::Args::command().debug_assert();
    }
}
