"""Session fixtures: the project graph is parsed and reasoned over once for the whole suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from aifactories.graph import KnowledgeGraph, load

# The graph cache (aifactories.cache) goes to a fresh folder per test session, never to the
# user's cache: each session starts cold, and subprocesses started by tests inherit the folder.
os.environ.setdefault("AIFACTORIES_CACHE_DIR", tempfile.mkdtemp(prefix="aifactories-test-cache-"))

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that run Apache Jena carry the ``jena`` marker (``-m "not jena"`` skips them)."""
    for item in items:
        if "jena" in item.name.lower():
            item.add_marker(pytest.mark.jena)


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The shipped ontology + data with its filtered OWL RL closure."""
    return load()
