"""Findings and urgency from a panel's flags and grades: :func:`decide`, the one place these
rules live (README "Urgency"; docs/clinical.md section 5)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.newborn import NewbornLimit, newborn_order
from cbc_cli.engine.reasons import critical_words, prompt_words, severe_words, unjudged_words
from cbc_cli.engine.values import FINDING_RULES, HIGH_FLAGS, LOW_FLAGS
from cbc_cli.models import URGENCY_ORDER, Flag, Urgency

# Fever with neutropenia, IDSA 2010 / ASCO-IDSA 2018 (docs/clinical.md section 5): a single
# reading of 38.3 C or more, or 38.0 C or more sustained over an hour, with ANC below 0.5 x10^9/L.
FEVER_C = 38.0
FEVER_SINGLE_C = 38.3
FN_ANC = 0.5
# A newborn's temperature this low can be the sign of an infection instead of a fever (Fein and
# Avner 2019, The Febrile or Septic-Appearing Neonate; docs/clinical.md section 5).
NEWBORN_LOW_TEMP_C = 36.0
LAB_ABNORMAL_FLAGS = frozenset({"L", "H", "A"})
"""The lab's flags (HL7 table 0078) for a value outside its own range, not critically: a value
within cbc's range so flagged is no "nothing out of range" (rule 8)."""


class Decision(NamedTuple):
    """What a panel's flags and grades amount to: the finding codes in output order, the
    cytopenia lines behind a composite, the analytes at a critical level, the urgency and why,
    and the analytes beyond a critical limit that did not count as critical (``deferred``)."""

    codes: tuple[str, ...]
    low_lines: tuple[str, ...]
    critical: tuple[str, ...]
    urgency: Urgency
    why: str
    deferred: tuple[str, ...] = ()
    ungraded: tuple[str, ...] = ()
    """Finding codes decided without their term's grade: erythrocytosis or anemia from the
    hematocrit alone (hct_erythrocytosis, hct_anemia), which the schemes do not grade."""
    newborn: tuple[tuple[str, NewbornLimit], ...] = ()
    """No age given: (analyte, newborn limit) for each value beyond a newborn's own critical
    limit and no limit from 1 month up, in catalogue order: the message says what it would
    mean for a baby (engine.care), the urgency being the one the other limits give."""

    def finding_grade(self, code: str, grades: Mapping[str, int | None]) -> int | None:
        """The grade the finding ``code`` carries: its term's grade, or None for a finding no
        term grades (a pattern, a critical value) or decided without it (``ungraded``)."""
        return None if code in self.ungraded else grades.get(code)

    @property
    def urgent(self) -> bool:
        """The care-team message asks for contact soon or now: the findings' own actions then
        point to it instead of the next visit."""
        return self.urgency in ("soon", "now")


# The term that grades each cell line of a cytopenia pattern.
LINE_TERMS = {
    "hgb": "anemia",
    "hct": "anemia",  # a low hematocrit with no hemoglobin given: not graded (hct_anemia)
    "anc": "neutropenia",
    "wbc": "leukopenia",
    "plt": "thrombocytopenia",
}
# A pattern of cytopenias raises the urgency when one of its lines is at least this grade.
PATTERN_GRADE = 2


# Grades from this one up make a finding "severe" for urgency (CTCAE grade 3 and 4).
SEVERE_GRADE = 3
_DEFINITE_FLAGS = frozenset({"LL", "L", "N", "H", "HH", "no-range"})
_NOT_ABNORMAL = frozenset({"N", "no-range", None})


def hct_erythrocytosis(
    flags: Mapping[str, Flag | None], certain: Collection[tuple[str, str]] = ()
) -> bool:
    """Whether a high hematocrit gives the erythrocytosis finding that the hemoglobin does not
    (decide): the hematocrit is high (or certainly above its range) and the hemoglobin is not
    given or not low. The same excess of red cells shows in either count; a newborn's
    polycythemia is even defined by the venous hematocrit (65% or more: Walter AW, Merck Manual
    Professional 2022, docs/clinical.md section 5). The schemes grade the hemoglobin only, so
    such a finding is not graded."""
    high = flags.get("hct") in HIGH_FLAGS or ("hct", "high") in certain
    return high and flags.get("hgb") not in LOW_FLAGS


def hct_anemia(flags: Mapping[str, Flag | None], certain: Collection[tuple[str, str]] = ()) -> bool:
    """Whether a low hematocrit gives the anemia finding when no hemoglobin was given (decide):
    the hematocrit is low (or certainly below its range). The same shortage of red cells shows
    in either count (docs/clinical.md section 2); the schemes grade the hemoglobin only, so such
    a finding is not graded. A hemoglobin given judges the anemia itself."""
    low = flags.get("hct") in LOW_FLAGS or ("hct", "low") in certain
    return low and "hgb" not in flags


def decide(
    flags: Mapping[str, Flag | None],
    grades: Mapping[str, int | None],
    *,
    fever: bool = False,
    febrile: bool = False,
    lab_critical: Mapping[str, str] | Sequence[str] = (),
    lab_abnormal: Collection[str] = (),
    certain: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
    unread: Collection[str] = (),
    critical_some_ages: Collection[tuple[str, str]] = (),
    critical_limits: Mapping[str, float] | None = None,
    age_given: bool = False,
    newborn: Collection[tuple[str, NewbornLimit]] = (),
    prompt: Collection[tuple[str, str]] = (),
    young_baby: bool = False,
    cold_newborn: bool = False,
) -> Decision:
    """Findings and urgency from each analyte's flag and each graded term's grade.

    The one place these rules live: the engine calls it for each panel, the columnar batch path
    for each distinct combination of flags and grades (without temperature, which the columnar
    path leaves to this engine's row-by-row path). The first rule that holds sets the urgency
    (README "Urgency"; docs/clinical.md section 5). Each rule: urgency | when | source.

    1. now | fever (38.0 C or more) with ANC below 0.5 x10^9/L: febrile neutropenia |
       IDSA 2010 (Freifeld et al., Clin Infect Dis 2011;52:e56); ASCO/IDSA 2018 (Taplitz et
       al., J Clin Oncol 2018;36:1443).
    2. now | fever with any neutropenia (ANC below its range, or graded 1 or more) |
       ASCO/IDSA 2018 also counts an ANC expected to fall below 0.5 within 48 h, which one
       count cannot rule out.
    3. now | fever with no ANC that could be judged (none given, or no range and no grade for
       it) | project rule: a missing value never weakens an urgent answer.
    4. now | a value beyond a critical limit (flag LL/HH) or flagged critical by the lab (HL7
       LL/HH/AA), except a low WBC when the ANC could be flagged: that WBC is ``deferred``, as
       its danger is its neutrophils', which the ANC's own grade and critical limit judge |
       Kost, JAMA 1990;263:704 (critical limits are lab policy, shipped as data).
    4b. now | fever in a baby who may be under 3 months (``young_baby``), whatever the counts
       | NICE NG143 (a temperature of 38 C or more under 3 months is a high-risk sign); Fein and
       Avner 2019 (in the first 28 days it needs evaluation at once).
    4c. now | a temperature below 36.0 C in a baby who may be under 1 month (``cold_newborn``) |
       Fein and Avner 2019 (a low temperature can be a newborn's sign of infection, not a fever).
    5. soon | pancytopenia with a line (hemoglobin, ANC or else WBC, platelets) of grade 2 or
       worse in the scheme used, or a line that cannot be graded | project choice on NCI
       CTCAE v5.0 grades.
    6. soon | any finding of grade 3 or 4 | NCI CTCAE v5.0.
    6b. soon | a value beyond a prompt limit (``prompt``, engine.prompt): a hematocrit of 65%
       or more for a baby who may be under 1 month old (polycythemia, Walter 2022, Merck Manual
       Professional), or below 24% with no hemoglobin given (about CTCAE anemia grade 3) |
       project choice.
    7. soon | fever with counts that are not low | a high fever calls for care
       (docs/clinical.md section 5).
    8. routine | any other finding or value outside its range, bicytopenia and grade-1
       pancytopenia included, or a value within cbc's range that the lab flagged outside its
       own (``lab_abnormal``) | project choice.
    9. routine | a count that could not be judged: given but unreadable (``unread``), or a
       count (hemoglobin, WBC, ANC, ALC, platelets) with neither a flag against a range nor a
       grade in each direction its scheme grades, or no value at all that could be judged |
       project rule: "cannot grade" is never "normal" (docs/clinical.md section 4).
    10. none | everything checked within range and no fever.

    Pancytopenia and bicytopenia add no urgency beyond rule 5: a pattern of values each just
    under its limit (CTCAE grade 1: mild, no intervention indicated) is not escalated past
    what its worst value warrants. Grade 2 is CTCAE's first grade at which an intervention may
    be indicated, and hemoglobin below 10 g/dL (anemia grade 2) is the IPSS cytopenia cut-off
    (Greenberg et al., Blood 1997;89:2079): from there three low lines together are worth a
    call within a day.

    Args:
        flags: analyte id -> flag, for the analytes read (None: cannot flag, a reported bound
            across a limit).
        grades: finding code -> grade (None: cannot grade), for the terms the scheme grades.
        fever: a temperature of 38.0 C or more was given.
        febrile: fever with ANC below 0.5 (febrile neutropenia).
        lab_critical: analytes the lab flagged critical (HL7 LL/HH/AA) that cbc did not, with
            the lab's flag when known.
        lab_abnormal: analytes within cbc's range (flag N) that the lab flagged L, H or A by its
            own range (rule 8).
        certain: (analyte, "low"/"high") pairs certainly beyond the range though not flagged so
            (a reported bound such as "<0.6" that lies beyond it at both ends).
        unread: analytes whose value was given but could not be read (rule 9).
        critical_some_ages: (analyte, "low"/"high") pairs whose value is critical (rule 4)
            for some of the ages the person could be only, the age not given or too coarse
            (Judgement.critical_some_ages): rule 4's message says that the age would tell.
        critical_limits: analyte -> the critical limit its LL or HH value is beyond, which
            rule 4's message names with the count (critical_words).
        age_given: an age was given (too coarse to choose one limit, for critical_some_ages).
        newborn: (analyte, limit) for each value beyond a newborn's own critical limit when no
            age is given (Judgement.newborn): kept in the decision for its message.
        prompt: (analyte, "low"/"high") beyond its prompt limit (Judgement.prompt), rule 6b;
            a low hematocrit counts only when no hemoglobin was given (it then judges).
        young_baby: the person may be a baby under 3 months (an age given that cannot tell
            counts): a fever is rule 4b.
        cold_newborn: a temperature below NEWBORN_LOW_TEMP_C was given for a baby under 1
            month (rule 4c).
    """
    singles: list[str] = []
    for code, analyte_id, direction, beyond in _RULES:
        flag = flags.get(analyte_id, _ABSENT)
        if flag is _ABSENT:
            continue
        if flag in beyond or (grades.get(code) or 0) >= 1 or (analyte_id, direction) in certain:
            singles.append(code)
    ungraded: tuple[str, ...] = ()
    if (
        "erythrocytosis" not in singles
        and "anemia" not in singles  # a low hemoglobin (by flag, bound or grade) says otherwise
        and hct_erythrocytosis(flags, certain)
    ):
        # In FINDING_RULES order: after anemia (absent here), before the rest.
        singles.insert(0, "erythrocytosis")
        ungraded = ("erythrocytosis",)
    elif "anemia" not in singles and hct_anemia(flags, certain):
        singles.insert(0, "anemia")  # first, as in FINDING_RULES
        ungraded = ("anemia",)
    white = "anc" if "anc" in flags else "wbc"
    red = "hct" if ungraded == ("anemia",) else "hgb"  # the count that shows the anemia
    lines = {
        red: "anemia" in singles,
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
    # A low WBC is dangerous through its neutrophils: with an ANC that could be flagged, the
    # ANC's own grade and critical limit judge that danger, not the total.
    anc_known = flags.get("anc") in _DEFINITE_FLAGS
    given = flags.values()
    beyond_limit: dict[str, str] = (
        {a: f for a, f in flags.items() if f in ("LL", "HH")}
        if "LL" in given or "HH" in given
        else {}
    )
    if lab_critical:
        lab = (
            dict(lab_critical)
            if isinstance(lab_critical, Mapping)
            else dict.fromkeys(lab_critical, "AA")
        )
        beyond_limit.update({a: f for a, f in lab.items() if a not in beyond_limit})
    deferred = ("wbc",) if beyond_limit.get("wbc") == "LL" and anc_known else ()
    critical = tuple(a for a in beyond_limit if a not in deferred)
    if critical:
        codes.append("critical-value")
    severe = any((grades.get(c) or 0) >= SEVERE_GRADE for c in singles)
    pattern_urgent = len(low_lines) == 3 and any(
        (g := grades.get(LINE_TERMS[a])) is None or g >= PATTERN_GRADE for a in low_lines
    )
    anc_unjudged = flags.get("anc") in (None, "no-range") and "neutropenia" not in singles
    # A value that cannot be flagged (None) is not "outside its range": rule 9 says so instead.
    abnormal = not _NOT_ABNORMAL.issuperset(given)
    # A finding from the hematocrit alone does not judge the hemoglobin.
    unjudged = _unjudged(flags, grades, [c for c in singles if c not in ungraded], unread)
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
    elif fever and anc_unjudged:
        # Typed but not judged (no range for an age not given): said so, not "no count".
        unjudged_anc = (
            "the neutrophil count given could not be judged against a range"
            if "anc" in flags
            else "no neutrophil count was given"
        )
        urgency, why = (
            "now",
            f"A fever can be an emergency when neutrophils are low, and {unjudged_anc}.",
        )
    elif critical:
        some_ages = {a for a, _ in critical_some_ages}
        urgency, why = (
            "now",
            critical_words(
                [(a, beyond_limit[a], (critical_limits or {}).get(a)) for a in critical],
                some_ages=some_ages & set(critical),
                age_given=age_given,
            ),
        )
    elif fever and young_baby:
        urgency, why = (
            "now",
            (
                "A temperature of 38.0 C or more in a baby under 3 months old needs a doctor "
                "straight away, even when the counts are not low."
            ),
        )
    elif cold_newborn:
        why = "A temperature below 36.0 C in a baby under 1 month old can be the sign of an "
        urgency, why = "now", why + "infection and needs a doctor straight away."
    elif pattern_urgent:
        urgency, why = "soon", "All three kinds of blood cells are low."
    elif severe:
        urgency, why = (
            "soon",
            severe_words([_SIDES[c] for c in singles if (grades.get(c) or 0) >= SEVERE_GRADE]),
        )
    elif prompted := [p for p in prompt if p != ("hct", "low") or "hgb" not in flags]:
        urgency, why = "soon", prompt_words(prompted)
    elif fever:
        # A high fever calls for care (docs/clinical.md section 5): a normal count does not make
        # a fever nothing.
        urgency, why = (
            "soon",
            "A fever needs your care team's attention even when the counts are not low.",
        )
    elif codes or abnormal or lab_abnormal:
        urgency, why = "routine", "Some results are outside their reference range."
        if lab_abnormal and not codes and not abnormal:
            why = (
                "The lab flagged some results outside its own reference range, though they are "
                "within the range cbc uses."
            )
        elif not abnormal and not certain:
            # Found by the scheme's fixed cut-offs alone (hemoglobin 9 with no sex or age): no
            # range fits to be outside of.
            why = (
                "Some results are beyond grading limits that are the same at any age. Give the "
                "age and sex, if they were not given, so that they can also be compared with "
                "the usual range for the person."
            )
        if unjudged:
            why = f"{why[:-1]}, and {unjudged_words(unjudged)}."
    elif unjudged:
        urgency, why = "routine", f"{unjudged_words(unjudged).capitalize()}."
    else:
        urgency, why = "none", ""
    babies = tuple(sorted(newborn, key=_newborn_key)) if newborn else ()
    return Decision(tuple(codes), low_lines, critical, urgency, why, deferred, ungraded, babies)


def _newborn_key(pair: tuple[str, NewbornLimit]) -> tuple[int, tuple[float, str, float]]:
    """Catalogue order, then youngest band first."""
    return _ANALYTE_ORDER[pair[0]], newborn_order(pair[1])


_ANALYTE_ORDER = {a: i for i, a in enumerate(ANALYTES)}
_SIDES = {code: (analyte, direction) for code, analyte, direction in FINDING_RULES}
_ABSENT = object()
# FINDING_RULES with the flags beyond each rule's side.
_RULES = tuple(
    (code, analyte, direction, LOW_FLAGS if direction == "low" else HIGH_FLAGS)
    for code, analyte, direction in FINDING_RULES
)


# The counts a finding grades (hemoglobin, WBC, ANC, ALC, platelets): one of them unjudged is
# never read as normal (decide, rule 9).
_COUNT_TERMS: dict[str, tuple[str, ...]] = {}
for _code, _analyte, _ in FINDING_RULES:
    _COUNT_TERMS.setdefault(_analyte, ())
    _COUNT_TERMS[_analyte] += (_code,)


def _unjudged(
    flags: Mapping[str, Flag | None],
    grades: Mapping[str, int | None],
    singles: Sequence[str],
    unread: Collection[str],
) -> tuple[str, ...]:
    """The analytes that could not be judged (decide, rule 9), in ANALYTES order: given but
    unreadable; a count with no flag against a range whose graded terms include one that
    could not be graded (or that no term grades), unless a finding says it is abnormal; every
    value, when not one could be judged."""
    given = flags.values()
    if not unread and None not in given and "no-range" not in given:
        return ()  # every value flagged against a range (the common case): nothing unjudged
    out = set(unread) - set(flags)
    # A reported bound across a limit ("<2" with a limit of 1.8) cannot be flagged.
    out.update(a for a, f in flags.items() if f is None and a not in _COUNT_TERMS)
    for analyte_id, terms in _COUNT_TERMS.items():
        if analyte_id not in flags or flags[analyte_id] not in (None, "no-range"):
            continue
        if any(code in singles for code in terms):
            continue
        graded = [grades[c] for c in terms if c in grades]
        if flags[analyte_id] is None or not graded or any(g is None for g in graded):
            out.add(analyte_id)
    if flags and all(f in (None, "no-range") for f in flags.values()) and not singles:
        out.update(flags)
    return tuple(a for a in ANALYTES if a in out)


def max_urgency(urgencies: list[Urgency]) -> Urgency:
    """The most urgent of several urgencies (``none`` for an empty list)."""
    return max(urgencies, key=URGENCY_ORDER.index, default="none")
