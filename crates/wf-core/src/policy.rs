//! The policy: every file under `.wf/` (actors, workflows, the admin quorum, pending
//! proposals) and the rules for changing it.
//!
//! A policy change is judged under the policy **before** it: only a human admin of the old
//! actors file changes it, and when `.wf/policy.toml` asks for more than one admin, the change
//! goes through a proposal that the required number of distinct admins sign, each in a commit of
//! their own. The tools and the verifier both call [`decide_policy`], so what a tool refuses and
//! what the verifier rejects are the same thing. See `spec/policy.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::actor::{Actor, ActorKind, Actors};
use crate::digest::{revision_digest, sha256_hex};
use crate::rules::{Refusal, Rule};
use crate::time::Timestamp;
use crate::workflow::Workflow;

/// The store marker.
pub const STORE_FILE: &str = ".wf/store.toml";
/// The actors.
pub const ACTORS_FILE: &str = ".wf/actors.toml";
/// Generated from the actors, for `git verify-commit`.
pub const SIGNERS_FILE: &str = ".wf/allowed_signers";
/// The admin quorum; absent means one admin suffices.
pub const POLICY_FILE: &str = ".wf/policy.toml";
/// One `<name>.toml` per workflow.
pub const WORKFLOWS_DIR: &str = ".wf/workflows/";
/// One `<id>.toml` per pending proposal.
pub const PROPOSALS_DIR: &str = ".wf/proposals/";
/// The store format version this build reads and writes.
pub const STORE_VERSION: u32 = 1;
/// The prefix of proposal ids.
pub const PROPOSAL_PREFIX: &str = "P-";

/// Every file under `.wf/` at one commit: path (from the repository root) to bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// `.wf/policy.toml`.
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
    /// Deterministic TOML text.
    pub fn to_toml(&self) -> String {
        format!(
            "# Who must agree before .wf/ changes; see spec/policy.md\n{}",
            toml::to_string(self).expect("policy serialises")
        )
    }
}

/// One proposed file: its full new text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposedFile {
    /// `.wf/actors.toml`, `.wf/policy.toml` or `.wf/workflows/<name>.toml`.
    pub path: String,
    /// The complete new contents.
    pub text: String,
}

/// An admin's signature on a proposal, bound to its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// The admin.
    pub actor: String,
    /// When (the commit time).
    pub at: String,
    /// The proposal's digest.
    pub digest: String,
}

/// `.wf/proposals/<id>.toml`: a pending change to the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// `P-` and hex.
    pub id: String,
    /// The admin who proposed it (its first signature).
    pub by: String,
    /// When.
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// [`base_digest`] of the policy the proposal changes; a proposal applies only to it.
    pub base: String,
    /// [`Proposal::compute_digest`] of the files.
    pub digest: String,
    /// The new files.
    #[serde(rename = "file")]
    pub files: Vec<ProposedFile>,
    /// Other admins' signatures, oldest first.
    #[serde(default, rename = "endorsement", skip_serializing_if = "Vec::is_empty")]
    pub endorsements: Vec<Endorsement>,
}

impl Proposal {
    /// The path of the proposal file.
    pub fn path(id: &str) -> String {
        format!("{PROPOSALS_DIR}{id}.toml")
    }
    /// Parse (unknown fields refused).
    pub fn parse(text: &str) -> Result<Proposal, String> {
        toml::from_str(text).map_err(|e| crate::text::toml_error(text, &e))
    }
    /// Deterministic TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("proposal serialises")
    }
    /// The digest of the proposed files: the `sha256sum`-style manifest digest of
    /// `(path, sha256(text))`, as for revisions.
    pub fn compute_digest(&self) -> String {
        let rows: Vec<(String, String)> = self
            .files
            .iter()
            .map(|f| (f.path.clone(), sha256_hex(f.text.as_bytes())))
            .collect();
        revision_digest(rows.iter().map(|(p, s)| (p.as_str(), s.as_str())))
    }
    /// Everyone who signed it so far: the proposer, then the endorsers.
    pub fn signers(&self) -> Vec<&str> {
        std::iter::once(self.by.as_str())
            .chain(self.endorsements.iter().map(|e| e.actor.as_str()))
            .collect()
    }
}

/// Check a proposal id: `P-` and 6 to 40 lowercase hex digits.
pub fn check_proposal_id(s: &str) -> Result<(), String> {
    match s.strip_prefix(PROPOSAL_PREFIX) {
        Some(h)
            if (6..=40).contains(&h.len())
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(())
        }
        _ => Err(format!("invalid proposal id {s:?}: ids look like P-3f9a2c")),
    }
}

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

/// Whether a path is one of the files a policy change (direct or by proposal) may set.
pub fn is_content_path(path: &str) -> bool {
    path == ACTORS_FILE
        || path == POLICY_FILE
        || path
            .strip_prefix(WORKFLOWS_DIR)
            .and_then(|f| f.strip_suffix(".toml"))
            .is_some_and(|n| crate::id::check_name(n).is_ok())
}

/// The digest of the policy a change applies to: the manifest digest of every content file
/// (actors, policy, workflows).
pub fn base_digest(files: &Files) -> String {
    let rows: Vec<(&str, String)> = files
        .iter()
        .filter(|(p, _)| is_content_path(p))
        .map(|(p, b)| (p.as_str(), sha256_hex(b)))
        .collect();
    revision_digest(rows.iter().map(|(p, s)| (*p, s.as_str())))
}

/// Parse the store marker: the single key `version`, equal to [`STORE_VERSION`].
pub fn check_marker(text: &str) -> Result<(), String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Marker {
        version: u32,
    }
    let m: Marker = toml::from_str(text)
        .map_err(|e| format!("{STORE_FILE}: {}", crate::text::toml_error(text, &e)))?;
    if m.version != STORE_VERSION {
        return Err(format!(
            "store format version {} is not supported (this wf reads {STORE_VERSION})",
            m.version
        ));
    }
    Ok(())
}

/// The contents of a fresh `.wf/store.toml`.
pub fn store_marker() -> String {
    format!("# wf store; see spec/store.md\nversion = {STORE_VERSION}\n")
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
    check_marker(std::str::from_utf8(marker).map_err(|_| format!("{STORE_FILE} is not UTF-8"))?)?;
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

/// A change to `.wf/`, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyAction {
    /// Create the store (the root of trust).
    Init,
    /// `wf-actor add/update`: change one actor directly.
    Actor {
        /// The actor added or changed.
        subject: String,
    },
    /// `wf-policy set`: change policy files directly (one admin suffices).
    Set,
    /// Propose a change for other admins to sign.
    Propose {
        /// The proposal id.
        id: String,
    },
    /// Sign a pending proposal.
    Endorse {
        /// The proposal id.
        id: String,
    },
    /// Sign a pending proposal as the last required admin, and apply it.
    Apply {
        /// The proposal id.
        id: String,
    },
    /// Drop a pending proposal.
    Withdraw {
        /// The proposal id.
        id: String,
    },
}

impl PolicyAction {
    /// The `Wf-Action` trailer value.
    pub fn name(&self) -> &'static str {
        match self {
            PolicyAction::Init => "init",
            PolicyAction::Actor { .. } => "actor",
            PolicyAction::Set => "policy",
            PolicyAction::Propose { .. } => "propose",
            PolicyAction::Endorse { .. } => "endorse",
            PolicyAction::Apply { .. } => "apply",
            PolicyAction::Withdraw { .. } => "withdraw",
        }
    }
    /// The proposal the action is about.
    pub fn proposal(&self) -> Option<&str> {
        match self {
            PolicyAction::Propose { id }
            | PolicyAction::Endorse { id }
            | PolicyAction::Apply { id }
            | PolicyAction::Withdraw { id } => Some(id),
            _ => None,
        }
    }
}

fn refuse<T>(rule: Rule, reason: impl Into<String>, hint: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        reason: reason.into(),
        hint: hint.into(),
    })
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

/// Regenerate `allowed_signers` from the actors file, when that parses.
pub fn regenerate_signers(files: &mut Files) {
    if let Some(Ok(a)) = files
        .get(ACTORS_FILE)
        .map(|b| Actors::parse(&String::from_utf8_lossy(b)))
    {
        files.insert(SIGNERS_FILE.into(), a.allowed_signers().into_bytes());
    }
}

/// `before` with the proposal's files written and `allowed_signers` regenerated.
pub fn apply_files(before: &Files, files: &[ProposedFile]) -> Files {
    let mut out = before.clone();
    for f in files {
        out.insert(f.path.clone(), f.text.clone().into_bytes());
    }
    regenerate_signers(&mut out);
    out
}

/// What a wanted change of `.wf/` becomes under the policy before it: with a quorum of one
/// admin, `direct` itself (`actor` or `policy`) writing `wanted`; else proposal `id` by `actor`
/// carrying the changed files. `allowed_signers` is regenerated in `wanted` first.
#[allow(clippy::too_many_arguments)]
pub fn plan_change(
    before: &Files,
    old: &Loaded,
    mut wanted: Files,
    direct: PolicyAction,
    actor: &Actor,
    id: &str,
    note: &str,
    at: Timestamp,
) -> (PolicyAction, Files) {
    regenerate_signers(&mut wanted);
    if old.policy.admins_required <= 1 {
        return (direct, wanted);
    }
    let mut p = Proposal {
        id: id.to_string(),
        by: actor.id.clone(),
        at: at.rfc3339(),
        note: crate::text::printable(note),
        base: base_digest(before),
        digest: String::new(),
        files: changed_paths(before, &wanted)
            .into_iter()
            .filter(|p| is_content_path(p))
            .map(|p| ProposedFile {
                text: String::from_utf8_lossy(&wanted[&p]).into_owned(),
                path: p,
            })
            .collect(),
        endorsements: vec![],
    };
    p.digest = p.compute_digest();
    let mut after = before.clone();
    after.insert(Proposal::path(id), p.to_toml().into_bytes());
    (PolicyAction::Propose { id: id.to_string() }, after)
}

/// How many distinct human admins (of `old`) have signed proposal `p` once `actor` signs too.
fn signatures_with(old: &Loaded, p: &Proposal, actor: &str) -> usize {
    p.signers()
        .into_iter()
        .chain([actor])
        .filter(|s| {
            old.actors
                .get(s)
                .is_some_and(|a| a.is_admin() && a.kind == ActorKind::Human)
        })
        .collect::<BTreeSet<&str>>()
        .len()
}

/// What `actor` signing proposal `id` is: `apply` when the signature completes the quorum,
/// else `endorse`. `None` when there is no such proposal.
pub fn signing_action(old: &Loaded, id: &str, actor: &Actor) -> Option<PolicyAction> {
    let p = old.proposals.get(id)?;
    let enough = signatures_with(old, p, &actor.id) as u32 >= old.policy.admins_required;
    let id = id.to_string();
    Some(if enough {
        PolicyAction::Apply { id }
    } else {
        PolicyAction::Endorse { id }
    })
}

/// The `.wf/` files after `endorse`, `apply` or `withdraw` of a pending proposal by `actor` at
/// `at`: what the tools write and what [`decide_policy`] requires. `None` for other actions
/// and unknown proposals.
pub fn proposal_files(
    before: &Files,
    old: &Loaded,
    action: &PolicyAction,
    actor: &Actor,
    at: Timestamp,
) -> Option<Files> {
    let id = action.proposal()?;
    let p = old.proposals.get(id)?;
    let path = Proposal::path(id);
    let mut out = match action {
        PolicyAction::Endorse { .. } => {
            let mut q = p.clone();
            q.endorsements.push(Endorsement {
                actor: actor.id.clone(),
                at: at.rfc3339(),
                digest: p.digest.clone(),
            });
            let mut out = before.clone();
            out.insert(path, q.to_toml().into_bytes());
            return Some(out);
        }
        PolicyAction::Apply { .. } => apply_files(before, &p.files),
        PolicyAction::Withdraw { .. } => before.clone(),
        _ => return None,
    };
    out.remove(&path);
    Some(out)
}

/// Decide a change to `.wf/`: `before` is every `.wf/` file at the parent (`None` for `init`),
/// `after` at the commit. Returns the policy after the change.
pub fn decide_policy(
    before: Option<&Files>,
    after: &Files,
    actor: &Actor,
    action: &PolicyAction,
    at: Timestamp,
) -> Result<Loaded, Refusal> {
    let bad = |e: String| Refusal {
        rule: Rule::Input,
        reason: e,
        hint: "every file under .wf/ must be one wf writes, and parse".into(),
    };
    let next = load(after).map_err(bad)?;
    let Some(before) = before else {
        return match action {
            PolicyAction::Init => init(after, &next, actor),
            _ => refuse(
                Rule::Input,
                format!("{} is not how a store begins", action.name()),
                "a store begins with wf-init",
            ),
        };
    };
    let old = load(before).map_err(|e| Refusal {
        rule: Rule::Input,
        reason: format!("the policy before the change is broken: {e}"),
        hint: "an admin restores it from history".into(),
    })?;
    let acting = old.actors.get(&actor.id);
    if !acting.is_some_and(|a| a.is_admin() && a.kind == ActorKind::Human) {
        return refuse(
            Rule::Admin,
            format!("{} is not an admin and may not change .wf/", actor.id),
            "ask an admin (see wf-actor list) to make the change",
        );
    }
    let changed = changed_paths(before, after);
    if changed.is_empty() {
        return refuse(Rule::Input, "the change changes nothing", "nothing to do");
    }
    if changed.contains(STORE_FILE) {
        return refuse(
            Rule::Admin,
            format!("{STORE_FILE} never changes"),
            "the store marker is written once by wf-init",
        );
    }
    let required = old.policy.admins_required;
    let quorum = || {
        refuse(
            Rule::Admin,
            format!(
                "the policy asks {required} admins to sign changes to .wf/; one commit carries one"
            ),
            "propose it instead: wf-policy propose ... (wf-actor does when the policy asks for more)",
        )
    };
    match action {
        PolicyAction::Init => refuse(Rule::Input, "the store already exists", "nothing to do"),
        PolicyAction::Actor { subject } => {
            if required > 1 {
                return quorum();
            }
            if let Some(p) = changed
                .iter()
                .find(|p| *p != ACTORS_FILE && *p != SIGNERS_FILE)
            {
                return refuse(
                    Rule::TaskScope,
                    format!("an actor change changes {p}"),
                    "change one actor per commit, with wf-actor",
                );
            }
            let others = |a: &Actors| -> Vec<Actor> {
                a.actors
                    .iter()
                    .filter(|x| x.id != *subject)
                    .cloned()
                    .collect()
            };
            if others(&old.actors) != others(&next.actors) {
                return refuse(
                    Rule::TaskScope,
                    format!("the change to actors is not only to {subject}"),
                    "change one actor per commit, with wf-actor",
                );
            }
            Ok(next)
        }
        PolicyAction::Set => {
            if required > 1 {
                return quorum();
            }
            if let Some(p) = changed
                .iter()
                .find(|p| !is_content_path(p) && *p != SIGNERS_FILE)
            {
                return refuse(
                    Rule::TaskScope,
                    format!("a policy change changes {p}"),
                    "proposals change through wf-policy propose/endorse/withdraw",
                );
            }
            Ok(next)
        }
        PolicyAction::Propose { id } => {
            let path = Proposal::path(id);
            if changed.len() != 1 || !changed.contains(&path) || before.contains_key(&path) {
                return refuse(
                    Rule::TaskScope,
                    format!("a proposal adds {path} and changes nothing else"),
                    "propose with wf-policy propose",
                );
            }
            let p = &next.proposals[id];
            if p.by != actor.id || p.at != at.rfc3339() || !p.endorsements.is_empty() {
                return refuse(
                    Rule::Input,
                    format!("proposal {id} must be by its signer {}, at the commit time, unsigned by others", actor.id),
                    "propose with wf-policy propose",
                );
            }
            check_proposal(before, p)?;
            Ok(next)
        }
        PolicyAction::Endorse { id } | PolicyAction::Apply { id } => {
            let Some(p) = old.proposals.get(id) else {
                return refuse(
                    Rule::Input,
                    format!("no proposal {id}"),
                    "see wf-policy show",
                );
            };
            if p.signers().contains(&actor.id.as_str()) {
                return refuse(
                    Rule::NoSelfReview,
                    format!("{} already signed proposal {id}", actor.id),
                    "another admin must sign it",
                );
            }
            let signed = signatures_with(&old, p, &actor.id);
            let enough = signed as u32 >= required;
            let want = proposal_files(before, &old, action, actor, at).expect("a proposal action");
            if let PolicyAction::Endorse { .. } = action {
                if enough {
                    return refuse(
                        Rule::Input,
                        format!(
                            "proposal {id} has enough signatures with this one and must be applied"
                        ),
                        format!("wf-policy endorse {id} applies it"),
                    );
                }
                if &want != after {
                    return refuse(
                        Rule::TaskScope,
                        format!("an endorsement of {id} appends one endorsement by its signer and changes nothing else"),
                        format!("wf-policy endorse {id}"),
                    );
                }
                return Ok(next);
            }
            if !enough {
                return refuse(
                    Rule::Admin,
                    format!(
                        "proposal {id} has {signed} of the {required} admin signatures it needs"
                    ),
                    format!("another admin signs it: wf-policy endorse {id}"),
                );
            }
            if p.base != base_digest(before) {
                return refuse(
                    Rule::DigestBinding,
                    format!(
                        "proposal {id} was made against another policy, which has changed since"
                    ),
                    format!("withdraw it (wf-policy withdraw {id}) and propose again"),
                );
            }
            check_proposal(before, p)?;
            if &want != after {
                return refuse(
                    Rule::TaskScope,
                    format!("applying {id} writes exactly its files and removes it"),
                    format!("wf-policy endorse {id}"),
                );
            }
            Ok(next)
        }
        PolicyAction::Withdraw { id } => {
            let Some(want) = proposal_files(before, &old, action, actor, at) else {
                return refuse(
                    Rule::Input,
                    format!("no proposal {id}"),
                    "see wf-policy show",
                );
            };
            if &want != after {
                return refuse(
                    Rule::TaskScope,
                    format!("withdrawing {id} removes it and changes nothing else"),
                    format!("wf-policy withdraw {id}"),
                );
            }
            Ok(next)
        }
    }
}

/// A proposal's files are content files, its digest is theirs, and applied to `before` they
/// give a valid policy that differs from it.
fn check_proposal(before: &Files, p: &Proposal) -> Result<(), Refusal> {
    let input = |m: String| refuse(Rule::Input, m, "propose with wf-policy propose");
    if p.files.is_empty() {
        return input(format!("proposal {} proposes no file", p.id));
    }
    for (i, f) in p.files.iter().enumerate() {
        if !is_content_path(&f.path) {
            return input(format!("proposal {} may not set {}", p.id, f.path));
        }
        if p.files[..i].iter().any(|g| g.path == f.path) {
            return input(format!("proposal {} sets {} twice", p.id, f.path));
        }
    }
    if p.digest != p.compute_digest() {
        return refuse(
            Rule::DigestBinding,
            format!("proposal {} does not carry the digest of its files", p.id),
            "propose with wf-policy propose",
        );
    }
    if p.endorsements.iter().any(|e| e.digest != p.digest) {
        return refuse(
            Rule::DigestBinding,
            format!("an endorsement of {} names another digest", p.id),
            "endorse with wf-policy endorse",
        );
    }
    let applied = apply_files(before, &p.files);
    if changed_paths(before, &applied).is_empty() {
        return input(format!("proposal {} changes nothing", p.id));
    }
    if let Err(e) = load(&applied) {
        return input(format!("proposal {} would break the policy: {e}", p.id));
    }
    Ok(())
}

fn init(after: &Files, next: &Loaded, actor: &Actor) -> Result<Loaded, Refusal> {
    let shape = |m: &str| refuse(Rule::Input, m.to_string(), "a store begins with wf-init");
    let [founder] = next.actors.actors.as_slice() else {
        return shape("the init commit registers exactly one actor, its founder");
    };
    if founder.kind != ActorKind::Human || !founder.is_admin() {
        return shape("the founder is a human admin");
    }
    if founder.id != actor.id {
        return shape("the init commit is signed by its founder");
    }
    if !next.proposals.is_empty() || after.contains_key(POLICY_FILE) {
        return shape(
            "the init commit writes the marker, the actors, the signers and workflows only",
        );
    }
    Ok(next.clone())
}

#[cfg(test)]
mod tests;
