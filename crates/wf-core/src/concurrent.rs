//! Concurrent actions on one task, made on two lines of history (two clones, a branch and
//! main), and the one order in which they are replayed: by the time each was made, the first
//! line's action first when two were made in the same second. Each is decided again by
//! [`crate::decide`], as if it had been made there, under the policy where the lines meet.
//! When every action still passes, that replay is the task where the lines join: what a git
//! merge of the task file must hold, what wf's merge driver writes, what the verifier accepts.
//! When one fails, the lines conflict on the task and `wf sync` replays one line's actions on
//! the other, setting aside (superseding) what no longer passes. See `spec/sync.md`.

use crate::actor::{Actor, Actors};
use crate::rules::{decide, Action, Refusal};
use crate::task::Task;
use crate::time::Timestamp;
use crate::workflow::Workflow;

/// One action of a line: who made it, what, when (the commit's time, which `decide` stamps
/// into the record).
#[derive(Clone, Debug)]
pub struct Step {
    /// The actor who made it.
    pub actor: Actor,
    /// The action, as rebuilt from its commit.
    pub action: Action,
    /// When it was made.
    pub time: Timestamp,
}

/// Why two lines of actions on one task cannot be joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Which line's action failed (0 or 1).
    pub line: usize,
    /// Its index in that line.
    pub index: usize,
    /// The rule that refuses it once the other line's earlier actions are in.
    pub refusal: Refusal,
}

/// The order in which two lines' actions are replayed: by time, line 0 first on a tie; each
/// line keeps its own order. Pairs of `(line, index)`.
pub fn order(lines: [&[Step]; 2]) -> Vec<(usize, usize)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(lines[0].len() + lines[1].len());
    while i < lines[0].len() || j < lines[1].len() {
        let take_first = match (lines[0].get(i), lines[1].get(j)) {
            (Some(a), Some(b)) => a.time <= b.time,
            (Some(_), None) => true,
            _ => false,
        };
        if take_first {
            out.push((0, i));
            i += 1;
        } else {
            out.push((1, j));
            j += 1;
        }
    }
    out
}

/// Replay both lines from `base` (`None`: the task does not exist yet) in [`order`], each
/// action decided under `workflow` and `actors`. Returns the task after all of them, or the
/// first action that no longer passes.
pub fn replay(
    workflow: &Workflow,
    actors: &Actors,
    base: Option<&Task>,
    lines: [&[Step]; 2],
) -> Result<Task, Conflict> {
    let mut task = base.cloned();
    for (line, index) in order(lines) {
        let s = &lines[line][index];
        let next = decide(workflow, actors, task.as_ref(), &s.actor, &s.action, s.time).map_err(
            |refusal| Conflict {
                line,
                index,
                refusal,
            },
        )?;
        task = Some(next);
    }
    task.ok_or(Conflict {
        line: 0,
        index: 0,
        refusal: Refusal {
            rule: crate::Rule::Input,
            reason: "neither line has an action".into(),
            hint: "nothing to join".into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{ai, fresh_task, human};
    use crate::task::Verdict;

    fn actors() -> Actors {
        Actors {
            actors: vec![
                human("alice", &["admin", "requester"]),
                human("bob", &["reviewer"]),
                human("carol", &["reviewer"]),
                ai("bot", &["drafter"], "alice", "m"),
            ],
        }
    }

    fn step(actors: &Actors, who: &str, action: Action, time: i64) -> Step {
        Step {
            actor: actors.get(who).unwrap().clone(),
            action,
            time: Timestamp(time),
        }
    }

    /// A task at the review step, assigned to bob, with the bot's revision 1.
    fn at_review(wf: &Workflow, actors: &Actors) -> Task {
        let t = fresh_task("T");
        let t = decide(
            wf,
            actors,
            Some(&t),
            actors.get("alice").unwrap(),
            &Action::Assign {
                to: "bot".into(),
                note: String::new(),
            },
            Timestamp(1),
        )
        .unwrap();
        let out = crate::rules::Output {
            artifacts: vec![crate::task::Artifact {
                name: "a.md".into(),
                sha256: "a".repeat(64),
                size: 1,
            }],
            model: Some("m".into()),
            prompt_sha256: None,
            note: String::new(),
            run: None,
        };
        let t = decide(
            wf,
            actors,
            Some(&t),
            actors.get("bot").unwrap(),
            &Action::Submit(out),
            Timestamp(2),
        )
        .unwrap();
        decide(
            wf,
            actors,
            Some(&t),
            actors.get("alice").unwrap(),
            &Action::Assign {
                to: "bob".into(),
                note: String::new(),
            },
            Timestamp(3),
        )
        .unwrap()
    }

    #[test]
    fn the_order_is_by_time_with_the_first_line_first_on_a_tie() {
        let a = actors();
        let note = |n: &str| Action::Assign {
            to: "bob".into(),
            note: n.into(),
        };
        let l0 = [
            step(&a, "alice", note("a"), 5),
            step(&a, "alice", note("b"), 7),
        ];
        let l1 = [
            step(&a, "alice", note("c"), 5),
            step(&a, "alice", note("d"), 6),
        ];
        assert_eq!(order([&l0, &l1]), vec![(0, 0), (1, 0), (1, 1), (0, 1)]);
        assert_eq!(order([&l0, &[]]), vec![(0, 0), (0, 1)]);
    }

    #[test]
    fn a_comment_and_a_handoff_commute_and_join() {
        let (wf, a) = (Workflow::default_workflow(), actors());
        let base = at_review(&wf, &a);
        let digest = base.latest().unwrap().digest.clone();
        let comment = Action::Review {
            verdict: Verdict::Comment,
            revision: 1,
            digest,
            note: "a thought".into(),
            revise: None,
        };
        let handoff = Action::Assign {
            to: "carol".into(),
            note: "carol reviews".into(),
        };
        let l0 = [step(&a, "bob", comment, 10)];
        let l1 = [step(&a, "alice", handoff, 10)];
        let joined = replay(&wf, &a, Some(&base), [&l0, &l1]).unwrap();
        assert_eq!(joined.reviews.len(), 1);
        assert_eq!(joined.assignee(), Some("carol"));
        // Replayed the other way round (the other clone merges), the same task.
        let other = replay(&wf, &a, Some(&base), [&l1, &l0]).unwrap();
        assert_eq!(other.to_toml(), joined.to_toml());
    }

    #[test]
    fn an_accept_and_a_handoff_of_the_same_review_conflict() {
        let (wf, a) = (Workflow::default_workflow(), actors());
        let base = at_review(&wf, &a);
        let digest = base.latest().unwrap().digest.clone();
        let accept = Action::Review {
            verdict: Verdict::Accept,
            revision: 1,
            digest,
            note: "fine".into(),
            revise: None,
        };
        let handoff = Action::Assign {
            to: "carol".into(),
            note: String::new(),
        };
        let l0 = [step(&a, "alice", handoff, 10)];
        let l1 = [step(&a, "bob", accept, 11)];
        let c = replay(&wf, &a, Some(&base), [&l0, &l1]).unwrap_err();
        assert_eq!((c.line, c.index), (1, 0));
        assert_eq!(c.refusal.rule, crate::Rule::Assignee);
    }
}
