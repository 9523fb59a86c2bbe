# Integer semantics: floor division and modulo signs, powers, shifts,
# promotion past 64 bits and back, mixed int/float/bool arithmetic.
for a in (7, -7, 0, 1, -1, 123456789):
    for b in (3, -3, 1, -1, 10):
        print(a, b, a // b, a % b, divmod(a, b), a * b, a - b)
print(2 ** 10, 2 ** 0, (-2) ** 3, 2 ** -1, (-8) ** 2)
print(1 << 40, 1 << 63, 1 << 64, (1 << 64) >> 1, -1 >> 5, -(1 << 70) >> 3)
big = 2 ** 100
print(big, big + 1, big - big, big // 3, big % 7, -big // 7, -big % 7)
print(big * big, (big * big) // big == big, big > 10 ** 29, big < 10 ** 31)
x = 9223372036854775807
print(x + 1, x * 2, -x - 1, -x - 2, (-x - 1) // -1, abs(-x - 1))
print(0x7fff_ffff_ffff, 0o777, 0b1011, 1_000_000, 0xFF + 1)
acc = 1
for i in range(1, 30):
    acc *= i
print(acc, acc % 1000003, len(str(acc)))
print(True + True, True * 10, False - 1, 3 + 2.5, 7 / 2, 8 / 4, -7 / 2)
print(10 & 6, 10 | 6, 10 ^ 6, ~10, ~-1, -5 & 0xff, big & (big - 1), big | 1)
print(int("  42 "), int("-0"), int("ff", 16), int("0x1f", 16), int("z", 36), int(3.99), int(-3.99))
print(abs(-5), abs(5), abs(-2.5), pow(3, 4), pow(3, 4, 5), pow(2, 100, 1000000007))
print(round(2.5), round(3.5), round(-2.5), round(2.675, 2), round(1234, -2), round(7.0))
print(hex(255), hex(-255), oct(8), bin(5), bin(-5), hex(big))
print(max(3, 9, 2), min(3, 9, 2), max([1, 5, 3]), min("bca"), sum(range(101)), sum([0.5, 0.25]))
