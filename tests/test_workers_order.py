"""Worker answers taken as they come, a chunk queued with each worker when the socket holds it
(cbc_cli.columnar.run): a chunk that takes longer never holds the other workers up, yet the
output is written in input order, byte for byte what ``--jobs 1`` writes, whatever the input's
shape and whether or not chunks can be queued; and a failure in a chunk answered before the
chunks ahead of it is raised only once those are written."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from test_columnar_run import _cli

from cbc_cli import columnar, workers
from cbc_cli.columnar import sizes
from cbc_cli.errors import InputError

pytestmark = pytest.mark.skipif(not workers.available(), reason="workers fork on Linux only")

HEADER = b"sample_id,sex,age,wbc,hgb,plt,anc"


def _export(rows: int, end: bytes) -> bytes:
    """Plain rows with, here and there, a sample id holding a quoted line break, a CRLF line
    end, a line past the line limit, and (``end``) the last line end, or none."""
    lines = [HEADER + b"\n"]
    for i in range(rows):
        sample = b'"S%d\nsecond line"' % i if i % 53 == 0 else b"S%d" % i
        wbc = b"2.9" if i % 7 == 0 else b"6.1"
        hgb = [b"13.1", b"9.4", b"7.2", b""][i % 4]
        line = b",".join([sample, b"FM"[i % 2 : i % 2 + 1], b"%d" % (20 + i % 60), wbc, hgb])
        line += b",250,3.1"
        if i % 389 == 0:
            line += b"," + b"x" * 5000  # past the line limit set below: an error row
        lines.append(line + (b"\r\n" if i % 31 == 0 else b"\n"))
    return b"".join(lines).removesuffix(b"\n").removesuffix(b"\r") + end


@pytest.mark.parametrize("buffer", [None, 4096])
@pytest.mark.parametrize("end", [b"\n", b"\r\n", b""])
def test_answers_that_come_out_of_order_are_written_in_input_order(
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    end: bytes,
    buffer: int | None,
) -> None:
    if buffer is not None:  # socket buffers too small to queue a chunk: each waits its turn
        monkeypatch.setattr(workers, "SOCKET_BUFFER_BYTES", buffer)
    parent = os.getpid()
    judge = columnar.ColumnarCsv.judge_chunk

    def uneven(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        if os.getpid() != parent and first_line % 3 == 0:
            time.sleep(0.02)  # this chunk's answer comes after those sent after it
        return judge(self, first_line, body)

    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", uneven)
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    path = tmp_path / "export.csv"
    path.write_bytes(_export(3000, end))
    limit = ("--limit", "line=4KiB")
    one = _cli(capsysbinary, path, tmp_path / "one.csv", 1, *limit)
    # The header and every row, error rows included; each quoted line break is kept.
    assert one[1].count(b"\n") == 1 + 3000 + len(range(0, 3000, 53))
    for jobs in (2, 3):
        assert _cli(capsysbinary, path, tmp_path / f"{jobs}.csv", jobs, *limit) == one


def test_a_failure_answered_first_is_raised_once_the_chunks_before_it_are_written(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(_export(3000, b"\n").replace(b"\r\n", b"\n"))
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    whole = _cli(capsysbinary, path, tmp_path / "whole.csv", 1)[1]
    parent = os.getpid()
    judge = columnar.ColumnarCsv.judge_chunk

    def failing(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        if os.getpid() != parent:
            if first_line > 1500:  # fails at once: its answer comes before the one ahead
                raise InputError(f"line {first_line}: cannot be read", line=first_line)
            time.sleep(0.05)
        return judge(self, first_line, body)

    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", failing)
    code, written, err = _cli(capsysbinary, path, tmp_path / "cut.csv", 2, "--partial")
    assert code == 3
    found = re.search(r"line (\d+): cannot be read", err)
    assert found, err
    # Every line before the chunk that failed, and not one after.
    first = int(found.group(1))
    assert written == b"".join(whole.splitlines(keepends=True)[: first - 1])
