# math.sqrt(x) and friends in hot loops, next to list reads: the callee,
# the module and the argument change mid-loop, the math module raises, and
# the lists are changed while the loop runs.
import math


class FakeMath:
    def sqrt(self, x):
        return -x


def norms(rows, n):
    total = 0.0
    for k in range(n):
        r = rows[k % len(rows)]
        d = math.sqrt(r[0] * r[0] + r[1] * r[1])
        total += d + r[0]
    return round(total, 6)


rows = [[3.0, 4.0], [6.0, 8.0], [1.0, 0.0]]
print(norms(rows, 3000))


def with_errors(n):
    out = []
    for k in range(n):
        x = float(k % 7 - 2)
        try:
            out.append(math.sqrt(x))
        except ValueError as e:
            out.append(str(e))
    return out[0], out[2], out[6], len(out)


print(with_errors(2000))


def rebinding(n):
    global math
    real = math
    total = 0.0
    for k in range(n):
        if k == n // 2:
            math = FakeMath()
        total += math.sqrt(float(k))
    math = real
    return round(total, 3)


print(rebinding(3000))


def rebound_function(n):
    total = 0.0
    saved = math.sqrt
    for k in range(n):
        if k == n - 100:
            math.sqrt = lambda x: 2.0
        total += math.sqrt(4.0)
    math.sqrt = saved
    return total


print(rebound_function(3000))


def missing_attribute(n):
    total = 0.0
    for k in range(n):
        total += math.fabs(-1.5)
        if k == n - 1:
            try:
                total += math.no_such_function(1.0)
            except AttributeError as e:
                return total, str(e)
    return total


print(missing_attribute(2000))


def other_arguments(n):
    total = 0.0
    for k in range(n):
        v = k if k % 100 else True
        total += math.sqrt(v) + math.floor(2.5)
    return round(total, 6)


print(other_arguments(3000))


def mixed_numbers(n):
    total = 0.0
    for k in range(n):
        v = k if k % 3 else k * 0.5
        total += math.sqrt(v) + math.fabs(v - 10)
    return round(total, 6)


print(mixed_numbers(3000))
