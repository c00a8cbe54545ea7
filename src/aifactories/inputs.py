"""The input boundary for files: everything a user file must pass before a parser sees it.

A user file is read only if it is a regular file (not a FIFO, a device or a dangling link) of a
bounded size; gzip is decompressed with a bound; RDF/XML may not declare external or nested
entities; a JSON-LD ``@context`` may not point anywhere (the project's own context is resolved
from the package); and the text must pass Oxigraph's strict parser, so an IRI, a language tag or
a literal that the Oxigraph side would refuse is reported here, as file:line, before any
conversion. After rdflib has parsed a file, ``check_terms`` is the safety net for what the strict
pass cannot see (JSON-LD drops bad IRIs where rdflib keeps them; generalised RDF).
"""

from __future__ import annotations

import json
import os
import re
import stat
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aifactories import limits
from aifactories.errors import DataSyntaxError, InputError

#: The rdflib parser name -> the Oxigraph format used for the strict pass.
_OX_FORMATS = {
    "turtle": "TURTLE",
    "nt": "N_TRIPLES",
    "n3": "N3",
    "json-ld": "JSON_LD",
    "xml": "RDF_XML",
    "nquads": "N_QUADS",
    "trig": "TRIG",
}

#: JSON-LD contexts that stand for the project's own (resolved from the package, never fetched).
OWN_CONTEXTS = ("context.jsonld", "https://w3id.org/aifactories/context.jsonld")


# --- Reading files --------------------------------------------------------------------------


def read_file(path: Path, limit: str = "INPUT_MB") -> bytes:
    """The bytes of ``path`` if it is a regular file within the size limit ``limit`` (MB).

    Opened without blocking and checked again after opening, so a FIFO or a device swapped in
    after the check is never read (a FIFO blocks for ever, /dev/zero never ends).
    """
    max_bytes = int(limits.value(limit) * 1024 * 1024)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(f"{path}: dangling symbolic link (to {os.readlink(path)})") from None
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    _require_regular(path, info.st_mode)
    if info.st_size > max_bytes:
        raise limits.exceeded(limit, f"{path}: file of {info.st_size} bytes is too large")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        _require_regular(path, os.fstat(handle.fileno()).st_mode)
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise limits.exceeded(limit, f"{path}: file is too large")
    return data


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        kind = "FIFO" if stat.S_ISFIFO(mode) else "device" if _is_device(mode) else "special file"
        raise InputError(f"{path}: not a regular file (a {kind})")


def _is_device(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def gunzip(path: Path, data: bytes, limit: str = "INPUT_MB") -> bytes:
    """``data`` decompressed (every gzip member), stopping at the size limit: no gzip bomb."""
    max_bytes = int(limits.value(limit) * 1024 * 1024)
    out: list[bytes] = []
    size = 0
    rest = data
    try:
        while rest:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            chunk = inflater.decompress(rest, max_bytes + 1 - size)
            size += len(chunk)
            out.append(chunk)
            if size > max_bytes or inflater.unconsumed_tail:
                raise limits.exceeded(limit, f"{path}: decompresses to more than the limit")
            if not inflater.eof:
                raise InputError(f"{path}: damaged gzip file: it ends before its last block")
            rest = inflater.unused_data.lstrip(b"\0")
    except zlib.error as exc:
        raise InputError(f"{path}: damaged gzip file: {exc}") from None
    return b"".join(out)


# --- Checking RDF text before a parser sees it ------------------------------------------------


def check_rdf(path: Path, data: bytes, fmt: str) -> bytes:
    """``data`` checked for format ``fmt`` (an rdflib parser name); returns the bytes to parse.

    The bytes differ from the input only for JSON-LD that names the project's own context,
    which is inlined from the package.
    """
    if fmt == "xml":
        _check_xml_entities(path, data)
    elif fmt == "json-ld":
        data = _resolve_contexts(path, data)
    _strict_parse(path, data, fmt)
    return data


def _strict_parse(path: Path, data: bytes, fmt: str) -> None:
    import pyoxigraph as ox

    name = _OX_FORMATS.get(fmt)
    if name is None:
        return
    base = path.absolute().as_uri()
    try:
        for _ in ox.parse(data, format=getattr(ox.RdfFormat, name), base_iri=base):
            pass
    except SyntaxError as exc:
        raise DataSyntaxError(path, getattr(exc, "lineno", None), ox_message(exc)) from None
    except (ValueError, OSError) as exc:
        raise DataSyntaxError(path, None, ox_message(exc)) from None


_OX_PREFIX = re.compile(
    r"^Parser error (at line \d+ )?(column \d+|between columns \d+ and \d+)?:?\s*"
)


def ox_message(exc: BaseException) -> str:
    text = str(getattr(exc, "msg", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = _OX_PREFIX.sub("", text)
    return re.sub(r"\s*\(line \d+\)$", "", text) or type(exc).__name__


_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+([^>]*)>", re.S)


def _check_xml_entities(path: Path, data: bytes) -> None:
    """Refuse what makes XML entity expansion dangerous, before any XML parser runs.

    External entities (SYSTEM/PUBLIC: a local file read or a fetch), parameter entities,
    entities that refer to other entities (billion laughs) and an expansion larger than the
    limit. Plain internal entities (Protégé's ``<!ENTITY owl "http://...#">``) stay allowed.
    """
    if b"<!ENTITY" not in data:
        return
    total = 0
    budget = limits.value("XML_ENTITY_KB") * 1024
    for match in _ENTITY.finditer(data):
        line = data.count(b"\n", 0, match.start()) + 1
        param, name, body = match.group(1), match.group(2), match.group(3).strip()
        if param or body.startswith((b"SYSTEM", b"PUBLIC")):
            raise DataSyntaxError(path, line, "external or parameter XML entities are refused")
        value = body[1:-1] if body[:1] in (b'"', b"'") and body[-1:] == body[:1] else body
        if b"&" in value or b"%" in value:
            raise DataSyntaxError(
                path,
                line,
                f"XML entity {name.decode(errors='replace')} refers to other "
                "entities (nested expansion is refused)",
            )
        total += len(value) * data.count(b"&" + name + b";")
        if total > budget:
            raise limits.exceeded(
                "XML_ENTITY_KB", f"{path}:{line}: XML entities expand to more than the limit"
            )


def _resolve_contexts(path: Path, data: bytes) -> bytes:
    """JSON-LD with every ``@context`` inline: the project's own is inlined, others refused."""
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise DataSyntaxError(path, None, f"not UTF-8: {exc.reason}") from None
    except ValueError as exc:
        lineno = getattr(exc, "lineno", None)
        raise DataSyntaxError(path, lineno, f"JSON: {getattr(exc, 'msg', exc)}") from None
    changed = [False]
    resolved = _walk_contexts(path, doc, changed)
    if not changed[0]:
        return data
    return json.dumps(resolved).encode()


def _walk_contexts(path: Path, node: Any, changed: list[bool]) -> Any:
    if isinstance(node, list):
        return [_walk_contexts(path, item, changed) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@id" and isinstance(value, str):
            _check_iri(path, value)
        elif "://" in key:
            _check_iri(path, key)
        if key == "@context":
            value = _context(path, value, changed)
        elif key == "@import":
            raise DataSyntaxError(path, None, f"JSON-LD @import {value!r} is refused (offline)")
        out[key] = _walk_contexts(path, value, changed)
    return out


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _check_iri(path: Path, iri: str) -> None:
    """An absolute IRI in JSON-LD that Oxigraph refuses (processors would drop it silently)."""
    import pyoxigraph as ox

    if iri.startswith("_:") or not _SCHEME.match(iri):
        return
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise DataSyntaxError(path, None, f"IRI {iri!r} is refused: {exc}") from None


def _context(path: Path, value: Any, changed: list[bool]) -> Any:
    if isinstance(value, list):
        return [_context(path, item, changed) for item in value]
    if isinstance(value, str):
        if value in OWN_CONTEXTS:
            from aifactories.exports import jsonld_context

            changed[0] = True
            return jsonld_context()
        raise DataSyntaxError(
            path,
            None,
            f"JSON-LD @context {value!r} is refused: remote and file contexts are "
            "never fetched (inline the context in the file)",
        )
    if isinstance(value, dict) and "@import" in value:
        raise DataSyntaxError(path, None, f"JSON-LD @import {value['@import']!r} is refused")
    return value


def check_iri(value: str, what: str) -> str:
    """``value`` if it is an absolute IRI that Oxigraph accepts; InputError naming ``what``."""
    import pyoxigraph as ox

    if not _SCHEME.match(value):
        raise InputError(f"{what}: not an absolute IRI: {value!r}")
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        raise InputError(f"{what}: not a valid IRI ({exc}): {value!r}") from None
    return value


# --- Checking parsed terms --------------------------------------------------------------------


def check_terms(path: Path, triples: Iterable[tuple[Any, Any, Any]], data: bytes) -> None:
    """Refuse terms the Oxigraph side cannot hold, naming the file and (if found) the line.

    IRIs with characters or parts that are not IRI syntax, language tags Oxigraph refuses,
    literal subjects and blank-node or literal predicates (generalised RDF).
    """
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    seen: set[Any] = set()

    def check(term: Any, position: str) -> None:
        if term in seen:
            return
        try:
            if isinstance(term, URIRef):
                ox.NamedNode(str(term))
            elif isinstance(term, Literal):
                if term.language:
                    ox.Literal(str(term), language=term.language)
                elif term.datatype is not None:
                    ox.NamedNode(str(term.datatype))
        except ValueError as exc:
            shown = str(term)
            raise DataSyntaxError(
                path, _line_of(data, shown), f"{position} {shown!r} is refused: {exc}"
            ) from None
        seen.add(term)

    for s, p, o in triples:
        if isinstance(s, Literal):
            raise DataSyntaxError(
                path, _line_of(data, str(s)), f"a literal as subject ({str(s)!r}) is not RDF"
            )
        if not isinstance(p, URIRef):
            kind = "blank node" if isinstance(p, BNode) else "literal"
            raise DataSyntaxError(path, None, f"a {kind} as predicate ({p!s}) is not RDF")
        check(s, "subject")
        check(p, "predicate")
        check(o, "object")


def _line_of(data: bytes, text: str) -> int | None:
    """The line of the first occurrence of ``text`` in ``data``, if it occurs literally."""
    index = data.find(text.encode("utf-8", "surrogatepass")) if text else -1
    return data.count(b"\n", 0, index) + 1 if index >= 0 else None


# --- Ill-typed literals: violations, not exceptions -------------------------------------------

_TZ = re.compile(r"([+-])(\d\d):(\d\d)$")
_TIMEZONED = ("date", "dateTime", "dateTimeStamp", "time", "gYear", "gYearMonth")


def ill_typed(triples: Iterable[tuple[Any, Any, Any]]) -> Iterable[tuple[Any, Any, Any, str]]:
    """(subject, property, literal, why) for each literal whose text does not fit its datatype.

    rdflib marks the literals it could not convert (``Literal.ill_typed``); time-zone offsets
    beyond ±14:00, which it accepts, are added here.
    """
    from rdflib import Literal
    from rdflib.namespace import XSD

    for s, p, o in triples:
        if not isinstance(o, Literal) or o.datatype is None:
            continue
        if getattr(o, "ill_typed", False):
            yield s, p, o, f"not a valid {_local(o.datatype)}"
            continue
        if str(o.datatype).startswith(str(XSD)) and _local(o.datatype) in _TIMEZONED:
            tz = _TZ.search(str(o))
            if tz and (int(tz.group(2)) * 60 + int(tz.group(3)) > 14 * 60 or int(tz.group(3)) > 59):
                yield s, p, o, f"not a valid {_local(o.datatype)}: time-zone offset beyond ±14:00"


def ill_typed_in_files(
    files: Iterable[Path], texts: dict[Path, bytes] | None = None
) -> Iterable[tuple[Any, Any, Any, str]]:
    """``ill_typed`` over the literals as written in ``files`` (read with Oxigraph).

    rdflib normalises some lexical forms while parsing (``"yes"^^xsd:boolean`` becomes
    ``false``), and the cache stores the normalised form: so the check reads the files' own text.
    """
    import logging
    import warnings

    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    from aifactories.graph import RDF_FORMATS

    def term(node: Any) -> Any:
        return BNode(node.value) if isinstance(node, ox.BlankNode) else URIRef(node.value)

    triples = []
    for path in files:
        name = _OX_FORMATS.get(RDF_FORMATS.get(path.suffix.lower(), ""))
        if name is None:
            continue
        try:
            data = (texts or {}).get(path) or read_file(path)
            if name == "JSON_LD":
                data = _resolve_contexts(path, data)
            quads = ox.parse(
                data, format=getattr(ox.RdfFormat, name), base_iri=path.absolute().as_uri()
            )
            for quad in quads:
                o = quad.object
                if (
                    isinstance(o, ox.Literal)
                    and o.language is None
                    and not o.datatype.value.endswith("#string")
                ):
                    triples.append((term(quad.subject), term(quad.predicate), o))
        except (SyntaxError, ValueError, OSError, InputError):
            continue  # reported by the parse itself
    rdflib_log = logging.getLogger("rdflib")
    level = rdflib_log.level
    rdflib_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = [
                (s, p, Literal(o.value, datatype=URIRef(o.datatype.value))) for s, p, o in triples
            ]
    finally:
        rdflib_log.setLevel(level)
    return ill_typed(converted)


def _local(iri: Any) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]
