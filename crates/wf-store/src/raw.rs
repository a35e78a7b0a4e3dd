//! A commit object read byte by byte, the way the verifier needs it: every header checked,
//! unknown or repeated headers refused, the signature cut out of the exact bytes it signs.

/// A commit object, parsed strictly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCommit {
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

/// Parse a commit object's bytes. Fails closed: a header wf does not know (`encoding`,
/// `mergetag`, `gpgsig-sha256`...), a second `tree`, `author`, `committer` or `gpgsig`, a
/// malformed person line or a message that is not UTF-8 are errors.
pub fn parse(bytes: &[u8]) -> Result<RawCommit, String> {
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
    Ok(RawCommit {
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

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
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
}
