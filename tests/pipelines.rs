//! wf in shell pipelines: every composition the CLI conventions promise (spec/cli.md), run
//! through a real `sh -c` with the real binaries, and every JSON document and line checked
//! against its schema in spec/schema/.

mod common;

use common::{json, need, schema, Store, BOT};

/// A task at the review step, held by `reviewer`; returns its id.
fn at_review(s: &Store, title: &str, reviewer: &str) -> String {
    let id = s
        .ok("wf-new", &["--title", title], "alice")
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.call("wf-submit")
        .args([&id, "--name", "draft.md"])
        .key(BOT.0)
        .stdin(b"a draft\n")
        .ok();
    s.ok("wf-assign", &[&id, "--to", reviewer], "alice");
    id
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn ls_z_into_assign_hands_over_each_task_and_reports_each() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let b = at_review(&s, "Second", "bob");
    let c = at_review(&s, "Third", "carol");
    let before = s.commit_count();
    let out = s.sh_ok(
        "wf-ls --step review --assignee bob -z | WF_SIGNING_KEY=$KEYS/alice wf-assign - --to carol",
    );
    let mut got = lines(&out);
    got.sort();
    let mut want = vec![
        format!("{a}: step review assigned to carol"),
        format!("{b}: step review assigned to carol"),
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(s.commit_count(), before + 2, "one commit per id");
    let mut carol: Vec<String> = s
        .query("wf-ls", &["--assignee", "carol", "-z"])
        .split('\0')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    carol.sort();
    let mut all = vec![a, b, c];
    all.sort();
    assert_eq!(carol, all);
    assert!(s.query("wf-ls", &["--assignee", "bob"]).is_empty());
    s.assert_clean();
}

#[test]
fn the_same_pipeline_runs_through_the_front_door() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let out = s.sh_ok(
        "wf ls --step review --assignee bob -z | WF_SIGNING_KEY=$KEYS/alice wf assign - --to carol",
    );
    assert_eq!(out, format!("{a}: step review assigned to carol\n"));
}

#[test]
fn ids_on_stdin_go_on_after_a_failure_and_exit_8() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let b = at_review(&s, "Second", "bob");
    let before = s.commit_count();
    // newline-separated ids this time; the middle one does not exist, the last one is refused
    // (drafter-bot is an AI actor and cannot hold a human review step).
    let out = s.sh(&format!(
        "printf '%s\\nT-000000\\n\\n' {a} | WF_SIGNING_KEY=$KEYS/alice wf-assign - --to carol; echo \"rc=$?\"; \
         printf '%s\\n' {b} | WF_SIGNING_KEY=$KEYS/alice wf-assign - --to drafter-bot; echo \"rc=$?\""
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout,
        format!("{a}: step review assigned to carol\nrc=8\nrc=8\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wf-assign: T-000000: no task T-000000\nhint: list tasks with wf-ls\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wf-assign: 1 of 2 ids failed\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "wf-assign: {b}: refused by rule 3 (ai-human-duty)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("wf-assign: 1 of 1 ids failed\n"),
        "{stderr}"
    );
    assert_eq!(s.commit_count(), before + 1);
}

#[test]
fn no_ids_on_stdin_does_nothing_and_succeeds() {
    let s = Store::new();
    at_review(&s, "First", "bob");
    let before = s.commit_count();
    let out =
        s.sh_ok("wf-ls --assignee nobody -z | WF_SIGNING_KEY=$KEYS/alice wf-assign - --to carol");
    assert!(out.is_empty());
    assert_eq!(s.commit_count(), before);
}

#[test]
fn errors_about_the_whole_run_stop_at_once_with_their_own_code() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    // mallory's key is registered to nobody: identity, exit 4, not 8.
    let out = s.sh(&format!(
        "printf '%s\\n%s\\n' {a} {a} | WF_SIGNING_KEY=$KEYS/mallory wf-assign - --to carol"
    ));
    assert_eq!(out.status.code(), Some(4), "{}", common::describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("is not registered").count(), 1, "{stderr}");
}

#[test]
fn review_and_approve_take_ids_from_stdin() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let b = at_review(&s, "Second", "bob");
    let out = s.sh_ok(
        "wf-ls --step review --assignee bob -z | WF_SIGNING_KEY=$KEYS/bob wf-review - --accept -m ok",
    );
    assert_eq!(lines(&out).len(), 2, "{out}");
    assert!(
        out.contains(&format!("{a}: bob accept revision 1")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{b}: bob accept revision 1")),
        "{out}"
    );
    // The ids and a refined revision cannot both come from stdin.
    let out = s.sh(&format!(
        "echo {a} | WF_SIGNING_KEY=$KEYS/bob wf-review - --accept --revise -"
    ));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_lines_feed_jq_and_jq_feeds_the_tools() {
    need("jq");
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let b = at_review(&s, "Second", "carol");
    let out = s.sh_ok("wf-ls --ndjson | jq -r 'select(.holder==\"carol\") | .id'");
    assert_eq!(out, format!("{b}\n"));
    let out =
        s.sh_ok("wf-ls --json | jq -r '.tasks[].id' | wf-show - --ndjson | jq -r .title | sort");
    assert_eq!(out, "First\nSecond\n");
    let out = s.sh_ok("wf-ls --json | jq -r '.tasks[].id' | wf-show - --json | jq -s length");
    assert_eq!(out, "2\n");
    let out = s.sh_ok(&format!(
        "wf-log {a} --ndjson | jq -r .action | sort | uniq -c | awk '{{print $2\"=\"$1}}'"
    ));
    assert_eq!(out, "assign=2\nnew=1\nsubmit=1\n");
    let out = s.sh_ok("wf-actor list --ndjson | jq -r 'select(.kind==\"ai\") | .id'");
    assert_eq!(out, "drafter-bot\n");
    let out = s.sh_ok("wf-actor list -z | xargs -0 -n1 echo | wc -l");
    assert_eq!(out.trim(), "4");
    let out = s.sh_ok(
        "wf-log --ndjson | jq -r 'select(.action==\"submit\") | .task' | wf-log - --ndjson | wc -l",
    );
    assert_eq!(out.trim(), "8", "four events for each of the two tasks");
}

#[test]
fn every_json_document_and_line_matches_its_schema() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    s.ok("wf-review", &[&a, "--accept", "-m", "fine"], "bob");
    s.ok("wf-review", &[&a, "--comment", "-m", "a remark"], "carol");
    let fresh = s
        .ok("wf-new", &["--title", "Fresh", "--input", "k=v"], "alice")
        .trim()
        .to_string();
    for doc in [
        s.show(&a),
        s.show(&fresh),
        json(&s.query("wf-ls", &["--json"])),
        json(&s.query("wf-log", &["--json"])),
        json(&s.query("wf-log", &[&a, "--json"])),
        json(&s.query("wf-actor", &["list", "--json"])),
    ] {
        schema::check(&doc);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (tool, args) in [
        ("wf-ls", vec!["--ndjson"]),
        ("wf-log", vec!["--ndjson"]),
        ("wf-actor", vec!["list", "--ndjson"]),
        ("wf-show", vec![a.as_str(), "--ndjson"]),
    ] {
        let out = s.query(tool, &args);
        assert!(!out.is_empty(), "{tool} printed nothing");
        for line in out.lines() {
            let v = json(line);
            assert!(!line.contains("\n  "), "one object per line");
            schema::check(&v);
            seen.insert(v["schema"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["wf.actor/1", "wf.event/1", "wf.task/1"]
    );
    // Every schema file is a JSON document that names itself and uses only the keywords the
    // checker understands (checked when used above; here: each parses and has its $id).
    for f in schema::all_files() {
        assert_eq!(schema::load(&f)["$id"], f.as_str());
    }
}

#[test]
fn the_schema_checker_rejects_what_the_schemas_forbid() {
    let s = Store::new();
    let a = at_review(&s, "First", "bob");
    let mut t = s.show(&a);
    t["surprise"] = serde_json::json!(1);
    assert!(std::panic::catch_unwind(|| schema::check(&t)).is_err());
    let mut t = s.show(&a);
    t["revision"][0]["producer"] = serde_json::json!("robot");
    assert!(std::panic::catch_unwind(|| schema::check(&t)).is_err());
    let mut t = s.show(&a);
    t.as_object_mut().unwrap().remove("holder");
    assert!(std::panic::catch_unwind(|| schema::check(&t)).is_err());
}

#[test]
fn a_closed_pipe_stops_the_tool_quietly_with_exit_0() {
    let s = Store::new();
    for i in 0..3 {
        at_review(&s, &format!("Task {i}"), "bob");
    }
    // The reader is gone before the tool writes a byte: every write fails with EPIPE.
    for tool in [
        "wf-log -p",
        "wf-log --ndjson",
        "wf-ls --json",
        "wf-actor list",
    ] {
        let out = s.sh_ok(&format!(
            "{{ sleep 0.2; {tool}; echo $? >\"$HOME/rc\"; }} 2>\"$HOME/err\" | true; cat \"$HOME/rc\" \"$HOME/err\""
        ));
        assert_eq!(out, "0\n", "{tool}: exit status, then its stderr");
    }
    // And the everyday form: the reader leaves after one line.
    let out = s.sh_ok(
        "{ wf-log -p; echo $? >\"$HOME/rc\"; } 2>\"$HOME/err\" | head -n 1 >/dev/null; cat \"$HOME/rc\" \"$HOME/err\"",
    );
    assert_eq!(out, "0\n");
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    need("script");
    let s = Store::new();
    at_review(&s, "First", "bob");
    // Piped: never an escape code.
    let piped = s.query("wf-ls", &[]);
    assert!(!piped.contains('\x1b'), "{piped:?}");
    assert!(!s.query("wf-log", &[]).contains('\x1b'));
    // On a terminal (script(1) gives the tool a pseudo-terminal): the state column is coloured.
    let tty = s.sh_ok("TERM=xterm script -qec 'wf-ls' /dev/null");
    assert!(tty.contains("\x1b[33mopen  \x1b[0m"), "{tty:?}");
    let tty = s.sh_ok("TERM=xterm script -qec 'wf-log' /dev/null");
    assert!(tty.contains("\x1b[32m[sig good]\x1b[0m"), "{tty:?}");
    // NO_COLOR wins, even on a terminal; the text is the same as when piped.
    let plain = s.sh_ok("TERM=xterm NO_COLOR=1 script -qec 'wf-ls' /dev/null");
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert_eq!(plain.replace("\r\n", "\n"), piped);
}

#[test]
fn every_json_example_in_the_spec_matches_its_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec");
    let mut checked = 0;
    for file in ["json.md", "run.md"] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        for block in text.split("```json\n").skip(1) {
            let body = block.split("```").next().unwrap();
            let docs: Vec<serde_json::Value> = match serde_json::from_str(body) {
                Ok(v) => vec![v],
                Err(_) => body.lines().map(json).collect(),
            };
            for v in docs {
                schema::check(&v);
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} examples found");
}
