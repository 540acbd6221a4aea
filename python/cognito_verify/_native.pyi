# Type stubs of the extension module (python/src/). The public names are re-exported by
# cognito_verify; CognitoJwtVerifier is Verifier plus verify_async and hydrate_async,
# AlbJwtVerifier is AlbVerifier plus verify_async.
from typing import Any, Literal, Mapping, Optional, Sequence, TypedDict, Union

__version__: str

Strings = Union[str, Sequence[str]]
Requirement = Union[str, Sequence[str], Mapping[Literal["any_of", "all_of"], Sequence[str]]]
TokenUse = Optional[Literal["id", "access", "any"]]

class PoolSettings(TypedDict, total=False):
    user_pool_id: str
    issuer: Strings
    jwks_uri: str
    client_id: Strings
    token_use: TokenUse
    groups: Requirement
    scope: Requirement

class JwksCache(TypedDict, total=False):
    unknown_kid_cooldown: int
    max_key_age: int
    retry_base: int
    retry_max: int
    fetch_timeout: int
    request_timeout: int

class SignatureCacheStats(TypedDict):
    hits: int
    misses: int
    capacity: int

class VerdictMemoStats(TypedDict):
    hits: int
    misses: int
    capacity: int
    max_bytes: int
    bytes: int

class RevocationStats(TypedDict):
    held: int
    capacity: int

class JwksStats(TypedDict):
    fetches: int
    failures: int
    last_error: Optional[str]
    keys: int

class Verifier:
    def __init__(
        self,
        user_pool_id: Optional[str] = None,
        *,
        issuer: Optional[Strings] = None,
        jwks_uri: Optional[str] = None,
        client_id: Optional[Strings] = None,
        token_use: TokenUse = None,
        groups: Optional[Requirement] = None,
        scope: Optional[Requirement] = None,
        pools: Optional[Sequence[PoolSettings]] = None,
        leeway: Optional[int] = None,
        max_age: Optional[int] = None,
        max_token_lifetime: Optional[int] = None,
        max_token_bytes: Optional[int] = None,
        max_jwks_bytes: Optional[int] = None,
        signature_cache: Optional[int] = None,
        verdict_memo: Optional[int] = None,
        verdict_memo_bytes: Optional[int] = None,
        revocation_capacity: Optional[int] = None,
        allow_es256: Optional[bool] = None,
        allow_any_rsa_exponent: Optional[bool] = None,
        allow_insecure_http: Optional[bool] = None,
        jwks_cache: Optional[JwksCache] = None,
        offline: bool = False,
    ) -> None: ...
    @property
    def pool_count(self) -> int: ...
    def verify(
        self,
        token: str,
        *,
        token_use: TokenUse = None,
        groups: Optional[Requirement] = None,
        scope: Optional[Requirement] = None,
    ) -> dict[str, Any]: ...
    def _try_verify(
        self,
        token: str,
        *,
        token_use: TokenUse = None,
        groups: Optional[Requirement] = None,
        scope: Optional[Requirement] = None,
    ) -> Optional[dict[str, Any]]: ...
    def hydrate(self) -> None: ...
    def cache_jwks(
        self, jwks: Union[str, bytes, Mapping[str, Any]], pool: Union[int, str, None] = None
    ) -> None: ...
    def revoke(
        self,
        *,
        origin_jti: Optional[str] = None,
        jti: Optional[str] = None,
        exp: Optional[int] = None,
        sub: Optional[str] = None,
        issued_at_or_before: Optional[int] = None,
    ) -> None: ...
    def sign_out(self, sub: str, origin_jti: str) -> Literal["session", "subject"]: ...
    def signature_cache_stats(self) -> SignatureCacheStats: ...
    def verdict_memo_stats(self) -> VerdictMemoStats: ...
    def revocation_stats(self) -> RevocationStats: ...
    def jwks_stats(self, pool: Union[int, str, None] = None) -> JwksStats: ...
    # Test hooks of cognito_verify.testing.RefreshDriver.
    def _poll(self, pool: int, now: int, unknown_kid: bool) -> tuple[str, Optional[int]]: ...
    def _fetched(self, pool: int, now: int, jwks: Union[str, bytes, Mapping[str, Any], None]) -> None: ...
    def _load_jwks(self, jwks: Union[str, bytes, Mapping[str, Any]], now: int) -> None: ...
    def _verify_at(self, token: str, now: int) -> dict[str, Any]: ...

class AlbKeyStats(TypedDict):
    fetches: int
    failures: int
    keys: int

class AlbVerifier:
    def __init__(
        self,
        alb_arn: Optional[Strings] = None,
        *,
        client_id: Optional[Strings] = None,
        issuer: Optional[str] = None,
        leeway: Optional[int] = None,
        key_url_base: Optional[str] = None,
        jwks_cache: Optional[JwksCache] = None,
        offline: bool = False,
    ) -> None: ...
    def verify(self, token: str) -> dict[str, Any]: ...
    def _try_verify(self, token: str) -> Optional[dict[str, Any]]: ...
    def cache_key(self, alb_arn: str, kid: str, pem: str) -> None: ...
    def stats(self) -> AlbKeyStats: ...
    def verdict_memo_stats(self) -> VerdictMemoStats: ...
    def signature_cache_stats(self) -> SignatureCacheStats: ...

def error_codes() -> list[str]: ...
def _register_errors(classes: dict[str, type]) -> None: ...
def _freeze_time(now: int) -> None: ...
