//! Replaying a clone's own commits on top of its upstream, for `wf sync`: each action is
//! decided again, by the same `decide`, on the state the upstream has now, and committed again
//! signed by the same actor's key; an action that no longer passes is **superseded** (set
//! aside, kept under a ref of the clone, reported with the rule that now refuses it); a task
//! id taken upstream in the meantime is given a new one; ordinary commits are carried along.
//! Nothing here moves a branch or talks to a remote: the tool fetches, calls [`replay`], pushes
//! and then moves the branch. See `spec/sync.md`.

use std::collections::{BTreeMap, HashMap, HashSet};

use git2::{Oid, Sort};
use wf_core::policy::Files;
use wf_core::trailer::{self, key};
use wf_core::{Action, Actor, Task, Timestamp};

use crate::lines::{self, Recorded};
use crate::repo::{Change, Person, Store, StoreError};
use crate::sign::Signer;
use crate::snapshot::Snapshot;
use crate::tree::{self, Mode, Reader};

type Result<T> = std::result::Result<T, StoreError>;

/// The ref prefix under which a superseded action's original commit is kept.
pub const SUPERSEDED: &str = "refs/wf/superseded/";

/// The ref prefix under which `wf sync` notes, between a push and the branch's move, which
/// commit published a local commit (`refs/wf/published/<original>` names the replay), so that a
/// sync interrupted there never publishes the same action twice.
pub const PUBLISHED: &str = "refs/wf/published/";

/// The upstream commit that published local commit `c` in an earlier sync, if it is there.
fn landed(store: &Store, c: Oid, upstream: Oid) -> Result<Option<Oid>> {
    let Ok(up) = store.git().refname_to_id(&format!("{PUBLISHED}{c}")) else {
        return Ok(None);
    };
    let there = up == upstream || crate::repo::descends_from(store.git(), upstream, up)?;
    Ok(there.then_some(up))
}

/// What a local commit is, for the replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Local {
    /// An action on one task, by this actor.
    Task {
        /// The task.
        id: String,
        /// The actor (`Wf-Actor`).
        actor: String,
    },
    /// A change to `.wf/` by this actor.
    Policy {
        /// The actor (`Wf-Actor`).
        actor: String,
    },
    /// A commit that touches neither `.wf/` nor `tasks/`.
    Other,
    /// A merge (its changes are in the commits it joins, which are replayed).
    Merge,
}

/// An action published again on top of the upstream.
#[derive(Clone, Debug)]
pub struct Published {
    /// The task (its new id when it was renamed), or `None` for a policy action.
    pub task: Option<String>,
    /// `Wf-Action`.
    pub action: String,
    /// The new commit.
    pub commit: Oid,
    /// The local commit it replays.
    pub original: Oid,
}

/// An action that no longer passes on the upstream's state.
#[derive(Clone, Debug)]
pub struct Superseded {
    /// The task, or `None` for a policy action.
    pub task: Option<String>,
    /// `Wf-Action`.
    pub action: String,
    /// The local commit, kept under [`SUPERSEDED`].
    pub commit: Oid,
    /// The rule (`rule 2 (assignee-only)`) or check that refuses it now, and why.
    pub reason: String,
    /// The last upstream commit that changed the task (or `.wf/`) since the lines parted: the
    /// action that superseded it.
    pub by: Option<Oid>,
}

/// What a replay did.
#[derive(Clone, Debug, Default)]
pub struct Replayed {
    /// The new tip: the upstream with the local commits that still pass on top.
    pub tip: Option<Oid>,
    /// Actions published again.
    pub published: Vec<Published>,
    /// Actions set aside.
    pub superseded: Vec<Superseded>,
    /// Task ids taken upstream meanwhile: `(old, new)`.
    pub renamed: Vec<(String, String)>,
    /// Ordinary commits carried along: `(original, new)`.
    pub carried: Vec<(Oid, Oid)>,
    /// Merges left out (their changes come with the commits they join).
    pub merges: Vec<Oid>,
}

/// The local commits not on `upstream`, oldest first, each classified.
pub fn local_commits(store: &Store, upstream: Oid, local: Oid) -> Result<Vec<(Oid, Local)>> {
    let repo = store.git();
    let reader = store.reader()?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(local)?;
    walk.hide(upstream)?;
    let mut out = Vec::new();
    for c in walk {
        let c = c?;
        let (root, parents) = lines::header(&reader, c)?;
        if parents.len() > 1 {
            out.push((c, Local::Merge));
            continue;
        }
        let proot = parents
            .first()
            .map(|p| lines::header(&reader, *p).map(|h| h.0))
            .transpose()?;
        let ident = |r: Option<Oid>, n: &str| -> Result<Option<(Mode, tree::ObjectId)>> {
            Ok(match r {
                Some(r) => reader.entry(r, n)?.map(|e| (e.mode, e.id)),
                None => None,
            })
        };
        let (_, bytes) = reader.raw(c)?;
        let message = crate::raw::parse(&bytes)
            .map(|r| r.message)
            .unwrap_or_default();
        let trailers = trailer::parse(&message);
        let actor = trailer::get(&trailers, key::ACTOR)
            .unwrap_or("")
            .to_string();
        let kind = if ident(Some(root), ".wf")? != ident(proot, ".wf")? {
            Local::Policy { actor }
        } else if ident(Some(root), "tasks")? != ident(proot, "tasks")? {
            let id = trailer::get(&trailers, key::TASK).unwrap_or("").to_string();
            Local::Task { id, actor }
        } else {
            Local::Other
        };
        out.push((c, kind));
    }
    Ok(out)
}

/// Replay the local commits (`upstream..local`) on top of `upstream`. `signer_of` gives the key
/// of an actor (by the public key registered at the upstream, in `actor.keys`); every actor
/// whose action is replayed must have one, which [`missing_keys`] checks first. `fresh_id`
/// makes a new task id when a local task's id was taken upstream. Writes objects only.
pub fn replay<'k>(
    store: &Store,
    upstream: Oid,
    local: Oid,
    signer_of: &dyn Fn(&Actor) -> Option<&'k dyn Signer>,
    fresh_id: &mut dyn FnMut(&[String]) -> String,
) -> Result<Replayed> {
    let commits = local_commits(store, upstream, local)?;
    let base = store.git().merge_base(upstream, local)?;
    let reader = store.reader()?;
    let mut out = Replayed {
        tip: Some(upstream),
        ..Replayed::default()
    };
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut originals = Originals::new(upstream);
    let mut upstream_actions: Option<HashMap<ActionKey, Vec<Oid>>> = None;
    let times = local_times(store, &commits)?;
    for (c, kind) in commits {
        let tip = out.tip.unwrap_or(upstream);
        // An earlier sync published this commit's replay and could not move the branch
        // afterwards: it is upstream already, and is not published twice.
        if !matches!(kind, Local::Other | Local::Merge) {
            // Or the same action (its time, subject and trailers) is upstream already: a local
            // copy of an action published before (the signed original left in a reflog, or a
            // copy of its replay someone offered in a pulled branch) is never published again,
            // where it would undo what others did since.
            let up = match landed(store, c, upstream)? {
                Some(up) => Some(up),
                None => {
                    let known = match &upstream_actions {
                        Some(k) => k,
                        None => upstream_actions.insert(actions_by_key(store, upstream, &times)?),
                    };
                    already_upstream(store, known, c)?
                }
            };
            if let Some(up) = up {
                let task = match &kind {
                    Local::Task { id, .. } => Some(renamed.get(id).cloned().unwrap_or(id.clone())),
                    _ => None,
                };
                out.published.push(Published {
                    task,
                    action: action_of(store, c)?,
                    commit: up,
                    original: c,
                });
                continue;
            }
        }
        // The state actions are decided again on, read once for the check of who signed and
        // for the replay.
        let snap = match &kind {
            Local::Task { .. } | Local::Policy { .. } => Some(Snapshot::load(store, Some(tip))?),
            Local::Other | Local::Merge => None,
        };
        if let (Local::Task { actor, .. } | Local::Policy { actor }, Some(snap)) = (&kind, &snap) {
            if let Some(reason) = unvouched(
                store,
                &reader,
                c,
                &kind,
                actor,
                snap.actors(),
                &mut originals,
            )? {
                let task = match &kind {
                    Local::Task { id, .. } => Some(renamed.get(id).cloned().unwrap_or(id.clone())),
                    _ => None,
                };
                out.superseded.push(Superseded {
                    task,
                    action: action_of(store, c)?,
                    commit: c,
                    reason,
                    by: None,
                });
                continue;
            }
        }
        match kind {
            Local::Merge => out.merges.push(c),
            Local::Other => {
                let new = carry(store, c, tip)?;
                out.carried.push((c, new));
                out.tip = Some(new);
            }
            Local::Task { id, .. } => {
                let Some(snap) = &snap else { continue };
                let r = lines::recorded(&reader, c, &id)?;
                let again = match task_again(
                    store,
                    &reader,
                    snap,
                    &r,
                    &mut renamed,
                    signer_of,
                    fresh_id,
                )? {
                    Ok((new, task)) => judged(store, new)?.map(|()| (new, task)),
                    Err(why) => Err(why),
                };
                match again {
                    Ok((new, task)) => {
                        out.published.push(Published {
                            task: Some(task),
                            action: r.action.name().to_string(),
                            commit: new,
                            original: c,
                        });
                        out.tip = Some(new);
                    }
                    Err(reason) => {
                        let by = lines::line(store.git(), &reader, upstream, &[base], &id)?
                            .last()
                            .map(|x| x.commit);
                        out.superseded.push(Superseded {
                            task: Some(renamed.get(&id).cloned().unwrap_or(id)),
                            action: r.action.name().to_string(),
                            commit: c,
                            reason,
                            by,
                        });
                    }
                }
            }
            Local::Policy { actor } => {
                let Some(snap) = &snap else { continue };
                let again = match policy_again(store, &reader, snap, c, &actor, signer_of)? {
                    Ok(new) => judged(store, new)?.map(|()| new),
                    Err(why) => Err(why),
                };
                match again {
                    Ok(new) => {
                        out.published.push(Published {
                            task: None,
                            action: action_of(store, c)?,
                            commit: new,
                            original: c,
                        });
                        out.tip = Some(new);
                    }
                    Err(reason) => out.superseded.push(Superseded {
                        task: None,
                        action: action_of(store, c)?,
                        commit: c,
                        reason,
                        by: None,
                    }),
                }
            }
        }
    }
    out.renamed = renamed.into_iter().collect();
    Ok(out)
}

/// What publishing `upstream..local` as it is would publish: the same report as [`replay`]
/// gives, for commits that need no replay (they are on top of the upstream already, and verify).
pub fn as_is(store: &Store, upstream: Option<Oid>, local: Oid) -> Result<Replayed> {
    let mut out = Replayed {
        tip: Some(local),
        ..Replayed::default()
    };
    let commits = match upstream {
        Some(u) => local_commits(store, u, local)?,
        None => {
            let mut all = Vec::new();
            let mut walk = store.git().revwalk()?;
            walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
            walk.push(local)?;
            for c in walk {
                all.push((c?, Local::Other));
            }
            all
        }
    };
    for (c, kind) in commits {
        match kind {
            Local::Task { id, .. } => out.published.push(Published {
                task: Some(id),
                action: action_of(store, c)?,
                commit: c,
                original: c,
            }),
            Local::Policy { .. } => out.published.push(Published {
                task: None,
                action: action_of(store, c)?,
                commit: c,
                original: c,
            }),
            Local::Other => out.carried.push((c, c)),
            Local::Merge => out.merges.push(c),
        }
    }
    Ok(out)
}

/// The actors whose actions would be replayed and for whom `signer_of` has no key: `(actor,
/// the key's fingerprint)`, so the tool can stop before changing anything.
pub fn missing_keys<'k>(
    store: &Store,
    upstream: Oid,
    local: Oid,
    signer_of: &dyn Fn(&Actor) -> Option<&'k dyn Signer>,
) -> Result<Vec<(String, String)>> {
    let snap = Snapshot::load(store, Some(upstream))?;
    let reader = store.reader()?;
    let mut originals = Originals::new(upstream);
    let commits = local_commits(store, upstream, local)?;
    let known = actions_by_key(store, upstream, &local_times(store, &commits)?)?;
    let mut missing = Vec::new();
    for (c, kind) in commits {
        let (Local::Task { actor, .. } | Local::Policy { actor }) = &kind else {
            continue;
        };
        let actor = actor.clone();
        let Some(a) = snap.actors().get(&actor) else {
            continue;
        };
        // An action already upstream is not published again, and one its actor never signed
        // is set aside: no key is needed for either.
        if already_upstream(store, &known, c)?.is_some() {
            continue;
        }
        if unvouched(
            store,
            &reader,
            c,
            &kind,
            &actor,
            snap.actors(),
            &mut originals,
        )?
        .is_some()
        {
            continue;
        }
        if signer_of(a).is_none() && !missing.iter().any(|(m, _)| *m == actor) {
            let fp = a
                .keys
                .first()
                .and_then(|k| crate::sign::fingerprint(k))
                .unwrap_or_default();
            missing.push((actor, fp));
        }
    }
    Ok(missing)
}

/// What names an action among others: its time, its subject and its trailers.
type ActionKey = (i64, Option<String>, Vec<(String, String)>);

/// The action commits of the upstream's history by [`ActionKey`] (from the event index,
/// `wf_store::history`). In a verified history an action's author and committer times are one.
/// Only the actions at one of `times` (the local actions' times: no other can match one) are
/// read from the index's lines.
fn actions_by_key(
    store: &Store,
    upstream: Oid,
    times: &HashSet<i64>,
) -> Result<HashMap<ActionKey, Vec<Oid>>> {
    let actions = crate::history::actions(store.git(), upstream)?;
    let mut out: HashMap<ActionKey, Vec<Oid>> = HashMap::new();
    for f in actions.at_times(times) {
        out.entry((f.seconds, f.summary, f.trailers))
            .or_default()
            .push(f.commit);
    }
    Ok(out)
}

/// The upstream commit that already made local commit `c`'s action: same time, subject and
/// trailers ([`ActionKey`]), then the same author and the whole message.
fn already_upstream(
    store: &Store,
    known: &HashMap<ActionKey, Vec<Oid>>,
    c: Oid,
) -> Result<Option<Oid>> {
    let Some(candidates) = known.get(&action_key(store, c)?) else {
        return Ok(None);
    };
    let repo = store.git();
    let mine = repo.find_commit(c)?;
    for up in candidates {
        let theirs = repo.find_commit(*up)?;
        let same_author = mine.author().name_bytes() == theirs.author().name_bytes()
            && mine.author().email_bytes() == theirs.author().email_bytes();
        if same_author && mine.message_bytes() == theirs.message_bytes() {
            return Ok(Some(*up));
        }
    }
    Ok(None)
}

/// The author times of the local commits (what [`action_key`] keys them by).
fn local_times(store: &Store, commits: &[(Oid, Local)]) -> Result<HashSet<i64>> {
    commits
        .iter()
        .map(|(c, _)| Ok(store.git().find_commit(*c)?.author().when().seconds()))
        .collect()
}

/// The [`ActionKey`] of a local commit: its author time (a rebase re-dates the committer).
fn action_key(store: &Store, c: Oid) -> Result<ActionKey> {
    let commit = store.git().find_commit(c)?;
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let seconds = commit.author().when().seconds();
    let summary = commit.summary().map(wf_core::text::one_line);
    Ok((seconds, summary, trailer::parse(&message)))
}

/// Why `wf sync` must not sign local commit `c` again for `actor`, if it must not. It signs
/// again only what the actor signed: `c` itself carries a good signature by one of the actor's
/// keys (`actors`: the upstream's, with what this sync published), or it is a copy of one that
/// does (a rebase re-creates commits without their signatures): a commit in this clone's
/// reflogs (`HEAD`, its branches, `ORIG_HEAD`, not upstream) with the same author, author date
/// and message, signed by the actor, that made the same action (for a task, the same record;
/// for `.wf/`, the same change before and after, [`wf_core::policy::change_units`]). Otherwise
/// anyone whose unsigned commit reached this clone (a pulled branch) would have it signed with
/// the user's key.
fn unvouched(
    store: &Store,
    reader: &Reader,
    c: Oid,
    kind: &Local,
    actor: &str,
    actors: &wf_core::Actors,
    originals: &mut Originals,
) -> Result<Option<String>> {
    let signed_by_actor = |raw: &crate::raw::RawCommit| {
        let Some(sig) = raw.signature.as_deref() else {
            return false;
        };
        match crate::sign::verify(sig, &raw.payload) {
            crate::sign::SigStatus::Good(key) => actors.by_key(&key).is_some_and(|a| a.id == actor),
            _ => false,
        }
    };
    let (_, bytes) = reader.raw(c)?;
    let Ok(raw) = crate::raw::parse(&bytes) else {
        return Ok(Some("the commit does not parse".into()));
    };
    if signed_by_actor(&raw) {
        return Ok(None);
    }
    let effect = |x: Oid| -> Result<Option<Effect>> { effect_of(reader, x, kind) };
    let mine = effect(c)?;
    for o in originals.get(store)? {
        if *o == c {
            continue;
        }
        let (_, ob) = reader.raw(*o)?;
        let Ok(orig) = crate::raw::parse(&ob) else {
            continue;
        };
        if orig.author == raw.author
            && orig.author_time == raw.author_time
            && orig.message == raw.message
            && signed_by_actor(&orig)
            && mine.is_some()
            && effect(*o)? == mine
        {
            return Ok(None);
        }
    }
    Ok(Some(format!(
        "not signed by {actor}, nor a copy of a commit {actor} signed (no commit in this clone's reflogs has its author, date and message, {actor}'s signature and the same change): wf sync signs again only what its actor signed; if the action is yours, redo it with the tools"
    )))
}

/// Whether the verifier accepts a commit this sync made (`Err` with its first problem
/// otherwise): a replay it would refuse is not published. The checks before signing (who signed
/// the original, its action and files, `decide`) should already refuse anything it would; this
/// is the last of them, and the one the hook runs.
fn judged(store: &Store, new: Oid) -> Result<std::result::Result<(), String>> {
    let report = crate::verify::judge(store.git(), new)?;
    Ok(match report.problems.first() {
        None => Ok(()),
        Some(p) => Err(format!(
            "the verifier refuses its replay ({}: {}); nothing of it was published",
            p.check, p.reason
        )),
    })
}

/// What a local action did, to match a rebased copy with its signed original: for a task, the
/// action its record holds and the files it wrote (which `wf sync` writes again with it: a
/// copy with the original's record but other inputs or outputs is another action).
#[derive(PartialEq)]
enum Effect {
    Task(Box<Action>, Vec<(String, Oid)>),
    Policy(Vec<wf_core::policy::ChangeUnit>),
}

/// Which parts of a task's folder an action writes.
struct Parts {
    /// A new task: its `in/`.
    created: bool,
    /// A new revision: its `out/`.
    produced: bool,
    /// A new check: the log of its step (`check/<step>.log`).
    checked: Option<String>,
}

impl Parts {
    /// The parts written by the action that took a task from `before` to `after`.
    fn of(before: Option<&Task>, after: &Task) -> Parts {
        Parts {
            created: before.is_none(),
            produced: after.revisions.len() > before.map_or(0, |t| t.revisions.len()),
            checked: after
                .checks
                .last()
                .filter(|_| after.checks.len() > before.map_or(0, |t| t.checks.len()))
                .map(|c| wf_core::task::Check::log(&c.step)),
        }
    }

    fn any(&self) -> bool {
        self.created || self.produced || self.checked.is_some()
    }
}

/// The files under task `id`'s folder in tree `root` that an action writing `parts` wrote,
/// by path below the folder, with their blob ids.
fn own_files(reader: &Reader, root: Oid, id: &str, parts: &Parts) -> Result<Vec<(String, Oid)>> {
    let dir = Task::dir(id);
    let dir = dir.trim_end_matches('/');
    let mut out = Vec::new();
    if let Some(e) = reader.entry(root, dir)? {
        for (rel, f) in reader.files_below(&e, dir)? {
            let own = (parts.created && rel.starts_with("in/"))
                || (parts.produced && rel.starts_with("out/"))
                || parts.checked.as_deref() == Some(rel.as_str());
            if own {
                out.push((rel, tree::oid(&f)));
            }
        }
    }
    Ok(out)
}

fn effect_of(reader: &Reader, c: Oid, kind: &Local) -> Result<Option<Effect>> {
    Ok(match kind {
        Local::Task { id, .. } => match lines::recorded(reader, c, id) {
            Ok(r) => {
                let parts = Parts::of(r.before.as_ref(), &r.after);
                let (root, _) = lines::header(reader, c)?;
                let files = own_files(reader, root, id, &parts)?;
                Some(Effect::Task(Box::new(r.action), files))
            }
            Err(crate::tree::TreeError::Git(e)) => return Err(e.into()),
            Err(crate::tree::TreeError::Refused(_)) => None,
        },
        Local::Policy { .. } => {
            let (root, parents) = lines::header(reader, c)?;
            let [parent] = parents[..] else {
                return Ok(None);
            };
            let (proot, _) = lines::header(reader, parent)?;
            let (Ok(was), Ok(now)) = (
                crate::verify::wf_files(reader, proot),
                crate::verify::wf_files(reader, root),
            ) else {
                return Ok(None);
            };
            // The change itself, before and after, unit by unit: a copy whose parent differs
            // where it changes (a parent chosen to hold the upstream's file) is another change.
            wf_core::policy::change_units(&was, &now).map(Effect::Policy)
        }
        Local::Other | Local::Merge => None,
    })
}

/// The signed commits a rebase may have copied: those reachable from this clone's reflogs
/// (`HEAD`'s, each branch's) and `ORIG_HEAD`, and not from the upstream; read once, when a
/// commit not signed by its actor is first met.
struct Originals {
    upstream: Oid,
    found: Option<Vec<Oid>>,
}

impl Originals {
    fn new(upstream: Oid) -> Originals {
        Originals {
            upstream,
            found: None,
        }
    }

    fn get(&mut self, store: &Store) -> Result<&[Oid]> {
        if self.found.is_none() {
            let repo = store.git();
            let mut walk = repo.revwalk()?;
            let mut names = vec!["HEAD".to_string()];
            for r in repo.references_glob("refs/heads/*")? {
                if let Some(n) = r?.name() {
                    names.push(n.to_string());
                }
            }
            let mut tips = Vec::new();
            for n in &names {
                if let Ok(log) = repo.reflog(n) {
                    for e in log.iter() {
                        tips.extend([e.id_old(), e.id_new()]);
                    }
                }
            }
            tips.extend(repo.refname_to_id("ORIG_HEAD").ok());
            for t in tips.into_iter().filter(|t| !t.is_zero()) {
                // A reflog may name commits gc has pruned since.
                let _ = walk.push(t);
            }
            walk.hide(self.upstream)?;
            let mut found = Vec::new();
            let reader = store.reader()?;
            for c in walk {
                let c = c?;
                let (_, bytes) = reader.raw(c)?;
                if crate::raw::parse(&bytes).is_ok_and(|r| r.signature.is_some()) {
                    found.push(c);
                }
            }
            self.found = Some(found);
        }
        Ok(self.found.as_deref().unwrap_or_default())
    }
}

fn action_of(store: &Store, c: Oid) -> Result<String> {
    let reader = store.reader()?;
    let (_, bytes) = reader.raw(c)?;
    let message = crate::raw::parse(&bytes)
        .map(|r| r.message)
        .unwrap_or_default();
    Ok(trailer::get(&trailer::parse(&message), key::ACTION)
        .unwrap_or("")
        .to_string())
}

/// Carry an ordinary commit over: its change, applied on `tip` (git's three-way merge), as a
/// new commit with the same author, committer and message.
fn carry(store: &Store, c: Oid, tip: Oid) -> Result<Oid> {
    let repo = store.git();
    let commit = repo.find_commit(c)?;
    let onto = repo.find_commit(tip)?;
    let mut index = repo.cherrypick_commit(&commit, &onto, 0, None)?;
    if index.has_conflicts() {
        return Err(StoreError::Policy(format!(
            "commit {} ({}) does not apply on the upstream: resolve it with git (git rebase), then run wf sync",
            crate::error::short(c),
            commit.summary().unwrap_or("")
        )));
    }
    let tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let (author, committer) = (commit.author().to_owned(), commit.committer().to_owned());
    let message = commit.message_raw().unwrap_or("").to_string();
    let new = repo.commit(None, &author, &committer, &message, &tree, &[&onto])?;
    Ok(new)
}

/// Decide a task action again on `snap` (the tip it lands on); `Ok(Err(reason))` when it no
/// longer passes.
fn task_again<'k>(
    store: &Store,
    reader: &Reader,
    snap: &Snapshot,
    r: &Recorded,
    renamed: &mut BTreeMap<String, String>,
    signer_of: &dyn Fn(&Actor) -> Option<&'k dyn Signer>,
    fresh_id: &mut dyn FnMut(&[String]) -> String,
) -> Result<std::result::Result<(Oid, String), String>> {
    let tip = snap.commit;
    let mut id = renamed.get(&r.id).cloned().unwrap_or_else(|| r.id.clone());
    let mut action = r.action.clone();
    let existing = snap.task_ids(store)?;
    if let Action::Create { id: new_id, .. } = &mut action {
        if existing.contains(&id) {
            let fresh = fresh_id(&existing);
            renamed.insert(r.id.clone(), fresh.clone());
            id = fresh;
        }
        *new_id = id.clone();
    }
    let Some(actor) = snap.actors().get(&r.actor).cloned() else {
        return Ok(Err(format!("actor {} is gone upstream", r.actor)));
    };
    let Some(signer) = signer_of(&actor) else {
        return Err(StoreError::UnknownKey(actor.id.clone()));
    };
    let prev = if existing.contains(&id) {
        Some(snap.task(store, &id)?)
    } else {
        None
    };
    let wf_name = prev.as_ref().map_or(&r.after.workflow, |t| &t.workflow);
    let Some(workflow) = snap.policy.workflows.get(wf_name) else {
        return Ok(Err(format!("workflow {wf_name} is gone upstream")));
    };
    let next = match wf_core::decide(
        workflow,
        snap.actors(),
        prev.as_ref(),
        &actor,
        &action,
        Timestamp(r.time),
    ) {
        Ok(n) => n,
        Err(refusal) => return Ok(Err(format!("{}: {}", refusal.rule, refusal.reason))),
    };
    // A revision of wf-run answered the prompt wf rendered before it: when the task changed
    // upstream and its prompt with it, the verifier would reject the run published here.
    let runs = |p: &Task| {
        next.revisions.len() > p.revisions.len() && next.latest().is_some_and(|r| r.run.is_some())
    };
    if let Some(p) = prev.as_ref().filter(|p| runs(p)) {
        let mut files = BTreeMap::new();
        for rel in wf_core::prompt::files_needed(p) {
            if let Some(bytes) = store.read(tip, &format!("{}{rel}", Task::dir(&id)))? {
                files.insert(rel, bytes);
            }
        }
        if let Err(why) = wf_core::verify::check_prompt(workflow, p, &next, Some(&files)) {
            return Ok(Err(why));
        }
    }
    let message = trailer::action_message(prev.as_ref(), &next, &action, &actor);
    let text = match wf_core::task_text(&next) {
        Ok(t) => t,
        Err(r) => return Ok(Err(format!("{}: {}", r.rule, r.reason))),
    };
    let mut writes = vec![(Task::path(&id), store.blob(text.as_bytes())?)];
    let mut removes = Vec::new();
    // A new task writes its inputs, a new revision its files, a new check its step's log.
    let parts = Parts::of(prev.as_ref(), &next);
    if parts.any() {
        // The action's files are the ones its own commit wrote.
        let (oroot, _) = lines::header(reader, r.commit)?;
        let ndir = Task::dir(&id);
        let theirs = own_files(reader, oroot, &r.id, &parts)?;
        for (rel, oid) in &theirs {
            writes.push((format!("{ndir}{rel}"), *oid));
        }
        if parts.produced {
            let (troot, _) = lines::header(reader, tip)?;
            if let Some(e) = reader.entry(troot, ndir.trim_end_matches('/'))? {
                for (rel, _) in reader.files_below(&e, ndir.trim_end_matches('/'))? {
                    if rel.starts_with("out/") && !theirs.iter().any(|(t, _)| *t == rel) {
                        removes.push(format!("{ndir}{rel}"));
                    }
                }
            }
        }
    }
    let change = Change {
        message,
        author: Person {
            name: actor.name.clone(),
            email: actor.email.clone(),
        },
        time: r.time,
        writes,
        removes,
    };
    Ok(Ok((store.commit(Some(tip), &change, signer)?, id)))
}

/// Replay a change to `.wf/` on `snap` (the tip it lands on): the files it changed, changed the
/// same way there, judged by the verifier's own function ([`wf_core::verify::replay_policy`])
/// with its message.
fn policy_again<'k>(
    store: &Store,
    reader: &Reader,
    snap: &Snapshot,
    c: Oid,
    actor: &str,
    signer_of: &dyn Fn(&Actor) -> Option<&'k dyn Signer>,
) -> Result<std::result::Result<Oid, String>> {
    let tip = snap.commit;
    let (_, bytes) = reader.raw(c)?;
    let raw = crate::raw::parse(&bytes).map_err(StoreError::Policy)?;
    let [parent] = raw.parents[..] else {
        return Ok(Err("a merge".into()));
    };
    let (proot, _) = lines::header(reader, parent)?;
    let (troot, _) = lines::header(reader, tip)?;
    let was = crate::verify::wf_files(reader, proot)?;
    let now = crate::verify::wf_files(reader, raw.tree)?;
    let before = crate::verify::wf_files(reader, troot)?;
    // The files it changed, carried onto the upstream's only where the upstream did not change
    // them since (actor by actor in actors.toml): never an undo of another admin's change.
    let after: Files = match wf_core::policy::carry_change(&was, &now, &before) {
        Ok(a) => a,
        Err(why) => return Ok(Err(why)),
    };
    let Some(me) = snap.actors().get(actor).cloned() else {
        return Ok(Err(format!("actor {actor} is gone upstream")));
    };
    let Some(signer) = signer_of(&me) else {
        return Err(StoreError::UnknownKey(me.id.clone()));
    };
    let h = wf_core::verify::Header::new(
        &raw.message,
        (&me.name, &me.email),
        (&me.name, &me.email),
        Timestamp(raw.author_time.0),
    );
    if let Err(p) = wf_core::verify::replay_policy(Some(&before), &after, &me, &h) {
        return Ok(Err(format!("{}: {}", p.check, p.reason)));
    }
    let mut writes = Vec::new();
    let mut removes = Vec::new();
    for path in wf_core::policy::changed_paths(&before, &after) {
        match after.get(&path) {
            Some(b) => writes.push((path, store.blob(b)?)),
            None => removes.push(path),
        }
    }
    let change = Change {
        message: raw.message.clone(),
        author: Person {
            name: me.name.clone(),
            email: me.email.clone(),
        },
        time: raw.author_time.0,
        writes,
        removes,
    };
    Ok(Ok(store.commit(Some(tip), &change, signer)?))
}
