"""Competency questions (tests/competency/questions.yaml): the graph answers what people ask.

Each question names a stored query, its parameters and the answer written by hand from the seed and
the reference tables; this test runs every one and compares (format: the file's header comment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import PREFIXES
from aifactories.query import catalogue, run_named
from queries.goldens import Cell, golden_cell, show, term_cell

QUESTIONS_FILE = Path(__file__).resolve().parent / "competency" / "questions.yaml"
QUESTIONS: list[dict[str, Any]] = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
TOPICS = {
    "institutions",
    "sectors",
    "systems",
    "countries",
    "dates",
    "waves",
    "antennas",
    "figures",
    "disputes",
}
CATALOGUE = catalogue.load_catalogue()


def test_questions_are_well_formed() -> None:
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)), "question ids repeat"
    assert len(QUESTIONS) >= 40
    for q in QUESTIONS:
        assert {"id", "topic", "question", "query", "params", "expect", "source"} <= q.keys(), q[
            "id"
        ]
        assert q["topic"] in TOPICS, q["id"]
        assert q["source"].strip(), q["id"]
        CATALOGUE.get(q["query"])  # raises on an unknown query
    assert {q["topic"] for q in QUESTIONS} == TOPICS, "every topic has questions"


def _cells(expect: dict[str, Any], key: str) -> set[Cell]:
    return {golden_cell(str(v)) for v in expect.get(key, [])}


def _check(question: dict[str, Any], expect: dict[str, Any], result: Any) -> None:
    qid = question["id"]
    if "boolean" in expect:
        assert result.askAnswer is expect["boolean"], f"{qid}: {question['question']}"
        return
    names = [str(v) for v in result.vars or ()]
    column = expect["column"]
    assert column in names, f"{qid}: no column {column!r} in {names}"
    where = {k: golden_cell(str(v)) for k, v in (expect.get("where") or {}).items()}
    for name in where:
        assert name in names, f"{qid}: no column {name!r} in {names}"
    got = {
        term_cell(row.get(column))
        for row in result.bindings
        if all(term_cell(row.get(k)) == v for k, v in where.items())
    }
    got.discard(None)
    shown = sorted(show(c) for c in got)
    if "equals" in expect:
        assert got == _cells(expect, "equals"), f"{qid}: {question['question']} got {shown}"
    if "includes" in expect:
        missing = _cells(expect, "includes") - got
        assert not missing, f"{qid}: missing {sorted(show(c) for c in missing)}; got {shown}"
    if "excludes" in expect:
        extra = _cells(expect, "excludes") & got
        assert not extra, f"{qid}: should not return {sorted(show(c) for c in extra)}"
    if "count" in expect:
        assert len(got) == expect["count"], f"{qid}: {len(got)} values, {shown}"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q["id"])
def test_competency_question(question: dict[str, Any], kg: KnowledgeGraph) -> None:
    query = CATALOGUE.get(question["query"])
    params = {k: str(v) for k, v in (question["params"] or {}).items()}
    result = run_named(query, params, kg).to_rdflib()
    _check(question, question["expect"], result)
    if "also" in question:
        _check(question, question["also"], result)


AUDIT_FILE = QUESTIONS_FILE.parent / "seed_audit.yaml"
AUDIT: list[dict[str, Any]] = yaml.safe_load(AUDIT_FILE.read_text(encoding="utf-8"))
_PREFIXES = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in sorted(PREFIXES.items()))


@pytest.mark.parametrize("claim", [c for c in AUDIT if "ask" in c], ids=lambda c: c["claim"])
def test_seed_claim_is_reached(claim: dict[str, Any], kg: KnowledgeGraph) -> None:
    result = kg.union.query(f"{_PREFIXES}\nASK {{ {claim['ask']} }}")
    assert result.askAnswer, f"seed claim not found as structured facts: {claim['claim']}"


def test_seed_audit_reaches_nearly_every_claim() -> None:
    unreached = [c for c in AUDIT if "ask" not in c]
    assert all(c.get("reached") is False and c.get("reason") for c in unreached)
    assert len(AUDIT) - len(unreached) >= 95, f"{len(AUDIT) - len(unreached)}/{len(AUDIT)}"
