//! A task as JSON (schema `wf.task/1`, `spec/json.md`): the task file's fields with the ones a
//! reader would otherwise derive (step kind, holder, latest revision, approved, quorum, due
//! date). Shared by `wf-show` and `wf-ls`.

use serde_json::{json, Value};
use wf_core::due::{backwards, lateness};
use wf_core::rules::{accepts, holder};
use wf_core::{Task, Timestamp, Workflow};

/// The JSON form of a task with derived fields (schema `wf.task/1`, `spec/json.md`); how late
/// it is, is measured at `now`.
pub fn task_json(workflow: Option<&Workflow>, task: &Task, now: Timestamp) -> Value {
    let mut v = serde_json::to_value(task).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let step = workflow.and_then(|w| w.step(&task.step));
        let step_kind = step.map(|s| s.kind.as_str());
        m.insert("schema".into(), json!("wf.task/1"));
        // The TOML leaves out empty record lists; JSON always has them, so `jq '.revision[]'`
        // works on a fresh task.
        for list in [
            "input",
            "assignment",
            "revision",
            "review",
            "decision",
            "reopen",
            "check",
        ] {
            m.entry(list).or_insert_with(|| json!([]));
        }
        m.insert("step_kind".into(), json!(step_kind));
        m.insert(
            "holder".into(),
            json!(workflow.and_then(|w| holder(w, task))),
        );
        m.insert(
            "latest_revision".into(),
            json!(task.latest().map(|r| r.number)),
        );
        m.insert(
            "latest_digest".into(),
            json!(task.latest().map(|r| r.digest.clone())),
        );
        m.insert("latest_accepted".into(), json!(task.latest_accepted()));
        m.insert("approved".into(), json!(task.approval().is_some()));
        let quorum = step.filter(|s| s.quorum() > 1).map(|s| {
            let by = accepts(task, &s.name);
            json!({ "needed": s.quorum(), "accepts": by.len(), "accepted_by": by })
        });
        m.insert("quorum".into(), json!(quorum));
        let due = workflow.and_then(|w| lateness(w, task, now)).map(|l| {
            json!({
                "due": l.due,
                "seconds": l.seconds,
                "entered": l.entered.rfc3339(),
                "measured_from": if l.recorded { "entered_at" } else { "latest_record" },
                "due_at": l.due_at.rfc3339(),
                "now": now.rfc3339(),
                "late_seconds": l.late_seconds,
                "overdue": l.overdue(),
            })
        });
        m.insert("due".into(), json!(due));
        let mut warnings = backwards(task);
        warnings.extend(wf_core::due::ahead(task, now));
        m.insert("time_warnings".into(), json!(warnings));
    }
    v
}
