//! Random sequences of actions by random actors (humans, AIs, admins, the owner, the approver,
//! the producer, the holder) over the default workflow, the test workflows of `rules/tests.rs`
//! and random valid workflows. Every action goes to [`decide`]; the allowed ones are applied.
//!
//! After every allowed action: what was allowed is exactly what `spec/rules.md` allows (above
//! all, a decision only by the designated approver, a human, who did not produce the revision
//! decided on; a verdict of a human review step never by an AI or by the revision's producer;
//! no verdict or decision by anyone its step asks to be independent of; no review step moving
//! on before its quorum; no check step passed but by a check of its command that exited 0),
//! the task's invariants hold, its file round-trips, its commit message carries the trailers
//! of the action, and the verifier replays the commit to the same task.

use proptest::prelude::*;

use crate::common::{awkward, name, workflow_with};
use wf_core::actor::{Actor, ActorKind, Actors};
use wf_core::digest::sha256_hex;
use wf_core::fixtures::step;
use wf_core::rules::{decide, holder, Action, CheckRun, Output, Refusal, Rule};
use wf_core::task::{Artifact, CheckOutcome, Input, Outcome, Run, Task, TaskState, Verdict};
use wf_core::text::printable;
use wf_core::time::Timestamp;
use wf_core::trailer::{self, key as tk};
use wf_core::workflow::{Performer, Relation, Step, StepKind, Workflow};

/// The roles the random workflows ask for and the actors hold.
const ROLES: [&str; 5] = ["requester", "drafter", "reviewer", "optimizer", "checker"];
/// alice is always a human admin with every role; the others are drawn.
const IDS: [&str; 6] = ["alice", "bob", "carol", "dave", "bot", "bot2"];
const TASK_ID: &str = "T-3f9a2c";

#[derive(Clone, Debug)]
struct World {
    wf: Workflow,
    actors: Actors,
}

impl World {
    fn actor(&self, id: &str) -> &Actor {
        self.actors.get(id).expect("registered")
    }
}

/// The fixed workflows: the default, and the variants the exhaustive search of
/// `rules/tests.rs` uses (short, double review, a human writes), plus one whose review admits
/// AI verdicts.
fn fixed_workflows() -> Vec<Workflow> {
    let mut short = Workflow::default_workflow();
    short.name = "short".into();
    short.steps.remove(3);
    short.steps[3].rework = None;
    let mut double = short.clone();
    double.name = "double-review".into();
    double.steps.insert(
        3,
        step("check", StepKind::Review, Performer::Human, &["reviewer"]),
    );
    let human_writes = Workflow {
        name: "human-writes".into(),
        description: String::new(),
        steps: vec![
            step("define", StepKind::Define, Performer::Human, &["requester"]),
            step("write", StepKind::Produce, Performer::Human, &["requester"]),
            step("approve", StepKind::Approve, Performer::Human, &[]),
        ],
    };
    let mut ai_review = Workflow::default_workflow();
    ai_review.name = "ai-review".into();
    ai_review.steps[2].actor = Performer::Any;
    ai_review.steps[2].roles.push("drafter".into());
    let governed = Workflow::parse(include_str!("../../../../spec/examples/governed.toml"))
        .expect("the example workflow is valid");
    vec![
        Workflow::default_workflow(),
        short,
        double,
        human_writes,
        ai_review,
        governed,
    ]
}

/// The default cast of `rules/tests.rs`, plus dave (no roles) and bot2 (an AI reviewer, and
/// the machine that runs checks).
fn default_cast() -> Actors {
    use wf_core::fixtures::{ai, human};
    Actors {
        actors: vec![
            human(
                "alice",
                &[
                    "admin",
                    "requester",
                    "reviewer",
                    "drafter",
                    "optimizer",
                    "checker",
                ],
            ),
            human("bob", &["reviewer"]),
            human("carol", &["reviewer", "requester"]),
            human("dave", &[]),
            ai("bot", &["drafter"], "alice", "stand-in"),
            ai(
                "bot2",
                &["reviewer", "optimizer", "checker"],
                "bob",
                "other model",
            ),
        ],
    }
}

/// Random actors over [`IDS`]: kinds and roles drawn, AI models awkward.
fn random_cast() -> impl Strategy<Value = Actors> {
    let one = (
        any::<bool>(),
        prop::sample::subsequence(ROLES.to_vec(), 0..=ROLES.len()),
        any::<bool>(),
        prop::option::of(awkward()),
    );
    prop::collection::vec(one, IDS.len() - 1).prop_map(|drawn| {
        let mut actors = vec![wf_core::fixtures::human(
            "alice",
            &[
                "admin",
                "requester",
                "drafter",
                "reviewer",
                "optimizer",
                "checker",
            ],
        )];
        for (id, (ai, roles, admin, model)) in IDS[1..].iter().zip(drawn) {
            let mut a = wf_core::fixtures::human(id, &roles);
            if ai {
                a.kind = ActorKind::Ai;
                a.operator = Some("alice".into());
                a.model = model;
            } else if admin {
                a.roles.push("admin".into());
            }
            actors.push(a);
        }
        Actors { actors }
    })
}

fn world() -> impl Strategy<Value = World> {
    let wf = prop_oneof![
        2 => prop::sample::select(fixed_workflows()),
        3 => workflow_with(prop::sample::select(ROLES.to_vec()).prop_map(String::from).boxed()),
    ];
    let cast = prop_oneof![1 => Just(default_cast()), 2 => random_cast()];
    (wf, cast).prop_map(|(mut wf, actors)| {
        // alice defines the tasks: an approval independent of the requester needs another
        // human the approve step admits, or no task could be defined at all.
        let approve = wf.steps.last_mut().expect("an approve step");
        let another = actors
            .actors
            .iter()
            .any(|a| a.id != "alice" && a.is_human() && approve.admits(a));
        if !another {
            approve.independent_of.retain(|r| *r != Relation::Requester);
        }
        World { wf, actors }
    })
}

/// Who acts or is named: a registered actor, or a party of the task as it is now.
#[derive(Clone, Copy, Debug)]
enum Who {
    Actor(usize),
    Owner,
    Approver,
    Holder,
    Producer,
    /// Who gave the latest review (to accept twice where a quorum counts each once).
    LastReviewer,
    /// The n-th actor the current step admits.
    Admitted(usize),
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        4 => (0..IDS.len()).prop_map(Who::Actor),
        1 => Just(Who::Owner),
        2 => Just(Who::Approver),
        3 => Just(Who::Holder),
        2 => Just(Who::Producer),
        1 => Just(Who::LastReviewer),
        2 => any::<usize>().prop_map(Who::Admitted),
    ]
}

/// Which revision a review or a decision names.
#[derive(Clone, Copy, Debug)]
enum Target {
    Latest,
    First,
    WrongDigest,
    WrongNumber,
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        8 => Just(Target::Latest),
        1 => Just(Target::First),
        1 => Just(Target::WrongDigest),
        1 => Just(Target::WrongNumber),
    ]
}

fn note() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        3 => "[a-z ]{1,12}",
        2 => awkward(),
        1 => "[\\x00-\\x08\\x0e-\\x1f\\x7f]{1,3}",
    ]
}

#[derive(Clone, Debug)]
struct OutSeed {
    artifacts: Vec<(String, String, u64)>,
    model: Option<String>,
    prompt: Option<String>,
    note: String,
    run: Option<(Vec<String>, i32)>,
}

fn out_seed() -> impl Strategy<Value = OutSeed> {
    let file_name = prop_oneof![
        8 => "[a-z]{1,6}\\.md",
        1 => awkward(),
    ];
    (
        prop::collection::vec((file_name, "[a-z]{0,8}", 0..50u64), 0..3),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        note(),
        prop::option::of((
            prop::collection::vec(awkward(), 0..3),
            prop_oneof![4 => Just(0), 1 => any::<i32>()],
        )),
    )
        .prop_map(|(artifacts, model, prompt, note, run)| OutSeed {
            artifacts,
            model,
            prompt,
            note,
            run,
        })
}

impl OutSeed {
    fn output(&self) -> Output {
        Output {
            artifacts: self
                .artifacts
                .iter()
                .map(|(name, content, size)| Artifact {
                    name: name.clone(),
                    sha256: sha256_hex(content.as_bytes()),
                    size: *size,
                })
                .collect(),
            model: self.model.clone(),
            prompt_sha256: self.prompt.as_deref().map(|p| sha256_hex(p.as_bytes())),
            note: self.note.clone(),
            run: self.run.as_ref().map(|(command, exit_status)| Run {
                command: command.clone(),
                started_at: "2026-11-24T06:00:00Z".into(),
                ended_at: "2026-11-24T06:00:07Z".into(),
                exit_status: *exit_status,
                revision_digest: None,
                inputs: vec![],
            }),
        }
    }
}

#[derive(Clone, Debug)]
enum Seed {
    Create {
        who: Who,
        owner: Option<Who>,
        approver: Option<Who>,
        title: String,
        inputs: Vec<(String, String)>,
    },
    Assign {
        who: Who,
        to: Who,
        note: String,
    },
    Submit {
        who: Who,
        out: OutSeed,
    },
    Review {
        who: Who,
        verdict: Verdict,
        target: Target,
        note: String,
        revise: Option<OutSeed>,
    },
    Decide {
        who: Who,
        approve: bool,
        target: Target,
        note: String,
    },
    Reopen {
        who: Who,
        note: String,
    },
    /// A check of the revision named, with the step's command (or another), ended as drawn.
    Check {
        who: Who,
        target: Target,
        exit: Option<i32>,
        timed_out: bool,
        other_command: bool,
    },
    /// What the step expects, by whoever should do it: the owner hands the step over to an
    /// actor it admits, the holder submits or accepts, the approver decides, the owner reopens.
    /// Mixed with the random seeds, sequences get far enough to decide.
    Progress {
        n: usize,
        approve: bool,
        out: OutSeed,
        note: String,
    },
}

fn create_seed() -> impl Strategy<Value = Seed> {
    (
        who(),
        prop::option::of(who()),
        prop::option::of(who()),
        awkward(),
        prop::collection::vec((prop_oneof![4 => name(), 1 => awkward()], awkward()), 0..3),
    )
        .prop_map(|(who, owner, approver, title, inputs)| Seed::Create {
            who,
            owner,
            approver,
            title,
            inputs,
        })
}

fn seed() -> impl Strategy<Value = Seed> {
    let verdict = prop_oneof![
        3 => Just(Verdict::Accept),
        2 => Just(Verdict::RequestChanges),
        1 => Just(Verdict::Comment),
    ];
    prop_oneof![
        1 => create_seed(),
        6 => (who(), who(), note()).prop_map(|(who, to, note)| Seed::Assign { who, to, note }),
        4 => (who(), out_seed()).prop_map(|(who, out)| Seed::Submit { who, out }),
        4 => (who(), verdict, target(), note(), prop::option::weighted(0.3, out_seed())).prop_map(
            |(who, verdict, target, note, revise)| Seed::Review { who, verdict, target, note, revise }
        ),
        3 => (who(), prop::bool::weighted(0.7), target(), note()).prop_map(
            |(who, approve, target, note)| Seed::Decide { who, approve, target, note }
        ),
        1 => (who(), note()).prop_map(|(who, note)| Seed::Reopen { who, note }),
        3 => (
            prop_oneof![2 => Just(Who::Holder), 1 => who()],
            target(),
            prop_oneof![3 => Just(Some(0)), 1 => Just(Some(1)), 1 => Just(None)],
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.3),
        )
            .prop_map(|(who, target, exit, timed_out, other_command)| Seed::Check {
                who,
                target,
                exit,
                timed_out,
                other_command,
            }),
        16 => (any::<usize>(), prop::bool::weighted(0.7), out_seed(), note()).prop_map(
            |(n, approve, out, note)| Seed::Progress { n, approve, out, note }
        ),
    ]
}

/// The actor a [`Who`] names in the task as it is now (`alice` when it names nobody).
fn resolve<'w>(w: &'w World, t: Option<&Task>, who: Who) -> &'w Actor {
    let all = &w.actors.actors;
    let id = match (who, t) {
        (Who::Actor(i), _) => Some(all[i % all.len()].id.clone()),
        (Who::Owner, Some(t)) => Some(t.owner.clone()),
        (Who::Approver, Some(t)) => Some(t.approver.clone()),
        (Who::Holder, Some(t)) => holder(&w.wf, t).map(String::from),
        (Who::Producer, Some(t)) => t.latest().map(|r| r.actor.clone()),
        (Who::LastReviewer, Some(t)) => t.reviews.last().map(|r| r.actor.clone()),
        (Who::Admitted(n), _) => {
            let step = t.and_then(|t| w.wf.step(&t.step)).unwrap_or(w.wf.define());
            let ok: Vec<&Actor> = all.iter().filter(|a| step.admits(a)).collect();
            (!ok.is_empty()).then(|| ok[n % ok.len()].id.clone())
        }
        _ => None,
    };
    w.actor(id.as_deref().unwrap_or("alice"))
}

fn named(t: &Task, target: Target) -> (u32, String) {
    let latest = t.latest();
    let (n, d) = latest.map_or((1, "sha256:none".to_string()), |r| {
        (r.number, r.digest.clone())
    });
    match target {
        Target::Latest => (n, d),
        Target::First => t
            .revisions
            .first()
            .map_or((n, d), |r| (r.number, r.digest.clone())),
        Target::WrongDigest => (n, format!("sha256:{}", "0".repeat(64))),
        Target::WrongNumber => (n + 1, d),
    }
}

/// The action a seed stands for, against the task as it is now, and who takes it.
fn action<'w>(w: &'w World, t: Option<&Task>, seed: &Seed) -> (&'w Actor, Action) {
    let r = |who| resolve(w, t, who);
    match seed {
        Seed::Create {
            who,
            owner,
            approver,
            title,
            inputs,
        } => (
            r(*who),
            Action::Create {
                id: TASK_ID.into(),
                title: title.clone(),
                owner: owner.map(|o| r(o).id.clone()),
                approver: approver.map(|a| r(a).id.clone()),
                inputs: inputs
                    .iter()
                    .map(|(name, text)| Input {
                        name: name.clone(),
                        text: Some(text.clone()),
                        file: None,
                        sha256: sha256_hex(text.as_bytes()),
                    })
                    .collect(),
            },
        ),
        Seed::Assign { who, to, note } => (
            r(*who),
            Action::Assign {
                to: r(*to).id.clone(),
                note: note.clone(),
            },
        ),
        Seed::Submit { who, out } => (r(*who), Action::Submit(out.output())),
        Seed::Review {
            who,
            verdict,
            target,
            note,
            revise,
        } => {
            let t = t.expect("a task");
            let (revision, digest) = named(t, *target);
            (
                r(*who),
                Action::Review {
                    verdict: *verdict,
                    revision,
                    digest,
                    note: note.clone(),
                    revise: revise.as_ref().map(OutSeed::output),
                },
            )
        }
        Seed::Decide {
            who,
            approve,
            target,
            note,
        } => {
            let t = t.expect("a task");
            let (revision, digest) = named(t, *target);
            let outcome = if *approve {
                Outcome::Approve
            } else {
                Outcome::Reject
            };
            (
                r(*who),
                Action::Decide {
                    outcome,
                    revision,
                    digest,
                    note: note.clone(),
                },
            )
        }
        Seed::Reopen { who, note } => (r(*who), Action::Reopen { note: note.clone() }),
        Seed::Check {
            who,
            target,
            exit,
            timed_out,
            other_command,
        } => {
            let t = t.expect("a task");
            let (revision, digest) = named(t, *target);
            let step = w.wf.step(&t.step).expect("the task's step exists");
            let command = if *other_command {
                vec!["true".to_string()]
            } else {
                step.command.clone()
            };
            (
                r(*who),
                check_action(revision, digest, command, *exit, *timed_out),
            )
        }
        Seed::Progress {
            n,
            approve,
            out,
            note,
        } => progress(w, t.expect("a task"), *n, *approve, out, note),
    }
}

fn check_action(
    revision: u32,
    digest: String,
    command: Vec<String>,
    exit_status: Option<i32>,
    timed_out: bool,
) -> Action {
    Action::Check {
        revision,
        digest,
        run: CheckRun {
            command,
            exit_status,
            timed_out,
            output_sha256: sha256_hex(b"checked\n"),
            output_size: 8,
            truncated: false,
        },
    }
}

fn progress<'w>(
    w: &'w World,
    t: &Task,
    n: usize,
    approve: bool,
    out: &OutSeed,
    note: &str,
) -> (&'w Actor, Action) {
    let owner = w.actor(&t.owner);
    // Mostly a reason, sometimes the raw note (which may be blank or only controls).
    let reason = match n % 3 {
        0 => note.to_string(),
        _ => format!("because {note}"),
    };
    if t.state == TaskState::Closed {
        return (owner, Action::Reopen { note: reason });
    }
    let step = w.wf.step(&t.step).expect("the task's step exists");
    let producer = t.latest().map(|r| r.actor.as_str());
    let holder = holder(&w.wf, t);
    if step.kind != StepKind::Approve && (holder.is_none() || n.is_multiple_of(4)) {
        let fit: Vec<&Actor> = w
            .actors
            .actors
            .iter()
            .filter(|a| step.admits(a) && Some(a.id.as_str()) != producer)
            .collect();
        if !fit.is_empty() {
            let to = fit[n % fit.len()].id.clone();
            let note = note.to_string();
            return (owner, Action::Assign { to, note });
        }
    }
    let mut doer = holder.map_or(owner, |h| w.actor(h));
    let given = wf_core::rules::accepts(t, &step.name);
    if step.quorum() > 1 && !given.is_empty() && n % 5 == 1 {
        // Now and then one who accepted already tries again (rule 14).
        doer = w.actor(given[n % given.len()]);
    } else if step.quorum() > 1 {
        // Any reviewer the step admits: the n-th who may still accept.
        let fit: Vec<&Actor> = w
            .actors
            .actors
            .iter()
            .filter(|a| step.admits(a) && Some(a.id.as_str()) != producer)
            .filter(|a| !wf_core::rules::accepts(t, &step.name).contains(&a.id.as_str()))
            .collect();
        if !fit.is_empty() {
            doer = fit[n % fit.len()];
        }
    }
    let mut good = out.clone();
    good.artifacts = vec![("p.md".into(), format!("{n} {}", t.revisions.len()), 9)];
    let (revision, digest) = named(t, Target::Latest);
    let action = match step.kind {
        StepKind::Produce => Action::Submit(good.output()),
        StepKind::Review => Action::Review {
            verdict: if n.is_multiple_of(5) {
                Verdict::RequestChanges
            } else {
                Verdict::Accept
            },
            revision,
            digest,
            note: note.to_string(),
            revise: (step.revise && n.is_multiple_of(2)).then(|| good.output()),
        },
        StepKind::Check => check_action(
            revision,
            digest,
            step.command.clone(),
            Some(if n.is_multiple_of(6) { 2 } else { 0 }),
            false,
        ),
        StepKind::Approve | StepKind::Define => Action::Decide {
            outcome: if approve {
                Outcome::Approve
            } else {
                Outcome::Reject
            },
            revision,
            digest,
            note: reason,
        },
    };
    (doer, action)
}

fn has_text(note: &str) -> bool {
    !printable(note).trim().is_empty()
}

/// Whether `who` is tied to the work in any way the step names.
fn tied_any(w: &World, t: &Task, step: &Step, who: &str) -> bool {
    step.independent_of
        .iter()
        .any(|rel| wf_core::fixtures::tied(&w.actors, t, *rel, who))
}

/// The distinct actors who accepted revision `revision`/`digest` at `step`.
fn accepted_by<'t>(t: &'t Task, step: &str, revision: u32, digest: &str) -> Vec<&'t str> {
    let mut who: Vec<&str> = t
        .reviews
        .iter()
        .filter(|r| {
            r.verdict == Verdict::Accept
                && r.step == step
                && r.revision == revision
                && r.digest == digest
        })
        .map(|r| r.actor.as_str())
        .collect();
    who.sort_unstable();
    who.dedup();
    who
}

/// What `spec/rules.md` says of an action that `decide` allowed, from the task before it.
fn allowed_as_the_rules_say(
    w: &World,
    before: &Task,
    actor: &Actor,
    action: &Action,
    next: &Task,
) -> Result<(), TestCaseError> {
    let step = w.wf.step(&before.step).expect("the task's step exists");
    let holder = holder(&w.wf, before);
    let latest = before.latest();
    let binds = |revision: u32, digest: &str| {
        latest.is_some_and(|l| l.number == revision && l.digest == digest)
    };
    if before.state == TaskState::Closed {
        prop_assert!(
            matches!(action, Action::Reopen { .. }),
            "rule 7: only a reopen changes a closed task"
        );
    }
    match action {
        Action::Create { .. } => prop_assert!(false, "a second create of {}", before.id),
        Action::Reopen { note } => {
            prop_assert_eq!(
                before.state,
                TaskState::Closed,
                "rule 9: reopen of an open task"
            );
            prop_assert_eq!(&actor.id, &before.owner, "rule 7: only the owner reopens");
            prop_assert!(has_text(note), "rule 12: a reopen needs a reason");
        }
        Action::Assign { to, .. } => {
            prop_assert!(
                actor.id == before.owner
                    || actor.id == before.approver
                    || holder == Some(actor.id.as_str())
                    || actor.is_admin(),
                "rule 10: {} handed over a step",
                actor.id
            );
            let target = w.actors.get(to);
            prop_assert!(target.is_some(), "rule 12: unregistered target");
            let target = target.unwrap();
            prop_assert!(step.admits(target), "rule 1: step does not admit {}", to);
            if step.kind == StepKind::Approve {
                prop_assert!(target.is_human(), "rule 3: an AI handed the approve step");
                prop_assert_eq!(
                    to,
                    &before.approver,
                    "rule 4: approve step to a non-approver"
                );
            }
            if step.kind == StepKind::Review && step.actor == Performer::Human {
                prop_assert!(target.is_human(), "rule 3: an AI handed a human review");
            }
            if matches!(step.kind, StepKind::Review | StepKind::Approve) {
                prop_assert!(
                    !tied_any(w, before, step, to),
                    "rule 13: {} handed step {} it is tied to",
                    to,
                    step.name
                );
            }
        }
        Action::Check {
            revision,
            digest,
            run,
        } => {
            prop_assert_eq!(step.kind, StepKind::Check, "rule 9");
            prop_assert!(step.admits(actor), "rule 1");
            prop_assert_eq!(holder, Some(actor.id.as_str()), "rule 2");
            prop_assert!(
                binds(*revision, digest),
                "rule 6: check of a stale revision"
            );
            prop_assert_eq!(&run.command, &step.command, "rule 15");
            let c = next.checks.last().unwrap();
            let pass = run.exit_status == Some(0) && !run.timed_out;
            prop_assert_eq!(c.outcome == CheckOutcome::Pass, pass);
            let forward = w.wf.next(&step.name).map(|s| s.name.clone());
            let back = w.wf.rework(&step.name).map(|s| s.name.clone());
            prop_assert_eq!(
                Some(next.step.clone()),
                if pass { forward } else { back },
                "pass moves on, fail goes back"
            );
        }
        Action::Submit(_) => {
            prop_assert_eq!(step.kind, StepKind::Produce, "rule 9");
            prop_assert!(step.admits(actor), "rule 1");
            prop_assert_eq!(holder, Some(actor.id.as_str()), "rule 2");
        }
        Action::Review {
            verdict,
            revision,
            digest,
            note,
            revise,
        } => {
            prop_assert!(
                binds(*revision, digest),
                "rule 6: review of a stale revision"
            );
            if *verdict == Verdict::Comment {
                prop_assert!(revise.is_none(), "rule 12: a comment with a revision");
                prop_assert!(has_text(note), "rule 12: a comment needs text");
            } else {
                prop_assert_eq!(step.kind, StepKind::Review, "rule 9");
                if step.actor == Performer::Human {
                    prop_assert!(
                        actor.is_human(),
                        "rule 3: an AI gave a human review's verdict"
                    );
                }
                prop_assert!(step.admits(actor), "rule 1");
                if step.quorum() <= 1 {
                    prop_assert_eq!(holder, Some(actor.id.as_str()), "rule 2");
                }
                prop_assert_ne!(
                    &latest.unwrap().actor,
                    &actor.id,
                    "rule 5: a verdict on one's own revision"
                );
                prop_assert!(
                    !tied_any(w, before, step, &actor.id),
                    "rule 13: {} gave a verdict at {} tied to the work",
                    actor.id,
                    step.name
                );
                if *verdict == Verdict::Accept {
                    let had = accepted_by(before, &step.name, *revision, digest);
                    prop_assert!(
                        !had.contains(&actor.id.as_str()),
                        "rule 14: an accept counted twice"
                    );
                    let now = accepted_by(next, &step.name, *revision, digest);
                    let moved = next.step != before.step;
                    prop_assert_eq!(
                        moved,
                        now.len() >= step.quorum() as usize,
                        "the step moves exactly when its quorum is reached ({} of {})",
                        now.len(),
                        step.quorum()
                    );
                }
                if revise.is_some() {
                    prop_assert!(
                        *verdict == Verdict::Accept && step.revise,
                        "rule 12: revise"
                    );
                }
            }
        }
        Action::Decide {
            outcome,
            revision,
            digest,
            note,
        } => {
            prop_assert_eq!(step.kind, StepKind::Approve, "rule 9");
            prop_assert!(actor.is_human(), "rule 3: an AI decided");
            prop_assert_eq!(
                &actor.id,
                &before.approver,
                "rule 4: not the approver decided"
            );
            prop_assert!(step.admits(actor), "rule 1");
            prop_assert!(
                binds(*revision, digest),
                "rule 6: decision on a stale revision"
            );
            prop_assert_ne!(
                &latest.unwrap().actor,
                &actor.id,
                "rule 5: a decision on one's own revision"
            );
            prop_assert!(
                !tied_any(w, before, step, &actor.id),
                "rule 13: {} decided on work it is tied to",
                actor.id
            );
            if *outcome == Outcome::Reject {
                prop_assert!(has_text(note), "rule 12: a rejection needs a reason");
            }
            let d = next.decisions.last().unwrap();
            prop_assert_eq!(&d.actor, &actor.id);
            prop_assert_eq!(
                next.state == TaskState::Closed,
                *outcome == Outcome::Approve
            );
        }
    }
    Ok(())
}

/// The converse for decisions: when every check `spec/rules.md` lists for approve/reject
/// passes, the approver is not refused.
fn decision_refused_wrongly(
    w: &World,
    before: &Task,
    actor: &Actor,
    action: &Action,
    r: &Refusal,
) -> Result<(), TestCaseError> {
    let Action::Decide {
        outcome,
        revision,
        digest,
        note,
    } = action
    else {
        return Ok(());
    };
    let step = w.wf.step(&before.step).expect("the task's step exists");
    let latest = before.latest();
    let all_pass = before.state == TaskState::Open
        && step.kind == StepKind::Approve
        && actor.is_human()
        && actor.id == before.approver
        && step.admits(actor)
        && latest.is_some_and(|l| l.number == *revision && l.digest == *digest)
        && latest.is_some_and(|l| l.actor != actor.id)
        && !tied_any(w, before, step, &actor.id)
        && (*outcome == Outcome::Approve || has_text(note));
    prop_assert!(!all_pass, "the approver was refused: {}", r);
    Ok(())
}

/// What holds of every task the rules let exist.
fn task_invariants(w: &World, t: &Task) -> Result<(), TestCaseError> {
    let kind = |id: &str| w.actors.get(id).map(|a| a.kind);
    let revision = |n: u32| t.revisions.iter().find(|r| r.number == n);
    prop_assert_eq!(kind(&t.owner), Some(ActorKind::Human));
    prop_assert_eq!(kind(&t.approver), Some(ActorKind::Human));
    prop_assert!(w.wf.steps.last().unwrap().admits(w.actor(&t.approver)));
    prop_assert!(w
        .wf
        .step(&t.step)
        .is_some_and(|s| s.kind != StepKind::Define));
    for (i, r) in t.revisions.iter().enumerate() {
        prop_assert_eq!(r.number as usize, i + 1);
        prop_assert!(!r.artifacts.is_empty());
        prop_assert_eq!(kind(&r.actor), Some(r.producer));
    }
    for d in &t.decisions {
        prop_assert_eq!(kind(&d.actor), Some(ActorKind::Human), "an AI decided");
        prop_assert_eq!(&d.actor, &t.approver, "not the approver decided");
        let rev = revision(d.revision);
        prop_assert!(rev.is_some_and(|r| r.digest == d.digest));
        prop_assert_ne!(&rev.unwrap().actor, &d.actor, "the producer decided");
        if d.outcome == Outcome::Reject {
            prop_assert!(!d.note.trim().is_empty(), "a rejection without a reason");
        }
    }
    for r in &t.reviews {
        let rev = revision(r.revision);
        prop_assert!(rev.is_some_and(|x| x.digest == r.digest));
        prop_assert_eq!(kind(&r.actor), Some(r.reviewer));
        if r.verdict == Verdict::Comment {
            prop_assert!(!r.note.trim().is_empty(), "a comment without text");
            continue;
        }
        prop_assert_ne!(&rev.unwrap().actor, &r.actor, "the producer reviewed");
        let step = w.wf.step(&r.step);
        prop_assert!(step.is_some_and(|s| s.kind == StepKind::Review));
        if step.unwrap().actor == Performer::Human {
            prop_assert_eq!(r.reviewer, ActorKind::Human, "an AI gave a human review");
        }
    }
    for c in &t.checks {
        let step = w.wf.step(&c.step);
        prop_assert!(step.is_some_and(|s| s.kind == StepKind::Check));
        prop_assert_eq!(
            &c.command,
            &step.unwrap().command,
            "a check of another command"
        );
        prop_assert_eq!(kind(&c.actor), Some(ActorKind::Ai), "a check by a human");
    }
    let due_here = w.wf.step(&t.step).is_some_and(|s| s.due.is_some());
    prop_assert_eq!(
        t.entered_at.is_some(),
        due_here && t.state == TaskState::Open,
        "entered_at is recorded exactly at an open task's step with a due date"
    );
    for r in &t.reopens {
        prop_assert_eq!(&r.actor, &t.owner);
        prop_assert!(!r.note.trim().is_empty(), "a reopen without a reason");
    }
    match t.state {
        TaskState::Closed => {
            let d = t.approval();
            prop_assert!(d.is_some(), "closed without an approval");
            let l = t.latest().unwrap();
            prop_assert_eq!(
                (d.unwrap().revision, &d.unwrap().digest),
                (l.number, &l.digest)
            );
        }
        TaskState::Open => prop_assert!(t.approval().is_none()),
    }
    let text = t.to_toml();
    let back = Task::parse(&text);
    prop_assert_eq!(back.as_ref(), Ok(t), "the task file does not round-trip");
    prop_assert_eq!(back.unwrap().to_toml(), text);
    Ok(())
}

/// An action appends records and moves `step`/`state`; nothing else changes.
fn append_only(before: &Task, next: &Task) -> Result<(), TestCaseError> {
    let fixed = |t: &Task| {
        (
            t.id.clone(),
            t.title.clone(),
            t.workflow.clone(),
            t.owner.clone(),
            t.approver.clone(),
            t.created_by.clone(),
            t.created_at.clone(),
            t.inputs.clone(),
        )
    };
    prop_assert_eq!(fixed(before), fixed(next));
    prop_assert!(next.assignments.starts_with(&before.assignments));
    prop_assert!(next.revisions.starts_with(&before.revisions));
    prop_assert!(next.reviews.starts_with(&before.reviews));
    prop_assert!(next.decisions.starts_with(&before.decisions));
    prop_assert!(next.reopens.starts_with(&before.reopens));
    prop_assert!(next.checks.starts_with(&before.checks));
    let grown = next.assignments.len()
        + next.revisions.len()
        + next.reviews.len()
        + next.decisions.len()
        + next.reopens.len()
        + next.checks.len()
        - before.assignments.len()
        - before.revisions.len()
        - before.reviews.len()
        - before.decisions.len()
        - before.reopens.len()
        - before.checks.len();
    prop_assert!((1..=2).contains(&grown), "{} records appended", grown);
    Ok(())
}

/// The commit message of an allowed action names it, and the verifier replays it.
fn message_and_replay(
    w: &World,
    before: Option<&Task>,
    actor: &Actor,
    action: &Action,
    next: &Task,
    at: Timestamp,
) -> Result<(), TestCaseError> {
    let m = trailer::action_message(before, next, action, actor);
    let tr = trailer::parse(&m);
    let get = |k| trailer::get(&tr, k);
    prop_assert_eq!(get(tk::TASK), Some(next.id.as_str()), "{}", m);
    prop_assert_eq!(get(tk::ACTION), Some(action.name()));
    prop_assert_eq!(get(tk::ACTOR), Some(actor.id.as_str()));
    prop_assert_eq!(get(tk::ACTOR_KIND), Some(actor.kind.as_str()));
    wf_core::fixtures::replays(&w.wf, &w.actors, actor, before, next, action, at);
    Ok(())
}

/// Create the task from the seed, or (when that is refused) as alice for herself.
fn founded(w: &World, seed: &Seed, at: Timestamp) -> Result<Task, TestCaseError> {
    let (actor, a) = action(w, None, seed);
    let t = match decide(&w.wf, &w.actors, None, actor, &a, at) {
        Ok(t) => {
            prop_assert!(w.wf.define().admits(actor), "rule 1 at create");
            message_and_replay(w, None, actor, &a, &t, at)?;
            t
        }
        Err(_) => {
            // alice for herself, or (when the approval is independent of the requester) with
            // the first other human the approve step admits as approver.
            let alice = w.actor("alice");
            let approve = w.wf.steps.last().expect("an approve step");
            let approver = w
                .actors
                .actors
                .iter()
                .find(|a| a.is_human() && approve.admits(a) && a.id != "alice")
                .filter(|_| approve.independent_of.contains(&Relation::Requester))
                .map(|a| a.id.clone());
            let a = Action::Create {
                id: TASK_ID.into(),
                title: "t".into(),
                owner: None,
                approver,
                inputs: vec![],
            };
            let t = decide(&w.wf, &w.actors, None, alice, &a, at);
            prop_assert!(t.is_ok(), "alice may always create: {:?}", t.err());
            t.unwrap()
        }
    };
    task_invariants(w, &t)?;
    Ok(t)
}

/// What a run reached, to show the property is not vacuous.
#[derive(Debug, Default)]
struct Reached {
    allowed: usize,
    approvals: usize,
    rejects: usize,
    reopens: usize,
    verdicts: usize,
    checks: usize,
    /// Accepts that left a quorum review step where it was.
    short_of_quorum: usize,
    refusals: std::collections::BTreeSet<u8>,
}

fn run_sequence(w: &World, create: &Seed, seeds: &[Seed]) -> Result<Reached, TestCaseError> {
    prop_assert_eq!(w.wf.validate(), Ok(()));
    prop_assert_eq!(w.actors.validate(), Ok(()));
    let mut at = Timestamp(1_795_497_415);
    let mut t = founded(w, create, at)?;
    let mut reached = Reached::default();
    for seed in seeds {
        at = Timestamp(at.0 + 60);
        let (actor, a) = action(w, Some(&t), seed);
        match decide(&w.wf, &w.actors, Some(&t), actor, &a, at) {
            Ok(next) => {
                reached.allowed += 1;
                match &a {
                    Action::Decide {
                        outcome: Outcome::Approve,
                        ..
                    } => reached.approvals += 1,
                    Action::Decide { .. } => reached.rejects += 1,
                    Action::Reopen { .. } => reached.reopens += 1,
                    Action::Review { verdict, .. } if *verdict != Verdict::Comment => {
                        reached.verdicts += 1;
                        if *verdict == Verdict::Accept && next.step == t.step {
                            reached.short_of_quorum += 1;
                        }
                    }
                    Action::Check { .. } => reached.checks += 1,
                    _ => {}
                }
                allowed_as_the_rules_say(w, &t, actor, &a, &next)?;
                append_only(&t, &next)?;
                task_invariants(w, &next)?;
                message_and_replay(w, Some(&t), actor, &a, &next, at)?;
                t = next;
            }
            Err(r) => {
                reached.refusals.insert(r.rule.number());
                prop_assert!(!r.reason.is_empty() && !r.hint.is_empty());
                prop_assert_ne!(r.rule, Rule::TaskScope, "decide never returns rule 8");
                prop_assert_ne!(r.rule, Rule::Admin, "rule 11 is for .wf/ changes");
                decision_refused_wrongly(w, &t, actor, &a, &r)?;
            }
        }
    }
    Ok(reached)
}

proptest! {
    #![proptest_config(crate::common::config(512, "proptest-regressions/props/rules.txt"))]

    #[test]
    fn no_sequence_of_actions_lets_an_ai_or_a_producer_decide(
        w in world(),
        create in create_seed(),
        seeds in prop::collection::vec(seed(), 1..40),
    ) {
        run_sequence(&w, &create, &seeds)?;
    }
}

/// The random sequences reach approvals, rejections, reopenings and verdicts, and meet every
/// refusal `decide` can give: the property above is not vacuous.
#[test]
fn random_sequences_reach_every_outcome_and_refusal() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (world(), create_seed(), prop::collection::vec(seed(), 1..40));
    let mut all = Reached::default();
    for _ in 0..256 {
        let (w, create, seeds) = strategy.new_tree(&mut runner).unwrap().current();
        let r = run_sequence(&w, &create, &seeds).unwrap();
        all.allowed += r.allowed;
        all.approvals += r.approvals;
        all.rejects += r.rejects;
        all.reopens += r.reopens;
        all.verdicts += r.verdicts;
        all.checks += r.checks;
        all.short_of_quorum += r.short_of_quorum;
        all.refusals.extend(r.refusals);
    }
    assert!(
        all.allowed > 300 && all.approvals > 5 && all.rejects > 5 && all.reopens > 0,
        "{all:?}"
    );
    assert!(all.verdicts > 20, "{all:?}");
    assert!(all.checks > 0 && all.short_of_quorum > 0, "{all:?}");
    assert_eq!(
        all.refusals,
        [1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15].into(),
        "every rule decide applies refused something"
    );
}
