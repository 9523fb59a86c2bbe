# Calls of globals whose function is rebound or dropped while the call
# runs, arguments that overflow on the way to a call, globals that are
# not functions, and a global that does not exist: compiled code reads a
# called global without taking a reference, so each of these must still
# behave exactly as in the interpreter.


def make():
    def walk(n, last):
        global target
        if n == 0:
            return 0.5 if last else 0
        # The dict drops its reference to the running function object.
        target = make()
        return target(n - 1, last) + 1

    return walk


target = make()


def drive(rounds):
    total = 0
    for i in range(rounds):
        total += target(6, i == rounds - 1)
    return total


print("rebound while running:", drive(300))


def helper(x):
    return x + 1


def other(x):
    return x * 2


def swap_midway(n):
    global helper
    total = 0
    for i in range(n):
        if i == n // 2:
            helper = other
        total += helper(i)
    return total


print("rebound between calls:", swap_midway(400))


def grow(x):
    return x


def overflow_args(n):
    total = 0
    for i in range(n):
        total += grow(i * 4611686018427387904 + i)
    return total


print("overflow in arguments:", overflow_args(300))


class Box:
    def __init__(self, v):
        self.v = v


def not_functions(n):
    total = 0
    for i in range(n):
        total += len(str(i + 1)) + Box(i - 1).v + abs(i - 50) + int(i * 2)
    return total


print("classes and built-ins:", not_functions(300))


def missing(n):
    total = 0
    for i in range(n):
        if i == n - 1:
            try:
                total += nowhere(i + 1)
            except NameError as e:
                print("NameError:", e)
        else:
            total += helper(i)
    return total


print("missing global:", missing(300))


def recurse(n):
    if n < 2:
        return n
    return recurse(n - 1) + recurse(n - 2)


def rebind_recursion(n):
    global recurse
    original = recurse
    results = [recurse(n)]
    recurse = lambda n: 100
    results.append(original(n))
    recurse = original
    results.append(recurse(n))
    return results


print("recursion rebound:", rebind_recursion(15))
