//! The objects of a repository's pack files, read with positioned reads through caches of a
//! fixed size, for the verifier's readers ([`crate::tree::Reader`]).
//!
//! libgit2 maps pack files into memory in windows and keeps every page it touched mapped until
//! the last handle on the pack is dropped (its limit, 8 GiB, can only be lowered through an
//! `unsafe` global setting); it takes a process-wide lock for each window it opens; and it
//! resolves an object's delta chain twice, once for the size and type checked before a read and
//! once for the read. This reader keeps its own blocks of the packs (at most [`BLOCKS`] of
//! [`BLOCK`] bytes) and of the indexes' names and offsets, reads the names of an
//! index around where an id must be, keeps its own delta bases (at most [`BASE_BYTES`] a
//! generation), finds an object's size and type from its chain's headers and the first bytes
//! of its delta, and resolves the chain once. It takes no lock: one reader serves one thread.
//!
//! It answers only what it can read cleanly: an object in no pack it opened (a loose object,
//! a pack written after it opened, an alternate's), a pack or index that libgit2 would not read
//! either (index version 1, pack version 3, a trailer the index does not record, sizes that do
//! not fit), anything out of bounds, a stream that does not inflate to the size its
//! header says, a delta that does not apply exactly, or any
//! object over [`CAP`] bytes on the way: each is [`Got::NotHere`], and the caller reads the
//! object through libgit2 as before. A chain longer than [`MAX_CHAIN`] is [`Got::Broken`]: git
//! writes none, a chain that loops is one, and libgit2 would follow it for ever. Like libgit2 with strict hash checks off (as the verifier
//! runs it), it does not hash what it read again: a pack is trusted as the repository is (on a
//! server, `git index-pack` checked every object of a pushed pack).

use std::collections::VecDeque;

/// Delta bases by pack and offset, hashed with foldhash (as [`crate::aging`] does): std's
/// SipHash was most of a lookup.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::rc::Rc;

use flate2::{Decompress, FlushDecompress, Status};
use git2::{ObjectType, Oid};
use libdeflater::{DecompressionError, Decompressor};

/// Bytes in one cached block of a pack file.
pub const BLOCK: u64 = 16 * 1024;
/// Bytes in one cached block of an index's offsets.
const OFFSET_BLOCK: u64 = 4096;
/// Blocks of offsets kept (at most 3 MiB: the offsets of 790,000 objects; the bench's store
/// holds 590,000 at 100,000 commits). Fewer cost time there: 2 MiB, about 7% more on one core.
const OFFSET_BLOCKS: usize = 768;

/// Bytes in one cached block of an index's names.
const NAME_BLOCK: u64 = 4096;
/// Blocks of names kept (at most 12 MiB: the names of 630,000 objects, the bench's store at
/// about 107,000 commits). Lookups are at random places: what the cache does not hold costs a
/// read each (4 MiB cost about 8% more time on one core at 100,000 commits). With the other
/// caches (at most 25 MiB in all) and what a worker holds besides (about 36 MiB at 100,000
/// commits), a worker stays under 64 MiB past that size too.
const NAME_BLOCKS: usize = 3072;

/// The most names of an index read for one lookup (a bucket of a pack of about 16 million
/// objects); a larger bucket is libgit2's to search.
const MAX_BUCKET: u64 = 1 << 16;
/// Blocks of packs kept (at most 8 MiB).
pub const BLOCKS: usize = 512;
/// Bytes of delta bases in one generation of the base cache.
pub const BASE_BYTES: usize = 1 << 20;
/// A base larger than this is not kept.
const BASE_MAX: usize = 256 << 10;
/// The longest delta chain read here (git writes at most 4,095 by default, 50 unless asked).
pub const MAX_CHAIN: usize = 10_000;
/// The largest object, delta or base this reader allocates; anything larger is libgit2's.
pub const CAP: u64 = 64 << 20;

/// What [`Packs::read`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// The object, of this type.
    Found(ObjectType, Vec<u8>),
    /// The object is of this type and size, over the limit asked for: not read.
    Over(ObjectType, u64),
    /// Not read here: ask libgit2.
    NotHere,
    /// Not an object: a delta chain longer than [`MAX_CHAIN`] (git writes at most 4,095), as a
    /// chain that loops is. Not asked of libgit2 either: it follows such a chain for ever.
    Broken(String),
}

/// One pack and its index.
struct Pack {
    idx: Source,
    data: Source,
    /// The index's fan-out table: how many objects have a first byte up to each value.
    fanout: Vec<u32>,
    count: u64,
}

/// Blocks of files kept, by file and block number, all of one size: at most `most` of them,
/// the first kept going first. A block is found by its number in a table of the file's blocks
/// (16 bytes a block of the file, kept or not: 0.4% of an index, 0.1% of a pack), not hashed:
/// at 100,000 commits the names of the index (12 MB) are all kept, where two generations of a
/// map of half the bound each kept about three quarters of them. The tables of one cache hold
/// at most [`TABLE_SLOTS`] blocks in all (4 GiB of packs, 1 GiB of indexes); the blocks of a
/// file past that are found in a map, so that what a cache holds follows what it keeps, never
/// a file's length (a pack made 1 TiB long by a hole before its trailer cost 16 bytes for each
/// of its 64 million blocks, 1 GiB, found by a red-team helper).
struct Blocks {
    size: u64,
    most: usize,
    /// By file number: how its blocks are found.
    files: Vec<Slots>,
    /// Slots in all the tables.
    tabled: usize,
    /// The kept blocks of the files that have no table.
    map: HashMap<(u32, u64), Box<[u8]>>,
    /// The blocks kept, first kept first.
    order: VecDeque<(u32, u64)>,
}

/// How a file's kept blocks are found.
#[derive(Default)]
enum Slots {
    /// None kept yet.
    #[default]
    Unset,
    /// By block number.
    Table(Vec<Option<Box<[u8]>>>),
    /// In the cache's map.
    Map,
}

/// The most slots the tables of one block cache hold (16 bytes each: 4 MiB).
const TABLE_SLOTS: usize = 1 << 18;

impl Blocks {
    fn new(size: u64, most: usize) -> Blocks {
        Blocks {
            size,
            most: most.max(1),
            files: Vec::new(),
            tabled: 0,
            map: HashMap::default(),
            order: VecDeque::new(),
        }
    }

    /// Block `n` of file `file`, when kept: borrowed (when blocks were `Rc`s, counting a
    /// clone touched a line of memory a lookup did not otherwise read).
    fn get(&self, file: u32, n: u64) -> Option<&[u8]> {
        match self.files.get(file as usize)? {
            Slots::Table(t) => t.get(n as usize)?.as_deref(),
            Slots::Map => self.map.get(&(file, n)).map(|b| &**b),
            Slots::Unset => None,
        }
    }

    /// Keep block `n` of `src`, letting the first kept go when `most` are.
    fn keep(&mut self, src: &Source, n: u64, b: Box<[u8]>) {
        let file = src.no as usize;
        let count = src.len.div_ceil(self.size);
        if n >= count {
            return;
        }
        if self.files.len() <= file {
            self.files.resize_with(file + 1, Slots::default);
        }
        if let Slots::Unset = self.files[file] {
            self.files[file] = match usize::try_from(count) {
                Ok(c) if self.tabled + c <= TABLE_SLOTS => {
                    self.tabled += c;
                    Slots::Table(vec![None; c])
                }
                _ => Slots::Map,
            };
        }
        let had = match &mut self.files[file] {
            Slots::Table(t) => t[n as usize].replace(b).is_some(),
            Slots::Map => self.map.insert((src.no, n), b).is_some(),
            Slots::Unset => return,
        };
        if had {
            return;
        }
        self.order.push_back((src.no, n));
        if self.order.len() > self.most {
            if let Some((f, m)) = self.order.pop_front() {
                match self.files.get_mut(f as usize) {
                    Some(Slots::Table(t)) => {
                        if let Some(slot) = t.get_mut(m as usize) {
                            *slot = None;
                        }
                    }
                    Some(Slots::Map) => {
                        self.map.remove(&(f, m));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A file read in blocks, numbered for the block caches.
struct Source {
    file: File,
    no: u32,
    len: u64,
}

/// An entry's header in a pack.
struct Head {
    kind: u8,
    size: u64,
    /// Where its compressed data starts.
    data: u64,
    base: Base,
}

/// Where a delta chain ends: a base kept from an earlier read (its type and bytes), or an
/// entry that is not a delta.
enum Bottom {
    Kept(Kept),
    Entry(Head),
}

enum Base {
    None,
    /// A delta against the entry at this offset of the same pack.
    At(u64),
}

/// The id of the empty tree, `4b825dc642cb6eb9a060e54bf8d69288fbee4904`.
const EMPTY_TREE: [u8; 20] = [
    0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6, 0x92, 0x88,
    0xfb, 0xee, 0x49, 0x04,
];

/// Half the names an index lookup searches around its guess.
const WINDOW: u64 = 64;

/// A base kept: its type (as a pack writes it) and bytes.
type Kept = (u8, Rc<Vec<u8>>);

/// The delta bases kept, by pack and offset: two generations of at most [`BASE_BYTES`].
struct Bases {
    young: HashMap<(u32, u64), Kept>,
    old: HashMap<(u32, u64), Kept>,
    young_bytes: usize,
    limit: usize,
}

impl Bases {
    fn get(&mut self, key: &(u32, u64)) -> Option<Kept> {
        if let Some(v) = self.young.get(key) {
            return Some(v.clone());
        }
        let v = self.old.remove(key)?;
        self.insert(*key, v.clone());
        Some(v)
    }

    fn insert(&mut self, key: (u32, u64), v: Kept) {
        let n = v.1.len();
        if n > BASE_MAX {
            return;
        }
        if self.young_bytes + n > self.limit {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
        self.young_bytes += n;
        self.young.insert(key, v);
    }
}

/// The packs of one repository's object folder, with this reader's caches. One per thread.
pub struct Packs {
    packs: Vec<Pack>,
    /// The pack the last object was found in, asked first.
    last: usize,
    blocks: Blocks,
    /// Blocks of the indexes' tables of offsets (4 bytes an object, read at random: small
    /// blocks, so that what is kept covers most of a large table).
    offsets: Blocks,
    /// Blocks of the indexes' tables of names.
    name_blocks: Blocks,
    /// Half the names read around a lookup's guess ([`WINDOW`]).
    window: u64,
    bases: Bases,
    /// One inflater, reset for each stream (making one allocates and clears its window).
    z: Decompress,
    /// The inflaters of whole streams lying in one block: `[0]` for streams whose first block
    /// is coded with deflate's fixed codes, `[1]` for the others. libdeflate keeps the fixed
    /// codes' tables between streams only while no stream of other codes comes between: most
    /// objects here are short streams of fixed codes, and one inflater built their tables
    /// again after each of the others (a fifth of its table building).
    deflaters: [Decompressor; 2],
    /// Whether `deflaters` are used (tests compare them with inflating block by block).
    whole: bool,
}

fn kind_of(k: u8) -> Option<ObjectType> {
    match k {
        1 => Some(ObjectType::Commit),
        2 => Some(ObjectType::Tree),
        3 => Some(ObjectType::Blob),
        4 => Some(ObjectType::Tag),
        _ => None,
    }
}

impl Packs {
    /// The packs under `objects/pack` of the object folder `objects`, as they are now. A pack
    /// or index that cannot be opened or is not in a form read here is left out (its objects
    /// are libgit2's to read); so is every pack when the folder cannot be listed.
    pub fn open(objects: &Path) -> Packs {
        Packs::open_with(objects, BLOCKS)
    }

    /// [`Packs::open`] keeping at most `blocks` blocks of packs (a history's listing reads its
    /// commits in order, and keeps few).
    pub fn open_with(objects: &Path, blocks: usize) -> Packs {
        Packs::open_in(&[objects], blocks)
    }

    /// [`Packs::open_with`] over the packs of several object folders (a hook's quarantine,
    /// where the pushed packs are, and the repository's own).
    pub fn open_in(folders: &[&Path], blocks: usize) -> Packs {
        let mut packs = Vec::new();
        for objects in folders {
            Packs::add_packs(&mut packs, objects);
        }
        Packs::with_packs(packs, blocks)
    }

    fn add_packs(packs: &mut Vec<Pack>, objects: &Path) {
        let dir = objects.join("pack");
        if let Ok(list) = std::fs::read_dir(&dir) {
            let mut names: Vec<_> = list
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .filter_map(|n| n.to_str().map(str::to_owned))
                .filter(|n| n.starts_with("pack-") && n.ends_with(".idx"))
                .collect();
            names.sort();
            for name in names {
                let stem = &name[..name.len() - 4];
                let no = packs.len() as u32 * 2;
                if let Some(p) = Pack::open(&dir.join(&name), &dir.join(format!("{stem}.pack")), no)
                {
                    packs.push(p);
                }
            }
        }
    }

    fn with_packs(packs: Vec<Pack>, blocks: usize) -> Packs {
        Packs {
            packs,
            last: 0,
            blocks: Blocks::new(BLOCK, blocks),
            offsets: Blocks::new(OFFSET_BLOCK, OFFSET_BLOCKS),
            name_blocks: Blocks::new(NAME_BLOCK, NAME_BLOCKS),
            window: WINDOW,
            bases: Bases {
                young: HashMap::default(),
                old: HashMap::default(),
                young_bytes: 0,
                limit: BASE_BYTES,
            },
            z: Decompress::new(true),
            deflaters: [Decompressor::new(), Decompressor::new()],
            whole: true,
        }
    }

    /// The same reader, searching `window` names either side of a lookup's guess, and keeping
    /// one block of the indexes' names and one of their offsets.
    #[cfg(test)]
    fn with_window(mut self, window: u64) -> Packs {
        self.window = window;
        self.offsets = Blocks::new(OFFSET_BLOCK, 1);
        self.name_blocks = Blocks::new(NAME_BLOCK, 1);
        self
    }

    /// The same reader, inflating every stream block by block.
    #[cfg(test)]
    fn block_by_block(mut self) -> Packs {
        self.whole = false;
        self
    }

    /// How many packs are read here.
    pub fn len(&self) -> usize {
        self.packs.len()
    }

    /// Whether no pack is read here.
    pub fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// The object `id`, when it is at most `limit` bytes; its type and size when it is larger.
    pub fn read(&mut self, id: Oid, limit: u64) -> Got {
        self.read_opt(id, limit, true).unwrap_or(Got::NotHere)
    }

    /// The type and size of the object `id`, without reading it: `Ok(None)` when it is not
    /// read here, `Err` when it is broken ([`Got::Broken`]).
    pub fn header(&mut self, id: Oid) -> Result<Option<(ObjectType, u64)>, String> {
        match self.read_opt(id, 0, false) {
            Some(Got::Over(k, n)) => Ok(Some((k, n))),
            Some(Got::Found(k, b)) => Ok(Some((k, b.len() as u64))),
            Some(Got::Broken(why)) => Err(why),
            Some(Got::NotHere) | None => Ok(None),
        }
    }

    fn read_opt(&mut self, id: Oid, limit: u64, body: bool) -> Option<Got> {
        // libgit2 (and git) answer the empty tree's id from a table of their own, whatever a
        // pack holds under it: theirs to answer.
        if id.as_bytes() == EMPTY_TREE {
            return Some(Got::NotHere);
        }
        let Some((p, at)) = self.find(id.as_bytes()) else {
            return Some(Got::NotHere);
        };
        // An object read lately as a base.
        if let Some((k, b)) = self.bases.get(&(p as u32, at)) {
            let kind = kind_of(k)?;
            let size = b.len() as u64;
            if size > limit || !body {
                return Some(Got::Over(kind, size));
            }
            return Some(Got::Found(kind, b.to_vec()));
        }
        let first = self.head(p, at)?;
        // The chain down to a base: each delta's header and the offset of its base.
        let mut chain: Vec<(Head, u64)> = Vec::new();
        let mut next = Some(first);
        let mut at_now = at;
        let bottom = loop {
            if !chain.is_empty() {
                if let Some(kept) = self.bases.get(&(p as u32, at_now)) {
                    break Bottom::Kept(kept);
                }
            }
            let h = match next.take() {
                Some(h) => h,
                None => self.head(p, at_now)?,
            };
            match h.base {
                Base::None => break Bottom::Entry(h),
                Base::At(b) => {
                    at_now = b;
                    chain.push((h, b));
                    if chain.len() > MAX_CHAIN {
                        return Some(Got::Broken(format!(
                            "object {id}: a delta chain longer than {MAX_CHAIN} (or one that loops)"
                        )));
                    }
                }
            }
        };
        let base_kind = match &bottom {
            Bottom::Kept((k, _)) => *k,
            Bottom::Entry(h) => h.kind,
        };
        let kind = kind_of(base_kind)?;
        let Some((top, _)) = chain.first() else {
            // Not a delta: the entry's own size.
            let Bottom::Entry(h) = bottom else {
                return None;
            };
            if h.size > limit || !body {
                return Some(Got::Over(kind, h.size));
            }
            if h.size > CAP {
                return None;
            }
            let b = self.inflate(p, h.data, h.size as usize, h.size as usize)?;
            return Some(Got::Found(kind, b));
        };
        // A delta: the result size its header gives (only its first bytes inflated when no
        // more is wanted).
        if top.size > CAP {
            return None;
        }
        let (data, n) = (top.data, top.size as usize);
        // libgit2 reads a delta's header from its first 16 bytes (`DELTA_HEADER_BUFFER_LEN`),
        // and so does this reader: a header padded past them is libgit2's to refuse.
        let top_delta = self.inflate(p, data, n, if body { n } else { 16.min(n) })?;
        let mut i = 0;
        varint(&top_delta, &mut i)?;
        let size = varint(&top_delta, &mut i)?;
        if i > 16 {
            return None;
        }
        if size > limit || !body {
            return Some(Got::Over(kind, size));
        }
        // Resolve from the base up, keeping each result as a base.
        let mut cur: Rc<Vec<u8>> = match bottom {
            Bottom::Kept((_, b)) => b,
            Bottom::Entry(h) => {
                if h.size > CAP {
                    return None;
                }
                let b = Rc::new(self.inflate(p, h.data, h.size as usize, h.size as usize)?);
                self.bases
                    .insert((p as u32, at_now), (base_kind, b.clone()));
                b
            }
        };
        for j in (0..chain.len()).rev() {
            let out = if j == 0 {
                apply(&cur, &top_delta)?
            } else {
                let h = &chain[j].0;
                if h.size > CAP {
                    return None;
                }
                let (data, n) = (h.data, h.size as usize);
                let delta = self.inflate(p, data, n, n)?;
                let out = Rc::new(apply(&cur, &delta)?);
                // This delta lies where the delta above it finds its base.
                self.bases
                    .insert((p as u32, chain[j - 1].1), (base_kind, out.clone()));
                cur = out;
                continue;
            };
            if out.len() as u64 != size {
                return None;
            }
            return Some(Got::Found(kind, out));
        }
        None
    }

    /// The pack and offset of `id`, asking the pack of the last find first.
    fn find(&mut self, id: &[u8]) -> Option<(usize, u64)> {
        let n = self.packs.len();
        for k in 0..n {
            let p = (self.last + k) % n;
            if let Some(at) = self.find_in(p, id) {
                self.last = p;
                return Some((p, at));
            }
        }
        None
    }

    fn find_in(&mut self, p: usize, id: &[u8]) -> Option<u64> {
        let first = *id.first()? as usize;
        let pack = &self.packs[p];
        let lo = if first == 0 {
            0
        } else {
            pack.fanout[first - 1] as u64
        };
        let hi = pack.fanout[first] as u64;
        let (idx, count) = (&pack.idx, pack.count);
        const NAMES: u64 = 8 + 1024;
        // Object ids are spread evenly: the place of an id in its bucket is guessed from its
        // next two bytes, and the names around the guess are searched first (at most `2 *
        // window` names, where a binary search over a bucket of a large index takes a step
        // more for each doubling); the whole bucket when the id is not among them. Each step
        // reads one name where it lies in the kept blocks: copying the names around the
        // guess out first read 40 lines of memory a lookup, where the search reads at most 7.
        let n = hi - lo;
        let (mut a, mut b) = (lo, hi);
        if n > 2 * self.window {
            let frac = u16::from_be_bytes([*id.get(1)?, *id.get(2)?]) as u64;
            let guess = lo + ((n * frac) >> 16);
            a = guess.saturating_sub(self.window).max(lo);
            b = (guess + self.window).min(hi);
        }
        let at = loop {
            if b - a > MAX_BUCKET {
                return None;
            }
            let found = search(
                |i| name_at(&mut self.name_blocks, idx, NAMES + i * 20),
                a,
                b,
                id,
            )?;
            match found {
                Ok(i) => break a + i,
                Err(i) if (i == 0 && a > lo) || (i == b - a && b < hi) => {
                    (a, b) = (lo, hi);
                }
                Err(_) => return None,
            }
        };
        let mut o = [0u8; 4];
        read_at(&mut self.offsets, idx, NAMES + count * 24 + at * 4, &mut o)?;
        let v = u32::from_be_bytes(o);
        if v & 0x8000_0000 == 0 {
            return Some(v as u64);
        }
        let k = (v & 0x7fff_ffff) as u64;
        let mut o8 = [0u8; 8];
        let slot = NAMES + count * 28 + k * 8;
        // Inside the table of 8-byte offsets, before the two checksums (as libgit2 requires).
        if slot + 8 > idx.len - 40 {
            return None;
        }
        pread(idx, slot, &mut o8)?;
        Some(u64::from_be_bytes(o8))
    }

    /// The header of the entry at `at` in pack `p`.
    fn head(&mut self, p: usize, at: u64) -> Option<Head> {
        let pack = &self.packs[p];
        // Entries lie between the pack's 12-byte header and its 20-byte trailer.
        let end = pack.data.len.checked_sub(20)?;
        if at < 12 || at >= end {
            return None;
        }
        let mut buf = [0u8; 32];
        let n = (end - at).min(32) as usize;
        read_at(&mut self.blocks, &self.packs[p].data, at, &mut buf[..n])?;
        let buf = &buf[..n];
        let mut i = 0;
        let mut c = *buf.get(i)?;
        i += 1;
        let kind = (c >> 4) & 7;
        let mut size = (c & 15) as u64;
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = *buf.get(i)?;
            i += 1;
            if shift > 57 {
                return None;
            }
            size |= ((c & 0x7f) as u64) << shift;
            shift += 7;
        }
        let base = match kind {
            1..=4 => Base::None,
            6 => {
                let mut c = *buf.get(i)?;
                i += 1;
                let mut ofs = (c & 0x7f) as u64;
                while c & 0x80 != 0 {
                    c = *buf.get(i)?;
                    i += 1;
                    ofs = ofs.checked_add(1)?.checked_mul(128)? | (c & 0x7f) as u64;
                }
                let b = at.checked_sub(ofs)?;
                if ofs == 0 || b < 12 {
                    return None;
                }
                Base::At(b)
            }
            7 => {
                let id = buf.get(i..i + 20)?.to_vec();
                i += 20;
                // A base in the same pack only (a thin pack's base elsewhere is libgit2's).
                Base::At(self.find_in(p, &id)?)
            }
            _ => return None,
        };
        Some(Head {
            kind,
            size,
            data: at + i as u64,
            base,
        })
    }

    /// Inflate the stream at `at` of pack `p`, which must give exactly `size` bytes; only the
    /// first `want` of them are made when `want` is less (a delta's header).
    fn inflate(&mut self, p: usize, at: u64, size: usize, want: usize) -> Option<Vec<u8>> {
        let end = self.packs[p].data.len.checked_sub(20)?;
        if want == size && at < end && self.whole {
            // Most streams are short and lie in one block: inflated at once by libdeflate,
            // which checks the stream's header and checksum as zlib does. A stream it cannot
            // read there may go on in the next block: it is inflated block by block below.
            let block = block(&mut self.blocks, &self.packs[p].data, at / BLOCK)?;
            let from = (at % BLOCK) as usize;
            let upto = block.len().min((end - (at - at % BLOCK)) as usize);
            let mut out = vec![0u8; size];
            let input = block.get(from..upto)?;
            // The first block's type: bits 1 and 2 of the byte after zlib's 2-byte header (01
            // for fixed codes). Only which inflater reads the stream turns on it.
            let fixed = input.get(2).is_some_and(|b| (b >> 1) & 3 == 1);
            match self.deflaters[usize::from(!fixed)].zlib_decompress(input, &mut out) {
                Ok(n) => return (n == size).then_some(out),
                // More bytes than the entry's header says.
                Err(DecompressionError::InsufficientSpace) => return None,
                Err(DecompressionError::BadData) => {}
            }
        }
        let z = &mut self.z;
        z.reset(true);
        let mut out = Vec::with_capacity(want);
        let mut pos = at;
        loop {
            if pos >= end {
                return None;
            }
            let block = block(&mut self.blocks, &self.packs[p].data, pos / BLOCK)?;
            let z = &mut self.z;
            let from = (pos % BLOCK) as usize;
            let upto = block.len().min((end - (pos - pos % BLOCK)) as usize);
            let input = block.get(from..upto)?;
            let (in0, out0) = (z.total_in(), out.len());
            let status = z
                .decompress_vec(input, &mut out, FlushDecompress::None)
                .ok()?;
            pos += z.total_in() - in0;
            match status {
                Status::StreamEnd => {
                    return (out.len() == size).then_some(out);
                }
                _ if want < size && out.len() == want => return Some(out),
                // No progress: the output is full before the stream ends (it is larger than its
                // header says), or the input is damaged.
                _ if z.total_in() == in0 && out.len() == out0 => return None,
                _ => {}
            }
            if z.total_out() > size as u64 {
                return None;
            }
        }
    }
}

impl Pack {
    /// The pack and index at these paths, when both are regular files in the form libgit2
    /// reads: an index of version 2 of the size its count of objects gives, a pack of version
    /// 2 (libgit2 ignores version 3, which git writes too) holding that count, whose trailing
    /// checksum is the one the index records. libgit2 checks the same when it opens a pack, so
    /// a pack read here is one it would read too.
    fn open(idx: &Path, data: &Path, no: u32) -> Option<Pack> {
        // Opening a FIFO would wait for a writer.
        if !(std::fs::metadata(idx).ok()?.is_file() && std::fs::metadata(data).ok()?.is_file()) {
            return None;
        }
        let idx_file = File::open(idx).ok()?;
        let data_file = File::open(data).ok()?;
        if !(idx_file.metadata().ok()?.is_file() && data_file.metadata().ok()?.is_file()) {
            return None;
        }
        let idx_len = idx_file.metadata().ok()?.len();
        let data_len = data_file.metadata().ok()?.len();
        let mut head = [0u8; 8 + 1024];
        idx_file.read_exact_at(&mut head, 0).ok()?;
        // Version 2 only: `\377tOc`, then 2.
        if head[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        let fanout: Vec<u32> = head[8..]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if fanout.windows(2).any(|w| w[0] > w[1]) {
            return None;
        }
        let count = *fanout.last()? as u64;
        // Names, CRCs and 4-byte offsets, then at most one 8-byte offset for every object
        // but one, then the pack's checksum and the index's own.
        let least = 8 + 1024 + count * 28 + 40;
        let most = least + count.saturating_sub(1) * 8;
        if idx_len < least || idx_len > most {
            return None;
        }
        let mut ph = [0u8; 12];
        data_file.read_exact_at(&mut ph, 0).ok()?;
        if &ph[..4] != b"PACK" || ph[4..8] != [0, 0, 0, 2] {
            return None;
        }
        if u32::from_be_bytes([ph[8], ph[9], ph[10], ph[11]]) as u64 != count {
            return None;
        }
        let (mut recorded, mut trailer) = ([0u8; 20], [0u8; 20]);
        idx_file.read_exact_at(&mut recorded, idx_len - 40).ok()?;
        data_file
            .read_exact_at(&mut trailer, data_len.checked_sub(20)?)
            .ok()?;
        if recorded != trailer || data_len < 32 {
            return None;
        }
        Some(Pack {
            idx: Source {
                file: idx_file,
                no,
                len: idx_len,
            },
            data: Source {
                file: data_file,
                no: no + 1,
                len: data_len,
            },
            fanout,
            count,
        })
    }
}

/// Block `n` of a file, from the cache or read (and kept).
fn block<'c>(cache: &'c mut Blocks, src: &Source, n: u64) -> Option<&'c [u8]> {
    let size = cache.size;
    if cache.get(src.no, n).is_none() {
        let start = n.checked_mul(size)?;
        if start >= src.len {
            return None;
        }
        let len = (src.len - start).min(size) as usize;
        // Zeroed by the allocator (which knows the pages it takes fresh are), then filled.
        let mut b = vec![0u8; len].into_boxed_slice();
        src.file.read_exact_at(&mut b, start).ok()?;
        cache.keep(src, n, b);
    }
    cache.get(src.no, n)
}

/// Fill `out` from `at` of a file, read at once (not cached).
fn pread(src: &Source, at: u64, out: &mut [u8]) -> Option<()> {
    if at.checked_add(out.len() as u64)? > src.len {
        return None;
    }
    src.file.read_exact_at(out, at).ok()
}

/// Fill `out` from `at` of a file, through the block cache.
fn read_at(cache: &mut Blocks, src: &Source, at: u64, out: &mut [u8]) -> Option<()> {
    let mut done = 0;
    while done < out.len() {
        let pos = at.checked_add(done as u64)?;
        let size = cache.size;
        let b = block(cache, src, pos / size)?;
        let from = (pos % size) as usize;
        let part = b.get(from..)?;
        let n = part.len().min(out.len() - done);
        if n == 0 {
            return None;
        }
        out[done..done + n].copy_from_slice(&part[..n]);
        done += n;
    }
    Some(())
}

/// The 20-byte name at `at` of an index, through the block cache.
fn name_at(cache: &mut Blocks, src: &Source, at: u64) -> Option<[u8; 20]> {
    let mut name = [0u8; 20];
    read_at(cache, src, at, &mut name)?;
    Some(name)
}

/// Where `id` is among the sorted names `a..b` (`name(i)` gives the name at `i`), counted from
/// `a`: `Ok(i)`, or `Err(i)` where it would go; `None` when a name cannot be read.
fn search(
    mut name: impl FnMut(u64) -> Option<[u8; 20]>,
    a: u64,
    b: u64,
    id: &[u8],
) -> Option<Result<u64, u64>> {
    let (mut l, mut h) = (a, b);
    while l < h {
        let m = l + (h - l) / 2;
        match name(m)?.as_slice().cmp(id) {
            std::cmp::Ordering::Less => l = m + 1,
            std::cmp::Ordering::Greater => h = m,
            std::cmp::Ordering::Equal => return Some(Ok(m - a)),
        }
    }
    Some(Err(l - a))
}

/// A size in a delta's header: seven bits a byte, least significant first.
fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let c = *b.get(*i)?;
        *i += 1;
        if shift > 63 {
            return None;
        }
        v |= ((c & 0x7f) as u64).checked_shl(shift)?;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Apply a git delta to its base; `None` unless it applies exactly (its base the size it says,
/// every copy inside the base, the result the size it says).
pub fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    if varint(delta, &mut i)? != base.len() as u64 {
        return None;
    }
    let size = varint(delta, &mut i)?;
    if size > CAP {
        return None;
    }
    let size = size as usize;
    let mut out = Vec::with_capacity(size);
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut n = 0usize;
            for k in 0..4 {
                if op & (1 << k) != 0 {
                    off |= (*delta.get(i)? as usize) << (8 * k);
                    i += 1;
                }
            }
            for k in 0..3 {
                if op & (0x10 << k) != 0 {
                    n |= (*delta.get(i)? as usize) << (8 * k);
                    i += 1;
                }
            }
            if n == 0 {
                n = 0x10000;
            }
            let part = base.get(off..off.checked_add(n)?)?;
            if out.len() + n > size {
                return None;
            }
            out.extend_from_slice(part);
        } else if op != 0 {
            let n = op as usize;
            let part = delta.get(i..i + n)?;
            if out.len() + n > size {
                return None;
            }
            out.extend_from_slice(part);
            i += n;
        } else {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testgit::git;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    /// A repeatable stream of numbers (a linear congruential generator) from `seed`.
    fn numbers(mut seed: u64) -> impl FnMut() -> usize {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        }
    }

    /// A repository of 120 commits of a growing, changing file set, packed with long delta
    /// chains, and the ids of all its objects.
    fn packed_repo(depth: &str) -> (tempfile::TempDir, Vec<Oid>) {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        let mut rnd = numbers(7);
        let mut text: Vec<String> = (0..400).map(|i| format!("line {i}\n")).collect();
        for c in 0..120 {
            for _ in 0..5 {
                let i = rnd() % text.len();
                text[i] = format!("changed {c} {}\n", rnd());
                if rnd().is_multiple_of(3) {
                    text.insert(i, format!("new {c}\n"));
                }
            }
            std::fs::create_dir_all(d.join(format!("dir{}", c % 7))).unwrap();
            std::fs::write(d.join("big.txt"), text.concat()).unwrap();
            std::fs::write(
                d.join(format!("dir{}/f{}.txt", c % 7, c % 11)),
                text[..c + 1].concat(),
            )
            .unwrap();
            // A binary file that compresses badly, for long raw streams.
            let bin: Vec<u8> = (0..40_000).map(|_| rnd() as u8).collect();
            std::fs::write(d.join("noise.bin"), bin).unwrap();
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", &format!("c{c}")]);
        }
        git(
            d,
            &[
                "repack",
                "-a",
                "-d",
                "-f",
                &format!("--depth={depth}"),
                "--window=250",
            ],
        );
        let list = git(
            d,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objectname)",
            ],
        );
        let ids = String::from_utf8(list)
            .unwrap()
            .lines()
            .map(|l| Oid::from_str(l).unwrap())
            .collect();
        (t, ids)
    }

    #[test]
    fn every_object_reads_as_libgit2_reads_it() {
        for depth in ["50", "4095"] {
            let (t, ids) = packed_repo(depth);
            let repo = git2::Repository::open(t.path()).unwrap();
            let odb = repo.odb().unwrap();
            let objects = t.path().join(".git/objects");
            assert_eq!(Packs::open(&objects).len(), 1);
            let mut deltas = 0;
            // The second and third pass read again through the caches; the last keeps two
            // blocks of the pack and one of each table of the index, and searches names around
            // a guess even in this small index, and the whole bucket when the guess is off.
            let mut packs = Packs::open(&objects);
            for pass in 0..4 {
                if pass == 3 {
                    packs = Packs::open_with(&objects, 2).with_window(1);
                }
                for id in &ids {
                    let obj = odb.read(*id).unwrap();
                    let got = packs.read(*id, u64::MAX);
                    assert_eq!(
                        got,
                        Got::Found(obj.kind(), obj.data().to_vec()),
                        "{id} pass {pass}"
                    );
                    let (size, kind) = odb.read_header(*id).unwrap();
                    assert_eq!(packs.header(*id), Ok(Some((kind, size as u64))), "{id}");
                    if size > 0 {
                        assert_eq!(
                            packs.read(*id, size as u64 - 1),
                            Got::Over(kind, size as u64),
                            "{id}"
                        );
                    }
                }
            }
            // Ids in no pack are not found.
            for id in &ids {
                let mut other = id.as_bytes().to_vec();
                other[19] ^= 1;
                let other = Oid::from_bytes(&other).unwrap();
                if !ids.contains(&other) {
                    assert_eq!(packs.read(other, u64::MAX), Got::NotHere);
                }
            }
            // The pack did hold deltas, and chains longer than one.
            let verify = git(t.path(), &["verify-pack", "-v", &pack_idx(t.path())]);
            for line in String::from_utf8(verify).unwrap().lines() {
                if line.starts_with("chain length = 2") || line.starts_with("chain length = 5") {
                    deltas += 1;
                }
            }
            assert!(deltas > 0, "no chains of length 2 or 5");
            assert_eq!(packs.read(Oid::zero(), u64::MAX), Got::NotHere);
        }
    }

    #[test]
    fn the_block_cache_keeps_at_most_its_bound_and_lets_the_first_kept_go_first() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("f");
        std::fs::write(&path, (0..=255u8).cycle().take(1000).collect::<Vec<_>>()).unwrap();
        let src = Source {
            file: File::open(&path).unwrap(),
            no: 3,
            len: 1000,
        };
        let mut cache = Blocks::new(100, 2);
        for n in [0, 1, 0, 2] {
            let b = block(&mut cache, &src, n).unwrap();
            assert_eq!(b[0], (n * 100 % 256) as u8);
        }
        // 0 was kept first (asking again keeps it where it was): it went when 2 came.
        assert!(cache.get(3, 0).is_none());
        assert!(cache.get(3, 1).is_some() && cache.get(3, 2).is_some());
        assert_eq!(cache.order.len(), 2);
        let mut out = [0u8; 150];
        read_at(&mut cache, &src, 950, &mut out[..50]).unwrap();
        assert_eq!(out[0], (950 % 256) as u8);
        assert!(read_at(&mut cache, &src, 990, &mut out[..20]).is_none());
        assert!(block(&mut cache, &src, 10).is_none());
    }

    /// A block cache of a file far longer than any pack (a hole before its trailer makes one
    /// of any length) finds its blocks in a map: what it holds follows the blocks it keeps.
    #[test]
    fn a_huge_file_costs_the_block_cache_only_the_blocks_it_keeps() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let src = |no: u32, len: u64| Source {
            file: File::open(&path).unwrap(),
            no,
            len,
        };
        let mut cache = Blocks::new(BLOCK, 4);
        let huge = src(0, 1 << 40);
        let last = (1u64 << 40) / BLOCK - 1;
        cache.keep(&huge, last, Box::from(&b"end"[..]));
        cache.keep(&huge, last + 1, Box::from(&b"past"[..]));
        assert!(matches!(cache.files[0], Slots::Map));
        assert_eq!((cache.tabled, cache.map.len()), (0, 1));
        assert_eq!(cache.get(0, last), Some(&b"end"[..]));
        // A pack of ordinary size has its table, and the two kinds share one bound.
        let small = src(1, 100 * BLOCK);
        for n in 0..5 {
            cache.keep(&small, n, Box::from(&[n as u8][..]));
        }
        assert!(matches!(&cache.files[1], Slots::Table(t) if t.len() == 100));
        assert_eq!(cache.tabled, 100);
        assert!(cache.get(0, last).is_none(), "the first kept went first");
        assert_eq!(cache.map.len(), 0);
        assert_eq!(cache.order.len(), 4);
        assert!(cache.get(1, 0).is_none() && cache.get(1, 4).is_some());
        // Tables stop at their budget: the files past it are mapped.
        let mut cache = Blocks::new(BLOCK, 4);
        let big = src(2, TABLE_SLOTS as u64 * BLOCK);
        cache.keep(&big, 0, Box::from(&b"a"[..]));
        cache.keep(&small, 0, Box::from(&b"b"[..]));
        assert!(matches!(cache.files[2], Slots::Table(_)));
        assert!(matches!(cache.files[1], Slots::Map));
        assert_eq!(cache.get(1, 0), Some(&b"b"[..]));
    }

    /// A pack and its version-2 index written by hand: `entries` are (id, entry bytes) in
    /// pack order; the index records the pack's trailer (20 bytes of 0xab), not a hash of it
    /// (neither this reader nor libgit2's opening of a pack checks that).
    fn write_pack(dir: &Path, entries: &[(Oid, Vec<u8>)]) {
        let mut pack = b"PACK\0\0\0\x02".to_vec();
        pack.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        let mut at = Vec::new();
        for (id, e) in entries {
            at.push((*id, pack.len() as u32));
            pack.extend_from_slice(e);
        }
        let trailer = [0xabu8; 20];
        pack.extend_from_slice(&trailer);
        at.sort_by_key(|(id, _)| *id);
        let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
        for b in 0..=255u8 {
            let n = at.iter().filter(|(id, _)| id.as_bytes()[0] <= b).count() as u32;
            idx.extend_from_slice(&n.to_be_bytes());
        }
        for (id, _) in &at {
            idx.extend_from_slice(id.as_bytes());
        }
        for _ in &at {
            idx.extend_from_slice(&[0; 4]);
        }
        for (_, o) in &at {
            idx.extend_from_slice(&o.to_be_bytes());
        }
        idx.extend_from_slice(&trailer);
        idx.extend_from_slice(&[0; 20]);
        std::fs::create_dir_all(dir.join("pack")).unwrap();
        std::fs::write(dir.join("pack/pack-x.pack"), pack).unwrap();
        std::fs::write(dir.join("pack/pack-x.idx"), idx).unwrap();
    }

    /// A REF_DELTA entry on `base`: its header, the base's id, the zlib stream of `delta`.
    fn ref_delta(base: Oid, delta: &[u8]) -> Vec<u8> {
        assert!(delta.len() < 16);
        let mut e = vec![0x70 | delta.len() as u8];
        e.extend_from_slice(base.as_bytes());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, delta).unwrap();
        e.extend_from_slice(&z.finish().unwrap());
        e
    }

    /// Two entries that are each a delta on the other (a red-team helper's pack; git's
    /// `index-pack` refuses it, a copied repository can hold it): the reader says the objects
    /// are broken instead of handing them to libgit2, which follows the loop for ever.
    #[test]
    fn a_delta_chain_that_loops_is_broken_and_never_asked_of_libgit2() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (
            Oid::from_bytes(&[0x11; 20]).unwrap(),
            Oid::from_bytes(&[0x22; 20]).unwrap(),
        );
        // A delta from 3 bytes to 3: copy them all.
        let delta = [3, 3, 0x90, 3];
        write_pack(
            t.path(),
            &[(a, ref_delta(b, &delta)), (b, ref_delta(a, &delta))],
        );
        let mut packs = Packs::open(t.path());
        assert_eq!(packs.len(), 1);
        for id in [a, b] {
            match packs.read(id, u64::MAX) {
                Got::Broken(why) => assert!(why.contains("delta chain longer than"), "{why}"),
                other => panic!("{id}: {other:?}"),
            }
            assert!(packs.header(id).is_err());
        }
    }

    fn pack_idx(d: &Path) -> String {
        std::fs::read_dir(d.join(".git/objects/pack"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path().display().to_string())
            .find(|p| p.ends_with(".idx"))
            .unwrap()
    }

    /// Damaged packs and indexes: every read ends (no panic, no endless loop, no allocation
    /// past the cap), and an object whose bytes were not touched still reads as it is.
    #[test]
    fn damaged_packs_never_panic() {
        let (t, ids) = packed_repo("50");
        let repo = git2::Repository::open(t.path()).unwrap();
        let odb = repo.odb().unwrap();
        let truth: Vec<(ObjectType, Vec<u8>)> = ids
            .iter()
            .map(|i| {
                let o = odb.read(*i).unwrap();
                (o.kind(), o.data().to_vec())
            })
            .collect();
        let idx = pack_idx(t.path());
        let pack = idx.replace(".idx", ".pack");
        let (idx_bytes, pack_bytes) = (std::fs::read(&idx).unwrap(), std::fs::read(&pack).unwrap());
        let broken = tempfile::tempdir().unwrap();
        let dir = broken.path().join("pack");
        std::fs::create_dir_all(&dir).unwrap();
        let mut rnd = numbers(11);
        let mut found = 0;
        for round in 0..60 {
            let (mut i, mut p) = (idx_bytes.clone(), pack_bytes.clone());
            for _ in 0..(1 + round % 4) {
                if round % 3 == 0 {
                    let k = rnd() % i.len();
                    i[k] ^= 1 << (rnd() % 8);
                } else {
                    let k = rnd() % p.len();
                    p[k] = rnd() as u8;
                }
            }
            if round % 10 == 9 {
                p.truncate(rnd() % p.len());
            }
            std::fs::write(dir.join("pack-x.idx"), &i).unwrap();
            std::fs::write(dir.join("pack-x.pack"), &p).unwrap();
            let mut packs = Packs::open(broken.path());
            // Streams inflated whole (libdeflate) and block by block (zlib-rs): the same
            // answers from the same damaged bytes.
            let mut streamed = Packs::open(broken.path()).block_by_block();
            for (id, want) in ids.iter().zip(&truth) {
                let got = packs.read(*id, u64::MAX);
                assert_eq!(got, streamed.read(*id, u64::MAX), "{id} round {round}");
                if let Got::Found(k, b) = got {
                    assert!(b.len() as u64 <= CAP);
                    if (k, &b) == (want.0, &want.1) {
                        found += 1;
                    }
                }
                let _ = packs.header(*id);
            }
        }
        assert!(found > 0);
    }

    /// An entry whose header says one byte more or less than its stream inflates to is not
    /// read, whether its stream is inflated whole or block by block (git's `index-pack` refuses
    /// such a pack; only a direct write makes one).
    #[test]
    fn an_entry_that_inflates_to_another_size_than_its_header_says_is_not_read() {
        let (t, _) = packed_repo("50");
        let idx = pack_idx(t.path());
        let pack = idx.replace(".idx", ".pack");
        let list = String::from_utf8(git(t.path(), &["verify-pack", "-v", &idx])).unwrap();
        // Entries that are not deltas: `id type size size-in-pack offset`.
        let whole: Vec<(Oid, u64)> = list
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 5 && f[1] == "blob")
            .map(|f| (Oid::from_str(f[0]).unwrap(), f[4].parse().unwrap()))
            .collect();
        assert!(whole.len() > 3, "{list}");
        let original = std::fs::read(&pack).unwrap();
        let mut changed = 0;
        for (id, at) in whole {
            // The low four bits of an entry's first byte are the low bits of its size.
            let first = original[at as usize];
            for edit in [1i8, -1] {
                let low = (first & 0x0f) as i8 + edit;
                if !(0..=15).contains(&low) {
                    continue;
                }
                let mut p = original.clone();
                p[at as usize] = (first & 0xf0) | low as u8;
                std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
                std::fs::write(&pack, &p).unwrap();
                let objects = t.path().join(".git/objects");
                let mut packs = Packs::open(&objects);
                let mut streamed = Packs::open(&objects).block_by_block();
                assert_eq!(packs.read(id, u64::MAX), Got::NotHere, "{id} {edit}");
                assert_eq!(streamed.read(id, u64::MAX), Got::NotHere, "{id} {edit}");
                changed += 1;
            }
        }
        assert!(changed > 3);
    }

    /// What libgit2 would not read is not read here either: a pack of version 3, a pack whose
    /// trailer is not the checksum its index records, an index longer than its objects allow,
    /// files that are not regular files (a FIFO would block the open); and the empty tree's id
    /// is left to libgit2, which answers it from a table of its own.
    #[test]
    fn packs_libgit2_would_not_read_are_left_to_it() {
        let (t, ids) = packed_repo("50");
        let idx = pack_idx(t.path());
        let pack = idx.replace(".idx", ".pack");
        let (i, p) = (std::fs::read(&idx).unwrap(), std::fs::read(&pack).unwrap());
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pack")).unwrap();
        let opened = |i: &[u8], p: &[u8]| {
            std::fs::write(dir.path().join("pack/pack-x.idx"), i).unwrap();
            std::fs::write(dir.path().join("pack/pack-x.pack"), p).unwrap();
            Packs::open(dir.path()).len()
        };
        assert_eq!(opened(&i, &p), 1);
        let mut v3 = p.clone();
        v3[7] = 3;
        assert_eq!(opened(&i, &v3), 0, "version 3");
        let mut trailer = p.clone();
        *trailer.last_mut().unwrap() ^= 1;
        assert_eq!(
            opened(&i, &trailer),
            0,
            "a trailer the index does not record"
        );
        let mut long = i.clone();
        let at = long.len() - 40;
        long.splice(at..at, std::iter::repeat_n(0u8, 8 * ids.len()));
        assert_eq!(
            opened(&long, &p),
            0,
            "an index longer than its offsets allow"
        );
        std::fs::remove_file(dir.path().join("pack/pack-x.pack")).unwrap();
        let fifo = Command::new("mkfifo")
            .arg(dir.path().join("pack/pack-x.pack"))
            .status()
            .unwrap();
        assert!(fifo.success());
        assert_eq!(Packs::open(dir.path()).len(), 0, "a FIFO for a pack");
        // The empty tree's id, even in a pack that holds it, is libgit2's to read.
        let empty = git(t.path(), &["hash-object", "-t", "tree", "-w", "/dev/null"]);
        let empty = Oid::from_str(String::from_utf8(empty).unwrap().trim()).unwrap();
        assert_eq!(empty.as_bytes(), EMPTY_TREE);
        git(t.path(), &["repack", "-a", "-d", "-q", "-k"]);
        let mut packs = Packs::open(&t.path().join(".git/objects"));
        assert_eq!(packs.read(empty, u64::MAX), Got::NotHere);
        assert!(matches!(packs.read(ids[0], u64::MAX), Got::Found(..)));
    }

    /// A size in a delta's header written in `k` bytes (`0x80` continuation bytes padding it,
    /// which git accepts).
    fn padded(n: u8, k: usize) -> Vec<u8> {
        if k == 1 {
            return vec![n];
        }
        let mut v = vec![n | 0x80];
        v.extend(std::iter::repeat_n(0x80, k - 2));
        v.push(0);
        v
    }

    /// A pack entry's header: its type and size.
    fn entry_head(kind: u8, mut size: usize) -> Vec<u8> {
        let mut c = (kind << 4) | (size & 15) as u8;
        size >>= 4;
        let mut out = vec![];
        while size > 0 {
            out.push(c | 0x80);
            c = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(c);
        out
    }

    /// An `OFS_DELTA`'s distance back to its base, as git writes it.
    fn back_to(mut n: usize) -> Vec<u8> {
        let mut out = vec![(n & 0x7f) as u8];
        n >>= 7;
        while n > 0 {
            n -= 1;
            out.insert(0, 0x80 | (n & 0x7f) as u8);
            n >>= 7;
        }
        out
    }

    fn deflated(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// Found by a red-team helper, and reachable by a push: deltas whose two sizes are padded
    /// to 1..=10 bytes each, in a pack `git index-pack` accepts. libgit2 reads a delta's header
    /// from its first 16 bytes and refuses the size check past them; this reader answers the
    /// same wherever libgit2 answers, and leaves the rest to libgit2 (never a different size
    /// or other bytes).
    #[test]
    fn deltas_with_padded_sizes_read_as_libgit2_reads_them() {
        use sha1::{Digest, Sha1};
        let t = tempfile::tempdir().unwrap();
        git(t.path(), &["init", "-q", "--bare"]);
        let base = b"0123456789abcdef".repeat(4);
        let mut body = entry_head(3, base.len());
        body.extend(deflated(&base));
        let mut ids = vec![];
        for k in 1..=10usize {
            let n = 20 + k;
            let mut delta = padded(64, k);
            delta.extend(padded(n as u8, k));
            // Copy `n` bytes from offset `k`: one offset byte, one size byte.
            delta.extend([0x80 | 0x01 | 0x10, k as u8, n as u8]);
            let at = 12 + body.len();
            body.extend(entry_head(6, delta.len()));
            body.extend(back_to(at - 12)); // the base is the first entry, at offset 12
            body.extend(deflated(&delta));
            let want = &base[k..k + n];
            let mut h = Sha1::new();
            h.update(format!("blob {}\0", want.len()).as_bytes());
            h.update(want);
            ids.push((k, Oid::from_bytes(&h.finalize()).unwrap(), want.to_vec()));
        }
        let mut pack = b"PACK".to_vec();
        pack.extend(2u32.to_be_bytes());
        pack.extend(11u32.to_be_bytes());
        pack.extend(body);
        let sum = Sha1::digest(&pack);
        pack.extend(sum);
        let file = t.path().join("objects/pack/pack-x.pack");
        std::fs::write(&file, &pack).unwrap();
        git(t.path(), &["index-pack", file.to_str().unwrap()]);
        let repo = git2::Repository::open(t.path()).unwrap();
        git2::opts::strict_hash_verification(false);
        let odb = repo.odb().unwrap();
        let mut packs = Packs::open(&t.path().join("objects"));
        assert_eq!(packs.len(), 1);
        let mut refused = 0;
        for (k, id, want) in ids {
            assert_eq!(
                odb.read(id).unwrap().data(),
                want.as_slice(),
                "libgit2, {k}"
            );
            match odb.read_header(id) {
                Ok((size, kind)) => {
                    assert_eq!(packs.header(id), Ok(Some((kind, size as u64))), "{k}");
                    assert_eq!(packs.read(id, u64::MAX), Got::Found(kind, want), "{k}");
                }
                Err(_) => {
                    refused += 1;
                    assert_eq!(packs.header(id), Ok(None), "{k}");
                    assert_eq!(packs.read(id, u64::MAX), Got::NotHere, "{k}");
                }
            }
        }
        // Sizes of 9 and 10 bytes each run past libgit2's 16.
        assert_eq!(refused, 2);
    }

    #[test]
    fn a_delta_applies_exactly_or_not_at_all() {
        let base = b"0123456789abcdef";
        // Source 16, result 8: copy 4 bytes from offset 2, insert "wxyz".
        let d = [16, 8, 0x80 | 0x01 | 0x10, 2, 4, 4, b'w', b'x', b'y', b'z'];
        assert_eq!(apply(base, &d).as_deref(), Some(&b"2345wxyz"[..]));
        // The base's size wrong, the result's size wrong, a copy past the base, a zero op,
        // a cut insert.
        assert_eq!(apply(b"short", &d), None);
        let mut e = d;
        e[1] = 9;
        assert_eq!(apply(base, &e), None);
        assert_eq!(apply(base, &[16, 4, 0x80 | 0x01 | 0x10, 14, 4]), None);
        assert_eq!(apply(base, &[16, 1, 0]), None);
        assert_eq!(apply(base, &[16, 4, 4, b'a']), None);
        // A copy of size 0 means 0x10000, past this base.
        assert_eq!(apply(base, &[16, 4, 0x80]), None);
    }
}
