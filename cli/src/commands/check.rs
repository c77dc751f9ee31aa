//! `nixunits check`: read the files, check them in parallel, render.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::Buffer};
use nixunits_nixexpr::{
    self as nixexpr, CheckOptions, Diagnostic, LineCol, LineIndex, NixVersion, Severity,
};
use serde::Serialize;

use crate::args::{CheckArgs, Format, Global};
use crate::base::bug::{guard, internal_error, INTERNAL_ERROR};
use crate::base::term::{message_with_notes, safe, unsafe_char};
use crate::base::UsageError;
use crate::base::{input, nix};
use nixunits_eval::eval::Limits;
use nixunits_eval::policy::Policy;
use nixunits_eval::schema::Schema;

/// The checks beyond Nix's parser: evaluation, the schema, the policy.
pub struct Extra {
    /// Evaluate the snippets (not with `--parse-only` or `--no-eval`).
    pub eval: bool,
    /// The options schema, if one is known.
    pub schema: Option<Schema>,
    /// The policy, compiled.
    pub policy: nixunits_eval::policy::Compiled,
    /// The current directory, resolved once (file names are shown
    /// relative to it).
    pub cwd: Option<std::path::PathBuf>,
    /// The bounds of each file's evaluation.
    pub limits: Limits,
}

impl Extra {
    /// From `check`'s flags and the state directory's stored schema.
    pub fn resolve(args: &CheckArgs, global: &Global) -> Result<Extra> {
        let state = nixunits_store::StateDir::new(&global.state_dir);
        let eval = !args.parse_only && !args.no_eval;
        let schema = match &args.schema {
            Some(p) => Some(super::schema::load(p)?),
            None if eval => super::schema::stored(&state)?,
            None => None,
        };
        Ok(Extra {
            eval,
            schema,
            policy: policy(args.policy.as_deref())?.compile(),
            cwd: input::cwd(),
            limits: args.bounds.limits(),
        })
    }
}

/// The policy of `--policy`, or the default.
pub fn policy(path: Option<&Path>) -> Result<Policy> {
    match path {
        None => Ok(Policy::default_policy()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| UsageError(format!("cannot read the policy {}: {e}", p.display())))?;
            Policy::parse(&text)
                .map_err(|e| UsageError(format!("the policy {}: {e}", p.display())).into())
        }
    }
}

/// What checking one snippet found: in the snippet, and in each file it
/// imports (directly or not) that has findings.
#[derive(Default)]
pub struct Checked {
    /// The snippet's own diagnostics.
    pub main: Vec<Diagnostic>,
    /// The imported files with findings, in the order first read.
    pub imported: Vec<Imported>,
}

/// Findings in a file the snippet imports: policy and schema apply to every
/// definition wherever it was written.
pub struct Imported {
    /// Its name (relative to the working directory when below it).
    pub name: String,
    /// Its text.
    pub text: String,
    /// Where it is imported, from the snippet down: `(file, byte range)`.
    pub chain: Vec<(String, [u32; 2])>,
    /// Its diagnostics, each with a note naming the chain.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether anything, in the snippet or an import, is an error of the
    /// snippet's. An [`INTERNAL_ERROR`] is not: it is nixunits' own
    /// failure, and says nothing of the snippet.
    pub fn has_errors(&self) -> bool {
        let bad = |ds: &[Diagnostic]| {
            ds.iter()
                .any(|d| d.severity == Severity::Error && d.code != INTERNAL_ERROR)
        };
        bad(&self.main) || self.imported.iter().any(|i| bad(&i.diagnostics))
    }

    /// The internal errors (nixunits' own failures), with their notes.
    pub fn internal_errors(&self) -> impl Iterator<Item = String> + '_ {
        self.main
            .iter()
            .chain(self.imported.iter().flat_map(|i| &i.diagnostics))
            .filter(|d| d.code == INTERNAL_ERROR)
            .map(message_with_notes)
    }
}

/// `name:line:col` of a byte offset of `text`.
fn place(name: &str, text: &str, offset: u32) -> String {
    let idx = LineIndex::new(text);
    let p = idx.line_col(text, nixunits_nixexpr::TextSize::from(offset));
    format!("{name}:{}:{}", p.line, p.col)
}

/// Every check of one file: Nix's parser's and nixunits' own, then (when the
/// file parses) evaluation, the schema and the policy on every definition
/// the evaluation found — the file's own, and those of the files it
/// imports, reported at their own place with the import chain.
///
/// Never panics: a bug of nixunits met on the way is one
/// [`INTERNAL_ERROR`] diagnostic (beside what the checks of the text found
/// when it happened while evaluating).
pub fn check_text(text: &str, path: &Path, opts: &CheckOptions, extra: &Extra) -> Checked {
    guard(|| check_text_unguarded(text, path, opts, extra)).unwrap_or_else(|why| Checked {
        main: vec![internal_error("checking this file", &why)],
        imported: Vec::new(),
    })
}

fn check_text_unguarded(text: &str, path: &Path, opts: &CheckOptions, extra: &Extra) -> Checked {
    let mut imported = Vec::new();
    let (mut diags, more) = nixexpr::check_then(text, opts, |src, tree, lowered, found| {
        if !extra.eval || opts.parse_only || nixexpr::has_errors(found) {
            return Vec::new();
        }
        match guard(|| evaluate_and_judge(path, src, tree, lowered, extra)) {
            Ok((mine, theirs)) => {
                imported = theirs;
                mine
            }
            Err(why) => vec![internal_error("evaluating this file", &why)],
        }
    });
    if let Some(m) = more.filter(|m| !m.is_empty()) {
        diags.extend(m);
        diags.sort_by_key(|d| (d.range.start(), d.range.end()));
    }
    diags.retain(|d| !nixexpr::suppressed(text, d));
    Checked {
        main: diags,
        imported,
    }
}

/// Evaluation, then the schema, the policy and the secrets check on every
/// definition: the snippet's own findings, and each imported file's.
fn evaluate_and_judge(
    path: &Path,
    src: &str,
    tree: &nixexpr::ast::Expr,
    lowered: &nixexpr::lower::Lowered<'_>,
    extra: &Extra,
) -> (Vec<Diagnostic>, Vec<Imported>) {
    let mut imported = Vec::new();
    let (mut e, main) = super::eval::evaluate_file_with(
        path,
        src,
        Some((tree, lowered)),
        extra.cwd.as_deref(),
        extra.limits,
        extra.schema.as_ref(),
    );
    // The schema sees every file's definitions at once: the module
    // system merges them together (priorities, conflicts).
    let typed = extra.schema.as_ref().map(|s| {
        let o = nixunits_eval::schema::check_evaluated(s, &e);
        for (d, m) in e.definitions.iter_mut().zip(&o.overridden) {
            if let Some(m) = m {
                d.overridden = *m;
            }
        }
        o.diagnostics
    });
    let judge = |defs: &[&nixunits_eval::module::Definition]| {
        let mut out = Vec::new();
        out.extend(nixunits_eval::policy::check(&extra.policy, defs));
        out.extend(nixunits_eval::secrets::check(defs));
        out
    };
    let mut mine = Vec::new();
    for f in &e.files {
        let defs: Vec<&nixunits_eval::module::Definition> =
            e.definitions.iter().filter(|d| d.file == f.name).collect();
        let mut found: Vec<Diagnostic> = e
            .diagnostics
            .iter()
            .filter(|(n, _)| *n == f.name)
            .map(|(_, d)| d.clone())
            .collect();
        if let Some(t) = &typed {
            found.extend(
                t.iter()
                    .filter(|(i, _)| e.definitions[*i].file == f.name)
                    .map(|(_, d)| d.clone()),
            );
        }
        found.extend(judge(&defs));
        if f.name == main {
            mine = found;
            continue;
        }
        if found.is_empty() {
            continue;
        }
        let chain: Vec<(String, [u32; 2])> = e
            .chain(&f.name)
            .into_iter()
            .map(|(n, r)| (n.to_owned(), r))
            .collect();
        let hops: Vec<String> = chain
            .iter()
            .map(|(n, r)| {
                let t = if *n == main {
                    src
                } else {
                    e.files
                        .iter()
                        .find(|x| x.name == *n)
                        .map_or("", |x| x.text.as_str())
                };
                place(n, t, r[0])
            })
            .collect();
        let note = format!(
            "in a file the snippet imports: {} → {}",
            hops.join(" → "),
            f.name
        );
        for d in &mut found {
            d.notes.push(note.clone());
        }
        found.retain(|d| !nixexpr::suppressed(&f.text, d));
        found.sort_by_key(|d| (d.range.start(), d.range.end()));
        imported.push(Imported {
            name: f.name.clone(),
            text: f.text.clone(),
            chain,
            diagnostics: found,
        });
    }
    (mine, imported)
}

/// One checked file.
pub struct Report {
    /// The name shown for it.
    pub name: String,
    /// Its text.
    pub text: String,
    /// What the checks found, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Each diagnostic with the line and column of its start and end.
    fn located(&self) -> impl Iterator<Item = (&Diagnostic, LineCol, LineCol)> {
        let idx = LineIndex::new(&self.text);
        self.diagnostics.iter().map(move |d| {
            (
                d,
                idx.line_col(&self.text, d.range.start()),
                idx.line_col(&self.text, d.range.end()),
            )
        })
    }

    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }
}

/// Resolves the options: the Nix version from the flag, else the `nix` on
/// PATH, else current Nix.
pub fn options(args: &CheckArgs) -> Result<CheckOptions> {
    let version = match &args.nix_version {
        Some(v) => v
            .parse::<NixVersion>()
            .map_err(|e| UsageError(format!("--nix-version: {e}")))?,
        None => nix::detect_version().unwrap_or_default(),
    };
    Ok(CheckOptions {
        version,
        parse_only: args.parse_only,
        pipe_operators: args.experimental.iter().any(|f| f == "pipe-operators"),
    })
}

/// Reads every input before checking any, so that an unreadable one stops
/// the run (exit 2) before anything is reported.
pub fn read_inputs(args: &CheckArgs) -> Result<Vec<(String, String)>> {
    let mut stdin_used = false;
    args.files
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                if stdin_used {
                    return Err(UsageError("`-` (standard input) given twice".into()).into());
                }
                stdin_used = true;
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .context("reading standard input")?;
                Ok((
                    args.stdin_filename.clone(),
                    String::from_utf8_lossy(&buf).into_owned(),
                ))
            } else {
                read_file(p).map(|t| (p.display().to_string(), t))
            }
        })
        .collect()
}

fn read_file(p: &Path) -> Result<String> {
    let bytes =
        std::fs::read(p).map_err(|e| UsageError(format!("cannot read {}: {e}", p.display())))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        // Nix reads bytes; invalid UTF-8 outside strings and comments is a
        // syntax error either way, so a lossy decode keeps the verdict.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Checks all inputs, spreading them over the machine's cores. Workers get
/// a large stack: nesting is bounded (`parser::MAX_DEPTH`), but debug
/// builds use big frames.
pub fn check_all(inputs: Vec<(String, String)>, opts: &CheckOptions, extra: &Extra) -> Vec<Report> {
    let n = inputs.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(n)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Slot = Option<(Report, Vec<Imported>)>;
    let slots: Vec<std::sync::Mutex<Slot>> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let inputs: Vec<std::sync::Mutex<Option<(String, String)>>> = inputs
        .into_iter()
        .map(|x| std::sync::Mutex::new(Some(x)))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let work = || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let Some((name, text)) = inputs[i].lock().ok().and_then(|mut g| g.take()) else {
                    continue;
                };
                // Standard input is named as if it were a file here.
                let path = if std::path::Path::new(&name).exists() {
                    std::path::PathBuf::from(&name)
                } else {
                    std::env::current_dir().unwrap_or_default().join(&name)
                };
                let checked = check_text(&text, &path, opts, extra);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some((
                        Report {
                            name,
                            text,
                            diagnostics: checked.main,
                        },
                        checked.imported,
                    ));
                }
            };
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(s, work)
                .map(|_| ())
                .unwrap_or_else(|_| work());
        }
    });
    let done: Vec<(Report, Vec<Imported>)> = slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect();
    with_imported(done)
}

/// The inputs' reports, then one per imported file with findings, in the
/// order first met. A file that is itself an input is reported once, as
/// an input; one imported by several inputs once, its findings merged.
fn with_imported(done: Vec<(Report, Vec<Imported>)>) -> Vec<Report> {
    let same =
        |a: &str, b: &str| a == b || std::path::absolute(a).ok() == std::path::absolute(b).ok();
    let inputs: Vec<String> = done.iter().map(|(r, _)| r.name.clone()).collect();
    let mut reports = Vec::with_capacity(done.len());
    let mut extra: Vec<Report> = Vec::new();
    for (report, imported) in done {
        reports.push(report);
        for i in imported {
            if inputs.iter().any(|n| same(n, &i.name)) {
                continue;
            }
            match extra.iter_mut().find(|r| r.name == i.name) {
                Some(r) => {
                    for d in i.diagnostics {
                        if !r
                            .diagnostics
                            .iter()
                            .any(|x| x.code == d.code && x.range == d.range)
                        {
                            r.diagnostics.push(d);
                        }
                    }
                    r.diagnostics
                        .sort_by_key(|d| (d.range.start(), d.range.end()));
                }
                None => extra.push(Report {
                    name: i.name,
                    text: i.text,
                    diagnostics: i.diagnostics,
                }),
            }
        }
    }
    reports.extend(extra);
    reports
}

/// Writes the reports in `format`.
pub fn render(
    reports: &[Report],
    format: Format,
    color: bool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Human => human(reports, color, quiet, out),
        Format::Json => {
            let files: Vec<_> = reports.iter().map(json_file).collect();
            serde_json::to_writer(&mut *out, &files)?;
            writeln!(out)?;
            Ok(())
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(reports))?;
            writeln!(out)?;
            Ok(())
        }
        Format::Errfmt => {
            for r in reports {
                for (d, p, _) in r.located() {
                    let sev = match d.severity {
                        Severity::Error => 'E',
                        Severity::Warning => 'W',
                        Severity::Info => 'I',
                    };
                    writeln!(
                        out,
                        "{}>{}:{}:{}:{}:{}",
                        one_line(&r.name),
                        p.line,
                        p.col,
                        sev,
                        d.code,
                        one_line(&d.message)
                    )?;
                }
            }
            Ok(())
        }
        Format::Github => {
            for r in reports {
                for (d, s, e) in r.located() {
                    let level = match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                        Severity::Info => "notice",
                    };
                    writeln!(
                        out,
                        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                        gh_property(&r.name),
                        s.line,
                        s.col,
                        e.line,
                        e.col,
                        gh_property(d.code),
                        gh_data(&message_with_notes(d))
                    )?;
                }
            }
            Ok(())
        }
    }
}

/// A file name as a URI reference (SARIF `artifactLocation.uri`).
fn uri_ref(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF 2.1.0: one run, a rule per code that occurs.
fn sarif(reports: &[Report]) -> serde_json::Value {
    use serde_json::json;
    let mut codes: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(|d| d.code))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let summary = |code: &str| {
        nixexpr::lints::LINTS
            .iter()
            .find(|l| l.code == code)
            .map_or_else(|| code.replace('_', " "), |l| l.summary.to_owned())
    };
    let rules: Vec<_> = codes
        .iter()
        .map(|c| json!({ "id": c, "shortDescription": { "text": summary(c) } }))
        .collect();
    let mut results = Vec::new();
    for r in reports {
        let idx = LineIndex::new(&r.text);
        let region = |range: nixexpr::TextRange| {
            let s = idx.line_col(&r.text, range.start());
            let e = idx.line_col(&r.text, range.end());
            json!({ "startLine": s.line, "startColumn": s.col, "endLine": e.line, "endColumn": e.col.max(s.col) })
        };
        let uri = uri_ref(&r.name);
        for d in &r.diagnostics {
            let related: Vec<_> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    json!({
                        "id": i,
                        "message": { "text": rel.message },
                        "physicalLocation": { "artifactLocation": { "uri": uri }, "region": region(rel.range) }
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": codes.iter().position(|c| *c == d.code),
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Info => "note" },
                "message": { "text": message_with_notes(d) },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": uri },
                    "region": region(d.range)
                }}]
            });
            if !related.is_empty() {
                result["relatedLocations"] = serde_json::Value::Array(related);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "nixunits", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            // Columns count characters (LineCol), as SARIF's default does not.
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    })
}

fn one_line(s: &str) -> String {
    safe(&s.replace(['\n', '\r'], " ")).into_owned()
}

/// The source made [`safe`](crate::base::term::safe) for a terminal, and where each byte offset of
/// the original lands in it (so the ranges of diagnostics still point at
/// the same characters).
fn safe_source(text: &str) -> (String, impl Fn(usize) -> usize + '_) {
    let escaped = safe(text).into_owned();
    // The byte offsets of the unsafe characters, and how much each adds.
    let grown: Vec<(usize, usize)> = text
        .char_indices()
        .filter(|(_, c)| unsafe_char(*c))
        .map(|(i, c)| (i, format!("\\u{{{:x}}}", u32::from(c)).len() - c.len_utf8()))
        .collect();
    let map = move |off: usize| {
        off + grown
            .iter()
            .take_while(|(i, _)| *i < off)
            .map(|(_, g)| g)
            .sum::<usize>()
    };
    (escaped, map)
}

/// Escapes the message of a GitHub workflow command.
pub fn gh_data(s: &str) -> String {
    safe(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a GitHub workflow command.
pub fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn human(reports: &[Report], color: bool, quiet: bool, out: &mut dyn Write) -> Result<()> {
    let config = term::Config::default();
    let (mut errors, mut warnings, mut bad_files) = (0, 0, 0);
    for r in reports {
        let (text, at) = safe_source(&r.text);
        let name = safe(&r.name);
        let file = SimpleFile::new(name.as_ref(), text.as_str());
        let range = |r: std::ops::Range<usize>| at(r.start)..at(r.end);
        let mut buf = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        for d in &r.diagnostics {
            let cs = match d.severity {
                Severity::Error => CsDiagnostic::error(),
                Severity::Warning => CsDiagnostic::warning(),
                Severity::Info => CsDiagnostic::note(),
            };
            let mut labels = vec![Label::primary((), range(d.range.into()))];
            labels.extend(d.related.iter().map(|rel| {
                Label::secondary((), range(rel.range.into())).with_message(safe(&rel.message))
            }));
            let cs = cs
                .with_code(d.code)
                .with_message(safe(&d.message))
                .with_labels(labels)
                .with_notes(d.notes.iter().map(|n| safe(n).into_owned()).collect());
            term::emit_to_write_style(&mut buf, &config, &file, &cs)?;
        }
        out.write_all(buf.as_slice())?;
        let (e, w) = (r.count(Severity::Error), r.count(Severity::Warning));
        errors += e;
        warnings += w;
        bad_files += usize::from(e + w > 0);
    }
    if !quiet {
        let n = reports.len();
        let files = if n == 1 { "file" } else { "files" };
        if errors + warnings == 0 {
            writeln!(out, "checked {n} {files}: no problems")?;
        } else {
            let mut found = Vec::new();
            if errors > 0 {
                found.push(plural(errors, "error"));
            }
            if warnings > 0 {
                found.push(plural(warnings, "warning"));
            }
            writeln!(
                out,
                "checked {n} {files}: {} in {}",
                found.join(" and "),
                plural(bad_files, "file")
            )?;
        }
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    #[serde(flatten)]
    diagnostic: &'a Diagnostic,
    start: LineCol,
    end: LineCol,
}

fn json_file(r: &Report) -> JsonFile<'_> {
    JsonFile {
        file: &r.name,
        errors: r.count(Severity::Error),
        warnings: r.count(Severity::Warning),
        diagnostics: r
            .located()
            .map(|(diagnostic, start, end)| JsonDiagnostic {
                diagnostic,
                start,
                end,
            })
            .collect(),
    }
}

/// `nixunits check`: the exit code is 1 when any file has an error.
pub fn run(args: &CheckArgs, global: &Global, color: bool) -> Result<bool> {
    let quiet = global.quiet;
    let opts = options(args)?;
    // The schema loads while the files are read (each is about a tenth of
    // checking 5,000 files); its error, if both fail, is the one shown.
    let (extra, inputs) = std::thread::scope(|s| {
        let extra = s.spawn(|| Extra::resolve(args, global));
        let inputs = read_inputs(args);
        let extra = extra
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (extra, inputs)
    });
    let extra = extra?;
    let inputs = inputs?;
    let reports = check_all(inputs, &opts, &extra);
    if extra.eval && extra.schema.is_none() && args.format == Format::Human && !quiet {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: option names and types were not checked: no schema (nixunits schema import|generate)");
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    render(&reports, args.format, color, quiet, &mut out)?;
    out.flush()?;
    // The process ends now: freeing a 20,000-option schema one allocation
    // at a time would cost an eighth of a one-snippet check (callgrind).
    std::mem::forget(extra);
    Ok(reports.iter().all(|r| r.count(Severity::Error) == 0))
}
