//! The matching core of `re`: compiled patterns (cached per thread, so
//! per isolate), code-point/byte offset conversion, CPython's search
//! semantics on top of the regex crate's engine (`regex-automata`'s meta
//! regex, which the `regex` crate wraps; used directly for its anchored
//! searches at a position, which `re.match` needs), and the 3.7+ rules for
//! iterating over empty matches.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, MatchKind};

use super::re_syntax::{translate, Dollar, Info, ReError, ReKind};

/// Byte spans of group 0..=groups (None: the group did not take part).
pub type Spans = Vec<Option<(usize, usize)>>;

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Match,
    Search,
    Full,
}

#[derive(Clone, Copy)]
enum Kind {
    Search,
    Full,
    /// Anchored longest match: whether a non-empty match exists.
    Longest,
}

/// A pattern translated once, with its engines built on first use.
pub struct Compiled {
    pub info: Info,
    pattern: String,
    flags: u32,
    /// `[dollar variant][kind]`.
    engines: RefCell<[[Option<Rc<Regex>>; 3]; 4]>,
    /// Per dollar variant: the crate group of each group, and the markers.
    groups_of: RefCell<[Option<Rc<GroupMap>>; 4]>,
}

/// How one translation numbers the crate's groups.
struct GroupMap {
    crate_group: Vec<usize>,
    markers: Vec<usize>,
}

const MAX_CACHE: usize = 512;

/// Per compiled automaton (the crate builds up to a few per pattern).
const NFA_SIZE_LIMIT: usize = 64 << 20;

/// Compiled forms of one pattern string, by flags.
type Entries = Vec<(u32, Rc<Compiled>)>;

#[derive(Default)]
struct Cache {
    len: usize,
    map: HashMap<String, Entries>,
}

thread_local! {
    /// pattern → (flags, compiled). Cleared when full: a handler's few
    /// patterns are recompiled at once, and memory stays bounded when a
    /// script builds patterns from input.
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// The compiled form of `(pattern, flags)`, from the cache if it is there.
pub fn compile(pattern: &str, flags: u32) -> Result<Rc<Compiled>, ReError> {
    let hit = CACHE.with(|c| {
        c.borrow()
            .map
            .get(pattern)
            .and_then(|v| v.iter().find(|(f, _)| *f == flags).map(|(_, c)| c.clone()))
    });
    if let Some(c) = hit {
        return Ok(c);
    }
    let (_, info) = translate(pattern, flags, Dollar::End)?;
    let compiled = Rc::new(Compiled {
        info,
        pattern: pattern.to_string(),
        flags,
        engines: RefCell::new(Default::default()),
        groups_of: RefCell::new(Default::default()),
    });
    // Build the plain engine now, so an engine limit is a compile error.
    compiled.engine(Dollar::End, Kind::Search)?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len >= MAX_CACHE {
            c.map.clear();
            c.len = 0;
        }
        c.len += 1;
        c.map
            .entry(pattern.to_string())
            .or_default()
            .push((flags, compiled.clone()));
    });
    Ok(compiled)
}

/// Empties the cache (`re.purge()`).
pub fn purge() {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.map.clear();
        c.len = 0;
    });
}

impl Compiled {
    fn engine(&self, dollar: Dollar, kind: Kind) -> Result<Rc<Regex>, ReError> {
        let (d, k) = (dollar as usize, kind as usize);
        if let Some(re) = &self.engines.borrow()[d][k] {
            return Ok(re.clone());
        }
        let (src, info) = translate(&self.pattern, self.flags, dollar)?;
        self.groups_of.borrow_mut()[d] = Some(Rc::new(GroupMap {
            crate_group: info.crate_group,
            markers: info.markers,
        }));
        let src = match kind {
            Kind::Full => format!("(?:{src})\\z"),
            _ => src,
        };
        // Above the crate's 10 MiB default: a repeated Unicode class such
        // as `\w{300}` (fine in CPython) needs more; still bounded.
        let mut config = Regex::config().nfa_size_limit(Some(NFA_SIZE_LIMIT));
        if let Kind::Longest = kind {
            config = config.match_kind(MatchKind::All);
        }
        let re = Regex::builder()
            .configure(config)
            .build(&src)
            .map_err(|e| ReError {
                msg: match e.size_limit() {
                    Some(_) => "pattern too large for Kiln's re (regex crate)".to_string(),
                    None => format!("pattern not supported by Kiln's re (regex crate): {e}"),
                },
                pos: None,
                kind: ReKind::Error,
            })?;
        let re = Rc::new(re);
        self.engines.borrow_mut()[d][k] = Some(re.clone());
        Ok(re)
    }

    fn run(
        &self,
        dollar: Dollar,
        kind: Kind,
        hay: &str,
        start: usize,
        anchored: bool,
    ) -> Result<Option<Spans>, ReError> {
        if start > hay.len() || !hay.is_char_boundary(start) {
            return Ok(None);
        }
        let re = self.engine(dollar, kind)?;
        let input = Input::new(hay).range(start..).anchored(if anchored {
            Anchored::Yes
        } else {
            Anchored::No
        });
        let mut caps = re.create_captures();
        re.search_captures(&input, &mut caps);
        if !caps.is_match() {
            return Ok(None);
        }
        let map = self.groups_of.borrow()[dollar as usize].clone();
        let Some(map) = map else {
            return Ok(None);
        };
        let (crate_group, markers) = (&map.crate_group, &map.markers);
        let mut spans: Spans = (0..=self.info.groups)
            .map(|g| {
                let cg = crate_group.get(g).copied().unwrap_or(g);
                caps.get_group(cg).map(|s| (s.start, s.end))
            })
            .collect();
        if markers.iter().any(|&m| caps.get_group(m).is_some()) {
            // The `$` matched before the final newline, which its marker
            // consumed: nothing after the `$` consumes text, so every end
            // past that newline is really at it.
            let nl = hay.len().saturating_sub(1);
            for (a, b) in spans.iter_mut().flatten() {
                *a = (*a).min(nl);
                *b = (*b).min(nl);
            }
        }
        Ok(Some(spans))
    }
}

/// Which translation of a non-MULTILINE `$` is exact for a haystack.
#[derive(Clone, Copy)]
pub enum Plan {
    Single(Dollar),
    /// The haystack ends with `\n` and has others: `Dollar::Marked`.
    Split,
}

pub fn plan(c: &Compiled, hay: &str) -> Plan {
    if hay.is_empty() && c.info.has_nonboundary {
        Plan::Single(Dollar::Empty)
    } else if !c.info.has_dollar || !hay.ends_with('\n') {
        Plan::Single(Dollar::End)
    } else if !hay[..hay.len() - 1].contains('\n') {
        Plan::Single(Dollar::Line)
    } else {
        Plan::Split
    }
}

/// The first match at or after byte `start` of `hay` (the string cut at
/// `endpos`), with CPython's semantics for `mode`.
pub fn find(
    c: &Compiled,
    hay: &str,
    plan: Plan,
    start: usize,
    mode: Mode,
) -> Result<Option<Spans>, ReError> {
    let (kind, anchored) = match mode {
        Mode::Match => (Kind::Search, true),
        Mode::Search => (Kind::Search, false),
        Mode::Full => (Kind::Full, true),
    };
    let Plan::Split = plan else {
        let Plan::Single(d) = plan else {
            return Ok(None);
        };
        return c.run(d, kind, hay, start, anchored);
    };
    if !c.info.dollar_terminal {
        return Err(ambiguous());
    }
    // A full match must reach the end, where only `$` as `\z` can be.
    let d = if mode == Mode::Full {
        Dollar::End
    } else {
        Dollar::Marked
    };
    c.run(d, kind, hay, start, anchored)
}

fn ambiguous() -> ReError {
    ReError {
        msg: "a '$' followed by more pattern, on a multi-line string that ends with a newline, is not supported by Kiln's re (regex crate); use \\Z or re.MULTILINE".into(),
        pos: None,
        kind: ReKind::Error,
    }
}

/// Whether a non-empty match starts exactly at byte `at`.
fn nonempty_at(c: &Compiled, hay: &str, plan: Plan, at: usize) -> Result<bool, ReError> {
    let d = match plan {
        Plan::Single(d) => d,
        Plan::Split => Dollar::Marked,
    };
    let found = c.run(d, Kind::Longest, hay, at, true)?;
    Ok(found.is_some_and(|s| s[0].is_some_and(|(a, b)| b > a)))
}

/// Every match from byte `start`, as CPython 3.7+ iterates: an empty
/// match may directly follow a non-empty one, and after an empty match at
/// `p` the next match must not be empty at `p`. `limit` 0 is no limit.
pub fn find_all(
    c: &Compiled,
    hay: &str,
    start: usize,
    limit: usize,
) -> Result<Vec<Spans>, ReError> {
    let plan = plan(c, hay);
    let mut out = Vec::new();
    let mut pos = start;
    let mut must_advance = false;
    while pos <= hay.len() && (limit == 0 || out.len() < limit) {
        let Some(spans) = find(c, hay, plan, pos, Mode::Search)? else {
            break;
        };
        let (s, e) = spans[0].unwrap_or((pos, pos));
        if must_advance && s == pos && e == pos {
            // CPython would now try the next, non-empty, way to match at
            // `pos`; the crate only gives the preferred one.
            if nonempty_at(c, hay, plan, pos)? {
                return Err(ReError {
                    msg: "a pattern that prefers an empty match where a non-empty one is possible is not supported by Kiln's re (regex crate) in findall/finditer/sub/split".into(),
                    pos: None,
                    kind: ReKind::Error,
                });
            }
            match hay[pos..].chars().next() {
                Some(ch) => pos += ch.len_utf8(),
                None => break,
            }
            must_advance = false;
            continue;
        }
        out.push(spans);
        must_advance = s == e;
        pos = e;
    }
    Ok(out)
}

/// Converts increasing byte offsets of one string to code-point offsets
/// (identity for ASCII; otherwise counts from the last answer).
pub struct CharIndex<'a> {
    s: &'a str,
    ascii: bool,
    byte: usize,
    ch: usize,
}

impl<'a> CharIndex<'a> {
    pub fn new(s: &'a str, ascii: bool) -> CharIndex<'a> {
        CharIndex {
            s,
            ascii,
            byte: 0,
            ch: 0,
        }
    }

    pub fn to_char(&mut self, b: usize) -> usize {
        if self.ascii {
            return b;
        }
        let b = b.min(self.s.len());
        if b < self.byte {
            self.byte = 0;
            self.ch = 0;
        }
        self.ch += self.s.get(self.byte..b).map_or(0, |t| t.chars().count());
        self.byte = b;
        self.ch
    }
}

/// The byte offset of code point `c` of `s` (the length past the end).
pub fn byte_of_char(s: &str, ascii: bool, c: usize) -> usize {
    if ascii {
        return c.min(s.len());
    }
    s.char_indices().nth(c).map_or(s.len(), |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_convert_between_bytes_and_code_points() {
        let s = "aé€😀b";
        assert_eq!(byte_of_char(s, false, 0), 0);
        assert_eq!(byte_of_char(s, false, 2), 3);
        assert_eq!(byte_of_char(s, false, 4), 10);
        assert_eq!(byte_of_char(s, false, 9), s.len());
        let mut ix = CharIndex::new(s, false);
        assert_eq!(ix.to_char(3), 2);
        assert_eq!(ix.to_char(10), 4);
        assert_eq!(ix.to_char(1), 1);
        assert_eq!(ix.to_char(s.len()), 5);
        let mut ascii = CharIndex::new("abc", true);
        assert_eq!(ascii.to_char(2), 2);
        assert_eq!(byte_of_char("abc", true, 7), 3);
    }

    #[test]
    fn empty_matches_follow_cpython_3_7() {
        let c = compile("a*", 0).expect("compiles");
        let all = find_all(&c, "baaa", 0, 0).expect("runs");
        let spans: Vec<_> = all.iter().map(|s| s[0]).collect();
        assert_eq!(spans, vec![Some((0, 0)), Some((1, 4)), Some((4, 4))]);
    }

    #[test]
    fn dollar_matches_before_a_final_newline() {
        let c = compile(r"^\w+$", 0).expect("compiles");
        for (hay, want) in [
            ("abc\n", Some((0, 3))),
            ("abc", Some((0, 3))),
            ("a\nb\n", None),
        ] {
            let got = find(&c, hay, plan(&c, hay), 0, Mode::Search).expect("runs");
            assert_eq!(got.and_then(|s| s[0]), want, "{hay:?}");
        }
    }
}
