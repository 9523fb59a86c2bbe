# str.split / rsplit / join: single-byte and multi-char separators, maxsplit,
# whitespace splitting, non-ASCII text, and join over lists, tuples and
# other iterables (the fast paths and the general one must agree).

cases = [
    "", " ", "a", "a b", "  a  b  ", "a,b,,c,", ",", ",,", "héllo wörld", "x→y→z",
    "tab\tsep\nline\x0bvt\x0cff\rcr\x1cfs\x1fus end", "\u3000wide\u3000space\u3000",
    "a\u00a0b", "ab::cd::::ef::", "::", "日本語,テキスト,", "é,é,é",
]
for s in cases:
    print(repr(s))
    print("  split()", s.split(), s.split(None, 1), s.split(maxsplit=0))
    print("  rsplit()", s.rsplit(), s.rsplit(None, 1), s.rsplit(maxsplit=0))
    for sep in [",", "::", " ", "é", "→", ",,", "\n"]:
        print("  ", repr(sep), s.split(sep), s.split(sep, 1), s.split(sep, 0), s.split(sep, -1))
        print("  r", repr(sep), s.rsplit(sep), s.rsplit(sep, 1), s.rsplit(sep, maxsplit=2))
    print("  none sep", s.split(None), s.split(sep=None, maxsplit=2))

# The pieces are ordinary strs: lengths, hashes and equality hold.
parts = "αβ,γ,δε".split(",")
print([len(p) for p in parts], parts[0] == "αβ", hash(parts[2]) == hash("δ" + "ε"))
d = {}
for w in "one two one three two one".split(" "):
    d[w] = d.get(w, 0) + 1
print(d)
print(len("añb cd".split()[0]), "añb cd".split()[0][1])

for bad in ["", 5]:
    try:
        "abc".split(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
try:
    "abc".split(",", "x")
except TypeError as e:
    print("TypeError", e)
try:
    "abc".split(",", 1, 2)
except TypeError as e:
    print("TypeError", e)
try:
    "abc".split(sep=",", bogus=1)
except TypeError as e:
    print("TypeError", e)

# join
print("-".join([]), "-".join(["a"]), "-".join(["a", "b", "c"]))
print("".join(("x", "y")), ", ".join(("only",)), "→".join(["é", "ö", ""]))
print("::".join(iter(["p", "q"])), "+".join(c for c in "abc"), "|".join("xyz"))
print(len("é".join(["ab", "cd"])), "é".join(["ab", "cd"])[2])
print("".join({"k1": 1, "k2": 2}))
joined = "ab".join(["日", "本"])
print(joined, len(joined), joined[1:3], hash(joined) == hash("日ab本"))
for bad in [["a", 1], ("a", None), [b"x"], 7]:
    try:
        ",".join(bad)
    except TypeError as e:
        print("TypeError", e)
try:
    ",".join()
except TypeError as e:
    print("TypeError", e)


class Seq:
    def __iter__(self):
        return iter(["s", "e", "q"])


print("/".join(Seq()))
lst = ["a", "b"]
print(",".join(lst), lst)
