"""Apache Jena's command-line tools (``riot``, ``shacl``) for the interoperability tests.

A Jena distribution's scripts on PATH are used as they are. Debian's ``libapache-jena-java``
(``apt-get install libapache-jena-java``) ships the jars but no scripts, so the tools' main classes
are run from ``/usr/share/java`` with two gaps filled:

- Debian's jena-core relocates Xerces to the package ``xerces`` but keeps its message bundles under
  ``org/apache/jena/ext/xerces``; without them Jena stops at start-up with "internal error". The
  bundles are copied, from the same jar, to where the classes look.
- Jena's JSON-LD 1.1 reader needs a JSON-P provider that Debian does not package; JSON-LD is read
  with Jena's JSON-LD 1.0 reader (``--syntax=jsonld10``) instead.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

DEBIAN_JARS = Path("/usr/share/java")
_JARS = (
    *("jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "jena-shacl", "jena-shex"),
    *("jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data"),
    *("jena-dboe-transaction", "jena-tdb", "jena-tdb2", "jena-rdfconnection"),
    *("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io"),
    *("commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache"),
    *("httpcore", "jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java"),
    *("jakarta.json-api", "titanium-json-ld", "protobuf", "thrift", "slf4j-api", "slf4j-nop"),
)
_MAIN = {"riot": "riotcmd.riot", "shacl": "shacl.shacl", "rsparql": "arq.rsparql"}
_BUNDLES = "org/apache/jena/ext/xerces/"


@dataclass(frozen=True)
class Jena:
    """How to start one Jena tool; ``jsonld`` are the riot options that read JSON-LD."""

    command: tuple[str, ...]
    jsonld: tuple[str, ...] = ()


def find(tool: str, scratch: Path) -> tuple[Jena | None, str]:
    """Jena's ``tool`` (riot, shacl, rsparql), or None and the reason it is not available."""
    on_path = shutil.which(tool)
    if on_path:
        return Jena((on_path,)), ""
    java = shutil.which("java")
    missing = [j for j in _JARS if not (DEBIAN_JARS / f"{j}.jar").is_file()]
    if java is None or missing:
        why = "no java" if java is None else f"no {', '.join(missing[:3])} jar in {DEBIAN_JARS}"
        return None, (
            f"Apache Jena's {tool} is not installed ({why}): put Jena's bin/ on PATH or "
            "apt-get install libapache-jena-java"
        )
    bundles = scratch / "jena-bundles"
    if not bundles.is_dir():
        with zipfile.ZipFile(DEBIAN_JARS / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(_BUNDLES) and name.endswith(".properties"):
                    target = bundles / "xerces" / name[len(_BUNDLES) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    classpath = ":".join([str(bundles), *(str(DEBIAN_JARS / f"{j}.jar") for j in _JARS)])
    return Jena((java, "-cp", classpath, _MAIN[tool]), ("--syntax=jsonld10",)), ""
