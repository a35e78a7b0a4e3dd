//! `wf-run`: run an AI actor's agent on a task's current step and record what it writes as
//! the new revision, signed with the agent's key, with the run's provenance.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use clap::Parser;
use git2::Oid;
use wf_core::actor::AgentRun;
use wf_core::digest::sha256_hex;
use wf_core::prompt::{self, Content};
use wf_core::task::{max_file_size_text, Run, RunInput, MAX_FILE_SIZE};
use wf_core::{Action, Actor, Task, Timestamp};
use wf_store::{Signer, Store, StoreError};

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{print, short_digest};
use crate::revision::Pending;
use wf_store::transaction::TaskView;
use wf_store::Snapshot;

/// Run an AI actor's agent on a task and record its output as the new revision.
///
/// The signing key names the AI actor; its `run` table in .wf/actors.toml says what to start
/// (a program and its arguments, never a shell string), with which extra environment and time
/// limit. wf-run first asks the rules whether the actor may submit at the task's current step
/// (a refused run never starts the agent), renders the step's prompt (the workflow step's
/// `prompt` template, or the default one) from the task's inputs, its latest revision and the
/// review comments, starts the agent with the prompt on stdin, streams its stdout into git,
/// and records it as one signed submit commit with the model, the prompt's digest, the command,
/// the input digests, start and end time and the exit status. An agent that fails, times out
/// or is interrupted records nothing; so does one whose output passes 64 MiB (it is stopped
/// at once, exit 2). Output with a NUL byte is binary and kept as a file
/// (default name output.bin). With - for ID, runs on each task whose id is read from stdin.
#[derive(Parser, Debug)]
#[command(
    name = "wf-run",
    version,
    after_help = "Examples:\n  WF_SIGNING_KEY=~/.ssh/drafter-bot wf-run T-3f9a\n  wf-run T-3f9a --prompt-only | less\n  wf-ls --step draft --assignee drafter-bot -z | wf-run - --key ~/.ssh/drafter-bot"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    /// The output's file name (default: the previous revision's single file name, else
    /// output.md, or output.bin for binary output).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A note on the revision.
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    /// Print the prompt the agent would get and stop: nothing is run or recorded, no key needed.
    #[arg(long)]
    pub prompt_only: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Set by SIGINT, SIGTERM or SIGHUP while wf-run works: the agent is killed, nothing recorded.
static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

fn interrupted() -> bool {
    INTERRUPTED.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

fn stop_if_interrupted() -> Result<(), CliError> {
    if interrupted() {
        return Err(CliError::failure(
            "interrupted; the agent was stopped and nothing was recorded",
        ));
    }
    Ok(())
}

/// Run `wf-run`.
pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(n) = &args.name {
        wf_core::id::check_file_name(n)
            .map_err(|e| CliError::usage(e.to_string(), "--name takes a plain file name"))?;
    }
    let store = args.global.store()?;
    if args.prompt_only {
        let snap = Snapshot::head(&store)?;
        return crate::ids::each("wf-run", &args.id, |typed| {
            let id = snap.resolve(&store, typed)?;
            let task = snap.task(&store, &id)?;
            let workflow = snap.workflow(&task.workflow)?.clone();
            let (text, _) = render(&store, &snap, &workflow, &task)?;
            print(&text)
        });
    }
    let signer = context::signer(&args.keys, Some(&store))?;
    let flag = INTERRUPTED.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, flag.clone())
            .map_err(|e| CliError::failure(format!("cannot handle signals: {e}")))?;
    }
    crate::ids::each("wf-run", &args.id, |typed| {
        stop_if_interrupted()?;
        run_one(&store, signer.as_ref(), typed, &args)
    })
}

/// The actor's run configuration, or why it cannot be run.
fn runnable(me: &Actor) -> Result<&AgentRun, CliError> {
    let hint = format!(
        "sign with an AI actor's key, and have an admin give it a command: wf-actor update {} -- PROGRAM ARGS...",
        me.id
    );
    if me.is_human() {
        return Err(CliError::identity(
            format!(
                "{} is a human actor; wf-run runs AI actors (record your own work with wf-submit)",
                me.id
            ),
            hint,
        ));
    }
    me.run.as_ref().ok_or_else(|| {
        CliError::identity(
            format!("AI actor {} has no run command in .wf/actors.toml", me.id),
            hint,
        )
    })
}

/// Render the prompt of the task's current step from the task as it is at `snap`; also returns
/// the inputs it was rendered from.
fn render(
    store: &Store,
    snap: &Snapshot,
    workflow: &wf_core::Workflow,
    task: &Task,
) -> Result<(String, Vec<RunInput>), CliError> {
    let step = workflow.step(&task.step).ok_or_else(|| {
        CliError::store(
            format!(
                "task {} is at step {}, which workflow {} lacks",
                task.id, task.step, workflow.name
            ),
            "fix the workflow or the task",
        )
    })?;
    let read = |path: String| -> Result<Vec<u8>, CliError> {
        store
            .read(snap.commit, &path)?
            .ok_or_else(|| CliError::store(format!("{path} is missing"), "restore it from history"))
    };
    let mut inputs = Vec::new();
    let mut used = Vec::new();
    for i in &task.inputs {
        let content = match (&i.text, &i.file) {
            (Some(t), _) => Content::Text(t.clone()),
            (None, Some(f)) => Content::of(&read(format!("{}in/{f}", Task::dir(&task.id)))?),
            (None, None) => continue,
        };
        inputs.push((i.name.clone(), content));
        used.push(RunInput {
            name: i.name.clone(),
            sha256: i.sha256.clone(),
        });
    }
    let mut revision = Vec::new();
    if let Some(r) = task.latest() {
        for a in &r.artifacts {
            let bytes = read(format!("{}out/{}", Task::dir(&task.id), a.name))?;
            revision.push((a.name.clone(), Content::of(&bytes)));
        }
    }
    let ctx = prompt::Context {
        task,
        step,
        inputs,
        revision,
    };
    let text = prompt::render(step.prompt_template(), &ctx).map_err(|e| {
        CliError::usage(
            format!("step {}: {e}", step.name),
            format!(
                "fix the prompt of step {} in .wf/workflows/{}.toml",
                step.name, workflow.name
            ),
        )
    })?;
    Ok((text, used))
}

fn run_one(store: &Store, signer: &dyn Signer, typed: &str, args: &Args) -> Result<(), CliError> {
    let v = TaskView::load(store, store.tip(&store.branch()?)?, typed, signer)?;
    let agent = runnable(&v.me)?.clone();
    // A refused run never starts the agent.
    store.precheck::<CliError, _>(signer, context::now()?, typed, |_, o| Action::Submit(o))?;
    let (prompt_text, inputs) = render(store, &v.snap, &v.workflow, &v.task)?;
    let prompt_sha = sha256_hex(prompt_text.as_bytes());
    let env = [
        ("WF_TASK", v.task.id.clone()),
        ("WF_STEP", v.task.step.clone()),
        ("WF_ACTOR", v.me.id.clone()),
        ("WF_MODEL", v.me.model.clone().unwrap_or_default()),
        ("WF_PROMPT_SHA256", prompt_sha.clone()),
    ];
    let started = wall_clock();
    let clock = Instant::now();
    let (blob, binary) = run_agent(store, &v.me, &agent, &env, prompt_text)?;
    let ended = wall_clock();
    stop_if_interrupted()?;
    let run = Run {
        command: agent.command.clone(),
        started_at: started.rfc3339(),
        ended_at: ended.rfc3339(),
        exit_status: 0,
        revision_digest: v.task.latest().map(|r| r.digest.clone()),
        inputs,
    };
    let fallback = if binary { "output.bin" } else { "output.md" };
    let pending = Pending::blob(blob, args.name.clone(), prompt_sha, fallback);
    let note = args.note.clone().unwrap_or_default();
    let (_, task) = store.act_on_task::<CliError, _>(
        signer,
        context::now()?,
        typed,
        &mut context::notice,
        |task| {
            let (mut output, files) = pending.plan(task, &note);
            output.run = Some(run.clone());
            Ok((Action::Submit(output), files))
        },
    )?;
    let r = task.latest().expect("a revision was recorded");
    print(&format!(
        "{}: revision {} {} by {}{}, {} bytes from `{}` in {}s; now at step {}\n",
        task.id,
        r.number,
        short_digest(&r.digest),
        r.actor,
        r.model
            .as_ref()
            .map(|m| format!(" (model {m})"))
            .unwrap_or_default(),
        r.artifacts.iter().map(|a| a.size).sum::<u64>(),
        wf_core::text::one_line(&wf_core::text::shell_words(&agent.command)),
        clock.elapsed().as_secs(),
        task.step
    ))
}

/// The real time: a run's start and end are when it happened, whatever `GIT_COMMITTER_DATE`
/// pins the action's time to.
fn wall_clock() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    )
}

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

/// Start the agent in its own process group with the prompt on stdin, stream its stdout into a
/// git blob, and wait for it. A watchdog kills the whole group (SIGTERM, then SIGKILL) at the
/// time limit or on an interrupt. Returns the blob and whether the output looks binary.
fn run_agent(
    store: &Store,
    me: &Actor,
    agent: &AgentRun,
    env: &[(&str, String)],
    prompt_text: String,
) -> Result<((Oid, String, u64), bool), CliError> {
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
        let deadline = Instant::now() + limit;
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
            if Instant::now() >= deadline {
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
        Ending::Interrupted => stop_if_interrupted()?,
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
    let stored = stored?;
    Ok((stored, binary))
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
}
