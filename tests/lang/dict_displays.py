# Dict and tuple displays: duplicate keys (the first key object stays, the
# last value wins), equal but distinct str keys, unhashable keys, nesting,
# big displays, and displays built in hot loops (compiled code).


class Key:
    def __init__(self, name, h):
        self.name = name
        self.h = h

    def __hash__(self):
        return self.h

    def __eq__(self, other):
        return isinstance(other, Key) and self.name == other.name

    def __repr__(self):
        return "Key(" + self.name + ")"


def show(d):
    print(d, len(d), [type(k).__name__ for k in d])


def duplicates():
    show({1: 'a', 1.0: 'b', True: 'c'})
    show({True: 'a', 1: 'b'})
    show({1.0: 'x', 1: 'y', 2: 'z', 2: 'w'})
    show({"a": 1, "b": 2, "a": 3})
    show({0: 'zero', False: 'false', 0.0: 'float'})
    show({Key("p", 1): 1, Key("p", 1): 2, Key("q", 1): 3})
    show({1: 'int', Key("one", 1): 'key', 1: 'again'})
    show({"x": 1, Key("x", 5): 2, "x": 3})


def distinct_strs(n):
    a = "ke" + "y" * n
    b = "k" + "ey" + "y" * (n - 1)
    print(a == b, a is b)
    d = {a: 1, b: 2}
    print(d, len(d))
    for k in d:
        print(k is a, k is b)
    e = {b: "first", "other": 0, a: "last"}
    print(e)
    print(list(e)[0] is b)


def unhashable():
    for make in (lambda: {[1]: 2},
                 lambda: {"ok": 1, {}: 2},
                 lambda: {1: 2, "s": 3, {1, 2}: 4},
                 lambda: {(1, [2]): 3}):
        try:
            make()
        except TypeError as e:
            print("TypeError:", e)


def nested(x):
    d = {"outer": {"inner": {"deep": [x, (x, x + 1)]}}, "t": ((), (x,), (x, {"k": x}))}
    print(d)
    print(d["outer"]["inner"]["deep"][1], d["t"][2][1]["k"])
    return d


def big():
    d = {"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7,
         "k8": 8, "k9": 9, "k10": 10, "k11": 11, "k12": 12, 13: "thirteen",
         14: "fourteen", -15: "minus", "k1": "one again", 2.5: "float",
         (1, 2): "tuple", None: "none", "k16": 16, "k17": 17, "k18": 18,
         "k19": 19, "k20": 20, "k9": "nine again", "k21": 21}
    print(len(d), d["k1"], d["k9"], d[13], d[(1, 2)], d[None], d[2.5])
    print(list(d)[:5], list(d)[-3:])
    t = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
    print(len(t), t[-1], sum(t))


def hot(n):
    s = "widget"
    total = 0
    last = None
    for i in range(n):
        a = {"message": "hi"}
        b = {"id": i, "name": s, "limit": 5}
        c = {i: "x", i + 1: "y", i: "z"}
        p = (a, b)
        q = (i,)
        total += len(a) + len(b) + len(c) + len(p) + len(q) + b["id"] - i
        if i % 1000 == 0:
            last = (a, b, c, p, q)
    print(total, last)


def hot_mixed(n):
    total = 0
    for i in range(n):
        d = {1: i, 1.0: i + 1, "s": i, True: i + 2}
        total += d[1] + len(d)
        try:
            {"a": i, [i]: 2}
        except TypeError:
            total += 1
    print(total)


duplicates()
distinct_strs(3)
unhashable()
nested(7)
big()
hot(5000)
hot_mixed(3000)
print({}, (), {"a": {}}, ((),))
