"""Settings files, the environment and presets (cbc_cli/config.py; README, Config files and
presets): which layer wins, what a bad file says, and what the library and CLI do with them."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import KEYWORDS, interpret, interpret_file
from cbc_cli.cli.app import exit_code
from cbc_cli.config import (
    DEFAULT_GRADING,
    ENVIRONMENT,
    preset_names,
    preset_text,
    resolve,
    user_config_path,
)
from cbc_cli.errors import RangeFileError, UsageError
from cbc_cli.grading import DEFAULT_SCHEME
from cbc_cli.readers.columns import CONTEXT_KEYS, parse_column_options

FIXTURES = Path(__file__).resolve().parent.parent / "examples" / "presets"
SAMPLE = "sample_id,sex,age,hgb,anc,plt\nA1,F,54,7.4,0.2,18\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def layered(tmp_path: Path) -> dict[str, object]:
    """A user file, a working-folder file and a --config file that each set the grading."""
    home = tmp_path / "xdg"
    _write(home / "cbc" / "cbc.toml", 'grading = "ctcae4"\n')
    work = tmp_path / "work"
    _write(work / "cbc.toml", 'grading = "ctcae6"\n')
    chosen = _write(tmp_path / "chosen.toml", 'grading = "daids"\n')
    return {"environ": {"XDG_CONFIG_HOME": str(home)}, "cwd": work, "config": chosen}


# --- precedence ------------------------------------------------------------------------------


def test_each_layer_overrides_the_one_below(layered: dict[str, object], tmp_path: Path) -> None:
    environ = dict(layered["environ"])  # type: ignore[call-overload]
    cwd = layered["cwd"]
    assert resolve().grading.value == DEFAULT_GRADING == DEFAULT_SCHEME
    user = resolve(environ=environ)
    assert (user.grading.value, user.grading.origin.split()[0]) == ("ctcae4", "user")
    here = resolve(environ=environ, cwd=cwd)  # type: ignore[arg-type]
    assert (here.grading.value, here.grading.origin) == ("ctcae6", "file ./cbc.toml")
    given = resolve(environ=environ, cwd=cwd, config=layered["config"])  # type: ignore[arg-type]
    assert given.grading.value == "daids"
    assert given.grading.origin == f"file {layered['config']}"
    env = resolve(
        environ={**environ, "CBC_SCHEME": "ctcae4"},
        cwd=cwd,  # type: ignore[arg-type]
        config=layered["config"],  # type: ignore[arg-type]
    )
    assert (env.grading.value, env.grading.origin) == ("ctcae4", "env CBC_SCHEME")
    option = resolve(
        options={"grading": "ctcae5"},
        environ={**environ, "CBC_SCHEME": "ctcae4"},
        cwd=cwd,  # type: ignore[arg-type]
        config=layered["config"],  # type: ignore[arg-type]
    )
    assert (option.grading.value, option.grading.origin) == ("ctcae5", "command line --grading")


def test_cbc_config_names_the_file_when_no_config_is_given(tmp_path: Path) -> None:
    chosen = _write(tmp_path / "lab.toml", 'input_format = "tsv"\n')
    settings = resolve(environ={"CBC_CONFIG": str(chosen)})
    assert settings.input_format.value == "tsv"
    assert "env CBC_CONFIG" in settings.input_format.origin
    # --config wins over CBC_CONFIG: only one of them is read.
    other = _write(tmp_path / "other.toml", 'input_format = "csv"\n')
    assert resolve(environ={"CBC_CONFIG": str(chosen)}, config=other).input_format.value == "csv"


def test_a_preset_sits_between_the_working_folder_and_config(tmp_path: Path) -> None:
    _write(tmp_path / "cbc.toml", '[columns]\nsample_id = "Specimen"\npatient_id = "Pt"\n')
    settings = resolve(cwd=tmp_path, preset="sysmex-xn")
    assert settings.columns["sample_id"].value == ("Sample No.",)
    assert settings.columns["sample_id"].origin == "preset sysmex-xn"
    assert settings.columns["patient_id"].value == ("Patient ID",)
    mine = _write(tmp_path / "mine.toml", '[columns]\nsample_id = "Tube"\n')
    over = resolve(cwd=tmp_path, preset="sysmex-xn", config=mine)
    assert over.columns["sample_id"].value == ("Tube",)
    assert over.columns["collected_at"].origin == "preset sysmex-xn"  # kept, entry by entry
    via_env = resolve(environ={"CBC_PRESET": "sysmex-xn"})
    assert via_env.columns["sample_id"].origin == "preset sysmex-xn (env CBC_PRESET)"


def test_columns_merge_by_entry_and_a_header_goes_to_the_highest_layer(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "c.toml", '[columns]\nsample_id = ["Sample No.", "Tube"]\nhgb = "Hb x"\n'
    )
    settings = resolve(config=config, options={"columns": ["Tube=patient_id", "HB2=hgb"]})
    assert settings.columns["sample_id"].value == ("Sample No.",)  # Tube went to patient_id
    assert settings.columns["patient_id"].value == ("Tube",)
    assert settings.columns["hgb"].value == ("HB2",)
    assert settings.columns["hgb"].origin == "command line --column"
    assert parse_column_options(settings.column_options()) == {
        "sample_no.": "sample_id",
        "tube": "patient_id",
        "hb2": "hgb",
    }


def test_units_merge_by_analyte(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.toml", '[units]\nhgb = "g/L"\nplt = "10^3/uL"\n')
    settings = resolve(config=config, options={"units": ["hgb=mmol/L"]})
    assert settings.unit_options() == ["hgb=mmol/L", "plt=10^3/uL"]
    assert settings.units["plt"].origin == f"file {config}"


def test_range_files_add_up_and_resolve_beside_their_settings_file(tmp_path: Path) -> None:
    lab = _write(tmp_path / "lab" / "ranges" / "lab.toml", "")
    config = _write(tmp_path / "lab" / "cbc.toml", 'ranges = ["ranges/lab.toml"]\n')
    settings = resolve(
        config=config,
        environ={"CBC_RANGES": "/env/a.toml:/env/b.toml"},
        options={"ranges": ["opt.toml"]},
    )
    assert settings.range_files() == (str(lab), "/env/a.toml", "/env/b.toml", "opt.toml")
    assert [s.origin for s in settings.ranges][1:] == [
        "env CBC_RANGES",
        "env CBC_RANGES",
        "command line --ranges",
    ]


def test_user_config_follows_the_xdg_rule() -> None:
    assert user_config_path({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}) == Path("/x/cbc/cbc.toml")
    assert user_config_path({"HOME": "/h"}) == Path("/h/.config/cbc/cbc.toml")
    # The XDG Base Directory rule: a relative XDG_CONFIG_HOME is ignored.
    assert user_config_path({"XDG_CONFIG_HOME": "rel", "HOME": "/h"}) == Path(
        "/h/.config/cbc/cbc.toml"
    )
    assert user_config_path({}) is None


def test_every_environment_variable_is_read() -> None:
    environ = {
        "CBC_SCHEME": "daids",
        "CBC_RANGES": "a.toml",
        "CBC_DATE_FORMAT": "%d/%m/%Y",
        "CBC_INPUT_FORMAT": "tsv",
        "CBC_PRESET": "loinc-long",
    }
    settings = resolve(environ=environ)
    assert settings.grading.value == "daids"
    assert settings.range_files() == ("a.toml",)
    assert settings.date_format.value == "%d/%m/%Y"
    assert settings.input_format.value == "tsv"
    assert "analyte" in settings.columns
    assert set(environ) | {"CBC_CONFIG"} == set(ENVIRONMENT)


def test_show_is_toml_that_gives_the_same_settings(tmp_path: Path) -> None:
    lab = _write(tmp_path / "lab.toml", "")
    config = _write(
        tmp_path / "cbc.toml",
        'grading = "ctcae6"\nranges = ["lab.toml"]\n[units]\nhgb = "g/L"\n',
    )
    settings = resolve(config=config, preset="epic-long", options={"columns": ["Hb=hgb"]})
    text = settings.show()
    assert 'grading = "ctcae6"  # file ' in text
    assert 'unit = "REFERENCE_UNIT"  # preset epic-long' in text
    assert 'hgb = "Hb"  # command line --column' in text
    again = _write(tmp_path / "again" / "cbc.toml", text)
    saved = resolve(config=again)
    assert saved.grading.value == "ctcae6"
    assert saved.range_files() == (str(lab),)
    assert saved.column_options() == settings.column_options()
    assert saved.unit_options() == settings.unit_options()
    assert saved.input_format.value == settings.input_format.value == "auto"


# --- what a bad file says (exit 2, naming the file and the key) ------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[columns]\nhgbx = "HGB"\n',
            "cbc.toml: [columns] hgbx: unknown analyte or column (did you mean hgb?)",
        ),
        ("colums = {}\n", "cbc.toml: colums: unknown key (did you mean columns?)"),
        ('[units]\npltx = "K/uL"\n', "cbc.toml: [units] pltx: unknown analyte (did you mean plt?)"),
        ('[units]\nhgb = "mg"\n', "cbc.toml: [units] hgb: unknown unit 'mg' for hgb"),
        ("[columns]\nhgb = 5\n", "cbc.toml: [columns] hgb: input should be a valid string"),
        ('[columns]\nhgb = ""\n', "cbc.toml: [columns] hgb: give the header"),
        (
            '[columns]\nsample_id = "ID"\npatient_id = ["MRN", "ID"]\n',
            "cbc.toml: [columns] patient_id: the header 'ID' is mapped to sample_id too",
        ),
        (
            'grading = "ctcae7"\n',
            "cbc.toml: grading: unknown grading scheme 'ctcae7' (did you mean ctcae6?)",
        ),
        ('input_format = "xml"\n', "cbc.toml: input_format: input should be"),
        ("grading = [\n", "cbc.toml: not valid TOML"),
        ('sex = "female"\n', "cbc.toml: sex: a settings file never sets a person's sex, age"),
        ("age = 54\n", "cbc.toml: age: a settings file never sets a person's sex, age"),
        ('temperature = "38.5"\n', "cbc.toml: temperature: a settings file never sets"),
    ],
)
def test_a_bad_settings_file_names_the_file_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    _write(tmp_path / "cbc.toml", text)
    with pytest.raises(UsageError) as exc:
        resolve(cwd=tmp_path)
    assert exc.value.message.startswith(message), exc.value.message
    assert exit_code(exc.value) == 2


def test_no_setting_gives_a_person_a_default_sex_or_age(tmp_path: Path) -> None:
    # A person's details never come from a settings file, so a missing age stays missing.
    config = _write(tmp_path / "c.toml", '[columns]\nsex = "SEX"\nage = "AGE_Y"\n')
    settings = resolve(config=config)
    assert settings.columns["sex"].value == ("SEX",)  # a column, named: allowed
    rows = "id,SEX,hgb\nA,F,9.1\n"
    (result,) = interpret_file(io.BytesIO(rows.encode()), config=config)
    assert result.patient.sex == "female"
    assert result.patient.age is None


def test_every_person_option_of_cbc_check_is_refused_in_a_settings_file() -> None:
    # One list of person keywords (cbc_cli.keywords) serves the library and the settings files:
    # it holds every option in the Person panel of cbc check, and a settings file refuses each.
    import typer  # noqa: TID251 - the test reads the options as Typer builds them

    from cbc_cli.cli.app import build_app
    from cbc_cli.keywords import PERSON_KEYWORDS

    command = typer.main.get_command(build_app("check")).commands["check"]  # type: ignore[attr-defined]
    person = {
        opt
        for p in command.params
        if getattr(p, "rich_help_panel", None) == "Person"
        for opt in p.opts
    }
    assert person == set(PERSON_KEYWORDS.values())
    assert all(KEYWORDS[k] == option for k, option in PERSON_KEYWORDS.items())
    for key, option in [*PERSON_KEYWORDS.items(), ("gender", "--sex"), ("birth_date", "--dob")]:
        with pytest.raises(UsageError, match="never sets a person's sex, age") as exc:
            resolve(config={key: "x"})
        assert str(exc.value.hint).startswith(f"give {option} ")


def test_missing_config_file_and_unknown_preset_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nope\.toml: no such file"):
        resolve(config=tmp_path / "nope.toml")
    with pytest.raises(UsageError, match=r"unknown preset 'sysmex' \(did you mean sysmex-xn\?\)"):
        resolve(preset="sysmex")
    with pytest.raises(UsageError, match="CBC_SCHEME: unknown grading scheme 'x'"):
        resolve(environ={"CBC_SCHEME": "x"})
    with pytest.raises(UsageError, match="CBC_INPUT_FORMAT: unknown input format 'xml'"):
        resolve(environ={"CBC_INPUT_FORMAT": "xml"})


def test_a_range_file_a_settings_file_names_must_exist(tmp_path: Path) -> None:
    _write(tmp_path / "cbc.toml", 'ranges = ["lab.toml"]\n')
    with pytest.raises(RangeFileError, match=r"cbc\.toml: ranges: lab\.toml: no such file"):
        resolve(cwd=tmp_path)


def test_every_context_name_is_a_column_option() -> None:
    for name in CONTEXT_KEYS:
        assert parse_column_options([f"X={name}"]) == {"x": name}


# --- the library -----------------------------------------------------------------------------


def test_interpret_file_takes_a_config_path_or_dict_and_keywords_win(tmp_path: Path) -> None:
    data = b"Tube;Hb;Neutros;Plaquettes\nT1;7,4;0,2;18\n"
    table = {"columns": {"sample_id": "Tube", "hgb": "Hb", "anc": "Neutros", "plt": "Plaquettes"}}
    (result,) = interpret_file(io.BytesIO(data), config=table)
    assert result.sample_id == "T1"
    # CTCAE v5.0: Hgb <8.0 g/dL grade 3; ANC <0.5 x10^9/L grade 4; platelets <25 x10^9/L grade 4.
    assert result.grades["anemia"] == 3
    assert result.grades["neutropenia"] == 4
    assert result.grades["thrombocytopenia"] == 4
    path = _write(tmp_path / "c.toml", 'grading = "daids"\n' + "[columns]\nsample_id = 'Tube'\n")
    (daids,) = interpret_file(io.BytesIO(SAMPLE.encode()), config=path, grading="ctcae5")
    assert {f.scheme for f in daids.findings if f.grade is not None} == {"ctcae5"}
    (other,) = interpret_file(io.BytesIO(SAMPLE.encode()), config=path, sex="female", age=54)
    assert {f.scheme for f in other.findings if f.grade is not None} == {"daids21"}


def test_the_library_reads_no_environment_or_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "cbc.toml", 'grading = "daids"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CBC_SCHEME", "daids")
    result = interpret({"hgb": "7.4"}, sex="female", age=54)
    assert {f.scheme for f in result.findings if f.grade is not None} == {"ctcae5"}
    via = interpret({"hgb": "7.4"}, sex="female", age=54, config={"grading": "daids"})
    assert {f.scheme for f in via.findings if f.grade is not None} == {"daids21"}


def test_library_keywords_are_checked() -> None:
    with pytest.raises(TypeError, match="preset= takes a preset's name"):
        interpret({"hgb": "9"}, preset=5)
    with pytest.raises(UsageError, match=r"config: \[columns\] hgbx"):
        interpret({"hgb": "9"}, config={"columns": {"hgbx": "H"}})


# --- the command line ------------------------------------------------------------------------


def test_cli_reads_the_working_folder_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _write(tmp_path / "export.csv", "Tube,Hb,Neutros,Plaq,sex,age\nT1,7.4,0.2,18,F,54\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "check", str(export), "--format", "csv")
    assert code == 0, err
    # Without settings, only Hb is read: Neutros and Plaq are names cbc does not know.
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["anemia_grade"], row["neutropenia_grade"], row["thrombocytopenia_grade"]) == (
        "3",
        "",
        "",
    )
    _write(
        tmp_path / "cbc.toml",
        '[columns]\nsample_id = "Tube"\nanc = "Neutros"\nplt = "Plaq"\nhgb = "Hb"\n',
    )
    code, out, err = run_cli(capsys, "check", str(export), "--format", "csv")
    assert code == 0, err
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["anemia_grade"], row["neutropenia_grade"], row["thrombocytopenia_grade"]) == (
        "3",
        "4",
        "4",
    )
    # CBC_SCHEME over the file, --grading over CBC_SCHEME.
    monkeypatch.setenv("CBC_SCHEME", "daids")
    code, out, err = run_cli(capsys, "check", str(export), "--format", "json")
    assert '"DAIDS' in out
    code, out, err = run_cli(
        capsys, "check", str(export), "--format", "json", "--grading", "ctcae5"
    )
    assert '"DAIDS' not in out
    assert "CTCAE v5.0" in out


def test_cli_bad_config_is_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "cbc.toml", '[columns]\nhgbx = "HGB"\n')
    code, out, err = run_cli(capsys, "check", "--hgb", "9")
    assert code == 2
    assert err.startswith("cbc: error: cbc.toml: [columns] hgbx: unknown analyte or column")
    assert err.count("\n") == 1
    assert out == ""
    (tmp_path / "cbc.toml").unlink()
    code, _, err = run_cli(capsys, "check", "--hgb", "9", "--config", "missing.toml")
    assert code == 2
    assert "missing.toml: no such file" in err


def test_a_named_settings_file_takes_the_place_of_the_working_folder_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A broken ./cbc.toml must not stop a run that names another file with --config or
    # CBC_CONFIG: the working folder's file is then not read at all.
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "cbc.toml", "grading = [\n")
    other = _write(tmp_path / "other.toml", 'grading = "ctcae6"\n')
    export = _write(
        tmp_path / "export.csv",
        "patient_id,collected_at,sex,age,hgb,anc,plt\nP1,2026-03-02,F,54,7.4,0.2,18\n",
    )
    assert run_cli(capsys, "check", str(export))[0] == 2  # the broken file is read here
    for args in (["--config", str(other)], []):
        if not args:
            monkeypatch.setenv("CBC_CONFIG", str(other))
        for command in ("check", "trend"):
            code, out, err = run_cli(capsys, command, str(export), "-f", "json", *args)
            assert (code, err) == (0, ""), err
            assert json.loads(out)["grading"]["id"] == "ctcae6"
        code, out, err = run_cli(capsys, "config", "show", *args)
        assert code == 0, err
        assert out.rstrip().endswith(f"# files read: {other}")
    # Nor does a valid one add its entries under the named file's.
    monkeypatch.delenv("CBC_CONFIG")
    _write(tmp_path / "cbc.toml", '[units]\nhgb = "g/L"\n')
    assert resolve(cwd=tmp_path).units["hgb"].value == "g/L"
    named = resolve(cwd=tmp_path, config=other)
    assert (named.units, named.files) == ({}, [str(other)])
    by_env = resolve(cwd=tmp_path, environ={"CBC_CONFIG": str(other)})
    assert (by_env.units, by_env.files) == ({}, [str(other)])
    # A table given to the library is no file: the working folder's file is still read.
    assert resolve(cwd=tmp_path, config={"grading": "daids"}).units["hgb"].value == "g/L"


def test_cli_output_never_overwrites_a_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path / "lab.toml", 'grading = "ctcae5"\n')
    code, _, err = run_cli(
        capsys, "check", "--hgb", "9", "--config", str(config), "-o", str(config)
    )
    assert code == 2, err
    assert config.read_text() == 'grading = "ctcae5"\n'


def test_cli_config_show_names_each_origin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "cbc.toml", 'input_format = "csv"\n[units]\nhgb = "g/L"\n')
    monkeypatch.setenv("CBC_SCHEME", "ctcae6")
    code, out, err = run_cli(
        capsys, "config", "show", "--preset", "sysmex-xn", "--column", "Tube=sample_id"
    )
    assert code == 0, err
    assert 'grading = "ctcae6"  # env CBC_SCHEME' in out
    assert 'input_format = "csv"  # file ./cbc.toml' in out
    assert 'hgb = "g/L"  # file ./cbc.toml' in out
    assert 'sample_id = "Tube"  # command line --column' in out
    assert 'patient_id = "Patient ID"  # preset sysmex-xn' in out
    tomllib.loads(out)


def test_cli_presets_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "presets", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == preset_names()
    code, out, _ = run_cli(capsys, "presets", "show", "epic-long")
    assert code == 0
    assert out == preset_text("epic-long")
    code, _, err = run_cli(capsys, "presets", "show", "epic")
    assert code == 2
    assert "unknown preset 'epic'" in err


def test_a_named_context_column_wins_over_an_alias_before_it() -> None:
    from cbc_cli.readers.columns import map_columns

    header = ["ACCESSION", "ORDER_ID", "TEST_NAME", "LOINC_CODE", "RESULT_VALUE"]
    named = parse_column_options(["ORDER_ID=sample_id", "LOINC_CODE=analyte", "RESULT_VALUE=value"])
    cmap = map_columns(header, named)
    assert cmap.context["sample_id"] == 1
    assert cmap.context["analyte"] == 3
    # Without a name, the first column an alias matches is used, as before.
    assert map_columns(header).context["sample_id"] == 0


def test_arrow_options_take_a_preset_or_config_under_their_keywords() -> None:
    from cbc_cli.arrow import make_options

    made = make_options(preset="sysmex-xn", column={"Tube": "sample_id"}, grading="ctcae6")
    assert made.columns == ("Tube=sample_id", "Patient ID=patient_id", "Date=collected_at")
    assert made.grading == "ctcae6"
    assert make_options(config={"units": {"hgb": "g/L"}}).units == ("hgb=g/L",)


def test_date_format_from_a_settings_file_reads_the_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = b"sample_id,sex,dob,collected_at,hgb\nA,F,05/04/1971,2026-03-02,9.1\n"
    # 05/04/1971 reads either way round: without a format it is refused, never guessed.
    (plain,) = interpret_file(io.BytesIO(rows))
    assert plain.patient.age is None
    assert any(e.field == "dob" for e in plain.cell_errors)
    (dmy,) = interpret_file(io.BytesIO(rows), config={"date_format": "dmy"})
    assert dmy.patient.age == "54 y"  # 5 April 1971 to 2 March 2026
    export = tmp_path / "e.csv"
    export.write_bytes(rows)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CBC_DATE_FORMAT", "dmy")
    code, out, err = run_cli(capsys, "check", str(export), "--format", "json")
    assert code == 0, err
    assert '"age": "54 y"' in out
    _write(tmp_path / "cbc.toml", 'date_format = "dd/mm"\n')
    code, _, err = run_cli(capsys, "check", str(export))
    assert code == 2
    assert "cbc.toml: date_format: 'dd/mm' is not a date format" in err
