//! Tests of the rule function, named after the workflow they check.
//!
//! Fixtures: the default five-step workflow (define -> draft -> review -> optimize -> approve)
//! and four actors: alice (human; admin, requester), bob and carol (humans; reviewer) and
//! drafter-bot (AI; drafter; operated by alice; model "stand-in").

use super::*;
use crate::actor::{Actor, ActorKind, Actors};
use crate::digest::{revision_digest, sha256_hex};
use crate::fixtures::step;
use crate::task::{Artifact, Input, Outcome, Task, TaskState, Verdict};
use crate::time::Timestamp;
use crate::workflow::{Performer, Relation, StepKind, Workflow};

const AT: Timestamp = Timestamp(1_795_497_415);
const ALICE: &str = "alice";
const BOB: &str = "bob";
const CAROL: &str = "carol";
const BOT: &str = "drafter-bot";
const EVERYONE: [&str; 4] = [ALICE, BOB, CAROL, BOT];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

use crate::fixtures::{ai, human};

fn actors() -> Actors {
    Actors {
        actors: vec![
            human(ALICE, &["admin", "requester"]),
            human(BOB, &["reviewer"]),
            human(CAROL, &["reviewer"]),
            ai(BOT, &["drafter"], ALICE, "stand-in"),
        ],
    }
}

/// define -> draft -> review (revise) -> approve: what the reviewer refines goes straight to
/// the approver.
fn short_workflow() -> Workflow {
    let mut w = Workflow::default_workflow();
    w.name = "short".into();
    w.steps.remove(3); // optimize
    w.steps[3].rework = None; // back to the nearest produce step, draft
    w
}

/// define -> draft -> review (revise) -> check (a second human review) -> approve.
fn double_review_workflow() -> Workflow {
    let mut w = short_workflow();
    w.name = "double-review".into();
    w.steps.insert(
        3,
        step("check", StepKind::Review, Performer::Human, &["reviewer"]),
    );
    w
}

/// define -> write (a human produces) -> approve.
fn human_writes_workflow() -> Workflow {
    Workflow {
        name: "human-writes".into(),
        description: String::new(),
        steps: vec![
            step("define", StepKind::Define, Performer::Human, &["requester"]),
            step("write", StepKind::Produce, Performer::Human, &["requester"]),
            step("approve", StepKind::Approve, Performer::Human, &[]),
        ],
    }
}

/// The command of the governed workflow's check step.
const CHECK_COMMAND: [&str; 3] = ["sh", "-c", "test -s note.md"];

/// define -> draft (AI) -> test (a check the bot runs) -> review (two accepts, independent of
/// the operator and the producer) -> approve (independent of the operator and the requester);
/// due dates on test, review and approve.
fn governed_workflow() -> Workflow {
    let mut w = short_workflow();
    w.name = "governed".into();
    let mut test = step("test", StepKind::Check, Performer::Ai, &["checker"]);
    test.command = CHECK_COMMAND.iter().map(|a| a.to_string()).collect();
    test.due = Some("1h".into());
    w.steps.insert(2, test);
    let review = &mut w.steps[3];
    review.revise = false;
    review.quorum = Some(2);
    review.independent_of = vec![Relation::Operator, Relation::Producer];
    review.due = Some("48h".into());
    let approve = &mut w.steps[4];
    approve.independent_of = vec![Relation::Operator, Relation::Requester];
    approve.due = Some("2d".into());
    w
}

/// The governed workflow's world: the bot also runs checks, alice also reviews (and operates
/// the bot).
fn governed() -> World {
    World::with(governed_workflow())
        .grant(BOT, "checker")
        .grant(ALICE, "reviewer")
}

/// A workflow and the actors, with shorthands to act and to be refused.
struct World {
    wf: Workflow,
    actors: Actors,
}

impl World {
    fn new() -> World {
        World::with(Workflow::default_workflow())
    }

    fn with(wf: Workflow) -> World {
        wf.validate().expect("fixture workflow is valid");
        let actors = actors();
        actors.validate().expect("fixture actors are valid");
        World { wf, actors }
    }

    fn grant(mut self, id: &str, role: &str) -> World {
        let a = self
            .actors
            .actors
            .iter_mut()
            .find(|a| a.id == id)
            .expect("a fixture actor");
        a.roles.push(role.into());
        self.actors.validate().expect("fixture actors are valid");
        self
    }

    fn add(mut self, a: Actor) -> World {
        self.actors.actors.push(a);
        self.actors.validate().expect("fixture actors are valid");
        self
    }

    fn actor(&self, id: &str) -> &Actor {
        self.actors
            .get(id)
            .unwrap_or_else(|| panic!("no actor {id}"))
    }

    fn attempt(&self, task: &Task, who: &str, action: &Action) -> Result<Task, Refusal> {
        decide(
            &self.wf,
            &self.actors,
            Some(task),
            self.actor(who),
            action,
            AT,
        )
    }

    /// The action must be accepted.
    fn act(&self, task: &Task, who: &str, action: Action) -> Task {
        self.attempt(task, who, &action).unwrap_or_else(|r| {
            panic!(
                "{who} {} at step {} was refused: {r} (hint: {})",
                action.name(),
                task.step,
                r.hint
            )
        })
    }

    /// The action must be refused; returns the refusal.
    fn refused(&self, task: &Task, who: &str, action: Action) -> Refusal {
        match self.attempt(task, who, &action) {
            Ok(next) => panic!(
                "{who} {} at step {} was accepted (now at step {}, {:?})",
                action.name(),
                task.step,
                next.step,
                next.state
            ),
            Err(r) => {
                assert!(!r.reason.is_empty() && !r.hint.is_empty(), "{r:?}");
                r
            }
        }
    }

    fn try_create(
        &self,
        who: &str,
        owner: Option<&str>,
        approver: Option<&str>,
    ) -> Result<Task, Refusal> {
        decide(
            &self.wf,
            &self.actors,
            None,
            self.actor(who),
            &create(owner, approver, vec![]),
            AT,
        )
    }

    /// alice creates a task she owns and approves.
    fn task(&self) -> Task {
        self.task_for(ALICE, ALICE)
    }

    /// alice creates a task with this owner and approver.
    fn task_for(&self, owner: &str, approver: &str) -> Task {
        self.try_create(ALICE, Some(owner), Some(approver))
            .expect("create")
    }

    /// The owner hands the current step to `to`.
    fn handed(&self, task: &Task, to: &str) -> Task {
        self.act(task, &task.owner.clone(), assign(to))
    }
}

fn create(owner: Option<&str>, approver: Option<&str>, inputs: Vec<Input>) -> Action {
    Action::Create {
        id: "T-3f9a2c".into(),
        title: "Write the release note".into(),
        owner: owner.map(String::from),
        approver: approver.map(String::from),
        inputs,
    }
}

fn input(name: &str, text: &str) -> Input {
    Input {
        name: name.into(),
        text: Some(text.into()),
        file: None,
        sha256: sha256_hex(text.as_bytes()),
    }
}

fn art(name: &str, bytes: &[u8]) -> Artifact {
    Artifact {
        name: name.into(),
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
    }
}

fn output(name: &str, text: &str) -> Output {
    Output {
        artifacts: vec![art(name, text.as_bytes())],
        model: None,
        prompt_sha256: None,
        note: String::new(),
        run: None,
    }
}

fn submit(text: &str) -> Action {
    Action::Submit(output("note.md", text))
}

fn assign(to: &str) -> Action {
    Action::Assign {
        to: to.into(),
        note: String::new(),
    }
}

fn latest(task: &Task) -> (u32, String) {
    let r = task.latest().expect("task has a revision");
    (r.number, r.digest.clone())
}

fn review_of(
    revision: u32,
    digest: &str,
    verdict: Verdict,
    note: &str,
    revise: Option<Output>,
) -> Action {
    Action::Review {
        verdict,
        revision,
        digest: digest.into(),
        note: note.into(),
        revise,
    }
}

/// A verdict bound to the task's current revision.
fn review(task: &Task, verdict: Verdict, note: &str, revise: Option<Output>) -> Action {
    let (n, d) = latest(task);
    review_of(n, &d, verdict, note, revise)
}

fn accept(task: &Task) -> Action {
    review(task, Verdict::Accept, "good", None)
}

fn accept_revised(task: &Task, text: &str) -> Action {
    review(
        task,
        Verdict::Accept,
        "good, tightened",
        Some(output("note.md", text)),
    )
}

fn request_changes(task: &Task) -> Action {
    review(task, Verdict::RequestChanges, "too long", None)
}

fn comment(task: &Task, note: &str) -> Action {
    review(task, Verdict::Comment, note, None)
}

fn decision_of(revision: u32, digest: &str, outcome: Outcome, note: &str) -> Action {
    Action::Decide {
        outcome,
        revision,
        digest: digest.into(),
        note: note.into(),
    }
}

fn approve(task: &Task) -> Action {
    let (n, d) = latest(task);
    decision_of(n, &d, Outcome::Approve, "")
}

fn reject(task: &Task, note: &str) -> Action {
    let (n, d) = latest(task);
    decision_of(n, &d, Outcome::Reject, note)
}

fn reopen(note: &str) -> Action {
    Action::Reopen { note: note.into() }
}

/// A check of the latest revision that ran `command` and ended with `exit`.
fn check_with(task: &Task, command: &[String], exit: Option<i32>) -> Action {
    let (n, d) = latest(task);
    Action::Check {
        revision: n,
        digest: d,
        run: CheckRun {
            command: command.to_vec(),
            exit_status: exit,
            timed_out: false,
            output_sha256: sha256_hex(b"ok\n"),
            output_size: 3,
            truncated: false,
        },
    }
}

/// A check of the latest revision that ran the current step's own command.
fn check_run(w: &World, task: &Task, exit: Option<i32>) -> Action {
    let command =
        w.wf.step(&task.step)
            .map(|s| s.command.clone())
            .unwrap_or_default();
    check_with(task, &command, exit)
}

fn digest_of(out: &Output) -> String {
    revision_digest(
        out.artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.sha256.as_str())),
    )
}

/// Default workflow: created, draft handed to the bot.
fn at_draft(w: &World, task: Task) -> Task {
    assert_eq!(task.step, "draft");
    w.handed(&task, BOT)
}

/// Default workflow: the bot's rev1 is up for review, held by bob.
fn at_review(w: &World, task: Task) -> Task {
    let t = at_draft(w, task);
    let t = w.act(&t, BOT, submit("draft one"));
    w.handed(&t, BOB)
}

/// Default workflow: bob accepted rev1 and refined it into rev2; optimize held by the bot.
fn at_optimize(w: &World, task: Task) -> Task {
    let t = at_review(w, task);
    let t = w.act(&t, BOB, accept_revised(&t, "draft two"));
    w.handed(&t, BOT)
}

/// Default workflow: the bot's rev3 awaits the approver.
fn at_approve(w: &World, task: Task) -> Task {
    let t = at_optimize(w, task);
    w.act(&t, BOT, submit("draft three"))
}

/// Default workflow: rev3 approved by the approver; the task is closed.
fn closed(w: &World, task: Task) -> Task {
    let t = at_approve(w, task);
    let approver = t.approver.clone();
    w.act(&t, &approver, approve(&t))
}

// ---------------------------------------------------------------------------------------------
// The five-step example, end to end
// ---------------------------------------------------------------------------------------------

#[test]
fn five_step_example_runs_from_define_to_closed() {
    let w = World::new();

    let t = w
        .try_create(ALICE, None, None)
        .expect("alice defines the task");
    assert_eq!(t.step, "draft");
    assert_eq!(t.state, TaskState::Open);
    assert_eq!((t.owner.as_str(), t.approver.as_str()), (ALICE, ALICE));
    assert_eq!(t.created_by, ALICE);
    assert_eq!(t.created_at, AT.rfc3339());
    assert_eq!(t.workflow, "default");
    assert!(t.revisions.is_empty() && t.assignments.is_empty());
    assert_eq!(holder(&w.wf, &t), None);

    let t = w.act(&t, ALICE, assign(BOT));
    assert_eq!(t.step, "draft", "a handoff does not move the step");
    assert_eq!(t.assignee(), Some(BOT));
    assert_eq!(t.assignments.last().unwrap().by, ALICE);
    assert_eq!(t.assignments.last().unwrap().step, "draft");

    let out1 = output("note.md", "draft one");
    let t = w.act(&t, BOT, Action::Submit(out1.clone()));
    assert_eq!(t.step, "review");
    assert_eq!(holder(&w.wf, &t), None, "nobody holds the review yet");
    let r1 = &t.revisions[0];
    assert_eq!(r1.number, 1);
    assert_eq!(r1.step, "draft");
    assert_eq!(r1.actor, BOT);
    assert_eq!(r1.producer, ActorKind::Ai);
    assert_eq!(
        r1.model.as_deref(),
        Some("stand-in"),
        "model defaults to the bot's"
    );
    assert_eq!(r1.digest, digest_of(&out1));
    assert_eq!(r1.artifacts, out1.artifacts);

    let t = w.act(&t, ALICE, assign(BOB));
    assert_eq!(holder(&w.wf, &t), Some(BOB));

    let out2 = output("note.md", "draft two, refined by bob");
    let t = w.act(
        &t,
        BOB,
        review(&t, Verdict::Accept, "fine, tightened", Some(out2.clone())),
    );
    assert_eq!(t.step, "optimize");
    let rv = t.reviews.last().unwrap();
    assert_eq!(
        (rv.revision, rv.digest.as_str(), rv.actor.as_str()),
        (1, r1.digest.as_str(), BOB)
    );
    assert_eq!(rv.verdict, Verdict::Accept);
    assert_eq!(rv.reviewer, ActorKind::Human);
    assert_eq!(rv.step, "review");
    let r2 = &t.revisions[1];
    assert_eq!(
        (r2.number, r2.step.as_str(), r2.actor.as_str()),
        (2, "review", BOB)
    );
    assert_eq!(r2.producer, ActorKind::Human);
    assert_eq!(r2.model, None, "a human without a model names none");
    assert_eq!(r2.digest, digest_of(&out2));
    assert!(
        !t.latest_accepted(),
        "the accept was of rev1, not of bob's rev2"
    );

    let t = w.act(&t, ALICE, assign(BOT));
    let out3 = output("note.md", "draft three, optimized");
    let t = w.act(&t, BOT, Action::Submit(out3.clone()));
    assert_eq!(t.step, "approve");
    assert_eq!(
        holder(&w.wf, &t),
        Some(ALICE),
        "the approver holds the approve step"
    );
    let r3 = &t.revisions[2];
    assert_eq!(
        (r3.number, r3.step.as_str(), r3.actor.as_str()),
        (3, "optimize", BOT)
    );
    assert_eq!(r3.producer, ActorKind::Ai);
    assert_eq!(r3.model.as_deref(), Some("stand-in"));
    assert_eq!(r3.digest, digest_of(&out3));

    let t = w.act(&t, ALICE, approve(&t));
    assert_eq!(t.state, TaskState::Closed);
    assert_eq!(t.step, "approve");
    let d = t.approval().expect("the approval is in force");
    assert_eq!(d.actor, ALICE);
    assert_eq!(d.outcome, Outcome::Approve);
    assert_eq!((d.revision, d.digest.as_str()), (3, r3.digest.as_str()));
    assert_eq!(t.revisions.len(), 3);
    assert_eq!(t.reviews.len(), 1);
    assert_eq!(t.decisions.len(), 1);
    assert_eq!(t.assignments.len(), 3);
}

#[test]
fn stage_helpers_follow_the_five_steps() {
    let w = World::new();
    assert_eq!(at_draft(&w, w.task()).step, "draft");
    assert_eq!(at_review(&w, w.task()).step, "review");
    assert_eq!(at_optimize(&w, w.task()).step, "optimize");
    assert_eq!(at_approve(&w, w.task()).step, "approve");
    assert_eq!(closed(&w, w.task()).state, TaskState::Closed);
}

#[test]
fn ai_model_defaults_to_the_actors_model_unless_named() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let mut out = output("note.md", "draft");
    out.model = Some("  other-model\n".into());
    out.prompt_sha256 = Some(sha256_hex(b"prompt"));
    let named = w.act(&t, BOT, Action::Submit(out.clone()));
    assert_eq!(named.revisions[0].model.as_deref(), Some("other-model"));
    assert_eq!(named.revisions[0].prompt_sha256, out.prompt_sha256);

    out.model = Some(" \n ".into());
    let blank = w.act(&t, BOT, Action::Submit(out));
    assert_eq!(blank.revisions[0].model.as_deref(), Some("stand-in"));

    let mut anon = ai("anon-bot", &["drafter"], ALICE, "x");
    anon.model = None;
    let w = World::new().add(anon);
    let t = w.handed(&w.task(), "anon-bot");
    let t = w.act(&t, "anon-bot", submit("draft"));
    assert_eq!(t.revisions[0].model.as_deref(), Some("unspecified"));
}

#[test]
fn revision_digest_ignores_artifact_order_and_names_every_file() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let two = |a: Artifact, b: Artifact| Output {
        artifacts: vec![a, b],
        ..output("x", "x")
    };
    let ab = w.act(
        &t,
        BOT,
        Action::Submit(two(art("a.md", b"A"), art("b.md", b"B"))),
    );
    let ba = w.act(
        &t,
        BOT,
        Action::Submit(two(art("b.md", b"B"), art("a.md", b"A"))),
    );
    assert_eq!(ab.revisions[0].digest, ba.revisions[0].digest);
    let renamed = w.act(
        &t,
        BOT,
        Action::Submit(two(art("a.md", b"A"), art("c.md", b"B"))),
    );
    assert_ne!(ab.revisions[0].digest, renamed.revisions[0].digest);
    assert!(ab.revisions[0].digest.starts_with("sha256:"));
}

// ---------------------------------------------------------------------------------------------
// Rule 1: step-actor
// ---------------------------------------------------------------------------------------------

#[test]
fn ai_cannot_define_a_task() {
    let w = World::new();
    let r = w.try_create(BOT, None, Some(ALICE)).unwrap_err();
    assert_eq!(r.rule, Rule::StepActor);
}

#[test]
fn human_without_requester_role_cannot_define_a_task() {
    let w = World::new();
    let r = w.try_create(BOB, None, None).unwrap_err();
    assert_eq!(r.rule, Rule::StepActor);
}

#[test]
fn human_cannot_be_handed_the_ai_draft_step() {
    let w = World::new();
    let t = w.task();
    assert_eq!(w.refused(&t, ALICE, assign(BOB)).rule, Rule::StepActor);
    assert_eq!(w.refused(&t, ALICE, assign(ALICE)).rule, Rule::StepActor);
}

#[test]
fn ai_without_drafter_role_cannot_be_handed_the_draft() {
    let w = World::new().add(ai("chat-bot", &[], ALICE, "chat"));
    let t = w.task();
    assert_eq!(
        w.refused(&t, ALICE, assign("chat-bot")).rule,
        Rule::StepActor
    );
}

#[test]
fn human_cannot_submit_in_the_ai_draft_step() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, submit("mine")).rule, Rule::StepActor);
    assert_eq!(w.refused(&t, BOB, submit("mine")).rule, Rule::StepActor);
}

#[test]
fn review_step_needs_the_reviewer_role() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let t = w.act(&t, BOT, submit("draft one"));
    // alice is human and admin, but no reviewer.
    assert_eq!(w.refused(&t, ALICE, assign(ALICE)).rule, Rule::StepActor);
}

#[test]
fn approver_lacking_a_role_the_approve_step_asks_for_cannot_be_named_or_decide() {
    let mut wf = Workflow::default_workflow();
    wf.steps[4].roles = vec!["manager".into()];
    let w = World::with(wf);
    // Named at creation: refused, so no task is made that can never close.
    let err = w.try_create(ALICE, None, None).unwrap_err();
    assert_eq!(err.rule, Rule::StepActor);
    // A task that names such an approver anyway (made by hand) still cannot be decided.
    let plain = World::new();
    let t = at_approve(&plain, plain.task());
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::StepActor);
}

#[test]
fn names_that_could_escape_the_task_folder_are_refused_by_the_core() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let bad = Action::Submit(Output {
        artifacts: vec![Artifact {
            name: "../../.wf/actors.toml".into(),
            sha256: crate::digest::sha256_hex(b"x"),
            size: 1,
        }],
        model: None,
        prompt_sha256: None,
        note: String::new(),
        run: None,
    });
    assert_eq!(w.refused(&t, BOT, bad).rule, Rule::Input);
    let create_bad_id = Action::Create {
        id: "../../x".into(),
        title: "t".into(),
        owner: None,
        approver: None,
        inputs: vec![],
    };
    let err = decide(&w.wf, &w.actors, None, w.actor(ALICE), &create_bad_id, AT).unwrap_err();
    assert_eq!(err.rule, Rule::Input);
}

// ---------------------------------------------------------------------------------------------
// Rule 2: assignee-only
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_by_non_assignee_is_refused() {
    let w = World::new().add(ai("other-bot", &["drafter"], BOB, "stand-in"));
    let t = at_draft(&w, w.task());
    let r = w.refused(&t, "other-bot", submit("not mine to give"));
    assert_eq!(r.rule, Rule::Assignee);
    // Once handed over, the new holder may submit and the old one may not.
    let t = w.act(&t, BOT, assign("other-bot"));
    assert_eq!(w.refused(&t, BOT, submit("mine")).rule, Rule::Assignee);
    let t = w.act(&t, "other-bot", submit("now mine"));
    assert_eq!(t.revisions[0].actor, "other-bot");
}

#[test]
fn submit_with_no_assignee_is_refused() {
    let w = World::new();
    let t = w.task();
    assert_eq!(w.refused(&t, BOT, submit("unasked")).rule, Rule::Assignee);
}

#[test]
fn review_verdict_by_non_assignee_is_refused() {
    let w = World::new();
    let t = at_review(&w, w.task());
    assert_eq!(w.refused(&t, CAROL, accept(&t)).rule, Rule::Assignee);
    assert_eq!(
        w.refused(&t, CAROL, request_changes(&t)).rule,
        Rule::Assignee
    );
}

#[test]
fn review_verdict_with_no_assignee_is_refused() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let t = w.act(&t, BOT, submit("draft one"));
    assert_eq!(w.refused(&t, BOB, accept(&t)).rule, Rule::Assignee);
}

#[test]
fn reviewer_who_hands_over_loses_the_verdict() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let t = w.act(&t, BOB, assign(CAROL));
    assert_eq!(w.refused(&t, BOB, accept(&t)).rule, Rule::Assignee);
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "optimize");
}

#[test]
fn assignments_of_one_step_do_not_carry_to_the_next() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let t = w.act(&t, BOB, accept(&t));
    assert_eq!(t.step, "optimize");
    assert_eq!(t.assignee(), None, "the bot held draft, not optimize");
    assert_eq!(w.refused(&t, BOT, submit("eager")).rule, Rule::Assignee);
}

// ---------------------------------------------------------------------------------------------
// Rule 3: ai-human-duty
// ---------------------------------------------------------------------------------------------

#[test]
fn ai_cannot_approve_its_own_draft() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(t.latest().unwrap().actor, BOT);
    assert_eq!(w.refused(&t, BOT, approve(&t)).rule, Rule::AiHumanDuty);
    assert_eq!(
        w.refused(&t, BOT, reject(&t, "meh")).rule,
        Rule::AiHumanDuty
    );
}

#[test]
fn ai_cannot_approve_even_as_designated_approver_in_a_tampered_task() {
    // A task file edited by hand to name the bot as approver: decide still refuses.
    let w = World::new();
    let mut t = at_approve(&w, w.task());
    t.approver = BOT.into();
    assert_eq!(w.refused(&t, BOT, approve(&t)).rule, Rule::AiHumanDuty);
}

#[test]
fn ai_cannot_give_the_human_review_verdict() {
    let w = World::new();
    let t = at_review(&w, w.task());
    assert_eq!(w.refused(&t, BOT, accept(&t)).rule, Rule::AiHumanDuty);
    assert_eq!(
        w.refused(&t, BOT, request_changes(&t)).rule,
        Rule::AiHumanDuty
    );
    // Even when a tampered task file hands it the review.
    let mut t = t;
    t.assignments.last_mut().unwrap().to = BOT.into();
    assert_eq!(w.refused(&t, BOT, accept(&t)).rule, Rule::AiHumanDuty);
}

#[test]
fn ai_cannot_be_handed_the_human_review_step() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let t = w.act(&t, BOT, submit("draft one"));
    assert_eq!(w.refused(&t, ALICE, assign(BOT)).rule, Rule::AiHumanDuty);
}

#[test]
fn ai_cannot_be_handed_the_approve_step() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, assign(BOT)).rule, Rule::AiHumanDuty);
}

#[test]
fn ai_cannot_be_named_approver_at_creation() {
    let w = World::new();
    let r = w.try_create(ALICE, None, Some(BOT)).unwrap_err();
    assert_eq!(r.rule, Rule::AiHumanDuty);
}

#[test]
fn ai_may_review_where_the_workflow_does_not_require_a_human() {
    let mut wf = Workflow::default_workflow();
    wf.steps[2].actor = Performer::Any;
    wf.steps[2].roles = vec![];
    let w = World::with(wf).add(ai("lint-bot", &[], BOB, "linter"));
    let t = at_draft(&w, w.task());
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.act(&t, ALICE, assign("lint-bot"));
    let t = w.act(&t, "lint-bot", accept(&t));
    assert_eq!(t.step, "optimize");
    assert_eq!(t.reviews[0].reviewer, ActorKind::Ai);
}

// ---------------------------------------------------------------------------------------------
// Rule 4: human-owner-approver
// ---------------------------------------------------------------------------------------------

#[test]
fn ai_cannot_own_a_task() {
    let w = World::new();
    let r = w.try_create(ALICE, Some(BOT), Some(ALICE)).unwrap_err();
    assert_eq!(r.rule, Rule::HumanOwnerApprover);
    // With no approver named, the approver would default to the AI owner: still refused.
    let r = w.try_create(ALICE, Some(BOT), None).unwrap_err();
    assert_eq!(r.rule, Rule::HumanOwnerApprover);
}

#[test]
fn approver_defaults_to_the_owner() {
    let w = World::new();
    let t = w.try_create(ALICE, Some(BOB), None).unwrap();
    assert_eq!((t.owner.as_str(), t.approver.as_str()), (BOB, BOB));
    assert_eq!(t.created_by, ALICE);
}

#[test]
fn only_the_designated_approver_decides() {
    let w = World::new();
    let t = at_approve(&w, w.task_for(ALICE, CAROL));
    // alice owns the task and is an admin, but carol is the approver.
    assert_eq!(
        w.refused(&t, ALICE, approve(&t)).rule,
        Rule::HumanOwnerApprover
    );
    assert_eq!(
        w.refused(&t, BOB, approve(&t)).rule,
        Rule::HumanOwnerApprover
    );
    assert_eq!(
        w.refused(&t, BOB, reject(&t, "no")).rule,
        Rule::HumanOwnerApprover
    );
    let t = w.act(&t, CAROL, approve(&t));
    assert_eq!(t.approval().unwrap().actor, CAROL);
}

#[test]
fn approve_step_cannot_be_handed_to_another_human() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(
        w.refused(&t, ALICE, assign(BOB)).rule,
        Rule::HumanOwnerApprover
    );
    // Handing it to the approver is a no-op that is allowed.
    let t = w.act(&t, ALICE, assign(ALICE));
    assert_eq!(holder(&w.wf, &t), Some(ALICE));
}

// ---------------------------------------------------------------------------------------------
// Rule 5: no-self-review
// ---------------------------------------------------------------------------------------------

#[test]
fn human_producer_cannot_approve_own_revision() {
    let w = World::with(human_writes_workflow());
    let t = w.task();
    assert_eq!(t.step, "write");
    let t = w.act(&t, ALICE, assign(ALICE));
    let t = w.act(&t, ALICE, submit("alice wrote this"));
    assert_eq!(t.step, "approve");
    assert_eq!(t.revisions[0].producer, ActorKind::Human);
    assert_eq!(t.revisions[0].model, None);
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::NoSelfReview);
    assert_eq!(
        w.refused(&t, ALICE, reject(&t, "hm")).rule,
        Rule::NoSelfReview
    );
}

#[test]
fn reviewer_who_refined_cannot_approve_the_refinement() {
    let w = World::with(short_workflow());
    let t = w.handed(&w.task_for(ALICE, BOB), BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, accept_revised(&t, "bob's version"));
    assert_eq!(t.step, "approve");
    assert_eq!(t.latest().unwrap().actor, BOB);
    assert_eq!(w.refused(&t, BOB, approve(&t)).rule, Rule::NoSelfReview);
}

#[test]
fn reviewer_who_refined_may_approve_after_the_ai_optimizes() {
    // In the default workflow bob's refinement is followed by the bot's rev3, which bob did
    // not produce.
    let w = World::new();
    let t = at_approve(&w, w.task_for(ALICE, BOB));
    assert_eq!(t.revisions[1].actor, BOB);
    let t = w.act(&t, BOB, approve(&t));
    assert_eq!(t.approval().unwrap().revision, 3);
}

#[test]
fn reviewer_cannot_accept_their_own_revision() {
    let w = World::with(double_review_workflow());
    let t = w.handed(&w.task(), BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, accept_revised(&t, "bob's version"));
    assert_eq!(t.step, "check");
    let t = w.handed(&t, BOB);
    assert_eq!(w.refused(&t, BOB, accept(&t)).rule, Rule::NoSelfReview);
    assert_eq!(
        w.refused(&t, BOB, request_changes(&t)).rule,
        Rule::NoSelfReview
    );
    // A comment is no review: bob may explain his change.
    let t2 = w.act(&t, BOB, comment(&t, "I shortened the intro"));
    assert_eq!(t2.step, "check");
    let t = w.act(&t, BOB, assign(CAROL));
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "approve");
}

// ---------------------------------------------------------------------------------------------
// Rule 6: digest-binding
// ---------------------------------------------------------------------------------------------

#[test]
fn review_naming_a_stale_revision_is_refused() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let (n1, d1) = latest(&t);
    let t = w.act(&t, BOB, request_changes(&t));
    let t = w.act(&t, BOT, submit("draft one, again"));
    assert_eq!(t.step, "review");
    let (n2, d2) = latest(&t);
    assert_ne!(d1, d2);
    for (n, d) in [(n1, &d1), (n2, &d1), (n1, &d2), (n2 + 1, &d2)] {
        let r = w.refused(&t, BOB, review_of(n, d, Verdict::Accept, "ok", None));
        assert_eq!(r.rule, Rule::DigestBinding, "revision {n} {d}");
    }
    let r = w.refused(
        &t,
        BOB,
        review_of(n2, "sha256:00", Verdict::Accept, "", None),
    );
    assert_eq!(r.rule, Rule::DigestBinding);
    // Comments bind too.
    let r = w.refused(&t, CAROL, review_of(n1, &d1, Verdict::Comment, "old", None));
    assert_eq!(r.rule, Rule::DigestBinding);
    w.act(&t, BOB, review_of(n2, &d2, Verdict::Accept, "ok", None));
}

#[test]
fn approval_naming_a_stale_revision_is_refused() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    let (n2, d2) = (t.revisions[1].number, t.revisions[1].digest.clone());
    let (n3, d3) = latest(&t);
    for (n, d) in [(n2, &d2), (n3, &d2), (n2, &d3), (n3 + 1, &d3)] {
        let r = w.refused(&t, ALICE, decision_of(n, d, Outcome::Approve, ""));
        assert_eq!(r.rule, Rule::DigestBinding, "revision {n} {d}");
        let r = w.refused(&t, ALICE, decision_of(n, d, Outcome::Reject, "no"));
        assert_eq!(r.rule, Rule::DigestBinding, "revision {n} {d}");
    }
}

#[test]
fn approval_is_void_when_output_changes() {
    let w = World::new();
    let t = closed(&w, w.task());
    let (n3, d3) = latest(&t);
    assert_eq!(t.approval().unwrap().digest, d3);
    let t = w.act(&t, ALICE, reopen("the numbers changed"));
    assert!(t.approval().is_none());
    let t = w.act(&t, BOT, submit("draft four"));
    assert_eq!(t.step, "approve");
    let r = w.refused(&t, ALICE, decision_of(n3, &d3, Outcome::Approve, ""));
    assert_eq!(r.rule, Rule::DigestBinding);
    let t = w.act(&t, ALICE, approve(&t));
    let d = t.approval().unwrap();
    assert_eq!((d.revision, &d.digest), (4, &t.revisions[3].digest));
    assert_eq!(t.decisions.len(), 2);
}

#[test]
fn accept_is_void_when_a_new_revision_follows() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let t = w.act(&t, BOB, accept(&t));
    assert!(t.latest_accepted());
    let t = w.handed(&t, BOT);
    let t = w.act(&t, BOT, submit("optimized"));
    assert!(!t.latest_accepted());
}

// ---------------------------------------------------------------------------------------------
// Rule 7: closed-task
// ---------------------------------------------------------------------------------------------

#[test]
fn approved_task_refuses_a_second_approval() {
    let w = World::new();
    let t = closed(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::Closed);
    assert_eq!(w.refused(&t, ALICE, reject(&t, "late")).rule, Rule::Closed);
}

#[test]
fn closed_task_refuses_every_change_but_reopen() {
    let w = World::new();
    let t = closed(&w, w.task());
    for who in EVERYONE {
        for action in [
            assign(BOB),
            assign(BOT),
            submit("more"),
            accept(&t),
            comment(&t, "after the fact"),
        ] {
            let r = w.refused(&t, who, action);
            assert_eq!(r.rule, Rule::Closed, "{who}");
        }
    }
}

#[test]
fn reopen_by_non_owner_is_refused() {
    let w = World::new();
    // carol owns it, bob approves it, alice (admin) created it.
    let t = closed(&w, w.task_for(CAROL, BOB));
    for who in [ALICE, BOB, BOT] {
        assert_eq!(
            w.refused(&t, who, reopen("again")).rule,
            Rule::Closed,
            "{who}"
        );
    }
    let t = w.act(&t, CAROL, reopen("again"));
    assert_eq!(t.state, TaskState::Open);
    assert_eq!(t.reopens[0].actor, CAROL);
}

#[test]
fn reopen_voids_the_approval_and_returns_to_optimize() {
    let w = World::new();
    let t = closed(&w, w.task());
    assert!(t.approval().is_some());
    let t = w.act(&t, ALICE, reopen("figures are out of date"));
    assert_eq!(t.state, TaskState::Open);
    assert_eq!(t.step, "optimize");
    assert!(t.approval().is_none());
    assert_eq!(
        t.decisions.len(),
        1,
        "the record stays; it is no longer in force"
    );
    assert_eq!(t.reopens.len(), 1);
    assert_eq!(t.reopens[0].note, "figures are out of date");
    // The step is live again: the bot still holds optimize.
    assert_eq!(holder(&w.wf, &t), Some(BOT));
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::WrongStep);
}

#[test]
fn reopen_needs_a_reason() {
    let w = World::new();
    let t = closed(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, reopen(" \n")).rule, Rule::Input);
}

#[test]
fn reopening_an_open_task_is_wrong_step() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, reopen("why")).rule, Rule::WrongStep);
}

// ---------------------------------------------------------------------------------------------
// Rule 9: wrong-step
// ---------------------------------------------------------------------------------------------

#[test]
fn submit_in_review_step_is_wrong_step() {
    let w = World::new();
    let t = at_review(&w, w.task());
    assert_eq!(
        w.refused(&t, BOB, submit("bob's own")).rule,
        Rule::WrongStep
    );
    assert_eq!(w.refused(&t, BOT, submit("another")).rule, Rule::WrongStep);
}

#[test]
fn submit_in_approve_step_is_wrong_step() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, BOT, submit("late")).rule, Rule::WrongStep);
}

#[test]
fn review_verdict_in_a_produce_step_is_wrong_step() {
    let w = World::new();
    let t = at_optimize(&w, w.task());
    assert_eq!(w.refused(&t, CAROL, accept(&t)).rule, Rule::WrongStep);
    assert_eq!(
        w.refused(&t, BOB, request_changes(&t)).rule,
        Rule::WrongStep
    );
}

#[test]
fn review_verdict_in_the_approve_step_is_wrong_step() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, accept(&t)).rule, Rule::WrongStep);
}

#[test]
fn approve_before_the_approve_step_is_wrong_step() {
    let w = World::new();
    let t = at_review(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::WrongStep);
    let t = at_optimize(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, approve(&t)).rule, Rule::WrongStep);
}

// ---------------------------------------------------------------------------------------------
// Rule 10: handoff
// ---------------------------------------------------------------------------------------------

#[test]
fn handoff_by_an_unrelated_actor_is_refused() {
    let w = World::new();
    let t = w.task();
    assert_eq!(w.refused(&t, CAROL, assign(BOT)).rule, Rule::Handoff);
    assert_eq!(w.refused(&t, BOT, assign(BOT)).rule, Rule::Handoff);
    // The bot held draft but does not hold review.
    let t = at_draft(&w, t);
    let t = w.act(&t, BOT, submit("draft one"));
    assert_eq!(w.refused(&t, BOT, assign(BOB)).rule, Rule::Handoff);
    assert_eq!(w.refused(&t, CAROL, assign(CAROL)).rule, Rule::Handoff);
}

#[test]
fn handoff_is_checked_before_the_target() {
    let w = World::new();
    let t = w.task();
    assert_eq!(w.refused(&t, CAROL, assign("mallory")).rule, Rule::Handoff);
}

#[test]
fn owner_approver_holder_and_admin_may_hand_over() {
    let w = World::new().add(human("dave", &["reviewer"]));
    // carol owns, bob approves, alice is only the admin.
    let t = w.task_for(CAROL, BOB);
    let t = at_draft(&w, t);
    let t = w.act(&t, BOT, submit("draft one"));
    for who in [CAROL, BOB, ALICE] {
        let next = w.act(&t, who, assign("dave"));
        assert_eq!(next.assignee(), Some("dave"));
        assert_eq!(next.assignments.last().unwrap().by, who);
    }
    assert_eq!(w.refused(&t, "dave", assign("dave")).rule, Rule::Handoff);
    let t = w.act(&t, CAROL, assign("dave"));
    // The holder may pass it on.
    let t = w.act(&t, "dave", assign(CAROL));
    assert_eq!(t.assignee(), Some(CAROL));
    assert_eq!(w.refused(&t, "dave", assign("dave")).rule, Rule::Handoff);
}

// ---------------------------------------------------------------------------------------------
// Rework: request-changes, reject
// ---------------------------------------------------------------------------------------------

#[test]
fn request_changes_sends_the_task_back_to_draft() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let t = w.act(&t, BOB, request_changes(&t));
    assert_eq!(t.step, "draft");
    assert_eq!(t.reviews[0].verdict, Verdict::RequestChanges);
    assert_eq!(t.assignee(), Some(BOT), "the draft's holder keeps it");
    let t = w.act(&t, BOT, submit("second try"));
    assert_eq!(t.step, "review");
    assert_eq!(t.latest().unwrap().number, 2);
    assert_eq!(
        holder(&w.wf, &t),
        Some(BOB),
        "the reviewer keeps the review"
    );
}

#[test]
fn reject_needs_a_reason_and_sends_the_task_back_to_optimize() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, reject(&t, "  ")).rule, Rule::Input);
    let t = w.act(&t, ALICE, reject(&t, "the tone is off"));
    assert_eq!(t.step, "optimize");
    assert_eq!(t.state, TaskState::Open);
    assert!(t.approval().is_none());
    let d = t.decisions.last().unwrap();
    assert_eq!(
        (d.outcome, d.note.as_str()),
        (Outcome::Reject, "the tone is off")
    );
    let t = w.act(&t, BOT, submit("friendlier"));
    assert_eq!(t.step, "approve");
    let t = w.act(&t, ALICE, approve(&t));
    assert_eq!(t.approval().unwrap().revision, 4);
}

#[test]
fn reject_in_the_short_workflow_sends_back_to_draft() {
    let w = World::with(short_workflow());
    let t = w.handed(&w.task(), BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, accept(&t));
    assert_eq!(t.step, "approve");
    let t = w.act(&t, ALICE, reject(&t, "start over"));
    assert_eq!(t.step, "draft");
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

#[test]
fn comments_from_an_ai_and_a_non_assignee_do_not_move_the_step() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let t1 = w.act(&t, BOT, comment(&t, "I was unsure about section 2"));
    let t2 = w.act(&t1, CAROL, comment(&t1, "looks fine to me"));
    assert_eq!(t2.step, "review");
    assert_eq!(t2.state, TaskState::Open);
    assert_eq!(t2.revisions, t.revisions);
    assert_eq!(t2.assignments, t.assignments);
    assert_eq!(t2.reviews.len(), 2);
    assert_eq!(t2.reviews[0].reviewer, ActorKind::Ai);
    assert_eq!(t2.reviews[0].verdict, Verdict::Comment);
    assert_eq!(t2.reviews[1].actor, CAROL);
    assert!(!t2.latest_accepted());
    // bob still holds the review and gives the verdict.
    let t3 = w.act(&t2, BOB, accept(&t2));
    assert_eq!(t3.step, "optimize");
}

#[test]
fn comments_are_allowed_in_produce_and_approve_steps() {
    let w = World::new();
    let t = at_optimize(&w, w.task());
    assert_eq!(w.act(&t, CAROL, comment(&t, "nit")).step, "optimize");
    let t = at_approve(&w, w.task());
    assert_eq!(w.act(&t, BOT, comment(&t, "changelog")).step, "approve");
}

#[test]
fn comment_needs_text_and_cannot_carry_a_revision() {
    let w = World::new();
    let t = at_review(&w, w.task());
    assert_eq!(w.refused(&t, CAROL, comment(&t, " ")).rule, Rule::Input);
    let with_rev = review(&t, Verdict::Comment, "here", Some(output("note.md", "x")));
    assert_eq!(w.refused(&t, CAROL, with_rev).rule, Rule::Input);
}

// ---------------------------------------------------------------------------------------------
// Rule 12: bad-input
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_output_is_refused() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let none = Output {
        artifacts: vec![],
        ..output("x", "x")
    };
    assert_eq!(w.refused(&t, BOT, Action::Submit(none)).rule, Rule::Input);
    assert_eq!(w.refused(&t, BOT, submit("")).rule, Rule::Input);
    let zeros = Output {
        artifacts: vec![art("a.md", b""), art("b.md", b"")],
        ..output("x", "x")
    };
    assert_eq!(w.refused(&t, BOT, Action::Submit(zeros)).rule, Rule::Input);
    // The same holds for a refinement attached to an accept.
    let t = at_review(&w, w.task());
    let r = w.refused(&t, BOB, accept_revised(&t, ""));
    assert_eq!(r.rule, Rule::Input);
}

#[test]
fn an_artifact_over_the_size_limit_is_refused_and_one_at_it_is_not() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let sized = |size: u64| Output {
        artifacts: vec![crate::task::Artifact {
            size,
            ..art("big.bin", b"x")
        }],
        ..output("x", "x")
    };
    let limit = crate::task::MAX_FILE_SIZE;
    let r = w.refused(&t, BOT, Action::Submit(sized(limit + 1)));
    assert_eq!(r.rule, Rule::Input);
    assert!(r.reason.contains("over the 64 MiB limit"), "{}", r.reason);
    assert_eq!(
        w.act(&t, BOT, Action::Submit(sized(limit))).revisions.len(),
        1
    );
}

#[test]
fn duplicate_artifact_names_are_refused() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let twice = Output {
        artifacts: vec![art("a.md", b"one"), art("a.md", b"two")],
        ..output("x", "x")
    };
    assert_eq!(w.refused(&t, BOT, Action::Submit(twice)).rule, Rule::Input);
}

#[test]
fn duplicate_input_names_are_refused() {
    let w = World::new();
    let inputs = vec![input("brief", "a"), input("data", "b"), input("brief", "c")];
    let r = decide(
        &w.wf,
        &w.actors,
        None,
        w.actor(ALICE),
        &create(None, None, inputs),
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    let inputs = vec![input("brief", "a"), input("data", "b")];
    let t = decide(
        &w.wf,
        &w.actors,
        None,
        w.actor(ALICE),
        &create(None, None, inputs.clone()),
        AT,
    )
    .unwrap();
    assert_eq!(t.inputs, inputs);
}

#[test]
fn unknown_actors_are_refused() {
    let w = World::new();
    assert_eq!(
        w.try_create(ALICE, Some("mallory"), None).unwrap_err().rule,
        Rule::Input
    );
    assert_eq!(
        w.try_create(ALICE, None, Some("mallory")).unwrap_err().rule,
        Rule::Input
    );
    let t = w.task();
    assert_eq!(w.refused(&t, ALICE, assign("mallory")).rule, Rule::Input);
}

#[test]
fn title_must_have_text_and_is_folded_to_one_line() {
    let w = World::new();
    let mk = |title: &str| Action::Create {
        id: "T-000001".into(),
        title: title.into(),
        owner: None,
        approver: None,
        inputs: vec![],
    };
    let r = decide(&w.wf, &w.actors, None, w.actor(ALICE), &mk(" \n\t"), AT).unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    let t = decide(
        &w.wf,
        &w.actors,
        None,
        w.actor(ALICE),
        &mk("Fix\nWf-Actor: mallory"),
        AT,
    )
    .unwrap();
    assert_eq!(t.title, "Fix Wf-Actor: mallory");
}

#[test]
fn review_before_any_output_is_refused() {
    let w = World::new();
    let t = w.task();
    let r = w.refused(
        &t,
        CAROL,
        review_of(1, "sha256:00", Verdict::Comment, "hi", None),
    );
    assert_eq!(r.rule, Rule::Input);
    let r = w.refused(&t, ALICE, decision_of(1, "sha256:00", Outcome::Approve, ""));
    assert_eq!(r.rule, Rule::WrongStep);
}

#[test]
fn revision_attached_to_anything_but_an_accept_is_refused() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let a = review(
        &t,
        Verdict::RequestChanges,
        "redo",
        Some(output("note.md", "x")),
    );
    assert_eq!(w.refused(&t, BOB, a).rule, Rule::Input);
}

#[test]
fn revising_in_a_review_step_without_revise_is_refused() {
    let w = World::with(double_review_workflow());
    let t = w.handed(&w.task(), BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, accept(&t));
    assert_eq!(t.step, "check");
    let t = w.handed(&t, CAROL);
    let r = w.refused(&t, CAROL, accept_revised(&t, "carol's"));
    assert_eq!(r.rule, Rule::Input);
}

#[test]
fn create_on_an_existing_task_and_actions_without_a_task_are_refused() {
    let w = World::new();
    let t = w.task();
    let r = w.refused(&t, ALICE, create(None, None, vec![]));
    assert_eq!(r.rule, Rule::Input);
    let r = decide(&w.wf, &w.actors, None, w.actor(BOT), &submit("x"), AT).unwrap_err();
    assert_eq!(r.rule, Rule::Input);
}

#[test]
fn task_of_another_workflow_is_refused() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let short = World::with(short_workflow());
    assert_eq!(short.refused(&t, BOT, submit("x")).rule, Rule::Input);
}

#[test]
fn task_at_a_step_the_workflow_lacks_is_refused() {
    let w = World::new();
    let mut t = at_draft(&w, w.task());
    t.step = "polish".into();
    assert_eq!(w.refused(&t, BOT, submit("x")).rule, Rule::Input);
}

// ---------------------------------------------------------------------------------------------
// Governance: independence (13), quorum (14), checks (15), due dates
// ---------------------------------------------------------------------------------------------

/// Governed workflow: created by alice for approver bob, the bot's rev1 drafted and handed to
/// the bot's check.
fn governed_at_test(w: &World) -> Task {
    let t = w.task_for(ALICE, BOB);
    let t = w.handed(&t, BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    assert_eq!(t.step, "test");
    w.handed(&t, BOT)
}

/// Governed workflow: rev1 passed its check and waits for two accepts.
fn governed_at_review(w: &World) -> Task {
    let t = governed_at_test(w);
    let t = w.act(&t, BOT, check_run(w, &t, Some(0)));
    assert_eq!(t.step, "review");
    t
}

#[test]
fn an_operator_cannot_accept_their_own_agents_output() {
    let w = governed();
    let t = governed_at_review(&w);
    let r = w.refused(&t, ALICE, accept(&t));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step review asks for a verdict independent of the operator: alice operates drafter-bot, which produced revision 1"
    );
    // Nor send it back: every verdict is independent.
    assert_eq!(
        w.refused(&t, ALICE, request_changes(&t)).rule,
        Rule::Independence
    );
    // Nor be handed the review.
    let r = w.refused(&t, ALICE, assign(ALICE));
    assert_eq!(r.rule, Rule::Independence);
    assert!(r.reason.ends_with("so alice may not be handed it"), "{r:?}");
}

#[test]
fn an_operator_cannot_approve_their_own_agents_output() {
    // The approve step asks only for independence of the operator; alice approves her task.
    let mut wf = governed_workflow();
    wf.steps[4].independent_of = vec![Relation::Operator];
    let w = World::with(wf).grant(BOT, "checker");
    let t = w.task_for(ALICE, ALICE);
    // Handing the last produce step to her own agent is refused at once: she could never
    // decide on what it produces.
    let r = w.refused(&t, ALICE, assign(BOT));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step approve asks for a decision independent of the operator: the approver alice operates drafter-bot, which would produce the revision it decides at step draft"
    );
    // Had it been handed over before (say, under an older workflow), the decision is refused.
    let old = World::with({
        let mut wf = governed_workflow();
        wf.steps[4].independent_of = vec![];
        wf
    })
    .grant(BOT, "checker");
    let t = old.handed(&t, BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    let t = w.handed(&t, BOT);
    let t = w.act(&t, BOT, check_run(&w, &t, Some(0)));
    let t = w.act(&t, BOB, accept(&t));
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "approve");
    for action in [approve(&t), reject(&t, "mine")] {
        let r = w.refused(&t, ALICE, action);
        assert_eq!(r.rule, Rule::Independence);
        assert_eq!(
            r.reason,
            "step approve asks for a decision independent of the operator: alice operates drafter-bot, which produced revision 1"
        );
    }
}

#[test]
fn the_requester_cannot_be_named_approver_where_the_decision_is_independent_of_them() {
    let w = governed();
    let r = w.try_create(ALICE, None, None).unwrap_err();
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step approve asks for a decision independent of the requester: alice defines this task and cannot also approve it"
    );
    // Another approver is fine; so is alice as approver of carol's task.
    assert!(w.try_create(ALICE, None, Some(BOB)).is_ok());
    let w = w.grant(CAROL, "requester");
    assert!(w.try_create(CAROL, None, Some(ALICE)).is_ok());
}

#[test]
fn a_producer_of_any_revision_since_the_last_accept_gives_no_verdict() {
    // define -> write (a human reviewer writes) -> review (independent of the producer) -> approve
    let mut wf = human_writes_workflow();
    wf.steps[1].roles = vec!["reviewer".into()];
    let mut review = step("review", StepKind::Review, Performer::Human, &["reviewer"]);
    review.independent_of = vec![Relation::Producer];
    wf.steps.insert(2, review);
    let w = World::with(wf);
    let t = w.task();
    let t = w.handed(&t, CAROL);
    let t = w.act(&t, CAROL, submit("carol's rev1"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, request_changes(&t));
    assert_eq!(t.step, "write");
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, submit("bob's rev2"));
    // bob produced the latest (rule 5); carol produced revision 1, not accepted since (rule 13).
    assert_eq!(
        w.refused(&t, BOB, accept(&t)).rule,
        Rule::NoSelfReview,
        "rule 5 comes first"
    );
    let r = w.refused(&t, ALICE, assign(CAROL));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step review asks for a verdict independent of the producer: carol produced revision 1, so carol may not be handed it"
    );
    assert_eq!(under_review(&t, &w.wf, &w.actors).len(), 2);
    // With a quorum, carol needs no handoff to try; her verdict is refused all the same.
    let mut wf = w.wf.clone();
    wf.steps[2].quorum = Some(2);
    let q = World::with(wf);
    let r = q.refused(&t, CAROL, accept(&t));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step review asks for a verdict independent of the producer: carol produced revision 1"
    );
    // An accept of the latest revision does not free her: only a revision accepted before the
    // one under review ends what she is tied to.
    let q = q.grant(ALICE, "reviewer");
    let t = q.act(&t, ALICE, accept(&t));
    assert_eq!(t.step, "review", "1 of 2");
    assert_eq!(under_review(&t, &w.wf, &w.actors).len(), 2);
    assert_eq!(q.refused(&t, CAROL, accept(&t)).rule, Rule::Independence);
}

/// define -> write (reviewers write) -> review (independent of the producer, `quorum`) ->
/// approve.
fn reviewers_write(quorum: Option<u32>) -> World {
    let mut wf = human_writes_workflow();
    wf.steps[1].roles = vec!["reviewer".into()];
    let mut review = step("review", StepKind::Review, Performer::Human, &["reviewer"]);
    review.independent_of = vec![Relation::Producer];
    review.quorum = quorum;
    wf.steps.insert(2, review);
    World::with(wf).grant(ALICE, "reviewer")
}

/// Found by a red-team helper: one accept of a step that asks two, then overruled by a
/// request for changes, ended the window of revisions under review, so the producer of the
/// overruled revision could accept the next one.
#[test]
fn an_overruled_accept_short_of_the_quorum_accepted_nothing() {
    let w = reviewers_write(Some(2));
    let t = w.handed(&w.task(), BOB);
    let t = w.act(&t, BOB, submit("bob's rev1"));
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "review", "1 of 2");
    let t = w.act(&t, ALICE, request_changes(&t));
    assert_eq!(t.step, "write");
    let t = w.handed(&t, CAROL);
    let t = w.act(&t, CAROL, submit("carol's rev2"));
    assert_eq!(under_review(&t, &w.wf, &w.actors).len(), 2);
    let r = w.refused(&t, BOB, accept(&t));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step review asks for a verdict independent of the producer: bob produced revision 1"
    );
}

/// Found by a red-team helper: a revision holding the same bytes as an earlier one counted as
/// its new submitter's work only, so the author of the bytes could judge them.
#[test]
fn whoever_produced_a_revisions_bytes_produced_it() {
    let w = reviewers_write(None);
    let t = w.handed(&w.task(), CAROL);
    let t = w.act(&t, CAROL, submit("the same words"));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, request_changes(&t));
    let t = w.handed(&t, BOB);
    let t = w.act(&t, BOB, submit("the same words"));
    // Independence of the producer: carol may not even be handed the review.
    let r = w.refused(&t, ALICE, assign(CAROL));
    assert_eq!(r.rule, Rule::Independence);
    assert_eq!(
        r.reason,
        "step review asks for a verdict independent of the producer: carol produced revision 1 (the bytes of revision 2), so carol may not be handed it"
    );
    // Without independence, rule 5 still holds: nobody judges bytes they produced.
    let mut wf = w.wf.clone();
    wf.steps[2].independent_of.clear();
    let w = World::with(wf).grant(ALICE, "reviewer");
    let t = w.handed(&t, CAROL);
    let r = w.refused(&t, CAROL, accept(&t));
    assert_eq!(r.rule, Rule::NoSelfReview);
    assert_eq!(
        r.reason,
        "carol produced revision 1 (the bytes of revision 2) and cannot review it"
    );
}

/// The default workflow with a review step any actor may take (no revising), independent of
/// `rel`.
fn any_reviews(rel: Relation) -> Workflow {
    let mut wf = Workflow::default_workflow();
    let review = wf
        .steps
        .iter_mut()
        .find(|s| s.kind == StepKind::Review)
        .unwrap();
    review.actor = Performer::Any;
    review.independent_of = vec![rel];
    review.revise = false;
    wf
}

/// Found by a red-team helper: an AI reviewer run by the same operator as the AI that produced
/// the revision counted as independent of that operator, so two of the operator's bots filled
/// a quorum the operator could not sit on.
#[test]
fn an_agent_acts_for_its_operator_in_independence() {
    let w =
        World::with(any_reviews(Relation::Operator)).add(ai("rev-bot", &["reviewer"], ALICE, "m"));
    let t = at_draft(&w, w.task());
    let t = w.act(&t, BOT, submit("draft one"));
    let r = w.refused(&t, ALICE, assign("rev-bot"));
    assert_eq!(r.rule, Rule::Independence);
    assert!(
        r.reason
            .contains("rev-bot and drafter-bot are both operated by alice, and drafter-bot produced revision 1"),
        "{r:?}"
    );
    // An agent another human operates is independent.
    let w = w.add(ai("other-bot", &["reviewer"], BOB, "m"));
    let t = w.handed(&t, "other-bot");
    w.act(&t, "other-bot", accept(&t));
}

/// Found by a red-team helper: the requester's own agent counted as independent of the
/// requester.
#[test]
fn the_requesters_agent_is_not_independent_of_the_requester() {
    let w = World::with(any_reviews(Relation::Requester)).add(ai(
        "alice-bot",
        &["reviewer"],
        ALICE,
        "m",
    ));
    let t = at_draft(&w, w.task());
    assert_eq!(t.created_by, ALICE);
    let t = w.act(&t, BOT, submit("draft one"));
    let r = w.refused(&t, ALICE, assign("alice-bot"));
    assert_eq!(r.rule, Rule::Independence);
    assert!(
        r.reason
            .contains("alice-bot is operated by alice, who defined task"),
        "{r:?}"
    );
    w.act(&t, ALICE, assign(BOB));
}

/// Found by a red-team helper: outputs `A.md` and `a.md` (or inputs `Brief` and `brief`) were
/// committed, and the tree reader, which refuses names equal but for case (one file on a
/// case-insensitive file system), then refused the store.
#[test]
fn names_equal_but_for_case_are_given_twice() {
    let w = World::new();
    let t = at_draft(&w, w.task());
    let mut out = output("A.md", "one");
    out.artifacts.push(art("a.md", b"two"));
    let r = w.refused(&t, BOT, Action::Submit(out));
    assert_eq!(r.rule, Rule::Input);
    assert_eq!(r.reason, "artifact A.md given twice (as a.md)");
    let r = decide(
        &w.wf,
        &w.actors,
        None,
        w.actor(ALICE),
        &create(None, None, vec![input("Brief", "x"), input("brief", "y")]),
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    assert_eq!(r.reason, "input Brief given twice (as brief)");
}

#[test]
fn no_quorum_step_moves_before_its_quorum_and_an_accept_counts_once() {
    let w = governed();
    let t = governed_at_review(&w);
    // Nobody holds the review: with a quorum, every reviewer the step admits gives a verdict.
    assert_eq!(t.assignee(), None);
    let t = w.act(&t, BOB, accept(&t));
    assert_eq!(t.step, "review", "1 of 2 accepts");
    assert_eq!(accepts(&t, "review"), [BOB]);
    let r = w.refused(&t, BOB, accept(&t));
    assert_eq!(r.rule, Rule::Quorum);
    assert_eq!(
        r.reason,
        "bob already accepted revision 1 at step review (1 of 2 accepts); an accept counts once"
    );
    // A comment never counts.
    let t = w.act(&t, CAROL, comment(&t, "reading"));
    assert_eq!(t.step, "review");
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "approve");
    assert_eq!(accepts(&t, "review"), [BOB, CAROL]);
    // The accepts of the review step are not the approval: bob, the approver, decides.
    let t = w.act(&t, BOB, approve(&t));
    assert_eq!(t.state, TaskState::Closed);
}

#[test]
fn a_request_for_changes_sends_a_quorum_review_back_and_a_new_revision_voids_its_accepts() {
    let w = governed();
    let t = governed_at_review(&w);
    let t = w.act(&t, BOB, accept(&t));
    let t = w.act(&t, CAROL, request_changes(&t));
    assert_eq!(t.step, "draft", "one request for changes is enough");
    let t = w.act(&t, BOT, submit("draft two"));
    let t = w.act(&t, BOT, check_run(&w, &t, Some(0)));
    assert_eq!(t.step, "review");
    assert!(
        accepts(&t, "review").is_empty(),
        "bob's accept was of revision 1"
    );
    let t = w.act(&t, CAROL, accept(&t));
    assert_eq!(t.step, "review", "1 of 2: bob's old accept does not count");
    // bob's accept of revision 1 named its digest; an accept naming it now is stale (rule 6).
    let old = review_of(1, &t.revisions[0].digest, Verdict::Accept, "", None);
    assert_eq!(w.refused(&t, BOB, old).rule, Rule::DigestBinding);
    let t = w.act(&t, BOB, accept(&t));
    assert_eq!(t.step, "approve");
}

#[test]
fn a_quorum_and_revise_do_not_go_together() {
    let mut wf = Workflow::default_workflow();
    wf.steps[2].quorum = Some(2);
    let e = wf.validate().unwrap_err().to_string();
    assert!(e.contains("a quorum and revise do not go together"), "{e}");
    wf.steps[2].revise = false;
    wf.validate().unwrap();
}

#[test]
fn a_check_passes_only_with_the_steps_command_and_exit_status_zero() {
    let w = governed();
    let t = governed_at_test(&w);
    // The rules of any step: kind, admission, holder, binding.
    assert_eq!(
        w.refused(&t, BOB, check_run(&w, &t, Some(0))).rule,
        Rule::StepActor
    );
    let r = w.refused(&t, BOT, submit("skip the check"));
    assert_eq!(r.rule, Rule::WrongStep);
    assert!(r.hint.contains("wf-check"), "{r:?}");
    let mut stale = check_run(&w, &t, Some(0));
    if let Action::Check { digest, .. } = &mut stale {
        *digest = format!("sha256:{}", "0".repeat(64));
    }
    assert_eq!(w.refused(&t, BOT, stale).rule, Rule::DigestBinding);
    // Rule 15: the step's own command.
    let other = ["true".to_string()];
    let r = w.refused(&t, BOT, check_with(&t, &other, Some(0)));
    assert_eq!(r.rule, Rule::CheckGate);
    assert_eq!(
        r.reason,
        "the check ran `true`, not the command of step test: `sh -c 'test -s note.md'`"
    );
    // Rule 12: a record that cannot be.
    let mut killed = check_run(&w, &t, Some(0));
    if let Action::Check { run, .. } = &mut killed {
        run.timed_out = true;
    }
    assert_eq!(w.refused(&t, BOT, killed).rule, Rule::Input);
    let mut big = check_run(&w, &t, Some(0));
    if let Action::Check { run, .. } = &mut big {
        run.output_size = crate::task::MAX_CHECK_OUTPUT + 1;
    }
    assert_eq!(w.refused(&t, BOT, big).rule, Rule::Input);
    // Fail sends the task back for rework; pass moves it on.
    let failed = w.act(&t, BOT, check_run(&w, &t, Some(1)));
    assert_eq!(failed.step, "draft");
    assert_eq!(failed.checks[0].outcome, crate::task::CheckOutcome::Fail);
    let mut timeout = check_run(&w, &t, None);
    if let Action::Check { run, .. } = &mut timeout {
        run.timed_out = true;
    }
    assert_eq!(w.act(&t, BOT, timeout).step, "draft");
    let passed = w.act(&t, BOT, check_run(&w, &t, Some(0)));
    assert_eq!(passed.step, "review");
    let c = &passed.checks[0];
    assert_eq!(
        (c.revision, c.step.as_str(), c.actor.as_str()),
        (1, "test", BOT)
    );
    assert_eq!(c.outcome, crate::task::CheckOutcome::Pass);
    // Nothing but a check passes a check step: a verdict there is the wrong step.
    assert_eq!(w.refused(&t, BOB, accept(&t)).rule, Rule::WrongStep);
}

#[test]
fn entering_a_step_with_a_due_date_records_when() {
    let w = governed();
    let t = w.task_for(ALICE, BOB);
    assert_eq!(t.entered_at, None, "draft has no due date");
    let t = w.handed(&t, BOT);
    let t = w.act(&t, BOT, submit("draft one"));
    assert_eq!(t.entered_at.as_deref(), Some(AT.rfc3339().as_str()));
    let later = Timestamp(AT.0 + 3600);
    let go = |t: &Task, who: &str, a: Action, at: Timestamp| {
        decide(&w.wf, &w.actors, Some(t), w.actor(who), &a, at).unwrap()
    };
    let t = go(&t, ALICE, assign(BOT), later);
    assert_eq!(
        t.entered_at.as_deref(),
        Some(AT.rfc3339().as_str()),
        "a handoff does not restart the clock"
    );
    let t = go(&t, BOT, check_run(&w, &t, Some(0)), later);
    assert_eq!(t.entered_at, Some(later.rfc3339()), "entered review");
    let t = go(&t, BOB, accept(&t), Timestamp(later.0 + 60));
    assert_eq!(
        t.entered_at,
        Some(later.rfc3339()),
        "1 of 2 does not move it"
    );
    let t = go(&t, CAROL, accept(&t), Timestamp(later.0 + 120));
    assert_eq!(t.entered_at, Some(Timestamp(later.0 + 120).rfc3339()));
    let t = go(&t, BOB, approve(&t), Timestamp(later.0 + 180));
    assert_eq!(t.entered_at, None, "a closed task is due nowhere");
    // The default workflow has no due dates: its task files never record one.
    assert!(closed(&World::new(), World::new().task())
        .entered_at
        .is_none());
}

// ---------------------------------------------------------------------------------------------
// Rule numbering
// ---------------------------------------------------------------------------------------------

#[test]
fn rules_are_numbered_as_in_the_spec() {
    let all = [
        (Rule::StepActor, "step-actor"),
        (Rule::Assignee, "assignee-only"),
        (Rule::AiHumanDuty, "ai-human-duty"),
        (Rule::HumanOwnerApprover, "human-owner-approver"),
        (Rule::NoSelfReview, "no-self-review"),
        (Rule::DigestBinding, "digest-binding"),
        (Rule::Closed, "closed-task"),
        (Rule::TaskScope, "task-scope"),
        (Rule::WrongStep, "wrong-step"),
        (Rule::Handoff, "handoff"),
        (Rule::Admin, "admin-only"),
        (Rule::Input, "bad-input"),
        (Rule::Independence, "independence"),
        (Rule::Quorum, "quorum"),
        (Rule::CheckGate, "check-gate"),
    ];
    for (i, (rule, slug)) in all.into_iter().enumerate() {
        assert_eq!(usize::from(rule.number()), i + 1);
        assert_eq!(rule.slug(), slug);
        assert_eq!(rule.to_string(), format!("rule {} ({slug})", i + 1));
    }
}

// ---------------------------------------------------------------------------------------------
// Property: no sequence of accepted actions lets an AI or a producer approve
// ---------------------------------------------------------------------------------------------

/// Every action the menu offers, computed against the current state so that verdicts,
/// decisions and checks name the current revision (plus a few that name a stale one).
fn menu(w: &World, task: &Task) -> Vec<(&'static str, Action)> {
    let checks = w.wf.steps.iter().any(|s| s.kind == StepKind::Check);
    let mut out = Vec::new();
    let revs = task.revisions.len();
    for who in EVERYONE {
        for to in EVERYONE {
            out.push((who, assign(to)));
        }
        out.push((who, submit(&format!("rev {} by {who}", revs + 1))));
        out.push((who, reopen("again")));
        if task.latest().is_none() {
            continue;
        }
        out.push((who, accept(task)));
        out.push((
            who,
            accept_revised(task, &format!("rev {} refined by {who}", revs + 1)),
        ));
        out.push((who, request_changes(task)));
        out.push((who, approve(task)));
        out.push((who, reject(task, "no")));
        if checks {
            out.push((who, check_run(w, task, Some(0))));
            out.push((who, check_run(w, task, Some(1))));
        }
        if revs > 1 {
            let first = &task.revisions[0];
            out.push((
                who,
                decision_of(first.number, &first.digest, Outcome::Approve, ""),
            ));
            out.push((
                who,
                review_of(first.number, &first.digest, Verdict::Accept, "old", None),
            ));
        }
    }
    // One commenter keeps the tree small; comments move nothing. One check of another command.
    if task.latest().is_some() {
        out.push((BOT, comment(task, "fyi")));
        if checks {
            out.push((BOT, check_with(task, &["true".to_string()], Some(0))));
        }
    }
    out
}

/// What must hold of every allowed transition: independence, quorums and checks.
fn check_transition(w: &World, before: &Task, who: &str, action: &Action, next: &Task) {
    let step = w.wf.step(&before.step).expect("a step of the workflow");
    let gives_verdict = matches!(
        action,
        Action::Review { verdict, .. } if *verdict != Verdict::Comment
    ) || matches!(action, Action::Decide { .. });
    if gives_verdict {
        for rel in &step.independent_of {
            assert!(
                !crate::fixtures::tied(&w.actors, before, *rel, who),
                "{who} gave a verdict or decision at {} tied as {rel:?}",
                step.name
            );
        }
    }
    if step.kind == StepKind::Review && next.step != before.step {
        if let Action::Review {
            verdict: Verdict::Accept,
            revision,
            digest,
            ..
        } = action
        {
            let distinct: std::collections::BTreeSet<&str> = next
                .reviews
                .iter()
                .filter(|r| {
                    r.verdict == Verdict::Accept
                        && r.step == step.name
                        && r.revision == *revision
                        && &r.digest == digest
                })
                .map(|r| r.actor.as_str())
                .collect();
            assert!(
                distinct.len() >= step.quorum() as usize,
                "step {} moved on with {} of {} accepts",
                step.name,
                distinct.len(),
                step.quorum()
            );
        }
    }
    if step.kind == StepKind::Check && next.step != before.step {
        let c = next.checks.last().expect("only a check moves a check step");
        assert!(matches!(action, Action::Check { .. }));
        assert_eq!(c.command, step.command);
        let latest = before.latest().expect("a checked revision");
        assert_eq!((c.revision, &c.digest), (latest.number, &latest.digest));
        let forward = w.wf.next(&step.name).map(|s| s.name.as_str());
        assert_eq!(
            Some(next.step.as_str()) == forward,
            c.exit_status == Some(0) && !c.timed_out,
            "pass moves on, fail goes back"
        );
    }
}

fn check_invariants(w: &World, t: &Task, trail: &[String]) {
    let kind = |id: &str| w.actors.get(id).map(|a| a.kind);
    let due_here = w.wf.step(&t.step).is_some_and(|s| s.due.is_some());
    assert_eq!(
        t.entered_at.is_some(),
        due_here && t.state == TaskState::Open,
        "{trail:?}"
    );
    for (i, r) in t.reviews.iter().enumerate() {
        let twice = t.reviews[..i].iter().any(|o| {
            o.verdict == Verdict::Accept
                && r.verdict == Verdict::Accept
                && (o.step.as_str(), o.revision, o.actor.as_str())
                    == (r.step.as_str(), r.revision, r.actor.as_str())
        });
        assert!(!twice, "an accept counted twice: {trail:?}");
    }
    for c in &t.checks {
        let s = w.wf.step(&c.step).expect("a check names its step");
        assert_eq!(s.kind, StepKind::Check, "{trail:?}");
        assert_eq!(c.command, s.command, "{trail:?}");
    }
    let producer = |n: u32| t.revisions.iter().find(|r| r.number == n);
    assert_eq!(kind(&t.owner), Some(ActorKind::Human), "{trail:?}");
    assert_eq!(kind(&t.approver), Some(ActorKind::Human), "{trail:?}");
    for d in &t.decisions {
        assert_eq!(
            kind(&d.actor),
            Some(ActorKind::Human),
            "AI decided: {trail:?}"
        );
        assert_eq!(d.actor, t.approver, "not the approver: {trail:?}");
        let rev = producer(d.revision).expect("decision names a revision");
        assert_eq!(rev.digest, d.digest, "{trail:?}");
        assert_ne!(
            rev.actor, d.actor,
            "producer decided own revision: {trail:?}"
        );
    }
    for r in &t.reviews {
        let rev = producer(r.revision).expect("review names a revision");
        assert_eq!(rev.digest, r.digest, "{trail:?}");
        if r.verdict == Verdict::Comment {
            continue;
        }
        assert_eq!(
            r.reviewer,
            ActorKind::Human,
            "AI gave the human review: {trail:?}"
        );
        assert_ne!(
            rev.actor, r.actor,
            "reviewer reviewed own revision: {trail:?}"
        );
    }
    match t.state {
        TaskState::Closed => {
            let d = t.approval().expect("closed means approved");
            let latest = t.latest().expect("approved output exists");
            assert_eq!(
                (d.revision, &d.digest),
                (latest.number, &latest.digest),
                "{trail:?}"
            );
        }
        TaskState::Open => assert!(t.approval().is_none()),
    }
    for (i, r) in t.revisions.iter().enumerate() {
        assert_eq!(r.number as usize, i + 1, "{trail:?}");
    }
}

/// States along the happy path of a workflow, each a seed for the search: the owner hands
/// every step to the first actor it admits that did not produce the latest revision, the
/// holder does the step's work (reviewers refine), the approver approves.
fn seeds(w: &World, owner: &str, approver: &str) -> Vec<Task> {
    let mut t = w.task_for(owner, approver);
    let mut out = vec![t.clone()];
    for _ in 0..12 {
        if t.state == TaskState::Closed {
            break;
        }
        let s = w.wf.step(&t.step).unwrap().clone();
        let next = match s.kind {
            StepKind::Approve => w.attempt(&t, approver, &approve(&t)),
            _ if t.assignee().is_none() => {
                let last = t.latest().map(|r| r.actor.clone());
                let Some(next) = EVERYONE
                    .into_iter()
                    .filter(|id| {
                        s.admits(w.actor(id))
                            && (s.kind == StepKind::Check || last.as_deref() != Some(*id))
                    })
                    .map(|to| w.attempt(&t, owner, &assign(to)))
                    .find(Result::is_ok)
                else {
                    break;
                };
                next
            }
            StepKind::Produce => w.attempt(&t, t.assignee().unwrap(), &submit("seed")),
            StepKind::Review => {
                let a = if s.revise {
                    accept_revised(&t, "seed refined")
                } else {
                    accept(&t)
                };
                // The holder, else (with a quorum) the first other reviewer who may accept.
                let holder = t.assignee().unwrap().to_string();
                let tried = std::iter::once(holder.as_str())
                    .chain(EVERYONE)
                    .map(|who| w.attempt(&t, who, &a))
                    .find(Result::is_ok);
                tried.unwrap_or_else(|| w.attempt(&t, &holder, &a))
            }
            StepKind::Check => w.attempt(&t, t.assignee().unwrap(), &check_run(w, &t, Some(0))),
            StepKind::Define => unreachable!(),
        };
        match next {
            Ok(n) => {
                t = n;
                out.push(t.clone());
            }
            Err(_) => break,
        }
    }
    out
}

#[derive(Default)]
struct Seen {
    states: usize,
    approvals: usize,
    rejects: usize,
    reopens: usize,
    checks: usize,
    short_of_quorum: usize,
    refusals: std::collections::HashMap<Rule, usize>,
    /// Explored states by what `decide` and [`menu`] read of them, with the depth explored.
    explored: std::collections::HashMap<String, usize>,
}

/// Everything of a task that `decide` and [`menu`] look at: two tasks with the same key accept
/// and refuse the same actions and append the same records. Review, decision and reopen
/// records and the order of handoffs are history that neither reads, so they are left out;
/// every reached state is still checked before its subtree is skipped.
fn future_key(w: &World, t: &Task) -> String {
    let holders: Vec<Option<&str>> = w.wf.steps.iter().map(|s| t.assignee_of(&s.name)).collect();
    let revs: Vec<(&str, &str)> = t
        .revisions
        .iter()
        .map(|r| (r.actor.as_str(), r.digest.as_str()))
        .collect();
    // Rules 13 and 14 read which revisions were accepted, and who accepted the latest where
    // (a workflow without them reads neither: its states stay the same).
    let governs =
        w.wf.steps
            .iter()
            .any(|s| s.quorum() > 1 || !s.independent_of.is_empty());
    if !governs {
        return format!(
            "{}|{}|{:?}|{}|{}|{holders:?}|{revs:?}",
            t.workflow, t.owner, t.state, t.approver, t.step
        );
    }
    let accepted: Vec<u32> = t
        .revisions
        .iter()
        .filter(|r| {
            t.reviews
                .iter()
                .any(|v| v.verdict == Verdict::Accept && v.digest == r.digest)
                || t.decisions
                    .iter()
                    .any(|d| d.outcome == Outcome::Approve && d.digest == r.digest)
        })
        .map(|r| r.number)
        .collect();
    let quorum: Vec<Vec<&str>> = w.wf.steps.iter().map(|s| accepts(t, &s.name)).collect();
    format!(
        "{}|{}|{:?}|{}|{}|{}|{holders:?}|{revs:?}|{accepted:?}|{quorum:?}|{:?}",
        t.workflow, t.owner, t.state, t.approver, t.step, t.created_by, t.entered_at
    )
}

fn explore(w: &World, task: Task, depth: usize, trail: &mut Vec<String>, seen: &mut Seen) {
    check_invariants(w, &task, trail);
    seen.states += 1;
    if depth == 0 {
        return;
    }
    let key = future_key(w, &task);
    if seen.explored.get(&key).is_some_and(|d| *d >= depth) {
        return;
    }
    seen.explored.insert(key, depth);
    for (who, action) in menu(w, &task) {
        match w.attempt(&task, who, &action) {
            Ok(next) => {
                check_transition(w, &task, who, &action, &next);
                crate::fixtures::replays(
                    &w.wf,
                    &w.actors,
                    w.actor(who),
                    Some(&task),
                    &next,
                    &action,
                    AT,
                );
                match &action {
                    Action::Decide {
                        outcome: Outcome::Approve,
                        ..
                    } => seen.approvals += 1,
                    Action::Decide { .. } => seen.rejects += 1,
                    Action::Reopen { .. } => seen.reopens += 1,
                    Action::Check { .. } => seen.checks += 1,
                    Action::Review {
                        verdict: Verdict::Accept,
                        ..
                    } if next.step == task.step => seen.short_of_quorum += 1,
                    _ => {}
                }
                trail.push(format!("{who} {} @{}", action.name(), task.step));
                explore(w, next, depth - 1, trail, seen);
                trail.pop();
            }
            Err(r) => *seen.refusals.entry(r.rule).or_default() += 1,
        }
    }
}

/// Explore every sequence of up to `depth` menu actions from every seed of the default workflow
/// and the variants, for a few owner/approver pairs. The first seed is the freshly created task,
/// so with `depth` 8 the search alone reaches approval, rejection and reopening.
fn search(depth: usize) -> Seen {
    let pairs = [(ALICE, ALICE), (ALICE, BOB), (CAROL, BOB)];
    let mut seen = Seen::default();
    // The short workflow with an approval independent of the operator: alice approves what
    // her agent drafted only once bob refined it into a revision of his own.
    let mut operator = short_workflow();
    operator.name = "short-operator".into();
    operator.steps[3].independent_of = vec![Relation::Operator];
    let worlds = [
        (World::with(Workflow::default_workflow()), &pairs[..]),
        (World::with(short_workflow()), &pairs[..]),
        (World::with(double_review_workflow()), &pairs[..]),
        (World::with(human_writes_workflow()), &pairs[..]),
        // Fewer owners for the new workflows: the owner's part is the handoffs, searched above.
        (governed(), &[(ALICE, BOB)][..]),
        (World::with(operator), &[(ALICE, ALICE)][..]),
    ];
    for (w, pairs) in worlds {
        for &(owner, approver) in pairs {
            for seed in seeds(&w, owner, approver) {
                explore(&w, seed, depth, &mut Vec::new(), &mut seen);
            }
        }
    }
    seen
}

#[test]
fn no_sequence_of_accepted_actions_lets_an_ai_or_the_producer_approve() {
    let seen = search(8);
    // The search must actually reach the interesting places.
    assert!(seen.states > 10_000, "only {} states", seen.states);
    assert!(seen.approvals > 0 && seen.rejects > 0 && seen.reopens > 0);
    assert!(
        seen.checks > 0 && seen.short_of_quorum > 0,
        "{} {}",
        seen.checks,
        seen.short_of_quorum
    );
    for rule in [
        Rule::Independence,
        Rule::Quorum,
        Rule::CheckGate,
        Rule::StepActor,
        Rule::Assignee,
        Rule::AiHumanDuty,
        Rule::HumanOwnerApprover,
        Rule::NoSelfReview,
        Rule::DigestBinding,
        Rule::Closed,
        Rule::WrongStep,
        Rule::Handoff,
    ] {
        assert!(
            seen.refusals.contains_key(&rule),
            "{rule} never refused anything"
        );
    }
}

#[test]
fn inputs_must_carry_their_text_or_file_with_its_digest() {
    let w = World::new();
    let good = Input {
        name: "brief".into(),
        text: Some("hello".into()),
        file: None,
        sha256: crate::digest::sha256_hex(b"hello"),
    };
    let ok = decide(
        &w.wf,
        &w.actors,
        None,
        w.actor(ALICE),
        &create(None, None, vec![good.clone()]),
        AT,
    );
    assert!(ok.is_ok(), "{ok:?}");
    let wrong_digest = Input {
        sha256: crate::digest::sha256_hex(b"other"),
        ..good.clone()
    };
    let both = Input {
        file: Some("brief".into()),
        ..good.clone()
    };
    let renamed_file = Input {
        text: None,
        file: Some("elsewhere".into()),
        ..good.clone()
    };
    for bad in [wrong_digest, both, renamed_file] {
        let err = decide(
            &w.wf,
            &w.actors,
            None,
            w.actor(ALICE),
            &create(None, None, vec![bad]),
            AT,
        )
        .unwrap_err();
        assert_eq!(err.rule, Rule::Input);
    }
}

#[test]
fn a_store_is_founded_by_one_human_admin_who_may_define_tasks() {
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAfounder000000000000";
    let actors = founding_actors("alice", "Alice", "alice@example.com", key).unwrap();
    let founder = &actors.actors[0];
    assert!(founder.is_admin() && founder.is_human() && founder.has_role("requester"));
    assert!(Workflow::default_workflow().define().admits(founder));
    assert_eq!(actors.by_key(key).unwrap().id, "alice");
    let bad = founding_actors("Alice/..", "Alice", "alice@example.com", key).unwrap_err();
    assert_eq!(bad.rule, Rule::Input);
}

fn run_record() -> crate::task::Run {
    crate::task::Run {
        command: vec!["ollama".into(), "run".into(), "llama3".into()],
        started_at: "2026-11-24T06:00:00Z".into(),
        ended_at: "2026-11-24T06:00:07Z".into(),
        exit_status: 0,
        revision_digest: None,
        inputs: vec![crate::task::RunInput {
            name: "brief".into(),
            sha256: sha256_hex(b"brief"),
        }],
    }
}

/// [`World::new`] with the bot's run command registered as [`run_record`]'s.
fn with_bot_run(mut w: World) -> World {
    let bot = w.actors.actors.iter_mut().find(|a| a.id == BOT).unwrap();
    bot.run = Some(crate::actor::AgentRun {
        command: run_record().command,
        timeout: None,
        env: Default::default(),
    });
    w.actors.validate().expect("fixture actors are valid");
    w
}

#[test]
fn an_agent_run_is_recorded_with_its_revision_and_replays_from_the_task_file() {
    let w = with_bot_run(World::new());
    let t = at_draft(&w, w.task());
    let out = Output {
        prompt_sha256: Some(sha256_hex(b"the prompt")),
        run: Some(run_record()),
        ..output("draft.md", "text")
    };
    let next = w.act(&t, BOT, Action::Submit(out));
    let rev = next.latest().unwrap();
    assert_eq!(rev.run, Some(run_record()));
    // The verifier rebuilds the action from the task file: the same decision comes out.
    let again = w.act(&t, BOT, Action::Submit(Output::of_revision(rev)));
    assert_eq!(again, next);
    // The task file keeps it, and reads it back.
    assert_eq!(Task::parse(&next.to_toml()).unwrap(), next);
    let msg = crate::trailer::action_message(
        Some(&t),
        &next,
        &Action::Submit(Output::of_revision(rev)),
        w.actor(BOT),
    );
    let tr = crate::trailer::parse(&msg);
    let get = |k| crate::trailer::get(&tr, k);
    assert_eq!(get("Wf-Run-Command"), Some("ollama run llama3"));
    assert_eq!(get("Wf-Run-Started"), Some("2026-11-24T06:00:00Z"));
    assert_eq!(get("Wf-Run-Ended"), Some("2026-11-24T06:00:07Z"));
    assert_eq!(get("Wf-Run-Exit"), Some("0"));
    let keys: Vec<&str> = tr.iter().map(|(k, _)| k.as_str()).collect();
    let at = keys.iter().position(|k| *k == "Wf-Prompt-Digest").unwrap();
    assert_eq!(
        keys[at + 1..],
        [
            "Wf-Run-Command",
            "Wf-Run-Started",
            "Wf-Run-Ended",
            "Wf-Run-Exit"
        ]
    );
}

/// Found by a red-team helper: a revision could record any command and model as a run (the
/// agent's key re-signing a wf-run commit), even for an agent without a run configuration,
/// and the attestation reported them as wf-run's. A run records the registered ones.
#[test]
fn a_run_records_the_registered_command_and_model_only() {
    let w = with_bot_run(World::new());
    let t = at_draft(&w, w.task());
    let with = |run: crate::task::Run, model: Option<&str>| Output {
        prompt_sha256: Some(sha256_hex(b"the prompt")),
        run: Some(run),
        model: model.map(str::to_string),
        ..output("draft.md", "text")
    };
    let mut other = run_record();
    other.command = vec!["/opt/gpt-9000/agent".into(), "--frontier".into()];
    let r = w.refused(&t, BOT, Action::Submit(with(other, None)));
    assert_eq!(r.rule, Rule::Input);
    assert!(
        r.reason.contains("the run records the command /opt/gpt-9000/agent --frontier, but drafter-bot's registered run command is ollama run llama3"),
        "{r:?}"
    );
    let r = w.refused(
        &t,
        BOT,
        Action::Submit(with(run_record(), Some("gpt-9000"))),
    );
    assert!(
        r.reason.contains("the run records the model gpt-9000"),
        "{r:?}"
    );
    let registered = w.actor(BOT).model.clone();
    w.act(
        &t,
        BOT,
        Action::Submit(with(run_record(), registered.as_deref())),
    );
    // Without a run configuration an agent records no run.
    let bare = World::new();
    let t = at_draft(&bare, bare.task());
    let r = bare.refused(&t, BOT, Action::Submit(with(run_record(), None)));
    assert!(r.reason.contains("registered run command is none"), "{r:?}");
}

#[test]
fn only_an_ai_actor_records_a_run_and_only_a_successful_one() {
    let w = World::new();
    let t = at_review(&w, w.task());
    let human = Output {
        run: Some(run_record()),
        ..output("draft.md", "refined")
    };
    let r = w.refused(&t, BOB, review(&t, Verdict::Accept, "mine", Some(human)));
    assert_eq!(r.rule, Rule::Input);
    let t = at_draft(&w, w.task());
    let failed = Output {
        run: Some(crate::task::Run {
            exit_status: 1,
            ..run_record()
        }),
        ..output("draft.md", "text")
    };
    assert_eq!(w.refused(&t, BOT, Action::Submit(failed)).rule, Rule::Input);
}

/// Found by `props::rules` (shrunk): an AI actor whose registered model is not one line. The
/// revision records the model folded, as the verifier rebuilds it, so the submit replays.
#[test]
fn an_ai_actors_model_is_recorded_folded_and_the_submit_replays() {
    let mut w = World::new();
    w.actors.actors[3].model = Some("¡\0".into());
    let t = at_draft(&w, w.task());
    let submit = Action::Submit(output("draft.md", "text"));
    let next = w.act(&t, BOT, submit.clone());
    assert_eq!(next.latest().unwrap().model.as_deref(), Some("¡"));
    crate::fixtures::replays(&w.wf, &w.actors, w.actor(BOT), Some(&t), &next, &submit, AT);
}

/// Found by `props::rules` (shrunk): a reason made only of control characters was accepted and
/// stored empty (notes are stored `printable`), so the verifier refused the tool's own commit.
#[test]
fn a_reason_made_only_of_control_characters_is_no_reason() {
    let w = World::new();
    let t = at_approve(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, reject(&t, "\u{e}")).rule, Rule::Input);
    let t = at_review(&w, w.task());
    let c = comment(&t, "\u{7}\u{1b} ");
    assert_eq!(w.refused(&t, BOT, c).rule, Rule::Input);
    let t = closed(&w, w.task());
    assert_eq!(w.refused(&t, ALICE, reopen("\0\n")).rule, Rule::Input);
}

/// Found by a red-team helper: a quorum of two was met by one person, bob and an agent bob
/// operates. An AI actor acts for its operator, so a quorum counts people: the agent's accept
/// after its operator's (or after another agent of the same operator) is refused, and an agent
/// operated by someone else counts as that person.
#[test]
fn a_quorum_counts_an_agent_as_its_operator() {
    let mut wf = governed_workflow();
    wf.steps[3].actor = Performer::Any;
    let w = World::with(wf)
        .grant(BOT, "checker")
        .grant(ALICE, "reviewer")
        .add(ai("bobbot", &["reviewer"], BOB, "m2"))
        .add(ai("bobbot-2", &["reviewer"], BOB, "m3"))
        .add(ai("carolbot", &["reviewer"], CAROL, "m4"));
    let t = governed_at_review(&w);
    let t = w.act(&t, BOB, accept(&t));
    let r = w.refused(&t, "bobbot", accept(&t));
    assert_eq!(r.rule, Rule::Quorum);
    assert_eq!(
        r.reason,
        "bobbot acts for bob, whose accept of revision 1 at step review is counted already (bob; 1 of 2 accepts); a quorum counts each person once"
    );
    // A comment is not an accept: it counts for nothing, and is not refused.
    let t = w.act(&t, "bobbot", comment(&t, "looks fine to me"));
    assert_eq!(t.step, "review");
    // The agent first, then another of the same operator, then the operator: one person.
    let u = governed_at_review(&w);
    let u = w.act(&u, "bobbot", accept(&u));
    assert_eq!(w.refused(&u, "bobbot-2", accept(&u)).rule, Rule::Quorum);
    assert_eq!(w.refused(&u, BOB, accept(&u)).rule, Rule::Quorum);
    assert_eq!(principals(&w.actors, &accepts(&u, "review")), [BOB]);
    // An agent operated by someone else is that someone: two people, the step moves on.
    let t = w.act(&t, "carolbot", accept(&t));
    assert_eq!(t.step, "approve");
    assert_eq!(principals(&w.actors, &accepts(&t, "review")), [BOB, CAROL]);
}
