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
pub fn opener(dir: PathBuf) -> impl Fn() -> Result<Repository, git2::Error> + Sync {
    move || {
        if std::env::var_os("GIT_DIR").is_some() {
            Repository::open_from_env()
        } else {
            Repository::open(&dir)
        }
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
    let oids = engine::commits(repo, &range)?;
    check_complete(repo, &oids)?;
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
    let threads = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let bar = std::sync::Mutex::new(crate::progress::Progress::new(
        "wf-verify",
        Some(oids.len() as u64),
    ));
    let progress = |n: usize| {
        if let Ok(mut b) = bar.lock() {
            b.inc(n as u64);
        }
    };
    let open = opener(repo.path().to_path_buf());
    let mut out = Outcome {
        summary: Summary::default(),
        problems: Vec::new(),
        approvals: Vec::new(),
        range,
    };
    let mut clean: Vec<(Oid, Kind)> = Vec::new();
    for block in oids.chunks(BLOCK) {
        let done = engine::verify(&open, block, &cached, describe_cached, threads, &progress)?;
        each_block(&done)?;
        for r in done {
            out.summary.add(&r);
            if use_cache && r.problems.is_empty() && r.kind != Kind::Cached {
                clean.push((r.commit, r.kind));
            }
            if r.action.as_deref() == Some("approve") {
                out.approvals.push(r.clone());
            }
            if !r.problems.is_empty() {
                out.problems.push(r);
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
