# Keyword arguments to built-ins: the ones they take, and CPython's
# errors for the ones they do not (built-ins say "is an invalid keyword
# argument", script functions "got an unexpected keyword argument").

print(int("11", base=2), str(b"ab", encoding="ascii"), bytes("x", encoding="utf-8"))
print(dict(a=1, b=2), sorted([3, 1, 2], reverse=True), "a,b".split(sep=","))
print(max([1, 5, 2], key=lambda v: -v), min([], default=7))

calls = [
    lambda: object(zz=1),
    lambda: bool(zz=1),
    lambda: int("1", zz=1),
    lambda: float("1", zz=1),
    lambda: str(1, zz=1),
    lambda: list([1], zz=1),
    lambda: tuple([1], zz=1),
    lambda: set([1], zz=1),
    lambda: frozenset([1], zz=1),
    lambda: range(3, zz=1),
    lambda: bytes(1, zz=1),
    lambda: slice(1, zz=1),
    lambda: property(zz=1),
    lambda: [3, 1].sort(zz=1),
    lambda: "a b".split(zz=1),
    lambda: print(1, zz=1),
    lambda: sorted([1], zz=1),
    lambda: [1].count(1, zz=2),
    lambda: {}.get(1, zz=2),
    lambda: "".join([], zz=1),
]
for call in calls:
    try:
        call()
        print("no error")
    except TypeError as e:
        print("TypeError:", e)


def script(a):
    return a


try:
    script(1, zz=2)
except TypeError as e:
    print("TypeError:", e)
