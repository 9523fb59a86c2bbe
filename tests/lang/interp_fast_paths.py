# The interpreter's caches and fast paths must never change an answer:
# global-name caches when globals shadow or stop shadowing builtins,
# instance-attribute index hints when instances of one class get their
# attributes in different orders, in-place `s += t` when the str is shared,
# module attributes, and list.sort of all-int, all-float or all-str lists.
import math


def use_len(x):
    return len(x)


print(use_len([1, 2, 3]))
len = lambda x: 42  # noqa: E731 - shadow the builtin from module scope
print(use_len([1, 2, 3]))
del len
print(use_len([1, 2, 3]))


def shadow_later():
    global abs
    before = abs(-3)
    abs = lambda x: "mine"  # noqa: E731
    after = abs(-3)
    del abs
    return before, after, abs(-4)


print(shadow_later())

counter = 0


def bump():
    global counter
    counter = counter + 1
    return counter


for _ in range(3):
    bump()
print(counter)
counter = 100
print(bump())


def read_missing():
    return not_defined_anywhere  # noqa: F821


try:
    read_missing()
except NameError as e:
    print("NameError:", e)
not_defined_anywhere = "now defined"
print(read_missing())


class P:
    def __init__(self, first):
        if first:
            self.a = 1
            self.b = 2
        else:
            self.b = 20
            self.a = 10

    def total(self):
        return self.a * 100 + self.b


objs = [P(i % 3 == 0) for i in range(7)]
print([o.total() for o in objs])
for o in objs:
    o.a += 1
print([o.a for o in objs])
q = P(True)
del q.a
q.a = 5
print(q.total(), list(q.__dict__))
q.total = lambda: "instance attr wins"
print(q.total())


class WithProp:
    def __init__(self):
        self.x = 1

    @property
    def y(self):
        return self.x + 1


w = WithProp()
print(w.y)
w.x = 10
print(w.y)

s = "ab"
t = s
s += "c"
print(s, t)
parts = ["x"]
u = parts[0]
u += "y"
print(parts, u)
acc = ""
for i in range(5):
    acc += str(i)
    acc += "é"
print(acc, len(acc), acc[3], hash(acc) == hash("0é1é2é3é4é"))
d = {acc: 1}
print(d["0é1é2é3é4é"])
v = "k" + str(7) + "z"
print(v, len(v))

print(math.sqrt(16.0), math.floor(2.5))
math.answer = 42
print(math.answer)


# list.sort fast paths (stability is visible through identity)
a = [5, -3, 2, 2, 9, 0, -7]
a.sort(); print(a)
a.sort(reverse=True); print(a)
f = [0.0, -0.0, 1.5, -2.0, 0.0, -0.0]
f.sort(); print(f)
f.sort(reverse=True); print(f)
s = ["b", "a", "é", "Z", "ab", "", "a"]
s.sort(); print(s)
s.sort(reverse=True); print(s)
x = "".join(["a", "b"]); y = "".join(["a", "b"])
l = [y, x, "aa"]
l.sort(); print([v is x for v in l])
l.sort(reverse=True); print([v is x for v in l])
m = [1, 2.5, True, 0]
m.sort(); print(m)
b = [True, False, True]
b.sort(); print(b)
e = []
e.sort(); print(e)
n = [3, 1, 2]
n.sort(key=None, reverse=False); print(n)
n.sort(key=lambda v: -v); print(n)
try:
    [1, "a"].sort()
except TypeError as err:
    print("TypeError", err)
big = [10**20, 5, -10**20]
big.sort(); print(big)
