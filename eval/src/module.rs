//! From a snippet to its option definitions, as the NixOS module system
//! would see them: the module applied to its arguments (`lib` known,
//! `pkgs` and `config` unknown), `imports` followed, the `config`/`options`
//! split, and `mkIf`/`mkMerge`/`mkOverride`/`mkOrder` pushed down to the
//! definitions they wrap.

use serde::Serialize;

use nixunits_nixexpr::Diagnostic;

use crate::eval::{Evaluator, Limits, Loader, Store};
use crate::value::{Attrs, Loc, Slot, Thunk, Value};

/// Whether a definition applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// Always.
    True,
    /// Never (`mkIf false`).
    False,
    /// Not known statically.
    Unknown,
}

impl Condition {
    fn and(self, other: Condition) -> Condition {
        match (self, other) {
            (Condition::False, _) | (_, Condition::False) => Condition::False,
            (Condition::True, x) | (x, Condition::True) => x,
            _ => Condition::Unknown,
        }
    }
}

/// One definition of an option (the `eval --json` format).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    /// The option path; `<name>` where an attribute name is not known.
    pub path: Vec<String>,
    /// Whether the value is known.
    pub known: bool,
    /// The value, when known and representable in JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The priority: 100 plain, 1000 `mkDefault`, 50 `mkForce`.
    pub priority: i64,
    /// Under which condition.
    pub condition: Condition,
    /// Byte range of the definition in `file`.
    pub range: [u32; 2],
    /// The file.
    pub file: String,
    /// A definition of higher priority (lower number) replaces this one, as
    /// the module system drops it: a definition of the same path, or one
    /// anywhere in an attribute set `mkDefault`/`mkForce`/`mkOverride` was
    /// applied to as a whole (the set goes as one definition).
    #[serde(skip_serializing_if = "is_false")]
    pub overridden: bool,
    /// How much of `path` the override this definition is under was
    /// applied to (`mkDefault { … }` at `services.foo`: 2).
    #[serde(skip)]
    pub override_root: Option<usize>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Marks the definitions a definition of higher priority replaces.
fn mark_overridden(defs: &mut [Definition]) {
    // The part of each path its priority applies to as one definition.
    let scope: Vec<usize> = defs
        .iter()
        .map(|d| d.override_root.unwrap_or(d.path.len()).min(d.path.len()))
        .collect();
    // Definitions that can replace others (condition known true), strongest
    // first; most snippets have one priority, and then nothing to do.
    let mut strong: Vec<usize> = (0..defs.len())
        .filter(|&i| defs[i].condition == Condition::True)
        .collect();
    strong.sort_by_key(|&i| defs[i].priority);
    let Some(&top) = strong.first() else { return };
    let best = defs[top].priority;
    if defs.iter().all(|d| d.priority == best) {
        return;
    }
    // A definition is replaced by a stronger one whose path its own part
    // is a prefix of, or whose part is a prefix of its path. Both looked up
    // by prefix (hashed one segment after the other), not by comparing
    // every pair: 10^5 definitions at two priorities took minutes.
    let prefixes = |path: &[String]| -> Vec<u64> {
        use std::hash::{Hash, Hasher};
        let mut out = Vec::with_capacity(path.len() + 1);
        let mut h = 0u64;
        out.push(h);
        for seg in path {
            let mut s = std::collections::hash_map::DefaultHasher::new();
            (h, seg).hash(&mut s);
            h = s.finish();
            out.push(h);
        }
        out
    };
    let hashes: Vec<Vec<u64>> = defs.iter().map(|d| prefixes(&d.path)).collect();
    // The strongest priority through each prefix of a strong path, and at
    // the part of each strong path its priority applies to.
    let mut through: std::collections::HashMap<u64, i64> = std::collections::HashMap::new();
    let mut roots: std::collections::HashMap<u64, i64> = std::collections::HashMap::new();
    for &j in &strong {
        let p = defs[j].priority;
        for &h in &hashes[j] {
            through.entry(h).or_insert(p);
        }
        roots.entry(hashes[j][scope[j]]).or_insert(p);
    }
    let marks: Vec<bool> = (0..defs.len())
        .map(|i| {
            let d = &defs[i];
            if d.condition == Condition::False {
                return false;
            }
            let stronger = |m: Option<&i64>| m.is_some_and(|&p| p < d.priority);
            stronger(through.get(&hashes[i][scope[i]]))
                || hashes[i].iter().any(|h| stronger(roots.get(h)))
        })
        .collect();
    for (d, m) in defs.iter_mut().zip(marks) {
        d.overridden = m;
    }
}

/// An option path as Nix writes it: names that are not identifiers quoted
/// (`boot.kernel.sysctl."vm.swappiness"`).
pub fn show_path(path: &[String]) -> String {
    path.iter()
        .map(|p| {
            let ident = p
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
            if ident || p == "<name>" {
                p.clone()
            } else {
                format!("{p:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The arguments a snippet receives that are known statically.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// The container id, if known.
    pub id: Option<String>,
}

/// What evaluating a snippet found.
pub struct Evaluated {
    /// The definitions, in the order found.
    pub definitions: Vec<Definition>,
    /// Diagnostics, with the file they are about.
    pub diagnostics: Vec<(String, Diagnostic)>,
    /// Every file read: the snippet first, then what it imports.
    pub files: Vec<SourceFile>,
}

/// A file the evaluation read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its name (as in [`Definition::file`]).
    pub name: String,
    /// Its text (empty for the snippet itself, which the caller has).
    pub text: String,
    /// Where it was imported: the index of the importing file in
    /// [`Evaluated::files`] and the byte range there.
    pub from: Option<(usize, [u32; 2])>,
}

impl Evaluated {
    /// The import chain of file `name`, from the snippet down to it:
    /// `(importing file, byte range there)`, outermost first.
    pub fn chain(&self, name: &str) -> Vec<(&str, [u32; 2])> {
        let mut out = Vec::new();
        let mut at = self.files.iter().position(|f| f.name == name);
        let mut guard = 0;
        while let Some(i) = at {
            let Some((from, range)) = self.files[i].from else {
                break;
            };
            out.push((self.files[from].name.as_str(), range));
            at = Some(from);
            guard += 1;
            if guard > self.files.len() {
                break;
            }
        }
        out.reverse();
        out
    }
}

/// Evaluates the snippet `text` (named `name`, an absolute path for
/// imports to resolve against) and lists its definitions.
pub fn evaluate(
    name: &str,
    text: &str,
    loader: &dyn Loader,
    limits: Limits,
    args: &Args,
) -> Evaluated {
    evaluate_parsed(name, text, None, loader, limits, args)
}

/// [`evaluate`], with the snippet's tree when the caller has it already.
pub fn evaluate_parsed(
    name: &str,
    text: &str,
    tree: Option<(
        &nixunits_nixexpr::ast::Expr,
        &nixunits_nixexpr::lower::Lowered<'_>,
    )>,
    loader: &dyn Loader,
    limits: Limits,
    args: &Args,
) -> Evaluated {
    let store = Store::new();
    let ev = Evaluator::new(&store, loader, limits);
    let mut out = Vec::new();
    let idx = match tree {
        Some((e, l)) => Some(ev.add_borrowed(name, text, e, l)),
        None => ev.add_file(name, text.to_owned(), None),
    };
    if let Some(idx) = idx {
        let v = ev.eval_file(idx);
        let mut w = Walker {
            ev: &ev,
            args,
            out: &mut out,
            modules: 0,
            stack: vec![idx],
            seen: [idx].into(),
            root: None,
        };
        w.module(v, idx);
    }
    mark_overridden(&mut out);
    let files = ev.files.borrow();
    let diagnostics = ev
        .diagnostics
        .borrow()
        .iter()
        .map(|(f, d)| {
            (
                files
                    .get(*f as usize)
                    .map_or_else(|| name.to_owned(), |x| x.name.clone()),
                d.clone(),
            )
        })
        .collect();
    let sources = files
        .iter()
        .map(|f| SourceFile {
            name: f.name.clone(),
            // The snippet's own text is the caller's already.
            text: if f.from.is_some() {
                f.text.to_owned()
            } else {
                String::new()
            },
            from: f.from.map(|l| {
                (
                    l.file as usize,
                    [u32::from(l.range.start()), u32::from(l.range.end())],
                )
            }),
        })
        .collect();
    Evaluated {
        definitions: out,
        diagnostics,
        files: sources,
    }
}

/// Names of a module's top level that are not option definitions.
const MODULE_KEYS: &[&str] = &[
    "_file",
    "key",
    "disabledModules",
    "imports",
    "options",
    "config",
    "meta",
    "freeformType",
    "_class",
];

struct Walker<'e, 'a> {
    ev: &'e Evaluator<'a>,
    args: &'e Args,
    out: &'e mut Vec<Definition>,
    modules: usize,
    /// The files whose modules are being walked (an import of one of them
    /// is a cycle).
    stack: Vec<u32>,
    /// Files already walked: NixOS imports a file once.
    seen: std::collections::BTreeSet<u32>,
    /// The depth of the innermost override being flattened.
    root: Option<usize>,
}

impl<'a> Walker<'_, 'a> {
    fn module_args(&self) -> Value<'a> {
        let mut a = Attrs::default();
        let mut put = |k: &str, v: Value<'a>| {
            a.map.insert(
                k.to_owned(),
                Slot {
                    thunk: Thunk::value(v),
                    loc: None,
                },
            );
        };
        put("lib", Value::Lib);
        put("pkgs", Value::Pkgs);
        for k in [
            "config",
            "options",
            "modulesPath",
            "network",
            "properties",
            "specialArgs",
            "utils",
        ] {
            put(k, Value::Unknown);
        }
        put(
            "id",
            self.args
                .id
                .clone()
                .map_or(Value::Unknown, |s| Value::Str(s.into())),
        );
        Value::Attrs(std::rc::Rc::new(a))
    }

    fn module(&mut self, v: Value<'a>, file: u32) {
        self.modules += 1;
        if self.modules > 1000 {
            return;
        }
        let whole = Loc {
            file,
            range: self.ev.files.borrow()[file as usize].expr.range,
        };
        let v = match v {
            Value::Lambda(_) => self.ev.apply(v, Thunk::value(self.module_args()), whole),
            v => v,
        };
        match v {
            Value::Path(p) => self.import_module(&p, whole),
            Value::Attrs(a) => {
                if let Some(imports) = a.map.get("imports") {
                    if let Value::List(items) = self.ev.force(&imports.thunk) {
                        for item in items.iter() {
                            // The entry itself, when it is written there.
                            let at = item.loc().or(imports.loc).unwrap_or(whole);
                            match self.ev.force(item) {
                                Value::Path(p) => self.import_module(&p, at),
                                other => self.module(other, file),
                            }
                        }
                    }
                }
                let is_typed = a.map.contains_key("_type");
                if !is_typed && (a.map.contains_key("config") || a.map.contains_key("options")) {
                    if let Some(c) = a.map.get("config") {
                        let v = self.ev.force(&c.thunk);
                        self.flatten(
                            v,
                            &mut Vec::new(),
                            100,
                            Condition::True,
                            c.loc.unwrap_or(whole),
                        );
                    }
                } else if is_typed {
                    self.flatten(
                        Value::Attrs(a.clone()),
                        &mut Vec::new(),
                        100,
                        Condition::True,
                        whole,
                    );
                } else {
                    let rest = Attrs {
                        map: a
                            .map
                            .iter()
                            .filter(|(k, _)| !MODULE_KEYS.contains(&k.as_str()))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                        unknown_names: a.unknown_names.clone(),
                    };
                    self.flatten(
                        Value::Attrs(std::rc::Rc::new(rest)),
                        &mut Vec::new(),
                        100,
                        Condition::True,
                        whole,
                    );
                }
            }
            _ => {}
        }
    }

    /// A module from a file: once per file, and a cycle reported, not
    /// followed.
    fn import_module(&mut self, path: &str, at: Loc) {
        if let Some(idx) = self.file_index(path) {
            if self.stack.contains(&idx) {
                let chain: Vec<String> = self
                    .stack
                    .iter()
                    .map(|i| self.ev.files.borrow()[*i as usize].name.clone())
                    .collect();
                self.ev.report(
                    at,
                    "import_cycle",
                    format!("{path} imports itself (through {})", chain.join(" → ")),
                );
                return;
            }
            if self.seen.contains(&idx) {
                return;
            }
        }
        let m = self.ev.import(path, at);
        if let Some(idx) = self.file_index(path) {
            if self.seen.insert(idx) {
                self.stack.push(idx);
                self.module(m, idx);
                self.stack.pop();
            }
        }
    }

    fn file_index(&self, path: &str) -> Option<u32> {
        let p = crate::eval::normalize(path);
        self.ev
            .files
            .borrow()
            .iter()
            .position(|f| f.name == p)
            .map(|i| i as u32)
    }

    fn leaf(
        &mut self,
        v: &Value<'a>,
        path: &[String],
        priority: i64,
        condition: Condition,
        loc: Loc,
    ) {
        // Forcing the value may import a file (`with import ./lib.nix { … }`),
        // which adds to the file table: no borrow of it is held until then.
        let value = to_json(self.ev, v, 0, &mut 0);
        // A value with a JSON form is known; one without may still be (a
        // function).
        let known = value.is_some() || !has_unknown(self.ev, v, 0);
        let file = self.ev.files.borrow()[loc.file as usize].name.clone();
        self.out.push(Definition {
            path: path.to_vec(),
            known,
            value: if known { value } else { None },
            priority,
            condition,
            range: [u32::from(loc.range.start()), u32::from(loc.range.end())],
            file,
            overridden: false,
            override_root: self.root,
        });
    }

    fn flatten(
        &mut self,
        v: Value<'a>,
        path: &mut Vec<String>,
        priority: i64,
        cond: Condition,
        loc: Loc,
    ) {
        if self.out.len() > 100_000 || path.len() > 64 {
            return;
        }
        match &v {
            Value::Attrs(a) => {
                if let Some(t) = a.map.get("_type") {
                    let ty = match self.ev.force(&t.thunk) {
                        Value::Str(s) => s.to_string(),
                        _ => String::new(),
                    };
                    let field = |n: &str| a.map.get(n).map(|s| self.ev.force(&s.thunk));
                    match ty.as_str() {
                        "if" => {
                            let c = match field("condition") {
                                Some(Value::Bool(true)) => Condition::True,
                                Some(Value::Bool(false)) => Condition::False,
                                _ => Condition::Unknown,
                            };
                            if let Some(content) = field("content") {
                                self.flatten(content, path, priority, cond.and(c), loc);
                            }
                            return;
                        }
                        "merge" => {
                            if let Some(Value::List(items)) = field("contents") {
                                for i in items.iter() {
                                    let x = self.ev.force(i);
                                    self.flatten(x, path, priority, cond, loc);
                                }
                            } else {
                                self.leaf(&Value::Unknown, path, priority, cond, loc);
                            }
                            return;
                        }
                        "override" => {
                            let p = match field("priority") {
                                Some(Value::Int(p)) => p,
                                _ => priority,
                            };
                            if let Some(content) = field("content") {
                                let saved = self.root.replace(path.len());
                                self.flatten(content, path, p, cond, loc);
                                self.root = saved;
                            }
                            return;
                        }
                        "order" => {
                            if let Some(content) = field("content") {
                                self.flatten(content, path, priority, cond, loc);
                            }
                            return;
                        }
                        _ => {}
                    }
                }
                if a.map.is_empty() && a.unknown_names.is_empty() {
                    if !path.is_empty() {
                        self.leaf(&v, path, priority, cond, loc);
                    }
                    return;
                }
                for (k, slot) in &a.map {
                    path.push(k.clone());
                    let x = self.ev.force(&slot.thunk);
                    self.flatten(x, path, priority, cond, slot.loc.unwrap_or(loc));
                    path.pop();
                }
                for slot in &a.unknown_names {
                    path.push("<name>".to_owned());
                    let x = self.ev.force(&slot.thunk);
                    self.flatten(x, path, priority, cond, slot.loc.unwrap_or(loc));
                    path.pop();
                }
            }
            _ => self.leaf(&v, path, priority, cond, loc),
        }
    }
}

fn has_unknown<'a>(ev: &Evaluator<'a>, v: &Value<'a>, depth: u32) -> bool {
    if depth > 64 || !ev.work(1) {
        return true;
    }
    match v {
        Value::Unknown | Value::Pkgs => true,
        Value::List(items) => items
            .iter()
            .any(|t| has_unknown(ev, &ev.force(t), depth + 1)),
        Value::Attrs(a) => {
            !a.unknown_names.is_empty()
                || a.map
                    .values()
                    .any(|s| has_unknown(ev, &ev.force(&s.thunk), depth + 1))
        }
        _ => false,
    }
}

/// The JSON of a value, when it has one (functions do not).
fn to_json<'a>(
    ev: &Evaluator<'a>,
    v: &Value<'a>,
    depth: u32,
    budget: &mut usize,
) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    *budget += 1;
    if depth > 64 || *budget > 100_000 || !ev.work(1) {
        return None;
    }
    Some(match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number)?,
        Value::Str(s) | Value::Path(s) => J::String(s.to_string()),
        Value::List(items) => J::Array(
            items
                .iter()
                .map(|t| to_json(ev, &ev.force(t), depth + 1, budget))
                .collect::<Option<_>>()?,
        ),
        Value::Attrs(a) => {
            if !a.unknown_names.is_empty() {
                return None;
            }
            let mut m = serde_json::Map::new();
            for (k, s) in &a.map {
                m.insert(
                    k.clone(),
                    to_json(ev, &ev.force(&s.thunk), depth + 1, budget)?,
                );
            }
            J::Object(m)
        }
        _ => return None,
    })
}
