//! `wf-ls`: the tasks, and the queues of who waits on what.

use std::collections::HashMap;

use clap::Parser;
use serde_json::json;
use wf_core::due::lateness;
use wf_core::rules::holder;
use wf_core::stats::human_duration;
use wf_core::task::TaskState;
use wf_core::text::visible;
use wf_core::Workflow;

use crate::context;
use crate::error::CliError;
use crate::output::{color_stdout, json, ndjson, nul_ids, paint, print, Color};
use crate::task_json::task_json;
use wf_store::Snapshot;

/// List tasks: id, state, step, holder and title.
///
/// Filters make queues: "what waits for me" is `wf-ls --assignee me-id`; --overdue lists the
/// open tasks past their step's due date, latest first, with how late each is (measured at
/// GIT_COMMITTER_DATE when set, else the clock; times are the signers' claims). --json prints
/// one document (wf.tasks/1), --ndjson one wf.task/1 object per line, -z the ids alone, each
/// ended by a NUL byte, for `wf-TOOL -` and `xargs -0`.
#[derive(Parser, Debug)]
#[command(
    name = "wf-ls",
    group(clap::ArgGroup::new("format").args(["json", "ndjson", "nul"])),
    version,
    after_help = "Examples:\n  wf-ls --assignee bob --step review\n  wf-ls --overdue\n  wf-ls --json | jq -r '.tasks[] | select(.step==\"draft\") | .id'\n  wf-ls --step review --assignee bob -z | wf-assign - --to carol"
)]
pub struct Args {
    /// One JSON document (schema wf.tasks/1).
    #[arg(long)]
    pub json: bool,
    /// One JSON object per line (schema wf.task/1 each), streamed.
    #[arg(long)]
    pub ndjson: bool,
    /// Print only the ids, each followed by a NUL byte.
    #[arg(short = 'z')]
    pub nul: bool,
    /// Only tasks at this step.
    #[arg(long)]
    pub step: Option<String>,
    /// Only tasks whose current step this actor holds.
    #[arg(long)]
    pub assignee: Option<String>,
    /// Only open or only closed tasks.
    #[arg(long, value_parser = ["open", "closed"])]
    pub state: Option<String>,
    /// Only tasks at a step of this kind.
    #[arg(long, value_parser = ["produce", "review", "check", "approve"])]
    pub kind: Option<String>,
    /// Only open tasks past their step's due date, most late first.
    #[arg(long)]
    pub overdue: bool,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-ls`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    let now = context::now()?;
    let mut workflows: HashMap<String, Option<Workflow>> = HashMap::new();
    let mut rows = Vec::new();
    for id in snap.task_ids(&store)? {
        let task = snap.task(&store, &id)?;
        if !workflows.contains_key(&task.workflow) {
            let w = snap.workflow_if_any(&task.workflow).cloned();
            workflows.insert(task.workflow.clone(), w);
        }
        let w = workflows[&task.workflow].clone();
        let h = w
            .as_ref()
            .and_then(|w| holder(w, &task))
            .map(str::to_string);
        let state = if task.state == TaskState::Closed {
            "closed"
        } else {
            "open"
        };
        let kind = w
            .as_ref()
            .and_then(|w| w.step(&task.step))
            .map(|s| s.kind.as_str());
        let late = w.as_ref().and_then(|w| lateness(w, &task, now));
        if args.step.as_ref().is_some_and(|s| *s != task.step)
            || args.kind.as_ref().is_some_and(|k| Some(k.as_str()) != kind)
            || (args.overdue && !late.as_ref().is_some_and(|l| l.overdue()))
            || args.assignee.as_ref().is_some_and(|a| {
                h.as_deref() != Some(a.as_str()) || task.state == TaskState::Closed
            })
            || args.state.as_ref().is_some_and(|s| s != state)
        {
            continue;
        }
        let late = late.map(|l| l.late_seconds);
        rows.push((task, w, h, state, late));
    }
    rows.sort_by(|a, b| (&a.0.created_at, &a.0.id).cmp(&(&b.0.created_at, &b.0.id)));
    if args.overdue {
        rows.sort_by_key(|r| std::cmp::Reverse(r.4));
    }
    if args.nul {
        return nul_ids(rows.iter().map(|r| r.0.id.as_str()));
    }
    if args.ndjson {
        for (t, w, ..) in &rows {
            ndjson(&task_json(w.as_ref(), t, now))?;
        }
        return Ok(());
    }
    if args.json {
        let tasks: Vec<_> = rows
            .iter()
            .map(|(t, w, ..)| task_json(w.as_ref(), t, now))
            .collect();
        return json(&json!({ "schema": "wf.tasks/1", "tasks": tasks }));
    }
    let color = color_stdout();
    let mut out = String::new();
    for (t, _, h, state, late) in &rows {
        let shade = if *state == "open" {
            Color::Yellow
        } else {
            Color::Green
        };
        // Fields are shown escaped: a file committed by hand may hold control characters.
        let late = match late {
            Some(s) if args.overdue => format!("{:>7} late ", human_duration(*s)),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{:<10} {} {:<10} {:<14} {late}{}\n",
            visible(&t.id),
            paint(&format!("{state:<6}"), shade, color),
            visible(&t.step),
            visible(h.as_deref().unwrap_or("-")),
            visible(&t.title)
        ));
    }
    print(&out)
}
