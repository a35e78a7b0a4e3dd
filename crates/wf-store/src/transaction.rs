//! One action, one signed commit: take the writer lock, read the tip, let the caller plan (the
//! core decides), check the work tree, sign, compare-and-swap the branch, sync the work tree. A
//! writer that loses the race plans again against the new tip, so no update is lost and no rule
//! is checked against stale state. A writer killed half way leaves a sync journal that the next
//! writer finishes (see [`crate::sync`]).
//!
//! The store owns this protocol; a tool only hands it a plan and prints what it returns.

use std::time::Duration;

use git2::Oid;

use crate::repo::{Change, Person, Store, StoreError, WriterLock};
use crate::sign::Signer;
use crate::sync::{short, Journal, Recovery};

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

/// Something a transaction did on the way that the user should hear about.
#[derive(Debug)]
pub enum Notice {
    /// A sync journal left by an interrupted writer was finished or dropped.
    Recovered(Recovery),
    /// These work-tree paths hold the user's edits, not the committed version, and were left
    /// alone (`wf-repair --restore` overwrites them).
    Kept(Vec<String>),
}

/// How often a writer plans again after losing the race before giving up.
pub const MAX_ATTEMPTS: u32 = 200;

impl Store {
    /// Commit one action: `plan` is called with the branch tip (`None` on an unborn branch)
    /// and returns what to commit, or refuses (its error is returned as is, nothing is
    /// committed). The plan is signed by `signer` at `time` (seconds since the epoch) and the
    /// branch moved by compare-and-swap; on a lost race `plan` is called again with the new
    /// tip. `notice` hears about recovered journals and kept user edits. Returns the new
    /// commit and the plan's result.
    pub fn transact<E, T, P>(
        &self,
        signer: &dyn Signer,
        time: i64,
        notice: &mut dyn FnMut(Notice),
        mut plan: P,
    ) -> Result<(Oid, T), E>
    where
        E: From<StoreError>,
        P: FnMut(Option<Oid>) -> Result<Plan<T>, E>,
    {
        let branch = self.branch()?;
        for attempt in 0..MAX_ATTEMPTS {
            let lock = self.take_lock(notice)?;
            let tip = self.tip(&branch)?;
            let planned = plan(tip)?;
            self.check_clean(&planned.guard, &lock)?;
            // A key signed in process keeps the lock: the attempt cannot lose a race to another
            // wf writer. An agent or a passphrase prompt never holds it: the lock is released
            // while signing, and the branch may have moved when it is taken again.
            let lock = signer.in_process().then_some(lock);
            let change = Change {
                message: planned.message,
                author: planned.author,
                time,
                writes: planned.writes,
                removes: planned.removes,
            };
            let oid = self.commit(tip, &change, signer)?;
            let subject = change
                .message
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            let lock = match lock {
                Some(l) => l,
                None => self.take_lock(notice)?,
            };
            // A stale git lock is reported before the branch moves, so nothing is committed.
            self.check_git_locks(&branch)?;
            let journal = Journal {
                branch: branch.clone(),
                old: tip,
                new: oid,
                paths: change.paths(),
            };
            self.begin_sync(&journal, &lock)?;
            match self.advance(&branch, tip, oid, &subject) {
                Ok(true) => {
                    let report =
                        self.finish_sync(&journal, &lock)
                            .map_err(|e| StoreError::Unsynced {
                                commit: oid,
                                source: Box::new(e),
                            })?;
                    if !report.kept.is_empty() {
                        notice(Notice::Kept(report.kept));
                    }
                    return Ok((oid, planned.result));
                }
                Ok(false) => self.end_sync(&lock)?,
                Err(e @ StoreError::Locked(_)) => {
                    self.end_sync(&lock)?;
                    return Err(e.into());
                }
                // The journal stays: the next writer sees whether the commit landed.
                Err(e) => return Err(e.into()),
            }
            drop(lock);
            std::thread::sleep(Duration::from_millis(1 + u64::from(attempt % 16) * 3));
        }
        Err(StoreError::Contended(MAX_ATTEMPTS).into())
    }

    /// Take the writer lock, then finish (or drop) a sync that a killed writer left behind.
    pub fn take_lock(&self, notice: &mut dyn FnMut(Notice)) -> Result<WriterLock, StoreError> {
        let lock = self.lock()?;
        if let Some(r) = self.recover(&lock)? {
            notice(Notice::Recovered(r));
        }
        Ok(lock)
    }
}

/// The words for a notice, one line each, for a tool to print.
pub fn describe(n: &Notice) -> Vec<String> {
    let kept = |paths: &[String]| {
        format!(
            "left {} alone: it holds edits of yours, not the committed version (wf-repair --restore overwrites it)",
            paths.join(", ")
        )
    };
    match n {
        Notice::Recovered(Recovery::Finished(j, r)) => {
            let mut out = vec![format!(
                "finished copying commit {} to the work tree (a wf tool was interrupted)",
                short(j.new)
            )];
            if !r.kept.is_empty() {
                out.push(kept(&r.kept));
            }
            out
        }
        Notice::Recovered(Recovery::Dropped(_, why)) => {
            vec![format!("dropped an interrupted work-tree sync: {why}")]
        }
        Notice::Recovered(Recovery::Unreadable(p)) => vec![format!(
            "dropped an unreadable sync journal {p}; wf-repair checks the work tree"
        )],
        Notice::Kept(paths) => vec![kept(paths)],
    }
}

/// Everything an action on a task is decided from, read at one commit.
pub struct TaskView {
    /// The store at that commit.
    pub snap: crate::snapshot::Snapshot,
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
    ) -> Result<TaskView, StoreError> {
        let snap = crate::snapshot::Snapshot::load(store, tip)?;
        let id = snap.resolve(store, typed_id)?;
        let task = snap.task(store, &id)?;
        let workflow = snap.workflow(&task.workflow)?.clone();
        let me = snap.whoami(signer.public_key())?;
        Ok(TaskView {
            snap,
            task,
            workflow,
            me,
        })
    }
}

/// Files an action writes besides the task file, planned against the task as it is.
#[derive(Default)]
pub struct Files {
    /// `(path, blob)` to write.
    pub writes: Vec<(String, Oid)>,
    /// Paths to remove.
    pub removes: Vec<String>,
}

impl Store {
    /// Run one action on an existing task: load it at the tip ([`TaskView`]), let `build` make
    /// the action and its files, let the core decide ([`wf_core::decide`]), and commit the new
    /// task file with the action's files and the message the core writes. Returns the commit and
    /// the task as it now is. A refusal of the core commits nothing.
    pub fn act_on_task<E, B>(
        &self,
        signer: &dyn Signer,
        time: wf_core::Timestamp,
        typed_id: &str,
        notice: &mut dyn FnMut(Notice),
        mut build: B,
    ) -> Result<(Oid, wf_core::Task), E>
    where
        E: From<StoreError> + From<wf_core::Refusal>,
        B: FnMut(&wf_core::Task) -> Result<(wf_core::Action, Files), E>,
    {
        self.act_on_view(signer, time, typed_id, notice, |v| build(&v.task))
    }

    /// [`Store::act_on_task`] whose `build` sees the whole state at the tip planned against
    /// ([`TaskView`]: the snapshot, the task, its workflow, the actor), for an action that
    /// depends on more than the task: `wf-run` checks there that the prompt its agent answered
    /// is still the one wf renders at the tip.
    pub fn act_on_view<E, B>(
        &self,
        signer: &dyn Signer,
        time: wf_core::Timestamp,
        typed_id: &str,
        notice: &mut dyn FnMut(Notice),
        mut build: B,
    ) -> Result<(Oid, wf_core::Task), E>
    where
        E: From<StoreError> + From<wf_core::Refusal>,
        B: FnMut(&TaskView) -> Result<(wf_core::Action, Files), E>,
    {
        self.transact::<E, _, _>(signer, time.0, notice, |tip| {
            let v = TaskView::load(self, tip, typed_id, signer)?;
            let (action, files) = build(&v)?;
            let next = wf_core::decide(
                &v.workflow,
                v.snap.actors(),
                Some(&v.task),
                &v.me,
                &action,
                time,
            )?;
            let message = wf_core::trailer::action_message(Some(&v.task), &next, &action, &v.me);
            let mut writes = files.writes;
            writes.push((
                wf_core::Task::path(&next.id),
                self.blob(wf_core::task_text(&next)?.as_bytes())?,
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

    /// Ask the core, before any output is read, whether an action could be allowed at all: the
    /// same `decide` with a placeholder output. A refusal that does not depend on the output's
    /// bytes (wrong actor, wrong step, closed task, unknown key...) is returned at once, so a
    /// refused submit neither reads its input nor stores a blob. The real decision is made
    /// again, with the real output, inside [`Store::act_on_task`].
    pub fn precheck<E, A>(
        &self,
        signer: &dyn Signer,
        time: wf_core::Timestamp,
        typed_id: &str,
        action: A,
    ) -> Result<(), E>
    where
        E: From<StoreError> + From<wf_core::Refusal>,
        A: Fn(&wf_core::Task, wf_core::rules::Output) -> wf_core::Action,
    {
        let v = TaskView::load(self, self.tip(&self.branch()?)?, typed_id, signer)?;
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
        match wf_core::decide(
            &v.workflow,
            v.snap.actors(),
            Some(&v.task),
            &v.me,
            &action(&v.task, placeholder),
            time,
        ) {
            Err(r) if r.rule != wf_core::Rule::Input => Err(r.into()),
            _ => Ok(()),
        }
    }
}
