# The smallest handlers: `kiln serve scripts --static scripts/static`, then
# open http://127.0.0.1:8080/ . Every .py file in this directory is a module;
# decorators from `kiln` register routes when the file loads.
from kiln import route


@route("/")
def index(req):
    # A str result is an HTML page (200, text/html; charset=utf-8).
    return "<h1>hello from kiln</h1><p>see /api/users/1, /fib/20, /slow, /count-to/5</p>"


@route("/plaintext")
def plaintext(req):
    # A (body, status, headers) tuple sets the rest of the response.
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@route("/hello/<name>")
def hello(req, name):
    return "hello, " + name
