"""Peer: the same flags and CTCAE v5 grades as Polars expressions, scan_csv (or scan_parquet
for a .parquet input) to sink_csv."""

from __future__ import annotations

import sys
from typing import Any

import polars as pl
from rules import ANALYTES, GRADED, adult_ranges, bound, critical, ctcae_cutoffs


def main(src: str, dst: str) -> None:
    ranges, crit, cuts = adult_ranges(), critical(), ctcae_cutoffs()
    if src.endswith(".parquet"):
        frame = pl.scan_parquet(src)
    else:
        frame = pl.scan_csv(src, infer_schema_length=10_000)
    female = pl.col("sex") == "F"
    exprs = []
    for a in ANALYTES:
        v = pl.col(a).cast(pl.Float64)
        lo = pl.when(female).then(bound(ranges, a, "F", 0)).otherwise(bound(ranges, a, "M", 0))
        hi = pl.when(female).then(bound(ranges, a, "F", 1)).otherwise(bound(ranges, a, "M", 1))
        clo, chi = crit.get(a, (None, None))
        flag: Any = pl.when(v.is_null()).then(pl.lit(None))
        if clo is not None:
            flag = flag.when(v < clo).then(pl.lit("LL"))
        if chi is not None:
            flag = flag.when(v > chi).then(pl.lit("HH"))
        flag = flag.when(v < lo).then(pl.lit("L")).when(v > hi).then(pl.lit("H"))
        exprs.append(flag.otherwise(pl.lit("N")).alias(f"{a}_flag"))
    for finding, a in GRADED.items():
        v = pl.col(a).cast(pl.Float64)
        lln = pl.when(female).then(bound(ranges, a, "F", 0)).otherwise(bound(ranges, a, "M", 0))
        grade: Any = pl.when(v.is_null()).then(pl.lit(None, dtype=pl.Int8))
        for g, cut in cuts[finding]:
            grade = grade.when(v < cut).then(pl.lit(g, dtype=pl.Int8))
        grade = grade.when(v < lln).then(pl.lit(1, dtype=pl.Int8))
        exprs.append(grade.otherwise(pl.lit(0, dtype=pl.Int8)).alias(f"{finding}_grade"))
    frame.with_columns(exprs).sink_csv(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
