# Speculation failing in compiled code: each function below is hot with one
# type, then sees another mid-loop; the interpreter must finish the work
# exactly as CPython does.


def int_loop(n, switch_at, value):
    total = 0
    step = 1
    for i in range(n):
        if i == switch_at:
            step = value
        total = total + step * 3 - 1
    return total


def grows(n):
    # Overflows 48 bits, then i64, mid-loop: continues as a big int.
    x = 1
    i = 0
    while i < n:
        x = x * 3 + 1
        i += 1
    return x


def float_creeps_in(n):
    acc = 0
    k = 1
    for i in range(n):
        acc = acc + k
        if i == n - 5:
            k = 0.5
    return acc


def divides(n, zero_at):
    out = 0
    for i in range(1, n):
        d = i - zero_at
        try:
            out += (i * 7) // d + (i * 7) % d
        except ZeroDivisionError:
            out -= 1000
    return out


def floor_signs():
    res = []
    a = -7
    b = 2
    for _ in range(3):
        res.append((a // b, a % b, -a // b, a % -b, -a % -b))
        a -= 5
        b += 1
    return res


def negate(n):
    x = 5
    y = 2.5
    for i in range(n):
        x = -x
        y = -y
    return x, y


def float_math(n):
    zr = 0.0
    zi = 0.0
    count = 0
    for i in range(n):
        cr = i * 0.01 - 1.5
        ci = 0.3 / (i + 1)
        nzr = zr * zr - zi * zi + cr
        zi = 2.0 * zr * zi + ci
        zr = nzr
        if zr * zr + zi * zi > 4.0:
            zr = 0.0
            zi = 0.0
            count += 1
    return count, round(zr, 6), round(zi, 6)


def nan_truth(n):
    hits = 0
    x = 0.0
    for i in range(n):
        x = x + 1.0
        if i == n - 2:
            x = float("nan")
        if x:
            hits += 1
        if x != x:
            hits += 100
        if x < 3.0:
            hits += 1000
    return hits


def maybe_unbound(n):
    total = 0
    for i in range(n):
        if i > 2:
            late = i * 2
        if i > 3:
            total += late
    return total


def bools_in_ints(n):
    t = 0
    for i in range(n):
        flag = i % 2 == 0
        t = t + 2
        if i == n - 3:
            t = t + True
    return t


def big_then_small(n):
    x = 2**70
    s = 0
    for i in range(n):
        s = s + i
        if i == 10:
            s = s + x
        if i == 20:
            s = s - x
    return s


def min_edge():
    big = -9223372036854775807 - 1
    r = []
    for v in (big, big + 1, 9223372036854775807):
        r.append((v // -1, v % -1, v * -1, -v, v - 1, v + 1))
    return r


for rnd in range(3):
    print(int_loop(300, 250, 7))
    print(int_loop(300, 280, 2.5))
    print(int_loop(300, 290, 10**30))
    print(grows(30), grows(45), grows(50))
    print(float_creeps_in(200))
    print(divides(120, 60), divides(50, 100))
    print(floor_signs())
    print(negate(301))
    print(float_math(400))
    print(nan_truth(100))
    print(maybe_unbound(100))
    print(bools_in_ints(100))
    print(big_then_small(100))
    print(min_edge())
