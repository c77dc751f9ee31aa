//! A failure of nixunits itself (a panic: a bug) met while handling one
//! input: caught by [`guard`] and turned into one diagnostic
//! ([`internal_error`]) of that input, never the end of the process or of
//! the language server. Here, below `commands` and `lsp`, because `check`,
//! `eval`, `build` and the language server all guard their work.

use nixunits_nixexpr::{self as nixexpr, Diagnostic};

/// The code of the diagnostic a failure of nixunits itself (a panic: a
/// bug) becomes: one diagnostic for the file it happened on, never the end
/// of the process or of the language server.
pub const INTERNAL_ERROR: &str = "internal_error";

thread_local! {
    /// Whether a panic on this thread is caught by [`guard`].
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The last caught panic's message and place.
    static CAUGHT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Runs `f`; a panic in it (a bug of nixunits) comes back as its message
/// and place instead of ending the process, and is not printed. Panics
/// outside of a guard are printed as before.
pub fn guard<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(std::cell::Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let msg = format!("{}{at}", panic_message(info.payload()));
                CAUGHT.with(|c| *c.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    r.map_err(|payload| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| panic_message(&*payload))
    })
}

/// The diagnostic of a failure of nixunits while `doing` something with
/// a file (at its start: it is about no place in it).
pub fn internal_error(doing: &str, why: &str) -> Diagnostic {
    let mut d = Diagnostic::error(
        INTERNAL_ERROR,
        nixexpr::TextRange::default(),
        format!("nixunits failed while {doing}: {why}"),
    );
    d.notes.push(
        "this is a bug in nixunits, not a problem of the file: please report it with the file"
            .to_owned(),
    );
    d
}
