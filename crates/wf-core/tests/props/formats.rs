//! Every serialised format of the core round-trips, and its parser never panics.
//!
//! For each pair `serialise`/`parse`: `parse(serialise(x)) == x` and
//! `serialise(parse(serialise(x))) == serialise(x)`, for arbitrary valid values whose strings
//! are awkward (quotes, newlines, trailer look-alikes, Unicode, very long). And any text, random
//! or a mutated valid file, gives the parser `Ok` or `Err`, never a panic.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::common::{actor_id, actors, awkward, mutated, name, one_line_text, workflow};
use wf_core::actor::{ActorKind, Actors};
use wf_core::policy::{self, Endorsement, Files, Policy, Proposal, ProposedFile};
use wf_core::task::{
    Artifact, Assignment, Check, CheckOutcome, Decision, Input, Outcome, Reopen, Review, Revision,
    Run, RunInput, Task, TaskState, Verdict,
};
use wf_core::time::Timestamp;
use wf_core::trailer;
use wf_core::workflow::Workflow;

fn kind() -> impl Strategy<Value = ActorKind> {
    prop_oneof![Just(ActorKind::Human), Just(ActorKind::Ai)]
}

fn input() -> impl Strategy<Value = Input> {
    (
        awkward(),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        awkward(),
    )
        .prop_map(|(name, text, file, sha256)| Input {
            name,
            text,
            file,
            sha256,
        })
}

fn assignment() -> impl Strategy<Value = Assignment> {
    (awkward(), awkward(), awkward(), awkward(), awkward()).prop_map(|(step, by, to, at, note)| {
        Assignment {
            step,
            by,
            to,
            at,
            note,
        }
    })
}

fn artifact() -> impl Strategy<Value = Artifact> {
    // TOML integers are i64: sizes beyond that are no file anyone can have.
    (awkward(), awkward(), 0..=i64::MAX as u64).prop_map(|(name, sha256, size)| Artifact {
        name,
        sha256,
        size,
    })
}

fn run() -> impl Strategy<Value = Run> {
    (
        prop::collection::vec(awkward(), 0..4),
        awkward(),
        awkward(),
        any::<i32>(),
        prop::option::of(awkward()),
        prop::collection::vec(
            (awkward(), awkward()).prop_map(|(name, sha256)| RunInput { name, sha256 }),
            0..3,
        ),
    )
        .prop_map(
            |(command, started_at, ended_at, exit_status, revision_digest, inputs)| Run {
                command,
                started_at,
                ended_at,
                exit_status,
                revision_digest,
                inputs,
            },
        )
}

fn revision() -> impl Strategy<Value = Revision> {
    (
        (any::<u32>(), awkward(), awkward(), kind()),
        (
            prop::option::of(awkward()),
            prop::option::of(awkward()),
            awkward(),
            awkward(),
        ),
        (
            awkward(),
            prop::collection::vec(artifact(), 0..3),
            prop::option::of(run()),
        ),
    )
        .prop_map(
            |(
                (number, step, actor, producer),
                (model, prompt_sha256, at, digest),
                (note, artifacts, run),
            )| {
                Revision {
                    number,
                    step,
                    actor,
                    producer,
                    model,
                    prompt_sha256,
                    at,
                    digest,
                    note,
                    artifacts,
                    run,
                }
            },
        )
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        Just(Verdict::Accept),
        Just(Verdict::RequestChanges),
        Just(Verdict::Comment)
    ]
}

fn review() -> impl Strategy<Value = Review> {
    (
        (any::<u32>(), awkward(), awkward(), awkward()),
        (kind(), verdict(), awkward(), awkward()),
    )
        .prop_map(
            |((revision, digest, step, actor), (reviewer, verdict, at, note))| Review {
                revision,
                digest,
                step,
                actor,
                reviewer,
                verdict,
                at,
                note,
            },
        )
}

fn decision() -> impl Strategy<Value = Decision> {
    (
        any::<u32>(),
        awkward(),
        awkward(),
        prop_oneof![Just(Outcome::Approve), Just(Outcome::Reject)],
        awkward(),
        awkward(),
    )
        .prop_map(|(revision, digest, actor, outcome, at, note)| Decision {
            revision,
            digest,
            actor,
            outcome,
            at,
            note,
        })
}

fn check() -> impl Strategy<Value = Check> {
    (
        (any::<u32>(), awkward(), awkward(), awkward(), any::<bool>()),
        (
            prop::collection::vec(awkward(), 0..3),
            prop::option::of(any::<i32>()),
            any::<bool>(),
        ),
        (awkward(), 0..=i64::MAX as u64, any::<bool>(), awkward()),
    )
        .prop_map(
            |(
                (revision, digest, step, actor, pass),
                (command, exit_status, timed_out),
                (output_sha256, output_size, truncated, at),
            )| Check {
                revision,
                digest,
                step,
                actor,
                outcome: if pass {
                    CheckOutcome::Pass
                } else {
                    CheckOutcome::Fail
                },
                command,
                exit_status,
                timed_out,
                output_sha256,
                output_size,
                truncated,
                at,
            },
        )
}

fn reopen() -> impl Strategy<Value = Reopen> {
    (awkward(), awkward(), awkward()).prop_map(|(actor, at, note)| Reopen { actor, at, note })
}

/// Any task value: the file format itself checks no content, so every string is awkward.
fn task() -> impl Strategy<Value = Task> {
    (
        (awkward(), awkward(), awkward(), any::<bool>(), awkward()),
        (
            awkward(),
            awkward(),
            awkward(),
            awkward(),
            prop::option::of(awkward()),
        ),
        (
            prop::collection::vec(input(), 0..3),
            prop::collection::vec(assignment(), 0..3),
            prop::collection::vec(revision(), 0..3),
            prop::collection::vec(review(), 0..3),
            prop::collection::vec(decision(), 0..3),
            prop::collection::vec(reopen(), 0..2),
            prop::collection::vec(check(), 0..2),
        ),
    )
        .prop_map(
            |(
                (id, title, workflow, closed, step),
                (owner, approver, created_by, created_at, entered_at),
                (inputs, assignments, revisions, reviews, decisions, reopens, checks),
            )| Task {
                id,
                title,
                workflow,
                state: if closed {
                    TaskState::Closed
                } else {
                    TaskState::Open
                },
                step,
                owner,
                approver,
                created_by,
                created_at,
                entered_at,
                inputs,
                assignments,
                revisions,
                reviews,
                decisions,
                reopens,
                checks,
            },
        )
}

fn proposal() -> impl Strategy<Value = Proposal> {
    (
        ("P-[0-9a-f]{6,40}", awkward(), awkward(), awkward()),
        (awkward(), awkward()),
        prop::collection::vec(
            (awkward(), awkward()).prop_map(|(path, text)| ProposedFile { path, text }),
            0..3,
        ),
        prop::collection::vec(
            (awkward(), awkward(), awkward()).prop_map(|(actor, at, digest)| Endorsement {
                actor,
                at,
                digest,
            }),
            0..3,
        ),
    )
        .prop_map(
            |((id, by, at, note), (base, digest), files, endorsements)| Proposal {
                id,
                by,
                at,
                note,
                base,
                digest,
                files,
                endorsements,
            },
        )
}

fn parse_policy(text: &str) -> Result<Policy, toml::de::Error> {
    toml::from_str(text)
}

/// A whole valid `.wf/`: the marker, actors with their signers file, a policy the admins can
/// meet, workflows named by their files, proposals named by theirs.
fn store() -> impl Strategy<Value = (Actors, Policy, Vec<Workflow>, Vec<Proposal>)> {
    (
        actors(),
        any::<u32>(),
        prop::collection::vec(workflow(), 0..3),
        prop::collection::vec(proposal(), 0..3),
    )
        .prop_map(|(mut actors, quorum, workflows, proposals)| {
            // The first actor is human: make it an admin so the store has one.
            let first = &mut actors.actors[0];
            if !first.is_admin() {
                first.roles.push(wf_core::actor::ADMIN_ROLE.into());
            }
            let admins = actors
                .actors
                .iter()
                .filter(|a| a.is_admin() && a.is_human())
                .count() as u32;
            let mut by_name = BTreeMap::new();
            for w in workflows {
                by_name.insert(w.name.clone(), w);
            }
            let mut by_id = BTreeMap::new();
            for mut p in proposals {
                // A proposal's files are what the tools write (`policy::load` checks them).
                for (j, f) in p.files.iter_mut().enumerate() {
                    *f = match j % 3 {
                        0 => ProposedFile {
                            path: policy::ACTORS_FILE.into(),
                            text: actors.to_toml(),
                        },
                        1 => ProposedFile {
                            path: policy::POLICY_FILE.into(),
                            text: Policy::default().to_toml(),
                        },
                        _ => ProposedFile {
                            path: ".wf/workflows/default.toml".into(),
                            text: Workflow::default_workflow().to_toml(),
                        },
                    };
                }
                by_id.insert(p.id.clone(), p);
            }
            (
                actors,
                Policy {
                    admins_required: 1 + quorum % admins,
                },
                by_name.into_values().collect(),
                by_id.into_values().collect(),
            )
        })
}

fn files_of(
    actors: &Actors,
    policy: &Policy,
    workflows: &[Workflow],
    proposals: &[Proposal],
) -> Files {
    let mut f: Files = BTreeMap::new();
    f.insert(
        policy::STORE_FILE.into(),
        policy::store_marker().into_bytes(),
    );
    f.insert(policy::ACTORS_FILE.into(), actors.to_toml().into_bytes());
    f.insert(
        policy::SIGNERS_FILE.into(),
        actors.allowed_signers().into_bytes(),
    );
    f.insert(policy::POLICY_FILE.into(), policy.to_toml().into_bytes());
    for w in workflows {
        f.insert(
            format!("{}{}.toml", policy::WORKFLOWS_DIR, w.name),
            w.to_toml().into_bytes(),
        );
    }
    for p in proposals {
        f.insert(Proposal::path(&p.id), p.to_toml().into_bytes());
    }
    f
}

/// Every parser of the core, fed one text: none may panic.
fn parse_everything(text: &str) {
    let _ = Task::parse_canonical(text);
    let _ = Task::parse(text);
    let _ = Actors::parse(text);
    let _ = Workflow::parse(text);
    let _ = Proposal::parse(text);
    let _ = parse_policy(text);
    let _ = policy::check_marker(text);
    let _ = policy::check_proposal_id(text);
    let _ = trailer::parse(text);
    let _ = wf_core::verify::note_of(text);
    let _ = Timestamp::parse(text);
    let _ = wf_core::template::check(text);
    let _ = wf_core::actor::key_identity(text);
    let _ = text.parse::<ActorKind>();
    let _ = wf_core::id::check_actor_id(text);
    let _ = wf_core::id::check_name(text);
    let _ = wf_core::id::check_task_id(text);
    let _ = wf_core::id::task_prefix(text);
    let _ = wf_core::id::check_file_name(text);
    let _ = wf_core::policy::is_content_path(text);
}

proptest! {
    #![proptest_config(crate::common::config(256, "proptest-regressions/props/formats.txt"))]

    #[test]
    fn task_files_round_trip(t in task()) {
        let text = t.to_toml();
        let back = Task::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&t), "{}", text);
        prop_assert_eq!(back.unwrap().to_toml(), text);
    }

    /// The verifier's fast reader of canonical task files reads every task file the tools write,
    /// to the task the toml crate reads from it.
    #[test]
    fn the_canonical_reader_reads_every_task_file(t in task()) {
        let text = t.to_toml();
        prop_assert_eq!(Task::parse_canonical(&text), Some(t), "{}", text);
    }

    /// On any other text it gives up or agrees with the toml crate: never another task.
    #[test]
    fn the_canonical_reader_agrees_with_toml_on_a_mutated_file(
        text in mutated(task().prop_map(|t| t.to_toml()))
    ) {
        if let Some(t) = Task::parse_canonical(&text) {
            prop_assert_eq!(Task::parse(&text).ok(), Some(t), "{}", text);
        }
    }

    /// `Task::to_toml`, written field by field, is what `toml::to_string` writes for the task,
    /// byte for byte: the canonical form is toml's, and a task file the verifier accepts by
    /// writing it again is one the toml crate reads as that task (the round trip above).
    #[test]
    fn task_files_are_written_as_toml_writes_them(t in task()) {
        prop_assert_eq!(t.to_toml(), toml::to_string(&t).unwrap());
    }

    /// The canonical text of a task is what toml 0.8 wrote: histories made before the move to
    /// toml 1 keep verifying, since the verifier compares bytes (`spec/store.md`).
    #[test]
    fn task_files_are_written_as_toml_0_8_wrote_them(t in task()) {
        prop_assert_eq!(t.to_toml(), toml08::to_string(&t).unwrap());
    }

    #[test]
    fn policy_files_are_written_as_toml_0_8_wrote_them(
        a in actors(),
        w in workflow(),
        p in proposal(),
    ) {
        prop_assert_eq!(a.to_toml(), toml08::to_string(&a).unwrap());
        prop_assert_eq!(w.to_toml(), toml08::to_string(&w).unwrap());
        prop_assert_eq!(p.to_toml(), toml08::to_string(&p).unwrap());
    }

    #[test]
    fn actors_files_round_trip(a in actors()) {
        prop_assert_eq!(a.validate(), Ok(()), "the generator makes valid actors");
        let text = a.to_toml();
        let back = Actors::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&a), "{}", text);
        prop_assert_eq!(back.unwrap().to_toml(), text);
        // Every key is found again, whatever its comment.
        for actor in &a.actors {
            for k in &actor.keys {
                prop_assert_eq!(a.by_key(k).map(|x| &x.id), Some(&actor.id));
            }
        }
    }

    /// Whatever a caller puts in a value, once it validates it serialises (TOML integers are
    /// i64, the run timeout is a u64).
    #[test]
    fn valid_actors_files_serialise(a in actors(), timeout in any::<u64>()) {
        let mut a = a;
        for x in &mut a.actors {
            if let Some(r) = &mut x.run {
                r.timeout = Some(timeout);
            }
        }
        if a.validate().is_ok() {
            let text = std::panic::catch_unwind(|| a.to_toml());
            prop_assert!(text.is_ok(), "a valid actors file does not serialise");
            prop_assert_eq!(Actors::parse(&text.unwrap()), Ok(a));
        }
    }

    #[test]
    fn workflow_files_round_trip(w in workflow()) {
        prop_assert_eq!(w.validate(), Ok(()), "the generator makes valid workflows");
        let text = w.to_toml();
        let back = Workflow::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&w), "{}", text);
        prop_assert_eq!(back.unwrap().to_toml(), text);
    }

    #[test]
    fn policy_files_round_trip(n in any::<u32>()) {
        let p = Policy { admins_required: n };
        let text = p.to_toml();
        let back = parse_policy(&text);
        prop_assert_eq!(back.as_ref().ok(), Some(&p), "{}", text);
        prop_assert_eq!(back.unwrap().to_toml(), text);
    }

    #[test]
    fn proposal_files_round_trip(p in proposal()) {
        let text = p.to_toml();
        let back = Proposal::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&p), "{}", text);
        prop_assert_eq!(back.unwrap().to_toml(), text);
        prop_assert_eq!(policy::check_proposal_id(&p.id), Ok(()));
    }

    /// The whole `.wf/` loads back into the values it was written from.
    #[test]
    fn a_policy_tree_loads_back((actors, policy, workflows, proposals) in store()) {
        let files = files_of(&actors, &policy, &workflows, &proposals);
        let loaded = policy::load(&files);
        prop_assert!(loaded.is_ok(), "{:?}", loaded.err());
        let loaded = loaded.unwrap();
        prop_assert_eq!(&loaded.actors, &actors);
        prop_assert_eq!(&loaded.policy, &policy);
        prop_assert_eq!(loaded.workflows.into_values().collect::<Vec<_>>(), workflows);
        prop_assert_eq!(loaded.proposals.into_values().collect::<Vec<_>>(), proposals);
    }

    /// A commit message keeps its trailers and its note, folded to one line each.
    #[test]
    fn messages_give_back_their_trailers_and_note(
        subject in awkward(),
        note in awkward(),
        trailers in prop::collection::vec(("[A-Za-z0-9][A-Za-z0-9-]{0,20}", awkward()), 1..8),
    ) {
        let pairs: Vec<(&str, String)> =
            trailers.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let m = trailer::message(&subject, &note, &pairs);
        let want: Vec<(String, String)> = trailers
            .iter()
            .map(|(k, v)| (k.clone(), wf_core::text::one_line(v)))
            .collect();
        let subject_line = wf_core::text::one_line(&subject);
        prop_assert_eq!(m.lines().next(), Some(subject_line.as_str()));
        // As for git, a subject that is a patch divider (`---` and a blank) leaves no message;
        // wf's subjects start with `wf: `.
        let divider = subject_line == "---" || subject_line.starts_with("--- ");
        let got = trailer::parse(&m);
        if divider {
            prop_assert!(got.is_empty(), "{:?}", m);
        } else {
            prop_assert_eq!(got, want, "{:?}", m);
        }
        prop_assert_eq!(wf_core::verify::note_of(&m), wf_core::text::one_line(&note));
    }

    #[test]
    fn folded_text_is_one_line_and_stable(s in awkward()) {
        let f = wf_core::text::one_line(&s);
        prop_assert!(!f.contains(['\n', '\r']) && f.trim() == f);
        prop_assert_eq!(wf_core::text::one_line(&f), f.clone());
        let p = wf_core::text::printable(&s);
        prop_assert_eq!(wf_core::text::printable(&p), p.clone());
        prop_assert_eq!(wf_core::text::one_line(&p), f);
    }

    #[test]
    fn one_line_text_needs_no_folding(s in one_line_text()) {
        prop_assert_eq!(wf_core::text::one_line(&s), s);
    }

    /// Every instant from year 0 to 9999 prints as RFC 3339 and parses back.
    #[test]
    fn timestamps_round_trip(secs in -62_167_219_200i64..=253_402_300_799) {
        let t = Timestamp(secs);
        let text = t.rfc3339();
        prop_assert_eq!(Timestamp::parse(&text), Some(t), "{}", text);
        prop_assert_eq!(Timestamp::parse(&format!("@{secs} +0000")), Some(t));
    }

    #[test]
    fn ids_and_names_pass_their_checks(id in actor_id(), n in name(), h in "[0-9a-f]{6,40}") {
        prop_assert!(wf_core::id::check_actor_id(&id).is_ok());
        prop_assert!(wf_core::id::check_name(&n).is_ok());
        let task = format!("T-{h}");
        prop_assert!(wf_core::id::check_task_id(&task).is_ok());
        prop_assert_eq!(wf_core::id::task_prefix(&task.to_uppercase()[2..]), Ok(task));
    }

    #[test]
    fn no_parser_panics_on_any_text(text in awkward()) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
        let mut files: Files = BTreeMap::new();
        files.insert(policy::STORE_FILE.into(), bytes.clone());
        files.insert(policy::ACTORS_FILE.into(), bytes);
        let _ = policy::load(&files);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_task_file(text in mutated(task().prop_map(|t| t.to_toml()))) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_actors_file(text in mutated(actors().prop_map(|a| a.to_toml()))) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_workflow(text in mutated(workflow().prop_map(|w| w.to_toml()))) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_proposal(text in mutated(proposal().prop_map(|p| p.to_toml()))) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_message(
        text in mutated(
            (awkward(), awkward(), prop::collection::vec(("Wf-[A-Z][a-z]{1,8}", awkward()), 0..5))
                .prop_map(|(s, n, t)| {
                    let pairs: Vec<(&str, String)> = t.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                    trailer::message(&s, &n, &pairs)
                })
        )
    ) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_mutated_date(
        text in mutated(
            (-62_167_219_200i64..=253_402_300_799, -1439i64..1440).prop_map(|(s, off)| {
                let t = Timestamp(s).rfc3339();
                let sign = if off < 0 { '-' } else { '+' };
                let o = off.abs();
                format!("{}{sign}{:02}:{:02}", &t[..19], o / 60, o % 60)
            })
        )
    ) {
        parse_everything(&text);
    }

    #[test]
    fn no_parser_panics_on_a_date_with_an_odd_offset(
        secs in -62_167_219_200i64..=253_402_300_799,
        offset in "[+-][0-9: aé𝄞]{0,6}",
    ) {
        parse_everything(&format!("{}{offset}", &Timestamp(secs).rfc3339()[..19]));
    }

    #[test]
    fn a_mutated_policy_tree_loads_or_is_refused(
        files in store().prop_flat_map(|(a, p, w, pr)| {
            let files = files_of(&a, &p, &w, &pr);
            let paths: Vec<String> = files.keys().cloned().collect();
            (Just(files), prop::sample::select(paths)).prop_flat_map(|(files, path)| {
                let text = String::from_utf8_lossy(&files[&path]).into_owned();
                mutated(Just(text)).prop_map(move |t| {
                    let mut f = files.clone();
                    f.insert(path.clone(), t.into_bytes());
                    f
                })
            })
        })
    ) {
        let _ = policy::load(&files);
    }
}
