"""The one home of the project's prefixes and graph IRIs, as plain strings.

``aifactories.namespaces`` builds its rdflib Namespaces from this table; CURIEs are written and
read by ``aifactories.terms``. Plain strings keep the lean paths (``aifactories --help``, a stored
query on Oxigraph from a warm cache) free of rdflib.
"""

from __future__ import annotations

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
