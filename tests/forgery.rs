//! Forgeries built as an attacker builds them: with git plumbing only (`git hash-object -t tree
//! --literally` for arbitrary raw tree bytes, `git commit-tree`, signed with a registered key
//! where a valid signature is part of the attack, `git update-ref`, `git push`), each pushed to
//! a real bare server guarded by `wf-hook`, whose refusal is asserted: the push is declined by
//! the pre-receive hook, no ref of the server moves, and the hook names the check and the reason.
//!
//! The server has `receive.fsckObjects` off: the verifier must not rely on git's fsck (one test
//! at the end leaves it as `wf-hook install` sets it).
//!
//! Every kind of forgery is one row of [`KINDS`]: its class (see issue 10), what it does, and
//! the verdict expected of the verifier, `(check, reason fragments)`, so that the expectations
//! are adjusted in one place. Each class is one `#[test]` that builds one world, then for each
//! kind resets the clone's `main` (and the server's refs) to the good history, forges, pushes,
//! and judges; it prints a table of outcomes and fails if any kind was not refused for the
//! expected reason.
//!
//! Classes 1–6 are the forgeries of issue 10 (store hidden by its entry's type, duplicate and
//! unsorted entries, modes, names, merges, refs); class 9 is top-level git metadata found
//! beyond the issue. Class 7 (honest histories that must be accepted) and class 8 (a mode
//! libgit2 normalises must not crash the verifier) are tests of their own.
//!
//! Class 10 is the second red-team round, against the fixed verifier: git's own readers that
//! parse `.gitattributes` and `.mailmap` otherwise than wf does (a NUL, fgets' 1024-byte
//! lines, `#` mid-line, case look-alikes, `-diff`), `refs/notes/*`, and octopus merges judged
//! against libgit2's `merge_base_many` (the base of the first parent and the union of the
//! others, not the base of all parents), which lets an unsigned merge revert or delete signed
//! tasks and even remove the store so that an outsider can found a new one on main. The
//! `class_10_honest_*` tests are honest histories that must be accepted (criss-cross and
//! octopus merges, `.gitattributes` written with CRLF or a blank line after wf's block, a
//! revocation merged after the revoked actor acted on main, code beside a store, ...).
//!
//! Class 11 is provenance the verifier proves: a revision `wf-run` recorded claims the digest
//! of the prompt wf rendered from its parent, and the verifier renders it again; a real run
//! whose prompt digest or inputs were replaced and signed again by the agent's own key is
//! refused.
//!
//! Class 13 is the third red-team round: a task file whose bytes are not UTF-8 where its
//! canonical text holds U+FFFD (what lossy decoding turns them into); replace and notes refs
//! spelled in capitals (the same folder on a server whose file system ignores case); messages
//! git reads as a `Wf-Action` where wf's trailer parser read no trailers; and a `.wf/` file
//! that parses but is not the text wf writes.
//!
//! Class 18 tries, on the hook, rules that only unit tests of `wf_core` had tried: a review
//! quorum counts people, an AI actor as its operator (rule 14, since rules 19), so bob's own
//! agent's accept, signed with its real key, does not make bob's accept two; and a workflow may
//! not make a revision after a check step without a check step after it (`Workflow::validate`,
//! since rules 20), so alice's signed policy change setting one is refused. The
//! `class_18_honest_*` test is a quorum of two people, one through her agent, accepted.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Output;

use common::{describe, Store, ALICE, BOB, BOT, CAROL};

/// An actor as commit headers name it: id, name, email.
type Who = (&'static str, &'static str, &'static str);

/// The harness makes mallory's key but never registers it.
const MALLORY: Who = ("mallory", "Mallory M", "mallory@example.com");

const DRAFT: &[u8] = b"# Launch\n\nThe AI wrote this.\n";
const OPTIMIZED: &[u8] = b"# Launch\n\nThe AI wrote this, then polished it.\n";
const SWAPPED: &[u8] = b"# Launch\n\nNobody approved these words.\n";

/// Tree entry modes as git writes them.
const TREE: &str = "40000";
const FILE: &str = "100644";
const EXEC: &str = "100755";
const LINK: &str = "120000";
const GITLINK: &str = "160000";

// ---------------------------------------------------------------------------------------------
// Raw trees
// ---------------------------------------------------------------------------------------------

/// One raw tree entry: the mode exactly as written (so `040000` and `100664` survive), the name
/// as bytes, the object id in hex.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ent {
    mode: String,
    name: Vec<u8>,
    oid: String,
}

/// An edit of one folder's entries.
type Edit<'f> = Box<dyn FnOnce(&mut Vec<Ent>) + 'f>;

fn ent(mode: &str, name: impl AsRef<[u8]>, oid: &str) -> Ent {
    Ent {
        mode: mode.to_string(),
        name: name.as_ref().to_vec(),
        oid: oid.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Parse the bytes of a tree object (`git cat-file tree`), keeping order, duplicates and modes.
fn parse_tree(raw: &[u8]) -> Vec<Ent> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let sp = i + raw[i..].iter().position(|&b| b == b' ').expect("mode");
        let nul = sp + raw[sp..].iter().position(|&b| b == 0).expect("name");
        out.push(Ent {
            mode: String::from_utf8(raw[i..sp].to_vec()).unwrap(),
            name: raw[sp + 1..nul].to_vec(),
            oid: hex(&raw[nul + 1..nul + 21]),
        });
        i = nul + 21;
    }
    out
}

/// The bytes of a tree object holding exactly these entries, in this order.
fn raw_tree(es: &[Ent]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in es {
        out.extend_from_slice(e.mode.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&e.name);
        out.push(0);
        out.extend_from_slice(&unhex(&e.oid));
    }
    out
}

fn is_tree_mode(mode: &str) -> bool {
    mode.trim_start_matches('0') == TREE
}

/// Git's order: by name bytes, a folder's name read as if it ended in `/` (stable, so
/// duplicates keep their order).
fn git_sort(es: &mut [Ent]) {
    es.sort_by_key(|e| {
        let mut k = e.name.clone();
        if is_tree_mode(&e.mode) {
            k.push(b'/');
        }
        k
    });
}

fn pos(es: &[Ent], name: &str) -> usize {
    es.iter()
        .position(|e| e.name == name.as_bytes())
        .unwrap_or_else(|| panic!("no entry {name:?} in {es:?}"))
}

fn set_mode(es: &mut [Ent], name: &str, mode: &str) {
    let i = pos(es, name);
    es[i].mode = mode.to_string();
}

fn set_oid(es: &mut [Ent], name: &str, oid: &str) {
    let i = pos(es, name);
    es[i].oid = oid.to_string();
}

/// Add an entry and put the tree back in git's order.
fn add(es: &mut Vec<Ent>, e: Ent) {
    es.push(e);
    git_sort(es);
}

/// `tasks/ab/T-ab1234.toml` → (`tasks/ab`, `T-ab1234.toml`).
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap()
}

fn task_file(id: &str) -> String {
    wf_core::Task::path(id)
}

/// `tasks/ab/T-ab1234` (no trailing slash).
fn task_dir(id: &str) -> String {
    wf_core::Task::dir(id).trim_end_matches('/').to_string()
}

fn shard_dir(id: &str) -> String {
    format!("tasks/{}", wf_core::task::shard(id))
}

// ---------------------------------------------------------------------------------------------
// The world: a store, a bare server with the hooks, the good history pushed
// ---------------------------------------------------------------------------------------------

struct World {
    s: Store,
    server: PathBuf,
    /// Approved by alice (revision 2).
    a: String,
    /// At the approve step (revision 2 by the bot), not approved.
    b: String,
    /// At the draft step, assigned to drafter-bot.
    c: String,
    /// Just created by alice with a file input `in/brief`.
    e: String,
    /// Alice's approval of A.
    approve_a: String,
    /// The good tip, pushed.
    good: String,
    /// The server's refs after the good push (`<oid> <type>\t<ref>` lines).
    server_refs: String,
    /// A `tasks` tree in which B is approved (by alice's real tool, never pushed).
    tasks_b_approved: String,
    /// That approved task file of B, as a blob.
    b_approved: String,
    /// A `.wf` tree in which mallory is a registered admin (by alice's real tool, never pushed).
    wf_mallory: String,
}

impl World {
    /// The good history: A approved, B waiting for approval, C handed to the bot, E with an
    /// input; pushed through the hooks into `server.git` (fsckObjects off unless `fsck_default`).
    fn with(fsck_default: bool) -> World {
        let s = Store::new();
        let a = new_task(&s, "Launch announcement");
        s.to_approve(&a, DRAFT, OPTIMIZED);
        s.ok("wf-approve", &[&a, "-m", "ship it"], "alice");
        let approve_a = s.head();
        let b = new_task(&s, "Second task");
        s.to_approve(&b, DRAFT, OPTIMIZED);
        let c = new_task(&s, "The bot's own task");
        s.ok("wf-assign", &[&c, "--to", BOT.0], "alice");
        let brief = s.file("brief.txt", b"The brief.\n");
        let e = s
            .ok(
                "wf-new",
                &[
                    "--title",
                    "With a brief",
                    "--input-file",
                    &format!("brief={brief}"),
                ],
                "alice",
            )
            .trim()
            .to_string();
        let server = s.hooked_server();
        let sp = server.to_str().unwrap().to_string();
        if !fsck_default {
            s.git(&["-C", &sp, "config", "receive.fsckObjects", "false"]);
        }
        let push = s.git_output(&["push", "origin", "main"], None);
        let err = String::from_utf8_lossy(&push.stderr).to_string();
        assert!(push.status.success(), "{}", describe(&push));
        assert!(
            err.contains("remote: verified 22 commits (22 checked"),
            "{err}"
        );
        let good = s.head();
        let server_refs = s.git(&["-C", &sp, "for-each-ref"]);

        // Material for forgeries, made by the real tools and then dropped from main.
        s.ok("wf-approve", &[&b, "-m", "ship it"], "alice");
        let tasks_b_approved = s.git(&["rev-parse", "HEAD:tasks"]).trim().to_string();
        let b_approved = s
            .git(&["rev-parse", &format!("HEAD:{}", task_file(&b))])
            .trim()
            .to_string();
        s.git(&["reset", "-q", "--hard", &good]);
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
                "admin",
            ],
            "alice",
        );
        let wf_mallory = s.git(&["rev-parse", "HEAD:.wf"]).trim().to_string();
        s.git(&["reset", "-q", "--hard", &good]);
        World {
            s,
            server,
            a,
            b,
            c,
            e,
            approve_a,
            good,
            server_refs,
            tasks_b_approved,
            b_approved,
            wf_mallory,
        }
    }

    fn new() -> World {
        World::with(false)
    }

    fn sp(&self) -> &str {
        self.server.to_str().unwrap()
    }

    fn git(&self, args: &[&str]) -> String {
        self.s.git(args).trim().to_string()
    }

    /// git with stdin, raw stdout; must succeed.
    fn git_raw(&self, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
        let out = self.s.git_output(args, stdin);
        assert!(out.status.success(), "git {args:?}: {}", describe(&out));
        out.stdout
    }

    fn head(&self) -> String {
        self.s.head()
    }

    /// The server's refs, as `git for-each-ref` lists them.
    fn refs(&self) -> String {
        self.s.git(&["-C", self.sp(), "for-each-ref"])
    }

    /// Back to the good history: the clone's main (checked out, clean) and the server's refs.
    fn reset(&self) {
        // main first: a forged tip may not check out at all.
        self.git(&["update-ref", "refs/heads/main", &self.good]);
        self.git(&["checkout", "-q", "-f", "main"]);
        self.git(&["reset", "-q", "--hard", "main"]);
        for r in self.git(&["for-each-ref", "--format=%(refname)"]).lines() {
            if r != "refs/heads/main" && !r.starts_with("refs/remotes/") {
                self.git(&["update-ref", "-d", r]);
            }
        }
        if self.refs() != self.server_refs {
            for r in self
                .s
                .git(&["-C", self.sp(), "for-each-ref", "--format=%(refname)"])
                .lines()
            {
                self.git(&["-C", self.sp(), "update-ref", "-d", r]);
            }
            for line in self.server_refs.lines() {
                let (oid, name) = (&line[..40], line.split('\t').nth(1).unwrap());
                self.git(&["-C", self.sp(), "update-ref", name, oid]);
            }
            self.git(&["fetch", "-q", "origin"]);
        }
        assert_eq!(self.refs(), self.server_refs);
    }

    /// Move main (ref only; the work tree is left alone) to a forged commit.
    fn set_main(&self, oid: &str) {
        self.git(&["update-ref", "refs/heads/main", oid]);
    }

    // --- objects -------------------------------------------------------------------------

    fn blob(&self, bytes: &[u8]) -> String {
        String::from_utf8(self.git_raw(&["hash-object", "-w", "--stdin"], Some(bytes)))
            .unwrap()
            .trim()
            .to_string()
    }

    /// Write exactly these entries as a tree object (no checks, no sorting).
    fn mktree(&self, es: &[Ent]) -> String {
        let out = self.git_raw(
            &["hash-object", "-t", "tree", "--literally", "-w", "--stdin"],
            Some(&raw_tree(es)),
        );
        String::from_utf8(out).unwrap().trim().to_string()
    }

    fn entries(&self, tree: &str) -> Vec<Ent> {
        parse_tree(&self.git_raw(&["cat-file", "tree", tree], None))
    }

    /// Assert that the folder `dir` of the forged root tree `forged` is as long as the same
    /// folder in `commit`'s parent: a forgery of equal length, which the verifier compares with
    /// the parent's checked tree (`wf_core::tree::parse_like`) rather than parsing.
    fn same_size_as_parents(&self, commit: &str, forged: &str, dir: &str) {
        let size = |root: &str| {
            let id = self.lookup(root, dir).oid;
            self.git(&["cat-file", "-s", &id])
        };
        let parent = self.tree_of(&format!("{commit}^"));
        assert_eq!(
            size(forged),
            size(&parent),
            "{dir}: not the parent's length"
        );
        assert_ne!(self.lookup(forged, dir).oid, self.lookup(&parent, dir).oid);
    }

    fn tree_of(&self, rev: &str) -> String {
        self.git(&["rev-parse", &format!("{rev}^{{tree}}")])
    }

    /// The entry at `path` (first match on each level, whatever the modes say).
    fn lookup(&self, root: &str, path: &str) -> Ent {
        let mut cur = ent(TREE, "", root);
        for part in path.split('/') {
            let es = self.entries(&cur.oid);
            cur = es[pos(&es, part)].clone();
        }
        cur
    }

    /// A copy of tree `root` whose folder `dir` (`""` for the top) is edited by `f`; the folders
    /// above it are rewritten with the new ids, keeping their entries' modes and order.
    fn edit<'f>(&self, root: &str, dir: &str, f: impl FnOnce(&mut Vec<Ent>) + 'f) -> String {
        self.edit_in(root, dir, Box::new(f))
    }

    fn edit_in<'f>(&self, tree: &str, dir: &str, f: Edit<'f>) -> String {
        let mut es = self.entries(tree);
        if dir.is_empty() {
            f(&mut es);
        } else {
            let (first, rest) = dir.split_once('/').unwrap_or((dir, ""));
            let i = pos(&es, first);
            es[i].oid = self.edit_in(&es[i].oid.clone(), rest, f);
        }
        self.mktree(&es)
    }

    // --- commits -------------------------------------------------------------------------

    /// `git commit-tree` as `who` (author and committer), signed with `key` (ssh) or unsigned.
    fn commit(
        &self,
        tree: &str,
        parents: &[&str],
        who: (&str, &str),
        key: Option<&str>,
        msg: &str,
    ) -> String {
        let keyfile = key.map(|k| format!("user.signingkey={}", self.s.key(k).display()));
        let mut args = vec!["-c", "gpg.format=ssh"];
        if let Some(k) = &keyfile {
            args.extend(["-c", k.as_str()]);
        }
        args.extend(["commit-tree", tree]);
        for p in parents {
            args.extend(["-p", p]);
        }
        if key.is_some() {
            args.push("-S");
        }
        let env = [
            ("GIT_AUTHOR_NAME", who.0),
            ("GIT_AUTHOR_EMAIL", who.1),
            ("GIT_COMMITTER_NAME", who.0),
            ("GIT_COMMITTER_EMAIL", who.1),
        ];
        let out = self
            .s
            .git_at(&self.s.repo, &args, &env, Some(msg.as_bytes()));
        assert!(out.status.success(), "commit-tree: {}", describe(&out));
        let oid = String::from_utf8(out.stdout).unwrap().trim().to_string();
        if key.is_some() {
            // The forgery carries a signature plain git accepts (the store's git config names
            // the allowed signers of the good history).
            self.s.assert_verifies(&oid);
        }
        oid
    }

    /// An unsigned commit by mallory.
    fn plain(&self, tree: &str, parents: &[&str], msg: &str) -> String {
        self.commit(tree, parents, (MALLORY.1, MALLORY.2), None, msg)
    }

    /// `orig` again (same parents, author, message) with another tree, signed with `key`.
    /// A commit's message, byte for byte as git stores it.
    fn message_of(&self, commit: &str) -> String {
        let raw = String::from_utf8(self.git_raw(&["cat-file", "commit", commit], None)).unwrap();
        raw.split_once("\n\n").unwrap().1.to_string()
    }

    fn recommit(&self, orig: &str, tree: &str, key: &str) -> String {
        let who = self.git(&["log", "-1", "--format=%an%x00%ae", orig]);
        let (name, email) = who.split_once('\0').unwrap();
        let msg = &self.message_of(orig);
        let parents: Vec<String> = self
            .git(&["rev-parse", &format!("{orig}^@")])
            .lines()
            .map(str::to_string)
            .collect();
        let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
        self.commit(tree, &parents, (name, email), Some(key), msg)
    }

    /// A real action by a tool (it must succeed); returns the new tip.
    fn act(&self, tool: &str, args: &[&str], key: &str) -> String {
        self.s.ok(tool, args, key);
        self.head()
    }

    /// Carrier of `.wf` forgeries: alice's real policy action (carol gets the requester role).
    fn policy_action(&self) -> String {
        self.act(
            "wf-actor",
            &["update", "carol", "--add-role", "requester"],
            "alice",
        )
    }

    /// Carrier of `tasks` forgeries: alice's real `wf-new`; returns (commit, new task id).
    fn new_action(&self) -> (String, String) {
        let id = new_task(&self.s, "Carrier");
        (self.head(), id)
    }

    /// Carrier of output forgeries: the bot's real draft of C (`out/draft.md`).
    fn bot_submit(&self) -> String {
        self.s
            .call("wf-submit")
            .args([&self.c, "--name", "draft.md"])
            .key(BOT.0)
            .stdin(DRAFT)
            .ok();
        self.head()
    }

    /// The bot's real draft of C with two files, `a.md` and `b.md`.
    fn bot_submit_two(&self, a: &[u8], b: &[u8]) -> String {
        let fa = self.s.file("two/a.md", a);
        let fb = self.s.file("two/b.md", b);
        self.act("wf-submit", &[&self.c, &fa, &fb], BOT.0)
    }

    /// A commit on the good tip that changes nothing (a second parent for merges).
    fn side(&self, n: u32) -> String {
        self.plain(
            &self.tree_of(&self.good),
            &[&self.good],
            &format!("Side {n}\n"),
        )
    }

    /// An unsigned merge of the good tip and a no-op side branch with the given tree.
    fn merge_with_tree(&self, tree: &str) -> String {
        let side = self.side(1);
        self.plain(tree, &[&self.good, &side], "Merge branch 'side'\n")
    }

    /// `wf-show ID --json` at main.
    fn approved(&self, id: &str) -> bool {
        self.s.show(id)["approved"] == true
    }

    /// Whether `wf-show ID --json` at main succeeds and reads the task as approved (false
    /// when it refuses to read it).
    fn approved_unchecked(&self, id: &str) -> bool {
        let out = self.s.call("wf-show").args([id, "--json"]).run();
        out.status.success()
            && common::json(&String::from_utf8_lossy(&out.stdout))["approved"] == true
    }

    /// The text of a file at a revision, as git shows it.
    fn show(&self, spec: &str) -> Vec<u8> {
        self.git_raw(&["cat-file", "-p", spec], None)
    }
}

fn new_task(s: &Store, title: &str) -> String {
    s.ok("wf-new", &["--title", title], "alice")
        .trim()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/// What a forgery built: the commit whose problem the hook must name (or the ref the hook must
/// refuse), and what to push.
struct Forged {
    culprit: Culprit,
    push: Vec<String>,
    /// Git itself cannot send these objects (its own tree parser dies on them before the
    /// server's hook can run): then the push must still fail without moving the server, and
    /// `wf-verify` run in the clone must give the expected verdict (the verifier cannot rely on
    /// git having refused the objects on the way in).
    git_may_refuse: bool,
}

enum Culprit {
    Commit(String),
    Ref(String),
}

impl Forged {
    /// main, pushed, with `commit` to blame.
    fn main(commit: &str) -> Forged {
        Forged {
            culprit: Culprit::Commit(commit.to_string()),
            push: vec!["main".into()],
            git_may_refuse: false,
        }
    }
    /// [`Forged::main`] for objects git's own transport may refuse to send.
    fn main_git_may_refuse(commit: &str) -> Forged {
        Forged {
            git_may_refuse: true,
            ..Forged::main(commit)
        }
    }
    /// `src:refname`, pushed, with the ref to blame.
    fn refspec(src: &str, refname: &str) -> Forged {
        Forged {
            culprit: Culprit::Ref(refname.to_string()),
            push: vec![format!("{src}:{refname}")],
            git_may_refuse: false,
        }
    }
}

/// One kind of forgery.
struct Kind {
    name: &'static str,
    class: u32,
    what: &'static str,
    /// The check the hook must name on the culprit: `malformed`, `merge`, `history`, ...
    check: &'static str,
    /// The reason must contain one of these.
    frags: &'static [&'static str],
    /// `unsigned` on the culprit is accepted too (attacks that are inherently an unsigned
    /// commit changing wf files).
    or_unsigned: bool,
    build: fn(&World) -> Forged,
}

/// The problem lines of a hook (`<12 hex> <task> <check>: <reason>`), `remote: ` and padding
/// removed.
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

/// The history lines of a hook (`wf-hook: history: <ref>: <reason>`).
fn history_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.strip_prefix("remote: ").unwrap_or(l).trim_end())
        .filter_map(|l| l.strip_prefix("wf-hook: history: "))
        .map(str::to_string)
        .collect()
}

/// (check, reason) of a problem line about `commit`.
fn problem_of<'a>(line: &'a str, commit: &str) -> Option<(&'a str, &'a str)> {
    let rest = line.strip_prefix(&commit[..12])?.strip_prefix(' ')?;
    let (_task, rest) = rest.split_once(' ')?;
    let (check, reason) = rest.split_once(": ")?;
    Some((check, reason))
}

fn verdict_lines(err: &str) -> String {
    let mut v: Vec<String> = history_lines(err)
        .into_iter()
        .map(|h| format!("history: {h}"))
        .collect();
    v.extend(problems(err));
    if v.is_empty() {
        "(no problem lines)".into()
    } else {
        v.join(" | ")
    }
}

/// Whether hook (or wf-verify) output names the expected verdict on the culprit: a problem line
/// of the culprit commit with the kind's check and one of its fragments (or `unsigned` where
/// allowed), or a history line of the culprit ref with one of the fragments.
fn names_the_verdict(k: &Kind, culprit: &Culprit, text: &str) -> bool {
    match culprit {
        Culprit::Ref(r) => history_lines(text).iter().any(|h| {
            k.check == "history"
                && h.strip_prefix(r.as_str())
                    .and_then(|rest| rest.strip_prefix(": "))
                    .is_some_and(|reason| k.frags.iter().any(|f| reason.contains(f)))
        }),
        Culprit::Commit(c) => problems(text).iter().any(|l| {
            problem_of(l, c).is_some_and(|(check, reason)| {
                (check == k.check && k.frags.iter().any(|f| reason.contains(f)))
                    || (k.or_unsigned && check == "unsigned")
            })
        }),
    }
}

/// Push the forgery and judge the server's answer. `Ok` when refused for the expected reason,
/// else a one-line outcome for the table.
fn judge(w: &World, k: &Kind, f: &Forged) -> Result<String, String> {
    let before = w.refs();
    let mut args = vec!["push", "origin"];
    args.extend(f.push.iter().map(String::as_str));
    let out: Output = w.s.git_output(&args, None);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let moved = w.refs() != before;
    if err.contains("panicked") {
        return Err(format!(
            "PANIC in the hook: {}",
            err.lines()
                .find(|l| l.contains("panicked"))
                .unwrap_or_default()
        ));
    }
    if out.status.success() || moved {
        return Err(format!(
            "ACCEPTED (push {}, server refs {}moved): {}",
            if out.status.success() {
                "succeeded"
            } else {
                "failed"
            },
            if moved { "" } else { "not " },
            verdict_lines(&err)
        ));
    }
    let git_refused = !err.contains("pre-receive");
    if git_refused && f.git_may_refuse {
        return judge_locally(w, k, f, &err);
    }
    if !err.contains("pre-receive hook declined") || !err.contains("wf-hook: push refused") {
        let git = err
            .lines()
            .filter(|l| l.contains("error") || l.contains("rejected") || l.contains("fatal"))
            .collect::<Vec<_>>()
            .join(" | ");
        return Err(format!(
            "NOT REFUSED BY THE HOOK (the hook let it through; git: {git})"
        ));
    }
    let ok = names_the_verdict(k, &f.culprit, &err);
    let lines = verdict_lines(&err);
    if ok {
        Ok(lines)
    } else {
        let who = match &f.culprit {
            Culprit::Commit(c) => format!("commit {}", &c[..12]),
            Culprit::Ref(r) => r.clone(),
        };
        Err(format!(
            "refused for another reason (culprit {who}): {lines}"
        ))
    }
}

/// For objects git would not send: `wf-verify --no-cache origin/main..main` in the clone must
/// exit 1 (not 101) and name the culprit with the expected check and reason.
fn judge_locally(w: &World, k: &Kind, f: &Forged, push_err: &str) -> Result<String, String> {
    let why = push_err
        .lines()
        .find(|l| l.contains("fatal") || l.contains("error"))
        .unwrap_or("")
        .to_string();
    let v =
        w.s.call("wf-verify")
            .args(["--no-cache", "origin/main..main"])
            .run();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    if text.contains("panicked") || v.status.code() == Some(101) {
        return Err(format!(
            "git refused the push ({why}); wf-verify PANICKED: {text}"
        ));
    }
    let ok = v.status.code() == Some(1) && names_the_verdict(k, &f.culprit, &text);
    let lines = verdict_lines(&text);
    if ok {
        Ok(format!("git refused the push ({why}); wf-verify: {lines}"))
    } else {
        Err(format!(
            "git refused the push ({why}); wf-verify exit {:?}, not the expected verdict: {lines}",
            v.status.code()
        ))
    }
}

/// Run every kind of a class against one world; print the table; fail unless every kind was
/// refused for its expected reason.
fn run_class(class: u32) {
    let w = World::new();
    let kinds: Vec<&Kind> = KINDS.iter().filter(|k| k.class == class).collect();
    assert!(!kinds.is_empty());
    let mut table = String::new();
    let mut bad = 0;
    for k in &kinds {
        w.reset();
        let built = catch_unwind(AssertUnwindSafe(|| (k.build)(&w)));
        let res = match built {
            Ok(f) => judge(&w, k, &f),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("FORGERY NOT BUILT: {msg}"))
            }
        };
        let (mark, text) = match res {
            Ok(t) => ("ok  ", t),
            Err(t) => {
                bad += 1;
                ("FAIL", t)
            }
        };
        table.push_str(&format!(
            "{mark} [{}] {:<34} want {} {:?}\n       {}\n",
            k.class, k.name, k.check, k.frags, text
        ));
    }
    w.reset();
    eprintln!("class {class}:\n{table}");
    assert!(
        bad == 0,
        "{bad} of {} forgeries of class {class} were not refused for the expected reason:\n{table}",
        kinds.len()
    );
}

// ---------------------------------------------------------------------------------------------
// The kinds
// ---------------------------------------------------------------------------------------------

const MALFORMED: &str = "malformed";
const NOT_FOLDER: &[&str] = &["not a folder", "submodule", "removes the store"];
const SUBMODULE: &[&str] = &["submodule", "160000"];
const SYMLINK: &[&str] = &["symbolic link", "120000"];
const EXECUTABLE: &[&str] = &["executable", "100755"];
const TWICE: &[&str] = &["appears twice"];
const UNSORTED: &[&str] = &["not sorted"];
const NOT_ALLOWED: &[&str] = &["not allowed"];
const LOOK_ALIKE: &[&str] = &["look-alike of"];
const REMOVES: &[&str] = &["removes the store"];
const FIRST_PARENT: &[&str] = &["first parent"];
const MISMATCH: &str = "mismatch";
const NOT_RENDERED: &[&str] = &["a prompt wf would not have rendered"];

macro_rules! kind {
    ($name:expr, $class:expr, $what:expr, $check:expr, $frags:expr, $build:expr) => {
        Kind {
            name: $name,
            class: $class,
            what: $what,
            check: $check,
            frags: $frags,
            or_unsigned: false,
            build: $build,
        }
    };
    ($name:expr, $class:expr, $what:expr, $check:expr, $frags:expr, or_unsigned, $build:expr) => {
        Kind {
            name: $name,
            class: $class,
            what: $what,
            check: $check,
            frags: $frags,
            or_unsigned: true,
            build: $build,
        }
    };
}

const KINDS: &[Kind] = &[
    // --- class 1: the store hidden by its entry's type; the store removed ---------------------
    kind!(
        "wf-gitlink-forges-approval",
        1,
        "3 unsigned commits: .wf retyped to a gitlink (same id), B's approval written while \
         'not a store', .wf retyped back",
        MALFORMED,
        NOT_FOLDER,
        |w| {
            let t1 = w.edit(&w.tree_of(&w.good), "", |es| set_mode(es, ".wf", GITLINK));
            let c1 = w.plain(&t1, &[&w.good], "Tidy up\n");
            let (dir, name) = split_owned(&task_file(&w.b));
            let t2 = w.edit(&t1, &dir, |es| set_oid(es, &name, &w.b_approved));
            let c2 = w.plain(&t2, &[&c1], "Edit\n");
            let t3 = w.edit(&t2, "", |es| set_mode(es, ".wf", TREE));
            let c3 = w.plain(&t3, &[&c2], "Tidy up again\n");
            w.set_main(&c3);
            assert!(w.approved(&w.b), "the forgery makes B read as approved");
            Forged::main(&c1)
        }
    ),
    kind!(
        "wf-gitlink-outsider-admin",
        1,
        "3 unsigned commits: .wf to a gitlink, its id moved to a .wf where mallory is admin, \
         retyped back; then mallory acts as admin with a valid signature",
        MALFORMED,
        NOT_FOLDER,
        |w| {
            let t1 = w.edit(&w.tree_of(&w.good), "", |es| set_mode(es, ".wf", GITLINK));
            let c1 = w.plain(&t1, &[&w.good], "Tidy up\n");
            let t2 = w.edit(&t1, "", |es| set_oid(es, ".wf", &w.wf_mallory));
            let c2 = w.plain(&t2, &[&c1], "Edit\n");
            let t3 = w.edit(&t2, "", |es| set_mode(es, ".wf", TREE));
            let c3 = w.plain(&t3, &[&c2], "Tidy up again\n");
            w.set_main(&c3);
            w.git(&["reset", "-q", "--hard", "main"]);
            w.act("wf-actor", &["update", BOB.0, "--add-role", "admin"], MALLORY.0);
            Forged::main(&c1)
        }
    ),
    kind!(
        "wf-gitlink-signed",
        1,
        "alice signs a policy commit whose only change is .wf retyped to a gitlink (same id)",
        MALFORMED,
        NOT_FOLDER,
        |w| {
            let t = w.edit(&w.tree_of(&w.good), "", |es| set_mode(es, ".wf", GITLINK));
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), &policy_msg());
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "tasks-gitlink",
        1,
        "one unsigned commit retypes tasks to a gitlink (same id): every task vanishes for readers",
        MALFORMED,
        NOT_FOLDER,
        |w| {
            let t = w.edit(&w.tree_of(&w.good), "", |es| set_mode(es, "tasks", GITLINK));
            let c = w.plain(&t, &[&w.good], "Tidy up\n");
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "tasks-gitlink-signed-edit",
        1,
        "tasks retyped to a gitlink (unsigned, same id), then alice's signed wf-new written \
         into the gitlinked tasks",
        MALFORMED,
        NOT_FOLDER,
        |w| {
            let (x, _) = w.new_action();
            let t1 = w.edit(&w.tree_of(&w.good), "", |es| set_mode(es, "tasks", GITLINK));
            let c1 = w.plain(&t1, &[&w.good], "Tidy up\n");
            let tx = w.tree_of(&x);
            let tasks = w.lookup(&tx, "tasks").oid;
            let t2 = w.edit(&t1, "", |es| set_oid(es, "tasks", &tasks));
            let msg = &w.message_of(&x);
            let c2 = w.commit(&t2, &[&c1], (ALICE.1, ALICE.2), Some(ALICE.0), msg);
            w.set_main(&c2);
            Forged::main(&c1)
        }
    ),
    kind!(
        "store-marker-deleted-signed",
        1,
        "alice signs a policy commit deleting .wf/store.toml: the history stops being judged",
        MALFORMED,
        REMOVES,
        |w| {
            let t = w.edit(&w.tree_of(&w.good), ".wf", |es| {
                es.remove(pos(es, "store.toml"));
            });
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), &policy_msg());
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "store-deleted-signed",
        1,
        "alice signs a commit deleting .wf and tasks entirely (a README stays)",
        MALFORMED,
        REMOVES,
        |w| {
            let readme = w.blob(b"Nothing here.\n");
            let t = w.mktree(&[ent(FILE, "README.md", &readme)]);
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), &policy_msg());
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "store-deleted-edited-restored",
        1,
        "3 unsigned commits: store.toml deleted, B's approval written, store.toml restored",
        MALFORMED,
        REMOVES,
        or_unsigned,
        |w| {
            let g = w.tree_of(&w.good);
            let marker = w.lookup(&g, ".wf/store.toml");
            let t1 = w.edit(&g, ".wf", |es| {
                es.remove(pos(es, "store.toml"));
            });
            let c1 = w.plain(&t1, &[&w.good], "Tidy up\n");
            let (dir, name) = split_owned(&task_file(&w.b));
            let t2 = w.edit(&t1, &dir, |es| set_oid(es, &name, &w.b_approved));
            let c2 = w.plain(&t2, &[&c1], "Edit\n");
            let t3 = w.edit(&t2, ".wf", |es| add(es, marker));
            let c3 = w.plain(&t3, &[&c2], "Tidy up again\n");
            w.set_main(&c3);
            assert!(w.approved(&w.b));
            Forged::main(&c1)
        }
    ),
    kind!(
        "tasks-as-blob-signed",
        1,
        "alice's signed wf-new, but tasks is a blob",
        MALFORMED,
        &["not a folder"],
        |w| {
            let (x, _) = w.new_action();
            let junk = w.blob(b"tasks\n");
            let t = w.edit(&w.tree_of(&x), "", |es| {
                let i = pos(es, "tasks");
                es[i] = ent(FILE, "tasks", &junk);
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "wf-as-blob-signed",
        1,
        "alice's signed policy action, but .wf is a blob",
        MALFORMED,
        &["not a folder", "removes the store"],
        |w| {
            let x = w.policy_action();
            let junk = w.blob(b"wf\n");
            let t = w.edit(&w.tree_of(&x), "", |es| {
                let i = pos(es, ".wf");
                es[i] = ent(FILE, ".wf", &junk);
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    // --- class 2: duplicate and unsorted entries --------------------------------------------
    kind!(
        "dup-task-file-merge",
        2,
        "an unsigned merge whose shard holds B's task file several times (approved copies, the \
         original last): the merge check reads the last copy, libgit2's bisecting lookup (and so \
         every wf tool) an approved one",
        MALFORMED,
        TWICE,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.b));
            // Three approved copies before the original: libgit2's bisecting lookup lands on
            // an approved one when B's shard holds B alone, while a reader iterating the
            // entries takes the original.
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| {
                let i = pos(es, &name);
                let orig = es[i].clone();
                let fake = ent(FILE, &name, &w.b_approved);
                let run = std::iter::repeat_n(fake, 3).chain([orig]);
                es.splice(i..=i, run);
            });
            let m = w.merge_with_tree(&t);
            w.set_main(&m);
            // A reviewer is never shown either copy: wf-show reads through the same check.
            let (code, err) = w.s.call("wf-show").args([w.b.as_str(), "--json"]).refused();
            assert!(code == 6 && err.contains("appears twice"), "{code}: {err}");
            assert!(!w.approved_unchecked(&w.b));
            Forged::main(&m)
        }
    ),
    kind!(
        "dup-out-file-ai-submit",
        2,
        "the bot signs its draft of C with out/draft.md twice: other bytes first, the digested \
         bytes last",
        MALFORMED,
        TWICE,
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let out = format!("{}/out", task_dir(&w.c));
            let t = w.edit(&w.tree_of(&x), &out, |es| {
                es.insert(0, ent(FILE, "draft.md", &swapped));
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            assert_eq!(w.show(&format!("main:{out}/draft.md")), SWAPPED, "git shows the other copy");
            Forged::main(&c)
        }
    ),
    kind!(
        "dup-actors-in-wf",
        2,
        "alice's signed policy action with .wf/actors.toml twice (mallory as admin first)",
        MALFORMED,
        TWICE,
        |w| {
            let x = w.policy_action();
            let evil = w.lookup(&w.wf_mallory, "actors.toml");
            let t = w.edit(&w.tree_of(&x), ".wf", |es| es.insert(0, evil));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dup-tasks-top-level",
        2,
        "alice's signed wf-new with three top-level tasks trees: B approved, the real one (what \
         libgit2's lookup finds), B approved (git shows the first)",
        MALFORMED,
        TWICE,
        |w| {
            let (x, _) = w.new_action();
            let t = w.edit(&w.tree_of(&x), "", |es| {
                let i = pos(es, "tasks");
                let fake = ent(TREE, "tasks", &w.tasks_b_approved);
                es.insert(i + 1, fake.clone());
                es.insert(i, fake);
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            let shown = String::from_utf8(w.show(&format!("main:{}", task_file(&w.b)))).unwrap();
            assert!(shown.contains("outcome = \"approve\""), "git shows B approved");
            Forged::main(&c)
        }
    ),
    kind!(
        "dup-shard",
        2,
        "alice's signed wf-new with B's shard twice in tasks/ (the approved one first)",
        MALFORMED,
        TWICE,
        |w| {
            let (x, _) = w.new_action();
            let sh = wf_core::task::shard(&w.b).to_string();
            let evil = w.lookup(&w.tasks_b_approved, &sh);
            let t = w.edit(&w.tree_of(&x), "tasks", |es| {
                let i = pos(es, &sh);
                es.insert(i, evil);
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dup-blob-and-folder-out",
        2,
        "the bot's signed draft of C whose folder holds a file `out` and the folder `out/`",
        MALFORMED,
        TWICE,
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let t = w.edit(&w.tree_of(&x), &task_dir(&w.c), |es| {
                add(es, ent(FILE, "out", &swapped))
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "unsorted-top-level",
        2,
        "alice's signed wf-new with the top-level entries reversed (tasks before .wf)",
        MALFORMED,
        UNSORTED,
        |w| {
            let (x, _) = w.new_action();
            let t = w.edit(&w.tree_of(&x), "", |es| es.reverse());
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "unsorted-wf",
        2,
        "alice's signed policy action with .wf/'s entries reversed",
        MALFORMED,
        UNSORTED,
        |w| {
            let x = w.policy_action();
            let t = w.edit(&w.tree_of(&x), ".wf", |es| es.reverse());
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "unsorted-tasks",
        2,
        "alice's signed wf-new with the shards of tasks/ reversed",
        MALFORMED,
        UNSORTED,
        |w| {
            let (x, _) = w.new_action();
            let t = w.edit(&w.tree_of(&x), "tasks", |es| {
                assert!(es.len() >= 2, "one shard only");
                es.reverse()
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "unsorted-shard",
        2,
        "the bot's signed draft of C with C's shard reversed (folder before task file)",
        MALFORMED,
        UNSORTED,
        |w| {
            let x = w.bot_submit();
            let t = w.edit(&w.tree_of(&x), &shard_dir(&w.c), |es| es.reverse());
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "unsorted-out",
        2,
        "the bot's signed two-file draft of C with out/ reversed (b.md before a.md)",
        MALFORMED,
        UNSORTED,
        |w| {
            let x = w.bot_submit_two(b"a\n", b"b\n");
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.c)), |es| {
                assert_eq!(es.len(), 2);
                es.reverse()
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    // --- class 3: modes --------------------------------------------------------------------
    kind!(
        "task-file-gitlink-merge",
        3,
        "an unsigned merge retypes A's task file to a gitlink (same id): the approved task vanishes",
        MALFORMED,
        SUBMODULE,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.a));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| set_mode(es, &name, GITLINK));
            let m = w.merge_with_tree(&t);
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "task-file-symlink-merge",
        3,
        "an unsigned merge retypes A's task file to a symbolic link (same id)",
        MALFORMED,
        SYMLINK,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.a));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| set_mode(es, &name, LINK));
            let m = w.merge_with_tree(&t);
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "task-folder-gitlink-merge",
        3,
        "an unsigned merge retypes A's folder to a gitlink (same id): its output vanishes",
        MALFORMED,
        SUBMODULE,
        |w| {
            let (dir, name) = split_owned(&task_dir(&w.a));
            // Kept in git's order: a gitlink sorts by its bare name, before `<id>.toml`.
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| {
                set_mode(es, &name, GITLINK);
                git_sort(es);
            });
            let m = w.merge_with_tree(&t);
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "task-file-exec-merge",
        3,
        "an unsigned merge whose tree differs from both parents only in A's task file mode \
         (100755)",
        MALFORMED,
        EXECUTABLE,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.a));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| set_mode(es, &name, EXEC));
            let m = w.merge_with_tree(&t);
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "out-gitlink-in-own-submit",
        3,
        "the bot's signed draft of its own task C also retypes A's approved out/draft.md to a \
         gitlink (same id)",
        MALFORMED,
        SUBMODULE,
        |w| {
            let x = w.bot_submit();
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.a)), |es| {
                set_mode(es, "draft.md", GITLINK)
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "out-symlink-in-own-submit",
        3,
        "the bot's signed draft of its own task C also retypes A's approved out/draft.md to a \
         symbolic link (same id)",
        MALFORMED,
        SYMLINK,
        |w| {
            let x = w.bot_submit();
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.a)), |es| {
                set_mode(es, "draft.md", LINK)
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "task-file-exec-signed",
        3,
        "alice's signed wf-new writes the new task file as 100755",
        MALFORMED,
        EXECUTABLE,
        |w| {
            let (x, id) = w.new_action();
            let (dir, name) = split_owned(&task_file(&id));
            let t = w.edit(&w.tree_of(&x), &dir, |es| set_mode(es, &name, EXEC));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "wf-workflow-symlink-signed",
        3,
        "alice's signed policy action also retypes .wf/workflows/default.toml to a symlink",
        MALFORMED,
        SYMLINK,
        |w| {
            let x = w.policy_action();
            let t = w.edit(&w.tree_of(&x), ".wf/workflows", |es| {
                set_mode(es, "default.toml", LINK)
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "wf-actors-exec-signed",
        3,
        "alice's signed policy action writes .wf/actors.toml as 100755",
        MALFORMED,
        EXECUTABLE,
        |w| {
            let x = w.policy_action();
            let t = w.edit(&w.tree_of(&x), ".wf", |es| set_mode(es, "actors.toml", EXEC));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "wf-actors-gitlink-signed",
        3,
        "alice's signed commit (policy message) retypes .wf/actors.toml to a gitlink (same id)",
        MALFORMED,
        SUBMODULE,
        |w| {
            let t = w.edit(&w.tree_of(&w.good), ".wf", |es| {
                set_mode(es, "actors.toml", GITLINK)
            });
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), &policy_msg());
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "wf-workflows-gitlink-signed",
        3,
        "alice's signed commit (policy message) retypes .wf/workflows to a gitlink (same id)",
        MALFORMED,
        SUBMODULE,
        |w| {
            let t = w.edit(&w.tree_of(&w.good), ".wf", |es| {
                set_mode(es, "workflows", GITLINK)
            });
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), &policy_msg());
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "in-file-gitlink-signed",
        3,
        "alice's signed assign of E also retypes E's in/brief to a gitlink (same id)",
        MALFORMED,
        SUBMODULE,
        |w| {
            let x = w.act("wf-assign", &[&w.e, "--to", BOT.0], ALICE.0);
            let t = w.edit(&w.tree_of(&x), &format!("{}/in", task_dir(&w.e)), |es| {
                set_mode(es, "brief", GITLINK)
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "in-file-symlink-signed",
        3,
        "alice's signed assign of E also retypes E's in/brief to a symbolic link (same id)",
        MALFORMED,
        SYMLINK,
        |w| {
            let x = w.act("wf-assign", &[&w.e, "--to", BOT.0], ALICE.0);
            let t = w.edit(&w.tree_of(&x), &format!("{}/in", task_dir(&w.e)), |es| {
                set_mode(es, "brief", LINK)
            });
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "zero-padded-tree-mode",
        3,
        "alice's signed wf-new with the top-level tasks entry written as mode 040000",
        MALFORMED,
        &["040000"],
        |w| {
            let (x, _) = w.new_action();
            let t = w.edit(&w.tree_of(&x), "", |es| set_mode(es, "tasks", "040000"));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "zero-padded-blob-mode",
        3,
        "alice's signed wf-new with the new task file written as mode 0100644",
        MALFORMED,
        &["0100644"],
        |w| {
            let (x, id) = w.new_action();
            let (dir, name) = split_owned(&task_file(&id));
            let t = w.edit(&w.tree_of(&x), &dir, |es| set_mode(es, &name, "0100644"));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "mode-100664-in-wf-signed",
        3,
        "alice's signed policy action writes .wf/actors.toml as mode 100664",
        MALFORMED,
        &["100664"],
        |w| {
            let x = w.policy_action();
            let t = w.edit(&w.tree_of(&x), ".wf", |es| set_mode(es, "actors.toml", "100664"));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "blob-mode-on-a-tree",
        3,
        "the bot's signed draft of C whose out/draft.md (mode 100644) is a tree object",
        MALFORMED,
        &["mode", "not a file"],
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let inner = w.mktree(&[ent(FILE, "draft.md", &swapped)]);
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.c)), |es| {
                set_oid(es, "draft.md", &inner)
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "tree-mode-on-a-blob",
        3,
        "the bot's signed draft of C whose folder entry `out` (mode 40000) is a blob",
        MALFORMED,
        &["mode", "not a folder"],
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let t = w.edit(&w.tree_of(&x), &task_dir(&w.c), |es| set_oid(es, "out", &swapped));
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main_git_may_refuse(&c)
        }
    ),
    // --- class 4: names --------------------------------------------------------------------
    kind!(
        "slash-name-in-tasks",
        4,
        "the bot's signed draft of C; tasks/ also holds an entry named '<shard>/<C>/out/draft.md' \
         with other bytes, which a checkout writes over the verified file",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let name = format!("{}/out/draft.md", &task_dir(&w.c)["tasks/".len()..]);
            let t = w.edit(&w.tree_of(&x), "tasks", |es| add(es, ent(FILE, &name, &swapped)));
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "slash-name-top-level",
        4,
        "alice's signed wf-new; the top level also holds a blob named 'tasks/<A's out>' with \
         other bytes",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let (x, _) = w.new_action();
            let swapped = w.blob(SWAPPED);
            let name = format!("{}/out/draft.md", task_dir(&w.a));
            let t = w.edit(&w.tree_of(&x), "", |es| add(es, ent(FILE, &name, &swapped)));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "slash-name-top-level-unsigned",
        4,
        "an unsigned commit adds a top-level blob named 'tasks/<A>/out/draft.md' with other \
         bytes: no signature needed, and a fresh clone checks those bytes out as A's approved \
         output",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let swapped = w.blob(SWAPPED);
            let name = format!("{}/out/draft.md", task_dir(&w.a));
            let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, &name, &swapped)));
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dot-name-in-out",
        4,
        "the bot's signed draft of C with an entry named '.' in out/",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.c)), |es| {
                add(es, ent(FILE, ".", &swapped))
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dotdot-name-in-shard",
        4,
        "the bot's signed draft of C with a folder named '..' in C's shard",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.bot_submit();
            let a_dir = w.lookup(&w.tree_of(&x), &task_dir(&w.a)).oid;
            let t = w.edit(&w.tree_of(&x), &shard_dir(&w.c), |es| {
                add(es, ent(TREE, "..", &a_dir))
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "empty-name-in-out",
        4,
        "the bot's signed draft of C with an entry whose name is empty in out/",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.c)), |es| {
                add(es, ent(FILE, "", &swapped))
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main_git_may_refuse(&c)
        }
    ),
    kind!(
        "dotgit-top-level",
        4,
        "alice's signed wf-new with a top-level folder .git (a config inside)",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let (x, _) = w.new_action();
            let g = git_dir(w);
            let t = w.edit(&w.tree_of(&x), "", |es| add(es, ent(TREE, ".git", &g)));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "DOTGIT-in-out",
        4,
        "the bot's signed draft of C with a folder .GIT in out/",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.bot_submit();
            let g = git_dir(w);
            let t = w.edit(&w.tree_of(&x), &format!("{}/out", task_dir(&w.c)), |es| {
                add(es, ent(TREE, ".GIT", &g))
            });
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dotgit-space-top-level",
        4,
        "alice's signed wf-new with a top-level folder '.git ' (trailing space)",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let (x, _) = w.new_action();
            let g = git_dir(w);
            let t = w.edit(&w.tree_of(&x), "", |es| add(es, ent(TREE, ".git ", &g)));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "git-tilde-1-top-level",
        4,
        "alice's signed wf-new with a top-level folder 'git~1' (the NTFS short name of .git)",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let (x, _) = w.new_action();
            let g = git_dir(w);
            let t = w.edit(&w.tree_of(&x), "", |es| add(es, ent(TREE, "git~1", &g)));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "dotgit-in-wf",
        4,
        "alice's signed policy action with a folder .wf/.git",
        MALFORMED,
        NOT_ALLOWED,
        |w| {
            let x = w.policy_action();
            let g = git_dir(w);
            let t = w.edit(&w.tree_of(&x), ".wf", |es| add(es, ent(TREE, ".git", &g)));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "look-alike-TASKS",
        4,
        "an unsigned commit adds a top-level TASKS/ (B approved)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "TASKS", false)
    ),
    kind!(
        "look-alike-Tasks",
        4,
        "an unsigned commit adds a top-level Tasks/ (B approved)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "Tasks", false)
    ),
    kind!(
        "look-alike-WF",
        4,
        "an unsigned commit adds a top-level .WF/ (mallory admin)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, ".WF", true)
    ),
    kind!(
        "look-alike-Wf",
        4,
        "an unsigned commit adds a top-level .Wf/ (mallory admin)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, ".Wf", true)
    ),
    kind!(
        "look-alike-cyrillic-tasks",
        4,
        "an unsigned commit adds a top-level t\u{430}sks/ (Cyrillic a; B approved)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "t\u{430}sks", false)
    ),
    kind!(
        "look-alike-cyrillic-wf",
        4,
        "an unsigned commit adds a top-level .\u{51d}f/ (Cyrillic komi we; mallory admin)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, ".\u{51d}f", true)
    ),
    kind!(
        "look-alike-fullwidth-tasks",
        4,
        "an unsigned commit adds a top-level fullwidth \u{ff54}\u{ff41}\u{ff53}\u{ff4b}\u{ff53}/",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "\u{ff54}\u{ff41}\u{ff53}\u{ff4b}\u{ff53}", false)
    ),
    kind!(
        "look-alike-zwj-tasks",
        4,
        "an unsigned commit adds a top-level ta<U+200D>sks/ (ignored by HFS+)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "ta\u{200d}sks", false)
    ),
    kind!(
        "look-alike-zwj-wf",
        4,
        "an unsigned commit adds a top-level .<U+200C>wf/ (ignored by HFS+)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, ".\u{200c}wf", true)
    ),
    kind!(
        "look-alike-tasks-dot",
        4,
        "an unsigned commit adds a top-level 'tasks.' (Windows drops the trailing dot)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "tasks.", false)
    ),
    kind!(
        "look-alike-tasks-space",
        4,
        "an unsigned commit adds a top-level 'tasks ' (Windows drops the trailing space)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, "tasks ", false)
    ),
    kind!(
        "look-alike-wf-dot",
        4,
        "an unsigned commit adds a top-level '.wf.' (Windows drops the trailing dot)",
        MALFORMED,
        LOOK_ALIKE,
        |w| look_alike(w, ".wf.", true)
    ),
    // --- class 5: merges ---------------------------------------------------------------------
    kind!(
        "revoked-key-merge",
        5,
        "main revokes the bot's key at R; on a branch forked before R the bot (still valid \
         there) drafts C; an unsigned merge carries the draft into main",
        "merge",
        FIRST_PARENT,
        |w| revocation(w, Revoke::Key, 1)
    ),
    kind!(
        "revoked-role-merge",
        5,
        "main takes bob's reviewer role at R; on a branch forked before R bob accepts C's \
         draft; an unsigned merge carries the review into main",
        "merge",
        FIRST_PARENT,
        |w| revocation(w, Revoke::Role, 1)
    ),
    kind!(
        "revoked-key-octopus",
        5,
        "as revoked-key-merge, with an octopus merge of main, the bot's branch and a no-op branch",
        "merge",
        FIRST_PARENT,
        |w| revocation(w, Revoke::Key, 2)
    ),
    kind!(
        "orphan-look-alike-merge",
        5,
        "an unsigned merge whose second parent is an orphan root holding TASKS/ (B approved): \
         the merge's own tree carries the look-alike into main",
        MALFORMED,
        LOOK_ALIKE,
        |w| {
            let readme = w.blob(b"Imported.\n");
            let orphan_tree = w.mktree(&[
                ent(TREE, "TASKS", &w.tasks_b_approved),
                ent(FILE, "README.md", &readme),
            ]);
            let orphan = w.plain(&orphan_tree, &[], "Import\n");
            let t = w.edit(&w.tree_of(&w.good), "", |es| {
                add(es, ent(TREE, "TASKS", &w.tasks_b_approved));
                add(es, ent(FILE, "README.md", &readme));
            });
            let m = w.plain(&t, &[&w.good, &orphan], "Merge branch 'import'\n");
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "octopus-task-file-gitlink",
        5,
        "an unsigned octopus merge (main and two no-op branches) retypes A's task file to a \
         gitlink",
        MALFORMED,
        SUBMODULE,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.a));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| set_mode(es, &name, GITLINK));
            let (s1, s2) = (w.side(1), w.side(2));
            let m = w.plain(&t, &[&w.good, &s1, &s2], "Merge branches 's1' and 's2'\n");
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "dup-task-file-octopus",
        5,
        "an unsigned octopus merge whose shard holds B's task file twice (approved first)",
        MALFORMED,
        TWICE,
        |w| {
            let (dir, name) = split_owned(&task_file(&w.b));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| {
                let i = pos(es, &name);
                es.insert(i, ent(FILE, &name, &w.b_approved));
            });
            let (s1, s2) = (w.side(1), w.side(2));
            let m = w.plain(&t, &[&w.good, &s1, &s2], "Merge branches 's1' and 's2'\n");
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    // --- class 9: beyond the issue: top-level git metadata that rewrites what wf verified --
    kind!(
        "gitattributes-rewrites-checkout",
        9,
        "an unsigned commit adds a top-level .gitattributes `tasks/** text eol=crlf`: every \
         checkout of an approved output has other bytes (and another sha256) than the verified \
         blob",
        MALFORMED,
        &[".gitattributes"],
        |w| {
            let attrs = w.blob(b"tasks/** text eol=crlf\n");
            let t = w.edit(&w.tree_of(&w.good), "", |es| {
                add(es, ent(FILE, ".gitattributes", &attrs))
            });
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "mailmap-rewrites-authors",
        9,
        "an unsigned commit adds a top-level .mailmap mapping the bot to alice: `git log` and \
         `git shortlog` show the AI's signed actions as alice's",
        MALFORMED,
        &[".mailmap"],
        |w| {
            let map = w.blob(
                format!("{} <{}> {} <{}>\n", ALICE.1, ALICE.2, BOT.1, BOT.2).as_bytes(),
            );
            let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, ".mailmap", &map)));
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            // A bare server reads HEAD:.mailmap; a clone reads its checked-out .mailmap.
            let shown = w.git(&[
                "-c",
                "mailmap.blob=main:.mailmap",
                "log",
                "-1",
                "--format=%aN",
                "--grep=^wf: submit",
                "main",
            ]);
            assert_eq!(shown, ALICE.1, "git log shows the bot's submit as alice's");
            Forged::main(&c)
        }
    ),
    // --- class 6: refs that are not commits ------------------------------------------------
    kind!(
        "replace-ref-to-blob",
        6,
        "refs/replace/<A's approved output blob> -> a blob with other bytes",
        "history",
        &["replace"],
        |w| {
            let orig = w.lookup(&w.tree_of(&w.good), &format!("{}/out/draft.md", task_dir(&w.a)));
            let swapped = w.blob(SWAPPED);
            Forged::refspec(&swapped, &format!("refs/replace/{}", orig.oid))
        }
    ),
    kind!(
        "replace-ref-to-commit",
        6,
        "refs/replace/<A's approval> -> a no-op commit: readers see A never approved",
        "history",
        &["replace"],
        |w| replace_approval_of_a(w, "refs/replace/")
    ),
    kind!(
        "branch-to-blob",
        6,
        "refs/heads/x -> a blob",
        "history",
        &["not a commit"],
        |w| Forged::refspec(&w.blob(SWAPPED), "refs/heads/x")
    ),
    kind!(
        "branch-to-tree",
        6,
        "refs/heads/y -> the good tree",
        "history",
        &["not a commit"],
        |w| Forged::refspec(&w.tree_of(&w.good), "refs/heads/y")
    ),
    kind!(
        "lightweight-tag-to-blob",
        6,
        "refs/tags/t -> a blob",
        "history",
        &["not a commit"],
        |w| Forged::refspec(&w.blob(SWAPPED), "refs/tags/t")
    ),
    kind!(
        "annotated-tag-to-tree",
        6,
        "refs/tags/t2 -> an annotated tag of a tree",
        "history",
        &["not a commit"],
        |w| {
            let tree = w.tree_of(&w.good);
            let raw = format!(
                "object {tree}\ntype tree\ntag t2\ntagger {} <{}> 1795500000 +0000\n\nA tree.\n",
                MALLORY.1, MALLORY.2
            );
            let tag = String::from_utf8(w.git_raw(&["mktag"], Some(raw.as_bytes()))).unwrap();
            Forged::refspec(tag.trim(), "refs/tags/t2")
        }
    ),
    // --- class 10: round 2, against the fixed verifier ---------------------------------------
    kind!(
        "gitattributes-nul-hides-block",
        10,
        "an unsigned commit adds a top-level .gitattributes `tasks/** text eol=crlf`, a NUL, then \
         wf's block: wf sees the file end with the block, but git reads an attributes blob only up \
         to its first NUL, so a fresh clone checks A's approved output out with CRLF (other bytes, \
         another sha256 than the verified blob)",
        MALFORMED,
        &[".gitattributes"],
        |w| {
            let mut bytes = b"tasks/** text eol=crlf\n\0\n".to_vec();
            bytes.extend_from_slice(wf_core::checkout::attributes_block().as_bytes());
            let attrs = w.blob(&bytes);
            let t = w.edit(&w.tree_of(&w.good), "", |es| {
                add(es, ent(FILE, ".gitattributes", &attrs))
            });
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            let path = a_output(w);
            let clone = fresh_clone(w, "nul-attributes");
            let on_disk = std::fs::read(clone.join(&path)).unwrap();
            assert_ne!(
                on_disk,
                w.show(&format!("main:{path}")),
                "a fresh clone writes other bytes than the verified blob"
            );
            assert!(on_disk.windows(2).any(|p| p == b"\r\n"));
            Forged::main(&c)
        }
    ),
    kind!(
        "mailmap-long-line-split",
        10,
        "an unsigned commit adds a top-level .mailmap whose one line is `#`, 1022 filler bytes, \
         then `Alice A <alice@...> <drafter-bot@...>`: wf reads a comment, but git reads a \
         work tree's .mailmap with fgets into 1024 bytes, so the tail is a line of its own and \
         `git log` in every clone shows the AI's signed actions as alice's",
        MALFORMED,
        &[".mailmap"],
        |w| {
            let line = format!(
                "#{}{} <{}> <{}>\n",
                "x".repeat(1022),
                ALICE.1,
                ALICE.2,
                BOT.2
            );
            let map = w.blob(line.as_bytes());
            let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, ".mailmap", &map)));
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            w.git(&["reset", "-q", "--hard", "main"]);
            let shown = w.git(&["log", "-1", "--format=%aN <%aE>", "--grep=^wf: submit", "main"]);
            assert_eq!(
                shown,
                format!("{} <{}>", ALICE.1, ALICE.2),
                "git log in the clone shows the bot's submit as alice's"
            );
            Forged::main(&c)
        }
    ),
    kind!(
        "mailmap-hash-mid-line",
        10,
        "an unsigned commit adds a top-level .mailmap `Alice<NBSP>A <#alice@example.com> \
         <drafter-bot@...>`: wf cuts every line at its first `#`, git only skips lines that \
         begin with one, so git log (also on the bare server, mailmap.blob) shows the AI's signed \
         actions under a human's name",
        MALFORMED,
        &[".mailmap"],
        |w| {
            let line = format!("Alice\u{a0}A <#{}> <{}>\n", ALICE.2, BOT.2);
            let map = w.blob(line.as_bytes());
            let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, ".mailmap", &map)));
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            let shown = w.git(&[
                "-c",
                "mailmap.blob=main:.mailmap",
                "log",
                "-1",
                "--format=%aN",
                "--grep=^wf: submit",
                "main",
            ]);
            assert_eq!(shown, "Alice\u{a0}A", "git log renames the bot");
            Forged::main(&c)
        }
    ),
    kind!(
        "gitattributes-case-look-alike",
        10,
        "an unsigned commit adds a top-level .GITATTRIBUTES `tasks/** text eol=crlf`: on a \
         case-insensitive file system (macOS, Windows) git opens it as the work tree's \
         .gitattributes, and a checkout rewrites the verified outputs; wf only judges the exact \
         name",
        MALFORMED,
        &[".gitattributes", "look-alike"],
        |w| {
            let attrs = w.blob(b"tasks/** text eol=crlf\n");
            let t = w.edit(&w.tree_of(&w.good), "", |es| {
                add(es, ent(FILE, ".GITATTRIBUTES", &attrs))
            });
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "mailmap-case-look-alike",
        10,
        "an unsigned commit adds a top-level .MailMap mapping the bot to alice: on a \
         case-insensitive file system git opens it as .mailmap and git log shows the AI's signed \
         actions as alice's; wf only judges the exact name",
        MALFORMED,
        &[".mailmap", "look-alike"],
        |w| {
            let map = w.blob(format!("{} <{}> <{}>\n", ALICE.1, ALICE.2, BOT.2).as_bytes());
            let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, ".MailMap", &map)));
            let c = w.plain(&t, &[&w.good], "Housekeeping\n");
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "notes-ref-on-an-approval",
        10,
        "refs/notes/commits (a commit, so the hook lets it in) attaches to alice's signed \
         approval of A the text `Approval withdrawn by alice: do not ship`; git log shows it \
         under her signed commit by default",
        "history",
        &["notes"],
        |w| notes_on_approval_of_a(w, "refs/notes/commits")
    ),
    kind!(
        "octopus-base-reverts-approval",
        10,
        "alice approves B on main (pushed); an unsigned octopus merge [main, main+no-op, a no-op \
         side forked before] takes B's task file from the side: libgit2's merge_base_many is the \
         base of the first parent and the others' union (here main itself), not the octopus \
         base, so the side reads as having changed B and the merge silently reverts the \
         signed approval",
        "merge",
        &["does not take", "revert"],
        |w| {
            w.act("wf-approve", &[&w.b, "-m", "ship it"], ALICE.0);
            let approved = w.head();
            push_main_ok(w);
            let p1 = w.plain(&w.tree_of(&approved), &[&approved], "Tidy up\n");
            let side = w.side(1);
            let (dir, name) = split_owned(&task_file(&w.b));
            let old = w.lookup(&w.tree_of(&w.good), &task_file(&w.b)).oid;
            let t = w.edit(&w.tree_of(&approved), &dir, |es| set_oid(es, &name, &old));
            let m = w.plain(&t, &[&approved, &p1, &side], "Merge branches\n");
            w.set_main(&m);
            assert!(!w.approved(&w.b), "B reads as not approved after the merge");
            Forged::main(&m)
        }
    ),
    kind!(
        "octopus-base-deletes-task",
        10,
        "an unsigned octopus merge [main, main+no-op, a no-op side forked before E was made] \
         whose tree is the side's: with libgit2's base (main itself) the side reads as having \
         deleted E, so the merge deletes alice's signed task E and its input",
        "merge",
        &["does not take", "delete", "revert"],
        |w| {
            let pre = w.git(&["rev-parse", &format!("{}^", w.good)]);
            assert!(w
                .s
                .git_output(&["cat-file", "-e", &format!("{pre}:{}", task_file(&w.e))], None)
                .status
                .code()
                != Some(0));
            let side = w.plain(&w.tree_of(&pre), &[&pre], "Side\n");
            let p1 = w.side(1);
            let m = w.plain(&w.tree_of(&pre), &[&w.good, &p1, &side], "Merge branches\n");
            w.set_main(&m);
            let out = w.s.call("wf-show").args([w.e.as_str(), "--json"]).run();
            assert!(!out.status.success(), "E is gone");
            Forged::main(&m)
        }
    ),
    kind!(
        "octopus-base-deletes-store-then-refounded",
        10,
        "an unsigned octopus merge [main, main+no-op, an orphan root holding a README] whose tree \
         is the README alone: libgit2's base (main itself) makes the orphan read as the parent \
         that deleted every unit, and a parent that is not a store is never re-judged, so the \
         store silently disappears; then mallory runs wf-init on main (a valid root of trust: \
         she is in her own .wf) and acts as admin of main",
        "merge",
        &["removes the store", "does not take", "store"],
        |w| {
            let readme = w.blob(b"Nothing here.\n");
            let orphan_tree = w.mktree(&[ent(FILE, "README.md", &readme)]);
            let orphan = w.plain(&orphan_tree, &[], "Import\n");
            let p1 = w.side(1);
            let m = w.plain(&orphan_tree, &[&w.good, &p1, &orphan], "Merge branches\n");
            w.set_main(&m);
            w.git(&["reset", "-q", "--hard", "main"]);
            w.s.call("wf-init")
                .args(["--id", MALLORY.0, "--name", MALLORY.1, "--email", MALLORY.2, "--key"])
                .arg(w.s.key(MALLORY.0))
                .arg(".")
                .ok();
            w.act(
                "wf-actor",
                &[
                    "add",
                    BOB.0,
                    "--kind",
                    "human",
                    "--name",
                    BOB.1,
                    "--email",
                    BOB.2,
                    "--pubkey",
                    &w.s.pubkey(BOB.0),
                    "--role",
                    "admin",
                ],
                MALLORY.0,
            );
            let actors = String::from_utf8(w.show("main:.wf/actors.toml")).unwrap();
            assert!(actors.contains("mallory") && !actors.contains("alice"), "{actors}");
            Forged::main(&m)
        }
    ),
    kind!(
        "octopus-base-reverts-revocation",
        10,
        "the octopus base trick aimed at policy: main revokes the bot's key (pushed); an \
         unsigned octopus [main, main+no-op, a branch forked before where the revoked bot \
         drafts C] takes .wf/ from the branch (the base makes it the parent that 'changed' it)",
        "merge",
        &["refuses", "does not take", "beside"],
        |w| {
            let fork = w.good.clone();
            let r = revoke_bot_key(w);
            push_main_ok(w);
            w.git(&["checkout", "-q", "-b", "old", &fork]);
            let x = w.bot_submit();
            w.git(&["checkout", "-q", "main"]);
            let p1 = w.plain(&w.tree_of(&r), &[&r], "Tidy up\n");
            let draft = w.lookup(&w.tree_of(&x), "tasks").oid;
            let t = w.edit(&w.tree_of(&fork), "", |es| set_oid(es, "tasks", &draft));
            let m = w.plain(&t, &[&r, &p1, &x], "Merge branches\n");
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "revoked-key-nested-merge",
        10,
        "main revokes the bot's key (pushed); on a branch forked before, the bot drafts C, then \
         the branch merges a no-op branch of its own; an unsigned merge carries it into main",
        "merge",
        FIRST_PARENT,
        |w| {
            let fork = w.good.clone();
            revoke_bot_key(w);
            push_main_ok(w);
            w.git(&["checkout", "-q", "-b", "side", &fork]);
            w.bot_submit();
            let noop = w.plain(&w.tree_of(&fork), &[&fork], "Side 2\n");
            git_merge(w, &[&noop]);
            w.git(&["checkout", "-q", "main"]);
            let m = git_merge(w, &["side"]);
            Forged::main(&m)
        }
    ),
    kind!(
        "revoked-key-merge-side-first",
        10,
        "as revoked-key-merge, but the merge's first parent is the bot's branch and main is the \
         second (git merge main on the branch, then main fast-forwards)",
        "merge",
        &["refuses"],
        |w| {
            let fork = w.good.clone();
            revoke_bot_key(w);
            push_main_ok(w);
            w.git(&["checkout", "-q", "-b", "side", &fork]);
            w.bot_submit();
            let m = git_merge(w, &["main"]);
            w.git(&["checkout", "-q", "main"]);
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "uppercase-hex-parent",
        10,
        "an unsigned commit approving B whose parent line spells the good tip in upper-case hex: \
         git and libgit2 read it as that parent, wf's header reader must not skip it",
        MALFORMED,
        &["parent"],
        |w| {
            let (dir, name) = split_owned(&task_file(&w.b));
            let t = w.edit(&w.tree_of(&w.good), &dir, |es| set_oid(es, &name, &w.b_approved));
            let raw = format!(
                "tree {t}\nparent {}\nauthor {m} <{e}> 1795500000 +0000\ncommitter {m} <{e}> 1795500000 +0000\n\nEdit\n",
                w.good.to_uppercase(),
                m = MALLORY.1,
                e = MALLORY.2
            );
            let c = String::from_utf8(w.git_raw(
                &["hash-object", "-t", "commit", "--literally", "-w", "--stdin"],
                Some(raw.as_bytes()),
            ))
            .unwrap()
            .trim()
            .to_string();
            assert_eq!(w.git(&["rev-parse", &format!("{c}^")]), w.good);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    // --- class 11: provenance the verifier proves: a run's prompt is rendered again --------
    kind!(
        "run-prompt-digest-not-rendered",
        11,
        "the bot's real wf-run on C, its prompt_sha256 and Wf-Prompt-Digest replaced by the \
         digest of a prompt wf never rendered, signed again with the bot's key: the revision \
         would claim a provenance its agent never had",
        MISMATCH,
        NOT_RENDERED,
        |w| {
            let run = bot_runs(w, &w.c.clone());
            let text = task_text(w, &run, &w.c);
            let real = prompt_of(&text);
            let fake = w.s.sha256(b"a prompt wf never rendered\n");
            let forged = forge_run(w, &run, &w.c, |t| t.replace(&real, &fake));
            w.set_main(&forged);
            Forged::main(&forged)
        }
    ),
    kind!(
        "run-inputs-not-rendered",
        11,
        "the bot's real wf-run on E (which has a brief), the sha256 its run records for the \
         brief replaced, signed again with the bot's key: the run would claim another input",
        MISMATCH,
        &["records inputs other than"],
        |w| {
            w.act("wf-assign", &[&w.e, "--to", BOT.0], "alice");
            let run = bot_runs(w, &w.e.clone());
            let forged = forge_run(w, &run, &w.e, |t| {
                // The last mention of the brief's digest is the run's, not the input's.
                let key = "[[revision.run.inputs]]\nname = \"brief\"\nsha256 = \"";
                match t.rfind(key) {
                    Some(i) => {
                        let at = i + key.len();
                        format!("{}{}{}", &t[..at], "0".repeat(64), &t[at + 64..])
                    }
                    None => t.to_string(),
                }
            });
            w.set_main(&forged);
            Forged::main(&forged)
        }
    ),
    kind!(
        "kept-output-retyped-under-an-honest-child",
        10,
        "the bot's signed draft of C whose out/draft.md names a tree (mode 100644), then \
         alice's assign of C on top of it, signed, keeping the entry as it is: the child's \
         verdict takes a parent's kept outputs as verified (spec/verify.md), so the parent \
         must be refused",
        MALFORMED,
        &["but the object is a folder"],
        |w| {
            let x = w.bot_submit();
            let out = format!("{}/out", task_dir(&w.c));
            let not_a_file = w.lookup(&w.tree_of(&x), &out).oid;
            let t = w.edit(&w.tree_of(&x), &out, |es| set_oid(es, "draft.md", &not_a_file));
            let parent = w.recommit(&x, &t, BOT.0);
            // Alice's real assign of C after the honest draft, moved onto the forged parent.
            let y = w.act("wf-assign", &[&w.c, "--to", BOB.0], "alice");
            let ty = w.edit(&w.tree_of(&y), &out, |es| set_oid(es, "draft.md", &not_a_file));
            let msg = &w.message_of(&y);
            let child = w.commit(&ty, &[&parent], (ALICE.1, ALICE.2), Some(ALICE.0), msg);
            w.set_main(&child);
            Forged::main(&parent)
        }
    ),
    // --- class 12: a changed tree the verifier compares with its parent's, not parses ---------
    kind!(
        "shard-retyped-to-a-blob-like-its-parent",
        12,
        "the bot's signed draft of C whose tasks/ tree names a blob as C's shard (mode 40000): \
         the tree differs from its parent's only in that id, so it is taken as the parent's \
         entries, and the shard is refused as it is read",
        MALFORMED,
        &["its mode says a folder (tree), but the object is a file (blob)"],
        |w| {
            let x = w.bot_submit();
            let swapped = w.blob(SWAPPED);
            let shard = wf_core::task::shard(&w.c);
            let t = w.edit(&w.tree_of(&x), "tasks", |es| set_oid(es, shard, &swapped));
            w.same_size_as_parents(&x, &t, "tasks");
            let c = w.recommit(&x, &t, BOT.0);
            w.set_main(&c);
            Forged::main_git_may_refuse(&c)
        }
    ),
    kind!(
        "mode-respelled-like-its-parent",
        12,
        "alice's signed assign of C, after the bot's draft, with C's task file written as mode \
         100664 in its shard: the same length as the parent's shard tree, one mode's digits \
         changed",
        MALFORMED,
        &["100664"],
        |w| {
            w.bot_submit();
            let y = w.act("wf-assign", &[&w.c, "--to", BOB.0], "alice");
            let (dir, name) = split_owned(&task_file(&w.c));
            let t = w.edit(&w.tree_of(&y), &dir, |es| set_mode(es, &name, "100664"));
            w.same_size_as_parents(&y, &t, &dir);
            let c = w.recommit(&y, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    // --- class 13: a task file whose bytes are not UTF-8 ----------------------------------------
    kind!(
        "task-file-byte-ff-for-a-replacement-character",
        13,
        "the bot's signed draft of C whose note holds U+FFFD, re-signed by the bot with the byte \
         0xFF in its place in C's task file: read lossily, the file would equal the canonical \
         text, while every tool refuses to read it (found by a red-team helper)",
        MALFORMED,
        &["is not valid UTF-8"],
        |w| {
            w.s.call("wf-submit")
                .args([&w.c, "--name", "draft.md", "-m", "first draft \u{FFFD}"])
                .key(BOT.0)
                .stdin(DRAFT)
                .ok();
            let x = w.head();
            let c = not_utf8(w, &x, &w.c, &[0xff], BOT.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "task-file-cut-sequence-for-a-replacement-character",
        13,
        "alice's signed wf-new of a task titled with U+FFFD, re-signed with the first two bytes \
         of a three-byte sequence in its place in the task file",
        MALFORMED,
        &["is not valid UTF-8"],
        |w| {
            let id = new_task(&w.s, "Carrier \u{FFFD}");
            let x = w.head();
            let c = not_utf8(w, &x, &id, &[0xe2, 0x82], ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "replace-ref-in-capitals",
        13,
        "refs/REPLACE/<A's approval> -> a no-op commit: on a server whose file system ignores \
         case it is a file in refs/replace/, and readers see A never approved",
        "history",
        &["replace"],
        |w| replace_approval_of_a(w, "refs/REPLACE/")
    ),
    kind!(
        "notes-ref-in-capitals",
        13,
        "refs/NOTES/commits attaches `Approval withdrawn` to alice's signed approval of A: on a \
         server whose file system ignores case it is refs/notes/commits, shown by git log",
        "history",
        &["notes"],
        |w| notes_on_approval_of_a(w, "refs/NOTES/commits")
    ),
    kind!(
        "trailer-blank-before-the-colon",
        13,
        "an unsigned empty commit in alice's name whose last paragraph has `Wf-Action : approve`: git reads the blank before the colon as part of the separator and shows alice's approval of A; wf's trailer parser read no trailers",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Wf-Task: {a}\nWf-Action : approve\nWf-Actor: alice\n", a = w.a), false)
    ),
    kind!(
        "trailer-block-with-a-comment-line",
        13,
        "the same with a `#` line inside the trailer block, which git skips",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Wf-Task: {a}\n# agreed in the meeting\nWf-Action: approve\nWf-Actor: alice\n", a = w.a), false)
    ),
    kind!(
        "trailer-block-before-a-tab-line",
        13,
        "the same with a last line holding only a tab, which git skips as blank",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Wf-Task: {a}\nWf-Action: approve\nWf-Actor: alice\n\n\t", a = w.a), false)
    ),
    kind!(
        "trailer-block-with-text-beside-signed-off-by",
        13,
        "the same with a text line in the trailer paragraph, which git accepts beside a `Signed-off-by`",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Approved, see the notes.\nSigned-off-by: Alice Archer <alice@example.com>\nWf-Task: {a}\nWf-Action: approve\nWf-Actor: alice\n", a = w.a), false)
    ),
    kind!(
        "trailer-block-before-a-scissors-line",
        13,
        "the same with a scissors line after the block: git ignores everything from it on",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Wf-Task: {a}\nWf-Action: approve\nWf-Actor: alice\n# ------------------------ >8 ------------------------\n\nnothing here\n", a = w.a), false)
    ),
    kind!(
        "merge-with-a-blank-before-the-colon",
        13,
        "an unsigned merge of a no-op side branch whose message has `Wf-Action : approve`",
        MISMATCH,
        &["Wf-Action to git"],
        |w| git_reads_an_approval(w, &format!("Wf-Task: {a}\nWf-Action : approve\nWf-Actor: alice\n", a = w.a), true)
    ),
    kind!(
        "actors-file-not-in-the-form-wf-writes",
        13,
        "alice's signed policy action with `\"\\u0061dmin\"` for carol's new role in .wf/actors.toml: \
         it parses to the same actors, but a reader searching the text for admin grants finds \
         none (in a proposal, it hid an admin grant from the endorsing admin)",
        "rule 12 (bad-input)",
        &["not in the form wf writes"],
        |w| re_actored(w, |text| {
            let at = text.find("id = \"carol\"").unwrap();
            let (head, tail) = text.split_at(at);
            format!("{head}{}", tail.replacen("\"admin\"", "\"\\u0061dmin\"", 1))
        })
    ),
    kind!(
        "ai-actor-made-human-by-an-actor-update",
        14,
        "alice's signed `actor update drafter-bot`, in the form wf writes, that turns the AI actor human (its model and operator gone): from then on it could approve, and the history said only \"actor update\"",
        "rule 12 (bad-input)",
        &["kind never changes"],
        |w| {
            let x = w.act(
                "wf-actor",
                &["update", BOT.0, "--add-role", "reviewer"],
                "alice",
            );
            let text = String::from_utf8(w.show(&format!("{x}:.wf/actors.toml"))).unwrap();
            let at = text.find(&format!("id = \"{}\"", BOT.0)).unwrap();
            let (head, tail) = text.split_at(at);
            let end = tail[1..].find("[[actor]]").map_or(tail.len(), |i| i + 1);
            let (block, rest) = tail.split_at(end);
            let human: String = block
                .replace("kind = \"ai\"", "kind = \"human\"")
                .lines()
                .filter(|l| !l.starts_with("model = ") && !l.starts_with("operator = "))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_ne!(human, block);
            let flipped = format!("{head}{human}{rest}");
            let blob = w.blob(flipped.as_bytes());
            let t = w.edit(&w.tree_of(&x), ".wf", |es| set_oid(es, "actors.toml", &blob));
            let c = w.recommit(&x, &t, ALICE.0);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "approval-in-iso-2022-jp",
        14,
        "an unsigned commit in alice's name adding a README, declaring `encoding ISO-2022-JP`, whose trailer block spells the key `W` ESC `(B` `f-Action`: wf read no action, git drops the escape when it re-encodes and shows alice's approval of A (`git log`, `%(trailers)`)",
        MALFORMED,
        &["declares encoding"],
        |w| reencoded_approval(w, false)
    ),
    kind!(
        "orphan-approval-in-iso-2022-jp-merged-in",
        14,
        "the same message on an orphan commit (not in a store's history), merged into main by an unsigned merge",
        MALFORMED,
        &["declares encoding"],
        |w| reencoded_approval(w, true)
    ),
    kind!(
        "octopus-of-seventeen-parents",
        14,
        "an unsigned merge of the good tip and sixteen no-op side commits: the base common to all parents costs a walk per parent, so an octopus of hundreds of tips over one long line cost the hook, and every later verification, their product (found by a red-team helper)",
        MALFORMED,
        &["a merge of 17 parents: wf judges merges of at most 16"],
        |w| {
            let sides: Vec<String> = (1..=16).map(|n| w.side(n)).collect();
            let mut parents = vec![w.good.as_str()];
            parents.extend(sides.iter().map(String::as_str));
            let m = w.plain(&w.tree_of(&w.good), &parents, "Merge sixteen\n");
            w.set_main(&m);
            Forged::main(&m)
        }
    ),
    kind!(
        "task-folder-nested-forty-deep",
        14,
        "the bot's signed commit adds to C's folder a chain of forty nested folders ending in one file: thousands of levels overflowed a verifier thread's stack (found by a red-team helper); wf writes at most tasks/<shard>/<id>/out/<file>",
        MALFORMED,
        &["folders nested", "deep"],
        |w| {
            let leaf = w.blob(b"deep\n");
            let mut t = w.mktree(&[ent(FILE, "x", &leaf)]);
            for _ in 0..40 {
                t = w.mktree(&[ent(TREE, "z", &t)]);
            }
            let dir = task_dir(&w.c);
            let (shard, id) = split(&dir);
            let folder = w.mktree(&[ent(TREE, "out", &t)]);
            let root = w.edit(&w.tree_of(&w.good), shard, |es| add(es, ent(TREE, id, &folder)));
            let msg = w
                .message_of(&w.approve_a)
                .replace(&w.a, &w.c);
            let c = w.commit(&root, &[&w.good], (BOT.1, BOT.2), Some(BOT.0), &msg);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "approval-beside-a-gitattributes-change",
        14,
        "an unsigned commit in alice's name carrying her approval of A's message byte for byte, whose only change is a harmless first line in `.gitattributes` (wf's lines still last): git and `wf-log` showed alice's approval",
        MISMATCH,
        &["changes nothing under .wf/ or tasks/"],
        |w| {
            let attrs = w.lookup(&w.tree_of(&w.good), ".gitattributes");
            let text = w.show(&attrs.oid);
            let blob = w.blob(&[&b"*.png binary\n"[..], &text].concat());
            let t = w.edit(&w.tree_of(&w.good), "", |es| set_oid(es, ".gitattributes", &blob));
            let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), None, &w.message_of(&w.approve_a));
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "bot-signed-approval-beside-a-new-mailmap",
        14,
        "drafter-bot signs, with its own key, an approval of A in its own name whose only change is a new `.mailmap` holding a comment",
        MISMATCH,
        &["changes nothing under .wf/ or tasks/"],
        |w| {
            let blob = w.blob(b"# nobody renamed\n");
            let t = w.edit(&w.tree_of(&w.good), "", |es| {
                add(es, ent(FILE, ".mailmap", &blob))
            });
            let msg = w
                .message_of(&w.approve_a)
                .replace("Wf-Actor: alice", &format!("Wf-Actor: {}", BOT.0));
            assert!(msg.contains(BOT.0), "{msg}");
            let c = w.commit(&t, &[&w.good], (BOT.1, BOT.2), Some(BOT.0), &msg);
            w.set_main(&c);
            Forged::main(&c)
        }
    ),
    kind!(
        "orphan-line-of-approvals-merged-in",
        14,
        "an orphan commit holding only a README whose message is alice's approval of A, unsigned, joined to main by an unsigned merge that adds the README: neither is in a store's history, so both were left alone while `wf-log` and `wf-stats` listed the approval",
        MISMATCH,
        &["is not in a store"],
        |w| {
            let readme = w.blob(b"Hello\n");
            let t = w.mktree(&[ent(FILE, "README", &readme)]);
            let orphan = w.commit(&t, &[], (ALICE.1, ALICE.2), None, &w.message_of(&w.approve_a));
            let mt = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(FILE, "README", &readme)));
            let m = w.plain(&mt, &[&w.good, &orphan], "Merge the docs\n");
            w.set_main(&m);
            Forged::main(&orphan)
        }
    ),
    // --- class 15: task files the verifier reads with its reader of the canonical form --------
    kind!(
        "task-file-respelled-as-the-same-task",
        15,
        "the bot's signed draft of C, re-signed with its task file's id written as a literal \
         string ('…'): the same task to toml, but not the canonical text, so the canonical \
         reader leaves it to toml and the bytes are compared",
        MISMATCH,
        &["its trailers describe"],
        |w| redrafted(w, |text| {
            let line = text.lines().find(|l| l.starts_with("id = \"")).unwrap();
            text.replacen(line, &line.replace('"', "'"), 1)
        })
    ),
    kind!(
        "task-note-with-a-conflict-marker-line",
        15,
        "the bot's signed draft of C, re-signed with its task file written, in the canonical form, \
         with a revision note holding the line `=======`: toml reads it, wf refuses it as git's \
         conflict markers (the canonical reader first accepted it)",
        MALFORMED,
        &["conflict markers"],
        |w| redrafted(w, |text| {
            let mut t = wf_core::Task::parse(text).unwrap();
            t.revisions.last_mut().unwrap().note = "first\n=======\ndraft".into();
            let canonical = t.to_toml();
            assert!(canonical.lines().any(|l| l == "======="), "{canonical}");
            canonical
        })
    ),
    // --- class 16: TOML files longer than wf reads (1 MiB) --------------------------------------
    kind!(
        "task-file-over-the-toml-limit",
        16,
        "the bot's signed draft of C, re-signed with its task file written, in the canonical form, \
         with a revision note of 1 MiB: toml's parser holds about fifty times its input before it \
         refuses a hostile file, so a file over 1 MiB is refused from its size, never inflated",
        MALFORMED,
        &["bytes, over the 1 MiB limit"],
        |w| redrafted(w, |text| {
            let mut t = wf_core::Task::parse(text).unwrap();
            t.revisions.last_mut().unwrap().note = "x".repeat(wf_core::text::MAX_TOML_SIZE);
            let canonical = t.to_toml();
            assert!(canonical.len() > wf_core::text::MAX_TOML_SIZE);
            canonical
        })
    ),
    kind!(
        "actors-file-over-the-toml-limit",
        16,
        "alice's signed `actor update carol --add-role admin` re-signed with .wf/actors.toml \
         grown past 1 MiB by `[a]` lines (64 MiB of them made toml's parser hold 3.3 GB)",
        "rule 12 (bad-input)",
        &["over the 1 MiB a file wf reads as TOML may hold"],
        |w| re_actored(w, |text| {
            format!("{text}{}", "[a]\n".repeat(wf_core::text::MAX_TOML_SIZE / 4))
        })
    ),
    // --- class 17: GitLab's own attribute, which wf's lines before rules 18 did not reset ----
    kind!(
        "gitlab-generated-before-old-wf-lines",
        17,
        "an unsigned commit rewrites .gitattributes as `/tasks/** gitlab-generated` and          `/.wf/** gitlab-generated`, then wf's lines as they were before rules 18 (no          `-gitlab-generated`): GitLab would fold every task file, approval and AI output out of          its merge-request diffs",
        MALFORMED,
        &["names gitlab-generated"],
        |w| gitlab_generated(w, "/tasks/** gitlab-generated\n/.wf/** gitlab-generated\n")
    ),
    kind!(
        "gitlab-generated-by-a-macro",
        17,
        "the same through a macro: `[attr]gen gitlab-generated`, then `/tasks/** gen`, then wf's          lines from before rules 18",
        MALFORMED,
        &["names gitlab-generated"],
        |w| gitlab_generated(w, "[attr]gen gitlab-generated\n/tasks/** gen\n")
    ),
    // --- class 18: rules only unit tests of wf-core tried: a quorum counts people (rules 19), a
    // revision after a check needs a check after it (rules 20) -------------------------------
    kind!(
        "quorum-met-by-a-reviewer-and-his-own-agent",
        18,
        "alice sets a workflow whose review step asks a quorum of 2 and admits AI reviewers, and \
         registers bobs-agent, an AI reviewer operated by bob; bob accepts the draft; then \
         bobs-agent's accept of the same revision, which wf-review refuses, is written as the \
         tool writes an accept (the task moved on to approve) and signed with the agent's own \
         key: one person would have met a quorum of two (a red-team helper's, until rules 19)",
        "rule 14 (quorum)",
        &["acts for bob, whose accept of revision 1 at step review is counted already"],
        quorum_met_by_bob_and_his_agent
    ),
    kind!(
        "workflow-with-a-revising-review-after-its-check",
        18,
        "alice's signed `wf-policy set` of a workflow whose check follows a revising review, \
         re-signed with the check moved before the review (and no check after it), written as \
         wf writes a workflow: a reviewer's refined revision would reach the approval unchecked, \
         past a gate that forbade its bytes (a red-team helper's, until rules 20); wf-policy \
         refuses to write it",
        "rule 12 (bad-input)",
        &["step review makes a revision after check step check and no check step follows it"],
        |w| ungated_workflow(w, &["define", "draft", "check", "review", "approve"])
    ),
    kind!(
        "workflow-with-a-produce-step-after-its-check",
        18,
        "the same policy action re-signed with a workflow whose produce step `optimize` follows \
         the check, and no check after it: the optimized revision would reach the approval \
         unchecked",
        "rule 12 (bad-input)",
        &["step optimize makes a revision after check step check and no check step follows it"],
        |w| ungated_workflow(w, &["define", "draft", "check", "optimize", "approve"])
    ),
];

/// An unsigned commit on the good tip whose `.gitattributes` is `before`, then wf's lines as
/// they were before rules 18 (without `-gitlab-generated`), which a store founded then ends
/// with and which stay sound while nothing names the attribute.
fn gitlab_generated(w: &World, before: &str) -> Forged {
    let now = wf_core::checkout::attributes_block();
    assert!(now.contains(" -gitlab-generated"));
    let old = now.replace(" -gitlab-generated", "");
    // The older lines alone are still a sound ending.
    assert!(wf_core::checkout::check_attributes(old.as_bytes()).is_ok());
    let attrs = w.blob(format!("{before}{old}").as_bytes());
    let t = w.edit(&w.tree_of(&w.good), "", |es| {
        set_oid(es, ".gitattributes", &attrs)
    });
    let c = w.plain(&t, &[&w.good], "docs: tidy attributes\n");
    w.set_main(&c);
    Forged::main(&c)
}

// ---------------------------------------------------------------------------------------------
// Class 18 helpers
// ---------------------------------------------------------------------------------------------

/// Bob's own AI agent (class 18): an AI actor with role reviewer whose operator is bob.
const BOBS_AGENT: Who = ("bobs-agent", "Bobs Agent", "bobs-agent@example.com");

/// A workflow whose steps are picked by name, in this order, from: define, draft (an AI
/// drafter produces), review (a human reviewer, who may revise), optimize (an AI produces
/// again), check (an AI checker runs `grep`), approve.
fn workflow_of(name: &str, steps: &[&str]) -> wf_core::Workflow {
    use wf_core::workflow::Performer;
    use wf_core::{Step, StepKind};
    let step = |n: &str, kind, actor, role: &str| Step {
        roles: vec![role.to_string()],
        ..Step::new(n, kind, actor)
    };
    let pick = |n: &str| match n {
        "define" => step(n, StepKind::Define, Performer::Human, "requester"),
        "draft" => step(n, StepKind::Produce, Performer::Ai, "drafter"),
        "review" => Step {
            revise: true,
            ..step(n, StepKind::Review, Performer::Human, "reviewer")
        },
        "optimize" => step(n, StepKind::Produce, Performer::Ai, "drafter"),
        "check" => Step {
            command: vec!["sh".into(), "-c".into(), "! grep -r SECRET .".into()],
            ..step(n, StepKind::Check, Performer::Ai, "checker")
        },
        "approve" => Step::new(n, StepKind::Approve, Performer::Human),
        other => panic!("no step {other}"),
    };
    wf_core::Workflow {
        name: name.into(),
        description: String::new(),
        steps: steps.iter().map(|n| pick(n)).collect(),
    }
}

/// alice's real `wf-policy set` of a valid workflow `gated` (a revising review, then the check),
/// re-signed by alice with `.wf/workflows/gated.toml` holding, as wf writes a workflow, the
/// steps `steps`, which make a revision after the check with no check after it. wf-policy
/// refuses to set that workflow itself.
fn ungated_workflow(w: &World, steps: &[&str]) -> Forged {
    let good = workflow_of("gated", &["define", "draft", "review", "check", "approve"]);
    good.validate().unwrap();
    let bad = workflow_of("gated", steps);
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("and no check step follows it"), "{err}");
    let file = w.s.file("gated-bad.toml", bad.to_toml().as_bytes());
    let (code, stderr) =
        w.s.refused("wf-policy", &["set", "--workflow", &file], ALICE.0);
    assert!(
        code != 0 && stderr.contains("and no check step follows it"),
        "wf-policy: {code} {stderr}"
    );
    let file = w.s.file("gated.toml", good.to_toml().as_bytes());
    let x = w.act("wf-policy", &["set", "--workflow", &file], ALICE.0);
    assert_eq!(
        w.show(&format!("{x}:.wf/workflows/gated.toml")),
        good.to_toml().as_bytes()
    );
    let blob = w.blob(bad.to_toml().as_bytes());
    let t = w.edit(&w.tree_of(&x), ".wf/workflows", |es| {
        set_oid(es, "gated.toml", &blob)
    });
    let c = w.recommit(&x, &t, ALICE.0);
    w.set_main(&c);
    Forged::main(&c)
}

/// On main, with the real tools: bobs-agent registered by alice (its key made once per world),
/// and the workflow `two-people` set by alice: a review step that admits any actor with role
/// reviewer and asks a quorum of 2.
fn quorum_policy(w: &World) {
    let s = &w.s;
    if !s.key(BOBS_AGENT.0).exists() {
        s.make_key(BOBS_AGENT.0);
    }
    s.ok(
        "wf-actor",
        &[
            "add",
            BOBS_AGENT.0,
            "--kind",
            "ai",
            "--name",
            BOBS_AGENT.1,
            "--email",
            BOBS_AGENT.2,
            "--pubkey",
            &s.pubkey(BOBS_AGENT.0),
            "--role",
            "reviewer",
            "--operator",
            BOB.0,
            "--model",
            common::MODEL,
        ],
        ALICE.0,
    );
    let mut wf = workflow_of("two-people", &["define", "draft", "review", "approve"]);
    let review = &mut wf.steps[2];
    review.actor = wf_core::workflow::Performer::Any;
    review.revise = false;
    review.quorum = Some(2);
    let file = s.file("two-people.toml", wf.to_toml().as_bytes());
    s.ok("wf-policy", &["set", "--workflow", &file], ALICE.0);
}

/// A task of `two-people` by alice, drafted by the bot and accepted by bob, with the real
/// tools. Returns its id; main is checked out at bob's accept.
fn quorum_task(w: &World, title: &str) -> String {
    let s = &w.s;
    let id = s
        .ok(
            "wf-new",
            &["--workflow", "two-people", "--title", title],
            ALICE.0,
        )
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", BOT.0], ALICE.0);
    s.call("wf-submit")
        .args([&id, "--name", "draft.md"])
        .key(BOT.0)
        .stdin(DRAFT)
        .ok();
    s.ok("wf-review", &[&id, "--accept", "-m", "fine"], BOB.0);
    assert_eq!(s.show(&id)["step"], "review");
    id
}

/// bob accepts; then bobs-agent's accept, which wf-review refuses (rule 14), is written by
/// hand and signed with the agent's own key. The accept is the one wf-review writes where the
/// agent counts as another person: made for real after alice hands the agent to carol, then
/// its task file and message put on bob's accept, where bob operates the agent.
fn quorum_met_by_bob_and_his_agent(w: &World) -> Forged {
    let s = &w.s;
    quorum_policy(w);
    let id = quorum_task(w, "Two people");
    let accepted = w.head();
    let err = s.assert_rule(
        14,
        s.call("wf-review")
            .args([&id, "--accept", "-m", "fine"])
            .key(BOBS_AGENT.0),
    );
    assert!(err.contains("bobs-agent acts for bob"), "{err}");
    // The accept as the tool writes it where it counts: the agent operated by carol.
    s.ok(
        "wf-actor",
        &["update", BOBS_AGENT.0, "--operator", CAROL.0],
        ALICE.0,
    );
    let x = w.act("wf-review", &[&id, "--accept", "-m", "fine"], BOBS_AGENT.0);
    assert_eq!(s.show(&id)["step"], "approve");
    let path = task_file(&id);
    let file = w.git(&["rev-parse", &format!("{x}:{path}")]);
    let msg = w.message_of(&x);
    for t in [
        "Wf-Action: review",
        "Wf-Actor: bobs-agent",
        "Wf-Verdict: accept",
    ] {
        assert!(msg.lines().any(|l| l == t), "{t}: {msg}");
    }
    w.git(&["reset", "-q", "--hard", &accepted]);
    let (dir, name) = split_owned(&path);
    let t = w.edit(&w.tree_of(&accepted), &dir, |es| set_oid(es, &name, &file));
    let c = w.commit(
        &t,
        &[&accepted],
        (BOBS_AGENT.1, BOBS_AGENT.2),
        Some(BOBS_AGENT.0),
        &msg,
    );
    w.set_main(&c);
    Forged::main(&c)
}

/// alice's signed `wf-actor update carol --add-role admin`, re-signed by alice with
/// `.wf/actors.toml`'s text made by `respell` from the text the tool wrote.
fn re_actored(w: &World, respell: impl Fn(&str) -> String) -> Forged {
    let x = w.act(
        "wf-actor",
        &["update", "carol", "--add-role", "admin"],
        "alice",
    );
    let text = String::from_utf8(w.show(&format!("{x}:.wf/actors.toml"))).unwrap();
    let respelled = respell(&text);
    assert_ne!(respelled, text);
    let blob = w.blob(respelled.as_bytes());
    let t = w.edit(&w.tree_of(&x), ".wf", |es| {
        set_oid(es, "actors.toml", &blob)
    });
    let c = w.recommit(&x, &t, ALICE.0);
    w.set_main(&c);
    Forged::main(&c)
}

/// The bot's draft of C, re-signed by the bot with its task file's text made by `respell` from
/// the text `wf-submit` wrote.
fn redrafted(w: &World, respell: impl Fn(&str) -> String) -> Forged {
    w.s.call("wf-submit")
        .args([&w.c, "--name", "draft.md", "-m", "first draft"])
        .key(BOT.0)
        .stdin(DRAFT)
        .ok();
    let x = w.head();
    let path = task_file(&w.c);
    let text = String::from_utf8(w.show(&format!("{x}:{path}"))).unwrap();
    let respelled = respell(&text);
    assert_ne!(respelled, text);
    let blob = w.blob(respelled.as_bytes());
    let (dir, name) = split_owned(&path);
    let t = w.edit(&w.tree_of(&x), &dir, |es| set_oid(es, &name, &blob));
    let c = w.recommit(&x, &t, BOT.0);
    w.set_main(&c);
    Forged::main(&c)
}

/// A commit declaring `encoding ISO-2022-JP` whose message git re-encodes into alice's approval
/// of A (the escape `ESC ( B` inside the key is dropped); on main, or (`orphan`) on an orphan
/// line merged into main. Returns the culprit.
fn reencoded_approval(w: &World, orphan: bool) -> Forged {
    let readme = w.blob(b"docs\n");
    let msg = w
        .message_of(&w.approve_a)
        .replace("Wf-Action:", "W\u{1b}(Bf-Action:");
    assert!(msg.contains('\u{1b}'), "{msg}");
    let (tree, parents) = if orphan {
        (w.mktree(&[ent(FILE, "README", &readme)]), String::new())
    } else {
        let t = w.edit(&w.tree_of(&w.good), "", |es| {
            add(es, ent(FILE, "README", &readme))
        });
        (t, format!("parent {}\n", w.good))
    };
    let raw = format!(
        "tree {tree}\n{parents}author {} <{}> 1795500000 +0000\ncommitter {} <{}> 1795500000 +0000\nencoding ISO-2022-JP\n\n{msg}",
        ALICE.1, ALICE.2, ALICE.1, ALICE.2
    );
    let c = String::from_utf8(w.git_raw(
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        Some(raw.as_bytes()),
    ))
    .unwrap()
    .trim()
    .to_string();
    let shown = String::from_utf8_lossy(&w.git_raw(
        &["log", "-1", "--format=%(trailers:key=Wf-Action)", &c],
        None,
    ))
    .to_string();
    assert!(
        shown.contains("Wf-Action: approve"),
        "git shows no approval: {shown:?}"
    );
    if orphan {
        let mt = w.edit(&w.tree_of(&w.good), "", |es| {
            add(es, ent(FILE, "README", &readme))
        });
        let m = w.plain(&mt, &[&w.good, &c], "Merge the docs\n");
        w.set_main(&m);
    } else {
        w.set_main(&c);
    }
    Forged::main(&c)
}

/// An unsigned commit in alice's name, on the good tip's tree (a merge with a no-op side
/// branch when `merge`), whose message ends with `tail`: a paragraph git reads as alice's
/// approval of A.
fn git_reads_an_approval(w: &World, tail: &str, merge: bool) -> Forged {
    let msg = format!("wf: approve {}: Launch\n\n{tail}", w.a);
    let side = merge.then(|| w.side(1));
    let mut parents = vec![w.good.as_str()];
    parents.extend(side.as_deref());
    let c = w.commit(
        &w.tree_of(&w.good),
        &parents,
        (ALICE.1, ALICE.2),
        None,
        &msg,
    );
    let shown = w.git_raw(&["interpret-trailers", "--parse"], Some(msg.as_bytes()));
    assert!(
        String::from_utf8_lossy(&shown).contains("Wf-Action: approve"),
        "git reads no approval in {msg:?}"
    );
    w.set_main(&c);
    Forged::main(&c)
}

/// A no-op commit pushed as `<prefix><A's approval>`: where it is a replace ref, readers see A
/// never approved.
fn replace_approval_of_a(w: &World, prefix: &str) -> Forged {
    let parent = w.git(&["rev-parse", &format!("{}^", w.approve_a)]);
    let noop = w.plain(&w.tree_of(&parent), &[&parent], "Nothing\n");
    Forged::refspec(&noop, &format!("{prefix}{}", w.approve_a))
}

/// A note withdrawing alice's approval of A, pushed as `dst`.
fn notes_on_approval_of_a(w: &World, dst: &str) -> Forged {
    w.git(&[
        "-c",
        "user.name=Mallory M",
        "-c",
        "user.email=mallory@example.com",
        "notes",
        "add",
        "-f",
        "-m",
        "Approval withdrawn by alice: do not ship.",
        &w.approve_a,
    ]);
    let shown = w.git(&["log", "-1", &w.approve_a]);
    assert!(shown.contains("Approval withdrawn by alice"), "{shown}");
    Forged::refspec("refs/notes/commits", dst)
}

/// Commit `x` again, signed by `key`, with the one U+FFFD of task `id`'s file replaced by
/// `bytes` (which are not UTF-8).
fn not_utf8(w: &World, x: &str, id: &str, bytes: &[u8], key: &str) -> String {
    let path = task_file(id);
    let text = w.show(&format!("{x}:{path}"));
    let fffd = "\u{FFFD}".as_bytes();
    let at: Vec<usize> = (0..text.len())
        .filter(|i| text[*i..].starts_with(fffd))
        .collect();
    assert_eq!(at.len(), 1, "{}", String::from_utf8_lossy(&text));
    let bad = [&text[..at[0]], bytes, &text[at[0] + fffd.len()..]].concat();
    assert!(std::str::from_utf8(&bad).is_err());
    assert_eq!(
        String::from_utf8_lossy(&bad),
        String::from_utf8_lossy(&text)
    );
    let blob = w.blob(&bad);
    let (dir, name) = split_owned(&path);
    let t = w.edit(&w.tree_of(x), &dir, |es| set_oid(es, &name, &blob));
    w.recommit(x, &t, key)
}

// ---------------------------------------------------------------------------------------------
// Class 10 helpers
// ---------------------------------------------------------------------------------------------

/// The path of A's (approved) output file.
fn a_output(w: &World) -> String {
    let out = format!("{}/out", task_dir(&w.a));
    let es = w.entries(&w.lookup(&w.tree_of(&w.good), &out).oid);
    format!("{out}/{}", String::from_utf8(es[0].name.clone()).unwrap())
}

/// A fresh clone of the store's repository at main (what a reviewer gets).
fn fresh_clone(w: &World, name: &str) -> PathBuf {
    let dir = w.s.root.join(format!("fresh-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    w.git(&[
        "clone",
        "-q",
        "-b",
        "main",
        w.s.repo.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    dir
}

/// Push main to the hooked server; it must be accepted.
fn push_main_ok(w: &World) {
    let out = w.s.git_output(&["push", "origin", "main"], None);
    assert!(
        out.status.success(),
        "an honest push was refused: {}",
        describe(&out)
    );
}

/// Alice replaces the bot's key on main (the old one is revoked), as wf-actor would write it;
/// main is checked out at the new commit (not pushed).
fn revoke_bot_key(w: &World) -> String {
    let s = &w.s;
    let fork = w.head();
    let old = key_base64(s, BOT.0);
    let new = key_base64(s, MALLORY.0);
    for f in [".wf/actors.toml", ".wf/allowed_signers"] {
        let p = s.repo.join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(&old));
        std::fs::write(&p, text.replace(&old, &new)).unwrap();
    }
    s.git(&["add", "-A"]);
    let tree = w.git(&["write-tree"]);
    let msg = format!(
        "wf: actor update {}\n\nWf-Action: actor\nWf-Actor: {}\nWf-Actor-Kind: human\n\
         Wf-Subject: {}\n",
        BOT.0, ALICE.0, BOT.0
    );
    let r = w.commit(&tree, &[&fork], (ALICE.1, ALICE.2), Some(ALICE.0), &msg);
    w.set_main(&r);
    w.git(&["reset", "-q", "--hard", "main"]);
    r
}

fn split_owned(path: &str) -> (String, String) {
    let (d, n) = split(path);
    (d.to_string(), n.to_string())
}

/// The message of alice's direct policy change.
fn policy_msg() -> String {
    format!(
        "wf: policy change\n\nWf-Action: policy\nWf-Actor: {}\nWf-Actor-Kind: human\n",
        ALICE.0
    )
}

/// A small tree standing in for a repository folder: `config`.
fn git_dir(w: &World) -> String {
    let cfg = w.blob(b"[core]\n\thooksPath = /tmp/evil\n");
    w.mktree(&[ent(FILE, "config", &cfg)])
}

/// An unsigned commit on the good tip adding a top-level `name`: a copy of `.wf` with mallory
/// as admin (`wf`) or of `tasks` with B approved.
fn look_alike(w: &World, name: &str, wf: bool) -> Forged {
    let sub = if wf {
        &w.wf_mallory
    } else {
        &w.tasks_b_approved
    };
    let t = w.edit(&w.tree_of(&w.good), "", |es| add(es, ent(TREE, name, sub)));
    let c = w.plain(&t, &[&w.good], "Import\n");
    w.set_main(&c);
    Forged::main(&c)
}

enum Revoke {
    Key,
    Role,
}

/// The revocation bypass: an honest prefix pushed, a branch forked, the revocation R on main
/// pushed (both accepted), then the revoked actor acts on the branch (valid against its own
/// parent) and an unsigned merge (with `extra` side branches) brings the action into main.
fn revocation(w: &World, what: Revoke, extra: usize) -> Forged {
    let s = &w.s;
    if let Revoke::Role = what {
        // C to bob's review, on main, pushed.
        w.bot_submit();
        s.ok("wf-assign", &[&w.c, "--to", BOB.0], "alice");
        let out = s.git_output(&["push", "origin", "main"], None);
        assert!(out.status.success(), "{}", describe(&out));
    }
    let fork = w.head();
    s.git(&["branch", "side", &fork]);
    match what {
        Revoke::Key => {
            // Alice replaces the bot's key (the old one is revoked), as wf-actor would write it.
            let old = key_base64(s, BOT.0);
            let new = key_base64(s, MALLORY.0);
            for f in [".wf/actors.toml", ".wf/allowed_signers"] {
                let p = s.repo.join(f);
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(text.contains(&old));
                std::fs::write(&p, text.replace(&old, &new)).unwrap();
            }
            s.git(&["add", "-A"]);
            let tree = w.git(&["write-tree"]);
            let msg = format!(
                "wf: actor update {}\n\nWf-Action: actor\nWf-Actor: {}\nWf-Actor-Kind: human\n\
                 Wf-Subject: {}\n",
                BOT.0, ALICE.0, BOT.0
            );
            let r = w.commit(&tree, &[&fork], (ALICE.1, ALICE.2), Some(ALICE.0), &msg);
            w.set_main(&r);
            w.git(&["reset", "-q", "--hard", "main"]);
        }
        Revoke::Role => {
            s.ok(
                "wf-actor",
                &["update", BOB.0, "--remove-role", "reviewer"],
                "alice",
            );
        }
    }
    let out = s.git_output(&["push", "origin", "main"], None);
    assert!(out.status.success(), "the revocation: {}", describe(&out));
    // The revocation bites on main: the tools refuse the revoked actor there.
    let refused = match what {
        Revoke::Key => s
            .call("wf-submit")
            .args([&w.c, "--name", "draft.md"])
            .key(BOT.0)
            .stdin(DRAFT)
            .run(),
        Revoke::Role => s
            .call("wf-review")
            .args([&w.c, "--accept", "-m", "fine"])
            .key(BOB.0)
            .run(),
    };
    assert!(!refused.status.success(), "{}", describe(&refused));
    let r = w.head();
    // On the branch, the revoked actor acts.
    s.git(&["checkout", "-q", "side"]);
    match what {
        Revoke::Key => {
            s.call("wf-submit")
                .args([&w.c, "--name", "draft.md"])
                .key(BOT.0)
                .stdin(DRAFT)
                .ok();
        }
        Revoke::Role => {
            s.ok("wf-review", &[&w.c, "--accept", "-m", "fine"], BOB.0);
        }
    }
    s.git(&["checkout", "-q", "main"]);
    assert_eq!(w.head(), r, "the refusal on main committed nothing");
    let mut branches = vec!["side".to_string()];
    for i in 1..extra {
        let noop = w.plain(&w.tree_of(&fork), &[&fork], &format!("Side {i}\n"));
        s.git(&["branch", &format!("noop{i}"), &noop]);
        branches.push(format!("noop{i}"));
    }
    let mut args = vec![
        "-c",
        "user.name=Mallory M",
        "-c",
        "user.email=mallory@example.com",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge",
    ];
    args.extend(branches.iter().map(String::as_str));
    s.git(&args);
    let m = w.head();
    let parents = w.git(&["rev-parse", "HEAD^@"]).lines().count();
    assert_eq!(parents, extra + 1);
    Forged::main(&m)
}

/// The base64 part of an actor's public key.
fn key_base64(s: &Store, who: &str) -> String {
    std::fs::read_to_string(s.pubkey(who))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Class 11 helpers
// ---------------------------------------------------------------------------------------------

/// The bot given the stand-in model as its agent, then its real wf-run on task `id`; returns
/// the run's commit.
fn bot_runs(w: &World, id: &str) -> String {
    w.act(
        "wf-actor",
        &["update", BOT.0, "--", &Store::stand_in_model(), "agent"],
        "alice",
    );
    w.act("wf-run", &[id, "--name", "draft.md"], BOT.0)
}

/// The task file of `id` at a commit.
fn task_text(w: &World, commit: &str, id: &str) -> String {
    String::from_utf8(w.show(&format!("{commit}:{}", task_file(id)))).unwrap()
}

/// The `prompt_sha256` of the latest revision in a task file's text.
fn prompt_of(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with("prompt_sha256 = "))
        .expect("a revision with a prompt digest");
    line.trim_start_matches("prompt_sha256 = \"")
        .trim_end_matches('"')
        .to_string()
}

/// `run` again (same parent, author, time), its task file and message both passed through
/// `edit`, signed with the bot's key.
fn forge_run(w: &World, run: &str, id: &str, edit: impl Fn(&str) -> String) -> String {
    let text = task_text(w, run, id);
    let forged = edit(&text);
    assert_ne!(forged, text, "the edit changes the task file");
    let blob = w.blob(forged.as_bytes());
    let (dir, name) = split_owned(&task_file(id));
    let tree = w.edit(&w.tree_of(run), &dir, |es| set_oid(es, &name, &blob));
    let msg = edit(&w.message_of(run));
    let parent = w.git(&["rev-parse", &format!("{run}^")]);
    w.commit(&tree, &[&parent], (BOT.1, BOT.2), Some(BOT.0), &msg)
}

// ---------------------------------------------------------------------------------------------
// One test per class
// ---------------------------------------------------------------------------------------------

#[test]
fn class_1_a_store_hidden_by_its_entrys_type_or_removed_is_refused() {
    run_class(1);
}

#[test]
fn class_2_duplicate_and_unsorted_tree_entries_are_refused() {
    run_class(2);
}

#[test]
fn class_3_modes_other_than_a_regular_file_or_a_folder_are_refused() {
    run_class(3);
}

#[test]
fn class_4_names_that_are_paths_or_look_alikes_are_refused() {
    run_class(4);
}

#[test]
fn class_5_merges_judged_under_the_first_parents_policy() {
    run_class(5);
}

#[test]
fn class_6_refs_that_are_not_commits_are_refused() {
    run_class(6);
}

#[test]
fn class_9_top_level_git_metadata_that_rewrites_verified_content_is_refused() {
    run_class(9);
}

#[test]
fn class_10_round_2_forgeries_against_the_fixed_verifier_are_refused() {
    run_class(10);
}

#[test]
fn class_11_runs_claiming_a_prompt_wf_would_not_have_rendered_are_refused() {
    run_class(11);
}

#[test]
fn class_12_trees_compared_with_their_parents_are_refused_as_parsed_ones() {
    run_class(12);
}

#[test]
fn class_13_round_3_task_files_that_are_not_utf8_and_refs_in_capitals_are_refused() {
    run_class(13);
}

#[test]
fn class_14_round_4_claimed_actions_outside_a_store_or_beside_git_files_are_refused() {
    run_class(14);
}

#[test]
fn class_15_task_files_the_canonical_reader_must_leave_to_toml_are_refused() {
    run_class(15);
}

#[test]
fn class_16_toml_files_over_the_limit_are_refused_unread() {
    run_class(16);
}

#[test]
fn class_17_gitlab_generated_that_wfs_older_lines_do_not_reset_is_refused() {
    run_class(17);
}

#[test]
fn class_18_one_person_meeting_a_quorum_and_a_revision_after_the_check_are_refused() {
    run_class(18);
}

/// The classes the tests above run, one test each.
const CLASSES_RUN: &[u32] = &[1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

/// Every forgery kind is in a class that a test runs: a kind of a class without its test would
/// be listed in the spec and never tried.
#[test]
fn every_forgery_kind_is_tried_by_a_test() {
    for k in KINDS {
        assert!(
            CLASSES_RUN.contains(&k.class),
            "{} is in class {}, which no test runs",
            k.name,
            k.class
        );
    }
}

/// The judge reads the hook's lines as the hook prints them, and only the culprit's.
#[test]
fn the_judge_reads_problem_and_history_lines() {
    let c = "0123456789abcdef0123456789abcdef01234567";
    let other = "fedcba9876543210fedcba9876543210fedcba98";
    let text = format!(
        "remote: {} T-ab12cd malformed: tasks/ab appears twice (T-ab12cd.toml)        \n\
         remote: {} - rule 8 (task-scope): the commit changes 2 tasks        \n\
         remote: wf-hook: history: refs/replace/{other}: refs/replace/ is not allowed        \n\
         remote: wf-hook: push refused: 3 problems        \n",
        &c[..12],
        &other[..12]
    );
    let kind = |check, frags, or_unsigned| Kind {
        name: "t",
        class: 0,
        what: "t",
        check,
        frags,
        or_unsigned,
        build: |_| unreachable!(),
    };
    let commit = Culprit::Commit(c.to_string());
    assert!(names_the_verdict(
        &kind(MALFORMED, TWICE, false),
        &commit,
        &text
    ));
    assert!(!names_the_verdict(
        &kind(MALFORMED, UNSORTED, false),
        &commit,
        &text
    ));
    assert!(!names_the_verdict(
        &kind("merge", TWICE, false),
        &commit,
        &text
    ));
    let second = Culprit::Commit(other.to_string());
    assert!(names_the_verdict(
        &kind("rule 8 (task-scope)", &["2 tasks"], false),
        &second,
        &text
    ));
    assert!(!names_the_verdict(
        &kind(MALFORMED, TWICE, false),
        &second,
        &text
    ));
    assert!(!names_the_verdict(
        &kind(MALFORMED, TWICE, true),
        &second,
        &text
    ));
    let r = Culprit::Ref(format!("refs/replace/{other}"));
    assert!(names_the_verdict(
        &kind("history", &["replace"], false),
        &r,
        &text
    ));
    assert!(!names_the_verdict(
        &kind("history", &["not a commit"], false),
        &r,
        &text
    ));
    let main = Culprit::Ref("refs/heads/main".into());
    assert!(!names_the_verdict(
        &kind("history", &["replace"], false),
        &main,
        &text
    ));
    let unsigned = format!("remote: {} - unsigned: changes .wf/store.toml\n", &c[..12]);
    assert!(names_the_verdict(
        &kind(MALFORMED, REMOVES, true),
        &commit,
        &unsigned
    ));
    assert!(!names_the_verdict(
        &kind(MALFORMED, REMOVES, false),
        &commit,
        &unsigned
    ));
}

#[test]
fn the_table_has_at_least_45_distinct_kinds() {
    let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), KINDS.len(), "kind names are unique");
    assert!(KINDS.len() >= 45, "{} kinds", KINDS.len());
    for k in KINDS {
        assert!(!k.frags.is_empty() && !k.what.is_empty(), "{}", k.name);
    }
}

/// The table of every forgery kind in `spec/verify.md`, generated from [`KINDS`].
fn spec_table() -> String {
    let mut out = String::from(
        "| kind | class | how it is built, and what it would achieve | verdict | the reason names |\n| --- | --- | --- | --- | --- |\n",
    );
    for k in KINDS {
        let what = k.what.split_whitespace().collect::<Vec<_>>().join(" ");
        let verdict = if k.or_unsigned {
            format!("`{}` (or `unsigned`)", k.check)
        } else {
            format!("`{}`", k.check)
        };
        let frags: Vec<String> = k.frags.iter().map(|f| format!("`{f}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {verdict} | {} |\n",
            k.name,
            k.class,
            what.replace('|', "\\|"),
            frags.join(" or ")
        ));
    }
    out
}

/// spec/verify.md lists every kind the tests try with its expected verdict, between two marker
/// lines. When it does not, the table it should hold is written to `target/forgery-table.md`.
#[test]
fn the_spec_lists_every_forgery_kind_with_its_verdict() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("spec/verify.md")).unwrap();
    let (begin, end) = (
        "<!-- forgery table: generated by tests/forgery.rs -->\n",
        "<!-- end of forgery table -->",
    );
    let (Some(i), Some(j)) = (text.find(begin), text.find(end)) else {
        panic!("spec/verify.md has no forgery table markers");
    };
    // The lines wf's .gitattributes must end with are written down as the code has them.
    for spec in ["spec/verify.md", "spec/store.md"] {
        let text = std::fs::read_to_string(root.join(spec)).unwrap();
        for line in wf_core::checkout::attributes_block().lines() {
            assert!(
                text.contains(line),
                "{spec} lacks the attributes line {line:?}"
            );
        }
    }
    let table = spec_table();
    if text[i + begin.len()..j] != table {
        let out = root.join("target/forgery-table.md");
        std::fs::write(&out, &table).unwrap();
        panic!(
            "spec/verify.md's forgery table is stale; the current one is in {}",
            out.display()
        );
    }
}

/// A quorum of two met by two people is accepted: bob and carol; bob and an agent carol
/// operates (an AI actor counts as its operator, so it is not bob's second accept).
#[test]
fn class_18_honest_a_quorum_of_two_people_one_of_them_through_her_agent() {
    let w = World::new();
    let s = &w.s;
    quorum_policy(&w);
    let id = quorum_task(&w, "Two people");
    s.ok("wf-review", &[&id, "--accept", "-m", "fine"], CAROL.0);
    assert_eq!(s.show(&id)["step"], "approve");
    let other = quorum_task(&w, "Bob and carol's agent");
    s.ok(
        "wf-actor",
        &["update", BOBS_AGENT.0, "--operator", CAROL.0],
        ALICE.0,
    );
    s.ok(
        "wf-review",
        &[&other, "--accept", "-m", "fine"],
        BOBS_AGENT.0,
    );
    assert_eq!(s.show(&other)["step"], "approve");
    assert_accepted(&w, "quorum of two people");
}

// ---------------------------------------------------------------------------------------------
// Class 7: honest histories are accepted
// ---------------------------------------------------------------------------------------------

/// A revision that keeps one of its two files byte-identical to the previous revision is an
/// ordinary action: the server accepts it and wf-verify finds the history clean.
#[test]
fn class_7_a_revision_keeping_one_file_identical_is_accepted() {
    let w = World::new();
    let s = &w.s;
    let a1 = s.file("rev1/a.md", b"# A\n\nfirst\n");
    let b1 = s.file("rev1/b.md", b"# B\n\nunchanged\n");
    s.ok("wf-submit", &[&w.c, &a1, &b1], BOT.0);
    s.ok("wf-assign", &[&w.c, "--to", BOB.0], "alice");
    s.ok("wf-review", &[&w.c, "--accept", "-m", "fine"], BOB.0);
    s.ok("wf-assign", &[&w.c, "--to", BOT.0], "alice");
    let a2 = s.file("rev2/a.md", b"# A\n\nsecond\n");
    let b2 = s.file("rev2/b.md", b"# B\n\nunchanged\n");
    s.ok("wf-submit", &[&w.c, &a2, &b2], BOT.0);
    let t = s.show(&w.c);
    assert_eq!(t["revision"].as_array().unwrap().len(), 2, "{t}");
    let out = format!("{}/out", task_dir(&w.c));
    assert_eq!(
        w.git(&["rev-parse", &format!("HEAD~4:{out}/b.md")]),
        w.git(&["rev-parse", &format!("HEAD:{out}/b.md")]),
        "b.md is byte-identical in both revisions"
    );
    let push = s.git_output(&["push", "origin", "main"], None);
    assert!(
        push.status.success(),
        "an honest revision was refused: {}",
        describe(&push)
    );
    assert_eq!(w.refs().split_whitespace().next().unwrap(), s.head());
    let clone = s.root.join("clone");
    s.git(&["clone", "-q", w.sp(), clone.to_str().unwrap()]);
    let v = s.call("wf-verify").args(["--no-cache"]).dir(&clone).run();
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    assert_eq!(v.status.code(), Some(0), "{}", describe(&v));
    assert!(text.ends_with(": clean\n"), "{text}");
}

/// wf-init refuses to adopt a repository whose branch already has a tasks/ folder (a store
/// begins with no task no action made), with a message naming tasks, and commits nothing.
#[test]
fn class_7_wf_init_over_an_existing_tasks_folder_refuses_up_front() {
    let s = Store::keys_only();
    let repo = s.root.join("imported");
    let id = "T-ab12cd";
    let file = repo.join(wf_core::Task::path(id));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "id = \"T-ab12cd\"\n").unwrap();
    let git = |args: &[&str]| {
        let o = s.git_at(&repo, args, &[], None);
        assert!(o.status.success(), "{}", describe(&o));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
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
    let before = git(&["rev-parse", "HEAD"]);
    let out = s
        .call("wf-init")
        .args([
            "--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2, "--key",
        ])
        .arg(s.key("alice"))
        .arg(".")
        .dir(&repo)
        .run();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "wf-init adopted a repository with a tasks/ folder: {}",
        describe(&out)
    );
    assert_ne!(out.status.code(), Some(101), "{}", describe(&out));
    assert!(err.contains("tasks"), "the refusal names tasks: {err}");
    assert_eq!(git(&["rev-parse", "HEAD"]), before, "wf-init committed");
    assert_eq!(git(&["rev-list", "--count", "--all"]), "1");
    assert!(
        s.git_at(&repo, &["cat-file", "-e", "HEAD:.wf"], &[], None)
            .status
            .code()
            != Some(0),
        "HEAD has .wf"
    );
}

// ---------------------------------------------------------------------------------------------
// Class 8: a mode libgit2 normalises must not crash the verifier
// ---------------------------------------------------------------------------------------------

#[test]
fn class_8_a_signed_commit_changing_only_a_mode_to_100664_is_malformed_not_a_panic() {
    let w = World::new();
    let (dir, name) = split_owned(&task_file(&w.a));
    let t = w.edit(&w.tree_of(&w.good), &dir, |es| {
        set_mode(es, &name, "100664")
    });
    let msg = &w.message_of(&w.approve_a);
    let c = w.commit(&t, &[&w.good], (ALICE.1, ALICE.2), Some(ALICE.0), msg);
    w.set_main(&c);
    // The trees differ only in that mode, which git itself normalises away.
    assert_ne!(w.tree_of(&c), w.tree_of(&w.good));
    let shard = w.lookup(&w.tree_of(&c), &dir).oid;
    assert_eq!(
        w.entries(&shard)[pos(&w.entries(&shard), &name)].mode,
        "100664"
    );
    assert_eq!(w.git(&["diff-tree", "-r", &w.good, &c]), "");

    let before = w.refs();
    let out = w.s.git_output(&["push", "origin", "main"], None);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let moved = w.refs() != before;
    let v = w.s.call("wf-verify").args(["--no-cache"]).run();
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    let vtext = format!("{text}{}", String::from_utf8_lossy(&v.stderr));
    let malformed = |t: &str| {
        problems(t).iter().any(|l| {
            problem_of(l, &c)
                .is_some_and(|(check, reason)| check == "malformed" && reason.contains("100664"))
        })
    };
    let what = format!(
        "hook (push {}):\n{err}\nwf-verify (exit {:?}):\n{vtext}",
        if out.status.success() {
            "accepted"
        } else {
            "refused"
        },
        v.status.code()
    );
    assert!(!err.contains("panicked"), "the hook panicked: {what}");
    assert_ne!(v.status.code(), Some(101), "wf-verify panicked: {what}");
    assert!(!out.status.success() && !moved, "{what}");
    assert!(err.contains("pre-receive hook declined"), "{what}");
    assert!(err.contains("wf-hook: push refused"), "{what}");
    assert!(
        malformed(&err),
        "expected `{} … malformed: …100664…`: {what}",
        &c[..12]
    );
    assert_eq!(v.status.code(), Some(1), "{what}");
    assert!(malformed(&text), "{what}");
}

// ---------------------------------------------------------------------------------------------
// With git's own checks as wf-hook install leaves them
// ---------------------------------------------------------------------------------------------

/// With `receive.fsckObjects` as `wf-hook install` leaves it, a merge whose shard holds a task
/// file twice is refused (by git's fsck or by wf, either way) and the server does not move.
#[test]
fn a_duplicate_entry_tree_is_refused_with_the_servers_fsck_setting_as_installed() {
    let w = World::with(true);
    let (dir, name) = split_owned(&task_file(&w.b));
    let t = w.edit(&w.tree_of(&w.good), &dir, |es| {
        let i = pos(es, &name);
        es.insert(i, ent(FILE, &name, &w.b_approved));
    });
    let m = w.merge_with_tree(&t);
    w.set_main(&m);
    let before = w.refs();
    let out = w.s.git_output(&["push", "origin", "main"], None);
    assert!(
        !out.status.success(),
        "a tree with a duplicate entry was accepted: {}",
        describe(&out)
    );
    assert_eq!(w.refs(), before, "the server moved");
    assert_eq!(
        w.git(&["-C", w.sp(), "rev-parse", "refs/heads/main"]),
        w.good
    );
}

// ---------------------------------------------------------------------------------------------
// Class 10: honest histories (round 2) that must be accepted
// ---------------------------------------------------------------------------------------------

/// A merge made with plain git (`--no-ff`, unsigned, a developer's name) into the checked-out
/// branch; returns the new tip.
fn git_merge(w: &World, branches: &[&str]) -> String {
    let mut args = vec![
        "-c",
        "user.name=Dev D",
        "-c",
        "user.email=dev@example.com",
        "merge",
        "-q",
        "--no-ff",
        "--no-edit",
    ];
    args.extend(branches);
    w.git(&args);
    w.head()
}

/// A plain git commit of everything in the work tree, by a developer (unsigned).
fn dev_commit(w: &World, msg: &str) -> String {
    w.git(&["add", "-A"]);
    w.git(&[
        "-c",
        "user.name=Dev D",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-q",
        "-m",
        msg,
    ]);
    w.head()
}

/// Push main; it must be accepted, the server must move to it, and wf-verify in a fresh clone
/// of the server must find the history clean.
fn assert_accepted(w: &World, what: &str) {
    let out = w.s.git_output(&["push", "origin", "main"], None);
    assert!(
        out.status.success(),
        "{what}: an honest push was refused: {}",
        describe(&out)
    );
    assert_eq!(
        w.git(&["-C", w.sp(), "rev-parse", "refs/heads/main"]),
        w.head(),
        "{what}: the server did not move"
    );
    let clone = w.s.root.join(format!("verify-{}", what.replace(' ', "-")));
    let _ = std::fs::remove_dir_all(&clone);
    w.git(&["clone", "-q", w.sp(), clone.to_str().unwrap()]);
    let v = w.s.call("wf-verify").args(["--no-cache"]).dir(&clone).run();
    let text = String::from_utf8_lossy(&v.stdout).to_string();
    assert_eq!(v.status.code(), Some(0), "{what}: {}", describe(&v));
    assert!(text.ends_with(": clean\n"), "{what}: {text}");
}

/// The bot drafts C, alice hands the review to bob (on the checked-out branch).
fn c_to_review(w: &World) {
    w.bot_submit();
    w.s.ok("wf-assign", &[&w.c, "--to", BOB.0], ALICE.0);
}

/// Code beside a store: a symlink, an executable, a submodule (gitlink + .gitmodules), a
/// nested folder with its own .gitattributes, and a top-level .gitattributes with the user's
/// own lines before wf's block; then an ordinary wf action on top.
#[test]
fn class_10_honest_a_store_beside_code_with_symlinks_executables_and_a_submodule() {
    let w = World::new();
    let s = &w.s;
    let root = &s.repo;
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(root.join("docs/guide.md"), "# Guide\r\n").unwrap();
    std::fs::write(root.join("docs/.gitattributes"), "*.md text eol=crlf\n").unwrap();
    s.script("store/run.sh", "#!/bin/sh\necho hi\n");
    std::os::unix::fs::symlink("src/main.rs", root.join("main-link")).unwrap();
    std::fs::write(
        root.join(".gitattributes"),
        format!(
            "*.sh text eol=lf\n*.png binary\n{}",
            wf_core::checkout::attributes_block()
        ),
    )
    .unwrap();
    std::fs::write(
        root.join(".gitmodules"),
        "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n",
    )
    .unwrap();
    w.git(&["add", "-A"]);
    w.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},vendor/lib", w.good),
    ]);
    w.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},lib", w.good),
    ]);
    w.git(&[
        "-c",
        "user.name=Dev D",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-q",
        "-m",
        "Add the code",
    ]);
    let top = w.entries(&w.tree_of("HEAD"));
    let modes: Vec<&str> = top.iter().map(|e| e.mode.as_str()).collect();
    for m in [LINK, EXEC, GITLINK] {
        assert!(modes.contains(&m), "{m} at the top: {top:?}");
    }
    assert_accepted(&w, "code beside the store");
    s.ok("wf-approve", &[&w.b, "-m", "ship it"], ALICE.0);
    assert_accepted(&w, "an action beside the code");
}

/// A `.gitattributes` that ends with wf's block and then one blank line: the block still comes
/// last for git (a blank line sets nothing).
#[test]
fn class_10_honest_gitattributes_with_a_blank_line_after_the_block() {
    let w = World::new();
    std::fs::write(
        w.s.repo.join(".gitattributes"),
        format!(
            "*.sh text eol=lf\n{}\n",
            wf_core::checkout::attributes_block()
        ),
    )
    .unwrap();
    dev_commit(&w, "Attributes");
    assert_accepted(&w, "blank line after the block");
}

/// A `.gitattributes` written with CRLF line ends (an editor on Windows, core.autocrlf off):
/// git strips the CR of every line, so the block applies exactly as with LF.
#[test]
fn class_10_honest_gitattributes_with_crlf_line_ends() {
    let w = World::new();
    let text = format!(
        "*.sh text eol=lf\n{}",
        wf_core::checkout::attributes_block()
    )
    .replace('\n', "\r\n");
    std::fs::write(w.s.repo.join(".gitattributes"), text).unwrap();
    dev_commit(&w, "Attributes");
    let clone = fresh_clone(&w, "crlf-attrs");
    let check = w.s.git_at(
        &clone,
        &["check-attr", "--cached", "text", "eol", "--", &a_output(&w)],
        &[],
        None,
    );
    let said = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(
        said.contains("text: unset") && said.contains("eol: unset"),
        "{said}"
    );
    assert_accepted(&w, "crlf attributes");
}

/// A pull request (the bot drafts C, alice hands it to bob) merged with plain git after main
/// changed its policy (carol got the requester role).
#[test]
fn class_10_honest_pull_request_merged_after_main_changed_its_policy() {
    let w = World::new();
    w.git(&["checkout", "-q", "-b", "pr", &w.good]);
    c_to_review(&w);
    w.git(&["checkout", "-q", "main"]);
    w.policy_action();
    push_main_ok(&w);
    git_merge(&w, &["pr"]);
    assert_accepted(&w, "pull request after a policy change");
}

/// Main revokes the bot's key after the bot's draft of C (made before the branches parted);
/// on the branch bob (still a reviewer) accepts the draft. The merge brings in bob's review
/// only; the bot's draft is in the base.
#[test]
fn class_10_honest_action_before_the_fork_of_a_revocation() {
    let w = World::new();
    c_to_review(&w);
    push_main_ok(&w);
    let fork = w.head();
    w.git(&["branch", "pr", &fork]);
    revoke_bot_key(&w);
    push_main_ok(&w);
    w.git(&["checkout", "-q", "pr"]);
    w.s.ok("wf-review", &[&w.c, "--accept", "-m", "fine"], BOB.0);
    w.git(&["checkout", "-q", "main"]);
    git_merge(&w, &["pr"]);
    assert_accepted(&w, "action before the revocation fork");
}

/// The feature branch merges main in (so the merge's first parent is the branch), then main
/// fast-forwards to it; main had changed its policy meanwhile.
#[test]
fn class_10_honest_branch_merges_main_then_main_fast_forwards() {
    let w = World::new();
    w.git(&["checkout", "-q", "-b", "pr", &w.good]);
    c_to_review(&w);
    w.git(&["checkout", "-q", "main"]);
    w.policy_action();
    push_main_ok(&w);
    w.git(&["checkout", "-q", "pr"]);
    let tip = git_merge(&w, &["main"]);
    w.git(&["checkout", "-q", "main"]);
    w.git(&["merge", "-q", "--ff-only", &tip]);
    assert_accepted(&w, "branch merges main then fast-forward");
}

/// A criss-cross: main and a branch each act, each merges the other's tip (two merges with
/// the same two parents), each acts again on a task the other side moved first, and main
/// merges the branch: the last merge has two merge bases, and every task was changed in one
/// order only.
#[test]
fn class_10_honest_criss_cross_merge() {
    let w = World::new();
    let s = &w.s;
    // main: E to the bot; the branch: the bot drafts C.
    w.git(&["branch", "pr", &w.good]);
    s.ok("wf-assign", &[&w.e, "--to", BOT.0], ALICE.0);
    let main1 = w.head();
    w.git(&["checkout", "-q", "pr"]);
    w.bot_submit();
    let pr1 = w.head();
    // Criss-cross.
    w.git(&["checkout", "-q", "main"]);
    git_merge(&w, &[&pr1]);
    w.git(&["checkout", "-q", "pr"]);
    git_merge(&w, &[&main1]);
    // main hands C (drafted on the branch) to bob; the branch drafts E (assigned on main).
    w.git(&["checkout", "-q", "main"]);
    s.ok("wf-assign", &[&w.c, "--to", BOB.0], ALICE.0);
    w.git(&["checkout", "-q", "pr"]);
    s.call("wf-submit")
        .args([&w.e, "--name", "draft.md"])
        .key(BOT.0)
        .stdin(DRAFT)
        .ok();
    w.git(&["checkout", "-q", "main"]);
    let m = git_merge(&w, &["pr"]);
    let bases = w.git(&["merge-base", "--all", &format!("{m}^1"), &format!("{m}^2")]);
    assert_eq!(bases.lines().count(), 2, "two merge bases: {bases}");
    assert_accepted(&w, "criss-cross");
}

/// An octopus merge (plain `git merge a b`) of two pull requests: one forked at main's tip
/// (alice approves B), one forked earlier (the bot drafts C), after main moved (E to the bot).
#[test]
fn class_10_honest_octopus_of_two_pull_requests() {
    let w = World::new();
    let s = &w.s;
    w.git(&["checkout", "-q", "-b", "old", &w.good]);
    w.bot_submit();
    w.git(&["checkout", "-q", "main"]);
    s.ok("wf-assign", &[&w.e, "--to", BOT.0], ALICE.0);
    push_main_ok(&w);
    w.git(&["checkout", "-q", "-b", "new"]);
    s.ok("wf-approve", &[&w.b, "-m", "ship it"], ALICE.0);
    w.git(&["checkout", "-q", "main"]);
    git_merge(&w, &["new", "old"]);
    assert_eq!(w.git(&["rev-parse", "HEAD^@"]).lines().count(), 3);
    assert_accepted(&w, "octopus of two pull requests");
}

/// A `.gitattributes` that tries to hide every task file's diff (`/tasks/** -diff`) before
/// wf's lines: wf's lines reset `diff` to git's default, so the push is accepted and `git log
/// -p` and `wf-log -p` still show the patch.
#[test]
fn class_10_honest_gitattributes_hiding_diffs_is_neutralised_by_wf_lines() {
    let w = World::new();
    let text = format!("/tasks/** -diff\n{}", wf_core::checkout::attributes_block());
    std::fs::write(w.s.repo.join(".gitattributes"), text).unwrap();
    w.git(&["add", ".gitattributes"]);
    w.git(&[
        "-c",
        "user.name=Dev D",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-q",
        "-m",
        "Attributes",
    ]);
    assert_accepted(&w, "gitattributes hiding diffs");
    let shown = w.git(&["log", "-p", "-1", "--grep=^wf: submit", "main"]);
    assert!(
        !shown.contains("Binary files") && shown.contains("+"),
        "{shown}"
    );
    let wf_log = w.s.query("wf-log", &[&w.a, "-p"]);
    assert!(!wf_log.contains("Binary files"), "{wf_log}");
}

/// A policy pull request (alice takes bob's reviewer role) merged after bob, still a reviewer
/// on main, accepted C's draft there. The merge joins a revocation on one line with bob's
/// action on the other, and the verifier cannot tell from history which line was published
/// first (a `git pull` makes the same shape with the lines the other way round), so it judges
/// bob's action under the revoking policy and refuses the merge (spec/verify.md, "Merges").
/// The way out is the one the reason names: rebase the policy change onto main, after which
/// bob's accept comes before the revocation in one line, and the push is accepted.
#[test]
fn class_10_a_revocation_merged_beside_the_actors_action_is_refused_until_rebased() {
    let w = World::new();
    c_to_review(&w);
    push_main_ok(&w);
    w.git(&["checkout", "-q", "-b", "policy"]);
    w.s.ok(
        "wf-actor",
        &["update", BOB.0, "--remove-role", "reviewer"],
        ALICE.0,
    );
    w.git(&["checkout", "-q", "main"]);
    w.s.ok("wf-review", &[&w.c, "--accept", "-m", "fine"], BOB.0);
    push_main_ok(&w);
    let before = w.git(&["rev-parse", "HEAD"]);
    git_merge(&w, &["policy"]);
    let out = w.s.git_output(&["push", "origin", "main"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the merge was accepted: {err}");
    assert!(
        err.contains("merge: brings in")
            && err.contains("review of")
            && err.contains("rebase the branch onto it"),
        "{err}"
    );
    // Rebase the policy change onto main: the same admin signs it again there.
    w.git(&["reset", "-q", "--hard", &before]);
    w.s.ok(
        "wf-actor",
        &["update", BOB.0, "--remove-role", "reviewer"],
        ALICE.0,
    );
    assert_accepted(&w, "revocation rebased after the actor acted");
}

/// A repository with code history adopts wf (wf-init over it); a code branch forked before
/// the store existed is merged afterwards (with main as first parent, and again with the code
/// branch as first parent): the merge keeps the store as main has it.
#[test]
fn class_10_honest_code_branch_from_before_the_store_merged_into_it() {
    let s = Store::keys_only();
    let repo = s.repo.clone();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let git = |args: &[&str]| {
        let o = s.git_at(&repo, args, &[], None);
        assert!(o.status.success(), "git {args:?}: {}", describe(&o));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    let dev = ["-c", "user.name=Dev D", "-c", "user.email=dev@example.com"];
    let commit = |msg: &str| {
        git(&["add", "-A"]);
        let mut a = dev.to_vec();
        a.extend(["commit", "-q", "-m", msg]);
        git(&a);
    };
    git(&["init", "-q", "-b", "main"]);
    commit("Code");
    let pre = git(&["rev-parse", "HEAD"]);
    s.call("wf-init")
        .args([
            "--id", ALICE.0, "--name", ALICE.1, "--email", ALICE.2, "--key",
        ])
        .arg(s.key("alice"))
        .arg(".")
        .ok();
    let id = s
        .ok("wf-new", &["--title", "After adoption"], "alice")
        .trim()
        .to_string();
    assert!(id.starts_with("T-"));
    let server = s.root.join("server.git");
    let sp = server.to_str().unwrap().to_string();
    git(&["init", "-q", "--bare", "-b", "main", &sp]);
    s.call("wf-hook").args(["install", "-C", &sp]).ok();
    git(&["remote", "add", "origin", &sp]);
    let push = |what: &str| {
        let o = s.git_at(&repo, &["push", "origin", "main"], &[], None);
        assert!(o.status.success(), "{what}: {}", describe(&o));
    };
    push("the adopted store");
    let store_tip = git(&["rev-parse", "HEAD"]);
    // A code branch from before wf-init.
    git(&["checkout", "-q", "-b", "code", &pre]);
    std::fs::write(repo.join("src/lib.rs"), "pub fn f() -> u8 { 1 }\n").unwrap();
    commit("More code");
    git(&["checkout", "-q", "main"]);
    let mut a = dev.to_vec();
    a.extend(["merge", "-q", "--no-ff", "--no-edit", "code"]);
    git(&a);
    push("the code branch merged into the store (main first)");
    // And the other way round: the code branch merges the store, main fast-forwards.
    git(&["checkout", "-q", "-b", "code2", &pre]);
    std::fs::write(repo.join("README.md"), "Read me.\n").unwrap();
    commit("Docs");
    let mut a = dev.to_vec();
    a.extend(["merge", "-q", "--no-ff", "--no-edit", "main"]);
    git(&a);
    let tip = git(&["rev-parse", "HEAD"]);
    git(&["checkout", "-q", "main"]);
    git(&["merge", "-q", "--ff-only", &tip]);
    push("the store merged into a code branch (code first), fast-forwarded");
    assert_ne!(store_tip, tip);
}
