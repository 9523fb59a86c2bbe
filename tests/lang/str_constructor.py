# str(x) for every kind of argument, with and without encoding, and its
# errors (the one-argument call has its own path).

class Named:
    def __str__(self):
        return "named!"


class OnlyRepr:
    def __repr__(self):
        return "<only repr>"


class BadStr:
    def __str__(self):
        return 42


s = "text"
print(str(s) is s, str(""), repr(str()), str(5), str(-0), str(-17), str(2**47), str(-(2**47) - 1))
print(str(2**100), str(1.5), str(-0.0), str(1e300), str(None), str(True), str(False))
print(str([1, "a"]), str((1,)), str({"k": [None]}), str({1, 2}), str(range(3)), str(b"x\n"))
print(str(b"caf\xc3\xa9", "utf-8"), str(b"abc", encoding="ascii"))
print(str(Named()), str(OnlyRepr()), len(str(12345678901234567890)), str(7)[0])
print(f"{str(42)!r}", str(3) + str(4), hash(str(99)) == hash("99"), {str(1): "one"}["1"])
for args, kwargs in [((), {"bogus": 1}), ((b"\xff", "utf-8"), {})]:
    try:
        print(str(*args, **kwargs))
    except (TypeError, UnicodeDecodeError) as e:
        print(type(e).__name__, e)
try:
    str(BadStr())
except TypeError as e:
    print("TypeError", e)
