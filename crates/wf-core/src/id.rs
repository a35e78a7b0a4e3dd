//! Identifiers: actor ids, task ids, artifact and step names. All are checked against a strict
//! alphabet, so they are safe in paths, trailers and terminals.

use thiserror::Error;

/// Why an identifier or name was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdError {
    /// An actor id that is not `[a-z0-9][a-z0-9._-]{0,63}`.
    #[error("invalid actor id {0:?}: use 1-64 of a-z 0-9 . _ - starting with a letter or digit")]
    Actor(String),
    /// A task id or prefix that is not `T-` followed by lowercase hex.
    #[error("invalid task id {0:?}: task ids look like T-3f9a2c")]
    Task(String),
    /// A file name for an artifact or input that could escape its folder or confuse a terminal.
    #[error(
        "invalid file name {0:?}: use a plain name (no '/', no leading '.', no control characters)"
    )]
    FileName(String),
    /// A step, role or workflow name outside `[a-z0-9][a-z0-9_-]*`.
    #[error("invalid name {0:?}: use a-z 0-9 _ - starting with a letter or digit")]
    Name(String),
}

/// The prefix every task id carries.
pub const TASK_PREFIX: &str = "T-";
/// How many hex digits a new task id has.
pub const TASK_HEX_LEN: usize = 6;

/// What an error message quotes of a refused identifier: at most 48 characters, so a hostile
/// megabyte-long argument still gives one short line.
fn quoted(s: &str) -> String {
    match s.char_indices().nth(48) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn simple(s: &str, max: usize, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= max
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c))
}

/// Check an actor id.
pub fn check_actor_id(s: &str) -> Result<(), IdError> {
    if simple(s, 64, b"._-") && !s.contains("..") {
        Ok(())
    } else {
        Err(IdError::Actor(quoted(s)))
    }
}

/// Check a step, role or workflow name.
pub fn check_name(s: &str) -> Result<(), IdError> {
    if simple(s, 64, b"_-") {
        Ok(())
    } else {
        Err(IdError::Name(quoted(s)))
    }
}

/// Check a full task id (`T-` and 6 to 40 lowercase hex digits).
pub fn check_task_id(s: &str) -> Result<(), IdError> {
    match s.strip_prefix(TASK_PREFIX) {
        Some(h) if (TASK_HEX_LEN..=40).contains(&h.len()) && is_hex(h) => Ok(()),
        _ => Err(IdError::Task(quoted(s))),
    }
}

/// Normalise what a user typed as a task id or prefix: `T-3f9`, `t-3F9` and `3f9` all mean the
/// prefix `T-3f9`. Anything else (paths, `..`, NUL, look-alike letters) is refused.
pub fn task_prefix(s: &str) -> Result<String, IdError> {
    let hexpart = s
        .strip_prefix(TASK_PREFIX)
        .or_else(|| s.strip_prefix("t-"))
        .unwrap_or(s);
    if hexpart.is_empty() || hexpart.len() > 40 || !hexpart.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(IdError::Task(quoted(s)));
    }
    Ok(format!("{TASK_PREFIX}{}", hexpart.to_ascii_lowercase()))
}

fn is_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Make a task id from random bytes the caller supplies (the core has no randomness). Uses the
/// first [`TASK_HEX_LEN`] hex digits, more when `len` asks (to step around a collision).
pub fn task_id_from(random: &[u8], len: usize) -> String {
    let h = crate::digest::hex(random);
    format!("{TASK_PREFIX}{}", &h[..len.min(h.len())])
}

/// Resolve a prefix against the known ids, like git resolves abbreviated commits.
pub fn resolve_prefix<'a>(
    prefix: &str,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<&'a str, Resolve> {
    let matches: Vec<&str> = ids.into_iter().filter(|i| i.starts_with(prefix)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Resolve::NotFound),
        many => {
            if let Some(exact) = many.iter().find(|i| **i == prefix) {
                return Ok(exact);
            }
            Err(Resolve::Ambiguous(
                many.iter().map(|s| s.to_string()).collect(),
            ))
        }
    }
}

/// Why a task id prefix did not resolve to one task.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolve {
    /// No task has this prefix.
    NotFound,
    /// Several do; here they are.
    Ambiguous(Vec<String>),
}

/// Check a file name for an artifact or an input file.
pub fn check_file_name(s: &str) -> Result<(), IdError> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && !s.starts_with('-')
        && s.chars().all(|c| {
            !c.is_control() && !c.is_whitespace() && !matches!(c, '/' | '\\' | ':' | '*' | '?')
        })
        && s.is_ascii();
    if ok {
        Ok(())
    } else {
        Err(IdError::FileName(quoted(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_are_refused() {
        for bad in ["../x", "a/b", "", "A", "a\0b", "аlice", "a..b", "-x", "x y"] {
            assert!(check_actor_id(bad).is_err(), "{bad:?}");
        }
        for good in ["alice", "drafter-bot", "bob.smith", "r2d2"] {
            check_actor_id(good).unwrap();
        }
        for bad in ["T-../x", "T-3f9/..", "T-3f9a2\0", "T-3f9а2c", "x"] {
            assert!(task_prefix(bad).is_err(), "{bad:?}");
        }
        assert_eq!(task_prefix("3F9a").unwrap(), "T-3f9a");
        let long = format!("T-{}", "a".repeat(5000));
        let shown = task_prefix(&long).unwrap_err().to_string();
        assert!(shown.len() < 120 && shown.contains("…"), "{shown}");
        check_task_id("T-3f9a2c").unwrap();
        assert!(check_task_id("T-3f9").is_err());
    }

    #[test]
    fn file_names_cannot_escape_their_folder() {
        for bad in ["../x", "a/b", ".git", "", "a\nb", "a\u{1b}b", "-rf", "é"] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
        check_file_name("draft.md").unwrap();
    }

    #[test]
    fn prefixes_resolve_like_git() {
        let ids = ["T-3f9a2c", "T-3f1000", "T-aa0000"];
        assert_eq!(resolve_prefix("T-3f9", ids), Ok("T-3f9a2c"));
        assert_eq!(resolve_prefix("T-b", ids), Err(Resolve::NotFound));
        assert!(matches!(
            resolve_prefix("T-3f", ids),
            Err(Resolve::Ambiguous(v)) if v.len() == 2
        ));
        assert_eq!(task_id_from(&[0x3f, 0x9a, 0x2c, 0x11], 6), "T-3f9a2c");
    }
}
