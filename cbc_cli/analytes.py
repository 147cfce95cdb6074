"""The analyte catalogue: ids, names, LOINC codes, canonical units, aliases and plausibility limits.

The names a header or key may use (aliases) are data: cbc_cli/headers.toml.

Facts from docs/clinical.md section 2. Plausibility limits are a project choice, not a
standard: outside them a value is almost surely a unit or typing slip, so it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, NamedTuple

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
        (HGB_FLOOR, 26.0),
        1,
    ),
    Analyte(
        "hct",
        "hematocrit",
        "%",
        "volume_fraction",
        ("4544-3", "20570-8"),
        (0.0, 90.0),
        1,
    ),
    Analyte(
        "mcv",
        "mean cell volume",
        "fL",
        "cell_volume",
        ("787-2",),
        (40.0, 160.0),
        1,
    ),
    Analyte(
        "mch",
        "mean cell hemoglobin",
        "pg",
        "cell_mass",
        ("785-6",),
        (10.0, 60.0),
        1,
    ),
    Analyte(
        "mchc",
        "mean cell hemoglobin concentration",
        "g/dL",
        "mass_concentration",
        ("786-4",),
        (15.0, 50.0),
        1,
    ),
    Analyte(
        "rdw",
        "red cell distribution width",
        "%",
        "percent",
        ("788-0",),
        (5.0, 50.0),
        1,
    ),
    Analyte(
        "plt",
        "platelets",
        "10^9/L",
        "count9",
        ("777-3", "26515-7"),
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
        (0.0, 100.0),
        1,
    ),
    Analyte(
        "band_pct",
        "band neutrophils (% of WBC)",
        "%",
        "percent",
        ("35332-6",),
        (0.0, 100.0),
        1,
    ),
    Analyte(
        "alc",
        "lymphocytes (absolute)",
        "10^9/L",
        "count9",
        ("731-0", "26474-7"),
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
        (0.0, 100.0),
        1,
    ),
)


@cache
def header_names() -> dict[str, Any]:
    """cbc_cli/headers.toml: analyte and context names in English, analyser codes and seven
    languages. Read on first use: a single ``cbc check`` with analyte ids never needs it."""
    import tomllib
    from importlib import resources

    text = resources.files("cbc_cli").joinpath("headers.toml").read_text("utf-8")
    return tomllib.loads(text)


def names_of(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Every name of one headers.toml entry, all languages, in file order."""
    return tuple(name for names in entry.values() if isinstance(names, list) for name in names)


def aliases(analyte_id: str) -> tuple[str, ...]:
    """The names a header or key may give the analyte (headers.toml), besides its id and LOINC."""
    return names_of(header_names()["analyte"].get(analyte_id, {}))


ANALYTES: MappingProxyType[str, Analyte] = MappingProxyType({a.id: a for a in _CATALOGUE})
"""Every analyte, keyed by id, in display order."""

ANALYTE_IDS: tuple[str, ...] = tuple(ANALYTES)

# Ids and LOINC codes need no data file.
_CODES = {fold(n): a.id for a in _CATALOGUE for n in (a.id, *a.loinc)}


@cache
def _lookup() -> dict[str, str]:
    table = dict(_CODES)
    for analyte in _CATALOGUE:
        for name in aliases(analyte.id):
            if table.setdefault(fold(name), analyte.id) != analyte.id:
                raise RuntimeError(f"headers.toml: {name!r} names two analytes")
    return table


def find_analyte(name: str) -> Analyte | None:
    """Return the analyte a header, alias, id or LOINC code names, or None.

    Matching ignores case, accents, surrounding space and the difference between spaces and
    underscores (:func:`cbc_cli.text.fold`).

    >>> find_analyte("Haemoglobin").id
    'hgb'
    >>> find_analyte("751-8").id
    'anc'
    """
    key = fold(name)
    analyte_id = _CODES.get(key) or _lookup().get(key)
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
