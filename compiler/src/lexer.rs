//! The lexer: drives the `logos` token set over the source and adds
//! Python's layout rules — NEWLINE at the end of logical lines, INDENT and
//! DEDENT from leading whitespace, implicit line joining inside brackets.
//! Literals are decoded here, except f-string bodies (the parser owns them).

use logos::Logos;

use crate::error::{RawError, RawResult};
use crate::literal;
use crate::token::{keyword, operator, RawLexError, RawTok, StrKind, StrToken, Tok, Token};

/// Deepest indentation the lexer accepts (CPython's tokenizer limit).
const MAX_INDENT_LEVELS: usize = 100;
/// Deepest bracket nesting the lexer accepts (CPython's tokenizer limit).
const MAX_BRACKET_DEPTH: usize = 200;

/// Maps byte offsets to 1-based line and column (columns count chars).
pub struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
    /// The last position computed: (byte offset, line start, column), so
    /// tokens met in order cost O(token) instead of O(line).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(source: &'a str) -> Self {
        let mut starts = vec![0];
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex {
            source,
            starts,
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }

    pub fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let end = offset.min(self.source.len());
        let (last_offset, last_start, last_col) = self.last.get();
        let (from, base) = if last_start == start && last_offset <= end {
            (last_offset, last_col)
        } else {
            (start, 0)
        };
        let col = base
            + self
                .source
                .get(from..end)
                .map_or(end.saturating_sub(from), |t| t.chars().count());
        self.last.set((end, start, col));
        (line as u32, col as u32 + 1)
    }

    /// Lines as CPython counts them (a final newline starts no new line).
    pub fn line_count(&self) -> u32 {
        let n = self.starts.len() as u32;
        if self.source.ends_with('\n') {
            n.saturating_sub(1).max(1)
        } else {
            n
        }
    }
}

/// Tokenize a whole module.
pub fn tokenize(source: &str) -> RawResult<Vec<Token>> {
    match tokenize_lenient(source)? {
        (_, Some(unclosed)) => Err(unclosed),
        (tokens, None) => Ok(tokens),
    }
}

/// Tokenize a whole module; a bracket left open at the end of the file is
/// returned beside the tokens, so a parse error earlier in the file can be
/// reported first (as CPython does).
pub fn tokenize_lenient(source: &str) -> RawResult<(Vec<Token>, Option<RawError>)> {
    Layout::new(source).run()
}

/// Tokenize the text of an f-string replacement field; every token gets
/// the position `(line, col)` of the f-string itself.
pub fn tokenize_fragment(text: &str, line: u32, col: u32) -> RawResult<Vec<Token>> {
    let mut out = Vec::new();
    let mut lex = RawTok::lexer(text).spanned();
    for (result, span) in &mut lex {
        let raw = match result {
            Ok(RawTok::Comment) => {
                return Err(RawError::syntax(
                    "f-string expression part cannot include '#'",
                    line,
                    col,
                ))
            }
            Ok(RawTok::Newline) => continue,
            Ok(raw) => raw,
            Err(_) => return Err(RawError::syntax("f-string: invalid syntax", line, col)),
        };
        let slice = text.get(span.clone()).unwrap_or("");
        out.push(Token {
            tok: convert(raw, slice, span.start, line, col)?,
            line,
            col,
        });
    }
    out.push(Token {
        tok: Tok::Newline,
        line,
        col,
    });
    out.push(Token {
        tok: Tok::EndMarker,
        line,
        col,
    });
    Ok(out)
}

/// Turn one raw token into a processed token.
fn convert(raw: RawTok, slice: &str, offset: usize, line: u32, col: u32) -> RawResult<Tok> {
    Ok(match raw {
        RawTok::Name => match keyword(slice) {
            Some(k) => Tok::Kw(k),
            None => Tok::Name(slice.to_string()),
        },
        RawTok::DecInt => literal::parse_int(slice, 10, line, col)?,
        RawTok::HexInt => literal::parse_int(slice.get(2..).unwrap_or(""), 16, line, col)?,
        RawTok::OctInt => literal::parse_int(slice.get(2..).unwrap_or(""), 8, line, col)?,
        RawTok::BinInt => literal::parse_int(slice.get(2..).unwrap_or(""), 2, line, col)?,
        RawTok::Float => literal::parse_float(slice, line, col)?,
        RawTok::Imaginary => return Err(RawError::unsupported("complex literal", line, col)),
        RawTok::Str => Tok::Str(string_token(slice, offset)),
        RawTok::Op => match operator(slice) {
            Some("!") | None => return Err(RawError::syntax("invalid syntax", line, col)),
            Some(op) => Tok::Op(op),
        },
        RawTok::Comment | RawTok::Newline => Tok::Newline,
    })
}

/// Split a whole string literal into prefix flags and its body.
fn string_token(slice: &str, offset: usize) -> StrToken {
    let prefix_len = slice.find(['\'', '"']).unwrap_or(0);
    let prefix = slice.get(..prefix_len).unwrap_or("").to_ascii_lowercase();
    let rest = slice.get(prefix_len..).unwrap_or("");
    let quote_len = if rest.len() >= 6 && (rest.starts_with("'''") || rest.starts_with("\"\"\"")) {
        3
    } else {
        1
    };
    let body = rest
        .get(quote_len..rest.len().saturating_sub(quote_len))
        .unwrap_or("");
    let kind = if prefix.contains('b') {
        StrKind::Bytes
    } else if prefix.contains('f') {
        StrKind::FString
    } else {
        StrKind::Str
    };
    StrToken {
        kind,
        raw: prefix.contains('r'),
        body: body.to_string(),
        body_offset: offset + prefix_len + quote_len,
    }
}

/// The indentation pass over the raw token stream.
struct Layout<'a> {
    source: &'a str,
    index: LineIndex<'a>,
    tokens: Vec<Token>,
    indents: Vec<u32>,
    /// Open brackets: the char and where it was opened.
    brackets: Vec<(char, u32, u32)>,
    /// No token yet on the current logical line.
    at_line_start: bool,
}

impl<'a> Layout<'a> {
    fn new(source: &'a str) -> Self {
        Layout {
            source,
            index: LineIndex::new(source),
            tokens: Vec::new(),
            indents: vec![0],
            brackets: Vec::new(),
            at_line_start: true,
        }
    }

    fn run(mut self) -> RawResult<(Vec<Token>, Option<RawError>)> {
        let source = self.source;
        for (result, span) in RawTok::lexer(source).spanned() {
            let (line, col) = self.index.position(span.start);
            let raw = match result {
                Ok(raw) => raw,
                Err(err) => return Err(self.lex_error(err, span.start, line, col)),
            };
            match raw {
                RawTok::Comment => continue,
                RawTok::Newline => {
                    if self.brackets.is_empty() && !self.at_line_start {
                        self.tokens.push(Token {
                            tok: Tok::Newline,
                            line,
                            col,
                        });
                        self.at_line_start = true;
                    }
                    continue;
                }
                _ => {}
            }
            if self.at_line_start && self.brackets.is_empty() {
                self.indent_line(span.start, line)?;
            }
            self.at_line_start = false;
            let slice = source.get(span.clone()).unwrap_or("");
            let tok = convert(raw, slice, span.start, line, col)?;
            if let Tok::Op(op) = tok {
                self.track_bracket(op, line, col)?;
            }
            self.tokens.push(Token { tok, line, col });
        }
        let (line, col) = self.index.position(source.len());
        let unclosed = self
            .brackets
            .last()
            .map(|&(open, l, c)| RawError::syntax(format!("'{open}' was never closed"), l, c));
        if !self.at_line_start || unclosed.is_some() {
            self.tokens.push(Token {
                tok: Tok::Newline,
                line,
                col,
            });
        }
        let end_line = if col == 1 { line } else { line + 1 };
        while self.indents.len() > 1 {
            self.indents.pop();
            self.tokens.push(Token {
                tok: Tok::Dedent,
                line: end_line,
                col: 1,
            });
        }
        self.tokens.push(Token {
            tok: Tok::EndMarker,
            line: end_line,
            col: 1,
        });
        Ok((self.tokens, unclosed))
    }

    fn lex_error(&self, err: RawLexError, offset: usize, line: u32, col: u32) -> RawError {
        match err {
            RawLexError::UnterminatedString => RawError::syntax(
                format!("unterminated string literal (detected at line {line})"),
                line,
                col,
            ),
            RawLexError::UnterminatedTripleString => RawError::syntax(
                format!(
                    "unterminated triple-quoted string literal (detected at line {})",
                    self.index.line_count()
                ),
                line,
                col,
            ),
            RawLexError::InvalidCharacter => {
                let ch = self
                    .source
                    .get(offset..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or(' ');
                if ch == '\\' {
                    RawError::syntax(
                        "unexpected character after line continuation character",
                        line,
                        col,
                    )
                } else if ch.is_ascii() {
                    RawError::syntax("invalid syntax", line, col)
                } else {
                    RawError::syntax(
                        format!("invalid character '{ch}' (U+{:04X})", ch as u32),
                        line,
                        col,
                    )
                }
            }
        }
    }

    /// Emit INDENT/DEDENT for the first token of a logical line at `offset`.
    fn indent_line(&mut self, offset: usize, line: u32) -> RawResult<()> {
        let line_start = self
            .source
            .get(..offset)
            .and_then(|s| s.rfind(['\n', '\r']))
            .map_or(0, |i| i + 1);
        let mut width: u32 = 0;
        for ch in self.source.get(line_start..offset).unwrap_or("").chars() {
            match ch {
                '\t' => width = (width / 8 + 1) * 8,
                '\x0c' => width = 0,
                _ => width += 1,
            }
        }
        let current = self.indents.last().copied().unwrap_or(0);
        if width > current {
            if self.indents.len() >= MAX_INDENT_LEVELS {
                return Err(RawError::indentation(
                    "too many levels of indentation",
                    line,
                    width + 1,
                ));
            }
            self.indents.push(width);
            self.tokens.push(Token {
                tok: Tok::Indent,
                line,
                col: width + 1,
            });
        } else if width < current {
            while self.indents.last().is_some_and(|w| *w > width) {
                self.indents.pop();
                self.tokens.push(Token {
                    tok: Tok::Dedent,
                    line,
                    col: width + 1,
                });
            }
            if self.indents.last().copied() != Some(width) {
                return Err(RawError::indentation(
                    "unindent does not match any outer indentation level",
                    line,
                    width + 1,
                ));
            }
        }
        Ok(())
    }

    fn track_bracket(&mut self, op: &str, line: u32, col: u32) -> RawResult<()> {
        match op {
            "(" | "[" | "{" => {
                if self.brackets.len() >= MAX_BRACKET_DEPTH {
                    return Err(RawError::syntax("too many nested parentheses", line, col));
                }
                let ch = op.chars().next().unwrap_or('(');
                self.brackets.push((ch, line, col));
            }
            ")" | "]" | "}" => {
                let close = op.chars().next().unwrap_or(')');
                let expected = match close {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match self.brackets.pop() {
                    None => {
                        return Err(RawError::syntax(format!("unmatched '{close}'"), line, col))
                    }
                    Some((open, open_line, _)) if open != expected => {
                        let msg = if open_line == line {
                            format!("closing parenthesis '{close}' does not match opening parenthesis '{open}'")
                        } else {
                            format!(
                                "closing parenthesis '{close}' does not match opening parenthesis '{open}' on line {open_line}"
                            )
                        };
                        return Err(RawError::syntax(msg, line, col));
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn indentation_and_newlines() {
        let toks = kinds("if x:\n    y = 1\n\n    # c\nz\n");
        assert_eq!(
            toks,
            vec![
                Tok::Kw("if"),
                Tok::Name("x".into()),
                Tok::Op(":"),
                Tok::Newline,
                Tok::Indent,
                Tok::Name("y".into()),
                Tok::Op("="),
                Tok::Int(1),
                Tok::Newline,
                Tok::Dedent,
                Tok::Name("z".into()),
                Tok::Newline,
                Tok::EndMarker
            ]
        );
    }

    #[test]
    fn brackets_join_lines() {
        let toks = kinds("x = (1,\n  2)\ny = 1 + \\\n 2\n");
        assert_eq!(toks.iter().filter(|t| **t == Tok::Newline).count(), 2);
        assert!(!toks.contains(&Tok::Indent));
    }

    #[test]
    fn strings_and_numbers() {
        let toks = kinds("rb'\\x' '''a'b''' 0x_ff 1.5e3 .5 1. ...");
        assert!(
            matches!(&toks[0], Tok::Str(s) if s.kind == StrKind::Bytes && s.raw && s.body == "\\x")
        );
        assert!(matches!(&toks[1], Tok::Str(s) if s.body == "a'b"));
        assert_eq!(toks[2], Tok::Int(255));
        assert_eq!(toks[3], Tok::Float(1500.0));
        assert_eq!(toks[4], Tok::Float(0.5));
        assert_eq!(toks[5], Tok::Float(1.0));
        assert_eq!(toks[6], Tok::Op("..."));
    }

    #[test]
    fn errors() {
        assert!(tokenize("x = 'abc\n")
            .unwrap_err()
            .message
            .starts_with("unterminated string literal"));
        assert!(tokenize("x = (1\n")
            .unwrap_err()
            .message
            .contains("was never closed"));
        assert_eq!(
            tokenize("if x:\n    a\n  b\n").unwrap_err().kind,
            crate::error::ErrorKind::Indentation
        );
        assert!(tokenize("x = 1j").is_err());
        assert_eq!(tokenize("x = )").unwrap_err().message, "unmatched ')'");
    }

    #[test]
    fn positions() {
        let toks = tokenize("a\n  é = 1\n").unwrap();
        let eq = toks.iter().find(|t| t.tok == Tok::Op("=")).unwrap();
        assert_eq!((eq.line, eq.col), (2, 5));
    }
}
