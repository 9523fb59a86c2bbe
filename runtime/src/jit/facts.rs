//! What compiled code has proven about the values its locals hold, kept
//! while lowering so later code can skip the checks that proved it
//! (`list_facts.rs`, `inst_facts.rs`).
//!
//! Facts hold from the check that proved them until something could
//! change what they say: a call of code that may run script code, a
//! store to the local, or a join of paths where not all of them proved
//! the same. Bytecode blocks are lowered in offset order, so when one
//! starts, every edge into it from a lower offset has been lowered; the
//! block starts with what all its edges prove (`Lowerer::note_edge`),
//! and with nothing when some edge has not been seen (a loop's
//! back-edge, an OSR entry, an edge the lowering made differently).

use cranelift_codegen::ir::Value;
use cranelift_frontend::Variable;

use super::inst_facts::InstFact;
use super::list_facts::ListFact;
use super::lower::Lowerer;

#[derive(Clone, Default)]
pub(super) struct Facts {
    pub(super) lists: Vec<ListFact>,
    pub(super) instances: Vec<InstFact>,
    /// The isolate's class epoch, as read in this stretch (only script
    /// code changes it).
    pub(super) epoch: Option<Value>,
}

impl Facts {
    fn clear(&mut self) {
        self.lists.clear();
        self.instances.clear();
        self.epoch = None;
    }

    /// Keep only what `other` proves too.
    fn meet(&mut self, other: &Facts) {
        self.lists = self
            .lists
            .iter()
            .filter_map(|f| other.lists.iter().find_map(|g| f.meet(g)))
            .collect();
        self.instances = self
            .instances
            .iter()
            .filter_map(|f| other.instances.iter().find_map(|g| f.meet(g)))
            .collect();
        if self.epoch != other.epoch {
            self.epoch = None;
        }
    }
}

impl Lowerer<'_, '_> {
    /// Forget every fact: the code about to run may change anything.
    pub(super) fn forget_facts(&mut self) {
        self.facts.clear();
    }

    /// Forget the facts about the value local `var` held (it is rebound).
    pub(super) fn forget_facts_of(&mut self, var: Variable) {
        self.facts.lists.retain(|f| f.local != Some(var));
        self.facts.instances.retain(|f| f.local != var);
    }

    /// The current code is about to branch to the bytecode block at
    /// `target`: what holds now holds on that edge.
    pub(super) fn note_edge(&mut self, target: usize) {
        match self.edge_facts.get_mut(&target) {
            Some((edges, f)) => {
                *edges += 1;
                f.meet(&self.facts);
            }
            None => {
                let f = self.facts.clone();
                self.edge_facts.insert(target, (1, f));
            }
        }
    }

    /// The facts at the start of the bytecode block at `start`: what
    /// all its edges proved, when every one of them has been lowered.
    pub(super) fn enter_block_facts(&mut self, start: usize) {
        self.facts = match self.edge_facts.remove(&start) {
            Some((edges, f)) if edges == self.analysis.edges_into(start) => f,
            _ => Facts::default(),
        };
    }
}
