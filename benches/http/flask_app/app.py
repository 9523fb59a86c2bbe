# The benchmark app for Flask on gunicorn (benches/http/run.sh): the same
# routes as ../kiln_app/app.py; static files through Flask's own static route.
import os

from flask import Flask, request

STATIC_DIR = os.environ.get("BENCH_STATIC_DIR", "static")
app = Flask(__name__, static_folder=STATIC_DIR, static_url_path="/static")


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@app.route("/plaintext")
def plaintext():
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@app.route("/json")
def json_hello():
    return {"message": "Hello, World!"}


@app.route("/fib/<int:n>")
def fib_route(n):
    if n > 32:
        return "n is too large", 400
    return {"n": n, "fib": fib(n)}


@app.route("/items/<int:item_id>")
def item(item_id):
    name = request.args.get("name", "")
    limit = int(request.args.get("limit", "10"))
    return {"id": item_id, "name": name, "limit": limit}
