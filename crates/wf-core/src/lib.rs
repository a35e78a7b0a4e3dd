//! wf-core: the domain of wf, pure.
//!
//! Values in, values out: no git, no filesystem, no clock, no randomness. The store loads values,
//! this crate decides, the store writes. The write tools and the verifier call the same
//! [`rules::decide`] function, so what a tool refuses and what the verifier rejects cannot drift.
#![deny(missing_docs)]

pub mod actor;
pub mod attest;
pub mod checkout;
pub mod concurrent;
pub mod digest;
pub mod due;
#[cfg(any(test, feature = "fixtures"))]
#[doc(hidden)]
pub mod fixtures;
pub mod graph;
pub mod id;
pub mod policy;
pub mod prompt;
pub mod rules;
pub mod stats;
pub mod task;
pub mod template;
pub mod text;
pub mod time;
pub mod trailer;
pub mod tree;
pub mod verify;
pub mod workflow;

pub use actor::{Actor, ActorKind, Actors};
pub use rules::{decide, task_text, Action, Refusal, Rule};
pub use task::Task;
pub use time::Timestamp;
pub use workflow::{Step, StepKind, Workflow};
