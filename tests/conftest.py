"""Session fixtures: the project graph is parsed and reasoned over once for the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifactories.graph import KnowledgeGraph, load

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The shipped ontology + data with its filtered OWL RL closure."""
    return load()
