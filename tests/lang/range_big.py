# range with bounds past 64 bits behaves as in CPython; the i64 path too.
MAX = 2 ** 63 - 1
MIN = -2 ** 63
r = range(MAX - 5, MAX + 5)
print(r, len(r), r[0], r[-1], r[9], MAX + 1 in r, MAX + 5 in r, 3 in r)
print(list(r)[:3], list(reversed(r))[:3], r.index(MAX + 2), r.count(MAX), r.count(0))
print(r.start, r.stop, r.step, r[2:5], r[::-3], r[100:], bool(r), bool(range(MAX + 1, MAX + 1)))
big = range(-2 ** 70, 2 ** 70, 2 ** 68)
print(big, len(big), big[3], big[-1], big[1:3], list(reversed(big))[:2])
print(big == range(-2 ** 70, 2 ** 70 - 1, 2 ** 68), big != range(0), range(2 ** 64, 2 ** 64) == range(0))
print(range(10)[5:2], range(0, 10, 3)[1:], range(10)[::-1], range(1, 2, 5) == range(1, 3, 7))
print(list(reversed(range(MAX - 3, MAX))), list(reversed(range(MIN, MIN + 3))), list(reversed(range(5, -5, -3))))
total = 0
for i in range(MAX - 2, MAX + 3):
    total += i
print(total)
print([i for i in range(MIN + 2, MIN - 3, -1)])
print(sum(range(2 ** 64, 2 ** 64 + 6, 2)), max(range(-2 ** 65, 0, 2 ** 63)))
for n in (range(MIN, MAX), range(0, 2 ** 64), range(2 ** 100)):
    try:
        print(len(n))
    except OverflowError as exc:
        print("OverflowError:", exc)
print(range(2 ** 100)[2 ** 99], 2 ** 99 in range(2 ** 100), range(2 ** 100)[-1])
try:
    range(5)[10]
except IndexError as exc:
    print("IndexError:", exc)
try:
    range(MAX, MAX + 2)[2]
except IndexError as exc:
    print("IndexError:", exc)
try:
    range(3).index(7)
except ValueError as exc:
    print("ValueError:", exc)
