# Arithmetic that had never run when its function was compiled (code after
# a loop that an OSR entry compiled): planned from its operands' kinds, so
# an overflow, a zero divisor or another type must still give Python's
# result.


def after_the_loop(n, m, divisor):
    total = 0
    acc = 1
    i = 0
    while i < n:
        for j in range(m):
            acc = (acc * 17 + j) % 65521
            total += acc // 7
        total = total % 1000000007
        scaled = total * 3 - acc
        half = scaled / 2
        big = total * 2**40 * 2**30
        i += 1
    tail = total // divisor
    return total, scaled, half, big, tail


print(after_the_loop(3, 2000, 7))
print(after_the_loop(2, 1500, 3))
try:
    after_the_loop(1, 1200, 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError:", e)


def changes_type(n, step):
    x = 0
    for k in range(n):
        x += 1
    y = x * step
    z = y + 1
    return x, y, z


print(changes_type(3000, 2))
print(changes_type(3000, 0.5))
try:
    changes_type(3000, "ab")
except TypeError as e:
    print("TypeError:", e)
