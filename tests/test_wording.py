"""What the pages tell a person, where a clinical reading found the words wrong: the deferred
WBC row, the note for values judged without an age, an unreadable row, a quote left open at the
end of a file, and the critical limits behind the refusal of a bare white count."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from helpers import run_cli as run

from cbc_cli.ranges import shipped_ranges_dir
from cbc_cli.units import CRITICAL_AGE_NOT_GIVEN


def test_deferred_wbc_row_says_why_in_the_table_json_and_html(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # WBC 1.8 is below the adult critical limit 2.0 (Kost 1990) but the ANC 0.9 is known: the
    # urgency follows the neutrophils (README Urgency) and the WBC row says so itself.
    values = ["--wbc", "1.8", "--anc", "0.9", "--sex", "female", "--age", "50"]
    _, out, _ = run(capsys, "check", *values, "--format", "json")
    result = json.loads(out)["results"][0]
    wbc = next(a for a in result["analytes"] if a["analyte"] == "wbc")
    assert wbc["flag"] == "LL"  # the contract's flag code is unchanged
    assert "matter most for infection: 0.9 x10^9/L, low but not critical" in wbc["range_note"]
    assert result["urgency"] == "soon"
    _code, out, _ = run(capsys, "check", *values)
    table = " ".join(out.split())
    # The flag cell of the WBC row says so before the care-team message's box; its note, with
    # the neutrophil count, is among the page's notes.
    flag = table.index(
        "LL critically low (the urgency is set by the neutrophils: 0.9, low but not critical)"
    )
    assert flag < table.index("Contact your care team")
    assert "the urgency follows the neutrophils" in table
    page = tmp_path / "r.html"
    run(capsys, "check", *values, "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "the urgency is set by the neutrophils: 0.9, low but not critical" in html
    assert "the urgency follows the neutrophils" in html


def test_a_count_only_the_lab_called_critical_shows_the_labs_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Platelets 100 flagged LL by the lab: cbc's own flag is L (140-450, Merck) and the care-team
    # box says "now" (a lab's critical flag counts, HL7 table 0078). A nurse reviewer found a
    # table that showed only "L low" under a "now" box: the lab's flag is shown beside cbc's.
    values = ["--plt", "100 LL", "--hgb", "12.5", "--sex", "female", "--age", "40"]
    _, out, _ = run(capsys, "check", *values)
    table = " ".join(out.split())
    assert "L low (the lab's flag: LL critically low)" in table
    assert "Contact your care team now" in table
    assert "N normal (the lab" not in table  # a flag the lab did not print is not invented
    page = tmp_path / "r.html"
    run(capsys, "check", *values, "--format", "html", "-o", str(page))
    assert "the lab&#39;s flag: LL critically low" in page.read_text(encoding="utf-8")


def test_no_age_note_is_said_once_on_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    # No age or sex: each value is judged against every range that could apply (docs/clinical.md
    # section 3); the page says so once, the JSON keeps it on each value.
    values = ["--hgb", "5.0", "--plt", "20", "--wbc", "3.0"]
    _, out, _ = run(capsys, "check", *values)
    said = " ".join(out.split())  # (the console wraps the note)
    assert said.count("judged against every range that could apply") == 1
    # The counts by name, as a reader says them, not by their codes.
    assert "WBC, hemoglobin and platelets were judged" in said
    _, out, _ = run(capsys, "check", *values, "--format", "json")
    notes = [a["range_note"] for a in json.loads(out)["results"][0]["analytes"]]
    assert all("judged against every range that could apply" in n for n in notes)


def test_a_row_whose_only_value_is_unreadable_is_an_error_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Nothing read is nothing checked: never urgency "none" (README JSON and CSV; docs/errors.md).
    path = tmp_path / "in.csv"
    path.write_text("sample_id,sex,age,hgb\ns1,F,40,abc\ns2,F,40,13.0\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    rows = {r["sample_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["s1"]["status"] == "error"
    assert rows["s1"]["urgency"] == ""
    assert rows["s2"]["status"] == "ok"
    assert rows["s2"]["urgency"] == "none"
    _, out, _ = run(capsys, "check", str(path), "--format", "json")
    first = json.loads(out)["results"][0]
    assert first["status"] == "error"
    assert first["urgency"] is None


def test_a_quote_open_at_the_end_of_the_file_says_the_file_ends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text('sample_id,hgb,plt\ns1,9,200\ns2,"9,100\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert "the file ends inside a quoted cell (a quote opened on line 3 is never closed)" in out
    assert "line limit" not in out


def test_bare_white_count_limits_are_the_shipped_age_unknown_rows() -> None:
    # The refusal of a bare "150" says how urgent each reading is by the limits used when no age
    # is given: those must be the shipped age-unknown rows.
    doc = tomllib.loads((shipped_ranges_dir() / "critical_limits.toml").read_text("utf-8"))
    floor = {
        r["analyte"]: (r.get("critical_low"), r.get("critical_high"))
        for r in doc["range"]
        if r.get("condition") == "age-unknown"
    }
    for analyte, limits in CRITICAL_AGE_NOT_GIVEN.items():
        assert floor[analyte] == limits


# --- A hematology nurse's review (docs/clinical.md section 5) -------------------------------------


def test_no_range_cell_says_none_fits_and_what_would(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Hemoglobin 20.5 with no sex or age: the ranges that could apply disagree (a man's upper
    # limit is above it, a woman's below), so no single range fits this person until the sex
    # and age are given (docs/clinical.md section 3); "none applies" read as if no range existed.
    _, out, _ = run(capsys, "check", "--hgb", "20.5")
    table = " ".join(out.split())
    assert "none fits: give sex and age" in table
    assert "none applies" not in table
    _, out, _ = run(capsys, "check", "--hgb", "20.5", "--format", "json")
    (hgb,) = json.loads(out)["results"][0]["analytes"]
    assert "no single range fits until the sex and age are given" in hgb["range_note"]
    page = tmp_path / "r.html"
    run(capsys, "check", "--hgb", "20.5", "--format", "html", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "none fits: give sex and age" in html
    assert "none applies" not in html
    # No range at all for the person (band neutrophils at 3 weeks, none in the shipped files).
    _, out, _ = run(capsys, "check", "--band-pct", "5", "--age", "3w")
    assert "none fits this person" in " ".join(out.split())


def test_critical_box_names_the_count_and_limit_on_every_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Platelets 30 for a man of 70: below the adults' critical limit 37 (Kost 1990).
    values = ["--plt", "30", "--sex", "male", "--age", "70"]
    said = "Platelets are below 37 x10^9/L, the limit at which labs phone the care team at once."
    _, out, _ = run(capsys, "check", *values)
    assert said in " ".join(out.split())
    _, out, _ = run(capsys, "check", *values, "--format", "json")
    assert json.loads(out)["results"][0]["message"].startswith(said)
    page = tmp_path / "r.html"
    run(capsys, "check", *values, "--format", "html", "-o", str(page))
    assert said in " ".join(page.read_text(encoding="utf-8").split())
