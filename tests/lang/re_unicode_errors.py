# re: code-point indices on non-ASCII text, type errors, and invalid
# patterns (re.error with CPython's messages).
import re

s = "naïve café — 日本語 text 😀 ok"
m = re.search(r"caf(é)", s)
print(m, m.span(), m.span(1), m.start(), m.end(1), s[m.start():m.end()])
print([(m.group(), m.span()) for m in re.finditer(r"\w+", s)])
print(re.search("😀", s).span(), re.search("日本", s, 3).span(), re.compile(r"\w+").match(s, 12))
print(re.compile(r"\w+").search(s, 14, 16), re.compile("t$").search(s, 0, 21), re.sub("é", "e", s))
print(re.split(r"\s*—\s*", s), re.findall(".", "a😀b"), re.sub("", "|", "é😀"), len(re.escape("日本")))
print(re.fullmatch(r"[à-ÿ]+", "éèà"), re.match(r"[^a-z]+", "ÉÉa"), re.findall("[😀-😂]", "x😁y😂"))
print(re.sub(r"(\w)(\w)", r"\2\1", "αβγδ"), re.subn(r"\W", "_", "a·b c"), re.search(r"\u00e9|\U0001F600", s).span())
print(re.findall(r"(?i)STRASSE|ÉCOLE", "école strasse"), re.search(r"\x41\101\0", "A A\x00 AA\x00").span())

# Wrong argument types.
for args in [("a", 5), ("a", b"a"), (5, "a")]:
    try:
        re.search(*args)
    except TypeError as e:
        print("TypeError")
try:
    re.compile(re.compile("a"), re.I)
except ValueError as e:
    print("ValueError", e)

# Invalid patterns: CPython's message and position.
bad = ["(a", "a)", "*a", "a**", "[a", "\\q", "[z-a]", "(?P<1>a)", "(?P<a>x)(?P<a>y)",
       "a{2,1}", "(?<x>a)", "a(?i)b", "(?z)", "a\\", "\\x4", "(?P<>a)", "(?P<a",
       "[\\d-z]", "\\U00110000", "^*", "(?", "(?P", "(?#abc", "+", "a|*", "(*)", "x{1}{2}",
       "\\9", "[\\8]", "ab\n(c", "(?i", "(?-i)", "(?L)a", "\\777", "(?:+a)", "a(?i:*)", "(?m:?x)"]
for p in bad:
    try:
        re.compile(p)
        print(repr(p), "compiled")
    except re.error as e:
        print(repr(p), type(e).__name__, e, "|", e.msg, e.pos, e.lineno, e.colno, e.pattern == p)
print(issubclass(re.error, Exception), re.error.__name__)
try:
    re.compile("a", re.LOCALE)
except ValueError as e:
    print("ValueError", e)

# Patterns that are literal in CPython.
print(re.findall("a{", "a{"), re.findall("a{x}", "a{x}"), re.findall("{1}", "{1}") if False else None)
print(re.findall("a{,2}", "aaa"), re.findall("a{2}", "aaaaa"), re.findall("a{1,}?", "aaa"), re.findall(r"\{\}", "{}"))
print(re.findall("[]a]", "]a"), re.findall("[^]a]", "]ab"), re.findall("[a-]", "-a"), re.findall(r"[\]\\]", "]\\"))
print(re.findall("[.*+?]", "a.*b"), re.findall(r"[\[]", "[x["), re.findall("[&~|]", "a&~|"), re.findall("(?#note)ab", "ab"))
for p, f in [("a{4294967296}", 0), ("(?a)(?u)a", 0), ("a", re.A | re.U), ("(?-a:x)", 0), ("(?u)a", re.A)]:
    try:
        re.compile(p, f)
        print(repr(p), "compiled")
    except (OverflowError, ValueError, re.error) as e:
        print(repr(p), type(e).__name__, e)
