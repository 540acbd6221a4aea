"""Helpers for tests of code that uses cognito_verify."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional, Union

from . import _native

# The frozen time in force (0: the system clock), so that nested blocks restore the outer one.
_now = 0


@contextlib.contextmanager
def frozen_time(now: int) -> Iterator[None]:
    """Every verifier of the process reads ``now`` (unix seconds) as the time inside the block:
    tokens are checked against it and the key refresh policy counts in it. Blocks nest. Not for
    production."""
    global _now
    outer, _now = _now, now
    _native._freeze_time(now)
    try:
        yield
    finally:
        _now = outer
        _native._freeze_time(outer)


class RefreshDriver:
    """A verifier's key refresh policy (the core's ``JwksRefresh``, ARCHITECTURE.md "Key
    refresh") driven by hand at given times, as testdata/refresh.jsonl drives it in every
    runtime: what to do about a pool's keys, the outcome of a fetch, keys loaded, a verification
    with the keys held. Nothing is fetched; every decision is the core's."""

    def __init__(self, verifier: _native.Verifier) -> None:
        self._v = verifier

    def poll(self, now: int, unknown_kid: bool = False, pool: int = 0) -> tuple[str, Optional[int]]:
        """The action (``use_cached``, ``fetch``, ``refresh``, ``wait``, ``unavailable``) and,
        for ``unavailable``, when a fetch is tried again."""
        return self._v._poll(pool, now, unknown_kid)

    def fetched(self, now: int, jwks: Union[str, bytes, dict[str, Any], None], pool: int = 0) -> None:
        """Reports the fetch ``poll`` asked for: the document fetched, or ``None`` for a failure.
        Raises the key-set error for a document the core refuses."""
        self._v._fetched(pool, now, jwks)

    def load(self, now: int, jwks: Union[str, bytes, dict[str, Any]]) -> None:
        """``cache_jwks`` at ``now``."""
        self._v._load_jwks(jwks, now)

    def verify(self, token: str, now: int) -> dict[str, Any]:
        """Verifies at ``now`` with the keys held; fetches nothing, asks the policy nothing."""
        return self._v._verify_at(token, now)
