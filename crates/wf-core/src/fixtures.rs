//! Test fixtures shared by the core's unit tests: actors with distinct, well-formed keys.

use crate::actor::{Actor, ActorKind};
use crate::task::{Task, TaskState};
use crate::workflow::{Performer, Step, StepKind};

/// A distinct, well-formed ed25519 public key line per actor id.
pub(crate) fn key(id: &str) -> String {
    let blob: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{blob:0>20} {id}")
}

/// A human `id` with `roles`, named `ID`, email `id@example.com`.
pub(crate) fn human(id: &str, roles: &[&str]) -> Actor {
    Actor {
        id: id.into(),
        name: id.to_uppercase(),
        email: format!("{id}@example.com"),
        kind: ActorKind::Human,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        model: None,
        operator: None,
        keys: vec![key(id)],
        run: None,
    }
}

/// An AI actor operated by `operator`, running `model`.
pub(crate) fn ai(id: &str, roles: &[&str], operator: &str, model: &str) -> Actor {
    Actor {
        kind: ActorKind::Ai,
        model: Some(model.into()),
        operator: Some(operator.into()),
        ..human(id, roles)
    }
}

/// A fresh open task `T-3f9a2c` at step `draft` of the default workflow, owned and approved
/// by alice, with no records yet.
pub(crate) fn fresh_task(title: &str) -> Task {
    Task {
        id: "T-3f9a2c".into(),
        title: title.into(),
        workflow: "default".into(),
        state: TaskState::Open,
        step: "draft".into(),
        owner: "alice".into(),
        approver: "alice".into(),
        created_by: "alice".into(),
        created_at: "2026-11-24T00:00:00Z".into(),
        inputs: vec![],
        assignments: vec![],
        revisions: vec![],
        reviews: vec![],
        decisions: vec![],
        reopens: vec![],
    }
}

/// A plain step: no revise, no rework, no prompt.
pub fn step(name: &str, kind: StepKind, actor: Performer, roles: &[&str]) -> Step {
    Step {
        name: name.into(),
        kind,
        actor,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        revise: false,
        rework: None,
        description: String::new(),
        prompt: None,
    }
}
