//! The history as events: one per commit that carries a `Wf-Action` trailer, with its trailers
//! and the commit's signature status judged against a set of actors (those at `HEAD`). `wf-log`
//! prints them (a line each, or the objects of `wf.log/1` and `wf.event/1`, `spec/json.md`);
//! `wf-stats` counts them. Nothing here is checked against the rules: that is `wf-verify`'s work.

use git2::Oid;
use serde::Serialize;
use serde_json::Value;
use wf_core::trailer::{self, key};
use wf_core::{Actors, Timestamp};
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
    let c = store.git().find_commit(oid)?;
    let msg = String::from_utf8_lossy(c.message_bytes()).to_string();
    let t = trailer::parse(&msg);
    let Some(action) = trailer::get(&t, key::ACTION) else {
        return Ok(None);
    };
    let named = trailer::get(&t, key::ACTOR);
    let (signature, signer) = match store.signature(oid) {
        SigStatus::Good(k) => match actors.by_key(&k) {
            Some(a) if Some(a.id.as_str()) == named => (Signature::Good, Some(a.id.clone())),
            Some(a) => (Signature::Mismatch, Some(a.id.clone())),
            None => (Signature::UnknownKey, None),
        },
        SigStatus::Bad(_) => (Signature::Bad, None),
        SigStatus::Unsigned => (Signature::Unsigned, None),
    };
    let get = |k: &str| trailer::get(&t, k).map(str::to_string);
    let number = |k: &str| trailer::get(&t, k).and_then(|r| r.parse::<u32>().ok());
    let seconds = c.committer().when().seconds();
    Ok(Some(Event {
        commit: oid.to_string(),
        time: Timestamp(seconds).rfc3339(),
        seconds,
        task: get(key::TASK),
        action: action.to_string(),
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
        subject: c.summary().map(wf_core::text::one_line),
        signature,
        signer,
    }))
}

impl Event {
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
