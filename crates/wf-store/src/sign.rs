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
    let sig = match SshSig::from_pem(armored.trim()) {
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

/// How many decoded ed25519 keys each thread keeps.
const KEY_CACHE_LIMIT: usize = 64;

/// A decoded ed25519 key and its public key line ([`public_line`]).
type KeptKey = (ed25519_dalek::VerifyingKey, String);

thread_local! {
    /// Decoded ed25519 keys and their lines by their bytes: decoding one (a point
    /// decompression) was about a tenth of checking a signature, and a store has few signers.
    static KEYS: std::cell::RefCell<std::collections::HashMap<[u8; 32], KeptKey>> =
        Default::default();
}

/// What `PublicKey::verify` does for an ed25519 SSHSIG whose reserved field is empty (the
/// signed data is then `SshSig::signed_data` of the namespace, the hash and the message, and
/// the check ed25519-dalek's `verify`), with the key decoded once per thread. `Ok` is the key's
/// public key line.
fn verify_ed25519(
    key: &ssh_key::public::Ed25519PublicKey,
    sig: &SshSig,
    data: &[u8],
) -> Result<String, String> {
    let signed =
        SshSig::signed_data(sig.namespace(), sig.hash_alg(), data).map_err(|e| e.to_string())?;
    let signature =
        ed25519_dalek::Signature::try_from(sig.signature()).map_err(|e| e.to_string())?;
    let (verifying, line) = KEYS.with(|keys| {
        if let Some(k) = keys.borrow().get(&key.0) {
            return Ok(k.clone());
        }
        let k = ed25519_dalek::VerifyingKey::try_from(key).map_err(|e| e.to_string())?;
        let line = public_line(&PublicKey::from(ssh_key::public::KeyData::Ed25519(*key)));
        let mut keys = keys.borrow_mut();
        if keys.len() >= KEY_CACHE_LIMIT {
            keys.clear();
        }
        keys.insert(key.0, (k, line.clone()));
        Ok::<_, String>((k, line))
    })?;
    signature::Verifier::verify(&verifying, &signed, &signature).map_err(|e| e.to_string())?;
    Ok(line)
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
    }

    #[test]
    fn unparseable_signature_is_bad_not_a_panic() {
        assert!(matches!(verify("garbage", b"x"), SigStatus::Bad(_)));
    }
}
