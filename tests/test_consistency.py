"""Values that do not fit together (docs/clinical.md section 2) are said before anything read
from them, in every view: the terminal page, the HTML report, FHIR and HL7 output, and the JSON
of every batch path. The case is a nurse reviewer's: hemoglobin 9 g/dL with hematocrit 66 %,
an MCHC of 13.6 g/dL where 28-38 is the widest reference at any age (Dallman 1977)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret

PAIR = ["--hgb", "9", "--hct", "66", "--sex", "female", "--age", "50"]


def test_the_library_result_carries_the_note_apart_from_the_other_notes() -> None:
    result = interpret({"hgb": "9", "hct": "66"}, sex="female", age=50)
    assert len(result.consistency) == 1
    assert "do not fit together" in result.consistency[0]
    assert not any("do not fit together" in n for n in result.notes)
    fits = interpret({"hgb": "9", "hct": "27"}, sex="female", age=50)
    assert fits.consistency == []


def test_the_page_says_it_before_the_care_team_message_and_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "check", *PAIR)
    assert code == 0
    text = " ".join(out.split())
    check = text.find("Check these values: hemoglobin 9 g/dL and hematocrit 66% do not fit")
    assert check != -1
    assert check < text.find("Contact your care team now") < text.find("Findings")
    assert "Anemia" in text  # nothing is hidden on a guess


def test_the_report_says_it_right_after_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, page, _ = run_cli(capsys, "check", *PAIR, "--format", "html")
    assert code == 0
    note = page.find('class="consistency"')
    assert note != -1
    assert page.find('class="urgency') < note < page.find("The counts")


def test_fhir_and_hl7_say_it_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", *PAIR, "--format", "fhir")
    assert code == 0
    bundle = json.loads(out)
    reports = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DiagnosticReport"
    ]
    assert reports[0]["conclusion"].startswith("Check these values: hemoglobin 9 g/dL")
    code, out, _ = run_cli(capsys, "check", *PAIR, "--format", "hl7")
    assert code == 0
    notes = [s for s in out.replace("\n", "\r").split("\r") if s.startswith("NTE|")]
    first_remark = next(s for s in notes if s.endswith("|RE") or "|RE" in s)
    assert "check these values: hemoglobin 9 g/dL" in first_remark


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_batch_path_carries_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "sample_id,sex,age,hgb,hct\nA,F,50,9,66\nB,F,50,9,27\nC,M,50,12.5,56\n", encoding="utf-8"
    )
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "ndjson", "--jobs", jobs)
    assert code == 0
    said = {r["sample_id"]: r["consistency"] for r in map(json.loads, out.splitlines())}
    assert [bool(said[s]) for s in "ABC"] == [True, False, True]
    assert "22.3 g/dL" in said["C"][0]
