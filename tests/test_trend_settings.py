"""cbc trend takes its settings as cbc check does (README, Config files and presets): ./cbc.toml,
--config/CBC_CONFIG, --preset/CBC_PRESET, the CBC_* variables and the user's cbc.toml, in the
same order, with the same errors and the origins cbc config show prints; and --skip-lines and
--sheet mean what they mean on cbc check. Everything here runs the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
# Headers no alias knows (Neutros, Plaq, Drawn): read only when [columns] maps them.
EXPORT = (
    "MRN,Tube,Drawn,sex,age,Neutros,Plaq,Hb\n"
    "P1,T1,2026-03-02,F,54,4.2,240,12.8\n"
    "P1,T2,2026-03-09,F,54,0.4,58,11.8\n"
    "P1,T3,2026-03-16,F,54,0.3,25,10.6\n"
)
MAPPING = (
    '[columns]\npatient_id = "MRN"\nsample_id = "Tube"\ncollected_at = "Drawn"\n'
    'anc = "Neutros"\nplt = "Plaq"\nhgb = "Hb"\n'
)
# A lab's printed hemoglobin range for adults (lower limit 11.5 g/dL, under the shipped 12.0).
LAB_RANGE = (
    '[[range]]\nanalyte = "hgb"\nage_from = "18y"\nlow = 11.5\nhigh = 15\n'
    'unit = "g/dL"\nsource = "Our lab, 2026"\n'
)
SERIES = ROOT / "examples" / "trend_chemo_cycle.csv"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def _grading(capsys: pytest.CaptureFixture[str], command: str, *args: str) -> str:
    code, out, err = run_cli(capsys, command, str(SERIES), "-f", "json", *args)
    assert code == 0, err
    return str(json.loads(out)["grading"]["id"])


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


# --- the settings layers ---------------------------------------------------------------------


def test_trend_reads_the_column_map_of_the_working_folder_cbc_toml(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(work / "export.csv", EXPORT)
    code, out, _ = run_cli(capsys, "trend", "export.csv", "-f", "csv")
    # Without settings only Hb is read, and no draw has a date cbc can find.
    assert code == 3
    assert {r["analyte"] for r in _rows(out)} <= {"", "hgb"}
    _write(work / "cbc.toml", MAPPING)
    code, out, err = run_cli(capsys, "trend", "export.csv", "-f", "csv")
    assert code == 0, err
    rows = _rows(out)
    assert {r["patient_id"] for r in rows} == {"P1"}
    anc = [(r["sample_id"], r["value"], r["nadir"]) for r in rows if r["analyte"] == "anc"]
    assert anc == [("T1", "4.20", ""), ("T2", "0.40", ""), ("T3", "0.30", "yes")]


def _layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layer: str) -> list[str]:
    """Set up the layers up to ``layer`` (each naming another grading) and return the options
    to give; the working folder is tmp_path/work."""
    work = tmp_path / "work"
    xdg = tmp_path / "xdg"
    _write(xdg / "cbc" / "cbc.toml", 'grading = "ctcae4"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    if layer == "user":
        return []
    _write(work / "cbc.toml", 'grading = "ctcae6"\n')
    if layer == "cwd":
        return []
    chosen = _write(tmp_path / "chosen.toml", 'grading = "daids"\n')
    if layer == "env CBC_CONFIG":
        monkeypatch.setenv("CBC_CONFIG", str(chosen))
        return []
    if layer == "--config":
        return ["--config", str(chosen)]
    monkeypatch.setenv("CBC_SCHEME", "ctcae4")
    if layer == "env CBC_SCHEME":
        return ["--config", str(chosen)]
    return ["--config", str(chosen), "--grading", "ctcae5"]


@pytest.mark.parametrize(
    ("layer", "grading", "origin"),
    [
        ("user", "ctcae4", "user file "),
        ("cwd", "ctcae6", "file ./cbc.toml"),
        ("--config", "daids21", "file "),
        ("env CBC_CONFIG", "daids21", "file "),
        ("env CBC_SCHEME", "ctcae4", "env CBC_SCHEME"),
        ("--grading", "ctcae5", "command line --grading"),
    ],
)
def test_trend_and_check_take_the_grading_from_the_same_layer(
    tmp_path: Path,
    work: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    layer: str,
    grading: str,
    origin: str,
) -> None:
    args = _layers(tmp_path, monkeypatch, layer)
    assert _grading(capsys, "trend", *args) == grading
    assert _grading(capsys, "check", *args) == grading
    code, out, err = run_cli(capsys, "config", "show", *args)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("grading = "))
    assert line.split("  # ")[1].startswith(origin), line
    if layer == "env CBC_CONFIG":
        assert line.endswith("(env CBC_CONFIG)")


def test_trend_reads_a_preset_given_as_option_or_cbc_preset(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    export = str(ROOT / "examples" / "presets" / "epic_long_export.csv")
    code, _, err = run_cli(capsys, "trend", export)
    assert code == 3  # a long export whose columns only the preset names (an input error)
    assert "no column of the header is an analyte cbc reads" in err
    code, out, err = run_cli(capsys, "trend", export, "--preset", "epic-long", "-f", "csv")
    # Exit 3 for the one cell the export holds as text (rdw 'see comment', line 32).
    assert (code, err) == (
        3,
        "cbc: 1 cell could not be read (the rest of their draws was); the report says why\n",
    )
    by_preset = _rows(out)
    # The first specimen of the export: WBC 1.1 K/uL, ANC 0.2, PLT 18 (epic_long_export.csv).
    first = {r["analyte"]: r["value"] for r in by_preset if r["line"] == by_preset[0]["line"]}
    assert first == {"anc": "0.20", "plt": "18", "hgb": "7.4"}
    monkeypatch.setenv("CBC_PRESET", "epic-long")
    code, out, err = run_cli(capsys, "trend", export, "-f", "csv")
    assert code == 3, err
    assert _rows(out) == by_preset


def test_range_files_from_settings_the_environment_and_options_all_reach_trend(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(work / "export.csv", EXPORT)
    _write(work / "lab.toml", LAB_RANGE)

    def hgb_flag() -> str:
        code, out, err = run_cli(capsys, "trend", "export.csv", "-f", "csv")
        assert code == 0, err
        return next(r["flag"] for r in _rows(out) if r["analyte"] == "hgb" and r["line"] == "3")

    _write(work / "cbc.toml", MAPPING)
    assert hgb_flag() == "L"  # 11.8 g/dL under the shipped adult range (12.0 g/dL)
    _write(work / "cbc.toml", 'ranges = ["lab.toml"]\n' + MAPPING)
    assert hgb_flag() == "N"  # within the lab's range (from 11.5 g/dL)
    _write(work / "cbc.toml", MAPPING)
    monkeypatch.setenv("CBC_RANGES", "lab.toml")
    assert hgb_flag() == "N"


# --- errors: the same as cbc check's ----------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "args", "exit_code", "message"),
    [
        ('[columns]\nhgbx = "HGB"\n', [], 2, "cbc.toml: [columns] hgbx: unknown analyte or column"),
        ("grading = [\n", [], 2, "cbc.toml: not valid TOML"),
        ('sex = "female"\n', [], 2, "cbc.toml: sex: a settings file never sets a person's"),
        ('ranges = ["nope.toml"]\n', [], 4, "ranges: nope.toml: no such file"),
        (None, ["--config", "missing.toml"], 2, "missing.toml: no such file"),
        (None, ["--preset", "sysmex"], 2, "unknown preset 'sysmex' (did you mean sysmex-xn?)"),
        (None, ["--grading", "ctcae9"], 2, "Invalid value for '--grading'"),
    ],
)
def test_a_settings_error_stops_trend_as_it_stops_check(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    setup: str | None,
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    if setup is not None:
        _write(work / "cbc.toml", setup)
    code, out, err = run_cli(capsys, "trend", str(SERIES), *args)
    assert (code, out) == (exit_code, ""), err
    assert message in err
    check = run_cli(capsys, "check", str(SERIES), *args)
    assert check[0] == code
    assert check[2].replace("cbc check", "cbc trend") == err


def test_a_bad_cbc_variable_stops_trend(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CBC_SCHEME", "x")
    code, _, err = run_cli(capsys, "trend", str(SERIES))
    assert code == 2
    assert err.startswith("cbc: error: CBC_SCHEME: unknown grading scheme 'x'")


def test_trend_output_never_overwrites_a_settings_file(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(work / "lab.toml", 'grading = "ctcae5"\n')
    code, _, _ = run_cli(capsys, "trend", str(SERIES), "--config", "lab.toml", "-o", "lab.toml")
    assert code == 2
    assert config.read_text(encoding="utf-8") == 'grading = "ctcae5"\n'


# --- --skip-lines and --sheet --------------------------------------------------------------------

# A legend line that names counts would be taken for the header: --skip-lines says where it is.
PREAMBLE = "Legend: anc,plt,hgb\nprinted 2026-03-20\n"
PLAIN = (
    "patient_id,collected_at,sex,age,anc,plt,hgb\n"
    "P1,2026-03-02,F,54,4.2,240,12.8\n"
    "P1,2026-03-09,F,54,0.4,58,10.6\n"
)


def test_skip_lines_places_the_header(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(work / "plain.csv", PLAIN)
    _write(work / "titled.csv", PREAMBLE + PLAIN)
    code, _, err = run_cli(capsys, "trend", "titled.csv", "-f", "csv")
    assert code == 3  # the legend read as the header: no draw can be placed
    code, out, err = run_cli(capsys, "trend", "titled.csv", "-f", "csv", "--skip-lines", "2")
    assert code == 0, err
    skipped = _rows(out)
    code, out, _ = run_cli(capsys, "trend", "plain.csv", "-f", "csv")
    plain = _rows(out)
    # The same draws; only the line numbers move down by the two lines skipped.
    assert [{**r, "line": str(int(r["line"]) + 2)} for r in plain] == skipped
    assert {r["value"] for r in skipped if r["analyte"] == "anc"} == {"4.20", "0.40"}


@pytest.mark.parametrize(
    ("file", "args", "exit_code", "message"),
    [
        ("titled.csv", ["--skip-lines", "9"], 3, "no header after the 9 lines skipped"),
        ("series.json", ["--skip-lines", "1"], 2, "--skip-lines applies to CSV, TSV and spreads"),
        ("titled.csv", ["--skip-lines", "-1"], 2, "Invalid value for '--skip-lines'"),
        ("titled.csv", ["--sheet", "1"], 2, "--sheet applies to .xlsx and .ods workbooks"),
    ],
)
def test_skip_lines_and_sheet_errors_are_check_errors(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    args: list[str],
    exit_code: int,
    message: str,
) -> None:
    _write(work / "titled.csv", PREAMBLE + PLAIN)
    rows = list(csv.DictReader(io.StringIO(PLAIN)))
    _write(work / "series.json", json.dumps(rows))
    code, out, err = run_cli(capsys, "trend", file, *args)
    assert (code, out) == (exit_code, ""), err
    assert message in err
    check = run_cli(capsys, "check", file, *args)
    assert check[0] == code
    assert check[2].replace("cbc check", "cbc trend") == err


def test_sheet_picks_the_workbook_sheet_by_name_or_position(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    openpyxl = pytest.importorskip("openpyxl")  # the spreadsheet extra
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Cycle 1, ward 4"])
    sheet = book.create_sheet("CBC")
    for line in PLAIN.splitlines():
        cells = line.split(",")
        sheet.append([float(c) if c[:1].isdigit() and "-" not in c else c for c in cells])
    book.save(work / "series.xlsx")
    _write(work / "plain.csv", PLAIN)
    code, out, _ = run_cli(capsys, "trend", "plain.csv", "-f", "csv")
    expected = [(r["collected_at"], r["analyte"], r["value"], r["flag"]) for r in _rows(out)]
    for chosen in ("CBC", "2"):
        code, out, err = run_cli(capsys, "trend", "series.xlsx", "-f", "csv", "--sheet", chosen)
        assert code == 0, err
        got = [(r["collected_at"], r["analyte"], r["value"], r["flag"]) for r in _rows(out)]
        assert got == expected
    code, _, err = run_cli(capsys, "trend", "series.xlsx")  # the first sheet: the notes
    assert code == 3
    assert "no column of the header is an analyte cbc reads" in err
    code, _, err = run_cli(capsys, "trend", "series.xlsx", "--sheet", "Results")
    assert code == 3  # sheet.unknown: an input error, as on cbc check
    assert "no sheet 'Results'" in err
    assert run_cli(capsys, "check", "series.xlsx", "--sheet", "Results")[2] == err
