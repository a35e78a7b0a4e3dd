//! The actions a line of history made on one task, read back from its commits: what the merge
//! of two lines replays ([`wf_core::concurrent`]), what `wf sync` decides again on top of the
//! upstream, what the merge driver joins. Each commit of a line is one action; its `Wf-Action`
//! names it, the task file before and after it rebuild it ([`wf_core::verify::rebuild`]).

use git2::{Oid, Repository, Sort};
use wf_core::trailer::{self, key};
use wf_core::{Action, Task};

use crate::tree::{Entry, Reader, TreeError};

type Result<T> = std::result::Result<T, TreeError>;

/// An action one commit made on one task.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The commit.
    pub commit: Oid,
    /// Its parent.
    pub parent: Oid,
    /// The task.
    pub id: String,
    /// The actor its `Wf-Actor` names: the signer in a verified history; a local commit's
    /// signature is checked by `wf sync` before it signs again (`publish::unvouched`).
    pub actor: String,
    /// The action, rebuilt from the task file.
    pub action: Action,
    /// The action's time (seconds): the commit's author time. In a verified history it equals
    /// the committer time; a rebase keeps it and re-dates the committer, so a rebased copy
    /// replays at the time its actor signed, not one the copier chose.
    pub time: i64,
    /// The task before it (`None` for `new`).
    pub before: Option<Task>,
    /// The task after it.
    pub after: Task,
    /// The commit's message.
    pub message: String,
}

fn refused(why: impl Into<String>) -> TreeError {
    TreeError::Refused(why.into())
}

/// The root tree and the parents of a commit, as its bytes say.
pub fn header(reader: &Reader, commit: Oid) -> Result<(Oid, Vec<Oid>)> {
    let (_, bytes) = reader.raw(commit)?;
    crate::raw::header(&bytes).map_err(refused)
}

/// A task's file and folder entries in a root tree: its identity as a merge unit.
pub fn unit(reader: &Reader, root: Oid, id: &str) -> Result<(Option<Entry>, Option<Entry>)> {
    let dir = Task::dir(id);
    Ok((
        reader.entry(root, &Task::path(id))?,
        reader.entry(root, dir.trim_end_matches('/'))?,
    ))
}

/// A task at a root tree, parsed; `None` when it has no file there.
pub fn task_at(reader: &Reader, root: Oid, id: &str) -> Result<Option<Task>> {
    Ok(task_text_at(reader, root, id)?.map(|(t, _)| t))
}

/// [`task_at`], with the file's text: a merge's task file is judged byte for byte.
pub fn task_text_at(reader: &Reader, root: Oid, id: &str) -> Result<Option<(Task, String)>> {
    let Some(bytes) = reader.file(root, &Task::path(id), wf_core::task::MAX_FILE_SIZE)? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| refused(format!("{} is not UTF-8", Task::path(id))))?;
    Task::parse(&text)
        .map(|t| Some((t, text)))
        .map_err(|e| refused(format!("{}: {e}", Task::path(id))))
}

/// The action a single-parent commit made on task `id`.
pub fn recorded(reader: &Reader, commit: Oid, id: &str) -> Result<Recorded> {
    let (_, bytes) = reader.raw(commit)?;
    let raw = crate::raw::parse(&bytes).map_err(refused)?;
    let [parent] = raw.parents[..] else {
        return Err(refused(format!(
            "commit {} is a merge, not one action",
            crate::error::short(commit)
        )));
    };
    let trailers = trailer::parse(&raw.message);
    let get = |k: &str| trailer::get(&trailers, k).map(str::to_string);
    let (Some(name), Some(actor)) = (get(key::ACTION), get(key::ACTOR)) else {
        return Err(refused(format!(
            "commit {} changes task {id} but is no wf action",
            crate::error::short(commit)
        )));
    };
    let (proot, _) = header(reader, parent)?;
    let before = task_at(reader, proot, id)?;
    let after = task_at(reader, raw.tree, id)?.ok_or_else(|| {
        refused(format!(
            "commit {} deletes task {id}",
            crate::error::short(commit)
        ))
    })?;
    let action =
        wf_core::verify::rebuild(&name, before.as_ref(), &after).map_err(|p| refused(p.reason))?;
    Ok(Recorded {
        commit,
        parent,
        id: id.to_string(),
        actor,
        action,
        time: raw.author_time.0,
        before,
        after,
        message: raw.message,
    })
}

/// The actions on task `id` of the commits reachable from `tip` and from none of `stop`,
/// oldest first. A merge on the way that changes the task (against its first parent) makes the
/// line unreadable as one sequence of actions.
pub fn line(
    repo: &Repository,
    reader: &Reader,
    tip: Oid,
    stop: &[Oid],
    id: &str,
) -> Result<Vec<Recorded>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    for s in stop {
        walk.hide(*s)?;
    }
    let mut out = Vec::new();
    for c in walk {
        let c = c?;
        let (root, parents) = header(reader, c)?;
        let Some(first) = parents.first() else {
            continue;
        };
        let (proot, _) = header(reader, *first)?;
        let ident = |u: (Option<Entry>, Option<Entry>)| {
            (u.0.map(|e| (e.mode, e.id)), u.1.map(|e| (e.mode, e.id)))
        };
        if ident(unit(reader, root, id)?) == ident(unit(reader, proot, id)?) {
            continue;
        }
        if parents.len() > 1 {
            return Err(refused(format!(
                "merge {} on the line changes task {id}",
                crate::error::short(c)
            )));
        }
        out.push(recorded(reader, c, id)?);
    }
    Ok(out)
}

/// Where two lines meet: their one merge base (and its root tree) and the two tips.
#[derive(Clone, Copy, Debug)]
pub struct Meeting {
    /// The merge base.
    pub base: Oid,
    /// Its root tree.
    pub base_root: Oid,
    /// The two tips, the first line first.
    pub parents: [Oid; 2],
}

/// Join two lines' actions on task `id`: the actions of each line since the merge base,
/// replayed in one order
/// ([`wf_core::concurrent::replay`]) under `policy`, the policy where the lines meet. The
/// verifier compares a merge's task with this; wf's merge driver writes it. `Ok(Err(why))`
/// when the lines do not join: the reason names the action refused and its rule.
pub fn join(
    repo: &Repository,
    reader: &Reader,
    policy: &wf_core::policy::Loaded,
    at: &Meeting,
    id: &str,
    workflow: &str,
) -> Result<std::result::Result<Task, String>> {
    let base_task = task_at(reader, at.base_root, id)?;
    let mut steps: [Vec<wf_core::concurrent::Step>; 2] = [vec![], vec![]];
    for (i, p) in at.parents.iter().enumerate() {
        for r in line(repo, reader, *p, &[at.base], id)? {
            let Some(actor) = policy.actors.get(&r.actor) else {
                return Ok(Err(format!(
                    "{} ({} by {}) was made by an actor who is gone where the lines meet",
                    crate::error::short(r.commit),
                    r.action.name(),
                    r.actor
                )));
            };
            steps[i].push(wf_core::concurrent::Step {
                actor: actor.clone(),
                action: r.action,
                time: wf_core::Timestamp(r.time),
            });
        }
    }
    let Some(workflow) = policy.workflows.get(workflow) else {
        return Ok(Err(format!("workflow {workflow} does not exist")));
    };
    Ok(wf_core::concurrent::replay(
        workflow,
        &policy.actors,
        base_task.as_ref(),
        [&steps[0], &steps[1]],
    )
    .map_err(|c| {
        let s = &steps[c.line][c.index];
        format!(
            "{} by {} (line {}) is refused once the other line's actions are in: {}: {}",
            s.action.name(),
            s.actor.id,
            c.line + 1,
            c.refusal.rule,
            c.refusal.reason
        )
    }))
}

/// What wf's git merge driver makes of a task file during `git merge` (or `git pull`): the
/// join of the two lines' actions on the task ([`join`]), between `HEAD` and `MERGE_HEAD`,
/// under the policy where they meet, exactly as the verifier will judge the merge. `Ok(Err)`
/// when they do not join (the reason), or when this is no merge of two lines with one base
/// (a rebase, a cherry-pick, a criss-cross): the user then runs `wf sync`.
pub fn join_for_merge(
    store: &crate::repo::Store,
    path: &str,
) -> Result<std::result::Result<String, String>> {
    let Some(wf_core::task::TaskEntry::File(id)) =
        wf_core::task::locate(path.strip_prefix("tasks/").unwrap_or(path))
    else {
        return Ok(Err(format!("{path} is not a task file")));
    };
    let repo = store.git();
    let Some(ours) = store.head_commit().map_err(|e| refused(e.to_string()))? else {
        return Ok(Err("the branch has no commit".into()));
    };
    // git names the commit being merged in in the environment of a merge driver
    // (`GITHEAD_<commit>`), and writes MERGE_HEAD only afterwards.
    let merge_head = std::fs::read_to_string(repo.path().join("MERGE_HEAD")).unwrap_or_default();
    let named: Vec<Oid> = std::env::vars()
        .filter_map(|(k, _)| {
            k.strip_prefix("GITHEAD_")
                .and_then(|h| Oid::from_str(h).ok())
        })
        .filter(|o| *o != ours)
        .collect();
    let theirs = match merge_head
        .lines()
        .next()
        .and_then(|l| Oid::from_str(l.trim()).ok())
    {
        Some(o) => Some(o),
        None if named.len() == 1 => named.first().copied(),
        None => None,
    };
    let Some(theirs) = theirs else {
        return Ok(Err(
            "this is not a merge of two lines (a rebase or a cherry-pick re-creates actions without their signatures)".into(),
        ));
    };
    let bases: Vec<Oid> = match repo.merge_bases(ours, theirs) {
        Ok(b) => b.iter().copied().collect(),
        Err(e) if e.code() == git2::ErrorCode::NotFound => vec![],
        Err(e) => return Err(e.into()),
    };
    let [base] = bases[..] else {
        return Ok(Err(format!(
            "the lines have {} merge bases, not one",
            bases.len()
        )));
    };
    let reader = store.reader().map_err(|e| refused(e.to_string()))?;
    let (base_root, _) = header(&reader, base)?;
    let (ours_root, _) = header(&reader, ours)?;
    let (theirs_root, _) = header(&reader, theirs)?;
    let wf = |r: Oid| -> Result<Option<(crate::tree::Mode, crate::tree::ObjectId)>> {
        Ok(reader.entry(r, ".wf")?.map(|e| (e.mode, e.id)))
    };
    let wb = wf(base_root)?;
    let landing = match (wf(ours_root)? != wb, wf(theirs_root)? != wb) {
        (true, true) => return Ok(Err("both lines changed .wf/".into())),
        (_, true) => theirs,
        _ => ours,
    };
    let snap = crate::snapshot::Snapshot::load(store, Some(landing))
        .map_err(|e| refused(e.to_string()))?;
    let workflow = match (
        task_at(&reader, ours_root, id)?,
        task_at(&reader, theirs_root, id)?,
    ) {
        (Some(t), _) | (None, Some(t)) => t.workflow,
        (None, None) => return Ok(Err(format!("neither line has task {id}"))),
    };
    let at = Meeting {
        base,
        base_root,
        parents: [ours, theirs],
    };
    Ok(join(repo, &reader, &snap.policy, &at, id, &workflow)?.map(|t| t.to_toml()))
}
