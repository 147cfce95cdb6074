"""Each finding with its grade, notes and plain words: a single count's term, and the
words one value puts into another's finding (docs/clinical.md sections 4-6)."""

from __future__ import annotations

from collections.abc import Mapping

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.decide import FEVER_C, FEVER_SINGLE_C, LINE_TERMS, PATTERN_GRADE, Decision
from cbc_cli.engine.person import reader, young_child
from cbc_cli.engine.values import FINDING_RULES, HIGH_TERMS, Checked
from cbc_cli.explanations import MCV_PATTERNS, finding_words
from cbc_cli.grading import Grade, Scheme, guard
from cbc_cli.models import Finding, Flag
from cbc_cli.panel import Patient
from cbc_cli.units import Quantity

# Anemia by MCV (docs/clinical.md section 5): microcytic < 80 fL, normocytic 80-100,
# macrocytic > 100.
MCV_MICRO, MCV_MACRO = 80.0, 100.0
# A white count above this (10^9/L) is hyperleukocytosis (CTCAE v5.0 grade 3 leukocytosis): its
# explanation says it needs review now and what it is mostly seen with (explanations,
# _CRITICAL_HIGH_WORDS).
VERY_HIGH_WBC = 100.0
# ASCO/IDSA neutropenia words (docs/clinical.md section 4): each band is [low, high) in 10^9/L.
NEUTROPENIA_WORDS = ((0.1, "profound"), (0.5, "severe"), (1.0, "moderate"), (1.5, "mild"))


def _severity(grade: int | None, scheme: Scheme) -> str:
    if grade is None:
        return "not graded"
    return "below grade 1" if grade == 0 else scheme.grade_words.get(grade, f"grade {grade}")


def make_finding(
    code: str,
    analytes: list[str],
    *,
    grade: int | None = None,
    note: str | None = None,
    scheme: Scheme | None = None,
    severity: str | None = None,
    extra: str = "",
    pattern: str | None = None,
    patient: Patient | None = None,
    high_level: str = "",
    with_precautions: bool = True,
    critical: tuple[str, ...] = (),
    febrile: bool = False,
    high_analytes: tuple[str, ...] = (),
    low_analytes: tuple[str, ...] = (),
    urgent: bool = False,
    lab_only: bool = False,
) -> Finding:
    """One finding: its grade and severity (in the scheme's words), notes, and the plain words
    explanations.finding_words gives for this person and situation (``urgent``: the care-team
    message asks for contact soon or now; ``lab_only``: a critical value only the lab flagged)."""
    person = patient or Patient()
    young = young_child(person)
    words = finding_words(
        code,
        extra=extra,
        fever=has_fever(person),
        days_since_chemo=person.days_since_chemo,
        with_precautions=with_precautions,
        critical=critical,
        febrile=febrile,
        person=reader(person),
        high_level=high_level,
        high_analytes=high_analytes,
        low_analytes=low_analytes,
        urgent=urgent,
        lab_only=lab_only,
        infant=young == "infant",
        toddler=young == "toddler",
    )
    return Finding(
        code=code,
        analytes=analytes,
        grade=grade,
        grade_note=note,
        scheme=scheme.id if scheme else None,
        severity=severity or (_severity(grade, scheme) if scheme else "not graded"),
        title=words.title,
        explanation=words.explanation,
        action=words.action,
        measures=words.measures,
        meaning=words.meaning,
        notice=words.notice,
        precautions=words.precautions,
        background=words.background,
        topics=list(words.topics),
        pattern=pattern,  # type: ignore[arg-type]
    )


def has_fever(patient: Patient) -> bool:
    """A temperature of 38.0 C or more was given (the words then never ask to watch for one)."""
    return patient.temperature_c is not None and patient.temperature_c >= FEVER_C


def _neutropenia_words(anc: Checked, grade: int | None) -> str:
    """The ASCO/IDSA severity word, only when the scheme could not grade the count: a graded
    count shows its scheme's word alone, so a person never reads two answers for one count
    (CTCAE grade 2 is "moderate" where ASCO/IDSA says "mild"; docs/clinical.md section 4)."""
    if grade is not None:
        return ""
    hi = anc.span[1]
    bound = anc.quantity.comparator is not None
    for limit, word in NEUTROPENIA_WORDS:
        if guard(hi) < limit:
            least = f"at least {word}" if bound and word != "profound" else word
            return f"In ASCO/IDSA terms this is {least} neutropenia (ANC below {limit:g} x10^9/L)."
    return ""


def cross_words(q: Quantity) -> str | None:
    """What one value puts into the words of another analyte's finding: an MCV's red-cell size
    pattern (microcytic, normocytic, macrocytic), named in the anemia finding; None for any other
    value, and for a reported bound. Everything else a finding says of a value comes from that
    value alone (the columnar JSON sink, cbc_cli.json_sink, keys its finding texts by both)."""
    if q.analyte != "mcv" or q.comparator is not None:
        return None
    v = guard(q.value)
    return "microcytic" if v < MCV_MICRO else "macrocytic" if v > MCV_MACRO else "normocytic"


# Bleeding precautions are shown below this platelet count (10^9/L), the CTCAE v5.0 grade 3
# cut-off; infection precautions from this grade of neutropenia, leukopenia or lymphopenia
# (docs/clinical.md section 5).
PLT_PRECAUTIONS = 50.0
PRECAUTIONS_GRADE = 2
# Days after chemotherapy during which a low white count may still be falling to its low point
# or climbing back from it: counts are usually lowest about day 7-14 and near normal within about
# four weeks (Cancer Treatment Centers of America, Nadir; Sunnybrook: neutrophils rise 3-4 weeks
# after; docs/clinical.md section 5). Within it, infection precautions show at grade 1 too.
CHEMO_WINDOW_DAYS = 28


def in_chemo_window(days_since_chemo: int | None) -> bool:
    """Whether day N after chemotherapy lies in the usual fall-and-recovery window (day 0 to
    CHEMO_WINDOW_DAYS); False when the days are not given."""
    return days_since_chemo is not None and 0 <= days_since_chemo <= CHEMO_WINDOW_DAYS


def hct_finding(
    code: str, flag: Flag | None, scheme: Scheme, patient: Patient, *, urgent: bool = False
) -> Finding:
    """Erythrocytosis or anemia from the hematocrit alone (decide.hct_erythrocytosis,
    decide.hct_anemia): not graded, as the schemes grade the hemoglobin only; beyond the
    critical high limit, worded as urgent."""
    side = "high" if code == "erythrocytosis" else "low"
    if scheme.criteria_for(code):
        why = f"{scheme.title} grades a {side} hemoglobin, not a hematocrit"
    else:
        why = f"{scheme.title} has no criteria for {code}"
    return make_finding(
        code,
        ["hct"],
        note=f"not graded: {why}",
        scheme=scheme,
        severity="not graded",
        patient=patient,
        high_level="critical" if flag == "HH" else "",
        urgent=urgent,
    )


def single_finding(
    code: str,
    g: Grade,
    checked: dict[str, Checked],
    scheme: Scheme,
    patient: Patient,
    *,
    urgent: bool = False,
) -> Finding:
    """The finding of one analyte's term, with its grade, notes and explanation."""
    analyte_id = next(a for c, a, _ in FINDING_RULES if c == code)
    c = checked[analyte_id]
    extra = _neutropenia_words(c, g.grade) if code == "neutropenia" else ""
    mcv = checked.get("mcv")
    pattern = cross_words(mcv.quantity) if code == "anemia" and mcv else None
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
    # A count beyond its critical high limit (or a white count above 100) is worded for what it
    # can be seen with and why it is urgent, never "the body's normal answer".
    high_level = ""
    if code == "leukocytosis" and guard(c.span[0]) > VERY_HIGH_WBC:
        high_level = "hyper"
    elif code in HIGH_TERMS and c.flag == "HH":
        high_level = "critical"
    # Precautions where they apply (docs/clinical.md section 5): bleeding precautions below
    # 50 x10^9/L platelets (CTCAE v5.0 grade 3 and worse); infection precautions from grade 2
    # (or when the grade cannot be told), and at any grade within CHEMO_WINDOW_DAYS of
    # chemotherapy, when the count may still be falling to its low point. A milder count keeps
    # its explanation.
    if code == "thrombocytopenia":
        with_precautions = guard(c.span[0]) < PLT_PRECAUTIONS
    else:
        with_precautions = (
            g.grade is None
            or g.grade >= PRECAUTIONS_GRADE
            or in_chemo_window(patient.days_since_chemo)
        )
    if (
        reader(patient) == "newborn"
        and g.grade
        and g.criterion is not None
        and g.criterion.age_from.n == 0
        and g.criterion.age_to is None
    ):
        # The scheme's cut-offs are the same at every age (CTCAE), while a newborn's usual counts
        # differ from an older child's in the first weeks (DAIDS grades newborns by days of age:
        # docs/clinical.md section 4): the grade is kept, with what it does not take in.
        fits = (
            f"{scheme.title} uses the same cut-offs at every age, not a newborn's; the range "
            "and the newborn critical limits for the baby's age are the better guide."
        )
        # A sentence of its own, ending with a full stop, after a note that ends with one;
        # else joined to the note's last clause.
        sep = " " if (note or "").endswith(".") else "; "
        note = f"{note}{sep}{fits}" if note else fits
    severity = None
    if g.grade == 4:
        # A scheme's grade-4 word (CTCAE: life-threatening) describes a person's condition;
        # from a count alone it is the band the count falls in, not a judgement of the person.
        severity = f"count in the {scheme.grade_words.get(4, 'grade 4')} band"
    return make_finding(
        code,
        [analyte_id],
        grade=g.grade,
        note=note,
        scheme=scheme,
        severity=severity,
        extra=extra,
        pattern=pattern,
        patient=patient,
        high_level=high_level,
        with_precautions=with_precautions,
        urgent=urgent,
    )


def pattern_finding(
    code: str, decision: Decision, grades: Mapping[str, int | None], patient: Patient
) -> Finding:
    """A pattern of low lines (``pancytopenia``, ``bicytopenia``), not graded; its note says so
    when no line is bad enough for the pattern to raise the urgency (decide, rule 5)."""
    note = "not graded: a pattern of findings"
    line_grades = [grades.get(LINE_TERMS[a]) for a in decision.low_lines]
    mild = all(g is not None and g < PATTERN_GRADE for g in line_grades)
    if mild:
        # Said so that a mild pattern's "routine" does not read as an oversight.
        note += (
            f"; no line is grade {PATTERN_GRADE} or worse, so the pattern does not raise "
            "the urgency by itself"
        )
    return make_finding(
        code,
        list(decision.low_lines),
        note=note,
        patient=patient,
        with_precautions=not mild,
        urgent=decision.urgent,
    )


def febrile_finding(temp: float, patient: Patient, *, urgent: bool = False) -> Finding:
    """Febrile neutropenia, not graded: its note says how the temperature counts (a single
    reading of FEVER_SINGLE_C or more at once; a lower fever, in the definition, when it lasts
    over an hour, which no one should wait to see)."""
    how = (
        "a single reading of 38.3 C or more counts at once"
        if temp >= FEVER_SINGLE_C
        # What to do first: "counts when it lasts over an hour" alone read to a nurse reviewer
        # as "wait an hour" (patients are told to call at 38.0 C: Cancer.Net, docs/clinical.md).
        else "act now, without waiting to recheck it (the definition counts 38.0 to 38.2 C "
        "when it lasts over an hour)"
    )
    return make_finding(
        "febrile-neutropenia",
        ["temperature", "anc"],
        note=f"not graded; temperature {temp:g} C: {how}",
        severity="emergency",
        patient=patient,
        urgent=urgent,
    )


def critical_finding(
    decision: Decision,
    flags: Mapping[str, Flag | None],
    lab_critical: Mapping[str, str],
    patient: Patient,
) -> Finding:
    """The critical value of the analytes decide found critical (``lab_critical``: those the lab
    flagged critical that cbc did not, with the lab's flag), worded for the directions known."""
    note = "not graded: critical limits are lab policy"
    flagged = [a for a in lab_critical if a in decision.critical]
    if flagged:
        names = ", ".join(ANALYTES[a].name if a in ANALYTES else a for a in flagged)
        note += f"; the lab flagged {names} as critical"
    # cbc's own LL or HH, else the lab's critical flag (an "AA" has no direction).
    side = {
        a: {"LL": "low", "HH": "high"}.get(
            f if (f := flags.get(a)) in ("LL", "HH") else lab_critical.get(a, ""), ""
        )
        for a in decision.critical
    }
    ways = set(side.values())
    return make_finding(
        "critical-value",
        list(decision.critical),
        severity="critical",
        note=note,
        patient=patient,
        # An "AA" from the lab has no direction: the words then cover both.
        critical=() if "" in ways else tuple(sorted(ways)),
        febrile="febrile-neutropenia" in decision.codes,
        high_analytes=tuple(a for a in decision.critical if side[a] == "high"),
        # Every count's own signs, or (a direction unknown) the signs of every low count.
        low_analytes=() if "" in ways else tuple(a for a in decision.critical if side[a] == "low"),
        urgent=decision.urgent,
        lab_only=bool(decision.critical) and set(decision.critical) <= set(lab_critical),
    )
