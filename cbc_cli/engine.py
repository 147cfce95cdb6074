"""The engine: flags, grades, findings and urgency for one panel. A pure function: no I/O.

Rules follow docs/clinical.md sections 4-6; the urgency rules are listed in README.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from cbc_cli.analytes import ANALYTES
from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    ROUTINE_FOLLOW_UP,
    URGENT_FOLLOW_UP,
    explain,
    recovery_context,
)
from cbc_cli.grading import Grade, Scheme, choose_criterion, grade_value, guard
from cbc_cli.models import (
    URGENCY_ORDER,
    AnalyteResult,
    Finding,
    Flag,
    PatientInfo,
    RangeInfo,
    Result,
    Urgency,
)
from cbc_cli.panel import Panel, Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.units import Quantity

# (finding code, analyte, direction): the single-analyte findings, in output order.
FINDING_RULES: tuple[tuple[str, str, str], ...] = (
    ("anemia", "hgb", "low"),
    ("erythrocytosis", "hgb", "high"),
    ("leukopenia", "wbc", "low"),
    ("leukocytosis", "wbc", "high"),
    ("neutropenia", "anc", "low"),
    ("neutrophilia", "anc", "high"),
    ("lymphopenia", "alc", "low"),
    ("thrombocytopenia", "plt", "low"),
    ("thrombocytosis", "plt", "high"),
)
LAB_CRITICAL_FLAGS = frozenset({"LL", "HH", "AA"})
LOW_FLAGS = frozenset({"L", "LL"})
HIGH_FLAGS = frozenset({"H", "HH"})

# Fever with neutropenia, IDSA 2010 / ASCO-IDSA 2018 (docs/clinical.md section 5): one reading of
# 38.3 C or more, or 38.0 C or more sustained over an hour, with ANC below 0.5 x10^9/L.
FEVER_C = 38.0
FEVER_SINGLE_C = 38.3
FN_ANC = 0.5
# MCV pattern (docs/clinical.md section 5): microcytic < 80 fL, normocytic 80-100, macrocytic > 100.
MCV_MICRO, MCV_MACRO = 80.0, 100.0
# ASCO/IDSA neutropenia words (docs/clinical.md section 4): each band is [low, high) in 10^9/L.
NEUTROPENIA_WORDS = ((0.1, "profound"), (0.5, "severe"), (1.0, "moderate"), (1.5, "mild"))


class _Checked(NamedTuple):
    quantity: Quantity
    low: float | None
    high: float | None
    flag: Flag | None
    span: tuple[float, float]
    """The values the result may stand for: equal ends unless the lab reported a bound."""
    ends: tuple[Flag, Flag]
    """The flags at both ends of ``span``: both low (or both high) when a reported bound such as
    "<0.6" is beyond the range for certain even though it spans a critical limit."""


def _span(q: Quantity) -> tuple[float, float]:
    # A reported bound ("<0.1") stands for every value beyond it; the plausibility limits close it.
    lo_plausible, hi_plausible = ANALYTES[q.analyte].plausible
    v = q.value
    return {
        None: (v, v),
        "<": (lo_plausible, v * (1 - 1e-9)),
        "<=": (lo_plausible, v),
        ">": (v * (1 + 1e-9) if v else 1e-12, hi_plausible),
        ">=": (v, hi_plausible),
    }[q.comparator]


def flag_value(
    value: float,
    low: float | None,
    high: float | None,
    critical_low: float | None,
    critical_high: float | None,
    *,
    has_range: bool,
) -> Flag:
    """Flag one value: LL/HH beyond the critical limits, L/H beyond the range, else N.

    Without a reference range (``has_range`` false) a value inside the critical limits is
    ``no-range``, never N. Limits are exclusive: a value equal to a limit is not beyond it.
    """
    v = guard(value)
    if critical_low is not None and v < guard(critical_low):
        return "LL"
    if critical_high is not None and v > guard(critical_high):
        return "HH"
    if not has_range:
        return "no-range"
    if low is not None and v < guard(low):
        return "L"
    if high is not None and v > guard(high):
        return "H"
    return "N"


def derive_counts(values: dict[str, Quantity]) -> tuple[dict[str, Quantity], list[str]]:
    """Add ANC (and ALC) from WBC and the differential percentages when not given.

    ANC = WBC x (neutrophil % + band %) / 100 (docs/clinical.md section 2); ALC = WBC x lymphocytes
    % / 100. Returns the completed values and a note for each derived one.
    """
    out = dict(values)
    notes: list[str] = []
    wbc = values.get("wbc")
    if wbc is None or wbc.comparator is not None:
        return out, notes
    parts = {"anc": ("neut_pct", "band_pct"), "alc": ("lymph_pct",)}
    for target, pct_ids in parts.items():
        if target in values or pct_ids[0] not in values:
            continue
        pcts = [values[p] for p in pct_ids if p in values]
        if any(p.comparator is not None for p in pcts):
            continue
        total = sum(p.value for p in pcts)
        if total > 100:
            notes.append(f"{target} was not derived: the percentages add up to more than 100")
            continue
        words = " + ".join(f"{p.analyte} {p.value:g}%" for p in pcts)
        text = f"derived: wbc {wbc.value:g} x ({words}) / 100"
        out[target] = Quantity(target, wbc.value * total / 100, None, text)
        notes.append(f"{target} was derived from wbc and the differential ({text[9:]})")
    return out, notes


def _check(panel: Panel, q: Quantity, ranges: RangeTable) -> tuple[_Checked, AnalyteResult]:
    analyte = ANALYTES[q.analyte]
    patient = panel.patient
    crit = ranges.select(q.analyte, patient, "critical").range
    c_low = crit.critical_low if crit else None
    c_high = crit.critical_high if crit else None
    lab = panel.lab_ranges.get(q.analyte)
    info: RangeInfo | None
    note: str | None = None
    if lab is not None:
        low, high = lab.low, lab.high
        info = RangeInfo(
            low=low,
            high=high,
            unit=analyte.unit,
            source=lab.source,
            origin="lab",
            critical_low=c_low,
            critical_high=c_high,
        )
    else:
        chosen = ranges.select(q.analyte, patient)
        row = chosen.range
        low, high = (row.low, row.high) if row else (None, None)
        note = chosen.reason
        info = (
            None
            if row is None
            else RangeInfo(
                low=row.low,
                high=row.high,
                unit=analyte.unit,
                source=row.source,
                origin=row.origin,
                critical_low=c_low,
                critical_high=c_high,
            )
        )
    has_range = info is not None
    span = _span(q)
    ends = (
        flag_value(span[0], low, high, c_low, c_high, has_range=has_range),
        flag_value(span[1], low, high, c_low, c_high, has_range=has_range),
    )
    # The same flag at both ends of a reported bound means the flag holds for all of it.
    flag: Flag | None = ends[0] if ends[0] == ends[1] else None
    if flag is None:
        note = f"reported as {q.input}, which lies on both sides of a limit: cannot flag"
    elif flag in ("LL", "HH") and not has_range and note:
        note = f"beyond the critical limit; {note}"
    elif has_range and (low is None) != (high is None):
        side = "upper" if high is None else "lower"
        word = "high" if high is None else "low"
        note = f"the range applied has no {side} limit, so a {word} value cannot be flagged"
    lab_flag = panel.lab_flags.get(q.analyte)
    result = AnalyteResult(
        analyte=q.analyte,
        name=analyte.name,
        value=float(f"{q.value:.6g}"),
        unit=analyte.unit,
        input=q.input,
        comparator=q.comparator,  # type: ignore[arg-type]
        derived=q.input.startswith("derived:"),
        flag=flag,
        reference_range=info,
        range_note=note,
        lab_flag=lab_flag,
    )
    return _Checked(q, low, high, flag, span, ends), result


def _grade(
    finding: str, direction: str, checked: _Checked, scheme: Scheme, patient: Patient
) -> Grade:
    chosen = choose_criterion(scheme, finding, patient)
    if isinstance(chosen, Grade):
        return chosen
    # A count inside the person's range is not an adverse event, even where a scheme's absolute
    # cut-off lies above the LLN (the Duffy-null profile's ANC 1.21): CTCAE grade 0 then.
    not_abnormal = HIGH_FLAGS | {"N"} if direction == "low" else LOW_FLAGS | {"N"}
    # ...but only when the limit on that side exists: a one-sided range (pregnancy hemoglobin
    # has no upper limit) cannot say a value is not high.
    limit = checked.low if direction == "low" else checked.high
    if scheme.uses_lln and checked.flag in not_abnormal and limit is not None:
        return Grade(0, None, chosen)
    outcomes = {grade_value(chosen, v, checked.low, checked.high) for v in checked.span}
    if len(outcomes) == 1:
        outcome = outcomes.pop()
        beyond = LOW_FLAGS if direction == "low" else HIGH_FLAGS
        if scheme.uses_lln and outcome.grade == 0 and checked.flag in beyond:
            # Beyond the range yet under the scheme's lowest grade: CTCAE leukocytosis starts at
            # grade 3, so a high WBC below 100 has no grade there. Not 0: it is abnormal.
            note = chosen.note or f"{scheme.title} has no grade for this value"
            return Grade(None, note, chosen)
        return outcome
    grades = sorted(str(g.grade) for g in outcomes)
    return Grade(
        None, f"reported as {checked.quantity.input}: could be grade {' or '.join(grades)}", chosen
    )


def _severity(grade: int | None, scheme: Scheme) -> str:
    if grade is None:
        return "not graded"
    return "below grade 1" if grade == 0 else scheme.grade_words.get(grade, f"grade {grade}")


def _finding(
    code: str,
    analytes: list[str],
    *,
    grade: int | None = None,
    note: str | None = None,
    scheme: Scheme | None = None,
    severity: str | None = None,
    extra: str = "",
    pattern: str | None = None,
) -> Finding:
    page = explain(code)
    explanation = " ".join(p for p in (page.meaning, extra, page.notice) if p)
    return Finding(
        code=code,
        analytes=analytes,
        grade=grade,
        grade_note=note,
        scheme=scheme.id if scheme else None,
        severity=severity or (_severity(grade, scheme) if scheme else "not graded"),
        title=page.title,
        explanation=explanation,
        action=page.action,
        pattern=pattern,  # type: ignore[arg-type]
    )


def _neutropenia_words(anc: _Checked) -> str:
    hi = anc.span[1]
    for limit, word in NEUTROPENIA_WORDS:
        if guard(hi) < limit:
            return f"In ASCO/IDSA terms this is {word} neutropenia (ANC below {limit:g} x10^9/L)."
    return ""


def _mcv_pattern(mcv: _Checked | None) -> str | None:
    if mcv is None or mcv.quantity.comparator is not None:
        return None
    v = guard(mcv.quantity.value)
    return "microcytic" if v < MCV_MICRO else "macrocytic" if v > MCV_MACRO else "normocytic"


def interpret_panel(panel: Panel, ranges: RangeTable, scheme: Scheme) -> Result:
    """Interpret one panel: flag each value, grade and explain findings, and set the urgency.

    Args:
        panel: the values (canonical units), the person's context and any lab ranges.
        ranges: the loaded reference ranges and critical limits.
        scheme: the grading scheme.

    Returns:
        The result; it never raises for clinical content (a value that cannot be flagged or
        graded is said so in the result).
    """
    patient = panel.patient
    values, notes = derive_counts(panel.values)
    checked: dict[str, _Checked] = {}
    analyte_results: list[AnalyteResult] = []
    for analyte_id in ANALYTES:
        if analyte_id in values:
            c, r = _check(panel, values[analyte_id], ranges)
            checked[analyte_id] = c
            analyte_results.append(r)
            if r.lab_flag and r.flag and r.lab_flag != r.flag:
                notes.append(f"the lab flagged {analyte_id} {r.lab_flag}; cbc's flag is {r.flag}")

    grades: dict[str, int | None] = {}
    outcome: dict[str, Grade] = {}
    for code, analyte_id, direction in FINDING_RULES:
        found = checked.get(analyte_id)
        if found is None:
            continue
        outcome[code] = g = _grade(code, direction, found, scheme, patient)
        if scheme.criteria_for(code):
            grades[code] = g.grade
    flags = {a: c.flag for a, c in checked.items()}
    # A reported bound ("<0.6") beyond the range at both ends is abnormal for certain, even when
    # it cannot be flagged L or LL.
    sure = {
        (a, d)
        for a, c in checked.items()
        for d, beyond in (("low", LOW_FLAGS), ("high", HIGH_FLAGS))
        if all(f in beyond for f in c.ends)
    }
    temp = patient.temperature_c
    anc = checked.get("anc")
    fever = temp is not None and temp >= FEVER_C
    febrile = fever and anc is not None and guard(anc.span[1]) < FN_ANC
    lab_critical = [
        r.analyte
        for r in analyte_results
        if r.flag not in ("LL", "HH") and (r.lab_flag or "").upper() in LAB_CRITICAL_FLAGS
    ]
    decision = decide(
        flags, grades, fever=fever, febrile=febrile, lab_critical=lab_critical, certain=sure
    )

    findings: list[Finding] = []
    for code in decision.codes:
        if code in outcome:
            findings.append(_single_finding(code, outcome[code], checked, scheme))
        elif code in ("pancytopenia", "bicytopenia"):
            findings.append(
                _finding(code, list(decision.low_lines), note="not graded: a pattern of findings")
            )
        elif code == "febrile-neutropenia" and temp is not None:
            how = (
                "a single reading of 38.3 C or more counts at once"
                if temp >= FEVER_SINGLE_C
                else "38.0 to 38.2 C counts when it lasts over an hour; treat it as urgent"
            )
            findings.append(
                _finding(
                    "febrile-neutropenia",
                    ["temperature", "anc"],
                    note=f"not graded; temperature {temp:g} C: {how}",
                    severity="emergency",
                )
            )
        elif code == "critical-value":
            note = "not graded: critical limits are lab policy"
            if lab_critical:
                note += f"; the lab flagged {', '.join(lab_critical)} as critical"
            findings.append(
                _finding("critical-value", list(decision.critical), severity="critical", note=note)
            )
    urgency, why = decision.urgency, decision.why
    if urgency in ("soon", "now"):
        # Each finding's text ends "share at your next contact"; under soon/now that would
        # contradict the care-team message, which governs.
        findings = [
            replace(f, action=f.action.replace(ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP))
            for f in findings
        ]
    if urgency == "none" and not any(r.flag not in (None, "no-range") for r in analyte_results):
        message = NOTHING_CHECKED_MESSAGE
    else:
        message = f"{why} {CARE_TEAM_MESSAGES[urgency]}".strip()
    if patient.pregnancy_trimester:
        notes.append(
            "only hemoglobin has pregnancy-specific limits in the shipped ranges; the other "
            "counts are compared with the ranges for the person's age and sex"
        )
    if patient.days_since_chemo is not None:
        notes.append(recovery_context(patient.days_since_chemo))
    return Result(
        sample_id=panel.sample_id,
        patient=patient_info(patient),
        analytes=analyte_results,
        findings=findings,
        grades=grades,
        urgency=urgency,
        message=message,
        notes=notes,
    )


class Decision(NamedTuple):
    """What a panel's flags and grades amount to: the finding codes in output order, the
    cytopenia lines behind a composite, the analytes at a critical level, and the urgency."""

    codes: tuple[str, ...]
    low_lines: tuple[str, ...]
    critical: tuple[str, ...]
    urgency: Urgency
    why: str


def decide(
    flags: Mapping[str, Flag | None],
    grades: Mapping[str, int | None],
    *,
    fever: bool = False,
    febrile: bool = False,
    lab_critical: Sequence[str] = (),
    certain: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
) -> Decision:
    """Findings and urgency from each analyte's flag and each graded term's grade.

    The one place these rules live: the engine calls it for each panel, the columnar batch path
    for each distinct combination of flags and grades.

    Args:
        flags: analyte id -> flag, for the analytes read.
        grades: finding code -> grade (None: cannot grade), for the terms the scheme grades.
        fever: a temperature of 38.0 C or more was given.
        febrile: fever with ANC below 0.5 (febrile neutropenia).
        lab_critical: analytes the lab flagged critical (HL7 LL/HH/AA) that cbc did not.
        certain: (analyte, "low"/"high") pairs certainly beyond the range though not flagged so
            (a reported bound such as "<0.6" that lies beyond it at both ends).
    """
    singles: list[str] = []
    for code, analyte_id, direction in FINDING_RULES:
        if analyte_id not in flags:
            continue
        beyond = LOW_FLAGS if direction == "low" else HIGH_FLAGS
        grade = grades.get(code)
        if flags[analyte_id] in beyond or (analyte_id, direction) in certain or (grade or 0) >= 1:
            singles.append(code)
    white = "anc" if "anc" in flags else "wbc"
    lines = {
        "hgb": "anemia" in singles,
        white: "neutropenia" in singles or ("anc" not in flags and "leukopenia" in singles),
        "plt": "thrombocytopenia" in singles,
    }
    low_lines = tuple(a for a, low in lines.items() if low)
    codes = list(singles)
    if len(low_lines) == 3:
        codes.append("pancytopenia")
    elif len(low_lines) == 2:
        codes.append("bicytopenia")
    if febrile:
        codes.append("febrile-neutropenia")
    critical = tuple(a for a, f in flags.items() if f in ("LL", "HH")) + tuple(lab_critical)
    if critical:
        codes.append("critical-value")
    severe = any((grades.get(c) or 0) >= 3 for c in singles)
    abnormal = any(f not in ("N", "no-range") for f in flags.values())
    urgency: Urgency
    if febrile:
        urgency, why = "now", "Fever with a very low neutrophil count is a medical emergency."
    elif fever and "neutropenia" in singles:
        urgency, why = (
            "now",
            (
                "Fever with a low neutrophil count needs attention now: the count can fall "
                "further within two days."
            ),
        )
    elif critical:
        urgency, why = (
            "now",
            "A value is beyond the limits at which labs phone the care team at once.",
        )
    elif len(low_lines) == 3:
        urgency, why = "soon", "All three kinds of blood cells are low."
    elif severe:
        urgency, why = "soon", "Some counts are very low or very high."
    elif fever and "anc" not in flags:
        # Neutropenia cannot be ruled out, and fever with it is an emergency (IDSA 2010).
        urgency, why = (
            "now",
            (
                "A fever can be an emergency when neutrophils are low, and no neutrophil count was "
                "given."
            ),
        )
    elif fever:
        # The seeds: seek care for a high fever. A normal count does not make a fever nothing.
        urgency, why = (
            "soon",
            "A fever needs your care team's attention even when the counts are not low.",
        )
    elif codes or abnormal:
        urgency, why = "routine", "Some results are outside their reference range."
    else:
        urgency, why = "none", ""
    return Decision(tuple(codes), low_lines, critical, urgency, why)


def _single_finding(code: str, g: Grade, checked: dict[str, _Checked], scheme: Scheme) -> Finding:
    """The finding of one analyte's term, with its grade, notes and explanation."""
    analyte_id = next(a for c, a, _ in FINDING_RULES if c == code)
    c = checked[analyte_id]
    extra = _neutropenia_words(c) if code == "neutropenia" else ""
    pattern = _mcv_pattern(checked.get("mcv")) if code == "anemia" else None
    if pattern:
        extra = MCV_PATTERNS[pattern]
    note = g.note
    if note is None and g.grade == 0 and g.criterion is not None:
        # Beyond the range yet below the scheme's lowest grade (leukocytosis under 100): the
        # criterion's note says why, as the grading files promise for every grade.
        note = g.criterion.note
    if c.flag == "no-range" and g.grade:
        fixed = "no reference range applies: graded by the scheme's fixed cut-offs only."
        note = f"{fixed} {note}" if note else fixed
    return _finding(
        code, [analyte_id], grade=g.grade, note=note, scheme=scheme, extra=extra, pattern=pattern
    )


def patient_info(patient: Patient) -> PatientInfo:
    """The output form of the person's context."""
    return PatientInfo(
        sex=patient.sex,
        age=str(patient.age) if patient.age else None,
        age_exact=bool(patient.age and patient.age.is_exact),
        pregnancy_trimester=patient.pregnancy_trimester,
        profiles=list(patient.profiles),
        temperature_c=patient.temperature_c,
        days_since_chemo=patient.days_since_chemo,
    )


def max_urgency(urgencies: list[Urgency]) -> Urgency:
    """The most urgent of several urgencies (``none`` for an empty list)."""
    return max(urgencies, key=URGENCY_ORDER.index, default="none")
