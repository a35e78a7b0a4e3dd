//! `wf-verify`: replay history and prove, commit by commit, that every rule held.

use std::path::PathBuf;

use clap::Parser;
use git2::{Oid, Repository};
use serde_json::{json, Value};
use wf_core::text::visible;
use wf_store::verify::{self as engine, Kind, Range, Report};

use crate::context;
use crate::error::CliError;
use crate::output::{json as print_json, print, short_digest};

/// Prove from history that every rule held: replay and check each wf commit of a range.
///
/// Each commit that touches `.wf/` or `tasks/` is checked against its parent: signed by a key
/// registered before it, one legal action under the policy of its parent, trailers, task file
/// and artifacts in agreement, merges that add nothing. Other commits (code, docs) are left
/// alone. Prints one line per problem, `commit task rule: reason`, then a summary; exits 1 when
/// any problem is found.
#[derive(Parser, Debug)]
#[command(
    name = "wf-verify",
    version,
    after_help = "Examples:\n  wf-verify                      # all of HEAD's history\n  wf-verify --base main          # a pull request: main..HEAD, with its approvals\n  wf-verify v1.0..main --json | jq '.summary'"
)]
pub struct Args {
    /// Commits to verify: REV (its whole history) or A..B (reachable from B, not from A).
    /// Defaults to HEAD.
    #[arg(value_name = "REVISION-RANGE")]
    pub range: Option<String>,
    /// Verify BASE..HEAD (or BASE..RANGE) and report the approvals it carries: a pull request's
    /// check.
    #[arg(long, value_name = "BASE")]
    pub base: Option<String>,
    /// List the approvals found in the range, valid or not.
    #[arg(long)]
    pub approvals: bool,
    /// One JSON document (schema wf.verify/1).
    #[arg(long, conflicts_with = "ndjson")]
    pub json: bool,
    /// One JSON object per commit, then a summary object (schema wf.verify/1, ndjson form).
    #[arg(long)]
    pub ndjson: bool,
    /// Judge every commit again, ignoring and not updating the cache of clean commits.
    #[arg(long)]
    pub no_cache: bool,
    /// Threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub global: context::Global,
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

/// The outcome of a run.
pub struct Outcome {
    /// Per-commit reports, oldest first.
    pub reports: Vec<Report>,
    /// The range as resolved.
    pub range: Range,
}

/// Verify a range with the cache and all cores, showing progress on a terminal.
/// Commits are judged in blocks of this many, oldest first; `each_block` sees every block's
/// reports as soon as it is done, so output can stream while the rest is judged.
pub const BLOCK: usize = 4096;

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
    let cached = if use_cache {
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
    let mut reports = Vec::with_capacity(oids.len());
    for block in oids.chunks(BLOCK) {
        let done = engine::verify(&open, block, &cached, describe_cached, threads, &progress)?;
        each_block(&done)?;
        reports.extend(done);
    }
    if let Ok(mut b) = bar.lock() {
        b.finish();
    }
    if use_cache {
        let clean: Vec<(Oid, Kind)> = reports
            .iter()
            .filter(|r| r.problems.is_empty() && r.kind != Kind::Cached)
            .map(|r| (r.commit, r.kind))
            .collect();
        // The cache only saves time; failing to write it is not a verification failure.
        let _ = engine::save_cache(repo, &clean);
    }
    Ok(Outcome { reports, range })
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

/// Resolve `REV` or `A..B` (and `--base`) to a range.
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
    /// Count.
    pub fn of(reports: &[Report]) -> Summary {
        let count = |k: Kind| reports.iter().filter(|r| r.kind == k).count();
        Summary {
            commits: reports.len(),
            checked: reports.len() - count(Kind::Skipped) - count(Kind::Cached),
            skipped: count(Kind::Skipped),
            cached: count(Kind::Cached),
            problems: reports.iter().map(|r| r.problems.len()).sum(),
            bad: reports.iter().filter(|r| !r.problems.is_empty()).count(),
        }
    }
    /// One line.
    pub fn line(&self) -> String {
        let verdict = if self.problems == 0 {
            "clean".to_string()
        } else {
            format!(
                "{} problem{} in {} commit{}",
                self.problems,
                plural(self.problems),
                self.bad,
                plural(self.bad)
            )
        };
        format!(
            "verified {} commit{} ({} checked, {} cached, {} not wf): {verdict}\n",
            self.commits,
            plural(self.commits),
            self.checked,
            self.cached,
            self.skipped
        )
    }
    fn json(&self) -> Value {
        json!({
            "commits": self.commits,
            "checked": self.checked,
            "cached": self.cached,
            "skipped": self.skipped,
            "problems": self.problems,
            "bad_commits": self.bad,
            "clean": self.problems == 0,
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn approval_rows(reports: &[Report]) -> Vec<Value> {
    reports
        .iter()
        .filter(|r| r.action.as_deref() == Some("approve"))
        .map(|r| match &r.approval {
            Some(a) if r.problems.is_empty() => json!({
                "commit": r.commit.to_string(),
                "task": a.task,
                "title": a.title,
                "revision": a.revision,
                "digest": a.digest,
                "approver": a.approver,
                "valid": true,
            }),
            _ => json!({
                "commit": r.commit.to_string(),
                "task": r.task,
                "title": null,
                "revision": null,
                "digest": null,
                "approver": r.actor,
                "valid": false,
            }),
        })
        .collect()
}

fn commit_json(r: &Report) -> Value {
    json!({
        "commit": r.commit.to_string(),
        "kind": r.kind.as_str(),
        "action": r.action,
        "task": r.task,
        "actor": r.actor,
        "ok": r.problems.is_empty(),
        "problems": r.problems.iter().map(|p| json!({
            "check": p.check.slug(),
            "rule": match p.check { wf_core::verify::Check::Rule(r) => Some(r.number()), _ => None },
            "reason": p.reason,
        })).collect::<Vec<_>>(),
    })
}

/// Run `wf-verify`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let repo = store.git();
    let range = resolve(repo, args.range.as_deref(), args.base.as_deref())?;
    let list_approvals = args.approvals || args.base.is_some();
    let describe = list_approvals || args.json || args.ndjson;
    let mut stream = |block: &[Report]| -> Result<(), CliError> {
        if !args.ndjson {
            return Ok(());
        }
        let mut text = String::new();
        for r in block {
            let mut v = commit_json(r);
            v["schema"] = json!("wf.verify.commit/1");
            text.push_str(&v.to_string());
            text.push('\n');
        }
        print(&text)
    };
    let out = run_range(
        repo,
        range,
        !args.no_cache,
        describe,
        args.jobs,
        &mut stream,
    )?;
    let summary = Summary::of(&out.reports);
    if args.json {
        print_json(&json!({
            "schema": "wf.verify/1",
            "range": {
                "include": out.range.include.iter().map(Oid::to_string).collect::<Vec<_>>(),
                "exclude": out.range.exclude.iter().map(Oid::to_string).collect::<Vec<_>>(),
            },
            "commits": out.reports.iter().map(commit_json).collect::<Vec<_>>(),
            "approvals": approval_rows(&out.reports),
            "summary": summary.json(),
        }))?;
    } else if args.ndjson {
        let mut text = String::new();
        let mut s = summary.json();
        s["schema"] = json!("wf.verify.summary/1");
        s["approvals"] = json!(approval_rows(&out.reports));
        text.push_str(&s.to_string());
        text.push('\n');
        print(&text)?;
    } else {
        let mut text = problem_lines(&out.reports);
        if list_approvals {
            for a in approval_rows(&out.reports) {
                if a["valid"] == json!(true) {
                    text.push_str(&format!(
                        "approves {} revision {} ({}) by {}: valid\n",
                        visible(a["task"].as_str().unwrap_or("?")),
                        a["revision"],
                        short_digest(a["digest"].as_str().unwrap_or("")),
                        a["approver"].as_str().unwrap_or("?"),
                    ));
                } else {
                    text.push_str(&format!(
                        "approves {}: INVALID (commit {})\n",
                        visible(a["task"].as_str().unwrap_or("?")),
                        a["commit"].as_str().and_then(|c| c.get(..12)).unwrap_or(""),
                    ));
                }
            }
        }
        text.push_str(&summary.line());
        print(&text)?;
    }
    if summary.problems > 0 {
        return Err(CliError::rejected(
            format!(
                "{} problem{} in {} commit{}",
                summary.problems,
                plural(summary.problems),
                summary.bad,
                plural(summary.bad)
            ),
            "see spec/verify.md for each check; git show COMMIT shows the commit",
        ));
    }
    Ok(())
}
