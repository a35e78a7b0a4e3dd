//! wf-run: an AI actor's agent run on a task and recorded as a signed revision with its
//! provenance (spec/run.md). The agents are local stand-ins: the repository's stand-in-model,
//! and small shell scripts that fail, hang, write a lot or write binary.

mod common;

use std::time::{Duration, Instant};

use common::{describe, json, need, Store, BOT, MODEL};

const BRIEF: &[u8] = b"Announce wf.\n- signed handoffs\n- digest-bound approvals\n";

/// A task with a brief, its draft step handed to the bot; returns its id.
fn drafting(s: &Store) -> String {
    let brief = s.file("in/brief.md", BRIEF);
    let id = s
        .ok(
            "wf-new",
            &[
                "--title",
                "Launch",
                "--input",
                "audience=developers",
                "--input-file",
                &format!("brief={brief}"),
            ],
            "alice",
        )
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    id
}

/// Give the bot a run command (and a time limit).
fn configure(s: &Store, timeout: &str, command: &[&str]) {
    let mut args = vec!["update", BOT.0, "--run-timeout", timeout, "--"];
    args.extend_from_slice(command);
    s.ok("wf-actor", &args, "alice");
}

#[test]
fn an_agent_drafts_and_its_run_is_recorded_signed_and_replayable() {
    let s = Store::new();
    let id = drafting(&s);
    configure(&s, "30", &[&Store::stand_in_model(), "agent"]);
    let prompt = s.query("wf-run", &[&id, "--prompt-only"]);
    assert!(
        prompt.starts_with(&format!("Task {id}: Launch\n")),
        "{prompt}"
    );
    assert!(
        prompt.contains("### brief\n~~~~\nAnnounce wf.\n- signed handoffs\n"),
        "{prompt}"
    );
    assert!(
        prompt.contains("### audience\n~~~~\ndevelopers\n~~~~"),
        "{prompt}"
    );
    let before = s.commit_count();
    let out = s.call("wf-run").arg(&id).key(BOT.0).ok();
    assert!(
        out.starts_with(&format!("{id}: revision 1 ")) && out.contains("(model stand-in-model)"),
        "{out}"
    );
    assert!(out.ends_with("now at step review\n"), "{out}");
    assert_eq!(s.commit_count(), before + 1, "one commit");
    s.assert_clean();
    s.assert_verifies("HEAD");

    let t = s.show(&id);
    common::schema::check(&t);
    let rev = &t["revision"][0];
    assert_eq!(rev["actor"], BOT.0);
    assert_eq!(rev["producer"], "ai");
    assert_eq!(rev["model"], MODEL);
    assert_eq!(
        rev["prompt_sha256"],
        s.sha256(prompt.as_bytes()),
        "the prompt it got"
    );
    assert_eq!(rev["artifacts"][0]["name"], "output.md");
    let run = &rev["run"];
    assert_eq!(
        run["command"],
        serde_json::json!([Store::stand_in_model(), "agent"])
    );
    assert_eq!(run["exit_status"], 0);
    assert!(run.get("revision_digest").is_none(), "no revision before");
    assert_eq!(
        common::rows(&run["inputs"], &["name", "sha256"]),
        [
            ["audience", s.sha256(b"developers").as_str()],
            ["brief", s.sha256(BRIEF).as_str()]
        ]
    );
    assert!(run["started_at"].as_str().unwrap() <= run["ended_at"].as_str().unwrap());
    let draft = std::fs::read_to_string(
        s.repo
            .join(format!("{}out/output.md", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert!(draft.contains("- signed handoffs: covered."), "{draft}");

    let tr = s.trailers("HEAD");
    let get = |k: &str| tr.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    assert_eq!(get("Wf-Action"), Some("submit"));
    assert_eq!(get("Wf-Actor"), Some(BOT.0));
    assert_eq!(
        get("Wf-Prompt-Digest").unwrap(),
        format!("sha256:{}", s.sha256(prompt.as_bytes()))
    );
    assert_eq!(
        get("Wf-Run-Command").unwrap(),
        format!("{} agent", Store::stand_in_model())
    );
    assert_eq!(get("Wf-Run-Exit"), Some("0"));
    assert!(get("Wf-Run-Started").is_some() && get("Wf-Run-Ended").is_some());
    // The commit is the bot's: its author and its key.
    assert_eq!(
        s.git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        format!("{} <{}>", BOT.1, BOT.2)
    );
}

#[test]
fn the_optimize_step_gets_the_reviewed_revision_and_the_review_comments() {
    let s = Store::new();
    let id = drafting(&s);
    configure(&s, "30", &[&Store::stand_in_model(), "agent"]);
    s.call("wf-run").arg(&id).key(BOT.0).ok();
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    let refined = s.file("bob/output.md", b"# Launch\n\n\n\nRefined by Bob.\n");
    s.ok(
        "wf-review",
        &[&id, "--accept", "--revise", &refined, "-m", "keep it short"],
        "bob",
    );
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let prompt = s.query("wf-run", &[&id, "--prompt-only"]);
    assert!(prompt.contains("Step: optimize."), "{prompt}");
    assert!(
        prompt.contains("### output.md\n~~~~\n# Launch\n\n\n\nRefined by Bob.\n~~~~"),
        "{prompt}"
    );
    assert!(
        prompt.contains("- bob (accept on revision 1): keep it short"),
        "{prompt}"
    );
    s.call("wf-run")
        .args([&id, "-m", "tightened"])
        .key(BOT.0)
        .ok();
    let t = s.show(&id);
    let rev = &t["revision"][2];
    assert_eq!(rev["step"], "optimize");
    assert_eq!(rev["note"], "tightened");
    assert_eq!(rev["run"]["revision_digest"], t["revision"][1]["digest"]);
    let out = std::fs::read_to_string(
        s.repo
            .join(format!("{}out/output.md", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert_eq!(
        out,
        "# Launch\n\nRefined by Bob.\n\nSummary: optimized by stand-in-model (local stand-in for an AI model).\n"
    );
    assert_eq!(t["step"], "approve");
}

#[test]
fn a_failing_agent_records_nothing_and_says_why() {
    let s = Store::new();
    let id = drafting(&s);
    let agent = s.script(
        "agents/fails",
        "#!/bin/sh\ncat >/dev/null\necho 'model overloaded' >&2\nexit 3\n",
    );
    configure(&s, "30", &[&agent]);
    let before = s.head();
    let (code, err) = s.call("wf-run").arg(&id).key(BOT.0).refused();
    assert_eq!(code, 7);
    assert!(
        err.contains("model overloaded\n"),
        "the agent's stderr passes: {err}"
    );
    assert!(
        err.contains("wf-run: the agent of drafter-bot exited with status 3; nothing recorded\n"),
        "{err}"
    );
    assert_eq!(s.head(), before);
    s.assert_clean();
    // A missing program is the same kind of failure.
    configure(&s, "30", &["/nonexistent/agent"]);
    let before = s.head();
    let (code, err) = s.call("wf-run").arg(&id).key(BOT.0).refused();
    assert_eq!(code, 7);
    assert!(
        err.contains("cannot start the agent of drafter-bot: /nonexistent/agent"),
        "{err}"
    );
    assert_eq!(s.head(), before);
}

/// The branch moves while the agent runs (here the agent itself commits a change of the
/// workflow, unsigned, as anyone with push access could): a change that leaves the task's
/// prompt as the agent read it is no matter, one that changes it leaves the output answering a
/// prompt wf no longer renders, which the verifier would reject, so nothing is recorded.
#[test]
fn an_agent_whose_prompt_changed_while_it_ran_records_nothing() {
    let s = Store::new();
    let edit = |name: &str, sed: &str| {
        s.script(
            name,
            &format!(
                "#!/bin/sh\ncat >/dev/null\nsed -i '{sed}' .wf/workflows/default.toml\n\
                 git -c user.name=A -c user.email=a@example.com commit -qam 'workflow edited'\n\
                 echo 'a draft'\n"
            ),
        )
    };
    // Another step's description: the draft's prompt is the same.
    let id = drafting(&s);
    let other = edit(
        "agents/other-step",
        "s/An AI agent optimizes the reviewed output./Polish it./",
    );
    configure(&s, "30", &[&other]);
    let out = s.call("wf-run").arg(&id).key(BOT.0).ok();
    assert!(out.contains("revision 1"), "{out}");
    assert_eq!(s.show(&id)["step"], "review");
    // The draft step's own prompt.
    let id = drafting(&s);
    let draft = edit(
        "agents/draft-step",
        "/^description = \"An AI agent produces the initial output.\"$/a prompt = \"Changed: {{task.title}}\"",
    );
    configure(&s, "30", &[&draft]);
    let before = s.commit_count();
    let (code, err) = s.call("wf-run").arg(&id).key(BOT.0).refused();
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains(&format!(
            "wf-run: task {id} changed while the agent ran, and so did its prompt: the output answers a prompt wf no longer renders; nothing recorded"
        )),
        "{err}"
    );
    assert_eq!(s.commit_count(), before + 1, "only the agent's own commit");
    assert!(s.show(&id)["revision"]
        .as_array()
        .is_none_or(|r| r.is_empty()));
}

#[test]
fn an_agent_past_its_time_limit_is_killed_with_everything_it_started() {
    let s = Store::new();
    let id = drafting(&s);
    let agent = s.script(
        "agents/hangs",
        "#!/bin/sh\necho partial\nsleep 60 &\necho $! > \"$HOME/child.pid\"\nwait\n",
    );
    configure(&s, "1", &[&agent]);
    let before = s.head();
    let started = Instant::now();
    let (code, err) = s.call("wf-run").arg(&id).key(BOT.0).refused();
    let took = started.elapsed();
    assert_eq!(code, 7);
    assert!(
        err.contains(
            "the agent of drafter-bot ran longer than 1s and was killed; nothing recorded"
        ),
        "{err}"
    );
    assert!(err.contains("hint: raise its limit: wf-actor update drafter-bot --run-timeout SECS"));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(s.head(), before);
    // The agent's own child (the sleep) died with it: the whole process group was killed.
    let pid = std::fs::read_to_string(s.root.join("child.pid")).unwrap();
    let pid = pid.trim();
    // Dead means gone, or a zombie that whoever inherited it has not reaped yet.
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|st| st.rsplit(')').next().map(|r| r.trim_start().to_string()))
            .is_some_and(|r| !r.starts_with('Z') && !r.starts_with('X'))
    };
    assert!(!running(), "sleep {pid} outlived the timeout");
}

#[test]
fn a_large_output_is_streamed_into_git_byte_for_byte() {
    let s = Store::new();
    let id = drafting(&s);
    // 24 MiB of text, more than any pipe or read buffer.
    let agent = s.script(
        "agents/big",
        "#!/bin/sh\ncat >/dev/null\nyes 'a line of a long report' | head -c 25165824\n",
    );
    configure(&s, "60", &[&agent]);
    s.call("wf-run")
        .args([&id, "--name", "report.txt"])
        .key(BOT.0)
        .ok();
    let t = s.show(&id);
    let a = &t["revision"][0]["artifacts"][0];
    assert_eq!(a["name"], "report.txt");
    assert_eq!(a["size"], 25_165_824);
    let file = s
        .repo
        .join(format!("{}out/report.txt", wf_core::Task::dir(&id)));
    let out = s.sh_ok(&format!("sha256sum < '{}'", file.display()));
    assert_eq!(a["sha256"], out.split_whitespace().next().unwrap());
}

#[test]
fn binary_output_is_kept_as_a_file_as_is() {
    let s = Store::new();
    let id = drafting(&s);
    let agent = s.script(
        "agents/png",
        "#!/bin/sh\ncat >/dev/null\nprintf '\\211PNG\\r\\n\\032\\n\\000\\001\\002'\n",
    );
    configure(&s, "30", &[&agent]);
    s.call("wf-run").arg(&id).key(BOT.0).ok();
    let t = s.show(&id);
    let a = &t["revision"][0]["artifacts"][0];
    assert_eq!(a["name"], "output.bin");
    assert_eq!(a["size"], 11);
    let bytes = std::fs::read(
        s.repo
            .join(format!("{}out/output.bin", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert_eq!(bytes, b"\x89PNG\r\n\x1a\n\x00\x01\x02");
}

#[test]
fn a_refused_run_never_starts_the_agent() {
    let s = Store::new();
    let brief = s.file("in/brief.md", BRIEF);
    let id = s
        .ok(
            "wf-new",
            &["--title", "T", "--input-file", &format!("brief={brief}")],
            "alice",
        )
        .trim()
        .to_string();
    let agent = s.script(
        "agents/marks",
        "#!/bin/sh\ntouch \"$HOME/agent-ran\"\ncat\n",
    );
    configure(&s, "30", &[&agent]);
    // Nobody handed the draft to the bot: rule 2.
    s.assert_rule(2, s.call("wf-run").arg(&id).key(BOT.0));
    assert!(!s.root.join("agent-ran").exists(), "the agent was started");
    // Empty output is refused after the run (rule 12), and nothing is recorded either.
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let empty = s.script("agents/empty", "#!/bin/sh\ncat >/dev/null\n");
    configure(&s, "30", &[&empty]);
    s.assert_rule(12, s.call("wf-run").arg(&id).key(BOT.0));
}

#[test]
fn only_an_ai_actor_with_a_run_command_can_be_run() {
    let s = Store::new();
    let id = drafting(&s);
    let (code, err) = s.call("wf-run").arg(&id).key(BOT.0).refused();
    assert_eq!(code, 4);
    assert!(
        err.contains("AI actor drafter-bot has no run command in .wf/actors.toml"),
        "{err}"
    );
    let (code, err) = s.call("wf-run").arg(&id).key("alice").refused();
    assert_eq!(code, 4);
    assert!(
        err.contains("alice is a human actor; wf-run runs AI actors"),
        "{err}"
    );
    // Humans cannot be given a run command at all.
    let (code, err) = s.refused("wf-actor", &["update", "bob", "--", "true"], "alice");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("human actor bob cannot have a model, an operator or a run"),
        "{err}"
    );
    // The run configuration shows in wf-actor list --json, and --no-run removes it.
    configure(&s, "30", &["llm", "-m", "gpt-4o"]);
    s.ok(
        "wf-actor",
        &["update", BOT.0, "--run-env", "LLM_USER_PATH=/tmp/llm"],
        "alice",
    );
    let actors = json(&s.query("wf-actor", &["list", "--json"]));
    common::schema::check(&actors);
    assert_eq!(
        actors["actors"][3]["run"],
        serde_json::json!({"command": ["llm", "-m", "gpt-4o"], "env": {"LLM_USER_PATH": "/tmp/llm"}, "timeout": 30})
    );
    s.ok("wf-actor", &["update", BOT.0, "--no-run"], "alice");
    let actors = json(&s.query("wf-actor", &["list", "--json"]));
    assert!(actors["actors"][3]["run"].is_null());
}

#[test]
fn the_agent_gets_its_environment_but_never_the_signing_key() {
    let s = Store::new();
    let id = drafting(&s);
    let agent = s.script(
        "agents/env",
        "#!/bin/sh\ncat >/dev/null\nenv | grep -E '^(WF_|GREETING=)' | sort\n",
    );
    s.ok(
        "wf-actor",
        &[
            "update",
            BOT.0,
            "--run-env",
            "GREETING=hello world",
            "--",
            &agent,
        ],
        "alice",
    );
    s.call("wf-run").arg(&id).key(BOT.0).ok();
    let env = std::fs::read_to_string(
        s.repo
            .join(format!("{}out/output.md", wf_core::Task::dir(&id))),
    )
    .unwrap();
    let sha = s.show(&id)["revision"][0]["prompt_sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        env,
        format!(
            "GREETING=hello world\nWF_ACTOR=drafter-bot\nWF_MODEL={MODEL}\nWF_PROMPT_SHA256={sha}\nWF_STEP=draft\nWF_TASK={id}\n"
        )
    );
}

#[test]
fn a_step_prompt_in_the_workflow_shapes_what_the_agent_reads() {
    let s = Store::new();
    let id = drafting(&s);
    let path = s.repo.join(".wf/workflows/default.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let with_prompt = text.replacen(
        "description = \"An AI agent produces the initial output.\"\n",
        "description = \"An AI agent produces the initial output.\"\nprompt = \"Write for {{input.audience}}: {{task.title}}\\n\"\n",
        1,
    );
    assert_ne!(with_prompt, text);
    // In the form wf writes (`policy::load` refuses any other).
    let with_prompt = wf_core::workflow::Workflow::parse(&with_prompt)
        .unwrap()
        .to_toml();
    assert!(with_prompt.contains("{{input.audience}}"));
    std::fs::write(&path, with_prompt).unwrap();
    s.git(&[
        "-c",
        "user.name=Alice",
        "-c",
        "user.email=alice@example.com",
        "commit",
        "-qam",
        "draft prompt",
    ]);
    assert_eq!(
        s.query("wf-run", &[&id, "--prompt-only"]),
        "Write for developers: Launch\n"
    );
    // A prompt naming an input the task lacks stops before anything runs.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("input.audience", "input.tone")).unwrap();
    s.git(&[
        "-c",
        "user.name=Alice",
        "-c",
        "user.email=alice@example.com",
        "commit",
        "-qam",
        "tone",
    ]);
    let (code, err) = s.call("wf-run").args([&id, "--prompt-only"]).refused();
    assert_eq!(code, 2);
    assert!(
        err.contains("the prompt uses {{input.tone}} but the task has no input tone"),
        "{err}"
    );
}

#[test]
fn ids_from_a_queue_are_run_one_by_one() {
    need("sh");
    let s = Store::new();
    let a = drafting(&s);
    let b = drafting(&s);
    configure(&s, "30", &[&Store::stand_in_model(), "agent"]);
    let out = s.sh(
        "wf-ls --step draft --assignee drafter-bot -z | WF_SIGNING_KEY=$KEYS/drafter-bot wf-run -",
    );
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    for id in [&a, &b] {
        assert_eq!(s.show(id)["step"], "review");
    }
}

/// A runner's queue does not stop at one failing agent: the next task is run, the failure is
/// reported with its task, and the run ends with exit 8.
#[test]
fn a_failing_agent_on_one_task_of_a_queue_does_not_stop_the_others() {
    need("sh");
    let s = Store::new();
    let a = drafting(&s);
    let b = drafting(&s);
    // The agent fails on the first task of the queue and drafts the other.
    let agent = s.script(
        "bin/picky-agent",
        &format!(
            "#!/bin/sh\nprompt=$(cat)\ncase \"$prompt\" in *{a}*) echo 'not this one' >&2; exit 3;; esac\necho 'A draft.'\n"
        ),
    );
    configure(&s, "30", &[&agent]);
    let out = s.sh(&format!(
        "printf '%s\\n%s\\n' {a} {b} | WF_SIGNING_KEY=$KEYS/drafter-bot wf-run -"
    ));
    assert_eq!(out.status.code(), Some(8), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "wf-run: {a}: the agent of drafter-bot exited with status 3"
        )),
        "{err}"
    );
    assert!(err.contains("wf-run: 1 of 2 ids failed"), "{err}");
    assert_eq!(s.show(&a)["step"], "draft");
    assert_eq!(s.show(&b)["step"], "review");
}

#[test]
fn an_interrupt_stops_the_agent_and_records_nothing() {
    let s = Store::new();
    let id = drafting(&s);
    let agent = s.script(
        "agents/slow",
        "#!/bin/sh\necho $$ > \"$HOME/agent.pid\"\nsleep 60\n",
    );
    configure(&s, "300", &[&agent]);
    let before = s.head();
    let child = s.call("wf-run").arg(&id).key(BOT.0).spawn();
    let pid_file = s.root.join("agent.pid");
    let started = Instant::now();
    while !pid_file.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(pid_file.exists(), "the agent never started");
    let kill = s.sh(&format!("kill -INT {}", child.id()));
    assert!(kill.status.success());
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(7), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("wf-run: interrupted; the agent was stopped and nothing was recorded"),
        "{err}"
    );
    assert_eq!(s.head(), before);
    s.assert_clean();
}

/// Found by a red-team helper: the agent's key re-signed a wf-run commit claiming another
/// command (and could claim another model), and the verifier accepted it while the attestation
/// reported them as wf-run's. A recorded run must name the registered command and model.
#[test]
fn a_run_claiming_another_command_is_refused_by_the_verifier() {
    let s = Store::new();
    let id = drafting(&s);
    configure(&s, "30", &[&Store::stand_in_model(), "agent"]);
    s.call("wf-run").arg(&id).key(BOT.0).ok();
    let path = wf_core::Task::path(&id);
    let text = s.git(&["show", &format!("HEAD:{path}")]);
    let real = format!("command = [\"{}\", \"agent\"]", Store::stand_in_model());
    assert!(text.contains(&real), "{text}");
    let forged_text = text.replace(&real, "command = [\"/opt/gpt-9000/agent\", \"--frontier\"]");
    let raw = s.git(&["cat-file", "commit", "HEAD"]);
    let msg = raw.split_once("\n\n").unwrap().1.replace(
        &format!("Wf-Run-Command: {} agent", Store::stand_in_model()),
        "Wf-Run-Command: /opt/gpt-9000/agent --frontier",
    );
    assert!(msg.contains("gpt-9000"), "{msg}");
    let tree = s.tree_with(&s.repo, "HEAD", &path, forged_text.as_bytes());
    let key = format!("user.signingkey={}", s.key(BOT.0).display());
    let out = s.git_at(
        &s.repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &key,
            "commit-tree",
            &tree,
            "-p",
            "HEAD^",
            "-S",
        ],
        &[
            ("GIT_AUTHOR_NAME", BOT.1),
            ("GIT_AUTHOR_EMAIL", BOT.2),
            ("GIT_COMMITTER_NAME", BOT.1),
            ("GIT_COMMITTER_EMAIL", BOT.2),
        ],
        Some(msg.as_bytes()),
    );
    assert!(out.status.success(), "{}", describe(&out));
    let forged = String::from_utf8(out.stdout).unwrap().trim().to_string();
    s.assert_verifies(&forged);
    let out = s
        .call("wf-verify")
        .args(["--no-cache", &format!("HEAD^..{forged}")])
        .run();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(
        text.contains("the run records the command /opt/gpt-9000/agent --frontier, but drafter-bot's registered run command is"),
        "{text}"
    );
    // The honest run verifies.
    s.assert_verifies("HEAD");
    let out = s.query("wf-verify", &["--no-cache"]);
    assert!(out.ends_with(": clean\n"), "{out}");
}

/// Found by a red-team helper: once an admin changed the agent's registered model on main, an
/// honest run recorded on a branch forked before could not be merged: the merge judged the run's
/// provenance under main's registration. Authority is the landing policy's; provenance is the
/// registration the run ran under.
#[test]
fn a_run_on_a_branch_merges_after_the_agents_model_changed_on_main() {
    let s = Store::new();
    let id = drafting(&s);
    configure(&s, "30", &[&Store::stand_in_model(), "agent"]);
    s.git(&["checkout", "-q", "-b", "work"]);
    s.call("wf-run").arg(&id).key(BOT.0).ok();
    s.git(&["checkout", "-q", "main"]);
    s.ok(
        "wf-actor",
        &["update", BOT.0, "--model", "another-model"],
        "alice",
    );
    s.git(&[
        "-c",
        "user.name=Merger",
        "-c",
        "user.email=merger@example.com",
        "merge",
        "-q",
        "--no-edit",
        "work",
    ]);
    let out = s.query("wf-verify", &["--no-cache"]);
    assert!(out.ends_with(": clean\n"), "{out}");
    // The revision keeps the model the run ran under.
    assert_eq!(s.show(&id)["revision"][0]["model"], MODEL);
}

/// Found by a red-team helper: `--prompt-only` wrote a task's input to the terminal as it was,
/// so an input could clear the screen or set the window's title (wf-show escaped the same
/// input). On a terminal it is escaped; piped, the agent's bytes are kept.
#[test]
fn prompt_only_escapes_control_characters_on_a_terminal_only() {
    need("script");
    let s = Store::new();
    let input = "brief=before\x1b]0;PWNED\x07\x1b[2Jafter \u{202e}txt.exe";
    let id = s
        .ok("wf-new", &["--title", "Escapes", "--input", input], "alice")
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let piped = s.query("wf-run", &[&id, "--prompt-only"]);
    assert!(
        piped.contains("before\x1b]0;PWNED\x07\x1b[2Jafter"),
        "{piped:?}"
    );
    let tty = s.sh_ok(&format!(
        "TERM=xterm script -qec 'wf-run {id} --prompt-only' /dev/null"
    ));
    assert!(!tty.contains('\x1b') && !tty.contains('\x07'), "{tty:?}");
    assert!(!tty.contains('\u{202e}'), "{tty:?}");
    assert!(
        tty.contains("before\\u{1b}]0;PWNED\\u{7}\\u{1b}[2Jafter \\u{202e}txt.exe"),
        "{tty:?}"
    );
}
