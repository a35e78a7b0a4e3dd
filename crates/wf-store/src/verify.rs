//! Replay history: read each commit's objects, check its signature in process, and hand the
//! values to `wf_core::verify` to judge. Commits are judged independently (each only against
//! its parents), so they are spread over all cores, and a commit once found clean is remembered
//! in `<git-dir>/wf-verified` so later runs only pay for new commits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, Sort};
use wf_core::policy::{self, Files, Loaded};
use wf_core::verify::{self as core, Blob, Check, Header, Problem, TaskFiles, Units};
use wf_core::{Task, Timestamp};

use crate::sign::{self, SigStatus};
use crate::tree::{self, Area, Entry, Mode, Reader, TreeCache, TreeError};

/// Every file under `.wf/` in a commit's root tree, by path from the repository root, read
/// through the canonical check: a tree that is not in git's form, or an entry that is not a
/// folder or a regular file, is refused ([`TreeError::Refused`]).
pub fn wf_files(reader: &Reader, root: Oid) -> Result<Files, TreeError> {
    let mut files = Files::new();
    let Some(wf) = reader.entry(root, ".wf")? else {
        return Ok(files);
    };
    for (rel, e) in reader.files_below(&wf, ".wf")? {
        let path = format!(".wf/{rel}");
        let bytes = reader.blob(tree::oid(&e), &path, wf_core::task::MAX_FILE_SIZE)?;
        files.insert(path, bytes);
    }
    Ok(files)
}

/// The paths under `.wf/` and `tasks/` that differ between two root trees (`before` is `None`
/// for a root commit), every tree on the way read through the canonical check, as the verifier
/// reads them. A view that shows a commit's change asks this first, so it never shows a
/// change the verifier could not read.
pub fn changed_paths(
    reader: &Reader,
    before: Option<Oid>,
    after: Oid,
) -> Result<Vec<String>, TreeError> {
    let mut out = Vec::new();
    for area in [".wf", "tasks"] {
        let b = before.map(|r| reader.entry(r, area)).transpose()?.flatten();
        let a = reader.entry(after, area)?;
        if b.as_ref().map(|e| (e.mode, e.id)) != a.as_ref().map(|e| (e.mode, e.id)) {
            changes(reader, b.as_ref(), a.as_ref(), area, &mut out)?;
        }
    }
    Ok(out)
}

/// What was found about one commit.
#[derive(Clone, Debug)]
pub struct Report {
    /// The commit.
    pub commit: Oid,
    /// How it was judged.
    pub kind: Kind,
    /// `Wf-Action`, when the commit carries one.
    pub action: Option<String>,
    /// The task it acts on (from the diff, else from `Wf-Task`).
    pub task: Option<String>,
    /// The actor the signature identifies.
    pub actor: Option<String>,
    /// Problems; empty when clean.
    pub problems: Vec<Problem>,
    /// For a clean `approve`: what it approves.
    pub approval: Option<Approval>,
}

/// A valid or invalid approval found in the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// Task id.
    pub task: String,
    /// Title.
    pub title: String,
    /// Revision approved.
    pub revision: u32,
    /// Its digest.
    pub digest: String,
    /// Who approved.
    pub approver: String,
}

/// How a commit was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Touches neither `.wf/` nor `tasks/` of a store: left alone.
    Skipped,
    /// Found clean by an earlier run (`<git-dir>/wf-verified`).
    Cached,
    /// A task action.
    Task,
    /// A change to `.wf/`.
    Policy,
    /// A merge.
    Merge,
    /// Not a wf action, but in a store's history: judged for the shape of its top-level tree
    /// and git's own files there (`.gitattributes`, `.mailmap`).
    Tree,
}

impl Kind {
    /// The kind a lowercase name names.
    pub fn parse(name: &str) -> Option<Kind> {
        [
            Kind::Skipped,
            Kind::Cached,
            Kind::Task,
            Kind::Policy,
            Kind::Merge,
            Kind::Tree,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Skipped => "skipped",
            Kind::Cached => "cached",
            Kind::Task => "task",
            Kind::Policy => "policy",
            Kind::Merge => "merge",
            Kind::Tree => "tree",
        }
    }
}

/// Which commits to verify.
#[derive(Clone, Debug)]
pub struct Range {
    /// Tips whose history is verified.
    pub include: Vec<Oid>,
    /// Commits (and their history) to leave out.
    pub exclude: Vec<Oid>,
}

/// The commits of a shallow clone whose parents git did not fetch (`<git-dir>/shallow`); empty
/// for a complete history. libgit2 shows them as root commits, so they cannot be judged.
pub fn shallow_commits(repo: &Repository) -> HashSet<Oid> {
    std::fs::read_to_string(repo.commondir().join("shallow"))
        .map(|s| {
            s.lines()
                .filter_map(|l| Oid::from_str(l.trim()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// List the commits of a range, parents before children.
pub fn commits(repo: &Repository, range: &Range) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for o in &range.include {
        walk.push(*o)?;
    }
    for o in &range.exclude {
        walk.hide(*o)?;
    }
    walk.collect()
}

/// The version of the verifier's judgement. It names the cache file, so a commit found clean
/// under older rules is judged again: raise it whenever a commit's verdict can change.
pub const RULES: u32 = 2;

/// The file of commits found clean, under the git dir (shared by worktrees): one line
/// `<commit> <kind>` each. The name carries wf's version and [`RULES`], so a verifier with
/// other rules starts afresh.
pub fn cache_path(repo: &Repository) -> PathBuf {
    repo.commondir().join(format!(
        "wf-verified-{}-r{RULES}",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Read the cache: each clean commit with the kind it was judged as. A missing or unreadable
/// file is an empty cache; a line that does not read is ignored.
pub fn load_cache(repo: &Repository) -> HashMap<Oid, Kind> {
    std::fs::read_to_string(cache_path(repo))
        .map(|s| {
            s.lines()
                .filter_map(|l| {
                    let (oid, kind) = l.trim().split_once(' ')?;
                    Some((Oid::from_str(oid).ok()?, Kind::parse(kind)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Append clean commits with their kinds to the cache (one `write` of whole lines, so
/// concurrent runs interleave whole lines at worst).
pub fn save_cache(repo: &Repository, clean: &[(Oid, Kind)]) -> std::io::Result<()> {
    if clean.is_empty() {
        return Ok(());
    }
    let mut buf = String::with_capacity(clean.len() * 48);
    for (o, k) in clean {
        buf.push_str(&format!("{o} {}\n", k.as_str()));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(cache_path(repo))?;
    f.write_all(buf.as_bytes())
}

/// Judge the commits, in parallel on `threads` threads, each with its own repository handle
/// from `open`. Reports come back in the order of `oids`; `progress` is called with the number
/// of commits each batch finished.
pub fn verify(
    open: &(dyn Fn() -> Result<Repository, git2::Error> + Sync),
    oids: &[Oid],
    cached: &HashMap<Oid, Kind>,
    describe_cached: bool,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Report>, git2::Error> {
    crate::repo::trust_object_ids();
    // Each commit is read once and its parent's trees were read by the commit before: the
    // object cache (up to 256 MiB per thread) bought no time here.
    git2::opts::enable_caching(false);
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<Report>>> = Mutex::new(vec![None; oids.len()]);
    let threads = threads.clamp(1, 64).min(oids.len() / 16 + 1);
    let error: Mutex<Option<git2::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let repo = match open() {
                    Ok(r) => r,
                    Err(e) => {
                        *lock(&error) = Some(e);
                        return;
                    }
                };
                let cache = TreeCache::default();
                let mut ctx = match Ctx::new(&repo, &cache) {
                    Ok(c) => c,
                    Err(e) => {
                        *lock(&error) = Some(e);
                        return;
                    }
                };
                loop {
                    let start = next.fetch_add(32, Ordering::Relaxed);
                    if start >= oids.len() {
                        break;
                    }
                    let end = (start + 32).min(oids.len());
                    let mut local = Vec::with_capacity(end - start);
                    for (i, oid) in oids.iter().enumerate().take(end).skip(start) {
                        let r = match cached.get(oid) {
                            Some(kind) if describe_cached => ctx.describe_cached(*oid, *kind),
                            Some(_) => Report::new(*oid, Kind::Cached),
                            None => ctx.judge(*oid),
                        };
                        local.push((i, r));
                    }
                    let mut o = lock(&out);
                    for (i, r) in local {
                        o[i] = Some(r);
                    }
                    drop(o);
                    progress(end - start);
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let reports = out.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(reports
        .into_iter()
        .zip(oids)
        .map(|(r, oid)| {
            r.unwrap_or_else(|| {
                Report::new(*oid, Kind::Task).problem(Problem::new(
                    Check::Malformed,
                    "the verifier did not judge this commit (a worker stopped)",
                ))
            })
        })
        .collect())
}

/// Judge one commit with this repository handle, on the calling thread (no cache). For tests
/// and tools that ask about a single commit, including objects that only this handle sees
/// (an in-memory object backend).
pub fn judge(repo: &Repository, oid: Oid) -> Result<Report, git2::Error> {
    crate::repo::trust_object_ids();
    let cache = TreeCache::default();
    let mut ctx = Ctx::new(repo, &cache)?;
    Ok(ctx.judge(oid))
}

/// A mutex's value, also after a thread panicked while holding it (the data is still whole:
/// every writer writes complete values).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Report {
    fn new(commit: Oid, kind: Kind) -> Report {
        Report {
            commit,
            kind,
            action: None,
            task: None,
            actor: None,
            problems: vec![],
            approval: None,
        }
    }
    fn problem(mut self, p: Problem) -> Report {
        self.problems.push(p);
        self
    }
}

type Policy = Rc<Result<(Files, Loaded), String>>;

/// Why a commit could not be judged further: its trees are not canonical (a problem to
/// report), or git failed underneath.
enum Fail {
    Refused(String),
    Git(git2::Error),
}

impl From<git2::Error> for Fail {
    fn from(e: git2::Error) -> Fail {
        Fail::Git(e)
    }
}

impl From<TreeError> for Fail {
    fn from(e: TreeError) -> Fail {
        match e {
            TreeError::Refused(why) => Fail::Refused(why),
            TreeError::Git(e) => Fail::Git(e),
        }
    }
}

/// Unwrap a read, or end the judgement with a `malformed` problem when what was read is not
/// canonical.
macro_rules! checked {
    ($report:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => match Fail::from(e) {
                Fail::Refused(why) => {
                    return Ok($report.problem(Problem::new(Check::Malformed, why)))
                }
                Fail::Git(e) => return Err(Fail::Git(e)),
            },
        }
    };
}

/// What the top of a commit's tree says, read before the commit is judged.
struct Top {
    /// The root tree.
    root: Oid,
    /// Why the top level is not canonical, if it is not.
    problem: Option<String>,
    /// The identity (`<mode> <id>`, the mode as stored) of the `.wf` and `tasks` entries.
    wf: Option<String>,
    tasks: Option<String>,
    /// The identities of git's own top-level files that change what git shows of a store.
    attributes: Option<String>,
    mailmap: Option<String>,
    /// Whether it claims to be a store: a `.wf` entry that is a tree holding `store.toml`,
    /// whatever its mode says and however its trees are formed (a claim is judged, never
    /// taken on trust).
    store: bool,
}

fn git_problem(e: git2::Error) -> Problem {
    Problem::new(Check::Malformed, format!("git: {}", e.message()))
}

struct Ctx<'r> {
    repo: &'r Repository,
    trees: Reader<'r>,
    /// Parsed policies by the id of their `.wf` tree.
    policies: HashMap<Oid, Policy>,
}

/// The paths (from the repository root) of the files that differ between two versions of a
/// folder entry, reading every tree on the way through the canonical check. Only folders
/// whose identity (mode and id) differs are read, so the cost follows the size of the change,
/// not of the trees; and every new tree of a commit under `.wf/` or `tasks/` lies on such a
/// path, so each one is checked.
fn changes(
    trees: &Reader,
    before: Option<&Entry>,
    after: Option<&Entry>,
    path: &str,
    out: &mut Vec<String>,
) -> Result<(), TreeError> {
    let sub = |e: Option<&Entry>| -> Result<Option<Rc<[Entry]>>, TreeError> {
        match e {
            Some(e) if e.mode == Mode::Tree => {
                Ok(Some(trees.tree(tree::oid(e), Area::Wf, path)?))
            }
            _ => Ok(None),
        }
    };
    let (old, new) = (sub(before)?, sub(after)?);
    if old.is_none() && new.is_none() {
        out.push(path.to_string());
        return Ok(());
    }
    if before.is_some_and(|e| e.mode != Mode::Tree) || after.is_some_and(|e| e.mode != Mode::Tree) {
        // A file became a folder or the reverse: the file's path changed too.
        out.push(path.to_string());
    }
    let empty: Rc<[Entry]> = Rc::new([]);
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

impl<'r> Ctx<'r> {
    fn new(repo: &'r Repository, cache: &'r TreeCache) -> Result<Ctx<'r>, git2::Error> {
        Ok(Ctx {
            repo,
            trees: Reader::new(repo, cache)?,
            policies: HashMap::new(),
        })
    }

    /// A commit found clean earlier, described from its trailers (which the earlier run checked
    /// against its task file): action, task, actor, and what an approval approves. Only a
    /// commit judged as a task or policy action is described: the trailers of any other commit
    /// were never checked against anything.
    fn describe_cached(&self, oid: Oid, kind: Kind) -> Report {
        let mut r = Report::new(oid, Kind::Cached);
        if !matches!(kind, Kind::Task | Kind::Policy) {
            return r;
        }
        let Ok(c) = self.repo.find_commit(oid) else {
            return r;
        };
        let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let t = wf_core::trailer::parse(&message);
        let get = |k: &str| wf_core::trailer::get(&t, k).map(str::to_string);
        use wf_core::trailer::key;
        r.action = get(key::ACTION);
        r.task = get(key::TASK);
        r.actor = get(key::ACTOR);
        if r.action.as_deref() == Some("approve") {
            let (Some(task), Some(rev), Some(digest), Some(by)) = (
                get(key::TASK),
                get(key::REVISION).and_then(|v| v.parse().ok()),
                get(key::DIGEST),
                get(key::ACTOR),
            ) else {
                return r;
            };
            let prefix = format!("wf: approve {task}: ");
            let title = message
                .lines()
                .next()
                .and_then(|l| l.strip_prefix(&prefix))
                .unwrap_or("")
                .to_string();
            r.approval = Some(Approval {
                task,
                title,
                revision: rev,
                digest,
                approver: by,
            });
        }
        r
    }

    fn judge(&mut self, oid: Oid) -> Report {
        match self.judge_inner(oid, None) {
            Ok(r) => r,
            Err(Fail::Refused(why)) => {
                Report::new(oid, Kind::Task).problem(Problem::new(Check::Malformed, why))
            }
            Err(Fail::Git(e)) => Report::new(oid, Kind::Task).problem(git_problem(e)),
        }
    }

    /// The bytes of a commit object.
    fn commit_bytes(&self, oid: Oid) -> Result<Vec<u8>, Fail> {
        let (kind, data) = self.trees.raw(oid)?;
        if kind != ObjectType::Commit {
            return Err(Fail::Refused(format!("{oid} is not a commit")));
        }
        Ok(data)
    }

    /// The root tree of a commit, as its first header names it.
    fn root_of(&self, commit: Oid) -> Result<Oid, Fail> {
        let data = self.commit_bytes(commit)?;
        Ok(crate::raw::header(&data).map_err(Fail::Refused)?.0)
    }

    /// Read the top of a root tree (see [`Top`]).
    fn top(&self, root: Oid) -> Result<Top, git2::Error> {
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
        top.problem = wf_core::tree::parse(&bytes, Area::Top).err();
        let identity = |n: &str| {
            entries
                .iter()
                .find(|e| e.name == n.as_bytes())
                .map(|e| format!("{} {}", String::from_utf8_lossy(e.mode), e.id))
        };
        top.wf = identity(".wf");
        top.tasks = identity("tasks");
        top.attributes = identity(wf_core::checkout::ATTRIBUTES_FILE);
        top.mailmap = identity(wf_core::checkout::MAILMAP_FILE);
        for e in entries.iter().filter(|e| e.name == b".wf") {
            let id = Oid::from_bytes(&e.id.0)?;
            let holds = self
                .trees
                .raw_tree(id)?
                .and_then(|b| {
                    wf_core::tree::scan(&b)
                        .ok()
                        .map(|es| es.iter().any(|x| x.name == b"store.toml"))
                })
                .unwrap_or(false);
            top.store |= holds;
        }
        Ok(top)
    }

    /// The checked entry of `.wf` or `tasks` at the top of a root tree.
    fn area(&self, root: Oid, name: &str) -> Result<Option<Entry>, TreeError> {
        self.trees.entry(root, name)
    }

    /// Judge a commit. `under` replaces the policy of its parent: a merge judges the actions it
    /// brings in again under the policy where they land.
    fn judge_inner(&mut self, oid: Oid, under: Option<&Policy>) -> Result<Report, Fail> {
        let data = self.commit_bytes(oid)?;
        let (root, parents) = crate::raw::header(&data).map_err(Fail::Refused)?;
        if parents.len() > 1 {
            return self.merge(oid, &data, root, &parents);
        }
        let proot = parents.first().map(|p| self.root_of(*p)).transpose()?;
        let top_c = self.top(root)?;
        let top_p = proot.map(|r| self.top(r)).transpose()?;
        let store_p = top_p.as_ref().is_some_and(|t| t.store);
        if !store_p && !top_c.store {
            return Ok(Report::new(oid, Kind::Skipped));
        }
        let (wf_p, tasks_p) = top_p
            .as_ref()
            .map_or((None, None), |t| (t.wf.clone(), t.tasks.clone()));
        let changed_wf = top_c.wf != wf_p;
        let changed_tasks = top_c.tasks != tasks_p;
        let changed_git = git_files_changed(&top_c, top_p.as_ref(), changed_wf);
        let action = changed_wf || changed_tasks || top_c.store != store_p;
        if !action && !changed_git && top_c.problem.is_none() {
            // In a store's history a commit that claims an action must be one: otherwise
            // `wf-log` would list an approval that approves nothing.
            if let Some(a) = claimed_action(&data) {
                return Ok(Report::new(oid, Kind::Tree).problem(Problem::new(
                    Check::Mismatch,
                    format!("says Wf-Action {a}, but changes nothing under .wf/ or tasks/"),
                )));
            }
            return Ok(Report::new(oid, Kind::Skipped));
        }
        let kind = match (changed_wf, action) {
            (true, _) => Kind::Policy,
            (false, true) => Kind::Task,
            (false, false) => Kind::Tree,
        };
        let mut report = Report::new(oid, kind);
        let raw = match crate::raw::parse(&data) {
            Ok(r) => r,
            Err(e) => return Ok(report.problem(Problem::new(Check::Malformed, e))),
        };
        // The shape of the trees comes first: nothing is read from a tree git would not
        // write, and a store never just disappears.
        if let Some(p) = &top_c.problem {
            return Ok(report.problem(Problem::new(Check::Malformed, p.clone())));
        }
        if store_p && !top_c.store {
            return Ok(report.problem(Problem::new(
                Check::Malformed,
                "the commit removes the store: .wf/store.toml is gone",
            )));
        }
        if changed_git {
            if let Some(p) = checked!(report, self.git_files(root)) {
                return Ok(report.problem(p));
            }
        }
        if !action {
            return Ok(report);
        }
        let pentry = |name: &str| -> Result<Option<Entry>, TreeError> {
            match proot {
                Some(r) if store_p => self.area(r, name),
                _ => Ok(None),
            }
        };
        let mut wf_paths = Vec::new();
        let mut task_paths = Vec::new();
        if changed_wf {
            let (b, a) = (
                checked!(report, pentry(".wf")),
                checked!(report, self.area(root, ".wf")),
            );
            checked!(
                report,
                changes(&self.trees, b.as_ref(), a.as_ref(), ".wf", &mut wf_paths)
            );
        }
        if changed_tasks {
            let (b, a) = (
                checked!(report, pentry("tasks")),
                checked!(report, self.area(root, "tasks")),
            );
            checked!(
                report,
                changes(
                    &self.trees,
                    b.as_ref(),
                    a.as_ref(),
                    "tasks",
                    &mut task_paths
                )
            );
        }
        let ids = changed_tasks.then(|| task_ids(&task_paths));
        let trailers = wf_core::trailer::parse(&raw.message);
        report.action =
            wf_core::trailer::get(&trailers, wf_core::trailer::key::ACTION).map(str::to_string);
        report.task = match &ids {
            Some(Ok(ids)) if ids.len() == 1 => Some(ids[0].clone()),
            _ => wf_core::trailer::get(&trailers, wf_core::trailer::key::TASK).map(str::to_string),
        };
        let h = Header {
            message: &raw.message,
            author: (&raw.author.0, &raw.author.1),
            committer: (&raw.committer.0, &raw.committer.1),
            time: Timestamp(raw.time),
        };
        let first_change = || {
            let all: Vec<&String> = wf_paths.iter().chain(&task_paths).collect();
            match all.as_slice() {
                [] => ".wf/ or tasks/".to_string(),
                [one] => one.to_string(),
                [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
            }
        };
        let key = match &raw.signature {
            None => {
                let why = if report.action.is_some() {
                    "the commit is not signed".to_string()
                } else {
                    format!("changes {} but is neither signed nor a wf action", first_change())
                };
                return Ok(report.problem(Problem::new(Check::Unsigned, why)));
            }
            Some(s) => match sign::verify(s, &raw.payload) {
                SigStatus::Good(k) => k,
                SigStatus::Bad(why) => {
                    return Ok(report.problem(Problem::new(
                        Check::BadSignature,
                        format!("{why} (the commit was changed after it was signed, or the signature is not SSH)"),
                    )))
                }
                SigStatus::Unsigned => {
                    return Ok(report.problem(Problem::new(Check::Unsigned, "the commit is not signed")))
                }
            },
        };
        if report.action.is_none() {
            return Ok(report.problem(Problem::new(
                Check::NotAnAction,
                format!(
                    "changes {} but carries no Wf-Action trailer",
                    first_change()
                ),
            )));
        }
        let author_date = (raw.author_time.0, raw.author_time.1.as_str());
        if let Err(p) = core::check_dates(author_date, (raw.time, &raw.zone)) {
            return Ok(report.problem(p));
        }
        let Some(proot) = proot.filter(|_| store_p) else {
            // The root of trust: the founder is identified in the commit's own actors.
            if let Err(r) = core::check_founding_tree(top_c.tasks.is_some()) {
                return Ok(report.problem(r.into()));
            }
            let after = checked!(report, wf_files(&self.trees, root));
            let actors = match policy::load(&after) {
                Ok(l) => l.actors,
                Err(e) => return Ok(report.problem(Problem::new(Check::Malformed, e))),
            };
            let actor = match core::identify(&actors, &key, &h) {
                Ok(a) => a.clone(),
                Err(p) => return Ok(report.problem(p)),
            };
            report.actor = Some(actor.id.clone());
            if let Err(p) = core::replay_policy(None, &after, &actor, &h) {
                report.problems.push(p);
            }
            return Ok(report);
        };
        let pol = match under {
            Some(p) => p.clone(),
            None => checked!(report, self.policy(proot)),
        };
        let (before_files, loaded) = match pol.as_ref() {
            Ok(x) => x,
            Err(e) => {
                return Ok(report.problem(Problem::new(
                    Check::Malformed,
                    format!("the policy before this commit is broken: {e}"),
                )))
            }
        };
        let actor = match core::identify(&loaded.actors, &key, &h) {
            Ok(a) => a.clone(),
            Err(p) => return Ok(report.problem(p)),
        };
        report.actor = Some(actor.id.clone());
        if changed_wf && changed_tasks {
            return Ok(report.problem(Problem::new(
                Check::Rule(wf_core::Rule::TaskScope),
                "the commit changes both .wf/ and tasks/",
            )));
        }
        if changed_wf {
            if under.is_some() {
                return Ok(report.problem(Problem::new(
                    Check::Merge,
                    "a change to .wf/ on a line beside another change to .wf/",
                )));
            }
            let after = checked!(report, wf_files(&self.trees, root));
            if let Err(p) = core::replay_policy(Some(before_files), &after, &actor, &h) {
                report.problems.push(p);
            }
            return Ok(report);
        }
        let id = match ids {
            None => {
                return Ok(report.problem(Problem::new(
                    Check::Malformed,
                    "the commit changes neither .wf/ nor tasks/",
                )))
            }
            Some(Err(p)) => return Ok(report.problem(p)),
            Some(Ok(ids)) if ids.len() != 1 => {
                return Ok(report.problem(Problem::new(
                    Check::Rule(wf_core::Rule::TaskScope),
                    format!("the commit changes {} tasks: {}", ids.len(), ids.join(", ")),
                )))
            }
            Some(Ok(mut ids)) => ids.pop().unwrap_or_default(),
        };
        report.task = Some(id.clone());
        let before = checked!(report, self.task_files(proot, &id, None));
        let after = checked!(report, self.task_files(root, &id, Some(&before)));
        match core::replay_task(
            &loaded.workflows,
            &loaded.actors,
            &actor,
            &id,
            &before,
            &after,
            &h,
        ) {
            Ok(done) => {
                report.approval =
                    core::approval_of(&done).map(|(t, revision, digest, by)| Approval {
                        task: t.id.clone(),
                        title: t.title.clone(),
                        revision,
                        digest: digest.to_string(),
                        approver: by.to_string(),
                    });
            }
            Err(p) => report.problems.push(p),
        }
        Ok(report)
    }

    /// Judge git's own top-level files of a store's root tree (see [`wf_core::checkout`]).
    fn git_files(&mut self, root: Oid) -> Result<Option<Problem>, Fail> {
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
    fn policy(&mut self, root: Oid) -> Result<Policy, TreeError> {
        let key = self
            .area(root, ".wf")?
            .map_or_else(Oid::zero, |e| tree::oid(&e));
        if let Some(p) = self.policies.get(&key) {
            return Ok(p.clone());
        }
        let files = wf_files(&self.trees, root)?;
        let loaded = policy::load(&files).map(|l| (files, l));
        let p = Rc::new(loaded);
        if self.policies.len() > 256 {
            self.policies.clear();
        }
        self.policies.insert(key, p.clone());
        Ok(p)
    }

    /// A task's file and folder in a root tree. Contents (sha256, size) are read for files that
    /// are new or changed relative to `before`.
    fn task_files(
        &self,
        root: Oid,
        id: &str,
        before: Option<&TaskFiles>,
    ) -> Result<TaskFiles, TreeError> {
        let mut out = TaskFiles::default();
        let path = Task::path(id);
        if let Some(b) = self.trees.file(root, &path, wf_core::task::MAX_FILE_SIZE)? {
            out.task = Some(String::from_utf8_lossy(&b).into_owned());
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
                    oid: dir.id.to_string(),
                    content: None,
                },
            );
            return Ok(out);
        }
        for (rel, e) in self.trees.files_below(&dir, dir_path)? {
            let oid = e.id.to_string();
            let full = format!("{dir_path}/{rel}");
            let unchanged = before
                .and_then(|b| b.dir.get(&rel))
                .is_some_and(|b| b.oid == oid);
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

    /// The units of a root tree (see [`core::check_merge`]); `None` for a tree without a store.
    /// Every tree read on the way is checked, so a merge cannot hide a repeated entry or a
    /// changed mode in the folders it builds.
    fn units(&self, top: &Top) -> Result<Option<Units>, TreeError> {
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

    fn merge(&mut self, oid: Oid, data: &[u8], root: Oid, parents: &[Oid]) -> Result<Report, Fail> {
        let report = Report::new(oid, Kind::Merge);
        let proots: Vec<Oid> = parents
            .iter()
            .map(|p| self.root_of(*p))
            .collect::<Result<_, _>>()?;
        let tops: Vec<Top> = proots
            .iter()
            .map(|r| self.top(*r))
            .collect::<Result<_, _>>()?;
        let top_m = self.top(root)?;
        if !tops.iter().any(|t| t.store) && !top_m.store {
            return Ok(Report::new(oid, Kind::Skipped));
        }
        if let Err(e) = crate::raw::parse(data) {
            return Ok(report.problem(Problem::new(Check::Malformed, e)));
        }
        if let Some(a) = claimed_action(data) {
            return Ok(report.problem(Problem::new(
                Check::Mismatch,
                format!("a merge says Wf-Action {a}: wf actions are single-parent commits"),
            )));
        }
        if let Some(p) = &top_m.problem {
            return Ok(report.problem(Problem::new(Check::Malformed, p.clone())));
        }
        if git_files_changed(
            &top_m,
            tops.first(),
            tops.first().is_some_and(|t| t.wf != top_m.wf),
        ) {
            if let Some(p) = checked!(report, self.git_files(root)) {
                return Ok(report.problem(p));
            }
        }
        let base = match self.repo.merge_base_many(parents) {
            Ok(b) => Some(b),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let top_b = match base {
            Some(b) => Some(self.top(self.root_of(b)?)?),
            None => None,
        };
        let b = match &top_b {
            Some(t) => checked!(report, self.units(t)),
            None => None,
        };
        let mut ps = Vec::with_capacity(tops.len());
        for t in &tops {
            ps.push(checked!(report, self.units(t)));
        }
        let m = checked!(report, self.units(&top_m));
        if let Err(p) = core::check_merge(b.as_ref(), &ps, m.as_ref()) {
            return Ok(report.problem(p));
        }
        // The actions a merge brings in are judged again under the policy where they land:
        // when one parent's line changed `.wf/` since the merge base, every task action of
        // the other parents' lines must be legal under that parent's policy. A key revoked
        // (or a role taken away) on main cannot act through a branch forked before.
        let wf_base = top_b.as_ref().and_then(|t| t.wf.clone());
        for (i, (t, parent)) in tops.iter().zip(parents).enumerate() {
            if !t.store || t.wf == wf_base || top_b.is_none() {
                continue;
            }
            let pol = checked!(report, self.policy(t.root));
            for (j, other) in parents.iter().enumerate() {
                if j == i {
                    continue;
                }
                if let Some(p) = self.rejudge(*other, *parent, &pol)? {
                    let which = if i == 0 {
                        "the first parent".to_string()
                    } else {
                        format!("parent {}", i + 1)
                    };
                    return Ok(report.problem(Problem::new(
                        Check::Merge,
                        format!(
                            "brings in {p}, which the policy at {which} ({}) refuses; the policy changed there since the branches parted: rebase the branch onto it (wf sync)",
                            &parent.to_string()[..12]
                        ),
                    )));
                }
            }
        }
        Ok(report)
    }

    /// Judge every single-parent commit reachable from `tip` but not from `landing` again under
    /// `policy`; describe the first one refused.
    fn rejudge(&mut self, tip: Oid, landing: Oid, policy: &Policy) -> Result<Option<String>, Fail> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(tip)?;
        walk.hide(landing)?;
        for c in walk {
            let c = c?;
            let data = self.commit_bytes(c)?;
            let (_, parents) = crate::raw::header(&data).map_err(Fail::Refused)?;
            if parents.len() > 1 {
                continue;
            }
            let r = match self.judge_inner(c, Some(policy)) {
                Ok(r) => r,
                Err(Fail::Refused(why)) => {
                    Report::new(c, Kind::Task).problem(Problem::new(Check::Malformed, why))
                }
                Err(Fail::Git(e)) => return Err(Fail::Git(e)),
            };
            if let Some(p) = r.problems.first() {
                let what = match (&r.action, &r.task, &r.actor) {
                    (Some(a), Some(t), Some(by)) => format!(" ({a} of {t} by {by})"),
                    (Some(a), Some(t), None) => format!(" ({a} of {t})"),
                    _ => String::new(),
                };
                return Ok(Some(format!(
                    "{}{what}: {}: {}",
                    &c.to_string()[..12],
                    p.check,
                    p.reason
                )));
            }
        }
        Ok(None)
    }
}

/// The `Wf-Action` a commit object's message claims, if any.
fn claimed_action(commit: &[u8]) -> Option<String> {
    let at = commit.windows(2).position(|w| w == b"\n\n")?;
    let message = String::from_utf8_lossy(&commit[at + 2..]);
    let trailers = wf_core::trailer::parse(&message);
    wf_core::trailer::get(&trailers, wf_core::trailer::key::ACTION).map(wf_core::text::visible)
}

/// Whether git's own top-level files must be judged: they changed, the store is founded here,
/// or the actors a `.mailmap` must not rename may have changed.
fn git_files_changed(top: &Top, parent: Option<&Top>, changed_wf: bool) -> bool {
    if !top.store {
        return false;
    }
    match parent.filter(|p| p.store) {
        None => top.attributes.is_some() || top.mailmap.is_some(),
        Some(p) => {
            top.attributes != p.attributes
                || top.mailmap != p.mailmap
                || (changed_wf && top.mailmap.is_some())
        }
    }
}

/// The task ids whose file or folder a list of changed paths (from the repository root) touch,
/// or a problem for a path under `tasks/` that is no task's.
fn task_ids(paths: &[String]) -> Result<Vec<String>, Problem> {
    let mut ids: Vec<String> = Vec::new();
    for path in paths {
        let rel = path.strip_prefix("tasks/").unwrap_or(path);
        let id = match wf_core::task::locate(rel) {
            Some(wf_core::task::TaskEntry::File(id)) => id,
            Some(wf_core::task::TaskEntry::Folder(id, rest)) if !rest.is_empty() => id,
            _ => {
                return Err(Problem::new(
                    Check::Rule(wf_core::Rule::TaskScope),
                    format!("{path} is not a task file or a file of a task's folder"),
                ))
            }
        };
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}
