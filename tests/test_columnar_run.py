"""The columnar run: --jobs 1 is a plain loop (no thread, no process); any --jobs writes the same
bytes, and on a failure (a read error, a damaged gzip, Ctrl-C) every chunk before it is written
and the run says so. Failures of the worker processes themselves: tests/test_workers.py."""

from __future__ import annotations

import gzip
import io
import os
import random
import re
import signal
import threading
import time
from pathlib import Path

import pytest
from helpers import QuietPipe, columnar_runner

from cbc_cli import columnar
from cbc_cli.api import default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats, count, interpret_record, merge
from cbc_cli.cli import main
from cbc_cli.columnar import sizes
from cbc_cli.errors import InputError
from cbc_cli.panel import Patient
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source

HEADER = "sample_id,sex,age,wbc,hgb,plt,anc\n"


def wide_export(rows: int, seed: int = 7) -> str:
    """Rows of every kind the run treats differently: plain, cytopenic, unreadable cells,
    reported bounds, missing values, formula-looking ids, an unreadable sex, blank lines."""
    rng = random.Random(seed)
    lines = [HEADER]
    for i in range(rows):
        sex = rng.choice(["F", "M", "female", "m", "X"] if i % 97 == 0 else ["F", "M"])
        age = rng.choice(["34", "67", "8", "17", "0.5"])
        wbc = rng.choice(["6.1", "2.9", "0.8", "11.2", "NA", "abc"] if i % 13 == 0 else ["6.1"])
        hgb = rng.choice(["13.1", "9.4", "7.2", "6.1", "", "12,5x"])
        plt = rng.choice(["250", "140", "60", "20", "<10", "-"])
        anc = rng.choice(["3.1", "1.2", "0.4", "<0.1", ""])
        sample = f"=HYPERLINK{i}" if i % 211 == 0 else f"S{i}"
        lines.append(",".join([sample, sex, age, wbc, hgb, plt, anc]) + "\n")
        if i % 401 == 400:
            lines.append("\n")
    return "".join(lines)


def _cli(
    capsysbinary: pytest.CaptureFixture[bytes], path: Path, out: Path, jobs: int, *extra: str
) -> tuple[int, bytes, str]:
    with pytest.raises(SystemExit) as exc:
        main(["check", str(path), "--format", "csv", "-o", str(out), "--jobs", str(jobs), *extra])
    _, err = capsysbinary.readouterr()
    code = exc.value.code
    written = out.read_bytes() if out.exists() else b""
    return (code if isinstance(code, int) else 0), written, err.decode().replace(str(out), "OUT")


@pytest.mark.parametrize("chunk", [512, 4096])
def test_any_jobs_writes_and_reports_what_jobs_1_does(
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    monkeypatch.setattr(sizes, "CHUNK_BYTES", chunk)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    path = tmp_path / "export.csv"
    path.write_bytes(wide_export(2000).encode() + b"S-latin,F,40,6.1,13.1,250,3.1 \xe9\n")
    one = _cli(capsysbinary, path, tmp_path / "one.csv", 1)
    assert one[0] == 3  # the unreadable cells
    assert "lines " in one[2]
    assert one[1].count(b"\n") == 2000 + 1 + 1  # header, every row, the Latin-1 row
    for jobs in (2, 3):
        assert _cli(capsysbinary, path, tmp_path / f"{jobs}.csv", jobs) == one


def test_the_rules_agree_with_the_scalar_path_in_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 2048)
    path = tmp_path / "export.csv"
    path.write_text(wide_export(1500, seed=11))
    scheme = resolve_scheme("ctcae5")
    source = open_source(str(path))
    expected = BatchStats()
    for record in read_input(source).records:
        count(expected, interpret_record(record, default_ranges(), scheme, Patient()))
    source.close()
    runner, source = columnar_runner(path, jobs=1)
    threads = threading.active_count()
    seen: list[tuple[int, list[int]]] = []

    def written(samples: int) -> None:  # after each chunk of a --jobs 1 run: no thread, no child
        seen.append((threading.active_count(), child_pids()))

    try:
        runner.run(written)
    finally:
        source.close()
    assert len(seen) > 5
    assert {seen_threads for seen_threads, _ in seen} == {threads}
    assert all(children == [] for _, children in seen)
    got: BatchStats = runner.stats
    assert (got.samples, got.error_samples, got.cell_errors, got.urgency) == (
        expected.samples,
        expected.error_samples,
        expected.cell_errors,
        expected.urgency,
    )
    assert sorted(got.error_lines) == sorted(expected.error_lines)


def test_merged_statistics_equal_those_counted_in_one_go() -> None:
    whole, first, second = BatchStats(), BatchStats(), BatchStats()
    for stats in (whole, first):
        stats.samples, stats.cell_errors, stats.error_lines = 3, 1, [4]
        stats.urgency.update({"none": 2, "soon": 1})
    whole.samples += 2
    whole.error_samples = second.error_samples = 1
    whole.error_lines.append(9)
    whole.urgency.update({None: 1, "now": 1})
    second.samples, second.error_lines = 2, [9]
    second.urgency.update({None: 1, "now": 1})
    merged = BatchStats()
    merge(merged, first)
    merge(merged, second)
    assert merged == whole


def child_pids() -> list[int]:
    found = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as children:
                found += [int(pid) for pid in children.read().split()]
        except FileNotFoundError:  # a thread that ended since the listing (its children: none)
            continue
    return found


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_interrupt_while_input_is_awaited_stops_the_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    # Ctrl-C while the input is a pipe that has gone quiet: the run ends at once (no worker ever
    # blocks on input, so nothing is waited for), whatever --jobs says, and no worker is left.
    path = tmp_path / "h.csv"
    path.write_text(HEADER)
    data = wide_export(20000).encode()
    stream = QuietPipe(data, limit=len(data) // 2)
    runner, _ = columnar_runner(path, jobs=jobs, stream=stream)
    seen: list[int] = []
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 8_192)
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    def interrupt() -> None:
        seen.extend(child_pids())  # the workers, while the run waits for input
        signal.pthread_kill(main_thread, signal.SIGINT)

    timer = threading.Timer(0.5, interrupt)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run()
        assert time.monotonic() - started < 5
    finally:
        stream.more.set()
        timer.cancel()
    assert len(seen) == (jobs if jobs > 1 else 0)  # --jobs N: N workers judge; 1: none
    assert child_pids() == []


def test_jobs_below_one_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "S1,F,40,6.1,13.1,250,3.1\n")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(path), "--format", "csv", "--jobs", "0"])
    assert exc.value.code == 2
    assert "--jobs 0: give 1 or more processes" in capsys.readouterr().err


def test_a_damaged_gzip_writes_what_was_read_whatever_the_jobs(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    packed = gzip.compress(wide_export(3000).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    one = _cli(capsysbinary, path, tmp_path / "one.csv", 1, "--partial")
    assert one[0] == 3
    assert one[1].count(b"\n") > 1000  # with --partial, the rows before the damage are kept
    # The message names the input line of the last row kept (or a blank line just after it).
    said = re.search(r"; OUT holds the rows up to input line (\d+) and is incomplete", one[2])
    assert said is not None, one[2]
    last = one[1].rstrip(b"\n").rsplit(b"\n", 1)[1].split(b",")[0].decode().lstrip("'")
    lines = wide_export(3000).splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.split(",")[0] == last)
    assert line <= int(said[1]) <= line + 1
    for jobs in (2, 3):
        assert _cli(capsysbinary, path, tmp_path / f"{jobs}.csv", jobs, "--partial") == one
        # Without it, nothing is written whatever the jobs.
        code, written, err = _cli(capsysbinary, path, tmp_path / f"no{jobs}.csv", jobs)
        assert (code, written) == (3, b"")
        assert err.endswith("; no output was written (OUT was not created)\n")
        assert not list(tmp_path.glob(".*.tmp"))


def test_rows_before_a_failed_chunk_are_written_whatever_the_jobs(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(wide_export(3000))

    def broken(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        if first_line > 1700:
            raise InputError("cannot go on", line=first_line)
        return judge(self, first_line, body)

    judge = columnar.ColumnarCsv.judge_chunk
    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", broken)
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    one = _cli(capsysbinary, path, tmp_path / "one.csv", 1, "--partial")
    assert one[0] == 3
    assert "cannot go on" in one[2]
    assert 1500 < one[1].count(b"\n") < 1800
    for jobs in (2, 3, 4):
        assert _cli(capsysbinary, path, tmp_path / f"{jobs}.csv", jobs, "--partial") == one
