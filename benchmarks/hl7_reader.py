"""The HL7 reader alone: records read from an HL7 v2 batch (no engine, no writer), per second of
wall time and of CPU time (the machine may be shared: CPU time is the reader's own cost).

Usage: python benchmarks/hl7_reader.py FILE [--parser split|python-hl7]
(an input from benchmarks/gen_streams.py, e.g. benchmarks/data/hl7_100mb.hl7)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cbc_cli.readers.hl7 import read_hl7
from cbc_cli.readers.source import Source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--parser", default="split", choices=("split", "python-hl7"))
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    samples = 0
    with args.file.open("rb") as stream:
        records, _ = read_hl7(Source(stream, str(args.file)), parser=args.parser)
        for _ in records:
            samples += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{args.file.name}: {samples:,} samples, wall {wall:.1f} s ({samples / wall:,.0f}/s), "
        f"CPU {cpu:.1f} s ({samples / cpu:,.0f}/s, {cpu / samples * 1e6:.0f} us a sample)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
