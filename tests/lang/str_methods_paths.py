# find/index/count/startswith/endswith with and without bounds, strip and
# replace (which return the str itself when nothing changes), and
# upper/lower on ASCII and non-ASCII text.

texts = ["", "abcabc", "héllo wörld héllo", "日本語テキスト日本", "a🙂b🙂c"]
subs = ["", "a", "bc", "é", "llo", "日本", "🙂", "zz"]
bounds = [(), (None,), (1,), (-3,), (2, None), (None, 4), (1, -1), (5, 2), (100,), (-100, 100)]
for t in texts:
    for sub in subs:
        row = []
        for b in bounds:
            row.append((t.find(sub, *b), t.rfind(sub, *b), t.count(sub, *b),
                        t.startswith(sub, *b), t.endswith(sub, *b)))
        print(repr(t), repr(sub), row)
print("abcabc".startswith(("x", "ab")), "abcabc".endswith(("bc", "x"), 0, 3), "日本".startswith(("本",), 1))
print("abc".index("c"), "abcabc".rindex("a", 0, 4), "héllo".index("l", 3))
for call in [lambda: "abc".index("z"), lambda: "abc".rindex("a", 1), lambda: "abc".find(1),
             lambda: "abc".startswith(1), lambda: "abc".find("a", "x")]:
    try:
        print(call())
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)

s = "keep"
print(s.strip() is s, s.lstrip("x") is s, s.rstrip(None) is s, s.strip("kp"), s.strip("kep") == "")
for t in ["  pad  ", "\t\nx y\x0b\x1c", "ééaéé", "  日本  ", "xxhixx", "", "   "]:
    print(repr(t.strip()), repr(t.lstrip()), repr(t.rstrip()), repr(t.strip("xé ")), len(t.strip()))
w = "a-b-c"
print(w.replace("z", "y") is w, w.replace("-", "+", 0) is w, w.replace("", "", 0) is w)
print(w.replace("-", "+"), w.replace("-", "", 1), w.replace("-", "--", -1), w.replace("a-b-c", ""))
print(w.replace("", "|"), w.replace("", "|", 2), "".replace("", "x"), "aaa".replace("a", "b", 2))
print("日本日本".replace("本", "ほん"), "é-é".replace("é", "e"), len("é-é".replace("-", "日")))
print("aaaa".replace("aa", "b"), "abab".replace("ab", "ab"), "x🙂y".replace("🙂", ""))

for t in ["", "abc", "ABC dEf 12!", "straße", "ǅungla", "İstanbul", "ﬁne", "ÀÉÎõü", "日本"]:
    u, lo = t.upper(), t.lower()
    print(repr(u), repr(lo), len(u), len(lo), u.lower() == lo.lower(), hash(u) == hash(str(u)))
