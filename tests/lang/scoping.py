# Name resolution: globals, locals, closures over loop variables, class
# bodies not visible to methods, del, and UnboundLocalError.
x = "global x"
def reads_global():
    return x
def shadows():
    x = "local x"
    return x
print(reads_global(), shadows(), x)
def unbound():
    try:
        print(y)
    except NameError as e:
        print(type(e).__name__, e)
    y = 1
    return y
print(unbound())
def late_binding():
    fs = [lambda: i for i in range(3)]
    return [f() for f in fs]
def early_binding():
    fs = [lambda i=i: i for i in range(3)]
    return [f() for f in fs]
print(late_binding(), early_binding())
class K:
    attr = 10
    doubled = attr * 2
    items = [attr + i for i in range(2)] if False else None
    def method(self):
        try:
            return attr
        except NameError as e:
            return "NameError: " + str(e)
print(K.doubled, K().method())
v = 5
del v
try:
    v
except NameError as e:
    print(e)
lst = [1, 2, 3]
del lst[1]
print(lst)
def make():
    data = []
    def add(item):
        data.append(item)
        return len(data)
    def get():
        return data
    return add, get
add, get = make()
add("a"); add("b")
print(get())
def nested_nonlocal():
    a = 1
    def level1():
        def level2():
            nonlocal a
            a += 10
        level2()
        return a
    return level1(), a
print(nested_nonlocal())
for i in range(3):
    pass
print(i, [i for i in range(10)][-1], i)
