"""CLI wiring: streams, formats, exit codes, and that the CLI's JSON is the library's result."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli as run

from cbc_cli import interpret
from cbc_cli.models import to_data

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ["--hgb", "9.1", "--anc", "0.8", "--plt", "62", "--sex", "female", "--age", "54"]


def test_json_equals_the_library_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", *SAMPLE, "--format", "json")
    assert code == 0
    assert err == ""
    document = json.loads(out)
    assert document["schema_version"] == "1.3"
    assert document["grading"]["id"] == "ctcae5"
    library = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54)
    assert document["results"] == [to_data(library)]


def test_ndjson_is_one_result_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", *SAMPLE, "--format", "ndjson")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["urgency"] == "soon"


def test_table_goes_to_stdout_and_reads_without_colour(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "check",
        "--hgb",
        "9.1",
        "--anc",
        "0.4",
        "--plt",
        "62",
        "--sex",
        "female",
        "--age",
        "54",
        "--temp",
        "38.5",
    )
    assert code == 0
    assert err == ""
    assert "\x1b[" not in out
    assert "Contact your care team now" in out
    assert "Febrile neutropenia" in out
    assert "information only" in out.lower()


def test_csv_single_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", *SAMPLE, "--format", "csv")
    assert code == 0
    header, row = out.splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["hgb"] == "9.1"
    assert cells["hgb_flag"] == "L"
    assert cells["anemia_grade"] == "2"
    assert cells["lymphopenia_grade"] == ""
    assert cells["status"] == "ok"


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["check", "--hgb", "9", "--fail-on", "abnormal", "--sex", "male", "--age", "40"], 1, ""),
        (["check", "--hgb", "15", "--fail-on", "abnormal", "--sex", "male", "--age", "40"], 0, ""),
        (["check", "--hgb", "6", "--fail-on", "critical", "--sex", "male", "--age", "40"], 1, ""),
        (["check", "--hgb", "9", "--fail-on", "critical", "--sex", "male", "--age", "40"], 0, ""),
        (["check", "--hgb", "9", "--bogus", "1"], 2, "No such option: --bogus"),
        (["check", "--hgb", "9", "--format", "xml"], 2, "'xml' is not one of"),
        (["check", "--hgb", "9", "--grading", "daids"], 2, "grades by age and sex: no age"),
        (["check", "--hgb", "9", "--age", "40", "--dob", "1980-01-01"], 2, "either --age or --dob"),
        (["check", "--hgb", "9", "--dob", "1980-01-01"], 2, "--dob needs --collected"),
        (["check", "--hgb", "9", "--pregnant", "2", "--sex", "male"], 2, "conflicts"),
        (["check", "--hgb", "9", "--pregnant", "4"], 2, "not a trimester"),
        (["check", "--hgb", "9", "--profile", "nope"], 2, "unknown profile"),
        (["check", "--hgb", "9", "--lab-range", "hgb"], 2, "ANALYTE=LOW-HIGH"),
        (["check"], 2, "no input"),
        (["check", "--hgb", "abc"], 3, "is not a number"),
        (["check", "--hgb", "-1"], 3, "negative"),
        (["check", "--hgb", "9.1 mg"], 3, "unknown unit 'mg'"),
        (["check", "--plt", "150000"], 3, "did you mean 150000/uL?"),
        (["check", "--hgb", "9", "--sex", "zz"], 3, "--sex 'zz' is not a sex code"),
        (["check", "--hgb", "9", "--temp", "101"], 3, "did you mean 101F"),
        (["check", "--hgb", "9", "--age", "1.5"], 3, "whole number"),
        (["check", "--hgb", "9", "--ranges", "/no/such.toml"], 4, "no such file"),
        (["explain", "nope"], 2, "unknown finding"),
        (["ranges", "show", "nope"], 2, "unknown analyte"),
    ],
)
def test_exit_codes_and_one_line_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, says: str
) -> None:
    got, out, err = run(capsys, *argv)
    assert got == code, err
    if code >= 2:
        assert out == ""
        assert err.startswith("cbc: error: ")
        assert err.count("\n") == 1, err
        assert "Traceback" not in err
        assert says in err


def test_invalid_range_file_exits_4_naming_file_and_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "lab.toml"
    bad.write_text(
        '[[range]]\nanalyte = "hgb"\nlow = 16\nhigh = 12\nunit = "g/dL"\nsource = "x y z"\n'
    )
    code, _, err = run(capsys, "check", "--hgb", "9", "--ranges", str(bad))
    assert code == 4
    assert "lab.toml: range #1: low 16 is greater than high 12" in err
    code, _, err = run(capsys, "ranges", "validate", str(bad))
    assert code == 4


def test_cbc_ranges_env_layers_a_lab_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = tmp_path / "lab.toml"
    lab.write_text(
        '[[range]]\nanalyte = "hgb"\nage_from = "18y"\nlow = 11.5\nhigh = 15\n'
        'unit = "g/dL"\nsource = "Our lab, 2026"\n'
    )
    monkeypatch.setenv("CBC_RANGES", str(lab))
    code, out, _ = run(
        capsys, "check", "--hgb", "11.8", "--sex", "female", "--age", "40", "--format", "json"
    )
    assert code == 0
    analyte = json.loads(out)["results"][0]["analytes"][0]
    assert analyte["flag"] == "N"
    assert analyte["reference_range"]["source"] == "Our lab, 2026"


@pytest.mark.parametrize("where", ["env", "working folder", "--config"])
def test_cbc_ranges_shows_the_lab_files_cbc_check_judges_by(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    lab = tmp_path / "lab.toml"
    lab.write_text(
        '[[range]]\nanalyte = "hgb"\nage_from = "18y"\nlow = 11.5\nhigh = 15\n'
        'unit = "g/dL"\nsource = "Our lab, 2026"\n'
    )
    settings = tmp_path / "cbc.toml"
    settings.write_text(f"ranges = [{str(lab)!r}]\n")
    monkeypatch.chdir(tmp_path / ".." if where == "--config" else tmp_path)
    extra: list[str] = []
    if where == "env":
        settings.unlink()
        monkeypatch.setenv("CBC_RANGES", str(lab))
    elif where == "--config":
        extra = ["--config", str(settings)]
    code, out, err = run(capsys, "ranges", "show", "hgb", "--json", *extra)
    assert code == 0, err
    assert "Our lab, 2026" in {row["source"] for row in json.loads(out)}
    code, out, err = run(capsys, "ranges", "list", "--json", *extra)
    assert code == 0, err
    assert "Our lab, 2026" in {row["source"] for row in json.loads(out)}


def test_lab_range_option_overrides_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "check",
        "--hgb",
        "11.8",
        "--sex",
        "female",
        "--age",
        "40",
        "--lab-range",
        "hgb=11.5-15.5",
        "--format",
        "json",
    )
    assert code == 0
    analyte: dict[str, Any] = json.loads(out)["results"][0]["analytes"][0]
    assert analyte["flag"] == "N"
    assert analyte["reference_range"]["origin"] == "lab"


def test_piped_stdin_is_read_as_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (ROOT / "examples" / "lab_export.csv").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "check", "--format", "ndjson")
    assert code == 0
    assert len(out.splitlines()) == 6


def test_prompts_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "9.1 [/]" has brackets Rich would read as markup: the error is shown as typed.
    answers = io.StringIO("female\n54\n\n\nabc\n9.1 [/]\n9.1\n\n0.8\n62\nmcv=104\n\n")
    answers.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", answers)
    code, out, err = run(capsys, "check", "--format", "json")
    assert code == 0
    assert "is not a number" in err  # the bad answer is refused and asked again
    assert "[/]" in err
    result = json.loads(out)["results"][0]
    assert [a["analyte"] for a in result["analytes"]] == ["hgb", "mcv", "plt", "anc"]
    assert result["patient"]["sex"] == "female"


def test_version_explain_schema_and_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("cbc ")
    code, out, _ = run(capsys, "explain", "neutropenia")
    assert code == 0
    assert "What to do" in out
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert "AnalyteResult" in json.loads(out)["$defs"]
    code, out, _ = run(capsys, "schema", "--ranges")
    assert code == 0
    assert "range" in json.loads(out)["properties"]
    code, out, _ = run(capsys, "ranges", "list", "--json")
    assert code == 0
    assert all(row["source"] for row in json.loads(out))


def test_cli_json_validates_against_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from pydantic import TypeAdapter

    from cbc_cli.models import Report

    _, out, _ = run(capsys, "check", *SAMPLE, "--temp", "38.4", "--format", "json")
    TypeAdapter(Report).validate_json(out)


def test_lab_range_ends_are_checked_like_values(capsys: pytest.CaptureFixture[str]) -> None:
    # A range copied in g/L without its unit would flag every value low: refused, with a hint.
    code, _, err = run(
        capsys,
        "check",
        "--hgb",
        "130 g/L",
        "--sex",
        "female",
        "--age",
        "40",
        "--lab-range",
        "hgb=120-160",
    )
    assert code == 3
    assert "did you mean 120 g/L?" in err
    code, out, _ = run(
        capsys,
        "check",
        "--hgb",
        "130 g/L",
        "--sex",
        "female",
        "--age",
        "40",
        "--lab-range",
        "hgb=120-160 g/L",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["results"][0]["analytes"][0]["flag"] == "N"


def test_lab_range_option_with_a_file_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "check", str(ROOT / "examples" / "lab_export.csv"), "--lab-range", "anc=0.5-7.0"
    )
    assert code == 2
    assert out == ""
    assert "--lab-range applies to values given as options" in err


def test_grading_choices_are_the_schemes_offered() -> None:
    from cbc_cli.api import resolve_scheme
    from cbc_cli.cli.options import Grading
    from cbc_cli.grading import SCHEME_CHOICES, SCHEMES

    assert [g.value for g in Grading] == list(SCHEME_CHOICES)
    assert sorted(resolve_scheme(name).id for name in SCHEME_CHOICES) == sorted(SCHEMES)


def test_user_text_is_shown_as_typed_in_the_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Neither Rich markup nor emoji codes in a sample id are interpreted, nor shown escaped.
    path = tmp_path / "odd id.csv"
    path.write_text("sample_id,sex,age,hgb\n:warning: [bold]x[/bold],F,54,9.1\n")
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert "sample :warning: [bold]x[/bold], female" in out


def test_explain_lists_findings_and_topics(capsys: pytest.CaptureFixture[str]) -> None:
    from cbc_cli.explanations import EXPLANATIONS, TOPICS

    code, out, _ = run(capsys, "explain")
    assert code == 0
    for name in (*EXPLANATIONS, *TOPICS):
        assert name in out, name


@pytest.mark.parametrize(
    ("topic", "phrase"),
    [
        ("infection-precautions", "Wash your hands"),
        ("bleeding-precautions", "soft toothbrush"),
        ("anemia-care", "Get up slowly"),
        ("nutrition", "folate"),
        ("growth-factors-transfusion", "G-CSF"),
        ("marrow-failure", "aplastic anemia"),
        ("transplant", "stem cell rescue"),
        ("chemotherapy-timeline", "7 to 14 days"),
    ],
)
def test_explain_shows_one_topic(
    capsys: pytest.CaptureFixture[str], topic: str, phrase: str
) -> None:
    code, out, _ = run(capsys, "explain", topic.upper())
    assert code == 0
    assert phrase in " ".join(out.split())
    assert "not a medical device" in " ".join(out.split())


def test_explain_finding_names_its_topics_and_the_safety_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "explain", "thrombocytopenia")
    assert code == 0
    flat = " ".join(out.split())
    assert "cbc explain bleeding-precautions" in flat
    assert "Seek care at once" in flat


def test_explain_unknown_names_findings_and_topics(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "nope")
    assert code == 2
    assert "unknown finding or topic" in err
    assert "marrow-failure" in err


def test_check_transplant_option(capsys: pytest.CaptureFixture[str]) -> None:
    from cbc_cli.cli.options import Transplant
    from cbc_cli.explanations import TRANSPLANT_KINDS, transplant_context

    assert tuple(t.value for t in Transplant) == TRANSPLANT_KINDS
    code, out, _ = run(capsys, "check", *SAMPLE, "--transplant", "allo", "--format", "json")
    assert code == 0
    result = json.loads(out)["results"][0]
    assert result["patient"]["transplant"] == "allo"
    assert transplant_context("allo") in result["notes"]
    library = interpret(
        {"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54, transplant="allo"
    )
    assert result == to_data(library)
    code, _, err = run(capsys, "check", *SAMPLE, "--transplant", "cord")
    assert code == 2
    assert "--transplant" in err


def test_bare_cbc_shows_help_and_no_empty_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 2
    assert "check" in out
    assert "error" not in err


@pytest.mark.parametrize("argv", [("-h",), ("check", "-h"), ("trend", "-h"), ("ranges", "-h")])
def test_short_help_option(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "Usage" in out


def test_explain_suggests_the_nearest_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "neutropnia")
    assert code == 2
    assert "did you mean 'neutropenia'?" in err
    code, _, err = run(capsys, "explain", "zzzz")
    assert code == 2
    assert "did you mean" not in err


# --- errors as data: codes, fields, and the CLI's options and exit codes -------------------------


def test_the_cli_names_options_where_the_library_names_keywords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cbc_cli.errors import UsageError

    with pytest.raises(UsageError) as caught:
        interpret({"hgb": "9"}, age=40, dob="1980-01-01", collected="2026-01-01")
    # The library speaks in its keywords ...
    assert caught.value.message == "give either age or dob, not both"
    assert (caught.value.code, caught.value.field) == ("option.conflict", "dob")
    assert "--" not in str(caught.value)
    # ... and the command line in its options, with the code's exit code.
    code, _, err = run(capsys, "check", "--hgb", "9", "--age", "40", "--dob", "1980-01-01")
    assert code == 2
    assert err == "cbc: error: give either --age or --dob, not both\n"


@pytest.mark.parametrize(
    ("keyword", "option"),
    [
        ("age", "--age"),
        ("lab_range", "--lab-range"),
        ("column", "--column"),
        ("ranges", "--ranges"),
        ("temperature", "--temp"),
        ("days_since_chemo", "--days-since-chemo"),
        ("output", "-o"),
        ("limit", "--limit"),
    ],
)
def test_option_names_of_keywords(keyword: str, option: str) -> None:
    from cbc_cli.cli.app import option_name

    assert option_name(keyword) == option


def test_every_term_a_message_may_name_is_an_option_of_cbc() -> None:
    import typer  # noqa: TID251 - the test reads the options as Typer builds them
    from typer.core import TyperGroup  # noqa: TID251

    from cbc_cli.cli.app import build_app, option_name
    from cbc_cli.errors import TERMS

    command = typer.main.get_command(build_app())
    assert isinstance(command, TyperGroup)
    options: set[str] = set()
    for sub in command.commands.values():
        for group in [sub, *getattr(sub, "commands", {}).values()]:
            for param in group.params:
                options.update(param.opts)
    assert {option_name(t) for t in TERMS} <= options


def test_each_kind_of_code_has_the_documented_exit_code() -> None:
    from cbc_cli.cli.app import EXIT_CODES, exit_code
    from cbc_cli.errors import CODES, CbcError, InputError, RangeFileError, UsageError

    # The exit codes of README, Exit codes, for each kind of error.
    assert EXIT_CODES == {"usage": 2, "input": 3, "settings": 4, "internal": 70}
    classes = {"usage": UsageError, "input": InputError, "settings": RangeFileError}
    for code, known in CODES.items():
        error = classes.get(known.kind, CbcError)("x", code=code)
        assert exit_code(error) == EXIT_CODES[known.kind], code
        # The library's error says its kind only: the CLI alone knows the exit codes.
        assert error.kind == known.kind, code
        assert not hasattr(error, "exit_code"), code


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["check", "--hgb", "9", "--grading", "daids", "--age", "40"], "patient.sex_required"),
        (["check", "--hgb", "9.1 mg"], "unit.unknown"),
        (["check", "--hgb", "910", "--sex", "male"], "value.implausible"),
        (["check", "--hgb", "9", "--ranges", "/no/such.toml"], "range_file.missing"),
        (["check", "--hgb", "9", "--limit", "nope"], "limit.invalid"),
    ],
)
def test_the_exit_code_is_that_of_the_error_code(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: str
) -> None:
    from cbc_cli.cli.app import EXIT_CODES
    from cbc_cli.errors import CODES

    got, _, err = run(capsys, *argv)
    assert got == EXIT_CODES[CODES[code].kind], err


# --- DAIDS grades by age and sex: the same answer on every path ----------------------------------

DAIDS_VALUES = {"hgb": "9.1", "anc": "0.8", "plt": "62"}


@pytest.mark.parametrize(
    ("person", "code"),
    [({}, "patient.age_required"), ({"age": "40"}, "patient.sex_required")],
)
def test_daids_without_age_or_sex_is_refused_by_the_library_and_the_cli(
    capsys: pytest.CaptureFixture[str], person: dict[str, str], code: str
) -> None:
    from cbc_cli.errors import UsageError

    with pytest.raises(UsageError) as caught:
        interpret(DAIDS_VALUES, grading="daids", **person)
    assert caught.value.code == code
    assert caught.value.field == code.split(".")[1].removesuffix("_required")
    argv = [f"--{k}={v}" for k, v in {**DAIDS_VALUES, **person}.items()]
    got, out, err = run(capsys, "check", *argv, "--grading", "daids")
    assert (got, out) == (2, "")
    assert err.endswith("(give --age (or --dob) and --sex)\n")


def test_daids_file_rows_without_age_or_sex_are_error_rows_with_the_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "daids.csv"
    export.write_text(
        "sample_id,hgb,anc,plt,age,sex\n"
        "A,9.1,0.8,62,40,F\n"  # graded: DAIDS adult female bands
        "B,9.1,0.8,62,,F\n"  # no age
        "C,9.1,0.8,62,40,\n"  # no sex
    )
    library = interpret(DAIDS_VALUES, grading="daids", age=40, sex="female")
    for fmt in ("json", "csv"):
        got, out, err = run(capsys, "check", str(export), "--grading", "daids", "-f", fmt)
        assert got == 3, err  # error rows: exit 3, the rest written
        assert "2 of 3 samples" in err
        if fmt == "json":
            results = json.loads(out)["results"]
            assert results[0]["grades"] == to_data(library)["grades"]
            assert results[0]["status"] == "ok"
            for row, code in zip(
                results[1:], ("patient.age_required", "patient.sex_required"), strict=True
            ):
                assert row["status"] == "error"
                assert row["findings"] == []
                assert (row["error"]["code"], row["error"]["field"]) == (code, code[8:11])
        else:
            rows = out.splitlines()
            assert rows[1].endswith(",ok,")
            assert rows[2].endswith(
                ",error,[patient.age_required] line 3: DAIDS AE Grading "
                "Table v2.1 grades by age and sex: no age was given"
            )
            assert ",error,[patient.sex_required] line 4:" in rows[3]
    # The library's file reader gives the same error results.
    from cbc_cli import interpret_file

    results = list(interpret_file(export, grading="daids"))
    assert [r.status for r in results] == ["ok", "error", "error"]
    assert [r.error.code for r in results[1:] if r.error] == [
        "patient.age_required",
        "patient.sex_required",
    ]
    # The options fill what the rows do not say: with --age and --sex every row is graded.
    got, out, _ = run(
        capsys,
        "check",
        str(export),
        "--grading",
        "daids",
        "--age",
        "40",
        "--sex",
        "female",
        "-f",
        "json",
    )
    assert got == 0
    assert [r["status"] for r in json.loads(out)["results"]] == ["ok", "ok", "ok"]


def test_daids_row_errors_are_the_same_on_the_columnar_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A wide CSV written as CSV takes the columnar path (cbc_cli.columnar); --jobs 1 and a
    # file long enough for it, with rows lacking age or sex among graded ones.
    lines = ["hgb,anc,plt,age,sex"]
    for i in range(300):
        lines.append(
            f"9.{i % 10},0.{i % 9 + 1},{50 + i % 40},{'' if i % 7 == 0 else 40},"
            f"{'' if i % 11 == 0 else 'F'}"
        )
    export = tmp_path / "wide.csv"
    export.write_text("\n".join(lines) + "\n")
    got, columnar, _ = run(
        capsys, "check", str(export), "--grading", "daids", "-f", "csv", "--jobs", "1"
    )
    assert got == 3
    # The row-by-row path (JSON), row for row.
    _, out, _ = run(capsys, "check", str(export), "--grading", "daids", "-f", "json")
    results = json.loads(out)["results"]
    rows = columnar.splitlines()[1:]
    assert len(rows) == len(results) == 300
    for row, result in zip(rows, results, strict=True):
        if result["status"] == "error":
            assert f",error,[{result['error']['code']}] line {result['line']}:" in row
        else:
            assert row.endswith(",ok,") or ",ok," in row


def test_daids_trend_draws_without_age_are_not_placed_as_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    series = tmp_path / "series.csv"
    series.write_text(
        "patient_id,collected_at,sex,age,anc,plt,hgb\n"
        "P,2026-03-02,F,,0.4,40,9.1\n"
        "P,2026-03-09,F,,0.9,80,9.6\n"
    )
    code, out, err = run(capsys, "trend", str(series), "--grading", "daids", "-f", "json")
    assert code == 3, err
    report = json.loads(out)
    assert report["persons"] == []  # no draw shown as checked with nothing found
    assert [u["reason"] for u in report["unplaced"]] == [
        "DAIDS AE Grading Table v2.1 grades by age and sex: no age was given"
    ] * 2
    code, out, _ = run(
        capsys, "trend", str(series), "--grading", "daids", "--age", "40", "-f", "json"
    )
    assert code == 0
    assert [len(p["draws"]) for p in json.loads(out)["persons"]] == [2]
