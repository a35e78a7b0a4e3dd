//! One action, one signed commit: read the tip, decide, sign, compare-and-swap the branch, sync
//! the work tree. A writer that loses the race re-reads, re-decides under the new state and
//! tries again, so no update is lost and no rule is checked against stale state. A writer
//! killed half way leaves a sync journal that the next writer finishes (see
//! [`wf_store::sync`]).

use std::time::Duration;

use git2::Oid;
use wf_store::repo::WriterLock;
use wf_store::sync::short;
use wf_store::{Change, Journal, Person, Recovery, Signer, Store, StoreError};

use crate::error::CliError;
use crate::output::note;

/// What a tool wants committed, planned against one tip.
pub struct Plan<T> {
    /// Commit message.
    pub message: String,
    /// Author and committer (the acting actor).
    pub author: Person,
    /// Files to write (blobs already stored).
    pub writes: Vec<(String, Oid)>,
    /// Files to remove.
    pub removes: Vec<String>,
    /// Paths (files, or folders ending in `/`) that must have no uncommitted edits.
    pub guard: Vec<String>,
    /// What the tool reports once the commit lands.
    pub result: T,
}

/// How often a writer re-tries after losing the race before giving up.
pub const MAX_ATTEMPTS: u32 = 200;

/// Plan against the tip, commit, and move the branch by compare-and-swap; retry on a lost race.
/// `plan` is called again on each attempt with the new tip.
pub fn commit_action<T>(
    store: &Store,
    signer: &dyn Signer,
    time: i64,
    mut plan: impl FnMut(Option<Oid>) -> Result<Plan<T>, CliError>,
) -> Result<(Oid, T), CliError> {
    let branch = store.branch()?;
    for attempt in 0..MAX_ATTEMPTS {
        let lock = take_lock(store)?;
        let tip = store.tip(&branch)?;
        let planned = plan(tip)?;
        store.check_clean(&planned.guard, &lock)?;
        // A key signed in process keeps the lock: the attempt cannot lose a race to another wf
        // writer. An agent or a passphrase prompt never holds it: the lock is released while
        // signing, and the branch may have moved when it is taken again.
        let lock = signer.in_process().then_some(lock);
        let change = Change {
            message: planned.message,
            author: planned.author,
            time,
            writes: planned.writes,
            removes: planned.removes,
        };
        let oid = store.commit(tip, &change, signer)?;
        let subject = change
            .message
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        let lock = match lock {
            Some(l) => l,
            None => take_lock(store)?,
        };
        // A stale git lock is reported before the branch moves, so nothing is committed.
        store.check_git_locks(&branch)?;
        let journal = Journal {
            branch: branch.clone(),
            old: tip,
            new: oid,
            paths: change.paths(),
        };
        store.begin_sync(&journal, &lock)?;
        match store.advance(&branch, tip, oid, &subject) {
            Ok(true) => {
                let report = store
                    .finish_sync(&journal, &lock)
                    .map_err(|e| unsynced(e, oid))?;
                report_kept(&report.kept);
                return Ok((oid, planned.result));
            }
            Ok(false) => store.end_sync(&lock)?,
            Err(e @ StoreError::Locked(_)) => {
                store.end_sync(&lock)?;
                return Err(e.into());
            }
            // The journal stays: the next writer sees whether the commit landed.
            Err(e) => return Err(e.into()),
        }
        drop(lock);
        std::thread::sleep(Duration::from_millis(1 + u64::from(attempt % 16) * 3));
    }
    Err(CliError::Conflict(
        format!("the branch kept moving: gave up after {MAX_ATTEMPTS} attempts"),
        Some("try again; nothing was committed".into()),
    ))
}

/// Take the writer lock, then finish (or drop) a sync that a killed writer left behind.
pub fn take_lock(store: &Store) -> Result<WriterLock, CliError> {
    let lock = store.lock()?;
    match store.recover(&lock)? {
        None => {}
        Some(Recovery::Finished(j, r)) => {
            note(&format!(
                "finished copying commit {} to the work tree (a wf tool was interrupted)",
                short(j.new)
            ));
            report_kept(&r.kept);
        }
        Some(Recovery::Dropped(_, why)) => {
            note(&format!("dropped an interrupted work-tree sync: {why}"));
        }
        Some(Recovery::Unreadable(p)) => {
            note(&format!(
                "dropped an unreadable sync journal {p}; wf-repair checks the work tree"
            ));
        }
    }
    Ok(lock)
}

fn report_kept(kept: &[String]) {
    if !kept.is_empty() {
        note(&format!(
            "left {} alone: it holds edits of yours, not the committed version (wf-repair --restore overwrites it)",
            kept.join(", ")
        ));
    }
}

/// The branch moved, but copying the commit to the work tree failed.
fn unsynced(e: StoreError, oid: Oid) -> CliError {
    match e {
        StoreError::Locked(p) => CliError::Locked {
            path: p.display().to_string(),
            committed: Some(short(oid)),
        },
        e => CliError::Failure(format!(
            "committed {}, but copying it to the work tree failed ({e}); wf-repair finishes it",
            short(oid)
        )),
    }
}

/// Files an action writes besides the task file, planned against the task as it is.
pub struct Files {
    /// `(path, blob)` to write.
    pub writes: Vec<(String, Oid)>,
    /// Paths to remove.
    pub removes: Vec<String>,
}

/// Run one action on an existing task: load it (see [`TaskView`]), build the action, let the
/// core decide, commit the new task file with the action's files. Returns the commit and the
/// task as it now is.
pub fn act_on_task(
    store: &Store,
    signer: &dyn Signer,
    typed_id: &str,
    mut build: impl FnMut(&wf_core::Task) -> Result<(wf_core::Action, Files), CliError>,
) -> Result<(Oid, wf_core::Task), CliError> {
    let time = crate::context::now()?;
    commit_action(store, signer, time.0, |tip| {
        let v = TaskView::load(store, tip, typed_id, signer)?;
        let (action, files) = build(&v.task)?;
        let next = wf_core::decide(
            &v.workflow,
            &v.snap.actors,
            Some(&v.task),
            &v.me,
            &action,
            time,
        )?;
        let message = wf_core::trailer::action_message(Some(&v.task), &next, &action, &v.me);
        let mut writes = files.writes;
        writes.push((
            wf_core::Task::path(&next.id),
            store.blob(next.to_toml().as_bytes())?,
        ));
        Ok(Plan {
            message,
            author: Person {
                name: v.me.name.clone(),
                email: v.me.email.clone(),
            },
            writes,
            removes: files.removes,
            guard: vec![wf_core::Task::path(&next.id), wf_core::Task::dir(&next.id)],
            result: next,
        })
    })
}

/// Everything an action on a task is decided from, read at one commit.
pub struct TaskView {
    /// The policy files at that commit.
    pub snap: crate::context::Snapshot,
    /// The task.
    pub task: wf_core::Task,
    /// Its workflow.
    pub workflow: wf_core::Workflow,
    /// The actor the signing key belongs to.
    pub me: wf_core::Actor,
}

impl TaskView {
    /// Resolve the typed id and load the task, its workflow and the acting actor at `tip`.
    pub fn load(
        store: &Store,
        tip: Option<Oid>,
        typed_id: &str,
        signer: &dyn Signer,
    ) -> Result<TaskView, CliError> {
        let snap = crate::context::Snapshot::load(store, tip)?;
        let id = snap.resolve(store, typed_id)?;
        let task = snap.task(store, &id)?;
        let workflow = snap.workflow(store, &task.workflow)?;
        let me = snap.whoami(signer)?;
        Ok(TaskView {
            snap,
            task,
            workflow,
            me,
        })
    }
}

/// Ask the core, before any output is read, whether the action could be allowed at all: the
/// same `decide` with a placeholder output. A refusal that does not depend on the output's
/// bytes (wrong actor, wrong step, closed task, unknown key...) is returned at once, so a
/// refused submit neither reads its input nor stores a blob. The real decision is made again,
/// with the real output, inside [`act_on_task`].
pub fn precheck(
    store: &Store,
    signer: &dyn Signer,
    typed_id: &str,
    action: impl Fn(&wf_core::Task, wf_core::rules::Output) -> wf_core::Action,
) -> Result<(), CliError> {
    let v = TaskView::load(store, store.tip(&store.branch()?)?, typed_id, signer)?;
    let placeholder = wf_core::rules::Output {
        artifacts: vec![wf_core::task::Artifact {
            name: "placeholder".into(),
            sha256: "0".repeat(64),
            size: 1,
        }],
        model: None,
        prompt_sha256: None,
        note: String::new(),
        run: None,
    };
    let time = crate::context::now()?;
    match wf_core::decide(
        &v.workflow,
        &v.snap.actors,
        Some(&v.task),
        &v.me,
        &action(&v.task, placeholder),
        time,
    ) {
        Err(r) if r.rule != wf_core::Rule::Input => Err(r.into()),
        _ => Ok(()),
    }
}
