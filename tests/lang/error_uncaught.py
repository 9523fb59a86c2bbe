# An uncaught exception after some output: exit status 1, traceback on stderr.
def parse(v):
    return int(v)
print("before")
parse("12")
parse("nope")
print("never")
