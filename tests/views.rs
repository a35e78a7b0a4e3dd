//! Seeing the work: wf-graph draws workflows and tasks (DOT, Mermaid), wf-stats computes
//! figures from the signed history (and shows progress on a terminal only).

mod common;

use common::{json, need, schema, Store, BOT};

const T0: i64 = 1_795_500_000;
const H: i64 = 3600;

fn at(s: &Store, secs: i64) -> String {
    let _ = s;
    format!("@{} +0000", T0 + secs)
}

/// One call of a tool as `who` at `T0 + secs`.
fn act(s: &Store, secs: i64, tool: &str, args: &[&str], who: &str, stdin: Option<&[u8]>) {
    let mut c = s
        .call(tool)
        .args(args)
        .key(who)
        .env("GIT_COMMITTER_DATE", &at(s, secs));
    if let Some(b) = stdin {
        c = c.stdin(b);
    }
    c.ok();
}

/// A task through the five steps with one round of changes, an hour between actions:
/// new 0h, draft to bot 1h, submit 2h, review to bob 3h, changes 4h, submit 5h, accept 7h,
/// optimize to bot 8h, submit 9h, approve 12h. Returns its id.
fn timed_flow(s: &Store) -> String {
    let id = s
        .call("wf-new")
        .args(["--title", "Timed"])
        .key("alice")
        .env("GIT_COMMITTER_DATE", &at(s, 0))
        .ok()
        .trim()
        .to_string();
    act(s, H, "wf-assign", &[&id, "--to", BOT.0], "alice", None);
    act(
        s,
        2 * H,
        "wf-submit",
        &[&id, "--name", "d.md"],
        BOT.0,
        Some(b"one\n"),
    );
    act(s, 3 * H, "wf-assign", &[&id, "--to", "bob"], "alice", None);
    act(
        s,
        4 * H,
        "wf-review",
        &[&id, "--request-changes", "-m", "more"],
        "bob",
        None,
    );
    act(s, 5 * H, "wf-submit", &[&id], BOT.0, Some(b"two\n"));
    act(
        s,
        7 * H,
        "wf-review",
        &[&id, "--accept", "-m", "ok"],
        "bob",
        None,
    );
    act(s, 8 * H, "wf-assign", &[&id, "--to", BOT.0], "alice", None);
    act(s, 9 * H, "wf-submit", &[&id], BOT.0, Some(b"three\n"));
    act(s, 12 * H, "wf-approve", &[&id, "-m", "ship"], "alice", None);
    id
}

#[test]
fn a_workflow_is_drawn_as_dot_and_mermaid_with_its_gates() {
    let s = Store::new();
    let dot = s.query("wf-graph", &[]);
    assert!(dot.starts_with("digraph \"wf-default\" {\n"), "{dot}");
    for line in [
        "  \"define\" [label=\"define\\ndefine · human · requester\", shape=ellipse];",
        "  \"draft\" [label=\"draft\\nproduce · AI · drafter\", shape=box];",
        "  \"review\" [label=\"review\\nreview (review gate) · human · reviewer\", shape=diamond];",
        "  \"approve\" [label=\"approve\\napprove (approval gate) · human\", shape=hexagon, peripheries=2];",
        "  \"draft\" -> \"review\" [label=\"submit\"];",
        "  \"review\" -> \"draft\" [label=\"request changes\", style=dashed];",
        "  \"approve\" -> \"optimize\" [label=\"reject\", style=dashed];",
        "  \"closed\" -> \"optimize\" [label=\"reopen\", style=dashed];",
    ] {
        assert!(dot.lines().any(|l| l == line), "missing {line}\n{dot}");
    }
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    assert_eq!(s.query("wf-graph", &["default"]), dot, "WORKFLOW named");
    let mermaid = s.query("wf-graph", &["--format", "mermaid"]);
    assert!(
        mermaid.starts_with("flowchart LR\n  %% workflow default\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("  s4{{\"approve<br/>approve (approval gate) · human\"}}\n"));
    assert!(mermaid.contains("  s3 -->|submit| s4\n"));
    // Through the front door too.
    assert_eq!(s.call("wf").args(["graph", "-f", "mermaid"]).ok(), mermaid);
    // An unknown workflow is not found.
    let (code, err) = s.call("wf-graph").arg("nope").refused();
    assert_eq!(code, 3, "{err}");
}

#[test]
fn a_task_is_drawn_where_it_stands_with_who_did_each_step() {
    let s = Store::new();
    let id = s
        .ok("wf-new", &["--title", "Graphed"], "alice")
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.call("wf-submit").arg(&id).key(BOT.0).stdin(b"x\n").ok();
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    let dot = s.query("wf-graph", &["--task", &id]);
    assert!(
        dot.contains(&format!("label=\"workflow default: task {id} Graphed\"")),
        "{dot}"
    );
    assert!(dot.contains("\"define\" [label=\"define\\ndefine · human · requester\\nby alice\", shape=ellipse, style=filled"), "{dot}");
    assert!(dot.contains("\"draft\" [label=\"draft\\nproduce · AI · drafter\\nby drafter-bot\", shape=box, style=filled"), "{dot}");
    assert!(
        dot.contains(
            "\\n▶ here, held by bob\", shape=diamond, style=\"filled,bold\", fillcolor=\"gold\"]"
        ),
        "{dot}"
    );
    assert!(
        dot.contains(
            "\"optimize\" [label=\"optimize\\nproduce · AI · drafter | optimizer\", shape=box];"
        ),
        "{dot}"
    );
    let m = s.query("wf-graph", &["--task", &id, "-f", "mermaid"]);
    assert!(
        m.contains("  class s2 current\n  class s0,s1 done\n"),
        "{m}"
    );
    let (code, _) = s.call("wf-graph").args(["other", "--task", &id]).refused();
    assert_eq!(code, 2);
}

#[test]
fn stats_come_from_the_signed_history() {
    let s = Store::new();
    let id = timed_flow(&s);
    let waiting = s
        .call("wf-new")
        .args(["--title", "Waiting"])
        .key("alice")
        .env("GIT_COMMITTER_DATE", &at(&s, 10 * H))
        .ok()
        .trim()
        .to_string();
    act(
        &s,
        11 * H,
        "wf-assign",
        &[&waiting, "--to", BOT.0],
        "alice",
        None,
    );
    let stats = json(
        &s.call("wf-stats")
            .arg("--json")
            .env("GIT_COMMITTER_DATE", &at(&s, 14 * H))
            .ok(),
    );
    schema::check(&stats);
    assert_eq!(
        stats["tasks"],
        serde_json::json!({"total": 2, "open": 1, "closed": 1})
    );
    let steps: Vec<(String, u64, i64)> = stats["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["step"].as_str().unwrap().to_string(),
                x["visits"].as_u64().unwrap(),
                x["mean_seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("approve".to_string(), 1, 3 * H),
            ("draft".to_string(), 2, 3 * H / 2),
            ("optimize".to_string(), 1, 2 * H),
            ("review".to_string(), 2, 2 * H)
        ]
    );
    assert_eq!(
        stats["review_rounds"]["per_task"],
        serde_json::json!([{"task": id, "rounds": 2}])
    );
    assert_eq!(
        stats["revisions"],
        serde_json::json!({"total": 3, "ai": 3, "human": 0, "ai_share": 1.0})
    );
    assert_eq!(
        stats["agents"],
        serde_json::json!([{"name": "drafter-bot", "revisions": 3, "accepted": 2, "rejected": 1, "pending": 0, "acceptance_rate": 0.667, "rejection_rate": 0.333}])
    );
    assert_eq!(stats["models"][0]["name"], "stand-in-model");
    assert_eq!(
        stats["open_handoffs"],
        serde_json::json!([{"task": waiting, "step": "draft", "holder": "drafter-bot", "since": "2026-11-24T17:00:00Z", "age_seconds": 3 * H}])
    );
    assert_eq!(
        stats["approvals"],
        serde_json::json!([{"approver": "alice", "approved": 1, "rejected": 0}])
    );
    assert_eq!(stats["unverified_events"], 0);

    // A window: only what happened from 6h on.
    let since = json(
        &s.call("wf-stats")
            .args(["--json", "--since", "2026-11-24T12:00:00Z"])
            .env("GIT_COMMITTER_DATE", &at(&s, 14 * H))
            .ok(),
    );
    schema::check(&since);
    assert_eq!(since["since"], "2026-11-24T12:00:00Z");
    assert_eq!(since["revisions"]["total"], 1, "only the optimize revision");
    assert_eq!(since["review_rounds"]["max"], 1);

    // A commit forged by hand (unsigned, claiming alice approved) is left out and counted.
    s.git(&[
        "-c", "user.name=M", "-c", "user.email=m@example.com", "commit", "-q", "--allow-empty",
        "-m", &format!("wf: approve {waiting}: Waiting\n\nWf-Task: {waiting}\nWf-Action: approve\nWf-Actor: alice\nWf-Actor-Kind: human\nWf-Step: approve"),
    ]);
    let forged = json(
        &s.call("wf-stats")
            .arg("--json")
            .env("GIT_COMMITTER_DATE", &at(&s, 14 * H))
            .ok(),
    );
    assert_eq!(forged["unverified_events"], 1);
    assert_eq!(forged["approvals"], stats["approvals"]);

    // The human report says the same.
    let text = s
        .call("wf-stats")
        .env("GIT_COMMITTER_DATE", &at(&s, 14 * H))
        .ok();
    assert!(text.starts_with("16 events, 2 tasks (1 open, 1 closed), all history\n1 events without a good signature left out"), "{text}");
    assert!(
        text.contains("\n  draft               2    1h30m    1h00m    2h00m\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  drafter-bot                      3        2        1       0        67%\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\n  {waiting:<10} draft        drafter-bot      2026-11-24T17:00:00Z    3h00m\n"
        )),
        "{text}"
    );
    let (code, _) = s.call("wf-stats").args(["--since", "last week"]).refused();
    assert_eq!(code, 2);
}

#[test]
fn progress_shows_on_a_terminal_only() {
    need("script");
    let s = Store::new();
    timed_flow(&s);
    // Piped stderr: never a bar, even when it would show at once.
    let out = s.call("wf-stats").env("WF_PROGRESS_DELAY_MS", "0").run();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A terminal (script gives wf-stats one; its stdout goes to /dev/null, so what script
    // prints is the bar on stderr).
    let tty =
        s.sh_ok("TERM=xterm WF_PROGRESS_DELAY_MS=0 script -qec 'wf-stats >/dev/null' /dev/null");
    assert!(tty.contains("wf-stats: reading history ["), "{tty:?}");
    assert!(tty.contains("\x1b[32m"), "coloured: {tty:?}");
    assert!(tty.ends_with("\r\x1b[K"), "erased when done: {tty:?}");
    let plain = s.sh_ok(
        "TERM=xterm NO_COLOR=1 WF_PROGRESS_DELAY_MS=0 script -qec 'wf-stats >/dev/null' /dev/null",
    );
    assert!(plain.contains("wf-stats: reading history ["), "{plain:?}");
    assert!(!plain.contains("\x1b[32m"), "NO_COLOR: {plain:?}");
}

/// `wf-log ID` reads one task's commits from the task index in the git dir; the index follows
/// the branch forward, is rebuilt when the branch is rewritten, and garbage in it changes
/// nothing.
#[test]
fn wf_log_of_one_task_follows_the_branch_through_its_index() {
    let s = Store::new();
    let new = |title: &str| {
        s.ok("wf-new", &["--title", title], "alice")
            .trim()
            .to_string()
    };
    let (a, b) = (new("A"), new("B"));
    let actions = |id: &str| -> Vec<String> {
        let v = json(&s.query("wf-log", &[id, "--json"]));
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["task"].as_str().unwrap(),
                    e["action"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(actions(&a), [format!("{a} new")]);
    let index = s.repo.join(".git/wf-task-index-1");
    assert!(index.exists(), "the first wf-log ID writes the index");
    s.ok("wf-assign", &[&a, "--to", BOT.0], "alice");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    assert_eq!(actions(&a), [format!("{a} assign"), format!("{a} new")]);
    assert_eq!(actions(&b), [format!("{b} assign"), format!("{b} new")]);
    // A rewrite: the indexed tip is gone from the history, so the index is rebuilt.
    s.git(&["reset", "-q", "--hard", "HEAD~2"]);
    assert_eq!(actions(&a), [format!("{a} new")]);
    // Garbage in the index is a cache miss, not an answer.
    std::fs::write(&index, "not an index\n0000 T-000000\n").unwrap();
    assert_eq!(actions(&b), [format!("{b} new")]);
    let text = std::fs::read_to_string(&index).unwrap();
    assert!(
        text.starts_with(&format!("wf-task-index 1 {}\n", s.head())),
        "{text}"
    );
}

/// The event index (behind `wf-log` and `wf-stats`) and the task listing (behind `wf-ls` and
/// `wf-stats`) are only caches: every answer is the same with them, without them, after they
/// were cut short, had a byte changed, had garbage appended or were replaced, and after the
/// branch moved forward or was reset (`spec/store.md`).
#[test]
fn the_event_index_and_the_task_listing_change_no_answer() {
    let s = Store::new();
    let done = timed_flow(&s);
    let other = s
        .ok(
            "wf-new",
            &["--title", "Back\\slash, «quotes» \"and\" <b>"],
            "alice",
        )
        .trim()
        .to_string();
    act(
        &s,
        13 * H,
        "wf-assign",
        &[&other, "--to", BOT.0],
        "alice",
        None,
    );
    let files = [
        s.repo.join(".git/wf-event-index-1"),
        s.repo.join(".git/wf-task-list-1"),
        s.repo.join(".git/wf-task-json-1"),
        s.repo.join(".git/wf-task-view-1"),
    ];
    let now = at(&s, 20 * H);
    let answers = || -> Vec<String> {
        let q = |tool: &str, args: &[&str]| {
            s.call(tool).args(args).env("GIT_COMMITTER_DATE", &now).ok()
        };
        vec![
            q("wf-ls", &[]),
            q("wf-ls", &["--json"]),
            q("wf-ls", &["--ndjson"]),
            q("wf-ls", &["-z"]),
            q("wf-ls", &["--assignee", BOT.0]),
            q("wf-ls", &["--state", "closed", "--json"]),
            q(
                "wf-ls",
                &["--ndjson", "--fields", "id,step,holder,state,owner"],
            ),
            q("wf-ls", &["--json", "--fields", "id,latest_digest,due"]),
            q("wf-stats", &["--json"]),
            q("wf-stats", &[]),
            q("wf-log", &["--ndjson"]),
            q("wf-log", &["--json"]),
            q("wf-log", &[]),
        ]
    };
    let fresh = || {
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
        answers()
    };
    let want = fresh();
    assert!(
        want[0].contains(&done) && want[0].contains(&other),
        "{}",
        want[0]
    );
    assert_eq!(json(&want[1])["tasks"].as_array().unwrap().len(), 2);
    for f in &files {
        assert!(f.exists(), "{} is written", f.display());
    }
    assert_eq!(answers(), want, "read from the caches");
    type Damage = fn(Vec<u8>) -> Vec<u8>;
    let damages: [(&str, Damage); 5] = [
        ("cut short", |b| b[..b.len() / 2].to_vec()),
        ("a byte changed", |mut b| {
            let i = b.len() / 3;
            b[i] ^= 0x04;
            b
        }),
        ("garbage appended", |mut b| {
            b.extend_from_slice(b"a\tgarbage\n");
            b
        }),
        ("its last line gone", |b| {
            let t = &b[..b.len() - 1];
            // (A file no tool read since the last damage may hold no whole line.)
            let cut = t.iter().rposition(|c| *c == b'\n').map_or(0, |p| p + 1);
            b[..cut].to_vec()
        }),
        ("replaced", |_| {
            b"wf-event-index 1 0000\nend 0 00000000\n".to_vec()
        }),
    ];
    for f in &files {
        for (what, damage) in &damages {
            let bytes = std::fs::read(f).unwrap();
            std::fs::write(f, damage(bytes)).unwrap();
            assert_eq!(answers(), want, "{} {what}", f.display());
        }
        std::fs::remove_file(f).unwrap();
        assert_eq!(answers(), want, "{} deleted", f.display());
    }
    // The branch moves on: the caches follow, and answer as a fresh read does.
    act(&s, 14 * H, "wf-submit", &[&other], BOT.0, Some(b"draft\n"));
    let moved = answers();
    assert_ne!(moved, want);
    assert_eq!(fresh(), moved);
    // A reset back: the indexed tip is gone from the history.
    answers();
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(answers(), want, "after a reset");
    assert_eq!(fresh(), want);
}

/// A task whose signed times are ahead of the reader's clock shows them as `time_warnings`
/// measured at that clock: the objects `wf-ls --json` keeps give the same answer at every clock,
/// earlier, later and earlier again, as a read without them.
#[test]
fn kept_task_objects_answer_for_the_clock_of_each_call() {
    let s = Store::new();
    let id = timed_flow(&s);
    let view = s.repo.join(".git/wf-task-view-1");
    let warnings = |secs: i64| -> Vec<serde_json::Value> {
        let out = s
            .call("wf-ls")
            .args(["--json"])
            .env("GIT_COMMITTER_DATE", &at(&s, secs))
            .ok();
        let v = json(&out);
        let task = v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id.as_str())
            .unwrap()
            .clone();
        task["time_warnings"].as_array().unwrap().clone()
    };
    let fresh = |secs: i64| {
        let _ = std::fs::remove_file(&view);
        warnings(secs)
    };
    // The approval is signed at 12h: a clock at 6h sees it (and more) ahead by over an hour.
    let early = fresh(6 * H);
    assert!(
        early
            .iter()
            .any(|w| w.as_str().unwrap().contains("after this clock")),
        "{early:?}"
    );
    let late = fresh(20 * H);
    assert!(late.is_empty(), "{late:?}");
    let clocks = [20 * H, 6 * H, 20 * H, 11 * H, 13 * H, 6 * H, 20 * H];
    let want: Vec<_> = clocks.iter().map(|secs| fresh(*secs)).collect();
    // With the objects kept (the first call at 20h keeps the task's): the same answers, in any
    // order of clocks.
    let _ = std::fs::remove_file(&view);
    for (secs, want) in clocks.iter().zip(&want) {
        assert_eq!(&warnings(*secs), want, "at {secs}");
        assert!(view.exists(), "kept after the call at {secs}");
    }
    assert_eq!(want[1], early);
    assert_eq!(want[2], late);
}

/// `wf-ls --fields` keeps only the named keys of each task: the same values as the whole
/// objects, whether they come from the task listing alone or from the task; an unknown key, or
/// --fields without JSON, is a usage error.
#[test]
fn wf_ls_fields_projects_the_whole_objects() {
    let s = Store::new();
    timed_flow(&s);
    s.ok("wf-new", &["--title", "Second"], "alice");
    let whole: Vec<serde_json::Value> = s.query("wf-ls", &["--ndjson"]).lines().map(json).collect();
    assert_eq!(whole.len(), 2);
    for keys in [
        "id,step,holder,state,step_kind,title,workflow,approver,owner,created_by,created_at",
        "id,latest_digest,approved,revision",
        "schema,id",
    ] {
        let got: Vec<serde_json::Value> = s
            .query("wf-ls", &["--ndjson", "--fields", keys])
            .lines()
            .map(json)
            .collect();
        let want: Vec<serde_json::Value> = whole
            .iter()
            .map(|t| {
                let m = t.as_object().unwrap();
                let kept = m
                    .iter()
                    .filter(|(k, _)| keys.split(',').any(|n| n == k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                serde_json::Value::Object(kept)
            })
            .collect();
        assert_eq!(got, want, "--fields {keys}");
        let doc = json(&s.query("wf-ls", &["--json", "--fields", keys]));
        assert_eq!(
            doc["tasks"].as_array().unwrap(),
            &want,
            "--json --fields {keys}"
        );
    }
    let (code, err) = s
        .call("wf-ls")
        .args(["--json", "--fields", "id,nope"])
        .refused();
    assert_eq!(code, 2);
    assert!(
        err.contains("no key \"nope\"") && err.contains("latest_digest"),
        "{err}"
    );
    let (code, err) = s.call("wf-ls").args(["--fields", "id"]).refused();
    assert_eq!(code, 2);
    assert!(err.contains("--ndjson"), "{err}");
}
