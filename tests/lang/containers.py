# Lists, tuples, dicts and sets: mutation, ordering, unpacking, views.
lst = [5, 3, 8, 1]
lst.append(9); lst.insert(0, 7); lst.extend([2, 2])
print(lst, len(lst), lst.index(8), lst.count(2), lst.pop(), lst.pop(0), lst)
lst.remove(2); lst.reverse(); print(lst, sorted(lst), sorted(lst, reverse=True))
lst.sort(key=lambda v: -v); print(lst, lst[1:3], lst[::-2], lst[-1])
lst[1:3] = ["a", "b", "c"]; print(lst)
del lst[0]; del lst[::2]; print(lst)
m = [[0] * 3 for _ in range(3)]
m[1][2] = 5
print(m, [row[2] for row in m], list(zip(*m)))
t = (1, "two", 3.0, None)
a, b, *rest = t
print(a, b, rest, t[1:], t + (5,), t * 2, len(t), t.index("two"), (1, 2) < (1, 3), (1,) == (1,))
first, (second, third) = 1, (2, 3)
print(first, second, third)
d = {"b": 2, "a": 1}
d["c"] = 3; d["b"] = 20
print(d, list(d), list(d.keys()), list(d.values()), list(d.items()), len(d), "a" in d, "z" in d)
print(d.get("a"), d.get("z"), d.get("z", 0), d.pop("a"), d, d.setdefault("q", []), d)
d.update({"x": 1}, y=2); print(d, dict(a=1, b=2), dict([("k", "v")]), {k: v for k, v in [(1, 2)]})
del d["x"]; print(d, d.popitem(), d)
nums = {1: "int", 1.0: "float", True: "bool"}
print(nums, {(1, 2): "tuple"}[(1, 2)], {None: 0}[None])
s = {3, 1, 2, 3}
s.add(5); s.discard(10); s.remove(1)
print(sorted(s), 2 in s, len(s), sorted(s | {9}), sorted(s & {2, 5}), sorted(s - {2}), sorted(s ^ {2, 7}))
print({1, 2} <= {1, 2, 3}, {1, 2}.issubset({1}), frozenset([1, 2]) == {1, 2}, set(), sorted(set("hello")))
print(list(range(5)), list(range(2, 10, 3)), list(range(10, 0, -4)), range(3)[1], len(range(0, 100, 7)))
print(list(enumerate("ab", 1)), list(map(str, [1, 2])), list(filter(None, [0, 1, "", "x"])))
print(any([]), all([]), any([0, 1]), all([1, 0]), list(reversed([1, 2, 3])), sorted("bca"))
print([x * y for x in range(3) for y in range(3) if x != y], sorted({x % 3 for x in range(10)}))
print(sum(x for x in range(10) if x % 2), max("apple", "fig", key=len), min([], default="empty"))
