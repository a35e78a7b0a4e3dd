//! Task ids on the command line: one id (or unique prefix), or `-` to read ids from stdin,
//! newline- or NUL-separated, so `wf-ls -z ... | wf-assign - --to carol` acts on each.

use std::io::Read;

use crate::error::CliError;

/// Split what was read from stdin into ids: on NUL bytes when there is any (`-z` output),
/// otherwise on lines; surrounding whitespace is dropped and empty entries are skipped.
pub fn split(input: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(input);
    let parts: Vec<&str> = if text.contains('\0') {
        text.split('\0').collect()
    } else {
        text.lines().collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Act on the id given, or, when it is `-`, on each id read from stdin in turn. With `-`,
/// a failing id is reported on stderr as `TOOL: ID: message` (and its hint) and the next id
/// is tried; at the end, any failure gives [`CliError::partial`] (exit 8). Errors that are not
/// about one id ([`crate::error::Kind::per_id`]: identity, store, I/O) stop at once with their
/// own code. No ids on stdin is not an error: nothing is done.
pub fn each(
    tool: &str,
    arg: &str,
    mut act: impl FnMut(&str) -> Result<(), CliError>,
) -> Result<(), CliError> {
    if arg != "-" {
        return act(arg);
    }
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .map_err(|e| CliError::failure(format!("reading ids from stdin: {e}")).with_source(e))?;
    let ids = split(&input);
    let mut failed = 0;
    for id in &ids {
        match act(id) {
            Ok(()) => {}
            Err(e) if e.kind().per_id() => {
                failed += 1;
                crate::report(tool, Some(id), &e);
            }
            Err(e) => return Err(e),
        }
    }
    if failed > 0 {
        return Err(CliError::partial(failed, ids.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_on_nul_or_lines() {
        assert_eq!(split(b"T-1\0T-2\0"), ["T-1", "T-2"]);
        assert_eq!(split(b"T-1\nT-2\r\n\n  T-3  \n"), ["T-1", "T-2", "T-3"]);
        assert_eq!(split(b"T-1 with space\0"), ["T-1 with space"]);
        assert!(split(b"").is_empty());
        assert!(split(b"\n\n").is_empty());
    }
}
