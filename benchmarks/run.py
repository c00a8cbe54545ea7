"""Benchmarks: the plain rdflib pipeline and the fast path, side by side in the same run.

    python benchmarks/run.py --quick          # under 3 minutes: shipped graph + a 5k network
    python benchmarks/run.py                  # full run: shipped graph + 10k, 30k, 100k networks

For each graph: parse (rdflib Turtle vs pyoxigraph), OWL RL closure (owlrl; no second
reasoner), SHACL validation (pyshacl, small graphs only), every stored query (median of N,
rdflib vs Oxigraph, runs interleaved so machine noise hits both), export (rdflib Turtle vs
pyoxigraph N-Quads). For the shipped graph also the cold CLI process ``aifactories query
exascale-factories`` (plain: rdflib, no cache; fast: Oxigraph on a cold and on a warm cache) and
``serve`` throughput. Medians, ratios and log-log slopes go to ``benchmarks/results/<date>.json``
and a Markdown table on standard output; ``--plot`` draws an SVG (needs matplotlib, the
``bench`` extra). Nothing here is asserted: these are measurements, not tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

from aifactories import prefixes, resources  # noqa: E402
from aifactories.query import catalogue, engines  # noqa: E402
from aifactories.query import run_stored as execute  # noqa: E402

RESULTS = HERE / "results"
#: An rdflib query run longer than this is run once; longer than SKIP_LARGER_S, not at all on
#: the larger graphs (it only grows), so the full run fits in a session.
SLOW_S = 5.0
SKIP_LARGER_S = 20.0
TOO_SLOW: dict[str, str] = {}
#: Parameter values that exist in the synthetic network, by parameter type.
SYNTHETIC_VALUES = {
    "AIFactory": "factory:f0",
    "NetworkNode": "factory:f0",
    "Organisation": "organisation:org-0",
    "Country": "country:XAA",
    "Concept": "sector:s0",
    "Resource": "factory:f1",
}


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def median_of(runs: int, *funcs: Callable[[], Any]) -> list[float]:
    """Median seconds of each function, calls interleaved (a, b, a, b, ...)."""
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(runs):
        for i, func in enumerate(funcs):
            times[i].append(timed(func)[0])
    return [statistics.median(t) for t in times]


class Recorder:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        graph: str,
        triples: int,
        step: str,
        plain: float | None,
        fast: float | None,
        note: str = "",
    ) -> None:
        ratio = plain / fast if plain and fast else None
        self.rows.append(
            {
                "graph": graph,
                "triples": triples,
                "step": step,
                "plain_s": plain,
                "fast_s": fast,
                "ratio": ratio,
                "note": note,
            }
        )
        shown = f"{ratio:6.1f}x" if ratio else "   -   "
        print(
            f"  {graph:>8} {step:<34} plain {_fmt(plain):>9}  fast {_fmt(fast):>9}  {shown}"
            f"  {note}",
            file=sys.stderr,
            flush=True,
        )


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def params_for(query: catalogue.StoredQuery, synthetic: bool) -> dict[str, str]:
    if not synthetic:
        if query.name == "member-of":  # both required; a pair the expected results also use
            return {"factory": "PIAST", "organisation": "PSNC"}
        return {
            p.name: "2025-10-31" for p in query.params if p.required and p.type.endswith("date")
        }
    out = {}
    for param in query.params:
        kind = param.type.rsplit("#", 1)[-1]
        if param.is_entity:
            out[param.name] = SYNTHETIC_VALUES.get(kind, "factory:f0")
        elif param.required and kind == "date":
            out[param.name] = "2026-06-30"
    if query.name == "member-of":
        out = {"factory": "factory:f0", "organisation": "organisation:org-0"}
    return out


def bench_graph(label: str, files: list[Path], rec: Recorder, runs: int, validate: bool) -> None:
    """Parse, closure, validation, queries and export for one graph."""
    import pyoxigraph as ox

    from aifactories import graph as graphs
    from aifactories.reasoning import closure_with_problems

    def ox_parse() -> Any:
        store = ox.Store()
        for path in files:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        return store

    def rdflib_parse() -> Any:
        from aifactories.namespaces import new_graph

        graph = new_graph()
        for path in files:
            graphs.parse_file(path, into=graph)
        return graph

    plain_parse, asserted = timed(rdflib_parse)
    fast_parse, _ = timed(ox_parse)
    triples = len(asserted)
    rec.add(label, triples, "parse Turtle (rdflib vs pyoxigraph)", plain_parse, fast_parse)
    closure_s, (inferred, problems) = timed(lambda: closure_with_problems(asserted, "owlrl"))
    rules_s, (fast_inferred, _) = timed(lambda: closure_with_problems(asserted, "rules"))
    same = "same" if set(fast_inferred) == set(inferred) else "DIFFERENT"
    rec.add(
        label,
        triples,
        "OWL RL closure (owlrl vs rules)",
        closure_s,
        rules_s,
        f"{len(inferred)} inferred, {same}",
    )
    kg = graphs.KnowledgeGraph(
        asserted=asserted,
        inferred=inferred,
        union=_union(asserted, inferred),
        files=tuple(files),
        inconsistencies=tuple(problems),
    )
    if validate:
        from aifactories.validation import validate as shacl

        plain_val, report = timed(lambda: shacl(kg.union, sparql="rdflib"))
        fast_val, _ = timed(lambda: shacl(kg.union, sparql="oxigraph"))
        rec.add(
            label,
            triples,
            "SHACL validation (SPARQL on rdflib vs Oxigraph)",
            plain_val,
            fast_val,
            f"{len(report.violations)} violations",
        )
    store_s, oxigraph = timed(lambda: engines.OxigraphEngine.from_knowledge_graph(kg))
    rec.add(label, triples, "fill store from rdflib graphs", None, store_s)
    reference = engines.RdflibEngine(kg)
    synthetic = label != "shipped"
    worst = 0.0
    for query in catalogue.load_catalogue():
        values = params_for(query, synthetic)
        if query.name in TOO_SLOW:
            (fast,) = median_of(runs, lambda q=query, v=values: execute(q, v, oxigraph))
            worst = max(worst, fast)
            rec.add(label, triples, f"query {query.name}", None, fast, TOO_SLOW[query.name])
            continue
        try:
            first, _ = timed(lambda q=query, v=values: execute(q, v, reference))
        except Exception as exc:  # a parameter value the synthetic graph lacks
            rec.add(label, triples, f"query {query.name}", None, None, f"skipped: {exc}")
            continue
        if first > SLOW_S:  # one rdflib run is enough to show it; spare the machine
            (fast,) = median_of(runs, lambda q=query, v=values: execute(q, v, oxigraph))
            plain, note = first, "rdflib: 1 run"
            if first > SKIP_LARGER_S:
                TOO_SLOW[query.name] = f"rdflib not run: {first:.0f} s at {triples:,} triples"
        else:
            plain, fast = median_of(
                runs,
                lambda q=query, v=values: execute(q, v, reference),
                lambda q=query, v=values: execute(q, v, oxigraph),
            )
            note = ""
        worst = max(worst, fast)
        rec.add(label, triples, f"query {query.name}", plain, fast, note)
    rec.add(label, triples, "slowest stored query (Oxigraph)", None, worst)
    plain_exp, fast_exp = median_of(
        1,
        lambda: kg.union.serialize(format="turtle"),
        lambda: ox.serialize(oxigraph.store, format=ox.RdfFormat.N_QUADS),
    )
    rec.add(label, triples, "export (rdflib Turtle vs Oxigraph N-Quads)", plain_exp, fast_exp)


def _union(asserted: Any, inferred: Any) -> Any:
    from aifactories.namespaces import new_graph

    union = new_graph()
    for triple in asserted:
        union.add(triple)
    for triple in inferred:
        union.add(triple)
    return union


# --- The shipped graph through the CLI, in fresh processes -------------------------------------


def cli_runs(rec: Recorder, runs: int, triples: int) -> None:
    exe = shutil.which("aifactories") or "aifactories"
    cmd = [exe, "query", "exascale-factories"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AIFACTORIES_CACHE_DIR": tmp}
        plain_env = {**env, "AIFACTORIES_NO_CACHE": "1"}

        def run(args: list[str], environ: dict[str, str]) -> float:
            start = time.perf_counter()
            subprocess.run(args, env=environ, check=True, capture_output=True)
            return time.perf_counter() - start

        def cold() -> float:
            for entry in Path(tmp).glob("graph-*"):
                entry.unlink()
            return run(cmd, env)

        plain_times, cold_times, warm_times = [], [], []
        for _ in range(runs):
            plain_times.append(run([*cmd, "--engine", "rdflib"], plain_env))
            cold_times.append(cold())
            warm_times.append(run(cmd, env))
        plain = statistics.median(plain_times)
        rec.add("shipped", triples, "CLI query, cache empty", plain, statistics.median(cold_times))
        rec.add("shipped", triples, "CLI query, cache warm", plain, statistics.median(warm_times))
        rec.add(
            "shipped",
            triples,
            "CLI --help",
            None,
            statistics.median(run([exe, "--help"], env) for _ in range(runs)),
        )


def validate_edit_loop(rec: Recorder, runs: int, triples: int) -> None:
    """A data editor's loop: a fresh one-triple edit, then ``aifactories validate EDIT.ttl``
    with an empty cache (the edit changes the key anyway), against the plain pipeline
    (``plain_validate.py``: rdflib + owlrl + pySHACL) on the same files; runs interleaved."""
    exe = shutil.which("aifactories") or "aifactories"
    shipped = [resources.ontology_file(), *resources.data_files()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "AIFACTORIES_CACHE_DIR": str(folder / "cache")}
        edit = folder / "EDIT.ttl"
        plain_times, fast_times, plain_cpu, fast_cpu = [], [], [], []
        for i in range(runs):
            edit.write_text(
                f"<{prefixes.BASE}id/factory/jaif> <{prefixes.RDFS}comment>"
                f' "edit {i} at {time.time_ns()}"@en .\n',
                encoding="utf-8",
            )
            plain_cmd = [sys.executable, str(HERE / "plain_validate.py")]
            plain_cmd += [str(resources.shapes_file()), *map(str, shipped), str(edit)]
            wall, cpu = _process(plain_cmd, env)
            plain_times.append(wall)
            plain_cpu.append(cpu)
            shutil.rmtree(folder / "cache", ignore_errors=True)
            wall, cpu = _process([exe, "validate", str(edit)], env)
            fast_times.append(wall)
            fast_cpu.append(cpu)
        cpu_plain, cpu_fast = statistics.median(plain_cpu), statistics.median(fast_cpu)
        rec.add(
            "shipped",
            triples,
            "CLI validate EDIT.ttl, cache empty",
            statistics.median(plain_times),
            statistics.median(fast_times),
            f"fresh one-triple edit each run; plain: rdflib + owlrl + pySHACL; CPU time"
            f" {cpu_plain:.2f} s vs {cpu_fast:.2f} s ({cpu_plain / cpu_fast:.1f}x)",
        )


def _process(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process that must exit 0 (conforms) or 1 (violations).

    CPU time (user + system) shows the work done whatever else the machine runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def serve_throughput(rec: Recorder, triples: int, requests: int) -> None:
    exe = shutil.which("aifactories") or "aifactories"
    results: dict[str, float] = {}
    for engine in ("rdflib", "oxigraph"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = subprocess.Popen(
            [
                exe,
                "serve",
                "--port",
                str(port),
                "--engine",
                engine,
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/queries/exascale-factories?format=json"
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(url, timeout=10).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.3)
            start = time.perf_counter()
            for _ in range(requests):
                urllib.request.urlopen(url, timeout=10).read()
            results[engine] = (time.perf_counter() - start) / requests
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    rec.add(
        "shipped",
        triples,
        "serve: stored query per request",
        results["rdflib"],
        results["oxigraph"],
        f"{requests} sequential requests",
    )


def oxigraph_only(size: int, rec: Recorder, runs: int) -> None:
    """Indicative numbers at sizes owlrl cannot reach here: Oxigraph on the asserted triples.

    The closure is left out (owlrl would take hours), so answers differ from the real ones
    where they rely on inferred triples; the timings show how Oxigraph's costs grow.
    """
    import pyoxigraph as ox

    label = f"{size // 1000}k*"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "net"
        generate.generate(folder, size)
        db = ox.Store(str(Path(tmp) / "store"))
        asserted = ox.NamedNode(prefixes.ASSERTED_GRAPH)
        load_s, _ = timed(
            lambda: [
                db.bulk_load(path=str(p), format=ox.RdfFormat.TURTLE, to_graph=asserted)
                for p in generate.files(folder)
            ]
        )
        triples = len(db)
        rec.add(label, triples, "bulk load into an on-disk store", None, load_s, "no closure")
        engine = engines.OxigraphEngine(db)
        worst = 0.0
        for query in catalogue.load_catalogue():
            values = params_for(query, True)
            try:
                execute(query, values, engine)
            except Exception as exc:
                rec.add(label, triples, f"query {query.name}", None, None, f"skipped: {exc}")
                continue
            (fast,) = median_of(runs, lambda q=query, v=values: execute(q, v, engine))
            worst = max(worst, fast)
            rec.add(label, triples, f"query {query.name}", None, fast, "asserted only")
        rec.add(label, triples, "slowest stored query (Oxigraph)", None, worst, "asserted only")


# --- Scaling ---------------------------------------------------------------------------------


def slopes(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Least-squares slope of log(time) against log(triples), per step and path."""
    out: dict[str, dict[str, float]] = {}
    rows = [r for r in rows if r["graph"] != "shipped" and not r["graph"].endswith("*")]
    steps = {r["step"] for r in rows}
    for step in sorted(steps):
        for key in ("plain_s", "fast_s"):
            pts = [(r["triples"], r[key]) for r in rows if r["step"] == step and r[key]]
            if len({t for t, _ in pts}) < 2:
                continue
            xs = [math.log(t) for t, _ in pts]
            ys = [math.log(s) for _, s in pts]
            mx, my = statistics.fmean(xs), statistics.fmean(ys)
            slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
                (x - mx) ** 2 for x in xs
            )
            out.setdefault(step, {})[key.removesuffix("_s")] = round(slope, 2)
    return out


def markdown(rows: list[dict[str, Any]], scale: dict[str, dict[str, float]]) -> str:
    lines = [
        "| graph | triples | step | plain | fast | ratio | note |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] else ""
        lines.append(
            f"| {r['graph']} | {r['triples']:,} | {r['step']} | {_fmt(r['plain_s'])} | "
            f"{_fmt(r['fast_s'])} | {ratio} | {r['note']} |"
        )
    if scale:
        lines += ["", "| step | slope plain | slope fast |", "|---|---:|---:|"]
        for step, values in scale.items():
            lines.append(f"| {step} | {values.get('plain', '')} | {values.get('fast', '')} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], target: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot", file=sys.stderr)
        return False
    steps = [
        "parse Turtle (rdflib vs pyoxigraph)",
        "OWL RL closure (owlrl vs rules)",
        "SHACL validation (SPARQL on rdflib vs Oxigraph)",
        "slowest stored query (Oxigraph)",
        "export (rdflib Turtle vs Oxigraph N-Quads)",
        "query network-summary",
    ]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for step in steps:
        paths = (("plain_s", "-o", "rdflib/owlrl/pyshacl"), ("fast_s", "--s", "Oxigraph"))
        for key, style, who in paths:
            pts = sorted(
                (r["triples"], r[key])
                for r in rows
                if r["step"] == step
                and r["graph"] != "shipped"
                and not r["graph"].endswith("*")
                and r[key]
            )
            if len(pts) >= 2:
                ax.plot(*zip(*pts, strict=True), style, label=f"{step.split(' (')[0]} - {who}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("asserted triples")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Time against graph size (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(target, format="svg", metadata={"Date": None})
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs (< 3 min)")
    parser.add_argument("--sizes", type=int, nargs="*", help="synthetic sizes (triples)")
    parser.add_argument("--runs", type=int, help="runs per median")
    parser.add_argument(
        "--validate-up-to",
        type=int,
        default=20_000,
        help="validate graphs up to this size (pyshacl is slow)",
    )
    parser.add_argument("--plot", action="store_true", help="write an SVG plot (matplotlib)")
    parser.add_argument(
        "--oxigraph-only",
        type=int,
        nargs="*",
        default=[],
        help="also these sizes on Oxigraph alone, without the closure (indicative)",
    )
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    sizes = (
        args.sizes
        if args.sizes is not None
        else ([5_000] if args.quick else [10_000, 30_000, 100_000])
    )
    runs = args.runs or (3 if args.quick else 7)
    rec = Recorder()
    started = time.perf_counter()
    shipped = [resources.ontology_file(), *resources.data_files()]
    print("shipped graph", file=sys.stderr)
    bench_graph("shipped", shipped, rec, runs, validate=True)
    shipped_triples = rec.rows[0]["triples"]
    validate_edit_loop(rec, runs, shipped_triples)
    cli_runs(rec, runs, shipped_triples)
    if not args.quick:
        serve_throughput(rec, shipped_triples, 50)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            folder = Path(tmp) / f"net-{size}"
            generate.generate(folder, size)
            print(f"synthetic network, ~{size:,} triples", file=sys.stderr)
            bench_graph(
                f"{size // 1000}k",
                generate.files(folder),
                rec,
                runs,
                validate=size <= args.validate_up_to,
            )
    for size in args.oxigraph_only:
        print(f"Oxigraph alone, ~{size:,} triples", file=sys.stderr)
        oxigraph_only(size, rec, runs)
    scale = slopes(rec.rows)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = markdown(rec.rows, scale)
    print(table)
    total = time.perf_counter() - started
    print(f"total {total:.0f} s; peak memory of this process {peak_mb:.0f} MB", file=sys.stderr)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stamp = dt.date.today().isoformat() + ("-quick" if args.quick else "")
        data = {
            "date": dt.date.today().isoformat(),
            "quick": args.quick,
            "runs": runs,
            "total_s": round(total, 1),
            "peak_rss_mb": round(peak_mb),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "rows": rec.rows,
            "slopes": scale,
        }
        out = RESULTS / f"{stamp}.json"
        out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        (RESULTS / f"{stamp}.md").write_text(table, encoding="utf-8")
        if args.plot:
            plot(rec.rows, RESULTS / f"{stamp}.svg")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
