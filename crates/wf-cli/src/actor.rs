//! `wf-actor`: register and change actors (admins only), list them.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};
use serde_json::json;
use wf_core::actor::AgentRun;
use wf_core::{Actor, ActorKind, Actors};
use wf_store::{sign, Store};

use crate::context::{self, KeyArgs, ACTORS_FILE};
use crate::error::CliError;
use crate::output::{json, ndjson, nul_ids, print};
use crate::policy_change;
use wf_store::Snapshot;

/// Register, change and list the actors (people and AI agents) of a wf store.
///
/// Who acts is decided by the signing key, so registering an actor means registering their
/// public key. Only a human admin may add or change actors; each change is one signed commit to
/// .wf/actors.toml, and .wf/allowed_signers is regenerated with it.
#[derive(Parser, Debug)]
#[command(
    name = "wf-actor",
    version,
    after_help = "Examples:\n  wf-actor add bob --kind human --name Bob --email bob@example.com --pubkey bob.pub --role reviewer\n  wf-actor add drafter-bot --kind ai --name 'Drafter' --email bot@example.com --pubkey bot.pub \\\n      --role drafter --operator alice --model 'llama3:8b via ollama'\n  wf-actor update drafter-bot --run-timeout 300 -- ollama run llama3:8b\n  wf-actor list --json | jq -r '.actors[] | select(.kind==\"ai\") | .id'"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: context::Global,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Register a new actor.
    Add {
        /// The new actor's id (a-z 0-9 . _ -).
        id: String,
        /// human or ai.
        #[arg(long)]
        kind: ActorKind,
        /// Display name (the commit author name).
        #[arg(long)]
        name: String,
        /// Email (the commit author email and signing principal).
        #[arg(long)]
        email: String,
        /// Their OpenSSH public key file (repeat for several keys).
        #[arg(long = "pubkey", value_name = "FILE", required = true)]
        pubkeys: Vec<PathBuf>,
        /// A role (repeat for several): requester, reviewer, drafter, optimizer, admin...
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// For AI actors: the human accountable for it.
        #[arg(long)]
        operator: Option<String>,
        /// For AI actors: the model or agent it runs.
        #[arg(long)]
        model: Option<String>,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Change an actor's roles, keys, model, operator or run configuration. An actor's kind
    /// never changes: register a new actor instead.
    Update {
        /// The actor's id.
        id: String,
        /// Add a role.
        #[arg(long = "add-role", value_name = "ROLE")]
        add_roles: Vec<String>,
        /// Remove a role.
        #[arg(long = "remove-role", value_name = "ROLE")]
        remove_roles: Vec<String>,
        /// Add a public key file.
        #[arg(long = "add-key", value_name = "FILE")]
        add_keys: Vec<PathBuf>,
        /// Remove a key (a lost or leaked one), named by its fingerprint (`SHA256:...`, as
        /// `wf-actor list` and `ssh-keygen -l` show it) or by its public key file. Commits it
        /// signed before stay valid: each is judged under the actors of its parent.
        #[arg(long = "remove-key", value_name = "FINGERPRINT|FILE")]
        remove_keys: Vec<String>,
        /// Set the model (AI actors).
        #[arg(long)]
        model: Option<String>,
        /// Set the operator (AI actors): the human now accountable for it. Independence
        /// (`independent_of = ["operator"]`) is judged against the operator at each verdict.
        #[arg(long, value_name = "HUMAN")]
        operator: Option<String>,
        /// Remove the run configuration (wf-run can no longer start this actor).
        #[arg(long, conflicts_with_all = ["run_timeout", "run_env", "command"])]
        no_run: bool,
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// List actors.
    #[command(group(clap::ArgGroup::new("format").args(["json", "ndjson", "nul"])))]
    List {
        /// One JSON document (schema wf.actors/1).
        #[arg(long)]
        json: bool,
        /// One JSON object per actor and line (schema wf.actor/1).
        #[arg(long)]
        ndjson: bool,
        /// Print only the ids, each followed by a NUL byte.
        #[arg(short = 'z')]
        nul: bool,
    },
}

/// How `wf-run` starts an AI actor (stored as its `run` table in .wf/actors.toml).
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct RunArgs {
    /// AI actors: seconds wf-run lets the agent run before killing it (default 600).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(..=AgentRun::MAX_TIMEOUT))]
    pub run_timeout: Option<u64>,
    /// AI actors: an environment variable for the agent, NAME=VALUE (repeatable). It is
    /// committed to .wf/actors.toml: never put a secret here.
    #[arg(long = "run-env", value_name = "NAME=VALUE")]
    pub run_env: Vec<String>,
    /// AI actors: the agent's program and its arguments, after --; wf-run starts it with the
    /// prompt on stdin and records its stdout. Never a shell string.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

impl RunArgs {
    /// The run configuration these flags make of `existing`: a new one when a command is given;
    /// else `existing` with the timeout and variables changed.
    fn apply(&self, existing: Option<AgentRun>) -> Result<Option<AgentRun>, CliError> {
        let mut env = std::collections::BTreeMap::new();
        for pair in &self.run_env {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                CliError::usage(
                    format!("--run-env {pair:?} is not NAME=VALUE"),
                    "--run-env OLLAMA_HOST=127.0.0.1:11434",
                )
            })?;
            env.insert(k.to_string(), v.to_string());
        }
        if !self.command.is_empty() {
            return Ok(Some(AgentRun {
                command: self.command.clone(),
                timeout: self.run_timeout,
                env,
            }));
        }
        if self.run_timeout.is_none() && env.is_empty() {
            return Ok(existing);
        }
        let Some(mut run) = existing else {
            return Err(CliError::usage(
                "no run command to go with --run-timeout or --run-env",
                "give the agent's command after --: wf-actor update ID --run-timeout 60 -- ollama run llama3",
            ));
        };
        if self.run_timeout.is_some() {
            run.timeout = self.run_timeout;
        }
        run.env.extend(env);
        Ok(Some(run))
    }
}

/// Run `wf-actor`.
pub fn run(args: Args) -> Result<(), CliError> {
    let store = args.global.store()?;
    match args.command {
        Command::List { json, ndjson, nul } => list(&store, Format::of(json, ndjson, nul)),
        Command::Add {
            id,
            kind,
            name,
            email,
            pubkeys,
            roles,
            operator,
            model,
            run,
            keys,
        } => {
            let keys_text = read_keys(&pubkeys, &id)?;
            let new = Actor {
                id: id.clone(),
                name,
                email,
                kind,
                roles,
                model,
                operator,
                keys: keys_text,
                run: run.apply(None)?,
            };
            change(&store, &keys, &format!("add {id}"), &id, move |actors| {
                if actors.get(&new.id).is_some() {
                    return Err(CliError::usage(
                        format!("actor {} exists already", new.id),
                        format!("change it with wf-actor update {}", new.id),
                    ));
                }
                actors.actors.push(new.clone());
                Ok(())
            })
        }
        Command::Update {
            id,
            add_roles,
            remove_roles,
            add_keys,
            remove_keys,
            model,
            operator,
            no_run,
            run,
            keys,
        } => {
            let new_keys = read_keys(&add_keys, &id)?;
            let gone = removed_fingerprints(&remove_keys)?;
            change(
                &store,
                &keys,
                &format!("update {id}"),
                &id.clone(),
                move |actors| {
                    let a = actors
                        .actors
                        .iter_mut()
                        .find(|a| a.id == id)
                        .ok_or_else(|| {
                            CliError::not_found(format!("no actor {id}"), "see wf-actor list")
                        })?;
                    for r in &add_roles {
                        if !a.has_role(r) {
                            a.roles.push(r.clone());
                        }
                    }
                    a.roles.retain(|r| !remove_roles.contains(r));
                    for fp in &gone {
                        let before = a.keys.len();
                        a.keys
                            .retain(|k| wf_store::sign::fingerprint(k).as_deref() != Some(fp));
                        if a.keys.len() == before {
                            return Err(CliError::not_found(
                                format!("actor {} has no key {fp}", a.id),
                                "wf-actor list shows each actor's key fingerprints",
                            ));
                        }
                    }
                    a.keys.extend(new_keys.iter().cloned());
                    if model.is_some() {
                        a.model = model.clone();
                    }
                    if operator.is_some() {
                        a.operator = operator.clone();
                    }
                    a.run = if no_run {
                        None
                    } else {
                        run.apply(a.run.take())?
                    };
                    Ok(())
                },
            )
        }
    }
}

/// The fingerprints `--remove-key` names: each value is a fingerprint (`SHA256:...`) or a
/// public key file.
fn removed_fingerprints(values: &[String]) -> Result<Vec<String>, CliError> {
    values
        .iter()
        .map(|v| {
            if v.starts_with("SHA256:") {
                return Ok(v.clone());
            }
            let text = std::fs::read_to_string(v).map_err(|e| {
                CliError::usage(
                    format!("cannot read {v}: {e}"),
                    "name the key by its fingerprint (SHA256:...) or its public key file",
                )
            })?;
            wf_store::sign::fingerprint(text.trim()).ok_or_else(|| {
                CliError::usage(
                    format!("{v} is not an OpenSSH public key"),
                    "name the key by its fingerprint (SHA256:...) or its public key file",
                )
            })
        })
        .collect()
}

fn read_keys(files: &[PathBuf], id: &str) -> Result<Vec<String>, CliError> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| {
                CliError::usage(
                    format!("cannot read public key {}: {e}", f.display()),
                    "pass the .pub file",
                )
            })?;
            let line = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            let key = ssh_public(line).ok_or_else(|| {
                CliError::usage(
                    format!("{} is not an OpenSSH public key", f.display()),
                    "pass the .pub file, e.g. id_ed25519.pub",
                )
            })?;
            Ok(format!("{key} {id}"))
        })
        .collect()
}

fn ssh_public(line: &str) -> Option<String> {
    let k = wf_core::actor::key_identity(line)?;
    sign::fingerprint(&k).map(|_| k)
}

fn change(
    store: &Store,
    keys: &KeyArgs,
    _what: &str,
    subject: &str,
    edit: impl Fn(&mut Actors) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let signer = context::signer(keys, Some(store))?;
    policy_change::commit_change(
        store,
        signer.as_ref(),
        policy_change::Change::Actor(subject.to_string()),
        "",
        |before| {
            let text = String::from_utf8_lossy(&before[ACTORS_FILE]).into_owned();
            let mut actors = Actors::parse(&text).map_err(|e| {
                CliError::store(format!("{ACTORS_FILE}: {e}"), "restore it from history")
            })?;
            edit(&mut actors)?;
            let mut after = before.clone();
            after.insert(ACTORS_FILE.into(), actors.to_toml().into_bytes());
            Ok(after)
        },
    )
}

/// How a list is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Ndjson,
    Nul,
}

impl Format {
    fn of(json: bool, ndjson: bool, nul: bool) -> Format {
        match (json, ndjson, nul) {
            (true, _, _) => Format::Json,
            (_, true, _) => Format::Ndjson,
            (_, _, true) => Format::Nul,
            _ => Format::Human,
        }
    }
}

/// The JSON object of an actor (`wf.actors/1`, `spec/json.md`).
pub fn actor_json(a: &Actor) -> serde_json::Value {
    json!({
        "id": a.id, "name": a.name, "email": a.email, "kind": a.kind.as_str(),
        "roles": a.roles, "model": a.model, "operator": a.operator,
        "keys": a.keys.iter().filter_map(|k| sign::fingerprint(k)).collect::<Vec<_>>(),
        "run": a.run.as_ref().map(|r| json!({
            "command": r.command, "env": r.env, "timeout": r.timeout_secs(),
        })),
    })
}

fn list(store: &Store, format: Format) -> Result<(), CliError> {
    let snap = Snapshot::head(store)?;
    match format {
        Format::Json => {
            let actors: Vec<_> = snap.actors().actors.iter().map(actor_json).collect();
            return json(&json!({ "schema": "wf.actors/1", "actors": actors }));
        }
        Format::Ndjson => {
            for a in &snap.actors().actors {
                let mut v = actor_json(a);
                v["schema"] = json!("wf.actor/1");
                ndjson(&v)?;
            }
            return Ok(());
        }
        Format::Nul => return nul_ids(snap.actors().actors.iter().map(|a| a.id.as_str())),
        Format::Human => {}
    }
    let mut out = String::new();
    for a in &snap.actors().actors {
        let mut extra = match (&a.model, &a.operator) {
            (Some(m), Some(o)) => format!("  model {m:?}, operator {o}"),
            (None, Some(o)) => format!("  operator {o}"),
            _ => String::new(),
        };
        if let Some(r) = &a.run {
            extra.push_str(&format!(
                ", runs `{}`",
                wf_core::text::one_line(&wf_core::text::shell_words(&r.command))
            ));
        }
        out.push_str(&format!(
            "{:<16} {:<5} {:<28} {}{}\n",
            a.id,
            a.kind.as_str(),
            a.roles.join(","),
            wf_core::text::one_line(&a.email),
            extra
        ));
    }
    print(&out)
}
