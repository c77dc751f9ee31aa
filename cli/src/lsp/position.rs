//! Places in a document as LSP counts them (a line and a column in UTF-16
//! code units, or in bytes when the client offers UTF-8), and documents
//! named by `file://` URIs.

use std::path::{Path, PathBuf};

use lsp_types as lsp;
use nixunits_nixexpr::{LineIndex, TextSize};

/// Where positions count in: UTF-16 code units (the default) or bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    /// UTF-16 code units, LSP's default.
    Utf16,
    /// Bytes, when the client offers it.
    Utf8,
}

impl Encoding {
    /// The position of a byte offset of `text`.
    pub fn position(self, text: &str, idx: &LineIndex, offset: TextSize) -> lsp::Position {
        let (line, start) = idx.line_of(offset);
        let end = (u32::from(offset) as usize).min(text.len());
        let seg = text.get(start as usize..end).unwrap_or_default();
        let character = match self {
            Encoding::Utf8 => seg.len(),
            Encoding::Utf16 => seg.encode_utf16().count(),
        };
        lsp::Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The range of two byte offsets of `text`.
    pub fn range(self, text: &str, idx: &LineIndex, start: TextSize, end: TextSize) -> lsp::Range {
        lsp::Range {
            start: self.position(text, idx, start),
            end: self.position(text, idx, end),
        }
    }

    /// The byte offset of a position of `text`, at a character boundary:
    /// past the end of its line is the line's end, past the last line the
    /// text's end.
    pub fn offset(self, text: &str, pos: lsp::Position) -> usize {
        let mut start = 0;
        for _ in 0..pos.line {
            match text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let line = &text[start..text[start..].find('\n').map_or(text.len(), |i| start + i)];
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += match self {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }
}

/// The `file://` URI of an absolute path, percent-encoded (all but
/// unreserved characters and `/`).
pub fn file_uri(p: &Path) -> String {
    let mut out = String::from("file://");
    for &b in p.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file path of a `file://` URI, percent-decoded.
pub fn path_of(uri: &str) -> PathBuf {
    let raw = uri.strip_prefix("file://").unwrap_or(uri).as_bytes();
    let hex = |i: usize| raw.get(i).and_then(|&c| char::from(c).to_digit(16));
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if let (b'%', Some(h), Some(l)) = (raw[i], hex(i + 1), hex(i + 2)) {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::{file_uri, path_of, Encoding};
    use lsp_types::Position;
    use std::path::Path;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(path_of("file:///srv/a%20b.nix"), Path::new("/srv/a b.nix"));
        for p in ["/srv/a b.nix", "/srv/été/%x.nix", "/a/b-c_d~e.nix"] {
            assert_eq!(path_of(&file_uri(Path::new(p))), Path::new(p));
        }
        assert_eq!(
            path_of("file:///srv/%C3%A9t%C3%A9.nix"),
            Path::new("/srv/été.nix")
        );
        // Not an escape: kept as written, never a panic.
        assert_eq!(path_of("file:///srv/%é.nix"), Path::new("/srv/%é.nix"));
        assert_eq!(path_of("file:///srv/%aé.nix"), Path::new("/srv/%aé.nix"));
        assert_eq!(path_of("file:///srv/%+f%2"), Path::new("/srv/%+f%2"));
    }

    #[test]
    fn offsets_out_of_range_are_clamped_to_boundaries() {
        let text = "a😀b\nxy";
        let at = |line, character| Encoding::Utf16.offset(text, Position { line, character });
        assert_eq!(at(0, 1), 1);
        // Inside the surrogate pair: the next boundary.
        assert_eq!(at(0, 2), 5);
        assert_eq!(at(0, 99), 6);
        assert_eq!(at(1, 99), text.len());
        assert_eq!(at(u32::MAX, u32::MAX), text.len());
    }
}
