//! `wf-show`: one task's current state.

use clap::Parser;
use wf_core::due::{backwards, lateness};
use wf_core::rules::{accepts, holder};
use wf_core::stats::human_duration;
use wf_core::text::{visible, visible_lines};
use wf_core::Task;
use wf_store::Store;

use crate::context;
use crate::error::CliError;
use crate::output::{json, ndjson, print, short_digest};
use crate::task_json::task_json;
use wf_store::Snapshot;

/// Show a task: where it stands, who holds it, its inputs, revisions, reviews and decision.
///
/// At a review step with a quorum it says how many accepts the latest revision has ("1 of 2
/// accepts"); at a step with a due date, when the task entered it, when it is due and how late
/// it is (measured at GIT_COMMITTER_DATE when set, else the clock); checks are listed with their
/// outcome and output; signed times that go backwards are flagged. With - for ID, shows each task whose id is read from stdin (one per line, or NUL-separated);
/// with --json that is one document per task, one after the other.
#[derive(Parser, Debug)]
#[command(
    name = "wf-show",
    version,
    group(clap::ArgGroup::new("format").args(["json", "ndjson"])),
    after_help = "Examples:\n  wf-show T-3f9a\n  wf-show T-3f9a --json | jq -r .holder\n  wf-ls --state open -z | wf-show - --ndjson | jq -r .title"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    /// One JSON document (schema wf.task/1).
    #[arg(long)]
    pub json: bool,
    /// The JSON document on one line (for several ids: one line each).
    #[arg(long)]
    pub ndjson: bool,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-show`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    let now = context::now()?;
    crate::ids::each("wf-show", &args.id, |typed| {
        show(&store, &snap, typed, now, &args)
    })
}

fn show(
    store: &Store,
    snap: &Snapshot,
    typed: &str,
    now: wf_core::Timestamp,
    args: &Args,
) -> Result<(), CliError> {
    let id = snap.resolve(store, typed)?;
    let task = snap.task(store, &id)?;
    let workflow = snap.workflow_if_any(&task.workflow).cloned();
    if args.json {
        return json(&task_json(workflow.as_ref(), &task, now));
    }
    if args.ndjson {
        return ndjson(&task_json(workflow.as_ref(), &task, now));
    }
    let w = workflow.as_ref();
    let kind = w
        .and_then(|w| w.step(&task.step))
        .map(|s| s.kind.as_str())
        .unwrap_or("?");
    let mut o = String::new();
    o.push_str(&format!("{}  {}\n", task.id, visible(&task.title)));
    o.push_str(&format!(
        "state     {}{}\nworkflow  {}\nstep      {} ({kind}), held by {}\nowner     {}\napprover  {}\ncreated   {} by {}\n",
        if task.approval().is_some() { "closed" } else { "open" },
        task.approval().map(|a| format!(" (approved revision {} {} by {})", a.revision, short_digest(&a.digest), a.actor)).unwrap_or_default(),
        task.workflow,
        task.step,
        w.and_then(|w| holder(w, &task)).unwrap_or("nobody"),
        task.owner,
        task.approver,
        task.created_at,
        task.created_by
    ));
    if let Some(s) = w
        .and_then(|w| w.step(&task.step))
        .filter(|s| s.quorum() > 1 && task.approval().is_none())
    {
        let by = accepts(&task, &s.name);
        o.push_str(&format!(
            "quorum    {} of {} accepts{}\n",
            by.len(),
            s.quorum(),
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            }
        ));
    }
    if let Some(l) = w.and_then(|w| lateness(w, &task, now)) {
        let how = if l.overdue() {
            format!("{} late", human_duration(l.late_seconds))
        } else {
            format!("{} left", human_duration(-l.late_seconds))
        };
        o.push_str(&format!(
            "due       {} at step {}: {} {}, due {} ({how})\n",
            l.due,
            task.step,
            if l.recorded { "entered" } else { "last record" },
            l.entered.rfc3339(),
            l.due_at.rfc3339()
        ));
    }
    if !task.inputs.is_empty() {
        o.push_str("inputs:\n");
        for i in &task.inputs {
            match (&i.text, &i.file) {
                (Some(t), _) => {
                    o.push_str(&format!("  {} = {}\n", i.name, wf_core::text::one_line(t)))
                }
                (_, Some(f)) => o.push_str(&format!(
                    "  {} = file {}in/{f} ({})\n",
                    i.name,
                    Task::dir(&task.id),
                    short_digest(&i.sha256)
                )),
                _ => {}
            }
        }
    }
    if !task.assignments.is_empty() {
        o.push_str("handoffs:\n");
        for a in &task.assignments {
            o.push_str(&format!(
                "  {} {}: {} -> {}{}\n",
                a.at,
                a.step,
                a.by,
                a.to,
                note(&a.note)
            ));
        }
    }
    if !task.revisions.is_empty() {
        o.push_str("revisions:\n");
        for r in &task.revisions {
            let model = r
                .model
                .as_ref()
                .map(|m| format!(", model {}", wf_core::text::one_line(m)))
                .unwrap_or_default();
            o.push_str(&format!(
                "  {} {} {} by {} ({}{model}) in {}{}\n",
                r.number,
                r.at,
                short_digest(&r.digest),
                r.actor,
                r.producer.as_str(),
                r.step,
                note(&r.note)
            ));
            for a in &r.artifacts {
                o.push_str(&format!(
                    "      {}out/{}  {} bytes  {}\n",
                    Task::dir(&task.id),
                    a.name,
                    a.size,
                    short_digest(&a.sha256)
                ));
            }
            if let Some(run) = &r.run {
                o.push_str(&format!(
                    "      run `{}` {} .. {}, exit {}\n",
                    wf_core::text::one_line(&wf_core::text::shell_words(&run.command)),
                    run.started_at,
                    run.ended_at,
                    run.exit_status
                ));
            }
        }
    }
    if !task.reviews.is_empty() {
        o.push_str("reviews:\n");
        for r in &task.reviews {
            o.push_str(&format!(
                "  {} revision {} {} {} by {} ({}){}\n",
                r.at,
                r.revision,
                short_digest(&r.digest),
                r.verdict.as_str(),
                r.actor,
                r.reviewer.as_str(),
                note(&r.note)
            ));
        }
    }
    if !task.checks.is_empty() {
        o.push_str("checks:\n");
        for (i, c) in task.checks.iter().enumerate() {
            // Only the step's latest check keeps its output in the tree; older ones in history.
            let kept = task.checks.iter().rposition(|x| x.step == c.step) == Some(i);
            let how = match (c.exit_status, c.timed_out) {
                (_, true) => "timed out".to_string(),
                (Some(s), _) => format!("exit {s}"),
                (None, _) => "killed".to_string(),
            };
            o.push_str(&format!(
                "  {} revision {} {} {} at {} by {} ({how}): `{}`\n      {}  {} bytes{}  {}\n",
                c.at,
                c.revision,
                short_digest(&c.digest),
                c.outcome.as_str(),
                c.step,
                c.actor,
                wf_core::text::one_line(&wf_core::text::shell_words(&c.command)),
                if kept {
                    format!(
                        "{}{}",
                        Task::dir(&task.id),
                        wf_core::task::Check::log(&c.step)
                    )
                } else {
                    "output in history".to_string()
                },
                c.output_size,
                if c.truncated {
                    " (the last, truncated)"
                } else {
                    ""
                },
                short_digest(&c.output_sha256)
            ));
        }
    }
    if !task.decisions.is_empty() || !task.reopens.is_empty() {
        o.push_str("decisions:\n");
        for d in &task.decisions {
            let what = match d.outcome {
                wf_core::task::Outcome::Approve => "approved",
                wf_core::task::Outcome::Reject => "rejected",
            };
            o.push_str(&format!(
                "  {} {what} revision {} {} by {}{}\n",
                d.at,
                d.revision,
                short_digest(&d.digest),
                d.actor,
                note(&d.note)
            ));
        }
        for r in &task.reopens {
            o.push_str(&format!(
                "  {} reopened by {}{}\n",
                r.at,
                r.actor,
                note(&r.note)
            ));
        }
    }
    for warning in backwards(&task) {
        o.push_str(&format!(
            "warning: signed times go backwards: {warning} (times are the signers' claims)\n"
        ));
    }
    for warning in wf_core::due::ahead(&task, context::now()?) {
        o.push_str(&format!(
            "warning: a signed time is ahead: {warning} (times are the signers' claims; due dates are measured from them)\n"
        ));
    }
    // Every field but the notes (folded above) is printed as the file holds it; a file committed
    // by hand may hold control characters, which are shown escaped, never sent to the terminal.
    print(&visible_lines(&o))
}

fn note(n: &str) -> String {
    if n.is_empty() {
        String::new()
    } else {
        format!(": {}", wf_core::text::one_line(n))
    }
}
