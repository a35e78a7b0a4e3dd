//! `wf-board`: the work and its proof as a static web site, generated from history in one pass.
//!
//! Three readings of the repository, then the pages: the verifier's run over the range (the
//! same engine and cache as `wf-verify`, [`crate::verification`]), one walk of the range's
//! history read as events (as `wf-log` reads them, [`crate::events`]), and the tasks and
//! policy at the range's tip ([`Snapshot`]). The figures are `wf-stats`' own
//! ([`wf_core::stats::compute`]) over the same events. Pages are written into a fresh folder
//! beside the output, which then replaces it, so a static host never serves half a board.
//!
//! Everything a page shows from the repository goes through `maud`, which escapes it; the
//! board's code never writes raw markup (`tests/board.rs` checks that it never asks for it).

mod chart;
mod history;
mod page;

use std::path::{Path, PathBuf};

use clap::Parser;
use wf_store::Store;

use crate::context;
use crate::error::CliError;

pub use history::History;

/// Write the board: a static web site of the work and its proof.
///
/// Pages: the index (queues per step and per holder, overdue work, the last activity, and the
/// verifier's verdict on the range), one page per task (every action with who, when and the
/// commit that proves it; AI runs with model, command and digests; reviews and the approval
/// with the digest each is bound to and whether it is still in force; each revision's files and
/// the diff between revisions), one page per actor (what they hold, did and approved), the
/// figures of wf-stats as charts, and the workflows drawn. The site needs no server, network
/// or JavaScript: open DIR/index.html, or publish DIR on any static host. The verdict comes
/// from a real verification run over the range (as wf-verify REVISION-RANGE); wf-board exits
/// 0 when the board is written, whatever the verdict says.
#[derive(Parser, Debug)]
#[command(
    name = "wf-board",
    version,
    after_help = "Examples:\n  wf-board -o public && xdg-open public/index.html\n  wf-board -o public --commit-url 'https://github.com/OWNER/REPO/commit/{commit}'\n  wf-board -o site v1.0..main"
)]
pub struct Args {
    /// Commits to show and verify: REV (its whole history) or A..B (reachable from B, not
    /// from A); tasks are shown as they stand at REV or B. Defaults to HEAD.
    #[arg(value_name = "REVISION-RANGE")]
    pub range: Option<String>,
    /// The folder to write the site into. An earlier board there is replaced; any other
    /// folder that is not empty is left alone (exit 5).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "wf-board"
    )]
    pub output: PathBuf,
    /// Also link every commit id to this address, {commit} replaced by the full commit id
    /// (a forge's commit page).
    #[arg(long, value_name = "URL")]
    pub commit_url: Option<String>,
    /// Threads for the verifier (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub global: context::Global,
}

/// The file that marks a folder as a board `wf-board` may replace.
const MARKER: &str = ".wf-board";

/// Run `wf-board`.
pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(u) = &args.commit_url {
        if !u.contains("{commit}") {
            return Err(CliError::usage(
                format!("--commit-url {u:?} has no {{commit}}"),
                "write where the commit id goes: --commit-url 'https://forge/OWNER/REPO/commit/{commit}'",
            ));
        }
        // Links on the board go to a forge: a `javascript:` or `data:` URL would run in the
        // reader's browser (the page's policy blocks scripts; the link is refused all the same).
        let scheme = u.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("https" | "http")) {
            return Err(CliError::usage(
                format!("--commit-url {u:?} is not an http or https URL"),
                "link to a forge: --commit-url 'https://forge/OWNER/REPO/commit/{commit}'",
            ));
        }
    }
    let store = args.global.store()?;
    let out = output_dir(&store, &args.output)?;
    let now = context::now()?;
    let history = History::read(&store, args.range.as_deref(), args.jobs, now.0)?;
    let site = page::Site::new(&history, args.commit_url.clone());
    let fresh = sibling(&out, "new")?;
    let written = site.write(&store, &fresh, history::threads(args.jobs));
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&fresh);
        return Err(e);
    }
    replace(&fresh, &out)
}

/// The output folder, refused where a board would be mistaken for the store's own files: in
/// `.wf/`, `tasks/` or the git directory.
fn output_dir(store: &Store, dir: &Path) -> Result<PathBuf, CliError> {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    };
    let abs = normal(&abs);
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| normal(p));
    let mut guarded = vec![canon(&store.git_dir())];
    if let Some(w) = store.workdir() {
        guarded.push(canon(&w.join(".wf")));
        guarded.push(canon(&w.join("tasks")));
    }
    // The folder may not exist yet: judge its nearest existing ancestor, resolved.
    let mut probe = abs.clone();
    let mut rest = Vec::new();
    while !probe.exists() {
        match (probe.file_name(), probe.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n.to_os_string());
                probe = p.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = canon(&probe);
    for n in rest.iter().rev() {
        resolved.push(n);
    }
    if let Some(g) = guarded.iter().find(|g| resolved.starts_with(g)) {
        return Err(CliError::usage(
            format!(
                "will not write the board into {} (inside {})",
                dir.display(),
                g.display()
            ),
            "choose a folder outside .wf/, tasks/ and the git directory: wf-board -o public",
        ));
    }
    Ok(resolved)
}

/// A path with `.` and `..` taken out, without touching the file system.
fn normal(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// A fresh folder beside `out` (same file system, so it can be renamed into place).
fn sibling(out: &Path, what: &str) -> Result<PathBuf, CliError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "wf-board".into());
    let parent = out.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    let p = parent.join(format!(".{name}.{what}-{}", std::process::id()));
    if p.exists() {
        std::fs::remove_dir_all(&p).map_err(|e| io_error(&p, e))?;
    }
    std::fs::create_dir(&p).map_err(|e| io_error(&p, e))?;
    Ok(p)
}

/// Put the fresh board in place of `out`: an earlier board (or an empty folder) is replaced,
/// anything else is refused and the fresh board removed.
fn replace(fresh: &Path, out: &Path) -> Result<(), CliError> {
    let meta = std::fs::symlink_metadata(out);
    if let Ok(m) = &meta {
        let ours = m.is_dir()
            && (out.join(MARKER).is_file()
                || std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_none()));
        if !ours {
            let _ = std::fs::remove_dir_all(fresh);
            return Err(CliError::conflict(
                format!(
                    "{} exists and is not a board written by wf-board",
                    out.display()
                ),
                "choose another folder with -o, or remove it",
            ));
        }
        let old = sibling(out, "old")?;
        std::fs::remove_dir(&old).map_err(|e| io_error(&old, e))?;
        std::fs::rename(out, &old).map_err(|e| io_error(out, e))?;
        std::fs::rename(fresh, out).map_err(|e| io_error(out, e))?;
        std::fs::remove_dir_all(&old).map_err(|e| io_error(&old, e))?;
    } else {
        std::fs::rename(fresh, out).map_err(|e| io_error(out, e))?;
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::failure(format!("{}: {e}", path.display())).with_source(e)
}
