//! Changes to the policy under `.wf/` (actors, workflows, the admin quorum), one signed commit
//! each: applied at once when one admin suffices, else carried by a proposal that other admins
//! endorse until the quorum is reached. The core plans and decides ([`wf_core::policy`]); this
//! module runs it in a store transaction and says what happened. Used by `wf-policy` and
//! `wf-actor`.

use git2::Oid;
use wf_core::policy::{self, changed_paths, decide_policy, Files, PolicyAction};
use wf_core::verify::policy_message;
use wf_core::Actor;
use wf_store::{Person, Plan, Signer, Store};

use crate::context::{self, whoami};
use crate::error::CliError;
use crate::output::print;

/// What a direct change is, when one admin suffices.
pub enum Change {
    /// `wf-actor add/update` of this actor.
    Actor(String),
    /// `wf-policy set`.
    Set,
}

/// Every file under `.wf/` at `tip`, loaded by the one loader ([`wf_store::Snapshot`]): refuses
/// a commit that is not a wf store, or whose `.wf/` does not load.
pub fn load_files(store: &Store, tip: Option<Oid>) -> Result<Files, CliError> {
    Ok(wf_store::Snapshot::load(store, tip)?.files)
}

/// The policy those files hold (they were loaded by [`load_files`], so this only fails on files
/// an edit made).
pub fn loaded(files: &Files) -> Result<policy::Loaded, CliError> {
    policy::load(files).map_err(|e| CliError::store(e, "an admin restores .wf/ from history"))
}

/// Plan a commit of `.wf/` files: writes for changed files, removals for removed ones.
fn plan<T>(
    store: &Store,
    before: &Files,
    after: &Files,
    message: String,
    me: &Actor,
    result: T,
) -> Result<Plan<T>, CliError> {
    let mut writes = Vec::new();
    let mut removes = Vec::new();
    let changed = changed_paths(before, after);
    for p in &changed {
        match after.get(p) {
            Some(bytes) => writes.push((p.clone(), store.blob(bytes)?)),
            None => removes.push(p.clone()),
        }
    }
    Ok(Plan {
        message,
        author: Person {
            name: me.name.clone(),
            email: me.email.clone(),
        },
        writes,
        removes,
        guard: changed.into_iter().collect(),
        result,
    })
}

/// Commit a change to `.wf/`: `edit` turns the files at the tip into the wanted files. Applied
/// directly when the quorum is one admin, else committed as a proposal.
pub fn commit_change(
    store: &Store,
    signer: &dyn Signer,
    change: Change,
    note: &str,
    edit: impl Fn(&Files) -> Result<Files, CliError>,
) -> Result<(), CliError> {
    let time = context::now()?;
    let (oid, what) =
        store.transact::<CliError, _, _>(signer, time.0, &mut context::notice, |tip| {
            let before = load_files(store, tip)?;
            let old = loaded(&before)?;
            let me = whoami(&old.actors, signer)?;
            let wanted = edit(&before)?;
            let direct = match &change {
                Change::Actor(s) => PolicyAction::Actor { subject: s.clone() },
                Change::Set => PolicyAction::Set,
            };
            let id = format!(
                "{}{}",
                policy::PROPOSAL_PREFIX,
                wf_core::digest::hex(&context::random_bytes::<3>()?)
            );
            let (action, after) =
                policy::plan_change(&before, &old, wanted, direct, &me, &id, note, time);
            if changed_paths(&before, &after).is_empty() {
                return Err(CliError::usage(
                    "that changes nothing",
                    "wf-policy show lists the policy as it is",
                ));
            }
            let what = match &action {
                PolicyAction::Propose { .. } => Some((
                    id.clone(),
                    old.policy.admins_required,
                    policy::load(&after)
                        .ok()
                        .and_then(|l| l.proposals.get(&id).map(|p| p.digest.clone()))
                        .unwrap_or_default(),
                )),
                _ => None,
            };
            decide_policy(Some(&before), &after, &me, &action, time)?;
            let message = policy_message(
                &action,
                &me,
                Some(&old.actors),
                note,
                what.as_ref().map(|w| w.2.as_str()),
            );
            plan(
                store,
                &before,
                &after,
                message,
                &me,
                (action, after.clone(), what),
            )
        })?;
    let (action, after, proposal) = what;
    refresh_bare(store, &after)?;
    match proposal {
        Some((id, need, _)) => print(&format!(
            "proposed {id} at {} (1 of {need} admin signatures)\nnext: another admin reads it with wf-policy show {id}, then runs wf-policy endorse {id}\n",
            &oid.to_string()[..12]
        )),
        None => {
            let subject = store.git().find_commit(oid)?.summary().unwrap_or("").to_string();
            let _ = action;
            print(&format!(
                "{} at {}\n",
                subject.strip_prefix("wf: ").unwrap_or(&subject),
                &oid.to_string()[..12]
            ))
        }
    }
}

fn refresh_bare(store: &Store, after: &Files) -> Result<(), CliError> {
    if store.workdir().is_none() {
        if let Ok(l) = policy::load(after) {
            crate::allowed_signers::configure(store, &l.actors)?;
        }
    }
    Ok(())
}

/// Endorse a pending proposal (the signature that completes the quorum applies it), or
/// withdraw it.
pub fn sign_proposal(
    store: &Store,
    signer: &dyn Signer,
    id: &str,
    note: &str,
    withdraw: bool,
) -> Result<(), CliError> {
    policy::check_proposal_id(id).map_err(|e| CliError::usage(e, "see wf-policy show"))?;
    let time = context::now()?;
    let (oid, (action, after)) =
        store.transact::<CliError, _, _>(signer, time.0, &mut context::notice, |tip| {
            let before = load_files(store, tip)?;
            let old = loaded(&before)?;
            let me = whoami(&old.actors, signer)?;
            let p = old.proposals.get(id).ok_or_else(|| {
                CliError::not_found(format!("no proposal {id}"), "see wf-policy show")
            })?;
            let action = if withdraw {
                PolicyAction::Withdraw { id: id.into() }
            } else {
                policy::signing_action(&old, id, &me).expect("the proposal exists")
            };
            let after = policy::proposal_files(&before, &old, &action, &me, time)
                .expect("a proposal action");
            decide_policy(Some(&before), &after, &me, &action, time)?;
            let message = policy_message(&action, &me, Some(&old.actors), note, Some(&p.digest));
            plan(
                store,
                &before,
                &after,
                message,
                &me,
                (action, after.clone()),
            )
        })?;
    refresh_bare(store, &after)?;
    let what = match action {
        PolicyAction::Apply { .. } => "applied",
        PolicyAction::Withdraw { .. } => "withdrew",
        _ => "endorsed",
    };
    print(&format!("{what} {id} at {}\n", &oid.to_string()[..12]))
}
