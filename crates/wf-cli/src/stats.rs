//! `wf-stats`: figures about the work, computed from the signed history.

use clap::Parser;
use serde_json::json;
use wf_core::rules::holder_of;
use wf_core::stats::{self, human_duration, Outcomes, TaskNow};
use wf_core::{Timestamp, Workflow};

use crate::context;
use crate::error::CliError;
use crate::events::Signers;
use crate::output::{json, print};
use crate::progress::Progress;
use wf_store::Snapshot;

/// Figures about the work, from history: cycle times, review rounds, AI share, acceptance.
///
/// Cycle time per step (from entering a step to leaving it), review rounds per task, the
/// share of revisions produced by AI, acceptance and rejection per model and per AI agent,
/// open handoffs and their age, approvals per approver, breaches of due dates per step and per
/// holder (a visit of a step with `due` that lasted longer, ended or still open), and actions
/// whose signed time is before the task's previous action (times are the signers' claims).
/// Ages are measured at GIT_COMMITTER_DATE when set, else the clock. Every figure is computed from the
/// commits' trailers on each call, never stored, so it cannot be edited by hand; commits whose
/// signature is not good (as wf-log judges it) are left out and counted. --since keeps events
/// (and step visits that ended, revisions produced) at or after DATE. On a terminal, reading a
/// long history shows a progress bar on stderr.
#[derive(Parser, Debug)]
#[command(
    name = "wf-stats",
    version,
    after_help = "Examples:\n  wf-stats\n  wf-stats --since 2026-11-01 --json | jq '.models[] | {name, acceptance_rate}'"
)]
pub struct Args {
    /// Only history at or after DATE (2026-11-01, 2026-11-01T09:00:00Z, @SECONDS).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// One JSON document (schema wf.stats/1).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub global: context::Global,
}

/// Parse `--since`: a date alone is midnight UTC.
pub fn parse_since(s: &str) -> Result<i64, CliError> {
    let full = if s.len() == 10 && s.as_bytes().get(4) == Some(&b'-') {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    Timestamp::parse(&full).map(|t| t.0).ok_or_else(|| {
        CliError::usage(
            format!("cannot read --since {s:?}"),
            "use 2026-11-01, 2026-11-01T09:00:00Z or @SECONDS",
        )
    })
}

/// Run `wf-stats`.
pub fn run(args: Args) -> Result<(), CliError> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    let now = context::now()?.0;
    // The event index (`spec/store.md`): a file read once it is up to date; only the commits
    // since it was last brought up to date are read from git.
    let mut progress = Progress::new("wf-stats: reading history", None);
    let actions =
        wf_store::history::actions_with_progress(store.git(), snap.commit, &mut |done, all| {
            progress.set_total(Some(all as u64));
            progress.inc(done as u64 - progress.done());
        })?;
    progress.finish();
    let mut progress = Progress::new("wf-stats: reading history", Some(actions.len() as u64));
    let mut events = Vec::with_capacity(actions.len());
    let mut signers = Signers::new(snap.actors()).with_history(&store);
    for f in actions.iter().rev() {
        progress.inc(1);
        events.push(signers.event(f).for_stats());
    }
    progress.finish();
    // The task listing (`spec/store.md`): each task file parsed once per version of its bytes.
    let listing = wf_store::listing::list(&store, &snap)?;
    let mut tasks = Vec::with_capacity(listing.rows().len());
    for row in listing.rows() {
        let w = snap.workflow_if_any(&row.workflow);
        let h = w.and_then(|w| {
            holder_of(w, &row.step, &row.approver, row.assignee.as_deref()).map(str::to_string)
        });
        let due = w.map(Workflow::due_by_step).unwrap_or_default();
        tasks.push(TaskNow {
            id: row.id.clone(),
            step: row.step.clone(),
            closed: row.closed,
            holder: h,
            due,
        });
    }
    let s = stats::compute(&events, &tasks, since, now);
    if args.json {
        let mut v = serde_json::to_value(&s)?;
        v["schema"] = json!("wf.stats/1");
        return json(&v);
    }
    print(&human(&s))
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.0}%", r * 100.0))
}

/// The width of a column: its widest cell, and at least `min`. Cells are padded by characters,
/// so a long model or actor name widens its column instead of pushing the rest of its row.
fn width<'a>(min: usize, cells: impl IntoIterator<Item = &'a str>) -> usize {
    cells
        .into_iter()
        .map(|c| c.chars().count())
        .fold(min, usize::max)
}

fn outcome_table(title: &str, head: &str, rows: &[Outcomes]) -> String {
    let mut o = format!("\n{title}\n");
    if rows.is_empty() {
        o.push_str("  (none)\n");
        return o;
    }
    let names: Vec<String> = rows
        .iter()
        .map(|r| wf_core::text::one_line(&r.name))
        .collect();
    let w = width(24, names.iter().map(String::as_str));
    o.push_str(&format!(
        "  {head:<w$} {:>9} {:>8} {:>8} {:>7} {:>10}\n",
        "revisions", "accepted", "rejected", "pending", "acceptance"
    ));
    for (r, name) in rows.iter().zip(&names) {
        o.push_str(&format!(
            "  {:<w$} {:>9} {:>8} {:>8} {:>7} {:>10}\n",
            name,
            r.revisions,
            r.accepted,
            r.rejected,
            r.pending,
            pct(r.acceptance_rate)
        ));
    }
    o
}

/// The human report.
fn human(s: &stats::Stats) -> String {
    let mut o = format!(
        "{} events, {} tasks ({} open, {} closed), {}\n",
        s.events,
        s.tasks.total,
        s.tasks.open,
        s.tasks.closed,
        s.since
            .as_ref()
            .map_or("all history".to_string(), |d| format!("since {d}"))
    );
    if s.unverified_events > 0 {
        o.push_str(&format!(
            "{} events without a good signature left out (see wf-log)\n",
            s.unverified_events
        ));
    }
    o.push_str("\ncycle time per step (completed visits)\n");
    if s.steps.is_empty() {
        o.push_str("  (none)\n");
    } else {
        let w = width(14, s.steps.iter().map(|st| st.step.as_str()));
        o.push_str(&format!(
            "  {:<w$} {:>6} {:>8} {:>8} {:>8}\n",
            "step", "visits", "mean", "median", "max"
        ));
        for st in &s.steps {
            o.push_str(&format!(
                "  {:<w$} {:>6} {:>8} {:>8} {:>8}\n",
                st.step,
                st.visits,
                human_duration(st.mean_seconds),
                human_duration(st.median_seconds),
                human_duration(st.max_seconds)
            ));
        }
    }
    let rr = &s.review_rounds;
    o.push_str(&format!(
        "\nreview rounds per task: {} tasks reviewed, mean {}, max {}\n",
        rr.tasks,
        rr.mean.map_or("-".into(), |m| format!("{m}")),
        rr.max
    ));
    let w = width(10, rr.per_task.iter().map(|t| t.task.as_str()));
    for t in &rr.per_task {
        o.push_str(&format!("  {:<w$} {}\n", t.task, t.rounds));
    }
    o.push_str(&format!(
        "\nrevisions: {} ({} by AI, {} by humans; AI share {})\n",
        s.revisions.total,
        s.revisions.ai,
        s.revisions.human,
        pct(s.revisions.ai_share)
    ));
    o.push_str(&outcome_table("outcome per model", "model", &s.models));
    o.push_str(&outcome_table("outcome per AI agent", "agent", &s.agents));
    o.push_str(&format!("\nopen handoffs (age at {})\n", s.now));
    if s.open_handoffs.is_empty() {
        o.push_str("  (none)\n");
    } else {
        let hs = &s.open_handoffs;
        let wt = width(10, hs.iter().map(|h| h.task.as_str()));
        let ws = width(12, hs.iter().map(|h| h.step.as_str()));
        let wh = width(
            16,
            hs.iter().map(|h| h.holder.as_deref().unwrap_or("(nobody)")),
        );
        o.push_str(&format!(
            "  {:<wt$} {:<ws$} {:<wh$} {:<21} {:>7}\n",
            "task", "step", "holder", "since", "age"
        ));
        for h in hs {
            o.push_str(&format!(
                "  {:<wt$} {:<ws$} {:<wh$} {:<21} {:>7}\n",
                h.task,
                h.step,
                h.holder.as_deref().unwrap_or("(nobody)"),
                h.since,
                human_duration(h.age_seconds)
            ));
        }
    }
    // Only stores whose workflows have due dates hear about them.
    let d = &s.due_breaches;
    if !d.per_step.is_empty() {
        o.push_str(&format!("\ndue date breaches: {}\n", d.total));
        o.push_str(&format!(
            "  {:<14} {:>6} {:>8} {:>9}\n",
            "step", "visits", "breaches", "max late"
        ));
        for st in &d.per_step {
            o.push_str(&format!(
                "  {:<14} {:>6} {:>8} {:>9}\n",
                st.step,
                st.visits,
                st.breaches,
                human_duration(st.max_late_seconds)
            ));
        }
    }
    if !d.per_holder.is_empty() {
        o.push_str(&format!(
            "  {:<16} {:>8} {:>9}\n",
            "holder", "breaches", "max late"
        ));
        for h in &d.per_holder {
            o.push_str(&format!(
                "  {:<16} {:>8} {:>9}\n",
                h.holder.as_deref().unwrap_or("(nobody)"),
                h.breaches,
                human_duration(h.max_late_seconds)
            ));
        }
    }
    for b in &d.breaches {
        o.push_str(&format!(
            "  {:<10} {:<12} {:<16} due {} {} late{}\n",
            b.task,
            b.step,
            b.holder.as_deref().unwrap_or("(nobody)"),
            b.due_at,
            human_duration(b.late_seconds),
            if b.left.is_none() {
                ", still there"
            } else {
                ""
            }
        ));
    }
    if !s.time_backwards.is_empty() {
        o.push_str(&format!(
            "\nsigned times going backwards: {} (times are the signers' claims)\n",
            s.time_backwards.len()
        ));
        for b in &s.time_backwards {
            o.push_str(&format!(
                "  {:<10} {} by {} at {}, before the previous action at {}\n",
                b.task,
                b.action,
                b.actor.as_deref().unwrap_or("?"),
                b.at,
                b.previous
            ));
        }
    }
    o.push_str("\napprovals per approver\n");
    if s.approvals.is_empty() {
        o.push_str("  (none)\n");
    } else {
        let w = width(16, s.approvals.iter().map(|a| a.approver.as_str()));
        o.push_str(&format!(
            "  {:<w$} {:>8} {:>8}\n",
            "approver", "approved", "rejected"
        ));
        for a in &s.approvals {
            o.push_str(&format!(
                "  {:<w$} {:>8} {:>8}\n",
                a.approver, a.approved, a.rejected
            ));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the table under `title` in a report: its head and its rows.
    fn table<'a>(report: &'a str, title: &str) -> Vec<&'a str> {
        report
            .lines()
            .skip_while(|l| !l.starts_with(title))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect()
    }

    #[test]
    fn tables_stay_aligned_with_long_model_and_actor_names() {
        use wf_core::stats::{compute, Event, TaskNow};
        let long_model = "an-extraordinarily-long-model-name-v2.5-instruct-q4_K_M (via ollama)";
        let long_agent = "the-drafting-agent-of-the-documentation-team";
        let ev = |time, action: &str, actor: &str, kind: &str, digest: &str| Event {
            time,
            task: Some("T-000001".into()),
            action: action.into(),
            actor: Some(actor.into()),
            actor_kind: Some(kind.into()),
            step: Some("a-step-with-a-rather-long-name".into()),
            digest: Some(digest.into()),
            verified: true,
            ..Event::default()
        };
        let mut a = ev(10, "submit", long_agent, "ai", "d1");
        a.model = Some(long_model.into());
        let mut b = ev(20, "submit", "bot", "ai", "d2");
        b.model = Some("m".into());
        let mut accept = ev(30, "review", "bob", "human", "d1");
        accept.verdict = Some("accept".into());
        let events = vec![
            ev(0, "new", "alice", "human", ""),
            a,
            b,
            accept,
            ev(40, "approve", "an-approver-with-a-long-id", "human", "d2"),
        ];
        let tasks = [TaskNow {
            id: "T-000001".into(),
            step: "a-step-with-a-rather-long-name".into(),
            closed: false,
            holder: Some(long_agent.into()),
            due: Default::default(),
        }];
        let report = human(&compute(&events, &tasks, None, 100));
        for title in [
            "outcome per model",
            "outcome per AI agent",
            "open handoffs",
            "approvals per approver",
        ] {
            let rows = table(&report, title);
            assert!(rows.len() >= 2, "{title}: no table in\n{report}");
            let len = |l: &str| l.chars().count();
            assert!(
                rows.iter().all(|r| len(r) == len(rows[0])),
                "{title}: rows of different lengths (columns pushed):\n{report}"
            );
        }
        assert!(report.contains(long_model), "{report}");
        let head = table(&report, "outcome per model")[0];
        let row = table(&report, "outcome per model")[1];
        assert_eq!(
            head.find("revisions").map(|i| i + "revisions".len()),
            row.find(" 1 ").map(|i| i + 2),
            "the count sits under its heading:\n{report}"
        );
    }

    #[test]
    fn since_takes_a_date_or_a_time() {
        assert_eq!(parse_since("1970-01-02").unwrap(), 86_400);
        assert_eq!(parse_since("1970-01-01T01:00:00Z").unwrap(), 3600);
        assert_eq!(parse_since("@60").unwrap(), 60);
        assert!(parse_since("last week").is_err());
    }
}
