//! The task index, `<git-dir>/wf-task-index-1`: which commits act on which task, so that the
//! history of one task is read from a few commits instead of a walk of the whole history.
//!
//! It is a cache, rebuilt from git alone: a header line `wf-task-index 1 <tip>`, then one line
//! `<commit> <task id>` per commit whose message carries a `Wf-Task` trailer, oldest first. When
//! the branch has moved on from `<tip>`, only the new commits are read and appended; when the
//! history asked for is beside `<tip>` (a reset, a rewrite, the upstream `wf sync` reads beside a
//! clone's own work), the lines of their common ancestor's history are kept and only the commits
//! since it are read; with no common ancestor it is rebuilt. A missing, unreadable or
//! unwritable index only costs time (`spec/store.md`).

use std::path::PathBuf;

use git2::{Oid, Repository, Sort};
use wf_core::trailer::{self, key};

const HEADER: &str = "wf-task-index 1 ";

fn path(repo: &Repository) -> PathBuf {
    repo.path().join("wf-task-index-1")
}

/// How many commits back from the new tip the indexed tip is looked for before their common
/// ancestor is asked for (as the event index does, `crate::history`): a walk that looks for it
/// reads the whole history when the indexed tip is beside the new one.
const NEAR: usize = 4096;

/// The commits reachable from `tip` whose `Wf-Task` trailer names `task`, newest first.
/// Brings the index up to date on the way (and writes it back when it can).
pub fn commits_of(repo: &Repository, tip: Oid, task: &str) -> Result<Vec<Oid>, git2::Error> {
    Ok(read_counting(repo, tip, task)?.0)
}

/// [`commits_of`], and how many commits it read from git to bring the index up to date.
fn read_counting(
    repo: &Repository,
    tip: Oid,
    task: &str,
) -> Result<(Vec<Oid>, usize), git2::Error> {
    let file = path(repo);
    let old = std::fs::read_to_string(&file).unwrap_or_default();
    let mut read = 0;
    let (text, changed) = match indexed_tip(&old) {
        Some(t) if t == tip => (old, false),
        Some(t) => {
            let body = old.split_once('\n').map_or("", |(_, b)| b);
            // Most often the branch moved on by a few commits, found by a short walk back from
            // the tip; else the lines of the common ancestor's history are kept.
            let kept = match crate::repo::descends_within(repo, tip, t, NEAR).unwrap_or(None) {
                Some(true) => Some((t, body.to_string())),
                _ => rewound(repo, tip, t, body),
            };
            let mut text = format!("{HEADER}{tip}\n");
            let from = kept.map(|(base, body)| {
                text.push_str(&body);
                base
            });
            read = append(repo, tip, from, &mut text)?;
            (text, true)
        }
        None => {
            let mut text = format!("{HEADER}{tip}\n");
            read = append(repo, tip, None, &mut text)?;
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
    Ok((out, read))
}

/// The lines of `old`'s index (`body`) cut back to the history of the common ancestor of `old`
/// and `tip`: that ancestor, and the lines of the commits not in `base..old`. `None` when they
/// have no common ancestor or it cannot be found (then the index is rebuilt).
fn rewound(repo: &Repository, tip: Oid, old: Oid, body: &str) -> Option<(Oid, String)> {
    let (base, gone) = crate::repo::rewind(repo, tip, old)?;
    if gone.is_empty() {
        return Some((base, body.to_string()));
    }
    let mut kept = String::with_capacity(body.len());
    for line in body.lines() {
        let commit = line
            .split_once(' ')
            .and_then(|(c, _)| Oid::from_str(c).ok());
        if commit.is_some_and(|c| !gone.contains(&c)) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    Some((base, kept))
}

fn indexed_tip(text: &str) -> Option<Oid> {
    let first = text.lines().next()?;
    Oid::from_str(first.strip_prefix(HEADER)?).ok()
}

/// Append the commits reachable from `tip` but not from `from`, oldest first; how many it read.
fn append(
    repo: &Repository,
    tip: Oid,
    from: Option<Oid>,
    text: &mut String,
) -> Result<usize, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    if let Some(f) = from {
        walk.hide(f)?;
    }
    let odb = repo.odb()?;
    let mut read = 0;
    for oid in walk {
        let oid = oid?;
        read += 1;
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
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit on `parents` acting on `task`, dated `i` seconds into the test's time.
    fn commit(repo: &Repository, parents: &[Oid], task: &str, i: i64) -> Oid {
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let when = git2::Time::new(1_700_000_000 + i, 0);
        let who = git2::Signature::new("T", "t@example.com", &when).unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        let message = format!("wf: act {i}\n\nWf-Task: {task}\n");
        repo.commit(None, &who, &who, &message, &tree, &parents)
            .unwrap()
    }

    /// The index is only a cache: with it, each task's commits are those read from git alone
    /// (the index deleted); and it is brought to a tip beside the indexed one by reading only
    /// the commits since their common ancestor (the upstream `wf sync` reads beside a clone's
    /// own work: it was rebuilt whole each time).
    #[test]
    fn a_branch_beside_the_indexed_one_reads_only_its_own_commits() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let tasks = ["T-00a1", "T-00b2", "T-00c3"];
        // A line of 40 commits; then 5 on one branch and 7 on another, both from the 40th.
        let mut line = vec![commit(&repo, &[], tasks[0], 0)];
        for i in 1..40 {
            let c = commit(&repo, &[line[i - 1]], tasks[i % 3], i as i64);
            line.push(c);
        }
        let grow = |from: Oid, n: usize, at: i64| {
            let mut tip = from;
            for i in 0..n {
                tip = commit(&repo, &[tip], tasks[i % 3], at + i as i64);
            }
            tip
        };
        let (mine, theirs) = (grow(line[39], 5, 100), grow(line[39], 7, 200));
        let merged = commit(&repo, &[mine, theirs], tasks[1], 300);
        let fresh = |tip: Oid, task: &str| {
            let _ = std::fs::remove_file(path(&repo));
            commits_of(&repo, tip, task).unwrap()
        };
        // What each tip answers from git alone, before any index is kept.
        let truth = |tip: Oid| -> Vec<Vec<Oid>> { tasks.iter().map(|t| fresh(tip, t)).collect() };
        let wanted: Vec<(Oid, Vec<Vec<Oid>>)> = [mine, theirs, line[20], merged, line[39]]
            .into_iter()
            .map(|t| (t, truth(t)))
            .collect();
        let _ = std::fs::remove_file(path(&repo));
        assert_eq!(read_counting(&repo, mine, tasks[0]).unwrap().1, 45);
        // (tip, commits read to get there from the tip before)
        for (tip, own) in [
            (theirs, 7),
            (mine, 5),
            (line[20], 0),
            (theirs, 26),
            (merged, 6),
            (line[39], 0),
        ] {
            let (_, read) = read_counting(&repo, tip, tasks[0]).unwrap();
            assert_eq!(read, own, "{tip}");
            let want = &wanted.iter().find(|(t, _)| *t == tip).unwrap().1;
            for (task, want) in tasks.iter().zip(want) {
                let mut got = commits_of(&repo, tip, task).unwrap();
                let mut want = want.clone();
                if tip == merged {
                    // Beside each other, the two branches' commits are in the walk's order.
                    got.sort();
                    want.sort();
                }
                assert_eq!(&got, &want, "{tip} {task}");
            }
        }
        // Garbage after a valid header: a line that names no commit is no answer.
        let text = std::fs::read_to_string(path(&repo)).unwrap();
        std::fs::write(path(&repo), format!("{text}zzz T-00a1\n")).unwrap();
        assert_eq!(
            read_counting(&repo, mine, tasks[0]).unwrap(),
            (wanted[0].1[0].clone(), 5)
        );
    }
}
