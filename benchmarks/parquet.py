"""Parquet benchmark: `cbc check FILE.parquet` to CSV and to Parquet, against Polars.

Writes (once) the 1M- and 3M-row wide exports of benchmarks/batch.py as Parquet (row groups of
100,000 rows, as data lakes write them), then runs, alternately and each as a fresh process:
cbc on the Parquet file written as CSV and as Parquet (`--format parquet`), cbc on the same
export as CSV (its own fast path), and the Polars peer (scan_parquet, the same flags and
grades, sink_csv). Reports the median wall time, CPU time (user + system) and the peak memory
of the whole process tree (see batch.measure). Targets: memory <= 150 MiB and flat from 1M to
3M rows (within 10%), for each output; Parquet -> CSV close to cbc's own CSV -> CSV.
Needs the arrow and bench extras: pip install -e '.[arrow,bench]'.
Usage: python benchmarks/parquet.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from batch import DATA, HERE, export, measure


def parquet(rows: int) -> Path:
    """The Parquet copy of the benchmark export of ``rows`` rows, written once.

    Written by a child process: a benchmark process that had read the table would pass its
    peak resident memory on to every program it forks (the kernel counts it until exec).
    """
    path = DATA / f"export_{rows // 1_000_000}m.parquet"
    if not path.exists():
        code = (
            "import sys, pyarrow.csv as c, pyarrow.parquet as q; "
            "q.write_table(c.read_csv(sys.argv[1]), sys.argv[2], row_group_size=100_000)"
        )
        subprocess.run([sys.executable, "-c", code, str(export(rows)), str(path)], check=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out, out_parquet = DATA / "out.csv", DATA / "out.parquet"
    cbc = shutil.which("cbc") or "cbc"
    one, three = parquet(1_000_000), parquet(3_000_000)
    cases = {
        "cbc, Parquet 1M -> CSV": ([cbc, "check", str(one), "-f", "csv", "-o", str(out)], None),
        "cbc, Parquet 3M -> CSV": ([cbc, "check", str(three), "-f", "csv", "-o", str(out)], None),
        "cbc, Parquet 1M -> Parquet": (
            [cbc, "check", str(one), "-f", "parquet", "-o", str(out_parquet)],
            None,
        ),
        "cbc, Parquet 3M -> Parquet": (
            [cbc, "check", str(three), "-f", "parquet", "-o", str(out_parquet)],
            None,
        ),
        "cbc, CSV 1M -> CSV": (
            [cbc, "check", str(export(1_000_000)), "-f", "csv", "-o", str(out)],
            None,
        ),
        "polars, Parquet 1M -> CSV": (
            [sys.executable, "polars_peer.py", str(one), str(out)],
            HERE / "peers",
        ),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (argv, cwd) in cases.items():
            before = os.times()
            wall, peak = measure(argv, cwd)
            after = os.times()
            cpu = (after.children_user - before.children_user) + (
                after.children_system - before.children_system
            )
            results[name].append((wall, cpu, peak))
    print(f"wide exports, {args.runs} runs each: median wall and CPU, max peak memory of the tree")
    print(f"{'program':30} {'wall s':>7} {'cpu s':>7} {'rows/s':>10} {'peak MiB':>9}")
    for name, runs in results.items():
        rows = 3_000_000 if "3M" in name else 1_000_000
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        peak = max(m for _, _, m in runs)
        print(f"{name:30} {wall:7.2f} {cpu:7.2f} {rows / wall:10,.0f} {peak:9.0f}")
    for output in ("CSV", "Parquet"):
        one_peak = max(m for _, _, m in results[f"cbc, Parquet 1M -> {output}"])
        three_peak = max(m for _, _, m in results[f"cbc, Parquet 3M -> {output}"])
        flat = abs(three_peak / one_peak - 1) <= 0.10
        print(
            f"cbc Parquet -> {output}: peak 3M vs 1M {(three_peak / one_peak - 1) * 100:+.1f}%; "
            f"targets: peak <= 150 MiB: {'ok' if max(one_peak, three_peak) <= 150 else 'MISSED'}"
            f"; flat within 10%: {'ok' if flat else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
