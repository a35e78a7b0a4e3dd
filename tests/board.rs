//! The board (`wf-board`): a static site of the work and its proof, rendered in a real headless
//! Chromium. Task content that holds markup shows as text and runs nothing; every internal
//! link resolves; the verifier's verdict is the one `wf-verify` gives.

mod common;

use std::path::{Path, PathBuf};

use common::{describe, need, output, Store, BOT};

/// What a hostile task holds: markup that would run a script or add an element if any of it
/// reached the page unescaped. Each payload marks the page's `<body>` when it runs.
const TITLE: &str =
    "Launch <script>document.body.setAttribute('data-pwned','title')</script> notes";
const IMG: &str = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">";
const MODEL: &str = "evil-model <script>document.body.setAttribute('data-pwned','model')</script>";
/// Actor names may not hold `<` or `>`; an entity must still show as written, not as markup.
const NAME: &str = "Mallory & \"Co\" &lt;b&gt;bold&lt;/b&gt; Ltd";

fn content(v: u8) -> Vec<u8> {
    format!(
        "# Release notes v{v}\n\n<script>document.body.setAttribute('data-pwned','out{v}')</script>\n{IMG}\nline {v}\n"
    )
    .into_bytes()
}

/// A store with one task through every step (hostile title, notes, inputs, outputs, model and
/// actor name) and one task waiting for bob's review. Returns (store, hostile id, open id).
fn hostile_store() -> (Store, String, String) {
    let s = Store::new();
    s.ok(
        "wf-actor",
        &[
            "add",
            "mallory",
            "--kind",
            "ai",
            "--name",
            NAME,
            "--email",
            "mallory@example.com",
            "--pubkey",
            &s.pubkey("mallory"),
            "--role",
            "drafter",
            "--operator",
            "alice",
            "--model",
            MODEL,
        ],
        "alice",
    );
    let id = s
        .ok(
            "wf-new",
            &["--title", TITLE, "--input", &format!("brief=say {IMG}")],
            "alice",
        )
        .trim()
        .to_string();
    s.ok("wf-assign", &[&id, "--to", "mallory", "-m", IMG], "alice");
    s.call("wf-submit")
        .args([&id, "--name", "draft.md"])
        .key("mallory")
        .stdin(&content(1))
        .ok();
    s.ok("wf-assign", &[&id, "--to", "bob"], "alice");
    s.ok(
        "wf-review",
        &[&id, "--request-changes", "-m", &format!("fix {TITLE}")],
        "bob",
    );
    s.call("wf-submit")
        .arg(&id)
        .key("mallory")
        .stdin(&content(2))
        .ok();
    s.ok("wf-review", &[&id, "--accept", "-m", "fine"], "bob");
    s.ok("wf-assign", &[&id, "--to", BOT.0], "alice");
    // The optimize step is an AI run: model, command, prompt and input digests recorded.
    s.ok(
        "wf-actor",
        &["update", BOT.0, "--", &Store::stand_in_model(), "agent"],
        "alice",
    );
    s.ok("wf-run", &[&id], BOT.0);
    s.ok("wf-approve", &[&id, "-m", IMG], "alice");
    let open = s
        .ok("wf-new", &["--title", "FAQ page"], "alice")
        .trim()
        .to_string();
    s.to_review(&open, b"FAQ draft\n");
    (s, id, open)
}

/// Headless Chromium as this machine runs it (as root: no sandbox; no background network,
/// which the closed network would refuse), with a fresh profile each run.
fn chromium(s: &Store, args: &[&str], url: &Path) -> String {
    need("chromium");
    let profile = tempfile::tempdir_in(&s.root).expect("a profile folder");
    let mut c = s.command("timeout");
    c.arg("120").arg("chromium").args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    c.arg(format!("--user-data-dir={}", profile.path().display()));
    c.args(args).arg(format!("file://{}", url.display()));
    let out = output(c, None);
    assert!(
        out.status.success(),
        "chromium {args:?} {}: {}",
        url.display(),
        describe(&out)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The DOM after Chromium loaded the page (and ran whatever would run).
fn dom(s: &Store, page: &Path) -> String {
    let d = chromium(s, &["--dump-dom"], page);
    assert!(d.contains("</html>"), "no DOM for {}:\n{d}", page.display());
    d
}

/// What a screenshot shows: how many colours, the background (its most common colour), and
/// the lightest and darkest pixel's luminance (0 black, 1 white).
struct Shot {
    colours: usize,
    background: [u8; 3],
    lightest: f64,
    darkest: f64,
}

fn luminance(c: [u8; 3]) -> f64 {
    (0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])) / 255.0
}

/// A screenshot, decoded, in the light colour scheme or (`dark`) the dark one; it must show
/// something (more than a handful of colours, text-like detail).
fn screenshot(s: &Store, page: &Path, name: &str, dark: bool) -> Shot {
    let png = s.root.join(format!("{name}.png"));
    let mut args = vec![
        format!("--screenshot={}", png.display()),
        "--window-size=1280,1600".to_string(),
    ];
    // Chromium reports `prefers-color-scheme: dark` to the page, as a desktop in dark mode does.
    if dark {
        args.push("--force-dark-mode".into());
    }
    chromium(
        s,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        page,
    );
    let file = std::io::BufReader::new(std::fs::File::open(&png).expect("the screenshot"));
    let mut reader = png::Decoder::new(file).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{name}");
    let px = info.color_type.samples();
    assert!(px >= 3, "{name}: not RGB ({:?})", info.color_type);
    assert!(
        (info.width, info.height) == (1280, 1600),
        "{name}: {}x{}",
        info.width,
        info.height
    );
    let mut counts: std::collections::HashMap<[u8; 3], usize> = Default::default();
    for p in buf[..info.buffer_size()].chunks(px) {
        *counts.entry([p[0], p[1], p[2]]).or_default() += 1;
    }
    let background = *counts.iter().max_by_key(|(_, n)| **n).unwrap().0;
    let lum: Vec<f64> = counts.keys().map(|c| luminance(*c)).collect();
    let shot = Shot {
        colours: counts.len(),
        background,
        lightest: lum.iter().copied().fold(0.0, f64::max),
        darkest: lum.iter().copied().fold(1.0, f64::min),
    };
    assert!(
        shot.colours > 16,
        "{name}: the screenshot of {} is blank ({} colours)",
        page.display(),
        shot.colours
    );
    shot
}

/// The page reads in both colour schemes: light text on a dark background when the reader
/// asks for dark, dark text on a light one otherwise.
fn readable_in_light_and_dark(light: &Shot, dark: &Shot, name: &str) {
    assert!(
        luminance(light.background) > 0.9 && light.darkest < 0.3,
        "{name}, light: background {:?}, darkest pixel {:.2}",
        light.background,
        light.darkest
    );
    assert!(
        luminance(dark.background) < 0.15 && dark.lightest > 0.7,
        "{name}, dark: background {:?}, lightest pixel {:.2}",
        dark.background,
        dark.lightest
    );
}

/// The tags of an HTML text named `tag` (`<tag ...>`), each as written up to its `>`.
fn tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    html.match_indices(&open)
        .filter(|(at, _)| html[at + open.len()..].starts_with([' ', '>', '\n']))
        .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap() + 1])
        .collect()
}

/// Semantic, accessible HTML on every page: a language, one `h1` and no skipped heading level,
/// a main landmark and a labelled navigation, tables with a caption and header cells that say
/// what they head,
/// and a text alternative for every drawing (an SVG with `role="img"` labelled by its own
/// non-empty `title` and `desc`). Returns how many drawings were checked.
fn assert_accessible(root: &Path) -> usize {
    let mut drawings = 0;
    for page in pages(root) {
        let html = std::fs::read_to_string(&page).unwrap();
        let at = page.display();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{at}: no language"
        );
        assert_eq!(tags(&html, "h1").len(), 1, "{at}: one h1");
        assert_eq!(tags(&html, "main").len(), 1, "{at}: one main");
        assert!(
            html.contains("<nav aria-label=\""),
            "{at}: an unlabelled nav"
        );
        let mut level = 1;
        for (i, _) in html.match_indices("<h") {
            let Some(n) = html[i + 2..].chars().next().and_then(|c| c.to_digit(10)) else {
                continue;
            };
            assert!(n <= level + 1, "{at}: h{n} after h{level}");
            level = n;
        }
        for (i, _) in html.match_indices("<table") {
            let table = &html[i..i + html[i..].find("</table>").unwrap()];
            assert!(table.contains("<th"), "{at}: a table without headers");
            assert!(
                table.contains("<caption>"),
                "{at}: a table without a caption"
            );
            for th in tags(table, "th") {
                assert!(th.contains("scope=\""), "{at}: {th} without a scope");
            }
        }
        assert!(tags(&html, "img").is_empty(), "{at}: an image");
        for (i, _) in html.match_indices("<svg") {
            drawings += 1;
            let svg = &html[i..i + html[i..].find("</svg>").unwrap()];
            let open = &svg[..svg.find('>').unwrap()];
            assert!(open.contains("role=\"img\""), "{at}: {open}");
            let ids = open
                .split("aria-labelledby=\"")
                .nth(1)
                .unwrap_or_else(|| panic!("{at}: an unlabelled drawing: {open}"));
            for id in ids[..ids.find('"').unwrap()].split(' ') {
                let el = svg
                    .find(&format!("id=\"{id}\">"))
                    .unwrap_or_else(|| panic!("{at}: no {id} in the drawing"));
                let text = &svg[el + id.len() + 6..];
                assert!(!text.starts_with('<'), "{at}: the drawing's {id} is empty");
            }
        }
    }
    drawings
}

/// Every page of a site, relative to its root.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The values of every `href="…"` of a page, unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.match_indices("href=\"")
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            rest[..rest.find('"').expect("a closing quote")]
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

/// Every link between the pages of a site leads to a page that exists, and to an element
/// with that id when it names one. Returns how many links were followed.
fn assert_links_resolve(root: &Path) -> usize {
    let root = root.canonicalize().unwrap();
    let mut followed = 0;
    let mut broken = Vec::new();
    for page in pages(&root) {
        let html = std::fs::read_to_string(&page).unwrap();
        for href in hrefs(&html) {
            if href.starts_with("https://") || href.starts_with("http://") {
                continue;
            }
            followed += 1;
            let (path, frag) = match href.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (href.as_str(), None),
            };
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            let Ok(target) = target.canonicalize() else {
                broken.push(format!("{}: {href} (no such file)", page.display()));
                continue;
            };
            if !target.starts_with(&root) {
                broken.push(format!("{}: {href} (outside the site)", page.display()));
                continue;
            }
            if let Some(f) = frag {
                let text = std::fs::read_to_string(&target).unwrap_or_default();
                if !text.contains(&format!("id=\"{f}\"")) {
                    broken.push(format!("{}: {href} (no id {f})", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    followed
}

fn board(s: &Store, args: &[&str]) -> PathBuf {
    let site = s.root.join("site");
    s.call("wf-board")
        .args(["-o", site.to_str().unwrap()])
        .args(args)
        .ok();
    site
}

#[test]
fn the_board_shows_the_work_and_its_proof_in_a_browser_and_runs_nothing_from_a_task() {
    let (s, id, open) = hostile_store();
    let t = s.show(&id);
    let digest = t["latest_digest"].as_str().unwrap().to_string();
    let approve = s
        .git(&["log", "-1", "--format=%H", "--grep=^Wf-Action: approve$"])
        .trim()
        .to_string();
    let site = board(&s, &[]);
    let index = site.join("index.html");
    let task = site.join(format!("tasks/{id}.html"));

    // Screenshots show the pages, in the light scheme and (the task) the dark one.
    screenshot(&s, &index, "index", false);
    let light = screenshot(&s, &task, "task", false);
    let dark = screenshot(&s, &task, "task-dark", true);
    readable_in_light_and_dark(&light, &dark, "the task page");

    // The index: the verifier's verdict, the queues, the tasks.
    let index_dom = dom(&s, &index);
    let d = &index_dom;
    assert!(d.contains("Clean."), "{d}");
    let commits = s.commit_count();
    assert!(
        d.contains(&format!("{commits} commits of HEAD, and every one passes")),
        "{d}"
    );
    assert!(d.contains(&format!("href=\"tasks/{open}.html\"")), "{d}");
    assert!(d.contains("id=\"step-default-review\""), "{d}");
    assert!(d.contains("id=\"held-bob\""), "{d}");

    // The task: its approval bound to the approved revision's digest, proved by its commit.
    let d = dom(&s, &task);
    assert!(
        d.contains(&format!(
            "Approved: revision 3, bound to digest <code class=\"digest\">{digest}</code>"
        )),
        "{d}"
    );
    assert!(d.contains("In force"), "{d}");
    assert!(
        d.contains(&format!("<tr id=\"c-{approve}\">")),
        "the approval's commit is on the timeline: {d}"
    );
    assert!(d.contains(&format!("href=\"#c-{approve}\"")), "{d}");
    // The AI run: who operates the agent, its model, command, prompt and input digests.
    let run = &t["revision"][2];
    assert!(
        d.contains("operated by <a href=\"../actors/alice.html\">alice</a>"),
        "{d}"
    );
    for shown in [
        run["model"].as_str().unwrap().to_string(),
        run["run"]["command"][0].as_str().unwrap().to_string(),
        format!("sha256:{}", &run["prompt_sha256"].as_str().unwrap()[..12]),
        format!(
            "input brief</dt><dd><code class=\"digest\" title=\"{}\">",
            run["run"]["inputs"][0]["sha256"].as_str().unwrap()
        ),
    ] {
        assert!(d.contains(&shown), "the run's {shown} is not shown: {d}");
    }
    // The diff between revisions 1 and 2.
    assert!(d.contains("<del>-line 1\n</del>"), "{d}");
    assert!(d.contains("<ins>+line 2\n</ins>"), "{d}");

    // Markup from the task shows as text and runs nothing, on every page that shows it.
    let task_dom = d;
    let actor_dom = dom(&s, &site.join("actors/mallory.html"));
    for (page, d) in [
        (index, &index_dom),
        (task, &task_dom),
        (site.join("tasks.html"), &dom(&s, &site.join("tasks.html"))),
        (site.join("actors/mallory.html"), &actor_dom),
    ] {
        let body = &d[d.find("<body").unwrap()..];
        let body_tag = &body[..body.find('>').unwrap()];
        assert!(
            !body_tag.contains("data-pwned"),
            "{}: a payload ran: {body_tag}",
            page.display()
        );
        assert!(
            !d.contains("<img"),
            "{}: an element was injected",
            page.display()
        );
        assert!(
            !d.contains("<script"),
            "{}: a script element",
            page.display()
        );
    }
    let d = task_dom;
    assert!(
        d.contains("Launch &lt;script&gt;document.body.setAttribute('data-pwned','title')&lt;/script&gt; notes"),
        "the title shows as text: {d}"
    );
    assert!(
        d.contains("\"&gt;&lt;img src=x onerror=\"document.body"),
        "the output shows as text: {d}"
    );
    assert!(
        d.contains("evil-model &lt;script&gt;"),
        "the model as text: {d}"
    );
    let d = actor_dom;
    assert!(
        d.contains("Mallory &amp; \"Co\" &amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt;"),
        "the name as written: {d}"
    );
    assert!(!d.contains("<b>bold"), "{d}");

    // Every internal link resolves, to a page and to the element it names.
    let followed = assert_links_resolve(&site);
    assert!(followed > 100, "only {followed} links followed");
    // Every page is semantic, accessible HTML; every chart and workflow has a text alternative.
    let drawings = assert_accessible(&site);
    assert!(drawings >= 5, "only {drawings} drawings");
    for p in [
        "figures.html",
        "policy.html",
        "tasks.html",
        "actors/bob.html",
    ] {
        assert!(site.join(p).is_file(), "{p}");
    }
}

#[test]
fn a_forged_commit_is_the_boards_verdict_and_the_board_replaces_only_a_board() {
    let s = Store::new();
    let id = s
        .ok("wf-new", &["--title", "Plain"], "alice")
        .trim()
        .to_string();
    let before = s.head();

    // Refused places and arguments, before anything is read.
    let (code, err) = s.call("wf-board").args(["-o", "tasks/site"]).refused();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("will not write the board into"), "{err}");
    let (code, err) = s.call("wf-board").args(["-o", ".git/site"]).refused();
    assert_eq!(code, 2, "{err}");
    let (code, err) = s
        .call("wf-board")
        .args(["-o", "../x", "--commit-url", "https://forge/c/"])
        .refused();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("{commit}"), "{err}");
    // Only links to a forge (found by a red-team helper: a javascript: URL was written as is).
    for url in ["javascript:alert(1)//{commit}", "data:text/html,{commit}"] {
        let (code, err) = s
            .call("wf-board")
            .args(["-o", "../x", "--commit-url", url])
            .refused();
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is not an http or https URL"), "{err}");
    }
    let mine = s.root.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let (code, err) = s
        .call("wf-board")
        .args(["-o", mine.to_str().unwrap()])
        .refused();
    assert_eq!(code, 5, "{err}");
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "mine"
    );

    // A clean board, with commit ids linked to a forge.
    let site = board(
        &s,
        &["--commit-url", "https://forge.example/r/commit/{commit}"],
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Clean."), "{index}");
    let page = std::fs::read_to_string(site.join(format!("tasks/{id}.html"))).unwrap();
    assert!(
        page.contains(&format!("href=\"https://forge.example/r/commit/{before}\"")),
        "{page}"
    );

    // Someone edits the task file by hand and commits it unsigned: the board says so, and
    // names the commit; wf-board still exits 0 (the verdict is the page's, wf-verify gates).
    let path = s.root.join("store").join(wf_task_path(&id));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("title = \"Plain\"", "title = \"Forged\""),
    )
    .unwrap();
    s.git(&[
        "-c",
        "user.name=Someone",
        "-c",
        "user.email=someone@example.com",
        "commit",
        "-q",
        "-am",
        "an edit by hand",
    ]);
    let forged = s.head();
    let site = board(&s, &[]);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(!index.contains("Clean."), "{index}");
    assert!(index.contains("in 1 commit."), "{index}");
    assert!(index.contains(&forged[..12]), "{index}");
    let (code, _) = s.call("wf-verify").refused();
    assert_eq!(code, 1);

    // A range: only the commits after the task was made, as wf-verify takes it.
    let site = board(&s, &[&format!("{before}..HEAD")]);
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains(&format!("{before}..HEAD")), "{index}");
    assert!(
        index.contains("The verifier replayed 1 commit of"),
        "{index}"
    );
    assert!(index.contains("in 1 commit."), "{index}");
    assert_links_resolve(&site);
}

fn wf_task_path(id: &str) -> String {
    format!("tasks/{}/{id}.toml", &id[2..4])
}

#[test]
fn the_ci_jobs_publish_the_board_on_every_push_to_main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ci");
    let github = std::fs::read_to_string(root.join("github-wf-board.yml")).unwrap();
    let gitlab = std::fs::read_to_string(root.join("gitlab-wf-board.yml")).unwrap();
    for (name, job) in [("github", &github), ("gitlab", &gitlab)] {
        assert!(job.contains("wf-board -o public"), "{name}: {job}");
        assert!(job.contains("{commit}"), "{name}: {job}");
        assert!(
            job.contains("fetch-depth: 0") || job.contains("GIT_DEPTH: \"0\""),
            "{name}: the verifier needs the whole history"
        );
    }
    assert!(github.contains("branches: [main]"), "{github}");
    assert!(github.contains("actions/upload-pages-artifact"), "{github}");
    assert!(github.contains("actions/deploy-pages"), "{github}");
    assert!(github.contains("path: public"), "{github}");
    assert!(gitlab.contains("pages:"), "{gitlab}");
    assert!(gitlab.contains("$CI_DEFAULT_BRANCH"), "{gitlab}");
    assert!(gitlab.contains("- public"), "{gitlab}");
}

#[test]
fn the_board_code_never_writes_raw_markup() {
    // maud escapes every value it is given; only PreEscaped (or its macro-free cousins) would
    // let markup through. The board asks for neither.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/board");
    let mut scanned = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            scanned += 1;
            let src = std::fs::read_to_string(&p).unwrap();
            for raw in ["PreEscaped", "Render for", "fn render_to"] {
                assert!(
                    !src.contains(raw),
                    "{} asks maud for raw markup ({raw})",
                    p.display()
                );
            }
        }
    }
    assert!(scanned >= 3, "only {scanned} files under {}", dir.display());
}

/// Found by a red-team helper: an unsigned commit in alice's name closed a task with an
/// approval record; the board, published on every push whatever the verdict, listed it as the
/// approval in force. A task whose history fails verification has no approval in force; so
/// too when the commit has no trailers (a second helper, 2026-12-02: it is no action, and the
/// board looked only at the task's actions).
#[test]
fn an_approval_whose_history_fails_verification_is_not_in_force_on_the_board() {
    let s = Store::new();
    let id = s
        .ok("wf-new", &["--title", "Ship"], "alice")
        .trim()
        .to_string();
    s.to_approve(&id, b"draft\n", b"optimized\n");
    s.ok("wf-approve", &[&id, "-m", "ship it"], "alice");
    let site = board(&s, &[]);
    let tasks = std::fs::read_to_string(site.join("tasks.html")).unwrap();
    assert!(!tasks.contains("fails verification"), "{tasks}");
    let page = std::fs::read_to_string(site.join(format!("tasks/{id}.html"))).unwrap();
    assert!(page.contains("In force"), "{page}");
    // The same approval, without its signature; then without its trailers too (no action, so
    // not in the timeline, but the verifier names the task it changes).
    let message = s.git(&["log", "-1", "--format=%B"]);
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]);
    let parent = s.git(&["rev-parse", "HEAD~1"]);
    for message in [message.as_str(), "tidy\n"] {
        let out = s.git_output(
            &[
                "-c",
                "user.name=Alice Archer",
                "-c",
                "user.email=alice@example.com",
                "commit-tree",
                tree.trim(),
                "-p",
                parent.trim(),
            ],
            Some(message.as_bytes()),
        );
        assert!(out.status.success(), "{}", describe(&out));
        let copy = String::from_utf8(out.stdout).unwrap();
        s.git(&["reset", "-q", "--hard", copy.trim()]);
        let site = board(&s, &[]);
        let tasks = std::fs::read_to_string(site.join("tasks.html")).unwrap();
        assert!(
            tasks.contains("none: revision 2 recorded, its history fails verification"),
            "{message}: {tasks}"
        );
        let page = std::fs::read_to_string(site.join(format!("tasks/{id}.html"))).unwrap();
        assert!(!page.contains("In force"), "{message}: {page}");
        assert!(
            page.contains("Not in force: the task file records an approval of revision 2"),
            "{message}: {page}"
        );
        assert!(page.contains(&copy.trim()[..12]), "{message}: {page}");
        assert!(
            page.contains("no: the task&#x27;s history fails verification")
                || page.contains("no: the task's history fails verification"),
            "{message}: {page}"
        );
    }
}
