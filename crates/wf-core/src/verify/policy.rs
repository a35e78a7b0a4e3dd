//! Judging a change to `.wf/`: rebuild the policy action from the trailers, ask
//! `decide_policy`, and require the message the tools write.

use super::{first_difference, Check, Header, Problem};
use crate::actor::{Actor, Actors};
use crate::policy::{self, Files, PolicyAction};
use crate::rules::Rule;
use crate::trailer::{self, key};

/// Rebuild the policy action a commit claims from its trailers.
fn policy_action(trailers: &[(String, String)]) -> Result<PolicyAction, Problem> {
    let name = trailer::get(trailers, key::ACTION).unwrap_or("");
    let proposal = || {
        trailer::get(trailers, key::PROPOSAL)
            .map(str::to_string)
            .ok_or_else(|| Problem::new(Check::Mismatch, format!("{name} without Wf-Proposal")))
    };
    Ok(match name {
        "init" => PolicyAction::Init,
        "actor" => PolicyAction::Actor {
            subject: trailer::get(trailers, key::SUBJECT)
                .ok_or_else(|| Problem::new(Check::Mismatch, "actor without Wf-Subject"))?
                .to_string(),
        },
        "policy" => PolicyAction::Set,
        "propose" => PolicyAction::Propose { id: proposal()? },
        "endorse" => PolicyAction::Endorse { id: proposal()? },
        "apply" => PolicyAction::Apply { id: proposal()? },
        "withdraw" => PolicyAction::Withdraw { id: proposal()? },
        "" => {
            return Err(Problem::new(
                Check::NotAnAction,
                "changes .wf/ but carries no Wf-Action trailer",
            ))
        }
        other => {
            return Err(Problem::new(
                Check::Mismatch,
                format!("changes .wf/ but Wf-Action says {other}"),
            ))
        }
    })
}

/// The message wf writes for a policy action (the note is the caller's).
pub fn policy_message(
    action: &PolicyAction,
    actor: &Actor,
    before: Option<&Actors>,
    note: &str,
    digest: Option<&str>,
) -> String {
    let mut t: Vec<(&str, String)> = vec![
        (key::ACTION, action.name().to_string()),
        (key::ACTOR, actor.id.clone()),
        (key::ACTOR_KIND, actor.kind.as_str().to_string()),
    ];
    let subject = match action {
        PolicyAction::Init => format!("wf: init store, admin {}", actor.id),
        PolicyAction::Actor { subject } => {
            t.push((key::SUBJECT, subject.clone()));
            let verb = if before.is_some_and(|a| a.get(subject).is_some()) {
                "update"
            } else {
                "add"
            };
            format!("wf: actor {verb} {subject}")
        }
        PolicyAction::Set => "wf: policy change".into(),
        PolicyAction::Propose { id }
        | PolicyAction::Endorse { id }
        | PolicyAction::Apply { id }
        | PolicyAction::Withdraw { id } => {
            t.push((key::PROPOSAL, id.clone()));
            if let Some(d) = digest {
                t.push((key::DIGEST, d.to_string()));
            }
            format!("wf: {} {id}", action.name())
        }
    };
    trailer::message(&subject, note, &t)
}

/// The note paragraph of a wf message (`Note: ...`), or empty.
pub fn note_of(message: &str) -> &str {
    message
        .split("\n\n")
        .nth(1)
        .and_then(|p| p.strip_prefix("Note: "))
        .filter(|p| !p.contains('\n'))
        .unwrap_or("")
}

/// Judge a commit that changes `.wf/`. `before` is `None` when the parent has no store (the
/// commit must then be `init`, whose signer is identified in its own actors: the root of trust).
pub fn replay_policy(
    before: Option<&Files>,
    after: &Files,
    actor: &Actor,
    h: &Header,
) -> Result<PolicyAction, Problem> {
    let trailers = h.trailers();
    if trailer::get(trailers, key::TASK).is_some() {
        return Err(Problem::new(
            Check::Rule(Rule::TaskScope),
            "a task action changes .wf/",
        ));
    }
    let action = policy_action(trailers)?;
    let old = before.map(policy::load).transpose().ok().flatten();
    policy::decide_policy(before, after, actor, &action, h.time)?;
    let digest = match &action {
        PolicyAction::Propose { id } => policy::load(after)
            .ok()
            .and_then(|l| l.proposals.get(id).map(|p| p.digest.clone())),
        PolicyAction::Endorse { id }
        | PolicyAction::Apply { id }
        | PolicyAction::Withdraw { id } => old
            .as_ref()
            .and_then(|l| l.proposals.get(id).map(|p| p.digest.clone())),
        _ => None,
    };
    let want = policy_message(
        &action,
        actor,
        old.as_ref().map(|l| &l.actors),
        note_of(h.message()),
        digest.as_deref(),
    );
    if want != h.message() {
        return Err(Problem::new(
            Check::Mismatch,
            first_difference(&want, h.message()),
        ));
    }
    Ok(action)
}
