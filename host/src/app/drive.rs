//! Drives one request through a worker's isolate: starts the dispatcher
//! coroutine, resumes it step by step (an `await sleep(s)` becomes a tokio
//! sleep, so the worker serves others meanwhile), and turns the final
//! `Response` into the host's response, streaming generator bodies chunk by
//! chunk. The isolate is borrowed only during a synchronous step, never
//! across an `.await`.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use kiln_runtime::host_api::{
    BodyData, Plain, RequestData, ResponseData, ScriptError, Started, Step,
};
use kiln_runtime::{Isolate, Value};
use kiln_server::app::{
    Body, Call, HandlerError, HandlerResult, ParamValue, Request, Response, StreamError,
};

use super::convert::param_to_plain;
use super::Loaded;

/// Longest single sleep honoured (a script asking for more is clamped).
const MAX_SLEEP_SECS: f64 = 24.0 * 3600.0;

pub fn handler_error(e: ScriptError) -> HandlerError {
    if e.interrupted {
        HandlerError::Interrupted
    } else {
        HandlerError::Raised {
            message: e.message,
            traceback: e.traceback,
        }
    }
}

fn busy() -> HandlerError {
    HandlerError::Raised {
        message: "RuntimeError: the isolate is busy".into(),
        traceback: String::new(),
    }
}

/// Runs `f` with this version's isolate borrowed for one synchronous step.
fn with_isolate<T>(
    loaded: &Loaded,
    f: impl FnOnce(&mut Isolate) -> Result<T, HandlerError>,
) -> Result<T, HandlerError> {
    let mut isolate = loaded.isolate.try_borrow_mut().map_err(|_| busy())?;
    f(&mut isolate)
}

/// What the runtime's view of a request borrows besides the request.
pub struct RequestParts {
    remote: Rc<str>,
}

thread_local! {
    /// The last peer address and its text: formatting an IP costs more
    /// than the rest of the request's bookkeeping, and a keep-alive client
    /// sends many requests from one address.
    static LAST_REMOTE: std::cell::RefCell<Option<(std::net::IpAddr, Rc<str>)>> =
        const { std::cell::RefCell::new(None) };
}

fn remote_text(req: &Request) -> Rc<str> {
    let Some(ip) = req.remote_addr else {
        return Rc::from("");
    };
    LAST_REMOTE.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((seen, text)) if *seen == ip => Rc::clone(text),
            _ => {
                let text: Rc<str> = Rc::from(req.remote_addr_string());
                *last = Some((ip, Rc::clone(&text)));
                text
            }
        }
    })
}

impl RequestParts {
    pub fn of(req: &Request) -> RequestParts {
        RequestParts {
            remote: remote_text(req),
        }
    }

    /// `req` as the runtime takes it; its headers are packed and handed
    /// over only if the runtime makes a request object.
    pub fn data<'a>(&'a self, req: &'a mut Request) -> RequestData<'a> {
        RequestData {
            method: req.method.as_str(),
            path: &req.path,
            query_string: &req.query_string,
            headers: &mut req.headers,
            body: &req.body,
            remote_addr: &self.remote,
        }
    }
}

/// Starts the handler: a synchronous one is answered here and then; an
/// async one leaves a future that drives its coroutine.
pub fn run_handler(
    loaded: Rc<Loaded>,
    route: usize,
    mut req: Request,
    params: Vec<(String, ParamValue)>,
) -> Call {
    // Most routes have no parameters: that Vec is not rebuilt.
    let params: Vec<(String, Plain)> = match params.is_empty() {
        true => Vec::new(),
        false => params
            .into_iter()
            .map(|(name, value)| (name, param_to_plain(value)))
            .collect(),
    };
    let parts = RequestParts::of(&req);
    let started = with_isolate(&loaded, |isolate| {
        let data = parts.data(&mut req);
        loaded
            .app
            .start(isolate.vm(), route, data, &params)
            .map_err(handler_error)
    });
    drop(req);
    match started {
        Ok(Started::Done(resp)) => Call::Done(into_response(&loaded, &resp)),
        Ok(Started::Pending(coroutine)) => Call::Pending(Box::pin(drive(loaded, coroutine))),
        Err(e) => Call::Done(Err(e)),
    }
}

/// Resumes an async handler's coroutine until it returns or fails.
async fn drive(loaded: Rc<Loaded>, coroutine: Value) -> HandlerResult {
    loop {
        let step = with_isolate(&loaded, |isolate| {
            Ok(loaded.app.resume(isolate.vm(), &coroutine, Value::none()))
        })?;
        match step {
            Step::Sleep(seconds) => {
                let seconds = if seconds.is_finite() {
                    seconds.clamp(0.0, MAX_SLEEP_SECS)
                } else {
                    0.0
                };
                tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            }
            Step::Done(resp) => return into_response(&loaded, &resp),
            Step::Failed(e) => return Err(handler_error(e)),
        }
    }
}

/// Converts a script `Response` value into the host's response.
pub fn into_response(loaded: &Rc<Loaded>, resp: &Value) -> HandlerResult {
    let data = with_isolate(loaded, |isolate| {
        loaded
            .app
            .response_data(isolate.vm(), resp)
            .map_err(handler_error)
    })?;
    into_response_data(loaded, data)
}

/// Wraps plain response data, streaming a generator body.
pub fn into_response_data(loaded: &Rc<Loaded>, data: ResponseData) -> HandlerResult {
    Ok(match data.body {
        BodyData::Bytes(bytes) => Response {
            status: data.status,
            headers: data.headers,
            body: Body::Full(Bytes::from(bytes)),
        },
        BodyData::Stream(generator) => Response {
            status: data.status,
            headers: data.headers,
            body: Body::Stream(Box::pin(ChunkStream {
                loaded: Rc::clone(loaded),
                generator: Some(generator),
            })),
        },
    })
}

/// A generator body, resumed on the worker thread one chunk per poll.
struct ChunkStream {
    loaded: Rc<Loaded>,
    /// None once the generator finished or failed.
    generator: Option<Value>,
}

impl Stream for ChunkStream {
    type Item = Result<Bytes, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(generator) = self.generator.clone() else {
            return Poll::Ready(None);
        };
        let loaded = Rc::clone(&self.loaded);
        let next = match loaded.isolate.try_borrow_mut() {
            Ok(mut isolate) => loaded.app.next_chunk(isolate.vm(), &generator),
            Err(_) => {
                return Poll::Ready(Some(Err(StreamError("the isolate is busy".into()))));
            }
        };
        match next {
            Ok(Some(chunk)) => Poll::Ready(Some(Ok(Bytes::from(chunk)))),
            Ok(None) => {
                self.generator = None;
                Poll::Ready(None)
            }
            Err(e) => {
                self.generator = None;
                tracing::error!(target: "kiln::handler", "streamed response failed: {}\n{}", e.message, e.traceback);
                Poll::Ready(Some(Err(StreamError(e.message))))
            }
        }
    }
}
