//! Option types as the module system has them: a tree of nixpkgs'
//! constructors (`lib/types.nix`), kept in the schema, and the checks of
//! definitions against it.
//!
//! - this file: the tree ([`Ty`]), its JSON form (the schema's
//!   `typeTree`, DESIGN §10) and its description;
//! - [`parse`]: a tree from NixOS's description text (`schema import` of
//!   `options.json`, and schema files written before trees existed);
//! - `pattern`: `strMatching` patterns, matched as `builtins.match` does;
//! - `known`: the few checks nixpkgs hides in a closure that are modelled
//!   anyway (systemd's `Restart=`/`Type=`), one table;
//! - [`merge`]: definitions checked and merged as `mergeDefinitions` does
//!   (priorities, each type's `check`, then its `merge`).
//!
//! The reference is nixpkgs' `lib/types.nix` of 2020 (NixOS 20.09): where a
//! later nixpkgs changed a semantic (`uniq` merging its element, `either`
//! choosing its branch), the 2020 one is modelled. A type the tree cannot
//! express is `Opaque`: no error and no guess, "checked by Nix".

use serde::{Deserialize, Serialize};

pub(crate) mod known;
pub mod merge;
pub mod parse;
pub(crate) mod pattern;
pub mod predicate;
pub mod recover;

pub use known::Known;
pub use predicate::Predicate;

/// An option type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Ty {
    /// `types.bool`
    Bool {},
    /// `types.int`
    Int {},
    /// `types.ints.*`: an integer within bounds.
    Ints {
        /// Lowest accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Highest accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// `types.float` (2020: an integer is not a float).
    Float {},
    /// `types.number`, `numbers.*` (later nixpkgs): an integer or a float,
    /// within bounds.
    Number {
        /// Lowest accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Highest accepted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// `types.str`
    Str {},
    /// `types.strMatching PATTERN` (and `nonEmptyStr`, which is one).
    StrMatching(String),
    /// `types.separatedString SEP` (`lines`, `commas`, `envVar`,
    /// `string`): strings, concatenated.
    SeparatedString(String),
    /// `types.path`: anything whose string starts with `/`.
    Path {},
    /// `types.package`: a derivation or a store path.
    Package {},
    /// `types.attrs`
    Attrs {},
    /// `types.anything` (later nixpkgs).
    Anything {},
    /// `types.unspecified`
    Unspecified {},
    /// `types.raw` (later nixpkgs): anything, one definition.
    Raw {},
    /// `types.enum [ … ]`: its members, with their kinds.
    Enum(Vec<serde_json::Value>),
    /// `types.listOf T`
    ListOf(Box<Ty>),
    /// `types.nonEmptyListOf T`
    NonEmptyListOf(Box<Ty>),
    /// `types.attrsOf T`
    AttrsOf(Box<Ty>),
    /// `types.lazyAttrsOf T`
    LazyAttrsOf(Box<Ty>),
    /// `types.loaOf T` (a list or an attribute set)
    LoaOf(Box<Ty>),
    /// `types.uniq T`: one definition.
    Uniq(Box<Ty>),
    /// `types.nullOr T`
    NullOr(Box<Ty>),
    /// `types.functionTo T` (later nixpkgs)
    FunctionTo(Box<Ty>),
    /// `types.either A B` (`oneOf [ A B C ]` is `either (either A B) C`):
    /// two or more branches, folded from the left.
    Either(Vec<Ty>),
    /// `types.coercedTo FROM f TO`
    CoercedTo {
        /// What is converted.
        from: Box<Ty>,
        /// What it is converted to.
        to: Box<Ty>,
        /// The conversion `f`, recovered from the declaring file by
        /// `schema generate` ([`predicate`]); without it a converted
        /// value is not known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        convert: Option<Predicate>,
    },
    /// `types.submodule …`: its options are in the schema below the
    /// option (`<name>`, `*`).
    Submodule {
        /// The type of attributes no option declares (later nixpkgs).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        freeform: Option<Box<Ty>>,
    },
    /// `types.addCheck T f` (or a type whose `check` was replaced): `T`
    /// still judges; the extra check is Nix's, unless it is a known one.
    AddCheck {
        /// The type whose check was extended.
        #[serde(rename = "type")]
        ty: Box<Ty>,
        /// Where the check was written (`file:line`), when known.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        at: String,
        /// The check itself, recovered from the declaring file by `schema
        /// generate` ([`predicate`]): run on each definition the inner
        /// type accepts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        check: Option<Predicate>,
        /// The modelled check, from the table of known ones (set when the
        /// schema is loaded, from the option's path), for schemas
        /// without a recovered `check`.
        #[serde(skip)]
        known: Option<Known>,
    },
    /// A type that contains itself (`valueType = nullOr (oneOf [ …
    /// (attrsOf valueType) ])`, the `JSON value` of `pkgs.formats`): its
    /// body, in which `Ref(id)` stands for the whole.
    Rec {
        /// Its name here: the type's description, `@` its depth.
        id: String,
        /// The body.
        #[serde(rename = "type")]
        ty: Box<Ty>,
    },
    /// The enclosing `Rec` of that id.
    Ref(String),
    /// Anything else: not judged.
    Opaque(String),
}

/// What a recursive type is called in messages: its id without the depth.
pub(crate) fn rec_name(id: &str) -> &str {
    id.rsplit_once('@').map_or(id, |(n, _)| n)
}

fn show_member(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Null => "null".into(),
        _ => "<set>".into(),
    }
}

impl Ty {
    /// NixOS's description of the type (composites parenthesized, as
    /// later nixpkgs write them).
    pub fn describe(&self) -> String {
        let inner = |t: &Ty| {
            let d = t.describe();
            if t.is_composite() {
                format!("({d})")
            } else {
                d
            }
        };
        match self {
            Ty::Bool {} => "boolean".into(),
            Ty::Int {} => "signed integer".into(),
            Ty::Ints {
                min: Some(0),
                max: None,
            } => "unsigned integer, meaning >=0".into(),
            Ty::Ints {
                min: Some(1),
                max: None,
            } => "positive integer, meaning >0".into(),
            Ty::Ints {
                min: Some(a),
                max: Some(b),
            } => {
                format!("integer between {a} and {b} (both inclusive)")
            }
            Ty::Ints { min, max } => match (min, max) {
                (Some(a), None) => format!("integer of at least {a}"),
                (None, Some(b)) => format!("integer of at most {b}"),
                _ => "signed integer".into(),
            },
            Ty::Float {} => "floating point number".into(),
            Ty::Number { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("number between {a} and {b} (both inclusive)"),
                _ => "number".into(),
            },
            Ty::Str {} => "string".into(),
            Ty::StrMatching(p) => format!("string matching the pattern {p}"),
            Ty::SeparatedString(s) if s.is_empty() => "Concatenated string".into(),
            Ty::SeparatedString(s) => format!(
                "strings concatenated with {}",
                serde_json::Value::String(s.clone())
            ),
            Ty::Path {} => "path".into(),
            Ty::Package {} => "package".into(),
            Ty::Attrs {} => "attribute set".into(),
            Ty::Anything {} => "anything".into(),
            Ty::Unspecified {} => "unspecified".into(),
            Ty::Raw {} => "raw value".into(),
            Ty::Enum(v) => format!(
                "one of {}",
                v.iter().map(show_member).collect::<Vec<_>>().join(", ")
            ),
            Ty::ListOf(t) => format!("list of {}", inner(t)),
            Ty::NonEmptyListOf(t) => format!("non-empty list of {}", inner(t)),
            Ty::AttrsOf(t) => format!("attribute set of {}", inner(t)),
            Ty::LazyAttrsOf(t) => format!("lazy attribute set of {}", inner(t)),
            Ty::LoaOf(t) => format!("list or attribute set of {}", inner(t)),
            Ty::Uniq(t) | Ty::AddCheck { ty: t, .. } => t.describe(),
            Ty::NullOr(t) => format!("null or {}", inner(t)),
            Ty::FunctionTo(t) => format!("function that evaluates to a(n) {}", inner(t)),
            Ty::Either(ts) => ts.iter().map(inner).collect::<Vec<_>>().join(" or "),
            Ty::CoercedTo { from, to, .. } => {
                format!("{} or {} convertible to it", inner(to), inner(from))
            }
            Ty::Rec { id, .. } | Ty::Ref(id) => rec_name(id).to_owned(),
            Ty::Submodule { .. } => "submodule".into(),
            Ty::Opaque(d) => d.clone(),
        }
    }

    fn is_composite(&self) -> bool {
        match self {
            Ty::Uniq(t) | Ty::AddCheck { ty: t, .. } => t.is_composite(),
            Ty::ListOf(_)
            | Ty::NonEmptyListOf(_)
            | Ty::AttrsOf(_)
            | Ty::LazyAttrsOf(_)
            | Ty::LoaOf(_)
            | Ty::NullOr(_)
            | Ty::FunctionTo(_)
            | Ty::Either(_)
            | Ty::CoercedTo { .. } => true,
            Ty::Enum(v) => v.len() > 1,
            _ => false,
        }
    }

    /// Whether nothing in it is judged (no error can come from it).
    pub fn is_opaque(&self) -> bool {
        matches!(self, Ty::Opaque(_))
    }

    /// Gives each `Rec` an id no other tree has (`n`, the option's index,
    /// beside its depth) and its `Ref`s the same, and collects the bodies
    /// by id: what a `Ref` stands for when a value is checked.
    pub(crate) fn collect_recs(
        &mut self,
        n: usize,
        out: &mut std::collections::HashMap<String, Ty>,
    ) {
        fn walk(
            t: &mut Ty,
            n: usize,
            stack: &mut Vec<(String, String)>,
            out: &mut std::collections::HashMap<String, Ty>,
        ) {
            match t {
                Ty::Rec { id, ty } => {
                    let new = format!("{id}.{n}");
                    stack.push((id.clone(), new.clone()));
                    walk(ty, n, stack, out);
                    stack.pop();
                    out.insert(new.clone(), (**ty).clone());
                    *id = new;
                }
                Ty::Ref(id) => {
                    if let Some((_, new)) = stack.iter().rev().find(|(old, _)| old == id) {
                        *id = new.clone();
                    }
                }
                Ty::ListOf(x)
                | Ty::NonEmptyListOf(x)
                | Ty::AttrsOf(x)
                | Ty::LazyAttrsOf(x)
                | Ty::LoaOf(x)
                | Ty::Uniq(x)
                | Ty::NullOr(x)
                | Ty::FunctionTo(x)
                | Ty::AddCheck { ty: x, .. } => walk(x, n, stack, out),
                Ty::Either(ts) => ts.iter_mut().for_each(|x| walk(x, n, stack, out)),
                Ty::CoercedTo { from, to, .. } => {
                    walk(from, n, stack, out);
                    walk(to, n, stack, out);
                }
                Ty::Submodule {
                    freeform: Some(x), ..
                } => walk(x, n, stack, out),
                _ => {}
            }
        }
        walk(self, n, &mut Vec::new(), out);
    }

    /// Attaches the known checks of the table to `AddCheck` nodes, for
    /// the option at `loc`.
    pub(crate) fn attach_known(&mut self, loc: &[String]) {
        match self {
            Ty::AddCheck {
                ty, known, check, ..
            } => {
                // The table is the fallback for schemas generated before
                // checks were recovered from the tree.
                if check.is_none() {
                    *known = Known::for_option(loc, ty);
                }
                ty.attach_known(loc);
            }
            Ty::ListOf(t)
            | Ty::NonEmptyListOf(t)
            | Ty::AttrsOf(t)
            | Ty::LazyAttrsOf(t)
            | Ty::LoaOf(t)
            | Ty::Uniq(t)
            | Ty::NullOr(t)
            | Ty::FunctionTo(t) => t.attach_known(loc),
            Ty::Either(ts) => ts.iter_mut().for_each(|t| t.attach_known(loc)),
            Ty::CoercedTo { from, to, .. } => {
                from.attach_known(loc);
                to.attach_known(loc);
            }
            Ty::Rec { ty, .. } => ty.attach_known(loc),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_form_is_design_s() {
        let t = Ty::NullOr(Box::new(Ty::Either(vec![
            Ty::Str {},
            Ty::ListOf(Box::new(Ty::Str {})),
        ])));
        let j = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(
            j,
            r#"{"nullOr":{"either":[{"str":{}},{"listOf":{"str":{}}}]}}"#
        );
        let back: Ty = serde_json::from_str(&j).unwrap_or(Ty::Opaque(String::new()));
        assert_eq!(back, t);
        let j = r#"{"coercedTo":{"from":{"enum":[true,false,"admin"]},"to":{"ints":{"min":0,"max":65535}}}}"#;
        let t: Ty = serde_json::from_str(j).unwrap_or(Ty::Opaque(String::new()));
        assert_eq!(serde_json::to_string(&t).unwrap_or_default(), j);
        assert_eq!(
            t.describe(),
            "integer between 0 and 65535 (both inclusive) or (one of true, false, \"admin\") convertible to it"
        );
    }
}
