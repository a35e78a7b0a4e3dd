//! `wf-assign`: hand the current step to an actor.

use clap::Parser;
use wf_core::Action;

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::print;
use wf_store::transaction::Files;

/// Hand a task's current step to an actor: a recorded handoff (from whom, to whom, why).
///
/// The task's owner, its approver, the step's current holder or an admin may hand a step over,
/// and only to an actor the step admits (kind and role). With - for ID, hands over each task
/// whose id is read from stdin (one per line, or NUL-separated), one commit each, and reports
/// each result on its own line.
#[derive(Parser, Debug)]
#[command(
    name = "wf-assign",
    version,
    after_help = "Examples:\n  wf-assign T-3f9a --to drafter-bot --note 'first draft, keep it short'\n  wf-ls --step review --assignee bob -z | wf-assign - --to carol -m 'bob is away'"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    /// The actor who takes the step.
    #[arg(long)]
    pub to: String,
    /// Why (recorded with the handoff).
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-assign`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    crate::ids::each("wf-assign", &args.id, |typed| {
        let (_, task) = store.act_on_task::<CliError, _>(
            signer.as_ref(),
            context::now()?,
            typed,
            &mut context::notice,
            |_| {
                Ok((
                    Action::Assign {
                        to: args.to.clone(),
                        note: args.note.clone().unwrap_or_default(),
                    },
                    Files {
                        writes: vec![],
                        removes: vec![],
                    },
                ))
            },
        )?;
        print(&format!(
            "{}: step {} assigned to {}\n",
            task.id, task.step, args.to
        ))
    })
}
