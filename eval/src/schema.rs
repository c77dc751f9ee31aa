//! A NixOS options schema, and the checks of definitions against it:
//! unknown options (with "did you mean"), type mismatches for known values,
//! read-only options.
//!
//! Two input shapes are read: the NixOS manual's `options.json` (an object,
//! option name → `{ type, readOnly, description, loc? }`) and the list of
//! `lib.optionAttrSetToDocList` (`[{ name, type, readOnly, … }]`). Both are
//! normalized to a list of [`OptionInfo`], which is what is stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::module::{Condition, Definition};
use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

/// One option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionInfo {
    /// Its path; `<name>` and `*` are placeholders for any attribute name.
    pub loc: Vec<String>,
    /// Its type, as NixOS describes it (`boolean`, `list of string`, …).
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether definitions are refused.
    #[serde(rename = "readOnly", default)]
    pub read_only: bool,
    /// Its description (plain text).
    #[serde(default)]
    pub description: String,
    /// Shown in NixOS's documentation (`visible`, not `internal`): only
    /// those are offered for completion.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub visible: bool,
    /// `mkRenamedOptionModule`: the option it is an alias of (NixOS takes
    /// a definition with a warning).
    #[serde(rename = "renamedTo", default, skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    /// `mkRemovedOptionModule`: the removal's instructions (NixOS fails an
    /// assertion on a definition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<String>,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(b: &bool) -> bool {
    *b
}

/// What `nixunits schema generate` writes into the description of a
/// removed option (its own `mkRemovedOptionModule`, `nix.rs`).
pub const REMOVED_PREFIX: &str = "nixunits:removed:";

/// The target of an alias from its description, as nixpkgs writes it:
/// ``Alias of {option}`a.b`.`` (current) or `Alias of <option>a.b</option>.`
/// (2020).
fn alias_target(description: &str) -> Option<String> {
    let rest = description.trim().strip_prefix("Alias of ")?;
    let rest = rest
        .strip_prefix("{option}`")
        .map(|r| r.split('`').next().unwrap_or_default())
        .or_else(|| {
            rest.strip_prefix("<option>")
                .map(|r| r.split("</option>").next().unwrap_or_default())
        })?;
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// A schema that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON of another shape.
    #[error("neither options.json (an object of options) nor a list of options: {0}")]
    Shape(String),
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// Splits an option name at dots, but not inside quotes.
pub fn split_name(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in name.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn info(name: &str, v: &serde_json::Value) -> Option<OptionInfo> {
    let o = v.as_object()?;
    let loc = match o.get("loc").and_then(|l| l.as_array()) {
        Some(l) => l
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        None => split_name(name),
    };
    let description = o.get("description").map(text_of).unwrap_or_default();
    let visible = o.get("visible").and_then(|v| v.as_bool()).unwrap_or(true)
        && !o.get("internal").and_then(|v| v.as_bool()).unwrap_or(false);
    let removed = o
        .get("removed")
        .and_then(|r| r.as_str().map(str::to_owned))
        .or_else(|| {
            description
                .strip_prefix(REMOVED_PREFIX)
                .map(|r| r.trim().to_owned())
        });
    let renamed_to = o
        .get("renamedTo")
        .and_then(|r| r.as_str().map(str::to_owned))
        .or_else(|| {
            if visible {
                None
            } else {
                alias_target(&description)
            }
        });
    Some(OptionInfo {
        loc,
        ty: o.get("type").map(text_of).unwrap_or_default(),
        read_only: o.get("readOnly").and_then(|r| r.as_bool()).unwrap_or(false),
        description: if removed.is_some() {
            String::new()
        } else {
            description
        },
        visible: visible && !name.starts_with("_module"),
        renamed_to,
        removed,
    })
}

/// Reads either input shape.
pub fn parse_options(json: &str) -> Result<Vec<OptionInfo>, SchemaError> {
    let v: serde_json::Value = serde_json::from_str(json)?;
    let out: Vec<OptionInfo> = match &v {
        serde_json::Value::Object(m) => m.iter().filter_map(|(k, x)| info(k, x)).collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|x| {
                info(
                    x.get("name").and_then(|n| n.as_str()).unwrap_or_default(),
                    x,
                )
            })
            .collect(),
        _ => return Err(SchemaError::Shape("a JSON scalar".into())),
    };
    if out.is_empty() {
        return Err(SchemaError::Shape("no options in it".into()));
    }
    Ok(out)
}

/// An option type, parsed from NixOS's description of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `boolean`
    Bool,
    /// An integer, with bounds.
    Int(Option<i64>, Option<i64>),
    /// `floating point number`
    Float,
    /// Any string type.
    Str,
    /// `path`
    Path,
    /// `one of "a", "b"`
    Enum(Vec<serde_json::Value>),
    /// `list of T`
    ListOf(Box<Type>),
    /// `attribute set of T`
    AttrsOf(Box<Type>),
    /// `null or T`
    NullOr(Box<Type>),
    /// `T or U`
    Either(Box<Type>, Box<Type>),
    /// `submodule`
    Submodule,
    /// What is not checked (packages, functions, anything else).
    Any,
}

fn strip_parens(s: &str) -> &str {
    let s = s.trim();
    if s.starts_with('(') && s.ends_with(')') {
        let inner = &s[1..s.len() - 1];
        // Only when the parentheses enclose everything.
        let mut depth = 0i32;
        for c in inner.chars() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return s;
                    }
                }
                _ => {}
            }
        }
        return inner.trim();
    }
    s
}

/// Parses NixOS's type description.
pub fn parse_type(desc: &str) -> Type {
    let d = strip_parens(desc);
    if let Some(rest) = d.strip_prefix("null or ") {
        return Type::NullOr(Box::new(parse_type(rest)));
    }
    for (prefix, list) in [
        ("list of ", true),
        ("attribute set of ", false),
        ("lazy attribute set of ", false),
    ] {
        if let Some(rest) = d.strip_prefix(prefix) {
            let inner = Box::new(parse_type(rest));
            return if list {
                Type::ListOf(inner)
            } else {
                Type::AttrsOf(inner)
            };
        }
    }
    if let Some(rest) = d.strip_prefix("one of ") {
        let vals = rest
            .split(", ")
            .map(|x| {
                serde_json::from_str(x.trim())
                    .unwrap_or(serde_json::Value::String(x.trim().to_owned()))
            })
            .collect();
        return Type::Enum(vals);
    }
    match d {
        "boolean" => return Type::Bool,
        "signed integer" | "integer" => return Type::Int(None, None),
        "floating point number" => return Type::Float,
        "path" | "absolute path" => return Type::Path,
        "submodule" => return Type::Submodule,
        _ => {}
    }
    if d.starts_with("unsigned integer") {
        return Type::Int(Some(0), None);
    }
    if d.starts_with("positive integer") {
        return Type::Int(Some(1), None);
    }
    if d.contains("integer") {
        if let Some((_, range)) = d.split_once("between ") {
            let nums: Vec<i64> = range
                .split(|c: char| !(c.is_ascii_digit() || c == '-'))
                .filter_map(|x| x.parse().ok())
                .collect();
            if nums.len() >= 2 {
                return Type::Int(Some(nums[0]), Some(nums[1]));
            }
        }
        return Type::Int(None, None);
    }
    if d == "string"
        || d.starts_with("string")
        || d.starts_with("strings concatenated")
        || d.contains("string") && !d.contains(" or ")
    {
        return Type::Str;
    }
    if let Some((a, b)) = d.split_once(" or ") {
        return Type::Either(Box::new(parse_type(a)), Box::new(parse_type(b)));
    }
    Type::Any
}

/// Whether a known value fits a type (`None`: cannot tell).
pub fn fits(ty: &Type, v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match ty {
        Type::Bool => v.is_boolean(),
        Type::Int(lo, hi) => match v.as_i64() {
            Some(i) if v.is_i64() || v.is_u64() => {
                lo.is_none_or(|l| i >= l) && hi.is_none_or(|h| i <= h)
            }
            _ => false,
        },
        Type::Float => v.is_number(),
        Type::Str => v.is_string(),
        Type::Path => v.as_str().is_some_and(|s| s.starts_with('/')),
        Type::Enum(vals) => vals.contains(v),
        Type::ListOf(t) => v.as_array().is_some_and(|a| a.iter().all(|x| fits(t, x))),
        Type::AttrsOf(t) => v
            .as_object()
            .is_some_and(|o| o.values().all(|x| fits(t, x))),
        Type::NullOr(t) => v.is_null() || fits(t, v),
        Type::Either(a, b) => fits(a, v) || fits(b, v),
        Type::Submodule => matches!(v, J::Object(_)),
        Type::Any => true,
    }
}

#[derive(Default)]
struct Node {
    children: BTreeMap<String, Node>,
    wildcard: Option<Box<Node>>,
    option: Option<usize>,
}

/// A loaded schema.
pub struct Schema {
    options: Vec<OptionInfo>,
    types: Vec<Type>,
    root: Node,
}

/// What a path is in the schema.
pub enum Lookup<'s> {
    /// An option, and how many path elements it takes.
    Option(&'s OptionInfo, &'s Type, usize),
    /// Below an option whose value takes the rest of the path.
    Unknown {
        /// How many elements matched.
        depth: usize,
        /// The names known at that depth.
        siblings: Vec<&'s str>,
    },
}

impl Schema {
    /// Builds the lookup tree.
    pub fn new(options: Vec<OptionInfo>) -> Schema {
        let mut root = Node::default();
        let types = options.iter().map(|o| parse_type(&o.ty)).collect();
        for (i, o) in options.iter().enumerate() {
            let mut n = &mut root;
            for part in &o.loc {
                // `<name>`, `<name?>` (2020), `*` (list elements).
                n = if part == "*" || (part.starts_with('<') && part.ends_with('>')) {
                    n.wildcard.get_or_insert_with(Default::default)
                } else {
                    n.children.entry(part.clone()).or_default()
                };
            }
            n.option = Some(i);
        }
        Schema {
            options,
            types,
            root,
        }
    }

    /// How many options.
    pub fn len(&self) -> usize {
        self.options.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// The options.
    pub fn options(&self) -> &[OptionInfo] {
        &self.options
    }

    /// The node of a path (for the schema of list elements).
    fn node(&self, path: &[String]) -> Option<&Node> {
        let mut n = &self.root;
        for part in path {
            n = n.children.get(part).or(n.wildcard.as_deref())?;
        }
        Some(n)
    }

    /// Whether the elements of the list option at `path` are submodules
    /// whose options the schema lists (under `*`).
    pub fn has_element_options(&self, path: &[String]) -> bool {
        self.node(path)
            .and_then(|n| n.wildcard.as_deref())
            .is_some_and(|w| !w.children.is_empty())
    }

    /// The names below `prefix` (for completion), each with its option if
    /// it is one. Hidden options (internal, invisible, `_module`) are not
    /// offered.
    pub fn children(&self, prefix: &[String]) -> Vec<(String, Option<&OptionInfo>)> {
        let mut n = &self.root;
        for part in prefix {
            n = match n.children.get(part).or(n.wildcard.as_deref()) {
                Some(x) => x,
                None => return Vec::new(),
            };
        }
        let hidden = |c: &Node| {
            c.option.is_some_and(|i| !self.options[i].visible)
                && c.children
                    .values()
                    .all(|g| g.option.is_some_and(|i| !self.options[i].visible))
        };
        let mut out: Vec<(String, Option<&OptionInfo>)> = n
            .children
            .iter()
            .filter(|(k, c)| !k.starts_with('_') && !hidden(c))
            .map(|(k, c)| (k.clone(), c.option.map(|i| &self.options[i])))
            .collect();
        if let Some(w) = &n.wildcard {
            out.push(("<name>".to_owned(), w.option.map(|i| &self.options[i])));
        }
        out
    }

    /// Finds what `path` is.
    pub fn lookup(&self, path: &[String]) -> Lookup<'_> {
        let mut n = &self.root;
        for (i, part) in path.iter().enumerate() {
            if let Some(o) = n.option {
                // An option whose value is made of options the schema
                // lists (`attrsOf (submodule …)`: `<name>`, `listOf
                // (submodule …)`: `*`): the lookup goes on below it; a
                // renamed or removed option is what it is, whatever is
                // below.
                let info = &self.options[o];
                let below = !n.children.is_empty() || n.wildcard.is_some();
                if !below || info.renamed_to.is_some() || info.removed.is_some() {
                    return Lookup::Option(info, &self.types[o], i);
                }
            }
            let next = if part == "<name>" {
                n.wildcard.as_deref().or_else(|| {
                    (n.children.len() == 1)
                        .then(|| n.children.values().next())
                        .flatten()
                })
            } else {
                n.children.get(part).or(n.wildcard.as_deref())
            };
            match next {
                Some(x) => n = x,
                None if part == "<name>" && !n.children.is_empty() => {
                    // An unknown name among known ones: cannot tell which.
                    return Lookup::Option(&ANY_OPTION, &Type::Any, i);
                }
                None => {
                    return Lookup::Unknown {
                        depth: i,
                        siblings: n.children.keys().map(String::as_str).collect(),
                    }
                }
            }
        }
        match n.option {
            Some(o) => Lookup::Option(&self.options[o], &self.types[o], path.len()),
            // A set of options defined with an attribute set: fine.
            None => Lookup::Option(&ANY_OPTION, &Type::Any, path.len()),
        }
    }
}

static ANY_OPTION: OptionInfo = OptionInfo {
    loc: Vec::new(),
    ty: String::new(),
    read_only: false,
    description: String::new(),
    visible: true,
    renamed_to: None,
    removed: None,
};

/// Edit distance, for "did you mean".
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn range(d: &Definition) -> TextRange {
    TextRange::new(TextSize::from(d.range[0]), TextSize::from(d.range[1]))
}

/// An `unknown_option` error, with "did you mean" among `siblings`.
fn unknown(
    path: &[String],
    depth: usize,
    siblings: &[&str],
    range: TextRange,
    prefix: &str,
) -> Diagnostic {
    let missing = crate::module::show_path(&path[..=depth]);
    let name = &path[depth];
    let mut best: Vec<(usize, &str)> = siblings
        .iter()
        .map(|s| (levenshtein(name, s), *s))
        .collect();
    best.sort();
    let limit = (name.chars().count() / 3).max(2);
    let mut diag = Diagnostic::error(
        "unknown_option",
        range,
        format!("{prefix}the option `{missing}` does not exist"),
    );
    if let Some((dist, s)) = best.first() {
        if *dist <= limit {
            let mut p = path[..depth].to_vec();
            p.push((*s).to_owned());
            diag = diag.with_note(format!("did you mean `{}`?", crate::module::show_path(&p)));
        }
    }
    diag
}

fn type_error(
    what: String,
    v: &serde_json::Value,
    info: &OptionInfo,
    range: TextRange,
) -> Diagnostic {
    Diagnostic::error(
        "option_type",
        range,
        format!(
            "{what} is {}, but the option takes {}",
            describe(v),
            info.ty
        ),
    )
    .with_note(
        info.description
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// A known value against its option's type; a list's elements one by one
/// (naming the first wrong one and its index), and the fields of list
/// elements that are submodules against their own options.
fn check_value(
    schema: &Schema,
    path: &[String],
    info: &OptionInfo,
    ty: &Type,
    v: &serde_json::Value,
    range: TextRange,
    out: &mut Vec<Diagnostic>,
) {
    let shown = crate::module::show_path(path);
    let inner = match ty {
        Type::ListOf(t) => Some(t),
        Type::NullOr(t) if !v.is_null() => match &**t {
            Type::ListOf(t) => Some(t),
            _ => None,
        },
        _ => None,
    };
    let (Some(inner), Some(items)) = (inner, v.as_array()) else {
        if !fits(ty, v) {
            out.push(type_error(format!("`{shown}`"), v, info, range));
        }
        return;
    };
    let fields = schema.has_element_options(path);
    for (i, el) in items.iter().enumerate() {
        match el.as_object() {
            Some(obj) if fields => {
                for (k, fv) in obj {
                    let mut p = path.to_vec();
                    p.push("*".into());
                    p.push(k.clone());
                    match schema.lookup(&p) {
                        Lookup::Unknown { siblings, .. } => {
                            let mut diag = Diagnostic::error(
                                "unknown_option",
                                range,
                                format!(
                                    "element {i} of `{shown}`: its elements have no option `{k}`"
                                ),
                            );
                            let near = siblings
                                .iter()
                                .map(|s| (levenshtein(k, s), *s))
                                .min()
                                .filter(|(d, _)| *d <= (k.chars().count() / 3).max(2));
                            if let Some((_, s)) = near {
                                diag = diag.with_note(format!("did you mean `{s}`?"));
                            }
                            out.push(diag);
                        }
                        Lookup::Option(finfo, fty, depth) if depth == p.len() && !fits(fty, fv) => {
                            out.push(type_error(
                                format!("element {i} of `{shown}`: `{k}`"),
                                fv,
                                finfo,
                                range,
                            ));
                        }
                        Lookup::Option(..) => {}
                    }
                }
            }
            _ if !fits(inner, el) => {
                out.push(type_error(
                    format!("element {i} of `{shown}`"),
                    el,
                    info,
                    range,
                ));
                return;
            }
            _ => {}
        }
    }
}

/// Checks definitions (of one file) against the schema.
pub fn check(schema: &Schema, defs: &[&Definition]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut reported_unknown = std::collections::BTreeSet::new();
    for d in defs {
        // Borrowed; a copy only when an alias (mkRenamedOptionModule) is
        // followed to its option, a few steps at most.
        let mut path: std::borrow::Cow<'_, [String]> = std::borrow::Cow::Borrowed(&d.path);
        for _ in 0..4 {
            match schema.lookup(&path) {
                Lookup::Unknown { depth, siblings } => {
                    let missing = crate::module::show_path(&path[..=depth]);
                    if reported_unknown.insert(missing) {
                        out.push(unknown(&path, depth, &siblings, range(d), ""));
                    }
                }
                Lookup::Option(info, ty, depth) => {
                    let here = || crate::module::show_path(&path[..depth]);
                    if let Some(why) = &info.removed {
                        out.push(
                            Diagnostic::error(
                                "removed_option",
                                range(d),
                                format!("the option `{}` has been removed from NixOS (a definition fails its assertion)", here()),
                            )
                            .with_note(why.clone()),
                        );
                        break;
                    }
                    if let Some(to) = &info.renamed_to {
                        let mut w = Diagnostic::error(
                            "renamed_option",
                            range(d),
                            format!("the option `{}` is renamed to `{to}`: NixOS takes it with a warning; use the new name", here()),
                        );
                        w.severity = Severity::Warning;
                        out.push(w);
                        let mut new = split_name(to);
                        new.extend_from_slice(&path[depth..]);
                        path = std::borrow::Cow::Owned(new);
                        continue;
                    }
                    if info.read_only {
                        out.push(Diagnostic::error(
                            "read_only_option",
                            range(d),
                            format!("the option `{}` is read-only", here()),
                        ));
                        break;
                    }
                    // A definition the module system drops (a higher
                    // priority one replaces it) is never type-checked.
                    if depth == path.len() && d.condition != Condition::False && !d.overridden {
                        if let Some(v) = &d.value {
                            check_value(schema, &path, info, ty, v, range(d), &mut out);
                        }
                    }
                }
            }
            break;
        }
    }
    out.retain(|d| d.severity == Severity::Error || d.severity == Severity::Warning);
    for d in &mut out {
        d.notes.retain(|n| !n.is_empty());
    }
    out
}

fn describe(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("the boolean {b}"),
        serde_json::Value::Number(n) => format!("the number {n}"),
        serde_json::Value::String(s) => {
            format!("the string {:?}", if s.len() > 40 { &s[..40] } else { s })
        }
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "an attribute set".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_descriptions() {
        assert_eq!(parse_type("boolean"), Type::Bool);
        assert_eq!(
            parse_type("16 bit unsigned integer; between 0 and 65535 (both inclusive)"),
            Type::Int(Some(0), Some(65535))
        );
        assert_eq!(
            parse_type("null or string"),
            Type::NullOr(Box::new(Type::Str))
        );
        assert_eq!(
            parse_type("list of (submodule)"),
            Type::ListOf(Box::new(Type::Submodule))
        );
        assert_eq!(
            parse_type("one of \"a\", \"b\""),
            Type::Enum(vec!["a".into(), "b".into()])
        );
        assert!(fits(
            &parse_type("attribute set of string"),
            &serde_json::json!({"a": "b"})
        ));
        assert!(!fits(
            &parse_type("signed integer"),
            &serde_json::json!("80")
        ));
    }

    #[test]
    fn names_split_outside_quotes() {
        assert_eq!(split_name("a.\"b.c\".d"), ["a", "b.c", "d"]);
        assert_eq!(levenshtein("enabel", "enable"), 2);
    }
}
