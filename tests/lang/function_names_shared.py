# Functions made repeatedly from one code object (closures, comprehensions,
# lambdas) have their own __name__/__qualname__ slots: renaming one leaves
# the others, and later ones, as they were.


def outer(tag):
    def inner():
        return tag

    return inner


def make_lambda():
    return lambda x: x + 1


def names_in_comprehension():
    return [f.__qualname__ for f in [outer("a"), outer("b")]]


def main():
    a = outer("a")
    b = outer("b")
    print(a.__name__, a.__qualname__, b.__name__, b.__qualname__)
    a.__name__ = "renamed"
    a.__qualname__ = "outer.<locals>.renamed"
    c = outer("c")
    print(a.__name__, a.__qualname__)
    print(b.__name__, b.__qualname__, c.__name__, c.__qualname__)
    print(a(), b(), c())
    b.__name__ += "_more"
    print(b.__name__, c.__name__, outer("d").__name__)
    lam = make_lambda()
    print(lam.__name__, lam.__qualname__, lam(1))
    lam.__name__ = "é日本"
    print(lam.__name__, make_lambda().__name__)
    print(names_in_comprehension())
    squares = [(lambda k: k * k)(i) for i in range(5)]
    print(squares)
    fns = [outer(str(i)) for i in range(3)]
    print([f() for f in fns], {f.__name__ for f in fns})
    print(repr(outer("x")).split(" at ")[0])


main()
