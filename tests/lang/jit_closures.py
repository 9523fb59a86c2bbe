# Tier 2: hot functions with cell and free variables (closures and
# comprehensions capturing locals and parameters), exits and OSR entries
# in such functions, and the error messages of unbound cells.


def scaled(xs, k):
    # A list comprehension reading a parameter that lives in a cell.
    return [x * k for x in xs]


def keyed(xs, base):
    off = base + 1
    d = {x: x + off for x in xs}
    s = {x % off for x in xs}
    g = sum(x * base for x in xs)
    return len(d), sorted(s), g


class Box:
    def __init__(self, n):
        self.n = n

    def spread(self, items):
        # Reads `self` through a cell, like a handler would.
        return [self.n + i for i in items]


def comprehensions():
    total = 0
    b = Box(3)
    for i in range(1500):
        total += sum(scaled([1, 2, 3], i % 5))
        n, s, g = keyed([i, i + 1, i + 2], i % 4 + 1)
        total += n + len(s) + g
        total += b.spread([i % 3, 1])[0]
    print("comprehensions", total)
    print(keyed([5, 6, 7], 2))


def make_counter():
    count = 0

    def bump(by):
        nonlocal count
        count += by
        return count

    return bump


def counters():
    c = make_counter()
    last = 0
    for i in range(2000):
        last = c(i % 3)
    print("counter", last)


def per_iteration():
    fs = []
    for i in range(1200):
        fs.append(lambda i=i: i * 2)
    late = []
    for j in range(1200):
        late.append(lambda: j)
    print("per-iteration", sum(f() for f in fs), late[0](), late[-1]())


def rebound():
    x = 1

    def get():
        return x

    seen = []
    for i in range(1500):
        x = i
        seen.append(get())
    x = "done"
    print("rebound", seen[0], seen[1], seen[-1], get())


def read_before_assign(flag):
    if flag:
        v = 10

    def inner():
        return v

    return v + inner()


def free_before_assign():
    def inner():
        return w

    try:
        r = inner()
    except NameError as e:
        r = str(e)
    w = 5
    return r, inner()


def deleted_cell():
    z = 4

    def inner():
        return z

    del z
    try:
        inner()
    except NameError as e:
        return str(e)
    return "no error"


def errors():
    ok = 0
    for i in range(1500):
        ok += read_before_assign(True)
    print("errors", ok)
    try:
        read_before_assign(False)
    except UnboundLocalError as e:
        print("UnboundLocalError:", e)
    for i in range(1200):
        r = free_before_assign()
    print(r)
    for i in range(1200):
        r = deleted_cell()
    print(r)


def deopt_mid_loop(n):
    acc = 0

    def peek():
        return acc

    seen = 0
    for i in range(n):
        if i == n - 300:
            acc = acc * 1.5
        acc = acc + i
        seen += 1 if peek() == acc else 0
    return acc, seen, peek()


def osr_with_cells():
    state = 0
    items = []

    def read():
        return state

    def push(v):
        items.append(v)

    for i in range(30000):
        state += i % 7
        if i % 5000 == 0:
            push(read())
    state = state * 2
    return read(), items


def shared_cell_across_exit():
    # A closure made before an exit (a failed int guard on the cell's
    # value) must still share the cell after it.
    v = 0

    def get():
        return v

    k = 0
    for i in range(3000):
        if i == 2500:
            v = 0.5
        v = v + 1
        k = k + get()
    v = "s"
    return get(), k


def nested_three(a):
    def mid(b):
        def inner(c):
            return a + b + c

        return [inner(c) for c in range(3)]

    return mid(a * 2)


def main():
    comprehensions()
    counters()
    per_iteration()
    rebound()
    errors()
    print("deopt", deopt_mid_loop(2000))
    for _ in range(3):
        print("osr", osr_with_cells())
    print("shared", shared_cell_across_exit())
    t = 0
    for i in range(1500):
        t += sum(nested_three(i))
    print("nested", t, nested_three(2))


main()
