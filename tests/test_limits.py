"""Limits as policy: a cell, a line or a range file past its limit is said in its place, the rest
is read, and reading stays linear in time with memory bounded by the limit (README, Limits)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import run
from cbc_cli.columnar import sizes
from cbc_cli.columnar.reading import read_chunks
from cbc_cli.errors import RangeFileError, UsageError
from cbc_cli.grading import load_scheme_file
from cbc_cli.limits import Limits, parse_limits
from cbc_cli.panel import Patient
from cbc_cli.ranges import load_range_file, shipped_ranges_dir
from cbc_cli.readers import read_input
from cbc_cli.readers.source import LongLine, Source, iter_lines, open_source
from cbc_cli.writers.batch_writers import CsvWriter

HEADER = "sample_id,sex,age,hgb,note"
ROOT = Path(__file__).resolve().parent.parent


class Endless(io.RawIOBase):
    """``head``, then ``size`` bytes of ``fill`` made as they are read (never held whole), then
    ``tail``: a long line that costs no memory to give."""

    def __init__(self, head: bytes, size: int, tail: bytes = b"", fill: bytes = b"9") -> None:
        self.parts = [head, None, tail]
        self.left = size
        self.fill = fill

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self.parts:
            part = self.parts[0]
            if part is None:
                n = min(len(buffer), self.left)
                buffer[:n] = self.fill * n
                self.left -= n
                if not self.left:
                    self.parts.pop(0)
                if n:
                    return n
                continue
            n = min(len(buffer), len(part))
            buffer[:n] = part[:n]
            if n == len(part):
                self.parts.pop(0)
            else:
                self.parts[0] = part[n:]
            if n:
                return n
        return 0


def _source(raw: io.RawIOBase) -> Source:
    return Source(io.BufferedReader(raw), "<test>")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _row_path_csv(path: Path, limits: Limits) -> str:
    """CSV output of the row-by-row reader and engine (the path the columnar one must match)."""
    scheme = resolve_scheme("ctcae5")
    source = open_source(str(path))
    data = read_input(source, limits=limits)
    out = io.StringIO()
    writer = CsvWriter(out, data.header, data.analytes, scheme, long=False)
    for record, result in run(data.records, default_ranges(), scheme, Patient()):
        writer.write(record, result)
    source.close()
    return out.getvalue()


# -- cells past Limits.field ------------------------------------------------------------------


def test_a_long_header_cell_is_one_message_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"sample_id,hgb,{'x' * 2000}\nS1,9.1,a\n")
    for command in (["check", "--format", "csv"], ["check", "--format", "json"], ["trend"]):
        code, out, err = run_cli(capsys, *command, str(path), "--limit", "field=1k")
        assert code == 3, err
        assert out == ""
        assert err.count("\n") == 1
        assert "header column 3 is longer than the field limit (1 KiB" in err
        assert "--limit field=SIZE" in err
        assert "xxx" not in err  # never the cell itself


@pytest.mark.parametrize("column", ["hgb", "note", "sample_id"])
def test_a_long_data_cell_is_an_error_row_that_keeps_the_others_on_both_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, column: str
) -> None:
    long = "9" * 1500 if column == "hgb" else "x" * 1500
    cells = {"sample_id": "S2", "sex": "F", "age": "54", "hgb": "9.2", "note": "b"}
    cells[column] = long
    path = tmp_path / "x.csv"
    path.write_text(f"{HEADER}\nS1,F,54,9.1,a\n{','.join(cells.values())}\nS3,F,54,9.0,c\n")
    code, fast, err = run_cli(capsys, "check", str(path), "--format", "csv", "--limit", "field=1k")
    assert code == 3
    assert fast == _row_path_csv(path, Limits(field=1024))
    rows = _csv_rows(fast)
    assert [r[0] for r in rows[1:]] == ["S1", "" if column == "sample_id" else "S2", "S3"]
    bad = dict(zip(rows[0], rows[2], strict=True))
    assert bad["status"] == "error"
    assert bad[column] == ""  # the long cell is left empty, the others are kept
    assert all(bad[k] == v for k, v in cells.items() if k != column)
    assert bad["error"].startswith(
        f"[limit.exceeded] line 3: the cell in column '{column}' is longer than"
    )
    assert [dict(zip(rows[0], r, strict=True))["status"] for r in rows[1:]] == [
        "ok",
        "error",
        "ok",
    ]
    assert long not in err
    code, out, _ = run_cli(capsys, "check", str(path), "-f", "ndjson", "--limit", "field=1k")
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in results] == [2, 3, 4]  # every line accounted for, once
    assert results[1]["status"] == "error"
    assert results[1]["sample_id"] == (None if column == "sample_id" else "S2")


def test_a_cell_within_the_default_field_limit_but_past_the_csv_modules_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 200 kB: past the csv module's own 128 KiB, within cbc's 1 MiB.
    path = tmp_path / "x.csv"
    path.write_text(f"sample_id,hgb,note\nS1,9.1,{'x' * 200_000}\nS2,9.0,a\n")
    for fmt in ("csv", "ndjson"):
        code, out, err = run_cli(capsys, "check", str(path), "--format", fmt, "--sex", "F")
        assert code == 0, err
        assert out.count("ok") >= 2


# -- lines past Limits.line -------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_long_line_is_an_error_row_in_its_place_on_both_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ending: str
) -> None:
    lines = [HEADER, "S1,F,54,9.1,a", f"S2,F,54,9.2,{'x' * 5000}", "S3,F,54,9.0,c", "S4,F,54,9.3,d"]
    path = tmp_path / "x.csv"
    path.write_bytes(ending.join(lines).encode() + ending.encode())
    outputs = [_row_path_csv(path, Limits(line=1024))]
    for jobs in ("1", "2"):
        code, out, err = run_cli(
            capsys, "check", str(path), "-f", "csv", "--limit", "line=1k", "--jobs", jobs
        )
        assert code == 3, err
        outputs.append(out)
    assert outputs[0] == outputs[1] == outputs[2]
    rows = [dict(zip(_csv_rows(outputs[0])[0], r, strict=True)) for r in _csv_rows(outputs[0])[1:]]
    assert [r["sample_id"] for r in rows] == ["S1", "S2", "S3", "S4"]
    assert [r["status"] for r in rows] == ["ok", "error", "ok", "ok"]
    # The whole cells before the limit are kept; the cell the limit cuts is not.
    assert (rows[1]["sex"], rows[1]["hgb"], rows[1]["note"]) == ("F", "9.2", "")
    assert rows[1]["error"] == (
        "[limit.exceeded] line 3: the line is longer than the line limit "
        "(1 KiB; --limit line=SIZE raises it)"
    )


def test_a_quoted_line_break_that_never_closes_stops_at_the_line_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = "".join(f"S{i},F,54,9.{i % 10},n\n" for i in range(3, 200))
    path = tmp_path / "x.csv"
    path.write_text(f'{HEADER}\nS1,F,54,9.1,a\nS2,F,54,9.2,"open\n{body}')
    assert run_cli(capsys, "check", str(path), "-f", "csv", "--limit", "line=1k")[1] == (
        _row_path_csv(path, Limits(line=1024))
    )
    for extra in ([], ["--input-format", "csv"]):
        code, out, _ = run_cli(
            capsys, "check", str(path), "-f", "ndjson", "--limit", "line=1k", *extra
        )
        assert code == 3
        results = [json.loads(line) for line in out.splitlines()]
        # Every line once: the row that opens the quote is an error row, the lines it would
        # have swallowed are read again as rows of their own.
        assert [r["line"] for r in results] == list(range(2, 201))
        assert results[1]["status"] == "error"
        assert "not closed within the line limit" in results[1]["error"]["message"]
        assert all(r["status"] == "ok" for r in results[2:])


def test_a_gzip_bomb_line_is_read_in_bounded_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as bomb:
        bomb.write(b"sample_id,sex,age,hgb\nS1,F,54,9.1\nS2,F,54,")
        bomb.write(b"9" * (8 << 20))
        bomb.write(b"\nS3,F,54,9.0\n")
    assert path.stat().st_size < 100_000
    for fmt in ("csv", "ndjson"):
        code, out, _ = run_cli(capsys, "check", str(path), "-f", fmt, "--limit", "line=64k")
        assert code == 3
        assert out.count("S1") == out.count("S3") == 1
        assert "the line is longer than the line limit (64 KiB" in out


@pytest.mark.parametrize("reader", ["rows", "chunks"])
def test_a_long_line_holds_about_the_limit_and_reads_in_linear_time(reader: str) -> None:
    limit, size = 1 << 20, 48 << 20
    head = b"sample_id,sex,age,hgb\nS1,F,54,9.1\nS2,F,54,"
    tail = b"\r\nS3,F,54,9.0\r\n"
    limits = Limits(line=limit)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        if reader == "rows":
            lines = list(iter_lines(_source(Endless(head, size, tail)), limits))
        else:
            chunks = read_chunks(
                _source(Endless(head, size, tail)).stream,
                skip=len(b"sample_id,sex,age,hgb\n"),
                line_limit=limit,
                size=sizes.CHUNK_BYTES,
            )
            lines = [
                chunk.decode() if chunk.endswith(b"\n") else LongLine(chunk.decode())
                for chunk in chunks
            ]
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * limit + (2 << 20)  # about the limit (a few copies of it), not 48 MiB
    # Linear: 48 MiB in well under the tens of seconds that copying the pending line took.
    assert elapsed < 8
    texts = "".join(lines)
    assert texts.count("S1,F,54,9.1") == texts.count("S3,F,54,9.0") == 1
    long = [line for line in lines if isinstance(line, LongLine)]
    assert len(long) == 1
    assert long[0].startswith("S2,F,54,999")


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(["\n", "\r", "\r\n", ",", '"', "\xe9", "\ufeff"]),
            st.text(alphabet="ab,", min_size=1, max_size=30),
        ),
        max_size=40,
    ),
    limit=st.integers(1, 40),
    read=st.sampled_from([1, 3, 7, 64]),
    chunk=st.sampled_from([8, 64, 300]),
)
def test_both_readers_cut_lines_alike_and_lose_nothing(
    parts: list[str], limit: int, read: int, chunk: int
) -> None:
    data = "".join(parts).encode()
    # What a line is: LF, CR and CRLF each end one; past the limit, its first bytes.
    expected = []
    for line in data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"):
        expected.append((line[:limit], len(line) > limit))
    if expected and expected[-1] == (b"", False):
        expected.pop()
    limits = Limits(line=limit)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cbc_cli.readers.source.READ_BYTES", read)
        source = _source(io.BytesIO(b"x\n" + data))  # type: ignore[arg-type]
        got = [
            (line.rstrip("\n").encode("utf-8"), isinstance(line, LongLine))
            for line in iter_lines(source, limits)
        ][1:]
        pieces: list[tuple[bytes, bool]] = []
        for body in read_chunks(io.BytesIO(data), skip=0, line_limit=limit, size=chunk):
            if body.endswith((b"\n", b"\r")):
                normal = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                pieces += [(line, False) for line in normal.split(b"\n")[:-1]]
            else:
                pieces.append((body, True))
    assert got == [(_utf8_start(e) if long else e, long) for e, long in expected]
    assert pieces == expected


def _utf8_start(start: bytes) -> bytes:
    """The part of a line's first bytes a LongLine holds: a character cut in two left out."""
    for end in range(len(start), max(len(start) - 4, -1), -1):
        try:
            start[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return start[:end]
    return start


# -- range and grading files ------------------------------------------------------------------


def test_ranges_from_dev_zero_stop_at_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "check", "--hgb", "9", "--ranges", "/dev/zero")
    assert code == 4
    assert err == (
        "cbc: error: /dev/zero: larger than the ranges_file limit (4 MiB; --limit "
        "ranges_file=SIZE raises it) (a range or grading file holds a few kB of TOML tables)\n"
    )


def test_a_range_file_past_a_lowered_limit_is_exit_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    adult = str(shipped_ranges_dir() / "adult.toml")
    code, _, err = run_cli(capsys, "ranges", "validate", adult, "--limit", "ranges_file=1k")
    assert code == 4
    assert "larger than the ranges_file limit (1 KiB" in err
    assert run_cli(capsys, "ranges", "validate", adult, "--limit", "ranges_file=1M")[0] == 0
    monkeypatch.setenv("CBC_RANGES", adult)
    code, _, err = run_cli(capsys, "check", "--hgb", "9", "--limit", "ranges_file=2k")
    assert code == 4


@pytest.mark.parametrize("nested", ["[" * 1000 + "]" * 1000, "{a = " * 1000 + "1" + "}" * 1000])
def test_a_deeply_nested_range_file_is_exit_4_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, nested: str
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f"x = {nested}\n")
    for argv in (["ranges", "validate", str(path)], ["check", "--hgb", "9", "--ranges", str(path)]):
        code, _, err = run_cli(capsys, *argv)
        assert code == 4
        assert err.count("\n") == 1
        assert "nested too deeply" in err
    with pytest.raises(RangeFileError, match="nested too deeply"):
        load_scheme_file(path)
    with pytest.raises(RangeFileError, match="larger than the ranges_file limit"):
        load_range_file(path, limits=Limits(ranges_file=100))


# -- the option -------------------------------------------------------------------------------


def test_parse_limits_reads_names_and_sizes() -> None:
    limits = parse_limits(["field=8MiB", "line=512k", "json-depth=200", "ranges_file = 1G"])
    assert limits == Limits(field=8 << 20, line=512 << 10, json_depth=200, ranges_file=1 << 30)
    for bad in ("cell=1k", "field", "field=0", "field=-1", "field=1kb", "field=one"):
        with pytest.raises(UsageError):
            parse_limits([bad])


def test_a_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"{HEADER}\nS1,F,54,9.1,a\n")
    code, _, err = run_cli(capsys, "check", str(path), "--limit", "cell=1k")
    assert code == 2
    assert "names: field, line" in err
    assert run_cli(capsys, "trend", str(path), "--limit", "line=0")[0] == 2


def test_trend_places_nothing_from_a_long_line_and_says_whose_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "patient_id,collected_at,anc,plt,hgb\nP1,2026-03-01,1.2,150,11\n"
        f"P1,2026-03-03,{'9' * 3000},140,10\nP1,2026-03-05,0.9,120,10\n"
    )
    code, out, err = run_cli(capsys, "trend", str(path), "-f", "json", "--limit", "line=1k")
    assert code == 3
    report = json.loads(out)
    assert report["unplaced"] == [
        {
            "line": 3,
            "sample_id": None,
            "patient_id": "P1",
            "collected_at": "2026-03-03",
            "reason": "the line is longer than the line limit (1 KiB; --limit line=SIZE raises it)",
        }
    ]
    assert "1 draw could not be read or placed (line 3)" in err
