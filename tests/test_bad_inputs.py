"""The bad-input corpus (tests/bad_inputs/manifest.jsonl): every case gets its one clear answer.

CLI cases run in process (CliRunner): the expected exit code, a one-line ``Error:`` message with
the expected fragment for exit 2, and never a traceback. HTTP cases run against the ASGI app in
process (those marked ``served`` against a real ``aifactories serve``, in
tests/server/test_served_bad_inputs.py): the expected status, and for every 4xx the one JSON error
shape. A case that hangs fails after ``HANG_SECONDS`` instead of stalling the suite.
``AIFACTORIES_CORPUS_TIMES=FILE`` writes each case's exit code and time to FILE (the figures in
the closing note of issue 13).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aifactories.cli import main

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES = [json.loads(line) for line in (HERE / "manifest.jsonl").read_text().splitlines() if line]
HANG_SECONDS = 60
_REPEAT = re.compile(r"\{repeat:(.*?):(\d+)\}", re.S)
_TIMES: dict[str, dict[str, Any]] = {}
AIF = "@prefix aif: <https://w3id.org/aifactories/ontology#> .\n"
PFX = (
    AIF + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix ex: <http://example.org/> .\n"
)


def expand(text: str) -> str:
    return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text)


def test_corpus_size() -> None:
    """The issue asks for at least 300 bad inputs; both kinds are present."""
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 300 and kinds == {"cli", "http"}
    assert len({c["id"] for c in CASES}) == len(CASES)


# --- materialising inputs -------------------------------------------------------------------


def generated(spec: str) -> bytes:
    name, _, arg = spec.partition(":")
    if name == "text":
        return (PFX + arg + "\n").encode()
    if name == "located_chain":
        n = int(arg)
        return (PFX + "".join(f"ex:p{i} aif:locatedIn ex:p{i + 1} .\n" for i in range(n))).encode()
    if name == "sameas_chain":
        n = int(arg)
        return (PFX + "".join(f"ex:s{i} owl:sameAs ex:s{i + 1} .\n" for i in range(n))).encode()
    if name == "subclass_chain":
        n = int(arg)
        return (
            PFX + "".join(f"ex:C{i} rdfs:subClassOf ex:C{i + 1} .\n" for i in range(n))
        ).encode()
    if name == "collection":
        items = " ".join(f"ex:i{i}" for i in range(int(arg)))
        return (PFX + f"ex:a ex:list ( {items} ) .\n").encode()
    if name == "gzip_bomb":  # ~150 kB that inflates to 150 MB (the default limit is 100 MB)
        return gzip.compress(b"\0" * (150 * 1024 * 1024), compresslevel=9)
    if name == "gzip_truncated":
        whole = gzip.compress(b"<http://a/s> <http://a/p> <http://a/o> .\n" * 1000)
        return whole[: len(whole) // 2]
    if name == "gzip_of":
        return gzip.compress(arg.encode())
    raise AssertionError(f"unknown generator {spec}")


def materialise(spec: dict[str, Any], folder: Path) -> Path:
    path = folder / spec["name"]
    special = spec.get("special")
    if special == "fifo":
        os.mkfifo(path)
    elif special == "devzero":
        path.symlink_to("/dev/zero")
    elif special == "dangling":
        path.symlink_to(folder / "no-such-target.ttl")
    elif special == "dangling-in-folder":
        inner = folder / "data"
        inner.mkdir()
        (inner / spec["name"]).symlink_to(folder / "no-such-target.ttl")
        return inner
    elif "gen" in spec:
        path.write_bytes(generated(spec["gen"]))
    elif "b64" in spec:
        path.write_bytes(base64.b64decode(spec["b64"]))
    else:
        path.write_bytes(expand(spec["text"]).encode("utf-8", "surrogatepass"))
    return path


@contextlib.contextmanager
def silent_endpoint() -> Iterator[str]:
    """A loopback port that accepts connections (via the backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/query"


@contextlib.contextmanager
def hang_guard(case_id: str) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise AssertionError(f"{case_id}: no answer in {HANG_SECONDS} s (a hang)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- CLI ------------------------------------------------------------------------------------------


def params(kind: str, *, served: bool = False) -> list[Any]:
    """The cases of ``kind`` (``served``: those for a real server); a case marked ``pending``
    (with why) is xfail(strict=True)."""
    return [
        pytest.param(
            c,
            id=c["id"],
            marks=[pytest.mark.xfail(reason=c["pending"], strict=True)] if "pending" in c else [],
        )
        for c in CASES
        if c["kind"] == kind and c.get("served", False) == served
    ]


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph cache of the corpus's own: its many one-off entries must not push the session's
    project entry out of the shared cache (it keeps the newest few)."""
    return tmp_path_factory.mktemp("corpus-cache")


@pytest.mark.parametrize("case", params("cli"))
def test_cli_case(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_cache: Path
) -> None:
    monkeypatch.setenv("AIFACTORIES_CACHE_DIR", str(corpus_cache))
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    work = tmp_path / "work"
    work.mkdir()
    good = tmp_path / "good.ttl"
    good.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    full = tmp_path / "full"
    full.mkdir()
    (full / "something.txt").write_text("x")
    inp = materialise(case["input"], tmp_path) if "input" in case else None
    with silent_endpoint() as silent:
        args = [
            expand(a)
            .replace("{in}", str(inp))
            .replace("{good}", str(good))
            .replace("{tmpfile}", str(full))
            .replace("{tmp}", str(work))
            .replace("{silent}", silent)
            for a in case["args"]
        ]
        started = time.monotonic()
        with hang_guard(case["id"]):
            result = CliRunner().invoke(main, args, catch_exceptions=True)
        seconds = time.monotonic() - started
    _TIMES[case["id"]] = {"exit": result.exit_code, "seconds": round(seconds, 3)}
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output, output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == case["exit"], output[-2000:]
    if case["exit"] == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.stderr[-2000:]
        assert case["message"].lower() in errors[0].lower(), errors[0]
    elif case["message"]:
        assert case["message"].lower() in output.lower(), output[-2000:]


# --- HTTP -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(kg: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from aifactories.server import Settings, create_app

    app = create_app(kg, Settings(timeout=5, row_cap=1000, workers=2))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("case", params("http"))
def test_http_case(case: dict[str, Any], client: Any) -> None:
    headers = {"accept": "application/json", **case.get("headers", {})}
    body: bytes | None = None
    if "body" in case:
        body = expand(case["body"]).encode()
    elif "body_b64" in case:
        body = base64.b64decode(case["body_b64"])
    started = time.monotonic()
    with hang_guard(case["id"]):
        response = client.request(
            case["method"],
            expand(case["path"]),
            content=body,
            headers=headers,
            follow_redirects=False,
        )
    _TIMES[case["id"]] = {
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 3),
    }
    check_http_answer(case, response.status_code, response.headers, response.text)


def check_http_answer(case: dict[str, Any], status: int, headers: Any, text: str) -> None:
    """The expected status; every 4xx in the one JSON error shape with the expected fragment;
    no redirect off the site."""
    assert status == case["status"], text[:500]
    if 400 <= status < 500 and case["method"] != "HEAD":
        error = json.loads(text)["error"]  # the one JSON error shape
        assert error["status"] == status
        assert isinstance(error["message"], str) and error["message"]
        assert case["message"].lower() in error["message"].lower()
    location = headers.get("location") or ""
    assert not location.startswith(("//", "/\\")) and "://" not in location


def test_query_limits_answer_alike_on_the_cli_and_the_server(client: Any) -> None:
    """The same over-size or over-nested query gets the same one-line message on both surfaces."""
    by_id = {c["id"]: c for c in CASES}
    for name in ("union-500", "nested-300", "too-long"):
        query = expand(by_id[f"http-sparql-{name}"]["body"])
        assert [expand(a) for a in by_id[f"sparql-{name}"]["args"]] == ["sparql", query]
        result = CliRunner().invoke(main, ["sparql", query])
        response = client.post(
            "/sparql", content=query, headers={"content-type": "application/sparql-query"}
        )
        assert (result.exit_code, response.status_code) == (2, 400), name
        message = response.json()["error"]["message"]
        assert "AIFACTORIES_LIMIT_QUERY_" in message
        assert result.stderr.strip() == f"Error: {message}"


def teardown_module() -> None:
    target = os.environ.get("AIFACTORIES_CORPUS_TIMES")
    if target and _TIMES:
        Path(target).write_text(json.dumps(_TIMES, indent=1, sort_keys=True))


def test_pages_carry_a_content_security_policy(client: Any) -> None:
    """Every HTML answer (page or error page) names where scripts may come from; JSON does not
    need one; no answer may be sniffed into another type."""
    for path in ("/", "/query", "/no/such/page"):
        response = client.get(path, headers={"accept": "text/html"})
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert response.headers.get("x-content-type-options") == "nosniff"
    api = client.get("/api/queries", headers={"accept": "application/json"})
    assert api.headers.get("x-content-type-options") == "nosniff"
