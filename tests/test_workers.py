"""Worker processes of the columnar run (--jobs): their errors reach the caller, a worker that
dies is an error of one line (never a silent end or a lost row), no fork to be had means this
process judges every chunk, and no process is left behind. That any --jobs writes what --jobs 1
writes: tests/test_columnar_run.py."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import columnar_runner
from test_columnar_run import child_pids, wide_export

from cbc_cli import columnar, workers
from cbc_cli.columnar import sizes
from cbc_cli.errors import InputError

pytestmark = pytest.mark.skipif(not workers.available(), reason="workers fork on Linux only")


@pytest.mark.parametrize("picklable", [True, False])
def test_an_error_in_a_worker_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, picklable: bool
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(wide_export(2000))
    parent = os.getpid()
    cell = "ZQX" + "7731"  # made here: the traceback's source lines must not show it either

    class Unpicklable(Exception):
        def __reduce__(self) -> tuple[object, ...]:
            raise TypeError("not picklable")

    def broken(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        if os.getpid() != parent and first_line > 1000:
            if picklable:
                raise InputError("line 1234: cannot be read", line=1234, hint="fix it")
            raise Unpicklable(f"holds a patient value {cell}")
        return judge(self, first_line, body)

    judge = columnar.ColumnarCsv.judge_chunk
    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", broken)
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    runner, source = columnar_runner(path, jobs=2)
    try:
        if picklable:
            with pytest.raises(InputError) as raised:
                runner.run()
            assert (raised.value.line, raised.value.hint) == (1234, "fix it")
        else:
            with pytest.raises(RuntimeError) as failed:
                runner.run()
            # The class name only, as one process would report it (its message may hold a
            # value); the worker's traceback is a note, shown with CBC_DEBUG.
            assert type(failed.value).__name__ == "Unpicklable"
            assert str(failed.value) == "Unpicklable in a worker process"
            assert "in broken" in failed.value.__notes__[0]
            assert cell not in failed.value.__notes__[0]  # the frames, not the message
    finally:
        source.close()
    assert child_pids() == []


def test_a_worker_that_dies_is_reported_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.csv"
    path.write_text(wide_export(2000))
    parent = os.getpid()

    def dying(self: columnar.ColumnarCsv, first_line: int, body: bytes) -> object:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer does
        return judge(self, first_line, body)

    judge = columnar.ColumnarCsv.judge_chunk
    monkeypatch.setattr(columnar.ColumnarCsv, "judge_chunk", dying)
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    runner, source = columnar_runner(path, jobs=3)
    try:
        with pytest.raises(workers.WorkerError, match="ended before it answered"):
            runner.run()
    finally:
        source.close()
    assert child_pids() == []


def test_without_a_fork_to_be_had_this_process_judges_every_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(wide_export(1500))
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)
    outputs = []
    for jobs in (1, 3):
        runner, source = columnar_runner(path, jobs=jobs)
        runner.out = out = io.StringIO()
        try:
            runner.run()
        finally:
            source.close()
        outputs.append(out.getvalue())

        def no_fork() -> int:
            raise BlockingIOError("fork: resource temporarily unavailable")

        monkeypatch.setattr(os, "fork", no_fork)
    assert outputs[0].count("\n") == 1500  # every row (the blank lines are not rows)
    assert outputs[1] == outputs[0]


_KILLER = """
import os, signal, sys, threading
from cbc_cli import columnar
from cbc_cli.cli import main

parent, calls = os.getpid(), []
judge = columnar.ColumnarCsv.judge_chunk

def judged(self, first_line, body):
    if os.getpid() != parent:
        calls.append(first_line)
        if len(calls) == int(sys.argv[1]):  # die just after this answer, or while judging
            threading.Timer(float(sys.argv[2]), os.kill, (os.getpid(), signal.SIGKILL)).start()
    return judge(self, first_line, body)

columnar.ColumnarCsv.judge_chunk = judged
from cbc_cli.columnar import sizes
sizes.CHUNK_BYTES = 4096
main(["check", sys.argv[3], "--format", "csv", "-o", sys.argv[4], "--jobs", "2"])
"""


_KILLED_BETWEEN = """
import os, signal, sys, threading, time
from cbc_cli import columnar, workers
from cbc_cli.cli import main

parent, calls, sent, judged_rows = os.getpid(), [], {}, [0]
judge, send, receive = columnar.ColumnarCsv.judge_chunk, workers.Worker.send, workers.Worker.receive

def judged(self, first_line, body):
    data, tally = judge(self, first_line, body)
    if os.getpid() == parent:
        judged_rows[0] += data.count(b"\\n")
    else:
        calls.append(first_line)
        if len(calls) == 2:  # die once this answer has gone out (it goes as this returns)
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return data, tally

def sending(self, first_line, body, note=None):
    if sent.get(self.pid) == 2:  # the worker has answered twice: wait until it is dead
        deadline = time.monotonic() + 10
        while open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.005)
    sent[self.pid] = sent.get(self.pid, 0) + 1
    send(self, first_line, body, note)

def receiving(self):
    data, tally = receive(self)
    judged_rows[0] += data.count(b"\\n")
    return data, tally

columnar.ColumnarCsv.judge_chunk = judged
workers.Worker.send, workers.Worker.receive = sending, receiving
from cbc_cli.columnar import sizes
sizes.CHUNK_BYTES = 4096
try:
    main(["check", sys.argv[1], "--format", "csv", "-o", sys.argv[2], "--jobs", "2", "--partial"])
finally:
    open(sys.argv[3], "w").write(str(judged_rows[0]))
"""


def test_a_worker_dead_before_its_next_chunk_is_an_error_and_loses_no_row(tmp_path: Path) -> None:
    # Sending to a dead worker must not end cbc by SIGPIPE (the CLI sets it to its default).
    path, out, judged = tmp_path / "k.csv", tmp_path / "out.csv", tmp_path / "judged"
    path.write_text(wide_export(6000))
    err = _assert_worker_error(_KILLED_BETWEEN, str(path), str(out), str(judged))
    # With --partial every row judged is kept (and said to be incomplete).
    assert out.read_bytes().count(b"\n") == 1 + int(judged.read_text())
    assert err.endswith(" and is incomplete (--partial)\n")


@pytest.mark.parametrize(("answers", "delay"), [(1, 0.0), (2, 0.01), (5, 0.002)])
def test_a_killed_worker_is_an_error_of_one_line_not_a_silent_end(
    tmp_path: Path, answers: int, delay: float
) -> None:
    path, out = tmp_path / "k.csv", tmp_path / "out.csv"
    path.write_text(wide_export(6000))
    out.write_text("the last good run\n")
    err = _assert_worker_error(_KILLER, str(answers), str(delay), str(path), str(out))
    # The output file is left as it was, and no temporary file is left beside it.
    assert err.endswith(f"; no output was written ({out} is unchanged)\n")
    assert out.read_text() == "the last good run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.csv", "out.csv"]


def _assert_worker_error(script: str, *argv: str) -> str:
    """``script`` runs cbc in a process of its own (SIGPIPE at its default, as the CLI sets
    it): it must end with the one-line worker error and exit 70; returns that line."""
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 70, done.stderr
    assert done.stderr.startswith("cbc: error: a worker process ended before it answered")
    assert done.stderr.count("\n") == 1
    return done.stderr
