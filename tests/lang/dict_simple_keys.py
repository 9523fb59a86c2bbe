# Dict get/set/`in` with str and int keys (the paths that need no script
# equality) next to keys that do: equal keys made differently, numeric keys
# of several types, hash collisions, and a key type with its own __eq__.

a = "ab" + "cd"
b = "".join(["a", "bcd"])
c = "xabcdx"[1:5]
e = "ab,cd".split(",")[0] + "cd"
d = {}
d[a] = 1
d[b] = d.get(b, 0) + 10
d[c] += 100
print(d, len(d), list(d)[0] is a, d[e], e in d, d.get(e), "abcd" in d, "abce" in d)
print(d.get("zz"), d.get("zz", "dflt"), d.get(""), "" in d)
d[""] = "empty"
print(d[""], d.get(""), "" in d, len(d))

u = {}
for w in ["é", "e\u0301", "日本", "日" + "本", "🙂", "\U0001f642"]:
    u[w] = u.get(w, 0) + 1
print(u)

# Numeric keys: 1, 1.0 and True are one key; the first key object stays.
n = {}
n[1] = "int"
n[1.0] = "float"
n[True] = "bool"
print(n, list(n), type(list(n)[0]).__name__)
f = {1.0: "f"}
f[1] = "i"
print(f, f.get(True), True in f, 1 in f, 2 in f)
# -1 and -2 hash alike in CPython; both stay distinct keys.
h = {}
h[-1] = "m1"
h[-2] = "m2"
h[-1] = "m1b"
print(h, h[-1], h[-2], h.get(-3), -2 in h)
big = 2**47
m = {big: "big", big - 1: "small", -big: "neg", -big - 1: "negbig", 2**70: "huge"}
print(m[2**47], m[2**47 - 1], m[-(2**47)], m[-(2**47) - 1], m[2**70], (2**35) * 4 in m)
print({0: "z"}.get(0), {0: "z"}.get(0.0), {0: "z"}.get(False), {0: "z"}.get(-0))
t = {(1, "a"): 1}
print(t.get((1, "a")), (1, "a") in t, t[(1, "a")])

# Mixed str and int keys in one dict, with updates keeping order.
mix = {}
for i in range(20):
    mix[i] = i
    mix[str(i)] = -i
for i in range(0, 20, 3):
    mix[i] = mix[i] * 10
    mix[str(i)] = mix.get(str(i), 0) - 1
print(list(mix.items())[:12], len(mix))


class Name:
    """Equal to a str with the same text, and hashes like it."""

    def __init__(self, text):
        self.text = text

    def __hash__(self):
        return hash(self.text)

    def __eq__(self, other):
        if isinstance(other, Name):
            return self.text == other.text
        return self.text == other


k = {Name("key"): "by-name"}
print(k["key"], k.get("key"), "key" in k, "other" in k, k.get("other", "no"))
k["key"] = "replaced"
print(len(k), [v for v in k.values()], type(list(k)[0]).__name__)
k["new"] = "added"
print(len(k), k["new"], Name("new") in k)


try:
    {}["nope"]
except KeyError as err:
    print("KeyError", err)
try:
    {1: 2}[3]
except KeyError as err:
    print("KeyError", err)
try:
    {}[[1]] = 2
except TypeError as err:
    print("TypeError", err)
try:
    {}.get([1])
except TypeError as err:
    print("TypeError", err)
try:
    [1] in {}
except TypeError as err:
    print("TypeError", err)

# Small tables (searched in order) and larger ones (probed by hash) must
# agree, across the size where one becomes the other, for every key kind.
for size in [0, 1, 7, 8, 9, 16, 40]:
    g = {}
    for i in range(size):
        g["k" + str(i)] = i
        g[i * 7] = -i
        if i % 4 == 0:
            g[(i, "t")] = i * 100
    found = [g.get("k" + str(i)) for i in range(size + 2)]
    ints = [g.get(i * 7, "none") for i in range(size + 2)]
    tuples = [(i, "t") in g for i in range(0, size + 2, 4)]
    for i in range(0, size, 2):
        del g["k" + str(i)]
    g["k0"] = "again"
    print(size, len(g), found[-3:], ints[-3:], tuples, list(g)[-3:], g.get("k1"), g.get(7, "none"))
    named = {"p" + str(i): i for i in range(size)}
    named[Name("zz")] = "name"
    print(size, named["zz"], "zz" in named, named.get(Name("p0")), len(named))
    named["zz"] = "set"
    print(size, len(named), named[Name("zz")], type(list(named)[-1]).__name__)
