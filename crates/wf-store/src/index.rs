//! The task index, `<git-dir>/wf-task-index-1`: which commits act on which task, so that the
//! history of one task is read from a few commits instead of a walk of the whole history.
//!
//! It is a cache, rebuilt from git alone: a header line `wf-task-index 1 <tip>`, then one line
//! `<commit> <task id>` per commit whose message carries a `Wf-Task` trailer, oldest first. When
//! the branch has moved on from `<tip>`, only the new commits are read and appended; when `<tip>`
//! is no longer in the history (a reset, a rewrite), the index is rebuilt. A missing, unreadable
//! or unwritable index only costs time (`spec/store.md`).

use std::path::PathBuf;

use git2::{Oid, Repository, Sort};
use wf_core::trailer::{self, key};

const HEADER: &str = "wf-task-index 1 ";

fn path(repo: &Repository) -> PathBuf {
    repo.path().join("wf-task-index-1")
}

/// The commits reachable from `tip` whose `Wf-Task` trailer names `task`, newest first.
/// Brings the index up to date on the way (and writes it back when it can).
pub fn commits_of(repo: &Repository, tip: Oid, task: &str) -> Result<Vec<Oid>, git2::Error> {
    let file = path(repo);
    let old = std::fs::read_to_string(&file).unwrap_or_default();
    let (text, changed) = match indexed_tip(&old) {
        Some(t) if t == tip => (old, false),
        Some(t) if crate::repo::descends_from(repo, tip, t).unwrap_or(false) => {
            let body = old.split_once('\n').map_or("", |(_, b)| b);
            let mut text = format!("{HEADER}{tip}\n{body}");
            append(repo, tip, Some(t), &mut text)?;
            (text, true)
        }
        _ => {
            let mut text = format!("{HEADER}{tip}\n");
            append(repo, tip, None, &mut text)?;
            (text, true)
        }
    };
    if changed {
        // Only a cache: a read-only repository still answers, a little slower next time.
        let _ = crate::sync::write_atomic(&file, text.as_bytes());
    }
    let mut out: Vec<Oid> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, t)| *t == task)
        .filter_map(|(c, _)| Oid::from_str(c).ok())
        .collect();
    out.reverse();
    Ok(out)
}

fn indexed_tip(text: &str) -> Option<Oid> {
    let first = text.lines().next()?;
    Oid::from_str(first.strip_prefix(HEADER)?).ok()
}

/// Append the commits reachable from `tip` but not from `from`, oldest first.
fn append(
    repo: &Repository,
    tip: Oid,
    from: Option<Oid>,
    text: &mut String,
) -> Result<(), git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    if let Some(f) = from {
        walk.hide(f)?;
    }
    let odb = repo.odb()?;
    for oid in walk {
        let oid = oid?;
        let obj = odb.read(oid)?;
        let data = String::from_utf8_lossy(obj.data());
        // The message follows the first blank line of the commit object.
        let Some((_, message)) = data.split_once("\n\n") else {
            continue;
        };
        if let Some(task) = trailer::get(&trailer::parse(message), key::TASK) {
            if wf_core::id::check_task_id(task).is_ok() {
                text.push_str(&format!("{oid} {task}\n"));
            }
        }
    }
    Ok(())
}
