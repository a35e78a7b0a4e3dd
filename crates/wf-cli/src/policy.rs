//! `wf-policy`: see and change the policy under `.wf/`: workflows, the admin quorum, and the
//! proposals that carry a change when the quorum asks for more than one admin. `wf-actor`
//! changes go through the same path ([`commit_change`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use git2::Oid;
use serde_json::json;
use wf_core::policy::{
    self, base_digest, changed_paths, decide_policy, Files, PolicyAction, POLICY_FILE,
};
use wf_core::verify::policy_message;
use wf_core::{Actor, Workflow};
use wf_store::{Person, Signer, Store};

use crate::context::{self, whoami, KeyArgs};
use crate::error::CliError;
use crate::output::{json as print_json, print};
use wf_store::Plan;

/// See and change the policy: workflows, the admin quorum, and pending proposals.
///
/// When .wf/policy.toml asks for more than one admin, a change (here or by wf-actor) becomes a
/// proposal that other admins sign with `wf-policy endorse`; the last signature applies it.
#[derive(Parser, Debug)]
#[command(
    name = "wf-policy",
    version,
    after_help = "Examples:\n  wf-policy show\n  wf-policy set --workflow review-twice.toml -m 'two reviews for legal'\n  wf-policy set --admins-required 2 -m 'four eyes on policy'\n  wf-policy endorse P-3f9a2c"
)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
    #[command(flatten)]
    pub global: context::Global,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// The admin quorum, the workflows and the pending proposals.
    Show {
        /// One JSON document (schema wf.policy/1).
        #[arg(long)]
        json: bool,
    },
    /// Change workflows or the admin quorum: applied at once when one admin suffices, else
    /// proposed.
    Set {
        /// A workflow file (TOML, see spec/workflow.md); its `name` picks
        /// .wf/workflows/NAME.toml. Repeatable.
        #[arg(long, value_name = "FILE")]
        workflow: Vec<PathBuf>,
        /// How many distinct human admins must sign a change to .wf/.
        #[arg(long, value_name = "N")]
        admins_required: Option<u32>,
        /// Why.
        #[arg(short = 'm', long = "message", value_name = "TEXT", default_value = "")]
        note: String,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Sign a pending proposal; the signature that completes the quorum applies it.
    Endorse {
        /// The proposal id (P-...).
        id: String,
        /// Why.
        #[arg(short = 'm', long = "message", value_name = "TEXT", default_value = "")]
        note: String,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Drop a pending proposal.
    Withdraw {
        /// The proposal id (P-...).
        id: String,
        /// Why.
        #[arg(short = 'm', long = "message", value_name = "TEXT", default_value = "")]
        note: String,
        #[command(flatten)]
        keys: KeyArgs,
    },
}

/// Run `wf-policy`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    match args.cmd {
        Cmd::Show { json } => show(&store, json),
        Cmd::Set {
            workflow,
            admins_required,
            note,
            keys,
        } => {
            if workflow.is_empty() && admins_required.is_none() {
                return Err(CliError::usage(
                    "nothing to set",
                    "give --workflow FILE or --admins-required N",
                ));
            }
            let mut texts = Vec::new();
            for f in &workflow {
                let text = std::fs::read_to_string(f).map_err(|e| {
                    CliError::usage(
                        format!("cannot read {}: {e}", f.display()),
                        "pass a TOML file",
                    )
                })?;
                let w = Workflow::parse(&text).map_err(|e| {
                    CliError::usage(format!("{}: {e}", f.display()), "see spec/workflow.md")
                })?;
                texts.push((format!(".wf/workflows/{}.toml", w.name), w.to_toml()));
            }
            if let Some(n) = admins_required {
                texts.push((
                    POLICY_FILE.to_string(),
                    policy::Policy { admins_required: n }.to_toml(),
                ));
            }
            let signer = context::signer(&keys, Some(&store))?;
            commit_change(&store, signer.as_ref(), Change::Set, &note, |before| {
                let mut after = before.clone();
                for (p, t) in &texts {
                    after.insert(p.clone(), t.clone().into_bytes());
                }
                Ok(after)
            })
        }
        Cmd::Endorse { id, note, keys } => {
            let signer = context::signer(&keys, Some(&store))?;
            sign_proposal(&store, signer.as_ref(), &id, &note, false)
        }
        Cmd::Withdraw { id, note, keys } => {
            let signer = context::signer(&keys, Some(&store))?;
            sign_proposal(&store, signer.as_ref(), &id, &note, true)
        }
    }
}

/// What a direct change is, when one admin suffices.
pub enum Change {
    /// `wf-actor add/update` of this actor.
    Actor(String),
    /// `wf-policy set`.
    Set,
}

fn load_files(store: &Store, tip: Option<Oid>) -> Result<Files, CliError> {
    let tip = tip.ok_or(wf_store::StoreError::NotAStore)?;
    let files = wf_store::verify::wf_files(&store.reader()?, store.root(tip)?)?;
    if !files.contains_key(policy::STORE_FILE) {
        return Err(wf_store::StoreError::NotAStore.into());
    }
    Ok(files)
}

fn loaded(files: &Files) -> Result<policy::Loaded, CliError> {
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
            "proposed {id} at {} (1 of {need} admin signatures)\nnext: another admin runs wf-policy endorse {id}\n",
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
            crate::init::configure(store, &l.actors)?;
        }
    }
    Ok(())
}

fn sign_proposal(
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

fn show(store: &Store, as_json: bool) -> Result<(), CliError> {
    let head = store.head_commit()?;
    let files = load_files(store, head)?;
    let l = loaded(&files)?;
    let need = l.policy.admins_required;
    if as_json {
        return print_json(&json!({
            "schema": "wf.policy/1",
            "admins_required": need,
            "admins": l.actors.actors.iter().filter(|a| a.is_admin()).map(|a| a.id.clone()).collect::<Vec<_>>(),
            "workflows": l.workflows.keys().collect::<Vec<_>>(),
            "proposals": l.proposals.values().map(|p| json!({
                "id": p.id,
                "by": p.by,
                "at": p.at,
                "note": p.note,
                "digest": p.digest,
                "files": p.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
                "signatures": p.signers(),
                "stale": p.base != base_digest(&files),
            })).collect::<Vec<_>>(),
        }));
    }
    let admins: Vec<&str> = l
        .actors
        .actors
        .iter()
        .filter(|a| a.is_admin())
        .map(|a| a.id.as_str())
        .collect();
    let mut text = format!(
        "admins: {} (a change to .wf/ needs {need})\nworkflows: {}\n",
        admins.join(", "),
        l.workflows.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    if l.proposals.is_empty() {
        text.push_str("proposals: none\n");
    }
    for p in l.proposals.values() {
        let paths: Vec<&str> = p.files.iter().map(|f| f.path.as_str()).collect();
        text.push_str(&format!(
            "proposal {} by {} at {}: {} ({} of {need} signatures: {}){}\n",
            p.id,
            p.by,
            p.at,
            paths.join(", "),
            p.signers().len(),
            p.signers().join(", "),
            if p.base != base_digest(&files) {
                "; stale: the policy changed since"
            } else {
                ""
            }
        ));
        if !p.note.is_empty() {
            text.push_str(&format!("  {}\n", wf_core::text::one_line(&p.note)));
        }
    }
    print(&text)
}
