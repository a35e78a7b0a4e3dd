//! Workflows: an ordered list of steps, each saying who may act and what the step does.
//!
//! Stored in `.wf/workflows/<name>.toml` (see `spec/workflow.md`).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::actor::{Actor, ActorKind};
use crate::id::{check_name, IdError};

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// The task is defined: title and inputs. Performed by `wf-new`; always the first step.
    Define,
    /// The assignee produces an output revision (`wf-submit`).
    Produce,
    /// The assignee reviews the latest revision (`wf-review`).
    Review,
    /// A machine runs the step's command on the latest revision's files and records whether
    /// it passed (`wf-check`).
    Check,
    /// The task's designated approver gives the final decision (`wf-approve`); the last step.
    Approve,
}

impl StepKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Define => "define",
            StepKind::Produce => "produce",
            StepKind::Review => "review",
            StepKind::Check => "check",
            StepKind::Approve => "approve",
        }
    }
}

/// Someone a verdict or a decision may be asked to be independent of (`independent_of`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The operator of an AI actor that produced a revision under review.
    Operator,
    /// The task's requester: the actor who defined it (`created_by`).
    Requester,
    /// The producer of a revision under review.
    Producer,
}

impl Relation {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Operator => "operator",
            Relation::Requester => "requester",
            Relation::Producer => "producer",
        }
    }
}

/// The largest quorum a review step may ask for.
pub const MAX_QUORUM: u32 = 100;

/// The longest due date, in days: a hundred years.
pub const MAX_DUE_DAYS: i64 = 36_500;

/// The seconds a due date as written stands for (`48h`, `2d`): a whole number from 1, without
/// leading zeros, followed by `h` (hours) or `d` (days), of at most [`MAX_DUE_DAYS`] days.
/// `None` for anything else.
pub fn due_seconds(text: &str) -> Option<i64> {
    let (n, unit) = match (text.strip_suffix('h'), text.strip_suffix('d')) {
        (Some(n), _) => (n, 3600),
        (_, Some(n)) => (n, 86_400),
        _ => return None,
    };
    let digits = !n.is_empty() && n.len() <= 7 && n.bytes().all(|b| b.is_ascii_digit());
    if !digits || n.starts_with('0') {
        return None;
    }
    let n: i64 = n.parse().ok()?;
    (n * unit <= MAX_DUE_DAYS * 86_400).then_some(n * unit)
}

/// Which kind of actor a step admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Performer {
    /// Only humans.
    Human,
    /// Only AI actors.
    Ai,
    /// Either.
    Any,
}

impl Performer {
    /// Whether an actor of this kind is admitted.
    pub fn admits(self, kind: ActorKind) -> bool {
        matches!(
            (self, kind),
            (Performer::Any, _)
                | (Performer::Human, ActorKind::Human)
                | (Performer::Ai, ActorKind::Ai)
        )
    }
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Performer::Human => "human",
            Performer::Ai => "ai",
            Performer::Any => "any",
        }
    }
}

/// One step of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique name within the workflow (`draft`, `review`...).
    pub name: String,
    /// What the step does.
    pub kind: StepKind,
    /// Who may perform it.
    pub actor: Performer,
    /// Roles of which the performer must hold at least one; empty admits any role.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Review steps only: the reviewer may attach a refined revision to an accept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revise: bool,
    /// Review and approve steps: where `--request-changes`, `--reject` and reopen send the
    /// task. Defaults to the nearest earlier produce step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rework: Option<String>,
    /// One line for humans.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Produce steps: the template `wf-run` renders the agent's prompt from
    /// ([`crate::template`]); [`crate::template::DEFAULT_TEMPLATE`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Review and approve steps: whom the verdict or decision must be independent of
    /// (`spec/workflow.md`, rule 13).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub independent_of: Vec<Relation>,
    /// Review steps: how many distinct actors must accept the same revision before the step
    /// moves on; one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<u32>,
    /// Any step but define: how long a task may stay in it (`48h`, `2d`), from when it entered
    /// the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Check steps: the program and arguments `wf-check` runs on the latest revision's files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Check steps: seconds the command may run ([`Step::DEFAULT_TIMEOUT`] when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

impl Step {
    /// A check's time limit when the step names none: ten minutes.
    pub const DEFAULT_TIMEOUT: u64 = 600;
    /// The longest time limit of a check: a day.
    pub const MAX_TIMEOUT: u64 = 86_400;

    /// A plain step: no roles, no revise, no rework, no prompt, none of the governance fields.
    pub fn new(name: &str, kind: StepKind, actor: Performer) -> Step {
        Step {
            name: name.into(),
            kind,
            actor,
            roles: vec![],
            revise: false,
            rework: None,
            description: String::new(),
            prompt: None,
            independent_of: vec![],
            quorum: None,
            due: None,
            command: vec![],
            timeout: None,
        }
    }

    /// How many distinct accepts move the step on: its `quorum`, else one.
    pub fn quorum(&self) -> u32 {
        self.quorum.unwrap_or(1)
    }

    /// The due date in seconds, when the step has one.
    pub fn due_seconds(&self) -> Option<i64> {
        self.due.as_deref().and_then(due_seconds)
    }

    /// A check's time limit in seconds.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }

    /// The template `wf-run` renders for this step.
    pub fn prompt_template(&self) -> &str {
        self.prompt
            .as_deref()
            .unwrap_or(crate::template::DEFAULT_TEMPLATE)
    }

    /// Whether this actor's kind and roles fit the step (rule 1).
    pub fn admits(&self, actor: &Actor) -> bool {
        self.actor.admits(actor.kind)
            && (self.roles.is_empty() || self.roles.iter().any(|r| actor.has_role(r)))
    }

    /// `human`, `ai with role drafter`... for messages.
    pub fn who(&self) -> String {
        let kind = match self.actor {
            Performer::Human => "a human",
            Performer::Ai => "an AI actor",
            Performer::Any => "an actor",
        };
        if self.roles.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} with role {}", self.roles.join(" or "))
        }
    }
}

/// A workflow definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The name, equal to the file stem.
    pub name: String,
    /// One line for humans.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The steps in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

/// Why a workflow file is invalid.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WorkflowError {
    /// Bad name.
    #[error(transparent)]
    Id(#[from] IdError),
    /// Parse failure.
    #[error("workflow file: {0}")]
    Parse(String),
    /// Structural problem.
    #[error("workflow {0}: {1}")]
    Invalid(String, String),
}

impl Workflow {
    /// Parse and validate.
    pub fn parse(text: &str) -> Result<Workflow, WorkflowError> {
        let w: Workflow = crate::text::from_toml(text).map_err(WorkflowError::Parse)?;
        w.validate()?;
        Ok(w)
    }

    /// Deterministic TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("workflow serialises")
    }

    /// A step by name.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// The due date of each step that has one, in seconds, by step name.
    pub fn due_by_step(&self) -> std::collections::BTreeMap<String, i64> {
        self.steps
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.due_seconds()?)))
            .collect()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.name == name)
    }

    /// The step after `name`, if any.
    pub fn next(&self, name: &str) -> Option<&Step> {
        self.steps.get(self.index(name)? + 1)
    }

    /// Where a task goes when the step `name` sends it back: its `rework`, else the nearest
    /// earlier produce step.
    pub fn rework(&self, name: &str) -> Option<&Step> {
        let i = self.index(name)?;
        if let Some(r) = &self.steps[i].rework {
            return self.step(r);
        }
        self.steps[..i]
            .iter()
            .rev()
            .find(|s| s.kind == StepKind::Produce)
    }

    /// The define step (always the first).
    pub fn define(&self) -> &Step {
        &self.steps[0]
    }

    /// Check the invariants in `spec/workflow.md`.
    pub fn validate(&self) -> Result<(), WorkflowError> {
        check_name(&self.name)?;
        let bad = |m: &str| Err(WorkflowError::Invalid(self.name.clone(), m.to_string()));
        if self.steps.len() < 2 {
            return bad("needs at least a define step and an approve step");
        }
        for (i, s) in self.steps.iter().enumerate() {
            check_name(&s.name)?;
            for r in &s.roles {
                check_name(r)?;
            }
            if self.steps[..i].iter().any(|t| t.name == s.name) {
                return bad(&format!("step {} appears twice", s.name));
            }
            let first = i == 0;
            let last = i == self.steps.len() - 1;
            match s.kind {
                StepKind::Define if !first => return bad("only the first step may be define"),
                StepKind::Approve if !last => return bad("only the last step may be approve"),
                _ => {}
            }
            if first && s.kind != StepKind::Define {
                return bad("the first step must be of kind define");
            }
            if last && s.kind != StepKind::Approve {
                return bad("the last step must be of kind approve");
            }
            if matches!(s.kind, StepKind::Define | StepKind::Approve) && s.actor != Performer::Human
            {
                return bad(&format!(
                    "step {} is {} and must be performed by a human (actor = \"human\")",
                    s.name,
                    s.kind.as_str()
                ));
            }
            if let Some(p) = &s.prompt {
                if s.kind != StepKind::Produce {
                    return bad(&format!(
                        "step {}: only produce steps have a prompt",
                        s.name
                    ));
                }
                if let Err(e) = crate::template::check(p) {
                    return bad(&format!("step {}: prompt: {e}", s.name));
                }
            }
            if s.revise && s.kind != StepKind::Review {
                return bad(&format!("step {}: only review steps may revise", s.name));
            }
            self.check_governance(s)?;
            let sends_back = matches!(
                s.kind,
                StepKind::Review | StepKind::Check | StepKind::Approve
            );
            if let Some(r) = &s.rework {
                if !sends_back {
                    return bad(&format!(
                        "step {}: only review, check and approve steps have rework",
                        s.name
                    ));
                }
                match self.index(r) {
                    Some(j) if j < i && self.steps[j].kind == StepKind::Produce => {}
                    _ => {
                        return bad(&format!(
                            "step {}: rework {r} must name an earlier produce step",
                            s.name
                        ))
                    }
                }
            }
            if sends_back && self.rework(&s.name).is_none() {
                return bad(&format!("step {} needs an earlier produce step", s.name));
            }
        }
        // A check gates the revision it passes: a step after it that makes another revision
        // (a produce step, a review that may revise) would take unchecked bytes to the
        // approval, unless a check step comes after it too (a red-team helper's revising
        // review put a secret past a grep that forbade it).
        for (i, c) in self.steps.iter().enumerate() {
            if c.kind != StepKind::Check {
                continue;
            }
            let makes = |t: &Step| t.kind == StepKind::Produce || t.revise;
            if let Some((j, m)) = self
                .steps
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, t)| makes(t))
            {
                if !self.steps[j + 1..]
                    .iter()
                    .any(|t| t.kind == StepKind::Check)
                {
                    return bad(&format!(
                        "step {} makes a revision after check step {} and no check step follows it: what it makes would reach the approval unchecked; move the check after it, add another, or (a review) drop revise",
                        m.name, c.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The fields of `spec/workflow.md`'s governance: independence, quorum, checks, due dates.
    fn check_governance(&self, s: &Step) -> Result<(), WorkflowError> {
        let bad = |m: String| {
            Err(WorkflowError::Invalid(
                self.name.clone(),
                format!("step {}: {m}", s.name),
            ))
        };
        if s.kind == StepKind::Check {
            if s.actor != Performer::Ai {
                return bad(
                    "a check step is run by a machine: actor = \"ai\" (register the runner as an AI actor)"
                        .into(),
                );
            }
            if s.command.first().is_none_or(|p| p.is_empty()) {
                return bad("a check step needs a command: its program and arguments".into());
            }
            if s.command.iter().any(|a| a.contains('\0')) {
                return bad("the command contains a NUL byte".into());
            }
        } else if !s.command.is_empty() || s.timeout.is_some() {
            return bad("only check steps have a command and a timeout".into());
        }
        if let Some(t) = s.timeout {
            if t == 0 || t > Step::MAX_TIMEOUT {
                return bad(format!(
                    "timeout must be from 1 to {} seconds",
                    Step::MAX_TIMEOUT
                ));
            }
        }
        if !s.independent_of.is_empty() {
            if !matches!(s.kind, StepKind::Review | StepKind::Approve) {
                return bad("only review and approve steps have independent_of".into());
            }
            let mut seen = s.independent_of.clone();
            seen.sort_unstable();
            if let Some(w) = seen.windows(2).find(|w| w[0] == w[1]) {
                return bad(format!("independent_of names {} twice", w[0].as_str()));
            }
        }
        if let Some(q) = s.quorum {
            if s.kind != StepKind::Review {
                return bad("only review steps have a quorum".into());
            }
            if q == 0 || q > MAX_QUORUM {
                return bad(format!("quorum must be from 1 to {MAX_QUORUM}"));
            }
            if q > 1 && s.revise {
                return bad(
                    "a quorum and revise do not go together: a refined revision holds bytes the other reviewers did not accept"
                        .into(),
                );
            }
        }
        if let Some(d) = &s.due {
            if s.kind == StepKind::Define {
                return bad("the define step has no due date: a task never waits at it".into());
            }
            if due_seconds(d).is_none() {
                return bad(format!(
                    "due {d:?} is not a whole number of hours or days (48h, 2d; at most {MAX_DUE_DAYS}d)"
                ));
            }
        }
        Ok(())
    }

    /// The workflow `wf-init` ships: the five steps of the concept's simple example.
    pub fn default_workflow() -> Workflow {
        let step = |name: &str, kind, actor, roles: &[&str], description: &str| Step {
            roles: roles.iter().map(|r| r.to_string()).collect(),
            description: description.into(),
            ..Step::new(name, kind, actor)
        };
        let mut review = step(
            "review",
            StepKind::Review,
            Performer::Human,
            &["reviewer"],
            "A human reviews the AI draft and may refine it.",
        );
        review.revise = true;
        let mut approve = step(
            "approve",
            StepKind::Approve,
            Performer::Human,
            &[],
            "The task's designated approver gives the final decision.",
        );
        approve.rework = Some("optimize".into());
        Workflow {
            name: "default".into(),
            description: "Human defines, AI drafts, human reviews and refines, AI optimizes, \
                          a designated human approves."
                .into(),
            steps: vec![
                step(
                    "define",
                    StepKind::Define,
                    Performer::Human,
                    &["requester"],
                    "A human defines the task and its inputs.",
                ),
                step(
                    "draft",
                    StepKind::Produce,
                    Performer::Ai,
                    &["drafter"],
                    "An AI agent produces the initial output.",
                ),
                review,
                step(
                    "optimize",
                    StepKind::Produce,
                    Performer::Ai,
                    &["drafter", "optimizer"],
                    "An AI agent optimizes the reviewed output.",
                ),
                approve,
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_workflow_is_valid_and_round_trips() {
        let w = Workflow::default_workflow();
        w.validate().unwrap();
        assert_eq!(Workflow::parse(&w.to_toml()).unwrap(), w);
        assert_eq!(w.rework("review").unwrap().name, "draft");
        assert_eq!(w.rework("approve").unwrap().name, "optimize");
        assert_eq!(w.next("draft").unwrap().name, "review");
    }

    #[test]
    fn a_produce_step_may_carry_a_prompt_template_that_is_checked() {
        let mut w = Workflow::default_workflow();
        w.steps[1].prompt = Some("Draft {{task.title}} from:\n{{input.brief}}\n".into());
        w.validate().unwrap();
        let text = w.to_toml();
        assert_eq!(Workflow::parse(&text).unwrap(), w);
        w.steps[1].prompt = Some("{{titel}}".into());
        assert!(w.validate().unwrap_err().to_string().contains("titel"));
        let mut w = Workflow::default_workflow();
        w.steps[2].prompt = Some("review this".into());
        assert!(w.validate().is_err(), "only produce steps");
        assert!(!Workflow::default_workflow().to_toml().contains("prompt"));
    }

    #[test]
    fn the_governed_example_uses_every_governance_field_and_round_trips() {
        let text = include_str!("../../../spec/examples/governed.toml");
        let w = Workflow::parse(text).unwrap();
        assert_eq!(Workflow::parse(&w.to_toml()).unwrap(), w);
        let check = w.step("check").unwrap();
        assert_eq!(check.kind, StepKind::Check);
        assert_eq!(check.timeout_secs(), 60);
        assert_eq!(w.rework("check").unwrap().name, "draft");
        assert_eq!(w.step("review").unwrap().quorum(), 2);
        assert_eq!(
            w.step("approve").unwrap().independent_of,
            [Relation::Operator, Relation::Requester]
        );
        assert_eq!(w.step("approve").unwrap().due_seconds(), Some(2 * 86_400));
        assert_eq!(w.step("draft").unwrap().due_seconds(), Some(24 * 3600));
    }

    #[test]
    fn governance_fields_are_checked() {
        let invalid = |edit: &dyn Fn(&mut Workflow), says: &str| {
            let mut w = Workflow::default_workflow();
            edit(&mut w);
            let e = w.validate().unwrap_err().to_string();
            assert!(e.contains(says), "{e} (expected {says:?})");
        };
        invalid(
            &|w| w.steps[1].quorum = Some(2),
            "only review steps have a quorum",
        );
        invalid(
            &|w| w.steps[2].quorum = Some(0),
            "quorum must be from 1 to 100",
        );
        invalid(
            &|w| w.steps[1].independent_of = vec![Relation::Producer],
            "only review and approve steps have independent_of",
        );
        invalid(
            &|w| w.steps[4].independent_of = vec![Relation::Producer, Relation::Producer],
            "independent_of names producer twice",
        );
        invalid(
            &|w| w.steps[0].due = Some("1h".into()),
            "the define step has no due date",
        );
        for bad in [
            "", "h", "0h", "01d", "1.5h", "2w", "48", "-1d", "36501d", "1é",
        ] {
            invalid(
                &|w| w.steps[2].due = Some(bad.into()),
                "is not a whole number",
            );
        }
        invalid(
            &|w| w.steps[1].command = vec!["true".into()],
            "only check steps have a command and a timeout",
        );
        let check = |w: &mut Workflow| {
            let mut c = Step::new("test", StepKind::Check, Performer::Ai);
            c.command = vec!["true".into()];
            w.steps.insert(2, c);
        };
        // After the draft, the default workflow's revising review and its optimize step would
        // make revisions the check never saw.
        invalid(
            &check,
            "step review makes a revision after check step test and no check step follows it",
        );
        let mut w = Workflow::default_workflow();
        check(&mut w);
        w.steps[3].revise = false;
        invalid(
            &|w| {
                check(w);
                w.steps[3].revise = false;
            },
            "step optimize makes a revision after check step test",
        );
        w.steps.remove(4);
        w.steps[4].rework = None;
        w.validate().unwrap();
        assert_eq!(w.rework("test").unwrap().name, "draft");
        // A second check after the optimize step gates what it makes.
        let mut w = Workflow::default_workflow();
        check(&mut w);
        let mut again = Step::new("test-again", StepKind::Check, Performer::Ai);
        again.command = vec!["true".into()];
        w.steps.insert(5, again);
        w.validate().unwrap();
        assert_eq!(
            w.step("test").unwrap().timeout_secs(),
            Step::DEFAULT_TIMEOUT
        );
        invalid(
            &|w| {
                check(w);
                w.steps[2].actor = Performer::Human;
            },
            "a check step is run by a machine",
        );
        invalid(
            &|w| {
                check(w);
                w.steps[2].command.clear();
            },
            "a check step needs a command",
        );
        invalid(
            &|w| {
                check(w);
                w.steps[2].timeout = Some(0);
            },
            "timeout must be from 1 to 86400 seconds",
        );
        invalid(
            &|w| {
                let mut c = Step::new("test", StepKind::Check, Performer::Ai);
                c.command = vec!["true".into()];
                w.steps.insert(1, c);
            },
            "step test needs an earlier produce step",
        );
        for (text, secs) in [
            ("1h", 3600),
            ("48h", 172_800),
            ("2d", 172_800),
            ("36500d", 36_500 * 86_400),
        ] {
            assert_eq!(due_seconds(text), Some(secs), "{text}");
        }
    }

    #[test]
    fn the_default_workflow_writes_none_of_the_governance_fields() {
        let text = Workflow::default_workflow().to_toml();
        for field in ["independent_of", "quorum", "due", "command", "timeout"] {
            assert!(!text.contains(field), "{field} in\n{text}");
        }
    }

    #[test]
    fn a_workflow_that_lets_ai_approve_is_invalid() {
        let mut w = Workflow::default_workflow();
        w.steps[4].actor = Performer::Ai;
        assert!(w.validate().is_err());
        let mut w = Workflow::default_workflow();
        w.steps.pop();
        assert!(w.validate().is_err(), "no approve step");
    }
}
