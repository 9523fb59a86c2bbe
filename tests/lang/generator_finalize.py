# A generator abandoned while suspended is closed when its last reference
# goes away: its finally blocks and with-exits run at that point, and a
# generator suspended in an except block keeps its handled exception.


def gen(name):
    try:
        for i in range(3):
            yield i
    finally:
        print("cleanup", name)


for x in gen("a"):
    if x == 1:
        break
print("after break")


def f():
    g = gen("b")
    next(g)
    return "f done"


print(f())

g = gen("c")
next(g)
g = None
print("after rebind")

g = gen("never started")
del g
print("unstarted generators run nothing")


class CM:
    def __enter__(self):
        print("enter")
        return self

    def __exit__(self, kind, value, tb):
        print("exit", kind)
        return False


def withgen():
    with CM():
        yield 1
        yield 2


for v in withgen():
    print("got", v)
    break
print("end of with")


def catcher():
    try:
        yield 1
    except GeneratorExit:
        print("caught GeneratorExit")
        raise


h = catcher()
next(h)
del h
print("after del")


def nested():
    try:
        yield from gen("inner")
    finally:
        print("outer cleanup")


n = nested()
next(n)
n = None
print("after nested")

results = [next(gen(k)) for k in ("p", "q")]
print(results)


def exc_gen():
    try:
        raise ValueError("inner")
    except ValueError:
        yield 1
        raise


eg = exc_gen()
next(eg)
try:
    raise KeyError("other")
except KeyError:
    pass
try:
    next(eg)
except ValueError as e:
    print("re-raised", repr(e))


def exc_gen2():
    try:
        raise ValueError("v2")
    except ValueError:
        yield 1
        raise


g2 = exc_gen2()
next(g2)
try:
    raise TypeError("outer")
except TypeError:
    try:
        next(g2)
    except ValueError as e:
        print("got", repr(e), repr(e.__context__))
print("end")
