"""The peers' flags and CTCAE v5.0 grades as Polars expressions (rules.py gives the numbers):
shared by polars_peer.py, polars_long_peer.py and polars_brief_peer.py."""

from __future__ import annotations

from typing import Any

import polars as pl
from rules import ANALYTES, GRADED, adult_ranges, bound, critical, ctcae_cutoffs

FEMALE = pl.col("sex") == "F"


def flag_exprs() -> dict[str, Any]:
    """Each analyte's flag (LL, L, N, H, HH; null for no value) by the adult range of the sex."""
    ranges, crit = adult_ranges(), critical()
    flags: dict[str, Any] = {}
    for a in ANALYTES:
        v = pl.col(a).cast(pl.Float64)
        lo = pl.when(FEMALE).then(bound(ranges, a, "F", 0)).otherwise(bound(ranges, a, "M", 0))
        hi = pl.when(FEMALE).then(bound(ranges, a, "F", 1)).otherwise(bound(ranges, a, "M", 1))
        clo, chi = crit.get(a, (None, None))
        flag: Any = pl.when(v.is_null()).then(pl.lit(None))
        if clo is not None:
            flag = flag.when(v < clo).then(pl.lit("LL"))
        if chi is not None:
            flag = flag.when(v > chi).then(pl.lit("HH"))
        flag = flag.when(v < lo).then(pl.lit("L")).when(v > hi).then(pl.lit("H"))
        flags[a] = flag.otherwise(pl.lit("N"))
    return flags


def grade_exprs() -> dict[str, Any]:
    """Each graded finding's CTCAE v5.0 grade (0-4; null for no value)."""
    ranges, cuts = adult_ranges(), ctcae_cutoffs()
    grades: dict[str, Any] = {}
    for finding, a in GRADED.items():
        v = pl.col(a).cast(pl.Float64)
        lln = pl.when(FEMALE).then(bound(ranges, a, "F", 0)).otherwise(bound(ranges, a, "M", 0))
        grade: Any = pl.when(v.is_null()).then(pl.lit(None, dtype=pl.Int8))
        for g, cut in cuts[finding]:
            grade = grade.when(v < cut).then(pl.lit(g, dtype=pl.Int8))
        grade = grade.when(v < lln).then(pl.lit(1, dtype=pl.Int8))
        grades[finding] = grade.otherwise(pl.lit(0, dtype=pl.Int8))
    return grades
