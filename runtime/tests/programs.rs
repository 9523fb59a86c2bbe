//! End-to-end programs run through `Isolate::run_source`, compared with
//! CPython 3.11's output (generated with python3, never written by hand).

mod support;

use support::run;

#[test]
fn int_boundaries() {
    let src = r#"MAX = 9223372036854775807
MIN = -MAX - 1
print(MAX + 1, MIN - 1, MIN // -1, MIN % -1, -MIN, abs(MIN))
print(2 ** 47, -(2 ** 47), 2 ** 47 - 1, (2 ** 47) * 2, 1 << 64, -5 >> 100, 7 // -2, -7 % 3)
print(3 ** 100 % 1000007, divmod(-7, 2), 10 / 4, 2 ** -1, 0.1 + 0.2, 1e16, -0.0, float("nan"), float("-inf"))
print(hash(1) == hash(1.0) == hash(True), hash(-1), hash(2 ** 61), hash(1.5))
"#;
    let expected = r#"9223372036854775808 -9223372036854775809 9223372036854775808 0 9223372036854775808 9223372036854775808
140737488355328 -140737488355328 140737488355327 281474976710656 18446744073709551616 -1 -4 2
664323 (-4, 1) 2.5 0.5 0.30000000000000004 1e+16 -0.0 nan -inf
True -2 1 1152921504606846977
"#;
    assert_eq!(run(src).0, expected);
}

#[test]
fn dict_semantics() {
    let src = r#"d = {}
d[1] = "int"
d[1.0] = "float"
d[True] = "bool"
d["b"] = 2
d["a"] = 1
print(d, len(d))
del d["b"]
d["b"] = 3
print(list(d), list(d.values()), list(d.items()))
print({(1, 2): "t"}[(1, 2)], 2 in {2.0: 0})
try:
    d[[1]] = 2
except TypeError as e:
    print("TypeError:", e)
"#;
    let expected = r#"{1: 'bool', 'b': 2, 'a': 1} 3
[1, 'a', 'b'] ['bool', 1, 3] [(1, 'bool'), ('a', 1), ('b', 3)]
t True
TypeError: unhashable type: 'list'
"#;
    assert_eq!(run(src).0, expected);
}

#[test]
fn exceptions() {
    let src = r#"class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code
def f(n):
    if n == 0:
        raise AppError(7, "boom")
    return f(n - 1)
try:
    f(3)
except (KeyError, AppError) as e:
    print(type(e).__name__, e.code, e, repr(e), e.args)
try:
    try:
        {}["missing"]
    except KeyError as e:
        raise ValueError("wrapped") from e
except ValueError as e:
    print(repr(e), repr(e.__cause__), e.__cause__.__class__.__name__)
def g():
    try:
        return "try"
    finally:
        print("finally runs")
print(g())
try:
    1 / 0
except ZeroDivisionError as e:
    print(e)
try:
    [].pop
    [][3]
except IndexError as e:
    print(e)
print(isinstance(KeyError(), LookupError), issubclass(RecursionError, RuntimeError))
def deep(n):
    return deep(n + 1)
try:
    deep(0)
except RecursionError as e:
    print("RecursionError:", e)
"#;
    let expected = r#"AppError 7 boom AppError('boom') ('boom',)
ValueError('wrapped') KeyError('missing') KeyError
finally runs
try
division by zero
list index out of range
True True
RecursionError: maximum recursion depth exceeded
"#;
    assert_eq!(run(src).0, expected);
}

#[test]
fn classes() {
    let src = r#"class Vec:
    count = 0
    def __init__(self, x, y):
        self.x, self.y = x, y
        Vec.count += 1
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __eq__(self, o):
        return isinstance(o, Vec) and (self.x, self.y) == (o.x, o.y)
    def __hash__(self):
        return hash((self.x, self.y))
    def __repr__(self):
        return f"Vec({self.x}, {self.y})"
    def __len__(self):
        return 2
    @property
    def norm2(self):
        return self.x * self.x + self.y * self.y
    @staticmethod
    def zero():
        return Vec(0, 0)
    @classmethod
    def unit(cls):
        return cls(1, 1)
class Vec3(Vec):
    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z
    def __repr__(self):
        return "Vec3(" + super().__repr__() + f", {self.z})"
a = Vec(1, 2) + Vec(3, 4)
print(a, a.norm2, Vec.zero(), Vec.unit(), len(a), Vec.count)
print(a == Vec(4, 6), a != Vec(4, 6), {a: 1}[Vec(4, 6)], Vec3(1, 2, 3))
print(isinstance(Vec3(1, 2, 3), Vec), type(a).__name__, Vec3.__mro__[1].__name__)
try:
    a.missing
except AttributeError as e:
    print(e)
"#;
    let expected = r#"Vec(4, 6) 52 Vec(0, 0) Vec(1, 1) 2 5
True False 1 Vec3(Vec(1, 2), 3)
True Vec Vec
'Vec' object has no attribute 'missing'
"#;
    assert_eq!(run(src).0, expected);
}

#[test]
fn generators_closures() {
    let src = r#"def counter():
    n = 0
    def inc(by=1):
        nonlocal n
        n += by
        return n
    return inc
c = counter()
c(); c(5)
print(c())
def gen(n):
    for i in range(n):
        x = yield i
        if x:
            print("got", x)
    return "done"
g = gen(3)
print(next(g), g.send("hello"), list(g))
def outer():
    r = yield from gen(2)
    print("inner returned", r)
    yield 99
print(list(outer()))
print([x * y for x in range(3) for y in range(3) if x != y], {k: v for k, v in zip("ab", (1, 2))})
print(sum(x for x in range(10) if x % 2), sorted({3, 1, 2}), any([]), all([]))
first, *rest = [1, 2, 3, 4]
print(first, rest)
"#;
    let expected = r#"7
got hello
0 1 [2]
inner returned done
[0, 1, 99]
[0, 0, 0, 2, 0, 2] {'a': 1, 'b': 2}
25 [1, 2, 3] False True
1 [2, 3, 4]
"#;
    assert_eq!(run(src).0, expected);
}
