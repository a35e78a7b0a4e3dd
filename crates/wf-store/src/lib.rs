//! wf-store: where wf remembers. Reads tasks, actors and workflows out of git objects; writes
//! one signed commit per action and moves the branch by compare-and-swap; keeps the work tree
//! in step, through crashes (a sync journal, atomic writes); signs and checks SSH signatures (in process, `ssh-keygen` as fallback).
#![deny(missing_docs)]

mod aging;
mod cachefile;
pub mod commit_graph;
pub mod error;
mod gitindex;
pub mod history;
pub mod index;
pub mod lines;
pub mod listing;
pub mod locks;
pub mod pack;
pub mod publish;
pub mod raw;
pub mod repo;
pub mod sign;
pub mod snapshot;
pub mod sync;
#[cfg(test)]
mod testgit;
pub mod transaction;
pub mod tree;
pub mod verify;

pub use repo::{Change, Person, Store, StoreError};
pub use sign::{KeySource, SigStatus, SignError, Signer};
pub use snapshot::Snapshot;
pub use sync::{Drift, Journal, Recovery, SyncReport};
pub use transaction::{Notice, Plan, TaskView};
