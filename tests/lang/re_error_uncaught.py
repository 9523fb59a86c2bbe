# re: an invalid pattern left uncaught ends the program with re.error.
import re

print(re.sub(r"(\d+)", r"<\1>", "id 42"))
re.compile(r"^/users/(?P<id>\d+$")
