//! SSH commit signing and checking.
//!
//! Keys are named the ways git names `user.signingkey`: a path to a private key, a path to a
//! public key whose private half is in `ssh-agent`, or a literal `key::ssh-ed25519 AAAA...`.
//! Unencrypted ed25519 private keys sign in process; everything else falls back to
//! `ssh-keygen -Y sign`, as git does. Signatures are SSHSIG armored in the `git` namespace, so
//! `git verify-commit` accepts them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};
use thiserror::Error;

/// The namespace git signs commits in.
pub const NAMESPACE: &str = "git";

/// Why a key could not be loaded or could not sign.
#[derive(Debug, Error)]
pub enum SignError {
    /// No key named anywhere.
    #[error("no signing key: pass --key PATH, set WF_SIGNING_KEY, or set git's user.signingkey")]
    NoKey,
    /// The key file cannot be read.
    #[error("cannot read key {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not an OpenSSH key.
    #[error("{0} is not an OpenSSH private or public key")]
    NotAKey(String),
    /// `ssh-keygen` failed or is missing.
    #[error("ssh-keygen -Y sign failed: {0}")]
    Keygen(String),
    /// In-process signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Where the signing key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A file: private key, or public key with the private half in an agent.
    Path(PathBuf),
    /// A literal public key (`key::ssh-ed25519 AAAA...`); the private half is in an agent.
    Literal(String),
}

impl KeySource {
    /// Interpret a `user.signingkey`-style value: `key::LITERAL`, a bare `ssh-...` literal, or a
    /// path (a leading `~/` is the home directory).
    pub fn parse(value: &str) -> KeySource {
        let v = value.trim();
        if let Some(lit) = v.strip_prefix("key::") {
            return KeySource::Literal(lit.to_string());
        }
        if v.starts_with("ssh-") || v.starts_with("ecdsa-") || v.starts_with("sk-") {
            return KeySource::Literal(v.to_string());
        }
        if let Some(rest) = v.strip_prefix("~/") {
            if let Some(home) = std::env::var_os("HOME") {
                return KeySource::Path(Path::new(&home).join(rest));
            }
        }
        KeySource::Path(PathBuf::from(v))
    }
}

/// Something that signs commit buffers as one actor's key.
pub trait Signer {
    /// The public key, OpenSSH one-line form.
    fn public_key(&self) -> &str;
    /// An armored SSHSIG signature of `data` in the `git` namespace.
    fn sign(&self, data: &[u8]) -> Result<String, SignError>;
    /// Whether signing happens in this process, in a moment and without asking anyone (no
    /// ssh-agent confirmation, no passphrase prompt), so a writer may sign while it holds the
    /// writer lock.
    fn in_process(&self) -> bool {
        false
    }
    /// The raw signature of `data` itself (64 bytes for ed25519), as DSSE envelopes carry it
    /// (`wf-attest`). Only an unencrypted ed25519 key file signs this way.
    fn sign_raw(&self, _data: &[u8]) -> Result<Vec<u8>, SignError> {
        Err(SignError::Sign(format!(
            "{} cannot sign attestations: they need an unencrypted ed25519 private key file",
            fingerprint(self.public_key()).unwrap_or_else(|| "this key".into())
        )))
    }
}

/// Signs in process with an unencrypted ed25519 key.
pub struct InProcess {
    key: PrivateKey,
    public: String,
}

/// Signs by running `ssh-keygen -Y sign` (agent-held, passphrase-protected or other keys).
pub struct SshKeygen {
    file: PathBuf,
    public: String,
    _temp: Option<tempfile::NamedTempFile>,
}

impl Signer for InProcess {
    fn public_key(&self) -> &str {
        &self.public
    }
    fn in_process(&self) -> bool {
        true
    }
    fn sign_raw(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig: ssh_key::Signature = signature::Signer::try_sign(&self.key, data)
            .map_err(|e| SignError::Sign(e.to_string()))?;
        Ok(sig.as_bytes().to_vec())
    }
    fn sign(&self, data: &[u8]) -> Result<String, SignError> {
        let sig = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, data)
            .map_err(|e| SignError::Sign(e.to_string()))?;
        sig.to_pem(LineEnding::LF)
            .map_err(|e| SignError::Sign(e.to_string()))
    }
}

impl Signer for SshKeygen {
    fn public_key(&self) -> &str {
        &self.public
    }
    fn sign(&self, data: &[u8]) -> Result<String, SignError> {
        let mut cmd = Command::new("ssh-keygen");
        cmd.args(["-Y", "sign", "-n", NAMESPACE, "-f"])
            .arg(&self.file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| SignError::Keygen(format!("cannot run ssh-keygen: {e}")))?;
        let mut stdin = child.stdin.take().expect("piped");
        let data = data.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&data));
        let out = child
            .wait_with_output()
            .map_err(|e| SignError::Keygen(e.to_string()))?;
        let _ = writer.join();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() || !text.contains("BEGIN SSH SIGNATURE") {
            let err = String::from_utf8_lossy(&out.stderr);
            let err = err
                .lines()
                .map(|l| l.trim_start_matches("Enter passphrase:").trim())
                .filter(|l| !l.is_empty() && !l.starts_with("Signing data on standard input"))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(SignError::Keygen(if err.is_empty() {
                format!("exit status {}", out.status)
            } else {
                err
            }));
        }
        Ok(text)
    }
}

/// Load a signer for a key source: in process when possible, else `ssh-keygen`.
pub fn load(source: &KeySource) -> Result<Box<dyn Signer>, SignError> {
    match source {
        KeySource::Literal(lit) => {
            let public = PublicKey::from_openssh(lit)
                .map_err(|_| SignError::NotAKey(format!("literal key {lit:?}")))?;
            let line = public_line(&public);
            let mut temp = tempfile::NamedTempFile::new().map_err(|e| SignError::Read {
                path: std::env::temp_dir(),
                source: e,
            })?;
            writeln!(temp, "{line}").map_err(|e| SignError::Read {
                path: temp.path().to_path_buf(),
                source: e,
            })?;
            Ok(Box::new(SshKeygen {
                file: temp.path().to_path_buf(),
                public: line,
                _temp: Some(temp),
            }))
        }
        KeySource::Path(path) => {
            let bytes = std::fs::read(path).map_err(|e| SignError::Read {
                path: path.clone(),
                source: e,
            })?;
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(key) = PrivateKey::from_openssh(text.as_bytes()) {
                let public = public_line(key.public_key());
                if !key.is_encrypted() && key.algorithm() == ssh_key::Algorithm::Ed25519 {
                    return Ok(Box::new(InProcess { key, public }));
                }
                return Ok(Box::new(SshKeygen {
                    file: path.clone(),
                    public,
                    _temp: None,
                }));
            }
            if let Ok(public) = PublicKey::from_openssh(text.trim()) {
                return Ok(Box::new(SshKeygen {
                    file: path.clone(),
                    public: public_line(&public),
                    _temp: None,
                }));
            }
            Err(SignError::NotAKey(path.display().to_string()))
        }
    }
}

/// `algorithm base64` of a public key, without comment.
pub fn public_line(key: &PublicKey) -> String {
    let mut k = key.clone();
    k.set_comment("");
    k.to_openssh()
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The SHA256 fingerprint of a public key line, as `ssh-keygen -l` prints it.
pub fn fingerprint(line: &str) -> Option<String> {
    PublicKey::from_openssh(line)
        .ok()
        .map(|k| k.fingerprint(HashAlg::Sha256).to_string())
}

/// Check a raw ed25519 signature (DSSE's) of `data` by the public key `line` (OpenSSH form).
pub fn verify_raw(line: &str, data: &[u8], sig: &[u8]) -> Result<(), String> {
    let public = PublicKey::from_openssh(line.trim())
        .map_err(|e| format!("not an OpenSSH public key: {e}"))?;
    if public.algorithm() != ssh_key::Algorithm::Ed25519 {
        return Err(format!(
            "{} is not an ed25519 key",
            public.algorithm().as_str()
        ));
    }
    let sig = ssh_key::Signature::new(ssh_key::Algorithm::Ed25519, sig.to_vec())
        .map_err(|_| format!("an ed25519 signature is 64 bytes, not {}", sig.len()))?;
    signature::Verifier::verify(&public, data, &sig)
        .map_err(|_| "the signature does not verify".to_string())
}

/// What the signature on a commit says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigStatus {
    /// No signature header.
    Unsigned,
    /// A valid SSHSIG over the commit by this key (`algorithm base64`).
    Good(String),
    /// A signature that does not verify, with why.
    Bad(String),
}

impl SigStatus {
    /// `good`, `bad`, `unsigned`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SigStatus::Unsigned => "unsigned",
            SigStatus::Good(_) => "good",
            SigStatus::Bad(_) => "bad",
        }
    }
}

/// Check an armored signature over `data` in process: returns the signing key if it verifies.
pub fn verify(armored: &str, data: &[u8]) -> SigStatus {
    let armored = armored.trim();
    let sig = match from_plain_armor(armored).map_or_else(|| SshSig::from_pem(armored), Ok) {
        Ok(s) => s,
        Err(e) => return SigStatus::Bad(format!("unparseable signature: {e}")),
    };
    if sig.namespace() != NAMESPACE {
        return SigStatus::Bad(format!(
            "signature namespace is {:?}, not git",
            sig.namespace()
        ));
    }
    let checked = match sig.public_key() {
        ssh_key::public::KeyData::Ed25519(key) if sig.reserved().is_empty() => {
            verify_ed25519(key, &sig, data)
        }
        _ => {
            let public = PublicKey::from(sig.public_key().clone());
            public
                .verify(NAMESPACE, data, &sig)
                .map(|()| public_line(&public))
                .map_err(|e| e.to_string())
        }
    };
    match checked {
        Ok(line) => SigStatus::Good(line),
        Err(e) => SigStatus::Bad(format!("signature does not verify: {e}")),
    }
}

/// The armor ssh-keygen (and [`sign`]) writes around an SSHSIG.
const ARMOR_BEGIN: &str = "-----BEGIN SSH SIGNATURE-----\n";
const ARMOR_END: &str = "\n-----END SSH SIGNATURE-----";
/// The width of its lines of base64.
const ARMOR_WIDTH: usize = 70;

/// [`SshSig::from_pem`] of an armor exactly as ssh-keygen writes it (the two marker lines, and
/// between them lines of 70 base64 characters, the last one at most 70, each ending in `\n`),
/// decoded in one piece; `None` for anything else, which is left to `from_pem`. ssh-key's PEM
/// reader decoded each field through a line-wrapping base64 reader: about 3% of the verifier's
/// time. Where this returns a signature, `from_pem` returns the same one (a property test,
/// `the_armor_read_at_once_is_what_from_pem_reads`).
fn from_plain_armor(armored: &str) -> Option<SshSig> {
    use ssh_encoding::{Decode, Reader};
    let body = armored.strip_prefix(ARMOR_BEGIN)?.strip_suffix(ARMOR_END)?;
    let mut base64 = String::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if line.is_empty() || line.len() > ARMOR_WIDTH || (!last && line.len() != ARMOR_WIDTH) {
            return None;
        }
        base64.push_str(line);
    }
    let bytes = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&base64).ok()?;
    let mut reader = bytes.as_slice();
    let sig = SshSig::decode(&mut reader).ok()?;
    reader.is_finished().then_some(sig)
}

/// How many decoded ed25519 keys each thread keeps.
const KEY_CACHE_LIMIT: usize = 64;

/// After how many signatures a thread checked with a key it makes the key's table
/// ([`KeptKey::table`]): making one costs about ten checks (0.25 ms here), and a push of a few
/// dozen commits by a few people never makes one.
const TABLE_AFTER: u32 = 32;

/// How many keys' tables a thread keeps at most (220 KiB each): a store has few signers, and a
/// history made to have many costs at most this much.
const MAX_TABLES: usize = 8;

/// The bits of a scalar each row of [`Multiples`] takes.
const WINDOW_BITS: usize = 6;
/// Rows of [`Multiples`]: enough for any 256-bit scalar (the top digit, from bits 252 to 255
/// and a carry, is at most 16).
const ROWS: usize = 256usize.div_ceil(WINDOW_BITS);
/// Multiples a row holds: `1..=HALF` times its power of 64 (signed digits reach `HALF`).
const HALF: usize = 1 << (WINDOW_BITS - 1);
// The top digit of any 256-bit value (its bits past the last full window, and a carry) is
// within its row: no digit indexes past a row, whatever the bytes.
const _: () = assert!((1 << (256 - (ROWS - 1) * WINDOW_BITS)) <= HALF);

/// Multiples of a point for multiplying it by any scalar without doublings: row `i` holds
/// `j · 64^i · P` for `j` in `1..=32`, so `[k]P` is the sum of one entry (or its negation) a
/// row, taken by `k`'s signed base-64 digits. Entries are read by index, in variable time:
/// only public values are multiplied here (a signature's `s`, the hash `k`, a public key), as
/// in ed25519-dalek's own `verify`. 43 rows of 32 points, 220 KiB; a check adds 86 of them,
/// where curve25519-dalek's constant-time base point tables (radix 16) add 128 and select each
/// one from eight by masking all eight: about 45% less time for the two multiplications in a
/// loop (an AMD EPYC host, 2026-12-02).
struct Multiples(Box<[[curve25519_dalek::EdwardsPoint; HALF]]>);

impl Multiples {
    fn of(p: &curve25519_dalek::EdwardsPoint) -> Multiples {
        let mut rows = Vec::with_capacity(ROWS);
        let mut base = *p;
        for _ in 0..ROWS {
            let mut row = [base; HALF];
            for j in 1..HALF {
                row[j] = row[j - 1] + base;
            }
            // 64 times this row's power: twice its last entry (32 times it).
            base = row[HALF - 1] + row[HALF - 1];
            rows.push(row);
        }
        Multiples(rows.into_boxed_slice())
    }

    /// `r + [k]P`.
    fn add_to(
        &self,
        mut r: curve25519_dalek::EdwardsPoint,
        k: &curve25519_dalek::Scalar,
    ) -> curve25519_dalek::EdwardsPoint {
        for (row, d) in self.0.iter().zip(signed_digits(k.as_bytes())) {
            match d.cmp(&0) {
                std::cmp::Ordering::Greater => r += row[d as usize - 1],
                std::cmp::Ordering::Less => r -= row[d.unsigned_abs() as usize - 1],
                std::cmp::Ordering::Equal => {}
            }
        }
        r
    }
}

/// The signed base-64 digits of a scalar's bytes (little-endian), least significant first:
/// each in `-32..32` but the last (`k = Σ d_i · 64^i`), which is at most 16 for any 256 bits.
fn signed_digits(b: &[u8; 32]) -> [i8; ROWS] {
    let mut limbs = [0u64; 5];
    for (l, c) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *l = u64::from_le_bytes(c.try_into().unwrap_or_default());
    }
    let mask = (1u64 << WINDOW_BITS) - 1;
    let mut d = [0i8; ROWS];
    let mut carry = 0i16;
    for (i, out) in d.iter_mut().enumerate() {
        let bit = i * WINDOW_BITS;
        let (l, o) = (bit / 64, bit % 64);
        let mut v = limbs[l] >> o;
        if o + WINDOW_BITS > 64 {
            v |= limbs[l + 1] << (64 - o);
        }
        let v = (v & mask) as i16 + carry;
        // Into -32..32: a digit of 32 or more borrows 64 from the next.
        carry = (v + HALF as i16) >> WINDOW_BITS;
        let v = if i + 1 < ROWS {
            v - (carry << WINDOW_BITS)
        } else {
            v
        };
        *out = v as i8;
    }
    d
}

/// The base point's [`Multiples`], made once a process needs them.
fn base_multiples() -> &'static Multiples {
    static B: std::sync::OnceLock<Multiples> = std::sync::OnceLock::new();
    B.get_or_init(|| Multiples::of(&curve25519_dalek::constants::ED25519_BASEPOINT_POINT))
}

/// A decoded ed25519 key as a thread keeps it.
struct KeptKey {
    key: ed25519_dalek::VerifyingKey,
    /// Its public key line ([`public_line`]).
    line: String,
    /// Signatures checked with it.
    uses: u32,
    /// The [`Multiples`] of the key's negation, made after [`TABLE_AFTER`] uses (for at most
    /// [`MAX_TABLES`] keys a thread): with them and the base point's a check takes about half
    /// the time of ed25519-dalek's `verify`, whose double-base multiplication makes 253
    /// doublings for every signature.
    table: Option<Multiples>,
}

impl KeptKey {
    fn new(key: ed25519_dalek::VerifyingKey, line: String) -> KeptKey {
        KeptKey {
            key,
            line,
            uses: 0,
            table: None,
        }
    }

    /// Make the key's table now.
    fn make_table(&mut self) {
        self.table = Some(Multiples::of(&-self.key.to_edwards()));
    }

    /// ed25519-dalek's `verify` (`VerifyingKey::verify`) of `signature` over `signed`, with
    /// the key's table when it has one ([`KeptKey::by_table`]); one is made past
    /// [`TABLE_AFTER`] uses when `may_table`. A signature the table does not accept is checked
    /// by `verify` itself, which gives its verdict and reason.
    fn check(
        &mut self,
        signed: &[u8],
        signature: &ed25519_dalek::Signature,
        may_table: bool,
    ) -> Result<(), ed25519_dalek::SignatureError> {
        self.uses = self.uses.saturating_add(1);
        if self.table.is_none() && self.uses > TABLE_AFTER && may_table {
            self.make_table();
        }
        if self.by_table(signed, signature) == Some(true) {
            return Ok(());
        }
        signature::Verifier::verify(&self.key, signed, signature)
    }

    /// Whether `signature` holds over `signed` by the key's table; `None` without a table. The
    /// equation is `verify`'s: `s` must be canonical, `k` is SHA-512 of `R`, the key's bytes
    /// and the message, reduced, and the signature holds when `[s]B - [k]A` compresses to the
    /// bytes of `R`; only the multiplication differs, and two ways of multiplying give the same
    /// point (a property test, `the_key_table_gives_dalek_s_verdict`, compares the two).
    fn by_table(&self, signed: &[u8], signature: &ed25519_dalek::Signature) -> Option<bool> {
        use curve25519_dalek::traits::Identity;
        use sha2::Digest;
        let table = self.table.as_ref()?;
        let s: Option<curve25519_dalek::Scalar> =
            curve25519_dalek::Scalar::from_canonical_bytes(*signature.s_bytes()).into();
        let Some(s) = s else {
            return Some(false);
        };
        let mut h = sha2::Sha512::new();
        h.update(signature.r_bytes());
        h.update(self.key.as_bytes());
        h.update(signed);
        let k = curve25519_dalek::Scalar::from_hash(h);
        let r = table.add_to(curve25519_dalek::EdwardsPoint::identity(), &k);
        let r = base_multiples().add_to(r, &s);
        Some(r.compress().as_bytes() == signature.r_bytes())
    }
}

thread_local! {
    /// Decoded ed25519 keys by their bytes: decoding one (a point decompression) was about a
    /// tenth of checking a signature, and a store has few signers.
    static KEYS: std::cell::RefCell<std::collections::HashMap<[u8; 32], KeptKey>> =
        Default::default();
}

/// What `PublicKey::verify` does for an ed25519 SSHSIG whose reserved field is empty (the
/// signed data is then `SshSig::signed_data` of the namespace, the hash and the message, and
/// the check ed25519-dalek's `verify`), with the key decoded once per thread ([`KeptKey`]).
/// `Ok` is the key's public key line.
fn verify_ed25519(
    key: &ssh_key::public::Ed25519PublicKey,
    sig: &SshSig,
    data: &[u8],
) -> Result<String, String> {
    let signed =
        SshSig::signed_data(sig.namespace(), sig.hash_alg(), data).map_err(|e| e.to_string())?;
    let signature =
        ed25519_dalek::Signature::try_from(sig.signature()).map_err(|e| e.to_string())?;
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= KEY_CACHE_LIMIT && !keys.contains_key(&key.0) {
            keys.clear();
        }
        let tables = keys.values().filter(|k| k.table.is_some()).count();
        let kept = match keys.entry(key.0) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let k = ed25519_dalek::VerifyingKey::try_from(key).map_err(|e| e.to_string())?;
                let line = public_line(&PublicKey::from(ssh_key::public::KeyData::Ed25519(*key)));
                e.insert(KeptKey::new(k, line))
            }
        };
        kept.check(&signed, &signature, tables < MAX_TABLES)
            .map_err(|e| e.to_string())?;
        Ok(kept.line.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sources_parse_like_git() {
        assert_eq!(
            KeySource::parse("key::ssh-ed25519 AAAA"),
            KeySource::Literal("ssh-ed25519 AAAA".into())
        );
        assert_eq!(KeySource::parse("/k"), KeySource::Path("/k".into()));
    }

    /// The kept-key path gives ssh-key's verdict: on good signatures with either hash, and on
    /// every one-byte change of the message, the signature or the signed hash's name.
    #[test]
    fn the_kept_key_check_agrees_with_ssh_key() {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]);
        let seeded = pair.public;
        let key = PrivateKey::from(pair);
        let public = key.public_key().clone();
        let data = b"tree 0123\nparent 4567\n\nwf: assign\n".to_vec();
        let crate_says = |sig: &SshSig, data: &[u8]| public.verify(NAMESPACE, data, sig).is_ok();
        let mut cases = 0;
        for alg in [HashAlg::Sha512, HashAlg::Sha256] {
            let sig = key.sign(NAMESPACE, alg, &data).unwrap();
            let pem = sig.to_pem(LineEnding::LF).unwrap();
            // The signer's key line, when the key is decoded and when it is kept.
            for _ in 0..2 {
                assert_eq!(verify(&pem, &data), SigStatus::Good(public_line(&public)));
            }
            for i in 0..data.len() {
                let mut d = data.clone();
                d[i] ^= 1;
                assert_eq!(
                    matches!(verify(&pem, &d), SigStatus::Good(_)),
                    crate_says(&sig, &d)
                );
                cases += 1;
            }
            let raw = sig.signature().as_bytes().to_vec();
            for i in 0..raw.len() {
                for flip in [1u8, 0x80] {
                    let mut r = raw.clone();
                    r[i] ^= flip;
                    let bent = SshSig::new(
                        sig.public_key().clone(),
                        NAMESPACE,
                        alg,
                        ssh_key::Signature::new(ssh_key::Algorithm::Ed25519, r).unwrap(),
                    )
                    .unwrap();
                    let pem = bent.to_pem(LineEnding::LF).unwrap();
                    let ours = matches!(verify(&pem, &data), SigStatus::Good(_));
                    assert_eq!(ours, crate_says(&bent, &data));
                    assert!(!ours);
                    cases += 1;
                }
            }
            // The same signature claimed under the other hash.
            let other = if alg == HashAlg::Sha512 {
                HashAlg::Sha256
            } else {
                HashAlg::Sha512
            };
            let swapped = SshSig::new(
                sig.public_key().clone(),
                NAMESPACE,
                other,
                sig.signature().clone(),
            )
            .unwrap();
            let pem = swapped.to_pem(LineEnding::LF).unwrap();
            assert!(matches!(verify(&pem, &data), SigStatus::Bad(_)));
            assert!(!crate_says(&swapped, &data));
        }
        assert!(cases > 300);
        // Past its first `TABLE_AFTER` checks the key was checked by its table: the verdicts
        // above after that are the table's.
        KEYS.with(|keys| assert!(keys.borrow()[&seeded.0].table.is_some()));
    }

    /// A thread makes tables for at most `MAX_TABLES` keys, however many sign past
    /// `TABLE_AFTER`; the rest are checked by dalek's `verify`, with the same verdicts.
    #[test]
    fn a_thread_keeps_at_most_max_tables_key_tables() {
        // A thread of its own: the other tests' keys are not in its cache.
        std::thread::spawn(|| {
            let data = b"tree 0123\n\nwf: assign\n".to_vec();
            for n in 0..MAX_TABLES as u8 + 3 {
                let key = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[n; 32]));
                let sig = key.sign(NAMESPACE, HashAlg::Sha512, &data).unwrap();
                let pem = sig.to_pem(LineEnding::LF).unwrap();
                let good = SigStatus::Good(public_line(key.public_key()));
                for _ in 0..=TABLE_AFTER + 1 {
                    assert_eq!(verify(&pem, &data), good);
                    assert!(matches!(verify(&pem, b"other"), SigStatus::Bad(_)));
                }
            }
            KEYS.with(|keys| {
                let keys = keys.borrow();
                assert_eq!(keys.len(), MAX_TABLES + 3);
                let tabled = keys.values().filter(|k| k.table.is_some()).count();
                assert_eq!(tabled, MAX_TABLES);
            });
        })
        .join()
        .unwrap();
    }

    /// A seeded xorshift generator: the same cases on every run.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// 32 bytes from `next`.
    fn bytes32(next: &mut dyn FnMut() -> u64) -> [u8; 32] {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&next().to_le_bytes());
        }
        b
    }

    /// A kept key's table gives ed25519-dalek's verdict: on good signatures and damaged ones
    /// (a bit of `R` or `s` changed, `s` made non-canonical by adding the group's order,
    /// random bytes), for ordinary keys and for keys no signer would use (the neutral point,
    /// a point of order 2, encodings with the sign bit set on `x = 0` or `y` past the field's
    /// prime), where whether `[s]B - [k]A` is `R` turns on `k`.
    #[test]
    fn the_key_table_gives_dalek_s_verdict() {
        use curve25519_dalek::Scalar;
        use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        // The group's order, little-endian.
        let order: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let plus_order = |s: &[u8; 32]| {
            let (mut out, mut carry) = ([0u8; 32], 0u16);
            for i in 0..32 {
                let v = s[i] as u16 + order[i] as u16 + carry;
                out[i] = v as u8;
                carry = v >> 8;
            }
            out
        };
        let odd = |b: [u8; 32], at: usize, v: u8| {
            let mut b = b;
            b[at] = v;
            b
        };
        let mut keys: Vec<(VerifyingKey, Option<SigningKey>)> = Vec::new();
        for _ in 0..6 {
            let sk = SigningKey::from_bytes(&bytes32(&mut next));
            keys.push((sk.verifying_key(), Some(sk)));
        }
        let neutral = odd([0; 32], 0, 1);
        let order_two = {
            let mut b = [0xff; 32];
            b[0] = 0xec;
            b[31] = 0x7f;
            b
        };
        let past_prime = {
            let mut b = [0xff; 32];
            b[0] = 0xee;
            b[31] = 0x7f;
            b
        };
        for weak in [neutral, order_two, odd(neutral, 31, 0x80), past_prime] {
            let k = VerifyingKey::from_bytes(&weak).expect("ed25519-dalek decodes the odd key");
            keys.push((k, None));
        }
        let (mut good, mut bad) = (0, 0);
        for (key, secret) in &keys {
            let mut kept = KeptKey::new(*key, String::new());
            kept.make_table();
            for _ in 0..60 {
                let msg: Vec<u8> = (0..(next() % 200)).map(|_| next() as u8).collect();
                let s = Scalar::from_bytes_mod_order(bytes32(&mut next));
                let r = curve25519_dalek::EdwardsPoint::mul_base(&s).compress();
                let mut sigs: Vec<[u8; 64]> = Vec::new();
                let mut push = |r: &[u8; 32], s: &[u8; 32]| {
                    let mut b = [0u8; 64];
                    b[..32].copy_from_slice(r);
                    b[32..].copy_from_slice(s);
                    sigs.push(b);
                };
                // `[s]B` as `R`: good for the neutral key, and for the key of order 2 when
                // `k` is even.
                push(r.as_bytes(), s.as_bytes());
                push(&neutral, &[0; 32]);
                push(
                    &bytes32(&mut next),
                    &odd(bytes32(&mut next), 31, 0x0f & next() as u8),
                );
                if let Some(sk) = secret {
                    let real = sk.sign(&msg).to_bytes();
                    sigs.push(real);
                    let mut flipped = real;
                    flipped[(next() % 64) as usize] ^= 1 << (next() % 8);
                    sigs.push(flipped);
                    let mut big = real;
                    let high: [u8; 32] = plus_order(real[32..].try_into().unwrap());
                    big[32..].copy_from_slice(&high);
                    sigs.push(big);
                }
                for raw in sigs {
                    let sig = Signature::from_bytes(&raw);
                    let dalek = signature::Verifier::verify(key, &msg, &sig);
                    assert_eq!(
                        kept.by_table(&msg, &sig),
                        Some(dalek.is_ok()),
                        "the table alone: key {:?} signature {:?}",
                        key.as_bytes(),
                        raw
                    );
                    let ours = kept.check(&msg, &sig, true);
                    assert_eq!(
                        ours.as_ref().map_err(|e| e.to_string()),
                        dalek.as_ref().map_err(|e| e.to_string()),
                        "key {:?} signature {:?}",
                        key.as_bytes(),
                        raw
                    );
                    if dalek.is_ok() {
                        good += 1;
                    } else {
                        bad += 1;
                    }
                }
            }
        }
        // Both verdicts are met, past the real signatures (6 keys, 60 messages).
        assert!(good > 6 * 60 + 100, "{good} good");
        assert!(bad > 1000, "{bad} bad");
        // A key is tabled after `TABLE_AFTER` checks.
        let (key, sk) = (&keys[0].0, keys[0].1.as_ref().unwrap());
        let mut kept = KeptKey::new(*key, String::new());
        let sig = sk.sign(b"m");
        for _ in 0..TABLE_AFTER {
            kept.check(b"m", &sig, true).unwrap();
        }
        assert!(kept.table.is_none());
        // Not while the thread keeps `MAX_TABLES` tables already.
        kept.check(b"m", &sig, false).unwrap();
        assert!(kept.table.is_none());
        kept.check(b"m", &sig, true).unwrap();
        assert!(kept.table.is_some());
    }

    /// A scalar's signed digits give it back, `-32..32` but the last, for values of every size
    /// up to the largest 256 bits hold (which no check asks for: `s` and `k` are reduced).
    #[test]
    fn signed_digits_sum_to_their_scalar() {
        use curve25519_dalek::Scalar;
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut cases: Vec<[u8; 32]> = vec![[0; 32], [0xff; 32]];
        for _ in 0..2000 {
            let mut b = bytes32(&mut next);
            // Every top nibble, and runs of ones that carry far.
            b[31] = (next() % 256) as u8;
            if next().is_multiple_of(4) {
                let at = (next() % 32) as usize;
                b[at..].iter_mut().for_each(|x| *x = 0xff);
            }
            cases.push(b);
        }
        for b in cases {
            let d = signed_digits(&b);
            let (mut sum, mut power) = (Scalar::ZERO, Scalar::ONE);
            for (i, &x) in d.iter().enumerate() {
                if i + 1 < ROWS {
                    assert!((-32..32).contains(&x), "{x} at {i} of {b:?}");
                } else {
                    assert!((0..=16).contains(&x), "{x} last of {b:?}");
                }
                let v = Scalar::from(x.unsigned_abs() as u64);
                sum += if x < 0 { -v } else { v } * power;
                power *= Scalar::from(64u64);
            }
            // Compared reduced (the sum is a scalar).
            assert_eq!(sum, Scalar::from_bytes_mod_order(b), "{b:?}");
        }
    }

    /// Where [`from_plain_armor`] reads an armor, ssh-key's PEM reader reads the same signature:
    /// over signatures under both hashes, and 20,000 damaged armors (bytes changed, dropped or
    /// added, lines moved, line ends changed). The armor wf and ssh-keygen write is read at once.
    #[test]
    fn the_armor_read_at_once_is_what_from_pem_reads() {
        const CHARS: &[u8] = b"AZaz09+/=\n\r -BEGINSH";
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut taken, mut damaged_taken) = (0, 0);
        for seed in 0..10u8 {
            let key = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]));
            for alg in [HashAlg::Sha512, HashAlg::Sha256] {
                let data = vec![seed; 40 * seed as usize];
                let sig = key.sign(NAMESPACE, alg, &data).unwrap();
                let pem = sig.to_pem(LineEnding::LF).unwrap();
                assert_eq!(from_plain_armor(pem.trim()), Some(sig.clone()), "{pem}");
                taken += 1;
                for _ in 0..1000 {
                    let mut b = pem.trim().as_bytes().to_vec();
                    for _ in 0..1 + next(3) {
                        let at = next(b.len());
                        match next(4) {
                            0 => b[at] = CHARS[next(CHARS.len())],
                            1 => {
                                b.remove(at);
                            }
                            2 => b.insert(at, CHARS[next(CHARS.len())]),
                            _ => {
                                // A line end moved to another place.
                                if let Some(nl) = b.iter().position(|c| *c == b'\n') {
                                    b.remove(nl);
                                    b.insert(at.min(b.len()), b'\n');
                                }
                            }
                        }
                    }
                    let Ok(text) = String::from_utf8(b) else {
                        continue;
                    };
                    if let Some(read) = from_plain_armor(&text) {
                        assert_eq!(SshSig::from_pem(&text).ok(), Some(read), "{text}");
                        damaged_taken += usize::from(text != pem.trim());
                    }
                }
            }
        }
        assert_eq!(taken, 20);
        // Changes inside the signature's bytes still decode: the comparison was made.
        assert!(damaged_taken > 500, "{damaged_taken}");
    }

    /// An armor ssh-keygen writes (`ssh-keygen -Y sign`, as git signs) is read at once.
    #[test]
    fn ssh_keygens_armor_is_read_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        let run = |args: &[&std::ffi::OsStr]| {
            let out = Command::new("ssh-keygen")
                .args(args)
                .env("HOME", dir.path())
                .output()
                .expect("ssh-keygen is needed (scripts/prerequisites installs it)");
            assert!(out.status.success(), "{out:?}");
        };
        run(&["-q", "-t", "ed25519", "-N", "", "-C", "k", "-f"]
            .map(std::ffi::OsStr::new)
            .into_iter()
            .chain([key.as_os_str()])
            .collect::<Vec<_>>());
        let data = dir.path().join("data");
        std::fs::write(&data, b"tree 0123\n\nwf: assign\n").unwrap();
        run(&["-Y", "sign", "-n", "git", "-f"]
            .map(std::ffi::OsStr::new)
            .into_iter()
            .chain([key.as_os_str(), data.as_os_str()])
            .collect::<Vec<_>>());
        let pem = std::fs::read_to_string(dir.path().join("data.sig")).unwrap();
        let read = from_plain_armor(pem.trim()).expect("read at once");
        assert_eq!(Some(read), SshSig::from_pem(pem.trim()).ok());
        assert!(matches!(
            verify(&pem, b"tree 0123\n\nwf: assign\n"),
            SigStatus::Good(_)
        ));
    }

    #[test]
    fn unparseable_signature_is_bad_not_a_panic() {
        assert!(matches!(verify("garbage", b"x"), SigStatus::Bad(_)));
    }
}
