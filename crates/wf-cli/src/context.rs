//! What every tool shares: where the store is, what it holds at a commit, who is acting, and
//! what time it is.

use std::path::PathBuf;

use clap::Args;
use wf_core::{Actor, Actors, Timestamp};
use wf_store::{sign, KeySource, Signer, Store};

use crate::error::CliError;

pub use wf_core::policy::{ACTORS_FILE, SIGNERS_FILE, STORE_FILE, STORE_VERSION};
/// Workflows live here, one `<name>.toml` each.
pub const WORKFLOWS_DIR: &str = ".wf/workflows";

/// Options every tool takes.
#[derive(Args, Debug, Clone, Default)]
pub struct Global {
    /// Run as if started in DIR (like git -C).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub chdir: Option<PathBuf>,
}

/// Options of the tools that write: which key signs.
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// The SSH key that signs, and so decides who acts. Defaults to $WF_SIGNING_KEY, then git's
    /// user.signingkey. A private key file signs in process; a public key file or
    /// key::LITERAL signs through ssh-agent.
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
}

impl Global {
    /// Open the store containing the chosen directory.
    pub fn store(&self) -> Result<Store, CliError> {
        let dir = match &self.chdir {
            Some(d) => d.clone(),
            None => std::env::current_dir()?,
        };
        if !dir.exists() {
            return Err(CliError::usage(
                format!("no such directory: {}", dir.display()),
                "check the -C argument",
            ));
        }
        Ok(Store::discover(&dir)?)
    }
}

/// The time an action is recorded at: `GIT_COMMITTER_DATE` when set (as git honours it, so
/// scripts and tests can pin it), else the clock.
pub fn now() -> Result<Timestamp, CliError> {
    if let Ok(v) = std::env::var("GIT_COMMITTER_DATE") {
        return Timestamp::parse(&v).ok_or_else(|| {
            CliError::usage(
                format!("cannot read GIT_COMMITTER_DATE={v:?}"),
                "use @SECONDS, 'SECONDS +0000' or 2026-11-24T10:00:00Z",
            )
        });
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(Timestamp(secs))
}

/// `N` random bytes from `/dev/urandom`, for new ids (tasks, proposals).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CliError> {
    use std::io::Read;
    let mut b = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| CliError::failure(format!("cannot read /dev/urandom: {e}")).with_source(e))?;
    Ok(b)
}

/// Load the signer: `--key`, else `$WF_SIGNING_KEY`, else git's `user.signingkey`.
pub fn signer(keys: &KeyArgs, store: Option<&Store>) -> Result<Box<dyn Signer>, CliError> {
    let value = keys
        .key
        .clone()
        .or_else(|| {
            std::env::var("WF_SIGNING_KEY")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| store.and_then(|s| s.config("user.signingkey")));
    let Some(value) = value else {
        return Err(wf_store::SignError::NoKey.into());
    };
    Ok(sign::load(&KeySource::parse(&value))?)
}

/// Tell the user what a transaction did on the way (a recovered journal, edits kept), one
/// note line each.
pub fn notice(n: wf_store::Notice) {
    for line in wf_store::transaction::describe(&n) {
        crate::output::note(&line);
    }
}

/// The registered actor who holds the signer's key.
pub fn whoami(actors: &Actors, signer: &dyn Signer) -> Result<Actor, CliError> {
    Ok(wf_store::snapshot::identify(actors, signer.public_key())?)
}

/// The contents of a fresh `.wf/store.toml`.
pub fn store_marker() -> String {
    wf_core::policy::store_marker()
}
