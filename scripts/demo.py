# A first Kiln program: run it with `kiln run scripts/demo.py`.
# It touches the everyday parts of the language a handler uses: classes,
# dicts and lists, comprehensions, f-strings, exceptions and json.
import json


class Order:
    def __init__(self, order_id, items):
        self.order_id = order_id
        self.items = items

    def total(self):
        return sum(price * qty for _, price, qty in self.items)

    def to_dict(self):
        return {"id": self.order_id, "lines": len(self.items), "total": round(self.total(), 2)}


def parse_query(qs):
    """Parse 'a=1&b=2' into a dict, the way a handler reads req.args."""
    args = {}
    for pair in qs.split("&"):
        if "=" in pair:
            key, _, value = pair.partition("=")
            args.setdefault(key, value)
    return args


# Guarded, so that `kiln serve scripts/` can load this file as a module
# without running the program.
if __name__ == "__main__":
    orders = [
        Order(1, [("tea", 3.5, 2), ("cake", 4.25, 1)]),
        Order(2, [("coffee", 2.8, 3)]),
        Order(3, []),
    ]
    args = parse_query("min_total=5&fields=id,total")
    threshold = float(args.get("min_total", "0"))
    big = [o.to_dict() for o in orders if o.total() >= threshold]
    print(json.dumps({"orders": big, "count": len(big)}, indent=2))

    try:
        int(args.get("page", "first"))
    except ValueError as err:
        print(f"bad page parameter: {err}")

    fib = [0, 1]
    while len(fib) < 15:
        fib.append(fib[-1] + fib[-2])
    print("fib:", ", ".join(str(n) for n in fib))
