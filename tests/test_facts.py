"""Facts carried forward: the Result holds the patient id, collection time, birth date and unit
given, so that writers need nothing else (no date of birth worked back from an age)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import run_cli

from cbc_cli import interpret, interpret_file
from cbc_cli.api import resolve_scheme, scheme_info
from cbc_cli.models import Result
from cbc_cli.writers.fhir_writer import FhirWriter
from cbc_cli.writers.hl7_writer import Hl7Writer

NOW = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)


def _oru(obr7: str, pid7: str = "19700115") -> bytes:
    return (
        "MSH|^~\\&|LIS|LAB|||20240312091512||ORU^R01|M1|P|2.5.1\r"
        f"PID|1||MRN0042^^^H^MR||Doe^Jo||{pid7}|F\r"
        f"OBR|1|PLC|FIL1|58410-2^CBC^LN|||{obr7}\r"
        "OBX|1|NM|718-7^Hemoglobin^LN||87|g/L|120-160|L|||F\r"
        "OBX|2|NM|777-3^Platelets^LN||62|10*3/uL|150-400|L|||F\r"
    ).encode()


def _fhir(results: list[Result]) -> dict[str, Any]:
    out = io.StringIO()
    writer = FhirWriter(out, scheme_info(resolve_scheme("ctcae5")), now=NOW)
    for result in results:
        writer.write_result(result)
    writer.close()
    bundle: dict[str, Any] = json.loads(out.getvalue())
    return bundle


def _hl7(results: list[Result]) -> list[str]:
    out = io.StringIO()
    writer = Hl7Writer(out, scheme_info(resolve_scheme("ctcae5")), now=NOW)
    for result in results:
        writer.write_result(result)
    writer.close()
    return out.getvalue().split("\r")


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    entries = bundle["entry"]
    assert isinstance(entries, list)
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == kind]


def test_the_result_holds_what_the_hl7_message_said() -> None:
    [result] = interpret_file(io.BytesIO(_oru("202403120830+0100")))
    assert result.patient_id == "MRN0042"
    assert result.collected_at == "2024-03-12T08:30+01:00"
    assert result.patient.birth_date == "1970-01-15"
    assert result.patient.age == "54 y"
    assert result.patient.age_exact
    units = {a.analyte: a.unit_given for a in result.analytes}
    assert units == {"hgb": "g/L", "plt": "10*3/uL"}
    assert {a.analyte: a.unit for a in result.analytes} == {"hgb": "g/dL", "plt": "10^9/L"}


def test_a_real_birth_date_round_trips_without_a_collection_time() -> None:
    # No OBR-7: no age can be worked out, so no birth date could be rebuilt from one; the real
    # one is still carried to both outputs.
    [result] = interpret_file(io.BytesIO(_oru("")))
    assert result.patient.age is None
    assert result.collected_at is None
    assert result.patient.birth_date == "1970-01-15"
    [patient] = _resources(_fhir([result]), "Patient")
    assert patient["birthDate"] == "1970-01-15"
    assert patient["identifier"] == [{"value": "MRN0042"}]
    pid = next(s for s in _hl7([result]) if s.startswith("PID"))
    assert pid.split("|")[3] == "MRN0042"
    assert pid.split("|")[7:9] == ["19700115", "F"]


def test_hl7_birth_date_round_trips_through_fhir_and_hl7_output(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "in.hl7"
    path.write_bytes(_oru("20240312083000"))
    code, out, err = run_cli(capsys, "check", str(path), "--format", "fhir")
    assert code == 0, err
    bundle = json.loads(out)
    [patient] = _resources(bundle, "Patient")
    assert patient["birthDate"] == "1970-01-15"
    ages = [
        r for r in _resources(bundle, "Observation") if r["code"]["coding"][0]["code"] == "30525-0"
    ]
    assert ages == []  # the birth date says it: no declared age is written
    code, out, err = run_cli(capsys, "check", str(path), "--format", "hl7")
    assert code == 0, err
    pid = next(s for s in out.split("\r") if s.startswith("PID"))
    assert pid.split("|")[7] == "19700115"
    obr = next(s for s in out.split("\r") if s.startswith("OBR"))
    assert obr.split("|")[7] == "20240312083000"
    # Read again, cbc's own HL7 gives the same birth date and age.
    again = tmp_path / "again.hl7"  # type: ignore[operator]
    again.write_text(out)
    [result] = interpret_file(again)
    assert (result.patient.birth_date, result.patient.age) == ("1970-01-15", "54 y")


def test_writers_work_from_results_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "in.csv"
    path.write_text(
        "sample_id,patient_id,sex,dob,collected_at,hgb,plt\n"
        "S1,P-7,F,1970-01-15,2024-03-12T08:30,87 g/L,62\n"
        "S2,P-8,M,,2024-03-13,14.1,\n"
    )
    results = list(interpret_file(path))
    assert [r.patient_id for r in results] == ["P-7", "P-8"]
    assert [r.collected_at for r in results] == ["2024-03-12T08:30", "2024-03-13"]
    bundle = _fhir(results)
    patients = _resources(bundle, "Patient")
    assert [p.get("birthDate") for p in patients] == ["1970-01-15", None]
    reports = _resources(bundle, "DiagnosticReport")
    assert [r["effectiveDateTime"][:10] for r in reports] == ["2024-03-12", "2024-03-13"]
    segments = _hl7(results)
    assert [s.split("|")[3] for s in segments if s.startswith("PID")] == ["P-7", "P-8"]
    # The same as the command writes for the file (ids derive from the same facts).
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "fhir")
    assert code == 0
    written = json.loads(out)
    assert [e["fullUrl"] for e in written["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


def test_single_sample_carries_collected_and_birth_date() -> None:
    result = interpret({"hgb": "9.1"}, sex="female", dob="1970-01-15", collected="2024-03-12T08:30")
    assert result.collected_at == "2024-03-12T08:30"
    assert result.patient.birth_date == "1970-01-15"
    [patient] = _resources(_fhir([result]), "Patient")
    assert patient["birthDate"] == "1970-01-15"


def test_trend_reads_units_from_what_was_read_not_from_the_text() -> None:
    from cbc_cli.api import default_ranges
    from cbc_cli.readers import read_input
    from cbc_cli.readers.source import open_source
    from cbc_cli.trend import TrendOptions, build_trend

    data = (
        "patient_id,collected_at,hgb,hgb_unit,plt\n"
        "P1,2024-03-01,91,g/L,100\n"
        "P1,2024-03-05,8.9,g/dL,80\n"
        "P1,2024-03-09,9.5,,90\n"
    )
    source = open_source("-", io.BufferedReader(io.BytesIO(data.encode())))
    opened = read_input(source)
    report = build_trend(opened.records, default_ranges(), resolve_scheme("ctcae5"), TrendOptions())
    notes = " ".join(report.persons[0].notes)
    assert "Hemoglobin was given in different units across draws (g/L, g/dL)" in notes


def test_hl7_output_keeps_the_precision_of_the_collection_time() -> None:
    from cbc_cli.parse import parse_moment
    from cbc_cli.writers.hl7_writer import dtm

    assert dtm(parse_moment("2024-03")) == "202403"
    assert dtm(parse_moment("2024-03-12")) == "20240312"
    assert dtm(parse_moment("2024-03-12T08:30+01:00")) == "20240312083000+0100"
    assert dtm(None) == ""


def test_a_declared_age_beside_a_birth_date_without_collection_time_is_written() -> None:
    # The age column is used (no collection date to work one out from the birth date); the
    # birth date is carried too. Both outputs keep the age, so reading them again agrees.
    data = io.BytesIO(b"sample_id,sex,age,dob,hgb\nS1,F,54,1970-01-15,9.1\n")
    [result] = interpret_file(data)
    assert result.patient.age == "54 y"
    assert not result.patient.age_exact
    assert result.patient.birth_date == "1970-01-15"
    bundle = _fhir([result])
    codes = [r["code"]["coding"][0]["code"] for r in _resources(bundle, "Observation")]
    assert "30525-0" in codes
    segments = _hl7([result])
    assert any("30525-0^Age^LN" in s for s in segments if s.startswith("OBX"))
    again = list(interpret_file(io.BytesIO("\r".join(segments).encode())))
    assert again[0].patient.age == "54 y"
