//! The one loader of a store at a commit: `.wf/` read through the checked tree reader and
//! judged by [`wf_core::policy::load`], exactly as the verifier reads the policy of a parent.
//! The tools and the verifier therefore agree on what a valid store is; a store the verifier
//! would call broken is refused by every tool.

use git2::Oid;
use wf_core::id::{self, Resolve};
use wf_core::policy::{self, Files, Loaded};
use wf_core::{Actor, Actors, Task, Workflow};

use crate::repo::{Store, StoreError};
use crate::sign;

type Result<T> = std::result::Result<T, StoreError>;

/// What the store holds at one commit: the `.wf/` files and the policy they make.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The commit.
    pub commit: Oid,
    /// Every file under `.wf/`, by path.
    pub files: Files,
    /// The parsed and checked policy: actors, workflows, quorum, proposals.
    pub policy: Loaded,
}

impl Snapshot {
    /// Load the store at `commit`; refuses a commit (or an unborn branch, `None`) that is not a
    /// wf store, and a `.wf/` that does not load.
    pub fn load(store: &Store, commit: Option<Oid>) -> Result<Snapshot> {
        let commit = commit.ok_or(StoreError::NotAStore)?;
        let files = crate::verify::wf_files(&store.reader()?, store.root(commit)?)?;
        let Some(marker) = files.get(policy::STORE_FILE) else {
            return Err(StoreError::NotAStore);
        };
        let marker = std::str::from_utf8(marker)
            .map_err(|_| StoreError::NotUtf8(policy::STORE_FILE.into()))?;
        policy::check_marker(marker).map_err(|e| match e {
            policy::MarkerError::Unsupported(v) => StoreError::Unsupported(v),
            e => StoreError::Policy(e.to_string()),
        })?;
        let policy = policy::load(&files).map_err(StoreError::Policy)?;
        Ok(Snapshot {
            commit,
            files,
            policy,
        })
    }

    /// The store at the commit `HEAD` resolves to (a branch or detached), for the query tools.
    pub fn head(store: &Store) -> Result<Snapshot> {
        Snapshot::load(store, store.head_commit()?)
    }

    /// The actors.
    pub fn actors(&self) -> &Actors {
        &self.policy.actors
    }

    /// A workflow by name; refused when there is none.
    pub fn workflow(&self, name: &str) -> Result<&Workflow> {
        self.policy
            .workflows
            .get(name)
            .ok_or_else(|| StoreError::NoWorkflow(name.to_string()))
    }

    /// A workflow by name, `None` when there is none: a query tool shows a task without its
    /// workflow's view rather than refusing it. (A workflow file that is there but broken never
    /// gets this far: the snapshot does not load.)
    pub fn workflow_if_any(&self, name: &str) -> Option<&Workflow> {
        self.policy.workflows.get(name)
    }

    /// The ids of every task at this commit.
    pub fn task_ids(&self, store: &Store) -> Result<Vec<String>> {
        store.task_ids(self.commit)
    }

    /// Resolve what a user typed (a full id or a unique prefix, `ae2f`, `T-AE2F98`) to an id.
    pub fn resolve(&self, store: &Store, typed: &str) -> Result<String> {
        let prefix = id::task_prefix(typed).map_err(|e| StoreError::BadTaskId(e.to_string()))?;
        // Every id the prefix could name lies in the prefix's shard, once it names one (two hex
        // digits): only that shard is read.
        let shard = wf_core::task::shard(&prefix);
        let only = (shard.len() == 2).then_some(shard);
        let ids: Vec<String> = store
            .task_files_in(self.commit, only)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        match id::resolve_prefix(&prefix, ids.iter().map(String::as_str)) {
            Ok(id) => Ok(id.to_string()),
            Err(Resolve::NotFound) => Err(StoreError::NoTask(typed.to_string())),
            Err(Resolve::Ambiguous(ids)) => Err(StoreError::Ambiguous {
                typed: typed.to_string(),
                ids,
            }),
        }
    }

    /// Read and parse a task.
    pub fn task(&self, store: &Store, id: &str) -> Result<Task> {
        let path = Task::path(id);
        let text = store
            .read_text(self.commit, &path)?
            .ok_or_else(|| StoreError::NoTask(id.to_string()))?;
        let task =
            Task::parse(&text).map_err(|e| StoreError::BadFile(path.clone(), e.to_string()))?;
        if task.id != id {
            return Err(StoreError::BadFile(
                path,
                format!("says its id is {}", task.id),
            ));
        }
        Ok(task)
    }

    /// The actor who holds a signing key.
    pub fn whoami(&self, key: &str) -> Result<Actor> {
        identify(self.actors(), key)
    }
}

/// The actor a public key is registered to.
pub fn identify(actors: &Actors, key: &str) -> Result<Actor> {
    actors.by_key(key).cloned().ok_or_else(|| {
        StoreError::UnknownKey(sign::fingerprint(key).unwrap_or_else(|| key.to_string()))
    })
}
