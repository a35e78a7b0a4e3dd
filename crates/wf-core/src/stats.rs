//! Figures about the work, computed from history: the events of signed commits (as `wf-log`
//! reads them) and where each task stands now. Nothing here is stored or counted by hand, so
//! the figures cannot be edited; they are recomputed from git on every call. Pure: values in,
//! values out.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::time::Timestamp;

/// One action commit, from its trailers (`spec/commits.md`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// Commit time, seconds.
    pub time: i64,
    /// `Wf-Task`.
    pub task: Option<String>,
    /// `Wf-Action`.
    pub action: String,
    /// `Wf-Actor`.
    pub actor: Option<String>,
    /// `Wf-Actor-Kind`: `human` / `ai`.
    pub actor_kind: Option<String>,
    /// `Wf-Step`: the step before the action.
    pub step: Option<String>,
    /// `Wf-Assignee`.
    pub assignee: Option<String>,
    /// `Wf-Digest`: the revision produced, reviewed or decided.
    pub digest: Option<String>,
    /// `Wf-Verdict`.
    pub verdict: Option<String>,
    /// `Wf-New-Digest`: a reviewer's refined revision.
    pub new_digest: Option<String>,
    /// `Wf-Model`.
    pub model: Option<String>,
    /// The signature is good (by a key registered to the named actor). Other events are left
    /// out of every figure and only counted.
    pub verified: bool,
}

/// Where a task stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskNow {
    /// Its id.
    pub id: String,
    /// Its current step.
    pub step: String,
    /// Closed (approved).
    pub closed: bool,
    /// Who holds the current step.
    pub holder: Option<String>,
    /// The due dates of its workflow's steps, in seconds, by step (steps without one absent).
    pub due: BTreeMap<String, i64>,
}

/// Every figure `wf-stats` reports (`wf.stats/1`, `spec/json.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// The start of the window, when one was given.
    pub since: Option<String>,
    /// The time ages are measured at.
    pub now: String,
    /// Events in the window that count.
    pub events: u64,
    /// Events left out because their signature is not good.
    pub unverified_events: u64,
    /// Tasks now.
    pub tasks: TaskCounts,
    /// Cycle time per step.
    pub steps: Vec<StepTime>,
    /// Review rounds per task.
    pub review_rounds: ReviewRounds,
    /// Revisions and the share produced by AI.
    pub revisions: RevisionCounts,
    /// Acceptance and rejection per model.
    pub models: Vec<Outcomes>,
    /// Acceptance and rejection per AI agent.
    pub agents: Vec<Outcomes>,
    /// What waits on whom, oldest first.
    pub open_handoffs: Vec<Handoff>,
    /// Decisions per approver.
    pub approvals: Vec<Approvals>,
    /// Visits that outlasted their step's due date.
    pub due_breaches: DueBreaches,
    /// Actions signed with a time before the task's previous action.
    pub time_backwards: Vec<Backwards>,
}

/// Visits of steps with a due date (`due` in the workflow at the tip) that lasted longer: the
/// completed ones in the window and the open ones now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DueBreaches {
    /// All breaches.
    pub total: u64,
    /// Per step.
    pub per_step: Vec<StepBreaches>,
    /// Per holder of the step when the visit ended (or now).
    pub per_holder: Vec<HolderBreaches>,
    /// Each breach, latest first.
    pub breaches: Vec<Breach>,
}

/// Breaches of one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepBreaches {
    /// The step.
    pub step: String,
    /// Its visits measured against a due date.
    pub visits: u64,
    /// Those that lasted longer.
    pub breaches: u64,
    /// The latest one, in seconds past the due date.
    pub max_late_seconds: i64,
}

/// Breaches of one holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HolderBreaches {
    /// The holder; `null` for visits nobody held.
    pub holder: Option<String>,
    /// Breaches.
    pub breaches: u64,
    /// The latest one, in seconds past the due date.
    pub max_late_seconds: i64,
}

/// One visit that outlasted its step's due date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breach {
    /// The task.
    pub task: String,
    /// The step.
    pub step: String,
    /// Who held it when the visit ended (or now).
    pub holder: Option<String>,
    /// When the task entered the step.
    pub entered: String,
    /// When it was due.
    pub due_at: String,
    /// When it left the step; `null` while it is still there.
    pub left: Option<String>,
    /// Seconds past the due date (at `left`, or now).
    pub late_seconds: i64,
}

/// An action whose signed time is before the time of the task's previous action: times are
/// the signers' claims, and a clock set wrong (or a forged date) shows here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Backwards {
    /// The task.
    pub task: String,
    /// The action.
    pub action: String,
    /// Who the commit says acted.
    pub actor: Option<String>,
    /// Its signed time.
    pub at: String,
    /// The time of the task's previous action.
    pub previous: String,
}

/// Task counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TaskCounts {
    /// All tasks.
    pub total: u64,
    /// Open ones.
    pub open: u64,
    /// Closed ones.
    pub closed: u64,
}

/// How long tasks stayed in one step: completed visits (entering the step to leaving it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepTime {
    /// The step.
    pub step: String,
    /// Completed visits.
    pub visits: u64,
    /// Mean seconds per visit.
    pub mean_seconds: i64,
    /// Median seconds (the lower middle for an even count).
    pub median_seconds: i64,
    /// Longest visit.
    pub max_seconds: i64,
}

/// Review rounds (accept and request-changes verdicts; comments do not count).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewRounds {
    /// Tasks with at least one round.
    pub tasks: u64,
    /// Mean rounds over those tasks; `null` when none.
    pub mean: Option<f64>,
    /// Most rounds of one task.
    pub max: u64,
    /// Per task, most rounds first.
    pub per_task: Vec<TaskRounds>,
}

/// Rounds of one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskRounds {
    /// The task.
    pub task: String,
    /// Its review verdicts.
    pub rounds: u64,
}

/// Revisions by producer kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RevisionCounts {
    /// All revisions.
    pub total: u64,
    /// By AI actors.
    pub ai: u64,
    /// By humans.
    pub human: u64,
    /// `ai / total`; `null` when there is none.
    pub ai_share: Option<f64>,
}

/// What became of the revisions of one model or one agent. A revision counts as accepted when
/// its latest judgment is an accept or an approval, rejected when it is a request for changes
/// or a rejection, and pending when it has none.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcomes {
    /// The model, or the agent's actor id.
    pub name: String,
    /// Revisions produced.
    pub revisions: u64,
    /// Accepted.
    pub accepted: u64,
    /// Rejected.
    pub rejected: u64,
    /// Not judged yet.
    pub pending: u64,
    /// `accepted / (accepted + rejected)`; `null` when nothing was judged.
    pub acceptance_rate: Option<f64>,
    /// `rejected / (accepted + rejected)`; `null` when nothing was judged.
    pub rejection_rate: Option<f64>,
}

/// An open task's current step and who it waits on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handoff {
    /// The task.
    pub task: String,
    /// Its current step.
    pub step: String,
    /// Who holds it; `null` while nobody was handed it.
    pub holder: Option<String>,
    /// Since when it waits: the later of entering the step and the latest handoff of it.
    pub since: String,
    /// `now - since`, seconds.
    pub age_seconds: i64,
}

/// Decisions of one approver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Approvals {
    /// The approver.
    pub approver: String,
    /// Approvals given.
    pub approved: u64,
    /// Rejections given.
    pub rejected: u64,
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

/// Compute the figures. `events` in history order, oldest first (a task's events are taken in
/// this order, whatever their times say); `since` keeps events, visits and revisions whose time
/// is at or after it; ages are measured at `now`.
pub fn compute(events: &[Event], tasks: &[TaskNow], since: Option<i64>, now: i64) -> Stats {
    let in_window = |t: i64| since.is_none_or(|s| t >= s);
    let sorted: Vec<&Event> = events.iter().collect();
    let unverified = sorted
        .iter()
        .filter(|e| !e.verified && in_window(e.time))
        .count() as u64;
    let good: Vec<&Event> = sorted.into_iter().filter(|e| e.verified).collect();

    // Per task, in order.
    let mut by_task: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in &good {
        if let Some(t) = &e.task {
            by_task.entry(t.as_str()).or_default().push(e);
        }
    }
    // Looked up once per event: a map, not a search of every task (quadratic on long histories).
    let by_id: HashMap<&str, &TaskNow> = tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let now_of = |id: &str| by_id.get(id).copied();

    // Step visits, with who held the step when each ended.
    let mut visits: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut entered_now: BTreeMap<&str, (String, i64)> = BTreeMap::new();
    let mut ended: Vec<Visit> = Vec::new();
    let mut time_backwards: Vec<Backwards> = Vec::new();
    for (id, evs) in &by_task {
        let mut cur: Option<(String, i64)> = None;
        let mut held: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, e) in evs.iter().enumerate() {
            if let Some(p) = i.checked_sub(1).map(|p| evs[p]) {
                if e.time < p.time && in_window(e.time) {
                    time_backwards.push(Backwards {
                        task: id.to_string(),
                        action: e.action.clone(),
                        actor: e.actor.clone(),
                        at: Timestamp(e.time).rfc3339(),
                        previous: Timestamp(p.time).rfc3339(),
                    });
                }
            }
            if let ("assign", Some(step), Some(to)) = (e.action.as_str(), &e.step, &e.assignee) {
                held.insert(step, to);
            }
            let after = evs[i + 1..]
                .first()
                .and_then(|n| n.step.clone())
                .or_else(|| now_of(id).map(|t| t.step.clone()))
                .or_else(|| cur.as_ref().map(|c| c.0.clone()));
            let Some(after) = after else { continue };
            let mut close = |c: &(String, i64)| {
                if in_window(e.time) {
                    visits.entry(c.0.clone()).or_default().push(e.time - c.1);
                    // The approve step is held by the approver, who ends its visits.
                    let decided = matches!(e.action.as_str(), "approve" | "reject");
                    let holder = held
                        .get(c.0.as_str())
                        .map(|h| h.to_string())
                        .or_else(|| e.actor.clone().filter(|_| decided));
                    ended.push(Visit {
                        task: id,
                        step: c.0.clone(),
                        start: c.1,
                        end: Some(e.time),
                        holder,
                    });
                }
            };
            match e.action.as_str() {
                "new" | "reopen" => cur = Some((after, e.time)),
                "approve" => {
                    if let Some(c) = cur.take() {
                        close(&c);
                    }
                }
                _ => {
                    if let Some(c) = &cur {
                        if c.0 != after {
                            close(c);
                            cur = Some((after, e.time));
                        }
                    }
                }
            }
        }
        if let Some(c) = cur {
            entered_now.insert(id, c);
        }
    }
    let steps = visits
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(step, mut v)| {
            v.sort_unstable();
            StepTime {
                step,
                visits: v.len() as u64,
                mean_seconds: v.iter().sum::<i64>() / v.len() as i64,
                median_seconds: v[(v.len() - 1) / 2],
                max_seconds: *v.last().expect("not empty"),
            }
        })
        .collect();

    let window: Vec<&Event> = good.iter().copied().filter(|e| in_window(e.time)).collect();

    // Review rounds.
    let mut rounds: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &window {
        let verdict = e.verdict.as_deref();
        if e.action == "review" && matches!(verdict, Some("accept" | "request-changes")) {
            if let Some(t) = &e.task {
                *rounds.entry(t).or_default() += 1;
            }
        }
    }
    let mut per_task: Vec<TaskRounds> = rounds
        .iter()
        .map(|(t, n)| TaskRounds {
            task: t.to_string(),
            rounds: *n,
        })
        .collect();
    per_task.sort_by(|a, b| b.rounds.cmp(&a.rounds).then(a.task.cmp(&b.task)));
    let total_rounds: u64 = per_task.iter().map(|r| r.rounds).sum();
    let review_rounds = ReviewRounds {
        tasks: per_task.len() as u64,
        mean: rate(total_rounds, per_task.len() as u64),
        max: per_task.first().map_or(0, |r| r.rounds),
        per_task,
    };

    // Revisions, and what became of them.
    struct Rev<'e> {
        model: Option<&'e str>,
        actor: Option<&'e str>,
        ai: bool,
        verdict: Option<bool>,
    }
    let mut revs: Vec<(&str, Rev)> = Vec::new();
    let mut judgments: Vec<(&str, bool)> = Vec::new();
    for e in &good {
        let ai = e.actor_kind.as_deref() == Some("ai");
        let produced = match e.action.as_str() {
            "submit" => e.digest.as_deref(),
            "review" => e.new_digest.as_deref(),
            _ => None,
        };
        if let Some(d) = produced {
            if in_window(e.time) {
                revs.push((
                    d,
                    Rev {
                        model: e.model.as_deref(),
                        actor: e.actor.as_deref(),
                        ai,
                        verdict: None,
                    },
                ));
            }
        }
        let judged = match (e.action.as_str(), e.verdict.as_deref()) {
            ("review", Some("accept")) | ("approve", _) => Some(true),
            ("review", Some("request-changes")) | ("reject", _) => Some(false),
            _ => None,
        };
        if let (Some(ok), Some(d)) = (judged, e.digest.as_deref()) {
            judgments.push((d, ok));
        }
    }
    // The last judgment of a digest is what became of every revision with that digest.
    let last: HashMap<&str, bool> = judgments.into_iter().collect();
    for (rd, r) in revs.iter_mut() {
        if let Some(ok) = last.get(rd) {
            r.verdict = Some(*ok);
        }
    }
    let ai_count = revs.iter().filter(|(_, r)| r.ai).count() as u64;
    let revisions = RevisionCounts {
        total: revs.len() as u64,
        ai: ai_count,
        human: revs.len() as u64 - ai_count,
        ai_share: rate(ai_count, revs.len() as u64),
    };
    let outcomes = |key: &dyn Fn(&Rev) -> Option<String>| -> Vec<Outcomes> {
        let mut m: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for (_, r) in &revs {
            if let Some(k) = key(r) {
                let e = m.entry(k).or_default();
                e.0 += 1;
                match r.verdict {
                    Some(true) => e.1 += 1,
                    Some(false) => e.2 += 1,
                    None => {}
                }
            }
        }
        m.into_iter()
            .map(|(name, (n, a, r))| Outcomes {
                name,
                revisions: n,
                accepted: a,
                rejected: r,
                pending: n - a - r,
                acceptance_rate: rate(a, a + r),
                rejection_rate: rate(r, a + r),
            })
            .collect()
    };
    let models = outcomes(&|r| r.model.map(str::to_string));
    let agents = outcomes(&|r| r.ai.then(|| r.actor.map(str::to_string)).flatten());

    // Open handoffs: every open task, waiting since it entered its step or was last handed it.
    let mut open_handoffs: Vec<Handoff> = tasks
        .iter()
        .filter(|t| !t.closed)
        .map(|t| {
            let entered = entered_now
                .get(t.id.as_str())
                .filter(|(s, _)| *s == t.step)
                .map(|(_, at)| *at);
            let handed = by_task.get(t.id.as_str()).and_then(|evs| {
                evs.iter()
                    .rev()
                    .find(|e| {
                        e.action == "assign"
                            && e.step.as_deref() == Some(t.step.as_str())
                            && e.assignee.is_some()
                            && e.assignee == t.holder
                    })
                    .map(|e| e.time)
            });
            let since = entered.max(handed).unwrap_or(now);
            Handoff {
                task: t.id.clone(),
                step: t.step.clone(),
                holder: t.holder.clone(),
                since: Timestamp(since).rfc3339(),
                age_seconds: now - since,
            }
        })
        .collect();
    open_handoffs.sort_by(|a, b| b.age_seconds.cmp(&a.age_seconds).then(a.task.cmp(&b.task)));

    // Decisions per approver.
    let mut decided: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for e in &window {
        let Some(a) = e.actor.as_deref() else {
            continue;
        };
        match e.action.as_str() {
            "approve" => decided.entry(a).or_default().0 += 1,
            "reject" => decided.entry(a).or_default().1 += 1,
            _ => {}
        }
    }
    let approvals = decided
        .into_iter()
        .map(|(a, (ok, no))| Approvals {
            approver: a.to_string(),
            approved: ok,
            rejected: no,
        })
        .collect();

    for t in tasks.iter().filter(|t| !t.closed) {
        if let Some((step, start)) = entered_now.get(t.id.as_str()).filter(|(s, _)| *s == t.step) {
            ended.push(Visit {
                task: &t.id,
                step: step.clone(),
                start: *start,
                end: None,
                holder: t.holder.clone(),
            });
        }
    }
    let due_breaches = breaches(&ended, tasks, now);

    Stats {
        since: since.map(|s| Timestamp(s).rfc3339()),
        now: Timestamp(now).rfc3339(),
        events: window.len() as u64,
        unverified_events: unverified,
        tasks: TaskCounts {
            total: tasks.len() as u64,
            open: tasks.iter().filter(|t| !t.closed).count() as u64,
            closed: tasks.iter().filter(|t| t.closed).count() as u64,
        },
        steps,
        review_rounds,
        revisions,
        models,
        agents,
        open_handoffs,
        approvals,
        due_breaches,
        time_backwards,
    }
}

/// One stay of a task in a step: from entering it to leaving it (`None`: it is there now).
struct Visit<'t> {
    task: &'t str,
    step: String,
    start: i64,
    end: Option<i64>,
    holder: Option<String>,
}

/// The visits that lasted longer than their step's due date in the task's workflow.
fn breaches(visits: &[Visit], tasks: &[TaskNow], now: i64) -> DueBreaches {
    let mut out = DueBreaches::default();
    let mut steps: BTreeMap<&str, (u64, u64, i64)> = BTreeMap::new();
    let mut holders: BTreeMap<Option<&str>, (u64, i64)> = BTreeMap::new();
    // A map, not a search of every task per visit (quadratic on long histories).
    let by_id: HashMap<&str, &TaskNow> = tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    for v in visits {
        let Some(due) = by_id.get(v.task).and_then(|t| t.due.get(&v.step)) else {
            continue;
        };
        let s = steps.entry(&v.step).or_default();
        s.0 += 1;
        let late = v.end.unwrap_or(now) - v.start - due;
        if late <= 0 {
            continue;
        }
        s.1 += 1;
        s.2 = s.2.max(late);
        let h = holders.entry(v.holder.as_deref()).or_default();
        h.0 += 1;
        h.1 = h.1.max(late);
        out.breaches.push(Breach {
            task: v.task.to_string(),
            step: v.step.clone(),
            holder: v.holder.clone(),
            entered: Timestamp(v.start).rfc3339(),
            due_at: Timestamp(v.start + due).rfc3339(),
            left: v.end.map(|e| Timestamp(e).rfc3339()),
            late_seconds: late,
        });
    }
    out.total = out.breaches.len() as u64;
    out.breaches.sort_by(|a, b| {
        b.late_seconds
            .cmp(&a.late_seconds)
            .then(a.task.cmp(&b.task))
    });
    out.per_step = steps
        .into_iter()
        .map(|(step, (visits, breaches, max))| StepBreaches {
            step: step.to_string(),
            visits,
            breaches,
            max_late_seconds: max,
        })
        .collect();
    out.per_holder = holders
        .into_iter()
        .map(|(holder, (breaches, max))| HolderBreaches {
            holder: holder.map(str::to_string),
            breaches,
            max_late_seconds: max,
        })
        .collect();
    out
}

/// A duration for people: `45s`, `12m`, `1h05m`, `2d03h`.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    fn ev(time: i64, task: &str, action: &str, actor: &str, kind: &str, step: &str) -> Event {
        Event {
            time,
            task: Some(task.into()),
            action: action.into(),
            actor: Some(actor.into()),
            actor_kind: Some(kind.into()),
            step: (!step.is_empty()).then(|| step.to_string()),
            verified: true,
            ..Event::default()
        }
    }

    /// The five-step flow of one task, an hour between actions, and a second task waiting.
    fn history() -> (Vec<Event>, Vec<TaskNow>) {
        let t = "T-1";
        let mut submit1 = ev(2 * H, t, "submit", "bot", "ai", "draft");
        submit1.digest = Some("d1".into());
        submit1.model = Some("llama".into());
        let mut changes = ev(4 * H, t, "review", "bob", "human", "review");
        changes.digest = Some("d1".into());
        changes.verdict = Some("request-changes".into());
        let mut submit2 = ev(5 * H, t, "submit", "bot", "ai", "draft");
        submit2.digest = Some("d2".into());
        submit2.model = Some("llama".into());
        let mut accept = ev(7 * H, t, "review", "bob", "human", "review");
        accept.digest = Some("d2".into());
        accept.verdict = Some("accept".into());
        accept.new_digest = Some("d3".into());
        let mut submit3 = ev(9 * H, t, "submit", "bot", "ai", "optimize");
        submit3.digest = Some("d4".into());
        submit3.model = Some("gpt".into());
        let mut approve = ev(12 * H, t, "approve", "alice", "human", "approve");
        approve.digest = Some("d4".into());
        let mut assign1 = ev(H, t, "assign", "alice", "human", "draft");
        assign1.assignee = Some("bot".into());
        let mut assign2 = ev(3 * H, t, "assign", "alice", "human", "review");
        assign2.assignee = Some("bob".into());
        let mut waiting = ev(10 * H, "T-2", "assign", "alice", "human", "draft");
        waiting.assignee = Some("bot".into());
        let events = vec![
            ev(0, t, "new", "alice", "human", ""),
            assign1,
            submit1,
            assign2,
            changes,
            submit2,
            accept,
            submit3,
            ev(8 * H, "T-2", "new", "alice", "human", ""),
            waiting,
            approve,
        ];
        let tasks = vec![
            TaskNow {
                id: t.into(),
                step: "approve".into(),
                closed: true,
                holder: Some("alice".into()),
                due: BTreeMap::new(),
            },
            TaskNow {
                id: "T-2".into(),
                step: "draft".into(),
                closed: false,
                holder: Some("bot".into()),
                due: BTreeMap::new(),
            },
        ];
        (events, tasks)
    }

    #[test]
    fn cycle_time_per_step_comes_from_the_step_changes() {
        let (events, tasks) = history();
        let s = compute(&events, &tasks, None, 14 * H);
        let steps: Vec<(&str, u64, i64, i64)> = s
            .steps
            .iter()
            .map(|x| (x.step.as_str(), x.visits, x.mean_seconds, x.max_seconds))
            .collect();
        // draft: 0h..2h and 4h..5h; review 2h..4h and 5h..7h; optimize 7h..9h; approve 9h..12h.
        assert_eq!(
            steps,
            [
                ("approve", 1, 3 * H, 3 * H),
                ("draft", 2, 3 * H / 2, 2 * H),
                ("optimize", 1, 2 * H, 2 * H),
                ("review", 2, 2 * H, 2 * H)
            ]
        );
        assert_eq!(s.steps[1].median_seconds, H);
    }

    #[test]
    fn review_rounds_revisions_and_outcomes_per_model_and_agent() {
        let (events, tasks) = history();
        let s = compute(&events, &tasks, None, 14 * H);
        assert_eq!(s.review_rounds.tasks, 1);
        assert_eq!(s.review_rounds.max, 2);
        assert_eq!(s.review_rounds.mean, Some(2.0));
        assert_eq!(s.revisions.total, 4);
        assert_eq!(s.revisions.ai, 3);
        assert_eq!(s.revisions.ai_share, Some(0.75));
        let m: Vec<(&str, u64, u64, u64, u64)> = s
            .models
            .iter()
            .map(|o| {
                (
                    o.name.as_str(),
                    o.revisions,
                    o.accepted,
                    o.rejected,
                    o.pending,
                )
            })
            .collect();
        assert_eq!(m, [("gpt", 1, 1, 0, 0), ("llama", 2, 1, 1, 0)]);
        assert_eq!(s.models[1].acceptance_rate, Some(0.5));
        assert_eq!(s.agents.len(), 1);
        assert_eq!(s.agents[0].name, "bot");
        assert_eq!(s.agents[0].revisions, 3);
        assert_eq!(s.agents[0].accepted, 2);
        assert_eq!(s.approvals[0].approver, "alice");
        assert_eq!(s.approvals[0].approved, 1);
    }

    #[test]
    fn open_handoffs_age_from_the_later_of_entering_and_handing_over() {
        let (events, tasks) = history();
        let s = compute(&events, &tasks, None, 14 * H);
        assert_eq!(s.tasks.open, 1);
        assert_eq!(s.open_handoffs.len(), 1);
        let h = &s.open_handoffs[0];
        assert_eq!((h.task.as_str(), h.step.as_str()), ("T-2", "draft"));
        assert_eq!(h.holder.as_deref(), Some("bot"));
        assert_eq!(h.age_seconds, 4 * H, "handed over at 10h, now 14h");
    }

    #[test]
    fn a_window_keeps_later_events_and_forged_events_never_count() {
        let (mut events, tasks) = history();
        let mut forged = ev(11 * H, "T-1", "approve", "alice", "human", "approve");
        forged.verified = false;
        events.push(forged);
        let s = compute(&events, &tasks, Some(6 * H), 14 * H);
        assert_eq!(s.unverified_events, 1);
        assert_eq!(
            s.approvals[0].approved, 1,
            "the forged approval is left out"
        );
        assert_eq!(s.revisions.total, 2, "d3 at 7h and d4 at 9h");
        assert_eq!(s.review_rounds.max, 1);
        assert_eq!(s.since.as_deref(), Some("1970-01-01T06:00:00Z"));
        let steps: Vec<&str> = s.steps.iter().map(|x| x.step.as_str()).collect();
        assert_eq!(steps, ["approve", "optimize", "review"]);
    }

    #[test]
    fn due_date_breaches_count_per_step_and_per_holder_ended_or_open() {
        let (events, mut tasks) = history();
        tasks[0].due = [("review".to_string(), H), ("approve".to_string(), 2 * H)].into();
        tasks[1].due = [("draft".to_string(), H)].into();
        let s = compute(&events, &tasks, None, 14 * H);
        let d = &s.due_breaches;
        // review 2h..4h and 5h..7h (an hour late each, bob held it), approve 9h..12h (an hour
        // late, alice decided), T-2's draft since 8h (5h late now, the bot holds it).
        assert_eq!(d.total, 4);
        let steps: Vec<(&str, u64, u64, i64)> = d
            .per_step
            .iter()
            .map(|x| (x.step.as_str(), x.visits, x.breaches, x.max_late_seconds))
            .collect();
        assert_eq!(
            steps,
            [
                ("approve", 1, 1, H),
                ("draft", 1, 1, 5 * H),
                ("review", 2, 2, H)
            ]
        );
        let holders: Vec<(Option<&str>, u64)> = d
            .per_holder
            .iter()
            .map(|h| (h.holder.as_deref(), h.breaches))
            .collect();
        assert_eq!(
            holders,
            [(Some("alice"), 1), (Some("bob"), 2), (Some("bot"), 1)]
        );
        let open = &d.breaches[0];
        assert_eq!((open.task.as_str(), open.late_seconds), ("T-2", 5 * H));
        assert_eq!(open.left, None);
        assert_eq!(open.due_at, "1970-01-01T09:00:00Z");
        assert!(s.time_backwards.is_empty());
    }

    #[test]
    fn a_signed_time_before_the_tasks_previous_action_is_flagged() {
        let (mut events, tasks) = history();
        let mut early = ev(H / 2, "T-2", "assign", "alice", "human", "draft");
        early.assignee = Some("bot".into());
        events.push(early);
        let s = compute(&events, &tasks, None, 14 * H);
        assert_eq!(s.time_backwards.len(), 1);
        let b = &s.time_backwards[0];
        assert_eq!(
            (
                b.task.as_str(),
                b.action.as_str(),
                b.at.as_str(),
                b.previous.as_str()
            ),
            (
                "T-2",
                "assign",
                "1970-01-01T00:30:00Z",
                "1970-01-01T10:00:00Z"
            )
        );
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(human_duration(42), "42s");
        assert_eq!(human_duration(12 * 60), "12m");
        assert_eq!(human_duration(H + 5 * 60), "1h05m");
        assert_eq!(human_duration(2 * 86_400 + 3 * H), "2d03h");
    }
}
