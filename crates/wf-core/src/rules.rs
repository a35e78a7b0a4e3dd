//! The rule function: given the workflow, the actors, a task's state, an action and who acts,
//! return the task's next state or the rule that refuses the action.
//!
//! This is the only place where policy is decided. `wf-new`, `wf-assign`, `wf-submit`,
//! `wf-review`, `wf-approve` call [`decide`] before they commit; the verifier calls it again on
//! every commit it replays. Rules are numbered as in `spec/rules.md`.

use std::fmt;

use crate::actor::{Actor, ActorKind, Actors};
use crate::digest::revision_digest;
use crate::id::check_file_name;
use crate::task::{
    max_file_size_text, Artifact, Assignment, Check, CheckOutcome, Decision, Input, Outcome,
    Reopen, Review, Revision, Task, TaskState, Verdict, MAX_CHECK_OUTPUT, MAX_FILE_SIZE,
};
use crate::text::{one_line, printable};
use crate::time::Timestamp;
use crate::workflow::{Performer, Relation, Step, StepKind, Workflow};

/// The rules, numbered as in `spec/rules.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Rule {
    /// 1. Only an actor of the kind and role a step allows may act in it.
    StepActor,
    /// 2. Only the current assignee may submit the step's output or give its verdict.
    Assignee,
    /// 3. An AI actor never gives a required human review, never approves, is never approver.
    AiHumanDuty,
    /// 4. The owner and the approver are humans; only the designated approver decides.
    HumanOwnerApprover,
    /// 5. Nobody reviews (as the required review) or approves a revision they produced.
    NoSelfReview,
    /// 6. Reviews and approvals name the digest of the current revision.
    DigestBinding,
    /// 7. A closed task changes only by the owner's reopen.
    Closed,
    /// 8. An action commit changes only its own task's file and artifacts.
    TaskScope,
    /// 9. The action must be the kind the current step performs.
    WrongStep,
    /// 10. Only the owner, the approver, the step's holder or an admin hands a step over.
    Handoff,
    /// 11. Only an admin changes actors and workflows.
    Admin,
    /// 12. The action's own data must make sense (known actors, non-empty output...).
    Input,
    /// 13. A verdict or decision is independent of whom its step names (`independent_of`).
    Independence,
    /// 14. A review step with a quorum moves on only when that many distinct people (an AI
    ///     actor counted as its operator) accepted the same revision; nobody's accept counts
    ///     twice.
    Quorum,
    /// 15. A check step is passed only by a check of the step's own command on the
    ///     latest revision.
    CheckGate,
}

impl Rule {
    /// The rule's number in `spec/rules.md`.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }
    /// A short stable slug.
    pub fn slug(self) -> &'static str {
        match self {
            Rule::StepActor => "step-actor",
            Rule::Assignee => "assignee-only",
            Rule::AiHumanDuty => "ai-human-duty",
            Rule::HumanOwnerApprover => "human-owner-approver",
            Rule::NoSelfReview => "no-self-review",
            Rule::DigestBinding => "digest-binding",
            Rule::Closed => "closed-task",
            Rule::TaskScope => "task-scope",
            Rule::WrongStep => "wrong-step",
            Rule::Handoff => "handoff",
            Rule::Admin => "admin-only",
            Rule::Input => "bad-input",
            Rule::Independence => "independence",
            Rule::Quorum => "quorum",
            Rule::CheckGate => "check-gate",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {} ({})", self.number(), self.slug())
    }
}

/// Why an action is refused: the rule, one line of reason, one line of hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Which rule.
    pub rule: Rule,
    /// What is wrong, one line.
    pub reason: String,
    /// What to do instead, one line.
    pub hint: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused by {}: {}", self.rule, self.reason)
    }
}

impl std::error::Error for Refusal {}

fn refuse<T>(rule: Rule, reason: impl Into<String>, hint: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        reason: reason.into(),
        hint: hint.into(),
    })
}

/// Output handed to [`Action::Submit`] or attached to an accept: artifact metadata (the bytes
/// are the store's business) and provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The files, with their sha256 and size.
    pub artifacts: Vec<Artifact>,
    /// The model that produced or assisted it. For an AI actor, defaults to the actor's model.
    pub model: Option<String>,
    /// sha256 of the prompt.
    pub prompt_sha256: Option<String>,
    /// Free text.
    pub note: String,
    /// How an AI agent produced it (`wf-run`).
    pub run: Option<crate::task::Run>,
}

impl Output {
    /// The output a revision records: what `decide` was given to produce it. The verifier
    /// rebuilds actions from task files with this, so every field `push_revision` copies from an
    /// [`Output`] must come back here.
    pub fn of_revision(r: &Revision) -> Output {
        Output {
            artifacts: r.artifacts.clone(),
            model: r.model.clone(),
            prompt_sha256: r.prompt_sha256.clone(),
            note: r.note.clone(),
            run: r.run.clone(),
        }
    }
}

/// What running a check step's command observed (`wf-check`): the record of a check without
/// what `decide` fills in (the revision, the step, who, when, and the outcome, which follows
/// from the exit status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    /// The program and arguments run.
    pub command: Vec<String>,
    /// The exit status; `None` when the command was killed.
    pub exit_status: Option<i32>,
    /// Killed at the step's time limit.
    pub timed_out: bool,
    /// sha256 of the output kept.
    pub output_sha256: String,
    /// Its size.
    pub output_size: u64,
    /// Only the last [`MAX_CHECK_OUTPUT`] bytes of a longer output were kept.
    pub truncated: bool,
}

impl CheckRun {
    /// What a check record says was run: the verifier rebuilds the action with this.
    pub fn of_check(c: &Check) -> CheckRun {
        CheckRun {
            command: c.command.clone(),
            exit_status: c.exit_status,
            timed_out: c.timed_out,
            output_sha256: c.output_sha256.clone(),
            output_size: c.output_size,
            truncated: c.truncated,
        }
    }

    /// Pass exactly when the command exited with status 0.
    pub fn outcome(&self) -> CheckOutcome {
        if self.exit_status == Some(0) && !self.timed_out {
            CheckOutcome::Pass
        } else {
            CheckOutcome::Fail
        }
    }
}

/// An action on a task, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Define a new task (the workflow's define step).
    Create {
        /// The new id (made by the caller from randomness).
        id: String,
        /// Title, one line.
        title: String,
        /// Owner; the creator when `None`.
        owner: Option<String>,
        /// Approver; the owner when `None`.
        approver: Option<String>,
        /// Inputs.
        inputs: Vec<Input>,
    },
    /// Hand the current step to an actor.
    Assign {
        /// The new holder.
        to: String,
        /// Why.
        note: String,
    },
    /// Record a new output revision for the current produce step.
    Submit(Output),
    /// A verdict on a revision, bound to its digest.
    Review {
        /// The verdict.
        verdict: Verdict,
        /// The revision reviewed.
        revision: u32,
        /// Its digest.
        digest: String,
        /// The comment.
        note: String,
        /// A refined revision attached to an accept, in a step with `revise = true`.
        revise: Option<Output>,
    },
    /// The final decision, bound to a revision digest.
    Decide {
        /// Approve or reject.
        outcome: Outcome,
        /// The revision decided on.
        revision: u32,
        /// Its digest.
        digest: String,
        /// Why.
        note: String,
    },
    /// Reopen a closed task (owner only); voids the approval.
    Reopen {
        /// Why.
        note: String,
    },
    /// The result of a check step's command on the latest revision, bound to its digest.
    Check {
        /// The revision checked.
        revision: u32,
        /// Its digest.
        digest: String,
        /// What the run observed.
        run: CheckRun,
    },
}

impl Action {
    /// The `Wf-Action` trailer value.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Create { .. } => "new",
            Action::Assign { .. } => "assign",
            Action::Submit(_) => "submit",
            Action::Review { .. } => "review",
            Action::Decide {
                outcome: Outcome::Approve,
                ..
            } => "approve",
            Action::Decide {
                outcome: Outcome::Reject,
                ..
            } => "reject",
            Action::Reopen { .. } => "reopen",
            Action::Check { .. } => "check",
        }
    }
}

/// Who holds a task's current step: the designated approver in the approve step, otherwise
/// the latest handoff of the step.
pub fn holder<'t>(workflow: &Workflow, task: &'t Task) -> Option<&'t str> {
    holder_of(workflow, &task.step, &task.approver, task.assignee())
}

/// [`holder`] from the fields it reads: the step, the approver and the step's assignee (what a
/// listing keeps of a task).
pub fn holder_of<'t>(
    workflow: &Workflow,
    step: &str,
    approver: &'t str,
    assignee: Option<&'t str>,
) -> Option<&'t str> {
    match workflow.step(step) {
        Some(s) if s.kind == StepKind::Approve => Some(approver),
        _ => assignee,
    }
}

/// The text of the task file for a task [`decide`] returned, when that text reads back as the
/// task (rule 12, bad-input, when it does not). The tools write task files only through it, so
/// that no action commits a file no tool can read again: a note holding a line `=======` or
/// `<<<<<<< x` (git's conflict markers, which [`Task::parse`] refuses) is refused before it is
/// committed, and so is a file longer than [`crate::text::MAX_TOML_SIZE`]. The verifier needs no
/// such step: it parses the file it reads and compares it with `decide`'s text byte for byte.
pub fn task_text(next: &Task) -> Result<String, Refusal> {
    let text = next.to_toml();
    if text.len() > crate::text::MAX_TOML_SIZE {
        return refuse(
            Rule::Input,
            format!(
                "task {}'s file would be {} bytes, over the {} a task file may hold",
                next.id,
                text.len(),
                crate::text::max_toml_size_text()
            ),
            "shorten the note or text; long material belongs in a file (an input or an output), not in the task",
        );
    }
    match Task::parse(&text) {
        Ok(back) if back == *next => Ok(text),
        Ok(_) => refuse(
            Rule::Input,
            format!("task {} would not read back as written", next.id),
            "reword the note or text",
        ),
        Err(e) => refuse(
            Rule::Input,
            format!("task {}'s file would not read back: {}", next.id, e.0),
            "a note may not hold a line that starts like git's conflict markers (=======, <<<<<<<, >>>>>>>, |||||||); reword it",
        ),
    }
}

/// Decide an action. `task` is `None` only for [`Action::Create`]. Returns the task's next
/// state, or the rule that refuses the action.
pub fn decide(
    workflow: &Workflow,
    actors: &Actors,
    task: Option<&Task>,
    actor: &Actor,
    action: &Action,
    at: Timestamp,
) -> Result<Task, Refusal> {
    let next = decide_action(workflow, actors, task, actor, action, at)?;
    Ok(entered(workflow, task, next, at))
}

/// A task that moves (to another step, or opens or closes) records when it entered its step
/// while that step has a due date, and nothing otherwise; a task that stays keeps what it had.
fn entered(workflow: &Workflow, before: Option<&Task>, mut next: Task, at: Timestamp) -> Task {
    let moved = before.is_none_or(|b| b.step != next.step || b.state != next.state);
    if moved {
        let due = workflow.step(&next.step).is_some_and(|s| s.due.is_some());
        next.entered_at = (due && next.state == TaskState::Open).then(|| at.rfc3339());
    }
    next
}

fn decide_action(
    workflow: &Workflow,
    actors: &Actors,
    task: Option<&Task>,
    actor: &Actor,
    action: &Action,
    at: Timestamp,
) -> Result<Task, Refusal> {
    let at = at.rfc3339();
    let (task, action) = match (task, action) {
        (None, Action::Create { .. }) => return create(workflow, actors, actor, action, at),
        (Some(t), Action::Create { .. }) => {
            return refuse(
                Rule::Input,
                format!("task {} already exists", t.id),
                "create a new task with wf-new",
            )
        }
        (None, _) => return refuse(Rule::Input, "no such task", "list tasks with wf-ls"),
        (Some(t), a) => (t, a),
    };
    if task.workflow != workflow.name {
        return refuse(
            Rule::Input,
            format!(
                "task {} follows workflow {}, not {}",
                task.id, task.workflow, workflow.name
            ),
            "load the task's own workflow",
        );
    }
    if let Action::Reopen { note } = action {
        return reopen(workflow, task, actor, note, at);
    }
    if task.state == TaskState::Closed {
        return refuse(
            Rule::Closed,
            format!("task {} is approved and closed", task.id),
            format!(
                "its owner {} can reopen it: wf-approve {} --reopen -m WHY",
                task.owner, task.id
            ),
        );
    }
    let step = workflow.step(&task.step).ok_or_else(|| Refusal {
        rule: Rule::Input,
        reason: format!(
            "task {} is at step {}, which workflow {} lacks",
            task.id, task.step, workflow.name
        ),
        hint: "restore the step in the workflow or fix the task".into(),
    })?;
    let mut next = task.clone();
    match action {
        Action::Assign { to, note } => {
            assign(workflow, actors, task, step, actor, to, note, at, &mut next)?
        }
        Action::Submit(out) => {
            expect_kind(step, StepKind::Produce, "submit output", task)?;
            admitted(step, actor, task)?;
            holds(workflow, task, actor, "submit output for")?;
            push_revision(&mut next, step, actor, out, at)?;
            advance(workflow, &mut next);
        }
        Action::Review {
            verdict,
            revision,
            digest,
            note,
            revise,
        } => review(
            workflow,
            actors,
            task,
            step,
            actor,
            *verdict,
            *revision,
            digest,
            note,
            revise.as_ref(),
            at,
            &mut next,
        )?,
        Action::Decide {
            outcome,
            revision,
            digest,
            note,
        } => {
            expect_kind(step, StepKind::Approve, "give the final decision", task)?;
            if actor.kind == ActorKind::Ai {
                return refuse(
                    Rule::AiHumanDuty,
                    format!(
                        "{} is an AI actor and can never approve or reject",
                        actor.id
                    ),
                    format!("the designated approver {} decides", task.approver),
                );
            }
            if actor.id != task.approver {
                return refuse(
                    Rule::HumanOwnerApprover,
                    format!(
                        "only the designated approver {} may decide task {}",
                        task.approver, task.id
                    ),
                    format!("ask {} to run wf-approve {}", task.approver, task.id),
                );
            }
            admitted(step, actor, task)?;
            let latest = bound_revision(task, *revision, digest)?;
            if let Some(own) = produced_by(task, latest, &actor.id) {
                return refuse(
                    Rule::NoSelfReview,
                    format!(
                        "{} produced revision {}{} and cannot decide on it",
                        actor.id,
                        own.number,
                        same_as(own, latest)
                    ),
                    "approval needs a human who did not produce the revision",
                );
            }
            independent(
                step,
                workflow,
                actors,
                task,
                actor,
                "decision",
                "the approver is fixed when the task is created: define it again with an independent approver (wf-new --approver)",
            )?;
            if *outcome == Outcome::Reject && blank(note) {
                return refuse(
                    Rule::Input,
                    "a rejection needs a reason",
                    "wf-approve ID --reject -m WHY",
                );
            }
            next.decisions.push(Decision {
                revision: latest.number,
                digest: latest.digest.clone(),
                actor: actor.id.clone(),
                outcome: *outcome,
                at,
                note: printable(note),
            });
            match outcome {
                Outcome::Approve => next.state = TaskState::Closed,
                Outcome::Reject => send_back(workflow, &mut next, step),
            }
        }
        Action::Check {
            revision,
            digest,
            run,
        } => check(
            workflow, task, step, actor, *revision, digest, run, at, &mut next,
        )?,
        Action::Create { .. } | Action::Reopen { .. } => unreachable!("handled above"),
    }
    Ok(next)
}

fn create(
    workflow: &Workflow,
    actors: &Actors,
    actor: &Actor,
    action: &Action,
    at: String,
) -> Result<Task, Refusal> {
    let Action::Create {
        id,
        title,
        owner,
        approver,
        inputs,
    } = action
    else {
        unreachable!()
    };
    let define = workflow.define();
    if !define.admits(actor) {
        return refuse(
            Rule::StepActor,
            format!(
                "step {} of workflow {} is for {}; {} is not",
                define.name,
                workflow.name,
                define.who(),
                actor.id
            ),
            "ask an admin for the role: wf-actor update ID --add-role ROLE",
        );
    }
    if let Err(e) = crate::id::check_task_id(id) {
        return refuse(Rule::Input, e.to_string(), "task ids are made by wf-new");
    }
    for i in inputs {
        if let Err(bad) = check_file_name(&i.name) {
            return refuse(
                Rule::Input,
                format!("input name: {bad}"),
                "input names are plain file names",
            );
        }
        let consistent = match (&i.text, &i.file) {
            (Some(t), None) => crate::digest::sha256_hex(t.as_bytes()) == i.sha256,
            (None, Some(f)) => *f == i.name && crate::digest::is_sha256_hex(&i.sha256),
            _ => false,
        };
        if !consistent {
            return refuse(
                Rule::Input,
                format!("input {} must carry either its text or its file (named as the input), with the sha256 of its bytes", i.name),
                "inputs are made by wf-new --input and --input-file",
            );
        }
    }
    let approve = workflow.steps.last().expect("validated workflow");
    let title = one_line(title);
    if title.is_empty() {
        return refuse(
            Rule::Input,
            "a task needs a title",
            "wf-new --title 'what is to be done'",
        );
    }
    let owner = owner.clone().unwrap_or_else(|| actor.id.clone());
    let approver = approver.clone().unwrap_or_else(|| owner.clone());
    for (what, who) in [("owner", &owner), ("approver", &approver)] {
        let Some(a) = actors.get(who) else {
            return refuse(
                Rule::Input,
                format!("{what} {who} is not a registered actor"),
                "see wf-actor list",
            );
        };
        if a.kind == ActorKind::Ai {
            let rule = if what == "approver" {
                Rule::AiHumanDuty
            } else {
                Rule::HumanOwnerApprover
            };
            return refuse(
                rule,
                format!("{who} is an AI actor and cannot be the {what}"),
                format!("name a human with --{what}"),
            );
        }
    }
    let approver_actor = actors.get(&approver).expect("checked above");
    if !approve.admits(approver_actor) {
        return refuse(
            Rule::StepActor,
            format!(
                "approver {approver} is not admitted by step {} ({})",
                approve.name,
                approve.who()
            ),
            "name an approver the approve step admits",
        );
    }
    if approve.independent_of.contains(&Relation::Requester) && approver == actor.id {
        return refuse(
            Rule::Independence,
            format!(
                "step {} asks for a decision independent of the requester: {approver} defines this task and cannot also approve it",
                approve.name
            ),
            "name another approver: wf-new --approver ACTOR",
        );
    }
    if let Some((a, b)) = twice(inputs.iter().map(|i| i.name.as_str())) {
        return refuse(
            Rule::Input,
            format!("input {} given twice{}", a, as_also(a, b)),
            "give each input once, under names that differ in more than case",
        );
    }
    Ok(Task {
        id: id.clone(),
        title,
        workflow: workflow.name.clone(),
        state: TaskState::Open,
        step: workflow.steps[1].name.clone(),
        owner,
        approver,
        created_by: actor.id.clone(),
        created_at: at,
        entered_at: None,
        inputs: inputs.clone(),
        assignments: vec![],
        revisions: vec![],
        reviews: vec![],
        decisions: vec![],
        reopens: vec![],
        checks: vec![],
    })
}

#[allow(clippy::too_many_arguments)]
fn assign(
    workflow: &Workflow,
    actors: &Actors,
    task: &Task,
    step: &Step,
    actor: &Actor,
    to: &str,
    note: &str,
    at: String,
    next: &mut Task,
) -> Result<(), Refusal> {
    let current = holder(workflow, task);
    let may = actor.id == task.owner
        || actor.id == task.approver
        || current == Some(actor.id.as_str())
        || actor.is_admin();
    if !may {
        return refuse(
            Rule::Handoff,
            format!(
                "{} may not hand over step {} of {}",
                actor.id, step.name, task.id
            ),
            format!(
                "the owner {}, the approver, the step's holder or an admin may",
                task.owner
            ),
        );
    }
    let Some(target) = actors.get(to) else {
        return refuse(
            Rule::Input,
            format!("{to} is not a registered actor"),
            "see wf-actor list",
        );
    };
    match step.kind {
        StepKind::Approve => {
            if target.kind == ActorKind::Ai {
                return refuse(
                    Rule::AiHumanDuty,
                    format!("{to} is an AI actor and can never approve"),
                    format!(
                        "the approve step belongs to the designated approver {}",
                        task.approver
                    ),
                );
            }
            if target.id != task.approver {
                return refuse(
                    Rule::HumanOwnerApprover,
                    format!(
                        "step {} belongs to the designated approver {}, not {to}",
                        step.name, task.approver
                    ),
                    "the approver is fixed when the task is created (wf-new --approver)",
                );
            }
        }
        StepKind::Review if step.actor == Performer::Human && target.kind == ActorKind::Ai => {
            return refuse(
                Rule::AiHumanDuty,
                format!(
                    "{to} is an AI actor and can never give the human review of step {}",
                    step.name
                ),
                "assign a human reviewer",
            );
        }
        _ => {}
    }
    if !step.admits(target) {
        return refuse(
            Rule::StepActor,
            format!("step {} is for {}; {to} is not", step.name, step.who()),
            "assign an actor the step admits, or ask an admin for the role",
        );
    }
    match step.kind {
        StepKind::Review | StepKind::Approve => {
            if let Some((rel, why)) = dependence(step, workflow, actors, task, target) {
                return refuse(
                    Rule::Independence,
                    format!(
                        "step {} asks for a {} independent of the {}: {why}, so {to} may not be handed it",
                        step.name,
                        verdict_word(step),
                        rel.as_str()
                    ),
                    "hand it to an actor independent of the work under review",
                );
            }
        }
        StepKind::Produce => decided_by_its_producer(workflow, task, step, target)?,
        StepKind::Define | StepKind::Check => {}
    }
    next.assignments.push(Assignment {
        step: step.name.clone(),
        by: actor.id.clone(),
        to: to.to_string(),
        at,
        note: printable(note),
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn review(
    workflow: &Workflow,
    actors: &Actors,
    task: &Task,
    step: &Step,
    actor: &Actor,
    verdict: Verdict,
    revision: u32,
    digest: &str,
    note: &str,
    revise: Option<&Output>,
    at: String,
    next: &mut Task,
) -> Result<(), Refusal> {
    let latest = bound_revision(task, revision, digest)?;
    if verdict == Verdict::Comment {
        if revise.is_some() {
            return refuse(
                Rule::Input,
                "a comment cannot carry a revision",
                "use --accept --revise",
            );
        }
        if blank(note) {
            return refuse(
                Rule::Input,
                "a comment needs text",
                "wf-review ID --comment -m TEXT",
            );
        }
    } else {
        expect_kind(step, StepKind::Review, "give a review verdict", task)?;
        if actor.kind == ActorKind::Ai && step.actor == Performer::Human {
            return refuse(
                Rule::AiHumanDuty,
                format!(
                    "{} is an AI actor and can never give the human review of step {}",
                    actor.id, step.name
                ),
                "an AI may add --comment; the verdict belongs to a human reviewer",
            );
        }
        admitted(step, actor, task)?;
        // With a quorum, every actor the step admits gives a verdict; without one, its holder.
        if step.quorum() <= 1 {
            holds(workflow, task, actor, "give the verdict of")?;
        }
        if let Some(own) = produced_by(task, latest, &actor.id) {
            return refuse(
                Rule::NoSelfReview,
                format!(
                    "{} produced revision {}{} and cannot review it",
                    actor.id,
                    own.number,
                    same_as(own, latest)
                ),
                "hand the review to someone else: wf-assign ID --to REVIEWER",
            );
        }
        independent(
            step,
            workflow,
            actors,
            task,
            actor,
            "verdict",
            "the verdict belongs to a reviewer independent of the work: wf-assign ID --to REVIEWER",
        )?;
        let given = accepts(task, &step.name);
        if verdict == Verdict::Accept && given.contains(&actor.id.as_str()) {
            return refuse(
                Rule::Quorum,
                format!(
                    "{} already accepted revision {} at step {} ({} of {} accepts); an accept counts once",
                    actor.id,
                    latest.number,
                    step.name,
                    principals(actors, &given).len(),
                    step.quorum()
                ),
                "another reviewer the step admits gives the next accept",
            );
        }
        // An AI actor acts for its operator: a quorum counts people, so an agent's accept and
        // its operator's (or two agents' of one operator) are one.
        let me = principal(actors, &actor.id);
        if verdict == Verdict::Accept && step.quorum() > 1 {
            if let Some(other) = given.iter().find(|g| principal(actors, g) == me) {
                return refuse(
                    Rule::Quorum,
                    format!(
                        "{} acts for {me}, whose accept of revision {} at step {} is counted already ({other}; {} of {} accepts); a quorum counts each person once",
                        actor.id,
                        latest.number,
                        step.name,
                        principals(actors, &given).len(),
                        step.quorum()
                    ),
                    "a reviewer the step admits who acts for someone else gives the next accept",
                );
            }
        }
        if revise.is_some() && (verdict != Verdict::Accept || !step.revise) {
            let why = if step.revise {
                "only an accept can carry a refined revision"
            } else {
                "this review step does not allow revising"
            };
            return refuse(
                Rule::Input,
                format!("step {}: {why}", step.name),
                "drop --revise, or accept and revise",
            );
        }
    }
    next.reviews.push(Review {
        revision: latest.number,
        digest: latest.digest.clone(),
        step: step.name.clone(),
        actor: actor.id.clone(),
        reviewer: actor.kind,
        verdict,
        at: at.clone(),
        note: printable(note),
    });
    match verdict {
        Verdict::Accept => {
            let reached =
                principals(actors, &accepts(next, &step.name)).len() >= step.quorum() as usize;
            if let Some(out) = revise {
                push_revision(next, step, actor, out, at)?;
            }
            if reached {
                advance(workflow, next);
            }
        }
        Verdict::RequestChanges => send_back(workflow, next, step),
        Verdict::Comment => {}
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check(
    workflow: &Workflow,
    task: &Task,
    step: &Step,
    actor: &Actor,
    revision: u32,
    digest: &str,
    run: &CheckRun,
    at: String,
    next: &mut Task,
) -> Result<(), Refusal> {
    expect_kind(step, StepKind::Check, "record a check", task)?;
    admitted(step, actor, task)?;
    holds(workflow, task, actor, "run the check of")?;
    let latest = bound_revision(task, revision, digest)?;
    if run.command != step.command {
        return refuse(
            Rule::CheckGate,
            format!(
                "the check ran `{}`, not the command of step {}: `{}`",
                one_line(&crate::text::shell_words(&run.command)),
                step.name,
                one_line(&crate::text::shell_words(&step.command))
            ),
            format!("run the step's own command: wf-check {}", task.id),
        );
    }
    let hint = format!("checks are recorded by wf-check {}", task.id);
    if !crate::digest::is_sha256_hex(&run.output_sha256) {
        return refuse(
            Rule::Input,
            "a check's output digest must be 64 hex digits",
            hint,
        );
    }
    if run.output_size > MAX_CHECK_OUTPUT || (run.truncated && run.output_size != MAX_CHECK_OUTPUT)
    {
        return refuse(
            Rule::Input,
            format!(
                "a check keeps at most, and when truncated exactly, the last {MAX_CHECK_OUTPUT} bytes of its output; this one records {}",
                run.output_size
            ),
            hint,
        );
    }
    if run.timed_out && run.exit_status.is_some() {
        return refuse(
            Rule::Input,
            "a check killed at its time limit has no exit status",
            hint,
        );
    }
    let outcome = run.outcome();
    next.checks.push(Check {
        revision: latest.number,
        digest: latest.digest.clone(),
        step: step.name.clone(),
        actor: actor.id.clone(),
        outcome,
        command: run.command.clone(),
        exit_status: run.exit_status,
        timed_out: run.timed_out,
        output_sha256: run.output_sha256.clone(),
        output_size: run.output_size,
        truncated: run.truncated,
        at,
    });
    match outcome {
        CheckOutcome::Pass => advance(workflow, next),
        CheckOutcome::Fail => send_back(workflow, next, step),
    }
    Ok(())
}

/// The revisions a verdict or a decision is about: the latest, and the ones before it back to
/// (not including) the last revision accepted before it: by as many accepts at one review step
/// as that step's quorum asks (one accept of a step that asks two, then overruled, accepted
/// nothing), or by an approval.
pub fn under_review<'t>(task: &'t Task, workflow: &Workflow, actors: &Actors) -> &'t [Revision] {
    let Some((_, earlier)) = task.revisions.split_last() else {
        return &[];
    };
    let accepted = |r: &Revision| {
        let by_quorum = workflow
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Review)
            .any(|s| {
                let mut who: Vec<&str> = Vec::new();
                for v in &task.reviews {
                    let counts = v.verdict == Verdict::Accept
                        && v.step == s.name
                        && v.revision == r.number
                        && v.digest == r.digest;
                    if counts && !who.contains(&v.actor.as_str()) {
                        who.push(&v.actor);
                    }
                }
                principals(actors, &who).len() as u32 >= s.quorum()
            });
        by_quorum
            || task.decisions.iter().any(|d| {
                d.outcome == Outcome::Approve && d.revision == r.number && d.digest == r.digest
            })
    };
    let start = earlier.iter().rposition(accepted).map_or(0, |i| i + 1);
    &task.revisions[start..]
}

/// Every revision of the task holding the same bytes (digest) as `r`, `r` included: whoever
/// produced any of them produced these bytes.
fn same_bytes<'t>(task: &'t Task, r: &'t Revision) -> impl Iterator<Item = &'t Revision> {
    task.revisions.iter().filter(move |x| x.digest == r.digest)
}

/// Who produced `r`'s bytes, as rule 5 reads it: `who` made `r`, or an earlier revision with
/// the same digest (a revision that "revises" with identical bytes is still theirs).
fn produced_by<'t>(task: &'t Task, r: &'t Revision, who: &str) -> Option<&'t Revision> {
    same_bytes(task, r).find(|x| x.actor == who)
}

/// Whom an actor acts for: an AI actor's operator, anyone else themselves. A review quorum
/// counts these (`spec/workflow.md`, "Review quorums").
pub fn principal<'a>(actors: &'a Actors, id: &'a str) -> &'a str {
    actors
        .get(id)
        .filter(|a| a.kind == ActorKind::Ai)
        .and_then(|a| a.operator.as_deref())
        .unwrap_or(id)
}

/// The distinct people `ids` act for ([`principal`]), in order.
pub fn principals<'a>(actors: &'a Actors, ids: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for id in ids {
        let p = principal(actors, id);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The actors who accepted the latest revision at `step` (each once, in order).
pub fn accepts<'t>(task: &'t Task, step: &str) -> Vec<&'t str> {
    let Some(latest) = task.latest() else {
        return vec![];
    };
    let mut who: Vec<&str> = Vec::new();
    for r in &task.reviews {
        let counts = r.verdict == Verdict::Accept
            && r.step == step
            && r.revision == latest.number
            && r.digest == latest.digest;
        if counts && !who.contains(&r.actor.as_str()) {
            who.push(&r.actor);
        }
    }
    who
}

/// `""`, or ` (the bytes of revision N)` when `own` is an earlier revision with `latest`'s bytes.
fn same_as(own: &Revision, latest: &Revision) -> String {
    if own.number == latest.number {
        String::new()
    } else {
        format!(" (the bytes of revision {})", latest.number)
    }
}

/// Whether `who` is independent of the task's work, as `step` asks (`independent_of`): the
/// first relation that ties them to it and how, in the order the step names them. A revision's
/// producers are the actors of every revision with its bytes; an AI actor acts for its
/// operator, so an agent operated by the producer (or by the producer's operator) is tied as
/// they are.
pub fn dependence(
    step: &Step,
    workflow: &Workflow,
    actors: &Actors,
    task: &Task,
    who: &Actor,
) -> Option<(Relation, String)> {
    let operator_of = |id: &str| {
        actors
            .get(id)
            .filter(|a| a.kind == ActorKind::Ai)
            .and_then(|a| a.operator.clone())
    };
    let mine = operator_of(&who.id);
    for rel in &step.independent_of {
        let why = match rel {
            Relation::Requester => {
                if task.created_by == who.id {
                    Some(format!(
                        "{} defined task {} (its requester)",
                        who.id, task.id
                    ))
                } else if mine.as_deref() == Some(task.created_by.as_str()) {
                    Some(format!(
                        "{} is operated by {}, who defined task {} (its requester)",
                        who.id, task.created_by, task.id
                    ))
                } else {
                    None
                }
            }
            // The latest revision first: the one a reader has in front of them.
            Relation::Producer => under_review(task, workflow, actors)
                .iter()
                .rev()
                .find_map(|r| {
                    same_bytes(task, r).find_map(|x| {
                        let same = if x.number == r.number {
                            String::new()
                        } else {
                            format!(" (the bytes of revision {})", r.number)
                        };
                        if x.actor == who.id {
                            Some(format!("{} produced revision {}{same}", who.id, x.number))
                        } else if mine.as_deref() == Some(x.actor.as_str()) {
                            Some(format!(
                                "{} is operated by {}, who produced revision {}{same}",
                                who.id, x.actor, x.number
                            ))
                        } else {
                            None
                        }
                    })
                }),
            Relation::Operator => under_review(task, workflow, actors)
                .iter()
                .rev()
                .find_map(|r| {
                    same_bytes(task, r).find_map(|x| {
                        let op = operator_of(&x.actor)?;
                        if op == who.id {
                            Some(format!(
                                "{} operates {}, which produced revision {}",
                                who.id, x.actor, x.number
                            ))
                        } else if mine.as_deref() == Some(op.as_str()) {
                            Some(format!(
                                "{} and {} are both operated by {op}, and {} produced revision {}",
                                who.id, x.actor, x.actor, x.number
                            ))
                        } else {
                            None
                        }
                    })
                }),
        };
        if let Some(why) = why {
            return Some((*rel, why));
        }
    }
    None
}

fn verdict_word(step: &Step) -> &'static str {
    if step.kind == StepKind::Approve {
        "decision"
    } else {
        "verdict"
    }
}

/// Rule 13 for a verdict or a decision by `actor`.
fn independent(
    step: &Step,
    workflow: &Workflow,
    actors: &Actors,
    task: &Task,
    actor: &Actor,
    what: &str,
    hint: &str,
) -> Result<(), Refusal> {
    match dependence(step, workflow, actors, task, actor) {
        None => Ok(()),
        Some((rel, why)) => refuse(
            Rule::Independence,
            format!(
                "step {} asks for a {what} independent of the {}: {why}",
                step.name,
                rel.as_str()
            ),
            hint,
        ),
    }
}

/// Rule 13 ahead of time, where it is certain: the approver is fixed, so handing the last
/// produce step before the approve step to the approver (or to an AI actor they operate) makes a
/// revision the approver may never decide on, when the approve step asks for independence of
/// the producer (operator) and no review step after it may refine the revision.
fn decided_by_its_producer(
    workflow: &Workflow,
    task: &Task,
    step: &Step,
    target: &Actor,
) -> Result<(), Refusal> {
    let Some(i) = workflow.steps.iter().position(|s| s.name == step.name) else {
        return Ok(());
    };
    let approve = workflow.steps.last().expect("validated workflow");
    let later = &workflow.steps[i + 1..];
    let last_revision = later
        .iter()
        .all(|s| s.kind != StepKind::Produce && !s.revise);
    if !last_revision {
        return Ok(());
    }
    let why = if approve.independent_of.contains(&Relation::Producer) && target.id == task.approver
    {
        Some((
            Relation::Producer,
            format!("the approver {} would produce", target.id),
        ))
    } else if approve.independent_of.contains(&Relation::Operator)
        && target.kind == ActorKind::Ai
        && target.operator.as_deref() == Some(task.approver.as_str())
    {
        Some((
            Relation::Operator,
            format!(
                "the approver {} operates {}, which would produce",
                task.approver, target.id
            ),
        ))
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some((rel, who)) => refuse(
            Rule::Independence,
            format!(
                "step {} asks for a decision independent of the {}: {who} the revision it decides at step {}",
                approve.name,
                rel.as_str(),
                step.name
            ),
            format!(
                "hand step {} to an actor independent of the approver {}",
                step.name, task.approver
            ),
        ),
    }
}

fn reopen(
    workflow: &Workflow,
    task: &Task,
    actor: &Actor,
    note: &str,
    at: String,
) -> Result<Task, Refusal> {
    if task.state != TaskState::Closed {
        return refuse(
            Rule::WrongStep,
            format!("task {} is not closed", task.id),
            "only an approved task can be reopened",
        );
    }
    if actor.id != task.owner {
        return refuse(
            Rule::Closed,
            format!("only the owner {} may reopen task {}", task.owner, task.id),
            format!("ask {} to reopen it", task.owner),
        );
    }
    if blank(note) {
        return refuse(
            Rule::Input,
            "a reopen needs a reason",
            "wf-approve ID --reopen -m WHY",
        );
    }
    let mut next = task.clone();
    next.state = TaskState::Open;
    next.reopens.push(Reopen {
        actor: actor.id.clone(),
        at,
        note: printable(note),
    });
    let approve = workflow.steps.last().expect("validated workflow");
    send_back(workflow, &mut next, approve);
    Ok(next)
}

/// Whether a note says nothing once stored: [`printable`] turns control characters into
/// spaces, so a reason made only of them would be recorded empty.
fn blank(note: &str) -> bool {
    printable(note).trim().is_empty()
}

fn expect_kind(step: &Step, kind: StepKind, what: &str, task: &Task) -> Result<(), Refusal> {
    if step.kind == kind {
        return Ok(());
    }
    let tool = match step.kind {
        StepKind::Produce => "wf-submit",
        StepKind::Review => "wf-review",
        StepKind::Check => "wf-check",
        StepKind::Approve => "wf-approve",
        StepKind::Define => "wf-new",
    };
    refuse(
        Rule::WrongStep,
        format!(
            "task {} is at step {} ({}), where nobody can {what}",
            task.id,
            step.name,
            step.kind.as_str()
        ),
        format!("this step is done with {tool}; see wf-show {}", task.id),
    )
}

fn admitted(step: &Step, actor: &Actor, task: &Task) -> Result<(), Refusal> {
    if step.admits(actor) {
        return Ok(());
    }
    refuse(
        Rule::StepActor,
        format!(
            "step {} of {} is for {}; {} ({}) is not",
            step.name,
            task.id,
            step.who(),
            actor.id,
            actor.kind.as_str()
        ),
        "hand the step to an actor it admits: wf-assign ID --to ACTOR",
    )
}

fn holds(workflow: &Workflow, task: &Task, actor: &Actor, what: &str) -> Result<(), Refusal> {
    match holder(workflow, task) {
        Some(h) if h == actor.id => Ok(()),
        Some(h) => refuse(
            Rule::Assignee,
            format!(
                "step {} of {} is assigned to {h}, not {}",
                task.step, task.id, actor.id
            ),
            format!(
                "only the assignee may {what} it; hand it over with wf-assign {} --to {}",
                task.id, actor.id
            ),
        ),
        None => refuse(
            Rule::Assignee,
            format!("step {} of {} has no assignee", task.step, task.id),
            format!(
                "hand it over first: wf-assign {} --to {}",
                task.id, actor.id
            ),
        ),
    }
}

fn bound_revision<'t>(
    task: &'t Task,
    revision: u32,
    digest: &str,
) -> Result<&'t Revision, Refusal> {
    let Some(latest) = task.latest() else {
        return refuse(
            Rule::Input,
            format!("task {} has no output yet", task.id),
            "wf-submit comes first",
        );
    };
    if latest.number != revision || latest.digest != digest {
        return refuse(
            Rule::DigestBinding,
            format!(
                "revision {revision} ({}) is not the current revision {} ({})",
                short(digest),
                latest.number,
                short(&latest.digest)
            ),
            format!("review what is there now: wf-show {}", task.id),
        );
    }
    Ok(latest)
}

fn short(d: &str) -> &str {
    let d = d.strip_prefix("sha256:").unwrap_or(d);
    &d[..d.len().min(12)]
}

fn push_revision(
    next: &mut Task,
    step: &Step,
    actor: &Actor,
    out: &Output,
    at: String,
) -> Result<(), Refusal> {
    if out.artifacts.is_empty() || out.artifacts.iter().all(|a| a.size == 0) {
        return refuse(
            Rule::Input,
            "the output is empty",
            "submit a file with content, or pipe it on stdin",
        );
    }
    if let Some(big) = out.artifacts.iter().find(|a| a.size > MAX_FILE_SIZE) {
        return refuse(
            Rule::Input,
            format!(
                "artifact {} is {} bytes, over the {} limit of a task file",
                big.name,
                big.size,
                max_file_size_text()
            ),
            "keep large data outside the store and submit a reference to it",
        );
    }
    if let Some(bad) = out
        .artifacts
        .iter()
        .find_map(|a| check_file_name(&a.name).err())
    {
        return refuse(
            Rule::Input,
            format!("artifact name: {bad}"),
            "rename the file",
        );
    }
    if let Some((a, b)) = twice(out.artifacts.iter().map(|a| a.name.as_str())) {
        return refuse(
            Rule::Input,
            format!("artifact {} given twice{}", a, as_also(a, b)),
            "give each file once, under names that differ in more than case",
        );
    }
    if let Some(run) = &out.run {
        if actor.kind != ActorKind::Ai {
            return refuse(
                Rule::Input,
                format!(
                    "{} is not an AI actor; only an agent's revision records a run",
                    actor.id
                ),
                "record human work with wf-submit",
            );
        }
        if run.command.is_empty() || run.exit_status != 0 {
            return refuse(
                Rule::Input,
                "a recorded run needs its command and exit status 0",
                "a failed run records nothing; run it again with wf-run",
            );
        }
        // A run records what wf-run ran: the actor's registered command and model, nothing
        // an agent's key could claim by itself (the attestation reports them as wf-run's).
        let registered = actor.run.as_ref().map(|r| &r.command);
        if registered != Some(&run.command) {
            return refuse(
                Rule::Input,
                format!(
                    "the run records the command {}, but {}'s registered run command is {}",
                    crate::text::visible(&crate::text::shell_words(&run.command)),
                    actor.id,
                    registered.map_or_else(
                        || "none".to_string(),
                        |c| crate::text::visible(&crate::text::shell_words(c))
                    )
                ),
                "record a run with wf-run, which runs the registered command",
            );
        }
        let model = actor
            .model
            .as_deref()
            .map_or_else(|| "unspecified".into(), one_line);
        if let Some(claimed) = out.model.as_deref().map(one_line).filter(|m| *m != model) {
            return refuse(
                Rule::Input,
                format!(
                    "the run records the model {}, but {}'s registered model is {}",
                    crate::text::visible(&claimed),
                    actor.id,
                    crate::text::visible(&model)
                ),
                "record a run with wf-run, which records the registered model",
            );
        }
    }
    // Folded like the `Wf-Model` trailer, so that the verifier, which rebuilds the output from
    // the revision (`Output::of_revision`), records the same model again.
    let model = out
        .model
        .as_deref()
        .map(one_line)
        .filter(|m| !m.is_empty())
        .or_else(|| {
            (actor.kind == ActorKind::Ai).then(|| {
                actor
                    .model
                    .as_deref()
                    .map_or_else(|| "unspecified".into(), one_line)
            })
        });
    let digest = revision_digest(
        out.artifacts
            .iter()
            .map(|a| (a.name.as_str(), a.sha256.as_str())),
    );
    let number = next.revisions.last().map_or(1, |r| r.number + 1);
    next.revisions.push(Revision {
        number,
        step: step.name.clone(),
        actor: actor.id.clone(),
        producer: actor.kind,
        model,
        prompt_sha256: out.prompt_sha256.clone(),
        at,
        digest,
        note: printable(&out.note),
        artifacts: out.artifacts.clone(),
        run: out.run.clone(),
    });
    Ok(())
}

/// Two names of one folder that are one file to the tree reader: equal, or equal but for ASCII
/// case (`crate::tree` refuses such a folder, as a case-insensitive file system would hold one
/// file for both). The first pair, in order.
fn twice<'a>(names: impl Iterator<Item = &'a str>) -> Option<(&'a str, &'a str)> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable_by_key(|n| n.to_ascii_lowercase());
    names
        .windows(2)
        .find(|w| w[0].eq_ignore_ascii_case(w[1]))
        .map(|w| (w[0], w[1]))
}

/// `""`, or ` (as B)` when the second name differs from the first in case.
fn as_also(a: &str, b: &str) -> String {
    if a == b {
        String::new()
    } else {
        format!(" (as {b})")
    }
}

fn advance(workflow: &Workflow, next: &mut Task) {
    if let Some(s) = workflow.next(&next.step) {
        next.step = s.name.clone();
    }
}

fn send_back(workflow: &Workflow, next: &mut Task, from: &Step) {
    if let Some(s) = workflow.rework(&from.name) {
        next.step = s.name.clone();
    }
}

/// The actors of a new store: its founder alone, a human holding `admin` (to register everyone
/// else) and `requester` (to define tasks in the default workflow). The init commit is the root
/// of trust; every later change goes through [`crate::policy::decide_policy`].
pub fn founding_actors(
    id: &str,
    name: &str,
    email: &str,
    public_key: &str,
) -> Result<Actors, Refusal> {
    let founder = Actor {
        id: id.to_string(),
        name: name.to_string(),
        email: email.to_string(),
        kind: ActorKind::Human,
        roles: vec![crate::actor::ADMIN_ROLE.into(), "requester".into()],
        model: None,
        operator: None,
        keys: vec![format!("{public_key} {id}")],
        run: None,
    };
    let actors = Actors {
        actors: vec![founder],
    };
    match actors.validate() {
        Ok(()) => Ok(actors),
        Err(e) => refuse(
            Rule::Input,
            e.to_string(),
            "choose another --id, --name or --email",
        ),
    }
}

#[cfg(test)]
mod tests;
