//! A commit object read byte by byte, the way the verifier needs it: every header checked,
//! unknown or repeated headers refused, the signature cut out of the exact bytes it signs.

/// A commit object, parsed strictly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCommit {
    /// The tree, as the `tree` header names it.
    pub tree: git2::Oid,
    /// The parents, in order.
    pub parents: Vec<git2::Oid>,
    /// Author name and email.
    pub author: (String, String),
    /// Committer name and email.
    pub committer: (String, String),
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// Author time and zone, committer zone (`+0000`...).
    pub author_time: (i64, String),
    /// Committer zone.
    pub zone: String,
    /// The armored SSH signature (`gpgsig` header), when present.
    pub signature: Option<String>,
    /// The bytes the signature covers: the object without its `gpgsig` header.
    pub payload: Vec<u8>,
    /// The message.
    pub message: String,
}

/// The tree and the parents of a commit object, read as git reads them (the first line names
/// the tree, the `parent` lines right after it the parents), without judging anything else:
/// for deciding whether a commit is wf's business at all.
pub fn header(bytes: &[u8]) -> Result<(git2::Oid, Vec<git2::Oid>), String> {
    let mut lines = bytes.split(|b| *b == b'\n');
    let oid = |line: &[u8], key: &str| -> Option<git2::Oid> {
        let hex = line.strip_prefix(key.as_bytes())?;
        let hex = std::str::from_utf8(hex).ok()?;
        (hex.len() == 40 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| git2::Oid::from_str(hex).ok())
            .flatten()
    };
    let tree = lines
        .next()
        .and_then(|l| oid(l, "tree "))
        .ok_or("the commit does not begin with its tree")?;
    let mut parents = Vec::new();
    for line in lines {
        match oid(line, "parent ") {
            Some(p) => parents.push(p),
            None if line.starts_with(b"parent ") => return Err("a malformed parent line".into()),
            None => break,
        }
    }
    Ok((tree, parents))
}

/// Parse a commit object's bytes. Fails closed: headers out of git's order (`tree`, the
/// `parent`s, `author`, `committer`, then at most one `gpgsig`), a header wf does not know
/// (`encoding`, `mergetag`, `gpgsig-sha256`...), a second `tree`, `author`, `committer` or
/// `gpgsig`, a malformed id or person line, or a message that is not UTF-8 are errors.
pub fn parse(bytes: &[u8]) -> Result<RawCommit, String> {
    let (tree, parents) = header(bytes)?;
    let end = find(bytes, b"\n\n").ok_or("the commit has no message")?;
    let head = &bytes[..end + 1];
    let message =
        String::from_utf8(bytes[end + 2..].to_vec()).map_err(|_| "the message is not UTF-8")?;
    let mut payload = Vec::with_capacity(bytes.len());
    let mut seen: Vec<&str> = Vec::new();
    let mut author = None;
    let mut committer = None;
    let mut signature: Option<String> = None;
    let mut lines = head.split_inclusive(|b| *b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let text = std::str::from_utf8(line).map_err(|_| "a commit header is not UTF-8")?;
        let (k, v) = text
            .trim_end_matches('\n')
            .split_once(' ')
            .ok_or_else(|| format!("malformed commit header {:?}", text.trim_end()))?;
        let once = matches!(k, "tree" | "author" | "committer" | "gpgsig");
        if once && seen.contains(&k) {
            return Err(format!("the commit has two {k} headers"));
        }
        // git writes tree, parents, author, committer, then the signature; anything else is
        // a commit written by hand, where two readers could disagree on what it says.
        let rank = |k: &str| match k {
            "tree" => 0,
            "parent" => 1,
            "author" => 2,
            "committer" => 3,
            _ => 4,
        };
        if seen.last().is_some_and(|last| rank(last) > rank(k))
            || (k == "parent" && seen.last() != Some(&"tree") && seen.last() != Some(&"parent"))
        {
            return Err(format!("the commit's {k} header is out of git's order"));
        }
        seen.push(k);
        match k {
            "tree" | "parent" => {}
            "author" => author = Some(person(v)?),
            "committer" => committer = Some(person(v)?),
            "gpgsig" => {
                let mut sig = String::from(v);
                while let Some(next) = lines.peek() {
                    let Some(rest) = next.strip_prefix(b" ") else {
                        break;
                    };
                    sig.push('\n');
                    sig.push_str(
                        std::str::from_utf8(rest)
                            .map_err(|_| "the signature is not UTF-8")?
                            .trim_end_matches('\n'),
                    );
                    lines.next();
                }
                signature = Some(sig);
                continue;
            }
            other => return Err(format!("unknown commit header {other:?}")),
        }
        payload.extend_from_slice(line);
    }
    if !seen.contains(&"tree") {
        return Err("the commit has no tree".into());
    }
    payload.extend_from_slice(&bytes[end + 1..]);
    let (author, author_time, author_zone) = author.ok_or("the commit has no author")?;
    let (committer, time, zone) = committer.ok_or("the commit has no committer")?;
    if seen.iter().filter(|k| **k == "parent").count() != parents.len() {
        return Err("the commit's parent headers are out of git's order".into());
    }
    Ok(RawCommit {
        tree,
        parents,
        author,
        committer,
        time,
        author_time: (author_time, author_zone),
        zone,
        signature,
        payload,
        message,
    })
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `Name <email> 1700000000 +0000` to `((name, email), time, zone)`.
fn person(v: &str) -> Result<((String, String), i64, String), String> {
    let bad = || format!("malformed person {v:?}");
    let (name, rest) = v.split_once(" <").ok_or_else(bad)?;
    let (email, rest) = rest.split_once("> ").ok_or_else(bad)?;
    let mut parts = rest.split(' ');
    let time: i64 = parts.next().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
    let tz = parts.next().ok_or_else(bad)?;
    let tz_ok =
        tz.len() == 5 && tz.starts_with(['+', '-']) && tz[1..].bytes().all(|b| b.is_ascii_digit());
    if !tz_ok || parts.next().is_some() || email.contains(['<', '>']) {
        return Err(bad());
    }
    Ok(((name.to_string(), email.to_string()), time, tz.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
author A <a@x> 1700000000 +0000\n\
committer A <a@x> 1700000001 +0000\n\
gpgsig -----BEGIN SSH SIGNATURE-----\n \
U1NIU0lH\n \
-----END SSH SIGNATURE-----\n\
\n\
wf: hello\n";

    #[test]
    fn signature_is_cut_out_of_the_payload() {
        let c = parse(SIGNED.as_bytes()).unwrap();
        assert_eq!(c.author, ("A".into(), "a@x".into()));
        assert_eq!(c.time, 1700000001);
        assert_eq!(
            c.signature.as_deref(),
            Some("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----")
        );
        let payload = String::from_utf8(c.payload).unwrap();
        assert!(!payload.contains("gpgsig") && !payload.contains("U1NIU0lH"));
        assert!(payload.ends_with("+0000\n\nwf: hello\n"));
        assert_eq!(c.message, "wf: hello\n");
    }

    #[test]
    fn unknown_and_repeated_headers_fail_closed() {
        let two = SIGNED.replace("\n\nwf:", "\ngpgsig x\n\nwf:");
        assert!(parse(two.as_bytes()).unwrap_err().contains("two gpgsig"));
        let enc = SIGNED.replace("\n\nwf:", "\nencoding latin1\n\nwf:");
        assert!(parse(enc.as_bytes())
            .unwrap_err()
            .contains("unknown commit header"));
        let bad = SIGNED.replace("<a@x> 1700000000", "<a@x 1700000000");
        assert!(parse(bad.as_bytes()).is_err());
    }

    #[test]
    fn headers_out_of_gits_order_fail_closed() {
        let late_parent = SIGNED.replace(
            "committer A",
            "parent 2222222222222222222222222222222222222222\ncommitter A",
        );
        assert!(parse(late_parent.as_bytes())
            .unwrap_err()
            .contains("out of git's order"));
        let swapped = SIGNED.replace(
            "author A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000001 +0000",
            "committer A <a@x> 1700000001 +0000\nauthor A <a@x> 1700000000 +0000",
        );
        assert!(parse(swapped.as_bytes()).is_err());
        let c = parse(SIGNED.as_bytes()).unwrap();
        assert_eq!(c.parents.len(), 1);
        assert_eq!(
            header(SIGNED.as_bytes()).unwrap(),
            (c.tree, c.parents.clone())
        );
        assert!(header(b"parent 1111111111111111111111111111111111111111\n").is_err());
    }
}
