//! The `wf` front door (like git's), help, and the generated man pages and completions.

mod common;

use std::path::PathBuf;

use common::{bin, bin_dir, describe, need, output, Store};

/// Every tool in the registry, as `wf help` lists them.
const TOOLS: &[&str] = &[
    "init", "actor", "new", "assign", "submit", "run", "check", "review", "approve", "show", "ls",
    "log", "graph", "stats", "board", "sync", "policy", "verify", "hook", "attest", "repair",
];

fn man_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../man")
}

#[test]
fn wf_help_lists_every_tool_with_one_line() {
    let s = Store::keys_only();
    let out = s.call("wf").arg("help").ok();
    let listed: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "Tools:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, TOOLS, "{out}");
    for t in TOOLS {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("  {t:<9} ")))
            .unwrap();
        assert!(line.len() > 14, "{line}");
    }
    assert_eq!(s.call("wf").arg("--help").ok(), out);
    assert_eq!(
        s.call("wf").arg("--version").ok(),
        format!("wf {}\n", env!("CARGO_PKG_VERSION"))
    );
    // Nothing at all is a usage error.
    let (code, err) = s.call("wf").refused();
    assert_eq!(code, 2);
    assert!(err.starts_with("usage: wf NAME"), "{err}");
}

#[test]
fn wf_name_runs_wf_name_with_its_arguments_and_exit_status() {
    let s = Store::new();
    let id = s.ok("wf-new", &["--title", "Front"], "alice");
    assert_eq!(s.call("wf").arg("ls").ok(), s.query("wf-ls", &[]));
    assert_eq!(
        s.call("wf").args(["show", id.trim(), "--json"]).ok(),
        s.query("wf-show", &[id.trim(), "--json"])
    );
    // A write tool through the front door: the signing key comes from the environment.
    let out = s
        .call("wf")
        .args(["assign", id.trim(), "--to", "drafter-bot"])
        .key("alice")
        .ok();
    assert!(out.ends_with("assigned to drafter-bot\n"), "{out}");
    // The tool's own exit status comes through.
    let (code, err) = s.call("wf").args(["show", "T-000000"]).refused();
    assert_eq!(code, 3);
    assert!(err.starts_with("wf-show: no task T-000000"), "{err}");
    // wf help NAME is the tool's --help.
    assert_eq!(
        s.call("wf").args(["help", "ls"]).ok(),
        s.query("wf-ls", &["--help"])
    );
}

#[test]
fn a_user_tool_on_path_is_a_wf_tool() {
    let s = Store::keys_only();
    let hello = s.script(
        "mytools/wf-hello",
        "#!/bin/sh\necho \"hello from wf-hello: $*\"\nexit 42\n",
    );
    let dir = PathBuf::from(&hello).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap());
    let out = s
        .call("wf")
        .args(["hello", "a b", "-x"])
        .env("PATH", &path)
        .run();
    assert_eq!(out.status.code(), Some(42), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from wf-hello: a b -x\n"
    );
    // wf help shows it among the user's tools.
    let help = s.call("wf").arg("help").env("PATH", &path).ok();
    assert!(
        help.contains(&format!(
            "Your tools (wf-* on PATH):\n  hello     {hello}\n"
        )),
        "{help}"
    );
    // And through a real shell, as users type it.
    let out = s.sh(&format!(
        "PATH='{}':\"$PATH\" wf hello world",
        dir.display()
    ));
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from wf-hello: world\n"
    );
    // wf's own tools are found beside wf even when PATH has none of them.
    let only_hello = s
        .call("wf")
        .args(["ls", "--help"])
        .env("PATH", &dir.display().to_string())
        .run();
    assert!(only_hello.status.success(), "{}", describe(&only_hello));
    // An unknown tool, and a name that tries to leave the folder.
    let (code, err) = s.call("wf").arg("nope").refused();
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "wf: no tool nope: no wf-nope beside wf or on PATH\nhint: wf help lists the tools\n"
    );
    let (code, _) = s.call("wf").arg("../bin/sh").refused();
    assert_eq!(code, 2);
}

#[test]
fn every_help_ends_with_an_example() {
    let s = Store::keys_only();
    for t in TOOLS {
        let tool = format!("wf-{t}");
        for flag in ["--help", "-h"] {
            let help = s.call(&tool).arg(flag).ok();
            let tail: Vec<&str> = help.trim_end().lines().rev().take(8).collect();
            assert!(
                tail.iter().any(|l| l.starts_with("Example")),
                "{tool} {flag} does not end with an example:\n{help}"
            );
        }
    }
    assert!(std::path::Path::new(bin("wf")).is_file());
}

#[test]
fn every_tool_has_a_man_page_that_renders_with_examples_and_exit_status() {
    need("man");
    let dir = man_dir();
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("man/ exists: run cargo xtask man")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".1"))
        .collect();
    pages.sort();
    for t in TOOLS {
        assert!(pages.contains(&format!("wf-{t}.1")), "no man/wf-{t}.1");
    }
    assert!(pages.contains(&"wf.1".to_string()));
    for page in &pages {
        let mut c = std::process::Command::new("man");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MANWIDTH", "100")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("LANG", "C.UTF-8")
            .arg("-l")
            .arg(dir.join(page));
        let out = output(c, None);
        assert!(out.status.success(), "man -l {page}: {}", describe(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let stem = page.trim_end_matches(".1");
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "EXAMPLES",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                text.lines().any(|l| l == section),
                "{page} has no {section} section:\n{text}"
            );
        }
        assert!(
            text.lines().any(|l| {
                let w: Vec<&str> = l.split_whitespace().take(2).collect();
                w == [stem, "-"]
            }),
            "{page}: NAME"
        );
        assert!(text.contains("8 (Partial)"), "{page}: exit codes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("warning"), "{page}: {stderr}");
    }
}

#[test]
fn completions_exist_for_every_tool_and_load_in_bash() {
    need("bash");
    let dir = man_dir().join("completions");
    for t in TOOLS.iter().map(|t| format!("wf-{t}")).chain(["wf".into()]) {
        for f in [
            format!("bash/{t}"),
            format!("zsh/_{t}"),
            format!("fish/{t}.fish"),
        ] {
            assert!(dir.join(&f).is_file(), "no man/completions/{f}");
        }
        let mut c = std::process::Command::new("bash");
        c.env_clear().arg("-c").arg(format!(
            "source '{}' && complete -p {t}",
            dir.join(format!("bash/{t}")).display()
        ));
        let out = output(c, None);
        assert!(
            out.status.success(),
            "bash completion of {t}: {}",
            describe(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!(" {t}\n")),
            "{t}"
        );
    }
    assert!(bin_dir().join("wf").is_file());
}

#[test]
fn the_install_script_puts_the_tools_their_man_pages_and_completions_on_a_prefix() {
    // Installing as a user does, into a temporary prefix. The binaries are the ones Cargo built
    // for these tests (`--binaries`), so the test takes a second instead of a release build;
    // without --binaries the script runs `cargo install --locked --path crates/wf-cli`.
    need("man");
    let s = Store::keys_only();
    let prefix = s.root.join("prefix");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install");
    let mut c = s.command(&script);
    c.arg("--prefix")
        .arg(&prefix)
        .arg("--binaries")
        .arg(bin_dir());
    let out = output(c, None);
    assert!(out.status.success(), "scripts/install: {}", describe(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("tools in {}/bin", prefix.display())),
        "{said}"
    );

    // Only the prefix's bin/ and the system's own folders on PATH: wf finds its tools there.
    let path = format!("{}/bin:/usr/local/bin:/usr/bin:/bin", prefix.display());
    let mut c = s.command(prefix.join("bin/wf"));
    c.env("PATH", &path).arg("help");
    let out = output(c, None);
    assert!(out.status.success(), "wf help: {}", describe(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    for t in TOOLS {
        assert!(
            help.lines().any(|l| l.starts_with(&format!("  {t} "))),
            "wf help from the prefix lacks {t}:\n{help}"
        );
    }
    let mut c = s.command("wf");
    c.env("PATH", &path).args(["ls", "--version"]);
    let out = output(c, None);
    assert!(out.status.success(), "wf ls --version: {}", describe(&out));

    // man finds the pages through MANPATH.
    let mut c = s.command("man");
    c.env("PATH", &path)
        .env("MANPATH", prefix.join("share/man"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .arg("wf-ls");
    let out = output(c, None);
    assert!(out.status.success(), "man wf-ls: {}", describe(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.lines().any(|l| l.trim_start().starts_with("wf-ls - ")),
        "{page}"
    );
    assert!(page.contains("EXIT STATUS"), "{page}");

    for f in [
        "share/bash-completion/completions/wf-board",
        "share/zsh/site-functions/_wf-board",
        "share/fish/vendor_completions.d/wf-board.fish",
        "share/man/man1/wf-board.1",
        "bin/wf-board",
    ] {
        assert!(prefix.join(f).is_file(), "{f} was not installed");
    }
}
