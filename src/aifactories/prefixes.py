"""The project's prefixes as plain strings, and CURIEs, without importing rdflib.

``aifactories.namespaces.PREFIXES`` holds the same table as rdflib Namespaces (a test keeps the
two equal). This module exists for the lean paths (``aifactories --help``, a stored query on the
Oxigraph engine from a warm cache), which must not pay for importing rdflib.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/aifactories/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ASSERTED_GRAPH = BASE + "graph/asserted"
INFERRED_GRAPH = BASE + "graph/inferred"

#: prefix -> namespace IRI, in the order of ``namespaces.PREFIXES``.
PREFIX_IRIS: dict[str, str] = {
    "aif": BASE + "ontology#",
    "aifsh": BASE + "shapes#",
    "factory": BASE + "id/factory/",
    "antenna": BASE + "id/antenna/",
    "organisation": BASE + "id/organisation/",
    "system": BASE + "id/system/",
    "place": BASE + "id/place/",
    "sector": BASE + "id/sector/",
    "src": BASE + "id/source/",
    "wave": BASE + "id/wave/",
    "call": BASE + "id/call/",
    "role": BASE + "id/role/",
    "usage": BASE + "id/usage-kind/",
    "skind": BASE + "id/source-kind/",
    "membership": BASE + "id/membership/",
    "sysusage": BASE + "id/usage/",
    "value": BASE + "id/value/",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "skos": SKOS,
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": "http://www.w3.org/ns/shacl#",
}

#: Longest namespace first, so ``membership:`` wins over a shorter prefix of the same IRI.
_BY_LENGTH = tuple(sorted(PREFIX_IRIS.items(), key=lambda pn: -len(pn[1])))
#: Same rules as ``aifactories.terms``: a local name written without escaping.
_LOCAL = re.compile(r"^[\w-]([\w.-]*[\w-])?$|^$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_CURIE = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)$")


def curie(iri: str) -> str:
    """``prefix:local`` for an IRI in a project namespace, else ``<iri>`` (as ``terms.curie``)."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def expand_curie(text: str) -> str | None:
    """The IRI for ``prefix:local`` with a project prefix, or None when ``text`` is not one."""
    match = _CURIE.match(text)
    if not match or match.group(1) not in PREFIX_IRIS:
        return None
    return PREFIX_IRIS[match.group(1)] + match.group(2)


def as_iri(text: str) -> str | None:
    """``<iri>``, an absolute IRI or a project CURIE as an IRI; None for anything else."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if _IRI.match(text):
        return text
    return expand_curie(text)
