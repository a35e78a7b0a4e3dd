//! Reliability: many writers at once, writers killed at random points, stale git lock files, and
//! `wf-repair`. Every test runs the real binaries on a real repository; see spec/store.md
//! ("Crashes, locks and wf-repair") for what is promised.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{describe, json, Store, BOB, BOT, CAROL};
use wf_core::Task;

/// A new task, its id as wf-new printed it.
fn new_task(s: &Store, title: &str) -> String {
    s.ok("wf-new", &["--title", title], "alice")
        .trim()
        .to_string()
}

/// A task at its draft step, held by the bot (so the bot may submit).
fn draft_for_bot(s: &Store, title: &str) -> String {
    let id = new_task(s, title);
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    id
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// The store's git directory.
fn git_dir(s: &Store) -> PathBuf {
    s.repo.join(s.git(&["rev-parse", "--git-dir"]).trim())
}

/// The error of a stale git lock: one line naming the lock file, then the hint naming
/// `wf-repair` (notes about earlier repairs may come first).
fn assert_stale_lock_message(err: &str) {
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(" is locked: "))
        .unwrap_or_else(|| panic!("no lock error in: {err}"));
    assert!(
        lines[at].ends_with(
            ".lock is locked: another git process is running, or one was killed and left a stale lock"
        ),
        "{err}"
    );
    assert_eq!(
        lines.get(at + 1).copied(),
        Some("hint: if no git command is running here, clear it with: wf-repair"),
        "{err}"
    );
}

/// `git fsck --strict` finds nothing wrong (dangling objects from lost races are expected).
fn assert_fsck(s: &Store) {
    let out = s.git_output(
        &["fsck", "--strict", "--no-dangling", "--no-progress"],
        None,
    );
    assert!(
        out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
        "git fsck: {}",
        describe(&out)
    );
}

/// `wf-verify` accepts the whole history.
fn assert_verify(s: &Store) {
    let out = s.call("wf-verify").run();
    assert!(out.status.success(), "wf-verify: {}", describe(&out));
}

// ---------------------------------------------------------------------------------------------
// 1. Stale git lock files
// ---------------------------------------------------------------------------------------------

#[test]
fn a_stale_branch_lock_is_reported_at_once_with_the_command_that_clears_it() {
    let s = Store::new();
    let id = new_task(&s, "locked out");
    let lock = git_dir(&s).join("refs/heads/main.lock");
    std::fs::write(&lock, b"").unwrap();
    let (head, count) = (s.head(), s.commit_count());
    let t = Instant::now();
    let (code, err) = s.refused("wf-assign", &[&id, "--to", BOT.0], "alice");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(code, 5, "{err}");
    assert_eq!(
        err,
        format!(
            "wf-assign: {} is locked: another git process is running, or one was killed and left a stale lock\n\
             hint: if no git command is running here, clear it with: wf-repair\n",
            lock.display()
        )
    );
    assert_eq!(
        (s.head(), s.commit_count()),
        (head.clone(), count),
        "nothing committed"
    );
    s.assert_clean();
    assert!(!git_dir(&s).join("wf-sync").exists(), "no journal left");

    // --dry-run says what it would do and does nothing.
    let dry = s.call("wf-repair").arg("--dry-run").run();
    assert_eq!(dry.status.code(), Some(5), "{}", describe(&dry));
    let text = String::from_utf8_lossy(&dry.stdout).to_string();
    assert_eq!(
        text,
        format!("would remove stale lock {}\n", lock.display())
    );
    assert!(lock.exists());

    let out = repair(&s, &[]);
    assert_eq!(
        out,
        format!(
            "removed stale lock {}\nconsistent: refs/heads/main at {}\n",
            lock.display(),
            &head[..12]
        )
    );
    assert!(!lock.exists());
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.assert_clean();
    assert_eq!(
        repair(&s, &[]),
        format!("consistent: refs/heads/main at {}\n", &s.head()[..12])
    );
}

#[test]
fn a_stale_index_lock_stops_a_write_before_it_commits() {
    let s = Store::new();
    let lock = git_dir(&s).join("index.lock");
    std::fs::write(&lock, b"").unwrap();
    let (head, count) = (s.head(), s.commit_count());
    let (code, err) = s.refused("wf-new", &["--title", "x"], "alice");
    assert_eq!(code, 5, "{err}");
    assert!(
        err.starts_with(&format!("wf-new: {} is locked: ", lock.display())),
        "{err}"
    );
    assert_stale_lock_message(&err);
    assert_eq!((s.head(), s.commit_count()), (head.clone(), count));
    // With ids on stdin, a lock stops the run instead of failing each id in turn.
    let id = {
        std::fs::remove_file(&lock).unwrap();
        let id = new_task(&s, "y");
        std::fs::write(&lock, b"").unwrap();
        id
    };
    let out = s
        .call("wf-assign")
        .args(["-", "--to", BOT.0])
        .key("alice")
        .stdin(format!("{id}\n{id}\n").as_bytes())
        .run();
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert_eq!(
        stderr(&out).matches(" is locked: ").count(),
        1,
        "{}",
        describe(&out)
    );
    repair(&s, &[]);
    assert!(!lock.exists());
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// 2. The sync journal
// ---------------------------------------------------------------------------------------------

/// Put the work tree and the index of `paths` back to what they were at `old`, as if the
/// writer of `new` had been killed after moving the branch and before copying its files; write
/// the journal it would have left (spec/store.md, "The sync journal").
fn unsync(s: &Store, old: &str, new: &str, paths: &[String]) {
    for p in paths {
        let at_old = s.git_output(&["cat-file", "-e", &format!("{old}:{p}")], None);
        if at_old.status.success() {
            s.git(&["checkout", old, "--", p]);
        } else {
            s.git(&["rm", "-q", "--cached", "--", p]);
            std::fs::remove_file(s.repo.join(p)).unwrap();
        }
    }
    let mut j = format!("branch refs/heads/main\nold {old}\nnew {new}\n");
    for p in paths {
        j.push_str(&format!("path {p}\n"));
    }
    std::fs::write(git_dir(s).join("wf-sync"), j).unwrap();
}

/// The paths a commit changed.
fn changed(s: &Store, commit: &str) -> Vec<String> {
    s.git(&["diff-tree", "--no-commit-id", "--name-only", "-r", commit])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Run wf-repair with these arguments; it must succeed. Returns stdout.
fn repair(s: &Store, args: &[&str]) -> String {
    s.call("wf-repair").args(args).ok()
}

fn dirty(s: &Store) -> String {
    s.git(&["status", "--porcelain", "--untracked-files=all"])
}

#[test]
fn the_next_writer_finishes_a_sync_that_a_killed_writer_left() {
    let s = Store::new();
    let other = new_task(&s, "other");
    let id = draft_for_bot(&s, "interrupted");
    s.call("wf-submit")
        .args([&id, "--name", "d.md"])
        .key(BOT.0)
        .stdin(b"version one\n")
        .ok();
    let new = s.head();
    let old = s.git(&["rev-parse", "HEAD^"]).trim().to_string();
    let out = format!("{}out/d.md", Task::dir(&id));
    let mut paths = changed(&s, &new);
    paths.sort();
    assert_eq!(paths, [Task::path(&id), out.clone()]);
    unsync(&s, &old, &new, &paths);
    // The killed writer was half way through writing the output file.
    let tmp = s.repo.join(format!("{}out/.d.md.wf-tmp", Task::dir(&id)));
    std::fs::create_dir_all(tmp.parent().unwrap()).unwrap();
    std::fs::write(&tmp, b"vers").unwrap();
    assert!(!dirty(&s).is_empty());

    // A dry run says what it would do, and does nothing.
    let dry = s.call("wf-repair").arg("-n").run();
    assert_eq!(dry.status.code(), Some(5), "{}", describe(&dry));
    let text = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(
        text.contains(&format!(
            "would finish copying commit {} to the work tree (a wf tool was interrupted): 2 written, 0 removed\n",
            &new[..12]
        )),
        "{text}"
    );
    assert!(git_dir(&s).join("wf-sync").exists() && tmp.exists());

    // The next writer, acting on another task, finishes the copy first.
    let done = s
        .call("wf-assign")
        .args([&other, "--to", BOT.0])
        .key("alice")
        .run();
    assert!(done.status.success(), "{}", describe(&done));
    assert_eq!(
        stderr(&done),
        format!(
            "wf-assign: note: finished copying commit {} to the work tree (a wf tool was interrupted)\n",
            &new[..12]
        )
    );
    s.assert_clean();
    assert_eq!(std::fs::read(s.repo.join(&out)).unwrap(), b"version one\n");
    assert!(!git_dir(&s).join("wf-sync").exists(), "journal removed");
    assert!(!tmp.exists(), "temporary file removed");
}

#[test]
fn wf_repair_finishes_an_interrupted_sync_that_removes_files() {
    let s = Store::new();
    let id = draft_for_bot(&s, "renamed output");
    s.call("wf-submit")
        .args([&id, "--name", "d.md"])
        .key(BOT.0)
        .stdin(b"one\n")
        .ok();
    s.ok("wf-assign", &[&id, "--to", BOB.0], "alice");
    s.ok(
        "wf-review",
        &[&id, "--request-changes", "-m", "again"],
        "bob",
    );
    s.call("wf-submit")
        .args([&id, "--name", "e.md"])
        .key(BOT.0)
        .stdin(b"two\n")
        .ok();
    let new = s.head();
    let old = s.git(&["rev-parse", "HEAD^"]).trim().to_string();
    let paths = changed(&s, &new);
    assert_eq!(paths.len(), 3, "{paths:?}");
    unsync(&s, &old, &new, &paths);
    assert!(s.repo.join(format!("{}out/d.md", Task::dir(&id))).exists());

    let text = repair(&s, &[]);
    assert_eq!(
        text,
        format!(
            "finished copying commit {} to the work tree (a wf tool was interrupted): 2 written, 1 removed\n\
             consistent: refs/heads/main at {}\n",
            &new[..12],
            &new[..12]
        )
    );
    s.assert_clean();
    assert!(!s.repo.join(format!("{}out/d.md", Task::dir(&id))).exists());
    assert_eq!(
        std::fs::read(s.repo.join(format!("{}out/e.md", Task::dir(&id)))).unwrap(),
        b"two\n"
    );
}

#[test]
fn an_interrupted_sync_never_overwrites_an_edit() {
    let s = Store::new();
    let id = new_task(&s, "edited meanwhile");
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    let new = s.head();
    let old = s.git(&["rev-parse", "HEAD^"]).trim().to_string();
    let path = Task::path(&id);
    assert_eq!(changed(&s, &new), std::slice::from_ref(&path));
    unsync(&s, &old, &new, std::slice::from_ref(&path));
    // Before anyone finishes the sync, the user edits the file.
    let file = s.repo.join(&path);
    let mut mine = std::fs::read(&file).unwrap();
    mine.extend_from_slice(b"# my own line\n");
    std::fs::write(&file, &mine).unwrap();

    let done = s
        .call("wf-new")
        .args(["--title", "next"])
        .key("alice")
        .run();
    assert!(done.status.success(), "{}", describe(&done));
    let err = stderr(&done);
    assert!(err.contains("note: finished copying commit"), "{err}");
    assert!(
        err.contains(&format!(
            "wf-new: note: left {path} alone: it holds edits of yours, not the committed version (wf-repair --restore overwrites it)\n"
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), mine, "the edit survives");
    assert!(!git_dir(&s).join("wf-sync").exists());
    // The edit stays in the way of actions on that task, and is left alone by them.
    let (code, _) = s.refused("wf-assign", &[&id, "--to", BOT.0], "alice");
    assert_eq!(code, 5);
    assert_eq!(std::fs::read(&file).unwrap(), mine);

    // wf-repair reports it; only --restore overwrites it.
    let r = s.call("wf-repair").run();
    assert_eq!(r.status.code(), Some(5), "{}", describe(&r));
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        format!("modified  {path}\n")
    );
    assert_eq!(
        stderr(&r),
        "wf-repair: 1 path under tasks/ and .wf/ differs from the branch tip\n\
         hint: wf-repair --restore overwrites them from the branch tip (edits to them are lost)\n"
    );
    assert_eq!(std::fs::read(&file).unwrap(), mine);
    let text = repair(&s, &["--restore"]);
    assert!(text.contains(&format!("restored  {path}\n")), "{text}");
    assert!(text.ends_with(&format!(
        "consistent: refs/heads/main at {}\n",
        &s.head()[..12]
    )));
    s.assert_clean();
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
}

#[test]
fn a_journal_whose_commit_never_landed_is_dropped() {
    let s = Store::new();
    let id = new_task(&s, "never landed");
    let path = Task::path(&id);
    let head = s.head();
    // A commit the killed writer had made but never put on the branch.
    let stray = s
        .git(&[
            "-c",
            "user.name=x",
            "-c",
            "user.email=x@example.com",
            "commit-tree",
            "HEAD^{tree}",
            "-p",
            "HEAD",
            "-m",
            "lost",
        ])
        .trim()
        .to_string();
    let journal = git_dir(&s).join("wf-sync");
    std::fs::write(
        &journal,
        format!("branch refs/heads/main\nold {head}\nnew {stray}\npath {path}\n"),
    )
    .unwrap();
    let dry = s.call("wf-repair").arg("--dry-run").run();
    assert_eq!(dry.status.code(), Some(5));
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout),
        format!(
            "would drop the interrupted sync of {}: {} never landed on refs/heads/main\n",
            &stray[..12],
            &stray[..12]
        )
    );
    let done = s
        .call("wf-assign")
        .args([&id, "--to", BOT.0])
        .key("alice")
        .run();
    assert!(done.status.success(), "{}", describe(&done));
    assert!(stderr(&done).contains("note: dropped an interrupted work-tree sync"));
    assert!(!journal.exists());
    s.assert_clean();
    // An unreadable journal is dropped too.
    std::fs::write(&journal, "garbage\n").unwrap();
    let text = repair(&s, &[]);
    assert!(
        text.starts_with("dropped the unreadable sync journal "),
        "{text}"
    );
    assert!(!journal.exists());
}

#[test]
fn wf_repair_on_a_store_in_order_changes_nothing() {
    let s = Store::new();
    let id = new_task(&s, "fine");
    let before = s.head();
    assert_eq!(
        repair(&s, &["--dry-run"]),
        format!("consistent: refs/heads/main at {}\n", &before[..12])
    );
    assert_eq!(
        repair(&s, &[]),
        format!("consistent: refs/heads/main at {}\n", &before[..12])
    );
    // An untracked file under tasks/ is reported, never removed, even with --restore.
    let stray = s.repo.join(format!("{}notes.txt", Task::dir(&id)));
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"mine\n").unwrap();
    let r = s.call("wf-repair").arg("--restore").run();
    assert_eq!(r.status.code(), Some(5), "{}", describe(&r));
    assert!(
        stderr(&r).contains("hint: move or delete the untracked files"),
        "{}",
        describe(&r)
    );
    assert_eq!(std::fs::read(&stray).unwrap(), b"mine\n");
    assert_eq!(s.head(), before);
}

// ---------------------------------------------------------------------------------------------
// 3. Sixteen writers, fifty actions each
// ---------------------------------------------------------------------------------------------

/// The commit messages of `range`, oldest first.
fn messages(s: &Store, range: &str) -> Vec<String> {
    s.git(&["log", "--reverse", "--format=%B%x00", range])
        .split('\0')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// What one action of a racer was, and how it ended.
struct Done {
    marker: String,
    kind: &'static str,
    out: Output,
}

#[test]
fn sixteen_writers_of_fifty_actions_each_lose_nothing_and_break_no_rule() {
    const WRITERS: usize = 16;
    const ACTIONS: usize = 50;
    let s = Store::new();
    // Four shared tasks at their review step, held by bob: the racers hand them around and
    // comment on them, so they write the same task files.
    let shared: Vec<String> = (0..4)
        .map(|i| {
            let id = new_task(&s, &format!("shared {i}"));
            s.to_review(&id, format!("draft {i}\n").as_bytes());
            id
        })
        .collect();
    let base = s.head();
    let start = Instant::now();
    let done: Vec<Done> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (s, shared) = (&s, &shared);
                scope.spawn(move || {
                    let mut done = Vec::new();
                    for a in 0..ACTIONS {
                        let marker = format!("w{w}-a{a}");
                        let task = shared[(w + a) % shared.len()].as_str();
                        let other = if (w + a) % 2 == 0 { BOB.0 } else { CAROL.0 };
                        let (kind, call) = match (w * 7 + a) % 5 {
                            // Creating tasks: always allowed for alice.
                            0 => (
                                "new",
                                s.call("wf-new").args(["--title", &marker]).key("alice"),
                            ),
                            // The owner hands the review around: always allowed.
                            1 => (
                                "assign",
                                s.call("wf-assign")
                                    .args([task, "--to", other, "-m", &marker])
                                    .key("alice"),
                            ),
                            // A reviewer hands it on: allowed only while they hold it, so
                            // some are refused by rule 10, depending on who won the race.
                            2 => {
                                let by = if w % 2 == 0 { BOB.0 } else { CAROL.0 };
                                (
                                    "handoff",
                                    s.call("wf-assign")
                                        .args([task, "--to", other, "-m", &marker])
                                        .key(by),
                                )
                            }
                            // Comments: anyone registered, the AI actor too.
                            _ => {
                                let by = [BOB.0, CAROL.0, BOT.0][(w + a) % 3];
                                (
                                    "comment",
                                    s.call("wf-review")
                                        .args([task, "--comment", "-m", &marker])
                                        .key(by),
                                )
                            }
                        };
                        let out = call.run();
                        done.push(Done { marker, kind, out });
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("racer thread"))
            .collect()
    });
    let elapsed = start.elapsed();

    // Every action either committed (exit 0, its usual output) or was refused by a rule with
    // a clear message (exit 1): nothing else.
    let mut committed: HashMap<String, &Done> = HashMap::new();
    let mut refused = 0;
    for d in &done {
        let text = String::from_utf8_lossy(&d.out.stdout).to_string();
        match d.out.status.code() {
            Some(0) => {
                match d.kind {
                    "new" => assert!(text.starts_with("T-"), "{}: {text}", d.marker),
                    "assign" | "handoff" => assert!(text.contains(" assigned to "), "{text}"),
                    _ => assert!(!text.is_empty(), "{}: no output", d.marker),
                }
                committed.insert(d.marker.clone(), d);
            }
            Some(1) => {
                let err = stderr(&d.out);
                assert_eq!(d.kind, "handoff", "{} refused: {err}", d.marker);
                assert!(err.contains("refused by rule 10 (handoff)"), "{err}");
                assert!(
                    err.lines().count() == 2 && err.contains("\nhint: "),
                    "{err}"
                );
                refused += 1;
            }
            _ => panic!("{} ({}): {}", d.marker, d.kind, describe(&d.out)),
        }
    }
    assert_eq!(committed.len() + refused, WRITERS * ACTIONS);

    // The history holds exactly the committed actions, each once, and no refused one.
    let range = format!("{base}..HEAD");
    let msgs = messages(&s, &range);
    assert_eq!(
        msgs.len(),
        committed.len(),
        "one commit per committed action"
    );
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in &msgs {
        let subject = m.lines().next().unwrap();
        let marker = if subject.starts_with("wf: new ") {
            subject.rsplit(": ").next().unwrap().to_string()
        } else {
            m.lines()
                .find_map(|l| l.strip_prefix("Note: "))
                .unwrap_or_else(|| panic!("no note in {m}"))
                .to_string()
        };
        *seen.entry(marker).or_default() += 1;
    }
    for d in &done {
        let n = seen.get(&d.marker).copied().unwrap_or(0);
        let want = usize::from(committed.contains_key(&d.marker));
        assert_eq!(n, want, "{} ({}) is in history {n} times", d.marker, d.kind);
    }
    // wf-new printed ids that are in the store.
    let ls = json(&s.query("wf-ls", &["--json"]));
    let ids = common::column(&ls["tasks"], "id");
    for d in committed.values().filter(|d| d.kind == "new") {
        let id = String::from_utf8_lossy(&d.out.stdout).trim().to_string();
        assert!(ids.contains(&id.as_str()), "{id} is not in wf-ls");
    }
    assert_eq!(s.git(&["rev-list", "--merges", &range]), "", "linear");
    assert_verify(&s);
    assert_fsck(&s);
    s.assert_clean();
    eprintln!(
        "{} actions by {WRITERS} writers in {:.1?}: {} committed, {refused} refused",
        WRITERS * ACTIONS,
        elapsed,
        committed.len()
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Writers killed at random points
// ---------------------------------------------------------------------------------------------

/// A small seeded PRNG (splitmix64), so a failing run can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The seed: `WF_TEST_SEED` when set (to replay a failure), else a fixed one.
fn seed() -> u64 {
    std::env::var("WF_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026)
}

/// Text of `len` bytes that compresses like prose does, not like noise.
fn prose(rng: &mut Rng, len: usize) -> Vec<u8> {
    const WORDS: [&str; 12] = [
        "the", "work", "review", "draft", "signed", "commit", "branch", "model", "human",
        "approve", "tree", "crash",
    ];
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
        out.push(if rng.below(12) == 0 { b'\n' } else { b' ' });
    }
    out.truncate(len);
    out
}

/// Run a call; when a stale git lock stops it, check the message names the way out, run
/// `wf-repair`, and run it again. Returns the output of the run that was not stopped by a lock.
fn healing(s: &Store, tool: &str, args: &[&str], key: &str, stdin: Option<&[u8]>) -> Output {
    loop {
        let mut call = s.call(tool).args(args).key(key);
        if let Some(b) = stdin {
            call = call.stdin(b);
        }
        let out = call.run();
        if out.status.code() == Some(5) && stderr(&out).contains(" is locked: ") {
            assert_stale_lock_message(&stderr(&out));
            let r = s.call("wf-repair").run();
            assert!(r.status.success(), "wf-repair: {}", describe(&r));
            continue;
        }
        return out;
    }
}

/// Start a tool and let it run until it exits or `kill_after` has passed, when it gets SIGKILL.
/// Returns its output and how long it ran.
fn run_until(
    s: &Store,
    tool: &str,
    args: &[&str],
    key: &str,
    stdin: Option<&[u8]>,
    kill_after: Option<Duration>,
) -> (Output, Duration) {
    let mut cmd = s.command(common::bin(tool));
    cmd.args(args)
        .env("WF_SIGNING_KEY", s.key(key))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let feeder = child.stdin.take().zip(stdin).map(|(mut pipe, bytes)| {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut pipe, &bytes);
        })
    });
    let took = loop {
        if child.try_wait().expect("try_wait").is_some() {
            break start.elapsed();
        }
        if kill_after.is_some_and(|d| start.elapsed() >= d) {
            let _ = child.kill();
            break start.elapsed();
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let out = child.wait_with_output().expect("wait");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    (out, took)
}

#[test]
fn two_hundred_kills_leave_a_verifiable_branch_and_a_repairable_work_tree() {
    const KILLS: usize = 200;
    let s = Store::new();
    let mut rng = Rng(seed());
    eprintln!("seed {} (set WF_TEST_SEED to replay)", seed());
    let brief = s.file("brief.md", &prose(&mut rng, 256 * 1024));
    let payload = prose(&mut rng, 512 * 1024);
    let review = new_task(&s, "handed around");
    s.to_review(&review, b"first draft\n");
    let mut draft = draft_for_bot(&s, "to submit");

    // How long each kind of call takes when left alone, measured as the kills are (and kept
    // up to date as runs finish): kills land uniformly within it.
    let input = format!("brief={brief}");
    let mut estimate: HashMap<&str, Duration> = HashMap::new();
    for _ in 0..3 {
        for (tool, args, key, stdin) in [
            (
                "wf-new",
                vec!["--title", "timing", "--input-file", &input],
                "alice",
                None,
            ),
            (
                "wf-assign",
                vec![review.as_str(), "--to", CAROL.0],
                "alice",
                None,
            ),
            (
                "wf-submit",
                vec![draft.as_str(), "--name", "d.md"],
                BOT.0,
                Some(&payload[..]),
            ),
        ] {
            let (out, took) = run_until(&s, tool, &args, key, stdin, None);
            assert!(out.status.success(), "{tool}: {}", describe(&out));
            let e = estimate.entry(tool).or_default();
            *e = (*e).max(took);
        }
        draft = draft_for_bot(&s, "to submit");
    }
    eprintln!("typical: {estimate:?}");

    let mut locks = 0;
    let mut finished = 0;
    let mut landed_then_killed = 0;
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    let start = Instant::now();
    for k in 0..KILLS {
        let title = format!("kill {k}");
        let to = if rng.below(2) == 0 { BOB.0 } else { CAROL.0 };
        let (tool, args, key, stdin): (&str, Vec<&str>, &str, Option<&[u8]>) = match rng.below(3) {
            0 => (
                "wf-new",
                vec!["--title", &title, "--input-file", &input],
                "alice",
                None,
            ),
            1 => (
                "wf-assign",
                vec![&review, "--to", to, "-m", &title],
                "alice",
                None,
            ),
            _ => (
                "wf-submit",
                vec![&draft, "--name", "d.md"],
                BOT.0,
                Some(&payload),
            ),
        };
        let span = estimate[tool].as_micros() as u64 * 6 / 5;
        let delay = Duration::from_micros(rng.below(span.max(1)));
        let before = s.git(&["rev-parse", "--verify", "main"]);
        let (out, took) = run_until(&s, tool, &args, key, stdin, Some(delay));
        if out.status.success() {
            let e = estimate.get_mut(tool).unwrap();
            *e = (*e * 3 + took) / 4;
        }
        let err = stderr(&out);
        if err.contains("finished copying commit") {
            finished += 1;
        }
        let outcome = match out.status.code() {
            None => "killed",
            Some(0) => "done",
            Some(5) if err.contains(" is locked: ") => "locked",
            _ => panic!("kill {k}: {tool} {args:?} failed: {}", describe(&out)),
        };
        // A kill while git's index or branch lock file was held leaves it behind. The next
        // writer waits a moment for it and then says so; a killed one cannot, so a witness
        // that is left alone does.
        let stale = [
            git_dir(&s).join("index.lock"),
            git_dir(&s).join("refs/heads/main.lock"),
        ];
        let lock_message = if outcome == "locked" {
            Some(err.clone())
        } else if stale.iter().any(|l| l.exists()) {
            let (witness, _) =
                run_until(&s, "wf-assign", &[&review, "--to", to], "alice", None, None);
            assert_eq!(witness.status.code(), Some(5), "{}", describe(&witness));
            Some(stderr(&witness))
        } else {
            None
        };
        if let Some(message) = lock_message {
            assert_stale_lock_message(&message);
            locks += 1;
            let r = s.call("wf-repair").run();
            assert!(
                r.status.success(),
                "wf-repair after kill {k}: {}",
                describe(&r)
            );
            assert!(stale.iter().all(|l| !l.exists()), "wf-repair left a lock");
        }
        *outcomes.entry(outcome).or_default() += 1;

        // The branch points at a complete commit: its object and its tree are there.
        let tip = s.git(&["rev-parse", "--verify", "main"]);
        if tip != before && out.status.code().is_none() {
            landed_then_killed += 1;
        }
        let tree = s.git_output(
            &["cat-file", "-e", &format!("{}^{{tree}}", tip.trim())],
            None,
        );
        assert!(
            tree.status.success(),
            "kill {k}: tip tree: {}",
            describe(&tree)
        );
        if k % 50 == 49 {
            assert_fsck(&s);
            // The next writer left alone repairs the work tree by itself: no edit is in the
            // way afterwards, whatever the kills interrupted.
            let out = healing(&s, "wf-assign", &[&review, "--to", to], "alice", None);
            assert!(out.status.success(), "{}", describe(&out));
            s.assert_clean();
        }
        // Once the draft has been submitted, the next submit needs a new draft.
        if tool == "wf-submit" && s.show(&draft)["step"] != "draft" {
            let out = healing(&s, "wf-new", &["--title", "to submit"], "alice", None);
            assert!(out.status.success(), "{}", describe(&out));
            draft = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let out = healing(&s, "wf-assign", &[&draft, "--to", BOT.0], "alice", None);
            assert!(out.status.success(), "{}", describe(&out));
        }
    }
    eprintln!(
        "{KILLS} runs in {:.1?}: {outcomes:?}; {landed_then_killed} killed after the branch moved, \
         {finished} syncs finished by the next tool, {locks} stale locks cleared",
        start.elapsed()
    );

    // wf-repair leaves the work tree in step, and the next action succeeds.
    let r = s.call("wf-repair").run();
    assert!(r.status.success(), "wf-repair: {}", describe(&r));
    s.assert_clean();
    assert_verify(&s);
    assert_fsck(&s);
    let after = s
        .call("wf-assign")
        .args([&review, "--to", BOB.0])
        .key("alice")
        .run();
    assert!(after.status.success(), "{}", describe(&after));
    assert!(after.stderr.is_empty(), "{}", describe(&after));
    s.assert_clean();
}

// ---------------------------------------------------------------------------------------------
// The index wf reads and writes itself (spec/store.md, "The work tree's index")
// ---------------------------------------------------------------------------------------------

/// Git reads the index wf wrote, finds it in step with HEAD and the work tree, and so does
/// `git fsck`; whatever form the index was in before.
fn assert_index_in_step(s: &Store, when: &str) {
    s.assert_clean();
    let staged: Vec<String> = s
        .git(&["ls-files", "-s"])
        .lines()
        .map(|l| l.split_once(' ').unwrap().1.to_string())
        .collect();
    let tip: Vec<String> = s
        .git(&["ls-tree", "-r", "HEAD"])
        .lines()
        .map(|l| {
            let (meta, path) = l.split_once('\t').unwrap();
            format!("{} 0\t{path}", meta.rsplit(' ').next().unwrap())
        })
        .collect();
    assert_eq!(staged, tip, "{when}: the index holds HEAD's files");
    let refresh = s.git_output(&["update-index", "--refresh"], None);
    assert!(refresh.status.success(), "{when}: {}", describe(&refresh));
    let cached = s.git_output(&["diff", "--cached", "--quiet"], None);
    assert!(cached.status.success(), "{when}: nothing staged");
    assert_fsck(s);
}

#[test]
fn the_index_wf_writes_is_what_git_writes_in_every_form_git_leaves_it() {
    let s = Store::new();
    let id = draft_for_bot(&s, "indexed");
    assert_index_in_step(&s, "after wf-new and wf-assign");
    // Git's own forms: a cache of trees and an untracked cache (optional extensions, dropped
    // and rebuilt by git), an index of version 4 (left to libgit2), git's skip-hash form.
    let forms: &[(&str, &[&[&str]])] = &[
        (
            "as git commit leaves it",
            &[&["read-tree", "HEAD"], &["write-tree"]],
        ),
        (
            "with an untracked cache",
            &[
                &["update-index", "--untracked-cache"],
                &["status", "--porcelain"],
            ],
        ),
        ("version 4", &[&["update-index", "--index-version", "4"]]),
        (
            "version 3 with skip-hash",
            &[
                &["update-index", "--index-version", "3"],
                &["-c", "index.skipHash=true", "read-tree", "HEAD"],
                &["-c", "index.skipHash=true", "update-index", "--refresh"],
            ],
        ),
    ];
    for (n, (form, commands)) in forms.iter().enumerate() {
        for c in *commands {
            s.git(c);
        }
        let index = std::fs::read(git_dir(&s).join("index")).unwrap();
        // A task made, assigned, its draft submitted (a new file), assigned to a reviewer.
        let id = new_task(&s, &format!("form {n}"));
        assert_index_in_step(&s, &format!("wf-new on an index {form}"));
        let after = std::fs::read(git_dir(&s).join("index")).unwrap();
        if index[7] == 4 {
            assert_eq!(after[7], 4, "libgit2 wrote it, in its version");
        } else {
            // wf wrote it: git's caches are dropped, for git to rebuild.
            let has_tree = |b: &[u8]| b.windows(4).any(|w| w == b"TREE");
            assert!(n > 0 || has_tree(&index), "git wrote a cache of trees");
            assert!(!has_tree(&after), "{form}: wf wrote the index itself");
        }
        s.to_review(&id, format!("draft {n}\n").as_bytes());
        assert_index_in_step(&s, &format!("three more actions after {form}"));
    }
    s.to_review(&id, b"the first one\n");
    assert_index_in_step(&s, "the end");
    // A split index libgit2 cannot read: refused before anything is committed, with the way out.
    s.git(&["update-index", "--split-index"]);
    let head = s.head();
    let (code, err) = s.refused("wf-new", &["--title", "split"], "alice");
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("git update-index --no-split-index"), "{err}");
    assert_eq!(s.head(), head, "nothing committed");
    s.git(&["update-index", "--no-split-index"]);
    new_task(&s, "whole again");
    assert_index_in_step(&s, "after git update-index --no-split-index");
}

#[test]
fn an_edit_that_keeps_the_size_and_the_time_of_a_file_is_still_an_edit() {
    let s = Store::new();
    let id = draft_for_bot(&s, "edited");
    let submit = || {
        s.call("wf-submit")
            .args([&id, "--name", "d.md"])
            .key(BOT.0)
            .stdin(b"draft\n")
    };
    let file = s.repo.join(Task::path(&id));
    let before = std::fs::read(&file).unwrap();
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    // The same number of bytes, and the time put back: only the content (and the inode's
    // change time, which no one can set) tells.
    let edited: Vec<u8> = before
        .iter()
        .map(|&b| if b == b'a' { b'b' } else { b })
        .collect();
    assert_ne!(edited, before);
    std::fs::write(&file, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let (code, err) = submit().refused();
    assert_eq!(code, 5, "{err}");
    assert!(err.contains(&Task::path(&id)), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), edited, "the edit is kept");
    // An untracked file in the task's folder is in the way too.
    std::fs::write(&file, &before).unwrap();
    let stray = s.repo.join(Task::dir(&id)).join("notes.md");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::write(&stray, b"mine\n").unwrap();
    let (code, err) = submit().refused();
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("notes.md"), "{err}");
    std::fs::remove_file(&stray).unwrap();
    submit().ok();
    assert_index_in_step(&s, "after the edits were undone");
}

#[test]
fn an_index_named_by_git_index_file_is_the_one_wf_writes() {
    let s = Store::new();
    let id = draft_for_bot(&s, "elsewhere");
    let git = git_dir(&s);
    let other = s.root.join("other-index");
    std::fs::copy(git.join("index"), &other).unwrap();
    let before = std::fs::read(git.join("index")).unwrap();
    s.call("wf-submit")
        .args([&id, "--name", "d.md"])
        .key(BOT.0)
        .stdin(b"draft\n")
        .env("GIT_DIR", git.to_str().unwrap())
        .env("GIT_WORK_TREE", s.repo.to_str().unwrap())
        .env("GIT_INDEX_FILE", other.to_str().unwrap())
        .ok();
    assert_eq!(
        std::fs::read(git.join("index")).unwrap(),
        before,
        "the repository's own index is not the one in use"
    );
    let staged = s
        .command("git")
        .current_dir(&s.repo)
        .env("GIT_INDEX_FILE", &other)
        .args(["status", "--porcelain", "--untracked-files=all"])
        .output()
        .unwrap();
    assert!(staged.status.success(), "{}", describe(&staged));
    assert!(
        staged.stdout.is_empty(),
        "the index named by GIT_INDEX_FILE is in step: {}",
        describe(&staged)
    );
}

#[test]
fn a_task_folder_moved_behind_a_link_is_not_clean() {
    let s = Store::new();
    let id = draft_for_bot(&s, "linked");
    // The shard's folder moved elsewhere, a link left in its place: git sees a link where its
    // files were, so the task's file is gone from the work tree as git reads it.
    let shard = s.repo.join(Task::path(&id)).parent().unwrap().to_path_buf();
    let moved = s.root.join("moved-shard");
    std::fs::rename(&shard, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &shard).unwrap();
    let (code, err) = s
        .call("wf-submit")
        .args([&id, "--name", "d.md"])
        .key(BOT.0)
        .stdin(b"draft\n")
        .refused();
    assert_eq!(code, 5, "{err}");
    assert!(err.contains(&Task::path(&id)), "{err}");
    assert!(
        !moved.join(&id).exists(),
        "nothing was written through the link"
    );
}
