//! A type tree from NixOS's description of a type: what `schema import`
//! of `options.json` has (descriptions only), and what schema files
//! written before type trees existed hold.
//!
//! Descriptions are ambiguous: nixpkgs of 2020 writes `either (nullOr str)
//! int` and `nullOr (either str int)` alike (`null or string or signed
//! integer`), and appends an `s` to the element of `listOf` and `attrsOf`
//! (`list of strings`, `list of 16 bit unsigned integer; …s`). Every
//! reading is tried; when they disagree on what they accept (branches
//! of `either` and `null or` are compared as a set), the type is
//! `Opaque`: a type is never guessed.

use super::Ty;

/// The type a description names, `Opaque` when it cannot be told.
pub fn parse_description(desc: &str) -> Ty {
    let mut all = readings(desc.trim(), 0);
    all.dedup_by(|a, b| canonical(a) == canonical(b));
    let first = all.first().cloned();
    match first {
        Some(t) if all.iter().all(|x| canonical(x) == canonical(&t)) => t,
        _ => Ty::Opaque(desc.to_owned()),
    }
}

/// Either branches flattened and `null or` as a branch: what a set of
/// readings is compared on.
fn canonical(t: &Ty) -> String {
    fn branches(t: &Ty, out: &mut Vec<String>) {
        match t {
            Ty::Either(ts) => ts.iter().for_each(|x| branches(x, out)),
            Ty::NullOr(x) => {
                out.push("null".into());
                branches(x, out);
            }
            t => out.push(canonical(t)),
        }
    }
    match t {
        Ty::Either(_) | Ty::NullOr(_) => {
            let mut b = Vec::new();
            branches(t, &mut b);
            b.sort();
            b.dedup();
            format!("either[{}]", b.join(","))
        }
        Ty::ListOf(x) => format!("listOf[{}]", canonical(x)),
        Ty::NonEmptyListOf(x) => format!("nonEmptyListOf[{}]", canonical(x)),
        Ty::AttrsOf(x) => format!("attrsOf[{}]", canonical(x)),
        Ty::LazyAttrsOf(x) => format!("lazyAttrsOf[{}]", canonical(x)),
        Ty::LoaOf(x) => format!("loaOf[{}]", canonical(x)),
        Ty::CoercedTo { from, to, .. } => {
            format!("coercedTo[{},{}]", canonical(from), canonical(to))
        }
        t => serde_json::to_string(t).unwrap_or_default(),
    }
}

fn strip_parens(s: &str) -> &str {
    let s = s.trim();
    if s.starts_with('(') && s.ends_with(')') {
        let inner = &s[1..s.len() - 1];
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
        if depth == 0 {
            return inner.trim();
        }
    }
    s
}

/// Bounds of `N bit unsigned integer; between A and B (both inclusive)`,
/// `integer between A and B (both inclusive)`.
fn between(d: &str) -> Option<(i64, i64)> {
    let rest = d.split_once("between ")?.1;
    let rest = rest.strip_suffix(" (both inclusive)")?;
    let (a, b) = rest.split_once(" and ")?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

fn leaf(d: &str) -> Option<Ty> {
    Some(match d {
        "boolean" => Ty::Bool {},
        "signed integer" | "integer" | "int" => Ty::Int {},
        "floating point number" => Ty::Float {},
        "number" | "integer or floating point number" => Ty::Number {
            min: None,
            max: None,
        },
        "string" | "str" => Ty::Str {},
        "path" => Ty::Path {},
        "package" => Ty::Package {},
        "attribute set" => Ty::Attrs {},
        "anything" => Ty::Anything {},
        "unspecified" | "unspecified value" => Ty::Unspecified {},
        "raw value" => Ty::Raw {},
        "submodule" => Ty::Submodule { freeform: None },
        "Concatenated string" | "concatenated string" => Ty::SeparatedString(String::new()),
        "unsigned integer, meaning >=0" => Ty::Ints {
            min: Some(0),
            max: None,
        },
        "positive integer, meaning >0" => Ty::Ints {
            min: Some(1),
            max: None,
        },
        super::known::SYSTEMD_OPTION => Ty::Opaque(d.to_owned()),
        _ => {
            if let Some(sep) = d.strip_prefix("strings concatenated with ") {
                return match serde_json::from_str::<String>(sep) {
                    Ok(s) => Some(Ty::SeparatedString(s)),
                    Err(_) => None,
                };
            }
            let ints = [
                "integer between ",
                "bit unsigned integer; between ",
                "bit signed integer; between ",
            ];
            let numbered = d.split_once(' ').is_some_and(|(n, rest)| {
                n.parse::<u32>().is_ok() && ints[1..].iter().any(|p| rest.starts_with(p))
            });
            if (d.starts_with(ints[0]) || numbered) && !d.contains(" or ") {
                let (a, b) = between(d)?;
                return Some(Ty::Ints {
                    min: Some(a),
                    max: Some(b),
                });
            }
            return None;
        }
    })
}

fn enum_members(rest: &str) -> Option<Vec<serde_json::Value>> {
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut s = rest;
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix('"') {
            // 2020 quotes strings without escaping: the member ends at the
            // quote followed by `, ` or the end.
            let end = r
                .match_indices('"')
                .map(|(i, _)| i)
                .find(|&i| r[i + 1..].is_empty() || r[i + 1..].starts_with(", "))?;
            out.push(serde_json::Value::String(r[..end].to_owned()));
            s = r[end + 1..].strip_prefix(", ").unwrap_or(&r[end + 1..]);
        } else {
            let (m, r) = s.split_once(", ").unwrap_or((s, ""));
            out.push(match m {
                "true" => serde_json::Value::Bool(true),
                "false" => serde_json::Value::Bool(false),
                "null" => serde_json::Value::Null,
                n => serde_json::Value::from(n.parse::<i64>().ok()?),
            });
            s = r;
        }
    }
    Some(out)
}

const MAX_READINGS: usize = 64;

/// Every reading of `d`.
fn readings(d: &str, depth: u32) -> Vec<Ty> {
    if depth > 12 {
        return Vec::new();
    }
    let d = strip_parens(d);
    let mut out = Vec::new();
    // `X or Y convertible to it`
    if let Some(body) = d.strip_suffix(" convertible to it") {
        for (i, _) in body.match_indices(" or ") {
            for to in readings(&body[..i], depth + 1) {
                for from in readings(&body[i + 4..], depth + 1) {
                    out.push(Ty::CoercedTo {
                        from: Box::new(from),
                        to: Box::new(to.clone()),
                        convert: None,
                    });
                }
            }
        }
    }
    if let Some(p) = d.strip_prefix("string matching the pattern ") {
        out.push(Ty::StrMatching(p.to_owned()));
    }
    if let Some(rest) = d.strip_prefix("one of ") {
        if let Some(m) = enum_members(rest) {
            out.push(Ty::Enum(m));
        }
    }
    if let Some(rest) = d.strip_prefix("null or ") {
        out.extend(
            readings(rest, depth + 1)
                .into_iter()
                .map(|t| Ty::NullOr(Box::new(t))),
        );
    }
    type Make = fn(Box<Ty>) -> Ty;
    let wrappers: [(&str, Make); 5] = [
        ("non-empty list of ", Ty::NonEmptyListOf),
        ("list of ", Ty::ListOf),
        ("list or attribute set of ", Ty::LoaOf),
        ("lazy attribute set of ", Ty::LazyAttrsOf),
        ("attribute set of ", Ty::AttrsOf),
    ];
    for (prefix, make) in wrappers {
        if let Some(rest) = d.strip_prefix(prefix) {
            let mut elems = readings(rest, depth + 1);
            // 2020: "list of ${elem.description}s".
            if let Some(r) = rest.strip_suffix('s') {
                elems.extend(readings(r, depth + 1));
            }
            out.extend(elems.into_iter().map(|t| make(Box::new(t))));
            break;
        }
    }
    if let Some(rest) = d.strip_prefix("function that evaluates to a(n) ") {
        out.extend(
            readings(rest, depth + 1)
                .into_iter()
                .map(|t| Ty::FunctionTo(Box::new(t))),
        );
    }
    for (i, _) in d.match_indices(" or ") {
        if out.len() > MAX_READINGS {
            break;
        }
        let (a, b) = (&d[..i], &d[i + 4..]);
        if b.ends_with(" convertible to it") {
            continue;
        }
        for x in readings(a, depth + 1) {
            for y in readings(b, depth + 1) {
                out.push(Ty::Either(vec![x.clone(), y]));
            }
        }
    }
    if let Some(t) = leaf(d) {
        out.push(t);
    }
    out.truncate(MAX_READINGS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(d: &str) -> Ty {
        parse_description(d)
    }

    #[test]
    fn descriptions_of_2020_and_later() {
        assert_eq!(p("boolean"), Ty::Bool {});
        assert_eq!(
            p("16 bit unsigned integer; between 0 and 65535 (both inclusive)"),
            Ty::Ints {
                min: Some(0),
                max: Some(65535)
            }
        );
        assert_eq!(p("list of strings"), Ty::ListOf(Box::new(Ty::Str {})));
        assert_eq!(p("list of string"), Ty::ListOf(Box::new(Ty::Str {})));
        assert_eq!(
            p("null or (list of string)"),
            Ty::NullOr(Box::new(Ty::ListOf(Box::new(Ty::Str {}))))
        );
        assert_eq!(
            p("one of \"a\", \"b, c\", 3, true"),
            Ty::Enum(vec!["a".into(), "b, c".into(), 3.into(), true.into()])
        );
        assert!(matches!(p("one of <bool>"), Ty::Opaque(_)));
        assert!(matches!(
            p("null or string or signed integer"),
            Ty::NullOr(_) | Ty::Either(_)
        ));
        let coerced = Ty::CoercedTo {
            from: Box::new(Ty::Str {}),
            to: Box::new(Ty::ListOf(Box::new(Ty::Str {}))),
            convert: None,
        };
        assert_eq!(p("list of strings or string convertible to it"), coerced);
        assert_eq!(p("(list of string) or string convertible to it"), coerced);
        // Two readings that accept different values: not guessed.
        assert!(matches!(
            p("list of string or string convertible to it"),
            Ty::Opaque(_)
        ));
        assert_eq!(
            p("strings concatenated with \"\\n\""),
            Ty::SeparatedString("\n".into())
        );
        assert_eq!(
            p("string matching the pattern [[:digit:]]+"),
            Ty::StrMatching("[[:digit:]]+".into())
        );
        assert!(matches!(
            p("string matching the pattern a or boolean"),
            Ty::Opaque(_)
        ));
        assert_eq!(
            p("attribute set of systemd options"),
            Ty::AttrsOf(Box::new(Ty::Opaque("systemd option".into())))
        );
        assert!(matches!(p("something else"), Ty::Opaque(_)));
    }
}
