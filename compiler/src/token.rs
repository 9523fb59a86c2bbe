//! Tokens: the raw `logos` token set and the processed tokens the parser
//! reads (with keywords, INDENT/DEDENT/NEWLINE and decoded literals).

use logos::Logos;

/// Why the raw lexer stopped on some text.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RawLexError {
    #[default]
    InvalidCharacter,
    UnterminatedString,
    UnterminatedTripleString,
}

/// One raw token as `logos` sees the text. Whitespace inside a line and
/// backslash continuations are skipped here; comments are kept so the
/// indentation pass can tell blank lines apart.
#[derive(Logos, Clone, Copy, Debug, PartialEq)]
#[logos(error = RawLexError)]
#[logos(skip r"[ \t\x0C]+")]
#[logos(skip r"\\\r?\n")]
pub enum RawTok {
    #[regex(r"#[^\r\n]*", allow_greedy = true)]
    Comment,
    #[regex(r"\r\n|\n|\r")]
    Newline,
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}]*", priority = 2)]
    Name,
    #[regex(r"[0-9](_?[0-9])*")]
    DecInt,
    #[regex(r"0[xX](_?[0-9a-fA-F])+")]
    HexInt,
    #[regex(r"0[oO](_?[0-7])+")]
    OctInt,
    #[regex(r"0[bB](_?[01])+")]
    BinInt,
    #[regex(r"[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*")]
    Float,
    #[regex(r"([0-9](_?[0-9])*|[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?|\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?|[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*)[jJ]")]
    Imaginary,
    /// An optional prefix and an opening quote; the callback scans to the
    /// closing quote so escapes and triple quotes are handled exactly.
    #[regex(r#"([rRuUfFbB]|[rR][bBfF]|[bBfF][rR])?['"]"#, scan_string)]
    Str,
    #[regex(r"\+|-|\*|/|//|%|\*\*|<<|>>|&|\||\^|~|<|>|<=|>=|==|!=|\(|\)|\[|\]|\{|\}|,|:|\.|;|@|=|->|\+=|-=|\*=|/=|//=|%=|\*\*=|>>=|<<=|&=|\|=|\^=|@=|:=|\.\.\.|!")]
    Op,
}

/// Scan a string literal's body after its opening quote.
fn scan_string(lex: &mut logos::Lexer<RawTok>) -> Result<(), RawLexError> {
    let quote = lex.slice().chars().last().unwrap_or('"');
    let rest = lex.remainder();
    let triple_open: String = [quote, quote].iter().collect();
    if rest.starts_with(&triple_open) {
        let close: String = [quote, quote, quote].iter().collect();
        let body = &rest[2..];
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '\\' {
                chars.next();
            } else if body[i..].starts_with(&close) {
                lex.bump(2 + i + 3);
                return Ok(());
            }
        }
        lex.bump(rest.len());
        Err(RawLexError::UnterminatedTripleString)
    } else {
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    // A backslash escapes the next char, including "\r\n".
                    if let Some((_, '\r')) = chars.next() {
                        if rest[i + 2..].starts_with('\n') {
                            chars.next();
                        }
                    }
                }
                '\n' | '\r' => {
                    lex.bump(i);
                    return Err(RawLexError::UnterminatedString);
                }
                c if c == quote => {
                    lex.bump(i + 1);
                    return Ok(());
                }
                _ => {}
            }
        }
        lex.bump(rest.len());
        Err(RawLexError::UnterminatedString)
    }
}

/// What kind of string a literal makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrKind {
    Str,
    Bytes,
    FString,
}

/// A string literal token, before decoding (f-strings need their raw body).
#[derive(Clone, Debug, PartialEq)]
pub struct StrToken {
    pub kind: StrKind,
    pub raw: bool,
    /// The text between the quotes, undecoded.
    pub body: String,
    /// Byte offset of the body in the source (for f-string positions).
    pub body_offset: usize,
}

/// A processed token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    /// A keyword (`if`, `def`, `None`, ...).
    Kw(&'static str),
    /// An operator or delimiter.
    Op(&'static str),
    Int(i64),
    /// An int literal too big for i64, as decimal digits.
    BigInt(String),
    Float(f64),
    Str(StrToken),
    Newline,
    Indent,
    Dedent,
    EndMarker,
}

/// A processed token and where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
}

pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "~", "<", ">", "<=", ">=",
    "==", "!=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "@", "=", "->", "+=", "-=", "*=",
    "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "|=", "^=", "@=", ":=", "...", "!",
];

/// The static keyword for `name`, if it is one.
pub fn keyword(name: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| *k == name)
}

/// The static operator spelled `text`, if it is one.
pub fn operator(text: &str) -> Option<&'static str> {
    OPERATORS.iter().copied().find(|o| *o == text)
}
