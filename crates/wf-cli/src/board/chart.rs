//! The board's drawings, as inline SVG written with `maud` (so every label is escaped): bar
//! charts of the figures and a workflow's steps. Hand-written because both are a few rectangles
//! and lines in one direction; a charting crate would bring a renderer, fonts or JavaScript for
//! no better picture. Every drawing carries a `<title>` and `<desc>`, and the pages put the
//! same numbers in a table beside it.

use maud::{html, Markup};
use wf_core::graph::{Graph, Mark, CLOSED};
use wf_core::workflow::StepKind;

use super::page::shown;

/// Approximate width of one character of the drawings' 12px font, for layout.
const CHAR: f64 = 7.0;
/// Longest label drawn whole; longer ones are cut with `…` (the table has them whole).
const LABEL_CHARS: usize = 32;

/// One segment of a bar: a value, the CSS class that colours it, and what it is.
pub struct Segment {
    /// The value.
    pub value: f64,
    /// `s-ai`, `s-human`, `s-acc`, `s-rej`, `s-pend`, `s-bar`.
    pub class: &'static str,
    /// What it counts (`accepted`), for the tooltip.
    pub what: &'static str,
}

/// One bar: a label, its segments (stacked), and the text written after it.
pub struct Bar {
    /// The label (a step, a model, an actor).
    pub label: String,
    /// Stacked segments, left to right.
    pub segments: Vec<Segment>,
    /// The figure written at the end of the bar (`67% accepted`).
    pub note: String,
}

fn cut(s: &str, n: usize) -> String {
    let s = shown(s);
    if s.chars().count() <= n {
        s
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// A horizontal bar chart. `id` names the drawing on its page (for `aria-labelledby`).
pub fn bars(id: &str, title: &str, desc: &str, bars: &[Bar]) -> Markup {
    let label_w = bars
        .iter()
        .map(|b| cut(&b.label, LABEL_CHARS).chars().count())
        .max()
        .unwrap_or(4) as f64
        * CHAR
        + 12.0;
    let note_w = bars
        .iter()
        .map(|b| b.note.chars().count())
        .max()
        .unwrap_or(0) as f64
        * CHAR
        + 12.0;
    let area = 360.0;
    let row = 24.0;
    let width = label_w + area + note_w;
    let height = row * bars.len().max(1) as f64 + 8.0;
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.value).sum::<f64>())
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { area / max } else { 0.0 };
    html! {
        svg.chart role="img" aria-labelledby={ (id) "-t " (id) "-d" }
            width=(fmt(width)) height=(fmt(height)) viewBox={ "0 0 " (fmt(width)) " " (fmt(height)) } {
            title id={ (id) "-t" } { (title) }
            desc id={ (id) "-d" } { (desc) }
            @if bars.is_empty() {
                text x="0" y="18" { "(nothing to show yet)" }
            }
            @for (i, b) in bars.iter().enumerate() {
                @let y = 4.0 + row * i as f64;
                g {
                    title { (shown(&b.label)) ": " (b.note) }
                    text.label x=(fmt(label_w - 8.0)) y=(fmt(y + 15.0)) text-anchor="end" { (cut(&b.label, LABEL_CHARS)) }
                    @for (x, w, s) in stacked(label_w, scale, &b.segments) {
                        rect class={ "bar " (s.class) } x=(fmt(x)) y=(fmt(y + 3.0)) width=(fmt(w)) height=(fmt(row - 8.0)) {
                            title { (s.what) ": " (fmt(s.value)) }
                        }
                    }
                    text.note x=(fmt(label_w + b.segments.iter().map(|s| s.value).sum::<f64>() * scale + 6.0)) y=(fmt(y + 15.0)) { (b.note) }
                }
            }
        }
    }
}

/// Where each segment of a stacked bar starts and how wide it is; empty segments are left out.
fn stacked(start: f64, scale: f64, segments: &[Segment]) -> Vec<(f64, f64, &Segment)> {
    let mut x = start;
    let mut out = Vec::new();
    for s in segments {
        let w = s.value * scale;
        if w > 0.0 {
            out.push((x, w, s));
        }
        x += w;
    }
    out
}

/// A number for SVG: at most one decimal, no trailing `.0`.
fn fmt(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A workflow drawn left to right: one box per step, then `closed`; forward arrows above,
/// the ways back as dashed curves below. With a task on the graph, the steps it went through
/// are shaded and the one it is at is highlighted.
pub fn workflow(id: &str, g: &Graph) -> Markup {
    struct Node {
        lines: Vec<String>,
        class: String,
        x: f64,
        w: f64,
        double: bool,
    }
    let node_h = 64.0;
    let gap = 96.0;
    let top = 28.0;
    let mut nodes: Vec<Node> = Vec::new();
    let mut x = 8.0;
    for n in &g.nodes {
        let mut lines = vec![
            n.name.clone(),
            format!(
                "{}{}",
                n.kind.as_str(),
                n.gate.map(|g| format!(" ({g})")).unwrap_or_default()
            ),
            n.who.clone(),
        ];
        if n.mark == Mark::Current {
            lines.push(format!(
                "▶ here, held by {}",
                n.holder.as_deref().unwrap_or("nobody")
            ));
        } else if !n.did.is_empty() {
            lines.push(format!("by {}", n.did.join(", ")));
        }
        let w = lines
            .iter()
            .map(|l| cut(l, 36).chars().count())
            .max()
            .unwrap_or(6) as f64
            * CHAR
            + 20.0;
        let mark = match n.mark {
            Mark::Current => " current",
            Mark::Done => " done",
            Mark::Ahead => "",
        };
        nodes.push(Node {
            lines,
            class: format!("step {}{mark}", n.kind.as_str()),
            x,
            w,
            double: n.kind == StepKind::Approve,
        });
        x += w + gap;
    }
    let closed_here = matches!(g.task, Some((_, _, true)));
    nodes.push(Node {
        lines: vec![CLOSED.to_string()],
        class: format!("step closed{}", if closed_here { " current" } else { "" }),
        x,
        w: 72.0,
        double: true,
    });
    let width = x + 72.0 + 8.0;
    let index = |name: &str| -> Option<usize> {
        if name == CLOSED {
            Some(nodes.len() - 1)
        } else {
            g.nodes.iter().position(|n| n.name == name)
        }
    };
    let back: Vec<&wf_core::graph::Edge> = g.edges.iter().filter(|e| e.back).collect();
    let height = top + node_h + 24.0 + 26.0 * back.len() as f64 + 12.0;
    let title = match &g.task {
        Some((tid, title, _)) => format!("Workflow {}: task {tid} {}", g.workflow, shown(title)),
        None => format!("Workflow {}", g.workflow),
    };
    let mut desc = vec![format!(
        "Steps in order: {}.",
        g.nodes
            .iter()
            .map(|n| {
                let mut s = format!("{} ({}, {})", n.name, n.kind.as_str(), n.who);
                match n.mark {
                    Mark::Current => s.push_str(&format!(
                        ", the task is here, held by {}",
                        n.holder.as_deref().unwrap_or("nobody")
                    )),
                    Mark::Done if !n.did.is_empty() => {
                        s.push_str(&format!(", done by {}", n.did.join(", ")))
                    }
                    Mark::Done => s.push_str(", done"),
                    Mark::Ahead => {}
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ")
    )];
    if !back.is_empty() {
        desc.push(format!(
            "Ways back: {}.",
            back.iter()
                .map(|e| format!("{} from {} to {}", e.label, e.from, e.to))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    let mid = top + node_h / 2.0;
    let bottom = top + node_h;
    html! {
        svg.workflow role="img" aria-labelledby={ (id) "-t " (id) "-d" }
            width=(fmt(width)) height=(fmt(height)) viewBox={ "0 0 " (fmt(width)) " " (fmt(height)) } {
            title id={ (id) "-t" } { (title) }
            desc id={ (id) "-d" } { (desc.join(" ")) }
            defs {
                marker id={ (id) "-arrow" } viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                    path.arrowhead d="M 0 0 L 10 5 L 0 10 z" {}
                }
            }
            @for e in g.edges.iter().filter(|e| !e.back) {
                @if let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) {
                    @let (x1, x2) = (nodes[a].x + nodes[a].w, nodes[b].x);
                    g.edge {
                        line x1=(fmt(x1)) y1=(fmt(mid)) x2=(fmt(x2 - 2.0)) y2=(fmt(mid)) marker-end={ "url(#" (id) "-arrow)" } {}
                        text x=(fmt((x1 + x2) / 2.0)) y=(fmt(mid - 6.0)) text-anchor="middle" { (e.label) }
                    }
                }
            }
            @for (k, e) in back.iter().enumerate() {
                @if let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) {
                    @let (x1, x2) = (nodes[a].x + nodes[a].w / 2.0, nodes[b].x + nodes[b].w / 2.0);
                    @let depth = 30.0 + 26.0 * k as f64;
                    g.edge.back {
                        path d={ "M " (fmt(x1)) " " (fmt(bottom)) " C " (fmt(x1)) " " (fmt(bottom + depth)) ", " (fmt(x2)) " " (fmt(bottom + depth)) ", " (fmt(x2)) " " (fmt(bottom + 2.0)) }
                            marker-end={ "url(#" (id) "-arrow)" } {}
                        text x=(fmt((x1 + x2) / 2.0)) y=(fmt(bottom + depth * 0.75 + 4.0)) text-anchor="middle" { (e.label) }
                    }
                }
            }
            @for n in &nodes {
                g class=(n.class) {
                    rect x=(fmt(n.x)) y=(fmt(top)) width=(fmt(n.w)) height=(fmt(node_h)) rx="8" {}
                    @if n.double {
                        rect.inner x=(fmt(n.x + 3.0)) y=(fmt(top + 3.0)) width=(fmt(n.w - 6.0)) height=(fmt(node_h - 6.0)) rx="6" {}
                    }
                    @let first = top + if n.lines.len() == 1 { node_h / 2.0 + 4.0 } else { 16.0 };
                    @for (i, l) in n.lines.iter().enumerate() {
                        text class=(if i == 0 { "name" } else { "sub" }) x=(fmt(n.x + n.w / 2.0)) y=(fmt(first + 14.0 * i as f64)) text-anchor="middle" { (cut(l, 36)) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_cut() {
        let svg = bars(
            "c",
            "t",
            "d",
            &[Bar {
                label: "<script>alert(1)</script> and a very long model name indeed".into(),
                segments: vec![Segment {
                    value: 2.0,
                    class: "s-acc",
                    what: "accepted",
                }],
                note: "100%".into(),
            }],
        )
        .into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(svg.contains('…'), "{svg}");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt(3.0), "3");
        assert_eq!(fmt(2.04), "2");
        assert_eq!(fmt(2.46), "2.5");
    }
}
