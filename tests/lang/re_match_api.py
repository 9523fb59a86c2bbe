# re: module functions, Match and Pattern objects.
import re

m = re.match(r"(\w+) (\w+)(!)?", "hello world and more")
print(m)
print(bool(m), m.group(), m.group(0), m.group(1), m.group(2, 1), m.group(3))
print(m.groups(), m.groups("-"), m[0], m[2])
print(m.start(), m.end(), m.span(), m.start(2), m.end(2), m.span(3), m.start(3))
print(m.string, m.re, m.pos, m.endpos, m.lastindex, m.lastgroup)
print(re.match("b", "abc"), re.search("b", "abc"), re.fullmatch("ab", "abc"))
print(re.fullmatch("a|ab", "ab"), re.fullmatch(r"\d+", "123"))

# Named groups.
m = re.search(r"(?P<year>\d{4})-(?P<month>\d\d)(?:-(?P<day>\d\d))?", "on 2024-05 ok")
print(m.group("year"), m["month"], m.group("day"), m.groupdict(), m.groupdict("?"))
print(m.lastindex, m.lastgroup, m.span("month"), m.start("day"))
p = re.compile(r"(?P<user>[a-z]+)@(?P<host>[a-z.]+)")
print(p.groupindex, p.groups, p.pattern, p.flags, p.groupindex["host"])
print(sorted(p.groupindex.items()), "user" in p.groupindex, len(p.groupindex), repr(p.groupindex))
m = p.match("bob@example.com")
print(m.group("user", "host"), m.lastgroup, m.lastindex)

# lastindex: the group that closed last.
print(re.match("(a)()", "a").lastindex, re.match("(a(b))", "ab").lastindex)
print(re.match("((a)b)", "ab").lastindex, re.match("(a)|(b)", "b").lastindex)
print(re.match("a", "a").lastindex, re.match("(a)(b)?", "a").lastindex)

# Errors from group access.
for g in [5, "nope", -1]:
    try:
        m.group(g)
    except IndexError as e:
        print("IndexError", e)

# Pattern methods with pos / endpos.
p = re.compile(r"\d+")
print(p.match("ab12cd34", 2), p.match("ab12cd34", 3, 4), p.search("ab12cd34", 4))
print(p.search("ab12cd34", 0, 3), p.fullmatch("ab12cd", 2, 4), p.fullmatch("ab12cd", 2, 5))
print(p.findall("1 22 333 4444", 2), p.findall("1 22 333 4444", 0, 6))
print([m.span() for m in p.finditer("a1b22c333", 2, 8)])
m = p.search("xx99yy", 1, 5)
print(m, m.pos, m.endpos, m.string)
print(re.compile("^a").search("ba", 1), re.compile("a$").search("ab", 0, 1))
print(re.compile(r"\bb").search("ab", 1), re.compile("x").match("x", 5), p.search("12", -3))

# findall / finditer shapes.
print(re.findall(r"\d", "a1b2"), re.findall(r"(\d)", "a1b2"), re.findall(r"(\w)(\d)?", "a1b"))
print(re.findall(r"(a)|b", "ab"), [m.group() for m in re.finditer(r"\w+", "hi there you")])
print(re.findall("a*", "baaa"), re.findall("", "ab"), re.findall(r"\b", "ab cd"))
print([m.span() for m in re.finditer("x*", "axxb")])

# Reprs and equality.
print(re.compile("a+"), re.compile("a'b\"c"), re.compile(r"\d", re.I | re.S))
print(re.compile("(?i)a"), re.compile("a", re.A), re.compile("a", re.U), re.compile("a", re.X | re.M))
print(re.compile("a") == re.compile("a"), re.compile("a") == re.compile("a", re.I))
print(re.match("x" * 80, "x" * 80))
print(re.compile(re.compile("ab")).pattern, type(re.compile("a")).__name__, type(m).__name__)
print(re.purge())

# Validation in a handler style.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
for s in ["hello-world", "Hello", "a--b", "ok-1\n", "", "x"]:
    print(repr(s), bool(SLUG.match(s)), bool(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", s)))
route = re.compile(r"^/users/(?P<uid>\d+)(?:/(?P<tab>posts|likes))?/?$")
for path in ["/users/12", "/users/12/posts", "/users/x", "/users/7/likes/", "/users/3/other"]:
    m = route.match(path)
    print(path, m and m.groupdict())
q = "a=1&b=two&empty=&c=3"
print(dict(re.findall(r"([^&=]+)=([^&]*)", q)))
print(type(m), type(re.compile("a")), re.error, re.Pattern, re.Match)
print(isinstance(re.match("a", "a"), re.Match), isinstance(re.compile("x"), re.Pattern))
try:
    re.compile(")")
except Exception as e:
    print(repr(e), e.args)
print(re.compile("a").match("abc", 2, 0), re.compile("a|").search("aa", 2, 1), re.compile(r"\Z").match("ab", 2, 1))
print(re.findall(r"\B", ""), re.compile(r"\B").search("ab", 0, 0), re.compile(r"\B").search("ab", 1, 1), re.sub(r"\B", "-", "ab"))
