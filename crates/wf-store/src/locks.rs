//! Git's lock files: a git operation that meets one waits a moment (a running git holds it
//! for milliseconds), then reports it as in the way ([`StoreError::Locked`]) instead of
//! retrying forever; `wf-repair` removes a stale one.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::ErrorCode;

use crate::error::StoreError;
use crate::repo::Store;

type Result<T> = std::result::Result<T, StoreError>;

/// How long a writer waits for a git lock file to go away (a git command that is running
/// holds one for milliseconds) before reporting it as in the way.
pub const LOCK_GRACE: Duration = Duration::from_millis(500);

/// Run a git operation that takes a lock file; while the lock is held by someone else, retry
/// for [`LOCK_GRACE`], then give up with [`StoreError::Locked`].
pub(crate) fn patiently<T>(
    lock: &Path,
    mut op: impl FnMut() -> std::result::Result<T, git2::Error>,
) -> Result<T> {
    let start = Instant::now();
    loop {
        match op() {
            Err(e) if e.code() == ErrorCode::Locked => {
                if start.elapsed() >= LOCK_GRACE {
                    return Err(StoreError::Locked(lock.to_path_buf()));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            r => return Ok(r?),
        }
    }
}

impl Store {
    /// The lock file git takes to update a ref.
    pub(crate) fn ref_lock(&self, refname: &str) -> PathBuf {
        self.git().commondir().join(format!("{refname}.lock"))
    }
}
