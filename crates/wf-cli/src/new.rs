//! `wf-new`: define a task (the workflow's define step).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::Parser;
use wf_core::digest::sha256_hex;
use wf_core::id::{check_file_name, task_id_from, TASK_HEX_LEN};
use wf_core::task::{max_file_size_text, Input, MAX_FILE_SIZE};
use wf_core::{Action, Task};
use wf_store::{Person, StoreError};

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::print;
use wf_store::Plan;
use wf_store::Snapshot;

/// Define a new task: its title, inputs, owner and designated approver.
///
/// This is the workflow's define step, so the signer must be an actor the step admits (in the
/// default workflow: a human with role requester). Prints the new task id alone on stdout.
/// Task ids are random (T- and 6 hex digits), so clones never collide in practice; every tool
/// accepts a unique prefix.
#[derive(Parser, Debug)]
#[command(
    name = "wf-new",
    version,
    after_help = "Example:\n  id=$(wf-new --title 'Launch announcement' --input audience=developers \\\n         --input-file brief=brief.md --approver carol)"
)]
pub struct Args {
    /// One line saying what is to be done.
    #[arg(long)]
    pub title: String,
    /// The workflow to follow.
    #[arg(long, default_value = "default")]
    pub workflow: String,
    /// An inline input, NAME=TEXT (repeatable).
    #[arg(long = "input", value_name = "NAME=TEXT")]
    pub inputs: Vec<String>,
    /// A file input, NAME=PATH, kept at tasks/ID/in/NAME (repeatable; at most 64 MiB each).
    #[arg(long = "input-file", value_name = "NAME=PATH")]
    pub input_files: Vec<OsString>,
    /// The accountable human (default: you).
    #[arg(long)]
    pub owner: Option<String>,
    /// The human who gives the final approval (default: the owner).
    #[arg(long)]
    pub approver: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

fn split(s: &str, flag: &str) -> Result<(String, String), CliError> {
    let (n, v) = s.split_once('=').ok_or_else(|| {
        CliError::usage(
            format!("{flag} {s:?} is not NAME=VALUE"),
            format!("{flag} brief=..."),
        )
    })?;
    check_file_name(n)
        .map_err(|e| CliError::usage(format!("{flag}: {e}"), "input names are plain file names"))?;
    Ok((n.to_string(), v.to_string()))
}

/// Run `wf-new`.
pub fn run(args: Args) -> Result<(), CliError> {
    wf_core::id::check_name(&args.workflow).map_err(|e| {
        CliError::usage(
            format!("--workflow: {e}"),
            "workflow names are like default",
        )
    })?;
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    let mut inputs = Vec::new();
    let mut files = Vec::new();
    for s in &args.inputs {
        let (name, text) = split(s, "--input")?;
        inputs.push(Input {
            name,
            sha256: sha256_hex(text.as_bytes()),
            text: Some(text),
            file: None,
        });
    }
    for s in &args.input_files {
        // The path may be any file name the system allows; the name must be a plain one.
        let bytes = s.as_bytes();
        let Some(at) = bytes.iter().position(|b| *b == b'=') else {
            return Err(CliError::usage(
                format!("--input-file {s:?} is not NAME=PATH"),
                "--input-file brief=...",
            ));
        };
        let name = std::str::from_utf8(&bytes[..at]).map_err(|_| {
            CliError::usage(
                format!("--input-file {s:?}: the name is not UTF-8"),
                "input names are plain file names",
            )
        })?;
        let (name, _) = split(&format!("{name}="), "--input-file")?;
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(&bytes[at + 1..]));
        let f = std::fs::File::open(&path).map_err(|e| {
            CliError::usage(
                format!("cannot read input file {}: {e}", path.display()),
                "check the path",
            )
        })?;
        let (oid, sha, _) = store
            .blob_from_reader(f, MAX_FILE_SIZE)
            .map_err(|e| match e {
                StoreError::TooLarge(_) => CliError::usage(
                    format!(
                        "input file {name} is larger than the {} limit",
                        max_file_size_text()
                    ),
                    crate::error::too_large_hint(),
                ),
                e => e.into(),
            })?;
        inputs.push(Input {
            name: name.clone(),
            text: None,
            file: Some(name.clone()),
            sha256: sha,
        });
        files.push((name, oid));
    }
    let time = context::now()?;
    let (_, task) =
        store.transact::<CliError, _, _>(signer.as_ref(), time.0, &mut context::notice, |tip| {
            let snap = Snapshot::load(&store, tip)?;
            let workflow = snap.workflow(&args.workflow)?.clone();
            let me = context::whoami(snap.actors(), signer.as_ref())?;
            let existing = snap.task_ids(&store)?;
            let id = loop {
                let id = task_id_from(&context::random_bytes::<8>()?, TASK_HEX_LEN);
                if !existing.contains(&id) {
                    break id;
                }
            };
            let action = Action::Create {
                id: id.clone(),
                title: args.title.clone(),
                owner: args.owner.clone(),
                approver: args.approver.clone(),
                inputs: inputs.clone(),
            };
            let task = wf_core::decide(&workflow, snap.actors(), None, &me, &action, time)?;
            let mut writes: Vec<_> = files
                .iter()
                .map(|(n, o)| (format!("{}in/{n}", Task::dir(&id)), *o))
                .collect();
            let text = wf_core::task_text(&task)?;
            writes.push((Task::path(&id), store.blob(text.as_bytes())?));
            Ok(Plan {
                message: wf_core::trailer::action_message(None, &task, &action, &me),
                author: Person {
                    name: me.name.clone(),
                    email: me.email.clone(),
                },
                writes,
                removes: vec![],
                guard: vec![Task::path(&id), Task::dir(&id)],
                result: task,
            })
        })?;
    print(&format!("{}\n", task.id))
}
