//! The verifier's judgement of one commit, on values: who signed it, what the commit says it
//! does, what its diff does, and whether the rules (under the policy of its parent) allow it.
//!
//! The store reads git objects and checks signatures; this module decides. Task actions are
//! judged by rebuilding the action from the task file, asking [`crate::rules::decide`] (the very
//! function the tools call) for the next state under the parent's workflow and actors, and
//! requiring the commit's task file and message to be byte for byte what the tools would have
//! written. See `spec/verify.md`.

use std::collections::BTreeMap;
use std::fmt;

use crate::actor::{Actor, Actors};
use crate::policy::{self, Files, PolicyAction};
use crate::rules::{decide, Action, Output, Refusal, Rule};
use crate::task::{Outcome, Task};
use crate::text::one_line;
use crate::time::Timestamp;
use crate::trailer::{self, key};
use crate::workflow::Workflow;

/// What kind of problem the verifier found; rules of the core keep their numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// A rule of `spec/rules.md` refused the action.
    Rule(Rule),
    /// No signature on a commit that must carry one.
    Unsigned,
    /// A signature that does not verify over the commit (tampered, or malformed).
    BadSignature,
    /// Signed by a key no actor held at the parent commit.
    UnknownKey,
    /// Signed by one actor, but the commit says another acted.
    WrongSigner,
    /// A file, header or message that does not parse, or that wf never writes.
    Malformed,
    /// Touches `.wf/` or `tasks/` without being a wf action.
    NotAnAction,
    /// The trailers, the task file and the artifacts do not describe the same action.
    Mismatch,
    /// A merge that introduces or loses changes.
    Merge,
    /// A ref update the server refuses (non-fast-forward or deletion of a protected branch).
    History,
}

impl Check {
    /// A short stable slug (`rule-3`'s slug for rules).
    pub fn slug(self) -> String {
        match self {
            Check::Rule(r) => format!("rule-{}", r.number()),
            Check::Unsigned => "unsigned".into(),
            Check::BadSignature => "bad-signature".into(),
            Check::UnknownKey => "unknown-key".into(),
            Check::WrongSigner => "wrong-signer".into(),
            Check::Malformed => "malformed".into(),
            Check::NotAnAction => "not-an-action".into(),
            Check::Mismatch => "mismatch".into(),
            Check::Merge => "merge".into(),
            Check::History => "history".into(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Rule(r) => write!(f, "{r}"),
            other => f.write_str(&other.slug()),
        }
    }
}

/// One problem with one commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What kind.
    pub check: Check,
    /// Why, one line.
    pub reason: String,
}

impl Problem {
    /// A problem.
    pub fn new(check: Check, reason: impl Into<String>) -> Problem {
        Problem {
            check,
            reason: one_line(&reason.into()),
        }
    }
}

impl From<Refusal> for Problem {
    fn from(r: Refusal) -> Problem {
        Problem::new(Check::Rule(r.rule), r.reason)
    }
}

/// Who a commit says made it and when.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    /// The whole message.
    pub message: &'a str,
    /// Author name and email.
    pub author: (&'a str, &'a str),
    /// Committer name and email.
    pub committer: (&'a str, &'a str),
    /// Committer time.
    pub time: Timestamp,
}

/// Find the actor who signed, by key, in the actors of the parent, and check that the commit
/// names that actor everywhere: `Wf-Actor`, `Wf-Actor-Kind`, author and committer.
pub fn identify<'a>(actors: &'a Actors, key: &str, h: &Header) -> Result<&'a Actor, Problem> {
    let Some(actor) = actors.by_key(key) else {
        return Err(Problem::new(
            Check::UnknownKey,
            "signed by a key that no actor held before this commit",
        ));
    };
    let trailers = trailer::parse(h.message);
    let said = trailer::get(&trailers, key::ACTOR).unwrap_or("(none)");
    if said != actor.id {
        return Err(Problem::new(
            Check::WrongSigner,
            format!("signed by {}'s key but Wf-Actor says {said}", actor.id),
        ));
    }
    let kind = trailer::get(&trailers, key::ACTOR_KIND).unwrap_or("(none)");
    if kind != actor.kind.as_str() {
        return Err(Problem::new(
            Check::WrongSigner,
            format!(
                "{} is {}, but Wf-Actor-Kind says {kind}",
                actor.id,
                actor.kind.as_str()
            ),
        ));
    }
    for (what, (name, email)) in [("author", h.author), ("committer", h.committer)] {
        if name != actor.name || email != actor.email {
            return Err(Problem::new(
                Check::WrongSigner,
                format!(
                    "signed by {}'s key but the {what} is {name} <{email}>",
                    actor.id
                ),
            ));
        }
    }
    Ok(actor)
}

/// wf writes one action time: the author date equals the committer date, both in `+0000`.
/// Each is `(seconds, zone)`.
pub fn check_dates(author: (i64, &str), committer: (i64, &str)) -> Result<(), Problem> {
    if author == committer && committer.1 == "+0000" {
        return Ok(());
    }
    Err(Problem::new(
        Check::Mismatch,
        "author and committer dates differ, or are not in +0000 (wf writes one action time)",
    ))
}

/// A store begins with no task that no action made: the commit that creates it has no
/// `tasks/` folder. `wf-init` asks this before it creates a store, the verifier of the commit
/// that did.
pub fn check_founding_tree(has_tasks: bool) -> Result<(), Refusal> {
    if has_tasks {
        return Err(Refusal {
            rule: Rule::TaskScope,
            reason: "the commit that creates the store has a tasks/ folder that no action made"
                .into(),
            hint: "move the existing tasks/ folder aside first (git mv tasks tasks-old && git commit), then wf-init".into(),
        });
    }
    Ok(())
}

/// A file under `tasks/<id>/`: its git blob id, and (when the verifier needs them) the sha256 and
/// size of its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// The git object id, hex.
    pub oid: String,
    /// sha256 hex and size, read when the file is new or changed.
    pub content: Option<(String, u64)>,
}

/// One task's files at one commit.
#[derive(Clone, Debug, Default)]
pub struct TaskFiles {
    /// `tasks/<id>.toml`, when present.
    pub task: Option<String>,
    /// Files under `tasks/<id>/`, by path relative to it (`in/brief`, `out/x.md`).
    pub dir: BTreeMap<String, Blob>,
    /// New or changed files larger than [`crate::task::MAX_FILE_SIZE`], by path from the
    /// repository root, with their size: their contents are not read.
    pub oversized: Vec<(String, u64)>,
}

/// Rebuild the action a task commit claims, from the task file after it and its trailers.
fn rebuild(name: &str, before: Option<&Task>, after: &Task) -> Result<Action, Problem> {
    let missing = |what: &str| {
        Problem::new(
            Check::Mismatch,
            format!("says {name}, but the task file records no new {what}"),
        )
    };
    let grew = |b: usize, a: usize| a == b + 1;
    let count = |f: fn(&Task) -> usize| (before.map_or(0, f), f(after));
    Ok(match name {
        "new" => Action::Create {
            id: after.id.clone(),
            title: after.title.clone(),
            owner: Some(after.owner.clone()),
            approver: Some(after.approver.clone()),
            inputs: after.inputs.clone(),
        },
        "assign" => {
            let (b, a) = count(|t| t.assignments.len());
            let x = after.assignments.last().filter(|_| grew(b, a));
            let x = x.ok_or_else(|| missing("assignment"))?;
            Action::Assign {
                to: x.to.clone(),
                note: x.note.clone(),
            }
        }
        "submit" => {
            let (b, a) = count(|t| t.revisions.len());
            let r = after.latest().filter(|_| grew(b, a));
            Action::Submit(Output::of_revision(r.ok_or_else(|| missing("revision"))?))
        }
        "review" => {
            let (b, a) = count(|t| t.reviews.len());
            let r = after.reviews.last().filter(|_| grew(b, a));
            let r = r.ok_or_else(|| missing("review"))?;
            let (rb, ra) = count(|t| t.revisions.len());
            Action::Review {
                verdict: r.verdict,
                revision: r.revision,
                digest: r.digest.clone(),
                note: r.note.clone(),
                revise: grew(rb, ra)
                    .then(|| after.latest().map(Output::of_revision))
                    .flatten(),
            }
        }
        "approve" | "reject" => {
            let (b, a) = count(|t| t.decisions.len());
            let d = after.decisions.last().filter(|_| grew(b, a));
            let d = d.ok_or_else(|| missing("decision"))?;
            let outcome = if name == "approve" {
                Outcome::Approve
            } else {
                Outcome::Reject
            };
            if d.outcome != outcome {
                return Err(Problem::new(
                    Check::Mismatch,
                    format!("says {name}, but the task file records the other outcome"),
                ));
            }
            Action::Decide {
                outcome,
                revision: d.revision,
                digest: d.digest.clone(),
                note: d.note.clone(),
            }
        }
        "reopen" => {
            let (b, a) = count(|t| t.reopens.len());
            let r = after.reopens.last().filter(|_| grew(b, a));
            Action::Reopen {
                note: r.ok_or_else(|| missing("reopen"))?.note.clone(),
            }
        }
        other => {
            return Err(Problem::new(
                Check::NotAnAction,
                format!("Wf-Action {other:?} is not a task action"),
            ))
        }
    })
}

/// What a verified task action did, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskAction {
    /// `new`, `assign`...
    pub action: String,
    /// The task after it.
    pub task: Task,
}

/// Judge a commit that changes one task's files. `workflows` are the parent's, `actors` the
/// parent's, `actor` the signer identified by [`identify`].
pub fn replay_task(
    workflows: &BTreeMap<String, Workflow>,
    actors: &Actors,
    actor: &Actor,
    id: &str,
    before: &TaskFiles,
    after: &TaskFiles,
    h: &Header,
) -> Result<TaskAction, Problem> {
    let trailers = trailer::parse(h.message);
    let name = trailer::get(&trailers, key::ACTION).unwrap_or("");
    let said_task = trailer::get(&trailers, key::TASK).unwrap_or("(none)");
    if said_task != id {
        return Err(Problem::new(
            Check::Mismatch,
            format!("changes {id} but Wf-Task says {said_task}"),
        ));
    }
    if let Some((p, size)) = after.oversized.first() {
        return Err(Problem::new(
            Check::Malformed,
            format!(
                "{p} is {size} bytes, over the {} limit of a task file (not read)",
                crate::task::max_file_size_text()
            ),
        ));
    }
    let parse = |text: &str, when: &str| {
        Task::parse(text)
            .map_err(|e| Problem::new(Check::Malformed, format!("{} {when}: {e}", Task::path(id))))
    };
    let prev = match &before.task {
        Some(t) => Some(parse(t, "before")?),
        None => None,
    };
    let Some(after_text) = &after.task else {
        return Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            format!("deletes {}", Task::path(id)),
        ));
    };
    let next = parse(after_text, "after")?;
    if next.id != id {
        return Err(Problem::new(
            Check::Malformed,
            format!("{} says its id is {}", Task::path(id), next.id),
        ));
    }
    let action = rebuild(name, prev.as_ref(), &next)?;
    let wf_name = prev.as_ref().map_or(&next.workflow, |t| &t.workflow);
    let workflow = workflows.get(wf_name).ok_or_else(|| {
        Problem::new(
            Check::Rule(Rule::Input),
            format!("workflow {wf_name} does not exist before this commit"),
        )
    })?;
    let expected = decide(workflow, actors, prev.as_ref(), actor, &action, h.time)?;
    if expected.to_toml() != *after_text {
        return Err(Problem::new(
            Check::Mismatch,
            format!(
                "the change to {} is not the {name} its trailers describe",
                Task::path(id)
            ),
        ));
    }
    let message = trailer::action_message(prev.as_ref(), &expected, &action, actor);
    if message != h.message {
        return Err(Problem::new(
            Check::Mismatch,
            first_difference(&message, h.message),
        ));
    }
    check_task_dir(prev.as_ref(), &expected, before, after)?;
    Ok(TaskAction {
        action: name.to_string(),
        task: expected,
    })
}

/// Say where a message differs from the one the action implies.
fn first_difference(want: &str, got: &str) -> String {
    let (tw, tg) = (trailer::parse(want), trailer::parse(got));
    if tw != tg {
        for (k, v) in &tw {
            match trailer::get(&tg, k) {
                Some(g) if g == v => {}
                Some(g) => return format!("trailer {k} says {g}, the action implies {v}"),
                None => return format!("trailer {k} is missing (the action implies {v})"),
            }
        }
        if let Some((k, _)) = tg.iter().find(|(k, _)| trailer::get(&tw, k).is_none()) {
            return format!("trailer {k} does not belong to this action");
        }
        return "the trailers are not in the order wf writes them".into();
    }
    "the message is not the one wf writes for this action".into()
}

/// The files under `tasks/<id>/`: `in/` holds the file inputs, written only by `new`; `out/`
/// holds exactly the latest revision, written only when a revision is added; nothing else.
fn check_task_dir(
    prev: Option<&Task>,
    next: &Task,
    before: &TaskFiles,
    after: &TaskFiles,
) -> Result<(), Problem> {
    let dir = Task::dir(&next.id);
    let scope = |m: String| Err(Problem::new(Check::Rule(Rule::TaskScope), m));
    if let Some(p) = after
        .dir
        .keys()
        .find(|p| !(p.starts_with("in/") || p.starts_with("out/")) || p.matches('/').count() != 1)
    {
        return scope(format!("{dir}{p} is not an input or an output file"));
    }
    let part = |files: &TaskFiles, prefix: &str| -> BTreeMap<String, Blob> {
        files
            .dir
            .iter()
            .filter_map(|(p, b)| p.strip_prefix(prefix).map(|n| (n.to_string(), b.clone())))
            .collect()
    };
    let same = |a: &BTreeMap<String, Blob>, b: &BTreeMap<String, Blob>| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((n, x), (m, y))| n == m && x.oid == y.oid)
    };
    // The store reads the bytes of new and changed files only. A file a new revision keeps
    // byte for byte (same path, same blob as before) has the sha256 and size the previous
    // revision recorded for it: the parent's `out/` was verified to hold exactly those.
    let content = |part: &str, name: &str, b: &Blob| -> Result<(String, u64), Problem> {
        if let Some(c) = &b.content {
            return Ok(c.clone());
        }
        let kept = before
            .dir
            .get(&format!("{part}/{name}"))
            .is_some_and(|old| old.oid == b.oid);
        let recorded = prev
            .and_then(Task::latest)
            .filter(|_| part == "out" && kept)
            .and_then(|r| r.artifacts.iter().find(|a| a.name == name))
            .map(|a| (a.sha256.clone(), a.size));
        recorded.ok_or_else(|| {
            Problem::new(
                Check::Malformed,
                format!("{dir}{part}/{name}: content was not read"),
            )
        })
    };
    let (in_b, in_a) = (part(before, "in/"), part(after, "in/"));
    if prev.is_none() {
        let want: BTreeMap<&str, &str> = next
            .inputs
            .iter()
            .filter(|i| i.file.is_some())
            .map(|i| (i.name.as_str(), i.sha256.as_str()))
            .collect();
        if want.len() != in_a.len() || want.keys().zip(in_a.keys()).any(|(w, a)| w != a) {
            return Err(Problem::new(
                Check::Mismatch,
                format!("{dir}in/ does not hold exactly the task's file inputs"),
            ));
        }
        for (name, blob) in &in_a {
            if content("in", name, blob)?.0 != want[name.as_str()] {
                return Err(Problem::new(
                    Check::Mismatch,
                    format!("{dir}in/{name} does not match the sha256 the task records"),
                ));
            }
        }
    } else if !same(&in_b, &in_a) {
        return scope(format!("{dir}in/ changes after the task was created"));
    }
    let (out_b, out_a) = (part(before, "out/"), part(after, "out/"));
    let produced = next.revisions.len() > prev.map_or(0, |t| t.revisions.len());
    if !produced {
        if !same(&out_b, &out_a) {
            return scope(format!(
                "{dir}out/ changes without a new revision (the output is bound to its digest)"
            ));
        }
        return Ok(());
    }
    let Some(latest) = next.latest() else {
        return scope(format!("{dir}out/ is written without a revision"));
    };
    let names: Vec<&str> = latest.artifacts.iter().map(|a| a.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    if sorted.len() != out_a.len() || sorted.iter().zip(out_a.keys()).any(|(w, a)| w != a) {
        return Err(Problem::new(
            Check::Mismatch,
            format!(
                "{dir}out/ does not hold exactly the files of revision {}",
                latest.number
            ),
        ));
    }
    for a in &latest.artifacts {
        let got = content("out", &a.name, &out_a[&a.name])?;
        if got != (a.sha256.clone(), a.size) {
            return Err(Problem::new(
                Check::Mismatch,
                format!(
                    "{dir}out/{} is not the file revision {} records (sha256 {})",
                    a.name,
                    latest.number,
                    &got.0[..12.min(got.0.len())]
                ),
            ));
        }
    }
    Ok(())
}

/// Rebuild the policy action a commit claims from its trailers.
fn policy_action(trailers: &[(String, String)]) -> Result<PolicyAction, Problem> {
    let name = trailer::get(trailers, key::ACTION).unwrap_or("");
    let proposal = || {
        trailer::get(trailers, key::PROPOSAL)
            .map(str::to_string)
            .ok_or_else(|| Problem::new(Check::Mismatch, format!("{name} without Wf-Proposal")))
    };
    Ok(match name {
        "init" => PolicyAction::Init,
        "actor" => PolicyAction::Actor {
            subject: trailer::get(trailers, key::SUBJECT)
                .ok_or_else(|| Problem::new(Check::Mismatch, "actor without Wf-Subject"))?
                .to_string(),
        },
        "policy" => PolicyAction::Set,
        "propose" => PolicyAction::Propose { id: proposal()? },
        "endorse" => PolicyAction::Endorse { id: proposal()? },
        "apply" => PolicyAction::Apply { id: proposal()? },
        "withdraw" => PolicyAction::Withdraw { id: proposal()? },
        "" => {
            return Err(Problem::new(
                Check::NotAnAction,
                "changes .wf/ but carries no Wf-Action trailer",
            ))
        }
        other => {
            return Err(Problem::new(
                Check::Mismatch,
                format!("changes .wf/ but Wf-Action says {other}"),
            ))
        }
    })
}

/// The message wf writes for a policy action (the note is the caller's).
pub fn policy_message(
    action: &PolicyAction,
    actor: &Actor,
    before: Option<&Actors>,
    note: &str,
    digest: Option<&str>,
) -> String {
    let mut t: Vec<(&str, String)> = vec![
        (key::ACTION, action.name().to_string()),
        (key::ACTOR, actor.id.clone()),
        (key::ACTOR_KIND, actor.kind.as_str().to_string()),
    ];
    let subject = match action {
        PolicyAction::Init => format!("wf: init store, admin {}", actor.id),
        PolicyAction::Actor { subject } => {
            t.push((key::SUBJECT, subject.clone()));
            let verb = if before.is_some_and(|a| a.get(subject).is_some()) {
                "update"
            } else {
                "add"
            };
            format!("wf: actor {verb} {subject}")
        }
        PolicyAction::Set => "wf: policy change".into(),
        PolicyAction::Propose { id }
        | PolicyAction::Endorse { id }
        | PolicyAction::Apply { id }
        | PolicyAction::Withdraw { id } => {
            t.push((key::PROPOSAL, id.clone()));
            if let Some(d) = digest {
                t.push((key::DIGEST, d.to_string()));
            }
            format!("wf: {} {id}", action.name())
        }
    };
    trailer::message(&subject, note, &t)
}

/// The note paragraph of a wf message (`Note: ...`), or empty.
pub fn note_of(message: &str) -> &str {
    message
        .split("\n\n")
        .nth(1)
        .and_then(|p| p.strip_prefix("Note: "))
        .filter(|p| !p.contains('\n'))
        .unwrap_or("")
}

/// Judge a commit that changes `.wf/`. `before` is `None` when the parent has no store (the
/// commit must then be `init`, whose signer is identified in its own actors: the root of trust).
pub fn replay_policy(
    before: Option<&Files>,
    after: &Files,
    actor: &Actor,
    h: &Header,
) -> Result<PolicyAction, Problem> {
    let trailers = trailer::parse(h.message);
    if trailer::get(&trailers, key::TASK).is_some() {
        return Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            "a task action changes .wf/",
        ));
    }
    let action = policy_action(&trailers)?;
    let old = before.map(policy::load).transpose().ok().flatten();
    policy::decide_policy(before, after, actor, &action, h.time)?;
    let digest = match &action {
        PolicyAction::Propose { id } => policy::load(after)
            .ok()
            .and_then(|l| l.proposals.get(id).map(|p| p.digest.clone())),
        PolicyAction::Endorse { id }
        | PolicyAction::Apply { id }
        | PolicyAction::Withdraw { id } => old
            .as_ref()
            .and_then(|l| l.proposals.get(id).map(|p| p.digest.clone())),
        _ => None,
    };
    let want = policy_message(
        &action,
        actor,
        old.as_ref().map(|l| &l.actors),
        note_of(h.message),
        digest.as_deref(),
    );
    if want != h.message {
        return Err(Problem::new(
            Check::Mismatch,
            first_difference(&want, h.message),
        ));
    }
    Ok(action)
}

/// One unit a merge may take from a parent: `.wf/` as a whole, or one task (its file and folder).
pub type Unit = (Option<String>, Option<String>);

/// The units of one tree, by name (`.wf`, or a task id).
pub type Units = BTreeMap<String, Unit>;

/// Judge a merge: for every unit (`.wf/`, each task), the merge must hold the version of the
/// merge base, unless exactly one distinct parent version differs from the base, in which case
/// it holds that one. Units are compared by their git object ids. A tree without a store
/// (`None`) has no units: its `.wf/` and `tasks/` were never judged, so nothing can be taken
/// from it; and two stores whose merge base has none have different roots of trust.
pub fn check_merge(
    base: Option<&Units>,
    parents: &[Option<Units>],
    merged: Option<&Units>,
) -> Result<(), Problem> {
    if base.is_none() && parents.iter().filter(|p| p.is_some()).count() > 1 {
        return Err(Problem::new(
            Check::Merge,
            "the merge joins two stores with different beginnings",
        ));
    }
    let empty = Units::new();
    let base = base.unwrap_or(&empty);
    let merged = merged.unwrap_or(&empty);
    let parents: Vec<&Units> = parents
        .iter()
        .map(|p| p.as_ref().unwrap_or(&empty))
        .collect();
    let none: Unit = (None, None);
    let mut names: Vec<&String> = base
        .keys()
        .chain(merged.keys())
        .chain(parents.iter().flat_map(|p| p.keys()))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let b = base.get(name).unwrap_or(&none);
        let m = merged.get(name).unwrap_or(&none);
        let mut changed: Vec<&Unit> = parents
            .iter()
            .map(|p| p.get(name).unwrap_or(&none))
            .filter(|v| *v != b)
            .collect();
        changed.dedup();
        let what = if name == ".wf" {
            ".wf/".to_string()
        } else {
            format!("task {name}")
        };
        match changed.as_slice() {
            [] if m == b => {}
            [] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge changes {what}, which no parent changed"),
                ))
            }
            [one] if m == *one => {}
            [_] => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("the merge does not take {what} from the parent that changed it"),
                ))
            }
            _ => {
                return Err(Problem::new(
                    Check::Merge,
                    format!("{what} changed on both sides; rebase one branch onto the other instead of merging"),
                ))
            }
        }
    }
    Ok(())
}

/// The approval a verified `approve` action records, for pull-request reports.
pub fn approval_of(t: &TaskAction) -> Option<(&Task, u32, &str, &str)> {
    if t.action != "approve" {
        return None;
    }
    t.task
        .approval()
        .map(|d| (&t.task, d.revision, d.digest.as_str(), d.actor.as_str()))
}

#[cfg(test)]
pub(crate) mod tests;
