//! The repository: reads at a commit, signed commits, compare-and-swap branch updates, the
//! writer lock and the work tree.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

use git2::{build::TreeUpdateBuilder, ErrorCode, FileMode, Oid, Repository, Status, StatusOptions};
use wf_core::digest::Hasher;

use crate::gitindex::GitIndex;
use crate::sign::{SigStatus, Signer};
use crate::tree::{self, Area, Entry, Mode, Reader, TreeCache};

pub use crate::error::StoreError;

type Result<T> = std::result::Result<T, StoreError>;

/// A commit author / committer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// One commit's worth of change: files written (as blobs already in the object database),
/// files removed, the message, who and when.
#[derive(Clone, Debug)]
pub struct Change {
    /// The full commit message.
    pub message: String,
    /// Author and committer.
    pub author: Person,
    /// Seconds since the epoch.
    pub time: i64,
    /// Paths and the blobs to put there.
    pub writes: Vec<(String, Oid)>,
    /// Paths to remove.
    pub removes: Vec<String>,
}

impl Change {
    /// Every path the change touches.
    pub fn paths(&self) -> Vec<String> {
        self.writes
            .iter()
            .map(|(p, _)| p.clone())
            .chain(self.removes.iter().cloned())
            .collect()
    }
}

/// Held while a writer checks the work tree or moves the branch and syncs the work tree.
/// An OS file lock: released by the kernel if the process dies, so it never goes stale.
pub struct WriterLock(#[allow(dead_code)] File);

/// A wf store: a git repository.
pub struct Store {
    repo: Repository,
    /// Trees already read and checked, by id.
    trees: TreeCache,
    /// wf's pack reader, opened when a reader is first asked for: what it reads, libgit2 does
    /// not (its zlib was most of `wf-ls`'s reading of the task folders).
    packs: std::cell::OnceCell<std::cell::RefCell<crate::pack::Packs>>,
}

/// Read objects by id without re-hashing each one (libgit2's default; a fifth of the verifier's
/// time and a tenth of `wf-ls`'s). Git hashes objects once, when they arrive (`index-pack` on a
/// push or fetch, `git fsck`), and trusts its object database afterwards; so do the tools.
pub fn trust_object_ids() {
    git2::opts::strict_hash_verification(false);
}

impl Store {
    /// Find the repository containing `dir` (like git: walks up; honours `GIT_DIR`).
    pub fn discover(dir: &Path) -> Result<Store> {
        trust_object_ids();
        let repo = if std::env::var_os("GIT_DIR").is_some() {
            Repository::open_from_env()
        } else {
            Repository::discover(dir)
        };
        match repo {
            Ok(repo) => Ok(Store::of(repo)),
            Err(_) => Err(StoreError::NotARepo(dir.display().to_string())),
        }
    }

    /// Open an existing repository at `dir`, or create one there (branch `main`).
    pub fn open_or_init(dir: &Path, bare: bool) -> Result<(Store, bool)> {
        trust_object_ids();
        if let Ok(repo) = Repository::open(dir) {
            return Ok((Store::of(repo), false));
        }
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main").bare(bare).mkpath(true);
        let repo = Repository::init_opts(dir, &opts)?;
        Ok((Store::of(repo), true))
    }

    fn of(repo: Repository) -> Store {
        Store {
            repo,
            trees: TreeCache::default(),
            packs: std::cell::OnceCell::new(),
        }
    }

    /// A reader of this repository's trees through the canonical check (see [`crate::tree`]):
    /// packed objects through wf's pack reader, the others (loose ones, those written since it
    /// opened) through libgit2.
    pub fn reader(&self) -> Result<Reader<'_>> {
        let packs = self.packs.get_or_init(|| {
            std::cell::RefCell::new(crate::pack::Packs::open(
                &self.repo.commondir().join("objects"),
            ))
        });
        Ok(Reader::with_packs(&self.repo, &self.trees, packs)?)
    }

    /// The root tree of a commit.
    pub fn root(&self, commit: Oid) -> Result<Oid> {
        Ok(self.repo.find_commit(commit)?.tree_id())
    }

    /// The underlying git2 repository, for reads the store has no method for.
    pub fn git(&self) -> &Repository {
        &self.repo
    }

    /// The work tree, `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The branch HEAD names (`refs/heads/main`), also when it has no commit yet.
    pub fn branch(&self) -> Result<String> {
        if self.repo.head_detached().unwrap_or(false) {
            return Err(StoreError::Detached);
        }
        let head = self.repo.find_reference("HEAD")?;
        match head.symbolic_target() {
            Some(t) => Ok(t.to_string()),
            None => Err(StoreError::Detached),
        }
    }

    /// The commit a branch points at; `None` when it has none yet.
    pub fn tip(&self, branch: &str) -> Result<Option<Oid>> {
        match self.repo.refname_to_id(branch) {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The commit HEAD resolves to, whether on a branch or detached; `None` when unborn.
    pub fn head_commit(&self) -> Result<Option<Oid>> {
        match self.repo.head() {
            Ok(h) => Ok(Some(h.peel_to_commit()?.id())),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Read a file at a commit; `None` if absent. Every tree on the way is read through the
    /// canonical check, and the file must be a regular file of at most the size limit.
    pub fn read(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        let root = self.root(commit)?;
        Ok(self
            .reader()?
            .file(root, path, wf_core::task::MAX_FILE_SIZE)?)
    }

    /// Read a UTF-8 text file at a commit.
    pub fn read_text(&self, commit: Oid, path: &str) -> Result<Option<String>> {
        match self.read(commit, path)? {
            None => Ok(None),
            Some(b) => String::from_utf8(b)
                .map(Some)
                .map_err(|_| StoreError::NotUtf8(path.to_string())),
        }
    }

    /// The names of the regular files directly inside a folder at a commit (empty if none).
    pub fn list(&self, commit: Oid, dir: &str) -> Result<Vec<String>> {
        let root = self.root(commit)?;
        Ok(self
            .reader()?
            .list(root, dir)?
            .iter()
            .filter(|e| e.mode == Mode::File)
            .map(Entry::name)
            .collect())
    }

    /// The ids of the task files at a commit (`tasks/<shard>/<id>.toml`); entries that are no
    /// task's file are left out.
    pub fn task_ids(&self, commit: Oid) -> Result<Vec<String>> {
        Ok(self
            .task_files(commit)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// [`Store::task_ids`] with the blob of each task file.
    pub fn task_files(&self, commit: Oid) -> Result<Vec<(String, Oid)>> {
        self.task_files_in(commit, None)
    }

    /// The tree of a commit's `tasks/` folder, when it has one: the root read through the
    /// canonical check. Its id names every byte of every task file, as a blob id names a file's.
    pub fn tasks_tree(&self, commit: Oid) -> Result<Option<Oid>> {
        let root = self.root(commit)?;
        Ok(self
            .reader()?
            .entry(root, "tasks")?
            .filter(|e| e.mode == Mode::Tree)
            .map(|e| tree::oid(&e)))
    }

    /// [`Store::task_files`] of one shard (`tasks/<shard>/`), or of all of them.
    pub fn task_files_in(&self, commit: Oid, only: Option<&str>) -> Result<Vec<(String, Oid)>> {
        let root = self.root(commit)?;
        let reader = self.reader()?;
        let mut files = Vec::new();
        for shard in reader.list(root, "tasks")? {
            if shard.mode != Mode::Tree || only.is_some_and(|o| o.as_bytes() != &*shard.name) {
                continue;
            }
            let sname = shard.name();
            let dir = format!("tasks/{sname}");
            for e in reader.tree(tree::oid(&shard), Area::Wf, &dir)?.iter() {
                if e.mode != Mode::File {
                    continue;
                }
                if let Some(wf_core::task::TaskEntry::File(id)) =
                    wf_core::task::locate(&format!("{sname}/{}", e.name()))
                {
                    files.push((id.to_string(), tree::oid(e)));
                }
            }
        }
        Ok(files)
    }

    /// Store bytes as a blob.
    pub fn blob(&self, bytes: &[u8]) -> Result<Oid> {
        Ok(self.repo.blob(bytes)?)
    }

    /// Stream a reader into a blob, hashing as it goes: memory stays bounded whatever the size.
    /// Returns the blob, the sha256 (hex) and the size. A stream longer than `limit` bytes is
    /// refused as soon as it passes the limit ([`StoreError::TooLarge`]): reading stops there
    /// and the partial blob is discarded (its temporary file removed), so nothing is stored.
    pub fn blob_from_reader(&self, mut r: impl Read, limit: u64) -> Result<(Oid, String, u64)> {
        let mut w = self.repo.blob_writer(None)?;
        let mut hasher = Hasher::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::Io("reading output".into(), e)),
            };
            if size + n as u64 > limit {
                // Dropping the unfinished writer deletes its temporary file.
                drop(w);
                return Err(StoreError::TooLarge(limit));
            }
            hasher.update(&buf[..n]);
            std::io::Write::write_all(&mut w, &buf[..n])
                .map_err(|e| StoreError::Io("writing blob".into(), e))?;
            size += n as u64;
        }
        Ok((w.commit()?, hasher.finish(), size))
    }

    /// Build, sign and write a commit on `parent` (none for the first commit). Does not move
    /// any branch.
    pub fn commit(&self, parent: Option<Oid>, change: &Change, signer: &dyn Signer) -> Result<Oid> {
        let parent_commit = parent.map(|p| self.repo.find_commit(p)).transpose()?;
        let tree_id = match &parent_commit {
            Some(c) => {
                let mut upd = TreeUpdateBuilder::new();
                for (path, oid) in &change.writes {
                    upd.upsert(path.as_str(), *oid, FileMode::Blob);
                }
                for path in &change.removes {
                    upd.remove(path.as_str());
                }
                upd.create_updated(&self.repo, &c.tree()?)?
            }
            None => {
                // A first commit: build its tree in a fresh in-memory index, so that no
                // unreferenced empty tree is left behind for `git fsck` to report.
                let mut index = git2::Index::new()?;
                for (path, oid) in &change.writes {
                    index.add(&index_entry(path, *oid))?;
                }
                index.write_tree_to(&self.repo)?
            }
        };
        let tree = self.repo.find_tree(tree_id)?;
        let sig = git2::Signature::new(
            &change.author.name,
            &change.author.email,
            &git2::Time::new(change.time, 0),
        )?;
        let parents: Vec<&git2::Commit> = parent_commit.iter().collect();
        let buf = self
            .repo
            .commit_create_buffer(&sig, &sig, &change.message, &tree, &parents)?;
        let content = buf
            .as_str()
            .ok_or_else(|| StoreError::NotUtf8("commit".into()))?;
        let signature = signer.sign(content.as_bytes())?;
        Ok(self
            .repo
            .commit_signed(content, signature.trim_end(), Some("gpgsig"))?)
    }

    /// Move `branch` from `expected` to `new`, only if it still points at `expected`
    /// (compare-and-swap). Returns false when another writer moved it first. A git lock file in
    /// the way (`refs/heads/BRANCH.lock`) is waited for a moment, then reported as
    /// [`StoreError::Locked`]: it is no lost race, and retrying would not help.
    pub fn advance(
        &self,
        branch: &str,
        expected: Option<Oid>,
        new: Oid,
        log: &str,
    ) -> Result<bool> {
        let r = crate::locks::patiently(&self.ref_lock(branch), || {
            match expected {
                Some(old) => self.repo.reference_matching(branch, new, true, old, log),
                None => self.repo.reference(branch, new, false, log),
            }
            .map(|_| ())
        });
        match r {
            Ok(()) => Ok(true),
            Err(StoreError::Git(e))
                if matches!(e.code(), ErrorCode::Modified | ErrorCode::Exists) =>
            {
                Ok(false)
            }
            Err(StoreError::Locked(p)) => {
                let packed = self.repo.commondir().join("packed-refs.lock");
                let found = [p.clone(), packed]
                    .into_iter()
                    .find(|l| l.symlink_metadata().is_ok());
                Err(StoreError::Locked(found.unwrap_or(p)))
            }
            Err(e) => Err(e),
        }
    }

    /// Take the writer lock (`<git-dir>/wf.lock`), waiting for other writers.
    pub fn lock(&self) -> Result<WriterLock> {
        let path = self.repo.path().join("wf.lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Io(path.display().to_string(), e))?;
        f.lock()
            .map_err(|e| StoreError::Io(path.display().to_string(), e))?;
        Ok(WriterLock(f))
    }

    /// Refuse when any of these paths (files or folders ending in `/`) has uncommitted edits in
    /// the work tree or the index, or untracked files. A bare repository is always clean.
    pub fn check_clean(&self, paths: &[String], _lock: &WriterLock) -> Result<()> {
        if self.repo.is_bare() || paths.is_empty() || self.surely_clean(paths) {
            return Ok(());
        }
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .disable_pathspec_match(false);
        for p in paths {
            opts.pathspec(p);
        }
        let statuses = self.repo.statuses(Some(&mut opts))?;
        let dirty: Vec<String> = statuses
            .iter()
            .filter(|s| s.status() != Status::CURRENT && !s.status().contains(Status::IGNORED))
            .filter_map(|s| s.path().map(str::to_string))
            .collect();
        if dirty.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Dirty(dirty.join(", ")))
        }
    }

    /// Whether these paths are clean by the index's own evidence, as git judges it: the index
    /// (in the plain form [`GitIndex`] reads) holds exactly the regular files HEAD holds there,
    /// and exactly the work tree's files, each with the stat data the index recorded (a file
    /// stamped in the tick the index was written is compared by content). `false` when unsure
    /// (anything else: an edit, an untracked or ignored file, a link, an unborn branch, a
    /// pathspec with wildcards): libgit2's status then decides, and names the paths.
    fn surely_clean(&self, paths: &[String]) -> bool {
        let (Some(workdir), Some(index)) = (self.repo.workdir(), GitIndex::read(self.repo.path()))
        else {
            return false;
        };
        let Some(root) = self
            .repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .and_then(|c| self.root(c).ok())
        else {
            return false;
        };
        let Ok(reader) = self.reader() else {
            return false;
        };
        paths
            .iter()
            .all(|p| path_clean(&reader, root, &index, workdir, p).unwrap_or(false))
    }

    /// The signature status of a commit, checked in process.
    pub fn signature(&self, commit: Oid) -> SigStatus {
        crate::history::signature(&self.repo, commit)
    }

    /// Set a key in the repository's own config (`.git/config`).
    pub fn set_config(&self, key: &str, value: &str) -> Result<()> {
        let mut cfg = self.repo.config()?.open_level(git2::ConfigLevel::Local)?;
        cfg.set_str(key, value)?;
        Ok(())
    }

    /// A config value as git reads it (local, global, system).
    pub fn config(&self, key: &str) -> Option<String> {
        self.repo.config().ok()?.get_string(key).ok()
    }

    /// The git directory.
    pub fn git_dir(&self) -> PathBuf {
        self.repo.path().to_path_buf()
    }
}

/// See [`Store::surely_clean`]: `Some(true)` when the file or folder `path` is clean, `None`
/// or `Some(false)` when unsure (a link among the folders on the way is never looked through).
fn path_clean(
    reader: &Reader,
    root: Oid,
    index: &GitIndex,
    workdir: &Path,
    path: &str,
) -> Option<bool> {
    if path.contains(['*', '?', '[', '\\']) {
        return None;
    }
    let path = path.trim_end_matches('/');
    let mut at_tip: Vec<(String, Oid)> = match reader.entry(root, path).ok()? {
        None => vec![],
        Some(e) if e.mode == Mode::File => vec![(path.to_string(), tree::oid(&e))],
        Some(e) if e.mode == Mode::Tree => {
            let mut files = Vec::new();
            for (rel, e) in reader.files_below(&e, path).ok()? {
                if e.mode != Mode::File {
                    return None;
                }
                files.push((format!("{path}/{rel}"), tree::oid(&e)));
            }
            files
        }
        Some(_) => return None,
    };
    at_tip.sort();
    let staged = index.under(path);
    let listed: Vec<(String, Oid)> = staged.iter().map(|(p, _, id)| (p.clone(), *id)).collect();
    if listed != at_tip {
        return Some(false);
    }
    // git does not look through a link on the way (it sees the link, not a folder).
    let mut dir = workdir.to_path_buf();
    for part in path.split('/').collect::<Vec<_>>().split_last()?.1 {
        dir.push(part);
        match dir.symlink_metadata() {
            Ok(m) if m.is_dir() => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            _ => return None,
        }
    }
    let mut files = Vec::new();
    work_files(&workdir.join(path), path, &mut files)?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    if files.len() != staged.len() {
        return Some(false);
    }
    let same = files.iter().zip(&staged).all(|((p, meta), (q, stat, id))| {
        p == q && index.matches(&workdir.join(p), meta, stat, *id)
    });
    Some(same)
}

/// The regular files at or below `file` (found at `path` of the work tree), by path; `None`
/// when anything else is there (a link) or cannot be read.
fn work_files(file: &Path, path: &str, out: &mut Vec<(String, std::fs::Metadata)>) -> Option<()> {
    let meta = match file.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(()),
        m => m.ok()?,
    };
    if meta.is_file() {
        out.push((path.to_string(), meta));
    } else if meta.is_dir() {
        for e in std::fs::read_dir(file).ok()? {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            work_files(&e.path(), &format!("{path}/{name}"), out)?;
        }
    } else {
        return None;
    }
    Some(())
}

fn index_entry(path: &str, id: Oid) -> git2::IndexEntry {
    git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: u32::from(FileMode::Blob),
        uid: 0,
        gid: 0,
        file_size: 0,
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// The common ancestor of `tip` and `old` (libgit2's merge base) and the commits of `old`'s
/// history that are not in the ancestor's (`base..old`; none when `tip` descends from `old`):
/// what a cache of `old`'s history drops to serve `tip` from the ancestor on. `None` when they
/// have no common ancestor or it cannot be found.
pub fn rewind(
    repo: &Repository,
    tip: Oid,
    old: Oid,
) -> Option<(Oid, std::collections::HashSet<Oid>)> {
    let base = repo.merge_base(tip, old).ok()?;
    if base == old {
        return Some((base, Default::default()));
    }
    let mut walk = repo.revwalk().ok()?;
    walk.push(old).ok()?;
    walk.hide(base).ok()?;
    Some((base, walk.collect::<std::result::Result<_, _>>().ok()?))
}

/// [`descends_from`], giving up after visiting `limit` commits: `None` then. For a question
/// whose answer is most often near (a branch that moved on by a few commits), where "no" would
/// walk the whole history.
pub fn descends_within(
    repo: &Repository,
    commit: Oid,
    ancestor: Oid,
    limit: usize,
) -> std::result::Result<Option<bool>, git2::Error> {
    if commit == ancestor {
        return Ok(Some(false));
    }
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::from([repo.find_commit(commit)?]);
    while let Some(c) = queue.pop_front() {
        if seen.len() >= limit {
            return Ok(None);
        }
        let parents = (0..c.parent_count())
            .map(|i| c.parent(i))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for p in parents {
            if p.id() == ancestor {
                return Ok(Some(true));
            }
            if seen.insert(p.id()) {
                queue.push_back(p);
            }
        }
    }
    Ok(Some(false))
}

/// Whether `commit` descends from `ancestor` (strictly: a commit does not descend from itself),
/// as `git_graph_descendant_of` says, found by walking back from `commit` breadth first. libgit2
/// answers with a merge-base search ordered by commit date, which walks the whole history when
/// the new commits carry earlier times than their parents (a client's clock behind the
/// server's: 1.1 s for a push at 100,000 commits); this walk visits only the commits between
/// the two when `ancestor` is one (`spec/bench.md`). As for libgit2, a parent on the way that is
/// not a commit of the repository (a blob named as a parent, an object not there) is an error,
/// checked before any parent of that commit is compared: a malformed commit never counts as a
/// descendant.
pub fn descends_from(
    repo: &Repository,
    commit: Oid,
    ancestor: Oid,
) -> std::result::Result<bool, git2::Error> {
    Ok(descends_within(repo, commit, ancestor, usize::MAX)?.unwrap_or(false))
}
