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
    fn printable_keeps_lines_but_drops_escapes() {
        assert_eq!(printable("a\nb\u{1b}[31m\r\n"), "a\nb [31m");
    }
}
