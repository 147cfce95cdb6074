"""Answers kept by class of persons: RangeTable.select and Scheme.choose_criterion.

Both keep each answer for everyone alike in what can change it (sex, conditions, and the side of
each age bound their age lies on, age.AgeBounds), not for each exact age. These tests hold the
kept answers to the answers worked out afresh, for persons of every kind (exact ages from dates,
ages declared in days, weeks, months or years, no age; either sex or none; pregnancy; profiles),
over the shipped tables and schemes and a lab's layer with bounds of its own.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.age import Age, AgeBound, AgeBounds, at_least, parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.grading import (
    SCHEMES,
    Criterion,
    Grade,
    load_scheme_file,
)
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable, ReferenceRange, load_ranges, shipped_ranges_dir

UNITS = ("d", "w", "m", "y")
_MOST = {"d": 1200, "w": 300, "m": 400, "y": 130}
MEAN_DAYS = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}


def _lab_row(
    analyte: str,
    sex: str,
    start: str,
    end: str | None,
    *,
    condition: str | None = None,
    low: float | None = None,
    high: float | None = None,
    critical_low: float | None = None,
    unit: str = "g/dL",
) -> ReferenceRange:
    return ReferenceRange(
        analyte=analyte,
        sex=sex,
        age_from=AgeBound(int(start[:-1]), start[-1]),
        age_to=None if end is None else AgeBound(int(end[:-1]), end[-1]),
        condition=condition,
        low=low,
        high=high,
        critical_low=critical_low,
        critical_high=None,
        unit=unit,
        source="A test lab's printed ranges (made up for this test)",
        origin="lab.toml",
        layer=1,
    )


# A lab's layer with bounds in weeks and months the shipped files do not use, sex-specific rows
# beside any-sex ones, condition rows, and gaps (so that, alone, it leaves ages without a range).
LAB_ROWS = (
    _lab_row("hgb", "female", "2w", "8w", low=10.0, high=18.0),
    _lab_row("hgb", "any", "3m", "17y", low=10.5, high=14.0),
    _lab_row("hgb", "female", "17y", "45y", low=11.9, high=15.1),
    _lab_row("hgb", "male", "17y", None, low=13.1, high=17.0),
    _lab_row("hgb", "female", "15y", None, condition="pregnancy-2", low=10.5, high=14.5),
    _lab_row("plt", "any", "1y", None, critical_low=20.0, unit="10^9/L"),
    _lab_row("anc", "female", "18y", None, condition="profile-duffy-null", low=0.9, unit="10^9/L"),
    _lab_row("anc", "any", "5w", "13m", low=1.0, high=8.5, unit="10^9/L"),
)

SHIPPED = load_ranges()
TABLES = {
    "shipped": SHIPPED,
    "shipped and a lab's layer": RangeTable((*SHIPPED.rows, *LAB_ROWS)),
    "a lab's layer alone": RangeTable(LAB_ROWS),
}
"""Kept across examples, so that each is asked after persons of other ages and kinds."""
SCHEME_OBJECTS = {
    s: load_scheme_file(shipped_ranges_dir() / "grading" / f"{s}.toml") for s in SCHEMES
}


@st.composite
def ages(draw: st.DrawFn) -> Age | None:
    """No age, an exact age from a birth and a collection date, or a declared age."""
    kind = draw(st.sampled_from(["none", "exact", "declared"]))
    if kind == "none":
        return None
    if kind == "exact":
        collected = draw(st.dates(date(1990, 1, 1), date(2035, 12, 31)))
        days = draw(st.one_of(st.integers(0, 900), st.integers(0, 47_000)))
        return Age.from_dates(collected - timedelta(days=days), collected)
    unit = draw(st.sampled_from(UNITS))
    return Age(draw(st.integers(0, _MOST[unit])), unit)


@st.composite
def persons(draw: st.DrawFn) -> Patient:
    """A person of any sex (or none), age, pregnancy and profiles."""
    return Patient(
        sex=draw(st.sampled_from([None, "female", "male"])),
        age=draw(ages()),
        pregnancy_trimester=draw(st.sampled_from([None, 1, 2, 3])),
        profiles=draw(st.sampled_from([(), ("duffy-null",)])),
    )


@settings(max_examples=400, deadline=None)
@given(
    bounds=st.lists(
        st.builds(AgeBound, st.integers(0, 400), st.sampled_from(UNITS)), min_size=0, max_size=12
    ),
    age=ages(),
)
def test_sides_say_what_at_least_answers_for_every_bound(
    bounds: list[AgeBound], age: Age | None
) -> None:
    """The sides of an age are at_least against each bound: for each unit, the first of its
    bounds (in order) answer True, the next None, the rest False, in the counts given."""
    sides = AgeBounds(bounds).sides(age)
    if age is None:
        assert sides is None
        return
    assert sides is not None
    units = sorted({b.unit for b in bounds})
    assert len(sides) == 2 * len(units)
    answers: list[bool | None] = []
    for k, unit in enumerate(units):
        certain, possible = sides[2 * k], sides[2 * k + 1]
        for i, n in enumerate(sorted({b.n for b in bounds if b.unit == unit})):
            told = True if i < certain else None if i < possible else False
            answer = at_least(age, AgeBound(n, unit))
            assert told is answer, (unit, n)
            answers.append(answer)
    assert AgeBounds.decided(sides) == (None not in answers)


def neighbours(age: Age | None, other: Age | None) -> list[Age | None]:
    """Ages to ask about before ``age``: ``other``, and ages next to ``age`` in every unit (the
    persons most likely to share its class, and, when declared, to differ from it in what
    the answer's text says)."""
    found = [other]
    if age is None:
        return found
    if age.exact_days is not None:
        collected = date(2024, 6, 1)
        for shift in (-31, -7, -1, 1, 7, 31):
            before = timedelta(days=max(0, age.exact_days + shift))
            found.append(Age.from_dates(collected - before, collected))
        days = float(age.exact_days)
    else:
        found += [Age(max(0, age.n + shift), age.unit) for shift in (-2, -1, 1, 2)]
        days = age.n * MEAN_DAYS[age.unit]
    for unit in UNITS:
        near = int(days / MEAN_DAYS[unit])
        found += [Age(n, unit) for n in (near - 1, near, near + 1) if 0 <= n <= _MOST[unit]]
    return found


@settings(max_examples=200, deadline=None)
@given(person=persons(), other=ages())
def test_kept_selections_are_the_selection_worked_out_afresh(
    person: Patient, other: Age | None
) -> None:
    """Every analyte's reference row and critical limits for a person, from tables that have
    answered persons of other ages before, are those a table with nothing kept selects."""
    before = [person._replace(age=age) for age in neighbours(person.age, other)]
    for table in TABLES.values():
        fresh = RangeTable(table.rows, table.sources)
        for analyte in (*ANALYTES, "not-an-analyte"):
            for kind in ("reference", "critical"):
                for someone in before:
                    table.select(analyte, someone, kind)
                assert table.select(analyte, person, kind) == fresh.select(analyte, person, kind)


@settings(max_examples=200, deadline=None)
@given(person=persons(), other=ages())
def test_kept_criteria_are_the_criteria_chosen_afresh(person: Patient, other: Age | None) -> None:
    """Every finding's criterion (or the reason none applies) in every shipped scheme, from a
    scheme that has answered persons of other ages before, is the one chosen with nothing
    kept."""
    before = [person._replace(age=age) for age in neighbours(person.age, other)]
    for scheme in SCHEME_OBJECTS.values():
        fresh = dataclasses.replace(scheme)
        assert fresh.cache_size() == 0
        findings = {c.finding for c in scheme.criteria} | set(scheme.not_graded) | {"unknown"}
        for finding in sorted(findings):
            for someone in before:
                scheme.choose_criterion(finding, someone)
            kept = scheme.choose_criterion(finding, person)
            assert kept == fresh.choose_criterion(finding, person)


def _women(count: int) -> list[Patient]:
    """Women with distinct birth dates, aged 30 to 60 on the day of collection."""
    collected = date(2024, 6, 1)
    return [
        Patient(
            sex="female",
            age=Age.from_dates(collected - timedelta(days=30 * 366 + 37 * i), collected),
        )
        for i in range(count)
    ]


def test_many_exact_ages_in_one_band_keep_one_selection() -> None:
    """500 adult women with 500 birth dates: one kept selection for hemoglobin, the adult
    woman's row (Merck Manual: 12.0-16.0 g/dL); declared adult ages fall in the same class."""
    table = load_ranges()
    women = _women(500)
    chosen = {table.select("hgb", woman) for woman in women}
    declared = [women[0]._replace(age=parse_age(f"{years}")) for years in (30, 45, 60)]
    chosen |= {table.select("hgb", woman) for woman in declared}
    assert table.cache_size() == 1
    (selection,) = chosen
    assert selection.range is not None
    assert (selection.range.low, selection.range.high) == (12.0, 16.0)


def test_many_exact_ages_in_one_band_keep_one_criterion() -> None:
    """DAIDS v2.1 grades anemia from 13 years by sex: 500 adult women keep one chosen
    criterion, the one for females from 13 years."""
    scheme = load_scheme_file(shipped_ranges_dir() / "grading" / "daids21.toml")
    chosen = {scheme.choose_criterion("anemia", woman) for woman in _women(500)}
    assert scheme.cache_size() == 1
    (criterion,) = chosen
    assert isinstance(criterion, Criterion)
    assert (criterion.sex, str(criterion.age_from)) == ("female", "13y")


def test_an_answer_that_names_the_age_is_not_shared_by_other_ages() -> None:
    """No range fits a baby boy in the lab's table alone, no DAIDS criterion a child under 6 for
    lymphocytes: each child is told their own age, not the first child's."""
    table = RangeTable(LAB_ROWS)
    collected = date(2024, 6, 1)
    for days in (5, 10, 20):  # the lab's hemoglobin rows leave boys under 3 months out
        baby = Patient(sex="male", age=Age.from_dates(collected - timedelta(days), collected))
        reason = table.select("hgb", baby).reason
        assert reason == f"no range for hemoglobin (male, age {days} days) in the loaded files"
    scheme = dataclasses.replace(SCHEME_OBJECTS["daids21"])
    for years in (3, 4, 5):  # DAIDS v2.1 grades lymphocytes from 6 years only
        child = Patient(age=Age.from_dates(collected.replace(year=2024 - years), collected))
        outcome = scheme.choose_criterion("lymphopenia", child)
        assert isinstance(outcome, Grade)
        assert outcome.grade is None
        assert outcome.note == (
            f"{scheme.title} has no criteria for lymphopenia at age {years} years "
            "(it covers 6y and over)"
        )
