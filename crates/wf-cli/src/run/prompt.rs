//! The prompt an agent reads: the step's template (or the default) rendered by
//! [`wf_core::prompt::render_task`] from the task as it is at one commit, its inputs (text, or
//! files under `tasks/ID/in/`), its latest revision's files and the review comments. The
//! verifier renders it again from the parent of the commit that records the run, with the
//! same function.

use std::collections::BTreeMap;

use wf_core::prompt::{self, PromptError, Rendered};
use wf_core::Task;
use wf_store::{Snapshot, Store};

use crate::error::CliError;

/// Render the prompt of the task's current step from the task as it is at `snap`.
pub fn render(
    store: &Store,
    snap: &Snapshot,
    workflow: &wf_core::Workflow,
    task: &Task,
) -> Result<Rendered, CliError> {
    let mut files = BTreeMap::new();
    for rel in prompt::files_needed(task) {
        let path = format!("{}{rel}", Task::dir(&task.id));
        if let Some(bytes) = store.read(snap.commit, &path)? {
            files.insert(rel, bytes);
        }
    }
    prompt::render_task(workflow, task, &files).map_err(|e| match e {
        PromptError::NoStep { .. } => {
            CliError::store(e.to_string(), "fix the workflow or the task")
        }
        PromptError::Missing(rel) => CliError::store(
            format!("{}{rel} is missing", Task::dir(&task.id)),
            "restore it from history",
        ),
        PromptError::Template { ref step, .. } => CliError::usage(
            e.to_string(),
            format!(
                "fix the prompt of step {step} in .wf/workflows/{}.toml",
                workflow.name
            ),
        ),
    })
}
