//! `wf-hook`: put the verifier where it cannot be skipped. On a server (bare repository) a
//! `pre-receive` hook verifies exactly the pushed commits and protects branches from rewrites
//! and deletion, and a `post-receive` hook refreshes the server's allowed-signers file; on a
//! clone a `pre-push` hook gives the same answer before anything leaves.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use git2::{Oid, Repository};
use wf_store::verify::Range;

use crate::context;
use crate::error::CliError;
use crate::output::print;
use crate::verification::{problem_lines, run_range};
use wf_store::Snapshot;

/// Install and run wf's git hooks: the verifier on a server's pushes, or before a clone's.
#[derive(Parser, Debug)]
#[command(
    name = "wf-hook",
    version,
    after_help = "Examples:\n  wf-hook install -C /srv/git/team.git        # a server: pre-receive + post-receive\n  wf-hook install                             # a clone: pre-push\n  git config --add wf.protect refs/heads/release   # protect another branch"
)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
    #[command(flatten)]
    pub global: context::Global,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Write the hooks: pre-receive and post-receive in a bare repository, pre-push in a clone.
    /// Installing again is a no-op; a hook that is not wf's is kept unless --force (which moves
    /// it to NAME.wf-old).
    Install {
        /// Replace hooks that are not wf's.
        #[arg(long)]
        force: bool,
        /// Protect this branch too (stored in git config wf.protect; refs/heads/main and the
        /// branch HEAD names are always protected).
        #[arg(long, value_name = "REF")]
        protect: Vec<String>,
    },
    /// Run a hook (git calls this; it reads the ref updates on stdin).
    Run {
        /// pre-receive, post-receive or pre-push.
        #[arg(value_parser = ["pre-receive", "post-receive", "pre-push"])]
        hook: String,
        /// The hook's own arguments (pre-push: remote name and URL).
        args: Vec<String>,
    },
}

/// Run `wf-hook`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    match args.cmd {
        Cmd::Install { force, protect } => install(&store, force, &protect),
        Cmd::Run { hook, args } => {
            let mut input = Vec::new();
            std::io::stdin().lock().read_to_end(&mut input)?;
            let lines = input_lines(&input)?;
            match hook.as_str() {
                "pre-receive" => pre_receive(store.git(), &lines),
                "post-receive" => post_receive(&store),
                _ => pre_push(store.git(), args.first().map(String::as_str), &lines),
            }
        }
    }
}

/// git's lines on a hook's stdin. A line that is not UTF-8 (a ref name git allows with any
/// byte above 0x7f) is refused by name: no wf ref is named so, and guarding it would need the
/// exact bytes.
fn input_lines(input: &[u8]) -> Result<Vec<String>, CliError> {
    input
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            String::from_utf8(l.to_vec()).map_err(|_| {
                CliError::rejected(
                    format!(
                        "push refused: a ref name that is not UTF-8 ({})",
                        wf_core::text::visible(&String::from_utf8_lossy(l))
                    ),
                    "name refs in UTF-8",
                )
            })
        })
        .collect()
}

const MARK: &str = "# wf-hook: installed by `wf-hook install`";

fn script(exe: &Path, hook: &str) -> String {
    let exe = exe.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARK}; see spec/verify.md. Reinstall with wf-hook install --force.\n\
WF_HOOK='{exe}'\n\
[ -x \"$WF_HOOK\" ] || WF_HOOK=$(command -v wf-hook) || {{ echo 'wf-hook: not found; refusing (install wf or fix PATH)' >&2; exit 1; }}\n\
exec \"$WF_HOOK\" run {hook} \"$@\"\n"
    )
}

fn hooks_dir(repo: &Repository) -> PathBuf {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.path().join("hooks"),
    }
}

fn install(store: &wf_store::Store, force: bool, protect: &[String]) -> Result<(), CliError> {
    let repo = store.git();
    let names: &[&str] = if repo.is_bare() {
        &["pre-receive", "post-receive"]
    } else {
        &["pre-push"]
    };
    let exe = std::env::current_exe()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let dir = hooks_dir(repo);
    std::fs::create_dir_all(&dir)?;
    let mut plan = Vec::new();
    for name in names {
        let path = dir.join(name);
        let want = script(&exe, name);
        // Read as bytes: a hook someone else wrote need not be UTF-8.
        match std::fs::read(&path) {
            Ok(have) if have == want.as_bytes() => plan.push((path, want, "unchanged")),
            Ok(have) if String::from_utf8_lossy(&have).contains(MARK) => {
                plan.push((path, want, "updated"))
            }
            Ok(_) if !force => return Err(CliError::conflict(
                format!("{} exists and is not wf's", path.display()),
                "keep it, or replace it with wf-hook install --force (it is moved to NAME.wf-old)",
            )),
            Ok(_) => plan.push((path, want, "replaced")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                plan.push((path, want, "installed"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut text = String::new();
    for (path, want, what) in plan {
        if what == "replaced" {
            let mut old = path.clone().into_os_string();
            old.push(".wf-old");
            std::fs::rename(&path, &old)?;
        }
        if what != "unchanged" {
            write_executable(&path, &want)?;
        }
        text.push_str(&format!("{what} {}\n", path.display()));
    }
    if !protect.is_empty() {
        let mut cfg = repo.config()?.open_level(git2::ConfigLevel::Local)?;
        let have = protected(repo);
        for r in protect {
            let r = full_ref(r);
            if !have.contains(&r) {
                cfg.set_multivar("wf.protect", "^$", &r)?;
            }
        }
    }
    if repo.is_bare() {
        // Defence in depth: git itself refuses malformed objects on arrival. The verifier does
        // not rely on it (it checks every tree it reads), but mirrors and other readers do.
        let mut cfg = repo.config()?.open_level(git2::ConfigLevel::Local)?;
        if cfg.get_bool("receive.fsckObjects").ok() != Some(true) {
            cfg.set_bool("receive.fsckObjects", true)?;
            text.push_str("set receive.fsckObjects = true\n");
        }
    }
    text.push_str(&format!("protected: {}\n", protected(repo).join(", ")));
    print(&text)
}

fn write_executable(path: &Path, text: &str) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let tmp = path.with_extension("wf-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn full_ref(r: &str) -> String {
    if r.starts_with("refs/") {
        r.to_string()
    } else {
        format!("refs/heads/{r}")
    }
}

/// The protected refs: `refs/heads/main`, the branch HEAD names, and every `wf.protect`.
pub fn protected(repo: &Repository) -> Vec<String> {
    let mut out = vec!["refs/heads/main".to_string()];
    if let Ok(h) = repo.find_reference("HEAD") {
        if let Some(t) = h.symbolic_target() {
            out.push(t.to_string());
        }
    }
    if let Ok(cfg) = repo.config() {
        if let Ok(mut entries) = cfg.multivar("wf.protect", None) {
            while let Some(Ok(e)) = entries.next() {
                if let Some(v) = e.value() {
                    out.push(full_ref(v));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn zero(o: &str) -> bool {
    o.bytes().all(|b| b == b'0')
}

/// What a pushed ref may point at: a commit, or (under `refs/tags/`) an annotated tag that
/// peels to one. Anything else is refused with the reason.
fn commit_of(repo: &Repository, refname: &str, oid: Oid) -> Result<Oid, String> {
    let obj = repo.find_object(oid, None).map_err(|e| {
        format!(
            "{refname}: points at an object that cannot be read ({})",
            e.message()
        )
    })?;
    match obj.kind() {
        Some(git2::ObjectType::Commit) => Ok(oid),
        Some(git2::ObjectType::Tag) if refname.starts_with("refs/tags/") => {
            obj.peel_to_commit().map(|c| c.id()).map_err(|_| {
                format!(
                    "{refname}: points at a tag of something that is not a commit, not a commit"
                )
            })
        }
        Some(k) => Err(format!("{refname}: points at a {}, not a commit", k.str())),
        None => Err(format!(
            "{refname}: points at an object of unknown type, not a commit"
        )),
    }
}

/// Whether two ref names may name one file on some server: a file system that ignores case
/// (ASCII, as most do) or folds Unicode case (ext4 and f2fs with `casefold`, APFS, NTFS), where
/// `refs/headſ/main` (U+017F, long s) is `refs/heads/main` (a third red-team helper's note,
/// 2026-12-02). Compared as both upper and lower case, so that a letter whose case folds to
/// an ASCII one either way matches.
fn same_file_somewhere(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || a.to_uppercase() == b.to_uppercase()
        || a.to_lowercase() == b.to_lowercase()
}

/// Refs that change what git readers see instead of adding history: `refs/replace/*` makes
/// `git show`, checkouts and mirrors serve another object in place of the one verified.
fn substitutes(refname: &str) -> bool {
    under(refname, REPLACE).is_some()
}

const REPLACE: &str = "refs/replace/";
const NOTES: &str = "refs/notes/";

/// The rest of `refname` below `prefix`, matched without regard to ASCII case: on a server
/// whose file system ignores case, `refs/REPLACE/<id>` is a file in `refs/replace/`.
fn under<'r>(refname: &'r str, prefix: &str) -> Option<&'r str> {
    let head = refname.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &refname[prefix.len()..])
}

struct Update<'a> {
    refname: &'a str,
    old: Option<Oid>,
    new: Option<Oid>,
    /// On a server: the ref this name points to, when it is a symbolic ref there.
    symbolic: Option<String>,
}

/// Judge ref updates: deletions and rewrites of protected refs, then every new commit.
/// `protected_now` gives a protected ref's commit on the side pushed to, before the push.
fn judge(
    repo: &Repository,
    updates: &[Update],
    exclude: Vec<Oid>,
    old_known: bool,
    protected_now: &dyn Fn(&str) -> Option<Oid>,
) -> Result<(), CliError> {
    let protect = protected(repo);
    let mut refused = Vec::new();
    let mut include = Vec::new();
    // The commits pushed, by ref.
    let mut pushed = Vec::new();
    for u in updates {
        // git writes through a symbolic ref to its target: `refs/heads/trunk -> main` would
        // move (rewind, delete) main under another name.
        if let Some(target) = &u.symbolic {
            refused.push(format!(
                "{}: a symbolic ref to {}: an update would move {} under another name; push to {} itself",
                u.refname,
                wf_core::text::visible(target),
                wf_core::text::visible(target),
                wf_core::text::visible(target)
            ));
            continue;
        }
        let guarded = protect.iter().any(|p| p == u.refname);
        // On a server whose file system ignores case, refs/heads/MAIN is the file of
        // refs/heads/main: writing it would move the protected branch unguarded.
        if let Some(p) = protect
            .iter()
            .find(|p| same_file_somewhere(p, u.refname) && *p != u.refname)
        {
            refused.push(format!(
                "{}: a look-alike of the protected {p} (one file on a case-insensitive file system)",
                u.refname
            ));
            continue;
        }
        match (u.old, u.new) {
            (Some(_), None) if guarded => {
                refused.push(format!("{}: deleting a protected branch", u.refname))
            }
            (Some(old), Some(new)) if guarded && old != new => {
                let ff = match repo.find_commit(old) {
                    Ok(_) => wf_store::repo::descends_from(repo, new, old).unwrap_or(false),
                    Err(_) if !old_known => {
                        refused.push(format!(
                            "{}: the remote has commits this clone lacks; fetch and rebase first",
                            u.refname
                        ));
                        continue;
                    }
                    Err(_) => false,
                };
                if !ff {
                    refused.push(format!(
                        "{}: non-fast-forward update of a protected branch (it would rewrite signed history)",
                        u.refname
                    ));
                }
            }
            _ => {}
        }
        let Some(new) = u.new else { continue };
        if under(u.refname, NOTES).is_some() {
            refused.push(format!(
                "{}: notes are refused: git log shows them under the commits they annotate, as if part of the signed history",
                u.refname
            ));
            continue;
        }
        if substitutes(u.refname) {
            refused.push(format!(
                "{}: replace refs are refused: git readers would be shown another object in place of {} (wf-verify judges the real one)",
                u.refname,
                under(u.refname, REPLACE).unwrap_or(u.refname)
            ));
            continue;
        }
        match commit_of(repo, u.refname, new) {
            Ok(c) => {
                include.push(c);
                pushed.push((u.refname, c));
            }
            Err(why) => refused.push(why),
        }
    }
    refused.extend(second_stores(repo, &protect, &pushed, protected_now));
    let mut text = String::new();
    for r in &refused {
        text.push_str(&format!("wf-hook: history: {r}\n"));
    }
    let out = run_range(
        repo,
        Range { include, exclude },
        true,
        false,
        None,
        &mut |_| Ok(()),
    )?;
    let summary = out.summary;
    text.push_str(&problem_lines(&out.problems));
    if summary.commits > 0 {
        text.push_str(&summary.line());
    }
    eprint!("{text}");
    if !refused.is_empty() || summary.problems > 0 {
        let n = refused.len() + summary.problems;
        let mut e = CliError::rejected(
            format!("push refused: {n} problem{}", if n == 1 { "" } else { "s" }),
            "nothing was updated; fix the history (spec/verify.md) and push again",
        );
        // wf actions that lost their signatures were re-created by git (a rebase, a
        // cherry-pick): wf sync signs them again by their actors' keys and publishes them.
        let resigned = out.problems.iter().any(|r| {
            r.action.is_some()
                && r.problems
                    .iter()
                    .any(|p| p.check == wf_core::verify::Check::Unsigned)
        });
        if resigned {
            e = e.with_hint(
                "wf actions without signatures were re-created by git (git pull --rebase, a cherry-pick): run wf sync, which signs them again and publishes them",
            );
        }
        return Err(e);
    }
    Ok(())
}

/// The pushed refs that hold a store sharing no history with the server's store: a store
/// founded again, elsewhere, by whoever pushes it, with actors of their choosing (a red-team
/// helper's `wf-init --id alice` with its own key, pushed as `refs/tags/v1.0`, verified clean
/// and showed alice's actions). The server's store is that of the protected refs that hold one
/// before the push (as `protected_now` gives them); when none does, that of the first
/// protected ref that holds one after it (a first push founds it). Every pushed ref is judged,
/// protected or not: a protected ref not yet created (`master` on a server whose HEAD names it)
/// or holding only code was pushed a second store unjudged (a third helper, 2026-12-02). Two
/// stores are one when a commit both descend from holds a store: a common commit of code below
/// two foundings is not enough (a second helper founded mallory's "alice" on the commit of code
/// main's store was founded on). Nothing is judged this way while no protected ref holds a
/// store (a protected `main` of code beside an orphan branch of tasks is no anchor).
fn second_stores(
    repo: &Repository,
    protect: &[String],
    pushed: &[(&str, Oid)],
    protected_now: &dyn Fn(&str) -> Option<Oid>,
) -> Vec<String> {
    // Read as the verifier reads it; a commit it cannot read is no anchor, and a pushed one
    // counts as a store (the verifier refuses it besides).
    let holds_store = |c: Oid| wf_store::verify::holds_store(repo, c);
    let mut anchors: Vec<(&str, Oid)> = protect
        .iter()
        .filter_map(|p| protected_now(p).map(|c| (p.as_str(), c)))
        .filter(|(_, c)| holds_store(*c).unwrap_or(false))
        .collect();
    if anchors.is_empty() {
        let first = protect.iter().find_map(|p| {
            pushed
                .iter()
                .find(|(name, c)| *name == p.as_str() && holds_store(*c).unwrap_or(false))
                .copied()
        });
        anchors.extend(first);
    }
    let Some((first, _)) = anchors.first() else {
        return Vec::new();
    };
    let mut commits: Vec<Oid> = pushed.iter().map(|(_, c)| *c).collect();
    commits.sort();
    commits.dedup();
    commits.retain(|c| holds_store(*c).unwrap_or(true));
    let shared = shares_a_store(repo, &commits, &anchors, &|c| {
        holds_store(c).unwrap_or(false)
    });
    pushed
        .iter()
        .filter(|(_, c)| commits.binary_search(c).is_ok() && !shared.contains(c))
        .map(|(name, _)| {
            format!(
                "{name}: a store that shares no history with {first}'s store: a store founded again elsewhere answers to none of this repository's actors; push it to a repository of its own"
            )
        })
        .collect()
}

/// Which of `commits` share a commit that holds a store with the `anchors`' history, in one
/// walk for the whole push: the commits reachable from `commits` and from no anchor (the new
/// ones), parents first; a commit no anchor reaches shares a store when a commit below it that
/// an anchor reaches (a parent the walk left out) holds one, and a pushed commit an anchor
/// reaches shares it at once. A search for merge bases for each commit walked the history down
/// to it every time: 64 refs at old commits cost 3.7 s over 40,000 commits, 400 refs at one 7.5
/// s over 20,000 (the fourth and fifth red-team helpers, 2026-12-02). A walk that fails shares
/// nothing (the push is refused).
fn shares_a_store(
    repo: &Repository,
    commits: &[Oid],
    anchors: &[(&str, Oid)],
    holds_store: &dyn Fn(Oid) -> bool,
) -> std::collections::HashSet<Oid> {
    let walk = || -> Result<std::collections::HashMap<Oid, bool>, git2::Error> {
        let mut walk = repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
        for c in commits {
            walk.push(*c)?;
        }
        for (_, a) in anchors {
            walk.hide(*a)?;
        }
        // For each new commit: whether a commit below it that an anchor reaches holds a store.
        let mut reaches: std::collections::HashMap<Oid, bool> = Default::default();
        let mut below: std::collections::HashMap<Oid, bool> = Default::default();
        for n in walk {
            let n = n?;
            let mut found = false;
            for p in repo.find_commit(n)?.parent_ids() {
                found |= match reaches.get(&p) {
                    Some(r) => *r,
                    None => *below.entry(p).or_insert_with(|| holds_store(p)),
                };
            }
            reaches.insert(n, found);
        }
        Ok(reaches)
    };
    let Ok(reaches) = walk() else {
        return Default::default();
    };
    commits
        .iter()
        .copied()
        .filter(|c| reaches.get(c).copied().unwrap_or(true))
        .collect()
}

fn parse_oid(s: &str) -> Result<Option<Oid>, CliError> {
    if zero(s) {
        return Ok(None);
    }
    Oid::from_str(s).map(Some).map_err(|_| {
        CliError::usage(
            format!("bad object id {s:?} on stdin"),
            "git feeds hooks their input",
        )
    })
}

fn pre_receive(repo: &Repository, lines: &[String]) -> Result<(), CliError> {
    let mut updates = Vec::new();
    for l in lines {
        // Split on ASCII spaces only: a ref name may hold other whitespace (U+00A0).
        let mut p = l.splitn(3, ' ');
        let (Some(old), Some(new), Some(name)) = (p.next(), p.next(), p.next()) else {
            return Err(CliError::usage(
                format!("bad pre-receive line {l:?}"),
                "git feeds it: OLD NEW REF",
            ));
        };
        let symbolic = repo
            .find_reference(name)
            .ok()
            .filter(|r| r.kind() == Some(git2::ReferenceType::Symbolic))
            .map(|r| {
                String::from_utf8_lossy(r.symbolic_target_bytes().unwrap_or_default()).into_owned()
            });
        updates.push(Update {
            refname: name,
            old: parse_oid(old)?,
            new: parse_oid(new)?,
            symbolic,
        });
    }
    let exclude = existing_tips(repo, |_| true)?;
    judge(repo, &updates, exclude, true, &|p| {
        repo.refname_to_id(p).ok()
    })
}

fn pre_push(repo: &Repository, remote: Option<&str>, lines: &[String]) -> Result<(), CliError> {
    let mut updates = Vec::new();
    for l in lines {
        let p: Vec<&str> = l.split(' ').collect();
        let [_, local, remote_ref, remote_oid] = p.as_slice() else {
            return Err(CliError::usage(
                format!("bad pre-push line {l:?}"),
                "git feeds it: LOCAL-REF LOCAL-OID REMOTE-REF REMOTE-OID",
            ));
        };
        updates.push(Update {
            refname: remote_ref,
            old: parse_oid(remote_oid)?,
            new: parse_oid(local)?,
            symbolic: None,
        });
    }
    let prefix = remote.map(|r| format!("refs/remotes/{r}/"));
    let mut exclude = existing_tips(repo, |name| {
        prefix.as_deref().is_some_and(|p| name.starts_with(p))
    })?;
    for u in &updates {
        if let Some(c) = u.old.and_then(|o| commit_of(repo, u.refname, o).ok()) {
            exclude.push(c);
        }
    }
    // The remote's protected branches as this clone last fetched them.
    let remote_of = |p: &str| {
        let branch = p.strip_prefix("refs/heads/")?;
        repo.refname_to_id(&format!("refs/remotes/{}/{branch}", remote?))
            .ok()
    };
    judge(repo, &updates, exclude, false, &remote_of)
}

fn existing_tips(repo: &Repository, keep: impl Fn(&str) -> bool) -> Result<Vec<Oid>, CliError> {
    let mut out = Vec::new();
    for r in repo.references()? {
        let r = r?;
        let Some(name) = r.name() else { continue };
        if !keep(name) {
            continue;
        }
        if let Ok(c) = r.peel_to_commit() {
            out.push(c.id());
        }
    }
    Ok(out)
}

/// After a push lands, refresh the server's copy of the allowed signers, so that plain
/// `git verify-commit` there knows keys registered by pushed actor changes.
fn post_receive(store: &wf_store::Store) -> Result<(), CliError> {
    match Snapshot::head(store) {
        Ok(snap) => {
            crate::allowed_signers::configure(store, snap.actors())?;
            if std::io::stderr().is_terminal() {
                eprintln!("wf-hook: allowed signers refreshed");
            }
            Ok(())
        }
        Err(_) => Ok(()),
    }
}
