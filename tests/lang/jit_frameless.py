# Calls from compiled code to compiled code run without an interpreter
# frame; every way out of such a call must still behave as in CPython:
# a guard failing inside the callee, an exception through several
# compiled callers (with its traceback), methods, recursion limits.


def scale(x, k):
    y = x * k
    return y + 1


def drive(n, k):
    total = 0
    for i in range(n):
        total += scale(i, k)
    return total


# Ints while warming up, then a float and a big int reach the callee.
for _ in range(50):
    drive(20, 3)
print(drive(20, 3))
print(drive(20, 2.5))
print(drive(20, 2**62))


def leaf(a, b):
    return a // b


def middle(a, b):
    return leaf(a, b) + 1


def outer(a, b):
    return middle(a, b) * 2


for i in range(100):
    outer(i, 3)
try:
    outer(1, 0)
except ZeroDivisionError as e:
    print("caught", e)


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    def scaled(self, k):
        return Point(self.x * k, self.y * k)


def dots(n):
    p = Point(1, 2)
    acc = 0
    for i in range(n):
        q = p.scaled(i)
        acc += q.dot(p)
    return acc


for _ in range(30):
    dots(10)
print(dots(100))


def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1


for _ in range(20):
    depth(50)
print(depth(500))
try:
    depth(100000)
except RecursionError:
    print("recursion limit")


def pick(xs, i):
    return xs[i]


def sum_picks(xs, n):
    s = 0
    for i in range(n):
        s += pick(xs, i)
    return s


xs = list(range(10))
for _ in range(30):
    sum_picks(xs, 10)
print(sum_picks(xs, 10))
xs[5] = "five"
try:
    sum_picks(xs, 10)
except TypeError as e:
    print("TypeError:", e)
# An uncaught exception from three compiled frames: traceback on stderr.
outer(7, 0)
