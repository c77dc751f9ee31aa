//! The transport: LSP's base protocol (`Content-Length` frames of JSON-RPC
//! messages), read and written by `lsp-server`, on threads of their own.
//!
//! `lsp-server`'s reader takes the input as it comes; what it does not
//! do, [`Guarded`] adds around it, so that no input can stop or starve
//! the server:
//! - a frame that is not a message (bad JSON, a bad header, bytes that
//!   are not UTF-8) is handed on as [`Incoming::Malformed`] — answered
//!   with a parse error — and reading goes on at the next `Content-Length`
//!   header. `lsp-server` would otherwise read the next frame's header as
//!   the end of the bad one's body, and every frame after it so;
//! - a `Content-Length` over [`MAX_MESSAGE`] is refused before anything is
//!   allocated (`lsp-server` allocates what the header says), and so is a
//!   header line over [`MAX_HEADER_LINE`].
//!
//! The one message written here rather than by `lsp-server` is the answer
//! to a frame that is not a message: JSON-RPC answers it with `"id":
//! null`, which `lsp-server`'s `Response` (an id is a number or a string)
//! cannot say.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::Receiver;

use lsp_server::Message;

/// The largest message read: a larger `Content-Length` is refused (and
/// its body skipped) before anything is allocated.
pub const MAX_MESSAGE: u64 = 64 << 20;
/// The longest header line read.
pub const MAX_HEADER_LINE: usize = 4096;
/// How much of a bad frame's text a parse error quotes.
const QUOTED: usize = 200;

/// What the reader hands the server, one per frame.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A message, as `lsp-server` read it.
    Message(Message),
    /// A frame that is not a message: why.
    Malformed(String),
}

/// What the server hands the writer.
#[derive(Debug)]
pub enum Outgoing {
    /// A message, written by `lsp-server`.
    Message(Message),
    /// The answer to a frame that is not a message: a parse error
    /// (-32700) without an id.
    ParseError(String),
}

/// The input as `lsp-server`'s reader sees it: header lines bounded, a
/// `Content-Length` over [`MAX_MESSAGE`] refused, and after a bad frame
/// ([`Guarded::resync`]) everything up to the next `Content-Length`
/// header skipped. `lsp-server` reads header lines with `read_line` and a
/// body with `read_exact`; both come here.
pub struct Guarded<R> {
    inner: R,
    resync: bool,
    /// A header line found glued to garbage, read next.
    pending: Option<Vec<u8>>,
}

const HEADER: &[u8] = b"content-length:";

impl<R: BufRead> Guarded<R> {
    /// Guards `inner`.
    pub fn new(inner: R) -> Self {
        Guarded {
            inner,
            resync: false,
            pending: None,
        }
    }

    /// After a bad frame: the next line read starts at the next
    /// `Content-Length` header, wherever it is.
    pub fn resync(&mut self) {
        self.resync = true;
    }

    /// Skips to the next `Content-Length:` (any case); `false` at the end
    /// of the input.
    fn skip_to_header(&mut self) -> io::Result<bool> {
        let mut matched = 0;
        loop {
            let buf = fill_retrying(&mut self.inner)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            let mut found = false;
            for &b in buf {
                used += 1;
                let b = b.to_ascii_lowercase();
                if b == HEADER[matched] {
                    matched += 1;
                    if matched == HEADER.len() {
                        found = true;
                        break;
                    }
                } else {
                    matched = usize::from(b == HEADER[0]);
                }
            }
            self.inner.consume(used);
            if found {
                return Ok(true);
            }
        }
    }

    /// Reads up to and with the next `\n` into `line`, keeping at most
    /// [`MAX_HEADER_LINE`] bytes; whether it was longer.
    fn raw_line(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        let mut long = false;
        loop {
            let buf = fill_retrying(&mut self.inner)?;
            if buf.is_empty() {
                return Ok(long);
            }
            let (piece, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..=i], true),
                None => (buf, false),
            };
            let room = MAX_HEADER_LINE.saturating_sub(line.len());
            long |= piece.len() > room;
            line.extend_from_slice(&piece[..piece.len().min(room)]);
            let n = piece.len();
            self.inner.consume(n);
            if done {
                return Ok(long);
            }
        }
    }
}

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

impl<R: BufRead> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// `fill_buf`, tried again when a signal interrupted it.
fn fill_retrying<R: BufRead>(r: &mut R) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
            // Filled: the second call returns the same buffer (a borrow
            // cannot leave a loop that may go round again).
            Ok(_) => return r.fill_buf(),
        }
    }
}

impl<R: BufRead> BufRead for Guarded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
    }

    fn read_line(&mut self, out: &mut String) -> io::Result<usize> {
        let mut line = Vec::new();
        let mut long = false;
        if let Some(l) = self.pending.take() {
            line = l;
            self.resync = false;
        } else {
            if self.resync {
                if !self.skip_to_header()? {
                    return Ok(0);
                }
                self.resync = false;
                line.extend_from_slice(b"Content-Length:");
            }
            long = self.raw_line(&mut line)?;
        }
        if long {
            return Err(invalid(format!(
                "a header line of more than {MAX_HEADER_LINE} bytes"
            )));
        }
        // Garbage glued to a header (a body longer than its length said,
        // bytes between frames): the garbage is one bad frame, the header
        // starts the next.
        if let Some(at) = line
            .windows(HEADER.len())
            .skip(1)
            .position(|w| w.eq_ignore_ascii_case(HEADER))
        {
            self.pending = Some(line.split_off(at + 1));
            return Err(invalid(format!(
                "{:?} before a header",
                String::from_utf8_lossy(&line)
            )));
        }
        let text =
            String::from_utf8(line).map_err(|_| invalid("a header that is not UTF-8".into()))?;
        if let Some((name, value)) = text.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                if let Ok(n) = value.trim().parse::<u64>() {
                    if n > MAX_MESSAGE {
                        return Err(invalid(format!(
                            "a message of {n} bytes, more than the {MAX_MESSAGE} read"
                        )));
                    }
                }
            }
        }
        out.push_str(&text);
        Ok(text.len())
    }
}

/// The first [`QUOTED`] bytes of `why` (at a character boundary).
fn shortened(why: &str) -> String {
    if why.len() <= QUOTED {
        return why.to_owned();
    }
    let mut end = QUOTED;
    while !why.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &why[..end])
}

/// Reads frames from `input` until its end, handing each to `sink` (which
/// says whether to go on). `Err` when reading itself failed.
pub fn read(input: impl BufRead, mut sink: impl FnMut(Incoming) -> bool) -> io::Result<()> {
    let mut input = Guarded::new(input);
    loop {
        let incoming = match Message::read(&mut input) {
            Ok(Some(m)) => Incoming::Message(m),
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                input.resync();
                Incoming::Malformed(shortened(&e.to_string()))
            }
            // A body cut short by the end of the input.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !sink(incoming) {
            return Ok(());
        }
    }
}

/// Every frame of `input`, read as the server reads it.
pub fn read_all(input: impl BufRead) -> Vec<Incoming> {
    let mut all = Vec::new();
    // Reading a slice in memory does not fail; what it read is kept.
    let _ = read(input, |i| {
        all.push(i);
        true
    });
    all
}

/// Writes what comes from `rx` to `out` until the server drops its end.
pub fn write(mut out: impl Write, rx: &Receiver<Outgoing>) -> io::Result<()> {
    for o in rx {
        match o {
            Outgoing::Message(m) => m.write(&mut out)?,
            Outgoing::ParseError(why) => {
                let body = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": null,
                    "error": { "code": lsp_server::ErrorCode::ParseError as i32, "message": format!("parse error: {why}") },
                })
                .to_string();
                write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
                out.flush()?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{read_all, Incoming, MAX_MESSAGE};

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn kinds(input: &str) -> Vec<String> {
        read_all(input.as_bytes())
            .into_iter()
            .map(|i| match i {
                Incoming::Message(lsp_server::Message::Request(r)) => {
                    format!("request {}", r.method)
                }
                Incoming::Message(lsp_server::Message::Notification(n)) => {
                    format!("notification {}", n.method)
                }
                Incoming::Message(lsp_server::Message::Response(_)) => "response".into(),
                Incoming::Malformed(_) => "malformed".into(),
            })
            .collect()
    }

    const HOVER: &str = r#"{"jsonrpc":"2.0","id":1,"method":"hover"}"#;
    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    #[test]
    fn a_bad_frame_costs_that_frame_only() {
        let ok = format!("{}{}", frame(HOVER), frame(EXIT));
        for (bad, expect) in [
            (frame("{ not json"), 1),
            (frame("\u{1}\u{2}"), 1),
            // A bad header before, or after, the length.
            (format!("X\r\n{}", frame("{ not json")), 2),
            ("Content-Length: 10\r\nX\r\n\r\n0123456789".to_owned(), 1),
            // Garbage with no header at all, glued to the next frame.
            ("garbage without a line end".to_owned(), 1),
            ("\r\n\r\n".to_owned(), 1),
            // Lengths that cannot be, or are too large to read.
            ("Content-Length: x\r\n\r\n{}".to_owned(), 1),
            (
                format!("Content-Length: {}\r\n\r\n{{}}", MAX_MESSAGE + 1),
                1,
            ),
            (format!("Content-Length: {}\r\n\r\n{{}}", u64::MAX), 1),
            (format!("{}\r\n", "H".repeat(10_000)), 1),
        ] {
            let got = kinds(&format!("{bad}{ok}"));
            let malformed = got.iter().filter(|k| *k == "malformed").count();
            assert!(
                got.ends_with(&["request hover".to_owned(), "notification exit".to_owned()]),
                "{bad:?}: {got:?}"
            );
            assert_eq!(malformed, expect, "{bad:?}: {got:?}");
        }
    }

    #[test]
    fn the_input_may_end_anywhere() {
        let whole = frame(HOVER);
        for cut in 0..whole.len() {
            let got = kinds(&whole[..cut]);
            assert!(got.iter().all(|k| k == "malformed"), "{cut}: {got:?}");
        }
        assert_eq!(kinds(&whole), ["request hover"]);
    }
}
