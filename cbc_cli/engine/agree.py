"""Values of one panel that should fit together and do not: a typed ANC set against the one the
differential gives, and a hemoglobin set against the hematocrit (docs/clinical.md section 2).
Such a pair most often comes from a typing slip or a problem with the sample, which the result
says before anything else (``Result.consistency``)."""

from __future__ import annotations

from collections.abc import Mapping

from cbc_cli.units import Quantity

# A typed ANC and WBC x (neutrophils % + bands %) / 100 disagree when they differ by more than
# both of these (a project choice): 20 % is about the sampling error of a 100-cell manual
# differential near 50 % (binomial 95 % limits: 50 +/- 1.96 x sqrt(50 x 50 / 100) = 40-60 %),
# and 0.2 x10^9/L keeps small counts, where one cell more or less is a large share, quiet.
ANC_DISAGREE_RELATIVE = 0.2
ANC_DISAGREE_ABSOLUTE = 0.2


# Hemoglobin (g/dL) / hematocrit (%) x 100 is the mean cell hemoglobin concentration (MCHC).
# Its reference interval is 32-36 g/dL in adults (Merck) and 28-38 g/dL at its widest from birth
# to 18 years (Dallman 1977: means 33-34, lower limits mean - 2 SD, so one SD is about 2 g/dL);
# above about 36 g/dL laboratories look for a problem with the sample before reporting, since
# red cells hold no more hemoglobin than that outside a few inherited conditions (Pacurar et al.
# 2006). A pair whose ratio lies more than 8 g/dL (four of those SDs) from 33 does not fit
# together (a project choice): far enough out that the low MCHC of severe iron deficiency and
# the high one of spherocytosis stay inside, and that rounding a typed value does not matter.
MCHC_TYPICAL = 33.0
REFERENCE_MCHC = "28-38"
"""The widest MCHC reference interval at any age (Dallman 1977), as the note says it."""
IMPLIED_MCHC_LOW = 25.0
IMPLIED_MCHC_HIGH = 41.0


def anc_disagreement(values: Mapping[str, Quantity], typed: Quantity | None) -> str | None:
    """The note when a typed ANC and WBC x (neutrophils % + bands %) / 100 from the same panel
    differ by more than both ANC_DISAGREE limits (the typed ANC is used); None when they agree,
    or when either side is missing or a reported bound."""
    wbc, neut, band = values.get("wbc"), values.get("neut_pct"), values.get("band_pct")
    parts = [q for q in (wbc, neut, band, typed) if q is not None]
    if not (wbc and neut and typed) or any(q.comparator is not None for q in parts):
        return None
    pct = neut.value + (band.value if band else 0.0)
    computed = wbc.value * pct / 100
    gap = abs(typed.value - computed)
    if gap <= ANC_DISAGREE_ABSOLUTE or gap <= ANC_DISAGREE_RELATIVE * typed.value:
        return None
    bands = "" if band else " (no bands % given)"
    return (
        f"the anc given ({typed.value:g}) and wbc x (neutrophils % + bands %) / 100 "
        f"({computed:.2f}{bands}) disagree by more than 20% and 0.2 x10^9/L; the anc "
        "given was used. Check that both come from the same sample and were typed as "
        "printed"
    )


HGB_HCT = ("hgb", "hct")
"""The pair of counts :func:`hgb_hct_disagreement` sets against each other."""


def hgb_hct_disagreement(values: Mapping[str, Quantity]) -> str | None:
    """The note when a panel's hemoglobin and hematocrit do not fit together: their ratio, the
    MCHC it implies, lies outside IMPLIED_MCHC_LOW-IMPLIED_MCHC_HIGH g/dL. None when they fit,
    or when either is missing or a reported bound. ``values`` are in canonical units."""
    hgb, hct = (values.get(a) for a in HGB_HCT)
    if hgb is None or hct is None or hgb.comparator is not None or hct.comparator is not None:
        return None
    if hct.value <= 0:
        return None  # no ratio; a zero hematocrit is judged as a value on its own
    mchc = hgb.value / hct.value * 100
    if IMPLIED_MCHC_LOW <= mchc <= IMPLIED_MCHC_HIGH:
        return None
    usual = hgb.value * 100 / MCHC_TYPICAL
    return (
        f"hemoglobin {hgb.value:g} g/dL and hematocrit {hct.value:g}% do not fit together, so one "
        "may be mistyped: check both against the lab report now, and if they match it, follow "
        "the care-team message as it stands: it uses the values as typed. The "
        f"hematocrit is usually about three times the hemoglobin (about {usual:.0f}% for "
        f"{hgb.value:g} g/dL); this pair would mean a concentration of hemoglobin inside the red "
        f"cells (the MCHC) of {mchc:.1f} g/dL, outside the {REFERENCE_MCHC} g/dL usual at any "
        "age: a typing slip or a problem with the sample is the usual reason. Ask the care team "
        "or the lab about the pair when you contact them."
    )


def consistency_notes(values: Mapping[str, Quantity], typed_anc: Quantity | None) -> list[str]:
    """Every note on values of one panel that do not fit together (:func:`anc_disagreement`,
    :func:`hgb_hct_disagreement`), in that order; ``values`` with the derived counts."""
    notes = [anc_disagreement(values, typed_anc), hgb_hct_disagreement(values)]
    return [n for n in notes if n]
