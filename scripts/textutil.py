# A helper module with no routes; api.py imports it as a sibling.


def slug(text):
    return "-".join(text.lower().split())
