"""Counts worked out from others: ANC and ALC from the WBC and the differential percentages
(docs/clinical.md section 2)."""

from __future__ import annotations

from cbc_cli.units import Quantity

DERIVED = "derived:"
"""How a derived count's ``Quantity.input`` begins (``derived: wbc 4 x (neut_pct 50%) / 100``):
:func:`is_derived` tells one by it."""


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
