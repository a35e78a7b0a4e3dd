//! A new output revision, read before its transaction: the files (or stdin, or the blob an
//! agent's output was streamed into) stored as blobs, with the provenance flags, then planned
//! against the task as it is at the tip: the artifacts and the `tasks/ID/out/` files to write
//! and remove. Shared by `wf-submit`, `wf-review --revise` and `wf-run`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use git2::Oid;
use wf_core::digest::sha256_hex;
use wf_core::id::check_file_name;
use wf_core::rules::Output;
use wf_core::task::{max_file_size_text, Artifact, MAX_FILE_SIZE};
use wf_core::Task;
use wf_store::transaction::Files;
use wf_store::{Store, StoreError};

use crate::error::CliError;

/// Provenance and naming flags shared by `wf-submit` and `wf-review --revise`.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct OutputArgs {
    /// The file name for output read from stdin (default: the previous revision's single file
    /// name, else output.md).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The model that produced or assisted this output.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The prompt given to the model; its sha256 is recorded.
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<PathBuf>,
}

/// Output read into blobs before the transaction (stdin can be read only once).
pub struct Pending {
    files: Vec<(Option<String>, Oid, String, u64)>,
    name: Option<String>,
    model: Option<String>,
    prompt: Option<String>,
    fallback: &'static str,
}

impl Pending {
    /// Output already stored as one blob `(oid, sha256, size)`, as `wf-run` streams it from an
    /// agent: named `name`, else the previous revision's single file name, else `fallback`.
    pub fn blob(
        blob: (Oid, String, u64),
        name: Option<String>,
        prompt_sha256: String,
        fallback: &'static str,
    ) -> Pending {
        Pending {
            files: vec![(None, blob.0, blob.1, blob.2)],
            name,
            model: None,
            prompt: Some(prompt_sha256),
            fallback,
        }
    }

    /// Read files (or stdin when `files` is empty or is `-`) into blobs.
    pub fn read(store: &Store, files: &[PathBuf], args: &OutputArgs) -> Result<Pending, CliError> {
        let mut out = Vec::new();
        let stdin = files.is_empty() || (files.len() == 1 && files[0].as_os_str() == "-");
        if stdin {
            if std::io::stdin().is_terminal() {
                return Err(CliError::usage(
                    "no output files given and stdin is a terminal",
                    "name files, or pipe the output in: producer | wf-submit ID",
                ));
            }
            let (oid, sha, size) =
                store.blob_from_reader(std::io::stdin().lock(), MAX_FILE_SIZE)?;
            out.push((None, oid, sha, size));
        } else {
            for f in files {
                let name = f
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| {
                        CliError::usage(
                            format!("{} has no usable file name", f.display()),
                            "use a plain UTF-8 file name",
                        )
                    })?
                    .to_string();
                check_file_name(&name)
                    .map_err(|e| CliError::usage(e.to_string(), "rename the file"))?;
                let file = std::fs::File::open(f).map_err(|e| {
                    CliError::usage(
                        format!("cannot read {}: {e}", f.display()),
                        "check the path",
                    )
                })?;
                let (oid, sha, size) =
                    store
                        .blob_from_reader(file, MAX_FILE_SIZE)
                        .map_err(|e| match e {
                            StoreError::TooLarge(_) => CliError::usage(
                                format!(
                                    "{}: output is larger than the {} limit",
                                    f.display(),
                                    max_file_size_text()
                                ),
                                crate::error::too_large_hint(),
                            ),
                            e => e.into(),
                        })?;
                out.push((Some(name), oid, sha, size));
            }
        }
        if let Some(n) = &args.name {
            check_file_name(n)
                .map_err(|e| CliError::usage(e.to_string(), "--name takes a plain file name"))?;
        }
        let prompt = match &args.prompt_file {
            None => None,
            Some(p) => Some(sha256_hex(&std::fs::read(p).map_err(|e| {
                CliError::usage(
                    format!("cannot read prompt file {}: {e}", p.display()),
                    "check the path",
                )
            })?)),
        };
        Ok(Pending {
            files: out,
            name: args.name.clone(),
            model: args.model.clone(),
            prompt,
            fallback: "output.md",
        })
    }

    /// The artifacts and the files to write into `tasks/ID/out/`, against the task as it is.
    pub fn plan(&self, task: &Task, note: &str) -> (Output, Files) {
        let previous: Vec<&str> = task
            .latest()
            .map(|r| r.artifacts.iter().map(|a| a.name.as_str()).collect())
            .unwrap_or_default();
        let default_name = match previous.as_slice() {
            [one] => one.to_string(),
            _ => self.fallback.to_string(),
        };
        let dir = format!("{}out/", Task::dir(&task.id));
        let mut artifacts = Vec::new();
        let mut writes = Vec::new();
        for (name, oid, sha, size) in &self.files {
            let name = name
                .clone()
                .or_else(|| self.name.clone())
                .unwrap_or_else(|| default_name.clone());
            writes.push((format!("{dir}{name}"), *oid));
            artifacts.push(Artifact {
                name,
                sha256: sha.clone(),
                size: *size,
            });
        }
        let removes = previous
            .iter()
            .filter(|p| !artifacts.iter().any(|a| a.name == **p))
            .map(|p| format!("{dir}{p}"))
            .collect();
        let output = Output {
            artifacts,
            model: self.model.clone(),
            prompt_sha256: self.prompt.clone(),
            note: note.to_string(),
            run: None,
        };
        (output, Files { writes, removes })
    }
}
