//! `wf-review`: a verdict on the latest revision, bound to its digest.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};
use git2::Oid;
use similar::TextDiff;
use wf_core::task::Verdict;
use wf_core::{Action, Task};
use wf_store::Store;

use crate::binding::bound;
use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{print, short_digest};
use crate::revision::{OutputArgs, Pending};
use wf_core::rules::Output;
use wf_store::transaction::Files;
use wf_store::Snapshot;

/// Review a task's latest revision: accept it, request changes, or comment.
///
/// The verdict is bound to the revision's digest: a later revision voids it. Only the review
/// step's assignee gives a verdict, never on a revision they produced, and an AI never gives a
/// human review; anyone registered may --comment on the latest revision. In a review step that
/// allows revising, an accept may carry a refined revision (--revise FILE..., or - for stdin):
/// one commit records the review of the AI's revision and the reviewer's refinement. --diff
/// shows what changed since the revision last reviewed. With - for ID, acts on each task whose
/// id is read from stdin (then --revise cannot read stdin too).
#[derive(Parser, Debug)]
#[command(
    name = "wf-review",
    version,
    group(ArgGroup::new("verdict").args(["accept", "request_changes", "comment"])),
    after_help = "Examples:\n  wf-review T-3f9a --diff\n  wf-review T-3f9a --request-changes -m 'cite the benchmark'\n  wf-review T-3f9a --accept --revise draft.md -m 'tightened the intro'"
)]
pub struct Args {
    /// The task (id or unique prefix), or - to read ids from stdin.
    pub id: String,
    /// Accept the revision: the review step is done.
    #[arg(long)]
    pub accept: bool,
    /// Send the task back for rework.
    #[arg(long)]
    pub request_changes: bool,
    /// Add a remark; nothing moves.
    #[arg(long)]
    pub comment: bool,
    /// The review text.
    #[arg(long, short = 'm')]
    pub message: Option<String>,
    /// Refuse unless the latest revision has this digest (what you actually read).
    #[arg(long, value_name = "DIGEST")]
    pub digest: Option<String>,
    /// Show what changed since the revision last reviewed (alone: only show it): files are
    /// compared as bytes; one that is not UTF-8 is shown by its size and sha256.
    #[arg(long)]
    pub diff: bool,
    /// With --accept: attach a refined revision (files, or - for stdin).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "accept")]
    pub revise: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-review`.
pub fn run(args: Args) -> Result<(), CliError> {
    let verdict = match (args.accept, args.request_changes, args.comment) {
        (true, _, _) => Some(Verdict::Accept),
        (_, true, _) => Some(Verdict::RequestChanges),
        (_, _, true) => Some(Verdict::Comment),
        _ => None,
    };
    if verdict.is_none() && !args.diff {
        return Err(CliError::usage(
            "no verdict given",
            "pass --accept, --request-changes or --comment (or --diff to only look)",
        ));
    }
    if args.id == "-" && args.revise.iter().any(|f| f.as_os_str() == "-") {
        return Err(CliError::usage(
            "the ids and the refined revision cannot both come from stdin",
            "name the revision's files: --revise FILE",
        ));
    }
    let store = args.global.store()?;
    let signer = match verdict {
        Some(_) => Some(context::signer(&args.keys, Some(&store))?),
        None => None,
    };
    crate::ids::each("wf-review", &args.id, |typed| {
        if args.diff {
            let snap = Snapshot::head(&store)?;
            let id = snap.resolve(&store, typed)?;
            let task = snap.task(&store, &id)?;
            print(&diff_since_review(&store, snap.commit, &task)?)?;
        }
        match (verdict, &signer) {
            (Some(v), Some(signer)) => review_one(&store, signer.as_ref(), typed, v, &args),
            _ => Ok(()),
        }
    })
}

fn review_one(
    store: &Store,
    signer: &dyn wf_store::Signer,
    typed: &str,
    verdict: Verdict,
    args: &Args,
) -> Result<(), CliError> {
    let note = args.message.clone().unwrap_or_default();
    let review = |task: &Task, revise: Option<Output>| {
        let (revision, digest) = bound(task, args.digest.as_deref());
        Action::Review {
            verdict,
            revision,
            digest,
            note: note.clone(),
            revise,
        }
    };
    let pending = if args.revise.is_empty() {
        None
    } else {
        store.precheck::<CliError, _>(signer, context::now()?, typed, |task, o| {
            review(task, Some(o))
        })?;
        Some(Pending::read(store, &args.revise, &args.output)?)
    };
    let (_, task) = store.act_on_task::<CliError, _>(
        signer,
        context::now()?,
        typed,
        &mut context::notice,
        |task| {
            Ok(match &pending {
                Some(p) => {
                    let (o, f) = p.plan(task, &note);
                    (review(task, Some(o)), f)
                }
                None => (
                    review(task, None),
                    Files {
                        writes: vec![],
                        removes: vec![],
                    },
                ),
            })
        },
    )?;
    let r = task.reviews.last().expect("a review was recorded");
    print(&format!(
        "{}: {} {} revision {} {}; now at step {}\n",
        task.id,
        r.actor,
        verdict.as_str(),
        r.revision,
        short_digest(&r.digest),
        task.step
    ))
}

/// The files of revision `number` of a task, found by walking history back from `from`.
pub fn revision_files(
    store: &Store,
    from: Oid,
    task: &Task,
    number: u32,
) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let repo = store.git();
    let mut walk = repo.revwalk()?;
    walk.push(from)?;
    let path = Task::path(&task.id);
    for oid in walk {
        let oid = oid?;
        let Some(text) = store.read_text(oid, &path)? else {
            continue;
        };
        let Ok(t) = Task::parse(&text) else { continue };
        if let Some(r) = t.latest().filter(|r| r.number == number) {
            let mut files = Vec::new();
            for a in &r.artifacts {
                let bytes = store
                    .read(oid, &format!("{}out/{}", Task::dir(&t.id), a.name))?
                    .unwrap_or_default();
                files.push((a.name.clone(), bytes));
            }
            return Ok(files);
        }
    }
    Ok(vec![])
}

fn diff_since_review(store: &Store, head: Oid, task: &Task) -> Result<String, CliError> {
    let Some(latest) = task.latest() else {
        return Ok(format!("{}: no revision yet\n", task.id));
    };
    let base = task
        .reviews
        .iter()
        .map(|r| r.revision)
        .filter(|n| *n < latest.number)
        .max();
    let old = match base {
        Some(n) => revision_files(store, head, task, n)?,
        None => vec![],
    };
    let new = revision_files(store, head, task, latest.number)?;
    let mut out = format!(
        "# {}: revision {} ({}) against {}\n",
        task.id,
        latest.number,
        short_digest(&latest.digest),
        base.map(|n| format!("revision {n}, last reviewed"))
            .unwrap_or_else(|| "nothing (never reviewed)".into())
    );
    let mut names: Vec<&String> = old.iter().chain(new.iter()).map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    for name in names {
        let get =
            |set: &[(String, Vec<u8>)]| set.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone());
        // Compared as bytes: two files that differ only where they are not UTF-8 read alike
        // once decoded (a red-team helper's CSV, € against £ in Windows-1252, showed no diff).
        let (a, b) = (get(&old), get(&new));
        if a == b {
            continue;
        }
        let text = |f: &Option<Vec<u8>>| match f {
            None => Some(String::new()),
            Some(bytes) if !bytes.contains(&0) => String::from_utf8(bytes.clone()).ok(),
            Some(_) => None,
        };
        let shown = match (text(&a), text(&b)) {
            (Some(x), Some(y)) => TextDiff::from_lines(&x, &y)
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
            // Not text: what changed, by size and digest.
            _ => format!(
                "--- a/{name}\n+++ b/{name}\nbinary or not UTF-8: {} -> {}\n",
                described(&a),
                described(&b)
            ),
        };
        // Every control or hidden character (a right-to-left override in an AI's output)
        // escaped: the reviewer reads what the file holds.
        out.push_str(&wf_core::text::visible_lines(&shown));
        out.push('\n');
    }
    Ok(out)
}

/// A file's size and sha256, or `absent`.
fn described(f: &Option<Vec<u8>>) -> String {
    match f {
        None => "absent".into(),
        Some(b) => format!(
            "{} bytes (sha256 {})",
            b.len(),
            &wf_core::digest::sha256_hex(b)[..12]
        ),
    }
}
