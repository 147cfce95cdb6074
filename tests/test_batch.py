"""Batch input and output (README, Inputs and Outputs): real-looking exports in, every row out.

Fixtures live in tests/fixtures/exports/ (its README says what each one exercises); gzip copies
and binary files are made in tmp_path. CLI tests go through ``cbc_cli.cli.main``; library tests
through ``readers.read_input`` and ``batch.run``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbc_cli.analytes import ANALYTES, aliases
from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import run
from cbc_cli.cli import main
from cbc_cli.errors import InputError, UsageError
from cbc_cli.models import Result, to_data
from cbc_cli.readers import Input, read_input
from cbc_cli.readers.records import Record, is_missing
from cbc_cli.readers.source import Source, open_source
from cbc_cli.writers.batch_writers import CsvWriter

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"
EXPECTED = EXPORTS / "expected"

SYSMEX = ["--column", "Sample No.=sample_id"]
EURO = [
    "--column",
    "Probe=sample_id",
    "--column",
    "Geschlecht=sex",
    "--column",
    "Alter=age",
    "--column",
    "Leukozyten=wbc",
    "--column",
    "Thrombozyten=plt",
    "--column",
    "Erythrozyten=rbc",
]

# fixture -> (extra options, data rows in it: blank lines are not rows, a quoted line break is
# inside one row, and a quote that never closes ends its own row).
FIXTURES: dict[str, tuple[list[str], int]] = {
    "small_wide.csv": ([], 6),
    "sysmex_xn_crlf.csv": (SYSMEX, 4),
    "epic_results_bom.csv": ([], 4),
    "euro_semicolon_latin1.csv": (EURO, 4),
    "legacy_cr_only.csv": ([], 3),
    "lis_long_flagged.csv": ([], 10),
    "long_ref_columns.csv": ([], 7),
    "broken_rows.csv": ([], 6),
    "mixed_units.csv": ([], 3),
    "one_sided_ranges.csv": ([], 3),
    "na_and_comparators.csv": ([], 4),
    "analyzer_tab.tsv": ([], 2),
}
CONTRACT_TAIL = ["findings", "urgency", "status", "error"]


@pytest.fixture(autouse=True)
def _batch_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # No terminal and an empty stdin unless a test pipes something in; defaults ranges only.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CBC_RANGES", raising=False)


def cbc(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``cbc ARGV``; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def check_csv(
    capsys: pytest.CaptureFixture[str], name: str, *extra: str
) -> tuple[int, list[list[str]], str]:
    """``cbc check FIXTURE --format csv``: (exit code, parsed rows with header, stderr)."""
    options, _ = FIXTURES.get(name, ([], 0))
    delimiter = "\t" if name.endswith(".tsv") else ";" if "semicolon" in name else ","
    code, out, err = cbc(capsys, "check", str(EXPORTS / name), "--format", "csv", *options, *extra)
    return code, list(csv.reader(io.StringIO(out), delimiter=delimiter)), err


def rows_as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    """Output rows keyed by column (for columns whose name is unique)."""
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def fixture_text(name: str) -> str:
    """A fixture's text as a careful reader would decode it."""
    data = (EXPORTS / name).read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_records(path: Path, *, columns: tuple[str, ...] = ()) -> tuple[Input, list[Result]]:
    """The library path: open, read, interpret; results in input order."""
    with closing(open_source(str(path))) as source:
        data = read_input(source, columns=columns)
        scheme = resolve_scheme(None)
        results = [result for _, result in run(data.records, default_ranges(), scheme)]
    return data, results


def analyte(result: Result, analyte_id: str) -> Any:
    """The JSON data of one analyte of a result."""
    found = [a for a in to_data(result)["analytes"] if a["analyte"] == analyte_id]
    assert len(found) == 1, [a["analyte"] for a in to_data(result)["analytes"]]
    return found[0]


# --- the fixtures are what they claim to be ---------------------------------------------------


def test_fixture_bytes_carry_their_quirks() -> None:
    # If git or an editor normalised the files, the quirk tests below would test nothing.
    assert (EXPORTS / "sysmex_xn_crlf.csv").read_bytes().count(b"\r\n") == 5
    cr_only = (EXPORTS / "legacy_cr_only.csv").read_bytes()
    assert b"\n" not in cr_only
    assert cr_only.count(b"\r") == 4
    assert (EXPORTS / "epic_results_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    latin1 = (EXPORTS / "euro_semicolon_latin1.csv").read_bytes()
    assert b"H\xe4molyse" in latin1
    with pytest.raises(UnicodeDecodeError):
        latin1.decode("utf-8")
    assert (EXPORTS / "empty.csv").read_bytes() == b""


# --- every row accounted for ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_rows_out_equal_rows_in(capsys: pytest.CaptureFixture[str], name: str) -> None:
    _, rows_in = FIXTURES[name]
    code, rows, err = check_csv(capsys, name)
    assert code in (0, 3), err
    assert len(rows) - 1 == rows_in
    # Every output row has the full width: input columns, then cbc's.
    assert {len(row) for row in rows} == {len(rows[0])}
    assert rows[0][-4:] == CONTRACT_TAIL


@pytest.mark.parametrize("name", sorted(set(FIXTURES) - {"broken_rows.csv"}))
def test_input_columns_come_out_unchanged_and_in_order(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    delimiter = "\t" if name.endswith(".tsv") else ";" if "semicolon" in name else ","
    table = [
        row
        for row in csv.reader(io.StringIO(fixture_text(name), newline=""), delimiter=delimiter)
        if any(cell.strip() for cell in row)
    ]
    header = table[0]
    while not header[-1].strip():  # trailing empty columns are not columns
        header = header[:-1]
    width = len(header)
    _, rows, _ = check_csv(capsys, name, "--no-formula-guard")
    assert rows[0][:width] == header
    for given_row, out_row in zip(table[1:], rows[1:], strict=True):
        assert out_row[:width] == (given_row + [""] * width)[:width]


def test_library_yields_one_record_per_row_in_input_order() -> None:
    data, results = read_records(EXPORTS / "small_wide.csv")
    assert data.format == "csv"
    assert not data.long
    assert data.header == ["sample_id", "sex", "age", "WBC", "Hb", "PLT", "ANC", "comment"]
    assert data.analytes == ["wbc", "hgb", "plt", "anc"]
    assert [r.sample_id for r in results] == ["S-01", "S-02", "S-03", "S-04", "S-05", "S-06"]
    assert [r.line for r in results] == [2, 3, 4, 5, 6, 7]
    assert [r.status for r in results] == ["ok"] * 5 + ["error"]
    assert [r.patient.sex for r in results[:2]] == ["female", "male"]  # F, M
    assert results[0].patient.age == "54 y"


# --- exact output -------------------------------------------------------------------------------


def test_csv_output_matches_the_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    # The golden file keeps S-06's lone "-" (a missing value) as "-": the formula guard quotes
    # text that a spreadsheet would run, and a lone "-" is not such text.
    code, out, err = cbc(capsys, "check", str(EXPORTS / "small_wide.csv"), "--format", "csv")
    assert code == 3  # S-05 has a bad cell and S-06 no value
    assert out == (EXPECTED / "small_wide.flagged.csv").read_text(encoding="utf-8")
    assert "1 of 6 samples could not be read" in err


def test_library_csv_writer_gives_the_same_bytes_as_the_cli() -> None:
    scheme = resolve_scheme(None)
    out = io.StringIO()
    with closing(open_source(str(EXPORTS / "small_wide.csv"))) as source:
        data = read_input(source)
        writer = CsvWriter(
            out, data.header, data.analytes, scheme, long=data.long, delimiter=data.delimiter
        )
        for record, result in run(data.records, default_ranges(), scheme):
            writer.write(record, result)
        writer.close()
    assert out.getvalue() == (EXPECTED / "small_wide.flagged.csv").read_text(encoding="utf-8")


def test_csv_contract_columns_for_wide_input(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = check_csv(capsys, "small_wide.csv")
    added = rows[0][8:]
    # Flags for the analytes read, in catalogue order; then grades, findings and status.
    assert added[:4] == ["wbc_flag", "hgb_flag", "plt_flag", "anc_flag"]
    assert all(column.endswith("_grade") for column in added[4:-4])
    assert "anemia_grade" in added
    assert "thrombocytopenia_grade" in added
    first = rows_as_dicts(rows)[0]
    assert first["findings"].split(";")[:2] == ["anemia", "leukopenia"]
    # WBC 1.9 is below its critical limit, but the ANC (0.8, CTCAE grade 3) is known and
    # decides: soon, not now (engine.decide, README "Urgency").
    assert first["urgency"] == "soon"
    assert first["status"] == "ok"
    assert first["error"] == ""


# --- errors keep their place ------------------------------------------------------------------


def test_error_rows_keep_their_place_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = check_csv(capsys, "broken_rows.csv")
    assert code == 3
    out = rows_as_dicts(rows)
    assert [r["sample_id"] for r in out] == ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6"]
    assert [r["status"] for r in out] == ["ok", "error", "ok", "error", "ok", "ok"]
    # Each problem starts with its code (docs/errors.md).
    assert out[1]["error"] == "[input.invalid] line 3: the row has 9 fields but the header has 7"
    assert out[3]["error"].startswith(
        "[input.invalid] line 5: the file ends inside a quoted cell (a quote opened on line 5"
    )
    assert "quote" in out[3]["error"]
    # The rows after a quote that never closes are read as rows, not swallowed into it.
    assert out[4]["hgb_flag"] == "L"
    assert out[4]["comment"] == "after the broken quote"
    assert out[5]["hgb_flag"] == "N"
    assert "2 of 6 samples could not be read" in err
    assert "lines 3, 4, 5" in err


def test_a_bad_cell_keeps_the_rest_of_its_row(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = check_csv(capsys, "broken_rows.csv")
    b3 = rows_as_dicts(rows)[2]
    assert b3["status"] == "ok"
    assert b3["plt_flag"] == ""
    assert b3["hgb_flag"] == "N"
    assert b3["wbc_flag"] == "N"
    assert b3["error"].startswith("[value.unreadable] line 4: plt: 'abc' is not a number")


def test_cell_errors_name_line_and_column_in_the_library() -> None:
    _, results = read_records(EXPORTS / "small_wide.csv")
    s05 = results[4]
    assert s05.status == "ok"
    assert [(e.line, e.field) for e in s05.cell_errors] == [(6, "WBC")]
    assert {a.analyte for a in s05.analytes} == {"hgb", "plt", "anc"}
    s06 = results[5]
    assert s06.status == "error"
    assert s06.error is not None
    assert s06.error.line == 7
    assert s06.urgency is None


def test_unclosed_quote_on_the_last_line_is_an_error_row(tmp_path: Path) -> None:
    path = tmp_path / "tail.csv"
    path.write_bytes(b'id,hgb,note\nQ-1,9.1,"x"y\nQ-2,12.0,"never closed\n')
    _, results = read_records(path)
    # Text after a closing quote on one line is read leniently; an open quote at the end is not.
    assert [r.status for r in results] == ["ok", "error"]
    assert results[1].error is not None
    assert results[1].error.line == 3


def test_stderr_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = check_csv(capsys, "small_wide.csv")
    assert code == 3
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cbc: ")
    assert "1 of 6 samples could not be read" in lines[0]
    assert "1 cell could not be read" in lines[0]
    assert "(lines 6, 7)" in lines[0]


def test_clean_run_says_nothing_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = check_csv(capsys, "legacy_cr_only.csv")
    assert code == 0
    assert err == ""
    assert len(rows) == 4


# --- exit codes ---------------------------------------------------------------------------------


def test_exit_codes_and_fail_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = str(EXPORTS / "legacy_cr_only.csv")  # reads cleanly; CR-1 and CR-3 abnormal
    assert cbc(capsys, "check", path, "--format", "ndjson")[0] == 0
    assert cbc(capsys, "check", path, "--format", "ndjson", "--fail-on", "never")[0] == 0
    assert cbc(capsys, "check", path, "--format", "ndjson", "--fail-on", "abnormal")[0] == 1
    # CR-1's WBC 1.9 is below its critical limit, but its ANC (0.8) is known and decides: soon.
    assert cbc(capsys, "check", path, "--format", "ndjson", "--fail-on", "critical")[0] == 0
    critical = tmp_path / "critical.csv"
    critical.write_text("id,sex,age,hgb,plt\nC-1,F,40,6.0,250\n", encoding="utf-8")
    for output in ("ndjson", "csv"):  # hemoglobin 6.0 is below its critical limit (6.6)
        assert (
            cbc(capsys, "check", str(critical), "--format", output, "--fail-on", "critical")[0] == 1
        )
    normal = tmp_path / "normal.csv"
    normal.write_text("id,sex,age,hgb,plt\nOK-1,F,40,13.5,250\n", encoding="utf-8")
    assert cbc(capsys, "check", str(normal), "--format", "csv", "--fail-on", "abnormal")[0] == 0
    abnormal_only = tmp_path / "soon.csv"
    abnormal_only.write_text("id,sex,age,hgb,plt\nL-1,F,40,11.0,250\n", encoding="utf-8")
    assert cbc(capsys, "check", str(abnormal_only), "--fail-on", "critical")[0] == 0
    assert cbc(capsys, "check", str(abnormal_only), "--fail-on", "abnormal")[0] == 1


@pytest.mark.parametrize("fail_on", ["never", "abnormal", "critical"])
def test_any_row_or_cell_error_exits_3_whatever_fail_on_says(
    capsys: pytest.CaptureFixture[str], fail_on: str
) -> None:
    for name in ("small_wide.csv", "one_sided_ranges.csv", "broken_rows.csv"):
        code, _, _ = check_csv(capsys, name, "--fail-on", fail_on)
        assert code == 3, name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "the input is empty"),
        ("header_only.csv", "no data rows"),
        ("no_analyte_column.csv", "no column of the header is an analyte"),
    ],
)
def test_unreadable_inputs_exit_3_with_one_line(
    capsys: pytest.CaptureFixture[str], name: str, message: str
) -> None:
    code, _, err = cbc(capsys, "check", str(EXPORTS / name), "--format", "ndjson")
    assert code == 3
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cbc: error: ")
    assert message in lines[0]


def test_binary_file_exits_3_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4)
    code, out, err = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "binary" in err


def test_binary_gzip_is_still_binary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "dump.bin.gz"
    path.write_bytes(gzip.compress(b"\x00\x01\x02" * 100))
    code, _, err = cbc(capsys, "check", str(path))
    assert code == 3
    assert "binary" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXPORTS / "small_wide.csv")
    for argv in (
        ["check", path, "--column", "no-equals-sign"],
        ["check", path, "--column", "WBC=not-an-analyte"],
        ["check", path, "--unit", "hgb"],
        ["check", path, "--format", "xml"],
        ["check", path, "--fail-on", "sometimes"],
    ):
        code, out, err = cbc(capsys, *argv)
        assert code == 2, argv
        assert out == ""
        assert len(err.splitlines()) == 1, err


def test_missing_file_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cbc(capsys, "check", str(tmp_path / "nope.csv"))
    assert code == 3
    assert "no such file" in err


# --- NDJSON, JSON and the table -----------------------------------------------------------------


def test_ndjson_is_one_line_per_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cbc(capsys, "check", str(EXPORTS / "small_wide.csv"), "--format", "ndjson")
    assert code == 3
    lines = out.splitlines()
    assert len(lines) == 6
    results = [json.loads(line) for line in lines]
    assert [r["sample_id"] for r in results] == ["S-01", "S-02", "S-03", "S-04", "S-05", "S-06"]
    assert results[5]["status"] == "error"
    assert results[5]["error"]["line"] == 7
    # Long input: one line per sample, not per row.
    _, out, _ = cbc(capsys, "check", str(EXPORTS / "lis_long_flagged.csv"), "--format", "ndjson")
    assert [json.loads(line)["sample_id"] for line in out.splitlines()] == [
        "A-1001",
        "A-1002",
        "A-1003",
    ]


def test_ndjson_equals_the_library_results(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cbc(capsys, "check", str(EXPORTS / "mixed_units.csv"), "--format", "ndjson")
    _, results = read_records(EXPORTS / "mixed_units.csv")
    assert [json.loads(line) for line in out.splitlines()] == [to_data(r) for r in results]


def test_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cbc(capsys, "check", str(EXPORTS / "epic_results_bom.csv"), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert set(document) == {"schema_version", "grading", "results"}
    assert document["schema_version"] == "1.3"
    assert document["grading"]["id"] == "ctcae5"
    assert len(document["results"]) == 4
    first = document["results"][0]
    assert first["sample_id"] == "W-26-000871"
    assert first["status"] == "ok"
    assert first["error"] is None
    assert first["patient"]["sex"] == "female"
    assert {"analyte", "value", "unit", "input", "flag", "reference_range"} <= set(
        first["analytes"][0]
    )


def test_json_of_an_input_with_only_error_rows_still_parses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,hgb\nX-1,\nX-2,NA\n", encoding="utf-8")
    code, out, _ = cbc(capsys, "check", str(path), "--format", "json")
    assert code == 3
    results = json.loads(out)["results"]
    assert [(r["status"], r["error"]["line"]) for r in results] == [("error", 2), ("error", 3)]


def test_table_format_summarises_a_batch(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cbc(capsys, "check", str(EXPORTS / "small_wide.csv"))
    assert code == 3
    assert out.strip()
    assert "\x1b[" not in out
    assert "anemia" in out.lower()
    assert "samples could not be read" in err


def test_csv_output_of_ndjson_input_is_a_row_per_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # No input columns to carry through: the sample's identifiers, then the contract columns
    # with a flag column for every analyte of the catalogue (which ones a sample holds is not
    # known before it is read).
    path = tmp_path / "results.ndjson"
    path.write_text(
        '{"id": "J-1", "patient_id": "P-1", "collected_at": "2024-03-01", "sex": "F", '
        '"age": 54, "hgb": 9.1, "plt": 62}\n'
        '{"id": "=J-2", "hgb": "abc"}\n',
        encoding="utf-8",
    )
    code, out, err = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 3  # J-2's hemoglobin cannot be read
    rows = list(csv.reader(io.StringIO(out)))
    scheme = resolve_scheme(None)
    from cbc_cli.writers.csv_writer import contract_columns

    assert rows[0] == [
        "sample_id",
        "line",
        "patient_id",
        "collected_at",
        *contract_columns(ANALYTES, scheme),
    ]
    assert rows[0][4 : 4 + len(ANALYTES)] == [f"{a}_flag" for a in ANALYTES]
    j1, j2 = rows_as_dicts(rows)
    assert (j1["sample_id"], j1["line"], j1["patient_id"], j1["collected_at"]) == (
        "J-1",
        "1",
        "P-1",
        "2024-03-01",
    )
    assert (j1["hgb_flag"], j1["plt_flag"], j1["wbc_flag"]) == ("L", "L", "")
    assert j1["anemia_grade"] == "2"
    assert j1["findings"] == "anemia;thrombocytopenia;bicytopenia"
    assert (j1["urgency"], j1["status"], j1["error"]) == ("routine", "ok", "")
    assert j2["sample_id"] == "'=J-2"  # the formula guard applies to these cells too
    assert j2["line"] == "2"
    # Its only value cannot be read: nothing was interpreted, so an error sample, never "ok".
    assert (j2["status"], j2["hgb_flag"], j2["urgency"]) == ("error", "", "")
    assert "'abc' is not a number" in j2["error"]
    assert "1 cell could not be read" in err
    # The same through NDJSON output: one sample a line, so the rows match it.
    _, out, _ = cbc(capsys, "check", str(path), "--format", "ndjson")
    assert [json.loads(line)["sample_id"] for line in out.splitlines()] == ["J-1", "=J-2"]


@pytest.mark.parametrize(
    ("text", "name"),
    [("[]\n", "empty.json"), ('{"samples": []}\n', "wrapped.json")],
)
def test_json_without_samples_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, name: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, _, err = cbc(capsys, "check", str(path), "--format", "ndjson")
    assert code == 3
    [line] = err.splitlines()
    assert "no sample cbc reads in the input" in line
    assert "an object per sample" in line
    assert "header" not in line  # not the CSV message: a JSON document has no header


# --- long layout ---------------------------------------------------------------------------------


def test_long_layout_groups_by_sample_and_collection_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, rows, _ = check_csv(capsys, "long_ref_columns.csv")
    assert code == 3  # P-9's WBC is "oops"
    header = rows[0]
    assert header[:9] == [
        "sample_id",
        "collected_at",
        "sex",
        "age",
        "analyte",
        "value",
        "unit",
        "ref_low",
        "ref_high",
    ]
    assert header[9] == "flag"  # the input has no flag column of its own
    assert not any(h.endswith("_flag") for h in header)  # long output has a flag per row
    out = rows_as_dicts(rows)
    assert [r["flag"] for r in out] == ["L", "L", "L", "L", "L", "N", ""]
    # The sample's columns repeat on each of its rows; P-7 on two dates is two samples.
    sample_columns = header[10:]
    by_sample: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for r in out:
        key = (r["sample_id"], r["collected_at"])
        by_sample.setdefault(key, set()).add(tuple(r[c] for c in sample_columns))
    assert list(by_sample) == [
        ("P-7", "2026-03-01"),
        ("P-7", "2026-03-08"),
        ("P-9", "2026-03-01"),
    ]
    assert all(len(values) == 1 for values in by_sample.values())
    assert out[0]["findings"] == out[2]["findings"] != out[3]["findings"]
    assert out[0]["neutropenia_grade"] == "3"  # ANC 800/uL
    assert out[3]["neutropenia_grade"] == ""  # no ANC on 8 March
    assert out[6]["error"].startswith(
        "[value.unreadable] line 8: value: wbc: 'oops' is not a number"
    )


def test_long_layout_with_a_flag_column_names_cbcs_cbc_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, rows, _ = check_csv(capsys, "lis_long_flagged.csv")
    header = rows[0]
    assert header[:11] == fixture_text("lis_long_flagged.csv").splitlines()[0].split(",")
    assert header[11] == "cbc_flag"
    assert header.count("flag") == 1
    out = rows_as_dicts(rows)
    assert [r["flag"] for r in out] == ["L", "L", "", "", "", "", "", "", "LL", ""]
    # A-1002's platelets: the NA row ("clumped") gets no flag, the repeat (210) is read and N.
    assert [r["cbc_flag"] for r in out] == ["L", "L", "N", "N", "", "N", "", "N", "LL", "N"]
    assert out[4]["test_name"] == "Sodium"  # not a CBC test: carried through, no flag


@pytest.mark.parametrize(
    ("header", "renamed"),
    [
        # hgb_flag is the lab's flag column (the scalar path); Status matches case-insensitively.
        ("id,sex,age,hgb,plt,hgb_flag,findings,Status", ["hgb_flag", "findings", "status"]),
        # No flag column: the columnar path writes the same header through CsvWriter.
        ("id,sex,age,hgb,plt,urgency,error,anemia_grade", ["urgency", "error", "anemia_grade"]),
    ],
)
def test_added_columns_named_like_an_input_column_get_a_cbc_prefix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, header: str, renamed: list[str]
) -> None:
    path = tmp_path / "named.csv"
    path.write_text(f"{header}\nA,F,54,9.1,62,x,y,z\n", encoding="utf-8")
    code, out, _ = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    given = header.split(",")
    assert rows[0][: len(given)] == given
    added = rows[0][len(given) :]
    for name in renamed:
        assert f"cbc_{name}" in added
        assert name not in added
    assert len(set(rows[0])) == len(rows[0])
    # Only the names change: cbc's cells are where they always are.
    expected = ["hgb_flag", "plt_flag", "anemia_grade"]
    expected = [f"cbc_{c}" if c in renamed else c for c in expected]
    assert added[:3] == expected
    assert rows[1][: len(given)] == ["A", "F", "54", "9.1", "62", "x", "y", "z"]
    out_row = dict(zip(rows[0], rows[1], strict=True))
    assert out_row[expected[0]] == "L"
    assert out_row[expected[2]] == "2"
    assert out_row["cbc_status" if "status" in renamed else "status"] == "ok"


def test_long_layout_reads_loinc_sex_codes_dob_and_lab_ranges() -> None:
    data, results = read_records(EXPORTS / "lis_long_flagged.csv")
    assert data.long
    a1001, a1002, a1003 = results
    assert a1001.patient.sex == "female"  # ISO 5218: 2
    assert a1002.patient.sex == "male"  # 1
    assert a1001.patient.age is not None
    assert a1001.patient.age.startswith("54")  # born 1971-05-04, collected 2026-03-02
    anc = analyte(a1001, "anc")
    # The lab's ">1.5" replaces the default 1.8 lower limit for this value: 1.6 is normal.
    assert anc["flag"] == "N"
    assert (anc["reference_range"]["low"], anc["reference_range"]["high"]) == (1.5, None)
    assert anc["reference_range"]["source"] == "lab range given with the result"
    bands = analyte(a1001, "band_pct")
    assert (bands["reference_range"]["low"], bands["reference_range"]["high"]) == (None, 5.0)
    wbc = analyte(a1001, "wbc")
    assert (wbc["reference_range"]["low"], wbc["reference_range"]["high"]) == (4.0, 11.0)
    hgb = analyte(a1002, "hgb")
    assert (hgb["reference_range"]["low"], hgb["reference_range"]["high"]) == (13.5, 17.5)
    # An NA result followed by a repeat with a value is no conflict: the repeat is used.
    assert a1002.cell_errors == []
    assert analyte(a1002, "plt")["value"] == 210
    plt = analyte(a1003, "plt")
    assert (plt["comparator"], plt["flag"]) == ("<", "LL")


# --- formula guard -------------------------------------------------------------------------------


def test_formula_guard_makes_text_cells_inert(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = check_csv(capsys, "epic_results_bom.csv")
    comments = [r["Comment"] for r in rows_as_dicts(rows)]
    assert comments == [
        "'=cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        "called to ward 4B,\nread back by RN",
        "'+1 repeat tomorrow",
    ]
    _, rows, _ = check_csv(capsys, "small_wide.csv")
    assert [r["comment"] for r in rows_as_dicts(rows)][2:5] == ["'=1+2", "'@review", "'-see note"]
    # S-06's Hb is a lone "-", the missing-value token: not a formula, so it stays "-" (the
    # golden file expected/small_wide.flagged.csv pins the same), while "-see note" is guarded.
    assert rows_as_dicts(rows)[5]["Hb"] == "-"


def test_no_formula_guard_leaves_cells_as_given(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = check_csv(capsys, "epic_results_bom.csv", "--no-formula-guard")
    comments = [r["Comment"] for r in rows_as_dicts(rows)]
    assert comments[0] == "=cmd|' /C calc'!A0"
    assert comments[1] == "@SUM(A1:A9)"
    assert comments[3] == "+1 repeat tomorrow"


def test_formula_guard_leaves_numbers_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "signed.csv"
    path.write_text("id,hgb,delta,note\nD-1,9.1,-1.5,+2\nD-2,9.4,+0.3,-\n", encoding="utf-8")
    code, out, _ = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    # A lone "-" is the missing-value token, not a formula (a spreadsheet shows it as text), so
    # it is carried through unchanged like any other missing cell.
    assert [row[:4] for row in rows[1:]] == [
        ["D-1", "9.1", "-1.5", "+2"],
        ["D-2", "9.4", "+0.3", "-"],
    ]


# --- streams and files ---------------------------------------------------------------------------


def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "flagged.csv"
    code, out, _ = cbc(
        capsys, "check", str(EXPORTS / "small_wide.csv"), "--format", "csv", "-o", str(target)
    )
    assert code == 3
    assert out == ""
    assert target.read_text(encoding="utf-8") == (EXPECTED / "small_wide.flagged.csv").read_text(
        encoding="utf-8"
    )


def test_stdin_dash_reads_like_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (EXPORTS / "euro_semicolon_latin1.csv").read_bytes()
    code, from_file, _ = cbc(
        capsys, "check", str(EXPORTS / "euro_semicolon_latin1.csv"), "--format", "ndjson", *EURO
    )
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code_stdin, from_stdin, err = cbc(capsys, "check", "-", "--format", "ndjson", *EURO)
    assert (code_stdin, from_stdin) == (code, from_file)
    assert len(from_stdin.splitlines()) == 4
    assert "<stdin>: not UTF-8; read as Latin-1" in err


def test_gzip_file_and_gzip_on_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = EXPORTS / "sysmex_xn_crlf.csv"
    packed = tmp_path / "sysmex_xn_crlf.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = cbc(capsys, "check", str(plain), "--format", "csv", *SYSMEX)
    assert expected[0] == 0
    assert cbc(capsys, "check", str(packed), "--format", "csv", *SYSMEX) == expected
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(packed.read_bytes())))
    assert cbc(capsys, "check", "-", "--format", "csv", *SYSMEX) == expected


def test_damaged_gzip_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    packed = gzip.compress((EXPORTS / "small_wide.csv").read_bytes())
    for name, data in (("cut.csv.gz", packed[:40]), ("fake.csv.gz", b"\x1f\x8bnot gzip")):
        path = tmp_path / name
        path.write_bytes(data)
        code, _, err = cbc(capsys, "check", str(path), "--format", "ndjson")
        assert code == 3, err
        assert len(err.splitlines()) == 1
        assert "gzip data is damaged" in err


def test_input_delimiter_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cbc(
        capsys, "check", str(EXPORTS / "euro_semicolon_latin1.csv"), "--format", "csv", *EURO
    )
    header = out.splitlines()[0]
    assert header.startswith("Probe;Geschlecht;Alter;Hb (g/L);Leukozyten;")
    assert header.endswith(";findings;urgency;status;error")
    assert "," not in header
    # Findings are joined by ';', so that cell is quoted in a ';' file.
    assert '"anemia;leukopenia;thrombocytopenia;pancytopenia"' in out
    _, out, _ = cbc(capsys, "check", str(EXPORTS / "analyzer_tab.tsv"), "--format", "csv")
    assert out.splitlines()[0].split("\t")[:4] == ["specimen", "sex", "age", "Hb"]
    assert out.splitlines()[2].split("\t")[6] == "ok, reviewed"


# --- real-export quirks --------------------------------------------------------------------------


def test_bom_is_not_part_of_the_first_column() -> None:
    data, results = read_records(EXPORTS / "epic_results_bom.csv")
    assert data.header[0] == "MRN"
    assert [r.sample_id for r in results][:2] == ["W-26-000871", "W-26-000872"]
    anc = analyte(results[0], "anc")
    assert (anc["input"], anc["comparator"], anc["flag"]) == ("<0.1", "<", "LL")


def test_crlf_and_cr_only_line_ends(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = check_csv(capsys, "sysmex_xn_crlf.csv")
    assert all("\r" not in cell for row in rows for cell in row)
    out = rows_as_dicts(rows)
    assert [r["Sample No."] for r in out] == ["000412", "000413", "000414", "000415"]
    assert out[0]["LYMPH%(%)"] == "36.8"  # the last real column, before the trailing empty ones
    data, results = read_records(EXPORTS / "legacy_cr_only.csv")
    assert data.header == ["id", "sex", "age", "hgb", "wbc", "plt", "anc"]
    assert [r.sample_id for r in results] == ["CR-1", "CR-2", "CR-3"]
    assert [r.line for r in results] == [2, 3, 4]
    assert all(r.status == "ok" and not r.cell_errors for r in results)


def test_sysmex_headers_with_units_in_parentheses() -> None:
    data, results = read_records(EXPORTS / "sysmex_xn_crlf.csv", columns=("Sample No.=sample_id",))
    assert data.analytes == [
        "wbc",
        "rbc",
        "hgb",
        "hct",
        "mcv",
        "mch",
        "mchc",
        "plt",
        "rdw",
        "anc",
        "neut_pct",
        "alc",
        "lymph_pct",
    ]
    assert results[0].sample_id == "000412"
    assert analyte(results[0], "anc")["value"] == pytest.approx(0.8)
    assert analyte(results[0], "rbc")["unit"] == "10^12/L"
    assert not any(r.cell_errors for r in results)
    # 000415 has no differential: those cells are empty, not errors.
    assert {a.analyte for a in results[3].analytes} >= {"wbc", "hgb", "plt"}


def test_semicolons_decimal_commas_and_latin1(capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = check_csv(capsys, "euro_semicolon_latin1.csv")
    assert code == 0
    out = rows_as_dicts(rows)
    assert [r["Probe"] for r in out] == ["7001", "7002", "7003", "7004"]
    assert out[0]["Bemerkung"] == "Hämolyse leicht"
    assert out[2]["Bemerkung"] == "Gerät geprüft, Café-Probe"
    assert out[0]["Leukozyten"] == "3,2"  # carried through as given
    assert "not UTF-8; read as Latin-1" in err
    assert "1 blank row skipped" in err
    _, results = read_records(EXPORTS / "euro_semicolon_latin1.csv", columns=tuple(EURO[1::2]))
    assert analyte(results[0], "wbc")["value"] == pytest.approx(3.2)
    assert analyte(results[0], "hgb")["value"] == pytest.approx(9.1)  # 91 g/L
    assert analyte(results[0], "rbc")["value"] == pytest.approx(3.1)
    assert results[0].patient.sex == "female"  # W (weiblich)


def test_missing_tokens_and_comparators() -> None:
    _, results = read_records(EXPORTS / "na_and_comparators.csv")
    assert not any(r.cell_errors for r in results)
    assert [sorted(a.analyte for a in r.analytes) for r in results] == [
        ["hgb"],
        ["anc", "plt", "wbc"],
        ["plt", "wbc"],
        ["hgb"],
    ]
    n2 = results[1]
    assert [(a.analyte, a.comparator, a.flag) for a in n2.analytes] == [
        ("wbc", "<", "LL"),
        ("plt", "<=", "LL"),
        ("anc", "<", "LL"),
    ]
    assert n2.grades["neutropenia"] == 4
    n3 = results[2]
    assert [(a.analyte, a.comparator, a.flag) for a in n3.analytes] == [
        ("wbc", ">", "HH"),
        ("plt", ">", "HH"),
    ]


def test_a_run_of_dashes_is_a_missing_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Sysmex analysers print "---" or "----" for a masked value: missing, like "-" and "--",
    # on the scalar path (NDJSON) and on the columnar CSV path alike.
    path = tmp_path / "masked.csv"
    path.write_text(
        "id,sex,age,WBC,Hb,PLT,ANC\nM-1,F,54,---,9.1,----,--\nM-2,M,61,6.2,-----,245,-\n",
        encoding="utf-8",
    )
    _, results = read_records(path)
    assert not any(r.cell_errors for r in results)
    assert [[a.analyte for a in r.analytes] for r in results] == [["hgb"], ["wbc", "plt"]]
    code, out, err = cbc(capsys, "check", str(path), "--format", "csv")
    assert (code, err) == (0, "")
    rows = rows_as_dicts(list(csv.reader(io.StringIO(out))))
    assert [(r["wbc_flag"], r["hgb_flag"], r["plt_flag"]) for r in rows] == [
        ("", "L", ""),
        ("N", "", "N"),
    ]
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert not is_missing("-5")  # a negative number is a value (refused later), not missing
    assert not is_missing("-see note")


def test_units_from_headers_and_unit_columns() -> None:
    _, results = read_records(EXPORTS / "mixed_units.csv")
    m1, m2, m3 = results
    assert analyte(m1, "wbc")["value"] == pytest.approx(3.2)  # 3200 /uL
    assert analyte(m1, "plt")["value"] == pytest.approx(95)  # 10^3/uL
    assert analyte(m1, "alc")["value"] == pytest.approx(0.9)  # 900 cells/uL
    assert analyte(m1, "anc")["value"] == pytest.approx(1.5)  # unit column: cells/uL
    assert analyte(m2, "anc")["value"] == pytest.approx(4.1)  # unit column: 10^9/L
    assert analyte(m2, "hgb")["value"] == pytest.approx(14.0)  # 140 g/L
    assert analyte(m3, "hgb")["value"] == pytest.approx(7.9 / 0.6206, rel=1e-3)  # mmol/L
    assert analyte(m1, "wbc")["input"] == "3200"
    assert all(r.status == "ok" and not r.cell_errors for r in results)


def test_unit_and_column_options_map_what_aliases_cannot(tmp_path: Path) -> None:
    path = tmp_path / "local.csv"
    path.write_text("Probe,Haemoglobin,Blutplaettchen\nU-1,91,62\n", encoding="utf-8")
    with closing(open_source(str(path))) as source:
        data = read_input(
            source, columns=["Probe=sample_id", "Blutplaettchen=plt"], units=["hgb=g/L"]
        )
        record = next(data.records)
    assert record.sample_id == "U-1"
    assert record.panel is not None
    assert record.panel.values["hgb"].value == pytest.approx(9.1)
    assert record.panel.values["plt"].value == pytest.approx(62)
    with closing(open_source(str(path))) as source, pytest.raises(UsageError):
        read_input(source, units=["hgb=g/L"], columns=["Probe=nothing"])


def test_header_aliases_with_brackets_are_not_units(tmp_path: Path) -> None:
    # "Hemoglobin (HGB)" and "Age (years)" are aliases, not a name and a unit.
    path = tmp_path / "report.csv"
    path.write_text("Sample ID,Sex,Age (years),Hemoglobin (HGB)\nH-1,F,40,11.0\n", "utf-8")
    _, results = read_records(path)
    (result,) = results
    assert result.sample_id == "H-1"
    assert result.patient.age == "40 y"
    assert not result.cell_errors
    assert analyte(result, "hgb")["flag"] == "L"


def test_per_row_lab_ranges_in_a_wide_file() -> None:
    _, results = read_records(EXPORTS / "one_sided_ranges.csv")
    r1, r2, r3 = results
    plt = analyte(r1, "plt")
    assert (plt["reference_range"]["low"], plt["reference_range"]["high"]) == (130.0, None)
    assert plt["flag"] == "N"  # 140 is low by the default range, normal by the lab's ">130"
    wbc = analyte(r1, "wbc")
    assert (wbc["reference_range"]["low"], wbc["reference_range"]["high"]) == (3.5, None)
    assert wbc["flag"] == "N"
    bands = analyte(r1, "band_pct")
    assert (bands["reference_range"]["high"], bands["flag"]) == (5.0, "N")
    assert analyte(r1, "hgb")["reference_range"]["low"] == 11.5  # "11.5 - 15.5"
    assert analyte(r2, "hgb")["reference_range"]["high"] == 11.0  # "4.0 to 11.0"
    assert analyte(r2, "hgb")["flag"] == "H"
    assert analyte(r2, "band_pct")["flag"] == "H"
    # ">59" is no hemoglobin range in g/dL (59 g/L, perhaps): refused like an impossible value,
    # and the value is judged against the default range instead.
    assert analyte(r3, "hgb")["reference_range"]["low"] == 12.0
    # An unreadable range is a cell error; the value is still read, against the default range.
    assert [(e.line, e.field) for e in r3.cell_errors] == [(4, "PLT"), (4, "Hb")]
    assert "did you mean 59 g/L?" in r3.cell_errors[1].message
    plt3 = analyte(r3, "plt")
    assert plt3["flag"] == "N"
    assert plt3["reference_range"]["source"] != "lab range given with the result"


# --- property: readers never raise anything but InputError/UsageError ----------------------------

_HEADERS = {
    analyte_id: [a for a in (analyte_id, *aliases(analyte_id), *spec.loinc) if "," not in a]
    for analyte_id, spec in ANALYTES.items()
}
_CELLS = st.one_of(
    st.sampled_from(["", " ", "NA", "n/a", "-", "null", "?", "<0.1", ">1000", "1e400", "1,5"]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: f"{x:g}"),
    st.integers(min_value=-500, max_value=200000).map(str),
    # csv.writer quotes a CR only when its line terminator has one, and a bare CR ends a line
    # (CR-only exports): keep CR out of generated cells.
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=8),
)


@st.composite
def wide_csvs(draw: st.DrawFn) -> tuple[bytes, int]:
    """A small wide CSV (bytes) and its number of non-blank data rows."""
    ids = draw(st.lists(st.sampled_from(sorted(ANALYTES)), min_size=1, max_size=5, unique=True))
    header = [draw(st.sampled_from(_HEADERS[a])) for a in ids]
    context = draw(st.lists(st.sampled_from(["sex", "age", "id", "dob", "collected_at", "note"])))
    header = [*dict.fromkeys(context), *header]
    rows = draw(st.lists(st.lists(_CELLS, min_size=len(header), max_size=len(header)), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    expected = sum(1 for row in rows if any(cell.strip() for cell in row))
    return out.getvalue().encode("utf-8"), expected


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_csvs())
def test_readers_never_raise_and_keep_every_row(case: tuple[bytes, int]) -> None:
    data, expected = case
    source = Source(io.BufferedReader(io.BytesIO(data)), "<property>")
    try:
        opened = read_input(source)
        pairs: list[tuple[Record, Result]] = list(
            run(opened.records, default_ranges(), resolve_scheme(None))
        )
    except (InputError, UsageError):
        return
    assert len(pairs) == expected
    for record, result in pairs:
        assert result.status in ("ok", "error")
        assert (result.status == "error") == (result.error is not None)
        assert record.line is not None


def test_a_temperature_for_the_file_keeps_the_fever_rules_in_csv_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The columnar CSV path has no fever rules: with --temp the engine handles every row.
    path = tmp_path / "f.csv"
    path.write_text("sample_id,sex,age,ANC\ns1,F,40,0.8\ns2,F,10,0.3\n", encoding="utf-8")
    code, out, _ = cbc(
        capsys, "check", str(path), "--temp", "39.2", "--format", "csv", "--fail-on", "critical"
    )
    assert code == 1
    s1, s2 = rows_as_dicts(list(csv.reader(io.StringIO(out))))
    assert s1["urgency"] == "now"
    assert "febrile-neutropenia" in s2["findings"].split(";")


def test_a_row_with_no_readable_value_is_an_error_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("sample_id,sex,age,hgb,plt\nS1,F,40,abc,\nS2,F,40,12.5,200\n")
    code, out, _ = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    s1, s2 = rows_as_dicts(list(csv.reader(io.StringIO(out))))
    assert (s1["status"], s1["urgency"]) == ("error", "")
    assert "no value in this row could be read" in s1["error"]
    assert s2["status"] == "ok"


def test_headers_named_by_their_unit_or_repeating_the_name_in_brackets() -> None:
    from cbc_cli.readers.columns import map_columns

    cmap = map_columns(
        ["Platelets (PLT)", "Neutrophils (10^9/L)", "Lymphocytes (%)", "Lymphs [K/uL]"]
    )
    # "Neutrophils" alone could be the count or the percentage: the unit says which.
    assert cmap.analytes == {0: "plt", 1: "anc", 2: "lymph_pct", 3: "alc"}
    assert cmap.header_units == {"anc": "10^9/L", "alc": "K/uL"}  # PLT is a name, not a unit


def test_a_header_unit_and_a_unit_column_must_agree(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Neither is preferred silently: a value whose two units disagree is unreadable (the rest
    # of the row is read); two spellings of one unit are no disagreement.
    path = tmp_path / "units.csv"
    path.write_text(
        "id,sex,age,Hb (g/dL),Hb unit,ANC (10^9/L),ANC unit\n"
        "U-1,F,54,9.1,g/L,0.8,G/L\n"
        "U-2,F,54,9.1,g/dL,0.8,10*9/l\n"
        "U-3,F,54,9.1,,0.8,\n"
        "U-4,F,54,9.1,?,,NA\n",
        encoding="utf-8",
    )
    _, results = read_records(path)
    first, second, third, fourth = results
    assert [a.analyte for a in first.analytes] == ["anc"]
    assert [(e.line, e.field) for e in first.cell_errors] == [(2, "Hb (g/dL)")]
    assert "'g/dL'" in first.cell_errors[0].message
    assert "'g/L'" in first.cell_errors[0].message
    for result in (second, third):
        assert not result.cell_errors
        assert analyte(result, "hgb")["value"] == pytest.approx(9.1)
    # "?" is not a unit: refused, not read as the header's; a missing ANC needs no unit.
    assert [e.field for e in fourth.cell_errors] == ["Hb (g/dL)"]
    assert "'?' in the unit column" in fourth.cell_errors[0].message
    code, _out, err = cbc(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert "(lines 2, 5)" in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        # A unit cell or field that is not a unit is refused, never read in the usual unit.
        ("sample_id,hgb,hgb_unit\ns1,9.1,?\n", "unknown unit '?'"),
        ('[{"sample_id": "a", "hgb": {"value": "7.5", "unit": "NA"}}]', "unknown unit 'NA'"),
        # A unit in the value and one in the header must agree too.
        ("sample_id,Hb (g/dL)\ns1,95 g/L\n", "written in 'g/L' but its column's unit is 'g/dL'"),
        (
            '[{"sample_id": "a", "hgb (g/dL)": {"value": "7.5", "unit": "mmol/L"}}]',
            "'mmol/L' in its \"unit\" field",
        ),
    ],
)
def test_a_unit_that_is_no_unit_or_disagrees_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / ("x.json" if content.startswith("[") else "x.csv")
    path.write_text(content, encoding="utf-8")
    code, out, _ = cbc(
        capsys, "check", str(path), "--format", "ndjson", "--sex", "F", "--age", "50"
    )
    assert code == 3
    (result,) = [json.loads(line) for line in out.splitlines()]
    assert result["status"] == "error"
    assert any(problem in e["message"] for e in result["cell_errors"])


def test_a_unit_option_and_a_long_unit_column_must_agree(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "sample_id,sex,age,analyte,value,unit\nL-1,F,54,Hb,91,g/L\nL-1,F,54,PLT,62,10^9/L\n",
        encoding="utf-8",
    )
    source = open_source(str(path))
    with closing(source):
        data = read_input(source, "auto", [], ["hgb=g/dL"])
        (record,) = list(data.records)
    assert record.panel is not None
    assert list(record.panel.values) == ["plt"]
    (error,) = record.cell_errors
    assert (error.line, error.field) == (2, "value")
    assert error.message.startswith("value: the hgb unit is 'g/dL' by the header or --unit")


def test_a_run_asks_the_rules_once_per_class_of_persons_not_per_birth_date() -> None:
    """A file's people have as many exact ages as birth dates; the range table and the scheme
    keep one answer per class of persons (adult women here), not one per birth date: what they
    keep after 300 women aged 30 to 60 is what they keep after the first of them."""
    from datetime import date, timedelta

    from cbc_cli.grading import load_scheme_file
    from cbc_cli.ranges import load_ranges, shipped_ranges_dir

    def lines(count: int) -> bytes:
        out = []
        for i in range(count):
            born = date(1964, 1, 1) + timedelta(days=37 * i)
            out.append(
                json.dumps(
                    {
                        "sample_id": f"s{i}",
                        "sex": "F",
                        "dob": born.isoformat(),
                        "collected_at": "2024-06-01",
                        "hgb": 9.0 + i % 50 / 10,
                        "plt": 40 + i,
                        "anc": 0.4 + i % 30 / 10,
                    }
                )
            )
        return "\n".join(out).encode("utf-8") + b"\n"

    def cached(count: int) -> tuple[int, int]:
        ranges = load_ranges()
        scheme = load_scheme_file(shipped_ranges_dir() / "grading" / "ctcae5.toml")
        source = Source(io.BufferedReader(io.BytesIO(lines(count))), "<women>")
        results = [result for _, result in run(read_input(source).records, ranges, scheme)]
        assert len(results) == count
        assert all(r.status == "ok" for r in results)
        return ranges.cache_size(), scheme.cache_size()

    first = cached(1)
    assert first[0] > 0
    assert first[1] > 0
    assert cached(300) == first
