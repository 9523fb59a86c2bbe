//! The route table: `@route` patterns with Flask's converters (`<name>`,
//! `<int:name>`, `<float:name>`, `<path:name>`), matched against a decoded
//! request path. Literal segments beat converters, converters beat plain
//! strings, and `path` loses to everything; a path that matches only under
//! other methods is a 405 with the allowed set. Pure data, no I/O.

use rustc_hash::FxHashMap as HashMap;

use thiserror::Error;

/// Index of a route in its table, stable for the table's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteId(pub usize);

/// A converted path parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Str(String),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Error, PartialEq)]
pub enum RouteError {
    #[error("route pattern {pattern:?} must start with '/'")]
    NoLeadingSlash { pattern: String },
    #[error("route pattern {pattern:?}: unterminated '<'")]
    Unterminated { pattern: String },
    #[error("route pattern {pattern:?}: unknown converter {converter:?}")]
    UnknownConverter { pattern: String, converter: String },
    #[error("route pattern {pattern:?}: bad parameter name {name:?}")]
    BadName { pattern: String, name: String },
    #[error("route pattern {pattern:?}: a parameter must fill a whole segment")]
    PartialSegment { pattern: String },
    #[error("route pattern {pattern:?}: parameter {name:?} appears twice")]
    DuplicateName { pattern: String, name: String },
    #[error("route {pattern:?} with method {method} is defined twice")]
    Duplicate { pattern: String, method: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Converter {
    Int,
    Float,
    Str,
    Path,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param { name: String, converter: Converter },
}

impl Segment {
    /// Lower ranks win ties between patterns matching the same path.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Param {
                converter: Converter::Int | Converter::Float,
                ..
            } => 1,
            Segment::Param {
                converter: Converter::Str,
                ..
            } => 2,
            Segment::Param {
                converter: Converter::Path,
                ..
            } => 3,
        }
    }
}

#[derive(Debug, Clone)]
struct Route {
    pattern: String,
    segments: Vec<Segment>,
    methods: Vec<String>,
    ranks: Vec<u8>,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteMatch {
    Found {
        route: RouteId,
        params: Vec<(String, ParamValue)>,
    },
    /// The path exists but not for this method; `allow` is sorted and
    /// includes HEAD where GET is allowed, and OPTIONS.
    MethodNotAllowed {
        allow: Vec<String>,
    },
    NotFound,
}

/// An immutable set of routes, built once per script load.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
    /// Fully literal patterns, for a lookup without scanning.
    literal: HashMap<String, Vec<usize>>,
}

impl RouteTable {
    pub fn new() -> RouteTable {
        RouteTable::default()
    }

    /// Adds `pattern` for `methods` (upper-cased; empty means GET).
    pub fn add(&mut self, pattern: &str, methods: &[&str]) -> Result<RouteId, RouteError> {
        let segments = parse_pattern(pattern)?;
        let mut methods: Vec<String> = methods.iter().map(|m| m.to_ascii_uppercase()).collect();
        if methods.is_empty() {
            methods.push("GET".into());
        }
        methods.sort();
        methods.dedup();
        for existing in &self.routes {
            if existing.segments == segments {
                if let Some(m) = existing.methods.iter().find(|m| methods.contains(m)) {
                    return Err(RouteError::Duplicate {
                        pattern: pattern.into(),
                        method: m.clone(),
                    });
                }
            }
        }
        let id = self.routes.len();
        if segments.iter().all(|s| matches!(s, Segment::Literal(_))) {
            self.literal
                .entry(literal_key(&segments))
                .or_default()
                .push(id);
        }
        let ranks = segments.iter().map(Segment::rank).collect();
        self.routes.push(Route {
            pattern: pattern.into(),
            segments,
            methods,
            ranks,
        });
        Ok(RouteId(id))
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The pattern a route was declared with (metrics use it as a label).
    pub fn pattern(&self, id: RouteId) -> Option<&str> {
        self.routes.get(id.0).map(|r| r.pattern.as_str())
    }

    pub fn methods(&self, id: RouteId) -> Option<&[String]> {
        self.routes.get(id.0).map(|r| r.methods.as_slice())
    }

    /// Looks up a decoded path. HEAD falls back to GET routes.
    pub fn lookup(&self, method: &str, path: &str) -> RouteMatch {
        // The literal table's key: the segments joined by '/', which is
        // the path without its leading '/'.
        let literal = self.literal.get(path.strip_prefix('/').unwrap_or(path));
        // A literal pattern outranks every pattern with a parameter, so one
        // that takes this method is the answer without a scan.
        let direct = literal.and_then(|ids| {
            ids.iter()
                .copied()
                .find(|&id| self.routes[id].methods.iter().any(|m| m == method))
        });
        if let Some(id) = direct {
            return RouteMatch::Found {
                route: RouteId(id),
                params: Vec::new(),
            };
        }
        let parts: Vec<&str> = split_path(path);
        if let Some((id, params)) = self.first_param_match(method, &parts) {
            return RouteMatch::Found {
                route: RouteId(id),
                params,
            };
        }
        // Nothing with a parameter takes this method here: every candidate,
        // for the HEAD fallback, the 405's Allow list or the 404.
        let mut candidates: Vec<(usize, Vec<(String, ParamValue)>)> = Vec::new();
        if let Some(ids) = literal {
            candidates.extend(
                ids.iter()
                    .filter(|&&id| self.route_has_shape(id, &parts))
                    .map(|&id| (id, Vec::new())),
            );
        }
        for (id, route) in self.routes.iter().enumerate() {
            if route
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Literal(_)))
            {
                continue;
            }
            if let Some(params) = match_segments(&route.segments, &parts) {
                candidates.push((id, params));
            }
        }
        if candidates.is_empty() {
            return RouteMatch::NotFound;
        }
        candidates.sort_by(|a, b| {
            self.routes[a.0]
                .ranks
                .cmp(&self.routes[b.0].ranks)
                .then(a.0.cmp(&b.0))
        });
        let allows = |route: &Route, m: &str| route.methods.iter().any(|x| x == m);
        let chosen = candidates
            .iter()
            .position(|(id, _)| allows(&self.routes[*id], method))
            .or_else(|| {
                (method == "HEAD")
                    .then(|| {
                        candidates
                            .iter()
                            .position(|(id, _)| allows(&self.routes[*id], "GET"))
                    })
                    .flatten()
            });
        if let Some(index) = chosen {
            let (id, params) = candidates.swap_remove(index);
            return RouteMatch::Found {
                route: RouteId(id),
                params,
            };
        }
        let mut allow: Vec<String> = candidates
            .iter()
            .flat_map(|(id, _)| self.routes[*id].methods.clone())
            .collect();
        if allow.iter().any(|m| m == "GET") {
            allow.push("HEAD".into());
        }
        allow.push("OPTIONS".into());
        allow.sort();
        allow.dedup();
        RouteMatch::MethodNotAllowed { allow }
    }

    /// Every method the path accepts (for OPTIONS); empty when unknown.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        match self.lookup("\u{0}", path) {
            RouteMatch::MethodNotAllowed { allow } => allow,
            _ => Vec::new(),
        }
    }

    /// The route with a parameter that takes `method` and matches `parts`,
    /// first in the order `lookup` ranks candidates in (ranks, then
    /// declaration), with its parameters; a literal route that takes the
    /// method was already found directly. Costs no list of candidates.
    fn first_param_match(
        &self,
        method: &str,
        parts: &[&str],
    ) -> Option<(usize, Vec<(String, ParamValue)>)> {
        let mut best: Option<(usize, Vec<(String, ParamValue)>)> = None;
        for (id, route) in self.routes.iter().enumerate() {
            if route
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Literal(_)))
                || !route.methods.iter().any(|m| m == method)
            {
                continue;
            }
            if let Some((first, _)) = &best {
                if (&self.routes[*first].ranks, *first) <= (&route.ranks, id) {
                    continue;
                }
            }
            if let Some(params) = match_segments(&route.segments, parts) {
                best = Some((id, params));
            }
        }
        best
    }

    fn route_has_shape(&self, id: usize, parts: &[&str]) -> bool {
        self.routes.get(id).is_some_and(|r| {
            r.segments.len() == parts.len()
                && r.segments
                    .iter()
                    .zip(parts)
                    .all(|(s, p)| matches!(s, Segment::Literal(l) if l == p))
        })
    }
}

/// Splits on '/', keeping a trailing empty segment so "/a/" differs from "/a".
fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return vec![""];
    }
    // As `split('/')`, by bytes: a path has few, short segments, and the
    // general splitter's searcher costs more than the scan itself.
    let mut parts = Vec::with_capacity(4);
    let mut start = 0;
    for (at, byte) in trimmed.bytes().enumerate() {
        if byte == b'/' {
            parts.push(trimmed.get(start..at).unwrap_or(""));
            start = at + 1;
        }
    }
    parts.push(trimmed.get(start..).unwrap_or(""));
    parts
}

fn literal_key(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.as_str(),
            Segment::Param { .. } => "",
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, RouteError> {
    let Some(rest) = pattern.strip_prefix('/') else {
        return Err(RouteError::NoLeadingSlash {
            pattern: pattern.into(),
        });
    };
    let mut segments = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let raw_parts: Vec<&str> = if rest.is_empty() {
        vec![""]
    } else {
        rest.split('/').collect()
    };
    for part in raw_parts {
        if !part.contains('<') && !part.contains('>') {
            segments.push(Segment::Literal(part.into()));
            continue;
        }
        let inner = part
            .strip_prefix('<')
            .and_then(|p| p.strip_suffix('>'))
            .ok_or_else(|| {
                if part.starts_with('<') && !part.contains('>') {
                    RouteError::Unterminated {
                        pattern: pattern.into(),
                    }
                } else {
                    RouteError::PartialSegment {
                        pattern: pattern.into(),
                    }
                }
            })?;
        let (converter, name) = match inner.split_once(':') {
            None => (Converter::Str, inner),
            Some(("int", n)) => (Converter::Int, n),
            Some(("float", n)) => (Converter::Float, n),
            Some(("string", n)) => (Converter::Str, n),
            Some(("path", n)) => (Converter::Path, n),
            Some((other, _)) => {
                return Err(RouteError::UnknownConverter {
                    pattern: pattern.into(),
                    converter: other.into(),
                })
            }
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(RouteError::BadName {
                pattern: pattern.into(),
                name: name.into(),
            });
        }
        if names.iter().any(|n| n == name) {
            return Err(RouteError::DuplicateName {
                pattern: pattern.into(),
                name: name.into(),
            });
        }
        names.push(name.into());
        segments.push(Segment::Param {
            name: name.into(),
            converter,
        });
    }
    Ok(segments)
}

fn match_segments(segments: &[Segment], parts: &[&str]) -> Option<Vec<(String, ParamValue)>> {
    let mut params = Vec::new();
    match_from(segments, parts, &mut params).then_some(params)
}

fn match_from(
    segments: &[Segment],
    parts: &[&str],
    params: &mut Vec<(String, ParamValue)>,
) -> bool {
    let Some((first, rest_segments)) = segments.split_first() else {
        return parts.is_empty();
    };
    match first {
        Segment::Literal(lit) => match parts.split_first() {
            Some((part, rest)) if part == lit => match_from(rest_segments, rest, params),
            _ => false,
        },
        Segment::Param {
            name,
            converter: Converter::Path,
        } => {
            // Greedy but backtracking: take as many segments as still let the
            // rest of the pattern match; at least one non-empty character.
            let min_rest = rest_segments.len();
            if parts.len() < min_rest + 1 {
                return false;
            }
            for take in (1..=parts.len() - min_rest).rev() {
                let joined = parts[..take].join("/");
                if joined.is_empty() {
                    continue;
                }
                let mark = params.len();
                params.push((name.clone(), ParamValue::Str(joined)));
                if match_from(rest_segments, &parts[take..], params) {
                    return true;
                }
                params.truncate(mark);
            }
            false
        }
        Segment::Param { name, converter } => {
            let Some((part, rest)) = parts.split_first() else {
                return false;
            };
            let Some(value) = convert(*converter, part) else {
                return false;
            };
            params.push((name.clone(), value));
            if match_from(rest_segments, rest, params) {
                return true;
            }
            params.pop();
            false
        }
    }
}

fn convert(converter: Converter, part: &str) -> Option<ParamValue> {
    match converter {
        Converter::Str => (!part.is_empty()).then(|| ParamValue::Str(part.into())),
        // As Flask: digits only, so negative numbers do not match.
        Converter::Int => {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok().map(ParamValue::Int)
        }
        Converter::Float => {
            let (whole, frac) = part.split_once('.')?;
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || !digits(frac) {
                return None;
            }
            part.parse().ok().map(ParamValue::Float)
        }
        Converter::Path => Some(ParamValue::Str(part.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_as_on_every_slash() {
        for path in [
            "/",
            "",
            "/a",
            "a/b",
            "/a/",
            "//",
            "/a//b/",
            "/é/ü€/x",
            "/items/42",
        ] {
            let trimmed = path.strip_prefix('/').unwrap_or(path);
            let want: Vec<&str> = if trimmed.is_empty() {
                vec![""]
            } else {
                trimmed.split('/').collect()
            };
            assert_eq!(split_path(path), want, "{path:?}");
        }
    }

    fn table(routes: &[(&str, &[&str])]) -> RouteTable {
        let mut t = RouteTable::new();
        for (p, m) in routes {
            t.add(p, m).unwrap();
        }
        t
    }

    fn found(t: &RouteTable, method: &str, path: &str) -> (usize, Vec<(String, ParamValue)>) {
        match t.lookup(method, path) {
            RouteMatch::Found { route, params } => (route.0, params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    fn s(v: &str) -> ParamValue {
        ParamValue::Str(v.into())
    }

    #[test]
    fn root_and_literals() {
        let t = table(&[("/", &[]), ("/a/b", &[]), ("/a/", &[])]);
        assert_eq!(found(&t, "GET", "/").0, 0);
        assert_eq!(found(&t, "GET", "/a/b").0, 1);
        assert_eq!(found(&t, "GET", "/a/").0, 2);
        assert_eq!(t.lookup("GET", "/a"), RouteMatch::NotFound);
        assert_eq!(t.lookup("GET", "/a/b/c"), RouteMatch::NotFound);
    }

    #[test]
    fn converters() {
        let t = table(&[
            ("/i/<int:n>", &[]),
            ("/f/<float:x>", &[]),
            ("/s/<name>", &[]),
            ("/p/<path:rest>", &[]),
        ]);
        assert_eq!(
            found(&t, "GET", "/i/42").1,
            vec![("n".into(), ParamValue::Int(42))]
        );
        assert_eq!(
            found(&t, "GET", "/i/007").1,
            vec![("n".into(), ParamValue::Int(7))]
        );
        assert_eq!(t.lookup("GET", "/i/-3"), RouteMatch::NotFound);
        assert_eq!(t.lookup("GET", "/i/3.5"), RouteMatch::NotFound);
        assert_eq!(
            t.lookup("GET", "/i/99999999999999999999999"),
            RouteMatch::NotFound
        );
        assert_eq!(
            found(&t, "GET", "/f/2.5").1,
            vec![("x".into(), ParamValue::Float(2.5))]
        );
        assert_eq!(t.lookup("GET", "/f/2"), RouteMatch::NotFound);
        assert_eq!(t.lookup("GET", "/f/-2.5"), RouteMatch::NotFound);
        assert_eq!(t.lookup("GET", "/f/.5"), RouteMatch::NotFound);
        assert_eq!(
            found(&t, "GET", "/s/hello world").1,
            vec![("name".into(), s("hello world"))]
        );
        assert_eq!(t.lookup("GET", "/s/"), RouteMatch::NotFound);
        assert_eq!(t.lookup("GET", "/s/a/b"), RouteMatch::NotFound);
        assert_eq!(
            found(&t, "GET", "/p/a/b/c.txt").1,
            vec![("rest".into(), s("a/b/c.txt"))]
        );
        assert_eq!(found(&t, "GET", "/p/x").1, vec![("rest".into(), s("x"))]);
        assert_eq!(t.lookup("GET", "/p/"), RouteMatch::NotFound);
    }

    #[test]
    fn path_in_the_middle_backtracks() {
        let t = table(&[("/files/<path:p>/edit", &[])]);
        assert_eq!(
            found(&t, "GET", "/files/a/b/edit").1,
            vec![("p".into(), s("a/b"))]
        );
        assert_eq!(t.lookup("GET", "/files/edit"), RouteMatch::NotFound);
    }

    #[test]
    fn literal_beats_converters_and_int_beats_string() {
        let t = table(&[
            ("/u/<name>", &[]),
            ("/u/<int:id>", &[]),
            ("/u/me", &[]),
            ("/u/<path:p>", &[]),
        ]);
        assert_eq!(found(&t, "GET", "/u/me").0, 2);
        assert_eq!(found(&t, "GET", "/u/12").0, 1);
        assert_eq!(found(&t, "GET", "/u/bob").0, 0);
        assert_eq!(found(&t, "GET", "/u/a/b").0, 3);
        let t = table(&[("/<a>/x", &[]), ("/y/<b>", &[])]);
        assert_eq!(
            found(&t, "GET", "/y/x").0,
            1,
            "the earlier literal segment decides"
        );
    }

    #[test]
    fn methods_405_and_head() {
        let t = table(&[("/n/<int:id>", &["GET", "put"]), ("/post", &["POST"])]);
        assert_eq!(found(&t, "PUT", "/n/1").0, 0);
        assert_eq!(found(&t, "HEAD", "/n/1").0, 0);
        assert_eq!(
            t.lookup("DELETE", "/n/1"),
            RouteMatch::MethodNotAllowed {
                allow: vec!["GET".into(), "HEAD".into(), "OPTIONS".into(), "PUT".into()]
            }
        );
        assert_eq!(
            t.lookup("GET", "/post"),
            RouteMatch::MethodNotAllowed {
                allow: vec!["OPTIONS".into(), "POST".into()]
            }
        );
        assert_eq!(t.lookup("HEAD", "/post"), t.lookup("GET", "/post"));
        assert_eq!(
            t.allowed_methods("/post"),
            vec!["OPTIONS".to_string(), "POST".into()]
        );
        assert_eq!(t.allowed_methods("/nothing"), Vec::<String>::new());
    }

    #[test]
    fn method_split_across_patterns() {
        let t = table(&[("/x/<int:id>", &["GET"]), ("/x/<name>", &["POST"])]);
        assert_eq!(
            found(&t, "POST", "/x/5").0,
            1,
            "a less specific route that allows the method wins"
        );
        assert_eq!(found(&t, "GET", "/x/5").0, 0);
        assert!(matches!(
            t.lookup("GET", "/x/abc"),
            RouteMatch::MethodNotAllowed { .. }
        ));
    }

    #[test]
    fn bad_patterns() {
        let mut t = RouteTable::new();
        assert!(matches!(
            t.add("x", &[]),
            Err(RouteError::NoLeadingSlash { .. })
        ));
        assert!(matches!(
            t.add("/<int:x", &[]),
            Err(RouteError::Unterminated { .. })
        ));
        assert!(matches!(
            t.add("/<uuid:x>", &[]),
            Err(RouteError::UnknownConverter { .. })
        ));
        assert!(matches!(
            t.add("/<1x>", &[]),
            Err(RouteError::BadName { .. })
        ));
        assert!(matches!(
            t.add("/a<x>", &[]),
            Err(RouteError::PartialSegment { .. })
        ));
        assert!(matches!(
            t.add("/<x>/<int:x>", &[]),
            Err(RouteError::DuplicateName { .. })
        ));
        t.add("/d", &["GET"]).unwrap();
        assert!(matches!(
            t.add("/d", &["GET", "POST"]),
            Err(RouteError::Duplicate { .. })
        ));
        assert!(t.add("/d", &["POST"]).is_ok());
        assert_eq!(found(&t, "POST", "/d").0, 1);
    }

    #[test]
    fn pattern_and_methods_accessors() {
        let t = table(&[("/a/<int:b>", &["GET", "POST"])]);
        assert_eq!(t.pattern(RouteId(0)), Some("/a/<int:b>"));
        assert_eq!(t.methods(RouteId(0)).map(<[String]>::len), Some(2));
        assert_eq!(t.pattern(RouteId(9)), None);
    }
}
