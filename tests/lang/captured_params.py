# A parameter captured by an inner function is read from its own slot
# when nothing rebinds it; every way of rebinding it must still be seen.


def plain(a, b):
    g = lambda: a + b
    return a * 2 + g()


def rebound_inside(a):
    def inner():
        nonlocal a
        a += 1
        return a

    inner()
    inner()
    return a


def rebound_deeper(a):
    def outer():
        def inner():
            nonlocal a
            a = a * 10

        inner()

    outer()
    return a


def rebound_after_capture(a):
    fs = [lambda: a for _ in range(2)]
    a = 10
    return [f() for f in fs] + [a]


def rebound_in_loop(a, items):
    g = lambda: a
    seen = []
    for a in items:
        seen.append(g())
    return seen, a


def deleted(a):
    g = lambda: a
    del a
    try:
        return a
    except NameError as e:
        return type(e).__name__
    finally:
        pass


def except_target(a):
    g = lambda: a
    try:
        raise ValueError("x")
    except ValueError as a:
        pass
    try:
        return a
    except NameError:
        return "unbound after except", g.__name__


def augmented(a):
    g = lambda: a
    a += 5
    return a, g()


class Box:
    def __init__(self, v):
        self.v = v

    def spread(self, k):
        # `self` is a cell (the comprehension reads it) and a plain read.
        return [self.v + j for j in range(k)], self.v

    def hot(self, n):
        total = 0
        for i in range(n):
            total += self.v + i
        squares = [self.v * j for j in range(3)]
        return total, squares


def keyword_default(a, b=3, *rest, c=4, **kw):
    g = lambda: (a, b, rest, c, kw)
    return g(), a + b + c


print(plain(3, 4))
print(rebound_inside(5))
print(rebound_deeper(2))
print(rebound_after_capture(1))
print(rebound_in_loop(0, [1, 2, 3]))
print(deleted(2))
print(except_target(1))
print(augmented(1))
b = Box(5)
print(b.spread(3))
for _ in range(300):
    r = b.hot(50)
print(r)
print(keyword_default(1))
print(keyword_default(1, 2, 9, 8, c=0, z=1))


# The cell of a captured parameter is made by the first closure that
# needs it; calls that make no closure make no cell.
def maybe_closure(v, k):
    if k % 7 == 0:
        return sum([v + j for j in range(2)])
    return v


def closures_in_a_loop(n, base):
    fs = []
    for i in range(n):
        fs.append(lambda x: x + base)
    return [f(i) for i, f in enumerate(fs)]


def generator(a):
    yield (lambda: a)()
    yield a


def guard_fails_after_cell(a, items):
    g = lambda: a
    t = 0
    for x in items:
        t += x + g()
    return t


def raises_after_cell(a):
    g = lambda: a
    return g() + missing_name  # noqa: F821


acc = 0
for k in range(500):
    acc += maybe_closure(k, k)
print(acc)
print(closures_in_a_loop(4, 10))
print(list(generator(3)))
print(guard_fails_after_cell(2, [1] * 300 + [1.5, 2**70]))
for _ in range(200):
    try:
        raises_after_cell(1)
    except NameError as e:
        last = str(e)
print(last)
