//! The decision on a change to `.wf/`: [`decide_policy`], which the tools call before they
//! commit and the verifier calls on every commit it replays.

use super::action::{proposal_files, signatures_with, PolicyAction};
use super::files::{
    changed_paths, is_content_path, Files, ACTORS_FILE, POLICY_FILE, SIGNERS_FILE, STORE_FILE,
};
use super::load::{load, Loaded};
use super::proposal::{apply_files, base_digest, Proposal};
use crate::actor::{Actor, ActorKind, Actors};
use crate::rules::{Refusal, Rule};
use crate::time::Timestamp;

fn refuse<T>(rule: Rule, reason: impl Into<String>, hint: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        reason: reason.into(),
        hint: hint.into(),
    })
}

/// Decide a change to `.wf/`: `before` is every `.wf/` file at the parent (`None` for `init`),
/// `after` at the commit. Returns the policy after the change.
pub fn decide_policy(
    before: Option<&Files>,
    after: &Files,
    actor: &Actor,
    action: &PolicyAction,
    at: Timestamp,
) -> Result<Loaded, Refusal> {
    let bad = |e: String| Refusal {
        rule: Rule::Input,
        reason: e,
        hint: "every file under .wf/ must be one wf writes, and parse".into(),
    };
    let next = load(after).map_err(bad)?;
    let Some(before) = before else {
        return match action {
            PolicyAction::Init => init(after, &next, actor),
            _ => refuse(
                Rule::Input,
                format!("{} is not how a store begins", action.name()),
                "a store begins with wf-init",
            ),
        };
    };
    let old = load(before).map_err(|e| Refusal {
        rule: Rule::Input,
        reason: format!("the policy before the change is broken: {e}"),
        hint: "an admin restores it from history".into(),
    })?;
    let acting = old.actors.get(&actor.id);
    if !acting.is_some_and(|a| a.is_admin() && a.kind == ActorKind::Human) {
        return refuse(
            Rule::Admin,
            format!("{} is not an admin and may not change .wf/", actor.id),
            "ask an admin (see wf-actor list) to make the change",
        );
    }
    let changed = changed_paths(before, after);
    if changed.is_empty() {
        return refuse(Rule::Input, "the change changes nothing", "nothing to do");
    }
    if changed.contains(STORE_FILE) {
        return refuse(
            Rule::Admin,
            format!("{STORE_FILE} never changes"),
            "the store marker is written once by wf-init",
        );
    }
    kinds_kept(&old.actors, &next.actors)?;
    let required = old.policy.admins_required;
    let quorum = || {
        refuse(
            Rule::Admin,
            format!(
                "the policy asks {required} admins to sign changes to .wf/; one commit carries one"
            ),
            "propose it instead: wf-policy propose ... (wf-actor does when the policy asks for more)",
        )
    };
    match action {
        PolicyAction::Init => refuse(Rule::Input, "the store already exists", "nothing to do"),
        PolicyAction::Actor { subject } => {
            if required > 1 {
                return quorum();
            }
            if let Some(p) = changed
                .iter()
                .find(|p| *p != ACTORS_FILE && *p != SIGNERS_FILE)
            {
                return refuse(
                    Rule::TaskScope,
                    format!("an actor change changes {p}"),
                    "change one actor per commit, with wf-actor",
                );
            }
            let others = |a: &Actors| -> Vec<Actor> {
                a.actors
                    .iter()
                    .filter(|x| x.id != *subject)
                    .cloned()
                    .collect()
            };
            if others(&old.actors) != others(&next.actors) {
                return refuse(
                    Rule::TaskScope,
                    format!("the change to actors is not only to {subject}"),
                    "change one actor per commit, with wf-actor",
                );
            }
            Ok(next)
        }
        PolicyAction::Set => {
            if required > 1 {
                return quorum();
            }
            if let Some(p) = changed
                .iter()
                .find(|p| !is_content_path(p) && *p != SIGNERS_FILE)
            {
                return refuse(
                    Rule::TaskScope,
                    format!("a policy change changes {p}"),
                    "proposals change through wf-policy propose/endorse/withdraw",
                );
            }
            Ok(next)
        }
        PolicyAction::Propose { id } => {
            let path = Proposal::path(id);
            if changed.len() != 1 || !changed.contains(&path) || before.contains_key(&path) {
                return refuse(
                    Rule::TaskScope,
                    format!("a proposal adds {path} and changes nothing else"),
                    "propose with wf-policy propose",
                );
            }
            let p = &next.proposals[id];
            if p.by != actor.id || p.at != at.rfc3339() || !p.endorsements.is_empty() {
                return refuse(
                    Rule::Input,
                    format!("proposal {id} must be by its signer {}, at the commit time, unsigned by others", actor.id),
                    "propose with wf-policy propose",
                );
            }
            check_proposal(before, p)?;
            Ok(next)
        }
        PolicyAction::Endorse { id } | PolicyAction::Apply { id } => {
            let Some(p) = old.proposals.get(id) else {
                return refuse(
                    Rule::Input,
                    format!("no proposal {id}"),
                    "see wf-policy show",
                );
            };
            if p.signers().contains(&actor.id.as_str()) {
                return refuse(
                    Rule::NoSelfReview,
                    format!("{} already signed proposal {id}", actor.id),
                    "another admin must sign it",
                );
            }
            let signed = signatures_with(&old, p, &actor.id);
            let enough = signed as u32 >= required;
            let want = proposal_files(before, &old, action, actor, at).expect("a proposal action");
            if let PolicyAction::Endorse { .. } = action {
                if enough {
                    return refuse(
                        Rule::Input,
                        format!(
                            "proposal {id} has enough signatures with this one and must be applied"
                        ),
                        format!("wf-policy endorse {id} applies it"),
                    );
                }
                if &want != after {
                    return refuse(
                        Rule::TaskScope,
                        format!("an endorsement of {id} appends one endorsement by its signer and changes nothing else"),
                        format!("wf-policy endorse {id}"),
                    );
                }
                return Ok(next);
            }
            if !enough {
                return refuse(
                    Rule::Admin,
                    format!(
                        "proposal {id} has {signed} of the {required} admin signatures it needs"
                    ),
                    format!("another admin signs it: wf-policy endorse {id}"),
                );
            }
            if p.base != base_digest(before) {
                return refuse(
                    Rule::DigestBinding,
                    format!(
                        "proposal {id} was made against another policy, which has changed since"
                    ),
                    format!("withdraw it (wf-policy withdraw {id}) and propose again"),
                );
            }
            check_proposal(before, p)?;
            if &want != after {
                return refuse(
                    Rule::TaskScope,
                    format!("applying {id} writes exactly its files and removes it"),
                    format!("wf-policy endorse {id}"),
                );
            }
            Ok(next)
        }
        PolicyAction::Withdraw { id } => {
            let Some(want) = proposal_files(before, &old, action, actor, at) else {
                return refuse(
                    Rule::Input,
                    format!("no proposal {id}"),
                    "see wf-policy show",
                );
            };
            if &want != after {
                return refuse(
                    Rule::TaskScope,
                    format!("withdrawing {id} removes it and changes nothing else"),
                    format!("wf-policy withdraw {id}"),
                );
            }
            Ok(next)
        }
    }
}

/// A proposal's files are content files, its digest is theirs, and applied to `before` they
/// give a valid policy that differs from it.
fn check_proposal(before: &Files, p: &Proposal) -> Result<(), Refusal> {
    let input = |m: String| refuse(Rule::Input, m, "propose with wf-policy propose");
    // The tools store the proposer's reason as printable text (`text::printable`): a note with
    // terminal escapes or carriage returns could draw a false signature count on screen.
    if p.note != crate::text::printable(&p.note) {
        return input(format!(
            "proposal {}'s note holds control characters the tools never write",
            p.id
        ));
    }
    if p.files.is_empty() {
        return input(format!("proposal {} proposes no file", p.id));
    }
    for (i, f) in p.files.iter().enumerate() {
        if !is_content_path(&f.path) {
            return input(format!("proposal {} may not set {}", p.id, f.path));
        }
        if p.files[..i].iter().any(|g| g.path == f.path) {
            return input(format!("proposal {} sets {} twice", p.id, f.path));
        }
    }
    if p.digest != p.compute_digest() {
        return refuse(
            Rule::DigestBinding,
            format!("proposal {} does not carry the digest of its files", p.id),
            "propose with wf-policy propose",
        );
    }
    if p.endorsements.iter().any(|e| e.digest != p.digest) {
        return refuse(
            Rule::DigestBinding,
            format!("an endorsement of {} names another digest", p.id),
            "endorse with wf-policy endorse",
        );
    }
    let applied = apply_files(before, &p.files);
    if changed_paths(before, &applied).is_empty() {
        return input(format!("proposal {} changes nothing", p.id));
    }
    match (load(before), load(&applied)) {
        (_, Err(e)) => input(format!("proposal {} would break the policy: {e}", p.id)),
        (Ok(old), Ok(new)) => kinds_kept(&old.actors, &new.actors),
        (Err(_), Ok(_)) => Ok(()),
    }
}

/// An actor's kind never changes: an AI actor made human would approve what the workflows keep
/// for humans, and the history would show only `actor update`. A new actor is registered
/// instead, and shows as one.
fn kinds_kept(old: &Actors, new: &Actors) -> Result<(), Refusal> {
    for a in &new.actors {
        if let Some(was) = old.get(&a.id).filter(|was| was.kind != a.kind) {
            return refuse(
                Rule::Input,
                format!(
                    "actor {} would change from {} to {}: an actor's kind never changes",
                    a.id,
                    was.kind.as_str(),
                    a.kind.as_str()
                ),
                "register a new actor of that kind (wf-actor add)",
            );
        }
    }
    Ok(())
}

fn init(after: &Files, next: &Loaded, actor: &Actor) -> Result<Loaded, Refusal> {
    let shape = |m: &str| refuse(Rule::Input, m.to_string(), "a store begins with wf-init");
    let [founder] = next.actors.actors.as_slice() else {
        return shape("the init commit registers exactly one actor, its founder");
    };
    if founder.kind != ActorKind::Human || !founder.is_admin() {
        return shape("the founder is a human admin");
    }
    if founder.id != actor.id {
        return shape("the init commit is signed by its founder");
    }
    if !next.proposals.is_empty() || after.contains_key(POLICY_FILE) {
        return shape(
            "the init commit writes the marker, the actors, the signers and workflows only",
        );
    }
    Ok(next.clone())
}
