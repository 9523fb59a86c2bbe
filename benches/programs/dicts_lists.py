# Dict and list work: counting, grouping, sorting, comprehensions.
def words(n):
    seed = 7
    out = []
    for _ in range(n):
        seed = (seed * 48271) % 2147483647
        out.append("w" + str(seed % 997))
    return out


def count(ws):
    counts = {}
    for w in ws:
        counts[w] = counts.get(w, 0) + 1
    return counts


def group(counts):
    by_len = {}
    for w, c in counts.items():
        key = len(w)
        if key not in by_len:
            by_len[key] = []
        by_len[key].append((c, w))
    for key in by_len:
        by_len[key].sort(reverse=True)
    return by_len


def matrix(n):
    rows = [[(i * j) % 17 for j in range(n)] for i in range(n)]
    cols = [[rows[i][j] for i in range(n)] for j in range(n)]
    return sum(sum(r) for r in rows), sum(max(c) for c in cols)


ws = words(20000)
counts = count(ws)
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
print(len(counts), top)
groups = group(counts)
print(sorted((k, len(v), v[0]) for k, v in groups.items()))
evens = {w: c for w, c in counts.items() if c % 2 == 0}
print(len(evens), sum(evens.values()))
print(matrix(60))
