"""Facts the code worked out are carried forward as values: writers and views read them, never
the text the code itself wrote (no ISO text parsed back, no notes matched by pattern)."""

from __future__ import annotations

import ast
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

from cbc_cli.api import interpret, interpret_file, resolve_scheme
from cbc_cli.grading import scheme_info
from cbc_cli.models import json_schema
from cbc_cli.trend import trend_json_schema
from cbc_cli.writers.fhir_writer import FhirWriter
from cbc_cli.writers.hl7_writer import Hl7Writer

ROOT = Path(__file__).resolve().parent.parent / "cbc_cli"

# The modules that only present or analyse results: writers, views, the trend's analysis. Each
# reads the typed values a Result (or a trend report) carries beside their ISO text.
PRESENTERS = (
    *sorted((ROOT / "writers").glob("*.py")),
    ROOT / "render.py",
    ROOT / "render_trend.py",
    *sorted((ROOT / "report").glob("*.py")),
    # The trend's analysis and words work from the draws' typed times (series reads the input);
    # its CSV view is with the writers above.
    *(ROOT / "trend" / f"{name}.py" for name in ("model", "words", "analysis", "build")),
)
READ_BACK = {"fromisoformat", "parse_moment", "strptime", "parse_date", "parse_datetime"}


def _calls(path: Path) -> list[str]:
    """The names of the functions ``path`` calls (plain or as attributes)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            names.append(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def test_no_writer_or_view_parses_a_date_back_from_text() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(READ_BACK.intersection(_calls(path)))
        for path in PRESENTERS
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def _hl7(*results: object) -> str:
    out = io.StringIO()
    writer = Hl7Writer(out, scheme_info(resolve_scheme("ctcae5")))
    for r in results:
        writer.write_result(r)  # type: ignore[arg-type]
    writer.close()
    return out.getvalue()


def _fhir(*results: object) -> dict[str, object]:
    out = io.StringIO()
    writer = FhirWriter(out, scheme_info(resolve_scheme("ctcae5")))
    for r in results:
        writer.write_result(r)  # type: ignore[arg-type]
    writer.close()
    bundle: dict[str, object] = json.loads(out.getvalue())
    return bundle


def _segment(message: str, name: str) -> list[str]:
    line = next(s for s in message.replace("\n", "\r").split("\r") if s.startswith(name + "|"))
    return line.split("|")


def test_a_day_first_collection_date_and_a_birth_date_reach_hl7_as_given() -> None:
    # 03/04/2024 read day first is 3 April; the writers take the date the reader made, to the
    # day (no time was given), not the text.
    r = interpret(
        {"hgb": "9.1", "anc": "0.8"},
        sex="female",
        dob="1970-05-06",
        collected="03/04/2024",
        date_format="dmy",
    )
    assert r.collected_at == "2024-04-03"
    hl7 = _hl7(r)
    assert _segment(hl7, "OBR")[7] == "20240403"
    assert _segment(hl7, "PID")[7] == "19700506"
    bundle = _fhir(r)
    resources = [e["resource"] for e in bundle["entry"]]  # type: ignore[attr-defined]
    report = next(x for x in resources if x["resourceType"] == "DiagnosticReport")
    assert report["effectiveDateTime"] == "2024-04-03"
    patient = next(x for x in resources if x["resourceType"] == "Patient")
    assert patient["birthDate"] == "1970-05-06"


def test_a_file_s_month_only_collection_keeps_its_precision_in_hl7() -> None:
    csv = b"sample_id,sex,dob,collected_at,hgb\nA1,F,2001-02-03,2024-03,9.1\n"
    (r,) = interpret_file(io.BytesIO(csv))
    assert r.collected_at == "2024-03"
    assert r.patient.born == date(2001, 2, 3)
    hl7 = _hl7(r)
    assert _segment(hl7, "OBR")[7] == "202403"
    assert _segment(hl7, "PID")[7] == "20010203"


def test_the_typed_values_stay_out_of_the_json_and_its_schema() -> None:
    r = interpret({"hgb": "9.1"}, sex="female", dob="1970-05-06", collected="2024-04-03T08:30")
    assert r.collected is not None
    assert r.collected.has_time
    data = json.loads(r.to_json())
    schema = json_schema()["$defs"]
    assert list(data) == list(schema["Result"]["properties"])
    assert list(data["patient"]) == list(schema["PatientInfo"]["properties"])
    assert data["collected_at"] == "2024-04-03T08:30"
    assert data["patient"]["birth_date"] == "1970-05-06"
    assert r.to_dict() == data


def _trend_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, csv: str, *args: str
) -> tuple[int, Any]:
    path = tmp_path / "draws.csv"
    path.write_text(csv, encoding="utf-8")
    code, out, _ = run_cli(capsys, "trend", str(path), "--format", "json", *args)
    return code, json.loads(out)


def test_a_trend_with_dob_carries_the_birth_date_and_the_age_at_each_draw(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = "sample_id,collected_at,anc\nA,2024-03-01,0.4\nB,2025-03-08,1.2\n"
    code, data = _trend_json(capsys, tmp_path, csv, "--dob", "2019-03-05")
    assert code == 0
    latest = data["persons"][0]["latest"]["patient"]
    assert latest["birth_date"] == "2019-03-05"
    assert latest["age"] == "6 y"
    assert latest["age_exact"] is True


def test_a_trend_draw_dated_to_the_month_gets_no_age_from_the_dob(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The age on "2024-03" cannot be told from a birth date (as for cbc check --collected):
    # the draw says so, and is not read as if taken on the 1st.
    csv = "sample_id,collected_at,anc\nA,2024-02-01,0.4\nB,2024-03,1.2\n"
    code, data = _trend_json(capsys, tmp_path, csv, "--dob", "2024-01-20")
    assert code == 3
    draws = {d["sample_id"]: d for d in data["persons"][0]["draws"]}
    assert draws["A"]["errors"] == []
    assert "gives only a month" in " ".join(draws["B"]["errors"])
    assert "line 3" in " ".join(draws["B"]["errors"])
    # The --dob was used (for the birth date), not overridden by a column the file lacks.
    assert not any("was not used" in n for n in data["persons"][0]["notes"])


def test_the_notes_to_read_before_the_message_are_carried_apart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The file's sex column wins over --sex, and no age is given: both notes change whose
    # ranges the message rests on, so the trend carries them apart (JSON notes_first, also in
    # notes) and the page puts them above the care-team box, each once.
    csv = "patient_id,collected_at,sex,plt,anc\nK1,2026-03-02,F,160,1.9\nK1,2026-03-09,F,70,0.4\n"
    _, data = _trend_json(capsys, tmp_path, csv, "--sex", "male", "-a", "plt", "-a", "anc")
    person = data["persons"][0]
    first = person["notes_first"]
    assert len(first) == 2
    assert first[0].startswith("the sex given (male) was not used: the file's sex column")
    assert first[1].startswith("Age not given: platelets and ANC were judged against every range")
    assert [n for n in person["notes"] if n in first] == first
    _, page, _ = run_cli(
        capsys, "trend", str(tmp_path / "draws.csv"), "--sex", "male", "-a", "plt", "-a", "anc"
    )
    flat = " ".join(page.split())
    box = flat.index("Contact your care team")
    for note in (
        "the sex given (male) was not used",
        "Age not given: platelets and ANC were judged",
    ):
        assert flat.count(note) == 1
        assert flat.index(note) < box


def test_the_trend_s_typed_times_stay_out_of_its_json_and_schema(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = "sample_id,collected_at,plt\nA,2026-03-02T08:30,40\nB,2026-03-09,90\n"
    _, data = _trend_json(
        capsys, tmp_path, csv, "--since", "2026-03-01", "--transfusion", "2026-03-03"
    )
    text = json.dumps(data)
    schema = json.dumps(trend_json_schema())
    for name in ("when", "since_date", "transfusion_dates"):
        assert f'"{name}"' not in text
        assert f'"{name}"' not in schema
    person = data["persons"][0]
    assert data["since"] == "2026-03-01"
    assert person["transfusions"] == ["2026-03-03"]
    assert [p["collected_at"] for p in person["analytes"][0]["points"]] == [
        "2026-03-02T08:30",
        "2026-03-09",
    ]
