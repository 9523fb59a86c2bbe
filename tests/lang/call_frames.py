# Python-to-Python calls: the interpreter runs them in one loop over a frame
# stack. Returns, exceptions crossing several frames, handlers in the
# middle frame, recursion to near the limit, generators and closures
# called from such frames, and calls through methods must all behave as
# in CPython.


def leaf(x):
    return x * 2


def middle(x):
    return leaf(x) + 1


def top(x):
    return middle(x) + middle(x + 1)


print(top(3))


def fail(n):
    if n == 0:
        raise ValueError("bottom")
    return fail(n - 1)


def catch_in_middle(n):
    try:
        return fail(n)
    except ValueError as e:
        return "caught " + str(e)


print(catch_in_middle(5))


def finally_runs(n):
    try:
        return fail(n)
    finally:
        print("finally", n)


try:
    finally_runs(3)
except ValueError as e:
    print("outer", e)


def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1


print(depth(900))


def runaway(n):
    return runaway(n + 1)


try:
    runaway(0)
except RecursionError:
    print("RecursionError")
print(depth(10))


def gen(n):
    for i in range(n):
        yield leaf(i)


def uses_gen(n):
    return sum(gen(n))


print(uses_gen(10))


def make_adder(k):
    def add(x):
        return x + k

    return add


def apply(f, x):
    return f(x)


print(apply(make_adder(10), 5))


class Acc:
    def __init__(self):
        self.total = 0

    def add(self, x):
        self.total = self.total + leaf(x)
        return self

    def check(self, limit):
        if self.total > limit:
            raise OverflowError("too big: " + str(self.total))
        return self.total


a = Acc()
for i in range(5):
    a.add(i)
print(a.check(100))
try:
    a.add(100).check(50)
except OverflowError as e:
    print(e)


def reraise_through(n):
    try:
        fail(n)
    except ValueError:
        raise


def wraps(n):
    try:
        reraise_through(n)
    except ValueError as e:
        raise KeyError("wrapped") from e


try:
    wraps(2)
except KeyError as e:
    print(repr(e), repr(e.__cause__))


def no_return(x):
    x + 1


print(no_return(1))


def handler_then_call(n):
    try:
        raise TypeError("t")
    except TypeError:
        return middle(n)


print(handler_then_call(4))


def mutual_a(n):
    return 0 if n == 0 else mutual_b(n - 1) + 1


def mutual_b(n):
    return 0 if n == 0 else mutual_a(n - 1) + 2


print(mutual_a(11))


# Calls of other shapes (defaults, keywords, *args, **kwargs) run in the
# same loop; binding errors are raised at the call, in the caller.
def shaped(a, b=2, *rest, c=3, **extra):
    return (a, b, rest, c, sorted(extra.items()), leaf(a))


print(shaped(1))
print(shaped(1, 5, 6, 7, c=8, d=9))
print(shaped(b=4, a=0))


class Shape:
    def scaled(self, k=2, *, offset=0):
        return leaf(k) + offset

    def both(self, x, y=1):
        return self.scaled(x, offset=y)


s = Shape()
print(s.scaled(), s.scaled(5), s.scaled(k=3, offset=1), s.both(4), s.both(4, y=10))
for bad in (lambda: shaped(), lambda: shaped(1, c=1, a=2), lambda: s.scaled(1, 2)):
    try:
        bad()
    except TypeError as e:
        print("TypeError:", e)


def deep_kw(n, acc=0):
    if n == 0:
        return acc
    return deep_kw(n - 1, acc=acc + n)


print(deep_kw(500))
