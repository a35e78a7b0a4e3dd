//! What can go wrong in the store, typed, for the tools to attach hints to.

use std::path::PathBuf;

use git2::Oid;
use thiserror::Error;

use crate::sign::SignError;

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Not inside a git repository.
    #[error("not a git repository: {0}")]
    NotARepo(String),
    /// HEAD does not name a branch.
    #[error("HEAD is detached; wf commits to a branch")]
    Detached,
    /// Uncommitted edits to files an action would write.
    #[error("uncommitted changes to {0}")]
    Dirty(String),
    /// A file in git is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    NotUtf8(String),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// libgit2 said no.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// The filesystem said no.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A git lock file is in the way: another git process is running, or one was killed and
    /// left it behind. Holds the lock file's path.
    #[error("{} is locked: another git process is running, or one was killed and left a stale lock", .0.display())]
    Locked(PathBuf),
    /// A stream passed the size limit of one file; reading stopped and nothing was stored.
    #[error("larger than the {} MiB limit", .0 >> 20)]
    TooLarge(u64),
    /// A tree on the way to what was read is not in the form git writes (or holds what wf
    /// never writes): the history was forged or written by another tool. Holds the reason,
    /// naming the path.
    #[error("the store's tree is not canonical: {0}")]
    NotCanonical(String),
    /// The commit read has no `.wf/store.toml` (or the branch has no commit).
    #[error("not a wf store (no .wf/store.toml on this branch)")]
    NotAStore,
    /// The store is of another format version (a newer wf wrote it).
    #[error("store format version {0} is not supported (this wf reads {reads})", reads = wf_core::policy::STORE_VERSION)]
    Unsupported(u32),
    /// `.wf/` does not load: a file that does not parse or validate, named in the reason.
    #[error("{0}")]
    Policy(String),
    /// A store file (a task file) that does not parse, or says what it must not.
    #[error("{0}: {1}")]
    BadFile(String, String),
    /// No workflow of this name.
    #[error("no workflow {0}")]
    NoWorkflow(String),
    /// What the user typed is not a task id.
    #[error("{0}")]
    BadTaskId(String),
    /// No task with this id (or prefix).
    #[error("no task {0}")]
    NoTask(String),
    /// Several tasks have this prefix.
    #[error("task id {typed} is ambiguous: {}", .ids.join(", "))]
    Ambiguous {
        /// What the user typed.
        typed: String,
        /// The ids it matches.
        ids: Vec<String>,
    },
    /// The signing key (its fingerprint) belongs to no actor.
    #[error("key {0} is not registered to any actor in .wf/actors.toml")]
    UnknownKey(String),
    /// Other writers kept moving the branch: gave up after this many attempts.
    #[error("the branch kept moving: gave up after {0} attempts")]
    Contended(u32),
    /// The branch moved to the commit, but copying it to the work tree failed.
    #[error("committed {}, but copying it to the work tree failed ({source}); wf-repair finishes it", short(*.commit))]
    Unsynced {
        /// The commit that landed.
        commit: Oid,
        /// Why the copy failed.
        source: Box<StoreError>,
    },
}

impl From<crate::tree::TreeError> for StoreError {
    fn from(e: crate::tree::TreeError) -> StoreError {
        match e {
            crate::tree::TreeError::Refused(why) => StoreError::NotCanonical(why),
            crate::tree::TreeError::Git(e) => StoreError::Git(e),
        }
    }
}

/// The first 12 hex digits of a commit id, as wf shows commits.
pub fn short(oid: Oid) -> String {
    oid.to_string()[..12].to_string()
}
