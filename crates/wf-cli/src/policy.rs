//! `wf-policy`: see and change the policy under `.wf/`: workflows, the admin quorum, and the
//! proposals that carry a change when the quorum asks for more than one admin. Changes, like
//! `wf-actor`'s, are committed by [`crate::policy_change`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use serde_json::json;
use wf_core::policy::{self, base_digest, Proposal, POLICY_FILE};
use wf_core::Workflow;
use wf_store::Store;

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{json as print_json, print};
use crate::policy_change::{commit_change, load_files, loaded, sign_proposal, Change};

/// See and change the policy: workflows, the admin quorum, and pending proposals.
///
/// When .wf/policy.toml asks for more than one admin, a change (here or by wf-actor) becomes a
/// proposal that other admins sign with `wf-policy endorse`; the last signature applies it.
#[derive(Parser, Debug)]
#[command(
    name = "wf-policy",
    version,
    after_help = "Examples:\n  wf-policy show\n  wf-policy show P-3f9a2c       # what a proposal changes, as a diff\n  wf-policy set --workflow review-twice.toml -m 'two reviews for legal'\n  wf-policy set --admins-required 2 -m 'four eyes on policy'\n  wf-policy endorse P-3f9a2c"
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
    /// The admin quorum, the workflows and the pending proposals; with a proposal id, that
    /// proposal and what it changes: a unified diff of each file it proposes against the file
    /// at HEAD, the exact text an endorsement signs.
    Show {
        /// Only this proposal (P-...), with its diff.
        id: Option<String>,
        /// One JSON document (schema wf.policy/1); each proposal carries its diff.
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
    /// Sign a pending proposal; the signature that completes the quorum applies it. Read what
    /// it changes first: `wf-policy show ID`.
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
        Cmd::Show { id, json } => show(&store, id.as_deref(), json),
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

fn show(store: &Store, only: Option<&str>, as_json: bool) -> Result<(), CliError> {
    let head = store.head_commit()?;
    let files = load_files(store, head)?;
    let l = loaded(&files)?;
    let need = l.policy.admins_required;
    let proposals: Vec<&Proposal> = match only {
        None => l.proposals.values().collect(),
        Some(id) => {
            policy::check_proposal_id(id).map_err(|e| CliError::usage(e, "see wf-policy show"))?;
            vec![l.proposals.get(id).ok_or_else(|| {
                CliError::not_found(format!("no proposal {id}"), "see wf-policy show")
            })?]
        }
    };
    if as_json {
        return print_json(&json!({
            "schema": "wf.policy/1",
            "admins_required": need,
            "admins": l.actors.actors.iter().filter(|a| a.is_admin()).map(|a| a.id.clone()).collect::<Vec<_>>(),
            "workflows": l.workflows.keys().collect::<Vec<_>>(),
            "proposals": proposals.iter().map(|p| json!({
                "id": p.id,
                "by": p.by,
                "at": p.at,
                "note": p.note,
                "digest": p.digest,
                "files": p.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
                "signatures": p.signers(),
                "stale": p.base != base_digest(&files),
                "diff": proposal_diff(&files, p),
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
    if proposals.is_empty() {
        text.push_str("proposals: none\n");
    }
    for p in &proposals {
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
            let note = wf_core::text::visible(&wf_core::text::one_line(&p.note));
            text.push_str(&format!("  {note}\n"));
        }
        if only.is_some() {
            text.push_str(&format!("digest: {}\n", p.digest));
            text.push_str(&proposal_diff(&files, p));
        }
    }
    if only.is_none() && !proposals.is_empty() {
        text.push_str("(wf-policy show ID: what a proposal changes)\n");
    }
    print(&text)
}

/// What a proposal changes: for each file it proposes, a unified diff from the file at `HEAD`
/// (`/dev/null` when there is none) to the proposed text, or a line saying it is unchanged.
/// Control characters are escaped and the characters that reorder or hide text (bidirectional
/// controls, zero-width and other default-ignorable code points) are shown as `\u{...}`, so
/// the diff an endorser reads is the text the endorsement signs.
pub fn proposal_diff(files: &policy::Files, p: &Proposal) -> String {
    let mut out = String::new();
    for f in &p.files {
        let before = files
            .get(&f.path)
            .map(|b| String::from_utf8_lossy(b).into_owned());
        if before.as_deref() == Some(f.text.as_str()) {
            out.push_str(&format!("{}: unchanged\n", f.path));
            continue;
        }
        let old = before.as_deref().unwrap_or("");
        let from = match before {
            Some(_) => format!("a/{}", f.path),
            None => "/dev/null".to_string(),
        };
        let diff = similar::TextDiff::from_lines(old, f.text.as_str());
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&from, &format!("b/{}", f.path))
            .to_string();
        out.push_str(&wf_core::text::visible_lines(&text));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
