//! The task listing, `<git-dir>/wf-task-list-1` and `<git-dir>/wf-task-json-1`: each task file
//! read once, kept by its blob id, so that `wf-ls` and `wf-stats` read a list of rows instead of
//! parsing every task file.
//!
//! It is only a cache (`spec/store.md`, "The task listing"): a task file's blob id names its
//! bytes, and the row kept for it is what reading those bytes gave: the fields a listing shows
//! (in the list file, small, read on every call) and the whole task as JSON (in the JSON file,
//! read only by a tool that asks for a whole task). The tree of the commit is still read, by the
//! canonical reader, on every call: which tasks exist and which bytes each one holds come from
//! git, never from the files. Files that are missing, cut short, changed, out of step with each
//! other or not written by this version of wf are rebuilt; files that cannot be written cost
//! time only.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

use git2::Oid;
use rayon::prelude::*;
use wf_core::task::TaskState;
use wf_core::Task;

use crate::cachefile::{self, escape, unescape};
use crate::error::StoreError;
use crate::repo::Store;
use crate::snapshot::Snapshot;

type Result<T> = std::result::Result<T, StoreError>;

const LIST: &str = "wf-task-list-1";
const JSON: &str = "wf-task-json-1";

/// The header: the format and the version of wf that wrote it (a task file read by another
/// version may read differently).
fn header() -> String {
    format!("wf-task-list 1 {}\n", env!("CARGO_PKG_VERSION"))
}

/// One task as the listing keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The task file's blob.
    pub blob: Oid,
    /// `id`.
    pub id: String,
    /// `created_at`.
    pub created_at: String,
    /// Whether `state` is `closed`.
    pub closed: bool,
    /// `step`.
    pub step: String,
    /// `workflow`.
    pub workflow: String,
    /// `approver`.
    pub approver: String,
    /// `owner`.
    pub owner: String,
    /// `created_by`.
    pub created_by: String,
    /// The current step's assignee ([`Task::assignee`]).
    pub assignee: Option<String>,
    /// `title`.
    pub title: String,
    /// Where the task's JSON is in the JSON file.
    json: (usize, usize),
}

/// The tasks of a commit, ordered by `created_at` then id.
#[derive(Debug)]
pub struct Listing {
    rows: Vec<Row>,
    /// The JSON file as the list file describes it (its length and CRC-32).
    json_file: PathBuf,
    json_check: (usize, u32),
    /// The JSON text: as just written, or read when first asked for (`None`: not the file the
    /// list describes, so every task is read from git).
    json: OnceCell<Option<String>>,
}

impl Listing {
    /// The rows, ordered by `created_at` then id.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The whole task of a row: the listing's copy, or (should it not read back) the file.
    pub fn task(&self, store: &Store, snap: &Snapshot, row: &Row) -> Result<Task> {
        match self.task_text(row).map(serde_json::from_str) {
            Some(Ok(t)) => Ok(t),
            _ => snap.task(store, &row.id),
        }
    }

    /// The listing's copy of a row's task, as compact JSON (`None`: read it with
    /// [`Listing::task`]). For readers that parse many tasks at once, on all cores.
    pub fn task_text(&self, row: &Row) -> Option<&str> {
        let json = self.json.get_or_init(|| {
            let text = read_json(&self.json_file, self.json_check);
            if text.is_none() {
                // Out of step with the list: both are rebuilt by the next listing.
                let _ = std::fs::remove_file(self.json_file.with_file_name(LIST));
            }
            text
        });
        let (a, b) = row.json;
        json.as_deref().and_then(|j| j.get(a..b))
    }
}

/// The JSON file, when it is the one of that length and CRC-32.
fn read_json(file: &std::path::Path, (len, crc): (usize, u32)) -> Option<String> {
    let text = String::from_utf8(std::fs::read(file).ok()?).ok()?;
    (text.len() == len && crc32fast::hash(text.as_bytes()) == crc).then_some(text)
}

/// The tasks at `snap`, each file read once per version of its bytes.
pub fn list(store: &Store, snap: &Snapshot) -> Result<Listing> {
    let dir = store.git().path();
    let (list_file, json_file) = (dir.join(LIST), dir.join(JSON));
    let tasks = store.tasks_tree(snap.commit)?;
    let (old, lines, json_check, listed) = std::fs::read(&list_file)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(load)
        .unwrap_or_default();
    // The list of this very `tasks/` folder: its rows, in the order they were written (the
    // listing's). The folder's tree id names the bytes of every task file below it, so the
    // folders need not be read again; they were read through the canonical check, and each
    // file's row checked against its name, when the list was written.
    if tasks.is_some() && listed == tasks {
        let rows: Option<Vec<Row>> = lines.iter().map(|(_, r)| parse_line(&old, *r)).collect();
        if let Some(rows) = rows.filter(|r| r.is_sorted_by(|a, b| key(a) < key(b))) {
            return Ok(Listing {
                rows,
                json_file,
                json_check,
                json: OnceCell::new(),
            });
        }
    }
    let files = store.task_files(snap.commit)?;
    let index: HashMap<Oid, (usize, usize)> = lines.into_iter().collect();
    // Every task file's row read from the list as it is, when every one is there.
    let mut rows = Vec::with_capacity(files.len());
    if index.len() == files.len() {
        for (id, blob) in &files {
            match index.get(blob).and_then(|r| parse_line(&old, *r)) {
                Some(row) => {
                    check_id(&row, id)?;
                    rows.push(row);
                }
                None => break,
            }
        }
    }
    if rows.len() == files.len() {
        let rows = in_order(rows);
        if listed != tasks {
            // The same files in another folder (or a list that named none): named for it.
            let _ = crate::sync::write_atomic(
                &list_file,
                list_text(tasks, &rows, json_check).as_bytes(),
            );
        }
        return Ok(Listing {
            rows,
            json_file,
            json_check,
            json: OnceCell::new(),
        });
    }
    // Otherwise new files: the rows kept (with their JSON, when the JSON file is the one the
    // list describes), the others read from git.
    let old_json = read_json(&json_file, json_check);
    rows.clear();
    // The rows kept as they are; the other files' bytes read here and parsed on all cores.
    let reader = store.reader()?;
    let mut work = Vec::with_capacity(files.len());
    for (id, blob) in files {
        let kept = index
            .get(&blob)
            .and_then(|r| parse_line(&old, *r))
            .and_then(|row| {
                let task_json = old_json.as_deref()?.get(row.json.0..row.json.1)?;
                Some((row, task_json.to_string()))
            });
        work.push(match kept {
            Some(k) => Work::Kept(id, Box::new(k)),
            None => {
                let path = Task::path(&id);
                let bytes = reader.blob(blob, &path, wf_core::task::MAX_FILE_SIZE)?;
                Work::Read(id, blob, bytes)
            }
        });
    }
    let done: Vec<Result<(Row, String)>> = work.into_par_iter().map(Work::row).collect();
    // Sized once: tens of megabytes at 10,000 tasks, not grown by doubling.
    let mut json = String::with_capacity(
        done.iter()
            .map(|r| r.as_ref().map_or(0, |(_, j)| j.len() + 1))
            .sum(),
    );
    for r in done {
        let (row, task_json) = r?;
        let row = Row {
            json: (json.len(), json.len() + task_json.len()),
            ..row
        };
        json.push_str(&task_json);
        json.push('\n');
        rows.push(row);
    }
    let rows = in_order(rows);
    let json_check = (json.len(), crc32fast::hash(json.as_bytes()));
    // The JSON first: a list is never written before the JSON it describes.
    if crate::sync::write_atomic(&json_file, json.as_bytes()).is_ok() {
        let _ =
            crate::sync::write_atomic(&list_file, list_text(tasks, &rows, json_check).as_bytes());
    }
    let listing = Listing {
        rows,
        json_file,
        json_check,
        json: OnceCell::new(),
    };
    let _ = listing.json.set(Some(json));
    Ok(listing)
}

/// The rows ordered by `created_at`, then id (unique: a task's id is its file's name, checked).
/// The order is found on their indices and the rows moved once: a row is about 300 bytes, and
/// moving rows as a sort goes was most of listing 10,000 tasks.
fn in_order(rows: Vec<Row>) -> Vec<Row> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| key(&rows[a]).cmp(&key(&rows[b])));
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// The list file of the `tasks/` folder `tasks`: its rows, in the listing's order (a list of
/// the same folder is read back in it), and the JSON file they point into.
fn list_text(tasks: Option<Oid>, rows: &[Row], (len, crc): (usize, u32)) -> String {
    let mut text = header();
    if let Some(t) = tasks {
        let _ = writeln!(text, "tasks {t}");
    }
    for row in rows {
        render(row, &mut text);
    }
    let _ = writeln!(text, "json {len} {crc:08x}");
    cachefile::seal(&mut text, rows.len());
    text
}

/// What rows are ordered by.
fn key(row: &Row) -> (&str, &str) {
    (&row.created_at, &row.id)
}

/// A task file for the listing: its row kept from the list, or its bytes to parse.
enum Work {
    Kept(String, Box<(Row, String)>),
    Read(String, Oid, Vec<u8>),
}

impl Work {
    /// The row and the compact JSON of the task, read as `Snapshot::task` reads it.
    fn row(self) -> Result<(Row, String)> {
        match self {
            Work::Kept(id, kept) => {
                check_id(&kept.0, &id)?;
                Ok(*kept)
            }
            Work::Read(id, blob, bytes) => {
                let path = Task::path(&id);
                let text =
                    String::from_utf8(bytes).map_err(|_| StoreError::NotUtf8(path.clone()))?;
                // The canonical reader first, as the verifier reads task files: what it
                // reads is what `Task::parse` reads (it is kept only when the task writes back
                // to the very bytes), at a tenth of the cost; anything else is left to the
                // parser, and its error.
                let task = match Task::parse_canonical(&text) {
                    Some(t) => t,
                    None => {
                        Task::parse(&text).map_err(|e| StoreError::BadFile(path, e.to_string()))?
                    }
                };
                let row = row_of(blob, &task);
                check_id(&row, &id)?;
                Ok((row, serde_json::to_string(&task).unwrap_or_default()))
            }
        }
    }
}

/// Refuse a row whose task says another id than its file's name, as reading the file would
/// (two task files with the same bytes share a blob: one of them says an id not its own).
fn check_id(row: &Row, id: &str) -> Result<()> {
    if row.id != id {
        return Err(StoreError::BadFile(
            Task::path(id),
            format!("says its id is {}", row.id),
        ));
    }
    Ok(())
}

// The list file: the header; a line `tasks <tree>` naming the `tasks/` folder it lists (when
// the commit has one); a line per task file, in the listing's order (`created_at`, then id),
//   <blob> <id> <created_at> <open|closed> <step> <workflow> <approver> <owner> <created_by>
//   <+assignee|-> <title> <offset> <length>
// separated by tabs, text fields escaped as in the event index, <offset> and <length> where the
// task's compact JSON is in the JSON file; a line `json <length> <crc32>` of the JSON file; a
// last line `end <count> <crc32 of all before it>`. The JSON file holds each task's compact
// JSON, each followed by a line feed.

/// The row of a task read from git.
fn row_of(blob: Oid, task: &Task) -> Row {
    Row {
        blob,
        id: task.id.clone(),
        created_at: task.created_at.clone(),
        closed: task.state == TaskState::Closed,
        step: task.step.clone(),
        workflow: task.workflow.clone(),
        approver: task.approver.clone(),
        owner: task.owner.clone(),
        created_by: task.created_by.clone(),
        assignee: task.assignee().map(str::to_string),
        title: task.title.clone(),
        json: (0, 0),
    }
}

/// The line of a row.
fn render(row: &Row, out: &mut String) {
    let _ = write!(out, "{}\t", row.blob);
    for field in [&row.id, &row.created_at] {
        escape(field, out);
        out.push('\t');
    }
    out.push_str(if row.closed { "closed\t" } else { "open\t" });
    for field in [
        &row.step,
        &row.workflow,
        &row.approver,
        &row.owner,
        &row.created_by,
    ] {
        escape(field, out);
        out.push('\t');
    }
    match &row.assignee {
        Some(a) => {
            out.push('+');
            escape(a, out);
        }
        None => out.push('-'),
    }
    out.push('\t');
    escape(&row.title, out);
    let (at, end) = row.json;
    let _ = writeln!(out, "\t{at}\t{}", end - at);
}

/// A whole, well-formed list file: its text, each line's blob and where the line is (in the
/// file's order), the length and CRC-32 of the JSON file it describes, and the `tasks/` tree it
/// lists (when it names one); `None` when it is not one.
type Loaded = (
    String,
    Vec<(Oid, (usize, usize))>,
    (usize, u32),
    Option<Oid>,
);

fn load(text: String) -> Option<Loaded> {
    let (footer_at, count) = cachefile::checked(&text)?;
    let trimmed = &text[..text.len() - 1];
    let json_at = trimmed[..footer_at - 1].rfind('\n')? + 1;
    let mut j = trimmed[json_at..footer_at - 1]
        .strip_prefix("json ")?
        .split(' ');
    let json_check = (
        j.next()?.parse().ok()?,
        u32::from_str_radix(j.next()?, 16).ok()?,
    );
    let head = header();
    if !text.starts_with(&head) {
        return None;
    }
    let mut start = head.len();
    let mut tasks = None;
    if let Some(rest) = text[start..json_at].strip_prefix("tasks ") {
        let end = rest.find('\n')?;
        tasks = Some(cachefile::oid(&rest[..end])?);
        start += "tasks ".len() + end + 1;
    }
    let mut lines = Vec::with_capacity(count);
    while start < json_at {
        let end = start + text[start..json_at].find('\n')?;
        let blob = cachefile::oid(cachefile::fields(&text[start..end]).next()?)?;
        lines.push((blob, (start, end)));
        start = end + 1;
    }
    (lines.len() == count).then_some((text, lines, json_check, tasks))
}

/// The row of the line at `start..end` of `text`.
fn parse_line(text: &str, (start, end): (usize, usize)) -> Option<Row> {
    let line = text.get(start..end)?;
    let mut f = cachefile::fields(line);
    let blob = cachefile::oid(f.next()?)?;
    let id = unescape(f.next()?)?;
    let created_at = unescape(f.next()?)?;
    let closed = match f.next()? {
        "open" => false,
        "closed" => true,
        _ => return None,
    };
    let step = unescape(f.next()?)?;
    let workflow = unescape(f.next()?)?;
    let approver = unescape(f.next()?)?;
    let owner = unescape(f.next()?)?;
    let created_by = unescape(f.next()?)?;
    let assignee = match f.next()? {
        "-" => None,
        a => Some(unescape(a.strip_prefix('+')?)?),
    };
    let title = unescape(f.next()?)?;
    let at: usize = f.next()?.parse().ok()?;
    let len: usize = f.next()?.parse().ok()?;
    if f.next().is_some() {
        return None;
    }
    Some(Row {
        blob,
        id,
        created_at,
        closed,
        step,
        workflow,
        approver,
        owner,
        created_by,
        assignee,
        title,
        json: (at, at.checked_add(len)?),
    })
}

const VIEWS: &str = "wf-task-view-1";

/// Text a tool derives from a task file and the `.wf/` files (what `wf-ls --json` prints of a
/// task), kept by the file's blob id in `<git-dir>/wf-task-view-1` for one `key` (the tool's
/// name for what it derives and a digest of the `.wf/` files it was derived under), and for the
/// clocks from a time on (`not_before`, in seconds since the epoch: a view may say nothing of
/// times that a clock before that would show as ahead of it). A view is any text: each is
/// stored as a line `<blob> <length> <not_before>` and its bytes, then a line feed.
///
/// Only a cache, like the listing: the file is read only when it is whole (its last line seals
/// the count and CRC-32 of the rest) and was written by this version of wf for the same key;
/// otherwise it is as if empty.
#[derive(Debug)]
pub struct Views {
    path: PathBuf,
    key: String,
    text: String,
    index: HashMap<Oid, (usize, usize, i64)>,
    added: HashMap<Oid, (String, i64)>,
}

fn views_header(key: &str) -> String {
    format!("wf-task-view 2 {} {key}\n", env!("CARGO_PKG_VERSION"))
}

impl Views {
    /// The views kept for `key` (none when the file is missing, damaged or for another key).
    pub fn open(store: &Store, key: &str) -> Views {
        Views::open_at(store.git().path().join(VIEWS), key)
    }

    fn open_at(path: PathBuf, key: &str) -> Views {
        let mut views = Views {
            path,
            key: key.replace(['\n', ' '], "_"),
            text: String::new(),
            index: HashMap::new(),
            added: HashMap::new(),
        };
        if let Some((text, index)) = std::fs::read(&views.path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| load_views(t, &views_header(&views.key)))
        {
            views.text = text;
            views.index = index;
        }
        views
    }

    /// The view of a task file's blob for a clock at `now` (seconds since the epoch), when
    /// one is kept (or put since) for that clock.
    pub fn get(&self, blob: Oid, now: i64) -> Option<&str> {
        self.get_any(blob)
            .and_then(|(v, not_before)| (now >= not_before).then_some(v))
    }

    /// The view of a blob put since, else the one read from the file.
    fn get_any(&self, blob: Oid) -> Option<(&str, i64)> {
        match self.added.get(&blob) {
            Some((v, n)) => Some((v.as_str(), *n)),
            None => {
                let (a, b, not_before) = self.index.get(&blob)?;
                Some((self.text.get(*a..*b)?, *not_before))
            }
        }
    }

    /// Keep a view that holds for the clocks from `not_before` on (in place of one kept
    /// before), written by [`Views::save`].
    pub fn put(&mut self, blob: Oid, view: String, not_before: i64) {
        self.added.insert(blob, (view, not_before));
    }

    /// Write the file again when views were added: those of `live` blobs (the task files of
    /// the commit listed), in that order. Failing to write it costs time only.
    pub fn save(self, live: impl IntoIterator<Item = Oid>) {
        if self.added.is_empty() {
            return;
        }
        // Written as it goes: the views are tens of megabytes at 10,000 tasks, and are not
        // copied into one text to be written.
        let _ = crate::sync::write_atomic_with(&self.path, |out| {
            let mut out = cachefile::Sealing::new(out);
            out.write(views_header(&self.key).as_bytes())?;
            let (mut count, mut line) = (0, String::new());
            for blob in live {
                if let Some((v, not_before)) = self.get_any(blob) {
                    line.clear();
                    let _ = writeln!(line, "{blob} {} {not_before}", v.len());
                    out.write(line.as_bytes())?;
                    out.write(v.as_bytes())?;
                    out.write(b"\n")?;
                    count += 1;
                }
            }
            out.finish(count)
        });
    }
}

/// A whole views file with this header: its text and where each blob's view is.
/// Where each blob's text is in a file (its start and end), and from when it holds.
type Spans = HashMap<Oid, (usize, usize, i64)>;

fn load_views(text: String, head: &str) -> Option<(String, Spans)> {
    let (footer_at, count) = cachefile::checked(&text)?;
    if !text.starts_with(head) {
        return None;
    }
    let mut index = HashMap::with_capacity(count);
    let mut start = head.len();
    while start < footer_at {
        let eol = start + text[start..footer_at].find('\n')?;
        let mut f = text[start..eol].split(' ');
        let blob = cachefile::oid(f.next()?)?;
        let len: usize = f.next()?.parse().ok()?;
        let not_before: i64 = f.next()?.parse().ok()?;
        if f.next().is_some() {
            return None;
        }
        let end = eol.checked_add(1)?.checked_add(len)?;
        if text.as_bytes().get(end) != Some(&b'\n') || end >= footer_at {
            return None;
        }
        index.insert(blob, (eol + 1, end, not_before));
        start = end + 1;
    }
    (index.len() == count).then_some((text, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Views are kept for one key, only whole, and for the clocks they hold for: another key,
    /// any damage, or a clock before a view's `not_before` reads as none.
    #[test]
    fn views_answer_only_for_their_key_their_clocks_and_only_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VIEWS);
        let (a, b, gone) = (
            Oid::hash_object(git2::ObjectType::Blob, b"a").unwrap(),
            Oid::hash_object(git2::ObjectType::Blob, b"b").unwrap(),
            Oid::hash_object(git2::ObjectType::Blob, b"c").unwrap(),
        );
        let now = 1_764_547_200;
        let mut v = Views::open_at(path.clone(), "k1");
        assert_eq!(v.get(a, now), None);
        v.put(a, "{\"a\":1}".into(), i64::MIN);
        v.put(b, "two\nlines".into(), now);
        v.put(gone, "{}".into(), 0);
        assert_eq!(v.get(a, now), Some("{\"a\":1}"));
        assert_eq!(v.get(b, now - 1), None, "a clock before the view's");
        v.save([a, b]);
        let v = Views::open_at(path.clone(), "k1");
        assert_eq!(
            (v.get(a, now), v.get(b, now), v.get(gone, now)),
            (Some("{\"a\":1}"), Some("two\nlines"), None)
        );
        assert_eq!(
            (v.get(a, i64::MIN), v.get(b, now - 1), v.get(b, i64::MAX)),
            (Some("{\"a\":1}"), None, Some("two\nlines")),
            "kept with the clocks they hold for"
        );
        assert_eq!(
            Views::open_at(path.clone(), "k2").get(a, now),
            None,
            "another key"
        );
        // A view put for a blob the file holds replaces it.
        let mut v = Views::open_at(path.clone(), "k1");
        v.put(b, "anew".into(), 0);
        assert_eq!(
            (v.get(b, now - 1), v.get(a, now)),
            (Some("anew"), Some("{\"a\":1}"))
        );
        let bytes = std::fs::read(&path).unwrap();
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x20;
            std::fs::write(&path, &damaged).unwrap();
            let v = Views::open_at(path.clone(), "k1");
            // None, or the very view (a hex digit of the CRC in another case is the same CRC).
            assert!(
                matches!(v.get(a, now), None | Some("{\"a\":1}")),
                "byte {i} changed"
            );
            assert!(v.get(b, now - 1).is_none(), "byte {i} changed");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(Views::open_at(path, "k1").get(a, now), None, "cut short");
    }
}
