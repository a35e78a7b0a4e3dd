//! The work tree's git index (`<git-dir>/index`), read and written in process for the common
//! case: an action changes a few entries of an index that can hold tens of thousands, and
//! libgit2 parses every entry into its own structures and checksums the file with SHA-1DC
//! both ways, which was most of a small action's time on a large store (`spec/bench.md`).
//!
//! Only an index in the plainest form is handled here: version 2 or 3, every entry at stage 0
//! with no flag set (no conflict, no assume-valid, skip-worktree or intent-to-add), paths git
//! would stage (no empty, `.`, `..` or `.git` component) in git's order, only optional extensions (their signatures start with `A`–`Z`), and a checksum
//! that matches. Anything else ([`GitIndex::read`] answers `None`) is left to libgit2, which
//! knows every form. Unchanged entries are copied byte for byte; the optional extensions (the
//! cache of trees, the untracked cache, the fsmonitor token, the offset tables) are dropped,
//! which git allows: each is a cache that git rebuilds. The checksum is plain SHA-1, as git
//! itself may use for its own files (it is not an object id). See `spec/store.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use git2::{ErrorClass, ErrorCode, Oid};
use sha1::{Digest, Sha1};

/// The header: `DIRC`, the version, the number of entries.
const HEADER: usize = 12;
/// An entry's fixed part: ten 32-bit stat fields, the object id, the flags.
const FIXED: usize = 62;
/// The checksum at the end.
const CHECKSUM: usize = 20;
/// A regular, non-executable file, as an index entry's mode.
const MODE_FILE: u32 = 0o100644;

/// An index in the plain form (see the module's documentation), parsed.
pub(crate) struct GitIndex {
    data: Vec<u8>,
    version: u32,
    /// Where each entry lies in `data`, in git's order.
    entries: Vec<Slot>,
    /// When the file was last written: an entry stamped at or after it is "racily clean"
    /// (its file may have changed within the same tick), so its stat data proves nothing.
    written: Option<(u32, u32)>,
}

#[derive(Clone, Copy)]
struct Slot {
    start: usize,
    len: usize,
    name_len: usize,
}

/// What one entry of the index says of its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub ctime: (u32, u32),
    pub mtime: (u32, u32),
    pub dev: u32,
    pub ino: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u32,
}

impl Stat {
    /// The stat data libgit2 records for a file with this metadata (fields truncated to 32
    /// bits as git does; the device as libgit2 takes it, `st_rdev`, which is 0 for a file and
    /// which git does not compare); `None` for anything but a regular, non-executable file.
    pub(crate) fn of(m: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        if !m.is_file() || m.mode() & 0o111 != 0 {
            return None;
        }
        Some(Stat {
            ctime: (m.ctime() as u32, m.ctime_nsec() as u32),
            mtime: (m.mtime() as u32, m.mtime_nsec() as u32),
            dev: m.rdev() as u32,
            ino: m.ino() as u32,
            mode: MODE_FILE,
            uid: m.uid(),
            gid: m.gid(),
            size: m.size() as u32,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        for v in [
            self.ctime.0,
            self.ctime.1,
            self.mtime.0,
            self.mtime.1,
            self.dev,
            self.ino,
            self.mode,
            self.uid,
            self.gid,
            self.size,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }

    fn decode(b: &[u8]) -> Stat {
        let f = |i: usize| u32_at(b, i * 4);
        Stat {
            ctime: (f(0), f(1)),
            mtime: (f(2), f(3)),
            dev: f(4),
            ino: f(5),
            mode: f(6),
            uid: f(7),
            gid: f(8),
            size: f(9),
        }
    }
}

/// A new entry for a path: its file's stat data and its blob.
pub(crate) struct NewEntry {
    pub stat: Stat,
    pub id: Oid,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl GitIndex {
    /// Read the index of `git_dir`; `None` when it is missing, unreadable or not in the plain
    /// form, or its checksum does not match, or `GIT_INDEX_FILE` names another file: libgit2
    /// then does the work (and reports errors).
    pub(crate) fn read(git_dir: &Path) -> Option<GitIndex> {
        // libgit2 honours `GIT_INDEX_FILE` (with `GIT_DIR`): the index is elsewhere.
        if std::env::var_os("GIT_INDEX_FILE").is_some() {
            return None;
        }
        let file = git_dir.join("index");
        let data = std::fs::read(&file).ok()?;
        let written = std::fs::metadata(&file)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| (d.as_secs() as u32, d.subsec_nanos()));
        let mut index = GitIndex::parse(data)?;
        index.written = written;
        Some(index)
    }

    /// Parse the bytes of an index file (see [`GitIndex::read`]).
    fn parse(data: Vec<u8>) -> Option<GitIndex> {
        if data.len() < HEADER + CHECKSUM || &data[..4] != b"DIRC" {
            return None;
        }
        let body = data.len() - CHECKSUM;
        let sum = &data[body..];
        // An all-zero checksum is git's `index.skipHash`.
        if sum.iter().any(|&b| b != 0) && Sha1::digest(&data[..body]).as_slice() != sum {
            return None;
        }
        let version = u32_at(&data, 4);
        if !(2..=3).contains(&version) {
            return None;
        }
        let count = u32_at(&data, 8) as usize;
        let mut entries = Vec::with_capacity(count.min(body / FIXED));
        let mut at = HEADER;
        for _ in 0..count {
            if at + FIXED > body {
                return None;
            }
            let flags = u16::from_be_bytes([data[at + 60], data[at + 61]]);
            // Assume-valid, extended flags (skip-worktree, intent-to-add), a stage other than
            // 0, or a name too long for the length field: libgit2's to handle.
            if flags & 0xf000 != 0 || flags & 0xfff == 0xfff {
                return None;
            }
            let name_len = usize::from(flags & 0xfff);
            let len = (FIXED + name_len + 8) & !7;
            if at + len > body || data[at + FIXED + name_len] != 0 {
                return None;
            }
            let slot = Slot {
                start: at,
                len,
                name_len,
            };
            if !plain_path(path_of(&data, &slot)) {
                return None;
            }
            if let Some(prev) = entries.last() {
                if path_of(&data, prev) >= path_of(&data, &slot) {
                    return None;
                }
            }
            entries.push(slot);
            at += len;
        }
        while at < body {
            if at + 8 > body || !data[at].is_ascii_uppercase() {
                return None;
            }
            let size = u32_at(&data, at + 4) as usize;
            at = at.checked_add(8 + size).filter(|&e| e <= body)?;
        }
        Some(GitIndex {
            data,
            version,
            entries,
            written: None,
        })
    }

    fn find(&self, path: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|s| path_of(&self.data, s).cmp(path.as_bytes()))
    }

    /// The blob staged at `path`.
    pub(crate) fn get(&self, path: &str) -> Option<Oid> {
        let i = self.find(path).ok()?;
        Some(self.id_of(&self.entries[i]))
    }

    fn id_of(&self, s: &Slot) -> Oid {
        let at = s.start + 40;
        Oid::from_bytes(&self.data[at..at + 20]).unwrap_or_else(|_| Oid::zero())
    }

    /// The entries at `path` or below the folder `path`, in git's order: their paths, stat
    /// data and blobs.
    pub(crate) fn under(&self, path: &str) -> Vec<(String, Stat, Oid)> {
        let path = path.trim_end_matches('/');
        let dir = format!("{path}/");
        // `a` itself, then (after `a.x`, `a-x`, which sort between) everything below `a/`.
        let file = self.find(path).ok().map(|i| &self.entries[i]);
        let from = self.find(&dir).unwrap_or_else(|i| i);
        let below = self.entries[from..]
            .iter()
            .take_while(|s| path_of(&self.data, s).starts_with(dir.as_bytes()));
        file.into_iter()
            .chain(below)
            .map(|s| (s, path_of(&self.data, s)))
            .map(|(s, p)| {
                (
                    String::from_utf8_lossy(p).into_owned(),
                    Stat::decode(&self.data[s.start..s.start + 40]),
                    self.id_of(s),
                )
            })
            .collect()
    }

    /// Whether stat data stamped `mtime` proves nothing against this index: the file may have
    /// changed in the same tick as the index was written (git's "racily clean" entries).
    fn racy(&self, mtime: (u32, u32)) -> bool {
        self.written.is_none_or(|w| mtime >= w)
    }

    /// Whether `file` (with metadata `meta`) still is what an entry with `stat` and `id` says,
    /// as git judges it: the same stat data, and, for a racily clean entry, the same bytes.
    pub(crate) fn matches(
        &self,
        file: &Path,
        meta: &std::fs::Metadata,
        stat: &Stat,
        id: Oid,
    ) -> bool {
        Stat::of(meta).as_ref() == Some(stat)
            && (!self.racy(stat.mtime)
                || Oid::hash_file(git2::ObjectType::Blob, file).is_ok_and(|h| h == id))
    }

    /// [`GitIndex::matches`] for the file at an entry's `path` below `workdir`.
    fn still(&self, workdir: &Path, path: &[u8], stat: &Stat, id: Oid) -> bool {
        let Ok(path) = std::str::from_utf8(path) else {
            return false;
        };
        let file = workdir.join(path);
        std::fs::symlink_metadata(&file).is_ok_and(|m| self.matches(&file, &m, stat, id))
    }

    /// The file's bytes with `changes` made (a path to a new entry, or to `None` to remove it)
    /// and the checksum appended. Entries carried over that are racily clean and whose file in
    /// `workdir` no longer matches are written with size 0, as git does, so that git looks at
    /// their content again.
    fn with_changes(
        &self,
        workdir: &Path,
        changes: &BTreeMap<String, Option<NewEntry>>,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + changes.len() * 128);
        out.extend_from_slice(b"DIRC");
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
        let mut count: u32 = 0;
        let mut pending = changes.iter().peekable();
        let put_new = |out: &mut Vec<u8>, path: &str, e: &NewEntry| {
            let start = out.len();
            e.stat.encode(out);
            out.extend_from_slice(e.id.as_bytes());
            out.extend_from_slice(&(path.len().min(0xfff) as u16).to_be_bytes());
            out.extend_from_slice(path.as_bytes());
            let len = (FIXED + path.len() + 8) & !7;
            out.resize(start + len, 0);
        };
        for s in &self.entries {
            let path = path_of(&self.data, s);
            while let Some((p, e)) = pending.next_if(|(p, _)| p.as_bytes() < path) {
                if let Some(e) = e {
                    put_new(&mut out, p, e);
                    count += 1;
                }
            }
            if let Some((p, e)) = pending.next_if(|(p, _)| p.as_bytes() == path) {
                if let Some(e) = e {
                    put_new(&mut out, p, e);
                    count += 1;
                }
                continue;
            }
            let start = out.len();
            out.extend_from_slice(&self.data[s.start..s.start + s.len]);
            let stat = Stat::decode(&self.data[s.start..s.start + 40]);
            if self.racy(stat.mtime) && !self.still(workdir, path, &stat, self.id_of(s)) {
                out[start + 36..start + 40].copy_from_slice(&[0; 4]);
            }
            count += 1;
        }
        for (p, e) in pending {
            if let Some(e) = e {
                put_new(&mut out, p, e);
                count += 1;
            }
        }
        out[8..12].copy_from_slice(&count.to_be_bytes());
        let sum = Sha1::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Write the index with `changes` made, through `index.lock` as git does: a lock held by
    /// someone else is [`ErrorCode::Locked`], so callers wait for it like for libgit2's.
    pub(crate) fn write(
        &self,
        git_dir: &Path,
        workdir: &Path,
        changes: &BTreeMap<String, Option<NewEntry>>,
    ) -> Result<(), git2::Error> {
        let bytes = self.with_changes(workdir, changes);
        let lock = git_dir.join("index.lock");
        let failed = |what: &str, e: std::io::Error| {
            git2::Error::new(
                ErrorCode::GenericError,
                ErrorClass::Index,
                format!("{what} {}: {e}", lock.display()),
            )
        };
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(git2::Error::new(
                    ErrorCode::Locked,
                    ErrorClass::Index,
                    format!("{} exists", lock.display()),
                ))
            }
            Err(e) => return Err(failed("cannot create", e)),
        };
        let done = std::io::Write::write_all(&mut f, &bytes)
            .map_err(|e| failed("cannot write", e))
            .and_then(|()| {
                drop(f);
                std::fs::rename(&lock, git_dir.join("index"))
                    .map_err(|e| failed("cannot rename", e))
            });
        if done.is_err() {
            let _ = std::fs::remove_file(&lock);
        }
        done
    }
}

/// A path git itself would stage: components separated by single slashes, none of them empty,
/// `.`, `..` or `.git` in any case. Anything else is left to libgit2 (which refuses it), and is
/// never joined to the work tree here.
fn plain_path(path: &[u8]) -> bool {
    path.split(|&b| b == b'/')
        .all(|c| !c.is_empty() && c != b"." && c != b".." && !c.eq_ignore_ascii_case(b".git"))
}

fn path_of<'a>(data: &'a [u8], s: &Slot) -> &'a [u8] {
    &data[s.start + FIXED..s.start + FIXED + s.name_len]
}

#[cfg(test)]
mod tests;
