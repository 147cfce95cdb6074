"""The ``cbc`` command ends without the interpreter's teardown: nothing written may be lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cbc_cli.cli import check_file, main

ROOT = Path(__file__).resolve().parent.parent
# Buffered as a user's terminal or pipe is: unbuffered streams would hide a missing flush.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _cbc(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cbc_cli", *argv],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _export(path: Path, rows: int) -> None:
    lines = ["sample_id,sex,age,hgb,plt,anc"]
    lines += [
        f"S{i},{'FM'[i % 2]},{20 + i % 60},{8 + i % 9}.1,{20 + i % 300},1.{i % 9}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_every_row_reaches_a_pipe_and_a_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _export(path, 60_000)
    piped = _cbc("check", str(path), "--format", "csv")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.count("\n") == 60_001
    assert piped.stdout.endswith(",none,ok,\n") or piped.stdout.endswith(",ok,\n")
    out = tmp_path / "out.csv"
    written = _cbc("check", str(path), "--format", "csv", "-o", str(out))
    assert written.returncode == 0, written.stderr
    assert out.read_text() == piped.stdout


def test_row_by_row_output_and_exit_codes_survive_the_quick_end(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    _export(path, 500)
    done = _cbc("check", str(path), "--format", "ndjson", "--fail-on", "abnormal")
    assert done.returncode == 1
    assert [json.loads(line)["line"] for line in done.stdout.splitlines()] == list(range(2, 502))
    bad = _cbc("check", "--hgb", "abc")
    assert bad.returncode == 3
    assert bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("cbc: error: hgb:")


def test_closed_standard_streams_are_no_error() -> None:
    # Started with stdout and stderr closed (`cbc --version >&- 2>&-`): Python has no streams.
    for argv in ("--version", "check --hgb 9 --sex female --age 40"):
        done = subprocess.run(
            ["sh", "-c", f'"$0" -m cbc_cli {argv} >&- 2>&-', sys.executable],
            cwd=ROOT,
            env=ENV,
            check=False,
        )
        assert done.returncode == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_one_line_not_a_bug() -> None:
    with open("/dev/full", "w") as full:
        for argv in (["schema"], ["check", "--hgb", "9", "--sex", "female", "--age", "40"]):
            done = subprocess.run(
                [sys.executable, "-m", "cbc_cli", *argv],
                env=ENV,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            assert done.returncode == 70
            assert (
                done.stderr == "cbc: error: could not write the output (No space left on device)\n"
            )


def test_ctrl_c_says_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(check_file, "run_file", interrupted)
    path = tmp_path / "x.csv"
    path.write_text("sample_id,hgb\nS1,9.1\n")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(path)])
    assert exc.value.code == 130
    assert capsys.readouterr().err == "cbc: interrupted\n"
