//! Test fixtures: actors with distinct, well-formed keys, a fresh task, plain steps, and the
//! check that the verifier replays what the tools write.
//!
//! Not part of the API. Built for the crate's unit tests, and with the `fixtures` feature for
//! its integration tests (`tests/props.rs`), which enable it through a dev-dependency of the
//! crate on itself; so both use this one copy.

use std::collections::BTreeMap;

use crate::actor::{Actor, ActorKind, Actors};
use crate::rules::Action;
use crate::task::{Task, TaskState};
use crate::time::Timestamp;
use crate::trailer;
use crate::verify::{replay_task, Blob, Check, Header, TaskFiles};
use crate::workflow::{Performer, Step, StepKind, Workflow};

/// A distinct, well-formed ed25519 public key line per actor id.
pub fn key(id: &str) -> String {
    let blob: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{blob:0>20} {id}")
}

/// A human `id` with `roles`, named `ID`, email `id@example.com`.
pub fn human(id: &str, roles: &[&str]) -> Actor {
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
pub fn ai(id: &str, roles: &[&str], operator: &str, model: &str) -> Actor {
    Actor {
        kind: ActorKind::Ai,
        model: Some(model.into()),
        operator: Some(operator.into()),
        ..human(id, roles)
    }
}

/// A fresh open task `T-3f9a2c` at step `draft` of the default workflow, owned and approved
/// by alice, with no records yet.
pub fn fresh_task(title: &str) -> Task {
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
        entered_at: None,
        inputs: vec![],
        assignments: vec![],
        revisions: vec![],
        reviews: vec![],
        decisions: vec![],
        reopens: vec![],
        checks: vec![],
    }
}

/// A plain step: no revise, no rework, no prompt.
pub fn step(name: &str, kind: StepKind, actor: Performer, roles: &[&str]) -> Step {
    Step {
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..Step::new(name, kind, actor)
    }
}

/// What the verifier reads of a task at a commit: its file, its file inputs under `in/` and
/// the latest revision's artifacts under `out/`.
fn files_of(t: &Task) -> TaskFiles {
    let mut dir = BTreeMap::new();
    let read = crate::prompt::files_needed(t)
        .into_iter()
        .map(|p| (p.clone(), format!("the bytes of {p}\n").into_bytes()))
        .collect();
    for i in t.inputs.iter().filter(|i| i.file.is_some()) {
        dir.insert(
            format!("in/{}", i.name),
            Blob {
                oid: format!("in-{}", i.sha256),
                content: Some((i.sha256.clone(), 1)),
            },
        );
    }
    if let Some(r) = t.latest() {
        for a in &r.artifacts {
            dir.insert(
                format!("out/{}", a.name),
                Blob {
                    oid: format!("out-{}", a.sha256),
                    content: Some((a.sha256.clone(), a.size)),
                },
            );
        }
    }
    for c in &t.checks {
        dir.insert(
            crate::task::Check::log(&c.step),
            Blob {
                oid: format!("check-{}", c.output_sha256),
                content: Some((c.output_sha256.clone(), c.output_size)),
            },
        );
    }
    TaskFiles {
        task: Some(t.to_toml()),
        parsed: None,
        canonical: false,
        dir,
        oversized: vec![],
        read: Some(read),
    }
}

/// `after` with its new revision's run made as `wf-run` makes it: the digest of the prompt
/// rendered from `before` (with the bytes [`files_of`] gives), its inputs, its previous
/// revision. `None` when the action records no run; `Some(None)` when wf renders no prompt
/// from `before` (a template naming an input the task lacks), so `wf-run` records no run.
fn honest_run(workflow: &Workflow, before: Option<&Task>, after: &Task) -> Option<Option<Task>> {
    let before = before?;
    if after.revisions.len() <= before.revisions.len() {
        return None;
    }
    let mut honest = after.clone();
    let r = honest.revisions.last_mut()?;
    let run = r.run.as_mut()?;
    let files = files_of(before).read.unwrap_or_default();
    let Ok(rendered) = crate::prompt::render_task(workflow, before, &files) else {
        return Some(None);
    };
    r.prompt_sha256 = Some(crate::digest::sha256_hex(rendered.text.as_bytes()));
    run.inputs = rendered.inputs;
    run.revision_digest = before.latest().map(|p| p.digest.clone());
    Some(Some(honest))
}

/// The commit a tool writes for `action` (by `actor`, from `before` to `after`) replays to
/// `after`; the same commit claiming another action, or with the output changed, does not.
pub fn replays(
    workflow: &Workflow,
    actors: &Actors,
    actor: &Actor,
    before: Option<&Task>,
    after: &Task,
    action: &Action,
    at: Timestamp,
) {
    let workflows: BTreeMap<String, Workflow> = [(workflow.name.clone(), workflow.clone())].into();
    let message = trailer::action_message(before, after, action, actor);
    let h = Header::new(
        &message,
        (&actor.name, &actor.email),
        (&actor.name, &actor.email),
        at,
    );
    let b = before.map(files_of).unwrap_or_default();
    // A run claims the digest of the prompt wf renders from `before`: as the tools record it,
    // it replays; with any other digest, inputs or previous revision, it does not.
    if let Some(honest) = honest_run(workflow, before, after) {
        if honest.as_ref() != Some(after) {
            let p = replay_task(
                &workflows,
                actors,
                actor,
                &after.id,
                &b,
                &files_of(after),
                &h,
            )
            .expect_err("a run whose prompt wf would not have rendered replays");
            assert_eq!(p.check, Check::Mismatch, "{}", p.reason);
            let Some(honest) = honest else {
                return;
            };
            let rebuilt = crate::verify::rebuild(action.name(), before, &honest)
                .expect("the honest run rebuilds");
            return replays(workflow, actors, actor, before, &honest, &rebuilt, at);
        }
    }
    // Each replay below twice: with the files as given, and as the verifier reads them, through
    // the reader of canonical task files. Both give the same answer.
    let replay = |b: &TaskFiles, a: &TaskFiles, h: &Header| {
        let got = replay_task(&workflows, actors, actor, &after.id, b, a, h);
        let fast = replay_task(&workflows, actors, actor, &after.id, &read(b), &read(a), h);
        assert_eq!(fast, got, "read through the canonical reader");
        got
    };
    let a = files_of(after);
    let got =
        replay(&b, &a, &h).unwrap_or_else(|p| panic!("verifier rejects {}: {p:?}", action.name()));
    assert_eq!(&got.task, after);
    // Claim another action over the same diff.
    let other = if action.name() == "assign" {
        "reopen"
    } else {
        "assign"
    };
    let forged = message.replace(
        &format!("Wf-Action: {}", action.name()),
        &format!("Wf-Action: {other}"),
    );
    let h2 = Header::new(&forged, h.author, h.committer, h.time);
    assert!(replay(&b, &a, &h2).is_err());
    // Change an output file without a new revision record.
    if let Some(r) = after.latest() {
        let mut a2 = a.clone();
        let name = format!("out/{}", r.artifacts[0].name);
        a2.dir.insert(
            name,
            Blob {
                oid: "changed".into(),
                content: Some(("0".repeat(64), 3)),
            },
        );
        assert!(replay(&b, &a2, &h).is_err());
    }
    // Change a check's kept output.
    if let Some(c) = after.checks.last() {
        let mut a2 = a.clone();
        a2.dir.insert(
            crate::task::Check::log(&c.step),
            Blob {
                oid: "changed-log".into(),
                content: Some(("1".repeat(64), 3)),
            },
        );
        assert!(replay(&b, &a2, &h).is_err());
    }
    // A file over the size limit is reported, unread.
    let mut a3 = a.clone();
    let huge = format!("{}out/huge.bin", Task::dir(&after.id));
    a3.oversized
        .push((huge.clone(), crate::task::MAX_FILE_SIZE + 1));
    let p = replay(&b, &a3, &h).unwrap_err();
    assert_eq!(p.check, Check::Malformed);
    assert!(p.reason.starts_with(&huge), "{}", p.reason);
    // A file that is another task's canonical text: the one before the action, as if the
    // commit changed nothing in it.
    if let Some(before) = before {
        let mut a4 = a.clone();
        a4.task = Some(before.to_toml());
        assert!(replay(&b, &a4, &h).is_err());
    }
}

/// `files` as the verifier reads them: the task file through [`Task::parse_canonical`].
fn read(files: &TaskFiles) -> TaskFiles {
    let parsed = files.task.as_deref().and_then(Task::parse_canonical);
    TaskFiles {
        canonical: parsed.is_some(),
        parsed: parsed.map(std::rc::Rc::new),
        ..files.clone()
    }
}

/// Rule 13's oracle, written apart from `rules::dependence`: whether `who` is tied to the task's
/// work as `rel` says, through the revisions since the last accepted one (walking back from the
/// latest, which always counts). Shared by the rules' unit tests and the property tests.
pub fn tied(actors: &Actors, t: &Task, rel: crate::workflow::Relation, who: &str) -> bool {
    use crate::task::{Outcome, Verdict};
    use crate::workflow::Relation;
    let accepted = |n: u32, d: &str| {
        t.reviews
            .iter()
            .any(|r| r.verdict == Verdict::Accept && r.revision == n && r.digest == d)
            || t.decisions
                .iter()
                .any(|x| x.outcome == Outcome::Approve && x.revision == n && x.digest == d)
    };
    let last = t.revisions.len();
    let since: Vec<_> = t
        .revisions
        .iter()
        .enumerate()
        .rev()
        .take_while(|(i, r)| i + 1 == last || !accepted(r.number, &r.digest))
        .map(|(_, r)| r)
        .collect();
    match rel {
        Relation::Requester => t.created_by == who,
        Relation::Producer => since.iter().any(|r| r.actor == who),
        Relation::Operator => since.iter().any(|r| {
            actors
                .get(&r.actor)
                .is_some_and(|a| a.kind == ActorKind::Ai && a.operator.as_deref() == Some(who))
        }),
    }
}
