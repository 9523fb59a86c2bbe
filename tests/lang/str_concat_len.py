# str + str keeps an exact char count (ASCII and not), and len() of strs,
# lists and other containers agrees with slicing and indexing.

parts = ["", "a", "é", "日本", "🙂x", "plain ascii"]
for x in parts:
    for y in parts:
        s = x + y
        print(repr(s), len(s), len(x) + len(y) == len(s), s[-1:] if s else "-", s[len(x):] == y)

acc = ""
for i in range(12):
    acc = acc + ("ü" if i % 3 == 0 else str(i))
print(acc, len(acc), acc[3], acc[-2:], acc.upper(), hash(acc) == hash("".join(list(acc))))
word = ""
for piece in ["ka", "lö", "🙂", ""]:
    word += piece
print(word, len(word), word[4], {word: 1}[("ka" + "lö") + "🙂"])

print(len([]), len([1, 2, 3]), len(()), len((1,)), len({}), len({1: 2}), len(set()), len({1, 2}))
print(len(range(10)), len(range(0, 10, 3)), len(b"abc"), len({"a": 1}.keys()), len("é" * 5))
lst = [1]
lst.append(lst)
print(len(lst), len(lst[1]))


class Sized:
    def __len__(self):
        return 7


print(len(Sized()))
for bad in [5, None, 2.5]:
    try:
        len(bad)
    except TypeError as e:
        print("TypeError", e)
try:
    len()
except TypeError as e:
    print("TypeError", e)
try:
    len("a", "b")
except TypeError as e:
    print("TypeError", e)
try:
    "a" + 1
except TypeError as e:
    print("TypeError", e)
