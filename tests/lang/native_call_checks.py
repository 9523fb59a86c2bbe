# Calls of natives and built-in methods: the argument checks and receiver
# tests run inline on success; their errors must keep CPython's wording.


def show(f):
    try:
        print(f())
    except TypeError as e:
        print("TypeError:", e)


show(lambda: len([1, 2, 3]))
show(lambda: len())
show(lambda: len([1], [2]))
show(lambda: list.append("x", 1))
show(lambda: dict.get([], 1))
show(lambda: str.upper(5))
show(lambda: [].append())
show(lambda: [].append(1, 2))
show(lambda: {}.get())
show(lambda: {}.get(1, 2, 3))
show(lambda: {"a": 1}.get("a"))
show(lambda: {}.keys(x=1))
m = []
list.append(m, 7)
m.append(8)
print(m, len(m))
items = []
for i in range(3):
    items.append(i)
print(items, "a-b".split("-"), "-".join(["x", "y"]))
