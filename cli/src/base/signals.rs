//! Signals for a process that must clean up after itself (`run`): SIGINT,
//! SIGTERM and SIGHUP are caught instead of ending the process, the first
//! one is remembered, and — depending on what the process is doing — its
//! descendants (`nix-build`, `systemctl`, the command in the container)
//! are asked to stop, so that the process gets on with its cleanup.
//!
//! - While setting up ([`Phase::Setup`]), any of them stops the
//!   descendants: the build or the start fails, and the caller cleans up.
//! - While a command runs ([`Phase::Command`]), SIGINT is the command's
//!   business (a terminal's Ctrl-C reaches it too, and it may ignore it, as
//!   a shell does); SIGTERM and SIGHUP stop it.
//! - While cleaning up ([`Phase::Cleanup`]), nothing is stopped: the
//!   cleanup finishes (a `kill -9` leaves the rest to the next command).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

/// What the process is doing, for what a signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Building and starting.
    Setup = 0,
    /// Waiting for a command.
    Command = 1,
    /// Removing what it made.
    Cleanup = 2,
}

/// The catching of SIGINT, SIGTERM and SIGHUP, installed for the rest of
/// the process's life.
#[derive(Debug, Clone)]
pub struct Catcher {
    got: Arc<AtomicI32>,
    phase: Arc<AtomicU8>,
    /// Set in the signal handler itself, whichever thread it runs on:
    /// `got` is set by the thread that waits for the signals, which may
    /// run only after the main thread has seen the command end (found by
    /// the e2e test under load: a Ctrl-C that ended the command was not
    /// yet known at cleanup, and the run exited 1 instead of 130).
    flags: Vec<(i32, Arc<std::sync::atomic::AtomicBool>)>,
}

impl Catcher {
    /// Installs the handlers (a thread waits for the signals).
    pub fn install() -> Result<Catcher> {
        let got = Arc::new(AtomicI32::new(0));
        let phase = Arc::new(AtomicU8::new(Phase::Setup as u8));
        let (tx, rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let (g, p) = (got.clone(), phase.clone());
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    use tokio::signal::unix::{signal, SignalKind};
                    let streams = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                        signal(SignalKind::hangup()),
                    );
                    let (mut int, mut term, mut hup) = match streams {
                        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
                        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = tx.send(Ok(()));
                    loop {
                        let sig = tokio::select! {
                            _ = int.recv() => libc::SIGINT,
                            _ = term.recv() => libc::SIGTERM,
                            _ = hup.recv() => libc::SIGHUP,
                        };
                        let _ = g.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
                        let phase = p.load(Ordering::SeqCst);
                        if phase == Phase::Setup as u8
                            || (phase == Phase::Command as u8 && sig != libc::SIGINT)
                        {
                            terminate_descendants();
                        }
                    }
                });
            })
            .context("cannot start the thread that catches signals")?;
        rx.recv()
            .context("the thread that catches signals ended")?
            .context("cannot catch SIGINT, SIGTERM and SIGHUP")?;
        let mut flags = Vec::new();
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            signal_hook::flag::register(sig, flag.clone())
                .context("cannot catch SIGINT, SIGTERM and SIGHUP")?;
            flags.push((sig, flag));
        }
        Ok(Catcher { got, phase, flags })
    }

    /// The first signal received, if any.
    pub fn received(&self) -> Option<i32> {
        match self.got.load(Ordering::SeqCst) {
            0 => self
                .flags
                .iter()
                .find(|(_, f)| f.load(Ordering::SeqCst))
                .map(|(s, _)| *s),
            s => Some(s),
        }
    }

    /// Says what the process is doing now. Entering a phase in which a
    /// signal already received would have stopped the descendants stops
    /// them now.
    pub fn enter(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::SeqCst);
    }
}

/// Leaves SIGINT and SIGQUIT to a foreground child, as a shell (and
/// `system(3)`) does while it waits: a terminal's Ctrl-C reaches the whole
/// process group, and the child decides (an interactive shell inside a
/// container ignores it) — this process must not die of it and leave the
/// child behind. A handler, not an ignore: the child gets the default
/// disposition back when it execs. Installed for the rest of the process's
/// life (what tokio does); the signals are then simply dropped here.
pub fn leave_to_child() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let _ = signal(SignalKind::interrupt());
        let _ = signal(SignalKind::quit());
    });
}

/// Every process descended from this one (as `/proc` says: parent links),
/// children before grandchildren.
fn descendants() -> Vec<i32> {
    let mut parent_of: HashMap<i32, Vec<i32>> = HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        parent_of.entry(ppid).or_default().push(pid);
    }
    let mut out = Vec::new();
    let mut queue = vec![std::process::id() as i32];
    while let Some(p) = queue.pop() {
        for &c in parent_of.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            out.push(c);
            queue.push(c);
        }
    }
    out
}

/// Asks every descendant to stop (SIGTERM).
pub fn terminate_descendants() {
    for pid in descendants() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_known_as_soon_as_its_handler_ran() {
        let c = Catcher::install().unwrap();
        // Cleanup: nothing is stopped (other tests' children share the
        // process).
        c.enter(Phase::Cleanup);
        assert_eq!(c.received(), None);
        // Delivered to this thread before `raise` returns: known at once,
        // whenever the thread that waits for signals runs.
        nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP).unwrap();
        assert_eq!(c.received(), Some(libc::SIGHUP));
    }

    // (terminate_descendants itself is exercised by `run` in tests/build.rs
    // and tests/e2e: here other tests' children share the process.)
    #[test]
    fn descendants_include_grandchildren() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $! ; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild: i32 = line.trim().parse().unwrap();
        let found = descendants();
        assert!(found.contains(&(child.id() as i32)), "{found:?}");
        assert!(found.contains(&grandchild), "{grandchild} in {found:?}");
        for p in [grandchild, child.id() as i32] {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(p),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = child.wait();
    }
}
