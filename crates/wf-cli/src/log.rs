//! `wf-log`: the history of one task or of all, from git alone.

use clap::Parser;
use git2::{DiffFormat, Oid};
use serde_json::json;
use wf_store::Store;

use crate::context;
use crate::error::CliError;
use crate::events::{event, Event, Signature, Signers};
use crate::output::{color_stdout, json, paint, print, short_digest, Color};
use wf_store::Snapshot;

/// Show the history of one task, or of all: every action, newest first.
///
/// Each event names the actor, the actor's kind, the action, revision, digest, model and the
/// commit's signature status. --json prints one document (wf.log/1), --ndjson one event per
/// line (wf.event/1) as the history is walked. With - for ID, the history of each task whose id
/// is read from stdin, in turn.
///
/// Signature status: good (valid, by a key registered to the named actor), mismatch (valid, but
/// the key belongs to someone else), unknown-key (valid, by a key nobody registered), bad
/// (does not verify), unsigned. Keys are looked up in .wf/actors.toml at HEAD; wf-verify judges
/// each commit against the actors of its parent.
#[derive(Parser, Debug)]
#[command(
    name = "wf-log",
    version,
    group(clap::ArgGroup::new("format").args(["json", "ndjson"])),
    after_help = "Examples:\n  wf-log T-3f9a\n  wf-log -p T-3f9a\n  wf-log --json | jq '.events[] | select(.actor_kind==\"ai\")'\n  wf-log --ndjson | jq -r 'select(.action==\"approve\") | .actor' | sort | uniq -c"
)]
pub struct Args {
    /// Only this task (id or unique prefix), or - to read ids from stdin.
    pub id: Option<String>,
    /// One JSON document (schema wf.log/1).
    #[arg(long)]
    pub json: bool,
    /// One JSON object per event and line (schema wf.event/1), streamed.
    #[arg(long)]
    pub ndjson: bool,
    /// Show each commit's patch.
    #[arg(short = 'p', long = "patch")]
    pub patch: bool,
    /// The actions this clone made that `wf sync` superseded (kept under refs/wf/superseded/),
    /// instead of the branch's history.
    #[arg(long)]
    pub superseded: bool,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-log`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    match &args.id {
        None => log(&store, &snap, None, &args),
        Some(typed) => crate::ids::each("wf-log", typed, |typed| {
            let id = snap.resolve(&store, typed)?;
            log(&store, &snap, Some(id), &args)
        }),
    }
}

fn log(store: &Store, snap: &Snapshot, only: Option<String>, args: &Args) -> Result<(), CliError> {
    // One task's history comes from the task index (`spec/store.md`): a few commits read,
    // whatever the length of the history. All tasks' history comes from the event index: one
    // file read once it is up to date.
    let actions;
    let events: Box<dyn Iterator<Item = Result<Option<Event>, CliError>>> = match &only {
        _ if args.superseded => {
            let mut found = Vec::new();
            for r in store
                .git()
                .references_glob(&format!("{}*", wf_store::publish::SUPERSEDED))?
            {
                if let Some(o) = r?.target() {
                    found.push(o);
                }
            }
            Box::new(found.into_iter().map(|o| event(store, snap.actors(), o)))
        }
        Some(id) => Box::new(
            wf_store::index::commits_of(store.git(), snap.commit, id)?
                .into_iter()
                .map(|o| event(store, snap.actors(), o)),
        ),
        None => {
            actions = wf_store::history::actions(store.git(), snap.commit)?;
            let mut signers = Signers::new(snap.actors()).with_history(store);
            Box::new(actions.iter().map(move |f| Ok(Some(signers.event(f)))))
        }
    };
    let color = color_stdout();
    let mut collected = Vec::new();
    let mut pending = String::new();
    for e in events {
        let Some(e) = e? else {
            continue;
        };
        if only
            .as_ref()
            .is_some_and(|id| e.task.as_deref() != Some(id.as_str()))
        {
            continue;
        }
        if args.json {
            collected.push(e);
            continue;
        }
        if args.ndjson {
            // Written in blocks (as the lines below): one write per line would be most of the
            // work.
            e.ndjson_line(&mut pending)?;
            if pending.len() >= 1 << 16 {
                print(&std::mem::take(&mut pending))?;
            }
            continue;
        }
        pending.push_str(&line(&e, color));
        if args.patch {
            pending.push_str(&patch(store, Oid::from_str(&e.commit)?)?);
        }
        if pending.len() >= 1 << 16 {
            print(&std::mem::take(&mut pending))?;
        }
    }
    print(&pending)?;
    if args.json {
        return json(&json!({ "schema": "wf.log/1", "task": only, "events": collected }));
    }
    Ok(())
}

/// The human line of an event.
fn line(e: &Event, color: bool) -> String {
    let mut line = format!(
        "{} {} {:<9} {:<8} {}",
        &e.commit[..12],
        e.time,
        e.task.as_deref().unwrap_or("-"),
        e.action,
        e.actor.as_deref().unwrap_or("?"),
    );
    if let Some(k) = &e.actor_kind {
        line.push_str(&format!(" ({k})"));
    }
    if let Some(a) = &e.subject_actor {
        line.push_str(&format!(" on {a}"));
    }
    if let Some(r) = e.revision {
        let digest = e.digest.as_deref().unwrap_or("");
        line.push_str(&format!(" rev {r} {}", short_digest(digest)));
    }
    if let Some(v) = &e.verdict {
        line.push_str(&format!(" {v}"));
    }
    if let Some(c) = &e.check {
        line.push_str(&format!(" check {c}"));
    }
    if let Some(r) = e.new_revision {
        let digest = e.new_digest.as_deref().unwrap_or("");
        line.push_str(&format!(" +rev {r} {}", short_digest(digest)));
    }
    if let Some(a) = &e.assignee {
        line.push_str(&format!(" -> {a}"));
    }
    if let Some(m) = &e.model {
        line.push_str(&format!(" model {m}"));
    }
    // Trailers are whatever a commit says: shown escaped, never sent raw to the terminal.
    let mut line = wf_core::text::visible(&line);
    let shade = if e.signature == Signature::Good {
        Color::Green
    } else {
        Color::Red
    };
    line.push_str(&format!(
        " {}\n",
        paint(&format!("[sig {}]", e.signature.as_str()), shade, color)
    ));
    line
}

fn patch(store: &Store, oid: Oid) -> Result<String, CliError> {
    let repo = store.git();
    let c = repo.find_commit(oid)?;
    let parent_tree = match c.parent(0) {
        Ok(p) => Some(p.tree()?),
        Err(_) => None,
    };
    // libgit2's diff reads trees kindly (normalised modes, bisected lookups): a change is only
    // shown once the canonical reader has read the same trees.
    let reader = store.reader()?;
    let before = parent_tree.as_ref().map(|t| t.id());
    if let Err(wf_store::tree::TreeError::Refused(why)) =
        wf_store::verify::changed_paths(&reader, before, c.tree_id())
    {
        return Ok(format!(
            "(no patch: the commit's tree is not canonical: {}; wf-verify refuses it)\n",
            wf_core::text::visible(&why)
        ));
    }
    let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&c.tree()?), None)?;
    let mut out = Vec::new();
    diff.print(DiffFormat::Patch, |_, _, l| {
        if matches!(l.origin(), '+' | '-' | ' ') {
            out.push(l.origin() as u8);
        }
        out.extend_from_slice(l.content());
        true
    })?;
    Ok(wf_core::text::printable(&String::from_utf8_lossy(&out)) + "\n")
}
