"""Where the ontology, data and queries live: a checkout's tree, else the wheel's copy."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``queries/``.

    A checkout (editable install) is preferred so that edits to the Turtle files take effect
    at once; an installed wheel carries the same folders under ``aifactories/resources``.
    """
    here = Path(__file__).resolve().parent
    checkout = here.parents[1]
    if (checkout / "ontology" / "aifactories.ttl").is_file():
        return checkout
    return here / "resources"


def ontology_file() -> Path:
    return project_root() / "ontology" / "aifactories.ttl"


def shapes_file() -> Path:
    return project_root() / "ontology" / "shapes.ttl"


def data_files() -> list[Path]:
    """The project's data files, sorted so that load order (and blank-node ids) are stable."""
    return sorted((project_root() / "data").glob("*.ttl"))


def queries_dir() -> Path:
    return project_root() / "queries"
