//! wf-verify and wf-hook against real pushes to a real bare repository.
//!
//! Every test builds one good history with the tools (a store, an approved task), pushes it
//! through the installed hooks into a bare server, and then tries one forgery. Forged commits
//! are made with git itself and signed with the harness's real keys, written byte for byte as
//! the tools would write them, so that the one thing wrong with each is the thing under test;
//! each refusal is asserted with its own check and reason, and the server's refs must not move.

mod common;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use common::{
    describe, json, refused_commits, schema, Store, ALICE, BOB, BOT, CAROL, DATE_RFC3339, MODEL,
};
use serde_json::Value;

/// An actor as the commit headers name it: id, name, email.
type Who = (&'static str, &'static str, &'static str);

/// The harness makes mallory's key but never registers it.
const MALLORY: Who = ("mallory", "Mallory M", "mallory@example.com");

const DRAFT: &[u8] = b"# Launch\n\nThe AI wrote this.\n";
const OPTIMIZED: &[u8] = b"# Launch\n\nThe AI wrote this, then polished it.\n";
const SWAPPED: &[u8] = b"# Launch\n\nNobody approved these words.\n";

// ---------------------------------------------------------------------------------------------
// Driving tasks with the real tools
// ---------------------------------------------------------------------------------------------

/// A new task by alice; returns its id.
fn new_task(s: &Store, title: &str) -> String {
    s.ok("wf-new", &["--title", title], "alice")
        .trim()
        .to_string()
}

/// Draft handed to the bot, the bot drafts, the review handed to bob.
fn to_review(s: &Store, id: &str) {
    s.to_review(id, DRAFT);
}

/// On to the approve step: bob accepts revision 1, the bot optimizes into revision 2.
fn to_approve(s: &Store, id: &str) {
    s.to_approve(id, DRAFT, OPTIMIZED);
}

/// Rule 6's reason when revision `named` (digest `d_named`) is not the current one.
fn stale(named: u32, d_named: &str, current: u32, d_current: &str) -> String {
    format!(
        "revision {named} ({}) is not the current revision {current} ({})",
        &d_named[7..19],
        &d_current[7..19]
    )
}

/// The digest of revision `n` (1-based) of a task.
fn digest(s: &Store, id: &str, n: usize) -> String {
    s.show(id)["revision"][n - 1]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The world: a store, a bare server with the hooks, the good history pushed
// ---------------------------------------------------------------------------------------------

struct World {
    s: Store,
    server: PathBuf,
    /// A task approved by alice (revision 2) and pushed.
    a: String,
}

impl World {
    /// Alice's store with task A approved, pushed through the hooks into `server.git`.
    fn new() -> World {
        let s = Store::new();
        let a = new_task(&s, "Launch announcement");
        to_approve(&s, &a);
        s.ok("wf-approve", &[&a, "-m", "ship it"], "alice");
        let server = s.hooked_server();
        let w = World { s, server, a };
        let err = w.accepted(&["push", "origin", "main"]);
        assert!(
            err.contains("remote: verified 12 commits (12 checked"),
            "{err}"
        );
        w
    }

    fn sp(&self) -> &str {
        self.server.to_str().unwrap()
    }

    /// The server's refs, as `git for-each-ref` lists them.
    fn refs(&self) -> String {
        self.s.git(&["-C", self.sp(), "for-each-ref"])
    }

    /// The commit the server's main points at.
    fn server_main(&self) -> String {
        self.s
            .git(&["-C", self.sp(), "rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    }

    /// A git push (or any git command in the store) that must succeed; returns stderr.
    fn accepted(&self, args: &[&str]) -> String {
        let out = self.s.git_output(args, None);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8_lossy(&out.stderr).to_string()
    }

    /// A push the server refuses: git fails, the pre-receive hook declined, and no ref of the
    /// server moved. Returns stderr.
    fn refused(&self, args: &[&str]) -> String {
        let before = self.refs();
        let out = self.s.git_output(args, None);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success(),
            "git {args:?} should fail: {}",
            describe(&out)
        );
        assert!(err.contains("pre-receive hook declined"), "{err}");
        assert!(err.contains("remote: wf-hook: push refused"), "{err}");
        assert_eq!(
            self.refs(),
            before,
            "a refused push moved the server's refs"
        );
        err
    }

    /// Push main; the server refuses it for exactly one problem: `commit` (on `task`, or `-`)
    /// fails `check` (as wf-verify prints it, e.g. `rule 3 (ai-human-duty)` or `unsigned`) with
    /// a reason containing `phrase`. wf-verify --json on the store agrees on the slug and rule.
    fn rejects(&self, commit: &str, task: &str, check: &str, phrase: &str) {
        let err = self.refused(&["push", "origin", "main"]);
        assert_one_problem(&err, commit, task, check, phrase);
        let v = verify_json(&self.s, &self.s.repo, &["origin/main..main"], 1);
        let bad = refused_commits(&v);
        assert_eq!(bad.len(), 1, "{v:#}");
        assert_eq!(bad[0]["commit"], commit);
        let problems = bad[0]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{v:#}");
        let (slug, rule) = slug_of(check);
        assert_eq!(problems[0]["check"], slug.as_str(), "{v:#}");
        assert_eq!(problems[0]["rule"], rule, "{v:#}");
        assert!(
            problems[0]["reason"].as_str().unwrap().contains(phrase),
            "{v:#}"
        );
    }
}

/// `rule 3 (ai-human-duty)` → (`rule-3`, 3); `unsigned` → (`unsigned`, null).
fn slug_of(check: &str) -> (String, Value) {
    match check.strip_prefix("rule ") {
        Some(rest) => {
            let n: u64 = rest.split(' ').next().unwrap().parse().unwrap();
            (format!("rule-{n}"), Value::from(n))
        }
        None => (check.to_string(), Value::Null),
    }
}

/// The problem lines of wf-verify or a hook (`<12 hex> <task> <check>: <reason>`), with git's
/// `remote: ` prefix and padding removed.
fn problems(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.strip_prefix("remote: ").unwrap_or(l).trim_end())
        .filter(|l| {
            l.len() > 13
                && l.as_bytes()[12] == b' '
                && l[..12].bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(str::to_string)
        .collect()
}

fn assert_one_problem(text: &str, commit: &str, task: &str, check: &str, phrase: &str) {
    let p = problems(text);
    let want = format!("{} {task} {check}: ", &commit[..12]);
    assert!(
        p.len() == 1 && p[0].starts_with(&want) && p[0].contains(phrase),
        "expected exactly one problem `{want}...{phrase}...`, got:\n{text}"
    );
}

/// `wf-verify --json --no-cache ARGS` in `dir`, which must exit with `code`.
fn verify_json(s: &Store, dir: &Path, args: &[&str], code: i32) -> Value {
    let out = s
        .call("wf-verify")
        .args(["--json", "--no-cache"])
        .args(args)
        .dir(dir)
        .run();
    assert_eq!(out.status.code(), Some(code), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    schema::check(&v);
    v
}

/// `wf-verify ARGS` in `dir`: exit code, stdout, stderr.
fn verify(s: &Store, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = s.call("wf-verify").args(args).dir(dir).run();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Forging commits with git
// ---------------------------------------------------------------------------------------------

fn read(s: &Store, rel: &str) -> String {
    std::fs::read_to_string(s.repo.join(rel)).unwrap()
}

fn write(s: &Store, rel: &str, bytes: &[u8]) {
    let p = s.repo.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn kind(who: Who) -> &'static str {
    if who.0 == BOT.0 {
        "ai"
    } else {
        "human"
    }
}

/// The exact message of a commit (everything after its headers).
fn message_of(s: &Store, rev: &str) -> String {
    let raw = s.git(&["cat-file", "commit", rev]);
    raw.split_once("\n\n").unwrap().1.to_string()
}

/// Commit everything in the work tree of `dir` on top of its HEAD, as `who` (author and
/// committer), signed with `key`'s private key (unsigned when `None`), with exactly `msg`; the
/// branch moves to it. Returns the commit id.
fn commit_at(s: &Store, dir: &Path, who: Who, key: Option<&str>, msg: &str) -> String {
    let git = |args: &[&str]| {
        let out = s.git_at(dir, args, &[], None);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["add", "-A"]);
    let tree = git(&["write-tree"]);
    let keyfile = key.map(|k| format!("user.signingkey={}", s.key(k).display()));
    let mut args = vec!["-c", "gpg.format=ssh"];
    if let Some(k) = &keyfile {
        args.extend(["-c", k.as_str()]);
    }
    args.extend(["commit-tree", &tree, "-p", "HEAD"]);
    if key.is_some() {
        args.push("-S");
    }
    let env = [
        ("GIT_AUTHOR_NAME", who.1),
        ("GIT_AUTHOR_EMAIL", who.2),
        ("GIT_COMMITTER_NAME", who.1),
        ("GIT_COMMITTER_EMAIL", who.2),
    ];
    let out = s.git_at(dir, &args, &env, Some(msg.as_bytes()));
    assert!(out.status.success(), "commit-tree: {}", describe(&out));
    let oid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    git(&["update-ref", "HEAD", &oid]);
    oid
}

/// [`commit_at`] in the store.
fn commit(s: &Store, who: Who, key: Option<&str>, msg: &str) -> String {
    commit_at(s, &s.repo, who, key, msg)
}

/// Take back HEAD (a real action the tools made), keeping its changes in the work tree, and
/// return its message, so that it can be committed again differently.
fn undo(s: &Store) -> String {
    let msg = message_of(s, "HEAD");
    s.git(&["reset", "-q", "--soft", "HEAD~1"]);
    msg
}

/// Write a raw commit object and point the store's main at it. Returns its id.
fn write_raw(s: &Store, raw: &str) -> String {
    let out = s.git_output(
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--stdin",
            "--literally",
        ],
        Some(raw.as_bytes()),
    );
    assert!(out.status.success(), "hash-object: {}", describe(&out));
    let oid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    s.git(&["update-ref", "refs/heads/main", &oid]);
    oid
}

/// Insert a record block into a task file before the first of the later arrays (to_toml writes
/// input, assignment, revision, review, decision, reopen in that order), else at the end.
fn insert_record(task: &str, block: &str, before: &[&str]) -> String {
    let at = before
        .iter()
        .filter_map(|h| task.find(&format!("\n[[{h}]]")))
        .min();
    match at {
        Some(i) => format!("{}{block}{}", &task[..i], &task[i..]),
        None => format!("{task}{block}"),
    }
}

/// Set a top-level field of a task file (top-level fields come before every record).
fn set_top(task: &str, key: &str, old: &str, new: &str) -> String {
    let from = format!("\n{key} = \"{old}\"\n");
    assert!(task.contains(&from), "no {from:?} in\n{task}");
    task.replacen(&from, &format!("\n{key} = \"{new}\"\n"), 1)
}

/// The `title` of a task file.
fn title_of(task: &str) -> String {
    let line = task.lines().find(|l| l.starts_with("title = ")).unwrap();
    line["title = ".len()..].trim_matches('"').to_string()
}

/// Commit, as `who` signed with their own key, the approval the tools would write: a
/// `[[decision]]` on `revision`/`digest`, the task closed, and the approve message. Nothing is
/// checked, so a forbidden approval is written just like an allowed one.
fn forge_approve(s: &Store, id: &str, who: Who, revision: u32, digest: &str, note: &str) -> String {
    let path = wf_core::Task::path(id);
    let t = read(s, &path);
    let title = title_of(&t);
    let t = set_top(&t, "state", "open", "closed");
    let block = format!(
        "\n[[decision]]\nrevision = {revision}\ndigest = \"{digest}\"\nactor = \"{}\"\n\
         outcome = \"approve\"\nat = \"{DATE_RFC3339}\"\nnote = \"{note}\"\n",
        who.0
    );
    let t = insert_record(&t, &block, &["reopen"]);
    write(s, &path, t.as_bytes());
    let msg = format!(
        "wf: approve {id}: {title}\n\nNote: {note}\n\nWf-Task: {id}\nWf-Action: approve\n\
         Wf-Actor: {}\nWf-Actor-Kind: {}\nWf-Step: approve\nWf-Revision: {revision}\n\
         Wf-Digest: {digest}\n",
        who.0,
        kind(who)
    );
    commit(s, who, Some(who.0), &msg)
}

/// Commit, as `who` signed with their own key, the accept the tools would write for the
/// review step: a `[[review]]` on `revision`/`digest`, the task moved to `next`.
fn forge_accept(
    s: &Store,
    id: &str,
    who: Who,
    revision: u32,
    digest: &str,
    next: &str,
    note: &str,
) -> String {
    let path = wf_core::Task::path(id);
    let t = read(s, &path);
    let title = title_of(&t);
    let t = set_top(&t, "step", "review", next);
    let block = format!(
        "\n[[review]]\nrevision = {revision}\ndigest = \"{digest}\"\nstep = \"review\"\n\
         actor = \"{}\"\nreviewer = \"{}\"\nverdict = \"accept\"\nat = \"{DATE_RFC3339}\"\n\
         note = \"{note}\"\n",
        who.0,
        kind(who)
    );
    let t = insert_record(&t, &block, &["decision", "reopen"]);
    write(s, &path, t.as_bytes());
    let msg = format!(
        "wf: review {id}: {title}\n\nNote: {note}\n\nWf-Task: {id}\nWf-Action: review\n\
         Wf-Actor: {}\nWf-Actor-Kind: {}\nWf-Step: review\nWf-Revision: {revision}\n\
         Wf-Digest: {digest}\nWf-Verdict: accept\n",
        who.0,
        kind(who)
    );
    commit(s, who, Some(who.0), &msg)
}

/// A workflow in which one human writes and the approver approves: the approver may be the
/// producer, which the default workflow (AI-only optimize step) never allows.
const SOLO: &str = "name = \"solo\"\n\n[[step]]\nname = \"define\"\nkind = \"define\"\n\
actor = \"human\"\nroles = [\"requester\"]\n\n[[step]]\nname = \"write\"\nkind = \"produce\"\n\
actor = \"human\"\nroles = []\n\n[[step]]\nname = \"approve\"\nkind = \"approve\"\n\
actor = \"human\"\nroles = []\n";

/// The message of a direct policy change by `who`.
fn policy_message(who: Who) -> String {
    format!(
        "wf: policy change\n\nWf-Action: policy\nWf-Actor: {}\nWf-Actor-Kind: {}\n",
        who.0,
        kind(who)
    )
}

// ---------------------------------------------------------------------------------------------
// Good histories
// ---------------------------------------------------------------------------------------------

#[test]
fn a_good_history_is_accepted_and_verifies_on_the_server_and_in_a_clone() {
    let w = World::new();
    let s = &w.s;
    assert_eq!(w.server_main(), s.head());
    // More work, pushed on top: only the new commits are checked.
    let b = new_task(s, "Second task");
    to_review(s, &b);
    let err = w.accepted(&["push", "origin", "main"]);
    assert!(
        err.contains("remote: verified 4 commits (4 checked, 0 cached, 0 not wf): clean"),
        "{err}"
    );
    assert_eq!(w.server_main(), s.head());

    let (code, out, _) = verify(s, &w.server, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with(": clean\n"), "{out}");
    assert!(out.starts_with("verified 16 commits"), "{out}");
    let clone = s.root.join("clone");
    s.git(&["clone", "-q", w.sp(), clone.to_str().unwrap()]);
    let (code, out, _) = verify(s, &clone, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "verified 16 commits (16 checked, 0 cached, 0 not wf): clean\n"
    );
    let v = verify_json(s, &clone, &[], 0);
    assert_eq!(v["summary"]["clean"], true);
    assert!(v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["ok"] == true));

    let fsck = s.git_output(&["-C", w.sp(), "fsck", "--strict", "--no-progress"], None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert!(fsck.status.success(), "git fsck --strict: {text}");
    assert!(!text.contains("dangling"), "git fsck --strict: {text}");
    // post-receive configured the server so that plain git checks every signature.
    for c in s.commits() {
        let out = s.git_output(&["-C", w.sp(), "verify-commit", &c], None);
        assert!(out.status.success(), "{}", describe(&out));
    }
}

#[test]
fn actions_written_by_hand_exactly_as_the_tools_write_them_are_accepted() {
    // The control for every forgery below: the same hand-made commits, when the rules allow
    // them, are indistinguishable from the tools' own.
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    to_review(s, &b);
    let d1 = digest(s, &b, 1);
    forge_accept(s, &b, BOB, 1, &d1, "optimize", "fine by hand");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    s.call("wf-submit").arg(&b).key(BOT.0).stdin(OPTIMIZED).ok();
    let d2 = digest(s, &b, 2);
    let approval = forge_approve(s, &b, ALICE, 2, &d2, "ship it by hand");
    let err = w.accepted(&["push", "origin", "main"]);
    assert!(err.contains(": clean"), "{err}");
    assert_eq!(w.server_main(), approval);
    let t = s.show(&b);
    assert_eq!(t["approved"], true);
    assert_eq!(t["review"][0]["note"], "fine by hand");
    // The hand-written policy change that later tests build on is accepted too.
    write(s, ".wf/workflows/solo.toml", SOLO.as_bytes());
    commit(s, ALICE, Some("alice"), &policy_message(ALICE));
    w.accepted(&["push", "origin", "main"]);
}

#[test]
fn a_reviewed_and_approved_branch_passes_the_pull_request_check_and_merges() {
    let w = World::new();
    let s = &w.s;
    s.git(&["checkout", "-q", "-b", "feature"]);
    let c = new_task(s, "Feature task");
    to_approve(s, &c);
    s.ok("wf-approve", &[&c, "-m", "ship the feature"], "alice");
    let d2 = digest(s, &c, 2);
    let (code, out, err) = verify(s, &s.repo, &["--base", "main"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "approves {c} revision 2 ({}) by alice: valid\n",
            &d2["sha256:".len()..][..12]
        )),
        "{out}"
    );
    assert!(
        out.ends_with("verified 8 commits (8 checked, 0 cached, 0 not wf): clean\n"),
        "{out}"
    );
    // The PR's JSON carries the approval too.
    let v = verify_json(s, &s.repo, &["--base", "main"], 0);
    let approvals = v["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 1, "{v:#}");
    assert_eq!(approvals[0]["task"], c.as_str());
    assert_eq!(approvals[0]["title"], "Feature task");
    assert_eq!(approvals[0]["revision"], 2);
    assert_eq!(approvals[0]["digest"], d2.as_str());
    assert_eq!(approvals[0]["approver"], "alice");
    assert_eq!(approvals[0]["valid"], true);

    // Main moves on meanwhile; a real merge (unsigned, as git makes it) joins both.
    s.git(&["checkout", "-q", "main"]);
    let d = new_task(s, "Meanwhile on main");
    s.git(&[
        "-c",
        "user.name=Alice A",
        "-c",
        "user.email=alice@example.com",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge branch 'feature'",
        "feature",
    ]);
    let merge = s.head();
    assert_eq!(
        s.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let err = w.accepted(&["push", "origin", "main"]);
    assert!(err.contains(": clean"), "{err}");
    assert_eq!(w.server_main(), merge);
    assert_eq!(s.show(&c)["approved"], true);
    assert_eq!(s.show(&d)["step"], "draft");
    let v = verify_json(s, &w.server, &[], 0);
    let kinds: Vec<&str> = common::column(&v["commits"], "kind");
    assert_eq!(kinds.last(), Some(&"merge"));

    // The whole history, the merge and both lines before it, listed by a child process and
    // judged in worker processes: the same answer, byte for byte, as in one process.
    let answer = |how: &str| {
        let out = s
            .call("wf-verify")
            .args(["--ndjson", "--no-cache", "-j", "2"])
            .env("WF_VERIFY_PROCESSES", how)
            .env("WF_VERIFY_SLICE", "2")
            .run();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let here = answer("never");
    assert_eq!(here.0, Some(0), "{}", here.2);
    assert_eq!(here.1.lines().count(), kinds.len() + 1, "{}", here.1);
    assert_eq!(answer("always"), here);
}

/// A history whose walk cannot be finished (a commit's parent is missing) fails the same way
/// whether the range is listed here or by a child process: no verdict, the failure's exit code,
/// git's reason, and the way around the child.
#[test]
fn a_walk_that_cannot_read_a_parent_fails_in_a_child_process_as_here() {
    let w = World::new();
    let s = &w.s;
    let gone = s.git(&["rev-parse", "HEAD~2"]).trim().to_string();
    let loose = s
        .repo
        .join(".git/objects")
        .join(&gone[..2])
        .join(&gone[2..]);
    std::fs::remove_file(&loose).unwrap();
    let answer = |how: &str| {
        let out = s
            .call("wf-verify")
            .args(["--no-cache", "-j", "2"])
            .env("WF_VERIFY_PROCESSES", how)
            .run();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = answer("never");
    assert!(code.is_some_and(|c| c > 1), "{code:?} {err}");
    assert_eq!(out, "");
    assert!(err.contains(&gone), "{err}");
    let (child_code, out, err) = answer("always");
    assert_eq!(child_code, code, "{err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("wf-verify: listing the range in a child process failed: ")
            && err.contains(&gone)
            && err.contains("hint: WF_VERIFY_PROCESSES=never"),
        "{err}"
    );
}

/// Where a commit-graph's ids (`OIDL`) and commit data (`CDAT`) begin, read off its chunk
/// table, and how many commits it holds.
fn graph_chunks(g: &[u8]) -> (usize, usize, usize) {
    let chunks = g[6] as usize;
    let at = |want: &[u8]| {
        (0..chunks)
            .map(|i| &g[8 + i * 12..8 + i * 12 + 12])
            .find(|e| &e[..4] == want)
            .map(|e| u64::from_be_bytes(e[4..].try_into().unwrap()) as usize)
            .unwrap()
    };
    let (oidf, oidl, cdat) = (at(b"OIDF"), at(b"OIDL"), at(b"CDAT"));
    let count = u32::from_be_bytes(g[oidf + 255 * 4..oidf + 256 * 4].try_into().unwrap());
    (oidl, cdat, count as usize)
}

/// A store with an unsigned action `f` in its history and a signed action `g` on top of it;
/// git's commit-graph written over all of it, then a last action after the graph.
fn graphed_world() -> (World, String, String) {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    let msg = undo(s);
    let f = commit(s, ALICE, None, &msg);
    assert!(f.len() == 40 && b.len() > 2);
    new_task(s, "Third task");
    let g = s.git(&["rev-parse", "HEAD"]).trim().to_string();
    s.git(&["commit-graph", "write", "--reachable"]);
    assert!(s.repo.join(".git/objects/info/commit-graph").is_file());
    // An action the graph does not hold: its parents are read from it, as before.
    new_task(s, "Fourth task");
    (w, f, g)
}

/// `wf-verify --ndjson --no-cache -j 2` in the store, with worker processes `how` (`always`,
/// `never`) and `WF_COMMIT_GRAPH` set to `graph`: exit code, stdout, stderr.
fn verify_listed(s: &Store, how: &str, graph: &str) -> (Option<i32>, String, String) {
    let out = s
        .call("wf-verify")
        .args(["--ndjson", "--no-cache", "-j", "2"])
        .env("WF_VERIFY_PROCESSES", how)
        .env("WF_VERIFY_SLICE", "3")
        .env("WF_COMMIT_GRAPH", graph)
        .run();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// [`verify_listed`] in threads, every commit read (no commit-graph): the unsigned action `f`
/// is reported, exit 1.
fn read_without_graph(s: &Store, f: &str) -> (Option<i32>, String, String) {
    let read = verify_listed(s, "never", "never");
    assert_eq!(read.0, Some(1), "{}", read.2);
    assert!(
        read.1.contains(f) && read.1.contains("unsigned"),
        "{}",
        read.1
    );
    read
}

/// [`verify_listed`] in threads and in worker processes, under each `WF_COMMIT_GRAPH` of
/// `graphs`: every run fails (exit 7) without a clean verdict, its stderr holding each of
/// `phrases`.
fn every_listing_fails(s: &Store, graphs: &[&str], phrases: &[&str]) {
    for how in ["never", "always"] {
        for graph in graphs {
            let (code, out, err) = verify_listed(s, how, graph);
            assert_eq!(code, Some(7), "{how} {graph}: {out} {err}");
            assert!(!out.contains("clean"), "{how} {graph}: {out}");
            for p in phrases {
                assert!(err.contains(p), "{how} {graph}: no {p:?} in {err}");
            }
        }
    }
}

/// A grafts file (git's deprecated `info/grafts`, which libgit2 follows wherever it parses a
/// commit) that gives the signed action `g` the parent of the unsigned `f` would let the walk
/// pass over `f`: the run fails instead, naming the file, in one process and in worker
/// processes, with or without a commit-graph (found by a red-team helper on 2026-12-02: the run
/// was clean). Without the file the unsigned action is reported.
#[test]
fn a_grafts_file_that_hides_a_commit_fails_the_run() {
    let (w, f, g) = graphed_world();
    let s = &w.s;
    let read = read_without_graph(s, &f);
    let before_f = s.git(&["rev-parse", &format!("{f}~1")]).trim().to_string();
    let grafts = s.repo.join(".git/info/grafts");
    std::fs::create_dir_all(grafts.parent().unwrap()).unwrap();
    std::fs::write(&grafts, format!("{g} {before_f}\n")).unwrap();
    every_listing_fails(
        s,
        &["never", "always"],
        &["info/grafts gives commits other parents than their own"],
    );
    // The cache does not help it through either.
    let (code, _, err) = verify(s, &s.repo, &[]);
    assert_eq!(code, 7, "{err}");
    std::fs::remove_file(&grafts).unwrap();
    assert_eq!(verify_listed(s, "always", "always"), read);
}

/// A history listed with git's commit-graph (as `git gc` leaves one), which holds all but
/// its last commit, is judged exactly as when every commit is read: the same reports, byte
/// for byte, the unsigned action among them, in one process and in worker processes.
#[test]
fn a_history_listed_from_git_s_commit_graph_is_judged_as_when_each_commit_is_read() {
    let (w, f, _) = graphed_world();
    let s = &w.s;
    let read = read_without_graph(s, &f);
    for how in ["never", "always"] {
        assert_eq!(verify_listed(s, how, "always"), read, "{how}");
        assert_eq!(verify_listed(s, how, "never"), read, "{how}");
    }
}

/// Rewrite `commit`'s first parent in the store's commit-graph to `parent` (both in the
/// graph); with `resum`, its checksum made again, so that it passes as git's.
fn lie_in_graph(s: &Store, commit: &str, parent: &str, resum: bool) {
    use sha1::Digest;
    use std::os::unix::fs::PermissionsExt;
    let path = s.repo.join(".git/objects/info/commit-graph");
    let mut bytes = std::fs::read(&path).unwrap();
    let (oidl, cdat, count) = graph_chunks(&bytes);
    let pos = |id: &str| {
        let id: Vec<u8> = (0..20)
            .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        (0..count)
            .find(|i| bytes[oidl + i * 20..oidl + i * 20 + 20] == id[..])
            .unwrap()
    };
    let (at, lie) = (pos(commit), pos(parent) as u32);
    let field = cdat + at * 36 + 20;
    bytes[field..field + 4].copy_from_slice(&lie.to_be_bytes());
    if resum {
        let n = bytes.len() - 20;
        let sum = sha1::Sha1::digest(&bytes[..n]);
        bytes[n..].copy_from_slice(&sum);
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&path, &bytes).unwrap();
}

/// An identity for commits made with plumbing, as `git -c` takes it.
const IDENTITY: [&str; 4] = [
    "-c",
    "user.name=Mallory",
    "-c",
    "user.email=mallory@example.com",
];

/// The commit-graph in the form libgit2 reads too (generation numbers of version 1: libgit2
/// takes parents from it in its walks and merge-base searches).
fn graph_for_libgit2(s: &Store) {
    s.git(&[
        "-c",
        "commitGraph.generationVersion=1",
        "commit-graph",
        "write",
        "--reachable",
    ]);
}

/// A replace ref in a clone (the hook refuses them on a server) makes `git log` show another
/// commit in place of the approval the verifier read: the run is judged as before, and says
/// on stderr that git shows something other than what was verified, and how to see that.
#[test]
fn a_replace_ref_in_a_clone_is_named_in_a_warning() {
    let w = World::new();
    let s = &w.s;
    let approval = s.head();
    let before = s.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    let (code, out, err) = verify(s, &s.repo, &["--no-cache"]);
    assert_eq!(code, 0, "{out} {err}");
    assert!(!err.contains("warning"), "{err}");
    s.git(&["replace", &approval, &before]);
    // git names the approval, and shows the commit before it.
    let shown = s.git(&["show", "-s", "--format=%H %B", &approval]);
    let replacement = s.git(&["show", "-s", "--format=%B", &before]);
    assert_eq!(
        shown,
        format!("{approval} {replacement}"),
        "git shows the replacement"
    );
    let (code2, out2, err2) = verify(s, &s.repo, &["--no-cache"]);
    assert_eq!((code2, out2), (code, out));
    assert!(
        err2.contains(&format!(
            "wf-verify: warning: refs/replace/{approval}: git shows another object in place of \
             {approval}, which the verifier read itself (GIT_NO_REPLACE_OBJECTS=1 git log"
        )),
        "{err2}"
    );
}

/// A shallow file (`<git-dir>/shallow`, one commit id a line as git writes it) whose line
/// names a parent too is a graft to libgit2: `g` given the parent of the unsigned `f` would
/// let every walk pass over `f`. The run fails instead, naming the file and the line, in one
/// process and in worker processes, with or without a commit-graph (found by a red-team
/// helper on 2026-12-02: the run was clean). Without the file the unsigned action is reported.
#[test]
fn a_shallow_file_whose_line_names_a_parent_fails_the_run() {
    let (w, f, g) = graphed_world();
    let s = &w.s;
    let read = read_without_graph(s, &f);
    let before_f = s.git(&["rev-parse", &format!("{f}~1")]).trim().to_string();
    let shallow = s.repo.join(".git/shallow");
    std::fs::write(&shallow, format!("{g} {before_f}\n")).unwrap();
    every_listing_fails(
        s,
        &["never", "always"],
        &["shallow line 1:", "is not one commit id"],
    );
    std::fs::remove_file(&shallow).unwrap();
    assert_eq!(verify_listed(s, "always", "always"), read);
}

/// A worktree's own shallow file (`.git/worktrees/<name>/shallow`) cuts the history for
/// libgit2, which reads it, though git reads only the common one: one plain id there made the
/// commit it names a root, the unsigned `f` below it was never listed, and the run in the
/// worktree was clean (found by a second red-team helper on 2026-12-02). The run stops as for
/// a shallow clone (exit 6), in one process and in worker processes; without the file the
/// unsigned action is reported.
#[test]
fn a_worktree_s_own_shallow_file_stops_the_run_as_a_shallow_history() {
    let (w, f, g) = graphed_world();
    let s = &w.s;
    let wt = s.root.join("wt");
    s.git(&["worktree", "add", "-q", "-b", "work", wt.to_str().unwrap()]);
    let in_wt = |how: &str| {
        let out = s
            .call("wf-verify")
            .dir(&wt)
            .args(["--no-cache", "-j", "2"])
            .env("WF_VERIFY_PROCESSES", how)
            .run();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, _) = in_wt("never");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&f[..12]), "{out}");
    let git_dir = s.git(&[
        "-C",
        wt.to_str().unwrap(),
        "rev-parse",
        "--absolute-git-dir",
    ]);
    let shallow = PathBuf::from(git_dir.trim()).join("shallow");
    std::fs::write(&shallow, format!("{g}\n")).unwrap();
    for how in ["never", "always"] {
        let (code, out, err) = in_wt(how);
        assert_eq!(code, Some(6), "{how}: {out} {err}");
        assert!(!out.contains("clean"), "{how}: {out}");
        assert!(
            err.contains(&format!(
                "the history is shallow: the parents of commit {} were not fetched",
                &g[..12]
            )),
            "{how}: {err}"
        );
    }
    std::fs::remove_file(&shallow).unwrap();
    assert_eq!(in_wt("always").0, Some(1));
}

/// An alternates line git and libgit2 read as different folders (`alt/objects`: git takes it
/// from the objects folder, libgit2 from the current directory) let the verifier judge other
/// objects than git showed under the same ids (found by a second red-team helper on
/// 2026-12-02: the run was clean over a history with an unsigned action). Such a line fails
/// the run (exit 7), naming the file and the line, in one process and in worker processes; a
/// line both read alike (an absolute path, or one beginning with `.`) is read as before.
#[test]
fn an_alternates_line_git_and_libgit2_read_apart_fails_the_run() {
    let (w, f, _) = graphed_world();
    let s = &w.s;
    let read = read_without_graph(s, &f);
    let alternates = s.repo.join(".git/objects/info/alternates");
    let spare = s.root.join("spare-objects");
    std::fs::create_dir_all(spare.join("pack")).unwrap();
    for line in ["alt/objects", "\"/tmp/x\"", " /tmp/x"] {
        std::fs::write(&alternates, format!("# objects kept elsewhere\n{line}\n")).unwrap();
        every_listing_fails(
            s,
            &["always"],
            &[
                "alternates line 2:",
                "is read by git and by libgit2 as different folders",
            ],
        );
    }
    for line in [spare.to_str().unwrap(), "../../../spare-objects"] {
        std::fs::write(&alternates, format!("{line}\n")).unwrap();
        assert_eq!(verify_listed(s, "never", "never"), read, "{line}");
    }
}

/// A range that is not one line of parents (its tip merges) is walked by libgit2, which took
/// parents from a commit-graph that lies (checksum made again): `g` said to follow the
/// commit before the unsigned `f`, `f` was never listed and the range was clean (found by a
/// red-team helper on 2026-12-02). The verifier's handles read no commit-graph through
/// libgit2: `f` is judged and reported, in one process and in worker processes, as without
/// the graph.
#[test]
fn a_range_walked_past_a_lying_commit_graph_still_judges_every_commit() {
    let (w, f, g) = graphed_world();
    let s = &w.s;
    let before_f = s.git(&["rev-parse", &format!("{f}~1")]).trim().to_string();
    let head = s.head();
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    let merge = s
        .git(&[
            IDENTITY[0],
            IDENTITY[1],
            IDENTITY[2],
            IDENTITY[3],
            "commit-tree",
            &tree,
            "-p",
            &head,
            "-p",
            &before_f,
            "-m",
            "Merge",
        ])
        .trim()
        .to_string();
    s.git(&["update-ref", "refs/heads/main", &merge]);
    let range = |graph: &str, how: &str| {
        let out = s
            .call("wf-verify")
            .args([
                "--ndjson",
                "--no-cache",
                "-j",
                "2",
                "HEAD",
                "--base",
                &before_f,
            ])
            .env("WF_VERIFY_PROCESSES", how)
            .env("WF_COMMIT_GRAPH", graph)
            .run();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        (out.status.code(), text)
    };
    let (code, honest) = range("never", "never");
    assert_eq!(code, Some(1), "{honest}");
    assert!(
        honest.contains(&f) && honest.contains("unsigned"),
        "{honest}"
    );
    graph_for_libgit2(s);
    lie_in_graph(s, &g, &before_f, true);
    let walked = s.git(&["rev-list", "HEAD", &format!("^{before_f}")]);
    assert!(!walked.contains(&f), "git follows the lie: {walked}");
    for graph in ["never", "always"] {
        for how in ["never", "always"] {
            assert_eq!(range(graph, how), (code, honest.clone()), "{graph} {how}");
        }
    }
}

/// A commit-graph the verifier's own reader refuses (a parent changed, the checksum left as
/// it was) was still read by libgit2's merge-base search: a side branch's commit said to
/// follow main's tip made an unsigned merge that drops main's signed task look as if the
/// side had deleted it, and the run was clean (found by a red-team helper on 2026-12-02).
/// The merge is refused as without the graph, whether the verifier reads the graph or not.
#[test]
fn a_merge_judged_against_a_lying_commit_graph_is_refused_as_without_it() {
    let w = World::new();
    let s = &w.s;
    let fork = s.head();
    let t = new_task(s, "Pay invoice 42");
    let main = s.head();
    // The side changes nothing wf reads; the merge takes the side's tree, without task `t`.
    let docs = s
        .git(&["rev-parse", &format!("{fork}^{{tree}}")])
        .trim()
        .to_string();
    let side = s
        .git(&[
            IDENTITY[0],
            IDENTITY[1],
            IDENTITY[2],
            IDENTITY[3],
            "commit-tree",
            &docs,
            "-p",
            &fork,
            "-m",
            "docs",
        ])
        .trim()
        .to_string();
    let merge = s
        .git(&[
            IDENTITY[0],
            IDENTITY[1],
            IDENTITY[2],
            IDENTITY[3],
            "commit-tree",
            &docs,
            "-p",
            &main,
            "-p",
            &side,
            "-m",
            "Merge branch 'side'",
        ])
        .trim()
        .to_string();
    s.git(&["update-ref", "refs/heads/main", &merge]);
    s.git(&["reset", "-q", "--hard"]);
    let run = |graph: &str| {
        let out = s
            .call("wf-verify")
            .args(["--no-cache"])
            .env("WF_COMMIT_GRAPH", graph)
            .run();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, honest) = run("never");
    assert_eq!(code, Some(1), "{honest}");
    assert!(
        honest.contains(&format!("the merge does not take task {t}")),
        "{honest}"
    );
    graph_for_libgit2(s);
    lie_in_graph(s, &side, &main, false);
    for graph in ["never", "always"] {
        assert_eq!(run(graph), (code, honest.clone()), "{graph}");
    }
}

/// A commit-graph that lies (its checksum made again after a parent was changed, so that it
/// passes as git's) cannot hide a commit: the graph says the signed action `g` follows the
/// commit before the unsigned `f`, which the walk would then never reach; the run fails,
/// naming `g`, the graph and the way around it, in one process and in worker processes.
/// Without the graph the unsigned action is reported.
#[test]
fn a_commit_graph_that_lies_about_a_parent_fails_the_run_instead_of_hiding_a_commit() {
    let (w, f, g) = graphed_world();
    let s = &w.s;
    let before_f = s.git(&["rev-parse", &format!("{f}~1")]).trim().to_string();
    lie_in_graph(s, &g, &before_f, true);
    // git itself now walks past the unsigned action.
    let walked = s.git(&["rev-list", "HEAD"]);
    assert!(!walked.contains(&f), "git follows the lie: {walked}");

    read_without_graph(s, &f);
    let said = format!("commit {g} has the parents {f}, but git's commit-graph gave {before_f}");
    every_listing_fails(s, &["always"], &[&said, "WF_COMMIT_GRAPH=never"]);
}

// ---------------------------------------------------------------------------------------------
// Signatures and identity
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unsigned_action_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    let msg = undo(s);
    let c = commit(s, ALICE, None, &msg);
    w.rejects(&c, &b, "unsigned", "the commit is not signed");
    // Any branch, protected or not: every pushed commit is verified.
    let err = w.refused(&["push", "origin", "main:refs/heads/feature"]);
    assert_one_problem(&err, &c, &b, "unsigned", "the commit is not signed");
}

#[test]
fn a_signature_by_an_unregistered_key_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    let msg = undo(s);
    let c = commit(s, ALICE, Some(MALLORY.0), &msg);
    w.rejects(
        &c,
        &b,
        "unknown-key",
        "signed by a key that no actor held before this commit",
    );
}

#[test]
fn bobs_valid_signature_on_a_commit_that_says_alice_did_it_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    let msg = undo(s);
    let c = commit(s, ALICE, Some(BOB.0), &msg);
    // git itself finds the signature good: it is bob's, and bob is registered.
    s.assert_verifies(&c);
    w.rejects(
        &c,
        &b,
        "wrong-signer",
        "signed by bob's key but Wf-Actor says alice",
    );
}

#[test]
fn a_commit_changed_after_it_was_signed_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0, "-m", "draft it"], "alice");
    let signed = s.head();
    let raw = s.git(&["cat-file", "commit", &signed]);

    // The message: the note says something alice never signed.
    let forged = raw.replace("Note: draft it\n", "Note: draft it, skip the review\n");
    assert_ne!(forged, raw);
    let c = write_raw(s, &forged);
    w.rejects(&c, &b, "bad-signature", "changed after it was signed");

    // The tree: the same signed header and message over another task file.
    let path = wf_core::Task::path(&b);
    let t = read(s, &path);
    write(
        s,
        &path,
        t.replace("to = \"drafter-bot\"", "to = \"bob\"").as_bytes(),
    );
    s.git(&["add", "-A"]);
    let tree = s.git(&["write-tree"]).trim().to_string();
    let old_tree = s.git(&["rev-parse", &format!("{signed}^{{tree}}")]);
    let forged = raw.replace(
        &format!("tree {}", old_tree.trim()),
        &format!("tree {tree}"),
    );
    assert_ne!(forged, raw);
    let c = write_raw(s, &forged);
    w.rejects(&c, &b, "bad-signature", "changed after it was signed");
    // The genuine commit is still accepted.
    s.git(&["reset", "-q", "--hard", &signed]);
    w.accepted(&["push", "origin", "main"]);
}

/// A forged signature by a key that has signed many commits before it: the whole-history run
/// checks it with the key's table (made after 32 checks in a thread, `wf_store::sign`), the
/// hook's short push without one; both refuse it for the same reason, and an honest commit by
/// the same key after as many is accepted by both.
#[test]
fn a_forged_signature_after_many_by_the_same_key_is_refused_as_the_first_would_be() {
    let w = World::new();
    let s = &w.s;
    let before = s.commit_count();
    for i in 0..40 {
        new_task(s, &format!("Task {i}"));
    }
    w.accepted(&["push", "origin", "main"]);
    let b = new_task(s, "One more");
    s.ok("wf-assign", &[&b, "--to", BOT.0, "-m", "draft it"], "alice");
    let signed = s.head();
    assert!(s.commit_count() >= before + 42);
    let raw = s.git(&["cat-file", "commit", &signed]);
    let forged = raw.replace("Note: draft it\n", "Note: draft it, skip the review\n");
    assert_ne!(forged, raw);
    let c = write_raw(s, &forged);
    // The hook judges the push of two commits: alice's key is checked without a table.
    w.rejects(&c, &b, "bad-signature", "changed after it was signed");
    // One thread over the whole history: alice signed over 40 commits before it, so her key
    // has its table.
    let v = verify_json(s, &s.repo, &["-j", "1", "main"], 1);
    let bad = refused_commits(&v);
    assert_eq!(bad.len(), 1, "{v:#}");
    assert_eq!(bad[0]["commit"], c.as_str());
    assert_eq!(bad[0]["problems"][0]["check"], "bad-signature", "{v:#}");
    let whole = bad[0]["problems"][0]["reason"].as_str().unwrap();
    let short = verify_json(s, &s.repo, &["origin/main..main"], 1);
    let short = short["commits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["commit"] == c.as_str())
        .unwrap()["problems"][0]["reason"]
        .clone();
    assert_eq!(whole, short.as_str().unwrap(), "the same reason either way");
    // The genuine commit after them all verifies, in one thread over the whole history too.
    s.git(&["reset", "-q", "--hard", &signed]);
    verify_json(s, &s.repo, &["-j", "1", "main"], 0);
    w.accepted(&["push", "origin", "main"]);
}

// ---------------------------------------------------------------------------------------------
// The human duties: AI actors, producers, digests
// ---------------------------------------------------------------------------------------------

#[test]
fn an_ai_actor_approving_is_refused_by_rule_3() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    to_approve(s, &b);
    s.assert_rule(3, s.call("wf-approve").args([&b, "-m", "lgtm"]).key(BOT.0));
    let d2 = digest(s, &b, 2);
    let c = forge_approve(s, &b, BOT, 2, &d2, "lgtm");
    s.assert_verifies(&c);
    // A pull-request check lists the approval as invalid.
    let (code, out, _) = verify(s, &s.repo, &["--base", "origin/main"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("approves {b}: INVALID (commit {})\n", &c[..12])),
        "{out}"
    );
    w.rejects(
        &c,
        &b,
        "rule 3 (ai-human-duty)",
        "drafter-bot is an AI actor and can never approve",
    );
}

#[test]
fn an_ai_review_counted_as_the_human_review_is_refused_by_rule_3() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    to_review(s, &b);
    s.assert_rule(
        3,
        s.call("wf-review")
            .args([&b, "--accept", "-m", "great"])
            .key(BOT.0),
    );
    let d1 = digest(s, &b, 1);
    let c = forge_accept(s, &b, BOT, 1, &d1, "optimize", "great");
    w.rejects(
        &c,
        &b,
        "rule 3 (ai-human-duty)",
        "can never give the human review of step review",
    );
}

#[test]
fn the_producer_of_a_revision_approving_it_is_refused_by_rule_5() {
    let w = World::new();
    let s = &w.s;
    let solo = s.file("solo.toml", SOLO.as_bytes());
    s.ok("wf-policy", &["set", "--workflow", &solo], "alice");
    let x = s
        .ok(
            "wf-new",
            &["--title", "Written alone", "--workflow", "solo"],
            "alice",
        )
        .trim()
        .to_string();
    s.ok("wf-assign", &[&x, "--to", "alice"], "alice");
    s.call("wf-submit")
        .args([&x, "--name", "memo.md"])
        .key("alice")
        .stdin(b"alice wrote this\n")
        .ok();
    assert_eq!(s.show(&x)["step"], "approve");
    s.assert_rule(
        5,
        s.call("wf-approve").args([&x, "-m", "mine"]).key("alice"),
    );
    let d1 = digest(s, &x, 1);
    let c = forge_approve(s, &x, ALICE, 1, &d1, "mine");
    w.rejects(&c, &x, "rule 5 (no-self-review)", "alice");
}

#[test]
fn an_approval_naming_a_digest_that_is_not_the_current_revision_is_refused_by_rule_6() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    to_approve(s, &b);
    let (d1, d2) = (digest(s, &b, 1), digest(s, &b, 2));
    s.assert_rule(
        6,
        s.call("wf-approve")
            .args([&b, "--digest", &d1["sha256:".len()..], "-m", "ok"])
            .key("alice"),
    );
    // Revision 2, but the bytes of revision 1: the draft alice read, not what is there now.
    let c = forge_approve(s, &b, ALICE, 2, &d1, "ok");
    w.rejects(&c, &b, "rule 6 (digest-binding)", &stale(2, &d1, 2, &d2));
}

// ---------------------------------------------------------------------------------------------
// Approved output stays approved
// ---------------------------------------------------------------------------------------------

/// What the bot's submit of SWAPPED to approved task `a` would write (revision 3 and its file,
/// the approval left in place), committed and signed by the bot. Returns the commit.
fn swapped_submit(s: &Store, a: &str) -> String {
    let path = wf_core::Task::path(a);
    let t = read(s, &path);
    let d3 = s.manifest_digest(&[("draft.md", SWAPPED)]);
    let block = format!(
        "\n[[revision]]\nnumber = 3\nstep = \"approve\"\nactor = \"drafter-bot\"\n\
         producer = \"ai\"\nmodel = \"{MODEL}\"\nat = \"{DATE_RFC3339}\"\ndigest = \"{d3}\"\n\n\
         [[revision.artifacts]]\nname = \"draft.md\"\nsha256 = \"{}\"\nsize = {}\n",
        s.sha256(SWAPPED),
        SWAPPED.len()
    );
    write(
        s,
        &path,
        insert_record(&t, &block, &["review", "decision", "reopen"]).as_bytes(),
    );
    write(
        s,
        &format!("{}out/draft.md", wf_core::Task::dir(a)),
        SWAPPED,
    );
    let msg = format!(
        "wf: submit {a}: Launch announcement\n\nWf-Task: {a}\nWf-Action: submit\n\
         Wf-Actor: drafter-bot\nWf-Actor-Kind: ai\nWf-Step: approve\nWf-Revision: 3\n\
         Wf-Digest: {d3}\nWf-Model: {MODEL}\n"
    );
    commit(s, BOT, Some(BOT.0), &msg)
}

#[test]
fn output_changed_after_approval_without_reopen_is_refused_by_rule_7() {
    let w = World::new();
    let s = &w.s;
    let a = w.a.clone();
    s.assert_rule(7, s.call("wf-submit").arg(&a).key(BOT.0).stdin(SWAPPED));
    let c = swapped_submit(s, &a);
    w.rejects(&c, &a, "rule 7 (closed-task)", "is approved and closed");
}

/// wf-verify reads packed objects with its own pack reader (`wf_store::pack`) and loose ones
/// through libgit2: a history judged loose, then packed by `git gc --aggressive` (long delta
/// chains, the task files and trees as deltas of one another), gets the same verdicts, commit
/// by commit, in the store and on the server.
#[test]
fn a_history_packed_by_git_gc_gets_the_verdicts_it_got_loose() {
    let w = World::new();
    let s = &w.s;
    for title in ["Second task", "Third task", "Fourth task"] {
        let t = new_task(s, title);
        to_review(s, &t);
    }
    w.accepted(&["push", "origin", "main"]);
    // A forgery on top: a new output on the approved task, the approval left in place.
    let a = w.a.clone();
    let c = swapped_submit(s, &a);
    let loose = |dir: &Path| {
        let counts = s.git(&["-C", dir.to_str().unwrap(), "count-objects", "-v"]);
        counts
            .lines()
            .find_map(|l| l.strip_prefix("count: "))
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(loose(&s.repo) > 0);
    let before = verify_json(s, &s.repo, &[], 1);
    let server_before = verify_json(s, &w.server, &[], 0);
    for dir in [&s.repo, &w.server] {
        let d = dir.to_str().unwrap();
        s.git(&["-C", d, "gc", "-q", "--aggressive", "--prune=now"]);
        assert_eq!(loose(dir), 0, "git gc left loose objects in {d}");
    }
    let after = verify_json(s, &s.repo, &[], 1);
    assert_eq!(after, before);
    let bad = refused_commits(&after);
    assert_eq!(bad.len(), 1, "{after:#}");
    assert_eq!(bad[0]["commit"], c.as_str());
    assert_eq!(verify_json(s, &w.server, &[], 0), server_before);
    // The server's hook, on a packed history, still refuses the forgery.
    let err = w.refused(&["push", "origin", "main"]);
    assert_one_problem(
        &err,
        &c,
        &a,
        "rule 7 (closed-task)",
        "is approved and closed",
    );
}

#[test]
fn a_new_revision_with_the_old_approval_kept_is_refused_by_rule_6() {
    let w = World::new();
    let s = &w.s;
    let a = w.a.clone();
    let d2 = digest(s, &a, 2);
    // Reopened and resubmitted, for real: the approval of revision 2 is no longer in force.
    s.ok(
        "wf-approve",
        &[&a, "--reopen", "-m", "legal wants a change"],
        "alice",
    );
    s.call("wf-submit").arg(&a).key(BOT.0).stdin(SWAPPED).ok();
    w.accepted(&["push", "origin", "main"]);
    let d3 = digest(s, &a, 3);
    // Closing it again with the old approval's revision and digest.
    let c = forge_approve(s, &a, ALICE, 2, &d2, "still approved");
    w.rejects(&c, &a, "rule 6 (digest-binding)", &stale(2, &d2, 3, &d3));
}

#[test]
fn output_swapped_under_a_reopen_is_refused_by_rule_8() {
    let w = World::new();
    let s = &w.s;
    let a = w.a.clone();
    s.ok(
        "wf-approve",
        &[&a, "--reopen", "-m", "one more look"],
        "alice",
    );
    let msg = undo(s);
    write(
        s,
        &format!("{}out/draft.md", wf_core::Task::dir(&a)),
        SWAPPED,
    );
    let c = commit(s, ALICE, Some("alice"), &msg);
    w.rejects(
        &c,
        &a,
        "rule 8 (task-scope)",
        "out/ changes without a new revision",
    );
}

#[test]
fn a_task_file_outside_its_shard_is_refused_by_rule_8() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    let msg = undo(s);
    let right = wf_core::Task::path(&b);
    let wrong = format!("tasks/zz/{b}.toml");
    write(s, &wrong, read(s, &right).as_bytes());
    s.git(&["rm", "-q", "--cached", &right]);
    std::fs::remove_file(s.repo.join(&right)).unwrap();
    s.git(&["add", &wrong]);
    let c = commit(s, ALICE, Some("alice"), &msg);
    w.rejects(
        &c,
        &b,
        "rule 8 (task-scope)",
        &format!("{wrong} is not a task file"),
    );
}

// ---------------------------------------------------------------------------------------------
// Trailers, task files, scope
// ---------------------------------------------------------------------------------------------

#[test]
fn trailers_that_say_review_on_a_commit_that_changes_the_approval_are_refused() {
    let w = World::new();
    let s = &w.s;
    let a = w.a.clone();
    let review = s
        .git(&["log", "--format=%H", "--grep=^Wf-Action: review$", "-n1"])
        .trim()
        .to_string();
    let msg = message_of(s, &review);
    let path = wf_core::Task::path(&a);
    let t = read(s, &path);
    let d1 = digest(s, &a, 1);
    let d2 = digest(s, &a, 2);
    // The decision now approves revision 1's bytes.
    let forged = t.replace(
        &format!("revision = 2\ndigest = \"{d2}\"\nactor = \"alice\""),
        &format!("revision = 1\ndigest = \"{d1}\"\nactor = \"alice\""),
    );
    assert_ne!(forged, t);
    write(s, &path, forged.as_bytes());
    let c = commit(s, BOB, Some(BOB.0), &msg);
    w.rejects(
        &c,
        &a,
        "mismatch",
        "says review, but the task file records no new review",
    );
}

/// Alice edits task A's approval note by hand and commits it as an ordinary (signed) commit:
/// a change to a task file without a wf action. Returns the commit.
fn hand_edit_of_a(w: &World) -> String {
    let s = &w.s;
    let path = wf_core::Task::path(&w.a);
    write(
        s,
        &path,
        read(s, &path)
            .replace("note = \"ship it\"", "note = \"ship it, carol agreed\"")
            .as_bytes(),
    );
    commit(s, ALICE, Some("alice"), "Fix the approval note\n")
}

#[test]
fn a_hand_edited_task_file_in_an_ordinary_commit_is_refused() {
    let w = World::new();
    let a = w.a.clone();
    let c = hand_edit_of_a(&w);
    w.rejects(&c, &a, "not-an-action", "but carries no Wf-Action trailer");
}

/// The hook in worker processes (as a long push on many cores runs it): the pushed objects sit
/// in git's quarantine while the hook runs, and the workers, started with the hook's
/// environment, read them there. The same verdicts, word for word, as in threads.
#[test]
fn a_push_is_judged_in_worker_processes_as_in_threads() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "A second task");
    s.ok("wf-assign", &[&b, "--to", "drafter-bot"], "alice");
    let c = hand_edit_of_a(&w);
    let push = |how: &str, renew: &str| {
        // Each push judged afresh: the clean commits of a refused push are still cached.
        for f in std::fs::read_dir(&w.server).unwrap() {
            let f = f.unwrap().path();
            if f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("wf-verified-")
            {
                std::fs::remove_file(f).unwrap();
            }
        }
        let before = w.refs();
        let out = s
            .command("git")
            .args(["push", "origin", "main"])
            .env("WF_VERIFY_PROCESSES", how)
            .env("WF_VERIFY_RENEW", renew)
            .output()
            .unwrap();
        assert_eq!(
            w.refs(),
            before,
            "{how}: a refused push moved the server's refs"
        );
        assert!(!out.status.success(), "{how}");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("remote: "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let threads = push("never", "");
    assert_eq!(push("always", ""), threads);
    // In the hook's own process with a fresh handle after every commit: the hook's handle on
    // the quarantined objects is set aside while they are judged, and the verdict is the same.
    assert_eq!(push("never", "1"), threads);
    assert!(
        threads
            .iter()
            .any(|l| l.contains(&c[..12]) && l.contains("not-an-action")),
        "{threads:?}"
    );
    assert!(
        threads
            .iter()
            .any(|l| l.contains("verified 3 commits (3 checked")),
        "{threads:?}"
    );
    // Without the bad commit, the push lands, judged in processes.
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let out = s
        .command("git")
        .args(["push", "origin", "main"])
        .env("WF_VERIFY_PROCESSES", "always")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(w.server_main(), s.head());
}

/// A push whose commits are dated years before the server's tip (a client clock behind): the
/// range is read back from the pushed tip, not walked by date, and every pushed commit is
/// judged, the forged one among them: on a line of single parents, and through a merge (which
/// leaves the range to libgit2's walk).
#[test]
fn a_push_dated_before_the_servers_tip_is_judged_whole() {
    let w = World::new();
    let s = &w.s;
    let past = "@1000000000 +0000";
    let old_clock = |tool: &str, args: &[&str]| {
        s.call(tool)
            .args(args)
            .key("alice")
            .env("GIT_COMMITTER_DATE", past)
            .env("GIT_AUTHOR_DATE", past)
            .ok()
            .trim()
            .to_string()
    };
    let b = old_clock("wf-new", &["--title", "Written on an old clock"]);
    let c = hand_edit_of_a(&w);
    old_clock("wf-assign", &[&b, "--to", "drafter-bot"]);
    // Both actions carry the old clock; the server's tip is years newer.
    for rev in ["HEAD", "HEAD~2"] {
        assert_eq!(
            s.git(&["log", "-1", "--format=%ct", rev]).trim(),
            "1000000000"
        );
    }
    let err = w.refused(&["push", "origin", "main"]);
    assert_one_problem(
        &err,
        &c,
        &w.a,
        "not-an-action",
        "but carries no Wf-Action trailer",
    );
    assert!(
        err.contains("remote: verified 3 commits (3 checked"),
        "{err}"
    );

    // The same commits under a merge of a side line: libgit2's walk, the same verdict.
    let side = s.git(&["rev-parse", "origin/main"]).trim().to_string();
    s.git(&["checkout", "-q", "-b", "side", &side]);
    old_clock("wf-new", &["--title", "On the side"]);
    s.git(&["checkout", "-q", "main"]);
    let out = s.git_output(
        &[
            "-c",
            "user.name=Alice",
            "-c",
            "user.email=alice@example.com",
            "merge",
            "-q",
            "--no-ff",
            "--no-edit",
            "side",
        ],
        None,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let err = w.refused(&["push", "origin", "main"]);
    assert!(
        problems(&err)
            .iter()
            .any(|l| l.contains(&c[..12]) && l.contains("not-an-action")),
        "{err}"
    );
    // (The clean commits of the refused push above are in the server's cache now.)
    assert!(err.contains("remote: verified 5 commits ("), "{err}");
}

#[test]
fn a_commit_touching_two_tasks_is_refused_by_rule_8() {
    let w = World::new();
    let s = &w.s;
    let a = w.a.clone();
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    let msg = undo(s);
    write(
        s,
        &format!("{}out/draft.md", wf_core::Task::dir(&a)),
        SWAPPED,
    );
    let c = commit(s, ALICE, Some("alice"), &msg);
    let mut ids = [a.as_str(), b.as_str()];
    ids.sort();
    w.rejects(
        &c,
        &b,
        "rule 8 (task-scope)",
        &format!("the commit changes 2 tasks: {}, {}", ids[0], ids[1]),
    );
}

#[test]
fn malformed_toml_in_a_task_file_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    let msg = undo(s);
    let path = wf_core::Task::path(&b);
    write(
        s,
        &path,
        format!("{}\n[[assignment]\n", read(s, &path)).as_bytes(),
    );
    let c = commit(s, ALICE, Some("alice"), &msg);
    w.rejects(
        &c,
        &b,
        "malformed",
        &format!("{} after:", wf_core::Task::path(&b)),
    );
}

#[test]
fn an_unknown_field_in_a_task_file_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    let msg = undo(s);
    let path = wf_core::Task::path(&b);
    let t = read(s, &path).replacen(
        "\ncreated_by = ",
        "\napproved_in_advance = true\ncreated_by = ",
        1,
    );
    write(s, &path, t.as_bytes());
    let c = commit(s, ALICE, Some("alice"), &msg);
    w.rejects(&c, &b, "malformed", "unknown field `approved_in_advance`");
}

#[test]
fn a_duplicate_signature_header_and_an_unknown_header_are_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    let signed = s.head();
    let raw = s.git(&["cat-file", "commit", &signed]);
    let (head, msg) = raw.split_once("\n\n").unwrap();
    let sig = &head[head.find("gpgsig ").unwrap()..];
    let forged = format!("{head}\n{sig}\n\n{msg}");
    let c = write_raw(s, &forged);
    w.rejects(&c, "-", "malformed", "the commit has two gpgsig headers");
    let forged = format!("{head}\nencoding ISO-8859-1\n\n{msg}");
    let c = write_raw(s, &forged);
    w.rejects(&c, "-", "malformed", "unknown commit header \"encoding\"");
    s.git(&["update-ref", "refs/heads/main", &signed]);
    w.accepted(&["push", "origin", "main"]);
}

// ---------------------------------------------------------------------------------------------
// Policy: actors and workflows
// ---------------------------------------------------------------------------------------------

#[test]
fn a_commit_that_registers_its_own_key_and_uses_it_in_the_same_push_is_refused() {
    let w = World::new();
    let s = &w.s;
    // What alice's wf-actor add would commit, but signed by mallory, naming mallory.
    s.ok(
        "wf-actor",
        &[
            "add",
            MALLORY.0,
            "--kind",
            "human",
            "--name",
            MALLORY.1,
            "--email",
            MALLORY.2,
            "--pubkey",
            &s.pubkey(MALLORY.0),
            "--role",
            "requester",
            "--role",
            "admin",
        ],
        "alice",
    );
    let msg = undo(s).replace("Wf-Actor: alice\n", "Wf-Actor: mallory\n");
    let add = commit(s, MALLORY, Some(MALLORY.0), &msg);
    // From here on the tools (which trust the branch tip) let mallory act.
    let own = s.ok("wf-new", &["--title", "Mallory's own"], MALLORY.0);
    assert!(own.starts_with("T-"), "{own}");
    w.rejects(
        &add,
        "-",
        "unknown-key",
        "signed by a key that no actor held before this commit",
    );
}

#[test]
fn a_non_admin_raising_someones_role_is_refused_by_rule_11() {
    let w = World::new();
    let s = &w.s;
    s.ok(
        "wf-actor",
        &["update", CAROL.0, "--add-role", "admin"],
        "alice",
    );
    let msg = undo(s);
    assert!(msg.starts_with("wf: actor update carol\n"), "{msg}");
    let c = commit(
        s,
        BOB,
        Some(BOB.0),
        &msg.replace("Wf-Actor: alice\n", "Wf-Actor: bob\n"),
    );
    w.rejects(
        &c,
        "-",
        "rule 11 (admin-only)",
        "bob is not an admin and may not change .wf/",
    );
}

/// The default workflow without the step named `step` (its `[[step]]` block cut out).
fn default_without(s: &Store, step: &str) -> String {
    let text = read(s, ".wf/workflows/default.toml");
    let start = text.find(&format!("[[step]]\nname = \"{step}\"")).unwrap();
    let end = text[start + 1..]
        .find("[[step]]")
        .map_or(text.len(), |i| start + 1 + i);
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn a_non_admin_editing_a_workflow_is_refused_by_rule_11() {
    let w = World::new();
    let s = &w.s;
    // Without its human review the workflow is still valid: an admin may do this.
    let lax = default_without(s, "review");
    let f = s.file("lax.toml", lax.as_bytes());
    s.assert_rule(
        11,
        s.call("wf-policy")
            .args(["set", "--workflow", &f])
            .key("bob"),
    );
    s.ok("wf-policy", &["set", "--workflow", &f], "alice");
    let msg = undo(s).replace("Wf-Actor: alice\n", "Wf-Actor: bob\n");
    let c = commit(s, BOB, Some(BOB.0), &msg);
    w.rejects(
        &c,
        "-",
        "rule 11 (admin-only)",
        "bob is not an admin and may not change .wf/",
    );
}

#[test]
fn a_workflow_edited_by_a_non_admin_to_drop_the_human_approval_step_is_refused() {
    let w = World::new();
    let s = &w.s;
    write(
        s,
        ".wf/workflows/default.toml",
        default_without(s, "approve").as_bytes(),
    );
    let c = commit(s, BOB, Some(BOB.0), &policy_message(BOB));
    // spec/rules.md: decide_policy first requires the new files to validate (rule 12), then an
    // admin signer (rule 11); a workflow without its human approval step is not a workflow.
    w.rejects(&c, "-", "rule 12 (bad-input)", ".wf/workflows/default.toml");
}

// ---------------------------------------------------------------------------------------------
// Merges and history
// ---------------------------------------------------------------------------------------------

#[test]
fn a_merge_that_sneaks_in_a_change_neither_parent_had_is_refused() {
    let w = World::new();
    let s = &w.s;
    s.git(&["checkout", "-q", "-b", "side"]);
    new_task(s, "On the side");
    s.git(&["checkout", "-q", "main"]);
    new_task(s, "On main");
    s.git(&[
        "-c",
        "user.name=Alice A",
        "-c",
        "user.email=alice@example.com",
        "merge",
        "-q",
        "--no-ff",
        "--no-commit",
        "side",
    ]);
    // mallory's key slipped into the actors in the merge itself.
    let actors = read(s, ".wf/actors.toml");
    let pubkey = std::fs::read_to_string(s.pubkey(MALLORY.0)).unwrap();
    let key = pubkey
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let sneaked = actors.replacen("keys = [\"", &format!("keys = [\"{key} alice\", \""), 1);
    assert_ne!(sneaked, actors);
    write(s, ".wf/actors.toml", sneaked.as_bytes());
    s.git(&["add", "-A"]);
    s.git(&[
        "-c",
        "user.name=Alice A",
        "-c",
        "user.email=alice@example.com",
        "commit",
        "-q",
        "-m",
        "Merge branch 'side'",
    ]);
    let merge = s.head();
    w.rejects(
        &merge,
        "-",
        "merge",
        "the merge changes .wf/, which no parent changed",
    );
}

#[test]
fn a_force_push_rewriting_an_approved_task_and_deleting_main_are_refused() {
    let w = World::new();
    let s = &w.s;
    let approved = w.server_main();
    // Rewrite: the approval replaced by a (perfectly valid) rejection.
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    s.ok("wf-approve", &[&w.a, "--reject", "-m", "not yet"], "alice");
    let err = w.refused(&["push", "--force", "origin", "main"]);
    assert!(
        err.contains(
            "remote: wf-hook: history: refs/heads/main: non-fast-forward update of a protected branch"
        ),
        "{err}"
    );
    assert!(
        problems(&err).is_empty(),
        "the new commit itself is clean: {err}"
    );
    let err = w.refused(&["push", "origin", "--delete", "main"]);
    assert!(
        err.contains("remote: wf-hook: history: refs/heads/main: deleting a protected branch"),
        "{err}"
    );
    assert_eq!(w.server_main(), approved);

    // --protect adds a branch; other branches may be rewritten and deleted.
    let out = s
        .call("wf-hook")
        .args(["install", "-C", w.sp(), "--protect", "release"])
        .ok();
    assert!(
        out.ends_with("protected: refs/heads/main, refs/heads/release\n"),
        "{out}"
    );
    w.accepted(&["push", "origin", "origin/main:refs/heads/release"]);
    w.accepted(&["push", "origin", "origin/main:refs/heads/scratch"]);
    let err = w.refused(&["push", "--force", "origin", "main:refs/heads/release"]);
    assert!(
        err.contains("history: refs/heads/release: non-fast-forward update"),
        "{err}"
    );
    let err = w.refused(&["push", "origin", "--delete", "release"]);
    assert!(
        err.contains("history: refs/heads/release: deleting a protected branch"),
        "{err}"
    );
    w.accepted(&["push", "--force", "origin", "main:refs/heads/scratch"]);
    w.accepted(&["push", "origin", "--delete", "scratch"]);
    assert_eq!(w.server_main(), approved);
}

// ---------------------------------------------------------------------------------------------
// The hooks themselves
// ---------------------------------------------------------------------------------------------

#[test]
fn hook_install_is_idempotent_and_keeps_a_foreign_hook_unless_forced() {
    let s = Store::new();
    let server = s.root.join("srv.git");
    let sp = server.to_str().unwrap();
    s.git(&["init", "-q", "--bare", "-b", "main", sp]);
    let hooks = server.join("hooks");
    let (pre, post) = (hooks.join("pre-receive"), hooks.join("post-receive"));
    let install = |force: bool| {
        let mut c = s.call("wf-hook").args(["install", "-C", sp]);
        if force {
            c = c.arg("--force");
        }
        c.run()
    };
    let out = install(false);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "installed {}\ninstalled {}\nset receive.fsckObjects = true\nprotected: refs/heads/main\n",
            pre.display(),
            post.display()
        )
    );
    // git itself checks pushed objects too (defence in depth; the verifier does not rely on it).
    let fsck = s.git(&["-C", sp, "config", "--bool", "receive.fsckObjects"]);
    assert_eq!(fsck.trim(), "true");
    let script = std::fs::read_to_string(&pre).unwrap();
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(script.contains(common::bin("wf-hook")), "{script}");
    assert!(script.contains("run pre-receive"), "{script}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&pre).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "the hook is executable");

    let out = install(false);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "unchanged {}\nunchanged {}\nprotected: refs/heads/main\n",
            pre.display(),
            post.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&pre).unwrap(), script);

    let foreign = "#!/bin/sh\necho 'the CI hook'\n";
    std::fs::write(&pre, foreign).unwrap();
    let out = install(false);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{} exists and is not wf's", pre.display())),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&pre).unwrap(), foreign, "kept");

    let out = install(true);
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "replaced {}\nunchanged {}\n",
            pre.display(),
            post.display()
        )),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&pre).unwrap(), script);
    let old = hooks.join("pre-receive.wf-old");
    assert_eq!(std::fs::read_to_string(old).unwrap(), foreign);

    // A clone gets the pre-push hook only.
    let out = s.call("wf-hook").arg("install").ok();
    let push = s.repo.join(".git/hooks/pre-push");
    assert_eq!(
        out,
        format!("installed {}\nprotected: refs/heads/main\n", push.display())
    );
    assert!(std::fs::read_to_string(push)
        .unwrap()
        .contains("run pre-push"));
}

#[test]
fn the_pre_push_hook_refuses_a_bad_commit_before_it_leaves_the_clone() {
    let w = World::new();
    let s = &w.s;
    let clone = s.root.join("clone");
    s.git(&["clone", "-q", w.sp(), clone.to_str().unwrap()]);
    let out = s.call("wf-hook").arg("install").dir(&clone).ok();
    assert!(out.starts_with("installed "), "{out}");
    let push = |args: &[&str]| s.git_at(&clone, args, &[], None);
    // Good work leaves: both hooks agree.
    let b = s
        .call("wf-new")
        .args(["--title", "From the clone"])
        .key("alice")
        .dir(&clone)
        .ok()
        .trim()
        .to_string();
    let out = push(&["push", "origin", "main"]);
    assert!(out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines()
            .any(|l| l.starts_with("verified 1 commit (1 checked")),
        "pre-push spoke: {err}"
    );
    assert!(
        err.contains("remote: verified 1 commit"),
        "pre-receive spoke: {err}"
    );

    // A hand edit of the approved task does not.
    let path = clone.join(wf_core::Task::path(&w.a));
    let t = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        t.replace("note = \"ship it\"", "note = \"ship it twice\""),
    )
    .unwrap();
    let bad = commit_at(s, &clone, ALICE, Some("alice"), "Reword the approval\n");
    let before = w.refs();
    let out = push(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{}", describe(&out));
    assert_one_problem(
        &err,
        &bad,
        &w.a,
        "not-an-action",
        "but carries no Wf-Action trailer",
    );
    assert!(err.contains("\nwf-hook: push refused: 1 problem"), "{err}");
    assert!(err.contains("failed to push some refs"), "{err}");
    assert!(
        !err.contains("remote:"),
        "the server was never asked: {err}"
    );
    assert_eq!(w.refs(), before);
    let seen = s.git_output(&["-C", w.sp(), "cat-file", "-e", &bad], None);
    assert!(!seen.status.success(), "the server has the bad commit");
    let shown = json(&s.call("wf-show").args([&b, "--json"]).dir(&w.server).ok());
    assert_eq!(shown["title"], "From the clone", "the good push landed");
}

#[test]
fn post_receive_refreshes_the_servers_allowed_signers_after_a_pushed_actor_change() {
    let w = World::new();
    let s = &w.s;
    let signers = w.server.join("wf-allowed-signers");
    let mallory_key = std::fs::read_to_string(s.pubkey(MALLORY.0)).unwrap();
    let mallory_key = mallory_key.split_whitespace().nth(1).unwrap().to_string();
    let before = std::fs::read_to_string(&signers).unwrap();
    assert!(before.contains("alice@example.com"), "{before}");
    assert!(!before.contains(&mallory_key), "{before}");
    let cfg = s.git(&["-C", w.sp(), "config", "gpg.ssh.allowedSignersFile"]);
    assert_eq!(cfg.trim(), signers.to_str().unwrap());

    s.ok(
        "wf-actor",
        &[
            "add",
            MALLORY.0,
            "--kind",
            "human",
            "--name",
            MALLORY.1,
            "--email",
            MALLORY.2,
            "--pubkey",
            &s.pubkey(MALLORY.0),
            "--role",
            "requester",
        ],
        "alice",
    );
    w.accepted(&["push", "origin", "main"]);
    let after = std::fs::read_to_string(&signers).unwrap();
    assert_eq!(after, read(s, ".wf/allowed_signers"));
    assert!(
        after.contains(&format!(
            "mallory@example.com namespaces=\"git\" ssh-ed25519 {mallory_key}"
        )),
        "{after}"
    );
    s.ok("wf-new", &["--title", "Mallory's first"], MALLORY.0);
    let mine = s.head();
    w.accepted(&["push", "origin", "main"]);
    let out = s.git_output(&["-C", w.sp(), "verify-commit", &mine], None);
    assert!(out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Good \"git\" signature for mallory@example.com"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// wf-verify's report
// ---------------------------------------------------------------------------------------------

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn wf_verify_json_reports_every_commit_its_problems_and_the_approvals() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    to_approve(s, &b);
    let d2 = digest(s, &b, 2);
    let ai = forge_approve(s, &b, BOT, 2, &d2, "lgtm");
    write(s, "README.md", b"# Our store\n");
    let readme = commit(s, ALICE, None, "Add a README\n");
    let path = wf_core::Task::path(&w.a);
    write(
        s,
        &path,
        read(s, &path).replace("ship it", "ship").as_bytes(),
    );
    let unsigned = commit(s, ALICE, None, "Tidy\n");

    let v = verify_json(s, &s.repo, &[], 1);
    assert_eq!(
        keys(&v),
        ["approvals", "commits", "range", "schema", "summary"]
    );
    assert_eq!(v["schema"], "wf.verify/1");
    assert_eq!(v["range"]["include"], serde_json::json!([s.head()]));
    assert_eq!(v["range"]["exclude"], serde_json::json!([]));
    let commits = v["commits"].as_array().unwrap();
    let mut oldest_first = s.commits();
    oldest_first.reverse();
    assert_eq!(common::column(&v["commits"], "commit"), oldest_first);
    for c in commits {
        assert_eq!(
            keys(c),
            ["action", "actor", "commit", "kind", "ok", "problems", "task"],
            "{c}"
        );
        assert_eq!(c["ok"], c["problems"].as_array().unwrap().is_empty());
    }
    let by = |oid: &str| commits.iter().find(|c| c["commit"] == oid).unwrap();
    let init = &commits[0];
    assert_eq!(init["kind"], "policy");
    assert_eq!(init["action"], "init");
    assert_eq!(init["actor"], "alice");
    assert_eq!(init["task"], Value::Null);
    let c = by(&ai);
    assert_eq!(c["kind"], "task");
    assert_eq!(c["action"], "approve");
    assert_eq!(c["actor"], "drafter-bot");
    assert_eq!(c["task"], b.as_str());
    assert_eq!(c["ok"], false);
    let p = &c["problems"][0];
    assert_eq!(keys(p), ["check", "reason", "rule"]);
    assert_eq!(p["check"], "rule-3");
    assert_eq!(p["rule"], 3);
    assert!(
        p["reason"].as_str().unwrap().contains("can never approve"),
        "{p}"
    );
    let c = by(&readme);
    assert_eq!(c["kind"], "skipped");
    assert_eq!(c["ok"], true);
    assert_eq!(c["action"], Value::Null);
    let c = by(&unsigned);
    assert_eq!(c["kind"], "task");
    assert_eq!(c["task"], w.a.as_str());
    assert_eq!(c["actor"], Value::Null);
    assert_eq!(c["problems"][0]["check"], "unsigned");
    assert_eq!(c["problems"][0]["rule"], Value::Null);
    assert!(c["problems"][0]["reason"]
        .as_str()
        .unwrap()
        .contains(&format!(
            "changes {path} but is neither signed nor a wf action"
        )));

    let approvals = v["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2, "{v:#}");
    for a in approvals {
        assert_eq!(
            keys(a),
            [
                "approver",
                "commit",
                "digest",
                "reopened_by",
                "revision",
                "task",
                "title",
                "valid"
            ]
        );
    }
    assert_eq!(approvals[0]["task"], w.a.as_str());
    assert_eq!(approvals[0]["title"], "Launch announcement");
    assert_eq!(approvals[0]["revision"], 2);
    assert_eq!(approvals[0]["digest"], digest(s, &w.a, 2).as_str());
    assert_eq!(approvals[0]["approver"], "alice");
    assert_eq!(approvals[0]["valid"], true);
    assert_eq!(approvals[1]["commit"], ai.as_str());
    assert_eq!(approvals[1]["task"], b.as_str());
    assert_eq!(approvals[1]["approver"], "drafter-bot");
    assert_eq!(approvals[1]["valid"], false);
    assert_eq!(approvals[1]["title"], Value::Null);
    assert_eq!(approvals[1]["revision"], Value::Null);

    let n = oldest_first.len();
    assert_eq!(
        v["summary"],
        serde_json::json!({"commits": n, "checked": n - 1, "cached": 0, "skipped": 1,
            "problems": 2, "bad_commits": 2, "clean": false})
    );

    // The human form: the problem lines, then the approvals, then the summary.
    let (code, out, err) = verify(s, &s.repo, &["--no-cache", "--approvals"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].starts_with(&format!("{} {b} rule 3 (ai-human-duty): ", &ai[..12])));
    assert!(lines[1].starts_with(&format!("{} {} unsigned: ", &unsigned[..12], w.a)));
    assert!(
        lines[2].starts_with(&format!("approves {} revision 2 (", w.a)),
        "{out}"
    );
    assert_eq!(
        lines[3],
        format!("approves {b}: INVALID (commit {})", &ai[..12])
    );
    assert_eq!(
        lines[4],
        format!(
            "verified {n} commits ({} checked, 0 cached, 1 not wf): 2 problems in 2 commits",
            n - 1
        )
    );
    assert!(
        err.starts_with("wf-verify: 2 problems in 2 commits\nhint: "),
        "{err}"
    );

    // --ndjson: one object per commit, then the summary with the approvals.
    let out = s.call("wf-verify").args(["--ndjson", "--no-cache"]).run();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(lines.len(), n + 1);
    lines.iter().for_each(schema::check);
    assert!(lines[..n]
        .iter()
        .all(|l| l["schema"] == "wf.verify.commit/1"));
    assert_eq!(lines[n]["schema"], "wf.verify.summary/1");
    assert_eq!(lines[n]["problems"], 2);
    assert_eq!(lines[n]["approvals"].as_array().unwrap().len(), 2);

    // Worker processes (a long range on many cores) answer as threads do, byte for byte:
    // problems, approvals, cached commits described, exit codes, the cache they leave.
    verify(s, &s.repo, &[]);
    for args in [
        &["--json", "--no-cache"][..],
        &["--ndjson", "--no-cache"],
        &["--no-cache", "--approvals"],
        &["--json"],
        &["--approvals"],
        &[],
    ] {
        let answer = |how: &str, jobs: &str, slice: &str, renew: &str| {
            let out = s
                .call("wf-verify")
                .args(args)
                .args(["-j", jobs])
                .env("WF_VERIFY_PROCESSES", how)
                .env("WF_VERIFY_SLICE", slice)
                .env("WF_VERIFY_RENEW", renew)
                .run();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        };
        let threads = answer("never", "3", "", "");
        assert_eq!(threads.0, Some(1), "{args:?}: {}", threads.2);
        // Slices of at most 1, 3 or 5 commits: more slices than workers, each in a fresh
        // process, read back in order. A fresh repository handle after every 1 or 2 commits,
        // caches kept, in threads and in processes.
        for (how, jobs, slice, renew) in [
            ("always", "1", "", ""),
            ("always", "2", "3", ""),
            ("always", "3", "1", ""),
            ("always", "2", "5", "2"),
            ("always", "40", "", ""),
            ("never", "2", "", "1"),
            ("never", "1", "", "1"),
            ("always", "1", "", "1"),
        ] {
            assert_eq!(
                answer(how, jobs, slice, renew),
                threads,
                "{args:?} {how} -j {jobs}, slices of {slice}, renewed after {renew}"
            );
        }
    }
}

#[test]
fn clean_commits_are_cached_and_no_cache_checks_them_again() {
    let w = World::new();
    let s = &w.s;
    let git_dir = s.repo.join(".git");
    let cache_file = || {
        std::fs::read_dir(&git_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("wf-verified-")
            })
    };
    assert_eq!(cache_file(), None);
    let run = |args: &[&str]| verify(s, &s.repo, args);
    let (code, out, _) = run(&[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "verified 12 commits (12 checked, 0 cached, 0 not wf): clean\n"
        )
    );
    let file = cache_file().expect("a cache file");
    let cached = std::fs::read_to_string(&file).unwrap();
    // One line per clean commit with the kind it was judged as: policy actions and task
    // actions here.
    let mut lines: Vec<&str> = cached
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    lines.sort_unstable();
    let mut all = s.commits();
    all.sort();
    assert_eq!(lines, all);
    assert!(
        cached
            .lines()
            .all(|l| l.ends_with(" policy") || l.ends_with(" task")),
        "{cached}"
    );

    let (code, out, _) = run(&[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "verified 12 commits (0 checked, 12 cached, 0 not wf): clean\n"
        )
    );
    let v = verify_json(s, &s.repo, &[], 0);
    assert_eq!(
        v["summary"]["checked"], 12,
        "--no-cache judges every commit"
    );
    let out = s.call("wf-verify").arg("--json").ok();
    let v = json(&out);
    assert!(common::column(&v["commits"], "kind")
        .iter()
        .all(|k| *k == "cached"));
    assert_eq!(v["summary"]["cached"], 12);
    let (code, out, _) = run(&["--no-cache"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "verified 12 commits (12 checked, 0 cached, 0 not wf): clean\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        cached,
        "--no-cache leaves the cache alone"
    );

    // A new good commit is checked once; a bad one is never cached.
    let b = new_task(s, "Second task");
    let path = wf_core::Task::path(&b);
    write(
        s,
        &path,
        read(s, &path)
            .replace("Second task", "Third task")
            .as_bytes(),
    );
    let bad = commit(s, ALICE, None, "Retitle\n");
    let (code, out, err) = run(&[]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("{} {b} unsigned: ", &bad[..12])),
        "{out}"
    );
    assert!(
        out.ends_with(
            "verified 14 commits (2 checked, 12 cached, 0 not wf): 1 problem in 1 commit\n"
        ),
        "{out}"
    );
    assert!(
        err.starts_with("wf-verify: 1 problem in 1 commit\n"),
        "{err}"
    );
    let (code, out, _) = run(&[]);
    assert_eq!(code, 1);
    assert!(
        out.ends_with(
            "verified 14 commits (1 checked, 13 cached, 0 not wf): 1 problem in 1 commit\n"
        ),
        "{out}"
    );

    // The server's hook kept a cache of its own: only new commits cost anything there.
    let (code, out, _) = verify(s, &w.server, &[]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "verified 12 commits (0 checked, 12 cached, 0 not wf): clean\n"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Bugs found while writing these tests (see the report of the verifier issue)
// ---------------------------------------------------------------------------------------------

// Cached commits keep their approvals: a second run of the same pull-request check (its commits
// now in the cache of clean commits) still lists every approval, in text and JSON.
#[test]
fn a_second_pull_request_check_still_lists_the_approvals() {
    let w = World::new();
    let s = &w.s;
    s.git(&["checkout", "-q", "-b", "feature"]);
    let c = new_task(s, "Feature task");
    to_approve(s, &c);
    s.ok("wf-approve", &[&c, "-m", "ship the feature"], "alice");
    let want = format!(
        "approves {c} revision 2 ({}) by alice: valid\n",
        &digest(s, &c, 2)[7..19]
    );
    let (code, first, _) = verify(s, &s.repo, &["--base", "main"]);
    assert_eq!(code, 0, "{first}");
    assert!(first.contains(&want), "{first}");
    let (code, second, _) = verify(s, &s.repo, &["--base", "main"]);
    assert_eq!(code, 0, "{second}");
    assert!(
        second.contains(&want),
        "the second run lost the approval:\n{second}"
    );
}

// A merge cannot bring task files from a history that has no store: commits without
// `.wf/store.toml` are never judged, so their `tasks/` counts for nothing, and an unsigned orphan
// branch holding a hand-written "approved" task, merged into main, is refused.
#[test]
fn a_merge_bringing_a_task_from_a_history_without_a_store_is_refused() {
    let w = World::new();
    let s = &w.s;
    let planted = "T-0bad00";
    let task = read(s, &wf_core::Task::path(&w.a)).replace(&w.a, planted);
    let out = read(s, &format!("{}out/draft.md", wf_core::Task::dir(&w.a)));
    s.git(&["checkout", "-q", "--orphan", "plant"]);
    s.git(&["rm", "-rq", "--cached", "."]);
    std::fs::remove_dir_all(s.repo.join(".wf")).unwrap();
    std::fs::remove_dir_all(s.repo.join("tasks")).unwrap();
    write(s, &wf_core::Task::path(planted), task.as_bytes());
    write(
        s,
        &format!("{}out/draft.md", wf_core::Task::dir(planted)),
        out.as_bytes(),
    );
    s.git(&["add", "-A"]);
    let id = [
        "-c",
        "user.name=Mallory M",
        "-c",
        "user.email=mallory@example.com",
    ];
    s.git(&[&id[..], &["commit", "-q", "-m", "Import"]].concat());
    s.git(&["checkout", "-q", "main"]);
    s.git(
        &[
            &id[..],
            &[
                "merge",
                "-q",
                "--allow-unrelated-histories",
                "-m",
                "Merge plant",
                "plant",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        s.show(planted)["approved"],
        true,
        "the planted task looks approved"
    );
    let merge = s.head();
    let before = w.refs();
    let out = s.git_output(&["push", "origin", "main"], None);
    let accepted = out.status.success();
    let (code, text, _) = verify(s, &s.repo, &["--no-cache"]);
    assert!(
        !accepted && w.refs() == before && code == 1 && text.contains(&merge[..12]),
        "an approval nobody signed reached main:\n{}\nwf-verify: {text}",
        describe(&out)
    );
}

// The commit that creates a store cannot start it with tasks (here an "approved" one) that no
// action ever produced: a store begins with no tasks/ folder.
#[test]
fn a_store_created_over_an_existing_tasks_folder_is_refused() {
    let w = World::new();
    let s = &w.s;
    let task = read(s, &wf_core::Task::path(&w.a));
    let out = read(s, &format!("{}out/draft.md", wf_core::Task::dir(&w.a)));
    let repo = s.root.join("imported");
    std::fs::create_dir_all(repo.join(format!("{}out", wf_core::Task::dir(&w.a)))).unwrap();
    std::fs::write(repo.join(wf_core::Task::path(&w.a)), task).unwrap();
    std::fs::write(
        repo.join(format!("{}out/draft.md", wf_core::Task::dir(&w.a))),
        out,
    )
    .unwrap();
    let git = |args: &[&str]| {
        let o = s.git_at(&repo, args, &[], None);
        assert!(o.status.success(), "{}", describe(&o));
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&[
        "-c",
        "user.name=Mallory M",
        "-c",
        "user.email=mallory@example.com",
        "commit",
        "-q",
        "-m",
        "Import",
    ]);
    let init = || {
        s.call("wf-init")
            .args([
                "--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2, "--key",
            ])
            .arg(s.key("alice"))
            .arg(".")
            .dir(&repo)
    };
    // wf-init asks the verifier's own question first: it refuses, and commits nothing.
    let head = |r: &Path| {
        let o = s.git_at(r, &["rev-parse", "HEAD"], &[], None);
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let before = head(&repo);
    let (code, err) = init().refused();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("rule 8 (") && err.contains("has a tasks/ folder that no action made"),
        "{err}"
    );
    assert!(
        err.contains("hint: move the existing tasks/ folder aside"),
        "{err}"
    );
    assert_eq!(head(&repo), before, "a refused wf-init committed");
    // The same founding commit written by hand, signed by alice, is refused by the verifier.
    git(&["rm", "-r", "-q", "--cached", "tasks"]);
    git(&[
        "-c",
        "user.name=Mallory M",
        "-c",
        "user.email=mallory@example.com",
        "commit",
        "-q",
        "-m",
        "Move tasks out of the index",
    ]);
    init().ok();
    let msg = {
        let o = s.git_at(&repo, &["cat-file", "commit", "HEAD"], &[], None);
        let raw = String::from_utf8(o.stdout).unwrap();
        raw.split_once("\n\n").unwrap().1.to_string()
    };
    git(&["reset", "-q", "--soft", "HEAD~1"]);
    commit_at(s, &repo, ALICE, Some("alice"), &msg);
    let (code, text, _) = verify(s, &repo, &["--no-cache"]);
    assert!(
        code == 1
            && text.contains(
                "rule 8 (task-scope): the commit that creates the store has a tasks/ folder"
            ),
        "{text}"
    );
}
// File modes are checked: an output file committed as a symlink (mode 120000) whose target
// string has the recorded sha256 would show whatever the link points at (here .wf/actors.toml)
// under the approved output's name; wf writes only regular 100644 files.
#[test]
fn an_output_file_committed_as_a_symlink_is_refused() {
    let w = World::new();
    let s = &w.s;
    let b = new_task(s, "Second task");
    s.ok("wf-assign", &[&b, "--to", BOT.0], "alice");
    // out/draft.md sits four folders below the top: tasks/<shard>/<id>/out/.
    let target = "../../../../.wf/actors.toml";
    s.call("wf-submit")
        .args([&b, "--name", "draft.md"])
        .key(BOT.0)
        .stdin(target.as_bytes())
        .ok();
    let msg = undo(s);
    let file = s
        .repo
        .join(format!("{}out/draft.md", wf_core::Task::dir(&b)));
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(target, &file).unwrap();
    let c = commit(s, BOT, Some(BOT.0), &msg);
    let shown = std::fs::read_to_string(&file).unwrap();
    assert!(
        shown.contains("[[actor]]"),
        "the link shows the actors file"
    );
    let before = w.refs();
    let out = s.git_output(&["push", "origin", "main"], None);
    assert!(
        !out.status.success() && w.refs() == before,
        "an output symlink was accepted: {}",
        describe(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&c[..12]));
}

#[test]
fn wf_verify_shows_progress_on_a_terminal_only() {
    common::need("script");
    let s = Store::new();
    // Piped stderr: never a bar, even when it would show at once.
    let out = s
        .call("wf-verify")
        .args(["--no-cache"])
        .env("WF_PROGRESS_DELAY_MS", "0")
        .run();
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A terminal: script gives wf-verify one; its stdout goes to /dev/null.
    let tty = s.sh_ok(
        "TERM=xterm WF_PROGRESS_DELAY_MS=0 script -qec 'wf-verify --no-cache >/dev/null' /dev/null",
    );
    assert!(tty.contains("wf-verify ["), "{tty:?}");
    assert!(tty.ends_with("\r\x1b[K"), "erased when done: {tty:?}");
}

// Found by the tree fuzzer (tests/trees.rs): a commit may carry a wf approval's trailers and
// change nothing. In a store's history it is refused; outside one (an orphan history merged into
// a pull request) it is no wf action, and no run, first or cached, lists it as an approval.
#[test]
fn an_approval_claimed_by_a_commit_that_approves_nothing_is_never_listed() {
    let w = World::new();
    let s = &w.s;
    let approval = message_of(s, "main");
    assert!(approval.contains("Wf-Action: approve"), "{approval}");
    // Signed by alice, changing nothing: refused on the server.
    let c = commit(s, ALICE, Some("alice"), &approval);
    let err = w.refused(&["push", "origin", "main"]);
    assert_one_problem(
        &err,
        &c,
        "-",
        "mismatch",
        "says Wf-Action approve, but changes nothing under .wf/ or tasks/",
    );
    s.git(&["reset", "-q", "--hard", "origin/main"]);
    // Nor may a merge carry it.
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    let out = s.git_at(
        &s.repo,
        &["commit-tree", &tree, "-p", "HEAD", "-p", "HEAD~1"],
        &[
            ("GIT_AUTHOR_NAME", MALLORY.1),
            ("GIT_AUTHOR_EMAIL", MALLORY.2),
            ("GIT_COMMITTER_NAME", MALLORY.1),
            ("GIT_COMMITTER_EMAIL", MALLORY.2),
        ],
        Some(approval.as_bytes()),
    );
    let m = String::from_utf8(out.stdout).unwrap().trim().to_string();
    s.git(&["update-ref", "refs/heads/main", &m]);
    let err = w.refused(&["push", "origin", "main"]);
    assert_one_problem(
        &err,
        &m,
        "-",
        "mismatch",
        "a merge says Wf-Action approve: wf actions are single-parent commits",
    );
    s.git(&["reset", "-q", "--hard", "origin/main"]);
    // The same message on an orphan history merged into a pull request branch: outside a store
    // nothing is an action, so the orphan commit that claims one is refused (a red-team helper
    // found wf-log and wf-stats listing such commits as approvals).
    s.git(&["checkout", "-q", "-b", "pr"]);
    let empty = s.git_output(&["hash-object", "-t", "tree", "-w", "--stdin"], Some(b""));
    let empty = String::from_utf8(empty.stdout).unwrap().trim().to_string();
    let mallory = [
        ("GIT_AUTHOR_NAME", MALLORY.1),
        ("GIT_AUTHOR_EMAIL", MALLORY.2),
        ("GIT_COMMITTER_NAME", MALLORY.1),
        ("GIT_COMMITTER_EMAIL", MALLORY.2),
    ];
    let commit_tree = |args: &[&str], msg: &[u8]| {
        let out = s.git_at(&s.repo, args, &mallory, Some(msg));
        assert!(out.status.success(), "{}", describe(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let orphan = commit_tree(&["commit-tree", &empty], approval.as_bytes());
    let head = s.head();
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    let merged = commit_tree(
        &["commit-tree", &tree, "-p", &head, "-p", &orphan],
        b"Merge an orphan\n",
    );
    s.git(&["update-ref", "refs/heads/pr", &merged]);
    for run in ["first", "again"] {
        let (code, text, err) = verify(s, &s.repo, &["--base", "main"]);
        assert_eq!(code, 1, "{run}: {text}{err}");
        assert!(
            text.contains(&orphan[..12])
                && text.contains("says Wf-Action approve, but is not in a store"),
            "{run}: {text}"
        );
        assert!(
            !text.contains("approves"),
            "{run} run lists an approval:\n{text}"
        );
    }
}

// wf-init asks the verifier's questions about git's own files and the top-level names before it
// founds a store in an existing repository; with wf's lines in .gitattributes the store is
// founded and verifies clean.
#[test]
fn wf_init_refuses_a_repository_whose_checkouts_or_names_would_deceive() {
    let s = Store::keys_only();
    let repo = s.root.join("existing");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| {
        let o = s.git_at(
            &repo,
            &[
                &["-c", "user.name=Dev", "-c", "user.email=dev@example.com"][..],
                args,
            ]
            .concat(),
            &[],
            None,
        );
        assert!(o.status.success(), "{}", describe(&o));
    };
    git(&["init", "-q", "-b", "main"]);
    let init = || {
        s.call("wf-init")
            .args([
                "--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2, "--key",
            ])
            .arg(s.key("alice"))
            .arg(".")
            .dir(&repo)
            .refused()
    };
    let commit_file = |name: &str, body: &str| {
        std::fs::write(repo.join(name), body).unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", name]);
    };
    commit_file(".gitattributes", "*.md text eol=crlf\n");
    let (code, err) = init();
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains(".gitattributes does not end with wf's lines"),
        "{err}"
    );
    assert!(err.contains("hint: append those lines"), "{err}");
    commit_file(
        ".gitattributes",
        &format!(
            "*.md text eol=crlf\n{}",
            wf_core::checkout::attributes_block()
        ),
    );
    commit_file(
        ".mailmap",
        &format!("Someone Else <x@example.com> <{}>\n", ALICE.2),
    );
    let (code, err) = init();
    assert_eq!(code, 6, "{err}");
    assert!(err.contains(".mailmap renames actor alice"), "{err}");
    git(&["rm", "-q", ".mailmap"]);
    git(&["commit", "-q", "-m", "no mailmap"]);
    std::fs::create_dir_all(repo.join("TASKS")).unwrap();
    commit_file("TASKS/notes.md", "notes\n");
    let (code, err) = init();
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("top-level entry \"TASKS\" is a look-alike of tasks"),
        "{err}"
    );
    git(&["rm", "-rq", "TASKS"]);
    git(&["commit", "-q", "-m", "no look-alike"]);
    s.call("wf-init")
        .args([
            "--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2, "--key",
        ])
        .arg(s.key("alice"))
        .arg(".")
        .dir(&repo)
        .ok();
    let (code, text, _) = verify(&s, &repo, &["--no-cache"]);
    assert_eq!(code, 0, "{text}");
}

/// Found by a red-team helper: on a server where `refs/heads/trunk` is a symbolic ref to main
/// (kept after a rename), a force push or a deletion of trunk rewound or deleted main unguarded;
/// a ref name holding U+00A0 was judged as the ref before it; a non-UTF-8 ref name got no clear
/// answer; `wf-hook install --force` could not replace a hook that is not UTF-8.
#[test]
fn the_hook_guards_symbolic_refs_and_reads_ref_names_as_git_writes_them() {
    let w = World::new();
    let s = &w.s;
    s.git(&[
        "-C",
        w.sp(),
        "symbolic-ref",
        "refs/heads/trunk",
        "refs/heads/main",
    ]);
    let main = w.server_main();
    let err = w.refused(&["push", "-f", "origin", "HEAD~2:refs/heads/trunk"]);
    assert!(
        err.contains("refs/heads/trunk: a symbolic ref to refs/heads/main"),
        "{err}"
    );
    let err = w.refused(&["push", "origin", ":refs/heads/trunk"]);
    assert!(err.contains("a symbolic ref to refs/heads/main"), "{err}");
    assert_eq!(w.server_main(), main);
    // A branch whose name holds a no-break space is its own branch, not main.
    let name = "refs/heads/main\u{a0}copy";
    let err = w.accepted(&["push", "origin", &format!("HEAD~1:{name}")]);
    assert!(!err.contains("non-fast-forward"), "{err}");
    assert_eq!(w.server_main(), main);
    let shown = s.git(&["-C", w.sp(), "rev-parse", name]);
    assert_eq!(shown.trim(), s.git(&["rev-parse", "HEAD~1"]).trim());
    // A ref name that is not UTF-8 is refused by name.
    let before = w.refs();
    let out = s
        .command("git")
        .arg("push")
        .arg("origin")
        .arg(std::ffi::OsStr::from_bytes(b"HEAD:refs/heads/caf\xe9"))
        .current_dir(&s.repo)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("a ref name that is not UTF-8"), "{err}");
    assert_eq!(w.refs(), before);
    // A hook someone else wrote in Latin-1 is replaced with --force and kept aside.
    let hook = w.server.join("hooks/pre-receive");
    std::fs::write(&hook, b"#!/bin/sh\n# caf\xe9\nexit 0\n").unwrap();
    let (code, err) = s.call("wf-hook").args(["install", "-C", w.sp()]).refused();
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("exists and is not wf's"), "{err}");
    s.call("wf-hook")
        .args(["install", "--force", "-C", w.sp()])
        .ok();
    assert_eq!(
        std::fs::read(w.server.join("hooks/pre-receive.wf-old")).unwrap(),
        b"#!/bin/sh\n# caf\xe9\nexit 0\n"
    );
    let err = w.refused(&["push", "-f", "origin", "HEAD~2:refs/heads/trunk"]);
    assert!(err.contains("a symbolic ref"), "{err}");
}

/// Found by a red-team helper: a pull request that approves a task and then reopens it listed
/// the approval as valid, while the task at the branch's tip is open again. The approval is
/// still listed (it was valid where it was made), with the reopen that voided it.
#[test]
fn an_approval_reopened_later_in_the_range_says_so() {
    let w = World::new();
    let s = &w.s;
    s.git(&["checkout", "-q", "-b", "feature"]);
    let c = new_task(s, "Feature task");
    to_approve(s, &c);
    s.ok("wf-approve", &[&c, "-m", "ship it"], "alice");
    let approval = s.head();
    s.ok(
        "wf-approve",
        &[&c, "--reopen", "-m", "legal asked"],
        "alice",
    );
    let reopen = s.head();
    let (code, out, err) = verify(s, &s.repo, &["--base", "main"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!(
            "approves {c} revision 2 ({}) by alice: valid, then reopened by {}\n",
            &digest(s, &c, 2)["sha256:".len()..][..12],
            &reopen[..12]
        )),
        "{out}"
    );
    let v = verify_json(s, &s.repo, &["--base", "main"], 0);
    let a = &v["approvals"][0];
    assert_eq!(a["commit"], approval.as_str(), "{v:#}");
    assert_eq!(a["reopened_by"], reopen.as_str(), "{v:#}");
    // Reworked and approved again after the reopen: that approval stands.
    s.ok("wf-assign", &[&c, "--to", BOT.0], "alice");
    s.call("wf-submit")
        .arg(&c)
        .key(BOT.0)
        .stdin(b"# Launch\n\nReworked for legal.\n")
        .ok();
    s.ok("wf-approve", &[&c, "-m", "fixed"], "alice");
    let v = verify_json(s, &s.repo, &["--base", "main"], 0);
    let approvals = v["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2, "{v:#}");
    assert_eq!(
        approvals[1]["reopened_by"],
        serde_json::Value::Null,
        "{v:#}"
    );
}

/// Found by a red-team helper: mallory founded a store of her own (`wf-init --id alice`, with
/// alice's name and email and mallory's key) and pushed it as a tag and a release branch. The
/// hook verified it clean, and `wf-verify v1.0` then showed "alice's" actions with good
/// signatures. A pushed ref that holds a store must share history with a protected ref.
#[test]
fn the_hook_refuses_a_store_founded_again_beside_the_protected_branch() {
    let w = World::new();
    let s = &w.s;
    let init = s
        .call("wf-init")
        .dir(&s.root)
        .args(["--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2])
        .arg("--key")
        .arg(s.key("mallory"))
        .arg("elsewhere")
        .run();
    assert!(init.status.success(), "wf-init: {}", describe(&init));
    let other = s.root.join("elsewhere");
    let other = other.to_str().unwrap();
    for to in ["HEAD:refs/tags/v1.0", "HEAD:refs/heads/release-candidate"] {
        let err = w.refused(&["-C", other, "push", w.sp(), to]);
        let name = to.trim_start_matches("HEAD:");
        assert!(
            err.contains(&format!(
                "{name}: a store that shares no history with refs/heads/main's store"
            )),
            "{err}"
        );
    }
    // A clone's pre-push hook refuses it before it leaves, against the remote's main as the
    // clone last fetched it.
    s.git(&["-C", other, "remote", "add", "origin", w.sp()]);
    s.git(&["-C", other, "fetch", "-q", "origin"]);
    s.call("wf-hook").args(["install", "-C", other]).ok();
    let before = w.refs();
    let out = s.git_output(
        &["-C", other, "push", "origin", "HEAD:refs/tags/v2.0"],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(!err.contains("remote:"), "refused before it left: {err}");
    assert!(
        err.contains("refs/tags/v2.0: a store that shares no history with refs/heads/main's store"),
        "{err}"
    );
    assert_eq!(w.refs(), before);
    // Pushed beside main in one push to an empty server, it is refused the same way.
    let fresh = s.root.join("fresh.git");
    let fresh = fresh.to_str().unwrap();
    s.git(&["init", "-q", "--bare", "-b", "main", fresh]);
    s.call("wf-hook").args(["install", "-C", fresh]).ok();
    s.git(&["fetch", "-q", other, "HEAD:refs/heads/theirs"]);
    let out = s.git_output(&["push", fresh, "main", "theirs:refs/tags/v1.0"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("refs/tags/v1.0: a store that shares no history with refs/heads/main's store"),
        "{err}"
    );
    assert_eq!(s.git(&["-C", fresh, "for-each-ref"]), "");
    // Refs that share main's history, and history without a store, are pushed as before.
    w.accepted(&["push", "origin", "HEAD~1:refs/tags/v0.9"]);
    w.accepted(&["push", "origin", "HEAD:refs/heads/release"]);
    s.git(&["checkout", "-q", "--orphan", "pages"]);
    s.git(&["rm", "-rq", "--cached", "."]);
    std::fs::write(s.repo.join("index.html"), "<p>docs</p>\n").unwrap();
    s.git(&["add", "index.html"]);
    s.git(&[
        "-c",
        "user.name=Alice",
        "-c",
        "user.email=alice@example.com",
        "commit",
        "-q",
        "-m",
        "pages",
    ]);
    w.accepted(&["push", "origin", "pages"]);
}

/// Found by a red-team helper on 2026-12-02: in a repository whose code came first, mallory
/// branched from the commit of code alice's store was founded on, founded her own store there
/// as "alice" with her own key, and pushed it as a release branch and a tag: the two shared the
/// commit of code, and the hook took that for shared history. Two stores are one only when a
/// commit both descend from holds a store; a branch from main after its founding is pushed as
/// before.
#[test]
fn the_hook_refuses_a_store_founded_again_on_the_code_below_main_s_store() {
    let s = Store::keys_only();
    std::fs::create_dir_all(&s.repo).unwrap();
    s.git(&["init", "-q", "-b", "main"]);
    std::fs::write(s.repo.join("main.rs"), "fn main() {}\n").unwrap();
    s.git(&["add", "main.rs"]);
    s.git(&[
        IDENTITY[0],
        IDENTITY[1],
        IDENTITY[2],
        IDENTITY[3],
        "commit",
        "-q",
        "-m",
        "code",
    ]);
    let code = s.head();
    let found = |key: &str| {
        let out = s
            .call("wf-init")
            .args(["--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2])
            .arg("--key")
            .arg(s.key(key))
            .arg(".")
            .run();
        assert!(out.status.success(), "wf-init: {}", describe(&out));
    };
    found("alice");
    let server = s.hooked_server();
    let sp = server.to_str().unwrap();
    let push = |args: &[&str]| s.git_output(&[&["push", sp][..], args].concat(), None);
    let out = push(&["main"]);
    assert!(out.status.success(), "{}", describe(&out));
    // A branch of main after the founding shares its store.
    s.git(&["checkout", "-q", "-b", "feature"]);
    new_task(&s, "A feature");
    let out = push(&["feature"]);
    assert!(out.status.success(), "{}", describe(&out));
    // Mallory's store, founded on the same commit of code.
    s.git(&["checkout", "-q", "-b", "release", &code]);
    found("mallory");
    assert_ne!(s.head(), code);
    let before = s.git(&["-C", sp, "for-each-ref"]);
    for to in ["HEAD:refs/heads/release", "HEAD:refs/tags/v1.0"] {
        let out = push(&[to]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "{err}");
        let name = to.trim_start_matches("HEAD:");
        assert!(
            err.contains(&format!(
                "{name}: a store that shares no history with refs/heads/main's store"
            )),
            "{err}"
        );
    }
    assert_eq!(s.git(&["-C", sp, "for-each-ref"]), before);
}

/// Found by a third red-team helper on 2026-12-02: only refs that were not protected were
/// judged for a second store, so mallory's "alice" store went onto a protected branch not yet
/// created (`release`, named in `wf.protect` before its first push) and onto a protected branch
/// of code, fast-forwarded to her founding commit (`website`). Every pushed ref is judged
/// against the store the protected refs held before the push.
#[test]
fn the_hook_refuses_a_second_store_on_a_protected_ref_not_yet_made_or_of_code() {
    let w = World::new();
    let s = &w.s;
    let sp = w.sp();
    s.git(&[
        "-C",
        sp,
        "config",
        "--add",
        "wf.protect",
        "refs/heads/release",
    ]);
    s.git(&[
        "-C",
        sp,
        "config",
        "--add",
        "wf.protect",
        "refs/heads/website",
    ]);
    // The website: code only, pushed first (no store: pushed as before).
    let web = s.root.join("website");
    let web = web.to_str().unwrap();
    s.git(&["init", "-q", "-b", "website", web]);
    s.git(&[
        "-C",
        web,
        IDENTITY[0],
        IDENTITY[1],
        IDENTITY[2],
        IDENTITY[3],
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "site",
    ]);
    w.accepted(&["-C", web, "push", sp, "website"]);
    // Mallory's store, founded anew with her key as "alice".
    let found = |dir: &str| {
        let out = s
            .call("wf-init")
            .args(["--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2])
            .arg("--key")
            .arg(s.key("mallory"))
            .arg(dir)
            .run();
        assert!(out.status.success(), "wf-init: {}", describe(&out));
    };
    let other = s.root.join("elsewhere");
    found(other.to_str().unwrap());
    let other = other.to_str().unwrap();
    let before = w.refs();
    let err = w.refused(&["-C", other, "push", sp, "HEAD:refs/heads/release"]);
    assert!(
        err.contains(
            "refs/heads/release: a store that shares no history with refs/heads/main's store"
        ),
        "{err}"
    );
    // Founded on the website's code and pushed as a fast-forward of the protected branch.
    found(web);
    let err = w.refused(&["-C", web, "push", sp, "website"]);
    assert!(
        err.contains(
            "refs/heads/website: a store that shares no history with refs/heads/main's store"
        ),
        "{err}"
    );
    assert_eq!(w.refs(), before);
    // main's own store goes onto the new protected branch as before.
    w.accepted(&["push", "origin", "main:refs/heads/release"]);
}

/// A pack made by hand, as `git receive-pack` takes it: a README commit on `parent` whose root
/// tree (`root`'s entries and the README) ends a chain of `depth` trees, each a REF_DELTA on the
/// one before. Returns the commit's id and the pack.
fn deep_chain_pack(root: &[u8], parent: &str, depth: usize) -> (String, Vec<u8>) {
    use sha1::Digest;
    use std::io::Write;
    let id = |kind: &str, body: &[u8]| -> [u8; 20] {
        let mut h = sha1::Sha1::new();
        h.update(format!("{kind} {}\0", body.len()).as_bytes());
        h.update(body);
        h.finalize().into()
    };
    let zlib = |b: &[u8]| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b).unwrap();
        z.finish().unwrap()
    };
    // The root's entries: (sort key, bytes).
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut i = 0;
    while i < root.len() {
        let nul = i + root[i..].iter().position(|&b| b == 0).unwrap();
        let sp = i + root[i..].iter().position(|&b| b == b' ').unwrap();
        let mut key = root[sp + 1..nul].to_vec();
        if &root[i..sp] == b"40000" {
            key.push(b'/');
        }
        entries.push((key, root[i..nul + 21].to_vec()));
        i = nul + 21;
    }
    let blob = b"readme\n";
    let blob_id = id("blob", blob);
    let tree = |name: &str| {
        let mut all = entries.clone();
        let mut e = format!("100644 {name}\0").into_bytes();
        e.extend_from_slice(&blob_id);
        all.push((name.as_bytes().to_vec(), e));
        all.sort();
        all.into_iter().flat_map(|(_, e)| e).collect::<Vec<u8>>()
    };
    let varint = |mut v: usize, out: &mut Vec<u8>| loop {
        let c = (v & 0x7f) as u8;
        v >>= 7;
        out.push(c | if v > 0 { 0x80 } else { 0 });
        if v == 0 {
            break;
        }
    };
    let header = |kind: u8, mut size: usize| {
        let mut out = Vec::new();
        let mut c = (kind << 4) | (size & 0x0f) as u8;
        size >>= 4;
        while size > 0 {
            out.push(c | 0x80);
            c = (size & 0x7f) as u8;
            size >>= 7;
        }
        out.push(c);
        out
    };
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push([header(3, blob.len()), zlib(blob)].concat());
    let mut prev = tree("README-00000");
    objects.push([header(2, prev.len()), zlib(&prev)].concat());
    for n in 1..depth {
        let name = if n + 1 == depth {
            "README".to_string()
        } else {
            format!("README-{n:05}")
        };
        let next = tree(&name);
        let mut delta = Vec::new();
        varint(prev.len(), &mut delta);
        varint(next.len(), &mut delta);
        for chunk in next.chunks(127) {
            delta.push(chunk.len() as u8);
            delta.extend_from_slice(chunk);
        }
        objects.push(
            [
                header(7, delta.len()),
                id("tree", &prev).to_vec(),
                zlib(&delta),
            ]
            .concat(),
        );
        prev = next;
    }
    let person = "Mallory <mallory@example.com> 1700000000 +0000";
    let commit = format!(
        "tree {}\nparent {parent}\nauthor {person}\ncommitter {person}\n\ndocs: a readme\n",
        id("tree", &prev)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    objects.push([header(1, commit.len()), zlib(commit.as_bytes())].concat());
    let mut pack = b"PACK".to_vec();
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&(objects.len() as u32).to_be_bytes());
    for o in objects {
        pack.extend_from_slice(&o);
    }
    let sum: [u8; 20] = sha1::Sha1::digest(&pack).into();
    pack.extend_from_slice(&sum);
    let commit_id = id("commit", commit.as_bytes());
    (commit_id.iter().map(|b| format!("{b:02x}")).collect(), pack)
}

/// Found by a third red-team helper on 2026-12-02: a plain commit on main whose root tree
/// ends a delta chain longer than the pack reader follows ([`wf_store::pack::MAX_CHAIN`]),
/// sent straight to `git receive-pack` (`index-pack` takes any depth), was read by libgit2 in
/// the hook's quarantine and verified clean; once landed, wf's own reader refused the tree and
/// every later push to main with it. The hook now reads the pushed packs with wf's reader too:
/// the push is refused at the door, and main does not move.
#[test]
fn a_pushed_delta_chain_longer_than_the_reader_follows_is_refused_at_the_door() {
    use std::io::{Read, Write};
    let w = World::new();
    let s = &w.s;
    let tip = w.server_main();
    let root = s
        .git_output(&["cat-file", "tree", &format!("{tip}^{{tree}}")], None)
        .stdout;
    let (commit, pack) = deep_chain_pack(&root, &tip, wf_store::pack::MAX_CHAIN + 50);
    let mut child = s
        .command("git")
        .args(["receive-pack", w.sp()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    // The advertisement, up to its flush packet.
    loop {
        let mut len = [0u8; 4];
        out.read_exact(&mut len).unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&len).unwrap(), 16).unwrap();
        if n == 0 {
            break;
        }
        let mut line = vec![0u8; n - 4];
        out.read_exact(&mut line).unwrap();
    }
    let command = format!("{tip} {commit} refs/heads/main\0report-status\n");
    let mut input = format!("{:04x}{command}0000", command.len() + 4).into_bytes();
    input.extend_from_slice(&pack);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&input).unwrap();
    drop(stdin);
    let mut report = Vec::new();
    out.read_to_end(&mut report).unwrap();
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    let report = String::from_utf8_lossy(&report);
    assert!(report.contains("ng refs/heads/main"), "{report} {err}");
    assert!(
        err.contains("wf-hook: push refused") && err.contains("a delta chain longer than 10000"),
        "{err}"
    );
    assert_eq!(w.server_main(), tip);
}

/// A ref that is the protected branch's own file on a server that ignores case is refused:
/// ASCII case (`refs/heads/MAIN`) and Unicode case as a casefolding file system folds it
/// (`refs/headſ/main`, U+017F long s, whose upper case is S: noted by a third red-team helper
/// on 2026-12-02). A name that differs otherwise is pushed as before.
#[test]
fn a_ref_that_folds_to_the_protected_branch_is_refused() {
    let w = World::new();
    for name in ["refs/heads/MAIN", "refs/head\u{17f}/main"] {
        let err = w.refused(&["push", "origin", &format!("main:{name}")]);
        assert!(
            err.contains(&format!(
                "{name}: a look-alike of the protected refs/heads/main (one file on a case-insensitive file system)"
            )),
            "{name}: {err}"
        );
    }
    w.accepted(&["push", "origin", "main:refs/heads/mainline"]);
}

/// Found by the fourth and fifth red-team helpers on 2026-12-02: the check for a second store
/// searched for merge bases once for every pushed ref, each search walking main's history
/// down to the pushed commit, so pushes of refs at old commits (no new objects: no pack size
/// limit applies) made the hook walk the history once a ref (400 refs at one commit, 7.5 s over
/// 20,000 commits; 64 refs at 64 old commits, 3.7 s over 40,000). It is one walk a push now,
/// and such pushes are judged as before: refs at main's own commits share its store.
#[test]
fn a_push_of_many_refs_at_old_commits_is_judged_in_one_walk() {
    let w = World::new();
    let s = &w.s;
    for n in 0..60 {
        new_task(s, &format!("Task {n}"));
    }
    w.accepted(&["push", "origin", "main"]);
    let commits: Vec<String> = s
        .git(&["rev-list", "--first-parent", "main"])
        .lines()
        .map(str::to_string)
        .collect();
    assert!(commits.len() > 65, "{}", commits.len());
    let old = commits[commits.len() - 2].clone();
    let many: Vec<String> = (0..200)
        .map(|i| format!("{old}:refs/tags/same-{i}"))
        .collect();
    let spread: Vec<String> = commits[..65]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c}:refs/tags/spread-{i}"))
        .collect();
    for refs in [many, spread] {
        let args: Vec<&str> = ["push", "origin"]
            .into_iter()
            .chain(refs.iter().map(String::as_str))
            .collect();
        w.accepted(&args);
    }
}

/// A protected branch of code is no anchor: a team that keeps its tasks on a branch of their
/// own, beside a `main` without a store, pushes that branch as before.
#[test]
fn a_store_beside_a_protected_branch_without_one_is_pushed_as_before() {
    let s = Store::new();
    let server = s.root.join("code.git");
    let sp = server.to_str().unwrap();
    s.git(&["init", "-q", "--bare", "-b", "main", sp]);
    s.call("wf-hook").args(["install", "-C", sp]).ok();
    // main on the server: code, no store.
    let code = s.root.join("code");
    s.git(&["init", "-q", "-b", "main", code.to_str().unwrap()]);
    std::fs::write(code.join("main.c"), "int main(void) { return 0; }\n").unwrap();
    let c = code.to_str().unwrap();
    s.git(&["-C", c, "add", "main.c"]);
    s.git(&[
        "-C",
        c,
        "-c",
        "user.name=Dev",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-q",
        "-m",
        "code",
    ]);
    s.git(&["-C", c, "push", "-q", sp, "main"]);
    // The store's history, unrelated to main, pushed as its own branch.
    let out = s.git_output(&["push", sp, "main:refs/heads/tasks"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("remote: verified"), "{err}");
}
