"""Spreadsheet input: .xlsx (openpyxl, the spreadsheet extra) and .ods (standard library).

Workbooks are made in the tests: .xlsx with openpyxl, .ods written as the zip of XML that
OpenDocument defines (OASIS OpenDocument 1.2, part 1, section 9 "Tables"), with the repeated
rows and cells spreadsheet programs write.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret_file
from cbc_cli.readers.source import detect_format

openpyxl = pytest.importorskip("openpyxl")  # the spreadsheet extra; .ci/run installs it


def xlsx(path: Path, sheets: dict[str, list[list[object]]], percent: str | None = None) -> Path:
    """A workbook with these sheets; cells in column ``percent`` formatted as percentages."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if percent:
            for cell in sheet[percent][1:]:
                cell.number_format = "0.0%"
    book.save(path)
    return path


EXPORT: list[list[object]] = [
    ["Labor Musterstadt - Blutbild"],
    [],
    [
        "Probennummer",
        "Geschlecht",
        "Alter",
        "Leukozyten (G/l)",
        "Hämoglobin (g/dl)",
        "Thrombozyten (G/l)",
        "Neutrophile (G/l)",
        "Entnahmedatum",
    ],
    ["P-1", "W", 54, 3.1, 9.1, 62, "0.4 L", datetime(2024, 3, 1, 8, 30)],
    ["P-2", "M", 61, 7.123456789, 14.2, 250, 4.1, datetime(2024, 3, 1)],
]


def test_an_xlsx_sheet_is_read_as_its_csv_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "befund.xlsx", {"Blutbild": EXPORT})
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code in (0, 1), err
    lines = out.splitlines()
    assert lines[0].startswith("Probennummer,Geschlecht,Alter,Leukozyten (G/l),")
    # Numbers with their full precision, dates as ISO 8601 (with the time when there is one).
    assert lines[1].startswith("P-1,W,54,3.1,9.1,62,0.4 L,2024-03-01T08:30:00,")
    assert lines[2].startswith("P-2,M,61,7.123456789,14.2,250,4.1,2024-03-01,")
    assert "1 line above the header skipped (the header is line 3" in err
    [first, second] = list(interpret_file(path))
    assert first.sample_id == "P-1"
    assert first.patient.age == "54 y"
    anc = next(a for a in first.analytes if a.analyte == "anc")
    # 0.4 x10^9/L: CTCAE v5 grade 4 neutropenia (docs/clinical.md section 4); the lab's L kept.
    assert (anc.value, anc.flag, anc.lab_flag) == (0.4, "LL", "L")
    assert first.urgency == "now"
    assert second.status == "ok"


def test_percent_formatted_cells_are_percentages(tmp_path: Path) -> None:
    # A sheet stores 12.9% as 0.129: read as the percentage it shows, not as 0.129%.
    rows: list[list[object]] = [["sample_id", "WBC", "NEUT%"], ["S1", 3.1, 0.129]]
    path = xlsx(tmp_path / "pct.xlsx", {"CBC": rows}, percent="C")
    [r] = list(interpret_file(path, sex="F", age=54))
    assert {a.analyte: a.value for a in r.analytes}["neut_pct"] == 12.9
    # A % sign written as text in the format ("0.0"%"") shows the value as it is: 12.9.
    book = openpyxl.load_workbook(path)
    book.active["C2"].value = 12.9
    book.active["C2"].number_format = '0.0"%"'
    book.save(path)
    [r] = list(interpret_file(path, sex="F", age=54))
    assert {a.analyte: a.value for a in r.analytes}["neut_pct"] == 12.9


def test_the_sheet_is_chosen_by_name_or_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other: list[list[object]] = [["sample_id", "hgb"], ["S2", 13.5]]
    path = xlsx(tmp_path / "two.xlsx", {"Notes": [["nothing here"]], "CBC": other})
    code, out, _ = run_cli(capsys, "check", str(path), "-f", "csv", "--sheet", "CBC")
    assert code == 0
    assert out.splitlines()[1].startswith("S2,13.5,")
    code, out, _ = run_cli(capsys, "check", str(path), "-f", "csv", "--sheet", "2")
    assert code == 0
    assert out.splitlines()[1].startswith("S2,13.5,")
    [r] = list(interpret_file(path, sheet="CBC", sex="F", age=30))
    assert r.sample_id == "S2"
    # The first sheet by default: it names no analyte, which is said.
    code, _, err = run_cli(capsys, "check", str(path))
    assert code == 3
    assert "no column of the header is an analyte" in err
    code, _, err = run_cli(capsys, "check", str(path), "--sheet", "Results")
    assert code == 3
    assert "no sheet 'Results'" in err
    assert "1 'Notes', 2 'CBC'" in err


def test_sheet_applies_to_workbooks_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("sample_id,hgb\nS1,13.5\n")
    code, _, err = run_cli(capsys, "check", str(path), "--sheet", "1")
    assert code == 2
    assert "--sheet applies to .xlsx and .ods" in err


def test_an_xlsx_without_the_extra_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx(tmp_path / "b.xlsx", {"CBC": [["sample_id", "hgb"], ["S1", 9.1]]})
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    code, _, err = run_cli(capsys, "check", str(path))
    assert code == 2
    assert "cbc-cli[spreadsheet]" in err
    assert "Traceback" not in err


def test_a_damaged_workbook_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = xlsx(tmp_path / "b.xlsx", {"CBC": [["sample_id", "hgb"], ["S1", 9.1]]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:1500])
    code, _, err = run_cli(capsys, "check", str(cut))
    assert code == 3
    assert "not a readable .xlsx workbook" in err
    assert "Traceback" not in err


def test_workbooks_are_told_by_their_bytes_then_their_name(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "export.dat", {"CBC": [["sample_id", "hgb"], ["S1", 9.1]]})
    assert detect_format(path.read_bytes()[:4096]) == "xlsx"
    assert detect_format(ods_bytes([["hgb"], ["9.1"]])[:4096]) == "ods"
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert detect_format(other.getvalue()) == "binary"
    assert detect_format(other.getvalue(), "x.xlsx") == "xlsx"
    [r] = list(interpret_file(path, sex="F", age=54))
    assert r.sample_id == "S1"


# --- ods ---------------------------------------------------------------------------------------

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, tuple):  # raw XML attributes and text
        attrs, text = value
        return f"<table:table-cell {attrs}><text:p>{text}</text:p></table:table-cell>"
    if isinstance(value, float | int):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value!r}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def ods_bytes(rows: list[list[object]], extra_sheets: dict[str, str] | None = None) -> bytes:
    """An .ods workbook whose first sheet holds ``rows``, then the unused area a spreadsheet
    program writes (a row repeated a million times, cells repeated a thousand)."""
    body = "".join(
        "<table:table-row>"
        + "".join(_ods_cell(c) for c in row)
        + '<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
        for row in rows
    )
    body += (
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    tables = f'<table:table table:name="Blutbild">{body}</table:table>'
    for name, xml in (extra_sheets or {}).items():
        tables += f'<table:table table:name="{name}">{xml}</table:table>'
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}>'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # The mimetype comes first, stored: that is how a reader knows an .ods by its bytes.
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def test_an_ods_sheet_is_read_as_its_csv_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["Labor Musterstadt"],
        [],
        [
            "Probennummer",
            "Geschlecht",
            "Alter",
            "Hämoglobin (g/dl)",
            "Thrombozyten (G/l)",
            "Neutrophile (%)",
            "Entnahmedatum",
        ],
        [
            "P-1",
            "W",
            54,
            9.1,
            62,
            ('office:value-type="percentage" office:value="0.129"', "12.9 %"),
            ('office:value-type="date" office:date-value="2024-03-01T08:30:00"', "01.03.24"),
        ],
        [
            "P-2",
            "W",
            54,
            13.123456789,
            ('table:number-columns-repeated="1"', "*250"),
            None,
            ('office:value-type="date" office:date-value="2024-03-01"', "01.03.24"),
        ],
    ]
    path = tmp_path / "befund.ods"
    path.write_bytes(ods_bytes(rows))
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code in (0, 1), err
    lines = out.splitlines()
    # The trailing repeated empty cells are not carried; 12.9% is 12.9, not 0.129.
    assert lines[0].startswith("Probennummer,Geschlecht,Alter,Hämoglobin (g/dl),")
    assert lines[1].startswith("P-1,W,54,9.1,62,12.9%,2024-03-01T08:30:00,")
    assert lines[2].startswith("P-2,W,54,13.123456789,*250,,2024-03-01,")
    assert len(lines) == 3  # the million repeated empty rows make no rows
    assert "1 line above the header skipped" in err
    first, second = list(interpret_file(path))
    assert {a.analyte: a.value for a in first.analytes}["neut_pct"] == 12.9
    plt = next(a for a in second.analytes if a.analyte == "plt")
    assert (plt.value, plt.lab_flag) == (250.0, "A")


def test_an_ods_sheet_by_name(tmp_path: Path) -> None:
    second = (
        "<table:table-row>"
        + _ods_cell("sample_id")
        + _ods_cell("hgb")
        + "</table:table-row><table:table-row>"
        + _ods_cell("S9")
        + _ods_cell(12.5)
        + "</table:table-row>"
    )
    path = tmp_path / "two.ods"
    path.write_bytes(ods_bytes([["nothing"]], {"CBC": second}))
    [r] = list(interpret_file(path, sheet="CBC", sex="F", age=30))
    assert r.sample_id == "S9"
    assert r.analytes[0].value == 12.5


def test_a_damaged_ods_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.ods"
    data = ods_bytes([["sample_id", "hgb"], ["S1", 9.1]])
    path.write_bytes(data[:200])
    code, _, err = run_cli(capsys, "check", str(path))
    assert code == 3
    assert "not a readable .ods workbook" in err
