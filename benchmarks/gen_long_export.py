"""Write a deterministic long-layout CBC export (a row per result, as LIS exports are) for the
batch benchmark.

Columns: sample_id,patient_id,collected_at,sex,age,analyte,value,unit. The same samples as
gen_export.py (adults 18-90, about 15% with counts after chemotherapy), each as up to seven rows
(WBC, RBC, HGB, HCT, MCV, PLT, NEUT#) in LIS units; a result that is missing (about 3%) has no
row, as LIS exports leave it out. Rows of a sample are together, samples in order.
Usage: python benchmarks/gen_long_export.py SAMPLES OUT.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

from gen_export import rows

# Wide column -> (LIS code, unit) as the analyser's interface exports them.
CODES = {
    3: ("WBC", "10^9/L"),
    4: ("RBC", "10^12/L"),
    5: ("HGB", "g/dL"),
    6: ("HCT", "%"),
    7: ("MCV", "fL"),
    8: ("PLT", "10^9/L"),
    9: ("NEUT#", "10^9/L"),
}


def long_rows(wide: list[str], first: int) -> list[str]:
    """The long rows of these wide lines (samples ``first``, ``first + 1``, ...)."""
    out = []
    for k, line in enumerate(wide):
        cells = line.split(",")
        n = first + k
        head = (
            f"{cells[0]},P{n % 250_000:06d},2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}T08:{n % 60:02d}"
        )
        head += f",{cells[1]},{cells[2]}"
        for column, (code, unit) in CODES.items():
            if cells[column]:
                out.append(f"{head},{code},{cells[column]},{unit}")
    return out


def main() -> int:
    n, path = int(sys.argv[1]), Path(sys.argv[2])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write("sample_id,patient_id,collected_at,sex,age,analyte,value,unit\n")
        step = 100_000
        for start in range(0, n, step):
            wide = rows(min(step, n - start), seed=20261122 + start)
            # Sample ids numbered across the whole file, not per block.
            wide = [f"S{start + i:08d}" + w[w.index(",") :] for i, w in enumerate(wide)]
            f.write("\n".join(long_rows(wide, start)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
