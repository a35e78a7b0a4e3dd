//! `wf`: the front door. `wf NAME ARGS...` runs `wf-NAME ARGS...` the way git runs `git-NAME`:
//! the program beside the `wf` binary first, then the first on `PATH`. So a user's own `wf-*`
//! program on `PATH` is a wf tool too. `wf help` lists the tools, one line each.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::error::Exit;
use crate::tools::{self, TOOLS};

const USAGE: &str =
    "usage: wf NAME [ARGS]...   (runs wf-NAME)\n       wf help [NAME]\n       wf --version";

/// Run the front door with the process arguments.
pub fn main() -> ExitCode {
    if let Some(code) = crate::verification::serve_worker() {
        return code;
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some(first) = args.first() else {
        eprintln!("{USAGE}");
        eprintln!("hint: wf help lists the tools");
        return ExitCode::from(Exit::Usage as u8);
    };
    let rest = &args[1..];
    match first.to_str() {
        Some("--version" | "-V") => out(&format!("wf {}\n", env!("CARGO_PKG_VERSION"))),
        Some("--help" | "-h") if rest.is_empty() => out(&listing()),
        Some("help" | "--help" | "-h") => match rest.first() {
            None => out(&listing()),
            Some(name) => dispatch(name, &[OsString::from("--help")]),
        },
        Some(s) if s.starts_with('-') => {
            eprintln!("wf: unknown option {}", wf_core::text::visible(s));
            eprintln!("{USAGE}");
            ExitCode::from(Exit::Usage as u8)
        }
        _ => dispatch(first, rest),
    }
}

fn out(text: &str) -> ExitCode {
    match crate::output::print(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == crate::error::Kind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wf: {e}");
            ExitCode::from(e.exit() as u8)
        }
    }
}

/// A tool name is what may follow `wf-` in a program name: no path tricks.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !name.starts_with('-')
}

fn dispatch(name: &OsStr, args: &[OsString]) -> ExitCode {
    let name = name.to_string_lossy();
    let name = name.strip_prefix("wf-").unwrap_or(&name).to_string();
    if !valid_name(&name) {
        eprintln!("wf: {name:?} is not a tool name");
        eprintln!("hint: wf help lists the tools");
        return ExitCode::from(Exit::Usage as u8);
    }
    let program = format!("wf-{name}");
    let Some(path) = locate(&program) else {
        eprintln!("wf: no tool {name}: no {program} beside wf or on PATH");
        eprintln!("hint: wf help lists the tools");
        return ExitCode::from(Exit::NotFound as u8);
    };
    // exec replaces this process, so the tool's exit status, signals and terminal are its own.
    let err = std::process::Command::new(&path)
        .arg0(&program)
        .args(args)
        .exec();
    eprintln!("wf: cannot run {}: {err}", path.display());
    ExitCode::from(Exit::Failure as u8)
}

/// The folder of the running `wf` binary (symlinks resolved).
fn own_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    exe.parent().map(Path::to_path_buf)
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = own_dir().into_iter().collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path).filter(|d| !d.as_os_str().is_empty()));
    }
    dirs
}

/// Where `wf-NAME` is: beside `wf`, else the first on PATH.
pub fn locate(program: &str) -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

/// The `wf-*` programs beside `wf` and on PATH that are not wf's own tools: `(short name,
/// path)`, the first found of each name, sorted.
pub fn user_tools() -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for dir in search_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name();
            let Some(short) = file.to_str().and_then(|f| f.strip_prefix("wf-")) else {
                continue;
            };
            if !valid_name(short)
                || tools::find(short).is_some()
                || found.iter().any(|(n, _)| n == short)
                || !is_executable(&e.path())
            {
                continue;
            }
            found.push((short.to_string(), e.path()));
        }
    }
    found.sort();
    found
}

/// What `wf help` prints.
pub fn listing() -> String {
    let mut o = format!(
        "wf {}: human–AI work you can prove\n\n{USAGE}\n\nTools:\n",
        env!("CARGO_PKG_VERSION")
    );
    for t in TOOLS {
        o.push_str(&format!("  {:<9} {}\n", t.short(), t.about()));
    }
    let user = user_tools();
    if !user.is_empty() {
        o.push_str("\nYour tools (wf-* on PATH):\n");
        for (name, path) in user {
            o.push_str(&format!("  {name:<9} {}\n", path.display()));
        }
    }
    o.push_str(
        "\n`wf help NAME` or `wf-NAME --help` shows a tool's options; `man wf-NAME` its page.\n\
         Example:\n  wf ls --step review --assignee bob -z | wf assign - --to carol\n",
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_cannot_reach_outside_a_folder() {
        assert!(valid_name("hello"));
        assert!(valid_name("my-tool2"));
        assert!(!valid_name("../x"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name(""));
        assert!(!valid_name("-x"));
        assert!(!valid_name("Hello"));
    }

    #[test]
    fn the_listing_names_every_tool_once() {
        let l = listing();
        for t in TOOLS {
            assert_eq!(
                l.matches(&format!("\n  {:<9} ", t.short())).count(),
                1,
                "{}",
                t.name
            );
        }
    }
}
