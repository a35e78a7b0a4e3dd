//! wf-attest (spec/attest.md): in-toto attestations of approved tasks as DSSE envelopes, signed
//! with a CI's SSH ed25519 key, checked by code nobody here wrote: Python's `securesystemslib`
//! verifies each DSSE signature with the public key (converted from OpenSSH's form by hand in
//! `tests/attest_check.py`), `in-toto-attestation` parses each statement and its SLSA
//! predicate. Both live in target/venv, which scripts/python-venv makes.
//!
//! The checks of both sides are compared on every case: a good file, a tampered payload, a
//! changed payload type, a wrong key, a claim re-signed with the right key; and wf-attest
//! refuses to attest a task that is not approved, or was reopened, or whose history breaks a
//! rule.

mod common;

use std::path::{Path, PathBuf};

use common::{describe, json, Store, BOB, BOT, DATE_RFC3339};
use serde_json::Value;

const BRIEF: &[u8] = b"Announce wf.\n- signed handoffs\n";
const DRAFT_NOTE: &str = "first draft";
const OPTIMIZED: &[u8] = b"# Launch\n\nPolished by hand, prompt given by hand.\n";
const PROMPT: &[u8] = b"Polish this announcement.\n";

/// target/venv's Python, or a failure saying how to get it.
fn python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let py = root.join("target/venv/bin/python");
    let probe = std::process::Command::new(&py)
        .args([
            "-c",
            "import securesystemslib.dsse, in_toto_attestation.v1.statement",
        ])
        .output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "this test needs securesystemslib and in-toto-attestation in target/venv: run scripts/python-venv (scripts/test and .ci/run do): {probe:?}"
    );
    py
}

fn checker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/attest_check.py")
}

/// What the third-party check says of a file: its JSON report and whether it accepted it.
fn third_party(s: &Store, file: &Path, pubkey: &str) -> (bool, Value) {
    let mut c = s.command(python());
    c.arg(checker()).arg("verify").arg(file).arg(pubkey);
    let out = common::output(c, None);
    let report = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        out.status.success(),
        report["ok"] == true,
        "the report and the exit status disagree: {}",
        describe(&out)
    );
    (out.status.success(), report)
}

/// What `wf-attest --verify` says: exit code and stdout.
fn wf_verify(s: &Store, file: &Path, pubkey: &str, store: bool) -> (i32, String) {
    let mut call = s
        .call("wf-attest")
        .arg("--verify")
        .arg(file)
        .args(["--pubkey", pubkey]);
    if store {
        call = call.arg("--store").arg(&s.repo);
    }
    let out = call.run();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        describe(&out)
    );
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The CI's key: made with ssh-keygen, registered nowhere in the store.
fn ci_key(s: &Store) -> (String, String) {
    s.make_key("ci");
    let k = s.key("ci").display().to_string();
    (k.clone(), format!("{k}.pub"))
}

/// A store where the bot drafts a task with wf-run (its prompt rendered by wf), bob accepts,
/// the bot submits the optimized text with a prompt given by hand (a claim), and alice
/// approves. Returns the task id, the prompt wf rendered for the draft, and the draft's bytes.
fn approved(s: &Store) -> (String, String, Vec<u8>) {
    let brief = s.file("in/brief.md", BRIEF);
    let id = s
        .ok(
            "wf-new",
            &[
                "--title",
                "Launch",
                "--input-file",
                &format!("brief={brief}"),
            ],
            "alice",
        )
        .trim()
        .to_string();
    s.ok(
        "wf-actor",
        &["update", BOT.0, "--", &Store::stand_in_model(), "agent"],
        "alice",
    );
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let prompt = s.query("wf-run", &[&id, "--prompt-only"]);
    s.call("wf-run")
        .args([&id, "--name", "launch.md", "-m", DRAFT_NOTE])
        .key(BOT.0)
        .ok();
    let draft = s
        .git_output(
            &[
                "show",
                &format!("HEAD:{}out/launch.md", wf_core::Task::dir(&id)),
            ],
            None,
        )
        .stdout;
    s.ok("wf-assign", &[&id, "--to", BOB.0], "alice");
    s.ok("wf-review", &[&id, "--accept", "-m", "good"], "bob");
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let prompt_file = s.file("prompt.txt", PROMPT);
    s.call("wf-submit")
        .args([&id, "--prompt-file", &prompt_file])
        .key(BOT.0)
        .stdin(OPTIMIZED)
        .ok();
    s.ok("wf-approve", &[&id, "-m", "ship it"], "alice");
    (id, prompt, draft)
}

fn attest(s: &Store, id: &str, key: &str, out: &Path) -> String {
    s.call("wf-attest")
        .arg(id)
        .args(["--key", key])
        .arg("-o")
        .arg(out)
        .ok()
}

fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(json)
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    let mut c = std::process::Command::new("base64");
    c.arg("-w0");
    let out = common::output(c, Some(bytes));
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

/// Base64 decoded by coreutils' `base64 -d`, not by code of ours.
fn unb64(text: &str) -> Vec<u8> {
    let mut c = std::process::Command::new("base64");
    c.arg("-d");
    let out = common::output(c, Some(text.as_bytes()));
    assert!(out.status.success());
    out.stdout
}

/// The statement inside an envelope line.
fn statement(envelope: &Value) -> Value {
    json(&String::from_utf8(unb64(envelope["payload"].as_str().unwrap())).unwrap())
}

#[test]
fn an_approved_task_is_attested_and_third_party_code_verifies_every_claim() {
    let s = Store::new();
    let (id, prompt, draft) = approved(&s);
    let (key, pubkey) = ci_key(&s);
    let file = s.root.join("launch.intoto.jsonl");
    let said = attest(&s, &id, &key, &file);
    // The same attestation when the history is judged in this process with a fresh handle
    // after every commit: the handle wf-attest goes on reading the task's facts with had its
    // objects set aside while the history was judged, and has them back.
    // (Without the verifier's cache, which holds every commit after the first run.)
    let caches: Vec<_> = std::fs::read_dir(s.repo.join(".git"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("wf-verified-")
        })
        .collect();
    assert_eq!(caches.len(), 1, "{caches:?}");
    std::fs::remove_file(&caches[0]).unwrap();
    let again = s.root.join("again.intoto.jsonl");
    let said_again = s
        .call("wf-attest")
        .arg(&id)
        .args(["--key", &key])
        .arg("-o")
        .arg(&again)
        .env("WF_VERIFY_PROCESSES", "never")
        .env("WF_VERIFY_RENEW", "1")
        .ok();
    assert_eq!(said_again.replace("again.", "launch."), said);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&file).unwrap()
    );
    assert!(
        said.starts_with(&format!(
            "{id}: 5 statements (1 verification summary, 2 provenance, 2 reviews), signed by {}\n",
            s.fingerprint_of(&pubkey)
        )),
        "{said}"
    );

    // securesystemslib verifies every signature; in-toto-attestation parses every statement.
    let (ok, report) = third_party(&s, &file, &pubkey);
    assert!(ok, "{report}");
    assert_eq!(
        report["keyid"],
        s.fingerprint_of(&pubkey),
        "keyid = SSH fingerprint"
    );
    let envs = report["envelopes"].as_array().unwrap();
    let types: Vec<&str> = envs
        .iter()
        .map(|e| e["predicateType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "https://slsa.dev/verification_summary/v1",
            "https://slsa.dev/provenance/v1",
            "https://slsa.dev/provenance/v1",
            "https://in-toto.io/attestation/human-review/v0.1",
            "https://in-toto.io/attestation/human-review/v0.1",
        ]
    );
    let approve = s.head();
    let subject = |e: &Value| -> Vec<(String, String)> {
        e["subject"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["name"].as_str().unwrap().into(),
                    x["sha256"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    // The subjects' sha256 are the approved bytes, as the work tree holds them.
    let approved_bytes = std::fs::read(
        s.repo
            .join(format!("{}out/launch.md", wf_core::Task::dir(&id))),
    )
    .unwrap();
    assert_eq!(approved_bytes, OPTIMIZED);
    let approved_subject = vec![("launch.md".to_string(), s.sha256(OPTIMIZED))];
    let draft_subject = vec![("launch.md".to_string(), s.sha256(&draft))];
    assert_eq!(subject(&envs[0]), approved_subject);
    assert_eq!(subject(&envs[1]), draft_subject);
    assert_eq!(subject(&envs[2]), approved_subject);
    assert_eq!(subject(&envs[3]), draft_subject, "bob reviewed the draft");
    assert_eq!(
        subject(&envs[4]),
        approved_subject,
        "alice approved the optimized text"
    );

    // The verification summary: wf-verify's verdict on the approval's commit, under the
    // workflow file the approval was decided under.
    let vsa = &envs[0]["predicate"];
    assert_eq!(vsa["verificationResult"], "PASSED");
    assert_eq!(
        vsa["verifier"]["id"],
        format!("urn:wf:wf-verify:{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(vsa["resourceUri"], format!("gitoid:commit:sha1:{approve}"));
    assert_eq!(vsa["timeVerified"], DATE_RFC3339);
    let workflow = std::fs::read(s.repo.join(".wf/workflows/default.toml")).unwrap();
    assert_eq!(vsa["policy"]["digest"]["sha256"], s.sha256(&workflow));
    let blob = s.git(&["rev-parse", "HEAD^:.wf/workflows/default.toml"]);
    assert_eq!(vsa["policy"]["digest"]["gitBlob"], blob.trim());

    // Provenance of the draft: wf rendered its prompt (the verifier renders it again).
    let run = &envs[1]["predicate"];
    let ext = &run["buildDefinition"]["externalParameters"];
    assert_eq!(ext["prompt"]["kind"], "rendered");
    assert_eq!(ext["prompt"]["sha256"], s.sha256(prompt.as_bytes()));
    assert_eq!(ext["model"], common::MODEL);
    assert_eq!(ext["command"][1], "agent");
    assert_eq!(ext["inputs"][0]["name"], "brief");
    assert_eq!(ext["inputs"][0]["sha256"], s.sha256(BRIEF));
    assert_eq!(
        run["buildDefinition"]["resolvedDependencies"][0]["digest"]["sha256"],
        s.sha256(BRIEF)
    );
    let internal = &run["buildDefinition"]["internalParameters"];
    assert_eq!(internal["recordedBy"], "wf-run");
    assert_eq!(internal["agent"]["id"], BOT.0);
    assert_eq!(internal["agent"]["key"], s.fingerprint(BOT.0));
    assert_eq!(internal["operator"]["id"], "alice");
    assert_eq!(
        run["runDetails"]["builder"]["id"],
        "urn:wf:actor:drafter-bot"
    );
    let draft_commit = s.git(&["log", "-1", "--format=%H", "--grep=^Wf-Run-Exit: 0$"]);
    assert_eq!(
        run["runDetails"]["metadata"]["invocationId"],
        draft_commit.trim()
    );
    assert!(run["runDetails"]["metadata"]["startedOn"].is_string());
    // Provenance of the optimized text: its prompt is the submitter's claim.
    let claimed = &envs[2]["predicate"]["buildDefinition"];
    assert_eq!(claimed["externalParameters"]["prompt"]["kind"], "claimed");
    assert_eq!(
        claimed["externalParameters"]["prompt"]["sha256"],
        s.sha256(PROMPT)
    );
    assert_eq!(claimed["internalParameters"]["recordedBy"], "wf-submit");
    assert!(claimed["externalParameters"].get("command").is_none());

    // Reviews: who, which verdict, the digest reviewed, the commit that records it.
    let t = s.show(&id);
    let review = &envs[3]["predicate"];
    assert_eq!(
        (
            review["result"].as_str(),
            review["verdict"].as_str(),
            review["reviewer"]["id"].as_str()
        ),
        (Some("pass"), Some("accept"), Some(BOB.0))
    );
    assert_eq!(review["revisionDigest"], t["revision"][0]["digest"]);
    let review_commit = s.git(&["log", "-1", "--format=%H", "--grep=^Wf-Verdict: accept$"]);
    assert_eq!(
        review["reviewLink"],
        format!("gitoid:commit:sha1:{}", review_commit.trim())
    );
    let approval = &envs[4]["predicate"];
    assert_eq!(approval["verdict"], "approve");
    assert_eq!(approval["reviewer"]["id"], "alice");
    assert_eq!(approval["commit"], approve);
    assert_eq!(approval["revisionDigest"], t["latest_digest"]);

    // wf-attest --verify agrees, and with the store finds every claim in the history.
    let (code, out) = wf_verify(&s, &file, &pubkey, true);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("; matches the history\n").count(), 5, "{out}");
    let summary = format!(
        "5 envelopes verified, signed by {} (signatures and claims checked against the store)\n",
        s.fingerprint_of(&pubkey)
    );
    assert!(out.ends_with(&summary), "{out}");

    // An envelope securesystemslib signed is one wf-attest verifies: the same DSSE.
    let st = s.file(
        "statement.json",
        &unb64(lines(&file)[3]["payload"].as_str().unwrap()),
    );
    let mut c = s.command(python());
    c.arg(checker()).args(["sign", &st, &key]);
    let signed = common::output(c, None);
    assert!(signed.status.success(), "{}", describe(&signed));
    let theirs = s.file("theirs.intoto.jsonl", &signed.stdout);
    let (code, out) = wf_verify(&s, Path::new(&theirs), &pubkey, true);
    assert_eq!(code, 0, "{out}");

    // The CI step (scripts/ci/wf-attest-publish, which the GitHub and GitLab jobs run), in a
    // detached checkout as CI makes one: the approved files, byte for byte, and their
    // attestations, which the third party verifies.
    s.git(&["checkout", "-q", "--detach"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ci/wf-attest-publish");
    let ran = s.sh(&format!(
        "WF_ATTEST_KEY={key} {} {}",
        script.canonicalize().unwrap().display(),
        s.root.join("published").display()
    ));
    assert!(ran.status.success(), "{}", describe(&ran));
    let published = s.root.join("published");
    assert_eq!(
        std::fs::read(published.join(&id).join("launch.md")).unwrap(),
        OPTIMIZED
    );
    let (ok, report) = third_party(&s, &published.join("wf.intoto.jsonl"), &pubkey);
    assert!(ok, "{report}");
    assert_eq!(report["envelopes"].as_array().unwrap().len(), 5);
    assert_eq!(
        report["envelopes"][0]["subject"][0]["sha256"],
        s.sha256(&std::fs::read(published.join(&id).join("launch.md")).unwrap())
    );
}

/// A replace ref in the repository (git then shows and checks out another object in place of
/// the approved output) is named in a warning; the attestation is of the objects themselves
/// (found by a second red-team helper on 2026-12-02: nothing warned).
#[test]
fn a_replace_ref_is_named_in_a_warning_when_attesting() {
    let s = Store::new();
    let (id, _, _) = approved(&s);
    let (key, _) = ci_key(&s);
    let approval = s.head();
    let before = s.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    s.git(&["replace", &approval, &before]);
    let out = s
        .call("wf-attest")
        .arg(&id)
        .args(["--key", &key])
        .arg("-o")
        .arg(s.root.join("a.jsonl"))
        .run();
    assert!(out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "wf-attest: warning: refs/replace/{approval}: git shows another object in place of {approval}"
        )),
        "{err}"
    );
}

#[test]
fn tampered_resigned_and_wrongly_keyed_envelopes_are_refused_by_both_checks() {
    let s = Store::new();
    let (id, _, _) = approved(&s);
    let (key, pubkey) = ci_key(&s);
    let file = s.root.join("good.intoto.jsonl");
    attest(&s, &id, &key, &file);
    let good = lines(&file);
    let write = |name: &str, envs: &[Value]| -> PathBuf {
        let text: String = envs.iter().map(|e| format!("{e}\n")).collect();
        PathBuf::from(s.file(name, text.as_bytes()))
    };
    let forged_bytes = b"# Launch\n\nWords nobody approved.\n";
    // The summary claims other bytes were approved.
    let mut claim = statement(&good[0]);
    claim["subject"][0]["digest"]["sha256"] = Value::from(s.sha256(forged_bytes));
    let claim_text = serde_json::to_vec(&claim).unwrap();

    let mut tampered = good[0].clone();
    tampered["payload"] = Value::from(b64(&claim_text));
    let mut retyped = good[0].clone();
    retyped["payloadType"] = Value::from("application/json");
    // The forged claim signed again with the CI's own key (by securesystemslib).
    let st = s.file("claim.json", &claim_text);
    let mut c = s.command(python());
    c.arg(checker()).args(["sign", &st, &key]);
    let resigned = common::output(c, None);
    assert!(resigned.status.success(), "{}", describe(&resigned));
    let resigned = json(&String::from_utf8_lossy(&resigned.stdout));

    // (case, file, public key, accepted by a signature check)
    let bob_pub = s.pubkey(BOB.0);
    let cases: Vec<(&str, PathBuf, &str, bool)> = vec![
        ("good", file.clone(), &pubkey, true),
        (
            "tampered payload",
            write("tampered.jsonl", &[tampered]),
            &pubkey,
            false,
        ),
        (
            "payload type changed",
            write("retyped.jsonl", &[retyped]),
            &pubkey,
            false,
        ),
        ("wrong key", file.clone(), &bob_pub, false),
        (
            "forged claim re-signed with the right key",
            write("resigned.jsonl", &[resigned]),
            &pubkey,
            true,
        ),
    ];
    let mut table = String::new();
    for (name, path, public, signed) in &cases {
        let (theirs, report) = third_party(&s, path, public);
        let (code, out) = wf_verify(&s, path, public, false);
        table.push_str(&format!(
            "{name}: securesystemslib {theirs}, wf-attest --verify {code}\n"
        ));
        assert_eq!(theirs, *signed, "{name}: {report}");
        assert_eq!(
            code == 0,
            theirs,
            "{name}: the two checks disagree: {out} / {report}"
        );
        if !signed {
            assert_eq!(code, 1, "{name}: {out}");
            assert!(
                out.contains("does not verify")
                    || out.contains("no signature by")
                    || out.contains("payloadType"),
                "{name}: {out}"
            );
        }
    }
    eprintln!("{table}");
    // A valid signature over a false claim: the third party sees bytes other than the
    // approved ones in the subject; wf-attest, given the store, finds the claim false.
    let (_, report) = third_party(&s, &cases[4].1, &pubkey);
    assert_ne!(
        report["envelopes"][0]["subject"][0]["sha256"],
        s.sha256(OPTIMIZED)
    );
    let (code, out) = wf_verify(&s, &cases[4].1, &pubkey, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("does not match the history of"), "{out}");
    assert!(out.contains(".subject[0].digest.sha256 says"), "{out}");
}

#[test]
fn a_task_not_approved_reopened_or_on_a_broken_history_gets_no_attestation() {
    let s = Store::new();
    let (id, _, _) = approved(&s);
    let (key, pubkey) = ci_key(&s);
    // A task waiting for approval.
    let other = s
        .ok("wf-new", &["--title", "Not yet"], "alice")
        .trim()
        .to_string();
    s.to_approve(&other, b"draft\n", b"better\n");
    let none = s.root.join("none.jsonl");
    let (code, err) = s
        .call("wf-attest")
        .args([&id, &other, "--key", &key, "-o"])
        .arg(&none)
        .refused();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "{other} is not approved (it is open, at step approve)"
        )),
        "{err}"
    );
    assert!(
        !none.exists(),
        "nothing is written when one task is refused"
    );

    // Attested while approved; then alice reopens it.
    let file = s.root.join("before.jsonl");
    attest(&s, &id, &key, &file);
    s.ok(
        "wf-approve",
        &[&id, "--reopen", "-m", "one more change"],
        "alice",
    );
    let (code, err) = s.call("wf-attest").args([&id, "--key", &key]).refused();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("{id} is not approved: alice reopened it at")),
        "{err}"
    );
    // The old file's signatures still verify (a signature cannot know), for the third party
    // and for wf-attest alone; the store says the approval is void.
    assert!(third_party(&s, &file, &pubkey).0);
    assert_eq!(wf_verify(&s, &file, &pubkey, false).0, 0);
    let (code, out) = wf_verify(&s, &file, &pubkey, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("reopened it at"), "{out}");

    // Reworked and approved again, then someone edits the approved output by hand: the
    // history breaks a rule, and nothing is attested.
    s.call("wf-submit")
        .arg(&id)
        .key(BOT.0)
        .stdin(b"# Launch\n\nOne more change.\n")
        .ok();
    s.ok("wf-approve", &[&id, "-m", "fine now"], "alice");
    let again: Vec<Value> = s
        .call("wf-attest")
        .args([&id, "--key", &key])
        .ok()
        .lines()
        .map(|l| statement(&json(l)))
        .collect();
    // A third AI revision; the approval the reopen voided is left out, the one in force kept.
    assert_eq!(again.len(), 6);
    let approvals: Vec<&Value> = again
        .iter()
        .filter(|st| st["predicate"]["verdict"] == "approve")
        .collect();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["predicate"]["revision"], 3);
    assert_eq!(approvals[0]["predicate"]["commit"], s.head());
    let out_file = s
        .repo
        .join(format!("{}out/launch.md", wf_core::Task::dir(&id)));
    std::fs::write(&out_file, "A quiet edit.\n").unwrap();
    s.git(&[
        "-c",
        "user.name=M",
        "-c",
        "user.email=m@example.com",
        "commit",
        "-qam",
        "typo",
    ]);
    let (code, err) = s.call("wf-attest").args([&id, "--key", &key]).refused();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("wf-verify finds 1 problem in the history"),
        "{err}"
    );
    assert!(err.contains("unsigned"), "the problem is named: {err}");
    // A key that cannot sign raw ed25519 in process is no attestation key.
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let (code, err) = s.call("wf-attest").args([&id, "--key", &pubkey]).refused();
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("cannot sign attestations"), "{err}");
}

/// Found by a red-team helper: a task reviewed under a workflow without a check step was
/// approved after an admin installed a version with one, and the attestation named that version
/// as its policy, gates the approved revision never met. An approval whose workflow changed
/// between the revision and the approval is not attested.
#[test]
fn an_approval_whose_workflow_changed_in_flight_is_not_attested() {
    let s = Store::new();
    let (key, _) = ci_key(&s);
    let id = s
        .ok("wf-new", &["--title", "In flight"], "alice")
        .trim()
        .to_string();
    s.to_approve(&id, b"draft\n", b"better\n");
    let text = std::fs::read_to_string(s.repo.join(".wf/workflows/default.toml")).unwrap();
    let changed = s.file(
        "default.toml",
        text.replacen("description = \"", "description = \"(now gated) ", 1)
            .as_bytes(),
    );
    s.ok("wf-policy", &["set", "--workflow", &changed], "alice");
    s.ok("wf-approve", &[&id, "-m", "ship it"], "alice");
    let out = s.root.join("a.jsonl");
    let (code, err) = s
        .call("wf-attest")
        .args([&id, "--key", &key, "-o"])
        .arg(&out)
        .refused();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "task {id}'s workflow default changed between revision 2 and its approval"
        )),
        "{err}"
    );
    assert!(!out.exists());
    // A task decided under one version all along is attested.
    let other = s
        .ok("wf-new", &["--title", "Settled"], "alice")
        .trim()
        .to_string();
    s.to_approve(&other, b"draft\n", b"better\n");
    s.ok("wf-approve", &[&other, "-m", "ship it"], "alice");
    attest(&s, &other, &key, &s.root.join("b.jsonl"));
}
