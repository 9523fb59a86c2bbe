//! Python `re` pattern syntax, translated to the regex crate's syntax.
//!
//! Every construct is parsed and re-emitted explicitly (literals as
//! `\x{..}`, `.`/`^`/`$`/`\d`/`\w`/`\s`/`\b` as the exact class or
//! assertion the current flags mean in CPython), so the crate's own flag
//! defaults never leak in. Only `i` is passed through as a crate flag.
//! What the crate cannot run (backreferences, look-around, atomic groups,
//! possessive repeats, conditionals) is an error naming the feature.
//! Error positions are code-point indices into the pattern, as CPython's.

use std::fmt::Write;

pub const IGNORECASE: u32 = 2;
pub const LOCALE: u32 = 4;
pub const MULTILINE: u32 = 8;
pub const DOTALL: u32 = 16;
pub const UNICODE: u32 = 32;
pub const VERBOSE: u32 = 64;
pub const ASCII: u32 = 256;

/// A pattern error: CPython's message (or Kiln's, for what it cannot
/// run) and the position it names.
#[derive(Debug, Clone, PartialEq)]
pub struct ReError {
    pub msg: String,
    pub pos: Option<usize>,
    pub kind: ReKind,
}

/// The exception class CPython raises for a pattern error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReKind {
    /// `re.error`.
    Error,
    Overflow,
    Value,
}

fn err<T>(msg: impl Into<String>, pos: usize) -> Result<T, ReError> {
    Err(ReError {
        msg: msg.into(),
        pos: Some(pos),
        kind: ReKind::Error,
    })
}

fn unsupported<T>(what: &str, pos: usize) -> Result<T, ReError> {
    err(
        format!("{what} not supported by Kiln's re (regex crate)"),
        pos,
    )
}

/// How a `$` outside MULTILINE is emitted. CPython's `$` matches at the
/// end and before a newline that ends the string; the crate has no
/// look-ahead, so the caller picks a variant that is exact for its
/// haystack (see `re.rs`).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Dollar {
    /// `\z`: exact when the haystack does not end with `\n`.
    End,
    /// `(?m:$)`: exact when the only `\n` is the last character.
    Line,
    /// `(?:\z|(\n)\z)`: the `$` before a final newline consumes it in a
    /// marker group (see `Info::markers`), so that the crate's priorities
    /// pick between the two places as CPython's backtracking would.
    /// Exact when nothing is consumed after the `$`.
    Marked,
    /// `\z`, and `\B` never matches: CPython's `\B` fails in an empty
    /// string, the crate's matches.
    Empty,
}

/// What the translation learnt about the pattern.
#[derive(Debug, Clone, Default)]
pub struct Info {
    /// Effective flags: the given ones, inline global flags, and UNICODE
    /// unless ASCII.
    pub flags: u32,
    pub groups: usize,
    /// Group names and numbers, in definition order.
    pub names: Vec<(String, usize)>,
    /// `parents[g]`: the capture group enclosing group `g` (0: none).
    pub parents: Vec<usize>,
    /// Whether a `$` outside MULTILINE occurs.
    pub has_dollar: bool,
    /// Whether nothing can consume text after any such `$`.
    pub dollar_terminal: bool,
    /// Whether `\B` occurs.
    pub has_nonboundary: bool,
    /// The crate's group number of each group (they differ when marker
    /// groups are emitted).
    pub crate_group: Vec<usize>,
    /// The crate's group numbers of `Dollar::Marked` markers.
    pub markers: Vec<usize>,
}

struct Open {
    pos: usize,
    capture: usize,
    saved_flags: u32,
}

struct Parser {
    p: Vec<char>,
    i: usize,
    flags: u32,
    dollar: Dollar,
    out: String,
    info: Info,
    stack: Vec<Open>,
    /// The group depth of a `$` nothing may follow yet (see `dollar_terminal`).
    pending_dollar: Option<usize>,
    /// Whether the last item can take a repeat, and whether it was one.
    last: Last,
    /// Whether only global flag groups have been seen so far.
    at_start: bool,
    /// Capture groups emitted so far, markers included.
    crate_groups: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Last {
    Nothing,
    Atom,
    Assertion,
    Repeat,
}

/// Translates `pattern` under `flags` (the `re` flag bits).
pub fn translate(pattern: &str, flags: u32, dollar: Dollar) -> Result<(String, Info), ReError> {
    if flags & LOCALE != 0 {
        return Err(ReError {
            msg: "cannot use LOCALE flag with a str pattern".into(),
            pos: None,
            kind: ReKind::Value,
        });
    }
    if flags & ASCII != 0 && flags & UNICODE != 0 {
        return Err(ReError {
            msg: "ASCII and UNICODE flags are incompatible".into(),
            pos: None,
            kind: ReKind::Value,
        });
    }
    let mut p = Parser {
        p: pattern.chars().collect(),
        i: 0,
        flags,
        dollar,
        out: String::with_capacity(pattern.len() * 2 + 8),
        info: Info {
            parents: vec![0],
            crate_group: vec![0],
            dollar_terminal: true,
            ..Info::default()
        },
        stack: Vec::new(),
        pending_dollar: None,
        last: Last::Nothing,
        at_start: true,
        crate_groups: 0,
    };
    if crate_fold(flags) {
        p.out.push_str("(?i)");
    }
    p.run()?;
    let mut info = p.info;
    info.flags = p.flags;
    if info.flags & ASCII == 0 {
        info.flags |= UNICODE;
    }
    Ok((p.out, info))
}

fn is_repeat_char(c: char) -> bool {
    matches!(c, '*' | '+' | '?')
}

/// A literal code point in crate syntax (safe inside and outside classes).
fn push_lit(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    }
}

/// Whether the crate's own (Unicode) case folding is what CPython does:
/// under ASCII, CPython folds ASCII letters only, which the translation
/// spells out itself.
fn crate_fold(flags: u32) -> bool {
    flags & IGNORECASE != 0 && flags & ASCII == 0
}

/// Adds to a class body the other ASCII case of `lo..=hi`'s letters.
fn fold_range(body: &mut String, lo: char, hi: char) {
    for (a, z, shift) in [('a', 'z', -32i32), ('A', 'Z', 32)] {
        let (from, to) = (lo.max(a), hi.min(z));
        if from <= to {
            let swap = |c: char| char::from_u32((c as i32 + shift) as u32).unwrap_or(c);
            let _ = write!(body, "{}-{}", swap(from), swap(to));
        }
    }
}

impl Parser {
    /// A literal in the main text, folded by hand under ASCII | IGNORECASE.
    fn lit(&mut self, c: char) {
        if self.ascii_fold() && c.is_ascii_alphabetic() {
            let _ = write!(
                self.out,
                "[{}{}]",
                c.to_ascii_lowercase(),
                c.to_ascii_uppercase()
            );
        } else {
            push_lit(&mut self.out, c);
        }
    }

    fn ascii_fold(&self) -> bool {
        self.flags & IGNORECASE != 0 && self.flags & ASCII != 0
    }

    fn peek(&self) -> Option<char> {
        self.p.get(self.i).copied()
    }

    fn ascii(&self) -> bool {
        self.flags & ASCII != 0
    }

    /// Skips whitespace and comments under VERBOSE.
    fn skip_verbose(&mut self) {
        if self.flags & VERBOSE == 0 {
            return;
        }
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
                self.i += 1;
            } else if c == '#' {
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    fn atom_follows(&mut self) {
        if self.pending_dollar.is_some() {
            self.info.dollar_terminal = false;
        }
        self.at_start = false;
    }

    fn run(&mut self) -> Result<(), ReError> {
        loop {
            self.skip_verbose();
            let Some(c) = self.peek() else { break };
            let pos = self.i;
            self.i += 1;
            match c {
                '|' => {
                    if self.pending_dollar == Some(self.stack.len()) {
                        self.pending_dollar = None;
                    }
                    self.out.push('|');
                    self.last = Last::Nothing;
                    self.at_start = false;
                }
                '(' => self.open_group(pos)?,
                ')' => self.close_group(pos)?,
                '*' | '+' | '?' | '{' => self.repeat(c, pos)?,
                '[' => {
                    self.atom_follows();
                    self.class(pos)?;
                    self.last = Last::Atom;
                }
                '.' => {
                    self.atom_follows();
                    self.out.push_str(if self.flags & DOTALL != 0 {
                        "(?s:.)"
                    } else {
                        "[^\\n]"
                    });
                    self.last = Last::Atom;
                }
                '^' => {
                    self.assertion_follows();
                    self.out.push_str(if self.flags & MULTILINE != 0 {
                        "(?m:^)"
                    } else {
                        "\\A"
                    });
                    self.last = Last::Assertion;
                }
                '$' => {
                    self.assertion_follows();
                    if self.flags & MULTILINE != 0 {
                        self.out.push_str("(?m:$)");
                    } else {
                        self.info.has_dollar = true;
                        self.pending_dollar = Some(self.stack.len());
                        self.out.push_str(match self.dollar {
                            Dollar::Line => "(?m:$)",
                            Dollar::End | Dollar::Empty => "\\z",
                            Dollar::Marked => {
                                self.info.markers.push(self.crate_groups + 1);
                                self.crate_groups += 1;
                                "(?:\\z|(\\n)\\z)"
                            }
                        });
                    }
                    self.last = Last::Assertion;
                }
                '\\' => self.escape(pos)?,
                _ => {
                    self.atom_follows();
                    self.lit(c);
                    self.last = Last::Atom;
                }
            }
        }
        if let Some(open) = self.stack.last() {
            return err("missing ), unterminated subpattern", open.pos);
        }
        Ok(())
    }

    fn read_name(&mut self, end: char, start: usize) -> Result<String, ReError> {
        let mut name = String::new();
        loop {
            match self.peek() {
                None => return err(format!("missing {end}, unterminated name"), start),
                Some(c) if c == end => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    name.push(c);
                    self.i += 1;
                }
            }
        }
        if name.is_empty() {
            return err("missing group name", start);
        }
        Ok(name)
    }

    fn open_group(&mut self, pos: usize) -> Result<(), ReError> {
        self.atom_follows_group();
        let saved = self.flags;
        if self.peek() != Some('?') {
            self.push_capture(pos, saved);
            return Ok(());
        }
        self.i += 1;
        let Some(c) = self.peek() else {
            return err("unexpected end of pattern", self.i);
        };
        match c {
            ':' => {
                self.i += 1;
                self.stack.push(Open {
                    pos,
                    capture: 0,
                    saved_flags: saved,
                });
                self.out.push_str("(?:");
                self.at_start = false;
                self.last = Last::Nothing;
            }
            'P' => {
                self.i += 1;
                match self.peek() {
                    Some('<') => {
                        self.i += 1;
                        let start = self.i;
                        let name = self.read_name('>', start)?;
                        if !is_identifier(&name) {
                            return err(format!("bad character in group name '{name}'"), start);
                        }
                        let next = self.info.groups + 1;
                        if let Some((_, was)) = self.info.names.iter().find(|(n, _)| *n == name) {
                            return err(
                                format!(
                                    "redefinition of group name '{name}' as group {next}; was group {was}"
                                ),
                                start,
                            );
                        }
                        self.info.names.push((name, next));
                        self.push_capture(pos, saved);
                    }
                    Some('=') => return unsupported("backreferences (?P=name) are", pos),
                    Some(_) => {
                        let c = self.peek().unwrap_or('P');
                        return err(format!("unknown extension ?P{c}"), pos + 1);
                    }
                    None => return err("unexpected end of pattern", self.i),
                }
            }
            '#' => {
                loop {
                    match self.peek() {
                        None => return err("missing ), unterminated comment", pos),
                        Some(')') => {
                            self.i += 1;
                            break;
                        }
                        Some(_) => self.i += 1,
                    }
                }
                // A comment is nothing: what precedes it keeps its role.
            }
            '=' | '!' => return unsupported("look-around is", pos),
            '<' => match self.p.get(self.i + 1) {
                Some('=') | Some('!') => return unsupported("look-around is", pos),
                Some(&n) => return err(format!("unknown extension ?<{n}"), pos + 1),
                None => return err("unexpected end of pattern", self.i + 1),
            },
            '>' => return unsupported("atomic groups are", pos),
            '(' => return unsupported("conditional groups are", pos),
            c if "aiLmsux-".contains(c) => self.flag_group(pos, saved)?,
            c => return err(format!("unknown extension ?{c}"), pos + 1),
        }
        Ok(())
    }

    /// Even a zero-width assertion after a `$` would be tested at the
    /// wrong place by `Dollar::Marked`.
    fn assertion_follows(&mut self) {
        if self.pending_dollar.is_some() {
            self.info.dollar_terminal = false;
        }
        self.at_start = false;
    }

    fn atom_follows_group(&mut self) {
        // A group opening is where text may be consumed after a `$`.
        if self.pending_dollar.is_some() {
            self.info.dollar_terminal = false;
        }
    }

    fn push_capture(&mut self, pos: usize, saved: u32) {
        self.at_start = false;
        self.info.groups += 1;
        self.crate_groups += 1;
        self.info.crate_group.push(self.crate_groups);
        let parent = self
            .stack
            .iter()
            .rev()
            .find(|o| o.capture != 0)
            .map_or(0, |o| o.capture);
        self.info.parents.push(parent);
        self.stack.push(Open {
            pos,
            capture: self.info.groups,
            saved_flags: saved,
        });
        self.out.push('(');
        self.last = Last::Nothing;
    }

    fn flag_group(&mut self, pos: usize, saved: u32) -> Result<(), ReError> {
        let mut on = 0u32;
        let mut off = 0u32;
        let mut negative = false;
        loop {
            let Some(c) = self.peek() else {
                return err("missing -, : or )", self.i);
            };
            self.i += 1;
            let bit = match c {
                'a' => ASCII,
                'i' => IGNORECASE,
                'L' => LOCALE,
                'm' => MULTILINE,
                's' => DOTALL,
                'u' => UNICODE,
                'x' => VERBOSE,
                '-' if !negative => {
                    negative = true;
                    continue;
                }
                ':' | ')' => {
                    if c == ')' {
                        if negative {
                            return err("missing :", self.i - 1);
                        }
                        return self.global_flags(on, pos);
                    }
                    break;
                }
                _ => {
                    let what = if c.is_alphabetic() {
                        "unknown flag"
                    } else {
                        "missing -, : or )"
                    };
                    return err(what, self.i - 1);
                }
            };
            if bit == LOCALE {
                return err(
                    "bad inline flags: cannot use 'L' flag with a str pattern",
                    self.i,
                );
            }
            if negative {
                if bit & (ASCII | UNICODE) != 0 {
                    return err(
                        "bad inline flags: cannot turn off flags 'a', 'u' and 'L'",
                        self.i,
                    );
                }
                off |= bit;
            } else {
                on |= bit;
            }
        }
        let mut flags = (self.flags | on) & !off;
        if on & ASCII != 0 {
            flags &= !UNICODE;
        }
        if on & UNICODE != 0 {
            flags &= !ASCII;
        }
        self.stack.push(Open {
            pos,
            capture: 0,
            saved_flags: saved,
        });
        self.out
            .push_str(if crate_fold(flags) { "(?i:" } else { "(?-i:" });
        self.flags = flags;
        self.at_start = false;
        self.last = Last::Nothing;
        Ok(())
    }

    fn global_flags(&mut self, on: u32, pos: usize) -> Result<(), ReError> {
        if !self.at_start || !self.stack.is_empty() {
            return err("global flags not at the start of the expression", pos);
        }
        let all = on | self.flags;
        if all & ASCII != 0 && all & UNICODE != 0 {
            return Err(ReError {
                msg: "ASCII and UNICODE flags are incompatible".into(),
                pos: None,
                kind: ReKind::Value,
            });
        }
        let before = crate_fold(self.flags);
        self.flags |= on;
        if on & ASCII != 0 {
            self.flags &= !UNICODE;
        }
        match (before, crate_fold(self.flags)) {
            (false, true) => self.out.push_str("(?i)"),
            (true, false) => self.out.push_str("(?-i)"),
            _ => {}
        }
        Ok(())
    }

    fn close_group(&mut self, pos: usize) -> Result<(), ReError> {
        let Some(open) = self.stack.pop() else {
            return err("unbalanced parenthesis", pos);
        };
        self.flags = open.saved_flags;
        self.out.push(')');
        if self.pending_dollar == Some(self.stack.len() + 1) {
            self.pending_dollar = Some(self.stack.len());
        }
        self.last = Last::Atom;
        self.at_start = false;
        Ok(())
    }

    /// Reads `{m,n}` after the `{` at `pos`; None when it is a literal.
    fn braces(&mut self) -> Option<(Option<u64>, Option<u64>, bool)> {
        let save = self.i;
        let digits = |s: &mut Self| {
            let start = s.i;
            while s.peek().is_some_and(|c| c.is_ascii_digit()) {
                s.i += 1;
            }
            let text: String = s.p[start..s.i].iter().collect();
            (!text.is_empty()).then(|| text.parse::<u64>().unwrap_or(u64::MAX))
        };
        let lo = digits(self);
        let mut hi = lo;
        let mut comma = false;
        if self.peek() == Some(',') {
            self.i += 1;
            comma = true;
            hi = digits(self);
        }
        if self.peek() != Some('}') || (lo.is_none() && !comma) {
            self.i = save;
            return None;
        }
        self.i += 1;
        Some((lo, hi, comma))
    }

    fn repeat(&mut self, c: char, pos: usize) -> Result<(), ReError> {
        let mut text = String::new();
        let mut at_most_once = c == '?';
        if c == '{' {
            match self.braces() {
                None => {
                    self.atom_follows();
                    self.lit('{');
                    self.last = Last::Atom;
                    return Ok(());
                }
                Some((lo, hi, comma)) => {
                    let lo_v = lo.unwrap_or(0);
                    if let Some(h) = hi {
                        if h < lo_v {
                            return err("min repeat greater than max repeat", pos + 1);
                        }
                    }
                    if lo_v > u32::MAX as u64 || hi.is_some_and(|h| h > u32::MAX as u64) {
                        return Err(ReError {
                            msg: "the repetition number is too large".into(),
                            pos: None,
                            kind: ReKind::Overflow,
                        });
                    }
                    at_most_once = hi.is_some_and(|h| h <= 1);
                    match (comma, hi) {
                        (false, _) => {
                            let _ = write!(text, "{{{lo_v}}}");
                        }
                        (true, None) => {
                            let _ = write!(text, "{{{lo_v},}}");
                        }
                        (true, Some(h)) => {
                            let _ = write!(text, "{{{lo_v},{h}}}");
                        }
                    }
                }
            }
        } else {
            text.push(c);
        }
        match self.last {
            Last::Atom => {}
            Last::Repeat => return err("multiple repeat", pos),
            Last::Nothing | Last::Assertion => return err("nothing to repeat", pos),
        }
        if self.pending_dollar.is_some() && !at_most_once {
            // `(a$)*` and the like: another pass may consume text after
            // the `$` (`(a$)?` may not).
            self.info.dollar_terminal = false;
        }
        self.out.push_str(&text);
        self.skip_verbose();
        match self.peek() {
            Some('?') => {
                self.i += 1;
                self.out.push('?');
            }
            Some('+') => return unsupported("possessive repeats are", self.i),
            _ => {}
        }
        self.skip_verbose();
        if let Some(n) = self.peek() {
            if is_repeat_char(n) || (n == '{' && self.is_quantifier_brace()) {
                return err("multiple repeat", self.i);
            }
        }
        self.last = Last::Repeat;
        Ok(())
    }

    fn is_quantifier_brace(&mut self) -> bool {
        let save = self.i;
        self.i += 1;
        let yes = self.braces().is_some();
        self.i = save;
        yes
    }

    fn hex(&mut self, n: usize, start: usize, letter: char) -> Result<char, ReError> {
        let mut value = 0u32;
        let mut text = String::new();
        for _ in 0..n {
            match self.peek().and_then(|c| c.to_digit(16).map(|d| (c, d))) {
                Some((c, d)) => {
                    value = value * 16 + d;
                    text.push(c);
                    self.i += 1;
                }
                None => return err(format!("incomplete escape \\{letter}{text}"), start),
            }
        }
        char::from_u32(value).ok_or_else(|| ReError {
            msg: format!("bad escape \\{letter}{text}"),
            pos: Some(start),
            kind: ReKind::Error,
        })
    }

    fn octal(&mut self, first: u32, start: usize) -> Result<char, ReError> {
        let mut value = first;
        let mut text = first.to_string();
        for _ in 0..2 {
            match self.peek().and_then(|c| c.to_digit(8).map(|d| (c, d))) {
                Some((c, d)) => {
                    value = value * 8 + d;
                    text.push(c);
                    self.i += 1;
                }
                None => break,
            }
        }
        if value > 0o377 {
            return err(
                format!("octal escape value \\{text} outside of range 0-0o377"),
                start,
            );
        }
        char::from_u32(value).ok_or_else(|| ReError {
            msg: "bad escape".into(),
            pos: Some(start),
            kind: ReKind::Error,
        })
    }

    /// A class escape (`\d` ...) as crate class syntax usable both alone
    /// and nested inside a class.
    fn class_escape(&self, c: char) -> Option<&'static str> {
        let ascii = self.ascii();
        Some(match (c, ascii) {
            ('d', false) => "\\d",
            ('D', false) => "\\D",
            // CPython's \w is str.isalnum() or `_`: letters and numbers,
            // not the marks the crate's \w also takes.
            ('w', false) => "[\\p{L}\\p{N}_]",
            ('W', false) => "[^\\p{L}\\p{N}_]",
            // CPython's str.isspace() also counts \x1c-\x1f.
            ('s', false) => "[\\s\\x1C-\\x1F]",
            ('S', false) => "[^\\s\\x1C-\\x1F]",
            ('d', true) => "[0-9]",
            ('D', true) => "[^0-9]",
            ('w', true) => "[0-9A-Za-z_]",
            ('W', true) => "[^0-9A-Za-z_]",
            ('s', true) => "[\\t\\n\\x0B\\x0C\\r ]",
            ('S', true) => "[^\\t\\n\\x0B\\x0C\\r ]",
            _ => return None,
        })
    }

    /// A single-character escape shared by classes and the main text.
    fn char_escape(&mut self, c: char, start: usize) -> Result<Option<char>, ReError> {
        Ok(Some(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'f' => '\x0c',
            'v' => '\x0b',
            'a' => '\x07',
            'x' => self.hex(2, start, 'x')?,
            'u' => self.hex(4, start, 'u')?,
            'U' => self.hex(8, start, 'U')?,
            'N' => return unsupported("named Unicode escapes (\\N{...}) are", start),
            '0' => self.octal(0, start)?,
            c if c.is_ascii_alphanumeric() => return Ok(None),
            c => c,
        }))
    }

    fn escape(&mut self, pos: usize) -> Result<(), ReError> {
        let Some(c) = self.peek() else {
            return err("bad escape (end of pattern)", pos);
        };
        self.i += 1;
        match c {
            'A' => {
                self.assertion_follows();
                self.out.push_str("\\A");
                self.last = Last::Assertion;
                return Ok(());
            }
            'Z' => {
                self.assertion_follows();
                self.out.push_str("\\z");
                self.last = Last::Assertion;
                return Ok(());
            }
            'b' | 'B' => {
                self.assertion_follows();
                if c == 'B' {
                    self.info.has_nonboundary = true;
                }
                self.out.push_str(match (c, self.ascii()) {
                    _ if c == 'B' && self.dollar == Dollar::Empty => "[a&&b]",
                    ('b', false) => "\\b",
                    ('B', false) => "\\B",
                    ('b', true) => "(?-u:\\b)",
                    _ => "(?-u:\\B)",
                });
                self.last = Last::Assertion;
                return Ok(());
            }
            '1'..='9' => {
                let d1 = self.p.get(self.i).copied();
                let d2 = self.p.get(self.i + 1).copied();
                let oct = |x: Option<char>| x.is_some_and(|x| ('0'..='7').contains(&x));
                if ('0'..='7').contains(&c) && oct(d1) && oct(d2) {
                    let ch = self.octal(c.to_digit(8).unwrap_or(0), pos)?;
                    self.atom_follows();
                    self.lit(ch);
                    self.last = Last::Atom;
                    return Ok(());
                }
                let mut n = c.to_digit(10).unwrap_or(0) as usize;
                if let Some(d) = d1.and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                }
                // CPython's checks come first; a valid one is unsupported.
                if n > self.info.groups {
                    return err(format!("invalid group reference {n}"), pos + 1);
                }
                if self.stack.iter().any(|o| o.capture == n) {
                    return err("cannot refer to an open group", pos);
                }
                return unsupported("backreferences (\\1) are", pos);
            }
            _ => {}
        }
        self.atom_follows();
        if let Some(class) = self.class_escape(c) {
            self.out.push_str(class);
        } else {
            match self.char_escape(c, pos)? {
                Some(ch) => self.lit(ch),
                None => return err(format!("bad escape \\{c}"), pos),
            }
        }
        self.last = Last::Atom;
        Ok(())
    }

    fn class(&mut self, open: usize) -> Result<(), ReError> {
        let mut body = String::new();
        let mut negate = false;
        if self.peek() == Some('^') {
            negate = true;
            self.i += 1;
        }
        let first = self.i;
        // Items are (code point or None for a class escape, text).
        loop {
            let Some(c) = self.peek() else {
                return err("unterminated character set", open);
            };
            let item_pos = self.i;
            self.i += 1;
            if c == ']' && item_pos != first {
                break;
            }
            let (lo, text) = self.class_item(c, item_pos)?;
            // A range `a-b` unless `-` is last.
            if self.peek() == Some('-') && self.p.get(self.i + 1).is_some_and(|&n| n != ']') {
                self.i += 1;
                let hi_pos = self.i;
                let Some(h) = self.peek() else {
                    return err("unterminated character set", open);
                };
                self.i += 1;
                let (hi, hi_text) = self.class_item(h, hi_pos)?;
                let range_text: String = self.p[item_pos..self.i].iter().collect();
                let (Some(lo), Some(hi)) = (lo, hi) else {
                    return err(format!("bad character range {range_text}"), item_pos);
                };
                if hi < lo {
                    return err(format!("bad character range {range_text}"), item_pos);
                }
                body.push_str(&text);
                body.push('-');
                body.push_str(&hi_text);
                if self.ascii_fold() {
                    fold_range(&mut body, lo, hi);
                }
            } else {
                body.push_str(&text);
                if let (Some(c), true) = (lo, self.ascii_fold()) {
                    fold_range(&mut body, c, c);
                }
            }
        }
        self.out.push('[');
        if negate {
            self.out.push('^');
        }
        self.out.push_str(&body);
        self.out.push(']');
        Ok(())
    }

    fn class_item(&mut self, c: char, pos: usize) -> Result<(Option<char>, String), ReError> {
        let mut text = String::new();
        if c != '\\' {
            push_lit(&mut text, c);
            return Ok((Some(c), text));
        }
        let Some(e) = self.peek() else {
            return err("unterminated character set", pos);
        };
        self.i += 1;
        if let Some(class) = self.class_escape(e) {
            return Ok((None, class.to_string()));
        }
        let ch = match e {
            'b' => '\x08',
            '1'..='7' => self.octal(e.to_digit(8).unwrap_or(0), pos)?,
            _ => match self.char_escape(e, pos)? {
                Some(ch) => ch,
                None => return err(format!("bad escape \\{e}"), pos),
            },
        };
        push_lit(&mut text, ch);
        Ok((Some(ch), text))
    }
}

/// Python's `str.isidentifier()` for group names, close enough: a letter
/// or `_` first, then letters, digits or `_`.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(p: &str) -> String {
        translate(p, 0, Dollar::End)
            .map(|t| t.0)
            .unwrap_or_else(|e| format!("ERR {} {:?}", e.msg, e.pos))
    }

    #[test]
    fn translates_common_constructs() {
        assert_eq!(tr(r"^a.b$"), r"\Aa[^\n]b\z");
        assert_eq!(tr(r"(?P<id>\d+)/x{2,}"), r"(\d+)\x{2F}x{2,}");
        assert_eq!(tr(r"[]a-]"), r"[\x{5D}a\x{2D}]");
        assert_eq!(tr("a{,3}b{"), r"a{0,3}b\x{7B}");
    }

    #[test]
    fn reports_cpython_errors_and_unsupported_features() {
        assert_eq!(tr("(a"), "ERR missing ), unterminated subpattern Some(0)");
        assert_eq!(tr("a**"), "ERR multiple repeat Some(2)");
        assert!(tr("(?=a)").contains("look-around"));
        assert!(tr(r"(a)\1").contains("backreferences"));
    }
}
