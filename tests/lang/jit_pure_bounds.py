# Pure recursive functions run natively on machine integers; values near
# the bottom of the machine range, where a subtraction overflows, must
# still become big ints exactly as in Python.


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def down(n):
    if n <= -9223372036854775800:
        return n - 5
    return down(n - 1) if n > -9223372036854775795 else n - 20


def steps(n):
    if n > 3:
        return steps(n - 4) + 1
    return n - 3


def neg(n):
    return neg(n - 1) - 1 if n >= 0 else n - 1


t = 0
for i in range(300):
    t += fib(i % 15) + steps(i) + neg(i % 50)
print(t)
for k in range(200):
    r = down(-9223372036854775790 + k % 3)
print(r)
print(down(-9223372036854775799), down(-9223372036854775801))
print(steps(-(2**63)), neg(-(2**63)), fib(-(2**63)))
