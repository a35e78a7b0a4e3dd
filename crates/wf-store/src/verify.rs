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

use git2::{ObjectType, Oid, Repository, Sort, Tree, TreeEntry};
use wf_core::policy::{self, Files, Loaded};
use wf_core::verify::{self as core, Blob, Check, Header, Problem, TaskFiles, Units};
use wf_core::{Task, Timestamp};

use crate::sign::{self, SigStatus};

/// Every file under `.wf/` in a tree, by path from the repository root. Entries that are not
/// files (submodules, links) are given unreadable contents, so that loading the policy fails.
pub fn wf_files(repo: &Repository, tree: &Tree) -> Result<Files, git2::Error> {
    let mut files = Files::new();
    let Some(e) = tree.get_name(".wf") else {
        return Ok(files);
    };
    let wf = repo.find_tree(e.id())?;
    let mut err = None;
    wf.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!(".wf/{dir}{}", entry.name().unwrap_or("\u{fffd}"));
        match entry.kind() {
            Some(ObjectType::Tree) => {}
            Some(ObjectType::Blob) if entry.filemode() == 0o100644 => {
                match repo.find_blob(entry.id()) {
                    Ok(b) => {
                        files.insert(path, b.content().to_vec());
                    }
                    Err(e) => err = Some(e),
                }
            }
            _ => {
                files.insert(path, b"\0not a regular file".to_vec());
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    match err {
        Some(e) => Err(e),
        None => Ok(files),
    }
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
}

impl Kind {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Skipped => "skipped",
            Kind::Cached => "cached",
            Kind::Task => "task",
            Kind::Policy => "policy",
            Kind::Merge => "merge",
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

/// The file of commits found clean: one hex id per line, under the git dir (shared by worktrees).
/// The name carries the verifier's version, so a new verifier starts afresh.
pub fn cache_path(repo: &Repository) -> PathBuf {
    repo.commondir()
        .join(format!("wf-verified-{}", env!("CARGO_PKG_VERSION")))
}

/// Read the cache; a missing or unreadable file is an empty cache.
pub fn load_cache(repo: &Repository) -> HashSet<Oid> {
    std::fs::read_to_string(cache_path(repo))
        .map(|s| {
            s.lines()
                .filter_map(|l| Oid::from_str(l.trim()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Append clean commits to the cache (one `write` of whole lines, so concurrent runs interleave
/// whole lines at worst).
pub fn save_cache(repo: &Repository, clean: &[Oid]) -> std::io::Result<()> {
    if clean.is_empty() {
        return Ok(());
    }
    let mut buf = String::with_capacity(clean.len() * 41);
    for o in clean {
        buf.push_str(&o.to_string());
        buf.push('\n');
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
    cached: &HashSet<Oid>,
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
                        *error.lock().expect("lock") = Some(e);
                        return;
                    }
                };
                let mut ctx = Ctx {
                    repo: &repo,
                    policies: HashMap::new(),
                };
                loop {
                    let start = next.fetch_add(32, Ordering::Relaxed);
                    if start >= oids.len() {
                        break;
                    }
                    let end = (start + 32).min(oids.len());
                    let mut local = Vec::with_capacity(end - start);
                    for (i, oid) in oids.iter().enumerate().take(end).skip(start) {
                        let r = if cached.contains(oid) && describe_cached {
                            ctx.describe_cached(*oid)
                        } else if cached.contains(oid) {
                            Report::new(*oid, Kind::Cached)
                        } else {
                            ctx.judge(*oid)
                        };
                        local.push((i, r));
                    }
                    let mut o = out.lock().expect("lock");
                    for (i, r) in local {
                        o[i] = Some(r);
                    }
                    drop(o);
                    progress(end - start);
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("lock") {
        return Err(e);
    }
    Ok(out
        .into_inner()
        .expect("lock")
        .into_iter()
        .map(|r| r.expect("every commit judged"))
        .collect())
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

/// The mode of every file wf writes: a regular, non-executable file.
const REGULAR: i32 = 0o100644;

struct Ctx<'r> {
    repo: &'r Repository,
    /// Parsed policies by the id of their `.wf` tree.
    policies: HashMap<Oid, Policy>,
}

fn git_problem(e: git2::Error) -> Problem {
    Problem::new(Check::Malformed, format!("git: {}", e.message()))
}

/// The paths (relative to the trees) of the files and other non-folder entries that differ
/// between two trees. Only subtrees whose ids differ are read, so the cost follows the size of
/// the change, not of the trees: an action in a store of 10,000 tasks reads three small trees
/// on each side.
fn tree_changes(
    repo: &Repository,
    before: Option<&Tree>,
    after: Option<&Tree>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<Vec<u8>>,
) -> Result<(), git2::Error> {
    // Both trees are sorted the way git sorts them (a folder as its name plus `/`), so one
    // merge-join pass pairs the entries without building anything.
    let (nb, na) = (before.map_or(0, Tree::len), after.map_or(0, Tree::len));
    let (mut i, mut j) = (0, 0);
    while i < nb || j < na {
        let old = before.and_then(|t| t.get(i).filter(|_| i < nb));
        let new = after.and_then(|t| t.get(j).filter(|_| j < na));
        let order = match (&old, &new) {
            (Some(o), Some(n)) => git_cmp(o, n),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (old, new) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (old, None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, new)
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                if old.as_ref().map(|o| (o.id(), o.filemode()))
                    == new.as_ref().map(|n| (n.id(), n.filemode()))
                {
                    continue;
                }
                (old, new)
            }
        };
        let entry = old.as_ref().or(new.as_ref()).expect("one side is present");
        let len = prefix.len();
        prefix.extend_from_slice(entry.name_bytes());
        let sub = |e: Option<&TreeEntry>| -> Result<Option<Tree<'_>>, git2::Error> {
            match e {
                Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id()).map(Some),
                _ => Ok(None),
            }
        };
        let (ot, nt) = (sub(old.as_ref())?, sub(new.as_ref())?);
        if ot.is_none() && nt.is_none() {
            out.push(prefix.clone());
        } else {
            prefix.push(b'/');
            tree_changes(repo, ot.as_ref(), nt.as_ref(), prefix, out)?;
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// Git's order of tree entries: by name, a folder's name read as if it ended in `/`.
fn git_cmp(a: &TreeEntry, b: &TreeEntry) -> std::cmp::Ordering {
    let (x, y) = (a.name_bytes(), b.name_bytes());
    let n = x.len().min(y.len());
    x[..n].cmp(&y[..n]).then_with(|| {
        let end = |e: &TreeEntry, name: &[u8]| {
            name.get(n)
                .copied()
                .or((e.kind() == Some(ObjectType::Tree)).then_some(b'/'))
        };
        end(a, x).cmp(&end(b, y))
    })
}

/// The ids of `.wf` and `tasks` in a tree.
fn areas(tree: &Tree) -> (Option<Oid>, Option<Oid>) {
    (
        tree.get_name(".wf").map(|e| e.id()),
        tree.get_name("tasks").map(|e| e.id()),
    )
}

fn has_store(tree: &Tree) -> bool {
    tree.get_path(std::path::Path::new(policy::STORE_FILE))
        .is_ok()
}

impl Ctx<'_> {
    /// A commit found clean earlier, described from its trailers (which the earlier run checked
    /// against its task file): action, task, actor, and what an approval approves.
    fn describe_cached(&self, oid: Oid) -> Report {
        let mut r = Report::new(oid, Kind::Cached);
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
        match self.judge_inner(oid) {
            Ok(r) => r,
            Err(e) => Report::new(oid, Kind::Task).problem(git_problem(e)),
        }
    }

    fn judge_inner(&mut self, oid: Oid) -> Result<Report, git2::Error> {
        let commit = self.repo.find_commit(oid)?;
        let tree = commit.tree()?;
        let parents: Vec<Oid> = commit.parent_ids().collect();
        if parents.len() > 1 {
            return self.merge(oid, &tree, &parents);
        }
        let ptree = match parents.first() {
            Some(p) => Some(self.repo.find_commit(*p)?.tree()?),
            None => None,
        };
        let (wf_c, tasks_c) = areas(&tree);
        let (wf_p, tasks_p) = ptree.as_ref().map_or((None, None), areas);
        let store_p = ptree.as_ref().is_some_and(has_store);
        let store_c = has_store(&tree);
        if (wf_c == wf_p && tasks_c == tasks_p) || (!store_p && !store_c) {
            return Ok(Report::new(oid, Kind::Skipped));
        }
        let changed_wf = wf_c != wf_p;
        let changed_tasks = tasks_c != tasks_p;
        let mut report = Report::new(oid, if changed_wf { Kind::Policy } else { Kind::Task });
        let raw = match crate::raw::parse(self.repo.odb()?.read(oid)?.data()) {
            Ok(r) => r,
            Err(e) => return Ok(report.problem(Problem::new(Check::Malformed, e))),
        };
        let ids = match (changed_tasks, ptree.as_ref()) {
            (true, Some(pt)) => Some(self.changed_tasks(pt, &tree)?),
            _ => None,
        };
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
        let key = match &raw.signature {
            None => {
                let why = if report.action.is_some() {
                    "the commit is not signed".to_string()
                } else {
                    format!(
                        "changes {} but is neither signed nor a wf action",
                        self.first_change(ptree.as_ref(), &tree)?
                    )
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
                SigStatus::Unsigned => unreachable!("a signature is present"),
            },
        };
        if report.action.is_none() {
            return Ok(report.problem(Problem::new(
                Check::NotAnAction,
                format!(
                    "changes {} but carries no Wf-Action trailer",
                    self.first_change(ptree.as_ref(), &tree)?
                ),
            )));
        }
        let author_date = (raw.author_time.0, raw.author_time.1.as_str());
        if let Err(p) = core::check_dates(author_date, (raw.time, &raw.zone)) {
            return Ok(report.problem(p));
        }
        if !store_p {
            // The root of trust: the founder is identified in the commit's own actors.
            if let Err(p) = core::check_founding_tree(tasks_c.is_some()) {
                return Ok(report.problem(p));
            }
            let after = wf_files(self.repo, &tree)?;
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
        }
        let ptree = ptree.expect("store_p");
        let pol = self.policy(&ptree, wf_p)?;
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
            let after = wf_files(self.repo, &tree)?;
            if let Err(p) = core::replay_policy(Some(before_files), &after, &actor, &h) {
                report.problems.push(p);
            }
            return Ok(report);
        }
        let id = match ids.expect("tasks changed under a store") {
            Err(p) => return Ok(report.problem(p)),
            Ok(ids) if ids.len() > 1 => {
                return Ok(report.problem(Problem::new(
                    Check::Rule(wf_core::Rule::TaskScope),
                    format!("the commit changes {} tasks: {}", ids.len(), ids.join(", ")),
                )))
            }
            Ok(mut ids) => ids.pop().expect("tasks changed"),
        };
        report.task = Some(id.clone());
        let before = self.task_files(&ptree, &id, None)?;
        let after = self.task_files(&tree, &id, Some(&before))?;
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

    /// The first path under `.wf/` or `tasks/` a commit changes (and how many more), for
    /// messages that must name the file.
    fn first_change(&self, before: Option<&Tree>, after: &Tree) -> Result<String, git2::Error> {
        let mut opts = git2::DiffOptions::new();
        opts.pathspec(".wf")
            .pathspec("tasks")
            .skip_binary_check(true);
        let diff = self
            .repo
            .diff_tree_to_tree(before, Some(after), Some(&mut opts))?;
        let paths: Vec<String> = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or(d.old_file().path())
                    .map(|p| p.display().to_string())
            })
            .collect();
        Ok(match paths.as_slice() {
            [] => ".wf/ or tasks/".into(),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
        })
    }

    /// The parsed policy of a `.wf` tree, cached by its id.
    fn policy(&mut self, tree: &Tree, wf: Option<Oid>) -> Result<Policy, git2::Error> {
        let key = wf.unwrap_or_else(Oid::zero);
        if let Some(p) = self.policies.get(&key) {
            return Ok(p.clone());
        }
        let files = wf_files(self.repo, tree)?;
        let loaded = policy::load(&files).map(|l| (files, l));
        let p = Rc::new(loaded);
        if self.policies.len() > 256 {
            self.policies.clear();
        }
        self.policies.insert(key, p.clone());
        Ok(p)
    }

    /// The task ids whose file or folder differ between two trees, or a problem for an entry
    /// under `tasks/` that is not a task's.
    fn changed_tasks(
        &self,
        before: &Tree,
        after: &Tree,
    ) -> Result<Result<Vec<String>, Problem>, git2::Error> {
        let sub = |t: &Tree| -> Result<Option<Tree>, git2::Error> {
            match t.get_name("tasks") {
                Some(e) if e.kind() == Some(ObjectType::Tree) => {
                    Ok(Some(self.repo.find_tree(e.id())?))
                }
                _ => Ok(None),
            }
        };
        let (b, a) = (sub(before)?, sub(after)?);
        if after.get_name("tasks").is_some() && a.is_none() {
            return Ok(Err(Problem::new(Check::Malformed, "tasks is not a folder")));
        }
        let mut paths = Vec::new();
        tree_changes(
            self.repo,
            b.as_ref(),
            a.as_ref(),
            &mut Vec::new(),
            &mut paths,
        )?;
        let mut ids: Vec<String> = Vec::new();
        for path in &paths {
            {
                let Ok(path) = std::str::from_utf8(path) else {
                    return Ok(Err(Problem::new(
                        Check::Malformed,
                        "a path under tasks/ is not UTF-8",
                    )));
                };
                let id = match wf_core::task::locate(path) {
                    Some(wf_core::task::TaskEntry::File(id)) => id,
                    Some(wf_core::task::TaskEntry::Folder(id, rest)) if !rest.is_empty() => id,
                    _ => {
                        return Ok(Err(Problem::new(
                            Check::Rule(wf_core::Rule::TaskScope),
                            format!("tasks/{path} is not a task file or a file of a task's folder"),
                        )))
                    }
                };
                if !ids.iter().any(|i| i == id) {
                    ids.push(id.to_string());
                }
            }
        }
        Ok(Ok(ids))
    }

    /// A task's file and folder in a tree. Contents (sha256, size) are read for files that are
    /// new or changed relative to `before`.
    fn task_files(
        &self,
        tree: &Tree,
        id: &str,
        before: Option<&TaskFiles>,
    ) -> Result<TaskFiles, git2::Error> {
        let mut out = TaskFiles::default();
        if let Ok(e) = tree.get_path(std::path::Path::new(&Task::path(id))) {
            if e.filemode() != REGULAR {
                out.irregular.push(Task::path(id));
                return Ok(out);
            }
            let b = self.repo.find_blob(e.id())?;
            out.task = Some(String::from_utf8_lossy(b.content()).into_owned());
        }
        let Ok(e) = tree.get_path(std::path::Path::new(&Task::dir(id))) else {
            return Ok(out);
        };
        let Ok(dir) = self.repo.find_tree(e.id()) else {
            out.dir.insert(
                "(not a folder)".into(),
                Blob {
                    oid: e.id().to_string(),
                    content: None,
                },
            );
            return Ok(out);
        };
        let odb = self.repo.odb()?;
        let mut err = None;
        dir.walk(git2::TreeWalkMode::PreOrder, |d, entry| {
            if entry.kind() == Some(ObjectType::Tree) {
                return git2::TreeWalkResult::Ok;
            }
            let path = format!("{d}{}", entry.name().unwrap_or("\u{fffd}"));
            if entry.filemode() != REGULAR {
                out.irregular.push(format!("{}{path}", Task::dir(id)));
                return git2::TreeWalkResult::Ok;
            }
            let oid = entry.id().to_string();
            let unchanged = before
                .and_then(|b| b.dir.get(&path))
                .is_some_and(|b| b.oid == oid);
            let content = if unchanged || entry.kind() != Some(ObjectType::Blob) {
                None
            } else {
                match odb.read_header(entry.id()) {
                    // Never read into memory: reported by its size.
                    Ok((n, _)) if n as u64 > wf_core::task::MAX_FILE_SIZE => {
                        out.oversized
                            .push((format!("{}{path}", Task::dir(id)), n as u64));
                        None
                    }
                    Ok(_) => match self.repo.find_blob(entry.id()) {
                        Ok(b) => Some((
                            wf_core::digest::sha256_hex(b.content()),
                            b.content().len() as u64,
                        )),
                        Err(e) => {
                            err = Some(e);
                            None
                        }
                    },
                    Err(e) => {
                        err = Some(e);
                        None
                    }
                }
            };
            out.dir.insert(path, Blob { oid, content });
            git2::TreeWalkResult::Ok
        })?;
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    fn merge(&mut self, oid: Oid, tree: &Tree, parents: &[Oid]) -> Result<Report, git2::Error> {
        let mut report = Report::new(oid, Kind::Merge);
        let ptrees: Vec<Tree> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).and_then(|c| c.tree()))
            .collect::<Result<_, _>>()?;
        if !ptrees.iter().any(has_store) && !has_store(tree) {
            return Ok(Report::new(oid, Kind::Skipped));
        }
        if let Err(e) = crate::raw::parse(self.repo.odb()?.read(oid)?.data()) {
            return Ok(report.problem(Problem::new(Check::Malformed, e)));
        }
        let base = match self.repo.merge_base_many(parents) {
            Ok(b) => Some(self.repo.find_commit(b)?.tree()?),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e),
        };
        // The units of a tree; `None` for a tree without a store.
        let units = |t: Option<&Tree>| -> Result<Option<Units>, git2::Error> {
            let mut m = BTreeMap::new();
            let Some(t) = t.filter(|t| has_store(t)) else {
                return Ok(None);
            };
            if let Some(e) = t.get_name(".wf") {
                m.insert(".wf".to_string(), (Some(e.id().to_string()), None));
            }
            if let Some(e) = t.get_name("tasks") {
                let Ok(tasks) = self.repo.find_tree(e.id()) else {
                    m.insert("tasks".into(), (Some(e.id().to_string()), None));
                    return Ok(Some(m));
                };
                for shard in tasks.iter() {
                    let sname = shard.name().unwrap_or("\u{fffd}");
                    let Ok(sub) = self.repo.find_tree(shard.id()) else {
                        // A stray file among the shards: a unit of its own.
                        m.insert(
                            format!("tasks/{sname}"),
                            (Some(shard.id().to_string()), None),
                        );
                        continue;
                    };
                    for e in sub.iter() {
                        let name = e.name().unwrap_or("\u{fffd}");
                        let (id, is_file) = match name.strip_suffix(".toml") {
                            Some(id) => (id, true),
                            None => (name, false),
                        };
                        let key = if wf_core::task::shard(id) == sname {
                            id.to_string()
                        } else {
                            format!("tasks/{sname}/{id}")
                        };
                        let u = m.entry(key).or_insert((None, None));
                        let v = Some(e.id().to_string());
                        if is_file {
                            u.0 = v;
                        } else {
                            u.1 = v;
                        }
                    }
                }
            }
            Ok(Some(m))
        };
        let b = units(base.as_ref())?;
        let ps: Vec<_> = ptrees
            .iter()
            .map(|t| units(Some(t)))
            .collect::<Result<_, _>>()?;
        let m = units(Some(tree))?;
        if let Err(p) = core::check_merge(b.as_ref(), &ps, m.as_ref()) {
            report.problems.push(p);
        }
        Ok(report)
    }
}
