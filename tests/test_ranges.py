"""Tests for cbc_cli.ranges: shipped defaults, selection by sex/age/condition, layering, validation.

Expected numbers are those of docs/clinical.md section 3.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.errors import RangeFileError
from cbc_cli.panel import Patient, Sex
from cbc_cli.ranges import (
    RangeTable,
    ReferenceRange,
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
    assert "hgb" in reason


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
    assert "hgb" in reason


def test_exact_age_selects_pediatric_band(table: RangeTable) -> None:
    age = Age.from_dates(date(2024, 1, 1), date(2024, 2, 15))  # 45 days old
    assert age.exact_days == 45
    row = chosen(table, "hgb", Patient(sex="male", age=age))
    assert (row.low, row.high) == (10.7, 17.1)
    assert row.origin.startswith("pediatric.toml")


@pytest.mark.parametrize(
    ("born", "collected", "low", "high"),
    [
        (date(2024, 3, 1), date(2024, 3, 1), 13.4, 19.9),  # day of birth
        (date(2024, 1, 31), date(2024, 2, 29), 13.4, 19.9),  # 29 days, not yet a month
        (date(2024, 1, 1), date(2024, 2, 1), 10.7, 17.1),  # one month exactly
        (date(2024, 1, 1), date(2024, 3, 1), 9.0, 14.1),  # two months exactly
        (date(2023, 1, 1), date(2024, 1, 1), 10.3, 14.3),  # first birthday
        (date(2008, 5, 2), date(2024, 5, 1), 10.7, 14.0),  # the day before 16
        (date(2008, 5, 1), date(2024, 5, 1), 11.0, 15.0),  # 16th birthday
    ],
)
def test_exact_age_band_edges(
    table: RangeTable, born: date, collected: date, low: float, high: float
) -> None:
    row = chosen(table, "hgb", Patient(age=Age.from_dates(born, collected)))
    assert (row.low, row.high) == (low, high)


def test_age_is_taken_at_collection_not_today(table: RangeTable) -> None:
    # Born 2006-06-01, sampled 2024-05-31: still 17, so the 16y-18y band, not the adult one.
    age = Age.from_dates(date(2006, 6, 1), date(2024, 5, 31))
    row = chosen(table, "hgb", Patient(sex="female", age=age))
    assert (row.low, row.high) == (11.0, 15.0)


def test_pregnancy_second_trimester(table: RangeTable) -> None:
    row = chosen(table, "hgb", adult("female", pregnancy_trimester=2))
    assert row.low == 10.5
    assert row.high is None
    assert row.condition == "pregnancy-2"


@pytest.mark.parametrize("trimester", [1, 3])
def test_pregnancy_first_and_third_trimester(table: RangeTable, trimester: int) -> None:
    row = chosen(table, "hgb", adult("female", pregnancy_trimester=trimester))
    assert (row.low, row.high) == (11.0, None)


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


def test_platelets_at_ten_days_have_no_range(table: RangeTable) -> None:
    for age in (parse_age("10d"), Age.from_dates(date(2024, 1, 1), date(2024, 1, 11))):
        reason = no_range(table, "plt", Patient(sex="female", age=age))
        assert "plt" in reason
        assert "10 days" in reason


@pytest.mark.parametrize("sex", ["female", "male"])
def test_seventeen_year_old_uses_pediatric_band(table: RangeTable, sex: Sex) -> None:
    row = chosen(table, "hgb", adult(sex, 17))
    assert (row.low, row.high) == (11.0, 15.0)
    assert row.origin.startswith("pediatric.toml")
    eighteen = chosen(table, "hgb", adult(sex, 18))
    assert eighteen.origin.startswith("adult.toml")


def test_never_borrows_an_adult_range_for_a_child(table: RangeTable) -> None:
    # No pediatric platelet band is shipped: a 10-year-old gets no range, not the adult one.
    reason = no_range(table, "plt", Patient(sex="male", age=parse_age("10")))
    assert "plt" in reason
    # And no critical limit: those shipped are adult-only.
    crit = table.select("hgb", Patient(sex="male", age=parse_age("10")), "critical")
    assert crit.range is None
    assert crit.reason is not None
    assert "critical limit" in crit.reason


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
    assert (child.low, child.high) == (10.7, 14.0)
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
    assert error.exit_code == 4


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
    assert info.value.exit_code == 4


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
