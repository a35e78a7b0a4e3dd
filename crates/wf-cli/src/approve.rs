//! `wf-approve`: the final decision, bound to the digest of the approved revision.

use clap::Parser;
use wf_core::task::Outcome;
use wf_core::Action;

use crate::binding::bound;
use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{print, short_digest};
use wf_store::transaction::Files;

/// Give the final decision on a task: approve (the task closes) or reject (back to rework).
///
/// Only the task's designated approver decides; never an AI, never the producer of the
/// revision. The decision names the revision's digest, so it covers exactly those bytes.
/// --reopen (the owner only) reopens an approved task and voids its approval. With - for ID,
/// decides each task whose id is read from stdin, reporting each on its own line.
#[derive(Parser, Debug)]
#[command(
    name = "wf-approve",
    version,
    after_help = "Examples:\n  wf-approve T-3f9a --digest 9c1e2f0a -m 'ship it'\n  wf-approve T-3f9a --reject -m 'numbers are wrong'\n  wf-approve T-3f9a --reopen -m 'legal asked for a change'"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    /// Reject instead of approving (needs -m).
    #[arg(long, conflicts_with = "reopen")]
    pub reject: bool,
    /// Reopen an approved task (owner only; needs -m).
    #[arg(long)]
    pub reopen: bool,
    /// Why.
    #[arg(long, short = 'm')]
    pub message: Option<String>,
    /// Refuse unless the latest revision has this digest (what you actually read).
    #[arg(long, value_name = "DIGEST", conflicts_with = "reopen")]
    pub digest: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-approve`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    crate::ids::each("wf-approve", &args.id, |typed| {
        let (_, task) = store.act_on_task::<CliError, _>(
            signer.as_ref(),
            context::now()?,
            typed,
            &mut context::notice,
            |task| {
                let action = if args.reopen {
                    Action::Reopen {
                        note: args.message.clone().unwrap_or_default(),
                    }
                } else {
                    let (revision, digest) = bound(task, args.digest.as_deref());
                    let outcome = if args.reject {
                        Outcome::Reject
                    } else {
                        Outcome::Approve
                    };
                    Action::Decide {
                        outcome,
                        revision,
                        digest,
                        note: args.message.clone().unwrap_or_default(),
                    }
                };
                Ok((
                    action,
                    Files {
                        writes: vec![],
                        removes: vec![],
                    },
                ))
            },
        )?;
        let line = if args.reopen {
            format!(
                "{}: reopened; approval void; now at step {}\n",
                task.id, task.step
            )
        } else {
            let d = task.decisions.last().expect("a decision was recorded");
            let what = if args.reject { "rejected" } else { "approved" };
            format!(
                "{}: {what} revision {} {} by {}; state {}\n",
                task.id,
                d.revision,
                short_digest(&d.digest),
                d.actor,
                if task.approval().is_some() {
                    "closed"
                } else {
                    "open"
                }
            )
        };
        print(&line)
    })
}
