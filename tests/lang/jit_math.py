# math functions called from compiled code: computed natively when the
# callee is the math built-in and the argument a float, and exactly as the
# interpreter (same results, same errors) in every other case.
import math


def norms(xs):
    s = 0.0
    for x in xs:
        s += math.sqrt(x) + math.fabs(-x) + math.exp(x / 100.0)
        s += math.sin(x) * math.cos(x) + math.tan(x / 10.0) + math.atan(x)
    return s


def safe(f, x):
    try:
        return f(x)
    except ValueError as e:
        return "ValueError: " + str(e)
    except OverflowError as e:
        return "OverflowError: " + str(e)
    except TypeError as e:
        return "TypeError: " + str(e)


def sqrt_of(x):
    return math.sqrt(x)


def exp_of(x):
    return math.exp(x)


def sin_of(x):
    return math.sin(x)


xs = [0.5 * i for i in range(40)]
for _ in range(30):
    norms(xs)
    sqrt_of(2.0)
    exp_of(1.0)
    sin_of(1.0)
print(f"{norms(xs):.10f}")
# Errors and edge cases through the compiled callers.
for x in (4.0, 0.0, -0.0, -1.0, float("inf"), float("nan"), 9, 2**80, True, "4"):
    print(x, safe(sqrt_of, x))
for x in (1.0, 709.0, 710.0, float("-inf"), float("nan"), -1000.0):
    print(x, safe(exp_of, x))
for x in (0.0, float("inf"), float("nan"), 1e300):
    print(x, safe(sin_of, x))


# Not the math built-in: a class with a method of the same name.
class Fake:
    def sqrt(self, x):
        return "fake " + str(x)


def call_sqrt(m, x):
    return m.sqrt(x)


for _ in range(30):
    call_sqrt(math, 16.0)
print(call_sqrt(math, 16.0), call_sqrt(Fake(), 16.0))

# Rebinding math.sqrt while compiled code uses it.
original = math.sqrt
math.sqrt = lambda x: -x
print(sqrt_of(25.0))
math.sqrt = original
print(sqrt_of(25.0))
