//! Diagnostics are data: a stable code, a severity, a byte range, a message
//! and notes. Only the `cli` crate renders them.

use rnix::{TextRange, TextSize};
use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is rejected (by Nix, or by nixunits).
    Error,
    /// Likely a mistake; the file is accepted.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary location, such as the first of two duplicate definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    /// What is there.
    pub message: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable snake_case code (`duplicate_attr`).
    pub code: &'static str,
    /// How bad.
    pub severity: Severity,
    /// The byte range it is about.
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    /// One line, lower case, no final period.
    pub message: String,
    /// Further explanation, each a sentence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Other places involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// A fix an editor can apply (the language server's code action).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// A fix: what it does, and the edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Imperative, for a menu: "remove the unused binding `x`".
    pub title: String,
    /// Replacements of byte ranges of the file, not overlapping.
    pub edits: Vec<Edit>,
}

/// One replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// What is replaced.
    #[serde(serialize_with = "ser_range")]
    pub range: TextRange,
    /// By what.
    pub text: String,
}

impl Diagnostic {
    /// An error with no notes.
    pub fn error(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            range,
            message: message.into(),
            notes: Vec::new(),
            related: Vec::new(),
            fix: None,
        }
    }

    /// A warning with no notes.
    pub fn warning(code: &'static str, range: TextRange, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, range, message)
        }
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, title: impl Into<String>, edits: Vec<Edit>) -> Self {
        self.fix = Some(Fix {
            title: title.into(),
            edits,
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, range: TextRange, message: impl Into<String>) -> Self {
        self.related.push(Related {
            range,
            message: message.into(),
        });
        self
    }
}

fn ser_range<S: Serializer>(r: &TextRange, s: S) -> Result<S::Ok, S::Error> {
    [u32::from(r.start()), u32::from(r.end())].serialize(s)
}

/// A range from byte offsets.
pub fn range(start: usize, end: usize) -> TextRange {
    let start = u32::try_from(start).unwrap_or(u32::MAX);
    let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
    TextRange::new(TextSize::from(start), TextSize::from(end))
}

/// Line starts of a text, to turn byte offsets into lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

/// A 1-based line and column; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl LineIndex {
    /// Indexes `text`. A line ends at LF, CRLF or a lone CR, as Nix counts
    /// lines (its lexer's `adjustLoc`) and as LSP does.
    pub fn new(text: &str) -> Self {
        let b = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            b.iter()
                .enumerate()
                .filter(|&(i, &c)| c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i as u32 + 1),
        );
        LineIndex { starts }
    }

    /// The 0-based line holding `offset`, and that line's start.
    pub fn line_of(&self, offset: TextSize) -> (usize, u32) {
        let off = u32::from(offset);
        let line = self.starts.partition_point(|&s| s <= off).saturating_sub(1);
        (line, self.starts[line])
    }

    /// Line and column of `offset` in `text` (the text this index was made
    /// from); offsets inside a character count as that character.
    pub fn line_col(&self, text: &str, offset: TextSize) -> LineCol {
        let (line, start) = self.line_of(offset);
        let end = (u32::from(offset) as usize).min(text.len());
        let start = start as usize;
        let col = text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        LineCol {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\néé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.line_col(text, TextSize::from(0)),
            LineCol { line: 1, col: 1 }
        );
        assert_eq!(
            idx.line_col(text, TextSize::from(8)),
            LineCol { line: 2, col: 4 }
        );
        assert_eq!(
            idx.line_col(text, TextSize::from(text.len() as u32)),
            LineCol { line: 3, col: 1 }
        );
    }
}
