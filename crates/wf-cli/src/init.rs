//! `wf-init`: create or adopt a repository as a wf store.

use std::path::PathBuf;

use clap::Parser;
use wf_core::trailer::{self, key};
use wf_core::Workflow;
use wf_store::{sign, Person, Store};

use crate::context::{self, KeyArgs, ACTORS_FILE, SIGNERS_FILE, STORE_FILE, WORKFLOWS_DIR};
use crate::error::CliError;
use crate::output::print;
use crate::{allowed_signers, merge_config};
use wf_store::Plan;

/// Create or adopt a git repository as a wf store.
///
/// Writes .wf/ (store marker, actors, the default workflow, allowed signers), registers the
/// caller (whoever holds the signing key) as the first human admin and requester, points git's
/// gpg.ssh.allowedSignersFile at the generated file so that `git verify-commit` works, and makes
/// one signed commit. In a repository that already is a wf store it only configures git.
#[derive(Parser, Debug)]
#[command(
    name = "wf-init",
    version,
    after_help = "Example:\n  wf-init --key ~/.ssh/id_ed25519 --id alice --name 'Alice A' --email alice@example.com work"
)]
pub struct Args {
    /// The repository (created if missing). Defaults to the current directory.
    pub dir: Option<PathBuf>,
    /// Your actor id (default: the local part of your email).
    #[arg(long)]
    pub id: Option<String>,
    /// Your display name (default: git's user.name).
    #[arg(long)]
    pub name: Option<String>,
    /// Your email (default: git's user.email).
    #[arg(long)]
    pub email: Option<String>,
    /// Create a bare repository (a server) when DIR does not exist.
    #[arg(long)]
    pub bare: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-init`.
pub fn run(args: Args) -> Result<(), CliError> {
    let base = match &args.global.chdir {
        Some(d) => d.clone(),
        None => std::env::current_dir()?,
    };
    let dir = match &args.dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => base.join(d),
        None => base,
    };
    // git's configuration will name a file in this folder by its absolute path, and a config
    // value is text: refuse a path that is not UTF-8 before anything is created.
    let real = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
    if real.to_str().is_none() {
        return Err(allowed_signers::not_utf8(&real));
    }
    let (store, created) = Store::open_or_init(&dir, args.bare)?;
    let signer = context::signer(&args.keys, Some(&store))?;
    let branch = store.branch()?;
    if let Some(tip) = store.tip(&branch)? {
        if store.read(tip, STORE_FILE)?.is_some() {
            let snap = wf_store::Snapshot::load(&store, Some(tip))?;
            allowed_signers::configure(&store, snap.actors())?;
            merge_config::install(&store)?;
            let me = context::whoami(snap.actors(), signer.as_ref())
                .map(|a| format!("you are {}", a.id))
                .unwrap_or_else(|_| "your key is not registered here".into());
            return print(&format!("adopted wf store {} ({me})\n", dir.display()));
        }
    }
    // A store begins with no task that no action made: the verifier refuses a founding commit
    // over an existing tasks/ folder, so wf-init refuses to write one.
    if let Some(tip) = store.tip(&branch)? {
        let has_tasks = store.reader()?.entry(store.root(tip)?, "tasks")?.is_some();
        wf_core::verify::check_founding_tree(has_tasks)?;
    }
    let email = args
        .email
        .or_else(|| store.config("user.email"))
        .ok_or_else(|| CliError::usage("no email", "pass --email or set git's user.email"))?;
    let id = match args.id {
        Some(i) => i,
        None => email
            .split('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
    };
    let name = args
        .name
        .or_else(|| store.config("user.name"))
        .unwrap_or_else(|| id.clone());
    let actors = wf_core::rules::founding_actors(&id, &name, &email, signer.public_key())
        .map_err(|r| CliError::usage(r.reason, r.hint))?;
    // git's own top-level files are judged from the founding commit on (spec/verify.md).
    if let Some(tip) = store.tip(&branch)? {
        use wf_core::checkout::{self, ATTRIBUTES_FILE, MAILMAP_FILE};
        if let Some(b) = store.read(tip, ATTRIBUTES_FILE)? {
            checkout::check_attributes(&b).map_err(|e| {
                CliError::store(
                    e,
                    "append those lines to .gitattributes and commit, then run wf-init",
                )
            })?;
        }
        if let Some(b) = store.read(tip, MAILMAP_FILE)? {
            checkout::check_mailmap(&b, &actors).map_err(|e| {
                CliError::store(
                    e,
                    "remove the founder's entries from .mailmap and commit, then run wf-init",
                )
            })?;
        }
    }
    let me = actors.actors[0].clone();
    let files = [
        (STORE_FILE.to_string(), context::store_marker()),
        (ACTORS_FILE.to_string(), actors.to_toml()),
        (SIGNERS_FILE.to_string(), actors.allowed_signers()),
        (
            format!("{WORKFLOWS_DIR}/default.toml"),
            Workflow::default_workflow().to_toml(),
        ),
    ];
    let mut writes = Vec::new();
    for (path, text) in &files {
        writes.push((path.clone(), store.blob(text.as_bytes())?));
    }
    // A new store's .gitattributes holds wf's lines: checkouts of .wf/ and tasks/ are the
    // verified bytes, and task files merge through wf's driver. One that is there already
    // was checked above.
    let attributes_there = match store.tip(&branch)? {
        Some(t) => store.read(t, wf_core::checkout::ATTRIBUTES_FILE)?.is_some(),
        None => false,
    };
    if !attributes_there {
        writes.push((
            wf_core::checkout::ATTRIBUTES_FILE.to_string(),
            store.blob(wf_core::checkout::attributes_block().as_bytes())?,
        ));
    }
    let time = context::now()?;
    let (oid, ()) =
        store.transact::<CliError, _, _>(signer.as_ref(), time.0, &mut context::notice, |tip| {
            if let Some(t) = tip {
                if store.read(t, STORE_FILE)?.is_some() {
                    return Err(CliError::conflict(
                        "someone initialised this store meanwhile",
                        "run wf-init again to adopt it",
                    ));
                }
            }
            Ok(Plan {
                message: trailer::message(
                    &format!("wf: init store, admin {id}"),
                    "",
                    &[
                        (key::ACTION, "init".into()),
                        (key::ACTOR, id.clone()),
                        (key::ACTOR_KIND, "human".into()),
                    ],
                ),
                author: Person {
                    name: me.name.clone(),
                    email: me.email.clone(),
                },
                writes: writes.clone(),
                removes: vec![],
                guard: vec![".wf/".into(), wf_core::checkout::ATTRIBUTES_FILE.into()],
                result: (),
            })
        })?;
    allowed_signers::configure(&store, &actors)?;
    merge_config::install(&store)?;
    let fp = sign::fingerprint(signer.public_key()).unwrap_or_default();
    print(&format!(
        "{} wf store {} at {}\nadmin {id} ({fp})\n",
        if created { "created" } else { "initialised" },
        dir.display(),
        &oid.to_string()[..12]
    ))
}
