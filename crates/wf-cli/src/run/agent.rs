//! Supervising an agent: start it in its own process group with the prompt on stdin, stream
//! its stdout into git (stopped at the size limit), kill the group at its time limit or when
//! wf-run is interrupted, and say how it ended (`spec/run.md`).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use git2::Oid;
use wf_core::actor::AgentRun;
use wf_core::task::{max_file_size_text, MAX_FILE_SIZE};
use wf_core::Actor;
use wf_store::{Store, StoreError};

use crate::error::CliError;
use crate::interrupt::{interrupted, stop_if_interrupted};

/// How a run ended, as the watchdog saw it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Finished,
    TimedOut,
    Interrupted,
    Overflow,
}

/// How long a stopped agent gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// What an agent wrote, stored.
pub struct Written {
    /// The blob its stdout was streamed into: `(oid, sha256, size)`.
    pub blob: (Oid, String, u64),
    /// Whether the output looks binary (a NUL byte in its first 8000 bytes, as git tests).
    pub binary: bool,
}

/// When a run started at `start` with time limit `limit` must end; `None` when that lies past
/// the last instant the clock can name (a limit may be up to 2^63-1 seconds), which is no
/// limit at all, not an overflow.
fn deadline(start: Instant, limit: Duration) -> Option<Instant> {
    start.checked_add(limit)
}

/// Whether the deadline has passed at `now`.
fn passed(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|d| now >= d)
}

/// Start the agent in its own process group with the prompt on stdin, stream its stdout into a
/// git blob, and wait for it. A watchdog kills the whole group (SIGTERM, then SIGKILL) at the
/// time limit or on an interrupt.
pub fn run(
    store: &Store,
    me: &Actor,
    agent: &AgentRun,
    env: &[(&str, String)],
    prompt_text: String,
) -> Result<Written, CliError> {
    let program = &agent.command[0];
    let mut cmd = Command::new(program);
    cmd.args(&agent.command[1..])
        // The agent never gets wf's signing key: it writes output, wf-run signs it.
        .env_remove("WF_SIGNING_KEY")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .envs(&agent.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| {
        CliError::agent(
            format!("cannot start the agent of {}: {program}: {e}", me.id),
            "check its run command: wf-actor list --json",
        )
    })?;
    let group = rustix::process::Pid::from_child(&child);
    let mut stdin = child.stdin.take().expect("piped stdin");
    // An agent may stop reading early; a closed pipe is not our error.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(prompt_text.as_bytes());
    });
    let (done, finished) = mpsc::channel::<()>();
    let limit = Duration::from_secs(agent.timeout_secs());
    // Set when the output passes the size limit: the agent is stopped like at its time limit.
    let overflow = Arc::new(AtomicBool::new(false));
    let overflowed = overflow.clone();
    let watchdog = std::thread::spawn(move || {
        let deadline = deadline(Instant::now(), limit);
        let ending = loop {
            match finished.recv_timeout(Duration::from_millis(50)) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ending::Finished,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if interrupted() {
                break Ending::Interrupted;
            }
            if overflowed.load(Ordering::SeqCst) {
                break Ending::Overflow;
            }
            if passed(deadline, Instant::now()) {
                break Ending::TimedOut;
            }
        };
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        if finished.recv_timeout(GRACE).is_err() {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        ending
    });
    let mut out = Sniff::new(child.stdout.take().expect("piped stdout"));
    let stored = store.blob_from_reader(&mut out, MAX_FILE_SIZE);
    let binary = out.binary;
    if let Err(StoreError::TooLarge(_)) = &stored {
        // Stop reading: close the pipe (an agent still writing gets EPIPE) and stop the agent.
        drop(out);
        overflow.store(true, Ordering::SeqCst);
    }
    let status = child.wait();
    let _ = done.send(());
    let ending = watchdog.join().unwrap_or(Ending::Finished);
    let _ = feeder.join();
    let status = status?;
    match ending {
        Ending::TimedOut => {
            return Err(CliError::agent(
                format!(
                    "the agent of {} ran longer than {}s and was killed; nothing recorded",
                    me.id,
                    limit.as_secs()
                ),
                format!(
                    "raise its limit: wf-actor update {} --run-timeout SECS",
                    me.id
                ),
            ))
        }
        Ending::Interrupted => stop_if_interrupted("agent")?,
        Ending::Overflow | Ending::Finished => {}
    }
    if let Err(StoreError::TooLarge(_)) = stored {
        return Err(CliError::usage(
            format!(
                "the output of the agent of {} is larger than the {} limit; it was stopped and nothing recorded",
                me.id,
                max_file_size_text()
            ),
            crate::error::too_large_hint(),
        ));
    }
    if !status.success() {
        let how = match (
            status.code(),
            std::os::unix::process::ExitStatusExt::signal(&status),
        ) {
            (Some(c), _) => format!("exited with status {c}"),
            (None, Some(s)) => format!("was killed by signal {s}"),
            _ => "failed".to_string(),
        };
        return Err(CliError::agent(
            format!("the agent of {} {how}; nothing recorded", me.id),
            "its messages are above (the agent's stderr is passed through)",
        ));
    }
    Ok(Written {
        blob: stored?,
        binary,
    })
}

/// A reader that notes whether the first bytes contain a NUL (git's test for binary content).
struct Sniff<R> {
    inner: R,
    seen: usize,
    binary: bool,
}

/// How many leading bytes the binary test looks at, as git does.
const SNIFF_LEN: usize = 8000;

impl<R: Read> Sniff<R> {
    fn new(inner: R) -> Sniff<R> {
        Sniff {
            inner,
            seen: 0,
            binary: false,
        }
    }
}

impl<R: Read> Read for Sniff<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.seen < SNIFF_LEN {
            let look = n.min(SNIFF_LEN - self.seen);
            self.binary |= buf[..look].contains(&0);
            self.seen += look;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_with_a_nul_in_its_first_8000_bytes_is_binary() {
        let mut s = Sniff::new(&b"text\0more"[..]);
        std::io::copy(&mut s, &mut std::io::sink()).unwrap();
        assert!(s.binary);
        let mut s = Sniff::new(&b"plain text\n"[..]);
        std::io::copy(&mut s, &mut std::io::sink()).unwrap();
        assert!(!s.binary);
        let late: Vec<u8> = std::iter::repeat_n(b'a', 9000).chain([0u8]).collect();
        let mut s = Sniff::new(&late[..]);
        std::io::copy(&mut s, &mut std::io::sink()).unwrap();
        assert!(!s.binary, "like git, only the start counts");
    }

    #[test]
    fn a_time_limit_past_the_clocks_range_is_no_limit_not_an_overflow() {
        let now = Instant::now();
        let longest = Duration::from_secs(AgentRun::MAX_TIMEOUT);
        // What the watchdog did before: `Instant + Duration` panics, the watchdog thread died
        // and the agent ran without a limit.
        assert!(std::panic::catch_unwind(|| now + longest).is_err());
        let never = deadline(now, longest);
        assert!(!passed(never, now + Duration::from_secs(1 << 40)));
        let soon = deadline(now, Duration::from_secs(1));
        assert!(!passed(soon, now));
        assert!(passed(soon, now + Duration::from_secs(1)));
    }
}
