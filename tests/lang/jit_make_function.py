# Functions made inside compiled code: comprehensions, lambdas and nested
# defs with defaults and keyword-only defaults.


def squares(n):
    return [i * i for i in range(n)]


def evens(xs):
    return {x for x in xs if x % 2 == 0}, {x: x * 2 for x in xs if x > 3}


def adders(n):
    fs = []
    for i in range(n):
        fs.append(lambda x, k=i: x + k)
    return [f(10) for f in fs]


def make(scale):
    def helper(x, y=2, *, z=3):
        return x * y + z

    return helper(scale), helper(scale, 5), helper(scale, z=scale), helper.__name__


def sorter(words):
    return sorted(words, key=lambda w: (len(w), w))


total = 0
for r in range(40):
    total += sum(squares(r % 7))
    evens(list(range(r % 9)))
    adders(3)
    make(r)
    sorter(["bb", "a", "ccc", "ab"])
print(total)
print(squares(6), evens([1, 2, 3, 4, 5, 6]))
print(adders(4), make(7), sorter(["pear", "fig", "apple", "kiwi"]))


# Unpacking and building containers in compiled code.
def pairs(n):
    out = {}
    for i in range(n):
        a, b = i, i * i
        (c, d), e = (b, a), {a}
        out[a] = (b, c, d, e, {"k": a, "v": b}, {a, b})
    return out


def unpack_bad(x):
    try:
        a, b = x
        return a + b
    except ValueError as e:
        return "ValueError: " + str(e)
    except TypeError as e:
        return "TypeError: " + str(e)


for _ in range(30):
    pairs(4)
    unpack_bad((1, 2))
print(pairs(3))
print(unpack_bad((1, 2)), unpack_bad([1, 2, 3]), unpack_bad("ab"), unpack_bad(5), unpack_bad({7: 1, 8: 2}))


# Keyword calls from compiled code: functions, methods, built-ins.
class Box:
    def __init__(self, v):
        self.v = v

    def get(self, scale=1, *, offset=0):
        return self.v * scale + offset


def kw_calls(n):
    b = Box(n)
    parts = [b.get(scale=2), b.get(offset=1), b.get(3, offset=n), make(n)[0]]
    s = sorted([3, 1, 2], reverse=True)
    d = dict(a=n, b=2)
    t = "-".join(str(x) for x in parts)
    print(t, s, d, sep=" | ", end=";\n")
    return len(t)


def kw_bad():
    try:
        return Box(1).get(nope=1)
    except TypeError as e:
        return "TypeError: " + str(e)


acc = 0
for r in range(30):
    acc += kw_calls(r)
    kw_bad()
print(acc, kw_bad())
