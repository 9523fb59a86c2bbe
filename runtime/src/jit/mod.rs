//! The Cranelift JIT (tier 2): hot functions are compiled from their
//! bytecode plus the interpreter's type feedback, and entered from the
//! interpreter at a call (`enter_call`) or at a loop header (`enter_osr`).
//!
//! One file per concern: `abi` (bits and the activation record), `analyze`
//! (reachability, stack depths, refusals), `types` (which values and
//! locals are unboxed, from feedback), `lower` (IR building; `arith` for
//! arithmetic, guards and boxing), `range_loop` (`for x in range(...)`
//! as a native counted loop), `items` (inline list indexing),
//! `natives` (`math` functions as native operations), `layout` (the
//! object fields compiled code reads), `helpers` (the `extern "C"` runtime
//! calls; `calls` for calls), `direct` (direct machine calls between
//! compiled functions), `globals` (`LoadGlobal` and module attributes
//! inline), `inst_attrs` (instance attributes inline), `cells`
//! (closures: cell and free variables),
//! `deopt` (exits back to the interpreter),
//! `service` (the compile thread), `backend` (the Cranelift module),
//! `stats` (`--stats`).
//!
//! Compiled code never bakes in an isolate's heap objects: constants on
//! the heap, names, globals and attribute caches are reached through
//! helpers and the frame (or the function, in a frameless call); the
//! other addresses it embeds are process-wide (helpers, `math` functions)
//! or its own `LoadGlobal` and call-site cache cells. Why code is not yet shared between
//! isolates (workers): those cells are per compiled version and written by
//! the isolate that runs it, so a shared version would need its cells
//! passed in the activation instead of embedded; and the type feedback a
//! version is specialised to is one isolate's. Until then each isolate
//! compiles its own hot functions (on the shared compile thread, into its
//! own `JITModule`, freed with it). Compiles run on a background thread (`service`): the
//! call that crosses the threshold queues the function and goes on in the
//! interpreter, and the machine code is installed at the first call after
//! it arrives. Nothing here ever changes what a program prints.

pub mod abi;
pub mod analyze;
pub(crate) mod arith;
pub(crate) mod backend;
pub(crate) mod calls;
pub(crate) mod cells;
pub mod deopt;
pub(crate) mod direct;
pub(crate) mod facts;
pub(crate) mod globals;
pub(crate) mod helpers;
pub(crate) mod inline;
pub(crate) mod inst_attrs;
pub(crate) mod inst_facts;
pub(crate) mod items;
pub mod layout;
pub(crate) mod list_facts;
pub(crate) mod lower;
pub(crate) mod natives;
pub(crate) mod pure;
pub(crate) mod range_loop;
pub(crate) mod service;
pub mod stats;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;

use kiln_compiler::bytecode::CodeObject;

use crate::error::{PyErr, PyResult};
use crate::feedback::Feedback;
use crate::frame::Frame;
use crate::object::FunctionObj;
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
    /// `direct::unboxed_signature` of the current compiled version.
    unboxed_sig: u64,
    /// Global-lookup caches of every compiled version (old versions may
    /// still be running further up the stack).
    caches: Vec<backend::SiteCells>,
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
    /// Count direct calls per function (`--stats`); off, compiled code
    /// skips the counter.
    pub count_calls: bool,
    queue: service::Queue,
    funcs: AddrMap<FuncEntry>,
    /// The last code object found refused: back-edges in its loops skip
    /// the table lookup.
    last_refused: usize,
    /// Values staged for the next build helper (`helpers::arg`).
    pub(crate) staged: Vec<Value>,
    /// The last function called in compiled code: a call to it again (a
    /// recursion, a call in a loop) skips the table lookup.
    hot: Option<Hot>,
    /// The entries direct calls read (`direct.rs`), by code key; never
    /// removed, so their addresses stay valid for the isolate's life.
    cells: AddrMap<Box<direct::EntryCell>>,
}

struct Hot {
    key: usize,
    entry: Entry,
    /// Calls through this cache, not yet added to the function's stats.
    calls: u64,
}

impl Default for JitState {
    fn default() -> Self {
        JitState {
            enabled: false,
            threshold: DEFAULT_THRESHOLD,
            sync: false,
            count_calls: false,
            queue: service::Queue::default(),
            funcs: AddrMap::default(),
            last_refused: 0,
            hot: None,
            staged: Vec::new(),
            cells: AddrMap::default(),
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
    /// The compiled entry for a call of `code`, counted as a compiled call.
    #[inline]
    pub(crate) fn entry_for_call(
        &mut self,
        code: &Arc<CodeObject>,
        feedback: &Feedback,
        globals: &Value,
    ) -> Option<Entry> {
        if let Some(h) = &mut self.hot {
            if h.key == key(code) && self.queue.pending == 0 {
                h.calls += 1;
                return Some(h.entry);
            }
        }
        let entry = self.entry_for(code, feedback, globals)?;
        self.flush_hot();
        self.hot = Some(Hot {
            key: key(code),
            entry,
            calls: 1,
        });
        Some(entry)
    }

    /// Add the hot cache's calls to its function's stats and drop it.
    fn flush_hot(&mut self) {
        if let Some(h) = self.hot.take() {
            if let Some(e) = self.funcs.get_mut(&h.key) {
                e.stats.calls += h.calls;
            }
        }
    }

    /// The entry a direct call of `k` may take without `entry_for`: the
    /// installed one exactly when `entry_for` would return it with no
    /// side effect (no recompile due); else 0.
    fn published(&self, k: usize) -> usize {
        if !self.enabled {
            return 0;
        }
        match self.funcs.get(&k) {
            Some(e) if e.deopts < DEOPT_LIMIT || e.generation >= SPECULATIVE_GENERATIONS => {
                match e.tier {
                    Tier::Compiled(entry) => entry as usize,
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    /// Bring `k`'s entry cell (if any) up to date after its tier changed.
    fn publish(&self, k: usize) {
        if let Some(cell) = self.cells.get(&k) {
            let (entry, sig) = self.published_with_sig(k);
            cell.entry.set(entry);
            cell.sig.set(sig);
        }
    }

    /// `published(k)` and, when that is an entry, its unboxed signature.
    fn published_with_sig(&self, k: usize) -> (usize, u64) {
        let entry = self.published(k);
        let sig = match (entry, self.funcs.get(&k)) {
            (1.., Some(e)) => e.unboxed_sig,
            _ => 0,
        };
        (entry, sig)
    }

    /// The entry cell of `code`, made on first use.
    pub(crate) fn entry_cell(&mut self, code: &Arc<CodeObject>) -> *const direct::EntryCell {
        let k = key(code);
        let (entry, sig) = self.published_with_sig(k);
        let cell = self.cells.entry(k).or_default();
        cell.entry.set(entry);
        cell.sig.set(sig);
        &**cell as *const direct::EntryCell
    }

    /// The compiled entry for `code`, if installed. Queues a compile
    /// when the function is hot enough, and a recompile when the current
    /// version keeps deoptimising; never waits for one unless `sync`.
    /// `globals` is the module dict of the function, where the pure-leaf
    /// functions it calls are looked up (`inline.rs`).
    fn entry_for(
        &mut self,
        code: &Arc<CodeObject>,
        feedback: &Feedback,
        globals: &Value,
    ) -> Option<Entry> {
        if self.queue.pending > 0 {
            while let Some(done) = self.queue.try_receive() {
                self.install(done);
            }
        }
        let k = key(code);
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
                        feedback.recording.set(false);
                        None
                    }
                };
            }
            Some(e) => e.generation + 1,
            None => {
                let heat = feedback
                    .calls
                    .get()
                    .saturating_add(feedback.backedges.get());
                if heat < self.threshold {
                    return None;
                }
                0
            }
        };
        // Feedback now includes whatever made the last version deopt.
        let global_names = globals::names_bound_in(code, globals);
        let inline = match generation < SPECULATIVE_GENERATIONS {
            true => inline::candidates(code, globals, &global_names),
            false => Vec::new(),
        };
        let request = service::Request {
            key: k,
            code: code.clone(),
            feedback: service::snapshot(feedback),
            // Parameter kinds only at first: a second compile follows
            // deopts, maybe at entry, where feedback may not widen (a
            // bool passed where ints were seen).
            speculate: types::Speculation {
                sites: generation < SPECULATIVE_GENERATIONS,
                params: generation == 0,
            },
            count_calls: self.count_calls,
            global_names,
            inline,
        };
        if !self.queue.send(request) {
            self.enabled = false;
            for cell in self.cells.values() {
                cell.entry.set(0);
            }
            return None;
        }
        self.flush_hot();
        let e = self.funcs.entry(k).or_insert_with(|| FuncEntry {
            code: code.clone(),
            tier: Tier::Pending,
            osr_headers: Vec::new(),
            stats: FuncStats::default(),
            generation,
            deopts: 0,
            unboxed_sig: 0,
            caches: Vec::new(),
        });
        // Old versions' caches stay: they may still run up the stack.
        e.tier = Tier::Pending;
        e.generation = generation;
        e.deopts = 0;
        self.publish(k);
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
        self.flush_hot();
        let Some(e) = self.funcs.get_mut(&done.key) else {
            return;
        };
        e.stats.compile_micros += done.micros;
        e.stats.compiles += 1;
        e.osr_headers = done.osr_headers;
        e.tier = match done.result {
            Ok(built) => {
                e.stats.code_bytes += built.code_bytes;
                e.caches.push(built.cells);
                e.unboxed_sig = built.unboxed_sig;
                Tier::Compiled(built.entry)
            }
            Err(refusal) => Tier::Refused(refusal.to_string()),
        };
        self.publish(done.key);
    }
}

/// Count an exit of `code`'s compiled code (`deopt::Reason` as a byte);
/// a deoptimisation counts towards a recompile.
pub(crate) fn count_exit(vm: &mut Vm, code: &Arc<CodeObject>, reason: u8) {
    let jit = &mut vm.jit;
    jit.flush_hot();
    if let Some(e) = jit.funcs.get_mut(&key(code)) {
        let reason = deopt::Reason::from_u8(reason);
        e.stats.count_exit(reason);
        if reason.is_deopt() {
            e.deopts += 1;
            if e.deopts == DEOPT_LIMIT {
                // A recompile is due: direct calls go through `entry_for`.
                jit.publish(key(code));
            }
        }
    }
}

/// Run compiled code for `f` from `entry_pc` (0: a call; a loop header:
/// OSR). Locals are taken from the frame; for OSR the stack too.
fn run(vm: &mut Vm, f: &mut Frame, entry: Entry, entry_pc: usize) -> Entered {
    let mut osr_stack = if entry_pc == 0 {
        Vec::new()
    } else {
        std::mem::take(&mut f.stack)
    };
    let mut ctx = JitCtx {
        interrupt: &*vm.interrupt as *const std::sync::atomic::AtomicBool,
        vm: vm as *mut Vm,
        frame: f as *mut Frame,
        func: std::ptr::null(),
        call_args: std::ptr::null(),
        call_nargs: 0,
        err: None,
        exit_pc: 0,
        entry_stack: if entry_pc == 0 {
            std::ptr::null_mut()
        } else {
            &mut osr_stack
        },
        exit_reason: 0,
        aux: NONE_BITS,
        consts: f.info.consts.as_ptr(),
    };
    // SAFETY: `entry` was produced by `backend::compile` for this code
    // object and follows the `Entry` ABI; the context outlives the call
    // and the VM and frame are not touched by Rust code meanwhile.
    let r = unsafe { entry(&mut ctx, entry_pc as i64, 0, 0, 0, 0) };
    if entry_pc != 0 {
        if let Some(e) = vm.jit.funcs.get_mut(&key(f.code())) {
            e.stats.osr_entries += 1;
        }
    }
    if r == RAISED {
        count_exit(vm, f.code(), ctx.exit_reason);
        f.pc = ctx.exit_pc as usize;
        Entered::Exited(ctx.err.take().map(|e| *e))
    } else {
        // SAFETY: a normal return hands over an owned value.
        Entered::Returned(unsafe { from_bits(r) })
    }
}

/// A frameless call: run `func`'s compiled code with `n` owned arguments
/// at `args` (exactly its positional parameters), without an interpreter
/// frame. An exit builds the frame then (`helpers::exit_with`) and the
/// interpreter finishes the call, so the result is the same either way.
///
/// # Safety
/// `entry` is `func`'s compiled code; `args` holds `n` owned values, which
/// this call consumes.
pub(crate) unsafe fn call_frameless(
    vm: &mut Vm,
    func: &FunctionObj,
    entry: Entry,
    args: *const i64,
    n: usize,
) -> PyResult<Value> {
    let mut ctx = JitCtx {
        interrupt: &*vm.interrupt as *const std::sync::atomic::AtomicBool,
        vm: vm as *mut Vm,
        frame: std::ptr::null_mut(),
        func: func as *const FunctionObj,
        call_args: args,
        call_nargs: n,
        err: None,
        exit_pc: 0,
        entry_stack: std::ptr::null_mut(),
        exit_reason: 0,
        aux: NONE_BITS,
        consts: func.info.consts.as_ptr(),
    };
    // SAFETY: as `run`; the function outlives the call (the caller holds
    // a reference to it) and `take_locals` consumes the arguments.
    let r = unsafe { entry(&mut ctx, 0, 0, 0, 0, 0) };
    if r == RAISED {
        Err(ctx.err.take().map_or_else(
            || PyErr::runtime_error("compiled code raised no exception"),
            |e| *e,
        ))
    } else {
        // SAFETY: a normal return hands over an owned value.
        Ok(unsafe { from_bits(r) })
    }
}

/// Interpreter hook at function entry (`f.pc == 0`).
pub fn enter_call(vm: &mut Vm, f: &mut Frame) -> Option<Entered> {
    if !vm.jit.enabled || f.pc != 0 {
        return None;
    }
    let entry = vm
        .jit
        .entry_for_call(f.code(), &f.info.feedback, &f.globals)?;
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
    let entry = vm.jit.entry_for(f.code(), &f.info.feedback, &f.globals)?;
    let headers = vm.jit.funcs.get(&key(f.code())).map(|e| &e.osr_headers)?;
    let expected = headers.iter().find(|(h, _)| *h == target)?.1;
    if f.stack.len() != expected as usize {
        return None;
    }
    Some(run(vm, f, entry, target))
}

/// Per-function statistics, for `kiln run --stats`.
pub fn report(vm: &Vm) -> String {
    let rows: Vec<(String, String, FuncStats)> = vm
        .jit
        .funcs
        .iter()
        .map(|(k, e)| {
            let tier = match &e.tier {
                Tier::Pending => "interp (compile pending)".to_string(),
                Tier::Compiled(_) => "jit".to_string(),
                Tier::Refused(why) => format!("interp ({why})"),
            };
            let mut stats = e.stats.clone();
            // Calls through the hot cache are not in the table yet.
            if let Some(h) = vm.jit.hot.as_ref().filter(|h| h.key == *k) {
                stats.calls += h.calls;
            }
            if let Some(cell) = vm.jit.cells.get(k) {
                stats.calls += cell.calls.get();
            }
            (e.code.qualname.to_string(), tier, stats)
        })
        .collect();
    stats::render(rows.iter().map(|(n, t, s)| (n.clone(), t.clone(), s)))
}
