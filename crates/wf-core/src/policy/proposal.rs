//! Proposals: a pending change to `.wf/` that more than one admin must sign, and the digests
//! that bind each signature to exactly the files proposed and the policy they change.

use serde::{Deserialize, Serialize};

use super::files::{is_content_path, regenerate_signers, Files, PROPOSALS_DIR};
use crate::digest::{revision_digest, sha256_hex};

/// The prefix of proposal ids.
pub const PROPOSAL_PREFIX: &str = "P-";

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
    /// The endorsing admin's actor id.
    pub actor: String,
    /// The endorsing commit's time, RFC 3339.
    pub at: String,
    /// The [`Proposal::digest`] the admin signed; an endorsement naming another is refused.
    pub digest: String,
}

/// `.wf/proposals/<id>.toml`: a pending change to the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    /// `P-` and 6 to 40 lowercase hex digits ([`check_proposal_id`]); also the file name.
    pub id: String,
    /// The admin who proposed it (its first signature).
    pub by: String,
    /// The proposing commit's time, RFC 3339.
    pub at: String,
    /// The proposer's reason, as printable text; may be empty.
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
        crate::text::from_toml(text)
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

/// `before` with the proposal's files written and `allowed_signers` regenerated.
pub fn apply_files(before: &Files, files: &[ProposedFile]) -> Files {
    let mut out = before.clone();
    for f in files {
        out.insert(f.path.clone(), f.text.clone().into_bytes());
    }
    regenerate_signers(&mut out);
    out
}
