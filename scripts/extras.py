# The rest of the handler API: a CPU-bound route, a cached route, an async
# route, a streamed response and request hooks.
import time
from kiln import route, cached, sleep, after_request, errorhandler


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@route("/fib/<int:n>")
def fib_route(req, n):
    if n > 32:
        return "n is too large", 400
    return {"n": n, "fib": fib(n)}


@route("/time")
@cached(ttl=5)
def cached_time(req):
    # Computed at most once every 5 s; all workers share the cached copy.
    return {"computed_at": time.time()}


@route("/slow")
async def slow(req):
    # Sleeping frees the worker: other requests run meanwhile.
    await sleep(0.05)
    return "done after 50 ms", 202, {"X-Kind": "slow"}


@route("/count-to/<int:n>")
def count_to(req, n):
    # A generator result is streamed with chunked transfer encoding.
    for i in range(1, min(n, 1000) + 1):
        yield str(i) + "\n"


@after_request
def powered_by(req, resp):
    resp.headers["X-Powered-By"] = "kiln"
    return resp


@errorhandler(404)
def not_found(req, err):
    return {"error": "not found", "path": req.path}, 404
