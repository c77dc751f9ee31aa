//! Definitions checked and merged as `lib.modules.mergeDefinitions` does
//! (nixpkgs 2020): at each option, and again at each element an option's
//! type merges on its own (`attrsOf` entries, `listOf` elements,
//! `submodule` options), the definitions that reach it are
//!
//! 1. split as the module system splits them (a module, an `mkMerge`
//!    content: [`Definition::splits`]) and filtered by priority (the
//!    outermost `mkOverride` written between the previous merge point and
//!    this one: [`Definition::overrides`]), so a whole-set `mkDefault` is
//!    dropped at the option (or element) it reaches, as NixOS does;
//! 2. each checked with the type's `check` — shallow, as in nixpkgs: a
//!    list for `listOf`, its elements at their own merge point;
//! 3. merged by the type's `merge`: equal values for `mergeEqualOption`
//!    types (`bool`, `int`, `str`, `enum`, …), one definition for
//!    `mergeOneOption` ones (`package`, `uniq`), the branch of `either`
//!    every definition's `check` accepts, `coercedTo`'s conversion, the
//!    options of a `submodule`.
//!
//! A value, a condition or a check not known statically is never judged:
//! what depends on it gives no error. A definition under an `mkIf` whose
//! condition is not known gives warnings, not errors: NixOS rejects it only
//! when the condition holds.

use std::borrow::Cow;
use std::collections::BTreeMap;

use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

use super::predicate::{self, Converted, Predicate};
use super::{pattern, Known, Ty};
use crate::data::{nix_eq, Data};
use crate::module::{show_path, Condition, Definition};
use crate::schema::{Node, OptionInfo, Schema};

/// What checking definitions against a schema found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Each diagnostic with the index of the definition it is at.
    pub diagnostics: Vec<(usize, Diagnostic)>,
    /// For each definition: `Some(dropped)` when it reached a declared
    /// option (whether the module system drops it, by priority, at that
    /// option or an element below), `None` when the schema cannot tell.
    pub overridden: Vec<Option<bool>>,
}

/// A part of a position: an attribute name or a list element (from 1).
#[derive(Debug, Clone)]
pub(crate) enum Seg {
    Name(String),
    Elem(usize),
}

fn show(pos: &[Seg]) -> String {
    let mut out = String::new();
    let mut names: Vec<String> = Vec::new();
    let flush = |names: &mut Vec<String>, out: &mut String| {
        if !names.is_empty() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&show_path(names));
            names.clear();
        }
    };
    for s in pos {
        match s {
            Seg::Name(n) => names.push(n.clone()),
            Seg::Elem(i) => {
                flush(&mut names, &mut out);
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    flush(&mut names, &mut out);
    out
}

static UNKNOWN: Data = Data::Unknown;

/// A recovered check as a message shows it: where it is written, its
/// source and the values it closes over (`v = 4`).
fn shown(p: &Predicate) -> String {
    let at = if p.at.is_empty() {
        String::new()
    } else {
        format!(" of {}", p.at)
    };
    let with = p.bindings();
    let with = if with.is_empty() {
        String::new()
    } else {
        format!(", with {}", with.join(", "))
    };
    format!("`{}`{at}{with}", p.shown())
}

/// Puts `value` at `path` inside `root` (a set), making the sets on the
/// way; an unknown value on the way, or in place, stays unknown.
fn insert(root: &mut Data, path: &[String], value: Data) {
    let Some((last, init)) = path.split_last() else {
        *root = value;
        return;
    };
    let mut at = root;
    for name in init {
        let Data::Attrs(a) = at else { return };
        if name == "<name>" {
            a.more = true;
            return;
        }
        at = a
            .map
            .entry(name.clone())
            .or_insert_with(|| Data::Attrs(Default::default()));
    }
    let Data::Attrs(a) = at else { return };
    if last == "<name>" {
        a.more = true;
        return;
    }
    match a.map.get(last) {
        Some(Data::Unknown) => {}
        Some(Data::Attrs(_)) if !matches!(value, Data::Unknown) => {
            // Two definitions below one name: parts of one set.
            if let (Some(Data::Attrs(old)), Data::Attrs(new)) = (a.map.get_mut(last), value) {
                old.more |= new.more;
                old.map.extend(new.map);
            }
        }
        _ => {
            a.map.insert(last.clone(), value);
        }
    }
}

/// A definition's value at a merge point.
#[derive(Clone)]
enum Val<'x> {
    /// A value as it was defined.
    D(&'x Data),
    /// An attribute set made of definitions below (indexes), at a depth.
    S(Vec<usize>, usize),
}

/// A definition at a merge point.
#[derive(Clone)]
struct Def<'x> {
    val: Val<'x>,
    prio: i64,
    /// It applies for sure (its conditions are known true).
    certain: bool,
    /// The definition whose range a diagnostic takes.
    at: usize,
    /// The definitions it is made of (dropped together).
    leaves: Vec<usize>,
    /// Its `mkOrder` priority (lists and strings are sorted by it).
    order: i64,
    /// Where its module comes in NixOS's order, then where it comes in
    /// its module.
    rank: Rank,
}

type Rank = (
    Vec<u32>,
    std::cmp::Reverse<usize>,
    std::cmp::Reverse<Vec<u32>>,
    usize,
);

/// The definitions reaching a merge point.
#[derive(Default)]
struct Input<'x> {
    leaves: Vec<usize>,
    datas: Vec<(&'x Data, usize, bool)>,
}

/// A shallow check's answer.
enum Verdict {
    Yes,
    No(String),
    Unknown,
}

use Verdict::{No, Yes};

/// The option a position is in, for messages.
#[derive(Clone, Copy)]
struct Opt<'s> {
    info: &'s OptionInfo,
    /// How many segments of the position are its path.
    len: usize,
}

struct Cx<'s> {
    schema: &'s Schema,
    defs: &'s [Definition],
    paths: &'s [Cow<'s, [String]>],
    out: Vec<(usize, Diagnostic)>,
    dropped: Vec<bool>,
    judged: Vec<bool>,
    patterns: BTreeMap<String, Option<regex::bytes::Regex>>,
    /// Compute merged values (`value`), not only diagnostics.
    values: bool,
    /// For each definition, where the definition of the submodule above it
    /// came among that submodule's: a submodule evaluates its definitions
    /// as modules, which `evalModules` takes in reverse, so the order flips
    /// at each submodule.
    within: Vec<Vec<u32>>,
    /// Values made while checking (a `coercedTo` conversion's result).
    made: &'s typed_arena::Arena<Data>,
    /// How many `Ref`s deep the check is (a guard: a recursive type's
    /// check is shallow, so this stays small).
    refs: u32,
    /// The definition below the option a failed check is about, when one
    /// alone makes it fail.
    culprit: Option<usize>,
}

/// Checks the definitions that reach declared options: `groups` are the
/// definitions of each option (its node, its path), `paths` every
/// definition's path with aliases followed.
pub(crate) fn run(
    schema: &Schema,
    defs: &[Definition],
    paths: &[Cow<'_, [String]>],
    groups: Vec<(&Node, usize, Vec<usize>)>,
) -> Outcome {
    let made = typed_arena::Arena::new();
    let mut cx = Cx::new(schema, defs, paths, &made, false);
    for (node, depth, leaves) in groups {
        let Some(o) = node.option else { continue };
        for &l in &leaves {
            cx.judged[l] = true;
        }
        let first = leaves[0];
        let pos: Vec<Seg> = paths[first][..depth]
            .iter()
            .map(|n| Seg::Name(n.clone()))
            .collect();
        let vague = paths[first][..depth].iter().any(|n| n == "<name>");
        let info = &schema.options()[o];
        let ty = &schema.types()[o];
        let mut pos = pos;
        cx.point(
            ty,
            Some(node),
            &mut pos,
            depth,
            None,
            Input {
                leaves,
                datas: Vec::new(),
            },
            vague,
            Some(Opt { info, len: depth }),
        );
    }
    Outcome {
        overridden: cx
            .judged
            .iter()
            .zip(&cx.dropped)
            .map(|(j, d)| j.then_some(*d))
            .collect(),
        diagnostics: cx.out,
    }
}

/// The merged value of the definitions of the option at `path` (or of
/// the attribute `path` names below an option), from all of a snippet's
/// definitions: see [`value_at`].
pub fn value(schema: &Schema, defs: &[Definition], path: &[String]) -> Data {
    let crate::schema::Resolved { paths, groups, .. } = crate::schema::resolve(schema, defs);
    let found = groups.into_iter().find(|(_, depth, leaves)| {
        path.len() >= *depth && paths[leaves[0]][..*depth] == path[..*depth]
    });
    match found {
        Some(g) => value_at(schema, defs, &paths, g, path),
        None => Data::Unknown,
    }
}

/// The merged value of the definitions of the option at `path` (or of
/// the attribute `path` names below an option): what NixOS's
/// `config.<path>` is as far as the snippet's definitions make it.
/// `Data::Unknown` wherever it is not known: a value not known
/// statically, a condition, a conversion (`coercedTo`), a type the schema
/// does not model, a default (a submodule's options the snippet does not
/// define are unknown, as are other modules' definitions).
fn value_at(
    schema: &Schema,
    defs: &[Definition],
    paths: &[Cow<'_, [String]>],
    group: (&Node, usize, Vec<usize>),
    path: &[String],
) -> Data {
    let made = typed_arena::Arena::new();
    let mut cx = Cx::new(schema, defs, paths, &made, true);
    let (node, depth, leaves) = group;
    let Some(o) = node.option else {
        return Data::Unknown;
    };
    let mut pos: Vec<Seg> = path[..depth].iter().map(|n| Seg::Name(n.clone())).collect();
    let v = cx.point(
        &schema.types()[o],
        Some(node),
        &mut pos,
        depth,
        None,
        Input {
            leaves,
            datas: Vec::new(),
        },
        path[..depth].iter().any(|n| n == "<name>"),
        Some(Opt {
            info: &schema.options()[o],
            len: depth,
        }),
    );
    if !cx.out.is_empty() {
        // NixOS rejects it: no value.
        return Data::Unknown;
    }
    let mut v = match v {
        Some(v) => v,
        None => return Data::Unknown,
    };
    for name in &path[depth..] {
        v = match v {
            Data::Attrs(mut a) => match a.map.remove(name) {
                Some(x) => x,
                None => return Data::Unknown,
            },
            _ => return Data::Unknown,
        };
    }
    v
}

fn kind_name(ty: &Ty) -> Option<&'static str> {
    Some(match ty {
        Ty::AddCheck { ty, .. } | Ty::Uniq(ty) => return kind_name(ty),
        Ty::Bool {} => "a boolean",
        Ty::Int {} | Ty::Ints { .. } => "an integer",
        Ty::Float {} => "a float",
        Ty::Number { .. } => "a number",
        Ty::Str {} | Ty::SeparatedString(_) | Ty::StrMatching(_) => "a string",
        Ty::ListOf(_) | Ty::NonEmptyListOf(_) => "a list",
        Ty::Attrs {} | Ty::AttrsOf(_) | Ty::LazyAttrsOf(_) => "an attribute set",
        Ty::FunctionTo(_) => "a function",
        _ => return None,
    })
}

/// `dirOf`, as Nix has it for strings.
fn dir_of(s: &str) -> &str {
    match s.rfind('/') {
        None => ".",
        Some(0) => "/",
        Some(i) => &s[..i],
    }
}

/// `dischargeProperties` and the priority of one value (a list element,
/// an attribute of one): `mkMerge` splits it, `mkIf` keeps or drops it
/// (or makes it uncertain), `mkOverride` gives its priority, `mkOrder` is
/// looked through.
fn discharge<'x>(
    data: &'x Data,
    prio: i64,
    certain: bool,
    depth: u32,
    out: &mut Vec<(&'x Data, i64, bool)>,
) {
    let Data::Attrs(a) = data else {
        out.push((data, prio, certain));
        return;
    };
    let field = |n: &str| a.map.get(n);
    let kind = match field("_type") {
        Some(Data::Str(t)) if depth < 32 => t.as_str(),
        _ => "",
    };
    match kind {
        "merge" => match field("contents") {
            Some(Data::List(items)) => {
                for i in items {
                    discharge(i, prio, certain, depth + 1, out);
                }
            }
            _ => out.push((&UNKNOWN, prio, certain)),
        },
        "if" => match (field("condition"), field("content")) {
            (Some(Data::Bool(false)), _) => {}
            (Some(Data::Bool(true)), Some(c)) => discharge(c, prio, certain, depth + 1, out),
            (_, Some(c)) => discharge(c, prio, false, depth + 1, out),
            _ => out.push((&UNKNOWN, prio, certain)),
        },
        "override" => match (field("priority"), field("content")) {
            (Some(Data::Int(p)), Some(c)) => discharge(c, *p, certain, depth + 1, out),
            _ => out.push((&UNKNOWN, prio, certain)),
        },
        "order" => match field("content") {
            Some(c) => discharge(c, prio, certain, depth + 1, out),
            None => out.push((&UNKNOWN, prio, certain)),
        },
        _ => out.push((data, prio, certain)),
    }
}

fn json_data(v: &serde_json::Value) -> Data {
    match v {
        serde_json::Value::Null => Data::Null,
        serde_json::Value::Bool(b) => Data::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Data::Int(i),
            None => n.as_f64().map_or(Data::Unknown, Data::Float),
        },
        serde_json::Value::String(s) => Data::Str(s.clone()),
        _ => Data::Unknown,
    }
}

impl<'s> Cx<'s> {
    /// A check of `defs` (`values`: computing merged values too).
    fn new(
        schema: &'s Schema,
        defs: &'s [Definition],
        paths: &'s [Cow<'s, [String]>],
        made: &'s typed_arena::Arena<Data>,
        values: bool,
    ) -> Self {
        Cx {
            schema,
            defs,
            paths,
            out: Vec::new(),
            dropped: vec![false; defs.len()],
            judged: vec![false; defs.len()],
            patterns: BTreeMap::new(),
            values,
            within: vec![Vec::new(); defs.len()],
            made,
            refs: 0,
            culprit: None,
        }
    }

    fn range(&self, at: usize) -> TextRange {
        let r = self.defs[at].range;
        TextRange::new(TextSize::from(r[0]), TextSize::from(r[1]))
    }

    fn report(
        &mut self,
        at: usize,
        certain: bool,
        code: &'static str,
        msg: String,
        notes: Vec<String>,
    ) {
        let mut d = Diagnostic::error(code, self.range(at), msg);
        if !certain {
            d.severity = Severity::Warning;
            d = d.with_note(
                "under a condition not known statically: NixOS rejects it when the condition holds",
            );
        }
        for n in notes.into_iter().filter(|n| !n.is_empty()) {
            d = d.with_note(n);
        }
        self.out.push((at, d));
    }

    // --- views -----------------------------------------------------------

    /// Attribute `name` of a value: `None` when that is not known,
    /// `Some(None)` when it has none.
    fn attr<'x>(&self, v: &Val<'x>, name: &str) -> Option<Option<Val<'x>>>
    where
        's: 'x,
    {
        match v {
            Val::D(Data::Attrs(a)) => match a.map.get(name) {
                Some(x) => Some(Some(Val::D(x))),
                None if a.more => None,
                None => Some(None),
            },
            Val::D(Data::Unknown) => None,
            Val::D(_) => Some(None),
            Val::S(leaves, d) => {
                let mine: Vec<usize> = leaves
                    .iter()
                    .copied()
                    .filter(|&l| self.paths[l].get(*d).is_some_and(|n| n == name))
                    .collect();
                if mine.is_empty() {
                    let vague = leaves
                        .iter()
                        .any(|&l| self.paths[l].get(*d).is_some_and(|n| n == "<name>"));
                    return if vague { None } else { Some(None) };
                }
                if let [one] = mine.as_slice() {
                    if self.paths[*one].len() == d + 1 {
                        let data: &'x Data = &self.defs[*one].data;
                        return Some(Some(Val::D(data)));
                    }
                }
                Some(Some(Val::S(mine, d + 1)))
            }
        }
    }

    fn describe(&self, v: &Val<'_>) -> String {
        match v {
            Val::D(d) => d.describe(),
            Val::S(..) if self.is_derivation(v) == Some(true) => "a derivation".into(),
            Val::S(..) => "an attribute set".into(),
        }
    }

    fn is_derivation(&self, v: &Val<'_>) -> Option<bool> {
        match v {
            Val::D(d) => d.is_derivation(),
            Val::S(..) => match self.attr(v, "type")? {
                Some(Val::D(Data::Str(t))) => Some(t == "derivation"),
                Some(Val::D(Data::Unknown)) => None,
                _ => Some(false),
            },
        }
    }

    /// `toString` of a value when `isCoercibleToString` holds: `Some(None)`
    /// when it does not hold, `None` when it is not known.
    fn coerced(&self, v: &Val<'_>) -> Option<Option<String>> {
        let out_path = match v {
            Val::D(Data::Attrs(_)) | Val::S(..) => {
                if self.attr(v, "__toString")?.is_some() {
                    return None;
                }
                match self.attr(v, "outPath")? {
                    Some(p) => return self.coerced(&p),
                    None => return Some(None),
                }
            }
            Val::D(d) => d,
        };
        match out_path {
            Data::Function => Some(None),
            Data::List(items) => {
                let mut parts = Vec::new();
                for i in items {
                    match self.coerced(&Val::D(i))? {
                        Some(s) => parts.push(s),
                        None => return Some(None),
                    }
                }
                Some(Some(parts.join(" ")))
            }
            d => d.to_nix_string().map(Some),
        }
    }

    fn pattern(&mut self, p: &str) -> Option<&regex::bytes::Regex> {
        self.patterns
            .entry(p.to_owned())
            .or_insert_with(|| pattern::compile(p))
            .as_ref()
    }

    // --- check -----------------------------------------------------------

    /// The type's `check`, shallow as nixpkgs' is.
    fn check(&mut self, ty: &Ty, v: &Val<'_>) -> Verdict {
        let data = match v {
            Val::D(d) => Some(*d),
            Val::S(..) => None,
        };
        if matches!(data, Some(Data::Unknown))
            && !matches!(ty, Ty::Anything {} | Ty::Unspecified {} | Ty::Raw {})
        {
            return Verdict::Unknown;
        }
        let is_attrs = data.is_none() || matches!(data, Some(Data::Attrs(_)));
        let kind = |ok: bool, ty: &Ty| {
            if ok {
                Yes
            } else {
                No(format!("not {}", kind_name(ty).unwrap_or("of this type")))
            }
        };
        match ty {
            Ty::Bool {} => kind(matches!(data, Some(Data::Bool(_))), ty),
            Ty::Int {} => kind(matches!(data, Some(Data::Int(_))), ty),
            Ty::Ints { min, max } => match data {
                Some(Data::Int(i)) => {
                    if min.is_some_and(|m| *i < m) {
                        No(format!("below {}", min.unwrap_or_default()))
                    } else if max.is_some_and(|m| *i > m) {
                        No(format!("above {}", max.unwrap_or_default()))
                    } else {
                        Yes
                    }
                }
                _ => kind(false, ty),
            },
            Ty::Float {} => match data {
                Some(Data::Float(_)) => Yes,
                Some(Data::Int(_)) => No("an integer, not a float".into()),
                _ => kind(false, ty),
            },
            Ty::Number { min, max } => {
                let n = match data {
                    Some(Data::Int(i)) => *i as f64,
                    Some(Data::Float(f)) => *f,
                    _ => return kind(false, ty),
                };
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    No("out of bounds".into())
                } else {
                    Yes
                }
            }
            Ty::Str {} | Ty::SeparatedString(_) => {
                kind(matches!(data, Some(Data::Str(_) | Data::PartStr(..))), ty)
            }
            Ty::StrMatching(p) => match data {
                Some(Data::PartStr(..)) => Verdict::Unknown,
                Some(Data::Str(s)) => match self.pattern(p) {
                    Some(re) if re.is_match(s.as_bytes()) => Yes,
                    Some(_) => No(format!("does not match the pattern {p}")),
                    None => Verdict::Unknown,
                },
                _ => kind(false, ty),
            },
            Ty::Path {} if matches!(data, Some(Data::PartStr(..))) => match data {
                Some(Data::PartStr(a, _)) if a.starts_with('/') => Yes,
                Some(Data::PartStr(a, _)) if !a.is_empty() => {
                    No("not a path (its string does not start with /)".into())
                }
                _ => Verdict::Unknown,
            },
            Ty::Path {} => match self.coerced(v) {
                None => Verdict::Unknown,
                Some(Some(s)) if s.starts_with('/') => Yes,
                Some(Some(_)) => No("not a path (its string does not start with /)".into()),
                Some(None) => No("not a path".into()),
            },
            Ty::Package {} if matches!(data, Some(Data::PartStr(..))) => match data {
                Some(Data::PartStr(a, _))
                    if !a.is_empty()
                        && !a.starts_with("/nix/store/")
                        && !"/nix/store/".starts_with(a.as_str()) =>
                {
                    No("neither a derivation nor a store path".into())
                }
                _ => Verdict::Unknown,
            },
            Ty::Package {} => match self.is_derivation(v) {
                Some(true) => Yes,
                drv => match self.coerced(v) {
                    Some(Some(s)) if s.starts_with('/') && dir_of(&s) == "/nix/store" => Yes,
                    Some(_) if drv == Some(false) => {
                        No("neither a derivation nor a store path".into())
                    }
                    _ => Verdict::Unknown,
                },
            },
            Ty::Attrs {} | Ty::AttrsOf(_) | Ty::LazyAttrsOf(_) => kind(is_attrs, ty),
            Ty::Anything {} | Ty::Unspecified {} | Ty::Raw {} => Yes,
            Ty::Enum(members) => {
                let Some(d) = data else {
                    return No("not one of the values".into());
                };
                let mut unknown = false;
                for m in members {
                    match nix_eq(&json_data(m), d) {
                        Some(true) => return Yes,
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown || members.iter().any(|m| m.is_array() || m.is_object()) {
                    Verdict::Unknown
                } else {
                    No("not one of the values".into())
                }
            }
            Ty::ListOf(_) => kind(matches!(data, Some(Data::List(_))), ty),
            Ty::NonEmptyListOf(_) => match data {
                Some(Data::List(l)) if l.is_empty() => No("an empty list".into()),
                Some(Data::List(_)) => Yes,
                _ => No("not a list".into()),
            },
            Ty::LoaOf(_) => {
                if is_attrs || matches!(data, Some(Data::List(_))) {
                    Yes
                } else {
                    No("neither a list nor an attribute set".into())
                }
            }
            Ty::Uniq(t) => self.check(t, v),
            Ty::NullOr(t) => match data {
                Some(Data::Null) => Yes,
                _ => match self.check(t, v) {
                    No(why) => No(format!("not null; {why}")),
                    x => x,
                },
            },
            Ty::FunctionTo(_) => kind(matches!(data, Some(Data::Function)), ty),
            Ty::Either(ts) => {
                let mut whys = Vec::new();
                let mut unknown = false;
                for t in ts {
                    match self.check(t, v) {
                        Yes => return Yes,
                        No(why) => whys.push(why),
                        Verdict::Unknown => unknown = true,
                    }
                }
                if unknown {
                    Verdict::Unknown
                } else {
                    whys.dedup();
                    No(whys.join("; "))
                }
            }
            Ty::CoercedTo { from, to, convert } => {
                let f = self.check(from, v);
                match (f, self.check(to, v), convert) {
                    (_, Yes, _) => Yes,
                    (No(a), No(b), _) => No(if a == b { a } else { format!("{b}; {a}") }),
                    // `finalType.check (coerceFunc x)`: the conversion
                    // runs in the check.
                    (Yes, No(_), Some(c)) => self.check_converted(to, c, v),
                    // Converted by a function the schema does not have.
                    _ => Verdict::Unknown,
                }
            }
            Ty::Submodule { .. } => {
                if is_attrs || matches!(data, Some(Data::Function)) {
                    Yes
                } else {
                    match self.coerced(v) {
                        Some(Some(s)) if s.starts_with('/') => Yes,
                        None => Verdict::Unknown,
                        _ => No("not an attribute set".into()),
                    }
                }
            }
            Ty::AddCheck {
                ty, known, check, ..
            } => match self.check(ty, v) {
                Yes => match (check, known) {
                    (Some(p), _) => self.run_check(p, v),
                    (None, Some(k)) => self.known_check(*k, v),
                    // The extra check is Nix's.
                    (None, None) => Verdict::Unknown,
                },
                x => x,
            },
            Ty::Rec { ty, .. } => self.check(ty, v),
            Ty::Ref(id) => {
                let schema = self.schema;
                match schema.rec_body(id) {
                    Some(body) if self.refs < 32 => {
                        self.refs += 1;
                        let r = self.check(body, v);
                        self.refs -= 1;
                        r
                    }
                    _ => Verdict::Unknown,
                }
            }
            Ty::Opaque(_) => Verdict::Unknown,
        }
    }

    fn known_check(&self, k: Known, v: &Val<'_>) -> Verdict {
        let mut unknown = false;
        for (field, values) in k.fields() {
            // A property written on the field itself stays a set there: the
            // check strips only an `mkOverride`.
            if let Val::S(leaves, d) = v {
                let here = |x: usize| x == d + 1;
                let property = leaves.iter().any(|&l| {
                    let def = &self.defs[l];
                    self.paths[l].len() == d + 1
                        && self.paths[l][*d] == *field
                        && (def.ifs.iter().any(|x| here(*x))
                            || def.orders.iter().any(|(x, _)| here(*x))
                            || def.splits.iter().any(|(x, _)| here(*x)))
                });
                if property {
                    return No(format!(
                        "its `{field}` is written under `lib.mkIf`, `lib.mkMerge` or `lib.mkOrder`, which {} does not look through (only `lib.mkOverride` is): a set, not one of its values",
                        k.what()
                    ));
                }
            }
            match self.attr(v, field) {
                None | Some(Some(Val::S(..))) | Some(Some(Val::D(Data::Unknown))) => unknown = true,
                Some(None) => {}
                Some(Some(Val::D(Data::Str(s)))) if values.contains(&s.as_str()) => {}
                Some(Some(x)) => {
                    return No(format!(
                        "its `{field}` is {}, but {} takes one of {}",
                        self.describe(&x),
                        k.what(),
                        values
                            .iter()
                            .map(|s| format!("{s:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
        if unknown {
            Verdict::Unknown
        } else {
            Yes
        }
    }

    /// A recovered `addCheck` predicate on a value.
    fn run_check(&mut self, p: &Predicate, v: &Val<'_>) -> Verdict {
        let Some(data) = self.data_for_check(v) else {
            return Verdict::Unknown;
        };
        match p.call(&data) {
            predicate::Verdict::True => Yes,
            predicate::Verdict::False(traces) if traces.iter().any(|t| t != "…") => {
                self.find_culprit(p, v);
                No(format!("its check fails: {}", traces.join(" ")))
            }
            predicate::Verdict::False(_) => {
                self.find_culprit(p, v);
                No(format!("it fails the check {}", shown(p)))
            }
            predicate::Verdict::Throws(m) => {
                No(format!("the check {} fails to evaluate: {m}", shown(p)))
            }
            predicate::Verdict::Unknown => Verdict::Unknown,
        }
    }

    /// Of the definitions below the option a value is made of, the one
    /// without which the check holds (where a diagnostic is best shown).
    fn find_culprit(&mut self, p: &Predicate, v: &Val<'_>) {
        let Val::S(leaves, depth) = v else { return };
        if leaves.len() < 2 || leaves.len() > 64 {
            return;
        }
        for (k, &l) in leaves.iter().enumerate() {
            let mut rest = leaves.clone();
            rest.remove(k);
            let Some(data) = self.data_for_check(&Val::S(rest, *depth)) else {
                continue;
            };
            if p.call(&data) == predicate::Verdict::True {
                self.culprit = Some(l);
                return;
            }
        }
    }

    /// `coercedTo`'s check of a value its `from` side accepts: the
    /// conversion, then the final type's check of what it gives.
    fn check_converted(&mut self, to: &Ty, c: &Predicate, v: &Val<'_>) -> Verdict {
        let Some(data) = self.data_for_check(v) else {
            return Verdict::Unknown;
        };
        match c.convert(&data) {
            Converted::Throws(m) => No(format!(
                "its conversion to `{}` ({}) fails: {m}",
                to.describe(),
                c.shown()
            )),
            Converted::Value(x) => {
                let made: &'s Data = self.made.alloc(x);
                match self.check(to, &Val::D(made)) {
                    No(why) => No(format!(
                        "converted ({}), it is {}: {why}",
                        c.shown(),
                        made.describe()
                    )),
                    x => x,
                }
            }
        }
    }

    /// A definition's value as the module system hands it to a check: a
    /// property written below the option stays a set there (`{ _type =
    /// "if"; … }`), as `dischargeProperties` leaves it. `None` when that
    /// is not known well enough.
    fn data_for_check(&self, v: &Val<'_>) -> Option<Data> {
        match v {
            Val::D(d) => Some((*d).clone()),
            Val::S(leaves, depth) => {
                let mut root = Data::Attrs(Default::default());
                for &l in leaves {
                    let def = &self.defs[l];
                    let path = &self.paths[l];
                    let len = path.len();
                    // The properties written below the option: (depth, kind).
                    let mut props: Vec<(usize, &str, i64)> = Vec::new();
                    props.extend(
                        def.overrides
                            .iter()
                            .filter(|(d, _)| d > depth)
                            .map(|(d, p)| (*d, "override", *p)),
                    );
                    props.extend(
                        def.orders
                            .iter()
                            .filter(|(d, _)| d > depth)
                            .map(|(d, p)| (*d, "order", *p)),
                    );
                    props.extend(def.ifs.iter().filter(|d| *d > depth).map(|d| (*d, "if", 0)));
                    props.extend(
                        def.splits
                            .iter()
                            .filter(|(d, _)| d > depth)
                            .map(|(d, _)| (*d, "merge", 0)),
                    );
                    let value = match props.as_slice() {
                        [] => def.data.clone(),
                        [(d, kind, prio)] if *d == len && *kind != "merge" => {
                            let mut m = crate::data::DataAttrs::default();
                            m.map.insert("_type".into(), Data::Str((*kind).into()));
                            m.map.insert("content".into(), def.data.clone());
                            if *kind == "if" {
                                m.map.insert("condition".into(), Data::Unknown);
                            } else {
                                m.map.insert("priority".into(), Data::Int(*prio));
                            }
                            Data::Attrs(m)
                        }
                        _ => Data::Unknown,
                    };
                    // An unknown value stands where its outermost property
                    // is written.
                    let end = if matches!(value, Data::Unknown) && !props.is_empty() {
                        props.iter().map(|p| p.0).min().unwrap_or(len)
                    } else {
                        len
                    };
                    match path.get(*depth..end.max(*depth)) {
                        Some(rest) => insert(&mut root, rest, value),
                        None => return None,
                    }
                }
                Some(root)
            }
        }
    }

    // --- merge points ----------------------------------------------------

    /// The definitions of `input` at depth `depth`: split, with their
    /// priority (the outermost override between `prev` and `depth`) and
    /// order, in NixOS's order.
    fn defs<'x>(&self, input: Input<'x>, depth: usize, prev: Option<usize>) -> Vec<Def<'x>>
    where
        's: 'x,
    {
        let all: &'s [Definition] = self.defs;
        let within = |d: usize| prev.is_none_or(|p| d > p) && d <= depth;
        let mut groups: Vec<(Vec<u32>, Vec<usize>)> = Vec::new();
        if let [l] = input.leaves.as_slice() {
            groups.push((Vec::new(), vec![*l]));
        } else {
            for l in input.leaves {
                let key: Vec<u32> = all[l]
                    .splits
                    .iter()
                    .filter(|(d, _)| *d <= depth)
                    .map(|(_, id)| *id)
                    .collect();
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, g)) => g.push(l),
                    None => groups.push((key, vec![l])),
                }
            }
        }
        let several = groups.len() + input.datas.len() > 1;
        let mut out = Vec::new();
        for (_, g) in groups {
            let first = g[0];
            let d = &all[first];
            let prio = d
                .overrides
                .iter()
                .find(|(od, _)| within(*od))
                .map_or(100, |(_, p)| *p);
            let order = d
                .orders
                .iter()
                .find(|(od, _)| within(*od))
                .map_or(1000, |(_, p)| *p);
            let certain = g.iter().any(|&l| all[l].condition == Condition::True);
            let at_here: Vec<usize> = g
                .iter()
                .copied()
                .filter(|&l| self.paths[l].len() == depth)
                .collect();
            let val = if at_here.is_empty() {
                Val::S(g.clone(), depth)
            } else if g.len() == 1 {
                Val::D(&all[first].data)
            } else if at_here
                .iter()
                .all(|&l| matches!(&all[l].data, Data::Attrs(a) if a.map.is_empty() && !a.more))
            {
                // `{ }` beside attributes of the same definition.
                let rest: Vec<usize> = g.iter().copied().filter(|l| !at_here.contains(l)).collect();
                Val::S(rest, depth)
            } else {
                Val::D(&UNKNOWN)
            };
            out.push(Def {
                val,
                prio,
                certain,
                at: first,
                order,
                // NixOS merges modules in the reverse of their
                // breadth-first order (`reverseList` in evalModules, 2020):
                // an imported file's definitions before the importer's.
                // The order matters only between several definitions.
                rank: if several {
                    (
                        self.within[first].clone(),
                        std::cmp::Reverse(d.module.len()),
                        std::cmp::Reverse(d.module.clone()),
                        first,
                    )
                } else {
                    Default::default()
                },
                leaves: g,
            });
        }
        for (data, at, certain) in input.datas {
            let mut found = Vec::new();
            discharge(data, 100, certain, 0, &mut found);
            for (k, (data, prio, certain)) in found.into_iter().enumerate() {
                out.push(Def {
                    val: Val::D(data),
                    prio,
                    certain,
                    at,
                    order: 1000,
                    rank: (
                        Vec::new(),
                        std::cmp::Reverse(0),
                        std::cmp::Reverse(Vec::new()),
                        k,
                    ),
                    leaves: Vec::new(),
                });
            }
        }
        if out.len() > 1 {
            out.sort_by(|a, b| a.rank.cmp(&b.rank));
        }
        out
    }

    /// Priorities: the definitions the module system keeps (and marks the
    /// others dropped, when that is certain); whether the choice is.
    fn filter<'x>(&mut self, defs: Vec<Def<'x>>, vague: bool) -> (Vec<Def<'x>>, bool) {
        let Some(best) = defs.iter().map(|d| d.prio).min() else {
            return (defs, true);
        };
        let sure = defs.iter().any(|d| d.certain && d.prio == best);
        let mut keep = Vec::new();
        for d in defs {
            if d.prio == best {
                keep.push(d);
            } else if sure && !vague {
                for &l in &d.leaves {
                    self.dropped[l] = true;
                }
            }
        }
        (keep, sure)
    }

    /// `mergeDefinitions` of `ty` at `pos`: its merged value (`None`: no
    /// definition), when values are asked for.
    #[allow(clippy::too_many_arguments)]
    fn point(
        &mut self,
        ty: &Ty,
        node: Option<&'s Node>,
        pos: &mut Vec<Seg>,
        depth: usize,
        prev: Option<usize>,
        input: Input<'s>,
        vague: bool,
        opt: Option<Opt<'s>>,
    ) -> Option<Data> {
        let defs = self.defs(input, depth, prev);
        let (mut defs, sure) = self.filter(defs, vague);
        if defs.is_empty() {
            return None;
        }
        let mut bad = false;
        for d in &defs {
            self.culprit = None;
            if let No(why) = self.check(ty, &d.val) {
                // A recovered check may have named the definition below
                // the option that makes it fail.
                match self.culprit.take() {
                    Some(at) => {
                        let mut d = d.clone();
                        d.at = at;
                        self.type_error(&d, pos, ty, &why, opt);
                    }
                    None => self.type_error(d, pos, ty, &why, opt),
                }
                bad = true;
            }
        }
        if bad {
            return Some(Data::Unknown);
        }
        // mkOrder: a stable sort, as `sortProperties`.
        defs.sort_by_key(|d| d.order);
        let v = self.merge(ty, node, pos, depth, &defs, vague, opt);
        // An option's `apply` function changes its value.
        let applied = opt.is_some_and(|o| o.len == pos.len() && o.info.apply);
        Some(
            if sure && !vague && !applied && defs.iter().all(|d| d.certain) {
                v
            } else {
                Data::Unknown
            },
        )
    }

    fn type_error(&mut self, d: &Def<'_>, pos: &[Seg], ty: &Ty, why: &str, opt: Option<Opt<'_>>) {
        let at_option = opt.is_some_and(|o| o.len == pos.len());
        let desc = match opt {
            Some(o) if at_option && !o.info.ty.is_empty() => o.info.ty.clone(),
            _ => ty.describe(),
        };
        let plain = kind_name(ty).is_some_and(|k| why == format!("not {k}"));
        let why = if plain {
            String::new()
        } else {
            format!(": {why}")
        };
        let msg = if at_option {
            format!(
                "`{}` is {}, but the option takes `{desc}`{why}",
                show(pos),
                self.describe(&d.val)
            )
        } else {
            format!(
                "`{}` is {}, but it must be `{desc}`{why}",
                show(pos),
                self.describe(&d.val)
            )
        };
        let mut notes = Vec::new();
        if let Some(o) = opt {
            if !at_option {
                notes.push(format!(
                    "the option `{}` takes `{}`",
                    show(&pos[..o.len.min(pos.len())]),
                    if o.info.ty.is_empty() {
                        "?".into()
                    } else {
                        o.info.ty.clone()
                    }
                ));
            }
            notes.push(
                o.info
                    .description
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
        self.report(d.at, d.certain, "option_type", msg, notes);
    }

    /// A definition's value as data (an attribute set of definitions made
    /// whole), when it is plain: no property below it.
    fn data_of(&self, d: &Def<'_>) -> Data {
        match &d.val {
            Val::D(x) => (*x).clone(),
            Val::S(leaves, depth) => {
                let mut root = crate::data::DataAttrs::default();
                for &l in leaves {
                    let def = &self.defs[l];
                    let deeper = |v: &[(usize, i64)]| v.iter().any(|(x, _)| x > depth);
                    if deeper(&def.overrides)
                        || deeper(&def.orders)
                        || def.splits.iter().any(|(x, _)| x > depth)
                        || def.condition != Condition::True
                    {
                        return Data::Unknown;
                    }
                    let rest = &self.paths[l][*depth..];
                    let mut at = &mut root;
                    for (i, name) in rest.iter().enumerate() {
                        if name == "<name>" {
                            at.more = true;
                            break;
                        }
                        if i + 1 == rest.len() {
                            at.map.insert(name.clone(), def.data.clone());
                            break;
                        }
                        let next = at
                            .map
                            .entry(name.clone())
                            .or_insert_with(|| Data::Attrs(Default::default()));
                        match next {
                            Data::Attrs(a) => at = a,
                            _ => return Data::Unknown,
                        }
                    }
                }
                Data::Attrs(root)
            }
        }
    }

    /// The type's `merge` over definitions that passed its `check`; the
    /// merged value (when values are asked for).
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &mut self,
        ty: &Ty,
        node: Option<&'s Node>,
        pos: &mut Vec<Seg>,
        depth: usize,
        defs: &[Def<'s>],
        vague: bool,
        opt: Option<Opt<'s>>,
    ) -> Data {
        match ty {
            Ty::Bool {}
            | Ty::Int {}
            | Ty::Ints { .. }
            | Ty::Float {}
            | Ty::Number { .. }
            | Ty::Str {}
            | Ty::StrMatching(_)
            | Ty::Enum(_)
            | Ty::Path {} => {
                if !vague && !self.merge_equal(pos, defs) {
                    return Data::Unknown;
                }
                self.single(defs)
            }
            Ty::Package {} | Ty::Uniq(_) | Ty::Raw {} => {
                if !vague && !self.merge_one(pos, defs, "the option takes one definition") {
                    return Data::Unknown;
                }
                match ty {
                    // A store path becomes a derivation (`toDerivation`).
                    Ty::Package {} => match defs {
                        [d] if self.is_derivation(&d.val) == Some(true) => self.data_of(d),
                        _ => Data::Unknown,
                    },
                    _ => self.single(defs),
                }
            }
            Ty::Unspecified {} => {
                if !vague && !self.merge_default(pos, defs) {
                    return Data::Unknown;
                }
                self.free(pos, depth, defs);
                self.default_value(defs)
            }
            Ty::SeparatedString(sep) => {
                if !self.values {
                    return Data::Unknown;
                }
                let mut parts = Vec::new();
                for d in defs {
                    match &d.val {
                        Val::D(Data::Str(s)) => parts.push(s.as_str()),
                        _ => return Data::Unknown,
                    }
                }
                Data::Str(parts.join(sep))
            }
            Ty::FunctionTo(_) | Ty::Anything {} => {
                self.free(pos, depth, defs);
                Data::Unknown
            }
            Ty::Attrs {} => {
                self.free(pos, depth, defs);
                if !self.values {
                    return Data::Unknown;
                }
                self.union(defs)
            }
            Ty::Opaque(d) => {
                let v = if d == super::known::SYSTEMD_OPTION && !vague {
                    self.merge_unit_option(pos, defs)
                } else {
                    Data::Unknown
                };
                self.free(pos, depth, defs);
                v
            }
            Ty::ListOf(e) | Ty::NonEmptyListOf(e) => {
                let child = node.and_then(|n| n.wildcard.as_deref());
                self.elements(e, child, pos, depth, defs, opt)
            }
            Ty::AttrsOf(e) | Ty::LazyAttrsOf(e) => {
                let child = node.and_then(|n| n.wildcard.as_deref());
                self.zip(e, child, pos, depth, defs, opt)
            }
            Ty::LoaOf(e) => {
                let child = node.and_then(|n| n.wildcard.as_deref());
                let (lists, sets): (Vec<Def<'s>>, Vec<Def<'s>>) = defs
                    .iter()
                    .cloned()
                    .partition(|d| matches!(d.val, Val::D(Data::List(_))));
                self.elements(e, child, pos, depth, &lists, opt);
                let v = self.zip(e, child, pos, depth, &sets, opt);
                // Lists are named by an attribute of their elements.
                if lists.is_empty() {
                    v
                } else {
                    Data::Unknown
                }
            }
            Ty::NullOr(t) => {
                let nulls: Vec<&Def<'s>> = defs
                    .iter()
                    .filter(|d| matches!(d.val, Val::D(Data::Null)))
                    .collect();
                let others: Vec<Def<'s>> = defs
                    .iter()
                    .filter(|d| !matches!(d.val, Val::D(Data::Null)))
                    .cloned()
                    .collect();
                let known_other = others
                    .iter()
                    .find(|d| d.certain && !matches!(d.val, Val::D(Data::Unknown)));
                match (nulls.iter().find(|d| d.certain), known_other) {
                    (Some(n), Some(o)) if !vague => {
                        let (n_at, o_at) = (n.at, o.at);
                        let file = self.defs[n_at].file.clone();
                        self.report(
                            o_at,
                            true,
                            "option_conflict",
                            format!(
                                "`{}` is defined both null (in {file}) and not null, at one priority",
                                show(pos)
                            ),
                            vec![],
                        );
                        Data::Unknown
                    }
                    _ if others.is_empty() => Data::Null,
                    _ if !nulls.is_empty() => {
                        self.merge(t, node, pos, depth, &others, vague, opt);
                        Data::Unknown
                    }
                    _ => self.merge(t, node, pos, depth, &others, vague, opt),
                }
            }
            Ty::Either(ts) => {
                let (left, right) = match ts.as_slice() {
                    [] => return Data::Unknown,
                    [one] => return self.merge(one, node, pos, depth, defs, vague, opt),
                    [a, b] => (a.clone(), b.clone()),
                    more => (
                        Ty::Either(more[..more.len() - 1].to_vec()),
                        more[more.len() - 1].clone(),
                    ),
                };
                let all = |cx: &mut Self, t: &Ty| -> Option<bool> {
                    let mut all = Some(true);
                    for d in defs {
                        match cx.check(t, &d.val) {
                            Yes => {}
                            No(_) => return Some(false),
                            Verdict::Unknown => all = None,
                        }
                    }
                    all
                };
                // The options of a branch's submodule (`schema generate`
                // lists them below `<either 0>`, `<either 1>`).
                let branch = |i: u8| node.and_then(|n| n.children.get(&format!("<either {i}>")));
                match all(self, &left) {
                    Some(true) => {
                        return self.merge(&left, branch(0), pos, depth, defs, vague, opt)
                    }
                    None => return Data::Unknown,
                    Some(false) => {}
                }
                match all(self, &right) {
                    Some(true) => self.merge(&right, branch(1), pos, depth, defs, vague, opt),
                    Some(false) if !vague => {
                        if self.merge_one(
                            pos,
                            defs,
                            "definitions of different branches of an `either` type cannot be merged",
                        ) {
                            self.single(defs)
                        } else {
                            Data::Unknown
                        }
                    }
                    _ => Data::Unknown,
                }
            }
            Ty::CoercedTo { from, to, convert } => {
                let coerced: Vec<Def<'s>> = defs
                    .iter()
                    .map(|d| {
                        let mut d = d.clone();
                        // 2020 converts what `from` accepts, later nixpkgs
                        // what `to` rejects: a value both accept is known
                        // only when the conversion is not needed.
                        let (f, t) = (self.check(from, &d.val), self.check(to, &d.val));
                        if matches!(t, Yes) {
                            if !matches!(f, No(_)) {
                                d.val = Val::D(&UNKNOWN);
                            }
                            return d;
                        }
                        if !matches!(f, No(_)) {
                            let converted = match (convert, self.data_for_check(&d.val)) {
                                (Some(c), Some(x)) => match c.convert(&x) {
                                    Converted::Value(v) => Some(v),
                                    Converted::Throws(_) => None,
                                },
                                _ => None,
                            };
                            d.val = match converted {
                                Some(v) => Val::D(self.made.alloc(v)),
                                None => Val::D(&UNKNOWN),
                            };
                        }
                        d
                    })
                    .collect();
                self.merge(to, node, pos, depth, &coerced, vague, opt)
            }
            Ty::Rec { ty, .. } => self.merge(ty, node, pos, depth, defs, vague, opt),
            Ty::Ref(id) => {
                let schema = self.schema;
                match schema.rec_body(id) {
                    Some(body) => self.merge(body, node, pos, depth, defs, vague, opt),
                    None => Data::Unknown,
                }
            }
            Ty::Submodule { freeform } => {
                self.submodule(node, freeform.as_deref(), pos, depth, defs)
            }
            // Its check (the known one too) was judged with the type's.
            Ty::AddCheck { ty, .. } => self.merge(ty, node, pos, depth, defs, vague, opt),
        }
    }

    /// The value of the one definition (several only when they are equal).
    fn single(&self, defs: &[Def<'s>]) -> Data {
        if !self.values {
            return Data::Unknown;
        }
        match defs.first() {
            Some(d) => self.data_of(d),
            None => Data::Unknown,
        }
    }

    /// `mergeEqualOption`: definitions at one priority must be equal.
    fn merge_equal(&mut self, pos: &[Seg], defs: &[Def<'s>]) -> bool {
        if defs.len() < 2 {
            return true;
        }
        let sure: Vec<&Def<'s>> = defs.iter().filter(|d| d.certain).collect();
        let Some(first) = sure.first() else {
            return true;
        };
        for d in &sure[1..] {
            if let (Val::D(a), Val::D(b)) = (&first.val, &d.val) {
                match nix_eq(a, b) {
                    Some(true) => {}
                    None => return false,
                    Some(false) => {
                        let msg = format!(
                            "`{}` has conflicting definitions at one priority: {} (in {}) and {}",
                            show(pos),
                            a.describe(),
                            self.defs[first.at].file,
                            b.describe()
                        );
                        self.report(
                            d.at,
                            true,
                            "option_conflict",
                            msg,
                            vec!["give one of them another priority (`lib.mkDefault`, `lib.mkForce`), or define it once".into()],
                        );
                        return false;
                    }
                }
            } else {
                return false;
            }
        }
        true
    }

    /// `mergeOneOption`: one definition.
    fn merge_one(&mut self, pos: &[Seg], defs: &[Def<'s>], why: &str) -> bool {
        let sure: Vec<&Def<'s>> = defs.iter().filter(|d| d.certain).collect();
        if sure.len() > 1 {
            let msg = format!(
                "`{}` is defined {} times at one priority, but {why} (the first in {})",
                show(pos),
                sure.len(),
                self.defs[sure[0].at].file
            );
            let at = sure[1].at;
            self.report(at, true, "option_conflict", msg, vec![]);
            return false;
        }
        true
    }

    fn kind_of(d: &Def<'_>) -> &'static str {
        match &d.val {
            Val::S(..) | Val::D(Data::Attrs(_)) => "set",
            Val::D(Data::Function) => "function",
            Val::D(Data::List(_)) => "list",
            Val::D(Data::Bool(_)) => "bool",
            Val::D(Data::Str(_) | Data::PartStr(..)) => "string",
            Val::D(Data::Int(_)) => "int",
            Val::D(Data::Unknown) => "unknown",
            Val::D(_) => "other",
        }
    }

    /// `mergeDefaultOption` (`types.unspecified`): definitions of one kind.
    fn merge_default(&mut self, pos: &[Seg], defs: &[Def<'s>]) -> bool {
        let sure: Vec<&Def<'s>> = defs.iter().filter(|d| d.certain).collect();
        if sure.len() < 2 {
            return true;
        }
        let kinds: Vec<&str> = sure.iter().map(|d| Self::kind_of(d)).collect();
        if kinds.contains(&"unknown") {
            return false;
        }
        let same = kinds.iter().all(|k| *k == kinds[0]);
        let ok = same
            && match kinds[0] {
                "other" => false,
                "int" => sure.windows(2).all(|w| match (&w[0].val, &w[1].val) {
                    (Val::D(a), Val::D(b)) => nix_eq(a, b) == Some(true),
                    _ => false,
                }),
                _ => true,
            };
        if !ok {
            let msg = format!(
                "`{}` has definitions that cannot be merged ({})",
                show(pos),
                kinds.join(", ")
            );
            let at = sure[1].at;
            self.report(at, true, "option_conflict", msg, vec![]);
        }
        ok
    }

    /// The sets `defs` define, one over the other (`foldl' (res: def: res //
    /// def.value) { }`); unknown when one is not a known set.
    fn union(&self, defs: &[Def<'s>]) -> Data {
        let mut out = crate::data::DataAttrs::default();
        for d in defs {
            match self.data_of(d) {
                Data::Attrs(a) => {
                    out.more |= a.more;
                    out.map.extend(a.map);
                }
                _ => return Data::Unknown,
            }
        }
        Data::Attrs(out)
    }

    /// The value `mergeDefaultOption` makes.
    fn default_value(&self, defs: &[Def<'s>]) -> Data {
        if !self.values {
            return Data::Unknown;
        }
        if let [d] = defs {
            return self.data_of(d);
        }
        match defs.first().map(Self::kind_of) {
            Some("list") => {
                let mut out = Vec::new();
                for d in defs {
                    match self.data_of(d) {
                        Data::List(items) => out.extend(items),
                        _ => return Data::Unknown,
                    }
                }
                Data::List(out)
            }
            Some("set") => self.union(defs),
            Some("bool") => Data::Bool(
                defs.iter()
                    .any(|d| matches!(d.val, Val::D(Data::Bool(true)))),
            ),
            Some("string") => {
                let mut out = String::new();
                for d in defs {
                    match &d.val {
                        Val::D(Data::Str(s)) => out.push_str(s),
                        _ => return Data::Unknown,
                    }
                }
                Data::Str(out)
            }
            Some("int") => self.data_of(&defs[0]),
            _ => Data::Unknown,
        }
    }

    /// nixpkgs' `unitOption`: lists concatenated, anything else equal.
    fn merge_unit_option(&mut self, pos: &[Seg], defs: &[Def<'s>]) -> Data {
        let sure: Vec<&Def<'s>> = defs.iter().filter(|d| d.certain).collect();
        match sure.first().map(|d| &d.val) {
            Some(Val::D(Data::List(_))) => {
                if let Some(d) = sure
                    .iter()
                    .find(|d| !matches!(d.val, Val::D(Data::List(_)) | Val::D(Data::Unknown)))
                {
                    let msg = format!(
                        "`{}` is defined as a list and as {}, at one priority: systemd options concatenate lists only",
                        show(pos),
                        self.describe(&d.val)
                    );
                    self.report(d.at, true, "option_conflict", msg, vec![]);
                    return Data::Unknown;
                }
                if !self.values {
                    return Data::Unknown;
                }
                let mut out = Vec::new();
                for d in defs {
                    match &d.val {
                        Val::D(Data::List(items)) => out.extend(items.iter().cloned()),
                        _ => return Data::Unknown,
                    }
                }
                Data::List(out)
            }
            Some(_) => {
                if self.merge_equal(pos, defs) {
                    self.single(defs)
                } else {
                    Data::Unknown
                }
            }
            None => Data::Unknown,
        }
    }

    /// The elements of list definitions, each a merge point of its own;
    /// the list they make.
    fn elements(
        &mut self,
        e: &Ty,
        node: Option<&'s Node>,
        pos: &mut Vec<Seg>,
        depth: usize,
        defs: &[Def<'s>],
        opt: Option<Opt<'s>>,
    ) -> Data {
        let mut out = Some(Vec::new());
        for d in defs {
            match d.val {
                Val::D(Data::List(items)) => {
                    for (k, it) in items.iter().enumerate() {
                        pos.push(Seg::Elem(k + 1));
                        let v = self.point(
                            e,
                            node,
                            pos,
                            depth,
                            Some(depth),
                            Input {
                                leaves: Vec::new(),
                                datas: vec![(it, d.at, d.certain)],
                            },
                            false,
                            opt,
                        );
                        pos.pop();
                        match (v, &mut out) {
                            (Some(Data::Unknown), _) => out = None,
                            (Some(v), Some(o)) => o.push(v),
                            _ => {}
                        }
                    }
                }
                _ => out = None,
            }
        }
        match out {
            Some(o) if self.values => Data::List(o),
            _ => Data::Unknown,
        }
    }

    /// The attributes of definitions, by name.
    fn children(&self, depth: usize, defs: &[Def<'s>]) -> BTreeMap<String, Input<'s>> {
        let mut out: BTreeMap<String, Input<'s>> = BTreeMap::new();
        for d in defs {
            match &d.val {
                Val::S(leaves, _) => {
                    for &l in leaves {
                        if let Some(name) = self.paths[l].get(depth) {
                            out.entry(name.clone()).or_default().leaves.push(l);
                        }
                    }
                }
                Val::D(Data::Attrs(a)) => {
                    for (k, v) in &a.map {
                        out.entry(k.clone())
                            .or_default()
                            .datas
                            .push((v, d.at, d.certain));
                    }
                }
                Val::D(_) => {}
            }
        }
        out
    }

    /// `attrsOf`: each attribute a merge point of its own; the set they
    /// make.
    fn zip(
        &mut self,
        e: &Ty,
        node: Option<&'s Node>,
        pos: &mut Vec<Seg>,
        depth: usize,
        defs: &[Def<'s>],
        opt: Option<Opt<'s>>,
    ) -> Data {
        let mut out = crate::data::DataAttrs {
            map: BTreeMap::new(),
            more: defs.iter().any(|d| match &d.val {
                Val::D(Data::Attrs(a)) => a.more,
                Val::D(Data::Unknown) => true,
                _ => false,
            }),
        };
        for (name, input) in self.children(depth, defs) {
            let vague = name == "<name>";
            pos.push(Seg::Name(name.clone()));
            let v = self.point(e, node, pos, depth + 1, Some(depth), input, vague, opt);
            pos.pop();
            if vague {
                out.more = true;
            } else if let Some(v) = v {
                out.map.insert(name, v);
            }
        }
        if self.values {
            Data::Attrs(out)
        } else {
            Data::Unknown
        }
    }

    /// Below a type that merges attribute sets without checking them:
    /// priorities still apply at each attribute, as in the free-form
    /// module system.
    fn free(&mut self, pos: &mut Vec<Seg>, depth: usize, defs: &[Def<'s>]) {
        // Only sets made of definitions below have priorities inside.
        if !defs.iter().any(|d| matches!(d.val, Val::S(..))) {
            return;
        }
        for (name, input) in self.children(depth, defs) {
            if input.leaves.is_empty() {
                continue;
            }
            let vague = name == "<name>";
            let sub = self.defs(
                Input {
                    leaves: input.leaves,
                    datas: Vec::new(),
                },
                depth + 1,
                Some(depth),
            );
            let (sub, _) = self.filter(sub, vague);
            pos.push(Seg::Name(name));
            self.free(pos, depth + 1, &sub);
            pos.pop();
        }
    }

    /// A submodule: its options, below the option in the schema; the set
    /// of the values the definitions give them (the others are defaults:
    /// unknown).
    fn submodule(
        &mut self,
        node: Option<&'s Node>,
        freeform: Option<&Ty>,
        pos: &mut Vec<Seg>,
        depth: usize,
        defs: &[Def<'s>],
    ) -> Data {
        let mut out = crate::data::DataAttrs {
            map: BTreeMap::new(),
            more: true,
        };
        let Some(node) = node.filter(|n| !n.children.is_empty()) else {
            return Data::Unknown;
        };
        for (i, d) in defs.iter().enumerate() {
            let rank = u32::MAX - u32::try_from(i).unwrap_or(u32::MAX);
            for &l in &d.leaves {
                self.within[l] = vec![rank];
            }
        }
        let mut unmatched = Vec::new();
        for (name, input) in self.children(depth, defs) {
            if name.starts_with('_') || name == "<name>" {
                continue;
            }
            match node.children.get(&name) {
                Some(child) => {
                    pos.push(Seg::Name(name.clone()));
                    let v = self.route(child, pos, depth + 1, depth, input);
                    pos.pop();
                    if let Some(v) = v {
                        out.map.insert(name, v);
                    }
                }
                None if freeform.is_some() => unmatched.extend(input.leaves),
                None => self.unknown_field(node, pos, &name, &input),
            }
        }
        if let (Some(f), false) = (freeform, unmatched.is_empty()) {
            self.point(
                f,
                None,
                pos,
                depth,
                Some(depth),
                Input {
                    leaves: unmatched,
                    datas: Vec::new(),
                },
                false,
                None,
            );
        }
        if self.values {
            Data::Attrs(out)
        } else {
            Data::Unknown
        }
    }

    /// Definitions below a node of a submodule's options: an option is a
    /// merge point; a set of options routes on.
    fn route(
        &mut self,
        node: &'s Node,
        pos: &mut Vec<Seg>,
        depth: usize,
        prev: usize,
        input: Input<'s>,
    ) -> Option<Data> {
        if let Some(o) = node.option {
            let info = &self.schema.options()[o];
            let ty = &self.schema.types()[o];
            let len = pos.len();
            return self.point(
                ty,
                Some(node),
                pos,
                depth,
                Some(prev),
                input,
                false,
                Some(Opt { info, len }),
            );
        }
        let mut by: BTreeMap<String, Input<'s>> = BTreeMap::new();
        for l in input.leaves {
            if let Some(n) = self.paths[l].get(depth) {
                by.entry(n.clone()).or_default().leaves.push(l);
            }
        }
        for (data, at, certain) in input.datas {
            if let Data::Attrs(a) = data {
                for (k, v) in &a.map {
                    by.entry(k.clone())
                        .or_default()
                        .datas
                        .push((v, at, certain));
                }
            }
        }
        let mut out = crate::data::DataAttrs {
            map: BTreeMap::new(),
            more: true,
        };
        for (name, input) in by {
            if name == "<name>" {
                continue;
            }
            match node.children.get(&name) {
                Some(child) => {
                    pos.push(Seg::Name(name.clone()));
                    if let Some(v) = self.route(child, pos, depth + 1, prev, input) {
                        out.map.insert(name, v);
                    }
                    pos.pop();
                }
                None => self.unknown_field(node, pos, &name, &input),
            }
        }
        Some(Data::Attrs(out))
    }

    fn unknown_field(&mut self, node: &Node, pos: &[Seg], name: &str, input: &Input<'_>) {
        let (at, certain) = match (input.leaves.first(), input.datas.first()) {
            (Some(&l), _) => (
                l,
                input
                    .leaves
                    .iter()
                    .any(|&l| self.defs[l].condition == Condition::True),
            ),
            (None, Some((_, at, c))) => (*at, *c),
            _ => return,
        };
        let mut full = pos.to_vec();
        full.push(Seg::Name(name.to_owned()));
        let siblings: Vec<&str> = node.children.keys().map(String::as_str).collect();
        let mut notes = Vec::new();
        if let Some(s) = crate::schema::nearest(name, &siblings) {
            let mut p = pos.to_vec();
            p.push(Seg::Name(s.to_owned()));
            notes.push(format!("did you mean `{}`?", show(&p)));
        }
        self.report(
            at,
            certain,
            "unknown_option",
            format!("the option `{}` does not exist", show(&full)),
            notes,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_as_nix_paths() {
        let pos = vec![
            Seg::Name("services".into()),
            Seg::Name("nginx".into()),
            Seg::Name("virtualHosts".into()),
            Seg::Name("a.b".into()),
            Seg::Name("listen".into()),
            Seg::Elem(2),
            Seg::Name("port".into()),
        ];
        assert_eq!(
            show(&pos),
            "services.nginx.virtualHosts.\"a.b\".listen[2].port"
        );
        assert_eq!(dir_of("/nix/store/abc-x"), "/nix/store");
        assert_eq!(dir_of("/nix/store/abc-x/bin"), "/nix/store/abc-x");
    }
}
