//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse>) as JSON, one per line: the
//! payload and its type, and signatures over their pre-authentication encoding
//! ([`wf_core::attest::pae`]), each named by the SSH fingerprint of its key.

use base64ct::{Base64, Base64Url, Encoding};
use serde_json::{json, Value};
use wf_core::attest::{pae, PAYLOAD_TYPE};
use wf_store::Signer;

use crate::error::CliError;

/// One envelope.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// `payloadType`.
    pub payload_type: String,
    /// The payload's bytes.
    pub payload: Vec<u8>,
    /// `(keyid, signature bytes)`.
    pub signatures: Vec<(String, Vec<u8>)>,
}

/// Sign an in-toto statement's bytes: the envelope as one line of JSON (no newline).
pub fn sign(payload: &[u8], signer: &dyn Signer) -> Result<String, CliError> {
    let sig = signer.sign_raw(&pae(PAYLOAD_TYPE, payload))?;
    let keyid = wf_store::sign::fingerprint(signer.public_key()).unwrap_or_default();
    let envelope = json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": Base64::encode_string(payload),
        "signatures": [{ "keyid": keyid, "sig": Base64::encode_string(&sig) }],
    });
    Ok(serde_json::to_string(&envelope)?)
}

/// Base64, standard or URL-safe (DSSE accepts either), padded or not.
fn decode(what: &str, text: &str) -> Result<Vec<u8>, String> {
    let padded = || {
        let mut t = text.trim_end_matches('=').to_string();
        while !t.len().is_multiple_of(4) {
            t.push('=');
        }
        t
    };
    Base64::decode_vec(text)
        .or_else(|_| Base64Url::decode_vec(text))
        .or_else(|_| Base64::decode_vec(&padded()))
        .or_else(|_| Base64Url::decode_vec(&padded()))
        .map_err(|_| format!("{what} is not base64"))
}

/// Read one line of an `.intoto.jsonl` file.
pub fn parse(line: &str) -> Result<Envelope, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let text = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("not a DSSE envelope: no {key}"))
    };
    let payload_type = text("payloadType")?.to_string();
    let payload = decode("the payload", text("payload")?)?;
    let list = v
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or("not a DSSE envelope: no signatures")?;
    let mut signatures = Vec::new();
    for s in list {
        let keyid = s.get("keyid").and_then(Value::as_str).unwrap_or("");
        let sig = s
            .get("sig")
            .and_then(Value::as_str)
            .ok_or("not a DSSE envelope: a signature without sig")?;
        signatures.push((keyid.to_string(), decode("a signature", sig)?));
    }
    Ok(Envelope {
        payload_type,
        payload,
        signatures,
    })
}

impl Envelope {
    /// Check that the key `public` (OpenSSH line, fingerprint `keyid`) signed the payload and
    /// its type: a signature named by that fingerprint must verify over their encoding.
    pub fn check_signature(&self, public: &str, keyid: &str) -> Result<(), String> {
        if self.payload_type != PAYLOAD_TYPE {
            return Err(format!(
                "payloadType is {:?}, not {PAYLOAD_TYPE}",
                self.payload_type
            ));
        }
        let mine: Vec<&Vec<u8>> = self
            .signatures
            .iter()
            .filter(|(k, _)| k == keyid)
            .map(|(_, s)| s)
            .collect();
        if mine.is_empty() {
            let others: Vec<&str> = self.signatures.iter().map(|(k, _)| k.as_str()).collect();
            return Err(format!(
                "no signature by {keyid} (signed by: {})",
                if others.is_empty() {
                    "nobody".to_string()
                } else {
                    others.join(", ")
                }
            ));
        }
        let data = pae(&self.payload_type, &self.payload);
        if mine
            .iter()
            .any(|s| wf_store::sign::verify_raw(public, &data, s).is_ok())
        {
            return Ok(());
        }
        Err(format!(
            "the signature by {keyid} does not verify: the payload was changed after signing, or another key signed it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_read_standard_or_url_safe_padded_or_not() {
        for t in ["+/8=", "-_8=", "+/8", "-_8"] {
            assert_eq!(decode("x", t).unwrap(), vec![0xfb, 0xff], "{t}");
        }
        assert!(decode("x", "not base64!").is_err());
    }

    #[test]
    fn an_envelope_without_signatures_or_payload_is_refused() {
        assert!(parse(r#"{"payloadType":"t","payload":"eA=="}"#).is_err());
        assert!(parse(r#"{"payloadType":"t","signatures":[]}"#).is_err());
        assert!(parse("[]").is_err());
        let e = parse(r#"{"payloadType":"t","payload":"eA==","signatures":[]}"#).unwrap();
        assert_eq!(e.payload, b"x");
        assert!(e.check_signature("ssh-ed25519 AAAA", "SHA256:x").is_err());
    }
}
