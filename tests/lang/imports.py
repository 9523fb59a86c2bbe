# Importing sibling scripts: module attributes, from-import, aliases,
# a module executed once however often it is imported, __name__.
import helper_mod
import helper_mod as hm
from helper_mod import greet, Counter as C, CONSTANT
print(__name__, helper_mod.__name__, hm is helper_mod, helper_mod.loads)
print(greet("kiln"), CONSTANT, C().bump().bump().n)
helper_mod.CONSTANT = 99
from helper_mod import CONSTANT as again
print(again, hm.CONSTANT)
try:
    from helper_mod import missing_name
except ImportError as e:
    print("ImportError:", str(e).split(" (")[0])
try:
    import no_such_module_here
except ImportError as e:
    print(type(e).__name__ + ":", e)
