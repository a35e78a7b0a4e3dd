//! Time as a value. The clock is read by the tools and handed in; the core never reads it.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// RFC 3339 in UTC, second precision: `2026-11-24T05:16:55Z`.
    pub fn rfc3339(self) -> String {
        let secs = self.0;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if (0..=9999).contains(&y) {
            // Written digit by digit: format! was a tenth of `wf-stats` (one call an event).
            let mut out = String::with_capacity(20);
            for (v, sep) in [
                (y / 100, ""),
                (y % 100, "-"),
                (m, "-"),
                (d, "T"),
                (rem / 3600, ":"),
                ((rem / 60) % 60, ":"),
                (rem % 60, "Z"),
            ] {
                // Each value is in 0..100 here.
                out.push(char::from(b'0' + (v / 10) as u8));
                out.push(char::from(b'0' + (v % 10) as u8));
                out.push_str(sep);
            }
            return out;
        }
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }

    /// Parse the forms git accepts in `GIT_COMMITTER_DATE` that scripts use to pin time:
    /// `@SECONDS [+ZZZZ]`, `SECONDS +ZZZZ`, and RFC 3339 / ISO 8601 `YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]`.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        let first = s.split_whitespace().next()?;
        if let Some(n) = first.strip_prefix('@') {
            return n.parse().ok().map(Timestamp);
        }
        if first.bytes().all(|b| b.is_ascii_digit()) && s.split_whitespace().count() == 2 {
            return first.parse().ok().map(Timestamp);
        }
        parse_iso(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

fn parse_iso(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let rest = s[19..].trim();
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = digits[..2].parse().ok()?;
            let om: i64 = digits[2..].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo, d);
    Some(Timestamp(days * 86_400 + h * 3600 + mi * 60 + se - offset))
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-by-digit writer gives what `format!` gives, across and past years 0 to 9999.
    #[test]
    fn rfc3339_writes_what_format_writes() {
        let reference = |secs: i64| {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                (rem / 60) % 60,
                rem % 60
            )
        };
        let last = 253_402_300_799; // 9999-12-31T23:59:59Z
        let first = -62_167_219_200; // 0000-01-01T00:00:00Z
        let mut secs = first - 86_400 * 400;
        while secs <= last + 86_400 * 400 {
            assert_eq!(Timestamp(secs).rfc3339(), reference(secs), "{secs}");
            secs += 7_777_777 + secs.rem_euclid(86_399);
        }
        for secs in [first, first - 1, last, last + 1, 0, -1, 1_764_547_015] {
            assert_eq!(Timestamp(secs).rfc3339(), reference(secs), "{secs}");
        }
    }

    #[test]
    fn formats_and_parses_round_trip() {
        let t = Timestamp(1_795_497_415);
        assert_eq!(t.rfc3339(), "2026-11-24T05:16:55Z");
        assert_eq!(Timestamp::parse(&t.rfc3339()), Some(t));
        assert_eq!(Timestamp::parse("@1795497415 +0000"), Some(t));
        assert_eq!(Timestamp::parse("1795497415 +0100"), Some(t));
        assert_eq!(Timestamp::parse("2026-11-24T06:16:55+01:00"), Some(t));
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    /// Found by `props::formats` (shrunk): an offset of four bytes that are not four digits
    /// sliced a character in two.
    #[test]
    fn an_offset_that_is_not_digits_is_refused_not_a_panic() {
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00+𝄞"), None);
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00+1é1"), None);
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00+1a:00"), None);
    }
}
