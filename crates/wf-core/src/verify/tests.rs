//! Tests of the verifier's judgement on values. The exhaustive search of `rules/tests.rs` and the
//! property tests also call [`crate::fixtures::replays`] on every transition they find allowed,
//! so the verifier accepts what the tools write, and rejects the same commit with its action,
//! signer or output changed.

use super::*;

fn unit(a: &str) -> Unit {
    (Some(a.to_string()), None)
}

#[test]
fn a_merge_takes_each_unit_from_the_side_that_changed_it() {
    let base: Units = [
        ("T-aaaaaa".to_string(), unit("1")),
        (".wf".to_string(), unit("w")),
    ]
    .into();
    let mut left = base.clone();
    left.insert("T-aaaaaa".into(), unit("2"));
    let mut right = base.clone();
    right.insert("T-bbbbbb".into(), unit("9"));
    let mut merged = left.clone();
    merged.insert("T-bbbbbb".into(), unit("9"));
    check_merge(
        &[Some(base.clone())],
        &[Some(left.clone()), Some(right.clone())],
        Some(&merged),
    )
    .unwrap();
    // A change neither parent had.
    let mut sneaky = merged.clone();
    sneaky.insert(".wf".into(), unit("evil"));
    assert_eq!(
        check_merge(
            &[Some(base.clone())],
            &[Some(left.clone()), Some(right.clone())],
            Some(&sneaky)
        )
        .unwrap_err()
        .check,
        Check::Merge
    );
    // Silently reverting one side's change.
    let mut revert = merged.clone();
    revert.insert("T-aaaaaa".into(), unit("1"));
    assert!(check_merge(
        &[Some(base.clone())],
        &[Some(left.clone()), Some(right.clone())],
        Some(&revert)
    )
    .is_err());
    // Both sides changed the same task: left for the replay of both lines to judge, except in
    // .wf/, or with several merge bases.
    let mut right2 = right.clone();
    right2.insert("T-aaaaaa".into(), unit("3"));
    assert_eq!(
        check_merge(
            &[Some(base.clone())],
            &[Some(left.clone()), Some(right2.clone())],
            Some(&right2)
        )
        .unwrap(),
        vec!["T-aaaaaa".to_string()]
    );
    assert!(check_merge(
        &[Some(base.clone()), Some(base.clone())],
        &[Some(left.clone()), Some(right2.clone())],
        Some(&right2)
    )
    .is_err());
    let mut wf2 = right.clone();
    wf2.insert(".wf".into(), unit("w2"));
    let mut wf1 = left.clone();
    wf1.insert(".wf".into(), unit("w1"));
    assert!(check_merge(
        &[Some(base.clone())],
        &[Some(wf1), Some(wf2.clone())],
        Some(&wf2)
    )
    .is_err());
    // Nothing comes from a history without a store, and two roots of trust never join.
    let planted: Units = [("T-0bad00".to_string(), unit("x"))].into();
    let mut took = left.clone();
    took.insert("T-0bad00".into(), unit("x"));
    assert!(check_merge(&[], &[Some(left.clone()), None], Some(&took)).is_err());
    check_merge(&[], &[Some(left.clone()), None], Some(&left)).unwrap();
    assert!(check_merge(
        &[],
        &[Some(left.clone()), Some(planted.clone())],
        Some(&planted)
    )
    .is_err());
    // A merge never drops the store.
    assert!(check_merge(&[Some(base.clone())], &[Some(left.clone()), None], None).is_err());
}

#[test]
fn a_criss_cross_merge_judges_each_unit_against_every_base() {
    // Two bases: in one, A is at 1 and B at 5; in the other, A at 2 and B at 4. Main moved A
    // to 3 after both; the branch moved B to 6. Each parent changed one unit since a base.
    let b1: Units = [
        ("T-a".to_string(), unit("1")),
        ("T-b".to_string(), unit("5")),
    ]
    .into();
    let b2: Units = [
        ("T-a".to_string(), unit("2")),
        ("T-b".to_string(), unit("4")),
    ]
    .into();
    let main: Units = [
        ("T-a".to_string(), unit("3")),
        ("T-b".to_string(), unit("5")),
    ]
    .into();
    let pr: Units = [
        ("T-a".to_string(), unit("2")),
        ("T-b".to_string(), unit("6")),
    ]
    .into();
    let merged: Units = [
        ("T-a".to_string(), unit("3")),
        ("T-b".to_string(), unit("6")),
    ]
    .into();
    let bases = [Some(b1), Some(b2)];
    let parents = [Some(main.clone()), Some(pr.clone())];
    check_merge(&bases, &parents, Some(&merged)).unwrap();
    // Parents that disagree while neither changed anything since a base: refused.
    let stale: Units = [
        ("T-a".to_string(), unit("1")),
        ("T-b".to_string(), unit("4")),
    ]
    .into();
    assert!(check_merge(&bases, &[Some(stale.clone()), Some(pr)], Some(&stale)).is_err());
}

#[test]
fn identify_needs_the_key_of_the_named_actor() {
    let a = Actors {
        actors: vec![Actor {
            id: "alice".into(),
            name: "Alice".into(),
            email: "alice@example.com".into(),
            kind: crate::actor::ActorKind::Human,
            roles: vec!["admin".into()],
            model: None,
            operator: None,
            keys: vec!["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAalice000000000000 alice".into()],
            run: None,
        }],
    };
    let msg = "wf: x\n\nWf-Action: assign\nWf-Actor: alice\nWf-Actor-Kind: human\n";
    let h = Header::new(
        msg,
        ("Alice", "alice@example.com"),
        ("Alice", "alice@example.com"),
        Timestamp(0),
    );
    let k = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAalice000000000000";
    assert_eq!(identify(&a, k, &h).unwrap().id, "alice");
    let unknown = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAmallory0000000000";
    assert_eq!(
        identify(&a, unknown, &h).unwrap_err().check,
        Check::UnknownKey
    );
    let bob_says = msg.replace("Wf-Actor: alice", "Wf-Actor: bob");
    let h2 = Header::new(&bob_says, h.author, h.committer, h.time);
    assert_eq!(identify(&a, k, &h2).unwrap_err().check, Check::WrongSigner);
    let h3 = Header::new(msg, ("Bob", "bob@example.com"), h.committer, h.time);
    assert_eq!(identify(&a, k, &h3).unwrap_err().check, Check::WrongSigner);
}

#[test]
fn one_action_time_in_utc_and_a_store_that_begins_without_tasks() {
    check_dates((100, "+0000"), (100, "+0000")).unwrap();
    for (a, c) in [
        ((99, "+0000"), (100, "+0000")),
        ((100, "+0100"), (100, "+0000")),
        ((100, "+0100"), (100, "+0100")),
    ] {
        assert_eq!(check_dates(a, c).unwrap_err().check, Check::Mismatch);
    }
    check_founding_tree(false).unwrap();
    assert_eq!(
        Problem::from(check_founding_tree(true).unwrap_err()).check,
        Check::Rule(Rule::TaskScope)
    );
}

/// A revision `wf-run` records claims the digest of the prompt wf renders from the task before
/// it: the verifier renders it again and refuses any other digest, inputs or previous
/// revision; a prompt given by hand (no run) stays a claim.
#[test]
fn a_run_claims_the_prompt_wf_renders_from_the_task_before_it() {
    use std::collections::BTreeMap;

    use crate::digest::sha256_hex;
    use crate::task::{Input, Revision, Run};
    let w = crate::Workflow::default_workflow();
    let mut before = crate::fixtures::fresh_task("Launch");
    before.inputs.push(Input {
        name: "brief".into(),
        text: None,
        file: Some("brief".into()),
        sha256: sha256_hex(b"the brief\n"),
    });
    let files: BTreeMap<String, Vec<u8>> = [("in/brief".into(), b"the brief\n".to_vec())].into();
    let rendered = crate::prompt::render_task(&w, &before, &files).unwrap();
    assert!(rendered.text.contains("the brief"), "{}", rendered.text);
    let mut after = before.clone();
    after.revisions.push(Revision {
        number: 1,
        step: "draft".into(),
        actor: "bot".into(),
        producer: crate::ActorKind::Ai,
        model: Some("m".into()),
        prompt_sha256: Some(sha256_hex(rendered.text.as_bytes())),
        at: "2026-11-24T00:01:00Z".into(),
        digest: "sha256:00".into(),
        note: String::new(),
        artifacts: vec![],
        run: Some(Run {
            command: vec!["agent".into()],
            started_at: "2026-11-24T00:00:00Z".into(),
            ended_at: "2026-11-24T00:01:00Z".into(),
            exit_status: 0,
            revision_digest: None,
            inputs: rendered.inputs.clone(),
        }),
    });
    check_prompt(&w, &before, &after, Some(&files)).unwrap();
    let refused = |a: &crate::Task, f: Option<&BTreeMap<String, Vec<u8>>>| {
        check_prompt(&w, &before, a, f).unwrap_err()
    };
    // The prompt of another brief than the one the task holds.
    let mut other = files.clone();
    other.insert("in/brief".into(), b"another brief\n".to_vec());
    assert!(refused(&after, Some(&other)).contains("a prompt wf would not have rendered"));
    // A digest wf never rendered.
    let mut forged = after.clone();
    forged.revisions[0].prompt_sha256 = Some(sha256_hex(b"a prompt of my own"));
    let why = refused(&forged, Some(&files));
    assert!(why.contains("a prompt wf would not have rendered"), "{why}");
    // Inputs, or a previous revision, other than the prompt was rendered from.
    let mut forged = after.clone();
    forged.revisions[0].run.as_mut().unwrap().inputs[0].sha256 = "0".repeat(64);
    assert!(refused(&forged, Some(&files)).contains("records inputs other than"));
    let mut forged = after.clone();
    forged.revisions[0].run.as_mut().unwrap().revision_digest = Some("sha256:11".into());
    assert!(refused(&forged, Some(&files)).contains("previous revision other than"));
    // The files were not read: never a pass.
    assert!(refused(&after, None).contains("were not read"));
    // A prompt given by hand is the submitter's claim: not checked.
    let mut claim = forged.clone();
    claim.revisions[0].run = None;
    check_prompt(&w, &before, &claim, None).unwrap();
}
