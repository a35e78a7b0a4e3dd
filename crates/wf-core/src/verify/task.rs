//! Judging a task action: rebuild the action from the task file, ask the core's `decide`, and
//! require the task file, the message and the task's folder to be what the tools write.

use std::collections::BTreeMap;

use super::{first_difference, Check, Header, Problem};
use crate::actor::{Actor, Actors};
use crate::rules::{decide, Action, CheckRun, Output, Rule};
use crate::task::{Outcome, Task};
use crate::trailer::{self, key};
use crate::workflow::Workflow;

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
    /// The same file, already parsed by whoever read it (a reader that keeps parsed tasks
    /// saves parsing a parent's task again); `None` to have it parsed here.
    pub parsed: Option<std::rc::Rc<Task>>,
    /// `task` is the canonical text of `parsed` (read by [`Task::parse_canonical`]): a task
    /// replayed into the file is compared with `parsed` as a value, without writing its text.
    pub canonical: bool,
    /// Files under `tasks/<id>/`, by path relative to it (`in/brief`, `out/x.md`).
    pub dir: BTreeMap<String, Blob>,
    /// New or changed files larger than [`crate::task::MAX_FILE_SIZE`], by path from the
    /// repository root, with their size: their contents are not read.
    pub oversized: Vec<(String, u64)>,
    /// The bytes of every file under `tasks/<id>/`, by path relative to it, when the verifier
    /// needs them: the parent's, to render again the prompt of a revision `wf-run` recorded
    /// ([`check_prompt`]). `None` when they were not read.
    pub read: Option<BTreeMap<String, Vec<u8>>>,
}

/// Rebuild the action a task commit claims (`name`, its `Wf-Action`), from the task file
/// before and after it: the record the action appended. The verifier replays it; `wf sync`
/// and the merge of concurrent lines decide it again on another state.
pub fn rebuild(name: &str, before: Option<&Task>, after: &Task) -> Result<Action, Problem> {
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
        "check" => {
            let (b, a) = count(|t| t.checks.len());
            let c = after.checks.last().filter(|_| grew(b, a));
            let c = c.ok_or_else(|| missing("check"))?;
            Action::Check {
                revision: c.revision,
                digest: c.digest.clone(),
                run: CheckRun::of_check(c),
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
    let trailers = h.trailers();
    let name = trailer::get(trailers, key::ACTION).unwrap_or("");
    let said_task = trailer::get(trailers, key::TASK).unwrap_or("(none)");
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
    let read_before;
    let prev: Option<&Task> = match (&before.parsed, &before.task) {
        (Some(t), Some(_)) => Some(t),
        (_, Some(t)) => {
            read_before = parse(t, "before")?;
            Some(&read_before)
        }
        (_, None) => None,
    };
    let Some(after_text) = &after.task else {
        return Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            format!("deletes {}", Task::path(id)),
        ));
    };
    let read_after;
    let next: &Task = match &after.parsed {
        Some(t) => t,
        None => {
            read_after = parse(after_text, "after")?;
            &read_after
        }
    };
    if next.id != id {
        return Err(Problem::new(
            Check::Malformed,
            format!("{} says its id is {}", Task::path(id), next.id),
        ));
    }
    let action = rebuild(name, prev, next)?;
    let wf_name = prev.map_or(&next.workflow, |t| &t.workflow);
    let workflow = workflows.get(wf_name).ok_or_else(|| {
        Problem::new(
            Check::Rule(Rule::Input),
            format!("workflow {wf_name} does not exist before this commit"),
        )
    })?;
    let expected = decide(workflow, actors, prev, actor, &action, h.time)?;
    // With the file's canonical text known to be `next.to_toml()`, the bytes are the replayed
    // task's exactly when the values are equal (`Task::parse` inverts `to_toml`).
    let same = match after.canonical {
        true => expected == *next,
        false => expected.to_toml() == *after_text,
    };
    if !same {
        // Say so when the file moves the task where the action does not (a step skipped, a
        // quorum counted from accepts that do not count).
        let moved = if (&expected.step, expected.state) != (&next.step, next.state) {
            format!(
                ": the file puts it at step {} ({}), where the {name} leaves it at step {} ({})",
                next.step,
                state_word(next.state),
                expected.step,
                state_word(expected.state)
            )
        } else {
            String::new()
        };
        return Err(Problem::new(
            Check::Mismatch,
            format!(
                "the change to {} is not the {name} its trailers describe{moved}",
                Task::path(id)
            ),
        ));
    }
    let message = trailer::action_message(prev, &expected, &action, actor);
    if message != h.message() {
        return Err(Problem::new(
            Check::Mismatch,
            first_difference(&message, h.message()),
        ));
    }
    check_task_dir(prev, &expected, before, after)?;
    if let Some(prev) = prev {
        let files = before.read.as_ref();
        check_prompt(workflow, prev, &expected, files).map_err(|why| match files {
            None => Problem::new(Check::Malformed, why),
            Some(_) => Problem::new(Check::Mismatch, why),
        })?;
    }
    Ok(TaskAction {
        action: name.to_string(),
        task: expected,
    })
}

fn state_word(s: crate::task::TaskState) -> &'static str {
    match s {
        crate::task::TaskState::Open => "open",
        crate::task::TaskState::Closed => "closed",
    }
}

/// A revision `wf-run` recorded (one with a `run`) claims the digest of a prompt wf rendered
/// from the task as it was before it: render that prompt again from `prev`, its workflow and
/// the bytes of its folder (`files`, as [`TaskFiles::read`] holds them), with the function
/// `wf-run` uses ([`crate::prompt::render_task`]), and require the same digest, the same inputs
/// and the same previous revision. A prompt given by hand (`wf-submit --prompt-file`) stays a
/// claim: a revision without a `run` is not checked. `Err` says why, on one line; `wf sync`
/// asks the same before it publishes a run again on another state.
pub fn check_prompt(
    workflow: &Workflow,
    prev: &Task,
    next: &Task,
    files: Option<&BTreeMap<String, Vec<u8>>>,
) -> Result<(), String> {
    if next.revisions.len() <= prev.revisions.len() {
        return Ok(());
    }
    let Some(r) = next.latest() else {
        return Ok(());
    };
    let Some(run) = &r.run else {
        return Ok(());
    };
    let Some(files) = files else {
        return Err(format!(
            "revision {} records a run, but the files its prompt was rendered from were not read",
            r.number
        ));
    };
    let rendered = crate::prompt::render_task(workflow, prev, files).map_err(|e| {
        format!(
            "revision {} records a run of wf-run, but wf renders no prompt from the task before it: {e}",
            r.number
        )
    })?;
    let digest = crate::digest::sha256_hex(rendered.text.as_bytes());
    let short = |d: &str| d.chars().take(12).collect::<String>();
    let claimed = r.prompt_sha256.as_deref().unwrap_or("");
    if claimed != digest {
        return Err(format!(
            "revision {} says wf-run gave the agent the prompt {}, but the prompt wf renders for step {} from the task before it is {}: a prompt wf would not have rendered",
            r.number,
            if claimed.is_empty() { "(none)".to_string() } else { short(claimed) },
            prev.step,
            short(&digest)
        ));
    }
    if run.inputs != rendered.inputs {
        return Err(format!(
            "revision {}'s run records inputs other than the task's inputs its prompt was rendered from",
            r.number
        ));
    }
    if run.revision_digest != prev.latest().map(|p| p.digest.clone()) {
        return Err(format!(
            "revision {}'s run records a previous revision other than the one its prompt showed",
            r.number
        ));
    }
    Ok(())
}

/// The files under `tasks/<id>/`: `in/` holds the file inputs, written only by `new`; `out/`
/// holds exactly the latest revision, written only when a revision is added; `check/<step>.log`
/// holds the output of the step's latest check, written only by that check; nothing else.
fn check_task_dir(
    prev: Option<&Task>,
    next: &Task,
    before: &TaskFiles,
    after: &TaskFiles,
) -> Result<(), Problem> {
    let dir = Task::dir(&next.id);
    let scope = |m: String| Err(Problem::new(Check::Rule(Rule::TaskScope), m));
    if let Some(p) = after.dir.keys().find(|p| {
        !["in/", "out/", "check/"].iter().any(|d| p.starts_with(d)) || p.matches('/').count() != 1
    }) {
        return scope(format!(
            "{dir}{p} is not an input, an output or a check's output file"
        ));
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
        let recorded = match part {
            "out" => prev
                .and_then(Task::latest)
                .filter(|_| kept)
                .and_then(|r| r.artifacts.iter().find(|a| a.name == name))
                .map(|a| (a.sha256.clone(), a.size)),
            // The previous check of the same step kept these bytes, verified when it was made.
            _ => prev
                .and_then(|t| {
                    t.checks
                        .iter()
                        .rev()
                        .find(|c| format!("{}.log", c.step) == name)
                })
                .filter(|_| kept)
                .map(|c| (c.output_sha256.clone(), c.output_size)),
        };
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
    let (check_b, check_a) = (part(before, "check/"), part(after, "check/"));
    let checked = next.checks.len() > prev.map_or(0, |t| t.checks.len());
    match next.checks.last().filter(|_| checked) {
        None if !same(&check_b, &check_a) => {
            return scope(format!("{dir}check/ changes without a new check"));
        }
        None => {}
        Some(c) => {
            let log = format!("{}.log", c.step);
            let mut others_a = check_a.clone();
            let written = others_a.remove(&log);
            let mut others_b = check_b.clone();
            others_b.remove(&log);
            if !same(&others_b, &others_a) {
                return scope(format!(
                    "{dir}check/ changes beside the output of step {}'s check",
                    c.step
                ));
            }
            let Some(blob) = written else {
                return Err(Problem::new(
                    Check::Mismatch,
                    format!("{dir}{} is missing", crate::task::Check::log(&c.step)),
                ));
            };
            let got = content("check", &log, &blob)?;
            if got != (c.output_sha256.clone(), c.output_size) {
                return Err(Problem::new(
                    Check::Mismatch,
                    format!(
                        "{dir}{} is not the output the check records (sha256 {})",
                        crate::task::Check::log(&c.step),
                        &got.0[..12.min(got.0.len())]
                    ),
                ));
            }
        }
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

/// Require a task's folder to hold exactly what its file records, as it does after every
/// verified action: `in/` its file inputs, `out/` the files of its latest revision (none
/// before the first), `check/` the output of each step's latest check. `files` must carry the
/// content (sha256, size) of every file under the folder. A merge that joins two lines'
/// actions on one task is judged by it: the folder it took from one line must be the one the
/// replayed task's latest revision and checks record, not a revision the other line made
/// after (a rejected draft kept in `out/` while the approval binds another).
pub fn check_folder(task: &Task, files: &TaskFiles) -> Result<(), Problem> {
    let dir = Task::dir(&task.id);
    let wrong = |m: String| Err(Problem::new(Check::Merge, m));
    if let Some((p, size)) = files.oversized.first() {
        return wrong(format!(
            "{p} is {size} bytes, over the {} limit of a task file (not read)",
            crate::task::max_file_size_text()
        ));
    }
    let mut want: BTreeMap<String, (String, Option<u64>)> = BTreeMap::new();
    for i in task.inputs.iter().filter(|i| i.file.is_some()) {
        want.insert(format!("in/{}", i.name), (i.sha256.clone(), None));
    }
    for a in task.latest().map_or(&[][..], |r| &r.artifacts[..]) {
        want.insert(format!("out/{}", a.name), (a.sha256.clone(), Some(a.size)));
    }
    for c in &task.checks {
        // The latest check of each step wins: later ones overwrite its log.
        want.insert(
            format!("check/{}.log", c.step),
            (c.output_sha256.clone(), Some(c.output_size)),
        );
    }
    let have: Vec<&String> = files.dir.keys().collect();
    if have.len() != want.len() || have.iter().zip(want.keys()).any(|(h, w)| *h != w) {
        return wrong(format!(
            "{dir} does not hold exactly the files task {} records (its inputs, revision {}'s files and its checks' output)",
            task.id,
            task.latest().map_or(0, |r| r.number)
        ));
    }
    for (path, (sha, size)) in &want {
        let Some((got, got_size)) = files.dir.get(path).and_then(|b| b.content.as_ref()) else {
            return wrong(format!("{dir}{path}: content was not read"));
        };
        if got != sha || size.is_some_and(|s| s != *got_size) {
            return wrong(format!(
                "{dir}{path} is not the file task {} records (sha256 {})",
                task.id,
                &got[..12.min(got.len())]
            ));
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
