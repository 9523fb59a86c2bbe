# JSON-like nested data: building, walking and serialising dicts and lists.
import json


def make_record(i):
    return {
        "id": i,
        "name": "user%d" % i,
        "active": i % 3 != 0,
        "tags": ["t%d" % (i % 7), "t%d" % (i % 11)],
        "address": {"city": "c%d" % (i % 13), "zip": 10000 + i % 900},
        "scores": [i % 10, (i * 3) % 10, (i * 7) % 10],
        "parent": None,
    }


def walk(value):
    if isinstance(value, dict):
        total = len(value)
        for k, v in value.items():
            total += len(k) + walk(v)
        return total
    if isinstance(value, list):
        total = len(value)
        for v in value:
            total += walk(v)
        return total
    if isinstance(value, str):
        return len(value)
    if value is None or isinstance(value, bool):
        return 1
    return value % 97


def to_json(value):
    if isinstance(value, dict):
        items = [json.dumps(k) + ": " + to_json(v) for k, v in value.items()]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join([to_json(v) for v in value]) + "]"
    return json.dumps(value)


records = [make_record(i) for i in range(600)]
doc = {"count": len(records), "records": records}
print(walk(doc))
text = to_json(doc)
print(len(text), text == json.dumps(doc))
back = json.loads(text)
print(back["records"][42]["address"], sum(r["scores"][1] for r in back["records"]))
print(len(json.dumps(doc, sort_keys=True, indent=2)))
