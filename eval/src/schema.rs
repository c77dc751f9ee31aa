//! A NixOS options schema, and the checks of definitions against it:
//! unknown options (with "did you mean"), renamed, removed and read-only
//! options, and each option's type ([`crate::types`]).
//!
//! Two input shapes are read: the NixOS manual's `options.json` (an object,
//! option name → `{ type, readOnly, description, loc? }`) and the list of
//! `lib.optionAttrSetToDocList` (`[{ name, type, readOnly, … }]`, with a
//! `typeTree` when `schema generate` wrote it). Both are normalized to a
//! list of [`OptionInfo`], which is what is stored. An option without a
//! type tree (an imported `options.json`, a schema file written before
//! trees) has its type parsed from its description.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::module::{Condition, Definition};
use crate::types::merge::Outcome;
use crate::types::Ty;
use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

/// One option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionInfo {
    /// Its path; `<name>` and `*` are placeholders for any attribute name.
    pub loc: Vec<String>,
    /// Its type, as NixOS describes it (`boolean`, `list of string`, …):
    /// what is shown.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its type as a tree (`schema generate`); without it, the type is
    /// parsed from the description.
    #[serde(rename = "typeTree", default, skip_serializing_if = "Option::is_none")]
    pub type_tree: Option<Ty>,
    /// Whether definitions are refused.
    #[serde(rename = "readOnly", default)]
    pub read_only: bool,
    /// Whether the option's value goes through an `apply` function (its
    /// merged value is then not its definitions').
    #[serde(default, skip_serializing_if = "is_false")]
    pub apply: bool,
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
    /// The files that declare it (relative to the nixpkgs tree), kept by
    /// `schema generate` for options whose type hides a function (an
    /// `addCheck`, a `coercedTo`): where `types::recover` finds it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<String>,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_true(b: &bool) -> bool {
    *b
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
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
        // The tree `schema generate` recorded, else one parsed from the
        // description, once, here (the stored schema then has it).
        type_tree: o
            .get("typeTree")
            .and_then(|t| {
                let mut t = t.clone();
                resolve_descriptions(&mut t, 0);
                serde_json::from_value(t).ok()
            })
            .or_else(|| {
                Some(crate::types::parse::parse_description(
                    &o.get("type").map(text_of).unwrap_or_default(),
                ))
            }),
        read_only: o.get("readOnly").and_then(|r| r.as_bool()).unwrap_or(false),
        apply: o.get("apply").and_then(|r| r.as_bool()).unwrap_or(false),
        description: if removed.is_some() {
            String::new()
        } else {
            description
        },
        visible: visible && !name.starts_with("_module"),
        renamed_to,
        removed,
        declarations: o
            .get("declarations")
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default(),
    })
}

/// `schema generate` of a 2020 nixpkgs knows the `from` side of
/// `coercedTo` only by its description (`fromDescription`): parsed here.
fn resolve_descriptions(v: &mut serde_json::Value, depth: u32) {
    if depth > 64 {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Object(c)) = m.get_mut("coercedTo") {
                if let Some(serde_json::Value::String(d)) = c.remove("fromDescription") {
                    let t = crate::types::parse::parse_description(&d);
                    c.insert(
                        "from".into(),
                        serde_json::to_value(t).unwrap_or(serde_json::Value::Null),
                    );
                }
            }
            for x in m.values_mut() {
                resolve_descriptions(x, depth + 1);
            }
        }
        serde_json::Value::Array(a) => a
            .iter_mut()
            .for_each(|x| resolve_descriptions(x, depth + 1)),
        _ => {}
    }
}

/// Reads a schema as nixunits stores it (`schema import`/`generate`: a
/// JSON list of [`OptionInfo`]). The list is made at its size at once: a
/// list grown as it is read copied every option several times, a sixth of
/// the load of a 20,000-option schema (`scripts/bench-eval`).
pub fn read_stored(text: &str) -> Result<Vec<OptionInfo>, serde_json::Error> {
    struct Sized(usize);
    impl<'de> serde::de::Visitor<'de> for Sized {
        type Value = Vec<OptionInfo>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of options")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(self.0);
            while let Some(o) = seq.next_element()? {
                out.push(o);
            }
            Ok(out)
        }
    }
    // Each stored option starts with its `loc` (the field order of
    // `OptionInfo`): a count of them is the list's length, or near it.
    let hint = memchr::memmem::find_iter(text.as_bytes(), b"{\"loc\":").count();
    let mut de = serde_json::Deserializer::from_str(text);
    let options = serde::Deserializer::deserialize_seq(&mut de, Sized(hint))?;
    de.end()?;
    Ok(options)
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

/// A node of the schema's tree of names.
#[derive(Default)]
pub(crate) struct Node {
    pub(crate) children: BTreeMap<String, Node>,
    /// `<name>` (`attrsOf`), `<name?>` (2020's `loaOf`), `*` (`listOf`).
    pub(crate) wildcard: Option<Box<Node>>,
    pub(crate) option: Option<usize>,
}

/// A loaded schema.
pub struct Schema {
    options: Vec<OptionInfo>,
    types: Vec<Ty>,
    root: Node,
    /// The bodies of recursive types, by id ([`Ty::Rec`]).
    recs: std::collections::HashMap<String, Ty>,
}

/// What a path is in the schema.
pub enum Lookup<'s> {
    /// An option, and how many path elements it takes.
    Option(&'s OptionInfo, &'s Ty, usize),
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
    pub fn new(mut options: Vec<OptionInfo>) -> Schema {
        let mut root = Node::default();
        // The trees move into `types` (`options()` keeps the rest).
        let mut recs = std::collections::HashMap::new();
        let types = options
            .iter_mut()
            .enumerate()
            .map(|(i, o)| {
                let mut t = o
                    .type_tree
                    .take()
                    .unwrap_or_else(|| crate::types::parse::parse_description(&o.ty));
                t.attach_known(&o.loc);
                t.collect_recs(i, &mut recs);
                t
            })
            .collect();
        for (i, o) in options.iter().enumerate() {
            let mut n = &mut root;
            for part in &o.loc {
                // `<name>`, `<name?>` (2020), `*` (list elements).
                // `<either N>` (the options of a branch of `either`) is a
                // node of its own, reached by the type, never by a name.
                let branch = part.starts_with("<either ");
                n = if !branch && (part == "*" || (part.starts_with('<') && part.ends_with('>'))) {
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
            recs,
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

    /// The type of each option (same order).
    pub fn types(&self) -> &[Ty] {
        &self.types
    }

    /// The body of the recursive type `id` ([`Ty::Ref`]).
    pub(crate) fn rec_body(&self, id: &str) -> Option<&Ty> {
        self.recs.get(id)
    }

    /// The first option on `path` from the top (not below it into
    /// submodules): where the module system merges its definitions.
    fn top(&self, path: &[String]) -> Top<'_> {
        let mut n = &self.root;
        let mut wild = false;
        for (i, part) in path.iter().enumerate() {
            if let Some(o) = n.option {
                return Top::Option(o, n, i, wild);
            }
            let next = if part == "<name>" {
                n.wildcard.as_deref().or_else(|| {
                    (n.children.len() == 1)
                        .then(|| n.children.values().next())
                        .flatten()
                })
            } else {
                n.children.get(part).or_else(|| {
                    wild = true;
                    n.wildcard.as_deref()
                })
            };
            if part == "<name>" {
                wild = true;
            }
            match next {
                Some(x) => n = x,
                None if part == "<name>" => return Top::Vague,
                None => {
                    return Top::Unknown {
                        depth: i,
                        siblings: n.children.keys().map(String::as_str).collect(),
                    }
                }
            }
        }
        match n.option {
            Some(o) => Top::Option(o, n, path.len(), wild),
            None => Top::Vague,
        }
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
            .filter(|(k, c)| !k.starts_with('_') && !k.starts_with('<') && !hidden(c))
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
                    return Lookup::Option(&ANY_OPTION, &ANY_TY, i);
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
            None => Lookup::Option(&ANY_OPTION, &ANY_TY, path.len()),
        }
    }
}

/// Where a definition's path meets the schema from the top.
enum Top<'s> {
    /// The first option on the path, its node, its depth, and whether a
    /// `<name>` led there (then its path is not the only one).
    Option(usize, &'s Node, usize, bool),
    /// A name no option has; the names there.
    Unknown {
        depth: usize,
        siblings: Vec<&'s str>,
    },
    /// Not known (an unknown name among several, a set of options).
    Vague,
}

static ANY_TY: Ty = Ty::Anything {};

static ANY_OPTION: OptionInfo = OptionInfo {
    loc: Vec::new(),
    ty: String::new(),
    type_tree: None,
    apply: false,
    read_only: false,
    description: String::new(),
    visible: true,
    renamed_to: None,
    removed: None,
    declarations: Vec::new(),
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
    let mut diag = Diagnostic::error(
        "unknown_option",
        range,
        format!("{prefix}the option `{missing}` does not exist"),
    );
    if let Some(s) = nearest(&path[depth], siblings) {
        let mut p = path[..depth].to_vec();
        p.push(s.to_owned());
        diag = diag.with_note(format!("did you mean `{}`?", crate::module::show_path(&p)));
    }
    diag
}

/// The name nearest to `name` among `siblings`, when near enough to be a
/// typo of it.
pub(crate) fn nearest<'n>(name: &str, siblings: &[&'n str]) -> Option<&'n str> {
    let limit = (name.chars().count() / 3).max(2);
    siblings
        .iter()
        .map(|s| (levenshtein(name, s), *s))
        .min()
        .filter(|(d, _)| *d <= limit)
        .map(|(_, s)| s)
}

/// Checks definitions (all of a snippet's, its imports' included: the
/// module system merges them together) against the schema: names, then
/// each option's type with its priorities ([`crate::types::merge`]).
pub fn check(schema: &Schema, defs: &[Definition]) -> Outcome {
    let Resolved {
        diagnostics: mut out,
        paths,
        groups,
    } = resolve(schema, defs);
    let mut outcome = crate::types::merge::run(schema, defs, &paths, groups);
    out.append(&mut outcome.diagnostics);
    for (_, d) in &mut out {
        d.notes.retain(|n| !n.is_empty());
    }
    out.sort_by_key(|(i, d)| (*i, d.range.start()));
    outcome.diagnostics = out;
    outcome
}

/// [`check`] of a whole evaluation. Where a module of unknown content
/// reaches the snippet (an import not read, a module not known
/// statically), it may declare any option: an option the schema does not
/// know is then a warning, not an error (NixOS accepts it when that
/// module declares it).
pub fn check_evaluated(schema: &Schema, e: &crate::module::Evaluated) -> Outcome {
    let mut o = check(schema, &e.definitions);
    if e.unknown_modules > 0 {
        for (_, d) in &mut o.diagnostics {
            if d.code == "unknown_option" && d.severity == Severity::Error {
                d.severity = Severity::Warning;
                d.notes.push(
                    "a module whose content is not known is imported: it may declare this option"
                        .into(),
                );
            }
        }
    }
    o
}

/// The definitions of each option: the module system's view.
pub(crate) type Groups<'s> = Vec<(&'s Node, usize, Vec<usize>)>;

/// Where definitions meet the schema ([`resolve`]).
pub(crate) struct Resolved<'s, 'd> {
    /// The diagnostics of names, with the definition each is about.
    pub(crate) diagnostics: Vec<(usize, Diagnostic)>,
    /// Each definition's path, aliases followed.
    pub(crate) paths: Vec<Cow<'d, [String]>>,
    /// The definitions of each option reached.
    pub(crate) groups: Groups<'s>,
}

/// Where each definition meets the schema: the diagnostics of names
/// (unknown, renamed, removed, read-only options), every definition's path
/// with aliases followed, and the definitions of each option reached.
pub(crate) fn resolve<'s, 'd>(schema: &'s Schema, defs: &'d [Definition]) -> Resolved<'s, 'd> {
    let mut out: Vec<(usize, Diagnostic)> = Vec::new();
    let mut reported_unknown = std::collections::BTreeSet::new();
    let mut paths: Vec<Cow<'d, [String]>> = Vec::with_capacity(defs.len());
    // Definitions by the option they reach (node address, its path).
    let mut groups: Groups<'s> = Vec::new();
    let mut index: std::collections::HashMap<usize, std::collections::HashMap<Vec<String>, usize>> =
        Default::default();
    let mut by_option: std::collections::HashMap<usize, usize> = Default::default();
    for (i, d) in defs.iter().enumerate() {
        let mut path: Cow<'d, [String]> = Cow::Borrowed(&d.path);
        let mut reached = None;
        // An option the snippet declares itself is judged by its own type.
        if d.condition != Condition::False && !d.own_option {
            // An alias (mkRenamedOptionModule) is followed to its option, a
            // few steps at most.
            for _ in 0..4 {
                match schema.top(&path) {
                    Top::Unknown { depth, siblings } => {
                        let missing = crate::module::show_path(&path[..=depth]);
                        if reported_unknown.insert(missing) {
                            out.push((i, unknown(&path, depth, &siblings, range(d), "")));
                        }
                    }
                    Top::Vague => {}
                    Top::Option(o, node, depth, wild) => {
                        let info = &schema.options[o];
                        let here = || crate::module::show_path(&path[..depth]);
                        if let Some(why) = &info.removed {
                            let mut e = Diagnostic::error(
                                "removed_option",
                                range(d),
                                format!("the option `{}` has been removed from NixOS (a definition fails its assertion)", here()),
                            )
                            .with_note(why.clone());
                            // The assertion asks whether the option is
                            // defined once conditions are discharged.
                            if d.condition == Condition::Unknown {
                                e.severity = Severity::Warning;
                                e = e.with_note("under a condition not known statically: NixOS rejects it when the condition holds");
                            }
                            out.push((i, e));
                        } else if let Some(to) = &info.renamed_to {
                            let mut w = Diagnostic::error(
                                "renamed_option",
                                range(d),
                                format!("the option `{}` is renamed to `{to}`: NixOS takes it with a warning; use the new name", here()),
                            );
                            w.severity = Severity::Warning;
                            out.push((i, w));
                            let mut new = split_name(to);
                            new.extend_from_slice(&path[depth..]);
                            path = Cow::Owned(new);
                            continue;
                        } else if info.read_only {
                            out.push((
                                i,
                                Diagnostic::error(
                                    "read_only_option",
                                    range(d),
                                    format!("the option `{}` is read-only", here()),
                                ),
                            ));
                        } else {
                            reached = Some((o, node, depth, wild));
                        }
                    }
                }
                break;
            }
        }
        if let Some((o, node, depth, wild)) = reached {
            // An option reached through no `<name>` has one path: its index
            // is the key (the common case, no path to hash).
            let plain = !wild;
            let found = if plain {
                by_option.get(&o).copied()
            } else {
                index.get(&o).and_then(|m| m.get(&path[..depth])).copied()
            };
            match found {
                Some(g) => groups[g].2.push(i),
                None => {
                    if plain {
                        by_option.insert(o, groups.len());
                    } else {
                        index
                            .entry(o)
                            .or_default()
                            .insert(path[..depth].to_vec(), groups.len());
                    }
                    groups.push((node, depth, vec![i]));
                }
            }
        }
        paths.push(path);
    }
    Resolved {
        diagnostics: out,
        paths,
        groups,
    }
}

/// Marks the definitions the module system drops by priority, with the
/// schema's options: a priority is filtered at each option (and element)
/// it reaches, where NixOS filters it. Definitions the schema cannot place
/// keep the free-form module system's marks.
pub fn apply_priorities(schema: &Schema, defs: &mut [Definition]) {
    let o = check(schema, defs);
    for (d, m) in defs.iter_mut().zip(o.overridden) {
        if let Some(m) = m {
            d.overridden = m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_schema_reads_back_whole() {
        let options = parse_options(
            r#"{"services.a.enable": {"type": "boolean", "description": "A {\"loc\": in it."},
                "services.a.ports": {"type": "list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)"},
                "x.y": {"type": "string", "description": "Removed: use z."}}"#,
        )
        .unwrap();
        let text = serde_json::to_string(&options).unwrap();
        assert_eq!(read_stored(&text).unwrap(), options);
        // Not the stored shape: an error (the caller reads it as an input).
        assert!(read_stored(r#"{"a.b": {"type": "boolean"}}"#).is_err());
        assert!(read_stored(&format!("{text} []")).is_err());
    }

    #[test]
    fn names_split_outside_quotes() {
        assert_eq!(split_name("a.\"b.c\".d"), ["a", "b.c", "d"]);
        assert_eq!(levenshtein("enabel", "enable"), 2);
    }
}
