//! `wf-submit`: record a new output revision for the current step.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser};
use git2::Oid;
use wf_core::digest::sha256_hex;
use wf_core::id::check_file_name;
use wf_core::rules::Output;
use wf_core::task::{max_file_size_text, Artifact, MAX_FILE_SIZE};
use wf_core::{Action, Task};
use wf_store::{Store, StoreError};

use crate::context::{self, KeyArgs};
use crate::error::CliError;
use crate::output::{print, short_digest};
use wf_store::transaction::Files;

/// Record a new output revision for a task's current (produce) step.
///
/// The files become tasks/ID/out/NAME, so `git diff` between revisions shows the content change;
/// the revision's digest (sha256 of the sha256sum manifest of its files) is what reviews and the
/// approval bind to. With no FILE, the output is read from stdin (streamed). Each file may hold
/// at most 64 MiB: a longer stream is refused as soon as it passes the limit (exit 2), and
/// nothing is stored. Only the step's assignee may submit. An AI actor's revisions record its model; a human who used AI
/// says so with --model.
#[derive(Parser, Debug)]
#[command(
    name = "wf-submit",
    version,
    after_help = "Examples:\n  wf-submit T-3f9a draft.md\n  llm -m gpt-4o < prompt.txt | wf-submit T-3f9a --model gpt-4o --prompt-file prompt.txt"
)]
pub struct Args {
    /// The task (id or unique prefix).
    pub id: String,
    /// Output files; stdin when none.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// A note on this revision.
    #[arg(long, short = 'm')]
    pub note: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub global: context::Global,
}

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

/// Run `wf-submit`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    let signer = context::signer(&args.keys, Some(&store))?;
    store.precheck::<CliError, _>(signer.as_ref(), context::now()?, &args.id, |_, o| {
        Action::Submit(o)
    })?;
    let pending = Pending::read(&store, &args.files, &args.output)?;
    let (_, task) = store.act_on_task::<CliError, _>(
        signer.as_ref(),
        context::now()?,
        &args.id,
        &mut context::notice,
        |task| {
            let (output, files) = pending.plan(task, &args.note.clone().unwrap_or_default());
            Ok((Action::Submit(output), files))
        },
    )?;
    let r = task.latest().expect("a revision was recorded");
    print(&format!(
        "{}: revision {} {} by {}{}; now at step {}\n",
        task.id,
        r.number,
        short_digest(&r.digest),
        r.actor,
        r.model
            .as_ref()
            .map(|m| format!(" (model {m})"))
            .unwrap_or_default(),
        task.step
    ))
}
