"""An oncology nurse's read of the output, checked through the ways in that the scenario files
(tests/scenarios/nurse_review.toml) cannot reach: an unreadable cell in a CSV batch (row path,
columnar fast path, brief records) and in JSON input; a note said once; a child's care-team
message on the fast path. Expected answers come from docs/clinical.md, not from cbc's output.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import columnar_runner, run_cli
from test_columnar import _columnar, _scalar

from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import run
from cbc_cli.explanations import CARE_TEAM_MESSAGES, CHILD_CARE_TEAM_MESSAGES
from cbc_cli.panel import Patient
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source
from cbc_cli.writers.batch_writers import NdjsonWriter

# Row 1: the neutrophil cell cannot be read; every other count is inside the adult range
# (Merck: WBC 4.5-11.0, hemoglobin male 14.0-17.0, platelets 140-450). Row 2: the same with a
# readable normal ANC (Williams 1.8-7.7). "Cannot grade" is never "normal" (docs/clinical.md
# section 4): row 1 must ask the person to check with the care team, never say "none".
UNREADABLE = (
    "sample_id,sex,age,wbc,hgb,plt,anc\n"
    "S1,male,45,6.0,15.0,250,n0t-a-number\n"
    "S2,male,45,6.0,15.0,250,3.5\n"
)


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv_rows(text: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


def test_an_unreadable_neutrophil_cell_is_never_none_in_a_csv_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, UNREADABLE)
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 3  # a cell could not be read (README, Exit codes)
    rows = _csv_rows(out)
    assert [r["urgency"] for r in rows] == ["routine", "none"]
    assert "value.unreadable" in rows[0]["error"]
    # The fast path and the row path give the same bytes.
    assert _columnar(path, "ctcae5") == _scalar(path, "ctcae5")


def test_an_unreadable_neutrophil_cell_says_so_in_json_and_brief_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, UNREADABLE)
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code == 3
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["urgency"] == "routine"
    assert "neutrophil count could not be judged" in first["message"]
    assert "within range" not in first["message"]
    assert first["safety"]  # not plainly within range: the seek-care line stays
    assert second["urgency"] == "none"
    code, brief, _ = run_cli(capsys, "check", str(path), "--format", "ndjson", "--brief")
    assert [json.loads(line)["urgency"] for line in brief.splitlines()] == ["routine", "none"]


def test_an_unreadable_value_in_json_input_is_never_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = {"sample_id": "J1", "sex": "female", "age": 50, "hgb": 13.5, "anc": "??5"}
    path = _write(tmp_path, json.dumps([sample]), "results.json")
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "json")
    assert code == 3
    result = json.loads(out)["results"][0]
    assert result["urgency"] == "routine"
    assert "neutrophil count could not be judged" in result["message"]


def test_a_bound_across_the_limit_is_not_called_outside_the_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "<2" may be normal or low (adult ANC range from 1.8): nothing is known to be outside the
    # range, so the message says it could not be judged, not "outside their reference range".
    argv = ["check", "--anc", "<2", "--hgb", "15", "--sex", "male", "--age", "45"]
    code, out, _ = run_cli(capsys, *argv, "--format", "json")
    assert code == 0
    result = json.loads(out)["results"][0]
    assert result["urgency"] == "routine"
    assert result["message"].startswith("The neutrophil count could not be judged")
    assert "outside their reference range" not in result["message"]


def test_a_deferred_critical_wbc_is_noted_once(capsys: pytest.CaptureFixture[str]) -> None:
    # WBC 1.8 is below the adult critical limit 2.0 (Kost 1990); with the ANC known the urgency
    # follows the neutrophils (README, Urgency): one note says so, not two.
    argv = ["check", "--wbc", "1.8", "--anc", "0.9", "--sex", "female", "--age", "50"]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    page = " ".join(out.split())
    assert page.count("the urgency follows the neutrophils") == 1
    assert "is below its critical limit, but the neutrophil count is known" not in page


def test_a_childs_brief_record_speaks_to_the_parent_on_both_paths(tmp_path: Path) -> None:
    # Same values, a child (8 y) and an adult (40 y): the child's message names "your child's
    # care team" (docs/clinical.md section 6), the adult's does not, on the fast path and on the
    # row path alike.
    text = (
        "sample_id,sex,age,hgb,anc,plt\n"
        "C1,male,8,12.0,3.0,250\n"
        "A1,male,40,14.5,3.0,250\n"
        "C2,female,17,12.5,0.8,250\n"
        "A2,female,18,12.5,0.8,250\n"
    )
    path = _write(tmp_path, text)
    runner, source = columnar_runner(path, sink="brief")
    runner.formula_guard = False
    runner.run()
    source.close()
    fast = runner.out.getvalue()  # type: ignore[attr-defined]
    out = io.StringIO()
    writer = NdjsonWriter(out, brief=True)
    source = open_source(str(path))
    data = read_input(source)
    for _, result in run(data.records, default_ranges(), resolve_scheme("ctcae5"), Patient()):
        writer.write(None, result)
    source.close()
    assert fast == out.getvalue()
    messages = {r["sample_id"]: r["message"] for r in map(json.loads, fast.splitlines())}
    assert messages["C1"] == CHILD_CARE_TEAM_MESSAGES["none"]
    assert messages["A1"] == CARE_TEAM_MESSAGES["none"]
    assert "your child's care team" in messages["C2"]
    assert "your child" not in messages["A2"]


def test_a_childs_page_addresses_the_parent() -> None:
    from cbc_cli.api import interpret

    result = interpret({"hgb": "10.5", "plt": "250"}, sex="female", age=6)
    assert result.urgency == "routine"
    assert result.message.endswith(CHILD_CARE_TEAM_MESSAGES["routine"])
    assert " you feel" not in result.message
