# List indexing and iteration in compiled code: the inline paths (int
# index into a list, range and list iterators) and every way off them.


def total(xs, n):
    s = 0
    for i in range(n):
        s += xs[i] + xs[-1 - i]
    return s


def fill(xs, n, v):
    for i in range(n):
        xs[i] = v + i
        xs[-1] = xs[i]


def probe(xs, i):
    try:
        return xs[i]
    except IndexError as e:
        return "IndexError: " + str(e)
    except KeyError as e:
        return "KeyError: " + str(e)
    except TypeError as e:
        return "TypeError: " + str(e)


def store(xs, i, v):
    try:
        xs[i] = v
        return "ok"
    except IndexError as e:
        return "IndexError: " + str(e)
    except TypeError as e:
        return "TypeError: " + str(e)


xs = list(range(20))
for _ in range(50):
    total(xs, 10)
    fill(xs, 5, 100)
print(total(xs, 10), xs[:6], xs[-1])

# Off the inline path: other containers and other index types.
for obj in ([1, 2, 3], (1, 2, 3), {0: "zero", 1: "one"}, "abc", range(5)):
    print(probe(obj, 1), probe(obj, -1), probe(obj, 7))
print(probe([1, 2], True), probe([1, 2], 2**70), probe([1, 2], "0"), probe([1, 2], 1.0))
print(store([1, 2], 5, 0), store((1, 2), 0, 0), store([1, 2], -2, 9), store([1], 2**64, 0))

# Heap items: references stay counted through loads and stores.
words = ["w" + str(i) for i in range(8)]
grid = [[0] * 3 for _ in range(4)]
for _ in range(40):
    for i in range(8):
        w = words[i]
        words[i] = w
        grid[i % 4][i % 3] = w
print(words, grid)


def swap_all(xs):
    for i in range(len(xs) - 1):
        xs[i], xs[i + 1] = xs[i + 1], xs[i]
    return xs


for _ in range(30):
    swap_all(["a", "b", "c", "d"])
print(swap_all(["a", "b", "c", "d"]))


# A list iterator sees appends made during the loop, as in CPython.
def grow(xs):
    out = []
    for x in xs:
        if len(xs) < 12:
            xs.append(x * 2)
        out.append(x)
    return out


for _ in range(30):
    grow([1, 2, 3])
print(grow([1, 2, 3]))


# Ranges with negative and large steps, empty ranges, other iterables.
def walk(it):
    acc = []
    for v in it:
        acc.append(v)
    return acc


for _ in range(30):
    walk(range(3))
print(walk(range(10, -10, -7)), walk(range(0)), walk(range(2**40, 2**40 + 3)))
print(walk(range(2**62, 2**62 + 2**61, 2**60)), walk((1, "a")), walk("hé"), walk({3: 4}))

# A bad index type names the container's type, for reads, writes, deletes.
for k in (1.5, None, "a"):
    for op in ("get", "set", "del"):
        try:
            if op == "get":
                [1, 2][k]
            elif op == "set":
                [1, 2][k] = 3
            else:
                del [1, 2][k]
        except TypeError as e:
            print(op, e)
