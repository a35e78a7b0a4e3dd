//! Output writers: human text and JSON from the same values; a closed pipe is not an error.

use std::io::Write;

use crate::error::CliError;

/// Write text to stdout.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write one JSON document (pretty) to stdout.
pub fn json(value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text)
}

/// `value` pretty-printed as a member of a JSON document at `depth` (two spaces each), as
/// [`json`] would print it there: for documents whose arrays are streamed.
pub fn nested(value: &serde_json::Value, depth: usize) -> String {
    let pad = "  ".repeat(depth);
    serde_json::to_string_pretty(value)
        .unwrap_or_default()
        .replace('\n', &format!("\n{pad}"))
}

/// What [`nested`] prints of the value whose compact JSON (`serde_json::to_string`) is
/// `compact`, made from the text without parsing it: the same indentation, `": "` after keys,
/// `[]` and `{}` for empty arrays and objects. For text kept in a cache (`wf-ls --json`).
pub fn nested_from_compact(compact: &str, depth: usize) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 2);
    let bytes = compact.as_bytes();
    let mut level = depth;
    let (mut in_string, mut escaped) = (false, false);
    let mut run = 0; // the start of the bytes not yet copied
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
                i += 1;
                continue;
            }
            // To the next quote or backslash: strings here are short, a plain loop beats a
            // vectorised search.
            while i < bytes.len() && !matches!(bytes[i], b'"' | b'\\') {
                i += 1;
            }
            match bytes.get(i) {
                Some(b'"') => in_string = false,
                Some(_) => escaped = true,
                None => break,
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' | b'}' | b']' | b',' | b':' => {
                out.push_str(&compact[run..i]);
                match c {
                    b'{' | b'[' if matches!(bytes.get(i + 1), Some(b'}' | b']')) => {
                        out.push_str(&compact[i..i + 2]);
                        i += 1;
                    }
                    b'{' | b'[' => {
                        out.push(c as char);
                        level += 1;
                        newline(&mut out, level);
                    }
                    b'}' | b']' => {
                        level = level.saturating_sub(1);
                        newline(&mut out, level);
                        out.push(c as char);
                    }
                    b',' => {
                        out.push(',');
                        newline(&mut out, level);
                    }
                    _ => out.push_str(": "),
                }
                run = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&compact[run..]);
    out
}

/// Shorten a `sha256:` digest for tables.
pub fn short_digest(d: &str) -> String {
    let h = d.strip_prefix("sha256:").unwrap_or(d);
    h.chars().take(12).collect()
}

/// Write one JSON object on one line (`--ndjson`), flushed at once so a reader downstream sees
/// each object as soon as it is known.
pub fn ndjson(value: &serde_json::Value) -> Result<(), CliError> {
    let mut text = serde_json::to_string(value)?;
    text.push('\n');
    print(&text)
}

/// Write ids each followed by a NUL byte (`-z`), for `xargs -0` and `wf-TOOL -`.
pub fn nul_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<(), CliError> {
    let mut out = String::new();
    for id in ids {
        out.push_str(id);
        out.push('\0');
    }
    print(&out)
}

/// Whether `NO_COLOR` is absent or empty (<https://no-color.org>).
pub fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether human output on stdout may be coloured: stdout is a terminal, `NO_COLOR` is not set
/// and `TERM` is not `dumb`. Pipes, files and logs never get escape codes.
pub fn color_stdout() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
        && no_color_unset()
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// A colour for [`paint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Done, good.
    Green,
    /// Waiting, attention.
    Yellow,
    /// Wrong.
    Red,
    /// Less important.
    Dim,
}

/// Wrap already padded text in a colour when `on`; the text itself is unchanged, so columns
/// stay aligned.
pub fn paint(text: &str, color: Color, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    let code = match color {
        Color::Green => "32",
        Color::Yellow => "33",
        Color::Red => "31",
        Color::Dim => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The name of the running tool (`wf-new`), from how it was started.
pub fn tool_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "wf".into())
}

/// A note on stderr, `TOOL: note: TEXT`: something the user should know that is no error
/// (the work tree was repaired after a crash, an edit was left alone).
pub fn note(text: &str) {
    eprintln!("{}: note: {text}", tool_name());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            any::<f64>().prop_map(|f| serde_json::json!(f)),
            // Quotes, backslashes, brackets, commas and colons inside strings, and escapes.
            "[a-z\\\\\"{}\\[\\],: \\n\\t\u{1}é✓]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-z\\\\\":,{}]{0,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn nested_from_compact_prints_what_nested_prints(v in value(), depth in 0usize..4) {
            let compact = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(nested_from_compact(&compact, depth), nested(&v, depth));
        }
    }
}
