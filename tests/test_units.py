"""Tests for cbc_cli.units: unit spellings, conversions, plausibility and number parsing.

Facts from docs/clinical.md section 2: 10^9/L = 10^3/uL = K/uL = thousand/mm3; cells/uL and /mm3 are
1000 times larger numbers; hemoglobin g/dL x 0.6206 = mmol/L; "G/L" is giga per litre for counts
but grams per litre for hemoglobin; u, µ, μ and mc all mean micro; unknown units are refused.
"""

from __future__ import annotations

import math
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.analytes import ANALYTES
from cbc_cli.errors import InputError, PlausibilityError, UnitError
from cbc_cli.units import (
    HGB_MMOL_PER_G_DL,
    UNIT_SPELLINGS,
    convert,
    parse_number,
    to_canonical,
    unit_factor,
)

# What each accepted spelling means, written out independently of the code's table: the factor
# that turns a number in that unit into the canonical unit of the dimension.
EXPECTED_FACTORS: dict[str, dict[str, float]] = {
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
        "/uL": 0.001,
        "/mm3": 0.001,
        "cells/uL": 0.001,
        "cells/mm3": 0.001,
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
        "g/L": 0.1,
        "G/L": 0.1,
        "mmol/L": 1 / 0.6206,
    },
    "volume_fraction": {"%": 1.0, "L/L": 100.0},  # canonical %
    "percent": {"%": 1.0},
    "cell_volume": {"fL": 1.0, "um3": 1.0},
    "cell_mass": {"pg": 1.0},
}

# A typical value of each analyte in its canonical unit (inside the plausibility limits).
TYPICAL: dict[str, float] = {
    "wbc": 6.2,
    "rbc": 4.6,
    "hgb": 13.1,
    "hct": 41.0,
    "mcv": 90.0,
    "mch": 30.0,
    "mchc": 33.5,
    "rdw": 13.2,
    "plt": 250.0,
    "anc": 3.4,
    "neut_pct": 58.0,
    "band_pct": 3.0,
    "alc": 1.9,
    "lymph_pct": 31.0,
}

SPELLING_CASES = [
    pytest.param(analyte.id, spelling, id=f"{analyte.id}-{spelling}")
    for analyte in ANALYTES.values()
    for spelling in UNIT_SPELLINGS[analyte.dimension]
]
COUNT9 = sorted(a.id for a in ANALYTES.values() if a.dimension == "count9")


def test_expected_factors_cover_every_spelling() -> None:
    # A spelling added to the code must be added here too, with its meaning written out.
    assert {dim: set(table) for dim, table in EXPECTED_FACTORS.items()} == {
        dim: set(spellings) for dim, spellings in UNIT_SPELLINGS.items()
    }
    assert set(TYPICAL) == set(ANALYTES)


def test_mmol_factor_is_the_documented_one() -> None:
    assert HGB_MMOL_PER_G_DL == 0.6206


@pytest.mark.parametrize(("analyte_id", "spelling"), SPELLING_CASES)
def test_every_spelling_converts(analyte_id: str, spelling: str) -> None:
    analyte = ANALYTES[analyte_id]
    factor = EXPECTED_FACTORS[analyte.dimension][spelling]
    assert unit_factor(analyte, spelling) == pytest.approx(factor, rel=1e-12)
    number = TYPICAL[analyte_id] / factor
    quantity = to_canonical(analyte, f"{number!r} {spelling}")
    assert quantity.analyte == analyte_id
    assert quantity.value == pytest.approx(TYPICAL[analyte_id], rel=1e-9)
    assert quantity.comparator is None
    # The same unit given separately (a column's or a header's unit) reads the same.
    assert to_canonical(analyte, repr(number), unit=spelling).value == pytest.approx(
        TYPICAL[analyte_id], rel=1e-9
    )


@pytest.mark.parametrize(
    ("analyte_id", "text", "expected"),
    [
        ("hgb", "95 g/L", 9.5),
        ("anc", "1500/uL", 1.5),
        ("plt", "150000 /mm3", 150.0),
        ("rbc", "4.1 x10^12/L", 4.1),
        ("hct", "0.41 L/L", 41.0),
        ("hgb", "5.5857 mmol/L", 9.0),
        ("hgb", "9.5 g/dl", 9.5),
        ("hgb", "9.5 g/dL", 9.5),
        ("hgb", "9.5 g/100ml", 9.5),
        ("wbc", "4.1 K/uL", 4.1),
        ("wbc", "4.1 K/µL", 4.1),  # U+00B5 micro sign
        ("wbc", "4.1 K/μL", 4.1),  # U+03BC Greek small letter mu
        ("wbc", "4100 /mcL", 4.1),
        ("wbc", "4100 cells/µL", 4.1),
        ("wbc", "4.1 10^3/mcl", 4.1),
        ("wbc", "4.1 10*9/L", 4.1),
        ("wbc", "4.1 10^9/l", 4.1),
        ("wbc", "4.1 x10E3/uL", 4.1),
        ("wbc", "4.1 10⁹/L", 4.1),
        ("wbc", "4.1 10³/µL", 4.1),
        ("wbc", "4.1 x 10^9/L", 4.1),
        ("wbc", "4.1 ×10^9/L", 4.1),
        ("wbc", "4.1 10**9/L", 4.1),
        ("wbc", "4.1 /nl", 4.1),
        ("wbc", "4.1 G/L", 4.1),
        ("hgb", "95 G/L", 9.5),
        ("rbc", "4.1 M/µL", 4.1),
        ("rbc", "4.1 /pl", 4.1),
        ("mcv", "90 um^3", 90.0),
        ("mcv", "90 fl", 90.0),
        ("plt", "150000/uL", 150.0),
        ("plt", "150 K/uL", 150.0),
        ("plt", "150 1000/uL", 150.0),
    ],
)
def test_spot_conversions(analyte_id: str, text: str, expected: float) -> None:
    assert to_canonical(ANALYTES[analyte_id], text).value == pytest.approx(expected, rel=1e-4)


def test_thousand_per_microlitre_is_not_a_power_of_ten() -> None:
    # "1000/uL" must stay a thousand per microlitre, never be read as 10^00/uL.
    assert unit_factor(ANALYTES["wbc"], "1000/uL") == 1.0
    assert unit_factor(ANALYTES["wbc"], "109/L") == 1.0  # 10^9/L with the superscript lost


def test_mmol_hemoglobin_is_exact_factor() -> None:
    value = to_canonical(ANALYTES["hgb"], "5.5857 mmol/L").value
    assert value == pytest.approx(5.5857 / 0.6206, rel=1e-12)
    assert round(value, 2) == 9.0


def test_giga_per_litre_depends_on_the_dimension() -> None:
    # "G/L" is 10^9/L for a count but grams per litre for hemoglobin.
    assert unit_factor(ANALYTES["wbc"], "G/L") == 1.0
    assert unit_factor(ANALYTES["plt"], "G/L") == 1.0
    assert unit_factor(ANALYTES["hgb"], "G/L") == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("analyte_id", "text"),
    [
        ("wbc", "4.1 k/UL"),  # micro-litre written with a capital U
        ("wbc", "4.1 K/UL"),
        ("rbc", "4.1 m/uL"),  # m is milli, not mega
        ("hgb", "9.1 G/dL"),  # G is giga, not grams
        ("wbc", "4.1 g/L"),  # grams: not a count
        ("plt", "150 g/L"),
        ("wbc", "4.1 10^12/L"),  # another dimension's power
        ("rbc", "4.1 10^9/L"),
        ("hgb", "9.1 mg/dL"),
        ("plt", "150 furlongs"),
    ],
)
def test_wrong_case_or_unknown_unit_refused(analyte_id: str, text: str) -> None:
    with pytest.raises(UnitError) as info:
        to_canonical(ANALYTES[analyte_id], text)
    assert info.value.field == analyte_id
    assert info.value.hint is not None
    for spelling in UNIT_SPELLINGS[ANALYTES[analyte_id].dimension]:
        assert spelling in info.value.hint


def test_unknown_unit_error_lists_accepted_spellings() -> None:
    with pytest.raises(UnitError) as info:
        unit_factor(ANALYTES["anc"], "parsecs")
    assert "parsecs" in info.value.message
    assert info.value.hint is not None
    assert info.value.hint.startswith("accepted for anc: ")
    assert "10^9/L" in info.value.hint
    assert "/uL" in info.value.hint
    assert isinstance(info.value, InputError)
    assert info.value.exit_code == 3


def test_unit_of_another_dimension_refused() -> None:
    with pytest.raises(UnitError) as info:
        to_canonical(ANALYTES["plt"], "150 g/L")
    assert info.value.hint is not None
    assert "g/L" not in info.value.hint.split(": ", 1)[1].split(", ")


@pytest.mark.parametrize(("analyte_id", "text"), [("wbc", "4500"), ("anc", "500"), ("alc", "1200")])
def test_bare_white_cell_counts_above_100_are_refused_as_ambiguous(
    analyte_id: str, text: str
) -> None:
    # 500 could be 500 x10^9/L or 500/uL: never guessed. With a unit, each reading is accepted.
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES[analyte_id], text)
    assert "has no unit" in info.value.message
    assert info.value.hint is not None
    assert f"{text}/uL" in info.value.hint
    assert to_canonical(ANALYTES[analyte_id], f"{text}/uL").value == float(text) / 1000
    assert to_canonical(ANALYTES[analyte_id], "99").value == 99.0


@pytest.mark.parametrize(
    ("analyte_id", "text", "hint_part"),
    [
        ("plt", "150000", "/uL"),
        ("hgb", "95", "g/L"),
        ("hct", "0.41", "L/L"),
        ("hct", "41 L/L", "41 %"),
        ("rbc", "4100000", "plausible values lie between 0 and 12"),
    ],
)
def test_implausible_values_refused_with_hint(analyte_id: str, text: str, hint_part: str) -> None:
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES[analyte_id], text)
    assert info.value.field == analyte_id
    assert info.value.hint is not None
    assert hint_part in info.value.hint
    assert "not possible" in info.value.message


def test_plausibility_hint_names_the_number() -> None:
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES["plt"], "150000")
    assert info.value.hint == "did you mean 150000/uL?"


def test_plausibility_limits_are_inclusive() -> None:
    assert to_canonical(ANALYTES["hgb"], "26").value == 26.0
    assert to_canonical(ANALYTES["hgb"], "0").value == 0.0
    assert to_canonical(ANALYTES["plt"], "5000").value == 5000.0
    with pytest.raises(PlausibilityError):
        to_canonical(ANALYTES["hgb"], "26.1")


def test_negative_refused() -> None:
    with pytest.raises(InputError) as info:
        to_canonical(ANALYTES["hgb"], "-1")
    assert not isinstance(info.value, PlausibilityError)
    assert "negative" in info.value.message


@pytest.mark.parametrize("text", ["abc", "", "  ", "g/dL", "nan", "inf", "--2"])
def test_not_a_number_refused(text: str) -> None:
    with pytest.raises(InputError) as info:
        to_canonical(ANALYTES["hgb"], text)
    assert info.value.field == "hgb"


@pytest.mark.parametrize("text", ["9,1", "9,1 g/dL", "1,5"])
def test_decimal_comma_refused_with_dot_hint(text: str) -> None:
    with pytest.raises(InputError) as info:
        to_canonical(ANALYTES["hgb"], text)
    assert info.value.hint is not None
    assert "dot" in info.value.hint


def test_decimal_comma_accepted_when_asked() -> None:
    assert to_canonical(ANALYTES["hgb"], "9,1", decimal_comma=True).value == 9.1


@pytest.mark.parametrize(
    ("text", "comparator", "number", "unit"),
    [
        ("<0.1", "<", 0.1, ""),
        (">=5", ">=", 5.0, ""),
        ("≤2", "<=", 2.0, ""),
        ("≥2", ">=", 2.0, ""),
        ("<=2", "<=", 2.0, ""),
        ("> 7.5", ">", 7.5, ""),
        ("<100/uL", "<", 100.0, "/uL"),
        ("9.1", None, 9.1, ""),
        ("95 g/L", None, 95.0, "g/L"),
        (".5", None, 0.5, ""),
        ("1.5e3 /uL", None, 1500.0, "/uL"),
    ],
)
def test_parse_number(text: str, comparator: str | None, number: float, unit: str) -> None:
    assert parse_number(text) == (comparator, number, unit)


@pytest.mark.parametrize(
    ("text", "comparator", "value"),
    [("<0.1", "<", 0.1), (">=5", ">=", 5.0), ("≤2", "<=", 2.0), ("<100/uL", "<", 0.1)],
)
def test_comparators_kept_in_quantity(text: str, comparator: str, value: float) -> None:
    quantity = to_canonical(ANALYTES["anc"], text)
    assert quantity.comparator == comparator
    assert quantity.value == pytest.approx(value)
    assert quantity.input == text


finite = st.floats(
    min_value=0.0, max_value=1000.0, allow_nan=False, allow_infinity=False, allow_subnormal=False
)


@settings(max_examples=200, deadline=None)
@given(analyte_id=st.sampled_from(COUNT9), value=finite)
def test_count_round_trip(analyte_id: str, value: float) -> None:
    analyte = ANALYTES[analyte_id]
    per_ul = convert(value, analyte, "10^9/L", "/uL")
    assert math.isclose(per_ul, value * 1000, rel_tol=1e-9, abs_tol=1e-300)
    back = convert(per_ul, analyte, "/uL", "10^9/L")
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-300)


@settings(max_examples=200, deadline=None)
@given(
    units=st.sampled_from(list(permutations(("g/dL", "g/L", "mmol/L"), 2))),
    value=finite,
)
def test_hemoglobin_round_trip(units: tuple[str, str], value: float) -> None:
    analyte = ANALYTES["hgb"]
    there = convert(value, analyte, units[0], units[1])
    back = convert(there, analyte, units[1], units[0])
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-300)
