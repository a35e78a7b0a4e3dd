//! `wf-graph`: draw a workflow (and optionally where one task stands on it) as Graphviz DOT or
//! Mermaid.

use clap::Parser;
use wf_core::graph::Graph;

use crate::context;
use crate::error::CliError;
use crate::output::print;
use wf_store::Snapshot;

/// Draw a workflow as a graph: Graphviz DOT (default) or Mermaid.
///
/// Each step shows its kind, who may act in it (human, AI, roles) and whether it is a review or
/// an approval gate; arrows show the way forward (submit, accept, approve) and the ways back
/// (request changes, reject, reopen, dashed). With --task, the task's workflow is drawn with the
/// task on it: the steps it went through (grey) with who acted in each, and the step it is at
/// (gold) with who holds it. Pipe DOT into `dot -Tsvg`; paste Mermaid into Markdown.
#[derive(Parser, Debug)]
#[command(
    name = "wf-graph",
    version,
    after_help = "Examples:\n  wf-graph | dot -Tsvg > default.svg\n  wf-graph --task T-3f9a --format mermaid"
)]
pub struct Args {
    /// The workflow (default: the task's with --task, else default).
    pub workflow: Option<String>,
    /// Draw this task (id or unique prefix) on its workflow.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// dot (Graphviz) or mermaid.
    #[arg(long, short = 'f', default_value = "dot", value_parser = ["dot", "mermaid"])]
    pub format: String,
    #[command(flatten)]
    pub global: context::Global,
}

/// Run `wf-graph`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let snap = Snapshot::head(&store)?;
    let task = match &args.task {
        Some(typed) => {
            let id = snap.resolve(&store, typed)?;
            Some(snap.task(&store, &id)?)
        }
        None => None,
    };
    let name = match (&args.workflow, &task) {
        (Some(w), Some(t)) if *w != t.workflow => {
            return Err(CliError::usage(
                format!("task {} follows workflow {}, not {w}", t.id, t.workflow),
                "leave out WORKFLOW with --task",
            ))
        }
        (Some(w), _) => w.clone(),
        (None, Some(t)) => t.workflow.clone(),
        (None, None) => "default".into(),
    };
    wf_core::id::check_name(&name).map_err(|e| {
        CliError::usage(format!("workflow: {e}"), "workflow names are like default")
    })?;
    let workflow = snap.workflow(&name)?.clone();
    let graph = Graph::new(&workflow, task.as_ref());
    print(&match args.format.as_str() {
        "mermaid" => graph.mermaid(),
        _ => graph.dot(),
    })
}
