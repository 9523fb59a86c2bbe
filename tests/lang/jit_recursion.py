# Tier 2: recursive functions compiled while they recurse.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


print(fib(20), fact(30), fact(25) // fact(20), ackermann(2, 3))
print(depth(500))
try:
    depth(100000)
except RecursionError:
    print("RecursionError")
