//! The builtins and lib functions of [`Fun`] on known values, with the
//! semantics of Nix's builtins and nixpkgs' lib (each compared with real Nix
//! in `tests/eval.rs`). Anything not known makes the result unknown; what
//! would be an evaluation error in Nix (`head []`, a missing attribute,
//! division by zero) is unknown too — the evaluator never reports what Nix
//! decides only when it evaluates.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::eval::{Evaluator, LIST_ELEMENT_BYTES};
use crate::value::{Attrs, Fun, Loc, Slot, Thunk, Value};

fn list<'a>(items: Vec<Value<'a>>) -> Value<'a> {
    Value::List(Rc::new(items.into_iter().map(Thunk::value).collect()))
}

fn attrs<'a>(map: BTreeMap<String, Value<'a>>) -> Value<'a> {
    Value::Attrs(Rc::new(Attrs {
        map: map
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    Slot {
                        thunk: Thunk::value(v),
                        loc: None,
                    },
                )
            })
            .collect(),
        unknown_names: Vec::new(),
    }))
}

fn string<'a>(s: impl Into<Rc<str>>) -> Value<'a> {
    Value::Str(s.into())
}

/// Nix's `compareVersions`.
pub fn compare_versions(a: &str, b: &str) -> i64 {
    fn next(s: &[u8], p: &mut usize) -> String {
        while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
            *p += 1;
        }
        let start = *p;
        if *p < s.len() && s[*p].is_ascii_digit() {
            while *p < s.len() && s[*p].is_ascii_digit() {
                *p += 1;
            }
        } else {
            while *p < s.len() && !(s[*p].is_ascii_digit() || s[*p] == b'.' || s[*p] == b'-') {
                *p += 1;
            }
        }
        String::from_utf8_lossy(&s[start..*p]).into_owned()
    }
    fn lt(c1: &str, c2: &str) -> bool {
        let (n1, n2) = (c1.parse::<u64>().ok(), c2.parse::<u64>().ok());
        match (n1, n2) {
            (Some(a), Some(b)) => a < b,
            _ if c1.is_empty() && n2.is_some() => true,
            _ if c1 == "pre" && c2 != "pre" => true,
            _ if c2 == "pre" => false,
            (_, Some(_)) => true,
            (Some(_), _) => false,
            _ => c1 < c2,
        }
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut p, mut q) = (0, 0);
    while p < a.len() || q < b.len() {
        let c1 = next(a, &mut p);
        let c2 = next(b, &mut q);
        if lt(&c1, &c2) {
            return -1;
        }
        if lt(&c2, &c1) {
            return 1;
        }
    }
    0
}

/// Nix's `replaceStrings`, over bytes; `None` when the result would be
/// longer than `limit` bytes.
fn replace_strings(s: &str, from: &[Rc<str>], to: &[Rc<str>], limit: usize) -> Option<String> {
    let s = s.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut p = 0;
    while p <= s.len() {
        if out.len() > limit {
            return None;
        }
        let hit = from
            .iter()
            .zip(to)
            .find(|(f, _)| s[p..].starts_with(f.as_bytes()));
        match hit {
            Some((f, t)) => {
                out.extend_from_slice(t.as_bytes());
                if f.is_empty() {
                    if p < s.len() {
                        out.push(s[p]);
                    }
                    p += 1;
                } else {
                    p += f.len();
                }
            }
            None => {
                if p < s.len() {
                    out.push(s[p]);
                }
                p += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

impl<'a> Evaluator<'a> {
    fn list_of(&self, t: &Thunk<'a>) -> Option<Rc<Vec<Thunk<'a>>>> {
        match self.force(t) {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    fn attrs_of(&self, t: &Thunk<'a>) -> Option<Rc<Attrs<'a>>> {
        match self.force(t) {
            Value::Attrs(a) if a.unknown_names.is_empty() => Some(a),
            _ => None,
        }
    }

    fn str_of(&self, t: &Thunk<'a>) -> Option<Rc<str>> {
        match self.force(t) {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int_of(&self, t: &Thunk<'a>) -> Option<i64> {
        match self.force(t) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    fn bool_of(&self, t: &Thunk<'a>) -> Option<bool> {
        match self.force(t) {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn call(&self, f: &Thunk<'a>, args: &[Thunk<'a>], at: Loc) -> Value<'a> {
        let mut v = self.force(f);
        for a in args {
            v = self.apply(v, a.clone(), at);
        }
        v
    }

    /// The strings of a list of strings.
    fn strings_of(&self, t: &Thunk<'a>) -> Option<Vec<Rc<str>>> {
        self.list_of(t)?.iter().map(|x| self.str_of(x)).collect()
    }

    /// `f NAME VALUE` for each attribute, in name order.
    fn each_attr(&self, f: &Thunk<'a>, set: &Attrs<'a>, at: Loc) -> Vec<(String, Value<'a>)> {
        set.map
            .iter()
            .map(|(k, s)| {
                let v = self.call(f, &[Thunk::value(string(k.as_str())), s.thunk.clone()], at);
                (k.clone(), v)
            })
            .collect()
    }

    /// `{ name, value }` pairs to a set; the first of a name wins.
    fn pairs_to_attrs(&self, items: &[Value<'a>]) -> Option<Value<'a>> {
        let mut map: BTreeMap<String, Slot<'a>> = BTreeMap::new();
        for it in items {
            let Value::Attrs(a) = it else { return None };
            let name = self.str_of(&a.map.get("name")?.thunk)?;
            let value = a.map.get("value")?.thunk.clone();
            map.entry(name.to_string()).or_insert(Slot {
                thunk: value,
                loc: None,
            });
        }
        Some(Value::Attrs(Rc::new(Attrs {
            map,
            unknown_names: Vec::new(),
        })))
    }

    /// `toString`, as Nix coerces: lists joined by spaces, floats with six
    /// decimals, `true` "1", `false` and `null` "".
    pub(crate) fn to_string_value(&self, v: &Value<'a>) -> Option<String> {
        self.nested(|| self.to_string_inner(v))
    }

    fn to_string_inner(&self, v: &Value<'a>) -> Option<String> {
        Some(match v {
            Value::Str(s) | Value::Path(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:.6}"),
            Value::Bool(true) => "1".into(),
            Value::Bool(false) | Value::Null => String::new(),
            Value::List(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|t| self.to_string_value(&self.force(t)))
                    .collect::<Option<_>>()?;
                let size: usize = parts.iter().map(|p| p.len() + 1).sum();
                if !self.fits(size as u64) {
                    return None;
                }
                parts.join(" ")
            }
            _ => return None,
        })
    }

    /// JSON as `builtins.toJSON` writes it.
    fn to_json(&self, v: &Value<'a>, out: &mut String) -> Option<()> {
        if !self.fits(out.len() as u64) {
            return None;
        }
        self.nested(|| self.to_json_inner(v, out))
    }

    fn to_json_inner(&self, v: &Value<'a>, out: &mut String) -> Option<()> {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&serde_json::Number::from_f64(*f)?.to_string()),
            Value::Str(s) => out.push_str(&serde_json::Value::String(s.to_string()).to_string()),
            Value::List(items) => {
                out.push('[');
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.to_json(&self.force(t), out)?;
                }
                out.push(']');
            }
            Value::Attrs(a)
                if a.unknown_names.is_empty()
                    && !a.map.contains_key("__toString")
                    && !a.map.contains_key("outPath") =>
            {
                out.push('{');
                for (i, (k, s)) in a.map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    self.to_json(&self.force(&s.thunk), out)?;
                }
                out.push('}');
            }
            _ => return None,
        }
        Some(())
    }

    fn recursive_update(&self, l: &Attrs<'a>, r: &Attrs<'a>) -> Value<'a> {
        self.nested(|| Some(self.recursive_update_inner(l, r)))
            .unwrap_or(Value::Unknown)
    }

    fn recursive_update_inner(&self, l: &Attrs<'a>, r: &Attrs<'a>) -> Value<'a> {
        let mut map = l.map.clone();
        for (k, rs) in &r.map {
            let merged = match map.get(k) {
                Some(ls) => match (self.force(&ls.thunk), self.force(&rs.thunk)) {
                    (Value::Attrs(a), Value::Attrs(b))
                        if a.unknown_names.is_empty() && b.unknown_names.is_empty() =>
                    {
                        Slot {
                            thunk: Thunk::value(self.recursive_update(&a, &b)),
                            loc: rs.loc,
                        }
                    }
                    _ => rs.clone(),
                },
                None => rs.clone(),
            };
            map.insert(k.clone(), merged);
        }
        Value::Attrs(Rc::new(Attrs {
            map,
            unknown_names: Vec::new(),
        }))
    }

    fn flatten_into(&self, v: Value<'a>, out: &mut Vec<Value<'a>>) -> Option<()> {
        match v {
            Value::List(items) => {
                if !self.fits((out.len() + items.len()) as u64 * LIST_ELEMENT_BYTES) {
                    return None;
                }
                for t in items.iter() {
                    self.nested(|| self.flatten_into(self.force(t), out))?;
                }
            }
            other => out.push(other),
        }
        Some(())
    }

    /// Whether a string of `parts` joined by `sep` may be made.
    fn join_fits(&self, parts: &[Rc<str>], sep: usize) -> bool {
        let size: usize = parts.iter().map(|p| p.len() + sep).sum();
        self.fits(size as u64)
    }

    /// Runs a [`Fun`] with all its arguments.
    pub(crate) fn run_fun(&self, f: Fun, args: &[Thunk<'a>], at: Loc) -> Value<'a> {
        self.run_fun_inner(f, args, at).unwrap_or(Value::Unknown)
    }

    fn run_fun_inner(&self, f: Fun, a: &[Thunk<'a>], at: Loc) -> Option<Value<'a>> {
        use Fun::*;
        Some(match f {
            Map => {
                let xs = self.list_of(&a[1])?;
                list(
                    xs.iter()
                        .map(|x| self.call(&a[0], std::slice::from_ref(x), at))
                        .collect(),
                )
            }
            Filter => {
                let xs = self.list_of(&a[1])?;
                let mut out = Vec::new();
                for x in xs.iter() {
                    match self.call(&a[0], std::slice::from_ref(x), at) {
                        Value::Bool(true) => out.push(x.clone()),
                        Value::Bool(false) => {}
                        _ => return None,
                    }
                }
                Value::List(Rc::new(out))
            }
            ConcatMap => {
                let xs = self.list_of(&a[1])?;
                let mut out = Vec::new();
                for x in xs.iter() {
                    match self.call(&a[0], std::slice::from_ref(x), at) {
                        Value::List(l)
                            if self.fits((out.len() + l.len()) as u64 * LIST_ELEMENT_BYTES) =>
                        {
                            out.extend(l.iter().cloned())
                        }
                        _ => return None,
                    }
                }
                Value::List(Rc::new(out))
            }
            ConcatLists => {
                let xs = self.list_of(&a[0])?;
                let mut out = Vec::new();
                for x in xs.iter() {
                    let l = self.list_of(x)?;
                    if !self.fits((out.len() + l.len()) as u64 * LIST_ELEMENT_BYTES) {
                        return None;
                    }
                    out.extend(l.iter().cloned());
                }
                Value::List(Rc::new(out))
            }
            ListToAttrs => {
                let xs = self.list_of(&a[0])?;
                let items: Vec<Value<'a>> = xs.iter().map(|x| self.force(x)).collect();
                self.pairs_to_attrs(&items)?
            }
            AttrNames => {
                let s = self.attrs_of(&a[0])?;
                list(s.map.keys().map(|k| string(k.as_str())).collect())
            }
            AttrValues => {
                let s = self.attrs_of(&a[0])?;
                Value::List(Rc::new(s.map.values().map(|x| x.thunk.clone()).collect()))
            }
            GenList => {
                let n = self.int_of(&a[1])?;
                if !(0..=100_000).contains(&n) {
                    return None;
                }
                list(
                    (0..n)
                        .map(|i| self.call(&a[0], &[Thunk::value(Value::Int(i))], at))
                        .collect(),
                )
            }
            Elem => {
                let x = self.force(&a[0]);
                let xs = self.list_of(&a[1])?;
                let mut found = false;
                for y in xs.iter() {
                    if self.equal(&x, &self.force(y))? {
                        found = true;
                        break;
                    }
                }
                Value::Bool(found)
            }
            ElemAt => {
                let xs = self.list_of(&a[0])?;
                let i = usize::try_from(self.int_of(&a[1])?).ok()?;
                self.force(xs.get(i)?)
            }
            Length => Value::Int(self.list_of(&a[0])?.len() as i64),
            Head => self.force(self.list_of(&a[0])?.first()?),
            Tail => {
                let xs = self.list_of(&a[0])?;
                if xs.is_empty() {
                    return None;
                }
                Value::List(Rc::new(xs[1..].to_vec()))
            }
            ToJson => {
                let mut out = String::new();
                self.to_json(&self.force(&a[0]), &mut out)?;
                string(out)
            }
            Substring => {
                let start = usize::try_from(self.int_of(&a[0])?).ok()?;
                let len = self.int_of(&a[1])?;
                let s = self.str_of(&a[2])?;
                let b = s.as_bytes();
                let start = start.min(b.len());
                let end = if len < 0 {
                    b.len()
                } else {
                    start.saturating_add(len as usize).min(b.len())
                };
                string(String::from_utf8_lossy(&b[start..end]).into_owned())
            }
            StringLength => Value::Int(self.str_of(&a[0])?.len() as i64),
            HasAttr => {
                let n = self.str_of(&a[0])?;
                match self.force(&a[1]) {
                    Value::Attrs(s) if s.map.contains_key(&*n) => Value::Bool(true),
                    Value::Attrs(s) if s.unknown_names.is_empty() => Value::Bool(false),
                    _ => return None,
                }
            }
            GetAttr => {
                let n = self.str_of(&a[0])?;
                match self.force(&a[1]) {
                    Value::Attrs(s) => self.force(&s.map.get(&*n)?.thunk),
                    _ => return None,
                }
            }
            RemoveAttrs => {
                let s = self.attrs_of(&a[0])?;
                let names = self.strings_of(&a[1])?;
                let mut map = s.map.clone();
                for n in names {
                    map.remove(&*n);
                }
                Value::Attrs(Rc::new(Attrs {
                    map,
                    unknown_names: Vec::new(),
                }))
            }
            IntersectAttrs => {
                let e1 = self.attrs_of(&a[0])?;
                let e2 = self.attrs_of(&a[1])?;
                let map = e2
                    .map
                    .iter()
                    .filter(|(k, _)| e1.map.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Attrs(Rc::new(Attrs {
                    map,
                    unknown_names: Vec::new(),
                }))
            }
            ReplaceStrings => {
                let from = self.strings_of(&a[0])?;
                let to = self.strings_of(&a[1])?;
                if from.len() != to.len() {
                    return None;
                }
                let s = self.str_of(&a[2])?;
                // Each position is tried against every pattern.
                if !self.work((s.len() as u64 + 1).saturating_mul(from.len() as u64) / 256) {
                    return None;
                }
                let room = self.room();
                match replace_strings(&s, &from, &to, room) {
                    Some(r) => string(r),
                    None => {
                        // Over the budget: stops the evaluation, saying so.
                        self.fits(room as u64 + 1);
                        return None;
                    }
                }
            }
            ConcatStringsSep => {
                let sep = self.str_of(&a[0])?;
                let xs = self.list_of(&a[1])?;
                let parts: Vec<Rc<str>> = xs
                    .iter()
                    .map(|x| match self.force(x) {
                        Value::Str(s) | Value::Path(s) => Some(s),
                        _ => None,
                    })
                    .collect::<Option<_>>()?;
                if !self.join_fits(&parts, sep.len()) {
                    return None;
                }
                string(parts.iter().map(|s| &**s).collect::<Vec<_>>().join(&sep))
            }
            ConcatStrings => {
                let strs = self.strings_of(&a[0])?;
                if !self.join_fits(&strs, 0) {
                    return None;
                }
                string(strs.iter().map(|s| &**s).collect::<String>())
            }
            Foldl => {
                let xs = self.list_of(&a[2])?;
                let mut acc = self.force(&a[1]);
                for x in xs.iter() {
                    if matches!(acc, Value::Unknown) {
                        return None;
                    }
                    acc = self.call(&a[0], &[Thunk::value(acc), x.clone()], at);
                }
                acc
            }
            Div => match (self.force(&a[0]), self.force(&a[1])) {
                (Value::Int(x), Value::Int(y)) if y != 0 => Value::Int(x.checked_div(y)?),
                (Value::Int(x), Value::Float(y)) if y != 0.0 => Value::Float(x as f64 / y),
                (Value::Float(x), Value::Int(y)) if y != 0 => Value::Float(x / y as f64),
                (Value::Float(x), Value::Float(y)) if y != 0.0 => Value::Float(x / y),
                _ => return None,
            },
            MapAttrs => {
                let s = self.attrs_of(&a[1])?;
                attrs(self.each_attr(&a[0], &s, at).into_iter().collect())
            }
            CompareVersions => {
                Value::Int(compare_versions(&self.str_of(&a[0])?, &self.str_of(&a[1])?))
            }
            IsAttrs | IsList | IsString | IsInt | IsBool | IsNull => {
                let v = self.force(&a[0]);
                if matches!(v, Value::Unknown) {
                    return None;
                }
                Value::Bool(match f {
                    IsAttrs => matches!(v, Value::Attrs(_) | Value::Lib | Value::Builtins),
                    IsList => matches!(v, Value::List(_)),
                    IsString => matches!(v, Value::Str(_)),
                    IsInt => matches!(v, Value::Int(_)),
                    IsBool => matches!(v, Value::Bool(_)),
                    _ => matches!(v, Value::Null),
                })
            }
            GenAttrs => {
                let names = self.strings_of(&a[0])?;
                attrs(
                    names
                        .iter()
                        .map(|n| {
                            let v = self.call(&a[1], &[Thunk::value(string(n.clone()))], at);
                            (n.to_string(), v)
                        })
                        .collect(),
                )
            }
            MapAttrsPrime => {
                let s = self.attrs_of(&a[1])?;
                let items: Vec<Value<'a>> = self
                    .each_attr(&a[0], &s, at)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                self.pairs_to_attrs(&items)?
            }
            MapAttrsToList => {
                let s = self.attrs_of(&a[1])?;
                list(
                    self.each_attr(&a[0], &s, at)
                        .into_iter()
                        .map(|(_, v)| v)
                        .collect(),
                )
            }
            NameValuePair => Value::Attrs(Rc::new(Attrs {
                map: [("name", &a[0]), ("value", &a[1])]
                    .into_iter()
                    .map(|(k, t)| {
                        (
                            k.to_owned(),
                            Slot {
                                thunk: t.clone(),
                                loc: None,
                            },
                        )
                    })
                    .collect(),
                unknown_names: Vec::new(),
            })),
            FilterAttrs => {
                let s = self.attrs_of(&a[1])?;
                let mut map = BTreeMap::new();
                for (k, slot) in &s.map {
                    match self.call(
                        &a[0],
                        &[Thunk::value(string(k.as_str())), slot.thunk.clone()],
                        at,
                    ) {
                        Value::Bool(true) => {
                            map.insert(k.clone(), slot.clone());
                        }
                        Value::Bool(false) => {}
                        _ => return None,
                    }
                }
                Value::Attrs(Rc::new(Attrs {
                    map,
                    unknown_names: Vec::new(),
                }))
            }
            RecursiveUpdate => {
                let l = self.attrs_of(&a[0])?;
                let r = self.attrs_of(&a[1])?;
                self.recursive_update(&l, &r)
            }
            Optional => match self.bool_of(&a[0])? {
                true => Value::List(Rc::new(vec![a[1].clone()])),
                false => Value::List(Rc::new(Vec::new())),
            },
            Flatten => {
                let mut out = Vec::new();
                self.flatten_into(self.force(&a[0]), &mut out)?;
                if out.iter().any(|v| matches!(v, Value::Unknown)) {
                    return None;
                }
                list(out)
            }
            Unique => {
                let xs = self.list_of(&a[0])?;
                let mut out: Vec<Value<'a>> = Vec::new();
                for x in xs.iter() {
                    let v = self.force(x);
                    let mut seen = false;
                    for o in &out {
                        if self.equal(o, &v)? {
                            seen = true;
                            break;
                        }
                    }
                    if !seen {
                        out.push(v);
                    }
                }
                list(out)
            }
            Range => {
                let (first, last) = (self.int_of(&a[0])?, self.int_of(&a[1])?);
                if last.saturating_sub(first) > 100_000 {
                    return None;
                }
                list((first..=last).map(Value::Int).collect())
            }
            ConcatMapStrings | ConcatMapStringsSep => {
                let (sep, fi, li) = if f == ConcatMapStringsSep {
                    (self.str_of(&a[0])?.to_string(), 1, 2)
                } else {
                    (String::new(), 0, 1)
                };
                let xs = self.list_of(&a[li])?;
                let parts: Vec<Rc<str>> = xs
                    .iter()
                    .map(|x| match self.call(&a[fi], std::slice::from_ref(x), at) {
                        Value::Str(s) => Some(s),
                        _ => None,
                    })
                    .collect::<Option<_>>()?;
                if !self.join_fits(&parts, sep.len()) {
                    return None;
                }
                string(parts.iter().map(|s| &**s).collect::<Vec<_>>().join(&sep))
            }
            HasPrefix => Value::Bool(self.str_of(&a[1])?.starts_with(&*self.str_of(&a[0])?)),
            HasSuffix => Value::Bool(self.str_of(&a[1])?.ends_with(&*self.str_of(&a[0])?)),
            SplitString => {
                let sep = self.str_of(&a[0])?;
                let s = self.str_of(&a[1])?;
                if sep.is_empty() {
                    return None;
                }
                list(s.split(&*sep).map(string).collect())
            }
            ToUpper => string(self.str_of(&a[0])?.to_ascii_uppercase()),
            ToLower => string(self.str_of(&a[0])?.to_ascii_lowercase()),
            BoolToString => string(if self.bool_of(&a[0])? {
                "true"
            } else {
                "false"
            }),
            EscapeShellArg => {
                let s = self.to_string_value(&self.force(&a[0]))?;
                if !self.fits(4 * s.len() as u64 + 2) {
                    return None;
                }
                let plain = !s.is_empty()
                    && s.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b",._+:@%/-".contains(&c));
                string(if plain {
                    s
                } else {
                    format!("'{}'", s.replace('\'', "'\\''"))
                })
            }
            VersionAtLeast => {
                Value::Bool(compare_versions(&self.str_of(&a[0])?, &self.str_of(&a[1])?) != -1)
            }
            VersionOlder => {
                Value::Bool(compare_versions(&self.str_of(&a[0])?, &self.str_of(&a[1])?) == -1)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_replacements_as_nix_does() {
        assert_eq!(compare_versions("1.0", "2.3"), -1);
        assert_eq!(compare_versions("2.3pre1", "2.3"), -1);
        assert_eq!(compare_versions("2.3a", "2.3.1"), -1);
        assert_eq!(compare_versions("21.11", "21.05"), 1);
        assert_eq!(compare_versions("1.0", "1.0"), 0);
        let r = |s: &str, f: &[&str], t: &[&str]| {
            let f: Vec<Rc<str>> = f.iter().map(|x| Rc::from(*x)).collect();
            let t: Vec<Rc<str>> = t.iter().map(|x| Rc::from(*x)).collect();
            replace_strings(s, &f, &t, usize::MAX).unwrap_or_default()
        };
        assert_eq!(r("Hello world", &["o"], &["0"]), "Hell0 w0rld");
        assert_eq!(r("abc", &[""], &["-"]), "-a-b-c-");
    }
}
