# Built-in functions and methods called from compiled code: results,
# errors raised by them (their arguments released), keyword defaults.
def conv(xs):
    out = []
    bad = 0
    for x in xs:
        try:
            out.append(int(x))
        except ValueError as e:
            bad += 1
            last = str(e)
    return len(out), bad, last, max(out), min(out, default=0), "-".join(str(v) for v in out[:5])

print(conv(["1", "2", "x", "40", "y"] * 300))


# Methods of built-in values at one site: one type, then another, then
# sets and frozensets (which share a kind and are not cached by it).
def collect(items):
    out = []
    for it in items:
        out.append(it.index(it[-1]))
    return out


print(sum(collect([[1, 1, 2], (1, 3)] * 200)))
print(collect(["a1b1", b"x1", [1], (1, 1)]))


def unions(xs):
    r = []
    for x in xs:
        r.append(sorted(x.union({99})))
    return r


print(unions([{1}, frozenset([2]), {3}] * 3)[-3:])
print(type(frozenset([1]).union({2})).__name__, type({1}.union({2})).__name__)


def words(lines):
    n = 0
    for line in lines:
        n += len(line.split()) + line.upper().count("A")
    return n


print(words(["a b c", "aa bb"] * 300))


# Class methods and other attributes of built-in values at method sites:
# only a method paired with the receiver itself is cached.
def from_keys(xs):
    out = []
    for x in xs:
        out.append(x.fromkeys([1, 2], 0))
    return out


print(from_keys([{}, {"a": 1}] * 600)[-1])


def translations(xs):
    out = 0
    for x in xs:
        out += len(x.maketrans("ab", "cd"))
    return out


print(translations(["x", "y"] * 600))


def class_names(xs):
    return [x.__class__.__name__ for x in xs][-3:]


print(class_names([[], {}, "s"] * 600))
