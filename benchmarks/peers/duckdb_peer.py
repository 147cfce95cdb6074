"""Peer: the same flags and CTCAE v5 grades as DuckDB SQL with CASE, CSV to CSV."""

from __future__ import annotations

import sys

import duckdb
from rules import ANALYTES, GRADED, adult_ranges, bound, critical, ctcae_cutoffs


def _bound(ranges: dict[tuple[str, str], tuple[float, float]], a: str, i: int) -> str:
    f, m = bound(ranges, a, "F", i), bound(ranges, a, "M", i)
    return f"(CASE WHEN sex = 'F' THEN {f} ELSE {m} END)"


def main(src: str, dst: str) -> None:
    ranges, crit, cuts = adult_ranges(), critical(), ctcae_cutoffs()
    cols = []
    for a in ANALYTES:
        clo, chi = crit.get(a, (None, None))
        parts = [f"WHEN {a} IS NULL THEN NULL"]
        if clo is not None:
            parts.append(f"WHEN {a} < {clo} THEN 'LL'")
        if chi is not None:
            parts.append(f"WHEN {a} > {chi} THEN 'HH'")
        parts += [
            f"WHEN {a} < {_bound(ranges, a, 0)} THEN 'L'",
            f"WHEN {a} > {_bound(ranges, a, 1)} THEN 'H'",
            "ELSE 'N'",
        ]
        cols.append(f"CASE {' '.join(parts)} END AS {a}_flag")
    for finding, a in GRADED.items():
        parts = [f"WHEN {a} IS NULL THEN NULL"]
        parts += [f"WHEN {a} < {cut} THEN {g}" for g, cut in cuts[finding]]
        parts += [f"WHEN {a} < {_bound(ranges, a, 0)} THEN 1", "ELSE 0"]
        cols.append(f"CASE {' '.join(parts)} END AS {finding}_grade")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT *, {', '.join(cols)} FROM read_csv_auto('{src}')) "
        f"TO '{dst}' (HEADER, DELIMITER ',')"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
