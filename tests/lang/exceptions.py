# Exceptions: matching, else/finally ordering, re-raise, chaining,
# user exception hierarchies, exceptions crossing function frames.
class AppError(Exception):
    pass
class NotFound(AppError):
    def __init__(self, what):
        super().__init__(f"{what} not found")
        self.what = what
def find(key):
    if key == "missing":
        raise NotFound(key)
    if key == "bad":
        raise ValueError("bad key")
    return key.upper()
for key in ("ok", "missing", "bad"):
    try:
        print("found", find(key))
    except NotFound as e:
        print("NotFound:", e, e.what, e.args, isinstance(e, AppError))
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
    else:
        print("else ran")
    finally:
        print("finally", key)
def order():
    log = []
    try:
        try:
            log.append("try")
            raise KeyError("k")
        finally:
            log.append("inner finally")
    except KeyError as e:
        log.append("caught " + repr(e))
    return log
print(order())
def ret_in_finally():
    try:
        return "try"
    finally:
        print("finally before return")
print(ret_in_finally())
def finally_overrides():
    try:
        return 1
    finally:
        return 2
print(finally_overrides())
def loop_finally():
    out = []
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        finally:
            out.append("f" + str(i))
    return out
print(loop_finally())
try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise RuntimeError("wrapped") from e
except RuntimeError as e:
    print(e, type(e.__cause__).__name__, e.__cause__)
try:
    try:
        {}["x"]
    except KeyError:
        raise ValueError("during")
except ValueError as e:
    print(e, repr(e.__context__))
try:
    raise AppError
except Exception as e:
    print(repr(e), str(e) == "", e.args)
def reraiser():
    try:
        [][0]
    except IndexError:
        print("logging then re-raising")
        raise
try:
    reraiser()
except IndexError as e:
    print("outer got", e)
try:
    assert 1 + 1 == 3, "math is broken"
except AssertionError as e:
    print("AssertionError:", e)
e = None
try:
    int("x")
except ValueError as err:
    e = str(err)
print(e)
try:
    raise StopIteration(5)
except StopIteration as s:
    print("stop", s.value if hasattr(s, "value") else s.args[0])
class Resource:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print("enter", self.name)
        return self
    def __exit__(self, et, ev, tb):
        print("exit", self.name, et.__name__ if et else None, ev)
        return et is KeyError
with Resource("a") as r, Resource("b"):
    print("inside", r.name)
with Resource("c"):
    raise KeyError("swallowed")
try:
    with Resource("d"):
        raise ValueError("propagates")
except ValueError as e:
    print("after with:", e)
