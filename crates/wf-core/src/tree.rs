//! Trees as git stores them, checked before anything is read from them.
//!
//! libgit2 presents a tree kindly: it normalises modes (`100664` reads as `100644`), finds a
//! name by bisecting even when the entries are out of order or repeated, and accepts names that
//! git itself would never write. A verifier that reads through that view can be shown one thing
//! while a checkout writes another. So wf parses tree objects itself, byte by byte, and accepts
//! only the canonical form git writes (what `git fsck` checks: known modes without zero padding,
//! names without `/`, never `.`, `..` or `.git` in any spelling, entries strictly sorted and
//! unique), plus wf's own rules for its two folders: under `.wf/` and `tasks/` only folders and
//! regular files with ASCII names, unique however a file system folds case; at the top level of
//! a store, no look-alike of `.wf` or `tasks` (another case, a Unicode confusable, a Windows
//! spelling). Everything else is refused before any rule runs (`spec/verify.md`, "Trees").
//!
//! The verifier and every tool read through this one check (`wf_store::tree`), so what a
//! reviewer is shown is what the verifier judged.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// The largest tree object wf reads: far above any tree a store needs (a shard of 10,000 tasks
/// is about 3 KB), and small enough that a hostile tree cannot exhaust memory.
pub const MAX_TREE_SIZE: u64 = 16 << 20;

/// The mode of a tree entry, as git writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// `40000`: a folder (a tree).
    Tree,
    /// `100644`: a regular file.
    File,
    /// `100755`: an executable file.
    Executable,
    /// `120000`: a symbolic link.
    Symlink,
    /// `160000`: a submodule (a commit of another repository).
    Gitlink,
}

impl Mode {
    /// The mode of these raw bytes, only in the exact spelling git writes (`40000`, never
    /// `040000`; `100644`, never `100664`).
    pub fn parse(raw: &[u8]) -> Option<Mode> {
        Some(match raw {
            b"40000" => Mode::Tree,
            b"100644" => Mode::File,
            b"100755" => Mode::Executable,
            b"120000" => Mode::Symlink,
            b"160000" => Mode::Gitlink,
            _ => return None,
        })
    }

    /// The mode as `git ls-tree` prints it (`040000` for a folder).
    pub fn octal(self) -> &'static str {
        match self {
            Mode::Tree => "040000",
            Mode::File => "100644",
            Mode::Executable => "100755",
            Mode::Symlink => "120000",
            Mode::Gitlink => "160000",
        }
    }

    /// What an entry of this mode is, for messages.
    pub fn what(self) -> &'static str {
        match self {
            Mode::Tree => "a folder",
            Mode::File => "a regular file",
            Mode::Executable => "an executable file",
            Mode::Symlink => "a symbolic link",
            Mode::Gitlink => "a submodule",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.octal())
    }
}

/// A git object id (SHA-1), as raw bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub [u8; 20]);

impl ObjectId {
    /// The id as 40 lowercase hex digits.
    pub fn hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(40);
        for b in self.0 {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
        out
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// One entry of a tree: its identity is its mode and its object id together, never the id
/// alone (a file and a submodule may carry the same id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The name, as stored (bytes; wf's folders hold only ASCII).
    pub name: std::rc::Rc<[u8]>,
    /// The mode.
    pub mode: Mode,
    /// The object.
    pub id: ObjectId,
}

impl Entry {
    /// The name as text, for paths and messages (invalid UTF-8 replaced).
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    /// Whether the entry is a folder.
    pub fn is_tree(&self) -> bool {
        self.mode == Mode::Tree
    }

    /// The entry's identity as one string, `<mode> <id>`, for comparisons that must see a
    /// change of mode as a change.
    pub fn identity(&self) -> String {
        format!("{} {}", self.mode, self.id)
    }
}

/// Which rules a tree is held to, by where it sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// The top level of a store's commit: any canonical entry, `.wf` and `tasks` only as
    /// folders, and no look-alike of either.
    Top,
    /// `.wf/` or `tasks/` and everything below: folders and regular files with ASCII names,
    /// unique without regard to case.
    Wf,
    /// Outside wf's folders (code and documents beside a store): git's canonical form only.
    Other,
}

/// The names of wf's two folders at the top of a store.
pub const WF_DIRS: [&str; 2] = [".wf", "tasks"];

/// The top-level names a store's checkout must not be confused about: wf's folders, and git's
/// own files the verifier judges (`.gitattributes`, `.mailmap`; see [`crate::checkout`]).
pub const GUARDED: [&str; 4] = [".wf", "tasks", ".gitattributes", ".mailmap"];

/// Parse a tree object's bytes (`<mode> <name>\0<20-byte id>` repeated) and check it against
/// the rules of its area. The error says what is wrong, naming the entry, without the tree's
/// path (the caller knows it).
pub fn parse(bytes: &[u8], area: Area) -> Result<Vec<Entry>, String> {
    let entries = parse_entries(bytes)?;
    check(&entries, area)?;
    Ok(entries)
}

/// The entries of the tree `bytes` when it is the checked tree `base` (parsed by [`parse`]
/// from `base_bytes`, in some area) with nothing changed but object ids: the same length, and
/// every entry's mode, name and separators the same bytes at the same place. Such a tree is
/// split into the same entries, and [`check`] looks at modes and names only, never at ids, so
/// its verdict in that area is `base`'s: `Ok`. `None` when anything else differs (then parse it).
///
/// A commit's `tasks/` tree is most often its parent's with one shard's id changed: this is
/// how the verifier checks it without parsing its hundreds of entries again.
pub fn parse_like(bytes: &[u8], base_bytes: &[u8], base: &[Entry]) -> Option<Vec<Entry>> {
    if bytes.len() != base_bytes.len() {
        return None;
    }
    let mut out = Vec::with_capacity(base.len());
    let mut at = 0;
    for e in base {
        // `<mode> <name>\0`, the mode as git spells it (the only spelling `Mode::parse` takes).
        let head = raw_mode(e.mode).len() + 1 + e.name.len() + 1;
        let id_at = at + head;
        if bytes.get(at..id_at)? != base_bytes.get(at..id_at)? {
            return None;
        }
        let id: [u8; 20] = bytes.get(id_at..id_at + 20)?.try_into().ok()?;
        out.push(Entry {
            name: e.name.clone(),
            mode: e.mode,
            id: ObjectId(id),
        });
        at = id_at + 20;
    }
    (at == bytes.len()).then_some(out)
}

/// A mode's digits as git writes them in a tree (`40000` for a folder).
fn raw_mode(mode: Mode) -> &'static str {
    match mode {
        Mode::Tree => "40000",
        m => m.octal(),
    }
}

/// One entry of a tree as its bytes spell it, the mode not yet judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEntry<'a> {
    /// The mode's digits, as stored.
    pub mode: &'a [u8],
    /// The name, as stored.
    pub name: &'a [u8],
    /// The object.
    pub id: ObjectId,
}

/// Split a tree object into its entries without judging them. Fails only when the bytes are
/// not a sequence of entries at all.
pub fn scan(bytes: &[u8]) -> Result<Vec<RawEntry<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let sp = rest
            .iter()
            .position(|b| *b == b' ')
            .ok_or("a tree entry has no mode")?;
        let after = &rest[sp + 1..];
        let nul = after
            .iter()
            .position(|b| *b == 0)
            .ok_or("a tree entry has no end")?;
        let id = after
            .get(nul + 1..nul + 21)
            .ok_or("a tree entry's object id is cut short")?;
        let mut oid = [0u8; 20];
        oid.copy_from_slice(id);
        out.push(RawEntry {
            mode: &rest[..sp],
            name: &after[..nul],
            id: ObjectId(oid),
        });
        rest = &after[nul + 21..];
    }
    Ok(out)
}

/// Split a tree object into entries, refusing a mode git never writes, without judging
/// names or order (see [`check`]).
pub fn parse_entries(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    scan(bytes)?
        .into_iter()
        .map(|r| {
            let mode = Mode::parse(r.mode).ok_or_else(|| {
                format!(
                    "{} has mode {}, which git never writes",
                    quote(r.name),
                    quote(r.mode).trim_matches('"')
                )
            })?;
            Ok(Entry {
                name: r.name.into(),
                mode,
                id: r.id,
            })
        })
        .collect()
}

/// Check parsed entries: names, order, uniqueness, and the rules of the area.
pub fn check(entries: &[Entry], area: Area) -> Result<(), String> {
    for e in entries {
        check_name(&e.name)?;
    }
    for w in entries.windows(2) {
        match git_order(&w[0], &w[1]) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                return Err(format!("{} appears twice", quote(&w[1].name)))
            }
            std::cmp::Ordering::Greater => {
                return Err(format!(
                    "entries are not sorted ({} comes before {})",
                    quote(&w[0].name),
                    quote(&w[1].name)
                ))
            }
        }
    }
    // Sorted, a file `a` and a folder `a` need not be neighbours (`a`, `a.b`, `a/`); under
    // wf's folders a name may not repeat in another case either.
    if let Some(i) = first_repeat(entries, area == Area::Wf) {
        return Err(format!("{} appears twice", quote(&entries[i].name)));
    }
    match area {
        Area::Other => Ok(()),
        Area::Wf => {
            for e in entries {
                if !matches!(e.mode, Mode::Tree | Mode::File) {
                    return Err(format!(
                        "{} is {} (mode {}); only folders and regular files (mode 100644) belong under .wf/ and tasks/",
                        quote(&e.name),
                        e.mode.what(),
                        e.mode
                    ));
                }
                if !e.name.iter().all(|b| b.is_ascii_graphic()) {
                    return Err(format!(
                        "entry name {} is not allowed under .wf/ and tasks/ (wf writes printable ASCII names)",
                        quote(&e.name)
                    ));
                }
            }
            Ok(())
        }
        Area::Top => {
            for e in entries {
                let name = e.name();
                if WF_DIRS.contains(&name.as_str()) {
                    if e.mode != Mode::Tree {
                        return Err(format!(
                            "{name} is not a folder: it is {} (mode {})",
                            e.mode.what(),
                            e.mode
                        ));
                    }
                } else if let Some(target) = look_alike(&e.name) {
                    return Err(format!(
                        "top-level entry {} is a look-alike of {target}: the two collide on case-insensitive or Unicode-folding file systems",
                        quote(&e.name)
                    ));
                }
            }
            Ok(())
        }
    }
}

/// The index of the first entry (in tree order) whose name an earlier entry already has,
/// compared without regard to ASCII case when `fold`. Names are grouped by a hash of their
/// (folded) bytes, and only names with equal hashes are compared; within such a group they are
/// sorted, so even a tree built to make every hash collide costs `n log n`, never `n²`.
fn first_repeat(entries: &[Entry], fold: bool) -> Option<usize> {
    let folded = |b: u8| if fold { b.to_ascii_lowercase() } else { b };
    // FNV-1a: a hash only groups names here, a collision is never taken for a repeat.
    let hash = |n: &[u8]| {
        n.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(folded(*b))).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let cmp = |a: usize, b: usize| {
        let (x, y) = (&entries[a].name, &entries[b].name);
        x.iter()
            .map(|b| folded(*b))
            .cmp(y.iter().map(|b| folded(*b)))
            .then(a.cmp(&b))
    };
    let mut keys: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (hash(&e.name), i))
        .collect();
    keys.sort_unstable();
    let mut first: Option<usize> = None;
    let mut run: Vec<usize> = Vec::new();
    for group in keys.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        run.clear();
        run.extend(group.iter().map(|k| k.1));
        run.sort_unstable_by(|a, b| cmp(*a, *b));
        // Equal names are neighbours now, the earliest first: the second of each is the first
        // entry that repeats an earlier one.
        for same in run.chunk_by(|a, b| names_equal(&entries[*a].name, &entries[*b].name, fold)) {
            if let Some(second) = same.get(1) {
                first = Some(first.map_or(*second, |f| f.min(*second)));
            }
        }
    }
    first
}

fn names_equal(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

/// The entry named `name` in checked entries (in git's order, each name once): found by
/// bisection, the name looked for both as a file and as a folder.
pub fn find<'a>(entries: &'a [Entry], name: &[u8]) -> Option<&'a Entry> {
    [false, true].into_iter().find_map(|tree| {
        entries
            .binary_search_by(|e| order_against(e, name, tree))
            .ok()
            .map(|i| &entries[i])
    })
}

/// [`git_order`] of an entry against a name that is a folder (`tree`) or not.
fn order_against(e: &Entry, name: &[u8], tree: bool) -> std::cmp::Ordering {
    let x = &e.name;
    let n = x.len().min(name.len());
    x[..n].cmp(&name[..n]).then_with(|| {
        let a = x.get(n).copied().or(e.is_tree().then_some(b'/'));
        let b = name.get(n).copied().or(tree.then_some(b'/'));
        a.cmp(&b)
    })
}

/// A name git never writes into a tree: empty, with `/`, `.`, `..`, or `.git` in any
/// spelling a file system could take for it (case, HFS+'s ignored characters, NTFS's trailing
/// dots and spaces, its short name `git~1` and stream suffixes).
pub fn check_name(name: &[u8]) -> Result<(), String> {
    let bad =
        name.is_empty() || name.contains(&b'/') || name == b"." || name == b".." || is_dotgit(name);
    if bad {
        return Err(format!("entry name {} is not allowed", quote(name)));
    }
    Ok(())
}

fn is_dotgit(name: &[u8]) -> bool {
    // Only a name that starts with `.` or `g` once folded can be taken for `.git`: a plain
    // ASCII name starting with anything else (every name wf writes, but `.wf`) is not.
    let plain = name.is_ascii() && !matches!(name.first(), Some(b'.' | b'g' | b'G'));
    if plain {
        return false;
    }
    let folded = windows_fold(&strip_ignorable(&String::from_utf8_lossy(name))).to_lowercase();
    folded == ".git" || folded == "git~1"
}

/// The name without the code points HFS+ ignores when it compares names (as git's
/// `is_hfs_dotgit` lists them) and the other default-ignorable ones
/// ([`crate::text::is_hidden`]): a name with them looks and opens like one without.
fn strip_ignorable(s: &str) -> String {
    s.chars().filter(|c| !crate::text::is_hidden(*c)).collect()
}

/// What Windows makes of a name: an NTFS stream suffix (`:…`) dropped, trailing dots and
/// spaces dropped.
fn windows_fold(s: &str) -> String {
    let s = s.split(':').next().unwrap_or("");
    s.trim_end_matches(['.', ' ']).to_string()
}

/// The guarded name ([`GUARDED`]: `.wf`, `tasks`, `.gitattributes`, `.mailmap`) this
/// top-level name would be taken for, when it is not that very name: equal after case folding,
/// Unicode compatibility normalisation, removing ignorable code points, Windows' folding, or
/// mapping confusable characters to their prototypes (Unicode TR39 skeletons: Cyrillic `а`
/// for `a`, fullwidth `ｔ` for `t`). On a case-insensitive file system git opens
/// `.GITATTRIBUTES` as `.gitattributes`.
pub fn look_alike(name: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(name);
    if GUARDED.contains(&text.as_ref()) {
        return None;
    }
    let plain = windows_fold(&strip_ignorable(&text));
    let folded: String = plain
        .nfkc()
        .collect::<String>()
        .to_uppercase()
        .to_lowercase();
    let folded = windows_fold(&folded);
    let skel: String = skeleton(&folded).collect::<String>().to_lowercase();
    GUARDED.into_iter().find(|target| {
        let t_skel: String = skeleton(target).collect();
        folded == *target
            || skel == t_skel
            || (*target == ".wf" && (folded == "wf~1" || skel == "wf~1"))
    })
}

/// Git's order of tree entries: by name bytes, a folder's name read as if it ended in `/`.
#[inline]
pub fn git_order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    let (x, y) = (&a.name, &b.name);
    if x == y {
        // Most often so when a diff pairs two versions of a folder: a file sorts before a
        // folder of the same name (`name` before `name/`), as the general case below says.
        return a.is_tree().cmp(&b.is_tree());
    }
    let n = x.len().min(y.len());
    x[..n].cmp(&y[..n]).then_with(|| {
        let end = |e: &Entry, name: &[u8]| name.get(n).copied().or(e.is_tree().then_some(b'/'));
        end(a, x).cmp(&end(b, y))
    })
}

/// A name for a message: quoted, with control characters and invalid UTF-8 escaped.
pub fn quote(name: &[u8]) -> String {
    let text = String::from_utf8_lossy(name);
    format!("\"{}\"", crate::text::visible(&text).replace('"', "\\\""))
}

/// Serialise entries as git does (for tests and for building trees by hand).
pub fn to_bytes(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(raw_mode(e.mode).as_bytes());
        out.push(b' ');
        out.extend_from_slice(&e.name);
        out.push(0);
        out.extend_from_slice(&e.id.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, mode: Mode) -> Entry {
        Entry {
            name: name.as_bytes().into(),
            mode,
            id: ObjectId([7; 20]),
        }
    }

    fn raw(rows: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name) in rows {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name);
            out.push(0);
            out.extend_from_slice(&[1; 20]);
        }
        out
    }

    #[test]
    fn a_canonical_tree_round_trips() {
        let entries = vec![
            e(".wf", Mode::Tree),
            e("README.md", Mode::File),
            e("tasks", Mode::Tree),
        ];
        assert_eq!(
            parse(&to_bytes(&entries), Area::Top).unwrap(),
            entries,
            "top"
        );
    }

    #[test]
    fn modes_git_never_writes_are_refused_not_normalised() {
        for bad in ["100664", "040000", "0100644", "100000", "644", "1006440"] {
            let err = parse(&raw(&[(bad, b"a")]), Area::Other).unwrap_err();
            assert!(err.contains("mode") && err.contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn duplicates_are_refused_even_when_not_neighbours() {
        let dup = vec![e("a", Mode::File), e("a", Mode::File)];
        assert!(check(&dup, Area::Other)
            .unwrap_err()
            .contains("appears twice"));
        // `a` (file) < `a.b` < `a/` (folder): sorted, yet `a` twice.
        let apart = vec![e("a", Mode::File), e("a.b", Mode::File), e("a", Mode::Tree)];
        assert!(check(&apart, Area::Other)
            .unwrap_err()
            .contains("appears twice"));
    }

    #[test]
    fn unsorted_entries_are_refused() {
        let t = vec![e("b", Mode::File), e("a", Mode::File)];
        assert!(check(&t, Area::Other).unwrap_err().contains("not sorted"));
        // A folder sorts as its name plus `/`: `a-b` (0x2d) before `a/` (0x2f).
        let ok = vec![
            e("a-b", Mode::File),
            e("a", Mode::Tree),
            e("a0", Mode::File),
        ];
        check(&ok, Area::Other).unwrap();
    }

    #[test]
    fn names_that_are_paths_or_git_folders_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            ".git",
            ".GIT",
            ".Git",
            "git~1",
            "GIT~1",
            ".git.",
            ".git ",
            ".git::$INDEX_ALLOCATION",
            ".g\u{200c}it",
            "\u{feff}.git",
        ] {
            assert!(check_name(bad.as_bytes()).is_err(), "{bad:?}");
        }
        for good in [".gitignore", ".gitmodules", "git", "a..b", "...", ".wf"] {
            check_name(good.as_bytes()).unwrap();
        }
    }

    #[test]
    fn look_alikes_of_wf_folders_are_found() {
        for (name, target) in [
            ("TASKS", "tasks"),
            ("Tasks", "tasks"),
            ("t\u{0430}sks", "tasks"),
            ("\u{ff54}\u{ff41}\u{ff53}\u{ff4b}\u{ff53}", "tasks"),
            ("ta\u{017f}ks", "tasks"),
            ("tasks.", "tasks"),
            ("tasks ", "tasks"),
            ("ta\u{200d}sks", "tasks"),
            ("tasks::$DATA", "tasks"),
            (".WF", ".wf"),
            (".Wf", ".wf"),
            (".w\u{200c}f", ".wf"),
            ("WF~1", ".wf"),
            (".\u{ff57}f", ".wf"),
        ] {
            assert_eq!(look_alike(name.as_bytes()), Some(target), "{name:?}");
        }
        for other in [
            "tasks", ".wf", "task", "tasks2", "wf", ".wf2", "docs", "src", "out",
        ] {
            assert_eq!(look_alike(other.as_bytes()), None, "{other:?}");
        }
    }

    #[test]
    fn the_top_level_of_a_store_holds_its_folders_as_folders_and_no_look_alike() {
        let gitlink = vec![e(".wf", Mode::Gitlink)];
        assert!(check(&gitlink, Area::Top)
            .unwrap_err()
            .contains(".wf is not a folder: it is a submodule (mode 160000)"));
        let both = vec![e(".wf", Mode::Tree), e("TASKS", Mode::Tree)];
        assert!(check(&both, Area::Top)
            .unwrap_err()
            .contains("look-alike of tasks"));
        // Code beside a store may hold anything git writes.
        let code = vec![
            e("link", Mode::Symlink),
            e("run.sh", Mode::Executable),
            e("vendor", Mode::Gitlink),
        ];
        check(&code, Area::Top).unwrap();
    }

    #[test]
    fn wf_folders_hold_only_folders_and_regular_files_with_ascii_names() {
        for (m, what) in [
            (Mode::Gitlink, "submodule"),
            (Mode::Symlink, "symbolic link"),
            (Mode::Executable, "executable"),
        ] {
            let t = vec![e("a.md", m)];
            let err = check(&t, Area::Wf).unwrap_err();
            assert!(err.contains(what) && err.contains("mode"), "{err}");
        }
        let case = vec![e("A.md", Mode::File), e("a.md", Mode::File)];
        assert!(check(&case, Area::Wf)
            .unwrap_err()
            .contains("appears twice"));
        let cyr = vec![e("\u{0430}.md", Mode::File)];
        assert!(check(&cyr, Area::Wf).unwrap_err().contains("ASCII"));
        let sp = vec![e("a b", Mode::File)];
        assert!(check(&sp, Area::Wf).is_err());
    }

    #[test]
    fn truncated_trees_are_no_trees() {
        let mut t = raw(&[("100644", b"a")]);
        t.pop();
        assert!(parse_entries(&t).is_err());
        assert!(parse_entries(b"100644 a").is_err());
        assert!(parse_entries(b"100644").is_err());
        assert_eq!(parse_entries(b"").unwrap(), vec![]);
    }

    /// The first entry that repeats an earlier name, by the definition: the smallest `i` with
    /// some `j < i` of the same (folded) name.
    fn first_repeat_naive(entries: &[Entry], fold: bool) -> Option<usize> {
        (0..entries.len()).find(|&i| {
            entries[..i]
                .iter()
                .any(|x| names_equal(&x.name, &entries[i].name, fold))
        })
    }

    proptest::proptest! {
        /// git's order: names (never holding `/`) compared as bytes, a folder's as if it ended in `/`;
        /// equal names included (a file and a folder of one name, and the same entry twice).
        #[test]
        fn git_order_is_the_order_of_names_with_a_slash_after_folders(
            a in "[a-c.0-]{0,3}", b in "[a-c.0-]{0,3}", ta in proptest::bool::ANY, tb in proptest::bool::ANY,
            same in proptest::bool::ANY,
        ) {
            let b = if same { a.clone() } else { b };
            let key = |n: &str, t: bool| format!("{n}{}", if t { "/" } else { "" }).into_bytes();
            let mode = |t: bool| if t { Mode::Tree } else { Mode::File };
            proptest::prop_assert_eq!(
                git_order(&e(&a, mode(ta)), &e(&b, mode(tb))),
                key(&a, ta).cmp(&key(&b, tb))
            );
        }

        #[test]
        fn repeats_are_found_as_the_definition_says(
            names in proptest::collection::vec("[aAbB.]{0,3}", 0..24),
            trees in proptest::collection::vec(proptest::bool::ANY, 24),
            fold in proptest::bool::ANY,
        ) {
            let entries: Vec<Entry> = names
                .iter()
                .zip(&trees)
                .map(|(n, t)| e(n, if *t { Mode::Tree } else { Mode::File }))
                .collect();
            proptest::prop_assert_eq!(first_repeat(&entries, fold), first_repeat_naive(&entries, fold));
        }

        #[test]
        fn find_agrees_with_a_scan_in_checked_trees(
            names in proptest::collection::btree_set("[a-c.-]{1,3}", 0..24),
            trees in proptest::collection::vec(proptest::bool::ANY, 24),
            probe in "[a-c.-]{1,3}",
        ) {
            let mut entries: Vec<Entry> = names
                .iter()
                .zip(&trees)
                .map(|(n, t)| e(n, if *t { Mode::Tree } else { Mode::File }))
                .collect();
            entries.sort_by(git_order);
            proptest::prop_assume!(check(&entries, Area::Other).is_ok());
            let scanned = entries.iter().find(|x| &*x.name == probe.as_bytes());
            proptest::prop_assert_eq!(find(&entries, probe.as_bytes()), scanned);
        }

        /// Whatever bytes of a checked tree change (ids, modes, names, separators, its length),
        /// a tree taken as the base's entries with new ids is what the full parse and check
        /// give; and a change of ids alone is always taken so.
        #[test]
        fn a_tree_like_its_checked_base_parses_as_the_full_check_says(
            names in proptest::collection::btree_set("[a-c][a-cA.]{0,3}", 0..16),
            modes in proptest::collection::vec(0usize..5, 16),
            area in 0usize..3,
            edits in proptest::collection::vec((0usize..400, proptest::num::u8::ANY, 0usize..4), 0..4),
            id_edits in proptest::collection::vec((0usize..16, 0usize..20, proptest::num::u8::ANY), 0..4),
        ) {
            let all = [Mode::Tree, Mode::File, Mode::Executable, Mode::Symlink, Mode::Gitlink];
            let area = [Area::Top, Area::Wf, Area::Other][area];
            let mut base: Vec<Entry> = names
                .iter()
                .zip(&modes)
                .enumerate()
                .map(|(i, (n, m))| {
                    // Under wf's folders only folders and files, so that most bases are checked.
                    let mode = if area == Area::Wf { all[m % 2] } else { all[*m] };
                    Entry { name: n.as_bytes().into(), mode, id: ObjectId([i as u8; 20]) }
                })
                .collect();
            base.sort_by(git_order);
            let base_bytes = to_bytes(&base);
            proptest::prop_assume!(parse(&base_bytes, area).is_ok());
            // Ids only: always taken, and equal to the full parse.
            let mut ids = base_bytes.clone();
            let mut at = 0;
            let mut starts = vec![];
            for e in &base {
                at += raw_mode(e.mode).len() + 2 + e.name.len();
                starts.push(at);
                at += 20;
            }
            for (i, b, v) in &id_edits {
                if let Some(s) = starts.get(*i) {
                    ids[s + b] = *v;
                }
            }
            let like = parse_like(&ids, &base_bytes, &base);
            proptest::prop_assert!(like.is_some());
            proptest::prop_assert_eq!(like, parse(&ids, area).ok());
            // Any edit: taken only when the full parse agrees.
            let mut any = base_bytes.clone();
            for (pos, v, how) in &edits {
                let p = pos % (any.len() + 1);
                match how {
                    0 | 1 => { if p < any.len() { any[p] = *v } }
                    2 => any.insert(p, *v),
                    _ => { if p < any.len() { any.remove(p); } }
                }
            }
            if let Some(taken) = parse_like(&any, &base_bytes, &base) {
                proptest::prop_assert_eq!(Ok(taken), parse(&any, area));
            }
        }
    }

    #[test]
    fn a_tree_like_its_base_but_for_a_name_is_parsed_again() {
        let base = vec![e("a", Mode::File), e("b", Mode::Tree)];
        let bytes = to_bytes(&base);
        // Same length, a name changed: not taken (the full parse then refuses the repeat).
        let mut renamed = bytes.clone();
        let at = renamed.iter().position(|b| *b == b'b').unwrap();
        renamed[at] = b'a';
        assert_eq!(parse_like(&renamed, &bytes, &base), None);
        assert!(parse(&renamed, Area::Other).is_err());
        // A mode respelled at the same length (a file made executable): not taken either.
        let mut moded = bytes.clone();
        moded[3..6].copy_from_slice(b"755");
        assert_eq!(parse_like(&moded, &bytes, &base), None);
        assert_eq!(
            parse(&moded, Area::Other).unwrap()[0].mode,
            Mode::Executable
        );
        // One more byte: not taken.
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(parse_like(&longer, &bytes, &base), None);
    }

    #[test]
    fn a_repeat_in_another_case_is_found_among_many_names() {
        let entries: Vec<Entry> = (0..20_000)
            .map(|i| e(&format!("n{i:05}"), Mode::File))
            .collect();
        assert_eq!(first_repeat(&entries, true), None);
        let mut twice = entries.clone();
        twice.push(e("N19999", Mode::Tree));
        assert_eq!(first_repeat(&twice, true), Some(20_000));
        assert_eq!(first_repeat(&twice, false), None);
    }
}
