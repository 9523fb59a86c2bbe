# Imported by imports.py (prints nothing when run on its own).
loads = 1
CONSTANT = 42


def greet(name):
    return f"hello, {name}"


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1
        return self
