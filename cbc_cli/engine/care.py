"""The care-team message and the safety line of a decision (docs/clinical.md sections 5-6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cbc_cli.age import band_words
from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.decide import Decision
from cbc_cli.engine.newborn import NewbornLimit
from cbc_cli.engine.values import limit_text
from cbc_cli.explanations import (
    BABY_COLD_IF_NEWBORN,
    BABY_FEVER_IF_YOUNG,
    BABY_SOON_WITH_FEVER_MESSAGE,
    CARE_TEAM_MESSAGES,
    CHILD_CARE_TEAM_MESSAGES,
    CHILD_NOTHING_CHECKED_MESSAGE,
    CHILD_SOON_WITH_FEVER_MESSAGE,
    NEWBORN_SOON_MESSAGE,
    NOTHING_CHECKED_MESSAGE,
    SOON_WITH_FEVER_MESSAGE,
    for_baby,
    for_child,
    for_young_child_words,
    safety_line,
)
from cbc_cli.models import Flag
from cbc_cli.wording import DEFERRED_WBC_NOTE, count_name


def care_message(
    decision: Decision,
    flags: Iterable[Flag | None],
    *,
    fever: bool,
    after_chemo: bool = False,
    child: bool = False,
    newborn: bool = False,
    young_baby: bool = False,
    under_six_months: bool = False,
    infant: bool = False,
    age_unknown: bool = False,
    toddler: bool = False,
    cold: bool = False,
) -> tuple[str, str | None]:
    """The care-team message and the safety line (None when plainly within range) of a
    decision, given the flags of the values read: the engine's, and the columnar path's for
    each class of combinations it decides once. ``after_chemo``: days since chemotherapy were
    given (neutrophils may be low even when no count shows it). ``child``: the person is under
    18 (:func:`is_child`): the message speaks of "your child" and "your child's care team".
    ``newborn``: under 1 month (:func:`reader`): the message calls the child "your baby" (the
    care team stays "your child's care team"), and the safety line is the baby's own, which names
    38.0 C and a baby's signs (Fein and Avner 2019, The Febrile or Septic-Appearing Neonate).
    ``young_baby``: the person may be under 3 months old (age given): the safety line is the
    baby's too, since any temperature of 38.0 C or more is then a high-risk sign (NICE NG143).
    ``under_six_months``: a baby of 3 to 6 months (age given): the line names 39.0 C, NICE's
    threshold at that age, for "a high fever". ``infant``: a baby under 1 year (age given):
    with a fever, low white cells or an urgency of now, the baby's own line. ``age_unknown``:
    no age was given: with a fever the message is not "now" for, it opens with what the fever
    would mean for a baby under 3 months (decide, rule 4b), as for a newborn's limits.
    ``toddler``: a child of 1 to 2 years (age given): the baby's line, worded for a young child,
    in the same cases as ``infant``. ``cold``: a temperature below 36.0 C was given: with no age,
    the message opens with what it would mean for a baby under 1 month (decide, rule 4c)."""
    care = (CHILD_CARE_TEAM_MESSAGES if child else CARE_TEAM_MESSAGES)[decision.urgency]
    if newborn and decision.urgency == "soon":
        care = NEWBORN_SOON_MESSAGE
    if fever and decision.urgency == "soon":
        # Never ask a person to watch for the fever they have just reported (the findings'
        # actions are worded for it already: explanations.finding_words).
        care = CHILD_SOON_WITH_FEVER_MESSAGE if child else SOON_WITH_FEVER_MESSAGE
        if infant or toddler:  # a baby's signs, not "starts shivering" (a code reviewer's read)
            care = BABY_SOON_WITH_FEVER_MESSAGE
            care = for_young_child_words(care) if toddler else care
    nothing_judged = not decision.codes and not any(f not in (None, "no-range") for f in flags)
    if decision.urgency in ("none", "routine") and nothing_judged:
        message = CHILD_NOTHING_CHECKED_MESSAGE if child else NOTHING_CHECKED_MESSAGE
    else:
        why = for_child(decision.why) if child else decision.why
        message = f"{why} {care}".strip()
    if newborn:
        message = for_baby(message)
    elif decision.urgency != "now" and (decision.newborn or (age_unknown and (fever or cold))):
        # No age given and a value beyond a newborn's own call limit, or a fever, which under 3
        # months needs a doctor at once (decide, rule 4b): a parent must read it in the message
        # itself, not only in the value's note (a clinical reviewer's finding).
        said = [newborn_words(decision.newborn)] if decision.newborn else []
        if fever and age_unknown:
            said.append(BABY_FEVER_IF_YOUNG)
        if cold and age_unknown:
            said.append(BABY_COLD_IF_NEWBORN)
        message = f"{' '.join(said)} For anyone older: {message}"
    # Care straight away for heavy bleeding, a high fever or trouble breathing (docs/clinical.md
    # section 5), on every result that is not plainly within range (nothing checked is not
    # "within range"), worded for a fever the person already reported.
    plainly_normal = decision.urgency == "none" and not nothing_judged
    # Low neutrophils (or, without an ANC, low white cells), or after chemotherapy, when they
    # may be low untested: the fever threshold is named.
    low_white = after_chemo or "neutropenia" in decision.codes or "wbc" in decision.low_lines
    line = safety_line(
        fever=fever,
        low_white=low_white,
        newborn=newborn or young_baby,
        under_six_months=under_six_months,
        infant=infant,
        now=decision.urgency == "now",
        toddler=toddler,
    )
    return message, None if plainly_normal else line


def newborn_words(beyond: Sequence[tuple[str, NewbornLimit]]) -> str:
    """The message's opening when no age is given and values are beyond a newborn's own
    critical limits (``Decision.newborn``): what it would mean for a baby, and to give the age."""
    bands = {(n.age_from, n.age_to) for _, n in beyond}
    one_band = len(bands) == 1
    first = beyond[0][1]
    who = band_words(first.age_from, first.age_to) if one_band else "under 1 month old"
    said: list[str] = []
    for i, (analyte, n) in enumerate(beyond):
        same = i > 0 and beyond[i - 1][0] == analyte
        side = "below" if n.direction == "low" else "above"
        at = "" if one_band else f" ({band_words(n.age_from, n.age_to)})"
        words = f"{side} {limit_text(n.limit, ANALYTES[analyte].unit)}{at}"
        if same:
            said[-1] += f" or {words}"
        else:
            said.append(f"{count_name(analyte)} {words}")
    listed = said[0] if len(said) == 1 else f"{', '.join(said[:-1])}, and {said[-1]}"
    when = "at that age labs phone the care team" if one_band else "labs phone a baby's care team"
    return (
        f"If this is a baby {who}, contact the baby's care team now: {when} at once about "
        f"{listed}. Give the age in days (such as 5d) for an answer that fits."
    )


def deferred_wbc_note(anc: str, note: str | None, anc_flag: Flag | None = None) -> str:
    """The WBC row's note when its critical low defers to a known ANC (``decide`` rule 4);
    ``anc`` is the ANC as shown, in 10^9/L, ``anc_flag`` its own flag, said in words."""
    state = _ANC_STATE.get(anc_flag or "", "")
    said = (
        f"{DEFERRED_WBC_NOTE}; with a neutrophil count given, the urgency follows the "
        f"neutrophils, the white cells that matter most for infection: {anc} x10^9/L"
        f"{', ' + state if state else ''}"
    )
    return f"{said}; {note}" if note else said


# The ANC's own state, said with a deferred WBC (deferred_wbc_note).
_ANC_STATE = {
    "LL": "critically low",
    "L": "low but not critical",
    "N": "within range",
    "H": "high",
    "HH": "critically high",
    "no-range": "no range fits it",
}
