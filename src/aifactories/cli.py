"""The ``aifactories`` command: a thin layer over the library.

Parses arguments, calls the library, maps AIFactoriesError to exit code 2 with a one-line message.
Exit codes: 0 success, 1 validation failure, 2 usage or input error. Heavy imports (rdflib,
pyshacl) happen inside commands, so ``aifactories --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from aifactories.query import DEFAULT_ENGINE, ENGINES
from aifactories.query.formats import FORMAT_NAMES


class UserError(click.ClickException):
    """A user mistake: printed as 'Error: <message>' and exit code 2."""

    exit_code = 2


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's AIFactoriesError into a clean one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from aifactories.errors import AIFactoriesError

        try:
            return func(*args, **kwargs)
        except AIFactoriesError as exc:
            raise UserError(str(exc)) from None

    return wrapper


class Group(click.Group):
    """A group whose command list shows each command's first sentence whole (click cuts it)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, summary(cmd)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def summary(cmd: click.Command) -> str:
    """A command's summary: its short_help, else the first sentence of its help, whole."""
    if cmd.short_help:
        return cmd.short_help
    text = " ".join((cmd.help or "").split("\n\n", 1)[0].split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aifactories-kg")
@click.option(
    "--reasoner",
    type=click.Choice(("rules", "owlrl")),
    envvar="AIFACTORIES_REASONER",
    help="OWL RL reasoner for every command that computes the closure: 'rules' (fast, the "
    "default) or 'owlrl' (the reference); both give the same closure.",
)
def main(reasoner: str | None) -> None:
    """Query, validate and export the EuroHPC AI Factories knowledge graph."""
    if reasoner:  # read by aifactories.graph.load, and inherited by server workers
        import os

        os.environ["AIFACTORIES_REASONER"] = reasoner
    import logging

    # Libraries log tracebacks for input we report ourselves (ill-typed literals, odd IRIs).
    for name in ("rdflib", "pyshacl", "owlrl"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(rdflib|pyshacl|owlrl)\b")


# --- core commands: validate, export, stats, describe, sparql ---------------------------------

#: Spelt out so that ``--help`` does not import rdflib; tests/test_cli.py checks them.
EXPORT_FORMATS = ("turtle", "nt", "nquads", "trig", "jsonld", "xml")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--shapes",
    "shapes_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SHACL shapes file [default: the shapes shipped with the package, ontology/shapes.ttl].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="table: one line per result, then the verdict; json: one document (for CI).",
)
@user_errors
def validate(paths: tuple[Path, ...], shapes_path: Path | None, fmt: str) -> None:
    """Validate the project data plus PATHS (Turtle files or folders) against the SHACL shapes.

    The OWL RL closure is computed first, so shapes see inferred facts. Prints one line per
    result (file:line: focus: property = value: message), then the verdict, all on standard
    output. Exit status: 0 when the data conforms (warnings are shown but do not fail), 1 on
    violations, 2 on bad input.
    """
    from aifactories.validation import format_result, validate_project

    report = validate_project(paths, shapes_path=shapes_path)
    violations = len(report.violations) + len(report.inconsistencies)
    warnings = len(report.warnings)
    lines = [f"reasoner: {problem}" for problem in report.inconsistencies]
    lines += [format_result(result, report.graph) for result in report.results]
    if fmt == "json":
        import json

        document = {
            "conforms": report.conforms,
            "violations": violations,
            "warnings": warnings,
            "results": lines,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for line in lines:
            click.echo(line)
        if report.conforms:
            click.echo(f"conforms ({_plural(warnings, 'warning')})")
        else:
            click.echo(
                f"does not conform: {_plural(violations, 'violation')}, "
                f"{_plural(warnings, 'warning')}"
            )
    if not report.conforms:
        click.get_current_context().exit(1)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*EXPORT_FORMATS, "ttl")),
    default="turtle",
    show_default=True,
    help="ttl is turtle.",
)
@click.option(
    "--inferred", is_flag=True, help="Include the inferred triples (the union queries run on)."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.",
)
@user_errors
def export(fmt: str, inferred: bool, output: Path | None) -> None:
    """Serialise the asserted graph (ontology + data), or with --inferred the union.

    Quad formats (nquads, trig) keep the asserted and inferred triples in their own named graphs.
    JSON-LD carries an inline context of the project's prefixes.
    """
    from aifactories import exports
    from aifactories.graph import load

    fmt = "turtle" if fmt == "ttl" else fmt
    if output is not None and str(output) == "-":
        output = None  # '-o -' is standard output
    data = exports.export(load(reason=inferred), fmt, inferred=inferred, output=output)
    if output is None:
        stdout = sys.stdout.buffer
        stdout.write(data)
        stdout.flush()
    else:
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True
)
@user_errors
def stats(fmt: str) -> None:
    """Count triples (asserted, inferred), sources and instances per class."""
    import json

    from aifactories.describe import format_stats
    from aifactories.describe import stats as compute
    from aifactories.graph import load

    result = compute(load())
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_stats(result))


@main.command()
@click.argument("term")
@click.option(
    "--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True
)
@user_errors
def describe(term: str, fmt: str) -> None:
    """Every fact about one entity, with its sources.

    TERM is an IRI, a CURIE (factory:jaif) or an exact label or acronym (JAIF, case-insensitive).
    Inferred facts are marked; memberships, system usages and values are shown with their sources.
    """
    import json

    from aifactories.describe import describe as gather
    from aifactories.describe import description_as_dict, format_description
    from aifactories.graph import load
    from aifactories.terms import resolve_name

    kg = load()
    named = resolve_name(kg.union, term)
    if named.note:
        click.echo(named.note, err=True)
    found = gather(kg, named.entity.value)
    if fmt == "json":
        data = description_as_dict(found, kg.union)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(format_description(found, kg.union))


#: The one format table (``aifactories.query.formats.FORMATS``) and the engines.
FORMAT_HELP = (
    "SELECT: table, csv, tsv, json, xml; ASK: table, json, xml; CONSTRUCT/DESCRIBE: turtle "
    "(or ttl), nt, jsonld, xml (RDF/XML), table. Default: table, or turtle for graphs."
)
CATALOGUE_FORMATS = ("table", "json", "markdown")

engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=DEFAULT_ENGINE,
    show_default=True,
    help="Query engine: Oxigraph (SPARQL 1.1), or rdflib (the reference; see docs/engines.md).",
)
store_option = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use the on-disk store written by 'aifactories load --store DIR' (no parsing).",
)


def query_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``sparql`` and ``query`` share: --format, --engine, --store, --endpoint."""
    for option in reversed(
        (
            click.option(
                "--format", "fmt", type=click.Choice(FORMAT_NAMES), default=None, help=FORMAT_HELP
            ),
            engine_option,
            store_option,
            click.option(
                "--endpoint",
                metavar="URL",
                help="Run on this SPARQL endpoint instead (entities are still resolved locally).",
            ),
        )
    ):
        func = option(func)
    return func


def open_engine(name: str, store_dir: Path | None, endpoint: str | None = None) -> Any:
    """The engine for --engine, --store and --endpoint; warns when the store is outdated."""
    from aifactories.query import engines

    if endpoint is not None:
        from aifactories.limits import value as limit
        from aifactories.query.remote import RemoteEngine

        return RemoteEngine(
            endpoint,
            local=lambda: open_engine(name, store_dir),
            timeout=limit("ENDPOINT_SECONDS"),  # a silent endpoint cannot stall the command
        )
    if store_dir is None:
        return engines.open_engine(name)
    from aifactories.store import open_store

    opened = open_store(store_dir)
    if opened.is_stale():
        click.echo(
            f"warning: {store_dir} is older than the data it was built from; rebuild it with "
            f"'aifactories load --store {store_dir}'",
            err=True,
        )
    return engines.open_engine(name, store=opened)


@main.command()
@click.argument("query")
@query_options
@user_errors
def sparql(
    query: str, fmt: str | None, engine: str, store_dir: Path | None, endpoint: str | None
) -> None:
    """Run a read-only SPARQL query on the union of asserted and inferred triples.

    QUERY is the query text, @FILE for a file, or @- for standard input. The project's prefixes
    (aif:, factory:, ...) are predeclared. SPARQL Update and SERVICE are refused: queries never
    write and never reach the network; FROM / FROM NAMED name graphs of the store (a graph it
    does not hold is empty).
    """
    from aifactories import query as pipeline
    from aifactories.limits import time_limit
    from aifactories.query import results, syntax
    from aifactories.terms import labels

    text = syntax.read_query(query)
    chosen = results.check_format(syntax.check(text).form, fmt)
    runner = open_engine(engine, store_dir, endpoint)
    with time_limit("QUERY_SECONDS", "the query"):
        result = pipeline.run(text, runner)
        names = labels(runner, results.iris(result)) if chosen == "table" else {}
        output = results.write(result, chosen, labels=names.get)
    click.echo(output, nl=False)


# --- stored queries: queries, query -----------------------------------------------------------


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(CATALOGUE_FORMATS), default="table", show_default=True
)
@user_errors
def queries(fmt: str) -> None:
    """List the stored queries: name, form, parameters and summary.

    --format markdown prints the catalogue page (docs/queries.md is this output).
    """
    from aifactories.query import listing
    from aifactories.query.catalogue import load_catalogue

    render = {
        "table": listing.catalogue_table,
        "json": listing.catalogue_json,
        "markdown": listing.render_markdown,
    }[fmt]
    click.echo(render(load_catalogue()), nl=False)


@main.command()
@click.argument("name")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter value (repeatable). Entities: IRI, CURIE, or exact label or acronym.",
)
@query_options
@user_errors
def query(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    engine: str,
    store_dir: Path | None,
    endpoint: str | None,
) -> None:
    """Run the stored query NAME (see 'aifactories queries') with its parameters bound.

    Parameter values are checked and bound as RDF terms, never pasted into the query text; an
    unknown, ambiguous or malformed value is refused with a one-line message (exit status 2).
    """
    from aifactories.query import results, run_stored
    from aifactories.query.catalogue import load_query

    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--param expects KEY=VALUE, got {item!r}")
        if key.strip() in values:
            raise UserError(f"--param {key.strip()!r} given twice")
        values[key.strip()] = value
    stored = load_query(name)
    chosen = results.check_format(stored.form, fmt)
    from aifactories.limits import time_limit

    runner = open_engine(engine, store_dir, endpoint)
    with time_limit("QUERY_SECONDS", f"the query {name!r}"):
        output = results.write(run_stored(stored, values, runner), chosen)
    click.echo(output, nl=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--base-iri",
    default="https://w3id.org/aifactories/",
    show_default=True,
    help="The IRI the server's root stands for: /id/factory/jaif answers <BASE>id/factory/jaif.",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a query may run (waiting for a worker included) before a 503.",
)
@click.option(
    "--row-cap",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most rows (or triples) a result carries; more are cut, with a header saying so.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Server processes (Oxigraph; a query past its timeout retires its process), "
    "or query worker processes (--engine rdflib).",
)
@click.option("--root-path", default="", help="Path prefix when served behind a proxy.")
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@engine_option
@store_option
@user_errors
def serve(
    host: str,
    port: int,
    base_iri: str,
    timeout: float,
    row_cap: int,
    workers: int,
    root_path: str,
    log_level: str,
    engine: str = DEFAULT_ENGINE,
    store_dir: Path | None = None,
) -> None:
    """Serve the SPARQL endpoint, linked data and web pages (offline, read-only)."""
    import uvicorn

    from aifactories.graph import load
    from aifactories.query.catalogue import load_catalogue
    from aifactories.server import Settings, create_app

    if not base_iri.endswith(("/", "#")):
        raise UserError(f"--base-iri must end with '/': {base_iri!r}")
    from aifactories.server.transport import uvicorn_options

    http_options = uvicorn_options()  # a bad URL limit fails here, before loading
    _check_port(host, port)
    settings = Settings(
        base_iri=base_iri,
        timeout=timeout,
        row_cap=row_cap,
        workers=workers,
        root_path=root_path.rstrip("/"),
        engine=engine,
    )
    store = None
    if store_dir is not None:
        from aifactories.store import knowledge_graph_from_store, open_store

        opened = open_store(store_dir)
        kg = knowledge_graph_from_store(opened)
        store = opened.store
    else:
        kg = load()
        if engine == "oxigraph":
            store = kg.store()  # the closure cache, read once, before any fork
    app = create_app(kg, settings, load_catalogue(), store)
    click.echo(f"Serving on http://{host}:{port}{settings.root_path}/ (Ctrl-C stops)", err=True)
    config: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "root_path": settings.root_path,
        **http_options,
    }
    if engine == "rdflib":
        uvicorn.run(app, **config)
        return
    from aifactories.server.supervisor import serve as supervise

    code = supervise(app, processes=workers, timeout_graceful_shutdown=timeout + 1, **config)
    if code:
        raise SystemExit(code)


def _check_port(host: str, port: int) -> None:
    """UserError (one line, exit 2) when ``host:port`` cannot be bound, before loading."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UserError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "is already in use" if exc.errno == 98 else f"cannot be bound: {exc.strerror}"
            raise UserError(f"port {port} on {host} {reason}; choose another with --port") from None


# --- load: warm the cache, or write an on-disk store --------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write an on-disk Oxigraph store (asserted + inferred graphs) into this folder.",
)
@user_errors
def load(paths: tuple[Path, ...], store_dir: Path | None) -> None:
    """Parse the project data plus PATHS and compute the OWL RL closure, once.

    The result is cached (later commands start warm). With --store DIR it is also written as
    an Oxigraph store that 'query --store DIR' and 'serve --store DIR' use without parsing.
    A progress bar is shown on a terminal.
    """
    from aifactories.graph import load as load_graph
    from aifactories.store import build_store, progress

    if store_dir is None:
        with progress("parsing and reasoning"):
            kg = load_graph(paths)
        click.echo(
            f"{len(kg.asserted)} asserted and {len(kg.inferred)} inferred triples "
            f"({_plural(len(kg.files), 'file')})",
            err=True,
        )
        return
    opened = build_store(store_dir, paths)
    click.echo(
        f"wrote {store_dir}: {opened.meta['asserted']} asserted and "
        f"{opened.meta['inferred']} inferred triples",
        err=True,
    )


# --- publishing and releases: publish, release, diff --------------------------------------

#: Spelt out so that ``--help`` stays fast; tests/test_publish.py checks them against the library.
SERVER_KINDS = ("oxigraph", "fuseki", "graphdb", "virtuoso", "qlever")


@main.command("publish")
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's SPARQL query endpoint (shapes below).",
)
@click.option(
    "--server",
    type=click.Choice(SERVER_KINDS),
    default="oxigraph",
    show_default=True,
    help="Which triple store: it says where the Graph Store endpoint is.",
)
@click.option(
    "--graph-store", metavar="URL", help="The Graph Store endpoint, when not where --server says."
)
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    metavar="IRI",
    help="Publish only this named graph: asserted, inferred, or its IRI (repeatable).",
)
@click.option("--replace", is_flag=True, help="Replace each graph's content (else add to it).")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(min=1))
@click.option("--timeout", default=60.0, show_default=True, type=click.FloatRange(min=0.1))
@click.option(
    "--retries",
    default=4,
    show_default=True,
    type=click.IntRange(min=0),
    help="Retries of a request that fails with 5xx or a connection error (back-off 0.5 s, 1 s...).",
)
@click.option("--no-verify", is_flag=True, help="Do not count the triples on the store after.")
@click.option(
    "--default-graph",
    type=click.Choice(("none", "union")),
    default="none",
    show_default=True,
    help="union: also write asserted + inferred into the store's default graph, for clients "
    "that name no graph (oxigraph, fuseki; the others' default graph is the union already).",
)
@user_errors
def publish_command(
    endpoint: str,
    server: str,
    graph_store: str | None,
    graphs: tuple[str, ...],
    replace: bool,
    batch_size: int,
    timeout: float,
    retries: int,
    no_verify: bool,
    default_graph: str,
) -> None:
    """Push the asserted and inferred graphs into a triple store, each as its named graph.

    Uses the SPARQL 1.1 Graph Store HTTP Protocol, in N-Triples batches, then counts each graph's
    triples on the query endpoint. Credentials: AIFACTORIES_TOKEN (sent as a bearer token), or
    AIFACTORIES_USER and AIFACTORIES_PASSWORD (AIFACTORIES_AUTH=basic|digest), or ~/.netrc.

    \b
    --endpoint for each --server (the Graph Store endpoint it implies):
      oxigraph  http://HOST:7878/query                (http://HOST:7878/store)
      fuseki    http://HOST:3030/DATASET/sparql       (http://HOST:3030/DATASET/data)
      graphdb   http://HOST:7200/repositories/REPO    (.../repositories/REPO/rdf-graphs/service)
      virtuoso  http://HOST:8890/sparql               (http://HOST:8890/sparql-graph-crud-auth)
      qlever    http://HOST:PORT/                     (the same URL)

    Exit status: 0 published (and the counts match), 1 a graph's count on the store differs
    from what was sent, 2 bad input or a store error.
    """
    from aifactories import publish as pub
    from aifactories.graph import load as load_graph

    ends = pub.endpoints(endpoint, server, graph_store=graph_store)
    kg = load_graph()
    selected: list[tuple[str | None, Any]] = list(pub.project_graphs(kg, graphs))
    if default_graph == "union":
        selected.append(pub.union_default_graph(kg, ends.kind))
    total = sum(len(graph) for _, graph in selected)
    creds = pub.credentials(ends.graph_store, ends.kind.auth)
    bar: Any = (  # progress on a terminal only
        click.progressbar(length=total, label="publishing", file=sys.stderr)
        if sys.stderr.isatty()
        else contextlib.nullcontext()
    )
    with pub.StoreClient(creds, timeout=timeout, retries=retries) as client, bar as shown:
        reports = pub.publish(
            selected,
            ends,
            client,
            replace=replace,
            batch_size=batch_size,
            verify=not no_verify,
            progress=shown.update if shown is not None else None,
        )
    mismatched = False
    for r in reports:
        line = f"{r.name}: {_plural(r.triples, 'triple')} in {_plural(r.requests, 'request')} "
        line += f"({r.seconds:.1f} s) to {ends.graph_store}"
        if r.on_store is not None:
            line += f"; {r.on_store} on the store"
            if not r.verified:
                mismatched = True
                line += " -- MISMATCH" + ("" if replace else " (try --replace)")
        click.echo(line)
    if default_graph == "none" and not ends.kind.default_is_union:
        click.echo(
            f"note: on {ends.kind.name} a client that names no graph sees only the default graph; "
            f"for such clients use --default-graph union or {ends.kind.union_option}",
            err=True,
        )
    if mismatched:
        click.echo("the store's triple counts differ from what was sent", err=True)
        click.get_current_context().exit(1)


@main.command("release")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the folder of this version if it exists.")
@click.option(
    "--prior-version",
    metavar="IRI",
    help="The ontology's owl:priorVersion [default: the newest older release in OUT_DIR].",
)
@user_errors
def release_command(out_dir: Path, force: bool, prior_version: str | None) -> None:
    """Write a versioned, self-describing linked-data release into OUT_DIR/<version>/.

    Every export format, gzip'd N-Quads, context.jsonld, the ontology (Turtle and pyLODE HTML),
    a DCAT-AP 3 description with checksums (dataset.ttl), VoID (void.ttl) and SHA256SUMS. The
    version is the ontology's owl:versionInfo; the folder appears whole or not at all. The same
    data gives byte-identical files; dates come from SOURCE_DATE_EPOCH or the ontology's
    dcterms:modified, never the clock.
    """
    from aifactories.graph import load as load_graph
    from aifactories.inputs import check_iri
    from aifactories.release import release

    if prior_version is not None:
        check_iri(prior_version, "--prior-version")
    made = release(load_graph(), out_dir, force=force, prior_version=prior_version)
    size = sum(made.files.values())
    click.echo(f"wrote {made.folder} ({_plural(len(made.files), 'file')}, {size} bytes)")
    if made.prior_version:
        click.echo(f"owl:priorVersion <{made.prior_version}>")


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True
)
@click.option(
    "--inferred", is_flag=True, help="Compare every graph of quad files, not only the asserted."
)
@user_errors
def diff_command(old: Path, new: Path, fmt: str, inferred: bool) -> None:
    """Semantic release notes from OLD to NEW (RDF files or release folders).

    Entities added and removed; facts added, removed and changed, grouped by entity with labels.
    Blank nodes are compared by canonical form, so relabelled blank nodes are no change.
    """
    from aifactories import diff as d

    result = d.diff(d.load_version(old, inferred=inferred), d.load_version(new, inferred=inferred))
    render = d.format_json if fmt == "json" else d.format_text
    click.echo(render(result, str(old), str(new)), nl=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
