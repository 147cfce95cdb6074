"""FHIR R4 input and output: Bundles, reports, Observations and NDJSON read; a Bundle written.

The output is validated with the models of ``fhir.resources``: version 8 ships R5 as its
default and R4B (4.3) beside it, no plain R4 (4.0.1); R4B's Observation, DiagnosticReport,
Patient, OperationOutcome and Bundle have the same elements as R4's for everything cbc writes,
so ``fhir.resources.R4B`` is the validator. Sample resources are named constants saying what
each exercises; realistic files are in tests/fixtures/fhir (see the README there).
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import flags, interpretation, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli import interpret as interpret_values
from cbc_cli.api import default_ranges, resolve_scheme, scheme_info
from cbc_cli.batch import run
from cbc_cli.limits import Limits
from cbc_cli.models import ErrorInfo, Result
from cbc_cli.readers import Input, read_input
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source
from cbc_cli.writers.fhir_writer import FINDING_SYSTEM, INTERPRETATION, FhirWriter, fhir_datetime

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fhir"
SCHEME = resolve_scheme("ctcae5")
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# A single Observation, the smallest FHIR input: hemoglobin in g/L (converted), a printed range.
OBSERVATION_HGB: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "hgb1",
    "status": "final",
    "code": {"coding": [{"system": LOINC, "code": "718-7"}]},
    "effectiveDateTime": "2024-03-01",
    "valueQuantity": {"value": 91, "unit": "g/L", "system": UCUM, "code": "g/L"},
    "referenceRange": [
        {"low": {"value": 120, "code": "g/L"}, "high": {"value": 160, "code": "g/L"}}
    ],
    "interpretation": [{"coding": [{"system": INTERPRETATION, "code": "L"}]}],
}
# A CBC panel Observation whose values sit in components (no hasMember), one a valueString
# with a comparator, one range given only as text, one range for another population only.
PANEL_COMPONENTS: dict[str, Any] = {
    "resourceType": "Observation",
    "id": "cbc-components",
    "status": "final",
    "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
    "effectiveDateTime": "2024-03-01",
    "component": [
        {
            "code": {"coding": [{"system": LOINC, "code": "751-8"}]},
            "valueString": "<0.1",
            "referenceRange": [{"text": "1.8-7.7"}],
        },
        {
            "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
            "valueQuantity": {"value": 62, "unit": "K/uL"},
            "referenceRange": [
                {"low": {"value": 100}, "appliesTo": [{"text": "neonates"}]},
            ],
        },
    ],
}
# A transaction Bundle as a client posts it: entries with request, references by urn:uuid, a
# Patient, an entry that only deletes (no resource), a report of another kind (lipids) skipped.
TRANSACTION: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "resource": {"resourceType": "Patient", "gender": "male", "birthDate": "1950-06-01"},
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002",
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
                "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
                "effectiveDateTime": "2024-03-05T06:00:00Z",
                "valueQuantity": {"value": 18, "system": UCUM, "code": "10*9/L"},
            },
            "request": {"method": "POST", "url": "Observation"},
        },
        {
            "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000003",
            "resource": {
                "resourceType": "DiagnosticReport",
                "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "57698-3"}]},
                "result": [{"reference": "Observation/chol-1"}],
            },
            "request": {"method": "POST", "url": "DiagnosticReport"},
        },
        {"request": {"method": "DELETE", "url": "Observation/old"}},
    ],
}
# A document Bundle: a Composition first (ignored), then the report and its Observations.
DOCUMENT: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "document",
    "entry": [
        {"fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000001",
         "resource": {"resourceType": "Composition", "status": "final"}},
        {"fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000002",
         "resource": {
             "resourceType": "DiagnosticReport",
             "status": "final",
             "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
             "identifier": [{"value": "DOC-1"}],
             "result": [{"reference": "urn:uuid:c0000000-0000-4000-8000-000000000003"}],
         }},
        {"fullUrl": "urn:uuid:c0000000-0000-4000-8000-000000000003",
         "resource": {**OBSERVATION_HGB, "id": "doc-hgb"}},
    ],
}  # fmt: skip
# A CBC report whose results cannot be read: an error naming the report.
EMPTY_CBC_REPORT: dict[str, Any] = {
    "resourceType": "DiagnosticReport",
    "id": "empty",
    "status": "final",
    "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
    "result": [{"reference": "Observation/not-here"}],
}


def source_of(data: bytes | str, name: str = "test.json") -> Source:
    """A Source over bytes, as open_source makes one for a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return Source(io.BufferedReader(io.BytesIO(raw)), name)


def read(data: bytes | str | dict[str, Any], input_format: str = "auto") -> Input:
    """The opened input of a document (a dict is dumped as JSON first)."""
    raw = json.dumps(data) if isinstance(data, dict) else data
    return read_input(source_of(raw), input_format)


def interpret(
    data: bytes | str | dict[str, Any], input_format: str = "auto"
) -> list[tuple[Record, Result]]:
    """Read and interpret every record, as the batch runner does."""
    return list(run(read(data, input_format).records, default_ranges(), SCHEME))


def write_fhir(results: list[tuple[Record, Result]]) -> str:
    out = io.StringIO()
    writer = FhirWriter(out, scheme_info(SCHEME))
    for record, result in results:
        writer.write(record, result)
    writer.close()
    return out.getvalue()


def validate(text: str) -> dict[str, Any]:
    """The Bundle as data, after fhir.resources' R4B models accept it."""
    from fhir.resources.R4B.bundle import Bundle

    document: dict[str, Any] = json.loads(text)
    Bundle.model_validate(document)
    return document


def resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


# --- reading -----------------------------------------------------------------------------------


def test_collection_bundle_with_report_patient_and_references() -> None:
    opened = read((FIXTURES / "bundle_collection_report.json").read_bytes())
    assert opened.format == "fhir"
    [(record, result)] = list(run(opened.records, default_ranges(), SCHEME))
    assert record.sample_id == "FIL5523"  # DiagnosticReport.identifier
    assert record.patient_id == "MRN0042"  # Patient.identifier
    assert record.collected_at == "2024-03-12T08:30:00+01:00"
    assert (result.patient.sex, result.patient.age, result.patient.age_exact) == (
        "female",
        "54 y",
        True,
    )
    values = {a.analyte: a.value for a in result.analytes}
    assert values == {"wbc": 2.1, "hgb": 8.7, "mcv": 76.5, "plt": 48.0, "anc": 0.9}  # 87 g/L
    hgb = next(a for a in result.analytes if a.analyte == "hgb")
    assert hgb.reference_range is not None
    assert (hgb.reference_range.low, hgb.reference_range.high) == (12.0, 16.0)
    assert hgb.lab_flag == "L"
    assert next((f.code, f.grade, f.pattern) for f in result.findings) == (
        "anemia",
        2,
        "microcytic",
    )
    assert opened.notes == ["resources cbc does not read were ignored: 1 Specimen"]


def test_searchset_groups_loose_observations_by_subject_and_time() -> None:
    opened = read((FIXTURES / "bundle_searchset_observations.json").read_bytes())
    results = list(run(opened.records, default_ranges(), SCHEME))
    assert [r.collected_at for r, _ in results] == ["2024-04-01T07:00:00Z", "2024-04-08T07:00:00Z"]
    assert [r.patient_id for r, _ in results] == ["p7", "p7"]
    second = results[1][1]
    anc = next(a for a in second.analytes if a.analyte == "anc")
    assert (anc.value, anc.comparator, anc.input) == (0.1, "<", "<0.1")  # unit text K/uL
    assert second.patient.sex == "male"
    assert "1 OperationOutcome" in opened.notes[0]


def test_report_with_contained_observations_and_patient() -> None:
    [(record, result)] = interpret((FIXTURES / "diagnostic_report_contained.json").read_bytes())
    assert record.sample_id == "dr-contained"  # no identifier: the report's id
    assert record.patient_id == "pat"
    assert result.patient.age == "34 y"
    assert flags(result) == {"hgb": "L", "plt": "L", "anc": "L"}


def test_single_observation() -> None:
    [(record, result)] = interpret(OBSERVATION_HGB)
    assert record.sample_id is None
    assert [(a.analyte, a.value, a.flag, a.lab_flag) for a in result.analytes] == [
        ("hgb", 9.1, "L", "L")
    ]


def test_panel_with_components_string_values_and_range_text() -> None:
    [(record, result)] = interpret(PANEL_COMPONENTS)
    assert record.sample_id == "cbc-components"
    anc, plt = (next(a for a in result.analytes if a.analyte == k) for k in ("anc", "plt"))
    assert (anc.comparator, anc.value) == ("<", 0.1)
    assert anc.reference_range is not None
    assert anc.reference_range.origin == "lab"
    # The only platelet range applies to another population: it is not taken as the lab's, and
    # no single one of cbc's own ranges applies without the age; 62 is below every platelet
    # range for any age and sex (lowest lower limit 139, Mayo boys 14-17 y), so it is low.
    assert plt.reference_range is None
    assert plt.flag == "L"
    assert plt.range_note is not None
    assert "every range that could apply" in plt.range_note


def test_transaction_bundle() -> None:
    opened = read(TRANSACTION)
    [(record, result)] = list(run(opened.records, default_ranges(), SCHEME))
    assert (result.patient.sex, result.patient.age) == ("male", "73 y")
    assert flags(result) == {"plt": "LL"}
    assert any("holds no CBC result: skipped" in n for n in opened.notes)
    assert record.error is None


def test_document_bundle() -> None:
    opened = read(DOCUMENT)
    [record] = list(opened.records)
    assert record.sample_id == "DOC-1"
    assert "1 Composition" in opened.notes[-1]


def test_bulk_export_ndjson_groups_and_panels() -> None:
    opened = read((FIXTURES / "bulk_export.ndjson").read_bytes())
    assert opened.format == "fhir"
    results = list(run(opened.records, default_ranges(), SCHEME))
    assert [(r.line, r.patient_id, r.sample_id) for r, _ in results] == [
        (3, "a", None),  # loose Observations of Patient/a at one time
        (7, "b", "b-cbc"),  # a panel Observation with hasMember
    ]
    assert [set(flags(r)) for _, r in results] == [{"hgb", "plt"}, {"wbc", "hgb"}]
    assert results[1][1].patient.sex == "male"


def test_ndjson_with_a_long_first_line_is_still_read() -> None:
    # The format sniffer sees 4 KiB: a longer first line looks like one JSON document.
    padded = {**OBSERVATION_HGB, "id": "x" * 5000}
    text = json.dumps(padded) + "\n" + json.dumps({**OBSERVATION_HGB, "id": "second"}) + "\n"
    records = list(read(text).records)
    assert [r.error for r in records] == [None]
    assert records[0].panel is not None


def test_lab_flag_disagreement_is_reported() -> None:
    obs = {**OBSERVATION_HGB, "interpretation": [{"coding": [{"code": "N"}]}]}
    [(_, result)] = interpret(obs)
    # Both flags by the lab's range: the note says so.
    assert (
        "the lab flagged hemoglobin N; cbc's flag is L (cbc judged it by the lab's range given "
        "with the result)"
    ) in result.notes


def test_plain_json_is_still_the_json_reader() -> None:
    opened = read('[{"sample_id": "S1", "hgb": 9.1, "sex": "F", "age": 54}]')
    assert opened.format == "json"
    [record] = list(opened.records)
    assert record.sample_id == "S1"


def test_fhir_forced_through_the_json_reader_says_how_to_read_it() -> None:
    [record] = list(read(OBSERVATION_HGB, "json").records)
    assert record.error is not None
    assert record.error.message == (
        "this is a FHIR Observation resource: read it with --input-format fhir"
    )


# --- bad input ---------------------------------------------------------------------------------


def test_each_problem_is_located_and_the_rest_is_read() -> None:
    records = list(read((FIXTURES / "problems.ndjson").read_bytes()).records)
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 7]
    errors = {r.line: r.error.message for r in records if r.error}
    assert errors[2].startswith("line 2: not valid JSON")
    assert errors[3] == "line 3: not a FHIR resource (an object without resourceType)"
    assert errors[4].startswith("line 4: Condition/c1 is not a resource cbc reads")
    cells = records[4].cell_errors
    assert [(e.line, e.field) for e in cells] == [
        (5, "Observation/novalue (line 5)"),
        (6, "Observation/coded (line 6)"),
    ]
    assert cells[0].message.endswith("no value (value[x]) and no dataAbsentReason")
    assert cells[1].message.endswith("valueCodeableConcept is not a number for anc")
    assert records[0].panel is not None
    assert records[-1].panel is not None


def test_invalid_json_document_is_one_error_record() -> None:
    [record] = list(read('{"resourceType": "Bundle", "entry": [', "fhir").records)
    assert record.error is not None
    assert record.error.message.startswith("line 1: not valid JSON")


def test_truncated_bundle_reads_the_entries_before_the_cut() -> None:
    # Large Bundles are decoded an entry at a time: a cut file keeps what came before the cut.
    text = (FIXTURES / "bundle_collection_report.json").read_text(encoding="utf-8")[:6000]
    opened = read(text)
    records = list(opened.records)
    [report] = [r for r in records if r.error is None]
    assert report.panel is not None
    assert set(report.panel.values) == {"wbc", "hgb"}
    [cut] = [r.error for r in records if r.error is not None]
    assert cut.message.startswith(f"line {cut.line}: not valid JSON")
    assert cut.message.endswith("the entries before it were read")
    assert any("3 result reference(s) not found" in n for n in opened.notes)


def test_bundle_naming_its_type_after_its_entries() -> None:
    text = json.dumps({"entry": [{"resource": OBSERVATION_HGB}], "resourceType": "Bundle"})
    [record] = list(read(text).records)
    assert record.panel is not None
    assert set(record.panel.values) == {"hgb"}


def test_json_that_is_not_fhir_forced_as_fhir() -> None:
    [record] = list(read('{"samples": [{"hgb": 9}]}', "fhir").records)
    assert record.error is not None
    assert "not a FHIR resource" in record.error.message


def test_unread_top_level_resource_and_empty_cbc_report() -> None:
    [record] = list(read({"resourceType": "Condition", "id": "c9"}).records)
    assert record.error is not None
    assert "Condition/c9" in record.error.message
    opened = read(EMPTY_CBC_REPORT)
    [record] = list(opened.records)
    assert record.error is not None
    assert record.error.message == (
        "DiagnosticReport/empty: this CBC report holds no CBC result cbc can read"
    )
    assert any("1 result reference(s) not found" in n for n in opened.notes)


def test_data_absent_reason_is_a_missing_value_not_an_error() -> None:
    absent = {k: v for k, v in OBSERVATION_HGB.items() if k != "valueQuantity"}
    obs = {**absent, "dataAbsentReason": {"text": "clotted"}}
    [record] = list(read(obs).records)
    assert record.error is not None
    assert "no CBC value" in record.error.message
    assert record.cell_errors == []


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "resourceType",
                        "code",
                        "valueQuantity",
                        "value",
                        "result",
                        "reference",
                        "entry",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_the_reader_never_raises_for_content(value: object) -> None:
    for record in read(json.dumps({"resourceType": "Bundle", "entry": [value]}), "fhir").records:
        assert record.panel is not None or record.error is not None


# --- writing and round trips ------------------------------------------------------------------


def test_bundle_validates_as_fhir_r4b_with_the_expected_resources() -> None:
    document = validate(
        write_fhir(interpret((FIXTURES / "bundle_collection_report.json").read_bytes()))
    )
    assert document["type"] == "collection"
    [report] = resources(document, "DiagnosticReport")
    [patient] = resources(document, "Patient")
    observations = resources(document, "Observation")
    assert report["code"]["coding"][0]["code"] == "58410-2"
    assert report["identifier"] == [{"value": "FIL5523"}]
    assert len(report["result"]) == len(observations) == 5
    assert (patient["gender"], patient["birthDate"]) == ("female", "1970-01-15")
    codes = [c["coding"][0] for c in report["conclusionCode"]]
    assert {c["system"] for c in codes} == {FINDING_SYSTEM}
    assert [c["code"] for c in codes][:3] == ["anemia", "leukopenia", "neutropenia"]
    assert "grade 2 (NCI CTCAE v5.0" in report["conclusionCode"][0]["text"]
    assert report["conclusion"].startswith("All three kinds of blood cells are low.")
    hgb = next(o for o in observations if o["code"]["coding"][0]["code"] == "718-7")
    assert hgb["valueQuantity"] == {"value": 8.7, "unit": "g/dL", "system": UCUM, "code": "g/dL"}
    assert hgb["interpretation"][0]["coding"][0] == {
        "system": INTERPRETATION,
        "code": "L",
        "display": "Low",
    }
    assert hgb["referenceRange"][0]["low"]["value"] == 12.0
    plt = next(o for o in observations if o["code"]["coding"][0]["code"] == "777-3")
    assert plt["valueQuantity"]["code"] == "10*9/L"


def test_no_range_comparators_derived_values_and_errors_in_the_bundle() -> None:
    # No children's band % interval is shipped: band_pct has no range at 10 years.
    result = interpret_values(
        {"wbc": "3.0", "neut_pct": "50", "band_pct": "5", "plt": "<10"}, sex="female", age=10
    )
    problem = Record(7, sample_id="bad")
    failed = Result(
        sample_id="bad",
        line=7,
        status="error",
        urgency=None,
        error=ErrorInfo(line=7, field="OBX-5", message="not a number"),
    )
    document = validate(write_fhir([(Record(None), result), (problem, failed)]))
    observations = {o["code"]["coding"][0]["code"]: o for o in resources(document, "Observation")}
    band = observations["35332-6"]
    assert "interpretation" not in band
    assert "referenceRange" not in band
    assert band["note"][0]["text"].startswith("no range for band neutrophils (% of WBC)")
    assert observations["777-3"]["valueQuantity"]["comparator"] == "<"
    anc = observations["751-8"]
    assert len(anc["derivedFrom"]) == 3
    assert anc["note"][0]["text"].startswith("derived: wbc 3")
    [outcome] = resources(document, "OperationOutcome")
    assert outcome["issue"][0]["diagnostics"] == "sample bad: line 7, OBX-5: not a number"
    assert len(resources(document, "DiagnosticReport")) == 1


def test_round_trip_fhir_in_fhir_out_same_interpretation() -> None:
    for name in (
        "bundle_collection_report.json",
        "bundle_searchset_observations.json",
        "diagnostic_report_contained.json",
        "bulk_export.ndjson",
    ):
        first = interpret((FIXTURES / name).read_bytes())
        again = interpret(write_fhir(first))
        assert [interpretation(r) for _, r in again] == [interpretation(r) for _, r in first], name
        assert [r.patient.age for _, r in again] == [r.patient.age for _, r in first]
        assert not any("the lab flagged" in n for _, r in again for n in r.notes)


def test_round_trip_keeps_declared_age_and_temperature() -> None:
    result = interpret_values(
        {"anc": "0.3", "hgb": "9.1"}, sex="male", age="6m", temperature="38.6"
    )
    [(_, again)] = interpret(write_fhir([(Record(None), result)]))
    assert (again.patient.age, again.patient.temperature_c) == ("6 m", 38.6)
    assert interpretation(again) == interpretation(result)
    assert "febrile-neutropenia" in [f.code for f in again.findings]


def test_hl7_in_fhir_out_and_back() -> None:
    hl7 = Path(__file__).resolve().parent / "fixtures" / "hl7" / "oru_r01_cbc_cr.hl7"
    first = interpret(hl7.read_bytes())
    again = interpret(write_fhir(first))
    assert [interpretation(r) for _, r in again] == [interpretation(r) for _, r in first]


# --- command line ------------------------------------------------------------------------------


def test_cli_fhir_output_for_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys, "check", str(FIXTURES / "bulk_export.ndjson"), "--format", "fhir"
    )
    assert code == 0
    assert err == ""
    document = validate(out)
    assert len(resources(document, "DiagnosticReport")) == 2


def test_no_sample_gives_a_bundle_without_entries() -> None:
    # FHIR JSON has no empty arrays: a Bundle with nothing in it has no "entry" at all.
    assert "entry" not in validate(write_fhir([]))


def test_cli_single_sample_as_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "check",
        "--hgb",
        "9.1",
        "--anc",
        "0.8",
        "--plt",
        "62",
        "--sex",
        "female",
        "--dob",
        "1970-01-15",
        "--collected",
        "2024-03-01",
        "--format",
        "fhir",
    )
    assert code == 0
    document = validate(out)
    [patient] = resources(document, "Patient")
    assert patient["birthDate"] == "1970-01-15"
    [report] = resources(document, "DiagnosticReport")
    assert report["effectiveDateTime"] == "2024-03-01"
    [(_, again)] = interpret(out)
    expected = interpret_values(
        {"hgb": "9.1", "anc": "0.8", "plt": "62"},
        sex="female",
        dob="1970-01-15",
        collected="2024-03-01",
    )
    assert interpretation(again) == interpretation(expected)


def test_cli_csv_output_of_a_fhir_bundle_and_a_bundle_without_samples(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A row per sample (a Bundle document has no lines), cbc's columns after the identifiers.
    code, out, _ = run_cli(
        capsys, "check", str(FIXTURES / "bundle_collection_report.json"), "--format", "csv"
    )
    assert code == 0
    header, *rows = out.splitlines()
    assert header.startswith("sample_id,line,patient_id,collected_at,wbc_flag,rbc_flag,")
    assert len(rows) == 1
    assert rows[0].startswith("FIL5523,,MRN0042,2024-03-12T08:30:00+01:00,")
    # A Bundle with no CBC result: the error says so, not "no data rows after the header".
    empty = tmp_path / "empty_bundle.json"
    empty.write_text('{"resourceType": "Bundle", "type": "collection"}', encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(empty), "--format", "json")
    assert code == 3
    assert json.loads(out)["results"] == []
    [line] = err.splitlines()
    assert "no sample cbc reads in the input" in line
    assert "Observations with a CBC LOINC code" in line


def test_cli_fhir_problems_exit_3_and_fhir_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        capsys, "check", str(FIXTURES / "problems.ndjson"), "--format", "ndjson"
    )
    assert code == 3
    assert len(out.splitlines()) == 6
    assert "3 of 6 samples could not be read" in err
    data = (FIXTURES / "diagnostic_report_contained.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_cli(capsys, "check", "--format", "json")
    assert code == 0
    assert json.loads(out)["results"][0]["sample_id"] == "dr-contained"


# --- fields of the wrong type, duplicates, limits, memory ---------------------------------------


def _obs(number: int, **fields: Any) -> dict[str, Any]:
    """A loose hemoglobin Observation of its own subject (one sample per Observation)."""
    resource = {
        **OBSERVATION_HGB,
        "id": f"o{number}",
        "subject": {"reference": f"Patient/p{number}"},
    }
    resource.update(fields)
    return resource


WRONG_TYPES: list[tuple[str, dict[str, Any], str]] = [
    (
        "code.coding",
        {"code": {"coding": {"system": LOINC, "code": "718-7"}}},
        "Observation.code.coding is an object, not an array",
    ),
    ("status", {"status": ["final"]}, "Observation.status is an array, not a string"),
    (
        "hasMember",
        {"hasMember": {"reference": "Observation/x"}},
        "Observation.hasMember is an object, not an array",
    ),
    ("component", {"component": 3}, "Observation.component is a number, not an array"),
    ("contained", {"contained": "x"}, "Observation.contained is a string, not an array"),
    ("subject", {"subject": "Patient/p1"}, "Observation.subject is a string, not an object"),
    ("id", {"id": 7}, "Observation.id is a number, not a string"),
    (
        "coding item",
        {"code": {"coding": ["718-7"]}},
        "Observation.code.coding[0] is a string, not an object",
    ),
    (
        "identifier",
        {"identifier": {"value": "x"}},
        "Observation.identifier is an object, not an array",
    ),
    (
        "effective",
        {"effectiveDateTime": 20240301},
        "Observation.effectiveDateTime is a number, not a string",
    ),
]


@pytest.mark.parametrize(
    ("name", "fields", "message"), WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES]
)
def test_a_field_of_the_wrong_type_is_an_error_row_for_its_resource(
    name: str, fields: dict[str, Any], message: str
) -> None:
    lines = [_obs(1), _obs(2, **fields), _obs(3)]
    text = "".join(json.dumps(r) + "\n" for r in lines)
    records = list(read(text).records)
    assert [(r.line, r.error is None) for r in records] == [(1, True), (2, False), (3, True)]
    error = records[1].error
    assert error is not None
    assert message in error.message
    assert error.message.endswith("this resource is not read")


VALUE_WRONG_TYPES: list[tuple[dict[str, Any], str]] = [
    (
        {"valueQuantity": {"value": "91", "unit": "g/L"}},
        "valueQuantity.value is a string, not a number",
    ),
    ({"valueQuantity": [91]}, "Observation.valueQuantity is an array, not an object"),
    (
        {"referenceRange": {"low": {"value": 120}}},
        "Observation.referenceRange is an object, not an array",
    ),
    (
        {"referenceRange": [{"low": {"value": "120"}}]},
        "referenceRange[0].low.value is a string, not a number",
    ),
    ({"interpretation": {"coding": []}}, "Observation.interpretation is an object, not an array"),
    ({"interpretation": [{"coding": [{"code": 5}]}]}, "coding[0].code is a number, not a string"),
]


@pytest.mark.parametrize(("fields", "message"), VALUE_WRONG_TYPES)
def test_a_value_range_or_flag_of_the_wrong_type_is_a_cell_error(
    fields: dict[str, Any], message: str
) -> None:
    [record] = list(read(_obs(1, **fields)).records)
    assert record.error is None
    [cell] = record.cell_errors
    assert message in cell.message
    assert record.panel is not None
    assert record.panel.values == {}  # a value whose lab range cannot be read is not used


def test_a_report_whose_result_is_not_an_array_and_a_bundle_with_bad_entries() -> None:
    report = {**EMPTY_CBC_REPORT, "result": {"reference": "Observation/o1"}}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": report},
            "not an entry",
            {"resource": ["x"]},
            {"fullUrl": 5, "resource": _obs(9)},
            {"resource": _obs(1)},
        ],
    }
    records = list(read(bundle).records)
    messages = [r.error.message for r in records if r.error is not None]
    assert messages == [
        "DiagnosticReport/empty (entry 1): DiagnosticReport.result is an object, not an array; "
        "this resource is not read",
        "entry 2: is a string, not an object; not read",
        "entry 3: Bundle.entry.resource is an array, not an object; not read",
        "entry 4: Bundle.entry.fullUrl is a number, not a string; not read",
    ]
    assert [r.panel is not None for r in records].count(True) == 1


def test_entry_not_an_array_is_one_error_for_the_bundle() -> None:
    [record] = list(read({"resourceType": "Bundle", "entry": {"resource": _obs(1)}}).records)
    assert record.error is not None
    assert "Bundle.entry is an object, not an array" in record.error.message


def test_a_contained_resource_of_the_wrong_shape_leaves_nothing_of_its_report_behind() -> None:
    report = {
        "resourceType": "DiagnosticReport",
        "id": "dr",
        "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
        "contained": [{**OBSERVATION_HGB, "id": "h"}, {**OBSERVATION_HGB, "id": "p", "code": 5}],
        "result": [{"reference": "#h"}, {"reference": "#p"}],
    }
    [record] = list(read(report).records)
    assert record.error is not None
    assert record.error.message == (
        "DiagnosticReport/dr: DiagnosticReport.contained[1].code is a number, not an object; "
        "this resource is not read"
    )


def test_a_duplicate_full_url_is_not_resolved_to_the_first_resource() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:r",
                "resource": {**EMPTY_CBC_REPORT, "result": [{"reference": "urn:uuid:h"}]},
            },
            {"fullUrl": "urn:uuid:h", "resource": {**OBSERVATION_HGB, "id": "a"}},
            {
                "fullUrl": "urn:uuid:h",
                "resource": {
                    **OBSERVATION_HGB,
                    "id": "b",
                    "effectiveDateTime": "2024-03-02",
                    "valueQuantity": {"value": 70, "code": "g/L"},
                },
            },
        ],
    }
    records = list(read(bundle).records)
    report = records[0]
    assert report.sample_id == "empty"
    assert report.panel is None or report.panel.values == {}
    [cell] = report.cell_errors
    assert "the reference urn:uuid:h could mean more than one resource" in cell.message
    # Neither Observation is dropped: each is read on its own.
    values = sorted(r.panel.values["hgb"].value for r in records[1:] if r.panel is not None)
    assert values == [7.0, 9.1]


def test_a_duplicate_patient_id_gives_no_sex_or_age_and_says_so() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}},
            {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male"}},
            {"resource": _obs(1)},
        ],
    }
    [record] = list(read(bundle).records)
    assert record.panel is not None
    assert record.panel.patient.sex is None
    [cell] = record.cell_errors
    assert "the subject Patient/p1 could mean more than one resource" in cell.message


def test_fhir_ndjson_lines_past_the_json_limits_are_error_rows() -> None:
    deep = '{"resourceType": "Observation", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    huge = '{"resourceType": "Observation", "x": ' + "9" * 5000 + "}"
    lines = [json.dumps(_obs(1)), deep, huge, json.dumps(_obs(4))]
    records = list(read("\n".join(lines) + "\n").records)
    assert [(r.line, r.error is None) for r in records] == [
        (1, True),
        (2, False),
        (3, False),
        (4, True),
    ]
    assert records[1].error is not None
    assert "json_depth" in records[1].error.message
    assert records[2].error is not None
    assert "json_digits" in records[2].error.message


def test_a_fhir_document_past_the_limits_is_one_error() -> None:
    deep = '{"resourceType": "Bundle", "entry": ' + "[" * 1000 + "]" * 1000 + "}"
    [record] = list(read(deep).records)
    assert record.error is not None
    assert "json_depth" in record.error.message
    text = json.dumps({"resourceType": "Bundle", "entry": [{"resource": _obs(1)}]})
    opened = read_input(source_of(text), "auto", limits=Limits(fhir_resource=100))
    [record] = list(opened.records)
    assert record.error is not None
    assert "longer than the fhir_resource limit" in record.error.message
    assert "--limit fhir_resource=SIZE" in record.error.message


def test_an_array_of_resources_is_read_an_item_at_a_time_and_a_break_is_one_error() -> None:
    text = "[" + json.dumps(_obs(1)) + ",\n" + json.dumps(_obs(2)) + ",\n{oops}]"
    records = list(read(text, "fhir").records)
    assert [r.error is None for r in records] == [True, True, False]
    assert records[-1].error is not None
    assert records[-1].error.message.startswith("line 3: not valid JSON")


def _bulk_export(samples: int, seed: int = 3) -> list[dict[str, Any]]:
    """Resources as a Bulk Data export lists them: every Patient, then every Observation
    (shuffled, so a sample's results lie far apart), then every DiagnosticReport. A third of
    the samples have no report (loose Observations of one subject and time), one in five a
    sodium result beside the counts (not a CBC value), one in seven an extra result in its
    report that the input does not hold."""
    rng = random.Random(seed)
    patients = [
        {
            "resourceType": "Patient",
            "id": f"p{n}",
            "gender": rng.choice(["female", "male"]),
            "birthDate": f"{rng.randint(1940, 2005)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        }
        for n in range(max(1, samples // 3))
    ]
    observations: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    codes = [("6690-2", 2.1, 11.0, "10*9/L"), ("718-7", 7.0, 16.0, "g/dL")]
    codes += [("777-3", 20, 400, "10*9/L"), ("751-8", 0.2, 6.0, "10*9/L")]
    codes += [("2951-2", 130, 145, "mmol/L")]  # sodium: another test
    for n in range(samples):
        subject = {"reference": f"Patient/p{rng.randrange(len(patients))}"}
        when = f"2024-03-{10 + n // 1440}T{n // 60 % 24:02d}:{n % 60:02d}:00Z"  # one each
        ids = []
        for code, low, high, unit in codes if n % 5 == 0 else codes[:4]:
            ids.append(f"s{n}-{code}")
            observations.append(
                {
                    "resourceType": "Observation",
                    "id": ids[-1],
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": code}]},
                    "subject": subject,
                    "effectiveDateTime": when,
                    "valueQuantity": {
                        "value": round(rng.uniform(low, high), 1),
                        "system": UCUM,
                        "code": unit,
                    },
                }
            )
        if n % 3:
            refs = [{"reference": f"Observation/{i}"} for i in ids]
            if n % 7 == 0:
                refs.append({"reference": "Observation/not-exported"})
            reports.append(
                {
                    "resourceType": "DiagnosticReport",
                    "id": f"r{n}",
                    "identifier": [{"value": f"ACC{n}"}],
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": "58410-2"}]},
                    "subject": subject,
                    "effectiveDateTime": when,
                    "result": refs,
                }
            )
    rng.shuffle(observations)
    return patients + observations + reports


def _as_read(records: list[Record]) -> list[tuple[object, ...]]:
    """What a record says about its sample, without where it was read (a line, an item)."""
    return [(r.sample_id, r.patient_id, r.collected_at, r.panel, r.error) for r in records]


@pytest.mark.slow
def test_a_bulk_export_in_type_order_is_grouped_as_when_read_whole() -> None:
    # Each report's results lie thousands of lines before it and its Patient further still:
    # streamed NDJSON groups them exactly as the same resources read whole (a JSON array).
    resources = _bulk_export(900)
    ndjson = read("".join(json.dumps(r) + "\n" for r in resources))
    whole = read(json.dumps(resources))
    streamed, together = list(ndjson.records), list(whole.records)
    assert _as_read(streamed) == _as_read(together)
    assert len(streamed) == 900  # every sample, once
    reported = [r for r in streamed if r.sample_id is not None]
    assert len(reported) == 600
    assert all(r.panel is not None and r.panel.patient.sex is not None for r in streamed)
    assert all(r.panel is not None and r.panel.patient.age is not None for r in streamed)
    # Samples come in the order of their first resource: loose ones (first met among the
    # Observations) before reported ones (met at their report, at the end).
    lines = [r.line or 0 for r in streamed]
    assert 0 not in lines
    assert lines == sorted(lines)
    missing = [n for n in ndjson.notes if "not found in the input" in n]
    assert missing
    assert all("1 result reference(s)" in n for n in missing)
    assert len(ndjson.notes) == len(whole.notes)


@pytest.mark.slow
def test_grouping_a_long_export_holds_one_sample_at_a_time() -> None:
    # Resources go to the store as they are read, and come back one sample at a time: the
    # reduced resources alive in memory stay a handful however long the export. (A count of
    # objects, not a tracemalloc peak: that would also count other tests' threads.) The count
    # is taken each time the reader asks its input for more bytes, and after each record.
    from cbc_cli.readers.fhir.items import Item

    def alive() -> int:
        return sum(isinstance(o, Item) for o in gc.get_objects())

    counts: list[int] = []

    class Counting(io.BufferedReader):
        def read(self, size: int | None = -1, /) -> bytes:
            counts.append(alive())
            return super().read(size)

    resources = _bulk_export(1200)
    raw = "".join(json.dumps(r) + "\n" for r in resources).encode()
    opened = read_input(Source(Counting(io.BytesIO(raw)), "export.ndjson"), "auto")
    kept = 0
    for number, _record in enumerate(opened.records):
        if number % 97 == 0:
            counts.append(alive())
        kept += 1
    assert kept == 1200
    assert len(counts) > 15
    assert max(counts) <= 12  # one report's results and its Patient, not 5,200 resources


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no file size limit here")
def test_no_room_for_the_temporary_store_is_one_clear_line(tmp_path: Path) -> None:
    # A real failed write: cbc runs with the largest file it may write set far below what the
    # store of this export spills to disk (past its page cache), so the operating system refuses
    # the store's writes as a full disk would (EFBIG where a disk says ENOSPC).
    limit = 256 << 10

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    path = tmp_path / "export.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in _bulk_export(3000)))
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(path), "-f", "csv", "-o", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=small_files,  # only setrlimit and a signal disposition before exec
        env={**os.environ, "TMPDIR": str(tmp_path), "SQLITE_TMPDIR": str(tmp_path)},
        check=False,
    )
    err = done.stderr
    assert done.returncode == 70, err
    assert done.stdout == ""
    assert err.count("\n") == 1
    assert "temporary file that groups a FHIR input into samples could not be written" in err
    assert "TMPDIR" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_bundle_naming_its_type_after_its_entries_is_streamed_too() -> None:
    text = json.dumps({"entry": [{"resource": _obs(1)}, {"resource": _obs(2)}], "type": "x"})
    records = list(read(text[:-1] + ', "resourceType": "Bundle"}').records)
    assert [r.error is None for r in records] == [True, True]
    records = list(read(text[:-1] + ', "resourceType": "List"}').records)
    [error] = [r.error for r in records if r.error is not None]
    assert error.message.startswith("the document: List is not a Bundle")


_FIELDS = [
    "code", "coding", "system", "status", "hasMember", "result", "entry", "resource", "fullUrl",
    "referenceRange", "low", "high", "interpretation", "component", "contained", "valueQuantity",
    "valueString", "valueInteger", "value", "unit", "subject", "reference", "id", "identifier",
    "effectiveDateTime", "effectivePeriod", "start", "gender", "birthDate", "appliesTo", "type",
]  # fmt: skip
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from([LOINC, "718-7", "58410-2", "Patient/p", "#h", "final"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_FIELDS), inner),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Observation", "DiagnosticReport", "Patient", "Bundle"]),
            st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=6),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_shape_of_fhir_field_is_read_without_an_exception(
    resources: list[tuple[str, dict[str, Any]]],
) -> None:
    lines = [json.dumps({**fields, "resourceType": kind}) for kind, fields in resources]
    for record in read("\n".join(lines) + "\n", "fhir").records:
        assert record.panel is not None or record.error is not None
    entries = [{"resource": {**fields, "resourceType": kind}} for kind, fields in resources]
    bundle = {"resourceType": "Bundle", "entry": entries}
    for record in read(bundle).records:
        assert record.panel is not None or record.error is not None


# --- deterministic ids and the precision of times -----------------------------------------------


def _bundle(results: list[tuple[Record, Result]], now: datetime | None = None) -> str:
    out = io.StringIO()
    writer = FhirWriter(out, scheme_info(SCHEME), now=now)
    for record, result in results:
        writer.write(record, result)
    writer.close()
    return out.getvalue()


def _ids(document: dict[str, Any]) -> list[str]:
    return [document["id"], *(e["fullUrl"] for e in document["entry"])]


def _references(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


HL7_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "hl7"
ID_INPUTS = [
    FIXTURES / "bundle_collection_report.json",
    FIXTURES / "bulk_export.ndjson",
    FIXTURES / "problems.ndjson",
    HL7_FIXTURES / "oru_r01_cbc_cr.hl7",
    HL7_FIXTURES / "problems_cr.hl7",
]


@pytest.mark.parametrize("path", ID_INPUTS, ids=lambda p: p.name)
def test_two_runs_over_one_input_give_the_same_bundle(path: Path) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = _bundle(interpret(path.read_bytes()), now)
    again = _bundle(interpret(path.read_bytes()), now)
    assert first == again  # byte for byte: the output diffs clean
    document = validate(first)
    ids = _ids(document)
    assert len(set(ids)) == len(ids)  # unique within the Bundle
    for url in ids[1:]:
        assert uuid.UUID(url.removeprefix("urn:uuid:")).version == 5
        assert url.startswith("urn:uuid:")
    for entry in document["entry"]:
        assert entry["fullUrl"] == "urn:uuid:" + entry["resource"]["id"]
    # Every reference points at an entry of the Bundle.
    assert set(_references(document["entry"])) <= set(ids[1:])
    # Without a fixed clock only the time stamps differ between runs, never an id.
    assert _ids(validate(_bundle(interpret(path.read_bytes())))) == ids


def test_ids_follow_the_input() -> None:
    hl7 = (HL7_FIXTURES / "oru_r01_cbc_cr.hl7").read_bytes()
    base = _ids(validate(_bundle(interpret(hl7))))
    changed = hl7.replace(b"|8.7|", b"|8.8|", 1)
    assert changed != hl7
    other = _ids(validate(_bundle(interpret(changed))))
    assert not set(base) & set(other)  # another value: other ids, the Bundle's too


def test_the_cli_writes_the_same_ids_twice(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", str(FIXTURES / "bulk_export.ndjson"), "--format", "fhir"]
    _, first, _ = run_cli(capsys, *argv)
    _, again, _ = run_cli(capsys, *argv)
    assert _ids(validate(first)) == _ids(validate(again))


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Paris time (UTC+1 in winter, UTC+2 in summer)."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2024", "2024"),
        ("2024-03", "2024-03"),
        ("2024-03-12", "2024-03-12"),
        ("2024-03-12T08:30+01:00", "2024-03-12T08:30:00+01:00"),
        ("2024-03-12T08:30:15Z", "2024-03-12T08:30:15+00:00"),
        ("2024-03-12T08:30:15.250-05:00", "2024-03-12T08:30:15.250000-05:00"),
        # No zone: the local one (FHIR requires a zone with a time), with that day's offset.
        ("2024-03-12T08:30", "2024-03-12T08:30:00+01:00"),
        ("2024-07-12T08:30:15", "2024-07-12T08:30:15+02:00"),
    ],
)
def test_collection_times_keep_their_precision(text: str, written: str, paris: None) -> None:
    from cbc_cli.parse import parse_moment

    assert fhir_datetime(parse_moment(text)) == written


def test_an_hl7_collection_time_stays_a_time(paris: None) -> None:
    # OBR-7 20240312083000 (no zone): 08:30 on 12 March, local time.
    hl7 = (Path(__file__).resolve().parent.parent / "examples" / "oru_r01.hl7").read_bytes()
    assert b"|20240312083000|" in hl7
    document = validate(_bundle(interpret(hl7)))
    [report] = resources(document, "DiagnosticReport")
    assert report["effectiveDateTime"] == "2024-03-12T08:30:00+01:00"
    for observation in resources(document, "Observation"):
        assert observation["effectiveDateTime"] == "2024-03-12T08:30:00+01:00"
