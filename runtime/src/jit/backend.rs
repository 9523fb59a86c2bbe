//! The Cranelift side: one `JITModule` per isolate, and `compile`, which
//! turns an analysed code object into a callable `Entry`.
//!
//! Code memory lives as long as the isolate it was compiled for; functions are
//! finalized one at a time, so each costs at least a page. The codegen
//! context and the builder context are reused between compiles; the
//! verifier runs only in debug builds.

use std::sync::Arc;

use cranelift_codegen::ir::{types, AbiParam, FuncRef, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};

use kiln_compiler::bytecode::{CodeObject, Instr};

use super::analyze::{analyze, Refusal};
use super::direct::{unboxed_signature, CallSite};
use super::globals::SlotCell;
use super::inline::{InlineCandidate, InlineSite};
use super::inst_attrs::{InstAttrCell, MethodCell};
use super::lower::{Entry, Lowerer};
use super::pure;
use super::range_loop;
use super::types::{infer, Speculation};
use crate::feedback::Feedback;

/// A function compiled and installed in the module.
pub struct Built {
    pub entry: Entry,
    pub code_bytes: usize,
    pub cells: SiteCells,
    /// `direct::unboxed_signature` of the code.
    pub unboxed_sig: u64,
}

/// The per-site caches one compiled version points at: `LoadGlobal`
/// cells and cells for attributes of globals (`globals.rs`: modules), instance
/// attribute cells, and direct-call sites (`direct`).
pub struct SiteCells {
    pub globals: Box<[SlotCell]>,
    pub global_attrs: Box<[SlotCell]>,
    /// One per other `LoadAttr` and every `StoreAttr` (`inst_attrs.rs`).
    pub inst_attrs: Box<[InstAttrCell]>,
    /// One per `LoadMethod` that is not an attribute of a global.
    pub methods: Box<[MethodCell]>,
    pub calls: Box<[CallSite]>,
    /// One per `Call`, for the pure-leaf functions inlined there.
    pub inlines: Box<[InlineSite]>,
    /// The inlined functions' code: kept alive so that the addresses
    /// the inline sites compare with are never reused.
    #[allow(dead_code)] // held for ownership, never read
    pub inlined: Vec<Arc<CodeObject>>,
}

/// Whether the instruction at `pc` reads an attribute of the value a
/// `LoadGlobal` just pushed (`math.sqrt`): such sites get a module cell.
pub(super) fn is_global_attr(code: &CodeObject, pc: usize) -> bool {
    let attr = matches!(
        code.code.get(pc),
        Some(Instr::LoadAttr { .. } | Instr::LoadMethod { .. })
    );
    let after_global = pc
        .checked_sub(1)
        .and_then(|p| code.code.get(p))
        .is_some_and(|i| matches!(i, Instr::LoadGlobal { .. }));
    attr && after_global
}

pub struct Backend {
    module: JITModule,
    fctx: FunctionBuilderContext,
    ctx: cranelift_codegen::Context,
    next_id: u32,
}

fn codegen(e: impl std::fmt::Display) -> Refusal {
    Refusal::Codegen(e.to_string())
}

impl Backend {
    pub fn new() -> Result<Backend, Refusal> {
        let mut flags = settings::builder();
        flags
            .set("use_colocated_libcalls", "false")
            .map_err(codegen)?;
        flags.set("is_pic", "false").map_err(codegen)?;
        flags.set("opt_level", "speed").map_err(codegen)?;
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        flags.set("enable_verifier", verify).map_err(codegen)?;
        let isa = cranelift_native::builder()
            .map_err(codegen)?
            .finish(settings::Flags::new(flags))
            .map_err(codegen)?;
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Ok(Backend {
            module,
            fctx: FunctionBuilderContext::new(),
            ctx,
            next_id: 0,
        })
    }

    /// Free every function this backend compiled.
    pub fn free(self) {
        // SAFETY: called only once the isolate that ran this code is gone
        // (`service::Queue::drop`), so no compiled function is running or
        // can be entered again.
        unsafe { self.module.free_memory() }
    }

    /// Compile `code` with its feedback (speculating on types unless told
    /// not to); returns the entry, the code size and the global-lookup
    /// cache cells the code points at (which must outlive the code).
    pub fn compile(
        &mut self,
        code: &CodeObject,
        feedback: &Feedback,
        speculate: Speculation,
        inline: &[InlineCandidate],
        global_names: &[u32],
        count_calls: bool,
    ) -> Result<Built, Refusal> {
        let count = |want: fn(&Instr) -> bool| code.code.iter().filter(|i| want(i)).count();
        let globals = count(|i| matches!(i, Instr::LoadGlobal { .. }));
        let calls = count(|i| matches!(i, Instr::Call { .. } | Instr::CallMethod { .. }));
        let plain_calls = match inline.is_empty() {
            true => 0,
            false => count(|i| matches!(i, Instr::Call { .. })),
        };
        let global_attrs = (0..code.code.len())
            .filter(|&pc| is_global_attr(code, pc))
            .count();
        let inst_attrs = (0..code.code.len())
            .filter(|&pc| match code.code[pc] {
                Instr::LoadAttr { .. } => !is_global_attr(code, pc),
                Instr::StoreAttr { .. } => true,
                _ => false,
            })
            .count();
        let methods = (0..code.code.len())
            .filter(|&pc| {
                matches!(code.code[pc], Instr::LoadMethod { .. }) && !is_global_attr(code, pc)
            })
            .count();
        let cache = SiteCells {
            globals: (0..globals).map(|_| SlotCell::default()).collect(),
            global_attrs: (0..global_attrs).map(|_| SlotCell::default()).collect(),
            inst_attrs: (0..inst_attrs).map(|_| InstAttrCell::default()).collect(),
            methods: (0..methods).map(|_| MethodCell::default()).collect(),
            calls: (0..calls).map(|_| CallSite::default()).collect(),
            inlines: (0..plain_calls).map(|_| InlineSite::default()).collect(),
            inlined: inline.iter().map(|c| c.code.clone()).collect(),
        };
        // Pure recursive candidates first, as functions of their own
        // (the context is reused for the caller below).
        let mut pure_ids: Vec<Option<FuncId>> = Vec::with_capacity(inline.len());
        for c in inline {
            let id = match c.recursive {
                true => {
                    self.next_id += 1;
                    let name = format!("kiln_pure_{}", self.next_id);
                    let (module, ctx, fctx) = (&mut self.module, &mut self.ctx, &mut self.fctx);
                    // A refusal leaves the ordinary call at its sites.
                    pure::define(module, ctx, fctx, &c.code, &name).ok()
                }
                false => None,
            };
            pure_ids.push(id);
        }
        let analysis = analyze(code)?;
        let ranges = range_loop::find(code, &analysis, speculate.sites);
        let types = infer(code, &analysis, feedback, speculate, &ranges);
        let unboxed_sig = unboxed_signature(code, &types.locals);
        let mut sig = self.module.make_signature();
        for _ in 0..2 + super::abi::REG_ARGS {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I64));
        self.next_id += 1;
        let name = format!("kiln_jit_{}", self.next_id);
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(codegen)?;
        let ctx = &mut self.ctx;
        self.module.clear_context(ctx);
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::user(0, id.as_u32());
        let call_conv = self.module.isa().default_call_conv();
        let config = self.module.target_config();
        let pure_fns: Vec<Option<FuncRef>> = pure_ids
            .iter()
            .map(|id| id.map(|id| self.module.declare_func_in_func(id, &mut ctx.func)))
            .collect();
        {
            let bcx = FunctionBuilder::new(&mut ctx.func, &mut self.fctx);
            let parts = (feedback, &analysis, &types, &ranges, &cache);
            Lowerer::new(bcx, code, parts, call_conv)
                .with_inline(inline, pure_fns)
                .counting_calls(count_calls)
                .with_global_names(global_names)
                .lower(config);
        }
        let dump = dump_requested();
        ctx.set_disasm(dump);
        self.module
            .define_function(id, ctx)
            .map_err(|e| codegen(format!("{e:?}")))?;
        if dump {
            dump_compiled(&code.name, ctx);
        }
        let size = ctx.compiled_code().map_or(0, |c| c.code_buffer().len());
        self.module.clear_context(ctx);
        self.module.finalize_definitions().map_err(codegen)?;
        let ptr = self.module.get_finalized_function(id);
        // SAFETY: the function was built with the `Entry` signature
        // (i64 params, one i64 result, the host's C convention).
        let entry = unsafe { std::mem::transmute::<*const u8, Entry>(ptr) };
        Ok(Built {
            entry,
            code_bytes: size,
            cells: cache,
            unboxed_sig,
        })
    }
}

/// `KILN_JIT_DUMP=1`: print each compiled function's optimised IR and
/// machine code to stderr (for people working on the JIT).
pub(super) fn dump_requested() -> bool {
    static DUMP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DUMP.get_or_init(|| std::env::var("KILN_JIT_DUMP").is_ok_and(|v| v == "1"))
}

pub(super) fn dump_compiled(name: &str, ctx: &cranelift_codegen::Context) {
    let disasm = ctx
        .compiled_code()
        .and_then(|c| c.vcode.as_deref())
        .unwrap_or("");
    use std::io::Write;
    // A closed stderr (a pager quit early) must not panic the compile thread.
    let _ = writeln!(
        std::io::stderr(),
        "=== {name}: IR\n{}\n=== {name}: machine code\n{disasm}",
        ctx.func.display()
    );
}
