"""The habits of a good command line: prompts that check each answer, completion, examples in
the help, a summary beside machine formats, progress, and singular and plural."""

from __future__ import annotations

import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli as run

ROOT = Path(__file__).resolve().parent.parent


def _terminal(monkeypatch: pytest.MonkeyPatch, typed: str) -> None:
    answers = io.StringIO(typed)
    answers.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", answers)


def test_a_bad_sex_is_asked_again_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "x-y" is in no list of sex codes: refused, and asked again before anything else.
    _terminal(monkeypatch, "x-y\nfemale\nfifty\n54\n\n\n9.1\n\n0.8\n62\n\n")
    code, out, err = run(capsys, "check", "--format", "json")
    assert code == 0
    assert err.count("Sex (female/male): ") == 2
    assert err.count("Age in years") == 2
    assert "not a whole number" in err
    # Asked again at once: both sex prompts come before the age is asked.
    assert err.rindex("Sex (female/male): ") < err.index("Age in years")
    result = json.loads(out)["results"][0]
    assert result["patient"]["sex"] == "female"
    assert result["patient"]["age"] == "54 y"


def test_temperature_and_days_since_chemotherapy_are_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 101.3 without F is refused (a bare number is read as Celsius, and 101.3 C is not a body
    # temperature); 101.3F is 38.5 C. Days: -3 is refused, 10 read.
    _terminal(monkeypatch, "female\n54\n101.3\n101.3F\n-3\n10\n9.1\n\n0.4\n62\n\n")
    code, out, err = run(capsys, "check", "--format", "json")
    assert code == 0, err
    assert "Temperature, if you have one (e.g. 38.2 or 100.8F), Enter to skip" in err
    assert "101.3F" in err  # the refusal says what was probably meant
    assert "whole number of days" in err
    patient = json.loads(out)["results"][0]["patient"]
    assert patient["temperature_c"] == pytest.approx(38.5, abs=0.05)
    assert patient["days_since_chemo"] == 10


def test_temperature_given_as_an_option_is_not_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _terminal(monkeypatch, "female\n54\n9.1\n\n0.8\n62\n\n")
    code, _, err = run(
        capsys, "check", "--temp", "37", "--days-since-chemo", "5", "--format", "json"
    )
    assert code == 0, err
    assert "Temperature" not in err
    assert "chemotherapy" not in err


def test_ctrl_d_ends_the_prompting_and_keeps_what_was_typed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # End of input after the haemoglobin: wbc, anc, plt and the other counts are not asked.
    _terminal(monkeypatch, "female\n54\n\n\n9.1\n")
    code, out, err = run(capsys, "check", "--format", "json")
    assert code == 0, err
    assert "Platelet" not in err
    assert "Other counts" not in err
    result = json.loads(out)["results"][0]
    assert [a["analyte"] for a in result["analytes"]] == ["hgb"]


def test_ctrl_d_before_any_count_is_no_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _terminal(monkeypatch, "female\n")
    code, out, err = run(capsys, "check")
    assert code == 2
    assert out == ""
    assert "no values were given" in err
    assert "Age in years" in err
    assert "Temperature" not in err


def test_ctrl_c_at_a_prompt_is_interrupted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupting(io.StringIO):
        def isatty(self) -> bool:
            return True

        def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
            raise KeyboardInterrupt

    monkeypatch.setattr("sys.stdin", Interrupting())
    code, _, err = run(capsys, "check")
    assert code == 130
    assert "cbc: interrupted" in err


def test_one_bad_row_is_worded_in_the_singular(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "one.csv"
    path.write_text("sample_id,sex,age,hgb\nS-1,female,54,abc\n")
    code, _, err = run(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert "cbc: 1 of 1 sample could not be read and 1 cell could not be read (line 2)" in err
    assert "samples" not in err
    assert "lines" not in err


def test_two_bad_rows_are_worded_in_the_plural(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text("sample_id,sex,age,hgb\nS-1,female,54,abc\nS-2,female,54,x\nS-3,male,40,14\n")
    code, _, err = run(capsys, "check", str(path), "--format", "csv")
    assert code == 3
    assert "2 of 3 samples could not be read and 2 cells could not be read (lines 2, 3)" in err


def test_plural_words() -> None:
    from cbc_cli.wording import noun_for, plural

    assert plural(1, "row") == "1 row"
    assert plural(0, "row") == "0 rows"
    assert plural(2, "blank row") == "2 blank rows"
    assert noun_for(1, "line") == "line"
    assert noun_for(5, "line") == "lines"


COMMANDS_HELP = [["check"], ["trend"], ["explain"], ["ranges"], ["schema"]]


@pytest.mark.parametrize("columns", ["80", "120"])
@pytest.mark.parametrize("command", COMMANDS_HELP)
def test_every_command_help_ends_with_examples(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    columns: str,
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    examples = out[out.index("Examples:") :].splitlines()[1:]
    shown = [line.strip() for line in examples if line.strip()]
    assert len(shown) >= 3
    assert all(line.startswith(f"cbc {command[0]}") for line in shown)
    # Each example is whole, on its own line, within the width.
    assert all(len(line.rstrip()) <= int(columns) for line in out.splitlines())
    assert all(not line.endswith("…") for line in shown)


def test_check_help_at_80_columns_keeps_every_option_name_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer  # noqa: TID251 - the test reads the options as Typer builds them

    from cbc_cli.cli.app import build_app

    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0
    assert "…" not in out
    command = typer.main.get_command(build_app("check")).commands["check"]  # type: ignore[attr-defined]
    names = [name for p in command.params for name in (*p.opts, *p.secondary_opts)]
    assert "--no-formula-guard" in names
    for name in names:
        if name.startswith("--"):
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", out), name


def test_check_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    from cbc_cli.cli.examples import CHECK

    line = next(x for x in CHECK if "--days-since-chemo" in x)
    code, out, err = run(capsys, *shlex.split(line)[1:], "--format", "json")
    assert code == 0, err
    assert json.loads(out)["results"][0]["patient"]["days_since_chemo"] == 10


def test_example_lines_fit_80_columns() -> None:
    from cbc_cli.cli import examples

    for lines in (examples.CHECK, examples.TREND, examples.EXPLAIN, examples.SCHEMA):
        assert all(len(line) <= 76 for line in lines), lines
    assert all(len(line) <= 76 for line in examples.RANGES)


def _wide(tmp_path: Path, n: int) -> Path:
    from scale_data import wide_csv

    return wide_csv(tmp_path / "wide.csv", n)


def test_summary_on_stderr_from_the_columnar_csv_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cbc_cli import columnar

    seen: list[bool] = []
    built = columnar.ColumnarCsv.__post_init__

    def spy(self: columnar.ColumnarCsv) -> None:
        seen.append(self.count_summary)
        built(self)

    monkeypatch.setattr(columnar.ColumnarCsv, "__post_init__", spy)
    path = _wide(tmp_path, 400)
    code, table, _ = run(capsys, "check", str(path), "--jobs", "1")
    code_csv, out, err = run(capsys, "check", str(path), "--format", "csv", "--jobs", "1")
    assert code_csv == code
    _, out_s, err_s = run(capsys, "check", str(path), "--format", "csv", "--summary", "--jobs", "1")
    assert seen == [False, False, True]  # every run went through the columnar rules
    assert out_s == out  # the CSV is the same
    assert "400 samples" in table
    assert err_s == err + table  # the summary --format table prints, after the notes


def test_summary_on_stderr_from_the_row_by_row_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = [
        {"sample_id": "S-1", "sex": "female", "age": 54, "hgb": 9.1, "anc": 0.4, "plt": 62},
        {"sample_id": "S-2", "sex": "male", "age": 61, "hgb": 14.6, "anc": 3.9, "plt": 245},
        {"sample_id": "S-3", "sex": "female", "age": 38, "hgb": 7.6, "anc": 0.9, "plt": 18},
    ]
    path = tmp_path / "s.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _, table, _ = run(capsys, "check", str(path))
    _, out, err = run(capsys, "check", str(path), "--format", "ndjson")
    _, out_s, err_s = run(capsys, "check", str(path), "--format", "ndjson", "--summary")
    assert out_s == out
    assert "3 samples" in table
    assert "neutropenia" in table.lower()
    assert err_s == err + table


def test_summary_with_one_sample_as_options(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", "--hgb", "9.1", "--anc", "0.8", "--sex", "female", "--age", "54"]
    _, table, _ = run(capsys, *argv)
    _, out, err = run(capsys, *argv, "--format", "json", "--summary")
    assert json.loads(out)["results"][0]["urgency"] == "soon"
    assert err == table


def test_summary_is_refused_with_parquet(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "check",
        str(ROOT / "examples" / "lab_export.csv"),
        "--format",
        "parquet",
        "--summary",
    )
    assert code == 2
    assert "--summary" in err


def test_bytes_read_counts_the_file_position(tmp_path: Path) -> None:
    from cbc_cli.cli.check_file import bytes_read, input_size
    from cbc_cli.readers.source import open_source

    path = tmp_path / "r.csv"
    body = b"sample_id,hgb\n" + b"".join(b"S-%d,9.1\n" % i for i in range(20000))
    path.write_bytes(body)
    source = open_source(str(path))
    try:
        assert input_size(source) == len(body)
        assert bytes_read(source) == 0
        source.stream.read(1000)
        assert bytes_read(source) == 1000
        source.stream.read()
        assert bytes_read(source) == len(body)
    finally:
        source.close()


def test_bytes_read_of_gzip_counts_compressed_bytes(tmp_path: Path) -> None:
    import gzip

    from cbc_cli.cli.check_file import bytes_read, input_size
    from cbc_cli.readers.source import open_source

    body = b"sample_id,hgb\n" + b"".join(b"S-%d,9.1\n" % i for i in range(50000))
    path = tmp_path / "r.csv.gz"
    path.write_bytes(gzip.compress(body))
    packed = path.stat().st_size
    source = open_source(str(path))
    try:
        assert input_size(source) == packed  # the compressed size: what is read of the file
        text = source.stream.read()
        assert text == body
        assert bytes_read(source) == packed
    finally:
        source.close()


def test_no_size_for_standard_input() -> None:
    from cbc_cli.cli.check_file import bytes_read, input_size
    from cbc_cli.readers.source import open_source

    source = open_source("-", io.BufferedReader(io.BytesIO(b"sample_id,hgb\nS-1,9\n")))
    assert input_size(source) is None
    assert bytes_read(source) is None


def test_progress_columns() -> None:
    from rich.progress import (  # noqa: TID251 - the columns the progress line is made of
        BarColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    from cbc_cli.cli.check_file import progress_columns

    sized = [type(c) for c in progress_columns(sized=True)]
    assert sized == [TextColumn, BarColumn, TaskProgressColumn, TimeRemainingColumn]
    unsized = [type(c) for c in progress_columns(sized=False)]
    assert unsized == [SpinnerColumn, TextColumn]


def test_progress_follows_the_bytes_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import ExitStack

    from cbc_cli.cli import check_file
    from cbc_cli.readers.source import open_source

    path = tmp_path / "r.csv"
    path.write_bytes(b"x" * 10000)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    made: list[bool] = []
    real = check_file.progress_columns

    def columns(sized: bool) -> list[Any]:
        made.append(sized)
        return real(sized)

    monkeypatch.setattr(check_file, "progress_columns", columns)
    source = open_source(str(path))
    with ExitStack() as stack:
        stack.callback(source.close)
        update = check_file.ProgressLine(stack, source)
        assert made == [True]
        source.stream.read(2500)
        update(10)  # before PROGRESS_AFTER: nothing shown, the task still follows
        assert not update.started
        task = update.bar.tasks[0]
        assert task.total == 10000
        assert task.completed == 2500
        assert task.fields["samples"] == 10


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "table"])
def test_the_progress_line_is_on_stderr_and_leaves_the_results_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    # `cbc check big.csv -f csv > out.csv` on a terminal: the progress line shows on stderr
    # (the terminal), and out.csv holds the results alone, as when no terminal is there.
    from cbc_cli.cli.check_file import PROGRESS_AFTER

    rows = "".join(f"S{n},F,54,9.1,0.8,62\n" for n in range(PROGRESS_AFTER + 1))
    export = tmp_path / "big.csv"
    export.write_text("sample_id,sex,age,hgb,anc,plt\n" + rows, encoding="utf-8")
    code, plain, err = run(capsys, "check", str(export), "-f", fmt, "--jobs", "1")
    assert (code, err) == (0, "")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    code, out, err = run(capsys, "check", str(export), "-f", fmt, "--jobs", "1")
    assert code == 0
    assert out == plain
    assert re.search(r"\d,\d{3} samples", err), err  # the line, counting as it reads


def test_completion_script_for_bash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "completion", "bash")
    assert code == 0
    assert "complete -o default -F _cbc_completion cbc" in out
    assert "_CBC_COMPLETE=complete_bash" in out


def test_completion_answers_the_shell() -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "_CBC_COMPLETE": "complete_bash",
        "COMP_WORDS": "cbc check --format ",
        "COMP_CWORD": "3",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert {"table", "csv", "ndjson", "fhir", "hl7"} <= set(done.stdout.split())
    env["COMP_WORDS"], env["COMP_CWORD"] = "cbc che", "1"
    done = subprocess.run(
        [sys.executable, "-m", "cbc_cli"], env=env, capture_output=True, text=True, check=False
    )
    assert done.stdout.split() == ["check"]


def test_completion_refuses_an_unknown_shell(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "completion", "tcsh")
    assert code == 2
    assert "tcsh" in err
