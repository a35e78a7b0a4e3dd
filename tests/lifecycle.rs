//! The wf tools end to end, against real temporary git repositories, real ed25519 keys made by
//! ssh-keygen, and real `git` checking what the tools wrote. Test names read like the workflow
//! they check.

mod common;

use common::{column, json, rows, Store, BOT, MODEL};

// ---------------------------------------------------------------------------------------------
// Driving a task through the default workflow
// ---------------------------------------------------------------------------------------------

const BRIEF: &[u8] = b"Announce wf to developers.\nMention signed commits.\n";
const PROMPT: &[u8] = b"Write a short launch announcement from the brief.\n";
const DRAFT: &[u8] =
    b"# Launch\n\nwf records who did what.\nThe AI wrote this line.\nIt ends here.\n";
const REFINED: &[u8] =
    b"# Launch\n\nwf records who did what, signed.\nBob refined this line.\nIt ends here.\n";
const OPTIMIZED: &[u8] = b"# Launch\n\nwf records who did what, signed.\nBob refined this line.\nThe optimizer added this.\nIt ends here.\n";

/// A new task by alice; returns its id.
fn new_task(s: &Store, extra: &[&str]) -> String {
    let mut args = vec!["--title", "Launch announcement"];
    args.extend_from_slice(extra);
    s.ok("wf-new", &args, "alice").trim().to_string()
}

/// Draft handed to the bot, the bot drafts, the review handed to bob.
fn to_review(s: &Store, id: &str) {
    s.to_review(id, DRAFT);
}

/// On to the approve step: bob accepts, the bot optimizes.
fn to_approve(s: &Store, id: &str) {
    s.to_approve(id, DRAFT, OPTIMIZED);
}

/// All the way: approved by alice (the owner and default approver).
fn approved(s: &Store, id: &str) {
    to_approve(s, id);
    s.ok("wf-approve", &[id, "-m", "ship it"], "alice");
    assert_eq!(s.show(id)["approved"], true);
}

/// The five steps of the concept's simple example, checking after every action that the work
/// tree and the index are in step with HEAD. Returns the task id.
fn five_step_example(s: &Store) -> String {
    let brief = s.file("in/brief.md", BRIEF);
    let prompt = s.file("in/prompt.txt", PROMPT);
    let refined = s.file("bob/draft.md", REFINED);
    let id = s.ok(
        "wf-new",
        &[
            "--title",
            "Launch announcement",
            "--input",
            "audience=developers",
            "--input-file",
            &format!("brief={brief}"),
            "--approver",
            "alice",
        ],
        "alice",
    );
    let id = id.trim().to_string();
    s.assert_clean();
    let out = s.ok(
        "wf-assign",
        &[&id, "--to", BOT.0, "-m", "first draft, keep it short"],
        "alice",
    );
    assert_eq!(out, format!("{id}: step draft assigned to drafter-bot\n"));
    s.assert_clean();
    // The AI drafts from stdin, signing with --key rather than WF_SIGNING_KEY.
    let out = s
        .call("wf-submit")
        .args([&id, "--name", "draft.md", "--prompt-file", &prompt, "--key"])
        .arg(s.key(BOT.0))
        .stdin(DRAFT)
        .ok();
    assert!(out.contains("revision 1"), "{out}");
    assert!(out.contains("model stand-in-model"), "{out}");
    assert!(out.ends_with("now at step review\n"), "{out}");
    s.assert_clean();
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    s.assert_clean();
    let out = s.ok(
        "wf-review",
        &[
            &id,
            "--accept",
            "--revise",
            &refined,
            "-m",
            "tightened the intro",
        ],
        "bob",
    );
    assert!(out.contains("bob accept revision 1"), "{out}");
    assert!(out.ends_with("now at step optimize\n"), "{out}");
    s.assert_clean();
    s.ok("wf-assign", &[&id, "--to", BOT.0, "-m", "polish"], "alice");
    s.assert_clean();
    // The optimizer's output takes the previous revision's single file name.
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(OPTIMIZED)
        .ok();
    s.assert_clean();
    let latest = s.show(&id)["latest_digest"].as_str().unwrap().to_string();
    let hex = latest.strip_prefix("sha256:").unwrap();
    let out = s.ok(
        "wf-approve",
        &[&id, "--digest", &hex[..12], "-m", "ship it"],
        "alice",
    );
    assert!(out.contains("approved revision 3"), "{out}");
    assert!(out.ends_with("state closed\n"), "{out}");
    s.assert_clean();
    id
}

// ---------------------------------------------------------------------------------------------
// 1. The full example
// ---------------------------------------------------------------------------------------------

#[test]
fn the_five_step_example_runs_end_to_end_and_git_agrees() {
    let s = Store::new();
    let before = s.commit_count();
    let id = five_step_example(&s);
    assert_eq!(s.commit_count(), before + 8, "one commit per action");

    // wf-show --json: the task as the tools see it.
    let t = s.show(&id);
    assert_eq!(t["schema"], "wf.task/1");
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["state"], "closed");
    assert_eq!(t["approved"], true);
    assert_eq!(t["step"], "approve");
    assert_eq!(t["owner"], "alice");
    assert_eq!(t["approver"], "alice");
    assert_eq!(t["created_by"], "alice");
    assert_eq!(t["workflow"], "default");
    let inputs = t["input"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0]["name"], "audience");
    assert_eq!(inputs[0]["text"], "developers");
    assert_eq!(inputs[0]["sha256"], s.sha256(b"developers"));
    assert_eq!(inputs[1]["name"], "brief");
    assert_eq!(inputs[1]["file"], "brief");
    assert_eq!(inputs[1]["sha256"], s.sha256(BRIEF));
    let in_file =
        std::fs::read(s.repo.join(format!("{}in/brief", wf_core::Task::dir(&id)))).unwrap();
    assert_eq!(in_file, BRIEF, "the input file is kept in the task folder");

    assert_eq!(
        rows(&t["assignment"], &["step", "by", "to"]),
        [
            ["draft", "alice", "drafter-bot"],
            ["review", "alice", "bob"],
            ["optimize", "alice", "drafter-bot"]
        ]
    );
    assert_eq!(t["assignment"][0]["note"], "first draft, keep it short");

    let revs = t["revision"].as_array().unwrap();
    assert_eq!(revs.len(), 3);
    let who: Vec<(u64, &str, &str, &str)> = revs
        .iter()
        .map(|r| {
            (
                r["number"].as_u64().unwrap(),
                r["step"].as_str().unwrap(),
                r["actor"].as_str().unwrap(),
                r["producer"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            (1, "draft", "drafter-bot", "ai"),
            (2, "review", "bob", "human"),
            (3, "optimize", "drafter-bot", "ai")
        ]
    );
    assert_eq!(revs[0]["model"], MODEL, "the AI's model is recorded");
    assert_eq!(revs[0]["prompt_sha256"], s.sha256(PROMPT));
    assert!(revs[1].get("model").is_none(), "bob used no model");
    assert_eq!(revs[1]["note"], "tightened the intro");
    assert_eq!(revs[2]["model"], MODEL);
    for (r, bytes) in revs.iter().zip([DRAFT, REFINED, OPTIMIZED]) {
        let arts = r["artifacts"].as_array().unwrap();
        assert_eq!(arts.len(), 1);
        assert_eq!(arts[0]["name"], "draft.md");
        assert_eq!(arts[0]["sha256"], s.sha256(bytes));
        assert_eq!(arts[0]["size"], bytes.len() as u64);
        // The revision digest is sha256 of the sha256sum manifest, prefixed "sha256:".
        assert_eq!(r["digest"], s.manifest_digest(&[("draft.md", bytes)]));
    }
    assert_eq!(t["latest_revision"], 3);
    assert_eq!(t["latest_digest"], revs[2]["digest"]);
    let reviews = t["review"].as_array().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["revision"], 1);
    assert_eq!(reviews[0]["digest"], revs[0]["digest"]);
    assert_eq!(reviews[0]["actor"], "bob");
    assert_eq!(reviews[0]["reviewer"], "human");
    assert_eq!(reviews[0]["verdict"], "accept");
    let decisions = t["decision"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["outcome"], "approve");
    assert_eq!(decisions[0]["actor"], "alice");
    assert_eq!(decisions[0]["revision"], 3);
    assert_eq!(decisions[0]["digest"], revs[2]["digest"]);
    assert_eq!(t["holder"], "alice");

    // The work tree holds the approved bytes, and their digest recomputes from the file.
    let out = std::fs::read(
        s.repo
            .join(format!("{}out/draft.md", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert_eq!(out, OPTIMIZED);
    let file_sha = s.sha256(&out);
    let manifest = format!("{file_sha}  draft.md\n");
    assert_eq!(
        decisions[0]["digest"].as_str().unwrap(),
        format!("sha256:{}", s.sha256(manifest.as_bytes()))
    );

    // wf-log --json: every event of the task, newest first, each signed by its actor.
    let log = json(&s.query("wf-log", &[&id, "--json"]));
    assert_eq!(log["schema"], "wf.log/1");
    assert_eq!(log["task"], id.as_str());
    let events = log["events"].as_array().unwrap();
    assert_eq!(
        rows(&log["events"], &["action", "actor", "actor_kind"]),
        [
            ["approve", "alice", "human"],
            ["submit", "drafter-bot", "ai"],
            ["assign", "alice", "human"],
            ["review", "bob", "human"],
            ["assign", "alice", "human"],
            ["submit", "drafter-bot", "ai"],
            ["assign", "alice", "human"],
            ["new", "alice", "human"],
        ]
    );
    for e in events {
        assert_eq!(e["signature"], "good", "{e}");
        assert_eq!(e["signer"], e["actor"], "{e}");
        assert_eq!(e["task"], id.as_str());
        assert_eq!(e["time"], common::DATE_RFC3339);
    }
    assert_eq!(events[0]["revision"], 3);
    assert_eq!(events[0]["digest"], revs[2]["digest"]);
    assert_eq!(events[1]["model"], MODEL);
    assert_eq!(events[3]["verdict"], "accept");
    assert_eq!(events[3]["revision"], 1);
    assert_eq!(events[3]["new_revision"], 2);
    assert_eq!(events[3]["new_digest"], revs[1]["digest"]);
    assert_eq!(events[6]["assignee"], "drafter-bot");
    // The whole store's log: init and actor changes too, all good.
    let all = json(&s.query("wf-log", &["--json"]));
    let all = all["events"].as_array().unwrap();
    assert_eq!(all.len(), 12);
    assert!(all.iter().all(|e| e["signature"] == "good"), "{all:?}");
    assert_eq!(all.last().unwrap()["action"], "init");

    // git itself: every commit verifies, the object store is consistent with nothing dangling.
    let commits = s.commits();
    assert_eq!(commits.len(), 12);
    for c in &commits {
        s.assert_verifies(c);
    }
    let fsck = s.git_output(&["fsck", "--strict", "--no-progress"], None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert!(fsck.status.success(), "git fsck --strict: {text}");
    assert!(!text.contains("dangling"), "git fsck --strict: {text}");
    s.assert_clean();

    // The content change between revisions is an ordinary git diff of tasks/ID/out/.
    let diff = s.git(&[
        "diff",
        "HEAD~5",
        "--",
        &format!("{}out/", wf_core::Task::dir(&id)),
    ]);
    assert!(diff.contains("-The AI wrote this line."), "{diff}");
    assert!(diff.contains("+Bob refined this line."), "{diff}");
    assert!(diff.contains("+The optimizer added this."), "{diff}");
    let refine = s.git(&[
        "diff",
        "HEAD~4",
        "HEAD~3",
        "--",
        &format!("{}out/", wf_core::Task::dir(&id)),
    ]);
    assert!(refine.contains("-The AI wrote this line."), "{refine}");
    assert!(refine.contains("+Bob refined this line."), "{refine}");
}

// ---------------------------------------------------------------------------------------------
// 2. Trailers
// ---------------------------------------------------------------------------------------------

/// The trailers every task action has, then the action's own.
fn want(
    id: &str,
    (action, who): (&str, (&str, &str, &str)),
    more: &[(&str, &str)],
) -> Vec<(String, String)> {
    let kind = if who.0 == BOT.0 { "ai" } else { "human" };
    let mut v = pairs(&[
        ("Wf-Task", id),
        ("Wf-Action", action),
        ("Wf-Actor", who.0),
        ("Wf-Actor-Kind", kind),
    ]);
    v.extend(pairs(more));
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_action_commit_carries_exactly_its_trailers_and_its_actor_as_author() {
    let s = Store::new();
    let id = five_step_example(&s);
    let t = s.show(&id);
    let d = |n: usize| t["revision"][n]["digest"].as_str().unwrap().to_string();
    let (d1, d2, d3) = (d(0), d(1), d(2));
    let prompt = format!("sha256:{}", s.sha256(PROMPT));
    let id = id.as_str();
    use common::{ALICE, BOB};
    let expected = [
        (
            ALICE,
            want(
                id,
                ("approve", ALICE),
                &[
                    ("Wf-Step", "approve"),
                    ("Wf-Revision", "3"),
                    ("Wf-Digest", &d3),
                ],
            ),
        ),
        (
            BOT,
            want(
                id,
                ("submit", BOT),
                &[
                    ("Wf-Step", "optimize"),
                    ("Wf-Revision", "3"),
                    ("Wf-Digest", &d3),
                    ("Wf-Model", MODEL),
                ],
            ),
        ),
        (
            ALICE,
            want(
                id,
                ("assign", ALICE),
                &[("Wf-Step", "optimize"), ("Wf-Assignee", "drafter-bot")],
            ),
        ),
        (
            BOB,
            want(
                id,
                ("review", BOB),
                &[
                    ("Wf-Step", "review"),
                    ("Wf-Revision", "1"),
                    ("Wf-Digest", &d1),
                    ("Wf-Verdict", "accept"),
                    ("Wf-New-Revision", "2"),
                    ("Wf-New-Digest", &d2),
                ],
            ),
        ),
        (
            ALICE,
            want(
                id,
                ("assign", ALICE),
                &[("Wf-Step", "review"), ("Wf-Assignee", "bob")],
            ),
        ),
        (
            BOT,
            want(
                id,
                ("submit", BOT),
                &[
                    ("Wf-Step", "draft"),
                    ("Wf-Revision", "1"),
                    ("Wf-Digest", &d1),
                    ("Wf-Model", MODEL),
                    ("Wf-Prompt-Digest", &prompt),
                ],
            ),
        ),
        (
            ALICE,
            want(
                id,
                ("assign", ALICE),
                &[("Wf-Step", "draft"), ("Wf-Assignee", "drafter-bot")],
            ),
        ),
        (
            ALICE,
            want(id, ("new", ALICE), &[("Wf-Workflow", "default")]),
        ),
    ];
    let commits = s.commits();
    for (c, (who, want)) in commits.iter().zip(expected.iter()) {
        assert_eq!(&s.trailers(c), want, "trailers of {c}");
        let author = s.git(&["log", "-1", "--format=%an|%ae|%cn|%ce", c]);
        assert_eq!(
            author.trim(),
            format!("{}|{}|{}|{}", who.1, who.2, who.1, who.2),
            "author and committer of {c} are the actor"
        );
        let subject = s.git(&["log", "-1", "--format=%s", c]);
        let action = &want[1].1;
        assert_eq!(
            subject.trim(),
            format!("wf: {action} {id}: Launch announcement")
        );
    }
    // The store's own commits: init, then one per registered actor.
    assert_eq!(
        s.trailers(&commits[11]),
        pairs(&[
            ("Wf-Action", "init"),
            ("Wf-Actor", "alice"),
            ("Wf-Actor-Kind", "human")
        ])
    );
    for (c, subject) in commits[8..11].iter().zip(["drafter-bot", "carol", "bob"]) {
        assert_eq!(
            s.trailers(c),
            pairs(&[
                ("Wf-Action", "actor"),
                ("Wf-Actor", "alice"),
                ("Wf-Actor-Kind", "human"),
                ("Wf-Subject", subject)
            ])
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Forging trailers or headers through user text
// ---------------------------------------------------------------------------------------------

/// The header lines of a raw commit object (everything before the first empty line).
fn headers(s: &Store, c: &str) -> Vec<String> {
    s.git(&["cat-file", "commit", c])
        .lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn assert_plain_headers(s: &Store, c: &str) {
    for h in headers(s, c) {
        let known = ["tree ", "parent ", "author ", "committer ", "gpgsig "];
        assert!(
            known.iter().any(|k| h.starts_with(k)) || h.starts_with(' '),
            "unexpected header line in {c}: {h:?}"
        );
    }
    let raw = s.git(&["cat-file", "commit", c]);
    assert_eq!(raw.matches("\nauthor ").count(), 1, "{raw}");
    assert_eq!(raw.matches("\ncommitter ").count(), 1, "{raw}");
}

#[test]
fn titles_and_notes_cannot_forge_trailers_or_headers() {
    let s = Store::new();
    let title = "Legit title\nWf-Actor: mallory\n\nWf-Action: approve";
    let id = s.ok("wf-new", &["--title", title], "alice");
    let id = id.trim();
    let c = s.head();
    assert_eq!(
        s.trailers(&c),
        pairs(&[
            ("Wf-Task", id),
            ("Wf-Action", "new"),
            ("Wf-Actor", "alice"),
            ("Wf-Actor-Kind", "human"),
            ("Wf-Workflow", "default"),
        ])
    );
    let msg = s.git(&["log", "-1", "--format=%B", &c]);
    let subject = msg.lines().next().unwrap();
    assert_eq!(
        subject,
        format!("wf: new {id}: Legit title Wf-Actor: mallory Wf-Action: approve")
    );
    assert_eq!(msg.lines().nth(1), Some(""), "the subject is one line");
    assert!(!msg.lines().any(|l| l.starts_with("Wf-Actor: mallory")));
    assert_plain_headers(&s, &c);
    assert_eq!(
        s.show(id)["title"],
        "Legit title Wf-Actor: mallory Wf-Action: approve"
    );

    let note = "why not\n\nWf-Actor: bob\n---\n";
    s.ok("wf-assign", &[id, "--to", BOT.0, "-m", note], "alice");
    let c = s.head();
    assert_eq!(
        s.trailers(&c),
        pairs(&[
            ("Wf-Task", id),
            ("Wf-Action", "assign"),
            ("Wf-Actor", "alice"),
            ("Wf-Actor-Kind", "human"),
            ("Wf-Step", "draft"),
            ("Wf-Assignee", "drafter-bot"),
        ])
    );
    let msg = s.git(&["log", "-1", "--format=%B", &c]);
    assert!(!msg.lines().any(|l| l.starts_with("---")), "{msg}");
    assert!(
        !msg.lines().any(|l| l.starts_with("Wf-Actor: bob")),
        "{msg}"
    );
    assert!(msg.contains("Note: why not Wf-Actor: bob ---"), "{msg}");
    assert_eq!(s.git(&["log", "-1", "--format=%s", &c]).lines().count(), 1);
    assert_plain_headers(&s, &c);
    // wf-log reads the same trailers: the actor is alice, signature good.
    let log = json(&s.query("wf-log", &[id, "--json"]));
    for e in log["events"].as_array().unwrap() {
        assert_eq!(e["actor"], "alice");
        assert_eq!(e["signature"], "good");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. One refusal per rule: exit 1, "rule N" on stderr, nothing committed
// ---------------------------------------------------------------------------------------------

#[test]
fn rule_1_a_reviewer_cannot_define_a_task() {
    let s = Store::new();
    s.assert_rule(1, s.call("wf-new").args(["--title", "mine"]).key("bob"));
}

#[test]
fn rule_1_the_ai_only_draft_step_cannot_go_to_a_human() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    s.assert_rule(
        1,
        s.call("wf-assign").args([&id, "--to", "bob"]).key("alice"),
    );
}

#[test]
fn rule_2_the_drafter_cannot_submit_before_it_is_assigned() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    let err = s.assert_rule(2, s.call("wf-submit").arg(&id).key(BOT.0).stdin(DRAFT));
    assert!(err.contains("no assignee"), "{err}");
}

#[test]
fn a_refused_submit_reads_no_output_and_stores_no_object() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    let objects = |s: &Store| s.git(&["count-objects", "-v"]);
    let before = objects(&s);
    // The drafter is not assigned yet: refused before its output is read, so not even a
    // loose blob is written (git fsck has nothing dangling to report).
    let big = vec![b'x'; 4 << 20];
    s.assert_rule(2, s.call("wf-submit").arg(&id).key(BOT.0).stdin(&big));
    assert_eq!(objects(&s), before);
    let fsck = s.git_output(&["fsck", "--strict"], None);
    let text = common::describe(&fsck);
    assert!(
        fsck.status.success() && !text.contains("dangling"),
        "{text}"
    );
}

#[test]
fn rule_2_only_the_assigned_reviewer_gives_the_verdict() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_review(&s, &id);
    let err = s.assert_rule(2, s.call("wf-review").args([&id, "--accept"]).key("carol"));
    assert!(err.contains("assigned to bob"), "{err}");
}

#[test]
fn rule_3_an_ai_never_approves() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_approve(&s, &id);
    s.assert_rule(3, s.call("wf-approve").arg(&id).key(BOT.0));
}

#[test]
fn rule_3_an_ai_is_never_given_the_human_review() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_review(&s, &id);
    s.assert_rule(
        3,
        s.call("wf-assign").args([&id, "--to", BOT.0]).key("alice"),
    );
}

#[test]
fn rule_3_an_ai_is_never_the_approver() {
    let s = Store::new();
    s.assert_rule(
        3,
        s.call("wf-new")
            .args(["--title", "t", "--approver", BOT.0])
            .key("alice"),
    );
}

#[test]
fn rule_4_only_the_designated_approver_decides() {
    let s = Store::new();
    let id = new_task(&s, &["--approver", "alice"]);
    to_approve(&s, &id);
    s.assert_rule(4, s.call("wf-approve").arg(&id).key("carol"));
}

#[test]
fn rule_4_the_owner_is_a_human() {
    let s = Store::new();
    s.assert_rule(
        4,
        s.call("wf-new")
            .args(["--title", "t", "--owner", BOT.0])
            .key("alice"),
    );
}

/// A workflow whose draft step any actor may perform, committed by admin alice as an ordinary
/// SSH-signed git commit (wf has no tool for workflows yet). With the default workflow rule 5
/// cannot be reached: the revision in front of a reviewer always comes from the AI-only draft
/// step, and the one in front of the approver from the AI-only optimize step.
const OPEN_DRAFT_WORKFLOW: &str = r#"name = "open-draft"
description = "Anyone drafts, a human reviews, the approver approves."

[[step]]
name = "define"
kind = "define"
actor = "human"
roles = ["requester"]

[[step]]
name = "draft"
kind = "produce"
actor = "any"

[[step]]
name = "review"
kind = "review"
actor = "human"
roles = ["reviewer"]

[[step]]
name = "approve"
kind = "approve"
actor = "human"
"#;

fn add_workflow_as_alice(s: &Store, name: &str, text: &str) {
    // In the form wf writes (`policy::load` refuses any other).
    let text = wf_core::workflow::Workflow::parse(text).unwrap().to_toml();
    std::fs::write(s.repo.join(format!(".wf/workflows/{name}.toml")), text).unwrap();
    s.git(&["add", "."]);
    let key = s.key("alice").display().to_string();
    s.git(&[
        "-c",
        "user.name=Alice A",
        "-c",
        "user.email=alice@example.com",
        "-c",
        &format!("user.signingkey={key}"),
        "commit",
        "-q",
        "-S",
        "-m",
        &format!("workflow {name}"),
    ]);
    s.assert_verifies("HEAD");
    s.assert_clean();
}

#[test]
fn rule_5_nobody_reviews_or_approves_their_own_revision() {
    let s = Store::new();
    add_workflow_as_alice(&s, "open-draft", OPEN_DRAFT_WORKFLOW);
    let id = new_task(&s, &["--workflow", "open-draft", "--approver", "bob"]);
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    s.call("wf-submit")
        .args([&id, "--name", "draft.md"])
        .key("bob")
        .stdin(DRAFT)
        .ok();
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    let err = s.assert_rule(5, s.call("wf-review").args([&id, "--accept"]).key("bob"));
    assert!(err.contains("bob produced revision 1"), "{err}");
    s.ok("wf-assign", &[&id, "--to", "carol"], "alice");
    s.ok("wf-review", &[&id, "--accept"], "carol");
    assert_eq!(s.show(&id)["step"], "approve");
    s.assert_rule(5, s.call("wf-approve").arg(&id).key("bob"));
}

#[test]
fn rule_6_an_approval_must_name_the_current_digest() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_approve(&s, &id);
    let err = s.assert_rule(
        6,
        s.call("wf-approve")
            .args([&id, "--digest", "0123456789abcdef"])
            .key("alice"),
    );
    assert!(err.contains("is not the current revision"), "{err}");
    let latest = s.show(&id)["latest_digest"].as_str().unwrap().to_string();
    s.ok("wf-approve", &[&id, "--digest", &latest], "alice");
}

#[test]
fn rule_6_a_review_of_a_stale_revision_is_refused() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_review(&s, &id);
    let stale = s.show(&id)["latest_digest"].as_str().unwrap().to_string();
    s.ok(
        "wf-review",
        &[&id, "--request-changes", "-m", "say more"],
        "bob",
    );
    assert_eq!(s.show(&id)["step"], "draft");
    s.call("wf-submit").arg(&id).key(BOT.0).stdin(REFINED).ok();
    s.assert_rule(
        6,
        s.call("wf-review")
            .args([&id, "--accept", "--digest", &stale])
            .key("bob"),
    );
    let fresh = s.show(&id)["latest_digest"].as_str().unwrap().to_string();
    assert_ne!(fresh, stale);
    assert_eq!(s.show(&id)["latest_accepted"], false);
    s.ok("wf-review", &[&id, "--accept", "--digest", &fresh], "bob");
    assert_eq!(s.show(&id)["latest_accepted"], true);
    // A new revision voids the accept: the flag follows the digest, not the step.
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(b"optimized\n")
        .ok();
    assert_eq!(s.show(&id)["latest_accepted"], false);
}

#[test]
fn rule_7_a_closed_task_cannot_be_handed_over() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    approved(&s, &id);
    s.assert_rule(
        7,
        s.call("wf-assign").args([&id, "--to", BOT.0]).key("alice"),
    );
}

#[test]
fn rule_7_only_the_owner_reopens() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    approved(&s, &id);
    s.assert_rule(
        7,
        s.call("wf-approve")
            .args([&id, "--reopen", "-m", "I want changes"])
            .key("bob"),
    );
}

#[test]
fn rule_9_no_output_is_submitted_at_the_review_step() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_review(&s, &id);
    s.assert_rule(9, s.call("wf-submit").arg(&id).key(BOT.0).stdin(REFINED));
}

#[test]
fn rule_10_an_unrelated_reviewer_cannot_hand_over_a_step() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    s.assert_rule(
        10,
        s.call("wf-assign").args([&id, "--to", BOT.0]).key("carol"),
    );
}

#[test]
fn rule_11_only_an_admin_registers_actors() {
    let s = Store::new();
    let mallory = s.pubkey("mallory");
    s.assert_rule(
        11,
        s.call("wf-actor")
            .args([
                "add",
                "mallory",
                "--kind",
                "human",
                "--name",
                "Mallory",
                "--email",
                "mallory@example.com",
                "--pubkey",
                &mallory,
                "--role",
                "admin",
            ])
            .key("bob"),
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Reopen and reject
// ---------------------------------------------------------------------------------------------

#[test]
fn the_owner_reopens_an_approved_task_and_it_can_be_approved_again() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    approved(&s, &id);
    let first = s.show(&id)["decision"][0]["digest"].clone();
    s.assert_rule(
        12,
        s.call("wf-approve").args([&id, "--reopen"]).key("alice"),
    );
    let out = s.ok(
        "wf-approve",
        &[&id, "--reopen", "-m", "legal asked for a change"],
        "alice",
    );
    assert!(out.contains("reopened"), "{out}");
    s.assert_clean();
    let t = s.show(&id);
    assert_eq!(t["approved"], false);
    assert_eq!(t["state"], "open");
    assert_eq!(t["step"], "optimize");
    assert_eq!(t["holder"], BOT.0, "the optimizer still holds its step");
    assert_eq!(t["reopen"][0]["actor"], "alice");
    assert_eq!(t["reopen"][0]["note"], "legal asked for a change");
    assert_eq!(
        t["decision"].as_array().unwrap().len(),
        1,
        "history is kept"
    );

    let legal = b"# Launch\n\nNow with the legal disclaimer.\n";
    s.call("wf-submit").arg(&id).key(BOT.0).stdin(legal).ok();
    let t = s.show(&id);
    assert_eq!(t["step"], "approve");
    assert_eq!(t["latest_revision"], 3);
    assert_eq!(
        t["latest_digest"],
        s.manifest_digest(&[("draft.md", legal)])
    );
    s.ok("wf-approve", &[&id, "-m", "ok now"], "alice");
    let t = s.show(&id);
    assert_eq!(t["approved"], true);
    assert_eq!(t["state"], "closed");
    let decisions = t["decision"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[1]["revision"], 3);
    assert_eq!(decisions[1]["digest"], t["latest_digest"]);
    assert_ne!(decisions[1]["digest"], first);
    let log = json(&s.query("wf-log", &[&id, "--json"]));
    let actions = column(&log["events"], "action");
    assert_eq!(&actions[..3], ["approve", "submit", "reopen"]);
    for c in s.commits() {
        s.assert_verifies(&c);
    }
    s.assert_clean();
}

#[test]
fn a_rejection_needs_a_reason_and_sends_the_task_back_to_optimize() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_approve(&s, &id);
    s.assert_rule(
        12,
        s.call("wf-approve").args([&id, "--reject"]).key("alice"),
    );
    let out = s.ok("wf-approve", &[&id, "--reject", "-m", "numbers"], "alice");
    assert!(out.contains("rejected revision 2"), "{out}");
    let t = s.show(&id);
    assert_eq!(t["step"], "optimize");
    assert_eq!(t["state"], "open");
    assert_eq!(t["approved"], false);
    assert_eq!(t["decision"][0]["outcome"], "reject");
    assert_eq!(t["decision"][0]["note"], "numbers");
}

// ---------------------------------------------------------------------------------------------
// 6. Identity: the key decides who acts
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unregistered_key_is_refused_naming_its_fingerprint() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    let (head, count) = (s.head(), s.commit_count());
    let fp = s.fingerprint("mallory");
    assert!(fp.starts_with("SHA256:"), "{fp}");
    let (code, err) = s.refused("wf-assign", &[&id, "--to", BOT.0], "mallory");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains(&fp), "fingerprint {fp} not in: {err}");
    assert!(err.contains("not registered"), "{err}");
    // The same through --key.
    let (code, err) = s
        .call("wf-new")
        .args(["--title", "mine", "--key"])
        .arg(s.key("mallory"))
        .refused();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains(&fp) && err.contains("not registered"), "{err}");
    assert_eq!((s.head(), s.commit_count()), (head, count));
    s.assert_clean();
}

#[test]
fn a_missing_key_file_or_no_key_at_all_is_an_identity_error() {
    let s = Store::new();
    let head = s.head();
    let missing = s.root.join("keys/nobody").display().to_string();
    let (code, err) = s
        .call("wf-new")
        .args(["--title", "x", "--key", &missing])
        .refused();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("cannot read key"), "{err}");
    let (code, err) = s
        .call("wf-new")
        .args(["--title", "x"])
        .env("WF_SIGNING_KEY", &missing)
        .refused();
    assert_eq!(code, 4, "{err}");
    // No --key, no WF_SIGNING_KEY, no user.signingkey.
    let (code, err) = s.call("wf-new").args(["--title", "x"]).refused();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("no signing key"), "{err}");
    assert_eq!(s.head(), head);
    s.assert_clean();
}

#[test]
fn git_user_signingkey_in_the_repository_config_names_the_signer() {
    let s = Store::new();
    let key = s.key("alice").display().to_string();
    s.git(&["config", "user.signingkey", &key]);
    let id = s.call("wf-new").args(["--title", "from config"]).ok();
    let id = id.trim();
    assert_eq!(s.show(id)["created_by"], "alice");
    // An empty WF_SIGNING_KEY does not hide the config.
    s.call("wf-assign")
        .args([id, "--to", BOT.0])
        .env("WF_SIGNING_KEY", "")
        .ok();
    s.assert_verifies("HEAD");
    s.assert_verifies("HEAD~1");
    assert_eq!(
        s.git(&["log", "-2", "--format=%an <%ae>"]),
        "Alice A <alice@example.com>\nAlice A <alice@example.com>\n"
    );
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// 7. Signing through ssh-agent
// ---------------------------------------------------------------------------------------------

/// An ssh-agent this test started; killed by its pid when dropped.
struct Agent {
    sock: String,
    pid: String,
}

impl Agent {
    /// Start one, or fail the test: a test that needs an agent never passes without one.
    fn start(s: &Store) -> Agent {
        common::need("ssh-agent");
        common::need("ssh-add");
        let sock = s.root.join("agent.sock").display().to_string();
        let out = s
            .command("ssh-agent")
            .args(["-s", "-a", &sock])
            .output()
            .unwrap_or_else(|e| panic!("ssh-agent cannot start: {e}"));
        assert!(
            out.status.success(),
            "ssh-agent cannot start: {}",
            common::describe(&out)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let var = |name: &str| {
            text.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        match (var("SSH_AUTH_SOCK"), var("SSH_AGENT_PID")) {
            (Some(sock), Some(pid)) => Agent { sock, pid },
            _ => {
                panic!("cannot read SSH_AUTH_SOCK and SSH_AGENT_PID in ssh-agent's output: {text}")
            }
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(&self.pid)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn a_key_held_in_ssh_agent_signs_by_its_public_half() {
    let s = Store::new();
    let agent = Agent::start(&s);
    let add = s
        .command("ssh-add")
        .arg(s.key("bob"))
        .env("SSH_AUTH_SOCK", &agent.sock)
        .output()
        .unwrap();
    assert!(add.status.success(), "ssh-add: {}", common::describe(&add));
    // The public half alone, in a folder without the private key.
    let public = std::fs::read_to_string(s.pubkey("bob")).unwrap();
    let pubfile = s.file("agent-only/bob.pub", public.as_bytes());
    let id = new_task(&s, &[]);
    to_review(&s, &id);

    // Without the agent the public key cannot sign.
    let (code, err) = s
        .call("wf-review")
        .args([&id, "--comment", "-m", "no agent", "--key", &pubfile])
        .refused();
    assert_eq!(code, 4, "{err}");

    s.call("wf-review")
        .args([&id, "--comment", "-m", "read it", "--key", &pubfile])
        .env("SSH_AUTH_SOCK", &agent.sock)
        .ok();
    s.assert_verifies("HEAD");
    let literal = format!("key::{}", public.trim());
    s.call("wf-review")
        .args([&id, "--accept", "-m", "good", "--key", &literal])
        .env("SSH_AUTH_SOCK", &agent.sock)
        .ok();
    s.assert_verifies("HEAD");
    let log = json(&s.query("wf-log", &[&id, "--json"]));
    let events = log["events"].as_array().unwrap();
    for e in &events[..2] {
        assert_eq!(e["action"], "review");
        assert_eq!(e["actor"], "bob");
        assert_eq!(e["signature"], "good");
        assert_eq!(e["signer"], "bob");
    }
    assert_eq!(events[0]["verdict"], "accept");
    assert_eq!(events[1]["verdict"], "comment");
    assert_eq!(s.show(&id)["step"], "optimize");
    s.assert_clean();
    drop(agent);
}

#[test]
fn ecdsa_rsa_and_passphrase_keys_sign_through_ssh_keygen_and_verify() {
    let s = Store::new();
    // Keys the in-process signer does not use: ECDSA and RSA (other algorithms) and an
    // ed25519 key under a passphrase. All three are registered as requesters.
    let keygen = |name: &str, args: &[&str]| {
        let out = s
            .command("ssh-keygen")
            .args(["-q", "-C", name, "-f"])
            .arg(s.key(name))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::describe(&out));
    };
    keygen("ec", &["-t", "ecdsa", "-N", ""]);
    keygen("rsa", &["-t", "rsa", "-b", "2048", "-N", ""]);
    keygen("locked", &["-t", "ed25519", "-N", "open sesame"]);
    for name in ["ec", "rsa", "locked"] {
        let email = format!("{name}@example.com");
        let pubkey = s.pubkey(name);
        s.ok(
            "wf-actor",
            &[
                "add",
                name,
                "--kind",
                "human",
                "--name",
                name,
                "--email",
                &email,
                "--pubkey",
                &pubkey,
                "--role",
                "requester",
            ],
            "alice",
        );
    }
    for name in ["ec", "rsa"] {
        let id = s.ok("wf-new", &["--title", name], name);
        assert!(id.starts_with("T-"), "{id}");
        s.assert_verifies("HEAD");
    }
    // The locked key cannot sign without its passphrase: an identity error, nothing committed.
    // (ssh-keygen would ask on the controlling terminal, so only where there is none, as in CI.)
    if std::fs::File::open("/dev/tty").is_err() {
        let head = s.head();
        let (code, err) = s.refused("wf-new", &["--title", "locked"], "locked");
        assert_eq!(code, 4, "{err}");
        assert!(
            !err.contains("Enter passphrase"),
            "prompt noise leaked: {err}"
        );
        assert_eq!(s.head(), head);
    }
    // Unlocked in an agent, the same private key file signs (ssh-keygen asks the agent).
    {
        let agent = Agent::start(&s);
        let ask = s.file("askpass.sh", b"#!/bin/sh\necho 'open sesame'\n");
        std::fs::set_permissions(&ask, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let add = s
            .command("ssh-add")
            .arg(s.key("locked"))
            .env("SSH_AUTH_SOCK", &agent.sock)
            .env("SSH_ASKPASS", &ask)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", "none")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(add.status.success(), "ssh-add: {}", common::describe(&add));
        s.call("wf-new")
            .args(["--title", "locked, via agent"])
            .key("locked")
            .env("SSH_AUTH_SOCK", &agent.sock)
            .ok();
        s.assert_verifies("HEAD");
        drop(agent);
    }
    let log = json(&s.query("wf-log", &["--json"]));
    for e in log["events"].as_array().unwrap() {
        assert_eq!(e["signature"], "good", "{e}");
    }
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// 8. Uncommitted edits are never overwritten
// ---------------------------------------------------------------------------------------------

#[test]
fn an_edited_task_file_blocks_the_action_and_survives_byte_for_byte() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    let path = s.repo.join(wf_core::Task::path(&id));
    let mut edited = std::fs::read(&path).unwrap();
    edited.extend_from_slice(b"# my local note, not yet committed\n");
    std::fs::write(&path, &edited).unwrap();
    let (head, count) = (s.head(), s.commit_count());
    let (code, err) = s.refused("wf-assign", &[&id, "--to", BOT.0], "alice");
    assert_eq!(code, 5, "{err}");
    assert!(err.contains(&wf_core::Task::path(&id)), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), edited);
    assert_eq!((s.head(), s.commit_count()), (head.clone(), count));
    // Staged, the edit still blocks.
    s.git(&["add", &wf_core::Task::path(&id)]);
    let (code, _) = s.refused("wf-assign", &[&id, "--to", BOT.0], "alice");
    assert_eq!(code, 5);
    assert_eq!(std::fs::read(&path).unwrap(), edited);
    assert_eq!(s.head(), head);
    // Once restored, the action goes through.
    s.git(&[
        "restore",
        "--staged",
        "--worktree",
        &wf_core::Task::path(&id),
    ]);
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.assert_clean();
}

#[test]
fn an_untracked_file_in_the_task_folder_blocks_the_action_and_survives() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    let stray = s
        .repo
        .join(format!("{}out/notes.txt", wf_core::Task::dir(&id)));
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"mine\n").unwrap();
    let head = s.head();
    let (code, err) = s.refused("wf-assign", &[&id, "--to", BOT.0], "alice");
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(std::fs::read(&stray).unwrap(), b"mine\n");
    assert_eq!(s.head(), head);
    std::fs::remove_file(&stray).unwrap();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// 9. Writers racing
// ---------------------------------------------------------------------------------------------

#[test]
fn racing_writers_lose_no_update() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    to_review(&s, &id);
    let before = s.head();
    let count = s.commit_count();
    let mut children = Vec::new();
    for i in 0..8 {
        let to = if i % 2 == 0 { "carol" } else { "bob" };
        let note = format!("handoff {i}");
        children.push(
            s.call("wf-assign")
                .args([&id, "--to", to, "-m", &note])
                .key("alice")
                .spawn(),
        );
        let title = format!("parallel {i}");
        children.push(
            s.call("wf-new")
                .args(["--title", &title])
                .key("alice")
                .spawn(),
        );
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", common::describe(&out));
    }
    assert_eq!(s.commit_count(), count + 16);
    let range = format!("{before}..HEAD");
    let new: Vec<String> = s
        .git(&["rev-list", &range])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(new.len(), 16);
    assert_eq!(
        s.git(&["rev-list", "--merges", &range]),
        "",
        "history is linear"
    );
    for c in &new {
        s.assert_verifies(c);
    }
    let t = s.show(&id);
    let notes: Vec<&str> = t["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["note"].as_str())
        .collect();
    for i in 0..8 {
        assert!(
            notes.contains(&format!("handoff {i}").as_str()),
            "handoff {i} lost: {notes:?}"
        );
    }
    assert_eq!(t["assignment"].as_array().unwrap().len(), 2 + 8);
    let ls = json(&s.query("wf-ls", &["--json"]));
    let titles = column(&ls["tasks"], "title");
    assert_eq!(titles.len(), 9);
    for i in 0..8 {
        assert!(
            titles.contains(&format!("parallel {i}").as_str()),
            "{titles:?}"
        );
    }
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// 10. Task ids
// ---------------------------------------------------------------------------------------------

#[test]
fn task_ids_are_printed_alone_and_resolve_by_unique_prefix() {
    let s = Store::new();
    let out = s.ok("wf-new", &["--title", "ids"], "alice");
    let hex = out
        .strip_prefix("T-")
        .and_then(|r| r.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("wf-new printed {out:?}"));
    assert_eq!(hex.len(), 6, "{out:?}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{out:?}"
    );
    let id = out.trim();
    assert_eq!(s.show(&id[..5])["id"], id, "T- and 3 hex digits resolve");
    assert_eq!(
        s.show(&id[2..5].to_ascii_uppercase())["id"],
        id,
        "bare upper-case hex resolves"
    );
    let (code, err) = s.call("wf-show").arg("../etc").refused();
    assert_eq!(code, 2, "{err}");
    let (code, err) = s.refused("wf-assign", &["../etc", "--to", BOT.0], "alice");
    assert_eq!(code, 2, "{err}");
    let other = if id.as_bytes()[2] == b'0' { '1' } else { '0' };
    let unknown = format!("T-{other}{}", &id[3..]);
    let (code, err) = s.call("wf-show").arg(&unknown).refused();
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no task"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 11. Not a store
// ---------------------------------------------------------------------------------------------

#[test]
fn outside_a_wf_store_the_tools_say_so_and_point_at_wf_init() {
    let s = Store::keys_only();
    let nowhere = s.outside_any_repository();
    let nowhere = nowhere.path();
    let plain = s.root.join("plain");
    s.git(&["init", "-q", "-b", "main", &plain.display().to_string()]);

    let (code, err) = s.call("wf-ls").dir(&plain).refused();
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("not a wf store"), "{err}");
    assert!(err.contains("wf-init"), "{err}");
    let (code, err) = s
        .call("wf-new")
        .args(["--title", "x"])
        .key("alice")
        .dir(&plain)
        .refused();
    assert_eq!(code, 6, "{err}");

    let (code, err) = s.call("wf-ls").dir(nowhere).refused();
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("not a git repository"), "{err}");
    assert!(err.contains("wf-init"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// 12. Queues and diffs
// ---------------------------------------------------------------------------------------------

fn ids(v: &serde_json::Value) -> Vec<String> {
    column(&v["tasks"], "id")
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[test]
fn wf_ls_filters_make_queues_and_wf_review_diff_shows_what_changed() {
    let s = Store::new();
    let a = new_task(&s, &[]);
    s.ok("wf-assign", &[&a, "--to", BOT.0], "alice");
    let b = new_task(&s, &[]);
    to_review(&s, &b);
    let c = new_task(&s, &[]);
    approved(&s, &c);

    let ls = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let v = json(&s.query("wf-ls", &all));
        assert_eq!(v["schema"], "wf.tasks/1");
        let mut got = ids(&v);
        got.sort();
        got
    };
    let sorted = |mut v: Vec<&String>| {
        v.sort();
        v.into_iter().cloned().collect::<Vec<_>>()
    };
    assert_eq!(ls(&[]), sorted(vec![&a, &b, &c]));
    assert_eq!(ls(&["--assignee", "bob"]), [b.as_str()]);
    assert_eq!(ls(&["--assignee", BOT.0]), [a.as_str()]);
    assert!(
        ls(&["--assignee", "alice"]).is_empty(),
        "closed tasks wait on nobody"
    );
    assert_eq!(ls(&["--step", "review"]), [b.as_str()]);
    assert_eq!(ls(&["--step", "draft"]), [a.as_str()]);
    assert_eq!(ls(&["--step", "approve"]), [c.as_str()]);
    assert_eq!(ls(&["--state", "closed"]), [c.as_str()]);
    assert_eq!(ls(&["--state", "open"]), sorted(vec![&a, &b]));
    assert!(ls(&["--step", "review", "--assignee", "carol"]).is_empty());
    let v = json(&s.query("wf-ls", &["--json", "--assignee", "bob"]));
    assert_eq!(v["tasks"][0]["holder"], "bob");
    assert_eq!(v["tasks"][0]["step_kind"], "review");
    let text = s.query("wf-ls", &["--assignee", "bob"]);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(&b) && text.contains("review") && text.contains("bob"),
        "{text}"
    );

    // Before any review: the whole revision is new.
    let head = s.head();
    let d = s.query("wf-review", &[&b, "--diff"]);
    assert!(d.contains("never reviewed"), "{d}");
    assert!(d.contains("+++ b/draft.md"), "{d}");
    assert!(d.lines().any(|l| l == "+The AI wrote this line."), "{d}");
    // After changes were requested and made: a unified diff against the reviewed revision.
    s.ok(
        "wf-review",
        &[&b, "--request-changes", "-m", "sign it"],
        "bob",
    );
    s.call("wf-submit").arg(&b).key(BOT.0).stdin(REFINED).ok();
    let head_after = s.head();
    let d = s.query("wf-review", &[&b, "--diff"]);
    assert!(d.contains("revision 2"), "{d}");
    assert!(d.contains("against revision 1, last reviewed"), "{d}");
    let lines: Vec<&str> = d.lines().collect();
    for want in [
        "--- a/draft.md",
        "+++ b/draft.md",
        " # Launch",
        "-The AI wrote this line.",
        "+Bob refined this line.",
        "-wf records who did what.",
        "+wf records who did what, signed.",
    ] {
        assert!(lines.contains(&want), "{want:?} missing from:\n{d}");
    }
    assert!(lines.iter().any(|l| l.starts_with("@@ -")), "{d}");
    assert_eq!(s.head(), head_after, "--diff alone commits nothing");
    assert_ne!(head, head_after);
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// Revisions of several files
// ---------------------------------------------------------------------------------------------

#[test]
fn a_revision_of_several_files_is_digested_by_its_sorted_manifest_and_replaces_the_last() {
    let s = Store::new();
    let id = new_task(&s, &[]);
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let files: [(&str, &[u8]); 3] = [("b.md", b"bee\n"), ("a.md", b"ay\n"), ("Z.md", b"zed\n")];
    let paths: Vec<String> = files
        .iter()
        .map(|(n, b)| s.file(&format!("multi/{n}"), b))
        .collect();
    s.call("wf-submit").arg(&id).args(&paths).key(BOT.0).ok();
    let t = s.show(&id);
    // "Z.md" sorts first: names are compared as bytes, as `LC_ALL=C sort` does.
    assert_eq!(t["latest_digest"], s.manifest_digest(&files));
    let out = s.repo.join(format!("{}out", wf_core::Task::dir(&id)));
    for (n, b) in files {
        assert_eq!(std::fs::read(out.join(n)).unwrap(), b);
    }
    s.assert_clean();

    // The reviewer's refinement is one file: the others leave the tree and the work tree.
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    let fin = s.file("bob/final.md", b"one file now\n");
    s.ok("wf-review", &[&id, "--accept", "--revise", &fin], "bob");
    let prefix = format!("{}out/", wf_core::Task::dir(&id));
    assert_eq!(
        s.git(&["ls-tree", "-r", "--name-only", "HEAD", &prefix]),
        format!("{prefix}final.md\n")
    );
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["final.md"]);
    s.assert_clean();

    // Output on stdin takes the previous revision's single file name.
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(b"optimized\n")
        .ok();
    let t = s.show(&id);
    assert_eq!(t["revision"][2]["artifacts"][0]["name"], "final.md");
    assert_eq!(
        t["latest_digest"],
        s.manifest_digest(&[("final.md", b"optimized\n")])
    );
    assert_eq!(std::fs::read(out.join("final.md")).unwrap(), b"optimized\n");
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// -C
// ---------------------------------------------------------------------------------------------

#[test]
fn the_tools_act_on_the_store_named_with_dash_c_from_any_folder() {
    let s = Store::new();
    let elsewhere = s.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    s.git(&["init", "-q", &elsewhere.display().to_string()]);
    let store = s.repo.display().to_string();
    let id = s
        .call("wf-new")
        .args(["-C", &store, "--title", "from afar"])
        .key("alice")
        .dir(&elsewhere)
        .ok();
    let id = id.trim();
    let shown = s
        .call("wf-show")
        .args(["-C", &store, id, "--json"])
        .dir(&elsewhere)
        .ok();
    assert_eq!(json(&shown)["title"], "from afar");
    s.assert_clean();
    let other = s
        .command("git")
        .current_dir(&elsewhere)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(
        other.stdout.is_empty(),
        "nothing was written to the other repository"
    );
}

// ---------------------------------------------------------------------------------------------
// Bare stores and clones
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bare_server_store_takes_actions_and_a_clone_is_adopted_by_wf_init() {
    let s = Store::keys_only();
    let server = s.root.join("server.git");
    let server_arg = server.to_str().unwrap();
    s.call("wf-init")
        .dir(&s.root)
        .args([
            "--bare",
            "--id",
            "alice",
            "--email",
            common::ALICE.2,
            server_arg,
        ])
        .key("alice")
        .ok();
    let bare_git = |args: &[&str]| {
        s.command("git")
            .arg("--git-dir")
            .arg(&server)
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        String::from_utf8_lossy(&bare_git(&["config", "core.bare"]).stdout).trim(),
        "true"
    );
    // An action straight on the server: no work tree to check or sync.
    let id = s
        .call("wf-new")
        .args(["-C", server_arg, "--title", "made on the server"])
        .key("alice")
        .ok();
    assert!(id.trim().starts_with("T-"));
    assert!(bare_git(&["verify-commit", "main"]).status.success());

    // A clone has the files but not the git configuration: verify-commit cannot judge yet.
    let clone = s.root.join("clone");
    let out = s
        .command("git")
        .current_dir(&s.root)
        .args(["clone", "-q", server_arg, "clone"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::describe(&out));
    let in_clone = |args: &[&str]| {
        s.command("git")
            .current_dir(&clone)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(!in_clone(&["verify-commit", "HEAD"]).status.success());
    let adopted = s.call("wf-init").dir(&clone).key("alice").ok();
    assert!(
        adopted.contains("adopted") && adopted.contains("you are alice"),
        "{adopted}"
    );
    assert!(in_clone(&["verify-commit", "HEAD"]).status.success());
    assert_eq!(
        in_clone(&["rev-list", "--count", "HEAD"]).stdout,
        b"2\n",
        "adopting commits nothing"
    );

    // bob is registered on the clone and acts there; the push reaches the server.
    let bob_pub = s.pubkey("bob");
    s.call("wf-actor")
        .dir(&clone)
        .args([
            "add",
            "bob",
            "--kind",
            "human",
            "--name",
            "Bob",
            "--email",
            common::BOB.2,
            "--pubkey",
            &bob_pub,
            "--role",
            "requester",
        ])
        .key("alice")
        .ok();
    s.call("wf-new")
        .dir(&clone)
        .args(["--title", "from the clone"])
        .key("bob")
        .ok();
    assert!(in_clone(&["verify-commit", "HEAD"]).status.success());
    assert!(in_clone(&["push", "-q", "origin", "main"]).status.success());
    // wf-init in the bare repository refreshes its signer list from the pushed actors.
    s.call("wf-init")
        .args([server_arg])
        .dir(&s.root)
        .key("alice")
        .ok();
    let v = bare_git(&["verify-commit", "main"]);
    assert!(v.status.success(), "{}", common::describe(&v));
    assert!(
        String::from_utf8_lossy(&v.stderr).contains("bob@example.com"),
        "{}",
        common::describe(&v)
    );
    let ls = s.call("wf-ls").args(["-C", server_arg]).ok();
    assert_eq!(ls.lines().count(), 2, "{ls}");
}

/// Found by a red-team helper: `wf-review --diff` decoded both revisions lossily, so a file
/// that changed only in bytes that are not UTF-8 (€ as 0x80 against £ as 0xA3 in a
/// Windows-1252 CSV) showed no change at all, and the reviewer accepted other bytes than they
/// had seen. Files are compared as bytes; one that is not text is shown by size and digest; a
/// hidden character in a text diff is escaped.
#[test]
fn review_diff_shows_changes_in_bytes_that_are_not_text() {
    let s = Store::new();
    let t = s
        .ok("wf-new", &["--title", "Prices"], "alice")
        .trim()
        .to_string();
    s.to_review(&t, b"item,price\nwidget,\x80 10\n");
    s.ok(
        "wf-review",
        &[&t, "--request-changes", "-m", "fix it"],
        "bob",
    );
    s.call("wf-submit")
        .args([t.as_str(), "--name", "draft.md"])
        .key(BOT.0)
        .stdin(b"item,price\nwidget,\xa3 10\n")
        .ok();
    s.ok("wf-assign", &[&t, "--to", "bob"], "alice");
    let d = s.query("wf-review", &[&t, "--diff"]);
    assert!(d.contains("against revision 1, last reviewed"), "{d}");
    let lines: Vec<&str> = d.lines().collect();
    assert!(lines.contains(&"--- a/draft.md"), "{d}");
    let changed = lines
        .iter()
        .find(|l| l.starts_with("binary or not UTF-8: "))
        .unwrap_or_else(|| panic!("no summary in:\n{d}"));
    assert!(
        changed.starts_with("binary or not UTF-8: 23 bytes (sha256 ")
            && changed.contains(") -> 23 bytes (sha256 "),
        "{d}"
    );
    // Text with a right-to-left override: the diff shows it escaped.
    let t = s
        .ok("wf-new", &["--title", "Pay"], "alice")
        .trim()
        .to_string();
    s.to_review(&t, b"pay 10 EUR\n");
    s.ok("wf-review", &[&t, "--request-changes", "-m", "text"], "bob");
    s.call("wf-submit")
        .args([t.as_str(), "--name", "draft.md"])
        .key(BOT.0)
        .stdin("pay \u{202e}01 EUR\n".as_bytes())
        .ok();
    s.ok("wf-assign", &[&t, "--to", "bob"], "alice");
    let d = s.query("wf-review", &[&t, "--diff"]);
    assert!(!d.contains('\u{202e}'), "{d}");
    assert!(
        d.lines().any(|l| l.starts_with("+pay \\u{202e}01 EUR")),
        "{d}"
    );
}
