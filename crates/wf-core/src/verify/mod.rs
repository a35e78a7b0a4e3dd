//! The verifier's judgement of one commit, on values: who signed it, what the commit says it
//! does, what its diff does, and whether the rules (under the policy of its parent) allow it.
//!
//! The store reads git objects and checks signatures; this module decides. Task actions are
//! judged by rebuilding the action from the task file, asking [`crate::rules::decide`] (the very
//! function the tools call) for the next state under the parent's workflow and actors, and
//! requiring the commit's task file and message to be byte for byte what the tools would have
//! written. See `spec/verify.md`.

use std::fmt;

use crate::actor::{Actor, Actors};
use crate::rules::{Refusal, Rule};
use crate::text::one_line;
use crate::time::Timestamp;
use crate::trailer::{self, key};

mod commit;
mod merge;
mod policy;
mod task;

pub use commit::{changed_task_ids, judge_commit, judge_founding, CommitFacts, Next, Signature};
pub use merge::{check_merge, Unit, Units};
pub use policy::{note_of, policy_message, replay_policy};
pub use task::{
    approval_of, check_folder, check_prompt, rebuild, replay_task, Blob, TaskAction, TaskFiles,
};

/// What kind of problem the verifier found; rules of the core keep their numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Check {
    /// A rule of `spec/rules.md` refused the action.
    Rule(Rule),
    /// No signature on a commit that must carry one.
    Unsigned,
    /// A signature that does not verify over the commit (tampered, or malformed).
    BadSignature,
    /// Signed by a key no actor held at the parent commit.
    UnknownKey,
    /// Signed by one actor, but the commit says another acted.
    WrongSigner,
    /// A file, header or message that does not parse, or that wf never writes.
    Malformed,
    /// Touches `.wf/` or `tasks/` without being a wf action.
    NotAnAction,
    /// The trailers, the task file and the artifacts do not describe the same action.
    Mismatch,
    /// A merge that introduces or loses changes.
    Merge,
    /// A ref update the server refuses (non-fast-forward or deletion of a protected branch).
    History,
}

impl Check {
    /// A short stable slug (`rule-3`'s slug for rules).
    pub fn slug(self) -> String {
        match self {
            Check::Rule(r) => format!("rule-{}", r.number()),
            Check::Unsigned => "unsigned".into(),
            Check::BadSignature => "bad-signature".into(),
            Check::UnknownKey => "unknown-key".into(),
            Check::WrongSigner => "wrong-signer".into(),
            Check::Malformed => "malformed".into(),
            Check::NotAnAction => "not-an-action".into(),
            Check::Mismatch => "mismatch".into(),
            Check::Merge => "merge".into(),
            Check::History => "history".into(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Rule(r) => write!(f, "{r}"),
            other => f.write_str(&other.slug()),
        }
    }
}

/// One problem with one commit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// What kind.
    pub check: Check,
    /// Why, one line.
    pub reason: String,
}

impl Problem {
    /// A problem.
    pub fn new(check: Check, reason: impl Into<String>) -> Problem {
        Problem {
            check,
            reason: one_line(&reason.into()),
        }
    }
}

impl From<Refusal> for Problem {
    fn from(r: Refusal) -> Problem {
        Problem::new(Check::Rule(r.rule), r.reason)
    }
}

/// Who a commit says made it and when.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    /// The whole message (private: the trailers parsed from it are kept beside it).
    message: &'a str,
    /// Author name and email.
    pub author: (&'a str, &'a str),
    /// Committer name and email.
    pub committer: (&'a str, &'a str),
    /// Committer time.
    pub time: Timestamp,
    /// The message's trailers, parsed when first asked for: the checks of one commit read
    /// them several times.
    trailers: std::cell::OnceCell<Vec<(String, String)>>,
}

impl<'a> Header<'a> {
    /// A commit's message, author, committer and committer time.
    pub fn new(
        message: &'a str,
        author: (&'a str, &'a str),
        committer: (&'a str, &'a str),
        time: Timestamp,
    ) -> Header<'a> {
        Header {
            message,
            author,
            committer,
            time,
            trailers: std::cell::OnceCell::new(),
        }
    }

    /// The whole message.
    pub fn message(&self) -> &'a str {
        self.message
    }

    /// The message's trailers ([`trailer::parse`]), parsed once.
    pub fn trailers(&self) -> &[(String, String)] {
        self.trailers.get_or_init(|| trailer::parse(self.message))
    }
}

/// Find the actor who signed, by key, in the actors of the parent, and check that the commit
/// names that actor everywhere: `Wf-Actor`, `Wf-Actor-Kind`, author and committer.
pub fn identify<'a>(actors: &'a Actors, key: &str, h: &Header) -> Result<&'a Actor, Problem> {
    let Some(actor) = actors.by_key(key) else {
        return Err(Problem::new(
            Check::UnknownKey,
            "signed by a key that no actor held before this commit",
        ));
    };
    let trailers = h.trailers();
    let said = trailer::get(trailers, key::ACTOR).unwrap_or("(none)");
    if said != actor.id {
        return Err(Problem::new(
            Check::WrongSigner,
            format!("signed by {}'s key but Wf-Actor says {said}", actor.id),
        ));
    }
    let kind = trailer::get(trailers, key::ACTOR_KIND).unwrap_or("(none)");
    if kind != actor.kind.as_str() {
        return Err(Problem::new(
            Check::WrongSigner,
            format!(
                "{} is {}, but Wf-Actor-Kind says {kind}",
                actor.id,
                actor.kind.as_str()
            ),
        ));
    }
    for (what, (name, email)) in [("author", h.author), ("committer", h.committer)] {
        if name != actor.name || email != actor.email {
            return Err(Problem::new(
                Check::WrongSigner,
                format!(
                    "signed by {}'s key but the {what} is {name} <{email}>",
                    actor.id
                ),
            ));
        }
    }
    Ok(actor)
}

/// wf writes one action time: the author date equals the committer date, both in `+0000`.
/// Each is `(seconds, zone)`.
pub fn check_dates(author: (i64, &str), committer: (i64, &str)) -> Result<(), Problem> {
    if author == committer && committer.1 == "+0000" {
        return Ok(());
    }
    Err(Problem::new(
        Check::Mismatch,
        "author and committer dates differ, or are not in +0000 (wf writes one action time)",
    ))
}

/// A store begins with no task that no action made: the commit that creates it has no
/// `tasks/` folder. `wf-init` asks this before it creates a store, the verifier of the commit
/// that did.
pub fn check_founding_tree(has_tasks: bool) -> Result<(), Refusal> {
    if has_tasks {
        return Err(Refusal {
            rule: Rule::TaskScope,
            reason: "the commit that creates the store has a tasks/ folder that no action made"
                .into(),
            hint: "move the existing tasks/ folder aside first (git mv tasks tasks-old && git commit), then wf-init".into(),
        });
    }
    Ok(())
}

/// Say where a message differs from the one the action implies.
pub(crate) fn first_difference(want: &str, got: &str) -> String {
    let (tw, tg) = (trailer::parse(want), trailer::parse(got));
    if tw != tg {
        for (k, v) in &tw {
            match trailer::get(&tg, k) {
                Some(g) if g == v => {}
                Some(g) => return format!("trailer {k} says {g}, the action implies {v}"),
                None => return format!("trailer {k} is missing (the action implies {v})"),
            }
        }
        if let Some((k, _)) = tg.iter().find(|(k, _)| trailer::get(&tw, k).is_none()) {
            return format!("trailer {k} does not belong to this action");
        }
        return "the trailers are not in the order wf writes them".into();
    }
    "the message is not the one wf writes for this action".into()
}

#[cfg(test)]
pub(crate) mod tests;
