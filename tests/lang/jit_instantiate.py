# Making instances from hot code: a plain class's __init__ called
# directly, and everything that must change the answer: __init__
# replaced on the class, a __new__ added later, __init__ returning a
# value, defaults and keywords, subclasses, classes without __init__.


class P:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def make(k):
    t = 0
    for i in range(k):
        p = P(i, i + 1)
        t += p.x * p.y
    return t


print(make(2000))


def init_scaled(self, x, y):
    self.x = x * 10
    self.y = y


P.__init__ = init_scaled
print(make(10))


def new_other(cls, x, y):
    # Not an instance of cls: __init__ is not called.
    return ("made", x + y)


P.__new__ = new_other
try:
    make(10)
except AttributeError as e:
    print("AttributeError:", e)
print(P(1, 2))


class Q:
    def __init__(self, x, y):
        self.x = x


def make_q(k):
    return sum(Q(i, i).x for i in range(k))


print(make_q(1000))
del Q.__init__
try:
    make_q(1)
except TypeError as e:
    print("TypeError:", e)


class Bad:
    def __init__(self, v):
        self.v = v
        if v > 500:
            return v


def make_bad(k):
    n = 0
    for i in range(k):
        n += Bad(i).v
    return n


try:
    make_bad(1000)
except TypeError as e:
    print("TypeError:", e)


class Opt:
    def __init__(self, a, b=5, *, c=1):
        self.s = a + b + c


class Sub(Opt):
    def __init__(self, a):
        super().__init__(a, 1, c=2)


class Empty:
    pass


def mixed(k):
    t = 0
    for i in range(k):
        t += Opt(i).s + Opt(i, 2).s + Opt(i, c=3).s + Sub(i).s
        e = Empty()
        e.v = i
        t += e.v
    return t


print(mixed(1500))
try:
    Empty(1)
except TypeError as e:
    print("TypeError:", e)
