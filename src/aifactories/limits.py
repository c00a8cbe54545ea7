"""Limits that turn hostile or runaway input into a one-line error instead of a hang.

Each limit has a default and can be raised (or lowered) with an environment variable
``AIFACTORIES_LIMIT_<NAME>`` (e.g. ``AIFACTORIES_LIMIT_CLOSURE_SECONDS=600``); SECURITY.md lists
them. A limit that is hit raises ``LimitExceeded``, whose message names the input, the construct
and the variable that raises it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aifactories.errors import AIFactoriesError

ENV_PREFIX = "AIFACTORIES_LIMIT_"


@dataclass(frozen=True)
class Limit:
    """One limit: its name (the variable's suffix), default and what it bounds."""

    name: str
    default: float
    unit: str
    bounds: str


LIMITS: dict[str, Limit] = {
    lim.name: lim
    for lim in (
        Limit("INPUT_MB", 100, "MB", "size of one input file (after gzip decompression)"),
        Limit("CACHE_MB", 4096, "MB", "size of a cache entry or store metadata file read"),
        Limit("XML_ENTITY_KB", 64, "kB", "text produced by expanding RDF/XML internal entities"),
        Limit("CLOSURE_SECONDS", 120, "s", "time for the OWL RL closure"),
        Limit("VALIDATION_SECONDS", 120, "s", "time for SHACL validation"),
        Limit("QUERY_SECONDS", 60, "s", "time for an ad-hoc or stored query on the CLI"),
        Limit("ENDPOINT_SECONDS", 30, "s", "time to wait for a remote SPARQL endpoint"),
        Limit("TRANSITIVE_CHAIN", 50, "nodes", "a chain of one transitive property"),
        Limit("SAMEAS_CLIQUE", 50, "nodes", "a group of nodes joined by owl:sameAs"),
        Limit("SUBCLASS_DEPTH", 100, "classes", "a chain of rdfs:subClassOf"),
        Limit("COLLECTION_ITEMS", 1000, "items", "an RDF collection (rdf:first/rdf:rest list)"),
        Limit("QUERY_CHARS", 100_000, "characters", "a SPARQL query's text"),
        Limit("QUERY_NESTING", 200, "levels", "groups, UNION branches and brackets in a query"),
        Limit("URL_KB", 32, "kB", "a request URL on the server (at most 63: httptools' ceiling)"),
    )
}


def value(name: str) -> float:
    """The limit ``name``: its environment variable if set to a positive number, else default."""
    limit = LIMITS[name]
    raw = os.environ.get(ENV_PREFIX + name, "").strip()
    if raw:
        try:
            number = float(raw)
        except ValueError:
            number = 0.0
        if number > 0:
            return number
        raise LimitExceeded(f"{ENV_PREFIX}{name}={raw!r}: expected a positive number")
    return limit.default


def how_to_raise(name: str) -> str:
    """The hint appended to every limit message."""
    return f"limit {value(name):g} {LIMITS[name].unit}; raise it with {ENV_PREFIX}{name}"


class LimitExceeded(AIFactoriesError):
    """Input or work beyond a limit; the message says which and how to raise it."""


def exceeded(name: str, what: str) -> LimitExceeded:
    """A LimitExceeded for limit ``name``: '<what> (limit N unit; raise it with VAR)'."""
    return LimitExceeded(f"{what} ({how_to_raise(name)})")


@contextlib.contextmanager
def time_limit(
    name: str, what: str, diagnose: Callable[[], str | None] | None = None
) -> Iterator[None]:
    """Stop the enclosed work after the limit ``name`` (seconds) with a LimitExceeded.

    In the main thread of a POSIX process (every CLI command, a notebook's kernel) SIGALRM
    interrupts Python code and the C code that checks for signals (``re``). In any other thread
    (a library caller's thread pool, a web framework's worker thread) a watchdog thread raises
    the same error in the worker thread; it takes effect at the next Python bytecode, so it
    stops owlrl, pySHACL, the rules and rdflib's SPARQL, but not one long call into C (a regex
    match, a pyoxigraph query) before that call returns. ``diagnose`` names the construct that
    made the work slow, when it can.
    """
    seconds = value(name)

    class _Expired(BaseException):
        """Not an Exception, so library code's ``except Exception`` cannot swallow it; one class
        per call, so that an outer limit's expiry is not taken for an inner one's."""

    def expired() -> LimitExceeded:
        cause = None
        if diagnose is not None:
            with contextlib.suppress(Exception):
                cause = diagnose()
        detail = f"{what} did not finish in {seconds:g} s"
        if cause:
            detail += f"; likely cause: {cause}"
        return exceeded(name, detail)

    main = threading.current_thread() is threading.main_thread()
    guard = _alarm if hasattr(signal, "setitimer") and main else _watchdog
    try:
        with guard(seconds, _Expired):
            yield
    except _Expired:
        raise expired() from None


@contextlib.contextmanager
def _alarm(seconds: float, expired: type[BaseException]) -> Iterator[None]:
    """Raise ``expired`` in the main thread after ``seconds`` (SIGALRM; outer timers kept)."""

    def on_alarm(signum: int, frame: object) -> None:
        raise expired

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_timer[0] > 0:  # an outer limit keeps running, less the time spent here
            left = old_timer[0] - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


@contextlib.contextmanager
def _watchdog(seconds: float, expired: type[BaseException]) -> Iterator[None]:
    """Raise ``expired`` in this thread after ``seconds``, from a timer thread (CPython's
    PyThreadState_SetAsyncExc); an expiry not yet delivered when the work ends is withdrawn."""
    import ctypes

    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is None:  # pragma: no cover - not CPython: no way to interrupt a thread
        yield
        return
    ident = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"armed": True, "fired": False}
    timers: list[threading.Timer] = []

    def arm(delay: float) -> None:
        timer = threading.Timer(delay, fire)
        timer.daemon = True
        timers.append(timer)
        timer.start()

    def fire() -> None:
        with lock:
            if state["armed"]:
                state["fired"] = True
                set_async_exc(ident, ctypes.py_object(expired))
                # again until the block ends: an exception delivered inside a gc or weakref
                # callback or a __del__ is printed and dropped by the interpreter
                arm(0.1)

    try:
        arm(seconds)
        yield
    finally:
        with lock:
            state["armed"] = False
            if state["fired"]:
                set_async_exc(ident, None)  # withdraw it if it is still pending
        for timer in timers:
            timer.cancel()


# --- Shapes of a graph that make the closure explode -------------------------------------------

_OWL = "http://www.w3.org/2002/07/owl#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def check_closure_input(triples: Iterable[tuple[Any, Any, Any]]) -> None:
    """Refuse, before reasoning, the constructs whose closure grows without useful bound.

    ``triples`` are pyoxigraph (or rdflib) terms. A transitive chain of n nodes infers n²/2
    triples, an owl:sameAs group of n nodes copies every fact n times, a long subClassOf chain
    types every instance at every level, a reasoner walks a long collection for every list
    axiom, and owl:Thing ≡ owl:Nothing makes every individual inconsistent. Each is named, with
    the node it starts from.
    """
    index = _Index(triples)
    thing, nothing = _OWL + "Thing", _OWL + "Nothing"
    for p in (_OWL + "equivalentClass", _RDFS + "subClassOf"):
        pairs = index.pairs(p)
        if (thing, nothing) in pairs or (
            p.endswith("equivalentClass") and (nothing, thing) in pairs
        ):
            raise LimitExceeded(
                "owl:Thing is declared equivalent to (or a subclass of) owl:Nothing: every "
                "individual would be inconsistent; the closure is not computed"
            )
    for problem, name in _constructs(index, stop_at_limit=True):
        if problem is not None:
            raise exceeded(name, problem)


def diagnose_closure(triples: Iterable[tuple[Any, Any, Any]]) -> str | None:
    """The largest suspicious constructs in ``triples`` (for a closure that ran out of time)."""
    index = _Index(triples)
    found = [problem for problem, _ in _constructs(index, stop_at_limit=False) if problem]
    return "; ".join(found) if found else None


#: Above this size a construct is named as the likely cause of a closure that ran out of time.
_NOTABLE = 10


class _Index:
    """Subject-object pairs per predicate, terms as strings (IRIs bare, blank nodes ``_:x``)."""

    def __init__(self, triples: Iterable[tuple[Any, Any, Any]]) -> None:
        wanted = {_OWL + "equivalentClass", _RDFS + "subClassOf", _OWL + "sameAs", _RDF + "rest"}
        self.by_p: dict[str, list[tuple[str, str]]] = {}
        self.transitive: set[str] = set()
        rdf_type, transitive = _RDF + "type", _OWL + "TransitiveProperty"
        rows = list(triples)
        for s, p, o in rows:
            pv = _text(p)
            if pv == rdf_type and _text(o) == transitive:
                self.transitive.add(_text(s))
        wanted |= self.transitive
        for s, p, o in rows:
            pv = _text(p)
            if pv in wanted:
                self.by_p.setdefault(pv, []).append((_text(s), _text(o)))

    def pairs(self, p: str) -> set[tuple[str, str]]:
        return set(self.by_p.get(p, ()))


def _text(term: Any) -> str:
    kind = type(term).__name__
    if kind in ("BlankNode", "BNode"):
        return "_:" + str(getattr(term, "value", term))
    return str(getattr(term, "value", term))


def _short(iri: str) -> str:
    from aifactories.terms import curie

    if iri.startswith("_:"):
        return "a blank node"
    try:
        from rdflib import URIRef

        return curie(URIRef(iri))
    except Exception:  # labels are a courtesy; the IRI will do
        return f"<{iri}>"


def _constructs(index: _Index, *, stop_at_limit: bool) -> Iterator[tuple[str | None, str]]:
    for p in sorted(index.transitive):
        what = f"the {_short(p)} chain"
        yield _longest(index.by_p.get(p, []), "TRANSITIVE_CHAIN", what, stop_at_limit)
    yield _longest(
        index.by_p.get(_RDFS + "subClassOf", []),
        "SUBCLASS_DEPTH",
        "the rdfs:subClassOf chain",
        stop_at_limit,
    )
    yield _largest_group(index.by_p.get(_OWL + "sameAs", []), stop_at_limit)
    yield _longest_list(index.by_p.get(_RDF + "rest", []), stop_at_limit)


def _longest(
    pairs: list[tuple[str, str]], name: str, what: str, stop: bool
) -> tuple[str | None, str]:
    """The most nodes reachable over one property from one node (a chain's length)."""
    cap = int(value(name))
    edges: dict[str, list[str]] = {}
    for s, o in pairs:
        if s != o:
            edges.setdefault(s, []).append(o)
    best, start = 0, ""
    for node in edges:
        seen = {node}
        frontier = [node]
        while frontier and (len(seen) <= cap or not stop):
            nxt = []
            for n in frontier:
                for o in edges.get(n, ()):
                    if o not in seen:
                        seen.add(o)
                        nxt.append(o)
            frontier = nxt
        if len(seen) > best:
            best, start = len(seen), node
        if stop and best > cap:
            break
    if best > (cap if stop else _NOTABLE):
        size = f"more than {cap}" if stop else str(best)
        return f"{what} from {_short(start)} reaches {size} nodes", name
    return None, name


def _largest_group(pairs: list[tuple[str, str]], stop: bool) -> tuple[str | None, str]:
    """The largest set of nodes joined by owl:sameAs in either direction (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, o in pairs:
        parent[find(s)] = find(o)
    sizes: dict[str, int] = {}
    for node in list(parent):
        root = find(node)
        sizes[root] = sizes.get(root, 0) + 1
    cap = int(value("SAMEAS_CLIQUE"))
    if sizes:
        root, size = max(sizes.items(), key=lambda kv: kv[1])
        if size > (cap if stop else _NOTABLE):
            return f"an owl:sameAs group of {size} nodes (with {_short(root)})", "SAMEAS_CLIQUE"
    return None, "SAMEAS_CLIQUE"


def _longest_list(pairs: list[tuple[str, str]], stop: bool) -> tuple[str | None, str]:
    """The longest RDF collection, counted from each list head."""
    cap = int(value("COLLECTION_ITEMS"))
    nxt = dict(pairs)
    tails = set(nxt.values())
    best = 0
    for node in set(nxt) - tails:
        length, seen, n = 0, set(), node
        while n in nxt and n not in seen and (length <= cap or not stop):
            seen.add(n)
            length += 1
            n = nxt[n]
        best = max(best, length)
    if best > (cap if stop else _NOTABLE):
        size = f"more than {cap}" if stop else str(best)
        return f"an RDF collection of {size} items", "COLLECTION_ITEMS"
    return None, "COLLECTION_ITEMS"


# --- SPARQL text ----------------------------------------------------------------------------------

_SPARQL_TOKEN = re.compile(
    r""" "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*' | <[^<>\s]*> | \#[^\n]* | [{}()] | \bUNION\b """,
    re.IGNORECASE | re.VERBOSE,
)


def check_query_text(text: str) -> str:
    """``text`` if within QUERY_CHARS and QUERY_NESTING; LimitExceeded otherwise.

    Counted before any parser runs: a 500-branch UNION or 300 nested groups make parsers recurse
    and engines build plans (and results) far beyond what a query of the catalogue needs.
    """
    if len(text) > value("QUERY_CHARS"):
        raise exceeded("QUERY_CHARS", f"the query has {len(text)} characters")
    depth = deepest = unions = 0
    for match in _SPARQL_TOKEN.finditer(text):
        token = match.group(0)
        if token in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "})":
            depth -= 1
        elif token.upper() == "UNION":
            unions += 1
    nesting = max(deepest, unions + 1)
    if nesting > value("QUERY_NESTING"):
        what = f"{unions + 1} UNION branches" if unions + 1 >= deepest else f"{deepest} levels"
        raise exceeded("QUERY_NESTING", f"the query nests too deeply ({what})")
    return text


# --- Regular expressions from user files ------------------------------------------------------


def check_pattern(pattern: str, flags: str = "", where: str = "sh:pattern") -> None:
    """Refuse a regex that does not compile, or that nests unbounded repeats (``(a+)+``:
    catastrophic backtracking); matching also runs under the validation time limit."""
    import re

    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_parse

    try:
        re.compile(pattern, _re_flags(flags))
        tree = sre_parse.parse(pattern)
    except (re.error, ValueError, OverflowError, RecursionError) as exc:
        raise InvalidPattern(f"{where} {pattern!r}: invalid regular expression: {exc}") from None
    if _nested_repeat(tree, inside=False):
        raise InvalidPattern(
            f"{where} {pattern!r}: nested unbounded repeats (like (a+)+) can take exponential "
            "time; rewrite the pattern"
        )


class InvalidPattern(AIFactoriesError):
    """A regular expression (sh:pattern, --param) that is invalid or catastrophic."""


def _re_flags(flags: str) -> int:
    import re

    table = {"i": re.I, "m": re.M, "s": re.S, "x": re.X, "q": 0}
    out = 0
    for ch in flags or "":
        if ch not in table:
            raise InvalidPattern(f"sh:flags {flags!r}: unknown flag {ch!r}")
        out |= table[ch]
    return out


def _nested_repeat(tree: Any, *, inside: bool) -> bool:
    """Whether an unbounded repeat contains another that can match its body in several ways.

    ``(a+)+``, ``(\\w+\\s?)*`` and ``(.*a){20}`` are refused; ``[a-z]+(-[a-z]+)*`` is not: each
    round of its outer repeat must match a ``-`` that the inner repeat cannot.
    """
    from re import _constants as c  # type: ignore[attr-defined]

    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None))
    for op, arg in tree:
        if op in repeats:
            _low, high, sub = arg
            unbounded = high is c.MAXREPEAT or high > 1000
            if high > 5 and _ambiguous(sub, c, repeats):
                return True
            if _nested_repeat(sub, inside=inside or unbounded):
                return True
        elif op == c.SUBPATTERN:
            if _nested_repeat(arg[-1], inside=inside):
                return True
        elif op == c.BRANCH:
            if any(_nested_repeat(branch, inside=inside) for branch in arg[1]):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT) and _nested_repeat(arg[1], inside=inside):
            return True
    return False


def _flatten(tree: Any, c: Any) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for op, arg in tree:
        if op == c.SUBPATTERN:
            out.extend(_flatten(arg[-1], c))
        else:
            out.append((op, arg))
    return out


def _ambiguous(body: Any, c: Any, repeats: tuple[Any, ...]) -> bool:
    """An outer repeat's body holding an unbounded repeat whose element can also match every
    required part of the body (so the rounds can be split many ways)."""
    items = _flatten(body, c)
    inner = [arg for op, arg in items if op in repeats and (arg[1] is c.MAXREPEAT or arg[1] > 1000)]
    if not inner:
        return False
    eats = _matcher(inner[0][2], c)
    for op, arg in items:
        if op in repeats and (arg[0] == 0 or arg in inner):
            continue
        if op in (c.AT,):
            continue
        if op in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY, c.CATEGORY) and eats is not None:
            required = _matcher([(op, arg)], c)
            if required is not None and not any(required(ch) and eats(ch) for ch in _SAMPLE):
                return False  # a required character the inner repeat cannot eat splits rounds
    return True


#: Characters tried when deciding whether two one-character patterns overlap.
_SAMPLE = [chr(i) for i in range(0x250)] + ["\u2028", "\u00a0", "\u4e00", "\U0001f600"]


def _matcher(tree: Any, c: Any) -> Callable[[str], bool] | None:
    """A test for one character from a one-element parse tree (None when not one element)."""
    import re

    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        return None
    items = _flatten(tree, c)
    if len(items) != 1:
        return None
    state = _parser.State()
    sub = _parser.SubPattern(state, list(items))
    try:
        compiled = _compiler.compile(sub, re.DOTALL)
    except Exception:  # an internal API: any failure means "cannot tell"
        return None
    return lambda ch: compiled.fullmatch(ch) is not None
