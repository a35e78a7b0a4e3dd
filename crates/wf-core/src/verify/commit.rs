//! Judging a single-parent commit up to its replay: is it signed, by whom, is it an action at
//! all, in one scope, under which policy. The store fills [`CommitFacts`] from the commit's
//! bytes and trees; this module decides, and says what the store must read next ([`Next`]) for
//! the action to be replayed ([`super::replay_task`], [`super::replay_policy`],
//! [`judge_founding`]).

use super::{check_dates, check_founding_tree, identify, replay_policy, Check, Header, Problem};
use crate::actor::Actor;
use crate::policy::{self, Files, Loaded};
use crate::rules::Rule;
use crate::trailer::{self, key};

/// The signature of a commit, as the store checked it over the commit's exact bytes.
#[derive(Clone, Copy, Debug)]
pub enum Signature<'a> {
    /// No `gpgsig` header.
    None,
    /// A signature that does not verify; why.
    Bad(&'a str),
    /// A good signature by this public key (`algorithm base64`).
    Good(&'a str),
}

/// What the store read about a single-parent commit (or a root commit) in a store's history.
#[derive(Clone, Debug)]
pub struct CommitFacts<'a> {
    /// Who the commit says made it, when, and its message.
    pub header: &'a Header<'a>,
    /// Author date and zone, committer date and zone.
    pub dates: ((i64, &'a str), (i64, &'a str)),
    /// The signature.
    pub signature: Signature<'a>,
    /// The files under `.wf/` and under `tasks/` that differ from the parent, from the root.
    pub wf_paths: &'a [String],
    /// See `wf_paths`.
    pub task_paths: &'a [String],
    /// The policy of the parent: `None` when the parent is no store (the commit founds one),
    /// `Some(Err(why))` when it does not load.
    pub parent: Option<Result<&'a Loaded, &'a str>>,
    /// Whether the commit's tree has a `tasks/` folder.
    pub has_tasks: bool,
    /// The commit is judged again for a merge, beside a change of `.wf/` on another line.
    pub beside_policy_change: bool,
}

/// What a commit that passed [`judge_commit`] is, and what to replay.
#[derive(Clone, Debug)]
pub enum Next {
    /// It founds a store: the signer is identified in its own actors ([`judge_founding`]).
    Founding {
        /// The signing key.
        key: String,
    },
    /// A change to `.wf/` by this actor: replay it with [`super::replay_policy`].
    Policy {
        /// The signer, an actor of the parent.
        actor: Actor,
    },
    /// An action on one task by this actor: replay it with [`super::replay_task`].
    Task {
        /// The signer, an actor of the parent.
        actor: Actor,
        /// The task.
        id: String,
    },
}

/// Judge a commit up to its replay, in the order `spec/verify.md` lists the checks: signature,
/// action trailer, dates, the root of trust, identity under the parent's policy, scope.
pub fn judge_commit(f: &CommitFacts) -> Result<Next, Problem> {
    let trailers = f.header.trailers();
    let action = trailer::get(trailers, key::ACTION);
    let first_change = || {
        let all: Vec<&String> = f.wf_paths.iter().chain(f.task_paths).collect();
        match all.as_slice() {
            [] => ".wf/ or tasks/".to_string(),
            [one] => one.to_string(),
            [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
        }
    };
    let key = match f.signature {
        Signature::None => {
            let why = if action.is_some() {
                "the commit is not signed".to_string()
            } else {
                format!(
                    "changes {} but is neither signed nor a wf action",
                    first_change()
                )
            };
            return Err(Problem::new(Check::Unsigned, why));
        }
        Signature::Bad(why) => {
            return Err(Problem::new(
                Check::BadSignature,
                format!(
                "{why} (the commit was changed after it was signed, or the signature is not SSH)"
            ),
            ))
        }
        Signature::Good(k) => k,
    };
    if action.is_none() {
        return Err(Problem::new(
            Check::NotAnAction,
            format!(
                "changes {} but carries no Wf-Action trailer",
                first_change()
            ),
        ));
    }
    check_dates(f.dates.0, f.dates.1)?;
    let Some(parent) = f.parent else {
        check_founding_tree(f.has_tasks)?;
        return Ok(Next::Founding {
            key: key.to_string(),
        });
    };
    let loaded = parent.map_err(|e| {
        Problem::new(
            Check::Malformed,
            format!("the policy before this commit is broken: {e}"),
        )
    })?;
    let actor = identify(&loaded.actors, key, f.header)?.clone();
    let (changed_wf, changed_tasks) = (!f.wf_paths.is_empty(), !f.task_paths.is_empty());
    if changed_wf && changed_tasks {
        return Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            "the commit changes both .wf/ and tasks/",
        ));
    }
    if changed_wf {
        if f.beside_policy_change {
            return Err(Problem::new(
                Check::Merge,
                "a change to .wf/ on a line beside another change to .wf/",
            ));
        }
        return Ok(Next::Policy { actor });
    }
    let mut ids = changed_task_ids(f.task_paths)?;
    match ids.len() {
        0 => Err(Problem::new(
            Check::Malformed,
            "the commit changes neither .wf/ nor tasks/",
        )),
        1 => Ok(Next::Task {
            actor,
            id: ids.pop().unwrap_or_default(),
        }),
        n => Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            format!("the commit changes {n} tasks: {}", ids.join(", ")),
        )),
    }
}

/// Judge the commit that founds a store: its signer is identified in the commit's own actors
/// (the root of trust) and its `.wf/` must be what `wf-init` writes. Returns the founder's id
/// when the key is theirs, and the verdict.
pub fn judge_founding(
    after: &Files,
    key: &str,
    h: &Header,
) -> (Option<String>, Result<(), Problem>) {
    let actors = match policy::load(after) {
        Ok(l) => l.actors,
        Err(e) => return (None, Err(Problem::new(Check::Malformed, e))),
    };
    let actor = match identify(&actors, key, h) {
        Ok(a) => a.clone(),
        Err(p) => return (None, Err(p)),
    };
    let verdict = replay_policy(None, after, &actor, h).map(|_| ());
    (Some(actor.id), verdict)
}

/// The task ids whose file or folder these changed paths (from the repository root) touch, or
/// a problem (rule 8) for a path under `tasks/` that is no task's.
pub fn changed_task_ids(paths: &[String]) -> Result<Vec<String>, Problem> {
    let mut ids: Vec<String> = Vec::new();
    for path in paths {
        let rel = path.strip_prefix("tasks/").unwrap_or(path);
        let id = match crate::task::locate(rel) {
            Some(crate::task::TaskEntry::File(id)) => id,
            Some(crate::task::TaskEntry::Folder(id, rest)) if !rest.is_empty() => id,
            _ => {
                return Err(Problem::new(
                    Check::Rule(Rule::TaskScope),
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
