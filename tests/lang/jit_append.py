# xs.append(v) in compiled code: the built-in list.append done by one
# small call; other receivers with an `append` method take the call.


class Log:
    def __init__(self):
        self.lines = []

    def append(self, line):
        self.lines.append(line.upper())
        return len(self.lines)


def fill(sinks, k):
    for i in range(k):
        for s in sinks:
            s.append("x%d" % i)
    return sinks


a, log = fill([[], Log()], 500)
print(len(a), a[:3], a[-1], len(log.lines), log.lines[-1])


def collect(k):
    out = []
    for i in range(k):
        out.append(i * 1.5)
        out.append(None)
        out.append(out)
    return len(out), out[-3], out[-1] is out


print(collect(1000))


def bad_append(xs):
    try:
        xs.append()
    except TypeError as e:
        print("TypeError:", e)
    try:
        xs.append(1, 2)
    except TypeError as e:
        print("TypeError:", e)


for _ in range(3):
    bad_append([])


def during_sort(k):
    xs = list(range(k))
    try:
        xs.sort(key=lambda v: xs.append(v) or v)
    except ValueError as e:
        print("ValueError:", e)
    return len(xs)


print(during_sort(5))
