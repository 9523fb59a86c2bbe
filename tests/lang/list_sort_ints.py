# list.sort() of ints: duplicates, negatives, reverse, the limits of int
# immediates, and lists the int path must not take (bools, big ints,
# floats mixed in, a key function).

cases = [
    [],
    [5],
    [3, 1, 2],
    [2, 2, 1, 1, 0, -1, -1],
    [-(2**47), 2**47 - 1, 0, -1, 1],
    list(range(100, 0, -7)),
    [(i * 7919) % 101 - 50 for i in range(300)],
]
for c in cases:
    a = list(c)
    a.sort()
    b = list(c)
    b.sort(reverse=True)
    print(a[:12], a[-3:], b[:6], len(a), a == sorted(c), b == sorted(c, reverse=True))

mixed = [3, True, 2, False, 1]
mixed.sort()
print(mixed, [type(x).__name__ for x in mixed])
big = [2**47, 5, -(2**47) - 1, 2**70, 0]
big.sort()
print(big)
fl = [2, 1.5, -1, 0.0, -0.0, 0, 3]
fl.sort()
print(fl)
fl.sort(reverse=True)
print(fl)
k = [5, -3, 2, -8, 0]
k.sort(key=abs)
print(k)
k.sort(key=lambda x: -x, reverse=True)
print(k)
strs = ["b", "a", "é", "", "ab", "B"]
strs.sort()
print(strs)
strs.sort(reverse=True)
print(strs)
try:
    [1, "a"].sort()
except TypeError as e:
    print("TypeError", e)
