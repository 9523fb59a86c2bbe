# In-place and binary operators on ints, floats and strs (the quick paths)
# and on classes that define __iadd__/__add__/__radd__ (the general path),
# with the error messages of both spellings.


class Acc:
    def __init__(self):
        self.items = []

    def __iadd__(self, other):
        self.items.append(other)
        return self


class Plain:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return Plain(self.v + other)

    def __radd__(self, other):
        return ("radd", other, self.v)


class NoIadd:
    def __iadd__(self, other):
        return NotImplemented

    def __add__(self, other):
        return "fallback add"


def show(label, f):
    try:
        print(label, repr(f()))
    except Exception as e:
        print(label, type(e).__name__, e)


def main():
    total = 0
    for k in range(50):
        total += k * 3
        total -= 1
        total *= 1
    print("int", total)
    big = 2 ** 46
    for _ in range(6):
        big += big
    print("big", big, type(big).__name__)
    neg = -7
    neg //= 2
    print("floordiv", neg)
    m = -7
    m %= 3
    print("mod", m)
    m = 7
    m %= -3
    print("mod neg divisor", m)
    f = 1.5
    f += 2
    f *= 2
    print("float", f)
    x = 3
    x += 0.5
    print("int+float", x)
    s = ""
    for w in ["ka", "", "é", "日本", "z"]:
        s += w
    print("str", s, len(s))
    t = "ab"
    t *= 3
    print("str*", t)
    u = "x"
    u += u
    print("self", u)
    a = Acc()
    keep = a
    a += 1
    a += "two"
    print("iadd", a is keep, a.items)
    p = Plain(1)
    p += 10
    print("add fallback", p.v)
    n = 5
    n += Plain(2)
    print("radd", n)
    q = NoIadd()
    q += 1
    print("notimplemented", q)
    lst = [1]
    alias = lst
    lst += (2, 3)
    print("list", lst, alias is lst)
    tup = (1,)
    tup += (2,)
    print("tuple", tup)
    show("str+=int", lambda: _aug_str_int())
    show("int+=str", lambda: _aug_int_str())
    show("str+int", lambda: "a" + 1)
    show("none+=1", lambda: _aug_none())
    show("float//=0", lambda: _aug_float_zero())


def _aug_str_int():
    s = "a"
    s += 1
    return s


def _aug_int_str():
    n = 1
    n += "a"
    return n


def _aug_none():
    v = None
    v += 1
    return v


def _aug_float_zero():
    v = 1.0
    v //= 0
    return v


main()


def _aug_tuple_int():
    t = (1,)
    t += 1
    return t


def _aug_str_str_mul():
    s = "a"
    s *= "a"
    return s


def _aug_pow_str():
    x = 2
    x **= "a"
    return x


show("tuple+=int", _aug_tuple_int)
show("str*=str", _aug_str_str_mul)
show("int**=str", _aug_pow_str)
