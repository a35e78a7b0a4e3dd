//! User text (titles, notes, comments) made safe for one line of a commit message or a terminal.

/// Fold user text into one line: every control character (newline, carriage return, escape,
/// NEL, tab...) and the Unicode line and paragraph separators become a space, runs of spaces
/// collapse, and the ends are trimmed. What comes out cannot start a new line, so it can never
/// forge a commit header or a trailer, nor move a terminal's cursor.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let blank = c.is_control() || c.is_whitespace() || c == '\u{2028}' || c == '\u{2029}';
        if blank {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Keep user text multi-line but strip what a terminal would interpret: every control character
/// except newline becomes a space. Used for notes stored in task files and shown by `wf-show`.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Text for a terminal, on one line: every control character (C0, DEL and C1, newline
/// included) is shown as an escape (`\n`, `\r`, `\t`, `\u{1b}`), so nothing a file or a commit
/// holds can move the cursor, change colours, set the clipboard (OSC 52), ring the bell or start
/// a line of its own; so is every character that hides or reorders text ([`is_hidden`]: a
/// right-to-left override, a zero-width space), so what a reader sees is what the text holds.
/// Other text is unchanged.
pub fn visible(s: &str) -> String {
    // Printable ASCII is shown as it is (no control, nothing hidden): most text is.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    out
}

/// [`visible`] for text of several lines: newlines are kept, every other control or hidden
/// character is escaped. For a tool's whole human output, and for a proposal's diff, the text
/// an endorser reads to decide what they sign.
pub fn visible_lines(s: &str) -> String {
    if s.bytes().all(|b| b == b'\n' || (0x20..0x7f).contains(&b)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push_visible(&mut out, c);
        }
    }
    out
}

/// Whether a character is invisible or changes how the text around it is shown: Unicode's
/// default-ignorable code points (`Default_Ignorable_Code_Point` in DerivedCoreProperties.txt,
/// Unicode 15.1), which include the bidirectional controls (`Bidi_Control`), zero-width spaces
/// and joiners, variation selectors and tags. The set is small and fixed by Unicode's
/// stability policy, so it is listed here rather than taken from a crate.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// A name (or an email) as a person would read it, as the keys two texts that look alike share
/// at least one of: invisible characters ([`is_hidden`]) dropped, compatibility characters
/// folded, any run of spaces (no-break spaces included) one space, case, combining marks and
/// confusable letters ignored (Unicode TR39 skeletons: Cyrillic `о` for `o`, `rn` for `m`).
/// Two keys, because TR39 maps some capitals (Cyrillic `В` to `B`, Latin `I` to `l`) whose
/// lower-case forms map elsewhere: the skeleton of the lower-cased text, and the lower-cased
/// skeleton of the text. Use [`look_alike`] to compare.
pub fn person_keys(name: &str) -> [String; 2] {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    use unicode_security::confusable_detection::skeleton;
    let plain: String = name.chars().filter(|c| !is_hidden(*c)).collect();
    let nfkc: String = plain.nfkc().collect();
    // Marks dropped (`ı` with a combining dot is `i`; `José` reads as `Jose`), spaces folded.
    let bare = |s: &str| {
        let b: String = s.nfd().filter(|c| !is_combining_mark(*c)).collect();
        b.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let lower_first: String = skeleton(&bare(&nfkc.to_lowercase())).collect();
    let shape_first = bare(&skeleton(&nfkc).collect::<String>().to_lowercase());
    [
        lower_first,
        skeleton(&shape_first).collect::<String>().to_lowercase(),
    ]
}

/// Whether two names (or emails) look alike: they share a [`person_keys`] key.
pub fn look_alike(a: &str, b: &str) -> bool {
    let (x, y) = (person_keys(a), person_keys(b));
    x.iter().any(|k| !k.is_empty() && y.contains(k))
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() || is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// The largest file wf reads as TOML (task files, the files of `.wf/`, proposals), in bytes:
/// 1 MiB. The toml crate's parser holds about fifty times its input before it refuses a
/// hostile file (64 MiB of `[a]` lines, a file any push could carry, took 3.3 GB), so a
/// longer file is refused unread; real ones are a few KiB (outputs, logs and inputs are files
/// of their own, which this limit does not touch).
pub const MAX_TOML_SIZE: usize = 1 << 20;

/// [`MAX_TOML_SIZE`] for messages: `1 MiB` (as `task::max_file_size_text`).
pub fn max_toml_size_text() -> String {
    format!("{} MiB", MAX_TOML_SIZE >> 20)
}

/// Parse `src` as TOML into `T`, the error on one line ([`toml_error`]); a text longer than
/// [`MAX_TOML_SIZE`] is refused before the parser sees it.
pub fn from_toml<T: serde::de::DeserializeOwned>(src: &str) -> Result<T, String> {
    if src.len() > MAX_TOML_SIZE {
        return Err(too_long(src.len()));
    }
    toml::from_str(src).map_err(|e| toml_error(src, &e))
}

/// The refusal of a TOML text of `len` bytes, over [`MAX_TOML_SIZE`].
pub fn too_long(len: usize) -> String {
    format!(
        "{len} bytes, over the {} a file wf reads as TOML may hold",
        max_toml_size_text()
    )
}

/// A TOML parse error on one line: `line L, column C: what` (the parser's own message is
/// several lines, with the source quoted under it).
pub fn toml_error(src: &str, e: &toml::de::Error) -> String {
    let what = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let what = visible(&what);
    match e.span().and_then(|s| src.get(..s.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {what}")
        }
        None => what,
    }
}

/// A command line for people to read and paste into a POSIX shell: each word as is when it is
/// made only of safe characters, else in single quotes (a quote inside becomes `'\''`).
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            let safe = !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b));
            if safe {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_words_quote_only_what_needs_it() {
        let w =
            |v: &[&str]| super::shell_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&["ollama", "run", "llama3:8b"]), "ollama run llama3:8b");
        assert_eq!(w(&["llm", "-s", "be brief", ""]), "llm -s 'be brief' ''");
        assert_eq!(w(&["it's"]), "'it'\\''s'");
    }

    use super::*;

    #[test]
    fn newlines_and_escapes_cannot_survive() {
        assert_eq!(one_line("a\nWf-Actor: mallory"), "a Wf-Actor: mallory");
        assert_eq!(
            one_line("  x\r\n\t y \u{1b}[2J z\u{2028}w\u{85}v "),
            "x y [2J z w v"
        );
        assert_eq!(one_line("\n\n"), "");
    }

    #[test]
    fn visible_escapes_every_control_character() {
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\r\n\tc\u{9b}31m\u{7f}é";
        assert_eq!(
            visible(hostile),
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\r\\n\\tc\\u{9b}31m\\u{7f}é"
        );
        assert_eq!(visible_lines("x\u{1b}[2J\ny\n"), "x\\u{1b}[2J\ny\n");
        assert!(!visible(hostile).chars().any(char::is_control));
    }

    #[test]
    fn visible_text_shows_what_reorders_or_hides_text() {
        // Right-to-left override, zero-width space, BOM, a tag character, a variation selector.
        let hostile =
            "roles = [\"admin\u{202e}\"]\nname = \"Bob\u{200b} B\u{feff}\u{e0041}\u{fe0f}\"\n";
        assert_eq!(
            visible_lines(hostile),
            "roles = [\"admin\\u{202e}\"]\nname = \"Bob\\u{200b} B\\u{feff}\\u{e0041}\\u{fe0f}\"\n"
        );
        assert_eq!(visible_lines("x\u{1b}[2J é ß 中\n"), "x\\u{1b}[2J é ß 中\n");
        for c in [
            '\u{ad}',
            '\u{61c}',
            '\u{200e}',
            '\u{2066}',
            '\u{3164}',
            '\u{1d173}',
        ] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '\u{2028}', '\u{a0}', '中'] {
            assert!(!is_hidden(c), "{c:?}");
        }
    }

    #[test]
    fn toml_errors_fold_to_one_line_with_the_line_and_column() {
        let src = "a = 1\nb = \n";
        let e = toml::from_str::<toml::Table>(src).unwrap_err();
        let m = toml_error(src, &e);
        assert!(m.starts_with("line 2, column 5: "), "{m}");
        assert!(!m.contains('\n'), "{m}");
    }

    #[test]
    fn printable_keeps_lines_but_drops_escapes() {
        assert_eq!(printable("a\nb\u{1b}[31m\r\n"), "a\nb [31m");
    }
}
