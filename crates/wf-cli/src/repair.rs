//! `wf-repair`: put a store back in order after a crash.

use std::fmt::Write as _;

use clap::Parser;
use wf_store::sync::short;
use wf_store::{Drift, Recovery, Store};

use crate::context;
use crate::error::CliError;
use crate::output::print;

/// Repair a store after a crash: stale git locks, an interrupted sync, files out of step.
///
/// Takes the wf writer lock (so no wf tool writes meanwhile), then: removes git's lock files
/// (index.lock, HEAD.lock, packed-refs.lock, refs/**/*.lock) that a killed git process left
/// behind; removes wf's own temporary files (.NAME.wf-tmp); finishes copying a commit to the
/// work tree when a wf tool was killed after the branch moved, or drops the record of it when
/// the commit never landed (a file you edited is never overwritten); finally compares tasks/ and
/// .wf/ in the work tree and the index with the branch tip and lists each path that differs.
/// With --restore those paths are overwritten from the tip (untracked files are left alone).
///
/// Run it only when no git command is running in this repository: a running git holds its lock
/// files for a moment, and removing them under it can lose its update. Exits 0 when the store is
/// consistent afterwards, 5 when paths still differ (or, with --dry-run, when anything needs
/// doing).
#[derive(Parser, Debug)]
#[command(
    name = "wf-repair",
    version,
    after_help = "Examples:\n  wf-repair --dry-run\n  wf-repair\n  wf-repair --restore   # also overwrite edited files under tasks/ and .wf/"
)]
pub struct Args {
    /// Say what would be done; change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Overwrite the paths under tasks/ and .wf/ that differ from the branch tip (your edits to
    /// them are lost); untracked files are only reported.
    #[arg(long, conflicts_with = "dry_run")]
    pub restore: bool,
    #[command(flatten)]
    pub global: context::Global,
}

/// The work-tree folders wf owns: where tasks live, and `.wf/`.
pub fn owned_dirs() -> [String; 2] {
    let tasks = wf_core::Task::dir("T-000000");
    let root = tasks.split('/').next().unwrap_or("tasks");
    [format!("{root}/"), ".wf/".to_string()]
}

/// Run `wf-repair`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let branch = store.branch()?;
    let lock = store.lock()?;
    let dry = args.dry_run;
    let would = |did: &str, will: &str| {
        if dry {
            will.to_string()
        } else {
            did.to_string()
        }
    };
    let mut out = String::new();
    let mut pending = false;

    for l in store.git_locks() {
        pending = true;
        if !dry {
            remove(&l)?;
        }
        let _ = writeln!(
            out,
            "{} stale lock {}",
            would("removed", "would remove"),
            l.display()
        );
    }
    let dirs = owned_dirs();
    let dirs: Vec<&str> = dirs.iter().map(String::as_str).collect();
    let temps = store.temp_files(&dirs);
    for t in &temps {
        pending = true;
        if !dry {
            remove(t)?;
        }
        let _ = writeln!(
            out,
            "{} temporary file {}",
            would("removed", "would remove"),
            t.display()
        );
    }
    print(&out)?;
    out.clear();

    let found = if dry {
        store.examine_journal()?
    } else {
        store.recover(&lock)?
    };
    if let Some(r) = found {
        pending = true;
        match r {
            Recovery::Finished(j, rep) => {
                let _ = writeln!(
                    out,
                    "{} copying commit {} to the work tree (a wf tool was interrupted): {} written, {} removed",
                    would("finished", "would finish"),
                    short(j.new),
                    rep.written.len(),
                    rep.removed.len()
                );
                for k in &rep.kept {
                    let _ = writeln!(
                        out,
                        "kept {k}: it holds edits, not the committed version; not overwritten"
                    );
                }
            }
            Recovery::Dropped(j, why) => {
                let _ = writeln!(
                    out,
                    "{} the interrupted sync of {}: {why}",
                    would("dropped", "would drop"),
                    short(j.new)
                );
            }
            Recovery::Unreadable(p) => {
                let _ = writeln!(
                    out,
                    "{} the unreadable sync journal {p}",
                    would("dropped", "would drop")
                );
            }
        }
    }
    print(&out)?;
    out.clear();

    let mut drift = store.worktree_diff(&dirs)?;
    if dry {
        // What the run would remove is reported above, not as a difference.
        let workdir = store.workdir().map(std::path::Path::to_path_buf);
        drift.retain(|(p, _)| !workdir.as_ref().is_some_and(|w| temps.contains(&w.join(p))));
    }
    for (p, d) in &drift {
        let _ = writeln!(out, "{:<10}{p}", d.word());
    }
    if args.restore {
        let fix: Vec<String> = drift
            .iter()
            .filter(|(_, d)| *d != Drift::Untracked)
            .map(|(p, _)| p.clone())
            .collect();
        let rep = store.restore(&fix, &lock)?;
        for p in &rep.written {
            let _ = writeln!(out, "restored  {p}");
        }
        for p in &rep.removed {
            let _ = writeln!(out, "removed   {p}");
        }
        drift = store.worktree_diff(&dirs)?;
    }
    print(&out)?;
    drop(lock);

    if dry && (pending || !drift.is_empty()) {
        return Err(CliError::conflict(
            "the store needs repairing (nothing was changed: --dry-run)",
            "run wf-repair",
        ));
    }
    if !drift.is_empty() {
        let untracked = drift.iter().all(|(_, d)| *d == Drift::Untracked);
        let hint = if untracked {
            "move or delete the untracked files: wf never touches them"
        } else {
            "wf-repair --restore overwrites them from the branch tip (edits to them are lost)"
        };
        return Err(CliError::conflict(
            format!(
                "{} under {} {} from the branch tip",
                plural(drift.len(), "path"),
                dirs.join(" and "),
                if drift.len() == 1 {
                    "differs"
                } else {
                    "differ"
                }
            ),
            hint,
        ));
    }
    consistent(&store, &branch)
}

fn consistent(store: &Store, branch: &str) -> Result<(), CliError> {
    let at = match store.tip(branch)? {
        Some(t) => format!("{branch} at {}", short(t)),
        None => format!("{branch} has no commit yet"),
    };
    print(&format!("consistent: {at}\n"))
}

fn remove(p: &std::path::Path) -> Result<(), CliError> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(CliError::failure(format!("{}: {e}", p.display()))),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
