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
            StepKind::Approve => "approve",
        }
    }
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
}

impl Step {
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
        let w: Workflow = toml::from_str(text)
            .map_err(|e| WorkflowError::Parse(crate::text::toml_error(text, &e)))?;
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
            if let Some(r) = &s.rework {
                if s.kind != StepKind::Review && s.kind != StepKind::Approve {
                    return bad(&format!(
                        "step {}: only review and approve steps have rework",
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
            if matches!(s.kind, StepKind::Review | StepKind::Approve)
                && self.rework(&s.name).is_none()
            {
                return bad(&format!("step {} needs an earlier produce step", s.name));
            }
        }
        Ok(())
    }

    /// The workflow `wf-init` ships: the five steps of the concept's simple example.
    pub fn default_workflow() -> Workflow {
        let step = |name: &str, kind, actor, roles: &[&str], description: &str| Step {
            name: name.into(),
            kind,
            actor,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            revise: false,
            rework: None,
            description: description.into(),
            prompt: None,
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
    fn a_workflow_that_lets_ai_approve_is_invalid() {
        let mut w = Workflow::default_workflow();
        w.steps[4].actor = Performer::Ai;
        assert!(w.validate().is_err());
        let mut w = Workflow::default_workflow();
        w.steps.pop();
        assert!(w.validate().is_err(), "no approve step");
    }
}
