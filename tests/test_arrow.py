"""Arrow and Parquet: the same answers as ``cbc check --format csv`` on the same rows as CSV."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pcsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

from scale_data import by_row, cli_csv, cli_trend, long_csv, text, wide_csv  # noqa: E402

from cbc_cli.arrow import interpret_batches, interpret_table, interpret_trend  # noqa: E402
from cbc_cli.errors import InputError, UsageError  # noqa: E402

N = 2000


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wide_csv(tmp_path_factory.mktemp("arrow") / "wide.csv", N)


@pytest.fixture(scope="module")
def long(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_csv(tmp_path_factory.mktemp("arrow") / "long.csv", N // 2)


def _added(table: Any, width: int) -> tuple[list[str], list[list[str]]]:
    names = table.schema.names
    rows = [[text(v) for v in r.values()] for r in table.to_pylist()]
    return names, rows


def _same_as_cli(path: Path, out: Any, width: int) -> None:
    header, rows = cli_csv(path)
    assert out.schema.names == header  # same input columns, same added columns, same order
    assert out.num_rows == len(rows)
    added = header[width:]
    mine = by_row(*_added(out, width), added)
    theirs = by_row(header, rows, added)
    assert mine == theirs


def test_wide_table_matches_cbc_check_csv(wide: Path) -> None:
    table = pcsv.read_csv(wide)  # typed as an engine types it: floats where a column is clean
    out = interpret_table(table, line_column="row")
    _same_as_cli(wide, out, table.num_columns)
    statuses = set(out.column("status").to_pylist())
    assert {"ok", "error"} <= statuses  # the data has rows cbc cannot read; none is dropped
    assert out.column("error").null_count < out.num_rows


def test_long_table_matches_cbc_check_csv(long: Path) -> None:
    table = pcsv.read_csv(long)
    out = interpret_table(table, line_column="row")
    _same_as_cli(long, out, table.num_columns)


def test_line_numbers_default_to_the_csv_lines(wide: Path) -> None:
    table = pcsv.read_csv(wide).drop_columns(["row"])
    out = interpret_table(table)
    header, rows = cli_csv(wide)
    assert [text(e) for e in out.column("error").to_pylist()] == [
        r[header.index("error")] for r in rows
    ]


def test_streaming_batches_equal_the_whole_table(long: Path) -> None:
    table = pcsv.read_csv(long)
    whole = interpret_table(table)
    # Batches of 7 rows: samples of 4 rows span two batches, and are still read whole.
    out = list(interpret_batches(table.to_batches(max_chunksize=7)))
    assert [b.num_rows for b in out] == [b.num_rows for b in table.to_batches(max_chunksize=7)]
    assert pa.Table.from_batches(out).equals(whole)


def test_types_and_nulls(wide: Path) -> None:
    out = interpret_table(pcsv.read_csv(wide))
    assert out.schema.field("anemia_grade").type == pa.int8()
    assert out.schema.field("hgb_flag").type == pa.string()
    assert not out.schema.field("status").nullable
    assert out.column("status").null_count == 0
    assert "" not in out.column("findings").to_pylist()  # no finding is null, not ""
    # Input columns pass through with their own types.
    assert out.schema.field("hgb").type == pcsv.read_csv(wide).schema.field("hgb").type


def test_an_empty_row_is_an_error_row_not_dropped() -> None:
    table = pa.table({"sample_id": ["A", None], "hgb": [9.1, None]})
    out = interpret_table(table, sex="female", age=54)
    assert out.column("status").to_pylist() == ["ok", "error"]
    assert (
        out.column("error").to_pylist()[1] == "[sample.empty] line 3: no analyte value in this row"
    )
    assert out.column("anemia_grade").to_pylist()[0] == 2  # CTCAE v5: Hgb <10.0-8.0 g/dL


def test_options_are_those_of_cbc_check(wide: Path) -> None:
    table = pa.table({"Hb (g/L)": [85.0], "who": ["x"]})
    out = interpret_table(table, sex="male", age="40", grading="daids")
    header, rows = cli_csv(_csv(table, wide.parent / "opts.csv"), "--sex", "male", "--age", "40")
    assert out.column("hgb_flag").to_pylist() == ["L"]
    with pytest.raises(UsageError):
        interpret_table(table, colour="red")
    with pytest.raises(UsageError):
        interpret_table(table, sex="male", pregnant=2)
    with pytest.raises(InputError):
        interpret_table(pa.table({"x": [1]}))
    renamed = interpret_table(pa.table({"Haemo": [9.1]}), columns=["Haemo=hgb"], sex="F", age=50)
    assert renamed.column("hgb_flag").to_pylist() == ["L"]
    assert rows[0][header.index("hgb_flag")] == "L"


def _csv(table: Any, path: Path) -> Path:
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none"))
    return path


def test_trend_matches_cbc_trend_csv(wide: Path) -> None:
    table = pcsv.read_csv(wide)
    header, rows = cli_trend(wide)
    out = interpret_trend(table, line_column="row")
    assert out.schema.names == header
    assert [[text(v) for v in r.values()] for r in out.to_pylist()] == rows


def _parquet(csv_path: Path, path: Path, rows_per_group: int) -> Path:
    pq.write_table(pcsv.read_csv(csv_path), path, row_group_size=rows_per_group)
    return path


def test_cbc_check_parquet_to_parquet(wide: Path, tmp_path: Path) -> None:
    source = _parquet(wide, tmp_path / "in.parquet", 300)
    target = tmp_path / "out.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(source), "-o", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr  # rows cbc cannot read: exit 3, as for CSV
    assert "could not be read" in done.stderr
    out = pq.read_table(target)
    assert pq.ParquetFile(target).metadata.num_rows == N
    _same_as_cli(wide, out, pq.read_schema(source).names.__len__())
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_cbc_check_parquet_to_text(wide: Path, tmp_path: Path, fmt: str) -> None:
    source = _parquet(wide, tmp_path / "in.parquet", 500)
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(source), "-f", fmt],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    lines = done.stdout.splitlines()
    if fmt == "ndjson":
        results = [json.loads(line) for line in lines]
        assert len(results) == N
        assert [r["line"] for r in results] == list(range(2, N + 2))
        return
    header, rows = cli_csv(wide)
    import csv

    mine = list(csv.reader(lines))
    width = len(pq.read_schema(source).names)
    assert mine[0] == header
    assert by_row(mine[0], mine[1:], header[width:]) == by_row(header, rows, header[width:])


def test_cbc_check_parquet_errors(tmp_path: Path, wide: Path) -> None:
    broken = tmp_path / "cut.parquet"
    broken.write_bytes(_parquet(wide, tmp_path / "in.parquet", 500).read_bytes()[:2000])
    for argv, code, says in [
        (["check", str(broken)], 3, "cannot be read as Parquet"),
        (["check", str(wide), "-f", "parquet", "-o", str(tmp_path / "o.parquet")], 2, "Parquet"),
        (["check", str(tmp_path / "in.parquet"), "-f", "parquet"], 2, "needs a file"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "cbc_cli", *argv], capture_output=True, text=True, check=False
        )
        assert done.returncode == code, done.stderr
        assert says in done.stderr
        assert "Traceback" not in done.stderr


def test_cbc_check_on_csv_does_not_load_pyarrow(wide: Path) -> None:
    argv = ["-X", "importtime", "-m", "cbc_cli", "check", str(wide), "-f", "csv", "-o", "/dev/null"]
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert "| cbc_cli.columnar" in done.stderr  # the import log is there
    assert "pyarrow" not in done.stderr


def test_columnar_and_row_by_row_paths_give_the_same_cells(wide: Path) -> None:
    # interpret_table takes a wide layout the columnar rules cover through them (arrow.stream);
    # a batch with a blank row, which a CSV reader would skip, is interpreted row by row whole
    # through the engine. The two must agree; the blank row is last, so the others keep their
    # line numbers.
    table = pcsv.read_csv(wide)
    width = table.num_columns
    fast = interpret_table(table)
    fast_rows = [[text(v) for v in row.values()][width:] for row in fast.to_pylist()]
    assert {"ok", "error"} <= set(fast.column("status").to_pylist())  # both kinds of row

    blank = pa.table(
        {name: pa.nulls(1, table.schema.field(name).type) for name in table.schema.names}
    )
    mixed = interpret_table(pa.concat_tables([table, blank]).combine_chunks())
    mixed_rows = [[text(v) for v in row.values()][width:] for row in mixed.to_pylist()]
    assert mixed_rows[:-1] == fast_rows
    assert mixed.column("status")[-1].as_py() == "error"  # the blank row is not dropped


def test_readme_arrow_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scale_data import run_recipe

    names = run_recipe("arrow", tmp_path, monkeypatch)
    assert names["answers"].num_columns > names["results"].num_columns


def test_readme_duckdb_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("duckdb")
    from scale_data import run_recipe

    run_recipe("duckdb", tmp_path, monkeypatch)
    assert pq.read_table(tmp_path / "answers.parquet").num_rows == 6


def test_trend_options_are_those_of_cbc_trend(tmp_path: Path) -> None:
    from cbc_cli.arrow import TrendSettings

    source = Path(__file__).resolve().parent.parent / "examples" / "trend_transplant.csv"
    header, rows = cli_trend(source, "--since", "2026-01-10", "--transplant", "pb")
    settings = TrendSettings(since="2026-01-10", transplant="pb")
    out = interpret_trend(pcsv.read_csv(source), trend=settings)
    assert out.schema.names == header
    assert [[text(v) for v in r.values()] for r in out.to_pylist()] == rows
    with pytest.raises(UsageError):
        interpret_trend(pcsv.read_csv(source), trend=TrendSettings(transplant="bone"))


def test_cbc_check_long_parquet_to_csv(long: Path, tmp_path: Path) -> None:
    source = _parquet(long, tmp_path / "long.parquet", 333)  # samples cut across row groups
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(source), "-f", "csv", "--no-formula-guard"],
        capture_output=True,
        text=True,
        check=False,
    )
    import csv

    mine = list(csv.reader(done.stdout.splitlines()))
    header, rows = cli_csv(long)
    assert mine[0] == header
    width = len(pq.read_schema(source).names)
    assert by_row(mine[0], mine[1:], header[width:]) == by_row(header, rows, header[width:])


def test_parquet_to_csv_keeps_the_formula_guard(tmp_path: Path) -> None:
    source = tmp_path / "f.parquet"
    pq.write_table(pa.table({"sample_id": ["=HYPERLINK(1)", "-2"], "hgb": [9.1, 14.0]}), source)
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(source), "-f", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert lines[1].startswith("'=HYPERLINK(1),9.1,")
    assert lines[2].startswith("-2,14.0,")  # a number is data, not a formula


_TEXT = st.text(alphabet=st.sampled_from(["a", "7", ".", ",", '"', "\n", "\r", " ", "é", "="]))


@st.composite
def _batches(draw: st.DrawFn) -> Any:
    import datetime
    import decimal

    n = draw(st.integers(0, 12))

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(st.none() | values, min_size=n, max_size=n))

    columns = {
        "text": pa.array(column(_TEXT), draw(st.sampled_from([pa.string(), pa.large_string()]))),
        "float": pa.array(column(st.floats(allow_nan=True, allow_infinity=True)), pa.float64()),
        "int": pa.array(column(st.integers(-(2**63), 2**63 - 1)), pa.int64()),
        "small": pa.array(column(st.integers(-128, 127)), pa.int8()),
        "flag": pa.array(column(st.booleans()), pa.bool_()),
        "day": pa.array(column(st.dates()), pa.date32()),
        "time": pa.array(
            column(st.datetimes(min_value=datetime.datetime(1900, 1, 1))),
            pa.timestamp("us", tz="UTC"),
        ),
        "decimal": pa.array(column(st.just(decimal.Decimal("1.20"))), pa.decimal128(5, 2)),
        "none": pa.nulls(n),
    }
    names = draw(st.lists(st.sampled_from(sorted(columns)), min_size=1, max_size=5))
    batch = pa.record_batch({f"{name}{i}": columns[name] for i, name in enumerate(names)})
    start = draw(st.integers(0, n))
    return batch.slice(start, draw(st.integers(0, n - start)))  # offsets into the buffers


@given(_batches())
@settings(max_examples=300, deadline=None)
def test_csv_body_reads_back_as_the_cells_of_every_row(batch: Any) -> None:
    import csv
    import io

    from cbc_cli.arrow import cell_text, csv_body

    lines = csv_body(batch).decode()
    cells = list(csv.reader(io.StringIO(lines, newline=""), strict=True))
    assert cells == [[cell_text(v) for v in row.values()] for row in batch.to_pylist()]


@pytest.mark.parametrize("data", ["wide", "long"])
def test_parquet_to_csv_is_the_output_of_the_same_table_as_csv(
    data: str, wide: Path, long: Path, tmp_path: Path
) -> None:
    import csv

    from cbc_cli.arrow import cell_text

    table = pcsv.read_csv(wide if data == "wide" else long)
    source = tmp_path / "in.parquet"
    pq.write_table(table, source, row_group_size=700)  # long samples cut across row groups
    as_csv = tmp_path / "in.csv"
    with as_csv.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(table.schema.names)
        writer.writerows([cell_text(v) for v in row.values()] for row in table.to_pylist())
    outputs = []
    for path in (source, as_csv):
        done = subprocess.run(
            [sys.executable, "-m", "cbc_cli", "check", str(path), "-f", "csv"],
            capture_output=True,
            check=False,
        )
        assert done.returncode == 3, done.stderr  # the data has rows cbc cannot read
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") > table.num_rows


def test_options_take_the_keywords_of_interpret() -> None:
    from cbc_cli.arrow import make_options

    made = make_options(temp="38.6", profile="duffy-null", column={"Hb": "hgb"}, unit="hgb=g/L")
    assert made.temperature == "38.6"
    assert made.profiles == ("duffy-null",)
    assert made.columns == ("Hb=hgb",)
    assert made.units == ("hgb=g/L",)
    assert make_options(dob="1950-01-02", collected="2026-01-02").context().age is not None
    with pytest.raises(UsageError, match="'temp' and 'temperature' are one option"):
        make_options(temp="38", temperature="38")
    with pytest.raises(UsageError, match="unknown option 'tmp'"):
        make_options(tmp="38")
    table = pa.table({"hgb": [9.1], "anc": [0.3], "wbc": [1.0], "plt": [90.0]})
    febrile = interpret_table(table, sex="F", age=60, temp=38.6)
    assert febrile.column("urgency").to_pylist() == ["now"]  # febrile neutropenia
