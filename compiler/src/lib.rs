//! kiln-compiler: Python-subset source text to immutable bytecode.
//!
//! Pipeline: `lexer` (logos tokens + indentation) → `parser` (AST) →
//! `scope` (locals, globals, cells) → `emit` (code objects). Nothing here
//! depends on the runtime.

pub mod bytecode;
