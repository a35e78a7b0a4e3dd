//! Evidence others can check: the in-toto statements `wf-attest` signs for an approved task
//! (`spec/attest.md`), built from facts the store read after the verifier found the history
//! clean, and DSSE's pre-authentication encoding that the signature covers.
//!
//! Three kinds of statement, each about the files of one revision (name and sha256):
//!
//! - a verification summary (SLSA VSA v1) of the approved revision: `wf-verify` judged the
//!   history the approval rests on and found every rule held;
//! - a provenance statement (SLSA provenance v1) for each revision an AI actor produced: the
//!   agent and its operator, the model, the command, the prompt's digest (and whether wf
//!   rendered that prompt, which the verifier proves, or the submitter only claims it), the
//!   inputs, start and end;
//! - a review statement (the in-toto human-review predicate, v0.1, experimental) for each
//!   review verdict and decision: who, which verdict, the digest reviewed, the commit.
//!
//! Pure: the serialisation to JSON and the signing happen in the tools.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::actor::{Actor, ActorKind};
use crate::task::{Outcome, Revision, Task, Verdict};
use crate::time::Timestamp;

/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// SLSA's verification summary, v1.
pub const SUMMARY_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// SLSA's provenance, v1.
pub const PROVENANCE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// The in-toto human-review predicate as proposed (v0.1, experimental).
pub const REVIEW_TYPE: &str = "https://in-toto.io/attestation/human-review/v0.1";
/// The build type of an AI actor's revision recorded by wf (`wf-run` or `wf-submit`).
pub const BUILD_TYPE: &str = "urn:wf:ai-revision:v1";
/// What `verifiedLevels` says of a passed verification: wf's rules held (no SLSA level is
/// claimed; SLSA lets a verifier name its own).
pub const VERIFIED_LEVEL: &str = "WF_RULES_VERIFIED";

/// DSSE's pre-authentication encoding, the bytes a DSSE signature covers:
/// `DSSEv1 <len(type)> <type> <len(payload)> <payload>`, lengths in decimal ASCII bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The URI of a git commit wherever the repository lives: `gitoid:commit:sha1:<hex>`.
pub fn commit_uri(commit: &str) -> String {
    format!("gitoid:commit:sha1:{commit}")
}

/// The commit a [`commit_uri`] names.
pub fn commit_of_uri(uri: &str) -> Option<&str> {
    uri.strip_prefix("gitoid:commit:sha1:")
        .filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The URI of an actor of the store.
pub fn actor_uri(id: &str) -> String {
    format!("urn:wf:actor:{id}")
}

/// Who recorded one record of a task, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Made {
    /// The commit that records it (hex).
    pub commit: String,
    /// The actor, as `.wf/actors.toml` of the commit's parent had them.
    pub actor: Actor,
    /// Their operator, when the actor is an AI with one, from the same file.
    pub operator: Option<Actor>,
    /// The SHA256 fingerprint of the key that signed the commit.
    pub key: String,
    /// The task's step before the action (`Wf-Step`).
    pub step: String,
}

/// The workflow file an approval was decided under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFile {
    /// Its path, `.wf/workflows/<name>.toml`.
    pub path: String,
    /// sha256 of its bytes, hex.
    pub sha256: String,
    /// Its git blob id, hex.
    pub git_blob: String,
}

/// What the store read of one approved task, after the verifier found the history clean.
#[derive(Clone, Debug)]
pub struct History<'a> {
    /// The task at the branch tip.
    pub task: &'a Task,
    /// Who recorded each revision, by number.
    pub revisions: BTreeMap<u32, Made>,
    /// Who recorded each review, in the task's order.
    pub reviews: Vec<Made>,
    /// Who recorded each decision, in the task's order.
    pub decisions: Vec<Made>,
    /// The workflow file the approval was decided under.
    pub policy: PolicyFile,
    /// The verifier's version (`wf-verify --version`).
    pub verifier_version: String,
    /// When the verification ran.
    pub time_verified: Timestamp,
}

/// One in-toto statement (v1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: &'static str,
    /// The files the statement is about.
    pub subject: Vec<Subject>,
    /// What the predicate is.
    #[serde(rename = "predicateType")]
    pub predicate_type: &'static str,
    /// The claim.
    pub predicate: Predicate,
}

/// One file of a revision: its name and digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The file name.
    pub name: String,
    /// `sha256` of its bytes.
    pub digest: BTreeMap<String, String>,
}

/// A name and a digest set, in in-toto's resource-descriptor form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// A name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Digests by algorithm.
    pub digest: BTreeMap<String, String>,
}

/// The claim of a statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Predicate {
    /// [`SUMMARY_TYPE`].
    Summary(Summary),
    /// [`PROVENANCE_TYPE`].
    Provenance(Box<Provenance>),
    /// [`REVIEW_TYPE`].
    Review(Review),
}

/// SLSA's verification summary (v1), fields as the spec names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// `{"id": "urn:wf:wf-verify:<version>"}`.
    pub verifier: BTreeMap<String, String>,
    /// When the verification ran, RFC 3339.
    pub time_verified: String,
    /// The approval's commit.
    pub resource_uri: String,
    /// The workflow file the approval was decided under.
    pub policy: Resource,
    /// `PASSED`: a summary is only made of a history the verifier found clean.
    pub verification_result: String,
    /// `[VERIFIED_LEVEL]`.
    pub verified_levels: Vec<String>,
    /// `1.0`.
    pub slsa_version: String,
}

/// SLSA's provenance (v1).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// What was asked, of whom.
    pub build_definition: BuildDefinition,
    /// Who did it, when.
    pub run_details: RunDetails,
}

/// What an AI revision was made from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    /// [`BUILD_TYPE`].
    pub build_type: &'static str,
    /// The task, the step, the model, the command, the prompt, the inputs.
    pub external_parameters: BTreeMap<String, Json>,
    /// Which tool recorded it, the agent and its operator.
    pub internal_parameters: BTreeMap<String, Json>,
    /// The inputs and the previous revision's files the prompt was rendered from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<Resource>,
}

/// Who produced an AI revision, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunDetails {
    /// `{"id": <the agent's URI>}`.
    pub builder: BTreeMap<String, String>,
    /// The commit that records it; start and end of the run.
    pub metadata: BTreeMap<String, String>,
}

/// The in-toto human-review predicate (v0.1) with wf's fields beside its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// `pass` (accept, approve) or `fail` (request-changes, reject); absent for a comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The commit that records the verdict.
    pub review_link: String,
    /// When the verdict was given.
    pub timestamp: String,
    /// Who gave it.
    pub reviewer: BTreeMap<String, String>,
    /// `accept`, `request-changes`, `comment`, `approve` or `reject`.
    pub verdict: String,
    /// The task.
    pub task: String,
    /// The step the verdict was given in.
    pub step: String,
    /// The revision reviewed.
    pub revision: u32,
    /// Its digest (`sha256:` of its manifest, `spec/store.md`): what the verdict is bound to.
    pub revision_digest: String,
    /// The commit that records the verdict (hex).
    pub commit: String,
    /// The reviewer's note, when there is one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A JSON value, as the parameters of a provenance statement hold them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Json {
    /// A string.
    Text(String),
    /// A number.
    Number(u64),
    /// A list.
    List(Vec<Json>),
    /// An object.
    Object(BTreeMap<String, Json>),
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::Text(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Text(s)
    }
}

fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
    Json::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn sha256(hex: &str) -> BTreeMap<String, String> {
    [("sha256".to_string(), hex.to_string())].into()
}

/// The files of a revision as subjects.
fn subjects(r: &Revision) -> Vec<Subject> {
    r.artifacts
        .iter()
        .map(|a| Subject {
            name: a.name.clone(),
            digest: sha256(&a.sha256),
        })
        .collect()
}

fn statement(predicate_type: &'static str, subject: Vec<Subject>, p: Predicate) -> Statement {
    Statement {
        statement_type: STATEMENT_TYPE,
        subject,
        predicate_type,
        predicate: p,
    }
}

/// Why an approval cannot be attested under the one policy an attestation names (`policy`, the
/// sha256 of the workflow file at the approval's parent): an action from the commit that
/// produced the approved revision (`produced`) to the approval (`approved`) was decided under
/// another version of the workflow. `decided` lists each action commit of the task, oldest
/// first, with the sha256 of the workflow file at its parent. The commit decided otherwise.
pub fn decided_elsewhere<'a>(
    decided: &'a [(String, Option<String>)],
    produced: &str,
    approved: &str,
    policy: &str,
) -> Option<&'a str> {
    let at = |c: &str| decided.iter().position(|(x, _)| x == c);
    let (i, j) = (at(produced)?, at(approved)?);
    decided
        .get(i..=j)?
        .iter()
        .find(|(_, p)| p.as_deref() != Some(policy))
        .map(|(c, _)| c.as_str())
}

/// Why a task gets no attestation.
pub fn not_attestable(task: &Task) -> Option<String> {
    if task.approval().is_some() {
        return None;
    }
    let approved = task
        .decisions
        .iter()
        .rev()
        .find(|d| d.outcome == Outcome::Approve);
    Some(match (approved, task.reopens.last()) {
        (Some(d), Some(r)) if r.at >= d.at => format!(
            "{} is not approved: {} reopened it at {}, which voids the approval of revision {}",
            task.id, r.actor, r.at, d.revision
        ),
        _ => format!(
            "{} is not approved (it is open, at step {})",
            task.id, task.step
        ),
    })
}

fn person(m: &Made) -> BTreeMap<String, String> {
    [
        ("id", m.actor.id.clone()),
        ("uri", actor_uri(&m.actor.id)),
        ("name", m.actor.name.clone()),
        ("email", m.actor.email.clone()),
        ("kind", m.actor.kind.as_str().to_string()),
        ("key", m.key.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn person_json(m: &Actor, key: Option<&str>) -> Json {
    let mut o: BTreeMap<String, Json> = [
        ("id", Json::from(m.id.as_str())),
        ("uri", Json::from(actor_uri(&m.id))),
        ("name", Json::from(m.name.as_str())),
        ("email", Json::from(m.email.as_str())),
        ("kind", Json::from(m.kind.as_str())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(k) = key {
        o.insert("key".into(), Json::from(k));
    }
    Json::Object(o)
}

/// Every statement of an approved task: the verification summary of the approved revision,
/// a provenance statement per AI revision (by number), then a review statement per verdict
/// and decision (reviews in the task's order, then decisions; an approval voided by a reopen
/// is left out). `Err` says why the task gets none ([`not_attestable`]), or which record the
/// history does not account for.
pub fn statements(h: &History) -> Result<Vec<Statement>, String> {
    let t = h.task;
    if let Some(why) = not_attestable(t) {
        return Err(why);
    }
    let approval = t.approval().expect("checked");
    let revision = |n: u32| {
        t.revisions
            .iter()
            .find(|r| r.number == n)
            .ok_or_else(|| format!("{} records no revision {n}", t.id))
    };
    let last = t.decisions.len() - 1;
    let approved_by = h
        .decisions
        .get(last)
        .ok_or_else(|| format!("no commit records the approval of {}", t.id))?;
    let mut out = vec![statement(
        SUMMARY_TYPE,
        subjects(revision(approval.revision)?),
        Predicate::Summary(Summary {
            verifier: [(
                "id".to_string(),
                format!("urn:wf:wf-verify:{}", h.verifier_version),
            )]
            .into(),
            time_verified: h.time_verified.rfc3339(),
            resource_uri: commit_uri(&approved_by.commit),
            policy: Resource {
                name: None,
                uri: Some(format!("gitoid:blob:sha1:{}", h.policy.git_blob)),
                digest: [
                    ("sha256".to_string(), h.policy.sha256.clone()),
                    ("gitBlob".to_string(), h.policy.git_blob.clone()),
                ]
                .into(),
            },
            verification_result: "PASSED".into(),
            verified_levels: vec![VERIFIED_LEVEL.into()],
            slsa_version: "1.0".into(),
        }),
    )];
    for r in t.revisions.iter().filter(|r| r.producer == ActorKind::Ai) {
        let made = h
            .revisions
            .get(&r.number)
            .ok_or_else(|| format!("no commit records revision {} of {}", r.number, t.id))?;
        let prev = t.revisions.iter().rev().find(|p| p.number < r.number);
        out.push(statement(
            PROVENANCE_TYPE,
            subjects(r),
            Predicate::Provenance(Box::new(provenance(t, r, prev, made))),
        ));
    }
    for (i, v) in t.reviews.iter().enumerate() {
        let made = h
            .reviews
            .get(i)
            .ok_or_else(|| format!("no commit records review {} of {}", i + 1, t.id))?;
        let result = match v.verdict {
            Verdict::Accept => Some("pass"),
            Verdict::RequestChanges => Some("fail"),
            Verdict::Comment => None,
        };
        out.push(statement(
            REVIEW_TYPE,
            subjects(revision(v.revision)?),
            Predicate::Review(Review {
                result: result.map(str::to_string),
                review_link: commit_uri(&made.commit),
                timestamp: v.at.clone(),
                reviewer: person(made),
                verdict: v.verdict.as_str().into(),
                task: t.id.clone(),
                step: v.step.clone(),
                revision: v.revision,
                revision_digest: v.digest.clone(),
                commit: made.commit.clone(),
                note: v.note.clone(),
            }),
        ));
    }
    for (i, d) in t.decisions.iter().enumerate() {
        if d.outcome == Outcome::Approve && i != last {
            continue;
        }
        let made = h
            .decisions
            .get(i)
            .ok_or_else(|| format!("no commit records decision {} of {}", i + 1, t.id))?;
        let (result, verdict) = match d.outcome {
            Outcome::Approve => ("pass", "approve"),
            Outcome::Reject => ("fail", "reject"),
        };
        out.push(statement(
            REVIEW_TYPE,
            subjects(revision(d.revision)?),
            Predicate::Review(Review {
                result: Some(result.into()),
                review_link: commit_uri(&made.commit),
                timestamp: d.at.clone(),
                reviewer: person(made),
                verdict: verdict.into(),
                task: t.id.clone(),
                step: made.step.clone(),
                revision: d.revision,
                revision_digest: d.digest.clone(),
                commit: made.commit.clone(),
                note: d.note.clone(),
            }),
        ));
    }
    Ok(out)
}

fn provenance(t: &Task, r: &Revision, prev: Option<&Revision>, made: &Made) -> Provenance {
    let mut ext: BTreeMap<String, Json> = BTreeMap::new();
    ext.insert("task".into(), t.id.as_str().into());
    ext.insert("title".into(), t.title.as_str().into());
    ext.insert("workflow".into(), t.workflow.as_str().into());
    ext.insert("step".into(), r.step.as_str().into());
    ext.insert("revision".into(), Json::Number(r.number.into()));
    ext.insert("revisionDigest".into(), r.digest.as_str().into());
    if let Some(m) = &r.model {
        ext.insert("model".into(), m.as_str().into());
    }
    if !r.note.is_empty() {
        ext.insert("note".into(), r.note.as_str().into());
    }
    let mut deps = Vec::new();
    let mut meta: BTreeMap<String, String> =
        [("invocationId".to_string(), made.commit.clone())].into();
    if let Some(p) = &r.prompt_sha256 {
        // A run's prompt is rendered again by the verifier, whose clean verdict a statement
        // needs; a prompt given by hand is the submitter's word.
        let kind = if r.run.is_some() {
            "rendered"
        } else {
            "claimed"
        };
        ext.insert(
            "prompt".into(),
            object([("sha256", p.as_str().into()), ("kind", kind.into())]),
        );
    }
    if let Some(run) = &r.run {
        ext.insert(
            "command".into(),
            Json::List(run.command.iter().map(|w| w.as_str().into()).collect()),
        );
        ext.insert(
            "inputs".into(),
            Json::List(
                run.inputs
                    .iter()
                    .map(|i| {
                        object([
                            ("name", i.name.as_str().into()),
                            ("sha256", i.sha256.as_str().into()),
                        ])
                    })
                    .collect(),
            ),
        );
        if let Some(d) = &run.revision_digest {
            ext.insert("previousRevisionDigest".into(), d.as_str().into());
        }
        for i in &run.inputs {
            deps.push(Resource {
                name: Some(format!("input/{}", i.name)),
                uri: None,
                digest: sha256(&i.sha256),
            });
        }
        if let Some(p) = prev.filter(|p| Some(&p.digest) == run.revision_digest.as_ref()) {
            for a in &p.artifacts {
                deps.push(Resource {
                    name: Some(format!("revision/{}/{}", p.number, a.name)),
                    uri: None,
                    digest: sha256(&a.sha256),
                });
            }
        }
        meta.insert("startedOn".into(), run.started_at.clone());
        meta.insert("finishedOn".into(), run.ended_at.clone());
    }
    let mut int: BTreeMap<String, Json> = BTreeMap::new();
    int.insert(
        "recordedBy".into(),
        if r.run.is_some() {
            "wf-run"
        } else {
            "wf-submit"
        }
        .into(),
    );
    int.insert("agent".into(), person_json(&made.actor, Some(&made.key)));
    if let Some(op) = &made.operator {
        int.insert("operator".into(), person_json(op, None));
    }
    Provenance {
        build_definition: BuildDefinition {
            build_type: BUILD_TYPE,
            external_parameters: ext,
            internal_parameters: int,
            resolved_dependencies: deps,
        },
        run_details: RunDetails {
            builder: [("id".to_string(), actor_uri(&made.actor.id))].into(),
            metadata: meta,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_is_attested_only_if_decided_under_one_workflow_from_its_revision_on() {
        let d = |c: &str, p: &str| (c.to_string(), Some(p.to_string()));
        let history = [
            d("new", "old"),
            d("submit", "v1"),
            d("review", "v2"),
            d("approve", "v2"),
        ];
        // The workflow changed between the submit and the approval: the review says where.
        assert_eq!(
            decided_elsewhere(&history, "submit", "approve", "v2"),
            Some("submit")
        );
        // Changed before the revision: the approval went through one version.
        assert_eq!(decided_elsewhere(&history, "review", "approve", "v2"), None);
        let missing = [("submit".to_string(), None), d("approve", "v2")];
        assert_eq!(
            decided_elsewhere(&missing, "submit", "approve", "v2"),
            Some("submit")
        );
    }

    #[test]
    fn pae_is_dsse_v1s_encoding() {
        // The example of the DSSE specification (protocol.md): "DSSEv1 29 http://example.com/HelloWorld 11 hello world".
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
        // Lengths count bytes, not characters.
        assert_eq!(
            pae("t", "é".as_bytes()),
            "DSSEv1 1 t 2 é".as_bytes().to_vec()
        );
    }

    #[test]
    fn commit_uris_round_trip_and_refuse_what_is_no_commit_id() {
        let c = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(commit_of_uri(&commit_uri(c)), Some(c));
        assert_eq!(commit_of_uri("gitoid:commit:sha1:0123"), None);
        assert_eq!(
            commit_of_uri("gitoid:blob:sha1:0123456789abcdef0123456789abcdef01234567"),
            None
        );
    }
}
