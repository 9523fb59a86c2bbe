//! The Python half of the `kiln` module: decorators, `Response`, `abort`,
//! `redirect`, the request object, `cache`, `cached`, `sleep`, and the
//! per-request dispatcher the host drives as a coroutine. It is compiled
//! into each isolate when a script first imports `kiln`; the natives it
//! calls (`_cache_*`, `_is_coroutine`) are installed by `kiln.rs`.
//! It must stay inside Kiln's Python subset, and never do I/O itself.

/// Source of the Python half of `kiln`.
pub const PRELUDE: &str = r#"
import json as _json

_routes = []
_before = []
_after = []
_errorhandlers = {}

_REASONS = {400: "bad request", 401: "unauthorized", 403: "forbidden",
            404: "not found", 405: "method not allowed", 409: "conflict",
            410: "gone", 413: "request body too large", 415: "unsupported media type",
            422: "unprocessable entity", 429: "too many requests",
            500: "internal server error", 501: "not implemented",
            502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}


class HTTPException(Exception):
    def __init__(self, code, description=None):
        super().__init__(code, description)
        self.code = code
        self.description = description


class Response:
    def __init__(self, body="", status=200, headers=None, content_type=None):
        self.body = body
        self.status = status
        self.headers = {}
        if headers is not None:
            _merge_headers(self.headers, headers)
        if content_type is not None:
            self.headers["Content-Type"] = content_type

    def __repr__(self):
        return "<Response " + str(self.status) + ">"


def _merge_headers(target, headers):
    if isinstance(headers, dict):
        for key in headers:
            target[key] = str(headers[key])
    else:
        for pair in headers:
            target[pair[0]] = str(pair[1])


def route(path, methods=None):
    if methods is None:
        methods = ["GET"]
    names = [str(m).upper() for m in methods]

    def register(fn):
        _routes.append((path, names, fn))
        return fn
    return register


def get(path):
    return route(path, ["GET"])


def post(path):
    return route(path, ["POST"])


def put(path):
    return route(path, ["PUT"])


def delete(path):
    return route(path, ["DELETE"])


def errorhandler(code):
    def register(fn):
        _errorhandlers[code] = fn
        return fn
    return register


def before_request(fn):
    _before.append(fn)
    return fn


def after_request(fn):
    _after.append(fn)
    return fn


def abort(code, description=None):
    raise HTTPException(code, description)


def redirect(url, code=302):
    body = "redirecting to " + url + "\n"
    return Response(body, status=code, headers={"Location": url},
                    content_type="text/plain; charset=utf-8")


_MISSING = object()


class _MultiDict:
    def __init__(self, pairs):
        self._pairs = pairs

    def get(self, key, default=None):
        return _pairs_get(self._pairs, key, default)

    def getlist(self, key):
        return [pair[1] for pair in self._pairs if pair[0] == key]

    def __getitem__(self, key):
        v = _pairs_get(self._pairs, key, _MISSING)
        if v is _MISSING:
            raise HTTPException(400, "missing key " + repr(key))
        return v

    def __contains__(self, key):
        return _pairs_get(self._pairs, key, _MISSING) is not _MISSING

    def keys(self):
        seen = []
        for pair in self._pairs:
            if pair[0] not in seen:
                seen.append(pair[0])
        return seen

    def items(self):
        return [(k, self.get(k)) for k in self.keys()]

    def to_dict(self):
        out = {}
        for k in self.keys():
            out[k] = self.get(k)
        return out

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def __repr__(self):
        return "MultiDict(" + repr(self._pairs) + ")"


class _Headers(_MultiDict):
    def get(self, key, default=None):
        low = key.lower()
        for pair in self._pairs:
            if pair[0].lower() == low:
                return pair[1]
        return default

    def getlist(self, key):
        low = key.lower()
        return [pair[1] for pair in self._pairs if pair[0].lower() == low]

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise HTTPException(400, "missing header " + repr(key))
        return value

    def __contains__(self, key):
        return self.get(key) is not None


class Request:
    def __init__(self, method, path, query_string, args, headers, cookies, data, form, remote_addr):
        self.method = method
        self.path = path
        self.query_string = query_string
        self.args = _MultiDict(args)
        self.headers = _Headers(headers)
        self.cookies = _MultiDict(cookies)
        self.data = data
        self.form = _MultiDict(form)
        self.remote_addr = remote_addr
        self._json_loaded = False
        self._json = None

    # The host leaves args, headers, cookies and form to first use (a native:
    # it is called as _request_attr(self, name)).
    __getattr__ = _request_attr

    @property
    def text(self):
        return self.data.decode("utf-8", "replace")

    @property
    def json(self):
        if not self._json_loaded:
            text = self.text
            if text.strip() == "":
                self._json = None
            else:
                try:
                    self._json = _json.loads(text)
                except Exception:
                    raise HTTPException(400, "request body is not valid JSON")
            self._json_loaded = True
        return self._json

    def __repr__(self):
        return "<Request " + self.method + " " + self.path + ">"


class _Sleep:
    def __init__(self, seconds):
        self.seconds = seconds

    def __await__(self):
        yield self


def sleep(seconds):
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError("sleep length must be a non-negative number")
    return _Sleep(seconds)


class _Cache:
    def get(self, key, default=None):
        return _cache_get(key, default)

    def set(self, key, value, ttl=None):
        _cache_set(key, value, ttl)

    def incr(self, key, by=1):
        return _cache_incr(key, by)

    def delete(self, key):
        return _cache_delete(key)


cache = _Cache()


def cached(ttl=None):
    def wrap(fn):
        async def cached_view(req, *args, **kwargs):
            if req.method != "GET" and req.method != "HEAD":
                result = fn(req, *args, **kwargs)
                if _is_coroutine(result):
                    result = await result
                return result
            key = "kiln.cached:" + req.path + "?" + req.query_string
            hit = _cache_get(key, None)
            if hit is not None:
                return Response(hit[0], status=hit[1], headers=hit[2])
            result = fn(req, *args, **kwargs)
            if _is_coroutine(result):
                result = await result
            resp = _to_response(result)
            if resp.status == 200 and _is_plain(resp.body):
                pairs = [[k, resp.headers[k]] for k in resp.headers]
                _cache_set(key, [resp.body, resp.status, pairs], ttl)
            return resp
        return cached_view
    return wrap


def _to_response(result):
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        if len(result) < 2 or len(result) > 3:
            raise TypeError("a handler's tuple result must be (body, status) or (body, status, headers)")
        resp = _to_response(result[0])
        extra = None
        if len(result) == 3:
            resp.status = result[1]
            extra = result[2]
        elif isinstance(result[1], (dict, list)):
            extra = result[1]
        else:
            resp.status = result[1]
        if extra is not None:
            _merge_headers(resp.headers, extra)
        return resp
    if result is None:
        raise TypeError("The view function did not return a valid response. "
                        "The function either returned None or ended without a return statement.")
    return Response(result)


def _default_error(code):
    text = _REASONS.get(code, "error")
    return Response(text + "\n", status=code, content_type="text/plain; charset=utf-8")


def _error_response(req, code, err):
    handler = _errorhandlers.get(code)
    if handler is None:
        return _default_error(code)
    return _to_response(handler(req, err))


def _after_hooks(req, resp):
    for hook in _after:
        resp = _to_response(hook(req, resp))
    return resp


def _dispatch(handler, req, params):
    # Synchronous, so a plain handler costs no coroutine. It returns a
    # Response, a bare str/bytes/dict/list body (no after-hooks: the host
    # makes it a 200 itself), or, for an async handler, the coroutine of
    # _dispatch_async for the host to drive.
    resp = None
    try:
        for hook in _before:
            early = hook(req)
            if early is not None:
                resp = _to_response(early)
                break
        if resp is None:
            result = handler(req, **params)
            if _is_coroutine(result):
                return _dispatch_async(result, req)
            if not _after and _is_direct_body(result):
                return result
            resp = _to_response(result)
    except HTTPException as err:
        resp = _error_response(req, err.code, err)
    return _after_hooks(req, resp)
async def _dispatch_async(pending, req):
    try:
        resp = _to_response(await pending)
    except HTTPException as err:
        resp = _error_response(req, err.code, err)
    return _after_hooks(req, resp)


def _dispatch_error(req, code):
    try:
        resp = _error_response(req, code, HTTPException(code))
    except HTTPException as err:
        resp = _default_error(err.code)
    return _after_hooks(req, resp)
"#;
