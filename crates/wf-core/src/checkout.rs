//! What git makes of a store when it shows or checks it out: the files at the top of the tree
//! that change it. A top-level `.gitattributes` can make every checkout rewrite the files under
//! `tasks/` (line endings, filters such as Git LFS, encodings), so the bytes a reviewer opens
//! are not the bytes that were verified; a `.mailmap` makes `git log` and `git shortlog` show
//! one actor's signed actions under another's name. In a store's history both are judged
//! (`spec/verify.md`, "Git's own files").

use crate::actor::Actors;

/// The top-level file whose attributes apply to every path of the checkout.
pub const ATTRIBUTES_FILE: &str = ".gitattributes";
/// The top-level file that renames authors in `git log`.
pub const MAILMAP_FILE: &str = ".mailmap";

/// What wf's lines set, for every path under `.wf/` and `tasks/`: off (`-`) or back to git's
/// default (`!`), for every attribute that changes the bytes a checkout or an archive writes
/// (`text`, `eol`, `crlf`, `filter` as Git LFS uses it, `ident`, `working-tree-encoding`,
/// `export-subst`, `export-ignore`) or hides a change from a reviewer (`diff`, which `-diff`
/// turns into "Binary files differ"; the forges' `linguist-generated`, `linguist-vendored`,
/// `linguist-documentation`, and GitLab's `gitlab-generated`, which fold a file out of a pull
/// or merge request's diff).
const RESET: &str = "-text -eol -crlf -filter -ident -working-tree-encoding -export-subst -export-ignore !diff -linguist-generated -linguist-vendored -linguist-documentation -gitlab-generated";

/// What wf's lines set before rules 18, without `-gitlab-generated`: the stores founded then
/// end with them, and stay sound while nothing in the file names `gitlab-generated`.
const RESET_BEFORE_18: &str = "-text -eol -crlf -filter -ident -working-tree-encoding -export-subst -export-ignore !diff -linguist-generated -linguist-vendored -linguist-documentation";

/// The attribute GitLab reads to fold a file out of a merge request's diff as generated.
const GITLAB_GENERATED: &str = "gitlab-generated";

/// The lines a store's top-level `.gitattributes` ends with. In git, the last line that
/// matches a path decides each attribute, so these lines, last, switch off everything that
/// would make a checkout write other bytes than the blob under `.wf/` and `tasks/`, or show a
/// reviewer less than the change. Whatever comes before them still applies to the rest of the
/// tree.
///
/// The last line names wf's merge driver for task files (`spec/sync.md`): a clone that has
/// it configured (`wf-init` does) merges concurrent actions on one task into exactly the task
/// the verifier accepts; one without it merges the file as text.
pub fn attributes_block() -> String {
    block(RESET)
}

fn block(reset: &str) -> String {
    format!(
        "# wf: under .wf/ and tasks/ a checkout writes exactly the verified bytes (spec/store.md)\n/.wf/** {reset}\n/tasks/** {reset}\n/tasks/*/*.toml merge={MERGE_DRIVER}\n"
    )
}

/// The name of wf's merge driver for task files, in `.gitattributes` and git's configuration.
pub const MERGE_DRIVER: &str = "wf-task";

/// The longest line git reads from an attributes file (longer ones it skips).
const ATTRIBUTES_LINE_MAX: usize = 2048;
/// The longest line git reads whole from a `.mailmap` in a work tree (it reads in chunks of
/// 1024 bytes, so a longer line is read as several).
const MAILMAP_LINE_MAX: usize = 1000;

/// Judge a store's top-level `.gitattributes`: its last rules (ignoring blank lines, comments,
/// carriage returns and trailing blanks, as git does) must be wf's lines, and nothing in
/// it may make git read it otherwise than wf does: no NUL byte (git stops reading there), no
/// line git would skip for its length. wf's lines from before rules 18 (without
/// `-gitlab-generated`) still end a sound file, as long as no rule of it names
/// `gitlab-generated` (as an attribute, in a macro, anywhere), which they would not reset.
pub fn check_attributes(bytes: &[u8]) -> Result<(), String> {
    let block = attributes_block();
    let wanted: Vec<&str> = block.lines().filter(|l| !l.starts_with('#')).collect();
    let before_18 = self::block(RESET_BEFORE_18);
    let wanted_before_18: Vec<&str> = before_18.lines().filter(|l| !l.starts_with('#')).collect();
    let fix = || format!("end it with: {}", wanted.join(" / "));
    if bytes.contains(&0) {
        return Err(format!(
            "{ATTRIBUTES_FILE} holds a NUL byte, where git stops reading it; {}",
            fix()
        ));
    }
    let text = String::from_utf8_lossy(bytes);
    if text.lines().any(|l| l.len() >= ATTRIBUTES_LINE_MAX) {
        return Err(format!(
            "{ATTRIBUTES_FILE} has a line of {ATTRIBUTES_LINE_MAX} bytes or more, which git skips"
        ));
    }
    let rules: Vec<&str> = text
        .lines()
        .map(|l| l.trim_end_matches(['\r', ' ', '\t']))
        .filter(|l| !l.trim_start().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let ends_with = |w: &[&str]| rules.len() >= w.len() && rules[rules.len() - w.len()..] == *w;
    if ends_with(&wanted) {
        return Ok(());
    }
    if ends_with(&wanted_before_18) {
        if rules.iter().any(|r| r.contains(GITLAB_GENERATED)) {
            return Err(format!(
                "{ATTRIBUTES_FILE} names {GITLAB_GENERATED}, which GitLab reads to fold a file out of a merge request's diff, and its wf lines (from before rules 18) do not reset it; {}",
                fix()
            ));
        }
        return Ok(());
    }
    Err(format!(
        "{ATTRIBUTES_FILE} does not end with wf's lines, so a checkout could write other bytes under .wf/ or tasks/ than were verified; {}",
        fix()
    ))
}

/// Judge a store's top-level `.mailmap`: it may rename anyone but the actors, whose names and
/// emails git must show as their signatures say. Lines are read as git reads them: a line is
/// a comment only when it begins with `#`; names are the text outside `<…>`, emails the text
/// inside. A name is compared as a person reads it (case, spacing and look-alike letters do not
/// hide an actor). No NUL byte, no line long enough for git to split.
pub fn check_mailmap(bytes: &[u8], actors: &Actors) -> Result<(), String> {
    if bytes.contains(&0) {
        return Err(format!("{MAILMAP_FILE} holds a NUL byte"));
    }
    let text = String::from_utf8_lossy(bytes);
    for line in text.split('\n') {
        if line.len() >= MAILMAP_LINE_MAX {
            return Err(format!(
                "{MAILMAP_FILE} has a line of {MAILMAP_LINE_MAX} bytes or more, which git reads as several lines"
            ));
        }
        if line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        let mut names = Vec::new();
        let mut emails = Vec::new();
        while let Some(open) = rest.find('<') {
            names.push(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('>').unwrap_or(after.len());
            emails.push(after[..close].trim().to_lowercase());
            rest = after.get(close + 1..).unwrap_or("");
        }
        names.push(rest);
        for a in &actors.actors {
            let email = a.email.to_lowercase();
            if emails.contains(&email) || names.iter().any(|n| crate::text::look_alike(n, &a.name))
            {
                return Err(format!(
                    "{MAILMAP_FILE} renames actor {} ({} <{}>), so git log would show signed actions under another identity",
                    a.id, a.name, a.email
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn attributes_must_end_with_the_block_that_keeps_checkouts_exact() {
        let block = attributes_block();
        check_attributes(block.as_bytes()).unwrap();
        let user = format!("*.png binary\n*.sh text eol=lf\n{block}");
        check_attributes(user.as_bytes()).unwrap();
        // Blank lines and comments after the block, and CRLF line ends, change nothing in git.
        check_attributes(format!("{block}\n# end\n\n").as_bytes()).unwrap();
        check_attributes(block.replace('\n', "\r\n").as_bytes()).unwrap();
        for bad in [
            "tasks/** text eol=crlf\n".to_string(),
            format!("{block}tasks/** text eol=crlf\n"),
            block.replace("-filter ", ""),
            format!("tasks/** text eol=crlf\n\0{block}"),
            String::new(),
        ] {
            let err = check_attributes(bad.as_bytes()).unwrap_err();
            assert!(
                err.contains(".gitattributes") && err.contains("/tasks/** -text"),
                "{err}"
            );
        }
        // GitLab's `gitlab-generated` is reset by wf's lines; before rules 18 they did not
        // reset it, and such a file may not name it at all.
        assert!(block.contains("-gitlab-generated"));
        let folded = "/tasks/** gitlab-generated\n/.wf/** gitlab-generated\n";
        check_attributes(format!("{folded}{block}").as_bytes()).unwrap();
        let old = super::block(RESET_BEFORE_18);
        check_attributes(old.as_bytes()).unwrap();
        check_attributes(format!("*.png binary\n{old}").as_bytes()).unwrap();
        for bad in [
            format!("{folded}{old}"),
            format!("[attr]gen gitlab-generated\n/tasks/** gen\n{old}"),
            format!("\"/tasks/**\" gitlab-generated=true\n{old}"),
        ] {
            let err = check_attributes(bad.as_bytes()).unwrap_err();
            assert!(
                err.contains("gitlab-generated") && err.contains("-gitlab-generated"),
                "{err}"
            );
        }
        let long = format!("# {}\n{block}", "x".repeat(3000));
        assert!(check_attributes(long.as_bytes())
            .unwrap_err()
            .contains("skips"));
    }

    #[test]
    fn a_mailmap_may_not_rename_an_actor() {
        let mut alice = fixtures::human("alice", &["admin"]);
        alice.name = "Alice A".into();
        let actors = Actors {
            actors: vec![alice],
        };
        let a = &actors.actors[0];
        check_mailmap(
            b"Jane Doe <jane@example.org> <jd@old.example.org>\n",
            &actors,
        )
        .unwrap();
        check_mailmap(b"# a comment naming alice@example.com\n\n", &actors).unwrap();
        for bad in [
            format!("{} <{}> Other <other@x>\n", a.name, a.email),
            format!("Jane <jane@x> <{}>\n", a.email.to_uppercase()),
            format!("Jane <jane@x> {} <other@x>\n", a.name),
            // A `#` inside a line is no comment to git.
            format!("Jane <#jane@x> <{}>\n", a.email),
            // Look-alike names: another case, a no-break space, a Cyrillic letter.
            "alice a <x@x> <y@y>\n".to_string(),
            "Alice\u{a0}A <x@x> <y@y>\n".to_string(),
            "\u{0410}lice A <x@x> <y@y>\n".to_string(),
        ] {
            let err = check_mailmap(bad.as_bytes(), &actors).unwrap_err();
            assert!(
                err.contains(&format!("renames actor {}", a.id)),
                "{bad:?}: {err}"
            );
        }
        let long = format!("#{}{} <{}> <x@x>\n", "y".repeat(1100), a.name, a.email);
        assert!(check_mailmap(long.as_bytes(), &actors)
            .unwrap_err()
            .contains("several lines"));
    }
}
