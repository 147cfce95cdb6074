"""Peer: the same flags and CTCAE v5 grades as Polars expressions, scan_csv (or scan_parquet
for a .parquet input) to sink_csv."""

from __future__ import annotations

import sys

import polars as pl
from polars_rules import flag_exprs, grade_exprs
from rules import ANALYTES, GRADED


def main(src: str, dst: str) -> None:
    if src.endswith(".parquet"):
        frame = pl.scan_parquet(src)
    else:
        frame = pl.scan_csv(src, infer_schema_length=10_000)
    flags, grades = flag_exprs(), grade_exprs()
    exprs = [flags[a].alias(f"{a}_flag") for a in ANALYTES]
    exprs += [grades[f].alias(f"{f}_grade") for f in GRADED]
    frame.with_columns(exprs).sink_csv(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
