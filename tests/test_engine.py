"""Tests for cbc_cli.engine through the library API: flags, findings, grades, urgency, messages.

Rules from docs/clinical.md sections 4-6 and DESIGN.md section 5. Panels are for an adult woman
(hgb 12.0-16.0 g/dL, wbc 4.5-11.0, anc 1.8-7.7, alc 1.0-4.8, plt 140-450) unless said otherwise.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cbc_cli import interpret
from cbc_cli.age import parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.api import build_panel, build_patient, default_ranges, resolve_scheme
from cbc_cli.engine import interpret_panel
from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    ROUTINE_FOLLOW_UP,
    URGENT_FOLLOW_UP,
    explain,
)
from cbc_cli.models import AnalyteResult, Finding, Result
from cbc_cli.panel import Panel, Patient
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
    result = interpret({"anc": "0.8"})
    assert analyte(result, "anc").flag == "no-range"
    neutropenia = finding(result, "neutropenia")
    assert neutropenia.grade == 3
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
    assert result.urgency == "none"
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
        assert page.meaning in found.explanation, code
        assert page.notice in found.explanation, code
        # Under a soon/now message the routine "at your next contact" ending gives way.
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


def test_neutropenia_words_name_their_scheme() -> None:
    explanation = finding(woman({"anc": "0.8"}), "neutropenia").explanation
    assert "ASCO/IDSA" in explanation
    assert "moderate" in explanation


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
    # Pregnancy hemoglobin has only a lower limit (WHO): a high value is not called normal.
    result = interpret({"hgb": "18.5"}, sex="female", age=30, pregnant=2)
    assert result.grades["erythrocytosis"] is None
    note = result.analytes[0].range_note
    assert note is not None
    assert "no upper limit" in note


def test_finding_actions_defer_to_an_urgent_message() -> None:
    result = interpret({"plt": "12", "anc": "0.3"}, sex="female", age=40, temperature="38.6")
    assert result.urgency == "now"
    assert all("next contact" not in f.action for f in result.findings)


def test_the_labs_critical_flag_makes_a_critical_value() -> None:
    # No critical limits are shipped for children; the lab's LL still means "phone now".
    panel = build_panel({"plt": "15"}, patient=build_patient(sex="female", age=9))
    panel.lab_flags["plt"] = "LL"
    result = interpret(panel)
    assert result.urgency == "now"
    found = [f for f in result.findings if f.code == "critical-value"]
    assert found
    assert found[0].grade_note is not None
    assert "the lab flagged plt as critical" in found[0].grade_note
