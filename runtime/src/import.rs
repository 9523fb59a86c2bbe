//! Imports: built-in modules from the native registry, and sibling scripts
//! (`name.py` next to the main script), each executed once and cached.

use std::sync::Arc;

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::frame::Frame;
use crate::object::{ModuleObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    /// `import name`.
    pub fn import_module(&mut self, name: &str) -> PyResult<Value> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        if let Some(init) = self.module_init(name) {
            let m = init(self)?;
            self.modules.insert(name.to_string(), m.clone());
            return Ok(m);
        }
        let path = self.main_dir.as_ref().map(|d| d.join(format!("{name}.py")));
        // While the host loads a snapshot of a scripts directory, sibling
        // imports read the snapshot, not the disk (which may have changed).
        let snapshot = path.as_deref().and_then(crate::host_api::snapshot_source);
        let found = match &snapshot {
            Some(text) => text.is_some(),
            None => path.as_ref().is_some_and(|p| p.is_file()),
        };
        let Some(path) = path.filter(|_| found) else {
            return Err(PyErr::new(
                ExcKind::ModuleNotFoundError,
                format!("No module named '{name}'"),
            ));
        };
        let source = match snapshot.flatten() {
            Some(text) => text,
            None => std::fs::read_to_string(&path)
                .map_err(|e| PyErr::new(ExcKind::ImportError, e.to_string()))?,
        };
        let filename = path.to_string_lossy().to_string();
        let code = kiln_compiler::compile(&source, &filename).map_err(|e| {
            PyErr::new(
                ExcKind::SyntaxError,
                format!("{} ({}, line {})", e.message, e.filename, e.line),
            )
        })?;
        self.sources.insert(filename, source.into());
        let mut globals = Dict::new();
        globals.set_name("__name__", Value::from_str(name));
        let globals = Value::dict(globals);
        let module = Value::new_heap(Payload::Module(ModuleObj {
            name: name.into(),
            dict: globals.clone(),
        }));
        self.modules.insert(name.to_string(), module.clone());
        if let Err(e) = self.run_module_code(&code, globals) {
            self.modules.remove(name);
            return Err(e);
        }
        Ok(module)
    }

    /// Execute a module's top-level code with `globals`.
    pub fn run_module_code(
        &mut self,
        code: &Arc<kiln_compiler::bytecode::CodeObject>,
        globals: Value,
    ) -> PyResult<Value> {
        let info = self.code_info(code);
        let mut locals = self.take_vec();
        locals.resize(code.varnames.len() + code.num_cells(), Value::empty());
        let nvars = code.varnames.len();
        for i in 0..code.cellvars.len() {
            if let Some(slot) = locals.get_mut(nvars + i) {
                *slot = Value::cell(Value::empty());
            }
        }
        let stack = self.take_vec();
        let mut frame = Frame {
            info,
            globals,
            locals,
            stack,
            pc: 0,
            namespace: Value::none(),
            saved_exc: Value::none(),
            made_instance: Value::none(),
        };
        let r = self.run_in_frame(&mut frame);
        let Frame { locals, stack, .. } = frame;
        self.give_vec(locals);
        self.give_vec(stack);
        r
    }
}
