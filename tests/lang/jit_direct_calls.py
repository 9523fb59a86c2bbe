# Calls from compiled code to compiled code are direct machine calls,
# guarded by the callee object remembered at each call site. Everything a
# call can meet must still behave as in CPython: rebinding the callee's
# name, a callee that deoptimises, big ints, exceptions, recursion limits.


def add1(x):
    return x + 1


def add2(x):
    return x + 2


class Boxed:
    def __init__(self, x):
        self.x = x

    def __repr__(self):
        return f"Boxed({self.x})"


def apply_all(n):
    # `step` is read from the globals at every call, as in CPython.
    out = []
    for i in range(n):
        out.append(step(i))
    return out


# Rebinding mid-loop, from inside a directly called function: to another
# function, to a builtin, to a class, then back.
def rebind(i):
    global step
    if i == 3:
        step = add2
    elif i == 5:
        step = abs
    elif i == 7:
        step = Boxed
    elif i == 9:
        step = add1
    return i


def drive_rebind(n):
    out = []
    for i in range(n):
        out.append(step(i))
        rebind(i)
    return out


step = add1
for _ in range(30):
    apply_all(5)
print(apply_all(5))
print(drive_rebind(12))
step = add1
print(drive_rebind(12))


# Rebinding to a function of another arity: the call raises TypeError.
def two(a, b):
    return a + b


def call_step_once(x):
    return step(x)


for _ in range(30):
    call_step_once(1)
step = two
try:
    call_step_once(1)
except TypeError as e:
    print("TypeError:", e)
step = add1
print(call_step_once(41))


# The callee deoptimises on the Nth call (a type change inside it), many
# times over, so it is recompiled while its callers keep calling it.
def mixed(x):
    y = x * 2
    return y - x


def drive_mixed(n):
    total = 0
    for i in range(n):
        if i % 7 == 6:
            total += mixed(i + 0.5)
        else:
            total += mixed(i)
    return total


for _ in range(40):
    drive_mixed(30)
print(drive_mixed(100))
print(mixed("ab") if False else mixed(3))


# Int overflow into big ints inside a recursive callee.
def power2(n):
    if n == 0:
        return 1
    return 2 * power2(n - 1)


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


for _ in range(20):
    power2(10)
print(power2(70), power2(200))
print(fact(40))


# Mutual recursion, and recursion deep enough to hit the limit, caught;
# the depth is back to normal afterwards.
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


print(is_even(300), is_odd(301), is_even(7))


def down(n):
    if n == 0:
        return 0
    return down(n - 1) + 1


for _ in range(30):
    down(20)
for attempt in range(3):
    try:
        down(100000)
    except RecursionError as e:
        print("caught:", e)
    print(down(900))


# Exceptions raised in a directly called callee, caught in the caller.
def divide(a, b):
    return a // b


def safe_ratio(a, b):
    try:
        return divide(a, b)
    except ZeroDivisionError as e:
        return str(e)


def ratios(n):
    out = []
    for i in range(n):
        out.append(safe_ratio(100, i % 4))
    return out


for _ in range(20):
    ratios(8)
print(ratios(8))


def checked(x):
    if x > 5:
        raise ValueError(f"too big: {x}")
    return x


def total_checked(n):
    s = 0
    for i in range(n):
        try:
            s += checked(i)
        except ValueError as e:
            s += 100
            last = str(e)
    return s, last


for _ in range(20):
    total_checked(8)
print(total_checked(10))


# One code object, several function objects: the site follows the callee.
def make_adder(k):
    def adder(x):
        return x + k

    return adder


def make_plain():
    def plain(x):
        return x * 3

    return plain


plains = [make_plain() for _ in range(3)]
adders = [make_adder(k) for k in range(3)]


def call_each(fs, x):
    s = 0
    for f in fs:
        s += f(x)
    return s


for _ in range(30):
    call_each(plains, 1)
    call_each(adders, 1)
print(call_each(plains, 5), call_each(adders, 5))


# Callees that are not plain calls: defaults, keywords, generators.
def with_default(x, y=10):
    return x + y


def gen(n):
    yield from range(n)


def others(n):
    s = 0
    for i in range(n):
        s += with_default(i) + with_default(i, 1) + sum(gen(3))
    return s


for _ in range(20):
    others(5)
print(others(10))


# Method calls take the same direct path, the receiver first.
class Counter:
    def __init__(self):
        self.n = 0

    def bump(self, k):
        self.n += k
        return self.n

    def check(self, k):
        if k > 40:
            raise KeyError(k)
        return k


def bump_many(c, n):
    s = 0
    for i in range(n):
        s += c.bump(i)
    return s


c = Counter()
for _ in range(20):
    bump_many(c, 5)
print(bump_many(c, 10), c.n)
# The method rebound on the class, then shadowed on the instance (a
# plain callable attribute), then a float reaching the compiled method.
Counter.bump = lambda self, k: -k
print(bump_many(c, 4))
c.bump = abs
print(bump_many(c, 4))
del c.bump
print(bump_many(c, 3))


def plus(self, k):
    self.n += k
    return self.n


Counter.bump = plus
print(bump_many(c, 3), bump_many(c, 2.5) if False else c.bump(0.5))


def checks(c, n):
    s = 0
    for i in range(n):
        try:
            s += c.check(i)
        except KeyError as e:
            s -= 1
            last = e
    return s, last


for _ in range(5):
    checks(c, 45)
print(checks(c, 50))


# Globals read by compiled code while the globals dict changes under it:
# values rebound in place, new names added (the dict grows and moves its
# entries), names deleted and re-created.
scale = 3


def grow(i):
    global extra_0, extra_1, extra_2, extra_3, extra_4, extra_5, extra_6, extra_7, extra_8, extra_9, extra_10, extra_11
    if i == 0:
        extra_0 = i
    elif i == 3:
        extra_1 = i
    elif i == 6:
        extra_2 = i
    elif i == 9:
        extra_3 = i
    elif i == 12:
        extra_4 = i
    elif i == 15:
        extra_5 = i
    elif i == 18:
        extra_6 = i
    elif i == 21:
        extra_7 = i
    elif i == 24:
        extra_8 = i
    elif i == 27:
        extra_9 = i
    elif i == 30:
        extra_10 = i
    elif i == 33:
        extra_11 = i
    return i


def read_scale(n):
    s = 0
    for i in range(n):
        s += scale
        grow(i)
        if i == 10:
            rebind_scale(5)
        if i == 20:
            drop_scale()
    return s


def rebind_scale(v):
    global scale
    scale = v


def drop_scale():
    global scale
    del scale
    scale = 7


for _ in range(5):
    rebind_scale(3)
    read_scale(4)
rebind_scale(3)
print(read_scale(40), scale, extra_0, extra_11)
drop_scale()
del scale
try:
    read_scale(2)
except NameError as e:
    print("NameError:", e)


# A call site alternating between two callees (both remembered), then a
# third, then one of them replaced on its class mid-run.
class Ant:
    def step(self, x):
        return x + 1


class Bee:
    def step(self, x):
        return x * 2


class Cat:
    def step(self, x):
        return x - 3


def walk(objs, k):
    t = 0
    for i in range(k):
        for o in objs:
            t = o.step(t) % 1000003
    return t


print(walk([Ant(), Bee()], 3000))
print(walk([Ant(), Bee(), Cat()], 3000))
Bee.step = lambda self, x: x + 7
print(walk([Ant(), Bee()], 3000))
