"""Parquet benchmark: `cbc check FILE.parquet --format csv` against Polars, one process run.

Writes (once) the 1M- and 3M-row wide exports of benchmarks/batch.py as Parquet (row groups of
100,000 rows, as data lakes write them), then runs, alternately and each as a fresh process:
cbc on the Parquet file, cbc on the same export as CSV (its own fast path), and the Polars
peer (scan_parquet, the same flags and grades, sink_csv). Reports the median wall time and the
peak memory of the whole process tree (see batch.measure). Targets: memory <= 150 MiB and flat
from 1M to 3M rows (within 10%); Parquet -> CSV close to cbc's own CSV -> CSV.
Needs the arrow and bench extras: pip install -e '.[arrow,bench]'.
Usage: python benchmarks/parquet.py [--runs N]
"""

from __future__ import annotations

import argparse
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
    out = DATA / "out.csv"
    cbc = shutil.which("cbc") or "cbc"
    one, three = parquet(1_000_000), parquet(3_000_000)
    cases = {
        "cbc, Parquet 1M -> CSV": ([cbc, "check", str(one), "-f", "csv", "-o", str(out)], None),
        "cbc, Parquet 3M -> CSV": ([cbc, "check", str(three), "-f", "csv", "-o", str(out)], None),
        "cbc, CSV 1M -> CSV": (
            [cbc, "check", str(export(1_000_000)), "-f", "csv", "-o", str(out)],
            None,
        ),
        "polars, Parquet 1M -> CSV": (
            [sys.executable, "polars_peer.py", str(one), str(out)],
            HERE / "peers",
        ),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (argv, cwd) in cases.items():
            results[name].append(measure(argv, cwd))
    print(f"wide exports, {args.runs} runs each: median wall, max peak memory of the process tree")
    print(f"{'program':28} {'wall s':>7} {'rows/s':>10} {'peak MiB':>9}")
    for name, runs in results.items():
        rows = 3_000_000 if "3M" in name else 1_000_000
        wall = statistics.median(w for w, _ in runs)
        print(f"{name:28} {wall:7.2f} {rows / wall:10,.0f} {max(m for _, m in runs):9.0f}")
    one_peak = max(m for _, m in results["cbc, Parquet 1M -> CSV"])
    three_peak = max(m for _, m in results["cbc, Parquet 3M -> CSV"])
    print(f"cbc Parquet peak, 3M vs 1M: {(three_peak / one_peak - 1) * 100:+.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
