"""With no age given, a value beyond a newborn's own critical limit (hemoglobin below 10 g/dL
under 15 days old: St. Luke's Cedar Rapids) but no limit from 1 month up (children 6.9, adults
6.6: Kost 1991, 1990) keeps the urgency its grade gives, and says what it would mean for a baby
where a parent reads first: the result's ``newborn_urgency``, the box's title and the message's
opening (docs/clinical.md section 5). A nurse reviewer found the title "next visit" over a
message saying "contact the baby's care team now"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret


def test_the_result_carries_a_newborns_urgency_only_where_it_is_higher() -> None:
    no_age = interpret({"hgb": "9"})
    assert (no_age.urgency, no_age.newborn_urgency) == ("routine", "now")
    assert no_age.message.startswith("If this is a baby under 15 days old")
    adult = interpret({"hgb": "9"}, sex="female", age=40)
    assert adult.newborn_urgency is None
    critical = interpret({"hgb": "6.5"})  # below every limit from 1 month up: now already
    assert (critical.urgency, critical.newborn_urgency) == ("now", None)


def test_the_page_title_says_it_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "check", "--hgb", "9")
    assert code == 0
    assert "If this is a newborn, contact the care team now (anyone older: see below)" in out
    _, out, _ = run_cli(capsys, "check", "--hgb", "9", "--sex", "female", "--age", "40")
    assert "newborn" not in out


def test_the_report_draws_it_as_now(capsys: pytest.CaptureFixture[str]) -> None:
    _, page, _ = run_cli(capsys, "check", "--hgb", "9", "--format", "html")
    assert 'class="urgency urgency-now"' in page
    assert "If this is a newborn, contact the care team now" in page


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_results_carry_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("sample_id,sex,age,hgb\nA,,,9\nB,F,40,9\nC,,,6.5\nD,,,12\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "check", str(path), "--format", "ndjson", "--jobs", jobs)
    assert code == 0
    got = {r["sample_id"]: r["newborn_urgency"] for r in map(json.loads, out.splitlines())}
    assert got == {"A": "now", "B": None, "C": None, "D": None}
