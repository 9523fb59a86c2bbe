# Tier 2: object locals read without a reference of their own. A local's
# value on the stack is only borrowed while the local holds it, so every
# way of rebinding the local while such a value is live is exercised:
# self-rebinding expressions, swaps, del, exceptions, deopt mid-loop, and
# values that must survive as the only reference (aliasing, identity).


class Node:
    def __init__(self, v, nxt):
        self.v = v
        self.next = nxt


class Box:
    def __init__(self, attr):
        self.attr = attr


class Key:
    def __init__(self, k):
        self.k = k

    def __hash__(self):
        return hash(self.k)

    def __eq__(self, other):
        return isinstance(other, Key) and other.k == self.k


def chain(n):
    head = None
    for i in range(n):
        head = Node(i, head)
    return head


def walk(n):
    # `a = a.next`: the receiver is the local being rebound.
    a = chain(n)
    total = 0
    while a is not None:
        total += a.v
        a = a.next
    return total


def peel(n):
    # `x = x[0]`: the container is the local being rebound.
    x = [n]
    for i in range(n):
        x = [x, i]
    depth = 0
    while isinstance(x, list):
        x = x[0]
        depth += 1
    return depth, x


def unwrap(n):
    o = Box(Box(Box(n)))
    for i in range(2):
        o = o.attr
    o = o.attr
    return o


def grow(n):
    # `lst = lst + [lst]`: the old list lives on inside the new one.
    lst = []
    for i in range(n):
        lst = lst + [lst]
    return len(lst), len(lst[-1]), lst[-1] is not lst


def pair(a, b):
    return [a, b]


def twice(n):
    x = [0]
    for i in range(n):
        x = pair(x, x)
    return x[0] is x[1], len(x)


def swaps(n):
    a = [1]
    b = [2]
    for i in range(n):
        a, b = b, a
    c = [3]
    for i in range(n):
        a, b, c = c, a, b
    return a, b, c


# (`del` keeps these two in the interpreter for now.)
def deleted(n):
    out = []
    for i in range(n):
        x = [i]
        y = x
        out.append(x[0] + y[0])
        del x
    return sum(out)


def del_live(n):
    # `del` while the old value is still an argument being built.
    total = 0
    for i in range(n):
        s = [i, i + 1]
        t = (s, s)
        del s
        total += t[0][1]
    return total


def identity(n):
    a = Box(1)
    b = a
    c = Box(1)
    same = 0
    for i in range(n):
        if a is b:
            same += 1
        if a is not c:
            same += 1
        if a is c:
            same -= 100
        a, c = c, a
        b = a
    return same


def object_keys(n):
    d = {}
    k1 = Key("one")
    k2 = Key("two")
    for i in range(n):
        d[k1] = i
        d[k2] = d[k1] + 1
    t = (1, 2)
    e = {t: "tuple"}
    return d[Key("one")], d[k2], e[t]


def back_edges(n):
    node = Node(0, None)
    prev = node
    for i in range(n):
        cur = Node(i, prev)
        prev = cur
        if cur.next.v + 1 != cur.v and i > 0:
            return -1
    count = 0
    while prev is not None:
        count += 1
        prev = prev.next
    return count


def raises(n):
    caught = 0
    items = [Box(1), Box(2), None, Box(3)]
    for i in range(n):
        o = items[i % 4]
        try:
            caught += o.attr
        except AttributeError:
            caught += 100
        d = {"k": o}
        try:
            d = d["missing"]
        except KeyError:
            caught += 1000
        lst = [o]
        try:
            lst = lst[5]
        except IndexError:
            caught += 1
    return caught


def deopt_mid_loop(n, bad):
    # The element type changes late: guards exit with borrowed values live.
    vals = [Box(i) for i in range(n)]
    if bad >= 0:
        vals[bad] = Box(1.5)
    acc = 0
    cur = vals[0]
    for i in range(n):
        prev = cur
        cur = vals[i]
        acc = acc + cur.attr - prev.attr * 0
    return acc, prev is vals[n - 2]


def aliasing(n):
    a = [0]
    b = a
    for i in range(n):
        a[0] = a[0] + 1
        b = a
        a = list(a)
    return a, b, a is b, a == b


def store_into_self(n):
    lst = [None]
    for i in range(n):
        lst[0] = lst
        lst = [lst]
    depth = 0
    while lst[0] is not lst:
        lst = lst[0]
        depth += 1
        if lst is None:
            break
    return depth


def generic_ops(n):
    # Generic operators read borrowed operands; the result may be stored
    # back into the operand's own local.
    s = "a"
    t = "b"
    lst = [1]
    hits = 0
    for i in range(n):
        s = s + t
        s += t
        t = t + s[0]
        lst += [i]
        lst = lst * 1
        if lst == list(lst):
            hits += 1
        if s < t:
            hits += 10
        if lst != [lst]:
            hits += 100
    return len(s), len(t), len(lst), hits


def main():
    for k in range(300):
        r = walk(20)
    print("walk", r)
    for k in range(300):
        r = peel(12)
    print("peel", r)
    for k in range(300):
        r = unwrap(k)
    print("unwrap", r)
    for k in range(300):
        r = grow(6)
    print("grow", r)
    for k in range(300):
        r = twice(5)
    print("twice", r)
    for k in range(300):
        r = swaps(k)
    print("swaps", r)
    for k in range(300):
        r = deleted(10)
    print("deleted", r)
    for k in range(300):
        r = del_live(10)
    print("del live", r)
    for k in range(300):
        r = identity(7)
    print("identity", r)
    for k in range(300):
        r = object_keys(5)
    print("keys", r)
    for k in range(300):
        r = back_edges(30)
    print("back edges", r)
    for k in range(300):
        r = raises(9)
    print("raises", r)
    for k in range(300):
        r = deopt_mid_loop(20, -1)
    print("deopt", r, deopt_mid_loop(50, 47), deopt_mid_loop(40, 5))
    for k in range(300):
        r = aliasing(4)
    print("aliasing", r)
    for k in range(300):
        r = store_into_self(6)
    print("self", r)
    for k in range(300):
        r = generic_ops(6)
    print("generic", r)


main()
