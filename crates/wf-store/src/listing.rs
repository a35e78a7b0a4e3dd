//! The task listing, `<git-dir>/wf-task-list-1`: each task file read once, kept by its blob id,
//! so that `wf-ls` and `wf-stats` read a list of rows instead of parsing every task file.
//!
//! It is only a cache (`spec/store.md`, "The task listing"): a task file's blob id names its
//! bytes, and the row kept for it is what reading those bytes gave (the fields a listing shows,
//! and the whole task as JSON for the tools that need it). The tree of the commit is still
//! read, by the canonical reader, on every call: which tasks exist and which bytes each one
//! holds come from git, never from the file. A file that is missing, cut short, changed or not
//! written by this version of wf is rebuilt; one that cannot be written costs time only.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

use git2::Oid;
use wf_core::task::TaskState;
use wf_core::Task;

use crate::error::StoreError;
use crate::history::{escape, unescape};
use crate::repo::Store;
use crate::snapshot::Snapshot;

type Result<T> = std::result::Result<T, StoreError>;

const FILE: &str = "wf-task-list-1";

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
    /// Where the task's JSON is in the text.
    json: (usize, usize),
}

/// The tasks of a commit, ordered by `created_at` then id.
#[derive(Debug)]
pub struct Listing {
    text: String,
    rows: Vec<Row>,
}

impl Listing {
    /// The rows, ordered by `created_at` then id.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The whole task of a row: the listing's copy, or (should it not read back) the file.
    pub fn task(&self, store: &Store, snap: &Snapshot, row: &Row) -> Result<Task> {
        let (a, b) = row.json;
        match serde_json::from_str(&self.text[a..b]) {
            Ok(t) => Ok(t),
            Err(_) => snap.task(store, &row.id),
        }
    }
}

fn path(store: &Store) -> PathBuf {
    store.git().path().join(FILE)
}

/// The tasks at `snap`, each file read once per version of its bytes.
pub fn list(store: &Store, snap: &Snapshot) -> Result<Listing> {
    let files = store.task_files(snap.commit)?;
    let file = path(store);
    let cached = std::fs::read(&file)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(load)
        .unwrap_or_default();
    let mut text = header();
    let mut rows = Vec::with_capacity(files.len());
    let mut changed = cached.len() != files.len();
    for (id, blob) in files {
        let row = match cached.get(&blob) {
            Some(line) => {
                let start = text.len();
                text.push_str(line);
                text.push('\n');
                parse_line(&text, start)
            }
            None => None,
        };
        let row = match row {
            Some(r) => r,
            None => {
                changed = true;
                let task = snap.task(store, &id)?;
                let start = text.len();
                render(blob, &task, &mut text);
                parse_line(&text, start).ok_or_else(|| {
                    StoreError::BadFile(Task::path(&id), "cannot be listed".into())
                })?
            }
        };
        // Two task files with the same bytes: the blob names one id, and the other file says
        // an id that is not its own, as reading it would say.
        if row.id != id {
            return Err(StoreError::BadFile(
                Task::path(&id),
                format!("says its id is {}", row.id),
            ));
        }
        rows.push(row);
    }
    let crc = crc32fast::hash(text.as_bytes());
    let body_end = text.len();
    let _ = writeln!(text, "end {} {crc:08x}", rows.len());
    if changed {
        let _ = crate::sync::write_atomic(&file, text.as_bytes());
    }
    text.truncate(body_end);
    rows.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    Ok(Listing { text, rows })
}

// The file: the header; a line per task file,
//   <blob> <id> <created_at> <open|closed> <step> <workflow> <approver> <owner> <created_by>
//   <+assignee|-> <title> <json>
// separated by tabs, text fields escaped as in the event index (the JSON is compact, so it
// holds no raw tab or line feed); a last line `end <count> <crc32 of all before it>`.

fn render(blob: Oid, task: &Task, out: &mut String) {
    let _ = write!(out, "{blob}\t");
    for field in [&task.id, &task.created_at] {
        escape(field, out);
        out.push('\t');
    }
    out.push_str(if task.state == TaskState::Closed {
        "closed\t"
    } else {
        "open\t"
    });
    for field in [
        &task.step,
        &task.workflow,
        &task.approver,
        &task.owner,
        &task.created_by,
    ] {
        escape(field, out);
        out.push('\t');
    }
    match task.assignee() {
        Some(a) => {
            out.push('+');
            escape(a, out);
        }
        None => out.push('-'),
    }
    out.push('\t');
    escape(&task.title, out);
    out.push('\t');
    out.push_str(&serde_json::to_string(task).unwrap_or_default());
    out.push('\n');
}

/// The lines of a whole, well-formed file by blob; `None` when it is not one.
fn load(text: String) -> Option<HashMap<Oid, String>> {
    let trimmed = text.strip_suffix('\n')?;
    let footer_at = trimmed.rfind('\n')? + 1;
    let mut end = trimmed[footer_at..].strip_prefix("end ")?.split(' ');
    let count: usize = end.next()?.parse().ok()?;
    let crc = u32::from_str_radix(end.next()?, 16).ok()?;
    if end.next().is_some() || crc32fast::hash(&text.as_bytes()[..footer_at]) != crc {
        return None;
    }
    let body = text[..footer_at].strip_prefix(header().as_str())?;
    let mut out = HashMap::with_capacity(count);
    for line in body.lines() {
        let blob = Oid::from_str(line.split('\t').next()?).ok()?;
        out.insert(blob, line.to_string());
    }
    (out.len() == count).then_some(out)
}

/// The row of the line starting at `start` of `text` (and ending with a line feed).
fn parse_line(text: &str, start: usize) -> Option<Row> {
    let end = start + text[start..].find('\n')?;
    let line = &text[start..end];
    let mut f = line.splitn(12, '\t');
    let blob = Oid::from_str(f.next()?).ok()?;
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
    let json = f.next()?;
    if !json.starts_with('{') || !json.ends_with('}') || json.contains('\t') {
        return None;
    }
    let json_start = end - json.len();
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
        json: (json_start, end),
    })
}
