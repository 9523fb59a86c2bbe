# Classes: attributes, methods, inheritance, super(), properties,
# static and class methods, dunder methods and operator dispatch.
class Vec:
    dims = 2
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)
    def __rmul__(self, k):
        return self * k
    def __eq__(self, o):
        return isinstance(o, Vec) and (self.x, self.y) == (o.x, o.y)
    def __lt__(self, o):
        return (self.x, self.y) < (o.x, o.y)
    def __repr__(self):
        return f"Vec({self.x}, {self.y})"
    def __len__(self):
        return 2
    def __getitem__(self, i):
        return (self.x, self.y)[i]
    def __iter__(self):
        yield self.x
        yield self.y
    def __contains__(self, v):
        return v in (self.x, self.y)
    def __bool__(self):
        return bool(self.x or self.y)
    def __hash__(self):
        return hash((self.x, self.y))
v = Vec(1, 2)
w = Vec(3, 4)
print(v + w, v * 3, 2 * v, v == Vec(1, 2), v != w, v < w, sorted([w, v]), len(v), v[1], list(v), 2 in v)
print(bool(Vec(0, 0)), bool(v), str(v), [v], {v: 1}[Vec(1, 2)], Vec.dims, v.dims, max(v, w))
class Animal:
    count = 0
    def __init__(self, name):
        self.name = name
        Animal.count += 1
    def speak(self):
        return f"{self.name} makes {self.sound()}"
    def sound(self):
        return "..."
    def __str__(self):
        return f"<{type(self).__name__} {self.name}>"
class Dog(Animal):
    def __init__(self, name, tricks):
        super().__init__(name)
        self.tricks = tricks
    def sound(self):
        return "woof"
class Puppy(Dog):
    def sound(self):
        return super().sound() + "!"
p = Puppy("rex", ["sit"])
print(p.speak(), str(p), Animal.count, isinstance(p, Animal), issubclass(Puppy, Dog), type(p) is Puppy)
print(Dog("a", []).speak(), Animal("z").speak(), Animal.count, p.tricks, hasattr(p, "tricks"), getattr(p, "nope", 0))
class Temp:
    def __init__(self):
        self._c = 0
    @property
    def c(self):
        return self._c
    @c.setter
    def c(self, value):
        if value < -273:
            raise ValueError("too cold")
        self._c = value
    @property
    def f(self):
        return self._c * 9 / 5 + 32
    @staticmethod
    def unit():
        return "C"
    @classmethod
    def make(cls, c):
        t = cls()
        t.c = c
        return t
t = Temp.make(100)
print(t.c, t.f, Temp.unit(), t.unit())
try:
    t.c = -300
except ValueError as e:
    print("ValueError", e)
try:
    t.f = 1
except AttributeError as e:
    print("AttributeError")
setattr(t, "extra", 5)
print(t.extra, getattr(t, "extra"), type(t).__name__, Temp.__name__)
class Plain:
    pass
o = Plain()
print(repr(o).startswith("<__main__.Plain object at 0x"), o == o, o != Plain())
class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
        return self
    def __len__(self):
        return len(self.items)
s = Stack().push(1).push(2)
print(len(s), bool(s), s.items)
class Base:
    def who(self):
        return "base"
class Child(Base):
    def who(self):
        return "child+" + super(Child, self).who()
print(Child().who())
