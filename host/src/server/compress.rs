//! Content negotiation and gzip for dynamic responses: parsing
//! `Accept-Encoding` (with q-values), deciding which media types are worth
//! compressing, and compressing with `flate2`.

use std::io::Write as _;

use flate2::write::GzEncoder;
use flate2::Compression;

/// True when `accept_encoding` allows `coding` (q > 0, directly or via `*`).
pub fn accepts(accept_encoding: Option<&str>, coding: &str) -> bool {
    let Some(header) = accept_encoding else {
        return false;
    };
    let mut wildcard = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q > 0.0;
        }
        if name == "*" {
            wildcard = Some(q > 0.0);
        }
    }
    wildcard.unwrap_or(false)
}

/// Media types whose bodies usually shrink under gzip.
pub fn is_compressible(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || matches!(
            media.as_str(),
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/xhtml+xml"
                | "application/rss+xml"
                | "application/atom+xml"
                | "application/ld+json"
                | "application/manifest+json"
                | "image/svg+xml"
        )
}

/// Gzips `data` at a level that favours speed (responses are compressed on
/// the request path).
pub fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 4 + 64), Compression::new(4));
    encoder.write_all(data)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts(Some("gzip, deflate, br"), "gzip"));
        assert!(accepts(Some("br;q=1.0, GZIP;q=0.5"), "gzip"));
        assert!(!accepts(Some("gzip;q=0"), "gzip"));
        assert!(!accepts(Some("identity"), "gzip"));
        assert!(accepts(Some("*"), "br"));
        assert!(!accepts(Some("*;q=0, identity"), "gzip"));
        assert!(!accepts(None, "gzip"));
    }

    #[test]
    fn compressible_types() {
        assert!(is_compressible("text/html; charset=utf-8"));
        assert!(is_compressible("application/json"));
        assert!(!is_compressible("image/png"));
        assert!(!is_compressible("application/octet-stream"));
    }

    #[test]
    fn gzip_round_trips() {
        let data = b"hello hello hello hello hello".repeat(100);
        let packed = gzip(&data).unwrap();
        assert!(packed.len() < data.len() / 10);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }
}
