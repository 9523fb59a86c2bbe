# bytes: literals, indexing gives ints, slicing, methods, decode/encode.
b = b"hello\x00\xff world"
print(b, len(b), b[0], b[-1], b[1:5], b[::-1][:3], list(b[:3]), b"" == bytes())
print(b.upper(), b.split(), b.replace(b"l", b"L"), b.startswith(b"he"), b.find(b"o"), b.count(b"l"))
print(b"-".join([b"a", b"b"]), b"  x ".strip(), b"abc" + b"def", b"ab" * 3, b"a" < b"b", b"x" in b"xyz")
s = "héllo ✓"
e = s.encode()
print(e, len(e), e.decode(), e.decode("utf-8") == s, bytes([65, 66, 67]), bytes(3), b"\x41".hex())
print(repr(b"'"), repr(b'"'), repr(b"\t\n\r\\"), str(b"q"), b"%d" if False else "skip")
try:
    b"\xff".decode()
except UnicodeDecodeError as err:
    print("UnicodeDecodeError:", err)
try:
    bytes([300])
except ValueError as err:
    print("ValueError:", err)
