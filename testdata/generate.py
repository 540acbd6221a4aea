#!/usr/bin/env python3
"""Generates the shared test vectors in testdata/ (run: make testdata).

Every binding (Rust, C, JS) reads the same files:
- tokens.jsonl: one verification case a line:
  {"name", "token", "jwks" (JSON object), "config", "now", "expect"}
  config: {"user_pool_ids": [...], "issuers": [...], "client_ids": [...], "token_use": "id"|"access"|"any",
           "leeway": s, "max_age": s|null, "groups": {"any_of"|"all_of": [...]}|null,
           "scopes": {...}|null, "allow_es256": bool}
  expect: {"valid": true, "claims": {"sub", "username", "token_use", "client_id", "exp"}}
       or {"valid": false, "error": "<code of ARCHITECTURE.md, "Error codes">"}
- jwks.jsonl: key set cases {"name", "jwks" (text, may be invalid JSON), "expect": {"ok": true, "keys": n,
  "skipped": m} or {"ok": false, "error": code}}
- refresh.jsonl: key refresh timelines {"name", "base", "user_pool_id", "client_id", "tokens": {name: token},
  "jwks": {name: document (a string is sent as it is)}, "steps": [...]}, each step at "at" seconds after
  "base": {"poll": "keys"|"unknown_kid", "action": "use_cached"|"fetch"|"refresh"|"wait"|"unavailable",
  "retry_at"?}, {"fetched": "fail" | a document name}, {"load": a document name}, or
  {"verify": a token name, "expect": "valid" | code} (with the keys held, no fetch).
- memo.jsonl: "verified, then the world changed" cases of the verdict memo; the shape is documented in
  memo_table.py, which also writes it alone (`python testdata/memo_table.py`) without re-signing the others.
- real-world/cases.jsonl: real Cognito tokens (see real-world/README.md), in the tokens.jsonl shape.

Keys are generated once into keys/*.pem and reused, so RS256 tokens are reproducible. ES256 signatures are
randomised by nature, so regenerating changes those lines only.
"""
import json, os, sys

from jose import *  # noqa: F401,F403 (keys, token and claim builders shared by every table)
from jose import HERE
from alb_table import write_alb
from memo_table import write_memo
from refresh_table import build_refresh

CASES = []


def case(name, tok, expect, jwks=JWKS, now=NOW, **cfg):
    if isinstance(expect, str):
        expect = {"valid": False, "error": expect}
    CASES.append({"name": name, "token": tok, "jwks": jwks, "config": config(**cfg), "now": now,
                  "expect": expect})


def ok(claims, username="alice"):
    return {"valid": True, "claims": {
        "sub": claims["sub"], "username": username, "token_use": claims["token_use"],
        "client_id": claims.get("aud") if claims["token_use"] == "id" else claims["client_id"],
        "exp": claims["exp"]}}


def build_token_cases():
    idc, acc = id_claims(), access_claims()
    # Valid tokens of every shape.
    case("valid_id", token(idc), ok(idc))
    case("valid_access", token(acc), ok(acc))
    case("valid_id_token_use_id", token(idc), ok(idc), token_use="id")
    case("valid_access_token_use_access", token(acc), ok(acc), token_use="access")
    case("valid_second_key", token(idc, key=KB, kid="kB"), ok(idc))
    case("valid_rsa3072", token(idc, key=K3072, kid="k3072"), ok(idc), jwks=JWKS_BIG)
    case("valid_rsa4096", token(idc, key=K4096, kid="k4096"), ok(idc), jwks=JWKS_BIG)
    case("valid_typ_jwt", token(idc, header={"kid": "kA", "alg": "RS256", "typ": "JWT"}), ok(idc))
    case("valid_es256_enabled", token(idc, key=KEC, kid="kEC", alg="ES256", signer=sign_es256), ok(idc),
         jwks=JWKS_EC, allow_es256=True)
    case("es256_not_enabled", token(idc, key=KEC, kid="kEC", alg="ES256", signer=sign_es256),
         "unsupported_algorithm", jwks=JWKS_EC)
    case("es256_bad_signature", token(idc, key=KEC, kid="kEC", alg="ES256",
                                      signer=lambda k, si: sign_es256(k, si + b"x")),
         "invalid_signature", jwks=JWKS_EC, allow_es256=True)
    case("es256_der_signature", token(idc, key=KEC, kid="kEC", alg="ES256",
                                      signer=lambda k, si: k.sign(si, ec.ECDSA(hashes.SHA256()))),
         "invalid_signature", jwks=JWKS_EC, allow_es256=True)

    # Issuers.
    alt = id_claims(iss=f"https://issuer-cognito-idp.us-east-1.amazonaws.com/{POOL}")
    case("valid_issuer_cognito_idp_form", token(alt), ok(alt))
    case("valid_explicit_issuer", token(idc), ok(idc), user_pool_ids=[], issuers=[ISS])
    emu = id_claims(iss="http://127.0.0.1:5000/us-east-1_abc")
    case("valid_explicit_emulator_issuer", token(emu), ok(emu), user_pool_ids=[],
         issuers=["http://127.0.0.1:5000/us-east-1_abc"])
    p2 = id_claims(iss=ISS2)
    case("valid_second_pool", token(p2, key=KPOOL2, kid="kP2"), ok(p2), jwks=JWKS_TWO_POOLS,
         user_pool_ids=[POOL, POOL2])
    case("second_pool_not_configured", token(p2, key=KPOOL2, kid="kP2"), "wrong_issuer", jwks=JWKS_TWO_POOLS)
    for n, iss in [("other_pool", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"),
                   ("other_region", f"https://cognito-idp.us-west-2.amazonaws.com/{POOL}"),
                   ("trailing_slash", ISS + "/"), ("http_scheme", ISS.replace("https", "http")),
                   ("prefix_only", "https://cognito-idp.us-east-1.amazonaws.com/"),
                   ("case_changed", ISS.upper()), ("empty", "")]:
        case(f"wrong_issuer_{n}", token(id_claims(iss=iss)), "wrong_issuer")
    case("issuer_missing", token(id_claims(iss=DROP)), "missing_claim")
    case("issuer_number", token(id_claims(iss=42)), "invalid_claim")
    case("explicit_issuer_mismatch", token(idc), "wrong_issuer", user_pool_ids=[], issuers=[ISS2])

    # token_use.
    case("wrong_token_use_access_for_id", token(acc), "wrong_token_use", token_use="id")
    case("wrong_token_use_id_for_access", token(idc), "wrong_token_use", token_use="access")
    case("token_use_refresh", token(id_claims(token_use="refresh")), "wrong_token_use")
    case("token_use_missing", token(id_claims(token_use=DROP)), "missing_claim")
    case("token_use_number", token(id_claims(token_use=1)), "invalid_claim")

    # Client.
    case("wrong_client_id_token", token(id_claims(aud="someoneelse")), "wrong_client")
    case("wrong_client_access_token", token(access_claims(client_id="someoneelse")), "wrong_client")
    case("valid_second_client_id", token(id_claims(aud=CLIENT2)), ok(id_claims(aud=CLIENT2)),
         client_ids=[CLIENT, CLIENT2])
    case("id_token_without_aud", token(id_claims(aud=DROP)), "missing_claim")
    case("id_token_aud_array", token(id_claims(aud=[CLIENT])), "invalid_claim")
    case("access_token_without_client_id", token(access_claims(client_id=DROP, aud=CLIENT)), "missing_claim")
    case("access_token_client_id_number", token(access_claims(client_id=5)), "invalid_claim")

    # exp, nbf, iat, max age, leeway.
    exp = NOW + 3540
    case("expired_at_exp", token(idc), "expired", now=exp)
    case("valid_one_second_before_exp", token(idc), ok(idc), now=exp - 1)
    case("expired_one_second_after", token(idc), "expired", now=exp + 1)
    case("valid_expired_within_leeway", token(idc), ok(idc), now=exp + 5, leeway=10)
    case("expired_beyond_leeway", token(idc), "expired", now=exp + 10, leeway=10)
    case("exp_missing", token(id_claims(exp=DROP)), "missing_claim")
    for n, v in [("string", str(exp)), ("float", exp + 0.5), ("float_integral", float(exp)),
                 ("negative", -1), ("null", None), ("bool", True), ("array", [exp]),
                 ("exponent", "EXP")]:
        if v == "EXP":
            raw = json.dumps(id_claims(), separators=(",", ":")).replace(f'"exp":{exp}', '"exp":1.7e9')
            case(f"exp_{n}", token(None, raw_payload=seg(raw)), "invalid_claim")
        else:
            case(f"exp_{n}", token(id_claims(exp=v)), "invalid_claim")
    raw = json.dumps(id_claims(), separators=(",", ":")).replace(f'"exp":{exp}', '"exp":99999999999999999999')
    case("exp_beyond_i64", token(None, raw_payload=seg(raw)), "invalid_claim")
    case("valid_exp_far_future", token(id_claims(exp=2**62)), ok(id_claims(exp=2**62)))
    case("not_yet_valid", token(id_claims(nbf=NOW + 100)), "not_yet_valid")
    case("valid_nbf_within_leeway", token(id_claims(nbf=NOW + 5)), ok(id_claims(nbf=NOW + 5)), leeway=10)
    case("valid_nbf_now", token(id_claims(nbf=NOW)), ok(id_claims(nbf=NOW)))
    case("nbf_string", token(id_claims(nbf="soon")), "invalid_claim")
    case("issued_in_future", token(id_claims(iat=NOW + 100)), "issued_in_future")
    case("valid_iat_future_within_leeway", token(id_claims(iat=NOW + 5)), ok(id_claims(iat=NOW + 5)), leeway=10)
    case("iat_float", token(id_claims(iat=NOW - 0.5)), "invalid_claim")
    case("auth_time_string", token(id_claims(auth_time="yesterday")), "invalid_claim")
    case("token_too_old", token(idc), "token_too_old", max_age=30)
    case("valid_within_max_age", token(idc), ok(idc), max_age=3600)
    case("max_age_without_iat", token(id_claims(iat=DROP)), "missing_claim", max_age=3600)

    # Groups and scopes.
    case("valid_group_any_of", token(idc), ok(idc), groups={"any_of": ["nobody", "admin"]})
    case("group_any_of_unmet", token(idc), "group_not_allowed", groups={"any_of": ["nobody"]})
    case("valid_group_all_of", token(idc), ok(idc), groups={"all_of": ["admin", "users"]})
    case("group_all_of_unmet", token(idc), "group_not_allowed", groups={"all_of": ["admin", "nobody"]})
    case("group_required_but_absent", token(id_claims(**{"cognito:groups": DROP})), "group_not_allowed",
         groups={"any_of": ["admin"]})
    case("groups_not_array", token(id_claims(**{"cognito:groups": "admin"})), "invalid_claim")
    case("groups_with_number", token(id_claims(**{"cognito:groups": ["admin", 1]})), "invalid_claim")
    case("valid_scope_any_of", token(acc), ok(acc), scopes={"any_of": ["openid", "x"]})
    case("valid_scope_all_of", token(acc), ok(acc), scopes={"all_of": ["openid", "email"]})
    case("scope_all_of_unmet", token(acc), "scope_not_allowed", scopes={"all_of": ["openid", "phone"]})
    case("scope_partial_word", token(acc), "scope_not_allowed", scopes={"any_of": ["open"]})
    case("scope_absent_in_id_token", token(idc), "scope_not_allowed", scopes={"any_of": ["openid"]})
    case("scope_not_string", token(access_claims(scope=["openid"])), "invalid_claim")

    # Escaped strings are compared after decoding.
    def esc(c, raw_from, raw_to):
        s = json.dumps(c, separators=(",", ":"))
        assert raw_from in s, raw_from
        return token(None, raw_payload=seg(s.replace(raw_from, raw_to)))
    case("valid_escaped_slashes_in_iss", esc(idc, ISS, ISS.replace("/", "\\/")), ok(idc))
    case("valid_escaped_username", esc(idc, '"alice"', '"\\u0061lice"'), ok(idc))
    case("valid_escaped_aud", esc(idc, f'"aud":"{CLIENT}"', f'"aud":"\\u0033{CLIENT[1:]}"'), ok(idc))
    case("valid_escaped_claim_name", esc(idc, '"iss":', '"\\u0069ss":'), ok(idc))
    case("escaped_nbf_name_still_checked", esc(id_claims(nbf=NOW + 100), '"nbf":', '"n\\u0062f":'),
         "not_yet_valid")
    case("duplicate_claim_via_escape", esc(idc, '"iat":', '"exp":1,"\\u0065xp":'), "malformed_token")
    case("valid_escaped_kid", token(idc, raw_header=seg('{"kid":"k\\u0041","alg":"RS256"}')), ok(idc))

    # Header attacks.
    case("alg_none", token(idc, header={"kid": "kA", "alg": "none"}, key=None), "unsupported_algorithm")
    case("alg_none_unsigned_no_kid", token(idc, header={"alg": "none"}, key=None), "missing_kid")
    pub_pem = KA.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    hs = token(idc, header={"kid": "kA", "alg": "HS256"}, key=pub_pem,
               signer=lambda k, si: hmac.new(k, si, hashlib.sha256).digest())
    case("alg_hs256_keyed_with_public_key", hs, "unsupported_algorithm")
    case("alg_rs512", token(idc, header={"kid": "kA", "alg": "RS512"}), "unsupported_algorithm")
    case("alg_es256_on_rsa_key", token(idc, header={"kid": "kA", "alg": "ES256"}), "unsupported_algorithm",
         allow_es256=True)
    case("alg_lowercase", token(idc, header={"kid": "kA", "alg": "rs256"}), "unsupported_algorithm")
    case("alg_missing", token(idc, header={"kid": "kA"}), "malformed_token")
    case("alg_number", token(idc, header={"kid": "kA", "alg": 256}), "malformed_token")
    case("kid_missing", token(idc, header={"alg": "RS256"}), "missing_kid")
    case("kid_unknown", token(idc, kid="nope"), "unknown_kid")
    case("kid_number", token(idc, header={"kid": 1, "alg": "RS256"}), "malformed_token")
    case("kid_very_long", token(idc, kid="k" * 300), "unknown_kid")
    case("foreign_key_unknown_kid", token(idc, key=KFOREIGN, kid="kForeign"), "unknown_kid")
    case("foreign_key_known_kid", token(idc, key=KFOREIGN, kid="kA"), "invalid_signature")
    case("crit_unknown", token(idc, header={"kid": "kA", "alg": "RS256", "crit": ["exp"], "exp": 1}),
         "unsupported_critical_header")
    case("crit_b64", token(idc, header={"kid": "kA", "alg": "RS256", "crit": ["b64"], "b64": False}),
         "unsupported_critical_header")
    case("crit_empty", token(idc, header={"kid": "kA", "alg": "RS256", "crit": []}), "malformed_token")
    case("crit_not_array", token(idc, header={"kid": "kA", "alg": "RS256", "crit": "exp"}), "malformed_token")
    att = rsa_jwk(KFOREIGN, "kA")
    case("embedded_jwk_ignored", token(idc, header={"kid": "kA", "alg": "RS256", "jwk": att}, key=KFOREIGN),
         "invalid_signature")
    case("jku_ignored", token(idc, header={"kid": "kEvil", "alg": "RS256", "jku": "https://evil.example/jwks"},
                              key=KFOREIGN, kid="kEvil"), "unknown_kid")
    case("x5u_ignored", token(idc, header={"kid": "kA", "alg": "RS256", "x5u": "https://evil.example/c"},
                              key=KFOREIGN), "invalid_signature")

    # Structure.
    good = token(idc)
    h, p, s = good.split(".")
    case("empty_token", "", "malformed_token")
    case("two_segments", f"{h}.{p}", "malformed_token")
    case("four_segments", f"{h}.{p}.{s}.{s}", "malformed_token")
    case("empty_signature", f"{h}.{p}.", "invalid_signature")
    case("only_dots", "..", "malformed_token")
    case("padded_signature", f"{h}.{p}.{s}==", "malformed_token")
    case("padded_header", token(idc, raw_header=seg({"kid": "kA", "alg": "RS256"}) + "="), "malformed_token")
    case("standard_base64_chars", f"{h}.{p}.{s.replace('-', '+').replace('_', '/')}"
         if ("-" in s or "_" in s) else f"{h}.{p}.+{s[1:]}", "malformed_token")
    case("whitespace_in_token", f"{h}.{p} .{s}", "malformed_token")
    case("leading_space", f" {good}", "malformed_token")
    # Non-canonical trailing bits, signed as written so only the decoding can catch them.
    ph = seg({"kid": "kA", "alg": "RS256"})
    pad = ""
    while len(seg(id_claims(pad=pad))) % 4 not in (2, 3):
        pad += "x"
    pp = seg(id_claims(pad=pad))
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    bump = last[last.index(pp[-1]) + 1]
    case("payload_nonzero_trailing_bits", token(None, raw_header=ph, raw_payload=pp[:-1] + bump), "malformed_token")
    case("header_not_json", token(idc, raw_header=seg("not json")), "malformed_token")
    case("header_array", token(idc, raw_header=seg('["kA","RS256"]')), "malformed_token")
    case("header_duplicate_alg", token(idc, raw_header=seg('{"kid":"kA","alg":"RS256","alg":"none"}')),
         "malformed_token")
    case("header_duplicate_kid", token(idc, raw_header=seg('{"kid":"kB","kid":"kA","alg":"RS256"}')),
         "malformed_token")
    case("header_trailing_garbage", token(idc, raw_header=seg('{"kid":"kA","alg":"RS256"}x')), "malformed_token")
    case("header_too_large", token(idc, header={"kid": "kA", "alg": "RS256", "pad": "x" * 2000}), "token_too_large")
    for n, raw in [("array", "[1,2]"), ("string", '"claims"'), ("number", "42"), ("null", "null"),
                   ("empty", ""), ("truncated", json.dumps(idc)[:-1]), ("bom", "\ufeff" + json.dumps(idc)),
                   ("single_quotes", "{'exp': 1}"), ("trailing_comma", json.dumps(idc)[:-1] + ",}"),
                   ("nan", json.dumps(idc)[:-1] + ',"x":NaN}')]:
        case(f"payload_{n}", token(None, raw_payload=seg(raw)), "malformed_token")
    dup = json.dumps(idc, separators=(",", ":"))[:-1] + f',"exp":{NOW + 99999}}}'
    case("payload_duplicate_exp", token(None, raw_payload=seg(dup)), "malformed_token")
    nested_dup = id_claims(extra={"a": 1})
    s2 = json.dumps(nested_dup, separators=(",", ":")).replace('"extra":{"a":1}', '"extra":{"a":1,"a":2}')
    case("payload_nested_duplicate", token(None, raw_payload=seg(s2)), "malformed_token")
    deep = id_claims(deep=json.loads("[" * 20 + "]" * 20))
    case("payload_too_deep", token(deep), "malformed_token")
    ok_deep = id_claims(deep=json.loads("[" * 10 + "]" * 10))
    case("valid_payload_nested_10", token(ok_deep), ok(ok_deep))
    case("payload_invalid_utf8", token(None, raw_payload=b64(b'{"sub":"\xff"}')), "malformed_token")
    case("payload_lone_surrogate", token(None, raw_payload=seg('{"sub":"\\ud800"}')), "malformed_token")
    case("payload_control_char", token(None, raw_payload=seg('{"sub":"a\x01"}')), "malformed_token")
    big = id_claims(padding="x" * 9000)
    case("valid_large_token_12k", token(big), ok(big))
    huge = id_claims(padding="x" * 13000)
    case("token_too_large", token(huge), "token_too_large")

    # Signatures.
    sig = base64.urlsafe_b64decode(s + "==")
    n_a = KA.public_key().public_numbers().n
    case("signature_one_byte_short", f"{h}.{p}.{b64(sig[1:])}", "invalid_signature")
    case("signature_one_byte_long", f"{h}.{p}.{b64(sig + b'0')}", "invalid_signature")
    case("signature_equal_to_modulus", f"{h}.{p}.{b64(uint(n_a, 256))}", "invalid_signature")
    case("signature_above_modulus", f"{h}.{p}.{b64(uint(n_a + 1, 256))}", "invalid_signature")
    case("signature_all_zero", f"{h}.{p}.{b64(bytes(256))}", "invalid_signature")
    case("signature_one", f"{h}.{p}.{b64(uint(1, 256))}", "invalid_signature")
    case("signature_too_long_for_any_key", f"{h}.{p}.{b64(bytes(600))}", "invalid_signature")
    flipped = bytearray(sig); flipped[100] ^= 1
    case("signature_bit_flipped", f"{h}.{p}.{b64(bytes(flipped))}", "invalid_signature")
    tampered = seg(id_claims(**{"cognito:username": "mallory"}))
    case("payload_tampered", f"{h}.{tampered}.{s}", "invalid_signature")
    case("header_swapped_to_other_key", f"{seg({'kid': 'kB', 'alg': 'RS256'})}.{p}.{s}", "invalid_signature")

    def raw_rsa(key, em):
        priv = key.private_numbers()
        return uint(pow(int.from_bytes(em, "big"), priv.d, priv.public_numbers.n), 256)

    def em_with(digest_info, si, pad_byte=0xFF, block=1):
        h256 = hashlib.sha256(si).digest()
        t = digest_info + h256
        return bytes([0, block]) + bytes([pad_byte]) * (256 - 3 - len(t)) + b"\x00" + t

    di_sha256 = bytes.fromhex("3031300d060960864801650304020105000420")
    di_no_null = bytes.fromhex("302f300b0609608648016503040201" "0420")
    di_sha1_oid = bytes.fromhex("3031300d06092b0e03021a05000420")
    for n, em in [("digestinfo_without_null", lambda si: em_with(di_no_null, si)),
                  ("digestinfo_wrong_oid", lambda si: em_with(di_sha1_oid, si)),
                  ("padding_block_type_2", lambda si: em_with(di_sha256, si, block=2)),
                  ("padding_bytes_not_ff", lambda si: em_with(di_sha256, si, pad_byte=0xFE)),
                  ("no_digestinfo", lambda si: em_with(b"", si))]:
        case(f"signature_{n}", token(idc, signer=lambda k, si, em=em: raw_rsa(k, em(si))), "invalid_signature")
    case("valid_raw_rsa_control", token(idc, signer=lambda k, si: raw_rsa(k, em_with(di_sha256, si))), ok(idc))

    # Keys inside the set.
    weak_set = {"keys": [rsa_jwk(KWEAK, "kWeak"), JWK_A]}
    case("weak_key_skipped", token(idc, key=KWEAK, kid="kWeak"), "unknown_kid", jwks=weak_set)
    e3_set = {"keys": [rsa_jwk(KE3, "kE3"), JWK_A]}
    case("exponent_3_key_skipped", token(idc, key=KE3, kid="kE3"), "unknown_kid", jwks=e3_set)
    enc_set = {"keys": [rsa_jwk(KB, "kB", use="enc"), JWK_A]}
    case("enc_key_skipped", token(idc, key=KB, kid="kB"), "unknown_kid", jwks=enc_set)
    rs512_set = {"keys": [rsa_jwk(KB, "kB", alg="RS512"), JWK_A]}
    case("rs512_key_skipped", token(idc, key=KB, kid="kB"), "unknown_kid", jwks=rs512_set)
    # A key set with no usable key never replaces keys: every runtime refuses to load it.
    case("empty_key_set", token(idc), "malformed_jwks", jwks={"keys": []})


def build_jwks_cases():
    out = []

    def jc(name, jwks, expect):
        text = jwks if isinstance(jwks, str) else json.dumps(jwks)
        out.append({"name": name, "jwks": text, "expect": expect})

    good = lambda n, skipped=0: {"ok": True, "keys": n, "skipped": skipped}
    bad = lambda code: {"ok": False, "error": code}
    jc("cognito_two_keys", JWKS, good(2))
    jc("rsa_sizes", JWKS_BIG, good(3))
    jc("rsa_and_ec", JWKS_EC, good(2))
    jc("empty_keys", {"keys": []}, bad("malformed_jwks"))
    jc("extra_members_ignored", {"keys": [dict(JWK_A, x5c=["MIIB"], x5t="abc", key_ops=["verify"])],
                                 "other": 1}, good(1))
    jc("key_ops_without_verify", {"keys": [dict(JWK_A, key_ops=["sign"]), JWK_B]}, good(1, 1))
    jc("weak_key_skipped", {"keys": [rsa_jwk(KWEAK, "w"), JWK_A]}, good(1, 1))
    jc("only_weak_key", {"keys": [rsa_jwk(KWEAK, "w")]}, bad("weak_key"))
    jc("only_exponent_3", {"keys": [rsa_jwk(KE3, "e3")]}, bad("unsupported_key"))
    jc("only_enc_key", {"keys": [rsa_jwk(KA, "e", use="enc")]}, bad("unsupported_key"))
    jc("only_oct_key", {"keys": [{"kty": "oct", "kid": "h", "k": b64(b"secret")}]}, bad("unsupported_key"))
    jc("only_okp_key", {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "o", "x": b64(bytes(32))}]},
       bad("unsupported_key"))
    jc("only_p384_key", {"keys": [ec_jwk(KEC384, "p384", crv="P-384", alg="ES384")]}, bad("unsupported_key"))
    jc("ec_point_not_on_curve", {"keys": [dict(ec_jwk(KEC, "bad"), y=b64(bytes(31) + b"\x01"))]},
       bad("malformed_jwks"))
    jc("ec_short_coordinate", {"keys": [dict(ec_jwk(KEC, "bad"), x=b64(bytes(31)))]}, bad("malformed_jwks"))
    jc("key_without_kid", {"keys": [{k: v for k, v in JWK_A.items() if k != "kid"}]}, bad("unsupported_key"))
    jc("key_without_n", {"keys": [{k: v for k, v in JWK_A.items() if k != "n"}]}, bad("malformed_jwks"))
    jc("n_not_base64url", {"keys": [dict(JWK_A, n=JWK_A["n"] + "=")]}, bad("malformed_jwks"))
    jc("n_too_large", {"keys": [dict(JWK_A, n=b64(b"\x01" * 600))]}, bad("unsupported_key"))
    jc("n_number", {"keys": [dict(JWK_A, n=5)]}, bad("malformed_jwks"))
    jc("duplicate_kid", {"keys": [JWK_A, dict(JWK_B, kid="kA")]}, good(1, 1))
    jc("same_key_twice", {"keys": [JWK_A, JWK_A]}, good(1, 1))
    # More than the 64 a runtime with a heap holds (and than any firmware capacity).
    jc("too_many_keys", {"keys": [rsa_jwk(KA, f"k{i}") for i in range(65)]}, bad("too_many_keys"))
    jc("four_keys_fit", {"keys": [rsa_jwk(KA, f"k{i}") for i in range(4)]}, good(4))
    jc("not_json", "not json", bad("malformed_jwks"))
    jc("array_top_level", json.dumps([JWK_A]), bad("malformed_jwks"))
    jc("keys_missing", {"key": [JWK_A]}, bad("malformed_jwks"))
    jc("keys_not_array", {"keys": JWK_A}, bad("malformed_jwks"))
    jc("keys_element_not_object", {"keys": [JWK_A, "kB"]}, bad("malformed_jwks"))
    jc("duplicate_keys_member", '{"keys":[],"keys":[]}', bad("malformed_jwks"))
    jc("trailing_garbage", json.dumps(JWKS) + "x", bad("malformed_jwks"))
    jc("too_large", {"keys": [JWK_A], "pad": "x" * 70000}, bad("jwks_too_large"))
    jc("deeply_nested", '{"keys":[],"x":' + "[" * 40 + "]" * 40 + "}", bad("malformed_jwks"))
    return out


REAL_CODES = {"time": "expired", "token_use": "wrong_token_use", "iss": "wrong_issuer", "aud": "wrong_client",
              "client_id": "wrong_client", "signature": "malformed_token"}


def build_real_world(src):
    """Converts ../shared/real-world/cases.json into tokens.jsonl form, keeping provenance."""
    with open(src) as f:
        data = json.load(f)
    out = []
    for c in data["cases"]:
        cfg = c["config"]
        conf = config(user_pool_ids=[cfg["user_pool_id"]], client_ids=[cfg["client_id"]],
                      token_use=cfg["token_use"], leeway=cfg.get("leeway_s", 0))
        if cfg.get("issuer") and cfg["issuer"] != f"https://cognito-idp.{cfg['region']}.amazonaws.com/{cfg['user_pool_id']}":
            conf["user_pool_ids"], conf["issuers"] = [], [cfg["issuer"]]
        if c["expect"] == "accept":
            expect = {"valid": True}
        else:
            # "either": the clock equals exp; RFC 7519 4.1.4 says expired, and so do we.
            expect = {"valid": False, "error": REAL_CODES[c["reason_category"]]}
        out.append({"name": c["name"], "token": c["token"], "jwks": c["jwks"], "config": conf,
                    "now": cfg["now"], "expect": expect, "reference_expect": c["expect"],
                    "note": c["note"], "source": c["source"]})
    return out


LOCAL_POOL = "local_3lyPxVaO"
LOCAL_ISS = f"https://cognito-idp.local.amazonaws.com/{LOCAL_POOL}"
EMULATOR_ISS = "http://127.0.0.1:9229/local_3lyPxVaO"


def jwks_61():
    """A valid key set of 61 keys (more than the 4 of the firmware default): 60 kids sharing KA's
    modulus, then kB."""
    return {"keys": [rsa_jwk(KA, f"k{i:02}") for i in range(60)] + [JWK_B]}


def build_conformance():
    """Configurations of one and several pools and clients x tokens -> expected code: the pool rule
    (the token's iss picks one pool, whose keys alone may verify it; no match is wrong_issuer with
    no key tried), read by the Rust, C and JS tests."""
    rows = []
    one = [{"user_pool_id": POOL, "jwks": JWKS}]
    two = one + [{"user_pool_id": POOL2, "jwks": {"keys": [rsa_jwk(KPOOL2, "kP2")]}}]
    local = [{"user_pool_id": LOCAL_POOL, "jwks": JWKS}]
    emulator = [{"issuer": EMULATOR_ISS, "jwks": JWKS}]
    mixed = two + emulator
    big = [{"user_pool_id": POOL, "jwks": jwks_61()}]
    iss_other_region = "https://cognito-idp.eu-west-1.amazonaws.com/" + POOL

    idc = id_claims()
    p2 = id_claims(iss=ISS2, aud=CLIENT2)
    p2_client1 = id_claims(iss=ISS2)
    tokens = {
        "pool1": token(idc),
        "pool1_issuer_form": token(id_claims(iss=ISS.replace("cognito-idp.", "issuer-cognito-idp."))),
        "pool1_access": token(access_claims()),
        "pool1_signed_by_pool2_key": token(idc, key=KPOOL2, kid="kP2"),
        "pool1_bad_signature": token(idc)[:-4] + "AAAA",
        "pool1_unknown_kid": token(idc, kid="kZ"),
        "pool2": token(p2, key=KPOOL2, kid="kP2"),
        "pool2_client1": token(p2_client1, key=KPOOL2, kid="kP2"),
        "pool2_signed_by_pool1_key": token(p2),
        "foreign_region_unknown_kid": token(id_claims(iss=iss_other_region), kid="kZ"),
        "foreign_pool_bad_signature": token(id_claims(iss=ISS2))[:-4] + "AAAA",
        "trailing_slash_issuer": token(id_claims(iss=ISS + "/")),
        "no_iss": token(id_claims(iss=DROP)),
        "iss_number": token(id_claims(iss=7)),
        "malformed_payload": token(None, raw_payload=b64(b'{"iss":')),
        "local_pool": token(id_claims(iss=LOCAL_ISS)),
        "emulator_issuer": token(id_claims(iss=EMULATOR_ISS)),
        "key_61": token(idc, key=KB, kid="kB"),
    }
    configs = {
        "one_pool": (one, [CLIENT]),
        "two_pools": (two, [CLIENT]),
        "two_pools_two_clients": (two, [CLIENT, CLIENT2]),
        "cognito_local_pool": (local, [CLIENT]),
        "emulator_issuer": (emulator, [CLIENT]),
        "two_pools_and_emulator": (mixed, [CLIENT, CLIENT2]),
        "one_pool_61_keys": (big, [CLIENT]),
    }
    expect = {
        "one_pool": {
            "pool1": None, "pool1_issuer_form": None, "pool1_access": None,
            "pool1_signed_by_pool2_key": "unknown_kid", "pool1_bad_signature": "invalid_signature",
            "pool1_unknown_kid": "unknown_kid", "pool2": "wrong_issuer",
            "foreign_region_unknown_kid": "wrong_issuer", "foreign_pool_bad_signature": "wrong_issuer",
            "trailing_slash_issuer": "wrong_issuer", "no_iss": "missing_claim",
            "iss_number": "invalid_claim", "malformed_payload": "malformed_token",
            "local_pool": "wrong_issuer", "emulator_issuer": "wrong_issuer",
        },
        "two_pools": {
            "pool1": None, "pool2": "wrong_client", "pool2_client1": None,
            "pool1_signed_by_pool2_key": "unknown_kid", "pool2_signed_by_pool1_key": "unknown_kid",
            "foreign_region_unknown_kid": "wrong_issuer", "foreign_pool_bad_signature": "unknown_kid",
            "pool1_unknown_kid": "unknown_kid", "trailing_slash_issuer": "wrong_issuer",
        },
        "two_pools_two_clients": {
            "pool1": None, "pool2": None, "pool2_client1": None,
            "pool2_signed_by_pool1_key": "unknown_kid", "foreign_region_unknown_kid": "wrong_issuer",
        },
        "cognito_local_pool": {
            "local_pool": None, "pool1": "wrong_issuer", "emulator_issuer": "wrong_issuer",
        },
        "emulator_issuer": {
            "emulator_issuer": None, "local_pool": "wrong_issuer", "pool1": "wrong_issuer",
        },
        "two_pools_and_emulator": {
            "pool1": None, "pool2": None, "emulator_issuer": None, "local_pool": "wrong_issuer",
            "pool2_signed_by_pool1_key": "unknown_kid",
        },
        "one_pool_61_keys": {"key_61": None, "pool1_unknown_kid": "unknown_kid"},
    }
    for cname, cases in expect.items():
        pools, clients = configs[cname]
        for tname, code in cases.items():
            rows.append({"name": f"{cname}/{tname}", "pools": pools, "client_ids": clients,
                         "token_use": "any", "now": NOW, "token": tokens[tname],
                         "expect": {"valid": True} if code is None else {"valid": False, "error": code}})
    return rows


def build_revocation():
    """One pool, one client: revocations (by origin_jti, jti, or sub and iat) x tokens -> expected
    code. Revocations are recorded at `now`, then the token is verified at `now`. Checks run in
    this order: signature, token use, client, clock, revocation, groups, scopes."""
    idc, acc = id_claims(), access_claims()
    sub, origin = idc["sub"], idc["origin_jti"]
    iat = idc["iat"]
    other = {"sub": "99999999-8888-7777-6666-555555555555", "origin_jti": "22222222-3333-4444-5555-666666666666",
             "jti": "01234567-89ab-cdef-0123-456789abcdef", "cognito:username": "bob"}
    bob = id_claims(**other)
    session = {"origin_jti": origin}
    user = lambda t: {"sub": sub, "issued_at_or_before": t}
    cases = [
        ("none/valid", [], token(idc), None),
        ("origin_jti/id_token", [session], token(idc), "revoked"),
        ("origin_jti/access_token", [session], token(acc), "revoked"),
        ("origin_jti/other_session", [{"origin_jti": other["origin_jti"]}], token(idc), None),
        ("origin_jti/other_user_valid", [session], token(bob), None),
        ("origin_jti/escaped_in_token", [session],
         token(None, raw_payload=seg(json.dumps(idc, separators=(",", ":")).replace(
             '"origin_jti":"11111111-', '"origin_jti":"\\u00311111111-'))), "revoked"),
        ("jti/this_token", [{"jti": idc["jti"], "exp": idc["exp"]}], token(idc), "revoked"),
        ("jti/access_token_of_same_session", [{"jti": idc["jti"], "exp": idc["exp"]}], token(acc), None),
        ("jti/other_token", [{"jti": other["jti"], "exp": idc["exp"]}], token(idc), None),
        ("kinds_do_not_mix/jti_as_origin_jti", [{"origin_jti": idc["jti"]}], token(idc), None),
        ("kinds_do_not_mix/sub_as_jti", [{"jti": sub, "exp": idc["exp"]}], token(idc), None),
        ("sub/signed_out_after_issue", [user(NOW)], token(idc), "revoked"),
        ("sub/signed_out_at_iat", [user(iat)], token(idc), "revoked"),
        ("sub/issued_after_sign_out", [user(iat - 1)], token(idc), None),
        ("sub/access_token", [user(NOW)], token(acc), "revoked"),
        ("sub/other_user_valid", [user(NOW)], token(bob), None),
        ("sub/no_iat_fails_closed", [user(NOW)], token(id_claims(iat=DROP)), "revoked"),
        ("sub/latest_sign_out_wins", [user(iat - 1), user(NOW)], token(idc), "revoked"),
        ("several/all_kinds_other_user", [session, user(NOW), {"jti": idc["jti"], "exp": idc["exp"]}],
         token(bob), None),
        ("order/expired_before_revoked", [session], token(id_claims(exp=NOW - 1)), "expired"),
        ("order/wrong_client_before_revoked", [session], token(id_claims(aud=CLIENT2)), "wrong_client"),
        ("order/bad_signature_before_revoked", [session], token(idc)[:-4] + "AAAA", "invalid_signature"),
        ("order/unknown_kid_before_revoked", [session], token(idc, kid="kZ"), "unknown_kid"),
    ]
    return [{"name": n, "user_pool_id": POOL, "client_ids": [CLIENT], "jwks": JWKS, "now": NOW,
             "revocations": r, "token": t,
             "expect": {"valid": True} if code is None else {"valid": False, "error": code}}
            for n, r, t, code in cases]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"{os.path.relpath(path, HERE)}: {len(rows)} cases")


def main():
    build_token_cases()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    write_jsonl(os.path.join(HERE, "tokens.jsonl"), CASES)
    write_jsonl(os.path.join(HERE, "jwks.jsonl"), build_jwks_cases())
    write_jsonl(os.path.join(HERE, "conformance.jsonl"), build_conformance())
    write_jsonl(os.path.join(HERE, "revocation.jsonl"), build_revocation())
    write_jsonl(os.path.join(HERE, "refresh.jsonl"), build_refresh(CASES))
    write_memo()
    write_alb()
    src = os.path.join(HERE, "..", "..", "shared", "real-world", "cases.json")
    if os.path.exists(src):
        os.makedirs(os.path.join(HERE, "real-world"), exist_ok=True)
        write_jsonl(os.path.join(HERE, "real-world", "cases.jsonl"), build_real_world(src))
    # The README example's inputs.
    os.makedirs(os.path.join(HERE, "doc"), exist_ok=True)
    doc = id_claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1", exp=1_700_003_600,
                    iat=1_700_000_000, auth_time=1_700_000_000)
    with open(os.path.join(HERE, "doc", "token.txt"), "w") as f:
        f.write(token(doc) + "\n")
    with open(os.path.join(HERE, "doc", "jwks.json"), "w") as f:
        json.dump(JWKS, f, indent=1)


if __name__ == "__main__":
    main()
