"""The words every view of a result shares (the terminal page and the HTML report)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cbc_cli.analytes import ANALYTES
from cbc_cli.models import PatientInfo, Result, Urgency

FLAG_WORDS = {
    "N": "normal",
    "L": "low",
    "H": "high",
    "LL": "critically low",
    "HH": "critically high",
    "no-range": "no range",
}
URGENCY_TITLE = {
    "none": "Nothing out of range",
    "routine": "Tell your care team at your next visit or call",
    "soon": "Contact your care team soon",
    "now": "Contact your care team now",
}
# The same titles for a child (age under 18 known): the reader is most often a parent, as the
# care-team message below the title assumes (docs/clinical.md section 6: the tool speaks to the
# person who reads it). The urgency codes themselves never change.
CHILD_URGENCY_TITLE = {
    "none": "Nothing out of range",
    "routine": "Tell your child's care team at the next visit or call",
    "soon": "Contact your child's care team soon",
    "now": "Contact your child's care team now",
}
# The labels of a finding's parts, in the order a person reads them (docs/clinical.md section 6).
FINDING_LABELS = (
    ("measures", "What it measures"),
    ("meaning", "What it can mean"),
    ("notice", "What you might notice"),
    ("action", "What to do"),
    ("precautions", "Precautions"),
    ("background", "Background"),
)


def person_words(patient: PatientInfo, degree: str = "C") -> list[str]:
    """What is known of the person, as short phrases (``female``, ``age 54 y``, ...)."""
    words: list[str] = []
    if patient.sex:
        words.append(patient.sex)
    if patient.age:
        words.append(f"age {patient.age}")
    if patient.pregnancy_trimester:
        words.append(f"pregnant (trimester {patient.pregnancy_trimester})")
    words.extend(f"profile {name}" for name in patient.profiles)
    if patient.temperature_c is not None:
        words.append(f"temperature {patient.temperature_c:g} {degree}")
    if patient.days_since_chemo is not None:
        words.append(f"day {patient.days_since_chemo} after chemotherapy")
    if patient.transplant:
        words.append(f"{patient.transplant} transplant")
    return words


def urgency_title(urgency: Urgency, *, child: bool = False, newborn: Urgency | None = None) -> str:
    """The title over the care-team message: ``Contact your care team now``, and for a child's
    parent ``Contact your child's care team now``; ``newborn``: the urgency for a baby under 1
    month old when no age was given and it is higher (``Result.newborn_urgency``): the title
    then says it, so that a parent who reads only the title does not miss it."""
    if newborn is not None:
        # Short enough for an 80-column box; the message below says what holds for others.
        return f"{NEWBORN_TITLE[newborn]} (anyone older: see below)"
    return (CHILD_URGENCY_TITLE if child else URGENCY_TITLE)[urgency]


def drawn_urgency(result: Result) -> Urgency:
    """The urgency a result's care-team box is drawn with: the most urgent answer the person
    could need (a newborn's ``now`` when no age was given: ``Result.newborn_urgency``)."""
    return result.newborn_urgency or result.urgency or "none"


# The title for a baby under 1 month old when no age was given (urgency_title).
NEWBORN_TITLE = {
    "none": "If this is a newborn, nothing is out of range",
    "routine": "If this is a newborn, tell the care team at the next visit",
    "soon": "If this is a newborn, contact the care team soon",
    "now": "If this is a newborn, contact the care team now",
}


def speaks_to_parent(latest: Result | None) -> bool:
    """Whether a series (``cbc trend``) speaks to a parent: its latest draw is a child's (the age
    at that draw, from ``--age``, ``--dob`` or the draw's own age or birth date, is under 18, as
    the engine decided it: ``PatientInfo.child``)."""
    return latest is not None and latest.patient.child


def plural(n: int, noun: str) -> str:
    """``1 cell``, ``3 cells``: a count with its noun (nouns that add an s)."""
    return f"{n} {noun_for(n, noun)}"


def noun_for(n: int, noun: str) -> str:
    """The noun alone, as a count of ``n`` takes it: ``line`` for 1, ``lines`` otherwise."""
    return noun if n == 1 else f"{noun}s"


# The start of the WBC row's note when its critical low defers to a known ANC (engine).
DEFERRED_WBC_NOTE = "below the critical limit for white cells"
# A value judged against every range that could apply (no age or sex given): the pages say this
# once for all such values (the JSON keeps each value's range_note).
_ENVELOPE = re.compile(
    r"^(?:beyond the critical limit; )?judged against every range that could apply "
    r"\((?P<why>[^)]*)\): (?:low for all|high for all|within all) of them$"
)


def deferred_flag_words(note: str | None) -> str | None:
    """For a critically low WBC that defers to the ANC, why (from its range note), to show
    beside its flag; None for any other value."""
    if not note or not note.startswith(DEFERRED_WBC_NOTE):
        return None
    found = _DEFERRED_ANC.search(note)
    anc = f": {found['anc']}, {found['state']}" if found and found["state"] else ""
    return f"(the urgency is set by the neutrophils{anc})"


_LAB_FLAG_WORDS = {**FLAG_WORDS, "A": "abnormal", "AA": "critically abnormal"}


def lab_flag_words(lab_flag: str | None, flag: str | None) -> str | None:
    """The flag the lab printed, to show beside cbc's own when the two differ (a count only the
    lab called critical is then urgent while cbc's flag reads "low"); None otherwise."""
    code = (lab_flag or "").strip().upper()
    if not code or code == flag:
        return None
    words = _LAB_FLAG_WORDS.get(code)
    return f"(the lab's flag: {code} {words})" if words else f"(the lab's flag: {code})"


def flag_asides(lab_flag: str | None, flag: str | None, note: str | None) -> str | None:
    """What a flag cell says beside the flag: why a critically low WBC defers to the ANC
    (deferred_flag_words), and the lab's own flag where it differs (lab_flag_words)."""
    said = [w for w in (deferred_flag_words(note), lab_flag_words(lab_flag, flag)) if w]
    return " ".join(said) or None


# The ANC and its state in a deferred WBC's note (engine.deferred_wbc_note).
_DEFERRED_ANC = re.compile(r"infection: (?P<anc>\S+) x10\^9/L(?:, (?P<state>[^;]+))?")


def no_range_words(flag: str | None, note: str | None) -> str:
    """The range cell when no single range was chosen for the value: judged against every
    range that could apply, or no range fits this person, with what would let one fit when the
    value's note (engine) says: ``none fits: give sex and age``."""
    if flag not in (None, "no-range") and "every range that could apply" in (note or ""):
        return "all that could apply"
    found = _UNTIL_GIVEN.search(note or "")
    return f"none fits: give {found['what']}" if found else "none fits this person"


# What would let a range fit, in a value's note (engine.notes.envelope_note).
_UNTIL_GIVEN = re.compile(r"no single range fits until the (?P<what>.+?) (?:is|are) given")


def envelope_reason(note: str | None) -> str | None:
    """Why a value was judged against every range that could apply (``sex and age not
    given``), or None when its note says something else."""
    match = _ENVELOPE.match(note or "")
    return match["why"] if match else None


_SHORT = {"anc": "ANC", "plt": "platelets", "hgb": "hemoglobin", "wbc": "WBC", "alc": "lymphocytes"}


def cap(text: str) -> str:
    """The text with its first letter capitalised, to start a sentence."""
    return text[:1].upper() + text[1:]


def count_name(analyte_id: str) -> str:
    """The count's name in a sentence: ``ANC``, ``platelets``, ``hemoglobin``."""
    return _SHORT.get(analyte_id, ANALYTES[analyte_id].name)


def and_list(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: words listed in a sentence."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def counts_listed(analyte_ids: list[str]) -> tuple[str, str]:
    """``platelets and ANC``, ``were``: counts named in a sentence, with the verb they take."""
    names = [count_name(a) for a in analyte_ids]
    return and_list(names), "was" if len(names) == 1 and not names[0].endswith("s") else "were"


def envelope_footnote(why: str, analyte_ids: list[str]) -> str:
    """The one note for all the values judged against every range that could apply."""
    listed, verb = counts_listed(analyte_ids)
    return (
        f"{why}: {listed} {verb} judged against every range that could apply "
        '("all that could apply"); each flag shown holds for all of them'
    )
