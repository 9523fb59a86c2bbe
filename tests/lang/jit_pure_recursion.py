# Pure recursive int functions run natively when compiled code calls
# them; every case the native code gives up on (overflow, zero divisor,
# recursion limit, a rebound global, arguments that are not ints) must
# end exactly as in the interpreter.


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def gcd(a, b):
    if b == 0:
        return a
    return gcd(b, a % b)


def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))


def fact(n):
    if n <= 1:
        return 1
    rest = fact(n - 1)
    return n * rest


def floors(a, b, k):
    # Python's signs for // and %, unary minus, `not` of an int.
    if k == 0:
        return a // b * 1000 + a % b + -a + (not a)
    return floors(a, b, k - 1)


def fib2(n):
    return n if n < 2 else fib2(n - 1) + fib2(n - 2)


def pick(a, b):
    # Values on the stack across the jumps of conditional expressions.
    return a + (b if a < b else -b) * (1 if b else 2) - (pick(a - 1, b) if a > 0 and a < 4 else 0)


def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1


def inverse_sum(n):
    if n < 0:
        return 0
    return 100 // n + inverse_sum(n - 1)


def run(rounds):
    total = 0
    for i in range(rounds):
        total += fib(i % 15) + gcd(i * 7, 91) + ack(2, i % 4) + fib2(i % 12) + pick(i % 5, 3)
    print("mixed:", total)
    print("fib(27):", fib(27), fib2(27))
    print("conditional values:", [pick(a, b) for a in (-2, 0, 3, 5) for b in (-1, 0, 4)])
    print("factorials:", fact(20), fact(21), fact(25))
    print("big ints:", fib(10) * 2 ** 70, gcd(2 ** 80, 2 ** 70 * 3))
    print("signs:", [floors(a, b, 3) for a in (-7, 0, 7) for b in (-3, 3)])
    print("depth 500:", depth(500))
    try:
        depth(100000)
    except RecursionError:
        print("depth 100000: RecursionError")
    try:
        inverse_sum(5)
    except ZeroDivisionError as e:
        print("ZeroDivisionError:", e)
    print("bools:", fib(True), gcd(True, 1), fact(False))
    print("after failures:", fact(22), fib(20))


run(400)


def other(n):
    return -n


def rebinding(rounds):
    global fib
    total = 0
    for i in range(rounds):
        if i == rounds // 2:
            fib = other
        total += fib(i % 10)
    return total


print("rebound:", rebinding(400))
