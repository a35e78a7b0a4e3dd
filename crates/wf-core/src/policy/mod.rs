//! The policy: every file under `.wf/` (actors, workflows, the admin quorum, pending
//! proposals) and the rules for changing it.
//!
//! A policy change is judged under the policy **before** it: only a human admin of the old
//! actors file changes it, and when `.wf/policy.toml` asks for more than one admin, the change
//! goes through a proposal that the required number of distinct admins sign, each in a commit of
//! their own. The tools and the verifier both call [`decide_policy`], so what a tool refuses and
//! what the verifier rejects are the same thing. See `spec/policy.md`.
//!
//! One file per concern, each using only the ones before it: `files.rs` (where each file lives,
//! the store marker, the quorum), `proposal.rs` (proposals and their digests), `load.rs`
//! (reading the folder into a checked [`Loaded`]), `action.rs` (the changes, and the files each
//! one writes) and `decide.rs` ([`decide_policy`]). Their public items are all here, as
//! `wf_core::policy::X`.

mod action;
mod decide;
mod files;
mod load;
mod proposal;

pub use action::{plan_change, proposal_files, signing_action, PolicyAction};
pub use decide::decide_policy;
pub use files::{
    carry_change, change_units, changed_paths, check_marker, is_content_path, regenerate_signers,
    store_marker, ChangeUnit, Files, MarkerError, Policy, ACTORS_FILE, POLICY_FILE, PROPOSALS_DIR,
    SIGNERS_FILE, STORE_FILE, STORE_VERSION, WORKFLOWS_DIR,
};
pub use load::{load, Loaded};
pub use proposal::{
    apply_files, base_digest, check_proposal_id, Endorsement, Proposal, ProposedFile,
    PROPOSAL_PREFIX,
};

#[cfg(test)]
mod tests;
