"""Peer for long exports: pivot a row per result into a row per sample, apply the same flags and
CTCAE v5 grades as polars_peer.py, then join them back so that each input row is written with
its own flag and its sample's grades (the shape of cbc's CSV output for long input)."""

from __future__ import annotations

import sys
from typing import Any

import polars as pl
from rules import ANALYTES, GRADED, adult_ranges, bound, critical, ctcae_cutoffs

# The LIS codes of benchmarks/gen_long_export.py, in the units cbc's ranges use.
CODES = {"WBC": "wbc", "RBC": "rbc", "HGB": "hgb", "HCT": "hct", "MCV": "mcv", "PLT": "plt"}
CODES["NEUT#"] = "anc"


def main(src: str, dst: str) -> None:
    ranges, crit, cuts = adult_ranges(), critical(), ctcae_cutoffs()
    rows = pl.read_csv(src, infer_schema_length=10_000).with_columns(
        pl.col("analyte").replace_strict(CODES, default=None).alias("_analyte")
    )
    wide = rows.pivot(
        on="_analyte", index=["sample_id", "sex"], values="value", aggregate_function="first"
    )
    for a in ANALYTES:
        if a not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(a))
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
    judged = wide.select("sample_id", *exprs)
    # Each row's own flag: the flag of the analyte it holds.
    own: Any = pl.lit(None, dtype=pl.String)
    for a in reversed(ANALYTES):
        own = pl.when(pl.col("_analyte") == a).then(pl.col(f"{a}_flag")).otherwise(own)
    out = rows.join(judged, on="sample_id", how="left", maintain_order="left")
    out = out.with_columns(own.alias("flag")).select(
        *[c for c in rows.columns if c != "_analyte"],
        "flag",
        *[f"{g}_grade" for g in GRADED],
    )
    out.write_csv(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
