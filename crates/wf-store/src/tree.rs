//! The one tree reader: every tree wf reads, the verifier's and the tools', is read here from
//! its raw bytes and checked by [`wf_core::tree`] before anything is taken from it. libgit2's
//! own tree view (which normalises modes and bisects past repeated or unsorted entries) is
//! never consulted for what a store holds, so what `wf-show` and `wf-review --diff` show, what
//! the work tree receives and what the verifier judged are the same bytes.

use std::cell::RefCell;
use std::rc::Rc;

use git2::{ObjectType, Odb, Oid, Repository};
use thiserror::Error;
pub use wf_core::tree::{Area, Entry, Mode, ObjectId};

use crate::aging::Aging;
use crate::pack::{Got, Packs};

/// Why a tree could not be read.
#[derive(Debug, Error)]
pub enum TreeError {
    /// The tree (or an object it names) is not in the form git writes, or not what its entry
    /// says it is; the message names the path.
    #[error("{0}")]
    Refused(String),
    /// libgit2 failed underneath (a missing object, an I/O error).
    #[error("git: {}", .0.message())]
    Git(#[from] git2::Error),
}

type Result<T> = std::result::Result<T, TreeError>;

/// Checked trees by object id and area, shared by the readers of one store (a tree is the same
/// bytes wherever it is met, so its verdict never goes stale), each kept in two generations
/// ([`Aging`]) by where it was met: a commit's root and its top-level folders (`tasks/`,
/// `.wf/`) in [`TOPS_LIMIT`], the folders below them (shards, task folders) in [`CACHE_LIMIT`].
/// A commit makes a new root and a new `tasks/` tree, which its child compares with and nothing
/// reads again; kept with the shards, they pushed out the parent's version of a shard, which a
/// commit changing that shard reads hundreds of commits later (at 100,000 commits it was parsed
/// again in a third of the commits).
pub struct TreeCache {
    tops: RefCell<Aging<(Oid, Area), Kept>>,
    below: RefCell<Aging<(Oid, Area), Kept>>,
    /// The last tree kept at each path one folder below the top (`tasks/<shard>`, a folder of
    /// `.wf`), by path: at most [`LATEST_LIMIT`] paths. A commit's parent's shard is most
    /// often the version the shard was last changed to, which at 100,000 commits (256 shards,
    /// each changed about every 256th commit) had left the generations below more often than
    /// not: it was read, inflated and checked again.
    latest: RefCell<std::collections::HashMap<String, Latest>>,
}

impl Default for TreeCache {
    fn default() -> Self {
        TreeCache {
            tops: RefCell::new(Aging::new(TOPS_LIMIT)),
            below: RefCell::new(Aging::new(CACHE_LIMIT)),
            latest: RefCell::default(),
        }
    }
}

/// The tree [`TreeCache::latest`] keeps at a path: its id and area, and what the generations
/// keep of it.
type Latest = ((Oid, Area), Kept);

/// A tree's entries, checked, and the bytes they were parsed from when the reader read them
/// (what [`wf_core::tree::parse_like`] compares a changed tree with).
#[derive(Clone)]
struct Kept {
    entries: Rc<Vec<Entry>>,
    bytes: Option<Rc<Vec<u8>>>,
}

/// How many checked trees below the top-level folders each generation of a cache keeps.
const CACHE_LIMIT: usize = 512;

/// How many roots and top-level folders each generation keeps.
const TOPS_LIMIT: usize = 32;

/// How many paths [`TreeCache::latest`] keeps a tree for (a store's ids make at most 256
/// shards); past it, it starts again empty. The trees are shared with the generations
/// while both keep them.
const LATEST_LIMIT: usize = 1024;

impl TreeCache {
    /// The generations that keep the trees met at `path` (empty for a root).
    fn at(&self, path: &str) -> &RefCell<Aging<(Oid, Area), Kept>> {
        if path.contains('/') {
            &self.below
        } else {
            &self.tops
        }
    }

    fn get(&self, path: &str, key: &(Oid, Area)) -> Option<Kept> {
        if let Some(k) = self.at(path).borrow_mut().get(key) {
            return Some(k);
        }
        let kept = {
            let latest = self.latest.borrow();
            let (at, kept) = latest.get(path)?;
            (at == key).then(|| kept.clone())?
        };
        // Young again: the same commit asks for it once more (its task's file, in the
        // parent's tree) after the new version took its place here.
        self.at(path).borrow_mut().insert(*key, kept.clone());
        Some(kept)
    }

    fn put(&self, path: &str, key: (Oid, Area), kept: Kept) {
        if path.matches('/').count() == 1 {
            let mut latest = self.latest.borrow_mut();
            if latest.len() >= LATEST_LIMIT && !latest.contains_key(path) {
                latest.clear();
            }
            latest.insert(path.to_string(), (key, kept.clone()));
        }
        self.at(path).borrow_mut().insert(key, kept);
    }
}

/// Reads trees and blobs of one repository through the canonical check.
pub struct Reader<'r> {
    odb: Odb<'r>,
    cache: &'r TreeCache,
    /// The verifier's own pack reader, asked before libgit2 ([`crate::pack`]).
    packs: Option<&'r RefCell<Packs>>,
}

/// The object id of an entry, for libgit2.
pub fn oid(e: &Entry) -> Oid {
    Oid::from_bytes(&e.id.0).unwrap_or_else(|_| Oid::zero())
}

/// The area of what lies below a top-level entry: wf's folders or anything else.
pub fn area_below(top_name: &[u8]) -> Area {
    if wf_core::tree::WF_DIRS
        .iter()
        .any(|d| d.as_bytes() == top_name)
    {
        Area::Wf
    } else {
        Area::Other
    }
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

impl<'r> Reader<'r> {
    /// A reader of `repo`'s objects, keeping checked trees in `cache`.
    pub fn new(
        repo: &'r Repository,
        cache: &'r TreeCache,
    ) -> std::result::Result<Self, git2::Error> {
        Ok(Reader {
            odb: repo.odb()?,
            cache,
            packs: None,
        })
    }

    /// [`Reader::new`], asking `packs` for each object first: what it reads cleanly is the
    /// object's bytes; what it does not ([`Got::NotHere`]) is read through libgit2.
    pub fn with_packs(
        repo: &'r Repository,
        cache: &'r TreeCache,
        packs: &'r RefCell<Packs>,
    ) -> std::result::Result<Self, git2::Error> {
        Ok(Reader {
            odb: repo.odb()?,
            cache,
            packs: Some(packs),
        })
    }

    /// The object `id` from the pack reader, if it has one that reads it.
    fn packed(&self, id: Oid, limit: u64) -> Got {
        match self.packs {
            Some(p) => p.borrow_mut().read(id, limit),
            None => Got::NotHere,
        }
    }

    /// The tree `id` found at `path` (empty for the top level), checked against `area`'s rules.
    pub fn tree(&self, id: Oid, area: Area, path: &str) -> Result<Rc<Vec<Entry>>> {
        self.tree_like(id, area, path, None)
    }

    /// [`Reader::tree`], for a tree that most likely differs from the tree `like` (the same
    /// folder in a parent commit) only in object ids: when `like` was checked in the same area
    /// and read here, the two trees' bytes are compared ([`wf_core::tree::parse_like`]) instead
    /// of parsing and checking the tree's entries again. Anything more than ids changed, and
    /// the tree is parsed and checked in full.
    pub fn tree_like(
        &self,
        id: Oid,
        area: Area,
        path: &str,
        like: Option<Oid>,
    ) -> Result<Rc<Vec<Entry>>> {
        if let Some(t) = self.cache.get(path, &(id, area)) {
            return Ok(t.entries);
        }
        let bytes = self.object(id, ObjectType::Tree, path, wf_core::tree::MAX_TREE_SIZE)?;
        let base = like.and_then(|l| self.cache.get(path, &(l, area)));
        let entries = match base.as_ref().and_then(|b| {
            let base_bytes = b.bytes.as_ref()?;
            wf_core::tree::parse_like(&bytes, base_bytes, &b.entries)
        }) {
            Some(entries) => entries,
            None => {
                wf_core::tree::parse(&bytes, area).map_err(|e| TreeError::Refused(at(path, &e)))?
            }
        };
        let entries = Rc::new(entries);
        self.cache.put(
            path,
            (id, area),
            Kept {
                entries: entries.clone(),
                bytes: Some(Rc::new(bytes)),
            },
        );
        Ok(entries)
    }

    /// Keep the entries of the root tree `id`, parsed from its bytes and checked against `area`'s
    /// rules by [`wf_core::tree::parse`] (what [`Reader::tree`] would do), so that asking for
    /// it does not read it again.
    pub(crate) fn keep(&self, id: Oid, area: Area, checked: Vec<Entry>) -> Rc<Vec<Entry>> {
        let entries = Rc::new(checked);
        self.cache.put(
            "",
            (id, area),
            Kept {
                entries: entries.clone(),
                bytes: None,
            },
        );
        entries
    }

    /// The bytes of a tree object, unjudged, or `None` when the object is not a tree (or is
    /// over the size limit). For questions asked before a commit is judged, such as whether it
    /// claims to be a store; scan them with [`wf_core::tree::scan`].
    pub fn raw_tree(&self, id: Oid) -> std::result::Result<Option<Vec<u8>>, git2::Error> {
        match self.packed(id, wf_core::tree::MAX_TREE_SIZE) {
            Got::Found(ObjectType::Tree, b) => return Ok(Some(b)),
            Got::Found(..) | Got::Over(..) => return Ok(None),
            Got::Broken(why) => return Err(git2::Error::from_str(&why)),
            Got::NotHere => {}
        }
        let (size, kind) = match self.odb.read_header(id) {
            Ok(h) => h,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if kind != ObjectType::Tree || size as u64 > wf_core::tree::MAX_TREE_SIZE {
            return Ok(None);
        }
        Ok(Some(self.odb.read(id)?.data().to_vec()))
    }

    /// The raw bytes of any object, with its type.
    pub fn raw(&self, id: Oid) -> std::result::Result<(ObjectType, Vec<u8>), git2::Error> {
        match self.packed(id, crate::pack::CAP) {
            Got::Found(kind, b) => return Ok((kind, b)),
            Got::Broken(why) => return Err(git2::Error::from_str(&why)),
            Got::Over(..) | Got::NotHere => {}
        }
        let obj = self.odb.read(id)?;
        Ok((obj.kind(), obj.data().to_vec()))
    }

    /// The bytes of a blob at `path`, at most `limit` of them.
    pub fn blob(&self, id: Oid, path: &str, limit: u64) -> Result<Vec<u8>> {
        self.object(id, ObjectType::Blob, path, limit)
    }

    /// The size of a blob, without reading it.
    pub fn blob_size(&self, id: Oid, path: &str) -> Result<u64> {
        let known = match self.packs {
            Some(p) => p
                .borrow_mut()
                .header(id)
                .map_err(|why| TreeError::Refused(format!("{}: {why}", shown(path))))?,
            None => None,
        };
        let (size, kind) = match known {
            Some((kind, size)) => (size as usize, kind),
            None => self.odb.read_header(id)?,
        };
        if kind != ObjectType::Blob {
            return Err(mismatch(path, kind, ObjectType::Blob));
        }
        Ok(size as u64)
    }

    /// Read an object that must be of `kind` and at most `limit` bytes.
    fn object(&self, id: Oid, kind: ObjectType, path: &str, limit: u64) -> Result<Vec<u8>> {
        let (size, found) = match self.packed(id, limit) {
            Got::Found(found, b) if found == kind => return Ok(b),
            Got::Found(found, b) => (b.len(), found),
            Got::Over(found, size) => (size as usize, found),
            Got::Broken(why) => return Err(TreeError::Refused(format!("{}: {why}", shown(path)))),
            Got::NotHere => self.odb.read_header(id)?,
        };
        if found != kind {
            return Err(mismatch(path, found, kind));
        }
        if size as u64 > limit {
            return Err(TreeError::Refused(format!(
                "{}: {} bytes, over the {} MiB limit",
                shown(path),
                size,
                limit >> 20
            )));
        }
        Ok(self.odb.read(id)?.data().to_vec())
    }

    /// The entry at `path` (components separated by `/`) below the root tree `root`, every
    /// tree on the way checked: the root as a store's top level, wf's folders by their rules,
    /// other folders by git's. `None` when a component is missing, or a folder on the way is
    /// not a folder.
    pub fn entry(&self, root: Oid, path: &str) -> Result<Option<Entry>> {
        let mut tree = self.tree(root, Area::Top, "")?;
        let mut area = Area::Top;
        let mut at = String::new();
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            let Some(e) = wf_core::tree::find(&tree, part.as_bytes()).cloned() else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some(e));
            }
            if e.mode != Mode::Tree {
                return Ok(None);
            }
            if area == Area::Top {
                area = area_below(&e.name);
            }
            at = join(&at, part);
            tree = self.tree(oid(&e), area, &at)?;
        }
        Ok(None)
    }

    /// The file at `path`: `None` when absent; refused when it is there but not a regular file.
    pub fn file(&self, root: Oid, path: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        match self.entry(root, path)? {
            None => Ok(None),
            Some(e) if e.mode == Mode::File => Ok(Some(self.blob(oid(&e), path, limit)?)),
            Some(e) => Err(TreeError::Refused(format!(
                "{path} is {} (mode {}), not a regular file",
                e.mode.what(),
                e.mode
            ))),
        }
    }

    /// The entries of the folder at `path` (checked); empty when there is no such folder.
    pub fn list(&self, root: Oid, path: &str) -> Result<Vec<Entry>> {
        let Some(dir) = self.entry(root, path)? else {
            return Ok(vec![]);
        };
        if dir.mode != Mode::Tree {
            return Ok(vec![]);
        }
        let top = path.split('/').next().unwrap_or_default();
        Ok(self
            .tree(
                oid(&dir),
                area_below(top.as_bytes()),
                path.trim_end_matches('/'),
            )?
            .to_vec())
    }

    /// Every file below the folder entry `dir` (found at `path`), by path relative to it,
    /// with its entry: the folders on the way checked by wf's rules.
    pub fn files_below(&self, dir: &Entry, path: &str) -> Result<Vec<(String, Entry)>> {
        let mut out = Vec::new();
        self.walk(oid(dir), path, "", &mut out)?;
        Ok(out)
    }

    fn walk(&self, id: Oid, path: &str, rel: &str, out: &mut Vec<(String, Entry)>) -> Result<()> {
        if let Some(e) = too_deep(path) {
            return Err(e);
        }
        let tree = self.tree(id, Area::Wf, path)?;
        for e in tree.iter() {
            let name = e.name();
            let (p, r) = (join(path, &name), join(rel, &name));
            if e.mode == Mode::Tree {
                self.walk(oid(e), &p, &r, out)?;
            } else {
                out.push((r, e.clone()));
            }
        }
        Ok(())
    }
}

/// How many folders deep a path under a store's tree may go. wf writes at most
/// `tasks/<shard>/<id>/out/<file>`; a deeper tree is refused before it is read, so that no
/// reader recurses as deep as a hostile tree goes (thousands of levels overflowed a worker
/// thread's stack).
pub const MAX_DEPTH: usize = 16;

/// The refusal of a folder `path` deeper than [`MAX_DEPTH`], its path shortened.
pub fn too_deep(path: &str) -> Option<TreeError> {
    let depth = path.matches('/').count();
    (depth > MAX_DEPTH).then(|| {
        let start: String = path.chars().take(60).collect();
        TreeError::Refused(format!(
            "{start}…: folders nested {depth} deep, more than the {MAX_DEPTH} a store's tree may hold"
        ))
    })
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "the top-level tree"
    } else {
        path
    }
}

fn at(path: &str, msg: &str) -> String {
    if path.is_empty() {
        msg.to_string()
    } else {
        format!("{path}: {msg}")
    }
}

fn mismatch(path: &str, found: ObjectType, want: ObjectType) -> TreeError {
    let name = |k: ObjectType| match k {
        ObjectType::Tree => "a folder (tree)",
        ObjectType::Blob => "a file (blob)",
        ObjectType::Commit => "a commit",
        ObjectType::Tag => "a tag",
        _ => "an unknown object",
    };
    TreeError::Refused(format!(
        "{}: its mode says {}, but the object is {}",
        shown(path),
        name(want),
        name(found)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept() -> Kept {
        Kept {
            entries: Rc::new(Vec::new()),
            bytes: None,
        }
    }

    fn id(i: u32) -> Oid {
        let mut b = [0u8; 20];
        b[..4].copy_from_slice(&i.to_be_bytes());
        Oid::from_bytes(&b).unwrap()
    }

    /// The roots and `tasks/` trees a long run of commits makes do not push a shard out of the
    /// cache; shards push out shards, within the bound.
    #[test]
    fn roots_and_top_folders_do_not_push_shards_out() {
        let cache = TreeCache::default();
        let shard = (id(u32::MAX), Area::Wf);
        cache.put("tasks/ab", shard, kept());
        for i in 0..10_000 {
            cache.put("", (id(2 * i), Area::Top), kept());
            cache.put("tasks", (id(2 * i + 1), Area::Wf), kept());
        }
        assert!(cache.get("tasks/ab", &shard).is_some());
        assert!(cache.get("tasks", &(id(1), Area::Wf)).is_none());
        assert!(cache.get("tasks", &(id(19_999), Area::Wf)).is_some());
        for i in 0..2 * CACHE_LIMIT as u32 + 1 {
            cache.put("tasks/cd", (id(100_000 + i), Area::Wf), kept());
        }
        // Out of the generations, but still the last tree kept at its path.
        assert!(cache.below.borrow_mut().get(&shard).is_none());
        assert!(cache.get("tasks/ab", &shard).is_some());
        // Found there, it is young again: a newer tree at its path does not hide it.
        cache.put("tasks/ab", (id(7), Area::Wf), kept());
        assert!(cache.get("tasks/ab", &shard).is_some());
        for i in 0..2 * CACHE_LIMIT as u32 + 1 {
            cache.put("tasks/cd", (id(200_000 + i), Area::Wf), kept());
        }
        assert!(cache.get("tasks/ab", &shard).is_none());
        assert!(cache.get("tasks/ab", &(id(7), Area::Wf)).is_some());
        assert!(cache.tops.borrow().len() <= 2 * TOPS_LIMIT);
        assert!(cache.below.borrow().len() <= 2 * CACHE_LIMIT);
        // Only paths one folder below the top, and at most `LATEST_LIMIT` of them.
        for i in 0..3 * LATEST_LIMIT as u32 {
            cache.put(&format!("tasks/{i}"), (id(300_000 + i), Area::Wf), kept());
            cache.put(
                &format!("tasks/ab/{i}"),
                (id(400_000 + i), Area::Wf),
                kept(),
            );
        }
        let latest = cache.latest.borrow();
        assert!(!latest.is_empty() && latest.len() <= LATEST_LIMIT);
        assert!(latest.keys().all(|p| p.matches('/').count() == 1));
    }
}
