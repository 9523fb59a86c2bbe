# Pure functions imported from another module: a leaf is inlined at the
# compiled call sites here, a recursive one is called as usual (it finds
# itself in its own module's globals); both must give the interpreter's
# results, also after the imported names are rebound.
from jit_leaf_mod import scaled, count_down
import jit_leaf_mod


def hot(rounds):
    total = 0
    for i in range(rounds):
        total += scaled(i, i + 1) + count_down(i % 7)
    return total


print("imported:", hot(3000))
print("big:", scaled(2 ** 62, 3), count_down(20))


def other_down(n):
    return -n


jit_leaf_mod.count_down = other_down
print("module rebound inside:", hot(50), count_down(4))
scaled = lambda a, b: a - b
print("leaf rebound here:", hot(50))
