//! What every tool shares: where the store is, what it holds at a commit, who is acting, and
//! what time it is.

use std::path::PathBuf;

use clap::Args;
use git2::Oid;
use wf_core::id::{self, Resolve};
use wf_core::{Actor, Actors, Task, Timestamp, Workflow};
use wf_store::{sign, KeySource, Signer, Store};

use crate::error::CliError;

pub use wf_core::policy::{ACTORS_FILE, SIGNERS_FILE, STORE_FILE, STORE_VERSION};
/// Workflows live here, one `<name>.toml` each.
pub const WORKFLOWS_DIR: &str = ".wf/workflows";

/// Options every tool takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Global {
    /// Run as if started in DIR (like git -C).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub chdir: Option<PathBuf>,
}

/// Options of the tools that write: which key signs.
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git's
    /// user.signingkey. A private key file signs in process; a public key file or
    /// key::LITERAL signs through ssh-agent.
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
}

impl Global {
    /// Open the store containing the chosen directory.
    pub fn store(&self) -> Result<Store, CliError> {
        let dir = match &self.chdir {
            Some(d) => d.clone(),
            None => std::env::current_dir()?,
        };
        if !dir.exists() {
            return Err(CliError::usage(
                format!("no such directory: {}", dir.display()),
                "check the -C argument",
            ));
        }
        Ok(Store::discover(&dir)?)
    }
}

/// The time an action is recorded at: `GIT_COMMITTER_DATE` when set (as git honours it, so
/// scripts and tests can pin it), else the clock.
pub fn now() -> Result<Timestamp, CliError> {
    if let Ok(v) = std::env::var("GIT_COMMITTER_DATE") {
        return Timestamp::parse(&v).ok_or_else(|| {
            CliError::usage(
                format!("cannot read GIT_COMMITTER_DATE={v:?}"),
                "use @SECONDS, 'SECONDS +0000' or 2026-11-24T10:00:00Z",
            )
        });
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(Timestamp(secs))
}

/// Load the signer: `--key`, else `$WF_SIGNING_KEY`, else git's `user.signingkey`.
pub fn signer(keys: &KeyArgs, store: Option<&Store>) -> Result<Box<dyn Signer>, CliError> {
    let value = keys
        .key
        .clone()
        .or_else(|| {
            std::env::var("WF_SIGNING_KEY")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| store.and_then(|s| s.config("user.signingkey")));
    let Some(value) = value else {
        return Err(wf_store::SignError::NoKey.into());
    };
    Ok(sign::load(&KeySource::parse(&value))?)
}

/// What the store holds at one commit: the parsed policy files.
pub struct Snapshot {
    /// The commit.
    pub commit: Oid,
    /// `.wf/actors.toml`.
    pub actors: Actors,
}

impl Snapshot {
    /// Load the policy files at a commit; refuses a repository that is not a wf store.
    pub fn load(store: &Store, commit: Option<Oid>) -> Result<Snapshot, CliError> {
        let commit = commit.ok_or_else(not_a_store)?;
        let marker = store
            .read_text(commit, STORE_FILE)?
            .ok_or_else(not_a_store)?;
        check_store_version(&marker)?;
        let text = store.read_text(commit, ACTORS_FILE)?.ok_or_else(|| {
            CliError::store(
                format!("{ACTORS_FILE} is missing"),
                "restore it from history",
            )
        })?;
        let actors = Actors::parse(&text).map_err(|e| {
            CliError::store(
                format!("{ACTORS_FILE}: {e}"),
                "fix the file (an admin commits the fix)",
            )
        })?;
        Ok(Snapshot { commit, actors })
    }

    /// Load the snapshot at HEAD (branch or detached), for the query tools.
    pub fn head(store: &Store) -> Result<Snapshot, CliError> {
        Snapshot::load(store, store.head_commit()?)
    }

    /// A workflow by name.
    pub fn workflow(&self, store: &Store, name: &str) -> Result<Workflow, CliError> {
        id::check_name(name).map_err(|e| {
            CliError::store(format!("workflow: {e}"), "workflow names are like default")
        })?;
        let path = format!("{WORKFLOWS_DIR}/{name}.toml");
        let text = store.read_text(self.commit, &path)?.ok_or_else(|| {
            CliError::NotFound(
                format!("no workflow {name}"),
                Some(format!("workflows live in {WORKFLOWS_DIR}/")),
            )
        })?;
        let w = Workflow::parse(&text)
            .map_err(|e| CliError::store(format!("{path}: {e}"), "fix the workflow file"))?;
        if w.name != name {
            return Err(CliError::store(
                format!("{path} names itself {:?}", w.name),
                "the name field must equal the file name",
            ));
        }
        Ok(w)
    }

    /// A workflow by name for a query tool: `None` when there is no such file (the task is shown
    /// without its workflow's view), but an error when the file is there and broken, so a
    /// reader never hides a store that does not parse.
    pub fn workflow_if_any(&self, store: &Store, name: &str) -> Result<Option<Workflow>, CliError> {
        match self.workflow(store, name) {
            Ok(w) => Ok(Some(w)),
            Err(CliError::NotFound(..)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The ids of every task at this commit.
    pub fn task_ids(&self, store: &Store) -> Result<Vec<String>, CliError> {
        Ok(store.task_ids(self.commit)?)
    }

    /// Resolve what the user typed (full id or unique prefix) to a task id.
    pub fn resolve(&self, store: &Store, typed: &str) -> Result<String, CliError> {
        let prefix = id::task_prefix(typed)
            .map_err(|e| CliError::usage(e.to_string(), "see wf-ls for task ids"))?;
        let ids = self.task_ids(store)?;
        match id::resolve_prefix(&prefix, ids.iter().map(String::as_str)) {
            Ok(id) => Ok(id.to_string()),
            Err(Resolve::NotFound) => Err(CliError::NotFound(
                format!("no task {typed}"),
                Some("list tasks with wf-ls".into()),
            )),
            Err(Resolve::Ambiguous(v)) => Err(CliError::NotFound(
                format!("task id {typed} is ambiguous: {}", v.join(", ")),
                Some("type more of the id".into()),
            )),
        }
    }

    /// Read and parse a task.
    pub fn task(&self, store: &Store, id: &str) -> Result<Task, CliError> {
        let path = Task::path(id);
        let text = store.read_text(self.commit, &path)?.ok_or_else(|| {
            CliError::NotFound(
                format!("no task {id}"),
                Some("list tasks with wf-ls".into()),
            )
        })?;
        let task = Task::parse(&text).map_err(|e| {
            CliError::store(format!("{path}: {e}"), "restore the file from history")
        })?;
        if task.id != id {
            return Err(CliError::store(
                format!("{path} says its id is {}", task.id),
                "restore the file from history",
            ));
        }
        Ok(task)
    }

    /// The registered actor who holds the signer's key.
    pub fn whoami(&self, signer: &dyn Signer) -> Result<Actor, CliError> {
        identify(&self.actors, signer)
    }
}

/// The error for a commit (or an unborn branch) without `.wf/store.toml`.
pub fn not_a_store() -> CliError {
    CliError::store(
        "not a wf store (no .wf/store.toml on this branch)",
        "run wf-init here to make it one",
    )
}

/// Find the actor a signer's key is registered to.
pub fn identify(actors: &Actors, signer: &dyn Signer) -> Result<Actor, CliError> {
    let key = signer.public_key();
    actors.by_key(key).cloned().ok_or_else(|| {
        let fp = sign::fingerprint(key).unwrap_or_else(|| key.to_string());
        CliError::Identity(
            format!("key {fp} is not registered to any actor in {ACTORS_FILE}"),
            Some("an admin registers it: wf-actor add ID --kind human --name N --email E --pubkey KEY.pub".into()),
        )
    })
}

fn check_store_version(marker: &str) -> Result<(), CliError> {
    wf_core::policy::check_marker(marker).map_err(|e| {
        let hint = if e.contains("not supported") {
            "upgrade wf".to_string()
        } else {
            format!("{STORE_FILE} should read: version = {STORE_VERSION}")
        };
        CliError::store(e, hint)
    })
}

/// The contents of a fresh `.wf/store.toml`.
pub fn store_marker() -> String {
    wf_core::policy::store_marker()
}
