"""Write a deterministic wide CBC export for the batch benchmark.

Columns: sample_id,sex,age,wbc,rbc,hgb,hct,mcv,plt,anc. Adults 18-90, realistic values; about
15% of rows look like counts after chemotherapy (cytopenias), and about 3% of cells are empty.
Usage: python benchmarks/gen_export.py ROWS OUT.csv
"""

from __future__ import annotations

import random
import sys
from pathlib import Path


def rows(n: int, seed: int = 20261122) -> list[str]:
    """``n`` CSV lines, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        sex = "F" if rng.random() < 0.5 else "M"
        age = rng.randint(18, 90)
        low = rng.random() < 0.15
        hgb = rng.gauss(9.0 if low else (13.8 if sex == "F" else 15.2), 1.2)
        wbc = rng.gauss(2.2, 0.9) if low else rng.gauss(7.0, 1.8)
        anc = wbc * rng.uniform(0.2, 0.5) if low else wbc * rng.uniform(0.45, 0.7)
        plt = rng.gauss(60, 30) if low else rng.gauss(260, 60)
        rbc = hgb / rng.uniform(2.8, 3.2)
        hct = hgb * rng.uniform(2.9, 3.1)
        mcv = rng.gauss(92, 7)
        cells = [
            f"S{i:07d}",
            sex,
            str(age),
            f"{max(wbc, 0.1):.1f}",
            f"{max(rbc, 1.0):.2f}",
            f"{max(hgb, 4.0):.1f}",
            f"{max(hct, 12):.0f}",
            f"{mcv:.0f}",
            f"{max(plt, 3):.0f}",
            f"{max(anc, 0.0):.2f}",
        ]
        for j in range(3, 10):
            if rng.random() < 0.03:
                cells[j] = ""
        out.append(",".join(cells))
    return out


def main() -> int:
    n, path = int(sys.argv[1]), Path(sys.argv[2])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write("sample_id,sex,age,wbc,rbc,hgb,hct,mcv,plt,anc\n")
        step = 100_000
        for start in range(0, n, step):
            chunk = rows(min(step, n - start), seed=20261122 + start)
            f.write("\n".join(chunk) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
