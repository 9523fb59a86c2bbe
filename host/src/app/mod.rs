//! The scripted app behind `kiln serve`: a `WorkerApp` per worker thread
//! that owns that thread's isolate(s). Scripts are loaded into a fresh
//! isolate per version; a reload (see `reload.rs`) bumps a shared
//! generation and each worker swaps to a new version at its next request,
//! while requests already running keep the `Rc` of the version they
//! started on. Never blocks a worker on I/O.

mod convert;
mod drive;
pub mod reload;

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kiln_runtime::host_api::{install_cache, load_app, LoadError, ScriptApp, Snapshot};
use kiln_runtime::{Isolate, Options};
use kiln_server::app::{Call, Interrupter, ParamValue, Request, RouteId, RouteTable, WorkerApp};
use kiln_server::CacheStore;

use convert::HostCache;
use drive::{handler_error, RequestParts};

/// What every worker shares: where the scripts are, how to run them, the
/// current script generation and the shared cache.
pub struct AppShared {
    pub scripts_dir: PathBuf,
    pub jit: bool,
    pub generation: AtomicU64,
    /// The sources of the current generation (workers load from this, never
    /// from the disk, so a broken edit cannot reach a lagging worker).
    snapshot: Mutex<Arc<Snapshot>>,
    pub cache: Arc<CacheStore>,
}

impl AppShared {
    pub fn new(snapshot: Snapshot, jit: bool) -> Arc<AppShared> {
        Arc::new(AppShared {
            scripts_dir: snapshot.dir.clone(),
            jit,
            generation: AtomicU64::new(0),
            snapshot: Mutex::new(Arc::new(snapshot)),
            cache: Arc::new(CacheStore::new()),
        })
    }

    /// Makes `snapshot` the current version; returns its generation.
    pub fn publish(&self, snapshot: Snapshot) -> u64 {
        if let Ok(mut current) = self.snapshot.lock() {
            *current = Arc::new(snapshot);
        }
        self.generation.fetch_add(1, Ordering::AcqRel) + 1
    }

    fn current_snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.lock().ok().map(|s| Arc::clone(&s))
    }
}

/// One loaded version of the scripts in one isolate.
pub struct Loaded {
    isolate: RefCell<Isolate>,
    app: ScriptApp,
    routes: Arc<RouteTable>,
}

/// Loads the scripts into a new isolate whose interrupt flag is `interrupt`.
pub fn load_version(shared: &AppShared, interrupt: &Arc<AtomicBool>) -> Result<Loaded, String> {
    install_cache(Arc::new(HostCache(Arc::clone(&shared.cache))));
    let mut isolate = Isolate::new(Options {
        jit: shared.jit,
        stats: false,
        jit_threshold: None,
        jit_sync: false,
    });
    isolate.vm().interrupt = Arc::clone(interrupt);
    let snapshot = shared
        .current_snapshot()
        .ok_or_else(|| "the script snapshot is unavailable".to_owned())?;
    let app = load_app(&mut isolate, &snapshot).map_err(|e| match e {
        LoadError::Raised(traceback) => format!("a script raised while loading:\n{traceback}"),
        other => other.to_string(),
    })?;
    let mut routes = RouteTable::new();
    for def in &app.routes {
        let methods: Vec<&str> = def.methods.iter().map(String::as_str).collect();
        routes
            .add(&def.pattern, &methods)
            .map_err(|e| format!("@route: {e}"))?;
    }
    Ok(Loaded {
        isolate: RefCell::new(isolate),
        app,
        routes: Arc::new(routes),
    })
}

pub struct ScriptWorkerApp {
    shared: Arc<AppShared>,
    current: RefCell<Option<Rc<Loaded>>>,
    seen_generation: Cell<u64>,
    interrupt: Arc<AtomicBool>,
    empty: Arc<RouteTable>,
}

impl ScriptWorkerApp {
    /// Builds worker `index`'s app on its own thread.
    pub fn new(shared: Arc<AppShared>, index: usize) -> ScriptWorkerApp {
        let interrupt = Arc::new(AtomicBool::new(false));
        let generation = shared.generation.load(Ordering::Acquire);
        let current = match load_version(&shared, &interrupt) {
            Ok(loaded) => Some(Rc::new(loaded)),
            Err(e) => {
                // Every path is a 404 on this worker; the error is logged.
                tracing::error!(target: "kiln::scripts", "worker {index}: cannot load the scripts: {e}");
                None
            }
        };
        ScriptWorkerApp {
            shared,
            current: RefCell::new(current),
            seen_generation: Cell::new(generation),
            interrupt,
            empty: Arc::new(RouteTable::new()),
        }
    }

    /// Swaps to the newest script generation if one was published; a
    /// version that fails to load is logged and the old one kept.
    fn refresh(&self) {
        let latest = self.shared.generation.load(Ordering::Acquire);
        if latest == self.seen_generation.get() {
            return;
        }
        self.seen_generation.set(latest);
        match load_version(&self.shared, &self.interrupt) {
            Ok(loaded) => {
                *self.current.borrow_mut() = Some(Rc::new(loaded));
                tracing::info!(target: "kiln::scripts", "worker switched to script generation {latest}");
            }
            Err(e) => tracing::error!(
                target: "kiln::scripts",
                "reload failed, the previous version keeps serving: {e}"
            ),
        }
    }

    fn loaded(&self) -> Option<Rc<Loaded>> {
        self.current.borrow().clone()
    }
}

impl WorkerApp for ScriptWorkerApp {
    fn routes(&self) -> Arc<RouteTable> {
        self.refresh();
        match self.loaded() {
            Some(loaded) => Arc::clone(&loaded.routes),
            None => Arc::clone(&self.empty),
        }
    }

    fn call(&mut self, route: RouteId, req: Request, params: Vec<(String, ParamValue)>) -> Call {
        match self.loaded() {
            Some(loaded) => drive::run_handler(loaded, route.0, req, params),
            None => Call::Done(Err(kiln_server::app::HandlerError::Raised {
                message: "the scripts are not loaded".into(),
                traceback: String::new(),
            })),
        }
    }

    fn interrupter(&self) -> Option<Interrupter> {
        let flag = Arc::clone(&self.interrupt);
        Some(Arc::new(move || flag.store(true, Ordering::Relaxed)))
    }

    fn error_response(&mut self, mut req: Request, status: u16) -> Option<Call> {
        let loaded = self.loaded()?;
        let parts = RequestParts::of(&req);
        let answered = {
            let mut isolate = loaded.isolate.try_borrow_mut().ok()?;
            let data = parts.data(&mut req);
            loaded.app.error_response(isolate.vm(), data, status)?
        };
        let result = match answered {
            Ok(data) => drive::into_response_data(&loaded, data),
            Err(e) => Err(handler_error(e)),
        };
        Some(Call::Done(result))
    }
}
