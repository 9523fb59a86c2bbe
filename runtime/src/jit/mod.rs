//! The Cranelift JIT (tier 2): hot functions are compiled from their
//! bytecode plus the interpreter's type feedback, and entered from the
//! interpreter at a call (`enter_call`) or at a loop header (`enter_osr`).
//!
//! One file per concern: `abi` (bits and the activation record), `analyze`
//! (reachability, stack depths, refusals), `types` (which values and
//! locals are unboxed, from feedback), `lower` (IR building; `arith` for
//! arithmetic, guards and boxing),
//! `helpers` (the `extern "C"` runtime calls; `calls` for calls), `deopt` (exits back to the
//! interpreter), `backend` (the Cranelift module), `stats` (`--stats`).
//!
//! Compiled code never bakes in an isolate's heap objects: constants on
//! the heap, names and globals are reached through helpers and the frame.
//! The only addresses it embeds are its own `LoadGlobal` cache cells, owned
//! with the code (sharing code between isolates would give each isolate
//! its own cells). Compiles run on a background thread (`service`): the
//! call that crosses the threshold queues the function and goes on in the
//! interpreter, and the machine code is installed at the first call after
//! it arrives. Nothing here ever changes what a program prints.

pub mod abi;
pub mod analyze;
pub(crate) mod arith;
pub(crate) mod backend;
pub(crate) mod calls;
pub mod deopt;
pub(crate) mod helpers;
pub(crate) mod lower;
pub(crate) mod service;
pub mod stats;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;

use kiln_compiler::bytecode::CodeObject;

use crate::error::PyErr;
use crate::frame::Frame;
use crate::value::Value;
use crate::vm::Vm;
use abi::{from_bits, JitCtx, NONE_BITS, RAISED};
use lower::Entry;
use stats::FuncStats;

/// Default number of calls plus loop back-edges before a compile.
pub const DEFAULT_THRESHOLD: u32 = 1000;

/// Deoptimisations one compiled version may take before it is replaced.
const DEOPT_LIMIT: u32 = 16;

/// Compiles after which a function is compiled without speculation.
const SPECULATIVE_GENERATIONS: u32 = 2;

/// Where a code object stands.
pub enum Tier {
    /// Queued on the compile thread; the interpreter runs it meanwhile.
    Pending,
    Compiled(Entry),
    /// Analysis refused it or code generation failed: stays interpreted.
    Refused(String),
}

struct FuncEntry {
    /// Keeps the code object alive so its address is never reused.
    code: Arc<CodeObject>,
    tier: Tier,
    /// Loop headers compiled code can be entered at, with stack depths.
    osr_headers: Vec<(usize, u32)>,
    stats: FuncStats,
    /// Compiles so far minus one; from `SPECULATIVE_GENERATIONS` on, the
    /// function is compiled without type speculation.
    generation: u32,
    /// Deoptimisations of the current version.
    deopts: u32,
    /// Global-lookup caches of every compiled version (old versions may
    /// still be running further up the stack).
    caches: Vec<backend::GlobalCache>,
}

/// Keys are code-object addresses: hashing them is the identity.
#[derive(Default)]
struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type AddrMap<V> = HashMap<usize, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// Per-isolate JIT state.
pub struct JitState {
    pub enabled: bool,
    pub threshold: u32,
    /// Wait for each compile instead of going on in the interpreter, so
    /// that which code runs where is deterministic (tests, `--jit-sync`).
    pub sync: bool,
    queue: service::Queue,
    funcs: AddrMap<FuncEntry>,
    /// The last code object found refused: back-edges in its loops skip
    /// the table lookup.
    last_refused: usize,
}

impl Default for JitState {
    fn default() -> Self {
        JitState {
            enabled: false,
            threshold: DEFAULT_THRESHOLD,
            sync: false,
            queue: service::Queue::default(),
            funcs: AddrMap::default(),
            last_refused: 0,
        }
    }
}

/// What happened when the interpreter tried compiled code.
pub enum Entered {
    Returned(Value),
    /// Compiled code exited at `frame.pc`, with an exception to raise there
    /// or none (continue interpreting).
    Exited(Option<PyErr>),
}

fn key(code: &Arc<CodeObject>) -> usize {
    Arc::as_ptr(code) as usize
}

impl JitState {
    /// The compiled entry for `f`'s code, if installed. Queues a compile
    /// when the function is hot enough, and a recompile when the current
    /// version keeps deoptimising; never waits for one unless `sync`.
    fn entry_for(&mut self, f: &Frame) -> Option<Entry> {
        if self.queue.pending > 0 {
            while let Some(done) = self.queue.try_receive() {
                self.install(done);
            }
        }
        let k = key(&f.code);
        if k == self.last_refused {
            return None;
        }
        let generation = match self.funcs.get(&k) {
            Some(e) if matches!(e.tier, Tier::Pending) => return None,
            Some(e) if e.deopts < DEOPT_LIMIT || e.generation >= SPECULATIVE_GENERATIONS => {
                return match e.tier {
                    Tier::Compiled(entry) => Some(entry),
                    _ => {
                        self.last_refused = k;
                        None
                    }
                };
            }
            Some(e) => e.generation + 1,
            None => {
                let fb = &f.info.feedback;
                let heat = fb.calls.get().saturating_add(fb.backedges.get());
                if heat < self.threshold {
                    return None;
                }
                0
            }
        };
        // Feedback now includes whatever made the last version deopt.
        let request = service::Request {
            key: k,
            code: f.code.clone(),
            feedback: service::snapshot(&f.info.feedback),
            speculate: generation < SPECULATIVE_GENERATIONS,
        };
        if !self.queue.send(request) {
            self.enabled = false;
            return None;
        }
        let e = self.funcs.entry(k).or_insert_with(|| FuncEntry {
            code: f.code.clone(),
            tier: Tier::Pending,
            osr_headers: Vec::new(),
            stats: FuncStats::default(),
            generation,
            deopts: 0,
            caches: Vec::new(),
        });
        // Old versions' caches stay: they may still run up the stack.
        e.tier = Tier::Pending;
        e.generation = generation;
        e.deopts = 0;
        if !self.sync {
            return None;
        }
        while self.queue.pending > 0 {
            let done = self.queue.receive()?;
            self.install(done);
        }
        match self.funcs.get(&k).map(|e| &e.tier) {
            Some(Tier::Compiled(entry)) => Some(*entry),
            _ => None,
        }
    }

    /// Install a finished compile: its code runs from the next call on.
    fn install(&mut self, done: service::Compiled) {
        let Some(e) = self.funcs.get_mut(&done.key) else {
            return;
        };
        e.stats.compile_micros += done.micros;
        e.stats.compiles += 1;
        e.osr_headers = done.osr_headers;
        e.tier = match done.result {
            Ok((entry, size, cache)) => {
                e.stats.code_bytes += size;
                e.caches.push(cache);
                Tier::Compiled(entry)
            }
            Err(refusal) => Tier::Refused(refusal.to_string()),
        };
    }
}

/// Run compiled code for `f` from `entry_pc` (0: a call; a loop header:
/// OSR). Locals are taken from the frame; for OSR the stack too.
fn run(vm: &mut Vm, f: &mut Frame, entry: Entry, entry_pc: usize) -> Entered {
    let k = key(&f.code);
    let entry_stack = if entry_pc == 0 {
        Vec::new()
    } else {
        std::mem::take(&mut f.stack)
    };
    let mut ctx = JitCtx {
        interrupt: &*vm.interrupt as *const std::sync::atomic::AtomicBool,
        vm: vm as *mut Vm,
        frame: f as *mut Frame,
        err: None,
        exit_pc: 0,
        args: Vec::new(),
        entry_stack,
        exit_reason: 0,
        aux: NONE_BITS,
    };
    // SAFETY: `entry` was produced by `backend::compile` for this code
    // object and follows the `Entry` ABI; the context outlives the call
    // and the VM and frame are not touched by Rust code meanwhile.
    let r = unsafe { entry(&mut ctx, entry_pc as i64) };
    let reason = ctx.exit_reason;
    let exited = r == RAISED;
    if let Some(e) = vm.jit.funcs.get_mut(&k) {
        if entry_pc == 0 {
            e.stats.calls += 1;
        } else {
            e.stats.osr_entries += 1;
        }
        if exited {
            let reason = deopt::Reason::from_u8(reason);
            e.stats.count_exit(reason);
            if reason.is_deopt() {
                e.deopts += 1;
            }
        }
    }
    if exited {
        f.pc = ctx.exit_pc as usize;
        Entered::Exited(ctx.err.take())
    } else {
        // SAFETY: a normal return hands over an owned value.
        Entered::Returned(unsafe { from_bits(r) })
    }
}

/// Interpreter hook at function entry (`f.pc == 0`).
pub fn enter_call(vm: &mut Vm, f: &mut Frame) -> Option<Entered> {
    if !vm.jit.enabled || f.pc != 0 {
        return None;
    }
    let entry = vm.jit.entry_for(f)?;
    Some(run(vm, f, entry, 0))
}

/// Interpreter hook at a taken back-edge to `target` (the frame's stack is
/// the loop header's): enter compiled code there when it exists.
pub fn enter_osr(vm: &mut Vm, f: &mut Frame, target: usize) -> Option<Entered> {
    if !vm.jit.enabled {
        return None;
    }
    let fb = &f.info.feedback;
    if fb.calls.get().saturating_add(fb.backedges.get()) < vm.jit.threshold {
        return None;
    }
    let entry = vm.jit.entry_for(f)?;
    let headers = vm.jit.funcs.get(&key(&f.code)).map(|e| &e.osr_headers)?;
    let expected = headers.iter().find(|(h, _)| *h == target)?.1;
    if f.stack.len() != expected as usize {
        return None;
    }
    Some(run(vm, f, entry, target))
}

/// Per-function statistics, for `kiln run --stats`.
pub fn report(vm: &Vm) -> String {
    stats::render(vm.jit.funcs.values().map(|e| {
        let tier = match &e.tier {
            Tier::Pending => "interp (compile pending)".to_string(),
            Tier::Compiled(_) => "jit".to_string(),
            Tier::Refused(why) => format!("interp ({why})"),
        };
        (e.code.qualname.to_string(), tier, &e.stats)
    }))
}
