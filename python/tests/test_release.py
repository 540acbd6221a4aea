"""The GIL and the event loop are released while keys are fetched: the JWKS server here is a
Python thread of this process, which can only answer while `verify` does not hold the GIL, and
an asyncio task keeps ticking while `verify_async` waits for the fetch."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from conftest import CLIENT, POOL, id_token, jwks

from cognito_verify import CognitoJwtVerifier

DELAY = 0.3


class Keys(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        time.sleep(DELAY)  # a slow Cognito: the verification waits this long for its keys
        body = json.dumps(jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_verify_releases_the_gil_while_keys_are_fetched(jwks_url: str) -> None:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, jwks_uri=jwks_url)
    start = time.monotonic()
    assert v.verify(id_token())["cognito:username"] == "alice"
    assert DELAY <= time.monotonic() - start < 5
    assert v.jwks_stats()["fetches"] == 1


def test_verify_async_does_not_block_the_event_loop(jwks_url: str) -> None:
    v = CognitoJwtVerifier(POOL, client_id=CLIENT, jwks_uri=jwks_url)

    async def main() -> tuple[dict, int]:
        ticks = 0
        done = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        claims = await v.verify_async(id_token())
        done.set()
        await ticker
        return claims, ticks

    claims, ticks = asyncio.run(main())
    assert claims["token_use"] == "id"
    # About DELAY / 10 ms ticks happen while the fetch is awaited; a blocked loop gives 1.
    assert ticks >= 5, ticks
