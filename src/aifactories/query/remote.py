"""A remote SPARQL endpoint as a query engine (SPARQLWrapper), with the local engines' interface.

``aifactories query NAME --endpoint URL`` runs a stored query on any SPARQL 1.1 endpoint, for
instance a store the graph was published to (``aifactories publish``). The default dataset of
every query is the union of the project's named graphs (sent as ``default-graph-uri``), as
locally. Entity parameters are resolved on the local graph (names are the project's, whatever the
endpoint holds); terms are substituted into the text (``syntax.bind_terms``) and sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import prefixes
from aifactories.errors import EndpointError
from aifactories.query import syntax
from aifactories.query.engines import Engine
from aifactories.query.results import QueryResult

if TYPE_CHECKING:
    from aifactories.publish import Credentials

#: The project's named graphs: the default dataset of a remote query.
PROJECT_GRAPHS: tuple[str, ...] = (prefixes.ASSERTED_GRAPH, prefixes.INFERRED_GRAPH)


class RemoteEngine(Engine):
    """Runs SPARQL on a remote endpoint (SPARQLWrapper), as ``engines`` engines do.

    ``local`` is the engine that resolves entity names: an engine, or a function opening one on
    first use (a query without entity parameters needs no local graph).
    """

    name = "remote"

    def __init__(
        self,
        url: str,
        *,
        default_graphs: Sequence[str] = PROJECT_GRAPHS,
        timeout: float = 60.0,
        local: Engine | Callable[[], Engine] | None = None,
        creds: Credentials | None = None,
    ) -> None:
        from aifactories.publish import check_url, credentials

        self.url = check_url(url)
        self.default_graphs = tuple(default_graphs)
        self.timeout = timeout
        self._local = local
        self.creds = creds if creds is not None else credentials(url)

    def lookup(self) -> Engine:
        if self._local is None:
            from aifactories.query.engines import DEFAULT_ENGINE, open_engine

            self._local = open_engine(DEFAULT_ENGINE)
        elif not isinstance(self._local, Engine):  # a function: open the local engine now
            self._local = self._local()
        return self._local.lookup()

    def _run(
        self, text: str, dataset: syntax.Dataset, prefixes: dict[str, str], limit: int | None
    ) -> QueryResult:
        graphs: Sequence[str] = self.default_graphs
        named: Sequence[str] = ()
        if not dataset.is_whole_store:  # FROM or the caller's graphs, sent as the protocol's
            graphs, named = dataset.default or (), dataset.named or ()
        form = syntax.query_form(text) or "SELECT"
        return self._send(syntax.prologue(prefixes) + text, form, graphs, named)

    def _send(
        self, text: str, form: str, graphs: Sequence[str], named: Sequence[str]
    ) -> QueryResult:
        from SPARQLWrapper import BASIC, DIGEST, JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

        wrapper = SPARQLWrapper(self.url, agent="aifactories-kg")
        wrapper.setOnlyConneg(True)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setTimeout(max(1, round(self.timeout)))
        wrapper.setQuery(text)
        for graph in graphs:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in named:
            wrapper.addParameter("named-graph-uri", graph)
        if self.creds.token:
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {self.creds.token}")
        elif self.creds.user is not None:
            wrapper.setHTTPAuth(DIGEST if self.creds.scheme == "digest" else BASIC)
            wrapper.setCredentials(self.creds.user, self.creds.password)
        graph_form = form in syntax.GRAPH_FORMS
        wrapper.setReturnFormat(TURTLE if graph_form else JSON)
        raw = self._fetch(wrapper)
        if graph_form:
            return _graph_result(form, raw, self.url)
        return _solutions(raw, self.url)

    def _fetch(self, wrapper: Any) -> bytes:
        import urllib.error

        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            Unauthorized,
            URITooLong,
        )

        from aifactories.publish import ENV_PASSWORD, ENV_TOKEN, ENV_USER

        url = self.url
        try:
            return wrapper.query().response.read()
        except Unauthorized:
            who = f"the credentials from {self.creds.source}" if self.creds.source else "no"
            raise EndpointError(
                f"{url}: HTTP 401 Unauthorized ({who} credentials; set {ENV_USER}/"
                f"{ENV_PASSWORD} or {ENV_TOKEN}, or use ~/.netrc)"
            ) from None
        except EndPointNotFound:
            raise EndpointError(f"{url}: HTTP 404 Not Found: no SPARQL endpoint there") from None
        except QueryBadFormed as exc:
            raise EndpointError(f"{url}: the endpoint refused the query: {_detail(exc)}") from None
        except (EndPointInternalError, URITooLong) as exc:
            raise EndpointError(f"{url}: the endpoint failed: {_detail(exc)}") from None
        except urllib.error.HTTPError as exc:
            raise EndpointError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EndpointError(f"{url}: cannot reach the endpoint: {reason}") from None


def _detail(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text.split("Response:", 1)[-1].strip()[:300] or type(exc).__name__


def _solutions(raw: bytes, url: str) -> QueryResult:
    """SPARQL 1.1 JSON results (read by pyoxigraph) as a QueryResult."""
    try:
        parsed = ox.parse_query_results(raw, ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"{url}: not SPARQL JSON results ({exc})") from None
    if isinstance(parsed, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(parsed))
    variables = tuple(v.value for v in parsed.variables)
    width = range(len(variables))
    rows = [tuple(solution[i] for i in width) for solution in parsed]
    return QueryResult("SELECT", variables, rows)


def _graph_result(form: str, raw: bytes, url: str) -> QueryResult:
    try:
        triples = [
            (t.subject, t.predicate, t.object) for t in ox.parse(raw, format=ox.RdfFormat.TURTLE)
        ]
    except SyntaxError as exc:
        raise EndpointError(f"{url}: the endpoint's Turtle does not parse: {exc}") from None
    return QueryResult(form, triples=triples)
