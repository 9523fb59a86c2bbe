# `//` and `%` by constants in compiled code: powers of two become a shift
# and a mask, other constants skip the zero and -1 checks; every sign of
# the dividend, values near the int range's ends, and variable divisors
# (zero included) must still give Python's results.


def by_constants(lo, hi):
    t = 0
    for x in range(lo, hi):
        t += x // 2 + x % 8 * 3 + x // 1 + x % 1 + x // 7 - x % 1000000007
        t += (x * 31) // 65536 + x % -4 + x // -2 + x % 2147483648 - x // 1024
    return t


def big(xs):
    out = []
    for x in xs:
        out.append((x // 4, x % 4, x // 3, x % 3, x // -1, x % -1))
    return out


def by_variable(a, b):
    return a // b, a % b


for _ in range(4):
    print(by_constants(-3000, 3000))
print(by_constants(2**40, 2**40 + 50))
edges = [2**47 - 1, -(2**47), 2**62, -(2**62), 2**63 - 1, -(2**63), 2**64 + 5, -(2**70)]
for _ in range(100):
    r = big(edges)
print(r)
for _ in range(200):
    q = by_variable(-7, 2)
print(q, by_variable(7, -2), by_variable(-(2**63), -1))
try:
    by_variable(1, 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)
