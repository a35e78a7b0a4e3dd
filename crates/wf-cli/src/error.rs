//! The one error type of the tools and the one map from errors to exit codes.
//!
//! A [`CliError`] is what a tool reports when it fails: a [`Kind`] (which decides the exit code
//! and, with ids on stdin, whether the next id is tried), one line of message, zero or more hint
//! lines, and the library error it came from, if any. Library errors (the store's, the signer's,
//! the core's refusals, git's, the file system's) convert into it here, with the hint attached
//! where the context is known; a tool that knows better builds its own with the short
//! constructors ([`CliError::usage`], [`CliError::store`], ...).

use std::error::Error as StdError;
use std::fmt;

use wf_core::Refusal;
use wf_store::tree::TreeError;
use wf_store::{SignError, StoreError};

/// The exit codes. What each means is written once, in [`EXIT_CODES`] (and, checked against
/// it, in `spec/exit-codes.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    Refused = 1,
    Usage = 2,
    NotFound = 3,
    Identity = 4,
    Conflict = 5,
    Store = 6,
    Failure = 7,
    Partial = 8,
}

impl Exit {
    /// Every code, in order.
    pub const ALL: [Exit; 9] = [
        Exit::Ok,
        Exit::Refused,
        Exit::Usage,
        Exit::NotFound,
        Exit::Identity,
        Exit::Conflict,
        Exit::Store,
        Exit::Failure,
        Exit::Partial,
    ];
}

/// Every exit code with its name and meaning: the one description, used by the man pages
/// (`cargo xtask man`) and checked against the first table of `spec/exit-codes.md`.
pub const EXIT_CODES: &[(u8, &str, &str)] = &[
    (0, "Ok", "done (also --help, --version, and a closed output pipe)"),
    (1, "Refused", "a workflow rule refused the action; nothing was committed. wf-verify: history breaks a rule; wf-hook run: the push is refused; wf-attest: a task is not approved or its history breaks a rule, or (--verify) an envelope does not verify"),
    (2, "Usage", "bad arguments or malformed user input"),
    (3, "NotFound", "no such task, actor, workflow, proposal, revision or tool, or an ambiguous task id prefix"),
    (4, "Identity", "no usable signing key, or the key belongs to no registered actor (or, for wf-run, not to an AI actor with a run command)"),
    (5, "Conflict", "uncommitted edits in the way, a detached HEAD, a git lock file in the way (wf-repair clears a stale one), or the branch kept moving; wf-repair: the work tree still differs from the branch"),
    (6, "Store", "not a git repository, not a wf store, or store files that do not parse or validate"),
    (7, "Failure", "git or file system failure underneath; wf-run: an agent that failed, timed out or was interrupted; wf-check: a check command that could not start, or an interrupted check"),
    (8, "Partial", "ids read from stdin (-): at least one failed (each reported on stderr), the others were done"),
];

/// What kind of failure an error is: it decides the exit code, and whether it concerns one of
/// the ids read from stdin (the next id is tried) or the whole run (it stops at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A rule of the core refused the action; nothing was committed.
    Refused,
    /// The verifier (or a hook) found history that breaks the rules; the problems are printed.
    Rejected,
    /// Bad arguments or malformed user input.
    Usage,
    /// No such task, actor, workflow, proposal or revision, or an ambiguous id.
    NotFound,
    /// No usable key, or a key that names no fitting actor.
    Identity,
    /// Uncommitted edits in the way, or the branch kept moving.
    Conflict,
    /// A git lock file in the way: exit 5 like a conflict, but not about one task.
    Locked,
    /// The store is missing, or its files do not load.
    Store,
    /// git or the file system failed underneath.
    Failure,
    /// An agent started by `wf-run` could not start, failed or timed out (exit 7). It is about
    /// one task: over ids on stdin the next id is tried (`spec/run.md`), so one bad task does
    /// not stop a runner's queue.
    Agent,
    /// Stdout was closed by its reader (`| head`): the tool stops quietly with exit 0.
    BrokenPipe,
    /// Some of the ids read from stdin failed, each already reported.
    Partial,
}

impl Kind {
    /// The exit code.
    pub fn exit(self) -> Exit {
        match self {
            Kind::Refused | Kind::Rejected => Exit::Refused,
            Kind::Usage => Exit::Usage,
            Kind::NotFound => Exit::NotFound,
            Kind::Identity => Exit::Identity,
            Kind::Conflict | Kind::Locked => Exit::Conflict,
            Kind::Store => Exit::Store,
            Kind::Failure | Kind::Agent => Exit::Failure,
            Kind::BrokenPipe => Exit::Ok,
            Kind::Partial => Exit::Partial,
        }
    }

    /// Whether an error of this kind concerns only the id at hand, so the next id read from
    /// stdin may well succeed (a refusal, a bad or unknown id, a dirty task file), rather than
    /// the whole run (no usable key, a broken store, a failing disk, a git lock, an interrupt).
    pub fn per_id(self) -> bool {
        matches!(
            self,
            Kind::Refused | Kind::Usage | Kind::NotFound | Kind::Conflict | Kind::Agent
        )
    }
}

/// A library error kept as the cause of a [`CliError`].
pub type Source = Box<dyn StdError + Send + Sync>;

/// Why a tool failed: a kind, one line of message, hint lines, and the error underneath.
#[derive(Debug)]
pub struct CliError {
    kind: Kind,
    message: String,
    hints: Vec<String>,
    source: Option<Source>,
}

impl CliError {
    /// An error of `kind` with a message and no hint.
    pub fn new(kind: Kind, message: impl Into<String>) -> CliError {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
            source: None,
        }
    }

    /// The same error with one more hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hints.push(hint.into());
        self
    }

    /// The same error, caused by `source`.
    pub fn with_source(mut self, source: impl Into<Source>) -> CliError {
        self.source = Some(source.into());
        self
    }

    /// Bad arguments or malformed input (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Usage, message).with_hint(hint)
    }

    /// No such thing, or an ambiguous id (exit 3).
    pub fn not_found(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::NotFound, message).with_hint(hint)
    }

    /// No usable key, or the wrong actor's (exit 4).
    pub fn identity(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Identity, message).with_hint(hint)
    }

    /// Something in the way (exit 5).
    pub fn conflict(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Conflict, message).with_hint(hint)
    }

    /// A missing or broken store (exit 6).
    pub fn store(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Store, message).with_hint(hint)
    }

    /// A failure underneath, with no advice to give (exit 7).
    pub fn failure(message: impl Into<String>) -> CliError {
        CliError::new(Kind::Failure, message)
    }

    /// An agent that failed (exit 7).
    pub fn agent(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Agent, message).with_hint(hint)
    }

    /// History that breaks the rules; the problems were printed (exit 1).
    pub fn rejected(message: impl Into<String>, hint: impl Into<String>) -> CliError {
        CliError::new(Kind::Rejected, message).with_hint(hint)
    }

    /// A git lock file in the way (exit 5). `committed` is the commit, when the action was
    /// committed but its files not yet copied to the work tree.
    pub fn locked(path: impl fmt::Display, committed: Option<String>) -> CliError {
        let hint = match committed {
            None => "if no git command is running here, clear it with: wf-repair".into(),
            Some(c) => format!(
                "the action was committed as {c} but its files are not in the work tree yet; \
                 if no git command is running here, clear the lock and finish with: wf-repair"
            ),
        };
        CliError::new(
            Kind::Locked,
            format!(
                "{path} is locked: another git process is running, or one was killed and left a stale lock"
            ),
        )
        .with_hint(hint)
    }

    /// With `-`: `failed` of the `of` ids read from stdin failed, each already reported.
    pub fn partial(failed: usize, of: usize) -> CliError {
        CliError::new(Kind::Partial, format!("{failed} of {of} ids failed"))
            .with_hint("each failure is reported above as TOOL: ID: message")
    }

    /// Stdout was closed by its reader.
    pub fn broken_pipe() -> CliError {
        CliError::new(Kind::BrokenPipe, "broken pipe")
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        self.kind.exit()
    }

    /// The hint lines, in order.
    pub fn hints(&self) -> &[String] {
        &self.hints
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CliError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

impl From<Refusal> for CliError {
    fn from(r: Refusal) -> Self {
        CliError::new(Kind::Refused, r.to_string())
            .with_hint(r.hint.clone())
            .with_source(r)
    }
}

impl From<SignError> for CliError {
    fn from(e: SignError) -> Self {
        sign_error(&e).with_source(e)
    }
}

/// A signing failure, with the hint for its cause.
fn sign_error(e: &SignError) -> CliError {
    let hint = match e {
        SignError::Keygen(_) => {
            "check that the key is loaded in ssh-agent (ssh-add -l) or is not passphrase-protected"
        }
        SignError::NoKey | SignError::Read { .. } | SignError::NotAKey(_) | SignError::Sign(_) => {
            "name an OpenSSH key: --key ~/.ssh/id_ed25519"
        }
    };
    CliError::identity(e.to_string(), hint)
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        let short = wf_store::sync::short;
        let err = match &e {
            StoreError::NotARepo(p) => CliError::store(
                format!("not a git repository: {p}"),
                "run wf-init to make one, or cd into a wf store (or pass -C DIR)",
            ),
            StoreError::Detached => CliError::conflict(
                "HEAD is detached; wf commits to a branch",
                "check out a branch first: git switch main",
            ),
            StoreError::Dirty(paths) => CliError::conflict(
                format!("uncommitted changes to {paths}; refusing to overwrite them"),
                "commit, stash or restore them first (git stash, git restore PATH)",
            ),
            StoreError::Sign(s) => sign_error(s),
            StoreError::NotUtf8(p) => {
                CliError::store(format!("{p} is not valid UTF-8"), "fix or restore the file")
            }
            StoreError::TooLarge(limit) => CliError::usage(
                format!("output is larger than the {} MiB limit", limit >> 20),
                too_large_hint(),
            ),
            // libgit2 reads every form of index but the split one (`link`) and sparse ones.
            StoreError::Git(g)
                if g.class() == git2::ErrorClass::Index
                    && g.message().contains("unsupported mandatory extension") =>
            {
                CliError::failure(format!("git: {}", g.message())).with_hint(
                    "the index is in a form libgit2 cannot read (a split or sparse index): git update-index --no-split-index, or git sparse-checkout disable",
                )
            }
            StoreError::Git(g) => CliError::failure(format!("git: {}", g.message())),
            StoreError::NotCanonical(why) => CliError::store(
                format!("the store's tree is not canonical: {why}"),
                "no wf tool wrote this: the history was forged or written by another tool; wf-verify names the commit",
            ),
            StoreError::Locked(p) => CliError::locked(p.display(), None),
            StoreError::NotAStore => CliError::store(
                "not a wf store (no .wf/store.toml on this branch)",
                "run wf-init here to make it one",
            ),
            StoreError::Unsupported(_) => CliError::store(e.to_string(), "upgrade wf"),
            StoreError::Policy(reason) => CliError::store(
                reason.clone(),
                "an admin fixes .wf/ (wf-actor, wf-policy), or restores it from history",
            ),
            StoreError::BadFile(path, why) => {
                CliError::store(format!("{path}: {why}"), "restore the file from history")
            }
            StoreError::NoWorkflow(name) => CliError::not_found(
                format!("no workflow {name}"),
                "workflows live in .wf/workflows/",
            ),
            StoreError::BadTaskId(why) => CliError::usage(why.clone(), "see wf-ls for task ids"),
            StoreError::NoTask(typed) => {
                CliError::not_found(format!("no task {typed}"), "list tasks with wf-ls")
            }
            StoreError::Ambiguous { .. } => CliError::not_found(e.to_string(), "type more of the id"),
            StoreError::UnknownKey(_) => CliError::identity(
                e.to_string(),
                "an admin registers it: wf-actor add ID --kind human --name N --email E --pubkey KEY.pub",
            ),
            StoreError::Contended(_) => {
                CliError::conflict(e.to_string(), "try again; nothing was committed")
            }
            StoreError::Unsynced { commit, source } => match &**source {
                StoreError::Locked(p) => CliError::locked(p.display(), Some(short(*commit))),
                inner => CliError::failure(format!(
                    "committed {}, but copying it to the work tree failed ({inner}); wf-repair finishes it",
                    short(*commit)
                )),
            },
            StoreError::Io(p, io) => {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    CliError::broken_pipe()
                } else {
                    CliError::failure(format!("{p}: {io}"))
                }
            }
        };
        err.with_source(e)
    }
}

/// The hint for an output or input file over [`wf_core::task::MAX_FILE_SIZE`].
pub fn too_large_hint() -> String {
    format!(
        "a task file holds at most {} (spec/store.md); keep larger data outside the store and submit a reference to it",
        wf_core::task::max_file_size_text()
    )
}

impl From<TreeError> for CliError {
    fn from(e: TreeError) -> Self {
        StoreError::from(e).into()
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::broken_pipe().with_source(e)
        } else {
            CliError::failure(e.to_string()).with_source(e)
        }
    }
}

impl From<git2::Error> for CliError {
    fn from(e: git2::Error) -> Self {
        CliError::failure(format!("git: {}", e.message())).with_source(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::failure(e.to_string()).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_is_described_once_in_order_under_its_name() {
        assert_eq!(EXIT_CODES.len(), Exit::ALL.len());
        for (exit, (code, name, meaning)) in Exit::ALL.iter().zip(EXIT_CODES) {
            assert_eq!(*exit as u8, *code);
            assert_eq!(format!("{exit:?}"), *name);
            assert!(!meaning.is_empty());
        }
    }

    /// The first table of `spec/exit-codes.md`, rows of (code, name, meaning) with markdown
    /// backticks and links reduced to their text.
    fn spec_table(markdown: &str) -> Vec<(String, String, String)> {
        markdown
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .map(|row| {
                let cells: Vec<String> = row
                    .trim()
                    .trim_matches('|')
                    .split('|')
                    .map(|c| plain(c.trim()))
                    .collect();
                assert_eq!(cells.len(), 3, "{row}");
                (cells[0].clone(), cells[1].clone(), cells[2].clone())
            })
            .collect()
    }

    /// Markdown to its text: `[text](target)` becomes text, backticks go.
    fn plain(md: &str) -> String {
        let mut out = String::new();
        let mut rest = md;
        while let Some(open) = rest.find('[') {
            let Some(close) = rest[open..].find("](").map(|c| open + c) else {
                break;
            };
            let Some(end) = rest[close..].find(')').map(|e| close + e) else {
                break;
            };
            out.push_str(&rest[..open]);
            out.push_str(&rest[open + 1..close]);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out.replace('`', "")
    }

    #[test]
    fn markdown_is_compared_as_its_text() {
        assert_eq!(
            plain("`wf-run` (see [run.md](run.md#x)) ok"),
            "wf-run (see run.md) ok"
        );
        assert_eq!(plain("a [b] c"), "a [b] c");
        let table =
            "# T\n\n| code | name | meaning |\n| --- | --- | --- |\n| 0 | `Ok` | done |\n\n| other |\n";
        assert_eq!(
            spec_table(table),
            [("0".into(), "Ok".into(), "done".into())]
        );
    }

    #[test]
    fn the_spec_lists_exactly_these_exit_codes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/exit-codes.md");
        let spec = std::fs::read_to_string(path).expect("spec/exit-codes.md");
        let ours: Vec<(String, String, String)> = EXIT_CODES
            .iter()
            .map(|(c, n, m)| (c.to_string(), n.to_string(), m.to_string()))
            .collect();
        assert_eq!(
            spec_table(&spec),
            ours,
            "spec/exit-codes.md's first table and wf_cli::error::EXIT_CODES must say the same"
        );
    }

    #[test]
    fn a_library_error_keeps_its_cause_and_gets_its_hint() {
        let e = CliError::from(StoreError::NoTask("T-0".into()));
        assert_eq!(e.to_string(), "no task T-0");
        assert_eq!(e.hints(), ["list tasks with wf-ls"]);
        assert_eq!(e.exit(), Exit::NotFound);
        assert!(e.source().is_some_and(|s| s.is::<StoreError>()));
        let locked = CliError::from(StoreError::Unsynced {
            commit: git2::Oid::zero(),
            source: Box::new(StoreError::Locked("x.lock".into())),
        });
        assert_eq!(locked.kind(), Kind::Locked);
        assert!(locked.hints()[0].starts_with("the action was committed as 000000000000"));
        let unsupported = CliError::from(StoreError::Unsupported(2));
        assert_eq!(
            unsupported.to_string(),
            "store format version 2 is not supported (this wf reads 1)"
        );
        assert_eq!(unsupported.hints(), ["upgrade wf"]);
    }

    #[test]
    fn only_errors_about_one_id_let_the_next_id_run() {
        assert!(Kind::Conflict.per_id());
        assert!(!Kind::Locked.per_id());
        assert_eq!(Kind::Locked.exit(), Exit::Conflict);
        assert!(Kind::Agent.per_id());
        assert!(!Kind::Identity.per_id());
    }
}
