//! `strMatching` patterns, matched as `builtins.match` matches them.
//!
//! Nix 2.8 compiles the pattern with C++'s `std::regex` in POSIX extended
//! syntax (libstdc++) and asks for a match of the whole string. The
//! pattern is translated into the `regex` crate's syntax, over bytes:
//!
//! - outside brackets, `\X` is the character `X` when `X` is special
//!   (`.[\()*+?{|^$`); libstdc++ refuses any other escape (`\d`, `\n`,
//!   `\]`), and so does the translation; `.` is any byte, newlines
//!   included;
//! - inside brackets a backslash is itself; `]` first is a member;
//!   `[:class:]` is kept (ASCII classes, as in the C locale);
//! - a quantifier after a quantifier applies to what precedes it (the set
//!   of whole-string matches is the same under POSIX's longest and the
//!   crate's first-match rule);
//! - bytes beyond ASCII are matched byte by byte, as libstdc++ does.
//!
//! Anything else (collating elements `[.x.]`, equivalence classes `[=x=]`,
//! ranges over bytes beyond ASCII, an interval that is not `{m}`, `{m,}`,
//! `{m,n}`, a quantifier with nothing to repeat) is not translated: the
//! pattern is then not judged. `tests/types.rs` holds the translation to
//! real `builtins.match`.

use regex::bytes::{Regex, RegexBuilder};

/// A compiled pattern, or `None` when it cannot be translated faithfully.
pub fn compile(pattern: &str) -> Option<Regex> {
    let translated = translate(pattern)?;
    RegexBuilder::new(&format!("(?s-u)^(?:{translated})$"))
        .size_limit(1 << 20)
        .build()
        .ok()
}

fn lit(b: u8, out: &mut String) {
    if b.is_ascii_alphanumeric() || b == b' ' || b == b'_' {
        out.push(b as char);
    } else {
        out.push_str(&format!("\\x{b:02X}"));
    }
}

/// The pattern in the `regex` crate's syntax.
pub fn translate(pattern: &str) -> Option<String> {
    let p = pattern.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    // Where the last atom starts in `out` (a quantifier applies to it), and
    // whether one was quantified already.
    let mut atom: Option<usize> = None;
    let mut quantified = false;
    // Start of each open group in `out`.
    let mut groups: Vec<usize> = Vec::new();
    while i < p.len() {
        let c = p[i];
        match c {
            b'\\' => {
                // Only a special character may be escaped (libstdc++
                // refuses `\d`, `\n`, `\]`: an invalid pattern).
                let n = *p.get(i + 1)?;
                if !b".[\\()*+?{|^$".contains(&n) {
                    return None;
                }
                atom = Some(out.len());
                quantified = false;
                lit(n, &mut out);
                i += 2;
                continue;
            }
            b'.' => {
                atom = Some(out.len());
                quantified = false;
                out.push('.');
            }
            b'^' | b'$' => {
                atom = None;
                out.push(c as char);
            }
            b'(' => {
                groups.push(out.len());
                atom = None;
                out.push_str("(?:");
            }
            b')' => {
                let start = groups.pop()?;
                out.push(')');
                atom = Some(start);
                quantified = false;
            }
            b'|' => {
                atom = None;
                out.push('|');
            }
            b'*' | b'+' | b'?' | b'{' => {
                let start = atom?;
                let q = if c == b'{' {
                    let end = i + p[i..].iter().position(|&x| x == b'}')?;
                    let body = std::str::from_utf8(&p[i + 1..end]).ok()?;
                    let ok = match body.split_once(',') {
                        None => !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()),
                        Some((a, b)) => {
                            !a.is_empty()
                                && a.bytes().all(|x| x.is_ascii_digit())
                                && b.bytes().all(|x| x.is_ascii_digit())
                                && (b.is_empty()
                                    || a.parse::<u32>().ok()? <= b.parse::<u32>().ok()?)
                        }
                    };
                    if !ok {
                        return None;
                    }
                    let q = format!("{{{body}}}");
                    i = end;
                    q
                } else {
                    (c as char).to_string()
                };
                if quantified {
                    out.insert_str(start, "(?:");
                    out.push(')');
                }
                out.push_str(&q);
                quantified = true;
            }
            b'[' => {
                atom = Some(out.len());
                quantified = false;
                i = bracket(p, i + 1, &mut out)?;
                continue;
            }
            _ => {
                atom = Some(out.len());
                quantified = false;
                lit(c, &mut out);
            }
        }
        i += 1;
    }
    groups.is_empty().then_some(out)
}

/// A bracket expression from `p[i..]` (just after `[`); returns the index
/// after its `]`.
fn bracket(p: &[u8], mut i: usize, out: &mut String) -> Option<usize> {
    out.push('[');
    if p.get(i) == Some(&b'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    let mut members = 0;
    loop {
        let c = *p.get(i)?;
        if c == b']' && !first {
            break;
        }
        first = false;
        if c == b'[' {
            match p.get(i + 1) {
                Some(b':') => {
                    let end = i + 2 + p[i + 2..].windows(2).position(|w| w == b":]")?;
                    let name = std::str::from_utf8(&p[i + 2..end]).ok()?;
                    const CLASSES: &[&str] = &[
                        "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print",
                        "punct", "space", "upper", "xdigit",
                    ];
                    if !CLASSES.contains(&name) {
                        return None;
                    }
                    out.push_str(&format!("[:{name}:]"));
                    i = end + 2;
                    members += 1;
                    continue;
                }
                Some(b'.') | Some(b'=') => return None,
                _ => {}
            }
        }
        // A range `a-z` (a `-` before `]` is itself).
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&e| e != b']') {
            let e = p[i + 2];
            if !c.is_ascii() || !e.is_ascii() || e == b'[' || c > e {
                return None;
            }
            lit(c, out);
            out.push('-');
            lit(e, out);
            i += 3;
            members += 1;
            continue;
        }
        lit(c, out);
        members += 1;
        i += 1;
    }
    if members == 0 {
        return None;
    }
    out.push(']');
    Some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> Option<bool> {
        compile(p).map(|r| r.is_match(s.as_bytes()))
    }

    #[test]
    fn whole_string_posix() {
        assert_eq!(m("[[:digit:]]+", "80"), Some(true));
        assert_eq!(m("[[:digit:]]+", "80a"), Some(false));
        assert_eq!(m("a|b", "b"), Some(true));
        assert_eq!(m("a.c", "a\nc"), Some(true));
        assert_eq!(m(r"\d", "d"), None);
        assert_eq!(m(r"\.", "."), Some(true));
        assert_eq!(m(r"[\.]", "\\"), Some(true));
        assert_eq!(m("[]a]+", "]a]"), Some(true));
        assert_eq!(m("(ab)*?", "abab"), Some(true));
        assert_eq!(m("a{2,3}", "aaa"), Some(true));
        assert_eq!(m("a{2,3}", "aaaa"), Some(false));
        assert_eq!(m("é", "é"), Some(true));
        assert_eq!(m("^.$", "é"), Some(false));
        assert_eq!(m("[[.a.]]", "a"), None);
        assert_eq!(m("*a", "a"), None);
        assert_eq!(m("a{,2}", "a"), None);
    }
}
