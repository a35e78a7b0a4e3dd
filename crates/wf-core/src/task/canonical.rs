//! A reader for task files written in the canonical form ([`Task::to_toml`]), for the verifier's
//! hot path, where the toml crate's parser took about a seventh of the time of each commit.
//!
//! It reads the subset of TOML the canonical form uses (bare keys, `[table]` and `[[array]]`
//! headers, the four kinds of string, integers, booleans, inline arrays of strings) straight
//! into a [`Task`], and gives up (`None`) on anything else. Its answer is never trusted on its
//! own: [`Task::parse_canonical`] keeps it only when the task it read serialises back to exactly
//! the bytes it was given. Since `Task::parse(t.to_toml()) == t` for every task (the round trip
//! the property tests check), a task that serialises back to the text is the task the toml crate
//! reads from it; a reader that misread a file would not give its bytes back, and the caller
//! falls back to [`Task::parse`]. So this reader can only make a file faster to read, never read
//! it otherwise.

use super::{
    Artifact, Assignment, Check, CheckOutcome, Decision, Input, Outcome, Reopen, Review, Revision,
    Run, RunInput, Task, TaskState, Verdict,
};

/// A value of the subset.
enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    Strs(Vec<String>),
}

/// The key-value pairs of one table, in the order they were read.
#[derive(Default)]
struct Fields<'a>(Vec<(&'a str, Val)>);

impl<'a> Fields<'a> {
    fn take(&mut self, key: &str) -> Option<Val> {
        let i = self.0.iter().position(|(k, _)| *k == key)?;
        Some(self.0.remove(i).1)
    }
    fn str(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    /// An optional string: absent is `None`, present and not a string is a failure.
    fn opt_str(&mut self, key: &str) -> Option<Option<String>> {
        match self.take(key) {
            None => Some(None),
            Some(Val::Str(s)) => Some(Some(s)),
            Some(_) => None,
        }
    }
    /// A string that is left out when empty.
    fn note(&mut self, key: &str) -> Option<String> {
        Some(self.opt_str(key)?.unwrap_or_default())
    }
    fn int(&mut self, key: &str) -> Option<i64> {
        match self.take(key)? {
            Val::Int(n) => Some(n),
            _ => None,
        }
    }
    fn opt_int(&mut self, key: &str) -> Option<Option<i64>> {
        match self.take(key) {
            None => Some(None),
            Some(Val::Int(n)) => Some(Some(n)),
            Some(_) => None,
        }
    }
    /// A boolean that is left out when false.
    fn flag(&mut self, key: &str) -> Option<bool> {
        match self.take(key) {
            None => Some(false),
            Some(Val::Bool(b)) => Some(b),
            Some(_) => None,
        }
    }
    fn strs(&mut self, key: &str) -> Option<Vec<String>> {
        match self.take(key)? {
            Val::Strs(v) => Some(v),
            _ => None,
        }
    }
    /// Every field was taken: none unknown or repeated.
    fn done(self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

/// One table: its header (`""` for the top) and fields.
struct Table<'a> {
    header: &'a str,
    array: bool,
    fields: Fields<'a>,
}

/// Read `text` as a task file of the canonical form's subset; `None` on anything else.
pub(super) fn read(text: &str) -> Option<Task> {
    let tables = tables(text)?;
    let mut tables = tables.into_iter();
    let top = tables.next()?;
    if !top.header.is_empty() {
        return None;
    }
    let mut f = top.fields;
    let mut t = Task {
        id: f.str("id")?,
        title: f.str("title")?,
        workflow: f.str("workflow")?,
        state: match f.str("state")?.as_str() {
            "open" => TaskState::Open,
            "closed" => TaskState::Closed,
            _ => return None,
        },
        step: f.str("step")?,
        owner: f.str("owner")?,
        approver: f.str("approver")?,
        created_by: f.str("created_by")?,
        created_at: f.str("created_at")?,
        entered_at: f.opt_str("entered_at")?,
        inputs: vec![],
        assignments: vec![],
        revisions: vec![],
        reviews: vec![],
        decisions: vec![],
        reopens: vec![],
        checks: vec![],
    };
    f.done()?;
    for table in tables {
        let mut f = table.fields;
        match (table.header, table.array) {
            ("input", true) => t.inputs.push(Input {
                name: f.str("name")?,
                text: f.opt_str("text")?,
                file: f.opt_str("file")?,
                sha256: f.str("sha256")?,
            }),
            ("assignment", true) => t.assignments.push(Assignment {
                step: f.str("step")?,
                by: f.str("by")?,
                to: f.str("to")?,
                at: f.str("at")?,
                note: f.note("note")?,
            }),
            ("revision", true) => {
                let r = Revision {
                    number: u32::try_from(f.int("number")?).ok()?,
                    step: f.str("step")?,
                    actor: f.str("actor")?,
                    producer: f.str("producer")?.parse().ok()?,
                    model: f.opt_str("model")?,
                    prompt_sha256: f.opt_str("prompt_sha256")?,
                    at: f.str("at")?,
                    digest: f.str("digest")?,
                    note: f.note("note")?,
                    // An empty list is written inline; a full one as `[[revision.artifacts]]`.
                    artifacts: match f.take("artifacts") {
                        None => vec![],
                        Some(Val::Strs(v)) if v.is_empty() => vec![],
                        Some(_) => return None,
                    },
                    run: None,
                };
                t.revisions.push(r);
            }
            ("revision.artifacts", true) => {
                let a = Artifact {
                    name: f.str("name")?,
                    sha256: f.str("sha256")?,
                    size: u64::try_from(f.int("size")?).ok()?,
                };
                t.revisions.last_mut()?.artifacts.push(a);
            }
            ("revision.run", false) => {
                let run = Run {
                    command: f.strs("command")?,
                    started_at: f.str("started_at")?,
                    ended_at: f.str("ended_at")?,
                    exit_status: i32::try_from(f.int("exit_status")?).ok()?,
                    revision_digest: f.opt_str("revision_digest")?,
                    inputs: vec![],
                };
                let r = t.revisions.last_mut()?;
                if r.run.is_some() {
                    return None;
                }
                r.run = Some(run);
            }
            ("revision.run.inputs", true) => {
                let i = RunInput {
                    name: f.str("name")?,
                    sha256: f.str("sha256")?,
                };
                t.revisions.last_mut()?.run.as_mut()?.inputs.push(i);
            }
            ("review", true) => t.reviews.push(Review {
                revision: u32::try_from(f.int("revision")?).ok()?,
                digest: f.str("digest")?,
                step: f.str("step")?,
                actor: f.str("actor")?,
                reviewer: f.str("reviewer")?.parse().ok()?,
                verdict: named(
                    [Verdict::Accept, Verdict::RequestChanges, Verdict::Comment],
                    Verdict::as_str,
                    &f.str("verdict")?,
                )?,
                at: f.str("at")?,
                note: f.note("note")?,
            }),
            ("decision", true) => t.decisions.push(Decision {
                revision: u32::try_from(f.int("revision")?).ok()?,
                digest: f.str("digest")?,
                actor: f.str("actor")?,
                outcome: match f.str("outcome")?.as_str() {
                    "approve" => Outcome::Approve,
                    "reject" => Outcome::Reject,
                    _ => return None,
                },
                at: f.str("at")?,
                note: f.note("note")?,
            }),
            ("reopen", true) => t.reopens.push(Reopen {
                actor: f.str("actor")?,
                at: f.str("at")?,
                note: f.note("note")?,
            }),
            ("check", true) => t.checks.push(Check {
                revision: u32::try_from(f.int("revision")?).ok()?,
                digest: f.str("digest")?,
                step: f.str("step")?,
                actor: f.str("actor")?,
                outcome: named(
                    [CheckOutcome::Pass, CheckOutcome::Fail],
                    CheckOutcome::as_str,
                    &f.str("outcome")?,
                )?,
                command: f.strs("command")?,
                exit_status: match f.opt_int("exit_status")? {
                    Some(n) => Some(i32::try_from(n).ok()?),
                    None => None,
                },
                timed_out: f.flag("timed_out")?,
                output_sha256: f.str("output_sha256")?,
                output_size: u64::try_from(f.int("output_size")?).ok()?,
                truncated: f.flag("truncated")?,
                at: f.str("at")?,
            }),
            _ => return None,
        }
        f.done()?;
    }
    Some(t)
}

/// The one of `values` that `name` spells.
fn named<T: Copy, const N: usize>(
    values: [T; N],
    name: fn(T) -> &'static str,
    s: &str,
) -> Option<T> {
    values.into_iter().find(|&v| name(v) == s)
}

/// The text's tables in order, the top one first (with header `""`).
fn tables(text: &str) -> Option<Vec<Table<'_>>> {
    let b = text.as_bytes();
    let mut at = 0;
    let mut out = vec![Table {
        header: "",
        array: false,
        fields: Fields::default(),
    }];
    while at < b.len() {
        match b[at] {
            b'\n' => at += 1,
            b'[' => {
                let array = b.get(at + 1) == Some(&b'[');
                let start = at + if array { 2 } else { 1 };
                let end = start + b[start..].iter().position(|&c| c == b']')?;
                let header = &text[start..end];
                let close = if array { "]]\n" } else { "]\n" };
                if !header
                    .split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(bare))
                    || !text[end..].starts_with(close)
                {
                    return None;
                }
                at = end + close.len();
                out.push(Table {
                    header,
                    array,
                    fields: Fields::default(),
                });
            }
            _ => {
                let end = at + b[at..].iter().position(|&c| !bare(c))?;
                if end == at || !text[end..].starts_with(" = ") {
                    return None;
                }
                let key = &text[at..end];
                let (val, next) = value(text, end + 3)?;
                match b.get(next) {
                    Some(b'\n') => at = next + 1,
                    None => at = next,
                    Some(_) => return None,
                }
                out.last_mut()?.fields.0.push((key, val));
            }
        }
    }
    Some(out)
}

/// A character of a bare key.
fn bare(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The value at `at`, and where it ends.
fn value(text: &str, at: usize) -> Option<(Val, usize)> {
    let b = text.as_bytes();
    match *b.get(at)? {
        b'"' | b'\'' => {
            let (s, end) = string(text, at)?;
            Some((Val::Str(s), end))
        }
        b'[' => {
            let mut v = vec![];
            let mut at = skip_space(b, at + 1);
            if b.get(at) == Some(&b']') {
                return Some((Val::Strs(v), at + 1));
            }
            loop {
                let (s, end) = string(text, at)?;
                v.push(s);
                at = skip_space(b, end);
                match b.get(at)? {
                    b',' => {
                        at = skip_space(b, at + 1);
                        // A trailing comma before the bracket.
                        if b.get(at) == Some(&b']') {
                            return Some((Val::Strs(v), at + 1));
                        }
                    }
                    b']' => return Some((Val::Strs(v), at + 1)),
                    _ => return None,
                }
            }
        }
        b't' if text[at..].starts_with("true") => Some((Val::Bool(true), at + 4)),
        b'f' if text[at..].starts_with("false") => Some((Val::Bool(false), at + 5)),
        _ => {
            let digits =
                |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
            let start = at + usize::from(b[at] == b'-');
            let end = digits(start);
            // No sign but `-`, no leading zero, no underscores: as the writer writes integers.
            if end == start || (b[start] == b'0' && end > start + 1) {
                return None;
            }
            Some((Val::Int(text[at..end].parse().ok()?), end))
        }
    }
}

fn skip_space(b: &[u8], mut at: usize) -> usize {
    while matches!(b.get(at), Some(b' ' | b'\n')) {
        at += 1;
    }
    at
}

/// The string at `at` (any of the four kinds), decoded, and where it ends.
fn string(text: &str, at: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let quote = *b.get(at)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let multi = b.get(at + 1) == Some(&quote) && b.get(at + 2) == Some(&quote);
    if !multi {
        let start = at + 1;
        if quote == b'\'' {
            let end = start + b[start..].iter().position(|&c| c == b'\'' || c == b'\n')?;
            return (b[end] == b'\'').then(|| (text[start..end].to_string(), end + 1));
        }
        // A basic string without escapes is most strings: copied in one piece.
        let end = start
            + b[start..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c == b'\n')?;
        if b[end] == b'"' {
            return Some((text[start..end].to_string(), end + 1));
        }
        return basic(text, start, false);
    }
    // A newline right after the opening delimiter is not part of the string.
    let mut start = at + 3;
    if text[start..].starts_with('\n') {
        start += 1;
    } else if text[start..].starts_with("\r\n") {
        start += 2;
    }
    if quote == b'"' {
        return basic(text, start, true);
    }
    let end = start + text[start..].find("'''")?;
    // Up to two quotes may end the string just before its closing delimiter.
    let extra = b[end + 3..]
        .iter()
        .take(2)
        .take_while(|&&c| c == b'\'')
        .count();
    Some((text[start..end + extra].to_string(), end + 3 + extra))
}

/// A basic string's contents from `at`, escapes decoded, and the end of its closing delimiter.
fn basic(text: &str, at: usize, multi: bool) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text[at..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if !multi => return Some((out, at + i + 1)),
            '"' => {
                let run = text[at + i..].bytes().take_while(|&q| q == b'"').count();
                if run >= 3 {
                    // Up to two quotes may end the string just before its closing delimiter.
                    if run > 5 {
                        return None;
                    }
                    out.extend(std::iter::repeat_n('"', run - 3));
                    return Some((out, at + i + run));
                }
                out.push('"');
            }
            '\n' if !multi => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::CharIndices>| {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    char::from_u32(v)
                };
                out.push(match e {
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    '"' => '"',
                    '\\' => '\\',
                    'x' => hex(2, &mut chars)?,
                    'u' => hex(4, &mut chars)?,
                    'U' => hex(8, &mut chars)?,
                    // A line-ending backslash and anything else: not in the subset.
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::ActorKind;

    fn both(t: &Task) {
        let text = t.to_toml();
        assert_eq!(read(&text).as_ref(), Some(t), "{text}");
        assert_eq!(Task::parse_canonical(&text).as_ref(), Some(t));
    }

    #[test]
    fn a_task_at_every_action_reads_back() {
        let mut t = crate::fixtures::fresh_task("t");
        both(&t);
        t.entered_at = Some("2026-11-30T00:00:00Z".into());
        t.assignments.push(Assignment {
            step: "draft".into(),
            by: "alice".into(),
            to: "bot".into(),
            at: "x".into(),
            note: "please \"draft\" it\\ \u{1} \u{7f} é 'x'".into(),
        });
        t.inputs.push(Input {
            name: "n".into(),
            text: Some("line one\nline \"two\"\n".into()),
            file: None,
            sha256: "ab".into(),
        });
        both(&t);
        t.revisions.push(Revision {
            number: 1,
            step: "draft".into(),
            actor: "bot".into(),
            producer: ActorKind::Ai,
            model: Some("m".into()),
            prompt_sha256: None,
            at: "y".into(),
            digest: "sha256:00".into(),
            note: "it's \"\"\" there\n'''".into(),
            artifacts: vec![],
            run: Some(Run {
                command: vec!["sh".into(), "-c".into(), "echo 'a' \"b\"".into()],
                started_at: "s".into(),
                ended_at: "e".into(),
                exit_status: 0,
                revision_digest: None,
                inputs: vec![RunInput {
                    name: "n".into(),
                    sha256: "ab".into(),
                }],
            }),
        });
        both(&t);
        t.revisions[0].artifacts.push(Artifact {
            name: "a.md".into(),
            sha256: "cd".into(),
            size: 44,
        });
        t.checks.push(Check {
            revision: 1,
            digest: "sha256:00".into(),
            step: "check".into(),
            actor: "ci".into(),
            outcome: CheckOutcome::Fail,
            command: vec![],
            exit_status: Some(-1),
            timed_out: true,
            output_sha256: "ef".into(),
            output_size: 0,
            truncated: true,
            at: "z".into(),
        });
        t.reopens.push(Reopen {
            actor: "alice".into(),
            at: "w".into(),
            note: String::new(),
        });
        both(&t);
    }

    /// A note may hold a line that begins as git's conflict markers do; `Task::parse` refuses
    /// such a file, and so the canonical reader leaves it to it: the same refusal.
    #[test]
    fn a_file_with_conflict_marker_lines_is_refused_as_task_parse_refuses_it() {
        for marker in ["<<<<<<< HEAD", "=======", ">>>>>>> theirs", "||||||| base"] {
            let mut t = crate::fixtures::fresh_task("t");
            t.assignments.push(Assignment {
                step: "draft".into(),
                by: "alice".into(),
                to: "bot".into(),
                at: "x".into(),
                note: format!("one\n{marker}\ntwo"),
            });
            let text = t.to_toml();
            assert!(text.lines().any(|l| l == marker), "{text}");
            assert!(read(&text).is_some());
            assert_eq!(Task::parse_canonical(&text), None);
            assert!(Task::parse(&text).is_err());
        }
    }

    #[test]
    fn text_outside_the_subset_is_left_to_the_toml_crate() {
        let text = crate::fixtures::fresh_task("t").to_toml();
        for odd in [
            text.replace("id = ", "id  = "),
            text.replace("id = ", "\"id\" = "),
            text.replace('\n', "\r\n"),
            format!("{text}# a comment\n"),
            format!("{text}extra = 1\n"),
            format!("{text}[[nothing]]\n"),
            text.replacen("\"open\"", "\"ajar\"", 1),
            text.replacen("title = \"", "title = \"\"\"\n", 1),
            String::new(),
        ] {
            assert_eq!(Task::parse_canonical(&odd), None, "{odd}");
        }
    }
}
