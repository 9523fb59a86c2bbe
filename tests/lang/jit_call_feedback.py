# Call sites are compiled from what the interpreter saw called there: a
# direct-call cache only where Python functions were called, the inline
# forms of len() and list.append only where built-ins were. A site that
# later meets the other kind must still call it correctly.


def apply(f, x):
    return f(x)


def double(x):
    return x * 2


class Box:
    def __init__(self):
        self.items = []

    def append(self, x):
        self.items.append(x * 10)


def push(target, x):
    target.append(x)
    return target


def measure(f, x):
    return f(x)


total = 0
for i in range(3000):
    # Warm-up: only built-ins at these sites.
    total += apply(abs, -i)
    total += len(push([], i))
    total += measure(len, "abc")
print(total)

# Now Python functions and objects with their own append/len.
print(apply(double, 21), apply(lambda v: v + 1, 1))
b = push(Box(), 4)
print(b.items)
print(measure(double, 5), measure(str, 7))

total = 0
for i in range(3000):
    # Warm-up: only Python functions at this site.
    total += apply(double, i)
print(total)
print(apply(abs, -5), apply(len, [1, 2, 3]), apply(str.upper, "x"))
lst = []
for i in range(5):
    push(lst, i)
print(lst)


def calls_method(obj, x):
    return obj.get(x, -1)


d = {1: "one"}
for i in range(3000):
    calls_method(d, i)


class Getter:
    def get(self, k, default):
        return k * 3


print(calls_method(d, 1), calls_method(Getter(), 4))
