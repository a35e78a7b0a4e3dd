//! `wf-check`: run a check step's command on the latest revision's files, and record whether it
//! passed, with the command, its exit status and its output, signed by the machine that ran it.
//!
//! The command comes from the workflow (what admins wrote), never from the task or the caller.
//! It runs in a scratch folder holding the latest revision's files, with stdout and stderr
//! written, interleaved, to one file outside that folder; the last 1 MiB of that file is the
//! output kept in `tasks/<shard>/<id>/check/<step>.log`. The core decides (rule 15, and the
//! rules of any action in a step) and the verifier replays the record; it cannot run the
//! command again, so a check is worth the key that signed it (`spec/workflow.md`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use wf_core::digest::sha256_hex;
use wf_core::rules::CheckRun;
use wf_core::task::{Check, CheckOutcome, MAX_CHECK_OUTPUT};
use wf_core::{Action, Step, Task};
use wf_store::transaction::{Files, TaskView};
use wf_store::{Signer, Store};

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::interrupt::{catch_signals, interrupted, stop_if_interrupted};
use crate::output::{print, short_digest};

/// Run a task's check step: the workflow's command on the latest revision; record pass or fail.
///
/// The check step's `command` (a program and its arguments, from the workflow) runs in a
/// scratch folder holding the latest revision's files, with WF_TASK, WF_STEP, WF_REVISION and
/// WF_DIGEST set and without WF_SIGNING_KEY, for at most the step's `timeout` (default 600
/// seconds). One signed commit records the command, the exit status (or that it was killed at
/// its time limit), the sha256 of its output (stdout and stderr as they interleaved; the last
/// 1 MiB is kept, in tasks/<shard>/ID/check/STEP.log) and the outcome: pass (exit status 0)
/// moves the task on, fail sends it back for rework. Only an AI actor the step admits and
/// holds runs it (the CI runner's key). A check that cannot start, or is interrupted, records
/// nothing (exit 7). With - for ID, checks each task whose id is read from stdin.
#[derive(Parser, Debug)]
#[command(
    name = "wf-check",
    version,
    after_help = "Examples:\n  WF_SIGNING_KEY=~/.ssh/ci-bot wf-check T-3f9a\n  wf-ls --kind check --assignee ci-bot -z | wf-check - --key ~/.ssh/ci-bot"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-check`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    catch_signals()?;
    crate::ids::each("wf-check", &args.id, |typed| {
        stop_if_interrupted("check")?;
        check_one(&store, signer.as_ref(), typed)
    })
}

fn check_one(store: &Store, signer: &dyn Signer, typed: &str) -> Result<(), CliError> {
    let v = TaskView::load(store, store.tip(&store.branch()?)?, typed, signer)?;
    let step = v.workflow.step(&v.task.step).cloned().ok_or_else(|| {
        CliError::store(
            format!(
                "task {} is at step {}, which its workflow lacks",
                v.task.id, v.task.step
            ),
            "see wf-show",
        )
    })?;
    // A refused check never starts the command: ask the rules with a placeholder result.
    let (revision, digest) = v
        .task
        .latest()
        .map_or((0, String::new()), |r| (r.number, r.digest.clone()));
    let placeholder = Action::Check {
        revision,
        digest: digest.clone(),
        run: CheckRun {
            command: step.command.clone(),
            exit_status: Some(0),
            timed_out: false,
            output_sha256: sha256_hex(b""),
            output_size: 0,
            truncated: false,
        },
    };
    wf_core::decide(
        &v.workflow,
        v.snap.actors(),
        Some(&v.task),
        &v.me,
        &placeholder,
        context::now()?,
    )?;
    let latest = v.task.latest().expect("decide found a revision").clone();
    let scratch = Scratch::new()?;
    let dir = Task::dir(&v.task.id);
    for a in &latest.artifacts {
        let bytes = store
            .read(v.snap.commit, &format!("{dir}out/{}", a.name))?
            .ok_or_else(|| {
                CliError::store(
                    format!("{dir}out/{} is missing at the tip", a.name),
                    "wf-repair checks the store; wf-verify says what is wrong",
                )
            })?;
        if sha256_hex(&bytes) != a.sha256 {
            return Err(CliError::store(
                format!(
                    "{dir}out/{} is not the file revision {} records",
                    a.name, latest.number
                ),
                "wf-verify says what is wrong",
            ));
        }
        std::fs::write(scratch.work.join(&a.name), bytes)?;
    }
    let env = [
        ("WF_TASK", v.task.id.clone()),
        ("WF_STEP", step.name.clone()),
        ("WF_REVISION", latest.number.to_string()),
        ("WF_DIGEST", latest.digest.clone()),
    ];
    let ended = supervise(&step, &scratch, &env)?;
    let (kept, truncated) = tail(&scratch.output)?;
    let result = CheckRun {
        command: step.command.clone(),
        exit_status: if ended.timed_out {
            None
        } else {
            ended.status.code()
        },
        timed_out: ended.timed_out,
        output_sha256: sha256_hex(&kept),
        output_size: kept.len() as u64,
        truncated,
    };
    drop(scratch);
    let blob = store.blob(&kept)?;
    let log = format!("{dir}{}", Check::log(&step.name));
    let (_, task) = store.act_on_task::<CliError, _>(
        signer,
        context::now()?,
        typed,
        &mut context::notice,
        |_| {
            Ok((
                Action::Check {
                    revision: latest.number,
                    digest: latest.digest.clone(),
                    run: result.clone(),
                },
                Files {
                    writes: vec![(log.clone(), blob)],
                    removes: vec![],
                },
            ))
        },
    )?;
    let c = task.checks.last().expect("a check was recorded");
    let how = match (c.exit_status, c.timed_out) {
        (_, true) => format!("timed out after {}s", step.timeout_secs()),
        (Some(s), _) => format!("exit {s}"),
        (None, _) => "killed by a signal".to_string(),
    };
    let (word, whither) = match c.outcome {
        CheckOutcome::Pass => ("passed", "now at step"),
        CheckOutcome::Fail => ("failed", "back to step"),
    };
    print(&format!(
        "{}: check {} {word} ({how}) on revision {} {}; {whither} {}\n",
        task.id,
        c.step,
        c.revision,
        short_digest(&c.digest),
        task.step
    ))
}

/// A folder of the check's own under the system's temporary folder: `work/` (the revision's
/// files, where the command runs) and `output` (what it writes); removed when dropped.
struct Scratch {
    root: PathBuf,
    work: PathBuf,
    output: PathBuf,
}

impl Scratch {
    fn new() -> Result<Scratch, CliError> {
        let name: String = context::random_bytes::<8>()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let root = std::env::temp_dir().join(format!("wf-check-{name}"));
        let work = root.join("work");
        std::fs::create_dir_all(&work)?;
        Ok(Scratch {
            output: root.join("output"),
            root,
            work,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// How the command ended.
struct Ended {
    status: ExitStatus,
    timed_out: bool,
}

/// How long a command stopped at its time limit gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// Run the step's command in its own process group, stdout and stderr into one file, and wait
/// for it; at the time limit (or on an interrupt) the whole group is stopped.
fn supervise(step: &Step, scratch: &Scratch, env: &[(&str, String)]) -> Result<Ended, CliError> {
    let out = File::create(&scratch.output)?;
    let program = &step.command[0];
    let mut cmd = Command::new(program);
    cmd.args(&step.command[1..])
        .current_dir(&scratch.work)
        // The command never gets wf's signing key: it checks, wf-check signs.
        .env_remove("WF_SIGNING_KEY")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().map_err(|e| {
        CliError::agent(
            format!(
                "cannot start the command of step {}: {program}: {e}; nothing recorded",
                step.name
            ),
            "check the step's command in its workflow (.wf/workflows/) and the runner's PATH",
        )
    })?;
    let group = rustix::process::Pid::from_child(&child);
    let stop = |sig| {
        let _ = rustix::process::kill_process_group(group, sig);
    };
    let deadline = Instant::now().checked_add(Duration::from_secs(step.timeout_secs()));
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        let late = deadline.is_some_and(|d| Instant::now() >= d);
        if late || interrupted() {
            timed_out = late;
            stop(rustix::process::Signal::TERM);
            let grace = Instant::now() + GRACE;
            let status = loop {
                if let Some(s) = child.try_wait()? {
                    break Some(s);
                }
                if Instant::now() >= grace {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(20));
            };
            if status.is_none() {
                stop(rustix::process::Signal::KILL);
            }
            break match status {
                Some(s) => s,
                None => child.wait()?,
            };
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // What the command left running in its group is stopped too.
    stop(rustix::process::Signal::KILL);
    stop_if_interrupted("check")?;
    Ok(Ended { status, timed_out })
}

/// The output kept: its last [`MAX_CHECK_OUTPUT`] bytes, and whether there was more.
fn tail(path: &Path) -> Result<(Vec<u8>, bool), CliError> {
    let mut f = File::open(path)?;
    let size = f.metadata()?.len();
    let truncated = size > MAX_CHECK_OUTPUT;
    if truncated {
        f.seek(SeekFrom::Start(size - MAX_CHECK_OUTPUT))?;
    }
    let mut kept = Vec::new();
    f.take(MAX_CHECK_OUTPUT).read_to_end(&mut kept)?;
    Ok((kept, truncated))
}
