//! `Isolate`: the host's narrow API over a `Vm` — compile and run a script
//! as `__main__`, capture output, interrupt a runaway script, and render an
//! uncaught exception as CPython's traceback text.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::dict::Dict;
use crate::error::ExcKind;
use crate::int::int_ref;
use crate::value::Value;
use crate::vm::Vm;

/// Isolate options.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub jit: bool,
    pub stats: bool,
    /// Calls plus loop back-edges before a function is compiled (JIT).
    pub jit_threshold: Option<u32>,
    /// Wait for each compile instead of compiling in the background
    /// (deterministic tiering, for tests; also `KILN_JIT_SYNC=1`).
    pub jit_sync: bool,
}

/// Why a run did not complete normally.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Compile(kiln_compiler::CompileError),
    /// An uncaught exception: `traceback` is the full text CPython would
    /// print to stderr (empty for `SystemExit` with a numeric code).
    #[error("{traceback}")]
    Uncaught { traceback: String, exit_code: i32 },
    #[error("{0}")]
    Io(std::io::Error),
}

/// One VM instance, owned by one thread.
pub struct Isolate {
    vm: Vm,
    options: Options,
}

impl Isolate {
    pub fn new(options: Options) -> Isolate {
        let mut vm = Vm::new();
        vm.stats = options.stats;
        // `KILN_JIT=0` is the kill switch, whatever the options say.
        vm.jit.enabled = options.jit && std::env::var("KILN_JIT").map_or(true, |v| v != "0");
        vm.jit.count_calls = options.stats;
        vm.jit.sync = options.jit_sync || std::env::var("KILN_JIT_SYNC").is_ok_and(|v| v == "1");
        if let Some(t) = options.jit_threshold {
            vm.jit.threshold = t;
        }
        Isolate { vm, options }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Send script output to `sink` instead of stdout.
    pub fn set_stdout(&mut self, sink: Box<dyn Write>) {
        self.vm.set_stdout(sink);
    }

    /// Compile and run a file as `__main__`; flushes stdout before returning.
    pub fn run_file(&mut self, path: &Path) -> Result<(), RunError> {
        let source = std::fs::read_to_string(path).map_err(RunError::Io)?;
        if let Some(dir) = path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            self.vm.main_dir = Some(dir.to_path_buf());
        }
        self.run_source(&source, &path.to_string_lossy())
    }

    /// Compile and run source text as `__main__`.
    pub fn run_source(&mut self, source: &str, filename: &str) -> Result<(), RunError> {
        let code = kiln_compiler::compile(source, filename).map_err(RunError::Compile)?;
        self.vm.sources.insert(filename.to_string(), source.into());
        let mut globals = Dict::new();
        globals.set_name("__name__", Value::from_str("__main__"));
        globals.set_name("__builtins__", self.vm.builtins.clone());
        let globals = Value::dict(globals);
        let module = self.vm.new_module("__main__", vec![]);
        self.vm.modules.insert("__main__".into(), module);
        let result = self.vm.run_module_code(&code, globals);
        crate::finalize::run_pending(&mut self.vm);
        let flushed = self.vm.flush();
        if self.options.stats && self.vm.jit.enabled {
            eprint!("{}", crate::jit::report(&self.vm));
        }
        match result {
            Ok(_) => {
                flushed.map_err(|_| RunError::Io(std::io::Error::other("could not write output")))
            }
            Err(mut err) => {
                let exc = self.vm.exc_value(&mut err);
                if self
                    .vm
                    .is_instance(&exc, &self.vm.exc_type(ExcKind::SystemExit))
                {
                    return Err(self.system_exit(&exc));
                }
                let traceback = self.vm.format_exception(&exc);
                Err(RunError::Uncaught {
                    traceback,
                    exit_code: 1,
                })
            }
        }
    }

    fn system_exit(&mut self, exc: &Value) -> RunError {
        let arg = exc
            .as_exception()
            .and_then(|e| e.args.borrow().as_tuple().and_then(|t| t.first().cloned()))
            .unwrap_or_default();
        if arg.is_none() {
            return RunError::Uncaught {
                traceback: String::new(),
                exit_code: 0,
            };
        }
        if let Some(i) = int_ref(&arg) {
            let code = match i {
                crate::int::IntRef::Small(n) => n as i32,
                crate::int::IntRef::Big(_) => 1,
            };
            return RunError::Uncaught {
                traceback: String::new(),
                exit_code: code,
            };
        }
        let text = self.vm.str(&arg).unwrap_or_default();
        RunError::Uncaught {
            traceback: format!("{text}\n"),
            exit_code: 1,
        }
    }

    /// Set this flag from any thread to stop the script at its next loop
    /// back-edge or call (it raises an uncatchable-by-`except Exception`
    /// interrupt exception).
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.vm.interrupt.clone()
    }

    /// The VM, for embedding code that calls into scripts.
    pub fn vm(&mut self) -> &mut Vm {
        &mut self.vm
    }
}
