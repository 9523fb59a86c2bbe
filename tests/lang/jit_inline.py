# Small pure functions called from hot loops: the JIT compiles their
# bodies into the caller, with the ordinary call as the way out whenever
# a check fails. Every way out is exercised here: other argument types,
# int overflow, a zero divisor, a rebound global, the recursion limit.


def a_entry(i, j):
    s = i + j
    return 1.0 / (s * (s + 1) // 2 + i + 1)


def add(a, b):
    return a + b


def scale(x):
    y = x * 3
    y -= 1
    return -y


def below(a, b):
    return a < b


def inv(x):
    return 1.0 / x


def first_plus_one(a, b):
    return a + 1


def twice(x):
    return x * 2


def spectral_row(n):
    total = 0.0
    for i in range(n):
        for j in range(n):
            total += a_entry(i, j)
    return total


print("row", spectral_row(60))

# Ints, then floats, then strs and lists through the same call site.
acc = []
for k in range(300):
    if k < 100:
        acc.append(add(k, k))
    elif k < 200:
        acc.append(add(k * 0.5, 1.25))
    elif k < 250:
        acc.append(add("s", str(k)))
    else:
        acc.append(add([k], [k + 1]))
print(acc[:3], acc[150:153], acc[240:242], acc[-2:])


def overflow_loop():
    x = 1
    out = []
    for _ in range(80):
        x = add(x, x)
        out.append(x)
    return out


big = overflow_loop()
print(big[40], big[-1])


def scale_loop():
    total = 0
    for k in range(-500, 500):
        total += scale(k)
    return total


print("scale", scale_loop())


def compare_loop():
    n = 0
    for k in range(1000):
        if below(k % 7, 3):
            n += 1
    m = 0
    for k in range(200):
        if below(k * 0.5, 40.0):
            m += 1
    return n, m


print("below", compare_loop())


def divide_loop():
    out = []
    for k in range(-20, 20):
        try:
            out.append(inv(k))
        except ZeroDivisionError as e:
            out.append("zero: " + str(e))
    return out


d = divide_loop()
print(d[19], d[20], d[21])


def unused_arg_loop():
    items = [[1], "x", None, 3.5, {"k": 1}]
    total = 0
    for k in range(500):
        total += first_plus_one(k, items[k % 5])
    return total


print("unused", unused_arg_loop())


def triple(x):
    return x * 3


def rebinding_loop():
    global twice
    out = 0
    for k in range(600):
        if k == 300:
            twice = triple
        out += twice(k)
    return out


print("rebound", rebinding_loop())


def make_adder():
    def adder(a, b):
        return a - b

    return adder


adder = make_adder()


def fresh_functions_loop():
    global adder
    total = 0
    for k in range(400):
        adder = make_adder()
        total += adder(k, 1)
    return total


print("fresh", fresh_functions_loop())


def deep(n):
    if n == 0:
        total = 0
        for k in range(50):
            total += add(k, 1)
        return total
    return deep(n - 1)


try:
    print("deep", deep(990))
except RecursionError as e:
    print("deep raised", e)


def at_the_limit(n):
    if n > 0:
        return at_the_limit(n - 1)
    return add(1, 2)


for depth in (900, 996, 997, 998, 999, 1000):
    try:
        print(depth, at_the_limit(depth))
    except RecursionError as e:
        print(depth, "RecursionError", e)


def traceback_from_inlined():
    for k in range(5, -5, -1):
        inv(k)


traceback_from_inlined()
