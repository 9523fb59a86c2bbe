# Python-to-Python calls switch frames inside the interpreter's loop, and
# so do their returns. Return values, exceptions crossing several such
# frames, handlers in callers, generators and builtins in between, and the
# recursion limit must all behave as in nested calls.


def add(a, b):
    return a + b


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


def falls_off(x):
    x += 1


def raises(n):
    if n == 0:
        raise ValueError("bottom")
    return raises(n - 1)


def catches(n):
    try:
        return raises(n)
    except ValueError as e:
        return "caught " + str(e) + " at " + str(n)


def cleanup(log):
    try:
        raises(2)
    finally:
        log.append("finally ran")


def gen(n):
    for i in range(n):
        yield add(i, depth(i))


class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.nxt = nxt

    def total(self):
        if self.nxt is None:
            return self.v
        return self.v + self.nxt.total()


def with_defaults(a, b=10, *rest, k=5):
    return a + b + k + len(rest)


def recurse_forever(n):
    return recurse_forever(n + 1)


print(add(1, 2), add("a", "b"))
print(depth(200))
print(falls_off(1))
print(catches(5))
log = []
try:
    cleanup(log)
except ValueError as e:
    print("outer", e, log)
print(list(gen(5)))
print(sum(add(i, i) for i in range(10)))
print(sorted([3, 1, 2], key=lambda x: depth(x) * -1))
chain = None
for i in range(50):
    chain = Node(i, chain)
print(chain.total())
print(with_defaults(1), with_defaults(1, 2, 3, 4, k=0))
try:
    recurse_forever(0)
except RecursionError:
    print("recursion limit reached")
print(depth(10), add(depth(3), depth(4)))
