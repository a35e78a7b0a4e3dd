//! Tests of policy changes: who may change `.wf/`, and the admin quorum.

use super::*;
use crate::actor::Actors;
use crate::rules::Rule;
use crate::time::Timestamp;
use crate::workflow::Workflow;

const AT: Timestamp = Timestamp(1_795_497_415);

use crate::fixtures::human;

fn files(actors: &Actors, policy: Option<&Policy>) -> Files {
    let mut f = Files::new();
    f.insert(STORE_FILE.into(), store_marker().into_bytes());
    f.insert(ACTORS_FILE.into(), actors.to_toml().into_bytes());
    f.insert(SIGNERS_FILE.into(), actors.allowed_signers().into_bytes());
    f.insert(
        format!("{WORKFLOWS_DIR}default.toml"),
        Workflow::default_workflow().to_toml().into_bytes(),
    );
    if let Some(p) = policy {
        f.insert(POLICY_FILE.into(), p.to_toml().into_bytes());
    }
    f
}

fn team() -> Actors {
    Actors {
        actors: vec![
            human("alice", &["admin", "requester"]),
            human("bob", &["admin"]),
            human("carol", &["reviewer"]),
        ],
    }
}

fn with_role(a: &Actors, id: &str, role: &str) -> Actors {
    let mut a = a.clone();
    a.actors
        .iter_mut()
        .find(|x| x.id == id)
        .unwrap()
        .roles
        .push(role.into());
    a
}

#[test]
fn only_an_admin_of_the_old_policy_changes_actors() {
    let before = files(&team(), None);
    let after = files(&with_role(&team(), "carol", "admin"), None);
    let carol = human("carol", &["reviewer", "admin"]);
    let subject = PolicyAction::Actor {
        subject: "carol".into(),
    };
    // carol grants herself admin: judged under the old file, where she is not one.
    let r = decide_policy(Some(&before), &after, &carol, &subject, AT).unwrap_err();
    assert_eq!(r.rule, Rule::Admin);
    let alice = human("alice", &["admin", "requester"]);
    decide_policy(Some(&before), &after, &alice, &subject, AT).unwrap();
    // The subject must be the only actor changed.
    let other = PolicyAction::Actor {
        subject: "bob".into(),
    };
    let r = decide_policy(Some(&before), &after, &alice, &other, AT).unwrap_err();
    assert_eq!(r.rule, Rule::TaskScope);
}

#[test]
fn a_workflow_without_human_approval_is_refused_even_for_an_admin() {
    let before = files(&team(), None);
    let mut after = before.clone();
    let mut w = Workflow::default_workflow();
    w.steps.pop();
    after.insert(
        format!("{WORKFLOWS_DIR}default.toml"),
        toml::to_string(&w).unwrap().into_bytes(),
    );
    let alice = human("alice", &["admin", "requester"]);
    let r = decide_policy(Some(&before), &after, &alice, &PolicyAction::Set, AT).unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    assert!(r.reason.contains("approve"), "{}", r.reason);
    let carol = human("carol", &["reviewer"]);
    let r = decide_policy(Some(&before), &after, &carol, &PolicyAction::Set, AT);
    assert!(r.is_err());
}

fn propose(before: &Files, by: &str, new_actors: &Actors) -> (Proposal, Files) {
    let mut p = Proposal {
        id: "P-abc123".into(),
        by: by.into(),
        at: AT.rfc3339(),
        note: "carol helps".into(),
        base: base_digest(before),
        digest: String::new(),
        files: vec![ProposedFile {
            path: ACTORS_FILE.into(),
            text: new_actors.to_toml(),
        }],
        endorsements: vec![],
    };
    p.digest = p.compute_digest();
    let mut after = before.clone();
    after.insert(Proposal::path(&p.id), p.to_toml().into_bytes());
    (p, after)
}

#[test]
fn with_a_quorum_of_two_a_change_needs_a_second_admin() {
    let two = Policy { admins_required: 2 };
    let before = files(&team(), Some(&two));
    let new_actors = with_role(&team(), "carol", "admin");
    let alice = human("alice", &["admin", "requester"]);
    let bob = human("bob", &["admin"]);
    // Direct changes are refused.
    let direct = files(&new_actors, Some(&two));
    let r = decide_policy(
        Some(&before),
        &direct,
        &alice,
        &PolicyAction::Actor {
            subject: "carol".into(),
        },
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Admin);
    // alice proposes.
    let (p, proposed) = propose(&before, "alice", &new_actors);
    let id = PolicyAction::Propose { id: p.id.clone() };
    decide_policy(Some(&before), &proposed, &alice, &id, AT).unwrap();
    // alice cannot sign twice.
    let mut applied = apply_files(&proposed, &p.files);
    applied.remove(&Proposal::path(&p.id));
    let apply = PolicyAction::Apply { id: p.id.clone() };
    let r = decide_policy(Some(&proposed), &applied, &alice, &apply, AT).unwrap_err();
    assert_eq!(r.rule, Rule::NoSelfReview);
    // bob's signature completes the quorum: applying is allowed, a mere endorsement is not.
    decide_policy(Some(&proposed), &applied, &bob, &apply, AT).unwrap();
    let mut q = p.clone();
    q.endorsements.push(Endorsement {
        actor: "bob".into(),
        at: AT.rfc3339(),
        digest: p.digest.clone(),
    });
    let mut endorsed = proposed.clone();
    endorsed.insert(Proposal::path(&p.id), q.to_toml().into_bytes());
    let r = decide_policy(
        Some(&proposed),
        &endorsed,
        &bob,
        &PolicyAction::Endorse { id: p.id.clone() },
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    // Applying something other than the proposal is refused.
    let mut sneaky = applied.clone();
    sneaky.insert(
        ACTORS_FILE.into(),
        with_role(&new_actors, "carol", "requester")
            .to_toml()
            .into_bytes(),
    );
    let r = decide_policy(Some(&proposed), &sneaky, &bob, &apply, AT).unwrap_err();
    assert_eq!(r.rule, Rule::TaskScope, "{r:?}");
}

#[test]
fn a_proposal_made_against_an_older_policy_does_not_apply() {
    let two = Policy { admins_required: 2 };
    let before = files(&team(), Some(&two));
    let (p, proposed) = propose(&before, "alice", &with_role(&team(), "carol", "admin"));
    // Meanwhile the workflows changed (by another applied proposal).
    let mut moved = proposed.clone();
    let mut w = Workflow::default_workflow();
    w.name = "other".into();
    moved.insert(
        format!("{WORKFLOWS_DIR}other.toml"),
        w.to_toml().into_bytes(),
    );
    let mut applied = apply_files(&moved, &p.files);
    applied.remove(&Proposal::path(&p.id));
    let bob = human("bob", &["admin"]);
    let r = decide_policy(
        Some(&moved),
        &applied,
        &bob,
        &PolicyAction::Apply { id: p.id.clone() },
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::DigestBinding);
}

#[test]
fn load_refuses_files_wf_does_not_write_and_stale_signers() {
    let good = files(&team(), None);
    assert!(load(&good).is_ok());
    let mut extra = good.clone();
    extra.insert(".wf/notes.txt".into(), b"hi".to_vec());
    assert!(load(&extra).unwrap_err().contains("unexpected file"));
    let mut stale = good.clone();
    stale.insert(SIGNERS_FILE.into(), b"x".to_vec());
    assert!(load(&stale).unwrap_err().contains("not generated"));
    let too_many = files(&team(), Some(&Policy { admins_required: 3 }));
    assert!(load(&too_many).unwrap_err().contains("admins_required"));
}

/// Found by a red-team helper: `.wf/` files that parse to a valid policy but are not the text
/// wf writes (a BOM, CRLF, a comment, an escape that hides a word) are refused, in the store
/// and inside a proposal, where `"\u0061dmin"` hid an admin grant from the endorsing admin.
#[test]
fn load_refuses_policy_files_not_in_the_form_wf_writes() {
    let good = files(&team(), None);
    let actors = team().to_toml();
    let workflow = format!("{WORKFLOWS_DIR}default.toml");
    let policy = Policy { admins_required: 2 }.to_toml();
    for (path, text) in [
        (ACTORS_FILE.to_string(), format!("\u{feff}{actors}")),
        (ACTORS_FILE.to_string(), actors.replace('\n', "\r\n")),
        (ACTORS_FILE.to_string(), format!("# hand written\n{actors}")),
        (
            ACTORS_FILE.to_string(),
            actors.replacen("\"admin\"", "\"\\u0061dmin\"", 1),
        ),
        (ACTORS_FILE.to_string(), format!("{actors}\n")),
        (
            workflow.clone(),
            format!("{}# more\n", Workflow::default_workflow().to_toml()),
        ),
        (
            POLICY_FILE.to_string(),
            policy.replace("admins_required = 2", "admins_required = +2"),
        ),
    ] {
        let mut f = good.clone();
        f.insert(path.clone(), text.into_bytes());
        if path == POLICY_FILE {
            f.insert(ACTORS_FILE.into(), actors.clone().into_bytes());
        }
        let e = load(&f).unwrap_err();
        assert!(e.contains("not in the form wf writes"), "{path}: {e}");
    }
    // The same text inside a proposal: refused as the proposal's.
    let grant = with_role(&team(), "carol", "admin").to_toml();
    let hidden = grant.replacen("\"admin\"", "\"\\u0061dmin\"", 3);
    assert_ne!(hidden, grant);
    let sneaky = Actors::parse(&hidden).unwrap();
    assert!(
        sneaky.get("carol").unwrap().is_admin(),
        "the escape still grants admin"
    );
    let (mut p, _) = propose(&good, "alice", &sneaky);
    p.files[0].text = hidden;
    p.digest = p.compute_digest();
    let mut f = good.clone();
    f.insert(Proposal::path(&p.id), p.to_toml().into_bytes());
    let e = load(&f).unwrap_err();
    assert!(
        e.contains("the proposed .wf/actors.toml is not in the form wf writes"),
        "{e}"
    );
    // What the tools write loads.
    let (_, honest) = propose(&good, "alice", &with_role(&team(), "carol", "admin"));
    assert!(load(&honest).is_ok());
}

/// Found by a red-team helper: an AI actor registered with a human's name or email would have
/// its signed actions shown by git as the human's.
#[test]
fn two_actors_may_not_share_a_name_or_an_email() {
    let mut a = team();
    a.actors[2].email = "Alice@Example.com".into();
    let e = a.validate().unwrap_err().to_string();
    assert!(e.contains("alice and carol have the same email"), "{e}");
    let mut a = team();
    a.actors[2].name = " alice ".into();
    let e = a.validate().unwrap_err().to_string();
    assert!(e.contains("alice and carol have the same name"), "{e}");
    assert_eq!(team().validate(), Ok(()));
}

/// Names and emails a reader cannot tell apart count as the same: look-alike letters and
/// compatibility forms are refused as shared, invisible characters (which git shows as
/// nothing) are refused outright.
#[test]
fn two_actors_may_not_have_look_alike_names_or_emails() {
    let first = "Alice Moore";
    let name = |n: &str| {
        let mut a = team();
        a.actors[0].name = first.into();
        a.actors[2].name = n.into();
        a.validate().map_err(|e| e.to_string())
    };
    assert_eq!(name("Alice Moor"), Ok(()));
    // Cyrillic а and о for Latin a and o; fullwidth letters.
    let cyrillic = first.replace('a', "\u{430}").replace('o', "\u{43e}");
    let e = name(&cyrillic).unwrap_err();
    assert!(
        e.contains("have the same name, or ones that look alike"),
        "{e}"
    );
    let wide: String = first
        .chars()
        .map(|c| match c {
            'a'..='z' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41).unwrap(),
            c => c,
        })
        .collect();
    assert!(name(&wide).unwrap_err().contains("look alike"));
    for hidden in ["\u{200b}", "\u{202e}", "\u{feff}", "\u{e0041}", "\u{ad}"] {
        let e = name(&format!("Carol{hidden}")).unwrap_err();
        assert!(e.contains("invisible ones"), "{hidden:?}: {e}");
        let mut a = team();
        a.actors[2].email = format!("carol@example.com{hidden}");
        let e = a.validate().unwrap_err().to_string();
        assert!(e.contains("is not a plain address"), "{hidden:?}: {e}");
    }
    // Found by a red-team helper: capitals whose lower-case forms look like nothing Latin,
    // Latin capital I for l, a dotless i with a combining dot.
    for twin in [
        "\u{410}lice Moore",
        "AIice Moore",
        "Alice M\u{41e}\u{41e}re",
        "Al\u{131}\u{307}ce Moore",
    ] {
        let e = name(twin).unwrap_err();
        assert!(e.contains("look alike"), "{twin:?}: {e}");
    }
    let mut a = team();
    a.actors[0].name = "Bob B".into();
    a.actors[2].name = "\u{412}ob B".into();
    assert!(a.validate().unwrap_err().to_string().contains("look alike"));
    let mut a = team();
    a.actors[2].email = a.actors[0].email.replace('l', "I");
    assert!(a.validate().unwrap_err().to_string().contains("look alike"));
    // Emails are plain addresses: allowed_signers reads , * ? ! as patterns, and libgit2 trims
    // quotes and separators from the ends.
    for bad in [
        "alice@example.com,twin@example.com",
        "*@example.com",
        "\"carol@example.com\"",
        "carol@example.com;",
        "carol example@example.com",
        "car\u{f6}l@example.com",
        "carol",
        "@example.com",
    ] {
        let mut a = team();
        a.actors[2].email = bad.into();
        let e = a.validate().unwrap_err().to_string();
        assert!(e.contains("is not a plain address"), "{bad:?}: {e}");
    }
    for good in [
        "carol+wf@example.com",
        "c.a_r-o%l@sub.example-x.com",
        "carol@xn--bcher-kva.example",
    ] {
        let mut a = team();
        a.actors[2].email = good.into();
        assert_eq!(a.validate(), Ok(()), "{good:?}");
    }
    // Zero-width joiners spell names (Persian, Indic scripts).
    assert_eq!(
        name("\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}"),
        Ok(())
    );
    let mut a = team();
    a.actors[2].email = a.actors[0].email.replace('m', "rn");
    assert!(a.actors[2].email != a.actors[0].email);
    let e = a.validate().unwrap_err().to_string();
    assert!(
        e.contains("have the same email, or ones that look alike"),
        "{e}"
    );
    // Names that only share letters are fine.
    assert_eq!(name("Carol Ångström"), Ok(()));
}

/// Found by a red-team helper: an admin's `actor update` turned drafter-bot human, and the
/// history said only "actor update". An actor's kind never changes, directly or by proposal.
#[test]
fn an_actors_kind_never_changes() {
    let mut flipped = team();
    let carol = flipped.actors.iter_mut().find(|a| a.id == "carol").unwrap();
    carol.kind = crate::actor::ActorKind::Ai;
    carol.operator = Some("alice".into());
    carol.model = Some("m".into());
    assert_eq!(flipped.validate(), Ok(()));
    let alice = human("alice", &["admin", "requester"]);
    let before = files(&team(), None);
    let r = decide_policy(
        Some(&before),
        &files(&flipped, None),
        &alice,
        &PolicyAction::Actor {
            subject: "carol".into(),
        },
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    assert!(
        r.reason
            .contains("actor carol would change from human to ai: an actor's kind never changes"),
        "{r:?}"
    );
    let two = Policy { admins_required: 2 };
    let before = files(&team(), Some(&two));
    let (p, proposed) = propose(&before, "alice", &flipped);
    let r = decide_policy(
        Some(&before),
        &proposed,
        &alice,
        &PolicyAction::Propose { id: p.id },
        AT,
    )
    .unwrap_err();
    assert!(r.reason.contains("kind never changes"), "{r:?}");
}

/// `files` with the default workflow's description set to `text`.
fn with_description(files: &Files, text: &str) -> Files {
    let mut w = Workflow::default_workflow();
    w.description = text.into();
    let mut out = files.clone();
    out.insert(
        ".wf/workflows/default.toml".into(),
        w.to_toml().into_bytes(),
    );
    out
}

/// Found by a red-team helper: `wf sync` replayed a `.wf/` change by writing the whole files it
/// changed onto the upstream's, so alice's new key for carol undid the role another admin had
/// just removed from carol upstream. `carry_change` carries a change only where the upstream
/// did not change the same file (in actors.toml: the same actor) since.
#[test]
fn a_carried_policy_change_never_undoes_the_upstreams() {
    let was = files(&team(), None);
    let now = files(&with_role(&team(), "carol", "requester"), None);
    // Upstream unchanged: the change as made.
    assert_eq!(carry_change(&was, &now, &was).unwrap(), now);
    // Upstream already made the same change: nothing to undo (a red-team helper saw both admins
    // add one actor refused as "would undo").
    assert_eq!(carry_change(&was, &now, &now).unwrap(), now);
    // Upstream changed another actor: both changes, the upstream's order kept.
    let upstream = files(&with_role(&team(), "bob", "requester"), None);
    let both = files(
        &with_role(
            &with_role(&team(), "bob", "requester"),
            "carol",
            "requester",
        ),
        None,
    );
    assert_eq!(carry_change(&was, &now, &upstream).unwrap(), both);
    // Upstream changed the same actor: refused, naming it.
    let mut gone = team();
    gone.actors
        .iter_mut()
        .find(|a| a.id == "carol")
        .unwrap()
        .roles
        .clear();
    let e = carry_change(&was, &now, &files(&gone, None)).unwrap_err();
    assert!(e.starts_with("actor carol changed upstream since"), "{e}");
    // A workflow both changed: refused; another workflow changed upstream: carried.
    let local = with_description(&was, "mine");
    let up = with_description(&was, "theirs");
    let e = carry_change(&was, &local, &up).unwrap_err();
    assert!(
        e.starts_with(".wf/workflows/default.toml changed upstream"),
        "{e}"
    );
    let mut other = Workflow::default_workflow();
    other.name = "other".into();
    let mut up = was.clone();
    up.insert(
        ".wf/workflows/other.toml".into(),
        other.to_toml().into_bytes(),
    );
    let carried = carry_change(&was, &local, &up).unwrap();
    assert_eq!(
        carried.get(".wf/workflows/other.toml"),
        up.get(".wf/workflows/other.toml")
    );
    assert_eq!(
        carried.get(".wf/workflows/default.toml"),
        local.get(".wf/workflows/default.toml")
    );
}

/// A copy of an admin's change is recognised by what it changed, unit by unit: a rebase onto
/// a parent where another actor changed gives the same units; a copy whose parent holds another
/// version of what it changes does not (a red-team helper's copy undid another admin's change).
#[test]
fn change_units_name_the_change_whatever_else_the_parent_held() {
    let was = files(&team(), None);
    let now = files(&with_role(&team(), "carol", "requester"), None);
    let original = change_units(&was, &now).unwrap();
    assert_eq!(original.len(), 1, "{original:?}");
    // Rebased onto a parent where bob changed: the same change.
    let was2 = files(&with_role(&team(), "bob", "requester"), None);
    let now2 = files(
        &with_role(
            &with_role(&team(), "bob", "requester"),
            "carol",
            "requester",
        ),
        None,
    );
    assert_eq!(change_units(&was2, &now2).unwrap(), original);
    // A copy onto a parent where carol already differs: another change.
    let mut other = team();
    other.actors[2].roles.clear();
    let was3 = files(&other, None);
    assert_ne!(change_units(&was3, &now).unwrap(), original);
    // Files compare before and after too.
    let local = with_description(&was, "mine");
    let parent = with_description(&was, "theirs");
    assert_ne!(
        change_units(&was, &local).unwrap(),
        change_units(&parent, &local).unwrap()
    );
}

/// Found by a red-team helper: a hand-made proposal's note held terminal escapes that drew a
/// false "(2 of 2 signatures)" next to the real count. The tools store notes as printable text.
#[test]
fn a_proposal_note_with_control_characters_is_refused() {
    let two = Policy { admins_required: 2 };
    let before = files(&team(), Some(&two));
    let alice = human("alice", &["admin", "requester"]);
    let (mut p, _) = propose(&before, "alice", &with_role(&team(), "carol", "admin"));
    p.note = "fix typo\u{1b}[1A\rproposal (2 of 2 signatures)".into();
    let mut f = before.clone();
    f.insert(Proposal::path(&p.id), p.to_toml().into_bytes());
    let r = decide_policy(
        Some(&before),
        &f,
        &alice,
        &PolicyAction::Propose { id: p.id.clone() },
        AT,
    )
    .unwrap_err();
    assert_eq!(r.rule, Rule::Input);
    assert!(r.reason.contains("note holds control characters"), "{r:?}");
}
