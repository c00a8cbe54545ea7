"""The bad-input corpus's ``served`` cases, against a real ``aifactories serve``.

Their answer comes from the HTTP layer (uvicorn and its parser), which the in-process client
never reaches; and httpx refuses to send a URL over 64 kB, so the standard library's client
sends them, as any client may.
"""

from __future__ import annotations

import http.client
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.server.conftest import Server

from test_bad_inputs import HANG_SECONDS, check_http_answer, expand, params


@pytest.mark.parametrize("case", params("http", served=True))
def test_served_case(case: dict[str, Any], server: Server) -> None:
    where = urlsplit(server.url)
    connection = http.client.HTTPConnection(
        where.hostname or "127.0.0.1", where.port, timeout=HANG_SECONDS
    )
    body = expand(case["body"]).encode() if "body" in case else None
    headers = {"accept": "application/json", **case.get("headers", {})}
    started = time.monotonic()
    try:
        connection.request(case["method"], expand(case["path"]), body=body, headers=headers)
        response = connection.getresponse()  # a connection reset fails the test here
        text = response.read().decode()
    finally:
        connection.close()
    assert time.monotonic() - started < HANG_SECONDS
    check_http_answer(case, response.status, response.headers, text)
