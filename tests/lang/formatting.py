# Formatting corner cases: format specs on ints/floats/strs, str.format
# with attributes and indexes, %-formatting with mappings, repr of nesting.
n = 1234567.891
for spec in ("", "f", ".0f", ".1f", "e", ".3e", "g", ".3g", "%", ".1%", ",", "_.2f", "+.2f", " .2f",
             "15.3f", "<15.3f", "^15.3f", ">15,.1f", "015.2f", "=+15.2f"):
    print(repr(spec), format(n, spec))
for spec in ("", "d", "5d", "<5d", "^5d", "05d", "+d", "x", "X", "#x", "o", "#o", "b", "#010b", ",d", "_d", "c", "e", ".2f", "%"):
    print(repr(spec), format(65, spec), format(-65, spec) if spec != "c" else "")
for spec in ("", "s", "10", "<10", ">10", "^10", "*^10", ".2", "10.2"):
    print(repr(spec), "[" + format("kiln", spec) + "]")
print(format(0.0, "g"), format(1e-10, "g"), format(123456789.0, "g"), format(1.5e300, ".2e"), format(float("nan"), "f"), format(float("-inf"), "e"))
print(format(2 ** 70, ","), format(-(2 ** 70), "x"), format(10 ** 25, "e"), format(True, "d"), format(3, ".2f"))
class P:
    def __init__(self):
        self.x = 3
        self.items = ["a", "b"]
p = P()
print("{0.x} {0.items[1]} {1[k]} {2!r:>6}".format(p, {"k": "v"}, "s"))
print("%(a)s-%(b)05.1f" % {"a": "x", "b": 2.25}, "%c%c" % (72, "i"), "%+d %+d" % (5, -5), "%o %#x %X" % (8, 255, 255))
print("%10.4s|%-6d|%e|%g|%G" % ("abcdefg", 42, 12345.678, 0.00001234, 1e20), "%s" % [1, "2"], "%r" % ("x",), "%%")
nested = {"list": [1, (2, 3), {"k": None}], "s": {"only"}, "t": (1,), "f": 1.0, "e": [], "q": "it's"}
print(nested, repr(nested), str(nested))
print(f"{'nested ' + f'{1 + 1}'}", f"{n:{'>'}{12}.{2}f}", f"{[1, 2]!s:>10}", f"{'x'!a}")
