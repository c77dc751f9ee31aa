//! What may reach a terminal: text from checked files (their contents,
//! names, and messages built from them) with its control characters
//! escaped, so that an escape sequence in a file cannot clear the screen or
//! retitle the window. Below `check` and `eval`, which both print such
//! text.

/// Whether a character must not reach a terminal as it is: every control
/// character (C0, DEL, C1) but a line break and a tab. A file's contents
/// and names end up in messages (`attribute 'a…' already defined`), and an
/// escape sequence there would clear the screen or retitle the window.
pub fn unsafe_char(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `s` with each unsafe character written as `\u{1b}`.
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The message, then each note on a line of its own: the text of
/// renderings that have no place for notes (GitHub, SARIF, LSP).
pub fn message_with_notes(d: &nixunits_nixexpr::Diagnostic) -> String {
    std::iter::once(d.message.as_str())
        .chain(d.notes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}
