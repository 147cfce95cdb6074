"""Tests for cbc_cli.grading: CTCAE v5.0 / v4.03 and DAIDS v2.1 thresholds, boundaries and units.

Thresholds from docs/clinical.md section 4 and its DAIDS v2.1 table (copied below so that
the tests do not depend on a file outside the repository). A value on a threshold takes the milder
grade; a value equal to the LLN is grade 0; "cannot grade" (None) is never 0.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.grading import (
    SCHEMES,
    Criterion,
    Grade,
    grade_value,
    guard,
    load_scheme,
)
from cbc_cli.panel import Patient, Sex
from cbc_cli.units import to_canonical


def criterion(scheme: str, finding: str, patient: Patient | None = None) -> Criterion:
    chosen = load_scheme(scheme).choose_criterion(finding, patient or Patient())
    assert isinstance(chosen, Criterion), chosen
    return chosen


# --- CTCAE v5.0 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """One threshold: the grades one step below it, on it, and one step above it."""

    finding: str
    threshold: float
    below: int
    on: int
    above: int


# Realistic adult limits (docs/clinical.md section 3): hgb female 12.0-16.0 g/dL, wbc 4.5-11.0,
# anc 1.8-7.7, alc 1.0-4.8, plt 140-450 (10^9/L).
LIMITS: dict[str, tuple[float, float]] = {
    "hgb": (12.0, 16.0),
    "wbc": (4.5, 11.0),
    "anc": (1.8, 7.7),
    "alc": (1.0, 4.8),
    "plt": (140.0, 450.0),
}
FINDING_ANALYTE = {
    "anemia": "hgb",
    "erythrocytosis": "hgb",
    "leukopenia": "wbc",
    "leukocytosis": "wbc",
    "neutropenia": "anc",
    "lymphopenia": "alc",
    "thrombocytopenia": "plt",
}
CTCAE_EDGES = [
    # Anemia: [10.0, LLN) 1, [8.0, 10.0) 2, < 8.0 3 (grade 4 is clinical only).
    Edge("anemia", 12.0, 1, 0, 0),  # LLN
    Edge("anemia", 10.0, 2, 1, 1),
    Edge("anemia", 8.0, 3, 2, 2),
    # Hemoglobin increased: > ULN 1, > ULN+2 2, > ULN+4 3 (ULN 16.0).
    Edge("erythrocytosis", 16.0, 0, 0, 1),
    Edge("erythrocytosis", 18.0, 1, 1, 2),
    Edge("erythrocytosis", 20.0, 2, 2, 3),
    # White blood cell decreased: [3.0, LLN) 1, [2.0, 3.0) 2, [1.0, 2.0) 3, < 1.0 4.
    Edge("leukopenia", 4.5, 1, 0, 0),
    Edge("leukopenia", 3.0, 2, 1, 1),
    Edge("leukopenia", 2.0, 3, 2, 2),
    Edge("leukopenia", 1.0, 4, 3, 3),
    # Leukocytosis: > 100 grade 3 only.
    Edge("leukocytosis", 100.0, 0, 0, 3),
    # Neutrophil count decreased: [1.5, LLN) 1, [1.0, 1.5) 2, [0.5, 1.0) 3, < 0.5 4.
    Edge("neutropenia", 1.8, 1, 0, 0),
    Edge("neutropenia", 1.5, 2, 1, 1),
    Edge("neutropenia", 1.0, 3, 2, 2),
    Edge("neutropenia", 0.5, 4, 3, 3),
    # Lymphocyte count decreased: [0.8, LLN) 1, [0.5, 0.8) 2, [0.2, 0.5) 3, < 0.2 4.
    Edge("lymphopenia", 1.0, 1, 0, 0),
    Edge("lymphopenia", 0.8, 2, 1, 1),
    Edge("lymphopenia", 0.5, 3, 2, 2),
    Edge("lymphopenia", 0.2, 4, 3, 3),
    # Platelet count decreased: [75, LLN) 1, [50, 75) 2, [25, 50) 3, < 25 4.
    Edge("thrombocytopenia", 140.0, 1, 0, 0),
    Edge("thrombocytopenia", 75.0, 2, 1, 1),
    Edge("thrombocytopenia", 50.0, 3, 2, 2),
    Edge("thrombocytopenia", 25.0, 4, 3, 3),
]


def _step(analyte: str) -> float:
    return 1.0 if analyte == "plt" else 0.01


def _points() -> list[tuple[str, float, int]]:
    points: list[tuple[str, float, int]] = []
    for edge in CTCAE_EDGES:
        step = _step(FINDING_ANALYTE[edge.finding])
        points.append((edge.finding, round(edge.threshold - step, 2), edge.below))
        points.append((edge.finding, edge.threshold, edge.on))
        points.append((edge.finding, round(edge.threshold + step, 2), edge.above))
    return points


CTCAE_POINTS = _points()
POINT_IDS = [f"{f}-{v:g}" for f, v, _ in CTCAE_POINTS]

# Input units each test value is also written in: (unit, multiplier from the canonical unit).
INPUT_UNITS: dict[str, tuple[tuple[str, float], ...]] = {
    "hgb": (("g/dL", 1.0), ("g/L", 10.0), ("mmol/L", 0.6206)),
    "wbc": (("10^9/L", 1.0), ("/uL", 1000.0), ("K/uL", 1.0)),
    "anc": (("10^9/L", 1.0), ("cells/uL", 1000.0)),
    "alc": (("10^9/L", 1.0), ("/uL", 1000.0)),
    "plt": (("10^9/L", 1.0), ("/uL", 1000.0), ("/mm3", 1000.0)),
}


@pytest.mark.parametrize(("finding", "value", "expected"), CTCAE_POINTS, ids=POINT_IDS)
def test_ctcae5_thresholds(finding: str, value: float, expected: int) -> None:
    analyte = FINDING_ANALYTE[finding]
    lln, uln = LIMITS[analyte]
    grade = grade_value(criterion("ctcae5", finding), value, lln, uln)
    assert grade.grade == expected


@pytest.mark.parametrize(("finding", "value", "expected"), CTCAE_POINTS, ids=POINT_IDS)
def test_ctcae5_thresholds_in_every_input_unit(finding: str, value: float, expected: int) -> None:
    analyte = FINDING_ANALYTE[finding]
    lln, uln = LIMITS[analyte]
    crit = criterion("ctcae5", finding)
    for unit, multiplier in INPUT_UNITS[analyte]:
        text = f"{value * multiplier:.10g} {unit}"
        canonical = to_canonical(ANALYTES[analyte], text).value
        assert grade_value(crit, canonical, lln, uln).grade == expected, text


def test_value_equal_to_lln_is_grade_zero() -> None:
    for finding, analyte in FINDING_ANALYTE.items():
        crit = criterion("ctcae5", finding)
        lln, uln = LIMITS[analyte]
        if crit.direction == "low":
            assert grade_value(crit, lln, lln, uln).grade == 0, finding
        else:
            assert grade_value(crit, uln, lln, uln).grade == 0, finding


def test_guard_makes_converted_values_compare_equal() -> None:
    assert guard(80 * 0.1) == 8.0
    assert guard(4.9648 / 0.6206) == 8.0
    assert guard(75000 * 0.001) == 75.0
    assert guard(0.1 + 0.2) == 0.3


def test_anemia_has_no_numeric_grade_four() -> None:
    crit = criterion("ctcae5", "anemia")
    assert crit.max_lab_grade == 3
    assert max(t.grade for t in crit.thresholds) == 3
    grade = grade_value(crit, 3.0, 12.0, 16.0)
    assert grade.grade == 3
    assert grade.note is not None
    assert "clinical" in grade.note


def test_leukocytosis_note_says_higher_grades_need_more() -> None:
    crit = criterion("ctcae5", "leukocytosis")
    assert crit.max_lab_grade == 3
    assert crit.note is not None
    assert "100" in crit.note


def test_thresholds_are_ordered_highest_grade_first() -> None:
    for scheme_id in SCHEMES:
        for crit in load_scheme(scheme_id).criteria:
            grades = [t.grade for t in crit.thresholds]
            assert grades == sorted(grades, reverse=True), (scheme_id, crit.finding)


# --- no LLN / ULN -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "graded_value", "graded", "ungraded_value"),
    [
        ("anemia", 9.99, 2, 10.0),
        ("anemia", 7.0, 3, 11.5),
        ("leukopenia", 2.99, 2, 3.0),
        ("neutropenia", 1.49, 2, 1.5),
        ("neutropenia", 0.3, 4, 1.7),
        ("lymphopenia", 0.79, 2, 0.8),
        ("thrombocytopenia", 74.0, 2, 75.0),
        ("thrombocytopenia", 10.0, 4, 130.0),
    ],
)
def test_without_lln(finding: str, graded_value: float, graded: int, ungraded_value: float) -> None:
    crit = criterion("ctcae5", finding)
    assert grade_value(crit, graded_value, None, None).grade == graded
    cannot = grade_value(crit, ungraded_value, None, None)
    assert cannot.grade is None
    assert cannot.grade != 0
    assert cannot.note is not None
    assert "LLN" in cannot.note
    # A value far above any cut-off is still "cannot grade" without an LLN, never 0.
    high = grade_value(crit, LIMITS[FINDING_ANALYTE[finding]][1], None, None)
    assert high.grade is None


def test_without_uln() -> None:
    crit = criterion("ctcae5", "erythrocytosis")
    for value in (13.0, 17.0, 25.0):
        outcome = grade_value(crit, value, 12.0, None)
        assert outcome.grade is None
        assert outcome.note is not None
        assert "ULN" in outcome.note
    # Leukocytosis uses no ULN: absolute cut-off only.
    leuko = criterion("ctcae5", "leukocytosis")
    assert grade_value(leuko, 150.0, None, None).grade == 3
    assert grade_value(leuko, 50.0, None, None).grade == 0


# --- CTCAE v4.03 --------------------------------------------------------------------------------


def test_ctcae4_loads_with_its_own_name() -> None:
    v4 = load_scheme("ctcae4")
    assert v4.id == "ctcae4"
    assert v4.version == "4.03"
    assert "4.03" in v4.title
    v5 = load_scheme("ctcae5")
    assert v5.version == "5.0"
    assert v4.uses_lln
    assert v5.uses_lln


def test_ctcae4_thresholds_match_ctcae5() -> None:
    v4, v5 = load_scheme("ctcae4"), load_scheme("ctcae5")
    assert [c.finding for c in v4.criteria] == [c.finding for c in v5.criteria]
    for c4, c5 in zip(v4.criteria, v5.criteria, strict=True):
        assert c4.thresholds == c5.thresholds, c4.finding
        assert (c4.analyte, c4.direction, c4.max_lab_grade) == (
            c5.analyte,
            c5.direction,
            c5.max_lab_grade,
        )


@pytest.mark.parametrize(("finding", "value", "expected"), CTCAE_POINTS, ids=POINT_IDS)
def test_ctcae4_grades_like_ctcae5(finding: str, value: float, expected: int) -> None:
    lln, uln = LIMITS[FINDING_ANALYTE[finding]]
    assert grade_value(criterion("ctcae4", finding), value, lln, uln).grade == expected


def test_ctcae4_erythrocytosis_note_mentions_baseline() -> None:
    crit = criterion("ctcae4", "erythrocytosis")
    assert crit.note is not None
    assert "baseline" in crit.note


# --- DAIDS v2.1 ---------------------------------------------------------------------------------

# docs/clinical.md section 4: DAIDS Table v2.1 (July 2017), hematology rows as printed.
# "a-b" includes both ends at the printed precision; "a-<b" and "<b" are half-open.
DAIDS_CSV = """\
parameter,analyte,sex,age_from,age_to,grade1,grade2,grade3,grade4,unit
Hemoglobin low,hgb,male,13y,,10.0-10.9,9.0-9.9,7.0-8.9,<7.0,g/dL
Hemoglobin low,hgb,female,13y,,9.5-10.4,8.5-9.4,6.5-8.4,<6.5,g/dL
Hemoglobin low,hgb,any,57d,13y,9.5-10.4,8.5-9.4,6.5-8.4,<6.5,g/dL
Hemoglobin low,hgb,any,36d,57d,8.5-9.6,7.0-8.4,6.0-6.9,<6.0,g/dL
Hemoglobin low,hgb,any,22d,36d,9.5-11.0,8.0-9.4,6.7-7.9,<6.7,g/dL
Hemoglobin low,hgb,any,8d,22d,11.0-13.0,9.0-10.9,8.0-8.9,<8.0,g/dL
Hemoglobin low,hgb,any,0d,8d,13.0-14.0,10.0-12.9,9.0-9.9,<9.0,g/dL
Absolute neutrophil count low,anc,any,8d,,0.800-1.000,0.600-0.799,0.400-0.599,<0.400,10^9/L
Absolute neutrophil count low,anc,any,2d,8d,1.250-1.500,1.000-1.249,0.750-0.999,<0.750,10^9/L
Absolute neutrophil count low,anc,any,0d,2d,4.000-5.000,3.000-3.999,1.500-2.999,<1.500,10^9/L
Absolute lymphocyte count low,alc,any,>5y,,0.600-0.649,0.500-0.599,0.350-0.499,<0.350,10^9/L
Platelets decreased,plt,any,0d,,100-<125,50-<100,25-<50,<25,10^9/L
WBC decreased,wbc,any,8d,,2.000-2.499,1.500-1.999,1.000-1.499,<1.000,10^9/L
WBC decreased,wbc,any,0d,8d,5.500-6.999,4.000-5.499,2.500-3.999,<2.500,10^9/L
"""
DAIDS_FINDING = {
    "hgb": "anemia",
    "anc": "neutropenia",
    "alc": "lymphopenia",
    "plt": "thrombocytopenia",
    "wbc": "leukopenia",
}


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _ages(age_from: str, age_to: str) -> list[str]:
    """Declared ages inside a band: its first day (or year), its last, and an adult age."""
    start = "6y" if age_from == ">5y" else age_from
    ages = [start]
    if age_to:
        n, unit = int(age_to[:-1]), age_to[-1]
        ages.append(f"{n - 1}{unit}")
    else:
        ages.append("45y")
    return ages


def _band_points(bands: list[str]) -> list[tuple[float, int]]:
    """(value, expected grade) at each printed end, just inside half-open ends, between bands."""
    points: list[tuple[float, int]] = []
    # bands[0] is grade 1 ... bands[3] grade 4; walk from grade 4 (lowest values) upward.
    for grade in (4, 3, 2, 1):
        text = bands[grade - 1]
        milder = grade - 1
        if text.startswith("<"):
            upper = text[1:]
            step = 10.0 ** -_decimals(upper)
            points.append((round(float(upper) - step, 3), grade))
            points.append((float(upper), milder))
            continue
        low, _, high = text.partition("-")
        points.append((float(low), grade))
        if high.startswith("<"):
            high = high[1:]
            step = 10.0 ** -_decimals(high)
            points.append((round(float(high) - step, 3), grade))
            points.append((float(high), milder))
        else:
            step = 10.0 ** -_decimals(high)
            points.append((float(high), grade))
            # Between this band's printed end and the next band's start: the milder band.
            points.append((round(float(high) + step / 2, 4), milder))
    return points


def _daids_cases() -> list[object]:
    cases: list[object] = []
    for row in csv.DictReader(io.StringIO(DAIDS_CSV)):
        bands = [row["grade1"], row["grade2"], row["grade3"], row["grade4"]]
        sex = None if row["sex"] == "any" else row["sex"]
        for age in _ages(row["age_from"], row["age_to"]):
            for value, grade in _band_points(bands):
                cases.append(
                    pytest.param(
                        row["analyte"],
                        sex,
                        age,
                        value,
                        grade,
                        id=f"{row['analyte']}-{row['sex']}-{age}-{value:g}",
                    )
                )
    return cases


@pytest.mark.parametrize(("analyte", "sex", "age", "value", "expected"), _daids_cases())
def test_daids_bands(analyte: str, sex: Sex | None, age: str, value: float, expected: int) -> None:
    patient = Patient(sex=sex, age=parse_age(age))
    crit = criterion("daids21", DAIDS_FINDING[analyte], patient)
    assert crit.analyte == analyte
    # DAIDS never uses the LLN: the same grade with or without one.
    assert grade_value(crit, value, None, None).grade == expected
    assert grade_value(crit, value, 0.1, 900.0).grade == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (11.5, 0),
        (10.95, 0),
        (10.9, 1),
        (10.0, 1),
        (9.95, 1),
        (9.9, 2),
        (8.9, 3),
        (7.0, 3),
        (6.99, 4),
    ],
)
def test_daids_adult_male_hemoglobin(value: float, expected: int) -> None:
    crit = criterion("daids21", "anemia", Patient(sex="male", age=parse_age("40")))
    assert crit.sex == "male"
    assert grade_value(crit, value, None, None).grade == expected


@pytest.mark.parametrize(
    ("value", "male", "female"),
    [(10.5, 1, 0), (10.0, 1, 1), (9.45, 2, 1), (8.45, 3, 2), (6.8, 4, 3), (6.4, 4, 4)],
)
def test_daids_adult_hemoglobin_by_sex(value: float, male: int, female: int) -> None:
    pairs: tuple[tuple[Sex, int], ...] = (("male", male), ("female", female))
    for sex, expected in pairs:
        crit = criterion("daids21", "anemia", Patient(sex=sex, age=parse_age("30")))
        assert crit.sex == sex
        assert grade_value(crit, value, None, None).grade == expected, sex


def test_daids_adult_hemoglobin_needs_sex() -> None:
    outcome = load_scheme("daids21").choose_criterion("anemia", Patient(age=parse_age("30")))
    assert isinstance(outcome, Grade)
    assert outcome.grade is None
    assert outcome.note is not None
    assert "sex" in outcome.note


def test_daids_child_hemoglobin_does_not_need_sex() -> None:
    crit = criterion("daids21", "anemia", Patient(age=parse_age("12")))
    assert crit.sex == "any"


@pytest.mark.parametrize("age", ["3", "5", "0", "18m"])
def test_daids_lymphocytes_cannot_grade_at_five_or_younger(age: str) -> None:
    outcome = load_scheme("daids21").choose_criterion("lymphopenia", Patient(age=parse_age(age)))
    assert isinstance(outcome, Grade)
    assert outcome.grade is None
    assert outcome.note is not None
    assert "lymphopenia" in outcome.note


def test_daids_lymphocytes_older_than_five_whole_years() -> None:
    scheme = load_scheme("daids21")
    day_before = Age.from_dates(date(2018, 3, 10), date(2024, 3, 9))  # 5 y 364 d
    sixth_birthday = Age.from_dates(date(2018, 3, 10), date(2024, 3, 10))
    assert isinstance(scheme.choose_criterion("lymphopenia", Patient(age=day_before)), Grade)
    crit = scheme.choose_criterion("lymphopenia", Patient(age=sixth_birthday))
    assert isinstance(crit, Criterion)
    assert isinstance(
        scheme.choose_criterion("lymphopenia", Patient(age=parse_age("6"))), Criterion
    )


@pytest.mark.parametrize(
    ("days", "band_start", "grade_at_1_4"),
    [
        (0, "0d", 4),
        (1, "0d", 4),
        (2, "2d", 1),
        (5, "2d", 1),
        (7, "2d", 1),
        (8, "8d", 0),
        (10, "8d", 0),
    ],
)
def test_daids_neutrophils_by_age_in_days(days: int, band_start: str, grade_at_1_4: int) -> None:
    scheme = load_scheme("daids21")
    born = date(2024, 2, 25)
    for age in (parse_age(f"{days}d"), Age.from_dates(born, born + timedelta(days=days))):
        crit = scheme.choose_criterion("neutropenia", Patient(age=age))
        assert isinstance(crit, Criterion)
        assert str(crit.age_from) == band_start
        assert grade_value(crit, 1.4, None, None).grade == grade_at_1_4


def test_daids_needs_a_precise_age_for_newborn_bands() -> None:
    outcome = load_scheme("daids21").choose_criterion("neutropenia", Patient(age=parse_age("0")))
    assert isinstance(outcome, Grade)
    assert outcome.grade is None
    assert outcome.note is not None
    assert "precise" in outcome.note


def test_daids_metadata() -> None:
    scheme = load_scheme("daids21")
    assert not scheme.uses_lln
    assert "2.1" in scheme.version
    assert "DAIDS" in scheme.title
    assert {c.finding for c in scheme.criteria} == set(DAIDS_FINDING.values())
