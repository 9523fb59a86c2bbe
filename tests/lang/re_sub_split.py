# re: sub/subn (templates, callables, count), split (groups, maxsplit),
# escape, and CPython 3.7+ empty-match rules.
import re

print(re.sub(r"\d+", "#", "a1b22c333"), re.sub(r"\d+", "#", "a1b22c333", 2), re.sub(r"\d+", "#", "a1b22", count=1))
print(re.subn(r"\d", "", "a1b2c"), re.subn("x", "y", "abc"), re.subn(r"\d", "-", "123", count=2))
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "bob@host, amy@site"))
print(re.sub(r"(?P<k>\w+)=(?P<v>\w+)", r"\g<v>=\g<k>;\g<1>\g<0>", "a=1 b=2"))
print(re.sub(r"(a)(b)?", r"[\1|\2]", "ab a"), re.sub("a", r"\n\t\\", "xa"), re.sub("a", r"\.\-", "a"))
print(re.sub("(a)", r"\g<1>0", "a"), re.sub("(a)", r"\10", "a") if False else None, re.sub("a", r"\0", "a") == "\x00")
print(re.sub(r"\d", lambda m: str(int(m.group()) * 2), "a1b2c9"))
print(re.sub(r"(?P<w>\w+)", lambda m: m.group("w").upper() + str(m.start()), "hi you"))
print(re.subn(r"o", lambda m: "0", "foo boo", 3), re.sub(r"x", lambda m: "", "axbx"))
p = re.compile(r"\s+")
print(p.sub(" ", "a  b\t\tc\n"), p.subn("", " x "), p.split("a b  c"), p.split("a b  c", 1))

# Empty matches.
print(re.sub("x*", "-", "abc"), re.sub("x*", "-", "abxd"), re.sub("", "-", "ab"), re.subn("a*", "X", "baaac"))
print(re.sub(r"\b", "|", "hi you"), re.sub("$", "!", "ab"), re.sub("^", ">", "a\nb", flags=re.M))
print(re.split("x*", "axbc"), re.split("", "abc"), re.split(r"\b", "a b"), re.split("(x*)", "ab"))

# Split.
print(re.split(",", "a,b,,c,"), re.split(r"(,)", "a,b"), re.split(r"(,)(;)?", "a,b;,c"))
print(re.split(r"[,;]\s*", "a, b;c", maxsplit=1), re.split(",", "a,b,c", 0), re.split(",", "a,b", -1))
print(re.split(r"\d", "no digits"), re.split(r"\W+", "Words, words, words."), re.split(r"(\W+)", "...words..."))
print(re.split(r"/", "/api/users/12/"), [s for s in re.split(r"/+", "/a//b/") if s])

# escape.
print(re.escape("a.b*c?d[e]f(g){h}i|j^k$l\\m+n-o#p&q~r s\tt"), re.escape("héllo_123"), re.escape(""))
print(re.match(re.escape("1+1=2?"), "1+1=2?"), re.findall(re.escape("[x]"), "a[x]b[x]"))

# Replacement errors.
for pat, repl in [("(a)", r"\2"), ("a", r"\g<x>"), ("(a)", r"\g<2>"), ("a", r"\q"), ("a", r"\g<1a>"), ("a", "\\")]:
    try:
        print(re.sub(pat, repl, "a"))
    except re.error as e:
        print("error", e)
    except IndexError as e:
        print("IndexError", e)
try:
    re.sub("a", 5, "a")
except TypeError:
    print("TypeError")

# Match.expand uses the same templates.
m = re.match(r"(?P<first>\w+) (\w+)(x)?", "Jane Doe")
print(m.expand(r"\2, \g<first>\n[\3]"), m.expand(r"\g<0>!"), m.expand("plain"))
for t in [r"\5", r"\g<nope>"]:
    try:
        m.expand(t)
    except (re.error, IndexError) as e:
        print(type(e).__name__, e)
