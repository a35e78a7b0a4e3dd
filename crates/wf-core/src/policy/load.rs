//! Reading the whole `.wf/` folder at one commit into a checked [`Loaded`] policy.

use std::collections::BTreeMap;

use super::files::{
    check_marker, Files, Policy, ACTORS_FILE, POLICY_FILE, PROPOSALS_DIR, SIGNERS_FILE, STORE_FILE,
    WORKFLOWS_DIR,
};
use super::proposal::{check_proposal_id, Proposal};
use crate::actor::{ActorKind, Actors};
use crate::workflow::Workflow;

/// The policy at one commit, parsed and checked.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// `.wf/actors.toml`.
    pub actors: Actors,
    /// `.wf/workflows/*.toml` by name.
    pub workflows: BTreeMap<String, Workflow>,
    /// `.wf/policy.toml` (default when absent).
    pub policy: Policy,
    /// Pending proposals by id.
    pub proposals: BTreeMap<String, Proposal>,
}

fn text<'a>(files: &'a Files, path: &str) -> Result<&'a str, String> {
    std::str::from_utf8(&files[path]).map_err(|_| format!("{path} is not valid UTF-8"))
}

/// Refuse a file that parses but is not the text wf writes for what it holds
/// (`written`): a comment, keys in another order, an escape (`"\u0061dmin"`), other line
/// ends. What an admin reads and endorses must be what is enforced, in the one form the tools
/// write (spec/policy.md).
fn canonical(path: &str, text: &str, written: String) -> Result<(), String> {
    if text == written {
        return Ok(());
    }
    let line = text
        .lines()
        .zip(written.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| text.lines().count().min(written.lines().count()))
        + 1;
    Err(format!(
        "{path} is not in the form wf writes (it differs from it at line {line})"
    ))
}

/// Check that `text`, the contents of the policy file at `path` (the actors, the policy or a
/// workflow), parses and is in the form wf writes.
pub fn check_content(path: &str, text: &str) -> Result<(), String> {
    if path == ACTORS_FILE {
        let a = Actors::parse(text).map_err(|e| format!("{path}: {e}"))?;
        canonical(path, text, a.to_toml())
    } else if path == POLICY_FILE {
        let p = crate::text::from_toml::<Policy>(text).map_err(|e| format!("{path}: {e}"))?;
        canonical(path, text, p.to_toml())
    } else if path.starts_with(WORKFLOWS_DIR) {
        let w = Workflow::parse(text).map_err(|e| format!("{path}: {e}"))?;
        canonical(path, text, w.to_toml())
    } else {
        Err(format!("{path} is not a file a policy change may set"))
    }
}

/// Parse and check every file under `.wf/`. Any file wf does not know, any file that does not
/// parse, and an `allowed_signers` that is not generated from the actors are refused.
pub fn load(files: &Files) -> Result<Loaded, String> {
    let marker = files
        .get(STORE_FILE)
        .ok_or_else(|| format!("{STORE_FILE} is missing"))?;
    check_marker(std::str::from_utf8(marker).map_err(|_| format!("{STORE_FILE} is not UTF-8"))?)
        .map_err(|e| e.to_string())?;
    if !files.contains_key(ACTORS_FILE) {
        return Err(format!("{ACTORS_FILE} is missing"));
    }
    let actors =
        Actors::parse(text(files, ACTORS_FILE)?).map_err(|e| format!("{ACTORS_FILE}: {e}"))?;
    canonical(ACTORS_FILE, text(files, ACTORS_FILE)?, actors.to_toml())?;
    match files.get(SIGNERS_FILE) {
        Some(b) if *b == actors.allowed_signers().as_bytes() => {}
        Some(_) => {
            return Err(format!(
                "{SIGNERS_FILE} is not generated from {ACTORS_FILE}"
            ))
        }
        None => return Err(format!("{SIGNERS_FILE} is missing")),
    }
    let policy = match files.get(POLICY_FILE) {
        None => Policy::default(),
        Some(_) => {
            let t = text(files, POLICY_FILE)?;
            let p =
                crate::text::from_toml::<Policy>(t).map_err(|e| format!("{POLICY_FILE}: {e}"))?;
            canonical(POLICY_FILE, t, p.to_toml())?;
            p
        }
    };
    let human_admins = actors
        .actors
        .iter()
        .filter(|a| a.is_admin() && a.kind == ActorKind::Human)
        .count() as u32;
    if human_admins == 0 {
        return Err("no human admin is left".into());
    }
    if policy.admins_required == 0 || policy.admins_required > human_admins {
        return Err(format!(
            "{POLICY_FILE}: admins_required = {} but there are {human_admins} human admins",
            policy.admins_required
        ));
    }
    let mut workflows = BTreeMap::new();
    let mut proposals = BTreeMap::new();
    for path in files.keys() {
        if [STORE_FILE, ACTORS_FILE, SIGNERS_FILE, POLICY_FILE].contains(&path.as_str()) {
            continue;
        }
        if let Some(name) = path
            .strip_prefix(WORKFLOWS_DIR)
            .and_then(|f| f.strip_suffix(".toml"))
        {
            crate::id::check_name(name).map_err(|e| format!("{path}: {e}"))?;
            let w = Workflow::parse(text(files, path)?).map_err(|e| format!("{path}: {e}"))?;
            canonical(path, text(files, path)?, w.to_toml())?;
            if w.name != name {
                return Err(format!("{path} names itself {:?}", w.name));
            }
            workflows.insert(name.to_string(), w);
        } else if let Some(id) = path
            .strip_prefix(PROPOSALS_DIR)
            .and_then(|f| f.strip_suffix(".toml"))
        {
            check_proposal_id(id).map_err(|e| format!("{path}: {e}"))?;
            let p = Proposal::parse(text(files, path)?).map_err(|e| format!("{path}: {e}"))?;
            canonical(path, text(files, path)?, p.to_toml())?;
            for f in &p.files {
                check_content(&f.path, &f.text).map_err(|e| format!("{path}, the proposed {e}"))?;
            }
            if p.id != id {
                return Err(format!("{path} says its id is {}", p.id));
            }
            proposals.insert(id.to_string(), p);
        } else {
            return Err(format!("unexpected file {path}"));
        }
    }
    Ok(Loaded {
        actors,
        workflows,
        policy,
        proposals,
    })
}
