# Global loads in compiled code: every way a global's value or the
# globals' key set can change while a compiled loop keeps reading it.

SCALE = 2


def scaled(n):
    return n * SCALE


def total(k):
    t = 0
    for i in range(k):
        t += scaled(i)
    return t


# Warm up, then rebind the value (same key set: the slot is reused).
print(total(50))
SCALE = 3
print(total(50))
SCALE = 1.5
print(total(50))


# The key set changes under a hot reader: new globals move entries.
def reader(k):
    acc = 0
    for i in range(k):
        acc += SCALE
        if i == k // 2:
            globals_grow(i)
    return acc


def globals_grow(i):
    # New module-level names: enough to reallocate the globals' entries.
    global g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11, g12, g13, g14, g15, g16, g17, g18, g19, g20, g21, g22, g23
    g0 = i + 0
    g1 = i + 1
    g2 = i + 2
    g3 = i + 3
    g4 = i + 4
    g5 = i + 5
    g6 = i + 6
    g7 = i + 7
    g8 = i + 8
    g9 = i + 9
    g10 = i + 10
    g11 = i + 11
    g12 = i + 12
    g13 = i + 13
    g14 = i + 14
    g15 = i + 15
    g16 = i + 16
    g17 = i + 17
    g18 = i + 18
    g19 = i + 19
    g20 = i + 20
    g21 = i + 21
    g22 = i + 22
    g23 = i + 23


print(reader(200))
print(reader(201), g23)


# Deleting a global raises NameError from compiled code.
VICTIM = 7


def use_victim(k):
    s = 0
    for i in range(k):
        s += VICTIM
    return s


print(use_victim(100))
del VICTIM
try:
    use_victim(3)
except NameError as e:
    print("NameError:", e)
VICTIM = 9
print(use_victim(10))


# A global that shadows a builtin, then goes away.
def measure(xs):
    return len(xs)


for _ in range(30):
    measure([1, 2])
len = lambda xs: -1  # noqa: E731
print(measure([1, 2, 3]))
del len
print(measure([1, 2, 3]))


# Compiled while a global shadows a builtin, which then comes back: the
# site was compiled to check a global, and must find the builtin.
abs = lambda x: "shadow"  # noqa: E731


def magnitude(x):
    return abs(x)


for _ in range(30):
    magnitude(-1)
print(magnitude(-2))
del abs
print(magnitude(-3))
for _ in range(30):
    magnitude(-4)
print(magnitude(-5))


# Rebinding the function a hot recursive caller reaches through a global.
def countdown(n):
    if n == 0:
        return 0
    return 1 + countdown(n - 1)


print(countdown(50))
original = countdown


def replacement(n):
    return 1000


for _ in range(20):
    original(30)
countdown = replacement
print(original(5))
countdown = original
print(original(5))


# Attributes of globals: module functions read inline, then the module
# attribute is rebound, deleted and restored, and the same site sees a
# class and an instance instead of a module.
import math


def roots(k):
    s = 0.0
    for i in range(k):
        s += math.sqrt(i) + math.pi
    return s


print(roots(100))
real_sqrt = math.sqrt
math.sqrt = lambda x: -1.0
print(roots(10))
del math.sqrt
try:
    roots(3)
except AttributeError as e:
    print("AttributeError:", e)
math.sqrt = real_sqrt
print(roots(10))


class Box:
    pi = 3
    sqrt = staticmethod(lambda x: x)


def through(k):
    s = 0
    for i in range(k):
        s += math.pi + math.sqrt(i)
    return s


print(through(50))
math = Box
print(through(50))
math = Box()
print(through(50))
import math  # noqa: E402

print(through(50))
