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
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| CliError::Failure(e.to_string()))?;
    text.push('\n');
    print(&text)
}

/// Shorten a `sha256:` digest for tables.
pub fn short_digest(d: &str) -> String {
    let h = d.strip_prefix("sha256:").unwrap_or(d);
    h.chars().take(12).collect()
}
