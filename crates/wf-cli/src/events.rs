//! The history as events: one per commit that carries a `Wf-Action` trailer, with its trailers
//! and the commit's signature status judged against a set of actors (those at `HEAD`). `wf-log`
//! prints them (a line each, or the objects of `wf.log/1` and `wf.event/1`, `spec/json.md`);
//! `wf-stats` counts them. Nothing here is checked against the rules: that is `wf-verify`'s work.

use std::collections::HashMap;

use git2::Oid;
use serde::Serialize;
use serde_json::Value;
use wf_core::trailer::{self, key};
use wf_core::{Actors, Timestamp};
use wf_store::history::Fact;
use wf_store::{SigStatus, Store};

use crate::error::CliError;

/// One action commit as `wf-log` shows it. Serialised, it is the object of `wf.log/1`'s
/// `events` (and, with `schema`, of `wf.event/1`).
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// The commit id.
    pub commit: String,
    /// The committer's time, RFC 3339.
    pub time: String,
    /// The committer's time, seconds.
    #[serde(skip)]
    pub seconds: i64,
    /// `Wf-Task`.
    pub task: Option<String>,
    /// `Wf-Action`.
    pub action: String,
    /// `Wf-Actor`: who the commit says acted.
    pub actor: Option<String>,
    /// `Wf-Actor-Kind`.
    pub actor_kind: Option<String>,
    /// `Wf-Step`.
    pub step: Option<String>,
    /// `Wf-Assignee`.
    pub assignee: Option<String>,
    /// `Wf-Revision`.
    pub revision: Option<u32>,
    /// `Wf-Digest`.
    pub digest: Option<String>,
    /// `Wf-Verdict`.
    pub verdict: Option<String>,
    /// `Wf-New-Revision`: a reviewer's refined revision.
    pub new_revision: Option<u32>,
    /// `Wf-New-Digest`.
    pub new_digest: Option<String>,
    /// `Wf-Model`.
    pub model: Option<String>,
    /// `Wf-Prompt-Digest`.
    pub prompt_digest: Option<String>,
    /// `Wf-Workflow`.
    pub workflow: Option<String>,
    /// `Wf-Check`: a check's outcome, `pass` or `fail`.
    pub check: Option<String>,
    /// `Wf-Subject`: the actor an actor change is about.
    pub subject_actor: Option<String>,
    /// The commit's subject line, on one line.
    pub subject: Option<String>,
    /// The signature status.
    pub signature: Signature,
    /// The actor whose key made a valid signature, if registered.
    pub signer: Option<String>,
}

/// A commit's signature as `wf-log` judges it, against the actors given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signature {
    /// Valid, by a key registered to the actor the commit names.
    Good,
    /// Valid, but the key belongs to another actor.
    Mismatch,
    /// Valid, by a key nobody registered.
    UnknownKey,
    /// Does not verify.
    Bad,
    /// No signature.
    Unsigned,
}

impl Signature {
    /// The word `wf-log` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::Good => "good",
            Signature::Mismatch => "mismatch",
            Signature::UnknownKey => "unknown-key",
            Signature::Bad => "bad",
            Signature::Unsigned => "unsigned",
        }
    }
}

/// The event of one commit (`None` for a commit without a `Wf-Action` trailer).
pub fn event(store: &Store, actors: &Actors, oid: Oid) -> Result<Option<Event>, CliError> {
    Ok(wf_store::history::fact(store.git(), oid)?
        .map(|f| Signers::new(actors).with_history(store).event(f)))
}

/// Turns the facts of the event index into events, attributing each signature to one of the
/// actors given; a key is looked up once however many commits it signed.
pub struct Signers<'a> {
    actors: &'a Actors,
    known: HashMap<String, Option<String>>,
    store: Option<&'a Store>,
    earlier: HashMap<Oid, Option<Actors>>,
}

impl<'a> Signers<'a> {
    /// Signatures judged against `actors`.
    pub fn new(actors: &'a Actors) -> Signers<'a> {
        Signers {
            actors,
            known: HashMap::new(),
            store: None,
            earlier: HashMap::new(),
        }
    }

    /// A signature whose key `actors` do not give to the actor the commit names is judged
    /// again under the actors of the commit's parent, as the verifier judges it: a key removed
    /// since (a lost one) still made the commits it signed before.
    pub fn with_history(mut self, store: &'a Store) -> Signers<'a> {
        self.store = Some(store);
        self
    }

    /// The actor `key` belonged to under the actors of `commit`'s first parent (of the commit
    /// itself, for a root commit).
    fn owner_then(&mut self, commit: Oid, key: &str) -> Option<String> {
        let store = self.store?;
        // The commit that founds the store is judged under the actors it writes (it has no
        // parent store): its founder's key.
        let c = store.git().find_commit(commit).ok()?;
        let parent = c.parent_id(0).unwrap_or(commit);
        let actors = self.earlier.entry(parent).or_insert_with(|| {
            let text = store
                .read_text(parent, wf_core::policy::ACTORS_FILE)
                .ok()??;
            Actors::parse(&text).ok()
        });
        actors.as_ref()?.by_key(key).map(|a| a.id.clone())
    }

    /// The event of an action commit as the event index keeps it.
    pub fn event(&mut self, f: Fact) -> Event {
        let t = &f.trailers;
        let named = trailer::get(t, key::ACTOR);
        let (signature, signer) = match &f.signature {
            SigStatus::Good(k) => {
                let actors = self.actors;
                let owner = self
                    .known
                    .entry(k.clone())
                    .or_insert_with(|| actors.by_key(k).map(|a| a.id.clone()));
                let owner = match owner.clone() {
                    Some(a) if Some(a.as_str()) == named => Some(a),
                    now => self.owner_then(f.commit, k).or(now),
                };
                match owner {
                    Some(a) if Some(a.as_str()) == named => (Signature::Good, Some(a)),
                    Some(a) => (Signature::Mismatch, Some(a)),
                    None => (Signature::UnknownKey, None),
                }
            }
            SigStatus::Bad(_) => (Signature::Bad, None),
            SigStatus::Unsigned => (Signature::Unsigned, None),
        };
        let get = |k: &str| trailer::get(t, k).map(str::to_string);
        let number = |k: &str| trailer::get(t, k).and_then(|r| r.parse::<u32>().ok());
        Event {
            commit: f.commit.to_string(),
            time: Timestamp(f.seconds).rfc3339(),
            seconds: f.seconds,
            task: get(key::TASK),
            action: get(key::ACTION).unwrap_or_default(),
            actor: named.map(str::to_string),
            actor_kind: get(key::ACTOR_KIND),
            step: get(key::STEP),
            assignee: get(key::ASSIGNEE),
            revision: number(key::REVISION),
            digest: get(key::DIGEST),
            verdict: get(key::VERDICT),
            new_revision: number(key::NEW_REVISION),
            new_digest: get(key::NEW_DIGEST),
            model: get(key::MODEL),
            prompt_digest: get(key::PROMPT_DIGEST),
            workflow: get(key::WORKFLOW),
            check: get(key::CHECK),
            subject_actor: get(key::SUBJECT),
            subject: f.summary,
            signature,
            signer,
        }
    }
}

/// An event as one line of `wf.event/1`, serialised straight from the event: the fields in
/// the order `serde_json`'s maps keep them (sorted), as [`Event::to_json`] gives them.
#[derive(Serialize)]
struct Line<'a> {
    action: &'a str,
    actor: &'a Option<String>,
    actor_kind: &'a Option<String>,
    assignee: &'a Option<String>,
    check: &'a Option<String>,
    commit: &'a str,
    digest: &'a Option<String>,
    model: &'a Option<String>,
    new_digest: &'a Option<String>,
    new_revision: &'a Option<u32>,
    prompt_digest: &'a Option<String>,
    revision: &'a Option<u32>,
    schema: &'static str,
    signature: Signature,
    signer: &'a Option<String>,
    step: &'a Option<String>,
    subject: &'a Option<String>,
    subject_actor: &'a Option<String>,
    task: &'a Option<String>,
    time: &'a str,
    verdict: &'a Option<String>,
    workflow: &'a Option<String>,
}

impl Event {
    /// Append the event as one line of `wf.event/1` (with its line feed) to `out`.
    pub fn ndjson_line(&self, out: &mut String) -> Result<(), CliError> {
        let line = Line {
            action: &self.action,
            actor: &self.actor,
            actor_kind: &self.actor_kind,
            assignee: &self.assignee,
            check: &self.check,
            commit: &self.commit,
            digest: &self.digest,
            model: &self.model,
            new_digest: &self.new_digest,
            new_revision: &self.new_revision,
            prompt_digest: &self.prompt_digest,
            revision: &self.revision,
            schema: "wf.event/1",
            signature: self.signature,
            signer: &self.signer,
            step: &self.step,
            subject: &self.subject,
            subject_actor: &self.subject_actor,
            task: &self.task,
            time: &self.time,
            verdict: &self.verdict,
            workflow: &self.workflow,
        };
        out.push_str(&serde_json::to_string(&line)?);
        out.push('\n');
        Ok(())
    }

    /// The JSON object (keys in the order `serde_json` keeps them: sorted).
    pub fn to_json(&self) -> Result<Value, CliError> {
        Ok(serde_json::to_value(self)?)
    }

    /// What the figures of `wf-stats` are computed from.
    pub fn for_stats(&self) -> wf_core::stats::Event {
        wf_core::stats::Event {
            time: counted_time(self.seconds),
            task: self.task.clone(),
            action: self.action.clone(),
            actor: self.actor.clone(),
            actor_kind: self.actor_kind.clone(),
            step: self.step.clone(),
            assignee: self.assignee.clone(),
            digest: self.digest.clone(),
            verdict: self.verdict.clone(),
            new_digest: self.new_digest.clone(),
            model: self.model.clone(),
            verified: self.signature == Signature::Good,
        }
    }
}

/// The commit time as the figures count it. `wf-stats` used to read the time back from the
/// RFC 3339 text, which holds a four-character year: a commit time outside years -999 to 9999
/// (only a forged commit has one) counted as 0, the epoch, and still does.
fn counted_time(seconds: i64) -> i64 {
    /// -999-01-01T00:00:00Z.
    const FIRST: i64 = -93_692_592_000;
    /// 9999-12-31T23:59:59Z.
    const LAST: i64 = 253_402_300_799;
    if (FIRST..=LAST).contains(&seconds) {
        seconds
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_time_counts_as_its_rfc3339_text_reads_back() {
        let read_back = |s: i64| Timestamp::parse(&Timestamp(s).rfc3339()).map_or(0, |t| t.0);
        for s in [
            -93_692_592_001,
            -93_692_592_000,
            -62_167_219_200,
            -1,
            0,
            1_700_000_000,
            253_402_300_799,
            253_402_300_800,
            9_000_000_000_000,
            -9_000_000_000_000,
        ] {
            assert_eq!(counted_time(s), read_back(s), "{s}");
        }
    }

    /// The line written straight from the event is the object `to_json` gives, with its
    /// schema, keys in the same (sorted) order: a field added to `Event` and not to `Line`
    /// fails here.
    #[test]
    fn an_ndjson_line_is_the_event_object_with_its_schema() {
        let s = |v: &str| Some(v.to_string());
        let e = Event {
            commit: "c".repeat(40),
            time: "2026-11-30T00:00:00Z".into(),
            seconds: 1,
            task: s("T-1"),
            action: "review".into(),
            actor: s("bob"),
            actor_kind: s("human"),
            step: s("review"),
            assignee: s("carol"),
            revision: Some(2),
            digest: s("sha256:aa"),
            verdict: s("accept"),
            new_revision: Some(3),
            new_digest: s("sha256:bb"),
            model: s("m"),
            prompt_digest: s("sha256:cc"),
            workflow: s("default"),
            check: s("pass"),
            subject_actor: s("dave"),
            subject: s("a \"quoted\" subject"),
            signature: Signature::Mismatch,
            signer: s("eve"),
        };
        let mut line = String::new();
        e.ndjson_line(&mut line).unwrap();
        let mut want = e.to_json().unwrap();
        want["schema"] = serde_json::json!("wf.event/1");
        assert_eq!(format!("{}\n", serde_json::to_string(&want).unwrap()), line);
    }

    #[test]
    fn signatures_are_named_as_wf_log_prints_them() {
        for s in [
            Signature::Good,
            Signature::Mismatch,
            Signature::UnknownKey,
            Signature::Bad,
            Signature::Unsigned,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
