# A module of small pure functions, imported by jit_imported_leaves.py
# (run on its own too, as every program here).


def scaled(a, b):
    return a * 3 + b // 2


def count_down(n):
    if n <= 0:
        return 0
    return count_down(n - 1) + 1


print("jit_leaf_mod loaded", scaled(2, 5), count_down(5))
