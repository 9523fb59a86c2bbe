//! The compile thread: Cranelift runs here, never on an interpreter's
//! thread, so no call ever waits for a compile.
//!
//! One process-wide thread owns one `Backend` (a `JITModule`, which is
//! `Send` but not `Sync`) per isolate: an isolate's code memory is freed
//! when the isolate goes away, and one isolate's compiles never see
//! another's cache cells. An isolate sends a `Request` with a snapshot of
//! the function's feedback and polls its own reply channel at calls
//! (`JitState::entry_for`); the machine code is installed at the first
//! call after it arrives. In synchronous mode (tests, `--jit-sync`) the
//! isolate waits for the reply instead, which makes runs deterministic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use kiln_compiler::bytecode::CodeObject;

use super::analyze::{self, Refusal};
use super::backend::{Backend, Built};
use super::inline::InlineCandidate;
use crate::feedback::Feedback;

/// What an isolate asks the compile thread for.
pub struct Request {
    /// The code object's key in the isolate's table.
    pub key: usize,
    pub code: Arc<CodeObject>,
    /// A copy of the interpreter's feedback at the time of the request.
    pub feedback: Feedback,
    pub speculate: super::types::Speculation,
    /// The `LoadGlobal` names that are globals now (`globals.rs`).
    pub global_names: Vec<u32>,
    /// Whether direct calls count calls (`JitState::count_calls`).
    pub count_calls: bool,
    /// Pure-leaf functions among the globals it reads (`inline.rs`).
    pub inline: Vec<InlineCandidate>,
}

/// A finished compile, sent back to the isolate that asked.
pub struct Compiled {
    pub key: usize,
    pub result: Result<Built, Refusal>,
    /// Loop headers compiled code can be entered at, with stack depths.
    pub osr_headers: Vec<(usize, u32)>,
    /// Wall time of the compile on the compile thread.
    pub micros: u64,
}

enum Message {
    Compile {
        isolate: u64,
        request: Request,
        reply: Sender<Compiled>,
    },
    /// The isolate is gone: nothing will run its code again.
    Release { isolate: u64 },
}

static SERVICE: OnceLock<Option<Sender<Message>>> = OnceLock::new();
static NEXT_ISOLATE: AtomicU64 = AtomicU64::new(1);

/// The compile thread's inbox, started on first use (`None` if the
/// thread could not be started: the JIT then stays off).
fn service() -> Option<&'static Sender<Message>> {
    SERVICE
        .get_or_init(|| {
            let (tx, rx) = channel();
            std::thread::Builder::new()
                .name("kiln-jit".into())
                .spawn(move || serve(rx))
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

fn serve(inbox: Receiver<Message>) {
    let mut backends: HashMap<u64, Backend> = HashMap::new();
    while let Ok(message) = inbox.recv() {
        match message {
            Message::Compile {
                isolate,
                request,
                reply,
            } => {
                let started = Instant::now();
                let result = compile_guarded(&mut backends, isolate, &request);
                let osr_headers = analyze::analyze(&request.code)
                    .map(|a| a.loop_headers)
                    .unwrap_or_default();
                // The isolate may be gone by now; its reply is not needed.
                let _ = reply.send(Compiled {
                    key: request.key,
                    result,
                    osr_headers,
                    micros: started.elapsed().as_micros() as u64,
                });
            }
            Message::Release { isolate } => {
                if let Some(b) = backends.remove(&isolate) {
                    b.free();
                }
            }
        }
    }
}

/// A copy of `f`'s feedback that can travel to the compile thread.
pub fn snapshot(f: &Feedback) -> Feedback {
    let copy = Feedback::new(f.len());
    for slot in 0..f.len() {
        copy.record(slot as u16, f.slot(slot as u16));
    }
    copy.calls.set(f.calls.get());
    copy.backedges.set(f.backedges.get());
    copy
}

/// Compile for `isolate`, making its backend on first use. A panic inside
/// the code generator is a bug, but it must cost one function its machine
/// code, not the compile thread (every later compile, and in synchronous
/// mode the isolate waiting for this reply): it becomes a refusal, and the
/// backend, whose builder state the panic left half-done, is replaced.
/// Dropping a `JITModule` leaks its code memory, so code already handed
/// out stays valid.
fn compile_guarded(
    backends: &mut HashMap<u64, Backend>,
    isolate: u64,
    request: &Request,
) -> Result<Built, Refusal> {
    let backend = match backends.entry(isolate) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(Backend::new()?),
    };
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile(backend, request)));
    outcome.unwrap_or_else(|_| {
        backends.remove(&isolate);
        Err(Refusal::Codegen("the code generator panicked".into()))
    })
}

fn compile(b: &mut Backend, r: &Request) -> Result<Built, Refusal> {
    b.compile(
        &r.code,
        &r.feedback,
        r.speculate,
        &r.inline,
        &r.global_names,
        r.count_calls,
    )
}

/// One isolate's connection to the compile thread.
pub struct Queue {
    isolate: u64,
    reply_tx: Sender<Compiled>,
    replies: Receiver<Compiled>,
    /// Requests sent and not yet received back.
    pub pending: usize,
    /// Whether this isolate ever asked for a compile.
    used: bool,
}

impl Default for Queue {
    fn default() -> Self {
        let (reply_tx, replies) = channel();
        Queue {
            isolate: NEXT_ISOLATE.fetch_add(1, Ordering::Relaxed),
            reply_tx,
            replies,
            pending: 0,
            used: false,
        }
    }
}

impl Queue {
    /// Queue a compile; false if the compile thread is unavailable.
    pub fn send(&mut self, request: Request) -> bool {
        let Some(inbox) = service() else {
            return false;
        };
        let message = Message::Compile {
            isolate: self.isolate,
            request,
            reply: self.reply_tx.clone(),
        };
        if inbox.send(message).is_err() {
            return false;
        }
        self.pending += 1;
        self.used = true;
        true
    }

    /// A finished compile, if one has arrived.
    pub fn try_receive(&mut self) -> Option<Compiled> {
        let c = self.replies.try_recv().ok()?;
        self.pending -= 1;
        Some(c)
    }

    /// Wait for the next finished compile (synchronous mode).
    pub fn receive(&mut self) -> Option<Compiled> {
        let c = self.replies.recv().ok()?;
        self.pending -= 1;
        Some(c)
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        if !self.used {
            return;
        }
        if let Some(Some(inbox)) = SERVICE.get() {
            let _ = inbox.send(Message::Release {
                isolate: self.isolate,
            });
        }
    }
}
