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

/// The lines a store's top-level `.gitattributes` ends with. In git, the last line that
/// matches a path decides each attribute, so these lines, last, switch off everything that
/// would make a checkout write other bytes than the blob under `.wf/` and `tasks/`: line-ending
/// conversion (`text`, `eol`, `crlf`), filters (`filter`, as Git LFS uses), `ident` and
/// `working-tree-encoding`. Whatever comes before them still applies to the rest of the tree.
pub const ATTRIBUTES_BLOCK: &str = "\
# wf: under .wf/ and tasks/ a checkout writes exactly the verified bytes (spec/store.md)
/.wf/** -text -eol -crlf -filter -ident -working-tree-encoding
/tasks/** -text -eol -crlf -filter -ident -working-tree-encoding
";

/// Judge a store's top-level `.gitattributes`: it must end with [`ATTRIBUTES_BLOCK`].
pub fn check_attributes(bytes: &[u8]) -> Result<(), String> {
    if bytes.ends_with(ATTRIBUTES_BLOCK.as_bytes()) {
        return Ok(());
    }
    Err(format!(
        "{ATTRIBUTES_FILE} does not end with wf's lines, so a checkout could write other bytes under .wf/ or tasks/ than were verified; end it with: {}",
        ATTRIBUTES_BLOCK
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join(" / ")
    ))
}

/// Judge a store's top-level `.mailmap`: it may rename anyone but the actors, whose names and
/// emails git must show as their signatures say.
pub fn check_mailmap(bytes: &[u8], actors: &Actors) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut rest = line;
        let mut names = Vec::new();
        let mut emails = Vec::new();
        while let Some(open) = rest.find('<') {
            names.push(rest[..open].trim().to_string());
            let after = &rest[open + 1..];
            let close = after.find('>').unwrap_or(after.len());
            emails.push(after[..close].trim().to_lowercase());
            rest = after.get(close + 1..).unwrap_or("");
        }
        names.push(rest.trim().to_string());
        for a in &actors.actors {
            let email = a.email.to_lowercase();
            if emails.contains(&email) || names.iter().any(|n| !n.is_empty() && *n == a.name) {
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
        check_attributes(ATTRIBUTES_BLOCK.as_bytes()).unwrap();
        let user = format!("*.png binary\n*.sh text eol=lf\n{ATTRIBUTES_BLOCK}");
        check_attributes(user.as_bytes()).unwrap();
        for bad in [
            "tasks/** text eol=crlf\n".to_string(),
            format!("{ATTRIBUTES_BLOCK}tasks/** text eol=crlf\n"),
            ATTRIBUTES_BLOCK.replace("-filter ", ""),
            String::new(),
        ] {
            let err = check_attributes(bad.as_bytes()).unwrap_err();
            assert!(
                err.contains(".gitattributes") && err.contains("/tasks/** -text"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_mailmap_may_not_rename_an_actor() {
        let actors = Actors {
            actors: vec![fixtures::human("alice", &["admin"])],
        };
        let a = &actors.actors[0];
        check_mailmap(
            b"Jane Doe <jane@example.org> <jd@old.example.org>\n",
            &actors,
        )
        .unwrap();
        check_mailmap(b"# a comment\n\n", &actors).unwrap();
        for bad in [
            format!("{} <{}> Other <other@x>\n", a.name, a.email),
            format!("Jane <jane@x> <{}>\n", a.email.to_uppercase()),
            format!("Jane <jane@x> {} <other@x>\n", a.name),
        ] {
            let err = check_mailmap(bad.as_bytes(), &actors).unwrap_err();
            assert!(err.contains(&format!("renames actor {}", a.id)), "{err}");
        }
    }
}
