//! Hostile input: broken store files, hostile ids and text, bytes that are not UTF-8, a
//! gigabyte on stdin, unusable keys and odd repositories. Each is answered with the documented
//! exit code and one clear line (plus a hint) on stderr, never a panic, and nothing changes:
//! same HEAD, same refs, a clean work tree, no new reachable object.
//!
//! What other files already cover is not repeated here: forged trailers in titles and notes,
//! unregistered and missing keys, not-a-store, bare servers and racing writers (lifecycle.rs);
//! forged, unsigned and malformed commits (verify.rs).

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, describe, need, output, Store, ALICE, BOB, BOT};
use wf_core::task::{max_file_size_text, MAX_FILE_SIZE};
use wf_core::Task;

// ---------------------------------------------------------------------------------------------
// Helpers: what "nothing changed" and "one clear line" mean
// ---------------------------------------------------------------------------------------------

/// What a refused call must leave as it found it.
#[derive(Debug, PartialEq, Eq)]
struct State {
    head: String,
    refs: String,
    status: String,
    reachable: String,
}

fn state_at(s: &Store, dir: &Path) -> State {
    let git = |args: &[&str]| {
        let out = s.git_at(dir, args, &[], None);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let bare = git(&["rev-parse", "--is-bare-repository"]).trim() == "true";
    State {
        head: git(&["rev-parse", "HEAD"]),
        // HEAD's branch, or nothing when detached.
        refs: git(&["for-each-ref", "--format=%(refname) %(objectname)"])
            + &String::from_utf8_lossy(
                &s.git_at(dir, &["symbolic-ref", "-q", "HEAD"], &[], None)
                    .stdout,
            ),
        status: if bare {
            String::new()
        } else {
            git(&["status", "--porcelain", "--untracked-files=all"])
        },
        reachable: git(&["rev-list", "--objects", "--all"]),
    }
}

fn state(s: &Store) -> State {
    state_at(s, &s.repo)
}

/// Loose objects and packs, as `git count-objects -v` counts them.
fn object_count(s: &Store) -> u64 {
    s.git(&["count-objects", "-v"])
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(": ")?;
            ["count", "in-pack"]
                .contains(&k)
                .then(|| v.parse::<u64>().ok())?
        })
        .sum()
}

/// Files under `.git/objects` that are neither objects nor git's own bookkeeping: a blob
/// writer's temporary file left behind would show here.
fn stray_object_files(git_dir: &Path) -> Vec<String> {
    let mut stray = vec![];
    let mut dirs = vec![git_dir.join("objects")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let rel = p.strip_prefix(git_dir.join("objects")).unwrap();
            let r = rel.to_string_lossy();
            let object = r.len() == 41
                && r.as_bytes()[2] == b'/'
                && r.bytes()
                    .filter(|b| *b != b'/')
                    .all(|b| b.is_ascii_hexdigit());
            if !(object || r.starts_with("pack/") || r.starts_with("info/")) {
                stray.push(r.into_owned());
            }
        }
    }
    stray
}

/// No byte a terminal would act on: only printable text and newlines.
fn assert_no_controls(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} in:\n{text}"
    );
}

/// Failed with `code` and one line `TOOL: ...` naming every phrase, at most a `hint:` line
/// after it, no panic and nothing a terminal would act on.
fn assert_clear(out: &Output, tool: &str, code: i32, phrases: &[&str], what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {}", describe(out));
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: a panic: {err}"
    );
    assert_no_controls(&out.stderr, what);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "{what}: one line and a hint expected:\n{err}"
    );
    assert!(lines[0].starts_with(&format!("{tool}: ")), "{what}: {err}");
    if let Some(h) = lines.get(1) {
        assert!(h.starts_with("hint: "), "{what}: {err}");
    }
    for p in phrases {
        assert!(lines[0].contains(p), "{what}: {p:?} not in: {err}");
    }
}

/// An argument-parser refusal (clap's own format): exit 2, no panic.
fn assert_clap_refusal(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {}", describe(out));
    assert!(err.starts_with("error: "), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_no_controls(&out.stderr, what);
}

/// A wf tool with raw (possibly non-UTF-8) arguments, signing as `key` when given.
fn raw_call(s: &Store, tool: &str, args: &[&OsStr], key: Option<&str>) -> Output {
    let mut c = s.command(bin(tool));
    c.args(args).env("RUST_BACKTRACE", "1");
    if let Some(k) = key {
        c.env("WF_SIGNING_KEY", s.key(k));
    }
    output(c, None)
}

/// A task of the standard store whose draft step the bot holds; returns its id.
fn drafting(s: &Store, title: &str) -> String {
    let id = s
        .ok("wf-new", &["--title", title], "alice")
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    id
}

/// Commit the work tree by hand with plain git, bypassing wf.
fn hand_commit(s: &Store, msg: &str) {
    s.git(&["add", "-A"]);
    s.git(&[
        "-c",
        "user.name=Hand",
        "-c",
        "user.email=hand@example.com",
        "commit",
        "-q",
        "-m",
        msg,
    ]);
}

/// Commit the work tree as `who`, signed with their key by git itself, with exactly `msg`.
fn signed_commit(s: &Store, who: (&str, &str, &str), msg: &str) {
    s.git(&["add", "-A"]);
    let key = format!("user.signingkey={}", s.key(who.0).display());
    let env = [
        ("GIT_AUTHOR_NAME", who.1),
        ("GIT_AUTHOR_EMAIL", who.2),
        ("GIT_COMMITTER_NAME", who.1),
        ("GIT_COMMITTER_EMAIL", who.2),
    ];
    let out = s.git_at(
        &s.repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &key,
            "commit",
            "-q",
            "-S",
            "--cleanup=verbatim",
            "-F",
            "-",
        ],
        &env,
        Some(msg.as_bytes()),
    );
    assert!(out.status.success(), "git commit -S: {}", describe(&out));
}

/// A tool, its arguments, who signs (if anyone) and what it gets on stdin.
type Invocation<'a> = (&'a str, Vec<&'a str>, Option<&'a str>, Option<&'a [u8]>);

/// The exact message of HEAD.
fn head_message(s: &Store) -> String {
    let raw = s.git(&["cat-file", "commit", "HEAD"]);
    raw.split_once("\n\n").unwrap().1.to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Store files that do not parse, or carry fields wf does not know
// ---------------------------------------------------------------------------------------------

#[test]
fn broken_or_unknown_fields_in_store_files_are_a_store_error_naming_file_and_line() {
    let s = Store::new();
    let id = drafting(&s, "Broken files");
    let task = Task::path(&id);
    let good = s.head();
    let read = |p: &str| std::fs::read_to_string(s.repo.join(p)).unwrap();
    let cut = |text: String, at: &str| text[..text.find(at).unwrap() + at.len()].to_string();
    let workflow = ".wf/workflows/default.toml";
    // (what, (the file, its new text, what the error must name))
    type Case = (&'static str, String, Vec<String>);
    let cases: Vec<(&str, Case)> = vec![
        (
            "truncated task file",
            (
                "task",
                cut(read(&task), "title = \"Bro"),
                vec![task.clone(), "line 2, column 13".into()],
            ),
        ),
        (
            "unknown field in the task file",
            (
                "task",
                read(&task).replacen("\nworkflow = ", "\napproved = true\nworkflow = ", 1),
                vec![
                    task.clone(),
                    "line 3, column 1".into(),
                    "unknown field `approved`".into(),
                ],
            ),
        ),
        (
            "truncated actors file",
            (
                ".wf/actors.toml",
                cut(read(".wf/actors.toml"), "kind = \"hu"),
                vec![".wf/actors.toml".into(), "line 5, column 11".into()],
            ),
        ),
        (
            "unknown field in the actors file",
            (
                ".wf/actors.toml",
                read(".wf/actors.toml").replacen("\nkind = ", "\nsuperuser = true\nkind = ", 1),
                vec![
                    ".wf/actors.toml".into(),
                    "line 5, column 1".into(),
                    "unknown field `superuser`".into(),
                ],
            ),
        ),
        (
            "truncated workflow",
            (
                workflow,
                cut(read(workflow), "[[step]]\nname = \"draft\"\nkind = \"pro"),
                vec![workflow.into(), "line 13, column 12".into()],
            ),
        ),
        (
            "unknown field in the workflow",
            (
                workflow,
                read(workflow).replacen(
                    "\ndescription = ",
                    "\nskip_review = true\ndescription = ",
                    1,
                ),
                vec![
                    workflow.into(),
                    "line 2, column 1".into(),
                    "unknown field `skip_review`".into(),
                ],
            ),
        ),
        (
            "truncated policy",
            (
                ".wf/policy.toml",
                "admins_required = ".into(),
                vec![".wf/policy.toml".into(), "line 1, column 19".into()],
            ),
        ),
        (
            "unknown field in the policy",
            (
                ".wf/policy.toml",
                "admins_required = 1\nveto = \"mallory\"\n".into(),
                vec![
                    ".wf/policy.toml".into(),
                    "line 2, column 1".into(),
                    "unknown field `veto`".into(),
                ],
            ),
        ),
    ];
    for (what, (file, text, phrases)) in cases {
        let path = if file == "task" {
            task.clone()
        } else {
            file.to_string()
        };
        std::fs::write(s.repo.join(&path), &text).unwrap();
        hand_commit(&s, what);
        let before = state(&s);
        let phrases: Vec<&str> = phrases.iter().map(String::as_str).collect();
        // Which tools read the file: every tool reads the actors and the task's workflow; the
        // policy is read by the tools that change .wf/.
        let calls: Vec<Invocation> = if file == ".wf/policy.toml" {
            vec![
                ("wf-policy", vec!["show"], None, None),
                (
                    "wf-policy",
                    vec!["set", "--admins-required", "1"],
                    Some("alice"),
                    None,
                ),
                (
                    "wf-actor",
                    vec!["update", BOB.0, "--add-role", "requester"],
                    Some("alice"),
                    None,
                ),
            ]
        } else {
            vec![
                ("wf-show", vec![&id], None, None),
                ("wf-ls", vec![], None, None),
                ("wf-assign", vec![&id, "--to", BOT.0], Some("alice"), None),
                ("wf-submit", vec![&id], Some(BOT.0), Some(b"a draft\n")),
                ("wf-run", vec![&id, "--prompt-only"], None, None),
            ]
        };
        for (tool, args, key, stdin) in calls {
            let mut call = s.call(tool).args(&args).env("RUST_BACKTRACE", "1");
            if let Some(k) = key {
                call = call.key(k);
            }
            if let Some(b) = stdin {
                call = call.stdin(b);
            }
            let out = call.run();
            assert_clear(&out, tool, 6, &phrases, &format!("{what}: {tool}"));
            assert_eq!(state(&s), before, "{what}: {tool} changed something");
        }
        // The verifier names the hand-made commit and the file it changed.
        let out = s.call("wf-verify").run();
        assert_eq!(out.status.code(), Some(1), "{what}: {}", describe(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("unsigned: changes {path}")),
            "{what}: {text}"
        );
        s.git(&["reset", "-q", "--hard", &good]);
        s.git(&["clean", "-qfd"]);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Task ids that are paths, look-alikes, empty, huge; NUL and escapes in ids on stdin
// ---------------------------------------------------------------------------------------------

#[test]
fn hostile_task_ids_are_usage_errors_and_change_nothing() {
    let s = Store::new();
    let id = drafting(&s, "Ids");
    let before = state(&s);
    let long = format!("T-{}", "a".repeat(10_000));
    let hostile = [
        "",
        "../x",
        "/",
        "T-../../.wf/actors",
        "tasks/T-abc123.toml",
        "T-\u{430}1b2c3",                                     // Cyrillic а
        "T-\u{ff11}\u{ff12}\u{ff13}\u{ff14}\u{ff15}\u{ff16}", // fullwidth digits
        "T-abc\u{202e}321",                                   // right-to-left override
        "T-\u{1b}]52;c;ZXZpbA==\u{7}",                        // OSC 52, BEL
        &long,
    ];
    let tools: [(&str, &[&str], Option<&str>); 7] = [
        ("wf-show", &[], None),
        ("wf-log", &[], None),
        ("wf-assign", &["--to", BOT.0], Some("alice")),
        ("wf-submit", &[], Some(BOT.0)),
        ("wf-review", &["--accept"], Some(BOB.0)),
        ("wf-approve", &[], Some(ALICE.0)),
        ("wf-run", &["--prompt-only"], None),
    ];
    for bad in hostile {
        for (tool, rest, key) in tools {
            let mut call = s.call(tool).arg(bad).args(rest);
            if let Some(k) = key {
                call = call.key(k);
            }
            if tool == "wf-submit" {
                call = call.stdin(b"output that must not be read\n");
            }
            let out = call.run();
            let what = format!("{tool} {:?}", &bad[..bad.len().min(30)]);
            assert_clear(&out, tool, 2, &["invalid task id"], &what);
            assert!(
                out.stderr.len() < 300,
                "{what}: an overlong line: {}",
                describe(&out)
            );
        }
    }
    assert_eq!(state(&s), before);

    // Ids on stdin: NUL separates them (so no id can hold one), bytes that are not UTF-8 and
    // escapes are reported escaped, each on its own line, and the good id is still served.
    let mut input = format!("{id}\0../x\0").into_bytes();
    input.extend_from_slice(b"T-\xff\xfe\0T-\x1b[2J\x07\0\0");
    let out = s.call("wf-show").arg("-").stdin(&input).run();
    assert_eq!(out.status.code(), Some(8), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(&format!("{id}  Ids\n")));
    assert_no_controls(&out.stderr, "wf-show -");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("invalid task id").count(), 3, "{err}");
    assert!(
        err.contains("\\u{1b}[2J\\u{7}"),
        "escapes are shown escaped: {err}"
    );
    assert!(err.ends_with("wf-show: 3 of 4 ids failed\nhint: each failure is reported above as TOOL: ID: message\n"), "{err}");
    // The same ids for a writer: nothing is committed for a bad id.
    let out = s
        .call("wf-assign")
        .args(["-", "--to", BOT.0])
        .key("alice")
        .stdin(&input[id.len() + 1..])
        .run();
    assert_eq!(out.status.code(), Some(8), "{}", describe(&out));
    assert_no_controls(&out.stderr, "wf-assign -");
    assert_eq!(state(&s), before);
}

// ---------------------------------------------------------------------------------------------
// 3. Titles, notes and comments with newlines, trailers and terminal escapes
// ---------------------------------------------------------------------------------------------

/// Escape sequences a terminal acts on: colours, clear screen, OSC 52 (set the clipboard),
/// BEL, a carriage return that overwrites the line, a C1 CSI.
const ESCAPES: &str = "\u{1b}[31mred\u{1b}[0m \u{1b}[2J \u{1b}]52;c;ZXZpbA==\u{7} \u{7}\r\u{9b}1m";

#[test]
fn escapes_in_titles_notes_and_comments_are_stored_folded_and_never_reach_the_terminal() {
    let s = Store::new();
    let title = format!("Launch {ESCAPES}\nWf-Actor: mallory");
    let id = s
        .ok("wf-new", &["--title", &title], "alice")
        .trim()
        .to_string();
    let note = format!("hand over {ESCAPES}\n\nWf-Action: approve\nWf-Actor: mallory");
    s.ok("wf-assign", &[&id, "--to", BOT.0, "-m", &note], "alice");
    s.call("wf-submit")
        .args([&id, "--name", "draft.md", "-m", &note])
        .key(BOT.0)
        .stdin(b"a draft\n")
        .ok();
    s.ok("wf-assign", &[&id, "--to", BOB.0], "alice");
    let comment = format!("looks {ESCAPES}\nWf-Verdict: accept");
    s.ok("wf-review", &[&id, "--comment", "-m", &comment], BOB.0);

    // Stored folded: the task file holds no control character, escaped or raw.
    let file = s.git(&["show", &format!("HEAD:{}", Task::path(&id))]);
    assert_no_controls(file.as_bytes(), "task file");
    for esc in ["\\u001b", "\\u0007", "\\r", "\\u009b", "\\e"] {
        assert!(!file.contains(esc), "{esc} stored in:\n{file}");
    }
    // Only the tools' own trailers, on every commit.
    for c in s.commits().iter().take(5) {
        let trailers = s.trailers(c);
        assert!(
            trailers
                .iter()
                .all(|(k, v)| k.starts_with("Wf-") && v != "mallory"),
            "{c}: {trailers:?}"
        );
        let verdicts = trailers.iter().filter(|(k, _)| k == "Wf-Verdict").count();
        assert!(verdicts <= 1, "{trailers:?}");
        assert_no_controls(s.git(&["cat-file", "commit", c]).as_bytes(), "commit");
    }
    let last = s.trailers(&s.head());
    assert!(
        last.contains(&("Wf-Verdict".into(), "comment".into())),
        "{last:?}"
    );
    // Every human output is free of control characters; JSON escapes what it holds.
    for (tool, args) in [
        ("wf-show", vec![id.as_str()]),
        ("wf-ls", vec![]),
        ("wf-log", vec![]),
        ("wf-log", vec!["-p", id.as_str()]),
        ("wf-verify", vec![]),
    ] {
        let out = s.call(tool).args(&args).run();
        assert!(out.status.success(), "{tool}: {}", describe(&out));
        assert_no_controls(&out.stdout, tool);
    }
    s.assert_clean();

    // A task file and a commit made by hand with escapes wf would never write: the readers
    // show them escaped.
    let path = s.repo.join(Task::path(&id));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replacen(
            "title = \"Launch",
            "title = \"\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2JPwned\\r\\nLaunch",
            1,
        )
        .replacen("step = \"review\"", "step = \"\\u001b[5mreview\"", 1);
    std::fs::write(&path, text).unwrap();
    hand_commit(
        &s,
        &format!("x\n\nWf-Task: {id}\nWf-Action: approve\nWf-Actor: \u{1b}]52;c;ZXZpbA==\u{7}mallory\u{9b}31m"),
    );
    for (tool, args) in [
        ("wf-show", vec![id.as_str()]),
        ("wf-ls", vec![]),
        ("wf-log", vec![id.as_str()]),
        ("wf-verify", vec![]),
    ] {
        let out = s.call(tool).args(&args).run();
        assert!(
            out.status.code() == Some(if tool == "wf-verify" { 1 } else { 0 }),
            "{tool}: {}",
            describe(&out)
        );
        assert_no_controls(&out.stdout, tool);
        assert_no_controls(&out.stderr, tool);
        let text = String::from_utf8_lossy(&out.stdout);
        if tool != "wf-verify" {
            assert!(
                text.contains("\\u{1b}]52;c;ZXZpbA==\\u{7}"),
                "{tool} shows the escape: {text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Arguments and file names that are not UTF-8
// ---------------------------------------------------------------------------------------------

#[test]
fn arguments_and_file_names_that_are_not_utf8_are_refused_clearly_or_kept_as_bytes() {
    let s = Store::new();
    let id = drafting(&s, "Bytes");
    let before = state(&s);
    let ff = OsStr::from_bytes(b"T-\xff");
    let idos = OsStr::new(&id);
    // Arguments wf reads as text: the parser refuses them.
    let calls: [(&str, Vec<&OsStr>, Option<&str>); 6] = [
        ("wf-show", vec![ff], None),
        (
            "wf-new",
            vec![OsStr::new("--title"), OsStr::from_bytes(b"a\xffb")],
            Some("alice"),
        ),
        (
            "wf-assign",
            vec![idos, OsStr::new("--to"), OsStr::from_bytes(b"b\xffb")],
            Some("alice"),
        ),
        ("wf-verify", vec![OsStr::from_bytes(b"HEAD\xff")], None),
        (
            "wf-ls",
            vec![OsStr::new("--assignee"), OsStr::from_bytes(b"\xff")],
            None,
        ),
        (
            "wf-new",
            vec![
                OsStr::new("--title"),
                OsStr::new("x"),
                OsStr::new("--input"),
                OsStr::from_bytes(b"a=\xff"),
            ],
            Some("alice"),
        ),
    ];
    for (tool, args, key) in calls {
        let out = raw_call(&s, tool, &args, key);
        assert_clap_refusal(&out, &format!("{tool} {args:?}"));
        assert_eq!(state(&s), before);
    }
    // An output file whose name is not UTF-8 cannot be named in the store.
    let odd = s.root.join(OsStr::from_bytes(b"dr\xffft.md"));
    std::fs::write(&odd, b"a draft\n").unwrap();
    let out = raw_call(&s, "wf-submit", &[idos, odd.as_os_str()], Some(BOT.0));
    assert_clear(
        &out,
        "wf-submit",
        2,
        &["has no usable file name"],
        "wf-submit odd name",
    );
    let out = raw_call(
        &s,
        "wf-submit",
        &[idos, OsStr::new("--name"), OsStr::from_bytes(b"\xff")],
        Some(BOT.0),
    );
    assert_clap_refusal(&out, "wf-submit --name");
    // -C to a folder that does not exist.
    let out = raw_call(
        &s,
        "wf-ls",
        &[OsStr::new("-C"), OsStr::from_bytes(b"/nowhere/\xff")],
        None,
    );
    assert_clear(&out, "wf-ls", 2, &["no such directory"], "wf-ls -C");
    assert_eq!(state(&s), before);

    // An input file is read by its path, which may be any bytes; its name must be plain.
    let input = OsString::from_vec([b"brief=".as_slice(), odd.as_os_str().as_bytes()].concat());
    let out = raw_call(
        &s,
        "wf-new",
        &[
            OsStr::new("--title"),
            OsStr::new("odd path"),
            OsStr::new("--input-file"),
            &input,
        ],
        Some("alice"),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let new = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(
        s.git(&["show", &format!("HEAD:{}in/brief", Task::dir(&new))]),
        "a draft\n"
    );
    s.assert_clean();
    let before = state(&s);
    let bad_name = OsString::from_vec(b"br\xffef=/dev/null".to_vec());
    let out = raw_call(
        &s,
        "wf-new",
        &[
            OsStr::new("--title"),
            OsStr::new("x"),
            OsStr::new("--input-file"),
            &bad_name,
        ],
        Some("alice"),
    );
    assert_clear(
        &out,
        "wf-new",
        2,
        &["--input-file", "the name is not UTF-8"],
        "wf-new --input-file",
    );
    let out = raw_call(
        &s,
        "wf-new",
        &[
            OsStr::new("--title"),
            OsStr::new("x"),
            OsStr::new("--input-file"),
            OsStr::from_bytes(b"no-equals-\xff"),
        ],
        Some("alice"),
    );
    assert_clear(
        &out,
        "wf-new",
        2,
        &["is not NAME=PATH"],
        "wf-new --input-file without =",
    );
    assert_eq!(state(&s), before);

    // wf-init cannot point git at the signer list in a folder whose path is not UTF-8: it
    // refuses before creating anything.
    let odd_dir = s.root.join(OsStr::from_bytes(b"st\xffre"));
    let out = raw_call(
        &s,
        "wf-init",
        &[
            OsStr::new("--id"),
            OsStr::new("alice"),
            OsStr::new("--email"),
            OsStr::new(ALICE.2),
            odd_dir.as_os_str(),
        ],
        Some("alice"),
    );
    assert_clear(&out, "wf-init", 2, &["is not a UTF-8 path"], "wf-init");
    assert!(!odd_dir.exists());

    // A file whose name is not UTF-8, committed by hand under tasks/<id>/out/ in a signed
    // commit that claims a submit: the verifier reports it, the readers carry on.
    let out_dir = s.repo.join(Task::dir(&id)).join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join(OsStr::from_bytes(b"x\xff.md")), b"x\n").unwrap();
    let msg = format!("wf: submit {id}: Bytes\n\nWf-Task: {id}\nWf-Action: submit\nWf-Actor: drafter-bot\nWf-Actor-Kind: ai\nWf-Step: draft\n");
    signed_commit(&s, BOT, &msg);
    let out = s.call("wf-verify").arg("--no-cache").run();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("malformed: tasks/")
            && text
                .contains("is not allowed under .wf/ and tasks/ (wf writes printable ASCII names)"),
        "{text}"
    );
    assert_no_controls(&out.stdout, "wf-verify");
    for tool in ["wf-ls", "wf-log"] {
        s.call(tool).ok();
    }
    s.call("wf-show").arg(&id).ok();
}

// ---------------------------------------------------------------------------------------------
// 5. A gigabyte of output: refused at the size limit, fast, in bounded memory
// ---------------------------------------------------------------------------------------------

/// Run a process to its end, sampling its peak resident memory (`VmHWM`) as it runs; returns
/// its output and the largest peak seen, in KiB.
fn run_measured(mut child: std::process::Child) -> (Output, u64) {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let t = std::thread::spawn(move || {
            std::io::Read::read_to_end(&mut err_pipe, &mut e).unwrap();
            e
        });
        std::io::Read::read_to_end(&mut out_pipe, &mut o).unwrap();
        (o, t.join().unwrap())
    });
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let (stdout, stderr) = reader.join().unwrap();
    (
        Output {
            status: code,
            stdout,
            stderr,
        },
        peak,
    )
}

/// Pipe `bytes` bytes of zeros from `head` into `wf-submit ID` signed by the bot; returns its
/// output, its peak memory (KiB), how long it took and whether `head` got to write them all.
fn submit_zeros(s: &Store, id: &str, bytes: u64) -> (Output, u64, Duration, bool) {
    need("head");
    let start = Instant::now();
    let mut head = Command::new("head")
        .args(["-c", &bytes.to_string(), "/dev/zero"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut c = s.command(bin("wf-submit"));
    c.args([id, "--name", "zeros.bin"])
        .env("WF_SIGNING_KEY", s.key(BOT.0))
        .stdin(Stdio::from(head.stdout.take().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    // The command holds our copy of the pipe's read end: close it, or head never sees the
    // reader go.
    drop(c);
    let (out, peak) = run_measured(child);
    let all_written = head.wait().unwrap().success();
    (out, peak, start.elapsed(), all_written)
}

#[test]
fn a_gigabyte_on_stdin_is_refused_at_the_size_limit_fast_and_in_bounded_memory() {
    let s = Store::new();
    let id = drafting(&s, "Huge");
    let before = state(&s);
    let objects = object_count(&s);
    let limit = format!("output is larger than the {} limit", max_file_size_text());

    let (out, peak_kib, took, all_written) = submit_zeros(&s, &id, 1 << 30);
    assert_clear(&out, "wf-submit", 2, &[&limit], "1 GiB on stdin");
    assert!(!all_written, "wf-submit read the whole gigabyte");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(peak_kib < 150 * 1024, "peak memory {peak_kib} KiB");
    assert_eq!(state(&s), before);
    assert!(object_count(&s) <= objects + 1, "objects grew");
    assert_eq!(
        stray_object_files(&s.repo.join(".git")),
        Vec::<String>::new()
    );

    // One byte over the limit is refused; exactly the limit is a revision.
    let (out, _, _, _) = submit_zeros(&s, &id, MAX_FILE_SIZE + 1);
    assert_clear(&out, "wf-submit", 2, &[&limit], "limit + 1");
    assert_eq!(state(&s), before);
    let file = s.file("big.bin", &vec![b'x'; MAX_FILE_SIZE as usize + 1]);
    let (code, err) = s.call("wf-submit").args([&id, &file]).key(BOT.0).refused();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{file}: {limit}")), "{err}");
    assert_eq!(state(&s), before);
    assert_eq!(
        stray_object_files(&s.repo.join(".git")),
        Vec::<String>::new()
    );

    let (out, peak_kib, _, all_written) = submit_zeros(&s, &id, MAX_FILE_SIZE);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(all_written);
    assert!(peak_kib < 150 * 1024, "peak memory {peak_kib} KiB");
    assert_eq!(
        s.show(&id)["revision"][0]["artifacts"][0]["size"],
        MAX_FILE_SIZE
    );
    s.assert_clean();
    s.call("wf-verify").ok();

    // The limit is the one in wf-core, and the help says so.
    for tool in ["wf-submit", "wf-run"] {
        let help = s.call(tool).arg("--help").ok();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains(&max_file_size_text()),
            "{tool} --help: {help}"
        );
    }
}

#[test]
fn an_agent_whose_output_passes_the_limit_is_stopped_and_nothing_is_recorded() {
    let s = Store::new();
    let id = drafting(&s, "Chatty agent");
    // An agent that ignores a closed pipe and writes on forever: only stopping it ends it.
    let agent = s.script(
        "agent.sh",
        "#!/bin/sh\ntrap '' PIPE\nwhile :; do head -c 1048576 /dev/zero 2>/dev/null; done\n",
    );
    s.ok(
        "wf-actor",
        &["update", BOT.0, "--run-timeout", "600", "--", &agent],
        "alice",
    );
    let before = state(&s);
    let start = Instant::now();
    let out = s.call("wf-run").arg(&id).key(BOT.0).run();
    assert_clear(
        &out,
        "wf-run",
        2,
        &[
            &format!("larger than the {} limit", max_file_size_text()),
            "nothing recorded",
        ],
        "wf-run",
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(state(&s), before);
    assert_eq!(
        stray_object_files(&s.repo.join(".git")),
        Vec::<String>::new()
    );
}

#[test]
fn an_output_file_over_the_limit_committed_by_hand_is_reported_without_being_read() {
    let s = Store::new();
    let id = drafting(&s, "Smuggled");
    s.call("wf-submit")
        .args([&id, "--name", "draft.md"])
        .key(BOT.0)
        .stdin(b"small\n")
        .ok();
    // Take the submit back and commit it again, signed by the bot, with a file over the limit.
    let msg = head_message(&s);
    s.git(&["reset", "-q", "--soft", "HEAD~1"]);
    let big = s.repo.join(format!("{}out/draft.md", Task::dir(&id)));
    std::fs::write(&big, vec![0u8; MAX_FILE_SIZE as usize + 1]).unwrap();
    signed_commit(&s, BOT, &msg);
    let out = s.call("wf-verify").arg("--no-cache").run();
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "{id} malformed: {}out/draft.md is {} bytes, over the {} limit",
            Task::dir(&id),
            MAX_FILE_SIZE + 1,
            max_file_size_text()
        )),
        "{text}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

// ---------------------------------------------------------------------------------------------
// 6. Empty output
// ---------------------------------------------------------------------------------------------

#[test]
fn an_empty_output_is_refused_by_rule_12_and_commits_nothing() {
    let s = Store::new();
    let id = drafting(&s, "Empty");
    let before = state(&s);
    let out = s.call("wf-submit").arg(&id).key(BOT.0).stdin(b"").run();
    assert_clear(
        &out,
        "wf-submit",
        1,
        &["rule 12 (bad-input)", "the output is empty"],
        "empty stdin",
    );
    assert_eq!(state(&s), before);
    let empty = s.file("empty.md", b"");
    let out = s.call("wf-submit").args([&id, &empty]).key(BOT.0).run();
    assert_clear(&out, "wf-submit", 1, &["the output is empty"], "empty file");
    assert_eq!(state(&s), before);
}

// ---------------------------------------------------------------------------------------------
// 7. Signing keys that cannot sign
// ---------------------------------------------------------------------------------------------

#[test]
fn unreadable_encrypted_or_non_key_files_are_identity_errors() {
    need("setsid");
    let s = Store::new();
    let id = drafting(&s, "Keys");
    // A registered human whose key has a passphrase.
    let out = s
        .command("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "open sesame",
            "-C",
            "locked",
            "-f",
        ])
        .arg(s.key("locked"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let pubkey = s.pubkey("locked");
    s.ok(
        "wf-actor",
        &[
            "add",
            "locked",
            "--kind",
            "human",
            "--name",
            "Locked",
            "--email",
            "locked@example.com",
            "--pubkey",
            &pubkey,
            "--role",
            "requester",
        ],
        "alice",
    );
    let before = state(&s);
    let text = s.file("keys/text", b"not a key at all\n");
    let empty = s.file("keys/empty", b"");
    let folder = s.root.join("keys").display().to_string();
    let unreadable = s.file("keys/unreadable", &std::fs::read(s.key("alice")).unwrap());
    std::fs::set_permissions(
        &unreadable,
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "text file",
            &text,
            &["is not an OpenSSH private or public key"],
        ),
        (
            "empty file",
            &empty,
            &["is not an OpenSSH private or public key"],
        ),
        ("folder", &folder, &["cannot read key", "Is a directory"]),
        (
            "unreadable",
            &unreadable,
            &["cannot read key", "Permission denied"],
        ),
    ];
    for (what, key, phrases) in cases {
        for (tool, args) in [
            ("wf-new", vec!["--title", "x"]),
            ("wf-assign", vec![id.as_str(), "--to", BOT.0]),
        ] {
            let mut c = s.command(
                if what == "unreadable" && rustix::process::geteuid().is_root() {
                    // root reads any file: drop the capabilities that let it.
                    need("setpriv");
                    "setpriv"
                } else {
                    bin(tool)
                },
            );
            if c.get_program() == "setpriv" {
                c.args([
                    "--inh-caps=-dac_override,-dac_read_search",
                    "--bounding-set=-dac_override,-dac_read_search",
                    bin(tool),
                ]);
            }
            c.args(&args).args(["--key", key]);
            let out = output(c, None);
            assert_clear(&out, tool, 4, phrases, &format!("{what}: {tool}"));
            assert_eq!(state(&s), before, "{what}: {tool}");
        }
    }
    // A passphrase, no agent and no terminal to ask on: ssh-keygen cannot sign.
    let mut c = s.command("setsid");
    c.args(["-w", bin("wf-new"), "--title", "locked"])
        .env("WF_SIGNING_KEY", s.key("locked"));
    let out = output(c, None);
    assert_clear(
        &out,
        "wf-new",
        4,
        &["ssh-keygen -Y sign failed"],
        "passphrase key",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Enter passphrase"));
    assert_eq!(state(&s), before);
}

// ---------------------------------------------------------------------------------------------
// 8. Repositories: detached HEAD, shallow clone, bare clone, not a store
// ---------------------------------------------------------------------------------------------

#[test]
fn a_detached_head_refuses_every_writer_and_serves_every_reader() {
    let s = Store::new();
    let id = drafting(&s, "Detached");
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(b"a draft\n")
        .ok();
    s.ok("wf-assign", &[&id, "--to", BOB.0], "alice");
    s.git(&["checkout", "-q", "--detach"]);
    let before = state(&s);
    let bob_pub = s.pubkey("bob");
    let writers: Vec<Invocation> = vec![
        ("wf-new", vec!["--title", "x"], Some("alice"), None),
        ("wf-assign", vec![&id, "--to", "carol"], Some("alice"), None),
        ("wf-submit", vec![&id], Some(BOT.0), Some(b"more\n")),
        ("wf-review", vec![&id, "--accept"], Some(BOB.0), None),
        ("wf-approve", vec![&id], Some("alice"), None),
        (
            "wf-actor",
            vec!["update", "carol", "--add-role", "drafter"],
            Some("alice"),
            None,
        ),
        (
            "wf-actor",
            vec!["update", "bob", "--add-key", &bob_pub],
            Some("alice"),
            None,
        ),
        (
            "wf-policy",
            vec!["set", "--admins-required", "1"],
            Some("alice"),
            None,
        ),
        ("wf-run", vec![&id], Some(BOT.0), None),
    ];
    for (tool, args, key, stdin) in writers {
        let mut call = s.call(tool).args(&args).key(key.expect("a writer signs"));
        if let Some(b) = stdin {
            call = call.stdin(b);
        }
        let out = call.run();
        assert_clear(
            &out,
            tool,
            5,
            &["HEAD is detached"],
            &format!("{tool} {args:?}"),
        );
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("hint: check out a branch first: git switch"));
        assert_eq!(state(&s), before, "{tool}");
    }
    for (tool, args) in [
        ("wf-show", vec![id.as_str()]),
        ("wf-ls", vec![]),
        ("wf-log", vec![]),
        ("wf-verify", vec![]),
        ("wf-actor", vec!["list"]),
    ] {
        s.call(tool).args(&args).ok();
    }
    assert_eq!(state(&s), before);
}

#[test]
fn a_shallow_clone_reads_writes_and_says_it_cannot_verify_what_it_lacks() {
    let s = Store::new();
    let id = drafting(&s, "Shallow");
    let url = format!("file://{}", s.repo.display());
    let shallow = s.root.join("shallow");
    let out = s.git_at(
        &s.root,
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", describe(&out));
    for (tool, args) in [
        ("wf-show", vec![id.as_str()]),
        ("wf-ls", vec![]),
        ("wf-log", vec![]),
    ] {
        s.call(tool).args(&args).dir(&shallow).ok();
    }
    // The first commit git fetched looks like a root; the verifier says what is missing
    // instead of calling it forged.
    let before = state_at(&s, &shallow);
    for args in [vec![], vec!["--json"], vec!["HEAD"]] {
        let out = s.call("wf-verify").args(&args).dir(&shallow).run();
        assert_clear(
            &out,
            "wf-verify",
            6,
            &["the history is shallow", "verification would be incomplete"],
            "wf-verify shallow",
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("git fetch --unshallow"));
        assert!(out.stdout.is_empty(), "{}", describe(&out));
    }
    assert_eq!(state_at(&s, &shallow), before);
    // A writer commits on the tip, which is there; the new commit verifies against it, and
    // the whole history still cannot be.
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(b"a draft\n")
        .dir(&shallow)
        .ok();
    let out = s.call("wf-verify").arg("HEAD~1..HEAD").dir(&shallow).ok();
    assert!(
        out.ends_with("(1 checked, 0 cached, 0 not wf): clean\n"),
        "{out}"
    );
    let (code, _) = s.call("wf-verify").dir(&shallow).refused();
    assert_eq!(code, 6);
    let st = s.git_at(&shallow, &["status", "--porcelain"], &[], None);
    assert!(st.stdout.is_empty(), "{}", describe(&st));
}

#[test]
fn a_bare_clone_and_a_plain_repository_answer_clearly() {
    let s = Store::new();
    let id = drafting(&s, "Bare");
    let bare = s.root.join("bare.git");
    let out = s.git_at(
        &s.root,
        &[
            "clone",
            "-q",
            "--bare",
            &s.repo.display().to_string(),
            "bare.git",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let c = bare.display().to_string();
    for (tool, args) in [
        ("wf-show", vec!["-C", &c, &id]),
        ("wf-ls", vec!["-C", &c]),
        ("wf-log", vec!["-C", &c]),
        ("wf-verify", vec!["-C", &c]),
    ] {
        s.call(tool).args(&args).ok();
    }
    // Writers act on the branch; there is no work tree to sync.
    s.call("wf-submit")
        .args(["-C", &c, &id])
        .key(BOT.0)
        .stdin(b"a draft\n")
        .ok();
    assert!(s
        .call("wf-show")
        .args(["-C", &c, &id, "--json"])
        .ok()
        .contains("\"step\": \"review\""));
    // A gigabyte is refused there too, with nothing left in the object store.
    s.ok("wf-assign", &["-C", &c, &id, "--to", BOB.0], "alice");
    s.ok("wf-review", &["-C", &c, &id, "--accept"], BOB.0);
    s.ok("wf-assign", &["-C", &c, &id, "--to", BOT.0], "alice");
    let before = state_at(&s, &bare);
    let out = s.sh(&format!(
        "head -c 1073741824 /dev/zero | wf-submit -C '{c}' {id} --key \"$KEYS/{}\"",
        BOT.0
    ));
    assert_clear(
        &out,
        "wf-submit",
        2,
        &["output is larger than the"],
        "bare 1 GiB",
    );
    assert_eq!(state_at(&s, &bare), before);
    assert_eq!(stray_object_files(&bare), Vec::<String>::new());

    // A repository that is not a store: every tool says so, and reads no output.
    let plain = s.root.join("plain");
    s.git(&["init", "-q", "-b", "main", &plain.display().to_string()]);
    let out = s.git_at(
        &plain,
        &[
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@x",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "code",
        ],
        &[],
        None,
    );
    assert!(out.status.success());
    let before = state_at(&s, &plain);
    for (tool, args, key) in [
        ("wf-show", vec!["T-abcdef"], None),
        ("wf-submit", vec!["T-abcdef"], Some(BOT.0)),
        ("wf-assign", vec!["T-abcdef", "--to", "bob"], Some("alice")),
    ] {
        let mut call = s.call(tool).args(&args).dir(&plain).stdin(b"output\n");
        if let Some(k) = key {
            call = call.key(k);
        }
        let out = call.run();
        assert_clear(&out, tool, 6, &["not a wf store"], tool);
    }
    assert_eq!(state_at(&s, &plain), before);
}

/// Found by a red-team helper: a note holding a line git's conflict markers start with
/// (`=======`) was committed, and the task file no tool reads (Task::parse refuses conflict
/// markers) made wf-show fail and the store unverifiable. Such a note is refused, rule 12,
/// with nothing committed; the same words elsewhere on a line are fine.
#[test]
fn a_note_that_would_read_as_conflict_markers_is_refused_before_it_is_committed() {
    let s = Store::new();
    let id = s
        .ok("wf-new", &["--title", "Markers"], "alice")
        .trim()
        .to_string();
    s.to_review(&id, b"# Draft\n");
    for note in [
        "mine\n=======\ntheirs",
        "<<<<<<< HEAD\nx",
        "x\n>>>>>>> branch",
        "x\n||||||| base\ny",
    ] {
        let before = state(&s);
        let err = s.assert_rule(
            12,
            s.call("wf-review")
                .args([id.as_str(), "--comment", "-m", note])
                .key("bob"),
        );
        assert!(err.contains("would not read back"), "{note:?}: {err}");
        assert!(
            err.contains("hint: a note may not hold a line"),
            "{note:?}: {err}"
        );
        assert_eq!(state(&s), before, "{note:?}");
    }
    s.ok(
        "wf-review",
        &[
            &id,
            "--comment",
            "-m",
            "a line like\n ======= indented is fine",
        ],
        "bob",
    );
    assert_eq!(s.show(&id)["review"].as_array().unwrap().len(), 1);
    let out = s.query("wf-verify", &["--no-cache"]);
    assert!(out.ends_with(": clean\n"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// The size limit of TOML files (spec/store.md)
// ---------------------------------------------------------------------------------------------

/// A task file may hold at most 1 MiB (`MAX_TOML_SIZE`): the comment that would take it past
/// is refused by rule 12 and commits nothing; a longer file committed by hand is refused by
/// every reader of task files with exit 6 naming the file, never parsed, never a panic (`wf-log`
/// reads the actions of commits, not the file), and its commit named by the verifier.
#[test]
fn a_task_file_past_the_toml_limit_is_refused_by_writers_and_readers() {
    use wf_core::text::MAX_TOML_SIZE;
    let s = Store::new();
    let id = s
        .ok("wf-new", &["--title", "Long remarks"], "alice")
        .trim()
        .to_string();
    s.to_review(&id, b"# Draft\n");
    let path = Task::path(&id);
    // 100,000 bytes a comment (an argument may hold 128 KiB): the eleventh cannot fit.
    let remark = "r".repeat(100_000);
    let mut kept = 0;
    let refused = loop {
        assert!(kept <= MAX_TOML_SIZE / remark.len(), "never refused");
        let before = state(&s);
        let out = s
            .call("wf-review")
            .args([id.as_str(), "--comment", "-m", &remark])
            .key("bob")
            .run();
        if out.status.success() {
            kept += 1;
            continue;
        }
        assert_eq!(state(&s), before, "a refused comment changed the store");
        break out;
    };
    assert_clear(
        &refused,
        "wf-review",
        1,
        &[
            "rule 12 (bad-input)",
            &format!("task {id}'s file would be"),
            "over the 1 MiB a task file may hold",
        ],
        "the comment past the limit",
    );
    let file = std::fs::read(s.repo.join(&path)).unwrap();
    assert!(file.len() <= MAX_TOML_SIZE, "{} bytes kept", file.len());
    assert!(
        file.len() + remark.len() > MAX_TOML_SIZE,
        "refused with room left"
    );
    assert_eq!(s.show(&id)["review"].as_array().unwrap().len(), kept);
    let out = s.query("wf-verify", &["--no-cache"]);
    assert!(out.ends_with(": clean\n"), "{out}");

    // A longer file written by hand: one more remark, as wf would have written it.
    let text = String::from_utf8(file).unwrap();
    let last = text.rfind(&remark).unwrap();
    let longer = format!(
        "{}{remark}{remark}{}",
        &text[..last],
        &text[last + remark.len()..]
    );
    assert!(longer.len() > MAX_TOML_SIZE);
    std::fs::write(s.repo.join(&path), &longer).unwrap();
    hand_commit(&s, "one more remark, by hand");
    let before = state(&s);
    let size = format!("{} bytes, over the 1 MiB", longer.len());
    for (tool, args) in [
        ("wf-show", vec![id.as_str()]),
        ("wf-ls", vec![]),
        ("wf-ls", vec!["--json"]),
    ] {
        let out = raw_call(
            &s,
            tool,
            &args.iter().map(OsStr::new).collect::<Vec<_>>(),
            None,
        );
        assert_clear(&out, tool, 6, &[path.as_str(), &size], tool);
        assert_eq!(state(&s), before, "{tool} changed the store");
    }
    // The verifier names the commit (a signed one is judged by its size: forgery class 16).
    let out = s.call("wf-verify").args(["--no-cache"]).run();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(text.contains(&s.head()[..12]), "{text}");
}
