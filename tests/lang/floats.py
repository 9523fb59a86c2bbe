# Float repr (shortest round trip), special values, and float operations.
vals = [0.1, 0.2, 0.1 + 0.2, 1.0, -0.0, 1e16, 1e15, 123456789.123, 1e-5, 0.0001,
        1.5e-10, 2.0 ** 60, 1 / 3, 2 / 3, 1e300 * 1e10, -1e300 * 1e10, 5e-324, 1.7976931348623157e308]
for v in vals:
    print(v, repr(v), str(v))
inf = float("inf")
nan = float("nan")
print(inf, -inf, nan, inf - inf, nan == nan, nan != nan, inf > 1e308, float("-inf"))
print(float("1.5"), float(" -2.25e3 "), float(7), float("1e500"), float("inf") == inf)
print(7.5 // 2, -7.5 // 2, 7.5 % 2, -7.5 % 2, 7.5 % -2, divmod(7.5, 2), 2.0 ** 0.5, 4 ** 0.5)
print(1e16 + 1, 0.1 * 3, 3 * 0.1 == 0.3, round(0.1 + 0.2, 10), abs(-0.0), -(0.0))
print(int(1e16), int(-2.5), float(2 ** 53 + 1), 2 ** 53 + 1.0, 10 ** 20 * 1.0)
print(1.0 == 1, 1 == 1.0, 1.5 > 1, 2 < 2.5, hash(1.0) == hash(1), hash(2.5) == hash(2.5))
print(3.14159.__round__(2) if False else round(3.14159, 2), round(-0.5), round(1.5), round(0.125, 2))
print(f"{1/3:.3f} {2.5:e} {1234.5678:,.2f} {0.25:%} {1e20:g} {1e-7:g} {123.0:g}")
