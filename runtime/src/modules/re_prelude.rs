//! The Python half of `re`: the module functions, `Pattern`, `Match`,
//! `error` and the flag constants, over the natives of `re.rs` (`_compile`,
//! `_match`, `_scan`, `_sub`, ...). A spans tuple from a native is
//! `(lastindex, start0, end0, start1, end1, ...)`, in code points, -1 for a
//! group that did not take part. It must stay inside Kiln's Python subset.

/// Source of the Python half of `re`.
pub const PRELUDE: &str = r#"
NOFLAG = 0
TEMPLATE = T = 1
IGNORECASE = I = 2
LOCALE = L = 4
MULTILINE = M = 8
DOTALL = S = 16
UNICODE = U = 32
VERBOSE = X = 64
DEBUG = 128
ASCII = A = 256

_FLAG_NAMES = [(1, "TEMPLATE"), (2, "IGNORECASE"), (4, "LOCALE"), (8, "MULTILINE"),
               (16, "DOTALL"), (32, "UNICODE"), (64, "VERBOSE"), (128, "DEBUG"),
               (256, "ASCII")]


class error(Exception):
    def __init__(self, msg, pattern=None, pos=None):
        self.msg = msg
        self.pattern = pattern
        self.pos = pos
        self.lineno = None
        self.colno = None
        if pattern is not None and pos is not None:
            msg = "%s at position %d" % (msg, pos)
            self.lineno = pattern.count("\n", 0, pos) + 1
            self.colno = pos - pattern.rfind("\n", 0, pos)
            if "\n" in pattern:
                msg = "%s (line %d, column %d)" % (msg, self.lineno, self.colno)
        super().__init__(msg)


class _GroupIndex:
    # A read-only view of {name: number}, shown as CPython's mappingproxy.
    def __init__(self, d):
        self._d = d

    def __getitem__(self, key):
        return self._d[key]

    def get(self, key, default=None):
        return self._d.get(key, default)

    def keys(self):
        return self._d.keys()

    def values(self):
        return self._d.values()

    def items(self):
        return self._d.items()

    def copy(self):
        return dict(self._d)

    def __contains__(self, key):
        return key in self._d

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __eq__(self, other):
        if isinstance(other, _GroupIndex):
            return self._d == other._d
        return self._d == other

    def __repr__(self):
        return "mappingproxy(" + repr(self._d) + ")"

    def __str__(self):
        return str(self._d)


class Pattern:
    def __init__(self, pattern, key, info):
        self.pattern = pattern
        self._key = key
        self.flags = info[0]
        self.groups = info[1]
        self._index = info[2]
        self.groupindex = _GroupIndex(info[2])
        self._names = {}
        for name in info[2]:
            self._names[info[2][name]] = name

    def _make(self, t, string, pos, endpos):
        if t is None:
            return None
        return Match(self, t, string, pos, endpos)

    def match(self, string, pos=0, endpos=None):
        return self._make(_match(self.pattern, self._key, string, pos, endpos, 0), string, pos, endpos)

    def search(self, string, pos=0, endpos=None):
        return self._make(_match(self.pattern, self._key, string, pos, endpos, 1), string, pos, endpos)

    def fullmatch(self, string, pos=0, endpos=None):
        return self._make(_match(self.pattern, self._key, string, pos, endpos, 2), string, pos, endpos)

    def finditer(self, string, pos=0, endpos=None):
        return iter([Match(self, t, string, pos, endpos)
                     for t in _scan(self.pattern, self._key, string, pos, endpos, 0)])

    def findall(self, string, pos=0, endpos=None):
        spans = _scan(self.pattern, self._key, string, pos, endpos, 0)
        n = self.groups
        if n == 0:
            return [string[t[1]:t[2]] for t in spans]
        if n == 1:
            return [string[t[3]:t[4]] if t[3] >= 0 else "" for t in spans]
        out = []
        for t in spans:
            out.append(tuple([string[t[2 * g + 1]:t[2 * g + 2]] if t[2 * g + 1] >= 0 else ""
                              for g in range(1, n + 1)]))
        return out

    def subn(self, repl, string, count=0):
        if isinstance(repl, str):
            return _sub(self.pattern, self._key, repl, string, count)
        if not callable(repl):
            raise TypeError("expected str instance, " + type(repl).__name__ + " found")
        parts = []
        last = 0
        n = 0
        for t in _scan(self.pattern, self._key, string, 0, None, count):
            parts.append(string[last:t[1]])
            piece = repl(Match(self, t, string, 0, None))
            if piece is not None:
                if not isinstance(piece, str):
                    raise TypeError("expected str instance, " + type(piece).__name__ + " found")
                parts.append(piece)
            last = t[2]
            n += 1
        parts.append(string[last:])
        return ("".join(parts), n)

    def sub(self, repl, string, count=0):
        return self.subn(repl, string, count)[0]

    def split(self, string, maxsplit=0):
        if maxsplit < 0:
            return [string]
        out = []
        last = 0
        for t in _scan(self.pattern, self._key, string, 0, None, maxsplit):
            out.append(string[last:t[1]])
            for g in range(1, self.groups + 1):
                a = t[2 * g + 1]
                out.append(string[a:t[2 * g + 2]] if a >= 0 else None)
            last = t[2]
        out.append(string[last:])
        return out

    def __eq__(self, other):
        if not isinstance(other, Pattern):
            return NotImplemented
        return self.pattern == other.pattern and self.flags == other.flags

    def __hash__(self):
        return hash((self.pattern, self.flags))

    def __repr__(self):
        flags = self.flags
        if flags & (LOCALE | UNICODE | ASCII) == UNICODE:
            flags = flags & ~UNICODE
        names = []
        for bit, name in _FLAG_NAMES:
            if flags & bit:
                names.append("re." + name)
                flags = flags & ~bit
        if flags:
            names.append(hex(flags))
        text = repr(self.pattern)[:200]
        if names:
            return "re.compile(" + text + ", " + "|".join(names) + ")"
        return "re.compile(" + text + ")"


class Match:
    # Kept small: a handler builds one per successful match; the rest is
    # computed when read.
    def __init__(self, pattern, t, string, pos, endpos):
        self.re = pattern
        self._t = t
        self.string = string
        self._pos = pos
        self._endpos = endpos

    @property
    def pos(self):
        n = len(self.string)
        pos = self._pos
        if pos < 0:
            return 0
        return n if pos > n else pos

    @property
    def endpos(self):
        n = len(self.string)
        endpos = self._endpos
        if endpos is None or endpos > n:
            return n
        return 0 if endpos < 0 else endpos

    @property
    def lastindex(self):
        return self._t[0]

    @property
    def lastgroup(self):
        if self._t[0] is None:
            return None
        return self.re._names.get(self._t[0])

    def _index(self, g):
        if isinstance(g, int):
            if 0 <= g <= self.re.groups:
                return g
        elif isinstance(g, str):
            i = self.re._index.get(g)
            if i is not None:
                return i
        raise IndexError("no such group")

    def _get(self, g, default=None):
        i = self._index(g)
        a = self._t[2 * i + 1]
        if a < 0:
            return default
        return self.string[a:self._t[2 * i + 2]]

    def group(self, *args):
        if len(args) == 0:
            return self._get(0)
        if len(args) == 1:
            return self._get(args[0])
        return tuple([self._get(g) for g in args])

    def __getitem__(self, g):
        return self._get(g)

    def expand(self, template):
        parts = []
        for piece in _template(self.re.pattern, self.re._key, template):
            if isinstance(piece, str):
                parts.append(piece)
            else:
                parts.append(self._get(piece, ""))
        return "".join(parts)

    def groups(self, default=None):
        return tuple([self._get(g, default) for g in range(1, self.re.groups + 1)])

    def groupdict(self, default=None):
        out = {}
        for name in self.re._index:
            out[name] = self._get(name, default)
        return out

    def start(self, group=0):
        return self._t[2 * self._index(group) + 1]

    def end(self, group=0):
        return self._t[2 * self._index(group) + 2]

    def span(self, group=0):
        i = self._index(group)
        return (self._t[2 * i + 1], self._t[2 * i + 2])

    def __repr__(self):
        return "<re.Match object; span=(%d, %d), match=%s>" % (
            self._t[1], self._t[2], repr(self._get(0))[:50])


# (pattern, flags) -> Pattern, and pattern -> Pattern for flags 0 (the
# common call, without building a key tuple). Cleared when full.
_cache = {}
_cache0 = {}


def _compile(pattern, flags):
    if flags == 0 and type(pattern) is str:
        p = _cache0.get(pattern)
        if p is not None:
            return p
    if isinstance(pattern, Pattern):
        if flags:
            raise ValueError("cannot process flags argument with a compiled pattern")
        return pattern
    if not isinstance(pattern, str):
        if isinstance(pattern, bytes):
            raise TypeError("bytes patterns are not supported by Kiln's re (str patterns only)")
        raise TypeError("first argument must be string or compiled pattern")
    key = (pattern, flags)
    p = _cache.get(key)
    if p is None:
        p = Pattern(pattern, flags, _compile_native(pattern, flags))
        if len(_cache) >= 512:
            _cache.clear()
            _cache0.clear()
        _cache[key] = p
        if flags == 0:
            _cache0[pattern] = p
    return p


def compile(pattern, flags=0):
    return _compile(pattern, flags)


def match(pattern, string, flags=0):
    return _compile(pattern, flags).match(string)


def search(pattern, string, flags=0):
    return _compile(pattern, flags).search(string)


def fullmatch(pattern, string, flags=0):
    return _compile(pattern, flags).fullmatch(string)


def findall(pattern, string, flags=0):
    return _compile(pattern, flags).findall(string)


def finditer(pattern, string, flags=0):
    return _compile(pattern, flags).finditer(string)


def sub(pattern, repl, string, count=0, flags=0):
    return _compile(pattern, flags).subn(repl, string, count)[0]


def subn(pattern, repl, string, count=0, flags=0):
    return _compile(pattern, flags).subn(repl, string, count)


def split(pattern, string, maxsplit=0, flags=0):
    return _compile(pattern, flags).split(string, maxsplit)


def escape(pattern):
    return _escape(pattern)


def purge():
    _cache.clear()
    _cache0.clear()
    _purge()
"#;
