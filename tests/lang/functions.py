# Calls: defaults evaluated once, keyword-only and positional-only
# parameters, *args/**kwargs, closures, nonlocal, decorators, recursion.
def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw.items()))
print(f(1, c=3), f(1, 5, 6, 7, c=8, e=9), f(*[1, 2, 3], **{"c": 0, "z": 1}))
def g(x, /, y, *, z):
    return x + y + z
print(g(1, 2, z=3), g(1, y=2, z=3))
def appender(item, acc=[]):
    acc.append(item)
    return acc
print(appender(1), appender(2), appender(3, []))
def counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    return inc
c = counter()
print(c(), c(), c())
def deco(tag):
    def wrap(fn):
        def inner(*a, **k):
            return f"<{tag}>{fn(*a, **k)}</{tag}>"
        return inner
    return wrap
@deco("b")
@deco("i")
def hello(name, punct="!"):
    return "hi " + name + punct
print(hello("ann"), hello("bob", punct="?"))
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
print(fact(25), fact(1))
def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))
print(ackermann(2, 3))
square = lambda v: v * v
compose = lambda f1, f2: lambda v: f1(f2(v))
print(square(7), compose(square, lambda v: v + 1)(3), (lambda *a: len(a))(1, 2, 3))
print(sorted(["bb", "a", "ccc"], key=len), list(map(lambda p: p[0], [(1, 2), (3, 4)])))
total = 0
def add_global(v):
    global total
    total += v
for i in range(5):
    add_global(i)
print(total)
def outer():
    x = "outer"
    def mid():
        def inner():
            return x
        return inner()
    return mid()
print(outer())
def kwonly(*, flag=False):
    return flag
print(kwonly(), kwonly(flag=True))
def doc():
    "A docstring."
    return doc.__doc__
print(doc(), doc.__name__, counter.__qualname__, c.__qualname__)
def errors():
    for call in (lambda: f(), lambda: g(1, 2, 3), lambda: f(1, c=1, a=2), lambda: kwonly(1), lambda: g(x=1, y=2, z=3)):
        try:
            call()
        except TypeError as e:
            print("TypeError:", e)
errors()
