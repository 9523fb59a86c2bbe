# Loops with else, break/continue, while/else, nested loops, conditional
# expressions, truthiness of every core type, and/or values.
for n in range(2, 20):
    for d in range(2, n):
        if n % d == 0:
            break
    else:
        print(n, end=" ")
print()
i = 0
while i < 10:
    i += 1
    if i % 2:
        continue
    if i > 6:
        break
    print("even", i)
else:
    print("never")
k = 0
while k < 3:
    k += 1
else:
    print("while-else ran", k)
for v in [0, 1, -1, 0.0, 2.5, "", "a", [], [0], (), (0,), {}, {0: 0}, set(), None, True, False, range(0), range(1)]:
    print(repr(v), bool(v), "yes" if v else "no")
print(0 or "x", "" or [] or 0, 1 and 2, 1 and 0, None and 1, not 0, not "a", 1 < 2 < 3, 3 > 2 > 2, 1 == 1.0 != 2)
a = [1, 2]
b = a
print(a is b, a is not [1, 2], a == [1, 2], None is None, 1 in a, 3 not in a, "b" in "abc", "" in "x")
grade = lambda s: "A" if s >= 90 else "B" if s >= 80 else "C"
print([grade(s) for s in (95, 85, 50)])
total = 0
for x in range(10):
    for y in range(10):
        if y > x:
            break
        total += y
print(total)
words = ["alpha", "beta", "gamma"]
for idx, word in enumerate(words):
    if word.startswith("b"):
        print("found at", idx)
        break
count = 0
while True:
    count += 1
    if count == 5:
        break
print(count)
pass
