//! The value of a definition, as the module system sees it: every kind Nix
//! has, kept apart where JSON would merge them (a path is not a string, a
//! function is a value), and `Unknown` wherever the evaluator does not
//! know. What [`crate::types`] checks.

use std::collections::BTreeMap;

/// A value, fully forced as far as the evaluator knows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Data {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A string whose middle is not known: its known start and end.
    PartStr(String, String),
    /// A path (absolute; not copied to the store).
    Path(String),
    /// A list.
    List(Vec<Data>),
    /// An attribute set.
    Attrs(DataAttrs),
    /// A function (a lambda or a builtin).
    Function,
    /// Not known statically (anything from `pkgs`, `config`, a property
    /// such as `mkIf` below a list element, …).
    #[default]
    Unknown,
}

/// An attribute set: its known names, and whether it has names the
/// evaluator does not know.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataAttrs {
    /// By name.
    pub map: BTreeMap<String, Data>,
    /// It has attributes whose names are not known.
    pub more: bool,
}

/// A float as Nix 2.8 prints it (`nix-instantiate --eval`, `toJSON`): C++
/// streams' default, `%g` with 6 significant digits (`1.23457e+08`, `0.1`,
/// `3`).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // The exponent after rounding to 6 significant digits.
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{f:.decimals$}"))
    }
}

/// What Nix's `==` says: `Some(b)`, or `None` when it depends on what is
/// not known.
pub fn nix_eq(a: &Data, b: &Data) -> Option<bool> {
    use Data::*;
    Some(match (a, b) {
        (Unknown, _) | (_, Unknown) => return None,
        (Null, Null) => true,
        (Bool(x), Bool(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(x), Float(y)) | (Float(y), Int(x)) => (*x as f64) == *y,
        (Str(x), Str(y)) | (Path(x), Path(y)) => x == y,
        // Known to differ when their known ends cannot agree.
        (Str(s), PartStr(a, b)) | (PartStr(a, b), Str(s)) => {
            if s.len() >= a.len() + b.len() && s.starts_with(a.as_str()) && s.ends_with(b.as_str())
            {
                return None;
            }
            false
        }
        (PartStr(a, b), PartStr(c, d)) => {
            let starts = a.starts_with(c.as_str()) || c.starts_with(a.as_str());
            let ends = b.ends_with(d.as_str()) || d.ends_with(b.as_str());
            if starts && ends {
                return None;
            }
            false
        }
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut all = Some(true);
            for (p, q) in x.iter().zip(y) {
                match nix_eq(p, q) {
                    Some(false) => return Some(false),
                    None => all = None,
                    Some(true) => {}
                }
            }
            return all;
        }
        (Attrs(x), Attrs(y)) => {
            // Derivations compare by their output path.
            if a.is_derivation() == Some(true) && b.is_derivation() == Some(true) {
                return match (x.map.get("outPath"), y.map.get("outPath")) {
                    (Some(p), Some(q)) => nix_eq(p, q),
                    _ => None,
                };
            }
            if x.more || y.more {
                return None;
            }
            if x.map.len() != y.map.len() || x.map.keys().ne(y.map.keys()) {
                return Some(false);
            }
            let mut all = Some(true);
            for (p, q) in x.map.values().zip(y.map.values()) {
                match nix_eq(p, q) {
                    Some(false) => return Some(false),
                    None => all = None,
                    Some(true) => {}
                }
            }
            return all;
        }
        // Functions are never equal in Nix 2.8.
        (Function, Function) => false,
        _ => false,
    })
}

impl Data {
    /// Whether it is known all the way down (functions are known values).
    pub fn is_known(&self) -> bool {
        match self {
            Data::Unknown | Data::PartStr(..) => false,
            Data::List(items) => items.iter().all(Data::is_known),
            Data::Attrs(a) => !a.more && a.map.values().all(Data::is_known),
            _ => true,
        }
    }

    /// Its JSON, when it has one (not for functions or what is unknown);
    /// paths are strings there.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match self {
            Data::Null => J::Null,
            Data::Bool(b) => J::Bool(*b),
            Data::Int(i) => J::from(*i),
            Data::Float(f) => J::Number(serde_json::Number::from_f64(*f)?),
            Data::Str(s) | Data::Path(s) => J::String(s.clone()),
            Data::List(items) => J::Array(items.iter().map(Data::to_json).collect::<Option<_>>()?),
            Data::Attrs(a) if !a.more => {
                let mut m = serde_json::Map::new();
                for (k, v) in &a.map {
                    m.insert(k.clone(), v.to_json()?);
                }
                J::Object(m)
            }
            Data::Attrs(_) | Data::Function | Data::Unknown | Data::PartStr(..) => return None,
        })
    }

    /// `lib.isDerivation`: an attribute set whose `type` is `"derivation"`.
    pub fn is_derivation(&self) -> Option<bool> {
        match self {
            Data::Attrs(a) => match a.map.get("type") {
                Some(Data::Str(t)) => Some(t == "derivation"),
                Some(Data::Unknown) => None,
                Some(_) => Some(false),
                None if a.more => None,
                None => Some(false),
            },
            Data::Unknown => None,
            _ => Some(false),
        }
    }

    /// `toString`, as Nix coerces (`None`: unknown, or not coercible).
    pub fn to_nix_string(&self) -> Option<String> {
        Some(match self {
            Data::Str(s) | Data::Path(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) => format!("{f:.6}"),
            Data::Bool(true) => "1".into(),
            Data::Bool(false) | Data::Null => String::new(),
            Data::List(items) => items
                .iter()
                .map(Data::to_nix_string)
                .collect::<Option<Vec<_>>>()?
                .join(" "),
            Data::Attrs(a) => match a.map.get("outPath") {
                Some(p) => p.to_nix_string()?,
                None => return None,
            },
            Data::Function | Data::Unknown | Data::PartStr(..) => return None,
        })
    }

    /// How a message names it: `the string "80"`, `an attribute set`, …
    pub fn describe(&self) -> String {
        match self {
            Data::Null => "null".into(),
            Data::Bool(b) => format!("the boolean {b}"),
            Data::Int(i) => format!("the integer {i}"),
            Data::Float(f) => format!("the float {}", float_repr(*f)),
            Data::Str(s) => {
                let shown: String = s.chars().take(40).collect();
                let more = if shown.len() < s.len() { "…" } else { "" };
                format!("the string {shown:?}{more}")
            }
            Data::Path(p) => format!("the path {p}"),
            Data::PartStr(a, b) => {
                let a: String = a.chars().take(20).collect();
                let b: String = b
                    .chars()
                    .rev()
                    .take(20)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("a string (\"{a}…{b}\")")
            }
            Data::List(items) if items.is_empty() => "an empty list".into(),
            Data::List(_) => "a list".into(),
            Data::Attrs(_) if self.is_derivation() == Some(true) => "a derivation".into(),
            Data::Attrs(_) => "an attribute set".into(),
            Data::Function => "a function".into(),
            Data::Unknown => "a value not known statically".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_as_nix_has_it() {
        assert_eq!(nix_eq(&Data::Int(1), &Data::Float(1.0)), Some(true));
        assert_eq!(
            nix_eq(&Data::Str("/a".into()), &Data::Path("/a".into())),
            Some(false)
        );
        assert_eq!(nix_eq(&Data::Function, &Data::Function), Some(false));
        let part = |a: &str, b: &str| Data::PartStr(a.into(), b.into());
        assert_eq!(
            nix_eq(
                &part("", "/bin/hello --greeting=hi"),
                &part("", "/bin/hello")
            ),
            Some(false)
        );
        assert_eq!(
            nix_eq(&part("", "/bin/hello"), &part("", "/bin/hello")),
            None
        );
        assert_eq!(nix_eq(&Data::Str("ab".into()), &part("a", "b")), None);
        assert_eq!(
            nix_eq(&Data::Str("ab".into()), &part("ab", "b")),
            Some(false)
        );
        assert_eq!(
            nix_eq(
                &Data::List(vec![Data::Int(1), Data::Unknown]),
                &Data::List(vec![Data::Int(2), Data::Unknown])
            ),
            Some(false)
        );
        assert_eq!(
            nix_eq(
                &Data::List(vec![Data::Int(1), Data::Unknown]),
                &Data::List(vec![Data::Int(1), Data::Unknown])
            ),
            None
        );
    }
}
