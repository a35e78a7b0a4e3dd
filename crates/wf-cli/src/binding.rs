//! What a review or a decision binds to: the revision its author read, named by number and
//! digest, so that it covers exactly those bytes (rule 6, digest-binding, `spec/rules.md`).
//! Shared by `wf-review` and `wf-approve`.

use wf_core::Task;

/// The (revision, digest) an action binds to: the latest revision, unless the user named a
/// digest, which must then match it (a prefix is enough); a mismatch is passed on for the core
/// to refuse by the digest rule.
pub fn bound(task: &Task, named: Option<&str>) -> (u32, String) {
    match (task.latest(), named) {
        (None, named) => (0, named.unwrap_or_default().to_string()),
        (Some(r), None) => (r.number, r.digest.clone()),
        (Some(r), Some(named)) => {
            let bare = |s: &str| s.strip_prefix("sha256:").unwrap_or(s).to_ascii_lowercase();
            let want = bare(named);
            if want.len() >= 7 && bare(&r.digest).starts_with(&want) {
                (r.number, r.digest.clone())
            } else {
                (r.number, format!("sha256:{want}"))
            }
        }
    }
}
