//! `cargo xtask man [--check]`: write the man pages (`man/*.1`) and the shell completions
//! (`man/completions/{bash,zsh,fish}/`) from the clap definitions of the tools registered in
//! `wf_cli::tools::TOOLS`; with `--check`, write nothing and fail when a committed file differs
//! from what would be generated (CI runs it through scripts/test).
//!
//! `cargo xtask gen-store REPO --keys DIR --actions N`: grow a benchmark store (`scripts/bench`).

mod gen;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Command;
use clap_complete::Shell;
use clap_mangen::roff::{bold, roman, Roff};
use wf_cli::error::EXIT_CODES;
use wf_cli::tools::{examples_of, front_door, TOOLS};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    match args.first().map(String::as_str) {
        Some("man") => {}
        Some("gen-store") => {
            return match gen::parse(&args[1..]).and_then(|s| gen::run(&s)) {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("xtask: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {
            eprintln!("usage: cargo xtask man [--check]\n       cargo xtask gen-store REPO --keys DIR --actions N [--open N] [--seed N] [--pack-every N] [--start SECONDS]");
            return ExitCode::from(2);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let files = match generate() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = root.join("man");
    if check {
        let stale = stale(&out, &files);
        if stale.is_empty() {
            println!("man/: {} files up to date", files.len());
            return ExitCode::SUCCESS;
        }
        for s in &stale {
            eprintln!("xtask: stale: man/{s}");
        }
        eprintln!("hint: regenerate them with `cargo xtask man` and commit man/");
        return ExitCode::FAILURE;
    }
    if let Err(e) = write(&out, &files) {
        eprintln!("xtask: {e}");
        return ExitCode::FAILURE;
    }
    println!("man/: wrote {} files", files.len());
    ExitCode::SUCCESS
}

/// Every generated file: path under man/ to bytes.
fn generate() -> std::io::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let tools: Vec<(String, Command)> = TOOLS
        .iter()
        .map(|t| (t.name.to_string(), (t.command)()))
        .chain(std::iter::once(("wf".to_string(), front_door())))
        .collect();
    for (name, cmd) in &tools {
        let mut cmd = cmd.clone().bin_name(name);
        cmd.build();
        let examples = examples_of(&cmd);
        files.insert(format!("{name}.1"), page(name, &cmd, &examples)?);
        // Pages for subcommands (wf-actor add, ...), which the SUBCOMMANDS section names.
        if name != "wf" {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let sub_name = format!("{name}-{}", sub.get_name());
                // The parent's examples that use this subcommand (all of them if none does).
                let used = format!("{name} {}", sub.get_name());
                let mine: Vec<String> = commands(&examples)
                    .into_iter()
                    .filter(|e| e.contains(&used))
                    .collect();
                let sub_examples = if mine.is_empty() {
                    examples.clone()
                } else {
                    mine.join("\n")
                };
                let sub = sub.clone().bin_name(used);
                files.insert(
                    format!("{sub_name}.1"),
                    page(&sub_name, &sub, &sub_examples)?,
                );
            }
        }
        for (shell, path) in [
            (Shell::Bash, format!("completions/bash/{name}")),
            (Shell::Zsh, format!("completions/zsh/_{name}")),
            (Shell::Fish, format!("completions/fish/{name}.fish")),
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
            files.insert(path, buf);
        }
    }
    Ok(files)
}

/// Examples split into commands: a line that starts with a space continues the one before.
fn commands(examples: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in examples.lines() {
        match out.last_mut() {
            Some(last) if line.starts_with(' ') => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// One man page: clap_mangen's sections, then EXAMPLES, EXIT STATUS, SEE ALSO and VERSION.
fn page(name: &str, cmd: &Command, examples: &str) -> std::io::Result<Vec<u8>> {
    // clap names take &'static str; the xtask is short-lived.
    let cmd = cmd
        .clone()
        .name(&*Box::leak(name.to_string().into_boxed_str()))
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("wf {}", env!("CARGO_PKG_VERSION")))
        .manual("wf manual");
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if cmd.get_subcommands().any(|s| s.get_name() != "help") {
        man.render_subcommands_section(&mut buf)?;
    }
    let mut roff = Roff::default();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("PP", []);
        roff.control("nf", []);
        roff.control("RS", ["4"]);
        for line in examples.lines() {
            roff.text([roman(line)]);
        }
        roff.control("RE", []);
        roff.control("fi", []);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, label, meaning) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string()), roman(format!(" ({label})"))]);
        roff.text([roman(*meaning)]);
    }
    roff.control("PP", []);
    roff.text([roman(
        "The same codes in every tool; see spec/exit-codes.md. On an error, stderr gets one line \
         TOOL: message and, when there is one, a line hint: what to do.",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    let mut see: Vec<String> = if name == "wf" {
        TOOLS.iter().map(|t| format!("{}(1)", t.name)).collect()
    } else {
        vec!["wf(1)".to_string()]
    };
    see.push("git(1)".into());
    roff.text([roman(see.join(", "))]);
    roff.control("PP", []);
    roff.text([roman(
        "The contract (file formats, trailers, JSON schemas, exit codes) is in the spec/ folder \
         of the wf source.",
    )]);
    roff.to_writer(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

fn stale(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut bad: Vec<String> = files
        .iter()
        .filter(|(p, bytes)| std::fs::read(out.join(p)).ok().as_ref() != Some(*bytes))
        .map(|(p, _)| p.clone())
        .collect();
    for p in existing(out) {
        if !files.contains_key(&p) {
            bad.push(format!("{p} (no longer generated)"));
        }
    }
    bad
}

/// Every file under man/, as paths relative to it.
fn existing(out: &Path) -> Vec<String> {
    fn walk(dir: &Path, base: &Path, acc: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, acc);
            } else if let Ok(rel) = p.strip_prefix(base) {
                acc.push(rel.to_string_lossy().to_string());
            }
        }
    }
    let mut acc = Vec::new();
    walk(out, out, &mut acc);
    acc
}

fn write(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for p in existing(out) {
        if !files.contains_key(&p) {
            std::fs::remove_file(out.join(&p))?;
        }
    }
    for (p, bytes) in files {
        let path: PathBuf = out.join(p);
        std::fs::create_dir_all(path.parent().expect("under man/"))?;
        std::fs::write(&path, bytes)?;
    }
    Ok(())
}
