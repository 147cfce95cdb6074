"""What labs actually send: headers in their languages and analysers' spellings (headers.toml),
lines above the header, unknown result-like columns, and flags printed with the values.

Clinical expectations follow docs/clinical.md: adult ranges (section 3; hemoglobin 12.0-16.0
g/dL for women, platelets 150-400 x10^9/L, WBC about 4-11 x10^9/L) and CTCAE v5 grades
(section 4; ANC below 0.5 x10^9/L is grade 4 neutropenia, platelets below 75 grade 2 or worse).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import run_cli

from cbc_cli import interpret, interpret_file
from cbc_cli.analytes import aliases, find_analyte, header_names
from cbc_cli.models import Result
from cbc_cli.readers.columns import (
    HeaderMatch,
    looks_clinical,
    map_columns,
    recognise_header,
    unread_notes,
)
from cbc_cli.readers.records import split_lab_flag
from cbc_cli.readers.tabular import HEADER_SEARCH_LINES
from cbc_cli.text import fold


def results(text: str, **options: object) -> list[Result]:
    """The results of a CSV export given as text."""
    return list(interpret_file(io.BytesIO(text.encode("utf-8")), **options))


def values(result: Result) -> dict[str, tuple[float, str | None]]:
    """Each analyte's value (canonical unit) and cbc's flag."""
    return {a.analyte: (round(a.value, 2), a.flag) for a in result.analytes}


# --- one real-looking export per language ---------------------------------------------------


def test_german_export_with_semicolons_decimal_commas_and_a_title_above() -> None:
    text = (
        "Labor Musterstadt - Blutbild\n"
        "Ausdruck vom 2024-03-02\n"
        "\n"
        "Probennummer;Patienten-ID;Geschlecht;Alter;Leukozyten (G/l);Hämoglobin (g/dl);"
        "Thrombozyten (G/l);Neutrophile (G/l);Hämatokrit (%)\n"
        "24-0311;P778;W;54;3,1;9,1;62;0,4;28,0\n"
    )
    [r] = results(text)
    assert r.status == "ok"
    assert not r.cell_errors
    assert r.sample_id == "24-0311"
    assert r.patient.sex == "female"
    assert r.patient.age == "54 y"
    # Below the adult female ranges (section 3); ANC 0.4 is CTCAE v5 grade 4 neutropenia.
    assert values(r) == {
        "wbc": (3.1, "L"),
        "hgb": (9.1, "L"),
        "hct": (28.0, "L"),
        "plt": (62.0, "L"),
        "anc": (0.4, "LL"),
    }
    assert next(f for f in r.findings if f.code == "neutropenia").grade == 4
    assert r.urgency == "now"


def test_french_export() -> None:
    text = (
        "N° échantillon,Sexe,Âge,Leucocytes (G/L),Hématies (T/L),Hémoglobine (g/dL),"
        "VGM (fL),Plaquettes (G/L),Polynucléaires neutrophiles (G/L)\n"
        "E-1,F,54,3.1,3.2,9.1,88,62,0.4\n"
    )
    [r] = results(text)
    assert r.sample_id == "E-1"
    assert r.patient.sex == "female"
    assert {a: v for a, (v, _) in values(r).items()} == {
        "wbc": 3.1,
        "rbc": 3.2,
        "hgb": 9.1,
        "mcv": 88.0,
        "plt": 62.0,
        "anc": 0.4,
    }


def test_spanish_export_in_10e3_per_microlitre() -> None:
    text = (
        "Nº muestra;Sexo;Edad;Leucocitos (10^3/µL);Hemoglobina (g/dL);Hematocrito (%);"
        "Plaquetas (10^3/µL);Neutrófilos (%);Linfocitos (%)\n"
        "M-9;F;54;3,1;9,1;28;62;12;40\n"
    )
    [r] = results(text)
    assert r.sample_id == "M-9"
    # "Neutrófilos (%)" is the percentage: the unit says which (headers.toml count_or_percent).
    v = values(r)
    assert v["neut_pct"][0] == 12.0
    assert v["lymph_pct"][0] == 40.0
    # The absolute count is derived from WBC and the percentage: 3.1 x 12% = 0.37.
    assert v["anc"][0] == pytest.approx(0.37, abs=0.01)
    assert v["plt"] == (62.0, "L")


def test_italian_export() -> None:
    text = (
        "Campione,Sesso,Età,Leucociti,Emoglobina,Piastrine,Neutrofili (10^9/L),"
        "Data prelievo\n"
        "C-4,F,54,3.1,9.1,62,0.4,2024-03-01\n"
    )
    [r] = results(text)
    assert r.sample_id == "C-4"
    assert r.patient.sex == "female"
    assert values(r)["anc"] == (0.4, "LL")
    assert values(r)["hgb"] == (9.1, "L")


def test_portuguese_export_in_cells_per_cubic_millimetre() -> None:
    text = (
        "Amostra;Sexo;Idade;Leucócitos (/mm3);Hemoglobina (g/dL);Plaquetas (/mm3);"
        "Neutrófilos (/mm3)\n"
        "A-2;F;54;3100;9,1;62000;400\n"
    )
    [r] = results(text)
    assert r.sample_id == "A-2"
    assert values(r) == {
        "wbc": (3.1, "L"),
        "hgb": (9.1, "L"),
        "plt": (62.0, "L"),
        "anc": (0.4, "LL"),
    }


def test_dutch_export_with_hemoglobin_in_mmol_per_litre() -> None:
    # Dutch labs report hemoglobin in mmol/L: 5.6 mmol/L is 9.0 g/dL (x 1.611).
    text = (
        "Monsternummer,Geslacht,Leeftijd,Leukocyten (10^9/L),Hemoglobine (mmol/L),"
        "Trombocyten (10^9/L),Afnamedatum\n"
        "NL-7,F,54,3.1,5.6,62,2024-03-01\n"
    )
    [r] = results(text)
    assert r.sample_id == "NL-7"
    assert not r.cell_errors
    assert values(r)["hgb"] == (9.02, "L")
    assert values(r)["plt"] == (62.0, "L")


def test_polish_export() -> None:
    text = (
        "Numer próbki;Płeć;Wiek;Leukocyty (10^3/µl);Erytrocyty (10^6/µl);Hemoglobina (g/dl);"
        "Hematokryt (%);Płytki krwi (10^3/µl);Neutrofile (10^3/µl)\n"
        "PL-3;F;54;3,1;3,2;9,1;28;62;0,4\n"
    )
    [r] = results(text)
    assert r.sample_id == "PL-3"
    assert r.patient.sex == "female"
    assert set(values(r)) == {"wbc", "rbc", "hgb", "hct", "plt", "anc"}
    assert values(r)["anc"] == (0.4, "LL")


def test_sex_codes_of_the_languages_read_through_the_one_vocabulary() -> None:
    # Polish K (kobieta) is female in every language cbc reads; Dutch V (vrouw) is not read, as
    # Spanish V/M forms use V for varon, male: the sample is read with its sex not known.
    text = "Numer próbki;Płeć;Hemoglobina (g/dl)\nPL-4;K;9,1\nNL-8;V;9,1\n"
    polish, dutch = results(text)
    assert polish.patient.sex == "female"
    assert not polish.cell_errors
    assert dutch.patient.sex is None
    assert dutch.status == "ok"
    assert [e.field for e in dutch.cell_errors] == ["sex"]


def test_sysmex_xn_export() -> None:
    text = (
        "Sample No.,Patient ID,Birth,Sex,Date,WBC(10^3/uL),RBC(10^6/uL),HGB(g/dL),HCT(%),"
        "MCV(fL),PLT(10^3/uL),NEUT#(10^3/uL),NEUT%(%),LYMPH#(10^3/uL),MONO#(10^3/uL),"
        "RDW-SD(fL),RDW-CV(%)\n"
        "000123,MRN55,1970-01-15,F,2024-03-01,3.10,3.20,9.1,28.0,88.0,62,0.40,12.9,1.90,0.50,"
        "45.0,14.0\n"
    )
    [r] = results(text)
    assert r.sample_id == "000123"
    assert r.patient.sex == "female"
    assert r.patient.age == "54 y"
    assert r.patient.age_exact
    assert values(r)["anc"] == (0.4, "LL")
    assert values(r)["neut_pct"][0] == 12.9
    assert values(r)["rdw"][0] == 14.0  # RDW-CV; RDW-SD (fL) is another measure, not read


def test_beckman_dxh_export() -> None:
    text = (
        "Specimen ID,Patient ID,WBC,UWBC,RBC,HGB,HCT,MCV,MCH,MCHC,RDW,PLT,MPV,NE%,LY%,NE#,LY#\n"
        "S1,MRN9,3.1,3.3,3.2,9.1,28,88,28.4,32.5,14,62,10.1,12.9,61.3,0.4,1.9\n"
    )
    [r] = results(text, sex="female", age=54)
    assert r.sample_id == "S1"
    assert set(values(r)) == {
        "wbc",
        "rbc",
        "hgb",
        "hct",
        "mcv",
        "mch",
        "mchc",
        "rdw",
        "plt",
        "neut_pct",
        "lymph_pct",
        "anc",
        "alc",
    }
    assert values(r)["wbc"][0] == 3.1  # WBC, not the uncorrected UWBC


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("WBC_G_L", HeaderMatch("wbc", "G/L")),
        ("HGB_g_dL", HeaderMatch("hgb", "g/dL")),
        ("PLT_10_9_L", HeaderMatch("plt", "10^9/L")),
        ("HCT_pct", HeaderMatch("hct", "%")),
        ("MCV_fL", HeaderMatch("mcv", "fL")),
        ("HGB(g/dL)", HeaderMatch("hgb", "g/dL")),
        ("Hb [g/L]", HeaderMatch("hgb", "g/L")),
        ("PLT 10^9/L", HeaderMatch("plt", "10^9/L")),
        ("NEUT#", HeaderMatch("anc")),
        ("TLC", HeaderMatch("wbc")),
        ("PCV", HeaderMatch("hct")),
        ("Neutrophile (G/l)", HeaderMatch("anc", "G/l")),
        ("Neutrophile (%)", HeaderMatch("neut_pct")),
        ("Sample No.", HeaderMatch("sample_id")),
        ("Patient ID", HeaderMatch("patient_id")),
        ("Birth", HeaderMatch("dob")),
        ("Geschlecht", HeaderMatch("sex")),
        ("Geburtsdatum", HeaderMatch("dob")),
        ("sexe", HeaderMatch("sex")),
        ("geslacht", HeaderMatch("sex")),
        ("płeć", HeaderMatch("sex")),
        ("PLEC", HeaderMatch("sex")),  # accents folded: what a system without Polish letters prints
        ("HÉMOGLOBINE", HeaderMatch("hgb")),
        ("Hamoglobin", HeaderMatch("hgb")),
        ("leucócitos", HeaderMatch("wbc")),
        ("Płytki  krwi", HeaderMatch("plt")),
    ],
)
def test_headers_name_analytes_units_and_context(header: str, expected: HeaderMatch) -> None:
    assert recognise_header(header) == expected


@pytest.mark.parametrize("header", ["Ht", "GR", "Neutrophils", "Neutrophile", "UWBC", "L", "HbE"])
def test_ambiguous_names_are_not_mapped(header: str) -> None:
    # headers.toml says why for each: height, granulocytes, count or percentage, and so on.
    assert recognise_header(header) is None
    comments = (Path(__file__).parent.parent / "cbc_cli" / "headers.toml").read_text("utf-8")
    if header not in ("Neutrophile", "L"):
        assert f'"{header}"' in comments


def test_a_unit_of_another_kind_does_not_make_a_header_match() -> None:
    # "Hb_mg" names no unit of hemoglobin concentration: not taken as one.
    assert recognise_header("Hb_mg") is None
    assert recognise_header("Neutrophile (g/dL)") is None


def test_every_name_in_the_data_file_is_one_field_only() -> None:
    seen: dict[str, str] = {}
    data = header_names()
    for table in ("analyte", "context", "count_or_percent"):
        for key, entry in data[table].items():
            for names in entry.values():
                if not isinstance(names, list):
                    continue
                for name in names:
                    owner = seen.setdefault(fold(name), f"{table}.{key}")
                    assert owner == f"{table}.{key}", name
    # Every language the task names has names for the core counts.
    for analyte_id in ("wbc", "hgb", "plt"):
        languages = set(data["analyte"][analyte_id])
        assert {"names", "de", "fr", "es", "it", "nl"} <= languages
        assert "pl" in languages or analyte_id == "hgb"  # hemoglobina is written as in Spanish
    assert find_analyte("hemoglobina") is not None
    assert "leukocytes" in aliases("wbc")


def test_extra_aliases_from_a_config_or_option_come_first() -> None:
    assert recognise_header("Leukos gesamt") is None
    extra = {fold("Leukos gesamt"): "wbc"}
    assert recognise_header("LEUKOS_GESAMT", extra) == HeaderMatch("wbc")
    cmap = map_columns(["Leukos gesamt", "Hb"], extra_aliases={"Leukos Gesamt": "wbc"})
    assert cmap.analytes == {0: "wbc", 1: "hgb"}


# --- headers that look clinical but are not understood -----------------------------------------


def test_unknown_result_like_columns_get_a_note_and_a_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("sample_id,sex,age,Hb,Leukozten (G/l),Comment,MONO#\nS1,F,54,13.5,0.9,ok,0.4\n")
    code, _out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 0
    assert "column 'Leukozten (G/l)' looks like a lab result" in err
    assert "--column 'Leukozten (G/l)'=ANALYTE" in err
    assert "not interpreted by cbc" in err
    assert "'MONO#'" in err
    assert "3 of 7 columns ignored" in err
    assert "'Comment'" not in err  # a plain column is counted, not named
    assert err.count("Leukozten") == 2  # one note, named in it twice (header and option)


def test_a_row_whose_counts_sit_only_in_unknown_columns_is_not_read_as_normal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("sample_id,Hb,Leukozten (G/l)\nS1,,0.9\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 3  # an error row, never urgency "none"
    assert ",error," in out
    assert "looks like a lab result" in err


@pytest.mark.parametrize(
    ("header", "clinical"),
    [
        ("Leukozten", True),
        ("X (10^9/L)", True),
        ("Eisen g/dL", True),
        ("Anteil %", True),
        ("WBC corr", True),
        ("Comment", False),
        ("Ward", False),
        ("Doctor", False),
    ],
)
def test_what_looks_clinical(header: str, clinical: bool) -> None:
    assert looks_clinical(header) is clinical


def test_no_note_when_every_column_is_read() -> None:
    assert unread_notes(map_columns(["sample_id", "Hb", "PLT"])) == []


def test_the_columnar_path_says_the_header_notes_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = "".join(f"S{i},F,54,{9 + i % 5}.1,{100 + i},0.{i % 9 + 1}\n" for i in range(3000))
    path = tmp_path / "big.csv"
    path.write_text("sample_id,sex,age,hgb,plt,Leukozten (G/l)\n" + rows)
    code, _out, err = run_cli(capsys, "check", str(path), "--format", "csv", "--jobs", "1")
    assert code in (0, 1)
    assert err.count("looks like a lab result") == 1
    assert err.count("columns ignored") == 1


# --- lines above the header --------------------------------------------------------------------


PREAMBLE = (
    "Kumulativbefund Blutbild\n"
    "Patient: Erika Mustermann, geb. 1970-01-15\n"
    "Labor Musterstadt; Tel. 0123\n"
    "\n"
)


def test_lines_above_the_header_are_skipped_and_counted_not_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "befund.csv"
    path.write_text(PREAMBLE + "Probe,Geschlecht,Alter,Hb,PLT\nB1,W,54,9.1,62\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 0
    assert "3 lines above the header skipped (the header is line 5" in err
    assert "Mustermann" not in err
    assert "Mustermann" not in out
    assert out.splitlines()[0].startswith("Probe,Geschlecht,Alter,Hb,PLT,")
    assert out.splitlines()[1].startswith("B1,W,54,9.1,62,")


def test_skip_lines_forces_where_the_header_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The first line names an analyte, so it would be read as the header: --skip-lines says
    # it is not (and 0 turns the search off).
    path = tmp_path / "odd.csv"
    path.write_text("Hb\nsample_id,hgb,plt\nS1,9.1,62\n")
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv", "--skip-lines", "1")
    assert code == 0, err
    assert out.splitlines()[1].startswith("S1,9.1,62,")
    assert "1 line above the header skipped" in err
    [r] = results("Hb\nsample_id,hgb,plt\nS1,9.1,62\n", skip_lines=1)
    assert r.sample_id == "S1"
    assert r.line == 3
    code, _, err = run_cli(capsys, "check", str(path), "--skip-lines", "5")
    assert code == 3
    assert "no header after the 5 lines skipped" in err


def test_a_header_past_the_search_window_is_refused_with_a_way_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    titles = "".join(f"Zeile {i}\n" for i in range(HEADER_SEARCH_LINES + 5))
    path.write_text(titles + "sample_id,hgb\nS1,9.1\n")
    code, _, err = run_cli(capsys, "check", str(path))
    assert code == 3
    assert "--skip-lines N" in err
    assert "Zeile" not in err
    code, out, _ = run_cli(
        capsys, "check", str(path), "-f", "csv", "--skip-lines", str(HEADER_SEARCH_LINES + 5)
    )
    assert code == 0
    assert out.splitlines()[1].startswith("S1,9.1,")


def test_rows_of_results_above_a_header_are_never_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A file whose rows were moved: results above the header. Skipping them would drop
    # samples, so the file is refused (the first line is no header), with the way out.
    path = tmp_path / "moved.csv"
    path.write_text("S1,F,54,9.1,62\nS2,M,61,14.0,250\nsample_id,sex,age,hgb,plt\nS3,F,30,13,300\n")
    code, _, err = run_cli(capsys, "check", str(path))
    assert code == 3
    assert "no column of the header is an analyte" in err
    assert "--skip-lines N" in err
    assert "S1" not in err


def test_line_numbers_count_the_lines_above_the_header() -> None:
    [r] = results(PREAMBLE + "Probe,Hb\nB1,abc\n")
    assert r.status == "error"
    assert r.line == 6


# --- flags printed with the value -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9.1 L", ("9.1", "L")),
        ("62H", ("62", "H")),
        ("*12.0", ("12.0", "A")),
        ("3.2 LL", ("3.2", "LL")),
        ("12.0 (H)", ("12.0", "H")),
        ("150 HH", ("150", "HH")),
        ("0.4!", ("0.4", "A")),
        ("! 0.4", ("0.4", "A")),
        ("*9.1 L", ("9.1", "L")),
        ("9,1 L", ("9,1", "L")),
        ("9.1 g/dL H", ("9.1 g/dL", "H")),
        ("<0.1 L", ("<0.1", "L")),
        # Not flags: a unit's letters, a lower-case l, a bare letter.
        ("91 g/L", ("91 g/L", None)),
        ("5.6 mmol/L", ("5.6 mmol/L", None)),
        ("0.42 L/L", ("0.42 L/L", None)),
        ("3.1 G/L", ("3.1 G/L", None)),
        ("9.1", ("9.1", None)),
        ("H", ("H", None)),
    ],
)
def test_split_lab_flag(text: str, expected: tuple[str, str | None]) -> None:
    assert split_lab_flag(text) == expected


def test_lab_flags_in_a_csv_are_kept_and_disagreements_named() -> None:
    text = "sample_id,sex,age,hgb,plt,wbc\nS1,F,54,9.1 L,62H,*12.0\nS2,F,54,13.0 (H),250,3.2 A\n"
    r1, r2 = results(text)
    assert {a.analyte: (a.value, a.flag, a.lab_flag) for a in r1.analytes} == {
        "hgb": (9.1, "L", "L"),
        "plt": (62.0, "L", "H"),
        "wbc": (12.0, "H", "A"),
    }
    # Lab L and cbc L agree, and A (abnormal) agrees with H: only platelets are noted.
    [note] = [n for n in r1.notes if n.startswith("the lab flagged")]
    assert note.startswith("the lab flagged platelets H; cbc's flag is L (cbc's range: ")
    assert "the lab flags by its own range, not given in the input" in note
    # 13.0 is within 12.0-16.0 for an adult woman: cbc says N, the lab H.
    assert any(n.startswith("the lab flagged hemoglobin H; cbc's flag is N") for n in r2.notes)
    assert not any("white" in n for n in r2.notes if n.startswith("the lab flagged"))


def test_a_flag_column_wins_over_a_flag_printed_with_the_value() -> None:
    [r] = results("sample_id,hgb,hgb_flag\nS1,9.1 H,L\n", sex="female", age=54)
    assert r.analytes[0].lab_flag == "L"


def test_a_lab_critical_flag_printed_with_the_value_is_not_lost() -> None:
    # 150 x10^9/L is inside the adult range, but the lab called it critical (HH): the answer
    # keeps the lab's call, as it does for an HL7 OBX-8 flag.
    [r] = results("sample_id,plt\nS1,150 HH\n", sex="female", age=54)
    assert r.analytes[0].flag == "N"
    assert r.analytes[0].lab_flag == "HH"
    assert r.urgency == "now"


def test_lab_flags_in_values_typed_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _ = run_cli(
        capsys, "check", "--hgb", "13.0 H", "--plt", "62", "--sex", "female", "--age", "54",
        "--format", "json",
    )  # fmt: skip
    result = json.loads(out)["results"][0]
    assert {a["analyte"]: a["lab_flag"] for a in result["analytes"]} == {"hgb": "H", "plt": None}
    assert any(
        n.startswith("the lab flagged hemoglobin H; cbc's flag is N") for n in result["notes"]
    )
    r = interpret({"hgb": "9.1 L"}, sex="female", age=54)
    assert r.analytes[0].lab_flag == "L"
    assert r.analytes[0].value == 9.1


def test_lab_flags_in_json_and_hl7_values() -> None:
    [r] = list(interpret_file(io.BytesIO(b'{"sample_id": "J1", "hgb": "13.0 H"}\n'), sex="F"))
    assert r.analytes[0].lab_flag == "H"
    hl7 = (
        "MSH|^~\\&|LAB|H|CBC|H|202403010800||ORU^R01|1|P|2.5\r"
        "PID|1||MRN1||Doe^Jane||19700115|F\r"
        "OBR|1||F1|58410-2^CBC^LN|||202403010800\r"
        "OBX|1|ST|718-7^Hemoglobin^LN||13.0 H|g/dL|||||F\r"
    )
    [r] = list(interpret_file(io.BytesIO(hl7.encode())))
    assert r.analytes[0].lab_flag == "H"
    assert r.analytes[0].flag == "N"
