//! `cargo xtask gen-store`: grow a benchmark store quickly.
//!
//! The store must already exist with its actors (`scripts/bench` makes it with `wf-init` and
//! `wf-actor`). Every action is built exactly as the tools build it: `wf_core::decide` judges
//! it, `wf_core::trailer::action_message` writes the message, `Store::commit` signs it with the
//! actor's key in process. Only the plumbing differs: objects go to an in-memory object database
//! that is written out as one pack every thousand commits (`--pack-every`, 1,000: git's own
//! loose objects would mean half a million files), on a thread of its own while the next batch
//! is made, and the branch moves once per pack. The last pack is made while nothing else runs:
//! batches of 1,000 rather than 5,000 made the first 10,000 actions about 20% faster (2,778
//! and 2,823/s against 2,209 and 2,458/s), 10k to 100k the same (2,329 against 2,354/s). `wf-verify` must accept every
//! commit; `scripts/bench` checks that it does.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use git2::{Buf, Oid};
use wf_core::task::{Outcome, Verdict};
use wf_core::{Action, Actor, Task, Timestamp, Workflow};
use wf_store::{Change, Person, Signer, Store};

/// What to generate.
pub struct Spec {
    pub repo: PathBuf,
    pub keys: PathBuf,
    pub actions: usize,
    pub open: usize,
    pub seed: u64,
    /// Actions per pack (and per move of the branch).
    pub pack_every: usize,
    /// The time (seconds since the epoch) the generated actions start from; the tip commit's
    /// time when not given. Each action is dated 1 to 120 seconds after the one before.
    pub start: Option<i64>,
}

/// A tiny deterministic PRNG (xorshift64*), so that the same seed makes the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Who {
    actor: Actor,
    signer: Box<dyn Signer>,
}

/// The ten actions of one task's life under the default workflow, one per call.
const LIFE: usize = 10;

pub fn run(spec: &Spec) -> Result<String, String> {
    let store = Store::discover(&spec.repo).map_err(|x| x.to_string())?;
    let branch = store.branch().map_err(|x| x.to_string())?;
    let mut tip = store
        .tip(&branch)
        .map_err(|x| x.to_string())?
        .ok_or("the store has no commit yet")?;
    let snap = wf_store::Snapshot::load(&store, Some(tip)).map_err(|x| x.to_string())?;
    let workflow = Workflow::default_workflow();
    let mut who: HashMap<&str, Who> = HashMap::new();
    for name in ["alice", "bob", "drafter-bot"] {
        let key = wf_store::sign::KeySource::Path(spec.keys.join(name));
        let signer = wf_store::sign::load(&key).map_err(|x| format!("{name}: {x}"))?;
        let actor = snap
            .whoami(signer.public_key())
            .map_err(|x| format!("{name}: {x}"))?;
        who.insert(name, Who { actor, signer });
    }
    // The generator reads and writes an object database in memory only: libgit2 looks for every
    // new object in every pack on disk and rescans the pack folder when it is not there, which
    // grew with each pack written. It holds the batch being made and what the next actions
    // read (see `carried`); each batch is packed to disk on another thread, and the branch
    // (moved through a handle of its own, which sees the disk) follows once a pack is there.
    // libgit2's cache of parsed objects only grew (to 256 MiB): each tree is read a few times
    // at most, from memory.
    git2::opts::enable_caching(false);
    let disk = git2::Repository::open(&spec.repo).map_err(e("open"))?;
    let odb = git2::Odb::new().map_err(e("odb"))?;
    let mempack = odb.add_new_mempack_backend(1000).map_err(e("mempack"))?;
    let mut in_flight: Option<Oid> = None;
    let packer = Packer::start(&spec.repo)?;
    let mut rng = Rng(spec.seed | 1);
    let mut time = match spec.start {
        Some(t) => t,
        None => store
            .git()
            .find_commit(tip)
            .map_err(e("tip"))?
            .time()
            .seconds(),
    };
    let mut open: Vec<(String, Option<Task>, usize)> = Vec::new();
    let mut ids: std::collections::HashSet<String> = store
        .task_ids(tip)
        .map_err(|x| x.to_string())?
        .into_iter()
        .collect();
    let (mut done, mut since_pack, mut packs) = (0usize, 0usize, 0usize);
    // Every object written since the last pack: a pack of exactly these, so that writing one
    // costs the same at any size of the store (a dump of the in-memory database would walk
    // every commit's whole tree).
    // Each with the path it was written at (none for a commit): the pack builder sorts objects
    // by a hash of that path, so each tree and file meets its own earlier versions in the delta
    // window first, and the search stops sooner.
    let mut written: Vec<(Oid, Option<String>)> = Vec::new();
    let carry = carried(store.git(), tip, &[])?;
    store.git().set_odb(&odb).map_err(e("odb"))?;
    for (kind, data) in &carry {
        odb.write(*kind, data).map_err(e("write"))?;
    }
    let started = std::time::Instant::now();
    while done < spec.actions {
        if open.len() < spec.open {
            open.push((new_id(&mut rng, &mut ids), None, 0));
        }
        let pick = rng.below(open.len());
        let (id, prev, stage) = &open[pick];
        time += 1 + rng.below(120) as i64;
        let (actor, action, files) = step(&store, id, prev.as_ref(), *stage, done)?;
        let w = &who[actor];
        let prev = prev.as_ref();
        let next = wf_core::decide(
            &workflow,
            snap.actors(),
            prev,
            &w.actor,
            &action,
            Timestamp(time),
        )
        .map_err(|r| format!("stage {stage} of {id}: {r}"))?;
        let message = wf_core::trailer::action_message(prev, &next, &action, &w.actor);
        let mut writes = files;
        writes.push((
            Task::path(&next.id),
            store
                .blob(next.to_toml().as_bytes())
                .map_err(|x| x.to_string())?,
        ));
        let change = Change {
            message,
            author: Person {
                name: w.actor.name.clone(),
                email: w.actor.email.clone(),
            },
            time,
            writes,
            removes: vec![],
        };
        let parent = tip;
        tip = store
            .commit(Some(tip), &change, w.signer.as_ref())
            .map_err(|x| x.to_string())?;
        written.push((tip, None));
        written.extend(change.writes.iter().map(|(p, o)| (*o, Some(p.clone()))));
        new_trees(&store, parent, tip, &mut written)?;
        let stage = open[pick].2 + 1;
        if stage == LIFE {
            open.swap_remove(pick);
        } else {
            open[pick] = (next.id.clone(), Some(next), stage);
        }
        done += 1;
        since_pack += 1;
        if since_pack == spec.pack_every || done == spec.actions {
            // The batch is packed on another thread while the next one is made; memory keeps
            // only what the next actions read.
            let objects = written
                .iter()
                .map(|(o, path)| {
                    odb.read(*o)
                        .map(|x| (x.kind(), x.data().to_vec(), path.clone()))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(e("read"))?;
            let ids: Vec<&str> = open.iter().map(|(id, _, _)| id.as_str()).collect();
            let carry = carried(store.git(), tip, &ids)?;
            mempack.reset().map_err(e("reset"))?;
            for (kind, data) in &carry {
                odb.write(*kind, data).map_err(e("write"))?;
            }
            if let Some(old_tip) = in_flight.take() {
                landed(&disk, &packer, &branch, old_tip)?;
            }
            packer.send(objects, done == spec.actions)?;
            in_flight = Some(tip);
            written.clear();
            since_pack = 0;
            packs += 1;
            eprint!(
                "\rgen-store: {done}/{} actions, {:.0}/s",
                spec.actions,
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(old_tip) = in_flight.take() {
        landed(&disk, &packer, &branch, old_tip)?;
    }
    eprintln!();
    Ok(format!(
        "{done} actions in {packs} packs, {} tasks, tip {tip}",
        ids.len()
    ))
}

/// Packs batches of objects on a thread of its own: into an object database that holds only
/// the batch (so writing an object never looks through the store's packs, as libgit2 does for
/// every new object when they are on disk), then onto disk through the store's pack writer.
/// A batch's objects, and whether it is the last (packed on all cores: nothing else is left).
type Batch = (Vec<Object>, bool);

/// An object's kind, its bytes, and the path it was written at (none for a commit).
type Object = (git2::ObjectType, Vec<u8>, Option<String>);

struct Packer {
    batches: std::sync::mpsc::Sender<Batch>,
    done: std::sync::mpsc::Receiver<Result<(), String>>,
}

impl Packer {
    fn start(repo: &Path) -> Result<Packer, String> {
        let (batches, todo) = std::sync::mpsc::channel::<Batch>();
        let (report, done) = std::sync::mpsc::channel();
        let disk = git2::Repository::open(repo).map_err(e("open"))?;
        std::thread::spawn(move || {
            for (objects, last) in todo {
                if report.send(pack(&disk, &objects, last)).is_err() {
                    return;
                }
            }
        });
        Ok(Packer { batches, done })
    }

    fn send(&self, objects: Vec<Object>, last: bool) -> Result<(), String> {
        self.batches
            .send((objects, last))
            .map_err(|_| "the packing thread stopped".to_string())
    }

    /// Wait for the batch sent last to be on disk.
    fn wait(&self) -> Result<(), String> {
        self.done
            .recv()
            .map_err(|_| "the packing thread stopped".to_string())?
    }
}

/// Once a batch's pack is on disk, the branch moves to the batch's last commit.
fn landed(disk: &git2::Repository, packer: &Packer, branch: &str, tip: Oid) -> Result<(), String> {
    packer.wait()?;
    disk.odb().and_then(|o| o.refresh()).map_err(e("refresh"))?;
    disk.reference(branch, tip, true, "gen-store")
        .map_err(e("branch"))?;
    Ok(())
}

/// What the next actions read, as bytes: the tip commit, its root and `tasks/` trees, every
/// shard tree, and the trees under the folders of the tasks still open (`Store::commit` reads
/// the trees on the paths it updates; nothing reads a blob back).
fn carried(
    repo: &git2::Repository,
    tip: Oid,
    open: &[&str],
) -> Result<Vec<(git2::ObjectType, Vec<u8>)>, String> {
    let odb = repo.odb().map_err(e("odb"))?;
    let mut ids = vec![tip];
    let commit = repo.find_commit(tip).map_err(e("tip"))?;
    let root = commit.tree().map_err(e("tree"))?;
    ids.push(root.id());
    let trees_below = |id: Oid, out: &mut Vec<Oid>| -> Result<(), String> {
        let mut todo = vec![id];
        while let Some(t) = todo.pop() {
            out.push(t);
            for entry in repo.find_tree(t).map_err(e("tree"))?.iter() {
                if entry.kind() == Some(git2::ObjectType::Tree) {
                    todo.push(entry.id());
                }
            }
        }
        Ok(())
    };
    if let Some(tasks) = root.get_name("tasks") {
        let tasks = repo.find_tree(tasks.id()).map_err(e("tree"))?;
        ids.push(tasks.id());
        for shard in tasks.iter() {
            ids.push(shard.id());
        }
        for id in open {
            if let Ok(dir) = root.get_path(Path::new(&Task::dir(id).trim_end_matches('/'))) {
                trees_below(dir.id(), &mut ids)?;
            }
        }
    }
    if let Some(wf) = root.get_name(".wf") {
        trees_below(wf.id(), &mut ids)?;
    }
    ids.into_iter()
        .map(|o| {
            odb.read(o)
                .map(|x| (x.kind(), x.data().to_vec()))
                .map_err(e("carry"))
        })
        .collect()
}

fn pack(disk: &git2::Repository, objects: &[Object], last: bool) -> Result<(), String> {
    let odb = git2::Odb::new().map_err(e("odb"))?;
    let _mem = odb.add_new_mempack_backend(1).map_err(e("mempack"))?;
    let mut ids = Vec::with_capacity(objects.len());
    for (kind, data, path) in objects {
        ids.push((odb.write(*kind, data).map_err(e("write"))?, path.as_deref()));
    }
    let repo = git2::Repository::from_odb(odb).map_err(e("repository"))?;
    let mut pb = repo.packbuilder().map_err(e("packbuilder"))?;
    // One thread while the other core makes the next batch; all of them for the last one.
    pb.set_threads(if last { 0 } else { 1 });
    for (o, path) in &ids {
        pb.insert_object(*o, *path).map_err(e("pack insert"))?;
    }
    let mut buf = Buf::new();
    pb.write_buf(&mut buf).map_err(e("pack write"))?;
    drop(pb);
    let disk_odb = disk.odb().map_err(e("odb"))?;
    let mut w = disk_odb.packwriter().map_err(e("packwriter"))?;
    w.write_all(&buf).map_err(|x| format!("pack: {x}"))?;
    w.commit().map_err(e("pack commit"))?;
    Ok(())
}

/// The trees a commit made: those on the way to what changed from its parent (the others are
/// the parent's).
fn new_trees(
    store: &Store,
    parent: Oid,
    commit: Oid,
    out: &mut Vec<(Oid, Option<String>)>,
) -> Result<(), String> {
    let repo = store.git();
    let tree = |c: Oid| {
        repo.find_commit(c)
            .and_then(|c| c.tree())
            .map_err(e("tree"))
    };
    fn walk(
        repo: &git2::Repository,
        old: Option<&git2::Tree>,
        new: &git2::Tree,
        path: &str,
        out: &mut Vec<(Oid, Option<String>)>,
    ) -> Result<(), String> {
        if old.map(|o| o.id()) == Some(new.id()) {
            return Ok(());
        }
        out.push((new.id(), Some(path.to_string())));
        for entry in new.iter() {
            if entry.kind() != Some(git2::ObjectType::Tree) {
                continue;
            }
            let before = old.and_then(|o| o.get_name(entry.name().unwrap_or_default()));
            if before.as_ref().map(|b| b.id()) == Some(entry.id()) {
                continue;
            }
            let sub = repo.find_tree(entry.id()).map_err(e("tree"))?;
            let old_sub = match before.filter(|b| b.kind() == Some(git2::ObjectType::Tree)) {
                Some(b) => Some(repo.find_tree(b.id()).map_err(e("tree"))?),
                None => None,
            };
            let name = entry.name().unwrap_or_default();
            let below = if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}/{name}")
            };
            walk(repo, old_sub.as_ref(), &sub, &below, out)?;
        }
        Ok(())
    }
    let (old, new) = (tree(parent)?, tree(commit)?);
    walk(repo, Some(&old), &new, "", out)
}

fn new_id(rng: &mut Rng, ids: &mut std::collections::HashSet<String>) -> String {
    loop {
        let id = wf_core::id::task_id_from(&rng.next().to_le_bytes(), wf_core::id::TASK_HEX_LEN);
        if ids.insert(id.clone()) {
            return id;
        }
    }
}

type Files = Vec<(String, Oid)>;

/// A git error with what was being done.
fn e(what: &'static str) -> impl Fn(git2::Error) -> String {
    move |x| format!("{what}: {}", x.message())
}

/// Who acts at each stage of a task's life, and how.
fn step(
    store: &Store,
    id: &str,
    task: Option<&Task>,
    stage: usize,
    n: usize,
) -> Result<(&'static str, Action, Files), String> {
    let note = |s: &str| s.to_string();
    let latest = || {
        let r = task.and_then(Task::latest).expect("a revision exists");
        (r.number, r.digest.clone())
    };
    Ok(match stage {
        0 => (
            "alice",
            Action::Create {
                id: id.to_string(),
                title: format!("Benchmark task {n}: write the release note"),
                owner: None,
                approver: None,
                inputs: vec![wf_core::task::Input {
                    name: "audience".into(),
                    sha256: wf_core::digest::sha256_hex(b"developers"),
                    text: Some("developers".into()),
                    file: None,
                }],
            },
            vec![],
        ),
        1 | 7 => (
            "alice",
            Action::Assign {
                to: "drafter-bot".into(),
                note: note("please draft"),
            },
            vec![],
        ),
        3 => (
            "alice",
            Action::Assign {
                to: "bob".into(),
                note: note("please review"),
            },
            vec![],
        ),
        2 | 5 | 8 => {
            let body = format!("# Release note\n\nDraft {stage} of {id} ({n}).\n");
            let (oid, sha, size) = store
                .blob_from_reader(body.as_bytes(), wf_core::task::MAX_FILE_SIZE)
                .map_err(|x| x.to_string())?;
            let dir = format!("{}out/", Task::dir(id));
            let output = wf_core::rules::Output {
                artifacts: vec![wf_core::task::Artifact {
                    name: "draft.md".into(),
                    sha256: sha,
                    size,
                }],
                model: Some("stand-in-model-1".into()),
                prompt_sha256: None,
                note: note("generated"),
                run: None,
            };
            (
                "drafter-bot",
                Action::Submit(output),
                vec![(format!("{dir}draft.md"), oid)],
            )
        }
        4 | 6 => {
            let (revision, digest) = latest();
            let verdict = if stage == 4 {
                Verdict::RequestChanges
            } else {
                Verdict::Accept
            };
            (
                "bob",
                Action::Review {
                    verdict,
                    revision,
                    digest,
                    note: note("looked at it"),
                    revise: None,
                },
                vec![],
            )
        }
        9 => {
            let (revision, digest) = latest();
            (
                "alice",
                Action::Decide {
                    outcome: Outcome::Approve,
                    revision,
                    digest,
                    note: note("ship it"),
                },
                vec![],
            )
        }
        _ => unreachable!("a task's life has {LIFE} stages"),
    })
}

/// Parse `gen-store REPO --keys DIR --actions N [--open N] [--seed N] [--pack-every N]
/// [--start SECONDS]`.
pub fn parse(args: &[String]) -> Result<Spec, String> {
    let mut it = args.iter();
    let repo = it.next().ok_or("gen-store: REPO is missing")?;
    let mut spec = Spec {
        repo: PathBuf::from(repo),
        keys: PathBuf::new(),
        actions: 0,
        open: 64,
        seed: 1,
        pack_every: 1000,
        start: None,
    };
    while let Some(a) = it.next() {
        let v = it.next().ok_or(format!("gen-store: {a} needs a value"))?;
        let num = || v.parse::<usize>().map_err(|_| format!("{a}: not a number"));
        match a.as_str() {
            "--keys" => spec.keys = Path::new(v).to_path_buf(),
            "--actions" => spec.actions = num()?,
            "--open" => spec.open = num()?.max(1),
            "--seed" => spec.seed = num()? as u64,
            "--pack-every" => spec.pack_every = num()?.max(1),
            "--start" => spec.start = Some(v.parse().map_err(|_| format!("{a}: not a number"))?),
            _ => return Err(format!("gen-store: unknown option {a}")),
        }
    }
    Ok(spec)
}
