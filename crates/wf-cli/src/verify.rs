//! `wf-verify`: replay history and prove, commit by commit, that every rule held.

use clap::Parser;
use std::collections::HashMap;

use git2::Oid;
use serde_json::{json, Value};
use wf_core::text::visible;
use wf_store::verify::{Range, Report};

use crate::context;
use crate::error::CliError;
use crate::output::{nested, print, short_digest};
use crate::verification::{problem_lines, resolve, run_range, Summary};

/// Prove from history that every rule held: replay and check each wf commit of a range.
///
/// Each commit that touches `.wf/` or `tasks/` is checked against its parent: signed by a key
/// registered before it, one legal action under the policy of its parent, trailers, task file
/// and artifacts in agreement, merges that add nothing. Other commits (code, docs) are left
/// alone. Prints one line per problem, `commit task rule: reason`, then a summary; exits 1 when
/// any problem is found.
///
/// A whole history is listed from git's commit-graph (`.git/objects/info/commit-graph`, which
/// `git gc` writes) where it holds the commits, without reading each one; every commit's own
/// parents are then checked against it, and a graph that disagrees fails the run (exit 7)
/// rather than leave a commit out. WF_COMMIT_GRAPH=never lists without it.
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
    /// Cores to judge on (default: all): threads, or for a long range (8,192 commits or more
    /// to judge) as many worker processes at a time, which share no lock of libgit2's pack
    /// reading, each over a slice of at most 4,096 commits (WF_VERIFY_SLICE=N), so that a
    /// worker's heap and caches follow its slice; a whole history is then listed by a child
    /// process too. Each thread opens the repository again every 512 commits in a worker,
    /// every 2,048 in this process (WF_VERIFY_RENEW=N), which lets libgit2 unmap the pack
    /// pages it read.
    /// WF_VERIFY_PROCESSES=always|never overrides the choice.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub global: context::Global,
}

/// The summary object of `wf.verify/1`.
fn summary_json(s: &Summary) -> Value {
    json!({
        "commits": s.commits,
        "checked": s.checked,
        "cached": s.cached,
        "skipped": s.skipped,
        "problems": s.problems,
        "bad_commits": s.bad,
        "clean": s.problems == 0,
    })
}

fn approval_rows(reports: &[Report], reopened: &HashMap<Oid, Oid>) -> Vec<Value> {
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
                "reopened_by": reopened.get(&r.commit).map(|c| c.to_string()),
            }),
            _ => json!({
                "commit": r.commit.to_string(),
                "task": r.task,
                "title": null,
                "revision": null,
                "digest": null,
                "approver": r.actor,
                "valid": false,
                "reopened_by": null,
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

/// `--json` written as the commits are judged: the document of `wf.verify/1` with its
/// `commits` array streamed, so that its size does not stay in memory.
struct JsonStream {
    /// The document's head, until it is printed: it waits for the first judged block, so a
    /// run that fails before judging anything (a shallow history) prints nothing.
    head: Option<String>,
    first: bool,
}

impl JsonStream {
    fn new(range: &Range) -> JsonStream {
        let range = json!({
            "include": range.include.iter().map(Oid::to_string).collect::<Vec<_>>(),
            "exclude": range.exclude.iter().map(Oid::to_string).collect::<Vec<_>>(),
        });
        JsonStream {
            head: Some(format!(
                "{{\n  \"schema\": \"wf.verify/1\",\n  \"range\": {},\n  \"commits\": [",
                nested(&range, 1)
            )),
            first: true,
        }
    }

    fn commits(&mut self, block: &[Report]) -> Result<(), CliError> {
        let mut text = self.head.take().unwrap_or_default();
        for r in block {
            text.push_str(if self.first { "\n    " } else { ",\n    " });
            self.first = false;
            text.push_str(&nested(&commit_json(r), 2));
        }
        print(&text)
    }

    fn end(
        self,
        approvals: &[Report],
        reopened: &HashMap<Oid, Oid>,
        summary: &Summary,
    ) -> Result<(), CliError> {
        print(&format!(
            "{}{}],\n  \"approvals\": {},\n  \"summary\": {}\n}}\n",
            self.head.unwrap_or_default(),
            if self.first { "" } else { "\n  " },
            nested(&json!(approval_rows(approvals, reopened)), 1),
            nested(&summary_json(summary), 1)
        ))
    }
}

/// Run `wf-verify`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let repo = store.git();
    let range = resolve(repo, args.range.as_deref(), args.base.as_deref())?;
    let list_approvals = args.approvals || args.base.is_some();
    let describe = list_approvals || args.json || args.ndjson;
    let mut doc = args.json.then(|| JsonStream::new(&range));
    let mut stream = |block: &[Report]| -> Result<(), CliError> {
        if let Some(d) = doc.as_mut() {
            return d.commits(block);
        }
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
    let summary = out.summary;
    if let Some(d) = doc {
        d.end(&out.approvals, &out.reopened, &summary)?;
    } else if args.ndjson {
        let mut text = String::new();
        let mut s = summary_json(&summary);
        s["schema"] = json!("wf.verify.summary/1");
        s["approvals"] = json!(approval_rows(&out.approvals, &out.reopened));
        text.push_str(&s.to_string());
        text.push('\n');
        print(&text)?;
    } else {
        let mut text = problem_lines(&out.problems);
        if list_approvals {
            for a in approval_rows(&out.approvals, &out.reopened) {
                if a["valid"] == json!(true) {
                    let then = match a["reopened_by"].as_str() {
                        Some(c) => format!(", then reopened by {}", &c[..12.min(c.len())]),
                        None => String::new(),
                    };
                    text.push_str(&format!(
                        "approves {} revision {} ({}) by {}: valid{then}\n",
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
    for line in crate::verification::replaced_objects(repo) {
        eprintln!("wf-verify: warning: {line}");
    }
    if summary.problems > 0 {
        return Err(CliError::rejected(
            summary.verdict(),
            "see spec/verify.md for each check; git show COMMIT shows the commit",
        ));
    }
    Ok(())
}
