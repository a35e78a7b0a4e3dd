//! Governance through the tools and the hook: the example workflow `spec/examples/governed.toml`
//! (a check gate run by a machine, a review quorum of two independent reviewers, an approval
//! independent of the requester and of the agent's operator, due dates), driven with the real
//! binaries, pushed through `wf-hook` into a bare server; and forged commits, written with git
//! plumbing and signed with the harness's real keys, that the server refuses: a check skipped,
//! a quorum counted from accepts of different digests, an operator approving their own
//! agent's output.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{describe, json, refused_commits, schema, Store, ALICE, BOB, BOT, CAROL};
use serde_json::Value;

/// An actor as the commit headers name it: id, name, email.
type Who = (&'static str, &'static str, &'static str);

/// The machine that runs checks: an AI actor with role `checker`, operated by alice.
const CI: Who = ("ci-bot", "CI Bot", "ci-bot@example.com");

/// The pinned time of every action (`common::DATE`), in seconds.
const T0: i64 = 1_795_500_000;
const H: i64 = 3600;

const TODO: &[u8] = b"# Release note\n\nTODO: say what changed\n";
const GOOD: &[u8] = b"# Release note\n\nwf 0.2 checks every draft before review.\n";
const BETTER: &[u8] = b"# Release note\n\nwf 0.2 checks every draft before two reviewers.\n";

/// The store of `common::Store::new` with ci-bot registered and the governed example
/// workflow set, pushed through the hooks into `server.git`.
struct World {
    s: Store,
    server: PathBuf,
}

impl World {
    fn new() -> World {
        let s = Store::new();
        s.make_key(CI.0);
        s.ok(
            "wf-actor",
            &[
                "add",
                CI.0,
                "--kind",
                "ai",
                "--name",
                CI.1,
                "--email",
                CI.2,
                "--pubkey",
                &s.pubkey(CI.0),
                "--role",
                "checker",
                "--operator",
                ALICE.0,
                "--model",
                "ci runner",
            ],
            "alice",
        );
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/examples/governed.toml");
        s.ok(
            "wf-policy",
            &["set", "--workflow", example.to_str().unwrap()],
            "alice",
        );
        let server = s.hooked_server();
        s.git(&["push", "-q", "-u", "origin", "main"]);
        World { s, server }
    }

    fn sp(&self) -> &str {
        self.server.to_str().unwrap()
    }

    /// A task of the governed workflow by alice, approved by bob; its id.
    fn task(&self, title: &str) -> String {
        self.s
            .ok(
                "wf-new",
                &[
                    "--workflow",
                    "governed",
                    "--title",
                    title,
                    "--approver",
                    BOB.0,
                ],
                "alice",
            )
            .trim()
            .to_string()
    }

    /// The bot submits `text` as `note.md` (alice hands it the draft first when it holds none).
    fn draft(&self, id: &str, text: &[u8]) {
        if self.s.show(id)["assignment"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["step"] != "draft")
        {
            self.s.ok("wf-assign", &[id, "--to", BOT.0], "alice");
        }
        self.s
            .call("wf-submit")
            .args([id, "--name", "note.md"])
            .key(BOT.0)
            .stdin(text)
            .ok();
    }

    /// ci-bot runs the check (alice hands it the step first when it holds none); stdout.
    fn check(&self, id: &str) -> String {
        if self.s.show(id)["holder"].is_null() {
            self.s.ok("wf-assign", &[id, "--to", CI.0], "alice");
        }
        self.s.ok("wf-check", &[id], CI.0)
    }

    /// A task at the review step: drafted as `GOOD`, its check passed.
    fn at_review(&self, title: &str) -> String {
        let id = self.task(title);
        self.draft(&id, GOOD);
        assert!(self.check(&id).contains("passed"));
        assert_eq!(self.s.show(&id)["step"], "review");
        id
    }

    /// A task at the approve step: [`World::at_review`], then bob and carol accept.
    fn at_approve(&self, title: &str) -> String {
        let id = self.at_review(title);
        self.s.ok("wf-review", &[&id, "--accept"], "bob");
        self.s.ok("wf-review", &[&id, "--accept"], "carol");
        assert_eq!(self.s.show(&id)["step"], "approve");
        id
    }

    /// The server's refs.
    fn refs(&self) -> String {
        self.s.git(&["-C", self.sp(), "for-each-ref"])
    }

    fn push_ok(&self) {
        let out = self.s.git_output(&["push", "-q", "origin", "main"], None);
        assert!(out.status.success(), "push: {}", describe(&out));
    }

    /// Push main; the server refuses it for exactly one problem: `commit` on `task` fails
    /// `check` with a reason containing `phrase`; wf-verify --json agrees. Then main goes back
    /// to the commit before the forgery.
    fn rejects(&self, commit: &str, task: &str, check: &str, phrase: &str) {
        let before = self.refs();
        let out = self.s.git_output(&["push", "origin", "main"], None);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "the push went through: {err}");
        assert!(err.contains("pre-receive hook declined"), "{err}");
        assert_eq!(
            self.refs(),
            before,
            "a refused push moved the server's refs"
        );
        let problems: Vec<&str> = err
            .lines()
            .map(|l| l.strip_prefix("remote: ").unwrap_or(l).trim_end())
            .filter(|l| l.len() > 13 && l[..12].bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        let want = format!("{} {task} {check}: ", &commit[..12]);
        assert!(
            problems.len() == 1 && problems[0].starts_with(&want) && problems[0].contains(phrase),
            "expected exactly one problem `{want}...{phrase}...`, got:\n{err}"
        );
        let out = self
            .s
            .call("wf-verify")
            .args(["--json", "--no-cache", "origin/main..main"])
            .run();
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let v = json(&String::from_utf8_lossy(&out.stdout));
        schema::check(&v);
        let bad = refused_commits(&v);
        assert_eq!(bad.len(), 1, "{v:#}");
        assert_eq!(bad[0]["commit"], commit);
        self.s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    }
}

/// Take back HEAD (a real action), keeping its changes in the work tree; its message.
fn undo(s: &Store) -> String {
    let raw = s.git(&["cat-file", "commit", "HEAD"]);
    let msg = raw.split_once("\n\n").unwrap().1.to_string();
    s.git(&["reset", "-q", "--soft", "HEAD~1"]);
    msg
}

/// Commit the work tree on top of HEAD as `who`, signed with `key`'s private key, with exactly
/// `msg`, at the pinned time; main moves to it. Its id.
fn commit(s: &Store, who: Who, key: &str, msg: &str) -> String {
    s.git(&["add", "-A"]);
    let tree = s.git(&["write-tree"]).trim().to_string();
    let signing = format!("user.signingkey={}", s.key(key).display());
    let env = [
        ("GIT_AUTHOR_NAME", who.1),
        ("GIT_AUTHOR_EMAIL", who.2),
        ("GIT_COMMITTER_NAME", who.1),
        ("GIT_COMMITTER_EMAIL", who.2),
    ];
    let args = [
        "-c",
        "gpg.format=ssh",
        "-c",
        &signing,
        "commit-tree",
        &tree,
        "-p",
        "HEAD",
        "-S",
    ];
    let out = s.git_at(&s.repo, &args, &env, Some(msg.as_bytes()));
    assert!(out.status.success(), "commit-tree: {}", describe(&out));
    let oid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    s.git(&["update-ref", "HEAD", &oid]);
    oid
}

fn task_file(s: &Store, id: &str) -> PathBuf {
    s.repo.join(wf_core::Task::path(id))
}

/// Edit the task file in the work tree: replace the one line starting with `from` by `to`.
fn edit_line(s: &Store, id: &str, from: &str, to: &str) {
    let p = task_file(s, id);
    let text = std::fs::read_to_string(&p).unwrap();
    let n = text.lines().filter(|l| l.starts_with(from)).count();
    assert_eq!(n, 1, "{from:?} in\n{text}");
    let out: String = text
        .lines()
        .map(|l| if l.starts_with(from) { to } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(p, out).unwrap();
}

/// Set a top-level field of the task file in the work tree (top-level fields come first, so
/// its first line `KEY = ` is the field, not a record's).
fn edit_top(s: &Store, id: &str, key: &str, value: &str) {
    let p = task_file(s, id);
    let text = std::fs::read_to_string(&p).unwrap();
    let from = format!("{key} = ");
    let mut done = false;
    let out: String = text
        .lines()
        .map(|l| {
            if !done && l.starts_with(&from) {
                done = true;
                format!("{key} = \"{value}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(done, "no {key} in\n{text}");
    std::fs::write(p, out).unwrap();
}

/// The message with its line starting with `from` replaced by `to`.
fn edit_message(msg: &str, from: &str, to: &str) -> String {
    assert_eq!(
        msg.lines().filter(|l| l.starts_with(from)).count(),
        1,
        "{msg}"
    );
    msg.lines()
        .map(|l| if l.starts_with(from) { to } else { l })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_governed_example_runs_a_failed_and_a_passed_check_a_quorum_and_an_approval() {
    let w = World::new();
    let s = &w.s;
    // The requester may not approve her own task (the approver defaults to her).
    let err = s.assert_rule(
        13,
        s.call("wf-new")
            .args(["--workflow", "governed", "--title", "Mine"])
            .key("alice"),
    );
    assert!(
        err.contains("refused by rule 13 (independence): step approve asks for a decision independent of the requester: alice defines this task and cannot also approve it"),
        "{err}"
    );
    let id = w.task("Release note");
    w.draft(&id, TODO);
    assert_eq!(s.show(&id)["step"], "check");
    // Only the machine the step admits, and holds it, runs the check.
    let err = s.assert_rule(1, s.call("wf-check").arg(&id).key(BOT.0));
    assert!(
        err.contains("is for an AI actor with role checker"),
        "{err}"
    );
    s.assert_rule(2, s.call("wf-check").arg(&id).key(CI.0));
    s.assert_rule(9, s.call("wf-submit").arg(&id).key(BOT.0).stdin(GOOD));
    // The check fails: back to the draft, with the command's output kept.
    let out = w.check(&id);
    assert!(
        out.starts_with(&format!("{id}: check check failed (exit 1) on revision 1 ")),
        "{out}"
    );
    assert!(out.ends_with("; back to step draft\n"), "{out}");
    let t = s.show(&id);
    schema::check(&t);
    let c = &t["check"][0];
    assert_eq!(
        (&c["outcome"], &c["exit_status"], &c["actor"], &c["step"]),
        (
            &Value::from("fail"),
            &Value::from(1),
            &Value::from(CI.0),
            &Value::from("check")
        )
    );
    let log = s
        .repo
        .join(format!("{}check/check.log", wf_core::Task::dir(&id)));
    let bytes = std::fs::read(&log).unwrap();
    assert!(
        String::from_utf8_lossy(&bytes).contains("TODO left in the output"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(c["output_sha256"], s.sha256(&bytes).as_str());
    assert_eq!(c["output_size"], bytes.len());
    // Rework, and the check passes: on to the review.
    w.draft(&id, GOOD);
    let out = w.check(&id);
    assert!(
        out.contains("check check passed (exit 0) on revision 2 "),
        "{out}"
    );
    assert!(out.ends_with("; now at step review\n"), "{out}");
    let text = s.query("wf-show", &[&id]);
    assert!(text.contains("\nquorum    0 of 2 accepts\n"), "{text}");
    assert!(text.contains("fail at check by ci-bot (exit 1)"), "{text}");
    assert!(text.contains("pass at check by ci-bot (exit 0)"), "{text}");
    // Two independent accepts of the same revision move it on; nobody's counts twice.
    s.ok("wf-review", &[&id, "--accept"], "bob");
    let text = s.query("wf-show", &[&id]);
    assert!(
        text.contains("\nquorum    1 of 2 accepts (bob)\n"),
        "{text}"
    );
    let q = &s.show(&id)["quorum"];
    assert_eq!(q["needed"], 2);
    assert_eq!(q["accepts"], 1);
    assert_eq!(q["accepted_by"][0], "bob");
    let err = s.assert_rule(14, s.call("wf-review").args([&id, "--accept"]).key("bob"));
    assert!(
        err.contains("bob already accepted revision 2 at step review (1 of 2 accepts); an accept counts once"),
        "{err}"
    );
    // alice, the drafter's operator, may not give a verdict.
    s.ok(
        "wf-actor",
        &["update", ALICE.0, "--add-role", "reviewer"],
        "alice",
    );
    let err = s.assert_rule(13, s.call("wf-review").args([&id, "--accept"]).key("alice"));
    assert!(
        err.contains("step review asks for a verdict independent of the operator: alice operates drafter-bot, which produced revision 2"),
        "{err}"
    );
    s.ok("wf-review", &[&id, "--accept"], "carol");
    assert_eq!(s.show(&id)["step"], "approve");
    s.ok("wf-approve", &[&id, "-m", "ship it"], "bob");
    assert_eq!(s.show(&id)["state"], "closed");
    // History says it all, and the server's hook accepts every commit of it.
    let log = s.query("wf-log", &[&id]);
    assert!(log.contains(" check    ci-bot (ai) rev 1 "), "{log}");
    assert!(log.contains(" check fail"), "{log}");
    assert!(log.contains(" check pass"), "{log}");
    w.push_ok();
    let out = s.call("wf-verify").args(["--no-cache"]).dir(&w.server).ok();
    assert!(out.ends_with(": clean\n"), "{out}");
    let graph = s.query("wf-graph", &["governed"]);
    assert!(graph.contains("shape=octagon"), "{graph}");
}

#[test]
fn forged_commits_that_skip_a_check_are_refused_on_push() {
    let w = World::new();
    let s = &w.s;
    let id = w.task("Release note");
    w.draft(&id, TODO);
    s.ok("wf-assign", &[&id, "--to", CI.0], "alice");
    w.push_ok();
    // ci-bot records a pass of another command than the step's (the real one would fail).
    w.check(&id);
    let msg = undo(s);
    edit_line(s, &id, "command = ", "command = [\"true\"]");
    edit_line(s, &id, "outcome = ", "outcome = \"pass\"");
    edit_line(s, &id, "exit_status = ", "exit_status = 0");
    edit_top(s, &id, "step", "review");
    let msg = edit_message(&msg, "Wf-Check-Command: ", "Wf-Check-Command: true");
    let msg = edit_message(&msg, "Wf-Check: ", "Wf-Check: pass");
    let msg = edit_message(&msg, "Wf-Check-Exit: ", "Wf-Check-Exit: 0");
    let c = commit(s, CI, CI.0, &msg);
    w.rejects(
        &c,
        &id,
        "rule 15 (check-gate)",
        "the check ran `true`, not the command of step check: `sh -c",
    );
    // The reviewer records a pass herself: no machine ran anything.
    s.git(&["reset", "-q", "--hard"]);
    w.check(&id);
    let msg = undo(s);
    edit_line(s, &id, "outcome = ", "outcome = \"pass\"");
    edit_line(s, &id, "exit_status = ", "exit_status = 0");
    edit_line(s, &id, "actor = \"ci-bot\"", "actor = \"carol\"");
    edit_top(s, &id, "step", "review");
    let msg = edit_message(&msg, "Wf-Actor: ", "Wf-Actor: carol");
    let msg = edit_message(&msg, "Wf-Actor-Kind: ", "Wf-Actor-Kind: human");
    let msg = edit_message(&msg, "Wf-Check: ", "Wf-Check: pass");
    let msg = edit_message(&msg, "Wf-Check-Exit: ", "Wf-Check-Exit: 0");
    let c = commit(s, CAROL, CAROL.0, &msg);
    w.rejects(
        &c,
        &id,
        "rule 1 (step-actor)",
        "is for an AI actor with role checker; carol (human) is not",
    );
    // The task moved past the check by a handoff that says nothing of it.
    s.git(&["reset", "-q", "--hard"]);
    s.ok("wf-assign", &[&id, "--to", CI.0, "-m", "again"], "alice");
    let msg = undo(s);
    edit_top(s, &id, "step", "review");
    let c = commit(s, ALICE, ALICE.0, &msg);
    w.rejects(
        &c,
        &id,
        "mismatch",
        "the file puts it at step review (open), where the assign leaves it at step check (open)",
    );
    // What was refused is not in the store; the task still waits for its check.
    s.git(&["reset", "-q", "--hard"]);
    assert_eq!(s.show(&id)["step"], "check");
    assert!(s.show(&id)["check"].as_array().unwrap().is_empty());
}

#[test]
fn a_quorum_counted_from_accepts_of_different_digests_is_refused_on_push() {
    let w = World::new();
    let s = &w.s;
    let id = w.at_review("Release note");
    s.ok("wf-review", &[&id, "--accept"], "bob");
    s.ok(
        "wf-review",
        &[&id, "--request-changes", "-m", "say more"],
        "carol",
    );
    w.draft(&id, BETTER);
    assert!(w.check(&id).contains("passed"));
    let t = s.show(&id);
    assert_eq!(
        (&t["step"], &t["quorum"]["accepts"]),
        (&Value::from("review"), &Value::from(0))
    );
    w.push_ok();
    // bob accepted revision 1; carol accepts revision 2: one accept of it, and the step stays.
    s.ok("wf-review", &[&id, "--accept"], "carol");
    assert_eq!(s.show(&id)["step"], "review");
    // Forged: the same accept moving the task on, as if bob's accept of revision 1 counted.
    let msg = undo(s);
    edit_top(s, &id, "step", "approve");
    let c = commit(s, CAROL, CAROL.0, &msg);
    w.rejects(
        &c,
        &id,
        "mismatch",
        "the file puts it at step approve (open), where the review leaves it at step review (open)",
    );
}

#[test]
fn an_operator_approving_their_own_agents_output_is_refused_by_the_tool_and_on_push() {
    let w = World::new();
    let s = &w.s;
    let id = w.at_approve("Release note");
    w.push_ok();
    // The approval bob would give while alice operates the bot...
    s.ok("wf-approve", &[&id, "-m", "ship it"], "bob");
    let msg = undo(s);
    // ...lands after the bot was handed to bob: bob approves his own agent's output.
    s.ok("wf-actor", &["update", BOT.0, "--operator", BOB.0], "alice");
    let c = commit(s, BOB, BOB.0, &msg);
    w.rejects(
        &c,
        &id,
        "rule 13 (independence)",
        "step approve asks for a decision independent of the operator: bob operates drafter-bot, which produced revision 1",
    );
    // The tool refuses it too, and a rejection alike: every decision is independent.
    s.git(&["reset", "-q", "--hard"]);
    assert_eq!(s.show(&id)["state"], "open");
    let err = s.assert_rule(13, s.call("wf-approve").args([&id, "-m", "ok"]).key("bob"));
    assert!(
        err.contains("bob operates drafter-bot, which produced revision 1"),
        "{err}"
    );
    assert!(
        err.contains("hint: the approver is fixed when the task is created"),
        "{err}"
    );
    s.assert_rule(
        13,
        s.call("wf-approve")
            .args([&id, "--reject", "-m", "no"])
            .key("bob"),
    );
    // Handing the draft of a new task to an agent its approver operates is refused up front.
    let other = w.task("Second note");
    let err = s.assert_rule(
        13,
        s.call("wf-assign")
            .args([&other, "--to", BOT.0])
            .key("alice"),
    );
    assert!(
        err.contains("the approver bob operates drafter-bot, which would produce the revision it decides at step draft"),
        "{err}"
    );
}

#[test]
fn due_dates_say_how_late_and_wf_stats_counts_breaches_and_times_going_backwards() {
    let w = World::new();
    let s = &w.s;
    let at = |secs: i64| format!("@{} +0000", T0 + secs);
    let act = |tool: &str, args: &[&str], key: &str, secs: i64| {
        s.call(tool)
            .args(args)
            .key(key)
            .env("GIT_COMMITTER_DATE", &at(secs))
            .env("GIT_AUTHOR_DATE", &at(secs))
            .ok()
    };
    let query = |tool: &str, args: &[&str], secs: i64| {
        s.call(tool)
            .args(args)
            .env("GIT_COMMITTER_DATE", &at(secs))
            .ok()
    };
    let id = w.task("Release note");
    assert_eq!(s.show(&id)["entered_at"], "2026-11-24T06:00:00Z");
    act("wf-assign", &[&id, "--to", BOT.0], "alice", H);
    assert_eq!(query("wf-ls", &["--overdue"], 23 * H), "");
    let late = query("wf-ls", &["--overdue"], 25 * H);
    assert!(
        late.starts_with(&id) && late.contains("  1h00m late Release note"),
        "{late}"
    );
    let v = json(&query("wf-ls", &["--overdue", "--json"], 25 * H));
    schema::check(&v);
    let due = &v["tasks"][0]["due"];
    assert_eq!(due["due"], "24h");
    assert_eq!(due["late_seconds"], H);
    assert_eq!(due["overdue"], true);
    assert_eq!(due["measured_from"], "entered_at");
    assert_eq!(due["due_at"], "2026-11-25T06:00:00Z");
    // Measured at each call: a task with a due date is never answered from the kept views.
    for (secs, late) in [(26 * H, 2 * H), (27 * H, 3 * H), (26 * H, 2 * H)] {
        for args in [&["--json"][..], &["--ndjson"][..]] {
            let out = query("wf-ls", args, secs);
            let v: Vec<serde_json::Value> = match args[0] {
                "--json" => json(&out)["tasks"].as_array().unwrap().clone(),
                _ => out.lines().map(json).collect(),
            };
            let t = v.iter().find(|t| t["id"] == id.as_str()).unwrap();
            assert_eq!(t["due"]["late_seconds"], late, "{args:?} at {secs}");
        }
    }
    let text = query("wf-show", &[&id], 25 * H);
    assert!(
        text.contains("\ndue       24h at step draft: entered 2026-11-24T06:00:00Z, due 2026-11-25T06:00:00Z (1h00m late)\n"),
        "{text}"
    );
    // On through the check (an hour) and the review (two days).
    s.call("wf-submit")
        .args([&id, "--name", "note.md"])
        .key(BOT.0)
        .stdin(GOOD)
        .env("GIT_COMMITTER_DATE", &at(26 * H))
        .ok();
    act("wf-assign", &[&id, "--to", CI.0], "alice", 26 * H);
    act("wf-check", &[&id], CI.0, 26 * H + 1800);
    act("wf-review", &[&id, "--accept"], "bob", 75 * H);
    act("wf-review", &[&id, "--accept"], "carol", 76 * H);
    assert_eq!(s.show(&id)["step"], "approve");
    // bob's clock is wrong: his comment is signed before the accept it follows.
    act(
        "wf-review",
        &[&id, "--comment", "-m", "late note"],
        "bob",
        10 * H,
    );
    let v = json(&query("wf-stats", &["--json"], 80 * H));
    schema::check(&v);
    let d = &v["due_breaches"];
    assert_eq!(d["total"], 2, "{d:#}");
    let steps: Vec<(String, u64, u64, i64)> = d["per_step"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["step"].as_str().unwrap().to_string(),
                x["visits"].as_u64().unwrap(),
                x["breaches"].as_u64().unwrap(),
                x["max_late_seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("approve".to_string(), 1, 0, 0),
            ("check".to_string(), 1, 0, 0),
            ("draft".to_string(), 1, 1, 2 * H),
            ("review".to_string(), 1, 1, 3 * H / 2),
        ]
    );
    let holders: Vec<(Value, u64)> = d["per_holder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["holder"].clone(), h["breaches"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        holders,
        [(Value::Null, 1), (Value::from(BOT.0), 1)],
        "nobody holds a quorum review"
    );
    let back = &v["time_backwards"];
    assert_eq!(back.as_array().unwrap().len(), 1, "{back:#}");
    assert_eq!(back[0]["actor"], "bob");
    assert_eq!(back[0]["previous"], "2026-11-27T10:00:00Z");
    let text = query("wf-stats", &[], 80 * H);
    assert!(text.contains("\ndue date breaches: 2\n"), "{text}");
    assert!(
        text.contains("signed times going backwards: 1 (times are the signers' claims)"),
        "{text}"
    );
    let show = query("wf-show", &[&id], 80 * H);
    assert!(
        show.contains("warning: signed times go backwards: the comment by bob at 2026-11-24T16:00:00Z is before the accept by carol at 2026-11-27T10:00:00Z"),
        "{show}"
    );
    let t = json(&query("wf-show", &[&id, "--json"], 80 * H));
    schema::check(&t);
    assert!(!t["time_warnings"].as_array().unwrap().is_empty());
    assert_eq!(t["due"]["late_seconds"], -44 * H, "44 hours left of 2 days");
    // The hook accepts every commit (a time going backwards is shown, not refused)...
    w.push_ok();
    // ...but not a handoff that also moves when the task entered its step, to hide how late
    // it is: entered_at is replayed like every other field.
    s.ok("wf-assign", &[&id, "--to", BOB.0, "-m", "again"], "alice");
    let msg = undo(s);
    edit_top(s, &id, "entered_at", "2026-11-29T00:00:00Z");
    let c = commit(s, ALICE, ALICE.0, &msg);
    w.rejects(
        &c,
        &id,
        "mismatch",
        "is not the assign its trailers describe",
    );
}

#[test]
fn wf_check_stops_a_command_at_its_time_limit_and_keeps_the_end_of_a_long_output() {
    let w = World::new();
    let s = &w.s;
    let slow = "name = \"slow\"\n\n[[step]]\nname = \"define\"\nkind = \"define\"\nactor = \"human\"\nroles = [\"requester\"]\n\n\
[[step]]\nname = \"draft\"\nkind = \"produce\"\nactor = \"ai\"\nroles = [\"drafter\"]\n\n\
[[step]]\nname = \"test\"\nkind = \"check\"\nactor = \"ai\"\nroles = [\"checker\"]\n\
command = [\"sh\", \"-c\", \"head -c 1500000 /dev/zero | tr '\\\\0' x; echo; echo the end; sleep 30\"]\ntimeout = 1\n\n\
[[step]]\nname = \"approve\"\nkind = \"approve\"\nactor = \"human\"\nroles = []\n";
    let file = s.file("slow.toml", slow.as_bytes());
    s.ok("wf-policy", &["set", "--workflow", &file], "alice");
    let id = s
        .ok(
            "wf-new",
            &["--workflow", "slow", "--title", "Slow", "--approver", BOB.0],
            "alice",
        )
        .trim()
        .to_string();
    w.draft(&id, GOOD);
    s.ok("wf-assign", &[&id, "--to", CI.0], "alice");
    let clock = Instant::now();
    let out = s.ok("wf-check", &[&id], CI.0);
    assert!(
        clock.elapsed() < Duration::from_secs(10),
        "{:?}",
        clock.elapsed()
    );
    assert!(
        out.contains("check test failed (timed out after 1s)"),
        "{out}"
    );
    let t = s.show(&id);
    schema::check(&t);
    let c = &t["check"][0];
    assert_eq!(c["outcome"], "fail");
    assert_eq!(c["timed_out"], true);
    assert!(c.get("exit_status").is_none(), "{c}");
    assert_eq!(c["truncated"], true);
    assert_eq!(c["output_size"], 1 << 20);
    let log = std::fs::read(
        s.repo
            .join(format!("{}check/test.log", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert_eq!(log.len(), 1 << 20);
    assert!(log.ends_with(b"x\nthe end\n"), "the end is kept");
    assert_eq!(t["step"], "draft");
    w.push_ok();
}

/// The CI runner (scripts/ci/wf-runner) as the checker, in a clone of its own: a check made
/// there before the upstream moved is replayed onto it by wf sync, the other task the checker
/// holds is checked and published; the server's hook verifies both checks and their output.
#[test]
fn the_ci_runner_works_a_checkers_queue_and_publishes_through_the_hook() {
    let w = World::new();
    let s = &w.s;
    let (a, b) = (w.task("First note"), w.task("Second note"));
    for id in [&a, &b] {
        w.draft(id, GOOD);
        s.ok("wf-assign", &[id, "--to", CI.0], "alice");
    }
    let other = w.task("Third note");
    w.push_ok();
    let clone = s.root.join("runner");
    let out = s.git_at(
        &s.root,
        &["clone", "-q", w.sp(), clone.to_str().unwrap()],
        &[],
        None,
    );
    assert!(out.status.success(), "clone: {}", describe(&out));
    for (k, v) in [
        ("user.name", "runner"),
        ("user.email", "runner@example.com"),
    ] {
        assert!(s
            .git_at(&clone, &["config", k, v], &[], None)
            .status
            .success());
    }
    s.call("wf-init").arg(".").key(CI.0).dir(&clone).ok();
    s.call("wf-check").arg(&a).key(CI.0).dir(&clone).ok();
    // The upstream moves on before the runner publishes.
    s.ok("wf-assign", &[&other, "--to", BOT.0], "alice");
    w.push_ok();
    let runner = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/ci/wf-runner")
        .canonicalize()
        .unwrap();
    let path = std::env::join_paths(std::iter::once(common::bin_dir()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut c = s.command(&runner);
    c.current_dir(&clone)
        .env("PATH", path)
        .env("WF_ACTOR", CI.0)
        .env("WF_SIGNING_KEY", s.key(CI.0));
    let out = common::output(c, None);
    assert!(out.status.success(), "wf-runner: {}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{b}: check check passed (exit 0)")),
        "{text}"
    );
    assert!(text.contains("published "), "{text}");
    s.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    for id in [&a, &b] {
        let t = s.show(id);
        assert_eq!(t["step"], "review", "{id}");
        assert_eq!(t["check"][0]["actor"], CI.0);
        let log = s
            .repo
            .join(format!("{}check/check.log", wf_core::Task::dir(id)));
        assert_eq!(std::fs::read_to_string(log).unwrap(), "ok\n");
    }
    assert_eq!(s.show(&other)["holder"], BOT.0);
    let out = s.call("wf-verify").args(["--no-cache"]).dir(&w.server).ok();
    assert!(out.ends_with(": clean\n"), "{out}");
}

/// Found by a red-team helper: a record dated a year ahead (the signer's own clock) moves the
/// time the next step is measured from, so the task never shows overdue. No verifier knows the
/// time; the reader's clock does: wf-show and the task JSON say so.
#[test]
fn a_record_dated_ahead_of_the_readers_clock_is_shown() {
    let w = World::new();
    let s = &w.s;
    let at = |secs: i64| format!("@{} +0000", T0 + secs);
    let id = w.task("Ahead");
    let year = 365 * 24 * H;
    s.call("wf-assign")
        .args([id.as_str(), "--to", BOT.0])
        .key("alice")
        .env("GIT_COMMITTER_DATE", &at(year))
        .env("GIT_AUTHOR_DATE", &at(year))
        .ok();
    let read = |tool: &str, args: &[&str], secs: i64| {
        s.call(tool)
            .args(args)
            .env("GIT_COMMITTER_DATE", &at(secs))
            .ok()
    };
    let show = read("wf-show", &[&id], 10 * 24 * H);
    assert!(
        show.contains("warning: a signed time is ahead: ")
            && show.contains("is 355d00h after this clock (2026-12-04T06:00:00Z)"),
        "{show}"
    );
    let t = json(&read("wf-show", &[&id, "--json"], 10 * 24 * H));
    schema::check(&t);
    let warnings = t["time_warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|x| x.as_str().unwrap().contains("after this clock")),
        "{t:#}"
    );
    // Read after that date, nothing is ahead.
    let show = read("wf-show", &[&id], year + H);
    assert!(!show.contains("ahead"), "{show}");
}
