//! The board's pages, written with `maud`: every value from the repository (titles, notes,
//! file contents, actor and model names, trailers) is escaped by the macro, and shown with
//! control and bidirectional-override characters as visible escapes ([`shown`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;

use git2::Oid;
use maud::{html, Markup, DOCTYPE};
use similar::{ChangeTag, TextDiff};
use wf_core::graph::Graph;
use wf_core::stats::human_duration;
use wf_core::task::{Outcome, TaskState};
use wf_core::{Actor, Task, Timestamp};
use wf_store::Store;

use super::chart::{self, Bar, Segment};
use super::history::{Entry, History, TaskInfo};
use super::MARKER;
use crate::error::CliError;

/// The largest file whose text a page shows (and diffs); larger ones are listed with their size
/// and digest only.
const SHOW_LIMIT: usize = 256 << 10;
/// How many of the latest actions the index lists.
const LATEST: usize = 20;
/// How many of an actor's latest actions and decisions the actor's page lists (each task's page
/// lists all of its own).
const ACTOR_ROWS: usize = 1000;

const STYLE: &str = include_str!("style.css");

/// Text from the repository as a page shows it: control characters (newlines too) and the
/// characters that reorder text (bidirectional overrides and isolates) as `\u{..}` escapes, so
/// a title cannot pass for another or spread over lines. HTML escaping is `maud`'s.
pub fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_shown(&mut out, c, false);
    }
    out
}

/// [`shown`] for text of several lines (notes, file contents): newlines and tabs are kept.
fn shown_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_shown(&mut out, c, true);
    }
    out
}

fn push_shown(out: &mut String, c: char, lines: bool) {
    let reorders = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}');
    match c {
        '\n' | '\t' if lines => out.push(c),
        '\r' if lines => {}
        c if c.is_control() || reorders => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// The first 12 hex digits of a commit or digest.
fn short(s: &str) -> &str {
    let h = s.strip_prefix("sha256:").unwrap_or(s);
    h.get(..12).unwrap_or(h)
}

/// The board as a set of pages.
pub struct Site<'h> {
    h: &'h History,
    commit_url: Option<String>,
}

/// Where a page sits: at the top (`index.html`) or one folder down (`tasks/T-….html`).
#[derive(Clone, Copy)]
struct At {
    up: &'static str,
}

const TOP: At = At { up: "" };
const DOWN: At = At { up: "../" };

/// A commit of a task's history that fails verification ([`Site::failing`]).
struct Failing<'e> {
    commit: &'e str,
    /// The first of its problems, `check: reason`.
    problem: Option<&'e str>,
    /// Whether it is an action of the task's timeline (its entry has an anchor).
    in_timeline: bool,
}

impl<'h> Site<'h> {
    /// The site of a history; `commit_url` links commit ids to a forge.
    pub fn new(h: &'h History, commit_url: Option<String>) -> Site<'h> {
        Site { h, commit_url }
    }

    /// Write every page into `dir` (an empty folder).
    pub fn write(&self, store: &Store, dir: &Path, threads: usize) -> Result<(), CliError> {
        let put = |rel: &str, text: &str| -> Result<(), CliError> {
            let p = dir.join(rel);
            std::fs::write(&p, text).map_err(|e| {
                CliError::failure(format!("cannot write {}: {e}", p.display())).with_source(e)
            })
        };
        std::fs::create_dir_all(dir.join("tasks"))?;
        std::fs::create_dir_all(dir.join("actors"))?;
        put(
            MARKER,
            "A board written by wf-board; wf-board -o replaces this folder.\n",
        )?;
        put("style.css", STYLE)?;
        put("index.html", &self.index().into_string())?;
        put("tasks.html", &self.all_tasks().into_string())?;
        put("figures.html", &self.figures().into_string())?;
        put("policy.html", &self.policy().into_string())?;
        for a in &self.h.actors.actors {
            put(
                &format!("actors/{}.html", a.id),
                &self.actor(a).into_string(),
            )?;
        }
        // Task pages are most of the work: written by a thread per core, each with its own
        // handle on the repository (reading a revision's files).
        let progress = Mutex::new(crate::progress::Progress::new(
            "wf-board: writing task pages",
            Some(self.h.tasks.len() as u64),
        ));
        let git_dir = store.git_dir();
        let done: Vec<Result<(), CliError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|k| {
                    let (progress, git_dir, put) = (&progress, &git_dir, &put);
                    scope.spawn(move || -> Result<(), CliError> {
                        let store = Store::discover(git_dir)?;
                        for (i, t) in self.h.tasks.iter().enumerate().skip(k).step_by(threads) {
                            put(
                                &format!("tasks/{}.html", t.task.id),
                                &self.task(&store, t).into_string(),
                            )?;
                            if i % 64 == 0 {
                                if let Ok(mut p) = progress.lock() {
                                    p.inc(64);
                                }
                            }
                        }
                        Ok(())
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Err(CliError::failure("a writer of task pages failed")))
                })
                .collect()
        });
        if let Ok(mut p) = progress.lock() {
            p.finish();
        }
        done.into_iter().collect()
    }

    // -----------------------------------------------------------------------------------------
    // Pieces every page uses.

    fn layout(&self, at: At, title: &str, body: Markup) -> Markup {
        let up = at.up;
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light dark";
                    // The board runs no script: none is written, and none would run.
                    meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
                    title { (title) " · wf board" }
                    link rel="stylesheet" href={ (up) "style.css" };
                }
                body {
                    header {
                        nav aria-label="Board" {
                            a href={ (up) "index.html" } { "Board" }
                            a href={ (up) "tasks.html" } { "Tasks" }
                            a href={ (up) "figures.html" } { "Figures" }
                            a href={ (up) "policy.html" } { "Policy and actors" }
                        }
                    }
                    main { (body) }
                    footer {
                        p {
                            "Generated by wf-board at " (self.time(self.h.now)) " from "
                            (self.range_text()) ", tip " code { (short(&self.h.tip.to_string())) } "."
                        }
                    }
                }
            }
        }
    }

    fn range_text(&self) -> String {
        shown(&self.h.range)
    }

    fn time(&self, secs: i64) -> Markup {
        let t = Timestamp(secs).rfc3339();
        html! { time datetime=(t) { (t) } }
    }

    fn time_text(&self, t: &str) -> Markup {
        html! { time datetime=(shown(t)) { (shown(t)) } }
    }

    /// A commit id as the page it proves a claim on shows it, with the forge's link if any.
    fn commit_id(&self, commit: &str) -> Markup {
        match &self.commit_url {
            Some(u) => html! {
                a.commit href=(u.replace("{commit}", commit)) title=(commit) { code { (short(commit)) } }
            },
            None => html! { code.commit title=(commit) { (short(commit)) } },
        }
    }

    /// Where an action is shown with its proof: its task's timeline, else the policy page.
    fn entry_href(&self, at: At, e: &Entry) -> String {
        match e.event.task.as_deref().filter(|t| self.h.task(t).is_some()) {
            Some(t) => format!("{}tasks/{t}.html#c-{}", at.up, e.event.commit),
            None => format!("{}policy.html#c-{}", at.up, e.event.commit),
        }
    }

    /// A link to the place that shows an action and its commit.
    fn proof(&self, at: At, e: &Entry) -> Markup {
        html! {
            a href=(self.entry_href(at, e)) title={ "commit " (e.event.commit) } {
                code { (short(&e.event.commit)) }
            }
        }
    }

    fn actor_link(&self, at: At, id: &str) -> Markup {
        match self.h.actors.get(id) {
            Some(a) => html! { a href={ (at.up) "actors/" (a.id) ".html" } { (a.id) } },
            None => html! { span.unknown { (shown(id)) } },
        }
    }

    fn task_link(&self, at: At, id: &str) -> Markup {
        match self.h.task(id) {
            Some(t) => html! { a href={ (at.up) "tasks/" (t.task.id) ".html" } { (t.task.id) } },
            None => html! { span.unknown { (shown(id)) } },
        }
    }

    fn kind_badge(kind: Option<&str>) -> Markup {
        match kind {
            Some("ai") => html! { span.badge.ai { "AI" } },
            Some("human") => html! { span.badge.human { "human" } },
            Some(k) => html! { span.badge { (shown(k)) } },
            None => html! {},
        }
    }

    /// Who acted: the actor, human or AI, and for an AI the human who operates it.
    fn who(&self, at: At, id: Option<&str>, kind: Option<&str>) -> Markup {
        let Some(id) = id else {
            return html! { span.unknown { "(nobody named)" } };
        };
        let operator = self.h.actors.get(id).and_then(|a| a.operator.clone());
        html! {
            (self.actor_link(at, id)) " " (Self::kind_badge(kind))
            @if let Some(op) = operator {
                " " span.operator { "operated by " (self.actor_link(at, &op)) }
            }
        }
    }

    /// The first commit of a task's timeline that fails verification, if any: a task whose
    /// history does not verify has no approval in force, whatever its file records (a
    /// red-team helper's unsigned commit in alice's name closed a task with an approval, and
    /// the board showed it in force).
    ///
    /// A commit that is no action (no `Wf-Action` trailer) is not in the timeline, but the
    /// verifier names the task it changes: it counts too (a red-team helper's unsigned commit
    /// without trailers wrote alice's approval into the task file, and the board showed it in
    /// force while the verifier reported the commit).
    fn failing<'e>(&'e self, t: &TaskInfo) -> Option<Failing<'e>> {
        let in_timeline = t
            .entries
            .iter()
            .map(|i| &self.h.entries[*i])
            .find(|e| !e.problems.is_empty())
            .map(|e| Failing {
                commit: &e.event.commit,
                problem: e.problems.first().map(String::as_str),
                in_timeline: true,
            });
        in_timeline.or_else(|| {
            self.h
                .problems
                .iter()
                .find(|p| p.task.as_deref() == Some(t.task.id.as_str()))
                .map(|p| Failing {
                    commit: &p.commit,
                    problem: Some(&p.text),
                    in_timeline: false,
                })
        })
    }

    /// The signature and the verifier's judgement of an action's commit.
    fn judgement(&self, e: &Entry) -> Markup {
        let sig = e.event.signature.as_str();
        html! {
            @if e.problems.is_empty() {
                span.ok { "verified" }
            } @else {
                span.bad { "fails verification" }
                ul.problems {
                    @for p in &e.problems { li { (shown(p)) } }
                }
            }
            " · "
            @if sig == "good" {
                span.sig { "signed by " (e.event.signer.as_deref().map(shown).unwrap_or_default()) }
            } @else {
                span.bad { "signature " (sig) }
            }
        }
    }

    /// An action in words.
    fn what(e: &Entry) -> String {
        let ev = &e.event;
        let rev = |n: Option<u32>| n.map_or("?".to_string(), |n| n.to_string());
        match ev.action.as_str() {
            "new" => "defined the task".into(),
            "assign" => format!(
                "handed {} to {}",
                shown(ev.step.as_deref().unwrap_or("?")),
                shown(ev.assignee.as_deref().unwrap_or("?"))
            ),
            "submit" => format!("submitted revision {}", rev(ev.revision)),
            "review" => {
                let v = match ev.verdict.as_deref() {
                    Some("accept") => "accepted",
                    Some("request-changes") => "requested changes to",
                    Some("comment") => "commented on",
                    _ => "reviewed",
                };
                let mut s = format!("{v} revision {}", rev(ev.revision));
                if let Some(n) = ev.new_revision {
                    s.push_str(&format!(" and refined it as revision {n}"));
                }
                s
            }
            "approve" => format!("approved revision {}", rev(ev.revision)),
            "reject" => format!("rejected revision {}", rev(ev.revision)),
            "reopen" => "reopened the task".into(),
            "init" => "founded the store".into(),
            "actor" => format!(
                "registered or changed actor {}",
                shown(ev.subject_actor.as_deref().unwrap_or("?"))
            ),
            other => shown(other),
        }
    }

    fn digest(d: &str) -> Markup {
        html! { code.digest title=(shown(d)) { "sha256:" (shown(short(d))) } }
    }

    fn full_digest(d: &str) -> Markup {
        html! { code.digest { (shown(d)) } }
    }

    // -----------------------------------------------------------------------------------------
    // The index.

    fn index(&self) -> Markup {
        let h = self.h;
        let s = &h.stats;
        let open: Vec<&TaskInfo> = h
            .tasks
            .iter()
            .filter(|t| t.task.state == TaskState::Open)
            .collect();
        let waiting: HashMap<&str, (&str, i64)> = s
            .open_handoffs
            .iter()
            .map(|o| (o.task.as_str(), (o.since.as_str(), o.age_seconds)))
            .collect();
        let oldest_first = |mut list: Vec<&'h TaskInfo>| -> Vec<&'h TaskInfo> {
            list.sort_by_key(|t| {
                (
                    std::cmp::Reverse(waiting.get(t.task.id.as_str()).map_or(0, |w| w.1)),
                    t.task.id.clone(),
                )
            });
            list
        };
        let body = html! {
            h1 { "Board" }
            p.lede {
                (count(h.tasks.len(), "task")) " (" (s.tasks.open) " open, " (s.tasks.closed) " closed) and "
                (count(h.entries.len(), "action")) " in " (self.range_text()) "."
            }
            (self.verdict())
            (self.overdue(&waiting))
            section id="steps" aria-labelledby="steps-h" {
                h2 id="steps-h" { "Queues per step" }
                @if open.is_empty() { p { "No task is open." } }
                @for (wname, w) in &h.workflows {
                    @let in_w: Vec<&TaskInfo> = open.iter().copied().filter(|t| &t.task.workflow == wname).collect();
                    @if !in_w.is_empty() || h.workflows.len() == 1 {
                        @if h.workflows.len() > 1 { h3 { "Workflow " (wname) } }
                        table {
                            caption { "Open tasks per step of workflow " (wname) }
                            thead { tr { th scope="col" { "step" } th scope="col" { "kind" } th scope="col" { "who may act" } th scope="col" { "open tasks" } th scope="col" { "held by nobody" } th scope="col" { "longest wait" } } }
                            tbody {
                                @for st in &w.steps {
                                    @let here: Vec<&TaskInfo> = in_w.iter().copied().filter(|t| t.task.step == st.name).collect();
                                    tr {
                                        th scope="row" {
                                            @if here.is_empty() { (st.name) } @else { a href={ "#step-" (wname) "-" (st.name) } { (st.name) } }
                                        }
                                        td { (st.kind.as_str()) }
                                        td { (shown(&st.who())) }
                                        td.num { (here.len()) }
                                        td.num { (here.iter().filter(|t| t.holder.is_none()).count()) }
                                        td.num { (here.iter().filter_map(|t| waiting.get(t.task.id.as_str())).map(|w| w.1).max().map(human_duration).unwrap_or_else(|| "-".into())) }
                                    }
                                }
                            }
                        }
                        @for st in &w.steps {
                            @let here = oldest_first(in_w.iter().copied().filter(|t| t.task.step == st.name).collect());
                            @if !here.is_empty() {
                                section id={ "step-" (wname) "-" (st.name) } {
                                    h3 { (st.name) " · " (here.len()) " open" }
                                    (self.queue(&format!("Open tasks at step {} of workflow {wname}, the longest wait first", st.name), &here, &waiting, true))
                                }
                            }
                        }
                    }
                }
            }
            (self.holders(&open, &waiting, &oldest_first))
            (self.latest())
            section id="actors" aria-labelledby="actors-h" {
                h2 id="actors-h" { "Actors" }
                (self.actor_table(TOP))
            }
        };
        self.layout(TOP, "Board", body)
    }

    fn verdict(&self) -> Markup {
        let h = self.h;
        let s = &h.summary;
        html! {
            section.verdict.clean[s.problems == 0].failed[s.problems > 0] id="verdict" aria-labelledby="verdict-h" {
                h2 id="verdict-h" { "Verification" }
                @if s.problems == 0 {
                    p.ok.big { "Clean." }
                    p {
                        (count(s.commits, "commit")) " of " (self.range_text())
                        ", and every one passes the verifier's checks: signatures, identities and every rule of the workflows, replayed commit by commit ("
                        (s.checked) " checked now, " (s.cached) " found clean by an earlier run, " (s.skipped) " not wf commits)."
                    }
                } @else {
                    p.bad.big { (s.verdict()) "." }
                    p {
                        "The verifier replayed " (count(s.commits, "commit")) " of " (self.range_text())
                        " (" (s.checked) " checked now, " (s.cached) " found clean by an earlier run, " (s.skipped) " not wf commits) and found:"
                    }
                    @let actions: HashMap<&str, &Entry> = h.entries.iter().map(|e| (e.event.commit.as_str(), e)).collect();
                    table {
                        caption { "Problems found by the verifier" }
                        thead { tr { th scope="col" { "commit" } th scope="col" { "task" } th scope="col" { "problem" } } }
                        tbody {
                            @for p in &h.problems {
                                tr {
                                    td { (self.problem_commit(&p.commit, &actions)) }
                                    td { @if let Some(t) = &p.task { (self.task_link(TOP, t)) } @else { "-" } }
                                    td { (shown(&p.text)) }
                                }
                            }
                        }
                    }
                }
                p.small { "The same run as " code { "wf-verify " (self.range_text()) } " (spec/verify.md)." }
            }
        }
    }

    fn problem_commit(&self, commit: &str, actions: &HashMap<&str, &Entry>) -> Markup {
        match actions.get(commit) {
            Some(e) => self.proof(TOP, e),
            None => self.commit_id(commit),
        }
    }

    fn overdue(&self, waiting: &HashMap<&str, (&str, i64)>) -> Markup {
        let h = self.h;
        let with_due: Vec<&TaskInfo> = h.tasks.iter().filter(|t| t.due.is_some()).collect();
        let mut late: Vec<&TaskInfo> = with_due
            .iter()
            .copied()
            .filter(|t| {
                t.task.state == TaskState::Open && t.due.as_ref().is_some_and(|d| d.0 < h.now)
            })
            .collect();
        late.sort_by_key(|t| (t.due.as_ref().map(|d| d.0), t.task.id.clone()));
        html! {
            section id="overdue" aria-labelledby="overdue-h" {
                h2 id="overdue-h" { "Overdue" }
                @if with_due.is_empty() {
                    p { "No task has a due date." }
                } @else if late.is_empty() {
                    p.ok { "Nothing is overdue (" (with_due.len()) " tasks have a due date)." }
                } @else {
                    p.bad { (late.len()) " open tasks are past their due date." }
                    (self.queue("Open tasks past their due date, the earliest due first", &late, waiting, true))
                }
            }
        }
    }

    /// A table of open tasks: id, title, step, holder, waiting since, due, the last action.
    fn queue(
        &self,
        caption: &str,
        list: &[&TaskInfo],
        waiting: &HashMap<&str, (&str, i64)>,
        holder: bool,
    ) -> Markup {
        let h = self.h;
        html! {
            table.queue {
                caption { (caption) }
                thead { tr {
                    th scope="col" { "task" } th scope="col" { "title" } th scope="col" { "step" }
                    @if holder { th scope="col" { "held by" } }
                    th scope="col" { "waiting since" } th scope="col" { "waited" } th scope="col" { "due" } th scope="col" { "last action" }
                } }
                tbody {
                    @for t in list {
                        @let w = waiting.get(t.task.id.as_str());
                        @let last = t.entries.last().map(|i| &h.entries[*i]);
                        tr {
                            th scope="row" { (self.task_link(TOP, &t.task.id)) }
                            td { (shown(&t.task.title)) }
                            td { (t.task.step) }
                            @if holder {
                                td { @match &t.holder { Some(a) => (self.actor_link(TOP, a)), None => span.unknown { "nobody" } } }
                            }
                            td { @if let Some(w) = w { (self.time_text(w.0)) } @else { "-" } }
                            td.num { @if let Some(w) = w { (human_duration(w.1)) } @else { "-" } }
                            td { @match &t.due {
                                Some((at, text)) => span.late[*at < h.now] { (shown(text)) },
                                None => "-",
                            } }
                            td { @if let Some(e) = last { (Self::what(e)) " · " (self.proof(TOP, e)) } @else { "-" } }
                        }
                    }
                }
            }
        }
    }

    fn holders(
        &self,
        open: &[&'h TaskInfo],
        waiting: &HashMap<&str, (&str, i64)>,
        oldest_first: &dyn Fn(Vec<&'h TaskInfo>) -> Vec<&'h TaskInfo>,
    ) -> Markup {
        let mut by: BTreeMap<Option<&str>, Vec<&TaskInfo>> = BTreeMap::new();
        for t in open {
            by.entry(t.holder.as_deref()).or_default().push(t);
        }
        let by: BTreeMap<Option<&str>, Vec<&TaskInfo>> =
            by.into_iter().map(|(k, v)| (k, oldest_first(v))).collect();
        let anchor = |who: Option<&str>| match who {
            Some(a) => format!("held-{a}"),
            None => "held-nobody".to_string(),
        };
        html! {
            section id="holders" aria-labelledby="holders-h" {
                h2 id="holders-h" { "Queues per holder" }
                @if by.is_empty() { p { "Nobody holds an open task." } } @else {
                    table {
                        caption { "Open tasks per holder, people and AI agents" }
                        thead { tr { th scope="col" { "holder" } th scope="col" { "kind" } th scope="col" { "open tasks held" } th scope="col" { "longest wait" } } }
                        tbody {
                            @for (who, list) in &by {
                                tr {
                                    th scope="row" { a href={ "#" (shown(&anchor(*who))) } { @match who { Some(a) => (shown(a)), None => "nobody" } } }
                                    td { (Self::kind_badge(who.and_then(|a| self.h.actors.get(a)).map(|a| a.kind.as_str()))) }
                                    td.num { (list.len()) }
                                    td.num { (list.iter().filter_map(|t| waiting.get(t.task.id.as_str())).map(|w| w.1).max().map(human_duration).unwrap_or_else(|| "-".into())) }
                                }
                            }
                        }
                    }
                    @for (who, list) in &by {
                        section id=(shown(&anchor(*who))) {
                            h3 {
                                @match who { Some(a) => { (self.actor_link(TOP, a)) " holds " (list.len()) }, None => { "Held by nobody: " (list.len()) } }
                            }
                            (self.queue(&match who { Some(a) => format!("Open tasks held by {}, the longest wait first", shown(a)), None => "Open tasks held by nobody, the longest wait first".to_string() }, list, waiting, false))
                        }
                    }
                }
            }
        }
    }

    fn latest(&self) -> Markup {
        let h = self.h;
        html! {
            section id="activity" aria-labelledby="activity-h" {
                h2 id="activity-h" { "Last activity" }
                @if h.entries.is_empty() { p { "No action in " (self.range_text()) "." } } @else {
                    (self.entry_table(TOP, h.entries.iter().rev().take(LATEST), "The latest actions, newest first", true))
                }
            }
        }
    }

    /// Actions in a table: when, task, who, what, commit (a link to where it is shown with its
    /// proof), verified.
    fn entry_table<'e>(
        &self,
        at: At,
        entries: impl Iterator<Item = &'e Entry>,
        caption: &str,
        who: bool,
    ) -> Markup {
        html! {
            table {
                caption { (caption) }
                thead { tr {
                    th scope="col" { "when" } th scope="col" { "task" } @if who { th scope="col" { "who" } }
                    th scope="col" { "what" } th scope="col" { "commit" } th scope="col" { "verified" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (self.time(e.event.seconds)) }
                            td { @if let Some(t) = &e.event.task { (self.task_link(at, t)) } @else { "-" } }
                            @if who { td { (self.who(at, e.event.actor.as_deref(), e.event.actor_kind.as_deref())) } }
                            td { (Self::what(e)) }
                            td { (self.proof(at, e)) }
                            td { @if e.problems.is_empty() { span.ok { "yes" } } @else { span.bad { "no" } } }
                        }
                    }
                }
            }
        }
    }

    fn actor_table(&self, at: At) -> Markup {
        let h = self.h;
        let mut holds: HashMap<&str, usize> = HashMap::new();
        for t in &h.tasks {
            if let (TaskState::Open, Some(a)) = (t.task.state, &t.holder) {
                *holds.entry(a.as_str()).or_default() += 1;
            }
        }
        html! {
            table {
                caption { "Registered actors at the tip" }
                thead { tr {
                    th scope="col" { "actor" } th scope="col" { "name" } th scope="col" { "kind" }
                    th scope="col" { "roles" } th scope="col" { "model" } th scope="col" { "operator" } th scope="col" { "holds" }
                } }
                tbody {
                    @for a in &h.actors.actors {
                        tr {
                            th scope="row" { (self.actor_link(at, &a.id)) }
                            td { (shown(&a.name)) }
                            td { (Self::kind_badge(Some(a.kind.as_str()))) }
                            td { (shown(&a.roles.join(", "))) }
                            td { (a.model.as_deref().map(shown).unwrap_or_default()) }
                            td { @if let Some(o) = &a.operator { (self.actor_link(at, o)) } }
                            td.num { (holds.get(a.id.as_str()).copied().unwrap_or(0)) }
                        }
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Every task.

    fn all_tasks(&self) -> Markup {
        let h = self.h;
        let body = html! {
            h1 { "Tasks" }
            table {
                caption { (h.tasks.len()) " tasks at the tip, oldest first" }
                thead { tr {
                    th scope="col" { "task" } th scope="col" { "title" } th scope="col" { "state" } th scope="col" { "step" }
                    th scope="col" { "held by" } th scope="col" { "approval in force" } th scope="col" { "created" }
                } }
                tbody {
                    @for t in &h.tasks {
                        tr {
                            th scope="row" { (self.task_link(TOP, &t.task.id)) }
                            td { (shown(&t.task.title)) }
                            td { (state(&t.task)) }
                            td { (t.task.step) }
                            td { @match &t.holder { Some(a) => (self.actor_link(TOP, a)), None => "-" } }
                            td { @match (t.task.approval(), self.failing(t)) {
                                (Some(d), None) => { "revision " (d.revision) " " (Self::digest(&d.digest)) },
                                (Some(d), Some(_)) => { span.bad { "none: revision " (d.revision) " recorded, its history fails verification" } },
                                (None, _) => "-",
                            } }
                            td { (self.time_text(&t.task.created_at)) }
                        }
                    }
                }
            }
        };
        self.layout(TOP, "Tasks", body)
    }

    // -----------------------------------------------------------------------------------------
    // One task.

    fn task(&self, store: &Store, t: &TaskInfo) -> Markup {
        let h = self.h;
        let task = &t.task;
        let entries: Vec<&Entry> = t.entries.iter().map(|i| &h.entries[*i]).collect();
        // Which commit produced each revision, and which recorded each judgement.
        let mut produced: HashMap<u32, &Entry> = HashMap::new();
        for e in &entries {
            match e.event.action.as_str() {
                "submit" => {
                    if let Some(n) = e.event.revision {
                        produced.insert(n, e);
                    }
                }
                "review" => {
                    if let Some(n) = e.event.new_revision {
                        produced.insert(n, e);
                    }
                }
                _ => {}
            }
        }
        let workflow = h.workflows.get(&task.workflow);
        let latest = task.latest().map(|r| r.digest.as_str());
        // Each revision's files, read once: shown with their revision and diffed by the next.
        let files: Vec<Vec<Shown>> = task
            .revisions
            .iter()
            .map(|r| {
                let commit = produced
                    .get(&r.number)
                    .and_then(|e| Oid::from_str(&e.event.commit).ok());
                revision_files(
                    store,
                    h.tip,
                    task,
                    r,
                    commit,
                    latest == Some(r.digest.as_str()),
                )
            })
            .collect();
        let approval = task.approval();
        let failing = self.failing(t);
        let approval_entry = approval.and_then(|d| {
            entries.iter().copied().rev().find(|e| {
                e.event.action == "approve"
                    && e.event.digest.as_deref() == Some(d.digest.as_str())
                    && e.event.actor.as_deref() == Some(d.actor.as_str())
            })
        });
        let body = html! {
            h1 { span.id { (task.id) } " " (shown(&task.title)) }
            dl.facts {
                dt { "state" } dd { (state(task)) }
                dt { "workflow" } dd { (task.workflow) }
                dt { "step" } dd {
                    (task.step)
                    @if let Some(k) = workflow.and_then(|w| w.step(&task.step)) { " (" (k.kind.as_str()) ")" }
                    ", held by " @match &t.holder { Some(a) => (self.actor_link(DOWN, a)), None => "nobody" }
                }
                dt { "owner" } dd { (self.actor_link(DOWN, &task.owner)) }
                dt { "approver" } dd { (self.actor_link(DOWN, &task.approver)) }
                dt { "created" } dd { (self.time_text(&task.created_at)) " by " (self.actor_link(DOWN, &task.created_by)) }
                @if let Some((at, text)) = &t.due {
                    dt { "due" } dd {
                        (shown(text))
                        @if *at < h.now && task.state == TaskState::Open { " " span.bad { "overdue" } }
                    }
                }
            }
            section id="approval" aria-labelledby="approval-h" {
                h2 id="approval-h" { "Approval" }
                @match (approval, &failing) {
                    (Some(d), Some(bad)) => p.bad.approval {
                        "Not in force: the task file records an approval of revision " (d.revision) ", bound to digest "
                        (Self::full_digest(&d.digest)) ", by " (self.actor_link(DOWN, &d.actor))
                        ", but the task's history fails verification: commit "
                        @if bad.in_timeline {
                            a href={ "#c-" (bad.commit) } { code { (short(bad.commit)) } }
                        } @else {
                            code { (short(bad.commit)) }
                        }
                        " (" (bad.problem.map(shown).unwrap_or_default()) ")."
                    },
                    (Some(d), None) => p.ok.approval {
                        "Approved: revision " (d.revision) ", bound to digest " (Self::full_digest(&d.digest))
                        ", by " (self.actor_link(DOWN, &d.actor)) " at " (self.time_text(&d.at)) "."
                        @if latest == Some(d.digest.as_str()) { " In force: it is bound to the latest revision and the task is closed." }
                        @if let Some(e) = approval_entry {
                            " Commit " a href={ "#c-" (e.event.commit) } { code { (short(&e.event.commit)) } } "."
                        }
                    },
                    (None, _) => p {
                        "No approval in force."
                        @if task.decisions.iter().any(|d| d.outcome == Outcome::Approve) {
                            " An earlier approval was voided (the task was reopened); see the decisions below."
                        }
                    },
                }
            }
            @if let Some(w) = workflow {
                figure.workflow {
                    (chart::workflow("wf", &Graph::new(w, Some(task))))
                    figcaption { "Where the task stands on workflow " (task.workflow) "." }
                }
            }
            @if !task.inputs.is_empty() {
                section id="inputs" aria-labelledby="inputs-h" {
                    h2 id="inputs-h" { "Inputs" }
                    @for i in &task.inputs {
                        h3 { (shown(&i.name)) }
                        p.small { "sha256 " code.digest { (shown(&i.sha256)) } }
                        @match (&i.text, &i.file) {
                            (Some(text), _) => pre.content { (shown_lines(text)) },
                            (_, Some(f)) => (content(read(store, h.tip, &format!("{}in/{}", Task::dir(&task.id), f)))),
                            _ => {},
                        }
                    }
                }
            }
            section id="timeline" aria-labelledby="timeline-h" {
                h2 id="timeline-h" { "Timeline" }
                @if entries.is_empty() { p { "No action of this task is in " (self.range_text()) "." } } @else {
                    table.timeline {
                        caption { "Every action on the task, oldest first, each one signed commit" }
                        thead { tr {
                            th scope="col" { "when" } th scope="col" { "who" } th scope="col" { "what" }
                            th scope="col" { "bound to" } th scope="col" { "commit" } th scope="col" { "proof" }
                        } }
                        tbody {
                            @for e in &entries {
                                tr id={ "c-" (e.event.commit) } {
                                    td { (self.time(e.event.seconds)) }
                                    td { (self.who(DOWN, e.event.actor.as_deref(), e.event.actor_kind.as_deref())) }
                                    td { (Self::what(e)) (self.details(task, e)) }
                                    td {
                                        @if let Some(d) = &e.event.digest { (Self::digest(d)) }
                                        @if let Some(d) = &e.event.new_digest { br; "new: " (Self::digest(d)) }
                                    }
                                    td { (self.commit_id(&e.event.commit)) }
                                    td { (self.judgement(e)) }
                                }
                            }
                        }
                    }
                }
            }
            (self.judgements(task, &entries, latest, failing.is_some()))
            section id="revisions" aria-labelledby="revisions-h" {
                h2 id="revisions-h" { "Revisions" }
                @if task.revisions.is_empty() { p { "No revision yet." } }
                @for (k, r) in task.revisions.iter().enumerate() {
                    section.revision id={ "rev-" (r.number) } {
                        h3 { "Revision " (r.number) }
                        dl.facts {
                            dt { "by" } dd { (self.who(DOWN, Some(&r.actor), Some(r.producer.as_str()))) " in step " (r.step) " at " (self.time_text(&r.at)) }
                            dt { "digest" } dd { (Self::full_digest(&r.digest)) }
                            @if let Some(m) = &r.model { dt { "model" } dd { (shown(m)) } }
                            @if let Some(p) = &r.prompt_sha256 { dt { "prompt sha256" } dd { code.digest { (shown(p)) } } }
                            @if let Some(run) = &r.run {
                                dt { "command" } dd { code { (shown(&wf_core::text::shell_words(&run.command))) } }
                                dt { "ran" } dd { (self.time_text(&run.started_at)) " to " (self.time_text(&run.ended_at)) ", exit " (run.exit_status) }
                                @if let Some(d) = &run.revision_digest { dt { "prompt included" } dd { (Self::digest(d)) } }
                                @if !run.inputs.is_empty() {
                                    dt { "input digests" } dd { ul.plain { @for i in &run.inputs { li { (shown(&i.name)) " " code.digest { (shown(&i.sha256)) } } } } }
                                }
                            }
                            @if !r.note.is_empty() { dt { "note" } dd { p.note { (shown_lines(&r.note)) } } }
                            dt { "commit" } dd {
                                @match produced.get(&r.number) {
                                    Some(e) => { a href={ "#c-" (e.event.commit) } { code { (short(&e.event.commit)) } } }
                                    None => { "not in " (self.range_text()) }
                                }
                            }
                        }
                        table.files {
                            caption { "Files of revision " (r.number) }
                            thead { tr { th scope="col" { "file" } th scope="col" { "bytes" } th scope="col" { "sha256" } } }
                            tbody {
                                @for a in &r.artifacts {
                                    tr { th scope="row" { (shown(&a.name)) } td.num { (a.size) } td { code.digest { (shown(&a.sha256)) } } }
                                }
                            }
                        }
                        @for (a, c) in r.artifacts.iter().zip(&files[k]) {
                            details.file {
                                summary { (shown(&a.name)) }
                                (content(c.clone()))
                            }
                        }
                        @if k > 0 {
                            (diff(&task.revisions[k - 1], &files[k - 1], r, &files[k]))
                        }
                    }
                }
            }
        };
        self.layout(DOWN, &format!("{} {}", task.id, shown(&task.title)), body)
    }

    /// What the task file records about an action, matched to its commit: notes, and for a
    /// revision made by an AI run, the model, command, prompt and input digests.
    fn details(&self, task: &Task, e: &Entry) -> Markup {
        let ev = &e.event;
        let at = Timestamp(ev.seconds).rfc3339();
        let actor = ev.actor.as_deref().unwrap_or("");
        let note: Option<&str> = match ev.action.as_str() {
            "assign" => task
                .assignments
                .iter()
                .find(|a| {
                    a.at == at && a.by == actor && Some(a.to.as_str()) == ev.assignee.as_deref()
                })
                .map(|a| a.note.as_str()),
            "review" => task
                .reviews
                .iter()
                .find(|r| r.at == at && r.actor == actor && Some(r.revision) == ev.revision)
                .map(|r| r.note.as_str()),
            "approve" | "reject" => task
                .decisions
                .iter()
                .find(|d| d.at == at && d.actor == actor && Some(d.revision) == ev.revision)
                .map(|d| d.note.as_str()),
            "reopen" => task
                .reopens
                .iter()
                .find(|r| r.at == at && r.actor == actor)
                .map(|r| r.note.as_str()),
            _ => None,
        };
        let produced = match ev.action.as_str() {
            "submit" => ev.revision,
            "review" => ev.new_revision,
            _ => None,
        }
        .and_then(|n| task.revisions.iter().find(|r| r.number == n));
        html! {
            @if let Some(n) = note.filter(|n| !n.is_empty()) { p.note { (shown_lines(n)) } }
            @if let Some(r) = produced {
                @if !r.note.is_empty() && note != Some(r.note.as_str()) { p.note { (shown_lines(&r.note)) } }
                @if r.model.is_some() || r.run.is_some() || r.prompt_sha256.is_some() {
                    dl.run {
                        @if let Some(m) = &r.model { dt { "model" } dd { (shown(m)) } }
                        @if let Some(run) = &r.run { dt { "command" } dd { code { (shown(&wf_core::text::shell_words(&run.command))) } } }
                        @if let Some(p) = &r.prompt_sha256 { dt { "prompt" } dd { (Self::digest(p)) } }
                        @if let Some(run) = &r.run {
                            @for i in &run.inputs { dt { "input " (shown(&i.name)) } dd { (Self::digest(&i.sha256)) } }
                        }
                    }
                }
                a href={ "#rev-" (r.number) } { "files of revision " (r.number) }
            }
        }
    }

    /// Reviews and decisions: each with the digest it is bound to and whether it is in force.
    /// `failing`: a commit of the task's timeline fails verification ([`Site::failing`]).
    fn judgements(
        &self,
        task: &Task,
        entries: &[&Entry],
        latest: Option<&str>,
        failing: bool,
    ) -> Markup {
        let find = |action: &[&str], actor: &str, at: &str, revision: u32| {
            entries.iter().copied().find(|e| {
                action.contains(&e.event.action.as_str())
                    && e.event.actor.as_deref() == Some(actor)
                    && Timestamp(e.event.seconds).rfc3339() == at
                    && e.event.revision == Some(revision)
            })
        };
        let approval = task.approval();
        let reopened_after = |at: &str| task.reopens.iter().find(|r| r.at.as_str() >= at);
        html! {
            section id="judgements" aria-labelledby="judgements-h" {
                h2 id="judgements-h" { "Reviews and decisions" }
                @if task.reviews.is_empty() && task.decisions.is_empty() { p { "None yet." } } @else {
                    table {
                        caption { "Each verdict is bound to the digest of the revision it judged; a later revision voids it" }
                        thead { tr {
                            th scope="col" { "when" } th scope="col" { "who" } th scope="col" { "verdict" } th scope="col" { "revision" }
                            th scope="col" { "bound to digest" } th scope="col" { "in force" } th scope="col" { "commit" }
                        } }
                        tbody {
                            @for r in &task.reviews {
                                @let e = find(&["review"], &r.actor, &r.at, r.revision);
                                tr {
                                    td { (self.time_text(&r.at)) }
                                    td { (self.who(DOWN, Some(&r.actor), Some(r.reviewer.as_str()))) }
                                    td { (r.verdict.as_str()) @if !r.note.is_empty() { p.note { (shown_lines(&r.note)) } } }
                                    td.num { a href={ "#rev-" (r.revision) } { (r.revision) } }
                                    td { (Self::full_digest(&r.digest)) }
                                    td { @if latest == Some(r.digest.as_str()) { span.ok { "yes" } } @else { span.void { "no: a later revision" } } }
                                    td { @if let Some(e) = e { a href={ "#c-" (e.event.commit) } { code { (short(&e.event.commit)) } } } @else { "-" } }
                                }
                            }
                            @for d in &task.decisions {
                                @let e = find(&["approve", "reject"], &d.actor, &d.at, d.revision);
                                @let is_last = task.decisions.last() == Some(d);
                                tr.decision {
                                    td { (self.time_text(&d.at)) }
                                    td { (self.who(DOWN, Some(&d.actor), Some("human"))) }
                                    td { @match d.outcome { Outcome::Approve => strong { "approve" }, Outcome::Reject => strong { "reject" } }
                                        @if !d.note.is_empty() { p.note { (shown_lines(&d.note)) } } }
                                    td.num { a href={ "#rev-" (d.revision) } { (d.revision) } }
                                    td { (Self::full_digest(&d.digest)) }
                                    td {
                                        @if approval == Some(d) && failing { span.bad { "no: the task's history fails verification" } }
                                        @else if approval == Some(d) { span.ok { "yes: the approval in force" } }
                                        @else if let Some(r) = reopened_after(&d.at).filter(|_| d.outcome == Outcome::Approve) { span.void { "no: reopened by " (shown(&r.actor)) " at " (shown(&r.at)) } }
                                        @else if d.outcome == Outcome::Reject && is_last && latest == Some(d.digest.as_str()) { span.ok { "yes: sent back for rework" } }
                                        @else if latest != Some(d.digest.as_str()) { span.void { "no: a later revision" } }
                                        @else { span.void { "no: superseded" } }
                                    }
                                    td { @if let Some(e) = e { a href={ "#c-" (e.event.commit) } { code { (short(&e.event.commit)) } } } @else { "-" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // One actor.

    fn actor(&self, a: &Actor) -> Markup {
        let h = self.h;
        let holds: Vec<&TaskInfo> = h
            .tasks
            .iter()
            .filter(|t| {
                t.task.state == TaskState::Open && t.holder.as_deref() == Some(a.id.as_str())
            })
            .collect();
        let did: Vec<&Entry> = h
            .entries
            .iter()
            .filter(|e| e.event.actor.as_deref() == Some(a.id.as_str()))
            .collect();
        let mut decided: Vec<(&TaskInfo, &wf_core::task::Decision)> = h
            .tasks
            .iter()
            .flat_map(|t| {
                t.task
                    .decisions
                    .iter()
                    .filter(|d| d.actor == a.id)
                    .map(move |d| (t, d))
            })
            .collect();
        decided.sort_by(|x, y| (&y.1.at, &y.0.task.id).cmp(&(&x.1.at, &x.0.task.id)));
        let operates: Vec<&Actor> = h
            .actors
            .actors
            .iter()
            .filter(|b| b.operator.as_deref() == Some(a.id.as_str()))
            .collect();
        let waiting: HashMap<&str, (&str, i64)> = h
            .stats
            .open_handoffs
            .iter()
            .map(|o| (o.task.as_str(), (o.since.as_str(), o.age_seconds)))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &did {
            *counts.entry(e.event.action.as_str()).or_default() += 1;
        }
        let body = html! {
            h1 { (a.id) " " span.sub { (shown(&a.name)) } }
            dl.facts {
                dt { "kind" } dd { (Self::kind_badge(Some(a.kind.as_str()))) }
                @if !a.roles.is_empty() { dt { "roles" } dd { (shown(&a.roles.join(", "))) } }
                @if let Some(m) = &a.model { dt { "model" } dd { (shown(m)) } }
                @if let Some(o) = &a.operator { dt { "operated by" } dd { (self.actor_link(DOWN, o)) } }
                @if !operates.is_empty() {
                    dt { "operates" } dd { @for (i, b) in operates.iter().enumerate() { @if i > 0 { ", " } (self.actor_link(DOWN, &b.id)) } }
                }
                dt { "keys" } dd { (a.keys.len()) }
            }
            section id="holds" aria-labelledby="holds-h" {
                h2 id="holds-h" { "Holds" }
                @if holds.is_empty() { p { "No open task." } } @else {
                    (self.queue_down(&holds, &waiting))
                }
            }
            section id="approved" aria-labelledby="approved-h" {
                h2 id="approved-h" { "Decided" }
                @if decided.is_empty() { p { "No approval or rejection." } } @else {
                    table {
                        caption { (listed(decided.len(), "decision")) }
                        thead { tr {
                            th scope="col" { "when" } th scope="col" { "task" } th scope="col" { "decision" }
                            th scope="col" { "revision" } th scope="col" { "bound to digest" } th scope="col" { "in force" }
                        } }
                        tbody {
                            @for (t, d) in decided.iter().take(ACTOR_ROWS) {
                                tr {
                                    td { (self.time_text(&d.at)) }
                                    td { (self.task_link(DOWN, &t.task.id)) " " (shown(&t.task.title)) }
                                    td { @match d.outcome { Outcome::Approve => "approve", Outcome::Reject => "reject" } }
                                    td.num { (d.revision) }
                                    td { (Self::digest(&d.digest)) }
                                    td { @if t.task.approval() == Some(*d) { span.ok { "yes" } } @else { span.void { "no" } } }
                                }
                            }
                        }
                    }
                }
            }
            section id="did" aria-labelledby="did-h" {
                h2 id="did-h" { "Did" }
                @if did.is_empty() { p { "No action in " (self.range_text()) "." } } @else {
                    p { @for (i, (k, n)) in counts.iter().enumerate() { @if i > 0 { ", " } (n) " " (shown(k)) } "." }
                    (self.entry_table(DOWN, did.iter().rev().take(ACTOR_ROWS).copied(), &listed(did.len(), "action"), false))
                }
            }
        };
        self.layout(DOWN, &a.id, body)
    }

    fn queue_down(&self, list: &[&TaskInfo], waiting: &HashMap<&str, (&str, i64)>) -> Markup {
        let h = self.h;
        html! {
            table.queue {
                caption { "Open tasks whose current step this actor holds" }
                thead { tr {
                    th scope="col" { "task" } th scope="col" { "title" } th scope="col" { "step" }
                    th scope="col" { "waiting since" } th scope="col" { "due" } th scope="col" { "last action" }
                } }
                tbody {
                    @for t in list {
                        tr {
                            th scope="row" { (self.task_link(DOWN, &t.task.id)) }
                            td { (shown(&t.task.title)) }
                            td { (t.task.step) }
                            td { @if let Some(w) = waiting.get(t.task.id.as_str()) { (self.time_text(w.0)) " (" (human_duration(w.1)) ")" } @else { "-" } }
                            td { @if let Some((at, text)) = &t.due { span.late[*at < h.now] { (shown(text)) } } @else { "-" } }
                            td { @if let Some(e) = t.entries.last().map(|i| &h.entries[*i]) { (Self::what(e)) " · " (self.proof(DOWN, e)) } @else { "-" } }
                        }
                    }
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Actions on no task: the store's founding, actors, policy.

    fn policy(&self) -> Markup {
        let h = self.h;
        let others: Vec<&Entry> = h
            .entries
            .iter()
            .filter(|e| e.event.task.as_deref().is_none_or(|t| h.task(t).is_none()))
            .collect();
        let body = html! {
            h1 { "Policy and actors" }
            p { "Actions on no task at the tip: the store's founding, actors registered and changed, workflows and the admin quorum." }
            @if others.is_empty() { p { "None in " (self.range_text()) "." } } @else {
                table.timeline {
                    caption { "Oldest first, each one signed commit" }
                    thead { tr {
                        th scope="col" { "when" } th scope="col" { "who" } th scope="col" { "what" }
                        th scope="col" { "commit" } th scope="col" { "proof" }
                    } }
                    tbody {
                        @for e in &others {
                            tr id={ "c-" (e.event.commit) } {
                                td { (self.time(e.event.seconds)) }
                                td { (self.who(TOP, e.event.actor.as_deref(), e.event.actor_kind.as_deref())) }
                                td {
                                    (Self::what(e))
                                    @if let Some(s) = &e.event.subject { p.note { (shown(s)) } }
                                }
                                td { (self.commit_id(&e.event.commit)) }
                                td { (self.judgement(e)) }
                            }
                        }
                    }
                }
            }
            h2 { "Actors" }
            (self.actor_table(TOP))
        };
        self.layout(TOP, "Policy and actors", body)
    }

    // -----------------------------------------------------------------------------------------
    // The figures.

    fn figures(&self) -> Markup {
        let s = &self.h.stats;
        let steps: Vec<Bar> = s
            .steps
            .iter()
            .map(|st| Bar {
                label: st.step.clone(),
                segments: vec![Segment {
                    value: st.mean_seconds as f64,
                    class: "s-bar",
                    what: "mean seconds",
                }],
                note: format!(
                    "mean {}, median {}, max {}, {} visits",
                    human_duration(st.mean_seconds),
                    human_duration(st.median_seconds),
                    human_duration(st.max_seconds),
                    st.visits
                ),
            })
            .collect();
        let share = vec![Bar {
            label: "revisions".into(),
            segments: vec![
                Segment {
                    value: s.revisions.ai as f64,
                    class: "s-ai",
                    what: "by AI",
                },
                Segment {
                    value: s.revisions.human as f64,
                    class: "s-human",
                    what: "by humans",
                },
            ],
            note: format!(
                "AI {} ({} of {})",
                pct(s.revisions.ai_share),
                s.revisions.ai,
                s.revisions.total
            ),
        }];
        let outcome_bars = |rows: &[wf_core::stats::Outcomes]| -> Vec<Bar> {
            rows.iter()
                .map(|o| Bar {
                    label: o.name.clone(),
                    segments: vec![
                        Segment {
                            value: o.accepted as f64,
                            class: "s-acc",
                            what: "accepted",
                        },
                        Segment {
                            value: o.rejected as f64,
                            class: "s-rej",
                            what: "rejected",
                        },
                        Segment {
                            value: o.pending as f64,
                            class: "s-pend",
                            what: "pending",
                        },
                    ],
                    note: format!(
                        "{} accepted ({} of {} judged)",
                        pct(o.acceptance_rate),
                        o.accepted,
                        o.accepted + o.rejected
                    ),
                })
                .collect()
        };
        let mut rounds: BTreeMap<u64, u64> = BTreeMap::new();
        for t in &s.review_rounds.per_task {
            *rounds.entry(t.rounds).or_default() += 1;
        }
        let round_bars: Vec<Bar> = rounds
            .iter()
            .map(|(r, n)| Bar {
                label: format!("{r} round{}", if *r == 1 { "" } else { "s" }),
                segments: vec![Segment {
                    value: *n as f64,
                    class: "s-bar",
                    what: "tasks",
                }],
                note: format!("{n} task{}", if *n == 1 { "" } else { "s" }),
            })
            .collect();
        let approvals: Vec<Bar> = s
            .approvals
            .iter()
            .map(|a| Bar {
                label: a.approver.clone(),
                segments: vec![
                    Segment {
                        value: a.approved as f64,
                        class: "s-acc",
                        what: "approved",
                    },
                    Segment {
                        value: a.rejected as f64,
                        class: "s-rej",
                        what: "rejected",
                    },
                ],
                note: format!("{} approved, {} rejected", a.approved, a.rejected),
            })
            .collect();
        let legend = |items: &[(&str, &str)]| {
            html! {
                ul.legend { @for (class, what) in items { li { span class={ "swatch " (class) } {} (what) } } }
            }
        };
        let outcome_table = |caption: &str, head: &str, rows: &[wf_core::stats::Outcomes]| {
            html! {
                table {
                    caption { (caption) }
                    thead { tr {
                        th scope="col" { (head) } th scope="col" { "revisions" } th scope="col" { "accepted" } th scope="col" { "rejected" }
                        th scope="col" { "pending" } th scope="col" { "acceptance" } th scope="col" { "rejection" }
                    } }
                    tbody { @for o in rows { tr {
                        th scope="row" { (shown(&o.name)) } td.num { (o.revisions) } td.num { (o.accepted) } td.num { (o.rejected) }
                        td.num { (o.pending) } td.num { (pct(o.acceptance_rate)) } td.num { (pct(o.rejection_rate)) }
                    } } }
                }
            }
        };
        let body = html! {
            h1 { "Figures" }
            p {
                "The figures of " code { "wf-stats" } " (spec/views.md), computed from the " (s.events) " actions of " (self.range_text())
                " whose signature is good; " (s.unverified_events) " without a good signature are left out."
            }
            section id="cycle" aria-labelledby="cycle-h" {
                h2 id="cycle-h" { "Cycle time per step" }
                figure {
                    (chart::bars("cycle", "Mean cycle time per step", "Mean time a task spent in each step, over completed visits.", &steps))
                    figcaption { "Mean time from entering a step to leaving it, completed visits only." }
                }
                table {
                    caption { "Cycle time per step" }
                    thead { tr { th scope="col" { "step" } th scope="col" { "visits" } th scope="col" { "mean" } th scope="col" { "median" } th scope="col" { "max" } } }
                    tbody { @for st in &s.steps { tr {
                        th scope="row" { (st.step) } td.num { (st.visits) } td.num { (human_duration(st.mean_seconds)) }
                        td.num { (human_duration(st.median_seconds)) } td.num { (human_duration(st.max_seconds)) }
                    } } }
                }
            }
            section id="share" aria-labelledby="share-h" {
                h2 id="share-h" { "AI share" }
                figure {
                    (chart::bars("share", "Revisions by AI and by humans", &format!("{} revisions: {} by AI, {} by humans.", s.revisions.total, s.revisions.ai, s.revisions.human), &share))
                    figcaption { (legend(&[("s-ai", "by AI"), ("s-human", "by humans")])) }
                }
                p { (s.revisions.total) " revisions: " (s.revisions.ai) " by AI, " (s.revisions.human) " by humans; AI share " (pct(s.revisions.ai_share)) "." }
            }
            section id="models" aria-labelledby="models-h" {
                h2 id="models-h" { "Acceptance per model" }
                figure {
                    (chart::bars("models", "Outcome of each model's revisions", "Accepted, rejected and pending revisions per model.", &outcome_bars(&s.models)))
                    figcaption { (legend(&[("s-acc", "accepted"), ("s-rej", "rejected"), ("s-pend", "pending")])) }
                }
                (outcome_table("Outcome per model", "model", &s.models))
            }
            section id="agents" aria-labelledby="agents-h" {
                h2 id="agents-h" { "Acceptance per AI agent" }
                figure {
                    (chart::bars("agents", "Outcome of each AI agent's revisions", "Accepted, rejected and pending revisions per AI agent.", &outcome_bars(&s.agents)))
                    figcaption { (legend(&[("s-acc", "accepted"), ("s-rej", "rejected"), ("s-pend", "pending")])) }
                }
                (outcome_table("Outcome per AI agent", "agent", &s.agents))
            }
            section id="rounds" aria-labelledby="rounds-h" {
                h2 id="rounds-h" { "Review rounds" }
                figure {
                    (chart::bars("rounds", "Tasks by number of review rounds", "How many tasks had one, two or more review verdicts (accept or request changes).", &round_bars))
                    figcaption {
                        (s.review_rounds.tasks) " tasks reviewed; mean "
                        (s.review_rounds.mean.map_or("-".to_string(), |m| m.to_string())) ", max " (s.review_rounds.max) " rounds."
                    }
                }
                table {
                    caption { "Tasks by review rounds" }
                    thead { tr { th scope="col" { "rounds" } th scope="col" { "tasks" } } }
                    tbody { @for (r, n) in &rounds { tr { th scope="row" { (r) } td.num { (n) } } } }
                }
            }
            section id="decisions" aria-labelledby="decisions-h" {
                h2 id="decisions-h" { "Approvals per approver" }
                figure {
                    (chart::bars("approvals", "Approvals and rejections per approver", "Final decisions given by each approver.", &approvals))
                    figcaption { (legend(&[("s-acc", "approved"), ("s-rej", "rejected")])) }
                }
                table {
                    caption { "Decisions per approver" }
                    thead { tr { th scope="col" { "approver" } th scope="col" { "approved" } th scope="col" { "rejected" } } }
                    tbody { @for a in &s.approvals { tr { th scope="row" { (self.actor_link(TOP, &a.approver)) } td.num { (a.approved) } td.num { (a.rejected) } } } }
                }
            }
            section id="workflows" aria-labelledby="workflows-h" {
                h2 id="workflows-h" { "Workflows" }
                @for (i, (name, w)) in self.h.workflows.iter().enumerate() {
                    figure.workflow {
                        (chart::workflow(&format!("wf{i}"), &Graph::new(w, None)))
                        figcaption { "Workflow " (name) ": who may act in each step; dashed arrows are the ways back." }
                    }
                }
            }
        };
        self.layout(TOP, "Figures", body)
    }
}

/// The caption of a list cut at [`ACTOR_ROWS`].
fn listed(n: usize, what: &str) -> String {
    if n <= ACTOR_ROWS {
        format!("Every {what} ({n}), newest first")
    } else {
        format!("The latest {ACTOR_ROWS} of {n} {what}s, newest first; each task's page lists all of its own")
    }
}

/// `1 task`, `2 tasks`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.0}%", r * 100.0))
}

fn state(task: &Task) -> &'static str {
    match task.state {
        TaskState::Open => "open",
        TaskState::Closed => "closed",
    }
}

/// What a page can show of a file.
#[derive(Clone)]
enum Shown {
    Text(String),
    Binary(usize),
    Large(usize),
    Missing(String),
}

fn read(store: &Store, commit: Oid, path: &str) -> Shown {
    match store.read(commit, path) {
        Ok(Some(b)) if b.len() > SHOW_LIMIT => Shown::Large(b.len()),
        Ok(Some(b)) => match String::from_utf8(b) {
            Ok(t) => Shown::Text(t),
            Err(e) => Shown::Binary(e.as_bytes().len()),
        },
        Ok(None) => Shown::Missing("not found".into()),
        Err(e) => Shown::Missing(format!("unreadable: {e}")),
    }
}

fn content(c: Shown) -> Markup {
    html! {
        @match c {
            Shown::Text(t) => pre.content { (shown_lines(&t)) },
            Shown::Binary(n) => p.small { "Not text: " (n) " bytes." },
            Shown::Large(n) => p.small { (n) " bytes: larger than the board shows." },
            Shown::Missing(why) => p.small { "Not shown: " (shown(&why)) "." },
        }
    }
}

/// The files of a revision, read at the commit that produced it (or, for the latest revision,
/// at the tip when that commit is not in the range).
fn revision_files(
    store: &Store,
    tip: Oid,
    task: &Task,
    r: &wf_core::task::Revision,
    commit: Option<Oid>,
    latest: bool,
) -> Vec<Shown> {
    let at = match (commit, latest) {
        (Some(c), _) => Some(c),
        (None, true) => Some(tip),
        (None, false) => None,
    };
    r.artifacts
        .iter()
        .map(|a| match at {
            Some(c) => read(store, c, &format!("{}out/{}", Task::dir(&task.id), a.name)),
            None => Shown::Missing("the commit that produced it is not in the range".into()),
        })
        .collect()
}

/// The changes from one revision to the next, file by file.
fn diff(
    before: &wf_core::task::Revision,
    old: &[Shown],
    after: &wf_core::task::Revision,
    new: &[Shown],
) -> Markup {
    let mut names: Vec<&str> = before
        .artifacts
        .iter()
        .chain(&after.artifacts)
        .map(|a| a.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let find = |rev: &wf_core::task::Revision, files: &[Shown], name: &str| {
        rev.artifacts
            .iter()
            .position(|a| a.name == name)
            .map(|i| (rev.artifacts[i].sha256.clone(), files.get(i).cloned()))
    };
    html! {
        section.diff aria-label={ "Changes from revision " (before.number) " to " (after.number) } {
            h4 { "Changes from revision " (before.number) }
            @if before.digest == after.digest { p { "None: the same files." } }
            @for name in &names {
                @let a = find(before, old, name);
                @let b = find(after, new, name);
                @match (a, b) {
                    (Some((ha, _)), Some((hb, _))) if ha == hb => {},
                    (None, Some(_)) => p { "Added " code { (shown(name)) } "." },
                    (Some(_), None) => p { "Removed " code { (shown(name)) } "." },
                    (Some((_, Some(Shown::Text(x)))), Some((_, Some(Shown::Text(y))))) => {
                        details.file open {
                            summary { "Changed " (shown(name)) }
                            (text_diff(&x, &y))
                        }
                    },
                    _ => p { "Changed " code { (shown(name)) } " (not shown as text)." },
                }
            }
        }
    }
}

fn text_diff(a: &str, b: &str) -> Markup {
    let d = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(500))
        .diff_lines(a, b);
    html! {
        pre.diff {
            @for (i, group) in d.grouped_ops(3).iter().enumerate() {
                @if i > 0 { span.gap { "⋯\n" } }
                @for op in group {
                    @for c in d.iter_changes(op) {
                        @let line = ended(shown_lines(c.value()));
                        @match c.tag() {
                            ChangeTag::Delete => del { "-" (line) },
                            ChangeTag::Insert => ins { "+" (line) },
                            ChangeTag::Equal => span { " " (line) },
                        }
                    }
                }
            }
        }
    }
}

/// A line of a diff ends with a newline, also the last line of a file without one.
fn ended(mut line: String) -> String {
    if !line.ends_with('\n') {
        line.push('\n');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_shown_without_controls_or_reordering() {
        assert_eq!(shown("a\nb\u{1b}[31m"), "a\\u{a}b\\u{1b}[31m");
        assert_eq!(shown("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(shown_lines("a\n\tb\r\n"), "a\n\tb\n");
    }

    #[test]
    fn a_diff_marks_what_changed() {
        let m = text_diff("one\ntwo\n", "one\n<b>three</b>\n").into_string();
        assert!(m.contains("<del>-two\n</del>"), "{m}");
        assert!(m.contains("<ins>+&lt;b&gt;three&lt;/b&gt;\n</ins>"), "{m}");
    }
}
