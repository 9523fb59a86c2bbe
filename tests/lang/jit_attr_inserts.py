# New attributes stored on fresh instances from compiled code (each store
# appends to the instance dict at the position the site remembers): the
# order changing between instances, an attribute stored twice, a class
# gaining a property or __setattr__ while instances are being made.


class Point:
    def __init__(self, x, y, swap):
        if swap:
            self.y = y
            self.x = x
        else:
            self.x = x
            self.y = y
        self.x = self.x + 1
        self.tag = "p"


def make_points(n):
    total = 0
    keys = None
    for i in range(n):
        p = Point(i, 2 * i, i % 97 == 0)
        total += p.x + p.y
        if i % 97 == 0:
            keys = list(vars(p))
    return total, p.tag, keys, list(vars(p))


print(make_points(3000))


class Node:
    def __init__(self, v):
        self.v = v
        self.seen = 0


def make_nodes(n):
    out = []
    for i in range(n):
        out.append(Node(i))
    return out


nodes = make_nodes(2000)
print(sum(n.v for n in nodes))


def seen_prop(self):
    return -1


def seen_set(self, v):
    self._seen = v + 100


Node.seen = property(seen_prop, seen_set)
nodes = make_nodes(500)
print(nodes[3].seen, nodes[3]._seen, nodes[3].v)


class Logged:
    log = []

    def __init__(self, a):
        self.a = a
        self.b = a * 2


def make_logged(n):
    return [Logged(i).b for i in range(n)]


print(sum(make_logged(2000)))


def noisy_setattr(self, name, value):
    Logged.log.append(name)
    object.__setattr__(self, name, value * 10)


Logged.__setattr__ = noisy_setattr
print(make_logged(3), Logged.log[:4])
