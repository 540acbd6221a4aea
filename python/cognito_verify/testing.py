"""Helpers for tests of code that uses cognito_verify."""

from __future__ import annotations

import contextlib
from typing import Iterator

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
