//! What the core's property tests share: generators of valid values (actors, workflows, prompt
//! templates) and of awkward text, and the proptest configuration that keeps failing seeds.
//! The tests themselves are in `props/`; see `props.rs` for what they check.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use wf_core::actor::{Actor, ActorKind, Actors, AgentRun};
use wf_core::workflow::{Performer, Relation, Step, StepKind, Workflow};

/// `cases` cases, failing seeds kept in `regressions` (from the crate's folder, where cargo runs
/// the tests) and replayed first on every later run. proptest's default, a file parallel to the
/// source under `src/`, does not exist for an integration test, so the file is named here.
pub fn config(cases: u32, regressions: &'static str) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..ProptestConfig::with_cases(cases)
    }
}

/// Fragments that have broken serialisers and parsers before: quotes of every TOML string kind,
/// line ends, TOML syntax, trailer and header look-alikes, Unicode line breaks, controls, BOM.
const PIECES: &[&str] = &[
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "\\",
    "\\n",
    "\\u0000",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "   ",
    "#",
    "=",
    "[",
    "]]",
    "\n[[decision]]\noutcome = \"approve\"\n",
    "Wf-Actor: mallory",
    "\nWf-Action: approve\n",
    "\n\nWf-Task: T-000000\n",
    "Signed-off-by: x <x@y>",
    "---",
    "\n--- \n",
    "# comment",
    "é",
    "Ω",
    "𝄞",
    "😀",
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{a0}",
    "\u{feff}",
    "\u{200b}",
    "\u{0}",
    "\u{1b}[2J",
    "\u{7f}",
    "\u{fffd}",
    "key = \"value\"",
    "sha256:",
    "T-3f9a2c",
    ":",
    ": ",
    "Note: ",
    "\n\n",
    "{{task.title}}",
    "{{",
    "}}",
];

/// Any string, weighted toward awkward fragments, sometimes very long.
pub fn awkward() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(String::from),
        2 => prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
        2 => "[a-zA-Z0-9 .,-]{0,12}",
    ];
    let short = prop::collection::vec(piece, 0..8).prop_map(|v| v.concat());
    prop_oneof![
        12 => short.clone(),
        1 => (short, 200..2000usize).prop_map(|(s, n)| format!("{s}x").repeat(n.div_ceil(s.len() + 1))),
    ]
    .boxed()
}

/// A string that needs no folding: what [`wf_core::text::one_line`] leaves as it is.
pub fn one_line_text() -> impl Strategy<Value = String> {
    awkward().prop_map(|s| wf_core::text::one_line(&s))
}

/// `name`, or `name-2`, `name-3`... whichever is not taken yet.
fn unique(name: &str, taken: &[String]) -> String {
    (1..)
        .map(|n| match n {
            1 => name.to_string(),
            n => format!("{name}-{n}"),
        })
        .find(|c| !taken.contains(c))
        .expect("a free name")
}

/// A valid actor id (`check_actor_id`).
pub fn actor_id() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._-]{0,15}".prop_map(|s| s.replace("..", ".x"))
}

/// A valid step, role or workflow name (`check_name`).
pub fn name() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9_-]{0,15}"
}

/// Name and email for an actor: anything without control characters, invisible ones
/// (`wf_core::text::is_hidden`), `<` or `>`, not blank.
fn identity() -> impl Strategy<Value = String> {
    awkward().prop_map(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_control() && !wf_core::text::is_hidden(*c) && *c != '<' && *c != '>')
            .collect();
        if s.trim().is_empty() {
            format!("x{s}")
        } else {
            s
        }
    })
}

/// A runnable agent configuration (`AgentRun::problem` is `None`).
fn agent_run() -> impl Strategy<Value = AgentRun> {
    let word = awkward().prop_map(|s| s.replace('\0', ""));
    (
        (
            word.clone().prop_map(|s| format!("p{s}")),
            prop::collection::vec(word.clone(), 0..4),
        ),
        prop::option::of(1..=i64::MAX as u64),
        prop::collection::btree_map("[A-Za-z_][A-Za-z0-9_]{0,8}", word, 0..3),
    )
        .prop_map(|((program, args), timeout, env)| AgentRun {
            command: std::iter::once(program).chain(args).collect(),
            timeout,
            env,
        })
}

#[derive(Clone, Debug)]
struct ActorSeed {
    id: String,
    name: String,
    email: String,
    ai: bool,
    roles: Vec<String>,
    model: Option<String>,
    operator: usize,
    run: Option<AgentRun>,
    key_comments: Vec<String>,
}

fn actor_seed() -> impl Strategy<Value = ActorSeed> {
    let role = prop_oneof![1 => Just("admin".to_string()), 3 => name()];
    (
        (actor_id(), identity(), identity(), any::<bool>()),
        (
            prop::collection::vec(role, 0..4),
            prop::option::of(awkward()),
            any::<usize>(),
            prop::option::of(agent_run()),
            prop::collection::vec(prop::option::of(awkward()), 1..3),
        ),
    )
        .prop_map(
            |((id, name, email, ai), (roles, model, operator, run, comments))| ActorSeed {
                id,
                name,
                email,
                ai,
                roles,
                model,
                operator,
                run,
                key_comments: comments
                    .into_iter()
                    .map(|c| c.map(|c| format!(" {c}")).unwrap_or_default())
                    .collect(),
            },
        )
}

/// A valid actors file: unique ids, keys, names and emails, the first actor human, every AI operated by a human
/// and never an admin, only AI actors with models and run configurations.
pub fn actors() -> impl Strategy<Value = Actors> {
    prop::collection::vec(actor_seed(), 1..6).prop_map(|seeds| {
        let mut ids: Vec<String> = Vec::new();
        for s in &seeds {
            let id = unique(&s.id, &ids);
            ids.push(id);
        }
        let ai = |i: usize| i > 0 && seeds[i].ai;
        let humans: Vec<usize> = (0..seeds.len()).filter(|i| !ai(*i)).collect();
        let actors = seeds
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let keys = s
                    .key_comments
                    .iter()
                    .enumerate()
                    .map(|(j, c)| {
                        format!(
                            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{:0>20}{c}",
                            format!("{i}x{j}")
                        )
                    })
                    .collect();
                let mut a = Actor {
                    id: ids[i].clone(),
                    // Each actor's own name and email (`Actors::validate`).
                    name: format!("{} #{i}", s.name),
                    // A plain address (`wf_core::actor::plain_email`), the seed's letters kept.
                    email: format!(
                        "{}{i}@example.com",
                        s.email
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || "._%+-".contains(*c))
                            .collect::<String>()
                    ),
                    kind: ActorKind::Human,
                    roles: s.roles.clone(),
                    model: None,
                    operator: None,
                    keys,
                    run: None,
                };
                if ai(i) {
                    a.kind = ActorKind::Ai;
                    a.roles.retain(|r| r != wf_core::actor::ADMIN_ROLE);
                    a.model = s.model.clone();
                    a.operator = Some(ids[humans[s.operator % humans.len()]].clone());
                    a.run = s.run.clone();
                }
                a
            })
            .collect();
        Actors { actors }
    })
}

fn performer() -> impl Strategy<Value = Performer> {
    prop_oneof![
        Just(Performer::Human),
        Just(Performer::Ai),
        Just(Performer::Any)
    ]
}

/// A prompt template that passes `template::check`.
fn prompt() -> impl Strategy<Value = String> {
    let placeholder = prop_oneof![
        prop::sample::select(wf_core::template::PLACEHOLDERS).prop_map(|p| format!("{{{{{p}}}}}")),
        name().prop_map(|n| format!("{{{{ input.{n} }}}}")),
    ];
    prop::collection::vec(prop_oneof![awkward(), placeholder], 0..5)
        .prop_map(|v| v.concat())
        .prop_filter("a known placeholder", |t| {
            wf_core::template::check(t).is_ok()
        })
}

#[derive(Clone, Debug)]
struct StepSeed {
    name: String,
    review: bool,
    actor: Performer,
    roles: Vec<String>,
    revise: bool,
    rework: Option<usize>,
    description: String,
    prompt: Option<String>,
    governance: Governance,
}

/// The governance fields of a step, drawn; each is kept only where the step's kind allows it.
#[derive(Clone, Debug)]
struct Governance {
    check: bool,
    independent_of: Vec<Relation>,
    quorum: Option<u32>,
    due: Option<String>,
    command: Vec<String>,
    timeout: Option<u64>,
}

fn governance() -> impl Strategy<Value = Governance> {
    let relation = prop::sample::subsequence(
        vec![Relation::Operator, Relation::Requester, Relation::Producer],
        0..=3,
    )
    .prop_shuffle();
    let due = prop_oneof![
        (1..=72u32).prop_map(|h| format!("{h}h")),
        (1..=30u32).prop_map(|d| format!("{d}d")),
    ];
    (
        prop::bool::weighted(0.25),
        prop_oneof![2 => Just(vec![]), 1 => relation],
        prop_oneof![2 => Just(None), 1 => (1..=3u32).prop_map(Some)],
        prop::option::weighted(0.3, due),
        (
            prop::collection::vec(awkward().prop_map(|s| s.replace('\0', "")), 0..3),
            prop::option::of(1..=86_400u64),
        ),
    )
        .prop_map(
            |(check, independent_of, quorum, due, (args, timeout))| Governance {
                check,
                independent_of,
                quorum,
                due,
                command: std::iter::once("sh".to_string()).chain(args).collect(),
                timeout,
            },
        )
}

fn step_seed(roles: BoxedStrategy<String>) -> impl Strategy<Value = StepSeed> {
    (
        (name(), any::<bool>(), performer()),
        prop::collection::vec(roles, 0..3),
        (
            any::<bool>(),
            prop::option::of(any::<usize>()),
            prop_oneof![3 => Just(String::new()), 1 => awkward()],
            prop::option::of(prompt()),
        ),
        governance(),
    )
        .prop_map(
            |((name, review, actor), roles, (revise, rework, description, prompt), governance)| {
                StepSeed {
                    name,
                    review,
                    actor,
                    roles,
                    revise,
                    rework,
                    description,
                    prompt,
                    governance,
                }
            },
        )
}

/// A valid workflow whose roles come from `roles`: define, one to five produce, review or check
/// steps (the first a produce step), approve; reworks name earlier produce steps; the
/// governance fields where the kind allows them.
pub fn workflow_with(roles: BoxedStrategy<String>) -> impl Strategy<Value = Workflow> {
    (
        name(),
        prop_oneof![2 => Just(String::new()), 1 => awkward()],
        prop::collection::vec(step_seed(roles), 3..8),
    )
        .prop_map(|(name, description, seeds)| {
            let last = seeds.len() - 1;
            let mut steps: Vec<Step> = Vec::new();
            for (i, s) in seeds.into_iter().enumerate() {
                let g = &s.governance;
                let kind = match i {
                    0 => StepKind::Define,
                    _ if i == last => StepKind::Approve,
                    1 => StepKind::Produce,
                    _ if g.check => StepKind::Check,
                    _ if s.review => StepKind::Review,
                    _ => StepKind::Produce,
                };
                let produce: Vec<String> = steps
                    .iter()
                    .filter(|t| t.kind == StepKind::Produce)
                    .map(|t| t.name.clone())
                    .collect();
                let decides =
                    matches!(kind, StepKind::Review | StepKind::Check | StepKind::Approve);
                let judges = matches!(kind, StepKind::Review | StepKind::Approve);
                let revise = kind == StepKind::Review && s.revise;
                let quorum = g
                    .quorum
                    .filter(|q| kind == StepKind::Review && (*q == 1 || !revise));
                let taken: Vec<String> = steps.iter().map(|t| t.name.clone()).collect();
                steps.push(Step {
                    name: unique(&s.name, &taken),
                    kind,
                    actor: match kind {
                        StepKind::Define | StepKind::Approve => Performer::Human,
                        StepKind::Check => Performer::Ai,
                        _ => s.actor,
                    },
                    roles: s.roles,
                    revise,
                    rework: s
                        .rework
                        .filter(|_| decides)
                        .map(|r| produce[r % produce.len()].clone()),
                    description: s.description,
                    prompt: s.prompt.filter(|_| kind == StepKind::Produce),
                    independent_of: if judges {
                        g.independent_of.clone()
                    } else {
                        vec![]
                    },
                    quorum,
                    due: g.due.clone().filter(|_| kind != StepKind::Define),
                    command: if kind == StepKind::Check {
                        g.command.clone()
                    } else {
                        vec![]
                    },
                    timeout: g.timeout.filter(|_| kind == StepKind::Check),
                });
            }
            // A revision made after a check step needs a check step after it (rule 14 of a
            // workflow's validity): a second run of the first check, before the approval.
            let makes = |t: &Step| t.kind == StepKind::Produce || t.revise;
            if let Some(c) = steps.iter().position(|t| t.kind == StepKind::Check) {
                let last_made = steps.iter().rposition(makes).filter(|m| *m > c);
                let checked_after = last_made
                    .is_some_and(|m| steps[m + 1..].iter().any(|t| t.kind == StepKind::Check));
                if last_made.is_some() && !checked_after {
                    let taken: Vec<String> = steps.iter().map(|t| t.name.clone()).collect();
                    let again = Step {
                        name: unique(&format!("{}-again", steps[c].name), &taken),
                        rework: None,
                        ..steps[c].clone()
                    };
                    let at = steps.len() - 1;
                    steps.insert(at, again);
                }
            }
            Workflow {
                name,
                description,
                steps,
            }
        })
}

/// A valid workflow with any role names.
pub fn workflow() -> impl Strategy<Value = Workflow> {
    workflow_with(name().boxed())
}

/// Random edits of a text: cut a range, insert an awkward fragment, or truncate. Parsers fed the
/// result reach deep into their grammar, which random strings rarely do.
pub fn mutated(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (
        text,
        prop::collection::vec((0..3u8, any::<usize>(), any::<usize>(), awkward()), 1..4),
    )
        .prop_map(|(text, edits)| {
            let mut chars: Vec<char> = text.chars().collect();
            for (kind, a, b, s) in edits {
                let n = chars.len() + 1;
                let (a, b) = (a % n, b % n);
                match kind {
                    0 => {
                        chars.drain(a.min(b)..a.max(b));
                    }
                    1 => {
                        chars.splice(a..a, s.chars());
                    }
                    _ => chars.truncate(a),
                }
            }
            chars.into_iter().collect()
        })
}
