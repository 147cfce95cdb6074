"""Interpreting one panel: each value judged, the findings and urgency decided, the words and
notes put together into the one result model (a pure function: no I/O)."""

from __future__ import annotations

from dataclasses import replace

from cbc_cli.age import NEWBORN_UNTIL, AgeBound, at_least
from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.agree import consistency_notes
from cbc_cli.engine.care import care_message, deferred_wbc_note
from cbc_cli.engine.decide import (
    FEVER_C,
    FN_ANC,
    LAB_ABNORMAL_FLAGS,
    NEWBORN_LOW_TEMP_C,
    decide,
)
from cbc_cli.engine.derive import derive_counts, is_derived
from cbc_cli.engine.findings import (
    critical_finding,
    febrile_finding,
    hct_finding,
    pattern_finding,
    single_finding,
)
from cbc_cli.engine.notes import (
    coarse_age_words,
    envelope_note,
    flags_disagree,
    group_word,
    lab_flag_note,
    newborn_critical_words,
    profile_notes,
    whose_limit,
)
from cbc_cli.engine.person import is_child, patient_info, reader, young_child
from cbc_cli.engine.values import (
    FINDING_RULES,
    LAB_CRITICAL_FLAGS,
    Checked,
    Judgement,
    judge_value,
    reported_value,
    shown_value,
    value_basis,
)
from cbc_cli.explanations import (
    recovery_context,
    transplant_context,
)
from cbc_cli.grading import Grade, Scheme, guard
from cbc_cli.models import AnalyteResult, Finding, RangeInfo, Result
from cbc_cli.panel import LabRange, Panel
from cbc_cli.ranges import RangeTable, ReferenceRange
from cbc_cli.units import Quantity

YOUNG_BABY_UNTIL = AgeBound(3, "m")
"""Under this age a temperature of 38.0 C or more is a high-risk sign whatever else is seen
(NICE NG143; docs/clinical.md section 5): the safety line names it (engine.care)."""
SIX_MONTHS = AgeBound(6, "m")
"""From YOUNG_BABY_UNTIL to this age a temperature of 39.0 C or more is NICE NG143's threshold
(intermediate risk): the safety line names it instead of "a high fever" (engine.care)."""


def _check(
    panel: Panel, q: Quantity, ranges: RangeTable, scheme: Scheme
) -> tuple[Checked, AnalyteResult, Judgement]:
    analyte = ANALYTES[q.analyte]
    patient = panel.patient
    lab = panel.lab_ranges.get(q.analyte)
    basis = value_basis(q.analyte, patient, ranges, scheme, lab)
    judged = judge_value(q, basis)
    c_low, c_high = basis.critical_low, basis.critical_high
    note: str | None = None
    if lab is not None:
        applied: LabRange | ReferenceRange | None = lab
    else:
        chosen = ranges.select(q.analyte, patient)
        applied, note = chosen.range, chosen.reason
    # No single range was chosen: the JSON's reference_range stays null and the note says how
    # the value was judged against every range that could apply.
    info = (
        None
        if applied is None
        else RangeInfo(
            low=applied.low,
            high=applied.high,
            unit=analyte.unit,
            source=applied.source,
            origin=applied.origin if isinstance(applied, ReferenceRange) else "lab",
            critical_low=c_low,
            critical_high=c_high,
        )
    )
    flag = judged.flag
    critical_first = False  # the note opens "beyond the critical limit" (no range says so)
    if basis.envelope and judged.verdict is not None:
        note = envelope_note(patient, judged.verdict, note)
    if flag is None:
        note = f"reported as {q.input}, which lies on both sides of a limit: cannot flag"
    elif flag in ("LL", "HH") and (basis.limits is None or basis.envelope) and note:
        critical_first = True
    elif info is not None and (info.low is None) != (info.high is None):
        side = "upper" if info.high is None else "lower"
        word = "high" if info.high is None else "low"
        note = f"the range applied has no {side} limit, so a {word} value cannot be flagged"
    for direction in judged.critical_some_ages:
        own = c_low if direction == "low" else c_high
        other = basis.every_age_low if direction == "low" else basis.every_age_high
        side = "below" if direction == "low" else "above"
        unit = f"x{analyte.unit}" if analyte.unit.startswith("10^") else analyte.unit
        # Said with the value: its urgency holds for some ages only, whose (named when the
        # rows tell), and the age would tell (docs/clinical.md section 5).
        stricter = whose_limit(ranges, q.analyte, patient, direction, own)
        looser = whose_limit(ranges, q.analyte, patient, direction, other)
        if patient.age is not None:
            some = coarse_age_words(ranges, q.analyte, patient, direction)
        elif stricter and looser and own is not None and other is not None:
            some = (
                f"age not given: {side} {own:g} {unit}, the limit at which labs phone the care "
                f"team at once for {stricter}; for {looser} the limit is {other:g}, so this value "
                f"is critical for {group_word(stricter)} but not for {group_word(looser)}; "
                "give the age so that the person's own limit applies"
            )
        else:
            some = (
                f"age not given: {side} {own:g} {unit}, critical for some ages (the stricter of "
                "the children's and the adults' limits at which labs phone the care team at "
                f"once; the looser limit is {other:g}); give the age so that the person's own "
                "limit applies"
            )
        note = f"{note}; {some}" if note else some
    newborn = newborn_critical_words(q.analyte, judged.newborn)
    if newborn:  # first: a parent of a baby must not miss it behind the range's words
        note = f"{newborn}; {note}" if note else newborn
    lab_flag = panel.lab_flags.get(q.analyte)
    result = AnalyteResult(
        analyte=q.analyte,
        name=analyte.name,
        value=reported_value(q.value),
        unit=analyte.unit,
        input=q.input,
        unit_given=q.unit,
        comparator=q.comparator,  # type: ignore[arg-type]
        derived=is_derived(q),
        flag=flag,
        reference_range=info,
        range_note=f"beyond the critical limit; {note}" if critical_first else note,
        lab_flag=lab_flag,
    )
    checked = Checked(
        q, judged.low, judged.high, flag, judged.span, judged.ends, judged.crossed, note
    )
    return checked, result, judged


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
    checked: dict[str, Checked] = {}
    judged: dict[str, Judgement] = {}
    analyte_results: list[AnalyteResult] = []
    for analyte_id in ANALYTES:
        if analyte_id in values:
            c, r, judged[analyte_id] = _check(panel, values[analyte_id], ranges, scheme)
            checked[analyte_id] = c
            analyte_results.append(r)
            if r.lab_flag and r.flag and flags_disagree(r.lab_flag, r.flag):
                notes.append(lab_flag_note(r))

    grades: dict[str, int | None] = {}
    outcome: dict[str, Grade] = {}
    for j in judged.values():
        outcome.update(j.grades)
    for code, _, _ in FINDING_RULES:
        if code in outcome and scheme.criteria_for(code):
            grades[code] = outcome[code].grade
    flags = {a: c.flag for a, c in checked.items()}
    # A reported bound ("<0.6") beyond the range at both ends is abnormal for certain, even when
    # it cannot be flagged L or LL.
    sure = {(a, d) for a, j in judged.items() for d in j.certain}
    temp = patient.temperature_c
    anc = checked.get("anc")
    fever = temp is not None and temp >= FEVER_C
    febrile = fever and anc is not None and guard(anc.span[1]) < FN_ANC
    young_baby = patient.age is not None and not at_least(patient.age, YOUNG_BABY_UNTIL)
    newborn = reader(patient) == "newborn"
    # Below NEWBORN_LOW_TEMP_C, for a baby who may be under 1 month (an age such as 28d cannot
    # tell): a missing fact never weakens an urgent answer (decide, rule 4c).
    cold = temp is not None and temp < NEWBORN_LOW_TEMP_C
    may_be_newborn = patient.age is not None and at_least(patient.age, NEWBORN_UNTIL) is not True
    cold_newborn = cold and may_be_newborn
    lab_critical = {
        r.analyte: (r.lab_flag or "").upper()
        for r in analyte_results
        if r.flag not in ("LL", "HH") and (r.lab_flag or "").upper() in LAB_CRITICAL_FLAGS
    }
    # A value within cbc's range that the lab flagged outside its own (the lab's range is not
    # given): never "nothing out of range" (decide, rule 8).
    lab_abnormal = [
        r.analyte
        for r in analyte_results
        if r.flag == "N" and (r.lab_flag or "").upper() in LAB_ABNORMAL_FLAGS
    ]
    decision = decide(
        flags,
        grades,
        fever=fever,
        febrile=febrile,
        lab_critical=lab_critical,
        lab_abnormal=lab_abnormal,
        certain=sure,
        unread=panel.unread,
        critical_some_ages={(a, d) for a, j in judged.items() for d in j.critical_some_ages},
        critical_limits={a: c.limit for a, c in checked.items() if c.limit is not None},
        age_given=patient.age is not None,
        newborn={(a, n) for a, j in judged.items() for n in j.newborn},
        prompt=[(a, d) for a, j in judged.items() for d in j.prompt],
        young_baby=young_baby,
        cold_newborn=cold_newborn,
    )
    notes.extend(profile_notes(panel, checked, ranges))

    findings: list[Finding] = []
    for code in decision.codes:
        if code in decision.ungraded:
            # Erythrocytosis (or anemia) the hemoglobin does not show comes from the hematocrit.
            findings.append(
                hct_finding(code, flags.get("hct"), scheme, patient, urgent=decision.urgent)
            )
        elif code in outcome:
            findings.append(
                single_finding(
                    code, outcome[code], checked, scheme, patient, urgent=decision.urgent
                )
            )
        elif code in ("pancytopenia", "bicytopenia"):
            findings.append(pattern_finding(code, decision, grades, patient))
        elif code == "febrile-neutropenia" and temp is not None:
            findings.append(febrile_finding(temp, patient, urgent=decision.urgent))
        elif code == "critical-value":
            findings.append(critical_finding(decision, flags, lab_critical, patient))
    urgency = decision.urgency
    if "wbc" in decision.deferred and anc is not None:
        # The WBC row says itself why its LL does not set the urgency (the flag stays LL).
        analyte_results = [
            replace(
                r,
                range_note=deferred_wbc_note(
                    shown_value(anc.quantity), checked["wbc"].note, anc.flag
                ),
            )
            if r.analyte == "wbc"
            else r
            for r in analyte_results
        ]
    young = young_child(patient)
    message, safety = care_message(
        decision,
        [r.flag for r in analyte_results],
        fever=fever,
        after_chemo=patient.days_since_chemo is not None,
        child=is_child(patient),
        newborn=newborn,
        young_baby=young_baby,
        under_six_months=patient.age is not None and not at_least(patient.age, SIX_MONTHS),
        infant=young == "infant",
        age_unknown=patient.age is None,
        cold=cold,
        toddler=young == "toddler",
    )
    if patient.pregnancy_trimester:
        notes.append(
            "only hemoglobin and hematocrit have pregnancy-specific limits in the shipped ranges; "
            "the other counts are compared with the ranges for the person's age and sex"
        )
    if patient.days_since_chemo is not None:
        notes.append(recovery_context(patient.days_since_chemo, child=is_child(patient)))
    if patient.transplant is not None:
        notes.append(transplant_context(patient.transplant, child=is_child(patient)))
    return Result(
        sample_id=panel.sample_id,
        patient_id=panel.patient_id,
        collected_at=panel.collected.iso() if panel.collected else None,
        patient=patient_info(patient),
        analytes=analyte_results,
        findings=findings,
        grades=grades,
        urgency=urgency,
        newborn_urgency="now"
        if urgency != "now" and (decision.newborn or (patient.age is None and (fever or cold)))
        else None,
        message=message,
        safety=safety,
        consistency=consistency_notes(values, panel.values.get("anc")),
        notes=notes,
    )
