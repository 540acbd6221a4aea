"""The package as installed: where it comes from, its settings, errors, asyncio, revocation and
counters."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from conftest import CLIENT, ISSUER, POOL, access_token, id_token, jwks

import cognito_verify
from cognito_verify import (
    CognitoJwtInvalidTokenUseError,
    CognitoJwtVerifier,
    CognitoVerifyError,
    JwksNotAvailableError,
    JwtExpiredError,
    JwtInvalidSignatureError,
    JwtRevokedError,
    JwtVerificationError,
    ParameterValidationError,
    RevokeError,
)


def verifier(**kw: object) -> CognitoJwtVerifier:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True, **kw)
    v.cache_jwks(jwks())
    return v


def test_installed_wheel_not_the_source_tree() -> None:
    here = Path(cognito_verify.__file__).resolve()
    assert Path(sys.prefix).resolve() in here.parents, here
    pkg = here.parent
    assert (pkg / "py.typed").exists() and (pkg / "_native.pyi").exists()
    assert cognito_verify.__version__


def test_verify_returns_the_payload() -> None:
    v = verifier()
    claims = v.verify(id_token())
    assert claims["iss"] == ISSUER and claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == ["users"] and isinstance(claims["exp"], int)
    assert v.verify(access_token())["scope"] == "openid email"


def test_errors_carry_the_code() -> None:
    v = verifier(token_use="id")
    now = int(time.time())
    with pytest.raises(JwtExpiredError) as e:
        v.verify(id_token(exp=now - 1, iat=now - 100))
    assert e.value.code == "expired" and str(e.value) == "token has expired"
    assert isinstance(e.value, JwtVerificationError) and isinstance(e.value, CognitoVerifyError)
    with pytest.raises(CognitoJwtInvalidTokenUseError) as e2:
        v.verify(access_token())
    assert e2.value.code == "wrong_token_use"
    h, p, s = id_token().split(".")
    with pytest.raises(JwtInvalidSignatureError):
        v.verify(f"{h}.{p}.{s[:-4]}AAAA")
    with pytest.raises(TypeError):
        v.verify(b"not a str")  # type: ignore[arg-type]


def test_settings_are_checked_by_the_core() -> None:
    with pytest.raises(ParameterValidationError) as e:
        CognitoJwtVerifier("us-east-1", client_id=CLIENT)
    assert e.value.code == "invalid_configuration" and "REGION_ID" in str(e.value)
    with pytest.raises(ParameterValidationError, match="no app client id"):
        CognitoJwtVerifier(POOL)
    with pytest.raises(ParameterValidationError):
        CognitoJwtVerifier(POOL, client_id=CLIENT, jwks_uri="http://keys.example.com/jwks.json")
    with pytest.raises(TypeError, match="unexpected keyword argument 'clientId'"):
        CognitoJwtVerifier(POOL, clientId=CLIENT)
    with pytest.raises(ValueError):
        CognitoJwtVerifier(POOL, client_id=CLIENT, token_use="refresh")


def test_route_requirements() -> None:
    v = verifier()
    admin = id_token(**{"cognito:groups": ["admin", "users"]})
    assert v.verify(admin, groups="admin")["sub"]
    assert v.verify(admin, groups={"all_of": ["admin", "users"]})["sub"]
    with pytest.raises(cognito_verify.CognitoJwtInvalidGroupError):
        v.verify(id_token(), groups=["admin", "ops"])
    with pytest.raises(cognito_verify.JwtInvalidScopeError):
        v.verify(access_token(), scope="aws.cognito.signin.user.admin")
    assert v.verify(access_token(), scope="email", token_use="access")["scope"]


def test_revocation_and_counters() -> None:
    v = verifier()
    t = id_token(origin_jti="session-1", jti="token-1")
    assert v.verify(t)["origin_jti"] == "session-1"
    v.revoke(origin_jti="session-1")
    with pytest.raises(JwtRevokedError) as e:
        v.verify(t)
    assert e.value.code == "revoked"
    now = int(time.time())
    v.revoke(jti="token-2", exp=now + 60)
    v.revoke(sub="someone", issued_at_or_before=now)
    assert v.revocation_stats() == {"held": 3, "capacity": 4096}
    assert v.sign_out("user-1", "s1") == "session"
    with pytest.raises(TypeError):
        v.revoke(jti="x")
    with pytest.raises(RevokeError) as r:
        v.revoke(origin_jti="")
    assert r.value.code == "empty_value"
    off = verifier(revocation_capacity=0)
    with pytest.raises(RevokeError) as r:
        off.revoke(origin_jti="x")
    assert r.value.code == "revocation_disabled"
    s = v.signature_cache_stats()
    assert s["capacity"] == 4096 and s["misses"] >= 1
    m = v.verdict_memo_stats()
    assert m["capacity"] == 2048
    token = id_token()
    v.verify(token)
    v.verify(token)
    assert v.verdict_memo_stats()["hits"] >= m["hits"] + 1
    assert v.jwks_stats() == {"fetches": 0, "failures": 0, "last_error": None, "keys": 2}
    assert v.jwks_stats(POOL)["keys"] == 2
    with pytest.raises(ValueError):
        v.jwks_stats("us-east-1_Nope")


def test_no_keys_is_unavailable_not_invalid() -> None:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True)
    with pytest.raises(JwksNotAvailableError) as e:
        v.verify(id_token())
    assert e.value.code == "jwks_unavailable" and e.value.retry_at >= 0
    with pytest.raises(JwksNotAvailableError):
        v.hydrate()
    assert v.jwks_stats()["last_error"] == "offline: keys only from cache_jwks"


def test_cache_jwks_refuses_bad_sets_and_keeps_the_old() -> None:
    v = verifier()
    with pytest.raises(cognito_verify.JwksValidationError) as e:
        v.cache_jwks('{"keys": []}')
    # A set with no usable key (an outage page, a proxy) never replaces keys that work.
    assert e.value.code == "malformed_jwks"
    assert v.verify(id_token())["sub"]
    with pytest.raises(TypeError):
        v.cache_jwks(42)  # type: ignore[arg-type]


def test_verify_async() -> None:
    v = verifier()

    async def main() -> list[object]:
        good = v.verify_async(id_token())
        bad = v.verify_async("abc.def.ghi")
        return await asyncio.gather(good, bad, return_exceptions=True)

    good, bad = asyncio.run(main())
    assert isinstance(good, dict) and good["sub"]
    assert isinstance(bad, JwtVerificationError) and bad.code == "malformed_token"
    # Keys that must be waited for are waited for off the loop (here: refused at once, offline).
    empty = CognitoJwtVerifier(POOL, client_id=CLIENT, offline=True)
    with pytest.raises(JwksNotAvailableError):
        asyncio.run(empty.verify_async(id_token()))
    asyncio.run(v.hydrate_async())
