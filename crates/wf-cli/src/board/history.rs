//! What the board is made of, read from the repository once: the verifier's reports on the
//! range, the range's history as events, the tasks and the policy at its tip, and the figures
//! `wf-stats` computes from those events.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use git2::{Oid, Sort};
use wf_core::due::lateness;
use wf_core::rules::holder;
use wf_core::stats::{self, Stats, TaskNow};
use wf_core::task::TaskState;
use wf_core::{Actors, Task, Timestamp, Workflow};
use wf_store::verify::Range;
use wf_store::{Snapshot, Store};

use crate::error::CliError;
use crate::events::{event, Event, Signers};
use crate::progress::Progress;
use crate::verification::{resolve, run_range, Summary};

/// One action of the history, with the verifier's judgement of its commit.
pub struct Entry {
    /// The event, as `wf-log` reads it.
    pub event: Event,
    /// The verifier's problems with the commit, `check: reason` each; empty when clean.
    pub problems: Vec<String>,
}

/// A task as it stands at the tip, with its place in the history.
pub struct TaskInfo {
    /// The task file.
    pub task: Task,
    /// Who holds its current step.
    pub holder: Option<String>,
    /// The indices of its entries in [`History::entries`], oldest first.
    pub entries: Vec<usize>,
    /// Its due time, when the task has one (seconds), and as written.
    pub due: Option<(i64, String)>,
}

/// A problem the verifier found, for the index.
pub struct ProblemRow {
    /// The commit.
    pub commit: String,
    /// The task it concerns, as the verifier read it.
    pub task: Option<String>,
    /// `check: reason`.
    pub text: String,
}

/// Everything the pages show.
pub struct History {
    /// When the board was made (ages and overdue work are measured at it).
    pub now: i64,
    /// The tip: tasks and policy are shown as they stand here.
    pub tip: Oid,
    /// The range as given (`HEAD` when none was).
    pub range: String,
    /// The verifier's counts over the range.
    pub summary: Summary,
    /// Its problems, in history order.
    pub problems: Vec<ProblemRow>,
    /// Every action of the range, oldest first.
    pub entries: Vec<Entry>,
    /// The tasks at the tip, oldest first (as `wf-ls` lists them).
    pub tasks: Vec<TaskInfo>,
    /// Task id to its index in `tasks`.
    pub task_index: HashMap<String, usize>,
    /// The actors at the tip.
    pub actors: Actors,
    /// The workflows at the tip, by name.
    pub workflows: BTreeMap<String, Workflow>,
    /// `wf-stats`' figures over the range.
    pub stats: Stats,
}

impl History {
    /// Read the repository: verify the range, walk its history once, load the tip.
    pub fn read(
        store: &Store,
        range: Option<&str>,
        jobs: Option<usize>,
        now: i64,
    ) -> Result<History, CliError> {
        let repo = store.git();
        let git_dir: PathBuf = store.git_dir();
        let resolved = resolve(repo, range, None)?;
        let tip = resolved.include[0];
        let snap = Snapshot::load(store, Some(tip))?;

        let verified = run_range(repo, resolved.clone(), true, false, jobs, &mut |_| Ok(()))?;
        let summary = verified.summary;
        let mut problems = Vec::new();
        let mut bad: HashMap<Oid, Vec<String>> = HashMap::new();
        for r in &verified.problems {
            for p in &r.problems {
                let text = format!("{}: {}", p.check, p.reason);
                bad.entry(r.commit).or_default().push(text.clone());
                problems.push(ProblemRow {
                    commit: r.commit.to_string(),
                    task: r.task.clone(),
                    text,
                });
            }
        }

        let actors = snap.actors();
        let read: Vec<Result<Vec<Event>, CliError>> =
            if resolved.exclude.is_empty() && resolved.include.len() == 1 {
                // The whole history of one tip: the event index (`spec/store.md`), whose
                // signatures were checked once, when each commit was first indexed.
                let actions = wf_store::history::actions(repo, tip)?;
                let mut signers = Signers::new(actors).with_history(store);
                vec![Ok(actions.iter().rev().map(|f| signers.event(f)).collect())]
            } else {
                read_range(&resolved, &git_dir, actors, jobs)?
            };
        let mut entries = Vec::new();
        for part in read {
            for e in part? {
                let oid = Oid::from_str(&e.commit).map_err(CliError::from)?;
                entries.push(Entry {
                    problems: bad.remove(&oid).unwrap_or_default(),
                    event: e,
                });
            }
        }

        let workflows = snap.policy.workflows.clone();
        let mut tasks = Vec::new();
        for id in snap.task_ids(store)? {
            let task = snap.task(store, &id)?;
            let holder = workflows
                .get(&task.workflow)
                .and_then(|w| holder(w, &task))
                .map(str::to_string);
            // The step's due date (`spec/workflow.md`, due dates), as wf-ls --overdue measures it.
            let due = workflows
                .get(&task.workflow)
                .and_then(|w| lateness(w, &task, Timestamp(now)))
                .map(|l| {
                    (
                        l.due_at.0,
                        format!("{} ({} in the step)", l.due_at.rfc3339(), l.due),
                    )
                });
            tasks.push(TaskInfo {
                task,
                holder,
                entries: Vec::new(),
                due,
            });
        }
        tasks.sort_by(|a, b| {
            (&a.task.created_at, &a.task.id).cmp(&(&b.task.created_at, &b.task.id))
        });
        let task_index: HashMap<String, usize> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task.id.clone(), i))
            .collect();
        for (i, e) in entries.iter().enumerate() {
            if let Some(t) = e.event.task.as_ref().and_then(|t| task_index.get(t)) {
                tasks[*t].entries.push(i);
            }
        }

        let events: Vec<stats::Event> = entries.iter().map(|e| e.event.for_stats()).collect();
        let now_tasks: Vec<TaskNow> = tasks
            .iter()
            .map(|t| TaskNow {
                id: t.task.id.clone(),
                step: t.task.step.clone(),
                closed: t.task.state == TaskState::Closed,
                holder: t.holder.clone(),
                due: workflows
                    .get(&t.task.workflow)
                    .map(Workflow::due_by_step)
                    .unwrap_or_default(),
            })
            .collect();
        let stats = stats::compute(&events, &now_tasks, None, now);

        Ok(History {
            now,
            tip,
            range: range.unwrap_or("HEAD").to_string(),
            summary,
            problems,
            entries,
            tasks,
            task_index,
            actors: snap.policy.actors.clone(),
            workflows,
            stats,
        })
    }

    /// The task with this id, when it is at the tip.
    pub fn task(&self, id: &str) -> Option<&TaskInfo> {
        self.task_index.get(id).map(|i| &self.tasks[*i])
    }
}

/// Threads for reading and writing: `-j N`, else every core.
pub fn threads(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
    .clamp(1, 64)
}

/// The events of a range other than one tip's whole history, read on `jobs` threads, oldest
/// first.
fn read_range(
    resolved: &Range,
    git_dir: &std::path::Path,
    actors: &Actors,
    jobs: Option<usize>,
) -> Result<Vec<Result<Vec<Event>, CliError>>, CliError> {
    let store = Store::discover(git_dir)?;
    let repo = store.git();
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    for o in &resolved.include {
        walk.push(*o)?;
    }
    for o in &resolved.exclude {
        walk.hide(*o)?;
    }
    let oids: Vec<Oid> = walk.collect::<Result<_, _>>()?;
    let threads = threads(jobs);
    let progress = Mutex::new(Progress::new(
        "wf-board: reading history",
        Some(oids.len() as u64),
    ));
    let chunk = oids.len().div_ceil(threads).max(1);
    let read: Vec<Result<Vec<Event>, CliError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = oids
            .chunks(chunk)
            .map(|part| {
                let progress = &progress;
                scope.spawn(move || -> Result<Vec<Event>, CliError> {
                    let store = Store::discover(git_dir)?;
                    let mut out = Vec::new();
                    for (i, oid) in part.iter().enumerate() {
                        out.extend(event(&store, actors, *oid)?);
                        if i % 256 == 255 {
                            if let Ok(mut p) = progress.lock() {
                                p.inc(256);
                            }
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(CliError::failure("a reader of the history failed")))
            })
            .collect()
    });
    if let Ok(mut p) = progress.lock() {
        p.finish();
    }
    Ok(read)
}
