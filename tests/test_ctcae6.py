"""CTCAE v6.0 (`--grading ctcae6`): each hematology threshold at its value and one step either side.

Expected grades come from the v6.0 rows (docs/clinical.md section 4; NCI CTCAE v6.0 as transcribed
by pharmaverse/admiral, ncictcaev6.json), not from the tool: Neutrophil count decreased G1
[1.0, 1.5), G2 [0.5, 1.0), G3 [0.1, 0.5), G4 < 0.1 with no LLN; Thrombocytopenia G1 [75, LLN),
G2 [50, 75), G3 [10, 50), G4 < 10; no Lymphocyte count decreased term; the other terms as v5.0.
A value on a threshold takes the milder grade.
"""

from __future__ import annotations

import pytest

from cbc_cli import interpret
from cbc_cli.grading import load_scheme

# Adults (female, 50): shipped adult ranges ANC 1.8-7.7, platelets 140-450.

NEUTROPHILS = [
    (0.09, 4),
    (0.1, 3),
    (0.11, 3),
    (0.49, 3),
    (0.5, 2),
    (0.51, 2),
    (0.99, 2),
    (1.0, 1),
    (1.01, 1),
    (1.49, 1),
    (1.5, 0),  # below the adult LLN 1.8, yet grade 0: v6.0 has no LLN for this term
    (1.51, 0),
]
PLATELETS = [
    (9.9, 4),
    (10, 3),
    (10.1, 3),
    (49.9, 3),
    (50, 2),
    (50.1, 2),
    (74.9, 2),
    (75, 1),
    (75.1, 1),
    (139.9, 1),
    (140, 0),  # equal to the LLN: grade 0
    (140.1, 0),
]


def _grade(values: dict[str, str], finding: str) -> int | None:
    result = interpret(values, grading="ctcae6", sex="female", age=50)
    return result.grades.get(finding)


@pytest.mark.parametrize(("anc", "grade"), NEUTROPHILS)
def test_neutrophil_bands(anc: float, grade: int) -> None:
    assert _grade({"anc": str(anc)}, "neutropenia") == grade


@pytest.mark.parametrize(("plt", "grade"), PLATELETS)
def test_thrombocytopenia_bands(plt: float, grade: int) -> None:
    assert _grade({"plt": str(plt)}, "thrombocytopenia") == grade


def test_neutrophils_graded_whatever_the_range() -> None:
    # Inside the Duffy-null profile's range (1.21-5.39) yet under 1.5: v6.0 says grade 1, where
    # v5.0 says 0 (a count inside the person's range is not an adverse event under an LLN rule).
    v6 = interpret({"anc": "1.3"}, grading="ctcae6", profiles=["duffy-null"], sex="female", age=50)
    v5 = interpret({"anc": "1.3"}, grading="ctcae5", profiles=["duffy-null"], sex="female", age=50)
    assert (v6.grades["neutropenia"], v5.grades["neutropenia"]) == (1, 0)
    # Below a lab's LLN of 2.0 but at 1.6: v6.0 grade 0, v5.0 grade 1.
    lab = interpret({"anc": "1.6"}, grading="ctcae6", sex="female", age=50)
    assert lab.grades["neutropenia"] == 0


def test_lymphocytes_cannot_be_graded() -> None:
    result = interpret({"alc": "0.3"}, grading="ctcae6", sex="female", age=50)
    assert "lymphopenia" not in result.grades
    finding = next(f for f in result.findings if f.code == "lymphopenia")
    assert finding.grade is None
    assert "no Lymphocyte count decreased term" in (finding.grade_note or "")
    # v5.0 grades the same count (grade 3: [0.2, 0.5)).
    assert (
        interpret({"alc": "0.3"}, grading="ctcae5", sex="female", age=50).grades["lymphopenia"] == 3
    )


def test_unchanged_terms_match_v5() -> None:
    v5, v6 = load_scheme("ctcae5"), load_scheme("ctcae6")
    for finding in ("anemia", "erythrocytosis", "leukopenia", "leukocytosis"):
        (a,) = v5.criteria_for(finding)
        (b,) = v6.criteria_for(finding)
        assert a.thresholds == b.thresholds, finding
    assert v6.criteria_for("thrombocytopenia")[0].term == "Thrombocytopenia"
    assert v6.title == "NCI CTCAE v6.0"


@pytest.mark.parametrize(
    ("hgb", "grade"), [(7.9, 3), (8.0, 2), (9.9, 2), (10.0, 1), (11.9, 1), (12.0, 0)]
)
def test_anemia_as_v5(hgb: float, grade: int) -> None:
    assert _grade({"hgb": str(hgb)}, "anemia") == grade


def test_cli_and_csv_agree(tmp_path: pytest.TempPathFactory) -> None:
    import csv
    import io
    import subprocess
    import sys
    from pathlib import Path

    rows = [("S1", "0.3", "8"), ("S2", "1.6", "74.9"), ("S3", "1.0", "140")]
    path = Path(str(tmp_path)) / "v6.csv"
    path.write_text(
        "sample_id,sex,age,anc,plt\n" + "".join(f"{s},F,50,{a},{p}\n" for s, a, p in rows)
    )
    out = subprocess.run(
        [sys.executable, "-m", "cbc_cli", "check", str(path), "--grading", "ctcae6", "-f", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    got = [
        (r["neutropenia_grade"], r["thrombocytopenia_grade"])
        for r in csv.DictReader(io.StringIO(out))
    ]
    assert got == [("3", "4"), ("0", "2"), ("1", "0")]
