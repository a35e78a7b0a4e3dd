//! `wf-run`: run an AI actor's agent on a task's current step and record what it writes as
//! the new revision, signed with the agent's key, with the run's provenance.
//!
//! This module is the tool: arguments, the identity and rule checks before anything starts,
//! and the submit commit with the run record. [`prompt`] renders what the agent reads;
//! [`agent`] starts, feeds, times and stops it.

mod agent;
mod prompt;

use std::io::IsTerminal;
use std::time::Instant;

use clap::Parser;
use wf_core::actor::AgentRun;
use wf_core::digest::sha256_hex;
use wf_core::task::Run;
use wf_core::{Action, Actor, Timestamp};
use wf_store::{Signer, Store};

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
    /// On a terminal, control and hidden characters are shown escaped; piped, as they are.
    #[arg(long)]
    pub prompt_only: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
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
            let text = prompt::render(&store, &snap, &workflow, &task)?.text;
            // The prompt holds the task's inputs as they are: on a terminal every control or
            // hidden character is escaped (an input could clear the screen, set the window's
            // title or reorder a line); piped, the bytes the agent would read.
            if std::io::stdout().is_terminal() {
                print(&wf_core::text::visible_lines(&text))
            } else {
                print(&text)
            }
        });
    }
    let signer = context::signer(&args.keys, Some(&store))?;
    crate::interrupt::catch_signals()?;
    crate::ids::each("wf-run", &args.id, |typed| {
        crate::interrupt::stop_if_interrupted("agent")?;
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

fn run_one(store: &Store, signer: &dyn Signer, typed: &str, args: &Args) -> Result<(), CliError> {
    let v = TaskView::load(store, store.tip(&store.branch()?)?, typed, signer)?;
    let config = runnable(&v.me)?.clone();
    // A refused run never starts the agent.
    store.precheck::<CliError, _>(signer, context::now()?, typed, |_, o| Action::Submit(o))?;
    let rendered = prompt::render(store, &v.snap, &v.workflow, &v.task)?;
    let prompt_sha = sha256_hex(rendered.text.as_bytes());
    let env = [
        ("WF_TASK", v.task.id.clone()),
        ("WF_STEP", v.task.step.clone()),
        ("WF_ACTOR", v.me.id.clone()),
        ("WF_MODEL", v.me.model.clone().unwrap_or_default()),
        ("WF_PROMPT_SHA256", prompt_sha.clone()),
    ];
    let started = wall_clock();
    let clock = Instant::now();
    let written = agent::run(store, &v.me, &config, &env, rendered.text)?;
    let ended = wall_clock();
    crate::interrupt::stop_if_interrupted("agent")?;
    let run = Run {
        command: config.command.clone(),
        started_at: started.rfc3339(),
        ended_at: ended.rfc3339(),
        exit_status: 0,
        revision_digest: v.task.latest().map(|r| r.digest.clone()),
        inputs: rendered.inputs,
    };
    let fallback = if written.binary {
        "output.bin"
    } else {
        "output.md"
    };
    let pending = Pending::blob(
        written.blob,
        args.name.clone(),
        prompt_sha.clone(),
        fallback,
    );
    let note = args.note.clone().unwrap_or_default();
    let (_, task) = store.act_on_view::<CliError, _>(
        signer,
        context::now()?,
        typed,
        &mut context::notice,
        |at| {
            still_the_prompt(store, at, &v, &prompt_sha)?;
            let (mut output, files) = pending.plan(&at.task, &note);
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
        wf_core::text::one_line(&wf_core::text::shell_words(&config.command)),
        clock.elapsed().as_secs(),
        task.step
    ))
}

/// The branch may have moved while the agent ran. The revision records the digest of the
/// prompt the agent answered, and the verifier renders the prompt again from the commit the
/// revision lands on: when the task or its workflow changed there and the prompt with them, the
/// output answers a prompt wf no longer renders, and nothing is recorded.
fn still_the_prompt(
    store: &Store,
    at: &TaskView,
    rendered_at: &TaskView,
    prompt_sha: &str,
) -> Result<(), CliError> {
    if at.task == rendered_at.task && at.workflow == rendered_at.workflow {
        return Ok(());
    }
    let now = prompt::render(store, &at.snap, &at.workflow, &at.task)?;
    if sha256_hex(now.text.as_bytes()) == prompt_sha {
        return Ok(());
    }
    Err(CliError::conflict(
        format!(
            "task {} changed while the agent ran, and so did its prompt: the output answers a prompt wf no longer renders; nothing recorded",
            at.task.id
        ),
        format!("run it again: wf-run {}", at.task.id),
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
