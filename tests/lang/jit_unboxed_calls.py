# Direct calls between compiled functions pass speculated int and float
# parameters unboxed when caller and callee agree on the kinds; every
# disagreement, large value and exit after such an entry must give the
# interpreter's answers.


def add3(a, b, c):
    return a + b + c


def scale(x, f):
    return x * f


def mixed(n, x, label, m):
    return label + ":" + str(n * m) + ":" + str(round(x, 3))


def callers(rounds):
    total = 0
    ftotal = 0.0
    text = ""
    for i in range(rounds):
        total += add3(i, i + 1, i * 2)
        ftotal += scale(i * 0.5, 1.25)
        if i % 250 == 0:
            text += mixed(i, i / 7, "r", i + 3) + " "
    return total, ftotal, text


print("agreeing kinds:", callers(1000))


def wide(a, b):
    # Results beyond the 48-bit immediates, and beyond 64 bits.
    return a * b + a


def big_arguments(rounds):
    out = []
    for i in range(rounds):
        x = i * 1099511627776 + 7
        out.append(wide(x, 3))
    out.append(wide(2 ** 62, 4))
    out.append(wide(-(2 ** 47), 2 ** 20))
    return out[-5:]


print("large ints:", big_arguments(600))


def halve(x):
    return x / 2


def kinds_change(rounds):
    acc = []
    for i in range(rounds):
        acc.append(halve(i))
    acc.append(halve(3.5))
    acc.append(halve(True))
    acc.append(halve(10 ** 30))
    for i in range(rounds):
        acc.append(halve(i + 0.25))
    return acc[rounds - 2:rounds + 5] + acc[-2:]


print("kinds change:", kinds_change(600))


def special_floats(x, y):
    return x * y


def floats(rounds):
    s = 0.0
    for i in range(rounds):
        s += special_floats(i * 0.5, 2.0)
    inf = float("inf")
    nan = float("nan")
    return s, special_floats(inf, 2.0), special_floats(inf, 0.0), special_floats(nan, 1.0)


print("floats:", floats(600))


def overflow_inside(a, b):
    # Overflows i64 inside the callee: its exit rebuilds the frame from
    # parameters that arrived unboxed.
    return a * b * b


def overflow_calls(rounds):
    out = 0
    for i in range(rounds):
        out += overflow_inside(i, 3)
    return out, overflow_inside(2 ** 40, 2 ** 30)


print("overflow in callee:", overflow_calls(600))


def divide(a, b):
    return a // b


def raising(rounds):
    got = []
    for i in range(rounds):
        got.append(divide(i + 10, (i % 5) + 1))
    try:
        divide(5, 0)
    except ZeroDivisionError as e:
        got.append(str(e))
    return got[-3:]


print("raising:", raising(600))


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def deep(rounds):
    for _ in range(rounds):
        fact(15)
    return fact(25), fact(30) // fact(28)


print("recursion into big ints:", deep(200))
