//! What the cache files beside the repository share (the event index, [`crate::history`]; the
//! task listing, [`crate::listing`]): text fields with `\\`, tab, line feed and carriage return
//! escaped, and a last line `end <count> <crc32 of all before it>` that tells a whole file from
//! one cut short or changed.

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
