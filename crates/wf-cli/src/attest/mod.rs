//! `wf-attest`: in-toto attestations of approved tasks, as DSSE envelopes signed with an SSH
//! ed25519 key, one per line (`.intoto.jsonl`), and the check of such a file: its signatures,
//! and, given the store, every claim against the history (`spec/attest.md`).
//!
//! [`history`] reads what a task's history holds after the verifier found it clean; the core
//! builds the statements ([`wf_core::attest`]); [`envelope`] signs and reads them.

mod envelope;
mod history;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;
use git2::Oid;
use serde_json::Value;
use wf_core::attest::{self as core, History};
use wf_store::Store;

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::print;

/// Sign in-toto attestations of approved tasks: verification, AI provenance, reviews.
///
/// For each approved task, wf-attest runs the verifier over the history of HEAD (a
/// task reopened since its approval, or a history with a problem, gets nothing), then writes
/// DSSE envelopes (payloadType application/vnd.in-toto+json), one JSON object per line: a SLSA
/// verification summary of the approved revision's files; a SLSA provenance statement for each
/// revision an AI actor produced (agent, operator, model, command, prompt digest, inputs, start
/// and end; whether wf rendered the prompt, which the verifier proves, or the submitter only
/// claims it); an in-toto human-review statement for each review verdict and decision. They
/// are signed with an unencrypted ed25519 private key file (the CI's or the server's); each
/// signature's keyid is the key's SSH fingerprint. With --verify, checks such a file instead:
/// every signature by --pubkey, every statement's form, and with --store every claim against
/// the history. See spec/attest.md.
#[derive(Parser, Debug)]
#[command(
    name = "wf-attest",
    version,
    after_help = "Examples:\n  wf-attest T-3f9a --key ci_ed25519 -o T-3f9a.intoto.jsonl\n  wf-ls --state closed -z | wf-attest - --key ci_ed25519 > approved.intoto.jsonl\n  wf-attest --verify T-3f9a.intoto.jsonl --pubkey ci_ed25519.pub --store ."
)]
pub struct Args {
    /// Approved tasks (ids or unique prefixes); - reads ids from stdin.
    #[arg(
        value_name = "ID",
        required_unless_present = "verify",
        conflicts_with = "verify"
    )]
    pub ids: Vec<String>,
    /// Write the envelopes to FILE instead of stdout (written only when every task was
    /// attested).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Check the envelopes in FILE (- for stdin) instead of making any.
    #[arg(long, value_name = "FILE", requires = "pubkey")]
    pub verify: Option<PathBuf>,
    /// With --verify: the OpenSSH public key (a .pub file) that must have signed each envelope.
    #[arg(long, value_name = "KEY", requires = "verify")]
    pub pubkey: Option<PathBuf>,
    /// With --verify: check every claim against the wf store in DIR, at its HEAD.
    #[arg(long, value_name = "DIR", requires = "verify")]
    pub store: Option<PathBuf>,
    /// The key that signs: an unencrypted ed25519 private key file (the CI's or the
    /// server's; it need not be an actor's). Defaults to $WF_SIGNING_KEY, then git's
    /// user.signingkey.
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-attest`.
pub fn run(args: Args) -> Result<(), CliError> {
    match (&args.verify, &args.pubkey) {
        (Some(file), Some(key)) => verify(file, key, args.store.as_deref()),
        _ => attest(&args),
    }
}

/// The ids named, `-` read from stdin.
fn task_ids(args: &Args) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for a in &args.ids {
        if a == "-" {
            use std::io::Read;
            let mut input = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut input)
                .map_err(|e| CliError::failure(format!("reading ids from stdin: {e}")))?;
            out.extend(crate::ids::split(&input));
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// Every statement of an approved task at `tip`, whose history was verified, as JSON values.
fn statements(
    store: &Store,
    tip: Oid,
    typed: &str,
    time: wf_core::Timestamp,
) -> Result<(String, Vec<Value>), CliError> {
    let f = history::facts(store, tip, typed)?;
    let h = History {
        task: &f.task,
        revisions: f.revisions.clone(),
        reviews: f.reviews.clone(),
        decisions: f.decisions.clone(),
        policy: f.policy.clone(),
        verifier_version: env!("CARGO_PKG_VERSION").to_string(),
        time_verified: time,
    };
    let list = core::statements(&h)
        .map_err(|why| CliError::store(why, "wf-verify names what is wrong with the history"))?;
    let values = list
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((f.task.id.clone(), values))
}

fn attest(args: &Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let keys = KeyArgs {
        key: args.key.clone(),
    };
    let signer = context::signer(&keys, Some(&store))?;
    // A key that cannot sign a DSSE envelope is found out before the history is verified.
    signer.sign_raw(&core::pae(core::PAYLOAD_TYPE, b""))?;
    let tip = store
        .head_commit()?
        .ok_or(wf_store::StoreError::NotAStore)?;
    let ids = task_ids(args)?;
    if ids.is_empty() {
        return Err(CliError::usage(
            "no task ids",
            "name approved tasks: wf-attest T-3f9a, or wf-ls ... -z | wf-attest -",
        ));
    }
    let time = context::now()?;
    let commits = history::verify(&store, tip)?;
    // What is attested is the objects themselves; git may show others in their place.
    for line in crate::verification::replaced_objects(store.git()) {
        eprintln!("wf-attest: warning: {line}");
    }
    let mut lines = String::new();
    let mut report = String::new();
    for typed in &ids {
        let (id, values) = statements(&store, tip, typed, time)?;
        for v in &values {
            lines.push_str(&envelope::sign(&serde_json::to_vec(v)?, signer.as_ref())?);
            lines.push('\n');
        }
        report.push_str(&format!(
            "{id}: {} statements ({}), signed by {}\n",
            values.len(),
            counts(&values),
            wf_store::sign::fingerprint(signer.public_key()).unwrap_or_default()
        ));
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &lines).map_err(|e| {
                CliError::failure(format!("cannot write {}: {e}", path.display())).with_source(e)
            })?;
            print(&format!(
                "{report}{} commits verified; wrote {}\n",
                commits,
                path.display()
            ))
        }
        None => print(&lines),
    }
}

/// `1 verification summary, 2 provenance, 3 reviews`.
fn counts(values: &[Value]) -> String {
    let n = |t: &str| values.iter().filter(|v| v["predicateType"] == t).count();
    format!(
        "1 verification summary, {} provenance, {} review{}",
        n(core::PROVENANCE_TYPE),
        n(core::REVIEW_TYPE),
        if n(core::REVIEW_TYPE) == 1 { "" } else { "s" }
    )
}

/// The store a `--verify` checks claims against, with the statements it holds per task.
struct Against {
    store: Store,
    tip: Oid,
    verified: bool,
    tasks: BTreeMap<String, Result<Vec<Value>, String>>,
}

impl Against {
    /// The statements of task `id` as the history gives them (`Err`: why it gives none).
    fn statements(&mut self, id: &str, time: wf_core::Timestamp) -> Result<&[Value], String> {
        if !self.verified {
            history::verify(&self.store, self.tip).map_err(|e| e.to_string())?;
            self.verified = true;
        }
        if !self.tasks.contains_key(id) {
            let got = statements(&self.store, self.tip, id, time)
                .map(|(_, v)| v)
                .map_err(|e| e.to_string());
            self.tasks.insert(id.to_string(), got);
        }
        match &self.tasks[id] {
            Ok(v) => Ok(v),
            Err(e) => Err(e.clone()),
        }
    }
}

fn verify(
    file: &std::path::Path,
    pubkey: &std::path::Path,
    store: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let text = if file.as_os_str() == "-" {
        use std::io::Read;
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .read_to_string(&mut s)
            .map_err(|e| {
                CliError::usage(
                    format!("cannot read stdin: {e}"),
                    "pipe an .intoto.jsonl file in",
                )
            })?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| {
            CliError::usage(
                format!("cannot read {}: {e}", file.display()),
                "name the .intoto.jsonl file wf-attest wrote",
            )
        })?
    };
    let public = std::fs::read_to_string(pubkey)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| wf_store::sign::fingerprint(s).is_some())
        .ok_or_else(|| {
            CliError::usage(
                format!("{} is not an OpenSSH public key", pubkey.display()),
                "name the .pub file of the key that signed (ssh-keygen -y -f KEY > KEY.pub)",
            )
        })?;
    let keyid = wf_store::sign::fingerprint(&public).expect("checked");
    let mut against = match store {
        Some(dir) => {
            let s = Store::discover(dir)?;
            let tip = s.head_commit()?.ok_or(wf_store::StoreError::NotAStore)?;
            Some(Against {
                store: s,
                tip,
                verified: false,
                tasks: BTreeMap::new(),
            })
        }
        None => None,
    };
    let name = file.display().to_string();
    let (mut total, mut bad) = (0, 0);
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        match check(line, &public, &keyid, against.as_mut()) {
            Ok(what) => out.push_str(&format!("{name}:{}: ok: {what}\n", n + 1)),
            Err(why) => {
                bad += 1;
                out.push_str(&format!(
                    "{name}:{}: {}\n",
                    n + 1,
                    wf_core::text::visible(&why)
                ));
            }
        }
    }
    print(&out)?;
    if total == 0 {
        return Err(CliError::usage(
            format!("{name} holds no envelope"),
            "name the .intoto.jsonl file wf-attest wrote",
        ));
    }
    if bad > 0 {
        return Err(CliError::rejected(
            format!("{bad} of {total} envelopes do not verify"),
            "each is named above with why; an envelope that does not verify proves nothing",
        ));
    }
    let scope = if against.is_some() {
        "signatures and claims checked against the store"
    } else {
        "signatures checked; claims not checked against a store (--store DIR)"
    };
    print(&format!(
        "{total} envelopes verified, signed by {keyid} ({scope})\n"
    ))
}

/// Check one line: its signature by the key, its statement's form, and (with a store) its
/// claims. `Ok` describes it.
fn check(
    line: &str,
    public: &str,
    keyid: &str,
    against: Option<&mut Against>,
) -> Result<String, String> {
    let env = envelope::parse(line)?;
    env.check_signature(public, keyid)?;
    let st: Value = serde_json::from_slice(&env.payload)
        .map_err(|e| format!("the payload is not JSON: {e}"))?;
    let what = form(&st)?;
    let Some(against) = against else {
        return Ok(what);
    };
    let ptype = st["predicateType"].as_str().unwrap_or("");
    let p = &st["predicate"];
    let task = match ptype {
        core::SUMMARY_TYPE => {
            let commit = p["resourceUri"]
                .as_str()
                .and_then(core::commit_of_uri)
                .ok_or("resourceUri names no commit")?;
            task_of_commit(&against.store, commit)?
        }
        core::PROVENANCE_TYPE => p["buildDefinition"]["externalParameters"]["task"]
            .as_str()
            .ok_or("externalParameters names no task")?
            .to_string(),
        _ => p["task"]
            .as_str()
            .ok_or("the review names no task")?
            .to_string(),
    };
    let time = p["timeVerified"]
        .as_str()
        .and_then(wf_core::Timestamp::parse)
        .unwrap_or(wf_core::Timestamp(0));
    let want = against
        .statements(&task, time)
        .map_err(|e| format!("{what}: the store gives no attestation of {task}: {e}"))?;
    let mut st_as_of = st.clone();
    if ptype == core::SUMMARY_TYPE {
        // The time is when the verification ran; the history says nothing of it.
        st_as_of["predicate"]["timeVerified"] = Value::Null;
    }
    let same_kind = want.iter().filter(|w| w["predicateType"] == ptype);
    let mut nearest: Option<(usize, String)> = None;
    for w in same_kind {
        let mut w = w.clone();
        if ptype == core::SUMMARY_TYPE {
            w["predicate"]["timeVerified"] = Value::Null;
        }
        match first_difference(&w, &st_as_of, "") {
            None => return Ok(format!("{what}; matches the history")),
            Some(d) => {
                let score = agreement(&w, &st_as_of);
                if nearest.as_ref().is_none_or(|(s, _)| score > *s) {
                    nearest = Some((score, d));
                }
            }
        }
    }
    Err(match nearest {
        Some((_, d)) => format!("{what}: does not match the history of {task}: {d}"),
        None => format!("{what}: the history of {task} holds no such statement"),
    })
}

/// How many of a statement's identifying fields agree (to name the nearest when none is
/// equal): the commit it names, then the subjects.
fn agreement(a: &Value, b: &Value) -> usize {
    let p = |v: &Value, path: &[&str]| {
        let mut x = &v["predicate"];
        for k in path {
            x = &x[*k];
        }
        x.clone()
    };
    let keys: [&[&str]; 3] = [
        &["resourceUri"],
        &["runDetails", "metadata", "invocationId"],
        &["commit"],
    ];
    let mut n = 0;
    for k in keys {
        if p(a, k) == p(b, k) && !p(a, k).is_null() {
            n += 2;
        }
    }
    if a["subject"] == b["subject"] {
        n += 1;
    }
    n
}

/// The first path at which two JSON values differ, with both values; `None` when equal.
fn first_difference(want: &Value, got: &Value, path: &str) -> Option<String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match g.get(k) {
                    None => return Some(format!("{p} is missing (the history says {wv})")),
                    Some(gv) => {
                        if let Some(d) = first_difference(wv, gv, &p) {
                            return Some(d);
                        }
                    }
                }
            }
            g.keys()
                .find(|k| !w.contains_key(*k))
                .map(|k| format!("{path}.{k} is not in the history"))
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .find_map(|(i, (wv, gv))| first_difference(wv, gv, &format!("{path}[{i}]"))),
        _ if want == got => None,
        _ => Some(format!("{path} says {got}, the history says {want}")),
    }
}

/// The task a commit acts on (`Wf-Task`).
fn task_of_commit(store: &Store, commit: &str) -> Result<String, String> {
    let oid = Oid::from_str(commit).map_err(|e| e.to_string())?;
    let c = store
        .git()
        .find_commit(oid)
        .map_err(|_| format!("commit {} is not in the store", &commit[..12]))?;
    let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
    let t = wf_core::trailer::parse(&message);
    wf_core::trailer::get(&t, wf_core::trailer::key::TASK)
        .map(str::to_string)
        .ok_or_else(|| format!("commit {} is not a task action", &commit[..12]))
}

/// Check a statement's form (in-toto v1, a predicate wf writes, subjects with sha256) and
/// describe it in a few words.
fn form(st: &Value) -> Result<String, String> {
    if st["_type"] != core::STATEMENT_TYPE {
        return Err(format!("_type is not {}", core::STATEMENT_TYPE));
    }
    let subjects = st["subject"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or("the statement has no subject")?;
    let mut names = Vec::new();
    for s in subjects {
        let hex = s["digest"]["sha256"].as_str().unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a subject has no sha256 digest".into());
        }
        names.push(s["name"].as_str().unwrap_or("?").to_string());
    }
    let p = &st["predicate"];
    if !p.is_object() {
        return Err("the statement has no predicate".into());
    }
    let files = names.join(" ");
    let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
    Ok(match st["predicateType"].as_str().unwrap_or("") {
        core::SUMMARY_TYPE => format!(
            "verification summary ({}) of {}: {files}",
            text(&p["verificationResult"]),
            text(&p["resourceUri"])
        ),
        core::PROVENANCE_TYPE => {
            let e = &p["buildDefinition"]["externalParameters"];
            format!(
                "provenance of {} revision {} by {} (prompt {}): {files}",
                text(&e["task"]),
                e["revision"],
                text(&p["buildDefinition"]["internalParameters"]["agent"]["id"]),
                text(&e["prompt"]["kind"]).replace('?', "none")
            )
        }
        core::REVIEW_TYPE => format!(
            "review {} of {} revision {} by {}: {files}",
            text(&p["verdict"]),
            text(&p["task"]),
            p["revision"],
            text(&p["reviewer"]["id"])
        ),
        other => return Err(format!("predicateType {other:?} is not one wf writes")),
    })
}
