//! The `.wf/` folder as files: where each one lives, the store marker and the quorum file, and
//! comparing two snapshots of the folder. Parsing the whole folder is [`super::load`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::actor::Actors;

/// The store marker, written once by `wf-init`: its presence makes a repository a wf store, and
/// its `version` says which format the store is in.
pub const STORE_FILE: &str = ".wf/store.toml";
/// Who may act in the store: every actor with their kind, roles and signing keys.
pub const ACTORS_FILE: &str = ".wf/actors.toml";
/// The allowed-signers file `git verify-commit` reads (`gpg.ssh.allowedSignersFile`); always
/// generated from [`ACTORS_FILE`], so a copy that differs is refused.
pub const SIGNERS_FILE: &str = ".wf/allowed_signers";
/// The admin quorum ([`Policy`]); absent means one admin suffices.
pub const POLICY_FILE: &str = ".wf/policy.toml";
/// One `<name>.toml` per workflow, the file name being the workflow's name.
pub const WORKFLOWS_DIR: &str = ".wf/workflows/";
/// One `<id>.toml` per pending proposal, the file name being the proposal's id.
pub const PROPOSALS_DIR: &str = ".wf/proposals/";
/// The store format version this build reads and writes.
pub const STORE_VERSION: u32 = 1;

/// Every file under `.wf/` at one commit: path (from the repository root) to bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// `.wf/policy.toml`: how many admins must agree before `.wf/` changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// How many distinct human admins must sign a change to `.wf/` (the proposer counts).
    pub admins_required: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { admins_required: 1 }
    }
}

impl Policy {
    /// Deterministic TOML text, with a comment pointing at the spec.
    pub fn to_toml(&self) -> String {
        format!(
            "# Who must agree before .wf/ changes; see spec/policy.md\n{}",
            toml::to_string(self).expect("policy serialises")
        )
    }
}

/// Whether a path is one of the files a policy change (direct or by proposal) may set.
pub fn is_content_path(path: &str) -> bool {
    path == ACTORS_FILE
        || path == POLICY_FILE
        || path
            .strip_prefix(WORKFLOWS_DIR)
            .and_then(|f| f.strip_suffix(".toml"))
            .is_some_and(|n| crate::id::check_name(n).is_ok())
}

/// Why a store marker is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    /// A store of another format version: a newer wf wrote it.
    #[error("store format version {0} is not supported (this wf reads {STORE_VERSION})")]
    Unsupported(u32),
    /// The marker does not parse, or holds another key.
    #[error("{STORE_FILE}: {0}")]
    Malformed(String),
}

/// Parse the store marker: the single key `version`, equal to [`STORE_VERSION`].
pub fn check_marker(text: &str) -> Result<(), MarkerError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Marker {
        version: u32,
    }
    let m: Marker = crate::text::from_toml(text).map_err(MarkerError::Malformed)?;
    if m.version != STORE_VERSION {
        return Err(MarkerError::Unsupported(m.version));
    }
    Ok(())
}

/// The contents of a fresh `.wf/store.toml`.
pub fn store_marker() -> String {
    format!("# wf store; see spec/store.md\nversion = {STORE_VERSION}\n")
}

/// The paths whose bytes differ between two file maps (added, removed or changed).
pub fn changed_paths(before: &Files, after: &Files) -> BTreeSet<String> {
    before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect()
}

/// One part of a change to `.wf/` ([`change_units`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeUnit {
    /// A file but `actors.toml` and `allowed_signers`: its bytes before and after.
    File(String, Option<Vec<u8>>, Option<Vec<u8>>),
    /// An actor of `actors.toml`: its entry before and after.
    Actor(
        String,
        Box<Option<crate::actor::Actor>>,
        Box<Option<crate::actor::Actor>>,
    ),
}

/// What a change from `was` to `now` did, unit by unit: each changed file as its bytes before
/// and after, and in `actors.toml` each changed actor as its entry before and after
/// (`allowed_signers` follows from the actors). Two changes with the same units made the same
/// change, whatever else their parents held: a rebased copy of an admin's change to one actor,
/// onto a parent where another actor changed, is the same change; a copy onto a parent whose
/// file differs where it changed it is not. `None` when an actors file does not parse.
pub fn change_units(was: &Files, now: &Files) -> Option<Vec<ChangeUnit>> {
    let mut out = Vec::new();
    for path in changed_paths(was, now) {
        if path == SIGNERS_FILE {
            continue;
        }
        if path != ACTORS_FILE {
            out.push(ChangeUnit::File(
                path.clone(),
                was.get(&path).cloned(),
                now.get(&path).cloned(),
            ));
            continue;
        }
        let read = |f: &Files| match f.get(ACTORS_FILE) {
            None => Some(Actors::default()),
            Some(b) => Actors::parse(&String::from_utf8_lossy(b)).ok(),
        };
        let (w, n) = (read(was)?, read(now)?);
        let ids: BTreeSet<&String> = w.actors.iter().chain(&n.actors).map(|a| &a.id).collect();
        for id in ids {
            let (old, new) = (w.get(id), n.get(id));
            if old != new {
                out.push(ChangeUnit::Actor(
                    id.clone(),
                    Box::new(old.cloned()),
                    Box::new(new.cloned()),
                ));
            }
        }
    }
    Some(out)
}

/// A change to `.wf/` made on `was` (giving `now`), carried onto `upstream` for `wf sync`: each
/// file it changed is taken as it made it, provided the upstream still holds the file as `was`
/// did; in `actors.toml`, actor by actor (the actors it changed must be as `was` had them
/// upstream; the upstream's other actors, and their order, are kept). Otherwise the change
/// would undo what the upstream did since (a role another admin removed), and the reason says
/// so. `allowed_signers` is regenerated, never carried.
pub fn carry_change(was: &Files, now: &Files, upstream: &Files) -> Result<Files, String> {
    let mut after = upstream.clone();
    for path in changed_paths(was, now) {
        if path == SIGNERS_FILE {
            continue;
        }
        // The upstream holds the file as the change's parent did, or as the change left it.
        if upstream.get(&path) == was.get(&path) || upstream.get(&path) == now.get(&path) {
            match now.get(&path) {
                Some(b) => after.insert(path, b.clone()),
                None => after.remove(&path),
            };
            continue;
        }
        let undo = || {
            Err(format!(
                "{path} changed upstream since this change was made, which it would undo; make it again on the new state"
            ))
        };
        if path != ACTORS_FILE {
            return undo();
        }
        let read = |f: &Files| -> Option<Actors> {
            Actors::parse(&String::from_utf8_lossy(f.get(ACTORS_FILE)?)).ok()
        };
        let (Some(w), Some(n), Some(mut u)) = (read(was), read(now), read(upstream)) else {
            return undo();
        };
        let ids: BTreeSet<&String> = w.actors.iter().chain(&n.actors).map(|a| &a.id).collect();
        for id in ids {
            let (old, new) = (w.get(id), n.get(id));
            if old == new || u.get(id) == new {
                continue;
            }
            if u.get(id) != old {
                return Err(format!(
                    "actor {id} changed upstream since this change was made, which it would undo; make it again on the new state"
                ));
            }
            match (new, u.actors.iter().position(|a| a.id == *id)) {
                (Some(a), Some(i)) => u.actors[i] = a.clone(),
                (Some(a), None) => u.actors.push(a.clone()),
                (None, Some(i)) => {
                    u.actors.remove(i);
                }
                (None, None) => {}
            }
        }
        after.insert(ACTORS_FILE.into(), u.to_toml().into_bytes());
    }
    regenerate_signers(&mut after);
    Ok(after)
}

/// Regenerate `allowed_signers` from the actors file, when that parses.
pub fn regenerate_signers(files: &mut Files) {
    if let Some(Ok(a)) = files
        .get(ACTORS_FILE)
        .map(|b| Actors::parse(&String::from_utf8_lossy(b)))
    {
        files.insert(SIGNERS_FILE.into(), a.allowed_signers().into_bytes());
    }
}
