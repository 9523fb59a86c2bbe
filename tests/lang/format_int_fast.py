# Int and float format specs through f-strings, format() and str(): width,
# fill (including non-ASCII), every alignment, signs, zero padding, radix
# prefixes, grouping, bools, big ints and the limits of small ints.

values = [0, 7, -7, 42, -42, 12345, -98765, 2**47 - 1, -(2**47), 2**47, -(2**47) - 1, 2**70, -(2**64)]
specs = ["", "d", "5d", "05d", "<6", ">6", "^7", "=8", "+d", " d", "-d", "+05d", "x", "#x", "X",
         "#X", "o", "#o", "b", "#b", "*^9", "_>8", "é>6", "→<5", ",", "_", "_x", "=+10", "010,",
         "12_b", "#012x", "^+9", "c"]
for v in values:
    row = []
    for s in specs:
        if s == "c" and not 0 <= v < 0x110000:
            continue
        row.append(format(v, s))
    print(v, str(v), f"{v}", "|".join(row))

for b in [True, False]:
    print(f"{b}", f"{b:5}", f"{b:d}", f"{b:>6d}", f"{b:x}", format(b, "^5"), str(b))

for n in range(-12, 13, 3):
    print(f"{n:3d}|{n:<4}|{n:^5}|{n:05d}|{n * 1000:,}|{n:+}|{len(str(n))}")

floats = [0.0, -0.0, 3.14159, -2.5, 1e20, 1234567.891, float("inf"), float("-inf"), float("nan"), 0.5]
fspecs = ["", "10.2f", "=+10.3f", ",.1f", "%", "^12.1f", "8", "+", "e", "_>12.3e", "g", "015.4f", "<9g", "é^11.2f"]
for x in floats:
    print(x, "|".join(format(x, s) for s in fspecs))

print(f"{'word':>10}|{5:5d}|{'é':*^5}|{'ab':<4}|")
for code, v in [("s", 5), ("s", True), ("d", 1.5), ("d", "a"), ("z", 3), (".2d", 4), ("z", 2.0)]:
    try:
        print(format(v, code))
    except ValueError as err:
        print("ValueError", err)
