"""The shipped presets (cbc_cli/presets/*.toml), each against an export of the shape it is for
(examples/presets): every row accounted for, most interpreted with no other option."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret_file
from cbc_cli.config import load_preset, preset_names, preset_text

FIXTURES = Path(__file__).resolve().parent.parent / "examples" / "presets"
EXPORTS = {
    "epic-long": "epic_long_export.csv",
    "sysmex-xn": "sysmex_xn_export.csv",
    "beckman-dxh": "beckman_dxh_export.csv",
    "loinc-long": "loinc_long_export.csv",
}


def _csv(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, str]]]:
    code, out, err = run_cli(capsys, "check", *argv, "--format", "csv")
    assert code in (0, 3), err
    return code, list(csv.DictReader(io.StringIO(out)))


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict[str, object]]:
    _, out, _err = run_cli(capsys, "check", *argv, "--format", "json")
    return {str(r["sample_id"]): r for r in json.loads(out)["results"]}


def test_every_preset_has_an_export_and_says_what_it_was_modelled_on() -> None:
    assert set(preset_names()) == set(EXPORTS)
    for name in preset_names():
        text = preset_text(name)
        assert text.startswith("# Preset: ")
        # None was checked against a vendor's documentation (none was found): say so.
        assert "A typical shape, not a copy of" in text
        assert f"cbc presets show {name} > cbc.toml" in text
        assert tomllib.loads(text)["description"]
        load_preset(name)  # valid by the same rules as any cbc.toml


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_preset_accounts_for_every_row_of_its_export(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = FIXTURES / EXPORTS[name]
    with path.open(newline="", encoding="utf-8") as file:
        rows_in = list(csv.DictReader(file))
    _, rows_out = _csv(capsys, str(path), "--preset", name)
    assert len(rows_out) == len(rows_in)  # every row comes out, in its place
    for row_in, row_out in zip(rows_in, rows_out, strict=True):
        assert {k: row_out[k] for k in row_in} == row_in  # input columns unchanged
    results = list(interpret_file(path, preset=name))
    interpreted = [r for r in results if r.status == "ok"]
    assert len(interpreted) >= 3
    assert len(interpreted) > len(results) // 2


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_a_copied_preset_reads_as_the_preset_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    path = FIXTURES / EXPORTS[name]
    _, with_preset = _csv(capsys, str(path), "--preset", name)
    _code, out, _ = run_cli(capsys, "presets", "show", name)
    (tmp_path / "cbc.toml").write_text(out, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, copied = _csv(capsys, str(path))
    assert copied == with_preset


def _pancytopenia_after_chemotherapy(result: dict[str, object]) -> None:
    """WBC 1.1, Hgb 7.4 g/dL, platelets 18 and ANC 0.20 x10^9/L: NCI CTCAE v5.0 grades anemia
    3 (Hgb <8.0 g/dL), leukopenia 3 (<2.0-1.0), neutropenia 4 (<0.5) and thrombocytopenia 4
    (<25); a count past a critical limit is urgent."""
    grades = result["grades"]
    assert isinstance(grades, dict)
    assert (grades["anemia"], grades["leukopenia"]) == (3, 3)
    assert (grades["neutropenia"], grades["thrombocytopenia"]) == (4, 4)
    codes = {f["code"] for f in result["findings"]}  # type: ignore[attr-defined]
    assert "pancytopenia" in codes
    assert result["urgency"] == "now"


def test_epic_long_export(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / EXPORTS["epic-long"])
    # Without the preset nothing names the value column (ORD_VALUE): the file cannot be read.
    code, _, err = run_cli(capsys, "check", path)
    assert code == 3
    assert "no column of the header is an analyte" in err
    results = _json(capsys, path, "--preset", "epic-long")
    # ORDER_ID is the sample, though an ACCESSION column (an alias of the sample id) is first.
    assert list(results) == ["88412307", "88412311", "88412350", "88412399"]
    first = results["88412307"]
    _pancytopenia_after_chemotherapy(first)
    assert first["patient"]["sex"] == "female"  # type: ignore[index]
    assert first["patient"]["age"] == "54 y"  # type: ignore[index]  # BIRTH_DATE on the day taken
    assert results["88412311"]["urgency"] == "none"
    child = results["88412350"]
    assert child["patient"]["age"] == "4 y"  # type: ignore[index]
    assert child["grades"]["neutropenia"] == 4  # type: ignore[index]  # "<0.1": below 0.5
    # The cancelled RDW is a cell error with its line; the rest of the order is interpreted.
    assert child["status"] == "ok"
    assert [e["line"] for e in child["cell_errors"]] == [32]  # type: ignore[attr-defined]
    # The differential, resulted later (RESULT_TIME), stays in the same sample.
    assert {a["analyte"] for a in first["analytes"]} >= {"anc", "alc", "neut_pct"}  # type: ignore[attr-defined]
    _, rows = _csv(capsys, path, "--preset", "epic-long")
    monocytes = [r for r in rows if r["COMPONENT_NAME"] == "MONOCYTES ABSOLUTE"]
    assert [r["flag"] for r in monocytes] == ["", ""]  # not a CBC analyte cbc reads: kept


def test_sysmex_xn_export(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / EXPORTS["sysmex-xn"])
    results = _json(capsys, path, "--preset", "sysmex-xn")
    assert next(iter(results)) == "260302-0001"  # from "Sample No."
    _pancytopenia_after_chemotherapy(results["260302-0001"])
    # Every value masked ("----", as the analyser prints it): an error row, not a normal one.
    masked = results["260302-0005"]
    assert masked["status"] == "error"
    assert masked["urgency"] is None
    # A masked differential leaves the rest of the sample read.
    partly = results["260302-0004"]
    assert partly["status"] == "ok"
    assert "anc" not in {a["analyte"] for a in partly["analytes"]}  # type: ignore[attr-defined]
    # The header's unit is read: WBC 12.85 x10^3/uL is 12.85 x10^9/L.
    (wbc,) = [a for a in results["260302-0003"]["analytes"] if a["analyte"] == "wbc"]  # type: ignore[attr-defined]
    assert wbc["value"] == 12.85
    # The columnar path (a wide CSV written as CSV) reads the preset's columns too.
    _, rows = _csv(capsys, path, "--preset", "sysmex-xn", "--jobs", "1")
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "ok", "error", "ok"]
    assert rows[0]["neutropenia_grade"] == "4"


def test_beckman_dxh_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = FIXTURES / EXPORTS["beckman-dxh"]
    results = _json(capsys, str(path), "--preset", "beckman-dxh")
    _pancytopenia_after_chemotherapy(results["DX26-004410"])
    assert results["DX26-004412"]["patient"]["age"] == "4 y"  # type: ignore[index]
    assert results["DX26-004414"]["status"] == "error"  # an empty run: accounted for
    # The preset states US units; an export in SI units (Hgb 74 g/L) is refused, not misread
    # as 74 g/dL or guessed.
    si = tmp_path / "si.csv"
    text = path.read_text(encoding="utf-8").replace(",7.4,22.1,", ",74,22.1,")
    si.write_text(text, encoding="utf-8")
    hgb_si = _json(capsys, str(si), "--preset", "beckman-dxh")["DX26-004410"]
    assert "hgb" not in {a["analyte"] for a in hgb_si["analytes"]}  # type: ignore[attr-defined]
    assert any("hgb" in e["message"] for e in hgb_si["cell_errors"])  # type: ignore[attr-defined]


def test_loinc_long_export(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / EXPORTS["loinc-long"])
    results = _json(capsys, path, "--preset", "loinc-long")
    # The LOINC code names the test, though a TEST_NAME column (an alias) comes first.
    _pancytopenia_after_chemotherapy(results["L26-1001"])
    assert results["L26-1002"]["urgency"] == "none"
    # An order of glucose only: no CBC analyte, an error row in its place, never dropped.
    assert results["L26-1004"]["status"] == "error"
    _, rows = _csv(capsys, path, "--preset", "loinc-long")
    glucose = [r for r in rows if r["LOINC_CODE"] == "2345-7"]
    assert len(glucose) == 2
    assert {r["flag"] for r in glucose} == {""}
