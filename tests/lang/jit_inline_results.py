# Inlined calls hand their int or float result on unboxed; when the
# ordinary call is taken instead (a rebound global, an overflow, an
# argument of another type) and returns something else, the interpreter
# carries on after the call with that value.


def half(x):
    return x * 0.5


def double(n):
    return n + n


def floats_then_other(n):
    global half
    total = 0.0
    kinds = []
    for k in range(n):
        if k == n // 2:
            half = lambda x: str(x)
        r = half(k)
        if isinstance(r, str):
            kinds.append(r)
        else:
            total += r
    return total, kinds[0], kinds[len(kinds) - 1], len(kinds)


print(floats_then_other(2000))


def ints_then_big(n):
    x = 1
    seen = []
    for k in range(n):
        x = double(x) if x < 2**62 else 3
        if k % 20 == 0:
            seen.append(x)
    return seen[len(seen) - 1], seen[len(seen) - 2], len(seen)


print(ints_then_big(1000))


def ints_then_floats(n):
    total = 0
    for k in range(n):
        v = double(k if k % 500 else k + 0.25)
        total = total + v
    return total


print(ints_then_floats(3000))


def results_in_expressions(n):
    global double
    out = []
    for k in range(n):
        if k == n - 3:
            double = lambda v: [v]
        out.append((double(k), half(1.0) if k < 0 else 0))
    return out[len(out) - 4], out[len(out) - 1]


print(results_in_expressions(1500))
