"""Tests for cbc_cli.ranges: shipped defaults, selection by sex/age/condition, layering, validation.

Expected numbers are those of the sources: the Merck Manual CBC table for adults; ARUP
Laboratories' intervals (Dallman's mean +/- 2 SD) for children's red cells, ARUP for WBC, Mayo
Clinic Health System for platelets, UCSF then Univ. of Iowa for neutrophils, Iowa for
lymphocytes; WHO 2024 and Abbassi-Ghanavati 2009 in pregnancy; Kost 1990 and 1991, newborn
hospital policies and the age-unknown rows for critical limits.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.cli.app import exit_code
from cbc_cli.errors import RangeFileError
from cbc_cli.panel import Patient, Sex
from cbc_cli.ranges import (
    Kind,
    RangeTable,
    ReferenceRange,
    check_layer,
    load_range_file,
    load_ranges,
    shipped_ranges_dir,
)

SHIPPED_FILES = (
    "adult.toml",
    "critical_limits.toml",
    "duffy_null.toml",
    "pediatric.toml",
    "pregnancy.toml",
)

LAB_HGB = """\
[[range]]
analyte = "hgb"
sex = "any"
age_from = "18y"
low = 11.5
high = 15.0
unit = "g/dL"
source = "Example lab, printed range"
"""


@pytest.fixture(scope="module")
def table() -> RangeTable:
    return load_ranges()


def adult(
    sex: Sex | None = "female",
    years: int = 30,
    *,
    pregnancy_trimester: int | None = None,
    profiles: tuple[str, ...] = (),
) -> Patient:
    return Patient(
        sex=sex,
        age=parse_age(str(years)),
        pregnancy_trimester=pregnancy_trimester,
        profiles=profiles,
    )


def chosen(table: RangeTable, analyte: str, patient: Patient) -> ReferenceRange:
    selection = table.select(analyte, patient)
    assert selection.range is not None, selection.reason
    assert selection.reason is None
    return selection.range


def no_range(table: RangeTable, analyte: str, patient: Patient) -> str:
    selection = table.select(analyte, patient)
    assert selection.range is None
    assert selection.reason
    return selection.reason


# --- shipped defaults -------------------------------------------------------------------------


def test_shipped_files_present() -> None:
    folder = shipped_ranges_dir()
    assert sorted(p.name for p in folder.glob("*.toml")) == sorted(SHIPPED_FILES)


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_shipped_file_loads_with_sources(name: str) -> None:
    rows = load_range_file(shipped_ranges_dir() / name)
    assert len(rows) > 0
    for row in rows:
        assert row.source.strip()
        assert row.analyte in ANALYTES
        assert row.unit == ANALYTES[row.analyte].unit
        assert row.origin.startswith(f"{name}, range #")
        assert row.layer == 0


def test_defaults_load_as_one_layer(table: RangeTable) -> None:
    assert len(table.rows) == sum(
        len(load_range_file(shipped_ranges_dir() / n)) for n in SHIPPED_FILES
    )
    assert {Path(s).name for s in table.sources} == set(SHIPPED_FILES)
    assert all(r.source.strip() for r in table.rows)


def test_no_defaults_when_asked() -> None:
    assert load_ranges(defaults=False).rows == ()


# --- selection --------------------------------------------------------------------------------


def test_adult_female_hemoglobin(table: RangeTable) -> None:
    row = chosen(table, "hgb", adult("female"))
    assert (row.low, row.high, row.unit) == (12.0, 16.0, "g/dL")
    assert row.origin.startswith("adult.toml")


def test_adult_male_hemoglobin(table: RangeTable) -> None:
    row = chosen(table, "hgb", adult("male"))
    assert (row.low, row.high) == (14.0, 17.0)


@pytest.mark.parametrize(
    ("analyte", "sex", "low", "high"),
    [
        ("wbc", "female", 4.5, 11.0),
        ("rbc", "male", 4.5, 5.9),
        ("rbc", "female", 4.0, 5.2),
        ("hct", "male", 41, 51),
        ("hct", "female", 36, 47),
        ("mcv", "male", 80, 100),
        ("mch", "female", 28, 32),
        ("mchc", "female", 32, 36),
        ("rdw", "male", 11.5, 14.5),
        ("plt", "female", 140, 450),
        ("anc", "male", 1.8, 7.7),
        ("neut_pct", "female", 40, 70),
        ("alc", "female", 1.0, 4.8),
        ("lymph_pct", "male", 22, 44),
    ],
)
def test_adult_ranges(table: RangeTable, analyte: str, sex: Sex, low: float, high: float) -> None:
    row = chosen(table, analyte, adult(sex, 45))
    assert (row.low, row.high) == (low, high)


def test_no_sex_means_no_range(table: RangeTable) -> None:
    reason = no_range(table, "hgb", Patient(age=parse_age("30")))
    assert "sex" in reason
    assert "hemoglobin" in reason  # named for a reader, not by its code


def test_no_sex_no_age_reason_names_both(table: RangeTable) -> None:
    reason = no_range(table, "hgb", Patient())
    assert "sex" in reason
    assert "age" in reason


def test_no_age_means_no_range(table: RangeTable) -> None:
    reason = no_range(table, "anc", Patient(sex="female"))
    assert "age" in reason
    assert "sex" not in reason


def test_sex_not_needed_where_ranges_do_not_differ(table: RangeTable) -> None:
    row = chosen(table, "plt", Patient(age=parse_age("30")))
    assert (row.low, row.high) == (140, 450)


def test_declared_age_zero_is_not_precise_enough(table: RangeTable) -> None:
    reason = no_range(table, "hgb", Patient(sex="female", age=parse_age("0")))
    assert "not precise enough" in reason
    assert "hemoglobin" in reason


DECLARED_AGES = (
    [f"{n}d" for n in range(0, 35)]
    + [f"{n}w" for n in range(0, 10)]
    + [f"{n}m" for n in range(0, 25)]
    + [str(n) for n in range(0, 20)]
)


@pytest.mark.parametrize("kind", ["reference", "critical"])
@pytest.mark.parametrize("analyte", ["hgb", "hct", "wbc", "anc", "plt"])
def test_every_declared_age_has_a_range_or_candidates(
    table: RangeTable, analyte: str, kind: Kind
) -> None:
    # The shipped files cover every age from birth for these counts, so a declared age, however
    # coarse, is judged against the rows that could apply: never "none loaded". Bands ending at
    # 1m once left part of "0 m" (counted up to 31 days) uncovered, dropping a baby's every
    # critical limit for the first month.
    for sex in (None, "female"):
        for age in DECLARED_AGES:
            chosen = table.select(analyte, Patient(sex=sex, age=parse_age(age)), kind)
            assert chosen.range is not None or chosen.candidates, (age, sex, chosen.reason)


def _exact_ages_for(declared: Age) -> list[Age]:
    """Exact ages (from birth and collection dates) that the declared age could stand for,
    near both ends of its span: born on days of every month length, collected that many days
    later."""
    per_day = {"d": (1, 1), "w": (7, 7), "m": (28, 31), "y": (365, 366)}[declared.unit]
    lo, hi = declared.n * per_day[0], (declared.n + 1) * per_day[1]
    born_days = [date(2023, m, d) for m in range(1, 13) for d in (1, 28)]
    born_days += [date(2024, 1, 31), date(2024, 2, 29), date(2023, 3, 31), date(2024, 12, 31)]
    found: list[Age] = []
    for born in born_days:
        for offset in {*range(lo, min(lo + 4, hi)), *range(max(lo, hi - 4), hi)}:
            exact = Age.from_dates(born, born + timedelta(days=offset))
            assert exact.exact_days is not None
            assert exact.exact_months is not None
            count = {
                "d": exact.exact_days,
                "w": exact.exact_days // 7,
                "m": exact.exact_months,
                "y": exact.exact_months // 12,
            }[declared.unit]
            if count == declared.n:
                found.append(exact)
    return found


@pytest.mark.parametrize("kind", ["reference", "critical"])
@pytest.mark.parametrize("analyte", ["hgb", "wbc", "anc", "plt"])
def test_a_declared_age_is_judged_against_every_band_its_exact_ages_meet(
    table: RangeTable, analyte: str, kind: Kind
) -> None:
    # A declared age ("28d", "0m", "12w") stands for exact ages that may fall in more than one
    # band: each band one of them is judged by must be among the declared age's candidates, or
    # a stricter critical limit is missed ("28d" once lost the 1-month band's platelets 53).
    for declared in (
        [f"{n}d" for n in range(20, 35)]
        + [f"{n}w" for n in range(0, 14)]
        + [f"{n}m" for n in range(0, 14)]
        + ["0", "1", "2"]
    ):
        age = parse_age(declared)
        chosen = table.select(analyte, Patient(sex="female", age=age), kind)
        allowed = set(chosen.candidates) | ({chosen.range} if chosen.range else set())
        for exact in _exact_ages_for(age):
            row = table.select(analyte, Patient(sex="female", age=exact), kind).range
            assert row is None or row in allowed, (declared, exact, row)


def test_exact_age_selects_pediatric_band(table: RangeTable) -> None:
    age = Age.from_dates(date(2024, 1, 1), date(2024, 2, 15))  # 45 days old
    assert age.exact_days == 45
    row = chosen(table, "hgb", Patient(sex="male", age=age))
    assert (row.low, row.high) == (10.0, 18.0)  # ARUP '30-60 days'
    assert row.origin.startswith("pediatric.toml")


@pytest.mark.parametrize(
    ("born", "collected", "low", "high"),
    [
        (date(2024, 3, 1), date(2024, 3, 1), 13.5, 19.5),  # day of birth: '0 days'
        (date(2024, 3, 1), date(2024, 3, 2), 14.5, 22.5),  # 1 day: '1-6 days'
        (date(2024, 1, 31), date(2024, 2, 29), 12.5, 20.5),  # 29 days: '14-29 days'
        (date(2024, 1, 1), date(2024, 1, 31), 10.0, 18.0),  # 30 days: '30-60 days'
        (date(2024, 1, 1), date(2024, 3, 2), 9.0, 14.0),  # 61 days: '61-90 days'
        (date(2024, 1, 1), date(2024, 4, 1), 9.5, 13.5),  # 91 days: '91-180 days'
        (date(2024, 1, 1), date(2024, 6, 30), 9.5, 13.5),  # the day before 6 months
        (date(2024, 1, 1), date(2024, 7, 1), 10.5, 13.5),  # 6 months: '6-23 months'
        (date(2022, 1, 1), date(2024, 1, 1), 11.5, 13.5),  # second birthday: '2-5 years'
        (date(2012, 5, 2), date(2024, 5, 1), 11.5, 15.5),  # the day before 12: '6-11 years'
    ],
)
def test_exact_age_band_edges(
    table: RangeTable, born: date, collected: date, low: float, high: float
) -> None:
    row = chosen(table, "hgb", Patient(age=Age.from_dates(born, collected)))
    assert (row.low, row.high) == (low, high)


def test_age_is_taken_at_collection_not_today(table: RangeTable) -> None:
    # Born 2006-06-01, sampled 2024-05-31: still 17, so ARUP's '12-17 years, Female' band
    # (12.0-16.0), not the adult one (Merck 12.0-16.0 too, so the origin tells them apart).
    age = Age.from_dates(date(2006, 6, 1), date(2024, 5, 31))
    row = chosen(table, "hgb", Patient(sex="female", age=age))
    assert (row.low, row.high) == (12.0, 16.0)
    assert row.origin.startswith("pediatric.toml")


def test_pregnancy_second_trimester(table: RangeTable) -> None:
    row = chosen(table, "hgb", adult("female", pregnancy_trimester=2))
    assert (row.low, row.high) == (10.5, 14.8)  # WHO 2024 cut-off; Abbassi-Ghanavati upper
    assert row.condition == "pregnancy-2"


@pytest.mark.parametrize(
    ("trimester", "hgb", "hct"),
    [(1, (11.0, 13.9), (31, 41)), (2, (10.5, 14.8), (30, 39)), (3, (11.0, 15.0), (28, 40))],
)
def test_pregnancy_by_trimester(
    table: RangeTable, trimester: int, hgb: tuple[float, float], hct: tuple[float, float]
) -> None:
    # Hemoglobin: WHO 2024 lower cut-off, Abbassi-Ghanavati 2009 upper limit; hematocrit:
    # Abbassi-Ghanavati 2009 both limits.
    row = chosen(table, "hgb", adult("female", pregnancy_trimester=trimester))
    assert (row.low, row.high) == hgb
    row = chosen(table, "hct", adult("female", pregnancy_trimester=trimester))
    assert (row.low, row.high) == hct


def test_pregnancy_only_changes_hemoglobin(table: RangeTable) -> None:
    row = chosen(table, "plt", adult("female", pregnancy_trimester=2))
    assert row.condition is None
    assert (row.low, row.high) == (140, 450)


def test_duffy_null_profile(table: RangeTable) -> None:
    row = chosen(table, "anc", adult("female", profiles=("duffy-null",)))
    assert (row.low, row.high) == (1.21, 5.39)
    assert row.condition == "profile-duffy-null"
    wbc = chosen(table, "wbc", adult("male", profiles=("duffy-null",)))
    assert (wbc.low, wbc.high) == (3.00, 9.66)
    plain = chosen(table, "anc", adult("female"))
    assert (plain.low, plain.high) == (1.8, 7.7)


def test_platelets_at_ten_days_by_sex(table: RangeTable) -> None:
    # Mayo '0-14 days': females 144-449, males 218-419.
    for age in (parse_age("10d"), Age.from_dates(date(2024, 1, 1), date(2024, 1, 11))):
        row = chosen(table, "plt", Patient(sex="female", age=age))
        assert (row.low, row.high) == (144, 449)
        row = chosen(table, "plt", Patient(sex="male", age=age))
        assert (row.low, row.high) == (218, 419)
        selection = table.select("plt", Patient(age=age))
        assert selection.range is None
        assert selection.reason is not None
        assert "sex" in selection.reason
        assert selection.limits() == (144, 449, 218, 419)


@pytest.mark.parametrize("sex", ["female", "male"])
def test_seventeen_year_old_uses_pediatric_band(table: RangeTable, sex: Sex) -> None:
    row = chosen(table, "hgb", adult(sex, 17))
    # ARUP '12-17 years': the WHO 2024 cut-offs for 15 and over (women 12.0, men 13.0).
    assert (row.low, row.high) == ((12.0, 16.0) if sex == "female" else (13.0, 16.0))
    assert row.origin.startswith("pediatric.toml")
    eighteen = chosen(table, "hgb", adult(sex, 18))
    assert eighteen.origin.startswith("adult.toml")


@pytest.mark.parametrize("analyte", ["rdw", "neut_pct", "band_pct", "lymph_pct"])
def test_never_borrows_an_adult_range_for_a_child(table: RangeTable, analyte: str) -> None:
    # No sourced pediatric interval is shipped for these: a 10-year-old gets no range, not the
    # adult one.
    reason = no_range(table, analyte, Patient(sex="male", age=parse_age("10")))
    assert ANALYTES[analyte].name in reason  # named for a reader
    assert chosen(table, analyte, adult("male", 40)).origin.startswith("adult.toml")


def test_critical_limits_selected(table: RangeTable) -> None:
    crit = table.select("hgb", adult("female"), "critical").range
    assert crit is not None
    assert (crit.critical_low, crit.critical_high) == (6.6, 19.9)
    assert crit.origin.startswith("critical_limits.toml")
    anc = table.select("anc", adult("male"), "critical").range
    assert anc is not None
    assert (anc.critical_low, anc.critical_high) == (0.5, None)


# --- layering ---------------------------------------------------------------------------------


def test_lab_file_layers_over_defaults(tmp_path: Path) -> None:
    lab = tmp_path / "lab.toml"
    lab.write_text(LAB_HGB, encoding="utf-8")
    table = load_ranges([lab])
    assert table.sources[-1] == str(lab)

    woman = chosen(table, "hgb", adult("female", 30))
    assert (woman.low, woman.high) == (11.5, 15.0)
    assert woman.layer == 1
    assert woman.origin == "lab.toml, range #1"
    assert woman.source == "Example lab, printed range"

    child = chosen(table, "hgb", Patient(sex="female", age=parse_age("10")))
    assert (child.low, child.high) == (11.5, 15.5)
    assert child.layer == 0

    crit = table.select("hgb", adult("female", 30), "critical").range
    assert crit is not None
    assert crit.layer == 0
    assert (crit.critical_low, crit.critical_high) == (6.6, 19.9)


def test_lab_file_units_are_converted(tmp_path: Path) -> None:
    lab = tmp_path / "lab_si.toml"
    lab.write_text(
        '[[range]]\nanalyte = "Haemoglobin"\nsex = "female"\nage_from = "18y"\n'
        'low = 115\nhigh = 150\ncritical_low = 60\nunit = "g/L"\nsource = "SI lab"\n\n'
        '[[range]]\nanalyte = "777-3"\nage_from = "18y"\nlow = 150000\nhigh = 400000\n'
        'unit = "/uL"\nsource = "SI lab"\n',
        encoding="utf-8",
    )
    rows = load_range_file(lab)
    assert rows[0].analyte == "hgb"
    assert rows[0].low == pytest.approx(11.5)
    assert rows[0].high == pytest.approx(15.0)
    assert rows[0].critical_low == pytest.approx(6.0)
    assert rows[0].unit == "g/dL"
    assert rows[1].analyte == "plt"
    assert rows[1].low == pytest.approx(150)
    assert rows[1].high == pytest.approx(400)


def test_lab_critical_limits_win_over_defaults(tmp_path: Path) -> None:
    lab = tmp_path / "crit.toml"
    lab.write_text(
        '[[range]]\nanalyte = "plt"\nage_from = "18y"\ncritical_low = 20\nunit = "10^9/L"\n'
        'source = "our call list"\n',
        encoding="utf-8",
    )
    table = load_ranges([lab])
    crit = table.select("plt", adult("male"), "critical").range
    assert crit is not None
    assert (crit.critical_low, crit.critical_high) == (20, None)
    # The reference interval still comes from the defaults.
    assert chosen(table, "plt", adult("male")).layer == 0


# --- validation -------------------------------------------------------------------------------


def _row(**fields: object) -> str:
    base: dict[str, object] = {
        "analyte": "plt",
        "age_from": "18y",
        "low": 150,
        "high": 400,
        "unit": "10^9/L",
        "source": "test lab",
    }
    base.update(fields)
    lines = ["[[range]]"]
    for key, value in base.items():
        if value is None:
            continue
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n\n"


GOOD = _row(analyte="hgb", low=12.0, high=16.0, unit="g/dL")

ROW_ERRORS = [
    pytest.param(GOOD + _row(analyte="platelet-ish"), 2, "unknown analyte", id="unknown-analyte"),
    pytest.param(_row(unit="g/L"), 1, "unknown unit", id="unconvertible-unit"),
    pytest.param(GOOD + _row(low=400, high=150), 2, "greater than", id="low-above-high"),
    pytest.param(
        _row(critical_low=50, critical_high=20, low=None, high=None),
        1,
        "critical_low 50 is greater than critical_high 20",
        id="critical-low-above-high",
    ),
    pytest.param(_row(age_from="18 years"), 1, "whole number", id="bad-age-syntax"),
    pytest.param(_row(age_from="6x"), 1, "whole number", id="bad-age-unit"),
    pytest.param(_row(age_from="2y", age_to="1y"), 1, "not before", id="age-from-after-to"),
    pytest.param(_row(age_from="1y", age_to="12m"), 1, "not before", id="age-from-equals-to"),
    pytest.param(_row(condition="pregnant"), 1, "unknown condition", id="unknown-condition"),
    pytest.param(_row(source=None), 1, "source", id="missing-source"),
    pytest.param(_row(source=""), 1, "source", id="empty-source"),
    pytest.param(_row(low=None, high=None), 1, "sets no limit", id="no-limits"),
    pytest.param(_row(low=-1), 1, "negative", id="negative-limit"),
    pytest.param(_row(sex="woman"), 1, "sex", id="bad-sex"),
    pytest.param(_row(lo=1), 1, "lo", id="unknown-row-key"),
    pytest.param(_row(unit=None), 1, "unit", id="missing-unit"),
]


@pytest.mark.parametrize(("text", "index", "message"), ROW_ERRORS)
def test_row_validation_errors(tmp_path: Path, text: str, index: int, message: str) -> None:
    path = tmp_path / "bad_lab.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RangeFileError) as info:
        load_ranges([path])
    error = info.value
    assert "bad_lab.toml" in str(error)
    assert f"range #{index}" in str(error)
    assert message in str(error)
    assert error.location == f"range #{index}"
    assert error.path == str(path)
    assert exit_code(error) == 4


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(GOOD + GOOD, id="duplicate-rows"),
        pytest.param(
            GOOD + _row(analyte="hgb", sex="female", age_from="30y", unit="g/dL"),
            id="overlapping-bands",
        ),
        pytest.param(
            _row(age_from="1y", age_to="3y") + _row(age_from="2y", age_to="5y"),
            id="overlapping-ages",
        ),
        pytest.param(
            _row(age_from="1m", age_to="2m") + _row(age_from="30d", age_to="60d"),
            id="overlap-across-units",
        ),
    ],
)
def test_overlapping_rows_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "overlap_lab.toml"
    path.write_text(text, encoding="utf-8")
    load_range_file(path)  # each row is valid on its own
    with pytest.raises(RangeFileError) as info:
        load_ranges([path])
    message = str(info.value)
    assert "overlap_lab.toml, range #1" in message
    assert "overlap_lab.toml, range #2" in message
    assert exit_code(info.value) == 4


def test_rows_that_do_not_overlap_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ok_lab.toml"
    path.write_text(
        _row(analyte="hgb", sex="female", low=12.0, high=15.5, unit="g/dL")
        + _row(analyte="hgb", sex="male", low=13.5, high=17.0, unit="g/dL")
        + _row(age_from="1y", age_to="2y")
        + _row(age_from="2y", age_to="18y")
        + _row(analyte="anc", condition="profile-duffy-null", low=1.2, high=5.4)
        + _row(analyte="anc", low=1.8, high=7.7)
        + _row(analyte="hgb", sex="any", critical_low=7.0, low=None, high=None, unit="g/dL"),
        encoding="utf-8",
    )
    table = load_ranges([path])
    assert len([r for r in table.rows if r.layer == 1]) == 7
    assert len([r for r in table.rows_for("hgb") if r.layer == 1]) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("this is not = = toml [[\n", "not valid TOML", id="not-toml"),
        pytest.param("version = 2\n\n" + GOOD, "unknown key 'version'", id="unknown-top-key"),
        pytest.param("", "no [[range]] tables", id="empty-file"),
        pytest.param("range = []\n", "range", id="no-rows"),
        pytest.param('range = "hgb"\n', "range", id="range-not-a-table"),
    ],
)
def test_file_validation_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken_lab.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RangeFileError) as info:
        load_ranges([path])
    assert "broken_lab.toml" in str(info.value)
    assert message in str(info.value)
    assert info.value.path == str(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RangeFileError) as info:
        load_ranges([path])
    assert "nowhere.toml" in str(info.value)
    assert "no such file" in str(info.value)
    assert info.value.hint is not None


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace("test lab", "Labor Zürich").encode("latin-1"))
    with pytest.raises(RangeFileError) as info:
        load_ranges([path])
    assert "latin1.toml" in str(info.value)


# --- critical limits by age, and when the age is not known ---------------------------------------


def critical(table: RangeTable, analyte: str, patient: Patient) -> tuple[object, ...]:
    row = table.select(analyte, patient, "critical").range
    assert row is not None
    return (row.critical_low, row.critical_high)


@pytest.mark.parametrize(
    ("analyte", "limits"),
    [
        ("hgb", (6.9, 19.9)),
        ("hct", (20, 61)),
        ("plt", (53, 910)),
        ("wbc", (2.1, 37.0)),
        ("anc", (0.5, None)),
    ],
)
def test_age_unknown_uses_the_age_unknown_rows(
    table: RangeTable, analyte: str, limits: tuple[object, ...]
) -> None:
    for patient in (Patient(), Patient(sex="female"), Patient(sex="male")):
        assert critical(table, analyte, patient) == limits
        row = table.select(analyte, patient, "critical").range
        assert row is not None
        assert row.condition == "age-unknown"
    # With an age, the age band's row, never the age-unknown one.
    row = table.select(analyte, adult("female", 40), "critical").range
    assert row is not None
    assert row.condition is None


def test_patient_meets_age_unknown_exactly_without_an_age() -> None:
    assert "age-unknown" in Patient().conditions
    assert "age-unknown" in Patient(sex="female", pregnancy_trimester=2).conditions
    assert "age-unknown" not in Patient(age=parse_age("0d")).conditions


@pytest.mark.parametrize(
    ("analyte", "age", "limits"),
    [
        ("hgb", "40", (6.6, 19.9)),  # Kost 1990
        ("hgb", "10", (6.9, 20.8)),  # Kost 1991
        ("hgb", "1m", (6.9, 20.8)),
        ("hgb", "10d", (10.0, 25.0)),  # St. Luke's 0-14 days
        ("hgb", "3w", (8.0, 25.0)),  # OhioHealth neonates
        ("hct", "10d", (30, 70)),  # St. Luke's 0-14 days
        ("hct", "3w", (24, 70)),  # St. Luke's 15-30 days
        ("hct", "17", (20, 62)),  # Kost 1991
        ("plt", "10d", (50, 1000)),  # St. Luke's 0-14 days
        ("plt", "3w", (30, 1000)),  # St. Luke's over 14 days
        ("plt", "5", (53, 916)),  # Kost 1991
        ("plt", "18", (37, 910)),  # Kost 1990
        ("wbc", "5d", (2.0, 50.0)),  # OhioHealth neonates
        ("wbc", "2", (2.1, 42.9)),  # Kost 1991
        ("anc", "5d", (0.5, None)),  # all ages
        ("anc", "10", (0.5, None)),
        ("anc", "70", (0.5, None)),
    ],
)
def test_critical_limits_by_age(
    table: RangeTable, analyte: str, age: str, limits: tuple[object, ...]
) -> None:
    assert critical(table, analyte, Patient(sex="male", age=parse_age(age))) == limits


# --- every range that could apply ----------------------------------------------------------------


def test_envelope_of_every_hemoglobin_range(table: RangeTable) -> None:
    # Lower limits 9.0 (61-90 days) to 14.5 (1-6 days); upper limits 13.5 (91 days to 5 years)
    # to 22.5 (1-6 days), adults included (Merck: 12.0-16.0 women, 14.0-17.0 men).
    selection = table.select("hgb", Patient())
    assert selection.range is None
    assert selection.limits() == (9.0, 22.5, 14.5, 13.5)
    origins = {r.origin.split(",")[0] for r in selection.candidates}
    assert origins == {"pediatric.toml", "adult.toml"}
    assert all(r.condition is None for r in selection.candidates)


def test_envelope_of_both_sexes_at_one_age(table: RangeTable) -> None:
    selection = table.select("hgb", Patient(age=parse_age("30")))
    assert selection.limits() == (12.0, 17.0, 14.0, 16.0)
    assert len(selection.candidates) == 2


def test_envelope_of_a_coarse_age(table: RangeTable) -> None:
    # "0" years spans every band to the first birthday: ARUP 0 days to 6-23 months.
    selection = table.select("hgb", Patient(sex="female", age=parse_age("0")))
    assert selection.range is None
    assert selection.reason is not None
    assert "not precise enough" in selection.reason
    assert selection.limits() == (9.0, 22.5, 14.5, 13.5)
    assert all(r.origin.startswith("pediatric.toml") for r in selection.candidates)


def test_no_candidates_where_some_age_has_no_range(table: RangeTable) -> None:
    selection = table.select("rdw", Patient(sex="female"))
    assert selection.candidates == ()
    assert selection.limits() is None
    assert selection.reason is not None
    assert "0d to 18y" in selection.reason


def test_candidates_follow_the_layers(tmp_path: Path) -> None:
    # A lab's adult-only file: for an unknown age, its row for adults and the shipped rows for
    # children could apply; the shipped adult row could not (the lab's wins for adults).
    lab = tmp_path / "lab.toml"
    lab.write_text(LAB_HGB, encoding="utf-8")
    table = load_ranges([lab])
    selection = table.select("hgb", Patient(sex="female"))
    files = {r.origin.split(",")[0] for r in selection.candidates}
    assert files == {"lab.toml", "pediatric.toml"}
    assert selection.limits() == (9.0, 22.5, 14.5, 13.5)


def test_conditions_come_before_other_rows_in_the_envelope(table: RangeTable) -> None:
    # Duffy-null is an adult profile: for an unknown age the children's rows still could apply.
    selection = table.select("anc", Patient(sex="female", profiles=("duffy-null",)))
    conditions = {r.condition for r in selection.candidates}
    assert conditions == {"profile-duffy-null", None}
    assert not any(r.origin.startswith("adult.toml") for r in selection.candidates)


# --- gaps and overlaps ---------------------------------------------------------------------------


def test_shipped_defaults_have_no_gap(table: RangeTable) -> None:
    shipped = [r for r in table.rows if r.layer == 0]
    check_layer(shipped, complete=True)
    banded = {r.analyte for r in shipped if r.age_to is not None and r.has("reference")}
    assert banded == {"wbc", "rbc", "hgb", "hct", "mcv", "mch", "mchc", "plt", "anc", "alc"}


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        (("hgb", "female", "12y"), "gap from 12y to 18y"),
        (("plt", "male", "0d"), "gap from 0d to 15d"),
        (("wbc", "any", "18y"), "gap from 18y to no upper end"),
    ],
)
def test_a_missing_band_is_a_gap(
    table: RangeTable, drop: tuple[str, str, str], message: str
) -> None:
    analyte, sex, start = drop
    rows = [
        r
        for r in table.rows
        if r.layer == 0
        and not (
            r.analyte == analyte
            and r.sex == sex
            and str(r.age_from) == start
            and r.condition is None
            and r.has("reference")
        )
    ]
    assert len(rows) == len([r for r in table.rows if r.layer == 0]) - 1
    with pytest.raises(RangeFileError) as info:
        check_layer(rows, complete=True)
    assert message in str(info.value)
    assert analyte in str(info.value)
    check_layer(rows)  # no overlap: only the gap check refuses it


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _row(age_from="0d", age_to="1y") + _row(age_from="2y"), "gap from 1y to 2y", id="inner"
        ),
        pytest.param(_row(age_from="0d", age_to="18y"), "18y to no upper end", id="no-upper-end"),
        pytest.param(_row(age_from="1m", age_to="18y") + _row(), "gap from 0d to 1m", id="start"),
        pytest.param(
            _row(age_from="0d", age_to="30d") + _row(age_from="1m"), "30d to 1m", id="units"
        ),
        pytest.param(
            _row(sex="female", age_from="0d", age_to="18y")
            + _row(sex="male", age_from="0d", age_to="17y")
            + _row(sex="any", age_from="18y"),
            "male leave a gap from 17y to 18y",
            id="one-sex",
        ),
    ],
)
def test_gaps_refused_when_asked(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gappy_lab.toml"
    path.write_text(text, encoding="utf-8")
    rows = load_range_file(path, 1)
    check_layer(rows)  # a lab's file may cover only some ages: the defaults fill the rest
    with pytest.raises(RangeFileError) as info:
        check_layer(rows, complete=True)
    assert message in str(info.value)
    assert "gappy_lab.toml, range #" in str(info.value)


def test_complete_file_accepted(tmp_path: Path) -> None:
    path = tmp_path / "full_lab.toml"
    path.write_text(
        _row(age_from="0d", age_to="1m")
        + _row(age_from="1m", age_to="2y")
        + _row(sex="female", age_from="2y")
        + _row(sex="male", age_from="2y")
        # A one-sex group (a condition) is checked for that sex only; unbanded rows are exempt.
        + _row(analyte="hgb", sex="female", condition="pregnancy-1", low=11, high=14, unit="g/dL")
        + _row(analyte="rdw", low=11.5, high=14.5, unit="%"),
        encoding="utf-8",
    )
    check_layer(load_range_file(path, 1), complete=True)


def _big_file(path: Path, *, overlap: bool = False) -> None:
    """8,000 rows: 10 analytes x 2 sexes x 399 one-day bands and an open last band."""
    analytes = ("wbc", "rbc", "hgb", "hct", "mcv", "mch", "mchc", "plt", "anc", "alc")
    units = {"wbc": "10^9/L", "rbc": "10^12/L", "hgb": "g/dL", "hct": "%", "mcv": "fL"}
    units |= {"mch": "pg", "mchc": "g/dL", "plt": "10^9/L", "anc": "10^9/L", "alc": "10^9/L"}
    parts = []
    for analyte in analytes:
        for sex in ("female", "male"):
            for day in range(399):
                parts.append(
                    f'[[range]]\nanalyte = "{analyte}"\nsex = "{sex}"\nage_from = "{day}d"\n'
                    f'age_to = "{day + 1}d"\nlow = 1\nhigh = 2\nunit = "{units[analyte]}"\n'
                    'source = "generated"\n'
                )
            last = 398 if overlap and analyte == "alc" and sex == "male" else 399
            parts.append(
                f'[[range]]\nanalyte = "{analyte}"\nsex = "{sex}"\nage_from = "{last}d"\n'
                f'low = 1\nhigh = 2\nunit = "{units[analyte]}"\nsource = "generated"\n'
            )
    path.write_text("\n".join(parts), encoding="utf-8")


def test_eight_thousand_rows_validate(tmp_path: Path) -> None:
    path = tmp_path / "big_lab.toml"
    _big_file(path)
    rows = load_range_file(path, 1)
    assert len(rows) == 8000
    check_layer(rows, complete=True)
    _big_file(path, overlap=True)
    with pytest.raises(RangeFileError) as info:
        check_layer(load_range_file(path, 1))
    assert "big_lab.toml, range #7999" in str(info.value)
    assert "big_lab.toml, range #8000" in str(info.value)


def test_validate_complete_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gappy_lab.toml"
    path.write_text(_row(age_from="0d", age_to="1y") + _row(age_from="2y"), encoding="utf-8")
    code, out, _ = run_cli(capsys, "ranges", "validate", str(path))
    assert code == 0
    assert "valid" in out
    code, out, err = run_cli(capsys, "ranges", "validate", "--complete", str(path))
    assert code == 4
    assert "gap from 1y to 2y" in err


def test_pediatric_hemoglobin_lower_limits_meet_who_2024(table: RangeTable) -> None:
    # WHO 2024 anaemia cut-offs: 6-23 months 10.5, 5-11 years 11.5, 12-14 years 12.0, women
    # (15 and over) 12.0, men 13.0; ARUP/Dallman's lower limits at those ages.
    cases = [("female", "1", 10.5), ("male", "8", 11.5), ("female", "13", 12.0)]
    cases += [("female", "16", 12.0), ("male", "16", 13.0)]
    for sex, age, low in cases:
        row = chosen(table, "hgb", Patient(sex=sex, age=parse_age(age)))  # type: ignore[arg-type]
        assert row.low == low, (sex, age)


def test_command_line_says_how_a_value_without_an_age_was_judged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "check", "--hgb", "5.0")
    assert code == 0
    assert "all that could apply" in out
    assert "every range that could apply" in out
    code, out, _ = run_cli(capsys, "ranges", "show", "hgb", "--sex", "female")
    assert code == 0
    assert "No single range" in out


def test_age_unknown_rows_are_critical_at_any_age_from_a_month(table: RangeTable) -> None:
    # Each age-unknown limit is the strictest of the age bands from 1 month up (children's and
    # adults'): a value critical for any of them is critical without an age, so that a missing
    # age never gives a weaker answer than an adult's or a child's own limit. Newborns' own
    # limits need the baby's age.
    crit = [r for r in table.rows if r.has("critical") and r.layer == 0]
    mean_days = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}
    for row in (r for r in crit if r.condition == "age-unknown"):
        banded = [
            r
            for r in crit
            if r.analyte == row.analyte
            and r.condition is None
            and (r.age_to is None or r.age_to.n * mean_days[r.age_to.unit] > 30.4375)
        ]
        assert banded, row.analyte
        if row.critical_low is not None:
            assert row.critical_low == max(r.critical_low or 0 for r in banded), row.analyte
        if row.critical_high is not None:
            highs = [r.critical_high for r in banded if r.critical_high is not None]
            assert row.critical_high == min(highs), row.analyte


@pytest.mark.parametrize(
    ("analyte", "low", "high"),
    # Kost 1990 adults, Kost 1991 children: the looser of the two on each side, beyond which a
    # value is critical at every age from 1 month up.
    [("plt", 37, 916), ("wbc", 2.0, 42.9), ("hgb", 6.6, 20.8), ("hct", 18, 62)],
)
def test_critical_at_some_age_knows_the_looser_limit_of_children_and_adults(
    table: RangeTable, analyte: str, low: float, high: float
) -> None:
    for patient in (Patient(), Patient(sex="female")):
        some = table.critical_at_some_age(analyte, patient)
        assert some is not None
        assert (some.low, some.high) == (low, high)
    # With an age the person's own band decides: nothing to weigh.
    assert table.critical_at_some_age(analyte, adult("female", 40)) is None
