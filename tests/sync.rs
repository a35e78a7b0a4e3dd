//! Teams across clones (spec/sync.md): several clones of one server guarded by wf-hook,
//! concurrent actions on one task joined by plain `git pull` (wf's merge driver) or replayed by
//! `wf sync`, superseded actions kept, a rebase repaired, task ids taken twice, a missing key.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{describe, json, Store, BOB, BOT, CAROL};

/// A server with the hooks, alice's store pushed to it, and a task at its review step held by
/// bob (the bot drafted it).
struct Team {
    s: Store,
    server: PathBuf,
    /// The task at review.
    t: String,
}

const DRAFT: &[u8] = b"# Launch\n\nThe AI wrote this.\n";

impl Team {
    fn new() -> Team {
        let s = Store::new();
        let t = s
            .ok("wf-new", &["--title", "Launch"], "alice")
            .trim()
            .to_string();
        s.to_review(&t, DRAFT);
        let server = s.hooked_server();
        s.git(&["push", "-q", "-u", "origin", "main"]);
        let team = Team { s, server, t };
        team.setup(&team.s.repo.clone(), "alice");
        team
    }

    /// A clone of the server for `who`, adopted with wf-init (allowed signers, merge driver).
    fn clone_for(&self, who: &str) -> PathBuf {
        self.clone_named(who, who)
    }

    /// A clone in `clone-NAME`, adopted with `who`'s key.
    fn clone_named(&self, name: &str, who: &str) -> PathBuf {
        let dir = self.s.root.join(format!("clone-{name}"));
        let out = self.s.git_at(
            &self.s.root,
            &[
                "clone",
                "-q",
                self.server.to_str().unwrap(),
                dir.to_str().unwrap(),
            ],
            &[],
            None,
        );
        assert!(out.status.success(), "clone: {}", describe(&out));
        self.setup(&dir, who);
        let out = self.s.call("wf-init").arg(".").key(who).dir(&dir).run();
        assert!(out.status.success(), "wf-init adopt: {}", describe(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("adopted"));
        dir
    }

    fn setup(&self, dir: &Path, who: &str) {
        for (k, v) in [
            ("user.name", who),
            ("user.email", "dev@example.com"),
            ("pull.rebase", "false"),
        ] {
            self.git(dir, &["config", k, v]);
        }
    }

    /// git in `dir`; must succeed; stdout.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.s.git_at(dir, args, &[], None);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// A wf tool in `dir` signing as `key`.
    fn tool(&self, dir: &Path, tool: &str, args: &[&str], key: &str) -> Output {
        self.s.call(tool).args(args).key(key).dir(dir).run()
    }

    fn ok(&self, dir: &Path, tool: &str, args: &[&str], key: &str) -> String {
        let out = self.tool(dir, tool, args, key);
        assert!(out.status.success(), "{tool} {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn server_main(&self) -> String {
        self.git(&self.server, &["rev-parse", "refs/heads/main"])
            .trim()
            .to_string()
    }

    /// The server's history verifies clean, passes git fsck --strict, and no task file holds
    /// conflict markers.
    fn assert_server_sound(&self) {
        let out = self
            .s
            .call("wf-verify")
            .args(["--no-cache", "-C", self.server.to_str().unwrap()])
            .run();
        assert!(
            out.status.success(),
            "wf-verify on the server: {}",
            describe(&out)
        );
        self.git(&self.server, &["fsck", "--strict", "--no-progress"]);
        let files = self.git(
            &self.server,
            &["ls-tree", "-r", "--name-only", "main", "tasks"],
        );
        for f in files.lines().filter(|f| f.ends_with(".toml")) {
            let text = self.git(&self.server, &["show", &format!("main:{f}")]);
            assert!(
                !text.contains("<<<<<<<"),
                "{f} holds conflict markers:\n{text}"
            );
        }
    }

    /// bob becomes an admin (alice's change, pushed), then, in his own clone, takes carol's
    /// reviewer role away and pushes; alice's clone has not synced since.
    fn bob_takes_carols_review_role(&self) {
        let main = &self.s.repo;
        self.ok(
            main,
            "wf-actor",
            &["update", BOB.0, "--add-role", "admin"],
            "alice",
        );
        self.git(main, &["push", "-q", "origin", "main"]);
        let b = self.clone_for("bob");
        self.ok(
            &b,
            "wf-actor",
            &["update", CAROL.0, "--remove-role", "reviewer"],
            "bob",
        );
        self.git(&b, &["push", "-q", "origin", "main"]);
    }

    /// `wf-sync --json` in `dir`, signing with `who`'s key.
    fn sync_json(&self, dir: &Path, who: &str) -> Output {
        self.s.call("wf-sync").arg("--json").key(who).dir(dir).run()
    }

    /// An unsigned copy of commit `of`, made in `dir` with the tree `tree` and the parent
    /// `parent`: its author, author date and message byte for byte (what a rebase, or someone
    /// copying another's action, writes), committed at `committed` when given.
    fn unsigned_copy(
        &self,
        dir: &Path,
        of: &str,
        tree: &str,
        parent: &str,
        committed: Option<&str>,
    ) -> String {
        let raw = self.git(dir, &["cat-file", "commit", of]);
        let msg = raw.split_once("\n\n").unwrap().1;
        let who = self.git(
            dir,
            &["log", "-1", "--format=%an%n%ae%n%ad", "--date=raw", of],
        );
        let who: Vec<&str> = who.lines().collect();
        let mut env = vec![
            ("GIT_AUTHOR_NAME", who[0]),
            ("GIT_AUTHOR_EMAIL", who[1]),
            ("GIT_AUTHOR_DATE", who[2]),
            ("GIT_COMMITTER_NAME", who[0]),
            ("GIT_COMMITTER_EMAIL", who[1]),
        ];
        if let Some(d) = committed {
            env.push(("GIT_COMMITTER_DATE", d));
        }
        let out = self.s.git_at(
            dir,
            &["commit-tree", tree, "-p", parent],
            &env,
            Some(msg.as_bytes()),
        );
        assert!(out.status.success(), "{}", describe(&out));
        let copy = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_ne!(copy, of, "a copy, not the commit itself");
        copy
    }

    /// alice hands the review to carol and pushes; bob, meanwhile, runs `wf-review` with
    /// `review` (after the task id) in his own clone. Returns bob's clone, not pulled.
    fn review_beside_a_handoff(&self, review: &[&str]) -> PathBuf {
        let b = self.clone_for("bob");
        self.ok(
            &self.s.repo,
            "wf-assign",
            &[&self.t, "--to", CAROL.0],
            "alice",
        );
        self.git(&self.s.repo, &["push", "-q", "origin", "main"]);
        let mut args = vec![self.t.as_str()];
        args.extend_from_slice(review);
        self.ok(&b, "wf-review", &args, "bob");
        b
    }

    /// [`Team::review_beside_a_handoff`] with a comment, then pulled: the merge driver joins
    /// both. Returns bob's clone, at the merge, not pushed.
    fn comment_beside_a_handoff(&self) -> PathBuf {
        let b = self.review_beside_a_handoff(&["--comment", "-m", "looks fine"]);
        self.git(&b, &["pull", "-q", "--no-edit", "origin", "main"]);
        b
    }

    /// An actor of the store in `dir`, as `wf-actor list --json` shows it.
    fn actor(&self, dir: &Path, id: &str) -> serde_json::Value {
        let list = json(
            &self
                .s
                .call("wf-actor")
                .args(["list", "--json"])
                .dir(dir)
                .ok(),
        );
        list["actors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no actor {id}"))
    }

    fn show(&self, dir: &Path, id: &str) -> serde_json::Value {
        json(&self.s.call("wf-show").args([id, "--json"]).dir(dir).ok())
    }
}

#[test]
fn actions_on_different_tasks_merge_with_plain_git_pull() {
    let team = Team::new();
    let b = team.clone_for("bob");
    let other = team.ok(&team.s.repo, "wf-new", &["--title", "Other"], "alice");
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    team.ok(
        &b,
        "wf-review",
        &[&team.t, "--comment", "-m", "a thought"],
        "bob",
    );
    team.git(&b, &["pull", "-q", "--no-edit", "origin", "main"]);
    team.git(&b, &["push", "-q", "origin", "main"]);
    team.assert_server_sound();
    assert_eq!(team.show(&b, other.trim())["title"], "Other");
}

#[test]
fn a_comment_and_a_handoff_on_one_task_join_through_the_merge_driver() {
    let team = Team::new();
    let b = team.comment_beside_a_handoff();
    let parents = team.git(&b, &["rev-list", "--parents", "-1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "a merge: {parents}");
    team.git(&b, &["push", "-q", "origin", "main"]);
    team.assert_server_sound();
    let t = team.show(&b, &team.t);
    assert_eq!(t["holder"], CAROL.0, "{t:#}");
    assert_eq!(t["review"].as_array().unwrap().len(), 1, "{t:#}");
}

#[test]
fn an_accept_and_a_handoff_of_one_review_conflict_and_wf_sync_supersedes_one() {
    let team = Team::new();
    let b = team.review_beside_a_handoff(&["--accept", "-m", "ship it"]);
    let accept = team.git(&b, &["rev-parse", "HEAD"]).trim().to_string();
    // A plain git pull cannot join them: the driver leaves the file conflicted and says why.
    let out = team.s.git_at(
        &b,
        &["pull", "-q", "--no-edit", "origin", "main"],
        &[],
        None,
    );
    assert!(!out.status.success(), "{}", describe(&out));
    let file = b.join(wf_core::Task::path(&team.t));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# wf: ") && text.contains("run `git merge --abort`, then `wf sync`"),
        "{text}"
    );
    assert!(text.contains("<<<<<<< ours"), "{text}");
    team.git(&b, &["merge", "--abort"]);
    // wf sync: bob's accept is decided again on the upstream, where carol holds the review.
    let before = team.server_main();
    let out = team.sync_json(&b, "bob");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    common::schema::check(&v);
    let sup = &v["superseded"][0];
    assert_eq!(sup["task"], team.t.as_str(), "{v:#}");
    assert_eq!(sup["action"], "review");
    assert_eq!(sup["commit"], accept.as_str());
    assert!(
        sup["reason"]
            .as_str()
            .unwrap()
            .starts_with("rule 2 (assignee-only)"),
        "{v:#}"
    );
    assert_eq!(
        sup["ref"].as_str().unwrap(),
        format!("refs/wf/superseded/{accept}")
    );
    assert!(sup["by"].is_string(), "{v:#}");
    assert_eq!(v["published"].as_array().unwrap().len(), 0);
    // Kept, not lost; listed by wf-log --superseded; the clone now has the upstream.
    assert_eq!(
        team.git(&b, &["rev-parse", &format!("refs/wf/superseded/{accept}")])
            .trim(),
        accept
    );
    let log = team.s.call("wf-log").arg("--superseded").dir(&b).ok();
    assert!(
        log.starts_with(&accept[..12]) && log.contains("review"),
        "{log}"
    );
    assert_eq!(team.git(&b, &["rev-parse", "HEAD"]).trim(), before);
    assert_eq!(team.server_main(), before, "nothing was pushed");
    assert_eq!(team.show(&b, &team.t)["holder"], CAROL.0);
}

#[test]
fn after_git_pull_rebase_the_push_is_refused_and_wf_sync_signs_the_actions_again() {
    let team = Team::new();
    let b = team.clone_for("bob");
    team.ok(&b, "wf-hook", &["install"], "bob");
    let other = team
        .ok(&team.s.repo, "wf-new", &["--title", "Other"], "alice")
        .trim()
        .to_string();
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    team.ok(&b, "wf-review", &[&team.t, "--comment", "-m", "one"], "bob");
    team.ok(&b, "wf-review", &[&team.t, "--comment", "-m", "two"], "bob");
    team.git(&b, &["pull", "-q", "--rebase", "origin", "main"]);
    let out = team
        .s
        .git_at(&b, &["push", "-q", "origin", "main"], &[], None);
    assert!(!out.status.success(), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsigned") && err.contains("run wf sync"),
        "{err}"
    );
    let before = team.server_main();
    let out = team.ok(&b, "wf-sync", &[], "bob");
    assert!(
        out.contains(&format!("published {} review", team.t)),
        "{out}"
    );
    assert!(out.contains("pushed"), "{out}");
    assert_ne!(team.server_main(), before);
    team.assert_server_sound();
    let t = team.show(&b, &team.t);
    assert_eq!(t["review"].as_array().unwrap().len(), 2, "{t:#}");
    assert_eq!(team.show(&b, &other)["title"], "Other");
    team.s.assert_verifies("HEAD");
}

#[test]
fn a_task_id_taken_upstream_gets_a_new_one() {
    let team = Team::new();
    let b = team.clone_named("alice2", "alice");
    // alice creates a task and pushes; the same `new` (same id) is made on bob's line too.
    let id = team
        .ok(&team.s.repo, "wf-new", &["--title", "Mine"], "alice")
        .trim()
        .to_string();
    let created = team
        .git(&team.s.repo, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    team.git(&b, &["fetch", "-q", "origin"]);
    team.git(&b, &["cherry-pick", &created]);
    // Another task under the same id: its own title.
    let path = wf_core::Task::path(&id);
    let text = std::fs::read_to_string(b.join(&path)).unwrap();
    std::fs::write(b.join(&path), text.replace("\"Mine\"", "\"Theirs\"")).unwrap();
    let msg = team
        .git(&b, &["log", "-1", "--format=%B"])
        .replace(": Mine", ": Theirs");
    // Signed by alice, as her tool signs (wf sync signs again only what its actor signed).
    let key = format!("user.signingkey={}", team.s.key("alice").display());
    team.git(
        &b,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &key,
            "commit",
            "-q",
            "-S",
            "-a",
            "--amend",
            "-m",
            msg.trim_end(),
        ],
    );
    let out = team.ok(&b, "wf-sync", &["--json"], "alice");
    let v = json(&out);
    let renamed = &v["renamed"][0];
    assert_eq!(renamed["from"], id.as_str(), "{v:#}");
    let new_id = renamed["to"].as_str().unwrap().to_string();
    assert_ne!(new_id, id);
    assert_eq!(v["published"][0]["task"], new_id.as_str());
    team.assert_server_sound();
    assert_eq!(team.show(&b, &new_id)["title"], "Theirs");
    assert_eq!(team.show(&b, &id)["title"], "Mine");
}

#[test]
fn an_action_whose_actors_key_is_not_at_hand_stops_wf_sync_with_nothing_changed() {
    let team = Team::new();
    let b = team.clone_for("bob");
    team.ok(
        &team.s.repo,
        "wf-assign",
        &[&team.t, "--to", CAROL.0, "-m", "x"],
        "alice",
    );
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    team.ok(
        &b,
        "wf-review",
        &[&team.t, "--comment", "-m", "mine"],
        "bob",
    );
    let head = team.git(&b, &["rev-parse", "HEAD"]);
    let server = team.server_main();
    // carol's key only: bob's comment cannot be signed again.
    let out = team.tool(&b, "wf-sync", &[], "carol");
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the actions of bob are to be signed again")
            && err.contains(&team.s.fingerprint("bob"))
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert!(err.contains("hint: pass it: wf-sync --key PATH"), "{err}");
    assert_eq!(team.git(&b, &["rev-parse", "HEAD"]), head);
    assert_eq!(team.server_main(), server);
    let _ = (BOB, BOT);
}

/// A small deterministic generator, one per clone.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// What one clone did: actions it committed, and what its syncs said of them.
#[derive(Default, Debug)]
struct Tally {
    attempted: usize,
    published: usize,
    superseded: usize,
}

/// Run `wf sync` until it settles (0: all published, 1: some superseded); a lost race or an
/// upstream that kept moving (5) is tried again. Adds what it reported to `tally`.
fn sync_until_settled(team: &Team, dir: &Path, key: &str, tally: &mut Tally) {
    for _ in 0..20 {
        let out = team.tool(dir, "wf-sync", &["--json"], key);
        match out.status.code() {
            Some(0) | Some(1) => {
                let v = json(&String::from_utf8_lossy(&out.stdout));
                tally.published += v["published"].as_array().unwrap().len();
                tally.superseded += v["superseded"].as_array().unwrap().len();
                return;
            }
            Some(5) => continue,
            _ => panic!("wf sync in {}: {}", dir.display(), describe(&out)),
        }
    }
    panic!("wf sync in {} never settled", dir.display());
}

/// Eight clones (people and AI agents) act 25 times each on 20 shared tasks, in parallel, each
/// syncing after every action: every action committed is published or superseded (none lost),
/// the server's history verifies and passes git fsck, and no task file holds conflict markers.
#[test]
fn soak_eight_clones_race_on_twenty_shared_tasks_and_nothing_is_lost() {
    let team = Team::new();
    let mut tasks = vec![team.t.clone()];
    for i in 1..20 {
        let id = team
            .ok(
                &team.s.repo,
                "wf-new",
                &["--title", &format!("Task {i}")],
                "alice",
            )
            .trim()
            .to_string();
        team.s.to_review(&id, format!("Draft {i}.\n").as_bytes());
        tasks.push(id);
    }
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    let setup = team.server_main();
    let who = [
        "alice", "alice", "bob", "bob", "carol", "carol", BOT.0, BOT.0,
    ];
    let clones: Vec<(PathBuf, &str)> = who
        .iter()
        .enumerate()
        .map(|(i, w)| (team.clone_named(&format!("soak-{i}"), w), *w))
        .collect();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = clones
            .iter()
            .enumerate()
            .map(|(i, (dir, key))| {
                let (team, tasks) = (&team, &tasks);
                scope.spawn(move || {
                    let mut rng = Rng(0x9e37_79b9 + i as u64);
                    let mut tally = Tally::default();
                    for n in 0..25 {
                        let t = &tasks[rng.below(tasks.len())];
                        let note = format!("{key} {n}");
                        let args: Vec<String> = match *key {
                            "alice" => {
                                let to = if rng.below(2) == 0 { "bob" } else { "carol" };
                                vec!["wf-assign".into(), t.clone(), "--to".into(), to.into()]
                            }
                            "bob" | "carol" if rng.below(3) == 0 => {
                                vec![
                                    "wf-review".into(),
                                    t.clone(),
                                    "--accept".into(),
                                    "-m".into(),
                                    note,
                                ]
                            }
                            _ => vec![
                                "wf-review".into(),
                                t.clone(),
                                "--comment".into(),
                                "-m".into(),
                                note,
                            ],
                        };
                        let argv: Vec<&str> = args[1..].iter().map(String::as_str).collect();
                        // Each action at its own second, after the setup's: two clones of one
                        // actor never make byte-identical commits (which would be one commit,
                        // counted twice), nor repeat a setup action to the second (which wf
                        // sync takes for that action, already upstream).
                        let date = format!("@{} +0000", 1_795_501_000 + i * 100 + n);
                        let out = team
                            .s
                            .call(&args[0])
                            .args(&argv)
                            .key(key)
                            .dir(dir)
                            .env("GIT_COMMITTER_DATE", &date)
                            .env("GIT_AUTHOR_DATE", &date)
                            .run();
                        match out.status.code() {
                            Some(0) => tally.attempted += 1,
                            // Refused by a rule on this clone's state: nothing committed.
                            Some(1) | Some(3) => {}
                            _ => panic!("{} in {}: {}", args[0], dir.display(), describe(&out)),
                        }
                        sync_until_settled(team, dir, key, &mut tally);
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (attempted, published, superseded) = tallies.iter().fold((0, 0, 0), |a, t| {
        (a.0 + t.attempted, a.1 + t.published, a.2 + t.superseded)
    });
    assert!(attempted >= 100, "{tallies:?}");
    assert_eq!(published + superseded, attempted, "{tallies:?}");
    // Every published action is on the server, once.
    let actions = team.git(
        &team.server,
        &[
            "log",
            "--format=%(trailers:key=Wf-Action,valueonly)",
            &format!("{setup}..main"),
        ],
    );
    let on_server = actions.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(on_server, published, "{tallies:?}");
    team.assert_server_sound();
    eprintln!("soak: {attempted} actions: {published} published, {superseded} superseded");
}

/// A sync whose push went through but whose branch could not follow (simulated by putting the
/// branch back) does not publish the same action twice the next time: it is found upstream.
#[test]
fn an_action_already_published_is_not_published_twice() {
    let team = Team::new();
    let b = team.review_beside_a_handoff(&["--comment", "-m", "only once"]);
    let mine = team.git(&b, &["rev-parse", "HEAD"]).trim().to_string();
    let first = json(&team.ok(&b, "wf-sync", &["--json"], "bob"));
    let published = first["published"][0]["commit"]
        .as_str()
        .unwrap()
        .to_string();
    // Back to where a sync stopped between its push and its branch's move: the branch on the
    // local action, the note of its replay still there.
    team.git(&b, &["reset", "-q", "--hard", &mine]);
    team.git(
        &b,
        &[
            "update-ref",
            &format!("refs/wf/published/{mine}"),
            &published,
        ],
    );
    let again = json(&team.ok(&b, "wf-sync", &["--json"], "bob"));
    assert_eq!(
        again["published"][0]["commit"],
        published.as_str(),
        "{again:#}"
    );
    assert_eq!(again["published"][0]["original"], mine.as_str());
    team.assert_server_sound();
    let reviews = team.show(&b, &team.t)["review"].as_array().unwrap().len();
    assert_eq!(reviews, 1, "published twice");
}

/// The AI runner job (scripts/ci/wf-runner, which the GitHub and GitLab jobs run): two runners
/// work one bot's queue at once with a real prompt-on-stdin AI CLI (Python's `llm` with its
/// offline `llm-markov` plugin, from target/venv, which scripts/python-venv installs). Every
/// task is drafted once in the shared history; a second draft of a task is superseded and kept,
/// never published and never lost.
#[test]
fn two_ai_runners_work_one_queue_with_llm_and_nothing_is_done_twice() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let llm = root.join("target/venv/bin/llm").canonicalize().unwrap_or_else(|_| {
        panic!("this test needs llm with llm-markov in target/venv: run scripts/python-venv (scripts/test and .ci/run do)")
    });
    let runner = root.join("scripts/ci/wf-runner").canonicalize().unwrap();
    let team = Team::new();
    let mut queue = Vec::new();
    for i in 0..3 {
        let id = team
            .ok(
                &team.s.repo,
                "wf-new",
                &["--title", &format!("Piece {i} about the quick brown fox")],
                "alice",
            )
            .trim()
            .to_string();
        team.ok(&team.s.repo, "wf-assign", &[&id, "--to", BOT.0], "alice");
        queue.push(id);
    }
    let llm = llm.to_str().unwrap().to_string();
    team.ok(
        &team.s.repo,
        "wf-actor",
        &[
            "update",
            BOT.0,
            "--model",
            "markov",
            "--run-timeout",
            "60",
            "--",
            &llm,
            "-m",
            "markov",
            "--no-log",
        ],
        "alice",
    );
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    let runners: Vec<PathBuf> = (0..2)
        .map(|i| team.clone_named(&format!("runner-{i}"), BOT.0))
        .collect();
    let path = std::env::join_paths(std::iter::once(common::bin_dir()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let hs: Vec<_> = runners
            .iter()
            .map(|dir| {
                let (team, runner, path) = (&team, &runner, &path);
                scope.spawn(move || {
                    let mut c = team.s.command(runner);
                    // Each runner is a machine of its own: llm keeps its files apart.
                    c.current_dir(dir)
                        .env("LLM_USER_PATH", dir.join(".llm"))
                        .env("PATH", path)
                        .env("WF_ACTOR", BOT.0)
                        .env("WF_SIGNING_KEY", team.s.key(BOT.0));
                    common::output(c, None)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (mut published, mut superseded) = (0, 0);
    for out in &outs {
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "a runner failed: {}",
            describe(out)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        published += text.lines().filter(|l| l.starts_with("published ")).count();
        superseded += text
            .lines()
            .filter(|l| l.starts_with("superseded "))
            .count();
    }
    // Each runner drafted every task it saw in the queue; each draft is published or kept.
    let drafted: usize = outs
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.contains(": revision 1 "))
                .count()
        })
        .sum();
    assert_eq!(published + superseded, drafted, "{outs:?}");
    assert_eq!(published, queue.len(), "each task drafted once: {outs:?}");
    team.git(&runners[0], &["pull", "-q", "--ff-only"]);
    for id in &queue {
        let t = team.show(&runners[0], id);
        assert_eq!(t["revision"].as_array().unwrap().len(), 1, "{t:#}");
        assert_eq!(t["revision"][0]["model"], "markov", "{t:#}");
        assert_eq!(t["step"], "review");
    }
    team.assert_server_sound();
}

/// A merge of a task both lines acted on must hold the replay byte for byte: a red-team helper
/// rebuilt the driver's honest merge with comments in the task file ("# APPROVED by alice")
/// that parse away, and it was accepted.
#[test]
fn a_merge_whose_task_file_only_parses_like_the_replay_is_refused() {
    let team = Team::new();
    let b = team.comment_beside_a_handoff();
    let path = team
        .git(&b, &["ls-tree", "-r", "--name-only", "HEAD", "tasks"])
        .lines()
        .find(|l| l.ends_with(&format!("{}.toml", team.t)))
        .unwrap()
        .to_string();
    let text = team.git(&b, &["show", &format!("HEAD:{path}")]);
    let forged = format!("{text}# APPROVED by alice\n");
    let tree = team.s.tree_with(&b, "HEAD", &path, forged.as_bytes());
    let m = team
        .git(
            &b,
            &[
                "commit-tree",
                &tree,
                "-p",
                "HEAD^1",
                "-p",
                "HEAD^2",
                "-m",
                "Merge",
            ],
        )
        .trim()
        .to_string();
    let before = team.server_main();
    let out = team.s.git_at(
        &b,
        &["push", "origin", &format!("{m}:refs/heads/main")],
        &[],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("the merge does not hold the replay of both lines' actions"),
        "{err}"
    );
    assert_eq!(team.server_main(), before);
    // The honest merge is accepted.
    team.git(&b, &["push", "-q", "origin", "main"]);
    team.assert_server_sound();
}

/// Found by a red-team helper: line A's revision 2 (rejected by alice) wrote `out/`; line B's
/// revision kept the files of revision 1 byte for byte, so it wrote nothing. git's merge took
/// `out/` from A while the replay makes B's revision the latest: the tree held the bytes alice
/// rejected, and her approval of the latest revision would bind other bytes. The merge is
/// refused; `wf sync` replays B's revision, with its files, on top of A.
#[test]
fn a_merge_whose_out_folder_is_not_the_replayed_latest_revision_is_refused() {
    let team = Team::new();
    let main = &team.s.repo;
    team.ok(
        main,
        "wf-review",
        &[&team.t, "--accept", "-m", "fine"],
        "bob",
    );
    team.ok(main, "wf-assign", &[&team.t, "--to", BOT.0], "alice");
    team.git(main, &["push", "-q", "origin", "main"]);
    let b = team.clone_for(BOT.0);
    // Line A: the bot's rewrite, rejected by alice.
    let out = team
        .s
        .call("wf-submit")
        .args([team.t.as_str(), "--name", "draft.md"])
        .key(BOT.0)
        .dir(main)
        .stdin(b"# Nobody approved these words.\n")
        .run();
    assert!(out.status.success(), "{}", describe(&out));
    team.ok(
        main,
        "wf-approve",
        &[&team.t, "--reject", "-m", "no"],
        "alice",
    );
    team.git(main, &["push", "-q", "origin", "main"]);
    // Line B, an hour later: the bot submits revision 1's bytes again.
    let later = "@1795503600 +0000";
    let out = team
        .s
        .call("wf-submit")
        .args([team.t.as_str(), "--name", "draft.md"])
        .key(BOT.0)
        .dir(&b)
        .env("GIT_COMMITTER_DATE", later)
        .env("GIT_AUTHOR_DATE", later)
        .stdin(DRAFT)
        .run();
    assert!(out.status.success(), "{}", describe(&out));
    let mine = team.git(&b, &["rev-parse", "HEAD"]).trim().to_string();
    team.git(&b, &["pull", "-q", "--no-edit", "origin", "main"]);
    let path = team
        .git(&b, &["ls-tree", "-r", "--name-only", "HEAD", "tasks"])
        .lines()
        .find(|l| l.ends_with("/out/draft.md"))
        .unwrap()
        .to_string();
    assert_eq!(
        team.git(&b, &["show", &format!("HEAD:{path}")]),
        "# Nobody approved these words.\n",
        "git's merge takes out/ from line A"
    );
    let before = team.server_main();
    let out = team.s.git_at(&b, &["push", "origin", "main"], &[], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("out/draft.md is not the file task") && err.contains(&team.t),
        "{err}"
    );
    assert_eq!(team.server_main(), before);
    // wf sync replays the bot's revision with its own files.
    team.git(&b, &["reset", "-q", "--hard", &mine]);
    let out = team.ok(&b, "wf-sync", &[], BOT.0);
    assert!(out.contains("published"), "{out}");
    team.assert_server_sound();
    let server = team.server_main();
    assert_eq!(
        team.git(&team.server, &["show", &format!("{server}:{path}")])
            .as_bytes(),
        DRAFT
    );
    let t = team.show(&b, &team.t);
    let revisions = t["revision"].as_array().unwrap();
    assert_eq!(revisions.len(), 3, "{t:#}");
}

/// Found by a red-team helper: `wf sync` rebuilt every local action from its `Wf-Actor` and
/// signed it with that actor's key, so an unsigned commit in alice's name that reached her
/// clone (mallory's pulled branch) was published signed by alice. It now signs again only what
/// its actor signed, or a rebased copy of a commit its actor signed (the rebase test above);
/// the forged action is set aside with the reason, and nothing of it reaches the server.
#[test]
fn wf_sync_does_not_sign_an_unsigned_action_that_its_actor_never_signed() {
    let team = Team::new();
    let main = &team.s.repo;
    // mallory's clone: alice's handoff of the review to carol, made with alice's key there (in
    // the attack, written by hand) and copied without its signature; alice's clone never sees
    // the signed one.
    let m = team.clone_for("mallory");
    team.ok(&m, "wf-assign", &[&team.t, "--to", CAROL.0], "alice");
    let signed = team.git(&m, &["rev-parse", "HEAD"]).trim().to_string();
    let tree = team
        .git(&m, &["rev-parse", "HEAD^{tree}"])
        .trim()
        .to_string();
    let forged = team.unsigned_copy(&m, &signed, &tree, "HEAD~1", None);
    team.git(&m, &["update-ref", "refs/heads/main", &forged]);
    // Pushed as it is, the server refuses it.
    let out = team.s.git_at(&m, &["push", "origin", "main"], &[], None);
    assert!(!out.status.success(), "{}", describe(&out));
    // alice pulls mallory's branch (a merge, with one commit of her own on top) and syncs.
    let other = team
        .ok(main, "wf-new", &["--title", "Other"], "alice")
        .trim()
        .to_string();
    team.git(
        main,
        &["pull", "-q", "--no-edit", m.to_str().unwrap(), "main"],
    );
    let before = team.server_main();
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    common::schema::check(&v);
    let sup = v["superseded"].as_array().unwrap();
    assert_eq!(sup.len(), 1, "{v:#}");
    assert_eq!(sup[0]["commit"], forged.as_str(), "{v:#}");
    assert_eq!(sup[0]["action"], "assign", "{v:#}");
    let reason = sup[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("not signed by alice, nor a copy of a commit alice signed"),
        "{reason}"
    );
    // Her own action is published; the forged handoff is not.
    assert_eq!(v["published"].as_array().unwrap().len(), 1, "{v:#}");
    assert_ne!(team.server_main(), before);
    team.assert_server_sound();
    assert_eq!(team.show(main, &other)["title"], "Other");
    assert_eq!(team.show(main, &team.t)["holder"], BOB.0);
    let signers = team.git(&team.server, &["log", "--format=%H %s", "main"]);
    assert!(!signers.contains(&forged), "{signers}");
}

/// Found by a red-team helper: `wf sync` replayed a `.wf/` change by writing the whole files it
/// changed over the upstream's, so alice's new key for carol silently undid the role bob (an
/// admin too) had just taken from carol, in a commit signed by alice. A change to the same
/// actor is now superseded; a change to another actor is carried beside the upstream's.
#[test]
fn wf_sync_never_undoes_another_admins_policy_change() {
    let team = Team::new();
    let main = &team.s.repo;
    team.bob_takes_carols_review_role();
    // alice, not synced: a second key for carol, and a role for the bot.
    let extra = team.s.pubkey("mallory");
    team.ok(
        main,
        "wf-actor",
        &["update", CAROL.0, "--add-key", &extra],
        "alice",
    );
    team.ok(
        main,
        "wf-actor",
        &["update", BOT.0, "--add-role", "checker"],
        "alice",
    );
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    common::schema::check(&v);
    let sup = v["superseded"].as_array().unwrap();
    assert_eq!(sup.len(), 1, "{v:#}");
    assert!(
        sup[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("actor carol changed upstream since this change was made"),
        "{v:#}"
    );
    assert_eq!(v["published"].as_array().unwrap().len(), 1, "{v:#}");
    team.assert_server_sound();
    let get = |id: &str| team.actor(main, id);
    let carol = get(CAROL.0);
    assert!(
        !carol["roles"]
            .as_array()
            .unwrap()
            .contains(&"reviewer".into()),
        "{carol:#}"
    );
    assert_eq!(carol["keys"].as_array().unwrap().len(), 1, "{carol:#}");
    let bot = get(BOT.0);
    assert!(
        bot["roles"].as_array().unwrap().contains(&"checker".into()),
        "{bot:#}"
    );
}

/// A rebase re-dates each commit's committer, and anyone's copy can carry any committer date:
/// `wf sync` replays an action at its author time, the time its actor signed it.
#[test]
fn wf_sync_replays_a_rebased_action_at_the_time_its_actor_signed_it() {
    let team = Team::new();
    let b = team.clone_for("bob");
    team.ok(&team.s.repo, "wf-new", &["--title", "Other"], "alice");
    team.git(&team.s.repo, &["push", "-q", "origin", "main"]);
    team.ok(&b, "wf-review", &[&team.t, "--comment", "-m", "one"], "bob");
    let out = team.s.git_at(
        &b,
        &["pull", "-q", "--rebase", "origin", "main"],
        &[("GIT_COMMITTER_DATE", "@1796400000 +0000")],
        None,
    );
    assert!(out.status.success(), "{}", describe(&out));
    let rebased = team.git(&b, &["log", "-1", "--format=%at %ct"]);
    assert_eq!(rebased.trim(), "1795500000 1796400000");
    team.ok(&b, "wf-sync", &[], "bob");
    team.assert_server_sound();
    let server = team.server_main();
    let published = team.git(&team.server, &["log", "-1", "--format=%at %ct %s", &server]);
    assert!(
        published.starts_with("1795500000 1795500000 wf: review"),
        "{published}"
    );
}

/// Found by a red-team helper: after the documented `git pull --rebase`, an admin's change to
/// one actor, rebased onto another admin's change to another actor, was not recognised as the
/// copy of the signed original (its file's bytes differ) and was superseded. A copy is now
/// recognised by what it changed, actor by actor; a copy whose parent holds another version of
/// what it changes is not (a copy built to undo the upstream's change).
#[test]
fn after_git_pull_rebase_a_policy_change_beside_anothers_is_signed_again() {
    let team = Team::new();
    let main = &team.s.repo;
    team.bob_takes_carols_review_role();
    team.ok(
        main,
        "wf-actor",
        &["update", BOT.0, "--add-role", "checker"],
        "alice",
    );
    team.git(main, &["pull", "-q", "--rebase", "origin", "main"]);
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["published"].as_array().unwrap().len(), 1, "{v:#}");
    assert!(v["superseded"].as_array().unwrap().is_empty(), "{v:#}");
    team.assert_server_sound();
    let roles = |id: &str| team.actor(main, id)["roles"].clone();
    assert!(!roles(CAROL.0)
        .as_array()
        .unwrap()
        .contains(&"reviewer".into()));
    assert!(roles(BOT.0).as_array().unwrap().contains(&"checker".into()));
}

/// Found by a red-team helper: an unsigned copy of alice's signed policy change (made on
/// another branch), given the upstream's tip as its parent and her whole workflow file, was
/// taken for a rebased copy and published signed by alice, undoing the review roles bob had
/// just tightened. A copy must make the same change, before and after, as the original.
#[test]
fn a_copy_of_a_policy_change_built_to_undo_the_upstream_is_not_signed() {
    let team = Team::new();
    let main = &team.s.repo;
    team.ok(
        main,
        "wf-actor",
        &["update", BOB.0, "--add-role", "admin"],
        "alice",
    );
    team.git(main, &["push", "-q", "origin", "main"]);
    let wf_path = ".wf/workflows/default.toml";
    let text = std::fs::read_to_string(main.join(wf_path)).unwrap();
    // alice, on a branch: the description only, signed.
    team.git(main, &["checkout", "-q", "-b", "wip"]);
    let desc = team.s.file(
        "desc.toml",
        text.replacen("description = \"", "description = \"(typo fixed) ", 1)
            .as_bytes(),
    );
    team.ok(main, "wf-policy", &["set", "--workflow", &desc], "alice");
    let wip = team.git(main, &["rev-parse", "HEAD"]).trim().to_string();
    team.git(main, &["checkout", "-q", "main"]);
    // bob tightens the review step upstream.
    let b = team.clone_for("bob");
    let strict = team.s.file(
        "strict.toml",
        text.replace("roles = [\"reviewer\"]", "roles = [\"senior\"]")
            .as_bytes(),
    );
    assert_ne!(std::fs::read_to_string(&strict).unwrap(), text);
    team.ok(&b, "wf-policy", &["set", "--workflow", &strict], "bob");
    team.git(&b, &["push", "-q", "origin", "main"]);
    let upstream = team.server_main();
    // mallory's copy: alice's author, date and message; the upstream as parent; alice's file.
    let m = team.clone_for("mallory");
    team.git(&m, &["fetch", "-q", main.to_str().unwrap(), "wip"]);
    let alices = team.git(&m, &["show", &format!("{wip}:{wf_path}")]);
    let tree = team.s.tree_with(&m, &upstream, wf_path, alices.as_bytes());
    let copy = team.unsigned_copy(&m, &wip, &tree, &upstream, None);
    team.git(&m, &["update-ref", "refs/heads/main", &copy]);
    // alice pulls mallory's main and syncs: the copy is set aside, nothing is published.
    team.git(
        main,
        &["pull", "-q", "--no-edit", m.to_str().unwrap(), "main"],
    );
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    let sup = v["superseded"].as_array().unwrap();
    assert_eq!(sup.len(), 1, "{v:#}");
    assert_eq!(sup[0]["commit"], copy.as_str(), "{v:#}");
    assert!(
        sup[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not signed by alice, nor a copy of a commit alice signed"),
        "{v:#}"
    );
    let now = team.git(&team.server, &["show", &format!("main:{wf_path}")]);
    assert!(now.contains("roles = [\"senior\"]"), "{now}");
    team.assert_server_sound();
}

/// Found by a red-team helper: an action `wf sync` had published was published again, later,
/// signed by its actor, undoing what others did since. mallory copied the replay (unsigned,
/// same author, date and message) onto its own parent and merged it with the server's main;
/// alice's pull was a fast-forward, and her sync took the copy for a rebased copy of her signed
/// original, still in her reflog. An action already upstream is never published again.
#[test]
fn wf_sync_never_publishes_an_action_already_upstream_again() {
    let team = Team::new();
    let main = &team.s.repo;
    let b = team.clone_for("bob");
    team.ok(
        &b,
        "wf-review",
        &[&team.t, "--comment", "-m", "first"],
        "bob",
    );
    team.git(&b, &["push", "-q", "origin", "main"]);
    // alice hands the review to carol; her sync replays it onto bob's comment.
    team.ok(main, "wf-assign", &[&team.t, "--to", CAROL.0], "alice");
    let out = team.ok(main, "wf-sync", &[], "alice");
    assert!(
        out.contains(&format!("published {} assign", team.t)),
        "{out}"
    );
    let replay = team.server_main();
    // carol hands it back to bob.
    let c = team.clone_for("carol");
    team.ok(&c, "wf-assign", &[&team.t, "--to", BOB.0], "carol");
    team.git(&c, &["push", "-q", "origin", "main"]);
    let server = team.server_main();
    // mallory: an unsigned copy of the replay, merged with the server's main (same tree).
    let m = team.clone_for("mallory");
    let tree = team.git(&m, &["rev-parse", &format!("{replay}^{{tree}}")]);
    let parent = team.git(&m, &["rev-parse", &format!("{replay}^")]);
    let copy = team.unsigned_copy(
        &m,
        &replay,
        tree.trim(),
        parent.trim(),
        Some("@1795509999 +0000"),
    );
    let server_tree = team.git(&m, &["rev-parse", &format!("{server}^{{tree}}")]);
    let merge = team.git(
        &m,
        &[
            "commit-tree",
            server_tree.trim(),
            "-p",
            &server,
            "-p",
            &copy,
            "-m",
            "Merge",
        ],
    );
    team.git(&m, &["update-ref", "refs/heads/main", merge.trim()]);
    team.git(
        main,
        &["pull", "-q", "--ff-only", m.to_str().unwrap(), "main"],
    );
    let out = team.sync_json(main, "alice");
    assert!(out.status.success(), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    let published = v["published"].as_array().unwrap();
    assert_eq!(published.len(), 1, "{v:#}");
    assert_eq!(
        published[0]["commit"],
        replay.as_str(),
        "already upstream: {v:#}"
    );
    assert_eq!(team.server_main(), server, "nothing new reached the server");
    assert_eq!(team.show(main, &team.t)["holder"], BOB.0);
    team.assert_server_sound();
}

/// Found by a red-team helper: a copy of a signed action with the original's author, date,
/// message and task file, but other files (here the brief of a new task: "pay Mallory"), was
/// taken for a rebased copy of the original, and `wf sync` signed the copy's files with the
/// actor's key. A copy is the original's only when it also wrote the same files.
#[test]
fn a_copy_of_an_action_with_other_files_is_not_signed() {
    let team = Team::new();
    let main = &team.s.repo;
    let brief = team
        .s
        .file("brief.md", b"Pay ACME invoice 12: 1,000 EUR.\n");
    let input = format!("brief={brief}");
    let id = team
        .ok(
            main,
            "wf-new",
            &["--title", "Pay vendor", "--input-file", &input],
            "alice",
        )
        .trim()
        .to_string();
    let signed = team.git(main, &["rev-parse", "HEAD"]).trim().to_string();
    let files = team.git(main, &["ls-tree", "-r", "--name-only", "HEAD"]);
    let path = files
        .lines()
        .find(|p| p.contains(&id) && p.ends_with("/in/brief"))
        .expect("the brief")
        .to_string();
    // The copy: the same task file, another brief; the original stays in alice's reflog.
    let tree = team.s.tree_with(
        main,
        "HEAD",
        &path,
        b"Pay 1,000,000 EUR to account DE00 6666 (Mallory).\n",
    );
    let copy = team.unsigned_copy(main, &signed, &tree, "HEAD~1", None);
    team.git(main, &["reset", "-q", "--hard", &copy]);
    let before = team.server_main();
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    common::schema::check(&v);
    let sup = v["superseded"].as_array().unwrap();
    assert_eq!(sup.len(), 1, "{v:#}");
    assert_eq!(sup[0]["commit"], copy.as_str(), "{v:#}");
    assert!(
        sup[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not signed by alice, nor a copy of a commit alice signed"),
        "{v:#}"
    );
    assert_eq!(v["published"].as_array().map(Vec::len), Some(0), "{v:#}");
    assert_eq!(team.server_main(), before, "nothing was pushed");
    // The copy with the original's own brief is the original's: signed again and published.
    let tree = team.git(main, &["rev-parse", &format!("{signed}^{{tree}}")]);
    let copy = team.unsigned_copy(main, &signed, tree.trim(), "HEAD~1", None);
    team.git(main, &["reset", "-q", "--hard", &copy]);
    let out = team.sync_json(main, "alice");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["published"].as_array().map(Vec::len), Some(1), "{v:#}");
    let brief = team.git(&team.server, &["show", &format!("main:{path}")]);
    assert_eq!(brief, "Pay ACME invoice 12: 1,000 EUR.\n");
    team.assert_server_sound();
}
