//! `wf-sync`: bring a clone up to date with its upstream and publish its actions. Each of the
//! clone's own actions is decided again on the upstream's state and signed again by its actor;
//! what no longer passes is superseded and kept; then the result is pushed. Also wf's git merge
//! driver for task files (`--merge-driver`, which git runs). See `spec/sync.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use git2::Oid;
use serde_json::json;
use wf_core::Actor;
use wf_store::publish::{self, Replayed, SUPERSEDED};
use wf_store::sign::{self, KeySource, Signer};
use wf_store::Store;

use crate::context;
use crate::error::{CliError, Kind};
use crate::output::{json as print_json, print};

/// Bring this clone up to date with its upstream and publish its actions.
///
/// Fetches the upstream of the current branch, replays each of this clone's commits that are
/// not upstream on top of it (every action decided again and signed again by its own actor's
/// key; an action that no longer passes is superseded: kept under refs/wf/superseded/ and
/// reported with the rule that refuses it; a task id taken upstream gets a new one; ordinary
/// commits are carried along), pushes, and moves the branch. Exits 1 when anything was
/// superseded.
#[derive(Parser, Debug)]
#[command(
    name = "wf-sync",
    version,
    after_help = "Examples:\n  wf-sync                          # the current branch's upstream\n  wf-sync origin --dry-run         # what would be published and superseded\n  wf-sync --json | jq '.superseded[] | .reason'\n  wf-sync --key ~/.ssh/bob --key ~/.ssh/bot   # actions of two actors in one clone"
)]
pub struct Args {
    /// The remote to sync with (default: the current branch's upstream remote, else origin).
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// Show what would be published, superseded and renamed; change nothing, push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// One JSON document (schema wf.sync/1).
    #[arg(long)]
    pub json: bool,
    /// A key that may sign replayed actions (repeatable): it signs the actions of the actor it
    /// is registered to. Also used: $WF_SIGNING_KEY, git's user.signingkey and
    /// `git config wf.key.ACTOR PATH`.
    #[arg(long = "key", value_name = "PATH")]
    pub keys: Vec<String>,
    /// Run as git's merge driver for task files: BASE OURS THEIRS PATH (%O %A %B %P). wf-init
    /// configures it.
    #[arg(long, num_args = 4, value_names = ["BASE", "OURS", "THEIRS", "PATH"], hide = true)]
    pub merge_driver: Option<Vec<PathBuf>>,
    #[command(flatten)]
    pub global: context::Global,
}

/// How often `wf sync` fetches and replays again when someone pushed in between.
pub const MAX_ROUNDS: u32 = 16;

/// Run `wf-sync`.
pub fn run(args: Args) -> Result<(), CliError> {
    if let Some(files) = &args.merge_driver {
        return merge_driver(&args.global, files);
    }
    let store = args.global.store()?;
    let branch = store.branch()?;
    let short = branch
        .strip_prefix("refs/heads/")
        .unwrap_or(&branch)
        .to_string();
    let remote = match &args.remote {
        Some(r) => r.clone(),
        None => store
            .config(&format!("branch.{short}.remote"))
            .unwrap_or_else(|| "origin".into()),
    };
    let merge_ref = store
        .config(&format!("branch.{short}.merge"))
        .filter(|_| args.remote.is_none())
        .unwrap_or_else(|| branch.clone());
    let tracking = format!(
        "refs/remotes/{remote}/{}",
        merge_ref.trim_start_matches("refs/heads/")
    );
    let signers = Keyring::load(&args.keys, &store)?;
    for round in 0..MAX_ROUNDS {
        if round > 0 {
            backoff(round);
        }
        let upstream = fetch(&store, &remote, &merge_ref, &tracking)?;
        let local = store.tip(&branch)?;
        let Some(local) = local else {
            return Err(CliError::store(
                "the branch has no commit yet",
                "clone the store first (git clone), or make one with wf-init",
            ));
        };
        let outcome = match upstream {
            None => Plan::Publish(local, publish::as_is(&store, None, local)?),
            Some(u) if u == local => Plan::UpToDate,
            Some(u) if wf_store::repo::descends_from(store.git(), u, local)? => {
                Plan::FastForward(u)
            }
            // Already on top of the upstream, and every commit verifies: publish as is.
            Some(u)
                if wf_store::repo::descends_from(store.git(), local, u)?
                    && verifies(&store, u, local)? =>
            {
                Plan::Publish(local, publish::as_is(&store, Some(u), local)?)
            }
            // Otherwise each commit is decided again (a rebase re-created some without their
            // signatures; or the lines parted).
            Some(u) => {
                let missing = publish::missing_keys(&store, u, local, &|a| signers.of(a))?;
                if let Some((actor, fp)) = missing.first() {
                    return Err(CliError::identity(
                        format!("the actions of {actor} are to be signed again, and {actor}'s key ({fp}) is not at hand; nothing was changed"),
                        format!("pass it: wf-sync --key PATH, or git config wf.key.{actor} PATH"),
                    ));
                }
                let mut fresh = |taken: &[String]| fresh_id(taken);
                let r = publish::replay(&store, u, local, &|a| signers.of(a), &mut fresh)?;
                Plan::Publish(r.tip.unwrap_or(u), r)
            }
        };
        let report = Report {
            remote: &remote,
            branch: &branch,
            outcome: &outcome,
        };
        if args.dry_run {
            return report.finish(&args, false);
        }
        match &outcome {
            Plan::UpToDate => return report.finish(&args, false),
            Plan::FastForward(u) => {
                move_branch(&store, &branch, local, *u)?;
                return report.finish(&args, false);
            }
            Plan::Publish(tip, replayed) => {
                // The work tree must be able to follow before anything is pushed: a push
                // whose branch cannot move would leave the clone behind its own actions.
                check_follow(&store, local, *tip)?;
                // Noted before the push: should this sync stop between the push and the
                // branch's move, the next one finds these actions upstream (spec/sync.md).
                let notes: Vec<String> = replayed
                    .published
                    .iter()
                    .filter(|p| p.commit != p.original)
                    .map(|p| {
                        let name = format!("{}{}", publish::PUBLISHED, p.original);
                        store
                            .git()
                            .reference(&name, p.commit, true, "wf sync: publishing")
                            .map(|_| name)
                    })
                    .collect::<Result<_, _>>()?;
                let pushed = if Some(*tip) == upstream {
                    true
                } else {
                    match push(&store, &remote, *tip, &merge_ref)? {
                        Pushed::Yes => true,
                        Pushed::Raced => continue,
                    }
                };
                for s in &replayed.superseded {
                    store.git().reference(
                        &format!("{SUPERSEDED}{}", s.commit),
                        s.commit,
                        true,
                        "wf sync: superseded",
                    )?;
                }
                let _ = store
                    .git()
                    .reference(&tracking, *tip, true, "wf sync: pushed");
                move_branch(&store, &branch, local, *tip)?;
                for name in notes {
                    if let Ok(mut r) = store.git().find_reference(&name) {
                        let _ = r.delete();
                    }
                }
                return report.finish(&args, pushed);
            }
        }
    }
    Err(CliError::conflict(
        format!(
            "the upstream kept moving: gave up after {MAX_ROUNDS} rounds of fetch, replay and push"
        ),
        "try again; nothing was changed here",
    ))
}

/// Wait before another round after a lost race: a random part of a window that doubles each
/// round (up to a second), so that clones pushing at once spread out.
fn backoff(round: u32) {
    let window = 25u64 << round.min(6);
    let r = context::random_bytes::<2>().map_or(0, u16::from_le_bytes);
    std::thread::sleep(std::time::Duration::from_millis(
        u64::from(r) % window.min(1000),
    ));
}

/// What a round found to do.
enum Plan {
    /// Nothing to fetch, nothing to publish.
    UpToDate,
    /// Only the upstream moved: the branch follows it.
    FastForward(Oid),
    /// This tip (the upstream with the clone's commits replayed on it) is to be pushed.
    Publish(Oid, Replayed),
}

/// The keys at hand, each with the public key it signs as.
struct Keyring(Vec<Box<dyn Signer>>);

impl Keyring {
    /// `--key`s, `$WF_SIGNING_KEY`, `user.signingkey`, and every `wf.key.*` of git's
    /// configuration. A key that cannot be loaded is an error only when named with `--key`.
    fn load(named: &[String], store: &Store) -> Result<Keyring, CliError> {
        let mut out = Vec::new();
        for k in named {
            out.push(sign::load(&KeySource::parse(k))?);
        }
        let mut others: Vec<String> = Vec::new();
        if let Ok(k) = std::env::var("WF_SIGNING_KEY") {
            others.push(k);
        }
        if let Some(k) = store.config("user.signingkey") {
            others.push(k);
        }
        if let Ok(cfg) = store.git().config() {
            if let Ok(mut entries) = cfg.entries(Some("wf\\.key\\..*")) {
                while let Some(Ok(e)) = entries.next() {
                    if let Some(v) = e.value() {
                        others.push(v.to_string());
                    }
                }
            }
        }
        for k in others.iter().filter(|k| !k.is_empty()) {
            if let Ok(s) = sign::load(&KeySource::parse(k)) {
                out.push(s);
            }
        }
        Ok(Keyring(out))
    }

    /// The key that signs for `actor`.
    fn of(&self, actor: &Actor) -> Option<&dyn Signer> {
        let actors = wf_core::Actors {
            actors: vec![actor.clone()],
        };
        self.0
            .iter()
            .find(|s| actors.by_key(s.public_key()).is_some())
            .map(|s| s.as_ref())
    }
}

/// Whether every commit of `upstream..local` verifies.
fn verifies(store: &Store, upstream: Oid, local: Oid) -> Result<bool, CliError> {
    for (c, _) in publish::local_commits(store, upstream, local)? {
        if !wf_store::verify::judge(store.git(), c)?.problems.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A fresh task id, not among `taken`.
fn fresh_id(taken: &[String]) -> String {
    loop {
        let bytes = context::random_bytes::<8>().unwrap_or([0x5a; 8]);
        let id = wf_core::id::task_id_from(&bytes, wf_core::id::TASK_HEX_LEN);
        if !taken.contains(&id) {
            return id;
        }
    }
}

/// Run git in the store (its work tree, or its git dir when bare).
fn git(store: &Store, args: &[&str]) -> Result<std::process::Output, CliError> {
    let dir: &Path = store.workdir().unwrap_or_else(|| store.git().path());
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| CliError::failure(format!("cannot run git: {e}")))
}

/// Fetch the upstream branch into its remote-tracking ref; `None` when the remote has no such
/// branch yet (the first push makes it).
fn fetch(
    store: &Store,
    remote: &str,
    merge_ref: &str,
    tracking: &str,
) -> Result<Option<Oid>, CliError> {
    let refspec = format!("+{merge_ref}:{tracking}");
    let out = git(store, &["fetch", "--quiet", "--no-tags", remote, &refspec])?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("couldn't find remote ref") {
            return Ok(None);
        }
        return Err(
            CliError::failure(format!("git fetch {remote} failed: {}", first_line(&err)))
                .with_hint("check the remote: git remote -v"),
        );
    }
    match store.git().refname_to_id(tracking) {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

enum Pushed {
    Yes,
    /// The remote moved meanwhile: fetch and replay again.
    Raced,
}

/// Push `tip` to the remote's branch; a lost race is told apart from a refusal.
fn push(store: &Store, remote: &str, tip: Oid, merge_ref: &str) -> Result<Pushed, CliError> {
    let spec = format!("{tip}:{merge_ref}");
    let out = git(store, &["push", "--quiet", "--porcelain", remote, &spec])?;
    if out.status.success() {
        return Ok(Pushed::Yes);
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let raced = [
        "non-fast-forward",
        "fetch first",
        "stale info",
        "cannot lock ref",
    ]
    .iter()
    .any(|m| text.contains(m))
        && !text.contains("hook declined");
    if raced {
        return Ok(Pushed::Raced);
    }
    // The server refused it: show what it said (its hook's problem lines).
    let said: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("remote: "))
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    for l in &said {
        eprintln!("remote: {}", wf_core::text::visible(l));
    }
    Err(CliError::new(
        Kind::Rejected,
        format!("the push to {remote} was refused; nothing was changed here"),
    )
    .with_hint(if said.is_empty() {
        first_line(&text).to_string()
    } else {
        "the server's reasons are above".into()
    }))
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

/// Refuse, before pushing, when the work tree has edits to the paths that change from `old` to
/// `new`.
fn check_follow(store: &Store, old: Oid, new: Oid) -> Result<(), CliError> {
    if store.workdir().is_none() || old == new {
        return Ok(());
    }
    let lock = store.take_lock(&mut context::notice)?;
    store.check_clean(&changed(store, old, new)?, &lock)?;
    Ok(())
}

/// The paths that differ between two commits' trees.
fn changed(store: &Store, old: Oid, new: Oid) -> Result<Vec<String>, CliError> {
    let repo = store.git();
    let (a, b) = (
        repo.find_commit(old)?.tree()?,
        repo.find_commit(new)?.tree()?,
    );
    let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
    Ok(diff
        .deltas()
        .filter_map(|d| d.new_file().path().or(d.old_file().path()))
        .map(|p| p.display().to_string())
        .collect())
}

/// Move the branch from `old` to `new` and make the work tree and the index follow. Refuses
/// when the work tree has edits to paths that change.
fn move_branch(store: &Store, branch: &str, old: Oid, new: Oid) -> Result<(), CliError> {
    if old == new {
        return Ok(());
    }
    let repo = store.git();
    if store.workdir().is_some() {
        let (a, b) = (
            repo.find_commit(old)?.tree()?,
            repo.find_commit(new)?.tree()?,
        );
        let diff = repo.diff_tree_to_tree(Some(&a), Some(&b), None)?;
        let paths: Vec<String> = diff
            .deltas()
            .filter_map(|d| d.new_file().path().or(d.old_file().path()))
            .map(|p| p.display().to_string())
            .collect();
        let lock = store.take_lock(&mut context::notice)?;
        store.check_clean(&paths, &lock)?;
        if store.tip(branch)? != Some(old) {
            return Err(CliError::conflict(
                "the branch moved while wf sync ran; the push went through",
                "run wf sync again to bring this clone up to date",
            ));
        }
        // The work tree and the index follow first (HEAD still names the old tip, against
        // which git tells the user's edits apart), then the branch moves.
        let mut co = git2::build::CheckoutBuilder::new();
        co.safe();
        repo.checkout_tree(b.as_object(), Some(&mut co))?;
        let mut index = repo.index()?;
        index.read_tree(&b)?;
        index.write()?;
        if !store.advance(branch, Some(old), new, "wf sync")? {
            return Err(CliError::conflict(
                "the branch moved while wf sync ran; the push went through",
                "run wf sync again to bring this clone up to date",
            ));
        }
        drop(lock);
    } else if !store.advance(branch, Some(old), new, "wf sync")? {
        return Err(CliError::conflict(
            "the branch moved while wf sync ran",
            "run wf sync again",
        ));
    }
    Ok(())
}

/// What a sync did, for the user.
struct Report<'a> {
    remote: &'a str,
    branch: &'a str,
    outcome: &'a Plan,
}

impl Report<'_> {
    fn finish(&self, args: &Args, pushed: bool) -> Result<(), CliError> {
        let short = |o: Oid| o.to_string()[..12].to_string();
        let empty = Replayed::default();
        let (tip, r) = match self.outcome {
            Plan::UpToDate => (None, &empty),
            Plan::FastForward(u) => (Some(*u), &empty),
            Plan::Publish(t, r) => (Some(*t), r),
        };
        if args.json {
            print_json(&json!({
                "schema": "wf.sync/1",
                "remote": self.remote,
                "branch": self.branch,
                "dry_run": args.dry_run,
                "pushed": pushed,
                "tip": tip.map(|t| t.to_string()),
                "published": r.published.iter().map(|p| json!({
                    "task": p.task, "action": p.action,
                    "commit": p.commit.to_string(), "original": p.original.to_string(),
                })).collect::<Vec<_>>(),
                "superseded": r.superseded.iter().map(|s| json!({
                    "task": s.task, "action": s.action, "commit": s.commit.to_string(),
                    "reason": s.reason, "ref": format!("{SUPERSEDED}{}", s.commit),
                    "by": s.by.map(|b| b.to_string()),
                })).collect::<Vec<_>>(),
                "renamed": r.renamed.iter().map(|(f, t)| json!({"from": f, "to": t})).collect::<Vec<_>>(),
                "carried": r.carried.iter().map(|(o, n)| json!({"commit": n.to_string(), "original": o.to_string()})).collect::<Vec<_>>(),
            }))?;
        } else {
            let mut text = String::new();
            let dry = if args.dry_run { "would be " } else { "" };
            for p in &r.published {
                text.push_str(&format!(
                    "{dry}published {} {} as {}\n",
                    p.task.as_deref().unwrap_or(".wf/"),
                    p.action,
                    short(p.commit)
                ));
            }
            for s in &r.superseded {
                let by =
                    s.by.map(|b| format!("; upstream {} acted on it first", short(b)))
                        .unwrap_or_default();
                text.push_str(&format!(
                    "{dry}superseded {} {} ({}): {}{by}; kept as {SUPERSEDED}{}\n",
                    s.task.as_deref().unwrap_or(".wf/"),
                    s.action,
                    short(s.commit),
                    wf_core::text::visible(&s.reason),
                    s.commit
                ));
            }
            for (from, to) in &r.renamed {
                text.push_str(&format!(
                    "{dry}renamed {from} to {to}: the id was taken upstream\n"
                ));
            }
            if !r.carried.is_empty() {
                text.push_str(&format!(
                    "{dry}carried {} other commit(s)\n",
                    r.carried.len()
                ));
            }
            text.push_str(&match (self.outcome, pushed, args.dry_run) {
                (Plan::UpToDate, _, _) => format!("up to date with {}\n", self.remote),
                (Plan::FastForward(u), _, false) => {
                    format!("fast-forwarded to {}/{}\n", self.remote, short(*u))
                }
                (Plan::FastForward(u), _, true) => {
                    format!("would fast-forward to {}\n", short(*u))
                }
                (Plan::Publish(t, _), true, _) => {
                    format!("pushed {} to {}\n", short(*t), self.remote)
                }
                (Plan::Publish(t, _), false, _) => {
                    format!("would push {} to {}\n", short(*t), self.remote)
                }
            });
            print(&text)?;
        }
        if !r.superseded.is_empty() {
            let n = r.superseded.len();
            return Err(CliError::new(
                Kind::Refused,
                format!(
                    "{n} action{} superseded by the upstream (kept under {SUPERSEDED})",
                    if n == 1 { " was" } else { "s were" }
                ),
            )
            .with_hint(
                "wf-log --superseded lists them; redo what still makes sense on the new state",
            ));
        }
        Ok(())
    }
}

/// git's merge driver for task files: write the join of both lines' actions on the task into
/// OURS and succeed, or leave OURS conflicted (git's markers, and a first line saying why and
/// to run `wf sync`) and fail.
fn merge_driver(global: &context::Global, files: &[PathBuf]) -> Result<(), CliError> {
    let [_base, ours, theirs, path] = files else {
        return Err(CliError::usage(
            "--merge-driver takes BASE OURS THEIRS PATH",
            "git passes %O %A %B %P",
        ));
    };
    let store = global.store()?;
    let path = path.display().to_string();
    let why = match wf_store::lines::join_for_merge(&store, &path)? {
        Ok(toml) => {
            std::fs::write(ours, toml)?;
            return Ok(());
        }
        Err(why) => why,
    };
    let (o, t) = (
        std::fs::read_to_string(ours)?,
        std::fs::read_to_string(theirs)?,
    );
    let mut text = format!(
        "# wf: {path}: {}; run `git merge --abort`, then `wf sync`\n<<<<<<< ours\n{o}",
        wf_core::text::one_line(&why)
    );
    if !o.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("=======\n{t}"));
    if !t.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(">>>>>>> theirs\n");
    std::fs::write(ours, text)?;
    Err(CliError::new(
        Kind::Refused,
        format!("{path}: the concurrent actions on this task do not join: {why}"),
    )
    .with_hint("run git merge --abort, then wf sync"))
}
