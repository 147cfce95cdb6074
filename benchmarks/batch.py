"""Batch benchmark: `cbc check FILE --format csv` against a Polars and a DuckDB peer, one run.

The Polars peer writes the columns cbc writes (flags, grades, finding codes, urgency, status,
error) by the same rules (peers/polars_rules.py; it agrees with cbc's flags, grades, findings
and urgency on every row of the export); the narrower peer of earlier figures, flags and grades
only, runs beside it (``--flags-grades``), as does DuckDB (flags and grades only).

With --outputs, the other outputs of the columnar path instead: the terminal summary table
(target: wall <= 1.5x cbc's own CSV output) and brief NDJSON (`--format ndjson --brief`) against
a Polars peer that writes the same fields as NDJSON (target: wall <= the peer's at 1M rows; peak
memory <= 150 MiB, flat from 1M to 3M rows), and whole results as NDJSON (`--format ndjson`,
about 5 kB a row, written to /dev/null; no peer writes the same fields; target: peak memory
<= 150 MiB, flat from 1M to 3M rows).

Generates (once) deterministic wide exports of 1M and 3M rows under benchmarks/data/, then runs
each program as a fresh process, alternately, and reports wall time, rows/s and peak memory
(the proportional set size of the whole process tree, workers included: see ``measure``).
Targets (README, Speed and memory): cbc's wall time <= that of the Polars peer writing the
same columns, at 1M rows; peak memory <= 150 MiB and flat (1M vs 3M within 10%).
Needs the bench extra: pip install -e '.[bench]'.
Usage: python benchmarks/batch.py [--runs N] [--outputs]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Time programs as installed packages run: with their bytecode written (see startup.py).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DATA = HERE / "data"
SAME = "polars (the same columns)"
NARROW = "polars (flags and grades only)"


def export(rows: int) -> Path:
    """The benchmark export of ``rows`` rows, generated once."""
    path = DATA / f"export_{rows // 1_000_000}m.csv"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "gen_export.py"), str(rows), str(path)], check=True
        )
    return path


def measure(
    argv: list[str], cwd: Path | None = None, ok: tuple[int, ...] = (0,)
) -> tuple[float, float]:
    """Wall seconds and peak memory in MiB of one run of ``argv``.

    Peak memory is the most proportional set size (PSS) that the process and all its child
    processes held at once, summed, sampled every 25 ms from /proc/PID/smaps_rollup. PSS counts
    a page shared by N processes as 1/N in each, so forked workers that share the parent's
    pages are not counted twice (a sum of resident sizes would be), and a single process is
    measured the same way as a tree. The kernel's exact peak resident size of the top process
    (rusage) is kept as a floor when sampling saw nothing (a run shorter than 25 ms).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, env=ENV)
    tree_peak = [0]
    sampler = threading.Thread(target=_sample_tree, args=(proc.pid, tree_peak), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(argv)} failed with exit code {code}")
    return wall, (tree_peak[0] or usage.ru_maxrss) / 1024


def _pss_kib(pid: int) -> int:
    """The proportional set size of ``pid`` in KiB, or 0 once it has ended."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0  # ended between the listing and the read; a zombie has no mappings


def _sample_tree(pid: int, peak: list[int]) -> None:
    """Keep ``peak[0]`` at the most PSS KiB that ``pid`` and its children held at once."""
    while True:
        total = sum(_pss_kib(p) for p in [pid, *_children(pid)])
        if total == 0:
            return
        peak[0] = max(peak[0], total)
        time.sleep(0.025)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    except OSError:
        pass  # the process has ended
    for child in list(found):
        found += _children(child)
    return found


def agreement(src: Path) -> str:
    """Whether the Polars peer writes cbc's columns, and how many rows of ``src`` it judges as
    cbc does: each column of the peer's output but the input's own (which Polars rewrites:
    "4.10" as "4.1") and the error text (cbc leaves it empty, Polars writes it quoted) holds
    cbc's value."""
    import csv

    mine, theirs = DATA / "agree_cbc.csv", DATA / "agree_polars.csv"
    cbc = shutil.which("cbc") or "cbc"
    try:
        subprocess.run(
            [cbc, "check", str(src), "--format", "csv", "-o", str(mine)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        peer = [sys.executable, "polars_peer.py", str(src), str(theirs)]
        subprocess.run(peer, check=True, cwd=HERE / "peers")
        with open(mine, newline="") as a, open(theirs, newline="") as b:
            ours, polars = csv.DictReader(a), csv.DictReader(b)
            with src.open(newline="") as header:
                given = set(next(csv.reader(header)))
            judged = [c for c in polars.fieldnames or () if c not in given and c != "error"]
            alike = ours.fieldnames == polars.fieldnames
            columns = "the same columns" if alike else "OTHER columns"
            rows = same = 0
            for x, y in zip(ours, polars, strict=True):
                rows += 1
                same += all(x[c] == y[c] for c in judged)
    finally:
        mine.unlink(missing_ok=True)
        theirs.unlink(missing_ok=True)
    return (
        f"the Polars peer writes {columns} as cbc and agrees with it on {same:,} of {rows:,} rows "
        f"({', '.join(judged)})"
    )


def outputs(runs: int) -> int:
    """The summary table and brief NDJSON cases (see the module's docstring)."""
    one, three = export(1_000_000), export(3_000_000)
    out, ndjson = DATA / "out.csv", DATA / "out.ndjson"
    cbc = shutil.which("cbc") or "cbc"
    base, table, brief, peer, full = (
        "cbc check --format csv",
        "cbc check (summary table)",
        "cbc check --format ndjson --brief",
        "polars (brief fields, sink_ndjson)",
        "cbc check --format ndjson",
    )
    cases = {
        base: ([cbc, "check", str(one), "--format", "csv", "-o", str(out)], None),
        # The table goes to stdout (DEVNULL here), as a person at a terminal sees it.
        table: ([cbc, "check", str(one)], None),
        brief: ([cbc, "check", str(one), "--format", "ndjson", "--brief", "-o", str(ndjson)], None),
        peer: ([sys.executable, "polars_brief_peer.py", str(one), str(ndjson)], HERE / "peers"),
        # 5.9 GB at 1M rows: written to a device, as is (cbc_cli.output), not kept on disk.
        full: ([cbc, "check", str(one), "--format", "ndjson", "-o", os.devnull], None),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (argv, cwd) in cases.items():
            results[name].append(measure(argv, cwd))
    big = [
        measure([cbc, "check", str(three), "--format", "ndjson", "--brief", "-o", str(ndjson)])
        for _ in range(max(1, runs // 2))
    ]
    rows = 1_000_000
    print(f"1,000,000-row wide CSV, {runs} runs each, median wall, max peak memory")
    print(f"{'program':36} {'wall s':>7} {'rows/s':>10} {'peak MiB':>9} {'wall vs csv':>12}")
    walls = {name: statistics.median(w for w, _ in runs_) for name, runs_ in results.items()}
    for name, runs_ in results.items():
        peak = max(m for _, m in runs_)
        print(
            f"{name:36} {walls[name]:7.2f} {rows / walls[name]:10,.0f} {peak:9.0f} "
            f"{walls[name] / walls[base]:12.2f}"
        )
    peak_1m = max(m for _, m in results[brief])
    peak_3m = max(m for _, m in big)
    print(
        f"cbc --brief at 3,000,000 rows: {statistics.median(w for w, _ in big):.2f} s, peak "
        f"{peak_3m:.0f} MiB ({(peak_3m / peak_1m - 1) * 100:+.1f}% vs 1M)"
    )
    full_3m = [
        measure([cbc, "check", str(three), "--format", "ndjson", "-o", os.devnull])
        for _ in range(max(1, runs // 2))
    ]
    full_1m, full_peak = max(m for _, m in results[full]), max(m for _, m in full_3m)
    print(
        f"cbc whole results at 3,000,000 rows: {statistics.median(w for w, _ in full_3m):.2f} s, "
        f"peak {full_peak:.0f} MiB ({(full_peak / full_1m - 1) * 100:+.1f}% vs 1M); targets: "
        f"peak <= 150 MiB: {'ok' if max(full_1m, full_peak) <= 150 else 'MISSED'}; flat within "
        f"10%: {'ok' if abs(full_peak / full_1m - 1) <= 0.10 else 'MISSED'}"
    )

    def paired(a: str, b: str) -> float:
        # Within a round the programs run one after the other: steadier than medians.
        return statistics.median(
            x / y for (x, _), (y, _) in zip(results[a], results[b], strict=True)
        )

    table_ratio, peer_ratio = paired(table, base), paired(brief, peer)
    print(f"summary table / csv wall, median of per-round ratios: {table_ratio:.2f}")
    print(f"brief / polars wall, median of per-round ratios: {peer_ratio:.2f}")
    print(
        f"targets: table <= 1.5x csv: {'ok' if table_ratio <= 1.5 else 'MISSED'}; brief <= "
        f"polars: {'ok' if peer_ratio <= 1.0 else 'MISSED'}; peak <= 150 MiB: "
        f"{'ok' if max(peak_1m, peak_3m) <= 150 else 'MISSED'}; flat within 10%: "
        f"{'ok' if abs(peak_3m / peak_1m - 1) <= 0.10 else 'MISSED'}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--outputs", action="store_true", help="the summary table and brief NDJSON instead"
    )
    args = parser.parse_args()
    if args.outputs:
        return outputs(args.runs)
    one, three = export(1_000_000), export(3_000_000)
    out = DATA / "out.csv"
    cbc = shutil.which("cbc") or "cbc"
    peers = HERE / "peers"
    cases = {
        "cbc check --format csv": (
            [cbc, "check", str(one), "--format", "csv", "-o", str(out)],
            None,
        ),
        SAME: ([sys.executable, "polars_peer.py", str(one), str(out)], peers),
        NARROW: ([sys.executable, "polars_peer.py", str(one), str(out), "--flags-grades"], peers),
        "duckdb (SQL CASE, CSV -> CSV)": (
            [sys.executable, "duckdb_peer.py", str(one), str(out)],
            peers,
        ),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (argv, cwd) in cases.items():
            results[name].append(measure(argv, cwd))
    big = [
        measure([cbc, "check", str(three), "--format", "csv", "-o", str(out)])
        for _ in range(max(1, args.runs // 2))
    ]
    rows = 1_000_000
    print(f"1,000,000-row wide CSV, {args.runs} runs each, median wall, max peak memory")
    print(f"{'program':34} {'wall s':>7} {'rows/s':>10} {'peak MiB':>9} {'wall vs cbc':>12}")
    base = statistics.median(w for w, _ in results["cbc check --format csv"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        peak = max(m for _, m in runs)
        print(f"{name:34} {wall:7.2f} {rows / wall:10,.0f} {peak:9.0f} {wall / base:12.2f}")
    peak_1m = max(m for _, m in results["cbc check --format csv"])
    peak_3m = max(m for _, m in big)
    wall_3m = statistics.median(w for w, _ in big)
    print(
        f"cbc at 3,000,000 rows: {wall_3m:.2f} s, peak {peak_3m:.0f} MiB "
        f"({(peak_3m / peak_1m - 1) * 100:+.1f}% vs 1M)"
    )
    print(agreement(one))
    polars = statistics.median(w for w, _ in results[SAME])
    # Each round runs the programs one after the other: a ratio within a round is steadier on a
    # machine whose speed drifts than a ratio of medians.
    for peer in (SAME, NARROW):
        rounds = list(zip(results["cbc check --format csv"], results[peer], strict=True))
        paired = statistics.median(p / c for (c, _), (p, _) in rounds)
        faster = sum(c <= p for (c, _), (p, _) in rounds)
        print(
            f"{peer} / cbc wall, median of per-round ratios: {paired:.2f} "
            f"(cbc as fast or faster in {faster} of {len(rounds)} rounds)"
        )
    print(
        f"targets: wall <= polars writing the same columns: {'ok' if base <= polars else 'MISSED'} "
        f"({base:.2f} s vs {polars:.2f} s); peak <= 150 MiB: "
        f"{'ok' if max(peak_1m, peak_3m) <= 150 else 'MISSED'}; flat within 10%: "
        f"{'ok' if abs(peak_3m / peak_1m - 1) <= 0.10 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
