"""The library people script with (README "Library use"): keywords as the CLI's options, files
of any supported format, results as plain data and JSON, schemas with ``$schema`` and ``$id``."""

from __future__ import annotations

import contextlib
import gzip
import inspect
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from helpers import run_cli

import cbc_cli
from cbc_cli import KEYWORDS, build_panel, build_patient, interpret, interpret_file
from cbc_cli.api import schema_document
from cbc_cli.errors import InputError, UsageError
from cbc_cli.models import Result
from cbc_cli.readers import read_input
from cbc_cli.readers.source import open_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALUES = {"hgb": "9.1", "anc": "0.8", "plt": "62 10^3/uL"}


def cli_results(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    code, out, _ = run_cli(capsys, "check", *argv, "--format", "json")
    assert code in (0, 3), out
    results: list[dict[str, Any]] = json.loads(out)["results"]
    return results


# --- interpret(): the CLI's keywords -------------------------------------------------------------


def test_every_keyword_names_an_option_of_cbc_check() -> None:
    from cbc_cli.cli.check import check

    params = set(inspect.signature(check).parameters)
    for keyword, option in KEYWORDS.items():
        assert option.startswith("--")
        assert option[2:].replace("-", "_") in params, (keyword, option)
    # And every option about the person, the ranges, the grading or the input has a keyword.
    values = {"wbc", "rbc", "hgb", "hct", "mcv", "mch", "mchc", "rdw", "plt", "anc", "alc"}
    values |= {"neut_pct", "band_pct", "lymph_pct"}
    output = {"file", "output", "output_format", "fail_on", "formula_guard", "jobs", "partial"}
    output |= {"brief", "summary"}  # output options: a result is the same whatever they are
    assert params - values - output == {o[2:].replace("-", "_") for o in KEYWORDS.values()}


@pytest.mark.parametrize(
    ("keywords", "argv"),
    [
        ({"temp": 38.5}, ["--temp", "38.5"]),
        ({"temperature": "101.3F"}, ["--temp", "101.3F"]),
        ({"days_since_chemo": 12}, ["--days-since-chemo", "12"]),
        ({"profile": "duffy-null"}, ["--profile", "duffy-null"]),
        ({"profiles": ["duffy-null"]}, ["--profile", "duffy-null"]),
        ({"transplant": "allo"}, ["--transplant", "allo"]),
        ({"grading": "ctcae6"}, ["--grading", "ctcae6"]),
        ({"lab_range": "hgb=12.0-15.5"}, ["--lab-range", "hgb=12.0-15.5"]),
        ({"lab_ranges": {"hgb": "12.0-15.5"}}, ["--lab-range", "hgb=12.0-15.5"]),
        (
            {"dob": "1970-01-15", "collected": "2024-03-01"},
            ["--dob", "1970-01-15", "--collected", "2024-03-01"],
        ),
    ],
)
def test_interpret_keywords_give_what_the_cli_options_give(
    keywords: dict[str, object], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    person = {"sex": "female"} if "dob" in keywords else {"sex": "female", "age": 54}
    result = interpret(VALUES, **person, **keywords)
    person_argv = [f"--{k}={v}" for k, v in person.items()]
    value_argv = [f"--{k}={v}" for k, v in VALUES.items()]
    [expected] = cli_results(capsys, *value_argv, *person_argv, *argv)
    assert result.to_dict() == expected


def test_a_fever_given_as_temp_changes_the_answer() -> None:
    # ANC 0.8 with 38.5 C: a fever with neutropenia, contact now (docs/clinical.md section 5).
    assert interpret(VALUES, sex="female", age=54).urgency != "now"
    assert interpret(VALUES, sex="female", age=54, temp=38.5).urgency == "now"
    assert interpret(VALUES, sex="female", age=54, temp=38.5).patient.temperature_c == 38.5


def test_an_unknown_keyword_is_a_type_error_naming_the_accepted_ones() -> None:
    with pytest.raises(TypeError) as info:
        interpret(VALUES, tmp=38.5)
    message = str(info.value)
    assert "'tmp'" in message
    for keyword in ("temp", "temperature", "sex", "profile", "lab_range", "grading"):
        assert re.search(rf"\b{keyword}\b", message.split("accepted: ")[1])
    assert "input_format" not in message  # a file's option, not one of a sample's


def test_one_option_under_both_names_is_refused() -> None:
    with pytest.raises(TypeError, match="both 'temp' and 'temperature'"):
        interpret(VALUES, temp=38.5, temperature=38.5)


def test_person_options_with_a_ready_panel_are_refused() -> None:
    panel = build_panel(VALUES, patient=build_patient(sex="female", age=54))
    assert interpret(panel).urgency == interpret(VALUES, sex="female", age=54).urgency
    with pytest.raises(TypeError, match="carries its own"):
        interpret(panel, temp=38.5)


def test_bad_values_of_options_are_the_cli_errors() -> None:
    with pytest.raises(UsageError, match="unknown profile"):
        interpret(VALUES, profile="nope")
    with pytest.raises(InputError):
        interpret(VALUES, temp="12")


def test_errors_name_keywords_and_the_cli_names_options() -> None:
    # The library speaks of its keyword (collected) and carries it as the field; only the CLI
    # names the option (--collected).
    with pytest.raises(InputError) as info:
        build_panel(VALUES, collected="2024-13-45")
    assert (info.value.code, info.value.field) == ("date.invalid", "collected")
    assert info.value.message.startswith("collected '2024-13-45' ")
    assert "--" not in info.value.message
    message, _ = info.value.render(lambda term: f"--{term}")
    assert message.startswith("--collected '2024-13-45' ")


# --- results as data ----------------------------------------------------------------------------


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def test_to_dict_is_plain_data_and_to_json_its_json() -> None:
    result = interpret(VALUES, sex="female", age=54, temp=38.5)
    data = result.to_dict()
    assert type(data) is dict
    assert _plain(data)
    assert json.loads(json.dumps(data)) == data
    assert json.loads(result.to_json()) == data
    assert json.loads(result.to_json(indent=2)) == data
    assert data["urgency"] == "now"
    assert {f["code"] for f in data["findings"]} >= {"neutropenia", "anemia"}


def test_json_dumps_of_a_result_itself_says_to_use_to_dict() -> None:
    # A dataclass is not a dict: json.dumps needs to_dict() (README "Library use").
    with pytest.raises(TypeError):
        json.dumps(interpret(VALUES))


# --- interpret_file(): any supported input ------------------------------------------------------

FILES = [
    ROOT / "examples" / "lab_export.csv",
    ROOT / "examples" / "report_day12.csv",
    ROOT / "examples" / "long_export.csv",
    ROOT / "examples" / "oru_r01.hl7",
    FIXTURES / "exports" / "broken_rows.csv",
    FIXTURES / "exports" / "analyzer_tab.tsv",
    FIXTURES / "fhir" / "bundle_collection_report.json",
    FIXTURES / "fhir" / "bulk_export.ndjson",
    FIXTURES / "hl7" / "problems_cr.hl7",
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_interpret_file_gives_what_cbc_check_file_gives(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = cli_results(capsys, str(path))
    assert [r.to_dict() for r in interpret_file(str(path))] == expected
    assert [r.to_dict() for r in interpret_file(path)] == expected
    with path.open("rb") as stream:
        assert [r.to_dict() for r in interpret_file(stream)] == expected
        assert not stream.closed  # the caller's stream is the caller's to close
    packed = io.BytesIO(gzip.compress(path.read_bytes()))
    assert [r.to_dict() for r in interpret_file(packed)] == expected


def test_interpret_file_takes_the_options_of_cbc_check_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "renamed.csv"
    path.write_text("Probe,Leuko,Hb\nA,1.9,9.1\n", encoding="utf-8")
    argv = ["--column", "Probe=sample_id", "--column", "Leuko=wbc", "--unit", "wbc=giga.l-1"]
    expected = cli_results(
        capsys, str(path), *argv, "--sex", "female", "--age", "54", "--temp", "38.5"
    )
    results = interpret_file(
        path,
        columns=["Probe=sample_id", "Leuko=wbc"],
        unit={"wbc": "giga.l-1"},
        sex="female",
        age=54,
        temp=38.5,
    )
    assert [r.to_dict() for r in results] == expected
    assert expected[0]["sample_id"] == "A"


def test_interpret_file_refuses_what_it_cannot_read_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        interpret_file(tmp_path / "missing.csv")  # not at the first next()
    with pytest.raises(TypeError, match="open\\(path, 'rb'\\)"):
        interpret_file(io.StringIO("sample_id,hgb\nA,9.1\n"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lab_range"):
        interpret_file(tmp_path / "missing.csv", lab_range="hgb=12-15")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        interpret_file(empty)


def test_interpret_file_yields_one_result_per_sample_in_order() -> None:
    data = b"sample_id,sex,age,hgb,anc\nA,F,54,9.1,0.8\nB,F,54,abc,0.8\nC,M,60,14.5,3.0\n"
    results = list(interpret_file(io.BytesIO(data)))
    assert all(isinstance(r, Result) for r in results)
    assert [r.sample_id for r in results] == ["A", "B", "C"]
    assert [r.line for r in results] == [2, 3, 4]
    assert results[1].cell_errors  # the unreadable cell is said, the row kept


def test_read_input_given_a_path_says_what_it_takes() -> None:
    path = str(ROOT / "examples" / "lab_export.csv")
    with pytest.raises(TypeError) as info:
        read_input(path)  # type: ignore[arg-type]
    assert "open_source" in str(info.value)
    assert "interpret_file" in str(info.value)
    source = open_source(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        assert len(list(read_input(source).records)) == len(lines) - 1
    finally:
        source.close()


# --- schemas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "argv", "schema_id"),
    [
        ("result", [], "urn:cbc-cli:schema:result:1.3"),
        ("trend", ["--trend"], "urn:cbc-cli:schema:trend:2.0"),
        ("ranges", ["--ranges"], "urn:cbc-cli:schema:ranges"),
    ],
)
def test_schemas_carry_schema_and_id(
    kind: str, argv: list[str], schema_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "schema", *argv)
    assert code == 0
    document = json.loads(out)
    assert document == schema_document(kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == schema_id
    jsonschema.Draft202012Validator.check_schema(document)


@pytest.mark.parametrize(
    "argv",
    [
        ["--hgb", "9.1", "--anc", "0.8", "--plt", "62", "--sex", "female", "--temp", "38.5"],
        [str(ROOT / "examples" / "lab_export.csv")],
        [str(FIXTURES / "exports" / "broken_rows.csv")],
        [str(FIXTURES / "hl7" / "problems_cr.hl7")],
    ],
)
def test_cbc_json_output_validates_against_its_schema(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(capsys, "check", *argv, "--format", "json")
    assert code in (0, 3)
    validator = jsonschema.Draft202012Validator(schema_document("result"))
    document = json.loads(out)
    validator.validate(document)
    # The schema can fail: a result without its urgency, or an unknown field, is refused.
    broken = json.loads(out)
    broken["results"][0]["urgency"] = "later"
    assert not validator.is_valid(broken)
    broken = json.loads(out)
    broken["results"][0]["extra"] = 1
    assert not validator.is_valid(broken)


def test_trend_json_validates_against_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "trend", str(ROOT / "examples" / "trend_chemo_cycle.csv"), "--format", "json"
    )
    assert code == 0
    jsonschema.Draft202012Validator(schema_document("trend")).validate(json.loads(out))


# --- README "Library use" -----------------------------------------------------------------------


def test_the_readme_library_example_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Library use", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, "README.md", "exec"), {})
    printed = out.getvalue().splitlines()
    # ANC 0.8 is grade 3 neutropenia in CTCAE v5, [0.5, 1.0) (docs/clinical.md section 4); with
    # 38.5 C it is a fever with neutropenia: contact the care team now (section 5).
    assert "neutropenia 3 severe" in printed
    assert any(line.startswith("now ") for line in printed)
    assert '{"sample_id": null' in out.getvalue()
    assert "LAB-0001 soon" in printed
    assert "LAB-0002 none" in printed


def test_the_package_exports_the_library() -> None:
    for name in ("interpret", "interpret_file", "KEYWORDS", "schema_document"):
        assert name in cbc_cli.__all__
