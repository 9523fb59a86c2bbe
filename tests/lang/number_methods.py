# int/float methods, UTF-8 decode error wording, positional-only misuse.
print((255).bit_length(), (-256).bit_length(), (0).bit_length(), (2**100).bit_length(), (7).bit_count(), (-(2**70)-1).bit_count(), True.conjugate())
print((2.5).is_integer(), (3.0).is_integer(), (0.1).as_integer_ratio(), (-2.0).as_integer_ratio(), (1e300).as_integer_ratio()[1], (0.0).as_integer_ratio(), (5e-324).as_integer_ratio()[0])
b = b"\xe2\x28\xa1"
for x in (b"\xff", b"\xe2\x28\xa1", b"ab\xe2\x82", b"\xe2", b"\xc0\x80", b"\xed\xa0\x80", b"\xf5"):
    try:
        x.decode()
    except UnicodeDecodeError as e:
        print(e)
def g(x, /, y): pass
try:
    g(x=1, y=2)
except TypeError as e:
    print(e)
