//! `wf-log`: the history of one task or of all, from git alone.

use clap::Parser;
use git2::{DiffFormat, Oid, Sort};
use serde_json::{json, Value};
use wf_core::trailer::{self, key};
use wf_core::{Actors, Timestamp};
use wf_store::{SigStatus, Store};

use crate::context;
use crate::error::CliError;
use crate::output::{color_stdout, json, ndjson, paint, print, short_digest, Color};
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
    #[command(flatten)]
    pub global: context::Global,
}

/// The event of one commit (`None` for a commit without a `Wf-Action` trailer): the object of
/// `wf.log/1`'s `events` (`spec/json.md`).
pub fn event(store: &Store, actors: &Actors, oid: Oid) -> Result<Option<Value>, CliError> {
    let c = store.git().find_commit(oid)?;
    let msg = String::from_utf8_lossy(c.message_bytes()).to_string();
    let t = trailer::parse(&msg);
    let Some(action) = trailer::get(&t, key::ACTION) else {
        return Ok(None);
    };
    let named = trailer::get(&t, key::ACTOR);
    let (status, signer) = match store.signature(oid) {
        SigStatus::Good(k) => match actors.by_key(&k) {
            Some(a) if Some(a.id.as_str()) == named => ("good", Some(a.id.clone())),
            Some(a) => ("mismatch", Some(a.id.clone())),
            None => ("unknown-key", None),
        },
        SigStatus::Bad(_) => ("bad", None),
        SigStatus::Unsigned => ("unsigned", None),
    };
    let get = |k: &str| trailer::get(&t, k).map(str::to_string);
    Ok(Some(json!({
        "commit": oid.to_string(),
        "time": Timestamp(c.committer().when().seconds()).rfc3339(),
        "task": get(key::TASK),
        "action": action,
        "actor": named,
        "actor_kind": get(key::ACTOR_KIND),
        "step": get(key::STEP),
        "assignee": get(key::ASSIGNEE),
        "revision": get(key::REVISION).and_then(|r| r.parse::<u32>().ok()),
        "digest": get(key::DIGEST),
        "verdict": get(key::VERDICT),
        "new_revision": get(key::NEW_REVISION).and_then(|r| r.parse::<u32>().ok()),
        "new_digest": get(key::NEW_DIGEST),
        "model": get(key::MODEL),
        "prompt_digest": get(key::PROMPT_DIGEST),
        "workflow": get(key::WORKFLOW),
        "subject_actor": get(key::SUBJECT),
        "subject": c.summary().map(wf_core::text::one_line),
        "signature": status,
        "signer": signer,
    })))
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
    // whatever the length of the history. All tasks' history is a walk.
    let oids: Vec<Oid> = match &only {
        Some(id) => wf_store::index::commits_of(store.git(), snap.commit, id)?,
        None => {
            let mut walk = store.git().revwalk()?;
            walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
            walk.push(snap.commit)?;
            walk.collect::<Result<_, _>>()?
        }
    };
    let color = color_stdout();
    let mut events = Vec::new();
    for oid in oids {
        let Some(mut e) = event(store, snap.actors(), oid)? else {
            continue;
        };
        if only
            .as_ref()
            .is_some_and(|id| e["task"].as_str() != Some(id.as_str()))
        {
            continue;
        }
        if args.json {
            events.push(e);
            continue;
        }
        if args.ndjson {
            e["schema"] = json!("wf.event/1");
            ndjson(&e)?;
            continue;
        }
        print(&line(&e, color))?;
        if args.patch {
            print(&patch(store, oid)?)?;
        }
    }
    if args.json {
        return json(&json!({ "schema": "wf.log/1", "task": only, "events": events }));
    }
    Ok(())
}

/// The human line of an event.
fn line(e: &Value, color: bool) -> String {
    let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
    let mut line = format!(
        "{} {} {:<9} {:<8} {}",
        &s("commit")[..12],
        s("time"),
        e["task"].as_str().unwrap_or("-"),
        s("action"),
        e["actor"].as_str().unwrap_or("?"),
    );
    if let Some(k) = e["actor_kind"].as_str() {
        line.push_str(&format!(" ({k})"));
    }
    if let Some(a) = e["subject_actor"].as_str() {
        line.push_str(&format!(" on {a}"));
    }
    if let Some(r) = e["revision"].as_u64() {
        line.push_str(&format!(" rev {r} {}", short_digest(&s("digest"))));
    }
    if let Some(v) = e["verdict"].as_str() {
        line.push_str(&format!(" {v}"));
    }
    if let Some(r) = e["new_revision"].as_u64() {
        line.push_str(&format!(" +rev {r} {}", short_digest(&s("new_digest"))));
    }
    if let Some(a) = e["assignee"].as_str() {
        line.push_str(&format!(" -> {a}"));
    }
    if let Some(m) = e["model"].as_str() {
        line.push_str(&format!(" model {m}"));
    }
    // Trailers are whatever a commit says: shown escaped, never sent raw to the terminal.
    let mut line = wf_core::text::visible(&line);
    let sig = s("signature");
    let shade = if sig == "good" {
        Color::Green
    } else {
        Color::Red
    };
    line.push_str(&format!(
        " {}\n",
        paint(&format!("[sig {sig}]"), shade, color)
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
