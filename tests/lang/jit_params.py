# Parameters that compiled code unboxes at entry, from the kinds their
# uses saw: every other kind passed later must behave as in CPython
# (the call goes back to the interpreter from its start).


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def half(x):
    return x * 0.5 + x


def countdown(n, step):
    total = 0
    while n > 0:
        total += n
        n = n - step
    return total


def square(n):
    return n * n


def mixed(a, b=3, *, c=4):
    return a + b - c


# Ints while warming up (compiled at the first calls), then every kind.
print(fib(15))
print(fib(15.0))
print(fib(True), fib(False))
print(fib(2**70 - 2**70 + 12), fib(-(2**70)))
try:
    fib("x")
except TypeError as e:
    print("TypeError:", e)
print(fib(15))

for i in range(40):
    half(float(i))
print(half(2.0), half(3), half(True))
try:
    half("s")
except TypeError as e:
    print("TypeError:", e)
print(half(2**80))

for i in range(30):
    countdown(i, 1)
print(countdown(50, 1), countdown(50.5, 1), countdown(10, 0.5), countdown(2**65, 2**64))

# Near the small-int edge: the product overflows i64 in compiled code.
for i in range(30):
    square(i)
print(square(2**40), square(2**46), square(-(2**47)), square(2**62), square(3))

for i in range(30):
    mixed(i)
print(mixed(1), mixed(1, 2), mixed(1, c=10), mixed(a=2.5, b=1), mixed(True, False, c=True))
try:
    mixed(None)
except TypeError as e:
    print("TypeError:", e)


# A parameter of another kind on every call: the deopt limit recompiles
# without parameter speculation, and results never change.
def scaled(v):
    return v * 3 + v


for i in range(60):
    scaled(i)
out = []
for i in range(60):
    out.append(scaled(i + 0.5 if i % 2 else "ab"[i % 2:] * 2 if i % 3 else i))
print(out[:8], len(out))


# The same function called from compiled callers with changing kinds.
def driver(k):
    acc = 0
    for i in range(k):
        acc = acc + square(i) + fib(i % 10)
    return acc


print(driver(100))


def driver_float(k):
    acc = 0.0
    for i in range(k):
        acc = acc + square(i + 0.25)
    return acc


print(driver_float(100))


# Recursion with a typed parameter down to the recursion limit.
def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1


print(depth(500))
try:
    depth(100000)
except RecursionError as e:
    print("RecursionError:", e)
print(depth(50))


# Rebinding the callee global while compiled recursion with a typed
# parameter is running, and after.
def walk(n):
    if n < 1:
        return 0
    return walk(n - 1) + 1


def walk_other(n):
    return n * 100


for _ in range(30):
    walk(10)
print(walk(20))
saved = walk
walk = walk_other
print(saved(20))
walk = saved
print(walk(20))


def rebinding(n):
    global rebinding
    if n == 5:
        rebinding = walk_other
    if n < 1:
        return 0
    return rebinding(n - 1) + 1


saved = rebinding
print(rebinding(3), saved(8), rebinding(3))


# Methods with float parameters, warmed with floats, then given ints.
class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, x, y):
        return self.x * x + self.y * y


v = Vec(1.5, 2.0)
acc = 0.0
for i in range(40):
    acc += v.dot(i * 0.5, 0.25)
print(acc, v.dot(2, 3), v.dot(True, 1.0), v.dot(2**70, 0.0))


# An exception in a compiled callee with a typed parameter.
def divide(a, b):
    return a // b + divide_inner(b - 1)


def divide_inner(n):
    return 100 // n


for i in range(30):
    divide(i, 5)
print(divide(10, 3))
print(divide(10, 1))
