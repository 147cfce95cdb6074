"""Counts worked out from others: ANC and ALC from the WBC and the differential percentages
(docs/clinical.md section 2), and whether a typed ANC agrees with them."""

from __future__ import annotations

from collections.abc import Mapping

from cbc_cli.units import Quantity

DERIVED = "derived:"
"""How a derived count's ``Quantity.input`` begins (``derived: wbc 4 x (neut_pct 50%) / 100``):
:func:`is_derived` tells one by it."""


# A typed ANC and WBC x (neutrophils % + bands %) / 100 disagree when they differ by more than
# both of these (a project choice): 20 % is about the sampling error of a 100-cell manual
# differential near 50 % (binomial 95 % limits: 50 +/- 1.96 x sqrt(50 x 50 / 100) = 40-60 %),
# and 0.2 x10^9/L keeps small counts, where one cell more or less is a large share, quiet.
ANC_DISAGREE_RELATIVE = 0.2
ANC_DISAGREE_ABSOLUTE = 0.2


DERIVED_COUNTS: dict[str, tuple[str, ...]] = {
    "anc": ("neut_pct", "band_pct"),
    "alc": ("lymph_pct",),
}
"""The counts :func:`derive_counts` works out from the WBC and these percentages (the first is
needed, the others are added when given)."""
DERIVATION_BASE = "wbc"
"""The count the percentages of :data:`DERIVED_COUNTS` are shares of."""


def derive_counts(values: dict[str, Quantity]) -> tuple[dict[str, Quantity], list[str]]:
    """Add ANC (and ALC) from WBC and the differential percentages when not given.

    ANC = WBC x (neutrophils % + bands %) / 100 (docs/clinical.md section 2); ALC = WBC x
    lymphocytes % / 100. Returns the completed values and a note for each derived one.
    """
    out = dict(values)
    notes: list[str] = []
    wbc = values.get(DERIVATION_BASE)
    if wbc is None or wbc.comparator is not None:
        return out, notes
    for target, pct_ids in DERIVED_COUNTS.items():
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
        how = f"wbc {wbc.value:g} x ({words}) / 100"
        out[target] = Quantity(target, wbc.value * total / 100, None, f"{DERIVED} {how}")
        notes.append(f"{target} was derived from wbc and the differential ({how})")
    return out, notes


def is_derived(q: Quantity) -> bool:
    """Whether a value was worked out by :func:`derive_counts` rather than given."""
    return q.input.startswith(DERIVED)


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
