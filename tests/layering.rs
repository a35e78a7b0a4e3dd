//! The house rules of `spec/` and the README's layout, checked: `wf-core` decides (values in,
//! values out: no file system, processes, network, environment, clock or git), `wf-store`
//! remembers (and never depends on the tools), `wf-cli` talks (a tool module never imports
//! another; what tools share lives in a module of its own).
//!
//! Each check is a scan of manifests or sources, and each scan is first tried on made-up text
//! that breaks the rule, so a scan that could never find anything fails here too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `wf-core` may depend on (its dev-dependencies are free).
const CORE_DEPENDENCIES: &[&str] = &[
    // Byte search on values (line starts in task files): no I/O.
    "memchr",
    "serde",
    "sha2",
    "thiserror",
    "toml",
    // The canonical task file's strings, written as toml writes them: no I/O.
    "toml_writer",
    "unicode-normalization",
    "unicode-security",
];

/// What `wf-core`'s code outside its tests must not name: the file system, processes, the
/// network, the environment, the clock, git.
const CORE_FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::process",
    "std::net",
    "std::env",
    "SystemTime::now",
    "Instant::now",
    "git2",
];

/// The modules of `wf-cli` that may name tool modules: the crate root, the tool registry and
/// the front door.
const MAY_NAME_TOOLS: &[&str] = &["lib", "tools", "frontdoor"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Scans

/// The packages a manifest depends on: `[dependencies]` and `[build-dependencies]` (and
/// `[dev-dependencies]` when `dev`), also under `[target.'cfg(..)'.*]`; a renamed dependency
/// counts by its `package`.
fn dependencies(manifest: &str, dev: bool) -> BTreeSet<String> {
    let doc: toml::Table = manifest.parse().expect("a manifest is TOML");
    let mut kinds = vec!["dependencies", "build-dependencies"];
    if dev {
        kinds.push("dev-dependencies");
    }
    let mut tables = vec![&doc];
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
        tables.extend(targets.values().filter_map(|t| t.as_table()));
    }
    let mut out = BTreeSet::new();
    for t in tables {
        for kind in &kinds {
            let Some(deps) = t.get(*kind).and_then(|d| d.as_table()) else {
                continue;
            };
            for (name, spec) in deps {
                let package = spec
                    .as_table()
                    .and_then(|s| s.get("package"))
                    .and_then(|p| p.as_str())
                    .unwrap_or(name);
                out.insert(package.to_string());
            }
        }
    }
    out
}

/// Source text with comments, string literals and char literals blanked (line breaks kept),
/// so that only code is searched.
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied().unwrap_or('\0');
        // Line comment (and doc comment).
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        }
        // Block comment, nested.
        if c[i] == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            continue;
        }
        // Raw string: r"..", r#".."#, br#".."#.
        if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2]))))
        {
            let mut j = i + 1;
            while at(j) == '#' {
                j += 1;
            }
            if at(j) == '"' {
                let hashes = j - i - 1;
                out.push('r');
                out.extend(std::iter::repeat_n(' ', j - i));
                i = j + 1;
                while i < c.len() {
                    if c[i] == '"' && (1..=hashes).all(|h| at(i + h) == '#') {
                        out.extend(std::iter::repeat_n(' ', hashes + 1));
                        i += hashes + 1;
                        break;
                    }
                    out.push(blank(c[i]));
                    i += 1;
                }
                continue;
            }
        }
        // String.
        if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
            continue;
        }
        // Char literal ('x', '\n', '\''); a lifetime ('a) is code.
        if c[i] == '\'' {
            let end = if at(i + 1) == '\\' {
                (i + 3..c.len()).find(|&k| c[k] == '\'')
            } else if at(i + 2) == '\'' {
                Some(i + 2)
            } else {
                None
            };
            if let Some(end) = end {
                out.extend(std::iter::repeat_n(' ', end - i + 1));
                i = end + 1;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Code (as [`code_only`] gives it) without its `#[cfg(test)]` items, and the names of the file
/// modules declared `#[cfg(test)] mod NAME;`, whose files are test code too.
fn without_tests(code: &str) -> (String, Vec<String>) {
    const MARK: &str = "#[cfg(test)]";
    let mut c: Vec<char> = code.chars().collect();
    let mut test_files = Vec::new();
    let text = |c: &[char]| c.iter().collect::<String>();
    while let Some(start) = text(&c).find(MARK).map(|b| text(&c)[..b].chars().count()) {
        // The item: up to its `;` or through its `{ .. }` block, whichever comes first.
        let mut i = start + MARK.chars().count();
        let mut depth = 0i32;
        let end = loop {
            match c.get(i) {
                None => break c.len(),
                Some('(' | '[') => depth += 1,
                Some(')' | ']') => depth -= 1,
                Some(';') if depth == 0 => break i + 1,
                Some('{') if depth == 0 => {
                    let mut braces = 0;
                    let close = (i..c.len()).find(|&k| {
                        match c[k] {
                            '{' => braces += 1,
                            '}' => braces -= 1,
                            _ => {}
                        }
                        braces == 0
                    });
                    break close.map_or(c.len(), |k| k + 1);
                }
                _ => {}
            }
            i += 1;
        };
        let item = text(&c[start + MARK.chars().count()..end]);
        let words: Vec<&str> = item
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        if item.trim_end().ends_with(';') {
            if let Some(at) = words.iter().position(|w| *w == "mod") {
                if let Some(name) = words.get(at + 1) {
                    test_files.push(name.to_string());
                }
            }
        }
        for ch in &mut c[start..end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
    }
    (text(&c), test_files)
}

/// Whether `word` occurs in `code` as a whole path (not inside a longer name).
fn names(code: &str, word: &str) -> bool {
    let ident = |ch: Option<char>| ch.is_some_and(|ch| ch.is_alphanumeric() || ch == '_');
    code.match_indices(word).any(|(at, _)| {
        !ident(code[..at].chars().next_back()) && !ident(code[at + word.len()..].chars().next())
    })
}

/// The top-level names a path prefix leads to: for `std::` in `use std::{fs, io::Read}` and
/// `std::env::var(..)`, the names `fs`, `io` and `env`.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at].chars().next_back().is_some_and(ident) {
            continue;
        }
        let rest = code[at + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // A group: the first name of each of its top-level entries.
            let mut depth = 0;
            let mut entry_start = true;
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => entry_start = true,
                    ch if entry_start && ident(ch) => {
                        let name: String = group[k..].chars().take_while(|c| ident(*c)).collect();
                        out.insert(name);
                        entry_start = false;
                    }
                    ch if !ch.is_whitespace() => entry_start = false,
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| ident(*c)).collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// What of [`CORE_FORBIDDEN`] a piece of code (comments and strings blanked) names.
fn forbidden(code: &str) -> Vec<String> {
    let mut found: Vec<String> = CORE_FORBIDDEN
        .iter()
        .filter(|p| names(code, p))
        .map(|p| p.to_string())
        .collect();
    for module in names_after(code, "std::") {
        let path = format!("std::{module}");
        if CORE_FORBIDDEN.contains(&path.as_str()) && !found.contains(&path) {
            found.push(path);
        }
    }
    found
}

/// The crate-level modules a piece of code names through `crate::`.
fn crate_modules(code: &str) -> BTreeSet<String> {
    names_after(code, "crate::")
}

// ---------------------------------------------------------------------------------------------
// The scans on made-up text: each finds what it must, and nothing else.

#[test]
fn the_dependency_scan_finds_every_kind_of_dependency() {
    let manifest = r#"
        [package]
        name = "x"
        [dependencies]
        serde.workspace = true
        [dependencies.clock]
        version = "1"
        [dev-dependencies]
        tempfile = "3"
        [target.'cfg(unix)'.dependencies]
        renamed = { package = "git2", version = "0.20" }
        [build-dependencies]
        cc = "1"
    "#;
    let normal: Vec<String> = dependencies(manifest, false).into_iter().collect();
    assert_eq!(normal, ["cc", "clock", "git2", "serde"]);
    assert!(dependencies(manifest, true).contains("tempfile"));
}

#[test]
fn only_code_is_searched_not_comments_or_strings() {
    let src = "let a = \"std::fs\"; // std::fs\n/* git2 /* nested */ git2 */ let b = r#\"std::env\"#;\nlet c = '\"'; fn f<'a>(x: &'a str) { std::process::exit(0) }";
    let code = code_only(src);
    assert_eq!(code.lines().count(), src.lines().count());
    assert_eq!(forbidden(&code), ["std::process"]);
    assert!(code.contains("<'a>(x: &'a str)"));
}

#[test]
fn test_code_is_left_out_and_test_files_are_named() {
    let src = "use std::fmt;\n#[cfg(test)]\nmod fixtures;\n#[cfg(test)]\nmod tests {\n    use std::fs;\n    fn f() { if x { std::env::var(\"A\"); } }\n}\n#[cfg(test)]\nfn helper() -> u8 { std::process::id() as u8 }\nfn real() { std::net::TcpStream::connect(\"x\"); }\n";
    let (code, test_files) = without_tests(&code_only(src));
    assert_eq!(test_files, ["fixtures"]);
    assert_eq!(forbidden(&code), ["std::net"]);
    assert!(code.contains("use std::fmt;"));
    let (code, _) = without_tests(&code_only(
        "#[cfg(not(test))]\nfn f() { std::fs::read(\"x\"); }",
    ));
    assert_eq!(forbidden(&code), ["std::fs"], "only cfg(test) is test code");
}

#[test]
fn the_forbidden_scan_sees_paths_groups_and_the_clock_but_not_longer_names() {
    let code = code_only(
        "use std::{collections::BTreeMap, env as e};\nlet t = std::time::SystemTime::now();\nlet r: git2::Oid;",
    );
    assert_eq!(forbidden(&code), ["SystemTime::now", "git2", "std::env"]);
    assert!(forbidden(&code_only("mod libgit2x; use mystd::fs; fn fs() {}")).is_empty());
}

#[test]
fn the_import_scan_sees_every_module_a_file_names_through_crate() {
    let code = code_only(
        "use crate::submit::Pending;\nuse crate::{context::{self, KeyArgs}, review::bound};\nlet x = crate::policy::commit_change();\n// crate::show\nlet s = \"crate::ls\";\nuse wf_store::crate_x;",
    );
    let found: Vec<String> = crate_modules(&code).into_iter().collect();
    assert_eq!(found, ["context", "policy", "review", "submit"]);
}

// ---------------------------------------------------------------------------------------------
// The rules, on the workspace.

#[test]
fn wf_core_depends_on_no_io_or_git_crate() {
    let manifest = read(&root().join("crates/wf-core/Cargo.toml"));
    let extra: Vec<String> = dependencies(&manifest, false)
        .into_iter()
        .filter(|d| !CORE_DEPENDENCIES.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "wf-core is pure; it may not depend on {extra:?} (allowed: {CORE_DEPENDENCIES:?}, and any dev-dependency)"
    );
}

#[test]
fn wf_core_code_reads_no_file_process_network_environment_clock_or_git() {
    let src = root().join("crates/wf-core/src");
    let files = rust_files(&src);
    // The files of `#[cfg(test)] mod NAME;` declarations (and their folders) are test code.
    let mut test_only: Vec<PathBuf> = Vec::new();
    for f in &files {
        let (_, test_files) = without_tests(&code_only(&read(f)));
        let dir = match f.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => f.parent().unwrap().to_path_buf(),
            _ => f.with_extension(""),
        };
        for name in test_files {
            test_only.push(dir.join(format!("{name}.rs")));
            test_only.push(dir.join(name));
        }
    }
    let mut scanned = 0;
    let mut problems = Vec::new();
    for f in &files {
        if test_only.iter().any(|t| f.starts_with(t)) {
            continue;
        }
        scanned += 1;
        let (code, _) = without_tests(&code_only(&read(f)));
        for what in forbidden(&code) {
            problems.push(format!(
                "{}: {what}",
                f.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(
        scanned >= 10,
        "only {scanned} files of wf-core found under {}",
        src.display()
    );
    assert!(
        problems.is_empty(),
        "wf-core decides on values; reading files, processes, the network, the environment, the clock or git belongs in wf-store or wf-cli:\n{}",
        problems.join("\n")
    );
}

#[test]
fn wf_store_does_not_depend_on_the_tools() {
    let manifest = read(&root().join("crates/wf-store/Cargo.toml"));
    let deps = dependencies(&manifest, true);
    assert!(
        deps.contains("wf-core"),
        "the scan reads wf-store's manifest: {deps:?}"
    );
    assert!(
        !deps.contains("wf-cli"),
        "wf-store must not depend on wf-cli: {deps:?}"
    );
}

#[test]
fn no_tool_module_imports_another_and_shared_modules_import_no_tool() {
    let src = root().join("crates/wf-cli/src");
    let tools: BTreeSet<String> = wf_cli::tools::TOOLS
        .iter()
        .map(|t| t.short().replace('-', "_"))
        .collect();
    for t in &tools {
        assert!(
            src.join(format!("{t}.rs")).is_file() || src.join(t).join("mod.rs").is_file(),
            "tool module {t} not found under {}",
            src.display()
        );
    }
    let mut problems = Vec::new();
    for f in rust_files(&src) {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.starts_with("bin") {
            continue;
        }
        // A file belongs to the module of its first path component: run/agent.rs to run.
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let owner = first.trim_end_matches(".rs").to_string();
        if MAY_NAME_TOOLS.contains(&owner.as_str()) {
            continue;
        }
        for module in crate_modules(&code_only(&read(&f))) {
            if tools.contains(&module) && module != owner {
                let what = if tools.contains(&owner) {
                    "tool module"
                } else {
                    "shared module"
                };
                problems.push(format!(
                    "{}: the {what} {owner} imports the tool module {module}",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "what tools share belongs in a shared module named for what it is (crates/wf-cli/src/lib.rs):\n{}",
        problems.join("\n")
    );
}
