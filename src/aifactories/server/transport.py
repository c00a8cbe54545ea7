"""The HTTP/1.1 connection uvicorn runs for ``serve``: httptools, with a bound on the URL.

httptools accumulates a request's URL without limit and then refuses one over 64 kB with a bare
``400 Invalid HTTP request received.`` (text, not our error shape); a client still sending a long
URL when the socket closes sees a connection reset instead. Here a URL over ``URL_KB`` stops the
parser, the rest of the request head is read and dropped (so the client is not reset), and the
answer is ``414`` in the one JSON error shape.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from aifactories import limits
from aifactories.server.responses import error_body

#: httptools' own ceiling on a URL (``parse_url`` refuses longer ones).
PARSER_MAX_URL = 65535
#: Bytes of an over-long request head read and dropped before answering; beyond, close at once.
DRAIN_BYTES = 16 * 1024 * 1024


def url_limit() -> int:
    """``URL_KB`` in bytes; LimitExceeded when set above what httptools can parse."""
    size = int(limits.value("URL_KB") * 1024)
    if size > PARSER_MAX_URL:
        raise limits.LimitExceeded(
            f"{limits.ENV_PREFIX}URL_KB={limits.value('URL_KB'):g}: the HTTP parser takes URLs "
            f"of at most {PARSER_MAX_URL} bytes; send longer queries with POST"
        )
    return size


def uvicorn_options() -> dict[str, Any]:
    """The uvicorn.Config keywords that install this protocol (checked before serving)."""
    url_limit()
    return {"http": BoundedHttpTools}


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol that answers 414 to a URL over ``URL_KB``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_limit = url_limit()
        self.url_too_long = False
        self.drained = 0
        self.tail = b""

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.url_limit:
            self.url_too_long = True
            raise ValueError("URL too long")  # httptools stops; uvicorn calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if not self.url_too_long:
            super().send_400_response(msg)

    def data_received(self, data: bytes) -> None:
        if not self.url_too_long:
            super().data_received(data)
            if not self.url_too_long:
                return
            self.url = b""  # the parser stopped: drop what it gathered
        self._drain(data)

    def _drain(self, data: bytes) -> None:
        """Read and drop the rest of the request head; then answer 414 and close."""
        self.drained += len(data)
        seen = self.tail + data
        self.tail = seen[-3:]
        if b"\r\n\r\n" in seen or b"\n\n" in seen or self.drained > DRAIN_BYTES:
            self._send_414()

    def _send_414(self) -> None:
        if self.transport.is_closing():
            return
        message = limits.exceeded(
            "URL_KB",
            f"the request URL is longer than {self.url_limit} bytes; send a long query with POST",
        )
        body = json.dumps(error_body(414, str(message))).encode()
        head = [STATUS_LINE[414]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"x-content-type-options: nosniff\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
        self.logger.warning("414: %s", message)
        self.transport.write(b"".join(head))
        self.transport.close()
