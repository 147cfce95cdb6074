"""The analyte catalogue: ids, names, LOINC codes, canonical units, aliases and plausibility limits.

Facts from docs/clinical.md section 2. Plausibility limits are a project choice, not a
standard: outside them a value is almost surely a unit or typing slip, so it is refused.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from cbc_cli.errors import InputError
from cbc_cli.text import fold

# Counts: analysers print WBC, neutrophils and lymphocytes to 0.01 x10^9/L (10/uL) and platelets
# in whole 10^9/L (1,000/uL), and real results after chemotherapy go down to those steps (WBC
# 0.1, ANC 0.0, platelets 1-5). A count between zero and that step is a count in /uL read as
# 10^9/L (62/uL for 62 x10^9/L): refused. Zero stays readable ("0", "<0.1").
COUNT_STEP = 0.01
PLATELET_STEP = 1.0
# Hemoglobin: survival has been reported at 1.4 g/dL (Chai AL et al., Critical iron deficiency
# anemia with record low hemoglobin: a case report, J Med Case Rep 2021;15:472) and 1.7 g/dL
# (Esteves JM et al., Surviving extreme anaemia, Eur J Case Rep Intern Med 2021;8(3):002357).
# The floor sits below them, so no reported survivable value is refused, and still catches g/L
# typed as g/dL for values under 10 ("9.1 g/L" is 0.91 g/dL). A project choice.
HGB_FLOOR = 1.0


class Analyte(NamedTuple):
    """One measured (or derived) quantity of a complete blood count."""

    id: str
    name: str
    unit: str
    """Canonical unit: every value is converted to it before ranges and grades are applied."""
    dimension: str
    """Key into the unit tables of :mod:`cbc_cli.units`."""
    loinc: tuple[str, ...]
    aliases: tuple[str, ...]
    plausible: tuple[float, float]
    """Closed interval, canonical unit, outside of which a value is refused."""
    decimals: int
    """Decimals shown for a value in the canonical unit."""
    least: float = 0.0
    """The smallest value above zero an analyser reports, canonical unit: a value between zero
    and this is refused as a unit slip (a number a thousand times too small), while zero itself
    stays readable. 0 where no such slip exists. A project choice, in README "Inputs"."""


_CATALOGUE: tuple[Analyte, ...] = (
    Analyte(
        "wbc",
        "white blood cells",
        "10^9/L",
        "count9",
        ("6690-2", "26464-8", "804-5"),
        (
            "wbc",
            "white blood cells",
            "white blood cell count",
            "white cell count",
            "white cells",
            "white count",
            "leukocytes",
            "leucocytes",
            "leukocyte count",
            "leucocyte count",
            "wcc",
            "tlc",
            "total leukocyte count",
        ),
        (0.0, 1000.0),
        2,
        COUNT_STEP,
    ),
    Analyte(
        "rbc",
        "red blood cells",
        "10^12/L",
        "count12",
        ("789-8", "26453-2"),
        (
            "rbc",
            "red blood cells",
            "red blood cell count",
            "red cell count",
            "red cells",
            "erythrocytes",
            "erythrocyte count",
            "ery",
        ),
        (0.0, 12.0),
        2,
        # Analysers report red cells to 0.01 x10^12/L; below that a count is one given per
        # microlitre or in 10^9/L read a thousand or a million times too small.
        COUNT_STEP,
    ),
    Analyte(
        "hgb",
        "hemoglobin",
        "g/dL",
        "mass_concentration",
        ("718-7",),
        ("hgb", "hb", "hemoglobin", "haemoglobin", "hemoglobin (hgb)", "hb conc"),
        (HGB_FLOOR, 26.0),
        1,
    ),
    Analyte(
        "hct",
        "hematocrit",
        "%",
        "volume_fraction",
        ("4544-3", "20570-8"),
        ("hct", "hematocrit", "haematocrit", "pcv", "packed cell volume"),
        (0.0, 90.0),
        1,
    ),
    Analyte(
        "mcv",
        "mean cell volume",
        "fL",
        "cell_volume",
        ("787-2",),
        ("mcv", "mean cell volume", "mean corpuscular volume"),
        (40.0, 160.0),
        1,
    ),
    Analyte(
        "mch",
        "mean cell hemoglobin",
        "pg",
        "cell_mass",
        ("785-6",),
        (
            "mch",
            "mean cell hemoglobin",
            "mean cell haemoglobin",
            "mean corpuscular hemoglobin",
            "mean corpuscular haemoglobin",
        ),
        (10.0, 60.0),
        1,
    ),
    Analyte(
        "mchc",
        "mean cell hemoglobin concentration",
        "g/dL",
        "mass_concentration",
        ("786-4",),
        (
            "mchc",
            "mean cell hemoglobin concentration",
            "mean cell haemoglobin concentration",
            "mean corpuscular hemoglobin concentration",
            "mean corpuscular haemoglobin concentration",
        ),
        (15.0, 50.0),
        1,
    ),
    Analyte(
        "rdw",
        "red cell distribution width",
        "%",
        "percent",
        ("788-0",),
        (
            "rdw",
            "rdw-cv",
            "rdw cv",
            "rdw_cv",
            "red cell distribution width",
            "red cell distribution width cv",
        ),
        (5.0, 50.0),
        1,
    ),
    Analyte(
        "plt",
        "platelets",
        "10^9/L",
        "count9",
        ("777-3", "26515-7"),
        (
            "plt",
            "plts",
            "platelets",
            "platelet count",
            "platelet",
            "thrombocytes",
            "thrombocyte count",
        ),
        (0.0, 5000.0),
        0,
        PLATELET_STEP,
    ),
    Analyte(
        "anc",
        "neutrophils (absolute)",
        "10^9/L",
        "count9",
        ("751-8", "26499-4"),
        (
            "anc",
            "neut#",
            "neut #",
            "neut abs",
            "neut_abs",
            "neutrophils#",
            "neutrophils #",
            "ne#",
            "neu#",
            "absolute neutrophil count",
            "absolute neutrophils",
            "neutrophils absolute",
            "neutrophils (absolute)",
            "neutrophils abs",
            "neutrophil count",
            "neutrophils_abs",
            "agc",
            "absolute granulocyte count",
        ),
        (0.0, 1000.0),
        2,
        COUNT_STEP,
    ),
    Analyte(
        "neut_pct",
        "neutrophils (% of WBC)",
        "%",
        "percent",
        ("770-8", "26511-6"),
        (
            "neut_pct",
            "neut%",
            "neut %",
            "neutrophils%",
            "neutrophils %",
            "ne%",
            "neu%",
            "neutrophil percent",
            "neutrophils percent",
            "neutrophils (%)",
            "neutrophils pct",
            "segs",
            "segs %",
            "neutrophils_pct",
        ),
        (0.0, 100.0),
        1,
    ),
    Analyte(
        "band_pct",
        "band neutrophils (% of WBC)",
        "%",
        "percent",
        ("35332-6",),
        (
            "band_pct",
            "band%",
            "band %",
            "bands",
            "bands %",
            "bands%",
            "band neutrophils",
            "band neutrophils %",
            "stabs",
        ),
        (0.0, 100.0),
        1,
    ),
    Analyte(
        "alc",
        "lymphocytes (absolute)",
        "10^9/L",
        "count9",
        ("731-0", "26474-7"),
        (
            "alc",
            "lymph#",
            "lymph #",
            "lym#",
            "ly#",
            "lymphocytes#",
            "lymphocytes #",
            "absolute lymphocyte count",
            "absolute lymphocytes",
            "lymphocytes absolute",
            "lymphocytes (absolute)",
            "lymphocytes abs",
            "lymphocyte count",
            "lymphocytes_abs",
        ),
        (0.0, 1000.0),
        2,
        COUNT_STEP,
    ),
    Analyte(
        "lymph_pct",
        "lymphocytes (% of WBC)",
        "%",
        "percent",
        ("736-9",),
        (
            "lymph_pct",
            "lymph%",
            "lymph %",
            "lym%",
            "ly%",
            "lymphocytes%",
            "lymphocytes %",
            "lymphocyte percent",
            "lymphocytes percent",
            "lymphocytes (%)",
            "lymphocytes pct",
            "lymphocytes_pct",
        ),
        (0.0, 100.0),
        1,
    ),
)

ANALYTES: MappingProxyType[str, Analyte] = MappingProxyType({a.id: a for a in _CATALOGUE})
"""Every analyte, keyed by id, in display order."""

ANALYTE_IDS: tuple[str, ...] = tuple(ANALYTES)


_LOOKUP: dict[str, str] = {}
for _analyte in _CATALOGUE:
    for _name in (_analyte.id, *_analyte.aliases, *_analyte.loinc):
        _key = fold(_name)
        if _LOOKUP.setdefault(_key, _analyte.id) != _analyte.id:  # pragma: no cover - data bug
            raise RuntimeError(f"alias {_name!r} names two analytes")


def find_analyte(name: str) -> Analyte | None:
    """Return the analyte a header, alias, id or LOINC code names, or None.

    Matching ignores case, surrounding space and the difference between spaces and underscores.

    >>> find_analyte("Haemoglobin").id
    'hgb'
    >>> find_analyte("751-8").id
    'anc'
    """
    analyte_id = _LOOKUP.get(fold(name))
    return ANALYTES[analyte_id] if analyte_id else None


def get_analyte(name: str) -> Analyte:
    """Return the analyte ``name`` refers to; raise InputError listing the ids when unknown."""
    analyte = find_analyte(name)
    if analyte is None:
        raise InputError(
            f"unknown analyte {name!r}",
            code="analyte.unknown",
            field=name,
            hint="known analytes: " + ", ".join(ANALYTE_IDS),
        )
    return analyte
