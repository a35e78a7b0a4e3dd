//! The task model: one TOML file per task, `tasks/<id>.toml`, append-only records.
//!
//! Every action appends exactly one record (two for an accept with a refined revision) and may
//! move `step` and `state`; nothing is ever edited in place. That keeps each commit's diff the
//! action and nothing else, and makes replay by the verifier a comparison of values.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::actor::ActorKind;

mod canonical;
mod write;

/// The largest file a task holds, in bytes: each output file of a revision and each input file.
/// The tools stop reading a larger stream as soon as it passes this size and commit nothing;
/// the rules refuse a revision recording a larger artifact, and the verifier reports a larger
/// file under `tasks/<id>/` without reading it. Readers (the work-tree sync, the verifier,
/// `wf-run`'s prompt) hold one such file in memory at a time, so this bounds their memory.
pub const MAX_FILE_SIZE: u64 = 64 << 20;

/// [`MAX_FILE_SIZE`] for messages: `64 MiB`.
pub fn max_file_size_text() -> String {
    format!("{} MiB", MAX_FILE_SIZE >> 20)
}

/// Open or closed (approved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// Work goes on.
    Open,
    /// Approved: nothing changes until the owner reopens it.
    Closed,
}

/// A task input: inline text, or a file kept under `tasks/<id>/in/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The input's name.
    pub name: String,
    /// Inline text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// File name under `tasks/<id>/in/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// sha256 of the text or file bytes.
    pub sha256: String,
}

/// A handoff of a step to an actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The step handed over.
    pub step: String,
    /// Who handed it over.
    pub by: String,
    /// To whom.
    pub to: String,
    /// When.
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// One file of a revision, kept at `tasks/<id>/out/<name>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// File name.
    pub name: String,
    /// sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// An output revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// 1, 2, 3...
    pub number: u32,
    /// The step in which it was produced.
    pub step: String,
    /// Who produced it (the signer of the commit).
    pub actor: String,
    /// The producer's kind.
    pub producer: ActorKind,
    /// The model that produced or assisted it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// sha256 of the prompt given to the model, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_sha256: Option<String>,
    /// When.
    pub at: String,
    /// `sha256:` digest of the artifact manifest (see [`crate::digest::revision_digest`]).
    pub digest: String,
    /// Free text from the producer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The files.
    pub artifacts: Vec<Artifact>,
    /// When an AI agent produced it through `wf-run`: how it was run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<Run>,
}

/// How `wf-run` produced a revision: the provenance beyond `model` and `prompt_sha256`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// The program and arguments that were run (the actor's `run.command`).
    pub command: Vec<String>,
    /// When the agent was started (wall clock, RFC 3339 UTC).
    pub started_at: String,
    /// When it ended.
    pub ended_at: String,
    /// Its exit status; always 0, since a failed run records nothing.
    pub exit_status: i32,
    /// The digest of the revision the prompt included, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_digest: Option<String>,
    /// The inputs the prompt was rendered from, with the sha256 of their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<RunInput>,
}

/// One input a prompt was rendered from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    /// The input's name.
    pub name: String,
    /// sha256 of its bytes (as in the task's `[[input]]`).
    pub sha256: String,
}

/// A review verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The revision is good; the review step is done.
    Accept,
    /// Send it back for rework.
    RequestChanges,
    /// A remark; nothing moves.
    Comment,
}

impl Verdict {
    /// `accept`, `request-changes`, `comment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::RequestChanges => "request-changes",
            Verdict::Comment => "comment",
        }
    }
}

/// A review of one revision, bound to its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// The revision reviewed.
    pub revision: u32,
    /// Its digest.
    pub digest: String,
    /// The step in which the review was given.
    pub step: String,
    /// The reviewer.
    pub actor: String,
    /// The reviewer's kind.
    pub reviewer: ActorKind,
    /// The verdict.
    pub verdict: Verdict,
    /// When.
    pub at: String,
    /// The comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The final decision's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Approved: the task closes.
    Approve,
    /// Rejected: the task goes back for rework.
    Reject,
}

/// A final decision by the designated approver, bound to a revision digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The revision decided on.
    pub revision: u32,
    /// Its digest.
    pub digest: String,
    /// The approver.
    pub actor: String,
    /// Approve or reject.
    pub outcome: Outcome,
    /// When.
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A reopening of a closed task by its owner; it voids the approval before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reopen {
    /// The owner who reopened it.
    pub actor: String,
    /// When.
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The largest check output a task keeps, in bytes: 1 MiB. `wf-check` keeps the last this many
/// bytes of a longer output and says it did (`truncated`).
pub const MAX_CHECK_OUTPUT: u64 = 1 << 20;

/// Whether a check passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckOutcome {
    /// The command exited with status 0: the task moves on.
    Pass,
    /// It did not (another status, a signal, the time limit): the task goes back for rework.
    Fail,
}

impl CheckOutcome {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
        }
    }
}

/// A check of one revision by the machine that ran the check step's command on its files
/// (`wf-check`), bound to the revision's digest. Its output is kept at
/// `tasks/<shard>/<id>/check/<step>.log`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The revision checked.
    pub revision: u32,
    /// Its digest.
    pub digest: String,
    /// The check step.
    pub step: String,
    /// Who ran it (the signer).
    pub actor: String,
    /// Pass or fail: pass exactly when the command exited with status 0.
    pub outcome: CheckOutcome,
    /// The program and arguments run: the step's `command`.
    pub command: Vec<String>,
    /// Its exit status; absent when it was killed (by a signal, or at its time limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    /// It ran into the step's time limit and was killed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// sha256 of the output kept (stdout and stderr as they were interleaved).
    pub output_sha256: String,
    /// Its size in bytes, at most [`MAX_CHECK_OUTPUT`].
    pub output_size: u64,
    /// The output was longer; only its last [`MAX_CHECK_OUTPUT`] bytes are kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// When.
    pub at: String,
}

impl Check {
    /// The path of a check step's output in a task's folder: `check/<step>.log`.
    pub fn log(step: &str) -> String {
        format!("check/{step}.log")
    }
}

/// A task: the file `tasks/<id>.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// `T-` and hex.
    pub id: String,
    /// One line.
    pub title: String,
    /// The workflow's name.
    pub workflow: String,
    /// Open or closed.
    pub state: TaskState,
    /// The current step's name.
    pub step: String,
    /// The accountable human.
    pub owner: String,
    /// The designated human who gives the final approval.
    pub approver: String,
    /// Who defined the task.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// When the task entered its current step, recorded while that step has a due date
    /// (`spec/workflow.md`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_at: Option<String>,
    /// Inputs.
    #[serde(default, rename = "input", skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Input>,
    /// Handoffs, oldest first.
    #[serde(default, rename = "assignment", skip_serializing_if = "Vec::is_empty")]
    pub assignments: Vec<Assignment>,
    /// Output revisions, oldest first.
    #[serde(default, rename = "revision", skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// Reviews, oldest first.
    #[serde(default, rename = "review", skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Review>,
    /// Final decisions, oldest first.
    #[serde(default, rename = "decision", skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
    /// Reopenings, oldest first.
    #[serde(default, rename = "reopen", skip_serializing_if = "Vec::is_empty")]
    pub reopens: Vec<Reopen>,
    /// Checks, oldest first.
    #[serde(default, rename = "check", skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

/// Whether `text` has a line that begins as git's conflict markers do.
fn conflicted(text: &str) -> bool {
    // Only a line that begins with one of the markers' characters can be one: most files
    // have none, found by a scan for line ends alone.
    let bytes = text.as_bytes();
    let may = |at: usize| matches!(bytes.get(at), Some(b'<' | b'>' | b'|' | b'='));
    if !may(0) && !memchr::memchr_iter(b'\n', bytes).any(|i| may(i + 1)) {
        return false;
    }
    let marker = |l: &str| {
        ["<<<<<<< ", ">>>>>>> ", "||||||| "]
            .iter()
            .any(|m| l.starts_with(m))
            || l == "======="
    };
    text.lines().any(marker)
}

/// A task file that does not parse.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("task file: {0}")]
pub struct TaskParseError(pub String);

impl Task {
    /// Parse a task file (unknown fields are refused). A file with git's conflict markers is
    /// refused as such: a merge could not join concurrent actions on the task; and so is a file
    /// longer than [`crate::text::MAX_TOML_SIZE`], unread.
    pub fn parse(text: &str) -> Result<Task, TaskParseError> {
        if text.len() > crate::text::MAX_TOML_SIZE {
            return Err(TaskParseError(crate::text::too_long(text.len())));
        }
        if conflicted(text) {
            return Err(TaskParseError(
                "holds git's conflict markers: a merge could not join concurrent actions on this task; run wf sync (after git merge --abort)".into(),
            ));
        }
        crate::text::from_toml(text).map_err(TaskParseError)
    }

    /// Read a task file in its canonical form (the bytes [`Task::to_toml`] writes) faster than
    /// [`Task::parse`]; `None` when `text` is not exactly the canonical text of the task it
    /// holds, or does not parse. `Some(t)` is what `Task::parse` reads, and `t.to_toml() ==
    /// text`: the reader's answer is kept only when it serialises back to the same bytes.
    pub fn parse_canonical(text: &str) -> Option<Task> {
        // A file with a line that looks like git's conflict markers (inside a string, in a
        // canonical text), or longer than any file wf reads as TOML, is refused by
        // `Task::parse`: left to it.
        if text.len() > crate::text::MAX_TOML_SIZE || conflicted(text) {
            return None;
        }
        canonical::read(text).filter(|t| t.to_toml() == text)
    }

    /// Deterministic TOML text: fixed field order, fixed formatting. The bytes
    /// `toml::to_string` writes for the task, written field by field (`task/write.rs`; a
    /// property test holds the two to the same bytes).
    pub fn to_toml(&self) -> String {
        write::write(self)
    }

    /// The path of the task file in the repository: `tasks/<shard>/<id>.toml`.
    pub fn path(id: &str) -> String {
        format!("tasks/{}/{id}.toml", shard(id))
    }

    /// The folder of the task's artifacts and input files: `tasks/<shard>/<id>/`.
    pub fn dir(id: &str) -> String {
        format!("tasks/{}/{id}/", shard(id))
    }

    /// Who holds the current step: the latest handoff of it.
    pub fn assignee(&self) -> Option<&str> {
        self.assignee_of(&self.step)
    }

    /// Who holds a step: the latest handoff of it.
    pub fn assignee_of(&self, step: &str) -> Option<&str> {
        self.assignments
            .iter()
            .rev()
            .find(|a| a.step == step)
            .map(|a| a.to.as_str())
    }

    /// The latest revision.
    pub fn latest(&self) -> Option<&Revision> {
        self.revisions.last()
    }

    /// The approval in force: the last decision, when it approves and the task is closed.
    pub fn approval(&self) -> Option<&Decision> {
        match (self.state, self.decisions.last()) {
            (TaskState::Closed, Some(d)) if d.outcome == Outcome::Approve => Some(d),
            _ => None,
        }
    }

    /// Whether the latest revision has an accept (given after it, bound to its digest).
    pub fn latest_accepted(&self) -> bool {
        let Some(latest) = self.latest() else {
            return false;
        };
        self.reviews
            .iter()
            .any(|r| r.verdict == Verdict::Accept && r.digest == latest.digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Task {
        crate::fixtures::fresh_task("t")
    }

    #[test]
    fn a_fresh_task_file_shows_only_what_happened_and_round_trips() {
        let t = fresh();
        let text = t.to_toml();
        assert!(!text.contains("[]"), "{text}");
        assert_eq!(Task::parse(&text).unwrap(), t);
        assert_eq!(text, t.clone().to_toml(), "serialisation is deterministic");
    }

    /// A task file of exactly the TOML limit reads (both readers) and is written; one byte more
    /// is refused by both readers, unread, and no tool writes it (rule 12).
    #[test]
    fn task_files_longer_than_the_toml_limit_are_refused_unread_and_never_written() {
        use crate::text::MAX_TOML_SIZE;
        let mut t = fresh();
        let short = t.to_toml().len();
        t.title = "x".repeat(MAX_TOML_SIZE - short + t.title.len());
        let text = t.to_toml();
        assert_eq!(text.len(), MAX_TOML_SIZE);
        assert_eq!(Task::parse(&text).unwrap(), t);
        assert_eq!(Task::parse_canonical(&text), Some(t.clone()));
        assert_eq!(crate::task_text(&t).unwrap(), text);

        t.title.push('x');
        let text = t.to_toml();
        assert_eq!(text.len(), MAX_TOML_SIZE + 1);
        let e = Task::parse(&text).unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "{} bytes, over the 1 MiB a file wf reads as TOML may hold",
                MAX_TOML_SIZE + 1
            )
        );
        assert_eq!(Task::parse_canonical(&text), None);
        let r = crate::task_text(&t).unwrap_err();
        assert_eq!(r.rule, crate::Rule::Input);
        assert!(
            r.reason.contains("over the 1 MiB a task file may hold"),
            "{}",
            r.reason
        );

        // What a push could carry: refused by its length, before toml's parser holds ~50x it.
        let hostile = "[a]\n".repeat(MAX_TOML_SIZE / 4 + 1);
        assert!(Task::parse(&hostile)
            .unwrap_err()
            .0
            .contains("over the 1 MiB"));
        assert!(crate::text::from_toml::<toml::Table>(&hostile).is_err());
        assert!(crate::text::from_toml::<toml::Table>(&hostile[..MAX_TOML_SIZE]).is_err());
    }

    #[test]
    fn conflict_markers_are_found_on_any_line_and_only_there() {
        let reference = |text: &str| {
            text.lines().any(|l| {
                ["<<<<<<< ", ">>>>>>> ", "||||||| "]
                    .iter()
                    .any(|m| l.starts_with(m))
                    || l == "======="
            })
        };
        for text in [
            "",
            "=======",
            "=======\r\n",
            "=======\r",
            "a\n=======\nb",
            "a\r\n=======\r\nb",
            "a\n========\n",
            "a\n <<<<<<< x\n",
            "a\n<<<<<<< x",
            "<<<<<<<x\n>>>>>>> y",
            "a = 1\n|||||||\n||||||| base\n",
            "x\n<\n>\n|\n=\n",
        ] {
            assert_eq!(conflicted(text), reference(text), "{text:?}");
        }
    }

    #[test]
    fn notes_with_newlines_and_quotes_stay_inside_their_string() {
        let mut t = fresh();
        t.assignments.push(Assignment {
            step: "draft".into(),
            by: "alice".into(),
            to: "bot".into(),
            at: "x".into(),
            note: "a\n[[decision]]\noutcome = \"approve\"\n\"".into(),
        });
        let back = Task::parse(&t.to_toml()).unwrap();
        assert_eq!(back, t);
        assert!(back.decisions.is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = fresh().to_toml() + "approved_by = \"mallory\"\n";
        assert!(Task::parse(&text).is_err());
    }
}

/// The shard folder of a task under `tasks/`: the first two hex digits of its id (`T-3f9a01`
/// lives in `tasks/3f/`). Sharding keeps every tree an action rewrites small, whatever the
/// number of tasks (`spec/store.md`).
pub fn shard(id: &str) -> &str {
    let hex = id.strip_prefix(crate::id::TASK_PREFIX).unwrap_or(id);
    hex.get(..2).unwrap_or(hex)
}

/// What a path under `tasks/` (given relative to `tasks/`) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskEntry<'a> {
    /// `<shard>/<id>.toml`: a task file.
    File(&'a str),
    /// `<shard>/<id>/<rest>`: a file of a task's folder (`rest` is empty for the folder itself).
    Folder(&'a str, &'a str),
}

/// Locate a path relative to `tasks/`: the task it belongs to, or `None` when it is not a
/// task's file or folder (a bad id, a wrong shard, a stray file).
pub fn locate(rel: &str) -> Option<TaskEntry<'_>> {
    let (sh, rest) = rel.split_once('/')?;
    let (name, inner) = match rest.split_once('/') {
        Some((n, i)) => (n, Some(i)),
        None => (rest, None),
    };
    let (id, entry) = match (name.strip_suffix(".toml"), inner) {
        (Some(id), None) => (id, TaskEntry::File(id)),
        (_, Some(i)) => (name, TaskEntry::Folder(name, i)),
        (None, None) => (name, TaskEntry::Folder(name, "")),
    };
    (crate::id::check_task_id(id).is_ok() && shard(id) == sh).then_some(entry)
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn a_task_file_with_conflict_markers_names_them() {
        let err =
            Task::parse("<<<<<<< ours\nid = \"T-1\"\n=======\nid = \"T-2\"\n>>>>>>> theirs\n")
                .unwrap_err();
        assert!(
            err.0.contains("conflict markers") && err.0.contains("wf sync"),
            "{}",
            err.0
        );
    }

    #[test]
    fn paths_are_sharded_by_the_first_two_hex_digits() {
        assert_eq!(Task::path("T-3f9a01"), "tasks/3f/T-3f9a01.toml");
        assert_eq!(Task::dir("T-3f9a01"), "tasks/3f/T-3f9a01/");
        assert_eq!(
            locate("3f/T-3f9a01.toml"),
            Some(TaskEntry::File("T-3f9a01"))
        );
        assert_eq!(
            locate("3f/T-3f9a01/out/a.md"),
            Some(TaskEntry::Folder("T-3f9a01", "out/a.md"))
        );
        assert_eq!(
            locate("3f/T-3f9a01"),
            Some(TaskEntry::Folder("T-3f9a01", ""))
        );
    }

    #[test]
    fn stray_entries_belong_to_no_task() {
        for p in [
            "T-3f9a01.toml",
            "40/T-3f9a01.toml",
            "3f/T-3F9A01.toml",
            "3f/notes.txt",
            "3f/T-3f9a01.toml/x",
            "3f",
            "",
        ] {
            assert_eq!(locate(p), None, "{p}");
        }
    }
}
