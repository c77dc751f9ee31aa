//! What a snippet reads from `config`, where the snippet alone decides it:
//! `ports = mkIf config.services.openssh.enable [ … ]` beside
//! `services.openssh.enable = true;`.
//!
//! `config` is the whole system's configuration, so it is unknown to the
//! evaluator — but for an option whose value cannot be anything but what
//! the snippet defines, it is known. With a schema, an option is taken
//! when:
//!
//! - its type does not merge (`bool`, `int`, `str`, `enum`, `path`,
//!   `float`, … maybe under `nullOr` or an `addCheck`): a second
//!   definition elsewhere at the same priority is a conflict NixOS
//!   reports, at a lower one it is dropped;
//! - the snippet defines it once, at the option itself, unconditionally,
//!   with a known value, at normal priority or stronger (`mkForce`), not
//!   through an alias, without an `apply` function;
//! - nothing else in the snippet may reach it (a definition above it, a
//!   name not known statically on the way, a module whose content is not
//!   known);
//! - the base module nixunits adds does not force it (`forced`).
//!
//! Those values are given to a second evaluation as `config` (every other
//! name in it stays unknown). The second evaluation must agree on them
//! (one that changes them reads its own definitions in a way Nix would
//! not settle); otherwise the first one stands. A condition that stays
//! unknown never yields an error: the type checks then give warnings.

use std::collections::BTreeMap;

use crate::data::{nix_eq, Data, DataAttrs};
use crate::module::{Condition, Evaluated};
use crate::schema::Schema;
use crate::types::Ty;

/// Option paths and the values the snippet alone gives them.
pub type Known = BTreeMap<Vec<String>, Data>;

/// Whether a type's merge keeps one value (equal definitions or one).
fn single_valued(t: &Ty) -> bool {
    match t {
        Ty::Bool {}
        | Ty::Int {}
        | Ty::Ints { .. }
        | Ty::Float {}
        | Ty::Number { .. }
        | Ty::Str {}
        | Ty::StrMatching(_)
        | Ty::Enum(_)
        | Ty::Path {} => true,
        Ty::NullOr(x) | Ty::Uniq(x) | Ty::AddCheck { ty: x, .. } => single_valued(x),
        _ => false,
    }
}

/// Whether a definition at `path` may define (part of) `option`: one is
/// a prefix of the other, a name not known statically matching any.
fn may_reach(path: &[String], option: &[String]) -> bool {
    path.iter()
        .zip(option)
        .all(|(a, b)| a == b || a == "<name>" || b == "<name>")
}

/// The options the snippet alone decides, with their values. `forced`:
/// option paths defined elsewhere at a priority stronger than normal (the
/// base module's `mkForce`s).
pub fn determined(schema: &Schema, e: &Evaluated, forced: &[Vec<String>]) -> Known {
    let mut out = Known::new();
    if e.unknown_modules > 0 {
        return out;
    }
    let defs = &e.definitions;
    let crate::schema::Resolved { paths, groups, .. } = crate::schema::resolve(schema, defs);
    for (node, depth, leaves) in groups {
        let (Some(o), [l]) = (node.option, leaves.as_slice()) else {
            continue;
        };
        let l = *l;
        let d = &defs[l];
        let path = &paths[l];
        let info = &schema.options()[o];
        let ok = path.len() == depth
            && path[..] == d.path[..]
            && !path.iter().any(|p| p == "<name>")
            && d.condition == Condition::True
            && !d.overridden
            && d.priority <= 100
            && d.data.is_known()
            && !matches!(d.data, Data::Function)
            && !info.apply
            && single_valued(&schema.types()[o])
            && !forced.iter().any(|f| may_reach(f, path));
        if !ok {
            continue;
        }
        let alone = defs
            .iter()
            .enumerate()
            .all(|(k, x)| k == l || x.condition == Condition::False || !may_reach(&x.path, path));
        if alone {
            out.insert(path.to_vec(), d.data.clone());
        }
    }
    out
}

/// The known values as `config`: nested sets whose other names are not
/// known.
pub fn as_config(known: &Known) -> Data {
    let mut root = DataAttrs {
        map: BTreeMap::new(),
        more: true,
    };
    for (path, v) in known {
        let Some((last, init)) = path.split_last() else {
            continue;
        };
        insert(&mut root, init, last, v);
    }
    Data::Attrs(root)
}

fn insert(at: &mut DataAttrs, init: &[String], last: &str, v: &Data) {
    match init.split_first() {
        None => {
            at.map.insert(last.to_owned(), v.clone());
        }
        Some((name, rest)) => {
            let next = at.map.entry(name.clone()).or_insert_with(|| {
                Data::Attrs(DataAttrs {
                    map: BTreeMap::new(),
                    more: true,
                })
            });
            if let Data::Attrs(a) = next {
                insert(a, rest, last, v);
            }
        }
    }
}

/// Whether the snippet's files may read `config` at all (a cheap test
/// before a second evaluation: reaching it takes the word).
pub fn may_read_config(text: &str, e: &Evaluated) -> bool {
    text.contains("config") || e.files.iter().any(|f| f.text.contains("config"))
}

/// The evaluation with what `config` is known to hold: `first` (made
/// without), then again with the values the snippet alone decides, as
/// long as that makes more known (three evaluations at most). `again`
/// evaluates with a given `config`.
pub fn settle(
    schema: &Schema,
    text: &str,
    first: Evaluated,
    forced: &[Vec<String>],
    mut again: impl FnMut(Data) -> Evaluated,
) -> Evaluated {
    if !may_read_config(text, &first) {
        return first;
    }
    let mut best = first;
    let mut known = determined(schema, &best, forced);
    for _ in 0..2 {
        if known.is_empty() {
            break;
        }
        let next = again(as_config(&known));
        let more = determined(schema, &next, forced);
        let agrees = known.iter().all(|(k, v)| {
            more.get(k)
                .is_some_and(|w| nix_eq(v, w) == Some(true) || v == w)
        });
        if !agrees {
            break;
        }
        let grew = more.len() > known.len();
        best = next;
        if !grew {
            break;
        }
        known = more;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_each_other_through_unknown_names() {
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert!(may_reach(&p("services"), &p("services.openssh.enable")));
        assert!(may_reach(
            &p("services.<name>.enable"),
            &p("services.openssh.enable")
        ));
        assert!(!may_reach(
            &p("services.nginx"),
            &p("services.openssh.enable")
        ));
        let c = as_config(
            &[(p("services.openssh.enable"), Data::Bool(true))]
                .into_iter()
                .collect(),
        );
        let Data::Attrs(a) = c else {
            panic!("not a set")
        };
        assert!(a.more);
    }
}
