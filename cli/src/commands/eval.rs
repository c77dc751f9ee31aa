//! `nixunits eval FILE [--json]`: the option definitions the embedded
//! evaluator finds in a snippet; and the loader through which it reads
//! the snippet's imports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use nixunits_eval::eval::{Limits, LoadError, Loader};
use nixunits_eval::module::{evaluate_parsed, Args, Evaluated};
use nixunits_nixexpr::{LineIndex, TextSize};

use crate::base::UsageError;

/// Reads files under one directory only: a snippet's imports may not reach
/// outside its own tree (`import /etc/passwd` is refused).
pub struct TreeLoader {
    root: PathBuf,
    /// `root` resolved, on the first import only (most snippets import
    /// nothing).
    real_root: std::cell::OnceCell<PathBuf>,
}

/// The file an import of `path` reads (a directory's `default.nix`), with
/// every link resolved.
pub(crate) fn real_source(path: &str) -> Result<PathBuf, LoadError> {
    let p = Path::new(path);
    let p = if p.is_dir() {
        p.join("default.nix")
    } else {
        p.to_path_buf()
    };
    std::fs::canonicalize(&p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::Missing("it does not exist".into()),
        _ => LoadError::Refused(e.to_string()),
    })
}

impl Loader for TreeLoader {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        let real = real_source(path)?;
        let root = self.real_root.get_or_init(|| {
            std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone())
        });
        if !real.starts_with(root) {
            return Err(LoadError::Refused(format!(
                "it is outside the snippet's directory {}",
                self.root.display()
            )));
        }
        let meta = std::fs::metadata(&real).map_err(|e| LoadError::Refused(e.to_string()))?;
        if meta.len() > crate::base::input::MAX_SNIPPET {
            return Err(LoadError::Refused("it is larger than 1 MiB".into()));
        }
        std::fs::read_to_string(&real).map_err(|e| LoadError::Refused(e.to_string()))
    }

    fn is_dir(&self, path: &str) -> bool {
        Path::new(path).is_dir()
    }
}

/// Evaluates the snippet at `path`; file names in the result are relative
/// to the current directory when they are below it (the snippet's own name
/// is returned beside).
pub fn evaluate_file(
    path: &Path,
    text: &str,
    tree: Option<(
        &nixunits_nixexpr::ast::Expr,
        &nixunits_nixexpr::lower::Lowered<'_>,
    )>,
    cwd: Option<&Path>,
    limits: Limits,
) -> (Evaluated, String) {
    evaluate_file_with(path, text, tree, cwd, limits, None)
}

/// The options nixunits' base module (`nix/container.nix`) defines more
/// strongly than a snippet's plain definition (`mkForce`): their value is
/// never the snippet's.
fn forced_by_base() -> &'static [Vec<String>] {
    static FORCED: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    FORCED.get_or_init(|| {
        struct Nothing;
        impl Loader for Nothing {
            fn load(&self, _: &str) -> Result<String, LoadError> {
                Err(LoadError::Refused("the base module reads no file".into()))
            }
        }
        let e = nixunits_eval::module::evaluate(
            "/nixunits/container.nix",
            include_str!("../../../nix/container.nix"),
            &Nothing,
            Limits::default(),
            &Args::default(),
        );
        e.definitions
            .into_iter()
            .filter(|d| d.priority < 100)
            .map(|d| d.path)
            .collect()
    })
}

/// [`evaluate_file`]; with a schema, `config` holds what the snippet alone
/// decides (`nixunits_eval::config`), so that `mkIf config.….enable` is
/// known where the snippet sets it.
pub fn evaluate_file_with(
    path: &Path,
    text: &str,
    tree: Option<(
        &nixunits_nixexpr::ast::Expr,
        &nixunits_nixexpr::lower::Lowered<'_>,
    )>,
    cwd: Option<&Path>,
    limits: Limits,
    schema: Option<&nixunits_eval::schema::Schema>,
) -> (Evaluated, String) {
    // Fault injection for the tests, in debug builds only: a panic (a bug)
    // where a snippet contains the marker, so that the tests see what a
    // bug met while evaluating becomes in `check`, `eval`, `build` and the
    // language server.
    #[cfg(debug_assertions)]
    if let Some(marker) = std::env::var("NIXUNITS_FAULT_PANIC")
        .ok()
        .filter(|m| !m.is_empty())
    {
        assert!(
            !text.contains(&marker),
            "a fault injected by NIXUNITS_FAULT_PANIC"
        );
    }
    // Absolute, not resolved: resolving costs a system call per component,
    // for every file checked; imports resolve what they read.
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let root = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
    let loader = TreeLoader {
        root,
        real_root: std::cell::OnceCell::new(),
    };
    let name = abs.display().to_string();
    let run = |args: &Args| evaluate_parsed(&name, text, tree, &loader, limits, args);
    let first = run(&Args::default());
    let mut e = match schema {
        Some(s) => nixunits_eval::config::settle(s, text, first, forced_by_base(), |config| {
            run(&Args {
                config: Some(config),
                ..Args::default()
            })
        }),
        None => first,
    };
    let shorten = |f: &mut String| {
        if let Some(c) = cwd {
            if let Ok(rel) = Path::new(f.as_str()).strip_prefix(c) {
                *f = rel.display().to_string();
            }
        }
    };
    let abs_name = abs.display().to_string();
    let mut main = abs_name.clone();
    shorten(&mut main);
    // Most definitions are the snippet's own: one comparison, no path work.
    for d in &mut e.definitions {
        if d.file == abs_name {
            d.file.clone_from(&main);
        } else {
            shorten(&mut d.file);
        }
    }
    for (f, _) in &mut e.diagnostics {
        shorten(f);
    }
    for f in &mut e.files {
        shorten(&mut f.name);
    }
    (e, main)
}

/// `nixunits eval`.
#[allow(clippy::print_stderr)]
/// Exit status 1 (false) when the file does not parse or is not a module:
/// its diagnostics are printed and nothing is evaluated.
pub fn run(
    file: &Path,
    json: bool,
    schema: Option<&nixunits_eval::schema::Schema>,
) -> Result<bool> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    let opts = nixunits_nixexpr::CheckOptions {
        version: crate::base::nix::detect_version().unwrap_or_default(),
        ..nixunits_nixexpr::CheckOptions::default()
    };
    let found = nixunits_nixexpr::check(&text, &opts);
    if nixunits_nixexpr::has_errors(&found) {
        let idx = LineIndex::new(&text);
        for d in found
            .iter()
            .filter(|d| d.severity == nixunits_nixexpr::Severity::Error)
        {
            let p = idx.line_col(&text, d.range.start());
            eprintln!(
                "error[{}]: {} ({}:{}:{})",
                d.code,
                crate::base::term::safe(&d.message),
                crate::base::term::safe(&file.display().to_string()),
                p.line,
                p.col
            );
        }
        eprintln!("nixunits: {} is not evaluated: it is not a module Nix would accept (see `nixunits check`)", file.display());
        return Ok(false);
    }
    let evaluated = crate::base::bug::guard(|| {
        evaluate_file_with(
            file,
            &text,
            None,
            crate::base::input::cwd().as_deref(),
            Limits::default(),
            schema,
        )
    });
    let (mut e, _) = match evaluated {
        Ok(x) => x,
        Err(why) => {
            let d = crate::base::bug::internal_error("evaluating this file", &why);
            eprintln!(
                "error[{}]: {} ({})",
                d.code,
                crate::base::term::message_with_notes(&d).replace('\n', "; "),
                crate::base::term::safe(&file.display().to_string()),
            );
            return Ok(false);
        }
    };
    // With a schema, priorities are filtered at each declared option (and
    // element), where NixOS filters them.
    if let Some(s) = schema {
        nixunits_eval::schema::apply_priorities(s, &mut e.definitions);
    }
    // Each file read and indexed once, however many definitions it makes.
    let mut files: HashMap<String, (String, LineIndex)> = HashMap::new();
    let mut line_col = |f: &str, offset: TextSize| {
        let (t, idx) = files.entry(f.to_owned()).or_insert_with(|| {
            let t = std::fs::read_to_string(f).unwrap_or_default();
            let idx = LineIndex::new(&t);
            (t, idx)
        });
        idx.line_col(t, offset)
    };
    for (f, d) in &e.diagnostics {
        let p = line_col(f, d.range.start());
        eprintln!(
            "{}[{}]: {} ({f}:{}:{})",
            d.severity.as_str(),
            d.code,
            d.message,
            p.line,
            p.col
        );
    }
    if json {
        outln!("{}", serde_json::to_string(&e.definitions)?);
        return Ok(true);
    }
    for d in &e.definitions {
        let value = match (&d.value, d.known) {
            (Some(v), _) => v.to_string(),
            (None, true) => "<function>".to_owned(),
            (None, false) => "<unknown>".to_owned(),
        };
        let mut notes = Vec::new();
        match d.priority {
            100 => {}
            1000 => notes.push("mkDefault".to_owned()),
            50 => notes.push("mkForce".to_owned()),
            p => notes.push(format!("priority {p}")),
        }
        match d.condition {
            nixunits_eval::module::Condition::True => {}
            nixunits_eval::module::Condition::False => notes.push("if false".to_owned()),
            nixunits_eval::module::Condition::Unknown => notes.push("if …".to_owned()),
        }
        if d.overridden {
            notes.push("overridden".to_owned());
        }
        let p = line_col(&d.file, TextSize::from(d.range[0]));
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join(", "))
        };
        outln!(
            "{} = {value}{notes}  {}:{}",
            crate::base::term::safe(&nixunits_eval::module::show_path(&d.path)),
            crate::base::term::safe(&d.file),
            p.line
        );
    }
    Ok(true)
}
