"""Tests for cbc_cli.engine through the library API: flags, findings, grades, urgency, messages.

Rules from docs/clinical.md sections 4-6 and README "How results are judged". Panels are for an
adult woman (hgb 12.0-16.0 g/dL, wbc 4.5-11.0, anc 1.8-7.7, alc 1.0-4.8, plt 140-450) unless said
otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli import interpret
from cbc_cli.age import parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.api import build_panel, build_patient, default_ranges, resolve_scheme
from cbc_cli.columnar import plan
from cbc_cli.engine import decide, interpret_panel
from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    ROUTINE_FOLLOW_UP,
    SOON_WITH_FEVER_MESSAGE,
    URGENT_FOLLOW_UP,
    explain,
)
from cbc_cli.models import AnalyteResult, Finding, Flag, Result
from cbc_cli.panel import LabRange, Panel, Patient
from cbc_cli.readers.source import open_source
from cbc_cli.units import Quantity

DESIGN_CODES = (
    "anemia",
    "neutropenia",
    "thrombocytopenia",
    "leukopenia",
    "lymphopenia",
    "leukocytosis",
    "neutrophilia",
    "thrombocytosis",
    "erythrocytosis",
    "bicytopenia",
    "pancytopenia",
    "febrile-neutropenia",
    "critical-value",
)
FLAG_ORDER = {"LL": 0, "L": 1, "N": 2, "H": 3, "HH": 4}


def woman(
    values: dict[str, str],
    *,
    temperature: float | None = None,
    profiles: tuple[str, ...] = (),
) -> Result:
    """Interpret for a 54-year-old woman, with a temperature or profiles when given."""
    return interpret(values, sex="female", age=54, temperature=temperature, profiles=profiles)


def analyte(result: Result, analyte_id: str) -> AnalyteResult:
    matches = [a for a in result.analytes if a.analyte == analyte_id]
    assert len(matches) == 1, [a.analyte for a in result.analytes]
    return matches[0]


def finding(result: Result, code: str) -> Finding:
    matches = [f for f in result.findings if f.code == code]
    assert len(matches) == 1, codes(result)
    return matches[0]


def codes(result: Result) -> list[str]:
    return [f.code for f in result.findings]


# --- flags --------------------------------------------------------------------------------------


def test_flags_low_normal_high() -> None:
    assert analyte(woman({"hgb": "11.0"}), "hgb").flag == "L"
    assert analyte(woman({"hgb": "13.0"}), "hgb").flag == "N"
    assert analyte(woman({"hgb": "16.5"}), "hgb").flag == "H"
    assert analyte(woman({"plt": "100"}), "plt").flag == "L"
    assert analyte(woman({"plt": "500"}), "plt").flag == "H"
    assert analyte(woman({"anc": "8.0"}), "anc").flag == "H"


def test_value_equal_to_a_limit_is_not_beyond_it() -> None:
    assert analyte(woman({"hgb": "12.0"}), "hgb").flag == "N"  # = LLN
    assert analyte(woman({"hgb": "16.0"}), "hgb").flag == "N"  # = ULN
    assert analyte(woman({"hgb": "120 g/L"}), "hgb").flag == "N"
    assert analyte(woman({"anc": "1800/uL"}), "anc").flag == "N"
    assert analyte(woman({"plt": "37"}), "plt").flag == "L"  # = critical low: L, not LL
    assert analyte(woman({"hgb": "6.6"}), "hgb").flag == "L"
    assert analyte(woman({"hgb": "19.9"}), "hgb").flag == "H"


def test_critical_limits_give_ll_hh_and_urgency_now() -> None:
    low = woman({"hgb": "6.5"})
    assert analyte(low, "hgb").flag == "LL"
    critical = finding(low, "critical-value")
    assert critical.analytes == ["hgb"]
    assert critical.severity == "critical"
    assert critical.grade is None
    assert low.urgency == "now"

    high = woman({"plt": "950", "wbc": "40"})
    assert analyte(high, "plt").flag == "HH"
    assert analyte(high, "wbc").flag == "HH"
    assert finding(high, "critical-value").analytes == ["wbc", "plt"]
    assert high.urgency == "now"

    anc = woman({"anc": "0.45"})
    assert analyte(anc, "anc").flag == "LL"
    assert "critical-value" in codes(anc)


def test_no_range_flag() -> None:
    result = interpret({"hgb": "13.0"})
    hgb = analyte(result, "hgb")
    assert hgb.flag == "no-range"
    assert hgb.reference_range is None
    assert hgb.range_note is not None
    assert "sex" in hgb.range_note


def test_reference_range_reported_with_source() -> None:
    hgb = analyte(woman({"hgb": "13.0"}), "hgb")
    assert hgb.reference_range is not None
    assert (hgb.reference_range.low, hgb.reference_range.high) == (12.0, 16.0)
    assert hgb.reference_range.unit == "g/dL"
    assert "Merck" in hgb.reference_range.source
    assert (hgb.reference_range.critical_low, hgb.reference_range.critical_high) == (6.6, 19.9)


def test_values_reported_in_canonical_units() -> None:
    result = woman({"hgb": "95 g/L", "plt": "62000/uL"})
    assert analyte(result, "hgb").value == 9.5
    assert analyte(result, "hgb").unit == "g/dL"
    assert analyte(result, "hgb").input == "95 g/L"
    assert analyte(result, "plt").value == 62.0


pairs = st.tuples(
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
).map(sorted)


@settings(max_examples=200, deadline=None)
@given(analyte_id=st.sampled_from(["hgb", "plt", "anc"]), fractions=pairs)
def test_flag_monotonic(analyte_id: str, fractions: list[float]) -> None:
    ranges, scheme = default_ranges(), resolve_scheme("ctcae5")
    patient = Patient(sex="female", age=parse_age("54"))
    _, high = ANALYTES[analyte_id].plausible
    # Most of the mass near the limits: squash the plausible interval towards zero.
    values = [high * f**3 for f in fractions]
    flags = []
    for value in values:
        quantity = Quantity(analyte_id, value, None, repr(value))
        result = interpret_panel(Panel({analyte_id: quantity}, patient), ranges, scheme)
        flag = result.analytes[0].flag
        assert flag in FLAG_ORDER
        flags.append(FLAG_ORDER[flag])
    assert flags[0] <= flags[1], (values, flags)


def test_flag_order_walks_through_every_flag() -> None:
    seen = [analyte(woman({"hgb": v}), "hgb").flag for v in ("5", "9", "13", "18", "21")]
    assert seen == ["LL", "L", "N", "H", "HH"]


# --- findings -----------------------------------------------------------------------------------


def test_anemia_mcv_patterns() -> None:
    for mcv, pattern in (
        ("79.9", "microcytic"),
        ("80", "normocytic"),
        ("90", "normocytic"),
        ("100", "normocytic"),
        ("100.1", "macrocytic"),
    ):
        anemia = finding(woman({"hgb": "9.1", "mcv": mcv}), "anemia")
        assert anemia.pattern == pattern, mcv
        assert MCV_PATTERNS[pattern] in anemia.explanation


def test_anemia_without_mcv_has_no_pattern() -> None:
    assert finding(woman({"hgb": "9.1"}), "anemia").pattern is None


def test_no_pattern_without_anemia() -> None:
    result = woman({"hgb": "13", "mcv": "75"})
    assert "anemia" not in codes(result)
    assert analyte(result, "mcv").flag == "L"


def test_bicytopenia() -> None:
    result = woman({"hgb": "9.1", "plt": "62", "anc": "3.0"})
    bi = finding(result, "bicytopenia")
    assert bi.analytes == ["hgb", "plt"]
    assert bi.grade is None
    assert "pancytopenia" not in codes(result)

    no_anc = woman({"hgb": "13", "wbc": "2.5", "plt": "62"})
    assert finding(no_anc, "bicytopenia").analytes == ["wbc", "plt"]


def test_pancytopenia() -> None:
    result = woman({"hgb": "9.1", "anc": "1.2", "plt": "100"})
    pan = finding(result, "pancytopenia")
    assert pan.analytes == ["hgb", "anc", "plt"]
    assert pan.grade is None
    assert "bicytopenia" not in codes(result)
    assert result.urgency == "soon"


def test_single_line_is_neither_bi_nor_pancytopenia() -> None:
    result = woman({"hgb": "9.1", "anc": "3.0", "plt": "200"})
    assert codes(result) == ["anemia"]


def test_febrile_neutropenia() -> None:
    result = woman({"anc": "0.4"}, temperature=38.3)
    fn = finding(result, "febrile-neutropenia")
    assert fn.severity == "emergency"
    assert fn.grade is None
    assert fn.analytes == ["temperature", "anc"]
    assert result.urgency == "now"
    assert result.message.endswith(CARE_TEAM_MESSAGES["now"])


def test_fever_of_38_counts_when_sustained() -> None:
    fn = finding(woman({"anc": "0.4"}, temperature=38.0), "febrile-neutropenia")
    assert fn.grade_note is not None
    assert "hour" in fn.grade_note


def test_fever_with_neutropenia_above_half_is_not_febrile_neutropenia_but_urgent() -> None:
    result = woman({"anc": "0.6"}, temperature=38.3)
    assert "febrile-neutropenia" not in codes(result)
    assert finding(result, "neutropenia").grade == 3
    assert result.urgency == "now"


def test_no_febrile_neutropenia_without_fever() -> None:
    assert "febrile-neutropenia" not in codes(woman({"anc": "0.4"}))
    assert "febrile-neutropenia" not in codes(woman({"anc": "0.4"}, temperature=37.2))


def test_anc_derived_from_wbc_and_differential() -> None:
    result = woman({"wbc": "2.0", "neut_pct": "30", "band_pct": "5"})
    anc = analyte(result, "anc")
    assert anc.derived
    assert anc.value == 0.7  # 2.0 x (30 + 5) / 100
    assert anc.input.startswith("derived:")
    assert anc.flag == "L"
    assert finding(result, "neutropenia").grade == 3
    assert any("anc was derived" in note for note in result.notes)

    without_bands = woman({"wbc": "4.0", "neut_pct": "50"})
    assert analyte(without_bands, "anc").value == 2.0


def test_given_anc_is_not_derived() -> None:
    result = woman({"wbc": "2.0", "neut_pct": "30", "anc": "1.0"})
    anc = analyte(result, "anc")
    assert not anc.derived
    assert anc.value == 1.0


def test_duffy_null_profile_changes_flag_and_grade() -> None:
    with_profile = woman({"anc": "1.3"}, profiles=("duffy-null",))
    assert analyte(with_profile, "anc").flag == "N"
    assert with_profile.grades["neutropenia"] == 0
    assert with_profile.findings == []
    assert with_profile.urgency == "none"

    without = woman({"anc": "1.3"})
    assert analyte(without, "anc").flag == "L"
    assert without.grades["neutropenia"] == 2
    assert finding(without, "neutropenia").grade == 2


def test_cannot_grade_is_never_zero() -> None:
    result = interpret({"anc": "1.6"})
    assert analyte(result, "anc").flag == "no-range"
    assert "neutropenia" in result.grades
    assert result.grades["neutropenia"] is None
    assert result.findings == []


def test_absolute_grades_apply_without_a_range() -> None:
    # No age: ANC 1.2 is below the newborn lower limits (UCSF 0-24 h 5.0, 24 h-1 week 1.5) and
    # above the older ones (1.0 from 1 week to 6 months): no range applies to it.
    result = interpret({"anc": "1.2"})
    assert analyte(result, "anc").flag == "no-range"
    neutropenia = finding(result, "neutropenia")
    assert neutropenia.grade == 2  # CTCAE v5 [1.0, 1.5)
    assert neutropenia.grade_note is not None
    assert "no reference range" in neutropenia.grade_note


def test_all_normal_is_urgency_none() -> None:
    result = woman({"hgb": "13.5", "wbc": "6.0", "anc": "3.5", "alc": "2.0", "plt": "250"})
    assert result.findings == []
    assert result.urgency == "none"
    assert {a.flag for a in result.analytes} == {"N"}
    assert result.message == CARE_TEAM_MESSAGES["none"]
    assert all(g == 0 for g in result.grades.values())


def test_nothing_checked_message() -> None:
    result = interpret({"hgb": "13.5", "anc": "3.5", "plt": "250"})
    assert {a.flag for a in result.analytes} == {"no-range"}
    assert all(g is None for g in result.grades.values())
    # "Cannot grade" is never "normal" (docs/clinical.md section 4): the person is asked to
    # check with the care team, never told there is nothing to do.
    assert result.urgency == "routine"
    assert result.message == NOTHING_CHECKED_MESSAGE


def test_reported_bound_below_every_cutoff_is_graded() -> None:
    result = woman({"anc": "<0.1"})
    anc = analyte(result, "anc")
    assert anc.comparator == "<"
    assert anc.flag == "LL"
    assert result.grades["neutropenia"] == 4
    assert finding(result, "neutropenia").grade == 4


def test_reported_bound_across_a_cutoff_cannot_be_graded() -> None:
    result = woman({"anc": "<0.6"})
    assert result.grades["neutropenia"] is None
    anc = analyte(result, "anc")
    assert anc.flag is None  # below the LLN, but L or LL cannot be told
    assert anc.range_note is not None
    # Certainly below the range, so it is a finding, ungraded with the reason.
    neutropenia = finding(result, "neutropenia")
    assert neutropenia.grade is None
    assert neutropenia.grade_note is not None
    assert "3" in neutropenia.grade_note
    assert "4" in neutropenia.grade_note
    assert result.urgency != "none"


def test_reported_bound_across_the_range_is_not_a_finding() -> None:
    result = woman({"anc": "<5"})
    assert analyte(result, "anc").flag is None
    assert result.grades["neutropenia"] is None
    assert "neutropenia" not in codes(result)


# --- explanation completeness -------------------------------------------------------------------

# Finding code -> (values, temperature) of a panel that triggers it.
TRIGGERS: dict[str, tuple[dict[str, str], float | None]] = {
    "anemia": ({"hgb": "9.1"}, None),
    "erythrocytosis": ({"hgb": "18.5"}, None),
    "leukopenia": ({"wbc": "3.5"}, None),
    "leukocytosis": ({"wbc": "15"}, None),
    "neutropenia": ({"anc": "0.8"}, None),
    "neutrophilia": ({"anc": "9.0"}, None),
    "lymphopenia": ({"alc": "0.7"}, None),
    "thrombocytopenia": ({"plt": "62"}, None),
    "thrombocytosis": ({"plt": "600"}, None),
    "bicytopenia": ({"hgb": "9.1", "plt": "62"}, None),
    "pancytopenia": ({"hgb": "9.1", "anc": "0.8", "plt": "62"}, None),
    "febrile-neutropenia": ({"anc": "0.4"}, 38.5),
    "critical-value": ({"hgb": "6.0"}, None),
}


def test_triggers_cover_every_design_code() -> None:
    assert set(TRIGGERS) == set(DESIGN_CODES)


def test_every_finding_code_has_a_complete_explanation() -> None:
    for code, (values, temperature) in TRIGGERS.items():
        result = woman(values, temperature=temperature)
        found = finding(result, code)
        page = explain(code)
        assert found.title == page.title, code
        assert found.title.strip(), code
        assert found.explanation.strip(), code
        assert found.action.strip(), code
        assert found.severity.strip(), code
        # A critical value's meaning is worded for its direction (low here), not the page's.
        assert code == "critical-value" or page.meaning in found.explanation, code
        # ...and its signs for the counts beyond their limits only (hemoglobin here).
        assert code == "critical-value" or page.notice in found.explanation, code
        # Under a soon/now message the routine "at your next visit or call" ending gives way.
        assert found.action in {
            page.action,
            page.action.replace(ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP),
        }, code
        assert result.message.strip(), code
        assert result.urgency != "none", code


def test_graded_findings_name_the_scheme() -> None:
    for code in ("anemia", "erythrocytosis", "leukopenia", "neutropenia", "lymphopenia"):
        values, temperature = TRIGGERS[code]
        found = finding(woman(values, temperature=temperature), code)
        assert found.scheme == "ctcae5", code
        assert found.grade is not None, code
        assert found.grade >= 1, code


def test_increased_terms_without_a_ctcae_grade() -> None:
    leuko = finding(woman({"wbc": "15"}), "leukocytosis")
    # High, but CTCAE grades leukocytosis only above 100: abnormal and ungraded, never 0.
    assert leuko.grade is None
    assert woman({"wbc": "15"}).grades["leukocytosis"] is None
    assert leuko.grade_note is not None
    assert "100" in leuko.grade_note
    for code, values in (("neutrophilia", {"anc": "9.0"}), ("thrombocytosis", {"plt": "600"})):
        result = woman(values)
        assert finding(result, code).grade is None
        assert code not in result.grades


def test_neutropenia_shows_one_severity_word() -> None:
    # ANC 1.2 is CTCAE v5.0 grade 2 ("moderate") and ASCO/IDSA "mild" (1.0 to below 1.5):
    # one word is shown, the graded scheme's, named (docs/clinical.md section 4).
    f = finding(woman({"anc": "1.2"}), "neutropenia")
    assert (f.grade, f.severity) == (2, "moderate")
    assert "ASCO/IDSA" not in f.explanation
    assert "mild" not in f.explanation
    # A reported bound the scheme cannot grade (could be grade 3 or 4) gets the ASCO/IDSA word,
    # named, as the least it can be.
    bound = finding(woman({"anc": "<0.9"}), "neutropenia")
    assert bound.grade is None
    assert "In ASCO/IDSA terms this is at least moderate neutropenia" in bound.explanation


# --- the API docstring example ------------------------------------------------------------------


def test_api_docstring_example() -> None:
    result = interpret({"hgb": "9.1", "anc": "0.8", "plt": "62"}, sex="female", age=54)
    assert [(f.code, f.grade) for f in result.findings] == [
        ("anemia", 2),
        ("neutropenia", 3),
        ("thrombocytopenia", 2),
        ("pancytopenia", None),
    ]
    assert result.grades == {
        "anemia": 2,
        "erythrocytosis": 0,
        "neutropenia": 3,
        "thrombocytopenia": 2,
    }
    assert result.urgency == "soon"
    assert {a.analyte: a.flag for a in result.analytes} == {"hgb": "L", "anc": "L", "plt": "L"}


def test_api_accepts_a_ready_panel() -> None:
    patient = Patient(sex="female", age=parse_age("54"))
    panel = Panel({"hgb": Quantity("hgb", 9.1, None, "9.1")}, patient)
    assert interpret(panel).findings == woman({"hgb": "9.1"}).findings


# --- review findings: fever, one-sided ranges, actions under an urgent message ------------------


def test_fever_is_never_urgency_none() -> None:
    normal = interpret({"anc": "3.0"}, sex="female", age=40, temperature="39.5")
    assert normal.urgency == "soon"
    unknown = interpret({"wbc": "2.5"}, sex="female", age=40, temperature="39.5")
    assert unknown.urgency == "now"  # neutropenia cannot be ruled out
    assert "now" in unknown.message.lower()


def test_a_one_sided_range_cannot_grade_the_other_side() -> None:
    # A lab's range printed as ">12.0" has only a lower limit: a high value is not called normal.
    panel = build_panel({"hgb": "18.5"}, patient=build_patient(sex="female", age=30))
    panel.lab_ranges["hgb"] = LabRange(12.0, None)
    result = interpret(panel)
    assert result.grades["erythrocytosis"] is None
    note = result.analytes[0].range_note
    assert note is not None
    assert "no upper limit" in note


def test_finding_actions_defer_to_an_urgent_message() -> None:
    result = interpret({"plt": "12", "anc": "0.3"}, sex="female", age=40, temperature="38.6")
    assert result.urgency == "now"
    assert all("next visit or call" not in f.action for f in result.findings)


def test_the_labs_critical_flag_makes_a_critical_value() -> None:
    # 60 is above the children's critical limit (Kost 1991: 53); the lab's LL still means
    # "phone now".
    panel = build_panel({"plt": "60"}, patient=build_patient(sex="female", age=9))
    panel.lab_flags["plt"] = "LL"
    result = interpret(panel)
    assert result.urgency == "now"
    found = [f for f in result.findings if f.code == "critical-value"]
    assert found
    assert found[0].grade_note is not None
    assert "the lab flagged platelets as critical" in found[0].grade_note


# --- urgency rules (engine.decide; README "Urgency"), each on every way in ----------------------
# Each case is judged four ways: the library API, the CLI's single sample, and a wide CSV file
# read by the columnar fast path (CSV out) and row by row (NDJSON out). The person is a
# 50-year-old woman (adult ranges: hgb 12.0-16.0 g/dL, wbc 4.5-11.0, anc 1.8-7.7, plt 140-450;
# adult critical limits, Kost JAMA 1990: wbc < 2.0 or > 37.0, plt < 37, hgb < 6.6, and ANC < 0.5).


def urgency_everywhere(
    values: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    temperature: str | None = None,
) -> dict[str, str]:
    """The urgency of one panel as the API, the CLI and both batch paths give it."""
    api = interpret(values, sex="female", age=50, temperature=temperature).urgency
    options = [x for a, v in values.items() for x in (f"--{a.replace('_', '-')}", v)]
    options += ["--sex", "female", "--age", "50"]
    options += ["--temp", temperature] if temperature else []
    code, out, err = run_cli(capsys, "check", *options, "--format", "json")
    assert code == 0, err
    cli = json.loads(out)["results"][0]["urgency"]
    header = ["sample_id", "sex", "age", *values] + (["temperature"] if temperature else [])
    row = ["s1", "F", "50", *values.values()] + ([temperature] if temperature else [])
    path = tmp_path / "panel.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    source = open_source(str(path))
    # Without a temperature column the file takes the columnar path (with one, the engine's).
    assert (plan(source, "auto", {}, {}) is not None) == (temperature is None)
    source.close()
    code, out, err = run_cli(capsys, "check", str(path), "--format", "csv")
    assert code == 0, err
    batch_csv = next(csv.DictReader(io.StringIO(out)))["urgency"]
    code, out, err = run_cli(capsys, "check", str(path), "--format", "ndjson")
    assert code == 0, err
    batch_ndjson = json.loads(out.splitlines()[0])["urgency"]
    return {"api": api, "cli": cli, "csv": batch_csv, "ndjson": batch_ndjson}


def assert_urgency(
    expected: str,
    values: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    temperature: str | None = None,
) -> None:
    got = urgency_everywhere(values, tmp_path, capsys, temperature=temperature)
    assert got == dict.fromkeys(got, expected), (values, temperature, got)


NADIR = {"wbc": "1.8", "anc": "0.9", "hgb": "10.5", "plt": "120"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Afebrile day-10 nadir: WBC 1.8 is below the WBC critical limit (2.0), but the ANC is
        # known: 0.9 is CTCAE grade 3 ([0.5, 1.0)), which warrants "soon", not "now".
        (NADIR, "soon"),
        # The ANC decides: at its critical limit (ANC < 0.5 phoned by many labs) it is "now";
        # 0.5 itself is not below the limit (grade 3 again: soon).
        ({**NADIR, "anc": "0.49"}, "now"),
        ({**NADIR, "anc": "0.5"}, "soon"),
        # With the ANC unknown the WBC critical limit counts, at 1.99 but not at 2.0 (limits are
        # exclusive); WBC 2.0 and 2.01 are CTCAE grade 2 ([2.0, 3.0)): routine.
        ({"wbc": "1.99", "hgb": "10.5", "plt": "120"}, "now"),
        ({"wbc": "2.0"}, "routine"),
        ({"wbc": "2.01"}, "routine"),
        # An ANC reported as a bound across its critical limit ("<1.0": maybe below 0.5) cannot
        # stand for the WBC: a missing value never weakens an urgent answer.
        ({**NADIR, "anc": "<1.0"}, "now"),
        # A high WBC beyond its critical limit (> 37.0) still counts with the ANC known; 37.0 is
        # not beyond it (leukocytosis below 100 has no CTCAE grade: routine).
        ({"wbc": "37.1", "anc": "30"}, "now"),
        ({"wbc": "37.0", "anc": "30"}, "routine"),
        # Critical values dangerous in themselves stay "now": hemoglobin < 6.6, platelets < 37.
        ({"hgb": "6.5"}, "now"),
        ({"hgb": "6.6"}, "soon"),  # CTCAE anemia grade 3 (< 8.0)
        ({"plt": "36"}, "now"),
        ({"plt": "37"}, "soon"),  # CTCAE grade 3 ([25, 50))
    ],
)
def test_a_low_wbc_critical_limit_defers_to_a_known_anc(
    values: dict[str, str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_urgency(expected, values, tmp_path, capsys)


def test_a_deferred_wbc_says_why_and_is_no_critical_value() -> None:
    result = interpret(NADIR, sex="female", age=50, days_since_chemo=10, temperature="36.8")
    assert analyte(result, "wbc").flag == "LL"  # still shown beyond the lab's limit
    assert "critical-value" not in codes(result)
    assert result.urgency == "soon"
    assert "emergency" not in result.message
    # Said once: on the WBC row itself, not again among the panel's notes.
    wbc_note = analyte(result, "wbc").range_note or ""
    assert "the urgency follows the neutrophils" in wbc_note
    assert "0.9 x10^9/L, low but not critical" in wbc_note  # the ANC's own state
    assert not any("critical limit" in n for n in result.notes)


# Pancytopenia raises the urgency to "soon" only when a line is CTCAE grade 2 or worse (a
# project choice: grade 1 is "mild; intervention not indicated" in CTCAE v5.0's general grade
# definitions). Grade-2 cut-offs, CTCAE v5.0: anemia < 10.0 g/dL, neutropenia < 1.5, white
# cells < 3.0, thrombocytopenia < 75 (x10^9/L); a value on a cut-off takes the milder grade.
MILD = {"hgb": "11.5", "anc": "1.6", "plt": "130"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (MILD, "routine"),  # three values just under their limits: grade 1 each
        ({**MILD, "hgb": "10.01"}, "routine"),
        ({**MILD, "hgb": "10.0"}, "routine"),
        ({**MILD, "hgb": "9.99"}, "soon"),
        ({**MILD, "anc": "1.51"}, "routine"),
        ({**MILD, "anc": "1.5"}, "routine"),
        ({**MILD, "anc": "1.49"}, "soon"),
        ({**MILD, "plt": "76"}, "routine"),
        ({**MILD, "plt": "75"}, "routine"),
        ({**MILD, "plt": "74"}, "soon"),
        # Without an ANC the white line is the WBC (grade 2 below 3.0).
        ({"hgb": "11.5", "wbc": "3.01", "plt": "130"}, "routine"),
        ({"hgb": "11.5", "wbc": "3.0", "plt": "130"}, "routine"),
        ({"hgb": "11.5", "wbc": "2.99", "plt": "130"}, "soon"),
        # Bicytopenia adds nothing: two grade-2 lines stay routine, a grade-3 line is soon.
        ({"hgb": "9.99", "plt": "74", "anc": "3.0"}, "routine"),
        ({"hgb": "7.99", "plt": "130", "anc": "3.0"}, "soon"),
    ],
)
def test_pancytopenia_is_soon_only_with_a_line_of_grade_2(
    values: dict[str, str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_urgency(expected, values, tmp_path, capsys)


def test_mild_pancytopenia_is_still_named() -> None:
    result = woman(MILD)
    assert "pancytopenia" in codes(result)
    assert {result.grades[c] for c in ("anemia", "neutropenia", "thrombocytopenia")} == {1}
    assert result.urgency == "routine"
    note = finding(result, "pancytopenia").grade_note
    assert note is not None
    assert "does not raise the urgency" in note
    assert "does not raise" not in str(
        finding(woman({**MILD, "plt": "74"}), "pancytopenia").grade_note
    )


@pytest.mark.parametrize(
    ("values", "temperature", "expected"),
    [
        # Fever threshold 38.0 C (IDSA 2010: 38.0 C sustained over an hour, or 38.3 C once);
        # with any neutropenia (ANC 1.0 is below the range: grade 2) fever is "now", as an ANC
        # can fall below 0.5 within 48 h (ASCO/IDSA 2018); 37.9 C is no fever (grade 2: routine).
        ({"anc": "1.0"}, "37.9", "routine"),
        ({"anc": "1.0"}, "38.0", "now"),
        ({"anc": "1.0"}, "38.1", "now"),
        # Febrile neutropenia proper: ANC below 0.5.
        ({"anc": "0.49"}, "38.3", "now"),
        # ANC at its lower limit (1.8) is not low: fever alone is "soon" (a high fever calls for
        # care: docs/clinical.md section 5); just below the limit (1.79) it is neutropenia: "now".
        ({"anc": "1.8"}, "38.0", "soon"),
        ({"anc": "1.79"}, "38.0", "now"),
        ({"anc": "1.81"}, "38.0", "soon"),
        # Fever without an ANC: neutropenia cannot be ruled out, even when a pancytopenia of low
        # white cells would otherwise make it "soon" (the missing ANC never weakens it).
        ({"hgb": "9", "wbc": "2.5", "plt": "60"}, "38.5", "now"),
        ({"wbc": "7.0"}, "38.5", "now"),
    ],
)
def test_fever_rules(
    values: dict[str, str],
    temperature: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_urgency(expected, values, tmp_path, capsys, temperature=temperature)


def test_fever_with_an_anc_that_cannot_be_judged_is_now() -> None:
    # No age: no ANC range can be chosen and 1.6 is above CTCAE's absolute grades, so it cannot
    # be graded: as with no ANC at all, neutropenia is not ruled out.
    result = interpret({"anc": "1.6"}, sex="female", temperature="38.5")
    assert result.grades["neutropenia"] is None or result.grades["neutropenia"] >= 1
    assert result.urgency == "now"


_WATCH_FOR_FEVER = re.compile(
    r"if you get a fever|temperature of 38\.0 C or higher(,| is)|for a (high )?fever,|"
    r"for a temperature",
    re.IGNORECASE,
)


@pytest.mark.parametrize("code", sorted(DESIGN_CODES))
@pytest.mark.parametrize("temperature", ["38.0", "39.4"])
def test_no_text_asks_to_watch_for_a_fever_already_given(code: str, temperature: str) -> None:
    values, _ = TRIGGERS[code]
    result = woman(values, temperature=float(temperature))
    texts = [result.message, *(f.action for f in result.findings)]
    assert not [t for t in texts if _WATCH_FOR_FEVER.search(t)], texts
    # Without a fever the same advice is given, as a thing to watch for.
    if code in ("neutropenia", "pancytopenia"):
        afebrile = woman(values)
        assert any(_WATCH_FOR_FEVER.search(f.action) for f in afebrile.findings)


def test_the_soon_message_under_fever_speaks_of_the_fever() -> None:
    result = woman({"anc": "3.0"}, temperature=38.4)
    assert result.urgency == "soon"
    assert result.message.endswith(SOON_WITH_FEVER_MESSAGE)
    assert "if you get a fever" not in result.message


# --- notes: a typed ANC against the differential, Duffy-null under 18, grade words ---------------


@pytest.mark.parametrize(
    ("anc", "disagree"),
    [
        # wbc 5.0 x (50 % + 5 %) / 100 = 2.75. The tolerance is both 20 % of the typed ANC and
        # 0.2 x10^9/L (a project choice, README).
        ("2.2", True),  # 0.55 apart: 25 % of 2.2
        ("2.3", False),  # 0.45 apart: 19.6 % of 2.3
        ("2.75", False),
        ("3.5", True),  # 0.75 apart, 21 %
        ("3.4", False),  # 0.65 apart, 19.1 %
    ],
)
def test_a_typed_anc_that_disagrees_with_the_differential_is_noted(
    anc: str, disagree: bool
) -> None:
    result = woman({"wbc": "5.0", "neut_pct": "50", "band_pct": "5", "anc": anc})
    notes = [n for n in result.consistency if "disagree" in n]
    assert bool(notes) == disagree, result.consistency
    assert analyte(result, "anc").value == float(anc)  # the typed one is used
    assert not analyte(result, "anc").derived
    if notes:
        assert "the anc given was used" in notes[0]


def test_small_counts_need_the_absolute_tolerance_too() -> None:
    # wbc 0.5 x 40 % = 0.2; typed 0.05 is 75 % off but only 0.15 x10^9/L: not noted.
    result = woman({"wbc": "0.5", "neut_pct": "40", "anc": "0.05"})
    assert not [n for n in result.consistency if "disagree" in n]
    result = woman({"wbc": "0.5", "neut_pct": "40", "anc": "0.45"})  # 0.25 apart, 56 %
    assert [n for n in result.consistency if "disagree" in n]


def test_duffy_null_profile_under_18_is_not_applied_and_says_why() -> None:
    # The profile's rows (Merz JAMA 2023; Hibbs Blood 2025) are for adults only (18y and over).
    child = interpret({"anc": "1.3"}, sex="female", age=17, profiles=("duffy-null",))
    note = [n for n in child.notes if "duffy-null profile was not applied" in n]
    assert note
    assert "18y and over" in note[0]
    child_range = analyte(child, "anc").reference_range
    assert child_range is None or "OPT-IN PROFILE" not in child_range.source
    adult = interpret({"anc": "1.3"}, sex="female", age=18, profiles=("duffy-null",))
    assert not [n for n in adult.notes if "profile was not applied" in n]
    assert analyte(adult, "anc").flag == "N"  # 1.3 is inside the profile's 1.21-5.39
    unknown = interpret({"anc": "1.3"}, sex="female", profiles=("duffy-null",))
    assert [n for n in unknown.notes if "age is not given" in n]


def test_grade_4_of_a_count_names_the_band_not_the_person() -> None:
    # CTCAE v5.0 calls grade 4 "life-threatening": a judgement of the person; a count alone only
    # falls in that band (neutropenia grade 4: ANC < 0.5).
    found = finding(woman({"anc": "0.49"}), "neutropenia")
    assert found.grade == 4
    assert found.severity == "count in the life-threatening band"
    assert finding(woman({"anc": "0.5"}), "neutropenia").severity == "severe"  # grade 3


def test_bands_above_a_lab_range_are_flagged_high() -> None:
    # No band % range is shipped; with the lab's printed range a high band count is flagged H.
    result = interpret({"wbc": "5", "band_pct": "15"}, sex="female", age=50)
    assert analyte(result, "band_pct").flag in ("no-range", "H")  # H once a range is shipped
    panel = build_panel(
        {"wbc": "5", "band_pct": "15"},
        patient=build_patient(sex="female", age=50),
        lab_ranges={"band_pct": "0-5"},
    )
    assert analyte(interpret(panel), "band_pct").flag == "H"


def test_the_labs_low_wbc_flag_also_defers_to_a_known_anc() -> None:
    # HL7 input: the lab phoned WBC 2.5 as LL (its own policy); with the ANC known (0.9, CTCAE
    # grade 3) the urgency follows the ANC; without it the lab's flag stands.
    patient = build_patient(sex="female", age=50)
    panel = build_panel({"wbc": "2.5", "anc": "0.9"}, patient=patient)
    panel.lab_flags["wbc"] = "LL"
    result = interpret(panel)
    assert result.urgency == "soon"
    assert "critical-value" not in codes(result)
    alone = build_panel({"wbc": "2.5"}, patient=patient)
    alone.lab_flags["wbc"] = "LL"
    assert interpret(alone).urgency == "now"
    high = build_panel({"wbc": "30", "anc": "25"}, patient=patient)
    high.lab_flags["wbc"] = "HH"
    assert interpret(high).urgency == "now"


# --- decide itself, independent of the shipped ranges ------------------------------------------


def test_decide_defers_only_a_low_wbc_and_only_to_a_flagged_anc() -> None:
    grades = {"leukopenia": 3, "neutropenia": 3}
    deferred = decide({"wbc": "LL", "anc": "L"}, grades)
    assert (deferred.urgency, deferred.critical, deferred.deferred) == ("soon", (), ("wbc",))
    # An ANC that could not be flagged (a bound across a limit) stands for nothing.
    kept = decide({"wbc": "LL", "anc": None}, grades)
    assert (kept.urgency, kept.critical) == ("now", ("wbc",))
    assert decide({"wbc": "LL"}, {"leukopenia": 3}).urgency == "now"
    assert decide({"wbc": "HH", "anc": "H"}, {"leukopenia": 0}).urgency == "now"
    # The lab's own flags: a low one defers, a high or unspecified one (AA) does not.
    assert decide({"wbc": "L", "anc": "L"}, grades, lab_critical={"wbc": "LL"}).urgency == "soon"
    assert decide({"wbc": "L", "anc": "L"}, grades, lab_critical={"wbc": "AA"}).urgency == "now"
    assert decide({"wbc": "L", "anc": "L"}, grades, lab_critical=["wbc"]).urgency == "now"


def test_decide_pancytopenia_needs_a_line_of_grade_2_or_one_it_cannot_grade() -> None:
    low: dict[str, Flag | None] = {"hgb": "L", "anc": "L", "plt": "L"}
    mild = {"anemia": 1, "neutropenia": 1, "thrombocytopenia": 1}
    assert decide(low, mild).urgency == "routine"
    assert decide(low, {**mild, "thrombocytopenia": 2}).urgency == "soon"
    # A low line the scheme cannot grade is not taken for a mild one.
    assert decide(low, {**mild, "anemia": None}).urgency == "soon"
    # Two lines are a bicytopenia: no urgency of its own.
    assert decide({"hgb": "L", "plt": "L"}, {"anemia": 2, "thrombocytopenia": 2}).urgency == (
        "routine"
    )


def test_decide_fever_with_an_unjudged_anc_is_now() -> None:
    assert decide({"anc": "no-range"}, {"neutropenia": None}, fever=True).urgency == "now"
    assert decide({"hgb": "N"}, {"anemia": 0}, fever=True).urgency == "now"
    assert decide({"anc": "N"}, {"neutropenia": 0}, fever=True).urgency == "soon"
    # Before a severe finding's "soon" (this order was once the other way round).
    assert decide({"hgb": "L"}, {"anemia": 3}, fever=True).urgency == "now"


# --- age or sex not given: every range that could apply (docs/clinical.md section 3) ----------
# Expected values from the source tables: pediatric rows (ARUP/Dallman red cells, ARUP WBC, Mayo
# platelets, UCSF then Iowa neutrophils), Kost 1990/1991 critical limits, the newborn policies and
# the age-unknown rows (critical at any age from 1 month up: hgb < 6.9, hct < 20, plt < 53,
# wbc < 2.1, ANC < 0.5).

URGENT_PANEL = {"hgb": "5.0", "plt": "8", "anc": "0.1", "wbc": "0.5"}


def test_a_missing_age_and_sex_never_weaken_an_urgent_answer() -> None:
    unknown = interpret(URGENT_PANEL)
    known = interpret(URGENT_PANEL, sex="female", age=50)
    assert analyte(unknown, "hgb").flag in ("L", "LL")
    for analyte_id in ("plt", "anc", "wbc"):  # below 53, 0.5, 2.1
        assert analyte(unknown, analyte_id).flag == "LL", analyte_id
    assert unknown.urgency == known.urgency == "now"
    assert "critical-value" in codes(unknown)


def test_no_age_uses_the_strictest_limits_of_adults_and_children() -> None:
    result = interpret({"hgb": "11", "plt": "8", "anc": "0.3"}, sex="female")
    assert analyte(result, "plt").flag == "LL"
    assert analyte(result, "anc").flag == "LL"
    assert result.urgency == "now"
    # Platelets 30: critical for an adult (< 37, Kost 1990) and a child (< 53, Kost 1991).
    assert interpret({"plt": "30"}).urgency == interpret({"plt": "30"}, age=40).urgency == "now"
    # Just inside the strictest limits (plt 53, WBC 2.1, hct 20): critical at no age from 1
    # month up, so not LL without an age either.
    inside = interpret({"plt": "53", "wbc": "2.1", "hct": "20"})
    assert all(a.flag != "LL" for a in inside.analytes), [a.flag for a in inside.analytes]


@pytest.mark.parametrize(
    ("values", "own", "other", "at", "whose"),
    [
        ({"plt": "51"}, "53", "37", 6, "children"),  # children < 53 (Kost 1991); adults < 37
        ({"wbc": "2.05"}, "2.1", "2", 6, "children"),  # children < 2.1; adults < 2.0
        ({"wbc": "40"}, "37", "42.9", 40, "adults"),  # adults > 37.0 (Kost 1990); children > 42.9
        ({"hgb": "20.0"}, "19.9", "20.8", 40, "adults"),  # adults > 19.9; children > 20.8
    ],
)
def test_critical_for_some_ages_is_as_urgent_as_their_own_answer_without_an_age(
    values: dict[str, str], own: str, other: str, at: int, whose: str
) -> None:
    unknown = interpret(values)
    # As urgent as the answer of the person for whom it is critical, whose age was not given.
    assert unknown.urgency == interpret(values, age=at, sex="female").urgency == "now"
    assert "critical-value" in codes(unknown)
    assert "the age would tell" in (unknown.message or "")
    (only,) = unknown.analytes
    assert only.range_note is not None
    assert f"{own} " in only.range_note
    # The note names whose limit each is (a nurse could not tell from "for some ages").
    assert f"at once for {whose} (" in only.range_note
    assert f"the limit is {other}, so this value is critical for {whose} but not" in only.range_note
    assert "give the age" in only.range_note
    # With an age, the person's own limit decides and no such note is written.
    for age in (6, 40):
        known = interpret(values, age=age, sex="female")
        assert "give the age" not in (known.analytes[0].range_note or "")


def test_a_low_wbc_critical_for_some_ages_defers_to_a_known_anc() -> None:
    # As any critical low WBC does (rule 4): its danger is its neutrophils'.
    alone = interpret({"wbc": "2.05"}, sex="female")
    assert alone.urgency == "now"
    result = interpret({"wbc": "2.05", "anc": "1.9"}, sex="female")
    assert result.urgency == "routine"
    assert "the age would tell" not in (result.message or "")


def test_child_critical_limits_kost_1991() -> None:
    result = interpret({"plt": "5", "hgb": "5.5"}, sex="male", age=10)
    assert analyte(result, "plt").flag == "LL"  # < 53
    assert analyte(result, "hgb").flag == "LL"  # < 6.9
    assert result.urgency == "now"
    # 6.8 is critical for a child (< 6.9) but not for an adult (Kost 1990: < 6.6).
    assert analyte(interpret({"hgb": "6.8"}, sex="male", age=10), "hgb").flag == "LL"
    assert analyte(interpret({"hgb": "6.8"}, sex="male", age=40), "hgb").flag == "L"


def test_newborn_critical_limits() -> None:
    anc = interpret({"anc": "0.3"}, age="5d")
    assert analyte(anc, "anc").flag == "LL"
    assert anc.urgency == "now"
    hgb = interpret({"hgb": "6.5"}, age="3w")  # OhioHealth neonates: < 8.0
    assert analyte(hgb, "hgb").flag == "LL"
    assert hgb.urgency == "now"
    # St. Luke's 0-14 days: hemoglobin < 10.0 is critical; 9.5 at 10 days is, at 3 weeks not.
    assert analyte(interpret({"hgb": "9.5"}, age="10d"), "hgb").flag == "LL"
    assert analyte(interpret({"hgb": "9.5"}, age="3w"), "hgb").flag == "L"  # 14-29 d: 12.5


def test_pediatric_reference_ranges_flag_low() -> None:
    plt = interpret({"plt": "90"}, sex="male", age=4)  # Mayo 3-5 y: 187-445
    assert analyte(plt, "plt").flag == "L"
    assert plt.urgency != "now"  # above Kost 1991's 53
    hgb = interpret({"hgb": "11.2"}, sex="male", age=17)  # ARUP 12-17 y male: 13.0-16.0
    assert analyte(hgb, "hgb").flag == "L"
    assert analyte(interpret({"hgb": "12.5"}, sex="female", age=17), "hgb").flag == "N"


def test_pregnancy_hemoglobin_has_an_upper_limit() -> None:
    # Abbassi-Ghanavati 2009, 2nd trimester: upper limit 14.8 g/dL.
    result = interpret({"hgb": "17.5"}, sex="female", age=30, pregnant=2)
    assert analyte(result, "hgb").flag == "H"
    assert analyte(interpret({"hct": "40"}, sex="female", age=30, pregnant=2), "hct").flag == "H"


def test_newborn_neutrophils_on_the_first_day() -> None:
    # UCSF: 0-24 hours 5.0-28, 24 hours-1 week 1.5-21, from 1 week 1.0-10 (x10^9/L). ANC 1.2 in
    # the first hours (age 0 days) is low, not normal; so it is at 3 days; at 10 days it is not.
    assert analyte(interpret({"anc": "1.2"}, age="0d"), "anc").flag == "L"
    assert analyte(interpret({"anc": "1.2"}, age="3d"), "anc").flag == "L"
    assert analyte(interpret({"anc": "1.2"}, age="10d"), "anc").flag == "N"


def test_judged_against_every_range_that_could_apply() -> None:
    # Hemoglobin lower limits run from 9.0 (61-90 days) up; 8.5 is below all of them.
    low = interpret({"hgb": "8.5"})
    hgb = analyte(low, "hgb")
    assert hgb.flag == "L"
    assert hgb.reference_range is None  # no single range was chosen
    assert hgb.range_note is not None
    assert "every range that could apply" in hgb.range_note
    assert "low for all of them" in hgb.range_note
    assert finding(low, "anemia").grade == 2  # CTCAE v5 [8.0, 10.0)
    # ANC: lower limits at most 5.0 (0-24 h), upper limits at least 7.5 (5-18 y): 6.0 is within
    # every range for every age and sex.
    within = analyte(interpret({"anc": "6.0"}), "anc")
    assert within.flag == "N"
    assert within.range_note is not None
    assert "within all of them" in within.range_note


def test_grade_one_uses_the_lowest_lower_limit_of_every_candidate() -> None:
    # WBC lower limits 4.5 (8 y on, adults) to 9.0 (newborns): 4.0 is below all of them, so it
    # is below every candidate's LLN and grade 1 (CTCAE v5 [3.0, LLN)).
    low = interpret({"wbc": "4.0"})
    assert analyte(low, "wbc").flag == "L"
    assert low.grades["leukopenia"] == 1
    # 4.6 is within the older bands and below the newborn ones: no range, and no grade 1.
    disputed = interpret({"wbc": "4.6"})
    assert analyte(disputed, "wbc").flag == "no-range"
    assert disputed.grades["leukopenia"] is None


def test_sex_not_given_for_an_adult() -> None:
    # Merck: female 12.0-16.0, male 14.0-17.0 g/dL.
    assert analyte(interpret({"hgb": "11.5"}, age=40), "hgb").flag == "L"
    assert analyte(interpret({"hgb": "15.0"}, age=40), "hgb").flag == "N"
    assert analyte(interpret({"hgb": "13.0"}, age=40), "hgb").flag == "no-range"
    assert analyte(interpret({"hgb": "17.5"}, age=40), "hgb").flag == "H"


def test_no_child_range_is_never_borrowed() -> None:
    # No RDW interval for children is shipped: with the age unknown it may be a child's.
    rdw = analyte(interpret({"rdw": "20"}), "rdw")
    assert rdw.flag == "no-range"
    assert rdw.range_note is not None
    assert "0d to 18y" in rdw.range_note
    assert analyte(interpret({"rdw": "20"}, age=40), "rdw").flag == "H"


def test_band_percentage_above_range_is_flagged() -> None:
    # UChicago Medicine: bands 0-6 % (16 years and up).
    assert analyte(woman({"band_pct": "12"}), "band_pct").flag == "H"
    assert analyte(woman({"band_pct": "4"}), "band_pct").flag == "N"


def test_an_anemia_from_the_hematocrit_names_the_hematocrit_in_its_pattern() -> None:
    # No hemoglobin given: the low hematocrit (below 36-47 %, Merck) is the red-cell line of
    # the pattern, and the pattern names the count that was given.
    result = woman({"hct": "30", "anc": "1.0", "plt": "60"})
    pattern = finding(result, "pancytopenia")
    assert pattern.analytes == ["hct", "anc", "plt"]
    assert finding(result, "anemia").analytes == ["hct"]
