//! Crash safety of the work tree and of git's lock files.
//!
//! A wf tool can be killed at any point (`kill -9`, a crash, a closed terminal). The branch is
//! always safe: objects are written before the branch moves, and the branch moves by one atomic
//! rename. What can be left half done is the copy of the new commit's files into the work tree
//! and the index, and git's own lock files. So:
//!
//! - every work-tree file is written to a temporary file beside it (`.NAME.wf-tmp`) and renamed
//!   into place, so a file is either its old or its new version, never half of one;
//! - before moving the branch, a writer records a **sync journal** (`<git-dir>/wf-sync`: the
//!   branch, the old tip, the new commit, the paths) and removes it once the work tree and the
//!   index are in step. Whoever takes the writer lock next and finds a journal finishes the copy
//!   if its commit landed (it is the tip or an ancestor of it), and drops the journal if not;
//!   it only overwrites a file whose content is the old or the new version (or the tip's), so a
//!   user's edit is never lost: such a path is reported instead;
//! - git's lock files (`index.lock`, `refs/heads/BRANCH.lock`, `HEAD.lock`, `packed-refs.lock`)
//!   left by a killed git process are reported as such ([`StoreError::Locked`]) rather than
//!   retried forever; `wf-repair` removes them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::{ObjectType, Oid, Status, StatusOptions};

pub use crate::error::short;
use crate::gitindex::{GitIndex, NewEntry, Stat};
use crate::locks::patiently;
pub use crate::locks::LOCK_GRACE;
use crate::repo::{Store, StoreError, WriterLock};
use crate::tree::{self, Mode, Reader};

type Result<T> = std::result::Result<T, StoreError>;

/// The sync journal's file name in the git directory.
pub const JOURNAL: &str = "wf-sync";
/// What a temporary file of an atomic write ends with (it starts with a dot).
pub const TMP_SUFFIX: &str = ".wf-tmp";

const JOURNAL_HEADER: &str =
    "# wf sync journal: a commit is being copied to the work tree (see spec/store.md)";

/// A sync in progress: the branch moved (or is about to move) from `old` to `new`, and these
/// paths are to be made to match the tip in the work tree and the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Journal {
    /// The branch, `refs/heads/main`.
    pub branch: String,
    /// The tip before (`None` for the first commit).
    pub old: Option<Oid>,
    /// The commit whose files are being copied.
    pub new: Oid,
    /// The paths it writes or removes.
    pub paths: Vec<String>,
}

impl Journal {
    /// The journal as written to disk: one `key value` per line.
    pub fn to_text(&self) -> String {
        let mut s = format!("{JOURNAL_HEADER}\nbranch {}\n", self.branch);
        match self.old {
            Some(o) => s.push_str(&format!("old {o}\n")),
            None => s.push_str("old none\n"),
        }
        s.push_str(&format!("new {}\n", self.new));
        for p in &self.paths {
            s.push_str(&format!("path {p}\n"));
        }
        s
    }

    /// Read a journal back; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Journal> {
        let (mut branch, mut old, mut new, mut paths) = (None, None, None, Vec::new());
        for line in text.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (k, v) = line.split_once(' ')?;
            match k {
                "branch" => branch = Some(v.to_string()),
                "old" if v == "none" => old = Some(None),
                "old" => old = Some(Some(Oid::from_str(v).ok()?)),
                "new" => new = Some(Oid::from_str(v).ok()?),
                "path" if is_relative_path(v) => paths.push(v.to_string()),
                _ => return None,
            }
        }
        Some(Journal {
            branch: branch?,
            old: old?,
            new: new?,
            paths,
        })
    }
}

/// A path inside the work tree: relative, no empty, `.` or `..` component.
fn is_relative_path(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// What a sync did (or, dry, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Paths written from the tip.
    pub written: Vec<String>,
    /// Paths removed (absent at the tip).
    pub removed: Vec<String>,
    /// Paths left alone because they hold something else than the old or the new version:
    /// a user's edit, never overwritten.
    pub kept: Vec<String>,
}

/// What was found in the sync journal, and what was (or would be) done about it.
#[derive(Debug)]
pub enum Recovery {
    /// Its commit landed: the copy was finished.
    Finished(Journal, SyncReport),
    /// Its commit never landed (or HEAD names another branch now): the journal was dropped.
    Dropped(Journal, String),
    /// The journal could not be read; it was dropped (the work tree is checked separately).
    Unreadable(String),
}

/// How a path looks in the work tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Have {
    Missing,
    File(Oid),
    Other,
}

/// How a path of the work tree differs from the branch tip (see [`Store::worktree_diff`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    /// Its content (in the work tree or staged in the index) differs from the tip.
    Modified,
    /// At the tip but missing from the work tree or the index.
    Deleted,
    /// In the work tree or the index, but not at the tip.
    Added,
    /// Neither at the tip nor in the index: a file wf does not know. Never touched.
    Untracked,
}

impl Drift {
    /// A word for reports.
    pub fn word(self) -> &'static str {
        match self {
            Drift::Modified => "modified",
            Drift::Deleted => "deleted",
            Drift::Added => "added",
            Drift::Untracked => "untracked",
        }
    }
}

impl Store {
    fn journal_path(&self) -> PathBuf {
        self.git().path().join(JOURNAL)
    }

    /// Record a sync before moving the branch (under the writer lock).
    pub fn begin_sync(&self, journal: &Journal, _lock: &WriterLock) -> Result<()> {
        let path = self.journal_path();
        write_atomic(&path, journal.to_text().as_bytes())
    }

    /// Forget the journal: the branch did not move (a lost race), or the sync is done.
    pub fn end_sync(&self, _lock: &WriterLock) -> Result<()> {
        let path = self.journal_path();
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path, e)),
        }
    }

    /// Copy a landed commit's paths into the work tree and the index, then drop the journal.
    /// Each path is made to match the branch's current tip, but only when the work tree and
    /// the index hold the old version, the new version or the tip's (a missing file counts as
    /// the version that lacks it); anything else is a user's edit, left alone and reported in
    /// [`SyncReport::kept`]. A bare repository has nothing to copy.
    pub fn finish_sync(&self, journal: &Journal, lock: &WriterLock) -> Result<SyncReport> {
        let report = self.sync_journal(journal, true)?;
        self.end_sync(lock)?;
        Ok(report)
    }

    /// Take care of a sync journal left by a writer that was killed (under the writer lock):
    /// finish it when its commit landed on the branch HEAD names, drop it otherwise. `None`
    /// when there is no journal.
    pub fn recover(&self, lock: &WriterLock) -> Result<Option<Recovery>> {
        let found = self.examine_journal()?;
        match &found {
            None => {}
            Some(Recovery::Finished(j, _)) => {
                let report = self.finish_sync(j, lock)?;
                return Ok(Some(Recovery::Finished(j.clone(), report)));
            }
            Some(Recovery::Dropped(..)) | Some(Recovery::Unreadable(_)) => self.end_sync(lock)?,
        }
        Ok(found)
    }

    /// What [`Store::recover`] would do, without doing it.
    pub fn examine_journal(&self) -> Result<Option<Recovery>> {
        let path = self.journal_path();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path, e)),
        };
        let Some(j) = std::str::from_utf8(&text).ok().and_then(Journal::parse) else {
            return Ok(Some(Recovery::Unreadable(path.display().to_string())));
        };
        let branch = self.branch()?;
        if j.branch != branch {
            let why = format!("HEAD now names {branch}, not {}", j.branch);
            return Ok(Some(Recovery::Dropped(j, why)));
        }
        if !self.landed(&j)? {
            let why = format!("{} never landed on {}", short(j.new), j.branch);
            return Ok(Some(Recovery::Dropped(j, why)));
        }
        let report = self.sync_journal(&j, false)?;
        Ok(Some(Recovery::Finished(j, report)))
    }

    /// Whether the journal's commit is the branch tip or an ancestor of it.
    fn landed(&self, j: &Journal) -> Result<bool> {
        let Some(tip) = self.tip(&j.branch)? else {
            return Ok(false);
        };
        if tip == j.new {
            return Ok(true);
        }
        // A commit that was never written is no ancestor of anything.
        Ok(crate::repo::descends_from(self.git(), tip, j.new).unwrap_or(false))
    }

    fn sync_journal(&self, j: &Journal, apply: bool) -> Result<SyncReport> {
        if self.workdir().is_none() {
            return Ok(SyncReport::default());
        }
        let Some(tip) = self.tip(&j.branch)? else {
            return Ok(SyncReport::default());
        };
        let reader = self.reader()?;
        let tip_tree = self.root(tip)?;
        let new_tree = self.root(j.new)?;
        let old_tree = j.old.map(|o| self.root(o)).transpose()?;
        let mut allowed: Vec<BTreeSet<Option<Oid>>> = Vec::new();
        for p in &j.paths {
            let mut set = BTreeSet::new();
            set.insert(blob_at(&reader, tip_tree, p)?);
            set.insert(blob_at(&reader, new_tree, p)?);
            set.insert(match old_tree {
                Some(t) => blob_at(&reader, t, p)?,
                None => None,
            });
            allowed.push(set);
        }
        self.sync_paths(
            tip_tree,
            &j.paths,
            |i, have, staged| {
                let ok = |v: Option<Oid>| allowed[i].contains(&v);
                let wt = match have {
                    Have::Missing => ok(None),
                    Have::File(o) => ok(Some(o)),
                    Have::Other => false,
                };
                wt && ok(staged)
            },
            apply,
        )
    }

    /// Make each path match `target` in the work tree and the index where `may(i, work tree,
    /// index entry)` allows; report the others as kept. Writes are atomic; wf's leftover
    /// temporary files of these paths are removed.
    fn sync_paths(
        &self,
        target: Oid,
        paths: &[String],
        may: impl Fn(usize, Have, Option<Oid>) -> bool,
        apply: bool,
    ) -> Result<SyncReport> {
        let Some(workdir) = self.workdir().map(Path::to_path_buf) else {
            return Ok(SyncReport::default());
        };
        let repo = self.git();
        let reader = self.reader()?;
        let mut index = Staging::open(repo)?;
        let mut report = SyncReport::default();
        let mut index_changed = false;
        for (i, p) in paths.iter().enumerate() {
            let file = workdir.join(p);
            if apply {
                remove_if_there(&tmp_path(&file))?;
            }
            let want = blob_at(&reader, target, p)?;
            let have = have(&file)?;
            let staged = index.staged(p);
            let wt_ok = match (have, want) {
                (Have::File(h), Some(w)) => h == w,
                (Have::Missing, None) => true,
                _ => false,
            };
            if wt_ok && staged == want {
                continue;
            }
            if !may(i, have, staged) {
                report.kept.push(p.clone());
                continue;
            }
            match want {
                Some(oid) => {
                    if apply {
                        if !wt_ok {
                            let bytes = reader.blob(oid, p, wf_core::task::MAX_FILE_SIZE)?;
                            write_atomic(&file, &bytes)?;
                        }
                        index.add(repo, &workdir, p, oid)?;
                        index_changed = true;
                    }
                    report.written.push(p.clone());
                }
                None => {
                    if apply {
                        remove_if_there(&file)?;
                        if staged.is_some() {
                            index.remove(p)?;
                            index_changed = true;
                        }
                        remove_empty_parents(&workdir, &file);
                    }
                    report.removed.push(p.clone());
                }
            }
        }
        if index_changed {
            let lock = self.git().path().join("index.lock");
            patiently(&lock, || index.write(repo.path(), &workdir))?;
        }
        Ok(report)
    }

    /// The git lock files that exist in this repository: `index.lock`, `HEAD.lock`,
    /// `packed-refs.lock` and any `*.lock` under `refs/`.
    pub fn git_locks(&self) -> Vec<PathBuf> {
        let git = self.git();
        let mut found: Vec<PathBuf> = [
            git.path().join("index.lock"),
            git.path().join("HEAD.lock"),
            git.commondir().join("HEAD.lock"),
            git.commondir().join("packed-refs.lock"),
        ]
        .into_iter()
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
        walk(&git.commondir().join("refs"), &mut |p| {
            if p.extension().is_some_and(|e| e == "lock") {
                found.push(p.to_path_buf());
            }
        });
        found.sort();
        found.dedup();
        found
    }

    /// Before moving `branch` and writing the index (under the writer lock): wait a moment for
    /// the branch's and the index's git lock files to go away, then refuse with
    /// [`StoreError::Locked`], so that a stale lock is reported before anything is committed.
    pub fn check_git_locks(&self, branch: &str) -> Result<()> {
        let mut locks = vec![self.ref_lock(branch)];
        if self.workdir().is_some() {
            locks.push(self.git().path().join("index.lock"));
        }
        let start = Instant::now();
        loop {
            match locks.iter().find(|p| p.symlink_metadata().is_ok()) {
                None => return Ok(()),
                Some(p) if start.elapsed() >= LOCK_GRACE => {
                    return Err(StoreError::Locked(p.clone()))
                }
                Some(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// wf's own temporary files left by a killed writer: `<git-dir>/.wf-sync.wf-tmp` and
    /// `.NAME.wf-tmp` files under these work-tree folders.
    pub fn temp_files(&self, dirs: &[&str]) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let journal_tmp = tmp_path(&self.journal_path());
        if journal_tmp.symlink_metadata().is_ok() {
            found.push(journal_tmp);
        }
        let mut look = |p: &Path| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with('.') && name.ends_with(TMP_SUFFIX) {
                found.push(p.to_path_buf());
            }
        };
        if let Some(w) = self.workdir() {
            for d in dirs {
                walk(&w.join(d), &mut look);
            }
        }
        found.sort();
        found
    }

    /// How the work tree and the index differ from the branch tip under these folders
    /// (`tasks/`, `.wf/`), path by path. Empty for a bare repository or an unborn branch.
    pub fn worktree_diff(&self, dirs: &[&str]) -> Result<Vec<(String, Drift)>> {
        if self.workdir().is_none() || self.tip(&self.branch()?)?.is_none() {
            return Ok(vec![]);
        }
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false);
        for d in dirs {
            opts.pathspec(d);
        }
        let statuses = self.git().statuses(Some(&mut opts))?;
        let mut out = Vec::new();
        for s in statuses.iter() {
            let st = s.status();
            let Some(path) = s.path() else { continue };
            if st == Status::CURRENT || st.contains(Status::IGNORED) {
                continue;
            }
            let drift = if st == Status::WT_NEW {
                Drift::Untracked
            } else if st.intersects(Status::INDEX_NEW) {
                Drift::Added
            } else if st.intersects(Status::INDEX_DELETED | Status::WT_DELETED) {
                Drift::Deleted
            } else {
                Drift::Modified
            };
            out.push((path.to_string(), drift));
        }
        out.sort();
        Ok(out)
    }

    /// Make these paths match the branch tip in the work tree and the index, overwriting
    /// whatever is there (`wf-repair --restore`); a path absent at the tip is removed.
    pub fn restore(&self, paths: &[String], _lock: &WriterLock) -> Result<SyncReport> {
        let Some(tip) = self.tip(&self.branch()?)? else {
            return Ok(SyncReport::default());
        };
        let root = self.root(tip)?;
        self.sync_paths(root, paths, |_, _, _| true, true)
    }
}

/// Write a file atomically: a temporary file beside it (`.NAME.wf-tmp`), then a rename; the
/// folder is made first. A reader (or a crash) sees the old content or the new, never half.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |out| std::io::Write::write_all(out, bytes))
}

/// [`write_atomic`] for a text written piece by piece by `write`, through a buffer: the file
/// appears whole under its name, or not at all (a failed write leaves the old file).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(path, e))?;
    }
    let tmp = tmp_path(path);
    let written = std::fs::File::create(&tmp).and_then(|f| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
        write(&mut out)?;
        std::io::Write::flush(&mut out)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))
}

/// The temporary file an atomic write of `path` goes through: `.NAME.wf-tmp` beside it. Writes
/// happen under the writer lock, so one name per file is enough, and a leftover one is known.
pub fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}

/// The index a sync stages its paths in: read and written by [`GitIndex`] when it is in the
/// plain form, else by libgit2 (which a plain index also falls back to when a path needs more
/// than a plain entry).
enum Staging {
    Plain(GitIndex, BTreeMap<String, Option<NewEntry>>),
    Lib(git2::Index),
}

impl Staging {
    fn open(repo: &git2::Repository) -> Result<Staging> {
        if let Some(plain) = GitIndex::read(repo.path()) {
            return Ok(Staging::Plain(plain, BTreeMap::new()));
        }
        Ok(Staging::Lib(Staging::libgit2(repo)?))
    }

    fn libgit2(repo: &git2::Repository) -> Result<git2::Index> {
        // Read again only when the file changed since this handle read it.
        let mut index = repo.index()?;
        index.read(false)?;
        Ok(index)
    }

    /// The blob staged at `path`.
    fn staged(&self, path: &str) -> Option<Oid> {
        match self {
            Staging::Plain(index, changes) => match changes.get(path) {
                Some(change) => change.as_ref().map(|e| e.id),
                None => index.get(path),
            },
            Staging::Lib(index) => index.get_path(Path::new(path), 0).map(|e| e.id),
        }
    }

    /// Stage the file at `path`, just written with the blob `id`.
    fn add(&mut self, repo: &git2::Repository, workdir: &Path, path: &str, id: Oid) -> Result<()> {
        if let Staging::Plain(_, changes) = self {
            let file = workdir.join(path);
            let meta = file.symlink_metadata().map_err(|e| io(&file, e))?;
            if let Some(stat) = Stat::of(&meta) {
                changes.insert(path.to_string(), Some(NewEntry { stat, id }));
                return Ok(());
            }
            // Not a plain file (an executable one): libgit2 knows what git records for it.
            let mut index = Staging::libgit2(repo)?;
            for (p, change) in changes.iter() {
                match change {
                    Some(_) => index.add_path(Path::new(p))?,
                    None => index.remove_path(Path::new(p))?,
                }
            }
            *self = Staging::Lib(index);
        }
        if let Staging::Lib(index) = self {
            index.add_path(Path::new(path))?;
        }
        Ok(())
    }

    /// Unstage `path`.
    fn remove(&mut self, path: &str) -> Result<()> {
        match self {
            Staging::Plain(_, changes) => {
                changes.insert(path.to_string(), None);
            }
            Staging::Lib(index) => index.remove_path(Path::new(path))?,
        }
        Ok(())
    }

    fn write(&mut self, git_dir: &Path, workdir: &Path) -> std::result::Result<(), git2::Error> {
        match self {
            Staging::Plain(index, changes) => index.write(git_dir, workdir, changes),
            Staging::Lib(index) => index.write(),
        }
    }
}

fn have(file: &Path) -> Result<Have> {
    match file.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Have::Missing),
        // A parent that is a file, not a folder: the path cannot hold our file.
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(Have::Other),
        Err(e) => Err(io(file, e)),
        Ok(m) if m.is_file() => Ok(Have::File(
            Oid::hash_file(ObjectType::Blob, file).map_err(StoreError::Git)?,
        )),
        Ok(_) => Ok(Have::Other),
    }
}

/// The blob a path holds in a commit's tree, read through the canonical check: what the work
/// tree receives is what the verifier judged. A path that holds something else than a regular
/// file (a link, a submodule) is refused, never written.
fn blob_at(reader: &Reader<'_>, root: Oid, path: &str) -> Result<Option<Oid>> {
    match reader.entry(root, path)? {
        None => Ok(None),
        Some(e) if e.mode == Mode::File => Ok(Some(tree::oid(&e))),
        Some(e) if e.mode == Mode::Tree => Ok(None),
        Some(e) => Err(StoreError::NotCanonical(format!(
            "{path} is {} (mode {}), not a regular file",
            e.mode.what(),
            e.mode
        ))),
    }
}

fn remove_if_there(p: &Path) -> Result<()> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(p, e)),
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&p, f),
            Ok(_) => f(&p),
            Err(_) => {}
        }
    }
}

pub(crate) fn remove_empty_parents(top: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == top || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

fn io(p: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io(p.display().to_string(), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_and_garbage_is_no_journal() {
        let j = Journal {
            branch: "refs/heads/main".into(),
            old: None,
            new: Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap(),
            paths: vec!["tasks/a.toml".into(), ".wf/actors.toml".into()],
        };
        assert_eq!(Journal::parse(&j.to_text()), Some(j.clone()));
        let j2 = Journal {
            old: Some(j.new),
            ..j.clone()
        };
        assert_eq!(Journal::parse(&j2.to_text()), Some(j2));
        assert_eq!(Journal::parse("branch refs/heads/main\n"), None);
        assert_eq!(Journal::parse("what\n"), None);
        assert_eq!(Journal::parse(&j.to_text().replace("new ", "new x")), None);
        for bad in [
            "/etc/passwd",
            "../x",
            "tasks/../../x",
            "tasks//a",
            "./a",
            "",
        ] {
            let text = j.to_text() + &format!("path {bad}\n");
            assert_eq!(Journal::parse(&text), None, "{bad:?}");
        }
    }

    #[test]
    fn the_temporary_file_is_hidden_beside_the_file() {
        assert_eq!(
            tmp_path(Path::new("/r/tasks/T-1/out/a.md")),
            Path::new("/r/tasks/T-1/out/.a.md.wf-tmp")
        );
    }
}
