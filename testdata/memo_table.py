#!/usr/bin/env python3
"""memo.jsonl for testdata/generate.py: "verified, then the world changed" cases of the verdict memo.

Each case verifies one token (valid, the full verification the memo then remembers), changes the
world (the clock, the keys, revocations, the custom check, another configuration), and verifies the
same token again: the answer, through the memo, must be the code a full verification by a fresh
verifier (no memo) in that world gives. Runners also build that fresh verifier at every `verify`
step and compare. ARCHITECTURE.md, "Verdict memo".

A line: {"name", "base", "token", "jwks": {name: document}, "configs": {name: config}, "steps"}.
A config is tokens.jsonl's shape plus "custom_check": bool (a check that refuses while the world
says so; C has none and skips those cases). Every config gets its own verifier, memo on, created
empty at the start of the case. Steps, at base + "at" seconds:
  {"load": doc}                            the document replaces every verifier's keys
  {"revoke": {...}}                        revocation.jsonl's shape, recorded in every verifier
  {"custom_check": "refuse"|"accept"}      what every custom check answers from now on
  {"verify": config, "expect": "valid"|code, "hit": true|false (optional)}
"hit": whether the memo answered (its hit counter rose by one); absent: not asserted.

Run alone (writes memo.jsonl only; RS256 signatures are deterministic, so it is reproducible):
    .venv/bin/python testdata/memo_table.py
"""
import json, os

from jose import (CLIENT2, HERE, JWK_A, JWK_B, KFOREIGN, NOW, POOL2, access_claims, config, id_claims, rsa_jwk,
                  token)

EXP = NOW + 3540  # id_claims()'s exp
IAT = NOW - 60  # and iat


def cfg(custom_check=False, **over):
    return dict(config(**over), custom_check=custom_check)


def load(at, doc="ok"):
    return {"at": at, "load": doc}


def verify(at, expect, hit=None, on="main"):
    s = {"at": at, "verify": on, "expect": expect}
    if hit is not None:
        s["hit"] = hit
    return s


def first(at=0):
    """The keys, then the first verification: valid, a miss, remembered."""
    return [load(at), verify(at, "valid", hit=False)]


def revoke(at, **r):
    return {"at": at, "revoke": r}


def build_memo():
    idc, acc = id_claims(), access_claims()
    tok, acc_tok = token(idc), token(acc)
    jwks = {
        "ok": {"keys": [JWK_A, JWK_B]},
        # kA left the set.
        "without_kA": {"keys": [JWK_B]},
        # Another RSA key under the same kid.
        "kA_replaced": {"keys": [rsa_jwk(KFOREIGN, "kA"), JWK_B]},
    }
    main = cfg()
    cases = [
        ("expired since: exp, no leeway", tok, {"main": main}, first() + [
            verify(3539, "valid", hit=True), verify(3540, "expired"), verify(3541, "expired"),
            verify(3539, "valid", hit=True)]),
        ("expired since: exp + leeway, one second inside and past it", tok, {"main": cfg(leeway=10)}, first() + [
            verify(3549, "valid", hit=True), verify(3550, "expired"), verify(3551, "expired")]),
        ("not yet valid: the clock back before nbf - leeway", token(id_claims(nbf=NOW + 100)),
         {"main": cfg(leeway=10)}, first(100) + [
             verify(90, "valid", hit=True), verify(89, "not_yet_valid"), verify(100, "valid", hit=True)]),
        ("issued in the future: the clock back before iat - leeway", token(id_claims(iat=NOW + 100)),
         {"main": cfg(leeway=10)}, first(100) + [
             verify(90, "valid", hit=True), verify(89, "issued_in_future")]),
        ("max age: iat + max_age + leeway passed", tok, {"main": cfg(max_age=1800, leeway=5)}, first() + [
            verify(IAT + 1805 - NOW, "valid", hit=True), verify(IAT + 1806 - NOW, "token_too_old")]),
        ("key removed from the set: unknown kid, then back: a miss, then hits", tok, {"main": main}, first() + [
            verify(1, "valid", hit=True), load(10, "without_kA"), verify(10, "unknown_kid"),
            load(20), verify(20, "valid", hit=False), verify(21, "valid", hit=True)]),
        ("key replaced under the same kid: invalid signature", tok, {"main": main}, first() + [
            verify(1, "valid", hit=True), load(10, "kA_replaced"), verify(10, "invalid_signature"),
            verify(11, "invalid_signature")]),
        ("the same key set loaded again: a miss, verified in full, then hits", tok, {"main": main}, first() + [
            load(10), verify(10, "valid", hit=False), verify(11, "valid", hit=True)]),
        ("revoked: the session (origin_jti)", tok, {"main": main}, first() + [
            verify(1, "valid", hit=True), revoke(10, origin_jti=idc["origin_jti"]), verify(10, "revoked"),
            verify(100, "revoked")]),
        ("revoked: the token (jti)", tok, {"main": main}, first() + [
            revoke(10, jti=idc["jti"], exp=idc["exp"]), verify(10, "revoked")]),
        ("revoked: the user (sub, signed out after iat)", tok, {"main": main}, first() + [
            revoke(10, sub=idc["sub"], issued_at_or_before=NOW + 10), verify(10, "revoked")]),
        ("not revoked: another session, a token issued after the sign-out", tok, {"main": main}, first() + [
            revoke(10, origin_jti="22222222-3333-4444-5555-666666666666"),
            revoke(10, sub=idc["sub"], issued_at_or_before=IAT - 1), verify(10, "valid", hit=True)]),
        ("revoked, then expired: expired first", tok, {"main": main}, first() + [
            revoke(10, origin_jti=idc["origin_jti"]), verify(3540, "expired")]),
        ("another configuration: another client id", tok,
         {"main": main, "other": cfg(client_ids=[CLIENT2])}, first() + [
             verify(1, "wrong_client", on="other"), verify(2, "valid", hit=True),
             verify(3, "wrong_client", on="other")]),
        ("another configuration: access tokens only", tok,
         {"main": main, "other": cfg(token_use="access")}, first() + [
             verify(1, "wrong_token_use", on="other"), verify(2, "valid", hit=True)]),
        ("another configuration: another pool", tok,
         {"main": main, "other": cfg(user_pool_ids=[POOL2])}, first() + [
             verify(1, "wrong_issuer", on="other"), verify(2, "valid", hit=True)]),
        ("another configuration: a group requirement", tok,
         {"main": main, "other": cfg(groups={"any_of": ["nobody"]}),
          "admins": cfg(groups={"all_of": ["admin", "users"]})}, first() + [
             verify(1, "group_not_allowed", on="other"), verify(2, "valid", hit=False, on="admins"),
             verify(3, "valid", hit=True, on="admins"), verify(4, "valid", hit=True)]),
        ("another configuration: a scope requirement", acc_tok,
         {"main": main, "other": cfg(scopes={"all_of": ["openid", "phone"]}),
          "openid": cfg(scopes={"any_of": ["openid"]})}, first() + [
             verify(1, "scope_not_allowed", on="other"), verify(2, "valid", hit=False, on="openid"),
             verify(3, "valid", hit=True, on="openid"), verify(4, "valid", hit=True)]),
        ("custom check now refusing, then accepting again", tok, {"main": cfg(custom_check=True)}, first() + [
            verify(1, "valid", hit=True), {"at": 10, "custom_check": "refuse"}, verify(10, "custom_check_failed"),
            {"at": 20, "custom_check": "accept"}, verify(20, "valid", hit=True)]),
        ("custom check refusing after expiry: expired first", tok, {"main": cfg(custom_check=True)}, first() + [
            {"at": 10, "custom_check": "refuse"}, verify(3540, "expired")]),
    ]
    return [{"name": name, "base": NOW, "token": t, "jwks": jwks, "configs": configs, "steps": steps}
            for name, t, configs, steps in cases]


def write_memo(path=os.path.join(HERE, "memo.jsonl")):
    rows = build_memo()
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    steps = sum(len(r["steps"]) for r in rows)
    print(f"{os.path.relpath(path, HERE)}: {len(rows)} cases, {steps} steps")


if __name__ == "__main__":
    write_memo()
