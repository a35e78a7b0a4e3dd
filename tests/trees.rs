//! Random trees under `.wf/` and `tasks/` inside an otherwise honest history, judged by the
//! verifier: it refuses, or what git itself reads from the commit (and so what a checkout
//! writes, and what `wf-show` shows through the same reader as the verifier) is exactly what it
//! verified. And it never panics.
//!
//! One honest store is made with the real tools. Each case takes one of its commits and writes
//! it again with a mutated tree (modes git writes and modes it never writes, repeated and
//! unsorted entries, names that are paths, `.git` spellings and look-alikes, submodules,
//! symbolic links, objects of the wrong type, missing objects), signed by the same actor with
//! the same message, or as an unsigned merge of the original's parent and the original. The
//! mutated objects live in memory (libgit2's mempack backend), so a case costs a few
//! milliseconds; the ones the verifier accepts are written to disk and read back with `git`.
//! `WF_TREE_CASES` sets the number of cases (default 10,000).

mod common;

use std::collections::BTreeSet;

use common::{describe, Store, BOB, BOT};
use git2::{ObjectType, Oid, Repository};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// One entry of a tree being mutated: its mode as stored, its name, and what it holds.
#[derive(Clone, Debug)]
struct Ent {
    mode: Vec<u8>,
    name: Vec<u8>,
    node: Node,
}

#[derive(Clone, Debug)]
enum Node {
    /// A tree, read (and written back) entry by entry.
    Dir(Vec<Ent>),
    /// Any object, by id.
    Id([u8; 20]),
}

/// Modes to give entries: git's own, and spellings git never writes.
const MODES: &[&str] = &[
    "100644", "100755", "120000", "160000", "40000", "040000", "100664", "0100644", "644",
    "100640", "1",
];

/// Names to give entries: ordinary ones wf writes, and every kind git or a file system would
/// take for something else.
const NAMES: &[&str] = &[
    "draft.md",
    "b.md",
    "DRAFT.md",
    "brief",
    "in",
    "out",
    "OUT",
    "store.toml",
    "actors.toml",
    "default.toml",
    "workflows",
    "tasks",
    ".wf",
    "TASKS",
    ".WF",
    "t\u{0430}sks",
    ".\u{200c}wf",
    "tasks.",
    "docs",
    "README.md",
    "a/b",
    "out/draft.md",
    ".",
    "..",
    ".git",
    ".GIT",
    "git~1",
    "",
    "x y",
    "\u{e9}.md",
    ".gitattributes",
    ".mailmap",
    "-x",
];

/// A mutation, its indices taken modulo what the tree offers when it is applied.
#[derive(Clone, Debug)]
enum Op {
    SetMode(usize, usize),
    Duplicate(usize, usize, bool),
    SwapWithNext(usize),
    Rename(usize, usize),
    Add(usize, usize, usize, usize, usize),
    Remove(usize),
    Retarget(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..10_000;
    prop_oneof![
        (i(), i()).prop_map(|(p, m)| Op::SetMode(p, m)),
        (i(), i(), any::<bool>()).prop_map(|(p, t, at_end)| Op::Duplicate(p, t, at_end)),
        i().prop_map(Op::SwapWithNext),
        (i(), i()).prop_map(|(p, n)| Op::Rename(p, n)),
        (i(), i(), i(), i(), i()).prop_map(|(d, n, m, t, at)| Op::Add(d, n, m, t, at)),
        i().prop_map(Op::Remove),
        (i(), i()).prop_map(|(p, t)| Op::Retarget(p, t)),
    ]
}

/// The honest history and what each case needs from it.
struct Base {
    s: Store,
    repo: Repository,
    /// The commits a case may rewrite (everything after the founding commit).
    commits: Vec<Oid>,
    /// Objects to point entries at: blobs, trees, a commit, the empty tree, a missing one.
    targets: Vec<[u8; 20]>,
}

fn raw(o: Oid) -> [u8; 20] {
    let mut b = [0u8; 20];
    b.copy_from_slice(o.as_bytes());
    b
}

impl Base {
    fn new() -> Base {
        let s = Store::new();
        let brief = s.file("brief.md", b"# Brief\n\nSay hello.\n");
        let id = s
            .ok(
                "wf-new",
                &[
                    "--title",
                    "Fuzzed",
                    "--input-file",
                    &format!("brief={brief}"),
                ],
                "alice",
            )
            .trim()
            .to_string();
        s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
        let a = s.file("a.md", b"A, first.\n");
        let b = s.file("b.md", b"B, kept byte for byte.\n");
        s.ok("wf-submit", &[&id, &a, &b], BOT.0);
        s.ok("wf-assign", &[&id, "--to", BOB.0], "alice");
        s.ok("wf-review", &[&id, "--accept", "-m", "fine"], BOB.0);
        s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
        let a2 = s.file("v2/a.md", b"A, second.\n");
        let b2 = s.file("v2/b.md", b"B, kept byte for byte.\n");
        s.ok("wf-submit", &[&id, &a2, &b2], BOT.0);
        s.ok("wf-approve", &[&id, "-m", "ship it"], "alice");
        s.ok("wf-new", &["--title", "Another"], "alice");
        let out = s.call("wf-verify").arg("--no-cache").run();
        assert!(out.status.success(), "the base history: {}", describe(&out));
        let repo = Repository::open(&s.repo).unwrap();
        let mut commits: Vec<Oid> = s
            .commits()
            .iter()
            .map(|c| Oid::from_str(c).unwrap())
            .collect();
        commits.pop(); // the founding commit has no parent to keep
        let mut targets = {
            let tip = repo.head().unwrap().peel_to_commit().unwrap();
            let mut targets = vec![raw(tip.id()), raw(tip.tree_id())];
            let root = tip.tree().unwrap();
            root.walk(git2::TreeWalkMode::PreOrder, |_, e| {
                targets.push(raw(e.id()));
                git2::TreeWalkResult::Ok
            })
            .unwrap();
            targets.push(raw(repo.treebuilder(None).unwrap().write().unwrap()));
            targets
        };
        targets.push([0xab; 20]);
        targets.sort();
        targets.dedup();
        Base {
            s,
            repo,
            commits,
            targets,
        }
    }

    fn load(&self, id: Oid, deep: bool) -> Vec<Ent> {
        let odb = self.repo.odb().unwrap();
        let obj = odb.read(id).unwrap();
        wf_core::tree::scan(obj.data())
            .unwrap()
            .into_iter()
            .map(|r| {
                let descend =
                    r.mode == b"40000" && (deep || r.name == b".wf" || r.name == b"tasks");
                let node = if descend {
                    Node::Dir(self.load(Oid::from_bytes(&r.id.0).unwrap(), true))
                } else {
                    Node::Id(r.id.0)
                };
                Ent {
                    mode: r.mode.to_vec(),
                    name: r.name.to_vec(),
                    node,
                }
            })
            .collect()
    }
}

/// Index paths of every entry, and of every folder (the root is the empty path).
fn paths(
    dir: &[Ent],
    at: &mut Vec<usize>,
    entries: &mut Vec<Vec<usize>>,
    dirs: &mut Vec<Vec<usize>>,
) {
    for (i, e) in dir.iter().enumerate() {
        at.push(i);
        entries.push(at.clone());
        if let Node::Dir(d) = &e.node {
            dirs.push(at.clone());
            paths(d, at, entries, dirs);
        }
        at.pop();
    }
}

/// The folder holding the entry at `path` (all but its last index).
fn dir_mut<'a>(root: &'a mut Vec<Ent>, path: &[usize]) -> Option<&'a mut Vec<Ent>> {
    let mut d = root;
    for &i in path {
        match &mut d.get_mut(i)?.node {
            Node::Dir(sub) => d = sub,
            Node::Id(_) => return None,
        }
    }
    Some(d)
}

fn apply(root: &mut Vec<Ent>, op: &Op, targets: &[[u8; 20]]) {
    let (mut entries, mut dirs) = (Vec::new(), vec![Vec::new()]);
    paths(root, &mut Vec::new(), &mut entries, &mut dirs);
    if entries.is_empty() {
        return;
    }
    let pick = |i: usize| entries[i % entries.len()].clone();
    let split = |p: &[usize]| (p[..p.len() - 1].to_vec(), p[p.len() - 1]);
    match *op {
        Op::SetMode(p, m) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                d[i].mode = MODES[m % MODES.len()].as_bytes().to_vec();
            }
        }
        Op::Duplicate(p, t, at_end) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                let mut copy = d[i].clone();
                if t % 2 == 1 {
                    copy.node = Node::Id(targets[t % targets.len()]);
                }
                let at = if at_end { d.len() } else { i + 1 };
                d.insert(at, copy);
            }
        }
        Op::SwapWithNext(p) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                if i + 1 < d.len() {
                    d.swap(i, i + 1);
                } else if i > 0 {
                    d.swap(i, i - 1);
                }
            }
        }
        Op::Rename(p, n) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                d[i].name = NAMES[n % NAMES.len()].as_bytes().to_vec();
            }
        }
        Op::Add(dn, n, m, t, at) => {
            let d = dirs[dn % dirs.len()].clone();
            if let Some(d) = dir_mut(root, &d) {
                let e = Ent {
                    mode: MODES[m % MODES.len()].as_bytes().to_vec(),
                    name: NAMES[n % NAMES.len()].as_bytes().to_vec(),
                    node: Node::Id(targets[t % targets.len()]),
                };
                let at = at % (d.len() + 1);
                d.insert(at, e);
            }
        }
        Op::Remove(p) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                d.remove(i);
            }
        }
        Op::Retarget(p, t) => {
            let (d, i) = split(&pick(p));
            if let Some(d) = dir_mut(root, &d) {
                d[i].node = Node::Id(targets[t % targets.len()]);
            }
        }
    }
}

/// Write a folder's trees (raw, in the order given) into `odb`; returns its id. Every object
/// written is also kept in `objs`, to be written to disk if the case is accepted.
fn write(odb: &git2::Odb, dir: &[Ent], objs: &mut Vec<(ObjectType, Vec<u8>)>) -> Oid {
    let mut bytes = Vec::new();
    for e in dir {
        let id = match &e.node {
            Node::Dir(d) => raw(write(odb, d, objs)),
            Node::Id(i) => *i,
        };
        bytes.extend_from_slice(&e.mode);
        bytes.push(b' ');
        bytes.extend_from_slice(&e.name);
        bytes.push(0);
        bytes.extend_from_slice(&id);
    }
    objs.push((ObjectType::Tree, bytes.clone()));
    odb.write(ObjectType::Tree, &bytes).unwrap()
}

/// The commit object text of `orig` with another tree and parents, signed as its actor when
/// `sign` is true.
fn commit_text(base: &Base, orig: Oid, tree: Oid, parents: &[Oid], sign: bool) -> Vec<u8> {
    let bytes = base.repo.odb().unwrap().read(orig).unwrap().data().to_vec();
    let c = wf_store::raw::parse(&bytes).unwrap();
    let mut head = format!("tree {tree}\n");
    for p in parents {
        head.push_str(&format!("parent {p}\n"));
    }
    let who = format!("{} <{}> {} +0000", c.author.0, c.author.1, c.time);
    head.push_str(&format!("author {who}\ncommitter {who}\n"));
    let payload = format!("{head}\n{}", c.message);
    if !sign {
        return payload.into_bytes();
    }
    let actor = wf_core::trailer::get(&wf_core::trailer::parse(&c.message), "Wf-Actor")
        .unwrap()
        .to_string();
    let key = base.s.key(&actor);
    let signer =
        wf_store::sign::load(&wf_store::KeySource::Path(key)).expect("the actor's key signs");
    let sig = signer.sign(payload.as_bytes()).unwrap();
    let sig = sig.trim_end().replace('\n', "\n ");
    format!("{head}gpgsig {sig}\n\n{}", c.message).into_bytes()
}

/// What git itself reads under `.wf/` and `tasks/` of a commit: `(mode, type, id, path)`.
fn git_view(base: &Base, commit: Oid) -> BTreeSet<(String, String, String, String)> {
    let out = base.s.git(&[
        "ls-tree",
        "-r",
        "-z",
        "--full-tree",
        &commit.to_string(),
        "--",
        ".wf",
        "tasks",
    ]);
    out.split('\0')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (meta, path) = l.split_once('\t').unwrap();
            let mut m = meta.split(' ');
            let (mode, kind, id) = (m.next().unwrap(), m.next().unwrap(), m.next().unwrap());
            (mode.into(), kind.into(), id.into(), path.into())
        })
        .collect()
}

/// What the verifier's reader reads under `.wf/` and `tasks/` of a root tree.
fn wf_view(repo: &Repository, root: Oid) -> BTreeSet<(String, String, String, String)> {
    let cache = wf_store::tree::TreeCache::default();
    let reader = wf_store::tree::Reader::new(repo, &cache).unwrap();
    let mut out = BTreeSet::new();
    for area in [".wf", "tasks"] {
        let Some(e) = reader.entry(root, area).unwrap() else {
            continue;
        };
        for (rel, f) in reader.files_below(&e, area).unwrap() {
            out.insert((
                f.mode.octal().to_string(),
                "blob".to_string(),
                f.id.to_string(),
                format!("{area}/{rel}"),
            ));
        }
    }
    out
}

#[test]
fn random_trees_are_refused_or_read_by_git_exactly_as_verified() {
    let base = Base::new();
    let odb = base.repo.odb().unwrap();
    let mempack = odb.add_new_mempack_backend(1000).unwrap();
    let cases: u32 = std::env::var("WF_TREE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    let strategy = (
        0usize..base.commits.len(),
        proptest::collection::vec(op(), 1..4),
        any::<bool>(),
    );
    runner
        .run(&strategy, |(which, ops, as_merge)| {
            mempack.reset().unwrap();
            let orig = base.commits[which];
            let c = base.repo.find_commit(orig).unwrap();
            let parent = c.parent_id(0).unwrap();
            let mut root = base.load(c.tree_id(), false);
            for op in &ops {
                apply(&mut root, op, &base.targets);
            }
            let mut objs = Vec::new();
            let tree = write(&odb, &root, &mut objs);
            let text = if as_merge {
                commit_text(&base, orig, tree, &[parent, orig], false)
            } else {
                commit_text(&base, orig, tree, &[parent], true)
            };
            let forged = odb.write(ObjectType::Commit, &text).unwrap();
            let report = wf_store::verify::judge(&base.repo, forged).unwrap();
            if !report.problems.is_empty() {
                refused.set(refused.get() + 1);
                return Ok(());
            }
            // Accepted: the tree git reads must be the tree that was verified.
            accepted.set(accepted.get() + 1);
            if std::env::var_os("WF_TREE_SHOW").is_some() {
                eprintln!("accepted: {ops:?} merge={as_merge}");
            }
            let disk = Repository::open(&base.s.repo).unwrap();
            let disk_odb = disk.odb().unwrap();
            for (kind, bytes) in &objs {
                disk_odb.write(*kind, bytes).unwrap();
            }
            disk_odb.write(ObjectType::Commit, &text).unwrap();
            let (git, ours) = (git_view(&base, forged), wf_view(&disk, tree));
            prop_assert_eq!(
                &git,
                &ours,
                "accepted {:?} (merge: {}) of commit {}, but git reads another tree",
                ops,
                as_merge,
                orig
            );
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} cases: {} refused, {} accepted (git read each exactly as verified)",
        cases,
        refused.get(),
        accepted.get()
    );
    assert!(
        refused.get() > cases / 2,
        "most random trees must be refused"
    );
    assert!(
        accepted.get() > 0,
        "some cases leave the tree as git writes it"
    );
}
