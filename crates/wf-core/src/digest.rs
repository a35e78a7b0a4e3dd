//! Content digests: sha256 of artifacts and of whole revisions.

use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Whether a string is a lowercase hex sha256 (64 digits).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// An incremental sha256, for content that is streamed rather than held.
#[derive(Default, Clone)]
pub struct Hasher(Sha256);

impl Hasher {
    /// Feed bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The lowercase hex digest.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// The digest of a revision: sha256 of its manifest, which is exactly what `sha256sum` prints
/// for the artifacts sorted by name (`<sha256>  <name>\n` per artifact). Anyone can recompute it
/// with coreutils: `(cd tasks/ID/out && sha256sum $(ls) | sha256sum)` (with `LC_ALL=C` sorting).
pub fn revision_digest<'a>(artifacts: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut rows: Vec<(&str, &str)> = artifacts.into_iter().collect();
    rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut manifest = String::new();
    for (name, sha) in rows {
        manifest.push_str(sha);
        manifest.push_str("  ");
        manifest.push_str(name);
        manifest.push('\n');
    }
    format!("sha256:{}", sha256_hex(manifest.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_is_the_known_value() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn revision_digest_ignores_input_order() {
        let a = revision_digest([("b.md", "22"), ("a.md", "11")]);
        let b = revision_digest([("a.md", "11"), ("b.md", "22")]);
        assert_eq!(a, b);
        assert_eq!(a, format!("sha256:{}", sha256_hex(b"11  a.md\n22  b.md\n")));
    }
}
