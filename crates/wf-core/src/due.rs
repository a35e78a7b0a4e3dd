//! Due dates: how late a task is at its step, measured from when it entered the step; and the
//! signed times of a task file that go backwards.
//!
//! Every time wf records is the signer's claim (the commit date its tool wrote), so lateness is
//! only as true as the clocks of the people and machines who acted; a time that goes backwards
//! is shown, never trusted to mean anything. `now` is handed in by the tools.

use crate::task::{Task, TaskState};
use crate::time::Timestamp;
use crate::workflow::Workflow;

/// Where a task stands against its step's due date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lateness {
    /// The step's `due`, as written (`48h`).
    pub due: String,
    /// The same in seconds.
    pub seconds: i64,
    /// When the task entered the step.
    pub entered: Timestamp,
    /// Whether `entered` is the task's `entered_at`, or (for a task that entered the step
    /// before its workflow gave it a due date) the time of its latest record.
    pub recorded: bool,
    /// `entered + seconds`.
    pub due_at: Timestamp,
    /// `now - due_at`: how late, when positive; how much time is left, when negative.
    pub late_seconds: i64,
}

impl Lateness {
    /// Past its due date.
    pub fn overdue(&self) -> bool {
        self.late_seconds > 0
    }
}

/// How late an open task is at its current step at `now`; `None` when the task is closed or its
/// step has no due date (or is not in the workflow).
pub fn lateness(workflow: &Workflow, task: &Task, now: Timestamp) -> Option<Lateness> {
    if task.state != TaskState::Open {
        return None;
    }
    let step = workflow.step(&task.step)?;
    let seconds = step.due_seconds()?;
    let recorded = task.entered_at.as_deref().and_then(Timestamp::parse);
    let entered = recorded.or_else(|| latest_time(task))?;
    let due_at = Timestamp(entered.0.saturating_add(seconds));
    Some(Lateness {
        due: step.due.clone().unwrap_or_default(),
        seconds,
        entered,
        recorded: recorded.is_some(),
        due_at,
        late_seconds: now.0.saturating_sub(due_at.0),
    })
}

/// Every time a task file records, with what it is, in the file's order.
fn times(task: &Task) -> Vec<(String, &str)> {
    let mut out = vec![("created".to_string(), task.created_at.as_str())];
    for a in &task.assignments {
        out.push((format!("the handoff of {} to {}", a.step, a.to), &a.at));
    }
    for r in &task.revisions {
        out.push((format!("revision {}", r.number), &r.at));
    }
    for r in &task.reviews {
        out.push((
            format!(
                "the {} by {} of revision {}",
                r.verdict.as_str(),
                r.actor,
                r.revision
            ),
            &r.at,
        ));
    }
    for d in &task.decisions {
        out.push((
            format!("the decision by {} on revision {}", d.actor, d.revision),
            &d.at,
        ));
    }
    for r in &task.reopens {
        out.push((format!("the reopen by {}", r.actor), &r.at));
    }
    for c in &task.checks {
        out.push((format!("the check of revision {}", c.revision), &c.at));
    }
    out
}

/// The latest time the task file records.
pub fn latest_time(task: &Task) -> Option<Timestamp> {
    times(task)
        .iter()
        .filter_map(|(_, t)| Timestamp::parse(t))
        .max()
}

/// How far past the reader's clock a signed time may be before it is shown: clocks of honest
/// machines differ by seconds, not hours.
pub const AHEAD_TOLERANCE: i64 = 3600;

/// The signed times of a task file later than `now` by more than [`AHEAD_TOLERANCE`], one line
/// each. A signer who dates a record ahead (a submit dated next year) moves the time the next
/// step is measured from, so it shows as not yet due; no verifier can know the time, but the
/// reader's clock can.
pub fn ahead(task: &Task, now: Timestamp) -> Vec<String> {
    times(task)
        .iter()
        .filter_map(|(what, at)| {
            let t = Timestamp::parse(at)?;
            let by = t.0.saturating_sub(now.0);
            (by > AHEAD_TOLERANCE).then(|| {
                format!(
                    "{what} at {at} is {} after this clock ({})",
                    crate::stats::human_duration(by),
                    now.rfc3339()
                )
            })
        })
        .collect()
}

/// The earliest clock (in seconds since the epoch) from which [`ahead`] finds nothing in the
/// task file: its latest time less [`AHEAD_TOLERANCE`] (any clock, when it records no time that
/// reads). What a reader derives from the task holds for every clock from then on, unless it
/// also depends on a due date.
pub fn quiet_from(task: &Task) -> i64 {
    latest_time(task).map_or(i64::MIN, |t| t.0.saturating_sub(AHEAD_TOLERANCE))
}

/// The signed times of a task file that go backwards, one line each: a record earlier than the
/// task's creation, than the record before it of the same kind, or than the revision it reviews,
/// decides or checks. (Records of different kinds are not ordered in the file; `wf-stats` reads
/// the order of every action from history.)
pub fn backwards(task: &Task) -> Vec<String> {
    let t = |s: &str| Timestamp::parse(s);
    let mut out = Vec::new();
    let mut flag = |what: &str, at: &str, other: &str, when: &str| {
        if let (Some(a), Some(b)) = (t(at), t(when)) {
            if a < b {
                out.push(format!("{what} at {at} is before {other} at {when}"));
            }
        }
    };
    for (what, at) in times(task).iter().skip(1) {
        flag(what, at, "the task's creation", &task.created_at);
    }
    let lists: [Vec<(String, &str)>; 6] = [
        task.assignments
            .iter()
            .map(|a| {
                (
                    format!("the handoff of {} to {}", a.step, a.to),
                    a.at.as_str(),
                )
            })
            .collect(),
        task.revisions
            .iter()
            .map(|r| (format!("revision {}", r.number), r.at.as_str()))
            .collect(),
        task.reviews
            .iter()
            .map(|r| {
                (
                    format!("the {} by {}", r.verdict.as_str(), r.actor),
                    r.at.as_str(),
                )
            })
            .collect(),
        task.decisions
            .iter()
            .map(|d| (format!("the decision by {}", d.actor), d.at.as_str()))
            .collect(),
        task.reopens
            .iter()
            .map(|r| (format!("the reopen by {}", r.actor), r.at.as_str()))
            .collect(),
        task.checks
            .iter()
            .map(|c| {
                (
                    format!("the check of revision {}", c.revision),
                    c.at.as_str(),
                )
            })
            .collect(),
    ];
    for list in &lists {
        for w in list.windows(2) {
            flag(&w[1].0, w[1].1, &w[0].0, w[0].1);
        }
    }
    let revision = |n: u32| task.revisions.iter().find(|r| r.number == n);
    let cites = task
        .reviews
        .iter()
        .map(|r| {
            (
                format!("the {} by {}", r.verdict.as_str(), r.actor),
                r.revision,
                &r.at,
            )
        })
        .chain(
            task.decisions
                .iter()
                .map(|d| (format!("the decision by {}", d.actor), d.revision, &d.at)),
        )
        .chain(
            task.checks
                .iter()
                .map(|c| (format!("the check by {}", c.actor), c.revision, &c.at)),
        );
    for (what, n, at) in cites {
        if let Some(r) = revision(n) {
            flag(&what, at, &format!("revision {n} it names"), &r.at);
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::fresh_task;

    fn wf(due: Option<&str>) -> Workflow {
        let mut w = Workflow::default_workflow();
        w.steps[1].due = due.map(String::from);
        w
    }

    #[test]
    fn lateness_counts_from_entering_the_step_and_falls_back_to_the_latest_record() {
        let mut t = fresh_task("t");
        let now = Timestamp::parse("2026-11-26T06:00:00Z").unwrap();
        assert_eq!(lateness(&wf(None), &t, now), None, "no due date");
        // No entered_at (the step got its due date later): the latest record, its creation.
        let l = lateness(&wf(Some("24h")), &t, now).unwrap();
        assert!(!l.recorded);
        assert_eq!(l.due_at.rfc3339(), "2026-11-25T00:00:00Z");
        assert_eq!(l.late_seconds, 30 * 3600);
        assert!(l.overdue());
        t.entered_at = Some("2026-11-25T12:00:00Z".into());
        let l = lateness(&wf(Some("2d")), &t, now).unwrap();
        assert!(l.recorded);
        assert_eq!(l.late_seconds, -30 * 3600, "30 hours left");
        assert!(!l.overdue());
        t.state = TaskState::Closed;
        assert_eq!(
            lateness(&wf(Some("1h")), &t, now),
            None,
            "closed tasks are not due"
        );
    }

    #[test]
    fn a_time_before_the_record_it_follows_or_names_is_flagged() {
        let mut t = fresh_task("t");
        assert!(backwards(&t).is_empty());
        t.assignments.push(crate::task::Assignment {
            step: "draft".into(),
            by: "alice".into(),
            to: "bot".into(),
            at: "2026-11-23T00:00:00Z".into(),
            note: String::new(),
        });
        let b = backwards(&t);
        assert_eq!(
            b,
            ["the handoff of draft to bot at 2026-11-23T00:00:00Z is before the task's creation at 2026-11-24T00:00:00Z"]
        );
    }
}
