//! Git's side of merging task files: the clone's configuration names wf's merge driver
//! (`merge.wf-task.driver`), which `.gitattributes` assigns to task files (`spec/sync.md`).
//! Set by `wf-init`, also when it adopts a clone, so that `git pull` joins concurrent actions
//! on one task exactly as the verifier will judge them.

use wf_core::checkout::MERGE_DRIVER;
use wf_store::Store;

use crate::error::CliError;

/// Configure wf's merge driver in this repository: `wf-sync --merge-driver %O %A %B %P`, by
/// the absolute path of the `wf-sync` installed beside the running tool (else `wf-sync` on
/// `PATH`).
pub fn install(store: &Store) -> Result<(), CliError> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::canonicalize(e).ok())
        .and_then(|e| e.parent().map(|d| d.join("wf-sync")))
        .filter(|p| p.is_file());
    let program = match beside.as_ref().and_then(|p| p.to_str()) {
        Some(p) => format!("'{}'", p.replace('\'', "'\\''")),
        None => "wf-sync".to_string(),
    };
    store.set_config(
        &format!("merge.{MERGE_DRIVER}.name"),
        "wf: join concurrent actions on a task (spec/sync.md)",
    )?;
    store.set_config(
        &format!("merge.{MERGE_DRIVER}.driver"),
        &format!("{program} --merge-driver %O %A %B %P"),
    )?;
    Ok(())
}
