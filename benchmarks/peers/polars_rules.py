"""The peers' flags, CTCAE v5.0 grades, finding codes and urgency as Polars expressions (rules.py
gives the numbers): shared by polars_peer.py, polars_long_peer.py and polars_brief_peer.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from rules import (
    ANALYTES,
    GRADED,
    GRADED_HIGH,
    SEVERE_ANEMIA_HCT,
    adult_ranges,
    bound,
    critical,
    ctcae_above,
    ctcae_cutoffs,
)

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
    """Each graded finding's CTCAE v5.0 grade (0-4; null for no value), in cbc's column order
    (GRADE_COLUMNS)."""
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
    grades["lymphopenia"] = pl.lit(None, dtype=pl.Int8)  # no ALC in the export
    above = ctcae_above()
    for finding, a in GRADED_HIGH.items():
        v = pl.col(a).cast(pl.Float64)
        uln = pl.when(FEMALE).then(bound(ranges, a, "F", 1)).otherwise(bound(ranges, a, "M", 1))
        grade = pl.when(v.is_null()).then(pl.lit(None, dtype=pl.Int8))
        for g, limit, over_uln in above[finding]:
            grade = grade.when(v > (uln + limit if over_uln else limit)).then(
                pl.lit(g, dtype=pl.Int8)
            )
        if (1, 0.0, True) not in above[finding]:
            # A high count short of the lowest grade (leukocytosis: 100) has no grade in the
            # scheme: cbc leaves it empty, never 0.
            grade = grade.when(v > uln).then(pl.lit(None, dtype=pl.Int8))
        grades[finding] = grade.otherwise(pl.lit(0, dtype=pl.Int8))
    return grades


# cbc's single findings in its order (cbc_cli.engine.values.FINDING_RULES), for the analytes
# of the benchmark's export: (code, analyte, side).
RULES = (
    ("anemia", "hgb", "low"),
    ("erythrocytosis", "hgb", "high"),
    ("leukopenia", "wbc", "low"),
    ("leukocytosis", "wbc", "high"),
    ("neutropenia", "anc", "low"),
    ("neutrophilia", "anc", "high"),
    ("thrombocytopenia", "plt", "low"),
    ("thrombocytosis", "plt", "high"),
)
SIDE_FLAGS = {"low": ["L", "LL"], "high": ["H", "HH"]}


@dataclass
class Findings:
    """A row's finding codes and urgency, with the conditions behind the urgency (which the
    brief peer also words as cbc's messages)."""

    codes: Any
    """The finding codes, a list in cbc's order."""
    texts: list[Any]
    """Each finding's code where the row has it, else null, in cbc's order."""
    urgency: Any
    critical_any: Any
    pattern_urgent: Any
    severe: Any
    abnormal: Any


def finding_exprs(flags: dict[str, Any], grades: dict[str, Any]) -> Findings:
    """Finding codes and urgency by cbc's rules for these counts (README, Urgency;
    cbc_cli.engine.decide): a finding where the flag is beyond its side or the term is graded
    1 or more; erythrocytosis from a high hematocrit when the hemoglobin is not low, anemia
    from a low one when no hemoglobin is given; a low WBC's critical value deferred to a
    given ANC. Urgency: a critical value: now; three low lines with one of grade 2 or worse,
    any grade 3 or 4, or a hematocrit below the prompt limit with no hemoglobin given: soon;
    any finding or flag outside the range: routine; else none."""

    def flagged(analyte: str, side: str) -> Any:
        return flags[analyte].is_in(SIDE_FLAGS[side]).fill_null(False)

    found: dict[str, Any] = {}
    for code, analyte, side in RULES:
        hit = flagged(analyte, side)
        if code in grades:
            hit = hit | (grades[code].fill_null(0) >= 1)
        found[code] = hit
    hgb_given = flags["hgb"].is_not_null()
    from_hct = ~found["anemia"] & ~found["erythrocytosis"] & flagged("hct", "high")
    found["erythrocytosis"] = found["erythrocytosis"] | (from_hct & ~flagged("hgb", "low"))
    found["anemia"] = found["anemia"] | (flagged("hct", "low") & ~hgb_given)
    anc_given = flags["anc"].is_not_null()
    white = pl.when(anc_given).then(found["neutropenia"]).otherwise(found["leukopenia"])
    lines = [found["anemia"], white, found["thrombocytopenia"]]
    low_lines = pl.sum_horizontal([line.cast(pl.Int8) for line in lines])
    beyond = [flags[a].is_in(["LL", "HH"]).fill_null(False) for a in ANALYTES if a != "wbc"]
    beyond.append(flags["wbc"].eq("HH").fill_null(False))
    beyond.append(flags["wbc"].eq("LL").fill_null(False) & ~anc_given)
    critical_any = pl.any_horizontal(beyond)
    codes = [pl.when(found[code]).then(pl.lit(code)) for code, _, _ in RULES]
    codes.append(pl.when(low_lines == 3).then(pl.lit("pancytopenia")))
    codes.append(pl.when(low_lines == 2).then(pl.lit("bicytopenia")))
    codes.append(pl.when(critical_any).then(pl.lit("critical-value")))
    findings = pl.concat_list(codes).list.drop_nulls()
    any_found = pl.any_horizontal([c.is_not_null() for c in codes])
    white_grade = pl.when(anc_given).then(grades["neutropenia"]).otherwise(grades["leukopenia"])
    line_grades = [grades["anemia"], white_grade, grades["thrombocytopenia"]]
    pattern_urgent = (low_lines == 3) & pl.any_horizontal(
        [line & (g.fill_null(9) >= 2) for line, g in zip(lines, line_grades, strict=True)]
    )
    severe = pl.any_horizontal(
        [found[f] & (grades[f].fill_null(0) >= 3) for f, _, _ in RULES if f in grades]
    )
    prompted = (pl.col("hct").cast(pl.Float64) < SEVERE_ANEMIA_HCT).fill_null(False) & ~hgb_given
    abnormal = pl.any_horizontal([flags[a].is_in(["L", "LL", "H", "HH"]) for a in ANALYTES])
    urgency = (
        pl.when(critical_any)
        .then(pl.lit("now"))
        .when(pattern_urgent | severe | prompted)
        .then(pl.lit("soon"))
        .when(any_found | abnormal.fill_null(False))
        .then(pl.lit("routine"))
        .otherwise(pl.lit("none"))
    )
    return Findings(findings, codes, urgency, critical_any, pattern_urgent, severe, abnormal)


def judged_columns(frame: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The frame with each analyte's flag and each term's grade made once as columns
    (``{a}_flag``, ``{f}_grade``), and expressions that read them back: the findings and
    urgency are then worked out from the columns (written over the expressions that make them,
    Polars took half as long again: 1.5-1.8 s against 0.9-1.0 s at 1M rows)."""
    flags, grades = flag_exprs(), grade_exprs()
    frame = frame.with_columns(
        [e.alias(f"{a}_flag") for a, e in flags.items()]
        + [e.alias(f"{f}_grade") for f, e in grades.items()]
    )
    return (
        frame,
        {a: pl.col(f"{a}_flag") for a in flags},
        {f: pl.col(f"{f}_grade") for f in grades},
    )
