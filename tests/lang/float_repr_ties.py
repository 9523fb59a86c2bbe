# repr/str of floats whose two shortest round-trip strings tie: CPython
# takes the one nearest the exact value, ties to even (x.25 -> x.2).
print(repr(802741128660033.25), repr(802741128660033.75))
print(repr(-1529443619979752.25), str(1005990140642894.25))
print(f"{0.1 + 0.2} {1 / 3} {2.5e-5} {1e16} {9999999999999998.0} {123456789.125}")

# A sweep over magnitudes 1e-22 .. 1e21, in every spelling that uses repr.
x = 0.6180339887
lines = []
for i in range(3000):
    x = (x * 9301.0 + 49297.0) % 233280.0
    v = (x / 233280.0) * (10.0 ** (int(x) % 44 - 22))
    if i % 3 == 0:
        v = -v
    lines.append(repr(v) + " " + str(v / 7.0) + f" {v * 3.0}")
for k in range(0, len(lines), 6):
    print(" | ".join(lines[k:k + 6]))
