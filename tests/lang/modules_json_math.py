# The json and math modules as handlers use them.
import json
import math
from math import sqrt, pi as PI
doc = {"name": "kiln", "tags": ["fast", "jit"], "n": 3, "ratio": 0.5, "ok": True, "none": None,
       "nested": {"b": [1, 2, {"c": "d"}], "a": "é\n\"q\""}}
print(json.dumps(doc))
print(json.dumps(doc, sort_keys=True, indent=2))
print(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
print(json.dumps([1.5, 1e20, -0.0, 10 ** 20, "tab\t"]), json.dumps("ünï"), json.dumps({}), json.dumps([]))
print(json.dumps({1: "int key", "s": (1, 2)}), json.dumps([[]], indent=4))
back = json.loads('{"a": [1, 2.5, "x", true, false, null], "b": {"c": -3e2}, "u": "\\u00e9\\n"}')
print(back, back["a"][1] + 1, type(back["b"]["c"]).__name__)
print(json.loads("123"), json.loads('"s"'), json.loads(" [ ] "), json.loads("1e3"))
for bad in ("", "{", "[1,]", '{"a" 1}', "tru", "[1] x"):
    try:
        json.loads(bad)
    except json.JSONDecodeError as e:
        print("JSONDecodeError:", e)
    except ValueError as e:
        print("ValueError:", e)
try:
    json.dumps({"s": {1, 2}})
except TypeError as e:
    print("TypeError:", e)
print(sqrt(16), PI, math.e, math.floor(-2.5), math.ceil(2.1), math.trunc(-2.7), math.fabs(-3))
print(math.pow(2, 10), math.exp(1), math.log(math.e), math.log(8, 2), math.log10(1000), math.log2(1024))
print(math.sin(0), math.cos(0), math.atan2(1, 1), math.hypot(3, 4), math.degrees(PI), math.radians(180))
print(math.isnan(float("nan")), math.isinf(math.inf), math.gcd(12, 18), math.factorial(20), math.isclose(0.1 + 0.2, 0.3))
print(math.inf, -math.inf, math.copysign(3, -0.0), math.fsum([0.1] * 10), sum([0.1] * 10))
try:
    math.sqrt(-1)
except ValueError as e:
    print("ValueError:", e)
