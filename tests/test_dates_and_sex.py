"""The one date parser and the one sex vocabulary: what labs send, and what is never guessed."""

from __future__ import annotations

import io
import tomllib
from datetime import datetime

import pytest
from helpers import run_cli

from cbc_cli import interpret_file
from cbc_cli.errors import InputError, UsageError
from cbc_cli.parse import SEX_CODES_FILE, parse_date, parse_moment, parse_sex, sex_codes
from cbc_cli.text import fold


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-03-12", "2024-03-12"),
        ("2024-03-12T08:30", "2024-03-12T08:30"),
        ("2024-03-12 08:30:15+01:00", "2024-03-12T08:30:15+01:00"),
        ("2024/03/12", "2024-03-12"),
        ("20240312", "2024-03-12"),  # HL7 v2 DTM
        ("202403120830", "2024-03-12T08:30"),
        ("20240312083015+0100", "2024-03-12T08:30:15+01:00"),
        ("12.03.2024", "2024-03-12"),  # day-first with dots (German, Polish, ...)
        ("03.12.2024", "2024-12-03"),  # dots are day-first even when both parts are 12 or less
        ("13/03/2024", "2024-03-13"),  # 13 cannot be a month: day-first
        ("13-03-2024", "2024-03-13"),
        ("03/13/2024", "2024-03-13"),  # 13 cannot be a month: month-first
        ("05/05/2024", "2024-05-05"),  # the same either way round
        ("12.03.2024 08:30", "2024-03-12T08:30"),
        ("2024-03", "2024-03"),  # a month stays a month
        ("1970", "1970"),
    ],
)
def test_dates_labs_write(text: str, iso: str) -> None:
    assert parse_moment(text).iso() == iso


@pytest.mark.parametrize("text", ["03/04/2024", "03-04-2024", "11/12/2024 08:30"])
def test_an_ambiguous_slash_date_is_never_guessed(text: str) -> None:
    with pytest.raises(InputError, match="either way round") as exc:
        parse_date(text, "dob")
    assert "--date-format" in str(exc.value)
    assert text not in str(exc.value)  # a birth date identifies a person: never quoted


@pytest.mark.parametrize(
    ("date_format", "expected"),
    [("dmy", "2024-04-03"), ("mdy", "2024-03-04"), ("%d/%m/%Y", "2024-04-03")],
)
def test_a_declared_format_decides(date_format: str, expected: str) -> None:
    assert parse_date("03/04/2024", "dob", date_format).isoformat() == expected
    # Year-first dates are read whatever the format.
    assert parse_date("2024-04-03", "dob", date_format).isoformat() == "2024-04-03"


def test_ymd_refuses_a_year_last_date_and_bad_formats_are_usage_errors() -> None:
    with pytest.raises(InputError, match="year last"):
        parse_date("13/03/2024", "dob", "ymd")
    with pytest.raises(UsageError, match="not a date format"):
        parse_date("2024-03-12", "dob", "european")


@pytest.mark.parametrize("text", ["3/4/24", "yesterday", "", "2024-1-2-3"])
def test_unknown_dates_are_refused_with_the_shapes_read(text: str) -> None:
    with pytest.raises(InputError, match="not a date") as caught:
        parse_date(text, "dob")
    assert "YYYY-MM-DD" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "text",
    ["31/02/2024", "2024-02-30", "2024-13-01", "20241301", "31.04.2024", "2024-03-01T25:00"],
)
def test_a_date_written_right_that_names_no_day_is_a_slip_to_check(text: str) -> None:
    # Someone who wrote the date in a shape cbc reads is not told how to write it: a month
    # past 12 or a day past the month's end is a typing slip to check against the report.
    with pytest.raises(InputError, match="names no real day or time") as caught:
        parse_date(text, "dob")
    assert caught.value.code == "date.invalid"
    assert "lab report" in (caught.value.hint or "")
    assert "YYYY-MM-DD" not in (caught.value.hint or "")


def test_a_date_with_only_a_month_is_not_a_birth_date() -> None:
    with pytest.raises(InputError, match="only a month"):
        parse_date("2024-03", "dob")


def test_time_zone_and_fraction_are_kept() -> None:
    moment = parse_moment("2024-03-12T08:30:15.250-05:00")
    assert moment.when.utcoffset() is not None
    assert moment.when.replace(tzinfo=None) == datetime(2024, 3, 12, 8, 30, 15, 250000)
    assert moment.iso() == "2024-03-12T08:30:15.25-05:00"


@pytest.mark.parametrize(
    ("code", "sex"),
    [
        ("F", "female"),
        ("m", "male"),
        ("Female", "female"),
        ("2", "female"),  # ISO/IEC 5218
        ("1", "male"),
        ("w", "female"),  # German weiblich
        ("Männlich", "male"),
        ("mannlich", "male"),  # accents do not matter
        ("FRAU", "female"),
        ("Homme", "male"),
        ("féminin", "female"),
        ("hombre", "male"),
        ("Mujer", "female"),
        ("masculino", "male"),
        ("feminino", "female"),
        ("femenino", "female"),
        ("maschio", "male"),
        ("femmina", "female"),
        ("vrouw", "female"),
        ("Mężczyzna", "male"),
        ("kobieta", "female"),
        ("K", "female"),  # Polish kobieta; M = mężczyzna is male as in HL7
        ("kvinna", "female"),
    ],
)
def test_sex_codes(code: str, sex: str) -> None:
    assert parse_sex(code) == sex


@pytest.mark.parametrize("code", ["U", "O", "A", "N", "0", "9", "unknown", "other", "divers"])
def test_codes_for_not_known_or_other_give_no_sex(code: str) -> None:
    assert parse_sex(code) is None


# V: Dutch vrouw (female) but Spanish varón (male), as in V/M forms.
@pytest.mark.parametrize("code", ["H", "V", "Q", "femal"])
def test_other_codes_are_not_guessed(code: str) -> None:
    with pytest.raises(InputError, match="not a sex code"):
        parse_sex(code)


def test_the_vocabulary_names_its_sources_and_no_code_means_two_things() -> None:
    systems = tomllib.loads(SEX_CODES_FILE.read_text(encoding="utf-8"))
    assert {"iso_5218", "hl7_0001", "fhir_administrative_gender"} <= set(systems)
    seen: dict[str, str] = {}
    for name, system in systems.items():
        assert system["source"].strip(), name
        for meaning in ("female", "male", "unknown"):
            for code in system.get(meaning, ()):
                assert seen.setdefault(fold(code), meaning) == meaning, (name, code)
    # ISO/IEC 5218 and HL7 table 0001 as published.
    assert systems["iso_5218"]["male"] == ["1"]
    assert systems["iso_5218"]["female"] == ["2"]
    assert systems["hl7_0001"]["male"] == ["M"]
    assert systems["hl7_0001"]["female"] == ["F"]
    assert "h" not in sex_codes()  # homme/hombre vs H/M files that mean M = mujer


def _file(rows: str) -> io.BytesIO:
    return io.BytesIO(("sample_id,sex,dob,collected_at,hgb\n" + rows).encode())


def test_file_dates_ambiguous_without_a_format_and_read_with_one() -> None:
    rows = "A,F,03/04/1970,10/05/2024,9.1\nB,Frau,13.04.1970,2024-05-10,9.1\n"
    first, second = interpret_file(_file(rows))
    assert first.patient.age is None
    assert first.patient.birth_date is None
    assert any("either way round" in e.message for e in first.cell_errors)
    assert second.patient.sex == "female"
    assert second.patient.birth_date == "1970-04-13"
    assert second.patient.age == "54 y"
    dmy = next(interpret_file(_file(rows), date_format="dmy"))
    assert (dmy.patient.birth_date, dmy.collected_at) == ("1970-04-03", "2024-05-10")
    mdy = next(interpret_file(_file(rows), date_format="mdy"))
    assert (mdy.patient.birth_date, mdy.collected_at) == ("1970-03-04", "2024-10-05")


def test_cli_date_format_on_check(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "dates.csv"
    path.write_text("sample_id,sex,dob,collected_at,hgb\nA,F,03/04/1970,10/05/2024,9.1\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert "either way round" in out
    code, out, err = run_cli(
        capsys, "check", str(path), "--format", "ndjson", "--date-format", "dmy"
    )
    assert code == 0, err
    assert '"birth_date": "1970-04-03"' in out
    code, out, err = run_cli(capsys, "check", str(path), "--date-format", "sideways")
    assert code == 2
    assert "not a date format" in err


def test_an_ambiguous_date_names_the_order_the_file_has_shown() -> None:
    rows = "A,F,13/04/1970,2024-05-10,9.1\nB,F,03/04/1970,2024-05-10,9.1\n"
    first, second = interpret_file(_file(rows))
    assert first.patient.birth_date == "1970-04-13"
    [error] = second.cell_errors
    assert "either way round" in error.message
    assert "other dob dates in this file are day-first (line 2)" in error.message
    assert "--date-format dmy" in error.message
    assert second.patient.birth_date is None  # still not guessed


def test_trend_says_which_order_would_read_the_ambiguous_draws(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "draws.csv"
    path.write_text(
        "patient_id,collected_at,anc,plt,hgb\n"
        "P1,01/03/2026,2.0,150,12\n"
        "P1,05/03/2026,0.4,40,9\n"
        "P1,13/03/2026,1.2,90,10\n"
    )
    code, out, err = run_cli(capsys, "trend", str(path), "--format", "json")
    report = __import__("json").loads(out)
    assert code == 3, err
    assert [u["line"] for u in report["unplaced"]] == [2, 3]  # never guessed
    assert any("--date-format dmy" in n and "line 4" in n for n in report["notes"])
    code, out, err = run_cli(capsys, "trend", str(path), "--format", "json", "--date-format", "dmy")
    assert code == 0, err
    report = __import__("json").loads(out)
    assert report["unplaced"] == []
    draws = report["persons"][0]["draws"]
    assert [d["collected_at"] for d in draws] == ["2026-03-01", "2026-03-05", "2026-03-13"]


@pytest.mark.parametrize(
    ("what", "field"),
    [("collected_at", "collected_at"), ("{collected}", "collected"), ("--since", "since")],
)
def test_a_date_error_names_its_field_as_data(what: str, field: str) -> None:
    # The field is data on the error, whatever words the message uses (a value typed as an
    # option or keyword is echoed in the message, a column's never is).
    with pytest.raises(InputError) as caught:
        parse_moment("2024-13-45", what)
    assert caught.value.field == field
    assert ("2024-13-45" in caught.value.message) == what.startswith(("--", "{"))
