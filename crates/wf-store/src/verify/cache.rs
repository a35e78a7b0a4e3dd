//! The file of commits found clean: a commit's verdict depends only on immutable objects, so
//! it never goes stale while the rules stay the same.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use git2::{Oid, Repository};

use super::Kind;

/// The version of the verifier's judgement. It names the cache file, so a commit found clean
/// under older rules is judged again: raise it whenever a commit's verdict can change.
pub const RULES: u32 = 20;

/// The file of commits found clean, under the git dir (shared by worktrees): one line
/// `<commit> <kind>` each. The name carries wf's version and [`RULES`], so a verifier with
/// other rules starts afresh.
pub fn cache_path(repo: &Repository) -> PathBuf {
    repo.commondir().join(format!(
        "wf-verified-{}-r{RULES}",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Read the cache: each clean commit with the kind it was judged as. A missing or unreadable
/// file is an empty cache; a line that does not read is ignored.
pub fn load_cache(repo: &Repository) -> HashMap<Oid, Kind> {
    std::fs::read_to_string(cache_path(repo))
        .map(|s| {
            s.lines()
                .filter_map(|l| {
                    let (oid, kind) = l.trim().split_once(' ')?;
                    Some((Oid::from_str(oid).ok()?, Kind::parse(kind)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Append clean commits with their kinds to the cache (one `write` of whole lines, so
/// concurrent runs interleave whole lines at worst).
pub fn save_cache(repo: &Repository, clean: &[(Oid, Kind)]) -> std::io::Result<()> {
    if clean.is_empty() {
        return Ok(());
    }
    let mut buf = String::with_capacity(clean.len() * 48);
    for (o, k) in clean {
        buf.push_str(&format!("{o} {}\n", k.as_str()));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(cache_path(repo))?;
    f.write_all(buf.as_bytes())
}
