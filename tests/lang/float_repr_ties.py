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

# The edges of the fixed layout (1e-4 <= |x| < 1e16) and integral values.
edges = [0.0, -0.0, 1e-4, 9.999999999999999e-05, 0.00010000000000000002,
         9999999999999998.0, 1e15, 1e15 + 0.5, 4503599627370496.5, 100.0,
         -7.0, 2.0 ** 52, 2.0 ** 53 - 1.0, 0.1 * 3, 1.0 / 1024]
print(" ".join(repr(e) for e in edges))
# Quotients of small ints: many sit near ties of their last digit.
print(" ".join(str(n / d) for n in range(1, 40) for d in (3, 7, 9, 11, 13)))
