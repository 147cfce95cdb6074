"""Who a result speaks to and about: a child, a newborn, a pregnant person, and the
person's context as the result shows it."""

from __future__ import annotations

from typing import Literal

from cbc_cli.age import ADULT_FROM, NEWBORN_UNTIL, AgeBound, at_least
from cbc_cli.models import PatientInfo
from cbc_cli.panel import Patient

INFANT_UNTIL = AgeBound(1, "y")
"""A child under this age is a baby whose parent sees signs the child cannot tell
(explanations.finding_words ``infant``)."""
TODDLER_UNTIL = AgeBound(2, "y")
"""A child from INFANT_UNTIL to under this age cannot tell of most signs either: the baby's
signs, worded for a young child (explanations.finding_words ``toddler``)."""


def is_child(patient: Patient) -> bool:
    """Whether the person is known to be under 18 (an age that cannot tell is not a child's)."""
    return patient.age is not None and at_least(patient.age, ADULT_FROM) is False


def reader(patient: Patient) -> Literal["pregnant", "newborn", "child", ""]:
    """Who a finding's words are written for (``explanations.finding_words``'s ``person``): the
    one place that decides it. ``pregnant``; ``newborn`` (known to be under 1 month); ``child``
    (known to be under 18); else "" (an adult, or an age that cannot tell). A newborn is a child
    for the care-team message (:func:`is_child`); only the findings' words differ."""
    if patient.pregnancy_trimester:
        return "pregnant"
    if not is_child(patient):
        return ""
    assert patient.age is not None
    return "newborn" if at_least(patient.age, NEWBORN_UNTIL) is False else "child"


def patient_info(patient: Patient) -> PatientInfo:
    """The output form of the person's context, with who the words are for (``child``: decided
    here, by :func:`is_child`, so that no view works it back from the age text)."""
    return PatientInfo(
        sex=patient.sex,
        age=str(patient.age) if patient.age else None,
        age_exact=bool(patient.age and patient.age.is_exact),
        birth_date=patient.born.isoformat() if patient.born else None,
        child=is_child(patient),
        pregnancy_trimester=patient.pregnancy_trimester,
        profiles=list(patient.profiles),
        temperature_c=patient.temperature_c,
        days_since_chemo=patient.days_since_chemo,
        transplant=patient.transplant,
    )


def young_child(patient: Patient) -> Literal["infant", "toddler", ""]:
    """How young a child the words are for, the one place that decides it: ``infant`` when the
    person may be under 1 year (an age given that cannot tell, such as 52w, counts: a baby's
    words and lines are the more careful), ``toddler`` when 1 year or more and may be under 2,
    else ""."""
    if patient.age is None or not is_child(patient):
        return ""
    if at_least(patient.age, INFANT_UNTIL) is not True:
        return "infant"
    return "toddler" if at_least(patient.age, TODDLER_UNTIL) is not True else ""
