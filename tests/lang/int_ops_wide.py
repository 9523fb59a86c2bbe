# Int arithmetic around the 48-bit immediate limit and the i64 limit:
# +, -, *, //, % with positive, negative and zero divisors, bools, and
# mixed int/float operands (results must not depend on the int's size).

L = 2**47
vals = [0, 1, -1, 7, -7, L - 1, L, -L, -L - 1, 2**62, -(2**62), 2**63 - 1, -(2**63), 2**64, 1103515245]
divs = [1, 2, 3, -3, 65536, -65536, 2147483648, L, -L - 1, 2**63 - 1, 2**70]
for x in vals:
    row = [x + 12345, x - L, x * 1103515245, x * x, -x * 3]
    for d in divs:
        row.append((x // d, x % d, divmod(x, d) == (x // d, x % d)))
    print(x, row)

state = [2024]
out = []
for _ in range(2000):
    state[0] = (state[0] * 1103515245 + 12345) % 2147483648
    out.append((state[0] // 65536) % 997)
print(sum(out), out[:10], state[0])

print(True + L, L + True, L * False, L // True, L % True, (L + 1) * 2.5, (L * 4) / 3, L * 4 - 0.5)
for x, d in [(L, 0), (L * 4, 0), (5, 0)]:
    for f in [lambda p, q: p // q, lambda p, q: p % q]:
        try:
            print(f(x, d))
        except ZeroDivisionError as e:
            print("ZeroDivisionError", e)
print(type(L * 2).__name__, type((L * 2) % 5).__name__, (L * 2) % 5, hash(L * 2) == hash(2**48))
print(L * 2 == 2**48, {L * 2: "v"}[2**48], str(L * 4), f"{L * 4:,}", -(L * 4) // 7, -(L * 4) % 7)

# Numeric hashes are CPython's: ints reduce modulo 2**61 - 1, -1 becomes -2.
M = 2**61 - 1
for v in [0, 1, -1, -2, L, -L, M - 1, M, M + 1, -M, -M - 1, 2**61 + 5, -(2**61) - 5, 2**62, 2**63 - 1, -(2**63), 2**64 + 7]:
    print(v, hash(v), hash(v) == hash(float(v)) if abs(v) < 2**53 else "-", {v: 1}.get(v))
