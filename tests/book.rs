//! The manual (`docs/`, an mdBook) builds with real mdBook, without a
//! warning, and holds together: every link between its pages (and from
//! the README into it) reaches a page that exists and, with an anchor, a
//! heading that has that id in what mdBook wrote; every chapter is in
//! `SUMMARY.md`; every command `nixunits --help` lists is in the commands
//! chapter. (That its examples are real output is `tests/cli.rs`'s
//! `readme_and_manual_examples_are_real_output`.)

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use util::{nixunits, root, run};

/// mdBook, which `scripts/test` installs (`cargo install mdbook --locked`,
/// cached in /var/cache/nixunits-test/mdbook); without it the test fails
/// saying so.
fn mdbook() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("mdbook"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`mdbook` is not on PATH: this test builds the manual with it. Install it with `cargo install mdbook --locked` (scripts/test does, into /var/cache/nixunits-test/mdbook/bin).")
        })
}

/// The values of `attr="…"` in an HTML text.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

/// `&amp;` and friends, as a browser reads an attribute.
fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Builds the book into a temporary directory: the HTML pages, by path.
fn build() -> (tempfile::TempDir, BTreeMap<PathBuf, String>) {
    let out = tempfile::tempdir().unwrap();
    let built = run(Command::new(mdbook())
        .arg("build")
        .arg(root().join("docs"))
        .arg("--dest-dir")
        .arg(out.path()));
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "mdbook build failed:\n{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    assert!(warnings.is_empty(), "mdbook warns:\n{stderr}");
    let mut pages = BTreeMap::new();
    fn walk(dir: &Path, pages: &mut BTreeMap<PathBuf, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, pages);
            } else if p.extension().is_some_and(|e| e == "html") {
                pages.insert(p.clone(), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    walk(out.path(), &mut pages);
    (out, pages)
}

/// Whether `target` (a file of the built book) has the anchor `id`.
fn has_id(pages: &BTreeMap<PathBuf, String>, target: &Path, id: &str) -> bool {
    pages
        .get(target)
        .is_some_and(|html| attr_values(html, "id").iter().any(|v| unescape(v) == id))
}

#[test]
fn the_manual_builds_and_its_links_hold() {
    let (out, pages) = build();
    let mut broken = Vec::new();
    for (page, html) in &pages {
        let name = page.strip_prefix(out.path()).unwrap().display().to_string();
        for href in attr_values(html, "href") {
            let href = unescape(href);
            if href.contains("://") || href.starts_with("mailto:") || href.is_empty() {
                continue;
            }
            let (file, anchor) = match href.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (href.as_str(), None),
            };
            let file = file.split('?').next().unwrap();
            let target = if file.is_empty() {
                page.clone()
            } else {
                // `/…` is the book's root (404.html's links).
                let t = match file.strip_prefix('/') {
                    Some(f) => out.path().join(f),
                    None => page.parent().unwrap().join(file),
                };
                if t.is_dir() {
                    t.join("index.html")
                } else {
                    t
                }
            };
            if !target.exists() {
                broken.push(format!("{name}: {href}: no such page"));
                continue;
            }
            if let Some(a) = anchor.filter(|a| !a.is_empty()) {
                if target.extension().is_some_and(|e| e == "html") && !has_id(&pages, &target, a) {
                    broken.push(format!("{name}: {href}: no #{a} there"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));

    // The README's links: into the repository (files that exist), and
    // into the manual with anchors that the built pages have.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut checked = 0;
    for (i, _) in readme.match_indices("](") {
        let rest = &readme[i + 2..];
        let Some(end) = rest.find(')') else { continue };
        let link = &rest[..end];
        if link.contains("://") {
            panic!("the README points outside the repository: {link}");
        }
        let (file, anchor) = match link.split_once('#') {
            Some((f, a)) => (f, Some(a)),
            None => (link, None),
        };
        assert!(root().join(file).exists(), "README: {link}: no such file");
        if let Some(a) = anchor {
            let chapter = file
                .strip_prefix("docs/manual/")
                .and_then(|c| c.strip_suffix(".md"))
                .unwrap_or_else(|| panic!("README: {link}: an anchor outside the manual"));
            let target = out.path().join(format!("{chapter}.html"));
            assert!(has_id(&pages, &target, a), "README: {link}: no #{a} there");
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "the README links into the manual ({checked} links)"
    );
}

#[test]
fn every_chapter_is_in_the_summary_and_every_command_in_the_manual() {
    let manual = root().join("docs/manual");
    let summary = std::fs::read_to_string(manual.join("SUMMARY.md")).unwrap();
    let chapters: BTreeSet<String> = std::fs::read_dir(&manual)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md")
        .collect();
    for c in &chapters {
        assert!(
            summary.contains(&format!("({c})")),
            "{c} is not in docs/manual/SUMMARY.md"
        );
    }
    let help = run(nixunits().arg("--help"));
    let help = String::from_utf8_lossy(&help.stdout);
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 20, "{help}");
    let page = std::fs::read_to_string(manual.join("commands.md")).unwrap();
    for c in commands {
        assert!(
            page.contains(&format!("`{c}")) || page.contains(&format!(", `{c}")),
            "nixunits {c} is not in docs/manual/commands.md"
        );
    }
}
