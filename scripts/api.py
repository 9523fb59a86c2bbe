# A small JSON API: path parameters with converters, query arguments, a JSON
# body, a form post, errors with abort(), and the shared cache.
from kiln import route, get, post, abort, redirect, cache
from textutil import slug

USERS = {1: "ada", 2: "grace", 3: "barbara"}


@get("/json")
def hello_json(req):
    # dict and list results are compact JSON.
    return {"message": "Hello, World!"}


@route("/api/users/<int:uid>", methods=["GET", "PUT"])
def user(req, uid):
    if uid not in USERS:
        abort(404)
    fields = req.args.get("fields", "id,name").split(",")
    record = {"id": uid, "name": USERS[uid], "slug": slug(USERS[uid])}
    return {k: record[k] for k in fields if k in record}


@get("/api/search")
def search(req):
    # /api/search?q=a&limit=2 ; args.getlist reads repeated keys.
    q = req.args.get("q", "")
    limit = int(req.args.get("limit", "10"))
    names = [n for n in USERS.values() if q in n][:limit]
    return {"q": q, "tags": req.args.getlist("tag"), "results": names}


@post("/api/sum")
def total(req):
    # req.json parses the body; malformed JSON is a 400 before this line.
    body = req.json
    return {"total": sum(body["numbers"])}


@post("/signup")
def signup(req):
    # An HTML form post (application/x-www-form-urlencoded).
    name = req.form.get("name", "").strip()
    if not name:
        return {"error": "name is required"}, 422
    visitors = cache.incr("signups")
    return {"welcome": name, "visitor": visitors}, 201


@route("/old-home")
def old_home(req):
    return redirect("/")
