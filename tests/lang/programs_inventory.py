# A small realistic program: an inventory with classes, dicts, sorting,
# formatting and error handling, in the style of a request handler.
import json
class OutOfStock(Exception):
    pass
class Item:
    def __init__(self, sku, name, price, qty):
        self.sku, self.name, self.price, self.qty = sku, name, price, qty
    def total(self):
        return self.price * self.qty
    def to_dict(self):
        return {"sku": self.sku, "name": self.name, "price": round(self.price, 2), "qty": self.qty}
class Inventory:
    def __init__(self):
        self.items = {}
        self.log = []
    def add(self, item):
        self.items[item.sku] = item
        self.log.append(("add", item.sku))
    def take(self, sku, n):
        item = self.items.get(sku)
        if item is None:
            raise KeyError(sku)
        if item.qty < n:
            raise OutOfStock(f"only {item.qty} of {item.name} left")
        item.qty -= n
        self.log.append(("take", sku, n))
        return item.price * n
    def report(self):
        rows = sorted(self.items.values(), key=lambda i: (-i.total(), i.sku))
        lines = [f"{i.sku:<6}{i.name:>10}{i.qty:>5}{i.total():>10.2f}" for i in rows]
        return "\n".join(lines)
inv = Inventory()
for sku, name, price, qty in [("A1", "widget", 2.5, 10), ("B2", "gadget", 10.0, 3), ("C3", "doohickey", 0.75, 40)]:
    inv.add(Item(sku, name, price, qty))
revenue = 0.0
for sku, n in [("A1", 4), ("B2", 5), ("Z9", 1), ("C3", 40)]:
    try:
        revenue += inv.take(sku, n)
    except OutOfStock as e:
        print("out of stock:", e)
    except KeyError as e:
        print("unknown sku", e)
print(inv.report())
print(f"revenue={revenue:.2f}", len(inv.log), inv.log[-1])
print(json.dumps([i.to_dict() for i in inv.items.values()], sort_keys=True))
by_letter = {}
for sku in inv.items:
    by_letter.setdefault(sku[0], []).append(sku)
print(by_letter)
