"""The synthetic benchmark network: deterministic, sized as asked, valid except where planted."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from aifactories.graph import build
from aifactories.terms import curie
from aifactories.validation import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import generate


def test_same_arguments_same_bytes(tmp_path: Path) -> None:
    generate.generate(tmp_path / "a", 3_000)
    generate.generate(tmp_path / "b", 3_000)
    first = (tmp_path / "a" / "network.ttl").read_bytes()
    assert first == (tmp_path / "b" / "network.ttl").read_bytes()
    generate.generate(tmp_path / "c", 3_000, seed=8)
    assert first != (tmp_path / "c" / "network.ttl").read_bytes()


@pytest.mark.parametrize("size", [5_000, 40_000])
def test_size_is_close_to_the_request(tmp_path: Path, size: int) -> None:
    generate.generate(tmp_path, size)
    triples = sum(
        sum(1 for _ in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE))
        for p in generate.files(tmp_path)
    )
    assert abs(triples - size) / size < 0.15, triples


def test_valid_except_the_planted_violations(tmp_path: Path) -> None:
    """Every planted violation gives exactly one SHACL result, and nothing else fails."""
    manifest = generate.generate(tmp_path, 0, factories=12, plant_every=2)
    kinds = {p["kind"] for p in manifest["planted"]}
    assert kinds == set(generate.KINDS)
    assert manifest["planted_count"] == len(manifest["planted"]) == 2 + 4 + 6
    kg = build(generate.files(tmp_path))
    assert kg.inconsistencies == ()
    report = validate(kg.union)
    got = sorted(
        (str(r.focus_node), curie(r.result_path) if r.result_path is not None else "")
        for r in report.violations
    )
    want = sorted((p["focus"], p["path"]) for p in manifest["planted"])
    assert got == want
