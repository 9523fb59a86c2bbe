//! The narrow API the HTTP host needs from an isolate: load a directory of
//! scripts as modules, read what they registered with `kiln` (routes,
//! hooks, error handlers), start a request's dispatcher coroutine, drive it
//! one step at a time (it sleeps / it returned / it raised), turn the
//! resulting `Response` into plain data, pull chunks from a streamed
//! generator, and convert plain data to and from values.
//! The host never sees a value's bits: only `Value` handles it passes back.
//! Nothing here blocks or does network I/O; waiting is the host's job.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

mod json_body;
mod parse;
mod request;
mod request_attr;

use kiln_compiler::bytecode::{CodeFlags, Instr};

use crate::dict::Dict;
use crate::error::{ExcKind, PyErr, PyResult};
use crate::int::{int_ref, IntRef};
use crate::isolate::Isolate;
use crate::iter::GenStep;
use crate::object::Payload;
use crate::value::Value;
use crate::vm::Vm;

pub use crate::modules::kiln_cache::{install_cache, SharedCache};
pub use parse::{
    is_urlencoded_form, pack_header, pack_header_ascii, parse_cookies, parse_urlencoded,
    strip_packed_pair, urlencoded_pairs, PackedHeaders,
};
use request::RequestBuilder;
pub use request_attr::request_attr;

/// Script data with no interpreter state: what crosses between workers.
#[derive(Debug, Clone, PartialEq)]
pub enum Plain {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Plain>),
    /// Insertion-ordered pairs, as a dict keeps them.
    Dict(Vec<(Plain, Plain)>),
}

/// Deepest nesting copied as plain data (deeper is a `ValueError`).
const MAX_PLAIN_DEPTH: usize = 256;

/// Copies a value made of None/bool/int/float/str/bytes/list/tuple/dict.
pub fn to_plain(vm: &mut Vm, v: &Value) -> PyResult<Plain> {
    to_plain_at(vm, v, 0)
}

fn to_plain_at(vm: &mut Vm, v: &Value, depth: usize) -> PyResult<Plain> {
    if depth > MAX_PLAIN_DEPTH {
        return Err(PyErr::value_error("value nested too deeply to copy"));
    }
    if v.is_none() {
        return Ok(Plain::None);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Plain::Bool(b));
    }
    if let Some(f) = v.as_float() {
        return Ok(Plain::Float(f));
    }
    if let Some(i) = int_ref(v) {
        return match i {
            IntRef::Small(i) => Ok(Plain::Int(i)),
            IntRef::Big(_) => Err(PyErr::new(
                ExcKind::OverflowError,
                "int too large to copy as plain data",
            )),
        };
    }
    if let Some(s) = v.as_str() {
        return Ok(Plain::Str(s.to_owned()));
    }
    if let Some(b) = v.as_bytes() {
        return Ok(Plain::Bytes(b.to_vec()));
    }
    if let Some(items) = v.as_tuple() {
        let items = items.to_vec();
        return plain_list(vm, &items, depth);
    }
    if let Some(list) = v.as_list() {
        let items = list.borrow().clone();
        return plain_list(vm, &items, depth);
    }
    if let Some(dict) = v.as_dict() {
        let pairs: Vec<(Value, Value)> = dict
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut out = Vec::with_capacity(pairs.len());
        for (k, v) in &pairs {
            out.push((
                to_plain_at(vm, k, depth + 1)?,
                to_plain_at(vm, v, depth + 1)?,
            ));
        }
        return Ok(Plain::Dict(out));
    }
    Err(PyErr::type_error(format!(
        "a {} cannot be copied as plain data (use None, bool, int, float, str, bytes, list, tuple or dict)",
        vm.type_name(v)
    )))
}

fn plain_list(vm: &mut Vm, items: &[Value], depth: usize) -> PyResult<Plain> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(to_plain_at(vm, item, depth + 1)?);
    }
    Ok(Plain::List(out))
}

/// Builds a fresh value from plain data.
pub fn from_plain(vm: &mut Vm, p: &Plain) -> PyResult<Value> {
    Ok(match p {
        Plain::None => Value::none(),
        Plain::Bool(b) => Value::bool(*b),
        Plain::Int(i) => Value::int(*i),
        Plain::Float(f) => Value::float(*f),
        Plain::Str(s) => Value::from_str(s),
        Plain::Bytes(b) => Value::bytes(b.clone()),
        Plain::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(from_plain(vm, item)?);
            }
            Value::list(out)
        }
        Plain::Dict(pairs) => {
            let d = Value::dict(Dict::new());
            for (k, v) in pairs {
                let k = from_plain(vm, k)?;
                let v = from_plain(vm, v)?;
                vm.dict_set(&d, k, v)?;
            }
            d
        }
    })
}

/// A script failure, rendered for the host.
#[derive(Debug, Clone)]
pub struct ScriptError {
    /// The last line of the traceback, e.g. `RuntimeError: kaboom`.
    pub message: String,
    /// CPython's traceback text.
    pub traceback: String,
    /// The handler was stopped by the deadline interrupt.
    pub interrupted: bool,
}

impl ScriptError {
    fn from_err(vm: &mut Vm, mut err: PyErr) -> ScriptError {
        let interrupted = vm.err_matches(&err, ExcKind::Interrupted);
        let exc = vm.exc_value(&mut err);
        let traceback = vm.format_exception(&exc);
        let message = traceback.lines().last().unwrap_or("exception").to_owned();
        ScriptError {
            message,
            traceback,
            interrupted,
        }
    }
}

/// Why a scripts directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Every compile error, each rendered as `file:line:col: ...`.
    #[error("{}", .0.join("\n"))]
    Compile(Vec<String>),
    #[error("{0}")]
    Raised(String),
    #[error("{0}")]
    BadRegistration(String),
}

/// The `.py` files directly in `dir`, sorted: each is one module.
pub fn script_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "py"))
        .collect();
    found.sort();
    Ok(found)
}

/// The scripts of a directory as read at one moment: what a version of
/// the app is loaded from, so a later edit on disk cannot leak into it.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub dir: PathBuf,
    pub files: Vec<(PathBuf, String)>,
}

/// Reads and compiles every script without running anything; all compile
/// errors are collected so one report names each broken file.
pub fn snapshot_scripts(dir: &Path) -> Result<Snapshot, LoadError> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in script_files(dir)? {
        let source = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        if let Err(e) = kiln_compiler::compile(&source, &path.to_string_lossy()) {
            errors.push(e.to_string());
        }
        files.push((path, source));
    }
    if errors.is_empty() {
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            files,
        })
    } else {
        Err(LoadError::Compile(errors))
    }
}

thread_local! {
    /// The snapshot being loaded on this thread, for sibling imports.
    static LOADING: std::cell::RefCell<Option<Snapshot>> = const { std::cell::RefCell::new(None) };
}

/// For the importer: `None` when no snapshot is being loaded (read the
/// disk), else the snapshot's text of `path` (`Some(None)`: not in it).
pub fn snapshot_source(path: &Path) -> Option<Option<String>> {
    LOADING.with(|l| {
        l.borrow().as_ref().map(|snap| {
            snap.files
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, text)| text.clone())
        })
    })
}

/// Clears the loading snapshot when the load ends, however it ends.
struct LoadingGuard;

impl Drop for LoadingGuard {
    fn drop(&mut self) {
        LOADING.with(|l| l.borrow_mut().take());
    }
}

/// One registered route.
pub struct RouteDef {
    pub pattern: String,
    pub methods: Vec<String>,
    pub handler: Value,
}

/// A request as the host hands it over. Query args, cookies and form
/// fields are parsed from these when a handler first reads them.
pub struct RequestData<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query_string: &'a str,
    /// The header pairs, packed by `pack_header` when the request object
    /// is made (a handler that cannot read its request never needs them):
    /// owned, so the request object keeps that buffer instead of a copy.
    pub headers: &'a mut dyn PackHeaders,
    pub body: &'a [u8],
    pub remote_addr: &'a str,
}

/// A request's headers, packed (`pack_header`) only when asked for.
pub trait PackHeaders {
    /// The packed pairs, handed over (a second call gives none).
    fn take_packed(&mut self) -> Vec<u8>;

    /// Whether `take_packed` would give exactly `packed`; false if unsure.
    fn packs_to(&self, packed: &[u8]) -> bool {
        let _ = packed;
        false
    }
}

impl PackHeaders for Vec<u8> {
    fn take_packed(&mut self) -> Vec<u8> {
        std::mem::take(self)
    }

    fn packs_to(&self, packed: &[u8]) -> bool {
        self.as_slice() == packed
    }
}

/// What one step of a request coroutine did.
pub enum Step {
    /// `await sleep(s)`: resume with None after `s` seconds.
    Sleep(f64),
    /// The dispatcher returned this `Response`.
    Done(Value),
    Failed(ScriptError),
}

/// A header name or value: well-known texts are shared statics, so the
/// common response copies no header text on its way to the host.
pub type HeaderText = Cow<'static, str>;

/// Header texts nearly every response carries (the body's default content
/// types among them), handed over without a copy.
const WELL_KNOWN: [&str; 5] = [
    "Content-Type",
    "text/html; charset=utf-8",
    "application/json",
    "text/plain; charset=utf-8",
    "text/plain",
];

/// `text` as a header text: a well-known one shared, any other copied.
fn header_text(text: &str) -> HeaderText {
    match WELL_KNOWN.iter().find(|known| **known == text) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(text.to_owned()),
    }
}

/// A response as plain data.
pub struct ResponseData {
    pub status: u16,
    pub headers: Vec<(HeaderText, HeaderText)>,
    pub body: BodyData,
}

pub enum BodyData {
    Bytes(Vec<u8>),
    /// A generator whose str/bytes items are the chunks (`next_chunk`).
    Stream(Value),
}

/// The loaded scripts of one isolate: routes and the `kiln` internals the
/// host drives.
pub struct ScriptApp {
    pub routes: Vec<RouteDef>,
    dispatch: Value,
    dispatch_error: Value,
    /// What the host-side dispatch (`start` without hooks) needs.
    fast: FastDispatch,
    /// Makes the `kiln.Request` of each request.
    requests: RequestBuilder,
    /// Per route: whether its handler may read its request argument
    /// (`reads_first_arg`); a handler that cannot is called with None.
    reads_request: Vec<bool>,
    sleep_class: Value,
    response_class: Value,
    error_codes: Vec<i64>,
    has_after: bool,
}

fn module_attr(module: &Value, name: &str) -> Result<Value, LoadError> {
    let found = match module.payload() {
        Some(Payload::Module(m)) => m
            .dict
            .as_dict()
            .and_then(|d| d.borrow().get_str(name).cloned()),
        _ => None,
    };
    found.ok_or_else(|| LoadError::BadRegistration(format!("kiln module has no {name}")))
}

fn text_of(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// Loads every script of `snapshot` as a module into `isolate` (sibling
/// imports resolve in the snapshot) and collects what they registered.
pub fn load_app(isolate: &mut Isolate, snapshot: &Snapshot) -> Result<ScriptApp, LoadError> {
    let dir = snapshot.dir.as_path();
    let files: Vec<PathBuf> = snapshot.files.iter().map(|(p, _)| p.clone()).collect();
    LOADING.with(|l| *l.borrow_mut() = Some(snapshot.clone()));
    let _loading = LoadingGuard;
    let vm = isolate.vm();
    vm.interrupt_clear();
    vm.main_dir = Some(dir.to_path_buf());
    let raised = |vm: &mut Vm, e: PyErr| LoadError::Raised(ScriptError::from_err(vm, e).traceback);
    let kiln = match vm.import_module("kiln") {
        Ok(m) => m,
        Err(e) => return Err(raised(vm, e)),
    };
    for path in &files {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if let Err(e) = vm.import_module(stem) {
            return Err(raised(vm, e));
        }
    }
    let mut routes = Vec::new();
    let registered = module_attr(&kiln, "_routes")?;
    let entries = registered
        .as_list()
        .map(|l| l.borrow().clone())
        .unwrap_or_default();
    for entry in entries {
        let parts = entry.as_tuple().map(<[Value]>::to_vec).unwrap_or_default();
        let [pattern, methods, handler] = parts.as_slice() else {
            continue;
        };
        let Some(pattern) = text_of(pattern) else {
            return Err(LoadError::BadRegistration(
                "@route: the path must be a str".into(),
            ));
        };
        let methods = methods
            .as_list()
            .map(|l| l.borrow().iter().filter_map(text_of).collect())
            .unwrap_or_default();
        routes.push(RouteDef {
            pattern,
            methods,
            handler: handler.clone(),
        });
    }
    let handlers = module_attr(&kiln, "_errorhandlers")?;
    let error_codes = handlers
        .as_dict()
        .map(|d| d.borrow().keys().filter_map(crate::int::as_i64).collect())
        .unwrap_or_default();
    let has_after = module_attr(&kiln, "_after")?
        .as_list()
        .is_some_and(|l| !l.borrow().is_empty());
    let reads_request = routes.iter().map(|r| reads_first_arg(&r.handler)).collect();
    Ok(ScriptApp {
        routes,
        reads_request,
        dispatch: module_attr(&kiln, "_dispatch")?,
        dispatch_error: module_attr(&kiln, "_dispatch_error")?,
        fast: FastDispatch {
            before: module_attr(&kiln, "_before")?,
            after: module_attr(&kiln, "_after")?,
            dispatch_async: module_attr(&kiln, "_dispatch_async")?,
            to_response: module_attr(&kiln, "_to_response")?,
            error_response: module_attr(&kiln, "_error_response")?,
            http_exception: module_attr(&kiln, "HTTPException")?,
        },
        requests: RequestBuilder::new(
            vm,
            module_attr(&kiln, "Request")?,
            module_attr(&kiln, "_MultiDict")?,
            module_attr(&kiln, "_Headers")?,
        ),
        sleep_class: module_attr(&kiln, "_Sleep")?,
        response_class: module_attr(&kiln, "Response")?,
        error_codes,
        has_after,
    })
}

/// Whether the dispatcher returned a handler's bare str/bytes/dict/list
/// result (its fast path), which answers as a 200 with no extra headers.
fn is_direct_body(v: &Value) -> bool {
    v.as_str().is_some() || v.as_bytes().is_some() || v.as_dict().is_some() || v.as_list().is_some()
}

fn is_coroutine(v: &Value) -> bool {
    matches!(v.payload(), Some(Payload::Generator(g)) if g.is_coroutine)
}

/// The prelude pieces `start` uses to dispatch a request itself when the
/// scripts registered no `before_request`/`after_request` hooks: it calls
/// the handler directly and leaves plain results (a body, or a tuple of
/// body, status and headers) for `response_data`, instead of running
/// `_dispatch` and building a `Response` object in the interpreter.
struct FastDispatch {
    before: Value,
    after: Value,
    dispatch_async: Value,
    to_response: Value,
    error_response: Value,
    http_exception: Value,
}

impl FastDispatch {
    /// No hooks now (scripts may register them at any time).
    fn applies(&self) -> bool {
        let empty = |v: &Value| v.as_list().is_some_and(|l| l.borrow().is_empty());
        empty(&self.before) && empty(&self.after)
    }

    /// `_dispatch` without hooks: the handler's result, its coroutine
    /// wrapped by `_dispatch_async`, or the `HTTPException` it raised
    /// answered by `_error_response`. The handler gets `arg` (the request,
    /// or None when it cannot read it); `request` makes the request for
    /// the steps that need it.
    fn dispatch(
        &self,
        vm: &mut Vm,
        handler: &Value,
        arg: Value,
        request: impl FnOnce() -> Value,
        params: &[(String, Plain)],
    ) -> PyResult<Value> {
        let called = if params.is_empty() {
            vm.call_kw(handler, std::slice::from_ref(&arg), &[])
        } else if takes_params_in_order(handler, params) {
            // By position: the same slots the names would bind, without
            // a str per name or the keyword binding.
            let mut args = Vec::with_capacity(params.len() + 1);
            args.push(arg);
            for (_, value) in params {
                args.push(from_plain(vm, value)?);
            }
            vm.call_kw(handler, &args, &[])
        } else {
            let mut kwargs = Vec::with_capacity(params.len());
            for (name, value) in params {
                kwargs.push((Value::from_str(name), from_plain(vm, value)?));
            }
            vm.call_kw(handler, std::slice::from_ref(&arg), &kwargs)
        };
        let result = match called {
            Ok(result) => result,
            Err(mut err) => {
                let exc = vm.exc_value(&mut err);
                *err.state = crate::error::ErrState::Object(exc.clone());
                if !vm.is_instance(&exc, &self.http_exception) {
                    return Err(err);
                }
                let code = vm.getattr(&exc, "code")?;
                return vm.call(&self.error_response, &[request(), code, exc]);
            }
        };
        if is_coroutine(&result) {
            return vm.call(&self.dispatch_async, &[result, request()]);
        }
        // A tuple is left whole too: `response_parts` reads the shapes it
        // knows in place and gives any other to `_to_response` itself.
        if is_direct_body(&result) || result.as_tuple().is_some() {
            return Ok(result);
        }
        vm.call(&self.to_response, &[result])
    }
}

/// Whether `handler` is a plain function whose parameters are the
/// request, then exactly `params`' names in their order, none of them
/// positional-only, with no `*args`, `**kwargs` or keyword-only ones:
/// then passing the values by position binds each to the parameter its
/// name would (keywords bind by position in the parameter names).
fn takes_params_in_order(handler: &Value, params: &[(String, Plain)]) -> bool {
    match handler.payload() {
        Some(Payload::Function(f)) => {
            code_takes_params_in_order(&f.code, params.iter().map(|(name, _)| name.as_str()))
        }
        _ => false,
    }
}

/// `takes_params_in_order` for a function's code and the names.
fn code_takes_params_in_order<'a>(
    code: &kiln_compiler::bytecode::CodeObject,
    names: impl ExactSizeIterator<Item = &'a str>,
) -> bool {
    let flags = CodeFlags::VARARGS | CodeFlags::VARKEYWORDS;
    code.arg_count as usize == names.len() + 1
        && code.kwonly_count == 0
        && code.posonly_count <= 1
        && code.flags.0 & flags == 0
        && names
            .zip(code.varnames.iter().skip(1))
            .all(|(name, var)| **var == *name)
}

/// Names that, used in a function, could reach its arguments other than
/// through its own locals (zero-argument `super()` reads the first one).
const FRAME_READERS: [&str; 6] = ["super", "vars", "dir", "locals", "eval", "exec"];

/// Whether calling `handler` could observe its first positional argument:
/// false only for a plain, non-generator, non-async function whose code
/// never loads, stores or deletes that local, does not share it with an
/// inner function, and names nothing that reads frames. Compiled code and
/// the interpreter reach locals only through those instructions, so such
/// a handler behaves the same whatever it is passed.
fn reads_first_arg(handler: &Value) -> bool {
    match handler.payload() {
        Some(Payload::Function(f)) => code_reads_first_arg(&f.code),
        _ => true,
    }
}

/// `reads_first_arg` for a function's code.
fn code_reads_first_arg(code: &kiln_compiler::bytecode::CodeObject) -> bool {
    let flags = CodeFlags::GENERATOR | CodeFlags::COROUTINE;
    if code.arg_count == 0 || code.flags.0 & flags != 0 {
        return true;
    }
    if code.cell_params.iter().any(|&(_, local)| local == 0)
        || !code.freevars.is_empty()
        || code.names.iter().any(|n| FRAME_READERS.contains(&&**n))
    {
        return true;
    }
    code.code.iter().any(|instr| {
        matches!(
            instr,
            Instr::LoadFast { idx: 0 } | Instr::StoreFast { idx: 0 } | Instr::DeleteFast { idx: 0 }
        )
    })
}

/// The tuple results converted natively: a direct body first, an int
/// status, and headers as a dict with str keys or a list of str-keyed
/// pairs. Any other tuple goes through `_to_response`.
#[derive(Debug, Clone, Copy)]
enum TupleShape {
    Status,
    Headers,
    StatusHeaders,
}

impl TupleShape {
    fn of(items: &[Value]) -> Option<TupleShape> {
        let is_status = |v: &Value| v.as_bool().is_none() && crate::int::as_i64(v).is_some();
        match items {
            [body, status] if is_direct_body(body) && is_status(status) => Some(TupleShape::Status),
            [body, headers] if is_direct_body(body) && plain_headers(headers) => {
                Some(TupleShape::Headers)
            }
            [body, status, headers]
                if is_direct_body(body) && is_status(status) && plain_headers(headers) =>
            {
                Some(TupleShape::StatusHeaders)
            }
            _ => None,
        }
    }
}

/// A dict with str keys, or a list of tuples/lists of two with a str first.
fn plain_headers(v: &Value) -> bool {
    if let Some(d) = v.as_dict() {
        return d.borrow().keys().all(|k| k.as_str().is_some());
    }
    if let Some(l) = v.as_list() {
        return l.borrow().iter().all(|pair| {
            let items = pair
                .as_tuple()
                .map(<[Value]>::to_vec)
                .or_else(|| pair.as_list().map(|l| l.borrow().clone()));
            matches!(items.as_deref(), Some([k, _]) if k.as_str().is_some())
        });
    }
    false
}

/// The (key, value) pairs of headers that passed `plain_headers`.
fn header_pairs(v: &Value) -> Vec<(Value, Value)> {
    if let Some(d) = v.as_dict() {
        return d
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    let Some(l) = v.as_list() else {
        return Vec::new();
    };
    let pairs = l.borrow().clone();
    pairs
        .iter()
        .filter_map(|pair| {
            let items = pair
                .as_tuple()
                .map(<[Value]>::to_vec)
                .or_else(|| pair.as_list().map(|l| l.borrow().clone()))?;
            match items.as_slice() {
                [k, v] => Some((k.clone(), v.clone())),
                _ => None,
            }
        })
        .collect()
}

/// What starting a request gave: its response already, or a coroutine
/// (an async handler) to drive with `resume`.
pub enum Started {
    Done(Value),
    Pending(Value),
}

impl ScriptApp {
    /// Starts the request: runs the dispatcher (hooks, the handler, error
    /// handlers); an async handler leaves a coroutine for `resume` to drive.
    pub fn start(
        &self,
        vm: &mut Vm,
        route: usize,
        req: RequestData,
        params: &[(String, Plain)],
    ) -> Result<Started, ScriptError> {
        vm.interrupt_clear();
        let started = (|| {
            let handler = self
                .routes
                .get(route)
                .map(|r| r.handler.clone())
                .ok_or_else(|| PyErr::runtime_error("no handler for this route"))?;
            if self.fast.applies() {
                if !self.reads_request.get(route).copied().unwrap_or(true) {
                    // The handler cannot see its argument: the request
                    // object is made only if the dispatch itself needs it.
                    let make = || self.requests.build(req, Some(route));
                    return self
                        .fast
                        .dispatch(vm, &handler, Value::none(), make, params);
                }
                let request = self.requests.build(req, Some(route));
                let make = || request.clone();
                return self
                    .fast
                    .dispatch(vm, &handler, request.clone(), make, params);
            }
            let request = self.requests.build(req, Some(route));
            let mut kwargs = Dict::new();
            for (name, value) in params {
                let value = from_plain(vm, value)?;
                kwargs.set_name(name, value);
            }
            vm.call(&self.dispatch, &[handler, request, Value::dict(kwargs)])
        })();
        match started {
            Ok(v) if is_coroutine(&v) => Ok(Started::Pending(v)),
            Ok(v) => Ok(Started::Done(v)),
            Err(e) => Err(ScriptError::from_err(vm, e)),
        }
    }

    /// Answers a host-found error (404, 405) through the scripts'
    /// `@errorhandler` and `@after_request`; `None` when they define
    /// neither, so the host's default page serves.
    pub fn error_response(
        &self,
        vm: &mut Vm,
        req: RequestData,
        status: u16,
    ) -> Option<Result<ResponseData, ScriptError>> {
        if !self.has_after && !self.error_codes.contains(&i64::from(status)) {
            return None;
        }
        vm.interrupt_clear();
        let request = self.requests.build(req, None);
        let result = vm.call(
            &self.dispatch_error,
            &[request, Value::int(i64::from(status))],
        );
        Some(match result {
            Ok(resp) => self.response_data(vm, &resp),
            Err(e) => Err(ScriptError::from_err(vm, e)),
        })
    }

    /// Runs the coroutine until it sleeps, returns or raises; `sent` is
    /// what the pending `await` evaluates to (None after a sleep).
    pub fn resume(&self, vm: &mut Vm, coro: &Value, sent: Value) -> Step {
        vm.interrupt_clear();
        match vm.gen_resume(coro, sent, None) {
            Ok(GenStep::Returned(v)) => Step::Done(v),
            Ok(GenStep::Yielded(y)) => {
                if vm.is_instance(&y, &self.sleep_class) {
                    let seconds = vm.getattr(&y, "seconds").ok();
                    let seconds = seconds
                        .and_then(|s| {
                            s.as_float()
                                .or_else(|| crate::int::as_i64(&s).map(|i| i as f64))
                        })
                        .unwrap_or(0.0);
                    return Step::Sleep(seconds);
                }
                let what = vm.type_name(&y);
                let err = PyErr::runtime_error(format!(
                    "a handler awaited something kiln cannot wait for (it yielded a {what})"
                ));
                Step::Failed(ScriptError::from_err(vm, err))
            }
            Err(e) => Step::Failed(ScriptError::from_err(vm, e)),
        }
    }

    /// The status, headers and body of a `Response` the dispatcher returned.
    pub fn response_data(&self, vm: &mut Vm, resp: &Value) -> Result<ResponseData, ScriptError> {
        self.response_parts(vm, resp)
            .map_err(|e| ScriptError::from_err(vm, e))
    }

    fn response_parts(&self, vm: &mut Vm, resp: &Value) -> PyResult<ResponseData> {
        if is_direct_body(resp) {
            let (body, default_type) = self.body_data(vm, resp)?;
            return Ok(ResponseData {
                status: 200,
                headers: vec![(Cow::Borrowed("Content-Type"), Cow::Borrowed(default_type))],
                body,
            });
        }
        if let Some(items) = resp.as_tuple() {
            if let Some(shape) = TupleShape::of(items) {
                // A tuple is immutable: its items are read in place.
                return self.tuple_parts(vm, items, shape);
            }
            let resp = vm.call(&self.fast.to_response, std::slice::from_ref(resp))?;
            return self.response_parts(vm, &resp);
        }
        if !vm.is_instance(resp, &self.response_class) {
            return Err(PyErr::type_error(
                "the dispatcher did not return a Response",
            ));
        }
        let status_value = vm.getattr(resp, "status")?;
        let status = crate::int::as_i64(&status_value)
            .filter(|s| (100..=999).contains(s))
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| {
                PyErr::value_error("a response status must be an int from 100 to 999")
            })?;
        let header_value = vm.getattr(resp, "headers")?;
        let mut headers = Vec::new();
        if let Some(d) = header_value.as_dict() {
            if !str_pairs(&d.borrow(), &mut headers) {
                let pairs: Vec<(Value, Value)> = d
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in pairs {
                    headers.push((header_text(&vm.str(&k)?), header_text(&vm.str(&v)?)));
                }
            }
        }
        let body = vm.getattr(resp, "body")?;
        let body = self.body_data(vm, &body)?;
        Ok(response_data(status, headers, body))
    }

    /// A `(body, status[, headers])` / `(body, headers)` result, converted
    /// as `_to_response` and `_merge_headers` would (see `TupleShape`).
    fn tuple_parts(
        &self,
        vm: &mut Vm,
        items: &[Value],
        shape: TupleShape,
    ) -> PyResult<ResponseData> {
        let (status, extra) = match (shape, items) {
            (TupleShape::StatusHeaders, [_, status, headers]) => (Some(status), Some(headers)),
            (TupleShape::Headers, [_, headers]) => (None, Some(headers)),
            (TupleShape::Status, [_, status]) => (Some(status), None),
            _ => return Err(PyErr::type_error("malformed response tuple")),
        };
        let status = match status {
            None => 200,
            Some(value) => crate::int::as_i64(value)
                .filter(|s| (100..=999).contains(s))
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| {
                    PyErr::value_error("a response status must be an int from 100 to 999")
                })?,
        };
        let mut headers: Vec<(HeaderText, HeaderText)> = Vec::new();
        let str_dict = extra
            .and_then(|e| e.as_dict())
            .is_some_and(|d| str_pairs(&d.borrow(), &mut headers));
        if let Some(extra) = extra.filter(|_| !str_dict) {
            for (key, value) in header_pairs(extra) {
                let key = header_text(key.as_str().unwrap_or_default());
                let value = header_text(&vm.str(&value)?);
                // Later pairs replace earlier ones, as dict assignment does.
                match headers.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => headers.push((key, value)),
                }
            }
        }
        let body = self.body_data(vm, &items[0])?;
        Ok(response_data(status, headers, body))
    }

    fn body_data(&self, vm: &mut Vm, body: &Value) -> PyResult<(BodyData, &'static str)> {
        const HTML: &str = "text/html; charset=utf-8";
        if let Some(s) = body.as_str() {
            return Ok((BodyData::Bytes(s.as_bytes().to_vec()), HTML));
        }
        if let Some(b) = body.as_bytes() {
            return Ok((BodyData::Bytes(b.to_vec()), HTML));
        }
        if body.as_dict().is_some() || body.as_list().is_some() {
            let text = match json_body::dumps_plain(body) {
                Some(text) => text,
                None => crate::modules::json::dumps_compact(vm, body)?,
            };
            return Ok((BodyData::Bytes(text.into_bytes()), "application/json"));
        }
        if matches!(body.payload(), Some(Payload::Generator(g)) if !g.is_coroutine) {
            return Ok((BodyData::Stream(body.clone()), HTML));
        }
        Err(PyErr::type_error(format!(
            "a handler returned a {}; expected str, bytes, dict, list, tuple, Response or a generator",
            vm.type_name(body)
        )))
    }

    /// The next chunk of a streamed body; `None` at its end.
    pub fn next_chunk(
        &self,
        vm: &mut Vm,
        generator: &Value,
    ) -> Result<Option<Vec<u8>>, ScriptError> {
        vm.interrupt_clear();
        let step = match vm.gen_resume(generator, Value::none(), None) {
            Ok(step) => step,
            Err(e) => return Err(ScriptError::from_err(vm, e)),
        };
        match step {
            GenStep::Returned(_) => Ok(None),
            GenStep::Yielded(item) => {
                if let Some(s) = item.as_str() {
                    return Ok(Some(s.as_bytes().to_vec()));
                }
                if let Some(b) = item.as_bytes() {
                    return Ok(Some(b.to_vec()));
                }
                let what = vm.type_name(&item);
                let err = PyErr::type_error(format!(
                    "a streamed response must yield str or bytes, not {what}"
                ));
                Err(ScriptError::from_err(vm, err))
            }
        }
    }
}

impl Vm {
    /// Clears the deadline interrupt flag (at the start of each handler step,
    /// so an earlier request's deadline does not stop this one).
    pub fn interrupt_clear(&self) {
        self.interrupt
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Appends the pairs of a dict whose keys and values are all str (the
/// usual headers dict, read in place); `false`, adding nothing, otherwise.
fn str_pairs(dict: &Dict, out: &mut Vec<(HeaderText, HeaderText)>) -> bool {
    let had = out.len();
    if out.is_empty() {
        // Room for the default Content-Type too.
        *out = Vec::with_capacity(dict.len() + 1);
    }
    // One pass: a pair that is not two strs undoes the ones added.
    for (k, v) in dict.iter() {
        let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
            out.truncate(had);
            return false;
        };
        out.push((header_text(k), header_text(v)));
    }
    true
}

/// Whether a header name is `Content-Type`; the usual spelling is checked
/// first, whole, which costs less than folding case byte by byte.
pub fn is_content_type(name: &str) -> bool {
    name == "Content-Type" || name.eq_ignore_ascii_case("content-type")
}

/// A response from its parts, with the body's default content type unless
/// the headers name one.
fn response_data(
    status: u16,
    mut headers: Vec<(HeaderText, HeaderText)>,
    (body, default_type): (BodyData, &'static str),
) -> ResponseData {
    let has_type = headers.iter().any(|(k, _)| is_content_type(k));
    if !has_type {
        headers.push((Cow::Borrowed("Content-Type"), Cow::Borrowed(default_type)));
    }
    ResponseData {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_header_texts_are_shared() {
        assert!(matches!(
            header_text("text/plain"),
            Cow::Borrowed("text/plain")
        ));
        assert!(matches!(header_text("Content-Type"), Cow::Borrowed(_)));
        assert!(matches!(header_text("text/plain "), Cow::Owned(t) if t == "text/plain "));
        assert!(is_content_type("Content-Type") && is_content_type("CONTENT-type"));
        assert!(!is_content_type("Content-Typo"));
    }

    /// The code of each function `source` defines at its top level.
    fn functions(
        source: &str,
    ) -> Vec<(String, std::sync::Arc<kiln_compiler::bytecode::CodeObject>)> {
        let module = kiln_compiler::compile(source, "t.py").ok();
        let consts = module.map(|m| m.consts.clone()).unwrap_or_default();
        consts
            .into_iter()
            .filter_map(|c| match c {
                kiln_compiler::bytecode::Constant::Code(code) => {
                    Some((code.name.to_string(), code))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn route_params_go_by_position_only_where_their_names_would_put_them() {
        let source = r#"
def ordered(req, a, b):
    return a

def defaults(req, a, b=1):
    return a

def kwonly(req, a, *, b):
    return a

def star(req, a, *rest):
    return a

def keywords(req, a, **kw):
    return a
"#;
        let codes = functions(source);
        let takes = |name: &str, params: &[&str]| {
            codes
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, code)| code_takes_params_in_order(code, params.iter().copied()))
        };
        assert!(takes("ordered", &["a", "b"]));
        assert!(!takes("ordered", &["b", "a"]));
        assert!(!takes("ordered", &["a"]));
        assert!(!takes("ordered", &["a", "b", "c"]));
        assert!(takes("defaults", &["a", "b"]));
        assert!(!takes("defaults", &["a"]));
        assert!(!takes("kwonly", &["a", "b"]));
        assert!(!takes("star", &["a"]));
        assert!(!takes("keywords", &["a"]));
    }

    #[test]
    fn only_handlers_that_cannot_see_their_request_go_without_it() {
        let source = r#"
def unused(req):
    return {"message": "Hello, World!"}

def unused_with_params(req, uid, *rest, **kw):
    x = [i for i in range(uid)]
    return ("ok", 200, {"X": str(x)})

def reads(req):
    return req.path

def stores(req):
    req = 1
    return "x"

def deletes(req):
    del req
    return "x"

def captured(req):
    def inner():
        return req
    return inner()

def comprehension(req):
    return [req for _ in range(2)]

def uses_super(req):
    return super()

def uses_vars(req):
    return vars()

async def coroutine(req):
    return "x"

def generator(req):
    yield "x"

def no_args():
    return "x"

def star(*args):
    return "x"
"#;
        let found = functions(source);
        let names: Vec<_> = found.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(found.len(), 13, "{names:?}");
        for (name, code) in found {
            let expected = !name.starts_with("unused");
            assert_eq!(code_reads_first_arg(&code), expected, "{name}");
        }
    }

    #[test]
    fn str_dicts_are_read_in_place_and_others_left_alone() {
        let mut headers = Dict::new();
        headers.set_name("X-A", Value::from_str("1"));
        headers.set_name("content-type", Value::from_str("application/json"));
        let mut out = Vec::new();
        assert!(str_pairs(&headers, &mut out));
        assert_eq!(
            out,
            vec![
                (Cow::Owned("X-A".to_owned()), Cow::Owned("1".to_owned())),
                (
                    Cow::Owned("content-type".to_owned()),
                    Cow::Borrowed("application/json")
                ),
            ]
        );
        headers.set_name("X-N", Value::int(3));
        let mut out = Vec::new();
        assert!(!str_pairs(&headers, &mut out));
        assert!(out.is_empty());
        let data = response_data(200, Vec::new(), (BodyData::Bytes(Vec::new()), "text/plain"));
        assert_eq!(
            data.headers,
            vec![(Cow::Borrowed("Content-Type"), Cow::Borrowed("text/plain"))]
        );
    }
}
