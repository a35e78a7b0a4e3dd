//! `wf-submit`: record a new output revision for the current step.

use std::path::PathBuf;

use clap::Parser;
use wf_core::Action;

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{print, short_digest};
use crate::revision::{OutputArgs, Pending};

/// Record a new output revision for a task's current (produce) step.
///
/// The files become tasks/ID/out/NAME, so `git diff` between revisions shows the content change;
/// the revision's digest (sha256 of the sha256sum manifest of its files) is what reviews and the
/// approval bind to. With no FILE, the output is read from stdin (streamed). Each file may hold
/// at most 64 MiB: a longer stream is refused as soon as it passes the limit (exit 2), and
/// nothing is stored. Only the step's assignee may submit. An AI actor's revisions record its model; a human who used AI
/// says so with --model.
#[derive(Parser, Debug)]
#[command(
    name = "wf-submit",
    version,
    after_help = "Examples:\n  wf-submit T-3f9a draft.md\n  llm -m gpt-4o < prompt.txt | wf-submit T-3f9a --model gpt-4o --prompt-file prompt.txt"
)]
pub struct Args {
    /// The task (id or unique prefix).
    pub id: String,
    /// Output files; stdin when none.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A note on this revision.
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-submit`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    store.precheck::<CliError, _>(signer.as_ref(), context::now()?, &args.id, |_, o| {
        Action::Submit(o)
    })?;
    let pending = Pending::read(&store, &args.files, &args.output)?;
    let (_, task) = store.act_on_task::<CliError, _>(
        signer.as_ref(),
        context::now()?,
        &args.id,
        &mut context::notice,
        |task| {
            let (output, files) = pending.plan(task, &args.note.clone().unwrap_or_default());
            Ok((Action::Submit(output), files))
        },
    )?;
    let r = task.latest().expect("a revision was recorded");
    print(&format!(
        "{}: revision {} {} by {}{}; now at step {}\n",
        task.id,
        r.number,
        short_digest(&r.digest),
        r.actor,
        r.model
            .as_ref()
            .map(|m| format!(" (model {m})"))
            .unwrap_or_default(),
        task.step
    ))
}
