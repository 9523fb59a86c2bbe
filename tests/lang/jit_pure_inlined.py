# Pure recursive functions get a copy of their body inlined at each call
# of themselves; whatever makes the native code give up must end exactly
# as in the interpreter wherever it happens: in the outer body or in an
# inlined copy (odd and even depths), and in copies that return through
# a conditional expression or pass one call's value to another.


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tri(n):
    # Three calls of itself: the most a body may have to be inlined.
    if n < 3:
        return n
    return tri(n - 1) + tri(n - 2) - tri(n - 3) + 1


def quad(n):
    # Four calls: not inlined, still native.
    if n < 4:
        return 1
    return quad(n - 1) + quad(n - 2) + quad(n - 3) + quad(n - 4)


def nest(m, n):
    # A call's value as another call's argument (Ackermann).
    if m == 0:
        return n + 1
    if n == 0:
        return nest(m - 1, 1)
    return nest(m - 1, nest(m, n - 1))


def grow(n, x):
    # Doubles x at every level: overflows past 2**63 at a depth set by x.
    if n == 0:
        return x
    return grow(n - 1, x * 2) if n > 0 else 0


def divide(n, d):
    # Divides by d - n: zero at the depth where n reaches d.
    if n == 0:
        return 0
    return 1000 // (d - n) + divide(n - 1, d)


def depth(n):
    return 0 if n == 0 else depth(n - 1) + 1


def run():
    total = 0
    for i in range(300):
        total += fib(i % 18) + tri(i % 14) + quad(i % 12) + nest(2, i % 5)
    print("mixed:", total)
    # Overflow at every depth parity: the first doubling past 2**63
    # happens in the outer body for some starts and in a copy for others.
    for start in (2**58, 2**58 + 1, 2**59, 2**60, 2**61):
        print("grow:", grow(6, start), grow(7, start))
    for d in (3, 4, 5, 6):
        try:
            print("divide:", divide(8, d + 8))
            print("divide:", divide(d, d))
        except ZeroDivisionError as e:
            print("ZeroDivisionError at", d, e)
    print("depth:", [depth(k) for k in (0, 1, 2, 3, 400, 401)])
    try:
        depth(50000)
    except RecursionError:
        print("depth 50000: RecursionError")
    print("after:", fib(25), tri(20), nest(2, 3))


run()
