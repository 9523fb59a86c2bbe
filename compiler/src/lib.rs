//! kiln-compiler: Python-subset source text to immutable bytecode.
//!
//! Pipeline: `lexer` (logos tokens + indentation) → `parser` (AST) →
//! `scope` (locals, globals, cells) → `emit` (code objects). Nothing here
//! depends on the runtime.

pub mod ast;
pub mod bytecode;
pub mod emit;
pub mod error;
pub mod lexer;
pub mod literal;
pub mod outside_builtins;
pub mod parser;
pub mod scope;
pub mod stackdepth;
pub mod token;

use std::sync::Arc;

pub use error::{CompileError, ErrorKind};

/// Stack for the compiler thread: the passes recurse over the (depth-capped)
/// syntax tree, and debug builds use large frames.
const COMPILER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Compile a module. `filename` is used in errors and in every code object.
pub fn compile(source: &str, filename: &str) -> Result<Arc<bytecode::CodeObject>, CompileError> {
    // Python reads "\r\n" and "\r" as "\n".
    let normalized;
    let source = if source.contains('\r') {
        normalized = source.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        source
    };
    let run = || compile_on_this_thread(source, filename);
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("kiln-compile".into())
            .stack_size(COMPILER_STACK_BYTES)
            .spawn_scoped(s, run)
        {
            Ok(handle) => match handle.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            // No thread available: compile here (nesting caps still apply).
            Err(_) => compile_on_this_thread(source, filename),
        }
    })
}

fn compile_on_this_thread(
    source: &str,
    filename: &str,
) -> Result<Arc<bytecode::CodeObject>, CompileError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let result = lexer::tokenize_lenient(source)
        .and_then(|(tokens, unclosed)| {
            let eof = tokens
                .iter()
                .rev()
                .find(|t| t.tok == token::Tok::Newline)
                .map(|t| (t.line, t.col));
            match (parser::parse_module(tokens), unclosed) {
                (Ok(_), Some(unclosed)) => Err(unclosed),
                (Err(e), Some(unclosed))
                    if Some((e.line, e.col)) == eof || e.line > unclosed.line =>
                {
                    Err(unclosed)
                }
                (result, _) => result,
            }
        })
        .and_then(|module| {
            let scopes = scope::analyze(&module)?;
            emit::emit_module(&module, &scopes, filename)
        });
    result.map_err(|e| e.into_compile_error(source, filename))
}
