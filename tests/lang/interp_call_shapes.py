# Argument shapes through every call instruction (plain calls, keyword
# calls, `*args`/`**kwargs` calls, method calls with and without
# keywords), with the binding errors CPython reports for each, frames
# that reuse pooled storage after calls of other shapes, and exceptions
# crossing calls of mixed shapes.


def pos(a, b, c):
    return (a, b, c)


def dflt(a, b=2, c=3):
    return (a, b, c)


def star(a, *rest):
    return (a, rest)


def kwonly(a, *, k, m=9):
    return (a, k, m)


def starstar(a, **kw):
    return (a, sorted(kw.items()))


def everything(a, b=1, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw.items()))


def posonly(a, b, /, c=0):
    return (a, b, c)


def posonly_kw(a, b, /, **kw):
    return (a, b, sorted(kw.items()))


print(posonly_kw(1, 2, a=3, b=4))
print(pos(1, 2, 3), pos(*[1, 2], 3), pos(c=3, b=2, a=1), pos(1, *(2, 3)))
print(dflt(1), dflt(1, 5), dflt(1, c=7), dflt(a=0, b=0), dflt(*(1, 2, 3)))
print(star(1), star(1, 2, 3), star(*range(5)))
print(kwonly(1, k=2), kwonly(1, m=0, k=2), kwonly(**{"a": 5, "k": 6}))
print(starstar(1), starstar(1, x=2, y=3), starstar(a=0, b=1))
print(everything(0, c=1), everything(0, 1, 2, 3, c=4, d=5, e=6))
print(everything(*[9, 8, 7], **{"c": 6, "z": 5}))
print(posonly(1, 2), posonly(1, 2, 3), posonly(1, 2, c=4))

bad_calls = [
    lambda: pos(1, 2),
    lambda: pos(1, 2, 3, 4),
    lambda: pos(1, 2, 3, a=1),
    lambda: pos(1, 2, d=3),
    lambda: dflt(),
    lambda: dflt(1, 2, 3, 4),
    lambda: kwonly(1),
    lambda: kwonly(1, 2, k=3),
    lambda: kwonly(1, 2, k=3, m=4),
    lambda: kwonly(1, 2, zz=3),
    lambda: kwonly(1, 2, 3, m=1),
    lambda: pos(1, 2, 3, 4, d=5),
    lambda: pos(1, 2, 3, 4, a=5),
    lambda: dflt(1, 2, 3, 4, b=0),
    lambda: star(b=1),
    lambda: posonly(a=1, b=2),
    lambda: posonly(1, 2, zz=4, a=3),
    lambda: posonly(1, 2, a=3, zz=4),
    lambda: posonly(1, b=2),
    lambda: posonly_kw(1, 2, 3, b=4),
    lambda: everything(1),
    lambda: pos(*[1]),
    lambda: pos(**{"a": 1, "b": 2}),
]
for call in bad_calls:
    try:
        call()
        print("no error")
    except TypeError as e:
        print("TypeError:", e)


class Shapes:
    def __init__(self, base):
        self.base = base

    def plain(self, x):
        return self.base + x

    def defaults(self, x, y=10):
        return self.base + x + y

    def varargs(self, *xs):
        return self.base + sum(xs)

    def keywords(self, x, *, scale=1):
        return (self.base + x) * scale

    @staticmethod
    def static(x, y=1):
        return x * y

    @classmethod
    def named(cls, n):
        return cls.__name__ + str(n)


s = Shapes(100)
print(s.plain(1), s.defaults(1), s.defaults(1, 2), s.defaults(x=1, y=0))
print(s.varargs(), s.varargs(1, 2, 3), s.varargs(*[4, 5]))
print(s.keywords(1), s.keywords(1, scale=3), s.keywords(x=2, scale=2))
print(s.static(3), s.static(3, 4), Shapes.static(y=5, x=2), s.named(7))
print(Shapes.plain(s, 5), Shapes.defaults(s, 1, y=1))
bound = s.defaults
print(bound(1), bound(1, 1), bound(*(2,), **{"y": 2}))

for call in [lambda: s.plain(), lambda: s.plain(1, 2), lambda: s.keywords(1, 2)]:
    try:
        call()
    except TypeError as e:
        print("TypeError:", e)


# Frames are reused between calls of different sizes and shapes.
def many_locals(a, b, c, d, e, f, g, h):
    t1 = a + b
    t2 = c + d
    t3 = e + f
    t4 = g + h
    return t1 * t2 * t3 * t4


def one(x):
    return x + 1


def mixed(n):
    total = 0
    for i in range(n):
        total += many_locals(i, 1, 2, 3, 4, 5, 6, 7)
        total += one(i)
        total += dflt(i, c=i)[2]
        total += star(i, i, i)[1][0]
        total += s.defaults(i)
    return total


print(mixed(300))


# Exceptions crossing calls of every shape, caught at different depths.
def raiser(kind, *args, **kw):
    if kind == "value":
        raise ValueError(args)
    if kind == "key":
        raise KeyError(sorted(kw))
    return "no raise"


def through_kw(kind):
    return raiser(kind, 1, 2, x=3)


def through_star(kind):
    args = (kind, 4)
    return raiser(*args, **{"y": 5})


def through_method(kind):
    class Local:
        def go(self, k, *, extra=0):
            return through_kw(k) if extra else through_star(k)

    return Local().go(kind, extra=1) + "/" + Local().go(kind)


for kind in ["none", "value", "key"]:
    try:
        print(through_method(kind))
    except (ValueError, KeyError) as e:
        print(type(e).__name__, e)


def cleanup(n, log):
    try:
        if n == 0:
            raise RuntimeError("bottom")
        return cleanup(n - 1, log=log)
    finally:
        log.append(n)


log = []
try:
    cleanup(5, log)
except RuntimeError as e:
    print("RuntimeError", e, log)


# Recursion through keyword calls and method calls hits the limit too.
def kw_recurse(n, *, step=1):
    return kw_recurse(n + step, step=step)


class Deep:
    def down(self, n, extra=0):
        return self.down(n + 1, extra)


for runaway in [lambda: kw_recurse(0), lambda: Deep().down(0), lambda: Deep().down(0, extra=1)]:
    try:
        runaway()
    except RecursionError:
        print("RecursionError")


def kw_depth(n, *, acc=0):
    if n == 0:
        return acc
    return kw_depth(n - 1, acc=acc + 1)


print(kw_depth(800))
