"""Start-up benchmark: `cbc check` on one sample against importing typer, rich and pydantic.

Both are run as fresh processes, alternately, in one run; the medians are compared, and so is
the median of the per-round ratios (steadier on a machine whose speed drifts). Target (the
project's start-up budget): ratio <= 1.5. Usage: python benchmarks/startup.py [--runs N]

Bytecode is written during the warm-up even when PYTHONDONTWRITEBYTECODE is set, so that every
case is timed as an installed package runs (pip compiles .pyc files at install time); without
it the cbc runs would include compiling the package from source on every start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

PEER = [sys.executable, "-c", "import typer, rich, pydantic"]
SAMPLE = ["check", "--hgb", "9.1", "--anc", "0.8", "--plt", "62", "--sex", "female", "--age", "54"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cbc = shutil.which("cbc")
    cases = {
        "import typer, rich, pydantic": PEER,
        "cbc check (table)": [cbc, *SAMPLE] if cbc else [sys.executable, "-m", "cbc_cli", *SAMPLE],
        "cbc check --format json": [
            *([cbc] if cbc else [sys.executable, "-m", "cbc_cli"]),
            *SAMPLE,
            "--format",
            "json",
        ],
    }
    for cmd in cases.values():  # warm the file cache and .pyc files
        _time(cmd)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            times[name].append(_time(cmd))
    peer = times["import typer, rich, pydantic"]
    base = statistics.median(peer)
    print(f"{'case':32} {'median ms':>10} {'min ms':>8} {'ratio':>6} {'paired':>7}")
    worst = 0.0
    for name, values in times.items():
        med = statistics.median(values)
        paired = statistics.median(v / p for v, p in zip(values, peer, strict=True))
        if name.startswith("cbc"):
            worst = max(worst, med / base, paired)
        ms = f"{med * 1000:10.1f} {min(values) * 1000:8.1f}"
        print(f"{name:32} {ms} {med / base:6.2f} {paired:7.2f}")
    print(f"worst ratio {worst:.2f} (target <= 1.5): {'ok' if worst <= 1.5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
