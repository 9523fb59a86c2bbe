# Tier 2: `for x in range(...)` as a native counted loop. Every shape of
# range loop, leaving compiled code mid-loop (an exception, an overflow,
# a type change), entering it mid-loop (OSR), and `range` not being the
# built-in range.


def sums(n):
    a = 0
    for i in range(n):
        a += i
    for i in range(3, n):
        a += i * 2
    for i in range(n, -n, -3):
        a += i
    for i in range(1, n, 4):
        a -= i
    return a


def steps(a, b, s):
    out = []
    for i in range(a, b, s):
        out.append(i)
    return out


def empty_ranges(n):
    c = 0
    for i in range(0):
        c += 100
    for i in range(5, 2):
        c += 100
    for i in range(2, 5, -1):
        c += 100
    for i in range(n, n):
        c += 100
    for i in range(-n):
        c += 100
    return c


def nested(n):
    count = 0
    for a in range(n):
        for b in range(a, n):
            for c in range(b, a, -1):
                count += (a ^ b ^ c) & 1
    return count


def control(n):
    total = 0
    i = j = None
    for i in range(n):
        if i % 3 == 0:
            continue
        if i > 40:
            break
        total += i
    else:
        total = -1
    for j in range(n):
        total += j
    else:
        total += 1000
    return total, i, j


def find_pair(n, want):
    for a in range(n):
        for b in range(a + 1, n):
            if a * b == want:
                return a, b
    return None


def overwrite(n):
    seen = []
    i = None
    for i in range(n):
        i = i * 10
        seen.append(i)
        i = "x"
    return seen, i


def last_value(n):
    i = -1
    for i in range(n):
        pass
    return i


def boom(k):
    if k == 7:
        raise KeyError(k)
    return k


def raises_inside(n):
    acc = 0
    for i in range(n):
        acc += boom(i)
    return acc


def caught_inside(n):
    acc = 0
    for i in range(n):
        try:
            acc += boom(i % 10)
        except KeyError:
            acc += 1000
    return acc


def overflow_mid_loop(n):
    x = 1
    for i in range(n):
        x = x * 3 + i
    return x % 1000003, x > 2**63


def type_change_mid_loop(n):
    v = 0
    for i in range(n):
        if i == 1500:
            v = 0.5
        v = v + i
    return v


def dynamic_step(a, b, s):
    t = 0
    for i in range(a, b, s):
        t += i
    return t


def zero_step(z):
    c = 0
    try:
        for i in range(0, 10, z):
            c += i
    except ValueError as e:
        return "ValueError: " + str(e)
    return c


def bad_args(x):
    try:
        for i in range(x):
            return i
    except TypeError as e:
        return "TypeError: " + str(e)
    return "empty"


def big_bounds(lo, n):
    t = 0
    for i in range(lo, lo + n):
        t += i - lo
    return t


def edge_of_small(lo, hi):
    return [i for i in range(lo, hi)], [i for i in range(hi - 1, lo - 1, -1)]


def uses_range(n):
    t = 0
    for i in range(n):
        t += i
    return t


def fake_range(n):
    return [100, 200]


def rebind_range(f):
    global range
    range = f


def unbind_range():
    global range
    del range


def one_long_loop(n):
    # Called once: compiled code is entered mid-loop (OSR) with the
    # interpreter's range iterator on the stack.
    t = 0
    for i in range(n):
        t += i % 13
        j = 0
        while j < 3:
            j += 1
            t += j
    return t


def every_500(i):
    if i % 500 == 0:
        raise ValueError(i)
    return 1


def osr_after_exception(n):
    # Each exception leaves compiled code with the iterator rebuilt; the
    # interpreter handles it, and the next back-edge re-enters.
    t = 0
    for i in range(n):
        try:
            t += every_500(i)
        except ValueError:
            t += 1000
    return t


def comprehension(n):
    return sum([a * b for a in range(n) for b in range(a)])


def main():
    r = 0
    for k in range(1200):
        r = sums(k % 40)
    print("sums", r, sums(0), sums(1), sums(37))
    for k in range(1200):
        r = steps(k % 5, 20, 3)
    print("steps", r, steps(10, 0, -2), steps(10, -1, -3), steps(-5, 5, 1))
    print("steps", steps(5, 5, 1), steps(0, 10, 20), steps(-10, -20, -4))
    for k in range(1200):
        r = empty_ranges(k % 4)
    print("empty", r)
    print("nested", nested(25), nested(3), nested(0))
    for k in range(1200):
        r = control(k % 60)
    print("control", r, control(10), control(0), control(1))
    for k in range(300):
        r = find_pair(30, k)
    print("find", r, find_pair(30, 29 * 28), find_pair(5, 1000))
    for k in range(1200):
        r = overwrite(k % 4)
    print("overwrite", r)
    print("last", last_value(0), last_value(1), last_value(2000))
    for k in range(1200):
        r = raises_inside(5)
    print("raises", r)
    for k in range(1200):
        try:
            r = raises_inside(9)
        except KeyError as e:
            r = ("KeyError", e.args)
    print("raises", r)
    print("caught", caught_inside(3000))
    print("overflow", overflow_mid_loop(10), overflow_mid_loop(3000))
    print("type change", type_change_mid_loop(3000))
    for k in range(1200):
        r = dynamic_step(0, 50, k % 7 + 1)
    print("dynamic", r, dynamic_step(50, 0, -7), dynamic_step(0, 50, -1))
    for k in range(1200):
        r = zero_step(1)
    print("zero step", r, zero_step(0))
    for k in range(1200):
        r = bad_args(k % 3)
    print("bad args", r, bad_args(2.5), bad_args("3"), bad_args(True), bad_args(-3))
    for k in range(1200):
        r = big_bounds(k, 5)
    print("big", r, big_bounds(2**60, 5), big_bounds(-(2**70), 4), big_bounds(2**47 - 3, 6))
    print("edge", edge_of_small(2**47 - 3, 2**47 - 1), edge_of_small(-(2**47), -(2**47) + 2))
    print("edge", edge_of_small(2**47 - 2, 2**47 + 1), edge_of_small(-(2**47) - 1, -(2**47) + 1))
    for k in range(1200):
        r = uses_range(10)
    print("range", r)
    rebind_range(fake_range)
    print("fake", uses_range(10), uses_range(3))
    unbind_range()
    print("builtin again", uses_range(10))
    print("osr", one_long_loop(20000))
    print("osr exc", osr_after_exception(5000))
    print("comprehension", comprehension(40))


main()
