# Tier 2: int arithmetic that leaves the immediate range inside a hot loop
# continues as a big int.
def grow(n):
    x = 1
    for i in range(n):
        x = x * 3 + i
    return x


def squares(n):
    s = 0
    i = 0
    while i < n:
        s += i * i * i * i * i
        i += 1
    return s


def neg(n):
    x = -1
    for _ in range(n):
        x = x * 2 - 1
    return x


for k in range(5):
    grow(10)
print(grow(10), grow(40), grow(100))
print(squares(100), squares(2000))
print(neg(20), neg(47), neg(48), neg(70))
print(2 ** 47 - 1 + 1, -(2 ** 47) - 1, (2 ** 46) * 4, 140737488355327 * 140737488355327)
