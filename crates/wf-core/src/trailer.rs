//! Commit messages: `wf: <action> <id>: <title>`, an optional note paragraph, and a trailer
//! block that `git interpret-trailers --parse` reads back unchanged.
//!
//! User text (titles, notes) is folded to one line by [`crate::text::one_line`] and never starts
//! a line of the message, so it can neither forge a trailer nor a commit header.

use crate::actor::Actor;
use crate::rules::Action;
use crate::task::Task;
use crate::text::one_line;

/// Trailer keys, as written in `spec/commits.md`.
pub mod key {
    /// The task id.
    pub const TASK: &str = "Wf-Task";
    /// The action: `init`, `actor`, `new`, `assign`, `submit`, `review`, `approve`, `reject`, `reopen`.
    pub const ACTION: &str = "Wf-Action";
    /// The acting actor's id.
    pub const ACTOR: &str = "Wf-Actor";
    /// `human` or `ai`.
    pub const ACTOR_KIND: &str = "Wf-Actor-Kind";
    /// The workflow (on `new`).
    pub const WORKFLOW: &str = "Wf-Workflow";
    /// The step the action was taken in.
    pub const STEP: &str = "Wf-Step";
    /// The new holder (on `assign`).
    pub const ASSIGNEE: &str = "Wf-Assignee";
    /// The revision produced (`submit`) or reviewed/decided (`review`, `approve`, `reject`).
    pub const REVISION: &str = "Wf-Revision";
    /// That revision's digest.
    pub const DIGEST: &str = "Wf-Digest";
    /// The verdict (on `review`).
    pub const VERDICT: &str = "Wf-Verdict";
    /// The revision a reviewer attached to an accept.
    pub const NEW_REVISION: &str = "Wf-New-Revision";
    /// Its digest.
    pub const NEW_DIGEST: &str = "Wf-New-Digest";
    /// The model that produced or assisted a revision.
    pub const MODEL: &str = "Wf-Model";
    /// sha256 of the prompt.
    pub const PROMPT_DIGEST: &str = "Wf-Prompt-Digest";
    /// The agent's command line, when `wf-run` produced the revision (shell-quoted, one line).
    pub const RUN_COMMAND: &str = "Wf-Run-Command";
    /// When the agent started.
    pub const RUN_STARTED: &str = "Wf-Run-Started";
    /// When it ended.
    pub const RUN_ENDED: &str = "Wf-Run-Ended";
    /// Its exit status.
    pub const RUN_EXIT: &str = "Wf-Run-Exit";
    /// The actor added or changed (on `actor`).
    pub const SUBJECT: &str = "Wf-Subject";
    /// The policy proposal (on `propose`, `endorse`, `apply`, `withdraw`).
    pub const PROPOSAL: &str = "Wf-Proposal";
    /// A check's outcome: `pass` or `fail` (on `check`).
    pub const CHECK: &str = "Wf-Check";
    /// The command the check ran (shell-quoted, one line).
    pub const CHECK_COMMAND: &str = "Wf-Check-Command";
    /// How it ended: its exit status, `timeout` or `killed`.
    pub const CHECK_EXIT: &str = "Wf-Check-Exit";
    /// `sha256:` + the sha256 of the output kept.
    pub const CHECK_OUTPUT: &str = "Wf-Check-Output";
}

/// Build a commit message from a subject, an optional note and trailers. The subject and note
/// are folded to one line each; trailer values too.
pub fn message(subject: &str, note: &str, trailers: &[(&str, String)]) -> String {
    let mut m = one_line(subject);
    let note = one_line(note);
    if !note.is_empty() {
        m.push_str("\n\nNote: ");
        m.push_str(&note);
    }
    m.push_str("\n\n");
    for (k, v) in trailers {
        m.push_str(k);
        m.push_str(": ");
        m.push_str(&one_line(v));
        m.push('\n');
    }
    m
}

/// The message of a task action: `before` is the task before it (`None` for `new`), `after` the
/// state [`crate::rules::decide`] returned.
pub fn action_message(
    before: Option<&Task>,
    after: &Task,
    action: &Action,
    actor: &Actor,
) -> String {
    let name = action.name();
    let mut t: Vec<(&str, String)> = vec![
        (key::TASK, after.id.clone()),
        (key::ACTION, name.to_string()),
        (key::ACTOR, actor.id.clone()),
        (key::ACTOR_KIND, actor.kind.as_str().to_string()),
    ];
    match before {
        None => t.push((key::WORKFLOW, after.workflow.clone())),
        Some(b) => t.push((key::STEP, b.step.clone())),
    }
    let note = match action {
        Action::Create { .. } => String::new(),
        Action::Assign { to, note } => {
            t.push((key::ASSIGNEE, to.clone()));
            note.clone()
        }
        Action::Submit(out) => {
            push_revision(&mut t, after, key::REVISION, key::DIGEST);
            out.note.clone()
        }
        Action::Review {
            verdict,
            revision,
            digest,
            note,
            revise,
        } => {
            t.push((key::REVISION, revision.to_string()));
            t.push((key::DIGEST, digest.clone()));
            t.push((key::VERDICT, verdict.as_str().to_string()));
            if revise.is_some() {
                push_revision(&mut t, after, key::NEW_REVISION, key::NEW_DIGEST);
            }
            note.clone()
        }
        Action::Decide {
            revision,
            digest,
            note,
            ..
        } => {
            t.push((key::REVISION, revision.to_string()));
            t.push((key::DIGEST, digest.clone()));
            note.clone()
        }
        Action::Reopen { note } => note.clone(),
        Action::Check {
            revision,
            digest,
            run,
        } => {
            t.push((key::REVISION, revision.to_string()));
            t.push((key::DIGEST, digest.clone()));
            t.push((key::CHECK, run.outcome().as_str().to_string()));
            t.push((key::CHECK_COMMAND, crate::text::shell_words(&run.command)));
            let exit = match (run.exit_status, run.timed_out) {
                (_, true) => "timeout".to_string(),
                (Some(s), false) => s.to_string(),
                (None, false) => "killed".to_string(),
            };
            t.push((key::CHECK_EXIT, exit));
            t.push((key::CHECK_OUTPUT, format!("sha256:{}", run.output_sha256)));
            String::new()
        }
    };
    message(
        &format!("wf: {name} {}: {}", after.id, after.title),
        &note,
        &t,
    )
}

fn push_revision(
    t: &mut Vec<(&str, String)>,
    after: &Task,
    rev_key: &'static str,
    digest_key: &'static str,
) {
    if let Some(r) = after.latest() {
        t.push((rev_key, r.number.to_string()));
        t.push((digest_key, r.digest.clone()));
        if let Some(m) = &r.model {
            t.push((key::MODEL, m.clone()));
        }
        if let Some(p) = &r.prompt_sha256 {
            t.push((key::PROMPT_DIGEST, format!("sha256:{p}")));
        }
        if let Some(run) = &r.run {
            t.push((key::RUN_COMMAND, crate::text::shell_words(&run.command)));
            t.push((key::RUN_STARTED, run.started_at.clone()));
            t.push((key::RUN_ENDED, run.ended_at.clone()));
            t.push((key::RUN_EXIT, run.exit_status.to_string()));
        }
    }
}

/// Parse the trailer block of a message the way `git interpret-trailers --parse` does for the
/// messages wf writes: the last paragraph, when every line of it is `Key: value` (or a
/// continuation line starting with whitespace). Returns `(key, value)` pairs in order.
///
/// As for git, the message ends at a patch divider: a line that starts with `---` and a blank.
pub fn parse(message: &str) -> Vec<(String, String)> {
    let body = &message[..divider(message).unwrap_or(message.len())];
    let body = body.trim_end_matches(['\n', '\r', ' ']);
    let last = match body.rfind("\n\n") {
        Some(i) => &body[i + 2..],
        None => return vec![],
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                None => return vec![],
            }
        }
        let Some((k, v)) = line.split_once(':') else {
            return vec![];
        };
        let key_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !key_ok {
            return vec![];
        }
        out.push((k.to_string(), v.trim().to_string()));
    }
    out
}

/// Where git's patch divider starts: the first line that begins with `---` followed by a space,
/// a tab, a line end or the end of the text (git's `find_end_of_log_message`: nothing from there
/// on is the message).
fn divider(message: &str) -> Option<usize> {
    std::iter::once(0)
        .chain(message.match_indices('\n').map(|(i, _)| i + 1))
        .find(|&i| {
            let line = &message.as_bytes()[i..];
            line.starts_with(b"---") && line.get(3).is_none_or(|b| b" \t\n\r".contains(b))
        })
}

/// The first value of a trailer key.
pub fn get<'a>(trailers: &'a [(String, String)], key: &str) -> Option<&'a str> {
    trailers
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A line of `message` that git could read as a `Wf-Action` trailer, though [`parse`] may not:
/// the key in any case at the start of a line (after any blanks), then blanks, then `:`, at any
/// place in the message. git's trailer parser (`trailer.c`, behind `interpret-trailers
/// --parse`, `%(trailers)` and the forges' views) also reads a last paragraph with comment lines
/// in it, with blank lines after it, before a scissors line, with text lines beside a
/// `Signed-off-by`, and keys followed by blanks; so a commit the verifier does not judge as an
/// action must not hold such a line anywhere, or readers would see an action no one signed.
pub fn action_line_for_git(message: &str) -> Option<&str> {
    let name = key::ACTION.as_bytes();
    message.split('\n').find(|line| {
        let l = line.trim_start_matches([' ', '\t']).as_bytes();
        l.get(..name.len())
            .is_some_and(|k| k.eq_ignore_ascii_case(name))
            && l[name.len()..]
                .iter()
                .find(|b| !matches!(b, b' ' | b'\t'))
                .is_some_and(|b| *b == b':')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages a red-team helper found git reading as an approval, where [`parse`] reads
    /// no trailers: each is caught; lines git cannot read as the key are not.
    #[test]
    fn lines_git_reads_as_an_action_are_found_where_parse_finds_none() {
        let t = "Wf-Task: T-1";
        let forged = [
            format!("s\n\n{t}\nWf-Action : approve\nWf-Actor: alice\n"),
            format!("s\n\n{t}\n# in the meeting\nWf-Action: approve\nWf-Actor: alice\n"),
            format!("s\n\n{t}\nWf-Action: approve\nWf-Actor: alice\n\n\t"),
            format!(
                "s\n\nApproved.\nSigned-off-by: A <a@x>\n{t}\nWf-Action: approve\nWf-Actor: alice\n"
            ),
            format!(
                "s\n\n{t}\nWf-Action: approve\n# ------------------------ >8 ------------------------\n\nx\n"
            ),
            "s\n\nwf-action\t:approve\n".to_string(),
            "s\n\n  WF-ACTION: approve\r\n".to_string(),
        ];
        for m in &forged {
            assert_eq!(get(&parse(m), key::ACTION), None, "{m:?}");
            assert!(action_line_for_git(m).is_some(), "{m:?}");
        }
        for m in [
            "s\n\nWf-Actions: approve\n",
            "s\n\nWf-Action approve\n",
            "s\n\nthe Wf-Action: trailer\n",
            "s\n\nWf-Actor: alice\n",
        ] {
            assert_eq!(action_line_for_git(m), None, "{m:?}");
        }
        let written = message("wf: new T-1: x", "", &[(key::ACTION, "new".into())]);
        assert_eq!(action_line_for_git(&written), Some("Wf-Action: new"));
    }

    #[test]
    fn forged_trailers_in_user_text_do_not_parse() {
        let m = message(
            "wf: new T-1: hello\nWf-Actor: mallory",
            "line\n\nWf-Actor: mallory\n---\n",
            &[(key::ACTOR, "alice\nWf-Action: approve".into())],
        );
        let t = parse(&m);
        assert_eq!(
            t,
            vec![(
                "Wf-Actor".to_string(),
                "alice Wf-Action: approve".to_string()
            )]
        );
        assert_eq!(
            m.lines().next().unwrap(),
            "wf: new T-1: hello Wf-Actor: mallory"
        );
        assert!(!m.lines().any(|l| l.starts_with("---")));
    }

    /// Found by `tests/trailers_git.rs` (shrunk): git reads no trailers after a patch divider,
    /// not even when the divider is the subject.
    #[test]
    fn nothing_after_a_patch_divider_is_a_trailer() {
        assert!(parse("---\n\nWf-Task: \n").is_empty());
        assert!(parse("s\n\n--- x\n\nWf-Task: T-1\n").is_empty());
        assert_eq!(
            parse("s\n\nWf-Task: T-1\n---\tdiff\nWf-Actor: x\n"),
            vec![("Wf-Task".to_string(), "T-1".to_string())]
        );
        // A divider at the very end cuts nothing before it; `---x` is no divider.
        for m in ["s\n\nWf-Task: T-1\n---", "---x\n\nWf-Task: T-1\n"] {
            assert_eq!(get(&parse(m), "Wf-Task"), Some("T-1"), "{m:?}");
        }
    }

    #[test]
    fn parse_needs_a_last_paragraph_of_trailers() {
        assert!(parse("subject only").is_empty());
        assert!(parse("s\n\nnot a trailer\nWf-Task: x").is_empty());
        assert_eq!(
            get(&parse("s\n\nWf-Task: x\n  y\n"), "Wf-Task"),
            Some("x y")
        );
    }
}
