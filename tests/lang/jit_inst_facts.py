# Instance attributes in compiled code: sites that only saw plain
# attributes of instances are checked once per object and stretch of
# code, and leave for the interpreter when anything else shows up. Every
# way the proof can stop holding must end as in the interpreter.


class P:
    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.n = 0


class Q:
    # Same attribute names, other class and other order.
    def __init__(self, x, y):
        self.n = 0
        self.y = y
        self.x = x


class WithClassAttr:
    # `x` only as a class attribute, until an instance gets its own.
    x = 7


def walk(objs, rounds):
    # Branches join between accesses of the same object.
    total = 0
    for r in range(rounds):
        for o in objs:
            if o.x > o.y:
                o.n += 1
                total += o.x
            else:
                o.n -= 1
                total -= o.y
            total += o.x * 3 + o.y + o.n
    return total


def aliases(a, b, rounds):
    # Two locals holding the same object: stores through one are seen
    # through the other.
    for i in range(rounds):
        a.x += 1
        b.x += 2
        a.y = a.x + b.x
    return a.x, a.y, b.x


def later_class_attr(o, rounds):
    # The site saw instance attributes, then a class attribute.
    total = 0
    for i in range(rounds):
        total += o.x
    return total


def class_changes(objs, rounds):
    # A property defined on the class mid-loop wins over the dict.
    total = 0
    for i in range(rounds):
        for o in objs:
            total += o.x
        if i == rounds // 2:
            P.x = property(lambda self: 1000)
    return total


def drop_and_add(o):
    # Deletes and re-adds: the dict's entries move.
    del o.x
    o.z = 5
    o.x = -1


def deleted(objs, rounds):
    total = 0
    for i in range(rounds):
        for o in objs:
            total += o.y + o.x
            if i == rounds // 2 and o is objs[0]:
                drop_and_add(o)
            total += o.x
    return total


def not_instances(things):
    out = []
    for t in things:
        try:
            out.append(t.x)
        except AttributeError as e:
            out.append(str(e))
    return out


ps = [P(i, 5 - i) for i in range(6)]
qs = [Q(i, i % 3) for i in range(6)]
print("walk:", walk(ps, 300), walk(qs, 300), walk(ps + qs, 200))
print("walk n:", [o.n for o in ps], [o.n for o in qs])
same = P(1, 2)
print("aliases:", aliases(same, same, 500))
print("aliases two:", aliases(P(1, 2), P(10, 20), 500))
print("class attr:", later_class_attr(P(3, 4), 400), later_class_attr(WithClassAttr(), 400))
print("class attr again:", later_class_attr(P(3, 4), 400))
wc = WithClassAttr()
wc.x = WithClassAttr.x + 1
print("class attr own:", later_class_attr(wc, 400))
print("deleted:", deleted([P(i, i) for i in range(4)], 200))
print("not instances:", not_instances([P(1, 2), 5, "s", Q(3, 4), None, P(6, 7)] * 3))
print("class changes:", class_changes([P(i, i) for i in range(4)], 300))
