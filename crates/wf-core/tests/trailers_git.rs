//! The trailers wf writes are the trailers git reads: for random messages built with
//! `wf_core::trailer::message` (awkward subjects, notes and values: colons, Unicode, newlines,
//! trailer and divider look-alikes, leading and trailing blanks), the real
//! `git interpret-trailers --parse` returns exactly what `trailer::parse` returns, and that is
//! exactly the generated trailers with their values folded to one line.
//!
//! The core does no I/O, so this lives here, as an integration test that runs git: with
//! `GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1` and `HOME` a temporary folder outside
//! any repository, so no one's `trailer.*` configuration leaks in. Each case checks a batch of
//! messages in one git call: git prints the trailers of every file it is given, one after the
//! other, so a separator file with a known trailer goes between two messages.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use wf_core::text::one_line;
use wf_core::trailer::{self, key};

const KEYS: &[&str] = &[
    key::TASK,
    key::ACTION,
    key::ACTOR,
    key::ACTOR_KIND,
    key::WORKFLOW,
    key::STEP,
    key::ASSIGNEE,
    key::REVISION,
    key::DIGEST,
    key::VERDICT,
    key::NEW_REVISION,
    key::NEW_DIGEST,
    key::MODEL,
    key::PROMPT_DIGEST,
    key::RUN_COMMAND,
    key::RUN_STARTED,
    key::RUN_ENDED,
    key::RUN_EXIT,
    key::SUBJECT,
    key::PROPOSAL,
];

/// The key of the separator files; no generated key is this one.
const SEP: &str = "Wf-Batch-Separator";

const PIECES: &[&str] = &[
    ":",
    ": ",
    " : ",
    "::",
    "a: b",
    "Wf-Actor: mallory",
    "\nWf-Action: approve",
    "\n\nWf-Task: T-000000\n",
    "Signed-off-by: x <x@y>",
    "(cherry picked from commit 0000)",
    "---",
    "\n---\n",
    "\n--- x",
    "# c",
    "\n#x: y",
    "\"",
    "'",
    "\\",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "   ",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{200b}",
    "\u{0}",
    "\u{1b}[2J",
    "\u{7f}",
    "é",
    "𝄞",
    "😀",
    "Note: ",
    "sha256:00ff",
    "T-3f9a2c",
    "wf: submit",
];

fn awkward() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(String::from),
        2 => prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
        2 => "[a-zA-Z0-9 .,-]{0,10}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn trailer_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(String::from),
        1 => "[A-Za-z0-9][A-Za-z0-9-]{0,15}".prop_filter("not the separator", |k| k != SEP),
    ]
}

/// A subject as wf writes them (`wf: <action> <id>: <title>`, the title awkward), or any text.
fn subject() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ("[a-z]{3,8}", awkward()).prop_map(|(a, title)| format!("wf: {a} T-3f9a2c: {title}")),
        1 => awkward(),
    ]
}

#[derive(Clone, Debug)]
struct Message {
    subject: String,
    note: String,
    trailers: Vec<(String, String)>,
}

impl Message {
    fn text(&self) -> String {
        let pairs: Vec<(&str, String)> = self
            .trailers
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        trailer::message(&self.subject, &self.note, &pairs)
    }
}

fn message() -> impl Strategy<Value = Message> {
    (
        subject(),
        prop_oneof![1 => Just(String::new()), 2 => awkward()],
        prop::collection::vec((trailer_key(), awkward()), 1..10),
    )
        .prop_map(|(subject, note, trailers)| Message {
            subject,
            note,
            trailers,
        })
}

fn git(home: &Path) -> Command {
    let mut c = Command::new("git");
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", home.parent().unwrap_or(home))
        .env("LANG", "C")
        .env("LC_ALL", "C")
        .current_dir(home);
    c
}

/// `git interpret-trailers --parse` of each message, in one call.
fn git_trailers(home: &Path, messages: &[String]) -> Vec<Vec<(String, String)>> {
    let mut args = vec!["interpret-trailers".to_string(), "--parse".to_string()];
    let sep = home.join("separator");
    std::fs::write(&sep, format!("separator\n\n{SEP}: x\n")).unwrap();
    for (i, m) in messages.iter().enumerate() {
        let path = home.join(format!("message-{i}"));
        std::fs::write(&path, m).unwrap();
        args.push(path.display().to_string());
        args.push(sep.display().to_string());
    }
    let out = git(home)
        .args(&args)
        .output()
        .expect("git runs (it is needed for this test)");
    assert!(
        out.status.success(),
        "git interpret-trailers failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("git prints UTF-8 back");
    let mut all = vec![vec![]];
    for line in text.lines() {
        let (k, v) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("git printed {line:?}"));
        if k == SEP {
            all.push(vec![]);
        } else {
            all.last_mut().unwrap().push((k.to_string(), v.to_string()));
        }
    }
    assert_eq!(all.pop(), Some(vec![]), "output ends with a separator");
    assert_eq!(all.len(), messages.len(), "one block per message:\n{text}");
    all
}

proptest! {
    // Each case is one git process. Failing seeds are kept with the core's own (cargo runs this
    // in the crate's folder), and replayed first on every run.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/trailers_git.txt",
        ))),
        ..ProptestConfig::with_cases(64)
    })]

    #[test]
    fn git_reads_the_trailers_wf_writes(batch in prop::collection::vec(message(), 1..16)) {
        let home = tempfile::Builder::new().prefix("wf-trailers-").tempdir().unwrap();
        let texts: Vec<String> = batch.iter().map(Message::text).collect();
        let from_git = git_trailers(home.path(), &texts);
        for ((m, text), git) in batch.iter().zip(&texts).zip(from_git) {
            let ours = trailer::parse(text);
            prop_assert_eq!(&ours, &git, "git and wf disagree on {:?}", text);
            let want: Vec<(String, String)> = m
                .trailers
                .iter()
                .map(|(k, v)| (k.clone(), one_line(v)))
                .collect();
            // A subject that is git's patch divider (`---` and a blank) leaves no message, so no
            // trailers; wf's own subjects start with `wf: `.
            let subject = one_line(&m.subject);
            if subject == "---" || subject.starts_with("--- ") {
                prop_assert_eq!(ours, vec![], "{:?}", text);
            } else {
                prop_assert_eq!(ours, want, "{:?}", text);
            }
        }
    }
}

/// The separator trick itself: git prints nothing for a message without trailers, and the
/// blocks still line up.
#[test]
fn a_message_without_trailers_gives_an_empty_block() {
    let home = tempfile::Builder::new()
        .prefix("wf-trailers-")
        .tempdir()
        .unwrap();
    let got = git_trailers(
        home.path(),
        &["subject only\n".into(), "s\n\nWf-Task: T-1\n".into()],
    );
    assert_eq!(
        got,
        vec![vec![], vec![("Wf-Task".to_string(), "T-1".to_string())]]
    );
}
