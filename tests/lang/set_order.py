# Set and frozenset iteration order must match CPython's table layout for
# values with deterministic hashes (ints, floats, bools, tuples of those).

print({1, 9, 4, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 33}, {-1, -2, 0.5, (1, 2), True})
s = set()
for i in (1, 9, 4, 5, 64, 72, 8, 16):
    s.add(i)
print(s, len(s))

a = set(range(20))
a.discard(3)
a.discard(11)
a.add(43)
a.add(3)
print(a)
print(a.pop(), a.pop(), a)
a.clear()
a.add(100)
print(a, a.pop(), a)

b = {x * 7 % 23 for x in range(30)}
print(b | {100, 200, 64}, b & {1, 2, 3, 64, 4}, b - {1, 2}, b ^ {0, 1, 99, 64})
print(frozenset([5, 3, 77, 1024, -1, -2]), frozenset(range(40, 0, -3)))
print(hash(frozenset([1, 2, 3])), hash(frozenset()), hash(frozenset({(1, 2), 5.5})))
print({frozenset({1, 2}): "x"}, {1, 2} == frozenset({2, 1}), frozenset({1}) in {frozenset({1})})
print({1, 2} in {frozenset({1, 2})})

c = set(range(100))
c -= set(range(10, 90))
print(c)
d = {i: i for i in (5, 1, 3, 1000, 17)}
print(set(d), set(d.keys()), set(d.items()))
e = set([40, 8, 16])
e.update([1, 2], {3, 24})
print(e, e.union([77, 13]), e.intersection([16, 8, 99]), e.difference([1]))
print(e.symmetric_difference([1, 555]), e.copy(), set(e), frozenset(e))
f = {1, 2, 3}
f.intersection_update({3, 2, 10})
f |= {5000, 7}
f ^= {7, 8, 9}
f &= {3, 8, 9, 2, 1000}
print(f)

# A deterministic pseudo-random workload of adds, discards and pops.
state = 12345


def rand(n):
    global state
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n


for round_no in range(6):
    x = set()
    y = set()
    popped = []
    for step in range(200):
        op = rand(10)
        v = rand(300) * (round_no + 1)
        if op < 5:
            x.add(v)
        elif op < 8:
            x.discard(rand(300) * (round_no + 1))
        elif op < 9:
            y.add(v)
        elif x:
            popped.append(x.pop())
    print(round_no, len(x), list(x)[:12], popped[:8])
    print(x | y == y | x, sorted(x ^ y)[:5], list(x - y)[:6], list(y & x)[:6])
    print(list(x.union(y))[:10], list(y.union(x))[:10], list(x.copy())[:10])

mixed = {2 ** 40, 2 ** 61 - 1, 2 ** 61, -(2 ** 61), 1.5, -0.25, 1e300, (3, (4, 5)), False}
print(mixed, hash(frozenset(mixed)))

try:
    for k in a.union({1, 2, 3}):
        a.add(k * 1000)
    print("no error")
except RuntimeError as exc:
    print("RuntimeError:", exc)
z = {1, 2, 3}
try:
    for k in z:
        z.add(k + 10)
except RuntimeError as exc:
    print("RuntimeError:", exc)
print(z)
