"""Streaming benchmark: `cbc check FILE --format csv` over FHIR NDJSON bulk exports and HL7 v2
batches of 10 MB, 100 MB and 1 GB (benchmarks/gen_streams.py writes them once, under
benchmarks/data/). For each it prints wall time, samples (rows out) per second, the CPU time
of cbc's processes (user + system: on a machine shared with other work the wall time is mostly
the machine's, the CPU time cbc's own) with samples per CPU second, and the peak memory of the
whole process tree (proportional set size, see batch.measure). Memory should be flat: the same
at 1 GB as at 10 MB.

Usage: python benchmarks/streams.py [--formats fhir,hl7] [--sizes 10,100,1000] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from batch import DATA, HERE, measure

SUFFIX = {"fhir": "ndjson", "hl7": "hl7"}


def data_file(kind: str, megabytes: int) -> Path:
    """The benchmark input of ``kind`` and about ``megabytes`` MB, generated once."""
    path = DATA / f"{kind}_{megabytes}mb.{SUFFIX[kind]}"
    if not path.exists():
        generator = [sys.executable, str(HERE / "gen_streams.py"), kind, str(megabytes), str(path)]
        subprocess.run(generator, check=True, stdout=subprocess.DEVNULL)
    return path


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="fhir,hl7")
    parser.add_argument("--sizes", default="10,100,1000", help="input sizes in MB")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    cbc = shutil.which("cbc") or "cbc"
    print(
        f"{'input':24} {'MB':>7} {'samples':>10} {'wall s':>8} {'samples/s':>10} {'CPU s':>8} "
        f"{'per CPU s':>10} {'peak MiB':>9}"
    )
    for kind in args.formats.split(","):
        out = DATA / f"streams_out_{os.getpid()}_{kind}.csv"  # two runs at once: not shared
        peaks = []
        for megabytes in map(int, args.sizes.split(",")):
            path = data_file(kind, megabytes)
            runs = []
            cpus = []
            for _ in range(args.runs):
                before = _children_cpu()
                argv = [cbc, "check", str(path), "--format", "csv", "-o", str(out)]
                runs.append(measure(argv, ok=(0, 1)))
                cpus.append(_children_cpu() - before)
            with out.open("rb") as f:
                samples = sum(1 for _ in f) - 1  # the header
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(cpus)
            peak = max(m for _, m in runs)
            peaks.append(peak)
            size = path.stat().st_size / 1e6
            print(
                f"{path.name:24} {size:7.0f} {samples:10,} {wall:8.1f} {samples / wall:10,.0f} "
                f"{cpu:8.1f} {samples / cpu:10,.0f} {peak:9.0f}",
                flush=True,
            )
        print(f"{kind}: peak memory, largest over smallest input: {max(peaks) / peaks[0]:.2f}")
        out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
