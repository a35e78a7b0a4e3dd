//! The test harness: real wf binaries, real `git`, real `ssh-keygen` keys, one temporary
//! directory per test. Every process runs with a cleared, pinned environment so that nothing of
//! the developer's own git or ssh set-up leaks in, and dates are fixed so runs are repeatable.
#![allow(dead_code)]

pub mod schema;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The pinned commit and author date of every action.
pub const DATE: &str = "@1795500000 +0000";
/// The same instant as wf writes it in task files and logs.
pub const DATE_RFC3339: &str = "2026-11-24T06:00:00Z";

/// The actors of the standard store: id, display name, email.
pub const ALICE: (&str, &str, &str) = ("alice", "Alice A", "alice@example.com");
pub const BOB: (&str, &str, &str) = ("bob", "Bob B", "bob@example.com");
pub const CAROL: (&str, &str, &str) = ("carol", "Carol C", "carol@example.com");
pub const BOT: (&str, &str, &str) = ("drafter-bot", "Drafter Bot", "drafter-bot@example.com");
/// The model the AI actor is registered with.
pub const MODEL: &str = "stand-in-model";

/// Every key the harness generates; mallory is never registered.
pub const KEYS: [&str; 5] = ["alice", "bob", "carol", "drafter-bot", "mallory"];

/// The path of a wf binary built by Cargo for these tests.
pub fn bin(tool: &str) -> &'static str {
    match tool {
        "wf" => env!("CARGO_BIN_EXE_wf"),
        "wf-init" => env!("CARGO_BIN_EXE_wf-init"),
        "wf-actor" => env!("CARGO_BIN_EXE_wf-actor"),
        "wf-new" => env!("CARGO_BIN_EXE_wf-new"),
        "wf-assign" => env!("CARGO_BIN_EXE_wf-assign"),
        "wf-submit" => env!("CARGO_BIN_EXE_wf-submit"),
        "wf-run" => env!("CARGO_BIN_EXE_wf-run"),
        "wf-check" => env!("CARGO_BIN_EXE_wf-check"),
        "wf-review" => env!("CARGO_BIN_EXE_wf-review"),
        "wf-approve" => env!("CARGO_BIN_EXE_wf-approve"),
        "wf-show" => env!("CARGO_BIN_EXE_wf-show"),
        "wf-ls" => env!("CARGO_BIN_EXE_wf-ls"),
        "wf-log" => env!("CARGO_BIN_EXE_wf-log"),
        "wf-verify" => env!("CARGO_BIN_EXE_wf-verify"),
        "wf-hook" => env!("CARGO_BIN_EXE_wf-hook"),
        "wf-policy" => env!("CARGO_BIN_EXE_wf-policy"),
        "wf-graph" => env!("CARGO_BIN_EXE_wf-graph"),
        "wf-stats" => env!("CARGO_BIN_EXE_wf-stats"),
        "wf-repair" => env!("CARGO_BIN_EXE_wf-repair"),
        "wf-sync" => env!("CARGO_BIN_EXE_wf-sync"),
        "wf-board" => env!("CARGO_BIN_EXE_wf-board"),
        "wf-attest" => env!("CARGO_BIN_EXE_wf-attest"),
        other => panic!("no such wf tool: {other}"),
    }
}

/// A temporary world: a folder with the actors' keys, and (after [`Store::new`]) a wf store.
pub struct Store {
    tmp: TempDir,
    /// The temporary folder (also `$HOME` of every process).
    pub root: PathBuf,
    /// The store's work tree, `root/store`.
    pub repo: PathBuf,
}

impl Store {
    /// Keys for everyone, no repository yet.
    pub fn keys_only() -> Store {
        let tmp = tempfile::Builder::new()
            .prefix("wf-test-")
            .tempdir()
            .expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical tempdir");
        std::fs::create_dir_all(root.join("keys")).unwrap();
        let s = Store {
            repo: root.join("store"),
            root,
            tmp,
        };
        for name in KEYS {
            s.make_key(name);
        }
        s
    }

    /// Make an unencrypted ed25519 key `name` (at [`Store::key`]) with ssh-keygen.
    pub fn make_key(&self, name: &str) {
        let out = self
            .command("ssh-keygen")
            .current_dir(&self.root)
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(self.key(name))
            .output()
            .expect("run ssh-keygen");
        assert!(out.status.success(), "ssh-keygen {name}: {out:?}");
    }

    /// A wf store made by alice (wf-init), with bob and carol (human reviewers) and drafter-bot
    /// (AI drafter, operated by alice, model "stand-in-model") registered by alice.
    pub fn new() -> Store {
        let s = Store::keys_only();
        let init = s
            .call("wf-init")
            .dir(&s.root)
            .args(["--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2])
            .arg("--key")
            .arg(s.key("alice"))
            .arg("store")
            .run();
        assert!(init.status.success(), "wf-init: {}", describe(&init));
        for (who, roles) in [(BOB, "reviewer"), (CAROL, "reviewer")] {
            s.ok(
                "wf-actor",
                &[
                    "add",
                    who.0,
                    "--kind",
                    "human",
                    "--name",
                    who.1,
                    "--email",
                    who.2,
                    "--pubkey",
                    &s.pubkey(who.0),
                    "--role",
                    roles,
                ],
                "alice",
            );
        }
        s.ok(
            "wf-actor",
            &[
                "add",
                BOT.0,
                "--kind",
                "ai",
                "--name",
                BOT.1,
                "--email",
                BOT.2,
                "--pubkey",
                &s.pubkey(BOT.0),
                "--role",
                "drafter",
                "--operator",
                "alice",
                "--model",
                MODEL,
            ],
            "alice",
        );
        s
    }

    /// The private key file of an actor.
    pub fn key(&self, name: &str) -> PathBuf {
        self.root.join("keys").join(name)
    }

    /// The public key file of an actor, as a string.
    pub fn pubkey(&self, name: &str) -> String {
        format!("{}.pub", self.key(name).display())
    }

    /// A new empty folder outside any git repository, removed when dropped. It is made under
    /// `/tmp`, not `$TMPDIR` (which may lie inside a work tree), and checked with git itself: when
    /// even `/tmp` is inside a repository, the test that asked fails.
    pub fn outside_any_repository(&self) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix("wf-nowhere-")
            .tempdir_in("/tmp")
            .expect("a folder under /tmp");
        let probe = self
            .command("git")
            .args(["rev-parse", "--absolute-git-dir"])
            .current_dir(dir.path())
            .output()
            .expect("run git");
        assert!(
            !probe.status.success(),
            "{} is inside the git repository {}; this test needs a folder outside any",
            dir.path().display(),
            String::from_utf8_lossy(&probe.stdout).trim()
        );
        dir
    }

    /// A command with the pinned environment, started in the store's work tree.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("LANG", "C")
            .env("LC_ALL", "C")
            .env("GIT_COMMITTER_DATE", DATE)
            .env("GIT_AUTHOR_DATE", DATE)
            .stdin(Stdio::null());
        if self.repo.is_dir() {
            c.current_dir(&self.repo);
        } else {
            c.current_dir(&self.root);
        }
        c
    }

    /// Start building a call of a wf tool.
    pub fn call(&self, tool: &str) -> Call<'_> {
        Call {
            store: self,
            tool: tool.to_string(),
            args: vec![],
            key: None,
            stdin: None,
            dir: None,
            env: vec![],
        }
    }

    /// Run a tool as `key` (an actor name whose private key goes in `WF_SIGNING_KEY`).
    pub fn run(&self, tool: &str, args: &[&str], key: &str) -> Output {
        self.call(tool).args(args).key(key).run()
    }

    /// Run a tool as `key`; it must succeed. Returns stdout.
    pub fn ok(&self, tool: &str, args: &[&str], key: &str) -> String {
        self.call(tool).args(args).key(key).ok()
    }

    /// Run a tool as `key`; it must fail. Returns the exit code and stderr.
    pub fn refused(&self, tool: &str, args: &[&str], key: &str) -> (i32, String) {
        self.call(tool).args(args).key(key).refused()
    }

    /// Run a query tool (no key) that must succeed; returns stdout.
    pub fn query(&self, tool: &str, args: &[&str]) -> String {
        self.call(tool).args(args).ok()
    }

    /// `wf-show ID --json`.
    pub fn show(&self, id: &str) -> Value {
        json(&self.query("wf-show", &[id, "--json"]))
    }

    /// A bare server `root/server.git` (branch main) with wf's hooks installed, added to the
    /// store as the remote `origin`. Returns its path.
    pub fn hooked_server(&self) -> PathBuf {
        let server = self.root.join("server.git");
        let sp = server.to_str().unwrap();
        self.git(&["init", "-q", "--bare", "-b", "main", sp]);
        let out = self.call("wf-hook").args(["install", "-C", sp]).ok();
        assert!(out.contains("installed"), "{out}");
        self.git(&["remote", "add", "origin", sp]);
        server
    }

    /// Run git in the store; it must succeed. Returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args, None);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            describe(&out)
        );
        String::from_utf8(out.stdout).expect("git prints UTF-8")
    }

    /// Run git in the store with optional stdin; any outcome.
    pub fn git_output(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut c = self.command("git");
        c.args(args);
        output(c, stdin)
    }

    /// The commit the store's HEAD points at.
    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// How many commits HEAD has.
    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    /// Every commit reachable from HEAD, newest first.
    pub fn commits(&self) -> Vec<String> {
        self.git(&["rev-list", "HEAD"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The work tree and the index match HEAD, with nothing untracked.
    pub fn assert_clean(&self) {
        let st = self.git(&["status", "--porcelain", "--untracked-files=all"]);
        assert!(st.is_empty(), "work tree not in step with HEAD:\n{st}");
    }

    /// `git verify-commit` accepts the commit.
    pub fn assert_verifies(&self, commit: &str) {
        let out = self.git_output(&["verify-commit", commit], None);
        assert!(
            out.status.success(),
            "git verify-commit {commit} failed: {}",
            describe(&out)
        );
    }

    /// The trailers of a commit as `git interpret-trailers --parse` reads them.
    pub fn trailers(&self, commit: &str) -> Vec<(String, String)> {
        let msg = self.git(&["log", "-1", "--format=%B", commit]);
        let out = self.git_output(&["interpret-trailers", "--parse"], Some(msg.as_bytes()));
        assert!(
            out.status.success(),
            "interpret-trailers: {}",
            describe(&out)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").expect("Key: value");
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    /// Write a file under the temporary folder (not in the store); returns its path.
    pub fn file(&self, rel: &str, content: &[u8]) -> String {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    }

    /// sha256 of some bytes, computed by coreutils' `sha256sum`.
    pub fn sha256(&self, bytes: &[u8]) -> String {
        let mut c = self.command("sha256sum");
        c.current_dir(&self.root);
        let out = output(c, Some(bytes));
        assert!(out.status.success(), "sha256sum: {}", describe(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    /// The revision digest wf promises: `sha256:` + sha256 of the sha256sum manifest of the
    /// files (`<sha256>  <name>\n`, sorted by name).
    pub fn manifest_digest(&self, files: &[(&str, &[u8])]) -> String {
        let mut rows: Vec<(String, String)> = files
            .iter()
            .map(|(n, b)| (n.to_string(), self.sha256(b)))
            .collect();
        rows.sort();
        let manifest: String = rows.iter().map(|(n, h)| format!("{h}  {n}\n")).collect();
        format!("sha256:{}", self.sha256(manifest.as_bytes()))
    }

    /// The SHA256 fingerprint of an actor's key, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self, name: &str) -> String {
        self.fingerprint_of(&self.pubkey(name))
    }

    /// The SHA256 fingerprint of a public key file, as `ssh-keygen -l` prints it.
    pub fn fingerprint_of(&self, pubkey: &str) -> String {
        let out = self
            .command("ssh-keygen")
            .args(["-l", "-f", pubkey])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    }

    /// Assert that an action is refused by a rule: exit code 1, `rule N (` on stderr, and no
    /// commit, no moved HEAD, no touched work tree.
    pub fn assert_rule(&self, rule: u8, call: Call<'_>) -> String {
        let (head, count) = (self.head(), self.commit_count());
        let what = format!("{} {:?}", call.tool, call.args);
        let out = call.run();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what} should be refused by rule {rule}: {}",
            describe(&out)
        );
        assert!(
            stderr.contains(&format!("rule {rule} (")),
            "{what}: expected rule {rule}, got: {stderr}"
        );
        assert_eq!(self.head(), head, "{what}: HEAD moved on a refusal");
        assert_eq!(self.commit_count(), count, "{what}: a refusal committed");
        self.assert_clean();
        stderr
    }

    /// The default workflow's first steps with the real tools: alice hands the draft to the
    /// bot, the bot submits `draft` as `draft.md`, alice hands the review to bob.
    pub fn to_review(&self, id: &str, draft: &[u8]) {
        self.ok("wf-assign", &[id, "--to", BOT.0], "alice");
        self.call("wf-submit")
            .args([id, "--name", "draft.md"])
            .key(BOT.0)
            .stdin(draft)
            .ok();
        self.ok("wf-assign", &[id, "--to", BOB.0], "alice");
    }

    /// On to the approve step: [`Store::to_review`], bob accepts, the bot submits `optimized`.
    pub fn to_approve(&self, id: &str, draft: &[u8], optimized: &[u8]) {
        self.to_review(id, draft);
        self.ok("wf-review", &[id, "--accept", "-m", "fine"], "bob");
        self.ok("wf-assign", &[id, "--to", BOT.0], "alice");
        self.call("wf-submit")
            .arg(id)
            .key(BOT.0)
            .stdin(optimized)
            .ok();
        assert_eq!(self.show(id)["step"], "approve");
    }

    /// Keep the temporary folder (for debugging a failing test).
    pub fn keep(self) -> PathBuf {
        self.tmp.keep()
    }
}

/// One call of a wf tool, built up step by step.
pub struct Call<'s> {
    store: &'s Store,
    tool: String,
    args: Vec<String>,
    key: Option<String>,
    stdin: Option<Vec<u8>>,
    dir: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl<'s> Call<'s> {
    /// Add arguments.
    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Add one argument.
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Self {
        self.args.push(a.as_ref().to_string_lossy().to_string());
        self
    }

    /// Sign as this actor: `WF_SIGNING_KEY` names their private key.
    pub fn key(mut self, name: &str) -> Self {
        self.key = Some(self.store.key(name).display().to_string());
        self
    }

    /// Feed bytes on stdin.
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Start in this folder instead of the store.
    pub fn dir(mut self, d: &Path) -> Self {
        self.dir = Some(d.to_path_buf());
        self
    }

    /// Set an extra environment variable.
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    fn command(&self) -> Command {
        let mut c = self.store.command(bin(&self.tool));
        c.args(&self.args);
        if let Some(k) = &self.key {
            c.env("WF_SIGNING_KEY", k);
        }
        if let Some(d) = &self.dir {
            c.current_dir(d);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Run to completion.
    pub fn run(self) -> Output {
        output(self.command(), self.stdin.as_deref())
    }

    /// Start without waiting (for races). Stdin is not fed.
    pub fn spawn(self) -> Child {
        let mut c = self.command();
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().expect("spawn wf tool")
    }

    /// Run; it must succeed. Returns stdout.
    pub fn ok(self) -> String {
        let what = format!("{} {:?}", self.tool, self.args);
        let out = self.run();
        assert!(out.status.success(), "{what} failed: {}", describe(&out));
        String::from_utf8(out.stdout).expect("UTF-8 stdout")
    }

    /// Run; it must fail. Returns the exit code and stderr.
    pub fn refused(self) -> (i32, String) {
        let what = format!("{} {:?}", self.tool, self.args);
        let out = self.run();
        assert!(
            !out.status.success(),
            "{what} should have failed: {}",
            describe(&out)
        );
        (
            out.status.code().expect("exited, not killed"),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }
}

/// Run a command, feeding stdin when given, and collect its output.
pub fn output(mut c: Command, stdin: Option<&[u8]>) -> Output {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c.spawn().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("wait");
    if let Some(w) = writer {
        let _ = w.join();
    }
    out
}

/// Exit status, stdout and stderr of a finished process, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Parse a JSON document a tool printed.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The commits `wf-verify --json` reports as not ok (panics when the report has no list of
/// commits, so a missing list cannot read as none refused).
pub fn refused_commits(report: &Value) -> Vec<&Value> {
    report["commits"]
        .as_array()
        .unwrap_or_else(|| panic!("no commits in the report:\n{report:#}"))
        .iter()
        .filter(|c| c["ok"] == false)
        .collect()
}

/// The string fields `keys` of every object in a JSON array, one row per object (panics on a
/// missing or non-string field, so a row cannot silently shrink).
pub fn rows<'a>(list: &'a Value, keys: &[&str]) -> Vec<Vec<&'a str>> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|o| {
            keys.iter()
                .map(|k| {
                    o[*k]
                        .as_str()
                        .unwrap_or_else(|| panic!("no string {k} in {o}"))
                })
                .collect()
        })
        .collect()
}

/// One string field of every object in a JSON array.
pub fn column<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    rows(list, &[key]).into_iter().map(|r| r[0]).collect()
}

impl Store {
    /// Run git in `dir` (instead of the store's work tree), with the pinned environment plus
    /// `env`, feeding `stdin` when given; any outcome.
    /// The tree of `rev` in the repository at `dir` with the file `path` holding `bytes` (a
    /// regular file), written through a temporary index: the tree of a hand-made commit.
    pub fn tree_with(&self, dir: &Path, rev: &str, path: &str, bytes: &[u8]) -> String {
        let index = dir.join(".git/wf-test-index");
        let index = index.to_str().unwrap();
        let run = |args: &[&str], stdin: Option<&[u8]>| {
            let out = self.git_at(dir, args, &[("GIT_INDEX_FILE", index)], stdin);
            assert!(out.status.success(), "git {args:?}: {}", describe(&out));
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let blob = run(&["hash-object", "-w", "--stdin"], Some(bytes));
        run(&["read-tree", rev], None);
        run(
            &[
                "update-index",
                "--cacheinfo",
                &format!("100644,{blob},{path}"),
            ],
            None,
        );
        let tree = run(&["write-tree"], None);
        std::fs::remove_file(index).unwrap();
        tree
    }

    pub fn git_at(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Output {
        let mut c = self.command("git");
        c.current_dir(dir).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        output(c, stdin)
    }
}

/// The folder holding the wf binaries built for these tests.
pub fn bin_dir() -> PathBuf {
    Path::new(bin("wf")).parent().unwrap().to_path_buf()
}

/// Fail (never skip) when a program the test needs is missing: a test that passes without
/// running proves nothing. `.ci/run` installs them.
pub fn need(program: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "this test needs `{program}` on PATH; install it (.ci/run installs it on CI)"
    );
}

impl Store {
    /// Run a script with `sh -c` in the store, with the pinned environment, the wf binaries
    /// first on `PATH`, and `$KEYS` naming the folder of the actors' private keys.
    pub fn sh(&self, script: &str) -> Output {
        need("sh");
        let mut c = self.command("sh");
        let path = std::env::join_paths(
            std::iter::once(bin_dir()).chain(
                std::env::var_os("PATH")
                    .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
        )
        .unwrap();
        c.env("PATH", path)
            .env("KEYS", self.root.join("keys"))
            .args(["-c", script]);
        output(c, None)
    }

    /// [`Store::sh`] that must succeed; returns stdout.
    pub fn sh_ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(out.status.success(), "sh -c {script:?}: {}", describe(&out));
        String::from_utf8(out.stdout).expect("UTF-8 stdout")
    }
}

impl Store {
    /// Write an executable script under the temporary folder; returns its path.
    pub fn script(&self, rel: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let p = self.file(rel, body.as_bytes());
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// The repository's `scripts/stand-in-model`: the local stand-in for an AI model.
    pub fn stand_in_model() -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts/stand-in-model")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    }
}
