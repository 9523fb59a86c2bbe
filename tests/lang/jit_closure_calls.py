# Closures (free variables, no cell variables of their own) called from
# compiled code without a frame: reads and writes of the captured cells,
# a guard failing inside the closure, an exception from it, recursion.


def make_rng(seed):
    state = [seed]

    def below(n):
        state[0] = (state[0] * 1103515245 + 12345) % 2147483648
        return (state[0] // 65536) % n

    return below


def draw(below, k):
    total = 0
    for i in range(k):
        total += below(10 + i % 7)
    return total


rng = make_rng(7)
print(draw(rng, 3000))
print(draw(rng, 10))


def make_counter():
    count = 0

    def bump(by):
        nonlocal count
        count += by
        return count

    def read():
        return count

    return bump, read


def drive(bump, k):
    last = 0
    for i in range(k):
        last = bump(i % 3)
    return last


bump, read = make_counter()
print(drive(bump, 2000), read())
# The captured int turns into a float, then a big int: the closure's
# guards fail while it was called without a frame.
print(drive(bump, 5), read())
bump(0.5)
print(drive(bump, 5), read())
bump(2 ** 70)
print(drive(bump, 5), read())


def make_divider(d):
    def divide(x):
        return x // d

    return divide


def divide_all(f, xs):
    out = 0
    for x in xs:
        out += f(x)
    return out


print(divide_all(make_divider(3), range(3000)))
try:
    divide_all(make_divider(0), [1, 2])
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)


def make_walker(limit):
    def walk(n):
        if n >= limit:
            return n
        return walk(n + 1) + 0

    return walk


walk = make_walker(300)
total = 0
for _ in range(20):
    total += walk(0)
print(total)


# Functions with cell variables of their own (captured by a comprehension
# or an inner function), called from compiled code: their cells are made
# at entry, seeded from the parameters, and shared with closures made
# before a guard fails inside them.
class Router:
    def __init__(self, rid):
        self.rid = rid
        self.queue = list(range(rid % 5 + 3))

    def compact(self, start):
        self.queue = [self.queue[k] + self.rid for k in range(start, len(self.queue))]
        return len(self.queue)


def work(routers):
    t = 0
    for r in routers:
        t += r.compact(1)
    return t


routers = [Router(i) for i in range(40)]
print(work(routers), work(routers), sum(sum(r.queue) for r in routers))


def adder_pair(base, step):
    def add(x):
        return x + base

    def bump():
        nonlocal base
        base += step
        return base

    return add(1) + add(2), bump, add


def use_pairs(k, step):
    out = 0
    keep = None
    for i in range(k):
        s, bump, add = adder_pair(i, step)
        out += s + bump()
        keep = (bump, add)
    return out, keep


total, (bump, add) = use_pairs(500, 1)
print(total, add(0), bump(), add(0))
# The captured parameter becomes a float inside the hot function.
total, (bump, add) = use_pairs(3, 0.5)
print(total, add(0), bump(), add(0))
