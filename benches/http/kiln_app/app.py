# The benchmark app for `kiln serve` (benches/http/run.sh). The same routes
# are in ../flask_app/app.py, ../nginx.conf (fib) and ../../native-hyper.
from kiln import route


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@route("/plaintext")
def plaintext(req):
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@route("/json")
def json_hello(req):
    return {"message": "Hello, World!"}


@route("/fib/<int:n>")
def fib_route(req, n):
    if n > 32:
        return "n is too large", 400
    return {"n": n, "fib": fib(n)}


@route("/items/<int:item_id>")
def item(req, item_id):
    # Path and query parameters: /items/42?name=widget&limit=5
    name = req.args.get("name", "")
    limit = int(req.args.get("limit", "10"))
    return {"id": item_id, "name": name, "limit": limit}
