"""Output files: written whole or not at all, never over the input; header cells guarded; no
patient value on stderr; the same exit codes with and without CBC_DEBUG."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import QuietPipe, run_cli

from cbc_cli import batch, columnar, json_sink
from cbc_cli.columnar import sizes

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "CBC_DEBUG")}
OLD = "the output of an earlier run\n"
FORMATS = ("table", "csv", "json", "ndjson", "fhir", "hl7")


def _export(rows: int) -> str:
    lines = ["sample_id,sex,age,hgb,plt,anc"]
    lines += [
        f"S{i},{'FM'[i % 2]},{20 + i % 60},{8 + i % 9}.1,{20 + i % 300},1.{i % 9}"
        for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


def _damaged_gzip(path: Path, rows: int = 1500) -> None:
    """A gzip export cut short: the run reads part of it, then stops with an input error. Each
    row carries a ward name 69 characters long, so that the part before the damage (about 90 KB)
    is more than the row-by-row reader takes at a time (64 KiB): rows are written before the
    damage is met."""
    header, *lines = _export(rows).splitlines()
    ward = "Haematology day unit " * 3 + "4 East"  # 69 characters
    text = "\n".join([f"{header},ward", *(f"{line},{ward}" for line in lines)]) + "\n"
    packed = gzip.compress(text.encode())
    path.write_bytes(packed[: len(packed) * 2 // 3])


def _small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Columnar chunks of 4 KiB, so that the columnar path too writes rows before the damage."""
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 4096)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _cbc(
    *argv: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "cbc_cli", *argv],
        cwd=ROOT,
        env=env or ENV,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
        **kw,
    )


# --- -o naming the input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "fmt"),
    [("check", "csv"), ("check", "ndjson"), ("check", "json"), ("trend", "csv"), ("trend", "json")],
)
def test_output_naming_the_input_is_refused_before_anything_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, fmt: str
) -> None:
    path = tmp_path / "in.csv"
    text = _export(300).replace(",age,", ",age,collected_at,").replace(",F,", ",F,2026-01-01,")
    text = text.replace(",M,", ",M,2026-01-02,")
    path.write_text(text)
    (tmp_path / "link.csv").symlink_to(path)
    os.link(path, tmp_path / "hard.csv")
    sub = tmp_path / "sub"
    sub.mkdir()
    for output in (
        str(path),
        str(tmp_path / "sub" / ".." / "in.csv"),
        str(tmp_path / "link.csv"),
        str(tmp_path / "hard.csv"),
    ):
        code, out, err = run_cli(capsys, command, str(path), "--format", fmt, "-o", output)
        assert code == 2, err
        assert out == ""
        assert err.count("\n") == 1
        assert err.startswith(f"cbc: error: -o {output} is the input file {path}")
        assert path.read_text() == text  # not truncated, not grown
    assert _leftovers(tmp_path) == []


def test_a_link_to_the_input_named_as_input_is_refused_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(20))
    (tmp_path / "link.csv").symlink_to(path)
    code, _, err = run_cli(
        capsys, "check", str(tmp_path / "link.csv"), "-f", "csv", "-o", str(path)
    )
    assert code == 2
    assert "is the input file" in err


def test_standard_input_is_never_the_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(_export(5).encode())))
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "check", "-", "--format", "csv", "-o", str(out))
    assert code == 0, err
    assert out.read_text().count("\n") == 6


@pytest.mark.parametrize("command", ["check", "trend"])
def test_output_naming_a_folder_or_a_missing_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(5))
    for output, said in (
        (str(tmp_path), "is a folder"),
        (str(tmp_path / "nowhere" / "out.csv"), "does not exist"),
    ):
        code, _, err = run_cli(capsys, command, str(path), "-o", output)
        assert code == 2, err
        assert err.count("\n") == 1
        assert said in err
        assert "internal error" not in err
    code, _, err = run_cli(capsys, "check", "--hgb", "9.1", "-o", str(tmp_path))
    assert (code, err.count("\n")) == (2, 1)


# --- -o with values given as options -------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_is_used_for_values_given_as_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"one.{fmt}"
    argv = ["check", "--hgb", "9.1", "--sex", "female", "--age", "54", "-f", fmt]
    code, printed, _ = run_cli(capsys, *argv)
    assert code == 0
    code, stdout, err = run_cli(capsys, *argv, "-o", str(out))
    assert (code, stdout, err) == (0, "", "")
    written = out.read_text()
    if fmt == "json":
        assert json.loads(written)["results"][0]["analytes"][0]["value"] == 9.1
    if fmt in ("fhir", "hl7"):  # each holds the time it was written
        assert len(written) > 100
    else:
        assert written == printed


# --- atomic output -------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "jobs"), [*((f, "1") for f in FORMATS), ("csv", "2")])
def test_a_run_that_stops_early_leaves_the_output_as_it_was(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    jobs: str,
) -> None:
    _small_reads(monkeypatch)
    path = tmp_path / "cut.csv.gz"
    _damaged_gzip(path)
    out = tmp_path / "out.txt"
    out.write_text(OLD)
    out.chmod(0o640)
    code, stdout, err = run_cli(
        capsys, "check", str(path), "-f", fmt, "-o", str(out), "--jobs", jobs
    )
    assert code == 3
    assert stdout == ""
    assert err.count("\n") == 1
    assert err.startswith(f"cbc: error: {path}: the gzip data is damaged")
    assert err.endswith(f"; no output was written ({out} is unchanged)\n")
    assert out.read_text() == OLD
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []
    new = tmp_path / "new.txt"
    code, _, err = run_cli(capsys, "check", str(path), "-f", fmt, "-o", str(new), "--jobs", jobs)
    assert code == 3
    assert err.endswith(f"; no output was written ({new} was not created)\n")
    assert not new.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_with_partial_what_was_written_is_kept_and_said_to_be_incomplete(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _small_reads(monkeypatch)
    path = tmp_path / "cut.csv.gz"
    _damaged_gzip(path)
    out = tmp_path / "out.txt"
    out.write_text(OLD)
    code, _, err = run_cli(capsys, "check", str(path), "-f", fmt, "-o", str(out), "--partial")
    assert code == 3
    assert err.count("\n") == 1
    written = out.read_text()
    if fmt == "csv":
        last_id = written.splitlines()[-1].split(",")[0]
    elif fmt == "ndjson":
        last_id = json.loads(written.splitlines()[-1])["sample_id"]
    else:  # the document is cut where the run stopped: not valid JSON, as it is not whole
        last_id = written.rsplit('"sample_id": "', 1)[1].split('"', 1)[0]
        with pytest.raises(json.JSONDecodeError):
            json.loads(written)
    line = int(last_id[1:]) + 2  # S0 is on line 2
    assert err.endswith(
        f"; {out} holds the rows up to input line {line} and is incomplete (--partial)\n"
    )
    assert written.count("\n") > 100
    assert _leftovers(tmp_path) == []


def test_a_whole_run_replaces_the_file_keeping_its_mode_and_its_link(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(50))
    real = tmp_path / "real.csv"
    real.write_text(OLD)
    real.chmod(0o604)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, _, err = run_cli(capsys, "check", str(path), "-f", "csv", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink()
    assert real.read_text().count("\n") == 51
    assert stat.S_IMODE(real.stat().st_mode) == 0o604


def test_a_new_file_gets_the_mode_the_umask_gives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(5))
    old = os.umask(0o027)
    try:
        for n, fmt in enumerate(("csv", "ndjson")):
            out = tmp_path / f"new{n}"
            assert run_cli(capsys, "check", str(path), "-f", fmt, "-o", str(out))[0] == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o640  # not mkstemp's 0600
    finally:
        os.umask(old)


def test_error_rows_are_no_failure_the_output_is_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(20) + 'S-bad,F,40,"unclosed\n')
    for fmt in ("csv", "ndjson"):
        out = tmp_path / f"out.{fmt}"
        out.write_text(OLD)
        code, _, err = run_cli(capsys, "check", str(path), "-f", fmt, "-o", str(out))
        assert code == 3
        assert "no output was written" not in err
        assert out.read_text().count("\n") == 21 + (fmt == "csv")


def test_trend_output_is_written_whole_or_not_at_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cut.csv.gz"
    _damaged_gzip(path)
    out = tmp_path / "trend.json"
    out.write_text(OLD)
    code, _, err = run_cli(capsys, "trend", str(path), "-f", "json", "-o", str(out))
    assert code == 3
    assert err.endswith(f"; no output was written ({out} is unchanged)\n")
    assert out.read_text() == OLD
    assert _leftovers(tmp_path) == []
    good = ROOT / "tests" / "fixtures" / "trend" / "chemo_cycle.csv"
    code, _, err = run_cli(capsys, "trend", str(good), "-f", "json", "-o", str(out))
    assert code == 0, err
    assert json.loads(out.read_text())["persons"]


@pytest.mark.parametrize(("fmt", "jobs"), [("ndjson", 1), ("csv", 1), ("csv", 2)])
@pytest.mark.parametrize("partial", [False, True])
def test_ctrl_c_leaves_the_output_as_it_was(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    jobs: int,
    partial: bool,
) -> None:
    # Ctrl-C while the input is a pipe that has gone quiet, after rows have been written.
    data = _export(6000).encode()
    stream = QuietPipe(data, limit=len(data) // 2)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(stream))
    monkeypatch.setattr(sizes, "CHUNK_BYTES", 8192)
    out = tmp_path / "out.txt"
    out.write_text(OLD)
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    def interrupt() -> None:  # once the run waits for more input, its rows so far judged
        if stream.waiting.wait(30):
            # A signal that lands just before the wait begins is seen only when the wait ends.
            time.sleep(0.2)
            signal.pthread_kill(main_thread, signal.SIGINT)

    timer = threading.Timer(0.1, interrupt)
    timer.start()
    extra = ["--partial"] if partial else []
    try:
        code, _, err = run_cli(
            capsys, "check", "-", "-f", fmt, "-o", str(out), "--jobs", str(jobs), *extra
        )
    finally:
        stream.more.set()
        timer.cancel()
    assert code == 130
    assert err.count("\n") == 1
    if partial:
        assert err.startswith(f"cbc: interrupted; {out} holds the rows up to input line ")
        # The rows judged before the interrupt are kept, those workers had answered while this
        # process waited on the input included: about 3000 of the 3000 read.
        assert out.read_text().count("\n") > 2000
    else:
        assert err == f"cbc: interrupted; no output was written ({out} is unchanged)\n"
        assert out.read_text() == OLD
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(("fmt", "jobs"), [("ndjson", "1"), ("csv", "2")])
def test_sigterm_leaves_the_output_as_it_was_and_no_temporary_file(
    tmp_path: Path, fmt: str, jobs: str
) -> None:
    out = tmp_path / "out.txt"
    out.write_text(OLD)
    # The columnar path reads 1 MiB at a time (after a first eighth): give it more than that.
    data = _export(6000 if fmt == "ndjson" else 150000).encode()
    with subprocess.Popen(
        [sys.executable, "-m", "cbc_cli", "check", "-", "-f", fmt, "-o", str(out), "--jobs", jobs],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=False,
    ) as cbc:
        assert cbc.stdin is not None
        assert cbc.stderr is not None
        cbc.stdin.write(data[: len(data) * 9 // 10])  # then the pipe stays open and quiet
        cbc.stdin.flush()
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_path.glob(".out.txt.*.tmp")):
            # Said apart, so that a failure tells which: cbc ended early, or is still waiting.
            if cbc.poll() is not None:
                pytest.fail(f"cbc ended ({cbc.returncode}): {cbc.stderr.read().decode()}")
            assert time.monotonic() < deadline, (
                f"no output was written in 60 s; cbc still running, workers "
                f"{_children_of(cbc.pid)}, files {sorted(p.name for p in tmp_path.iterdir())}"
            )
            time.sleep(0.05)
        time.sleep(0.2)
        workers_seen = _children_of(cbc.pid)
        cbc.send_signal(signal.SIGTERM)
        code = cbc.wait(30)
        err = cbc.stderr.read().decode()
    assert code == 143
    assert err == f"cbc: terminated; no output was written ({out} is unchanged)\n"
    assert out.read_text() == OLD
    assert _leftovers(tmp_path) == []
    assert len(workers_seen) == (2 if jobs == "2" else 0)  # --jobs N forks N workers
    for pid in workers_seen:  # stopped by cbc, not left behind
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_full_disk_leaves_the_output_as_it_was(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(5000))
    out = tmp_path / "out.txt"
    out.write_text(OLD)

    def small_disk() -> None:  # writing past 64 kB fails with EFBIG, as a full disk does
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    done = _cbc("check", str(path), "-f", fmt, "-o", str(out), preexec_fn=small_disk)
    assert done.returncode == 70
    assert done.stderr == (
        "cbc: error: could not write the output (File too large); "
        f"no output was written ({out} is unchanged)\n"
    )
    assert out.read_text() == OLD
    assert _leftovers(tmp_path) == []


def test_writing_to_a_device_is_not_renamed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(_export(5))
    code, _, err = run_cli(capsys, "check", str(path), "-f", "csv", "-o", os.devnull)
    assert code == 0, err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# --- the formula guard on header cells ------------------------------------------------------

HEADER_TRAP = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("path_taken", ["columnar", "row"])
def test_header_cells_are_guarded_like_data_cells(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path_taken: str,
) -> None:
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["sample_id", HEADER_TRAP, "@SUM(1)", "hgb", "-2+3"])
        writer.writerows([[f"S{i}", "x", "y", "9.1", "z"] for i in range(3000)])
    planned = []
    plan = columnar.plan

    def spy(*args: object, long: bool = False) -> object:
        if long:  # the long layout's plan (the wide one is the path under test)
            return plan(*args, long=True)  # type: ignore[arg-type]
        fast = None if path_taken == "row" else plan(*args)  # type: ignore[arg-type]
        planned.append(fast is not None)
        return fast

    monkeypatch.setattr(columnar, "plan", spy)
    code, out, _ = run_cli(
        capsys, "check", str(path), "-f", "csv", "--sex", "female", "--age", "40"
    )
    assert code == 0
    assert planned == [path_taken == "columnar"]
    header = next(csv.reader(io.StringIO(out)))
    assert header[:5] == ["sample_id", "'" + HEADER_TRAP, "'@SUM(1)", "hgb", "'-2+3"]
    code, out, _ = run_cli(
        capsys,
        "check",
        str(path),
        "-f",
        "csv",
        "--sex",
        "female",
        "--age",
        "40",
        "--no-formula-guard",
    )
    assert next(csv.reader(io.StringIO(out)))[:5] == [
        "sample_id",
        HEADER_TRAP,
        "@SUM(1)",
        "hgb",
        "-2+3",
    ]


# --- no patient value on stderr -------------------------------------------------------------

MARKER = "ZQX7731"
"""Stands for a patient's data in a cell: it must never reach stderr."""


def _bad_files(folder: Path) -> list[Path]:
    files = {
        # No header row: the first line is a patient's results.
        "no_header.csv": f"{MARKER}-1,F,40,9.1,{MARKER}\nS2,M,50,13.1,x\n",
        # A long export whose sample comes back after another one.
        "long_again.csv": (
            "sample_id,analyte,value,unit\n"
            f"{MARKER}-2,hgb,9.1,g/dL\nS-9,hgb,12.1,g/dL\n{MARKER}-2,plt,150,10^9/L\n"
        ),
        # Unreadable cells and a broken row.
        "cells.csv": (
            "sample_id,sex,age,hgb,plt\n"
            f"{MARKER}-3,{MARKER},{MARKER},{MARKER},9x{MARKER}\n"
            f'S,F,"{MARKER}\n'
        ),
        "values.json": json.dumps([{"sample_id": f"{MARKER}-4", "hgb": MARKER, "sex": MARKER}]),
        "fhir.json": json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Patient",
                            "id": f"{MARKER}-5",
                            "birthDate": "1970",
                        }
                    },
                    {
                        "resource": {
                            "resourceType": "DiagnosticReport",
                            "id": f"{MARKER}-6",
                            "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "58410-2"}]},
                            "subject": {"reference": f"Patient/{MARKER}-5"},
                            "result": [
                                {"reference": f"Observation/{MARKER}-7"},
                                {"reference": "Observation/gone"},
                            ],
                        }
                    },
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "id": f"{MARKER}-7",
                            "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
                            "subject": {"reference": f"Patient/{MARKER}-5"},
                            "valueString": MARKER,
                        }
                    },
                    {
                        "resource": {
                            "resourceType": "DiagnosticReport",
                            "id": f"{MARKER}-8",
                            "status": "final",
                            "code": {"text": "CBC"},
                            "result": [],
                        }
                    },
                ],
            }
        ),
        "message.hl7": (
            "MSH|^~\\&|LIS|LAB|EHR|C|20240312091512||ORU^R01|M1|P|2.5.1\r"
            f"PID|1||{MARKER}-9||{MARKER}^{MARKER}||19700115|F\r"
            f"OBR|1|{MARKER}|{MARKER}|58410-2^CBC^LN|||{MARKER}\r"
            f"OBX|1|NM|718-7^Hemoglobin^LN||{MARKER}|g/dL|12.0-{MARKER}|L|||F\r"
        ),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return [folder / name for name in files]


@pytest.mark.parametrize("debug", [False, True])
def test_no_cell_of_a_file_reaches_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    if debug:
        monkeypatch.setenv("CBC_DEBUG", "1")
    said = []
    for path in _bad_files(tmp_path):
        for command, fmt in (
            ("check", "table"),
            ("check", "csv"),
            ("check", "ndjson"),
            ("trend", "json"),
        ):
            code, out, err = run_cli(
                capsys, command, str(path), "-f", fmt, "-o", str(tmp_path / "out")
            )
            said.append(err)
            assert code in (0, 3)
            assert MARKER not in err, (path.name, err)
            assert out == ""
            assert "Traceback" not in err
    assert all(said)  # each has something to say about its file


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_quoting_a_cell_does_not_show_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    if debug:
        monkeypatch.setenv("CBC_DEBUG", "1")
    path = tmp_path / "in.csv"
    path.write_text(f"sample_id,hgb\n{MARKER},9.1\n")

    def bug(record: object, *_: object) -> object:
        try:
            float(MARKER)
        except ValueError as exc:
            raise KeyError(f"cell {MARKER}") from exc
        return None

    monkeypatch.setattr(batch, "interpret_record", bug)
    # A wide CSV written as NDJSON takes the columnar path, whose records the engine makes.
    monkeypatch.setattr(json_sink, "interpret_panel", bug)
    out = tmp_path / "out.ndjson"
    out.write_text(OLD)
    code, _, err = run_cli(capsys, "check", str(path), "-f", "ndjson", "-o", str(out))
    assert code == 70
    assert MARKER not in err
    assert err.splitlines()[-1].startswith(
        f"cbc: internal error (a bug): KeyError; no output was written ({out} is unchanged). "
    )
    assert out.read_text() == OLD
    if debug:  # the traceback, with both errors' classes and frames but not their messages
        assert "Traceback (most recent call last)" in err
        assert "builtins.ValueError" in err
        assert "builtins.KeyError" in err
        assert "in bug" in err


_BUG = """
import sys
from cbc_cli import cli
from cbc_cli.cli import check

def bug(*_):
    raise ValueError("a cell: {marker}")

check.interpret_panel = bug
sys.argv = ["cbc", "check", "--hgb", "9.1"]
cli.entry()
"""


def test_exit_codes_are_the_same_with_cbc_debug() -> None:
    for debug in ("", "1"):
        env = {**ENV, "CBC_DEBUG": debug} if debug else ENV
        done = subprocess.run(
            [sys.executable, "-c", _BUG.format(marker=MARKER)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 70, done.stderr
        assert MARKER not in done.stderr
        assert done.stderr.splitlines()[-1].startswith("cbc: internal error (a bug): ValueError")
        assert ("Traceback" in done.stderr) == bool(debug)
        bad = _cbc("check", "--hgb", "abc", env=env)
        assert bad.returncode == 3
