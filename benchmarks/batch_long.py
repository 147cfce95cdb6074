"""Long-layout benchmark: `cbc check FILE --format csv` on a row-per-result export against a
Polars peer that pivots it to a row per sample, applies the same rules and joins them back.

Generates (once) deterministic long exports of 1M and 3M samples (about 6.8 rows each) under
benchmarks/data/, then runs each program as a fresh process, alternately, and reports wall
time, CPU time, samples/s and peak memory of the whole process tree (benchmarks/batch.py's
``measure``). Targets: cbc's wall time <= the Polars peer's at 1M samples, peak memory
<= 150 MiB and flat (1M vs 3M samples within 10%).
Needs the bench extra: pip install -e '.[bench]'.
Usage: python benchmarks/batch_long.py [--runs N] [--samples N] [--no-big]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from batch import DATA, HERE, measure


def export(samples: int) -> Path:
    """The long benchmark export of ``samples`` samples, generated once."""
    name = f"{samples // 1_000_000}m" if samples % 1_000_000 == 0 else f"{samples // 1000}k"
    path = DATA / f"long_{name}.csv"
    if not path.exists():
        subprocess.run(
            [sys.executable, str(HERE / "gen_long_export.py"), str(samples), str(path)],
            check=True,
            cwd=HERE,
        )
    return path


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak MiB (as ``measure``) and the CPU seconds of the children it ran."""
    before = os.times()
    wall, peak = measure(argv, cwd)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, peak, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--no-big", action="store_true", help="skip the 3x run")
    args = parser.parse_args()
    one = export(args.samples)
    out = DATA / "out_long.csv"
    cbc = shutil.which("cbc") or "cbc"
    peers = HERE / "peers"
    cases = {
        "cbc check --format csv": (
            [cbc, "check", str(one), "--format", "csv", "-o", str(out)],
            None,
        ),
        "polars (pivot, rules, join back)": (
            [sys.executable, "polars_long_peer.py", str(one), str(out)],
            peers,
        ),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (argv, cwd) in cases.items():
            results[name].append(timed(argv, cwd))
    n = args.samples
    rows = sum(1 for _ in one.open("rb")) - 1
    print(f"{n:,}-sample long CSV ({rows:,} rows), {args.runs} runs each, median, max peak")
    print(f"{'program':34} {'wall s':>7} {'cpu s':>7} {'samples/s':>10} {'peak MiB':>9}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, _, c in runs)
        peak = max(m for _, m, _ in runs)
        print(f"{name:34} {wall:7.2f} {cpu:7.2f} {n / wall:10,.0f} {peak:9.0f}")
    mine = results["cbc check --format csv"]
    peer = results["polars (pivot, rules, join back)"]
    paired = statistics.median(p[0] / c[0] for c, p in zip(mine, peer, strict=True))
    faster = sum(c[0] <= p[0] for c, p in zip(mine, peer, strict=True))
    print(
        f"polars / cbc wall, median of per-round ratios: {paired:.2f} "
        f"(cbc as fast or faster in {faster} of {len(mine)} rounds)"
    )
    peak_1 = max(m for _, m, _ in mine)
    base = statistics.median(w for w, _, _ in mine)
    polars = statistics.median(w for w, _, _ in peer)
    verdict = (
        f"targets: wall <= polars: {'ok' if base <= polars else 'MISSED'} "
        f"({base:.2f} s vs {polars:.2f} s); peak <= 150 MiB: "
        f"{'ok' if peak_1 <= 150 else 'MISSED'} ({peak_1:.0f} MiB)"
    )
    if not args.no_big:
        big = export(3 * n)
        runs3 = [
            timed([cbc, "check", str(big), "--format", "csv", "-o", str(out)])
            for _ in range(max(1, args.runs // 2))
        ]
        peak_3 = max(m for _, m, _ in runs3)
        wall_3 = statistics.median(w for w, _, _ in runs3)
        print(
            f"cbc at {3 * n:,} samples: {wall_3:.2f} s, peak {peak_3:.0f} MiB "
            f"({(peak_3 / peak_1 - 1) * 100:+.1f}% vs {n:,})"
        )
        verdict += f"; flat within 10%: {'ok' if abs(peak_3 / peak_1 - 1) <= 0.10 else 'MISSED'}"
    print(verdict)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
