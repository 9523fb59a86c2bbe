# Arbitrary precision: growth past 64 bits, mixing with small ints and
# floats, conversion, comparison, hashing as dict keys, negative values.
a = 1
for i in range(1, 80):
    a = a * 3 + i
print(a, a % 97, a // (2 ** 64), -a // 3, -a % 3, a.bit_length() if hasattr(a, "bit_length") else "")
print(2 ** 64 - 1, -(2 ** 63), 2 ** 63 - 1 + 1, (2 ** 63) - 1, 9223372036854775807 + 1 - 1)
print(int("123456789012345678901234567890") * 2, str(10 ** 30)[::-1], len(str(2 ** 1000)))
print(2 ** 100 == 2.0 ** 100, 2 ** 100 > 1e29, float(2 ** 100), int(1e30), 10 ** 20 / 10 ** 10)
print(hash(2 ** 100) == hash(2 ** 100), {2 ** 100: "big"}[2 ** 100], (2 ** 64) in {2 ** 64}, 2 ** 64 == 2 ** 64)
big = 2 ** 127 - 1
print(big & 0xffff, big >> 100, big << 3, ~big, -big, abs(-big), divmod(big, 10 ** 10), pow(big, 2, 10 ** 9 + 7))
print(sorted([2 ** 70, -5, 2 ** 65, 3.5, -(2 ** 80)]), max(2 ** 64, 1.5), min(-(2 ** 64), 0))
x = 2 ** 62
print(x + x, x * 4, x * -4, -x - x - x, (x * 4) // 4 == x, (x * 4) - (x * 4) + 1)
print(format(2 ** 64, "x"), hex(2 ** 64), bin(2 ** 65), oct(-(2 ** 64)), str(-(2 ** 64)))
print(round(2 ** 70 + 0.5), 7 ** 50 % 1000, (-7) ** 51 // 10 ** 40)
