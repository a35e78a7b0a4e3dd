//! A change to `.wf/` as data ([`PolicyAction`]), and the files each action writes: what the
//! tools commit, and what [`super::decide_policy`] requires the commit to hold.

use std::collections::BTreeSet;

use super::files::{changed_paths, is_content_path, regenerate_signers, Files};
use super::load::Loaded;
use super::proposal::{apply_files, base_digest, Endorsement, Proposal, ProposedFile};
use crate::actor::{Actor, ActorKind};
use crate::time::Timestamp;

/// A change to `.wf/`, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyAction {
    /// Create the store (the root of trust).
    Init,
    /// `wf-actor add/update`: change one actor directly.
    Actor {
        /// The id of the one actor added or changed; every other actor stays as it was.
        subject: String,
    },
    /// `wf-policy set`: change policy files directly (one admin suffices).
    Set,
    /// Propose a change for other admins to sign.
    Propose {
        /// The new proposal's id; the commit adds `.wf/proposals/<id>.toml`.
        id: String,
    },
    /// Sign a pending proposal.
    Endorse {
        /// The pending proposal signed.
        id: String,
    },
    /// Sign a pending proposal as the last required admin, and apply it.
    Apply {
        /// The pending proposal signed and applied.
        id: String,
    },
    /// Drop a pending proposal.
    Withdraw {
        /// The pending proposal dropped.
        id: String,
    },
}

impl PolicyAction {
    /// The `Wf-Action` trailer value.
    pub fn name(&self) -> &'static str {
        match self {
            PolicyAction::Init => "init",
            PolicyAction::Actor { .. } => "actor",
            PolicyAction::Set => "policy",
            PolicyAction::Propose { .. } => "propose",
            PolicyAction::Endorse { .. } => "endorse",
            PolicyAction::Apply { .. } => "apply",
            PolicyAction::Withdraw { .. } => "withdraw",
        }
    }
    /// The proposal the action is about.
    pub fn proposal(&self) -> Option<&str> {
        match self {
            PolicyAction::Propose { id }
            | PolicyAction::Endorse { id }
            | PolicyAction::Apply { id }
            | PolicyAction::Withdraw { id } => Some(id),
            _ => None,
        }
    }
}

/// What a wanted change of `.wf/` becomes under the policy before it: with a quorum of one
/// admin, `direct` itself (`actor` or `policy`) writing `wanted`; else proposal `id` by `actor`
/// carrying the changed files. `allowed_signers` is regenerated in `wanted` first.
#[allow(clippy::too_many_arguments)]
pub fn plan_change(
    before: &Files,
    old: &Loaded,
    mut wanted: Files,
    direct: PolicyAction,
    actor: &Actor,
    id: &str,
    note: &str,
    at: Timestamp,
) -> (PolicyAction, Files) {
    regenerate_signers(&mut wanted);
    if old.policy.admins_required <= 1 {
        return (direct, wanted);
    }
    let mut p = Proposal {
        id: id.to_string(),
        by: actor.id.clone(),
        at: at.rfc3339(),
        note: crate::text::printable(note),
        base: base_digest(before),
        digest: String::new(),
        files: changed_paths(before, &wanted)
            .into_iter()
            .filter(|p| is_content_path(p))
            .map(|p| ProposedFile {
                text: String::from_utf8_lossy(&wanted[&p]).into_owned(),
                path: p,
            })
            .collect(),
        endorsements: vec![],
    };
    p.digest = p.compute_digest();
    let mut after = before.clone();
    after.insert(Proposal::path(id), p.to_toml().into_bytes());
    (PolicyAction::Propose { id: id.to_string() }, after)
}

/// How many distinct human admins (of `old`) have signed proposal `p` once `actor` signs too.
pub(super) fn signatures_with(old: &Loaded, p: &Proposal, actor: &str) -> usize {
    p.signers()
        .into_iter()
        .chain([actor])
        .filter(|s| {
            old.actors
                .get(s)
                .is_some_and(|a| a.is_admin() && a.kind == ActorKind::Human)
        })
        .collect::<BTreeSet<&str>>()
        .len()
}

/// What `actor` signing proposal `id` is: `apply` when the signature completes the quorum,
/// else `endorse`. `None` when there is no such proposal.
pub fn signing_action(old: &Loaded, id: &str, actor: &Actor) -> Option<PolicyAction> {
    let p = old.proposals.get(id)?;
    let enough = signatures_with(old, p, &actor.id) as u32 >= old.policy.admins_required;
    let id = id.to_string();
    Some(if enough {
        PolicyAction::Apply { id }
    } else {
        PolicyAction::Endorse { id }
    })
}

/// The `.wf/` files after `endorse`, `apply` or `withdraw` of a pending proposal by `actor` at
/// `at`: what the tools write and what [`super::decide_policy`] requires. `None` for other
/// actions and unknown proposals.
pub fn proposal_files(
    before: &Files,
    old: &Loaded,
    action: &PolicyAction,
    actor: &Actor,
    at: Timestamp,
) -> Option<Files> {
    let id = action.proposal()?;
    let p = old.proposals.get(id)?;
    let path = Proposal::path(id);
    let mut out = match action {
        PolicyAction::Endorse { .. } => {
            let mut q = p.clone();
            q.endorsements.push(Endorsement {
                actor: actor.id.clone(),
                at: at.rfc3339(),
                digest: p.digest.clone(),
            });
            let mut out = before.clone();
            out.insert(path, q.to_toml().into_bytes());
            return Some(out);
        }
        PolicyAction::Apply { .. } => apply_files(before, &p.files),
        PolicyAction::Withdraw { .. } => before.clone(),
        _ => return None,
    };
    out.remove(&path);
    Some(out)
}
