# Generators: lazy evaluation, send, yield from with return values,
# generator expressions, early close via break, and iterator protocol.
def countdown(n):
    while n > 0:
        yield n
        n -= 1
    return "done"
print(list(countdown(5)), sum(countdown(100)))
g = countdown(2)
print(next(g), next(g), next(g, "exhausted"))
def echo():
    total = 0
    while True:
        got = yield total
        if got is None:
            return total
        total += got
e = echo()
print(next(e), e.send(5), e.send(10))
try:
    e.send(None)
except StopIteration as stop:
    print("returned", stop.value)
def inner():
    yield 1
    yield 2
    return "inner-result"
def outer():
    result = yield from inner()
    yield result
    yield from [10, 20]
print(list(outer()))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
out = []
for v in fib():
    if v > 100:
        break
    out.append(v)
print(out)
squares = (i * i for i in range(6))
print(next(squares), list(squares), list(squares))
class Countup:
    def __init__(self, stop):
        self.i = 0
        self.stop = stop
    def __iter__(self):
        return self
    def __next__(self):
        if self.i >= self.stop:
            raise StopIteration
        self.i += 1
        return self.i
print(list(Countup(4)), [x * 2 for x in Countup(3)], dict(zip("abc", Countup(3))))
def pairs(items):
    for i, item in enumerate(items):
        for j in range(i + 1, len(items)):
            yield item, items[j]
print(list(pairs("abc")))
it = iter([1, 2, 3])
print(next(it), list(it), list(it))
gen = (x for x in range(3))
print(type(gen).__name__, list(zip(gen, "xyz")))
