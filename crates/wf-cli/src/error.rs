//! The one error type of the tools and the one map from errors to exit codes.

use std::fmt;

use wf_core::Refusal;
use wf_store::{SignError, StoreError};

/// Exit codes, as written in `spec/exit-codes.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Done.
    Ok = 0,
    /// A workflow rule refused the action; nothing was committed.
    Refused = 1,
    /// Bad arguments or malformed user input.
    Usage = 2,
    /// No such task, actor or workflow, or an ambiguous id prefix.
    NotFound = 3,
    /// No usable signing key, or the key belongs to no registered actor.
    Identity = 4,
    /// Uncommitted edits in the way, a git lock file in the way, or the branch kept moving.
    Conflict = 5,
    /// Not a wf store, or store files that do not parse or validate.
    Store = 6,
    /// git, filesystem or ssh-keygen failure; an agent that failed, timed out or was
    /// interrupted (`wf-run`).
    Failure = 7,
    /// Ids read from stdin (`-`): at least one failed (each was reported), the others were
    /// done.
    Partial = 8,
}

/// Every exit code with its name and meaning, for man pages and help (`spec/exit-codes.md`).
pub const EXIT_CODES: &[(u8, &str, &str)] = &[
    (0, "Ok", "done (also --help, --version, and a closed output pipe)"),
    (1, "Refused", "a workflow rule refused the action; nothing was committed (wf-verify: history breaks a rule; wf-hook: the push is refused)"),
    (2, "Usage", "bad arguments or malformed user input"),
    (3, "NotFound", "no such task, actor, workflow or tool, or an ambiguous task id prefix"),
    (4, "Identity", "no usable signing key, or the key belongs to no registered actor (or, for wf-run, not to an AI actor with a run command)"),
    (5, "Conflict", "uncommitted edits in the way, a detached HEAD, a git lock file in the way (wf-repair clears a stale one), or the branch kept moving; wf-repair: the work tree still differs from the branch"),
    (6, "Store", "not a git repository, not a wf store, or store files that do not parse or validate"),
    (7, "Failure", "git, filesystem or ssh-keygen failure; for wf-run, an agent that failed, timed out or was interrupted"),
    (8, "Partial", "with - (ids on stdin): at least one id failed, each reported on stderr; the others were done"),
];

/// Every way a tool can fail. Each variant is one line plus an optional hint.
#[derive(Debug)]
pub enum CliError {
    /// A rule refused the action.
    Refused(Refusal),
    /// Bad arguments.
    Usage(String, Option<String>),
    /// Not found or ambiguous.
    NotFound(String, Option<String>),
    /// Identity problems.
    Identity(String, Option<String>),
    /// Dirty work tree or lost races.
    Conflict(String, Option<String>),
    /// A git lock file is in the way (exit 5). Not about one task: with ids on stdin it stops
    /// the run.
    Locked {
        /// The lock file.
        path: String,
        /// The commit, when the action was committed but its files not yet copied to the work
        /// tree.
        committed: Option<String>,
    },
    /// The store is missing or corrupt.
    Store(String, Option<String>),
    /// Anything else that failed underneath.
    Failure(String),
    /// The verifier (or a hook) found history that breaks the rules; the problems are printed.
    Rejected(String, Option<String>),
    /// An agent started by `wf-run` failed, timed out or could not be started (exit 7, but
    /// about one task: with ids on stdin the next id is tried).
    Agent(String, Option<String>),
    /// Stdout was closed by the reader (`| head`): exit quietly.
    BrokenPipe,
    /// With `-`: some of the ids read from stdin failed (each already reported).
    Partial {
        /// How many failed.
        failed: usize,
        /// Out of how many.
        of: usize,
    },
}

impl CliError {
    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Refused(_) | CliError::Rejected(..) => Exit::Refused,
            CliError::Usage(..) => Exit::Usage,
            CliError::NotFound(..) => Exit::NotFound,
            CliError::Identity(..) => Exit::Identity,
            CliError::Conflict(..) | CliError::Locked { .. } => Exit::Conflict,
            CliError::Store(..) => Exit::Store,
            CliError::Failure(_) | CliError::Agent(..) => Exit::Failure,
            CliError::BrokenPipe => Exit::Ok,
            CliError::Partial { .. } => Exit::Partial,
        }
    }

    /// The hint line, if any.
    pub fn hint(&self) -> Option<String> {
        if let CliError::Locked { committed, .. } = self {
            return Some(match committed {
                None => "if no git command is running here, clear it with: wf-repair".into(),
                Some(c) => format!(
                    "the action was committed as {c} but its files are not in the work tree yet; \
                     if no git command is running here, clear the lock and finish with: wf-repair"
                ),
            });
        }
        self.hint_str().map(str::to_string)
    }

    fn hint_str(&self) -> Option<&str> {
        match self {
            CliError::Refused(r) => Some(&r.hint),
            CliError::Usage(_, h)
            | CliError::NotFound(_, h)
            | CliError::Identity(_, h)
            | CliError::Conflict(_, h)
            | CliError::Store(_, h)
            | CliError::Rejected(_, h)
            | CliError::Agent(_, h) => h.as_deref(),
            CliError::Failure(_) | CliError::BrokenPipe | CliError::Locked { .. } => None,
            CliError::Partial { .. } => Some("each failure is reported above as TOOL: ID: message"),
        }
    }

    /// A usage error with a hint.
    pub fn usage(msg: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::Usage(msg.into(), Some(hint.into()))
    }

    /// A store error with a hint.
    pub fn store(msg: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::Store(msg.into(), Some(hint.into()))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Refused(r) => write!(f, "{r}"),
            CliError::Usage(m, _)
            | CliError::NotFound(m, _)
            | CliError::Identity(m, _)
            | CliError::Conflict(m, _)
            | CliError::Store(m, _)
            | CliError::Rejected(m, _)
            | CliError::Agent(m, _)
            | CliError::Failure(m) => f.write_str(m),
            CliError::BrokenPipe => f.write_str("broken pipe"),
            CliError::Locked { path, .. } => write!(
                f,
                "{path} is locked: another git process is running, or one was killed and left a stale lock"
            ),
            CliError::Partial { failed, of } => write!(f, "{failed} of {of} ids failed"),
        }
    }
}

impl From<Refusal> for CliError {
    fn from(r: Refusal) -> Self {
        CliError::Refused(r)
    }
}

impl From<SignError> for CliError {
    fn from(e: SignError) -> Self {
        let hint = match &e {
            SignError::Keygen(_) => "check that the key is loaded in ssh-agent (ssh-add -l) or is not passphrase-protected",
            _ => "name an OpenSSH key: --key ~/.ssh/id_ed25519",
        };
        CliError::Identity(e.to_string(), Some(hint.into()))
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotARepo(p) => CliError::store(
                format!("not a git repository: {p}"),
                "run wf-init to make one, or cd into a wf store (or pass -C DIR)",
            ),
            StoreError::Detached => CliError::Conflict(
                "HEAD is detached; wf commits to a branch".into(),
                Some("check out a branch first: git switch main".into()),
            ),
            StoreError::Dirty(paths) => CliError::Conflict(
                format!("uncommitted changes to {paths}; refusing to overwrite them"),
                Some("commit, stash or restore them first (git stash, git restore PATH)".into()),
            ),
            StoreError::Sign(s) => s.into(),
            StoreError::NotUtf8(p) => {
                CliError::store(format!("{p} is not valid UTF-8"), "fix or restore the file")
            }
            StoreError::TooLarge(limit) => CliError::usage(
                format!("output is larger than the {} MiB limit", limit >> 20),
                too_large_hint(),
            ),
            StoreError::Git(g) => CliError::Failure(format!("git: {}", g.message())),
            StoreError::NotCanonical(why) => CliError::store(
                format!("the store's tree is not canonical: {why}"),
                "no wf tool wrote this: the history was forged or written by another tool; wf-verify names the commit",
            ),
            StoreError::Locked(p) => CliError::Locked {
                path: p.display().to_string(),
                committed: None,
            },
            StoreError::NotAStore => CliError::store(
                "not a wf store (no .wf/store.toml on this branch)",
                "run wf-init here to make it one",
            ),
            e @ StoreError::Unsupported(_) => CliError::store(e.to_string(), "upgrade wf"),
            StoreError::Policy(e) => CliError::store(
                e,
                "an admin fixes .wf/ (wf-actor, wf-policy), or restores it from history",
            ),
            StoreError::BadFile(path, e) => {
                CliError::store(format!("{path}: {e}"), "restore the file from history")
            }
            StoreError::NoWorkflow(name) => CliError::NotFound(
                format!("no workflow {name}"),
                Some("workflows live in .wf/workflows/".into()),
            ),
            StoreError::BadTaskId(e) => CliError::usage(e, "see wf-ls for task ids"),
            StoreError::NoTask(typed) => CliError::NotFound(
                format!("no task {typed}"),
                Some("list tasks with wf-ls".into()),
            ),
            e @ StoreError::Ambiguous { .. } => {
                CliError::NotFound(e.to_string(), Some("type more of the id".into()))
            }
            e @ StoreError::UnknownKey(_) => CliError::Identity(
                e.to_string(),
                Some("an admin registers it: wf-actor add ID --kind human --name N --email E --pubkey KEY.pub".into()),
            ),
            e @ StoreError::Contended(_) => {
                CliError::Conflict(e.to_string(), Some("try again; nothing was committed".into()))
            }
            StoreError::Unsynced { commit, source } => match *source {
                StoreError::Locked(p) => CliError::Locked {
                    path: p.display().to_string(),
                    committed: Some(wf_store::sync::short(commit)),
                },
                e => CliError::Failure(format!(
                    "committed {}, but copying it to the work tree failed ({e}); wf-repair finishes it",
                    wf_store::sync::short(commit)
                )),
            },
            StoreError::Io(p, e) => {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    CliError::BrokenPipe
                } else {
                    CliError::Failure(format!("{p}: {e}"))
                }
            }
        }
    }
}

/// The hint for an output or input file over [`wf_core::task::MAX_FILE_SIZE`].
pub fn too_large_hint() -> String {
    format!(
        "a task file holds at most {} (spec/store.md); keep larger data outside the store and submit a reference to it",
        wf_core::task::max_file_size_text()
    )
}

impl From<wf_store::tree::TreeError> for CliError {
    fn from(e: wf_store::tree::TreeError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Failure(e.to_string())
        }
    }
}

impl From<git2::Error> for CliError {
    fn from(e: git2::Error) -> Self {
        CliError::Failure(format!("git: {}", e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_code_table_names_every_code_in_order() {
        let codes: Vec<u8> = EXIT_CODES.iter().map(|c| c.0).collect();
        assert_eq!(codes, (0..=Exit::Partial as u8).collect::<Vec<_>>());
        assert_eq!(EXIT_CODES[Exit::Failure as usize].1, "Failure");
    }
}
