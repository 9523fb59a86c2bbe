# Attribute sites stay correct when the classes they have seen change:
# inline caches must never answer differently from a fresh lookup.


class Point:
    def __init__(self, x):
        self.x = x

    def describe(self):
        return "point " + str(self.x)


class Other:
    def __init__(self):
        self.x = "other"

    def describe(self):
        return "other " + self.x


def read_x(obj):
    return obj.x


def call_describe(obj):
    return obj.describe()


def set_x(obj, v):
    obj.x = v


p = Point(1)
for _ in range(3):
    print(read_x(p), call_describe(p))

# A polymorphic site sees two classes in turn.
for obj in [Point(2), Other(), Point(3), Other()]:
    print(read_x(obj), call_describe(obj))

# Replacing a method on the class after the site has cached it.
Point.describe = lambda self: "patched " + str(self.x)
print(call_describe(p))

# An instance attribute shadows the class method.
p.describe = lambda: "instance-level"
print(call_describe(p))
del p.describe
print(call_describe(p))

# A property added to the class takes over loads and stores.
def get_x(self):
    return self.hidden * 10


def put_x(self, v):
    self.hidden = v + 1


q = Point(5)
q.hidden = 0
print(read_x(q))
Point.x = property(get_x, put_x)
print(read_x(q))
set_x(q, 7)
print(read_x(q), q.hidden)
del Point.x
print(read_x(q))


# A __setattr__ added later intercepts stores at a cached site.
class Logged:
    def __init__(self):
        self.v = 0


log = Logged()
for i in range(3):
    set_x(log, i)
print(log.x)


seen = []


def logging_setattr(self, name, value):
    seen.append((name, value))


Logged.__setattr__ = logging_setattr
set_x(log, 42)
print(log.x, seen)

# Class attributes read through instances, then changed.
class Counter:
    step = 1

    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += self.step


c = Counter()
for _ in range(3):
    c.bump()
Counter.step = 10
c.bump()
print(c.n)
c.step = 100
c.bump()
print(c.n)
del c.step
c.bump()
print(c.n)


# Subclass inherits, then the base changes.
class Base:
    def who(self):
        return "base"


class Derived(Base):
    pass


d = Derived()
print(d.who())
Base.who = lambda self: "base2"
print(d.who())
Derived.who = lambda self: "derived"
print(d.who())
del Derived.who
print(d.who())
