//! The event index, `<git-dir>/wf-event-index-1`: what `wf-log` and `wf-stats` need of every
//! commit (its trailers, subject, time and signature), kept beside the repository so that a
//! read of the whole history costs a file read, not a walk that verifies every signature again.
//!
//! It is only a cache (`spec/store.md`, "The event index"): the answer is the same with it,
//! without it, and after it was deleted, truncated or corrupted, which is how it is tested. When
//! the branch has moved on from the indexed tip, only the new commits are read and appended;
//! when the tip is no longer in the history, or the file is not a whole index, it is rebuilt.
//!
//! The order of the answer is defined by the history alone, so that it cannot depend on when
//! the index was brought up to date: newest first by **generation** (1 for a root commit, one
//! more than its highest parent otherwise), then by commit time, then by commit id. A commit
//! always comes before its parents; on a line of history it is `git log`'s order.
//!
//! The signature is kept as the key that made it (or why it is bad): whose key that is, is
//! decided by the reader against the actors it trusts, so adding an actor changes no entry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository, Sort};
use rayon::prelude::*;
use wf_core::trailer::{self, key};

use crate::cachefile::{self, escape, unescape};
use crate::sign::{self, SigStatus};

const HEADER: &str = "wf-event-index 1 ";
/// How many commits back from a new tip the indexed tip is looked for before libgit2's merge
/// base is asked.
const NEAR: usize = 4096;
const FILE: &str = "wf-event-index-1";

/// One commit carrying a `Wf-Action` trailer, as the index keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// The commit.
    pub commit: Oid,
    /// Its generation: 1 for a root, one more than its highest parent otherwise.
    pub generation: u32,
    /// The committer's time, seconds.
    pub seconds: i64,
    /// The message's subject line as git reads it, on one line
    /// ([`wf_core::text::one_line`]; `None` when not text).
    pub summary: Option<String>,
    /// The trailers of the message, in order ([`wf_core::trailer::parse`]).
    pub trailers: Vec<(String, String)>,
    /// The signature, checked, not yet attributed to anyone.
    pub signature: SigStatus,
}

/// One line of the index: every commit has one, so that generations can be carried on.
#[derive(Clone, Copy, Debug)]
struct Slot {
    commit: Oid,
    generation: u32,
    seconds: i64,
    /// Whether the commit carries a `Wf-Action` (an `a` line).
    action: bool,
    /// Where its line is in the text.
    start: usize,
    end: usize,
}

/// The action commits of a history, read from the index text one at a time as they are asked
/// for: a long history is never held as parsed values all at once.
#[derive(Debug)]
pub struct Actions {
    text: String,
    /// The action lines, newest first.
    order: Vec<Slot>,
}

impl Actions {
    /// How many action commits.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The action commits whose committer time is one of `times`, newest first: only their
    /// lines are parsed.
    pub fn at_times<'a>(
        &'a self,
        times: &'a std::collections::HashSet<i64>,
    ) -> impl Iterator<Item = Fact> + 'a {
        self.order
            .iter()
            .filter(|s| times.contains(&s.seconds))
            .filter_map(|s| parse_action(&self.text[s.start..s.end]))
    }

    /// The action commits, newest first; `.rev()` for oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Fact> + '_ {
        // Every line was checked when the index was read or written.
        self.order
            .iter()
            .filter_map(|s| parse_action(&self.text[s.start..s.end]))
    }
}

/// What was read of one new commit, before its generation is known.
struct Read {
    commit: Oid,
    parents: Vec<Oid>,
    fact: Option<Fact>,
}

fn path(repo: &Repository) -> PathBuf {
    repo.path().join(FILE)
}

/// The action commits reachable from `tip`, newest first (the order of the module's docs).
/// Brings the index up to date on the way, and writes it back when it can: a read-only
/// repository still answers, only slower.
pub fn actions(repo: &Repository, tip: Oid) -> Result<Actions, git2::Error> {
    actions_with_progress(repo, tip, &mut |_, _| {})
}

/// [`actions`], telling `progress` (commits read, commits to read) as the commits the index
/// lacks are read from git.
pub fn actions_with_progress(
    repo: &Repository,
    tip: Oid,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Actions, git2::Error> {
    let file = path(repo);
    let old = std::fs::read(&file)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(load);
    let scratch = |progress: &mut dyn FnMut(usize, usize)| {
        extend(repo, tip, None, String::new(), Vec::new(), progress)
    };
    let (text, slots, changed) = match old {
        Some((t, text, slots)) if t == tip => (text, slots, false),
        // The branch moved on from the indexed tip: only the new commits are read. Or it is
        // another line (a branch beside the indexed one: the upstream `wf sync` reads beside a
        // clone's own work): the lines of their common ancestor's history are kept, and only
        // the commits since it are read. (A walk from the tip that looks for the indexed one
        // reads the whole history when the indexed tip is beside it: it stops after `NEAR`.)
        Some((t, text, slots)) => {
            // Most often the branch moved on by a few commits, found by a short walk back
            // from the tip (libgit2's merge-base search is ordered by date, and walks the
            // whole history when new commits are dated before their parents).
            let near = crate::repo::descends_within(repo, tip, t, NEAR).unwrap_or(None);
            let kept = match near {
                Some(true) => Some((t, text, slots)),
                _ => rewound(repo, tip, t, text, slots),
            };
            let (text, slots) = match kept {
                Some((base, text, slots)) => extend(repo, tip, Some(base), text, slots, progress)?,
                None => scratch(progress)?,
            };
            (text, slots, true)
        }
        None => {
            let (text, slots) = scratch(progress)?;
            (text, slots, true)
        }
    };
    let actions = finish(tip, text, slots);
    if changed {
        let _ = crate::sync::write_atomic(&file, actions.text.as_bytes());
    }
    Ok(actions)
}

/// The index of `old`'s history cut back to the history of a common ancestor of `old` and
/// `tip` (the commits in `base..old` left out; none when `tip` descends from `old`): the base,
/// the text and the slots. `None` when they have no common ancestor or it cannot be found.
fn rewound(
    repo: &Repository,
    tip: Oid,
    old: Oid,
    text: String,
    slots: Vec<Slot>,
) -> Option<(Oid, String, Vec<Slot>)> {
    let (base, gone) = crate::repo::rewind(repo, tip, old)?;
    if gone.is_empty() {
        return Some((base, text, slots));
    }
    let mut body = String::with_capacity(text.len());
    let mut kept = Vec::with_capacity(slots.len().saturating_sub(gone.len()));
    for s in slots.iter().filter(|s| !gone.contains(&s.commit)) {
        let start = body.len();
        // A line runs from `start` to its newline at `end`.
        body.push_str(text.get(s.start..=s.end)?);
        kept.push(Slot {
            start,
            end: body.len() - 1,
            ..*s
        });
    }
    Some((base, body, kept))
}

/// The same answer as [`actions`], read from git alone: no index read or written.
pub fn actions_without_index(repo: &Repository, tip: Oid) -> Result<Actions, git2::Error> {
    let (text, slots) = extend(repo, tip, None, String::new(), Vec::new(), &mut |_, _| {})?;
    Ok(finish(tip, text, slots))
}

/// The whole file (header, lines, footer) and the action lines in order.
fn finish(tip: Oid, body: String, slots: Vec<Slot>) -> Actions {
    let header = format!("{HEADER}{tip}\n");
    let shift = header.len();
    let mut text = header;
    text.push_str(&body);
    cachefile::seal(&mut text, slots.len());
    let mut order: Vec<Slot> = slots
        .into_iter()
        .filter(|s| s.action)
        .map(|s| Slot {
            start: s.start + shift,
            end: s.end + shift,
            ..s
        })
        .collect();
    order.sort_unstable_by(|a, b| {
        (b.generation, b.seconds, b.commit).cmp(&(a.generation, a.seconds, a.commit))
    });
    Actions { text, order }
}

/// `body` and `slots` (the lines of the index of `from`, offsets into `body`) with the commits
/// reachable from `tip` but not from `from` appended.
fn extend(
    repo: &Repository,
    tip: Oid,
    from: Option<Oid>,
    mut body: String,
    mut slots: Vec<Slot>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(String, Vec<Slot>), git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(tip)?;
    if let Some(f) = from {
        walk.hide(f)?;
    }
    let new: Vec<Oid> = walk.collect::<Result<_, _>>()?;
    let mut reads = Vec::with_capacity(new.len());
    for batch in new.chunks(8192) {
        reads.extend(read_all(repo.path(), batch)?);
        progress(reads.len(), new.len());
    }
    let mut generation: HashMap<Oid, u32> =
        slots.iter().map(|s| (s.commit, s.generation)).collect();
    generation.reserve(reads.len());
    slots.reserve(reads.len());
    for r in reads {
        // Parents come before their children in the walk; one outside both the walk and the
        // index is a shallow or missing commit and counts as a root's parent would.
        let g = 1 + r
            .parents
            .iter()
            .map(|p| generation.get(p).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        generation.insert(r.commit, g);
        let start = body.len();
        let seconds = r.fact.as_ref().map_or(0, |f| f.seconds);
        render_line(r.commit, g, r.fact.as_ref(), &mut body);
        slots.push(Slot {
            commit: r.commit,
            generation: g,
            seconds,
            action: r.fact.is_some(),
            start,
            end: body.len() - 1,
        });
    }
    Ok((body, slots))
}

/// Read the commits, in parallel (each worker with its own repository handle): signature
/// checks are most of the work.
fn read_all(git_dir: &Path, commits: &[Oid]) -> Result<Vec<Read>, git2::Error> {
    const CHUNK: usize = 512;
    if commits.len() <= CHUNK {
        let repo = Repository::open(git_dir)?;
        return commits.iter().map(|c| read_one(&repo, *c)).collect();
    }
    let chunks: Vec<Result<Vec<Read>, git2::Error>> = commits
        .par_chunks(CHUNK)
        .map(|chunk| {
            let repo = Repository::open(git_dir)?;
            chunk.iter().map(|c| read_one(&repo, *c)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(commits.len());
    for c in chunks {
        out.extend(c?);
    }
    Ok(out)
}

fn read_one(repo: &Repository, oid: Oid) -> Result<Read, git2::Error> {
    let c = repo.find_commit(oid)?;
    let parents = c.parent_ids().collect();
    let message = String::from_utf8_lossy(c.message_bytes());
    let trailers = trailer::parse(&message);
    let fact = trailer::get(&trailers, key::ACTION)
        .is_some()
        .then(|| Fact {
            commit: oid,
            generation: 0,
            seconds: c.committer().when().seconds(),
            summary: c.summary().map(wf_core::text::one_line),
            signature: signature(repo, oid),
            trailers,
        });
    Ok(Read {
        commit: oid,
        parents,
        fact,
    })
}

/// One commit as the index keeps it, read from git (`None` without a `Wf-Action` trailer);
/// its generation is not computed (0).
pub fn fact(repo: &Repository, commit: Oid) -> Result<Option<Fact>, git2::Error> {
    Ok(read_one(repo, commit)?.fact)
}

/// A commit's signature, checked ([`crate::repo::Store::signature`]).
pub fn signature(repo: &Repository, commit: Oid) -> SigStatus {
    match repo.extract_signature(&commit, None) {
        Ok((sig, data)) => match sig.as_str() {
            Some(s) => sign::verify(s, &data),
            None => SigStatus::Bad("signature is not text".into()),
        },
        Err(e) if e.code() == ErrorCode::NotFound => SigStatus::Unsigned,
        Err(e) => SigStatus::Bad(e.message().to_string()),
    }
}

// The file: a header line `wf-event-index 1 <tip>`; a line per commit, in the order the
// commits were indexed (parents first); a last line `end <count> <crc32 of all before it>`.
// Fields are separated by tabs; text fields escape `\`, tab, line feed and carriage return.
//   c <commit> <generation>                                       a commit without Wf-Action
//   a <commit> <generation> <seconds> <sig> <summary> [<key> <value>]...
// <sig> is `u` (unsigned), `g<key>` (good, by this key) or `b<why>` (bad); <summary> is `-`
// (none) or `+<text>`.

fn render_line(commit: Oid, generation: u32, fact: Option<&Fact>, out: &mut String) {
    use std::fmt::Write;
    let Some(f) = fact else {
        let _ = writeln!(out, "c\t{commit}\t{generation}");
        return;
    };
    let _ = write!(out, "a\t{commit}\t{generation}\t{}\t", f.seconds);
    match &f.signature {
        SigStatus::Unsigned => out.push('u'),
        SigStatus::Good(k) => {
            out.push('g');
            escape(k, out);
        }
        SigStatus::Bad(why) => {
            out.push('b');
            escape(why, out);
        }
    }
    out.push('\t');
    match &f.summary {
        None => out.push('-'),
        Some(s) => {
            out.push('+');
            escape(s, out);
        }
    }
    for (k, v) in &f.trailers {
        out.push('\t');
        escape(k, out);
        out.push('\t');
        escape(v, out);
    }
    out.push('\n');
}

/// The tip, the body (the lines between header and footer) and its slots, offsets into the
/// body; `None` when the text is not a whole, well-formed index.
fn load(text: String) -> Option<(Oid, String, Vec<Slot>)> {
    let (footer_at, count) = cachefile::checked(&text)?;
    let header_end = text.find('\n')? + 1;
    let tip = Oid::from_str(text[..header_end - 1].strip_prefix(HEADER)?).ok()?;
    let body = text[header_end.min(footer_at)..footer_at].to_string();
    let mut slots = Vec::with_capacity(count);
    let mut start = 0;
    for line in body.split_terminator('\n') {
        let end = start + line.len();
        slots.push(check_line(line, start, end)?);
        start = end + 1;
    }
    (slots.len() == count).then_some((tip, body, slots))
}

/// The slot of a well-formed line.
fn check_line(line: &str, start: usize, end: usize) -> Option<Slot> {
    let mut f = cachefile::fields(line);
    let kind = f.next()?;
    let commit = cachefile::oid(f.next()?)?;
    let generation: u32 = f.next()?.parse().ok()?;
    let slot = |seconds, action| Slot {
        commit,
        generation,
        seconds,
        action,
        start,
        end,
    };
    match kind {
        "c" => f.next().is_none().then(|| slot(0, false)),
        "a" => {
            let seconds: i64 = f.next()?.parse().ok()?;
            let sig = f.next()?;
            let summary = f.next()?;
            let sig_ok = sig == "u" || (sig.starts_with(['g', 'b']) && escaped_ok(&sig[1..]));
            let summary_ok = summary == "-" || summary.strip_prefix('+').is_some_and(escaped_ok);
            let (mut count, mut rest_ok) = (0usize, true);
            for t in f {
                count += 1;
                rest_ok &= escaped_ok(t);
            }
            (sig_ok && summary_ok && count.is_multiple_of(2) && rest_ok)
                .then(|| slot(seconds, true))
        }
        _ => None,
    }
}

fn escaped_ok(s: &str) -> bool {
    if !s.as_bytes().contains(&b'\\') {
        return true;
    }
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && !matches!(chars.next(), Some('\\' | 't' | 'n' | 'r')) {
            return false;
        }
    }
    true
}

/// The fact of an `a` line (checked by [`check_line`]).
fn parse_action(line: &str) -> Option<Fact> {
    let mut f = cachefile::fields(line);
    if f.next()? != "a" {
        return None;
    }
    let commit = cachefile::oid(f.next()?)?;
    let generation: u32 = f.next()?.parse().ok()?;
    let seconds: i64 = f.next()?.parse().ok()?;
    let sig = f.next()?;
    let signature = match sig.as_bytes().first()? {
        b'u' if sig.len() == 1 => SigStatus::Unsigned,
        b'g' => SigStatus::Good(unescape(&sig[1..])?),
        b'b' => SigStatus::Bad(unescape(&sig[1..])?),
        _ => return None,
    };
    let summary = match f.next()? {
        "-" => None,
        s => Some(unescape(s.strip_prefix('+')?)?),
    };
    let mut trailers = Vec::new();
    while let Some(k) = f.next() {
        trailers.push((unescape(k)?, unescape(f.next()?)?));
    }
    Some(Fact {
        commit,
        generation,
        seconds,
        summary,
        trailers,
        signature,
    })
}

/// Write a commit object with exactly these parent lines (any ids: missing objects, blobs,
/// repeats), as `git hash-object -t commit` would: for tests of how walks meet them.
#[cfg(test)]
pub(crate) fn raw_commit(odb: &git2::Odb, tree: Oid, parents: &[String]) -> Oid {
    let mut raw = format!("tree {tree}\n");
    for p in parents {
        raw.push_str(&format!("parent {p}\n"));
    }
    raw.push_str("author a <a@example.com> 1700000000 +0000\n");
    raw.push_str("committer a <a@example.com> 1700000000 +0000\n\nforged\n");
    odb.write(git2::ObjectType::Commit, raw.as_bytes()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Signature, Time};
    use proptest::prelude::*;

    /// One commit of a random history: its parents (indexes of earlier commits), whether it
    /// is an action, its time, whether it carries a (bad) signature, and text with the
    /// characters the file escapes.
    #[derive(Clone, Debug)]
    struct Spec {
        parents: Vec<usize>,
        action: bool,
        seconds: i64,
        signed: bool,
        text: String,
    }

    /// What happens to the index file between two reads.
    #[derive(Clone, Debug)]
    enum Damage {
        None,
        Delete,
        Truncate(usize),
        Flip(usize),
        Append(String),
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            any::<bool>(),
            0i64..5,
            prop::bool::weighted(0.2),
            "[a-c\\\\\t\r é]{0,6}",
        )
            .prop_map(|(parents, action, seconds, signed, text)| Spec {
                parents: parents.iter().map(|i| i.index(usize::MAX)).collect(),
                action,
                seconds: 1_700_000_000 + seconds,
                signed,
                text,
            })
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            3 => Just(Damage::None),
            1 => Just(Damage::Delete),
            1 => any::<usize>().prop_map(Damage::Truncate),
            1 => any::<usize>().prop_map(Damage::Flip),
            1 => "[a-z\t\n ]{1,8}".prop_map(Damage::Append),
        ]
    }

    fn build(repo: &Repository, specs: &[Spec]) -> Vec<Oid> {
        let tree = {
            let b = repo.treebuilder(None).unwrap();
            repo.find_tree(b.write().unwrap()).unwrap()
        };
        let mut oids: Vec<Oid> = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let mut parents: Vec<Oid> = if i == 0 {
                vec![]
            } else {
                s.parents.iter().map(|p| oids[p % i]).collect()
            };
            parents.dedup();
            let parents: Vec<git2::Commit> = parents
                .iter()
                .map(|p| repo.find_commit(*p).unwrap())
                .collect();
            let parents: Vec<&git2::Commit> = parents.iter().collect();
            let who = Signature::new("a", "a@example.com", &Time::new(s.seconds, 0)).unwrap();
            let mut message = format!("{} {i}\n\nbody {}\n", s.text, s.text);
            if s.action {
                message.push_str(&format!(
                    "\nWf-Action: act{i}\nWf-Task: T-00000{}\nWf-Note: {}\n",
                    i % 3,
                    s.text
                ));
            }
            let buf = repo
                .commit_create_buffer(&who, &who, &message, &tree, &parents)
                .unwrap();
            let buf = buf.as_str().unwrap().to_string();
            let oid = if s.signed {
                repo.commit_signed(
                    &buf,
                    "-----BEGIN SSH SIGNATURE-----\nnot one\n-----END SSH SIGNATURE-----",
                    None,
                )
                .unwrap()
            } else {
                repo.odb()
                    .unwrap()
                    .write(git2::ObjectType::Commit, buf.as_bytes())
                    .unwrap()
            };
            oids.push(oid);
        }
        oids
    }

    fn facts(a: &Actions) -> Vec<Fact> {
        a.iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever happened to the index between reads (deleted, truncated, a byte changed,
        /// garbage appended), and in whatever order tips were read (forward, back, sideways),
        /// the answer is the one read from git alone, and every commit comes before its
        /// parents.
        #[test]
        fn the_index_answers_as_a_full_read_does(
            specs in prop::collection::vec(spec(), 1..24),
            reads in prop::collection::vec((any::<prop::sample::Index>(), damage()), 1..6),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let oids = build(&repo, &specs);
            for (tip, damage) in reads {
                let file = path(&repo);
                match damage {
                    Damage::None => {}
                    Damage::Delete => { let _ = std::fs::remove_file(&file); }
                    Damage::Truncate(n) => {
                        if let Ok(b) = std::fs::read(&file) {
                            std::fs::write(&file, &b[..n % (b.len() + 1)]).unwrap();
                        }
                    }
                    Damage::Flip(n) => {
                        if let Ok(mut b) = std::fs::read(&file) {
                            if !b.is_empty() {
                                let i = n % b.len();
                                b[i] ^= 0x01;
                                std::fs::write(&file, &b).unwrap();
                            }
                        }
                    }
                    Damage::Append(s) => {
                        if let Ok(mut b) = std::fs::read(&file) {
                            b.extend_from_slice(s.as_bytes());
                            std::fs::write(&file, &b).unwrap();
                        }
                    }
                }
                let tip = oids[tip.index(oids.len())];
                let indexed = facts(&actions(&repo, tip).unwrap());
                let full = facts(&actions_without_index(&repo, tip).unwrap());
                prop_assert_eq!(&indexed, &full);
                // A second read, from the index just written, answers the same.
                prop_assert_eq!(&facts(&actions(&repo, tip).unwrap()), &full);
                let place: HashMap<Oid, usize> =
                    full.iter().enumerate().map(|(i, f)| (f.commit, i)).collect();
                for f in &full {
                    let mut walk = repo.revwalk().unwrap();
                    walk.push(f.commit).unwrap();
                    for a in walk.skip(1) {
                        if let Some(j) = place.get(&a.unwrap()) {
                            prop_assert!(*j > place[&f.commit], "a parent before its child");
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The breadth-first walk answers as libgit2's merge-base search does, on random
        /// histories with merges and times that go backwards.
        #[test]
        fn descends_from_answers_as_libgit2_does(
            specs in prop::collection::vec(spec(), 1..24),
            pairs in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..12),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let oids = build(&repo, &specs);
            for (a, b) in pairs {
                let (a, b) = (oids[a.index(oids.len())], oids[b.index(oids.len())]);
                prop_assert_eq!(
                    crate::repo::descends_from(&repo, a, b).unwrap(),
                    repo.graph_descendant_of(a, b).unwrap(),
                    "{} from {}", a, b
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The verifier's range (`verify::commits`) on random histories with merges and times
        /// that go backwards: with one excluded commit, exactly libgit2's walk; with several,
        /// libgit2's commits and at most commits an excluded tip already reaches (judged again,
        /// never skipped); parents always before children.
        #[test]
        fn a_range_lists_what_libgit2_walks(
            specs in prop::collection::vec(spec(), 1..24),
            ranges in prop::collection::vec(
                (any::<prop::sample::Index>(), prop::collection::vec(any::<prop::sample::Index>(), 1..4)),
                1..8,
            ),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let oids = build(&repo, &specs);
            for (tip, excluded) in ranges {
                let tip = oids[tip.index(oids.len())];
                let exclude: Vec<Oid> = excluded.iter().map(|i| oids[i.index(oids.len())]).collect();
                let range = crate::verify::Range { include: vec![tip], exclude: exclude.clone() };
                let ours = crate::verify::commits(&repo, &range).unwrap();
                let mut walk = repo.revwalk().unwrap();
                walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).unwrap();
                walk.push(tip).unwrap();
                for e in &exclude {
                    walk.hide(*e).unwrap();
                }
                let theirs: Vec<Oid> = walk.collect::<Result<_, _>>().unwrap();
                if exclude.len() == 1 {
                    prop_assert_eq!(&ours, &theirs);
                }
                for c in &theirs {
                    prop_assert!(ours.contains(c), "{} is left out", c);
                }
                for c in ours.iter().filter(|c| !theirs.contains(c)) {
                    prop_assert!(
                        exclude.iter().any(|e| repo.graph_descendant_of(*e, *c).unwrap()),
                        "{} is listed but no excluded tip reaches it", c
                    );
                }
                for (i, c) in ours.iter().enumerate() {
                    for p in repo.find_commit(*c).unwrap().parent_ids() {
                        if let Some(j) = ours.iter().position(|x| *x == p) {
                            prop_assert!(j < i, "{} comes after its child {}", p, c);
                        }
                    }
                }
            }
        }
    }

    /// An index of one branch serves a branch beside it (a clone's own work, then the
    /// upstream it syncs with): only the commits since their common ancestor are read, and the
    /// answer is a full read's; asked for the first branch again, the same.
    #[test]
    fn a_branch_beside_the_indexed_one_reads_only_its_own_commits() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let spec = |parents: Vec<usize>, i: i64| Spec {
            parents,
            action: i % 2 == 0,
            seconds: 1_700_000_000 + i,
            signed: false,
            text: String::new(),
        };
        // A line of 40 commits; then 5 on one branch (40..45) and 7 on another (45..52).
        let mut specs: Vec<Spec> = (0..40)
            .map(|i| spec(vec![i.max(1) - 1], i as i64))
            .collect();
        specs.extend((40..45).map(|i| spec(vec![i - 1], i as i64)));
        specs.push(spec(vec![39], 45));
        specs.extend((46..52).map(|i| spec(vec![i - 1], i as i64)));
        let oids = build(&repo, &specs);
        let (mine, theirs) = (oids[44], oids[51]);
        let mut total = 0;
        actions_with_progress(&repo, mine, &mut |_, n| total = n).unwrap();
        assert_eq!(total, 45);
        for (tip, own) in [(theirs, 7), (mine, 5), (oids[20], 0)] {
            let mut read = 0;
            let got = actions_with_progress(&repo, tip, &mut |_, n| read = n).unwrap();
            assert_eq!(read, own, "{tip}");
            assert_eq!(
                facts(&got),
                facts(&actions_without_index(&repo, tip).unwrap())
            );
        }
    }

    /// A commit built with plumbing whose parent line names a blob, or an object that is not
    /// there: an error (as libgit2 gives), never "it descends", whatever the order of its
    /// parents, and no panic.
    #[test]
    fn descends_from_stops_at_parents_that_are_no_commits() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let root = build(&repo, &[spec_of(0)])[0];
        let blob = repo.blob(b"not a commit\n").unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let odb = repo.odb().unwrap();
        let forged = |parents: &[String]| raw_commit(&odb, tree, parents);
        let missing = "1".repeat(40);
        let through_blob = forged(&[blob.to_string(), root.to_string()]);
        let through_missing = forged(std::slice::from_ref(&missing));
        let blob_last = forged(&[root.to_string(), blob.to_string()]);
        for bad in [through_blob, blob_last, through_missing] {
            assert!(
                crate::repo::descends_from(&repo, bad, root).is_err(),
                "{bad}"
            );
            assert!(
                !repo.graph_descendant_of(bad, root).unwrap_or(false),
                "{bad}"
            );
        }
        assert!(!crate::repo::descends_from(&repo, root, through_blob).unwrap());
        assert!(!crate::repo::descends_from(&repo, root, root).unwrap());
    }

    fn spec_of(seconds: i64) -> Spec {
        Spec {
            parents: vec![],
            action: false,
            seconds: 1_700_000_000 + seconds,
            signed: false,
            text: "root".into(),
        }
    }

    #[test]
    fn signatures_and_text_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let specs = vec![Spec {
            parents: vec![],
            action: true,
            seconds: 1_700_000_000,
            signed: true,
            text: "a\\b\tc\r".into(),
        }];
        let oids = build(&repo, &specs);
        let got = facts(&actions(&repo, oids[0]).unwrap());
        assert_eq!(got.len(), 1);
        assert!(matches!(got[0].signature, SigStatus::Bad(_)), "{got:?}");
        assert_eq!(got[0].generation, 1);
        assert_eq!(trailer::get(&got[0].trailers, "Wf-Note"), Some("a\\b\tc"));
        assert_eq!(facts(&actions(&repo, oids[0]).unwrap()), got);
    }
}
