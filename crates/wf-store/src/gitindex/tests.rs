use super::*;
use git2::{IndexAddOption, Repository};
use std::path::PathBuf;

/// A repository with a work tree whose index (written by libgit2) holds `files`.
fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    for (p, text) in files {
        write(dir.path(), p, text);
    }
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    (dir, repo)
}

fn write(root: &Path, path: &str, text: &str) -> PathBuf {
    let file = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, text).unwrap();
    file
}

/// What libgit2 reads of an entry: path, mode, blob, size, mtime.
type Read = (String, u32, Oid, u32, (i32, u32));

/// What libgit2 reads from the index file.
fn entries(repo: &Repository) -> Vec<Read> {
    let index = git2::Index::open(&repo.path().join("index")).unwrap();
    index
        .iter()
        .map(|e| {
            (
                String::from_utf8(e.path).unwrap(),
                e.mode,
                e.id,
                e.file_size,
                (e.mtime.seconds(), e.mtime.nanoseconds()),
            )
        })
        .collect()
}

/// An index file's bytes and time (the time decides which entries are racily clean, for
/// libgit2 as for the reader here).
fn saved(repo: &Repository) -> (Vec<u8>, std::time::SystemTime) {
    let file = repo.path().join("index");
    let time = std::fs::metadata(&file).unwrap().modified().unwrap();
    (std::fs::read(&file).unwrap(), time)
}

/// Put back what [`saved`] kept.
fn restore(repo: &Repository, saved: &(Vec<u8>, std::time::SystemTime)) {
    let file = repo.path().join("index");
    std::fs::write(&file, &saved.0).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(saved.1)
        .unwrap();
}

fn new_entry(root: &Path, path: &str) -> NewEntry {
    let file = root.join(path);
    NewEntry {
        stat: Stat::of(&std::fs::metadata(&file).unwrap()).unwrap(),
        id: Oid::hash_file(git2::ObjectType::Blob, &file).unwrap(),
    }
}

const FILES: &[(&str, &str)] = &[
    (".wf/store.toml", "version = 1\n"),
    ("README", "hello\n"),
    ("tasks/00/T-000001.toml", "id = \"T-000001\"\n"),
    ("tasks/00/T-000001/out/draft.md", "# draft\n"),
    ("tasks/0a/T-0a0001.toml", "id = \"T-0a0001\"\n"),
    ("tasks/0a-x", "a file named like a shard\n"),
];

#[test]
fn reads_what_libgit2_wrote() {
    let (dir, repo) = repo_with(FILES);
    let index = GitIndex::read(repo.path()).expect("a plain index");
    let want = entries(&repo);
    assert_eq!(index.entries.len(), want.len());
    for (path, _, id, _, _) in &want {
        assert_eq!(index.get(path), Some(*id), "{path}");
    }
    assert_eq!(index.get("tasks/00"), None);
    let under: Vec<String> = index
        .under("tasks/00/T-000001/")
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(under, ["tasks/00/T-000001/out/draft.md"]);
    let under: Vec<String> = index.under("tasks/0a").into_iter().map(|e| e.0).collect();
    assert_eq!(
        under,
        ["tasks/0a/T-0a0001.toml"],
        "tasks/0a-x is not below tasks/0a"
    );
    let (path, stat, _) = &index.under("README")[0];
    assert_eq!(path, "README");
    let meta = std::fs::metadata(dir.path().join("README")).unwrap();
    assert_eq!(Some(*stat), Stat::of(&meta));
}

#[test]
fn changes_are_what_libgit2_would_write() {
    let (dir, repo) = repo_with(FILES);
    let root = dir.path();
    // The same changes, once through libgit2 and once here, from the same index.
    let before = saved(&repo);
    write(
        root,
        "tasks/00/T-000001.toml",
        "id = \"T-000001\"\nstep = 2\n",
    );
    write(root, "tasks/00/T-000002.toml", "id = \"T-000002\"\n");
    write(root, "tasks/ff/T-ff0001.toml", "id = \"T-ff0001\"\n");
    write(root, "a-first", "sorts before everything\n");
    std::fs::remove_file(root.join("tasks/00/T-000001/out/draft.md")).unwrap();
    let mut lib = repo.index().unwrap();
    for p in [
        "tasks/00/T-000001.toml",
        "tasks/00/T-000002.toml",
        "tasks/ff/T-ff0001.toml",
        "a-first",
    ] {
        lib.add_path(Path::new(p)).unwrap();
    }
    lib.remove_path(Path::new("tasks/00/T-000001/out/draft.md"))
        .unwrap();
    lib.write().unwrap();
    let by_libgit2 = entries(&repo);

    restore(&repo, &before);
    let index = GitIndex::read(repo.path()).unwrap();
    let mut changes = BTreeMap::new();
    for p in [
        "tasks/00/T-000001.toml",
        "tasks/00/T-000002.toml",
        "tasks/ff/T-ff0001.toml",
        "a-first",
    ] {
        changes.insert(p.to_string(), Some(new_entry(root, p)));
    }
    changes.insert("tasks/00/T-000001/out/draft.md".to_string(), None);
    changes.insert("not/there".to_string(), None);
    index.write(repo.path(), root, &changes).unwrap();
    assert!(!repo.path().join("index.lock").exists());
    // libgit2 checks the checksum and the order as it reads.
    assert_eq!(entries(&repo), by_libgit2);
    // And the result is plain again.
    let again = GitIndex::read(repo.path()).unwrap();
    assert_eq!(again.entries.len(), by_libgit2.len());
}

#[test]
fn a_held_lock_is_reported_as_locked_and_nothing_is_written() {
    let (dir, repo) = repo_with(FILES);
    let before = saved(&repo);
    std::fs::write(repo.path().join("index.lock"), "").unwrap();
    let index = GitIndex::read(repo.path()).unwrap();
    let e = index
        .write(repo.path(), dir.path(), &BTreeMap::new())
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    assert_eq!(std::fs::read(repo.path().join("index")).unwrap(), before.0);
    assert!(
        repo.path().join("index.lock").exists(),
        "someone else's lock stays"
    );
}

#[test]
fn a_racily_clean_entry_whose_file_changed_is_written_with_size_zero() {
    let (dir, repo) = repo_with(FILES);
    let mut index = GitIndex::read(repo.path()).unwrap();
    // Pretend the index was written at the same moment as its files, then change one file
    // without changing its size or stat-visible time.
    let readme = index.under("README")[0].1;
    index.written = Some(readme.mtime);
    let file = dir.path().join("README");
    let times = std::fs::File::open(&file).unwrap().metadata().unwrap();
    std::fs::write(&file, "HELLO\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(times.modified().unwrap())
        .unwrap();
    index
        .write(repo.path(), dir.path(), &BTreeMap::new())
        .unwrap();
    let got = entries(&repo);
    let readme = got.iter().find(|e| e.0 == "README").unwrap();
    assert_eq!(readme.3, 0, "smudged: git will look at its content");
    let store = got.iter().find(|e| e.0 == ".wf/store.toml").unwrap();
    assert_eq!(store.3, 12, "an unchanged racy file keeps its size");
}

#[test]
fn anything_but_the_plain_form_is_left_to_libgit2() {
    let (_dir, repo) = repo_with(FILES);
    let plain = std::fs::read(repo.path().join("index")).unwrap();
    assert!(GitIndex::parse(plain.clone()).is_some());
    let resum = |mut d: Vec<u8>| {
        let n = d.len() - CHECKSUM;
        let sum = Sha1::digest(&d[..n]);
        d[n..].copy_from_slice(&sum);
        d
    };
    // A damaged byte anywhere: the checksum no longer matches.
    for at in [0, 5, HEADER + 3, plain.len() / 2, plain.len() - 1] {
        let mut d = plain.clone();
        d[at] ^= 0x40;
        assert!(GitIndex::parse(d).is_none(), "byte {at}");
    }
    // Version 4 (compressed paths).
    let mut d = plain.clone();
    d[7] = 4;
    assert!(GitIndex::parse(resum(d)).is_none());
    // A conflict (stage 1), assume-valid, extended flags.
    for bit in [0x1000u16, 0x8000, 0x4000] {
        let mut d = plain.clone();
        let at = HEADER + 60;
        let flags = u16::from_be_bytes([d[at], d[at + 1]]) | bit;
        d[at..at + 2].copy_from_slice(&flags.to_be_bytes());
        assert!(GitIndex::parse(resum(d)).is_none(), "flag {bit:#x}");
    }
    // A mandatory extension (lowercase signature), and one cut short.
    let body = plain.len() - CHECKSUM;
    for ext in [&b"link\0\0\0\x00"[..], &b"TREE\0\0\0\x09abc"[..]] {
        let mut d = plain[..body].to_vec();
        d.extend_from_slice(ext);
        d.extend_from_slice(&[0; CHECKSUM]);
        assert!(GitIndex::parse(resum(d)).is_none());
    }
    // An optional one is fine, and the skip-hash form (a zero checksum) is read.
    let mut d = plain[..body].to_vec();
    d.extend_from_slice(b"UNTR\0\0\0\x03abc");
    d.extend_from_slice(&[0; CHECKSUM]);
    assert!(GitIndex::parse(d.clone()).is_some());
    assert!(GitIndex::parse(resum(d)).is_some());
    // A path git would never stage, in place of the first entry's (`.wf/store.toml`, 14 bytes).
    for bad in [
        &b"../store.toml\0"[..],
        b".git/store.tom",
        b".wf//store.tom",
        b"/wf/store.toml",
        b".wf/./tore.tom",
        b".GIT/store.tom",
    ] {
        let mut d = plain.clone();
        let at = HEADER + FIXED;
        d[at..at + 14].copy_from_slice(&bad[..14]);
        assert!(
            GitIndex::parse(resum(d)).is_none(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // Entries out of order.
    let first = HEADER + FIXED;
    let mut d = plain.clone();
    d[first] = b'~';
    assert!(GitIndex::parse(resum(d)).is_none());
    // Truncated anywhere.
    for n in [0, 11, HEADER + 30, body - 1] {
        assert!(GitIndex::parse(resum([&plain[..n], &[0; CHECKSUM]].concat())).is_none());
    }
}

/// Paths in the orders git's index can trip on (`a` < `a-b` < `a.b` < `a/…`), with no path both
/// a file and a folder.
const POOL: &[&str] = &[
    "a",
    "a-b",
    "a.b",
    "b/c",
    "b/c-d/e",
    "b/c.d",
    "tasks/0a/T-1.toml",
    "tasks/0a/T-1/out/x.md",
    "tasks/0a/T-10.toml",
    "tasks/0b/T-2.toml",
    "z",
];

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// From any index of files of the pool, any writes and removals (and edits left
        /// unstaged) give the entries libgit2 gives for the same changes (path, mode, blob, size,
        /// time), read back by libgit2.
        #[test]
        fn changes_agree_with_libgit2(
            present in proptest::collection::vec(any::<bool>(), POOL.len()),
            ops in proptest::collection::vec((0..POOL.len(), 0u8..5), 0..12),
        ) {
            let files: Vec<(&str, &str)> = POOL
                .iter()
                .zip(&present)
                .filter(|(_, p)| **p)
                .map(|(f, _)| (*f, "first\n"))
                .collect();
            let (dir, repo) = repo_with(&files);
            let root = dir.path();
            let before = saved(&repo);
            // Apply each change to the work tree: 0 removes the file, 4 edits it without
            // staging it (a racily clean entry whose file changed), others write a version.
            let mut last: BTreeMap<&str, bool> = BTreeMap::new();
            for (i, op) in &ops {
                let path = POOL[*i];
                if *op == 4 {
                    if root.join(path).exists() {
                        write(root, path, "edited by hand\n");
                    }
                } else if *op == 0 {
                    let _ = std::fs::remove_file(root.join(path));
                    last.insert(path, false);
                } else {
                    write(root, path, &format!("version {op}\n"));
                    last.insert(path, true);
                }
            }
            let staged = GitIndex::read(repo.path()).unwrap();
            let mut lib = repo.index().unwrap();
            let mut changes = BTreeMap::new();
            for (path, there) in &last {
                if *there {
                    lib.add_path(Path::new(path)).unwrap();
                    changes.insert(path.to_string(), Some(new_entry(root, path)));
                } else if staged.get(path).is_some() {
                    lib.remove_path(Path::new(path)).unwrap();
                    changes.insert(path.to_string(), None);
                }
            }
            lib.write().unwrap();
            let by_libgit2 = entries(&repo);
            restore(&repo, &before);
            GitIndex::read(repo.path())
                .unwrap()
                .write(repo.path(), root, &changes)
                .unwrap();
            prop_assert_eq!(entries(&repo), by_libgit2);
        }
    }
}
