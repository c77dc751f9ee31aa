//! The functions a type carries that its description hides — an
//! `addCheck` predicate (`n: n >= 0 && n <= (if v == 4 then 32 else
//! 128)`), systemd's `checkUnitConfig "Network" [ … ]`, a `coercedTo`
//! conversion — written down so that `check` can run them without the
//! nixpkgs tree they came from.
//!
//! A [`Predicate`] is the function's source text (a lambda, as written in
//! its file) and the values of its free variables, each [`Frozen`]: a
//! literal, a list or set of them, another function of the same form, a
//! function of `lib` or `builtins` by name (`mod`, `elem`), or `unknown`
//! where the value was not known when the schema was generated (then the
//! check may end unknown: no error). `schema generate` finds them in the
//! declaring files (`recover`); here they are run by the embedded
//! evaluator, applied to a definition's value.
//!
//! What a run can say: true, false (with what the function traced, as
//! systemd's checks trace their reasons), that it fails (`throw`, an
//! assertion: the module system's error), or unknown — whenever anything it
//! reads is not known statically, or it runs beyond a small budget.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::data::Data;
use crate::eval::{Evaluator, Limits, LoadError, Loader, Store};
use crate::value::{Attrs, Loc, Prim, PrimOp, Scope, Slot, Thunk, Value};

/// A function, written down: its source and its free variables' values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predicate {
    /// The source text of the function (a lambda).
    #[serde(rename = "fn")]
    pub source: String,
    /// The values of its free variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Frozen>,
    /// Where it is written (`file:line`, relative to the nixpkgs tree).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub at: String,
}

/// A value a [`Predicate`] closes over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Frozen {
    /// `null`
    Null {},
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A path.
    Path(String),
    /// A list.
    List(Vec<Frozen>),
    /// An attribute set.
    Attrs(BTreeMap<String, Frozen>),
    /// An attribute set with more attributes, whose names are not known.
    OpenAttrs(BTreeMap<String, Frozen>),
    /// A function of the same form.
    Lambda(Predicate),
    /// `lib.NAME` (`lib` itself when empty).
    Lib(String),
    /// `builtins.NAME` (`builtins` itself when empty).
    Builtins(String),
    /// A function applied to some of its arguments (`elem x`).
    Apply {
        /// The function.
        f: Box<Frozen>,
        /// Its arguments so far.
        args: Vec<Frozen>,
    },
    /// `pkgs`: unknown but for `pkgs.lib`.
    Pkgs {},
    /// Not known when the schema was made.
    Unknown {},
}

/// What running a predicate says.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It holds.
    True,
    /// It does not; what it traced on the way (systemd's checks trace
    /// their reasons).
    False(Vec<String>),
    /// Its evaluation fails (`throw`, `abort`): the module system's error.
    Throws(String),
    /// Not known statically.
    Unknown,
}

/// What a conversion gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    /// The value (unknown parts inside stay unknown).
    Value(Data),
    /// Its evaluation fails.
    Throws(String),
}

/// Predicates read no file.
struct NoFiles;

impl Loader for NoFiles {
    fn load(&self, _: &str) -> Result<String, LoadError> {
        Err(LoadError::Refused("a type's check reads no file".into()))
    }
}

/// The budget of one run: a check is a few comparisons, a systemd section
/// check a few hundred steps.
const LIMITS: Limits = Limits {
    max_steps: 200_000,
    max_depth: 200,
    max_imports: 0,
    timeout: Some(std::time::Duration::from_secs(1)),
    max_memory: 64 << 20,
};

impl Predicate {
    /// Runs it on `arg`: the module system's `check`.
    pub fn call(&self, arg: &Data) -> Verdict {
        let (v, traces, throws) = self.run(arg, |ev, v| match ev.force(&Thunk::value(v)) {
            Value::Bool(b) => Some(b),
            _ => None,
        });
        match (throws, v) {
            (Some(msg), _) => Verdict::Throws(msg),
            (None, Some(true)) => Verdict::True,
            (None, Some(false)) => Verdict::False(traces),
            (None, None) => Verdict::Unknown,
        }
    }

    /// Runs it on `arg` as a conversion: its value, as far as it is known.
    pub fn convert(&self, arg: &Data) -> Converted {
        let (v, _, throws) = self.run(arg, |ev, v| Some(crate::module::to_data(ev, &v)));
        match throws {
            Some(msg) => Converted::Throws(msg),
            None => Converted::Value(v.unwrap_or(Data::Unknown)),
        }
    }

    /// Applies the function to `arg` and hands the result to `then`; with
    /// what it traced and, when it failed for sure, why.
    fn run<R>(
        &self,
        arg: &Data,
        then: impl for<'a> FnOnce(&Evaluator<'a>, Value<'a>) -> Option<R>,
    ) -> (Option<R>, Vec<String>, Option<String>) {
        let store = Store::new();
        let ev = Evaluator::new(&store, &NoFiles, LIMITS);
        let (f, file) = thaw_lambda(&ev, self, 0);
        let at = Loc {
            file,
            range: Default::default(),
        };
        let v = ev.apply(f, Thunk::value(from_data(arg)), at);
        let r = then(&ev, v);
        let diags = ev.diagnostics.borrow();
        let traces = diags
            .iter()
            .filter(|(_, d)| d.code == crate::prims::TRACE)
            .map(|(_, d)| d.message.clone())
            .collect();
        // A false assertion fails the evaluation as a throw does.
        let throws = diags
            .iter()
            .find(|(_, d)| d.code == crate::prims::THROW || d.code == "assertion_failed")
            .map(|(_, d)| d.message.clone());
        (r, traces, throws)
    }

    /// The source, short enough for a message.
    pub fn shown(&self) -> String {
        let one: String = self.source.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 80 {
            format!("{}…", one.chars().take(79).collect::<String>())
        } else {
            one
        }
    }

    /// Its free variables that are plain values, as `name = value`, for a
    /// message (`v = 4`).
    pub fn bindings(&self) -> Vec<String> {
        self.env
            .iter()
            .filter_map(|(k, v)| {
                let s = match v {
                    Frozen::Int(i) => i.to_string(),
                    Frozen::Float(f) => crate::data::float_repr(*f),
                    Frozen::Str(s) => format!("{s:?}"),
                    Frozen::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some(format!("{k} = {s}"))
            })
            .collect()
    }
}

/// Nested functions deeper than this are unknown (a recursive helper).
const MAX_NESTING: u32 = 16;

/// The function a predicate is, in `ev`, and the file its source became.
fn thaw_lambda<'a>(ev: &Evaluator<'a>, p: &Predicate, depth: u32) -> (Value<'a>, u32) {
    let Ok(expr) = nixunits_nixexpr::parse_ast(&p.source) else {
        return (Value::Unknown, 0);
    };
    let name = if p.at.is_empty() { "<check>" } else { &p.at };
    let file = ev.add_parsed(name, p.source.clone(), expr);
    if depth > MAX_NESTING {
        return (Value::Unknown, file);
    }
    let vars = p
        .env
        .iter()
        .map(|(k, v)| (k.clone(), Thunk::value(thaw(ev, v, depth + 1))))
        .collect();
    let env = Rc::new(Scope {
        vars: RefCell::new(vars),
        with: None,
        parent: None,
    });
    ev.set_root(file, &env);
    let e = ev.files.borrow()[file as usize].expr;
    (ev.eval(e, &env, file), file)
}

fn prim<'a>(op: PrimOp) -> Value<'a> {
    Value::Prim(Rc::new(Prim {
        op,
        args: Vec::new(),
        at: None,
    }))
}

fn attrs_value<'a>(
    ev: &Evaluator<'a>,
    m: &BTreeMap<String, Frozen>,
    more: bool,
    depth: u32,
) -> Value<'a> {
    let map = m
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Slot {
                    thunk: Thunk::value(thaw(ev, v, depth)),
                    loc: None,
                },
            )
        })
        .collect();
    let unknown_names = if more {
        vec![Slot {
            thunk: Thunk::value(Value::Unknown),
            loc: None,
        }]
    } else {
        Vec::new()
    };
    Value::Attrs(Rc::new(Attrs { map, unknown_names }))
}

/// A frozen value as a value of `ev`.
fn thaw<'a>(ev: &Evaluator<'a>, f: &Frozen, depth: u32) -> Value<'a> {
    match f {
        Frozen::Null {} => Value::Null,
        Frozen::Bool(b) => Value::Bool(*b),
        Frozen::Int(i) => Value::Int(*i),
        Frozen::Float(x) => Value::Float(*x),
        Frozen::Str(s) => Value::Str(s.as_str().into()),
        Frozen::Path(s) => Value::Path(s.as_str().into()),
        Frozen::List(items) => Value::List(Rc::new(
            items
                .iter()
                .map(|x| Thunk::value(thaw(ev, x, depth)))
                .collect(),
        )),
        Frozen::Attrs(m) => attrs_value(ev, m, false, depth),
        Frozen::OpenAttrs(m) => attrs_value(ev, m, true, depth),
        Frozen::Lambda(p) => thaw_lambda(ev, p, depth).0,
        Frozen::Lib(n) if n.is_empty() => Value::Lib,
        Frozen::Lib(n) => PrimOp::lib(n).map_or(Value::Unknown, prim),
        Frozen::Builtins(n) if n.is_empty() => Value::Builtins,
        Frozen::Builtins(n) => PrimOp::builtin(n).map_or(Value::Unknown, prim),
        Frozen::Apply { f, args } => {
            let mut v = thaw(ev, f, depth);
            for a in args {
                let at = Loc {
                    file: 0,
                    range: Default::default(),
                };
                v = ev.apply(v, Thunk::value(thaw(ev, a, depth)), at);
            }
            v
        }
        Frozen::Pkgs {} => Value::Pkgs,
        Frozen::Unknown {} => Value::Unknown,
    }
}

/// A definition's value as a value of the evaluator (a function in it is
/// unknown: its code is not kept).
pub(crate) fn from_data<'a>(d: &Data) -> Value<'a> {
    match d {
        Data::Null => Value::Null,
        Data::Bool(b) => Value::Bool(*b),
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Float(*f),
        Data::Str(s) => Value::Str(s.as_str().into()),
        Data::PartStr(a, b) => Value::PartStr(Rc::new((a.clone(), b.clone()))),
        Data::Path(p) => Value::Path(p.as_str().into()),
        Data::List(items) => Value::List(Rc::new(
            items.iter().map(|x| Thunk::value(from_data(x))).collect(),
        )),
        Data::Attrs(a) => {
            let map = a
                .map
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Slot {
                            thunk: Thunk::value(from_data(v)),
                            loc: None,
                        },
                    )
                })
                .collect();
            let unknown_names = if a.more {
                vec![Slot {
                    thunk: Thunk::value(Value::Unknown),
                    loc: None,
                }]
            } else {
                Vec::new()
            };
            Value::Attrs(Rc::new(Attrs { map, unknown_names }))
        }
        Data::Function | Data::Unknown => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(src: &str, env: &[(&str, Frozen)]) -> Predicate {
        Predicate {
            source: src.into(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            at: "test.nix:1".into(),
        }
    }

    #[test]
    fn checks_run_on_known_values_and_stay_unknown_otherwise() {
        let p = pred(
            "n: n >= 0 && n <= (if v == 4 then 32 else 128)",
            &[("v", Frozen::Int(4))],
        );
        assert_eq!(p.call(&Data::Int(24)), Verdict::True);
        assert_eq!(p.call(&Data::Int(33)), Verdict::False(vec![]));
        assert_eq!(p.call(&Data::Unknown), Verdict::Unknown);
        let p = pred("n: mod n 16 == 0", &[("mod", Frozen::Lib("mod".into()))]);
        assert_eq!(p.call(&Data::Int(1024)), Verdict::True);
        assert_eq!(p.call(&Data::Int(1000)), Verdict::False(vec![]));
        // A free variable not known when the schema was made.
        let p = pred("x: x == cfg.a", &[("cfg", Frozen::Unknown {})]);
        assert_eq!(p.call(&Data::Int(1)), Verdict::Unknown);
    }

    #[test]
    fn traces_and_throws_are_kept() {
        let p = pred(
            r#"x: if x then true else builtins.trace "no good" false"#,
            &[],
        );
        assert_eq!(
            p.call(&Data::Bool(false)),
            Verdict::False(vec!["no good".into()])
        );
        let p = pred(r#"x: throw "bad""#, &[]);
        assert_eq!(p.call(&Data::Int(1)), Verdict::Throws("bad".into()));
        let p = pred(
            r#"xs: concatStringsSep "\n" xs"#,
            &[("concatStringsSep", Frozen::Lib("concatStringsSep".into()))],
        );
        assert_eq!(
            p.convert(&Data::List(vec![
                Data::Str("a".into()),
                Data::Str("b".into())
            ])),
            Converted::Value(Data::Str("a\nb".into()))
        );
    }

    #[test]
    fn every_name_of_lib_and_builtins_is_known() {
        for n in crate::value::LIB_NAMES {
            let op = PrimOp::lib(n).unwrap_or_else(|| panic!("lib.{n}"));
            assert!(op.name().is_some(), "{n}");
        }
        for n in crate::value::BUILTIN_NAMES {
            let op = PrimOp::builtin(n).unwrap_or_else(|| panic!("builtins.{n}"));
            assert!(op.name().is_some(), "{n}");
        }
        assert_eq!(
            PrimOp::lib("mod").and_then(PrimOp::name),
            Some(("lib", "mod"))
        );
    }
}
