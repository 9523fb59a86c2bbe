# Instance attribute loads and stores in compiled code, and every way the
# inline check (class, class epoch, entry index, key) must fail over to
# the general path without changing a result.


class P:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def norm1(ps):
    t = 0
    for p in ps:
        t += p.x + p.y
    return t


def shift(ps, d):
    for p in ps:
        p.x = p.x + d
        p.y += d


ps = [P(i, 2 * i) for i in range(50)]
print(norm1(ps))
shift(ps, 1)
print(norm1(ps))

# Same class, attributes created in another order: another entry index.
q = P(0, 0)
del q.x
q.x = 100
ps.append(q)
print(norm1(ps))
shift(ps, 2)
print(norm1(ps), q.x, q.y)

# An attribute deleted, then missing: AttributeError from compiled code.
r = P(1, 1)
ps.append(r)
del r.y
try:
    norm1(ps)
except AttributeError as e:
    print("AttributeError:", e)
ps.pop()

# Extra attributes added to some instances (entries stay where they were).
for i, p in enumerate(ps):
    if i % 3 == 0:
        p.z = i
print(norm1(ps))


# A subclass at the same site: another class, same names.
class Q(P):
    pass


ps.extend(Q(i, i) for i in range(10))
print(norm1(ps))
shift(ps, -1)
print(norm1(ps))

# The class gains a property of the attribute's name: it wins over the
# instance dict, so the cached entry must not be used.
P.y = property(lambda self: 1000)
try:
    print(norm1(ps))
except AttributeError as e:
    print("AttributeError:", e)
del P.y
print(norm1(ps))


# A script __setattr__ added to the class changes what stores do.
def logged_setattr(self, name, value):
    object.__setattr__(self, name, value * 10)


class S:
    def __init__(self):
        self.v = 1


ss = [S() for _ in range(20)]


def bump(xs):
    for s in xs:
        s.v = s.v + 1
    return sum(s.v for s in xs)


print(bump(ss))
print(bump(ss))
S.__setattr__ = logged_setattr
print(bump(ss))
del S.__setattr__
print(bump(ss))


# Values of every kind through the same site, and rebinding to a big int
# and back.
class Cell:
    def __init__(self, v):
        self.v = v


cells = [Cell(i) for i in range(30)]


def grow(cs, k):
    for _ in range(k):
        for c in cs:
            c.v = c.v * 3
    return cs[-1].v


print(grow(cells, 30))
for c in cells:
    c.v = "s"
print(grow(cells, 2)[:20])
cells[0].v = [1]
print(grow(cells[:1], 2))


# Objects that are not instances at an instance site.
class Holder:
    value = 5


def get_value(o):
    return o.value


objs = [Holder() for _ in range(20)] + [Holder]
print(sum(get_value(o) for o in objs))
h = Holder()
h.value = 7
print(get_value(h), get_value(Holder))


# Methods through LoadMethod: shadowed by an instance attribute, replaced
# on the class, and called on a subclass instance at the same site.
class Greeter:
    def hello(self):
        return 1


def greet_all(gs):
    t = 0
    for g in gs:
        t += g.hello()
    return t


gs = [Greeter() for _ in range(30)]
print(greet_all(gs))
gs[5].hello = lambda: 100
print(greet_all(gs))
del gs[5].hello
Greeter.hello = lambda self: 2
print(greet_all(gs))


class Loud(Greeter):
    def hello(self):
        return 10


gs.append(Loud())
print(greet_all(gs))
