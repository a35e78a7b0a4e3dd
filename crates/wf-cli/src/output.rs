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

/// Append the compact JSON (`serde_json::to_string`) of the value that [`nested`] printed as
/// `pretty`: the whitespace between tokens dropped, strings copied as they are. For text kept in
/// a cache as `--json` prints it, printed by `--ndjson`.
pub fn push_compact_from_nested(out: &mut String, pretty: &str) {
    let bytes = pretty.as_bytes();
    let mut in_string = false;
    let mut run = 0; // the start of the bytes not yet copied
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            match c {
                b'"' => in_string = false,
                // An escape: the next byte is part of it, whatever it is.
                b'\\' => i += 1,
                _ => {}
            }
        } else if c == b'"' {
            in_string = true;
        } else if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
            out.push_str(&pretty[run..i]);
            run = i + 1;
        }
        i += 1;
    }
    out.push_str(&pretty[run.min(pretty.len())..]);
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
        fn compact_from_nested_prints_what_serde_json_prints(v in value(), depth in 0usize..4) {
            let mut compact = String::new();
            push_compact_from_nested(&mut compact, &nested(&v, depth));
            prop_assert_eq!(compact, serde_json::to_string(&v).unwrap());
        }
    }
}
