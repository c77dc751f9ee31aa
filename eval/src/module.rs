//! From a snippet to its option definitions, as the NixOS module system
//! would see them: the module applied to its arguments (`lib` known,
//! `pkgs` and `config` unknown), `imports` followed, the `config`/`options`
//! split, and `mkIf`/`mkMerge`/`mkOverride`/`mkOrder` pushed down to the
//! definitions they wrap.

use serde::Serialize;

use nixunits_nixexpr::Diagnostic;

use crate::data::{Data, DataAttrs};
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
    /// The value with its kind (a path, a function, a derivation), unknown
    /// parts included: what the type checks read.
    #[serde(skip)]
    pub data: Data,
    /// Every `mkOverride` above the value, outermost first: how much of
    /// `path` it wraps, and its priority. The module system filters
    /// priorities at each option (and element) it merges, so a priority
    /// applies at the options at or below where it was written.
    #[serde(skip)]
    pub overrides: Vec<(usize, i64)>,
    /// Which definition this one is part of, as the module system splits
    /// them: one entry per module and per `mkMerge` content above the
    /// value, with how much of `path` it is at. Two values are parts of one
    /// definition of an option at depth `d` when their entries up to `d`
    /// are the same.
    #[serde(skip)]
    pub splits: Vec<(usize, u32)>,
    /// Every `mkOrder` (`mkBefore`, `mkAfter`) above the value, outermost
    /// first: how much of `path` it wraps, and its priority.
    #[serde(skip)]
    pub orders: Vec<(usize, i64)>,
    /// How much of `path` each `mkIf` above the value wraps, outermost
    /// first.
    #[serde(skip)]
    pub ifs: Vec<usize>,
    /// Which module it is in: the indexes of the `imports` entries that
    /// lead to it from the snippet. NixOS orders modules breadth first
    /// (`builtins.genericClosure`): by length, then by these indexes.
    #[serde(skip)]
    pub module: Vec<u32>,
    /// It defines an option the snippet's own modules declare (`options.x
    /// = mkOption { … }`): its type is theirs, not the schema's.
    #[serde(skip)]
    pub own_option: bool,
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
    /// What `config` is known to hold (the options the snippet alone
    /// decides, [`crate::config`]); every other name in it is unknown.
    pub config: Option<Data>,
}

/// What evaluating a snippet found.
pub struct Evaluated {
    /// The definitions, in the order found.
    pub definitions: Vec<Definition>,
    /// Diagnostics, with the file they are about.
    pub diagnostics: Vec<(String, Diagnostic)>,
    /// Every file read: the snippet first, then what it imports.
    pub files: Vec<SourceFile>,
    /// Modules whose content is not known (an import refused, a module
    /// that is a value not known statically): they may define anything.
    pub unknown_modules: usize,
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
    let mut unknown_modules = 0;
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
            overrides: Vec::new(),
            splits: Vec::new(),
            next_split: 0,
            orders: Vec::new(),
            ifs: Vec::new(),
            mpath: Vec::new(),
            unknown_modules: 0,
            declared: Vec::new(),
        };
        w.module(v, idx);
        unknown_modules = w.unknown_modules;
        let declared = std::mem::take(&mut w.declared);
        for d in &mut out {
            d.own_option = declared
                .iter()
                .any(|p| d.path.iter().zip(p).all(|(a, b)| a == b || a == "<name>"));
        }
    }
    mark_overridden(&mut out);
    let files = ev.files.borrow();
    // What `trace` and `throw` record is for the checks of types
    // (`types::predicate`), not a finding about the snippet.
    let diagnostics = ev
        .diagnostics
        .borrow()
        .iter()
        .filter(|(_, d)| d.code != crate::prims::TRACE && d.code != crate::prims::THROW)
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
        unknown_modules,
    }
}

/// Names of a module's top level that are not option definitions.
const MODULE_KEYS: &[&str] = &[
    "_file",
    "key",
    "disabledModules",
    "imports",
    "require",
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
    /// The overrides above the value being flattened (depth, priority).
    overrides: Vec<(usize, i64)>,
    /// The modules and `mkMerge` contents above it (depth, id).
    splits: Vec<(usize, u32)>,
    next_split: u32,
    /// The `mkOrder`s above it (depth, priority).
    orders: Vec<(usize, i64)>,
    /// The `mkIf`s above it (depth).
    ifs: Vec<usize>,
    /// The `imports` entries that lead to the module being walked.
    mpath: Vec<u32>,
    /// Modules whose content is not known.
    unknown_modules: usize,
    /// The option paths the snippet's own modules declare (where their
    /// `options` set has a value that is not a set of more names).
    declared: Vec<Vec<String>>,
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
        put(
            "config",
            self.args
                .config
                .as_ref()
                .map_or(Value::Unknown, crate::types::predicate::from_data),
        );
        for k in [
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

    /// A new part of a definition (a module, a `mkMerge` content) at
    /// `depth`: what `f` flattens is a definition of its own there.
    fn split<R>(&mut self, depth: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.next_split += 1;
        self.splits.push((depth, self.next_split));
        let r = f(self);
        self.splits.pop();
        r
    }

    fn module(&mut self, v: Value<'a>, file: u32) {
        self.modules += 1;
        if self.modules > 1000 {
            return;
        }
        let saved = std::mem::take(&mut self.splits);
        self.split(0, |w| w.module_inner(v, file));
        self.splits = saved;
    }

    fn module_inner(&mut self, v: Value<'a>, file: u32) {
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
                // `require` is the module system's older name of `imports`
                // (`m.require or [ ] ++ m.imports or [ ]`, still so).
                let mut k = 0usize;
                for key in ["require", "imports"] {
                    let Some(imports) = a.map.get(key) else {
                        continue;
                    };
                    let list = self.ev.force(&imports.thunk);
                    if !matches!(list, Value::List(_)) {
                        self.unknown_modules += 1;
                    }
                    if let Value::List(items) = list {
                        for item in items.iter() {
                            // The entry itself, when it is written there.
                            let at = item.loc().or(imports.loc).unwrap_or(whole);
                            self.mpath.push(u32::try_from(k).unwrap_or(u32::MAX));
                            k += 1;
                            match self.ev.force(item) {
                                Value::Path(p) => self.import_module(&p, at),
                                other => self.module(other, file),
                            }
                            self.mpath.pop();
                        }
                    }
                }
                if let Some(o) = a.map.get("options") {
                    let v = self.ev.force(&o.thunk);
                    self.declare(&v, &mut Vec::new());
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
            _ => self.unknown_modules += 1,
        }
    }

    /// The options a module's `options` set declares: each path to a value
    /// that is not a plain set of names (an `mkOption`, or what is not
    /// known: it may declare anything below).
    fn declare(&mut self, v: &Value<'a>, path: &mut Vec<String>) {
        if path.len() > 32 || self.declared.len() > 10_000 {
            self.declared.push(path.clone());
            return;
        }
        match v {
            Value::Attrs(a) if !a.map.contains_key("_type") => {
                for (k, slot) in &a.map {
                    path.push(k.clone());
                    let x = self.ev.force(&slot.thunk);
                    self.declare(&x, path);
                    path.pop();
                }
                if !a.unknown_names.is_empty() {
                    self.declared.push(path.clone());
                }
            }
            _ => self.declared.push(path.clone()),
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
        } else {
            // Not read (refused, missing, not parsed): it may define
            // anything.
            self.unknown_modules += 1;
        }
    }

    fn file_index(&self, path: &str) -> Option<u32> {
        let p = self.ev.import_name(path);
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
        let data = to_data(self.ev, v);
        // A value with a JSON form is known; one without may still be (a
        // function).
        let known = data.is_known();
        let file = self.ev.files.borrow()[loc.file as usize].name.clone();
        self.out.push(Definition {
            path: path.to_vec(),
            known,
            value: if known { data.to_json() } else { None },
            priority,
            condition,
            range: [u32::from(loc.range.start()), u32::from(loc.range.end())],
            file,
            overridden: false,
            override_root: self.root,
            data,
            overrides: self.overrides.clone(),
            splits: self.splits.clone(),
            orders: self.orders.clone(),
            ifs: self.ifs.clone(),
            module: self.mpath.clone(),
            own_option: false,
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
                                self.ifs.push(path.len());
                                self.flatten(content, path, priority, cond.and(c), loc);
                                self.ifs.pop();
                            }
                            return;
                        }
                        "merge" => {
                            if let Some(Value::List(items)) = field("contents") {
                                for i in items.iter() {
                                    let x = self.ev.force(i);
                                    self.split(path.len(), |w| {
                                        w.flatten(x, path, priority, cond, loc);
                                    });
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
                                self.overrides.push((path.len(), p));
                                self.flatten(content, path, p, cond, loc);
                                self.overrides.pop();
                                self.root = saved;
                            }
                            return;
                        }
                        "order" => {
                            if let Some(content) = field("content") {
                                let p = match field("priority") {
                                    Some(Value::Int(p)) => p,
                                    _ => 1000,
                                };
                                self.orders.push((path.len(), p));
                                self.flatten(content, path, priority, cond, loc);
                                self.orders.pop();
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

/// The value with its kind, as far as it is known (bounded: a value
/// deeper than 64 or larger than 100,000 nodes is unknown beyond).
pub(crate) fn to_data<'a>(ev: &Evaluator<'a>, v: &Value<'a>) -> Data {
    to_data_in(ev, v, 0, &mut 0)
}

/// [`to_data`], at a depth, within a budget (bounded: a value
/// deeper than 64 or larger than 100,000 nodes is unknown beyond).
fn to_data_in<'a>(ev: &Evaluator<'a>, v: &Value<'a>, depth: u32, budget: &mut usize) -> Data {
    *budget += 1;
    if depth > 64 || *budget > 100_000 || !ev.work(1) {
        return Data::Unknown;
    }
    match v {
        Value::Null => Data::Null,
        Value::Bool(b) => Data::Bool(*b),
        Value::Int(i) => Data::Int(*i),
        Value::Float(f) => Data::Float(*f),
        Value::Str(s) => Data::Str(s.to_string()),
        Value::PartStr(p) => Data::PartStr(p.0.clone(), p.1.clone()),
        Value::Path(s) => Data::Path(s.to_string()),
        Value::List(items) => Data::List(
            items
                .iter()
                .map(|t| to_data_in(ev, &ev.force(t), depth + 1, budget))
                .collect(),
        ),
        // A property below a list element (`[ (mkIf c x) ]`) stays as
        // lib builds it: the type checks discharge it where the module
        // system does.
        Value::Attrs(a) => {
            let mut m = DataAttrs {
                map: Default::default(),
                more: !a.unknown_names.is_empty(),
            };
            for (k, s) in &a.map {
                let x = to_data_in(ev, &ev.force(&s.thunk), depth + 1, budget);
                m.map.insert(k.clone(), x);
            }
            Data::Attrs(m)
        }
        Value::Lambda(_) | Value::Prim(_) => Data::Function,
        Value::Lib | Value::Pkgs | Value::Builtins | Value::Unknown => Data::Unknown,
    }
}
