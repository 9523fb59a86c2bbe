# Built-in functions and methods called from compiled code: results,
# errors raised by them (their arguments released), keyword defaults.
def conv(xs):
    out = []
    bad = 0
    for x in xs:
        try:
            out.append(int(x))
        except ValueError as e:
            bad += 1
            last = str(e)
    return len(out), bad, last, max(out), min(out, default=0), "-".join(str(v) for v in out[:5])

print(conv(["1", "2", "x", "40", "y"] * 300))
