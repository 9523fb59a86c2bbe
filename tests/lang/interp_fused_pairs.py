# The interpreter runs some pairs of instructions as one (a local read and
# an attribute load, two local reads, ...). Errors must still come from the
# right instruction, and jumps to the second one must run it alone.


class P:
    def __init__(self, x):
        self.x = x

    def get(self):
        return self.x

    @property
    def boom(self):
        raise ValueError("boom")


def unbound_then_attr():
    try:
        print(p.x)
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    p = P(1)
    return p.x


def unbound_then_method():
    try:
        q.get()
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    q = P(2)
    return q.get()


def unbound_pair(flag):
    if flag:
        a = 1
    try:
        return a + b
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    b = 2
    try:
        return a + b
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    return -1


def missing_attr(p):
    try:
        return p.nope
    except AttributeError as e:
        print("AttributeError", e)
    try:
        return p.boom
    except ValueError as e:
        print("ValueError", e)
    return p.x + 1.5


def free_then_attr():
    def inner():
        return obj.x

    try:
        inner()
    except NameError as e:
        print(type(e).__name__, e)
    obj = P(5)
    return inner()


def cell_attr():
    o = P(7)
    fs = [lambda: o.x + k for k in range(3)]
    return [f() for f in fs]


def mixed(n):
    p = P(3)
    t = 0
    i = 0
    while i < n:
        t = t + p.x * i + p.get()
        i = i + 1
    return t


print(unbound_then_attr())
print(unbound_then_method())
print(unbound_pair(True))
print(unbound_pair(False))
print(missing_attr(P(4)))
print(free_then_attr())
print(cell_attr())
print(mixed(50))


def consts_and_stores(n):
    s = ""
    for i in range(n):
        s += "ab"
        s = s + "c"
    t = s
    u = t + "!"
    try:
        v = None + 1
    except TypeError as e:
        print("TypeError", e)
    x = 2
    x += 0.5
    x -= 1
    try:
        x = 1
        return x + w
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    w = 3
    return len(s), u[-4:], x


print(consts_and_stores(40))


def compares_and_items(xs, d):
    k = 3
    out = []
    for x in xs:
        if x < 2:
            out.append("lt2")
        elif x == k:
            out.append("k")
        elif x >= 4.5:
            out.append("big")
        else:
            out.append(x > k)
    try:
        print(None < 1)
    except TypeError as e:
        print("TypeError", e)
    try:
        print(k < None)
    except TypeError as e:
        print("TypeError", e)
    try:
        print(xs[10])
    except IndexError as e:
        print("IndexError", e)
    try:
        print(d["missing"])
    except KeyError as e:
        print("KeyError", e)
    return out, xs[0], xs[-1], d["a"], "abc"[1], (7, 8)[1] + k


print(compares_and_items([1, 2, 3, 4, 5.5], {"a": 1}))


class Box:
    def __init__(self):
        self.n = 0
        self.items = [1.0, 2.0, 3.0]

    def bump(self, k):
        self.n += k
        self.items[1] -= 0.5 * k
        self.items[k % 3] *= 2
        return self.n


def augmented():
    b = Box()
    for k in range(5):
        b.bump(k)
    d = {"a": 1}
    d["a"] += 10
    d["b"] = 0
    d["b"] -= 1
    try:
        b.missing += 1
    except AttributeError as e:
        print("AttributeError", e)
    t = (1, 2)
    try:
        t[0] += 1
    except TypeError as e:
        print("TypeError", e)
    try:
        b.items[7] += 1
    except IndexError as e:
        print("IndexError", e)
    return b.n, b.items, d


print(augmented())


def gen(n):
    for i in range(n):
        if i == 3:
            raise ValueError("gen stops at 3")
        yield i * i


def loops():
    total = 0
    for ch in "abc":
        total += ord(ch)
    for k in {"x": 1, "y": 2}:
        total += len(k)
    for sq in gen(3):
        total += sq
    try:
        for sq in gen(10):
            total += sq
    except ValueError as e:
        print("ValueError", e)
    for a, b in [(1, 2), (3, 4)]:
        total += a * b
    last = None
    for last in []:
        pass
    return total, last


print(loops())
