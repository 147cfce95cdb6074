"""Limits short of the critical ones at which a value calls for the care team within a day
(urgency "soon", :func:`cbc_cli.engine.decide` rule 6b; docs/clinical.md section 5)."""

from __future__ import annotations

from cbc_cli.age import NEWBORN_UNTIL, at_least
from cbc_cli.panel import Patient

# A newborn's venous hematocrit of 65% or more is polycythemia (Walter 2022): thick blood that
# can bring low blood sugar, jaundice, feeding and breathing trouble well before the critical
# limit (70%). Contact the same day is a project choice, after a nurse reviewer found "next
# visit" too late for a baby a few days old.
NEWBORN_POLYCYTHEMIA_HCT = 65.0
# A hematocrit below 24% goes with a hemoglobin below about 8 g/dL at the usual MCHC of 33 g/dL
# (hematocrit about three times the hemoglobin), where CTCAE v5.0 anemia grade 3 (severe)
# starts. With no hemoglobin given, the schemes cannot grade the anemia, and a nurse reviewer
# found a hematocrit of 18-23% left at "next visit" where the same hemoglobin is "soon": such a
# hematocrit is "soon" too (a project rule; decide applies it only without a hemoglobin).
SEVERE_ANEMIA_HCT = 24.0
PROMPT_ANALYTES = ("hct",)
"""The analytes :func:`prompt_limits` can give limits for."""


def prompt_limits(analyte: str, patient: Patient) -> tuple[float | None, float | None]:
    """The values below (low) and at or above (high) which ``analyte`` calls for the care team
    within a day, short of its critical limits; None on a side without one.

    The hematocrit's low limit holds for everyone (:data:`SEVERE_ANEMIA_HCT`); its high one for
    a person whose age is given and may be under 1 month old (an age too coarse to tell counts,
    as for critical limits): a newborn's polycythemia (:data:`NEWBORN_POLYCYTHEMIA_HCT`)."""
    if analyte != "hct" or patient.pregnancy_trimester:
        return None, None
    young = patient.age is not None and not at_least(patient.age, NEWBORN_UNTIL)
    return SEVERE_ANEMIA_HCT, NEWBORN_POLYCYTHEMIA_HCT if young else None
