# Calls through the interpreter's positional fast path and its fallbacks:
# deep recursion, exceptions crossing frames (with values left on the
# caller's stack), generators suspended with values on their stack,
# closures, defaults, keywords, methods and zero-argument super().


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


print("depth", depth(900))


def runaway(n):
    return runaway(n + 1) + 1


for attempt in range(3):
    try:
        runaway(0)
    except RecursionError:
        print("RecursionError caught", attempt)
print("still callable after overflow", depth(500))


def fails(x):
    if x > 2:
        raise ValueError("too big: " + str(x))
    return x * 10


def sums(xs):
    total = 0
    for x in xs:
        try:
            # The handler runs with `total` and a pending `+` operand on
            # the stack of this frame when `fails` raises.
            total = total + fails(x)
        except ValueError as e:
            print("caught", e)
            total = total + 1000
    return total


print("sums", sums([1, 2, 3, 4]))


def outer(n):
    try:
        return [fails(i) for i in range(n)]
    except ValueError as e:
        return "outer caught " + str(e)


print(outer(2))
print(outer(5))


def gen(n):
    acc = 0
    for i in range(n):
        # Suspended with `acc` on the value stack.
        acc = acc + (yield i)
    return acc


g = gen(4)
print(next(g), g.send(10), g.send(20), g.send(30))
try:
    g.send(40)
except StopIteration as stop:
    print("returned", stop.value)


def counter(start):
    count = start

    def step(by=1):
        nonlocal count
        count += by
        return count

    return step


c = counter(5)
print(c(), c(), c(10), c(by=100))


def defaults(a, b=2, *rest, key="k", **extra):
    return (a, b, rest, key, sorted(extra.items()))


print(defaults(1))
print(defaults(1, 3, 4, 5, key="z", q=1, p=2))
print(defaults(b=7, a=6))

try:
    defaults()
except TypeError as e:
    print("TypeError", e)


def positional(a, b, c):
    return a * 100 + b * 10 + c


print(positional(1, 2, 3), positional(*[4, 5, 6]), positional(7, c=9, b=8))
try:
    positional(1, 2)
except TypeError as e:
    print("TypeError", e)


class Base:
    def __init__(self, name):
        self.name = name

    def describe(self, suffix):
        return self.name + suffix

    def twice(self, x):
        return self.describe(x) + self.describe(x)


class Derived(Base):
    def __init__(self, name, level):
        super().__init__(name)
        self.level = level

    def describe(self, suffix):
        return super().describe(suffix) + str(self.level)


d = Derived("d", 3)
print(d.twice("!"), Base("b").twice("?"))
bound = d.describe
print(bound("#"), [bound(str(i)) for i in range(3)])


def cells_and_params(x, y):
    def inner():
        return x + y

    x = x * 2
    return inner()


print(cells_and_params(3, 4))


def many_locals(a, b):
    c = a + b
    d = c * 2
    e = [a, b, c, d]
    return sum(e) + len([v for v in e if v > 3])


print(sum(many_locals(i, i + 1) for i in range(50)))
