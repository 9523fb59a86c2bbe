//! The boundary between the host and the script runtime: one `WorkerApp` per
//! worker thread (it owns that thread's isolate, so it is not `Send`), plus a
//! closure-based `FnApp` used by tests and as an example.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use super::request::{BodyError, Headers, MultiDict, Request};
pub use super::response::{
    Body, ChunkStream, HandlerError, HandlerResult, HeaderText, Response, StreamError,
};
pub use super::router::{ParamValue, RouteId, RouteMatch, RouteTable};

/// A boxed handler future; it runs on the worker's single thread.
pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult>>>;

/// A handler run as far as it goes without waiting. Most handlers never
/// wait, and answering them without a future spares the request a boxed
/// future and the copies of the futures nested around it.
pub enum Call {
    /// It finished (or failed) without waiting.
    Done(HandlerResult),
    /// It waits for something: the rest runs as this future.
    Pending(HandlerFuture),
}

/// Called from the deadline watchdog thread when a request on this worker
/// runs past its deadline; the runtime sets its interrupt flag so a handler
/// stuck in a loop raises and its future completes.
pub type Interrupter = Arc<dyn Fn() + Send + Sync>;

/// The loaded scripts, as seen by one worker thread.
pub trait WorkerApp {
    /// Route table of the loaded scripts (shared immutable data, built once
    /// per load; a reload swaps in a new one).
    fn routes(&self) -> Arc<RouteTable>;

    /// Runs the handler for a matched route. A pending future must not
    /// borrow `self`: the worker may start other requests meanwhile.
    fn call(&mut self, route: RouteId, req: Request, params: Vec<(String, ParamValue)>) -> Call;

    /// A thread-safe way to interrupt this worker's running handler; `None`
    /// when the app cannot be interrupted (then only handlers that yield can
    /// be cut off at their deadline).
    fn interrupter(&self) -> Option<Interrupter> {
        None
    }

    /// Lets the scripts answer an error the host found before any handler
    /// ran (404 for an unknown path, 405 for a wrong method): the runtime
    /// runs its `@errorhandler(status)` here. `None` means the host's default
    /// page. The body of `req` is not read for these.
    fn error_response(&mut self, req: Request, status: u16) -> Option<Call> {
        let _ = (req, status);
        None
    }
}

/// A handler of the closure-based app.
pub type FnHandler = Arc<dyn Fn(Request, Vec<(String, ParamValue)>) -> HandlerFuture + Send + Sync>;

/// A synchronous handler of the closure-based app.
type SyncHandler = Arc<dyn Fn(Request, Vec<(String, ParamValue)>) -> HandlerResult + Send + Sync>;

/// How a closure-based handler answers.
#[derive(Clone)]
enum Handler {
    Sync(SyncHandler),
    Async(FnHandler),
}

/// A `WorkerApp` made of Rust closures; the same table serves every worker.
#[derive(Clone, Default)]
pub struct FnApp {
    routes: Arc<RouteTable>,
    handlers: Arc<Vec<Handler>>,
    interrupter: Option<Interrupter>,
}

/// Collects routes for an `FnApp`.
#[derive(Default)]
pub struct FnAppBuilder {
    routes: RouteTable,
    handlers: Vec<Handler>,
    interrupter: Option<Interrupter>,
}

impl FnAppBuilder {
    /// Adds a synchronous handler. Panics on a bad pattern (test code only).
    pub fn route<F>(self, pattern: &str, methods: &[&str], handler: F) -> FnAppBuilder
    where
        F: Fn(Request, Vec<(String, ParamValue)>) -> HandlerResult + Send + Sync + 'static,
    {
        self.add(pattern, methods, Handler::Sync(Arc::new(handler)))
    }

    /// Adds a handler that returns a future.
    pub fn route_async<F>(self, pattern: &str, methods: &[&str], handler: F) -> FnAppBuilder
    where
        F: Fn(Request, Vec<(String, ParamValue)>) -> HandlerFuture + Send + Sync + 'static,
    {
        self.add(pattern, methods, Handler::Async(Arc::new(handler)))
    }

    fn add(mut self, pattern: &str, methods: &[&str], handler: Handler) -> FnAppBuilder {
        if let Err(e) = self.routes.add(pattern, methods) {
            panic!("FnApp: {e}");
        }
        self.handlers.push(handler);
        self
    }

    pub fn interrupter(mut self, interrupter: Interrupter) -> FnAppBuilder {
        self.interrupter = Some(interrupter);
        self
    }

    pub fn build(self) -> FnApp {
        FnApp {
            routes: Arc::new(self.routes),
            handlers: Arc::new(self.handlers),
            interrupter: self.interrupter,
        }
    }
}

impl FnApp {
    pub fn builder() -> FnAppBuilder {
        FnAppBuilder::default()
    }
}

impl WorkerApp for FnApp {
    fn routes(&self) -> Arc<RouteTable> {
        Arc::clone(&self.routes)
    }

    fn call(&mut self, route: RouteId, req: Request, params: Vec<(String, ParamValue)>) -> Call {
        match self.handlers.get(route.0) {
            Some(Handler::Sync(handler)) => Call::Done(handler(req, params)),
            Some(Handler::Async(handler)) => Call::Pending(handler(req, params)),
            None => Call::Done(Err(HandlerError::Raised {
                message: format!("no handler for {route:?}"),
                traceback: String::new(),
            })),
        }
    }

    fn interrupter(&self) -> Option<Interrupter> {
        self.interrupter.clone()
    }
}
