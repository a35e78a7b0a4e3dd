//! Prompt templates as text: the placeholder syntax, the placeholders there are, the default
//! template, and [`check`]. A workflow checks its steps' templates with it when it is parsed;
//! [`crate::prompt`] renders them. Neither needs the other, so both depend on this module only.
//!
//! A placeholder is `{{name}}` (spaces inside the braces allowed) where `name` is one of
//! [`PLACEHOLDERS`] or `input.NAME`. Any other `{{...}}` whose inside looks like a name is an
//! error, so a typo never reaches the agent silently; braces around anything else are literal
//! text.

use thiserror::Error;

/// The template used when a step has no `prompt`.
pub const DEFAULT_TEMPLATE: &str = "\
Task {{task.id}}: {{task.title}}

Step: {{step.name}}. {{step.description}}

Inputs:

{{inputs}}

Latest revision:

{{revision}}

Review comments:

{{feedback}}

Write the output of this step. Reply with the output only.
";

/// The placeholders a template may use, besides `input.NAME`.
pub const PLACEHOLDERS: &[&str] = &[
    "task.id",
    "task.title",
    "task.workflow",
    "step.name",
    "step.description",
    "inputs",
    "revision",
    "revision.number",
    "feedback",
];

/// What is wrong with a template, or with rendering it for a task.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TemplateError {
    /// `{{name}}` that is no placeholder.
    #[error("unknown placeholder {{{{{0}}}}} (known: {known}, input.NAME)", known = PLACEHOLDERS.join(", "))]
    Unknown(String),
    /// `{{input.NAME}}` for an input the task does not have.
    #[error("the prompt uses {{{{input.{0}}}}} but the task has no input {0}")]
    NoInput(String),
}

/// Check a template: every placeholder is known.
pub fn check(template: &str) -> Result<(), TemplateError> {
    for name in placeholders(template) {
        if !PLACEHOLDERS.contains(&name) && name.strip_prefix("input.").is_none() {
            return Err(TemplateError::Unknown(name.to_string()));
        }
    }
    Ok(())
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The next `{{name}}` in `s`: (text before, name, text after).
pub(crate) fn next_placeholder(s: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(i) = s[from..].find("{{") {
        let open = from + i;
        let inner_start = open + 2;
        if let Some(j) = s[inner_start..].find("}}") {
            let inner = s[inner_start..inner_start + j].trim();
            if is_name(inner) {
                return Some((&s[..open], inner, &s[inner_start + j + 2..]));
            }
        }
        from = open + 1;
    }
    None
}

fn placeholders(mut s: &str) -> Vec<&str> {
    let mut names = Vec::new();
    while let Some((_, name, after)) = next_placeholder(s) {
        names.push(name);
        s = after;
    }
    names
}
