"""The ``cbc`` command ends without the interpreter's teardown: nothing written may be lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cbc(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cbc_cli", *argv],
        cwd=ROOT,
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
