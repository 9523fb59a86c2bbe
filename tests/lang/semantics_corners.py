# Corners of the built-in semantics found by comparing with CPython:
# dict views as sets, max()'s comparison direction, object.__setattr__ /
# __delattr__ and user __delattr__ hooks, vars().


def show_error(fn):
    try:
        fn()
    except Exception as e:
        print(type(e).__name__ + ":", e)


# dict.keys() / dict.items() views combine and compare like sets.
d = {1: "a", 2: "b", 3: "c"}
print(d.keys() & {2, 3, 9}, d.keys() | {4}, d.keys() - {1}, d.keys() ^ {3, 5})
print({9, 2} & d.keys(), [5, 1] | d.keys(), {1, 2, 3, 4} - d.keys())
print(d.items() & {(1, "a"), (2, "x")}, d.items() - {(1, "a")} == {(2, "b"), (3, "c")})
print(d.keys() == {1, 2, 3}, d.keys() != {1}, {1: 0}.items() == {(1, 0)}, d.keys() <= {1, 2, 3, 4})
print(d.keys() == d.keys(), d.values() == d.values(), d.keys() < {1, 2, 3})
with_list = {"k": [1], "j": 2}
print(with_list.items() & {("j", 2)}, ("k", [1]) in with_list.items(), ("k", 1) in with_list.items())
acc = {0}
acc |= d.keys()
print(acc)
show_error(lambda: d.keys() | 1)
show_error(lambda: d.values() | {1})

# max() asks `item > best`, min() asks `item < best`.
show_error(lambda: max([1, "a"]))
show_error(lambda: min([1, "a"]))


class OnlyGt:
    def __init__(self, v):
        self.v = v

    def __gt__(self, other):
        return self.v > other.v

    def __repr__(self):
        return f"OnlyGt({self.v})"


print(max([OnlyGt(1), OnlyGt(3), OnlyGt(2)]))


# object.__setattr__ / __delattr__ bypass the class's own hooks.
class Frozen:
    def __init__(self, x):
        object.__setattr__(self, "x", x)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete {name!r}")


f = Frozen(1)
print(f.x)
show_error(lambda: setattr(f, "x", 2))
show_error(lambda: delattr(f, "x"))
object.__delattr__(f, "x")
print(hasattr(f, "x"))


class Logged:
    def __setattr__(self, name, value):
        print("set", name, value)
        super().__setattr__(name, value * 2)

    def __delattr__(self, name):
        print("del", name)
        super().__delattr__(name)


lg = Logged()
lg.v = 3
print(lg.v)
del lg.v
show_error(lambda: lg.v)
show_error(lambda: object.__setattr__(lg, 1, 2))


class Bag:
    def __init__(self):
        self.a = 1
        self.b = [2]


print(vars(Bag()))
show_error(lambda: vars(1))

# %-formatting: after a %(key) directive, an unkeyed one has no argument.
print("%s|%(a)s" % {"a": 1}, "%(a)s %(b)05.1f" % {"a": 1, "b": 2.25})
show_error(lambda: "%(a)s %s" % {"a": 1})

# Titlecase and case folding differ from upper/lower for some letters.
print("\u01c6a b".title(), "stra\u00dfe".title(), "\u00df".capitalize(), "\u01c9x".capitalize())
print("Stra\u00dfe".casefold(), "\ufb01le".casefold(), "\u03c2".casefold(), "ABC".casefold())
print("STRASSE".casefold() == "stra\u00dfe".casefold(), "STRASSE".lower() == "stra\u00dfe".lower())

# A search window past the end, or ending before it starts, finds nothing.
s = "abc"
print(s.find("", 4), s.find("", 3), s.rfind("", 2, 1), s.count("", 4), s.count("", 2, 1))
print(s.startswith("", 4), s.startswith("", 3), s.endswith("", 2, 1), s.find("b", -2, -1))
show_error(lambda: s.index("", 4))

# Error texts of common mistakes with builtins and str methods.
show_error(lambda: " ".join(None))
show_error(lambda: " ".join(5))
show_error(lambda: " ".join("a", "b"))
show_error(lambda: "x".zfill())
show_error(lambda: "x".partition())
show_error(lambda: "x".removeprefix())
show_error(lambda: divmod("a", 1))
show_error(lambda: divmod(None, 2.5))
show_error(lambda: getattr(1, 2))
show_error(lambda: setattr(1, 2, 3))
show_error(lambda: hasattr(1, None))
show_error(lambda: zip([1], 2))
show_error(lambda: type())
show_error(lambda: type(1, 2))

# isdecimal / isdigit / isnumeric follow the Unicode digit categories.
for ch in ["7", "\u0663", "\u00b2", "\u00bd", "\u2460", "\u2469", "\u2167", "x"]:
    print(repr(ch), ch.isdecimal(), ch.isdigit(), ch.isnumeric())
