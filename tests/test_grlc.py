"""grlc serves the stored queries as they are; each SELECT answers as ``aifactories query`` does.

grlc (https://github.com/CLARIAH/grlc, from PyPI) pins exact versions of rdflib, Flask and more
that conflict with this project's, so the test installs it into a virtual environment of its own
(``AIFACTORIES_GRLC_VENV``, default ``<tmp>/aifactories-grlc-venv``, kept between runs) and skips,
with pip's reason, where that cannot be done. grlc's Flask app then loads ``queries/`` as a local
API (``config.ini``: ``local_sparql_dir``) and runs each query against a real ``oxigraph serve``
holding a copy published with ``aifactories publish --default-graph union`` (grlc sends no
dataset). Every SELECT without parameters must give the rows ``aifactories query NAME`` gives
locally. Parameters: grlc reads ``?_factory`` as a plain string literal (its convention for IRIs is
a variable named ``?_factory_iri``) and ignores the header's ``params:``, so the parameterised
queries cannot be expressed through grlc; the README says so and names them (checked below).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aifactories import cli, resources
from aifactories.query import catalogue
from stores import oxigraph_server

QUERIES = resources.project_root() / "queries"
CATALOGUE = catalogue.load_catalogue()
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Run inside grlc's environment: serve ``queries/`` and answer each query named in argv.
_PROBE = """
import json, sys
from grlc.server import app
client = app.test_client()
spec = client.get("/api-local/swagger").get_json()
out = {"served": sorted(p.strip("/") for p in spec["paths"]), "answers": {}}
endpoint = sys.argv[1]
for name in sys.argv[2:]:
    r = client.get("/api-local/" + name, query_string={"endpoint": endpoint},
                   headers={"Accept": "application/json"})
    out["answers"][name] = [r.status_code, r.get_data(as_text=True)]
print("GRLC-JSON " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def grlc_python() -> str:
    """The Python of a virtual environment with grlc (created and cached on first use)."""
    venv = Path(
        os.environ.get("AIFACTORIES_GRLC_VENV")
        or Path(tempfile.gettempdir()) / "aifactories-grlc-venv"
    )
    python = venv / "bin" / "python"
    if not python.is_file():
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True
        )
        if made.returncode != 0:
            pytest.skip(f"cannot create a virtual environment for grlc: {made.stderr[-300:]}")
    check = subprocess.run([str(python), "-c", "import grlc"], capture_output=True)
    if check.returncode != 0:
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "grlc>=1.3.11"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            pytest.skip(f"grlc could not be installed from PyPI: {done.stderr.strip()[-400:]}")
    return str(python)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("grlc-store")) as base:
        url = f"{base}/query"
        published = CliRunner().invoke(
            cli.main, ["publish", "--endpoint", url, "--replace", "--default-graph", "union"]
        )
        assert published.exit_code == 0, published.output
        yield url


def _plain_selects() -> list[catalogue.StoredQuery]:
    return [q for q in CATALOGUE if q.form == "SELECT" and not q.params]


@pytest.fixture(scope="module")
def grlc(grlc_python: str, endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What grlc serves, and its answer to every parameter-free SELECT."""
    work = tmp_path_factory.mktemp("grlc")
    (work / "config.ini").write_text(
        f"[local]\nlocal_sparql_dir = {QUERIES}\n[defaults]\nsparql_endpoint = {endpoint}\n",
        encoding="utf-8",
    )
    names = [q.path.stem for q in _plain_selects()]
    done = subprocess.run(
        [grlc_python, "-c", _PROBE, endpoint, *names],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("GRLC-JSON ")), None)
    assert line is not None, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(line.removeprefix("GRLC-JSON "))


def _cell(term: dict[str, str] | None) -> tuple[str, ...] | None:
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return ("uri", term["value"])
    if kind == "bnode":
        return ("bnode",)
    if term.get("xml:lang"):
        return ("literal", term["value"], "@" + term["xml:lang"].lower())
    return ("literal", term["value"], term.get("datatype", XSD_STRING))


def _rows(data: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    names = data["head"]["vars"]
    return Counter(tuple(_cell(b.get(v)) for v in names) for b in data["results"]["bindings"])


def test_every_query_but_the_ask_is_served(grlc: dict) -> None:
    """grlc 1.3.11 does not serve ASK queries ('AskQuery is currently unsupported')."""
    served = set(grlc["served"])
    expected = {q.path.stem for q in CATALOGUE if q.form != "ASK"}
    assert served == expected


@pytest.mark.parametrize("query", _plain_selects(), ids=lambda q: q.name)
def test_grlc_answers_like_aifactories_query(query: catalogue.StoredQuery, grlc: dict) -> None:
    status, body = grlc["answers"][query.path.stem]
    assert status == 200, body[:500]
    theirs = json.loads(body)
    local = CliRunner().invoke(cli.main, ["query", query.name, "--format", "json"])
    assert local.exit_code == 0, local.output
    ours = json.loads(local.output)
    assert theirs["head"]["vars"] == ours["head"]["vars"]
    assert _rows(theirs) == _rows(ours)
    assert sum(_rows(ours).values()) > 0, "a query that answers nothing proves nothing"


def test_readme_names_the_queries_grlc_cannot_parameterise() -> None:
    readme = (resources.project_root() / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Stored queries in grlc", 1)[-1].split("\n## ", 1)[0]
    for query in CATALOGUE:
        if query.params:
            assert f"`{query.name}`" in section, query.name


def test_every_header_is_yaml_as_grlc_reads_it() -> None:
    """grlc strips '#+' from the header lines and reads the rest with a YAML parser."""
    import yaml

    for path in sorted(QUERIES.glob("*.rq")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = "".join(line[2:] + "\n" for line in lines if line.startswith("#+"))
        data = yaml.safe_load(header)
        assert {"summary", "description", "tags"} <= set(data), path.name
    assert (QUERIES / "endpoint.txt").read_text(encoding="utf-8").startswith("http")
