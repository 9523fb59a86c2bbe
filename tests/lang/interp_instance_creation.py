# Instance creation: `Cls(...)` runs `__init__` as a call in the
# interpreter's loop, and the call's result is the new instance. Argument
# shapes, `__init__` returning something else than None, exceptions
# raised inside `__init__` (caught by the creator or further out),
# subclasses chaining through super().__init__, recursion, and classes
# whose `__init__` or `__new__` changes between creations.


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __repr__(self):
        return f"Point({self.x}, {self.y})"


pts = [Point(i, i * i) for i in range(5)]
print(pts)
print(type(pts[0]).__name__, pts[0].x + pts[4].y)


class Defaults:
    def __init__(self, a, b=10, *rest, c=5, **kw):
        self.total = a + b + c + sum(rest) + sum(kw.values())
        self.rest = rest
        self.keys = sorted(kw)


for d in [
    Defaults(1),
    Defaults(1, 2),
    Defaults(1, 2, 3, 4),
    Defaults(1, c=100),
    Defaults(a=7, b=1, z=1000, y=1),
    Defaults(*[1, 2, 3], **{"c": 0, "q": 9}),
]:
    print(d.total, d.rest, d.keys)


class NoInit:
    pass


n = NoInit()
n.v = 3
print(type(n).__name__, n.v)

try:
    NoInit(1)
except TypeError as e:
    print("TypeError:", e)

for args in [(), (1,), (1, 2, 3)]:
    try:
        Point(*args)
    except TypeError as e:
        print("TypeError:", e)

try:
    Point(1, 2, z=3)
except TypeError as e:
    print("TypeError:", e)


class ReturnsValue:
    def __init__(self, v):
        self.v = v
        if v is not None:
            return v


print(ReturnsValue(None).v)
for v in [1, "s", [], 2.5, ReturnsValue(None)]:
    try:
        ReturnsValue(v)
        print("no error for", v)
    except TypeError as e:
        print("TypeError:", e)


class GenInit:
    def __init__(self):
        yield 1


try:
    GenInit()
except TypeError as e:
    print("TypeError:", e)


class Fails:
    def __init__(self, n):
        self.n = n
        if n % 3 == 0:
            raise ValueError(f"bad {n}")


made = []
for i in range(7):
    try:
        made.append(Fails(i).n)
    except ValueError as e:
        made.append(str(e))
print(made)


def make_deep(n):
    # The exception crosses __init__ and several plain frames.
    return Fails(n)


def outer(n):
    try:
        return make_deep(n).n
    except ValueError as e:
        return "outer caught " + str(e)


print(outer(4), outer(6))


class Base:
    def __init__(self, name):
        self.name = name
        self.log = ["Base"]


class Middle(Base):
    def __init__(self, name, level):
        super().__init__(name)
        self.level = level
        self.log.append("Middle")


class Leaf(Middle):
    def __init__(self, name):
        super().__init__(name, 3)
        self.log.append("Leaf")


class Inherits(Middle):
    pass


lf = Leaf("leaf")
print(lf.name, lf.level, lf.log, isinstance(lf, Base))
ih = Inherits("inh", 2)
print(ih.name, ih.level, ih.log, type(ih).__name__)


class Node:
    def __init__(self, depth):
        self.child = Node(depth - 1) if depth > 0 else None


def length(node):
    n = 0
    while node is not None:
        n += 1
        node = node.child
    return n


print(length(Node(300)))


class Forever:
    def __init__(self):
        self.child = Forever()


try:
    Forever()
except RecursionError:
    print("RecursionError")

# After the RecursionError the interpreter is still usable.
print(length(Node(10)))


class Swapped:
    def __init__(self):
        self.kind = "first"


def second_init(self, tag="second"):
    self.kind = tag


a = Swapped()
Swapped.__init__ = second_init
b = Swapped()
del Swapped.__init__
c = Swapped()
print(a.kind, b.kind, hasattr(c, "kind"))


class WithNew:
    def __new__(cls, v):
        obj = super().__new__(cls)
        obj.from_new = v
        return obj

    def __init__(self, v):
        self.from_init = v * 2


w = WithNew(4)
print(w.from_new, w.from_init)


class NewReturnsOther:
    def __new__(cls):
        return 42

    def __init__(self):
        print("never runs")


print(NewReturnsOther())


class Counter:
    count = 0

    def __init__(self):
        Counter.count += 1
        self.id = Counter.count


class Holder:
    def __init__(self, n):
        self.items = [Counter() for _ in range(n)]

    def make(self):
        return Holder(len(self.items) - 1) if self.items else None


h = Holder(4)
chain = []
while h is not None:
    chain.append([c.id for c in h.items])
    h = h.make()
print(chain, Counter.count)


class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b


def build(n):
    total = 0
    for i in range(n):
        p = Pair(i, Pair(i, i))
        total += p.a + p.b.b
    return total


print(build(2000))


class MyError(Exception):
    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code


try:
    raise MyError(7)
except MyError as e:
    print(e, e.code)


# Keyword arguments, and classes reached as attributes (a method-call
# site whose attribute is a class, not a method).
print(Point(x=1, y=2), Point(3, y=4), Point(*[5], **{"y": 6}))
print(Defaults(1, c=3).total, Defaults(a=1, b=2, c=3, extra=4).keys)
for make in [lambda: Point(1, z=2), lambda: ReturnsValue(v=3), lambda: Fails(n=3)]:
    try:
        make()
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)


class Outer:
    class Inner:
        def __init__(self, v, scale=1):
            self.v = v * scale

    def __init__(self):
        self.kind = Point

    def make(self, a):
        return self.kind(a, a + 1), Outer.Inner(a), self.Inner(a, scale=2)


p, i1, i2 = Outer().make(3)
print(p, i1.v, i2.v, Outer.Inner(v=5).v)
try:
    Outer.Inner()
except TypeError as e:
    print("TypeError:", e)


# Hot __init__ functions (compiled, or entered mid-loop, when the JIT is
# on) still give the instance, and still have their result checked.
class Acc:
    def __init__(self, n):
        total = 0
        for i in range(n):
            total += i * i
        self.total = total


class Late:
    def __init__(self, k):
        self.k = k
        if k == 1999:
            return k


def make_many(n):
    s = 0
    for i in range(n):
        s += Acc(i % 50).total
    return s


print(make_many(3000), Acc(100000).total)
made = 0
try:
    for k in range(2000):
        Late(k)
        made += 1
except TypeError as e:
    print(made, e)


# __init__ functions with cells: self captured by closures, free
# variables of an enclosing function, and super() with its __class__ cell.
class CellBase:
    def __init__(self, x):
        self.x = x


class CellInit(CellBase):
    def __init__(self, x, y=2):
        super().__init__(x)
        self.get = lambda: self.x + y

        def later():
            return self

        self.me = later


ci = CellInit(5)
print(ci.get(), ci.me() is ci, CellInit(1, y=10).get())


def factory(k):
    class Made:
        def __init__(self):
            self.k = k

    return Made


print(factory(3)().k, factory(4)().k)
