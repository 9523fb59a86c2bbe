# One attribute site meeting several classes in turn (the caches remember
# more than one class per site), and instances whose dicts disagree with
# what the site learnt: other insertion orders, many attributes, names
# built at run time that shadow a method.


class Ring:
    def __init__(self):
        self.a = 1
        self.b = 2

    def step(self, x):
        return x + 1


class Hub:
    def __init__(self):
        self.b = 20
        self.a = 10

    def step(self, x):
        return x * 2


class Leaf:
    a = 100

    def __init__(self):
        self.b = 200

    def step(self, x):
        return x - 3


class Wide:
    def __init__(self):
        for i in range(12):
            setattr(self, "f" + str(i), i)
        self.a = -1
        self.b = -2

    def step(self, x):
        return -x


def read_both(o):
    return o.a + o.b


def bump(o):
    o.b = o.b + 1
    return o.b


def call_step(o, x):
    return o.step(x)


def rotate(objs, n):
    total = 0
    for i in range(n):
        o = objs[i % len(objs)]
        total += read_both(o) + call_step(o, i) + bump(o)
    return total


print(rotate([Ring(), Hub()], 3000))
print(rotate([Ring(), Hub(), Leaf()], 3000))
print(rotate([Ring(), Hub(), Leaf(), Wide()], 3000))

# A method shadowed by an instance attribute after the site is warm, with
# a name built at run time (equal to, but not the same object as, the
# interned name), in a small dict and in a dict of more than eight keys.
objs = [Ring(), Hub(), Wide()]
print(rotate(objs, 1000))
name = "".join(["st", "ep"])
setattr(objs[0], name, lambda x: x * 100)
setattr(objs[2], name, lambda x: x * 1000)
print([call_step(o, 3) for o in objs])
del objs[0].step
print([call_step(o, 3) for o in objs])
delattr(objs[2], name)
print([call_step(o, 3) for o in objs])

# The class changes under a warm two-class site.
Hub.step = lambda self, x: x + 1000
print([call_step(o, 3) for o in objs])
Ring.a = property(lambda self: 7)
print([read_both(o) for o in objs])
del Ring.a
print([read_both(o) for o in objs])


class Logged(Ring):
    def __setattr__(self, k, v):
        print("set", k, v)
        object.__setattr__(self, k, v)


lg = Logged()
for o in [Ring(), lg, Hub(), lg]:
    bump(o)
print(read_both(lg), lg.b)


# Methods of built-in values at one site, mixed with an instance whose
# class defines the same method name.
class Counting:
    def count(self, v):
        return 42


def count_of(x, v):
    return x.count(v)


total = 0
for i in range(3000):
    total += count_of([1, 1, 2], 1) + count_of((1,), 1)
    total += count_of(Counting(), 1) + count_of("1a1", "1")
print(total)


# Instances of one class that end up with different numbers of
# attributes (new instances start with room for the most seen).
class Bag:
    def __init__(self, n):
        for i in range(n):
            setattr(self, "k" + str(i), i)
        self.last = n


bags = [Bag(n % 7) for n in range(50)]
print([len(vars(b)) for b in bags[:10]], sum(b.last for b in bags))
print(list(vars(Bag(3))))
