//! The rooms of `cli/src` stay layered (docs/ARCHITECTURE.md, "Rooms of
//! the cli crate"): a file imports its own room and the rooms below it,
//! never one above; no two files of the crate import each other, even
//! through others; each room's `mod.rs` opens with a module doc naming
//! the room and what it must not touch.
//!
//! The imports are read from the source: every path that starts with
//! `crate::`, `super::` or `self::` (in `use` trees too), resolved to the
//! file it names. A path the checker cannot resolve to a room is itself a
//! failure, so a new top-level module has to be given its place here.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each room and the rooms it may import, highest first. `main` is the
/// crate root (`main.rs`, the binary, and `lib.rs`, which declares the
/// rooms).
const ROOMS: &[(&str, &[&str])] = &[
    (
        "main",
        &["lsp", "commands", "args", "remote", "host", "base"],
    ),
    ("lsp", &["commands", "args", "base"]),
    ("commands", &["args", "remote", "host", "base"]),
    // The parse result names the port proxy's argument type (clap parses it).
    ("args", &["host", "base"]),
    ("remote", &["base"]),
    ("host", &["base"]),
    ("base", &[]),
];

/// A module of the crate, by path (`["commands", "build", "plan"]`); the
/// crate root is `[]`.
type Module = Vec<String>;

/// One import found in a file: where, and the module it reaches.
#[derive(Debug, Clone)]
struct Import {
    file: PathBuf,
    line: usize,
    text: String,
    target: Module,
}

/// The source with comments, strings and character literals blanked out
/// (lengths and line breaks kept, so positions stay right).
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            b.get(j) == Some(&'"') && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_'))
        } {
            let mut hashes = 0;
            out.push(' ');
            i += 1;
            while b[i] == '#' {
                hashes += 1;
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
            while i < b.len() {
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1b}'), or a lifetime.
            let end = if next == Some('\\') {
                (i + 2..b.len()).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for _ in i..=e {
                        out.push(' ');
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Colons,
    Open,
    Close,
    Comma,
    Other(char),
}

fn tokens(code: &str) -> Vec<(Tok, usize)> {
    let b: Vec<char> = code.chars().collect();
    let mut v = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let s = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            v.push((Tok::Ident(b[s..i].iter().collect()), line));
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            v.push((Tok::Colons, line));
            i += 2;
        } else {
            v.push((
                match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    _ => Tok::Other(c),
                },
                line,
            ));
            i += 1;
        }
    }
    v
}

/// Reads a path (or a `use` tree) starting at `toks[i]`, an identifier;
/// pushes every full path it names onto `out`. Returns the index after it.
fn read_tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(i) {
            Some((Tok::Ident(s), _)) => {
                path.push(s.clone());
                i += 1;
            }
            Some((Tok::Open, _)) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        Some((Tok::Close, _)) => return i + 1,
                        Some((Tok::Comma, _)) => i += 1,
                        Some((Tok::Ident(_), _)) => i = read_tree(toks, i, &path, out),
                        Some(_) => i += 1,
                        None => return i,
                    }
                }
            }
            _ => break,
        }
        if toks.get(i).map(|t| &t.0) == Some(&Tok::Colons) {
            i += 1;
        } else {
            break;
        }
    }
    out.push(path);
    i
}

/// The module a file is (`commands/build/plan.rs` → commands::build::plan).
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    // The crate's roots: the binary's and the library's.
    if last != "mod.rs" && last != "main.rs" && last != "lib.rs" {
        parts.push(last.trim_end_matches(".rs").to_owned());
    }
    parts
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every import of every file under `src`, and the modules (files).
fn imports(src: &Path) -> (BTreeSet<Module>, Vec<(Module, Import)>) {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    files.sort();
    let modules: BTreeSet<Module> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(src).unwrap()))
        .collect();
    let mut found = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(src).unwrap();
        let me = module_of(rel);
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let toks = tokens(&code_only(&text));
        // Inline `mod name { … }` blocks: (name, brace depth inside).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            match &toks[i].0 {
                Tok::Open => depth += 1,
                Tok::Close => {
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                }
                Tok::Ident(m) if m == "mod" => {
                    if let (Some((Tok::Ident(name), _)), Some((Tok::Open, _))) =
                        (toks.get(i + 1), toks.get(i + 2))
                    {
                        inline.push((name.clone(), depth + 1));
                    }
                }
                Tok::Ident(start) if matches!(start.as_str(), "crate" | "super" | "self") => {
                    let preceded_by_colons = i > 0 && matches!(toks[i - 1].0, Tok::Colons);
                    let followed = toks.get(i + 1).map(|t| &t.0) == Some(&Tok::Colons);
                    if !preceded_by_colons && followed {
                        let line = toks[i].1;
                        let mut paths = Vec::new();
                        let next = read_tree(&toks, i, &[], &mut paths);
                        let here: Module = me
                            .iter()
                            .cloned()
                            .chain(inline.iter().map(|(n, _)| n.clone()))
                            .collect();
                        for p in paths {
                            if let Some(target) = resolve(&here, &p, &modules) {
                                found.push((
                                    me.clone(),
                                    Import {
                                        file: rel.to_path_buf(),
                                        line,
                                        text: lines.get(line - 1).unwrap_or(&"").trim().to_owned(),
                                        target,
                                    },
                                ));
                            }
                        }
                        i = next;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    (modules, found)
}

/// The file a path reaches: the longest module its absolute form starts
/// with. `None` for what stays inside the importing module.
fn resolve(here: &[String], path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut abs: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("self") => {
            abs = here.to_vec();
            rest = &path[1..];
        }
        Some("super") => {
            abs = here.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                abs.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    abs.extend(rest.iter().cloned());
    (0..=abs.len())
        .rev()
        .map(|n| abs[..n].to_vec())
        .find(|m| modules.contains(m))
}

fn room(m: &Module) -> &str {
    m.first().map_or("main", String::as_str)
}

/// Everything wrong with the tree under `src`, one message each.
fn violations(src: &Path) -> Vec<String> {
    let (modules, found) = imports(src);
    let allowed: BTreeMap<&str, &[&str]> = ROOMS.iter().copied().collect();
    let mut bad = Vec::new();
    for m in &modules {
        if !allowed.contains_key(room(m)) {
            bad.push(format!(
                "{}: the module {} is in no room: give it its place in tests/layers.rs and docs/ARCHITECTURE.md",
                m.join("/"),
                room(m)
            ));
        }
    }
    for (from, imp) in &found {
        let (a, b) = (room(from), room(&imp.target));
        if a == b {
            continue;
        }
        if !allowed.get(a).is_some_and(|ok| ok.contains(&b)) {
            bad.push(format!(
                "{}:{}: the {a} room imports the {b} room ({}), which it may not",
                imp.file.display(),
                imp.line,
                imp.text
            ));
        }
    }
    // Circles among files. A module's own submodules do not count: it
    // declares them, and may re-export what they define.
    let mut edges: BTreeMap<&Module, BTreeSet<&Module>> = BTreeMap::new();
    for (from, imp) in &found {
        if imp.target != *from && !imp.target.starts_with(from) {
            edges.entry(from).or_default().insert(&imp.target);
        }
    }
    if let Some(circle) = find_circle(&modules, &edges) {
        bad.push(format!(
            "import circle: {}",
            circle
                .iter()
                .map(|m| if m.is_empty() {
                    "main".to_owned()
                } else {
                    m.join("::")
                })
                .collect::<Vec<_>>()
                .join(" -> ")
        ));
    }
    bad
}

fn find_circle<'a>(
    modules: &'a BTreeSet<Module>,
    edges: &BTreeMap<&'a Module, BTreeSet<&'a Module>>,
) -> Option<Vec<&'a Module>> {
    // 0 unseen, 1 on the stack, 2 done.
    fn visit<'a>(
        m: &'a Module,
        edges: &BTreeMap<&'a Module, BTreeSet<&'a Module>>,
        state: &mut BTreeMap<&'a Module, u8>,
        stack: &mut Vec<&'a Module>,
    ) -> Option<Vec<&'a Module>> {
        state.insert(m, 1);
        stack.push(m);
        for &n in edges.get(m).into_iter().flatten() {
            match state.get(n).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| *s == n).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(n);
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(n, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in modules {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn cli_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn lower_rooms_never_import_higher_ones_and_nothing_imports_in_a_circle() {
    let bad = violations(&cli_src());
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The checker did read the imports: the command layer reaches the host.
    let (_, found) = imports(&cli_src());
    assert!(
        found
            .iter()
            .any(|(from, i)| room(from) == "commands" && room(&i.target) == "host"),
        "no import of host/ from commands/ found: the checker reads nothing"
    );
}

#[test]
fn every_room_opens_with_a_module_doc_naming_it() {
    for (name, _) in ROOMS.iter().filter(|(n, _)| *n != "main") {
        let dir = cli_src().join(name);
        let file = if dir.is_dir() {
            dir.join("mod.rs")
        } else {
            cli_src().join(format!("{name}.rs"))
        };
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let doc: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        let doc = doc.join("\n");
        assert!(
            doc.starts_with(&format!("//! The `{name}` room")),
            "{} must open with \"//! The `{name}` room …\":\n{doc}",
            file.display()
        );
        assert!(
            doc.contains("Must not"),
            "{}: its module doc says what it owns but not what it must not touch",
            file.display()
        );
    }
}

#[test]
fn every_folder_inside_a_room_names_its_room() {
    let mut files = Vec::new();
    rs_files(&cli_src(), &mut files);
    let mut seen = 0;
    for f in files {
        let rel = f.strip_prefix(cli_src()).unwrap();
        if rel.file_name().is_none_or(|n| n != "mod.rs") || rel.components().count() < 3 {
            continue;
        }
        let room = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&f).unwrap();
        let doc: String = text
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            doc.contains(&format!("`{room}` room")),
            "{}: its module doc must name its room, `{room}`:\n{doc}",
            rel.display()
        );
        seen += 1;
    }
    assert!(seen >= 2, "no folder inside a room found ({seen})");
}

/// The checker itself, on a tree made to break each rule.
#[test]
fn the_checker_finds_an_upward_import_and_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |p: &str, t: &str| {
        let p = src.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    };
    write("main.rs", "mod base;\nmod commands;\nmod host;\n");
    write("base/mod.rs", "pub mod a;\n");
    write(
        "base/a.rs",
        "// crate::host::x in a comment is no import\nconst S: &str = \"crate::host::x\";\n",
    );
    write("commands/mod.rs", "pub mod a;\npub mod b;\n");
    write("commands/a.rs", "use super::b::f;\npub fn g() { f() }\n");
    write(
        "commands/b.rs",
        "use crate::{base::a, commands::a::g};\npub fn f() { g() }\n",
    );
    write(
        "host/mod.rs",
        "use crate::base;\n\nfn up() {\n    crate::commands::a::g();\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
    );
    let bad = violations(src);
    assert!(
        bad.iter().any(|b| b
            == "host/mod.rs:4: the host room imports the commands room (crate::commands::a::g();), which it may not"),
        "{bad:#?}"
    );
    assert!(
        bad.iter()
            .any(|b| b == "import circle: commands::a -> commands::b -> commands::a"),
        "{bad:#?}"
    );
    assert_eq!(bad.len(), 2, "{bad:#?}");
    // A module outside every room.
    write("stray.rs", "");
    assert!(violations(src)
        .iter()
        .any(|b| b.starts_with("stray: the module stray is in no room")));
}
