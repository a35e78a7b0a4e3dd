//! Actors: the people and AI agents who act, and the keys that prove who acted.
//!
//! Stored in `.wf/actors.toml` as an array of `[[actor]]` tables (see `spec/store.md`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::id::{check_actor_id, check_name, IdError};

/// The role that may change actors and workflows.
pub const ADMIN_ROLE: &str = "admin";

/// Whether an actor is a person or an AI agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    /// A person.
    Human,
    /// An AI agent or model, acting under a human operator.
    Ai,
}

impl ActorKind {
    /// `human` or `ai`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Human => "human",
            ActorKind::Ai => "ai",
        }
    }
}

impl std::str::FromStr for ActorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "human" => Ok(ActorKind::Human),
            "ai" => Ok(ActorKind::Ai),
            _ => Err(format!("unknown actor kind {s:?} (expected human or ai)")),
        }
    }
}

/// One actor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Stable id, used in task files and the `Wf-Actor` trailer.
    pub id: String,
    /// Display name; also the commit author name.
    pub name: String,
    /// Email; also the commit author email and the principal in the allowed-signers file.
    pub email: String,
    /// Human or AI.
    pub kind: ActorKind,
    /// Roles that workflow steps refer to (`admin`, `requester`, `reviewer`, `drafter`...).
    #[serde(default)]
    pub roles: Vec<String>,
    /// For AI actors: the model or agent that this actor runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// For AI actors: the id of the human accountable for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// OpenSSH public keys (`ssh-ed25519 AAAA... comment`); a commit signed by any of them is
    /// this actor's.
    pub keys: Vec<String>,
    /// For AI actors: how `wf-run` starts the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<AgentRun>,
}

/// How `wf-run` starts an AI actor's agent: a program and its arguments (never a shell string),
/// extra environment variables, and a time limit. The agent reads the prompt on stdin and
/// writes the output on stdout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentRun {
    /// The program and its arguments (`["ollama", "run", "llama3"]`).
    pub command: Vec<String>,
    /// Seconds the agent may run before it is killed; [`AgentRun::DEFAULT_TIMEOUT`] when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Environment variables set for the agent, on top of the caller's environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl AgentRun {
    /// The time limit when none is configured: ten minutes.
    pub const DEFAULT_TIMEOUT: u64 = 600;
    /// The largest time limit: the largest TOML integer, so a valid file always serialises.
    pub const MAX_TIMEOUT: u64 = i64::MAX as u64;

    /// The time limit in seconds.
    pub fn timeout_secs(&self) -> u64 {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }

    /// What is wrong with this configuration, if anything.
    pub fn problem(&self) -> Option<String> {
        match self.command.first() {
            None => return Some("its run command is empty".into()),
            Some(p) if p.is_empty() => return Some("its run program is an empty string".into()),
            _ => {}
        }
        if self.command.iter().any(|a| a.contains('\0')) {
            return Some("its run command contains a NUL byte".into());
        }
        if self.timeout == Some(0) {
            return Some("its run timeout must be at least 1 second".into());
        }
        if self.timeout > Some(Self::MAX_TIMEOUT) {
            return Some(format!(
                "its run timeout must be at most {} seconds",
                Self::MAX_TIMEOUT
            ));
        }
        for (k, v) in &self.env {
            let name_ok = k
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !name_ok {
                return Some(format!(
                    "run env name {k:?} is not NAME (letters, digits, _)"
                ));
            }
            if v.contains('\0') {
                return Some(format!("run env {k} contains a NUL byte"));
            }
        }
        None
    }
}

impl Actor {
    /// Whether the actor holds a role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
    /// Whether the actor is an admin.
    pub fn is_admin(&self) -> bool {
        self.has_role(ADMIN_ROLE)
    }
    /// Whether the actor is a human.
    pub fn is_human(&self) -> bool {
        self.kind == ActorKind::Human
    }
}

/// What is wrong with an actors file.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ActorError {
    /// An id, role or name is malformed.
    #[error(transparent)]
    Id(#[from] IdError),
    /// The same id twice.
    #[error("actor {0} is listed twice")]
    Duplicate(String),
    /// A key registered to two actors would make identity ambiguous.
    #[error("key {key} is registered to both {first} and {second}")]
    SharedKey {
        /// The key, `algorithm base64`.
        key: String,
        /// One holder.
        first: String,
        /// The other.
        second: String,
    },
    /// Two actors with one name or one email, or ones that look alike (case, spacing,
    /// compatibility forms and confusable letters ignored, [`crate::text::look_alike`]): git
    /// would show one's commits as the other's.
    #[error("actors {first} and {second} have the same {what}, or ones that look alike: git would show one's commits as the other's")]
    SharedIdentity {
        /// `name` or `email`.
        what: &'static str,
        /// One holder.
        first: String,
        /// The other.
        second: String,
    },
    /// A key line that is not `algorithm base64 [comment]`.
    #[error("actor {0}: malformed public key {1:?}")]
    BadKey(String, String),
    /// An actor without keys can never act.
    #[error("actor {0} has no keys")]
    NoKeys(String),
    /// The name contains characters that would break a commit header, or invisible ones that
    /// would make it look like another ([`crate::text::is_hidden`]).
    #[error("actor {0}: the name must be one line without < >, control characters or invisible ones (zero-width spaces, bidirectional controls)")]
    BadIdentity(String),
    /// The email is not a plain address ([`plain_email`]).
    #[error("actor {0}: email {1:?} is not a plain address: letters, digits and . _ % + - before the @, letters, digits, . and - after it")]
    BadEmail(String, String),
    /// An AI actor must say which human answers for it.
    #[error("AI actor {0} needs an operator: the id of the human accountable for it")]
    NoOperator(String),
    /// The operator is not a registered human.
    #[error("AI actor {0}: operator {1} is not a registered human")]
    BadOperator(String, String),
    /// Only AI actors have models, operators and run configurations.
    #[error("human actor {0} cannot have a model, an operator or a run configuration")]
    HumanWithModel(String),
    /// A run configuration that cannot be run.
    #[error("AI actor {0}: {1}")]
    BadRun(String, String),
    /// Policy belongs to humans: an AI actor cannot hold the admin role.
    #[error("AI actor {0} cannot be an admin")]
    AiAdmin(String),
    /// Parse failure.
    #[error("actors file: {0}")]
    Parse(String),
}

/// Whether an email is a plain address: one `@`, before it letters, digits and `. _ % + -`,
/// after it letters, digits, `.` and `-` (a domain in other scripts is written in punycode).
/// git shows the address as it is, `allowed_signers` names a key's holder by it (where `,` `*`
/// `?` `!` are patterns: `alice@example.com,twin@example.com` would make git credit alice with
/// the twin's signature), and libgit2 trims quotes, `;`, `:`, `,` and blanks from its ends.
pub fn plain_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-'))
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// The parsed `.wf/actors.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actors {
    /// Every actor, in file order.
    #[serde(default, rename = "actor")]
    pub actors: Vec<Actor>,
}

/// The comparable part of an OpenSSH public key line: `algorithm base64`, comment dropped.
pub fn key_identity(line: &str) -> Option<String> {
    key_parts(line).map(|(alg, blob)| format!("{alg} {blob}"))
}

/// [`key_identity`] as its two parts, without allocating: neither holds a space, so two keys
/// have the same identity exactly when their parts are equal.
fn key_parts(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.split_whitespace();
    let alg = parts.next()?;
    let blob = parts.next()?;
    let alg_ok = alg
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-@.".contains(&b));
    let blob_ok = blob
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
    (alg_ok && blob_ok && blob.len() >= 16).then_some((alg, blob))
}

impl Actors {
    /// Parse and validate the TOML text of an actors file.
    pub fn parse(text: &str) -> Result<Actors, ActorError> {
        let a: Actors = crate::text::from_toml(text).map_err(ActorError::Parse)?;
        a.validate()?;
        Ok(a)
    }

    /// Deterministic TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("actors serialise")
    }

    /// Find an actor by id.
    pub fn get(&self, id: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.id == id)
    }

    /// The actor whose registered keys include this public key (any comment ignored).
    pub fn by_key(&self, public_key: &str) -> Option<&Actor> {
        let want = key_parts(public_key)?;
        self.actors
            .iter()
            .find(|a| a.keys.iter().any(|k| key_parts(k) == Some(want)))
    }

    /// Check every invariant of the file.
    pub fn validate(&self) -> Result<(), ActorError> {
        let mut seen_keys: Vec<(String, &str)> = Vec::new();
        let mut names: std::collections::HashMap<String, &str> = Default::default();
        let mut emails: std::collections::HashMap<String, &str> = Default::default();
        for (i, a) in self.actors.iter().enumerate() {
            check_actor_id(&a.id)?;
            if self.actors[..i].iter().any(|b| b.id == a.id) {
                return Err(ActorError::Duplicate(a.id.clone()));
            }
            for r in &a.roles {
                check_name(r)?;
            }
            // Zero-width joiners spell names in Persian and Indic scripts; the look-alike key
            // drops them, so they hide no one.
            let bad = |s: &str| {
                s.trim().is_empty()
                    || s.chars().any(|c| {
                        c.is_control()
                            || (crate::text::is_hidden(c) && !matches!(c, '\u{200c}' | '\u{200d}'))
                            || c == '<'
                            || c == '>'
                    })
            };
            if bad(&a.name) {
                return Err(ActorError::BadIdentity(a.id.clone()));
            }
            if !plain_email(&a.email) {
                return Err(ActorError::BadEmail(a.id.clone(), a.email.clone()));
            }
            // git shows a commit by its author's name and email, and `allowed_signers` names
            // the key's holder by email: two actors sharing either, or ones a reader cannot
            // tell apart, would let one's signed actions show in git as the other's.
            // Each actor's keys are computed once ([`crate::text::person_keys`] folds and maps
            // every character): a lookup per key, not a fold per earlier actor.
            for (what, mine) in [
                ("email", crate::text::person_keys(&a.email)),
                ("name", crate::text::person_keys(&a.name)),
            ] {
                let seen = if what == "email" {
                    &mut emails
                } else {
                    &mut names
                };
                if let Some(first) = mine.iter().find_map(|k| seen.get(k)) {
                    return Err(ActorError::SharedIdentity {
                        what,
                        first: first.to_string(),
                        second: a.id.clone(),
                    });
                }
                for k in mine {
                    seen.insert(k, &a.id);
                }
            }
            if a.keys.is_empty() {
                return Err(ActorError::NoKeys(a.id.clone()));
            }
            for k in &a.keys {
                let ident =
                    key_identity(k).ok_or_else(|| ActorError::BadKey(a.id.clone(), k.clone()))?;
                if let Some((_, first)) = seen_keys.iter().find(|(s, _)| *s == ident) {
                    if *first != a.id {
                        return Err(ActorError::SharedKey {
                            key: ident,
                            first: first.to_string(),
                            second: a.id.clone(),
                        });
                    }
                }
                seen_keys.push((ident, &a.id));
            }
            match a.kind {
                ActorKind::Human
                    if a.model.is_some() || a.operator.is_some() || a.run.is_some() =>
                {
                    return Err(ActorError::HumanWithModel(a.id.clone()))
                }
                ActorKind::Ai if a.is_admin() => return Err(ActorError::AiAdmin(a.id.clone())),
                ActorKind::Ai => {
                    let op = a
                        .operator
                        .as_deref()
                        .ok_or_else(|| ActorError::NoOperator(a.id.clone()))?;
                    if !self.get(op).is_some_and(Actor::is_human) {
                        return Err(ActorError::BadOperator(a.id.clone(), op.to_string()));
                    }
                    if let Some(problem) = a.run.as_ref().and_then(AgentRun::problem) {
                        return Err(ActorError::BadRun(a.id.clone(), problem));
                    }
                }
                ActorKind::Human => {}
            }
        }
        Ok(())
    }

    /// The allowed-signers file git reads for `git verify-commit` (`gpg.ssh.allowedSignersFile`):
    /// one line per key, the actor's email as principal, limited to the `git` namespace.
    pub fn allowed_signers(&self) -> String {
        let mut out = String::from(
            "# Generated by wf from .wf/actors.toml; do not edit (wf-actor rewrites it).\n",
        );
        for a in &self.actors {
            for k in &a.keys {
                if let Some(ident) = key_identity(k) {
                    out.push_str(&format!("{} namespaces=\"git\" {ident}\n", a.email));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::human;

    #[test]
    fn round_trips_and_finds_by_key_ignoring_comment() {
        let mut bot = human("bot", &["drafter"]);
        bot.kind = ActorKind::Ai;
        bot.model = Some("stand-in".into());
        bot.operator = Some("alice".into());
        let a = Actors {
            actors: vec![human("alice", &["admin"]), bot],
        };
        let text = a.to_toml();
        assert_eq!(Actors::parse(&text).unwrap(), a);
        let k = format!(
            "{} other-comment",
            key_identity(&a.actors[1].keys[0]).unwrap()
        );
        assert_eq!(a.by_key(&k).unwrap().id, "bot");
        assert!(a
            .allowed_signers()
            .contains("bot@example.com namespaces=\"git\" ssh-ed25519"));
    }

    #[test]
    fn an_ai_actor_may_say_how_it_runs_and_the_file_round_trips() {
        let mut bot = human("bot", &["drafter"]);
        bot.kind = ActorKind::Ai;
        bot.operator = Some("alice".into());
        bot.run = Some(AgentRun {
            command: vec!["ollama".into(), "run".into(), "llama3".into()],
            timeout: Some(60),
            env: [("OLLAMA_HOST".to_string(), "127.0.0.1:11434".to_string())].into(),
        });
        let a = Actors {
            actors: vec![human("alice", &["admin"]), bot.clone()],
        };
        let text = a.to_toml();
        assert!(text.contains("[actor.run]"), "{text}");
        assert_eq!(Actors::parse(&text).unwrap(), a);
        assert_eq!(bot.run.as_ref().unwrap().timeout_secs(), 60);
        // Without a run table the file is what it always was.
        assert!(!Actors {
            actors: vec![human("alice", &["admin"])]
        }
        .to_toml()
        .contains("run"));
    }

    #[test]
    fn a_run_configuration_must_be_runnable_and_belongs_to_ai_actors() {
        let mut bot = human("bot", &[]);
        bot.kind = ActorKind::Ai;
        bot.operator = Some("alice".into());
        let run = |command: &[&str], timeout, env: &[(&str, &str)]| AgentRun {
            command: command.iter().map(|s| s.to_string()).collect(),
            timeout,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        for bad in [
            run(&[], None, &[]),
            run(&[""], None, &[]),
            run(&["x"], Some(0), &[]),
            // Found by `props::formats` (shrunk): 2^63 validated, then did not serialise.
            run(&["x"], Some(AgentRun::MAX_TIMEOUT + 1), &[]),
            run(&["x"], None, &[("1X", "v")]),
            run(&["x"], None, &[("A B", "v")]),
            run(&["x\0y"], None, &[]),
        ] {
            bot.run = Some(bad.clone());
            let a = Actors {
                actors: vec![human("alice", &[]), bot.clone()],
            };
            assert!(
                matches!(a.validate(), Err(ActorError::BadRun(..))),
                "{bad:?}"
            );
        }
        let mut alice = human("alice", &[]);
        alice.run = Some(run(&["x"], None, &[]));
        let a = Actors {
            actors: vec![alice],
        };
        assert_eq!(
            a.validate(),
            Err(ActorError::HumanWithModel("alice".into()))
        );
    }

    #[test]
    fn an_ai_cannot_be_an_admin() {
        let mut bot = human("bot", &["admin"]);
        bot.kind = ActorKind::Ai;
        bot.operator = Some("alice".into());
        let a = Actors {
            actors: vec![human("alice", &["admin"]), bot],
        };
        assert_eq!(a.validate(), Err(ActorError::AiAdmin("bot".into())));
    }

    #[test]
    fn ai_without_human_operator_is_invalid() {
        let mut bot = human("bot", &[]);
        bot.kind = ActorKind::Ai;
        let a = Actors {
            actors: vec![human("alice", &[]), bot.clone()],
        };
        assert_eq!(a.validate(), Err(ActorError::NoOperator("bot".into())));
        bot.operator = Some("bot".into());
        let a = Actors {
            actors: vec![human("alice", &[]), bot],
        };
        assert!(matches!(a.validate(), Err(ActorError::BadOperator(..))));
    }

    #[test]
    fn unknown_fields_and_shared_keys_are_refused() {
        assert!(Actors::parse("[[actor]]\nid='a'\nbogus=1\n").is_err());
        let mut b = human("bob", &[]);
        b.keys = human("alice", &[]).keys;
        let a = Actors {
            actors: vec![human("alice", &[]), b],
        };
        assert!(matches!(a.validate(), Err(ActorError::SharedKey { .. })));
    }
}
