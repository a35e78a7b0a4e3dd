//! Git's side of wf's signatures: `gpg.format = ssh` and `gpg.ssh.allowedSignersFile` pointing
//! at the registered actors' keys, so that plain `git verify-commit` and `git log
//! --show-signature` check wf's commits. Set by `wf-init`, and refreshed in a bare repository
//! (which has no `.wf/allowed_signers` to point at) by `wf-policy`/`wf-actor` changes and by the
//! server's `post-receive` hook.

use wf_core::Actors;
use wf_store::Store;

use crate::context::SIGNERS_FILE;
use crate::error::CliError;

/// Point git at the allowed-signers file so that `git verify-commit` checks wf's signatures.
/// A work tree carries `.wf/allowed_signers`; a bare repository gets a copy in its git dir.
pub fn configure(store: &Store, actors: &Actors) -> Result<(), CliError> {
    let path = match store.workdir() {
        Some(w) => std::fs::canonicalize(w)?.join(SIGNERS_FILE),
        None => store.git_dir().join("wf-allowed-signers"),
    };
    let text = path.to_str().ok_or_else(|| not_utf8(&path))?;
    if store.workdir().is_none() {
        // Written atomically: a killed writer leaves the old list, never half of one.
        wf_store::sync::write_atomic(&path, actors.allowed_signers().as_bytes())?;
    }
    store.set_config("gpg.format", "ssh")?;
    store.set_config("gpg.ssh.allowedSignersFile", text)?;
    Ok(())
}

/// The refusal of a folder whose path git's configuration cannot hold.
pub fn not_utf8(path: &std::path::Path) -> CliError {
    CliError::usage(
        format!(
            "{} is not a UTF-8 path: git's configuration cannot name the allowed-signers file there",
            path.display()
        ),
        "make the store in a folder whose path is UTF-8",
    )
}
