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
from itertools import permutations
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.analytes import ANALYTES
from cbc_cli.columnar import plan
from cbc_cli.errors import InputError, PlausibilityError, UnitError
from cbc_cli.parse import parse_temperature
from cbc_cli.readers.source import open_source
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
