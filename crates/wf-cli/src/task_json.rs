//! A task as JSON (schema `wf.task/1`, `spec/json.md`): the task file's fields with the ones a
//! reader would otherwise derive (step kind, holder, latest revision, approved). Shared by
//! `wf-show` and `wf-ls`.

use serde_json::{json, Value};
use wf_core::rules::holder;
use wf_core::{Task, Workflow};

/// The JSON form of a task with derived fields (schema `wf.task/1`, `spec/json.md`).
pub fn task_json(workflow: Option<&Workflow>, task: &Task) -> Value {
    let mut v = serde_json::to_value(task).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let step_kind = workflow
            .and_then(|w| w.step(&task.step))
            .map(|s| s.kind.as_str());
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
    }
    v
}
