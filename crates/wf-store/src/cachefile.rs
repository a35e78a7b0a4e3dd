//! What the cache files beside the repository share (the event index, [`crate::history`]; the
//! task listing, [`crate::listing`]): text fields with `\\`, tab, line feed and carriage return
//! escaped, and a last line `end <count> <crc32 of all before it>` that tells a whole file from
//! one cut short or changed.

/// The tab-separated fields of a line, as `line.split('\t')` gives them (an empty line is one
/// empty field), found byte by byte: `str::split`'s searcher, set up for each field, was a
/// quarter of reading the event index.
pub(crate) fn fields(line: &str) -> Fields<'_> {
    Fields { rest: Some(line) }
}

/// The iterator of [`fields`].
pub(crate) struct Fields<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match s.bytes().position(|b| b == b'\t') {
            // A tab is one byte of UTF-8, never inside another character: both sides are text.
            Some(i) => {
                self.rest = s.get(i + 1..);
                s.get(..i)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// An object id written as 40 lowercase hex digits (as the cache files write them); `None`
/// for anything else.
pub(crate) fn oid(s: &str) -> Option<git2::Oid> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let hex = s.as_bytes();
    if hex.len() != 40 {
        return None;
    }
    let mut raw = [0u8; 20];
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    git2::Oid::from_bytes(&raw).ok()
}

/// Escape `\\`, tab, line feed and carriage return.
pub(crate) fn escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Undo [`escape`]; `None` for an escape it never writes.
pub(crate) fn unescape(s: &str) -> Option<String> {
    if !s.contains('\\') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

/// Append the last line: `end <count> <crc32 of the text so far>`.
pub(crate) fn seal(text: &mut String, count: usize) {
    let crc = crc32fast::hash(text.as_bytes());
    text.push_str(&format!("end {count} {crc:08x}\n"));
}

/// A sealed file written as it goes, for texts too large to hold twice: every byte is hashed as
/// it is written, and [`Sealing::finish`] adds the last line [`seal`] would.
pub(crate) struct Sealing<W: std::io::Write> {
    out: W,
    crc: crc32fast::Hasher,
}

impl<W: std::io::Write> Sealing<W> {
    pub(crate) fn new(out: W) -> Sealing<W> {
        Sealing {
            out,
            crc: crc32fast::Hasher::new(),
        }
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        self.out.write_all(bytes)
    }

    /// The last line: `end <count> <crc32 of all written before it>`.
    pub(crate) fn finish(mut self, count: usize) -> std::io::Result<()> {
        let crc = self.crc.finalize();
        writeln!(self.out, "end {count} {crc:08x}")
    }
}

/// Where the last line of a sealed text starts, and the count it gives; `None` when the text
/// does not end with a line `end <count> <crc32>` whose CRC-32 is that of all before it.
pub(crate) fn checked(text: &str) -> Option<(usize, usize)> {
    let trimmed = text.strip_suffix('\n')?;
    let footer_at = trimmed.rfind('\n')? + 1;
    let mut end = trimmed[footer_at..].strip_prefix("end ")?.split(' ');
    let count: usize = end.next()?.parse().ok()?;
    let crc = u32::from_str_radix(end.next()?, 16).ok()?;
    if end.next().is_some() || crc32fast::hash(&text.as_bytes()[..footer_at]) != crc {
        return None;
    }
    Some((footer_at, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`fields`] splits as `split('\t')` does, on any text.
    #[test]
    fn fields_split_as_str_split_does() {
        for line in [
            "",
            "\t",
            "a",
            "a\t",
            "\ta",
            "a\tb\t\tc",
            "é\tß\t\u{1F600}\t",
            "\t\t\t",
        ] {
            let want: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields(line).collect::<Vec<_>>(), want, "{line:?}");
        }
    }

    /// [`oid`] reads what `Oid::to_string` writes, and nothing else.
    #[test]
    fn oids_read_back_only_in_full_lowercase_hex() {
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"x").unwrap();
        let hex = id.to_string();
        assert_eq!(oid(&hex), Some(id));
        assert_eq!(
            oid("0123456789abcdef0123456789abcdef01234567")
                .map(|o| o.to_string())
                .as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        for bad in [
            hex.to_uppercase(),
            hex[..39].to_string(),
            format!("{hex}0"),
            hex.replacen(&hex[..1], "g", 1),
            String::new(),
            format!("{}\u{e9}", &hex[..38]),
        ] {
            assert_eq!(oid(&bad), None, "{bad:?}");
        }
    }
}
