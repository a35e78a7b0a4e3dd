//! The facts of a commit, read through the checked tree reader: the top of its tree, the
//! files that changed under `.wf/` and `tasks/`, the policy of a `.wf/` tree, a task's files,
//! a tree's merge units, git's own top-level files.

use std::collections::BTreeMap;
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository};
use wf_core::policy::{self, Files, Loaded};
use wf_core::verify::{Blob, Check, Problem, TaskFiles, Units};
use wf_core::Task;

use super::{wf_files, Fail};
use crate::aging::Aging;
use crate::pack::Packs;
use crate::tree::{self, Area, Entry, Mode, Reader, TreeCache, TreeError};

/// A task file's text, the task it holds and whether the text is that task's canonical text
/// ([`TaskFiles::canonical`]), kept by blob id.
type KeptTask = (Rc<str>, Option<Rc<Task>>, bool);

/// A parsed policy, shared by the commits whose parent has the same `.wf/` tree.
pub(super) type Policy = Rc<Result<(Files, Loaded), String>>;

/// What one worker thread keeps between commits: its repository handle, the trees it checked,
/// the policies and tasks it parsed, the commits' headers and tops it read. A worker judges
/// consecutive commits, so a commit's parent was most often the commit before: its header, its
/// top, its task are read once.
pub(super) struct Worker<R> {
    repo: R,
    trees: TreeCache,
    caches: Caches,
    /// The worker's own reader of the repository's packs ([`crate::pack`]).
    packs: std::cell::RefCell<Packs>,
}

/// The per-worker caches of [`Worker`], each bounded ([`Aging`], [`CACHE_LIMIT`] a generation).
pub(super) struct Caches {
    policies: Aging<Oid, Policy>,
    headers: Aging<Oid, (Oid, Vec<Oid>)>,
    tops: Aging<Oid, Rc<Top>>,
    tasks: Aging<tree::ObjectId, KeptTask>,
    /// Whether a `.wf` tree holds `store.toml`, by its id.
    stores: Aging<Oid, bool>,
    /// Commits a merge judged again and found clean under the `.wf` of its landing parent
    /// ([`Ctx::rejudge`]), by commit and that `.wf`'s identity; cleared when it grows past
    /// [`REJUDGED_LIMIT`].
    rejudged: std::collections::HashSet<(Oid, Ident)>,
}

/// How many re-judged commits a worker remembers (about 100 bytes each).
const REJUDGED_LIMIT: usize = 1 << 18;

impl Default for Caches {
    fn default() -> Self {
        Caches {
            policies: Aging::new(CACHE_LIMIT),
            headers: Aging::new(CACHE_LIMIT),
            tops: Aging::new(CACHE_LIMIT),
            tasks: Aging::new(CACHE_LIMIT),
            stores: Aging::new(CACHE_LIMIT),
            rejudged: Default::default(),
        }
    }
}

/// How many entries each generation of a worker's cache keeps.
const CACHE_LIMIT: usize = 512;

impl Worker<Repository> {
    pub(super) fn new(repo: Repository) -> Self {
        Worker {
            packs: packs_of(&repo),
            repo,
            trees: TreeCache::default(),
            caches: Caches::default(),
        }
    }

    /// Go on with a fresh handle on the same repository, keeping what was checked and parsed
    /// (the caches are by object id). When the last handle on a pack goes, libgit2 unmaps it:
    /// this is what bounds the pack pages a worker holds ([`super::RENEW_AFTER`]).
    /// The old handle is dropped before the new one is opened, which would otherwise share
    /// its pack.
    pub(super) fn renewed(
        self,
        open: &dyn Fn() -> Result<Repository, git2::Error>,
    ) -> Result<Self, git2::Error> {
        let Worker {
            repo,
            trees,
            caches,
            packs,
        } = self;
        drop(repo);
        Ok(Worker {
            repo: open()?,
            trees,
            caches,
            packs,
        })
    }
}

impl<'r> Worker<&'r Repository> {
    pub(super) fn new_borrowed(repo: &'r Repository) -> Self {
        Worker {
            packs: packs_of(repo),
            repo,
            trees: TreeCache::default(),
            caches: Caches::default(),
        }
    }
}

impl<R: std::borrow::Borrow<Repository>> Worker<R> {
    /// A judging context over this worker's caches.
    pub(super) fn ctx(&mut self) -> Result<Ctx<'_>, git2::Error> {
        let repo = self.repo.borrow();
        Ok(Ctx {
            repo,
            trees: Reader::with_packs(repo, &self.trees, &self.packs)?,
            caches: &mut self.caches,
        })
    }
}

/// The pack reader of a judging thread: the repository's packs, and in a hook the packs of
/// git's quarantine too (`GIT_OBJECT_DIRECTORY` with `GIT_QUARANTINE_PATH` set), so that a push
/// is read as its objects will be once they land. Pushed packs read by libgit2 alone let a
/// delta chain longer than [`crate::pack::MAX_CHAIN`] through, which the reader then refused
/// in every later push to the branch (found by a red-team helper on 2026-12-02).
fn packs_of(repo: &Repository) -> std::cell::RefCell<Packs> {
    let own = repo.commondir().join("objects");
    let quarantine = std::env::var_os("GIT_QUARANTINE_PATH")
        .and_then(|_| std::env::var_os("GIT_OBJECT_DIRECTORY"))
        .map(std::path::PathBuf::from);
    let mut folders: Vec<&std::path::Path> = quarantine.iter().map(|q| q.as_path()).collect();
    folders.push(&own);
    std::cell::RefCell::new(Packs::open_in(&folders, crate::pack::BLOCKS))
}

/// What [`Ctx::task_files`] reads of the files under a task's folder.
#[derive(Clone, Copy)]
pub(super) enum Folder<'a> {
    /// Their blob ids only.
    Ids,
    /// Their contents too, for the files that are not in the given files with the same id.
    Contents(&'a TaskFiles),
}

/// An entry's identity as stored: its mode's digits and its object.
pub(super) type Ident = Option<(Vec<u8>, tree::ObjectId)>;

/// What the top of a commit's tree says, read before the commit is judged.
pub(super) struct Top {
    /// The root tree.
    pub(super) root: Oid,
    /// Why the top level is not canonical, if it is not.
    pub(super) problem: Option<String>,
    /// The identity (the mode as stored, and the object) of the `.wf` and `tasks` entries.
    pub(super) wf: Ident,
    pub(super) tasks: Ident,
    /// The identities of git's own top-level files that change what git shows of a store.
    pub(super) attributes: Ident,
    pub(super) mailmap: Ident,
    /// Whether it claims to be a store: a `.wf` entry that is a tree holding `store.toml`,
    /// whatever its mode says and however its trees are formed (a claim is judged, never
    /// taken on trust).
    pub(super) store: bool,
}

pub(super) fn git_problem(e: git2::Error) -> Problem {
    Problem::new(Check::Malformed, format!("git: {}", e.message()))
}

/// Reading (and, in `judge`, judging) one commit at a time.
pub(super) struct Ctx<'r> {
    pub(super) repo: &'r Repository,
    pub(super) trees: Reader<'r>,
    caches: &'r mut Caches,
}

impl Ctx<'_> {
    /// Whether `c` was found clean under the `.wf` identity `wf` by an earlier re-judgement.
    pub(super) fn rejudged(&self, c: Oid, wf: &Ident) -> bool {
        self.caches.rejudged.contains(&(c, wf.clone()))
    }

    /// Remember that `c` is clean under `wf`.
    pub(super) fn rejudged_clean(&mut self, c: Oid, wf: &Ident) {
        if self.caches.rejudged.len() >= REJUDGED_LIMIT {
            self.caches.rejudged.clear();
        }
        self.caches.rejudged.insert((c, wf.clone()));
    }
}

/// The paths (from the repository root) of the files that differ between two versions of a
/// folder entry, reading every tree on the way through the canonical check. Only folders
/// whose identity (mode and id) differs are read, so the cost follows the size of the change,
/// not of the trees; and every new tree of a commit under `.wf/` or `tasks/` lies on such a
/// path, so each one is checked.
pub(super) fn changes(
    trees: &Reader,
    before: Option<&Entry>,
    after: Option<&Entry>,
    path: &str,
    out: &mut Vec<String>,
) -> Result<(), TreeError> {
    if let Some(e) = tree::too_deep(path) {
        return Err(e);
    }
    let folder = |e: Option<&Entry>| e.filter(|e| e.mode == Mode::Tree).map(tree::oid);
    let sub = |e: Option<&Entry>, like: Option<Oid>| -> Result<Option<Rc<Vec<Entry>>>, TreeError> {
        folder(e)
            .map(|id| trees.tree_like(id, Area::Wf, path, like))
            .transpose()
    };
    // The new folder is most often the old one with an id changed: compared with it, not
    // parsed again (`Reader::tree_like`).
    let (old, new) = (sub(before, None)?, sub(after, folder(before))?);
    if old.is_none() && new.is_none() {
        out.push(path.to_string());
        return Ok(());
    }
    if before.is_some_and(|e| e.mode != Mode::Tree) || after.is_some_and(|e| e.mode != Mode::Tree) {
        // A file became a folder or the reverse: the file's path changed too.
        out.push(path.to_string());
    }
    let empty: Rc<Vec<Entry>> = Rc::new(Vec::new());
    let (old, new) = (old.unwrap_or_else(|| empty.clone()), new.unwrap_or(empty));
    // Both lists are in git's order (checked), so one merge-join pass pairs them.
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some(o), Some(n)) => wf_core::tree::git_order(o, n),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (o, n) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (old.get(i - 1), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, new.get(j - 1))
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                let (o, n) = (&old[i - 1], &new[j - 1]);
                if (o.mode, o.id) == (n.mode, n.id) {
                    continue;
                }
                (Some(o), Some(n))
            }
        };
        let name = o.or(n).map(Entry::name).unwrap_or_default();
        changes(trees, o, n, &tree::join(path, &name), out)?;
    }
    Ok(())
}

impl Ctx<'_> {
    /// The bytes of a commit object.
    pub(super) fn commit_bytes(&self, oid: Oid) -> Result<Vec<u8>, Fail> {
        let (kind, data) = self.trees.raw(oid)?;
        if kind != ObjectType::Commit {
            return Err(Fail::Refused(format!("{oid} is not a commit")));
        }
        Ok(data)
    }

    /// The root tree and the parents of a commit, as its bytes say (cached: a commit's parent
    /// was most often the commit judged before).
    pub(super) fn header(&mut self, commit: Oid) -> Result<(Oid, Vec<Oid>), Fail> {
        if let Some(h) = self.caches.headers.get(&commit) {
            return Ok(h);
        }
        let data = self.commit_bytes(commit)?;
        let h = crate::raw::header(&data).map_err(Fail::Refused)?;
        self.caches.headers.insert(commit, h.clone());
        Ok(h)
    }

    /// Check that `commit`'s own parents are `followed`, those a listing followed from git's
    /// commit-graph ([`super::Listing::followed`]). A commit whose header cannot be read is
    /// let pass only when its report already has a problem (`clean` false); any other
    /// difference fails the run: the listing may have left a commit out.
    pub(super) fn check_followed(
        &mut self,
        commit: Oid,
        followed: &[Oid],
        clean: bool,
    ) -> Result<(), git2::Error> {
        let own = match self.header(commit) {
            Ok((_, own)) => own,
            Err(_) if !clean => return Ok(()),
            Err(Fail::Git(e)) => return Err(e),
            Err(Fail::Refused(why)) => return Err(git2::Error::from_str(&why)),
        };
        if own == followed {
            return Ok(());
        }
        // At most 16 named (a merge has at most 16 parents, rule 12), and how many more.
        let list = |p: &[Oid]| match p {
            [] => "none".to_string(),
            _ => {
                let mut named = p
                    .iter()
                    .take(16)
                    .map(Oid::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                if p.len() > 16 {
                    named.push_str(&format!(" and {} more", p.len() - 16));
                }
                named
            }
        };
        Err(git2::Error::from_str(&format!(
            "commit {commit} has the parents {}, but git's commit-graph gave {}: the range was \
             listed from a graph that does not match the commits, and may leave some out \
             (remove {} and list again, or set WF_COMMIT_GRAPH=never)",
            list(&own),
            list(followed),
            self.repo
                .commondir()
                .join("objects/info/commit-graph")
                .display()
        )))
    }

    /// Remember a commit's header, read from bytes at hand.
    pub(super) fn remember_header(&mut self, commit: Oid, h: &(Oid, Vec<Oid>)) {
        self.caches.headers.insert(commit, h.clone());
    }

    /// The root tree of a commit, as its first header names it.
    pub(super) fn root_of(&mut self, commit: Oid) -> Result<Oid, Fail> {
        Ok(self.header(commit)?.0)
    }

    /// The top of a root tree (see [`Top`]), cached by the tree's id.
    pub(super) fn top(&mut self, root: Oid) -> Result<Rc<Top>, git2::Error> {
        if let Some(t) = self.caches.tops.get(&root) {
            return Ok(t);
        }
        let t = Rc::new(self.read_top(root)?);
        self.caches.tops.insert(root, t.clone());
        Ok(t)
    }

    fn read_top(&mut self, root: Oid) -> Result<Top, git2::Error> {
        let mut top = Top {
            root,
            problem: None,
            wf: None,
            tasks: None,
            attributes: None,
            mailmap: None,
            store: false,
        };
        let Some(bytes) = self.trees.raw_tree(root)? else {
            top.problem = Some("the commit's tree is not a tree".into());
            return Ok(top);
        };
        let entries = match wf_core::tree::scan(&bytes) {
            Ok(e) => e,
            Err(e) => {
                top.problem = Some(format!("the commit's tree does not parse: {e}"));
                return Ok(top);
            }
        };
        match wf_core::tree::parse(&bytes, Area::Top) {
            // Checked as the reader checks a top-level tree: it need not read it again.
            Ok(checked) => {
                self.trees.keep(root, Area::Top, checked);
            }
            Err(e) => top.problem = Some(e),
        }
        let identity = |n: &str| {
            entries
                .iter()
                .find(|e| e.name == n.as_bytes())
                .map(|e| (e.mode.to_vec(), e.id))
        };
        top.wf = identity(".wf");
        top.tasks = identity("tasks");
        top.attributes = identity(wf_core::checkout::ATTRIBUTES_FILE);
        top.mailmap = identity(wf_core::checkout::MAILMAP_FILE);
        for e in entries.iter().filter(|e| e.name == b".wf") {
            let id = Oid::from_bytes(&e.id.0)?;
            let holds = match self.caches.stores.get(&id) {
                Some(h) => h,
                None => {
                    let h = self
                        .trees
                        .raw_tree(id)?
                        .and_then(|b| {
                            wf_core::tree::scan(&b)
                                .ok()
                                .map(|es| es.iter().any(|x| x.name == b"store.toml"))
                        })
                        .unwrap_or(false);
                    self.caches.stores.insert(id, h);
                    h
                }
            };
            top.store |= holds;
        }
        Ok(top)
    }

    /// The checked entry of `.wf` or `tasks` at the top of a root tree.
    pub(super) fn area(&self, root: Oid, name: &str) -> Result<Option<Entry>, TreeError> {
        self.trees.entry(root, name)
    }

    /// Judge git's own top-level files of a store's root tree (see [`wf_core::checkout`]).
    pub(super) fn git_files(&mut self, root: Oid) -> Result<Option<Problem>, Fail> {
        use wf_core::checkout::{self, ATTRIBUTES_FILE, MAILMAP_FILE};
        let limit = wf_core::task::MAX_FILE_SIZE;
        let bad = |why: String| Ok(Some(Problem::new(Check::Malformed, why)));
        if let Some(bytes) = self.trees.file(root, ATTRIBUTES_FILE, limit)? {
            if let Err(why) = checkout::check_attributes(&bytes) {
                return bad(why);
            }
        }
        if let Some(bytes) = self.trees.file(root, MAILMAP_FILE, limit)? {
            if let Ok((_, loaded)) = self.policy(root)?.as_ref() {
                if let Err(why) = checkout::check_mailmap(&bytes, &loaded.actors) {
                    return bad(why);
                }
            }
        }
        Ok(None)
    }

    /// The parsed policy of a root tree, cached by the id of its `.wf` tree.
    pub(super) fn policy(&mut self, root: Oid) -> Result<Policy, TreeError> {
        let key = self
            .area(root, ".wf")?
            .map_or_else(Oid::zero, |e| tree::oid(&e));
        if let Some(p) = self.caches.policies.get(&key) {
            return Ok(p);
        }
        let files = wf_files(&self.trees, root)?;
        let loaded = policy::load(&files).map(|l| (files, l));
        let p = Rc::new(loaded);
        self.caches.policies.insert(key, p.clone());
        Ok(p)
    }

    /// A task's file and folder in a root tree. With `Folder::Contents`, contents (sha256,
    /// size) are read for the folder's files that are new or changed relative to the given
    /// files; with `Folder::Ids`, only their blob ids are listed (a parent's folder: the core
    /// compares it by ids and never asks for its contents).
    pub(super) fn task_files(
        &mut self,
        root: Oid,
        id: &str,
        folder: Folder<'_>,
    ) -> Result<TaskFiles, TreeError> {
        let mut out = TaskFiles::default();
        let path = Task::path(id);
        if let Some(e) = self.trees.entry(root, &path)? {
            if e.mode != Mode::File {
                return Err(TreeError::Refused(format!(
                    "{path} is {} (mode {}), not a regular file",
                    e.mode.what(),
                    e.mode
                )));
            }
            // Read and parsed once per blob: the parent's task file is most often the one a
            // commit judged shortly before wrote.
            let (text, parsed, canonical) = match self.caches.tasks.get(&e.id) {
                Some(known) => known,
                None => {
                    let b = self
                        .trees
                        // No longer than a file wf reads as TOML: a longer one is refused
                        // from its size, never inflated (it was read whole up to 64 MiB).
                        .blob(tree::oid(&e), &path, wf_core::text::MAX_TOML_SIZE as u64)?;
                    // Strictly, as the tools read it (`Store::read_text`): decoded lossily,
                    // any bytes that are not UTF-8 would stand for U+FFFD, and a file holding
                    // them in place of one would compare equal to its canonical text.
                    let text: Rc<str> = String::from_utf8(b)
                        .map_err(|_| TreeError::Refused(format!("{path} is not valid UTF-8")))?
                        .into();
                    // The tools write the canonical text, which a faster reader than the toml
                    // crate's reads and proves it read right (`Task::parse_canonical`).
                    let (parsed, canonical) = match Task::parse_canonical(&text) {
                        Some(t) => (Some(t), true),
                        None => (Task::parse(&text).ok(), false),
                    };
                    let parsed = parsed.map(Rc::new);
                    self.caches
                        .tasks
                        .insert(e.id, (text.clone(), parsed.clone(), canonical));
                    (text, parsed, canonical)
                }
            };
            out.parsed = parsed;
            out.canonical = canonical;
            out.task = Some(text.to_string());
        }
        let dir_path = Task::dir(id);
        let dir_path = dir_path.trim_end_matches('/');
        let Some(dir) = self.trees.entry(root, dir_path)? else {
            return Ok(out);
        };
        if dir.mode != Mode::Tree {
            out.dir.insert(
                "(not a folder)".into(),
                Blob {
                    oid: dir.id.hex(),
                    content: None,
                },
            );
            return Ok(out);
        }
        for (rel, e) in self.trees.files_below(&dir, dir_path)? {
            let oid = e.id.hex();
            let full = format!("{dir_path}/{rel}");
            let unchanged = match folder {
                Folder::Ids => true,
                Folder::Contents(before) => before.dir.get(&rel).is_some_and(|b| b.oid == oid),
            };
            let content = if unchanged {
                None
            } else {
                let size = self.trees.blob_size(tree::oid(&e), &full)?;
                if size > wf_core::task::MAX_FILE_SIZE {
                    // Never read into memory: reported by its size.
                    out.oversized.push((full, size));
                    None
                } else {
                    let bytes = self.trees.blob(tree::oid(&e), &full, size)?;
                    Some((wf_core::digest::sha256_hex(&bytes), bytes.len() as u64))
                }
            };
            out.dir.insert(rel, Blob { oid, content });
        }
        Ok(out)
    }

    /// The bytes of every file under a task's folder in a root tree, by path relative to the
    /// folder: what the task's prompt is rendered from ([`TaskFiles::read`]). Each file is at
    /// most the size limit of a task file (a larger one is refused, unread).
    pub(super) fn task_bytes(
        &self,
        root: Oid,
        id: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, TreeError> {
        let mut out = BTreeMap::new();
        let dir_path = Task::dir(id);
        let dir_path = dir_path.trim_end_matches('/');
        let Some(dir) = self.trees.entry(root, dir_path)? else {
            return Ok(out);
        };
        if dir.mode != Mode::Tree {
            return Ok(out);
        }
        for (rel, e) in self.trees.files_below(&dir, dir_path)? {
            let full = format!("{dir_path}/{rel}");
            let bytes = self
                .trees
                .blob(tree::oid(&e), &full, wf_core::task::MAX_FILE_SIZE)?;
            out.insert(rel, bytes);
        }
        Ok(out)
    }

    /// The units of a root tree (see [`core::check_merge`]); `None` for a tree without a store.
    /// Every tree read on the way is checked, so a merge cannot hide a repeated entry or a
    /// changed mode in the folders it builds.
    pub(super) fn units(&self, top: &Top) -> Result<Option<Units>, TreeError> {
        if !top.store {
            return Ok(None);
        }
        let mut m = BTreeMap::new();
        if let Some(e) = self.area(top.root, ".wf")? {
            m.insert(".wf".to_string(), (Some(e.identity()), None));
        }
        let Some(tasks) = self.area(top.root, "tasks")? else {
            return Ok(Some(m));
        };
        for shard in self
            .trees
            .tree(tree::oid(&tasks), Area::Wf, "tasks")?
            .iter()
        {
            let sname = shard.name();
            if shard.mode != Mode::Tree {
                // A stray file among the shards: a unit of its own.
                m.insert(format!("tasks/{sname}"), (Some(shard.identity()), None));
                continue;
            }
            let spath = format!("tasks/{sname}");
            for e in self.trees.tree(tree::oid(shard), Area::Wf, &spath)?.iter() {
                let name = e.name();
                let (id, is_file) = match name.strip_suffix(".toml") {
                    Some(id) => (id, true),
                    None => (name.as_str(), false),
                };
                let key = if wf_core::task::shard(id) == sname && !id.contains('/') {
                    id.to_string()
                } else {
                    format!("tasks/{sname}/{name}")
                };
                let u = m.entry(key).or_insert((None, None));
                let v = Some(e.identity());
                if is_file {
                    u.0 = v;
                } else {
                    u.1 = v;
                }
            }
        }
        Ok(Some(m))
    }
}
