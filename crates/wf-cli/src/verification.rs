//! Verifying a range of commits, as `wf-verify` and `wf-hook` both do: the engine
//! ([`wf_store::verify`]) run over all cores in blocks, with the cache of clean commits, a
//! progress bar on a terminal, and a refusal of a range a shallow clone cannot judge; then the
//! problems, one line each, and the counts of the summary.

use std::path::PathBuf;

use git2::{Oid, Repository};
use wf_core::text::visible;
use wf_store::verify::{self as engine, Kind, Range, Report};

use crate::error::CliError;

/// Resolve `REV` or `A..B` (and `--base`) to a range, as `wf-verify` and `wf-board` take it.
pub fn resolve(
    repo: &Repository,
    spec: Option<&str>,
    base: Option<&str>,
) -> Result<Range, CliError> {
    let one = |rev: &str| -> Result<Oid, CliError> {
        repo.revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|_| {
                CliError::not_found(
                    format!("unknown revision {rev:?}"),
                    "name a branch, tag or commit: wf-verify main, wf-verify A..B",
                )
            })
    };
    let spec = spec.unwrap_or("HEAD");
    if spec.contains("...") {
        return Err(CliError::usage(
            format!("symmetric ranges are not supported: {spec}"),
            "use A..B (commits reachable from B but not from A)",
        ));
    }
    let mut range = match spec.split_once("..") {
        Some((a, b)) => Range {
            include: vec![one(if b.is_empty() { "HEAD" } else { b })?],
            exclude: vec![one(if a.is_empty() { "HEAD" } else { a })?],
        },
        None => Range {
            include: vec![one(spec)?],
            exclude: vec![],
        },
    };
    if let Some(b) = base {
        range.exclude.push(one(b)?);
    }
    Ok(range)
}

/// Open the repository the way every thread of the verifier will: from git's environment
/// when `GIT_DIR` is set (as in hooks, where pushed objects sit in a quarantine directory),
/// else by path.
///
/// Each handle reads no commit-graph through libgit2 ([`engine::without_commit_graph`]): its
/// walks and merge-base searches take every commit's parents from the commit itself, and no
/// object can be written through it.
pub fn opener(dir: PathBuf) -> impl Fn() -> Result<Repository, git2::Error> + Sync {
    move || {
        let repo = open_plain(&dir)?;
        engine::without_commit_graph(&repo, std::env::var_os("GIT_DIR").is_some())?;
        Ok(repo)
    }
}

/// The repository at `dir` as [`opener`] opens it, with libgit2's own object database.
fn open_plain(dir: &std::path::Path) -> Result<Repository, git2::Error> {
    if std::env::var_os("GIT_DIR").is_some() {
        Repository::open_from_env()
    } else {
        Repository::open(dir)
    }
}

/// The outcome of a run. Only what the output needs is kept, not one report per commit, so a
/// run's memory does not grow with the range beyond the commit list and the cache's ids.
pub struct Outcome {
    /// The counts.
    pub summary: Summary,
    /// The reports with problems, oldest first.
    pub problems: Vec<Report>,
    /// The reports of `approve` actions, valid or not, oldest first.
    pub approvals: Vec<Report>,
    /// Approvals a later `reopen` of their task in the range voided: the approval's commit,
    /// and the reopen's.
    pub reopened: std::collections::HashMap<Oid, Oid>,
    /// The range as resolved.
    pub range: Range,
}

/// Commits are judged in blocks of this many, oldest first; `each_block` sees every block's
/// reports as soon as it is done, so output can stream while the rest is judged.
pub const BLOCK: usize = 4096;

/// The cache is read when it is at most this many bytes per commit of the range: an entry
/// (48 bytes) costs about 0.35 µs to read, a commit about 150 µs to judge on two cores, so past
/// about 400 entries per commit judging the range is the cheaper way.
const CACHE_BYTES_PER_COMMIT: u64 = 48 * 400;

/// Verify a range with the cache and all cores, showing progress on a terminal. `each_block`
/// is called with the reports of each block, in order.
pub fn run_range(
    repo: &Repository,
    range: Range,
    use_cache: bool,
    describe_cached: bool,
    jobs: Option<usize>,
    each_block: &mut dyn FnMut(&[Report]) -> Result<(), CliError>,
) -> Result<Outcome, CliError> {
    let threads = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let open = opener(repo.path().to_path_buf());
    // The range is listed and checked through a handle of the verifier's own ([`opener`]):
    // `repo`'s walks would follow libgit2's reading of a commit-graph.
    let own = open()?;
    let listing = list(&own, &range, threads)?;
    let (oids, followed) = (&listing.oids, listing.followed.as_ref());
    check_complete(&own, oids)?;
    drop(own);
    // Reading the cache costs in proportion to the history, judging in proportion to the
    // range: a short range on a long history (a push to a server) is judged without reading it
    // (`spec/verify.md`, the cache). Clean commits are still appended to it.
    let read_cache = use_cache
        && std::fs::metadata(engine::cache_path(repo))
            .is_ok_and(|m| m.len() <= CACHE_BYTES_PER_COMMIT * oids.len() as u64);
    let cached = if read_cache {
        engine::load_cache(repo)
    } else {
        Default::default()
    };
    let bar = std::sync::Mutex::new(crate::progress::Progress::new(
        "wf-verify",
        Some(oids.len() as u64),
    ));
    let progress = |n: usize| {
        if let Ok(mut b) = bar.lock() {
            b.inc(n as u64);
        }
    };
    let mut out = Outcome {
        summary: Summary::default(),
        problems: Vec::new(),
        approvals: Vec::new(),
        reopened: Default::default(),
        range,
    };
    let mut clean: Vec<(Oid, Kind)> = Vec::new();
    let mut take = |done: Vec<Report>| -> Result<(), CliError> {
        each_block(&done)?;
        for r in done {
            out.summary.add(&r);
            if use_cache && r.problems.is_empty() && r.kind != Kind::Cached {
                clean.push((r.commit, r.kind));
            }
            if r.action.as_deref() == Some("approve") {
                out.approvals.push(r.clone());
            }
            // The reports come oldest first: a reopen voids the approvals of its task so far.
            if r.action.as_deref() == Some("reopen") && r.problems.is_empty() && r.task.is_some() {
                for a in out.approvals.iter().filter(|a| {
                    a.problems.is_empty() && a.approval.as_ref().map(|x| &x.task) == r.task.as_ref()
                }) {
                    out.reopened.entry(a.commit).or_insert(r.commit);
                }
            }
            if !r.problems.is_empty() {
                out.problems.push(r);
            }
        }
        Ok(())
    };
    let to_judge = oids.iter().filter(|o| !cached.contains_key(o)).count();
    match workers_as_processes(threads, to_judge) {
        Some(exe) => in_processes(
            &exe,
            repo,
            oids,
            followed,
            &cached,
            describe_cached,
            threads,
            &progress,
            &mut take,
        )?,
        None => {
            let renew = renew_after(RENEW_IN_PROCESS);
            let mut judge_all = || -> Result<(), CliError> {
                let mut judges = engine::Judges::default();
                for (n, block) in oids.chunks(BLOCK).enumerate() {
                    let parents = followed.map(|f| parents_of_block(f, n * BLOCK, block.len()));
                    take(engine::verify(
                        &open,
                        block,
                        parents.as_deref(),
                        &cached,
                        describe_cached,
                        threads,
                        renew,
                        &progress,
                        &mut judges,
                    )?)?;
                }
                Ok(())
            };
            if to_judge > renew {
                without_objects(repo, judge_all)?;
            } else {
                judge_all()?;
            }
        }
    }
    if let Ok(mut b) = bar.lock() {
        b.finish();
    }
    if use_cache {
        // The cache only saves time; failing to write it is not a verification failure.
        let _ = engine::save_cache(repo, &clean);
    }
    Ok(out)
}

/// The parents a listing followed for its commits `start..start + len`, as
/// [`engine::verify`] takes them. A listing holds them for each of its commits (they are made
/// together); past its end the list would be empty, and a commit that has parents fails the
/// check.
fn parents_of_block(f: &engine::Followed, start: usize, len: usize) -> Vec<&[Oid]> {
    (start..start + len)
        .map(|i| f.of(i).unwrap_or_default())
        .collect()
}

/// Run `f` with `repo`'s object database set aside (an empty one in its place), then give
/// `repo` a fresh one, as a new handle of libgit2's has ([`open_plain`]: it can write).
/// libgit2 shares a pack's mapped pages between all the handles in a process and keeps them
/// until the last handle on the pack goes, so this handle, which resolved the range, would
/// keep every page the judging threads touch: their fresh handles ([`engine::RENEW_AFTER`])
/// would release nothing (nearly all of an 81 MiB pack at 100,000 commits, `spec/verify.md`).
/// `f` must not read objects through `repo`.
fn without_objects<T>(
    repo: &Repository,
    f: impl FnOnce() -> Result<T, CliError>,
) -> Result<T, CliError> {
    repo.set_odb(&git2::Odb::new()?)?;
    let out = f();
    // libgit2's own object database again (`open`'s cannot write): `repo` is the caller's.
    let restored = open_plain(repo.path()).and_then(|fresh| repo.set_odb(&fresh.odb()?));
    let out = out?;
    restored?;
    Ok(out)
}

/// The commits of a range, parents before children ([`engine::commits`]). A whole history (no
/// commit excluded) that worker processes may judge is listed by a child process: the walk
/// reads every commit, and libgit2 keeps the pack pages that hold them (27 MiB at 100,000
/// commits) while any handle on the pack lives, as this process's does. The child reads them
/// through fresh handles ([`engine::commits_renewing`]) and ends (`spec/bench.md`, memory). A
/// range with excluded commits (a push, `--base`) is short and listed here.
fn list(repo: &Repository, range: &Range, threads: usize) -> Result<engine::Listing, CliError> {
    use std::io::{BufRead, Write};
    use std::process::Stdio;
    let exe = if range.exclude.is_empty() {
        workers_as_processes(threads, PROCESS_MIN)
    } else {
        None
    };
    let Some(exe) = exe else {
        return Ok(engine::listing(repo, range)?);
    };
    let failed = |why: String| {
        CliError::failure(format!(
            "listing the range in a child process failed: {why}"
        ))
        .with_hint(format!(
            "{PROCESSES_ENV}=never lists and judges the range in this process"
        ))
    };
    let mut child = child_command(&exe)
        .env(LISTER_ENV, repo.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot start {}: {e}", exe.display())))?;
    let mut input = String::new();
    for o in &range.include {
        input.push_str(&format!("+{o}\n"));
    }
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| failed(e.to_string()))?;
    }
    // Read as it comes, a line at a time: the whole output (82 bytes a commit when the listing
    // followed a commit-graph) held at once stayed in this process's memory for the run.
    // `followed` first when the listing followed a commit-graph (`-` when not), then a commit
    // a line, with the parents followed after it when so.
    let mut listing = engine::Listing::default();
    let mut bad = None;
    if let Some(stdout) = child.stdout.take() {
        let oid = |w: &str| Oid::from_str(w).map_err(|_| format!("a bad line: {}", visible(w)));
        let mut read = |n: usize, l: &str| -> Result<(), String> {
            if n == 0 {
                listing.followed = (l == FOLLOWED).then(engine::Followed::default);
                return Ok(());
            }
            let mut words = l.split(' ');
            listing.oids.push(oid(words.next().unwrap_or_default())?);
            let parents = words.map(oid).collect::<Result<Vec<Oid>, _>>()?;
            match &mut listing.followed {
                Some(f) => f.push(&parents),
                None if parents.is_empty() => {}
                None => return Err(format!("a bad line: {}", visible(l))),
            }
            Ok(())
        };
        for (n, line) in std::io::BufReader::new(stdout).lines().enumerate() {
            if let Err(why) = line.map_err(|e| e.to_string()).and_then(|l| read(n, &l)) {
                bad = Some(why);
                break;
            }
        }
    }
    if bad.is_some() {
        let _ = child.kill();
    }
    let mut said = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
    }
    let status = child.wait().map_err(|e| failed(e.to_string()))?;
    if !status.success() && bad.is_none() {
        let said = said.trim().trim_start_matches("wf-verify lister: ");
        return Err(failed(if said.is_empty() {
            format!("it exited with {status}")
        } else {
            visible(said)
        }));
    }
    match bad {
        Some(why) => Err(failed(why)),
        None => Ok(listing),
    }
}

/// The first line of a lister's output when its listing followed a commit-graph; `-` when not.
const FOLLOWED: &str = "followed";

/// A child process of the verifier (a lister or a worker): this program, with mimalloc's
/// transparent huge pages off unless the environment says otherwise (`MIMALLOC_ALLOW_THP`).
/// wf's mimalloc never asks for huge pages (its `no_thp` feature); this also keeps a worker
/// out of them where the system gives them unasked (`enabled` = `always`): a worker's heap is
/// many small objects, and in 2 MiB pages it held about 10 MiB more (`spec/bench.md`, memory).
fn child_command(exe: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(exe);
    if std::env::var_os(THP_ENV).is_none() {
        c.env(THP_ENV, "0");
    }
    c
}

/// mimalloc's option for transparent huge pages.
const THP_ENV: &str = "MIMALLOC_ALLOW_THP";

/// When this process was started to list a range for [`list`]: read the tips (`+<commit>` per
/// line) on stdin, print the range's commits, one per line, parents first, and give the exit
/// code. `None` for any other start.
fn serve_lister() -> Option<std::process::ExitCode> {
    let dir = std::env::var_os(LISTER_ENV)?;
    let run = || -> Result<(), String> {
        let input = std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?;
        let mut range = Range {
            include: Vec::new(),
            exclude: Vec::new(),
        };
        for line in input.lines() {
            let oid = line.strip_prefix('+').ok_or("a bad input line")?;
            range
                .include
                .push(Oid::from_str(oid).map_err(|e| e.to_string())?);
        }
        let listing = engine::listing_renewing(&opener(PathBuf::from(&dir)), &range)
            .map_err(|e| e.message().to_string())?;
        let followed = listing.followed.as_ref();
        let mut text =
            String::with_capacity(listing.oids.len() * if followed.is_some() { 82 } else { 41 });
        text.push_str(if followed.is_some() { FOLLOWED } else { "-" });
        text.push('\n');
        for (i, o) in listing.oids.iter().enumerate() {
            text.push_str(&o.to_string());
            for p in followed.and_then(|f| f.of(i)).unwrap_or_default() {
                text.push(' ');
                text.push_str(&p.to_string());
            }
            text.push('\n');
        }
        std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())
            .map_err(|e| e.to_string())
    };
    Some(match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("wf-verify lister: {}", visible(&why));
            std::process::ExitCode::from(crate::error::Kind::Failure.exit() as u8)
        }
    })
}

/// From this many commits to judge on more than one core, the verifier's workers are
/// processes (below), not threads.
const PROCESS_MIN: usize = 8192;

/// The environment that makes any wf binary a verifier worker (the repository's path), and
/// that asks it to describe cached commits; and the one that chooses processes or threads.
const WORKER_ENV: &str = "WF_VERIFY_WORKER";
const WORKER_DESCRIBE_ENV: &str = "WF_VERIFY_WORKER_DESCRIBE";
const PROCESSES_ENV: &str = "WF_VERIFY_PROCESSES";
/// The environment that makes any wf binary list a range for [`list`] (the repository's path).
const LISTER_ENV: &str = "WF_VERIFY_LISTER";

/// The program to run as workers, when the range is judged by worker processes: libgit2 reads
/// packs under a process-wide lock and a lock per pack (`spec/bench.md`, scaling), so threads
/// of one process queue on them as cores are added; processes share no lock. Threads for short
/// ranges (a push), where starting processes would cost more than it saves.
/// `WF_VERIFY_PROCESSES=always|never` overrides the choice.
fn workers_as_processes(threads: usize, to_judge: usize) -> Option<PathBuf> {
    let wanted = match std::env::var(PROCESSES_ENV).as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => threads > 1 && to_judge >= PROCESS_MIN,
    };
    wanted.then(|| std::env::current_exe().ok()).flatten()
}

/// Kills the worker processes still running when dropped (an error, a closed pipe).
struct Children(Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The most commits one worker process judges: a longer range is cut into slices of at most
/// this many, each judged by a fresh process (`spec/verify.md`), so that a worker's heap and
/// caches follow its slice, not the history. `WF_VERIFY_SLICE` sets it (for tests and
/// measurements).
const SLICE_MAX: usize = 4096;
const SLICE_ENV: &str = "WF_VERIFY_SLICE";

/// How many commits a verifier thread judges before it opens the repository again: in a
/// worker process [`engine::RENEW_AFTER`], in the run's own process [`RENEW_IN_PROCESS`];
/// `WF_VERIFY_RENEW` sets both (for tests and measurements).
fn renew_after(default: usize) -> usize {
    std::env::var("WF_VERIFY_RENEW")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// [`renew_after`] for the threads of the run's own process (one core, or `never`). Each fresh
/// handle maps the pack and its index again and refills libgit2's delta-base cache; in one
/// process over 100,000 commits that cost about 1 s of page faults more every 512 commits than
/// every 2,048 (of about 17 s), for 9 MiB less at the peak (86 against 95 MiB), where the
/// worker processes' 512 cost about 0.25 s of system time over the whole run, no measurable
/// wall time (`spec/verify.md`).
const RENEW_IN_PROCESS: usize = 2048;

/// How many slices beyond the one being read back may be judged ahead of it, per worker.
const AHEAD_PER_WORKER: usize = 2;

/// What the runners of [`in_processes`] share: the next slice to start, how many slices have
/// been read back, and whether to stop.
struct Schedule {
    state: std::sync::Mutex<SliceState>,
    moved: std::sync::Condvar,
}

#[derive(Default)]
struct SliceState {
    /// The next slice to start.
    next: usize,
    /// How many slices have been read back.
    read: usize,
    stop: bool,
}

impl Schedule {
    /// The next slice to judge, once it is at most `ahead` slices past those read back; `None`
    /// when all are taken or the run stops.
    fn next(&self, count: usize, ahead: usize) -> Option<usize> {
        let mut s = self.state.lock().ok()?;
        loop {
            if s.stop || s.next >= count {
                return None;
            }
            if s.next < s.read + ahead {
                s.next += 1;
                return Some(s.next - 1);
            }
            s = self.moved.wait(s).ok()?;
        }
    }

    fn set(&self, f: impl FnOnce(&mut SliceState)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
        self.moved.notify_all();
    }
}

/// Stops the runners when the reading side leaves (done, or an error).
struct StopOnDrop<'a>(&'a Schedule);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(|s| s.stop = true);
    }
}

/// Judge `oids` in worker processes, at most `workers` at once, each over a contiguous slice
/// of at most [`SLICE_MAX`] commits, and hand the reports to `take` in blocks of [`BLOCK`],
/// oldest first, as [`engine::verify`] gives them.
#[allow(clippy::too_many_arguments)]
fn in_processes(
    exe: &std::path::Path,
    repo: &Repository,
    oids: &[Oid],
    followed: Option<&engine::Followed>,
    cached: &std::collections::HashMap<Oid, Kind>,
    describe_cached: bool,
    workers: usize,
    progress: &(dyn Fn(usize) + Sync),
    take: &mut dyn FnMut(Vec<Report>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    use std::io::{BufRead, Write};
    use std::process::Stdio;
    let failed = |why: String| {
        CliError::failure(format!("a verifier worker process failed: {why}")).with_hint(format!(
            "{PROCESSES_ENV}=never judges the range in threads of one process"
        ))
    };
    let workers = workers.clamp(1, 64);
    let most = std::env::var(SLICE_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(SLICE_MAX);
    // As many slices as workers, or a multiple of that to keep each within the most a process
    // judges: slices of one size, so that no core waits alone on the last one.
    let count = oids.len().div_ceil(most).div_ceil(workers).max(1) * workers;
    let size = oids.len().div_ceil(count).max(1);
    let slices: Vec<(usize, &[Oid])> = oids
        .chunks(size)
        .enumerate()
        .map(|(i, c)| (i * size, c))
        .collect();
    let mut senders = Vec::new();
    let mut streams = Vec::new();
    for _ in &slices {
        // A slice's reports in order, then `Ok(None)` when its worker ended well.
        let (tx, rx) = std::sync::mpsc::channel::<Result<Option<Report>, String>>();
        senders.push(tx);
        streams.push(rx);
    }
    let schedule = Schedule {
        state: std::sync::Mutex::new(SliceState::default()),
        moved: std::sync::Condvar::new(),
    };
    let dir = repo.path();
    // One slice in one process: its reports go to the slice's channel, an error as the last.
    let judge_slice =
        |(start, slice): (usize, &[Oid]),
         tx: &std::sync::mpsc::Sender<Result<Option<Report>, String>>| {
            let mut child = child_command(exe)
                .env(WORKER_ENV, dir)
                .env(WORKER_DESCRIBE_ENV, if describe_cached { "1" } else { "0" })
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
            let mut killed = Children(Vec::new());
            let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                killed.0.push(child);
                return Err("no pipes".to_string());
            };
            killed.0.push(child);
            // A worker reads all its input before it writes a report.
            // With the parents the listing followed after the kind, when it followed a graph.
            let mut input = String::with_capacity(slice.len() * 90);
            for (i, o) in slice.iter().enumerate() {
                let kind = cached.get(o).map_or("-", |k| k.as_str());
                input.push_str(&format!("{o} {kind}"));
                if let Some(f) = followed {
                    input.push_str(" :");
                    for p in f.of(start + i).unwrap_or_default() {
                        input.push_str(&format!(" {p}"));
                    }
                }
                input.push('\n');
            }
            stdin
                .write_all(input.as_bytes())
                .map_err(|e| e.to_string())?;
            drop(stdin);
            for line in std::io::BufReader::new(stdout).lines() {
                let r = line
                    .map_err(|e| e.to_string())
                    .and_then(|l| serde_json::from_str(&l).map_err(|e| e.to_string()));
                progress(1);
                if tx.send(r.map(Some)).is_err() {
                    // The reading side left: `killed` stops the worker.
                    return Ok(());
                }
            }
            let mut child = killed.0.pop().ok_or("no worker")?;
            let status = child.wait().map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("it exited with {status}"));
            }
            Ok(())
        };
    std::thread::scope(|scope| -> Result<(), CliError> {
        let _stop = StopOnDrop(&schedule);
        // Dropped when this returns, an error included: a runner's next send fails, and it
        // stops its worker.
        let streams = streams;
        for _ in 0..workers.min(slices.len()) {
            scope.spawn(|| {
                while let Some(i) = schedule.next(slices.len(), workers * AHEAD_PER_WORKER) {
                    let end = judge_slice(slices[i], &senders[i]).map(|()| None);
                    let _ = senders[i].send(end);
                }
            });
        }
        let mut block = Vec::with_capacity(BLOCK);
        for (i, ((_, slice), rx)) in slices.iter().zip(&streams).enumerate() {
            for want in slice.iter() {
                let r = match rx.recv() {
                    Ok(Ok(Some(r))) if r.commit == *want => r,
                    Ok(Ok(Some(r))) => {
                        return Err(failed(format!("reported {} for {want}", r.commit)))
                    }
                    Ok(Err(why)) => return Err(failed(why)),
                    Ok(Ok(None)) | Err(_) => {
                        return Err(failed("it stopped before the end of its commits".into()))
                    }
                };
                block.push(r);
                if block.len() == BLOCK {
                    take(std::mem::take(&mut block))?;
                }
            }
            // A worker that printed every report but then failed fails the run too.
            match rx.recv() {
                Ok(Ok(None)) => {}
                Ok(Ok(Some(r))) => {
                    return Err(failed(format!("reported {} after its commits", r.commit)))
                }
                Ok(Err(why)) => return Err(failed(why)),
                Err(_) => return Err(failed("it stopped without a word".into())),
            }
            schedule.set(|s| s.read = i + 1);
        }
        if !block.is_empty() {
            take(block)?;
        }
        Ok(())
    })
}

/// When this process was started as a verifier worker ([`in_processes`]): judge the commits
/// listed on stdin (`<commit> <cached kind or ->` per line) on one thread, print one report
/// per line (JSON) in their order, and give the exit code. `None` for any other start.
pub fn serve_worker() -> Option<std::process::ExitCode> {
    if let Some(code) = serve_lister() {
        return Some(code);
    }
    let dir = std::env::var_os(WORKER_ENV)?;
    let describe = std::env::var(WORKER_DESCRIBE_ENV).as_deref() == Ok("1");
    let run = || -> Result<(), String> {
        let input = std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string())?;
        let mut oids = Vec::new();
        let mut cached = std::collections::HashMap::new();
        // `<commit> <kind>`, and ` : <parent>...` when the listing followed a commit-graph:
        // either for every line or for none.
        let mut followed: Option<engine::Followed> = None;
        for (n, line) in input.lines().enumerate() {
            let mut words = line.split(' ');
            let (Some(oid), Some(kind)) = (words.next(), words.next()) else {
                return Err("a bad input line".into());
            };
            let oid = Oid::from_str(oid).map_err(|e| e.to_string())?;
            if let Some(k) = Kind::parse(kind) {
                cached.insert(oid, k);
            }
            oids.push(oid);
            match words.next() {
                Some(":") if n == 0 || followed.is_some() => {
                    let parents = words
                        .map(|w| Oid::from_str(w).map_err(|e| e.to_string()))
                        .collect::<Result<Vec<Oid>, _>>()?;
                    followed.get_or_insert_with(Default::default).push(&parents);
                }
                None if followed.is_none() => {}
                _ => return Err("a bad input line".into()),
            }
        }
        let open = opener(PathBuf::from(&dir));
        let mut out = std::io::stdout().lock();
        let mut judges = engine::Judges::default();
        for (n, block) in oids.chunks(BLOCK).enumerate() {
            let parents = followed
                .as_ref()
                .map(|f| parents_of_block(f, n * BLOCK, block.len()));
            let reports = engine::verify(
                &open,
                block,
                parents.as_deref(),
                &cached,
                describe,
                1,
                renew_after(engine::RENEW_AFTER),
                &|_| {},
                &mut judges,
            )
            .map_err(|e| e.message().to_string())?;
            let mut text = String::new();
            for r in &reports {
                text.push_str(&serde_json::to_string(r).map_err(|e| e.to_string())?);
                text.push('\n');
            }
            std::io::Write::write_all(&mut out, text.as_bytes()).map_err(|e| e.to_string())?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    Some(match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("wf-verify worker: {}", visible(&why));
            std::process::ExitCode::from(crate::error::Kind::Failure.exit() as u8)
        }
    })
}

/// Refuse a range with a commit whose parents a shallow clone did not fetch: such a commit
/// cannot be judged against its parent (git shows it as a root), so verification would be
/// incomplete. A shallow clone whose missing history is outside the range verifies as usual.
fn check_complete(repo: &Repository, oids: &[Oid]) -> Result<(), CliError> {
    let shallow = engine::shallow_commits(repo);
    let cut: Vec<&Oid> = oids.iter().filter(|o| shallow.contains(o)).collect();
    let Some(first) = cut.first() else {
        return Ok(());
    };
    let more = match cut.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Err(CliError::store(
        format!(
            "the history is shallow: the parents of commit {}{more} were not fetched, so verification would be incomplete",
            &first.to_string()[..12]
        ),
        "fetch the whole history (git fetch --unshallow; CI: fetch-depth: 0), or verify a range whose parents are all here (wf-verify --base BASE)",
    ))
}

/// One line per problem: `commit task check: reason`.
pub fn problem_lines(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        for p in &r.problems {
            // Reasons quote paths and trailers of the commit: shown escaped, on one line.
            out.push_str(&format!(
                "{} {} {}: {}\n",
                &r.commit.to_string()[..12],
                visible(r.task.as_deref().unwrap_or("-")),
                p.check,
                visible(&p.reason)
            ));
        }
    }
    out
}

/// Counts for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    /// Commits in the range.
    pub commits: usize,
    /// Judged now.
    pub checked: usize,
    /// Left alone (not wf commits).
    pub skipped: usize,
    /// Clean by an earlier run.
    pub cached: usize,
    /// Problems.
    pub problems: usize,
    /// Commits with problems.
    pub bad: usize,
}

impl Summary {
    /// Count one report.
    pub fn add(&mut self, r: &Report) {
        self.commits += 1;
        match r.kind {
            Kind::Skipped => self.skipped += 1,
            Kind::Cached => self.cached += 1,
            _ => self.checked += 1,
        }
        self.problems += r.problems.len();
        self.bad += usize::from(!r.problems.is_empty());
    }

    /// `clean`, or how many problems in how many commits.
    pub fn verdict(&self) -> String {
        if self.problems == 0 {
            "clean".to_string()
        } else {
            format!(
                "{} problem{} in {} commit{}",
                self.problems,
                plural(self.problems),
                self.bad,
                plural(self.bad)
            )
        }
    }

    /// The summary line that ends a run's report.
    pub fn line(&self) -> String {
        format!(
            "verified {} commit{} ({} checked, {} cached, {} not wf): {}\n",
            self.commits,
            plural(self.commits),
            self.checked,
            self.cached,
            self.skipped,
            self.verdict()
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The most replace refs [`replaced_objects`] names one by one.
const REPLACED_NAMED: usize = 10;

/// A line for each ref under `refs/replace/` (matched without regard to ASCII case, as the
/// hook matches it): `git show`, `git log` and checkouts give another object in place of the
/// one it names, while the verifier reads the object itself, so what a reviewer is shown is
/// not what was verified. The hook refuses such refs on a server; in a clone they can only be
/// made there.
pub fn replaced_objects(repo: &git2::Repository) -> Vec<String> {
    const PREFIX: &str = "refs/replace/";
    let Ok(refs) = repo.references() else {
        return Vec::new();
    };
    let names: Vec<String> = refs
        .filter_map(Result::ok)
        .map(|r| String::from_utf8_lossy(r.name_bytes()).into_owned())
        .filter(|n| {
            n.get(..PREFIX.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(PREFIX))
        })
        .collect();
    let mut lines: Vec<String> = names
        .iter()
        .take(REPLACED_NAMED)
        .map(|n| {
            let id = visible(&n[PREFIX.len()..]);
            format!(
                "{}: git shows another object in place of {id}, which the verifier read \
                 itself (GIT_NO_REPLACE_OBJECTS=1 git log shows what was verified; git \
                 replace -d {id} removes it)",
                visible(n)
            )
        })
        .collect();
    if names.len() > REPLACED_NAMED {
        lines.push(format!(
            "and {} more refs under refs/replace/ (git for-each-ref refs/replace/ lists them)",
            names.len() - REPLACED_NAMED
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While `f` runs, `repo` reads no object (so it holds no pack); afterwards it reads and
    /// writes as before, through a fresh object database.
    #[test]
    fn objects_set_aside_come_back_readable_and_writable() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let old = repo.blob(b"before").unwrap();
        let seen = without_objects(&repo, || {
            Ok(repo.find_blob(old).map(|b| b.content().to_vec()).ok())
        })
        .unwrap();
        assert_eq!(seen, None, "the object database was not set aside");
        assert_eq!(repo.find_blob(old).unwrap().content(), b"before");
        let new = repo.blob(b"after").unwrap();
        assert_eq!(
            Repository::open_bare(dir.path())
                .unwrap()
                .find_blob(new)
                .unwrap()
                .content(),
            b"after"
        );
        // A failure inside is returned, and the objects still come back.
        let failed = without_objects(&repo, || -> Result<(), CliError> {
            Err(CliError::failure("inside".to_string()))
        });
        assert!(failed.is_err());
        assert_eq!(repo.find_blob(old).unwrap().content(), b"before");
    }
}
