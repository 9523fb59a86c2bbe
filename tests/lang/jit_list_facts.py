# Subscripts of lists at sites that only ever saw lists: compiled code
# checks a local's list once per straight-line stretch and reuses what it
# proved (its length and items) for the next subscripts of that local.
# Everything here changes a list, a local or a container between or
# during such stretches, or makes a check fail mid-loop.


def step(a, b, dt):
    # nbody's shape: constant indexes, reads and in-place writes.
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    d2 = dx * dx + dy * dy + 1.0
    a[2] -= dx * dt / d2
    a[3] -= dy * dt / d2
    b[2] += dx * dt / d2
    b[3] += dy * dt / d2
    a[0] += a[2] * dt
    b[-4] += b[-2] * dt
    return a[-1]


def run_steps(n):
    a = [0.0, 0.0, 0.5, 0.25, "a"]
    b = [1.0, 2.0, -0.5, 0.0, "b"]
    tag = None
    for _ in range(n):
        tag = step(a, b, 0.01)
    return [round(x, 9) for x in a[:4]], [round(x, 9) for x in b[:4]], tag


print(run_steps(2000))


def first_two(xs):
    return xs[0] + xs[1]


def containers(n):
    # Lists for a long time, then a tuple, a dict with int keys, a str:
    # the list check fails and the interpreter takes over.
    total = 0
    for i in range(n):
        total += first_two([i, 1])
    extra = [first_two((5, 6)), first_two({0: 7, 1: 8}), first_two("xy")]
    for i in range(n):
        total += first_two([i, 2])
    return total, extra


print(containers(3000))


def out_of_range(n):
    # Index errors raised from a stretch that proved a smaller index.
    caught = 0
    xs = [1, 2, 3]
    for i in range(n):
        try:
            v = xs[0] + xs[i % 5]
        except IndexError as e:
            caught += 1
            v = str(e)
    return caught, v


print(out_of_range(3000))


def negatives(n):
    xs = [10, 20, 30, 40]
    total = 0
    for i in range(n):
        total += xs[-1] - xs[-4] + xs[-(i % 4) - 1] + xs[i % 4 - 4]
    try:
        xs[-5]
    except IndexError as e:
        total = (total, str(e))
    return total


print(negatives(3000))


def grow(xs):
    xs.append(len(xs))


def resized_between(n):
    # Calls change the length between two subscripts of the same local.
    out = []
    for i in range(n):
        xs = [1, 2]
        a = xs[1]
        xs.append(3)
        b = xs[2]
        grow(xs)
        c = xs[3]
        xs.pop(0)
        d = xs[0]
        xs.insert(0, 7)
        xs.insert(0, 8)
        e = xs[4]
        xs.clear()
        xs.append(e)
        try:
            f = xs[1]
        except IndexError:
            f = -1
        out.append(a + b + c + d + e + f)
    return out[0], out[-1], len(out)


print(resized_between(2000))


def aliased(n):
    total = 0
    for i in range(n):
        a = [1.0, 2.0, 3.0]
        b = a
        x = a[2]
        b.clear()
        b.extend([5.0])
        try:
            y = a[2]
        except IndexError:
            y = a[0]
        b[0] = 9.0
        total += x + y + a[0]
    return total


print(aliased(2000))


def rebound(n):
    long = [1, 2, 3, 4]
    short = [5]
    total = 0
    for i in range(n):
        a = long
        total += a[3]
        a = short
        try:
            total += a[3]
        except IndexError:
            total += a[0]
    return total


print(rebound(3000))


def stores(n):
    xs = [0, 0, 0]
    for i in range(n):
        xs[0] = i
        xs[1] = xs[0] * 2
        xs[2] = xs[1] + xs[0]
        xs[i % 3] += 1
    return xs


print(stores(3000))


def key_kinds(n):
    # Index keys that are not small ints: bools, big ints, floats.
    xs = [3, 4, 5]
    total = 0
    for i in range(n):
        total += xs[i % 3]
    total += xs[True] + xs[False]
    try:
        xs[2**70]
    except IndexError as e:
        total = (total, str(e))
    try:
        xs[1.0]
    except TypeError as e:
        total = (total, str(e))
    return total


print(key_kinds(3000))


def mutate_during(n):
    # A list replaced in another local's loop body while this one reads it.
    rows = [[float(i), float(i + 1)] for i in range(4)]
    total = 0.0
    for k in range(n):
        for r in rows:
            total += r[0] * r[1]
            r[0], r[1] = r[1], r[0] + 0.5
        rows[k % 4] = [1.0, 2.0]
    return round(total, 6)


print(mutate_during(1500))


def typed_items(n):
    # Reads that only ever found floats (or ints) push them unboxed; then
    # an item of another kind appears mid-loop.
    fs = [0.5, 1.5, 2.5]
    xs = [1, 2, 3]
    total = 0.0
    count = 0
    for i in range(n):
        total += fs[i % 3] * 2.0
        count += xs[i % 3]
        if i == n // 2:
            fs[1] = 7
            xs[2] = 2**60
        if i == n - 10:
            fs[0] = None
            xs[0] = True
            xs[1] = 0.25
        if fs[0] is None:
            fs[0] = 3
    return total, count, fs, xs


print(typed_items(3000))


def typed_items_again(n):
    fs = [0.5, 1.5, float("nan"), float("inf"), -0.0]
    out = []
    for i in range(n):
        v = fs[i % 5]
        out.append(v)
        fs[i % 5] = v
    return out[len(out) - 1], out[len(out) - 3], out[0] + out[1], fs


print(typed_items_again(3000))


def sieve(n):
    # A list of bools read in a hot loop (their feedback says "int").
    flags = [True] * (n + 1)
    flags[0] = False
    flags[1] = False
    count = 0
    for i in range(2, n + 1):
        if flags[i]:
            count += 1
            for j in range(i * i, n + 1, i):
                flags[j] = False
    return count, flags[97], flags[98]


print(sieve(20000))


def bool_keys(n):
    # Counting by a bool index (the key's feedback says "int").
    counts = [0, 0]
    for i in range(n):
        counts[i % 3 == 0] += 1
        counts[False] += counts[True] % 2
    return counts


print(bool_keys(3000))
