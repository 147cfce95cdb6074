"""Tests for cbc_cli.units: unit spellings, conversions, plausibility and number parsing.

Facts from docs/clinical.md section 2: 10^9/L = 10^3/uL = K/uL = thousand/mm3; cells/uL and /mm3 are
1000 times larger numbers; hemoglobin g/dL x 0.6206 = mmol/L; "G/L" is giga per litre for counts
but grams per litre for hemoglobin; u, µ, μ and mc all mean micro; unknown units are refused.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from fractions import Fraction
from itertools import permutations
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.analytes import ANALYTES, Analyte
from cbc_cli.cli.app import exit_code
from cbc_cli.columnar import plan
from cbc_cli.errors import InputError, PlausibilityError, UnitError
from cbc_cli.parse import parse_temperature
from cbc_cli.readers.source import open_source
from cbc_cli.units import (
    HGB_MMOL_PER_G_DL,
    UNIT_SPELLINGS,
    grammar_factor,
    normalize_unit,
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
        "g%": 1.0,  # gram percent: g per 100 mL
        "gm%": 1.0,
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
        ("plt", "150 furlongs"),
        ("wbc", "4.1 billion/L"),  # 10^9 or 10^12: ambiguous
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
    assert exit_code(info.value) == 3


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
    assert to_canonical(ANALYTES["hgb"], "1.0").value == 1.0  # the floor (see below)
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


def convert(value: float, analyte: Analyte, from_unit: str, to_unit: str) -> float:
    """A value in one unit expressed in another, through the factors the readers apply."""
    return value * unit_factor(analyte, from_unit) / unit_factor(analyte, to_unit)


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


# --- plausibility in both directions (README "Inputs") ------------------------------------------
# Real results go low: WBC 0.1, ANC 0.0 and platelets 1-5 x10^9/L after chemotherapy (analysers
# print WBC, ANC and ALC to 0.01 and platelets in whole 10^9/L). A count above zero but below
# that step is a count in /uL read as 10^9/L, a factor of 1000 too small: refused with a hint.
# Hemoglobin survives down to 1.4 g/dL (Chai et al., J Med Case Rep 2021): the floor is 1.0.


@pytest.mark.parametrize(
    ("analyte_id", "text", "value"),
    [
        # At the step, one step above, and zero (a real count) are read.
        *((a, t, v) for a in ("wbc", "anc", "alc") for t, v in (("0.01", 0.01), ("0.011", 0.011))),
        *((a, t, 0.0) for a in ("wbc", "anc", "alc", "plt") for t in ("0", "0.0")),
        *((a, "10/uL", 0.01) for a in ("wbc", "anc", "alc")),
        *((a, "11/uL", 0.011) for a in ("wbc", "anc", "alc")),
        ("wbc", "0.1", 0.1),
        ("plt", "1", 1.0),
        ("plt", "1.1", 1.1),
        ("plt", "5", 5.0),
        ("plt", "1000/uL", 1.0),
        ("plt", "1001/uL", 1.001),
        ("hgb", "1.0", 1.0),
        ("hgb", "1.01", 1.01),
        ("hgb", "1.4", 1.4),
        ("hgb", "10 g/L", 1.0),
        ("hgb", "10.1 g/L", 1.01),
    ],
)
def test_low_real_results_are_read(analyte_id: str, text: str, value: float) -> None:
    assert math.isclose(to_canonical(ANALYTES[analyte_id], text).value, value)


@pytest.mark.parametrize(
    ("analyte_id", "text", "hint"),
    [
        # One step below the limits: a unit slip, with the reading that fits.
        ("plt", "62/uL", "did you mean 62 x10^9/L (62,000/uL)?"),
        ("plt", "999/uL", "did you mean 999 x10^9/L (999,000/uL)?"),
        ("plt", "0.9", "at least 1 10^9/L"),
        ("wbc", "2.1/uL", "did you mean 2.1 x10^9/L (2,100/uL)?"),
        ("wbc", "9/uL", "did you mean 9 x10^9/L (9,000/uL)?"),
        ("wbc", "0.009", "at least 0.01 10^9/L"),
        ("anc", "0.9/uL", "did you mean 0.9 x10^9/L (900/uL)?"),
        ("anc", "0.009", "at least 0.01 10^9/L"),
        ("alc", "1.2 cells/uL", "did you mean 1.2 x10^9/L (1,200/uL)?"),
        ("hgb", "9.1 g/L", "did you mean 9.1 g/dL?"),
        ("hgb", "9.9 g/L", "did you mean 9.9 g/dL?"),
        ("hgb", "0.99", "plausible values lie between 1 and 26 g/dL"),
        ("hgb", "0", "plausible values lie between 1 and 26 g/dL"),
    ],
)
def test_values_too_small_for_their_unit_are_refused_with_a_hint(
    analyte_id: str, text: str, hint: str
) -> None:
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES[analyte_id], text)
    assert "not possible" in info.value.message
    assert info.value.hint is not None
    assert hint in info.value.hint
    assert info.value.field == analyte_id


def test_a_hint_names_only_a_unit_a_power_of_ten_away() -> None:
    # mmol/L is 1.6 times g/dL: 0.99 mmol/L would be a guess, not a slip.
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES["hgb"], "0.99")
    assert "mmol/L" not in str(info.value.hint)


@pytest.mark.parametrize(
    ("analyte_id", "text"), [("wbc", "<0.1"), ("anc", "<0.01"), ("plt", "<1"), ("plt", "<0.5")]
)
def test_a_reported_bound_near_zero_stays_readable(analyte_id: str, text: str) -> None:
    # "<0.5" is satisfied by zero, a real count: a bound is not a value a thousand times small.
    q = to_canonical(ANALYTES[analyte_id], text)
    assert q.comparator == "<"


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("25", 25.0),
        ("25.1", 25.1),
        ("38.4", 38.4),
        ("44.9", 44.9),
        ("45", 45.0),
        ("77F", 25.0),
        ("101.3F", 38.5),
        ("113F", 45.0),
    ],
)
def test_body_temperatures_are_read(text: str, celsius: float) -> None:
    assert parse_temperature(text) == celsius


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("24.9", "give degrees Celsius"),
        ("45.1", "give degrees Celsius"),
        ("3.8", "give degrees Celsius"),  # a dropped digit
        ("101.3", "did you mean 101.3F?"),
        ("77", "did you mean 77F?"),
        ("113", "did you mean 113F?"),
        ("113.1", "give degrees Celsius"),
        ("76.9F", "give degrees Celsius"),
        ("113.1F", "give degrees Celsius"),
    ],
)
def test_temperatures_no_living_person_has_are_refused(text: str, hint: str) -> None:
    with pytest.raises(InputError) as info:
        parse_temperature(text)
    assert "not a body temperature" in info.value.message
    assert hint in str(info.value.hint)


def test_the_cli_refuses_a_slip_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--hgb", "9.1 g/L")
    assert code == 3
    assert err.strip() == "cbc: error: hgb 9.1 g/L is not possible (did you mean 9.1 g/dL?)"
    code, _, err = run_cli(capsys, "check", "--plt", "62/uL")
    assert code == 3
    assert "did you mean 62 x10^9/L (62,000/uL)?" in err


@pytest.mark.parametrize("output", ["csv", "ndjson"])
def test_a_slip_in_a_file_is_a_cell_error_and_the_row_is_read(
    output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CSV out takes the columnar path, which hands the unreadable cell to the row-by-row reader.
    path = tmp_path / "slips.csv"
    path.write_text(
        "sample_id,sex,age,hgb,plt,wbc\n"
        "a,F,50,9.1 g/L,150,5.0\n"
        "b,F,50,13.0,62/uL,5.0\n"
        "c,F,50,13.0,0,0.009\n"
        "d,F,50,13.0,1,0.01\n",
        encoding="utf-8",
    )
    source = open_source(str(path))
    assert plan(source, "auto", {}, {}) is not None
    source.close()
    code, out, err = run_cli(capsys, "check", str(path), "--format", output)
    assert code == 3  # a cell could not be read
    flags: list[tuple[str, ...]]
    if output == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        flags = [(r["hgb_flag"], r["plt_flag"], r["wbc_flag"]) for r in rows]
        errors = [r["error"] for r in rows]
    else:
        docs = [json.loads(line) for line in out.splitlines()]
        flags = [
            tuple(
                next((a["flag"] for a in d["analytes"] if a["analyte"] == x), "")
                for x in ("hgb", "plt", "wbc")
            )
            for d in docs
        ]
        errors = [" ".join(e["message"] for e in d["cell_errors"]) for d in docs]
    assert [f[1:] for f in flags[:1]] == [("N", "N")]  # the rest of row a is read
    assert flags[1][0] == "N"
    assert flags[1][2] == "N"
    assert flags[2][1] == "LL"  # platelets 0: a real count, below every critical limit
    assert flags[3][1:] == ("LL", "LL")
    assert "not possible" in errors[0]
    assert "hgb" in errors[0]
    assert "plt" in errors[1]
    assert "wbc" in errors[2]
    assert errors[3] == ""
    # The output's error column says what is wrong (its row holds the values anyway); the
    # message about the file on stderr names lines only, no patient value.
    assert "9.1" not in err
    assert "62" not in err


def test_a_temperature_slip_in_a_file_is_a_cell_error_and_the_row_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "temps.csv"
    path.write_text(
        "sample_id,sex,age,anc,temperature\na,F,50,1.0,101.3\nb,F,50,1.0,24.9\nc,F,50,1.0,38.0\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code == 3
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["status"] for d in docs] == ["ok", "ok", "ok"]
    assert "did you mean 101.3F?" in docs[0]["cell_errors"][0]["message"]
    assert docs[1]["cell_errors"]
    # The ANC is read in every row; only row c has a fever (38.0 C with neutropenia: now).
    assert [d["urgency"] for d in docs] == ["routine", "routine", "now"]
    assert "101.3" not in err


# --- UCUM by grammar (README "Inputs", Units) ---------------------------------------------------
# Each factor is written out from UCUM's definitions (Schadow & McDonald, The Unified Code for
# Units of Measure v2.1, https://ucum.org/ucum): prefixes are powers of ten (table 1), the litre
# is 1 dm3 = 10^-3 m3, 10*n is 10^n, "." multiplies and "/" divides left to right, annotations
# ({cells}) are 1. Lab words: giga 10^9, tera 10^12, Mrd (German Milliarde) 10^9, Mio 10^6,
# Tsd (Tausend) 10^3, lakh 10^5 (Indian numbering), cumm = mm3. Canonical: 10^9/L (count9),
# 10^12/L (red cells), g/dL (hemoglobin), % , fL, pg.
F = Fraction
LITRE = F(1, 1000)  # m3
PER_M3_9 = F(10**9) / LITRE  # per m3
PER_M3_12 = F(10**12) / LITRE
G_DL = F(1) / (LITRE / 10)  # g per m3
GRAMS_PER_MOLE = F(10) / (F("0.6206") / 1000)  # 1 g/dL = 10 g/L = 0.6206 mmol/L

UCUM_FACTORS: list[tuple[str, str, Fraction]] = [
    ("10*3/mL", "wbc", F(10**3) / (LITRE / 1000) / PER_M3_9),  # = 1/uL
    ("10^3/mL", "anc", F(10**3) / (LITRE / 1000) / PER_M3_9),
    ("10E3/mL", "plt", F(10**3) / (LITRE / 1000) / PER_M3_9),
    ("10*6/mL", "wbc", F(10**6) / (LITRE / 1000) / PER_M3_9),
    ("10*9/mL", "rbc", F(10**9) / (LITRE / 1000) / PER_M3_12),
    ("10*6/L", "plt", F(10**6) / LITRE / PER_M3_9),
    ("10*3/L", "wbc", F(10**3) / LITRE / PER_M3_9),
    ("giga.l-1", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("giga/l", "plt", F(10**9) / LITRE / PER_M3_9),
    ("G/l", "anc", F(10**9) / LITRE / PER_M3_9),
    ("tera.l-1", "rbc", F(10**12) / LITRE / PER_M3_12),
    ("tera/l", "rbc", F(10**12) / LITRE / PER_M3_12),
    ("x10E9/L", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("x10E12/L", "rbc", F(10**12) / LITRE / PER_M3_12),
    ("10³/µl", "wbc", F(10**3) / (LITRE / 10**6) / PER_M3_9),
    ("10⁶/μl", "rbc", F(10**6) / (LITRE / 10**6) / PER_M3_12),
    ("Mrd/l", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("Tsd/µl", "plt", F(10**3) / (LITRE / 10**6) / PER_M3_9),
    ("Tsd./µl", "plt", F(10**3) / (LITRE / 10**6) / PER_M3_9),
    ("Mio/µl", "rbc", F(10**6) / (LITRE / 10**6) / PER_M3_12),
    ("Mill./µl", "rbc", F(10**6) / (LITRE / 10**6) / PER_M3_12),
    ("lakh/cumm", "plt", F(10**5) / (F(1, 1000) ** 3) / PER_M3_9),
    ("/cumm", "wbc", 1 / (F(1, 1000) ** 3) / PER_M3_9),
    ("10*9.L-1", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("10^9.l^-1", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("(10*9)/(L)", "wbc", F(10**9) / LITRE / PER_M3_9),
    ("10*3.uL-1", "alc", F(10**3) / (LITRE / 10**6) / PER_M3_9),
    ("{cells}/uL", "wbc", 1 / (LITRE / 10**6) / PER_M3_9),
    ("10*3{cells}/uL", "wbc", F(10**3) / (LITRE / 10**6) / PER_M3_9),
    ("/mcL", "wbc", 1 / (LITRE / 10**6) / PER_M3_9),
    ("/uL", "rbc", 1 / (LITRE / 10**6) / PER_M3_12),  # 4,500,000/uL
    ("/mm3", "rbc", 1 / (F(1, 1000) ** 3) / PER_M3_12),
    ("10*12/L", "wbc", F(10**12) / LITRE / PER_M3_9),  # read, then the plausibility check judges
    ("10*9/L", "rbc", F(10**9) / LITRE / PER_M3_12),
    ("/cm3", "wbc", 1 / (F(1, 100) ** 3) / PER_M3_9),
    ("mg/mL", "hgb", F(1, 1000) / (LITRE / 1000) / G_DL),
    ("mg/dL", "hgb", F(1, 1000) / (LITRE / 10) / G_DL),
    ("kg/m3", "hgb", F(1000) / G_DL),
    ("g/dl", "mchc", 1 / (LITRE / 10) / G_DL),
    ("umol/L", "hgb", F(1, 10**6) * GRAMS_PER_MOLE / LITRE / G_DL),
    ("mmol/dL", "hgb", F(1, 1000) * GRAMS_PER_MOLE / (LITRE / 10) / G_DL),
    ("fmol", "mch", F(1, 10**15) * GRAMS_PER_MOLE / F(1, 10**12)),  # Dutch MCH
    ("amol", "mch", F(1, 10**18) * GRAMS_PER_MOLE / F(1, 10**12)),
    ("ng", "mch", F(1, 10**9) / F(1, 10**12)),
    ("pg/cell", "mch", F(1)),
    ("fL/{cell}", "mcv", F(1)),
    ("gr/dL", "hgb", F(1)),  # gram, as Spanish and Italian reports abbreviate it
    ("Zellen/µl", "wbc", 1 / (LITRE / 10**6) / PER_M3_9),  # German: cells
    ("10*-12.g", "mch", F(1)),
    ("um3", "mcv", F(1)),
    ("10*-15.L", "mcv", F(1)),
    ("pL", "mcv", F(1000)),
    ("mL/dL", "hct", F(1, 1000) / F(1, 10) * 100),
    ("1", "hct", F(100)),
    ("10*-2", "neut_pct", F(1)),
    ("1", "lymph_pct", F(100)),
]


@pytest.mark.parametrize(("text", "analyte_id", "factor"), UCUM_FACTORS)
def test_ucum_units_convert_exactly(text: str, analyte_id: str, factor: Fraction) -> None:
    # Exactly: the float nearest the true factor, not merely close to it.
    assert unit_factor(ANALYTES[analyte_id], text) == float(factor)


def test_the_issue_examples_are_read() -> None:
    # 1 x10^3/mL = 1/uL: 4,100 per uL of white cells.
    assert to_canonical(ANALYTES["wbc"], "4100 10^3/mL").value == pytest.approx(4.1, rel=1e-12)
    assert to_canonical(ANALYTES["wbc"], "4.1 giga.l-1").value == 4.1
    assert to_canonical(ANALYTES["rbc"], "4.5 tera.l-1").value == 4.5
    assert to_canonical(ANALYTES["plt"], "1.5 lakh/cumm").value == 150.0
    assert to_canonical(ANALYTES["rbc"], "4500000/mm3").value == pytest.approx(4.5, rel=1e-12)
    assert to_canonical(ANALYTES["hgb"], "5.58 mmol/L").value == pytest.approx(5.58 / 0.6206)
    assert to_canonical(ANALYTES["hgb"], "91 mg/mL").value == pytest.approx(9.1, rel=1e-12)


def test_table_and_grammar_agree_on_every_table_spelling() -> None:
    # The table is a fast path, not a second meaning: the grammar reads every spelling in it to
    # the same factor, but for the lab habits of hemoglobin the table alone holds.
    for dimension, table in UNIT_SPELLINGS.items():
        for spelling in table:
            grammar = grammar_factor(dimension, normalize_unit(spelling))
            if dimension == "mass_concentration" and spelling in ("G/L", "g%", "gm%"):
                # Lab habits, not UCUM: G/L grams per litre, g% grams per 100 mL (to UCUM a
                # mass, not a concentration).
                assert isinstance(grammar, str)
                continue
            assert isinstance(grammar, float), (dimension, spelling, grammar)
            expected = EXPECTED_FACTORS[dimension][spelling]
            assert grammar == pytest.approx(expected, rel=1e-15), (dimension, spelling)


@pytest.mark.parametrize(
    ("analyte_id", "text"),
    [
        ("wbc", "g/L"),  # a mass concentration for a count
        ("plt", "mg/dL"),
        ("hgb", "10*9/L"),  # a count for hemoglobin
        ("hgb", "giga.l-1"),
        ("hgb", "G/dL"),  # G is giga, not grams
        ("mchc", "/uL"),
        ("mcv", "pg"),
        ("mch", "fL"),
        ("hct", "10*12/L"),
        ("neut_pct", "/uL"),
        ("wbc", "%"),
        ("wbc", "%/L"),  # a part of a whole is not a count
        ("rbc", "m/uL"),  # metre per microlitre: m is milli or metre, never mega
        ("wbc", "k/UL"),  # U is the enzyme unit, not micro
        ("wbc", "10*9/m"),
        ("wbc", "billion/L"),  # 10^9 in English, 10^12 in much of Europe
        ("wbc", "bil/uL"),
        ("wbc", "mil/mm3"),
        ("wbc", "10*9/L)"),
        ("wbc", "(10*9/L"),
        ("wbc", "{cells/uL"),
        ("wbc", "10*9//L"),
    ],
)
def test_units_of_another_dimension_or_ambiguous_are_refused(analyte_id: str, text: str) -> None:
    analyte = ANALYTES[analyte_id]
    with pytest.raises(UnitError) as info:
        unit_factor(analyte, text)
    assert info.value.field == analyte_id
    hint = str(info.value.hint)
    assert all(spelling in hint for spelling in UNIT_SPELLINGS[analyte.dimension])
    assert "any UCUM unit of" in hint


def test_an_ambiguous_word_says_why() -> None:
    with pytest.raises(UnitError) as info:
        unit_factor(ANALYTES["wbc"], "billion/L")
    assert "ambiguous" in info.value.message
    assert "10^12" in info.value.message


@pytest.mark.parametrize(
    ("analyte_id", "text", "hint"),
    [
        # Read by the grammar, converted exactly, and still caught as a slip by plausibility.
        ("rbc", "4.1 10*9/L", "did you mean 4.1 10^12/L?"),
        ("rbc", "4.1 giga/l", "did you mean 4.1 10^12/L?"),
        ("wbc", "4.1 10*12/L", "did you mean 4.1 x10^9/L (4,100/uL)?"),
        ("wbc", "4.1 tera.l-1", "did you mean 4.1 x10^9/L (4,100/uL)?"),
        ("plt", "150 10*3/mL", "did you mean 150 x10^9/L (150,000/uL)?"),
        ("hgb", "9.1 mg/dL", "did you mean 9.1 g/dL?"),
        ("hgb", "9.1 mg/mL", "did you mean 9.1 g/dL?"),
        ("mcv", "90 pL", "did you mean 90 fL?"),
        ("neut_pct", "58 1", "did you mean 58 %?"),
    ],
)
def test_slips_are_caught_after_grammar_conversion(analyte_id: str, text: str, hint: str) -> None:
    with pytest.raises(PlausibilityError) as info:
        to_canonical(ANALYTES[analyte_id], text)
    assert hint in str(info.value.hint)


_POWER_SPELLINGS = ("10*{}", "10^{}", "10E{}", "x10E{}", "10**{}", "10^+{}")
_VOLUME_PREFIXES: dict[str, Fraction] = {"": F(1), "d": F(1, 10), "c": F(1, 100)}
_VOLUME_PREFIXES |= {"m": F(1, 10**3), "u": F(1, 10**6)}
_VOLUME_PREFIXES |= {"µ": F(1, 10**6), "μ": F(1, 10**6), "mc": F(1, 10**6), "n": F(1, 10**9)}
_VOLUME_PREFIXES |= {"p": F(1, 10**12), "f": F(1, 10**15)}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@st.composite
def count_units(draw: st.DrawFn) -> tuple[str, str, Fraction]:
    """A count unit written with a random power, litre prefix and operator, and its factor."""
    analyte_id = draw(st.sampled_from(("wbc", "plt", "anc", "rbc")))
    exponent = draw(st.integers(min_value=0, max_value=15))
    spelled = draw(st.sampled_from((*_POWER_SPELLINGS, "sup")))
    power = "10" + str(exponent).translate(_SUPERSCRIPT) if spelled == "sup" else ""
    power = power or spelled.format(exponent)
    prefix = draw(st.sampled_from(sorted(_VOLUME_PREFIXES)))
    litre = draw(st.sampled_from(("L", "l")))
    shape = draw(st.sampled_from(("{p}/{v}", "{p}.{v}-1", "{p}.{v}^-1", "({p})/({v})", "{p}/{v}")))
    text = shape.format(p=power, v=prefix + litre)
    canonical = PER_M3_12 if analyte_id == "rbc" else PER_M3_9
    return analyte_id, text, F(10**exponent) / (_VOLUME_PREFIXES[prefix] * LITRE) / canonical


@st.composite
def hemoglobin_units(draw: st.DrawFn) -> tuple[str, str, Fraction]:
    """A hemoglobin unit: a prefixed gram or mole per prefixed litre, and its factor."""
    mass_prefixes = {"": F(1), "k": F(1000), "m": F(1, 10**3), "u": F(1, 10**6), "n": F(1, 10**9)}
    mass = draw(st.sampled_from(sorted(mass_prefixes)))
    atom = draw(st.sampled_from(("g", "mol")))
    volume = draw(st.sampled_from(sorted(_VOLUME_PREFIXES)))
    amount = mass_prefixes[mass] * (GRAMS_PER_MOLE if atom == "mol" else 1)
    factor = amount / (_VOLUME_PREFIXES[volume] * LITRE) / G_DL
    return "hgb", f"{mass}{atom}/{volume}L", factor


@settings(max_examples=300, deadline=None)
@given(unit=st.one_of(count_units(), hemoglobin_units()), value=st.floats(0.01, 1000.0))
def test_random_prefix_and_power_round_trip(unit: tuple[str, str, Fraction], value: float) -> None:
    analyte_id, text, factor = unit
    analyte = ANALYTES[analyte_id]
    assert unit_factor(analyte, text) == float(factor)
    written = value / float(factor)  # the value as the lab would write it in that unit
    back = written * unit_factor(analyte, text)
    assert float(f"{back:.12g}") == float(f"{value:.12g}")
    assert math.isclose(convert(written, analyte, text, analyte.unit), value, rel_tol=1e-12)


def test_the_grammar_is_imported_only_when_the_table_misses() -> None:
    probe = (
        "import sys\n"
        "from cbc_cli.analytes import ANALYTES\n"
        "from cbc_cli.units import unit_factor\n"
        "unit_factor(ANALYTES['wbc'], 'x10E3/uL'); unit_factor(ANALYTES['hgb'], 'g/L')\n"
        "print('cbc_cli.ucum' in sys.modules)\n"
        "unit_factor(ANALYTES['wbc'], 'giga.l-1')\n"
        "print('cbc_cli.ucum' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_the_cli_reads_a_grammar_unit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "check", "--wbc", "0.8 giga.l-1", "--plt", "25 Tsd/µl", "-f", "json"
    )
    assert code == 0
    values = {a["analyte"]: a["value"] for a in json.loads(out)["results"][0]["analytes"]}
    assert values == {"wbc": 0.8, "plt": 25.0}
    code, _, err = run_cli(capsys, "check", "--hgb", "9.1 giga.l-1")
    assert code == 3
    assert "unknown unit 'giga.l-1' for hgb: not a unit of hemoglobin" in err


def test_a_french_hl7_message_in_giga_per_litre_reads_as_in_10_3_per_microlitre(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A French lab sends counts as giga.l-1 (10^9/L, the same number as 10*3/uL).
    original = Path(__file__).resolve().parent.parent / "examples" / "oru_r01.hl7"
    text = original.read_text(encoding="utf-8")
    assert "|10*3/uL|" in text
    french = tmp_path / "fr.hl7"
    french.write_text(text.replace("|10*3/uL|", "|giga.l-1|"), encoding="utf-8")

    def analytes(path: Path) -> list[tuple[str, float, str]]:
        code, out, _ = run_cli(capsys, "check", str(path), "--format", "json")
        assert code == 0
        return [
            (a["analyte"], a["value"], a["flag"])
            for r in json.loads(out)["results"]
            for a in r["analytes"]
        ]

    assert analytes(french) == analytes(original)


UNIT_ALPHABET = "0123456789^*.E/x()-+{}%LlmguµμkMGTnpfdc ³⁹⁻" + "giga tera Mrd Tsd cells mol"


@settings(max_examples=500, deadline=None)
@given(
    analyte_id=st.sampled_from(sorted(ANALYTES)),
    text=st.one_of(st.text(alphabet=UNIT_ALPHABET, max_size=14), st.text(max_size=10)),
)
def test_any_unit_text_is_read_or_refused_with_the_accepted_forms(
    analyte_id: str, text: str
) -> None:
    # The grammar never fails in another way (an IndexError, a ZeroDivisionError, a huge power).
    analyte = ANALYTES[analyte_id]
    try:
        factor = unit_factor(analyte, text)
    except UnitError as exc:
        hint = str(exc.hint)
    else:
        assert math.isfinite(factor)
        assert factor > 0
        return
    assert hint.startswith(f"accepted for {analyte_id}: ")


def test_a_long_unknown_unit_is_quoted_short() -> None:
    # A damaged header can put thousands of characters where a unit goes: the message stays short.
    with pytest.raises(UnitError) as info:
        unit_factor(ANALYTES["plt"], "10^" + "7" * 5000 + "/uL")
    assert len(info.value.message) < 200
    assert "(5006 characters)" in info.value.message
