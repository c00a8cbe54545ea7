"""The plain pipeline, the baseline the fast path is measured against (a process per run):

    python benchmarks/plain_validate.py SHAPES FILE...

rdflib parses every file, owlrl computes the OWL RL closure in place (the whole graph, no
shortcut), pySHACL validates with its own inference off (the closure is already there) and the
same options as ``aifactories validate`` (SHACL-SPARQL on, warnings do not fail). Prints pySHACL's
report text; exit status 0 when the data conforms, 1 otherwise.
"""

from __future__ import annotations

import sys

import owlrl
import pyshacl
from rdflib import Graph


def main(argv: list[str]) -> int:
    shapes_path, *files = argv
    data = Graph()
    for path in files:
        data.parse(path, format="turtle")
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(data)
    shapes = Graph().parse(shapes_path, format="turtle")
    conforms, _, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    print(text)
    return 0 if conforms else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
