"""The third-party check of wf-attest's envelopes (tests/attest.rs runs it with target/venv's
Python): securesystemslib verifies each DSSE signature with the SSH ed25519 public key, and
in-toto-attestation parses each in-toto statement and its SLSA predicate. wf's code is not used.

    attest_check.py verify FILE KEY.pub   -> one JSON report on stdout; exit 0 when every
                                            envelope verifies and parses, 1 otherwise
    attest_check.py sign STATEMENT.json KEY -> one envelope line signed by securesystemslib
                                            with the OpenSSH private key KEY

The OpenSSH public key is turned into securesystemslib's form by hand (spec/attest.md): the
base64 blob of `ssh-ed25519 AAAA...` is the SSH wire encoding string("ssh-ed25519"),
string(32 raw key bytes); the raw 32 bytes, in hex, are `keyval.public`. The keyid is the
key's SSH fingerprint: "SHA256:" and the unpadded base64 of the blob's sha256.
"""

import base64
import hashlib
import json
import struct
import sys

from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATES = {
    "https://slsa.dev/verification_summary/v1": vsa_pb2.VerificationSummary,
    "https://slsa.dev/provenance/v1": provenance_pb2.Provenance,
    # The human-review predicate has no protobuf binding in in-toto-attestation 0.9.3: its
    # fields are checked below against the proposal (result, reviewLink, timestamp).
    "https://in-toto.io/attestation/human-review/v0.1": None,
}


def ssh_strings(blob):
    out = []
    while blob:
        (n,) = struct.unpack(">I", blob[:4])
        out.append(blob[4 : 4 + n])
        blob = blob[4 + n :]
    return out


def sslib_key(pub_path):
    kind, b64 = open(pub_path).read().split()[:2]
    blob = base64.b64decode(b64)
    name, raw = ssh_strings(blob)
    assert kind == "ssh-ed25519" and name == b"ssh-ed25519" and len(raw) == 32, pub_path
    keyid = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return SSlibKey(keyid, "ed25519", "ed25519", {"public": raw.hex()})


def check_review(p):
    if p.get("result") not in (None, "pass", "fail"):
        raise ValueError("human-review result is neither pass nor fail")
    for field in ("reviewLink", "timestamp"):
        if not isinstance(p.get(field), str):
            raise ValueError("human-review predicate without " + field)


def verify(path, pub_path):
    key = sslib_key(pub_path)
    report = {"ok": True, "keyid": key.keyid, "envelopes": []}
    for n, line in enumerate(open(path).read().splitlines(), 1):
        if not line.strip():
            continue
        entry = {"line": n}
        try:
            env = Envelope.from_dict(json.loads(line))
            if env.payload_type != PAYLOAD_TYPE:
                raise ValueError("payloadType " + env.payload_type)
            env.verify([key], 1)
            pb = json_format.Parse(env.payload, statement_pb2.Statement())
            Statement.copy_from_pb(pb).validate()
            body = json.loads(env.payload)
            ptype = body["predicateType"]
            if ptype not in PREDICATES:
                raise ValueError("unknown predicateType " + ptype)
            predicate = dict(body["predicate"])
            if ptype.endswith("/verification_summary/v1"):
                # in-toto-attestation's VSA proto declares verifiedLevels a string, the SLSA
                # spec an array of strings (in-toto/attestation#425, fixed by #429, not in
                # 0.9.3): the field is checked here, the rest by the proto.
                levels = predicate.pop("verifiedLevels")
                if not (isinstance(levels, list) and all(isinstance(x, str) for x in levels)):
                    raise ValueError("verifiedLevels is not an array of strings")
            if PREDICATES[ptype] is None:
                check_review(predicate)
            else:
                json_format.ParseDict(predicate, PREDICATES[ptype]())
            entry["predicateType"] = ptype
            entry["subject"] = [
                {"name": s.name, "sha256": s.digest["sha256"]} for s in pb.subject
            ]
            entry["predicate"] = body["predicate"]
        except Exception as e:  # every failure is the verdict of this envelope
            report["ok"] = False
            entry["error"] = "%s: %s" % (type(e).__name__, e)
        report["envelopes"].append(entry)
    if not report["envelopes"]:
        report["ok"] = False
    print(json.dumps(report, sort_keys=True))
    return 0 if report["ok"] else 1


def sign(statement_path, key_path):
    from cryptography.hazmat.primitives.serialization import load_ssh_private_key

    private = load_ssh_private_key(open(key_path, "rb").read(), password=None)
    public = sslib_key(key_path + ".pub")
    env = Envelope(open(statement_path, "rb").read(), PAYLOAD_TYPE, {})
    env.sign(CryptoSigner(private, public))
    print(json.dumps(env.to_dict()))
    return 0


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    sys.exit({"verify": verify, "sign": sign}[cmd](*args))
