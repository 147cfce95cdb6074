"""Peer for long exports: pivot a row per result into a row per sample, apply the same flags and
CTCAE v5 grades as polars_peer.py, then join them back so that each input row is written with
its own flag and its sample's grades (the shape of cbc's CSV output for long input)."""

from __future__ import annotations

import sys
from typing import Any

import polars as pl
from polars_rules import flag_exprs, grade_exprs
from rules import ANALYTES, GRADED

# The LIS codes of benchmarks/gen_long_export.py, in the units cbc's ranges use.
CODES = {"WBC": "wbc", "RBC": "rbc", "HGB": "hgb", "HCT": "hct", "MCV": "mcv", "PLT": "plt"}
CODES["NEUT#"] = "anc"


def main(src: str, dst: str) -> None:
    rows = pl.read_csv(src, infer_schema_length=10_000).with_columns(
        pl.col("analyte").replace_strict(CODES, default=None).alias("_analyte")
    )
    wide = rows.pivot(
        on="_analyte", index=["sample_id", "sex"], values="value", aggregate_function="first"
    )
    for a in ANALYTES:
        if a not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(a))
    flags, grades = flag_exprs(), grade_exprs()
    exprs = [flags[a].alias(f"{a}_flag") for a in ANALYTES]
    exprs += [grades[f].alias(f"{f}_grade") for f in GRADED]
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
