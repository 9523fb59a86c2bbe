# Tier 2: a hot loop in a function called once (entered mid-loop), and
# leaving compiled code mid-loop on an exception that is caught.
def main():
    total = 0
    acc = 0.0
    for i in range(20000):
        total += i % 7
        acc += i * 0.5
    j = 0
    while j < 5000:
        j += 3
    print(total, acc, j)
    values = [1, 2, 3, "x", 5]
    out = 0
    for k in range(3000):
        try:
            out += values[k % 5] * 2
        except TypeError:
            out -= 1
    print(out)
    words = []
    for w in "the quick brown fox".split():
        words.append(w.upper())
    print(words)


main()


def nested(n):
    count = 0
    for a in range(n):
        for b in range(a):
            if (a + b) % 3 == 0:
                count += 1
            elif b > 50:
                break
    return count


print(nested(300))
