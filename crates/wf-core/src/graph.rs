//! A workflow drawn as a graph: steps, who may act in each (human / AI / roles), the review and
//! approval gates, the way forward and the ways back; optionally one task on it, where it
//! stands and who did each step. Rendered as Graphviz DOT or as Mermaid. Pure: values in, text
//! out.

use crate::rules::holder;
use crate::task::{Task, TaskState};
use crate::workflow::{Performer, Step, StepKind, Workflow};

/// Where a task stands relative to one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The task has not reached it.
    Ahead,
    /// The task has been through it.
    Done,
    /// The task is at it.
    Current,
}

/// One step as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The step's name.
    pub name: String,
    /// `define`, `produce`, `review`, `approve`.
    pub kind: StepKind,
    /// Who may act: `human`, `AI`, `human or AI`, with roles: `AI · drafter`.
    pub who: String,
    /// The gate, for review and approve steps: `review gate`, `approval gate`.
    pub gate: Option<&'static str>,
    /// Where the task stands (always [`Mark::Ahead`] without a task).
    pub mark: Mark,
    /// The actors who acted in this step for the task, in order of first action.
    pub did: Vec<String>,
    /// For the current step: who holds it.
    pub holder: Option<String>,
}

/// One arrow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// From step (or `closed`).
    pub from: String,
    /// To step (or `closed`).
    pub to: String,
    /// The action that moves the task along it.
    pub label: &'static str,
    /// A way back (rework), drawn dashed.
    pub back: bool,
}

/// The drawable graph of a workflow, with one task on it or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    /// The workflow's name.
    pub workflow: String,
    /// The task drawn on it: `(id, title, closed)`.
    pub task: Option<(String, String, bool)>,
    /// The steps in order.
    pub nodes: Vec<Node>,
    /// The arrows, forward ones first.
    pub edges: Vec<Edge>,
}

/// The name of the terminal node every workflow ends in.
pub const CLOSED: &str = "closed";

fn who(step: &Step) -> String {
    let kind = match step.actor {
        Performer::Human => "human",
        Performer::Ai => "AI",
        Performer::Any => "human or AI",
    };
    if step.roles.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} · {}", step.roles.join(" | "))
    }
}

/// The actors who acted in a step of a task, in order of first action.
pub fn acted_in(task: &Task, step: &Step) -> Vec<String> {
    let mut acts: Vec<(&str, &str)> = Vec::new();
    match step.kind {
        StepKind::Define => acts.push((&task.created_at, &task.created_by)),
        StepKind::Produce | StepKind::Review => {
            for r in task.revisions.iter().filter(|r| r.step == step.name) {
                acts.push((&r.at, &r.actor));
            }
            for r in task.reviews.iter().filter(|r| r.step == step.name) {
                acts.push((&r.at, &r.actor));
            }
        }
        StepKind::Check => {
            for c in task.checks.iter().filter(|c| c.step == step.name) {
                acts.push((&c.at, &c.actor));
            }
        }
        StepKind::Approve => {
            for d in &task.decisions {
                acts.push((&d.at, &d.actor));
            }
        }
    }
    acts.sort_by(|a, b| a.0.cmp(b.0));
    let mut out: Vec<String> = Vec::new();
    for (_, a) in acts {
        if !out.iter().any(|x| x == a) {
            out.push(a.to_string());
        }
    }
    out
}

impl Graph {
    /// The graph of a workflow, with a task on it when given.
    pub fn new(workflow: &Workflow, task: Option<&Task>) -> Graph {
        let current = task.map(|t| t.step.as_str());
        let current_index = current.and_then(|c| workflow.steps.iter().position(|s| s.name == c));
        let closed = task.is_some_and(|t| t.state == TaskState::Closed);
        let nodes = workflow
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let did = task.map(|t| acted_in(t, s)).unwrap_or_default();
                let mark = match (task, current_index) {
                    (None, _) => Mark::Ahead,
                    (Some(_), Some(c)) if c == i && !closed => Mark::Current,
                    (Some(_), Some(c)) if i <= c || !did.is_empty() => Mark::Done,
                    (Some(_), _) if !did.is_empty() => Mark::Done,
                    _ => Mark::Ahead,
                };
                Node {
                    name: s.name.clone(),
                    kind: s.kind,
                    who: who(s),
                    gate: match s.kind {
                        StepKind::Review => Some("review gate"),
                        StepKind::Check => Some("check gate"),
                        StepKind::Approve => Some("approval gate"),
                        _ => None,
                    },
                    mark,
                    did,
                    holder: match (task, mark) {
                        (Some(t), Mark::Current) => holder(workflow, t).map(str::to_string),
                        _ => None,
                    },
                }
            })
            .collect();
        let mut edges = Vec::new();
        for (i, s) in workflow.steps.iter().enumerate() {
            let next = workflow
                .steps
                .get(i + 1)
                .map_or(CLOSED.to_string(), |n| n.name.clone());
            let label = match s.kind {
                StepKind::Define => "wf-new",
                StepKind::Produce => "submit",
                StepKind::Review => "accept",
                StepKind::Check => "pass",
                StepKind::Approve => "approve",
            };
            edges.push(Edge {
                from: s.name.clone(),
                to: next,
                label,
                back: false,
            });
        }
        for s in &workflow.steps {
            let label = match s.kind {
                StepKind::Review => "request changes",
                StepKind::Check => "fail",
                StepKind::Approve => "reject",
                _ => continue,
            };
            if let Some(r) = workflow.rework(&s.name) {
                edges.push(Edge {
                    from: s.name.clone(),
                    to: r.name.clone(),
                    label,
                    back: true,
                });
            }
        }
        if let Some(r) = workflow.steps.last().and_then(|l| workflow.rework(&l.name)) {
            edges.push(Edge {
                from: CLOSED.into(),
                to: r.name.clone(),
                label: "reopen",
                back: true,
            });
        }
        Graph {
            workflow: workflow.name.clone(),
            task: task.map(|t| (t.id.clone(), t.title.clone(), closed)),
            nodes,
            edges,
        }
    }

    fn lines(n: &Node) -> Vec<String> {
        let mut l = vec![
            n.name.clone(),
            format!(
                "{}{} · {}",
                n.kind.as_str(),
                n.gate.map(|g| format!(" ({g})")).unwrap_or_default(),
                n.who
            ),
        ];
        if !n.did.is_empty() {
            l.push(format!("by {}", n.did.join(", ")));
        }
        if n.mark == Mark::Current {
            l.push(format!(
                "▶ here, held by {}",
                n.holder.as_deref().unwrap_or("nobody")
            ));
        }
        l
    }

    /// Graphviz DOT (`dot -Tsvg`).
    pub fn dot(&self) -> String {
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut o = String::new();
        o.push_str(&format!(
            "digraph {} {{\n",
            q(&format!("wf-{}", self.workflow))
        ));
        let title = match &self.task {
            Some((id, title, _)) => format!("workflow {}: task {id} {title}", self.workflow),
            None => format!("workflow {}", self.workflow),
        };
        o.push_str(&format!(
            "  label={};\n  labelloc=t;\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
            q(&crate::text::one_line(&title))
        ));
        for n in &self.nodes {
            let shape = match n.kind {
                StepKind::Define => "ellipse",
                StepKind::Produce => "box",
                StepKind::Review => "diamond",
                StepKind::Check => "octagon",
                StepKind::Approve => "hexagon",
            };
            let mut attrs = vec![
                format!(
                    "label=\"{}\"",
                    Self::lines(n)
                        .iter()
                        .map(|l| l.replace('\\', "\\\\").replace('"', "\\\""))
                        .collect::<Vec<_>>()
                        .join("\\n")
                ),
                format!("shape={shape}"),
            ];
            if n.kind == StepKind::Approve {
                attrs.push("peripheries=2".into());
            }
            match n.mark {
                Mark::Current => attrs.push("style=\"filled,bold\", fillcolor=\"gold\"".into()),
                Mark::Done => attrs.push("style=filled, fillcolor=\"lightgrey\"".into()),
                Mark::Ahead => {}
            }
            o.push_str(&format!("  {} [{}];\n", q(&n.name), attrs.join(", ")));
        }
        let closed_style = match &self.task {
            Some((_, _, true)) => ", style=\"filled,bold\", fillcolor=\"gold\"",
            _ => "",
        };
        o.push_str(&format!(
            "  {} [label=\"closed\", shape=doublecircle{closed_style}];\n",
            q(CLOSED)
        ));
        for e in &self.edges {
            let style = if e.back { ", style=dashed" } else { "" };
            o.push_str(&format!(
                "  {} -> {} [label={}{style}];\n",
                q(&e.from),
                q(&e.to),
                q(e.label)
            ));
        }
        o.push_str("}\n");
        o
    }

    /// A Mermaid flowchart (renders in GitHub and GitLab markdown).
    pub fn mermaid(&self) -> String {
        let id = |name: &str| -> String {
            if name == CLOSED {
                return "closed".into();
            }
            let i = self.nodes.iter().position(|n| n.name == name).unwrap_or(0);
            format!("s{i}")
        };
        let esc = |s: &str| {
            s.replace('&', "#amp;")
                .replace('"', "#quot;")
                .replace('<', "#lt;")
                .replace('>', "#gt;")
        };
        let mut o = String::from("flowchart LR\n");
        if let Some((tid, title, _)) = &self.task {
            o.push_str(&format!(
                "  %% workflow {}: task {tid} {}\n",
                self.workflow,
                crate::text::one_line(title)
            ));
        } else {
            o.push_str(&format!("  %% workflow {}\n", self.workflow));
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let label = Self::lines(n)
                .iter()
                .map(|l| esc(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let (open, close) = match n.kind {
                StepKind::Define => ("([", "])"),
                StepKind::Produce => ("[", "]"),
                StepKind::Review => ("{", "}"),
                StepKind::Check => ("[[", "]]"),
                StepKind::Approve => ("{{", "}}"),
            };
            o.push_str(&format!("  s{i}{open}\"{label}\"{close}\n"));
        }
        o.push_str("  closed((closed))\n");
        for e in &self.edges {
            let arrow = if e.back { "-.->" } else { "-->" };
            o.push_str(&format!(
                "  {} {arrow}|{}| {}\n",
                id(&e.from),
                e.label,
                id(&e.to)
            ));
        }
        o.push_str("  classDef current fill:#ffd54f,stroke:#333,stroke-width:2px\n");
        o.push_str("  classDef done fill:#e0e0e0,stroke:#999\n");
        let class = |m: Mark| -> Vec<String> {
            self.nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.mark == m)
                .map(|(i, _)| format!("s{i}"))
                .collect()
        };
        let mut current = class(Mark::Current);
        if matches!(&self.task, Some((_, _, true))) {
            current.push("closed".into());
        }
        if !current.is_empty() {
            o.push_str(&format!("  class {} current\n", current.join(",")));
        }
        let done = class(Mark::Done);
        if !done.is_empty() {
            o.push_str(&format!("  class {} done\n", done.join(",")));
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{Assignment, Revision};
    use crate::ActorKind;

    fn task_at_review() -> Task {
        Task {
            id: "T-3f9a2c".into(),
            title: "Launch \"v1\"".into(),
            workflow: "default".into(),
            state: TaskState::Open,
            step: "review".into(),
            owner: "alice".into(),
            approver: "alice".into(),
            created_by: "alice".into(),
            created_at: "2026-11-24T00:00:00Z".into(),
            entered_at: None,
            inputs: vec![],
            assignments: vec![
                Assignment {
                    step: "draft".into(),
                    by: "alice".into(),
                    to: "bot".into(),
                    at: "2026-11-24T00:01:00Z".into(),
                    note: String::new(),
                },
                Assignment {
                    step: "review".into(),
                    by: "alice".into(),
                    to: "bob".into(),
                    at: "2026-11-24T00:03:00Z".into(),
                    note: String::new(),
                },
            ],
            revisions: vec![Revision {
                number: 1,
                step: "draft".into(),
                actor: "bot".into(),
                producer: ActorKind::Ai,
                model: None,
                prompt_sha256: None,
                at: "2026-11-24T00:02:00Z".into(),
                digest: "sha256:00".into(),
                note: String::new(),
                artifacts: vec![],
                run: None,
            }],
            reviews: vec![],
            decisions: vec![],
            reopens: vec![],
            checks: vec![],
        }
    }

    #[test]
    fn the_default_workflow_has_its_gates_and_ways_back() {
        let g = Graph::new(&Workflow::default_workflow(), None);
        let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["define", "draft", "review", "optimize", "approve"]);
        assert_eq!(g.nodes[1].who, "AI · drafter");
        assert_eq!(g.nodes[2].gate, Some("review gate"));
        assert_eq!(g.nodes[4].gate, Some("approval gate"));
        assert_eq!(g.nodes[4].who, "human");
        let back: Vec<(&str, &str, &str)> = g
            .edges
            .iter()
            .filter(|e| e.back)
            .map(|e| (e.from.as_str(), e.to.as_str(), e.label))
            .collect();
        assert_eq!(
            back,
            [
                ("review", "draft", "request changes"),
                ("approve", "optimize", "reject"),
                ("closed", "optimize", "reopen")
            ]
        );
        let dot = g.dot();
        assert!(dot.starts_with("digraph \"wf-default\" {\n"), "{dot}");
        assert!(dot.contains("\"review\" [label=\"review\\nreview (review gate) · human · reviewer\", shape=diamond];"), "{dot}");
        assert!(
            dot.contains("\"approve\" -> \"closed\" [label=\"approve\"];"),
            "{dot}"
        );
        assert!(dot.contains("\"review\" -> \"draft\" [label=\"request changes\", style=dashed];"));
        assert!(dot.ends_with("}\n"));
        let m = g.mermaid();
        assert!(m.starts_with("flowchart LR\n"), "{m}");
        assert!(
            m.contains("  s2{\"review<br/>review (review gate) · human · reviewer\"}\n"),
            "{m}"
        );
        assert!(m.contains("  s4 -->|approve| closed\n"), "{m}");
        assert!(m.contains("  s2 -.->|request changes| s1\n"), "{m}");
        assert!(!m.contains("class "), "no task, no marks");
    }

    #[test]
    fn a_task_is_drawn_where_it_stands_with_who_did_each_step() {
        let w = Workflow::default_workflow();
        let t = task_at_review();
        let g = Graph::new(&w, Some(&t));
        let marks: Vec<Mark> = g.nodes.iter().map(|n| n.mark).collect();
        assert_eq!(
            marks,
            [
                Mark::Done,
                Mark::Done,
                Mark::Current,
                Mark::Ahead,
                Mark::Ahead
            ]
        );
        assert_eq!(g.nodes[0].did, ["alice"]);
        assert_eq!(g.nodes[1].did, ["bot"]);
        assert_eq!(g.nodes[2].holder.as_deref(), Some("bob"));
        let dot = g.dot();
        assert!(
            dot.contains("label=\"workflow default: task T-3f9a2c Launch \\\"v1\\\"\""),
            "{dot}"
        );
        assert!(
            dot.contains("draft\\nproduce · AI · drafter\\nby bot\""),
            "{dot}"
        );
        assert!(
            dot.contains("▶ here, held by bob\", shape=diamond, style=\"filled,bold\""),
            "{dot}"
        );
        let m = g.mermaid();
        assert!(
            m.contains("%% workflow default: task T-3f9a2c Launch \"v1\""),
            "{m}"
        );
        assert!(
            m.contains("  class s2 current\n  class s0,s1 done\n"),
            "{m}"
        );
        assert!(m.contains("by bot"), "{m}");
    }

    #[test]
    fn a_closed_task_ends_in_the_closed_node() {
        let w = Workflow::default_workflow();
        let mut t = task_at_review();
        t.step = "approve".into();
        t.state = TaskState::Closed;
        let g = Graph::new(&w, Some(&t));
        assert!(g.nodes.iter().all(|n| n.mark != Mark::Current));
        assert!(g.mermaid().contains("class closed current"));
        assert!(g
            .dot()
            .contains("\"closed\" [label=\"closed\", shape=doublecircle, style=\"filled,bold\""));
    }
}
