"""A finding's words for one result (``finding_words``), the seek-care line
(``safety_line``), and where a day after chemotherapy or a transplant sits on the usual
recovery timeline (``recovery_context``, ``transplant_context``).

The keys in brackets in the comments are the sources listed in
``cbc_cli.explanations.sources``.
"""

from collections.abc import Mapping
from typing import Literal

from cbc_cli.explanations.critical import (
    CRITICAL_BOTH,
    CRITICAL_FEBRILE,
    CRITICAL_FEBRILE_ACTION,
    CRITICAL_FEBRILE_NOTICE,
    CRITICAL_HIGH,
    CRITICAL_HIGH_CLAUSES,
    CRITICAL_HIGH_SIGNS,
    CRITICAL_HIGH_SIGNS_ANY,
    CRITICAL_HIGH_WORDS,
    CRITICAL_LOW,
    LAB_CRITICAL_MEANING,
    NEWBORN_CRITICAL_HIGH_CLAUSES,
    WHITE_CLAUSES,
)
from cbc_cli.explanations.messages import (
    TIMELINE_CAVEAT,
    TRANSPLANT_KINDS,
    for_baby_words,
    for_child_words,
    reword,
)
from cbc_cli.explanations.pages import (
    CRITICAL_LOW_CLAUSES,
    CRITICAL_LOW_SIGNS,
    EXPLANATIONS,
    explain,
)
from cbc_cli.explanations.people import (
    AFTER_CHEMO_MEANING,
    CHEMO_LEADS_UNTIL_DAY,
    CHILD_MARROW_BACKGROUND,
    CHILD_MEANING,
    INFANT_THICK_BLOOD_SIGNS,
    INFANT_THROMBOCYTOPENIA_MEANING,
    NEWBORN_ACTION,
    NEWBORN_CRITICAL_HIGH_SIGNS,
    NEWBORN_CRITICAL_HIGH_WORDS,
    NEWBORN_CRITICAL_LOW,
    NEWBORN_CRITICAL_NOTICE,
    NEWBORN_HIGH_ACTION,
    NEWBORN_MARROW_BACKGROUND,
    NEWBORN_MEANING,
    NEWBORN_NOTICE,
    NEWBORN_PRECAUTIONS,
    NOT_FOR_NEWBORN,
    PREGNANCY_MEANING,
)
from cbc_cli.explanations.phrases import (
    ROUTINE_FOLLOW_UP,
    SAFETY_LINE,
    SAFETY_LINE_BABY_FEVER,
    SAFETY_LINE_BABY_FEVER_NOW,
    SAFETY_LINE_FEVER,
    SAFETY_LINE_FEVER_NOW,
    SAFETY_LINE_LOW_WHITE,
    SAFETY_LINE_NEWBORN,
    SAFETY_LINE_UNDER_SIX_MONTHS,
    URGENT_FOLLOW_UP,
    FindingWords,
)
from cbc_cli.explanations.topics import MARROW_AFTER_CHEMO, MARROW_LATE_AFTER_CHEMO, TOPICS


def finding_words(
    code: str,
    *,
    extra: str = "",
    fever: bool = False,
    very_high: bool = False,
    days_since_chemo: int | None = None,
    with_precautions: bool = True,
    critical: tuple[str, ...] = (),
    febrile: bool = False,
    person: str = "",
    high_level: str = "",
    high_analytes: tuple[str, ...] = (),
    low_analytes: tuple[str, ...] = (),
    urgent: bool = False,
    infant: bool = False,
    toddler: bool = False,
    lab_only: bool = False,
) -> FindingWords:
    """The words one finding carries in a result, fitted to what is known about the person.

    Args:
        code: the finding code.
        extra: a sentence added to what the finding can mean (the ASCO/IDSA severity word, the
            MCV pattern).
        fever: the person reported a temperature of 38.0 C or more: the action and the
            infection precautions then never ask them to watch for a fever.
        very_high: leukocytosis above 100 x10^9/L: as ``high_level="hyper"``.
        days_since_chemo: for two or three low cell types, the marrow background says whether
            the pattern is expected after treatment; from day 0 to CHEMO_LEADS_UNTIL_DAY a low
            count's meaning leads with chemotherapy.
        with_precautions: the count is low enough for the topic's precautions (platelets below
            50 x10^9/L; white cells or a cytopenia pattern at grade 2 or worse). False gives the
            explanation without the precautions list or the marrow-failure background (the
            background after chemotherapy, which places the pattern in time, stays).
        critical: for ``critical-value``, the directions beyond the limits ("low", "high");
            empty when unknown (a lab's "AA" flag): the words then cover both.
        febrile: febrile neutropenia is present: a critical value then says only to act now.
        person: ``"pregnant"``, ``"child"`` (under 18) or ``"newborn"`` (under 1 month), as
            ``engine.reader`` decides: a low count's meaning leads with the causes that fit
            them, unless ``days_since_chemo`` is 0 to CHEMO_LEADS_UNTIL_DAY, when chemotherapy
            leads; a child's or newborn's two or three low types get a background without adult
            conditions, and their words address the parent. A newborn's low counts also get
            the signs a parent can see and the precautions that fit a baby.
        high_level: ``"critical"``: the count is beyond its critical high limit; ``"hyper"``:
            a white count above 100 x10^9/L. The meaning, notice and action then say what it
            can be seen with, why it is urgent, and to contact the care team now.
        high_analytes: for ``critical-value``, the analytes beyond a high limit, each named in
            what it can mean.
        infant: the person is a child under 1 year (past the newborn weeks): the signs of
            thick blood and of low counts (a critical low value's too), when to get help at
            once, and the precautions are a baby's, not an adult's.
        toddler: the person is a child from 1 year to under 2: the words ``infant`` gives, worded
            for a young child (for_young_child_words); a child this young cannot tell of
            confusion, chest pain or changes in sight either.
        lab_only: for ``critical-value``, every count in it is one only the lab flagged critical
            (cbc's own flag reads low, high or normal): what it can mean says so, and that the
            care team's attention is needed now all the same.
        urgent: the care-team message asks for contact soon or now: the action's closing
            "share at your next visit" would contradict it, so it points to the message.

    Returns:
        Title, the four labelled parts, the precautions (or background) topic summary and the
        related topic codes. Raises KeyError for an unknown code.
    """
    page = explain(code)
    # Chemotherapy leads only while low counts are still expected after it (recovery_context:
    # by day 40 to 60 the marrow has usually recovered, and counts still low after that deserve
    # a review [C1]); later it is one cause of several.
    after_chemo = days_since_chemo is not None and 0 <= days_since_chemo <= CHEMO_LEADS_UNTIL_DAY
    meaning = _meaning_for(code, person, after_chemo=after_chemo)
    if person == "child" and code == "thrombocytopenia" and infant:
        # No child's "usually settles by itself" for a baby (a nurse reviewer's finding at 28
        # days), nor an adult's list of causes.
        meaning = INFANT_THROMBOCYTOPENIA_MEANING
    elif person == "child" and code == "neutropenia" and fever:
        # No "recovers within a few weeks" beside a fever (a nurse reviewer's finding at 9
        # months): the causes without it.
        meaning = EXPLANATIONS[code].meaning
    action = page.action_fever if fever and page.action_fever else page.action
    notice = page.notice
    if code == "leukocytosis" and very_high and not high_level:
        high_level = "hyper"
    high_key = "hyper-wbc" if code == "leukocytosis" and high_level == "hyper" else code
    if high_level and high_key in CRITICAL_HIGH_WORDS:
        meaning, notice, action = CRITICAL_HIGH_WORDS[high_key]
        if person == "newborn" and high_key in NEWBORN_CRITICAL_HIGH_WORDS:
            meaning, notice, action = NEWBORN_CRITICAL_HIGH_WORDS[high_key]
    if code == "critical-value":
        meaning, notice, action = _critical_words(
            set(critical),
            febrile=febrile,
            high_analytes=high_analytes,
            low_analytes=low_analytes,
            newborn=person == "newborn",
        )
        if person == "newborn":
            # A baby's signs, never an adult's: low, a lab's "AA" (no direction), or high.
            notice = _newborn_critical_notice(set(critical), high_analytes)
            if not febrile and set(critical) == {"low"}:
                meaning = NEWBORN_CRITICAL_LOW
        if lab_only and not febrile:
            meaning = LAB_CRITICAL_MEANING
    small = (infant or toddler) and person == "child"
    if small:
        notice, action = _infant_words(
            code, set(critical), high_analytes, (notice, action), critical_high=bool(high_level)
        )
        if code == "erythrocytosis" and high_level:
            meaning = _INFANT_THICK_BLOOD_MEANING
        if code in INFANT_LOW_CODES:
            # A baby cannot tell of dizziness, headaches, shaking chills, confusion or a sore
            # throat (nurse reviewers' findings at 4 and 9 months): a newborn's signs of a low
            # count, and when to get help at once, are a baby's too.
            notice = NEWBORN_NOTICE[code]
            if not (fever and page.action_fever):
                action = NEWBORN_ACTION.get(code, action)
        elif code == "critical-value" and set(critical) == {"low"}:
            notice = NEWBORN_CRITICAL_NOTICE
            if not febrile and not lab_only:  # no adult's "after chemotherapy" for a baby
                meaning = NEWBORN_CRITICAL_LOW
    meaning = f"{meaning} {extra}".strip()
    precautions: str | None = None
    background: str | None = None
    # Febrile neutropenia is an emergency: its action is all it says; the topic stays linked.
    young = person in ("child", "newborn")
    if page.topics and code != "febrile-neutropenia":
        first = TOPICS[page.topics[0]]
        if first.code == "marrow-failure":
            if days_since_chemo is None and person == "newborn":
                background = NEWBORN_MARROW_BACKGROUND
            elif days_since_chemo is None and young:
                background = CHILD_MARROW_BACKGROUND
            elif with_precautions or days_since_chemo is not None:
                background = _marrow_background(days_since_chemo)
        elif with_precautions:
            precautions = first.summary_fever if fever and first.summary_fever else first.summary
            if (person == "newborn" or small) and first.code in NEWBORN_PRECAUTIONS:
                precautions = NEWBORN_PRECAUTIONS[first.code]
    if person == "newborn" and not high_level and code != "critical-value":
        notice = NEWBORN_NOTICE.get(code, notice)
        if not (fever and page.action_fever):
            action = NEWBORN_ACTION.get(code, action)
    if small and toddler:
        meaning, notice, action = (for_young_child_words(t) for t in (meaning, notice, action))
        precautions = for_young_child_words(precautions) if precautions else precautions
    if urgent:
        action = action.replace(ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP)
    if young:
        reword = for_baby_words if person == "newborn" else for_child_words
        meaning, notice, action = (reword(t) for t in (meaning, notice, action))
        precautions = reword(precautions) if precautions else precautions
        background = reword(background) if background else background
    return FindingWords(
        title=page.title,
        measures=page.measures,
        meaning=meaning,
        notice=notice,
        action=action,
        precautions=precautions,
        background=background,
        topics=tuple(t for t in page.topics if t not in NOT_FOR_NEWBORN)
        if person == "newborn"
        else page.topics,
    )


# The low counts whose signs a baby under 1 year shows as a newborn does (NEWBORN_NOTICE: what a
# parent can see, with nothing a newborn alone has).
INFANT_LOW_CODES = frozenset(
    {
        "anemia",
        "neutropenia",
        "leukopenia",
        "thrombocytopenia",
        "bicytopenia",
        "pancytopenia",
        "febrile-neutropenia",
    }
)


# A baby's words for a child of 1 to 2 years (finding_words ``toddler``): the same signs a parent
# can see [NICE-FEVER] (the traffic-light signs are for all children under 5), the child called a
# child, and feeding as eating or drinking.
_YOUNG_CHILD_REWORDING: tuple[tuple[str, str], ...] = (
    ("Some babies show nothing.", "Some young children show nothing."),
    ("In a baby:", "In a young child:"),
    ("In a baby it", "In a young child it"),
    ("your baby's", "your child's"),
    ("your baby", "your child"),
    ("a baby who", "a child who"),
    ("make a baby", "make a young child"),
    ("poor feeding", "eating or drinking poorly"),
    ("feeds poorly", "eats or drinks poorly"),
    ("will not feed", "will not eat or drink"),
)


def for_young_child_words(text: str) -> str:
    """A baby's words (finding_words ``infant``) for the parent of a child of 1 to 2 years."""
    return reword(text, _YOUNG_CHILD_REWORDING)


# Thick blood beyond its critical limit in a baby under 1 year: the causes that fit a baby (a
# heart or lung condition that lowers the blood's oxygen, losing body water) [MAYO-HGB]
# [NIDIRECT-PCYT], not an adult's stroke, leg clot or marrow condition, which a nurse reviewer
# found said to the parent of a 5-month-old.
_INFANT_THICK_BLOOD_MEANING = (
    "A hemoglobin or hematocrit this far above the range needs your care team's review now. "
    "Blood this thick flows slowly and clots more easily. In a baby it is most often seen with "
    "a heart or lung condition that lowers the oxygen in the blood, or with losing a lot of "
    "body water (dehydration), or it comes from a sample or typing error."
)


def _infant_words(
    code: str,
    directions: set[str],
    high_analytes: tuple[str, ...],
    words: tuple[str, str],
    *,
    critical_high: bool,
) -> tuple[str, str]:
    """What a parent of a baby under 1 year might notice, and when to get help at once, with
    thick blood (a high hemoglobin or hematocrit): a baby's signs, not an adult's (``words``:
    the notice and action otherwise given)."""
    notice, action = words
    baby = f"In a baby: {INFANT_THICK_BLOOD_SIGNS}. Some babies show nothing."
    if code == "erythrocytosis":
        return baby, NEWBORN_HIGH_ACTION if critical_high else NEWBORN_ACTION[code]
    thick = set(high_analytes) <= {"hgb", "hct"}
    if code == "critical-value" and directions == {"high"} and high_analytes and thick:
        return baby, action
    return notice, action


def _meaning_for(code: str, person: str, *, after_chemo: bool) -> str:
    """What a finding can mean, led by the causes that fit the person (see finding_words)."""
    if after_chemo and code in AFTER_CHEMO_MEANING:
        return AFTER_CHEMO_MEANING[code]
    fitted = {
        "pregnant": PREGNANCY_MEANING,
        "child": CHILD_MEANING,
        "newborn": NEWBORN_MEANING,
    }.get(person)
    return fitted.get(code, EXPLANATIONS[code].meaning) if fitted else EXPLANATIONS[code].meaning


def _critical_high_meaning(
    analytes: tuple[str, ...], known: Mapping[str, str] = CRITICAL_HIGH_CLAUSES
) -> str:
    """A critical value's meaning for counts beyond their high limits, one clause each (from
    ``known``: a newborn's own clauses, or everyone's)."""
    clauses = [known[a] for a in analytes if a in known]
    if not clauses or len(clauses) != len(analytes):
        return CRITICAL_HIGH
    said = "; ".join(dict.fromkeys(clauses))
    return (
        "Labs phone results this far above the range to the care team at once, because "
        f"{said}. Sometimes a problem with the sample or a typing error in the unit or value "
        "is the reason. Only the care team can tell which."
    )


def _critical_notice(signs: str) -> str:
    """A critical value's "What you might notice": the signs for its counts, said once (the
    signs of one count need no "it depends on the count")."""
    if ";" not in signs:
        return f"{signs[0].upper()}{signs[1:]}. Some people notice nothing."
    return f"It depends on the count: {signs}. Some people notice nothing."


def _critical_high_signs(analytes: tuple[str, ...]) -> str:
    """What a person might notice with counts beyond their high limits, for those counts (the
    general signs when a count has none of its own), without the opening and closing words."""
    signs = [CRITICAL_HIGH_SIGNS[a] for a in analytes if a in CRITICAL_HIGH_SIGNS]
    if not signs or len(signs) != len(analytes):
        return CRITICAL_HIGH_SIGNS_ANY
    return "; ".join(dict.fromkeys(signs))


def _critical_words(
    directions: set[str],
    *,
    febrile: bool,
    high_analytes: tuple[str, ...] = (),
    low_analytes: tuple[str, ...] = (),
    newborn: bool = False,
) -> tuple[str, str, str]:
    """What a critical value can mean, what a person might notice and what to do, for the
    directions its values lie beyond (and, when known, the counts beyond a high or a low
    limit); ``newborn``: a baby's own clause for thick blood."""
    page = EXPLANATIONS["critical-value"]
    if febrile:
        # The fever is reported already: the white cells' clause gives way to the febrile words.
        if low_analytes and set(low_analytes) <= WHITE_CLAUSES and directions == {"low"}:
            return CRITICAL_FEBRILE, CRITICAL_FEBRILE_NOTICE, CRITICAL_FEBRILE_ACTION
        low_analytes = tuple(a for a in low_analytes if a not in WHITE_CLAUSES)
    low_clauses = [CRITICAL_LOW_CLAUSES.get(a) for a in low_analytes]
    low_signs = (
        "; ".join(dict.fromkeys(c for c in low_clauses if c))
        if low_clauses and None not in low_clauses
        else CRITICAL_LOW_SIGNS
    )
    if directions == {"low"}:
        meaning, notice = CRITICAL_LOW, _critical_notice(low_signs)
    elif directions == {"high"}:
        clauses = NEWBORN_CRITICAL_HIGH_CLAUSES if newborn else CRITICAL_HIGH_CLAUSES
        meaning = _critical_high_meaning(high_analytes, clauses)
        notice = _critical_notice(_critical_high_signs(high_analytes))
    else:
        # Low and high (or a lab's "AA", no direction): one list of signs, said once.
        high = _critical_high_signs(high_analytes) if high_analytes else CRITICAL_HIGH_SIGNS_ANY
        meaning, notice = CRITICAL_BOTH, _critical_notice(f"{low_signs}; {high}")
    if febrile:
        return CRITICAL_FEBRILE, notice, CRITICAL_FEBRILE_ACTION
    return meaning, notice, page.action


def _newborn_critical_notice(directions: set[str], high_analytes: tuple[str, ...]) -> str:
    """What a parent might see with a newborn's critical value: the low signs, and for each
    count beyond a high limit its own (unknown counts: the general signs)."""
    if "high" not in directions:
        return NEWBORN_CRITICAL_NOTICE
    signs = [NEWBORN_CRITICAL_HIGH_SIGNS.get(a) for a in high_analytes]
    if not signs or None in signs:
        return NEWBORN_CRITICAL_NOTICE
    said = "; ".join(dict.fromkeys(s for s in signs if s))
    if directions == {"high"}:
        opening = "It depends on the count: " if ";" in said else ""
        said = said if opening else f"{said[0].upper()}{said[1:]}"
        return f"{opening}{said}. Some babies show nothing."
    return f"{NEWBORN_CRITICAL_NOTICE[: -len(' Some babies show nothing.')]} Also {said}."


def _marrow_background(days_since_chemo: int | None) -> str:
    if days_since_chemo is None:
        return TOPICS["marrow-failure"].summary
    if days_since_chemo > 60:
        return MARROW_LATE_AFTER_CHEMO.format(day=days_since_chemo)
    return MARROW_AFTER_CHEMO.format(day=days_since_chemo)


def safety_line(
    *,
    fever: bool = False,
    low_white: bool = False,
    newborn: bool = False,
    under_six_months: bool = False,
    infant: bool = False,
    now: bool = False,
    toddler: bool = False,
) -> str:
    """The line every abnormal result carries: seek care at once for heavy bleeding, a high
    fever or trouble breathing (docs/clinical.md section 1).

    Args:
        fever: the person reported a temperature of 38.0 C or more; the line then names the
            signs that call for care at once beside the care-team message, instead of asking
            them to watch for a fever.
        low_white: neutrophils (or, without an ANC, white cells) are low: "a high fever" is
            then named as its threshold, 38.0 C (100.4 F) (docs/clinical.md section 5).
        newborn: the person is under 1 month (``engine.reader``): the baby's own line, which
            names 38.0 C and a baby's signs whatever the counts or a reported fever.
        under_six_months: a baby of 3 to 6 months (an age given): "a high fever" is named as
            39.0 C, NICE's threshold at that age.
        infant: a baby under 1 year (an age given): with a fever reported, low white cells or
            a care-team message that says "now", the baby's own line (38.0 C and a baby's
            signs), as under 3 months, never an adult's signs nor a threshold of 39.0 C.
        now: the care-team message says to contact the care team now.
        toddler: a child from 1 year to under 2 (an age given): in the same cases as
            ``infant``, the baby's line worded for a young child.
    """
    baby = newborn or ((infant or under_six_months) and (fever or low_white or now))
    if baby or (toddler and (fever or low_white or now)):
        line = SAFETY_LINE_NEWBORN
        if fever:  # the fever is given: the signs beside it, as SAFETY_LINE_FEVER
            line = SAFETY_LINE_BABY_FEVER_NOW if now else SAFETY_LINE_BABY_FEVER
        return line if baby else for_young_child_words(line)
    if fever:
        return SAFETY_LINE_FEVER_NOW if now else SAFETY_LINE_FEVER
    if low_white:
        return SAFETY_LINE_LOW_WHITE
    return SAFETY_LINE_UNDER_SIX_MONTHS if under_six_months else SAFETY_LINE


def recovery_context(days_since_chemo: int, *, child: bool = False) -> str:
    """Place day N after chemotherapy on the usual recovery timeline.

    Before day 7 counts are usually still falling; days 7-14 are the usual low point; by 3 to
    4 weeks they usually recover; the marrow usually refills by day 40-60; past day 60 counts
    still low deserve a review (docs/clinical.md sections 1 and 5). Returns two or three
    sentences; ``child``: worded for the parent of a child under 18 ("your child's care team",
    "not a prediction for your child"). Raises ValueError for a negative number of days.
    """
    if days_since_chemo < 0:
        raise ValueError(f"days since chemotherapy cannot be negative, got {days_since_chemo}")
    day = days_since_chemo
    if day < 7:
        phase = (
            f"Day {day} after chemotherapy is before the usual low point: counts often keep "
            "falling for a while and are usually lowest about 7 to 14 days after treatment, "
            "then recover over 3 to 4 weeks."
        )
    elif day <= 14:
        phase = (
            f"Day {day} after chemotherapy is when counts are usually at their lowest (about "
            "day 7 to 14), so low values now are expected; they usually recover over 3 to 4 "
            "weeks after treatment."
        )
    elif day <= 30:
        phase = (
            f"Day {day} after chemotherapy is past the usual low point (about day 7 to 14); "
            "counts are usually climbing back and often recover by 3 to 4 weeks after "
            "treatment, though they may not be fully normal yet."
        )
    elif day <= 60:
        phase = (
            f"Day {day} after chemotherapy is in the second month: counts have usually come "
            "back up from the low point, and the marrow usually regains its normal cell "
            "content by about day 40 to 60. Counts still low after that deserve a review with "
            "your care team."
        )
    else:
        phase = (
            f"Day {day} after chemotherapy is past the 40 to 60 days by which the marrow "
            "usually regains its normal cell content. Full recovery of the counts can take "
            "months, sometimes years, but counts that are still low now deserve a review with your "
            "care team."
        )
    text = f"{phase} {TIMELINE_CAVEAT}"
    return for_child_words(text) if child else text


def transplant_context(kind: Literal["auto", "allo"], *, child: bool = False) -> str:
    """Where counts stand after an autologous (``auto``) or allogeneic (``allo``) stem cell
    transplant: what the transplant is and how engraftment is dated (docs/clinical.md sections
    1 and 5); ``child``: worded for the parent of a child under 18. Raises ValueError for
    another kind."""
    if kind == "auto":
        # [C1]
        what = (
            "After an autologous transplant (your own stem cells, collected before high-dose "
            "treatment and given back after it: a 'stem cell rescue'),"
        )
        # The day +30/+42 graft-failure deadlines are defined for donor transplants [C5].
        deadline = ""
    elif kind == "allo":
        # [C1]
        what = "After an allogeneic transplant (stem cells from a matched donor),"
        # Primary graft failure: no ANC >= 0.5 by day +30, +42 after cord blood [C5]. This is
        # the deadline the definitions set, not a typical time to engraftment.
        deadline = (
            " The same rules look for neutrophil engraftment by day 30, or day 42 after cord "
            "blood; if it has not happened by then, the care team looks into why."
        )
    else:
        raise ValueError(f"unknown transplant kind {kind!r}; known: {', '.join(TRANSPLANT_KINDS)}")
    # ASTCT engraftment [C5].
    text = (
        f"{what} counts stay low until the new cells settle in the marrow (engraftment). "
        "Neutrophils count as engrafted from the first of three days in a row at 0.5 x10^9/L "
        "or more, platelets from the first of three days in a row at 20 x10^9/L or more "
        f"without a platelet transfusion in the week before (ASTCT).{deadline} This is the "
        "usual course, not a prediction for you."
    )
    return for_child_words(text) if child else text
