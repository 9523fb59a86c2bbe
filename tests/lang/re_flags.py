# re: flags (arguments and inline), VERBOSE, ASCII vs Unicode classes,
# anchors and `$` before a final newline.
import re

print(int(re.I), int(re.IGNORECASE), int(re.M), int(re.S), int(re.X), int(re.A), int(re.U), int(re.I | re.M), int(re.NOFLAG))
print(re.I | re.M == 10, re.L == 4, re.DOTALL == 16, re.VERBOSE == 64, re.UNICODE == 32)
print(re.findall("ab", "AB ab aB", re.I), re.findall("(?i)ab", "AB ab"), re.findall("a(?i:b)", "aB AB"))
print(re.findall("(?i)é", "É é"), re.match("[a-c]+", "ABC", re.IGNORECASE))
print(re.findall("^\\w+", "one\ntwo\nthree", re.M), re.findall("^\\w+", "one\ntwo"))
print(re.findall("\\w+$", "one\ntwo\nthree", re.MULTILINE), re.findall("(?m)^$", "a\n\nb\n"))
print(re.findall("a.c", "abc a\nc"), re.findall("a.c", "abc a\nc", re.S), re.findall("(?s)a.c", "a\nc"))
print(re.findall("(?s:a.)c.", "a\ncxa\nc\n"))
print(re.match("a.c", "a\nc", re.DOTALL | re.IGNORECASE))

# VERBOSE.
date = re.compile(r"""
    (?P<y>\d{4})   # year
    -
    (?P<m>\d{2})   # month
    [ ]x           # a literal space in a class
""", re.VERBOSE)
print(date.match("2024-05 x"), date.groups, date.groupindex["m"])
print(re.match(r"(?x) a b c # comment", "abc"), re.match(r"a\ b", "a b", re.X), re.match(r"a \# b", "a#b", re.X))
print(re.compile("(?x)a").flags, re.compile("(?im)a").flags, re.compile("a", re.I | re.M).flags)
print(re.compile("a", re.A).flags, re.compile("(?a)a").flags, re.compile("a", re.U).flags)

# Unicode by default, ASCII on request.
s = "café ٣ 42 naïve\u00a0x"
print(re.findall(r"\w+", s), re.findall(r"\w+", s, re.A), re.findall(r"(?a)\w+", s))
print(re.findall(r"\d", s), re.findall(r"\d", s, re.ASCII), re.findall(r"\s", s), re.findall(r"\s", s, re.A))
print(re.findall(r"\bna", s), re.findall(r"\W+", "a-b_c"), re.findall(r"[\d\s]+", "1 2x"), re.findall(r"[^\W\d]+", "ab1cd"))
print(re.findall(r"\S+", "a\x1cb c"), re.findall(r"\D+", "a1b"), re.split(r"\s+", " a  b\tc\n"))

# Anchors.
print(re.search(r"\Aab", "ab"), re.search(r"ab\Z", "ab\n"), re.search(r"ab$", "ab\n"))
print(re.search(r"^\d+$", "12\n"), re.search(r"^\d+$", "12\n\n"), re.search(r"\d+$", "1\n22\n"))
print(re.findall(r"\d$", "1\n2\n"), re.findall(r"\d$", "1\n2\n", re.M), re.sub(r"\s+$", "", "a \nb  \n"))
print(re.fullmatch(r"\w+$", "ab\n"), re.fullmatch(r"\w+\s$", "ab\n"), re.match(r"x$\n", "x\n"))
print(re.search("$", "ab\n"), re.findall("$", "ab\n"), re.sub("$", "!", "a\n"), re.split(r"\b", "hi you"))
print(re.search(r"(\w+)$", "a\nbc\n").groups(), re.search(r"(\w+\s*)$", "a\nbc \n").span(1))
print(re.sub(r"(\w)$", r"[\1]", "ab\ncd\n"), re.search(r"(b|c\n)$", "a\nc\n"), re.search(r"x$|y", "x\nyx\n"))
print(re.search(r"(.*?)$", "a\nbc\n", re.S), re.search(r"(.*)$", "a\nbc\n", re.S), re.findall(r"\w*$", "ab\ncd\n"))
print(re.findall(r"\w", "\u0301a\u00b2\u2160_"), re.findall(r"[\w-]+", "a-\u00b2 \u0301"), re.findall(r"\W", "a\u0301"))
print(re.match(r"(a|(b))*", "ba").groups(), re.match(r"(?:(a)|b)*", "ab").groups(), re.match(r"((a)|b)+", "ab").groups())
print(re.findall(r"(?i)k", "K\u212ak"), re.findall(r"(?i)[a-z]+", "ABC def"), re.findall(r"(?i)É", "éÉ"))
print(re.findall(r"^\d+(\.\d+$)?", "1.5\n2\n"), re.search(r"(a$)?", "x\na\n"), re.sub(r"(?:x$){0,1}", "#", "ax\nx\n"))
print(re.findall(r"(?ai)k", "kK\u212a"), re.findall(r"k", "kK\u212a", re.A | re.I), re.findall(r"[a-z]+", "ABc\u017f\u212a", re.A | re.I))
print(re.findall(r"[^a-c]", "AbZ\u212a", re.A | re.I), re.findall(r"(?i)[a-z]+", "ABc\u212a"), re.findall(r"(?i:(?a:k)|x)", "kK\u212aX"))
print(re.findall(r"(?a)(?i)é|E", "éÉeE"), re.findall(r"[É-Ë]", "éÉË", re.I | re.A), re.findall(r"\w+", "Ab_\u212a", re.A | re.I))
print(re.sub(r"hello", "bye", "HeLLo \u212aelvin", flags=re.I | re.A), re.match(r"(?ai)[k-m]{3}", "KLM"))
