# __new__: a script class can make its own instances through
# object.__new__ or super().__new__, return something else instead, and
# the built-in __new__ checks its arguments as CPython does.


class Single:
    _inst = None

    def __new__(cls, *args):
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __init__(self, x):
        self.x = x


a = Single(1)
b = Single(2)
print(a is b, a.x, type(a).__name__)


class Doubled:
    def __new__(cls, v):
        o = object.__new__(cls)
        o.v = v * 2
        return o


print(Doubled(4).v, isinstance(Doubled(1), Doubled))


class NotMine:
    def __new__(cls):
        return 42

    def __init__(self):
        print("never")


print(NotMine())


class Base:
    def __new__(cls, *args, **kwargs):
        inst = super().__new__(cls)
        inst.made_by = cls.__name__
        return inst


class Child(Base):
    def __init__(self, n):
        self.n = n


c = Child(3)
print(c.made_by, c.n)


class Static:
    @staticmethod
    def __new__(cls, tag):
        o = object.__new__(cls)
        o.tag = tag
        return o


print(Static("t").tag)


class Plain:
    pass


class WithInit:
    def __init__(self, a, b=2):
        self.s = a + b


print(object.__new__(WithInit, 1, 2).__class__.__name__)
print(WithInit(1).s, hasattr(object, "__new__"), Plain.__new__ is object.__new__)

class Err(Exception):
    def __init__(self, code):
        super().__init__("code %d" % code)
        self.code = code


for thunk in (
    lambda: Plain(1),
    lambda: object.__new__(int),
    lambda: object.__new__(5),
    lambda: object.__new__(Plain, 1),
    lambda: Base.__new__(Base) and super(Base, Base).__new__(Base, 1),
    lambda: object.__new__(ValueError),
    lambda: object.__new__(Err),
):
    try:
        r = thunk()
        print("ok", type(r).__name__)
    except TypeError as e:
        print("TypeError:", e)


try:
    raise Err(7)
except Err as e:
    print(e, e.code)
