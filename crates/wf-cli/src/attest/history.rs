//! What a task's history holds for its attestation, read after the verifier found that history
//! clean: which commit recorded each revision, review and decision, who signed it with which
//! key (as `.wf/actors.toml` of its parent had them), and the workflow file the approval was
//! decided under.

use std::collections::BTreeMap;

use git2::{ObjectType, Oid};
use wf_core::attest::{Made, PolicyFile};
use wf_core::Task;
use wf_store::verify::Range;
use wf_store::{SigStatus, Snapshot, Store};

use crate::context::WORKFLOWS_DIR;
use crate::error::{CliError, Kind};
use crate::verification;

/// Run the verifier's engine over every commit reachable from `tip` (with the cache of clean
/// commits `wf-verify` keeps): the history every approval at `tip` rests on. Problems are
/// printed on stderr, one line each, and nothing is attested.
pub fn verify(store: &Store, tip: Oid) -> Result<usize, CliError> {
    let range = Range {
        include: vec![tip],
        exclude: vec![],
    };
    let outcome = verification::run_range(store.git(), range, true, false, None, &mut |_| Ok(()))?;
    let problems = outcome.summary.problems;
    if problems > 0 {
        eprint!("{}", verification::problem_lines(&outcome.problems));
        return Err(CliError::rejected(
            format!(
                "wf-verify finds {problems} problem{} in the history of {}: nothing is attested",
                if problems == 1 { "" } else { "s" },
                &tip.to_string()[..12]
            ),
            "the problems are listed above (wf-verify shows them too); an attestation needs a clean history",
        ));
    }
    Ok(outcome.summary.commits)
}

/// The facts of one task at `tip` ([`wf_core::attest::History`] without the verifier's part).
pub struct Facts {
    /// The task at `tip`.
    pub task: Task,
    /// Who recorded each revision, by number.
    pub revisions: BTreeMap<u32, Made>,
    /// Who recorded each review, in the task's order.
    pub reviews: Vec<Made>,
    /// Who recorded each decision, in the task's order.
    pub decisions: Vec<Made>,
    /// The workflow file the approval in force was decided under.
    pub policy: PolicyFile,
}

/// Read the facts of the approved task `typed` (id or prefix) at `tip`. A task that is not
/// approved there (never, or reopened since) is refused (exit 1).
pub fn facts(store: &Store, tip: Oid, typed: &str) -> Result<Facts, CliError> {
    let snap = Snapshot::load(store, Some(tip))?;
    let id = snap.resolve(store, typed)?;
    let task = snap.task(store, &id)?;
    if let Some(why) = wf_core::attest::not_attestable(&task) {
        return Err(CliError::new(Kind::Refused, why).with_hint(
            "wf-attest attests a task whose approval is in force at the branch tip (wf-approve)",
        ));
    }
    let mut revisions = BTreeMap::new();
    let mut reviews = vec![None; task.reviews.len()];
    let mut decisions = vec![None; task.decisions.len()];
    let mut policy = None;
    // The workflow file each action of the task was decided under, in order.
    let mut decided_under: Vec<(String, Option<String>)> = Vec::new();
    let approval_at = task.decisions.len() - 1;
    let mut commits = wf_store::index::commits_of(store.git(), tip, &id)?;
    commits.reverse();
    for c in commits {
        let commit = store.git().find_commit(c)?;
        if commit.parent_count() != 1 {
            continue;
        }
        let parent = commit.parent_id(0)?;
        let (Some(after), before) = (task_at(store, c, &id)?, task_at(store, parent, &id)?) else {
            continue;
        };
        let SigStatus::Good(key) = store.signature(c) else {
            continue;
        };
        let at_parent = Snapshot::load(store, Some(parent))?;
        let Some(actor) = at_parent.actors().by_key(&key).cloned() else {
            continue;
        };
        let operator = actor
            .operator
            .as_deref()
            .and_then(|o| at_parent.actors().get(o))
            .cloned();
        let path = format!("{WORKFLOWS_DIR}/{}.toml", task.workflow);
        let under = store
            .read(parent, &path)?
            .map(|b| wf_core::digest::sha256_hex(&b));
        decided_under.push((c.to_string(), under));
        let made = Made {
            commit: c.to_string(),
            actor,
            operator,
            key: wf_store::sign::fingerprint(&key).unwrap_or(key),
            step: before.as_ref().map(|b| b.step.clone()).unwrap_or_default(),
        };
        let count = |f: fn(&Task) -> usize| before.as_ref().map_or(0, f);
        for r in after.revisions.iter().skip(count(|t| t.revisions.len())) {
            revisions.entry(r.number).or_insert_with(|| made.clone());
        }
        let new_reviews = after.reviews.iter().skip(count(|t| t.reviews.len()));
        place(&task.reviews, new_reviews, &mut reviews, &made);
        let new_decisions = after.decisions.iter().skip(count(|t| t.decisions.len()));
        let placed = place(&task.decisions, new_decisions, &mut decisions, &made);
        if placed.contains(&approval_at) {
            policy = Some(policy_file(store, parent, &task.workflow)?);
        }
    }
    let all = |v: Vec<Option<Made>>, what: &str| -> Result<Vec<Made>, CliError> {
        v.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| {
            CliError::store(
                format!("no signed commit of the history records every {what} of {id}"),
                "wf-verify names what is wrong with the history",
            )
        })
    };
    let reviews = all(reviews, "review")?;
    let decisions = all(decisions, "decision")?;
    let policy = policy.ok_or_else(|| {
        CliError::store(
            format!("no signed commit of the history records the approval of {id}"),
            "wf-verify names what is wrong with the history",
        )
    })?;
    // The attestation names one policy: the approved revision must have gone through it, from
    // the commit that produced it to the approval. A workflow changed in between (a check step
    // added after the revision passed that point) would be cited as gates it never met.
    let approved = task.decisions[approval_at].revision;
    if let (Some(from), Some(to)) = (revisions.get(&approved), decisions.get(approval_at)) {
        if let Some(c) = wf_core::attest::decided_elsewhere(
            &decided_under,
            &from.commit,
            &to.commit,
            &policy.sha256,
        ) {
            return Err(CliError::new(
                Kind::Refused,
                format!(
                    "task {id}'s workflow {} changed between revision {approved} and its approval (commit {} was decided under another version): an attestation names one policy, and this approval was not decided under it all along",
                    task.workflow,
                    &c[..12.min(c.len())]
                ),
            )
            .with_hint("reopen the task and take a revision through the workflow now in force"));
        }
    }
    Ok(Facts {
        task,
        revisions,
        reviews,
        decisions,
        policy,
    })
}

/// Give each record a commit appended (`new`, in the order it appended them) the slot of the
/// first equal record of the task at the tip that has none yet; returns the slots filled.
fn place<'a, R: PartialEq + 'a>(
    at_tip: &[R],
    new: impl Iterator<Item = &'a R>,
    slots: &mut [Option<Made>],
    made: &Made,
) -> Vec<usize> {
    let mut filled = Vec::new();
    for r in new {
        if let Some(i) = (0..at_tip.len()).find(|&i| slots[i].is_none() && at_tip[i] == *r) {
            slots[i] = Some(made.clone());
            filled.push(i);
        }
    }
    filled
}

/// The task's file at a commit, if it has one there.
fn task_at(store: &Store, commit: Oid, id: &str) -> Result<Option<Task>, CliError> {
    let Some(text) = store.read_text(commit, &Task::path(id))? else {
        return Ok(None);
    };
    Task::parse(&text).map(Some).map_err(|e| {
        CliError::store(
            format!("{} at {}: {e}", Task::path(id), &commit.to_string()[..12]),
            "wf-verify names what is wrong with the history",
        )
    })
}

/// The workflow file `name` at a commit: its path, sha256 and git blob id.
fn policy_file(store: &Store, commit: Oid, name: &str) -> Result<PolicyFile, CliError> {
    let path = format!("{WORKFLOWS_DIR}/{name}.toml");
    let bytes = store.read(commit, &path)?.ok_or_else(|| {
        CliError::store(
            format!("{path} is missing at {}", &commit.to_string()[..12]),
            "wf-verify names what is wrong with the history",
        )
    })?;
    Ok(PolicyFile {
        sha256: wf_core::digest::sha256_hex(&bytes),
        git_blob: Oid::hash_object(ObjectType::Blob, &bytes)?.to_string(),
        path,
    })
}
