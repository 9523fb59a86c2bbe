# Tier 2: type changes mid-loop in hot functions must give the same results.
def add(a, b):
    return a + b


def mixed_sum(items):
    total = 0
    for x in items:
        total = total + x
    return total


for i in range(50):
    add(i, i)
print(add(2, 3), add(2.5, 0.25), add("a", "b"), add([1], [2]))
print(mixed_sum([1, 2, 3] * 20))
print(mixed_sum([1, 2, 3.5, 4]))
print(mixed_sum([True, 2, 3]))


def compare(a, b):
    if a < b:
        return "lt"
    if a == b:
        return "eq"
    return "gt"


for i in range(40):
    compare(i, 20)
print(compare(1, 2), compare(2.0, 2), compare("b", "a"), compare(3, 2.5))


def index_all(xs, n):
    out = []
    for i in range(n):
        out.append(xs[i] * 2)
    return out


print(index_all([1, 2, 3, 4], 4))
print(index_all((1.5, 2.5), 2))
print(index_all("ab", 2))
try:
    print(index_all([1, 2], 3))
except IndexError as e:
    print("IndexError", e)


def floordiv_mod(a, b):
    return a // b, a % b, -a // b, -a % b, a // -b, a % -b


for i in range(1, 30):
    floordiv_mod(i, 7)
print(floordiv_mod(17, 5), floordiv_mod(7.5, 2), floordiv_mod(10, 3))
try:
    floordiv_mod(1, 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)


def truthiness(xs):
    n = 0
    for x in xs:
        if x:
            n += 1
        if not x or x == 3:
            n += 10
    return n


print(truthiness([0, 1, 2, 3, "", "a", [], [0], None, 0.0, 1.5]))
