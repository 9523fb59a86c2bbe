# Tier 2: exceptions raised in compiled code, caught in the same function,
# in a caller, or uncaught (the traceback must name the right lines).
def divide(a, b):
    q = a / b
    return q


def safe(a, b):
    try:
        return divide(a, b)
    except ZeroDivisionError as e:
        return "caught: " + str(e)


for i in range(30):
    safe(i, i + 1)
print(safe(1, 2), safe(1, 0))


def lookup(d, keys):
    found = 0
    for k in keys:
        try:
            found += d[k]
        except KeyError:
            found -= 100
    return found


print(lookup({"a": 1, "b": 2}, ["a", "b", "c", "a"] * 10))


def unbound(flag):
    if flag:
        x = 1
    return x


for i in range(10):
    unbound(True)
try:
    unbound(False)
except UnboundLocalError as e:
    print("UnboundLocalError", e)


def outer(n):
    total = 0
    for i in range(n):
        total += inner(i)
    return total


def inner(i):
    if i == 25:
        return None + i
    return i


try:
    print(outer(10))
    print(outer(30))
except TypeError as e:
    print("TypeError", e)
print(outer(26 - 1))
outer(40)
