"""Offline by construction: no input makes a command reach the network.

A canary HTTP server on 127.0.0.1 records every request. It is named in the inputs that invite a
fetch (JSON-LD contexts and imports, XML external entities, owl:imports, SERVICE, FROM, LOAD),
and it is set as the HTTP(S) proxy of the process, so that a fetch to *any* host would reach it
too. Every RDF fixture of the suite and every corpus case that names a URL is run; the canary
must see no request. A first request made on purpose shows that the canary does see requests.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aifactories.cli import main

TESTS = Path(__file__).resolve().parent
RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".rdf")
GOOD = "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"


class Canary:
    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                body = b'{"@context": {}}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_CONNECT = do_PUT = _record

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> Iterator[Canary]:
    with Canary() as bird:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, bird.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        urllib.request.install_opener(None)  # urllib's shared opener reads the proxies anew
        # the control: a fetch to any host goes through the canary
        urllib.request.urlopen("http://example.invalid/control", timeout=5).read()
        assert bird.hits == ["GET http://example.invalid/control"]
        bird.hits.clear()
        yield bird
    urllib.request.install_opener(None)


def fixture_files() -> list[Path]:
    return sorted(
        p
        for p in TESTS.rglob("*")
        if p.suffix in RDF_SUFFIXES and p.is_file() and "bad_inputs" not in p.parts
    )


def corpus_cases_naming_urls() -> list[dict[str, Any]]:
    lines = (TESTS / "bad_inputs" / "manifest.jsonl").read_text().splitlines()
    cases = [json.loads(line) for line in lines if line]
    return [
        c
        for c in cases
        if c["kind"] == "cli"
        and "127.0.0.1:9" in json.dumps(c)
        # publish and --endpoint go to the URL the user gave: that is their job
        and c["args"][0] != "publish"
        and "--endpoint" not in c["args"]
    ]


def test_the_fixture_set_reaches_no_network(canary: Canary, tmp_path: Path) -> None:
    """Every RDF fixture of the suite, read by diff (parsing only) and by validate (with the
    closure and the shapes) for a sample; and the inputs that invite a fetch of the canary."""
    good = tmp_path / "good.ttl"
    good.write_text(GOOD)
    runner = CliRunner()
    files = fixture_files()
    assert len(files) > 50
    for path in files:
        runner.invoke(main, ["diff", str(good), str(path)])
    invitations = {
        "imports.ttl": (
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            f"<http://example.org/onto> a owl:Ontology ; owl:imports <{canary.url}/onto.ttl> .\n"
        ),
        "context.jsonld": json.dumps(
            {"@context": f"{canary.url}/ctx.jsonld", "@id": "http://example.org/s"}
        ),
        "entity.rdf": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{canary.url}/x">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
            "<e:p>&x;</e:p></rdf:Description></rdf:RDF>"
        ),
    }
    for name, text in invitations.items():
        path = tmp_path / name
        path.write_text(text)
        runner.invoke(main, ["validate", str(path)])
        runner.invoke(main, ["diff", str(good), str(path)])
    for query in (
        f"SELECT * WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{canary.url}/data.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{canary.url}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{canary.url}/data.ttl>",
        f"DESCRIBE <{canary.url}/thing>",
    ):
        for engine in ("oxigraph", "rdflib"):
            runner.invoke(main, ["sparql", "--engine", engine, query])
    assert canary.hits == []


@pytest.mark.parametrize("case", corpus_cases_naming_urls(), ids=lambda c: c["id"])
def test_corpus_cases_naming_urls_reach_no_network(
    case: dict[str, Any], canary: Canary, tmp_path: Path
) -> None:
    """The corpus cases that name a URL, pointed at the canary."""
    port = canary.url.rsplit(":", 1)[1]
    text = json.dumps(case).replace("127.0.0.1:9", f"127.0.0.1:{port}")
    case = json.loads(text)
    good = tmp_path / "good.ttl"
    good.write_text(GOOD)
    args = [a.replace("{good}", str(good)).replace("{tmp}", str(tmp_path)) for a in case["args"]]
    if "input" in case and "text" in case["input"]:
        path = tmp_path / case["input"]["name"]
        path.write_text(case["input"]["text"])
        args = [a.replace("{in}", str(path)) for a in args]
    if any("{" in a and "}" in a and a.startswith("{") for a in args):
        pytest.skip("needs an input this test does not make")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == case["exit"], result.output
    assert canary.hits == []
