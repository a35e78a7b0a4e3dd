//! `wf-ls`: the tasks, and the queues of who waits on what.

use std::collections::HashMap;

use clap::Parser;
use git2::Oid;
use rayon::prelude::*;
use serde_json::json;
use wf_core::due::lateness;
use wf_core::rules::holder_of;
use wf_core::stats::human_duration;
use wf_core::text::visible;

use crate::context;
use crate::error::CliError;
use crate::output::{color_stdout, nested, nul_ids, paint, print, push_compact_from_nested, Color};
use crate::task_json::task_json;
use wf_store::Snapshot;

/// List tasks: id, state, step, holder and title.
///
/// Filters make queues: "what waits for me" is `wf-ls --assignee me-id`; --overdue lists the
/// open tasks past their step's due date, latest first, with how late each is (measured at
/// GIT_COMMITTER_DATE when set, else the clock; times are the signers' claims). --json prints
/// one document (wf.tasks/1), --ndjson one wf.task/1 object per line, -z the ids alone, each
/// ended by a NUL byte, for `wf-TOOL -` and `xargs -0`.
#[derive(Parser, Debug)]
#[command(
    name = "wf-ls",
    group(clap::ArgGroup::new("format").args(["json", "ndjson", "nul"])),
    version,
    after_help = "Examples:\n  wf-ls --assignee bob --step review\n  wf-ls --overdue\n  wf-ls --json | jq -r '.tasks[] | select(.step==\"draft\") | .id'\n  wf-ls --step review --assignee bob -z | wf-assign - --to carol"
)]
pub struct Args {
    /// One JSON document (schema wf.tasks/1).
    #[arg(long)]
    pub json: bool,
    /// One JSON object per line (schema wf.task/1 each), streamed.
    #[arg(long)]
    pub ndjson: bool,
    /// Print only the ids, each followed by a NUL byte.
    #[arg(short = 'z')]
    pub nul: bool,
    /// Only tasks at this step.
    #[arg(long)]
    pub step: Option<String>,
    /// Only tasks whose current step this actor holds.
    #[arg(long)]
    pub assignee: Option<String>,
    /// Only open or only closed tasks.
    #[arg(long, value_parser = ["open", "closed"])]
    pub state: Option<String>,
    /// Only tasks at a step of this kind.
    #[arg(long, value_parser = ["produce", "review", "check", "approve"])]
    pub kind: Option<String>,
    /// Only open tasks past their step's due date, most late first.
    #[arg(long)]
    pub overdue: bool,
    /// With --json or --ndjson: only these keys of each task, comma-separated (any key of
    /// wf.task/1). id, title, state, step, step_kind, holder, workflow, approver, owner,
    /// created_by and created_at come from the task listing without reading the task itself.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    pub fields: Vec<String>,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-ls`.
pub fn run(args: Args) -> Result<(), CliError> {
    let fields = Fields::new(&args.fields)?;
    if fields.is_some() && !(args.json || args.ndjson) {
        return Err(CliError::usage(
            "--fields selects keys of the JSON objects",
            "add --json or --ndjson: wf-ls --ndjson --fields id,step,holder",
        ));
    }
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    let now = context::now()?;
    // The task listing (`spec/store.md`): each task file is parsed once per version of its
    // bytes; the tree is read from git every time.
    let listing = wf_store::listing::list(&store, &snap)?;
    let mut rows = Vec::new();
    for row in listing.rows() {
        let w = snap.workflow_if_any(&row.workflow);
        let h = w.and_then(|w| holder_of(w, &row.step, &row.approver, row.assignee.as_deref()));
        let state = if row.closed { "closed" } else { "open" };
        let step = w.and_then(|w| w.step(&row.step));
        let kind = step.map(|s| s.kind.as_str());
        if args.step.as_ref().is_some_and(|s| *s != row.step)
            || args.kind.as_ref().is_some_and(|k| Some(k.as_str()) != kind)
            || args
                .assignee
                .as_ref()
                .is_some_and(|a| h != Some(a.as_str()) || row.closed)
            || args.state.as_ref().is_some_and(|s| s != state)
        {
            continue;
        }
        // How late: only asked of the whole task when a due date could apply.
        let late = match w {
            Some(w) if args.overdue && step.is_some_and(|s| s.due_seconds().is_some()) => {
                lateness(w, &listing.task(&store, &snap, row)?, now)
            }
            _ => None,
        };
        if args.overdue && !late.as_ref().is_some_and(|l| l.overdue()) {
            continue;
        }
        rows.push((row, w, h, state, late.map(|l| l.late_seconds)));
    }
    if args.overdue {
        rows.sort_by_key(|r| std::cmp::Reverse(r.4));
    }
    if args.nul {
        return nul_ids(rows.iter().map(|r| r.0.id.as_str()));
    }
    if args.ndjson || args.json {
        // Streamed: one task at a time is parsed and printed, whatever their number.
        let mut pending = String::with_capacity(1 << 17);
        if args.json {
            pending.push_str("{\n  \"schema\": \"wf.tasks/1\",\n  \"tasks\": [");
        }
        // Each task's object is kept as `--json` prints it, by its file's blob
        // (`wf-task-view-1`), unless it has a due date: that part is measured at `now`.
        let mut views = wf_store::listing::Views::open(&store, &views_key(&snap));
        // The objects not kept yet, made on all cores from the listing's copies of the tasks.
        let wanted = !fields.as_ref().is_some_and(|f| f.from_row);
        let mut todo = Vec::new();
        for (row, w, ..) in rows.iter().filter(|_| wanted) {
            if views.get(row.blob, now.0).is_none() {
                let task = match listing.task_text(row) {
                    Some(text) => Err(text),
                    None => Ok(listing.task(&store, &snap, row)?),
                };
                todo.push((row.blob, *w, task));
            }
        }
        // Each object as `--json` prints it, and from which clock on it may be kept: not when a
        // due date is measured in it, nor when it shows signed times ahead of this clock (both
        // are measured at `now`); otherwise from the clock on which no time shows as ahead.
        let made: Vec<(Oid, Option<Made>)> = todo
            .into_par_iter()
            .map(|(blob, w, task)| {
                let task = match task {
                    Ok(t) => Some(t),
                    Err(text) => serde_json::from_str::<wf_core::Task>(text).ok(),
                };
                let text = task.map(|t| {
                    let v = task_json(w, &t, now);
                    let quiet = wf_core::due::quiet_from(&t);
                    let keep = (v["due"].is_null() && now.0 >= quiet).then_some(quiet);
                    (nested(&v, 2), keep)
                });
                (blob, text)
            })
            .collect();
        let mut fresh: HashMap<Oid, String> = HashMap::with_capacity(made.len());
        for (blob, made) in made {
            let (text, keep) = match made {
                Some(m) => m,
                // A copy that does not read back: the task read from git, as before.
                None => {
                    let Some(row) = rows.iter().find(|r| r.0.blob == blob).map(|r| r.0) else {
                        continue;
                    };
                    let w = snap.workflow_if_any(&row.workflow);
                    (
                        nested(&task_json(w, &snap.task(&store, &row.id)?, now), 2),
                        None,
                    )
                }
            };
            if let Some(from) = keep {
                views.put(blob, text, from);
            } else {
                fresh.insert(blob, text);
            }
        }
        for (i, (row, w, h, ..)) in rows.iter().enumerate() {
            // The object as `--json` prints it, or as a value to print.
            let (text, value) = match &fields {
                Some(f) if f.from_row => (None, Some(f.row(row, *w, *h))),
                _ => {
                    let text = match views
                        .get(row.blob, now.0)
                        .or(fresh.get(&row.blob).map(String::as_str))
                    {
                        Some(t) => t,
                        None => {
                            return Err(CliError::failure(format!("no object for task {}", row.id)))
                        }
                    };
                    match &fields {
                        Some(f) => (None, Some(f.pick(serde_json::from_str(text)?))),
                        None => (Some(text), None),
                    }
                }
            };
            if args.json {
                pending.push_str(if i == 0 { "\n    " } else { ",\n    " });
                match (text, &value) {
                    (Some(t), _) => pending.push_str(t),
                    (None, Some(v)) => pending.push_str(&nested(v, 2)),
                    (None, None) => {}
                }
            } else {
                match (text, &value) {
                    (Some(t), _) => push_compact_from_nested(&mut pending, t),
                    (None, Some(v)) => pending.push_str(&serde_json::to_string(v)?),
                    (None, None) => {}
                }
                pending.push('\n');
            }
            if pending.len() >= 1 << 16 {
                // Printed and emptied, its room kept: grown again from nothing for each
                // 64 KiB, it copied the whole output about twice over.
                print(&pending)?;
                pending.clear();
            }
        }
        views.save(listing.rows().iter().map(|r| r.blob));
        if args.json {
            pending.push_str(if rows.is_empty() {
                "]\n}\n"
            } else {
                "\n  ]\n}\n"
            });
        }
        return print(&pending);
    }
    let color = color_stdout();
    // The two states as shown, painted once.
    let open = paint("open  ", Color::Yellow, color);
    let closed = paint("closed", Color::Green, color);
    let mut out = String::with_capacity(rows.len() * 80);
    for (row, _, h, state, late) in &rows {
        // Fields are shown escaped: a file committed by hand may hold control characters.
        // Each is padded to its column by characters, as `{:<N}` pads.
        padded(&mut out, &visible(&row.id), 10);
        out.push(' ');
        out.push_str(if *state == "open" { &open } else { &closed });
        out.push(' ');
        padded(&mut out, &visible(&row.step), 10);
        out.push(' ');
        padded(&mut out, &visible(h.unwrap_or("-")), 14);
        out.push(' ');
        if let Some(s) = late.filter(|_| args.overdue) {
            out.push_str(&format!("{:>7} late ", human_duration(s)));
        }
        out.push_str(&visible(&row.title));
        out.push('\n');
    }
    print(&out)
}

/// A task's object as `--json` prints it, and the clock from which it may be kept (`None`: it
/// is measured at this call's clock, and made again at the next).
type Made = (String, Option<i64>);

/// `text`, then spaces up to `width` characters (none when it is longer).
fn padded(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    let n = text.chars().count();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
}

/// What the kept views of tasks are derived under: the schema and every file of `.wf/` (the
/// workflows give the derived keys).
fn views_key(snap: &Snapshot) -> String {
    let mut all = Vec::new();
    for (path, bytes) in &snap.files {
        all.extend_from_slice(format!("{path}\0{}\0", bytes.len()).as_bytes());
        all.extend_from_slice(bytes);
    }
    format!("wf.task/1:{}", wf_core::digest::sha256_hex(&all))
}

/// The keys of `wf.task/1`, from its schema (`spec/schema/`), so that --fields knows the same
/// keys the contract does.
fn task_keys() -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../spec/schema/wf.task.schema.json"))
            .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The keys the task listing keeps a value for (`wf_store::listing::Row`).
const ROW_KEYS: &[&str] = &[
    "id",
    "title",
    "state",
    "step",
    "step_kind",
    "holder",
    "workflow",
    "approver",
    "owner",
    "created_by",
    "created_at",
    "schema",
];

/// A --fields projection.
struct Fields {
    keys: Vec<String>,
    /// Every key is one the listing keeps: no task is read.
    from_row: bool,
}

impl Fields {
    fn new(asked: &[String]) -> Result<Option<Fields>, CliError> {
        if asked.is_empty() {
            return Ok(None);
        }
        let known = task_keys();
        let mut keys = Vec::new();
        for k in asked.iter().map(|k| k.trim()) {
            if !known.iter().any(|n| n == k) {
                return Err(CliError::usage(
                    format!("--fields: wf.task/1 has no key {k:?}"),
                    format!("the keys: {}", known.join(", ")),
                ));
            }
            if !keys.iter().any(|n| n == k) {
                keys.push(k.to_string());
            }
        }
        let from_row = keys.iter().all(|k| ROW_KEYS.contains(&k.as_str()));
        Ok(Some(Fields { keys, from_row }))
    }

    /// The asked keys of a whole task's JSON.
    fn pick(&self, mut v: serde_json::Value) -> serde_json::Value {
        if let serde_json::Value::Object(m) = &mut v {
            m.retain(|k, _| self.keys.iter().any(|n| n == k));
        }
        v
    }

    /// The asked keys, from the listing's row alone (as [`task_json`] gives them).
    fn row(
        &self,
        row: &wf_store::listing::Row,
        w: Option<&wf_core::Workflow>,
        holder: Option<&str>,
    ) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for k in &self.keys {
            let v = match k.as_str() {
                "id" => json!(row.id),
                "title" => json!(row.title),
                "state" => json!(if row.closed { "closed" } else { "open" }),
                "step" => json!(row.step),
                "step_kind" => json!(w.and_then(|w| w.step(&row.step)).map(|s| s.kind.as_str())),
                "holder" => json!(holder),
                "workflow" => json!(row.workflow),
                "approver" => json!(row.approver),
                "owner" => json!(row.owner),
                "created_by" => json!(row.created_by),
                "created_at" => json!(row.created_at),
                "schema" => json!("wf.task/1"),
                _ => continue,
            };
            m.insert(k.clone(), v);
        }
        serde_json::Value::Object(m)
    }
}
