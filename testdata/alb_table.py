#!/usr/bin/env python3
"""alb.jsonl for testdata/generate.py: tokens in an Application Load Balancer's wire format.

The `x-amzn-oidc-data` header: three base64url segments WITH padding, the header carrying `alg`
(ES256), `kid` (a UUID), `signer` (the ALB's ARN), `client`, `iss`, `exp`; the signature raw r||s
over the padded text as sent. ARCHITECTURE.md, "Load balancer tokens".

A line: {"name", "token", "key_pem" (the key published for the token's kid), "signers", "clients",
"issuer" (null: not checked), "leeway", "now", "expect": "valid" | code, "claims" (when valid:
sub, email, username, exp)}.

Run alone (writes alb.jsonl only; ECDSA signatures are randomised, so the file changes each run):
    .venv/bin/python testdata/alb_table.py
"""
import base64, hashlib, json, os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from jose import HERE, KEC

NOW = 1_700_000_000
KID = "6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c"
APP = ":123456789012:loadbalancer/app/web/50dc6c495c0c9188"
SIGNER = "arn:aws:elasticloadbalancing:us-east-2" + APP
GOV = "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1" + APP
CN = "arn:aws-cn:elasticloadbalancing:cn-north-1" + APP
OTHER_ALB = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/other/0a1b2c3d4e5f6a7b"
CLIENT = "4f1bnaod2d6s7s0hslnsrm4spc"
ISSUER = "https://cognito-idp.us-east-2.amazonaws.com/us-east-2_AbC123dEf"
# Another ALB's key: derived, so the file needs no new key.
KOTHER = ec.derive_private_key(int.from_bytes(hashlib.sha256(b"another ALB").digest(), "big") >> 8, ec.SECP256R1())


def pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def b64p(data):
    return base64.urlsafe_b64encode(data).decode()


def js(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def header(**over):
    h = {"typ": "JWT", "kid": KID, "alg": "ES256", "iss": ISSUER, "client": CLIENT, "signer": SIGNER,
         "exp": NOW + 120}
    h.update(over)
    return {k: v for k, v in h.items() if v is not None}


def payload(**over):
    p = {"sub": "b1c2d3e4-0000-4000-8000-000000000001", "email": "alice@example.com", "username": "alice",
         "exp": NOW + 120, "iss": ISSUER}
    p.update(over)
    return p


def raw_sig(key, data):
    r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign(h=None, p=None, key=KEC, raw_h=None, raw_p=None, sig=None):
    """A token: its segments padded, the signature over them as written."""
    hs = raw_h if raw_h is not None else b64p(js(h if h is not None else header()))
    ps = raw_p if raw_p is not None else b64p(js(p if p is not None else payload()))
    si = f"{hs}.{ps}".encode()
    s = sig(si) if sig else raw_sig(key, si)
    return f"{hs}.{ps}.{b64p(s)}"


def build_alb():
    key = pem(KEC)
    cases = []

    def case(name, tok, expect, signers=(SIGNER,), clients=(CLIENT,), issuer=ISSUER, leeway=0, now=NOW,
             key_pem=key):
        c = {"name": name, "token": tok, "key_pem": key_pem, "signers": list(signers), "clients": list(clients),
             "issuer": issuer, "leeway": leeway, "now": now, "expect": expect}
        if expect == "valid":
            p = json.loads(base64.urlsafe_b64decode(tok.split(".")[1]))
            c["claims"] = {k: p.get(k) for k in ("sub", "email", "username")}
            c["claims"]["exp"] = json.loads(base64.urlsafe_b64decode(tok.split(".")[0]))["exp"]
        cases.append(c)

    good = sign()
    case("valid", good, "valid")
    case("valid_no_issuer_configured", sign(header(iss="https://elsewhere.example")), "valid", issuer=None)
    case("valid_one_of_several_signers", sign(header(signer=GOV)), "valid", signers=(SIGNER, GOV, CN))
    case("valid_china_partition", sign(header(signer=CN)), "valid", signers=(CN,))
    case("valid_one_of_several_clients", sign(), "valid", clients=("other-client", CLIENT))
    case("valid_uppercase_uuid_kid", sign(header(kid=KID.upper())), "valid")

    # Padding: only canonical padding, exactly where a group is short.
    unpadded = good.replace("=", "")
    assert unpadded != good  # the signature (64 bytes) always ends in "=="
    h, p, s = good.split(".")
    case("unpadded_signature_only", f"{h}.{p}.{s.rstrip('=')}", "malformed_token")
    case("unpadded", unpadded, "malformed_token")
    case("extra_padding", f"{h}==.{p}.{s}" if h.endswith("=") else f"{h}====.{p}.{s}", "malformed_token")
    case("padding_in_the_middle", f"{h[:8]}={h[9:]}.{p}.{s}", "malformed_token")
    case("padding_on_a_full_group", sign(raw_h=b64p(js(header())) + ("====" if len(js(header())) % 3 == 0 else "")),
         "malformed_token" if len(js(header())) % 3 == 0 else "valid")
    case("four_segments", good + ".x", "malformed_token")
    case("standard_base64_alphabet", good.replace("-", "+").replace("_", "/") if ("-" in good or "_" in good)
         else good[:-3] + "+==", "malformed_token")

    # Signatures: raw r||s of 64 bytes only.
    def der(si):
        return KEC.sign(si, ec.ECDSA(hashes.SHA256()))
    case("der_signature", sign(sig=der), "invalid_signature")
    case("signature_63_bytes", sign(sig=lambda si: raw_sig(KEC, si)[:63]), "invalid_signature")
    case("signature_empty", f"{h}.{p}.", "invalid_signature")
    tampered = json.loads(base64.urlsafe_b64decode(p))
    tampered["sub"] = "someone-else"
    case("tampered_payload", f"{h}.{b64p(js(tampered))}.{s}", "invalid_signature")
    case("signed_by_another_alb_key", sign(key=KOTHER), "invalid_signature")
    case("another_albs_token", sign(header(signer=OTHER_ALB), key=KOTHER), "wrong_signer", key_pem=pem(KOTHER))
    case("signed_for_another_alb_with_its_key", sign(header(signer=OTHER_ALB), key=KOTHER), "valid",
         signers=(OTHER_ALB,), key_pem=pem(KOTHER))

    # Claims of the header.
    case("wrong_signer", sign(header(signer=GOV)), "wrong_signer")
    case("wrong_client", sign(header(client="other-client")), "wrong_client")
    case("wrong_issuer", sign(header(iss="https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Other")), "wrong_issuer")
    case("missing_client", sign(header(client=None)), "missing_claim")
    case("missing_signer", sign(header(signer=None)), "missing_claim")
    case("missing_issuer_when_required", sign(header(iss=None)), "missing_claim")
    case("missing_exp", sign(header(exp=None)), "missing_claim")
    case("exp_as_string", sign(header(exp=str(NOW + 120))), "invalid_claim")
    case("signer_not_a_string", sign(header(signer=7)), "invalid_claim")
    exp = NOW + 120
    case("expiry_edge_inside", sign(header(exp=exp)), "valid", now=exp - 1)
    case("expiry_edge_at_exp", sign(header(exp=exp)), "expired", now=exp)
    case("expiry_edge_inside_leeway", sign(header(exp=exp)), "valid", now=exp + 29, leeway=30)
    case("expiry_edge_at_leeway", sign(header(exp=exp)), "expired", now=exp + 30, leeway=30)
    case("payload_exp_ignored_header_exp_counts", sign(header(exp=exp), payload(exp=NOW - 3600)), "valid")

    # The kid: a UUID before any URL is made from it.
    for name, kid in [("dot_dot", "../"), ("encoded_slash", "%2f"), ("empty", ""),
                      ("uuid_then_path", KID + "/.."), ("uuid_with_braces", "{" + KID + "}")]:
        case(f"kid_not_a_uuid_{name}", sign(header(kid=kid)), "malformed_token")
    case("kid_missing", sign(header(kid=None)), "missing_kid")
    case("kid_not_a_string", sign(header(kid=12)), "malformed_token")

    # The algorithm: ES256 only.
    for alg in ["none", "HS256", "RS256", "ES384", "es256"]:
        case(f"alg_{alg}", sign(header(alg=alg)), "unsupported_algorithm")
    case("alg_missing", sign(header(alg=None)), "unsupported_algorithm")
    case("crit", sign(header(crit=["exp"])), "unsupported_critical_header")

    # The strict JSON reader: duplicates refused in header and payload.
    dup_h = js(header())[:-1] + b',"signer":"' + OTHER_ALB.encode() + b'"}'
    case("duplicate_header_member", sign(raw_h=b64p(dup_h)), "malformed_token")
    dup_p = js(payload())[:-1] + b',"sub":"someone-else"}'
    case("duplicate_payload_member", sign(raw_p=b64p(dup_p)), "malformed_token")
    case("payload_not_an_object", sign(raw_p=b64p(b"[1,2]")), "malformed_token")
    case("header_not_json", sign(raw_h=b64p(b"not json")), "malformed_token")

    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


def write_alb():
    rows = build_alb()
    path = os.path.join(HERE, "alb.jsonl")
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    print(f"{os.path.relpath(path, HERE)}: {len(rows)} cases")


if __name__ == "__main__":
    write_alb()
