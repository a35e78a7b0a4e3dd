//! The canonical form of a task file, written field by field: the bytes `toml::to_string`
//! writes for a [`Task`] (its document serialiser: `key = value` lines in field order, a blank
//! line and a `[[name]]` or `[name]` header before each table, arrays of strings inline as
//! `["a", "b"]`), with each string and integer written by `toml_writer`, the crate toml itself
//! writes them with. The verifier checks every task file it reads by writing it again
//! ([`Task::parse_canonical`]), and toml's serialiser, through serde, took as long as the
//! reading (5% of the verifier's instructions). A property test (`tests/props/formats.rs`)
//! holds this writer to `toml::to_string` byte for byte on arbitrary tasks with awkward strings.

use std::fmt::Write as _;

use toml_writer::TomlWrite as _;

use super::{Check, Input, Revision, Task};

/// The canonical text of `t`.
pub(super) fn write(t: &Task) -> String {
    let mut w = Doc(String::with_capacity(1024));
    w.str("id", &t.id);
    w.str("title", &t.title);
    w.str("workflow", &t.workflow);
    w.str(
        "state",
        match t.state {
            super::TaskState::Open => "open",
            super::TaskState::Closed => "closed",
        },
    );
    w.str("step", &t.step);
    w.str("owner", &t.owner);
    w.str("approver", &t.approver);
    w.str("created_by", &t.created_by);
    w.str("created_at", &t.created_at);
    w.opt("entered_at", &t.entered_at);
    for i in &t.inputs {
        input(&mut w, i);
    }
    for a in &t.assignments {
        w.header("[[assignment]]");
        w.str("step", &a.step);
        w.str("by", &a.by);
        w.str("to", &a.to);
        w.str("at", &a.at);
        w.note(&a.note);
    }
    for r in &t.revisions {
        revision(&mut w, r);
    }
    for r in &t.reviews {
        w.header("[[review]]");
        w.int("revision", r.revision);
        w.str("digest", &r.digest);
        w.str("step", &r.step);
        w.str("actor", &r.actor);
        w.str("reviewer", r.reviewer.as_str());
        w.str("verdict", r.verdict.as_str());
        w.str("at", &r.at);
        w.note(&r.note);
    }
    for d in &t.decisions {
        w.header("[[decision]]");
        w.int("revision", d.revision);
        w.str("digest", &d.digest);
        w.str("actor", &d.actor);
        w.str(
            "outcome",
            match d.outcome {
                super::Outcome::Approve => "approve",
                super::Outcome::Reject => "reject",
            },
        );
        w.str("at", &d.at);
        w.note(&d.note);
    }
    for r in &t.reopens {
        w.header("[[reopen]]");
        w.str("actor", &r.actor);
        w.str("at", &r.at);
        w.note(&r.note);
    }
    for c in &t.checks {
        check(&mut w, c);
    }
    w.0
}

fn input(w: &mut Doc, i: &Input) {
    w.header("[[input]]");
    w.str("name", &i.name);
    w.opt("text", &i.text);
    w.opt("file", &i.file);
    w.str("sha256", &i.sha256);
}

fn revision(w: &mut Doc, r: &Revision) {
    w.header("[[revision]]");
    w.int("number", r.number);
    w.str("step", &r.step);
    w.str("actor", &r.actor);
    w.str("producer", r.producer.as_str());
    w.opt("model", &r.model);
    w.opt("prompt_sha256", &r.prompt_sha256);
    w.str("at", &r.at);
    w.str("digest", &r.digest);
    w.note(&r.note);
    // No artifact is an empty inline array; any is an array of tables.
    if r.artifacts.is_empty() {
        w.0.push_str("artifacts = []\n");
    }
    for a in &r.artifacts {
        w.header("[[revision.artifacts]]");
        w.str("name", &a.name);
        w.str("sha256", &a.sha256);
        w.int("size", a.size);
    }
    if let Some(run) = &r.run {
        w.header("[revision.run]");
        w.strs("command", &run.command);
        w.str("started_at", &run.started_at);
        w.str("ended_at", &run.ended_at);
        w.int("exit_status", run.exit_status);
        w.opt("revision_digest", &run.revision_digest);
        for i in &run.inputs {
            w.header("[[revision.run.inputs]]");
            w.str("name", &i.name);
            w.str("sha256", &i.sha256);
        }
    }
}

fn check(w: &mut Doc, c: &Check) {
    w.header("[[check]]");
    w.int("revision", c.revision);
    w.str("digest", &c.digest);
    w.str("step", &c.step);
    w.str("actor", &c.actor);
    w.str("outcome", c.outcome.as_str());
    w.strs("command", &c.command);
    if let Some(s) = c.exit_status {
        w.int("exit_status", s);
    }
    if c.timed_out {
        w.0.push_str("timed_out = true\n");
    }
    w.str("output_sha256", &c.output_sha256);
    w.int("output_size", c.output_size);
    if c.truncated {
        w.0.push_str("truncated = true\n");
    }
    w.str("at", &c.at);
}

/// The document being written. Writing to a `String` cannot fail.
struct Doc(String);

impl Doc {
    fn key(&mut self, key: &str) {
        self.0.push_str(key);
        self.0.push_str(" = ");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
        self.0.push('\n');
    }

    /// A string value. One with no `"`, `\` or control character (most of them) is a basic
    /// string of its bytes, which is what `toml_writer` makes of it (no escape, no newline, no
    /// quote: `as_basic_pretty`, written unescaped) without measuring it first.
    fn string(&mut self, value: &str) {
        if value
            .bytes()
            .all(|b| b >= 0x20 && b != 0x7f && b != b'"' && b != b'\\')
        {
            self.0.push('"');
            self.0.push_str(value);
            self.0.push('"');
        } else {
            let _ = self.0.value(value);
        }
    }

    fn opt(&mut self, key: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A note: left out when empty.
    fn note(&mut self, value: &str) {
        if !value.is_empty() {
            self.str("note", value);
        }
    }

    fn int(&mut self, key: &str, value: impl std::fmt::Display) {
        self.key(key);
        let _ = write!(self.0, "{value}");
        self.0.push('\n');
    }

    fn strs(&mut self, key: &str, values: &[String]) {
        self.key(key);
        self.0.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.0.push_str(", ");
            }
            self.string(v);
        }
        self.0.push_str("]\n");
    }

    /// A table's header, after a blank line (the document never begins with one).
    fn header(&mut self, header: &str) {
        self.0.push('\n');
        self.0.push_str(header);
        self.0.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every ASCII character, and some others, alone and among others, in a value and in an
    /// array, written as toml writes it (the property test draws strings at random; this
    /// tries each character that decides how a string is written).
    #[test]
    fn every_character_is_written_as_toml_writes_it() {
        let mut chars: Vec<String> = (0u8..0x80).map(|b| (b as char).to_string()).collect();
        for c in [
            "é", "\u{202e}", "\u{fffd}", "''", "'''", "\"\"", "\"\"\"", "\r\n", "\\\"",
        ] {
            chars.push(c.to_string());
        }
        for c in &chars {
            let mut t = crate::fixtures::fresh_task("t");
            t.title = format!("a{c}b");
            t.step = c.clone();
            t.created_at = format!("{c}{c}\n{c}");
            t.checks.push(Check {
                revision: 1,
                digest: c.clone(),
                step: "check".into(),
                actor: "ci".into(),
                outcome: super::super::CheckOutcome::Pass,
                command: vec![c.clone(), format!("x{c}"), String::new()],
                exit_status: Some(0),
                timed_out: false,
                output_sha256: "ef".into(),
                output_size: 1,
                truncated: false,
                at: "z".into(),
            });
            assert_eq!(write(&t), toml::to_string(&t).unwrap(), "{c:?}");
        }
    }
}
