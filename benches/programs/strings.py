# String building: f-strings, join, split, replace, slicing, methods.
def build(n):
    parts = []
    for i in range(n):
        word = f"item{i:05d}"
        if i % 3 == 0:
            word = word.upper()
        elif i % 3 == 1:
            word = word.replace("item", "it-").strip("-")
        parts.append(word + ":" + str(i * 7 % 101))
    return ",".join(parts)


def analyse(text):
    fields = text.split(",")
    total = 0
    longest = ""
    upper = 0
    for field in fields:
        name, _, value = field.partition(":")
        total += int(value)
        if len(name) > len(longest):
            longest = name
        if name.isupper():
            upper += 1
    return len(fields), total, longest, upper


def rebuild(text, rounds):
    out = text
    for r in range(rounds):
        out = out[len(out) // 3:] + out[: len(out) // 3]
        out = out.replace("IT", "ti", 5)
        out = "%s|%d" % (out[:200], r) + out[200:]
    return len(out), out.count("ti"), out.find("|"), out[:24]


text = build(8000)
print(analyse(text))
print(rebuild(text, 10))
print(len(" ".join(reversed(text.split(",")))))
