"""Helpers for tests of code that uses cognito_verify."""

from __future__ import annotations

import contextlib
from typing import Iterator

from . import _native


@contextlib.contextmanager
def frozen_time(now: int) -> Iterator[None]:
    """Every verifier of the process reads ``now`` (unix seconds) as the time inside the block:
    tokens are checked against it and the key refresh policy counts in it. Not for production."""
    _native._freeze_time(now)
    try:
        yield
    finally:
        _native._freeze_time(0)
