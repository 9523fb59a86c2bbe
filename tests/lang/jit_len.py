# len() in compiled code: read from lists, strs (code points), tuples and
# dicts; every other argument, and a rebound `len`, take the call.


class Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def total(items):
    t = 0
    for x in items:
        t += len(x)
    return t


things = [[1, 2, 3], "héllo", (1, 2), {"a": 1, "b": 2}, {1, 2, 3, 4}, b"xyz",
          range(7), Sized(11), [], "", frozenset([1])]
print(total(things * 200))

# Lengths change between calls: the word is read each time.
grow = []
text = ""
for i in range(300):
    grow.append(i)
    text += "ü"
print(total([grow, text, grow]))


def errors(items):
    out = []
    for x in items:
        try:
            out.append(len(x))
        except TypeError as e:
            out.append(str(e))
    return out


print(errors([5, 2.5, None, [1]] * 100)[-4:])


class Negative:
    def __len__(self):
        return -1


try:
    total([[1], Negative()])
except ValueError as e:
    print("ValueError:", e)


def rebound(items):
    return [len(x) for x in items]


print(rebound(["ab", [1]] * 300)[-2:])
len = lambda x: 42  # noqa: E731
print(rebound(["ab", [1]])[-2:], total([[1, 2]]))
del len
print(rebound(["ab", [1]])[-2:])
