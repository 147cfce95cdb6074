"""The rules both peers apply, read from cbc's own data files so all three agree.

Adult reference ranges by sex (reference_ranges/adult.toml), critical limits
(critical_limits.toml) and CTCAE v5.0 grades for anemia, neutropenia, thrombocytopenia and
leukopenia (grading/ctcae5.toml), for the benchmark's adult-only export.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "reference_ranges"
ANALYTES = ("wbc", "rbc", "hgb", "hct", "mcv", "plt", "anc")
GRADED = {"anemia": "hgb", "neutropenia": "anc", "thrombocytopenia": "plt", "leukopenia": "wbc"}
# The terms graded above a limit, and cbc's grade columns in its order (lymphopenia grades the
# ALC, which the export has not: an empty column).
GRADED_HIGH = {"leukocytosis": "wbc", "erythrocytosis": "hgb"}
GRADE_COLUMNS = (*GRADED, "lymphopenia", *GRADED_HIGH)
# cbc_cli.engine.prompt.SEVERE_ANEMIA_HCT (a code constant there, with its source), kept here so
# that the peers do not import cbc's engine (its import time would count against them);
# batch.py's agreement check shows any drift.
SEVERE_ANEMIA_HCT = 24.0


def bound(
    ranges: dict[tuple[str, str], tuple[float, float]], analyte: str, sex: str, end: int
) -> float:
    """The low (end 0) or high (end 1) limit for an analyte and sex (F/M), or the any-sex one."""
    return (ranges.get((analyte, sex)) or ranges[(analyte, "any")])[end]


def adult_ranges() -> dict[tuple[str, str], tuple[float, float]]:
    """(analyte, sex F/M/any) -> (low, high) for adults."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for row in tomllib.loads((DATA / "adult.toml").read_text())["range"]:
        if row["analyte"] in ANALYTES:
            sex = {"female": "F", "male": "M", "any": "any"}[row["sex"]]
            out[(row["analyte"], sex)] = (row["low"], row["high"])
    return out


def critical() -> dict[str, tuple[float | None, float | None]]:
    """analyte -> (critical low, critical high) for adults: the rows whose age band holds every
    age from 18 years on, with no condition (the file also has children's and newborns' rows,
    and rows for an age not given)."""
    rows = tomllib.loads((DATA / "critical_limits.toml").read_text())["range"]
    return {
        r["analyte"]: (r.get("critical_low"), r.get("critical_high"))
        for r in rows
        if "condition" not in r and "age_to" not in r and r["age_from"] in ("0d", "18y")
    }


def ctcae_cutoffs() -> dict[str, list[tuple[int, float]]]:
    """finding -> [(grade, absolute 'below' cut-off)] for grades 4..2 (grade 1 is < LLN)."""
    scheme = tomllib.loads((DATA / "grading" / "ctcae5.toml").read_text())
    out: dict[str, list[tuple[int, float]]] = {}
    for c in scheme["criterion"]:
        if c["finding"] in GRADED:
            out[c["finding"]] = [
                (g["grade"], float(g["below"]))
                for g in c["grades"]
                if not isinstance(g["below"], str)
            ]
    return out


def ctcae_above() -> dict[str, list[tuple[int, float, bool]]]:
    """finding -> [(grade, limit, above the ULN by it)] for the terms graded above a limit,
    highest grade first: ``above = 100`` is (3, 100.0, False), ``above = "ULN+4"`` (3, 4.0,
    True), ``"ULN"`` (1, 0.0, True)."""
    scheme = tomllib.loads((DATA / "grading" / "ctcae5.toml").read_text())
    out: dict[str, list[tuple[int, float, bool]]] = {}
    for c in scheme["criterion"]:
        if c["finding"] in GRADED_HIGH:
            steps = []
            for g in c["grades"]:
                above = g["above"]
                if isinstance(above, str):
                    steps.append((g["grade"], float(above[3:] or 0), True))
                else:
                    steps.append((g["grade"], float(above), False))
            out[c["finding"]] = steps
    return out
