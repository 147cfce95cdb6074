"""Units: reading the spellings met in real lab exports and converting values to canonical units.

A unit is always read in the context of the analyte's dimension: "G/L" is giga per litre for a
count but grams per litre for hemoglobin. Case matters where it changes the meaning (M vs m,
g vs G); the litre may be written l or L; u, µ (U+00B5), μ (U+03BC) and mc all mean micro.

The table below holds the common spellings and is read first (it is what the columnar path and
start-up need). A unit the table does not hold is read by the UCUM grammar of
:mod:`cbc_cli.ucum` (imported only then) and converted exactly when it is of the analyte's
dimension (``10*3/mL``, ``giga.l-1``, ``Mrd/l``); anything else is refused with the accepted
forms, never guessed. Facts from docs/clinical.md section 2.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from cbc_cli.analytes import ANALYTES, Analyte
from cbc_cli.errors import InputError, PlausibilityError, UnitError

if TYPE_CHECKING:
    from fractions import Fraction

# Hemoglobin: g/dL x 0.6206 = mmol/L (monomer), docs/clinical.md section 2.
HGB_MMOL_PER_G_DL = 0.6206
# 1 / 0.6206 as the float nearest the true quotient (10000/6206 is rounded once; 1.0/0.6206
# twice), so that the table and the UCUM grammar give the same factor to the last bit.
_G_DL_PER_MMOL_L = 10_000 / 6_206
# Above these, a bare number (no unit) for a white-cell count is refused as ambiguous: a project
# choice. Real values in 10^9/L this high are rare (leukemias) and can be given with their unit;
# cells/uL values this size are everyday results.
AMBIGUOUS_BARE = {"wbc": 100.0, "anc": 100.0, "alc": 100.0}
# The critical limits used when no age is given (10^9/L; low, high: critical at any age from 1
# month up), to say how urgent each reading of such a bare number would be: the
# age-unknown rows of reference_ranges/critical_limits.toml (docs/clinical.md section 5). A test
# keeps them equal.
CRITICAL_AGE_NOT_GIVEN: dict[str, tuple[float | None, float | None]] = {
    "wbc": (2.1, 37.0),
    "anc": (0.5, None),
}

# Factor that turns a value in the spelled unit into the canonical unit of the dimension.
_DIMENSIONS: dict[str, dict[str, float]] = {
    "count9": {  # canonical 10^9/L
        "10^9/L": 1.0,
        "10^3/uL": 1.0,
        "10^3/mm3": 1.0,
        "K/uL": 1.0,
        "k/uL": 1.0,
        "K/mm3": 1.0,
        "G/L": 1.0,
        "/nL": 1.0,
        "thou/uL": 1.0,
        "thou/mm3": 1.0,
        "1000/uL": 1.0,
        "/uL": 1e-3,
        "/mm3": 1e-3,
        "cells/uL": 1e-3,
        "cells/mm3": 1e-3,
    },
    "count12": {  # canonical 10^12/L
        "10^12/L": 1.0,
        "10^6/uL": 1.0,
        "10^6/mm3": 1.0,
        "M/uL": 1.0,
        "M/mm3": 1.0,
        "T/L": 1.0,
        "/pL": 1.0,
        "mill/uL": 1.0,
        "mill/mm3": 1.0,
        "million/uL": 1.0,
    },
    "mass_concentration": {  # canonical g/dL
        "g/dL": 1.0,
        "gm/dL": 1.0,
        "g/100mL": 1.0,
        "g%": 1.0,  # "gram percent": grams per 100 mL, on older and Indian reports
        "gm%": 1.0,
        "g/L": 0.1,
        "G/L": 0.1,
        "mmol/L": _G_DL_PER_MMOL_L,
    },
    "volume_fraction": {"%": 1.0, "L/L": 100.0},  # canonical %
    "percent": {"%": 1.0},
    "cell_volume": {"fL": 1.0, "um3": 1.0},
    "cell_mass": {"pg": 1.0},
}

UNIT_SPELLINGS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {dim: tuple(table) for dim, table in _DIMENSIONS.items()}
)
"""The accepted unit spellings per dimension, after normalisation."""

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# The exponent never starts with 0, so that "1000/uL" stays a thousand and is not read as 10^00.
_POWER = re.compile(r"^[xX*]?\s*10\s*(?:\^|\*|\*\*|[eE])?\s*([1-9][0-9]?)(?=\s*/)")
_SUPER_POWER = re.compile(r"^[xX*]?\s*10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")


@lru_cache(maxsize=4096)
def normalize_unit(text: str) -> str:
    """Return the canonical spelling of a unit text, before dimension lookup.

    Folds the micro spellings to ``u``, ``×``/``x10E3``/``10*3``/``10³`` to ``10^3``, ``l`` to
    ``L`` for the litre, and drops spaces. Does not decide what the unit means.

    >>> normalize_unit("x10E3/µl")
    '10^3/uL'
    """
    unit = text.strip().replace("×", "x").replace("\u00b5", "u").replace("\u03bc", "u")
    sup = _SUPER_POWER.match(unit)
    if sup:
        unit = "10^" + sup.group(1).translate(_SUPERSCRIPTS) + unit[sup.end() :]
    power = _POWER.match(unit)
    if power:
        unit = "10^" + power.group(1) + unit[power.end() :]
    unit = re.sub(r"\s+", "", unit)
    unit = re.sub(r"mc(?=[Lml]\b|L$|l$|m3$)", "u", unit)  # mcL, mcl: micro-litre
    unit = unit.replace("cu mm", "mm3").replace("mm^3", "mm3").replace("um^3", "um3")
    # The litre: "dl", "ul", "/l" and "l/l" are all litres; L is the UCUM spelling.
    unit = re.sub(r"(?<=[/dumnpf])l$", "L", unit)
    return re.sub(r"^l/", "L/", unit)


# The canonical unit of each dimension in UCUM, and what the grammar's answer is called in the
# refusal: the grammar converts any unit of the same kind into these.
_UCUM_CANONICAL: dict[str, tuple[str, str]] = {
    "count9": ("10*9/L", "a count per volume, e.g. 10*3/mL or giga.l-1"),
    "count12": ("10*12/L", "a count per volume, e.g. 10*6/uL or tera.l-1"),
    "mass_concentration": ("g/dL", "a mass or amount per volume, e.g. mg/mL or umol/L"),
    "volume_fraction": ("%", "a fraction, e.g. mL/dL"),
    "percent": ("%", "a fraction"),
    "cell_volume": ("fL", "a volume, e.g. um3"),
    "cell_mass": ("pg", "a mass or amount, e.g. fmol"),
}
# Hemoglobin, the one substance measured by amount too: grams per mole of the monomer, from the
# documented g/dL-to-mmol/L factor (1 g/dL = 10 g/L = 0.6206 mmol/L).
_HEMOGLOBIN_BY_AMOUNT = ("mass_concentration", "cell_mass")
_OTHER_DIMENSION = "of another dimension"


def _grams_per_mole() -> Fraction:
    from fractions import Fraction

    return Fraction(10) / (Fraction(str(HGB_MMOL_PER_G_DL)) / 1000)


@lru_cache(maxsize=4096)
def _factor(dimension: str, unit: str) -> float | str:
    """The factor of ``unit`` for ``dimension``, or why it is refused (cached either way)."""
    key = normalize_unit(unit)
    factor = _DIMENSIONS[dimension].get(key)
    if factor is not None:
        return factor
    return grammar_factor(dimension, key)


def grammar_factor(dimension: str, unit: str) -> float | str:
    """The factor of ``unit`` for ``dimension`` by the UCUM grammar alone, or why it is refused.

    >>> grammar_factor("count9", "10*3/mL")
    0.001
    """
    from cbc_cli import ucum  # the table missed: only now load the grammar

    try:
        parsed = ucum.parse(unit)
    except ucum.UcumError as exc:
        return str(exc)
    try:
        value = float(parsed.factor)
    except OverflowError:
        value = math.inf
    usable = 0 < value < math.inf  # a factor too small for a float is 0.0 here
    if not usable:
        return "not a unit (its factor is zero or out of range)"  # "0", "10*999"
    target = ucum.parse(_UCUM_CANONICAL[dimension][0])
    amount = (parsed.dim[0], parsed.dim[2], parsed.dim[1])  # moles read as grams
    if parsed.dim == target.dim and not (parsed.percent and dimension.startswith("count")):
        return float(parsed.factor / target.factor)
    if dimension in _HEMOGLOBIN_BY_AMOUNT and amount == target.dim:
        return float(parsed.factor * _grams_per_mole() / target.factor)
    return _OTHER_DIMENSION


def _shown(unit: str) -> str:
    """A unit as a message quotes it: at most 40 characters (a damaged header can hold more)."""
    return repr(unit) if len(unit) <= 40 else repr(unit[:40]) + f"... ({len(unit)} characters)"


def unit_factor(analyte: Analyte, unit: str) -> float:
    """Return the factor that converts a value in ``unit`` to the analyte's canonical unit.

    The table of common spellings first, then any UCUM unit of the analyte's dimension.

    Raises:
        UnitError: the unit is unknown, ambiguous, or belongs to another dimension; the message
            lists the spellings accepted for this analyte.

    >>> unit_factor(ANALYTES["hgb"], "g/L")
    0.1
    >>> unit_factor(ANALYTES["wbc"], "10*3/mL")
    0.001
    """
    factor = _factor(analyte.dimension, unit)
    if isinstance(factor, str):
        table = _DIMENSIONS[analyte.dimension]
        code = "unit.unknown"
        if factor == _OTHER_DIMENSION:
            message = f"unknown unit {_shown(unit)} for {analyte.id}: not a unit of {analyte.name}"
            code = "unit.mismatch"
        else:
            why = f": {factor}" if "ambiguous" in factor else ""
            message = f"unknown unit {_shown(unit)} for {analyte.id}{why}"
        raise UnitError(
            message,
            code=code,
            field=analyte.id,
            hint=f"accepted for {analyte.id}: "
            + ", ".join(table)
            + f"; or any UCUM unit of {_UCUM_CANONICAL[analyte.dimension][1]}",
        )
    return factor


def same_unit(analyte: Analyte, a: str, b: str) -> bool:
    """Whether two unit texts mean the same unit for ``analyte`` (``G/L`` and ``10^9/L`` do).

    Raises:
        UnitError: either is unknown for the analyte.
    """
    return unit_factor(analyte, a) == unit_factor(analyte, b)


class Quantity(NamedTuple):
    """A value read from input, converted to the analyte's canonical unit.

    ``comparator`` is "<", "<=", ">" or ">=" when the lab reported a bound ("<0.1"), else None:
    the true value then lies beyond ``value`` in that direction.
    """

    analyte: str
    value: float
    comparator: str | None
    input: str
    """The text as given, for the output's ``input`` field."""
    unit: str | None = None
    """The unit the number was read in, as given (in the text, the header, a unit cell or
    ``--unit``); None for a bare number read in the canonical unit, or a derived value."""


_NUMBER = re.compile(
    r"^\s*(?P<cmp><=|>=|≤|≥|<|>)?\s*(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$"
)
_CMP = {"≤": "<=", "≥": ">="}


def parse_number(text: str, *, decimal_comma: bool = False) -> tuple[str | None, float, str]:
    """Split ``"<0.1 10^9/L"`` into comparator, number and unit text.

    Raises:
        InputError: the text does not start with a number.
    """
    raw = text.replace(",", ".") if decimal_comma else text
    match = _NUMBER.match(raw)
    if match is None or not math.isfinite(float(match["num"])):
        hint = 'write a number, optionally followed by a unit, e.g. 9.1 or "91 g/L"'
        if "," in text and not decimal_comma:
            hint = "write decimals with a dot (9.1, not 9,1)"
        raise InputError(f"{text.strip()!r} is not a number", code="value.unreadable", hint=hint)
    if re.match(r"^[,.]\d", match["unit"]):
        raise InputError(
            f"{text.strip()!r} is not a number",
            code="value.unreadable",
            hint="write decimals with a dot (9.1, not 9,1)",
        )
    cmp = match["cmp"]
    return (_CMP.get(cmp, cmp) if cmp else None), float(match["num"]), match["unit"]


def to_canonical(
    analyte: Analyte,
    text: str,
    *,
    unit: str | None = None,
    decimal_comma: bool = False,
) -> Quantity:
    """Read a value such as ``"95 g/L"`` or ``"1500/uL"`` for ``analyte``.

    ``unit`` is a column's or a header's unit; a unit in the text too must mean the same (two
    spellings of one unit are fine). With neither, the number is read in the analyte's
    canonical unit, except a bare count that could be in either of two units (refused).

    Raises:
        InputError: not a number, or negative.
        UnitError: an unknown unit, or two different units for one value.
        PlausibilityError: outside the plausibility limits, with a "did you mean" hint.

    >>> to_canonical(ANALYTES["hgb"], "95 g/L").value
    9.5
    """
    try:
        cmp, number, text_unit = parse_number(text, decimal_comma=decimal_comma)
    except InputError as exc:
        raise InputError(
            f"{analyte.id}: {exc.message}", code=exc.code, field=analyte.id, hint=exc.hint
        ) from None
    if number < 0:
        raise InputError(
            f"{analyte.id}: {number:g} is negative",
            code="value.implausible",
            field=analyte.id,
            hint="counts and concentrations cannot be below zero",
        )
    if text_unit and unit and not same_unit(analyte, text_unit, unit):
        raise UnitError(
            f"{analyte.id}: the value is written in {text_unit!r} but its column's unit is "
            f"{unit!r}",
            code="unit.mismatch",
            field=analyte.id,
            hint="correct the one that is wrong, or write the value without a unit",
        )
    given_unit = text_unit or unit or analyte.unit
    if (
        not (text_unit or unit)
        and analyte.id in AMBIGUOUS_BARE
        and number > AMBIGUOUS_BARE[analyte.id]
    ):
        # Reports print these counts both in 10^9/L (0.5) and in cells/uL (500): a bare 500
        # read as 10^9/L would turn severe neutropenia into neutrophilia. Never guess: ask.
        raise PlausibilityError(
            _ambiguous_bare(analyte.id, number),
            field=analyte.id,
            hint=f'write the unit, e.g. {number:g}/uL or "{number:g} 10^9/L"',
        )
    value = number * unit_factor(analyte, given_unit)
    check_plausible(analyte, value, number, given_unit, below=cmp in ("<", "<="))
    return Quantity(analyte.id, value, cmp, text.strip(), (text_unit or unit or None))


def _ambiguous_bare(analyte_id: str, number: float) -> str:
    """Why a bare white-cell count is refused, saying how urgent each reading would be: never a
    guess at the unit, but never silence about a value critical either way."""
    low, high = CRITICAL_AGE_NOT_GIVEN.get(analyte_id, (None, None))
    per_ul = number / 1000
    as_count = high is not None and number > high
    as_per_ul = low is not None and per_ul < low
    first = f"{number:g} x10^9/L" + (" (critically high)" if as_count else "")
    second = f"{number:g}/uL ({per_ul:g} x10^9/L" + (", critically low)" if as_per_ul else ")")
    said = f"{analyte_id} {number:g} has no unit, and could be {first} or {second}"
    if as_count and as_per_ul:
        return (
            f"{said}: either way it is beyond the critical limits and needs urgent attention, "
            "so contact the care team now and give the value with its unit"
        )
    if as_per_ul:
        return f"{said}: read as /uL it is critically low and needs urgent attention"
    if as_count:
        return f"{said}: read as x10^9/L it is critically high and needs urgent attention"
    return said


def check_plausible(
    analyte: Analyte, value: float, number: float, unit: str, *, below: bool = False
) -> None:
    """Refuse a canonical ``value`` outside the analyte's plausibility limits.

    Refused: a value outside ``analyte.plausible``; a value above zero but below
    ``analyte.least`` (a count in /uL read as 10^9/L, a factor of 1000 too small; zero itself is
    a real result), unless ``below`` (the value is a reported upper bound such as "<0.1", which
    zero satisfies); a hematocrit at or below 1 % given in % (a fraction typed as a percentage).
    The hint names another accepted unit in which ``number`` would be plausible, when one exists.
    """
    low, high = analyte.plausible
    # A hematocrit at or below 1 % is a fraction (L/L) typed as a percentage: no one lives at 1 %.
    fraction_slip = analyte.id == "hct" and 0 < value <= 1.0 and normalize_unit(unit) == "%"
    too_small = 0 < value < analyte.least and not below
    if low <= value <= high and not fraction_slip and not too_small:
        return

    def fits(x: float) -> bool:
        return low <= x <= high and not 0 < x < analyte.least

    known = _factor(analyte.dimension, unit)
    given = known if isinstance(known, float) else 1.0
    suggestions = [
        (spelled, factor)
        for spelled, factor in _DIMENSIONS[analyte.dimension].items()
        # A slip is a power of ten (g/L for g/dL, /uL for 10^9/L): a unit closer than a factor
        # of ten (mmol/L for g/dL) would be a guess, not a hint.
        if fits(number * factor)
        and not 0.1 < factor / given < 10
        # Never suggest reading a fraction as a percentage (0.41 %): that is the slip itself.
        and not (analyte.id == "hct" and spelled == "%" and number * factor <= 1.0)
    ]
    if suggestions and analyte.dimension == "count9" and suggestions[0][1] == 1.0:
        # Say it both ways: the person may know the count only as thousands per microlitre.
        hint = f"did you mean {number:g} x10^9/L ({number * 1000:,.0f}/uL)?"
    elif suggestions:
        hint = f"did you mean {_with_unit(number, suggestions[0][0])}?"
    elif too_small:
        hint = (
            f"a {analyte.id} above zero is at least {analyte.least:g} {analyte.unit}; "
            "write 0 for none"
        )
    else:
        hint = f"plausible values lie between {low:g} and {high:g} {analyte.unit}"
    raise PlausibilityError(
        f"{analyte.id} {_with_unit(number, unit)} is not possible",
        field=analyte.id,
        hint=hint,
    )


def _with_unit(number: float, unit: str) -> str:
    return f"{number:g}{unit}" if unit.startswith("/") else f"{number:g} {unit}"


def format_value(analyte: Analyte, value: float) -> str:
    """Format a canonical value with the analyte's usual number of decimals."""
    return f"{value:.{analyte.decimals}f}"


def accepted_units(analyte_id: str) -> tuple[str, ...]:
    """Return the unit spellings accepted for an analyte."""
    return UNIT_SPELLINGS[ANALYTES[analyte_id].dimension]
