//! The one list of wf tools. The `wf` front door (`wf help`), the xtask that writes the man
//! pages and shell completions, and the tests all read it, so adding a tool is one line here
//! (plus its module and its `src/bin/wf-NAME.rs`).
//!
//! A tool's one-line description is the first line of its clap `about` (the doc comment of its
//! `Args`), and its examples are its `after_help`, so neither can drift from `--help`.

use clap::{Command, CommandFactory};

/// One tool: its binary name and its clap definition.
#[derive(Clone, Copy)]
pub struct Tool {
    /// The binary, `wf-NAME`.
    pub name: &'static str,
    /// The clap definition the tool parses its arguments with.
    pub command: fn() -> Command,
}

/// A registry entry.
const fn tool(name: &'static str, command: fn() -> Command) -> Tool {
    Tool { name, command }
}

/// Every tool, in the order `wf help` lists them (the order of a task's life).
pub const TOOLS: &[Tool] = &[
    tool("wf-init", crate::init::Args::command),
    tool("wf-actor", crate::actor::Args::command),
    tool("wf-new", crate::new::Args::command),
    tool("wf-assign", crate::assign::Args::command),
    tool("wf-submit", crate::submit::Args::command),
    tool("wf-run", crate::run::Args::command),
    tool("wf-check", crate::check::Args::command),
    tool("wf-review", crate::review::Args::command),
    tool("wf-approve", crate::approve::Args::command),
    tool("wf-show", crate::show::Args::command),
    tool("wf-ls", crate::ls::Args::command),
    tool("wf-log", crate::log::Args::command),
    tool("wf-graph", crate::graph::Args::command),
    tool("wf-stats", crate::stats::Args::command),
    tool("wf-board", crate::board::Args::command),
    tool("wf-sync", crate::sync::Args::command),
    tool("wf-policy", crate::policy::Args::command),
    tool("wf-verify", crate::verify::Args::command),
    tool("wf-hook", crate::hook::Args::command),
    tool("wf-attest", crate::attest::Args::command),
    tool("wf-repair", crate::repair::Args::command),
];

impl Tool {
    /// The name after `wf-`: what `wf NAME` runs.
    pub fn short(&self) -> &'static str {
        self.name.strip_prefix("wf-").unwrap_or(self.name)
    }

    /// The one-line description (the first line of the clap `about`).
    pub fn about(&self) -> String {
        (self.command)()
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// The examples: the `after_help` without its `Example:` / `Examples:` heading, one
    /// command per line (continuation lines kept).
    pub fn examples(&self) -> String {
        examples_of(&(self.command)())
    }
}

/// The examples of a command: its `after_help` without the heading line.
pub fn examples_of(cmd: &Command) -> String {
    let text = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut lines = text.lines();
    match lines.next() {
        Some(first) if first.trim_end().ends_with(':') => lines
            .map(|l| l.strip_prefix("  ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => text,
    }
}

/// A tool by binary name (`wf-ls`) or short name (`ls`).
pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name == name || t.short() == name)
}

/// The `wf` front door as a clap command with every tool as a subcommand. `wf` itself does not
/// parse with it (it hands the arguments to `wf-NAME` untouched); the man page and the shell
/// completions of `wf` are generated from it.
pub fn front_door() -> Command {
    let mut cmd = Command::new("wf")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The front door of the wf tools: `wf NAME ARGS...` runs `wf-NAME ARGS...`")
        .long_about(
            "wf: human–AI work you can prove.\n\n\
             `wf NAME ARGS...` runs the tool `wf-NAME` with ARGS, the way git runs git-NAME: \
             found beside the wf binary first, then on PATH, so your own wf-* programs on PATH \
             are wf tools too. `wf help` lists the tools; `wf help NAME` shows a tool's help.",
        )
        .after_help(
            "Examples:\n  wf help\n  wf ls --step review --assignee bob -z | wf assign - --to carol\n  wf hello   # runs your own wf-hello found on PATH",
        )
        .subcommand_required(true)
        .disable_help_subcommand(true);
    for t in TOOLS {
        cmd = cmd.subcommand((t.command)().name(t.short()));
    }
    cmd.subcommand(
        Command::new("help")
            .about("List the tools, or show one tool's help")
            .arg(clap::Arg::new("tool").value_name("NAME")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_valid_command_line_named_like_its_binary() {
        for t in TOOLS {
            let cmd = (t.command)();
            assert_eq!(cmd.get_name(), t.name);
            cmd.debug_assert();
        }
        front_door().debug_assert();
    }

    #[test]
    fn every_tool_has_a_one_line_about_and_its_help_ends_with_an_example() {
        for t in TOOLS {
            assert!(!t.about().is_empty(), "{} has no about", t.name);
            let mut cmd = (t.command)();
            let help = cmd.render_long_help().to_string();
            let after = cmd
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Example"),
                "{}: after_help must start with Example(s):",
                t.name
            );
            assert!(help.trim_end().ends_with(after.trim_end()), "{}", t.name);
            assert!(t.examples().contains(t.name), "{}: examples", t.name);
        }
    }

    #[test]
    fn tools_are_found_by_either_name() {
        assert_eq!(find("ls").unwrap().name, "wf-ls");
        assert_eq!(find("wf-ls").unwrap().name, "wf-ls");
        assert!(find("hello").is_none());
    }
}
