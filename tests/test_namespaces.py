import pytest
from rdflib import Graph
from rdflib.namespace import RDFS

from aifactories import resources
from aifactories.namespaces import AIF


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(resources.ontology_file())


def _own_terms(g: Graph) -> set:
    return {s for s in set(g.subjects()) if str(s).startswith(str(AIF))}


def test_defined_namespace_matches_ontology_terms(ontology):
    in_file = {str(s)[len(str(AIF)) :] for s in _own_terms(ontology)}
    assert in_file == set(AIF.__annotations__)


def test_closed_namespace_rejects_misspelt_terms():
    with pytest.raises(AttributeError):
        AIF.AIFactroy  # noqa: B018


def test_every_term_has_english_label_and_comment(ontology):
    missing = []
    for term in _own_terms(ontology):
        for prop in (RDFS.label, RDFS.comment):
            if not any(getattr(v, "language", None) == "en" for v in ontology.objects(term, prop)):
                missing.append((str(term), prop.n3()))
    assert missing == []
