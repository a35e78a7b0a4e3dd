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
            toml::from_str::<Policy>(t)
                .map_err(|e| format!("{POLICY_FILE}: {}", crate::text::toml_error(t, &e)))?
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
