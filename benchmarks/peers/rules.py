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
