//! The wf command-line tools. Each tool is a module holding its clap `Args` and its `run`;
//! `src/bin/wf-*.rs` are one-liners over [`main`]. Data flows one way: parse args, load (store),
//! decide (core), write (store), print (here).
//!
//! The first group of modules below is what the tools share, each named for what it is; the
//! second is the tools. A tool module never imports another (`tests/layering.rs` checks it):
//! only the registry ([`tools`]) and the front door ([`frontdoor`]) name tools.

/// The tools allocate many small strings and tree entries; mimalloc serves them faster than the
/// system allocator (`spec/bench.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod allowed_signers;
pub mod binding;
pub mod context;
pub mod error;
pub mod events;
pub mod frontdoor;
pub mod ids;
pub mod interrupt;
pub mod merge_config;
pub mod output;
pub mod policy_change;
pub mod progress;
pub mod revision;
pub mod task_json;
pub mod tools;
pub mod verification;

pub mod actor;
pub mod approve;
pub mod assign;
pub mod attest;
pub mod board;
pub mod check;
pub mod graph;
pub mod hook;
pub mod init;
pub mod log;
pub mod ls;
pub mod new;
pub mod policy;
pub mod repair;
pub mod review;
pub mod run;
pub mod show;
pub mod stats;
pub mod submit;
pub mod sync;
pub mod verify;

use std::process::ExitCode;

use clap::Parser;

pub use error::{CliError, Exit};

/// Run a tool: parse its arguments, run it, print any error as one line plus a hint on stderr,
/// and turn the outcome into the exit code documented in `spec/exit-codes.md`.
pub fn main<A: Parser>(tool: &str, run: fn(A) -> Result<(), CliError>) -> ExitCode {
    if let Some(code) = verification::serve_worker() {
        return code;
    }
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
        Err(e) if e.kind() == error::Kind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            report(tool, None, &e);
            ExitCode::from(e.exit() as u8)
        }
    }
}

/// Print an error as one line (`TOOL: message`, or `TOOL: ID: message` for one of the ids read
/// from stdin) and its hint lines (`hint: ...`). Messages quote what users, files and commits
/// hold, so every control character is escaped ([`wf_core::text::visible`]): one line each,
/// nothing a terminal would act on.
pub fn report(tool: &str, id: Option<&str>, e: &CliError) {
    use wf_core::text::visible;
    match id {
        Some(id) => eprintln!("{tool}: {}: {}", visible(id), visible(&e.to_string())),
        None => eprintln!("{tool}: {}", visible(&e.to_string())),
    }
    for h in e.hints() {
        eprintln!("hint: {}", visible(h));
    }
}
