# Displays built by compiled code: tuples, lists, sets, dicts and
# f-strings, short ones (their items passed in a buffer) and long ones
# (over 64 items, passed another way), including a display whose
# building fails part-way (an unhashable key) with items still to drop.


def short_displays(k):
    t = (k, k + 1, "x")
    l = [k, t, None]
    s = {k % 3, k % 5, k % 3}
    d = {"a": k, "b": l, k: t}
    f = f"{k}-{t[0]}:{d['a']:>4}"
    return len(t) + len(l) + len(s) + len(d) + len(f)


def long_displays(k):
    l = [k + 0, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8, k + 9, k + 10, k + 11, k + 12, k + 13, k + 14, k + 15, k + 16, k + 17, k + 18, k + 19, k + 20, k + 21, k + 22, k + 23, k + 24, k + 25, k + 26, k + 27, k + 28, k + 29, k + 30, k + 31, k + 32, k + 33, k + 34, k + 35, k + 36, k + 37, k + 38, k + 39, k + 40, k + 41, k + 42, k + 43, k + 44, k + 45, k + 46, k + 47, k + 48, k + 49, k + 50, k + 51, k + 52, k + 53, k + 54, k + 55, k + 56, k + 57, k + 58, k + 59, k + 60, k + 61, k + 62, k + 63, k + 64, k + 65, k + 66, k + 67, k + 68, k + 69]
    t = (k + 0, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8, k + 9, k + 10, k + 11, k + 12, k + 13, k + 14, k + 15, k + 16, k + 17, k + 18, k + 19, k + 20, k + 21, k + 22, k + 23, k + 24, k + 25, k + 26, k + 27, k + 28, k + 29, k + 30, k + 31, k + 32, k + 33, k + 34, k + 35, k + 36, k + 37, k + 38, k + 39, k + 40, k + 41, k + 42, k + 43, k + 44, k + 45, k + 46, k + 47, k + 48, k + 49, k + 50, k + 51, k + 52, k + 53, k + 54, k + 55, k + 56, k + 57, k + 58, k + 59, k + 60, k + 61, k + 62, k + 63, k + 64, k + 65, k + 66, k + 67, k + 68, k + 69)
    s = {k + 0, k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7, k + 8, k + 9, k + 10, k + 11, k + 12, k + 13, k + 14, k + 15, k + 16, k + 17, k + 18, k + 19, k + 20, k + 21, k + 22, k + 23, k + 24, k + 25, k + 26, k + 27, k + 28, k + 29, k + 30, k + 31, k + 32, k + 33, k + 34, k + 35, k + 36, k + 37, k + 38, k + 39, k + 40, k + 41, k + 42, k + 43, k + 44, k + 45, k + 46, k + 47, k + 48, k + 49, k + 50, k + 51, k + 52, k + 53, k + 54, k + 55, k + 56, k + 57, k + 58, k + 59, k + 60, k + 61, k + 62, k + 63, k + 64, k + 65, k + 66, k + 67, k + 68, k + 69}
    d = {'k0': k * 0, 'k1': k * 1, 'k2': k * 2, 'k3': k * 3, 'k4': k * 4, 'k5': k * 5, 'k6': k * 6, 'k7': k * 7, 'k8': k * 8, 'k9': k * 9, 'k10': k * 10, 'k11': k * 11, 'k12': k * 12, 'k13': k * 13, 'k14': k * 14, 'k15': k * 15, 'k16': k * 16, 'k17': k * 17, 'k18': k * 18, 'k19': k * 19, 'k20': k * 20, 'k21': k * 21, 'k22': k * 22, 'k23': k * 23, 'k24': k * 24, 'k25': k * 25, 'k26': k * 26, 'k27': k * 27, 'k28': k * 28, 'k29': k * 29, 'k30': k * 30, 'k31': k * 31, 'k32': k * 32, 'k33': k * 33, 'k34': k * 34, 'k35': k * 35, 'k36': k * 36, 'k37': k * 37, 'k38': k * 38, 'k39': k * 39, 'k40': k * 40, 'k41': k * 41, 'k42': k * 42, 'k43': k * 43, 'k44': k * 44, 'k45': k * 45, 'k46': k * 46, 'k47': k * 47, 'k48': k * 48, 'k49': k * 49, 'k50': k * 50, 'k51': k * 51, 'k52': k * 52, 'k53': k * 53, 'k54': k * 54, 'k55': k * 55, 'k56': k * 56, 'k57': k * 57, 'k58': k * 58, 'k59': k * 59, 'k60': k * 60, 'k61': k * 61, 'k62': k * 62, 'k63': k * 63, 'k64': k * 64, 'k65': k * 65, 'k66': k * 66, 'k67': k * 67, 'k68': k * 68, 'k69': k * 69}
    return sum(l) + sum(t) + len(s) + d["k69"] + len(d)


def failing_dict(k):
    try:
        return {"a": [k], [k]: "b", "c": [k, k]}
    except TypeError as e:
        return str(e)


def failing_set(k):
    try:
        return {k, [k], k + 1}
    except TypeError as e:
        return str(e)


total = 0
for k in range(300):
    total += short_displays(k) + long_displays(k)
print(total)
print(failing_dict(3), failing_set(4))
for k in range(100):
    r = failing_dict(k)
print(r)
