//! `CodeInfo`: what one isolate keeps per code object — its constants and
//! names as ready-made values (so the loop never allocates to load them)
//! its feedback slots and the inline caches of its attribute and global
//! name sites.

use std::cell::Cell;
use std::sync::Arc;

use kiln_compiler::bytecode::{CodeObject, Instr};

use crate::attr_cache::AttrCache;
use crate::feedback::Feedback;
use crate::value::Value;

pub struct CodeInfo {
    /// The code object this describes (so the loop can reach it through
    /// the non-atomic `Rc<CodeInfo>` without touching the `Arc`'s count).
    pub code: Arc<CodeObject>,
    /// `consts`, converted to values once.
    pub consts: Vec<Value>,
    /// `names`, as str values (their hashes are cached on first use).
    pub names: Vec<Value>,
    pub feedback: Feedback,
    /// Attribute-site caches, indexed by feedback slot.
    pub attr_cache: AttrCache,
    /// `LoadGlobal` caches, indexed like `names`.
    pub global_cache: Box<[GlobalSite]>,
    /// The instructions the interpreter runs: `code.code` with frequent
    /// pairs fused (`fuse_pairs`), at the same indices.
    pub interp: Box<[Instr]>,
    /// Slots of a call frame's locals: `varnames`, then one per cell
    /// and free variable.
    pub nlocals: usize,
    /// The code has cell or free variables (its frames need cells made).
    pub has_cells: bool,
}

/// `code` with each frequent pair of instructions replaced, in its first
/// instruction's place, by the one interpreter-only instruction that does
/// both; the second stays (a jump to it runs it alone), so every index —
/// jump targets, exception ranges, line numbers, OSR entries — keeps its
/// meaning.
pub fn fuse_pairs(code: &[Instr]) -> Box<[Instr]> {
    let pair = |a: Instr, b: Instr| -> Option<Instr> {
        let small = |x: u32| u16::try_from(x).ok();
        Some(match (a, b) {
            (Instr::LoadFast { idx: a }, Instr::LoadFast { idx: b }) => Instr::LoadFastLoadFast {
                a: small(a)?,
                b: small(b)?,
            },
            (Instr::LoadFast { idx }, Instr::LoadConst { idx: c }) => Instr::LoadFastLoadConst {
                local: small(idx)?,
                idx: small(c)?,
            },
            (Instr::LoadFast { idx }, Instr::LoadAttr { name, slot }) => Instr::LoadFastLoadAttr {
                local: small(idx)?,
                name: small(name)?,
                slot,
            },
            (Instr::LoadFast { idx }, Instr::LoadMethod { name, slot }) => {
                Instr::LoadFastLoadMethod {
                    local: small(idx)?,
                    name: small(name)?,
                    slot,
                }
            }
            (Instr::LoadConst { idx }, Instr::Binary { op, slot }) => Instr::BinaryConst {
                op,
                idx: small(idx)?,
                slot,
            },
            (Instr::LoadConst { idx }, Instr::InPlace { op, slot }) => Instr::InPlaceConst {
                op,
                idx: small(idx)?,
                slot,
            },
            (Instr::LoadFast { idx }, Instr::Binary { op, slot }) => Instr::BinaryFast {
                op,
                local: small(idx)?,
                slot,
            },
            (Instr::LoadConst { idx }, Instr::Compare { op, slot }) => Instr::CompareConst {
                op,
                idx: small(idx)?,
                slot,
            },
            (Instr::LoadFast { idx }, Instr::Compare { op, slot }) => Instr::CompareFast {
                op,
                local: small(idx)?,
                slot,
            },
            (Instr::LoadConst { idx }, Instr::Subscr { slot }) => Instr::SubscrConst {
                idx: small(idx)?,
                slot,
            },
            (Instr::Copy { n: 1 }, Instr::LoadAttr { name, slot }) => Instr::CopyLoadAttr {
                name: small(name)?,
                slot,
            },
            (Instr::Swap { n: 2 }, Instr::StoreAttr { name, slot }) => Instr::SwapStoreAttr {
                name: small(name)?,
                slot,
            },
            (Instr::Copy { n: 2 }, Instr::Copy { n: 2 }) => Instr::CopyTwo,
            (Instr::Swap { n: 3 }, Instr::Swap { n: 2 }) => Instr::SwapThreeTwo,
            (Instr::ForIter { target, .. }, Instr::StoreFast { idx }) => Instr::ForIterStore {
                target,
                local: small(idx)?,
            },
            (Instr::StoreFast { idx: a }, Instr::LoadFast { idx: b }) => Instr::StoreFastLoadFast {
                a: small(a)?,
                b: small(b)?,
            },
            (Instr::LoadDeref { idx }, Instr::LoadAttr { name, slot }) => {
                Instr::LoadDerefLoadAttr {
                    idx: small(idx)?,
                    name: small(name)?,
                    slot,
                }
            }
            _ => return None,
        })
    };
    // Pairs that consume what their first instruction pushes save more
    // than two loads run as one.
    let consumes = |i: &Instr| {
        matches!(
            i,
            Instr::LoadFastLoadAttr { .. }
                | Instr::LoadFastLoadMethod { .. }
                | Instr::BinaryConst { .. }
                | Instr::InPlaceConst { .. }
                | Instr::BinaryFast { .. }
                | Instr::CompareConst { .. }
                | Instr::CompareFast { .. }
                | Instr::SubscrConst { .. }
        )
    };
    let two_loads = |i: &Instr| {
        matches!(
            i,
            Instr::LoadFastLoadFast { .. }
                | Instr::LoadFastLoadConst { .. }
                | Instr::StoreFastLoadFast { .. }
        )
    };
    let mut out: Vec<Instr> = code.to_vec();
    // Right to left, so each pair knows what its second instruction became:
    // `LoadFast a; LoadFast b; LoadAttr` runs as `LoadFast a` then the
    // fused `LoadFast b; LoadAttr` (no reference copied for `b`), and
    // `LoadFast a; LoadConst c; Binary` as `LoadFast a` then `BinaryConst`.
    for i in (0..code.len().saturating_sub(1)).rev() {
        let (Some(&a), Some(&b)) = (code.get(i), code.get(i + 1)) else {
            continue;
        };
        let Some(f) = pair(a, b) else {
            continue;
        };
        if two_loads(&f) && out.get(i + 1).is_some_and(consumes) {
            continue;
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = f;
        }
    }
    out.into_boxed_slice()
}

/// Where a global name was last found. Only a hint: a hit is confirmed by
/// the key object at the remembered index (names are interned), and a
/// builtins hit also needs the globals dict's key-set version to be the
/// one in which the name was seen absent.
#[derive(Default)]
pub struct GlobalSite {
    /// Entry index + 1 in globals (or builtins, see `globals_version`); 0
    /// when empty.
    pub index: Cell<u32>,
    /// 0: the index is into globals; else the globals key-set version in
    /// which the name was missing and the index is into builtins.
    pub globals_version: Cell<u64>,
}
