//! Property tests of the core (proptest): every file format round-trips and its parser never
//! panics (`props/formats.rs`); no sequence of actions lets an AI or a producer approve
//! (`props/rules.rs`); only human admins change `.wf/`, with their quorum (`props/policy.rs`).
//! The generators are shared, in `common/`; `trailers_git.rs` checks the trailers against git
//! itself.
//!
//! They see the core as its users do, through its public API, plus the test fixtures its unit
//! tests use (`wf_core::fixtures`, built for them with the `fixtures` feature).
//!
//! The case counts keep the whole suite to a few seconds of a debug test run; for a longer hunt
//! set `PROPTEST_CASES` (`PROPTEST_CASES=20000 cargo test -p wf-core --test props`).
//!
//! Failures are reproducible: each file's failing seeds land in
//! `crates/wf-core/proptest-regressions/props/<file>.txt` ([`common::config`]) and are replayed
//! first on every later run, by everyone who has the file: commit it with the fix. The shrunk
//! case also becomes a plain unit test next to the code it broke, which says what it checks
//! without proptest.

mod common;

/// One module per property file, under the names they had as unit tests (`props::rules::...`).
mod props {
    mod formats;
    mod policy;
    mod rules;
}
