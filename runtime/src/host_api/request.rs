//! The `kiln.Request` object a handler receives, built natively and lazily.
//!
//! Building every part of a request up front (args, headers, cookies and
//! form as multidicts of tuples) cost more than a whole small handler, and
//! most handlers touch one part or none. So a request starts with its plain
//! attributes only (`method`, `path`, `query_string`, `data`,
//! `remote_addr`) plus `_head`, the header pairs packed into one bytes
//! object, and `args` when the request has a query string (its handler
//! nearly always reads it); `Request.__getattr__` (the prelude) calls `request_attr`
//! (`request_attr.rs`) the first time a handler reads `args`, `headers`,
//! `cookies` or `form`, which builds that part and stores it on the
//! instance, so later reads are plain attribute hits. What a handler can
//! observe is the same as with `Request.__init__`, apart from `vars(req)`
//! listing only the parts already touched.

use std::cell::RefCell;
use std::rc::Rc;

use crate::dict::Dict;
use crate::hash::str_hash;
use crate::object::{InstanceObj, Payload};
use crate::value::Value;
use crate::vm::Vm;

use super::request_attr::build_part;
use super::{PackHeaders, RequestData};

/// An attribute name as a ready dict key: the str value and its hash.
pub(super) struct AttrKey(pub Value, pub u64);

impl AttrKey {
    /// The key is the isolate's interned name, the very object compiled
    /// code reads the attribute by, so attribute caches find it by identity.
    fn new(vm: &mut Vm, name: &str) -> AttrKey {
        AttrKey(vm.intern_name(name), str_hash(name))
    }

    pub fn name(&self) -> &str {
        self.0.as_str().unwrap_or("")
    }

    /// This attribute of `dict`: by its template position when the key
    /// there is this very key (the usual case), else by lookup.
    pub fn read(&self, dict: &Dict, at: usize) -> Option<Value> {
        dict.get_if_key_at(at, &self.0)
            .or_else(|| dict.get_name(&self.0, self.name(), self.1))
            .cloned()
    }

    /// Sets this attribute of `dict`, appending it when absent.
    pub fn store(&self, dict: &mut Dict, value: Value) {
        if dict.has_name(&self.0, self.name(), self.1) {
            dict.set_name(self.name(), value);
        } else {
            dict.push_new(self.1, self.0.clone(), value);
        }
    }
}

/// Where `build` puts each up-front attribute in the instance dict.
pub(super) mod at {
    pub const QUERY_STRING: usize = 2;
    pub const DATA: usize = 3;
    pub const HEAD: usize = 5;
}

/// The up-front attributes, in their dict order (see `at`).
const UP_FRONT: [&str; 6] = [
    "method",
    "path",
    "query_string",
    "data",
    "remote_addr",
    "_head",
];

/// The lazily built parts, in `Part` order.
const PART_NAMES: [&str; 4] = ["args", "headers", "cookies", "form"];

/// A lazily built part of a request.
#[derive(Clone, Copy)]
pub(super) enum Part {
    Args,
    Headers,
    Cookies,
    Form,
}

impl Part {
    pub fn of(name: &str) -> Option<Part> {
        Some(match name {
            "args" => Part::Args,
            "headers" => Part::Headers,
            "cookies" => Part::Cookies,
            "form" => Part::Form,
            _ => return None,
        })
    }
}

/// What every request of one app shares: its classes and the dict keys of
/// its attributes, made once so no request hashes a name or looks a class
/// up in the `kiln` module.
pub(super) struct RequestShape {
    /// `kiln.Request`.
    pub class: Value,
    /// `kiln._MultiDict` and `kiln._Headers`.
    pub multidict: Value,
    pub headers: Value,
    pub up_front: [AttrKey; 6],
    pub parts: [AttrKey; 4],
    /// A multidict's dict, `{"_pairs": None}`, cloned for each.
    pairs_template: Dict,
    /// Each part's pairs as last built, in `Part` order (`pairs_list`).
    recent: [RefCell<Vec<Value>>; 4],
}

impl RequestShape {
    pub fn new(vm: &mut Vm, class: Value, multidict: Value, headers: Value) -> RequestShape {
        let pairs = AttrKey::new(vm, "_pairs");
        let mut pairs_template = Dict::with_capacity(1);
        pairs_template.push_new(pairs.1, pairs.0, Value::none());
        RequestShape {
            class,
            multidict,
            headers,
            up_front: UP_FRONT.map(|name| AttrKey::new(vm, name)),
            parts: PART_NAMES.map(|name| AttrKey::new(vm, name)),
            pairs_template,
            recent: Default::default(),
        }
    }

    /// The pairs of `part` the last request got, to share equal ones.
    pub fn recent_pairs(&self, part: Part) -> &RefCell<Vec<Value>> {
        &self.recent[part as usize]
    }

    pub fn part_key(&self, part: Part) -> &AttrKey {
        &self.parts[part as usize]
    }

    /// `class(pairs)` without running `__init__` (it only stores `_pairs`).
    pub fn multidict(&self, class: &Value, pairs: Value) -> Value {
        let mut dict = self.pairs_template.clone();
        if let Some(slot) = dict.get_index_mut(0) {
            *slot = pairs;
        }
        Value::new_heap(Payload::Instance(InstanceObj {
            class: class.clone(),
            dict: RefCell::new(dict),
        }))
    }
}

thread_local! {
    /// The shapes of this thread's live builders (one per loaded version
    /// of the app): `request_attr`, a plain native with no app at hand,
    /// finds a request's shape here by its class.
    static SHAPES: RefCell<Vec<Rc<RequestShape>>> = const { RefCell::new(Vec::new()) };
}

/// The shape of a request whose class is `class`, if a builder of this
/// thread made it.
pub(super) fn shape_for(class: &Value) -> Option<Rc<RequestShape>> {
    SHAPES.with(|shapes| {
        shapes
            .borrow()
            .iter()
            .find(|shape| shape.class.is(class))
            .cloned()
    })
}

/// HTTP methods as shared str values: a request's method is nearly always
/// one of these, and a str is immutable, so one value serves every request.
const COMMON_METHODS: [&str; 7] = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// What building request objects needs, made once per loaded app.
pub struct RequestBuilder {
    shape: Rc<RequestShape>,
    /// The up-front attributes with None values: each request's dict is a
    /// clone with the values replaced, cheaper than inserting key by key.
    /// A clone has room for one more entry, so storing the first lazy part
    /// does not grow it (room for all four costs every request more).
    template: Dict,
    methods: Vec<(&'static str, Value)>,
    empty_str: Value,
    empty_bytes: Value,
    /// The last peer address's str: keep-alive clients send many requests
    /// from one address.
    last_remote: RefCell<Option<Value>>,
    /// Each route's last path str: a route without parameters always
    /// sees the same path, and a str is immutable, so requests share it.
    last_paths: RefCell<Vec<Option<Value>>>,
    /// Each route's last query string str, shared the same way.
    last_queries: RefCell<Vec<Option<Value>>>,
    /// The last packed headers: a client sends the same headers request
    /// after request, and a bytes object is immutable, so equal heads
    /// share it, compared without packing them again (`PackHeaders`).
    last_head: RefCell<Option<Value>>,
}

/// The longest packed head remembered for the next request.
const RECENT_HEAD_BYTES: usize = 4096;

impl RequestBuilder {
    /// For `kiln.Request` objects whose lazy parts are `_MultiDict` and
    /// `_Headers` instances.
    pub fn new(vm: &mut Vm, class: Value, multidict: Value, headers: Value) -> RequestBuilder {
        let shape = RequestShape::new(vm, class, multidict, headers);
        let mut template = Dict::with_capacity(UP_FRONT.len() + 1);
        for key in &shape.up_front {
            template.push_new(key.1, key.0.clone(), Value::none());
        }
        let shape = Rc::new(shape);
        SHAPES.with(|shapes| shapes.borrow_mut().push(Rc::clone(&shape)));
        RequestBuilder {
            shape,
            template,
            methods: COMMON_METHODS
                .iter()
                .map(|m| (*m, Value::from_str(m)))
                .collect(),
            empty_str: Value::from_str(""),
            empty_bytes: Value::bytes(Vec::new()),
            last_remote: RefCell::new(None),
            last_paths: RefCell::new(Vec::new()),
            last_queries: RefCell::new(Vec::new()),
            last_head: RefCell::new(None),
        }
    }

    fn method(&self, method: &str) -> Value {
        match self.methods.iter().find(|(m, _)| *m == method) {
            Some((_, v)) => v.clone(),
            None => Value::from_str(method),
        }
    }

    fn remote(&self, remote: &str) -> Value {
        let mut last = self.last_remote.borrow_mut();
        if let Some(v) = last.as_ref().filter(|v| v.as_str() == Some(remote)) {
            return v.clone();
        }
        let v = Value::from_str(remote);
        *last = Some(v.clone());
        v
    }

    /// `path` as a str, shared with the route's last request when equal.
    fn path(&self, path: &str, route: Option<usize>) -> Value {
        per_route(&self.last_paths, path, route)
    }

    /// The query string as a str, shared as `path` is; "" is one value.
    fn query(&self, query: &str, route: Option<usize>) -> Value {
        if query.is_empty() {
            return self.empty_str.clone();
        }
        per_route(&self.last_queries, query, route)
    }

    /// The packed headers as bytes: the last request's when they pack the
    /// same, else packed now.
    fn head(&self, headers: &mut dyn PackHeaders) -> Value {
        let Ok(mut last) = self.last_head.try_borrow_mut() else {
            return Value::bytes(headers.take_packed());
        };
        if let Some(v) = last.as_ref() {
            if headers.packs_to(v.as_bytes().unwrap_or_default()) {
                return v.clone();
            }
        }
        let packed = headers.take_packed();
        if packed.is_empty() {
            return self.empty_bytes.clone();
        }
        let small = packed.len() <= RECENT_HEAD_BYTES;
        let v = Value::bytes(packed);
        *last = small.then(|| v.clone());
        v
    }

    /// A `kiln.Request` with the plain attributes set and the rest left to
    /// A `kiln.Request` with the plain attributes set and the rest left to
    /// `request_attr`; `route` is the matched route's index, if any.
    pub fn build(&self, req: RequestData, route: Option<usize>) -> Value {
        let data = if req.body.is_empty() {
            self.empty_bytes.clone()
        } else {
            Value::bytes(req.body.to_vec())
        };
        let head = self.head(req.headers);
        let query = self.query(req.query_string, route);
        // A handler reached with a query string nearly always reads
        // `req.args`: built here, it is a plain attribute hit, where the
        // first read through `Request.__getattr__` costs more than the
        // building itself. Any other part is left to that first read.
        let args = match (route, req.query_string.is_empty()) {
            (Some(_), false) => Some(build_part(&self.shape, Part::Args, |i| {
                (i == at::QUERY_STRING).then(|| query.clone())
            })),
            _ => None,
        };
        let values = [
            self.method(req.method),
            self.path(req.path, route),
            query,
            data,
            self.remote(req.remote_addr),
            head,
        ];
        let mut dict = self.template.clone();
        for (i, value) in values.into_iter().enumerate() {
            if let Some(slot) = dict.get_index_mut(i) {
                *slot = value;
            }
        }
        if let Some(args) = args {
            let key = self.shape.part_key(Part::Args);
            dict.push_new(key.1, key.0.clone(), args);
        }
        Value::new_heap(Payload::Instance(InstanceObj {
            class: self.shape.class.clone(),
            dict: RefCell::new(dict),
        }))
    }
}

/// `text` as a str, shared with route `route`'s last one (in `slots`) when
/// equal.
fn per_route(slots: &RefCell<Vec<Option<Value>>>, text: &str, route: Option<usize>) -> Value {
    let (Some(route), Ok(mut slots)) = (route, slots.try_borrow_mut()) else {
        return Value::from_str(text);
    };
    if slots.len() <= route {
        slots.resize(route + 1, None);
    }
    let slot = &mut slots[route];
    if let Some(v) = slot.as_ref().filter(|v| v.as_str() == Some(text)) {
        return v.clone();
    }
    let v = Value::from_str(text);
    *slot = Some(v.clone());
    v
}

impl Drop for RequestBuilder {
    fn drop(&mut self) {
        // `try_with`: at thread exit the list may already be gone.
        let _ = SHAPES.try_with(|shapes| {
            if let Ok(mut shapes) = shapes.try_borrow_mut() {
                shapes.retain(|shape| !Rc::ptr_eq(shape, &self.shape));
            }
        });
    }
}
