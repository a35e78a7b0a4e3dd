//! Interruption of a tool that supervises a child process (`wf-run`'s agent, `wf-check`'s
//! command): SIGINT, SIGTERM and SIGHUP set a flag the tool looks at, so it can stop the child
//! and record nothing, instead of ending at once and leaving the child running.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::error::CliError;

/// Set by SIGINT, SIGTERM or SIGHUP once [`catch_signals`] was called.
static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Whether a signal asked the tool to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Stop when interrupted: `the {what} was stopped and nothing was recorded`.
pub fn stop_if_interrupted(what: &str) -> Result<(), CliError> {
    if interrupted() {
        return Err(CliError::failure(format!(
            "interrupted; the {what} was stopped and nothing was recorded"
        )));
    }
    Ok(())
}

/// From now on, SIGINT, SIGTERM and SIGHUP set the flag [`interrupted`] reads, instead of
/// ending the process.
pub fn catch_signals() -> Result<(), CliError> {
    let flag = INTERRUPTED.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, flag.clone())
            .map_err(|e| CliError::failure(format!("cannot handle signals: {e}")).with_source(e))?;
    }
    Ok(())
}
