"""Scale: each step of the fast path on generated graphs of 10k, 100k and 1M triples.

    python benchmarks/scale.py                      # 10k, 100k, 1M (about 20 minutes idle)
    python benchmarks/scale.py --sizes 10000 100000 # a subset
    nice -n 10 python benchmarks/scale.py ...       # be kind to a shared machine

Every step runs in a child process of its own, so its peak resident memory (``ru_maxrss``) and
CPU time are its own; wall time is also kept (on a shared machine it includes waiting for a
core). Steps, per size:

- ``closure``: read the files and compute the filtered OWL RL closure (``graph.build``, rules);
- ``validate``: the same, then rdflib graphs and SHACL validation (``validation.validate``);
- ``load --store``: ``aifactories load --store DIR network.ttl`` (the project files come too);
- ``queries``: every stored query on that on-disk store (Oxigraph), median of ``--runs``.

Results go to ``results/scale-<date>.json`` and a Markdown table (with log-log slopes) on
standard output; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

RESULTS = HERE / "results"
STEPS = ("closure", "validate", "load --store", "queries")


# --- the steps, each run in a child process ----------------------------------------------------


def step_closure(folder: Path, _store: Path, _runs: int) -> dict[str, Any]:
    from aifactories import graph

    kg = graph.build(generate.files(folder))
    asserted, inferred = kg.triples
    return {"asserted": len(asserted), "inferred": len(inferred)}


def step_validate(folder: Path, _store: Path, _runs: int) -> dict[str, Any]:
    from aifactories import graph, validation

    kg = graph.build(generate.files(folder))
    report = validation.validate(kg.union, shapes=validation.load_shapes())
    planted = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {
        "asserted": len(kg.triples[0]),
        "results": len(report.results),
        "planted": planted["planted_count"],
    }


def step_load(folder: Path, store: Path, _runs: int) -> dict[str, Any]:
    exe = shutil.which("aifactories") or "aifactories"
    shutil.rmtree(store, ignore_errors=True)
    cmd = [exe, "load", "--store", str(store), str(folder / "network.ttl")]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr.decode()[-800:])
    meta = json.loads((store / "aifactories-store.json").read_text(encoding="utf-8"))
    return {"asserted": meta["asserted"], "inferred": meta["inferred"]}


def step_queries(_folder: Path, store: Path, runs: int) -> dict[str, Any]:
    from run import params_for  # the synthetic parameter values the benchmarks use

    from aifactories.query import run_stored
    from aifactories.query.catalogue import load_catalogue
    from aifactories.query.engines import OxigraphEngine
    from aifactories.store import open_store

    opened = open_store(store)
    engine = OxigraphEngine(opened.store)
    medians: dict[str, float] = {}
    wall: dict[str, float] = {}
    for query in load_catalogue():
        values = params_for(query, True)
        cpu_times, wall_times = [], []
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.process_time()
            run_stored(query, values, engine)
            cpu_times.append(time.process_time() - cpu)
            wall_times.append(time.perf_counter() - start)
        medians[query.name] = statistics.median(cpu_times)
        wall[query.name] = statistics.median(wall_times)
        print(f"{query.name} {medians[query.name]:.3f} s", file=sys.stderr, flush=True)
    slowest = max(medians, key=lambda n: medians[n])
    return {
        "asserted": int(opened.meta["asserted"]),
        "medians": medians,  # CPU seconds: Oxigraph answers in the calling thread
        "wall_medians": wall,
        "slowest": slowest,
        "slowest_s": medians[slowest],
    }


STEP_FUNCTIONS = {
    "closure": step_closure,
    "validate": step_validate,
    "load --store": step_load,
    "queries": step_queries,
}


# --- the parent: one child per step, its own rusage ----------------------------------------


def run_child(step: str, folder: Path, store: Path, runs: int, timeout: float) -> dict[str, Any]:
    """Run ``step`` in a child process; its output, wall and CPU seconds and peak RSS."""
    cmd = [sys.executable, __file__, "--child", step, str(folder), str(store), str(runs)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            return {"step": step, "error": f"stopped after {timeout:.0f} s"}
        time.sleep(0.2)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        return {"step": step, "error": err.strip().splitlines()[-1] if err.strip() else "failed"}
    # ru_maxrss of a child is the largest of its process tree's; load --store's CLI process is
    # a grandchild, counted when the child waits for it.
    return {
        "step": step,
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        **json.loads(out.strip().splitlines()[-1]),
    }


def slopes(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares slope of log(CPU seconds) against log(asserted triples), per step."""
    out: dict[str, float] = {}
    for step in STEPS:
        key = "slowest_s" if step == "queries" else "cpu_s"
        pts = [(r["asserted"], r[key]) for r in rows if r["step"] == step and r.get(key)]
        if len({t for t, _ in pts}) < 2:
            continue
        xs = [math.log(t) for t, _ in pts]
        ys = [math.log(s) for _, s in pts]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        out[step] = round(
            sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
            / sum((x - mx) ** 2 for x in xs),
            2,
        )
    return out


def markdown(rows: list[dict[str, Any]], fitted: dict[str, float]) -> str:
    lines = [
        "| size | asserted | step | wall | CPU | peak RSS | note |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['size']} | | {r['step']} | | | | {r['error']} |")
            continue
        note = ""
        if r["step"] == "queries":
            over = sum(1 for t in r["medians"].values() if t >= 1)
            note = (
                f"slowest: {r['slowest']} {r['slowest_s'] * 1000:.0f} ms median CPU;"
                f" {over} of {len(r['medians'])} queries at 1 s or more"
            )
        elif r["step"] == "validate":
            note = f"{r['results']} results, {r['planted']} planted"
        elif "inferred" in r:
            note = f"{r['inferred']:,} inferred"
        lines.append(
            f"| {r['size']} | {r['asserted']:,} | {r['step']} | {r['wall_s']:.1f} s |"
            f" {r['cpu_s']:.1f} s | {r['peak_rss_mb']:,} MB | {note} |"
        )
    if fitted:
        lines += ["", "| step | log-log slope (CPU time; queries: slowest median) |", "|---|---:|"]
        lines += [f"| {step} | {slope} |" for step, slope in fitted.items()]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], target: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no plot", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(7, 5))
    for step in STEPS:
        key = "slowest_s" if step == "queries" else "cpu_s"
        pts = sorted((r["asserted"], r[key]) for r in rows if r["step"] == step and r.get(key))
        if pts:
            label = "slowest stored query" if step == "queries" else step
            ax.plot(*zip(*pts, strict=True), "-o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("asserted triples")
    ax.set_ylabel("seconds (CPU; queries: median wall)")
    ax.set_title("Fast path against graph size (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target, format="svg", metadata={"Date": None})
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        step, folder, store, runs = argv[1], Path(argv[2]), Path(argv[3]), int(argv[4])
        print(json.dumps(STEP_FUNCTIONS[step](folder, store, runs)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--runs", type=int, default=3, help="runs per query median")
    parser.add_argument("--validate-up-to", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    parser.add_argument("--plot", action="store_true", help="write an SVG plot (matplotlib)")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("AIFACTORIES_CACHE_DIR", str(Path(tmp) / "cache"))
        for size in args.sizes:
            folder = Path(tmp) / f"net-{size}"
            generate.generate(folder, size)
            store = Path(tmp) / f"store-{size}"
            for step in args.steps:
                if step == "validate" and size > args.validate_up_to:
                    continue
                row = {
                    "size": f"{size // 1000}k",
                    **run_child(step, folder, store, args.runs, args.timeout),
                }
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
            shutil.rmtree(store, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
    fitted = slopes([r for r in rows if "error" not in r])
    table = markdown(rows, fitted)
    print(table)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stamp = f"scale-{dt.date.today().isoformat()}"
        data = {
            "date": dt.date.today().isoformat(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "rows": rows,
            "slopes": fitted,
        }
        (RESULTS / f"{stamp}.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        (RESULTS / f"{stamp}.md").write_text(table, encoding="utf-8")
        if args.plot:
            plot(rows, RESULTS / f"{stamp}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
