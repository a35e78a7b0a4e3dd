//! The prompt an agent reads: the step's template (or the default) rendered by
//! [`wf_core::prompt`] from the task as it is at one commit, its inputs (text, or files under
//! `tasks/ID/in/`), its latest revision's files and the review comments.

use wf_core::prompt::{self, Content};
use wf_core::task::RunInput;
use wf_core::Task;
use wf_store::{Snapshot, Store};

use crate::error::CliError;

/// Render the prompt of the task's current step from the task as it is at `snap`; also returns
/// the inputs it was rendered from.
pub fn render(
    store: &Store,
    snap: &Snapshot,
    workflow: &wf_core::Workflow,
    task: &Task,
) -> Result<(String, Vec<RunInput>), CliError> {
    let step = workflow.step(&task.step).ok_or_else(|| {
        CliError::store(
            format!(
                "task {} is at step {}, which workflow {} lacks",
                task.id, task.step, workflow.name
            ),
            "fix the workflow or the task",
        )
    })?;
    let read = |path: String| -> Result<Vec<u8>, CliError> {
        store
            .read(snap.commit, &path)?
            .ok_or_else(|| CliError::store(format!("{path} is missing"), "restore it from history"))
    };
    let mut inputs = Vec::new();
    let mut used = Vec::new();
    for i in &task.inputs {
        let content = match (&i.text, &i.file) {
            (Some(t), _) => Content::Text(t.clone()),
            (None, Some(f)) => Content::of(&read(format!("{}in/{f}", Task::dir(&task.id)))?),
            (None, None) => continue,
        };
        inputs.push((i.name.clone(), content));
        used.push(RunInput {
            name: i.name.clone(),
            sha256: i.sha256.clone(),
        });
    }
    let mut revision = Vec::new();
    if let Some(r) = task.latest() {
        for a in &r.artifacts {
            let bytes = read(format!("{}out/{}", Task::dir(&task.id), a.name))?;
            revision.push((a.name.clone(), Content::of(&bytes)));
        }
    }
    let ctx = prompt::Context {
        task,
        step,
        inputs,
        revision,
    };
    let text = prompt::render(step.prompt_template(), &ctx).map_err(|e| {
        CliError::usage(
            format!("step {}: {e}", step.name),
            format!(
                "fix the prompt of step {} in .wf/workflows/{}.toml",
                step.name, workflow.name
            ),
        )
    })?;
    Ok((text, used))
}
