"""Notes on how a panel was read: a value judged against every range that could apply, a value
critical for some ages only when no age (or a coarse one) was given (whose limit it is), or for a
newborn, a lab's flag that disagrees with cbc's, a profile that could not apply."""

from __future__ import annotations

from collections.abc import Mapping

from cbc_cli.age import ADULT_FROM, band_text, band_words, bound_words, mean_days
from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.newborn import NEWBORN_END_DAYS, NewbornLimit
from cbc_cli.engine.values import Checked, limit_text, unit_words
from cbc_cli.models import AnalyteResult, Flag
from cbc_cli.panel import Panel, Patient
from cbc_cli.ranges import RangeTable


def whose_limit(
    ranges: RangeTable, analyte: str, patient: Patient, direction: str, limit: float | None
) -> str | None:
    """Who a critical limit is for, from 1 month up: ``children (1 month to 18 years)``,
    ``adults (18 years and over)``, or the bands of the rows that set it; None when no such
    row (of the highest layer that has one) sets it."""
    rows = [
        r
        for r in ranges.rows_for(analyte)
        if r.condition is None
        and mean_days(r.age_to) > NEWBORN_END_DAYS
        and (patient.sex is None or r.sex in ("any", patient.sex))
        and r.has("critical")
    ]
    if not rows or limit is None:
        return None
    top = max(r.layer for r in rows)
    bands = [
        r
        for r in rows
        if r.layer == top and (r.critical_low if direction == "low" else r.critical_high) == limit
    ]
    if not bands:
        return None
    words = []
    for r in bands:
        to = bound_words(r.age_to) if r.age_to else None
        if r.age_from == ADULT_FROM and to is None:
            words.append("adults (18 years and over)")
        elif r.age_to == ADULT_FROM:
            words.append(f"children ({bound_words(r.age_from)} to 18 years)")
        elif to is None:
            words.append(f"ages {bound_words(r.age_from)} and over")
        else:
            words.append(f"ages {bound_words(r.age_from)} to {to}")
    return " and ".join(dict.fromkeys(words))


def coarse_age_words(ranges: RangeTable, analyte: str, patient: Patient, direction: str) -> str:
    """The note of a value critical for some of the ages a coarse age could be (``0 y``): the
    limit of every band the age could cover, in words and youngest first, so that a parent can
    see their child's, and how to give the age exactly."""
    assert patient.age is not None
    candidates = sorted(
        ranges.select(analyte, patient, "critical").candidates,
        key=lambda r: (mean_days(r.age_from), mean_days(r.age_to)),
    )
    unit = unit_words(ANALYTES[analyte].unit)
    said: dict[str, str] = {}
    for r in candidates:
        limit = r.critical_low if direction == "low" else r.critical_high
        band = band_words(r.age_from, r.age_to)
        said.setdefault(band, f"{limit:g} {unit} {band}" if limit is not None else f"none {band}")
    side = "below" if direction == "low" else "above"
    # An age in days or weeks is already as fine as an age is typed: only the dates tell where a
    # month ends (28d may be past 1 month or not; a nurse reviewer found "give the age in days"
    # asked of a parent who had).
    ask = (
        "give the date of birth and the date the sample was taken"
        if patient.age.unit in ("d", "w")
        else "give the age in months or days (such as 3m or 10d)"
    )
    return (
        f"the age given ({patient.age}) does not tell which limit applies: labs phone the care "
        f"team at once {side} {'; '.join(said.values())}; {ask} so that the person's own limit "
        "applies"
    )


def group_word(whose: str) -> str:
    """``children`` of ``children (1 month to 18 years)``: the group, said again."""
    return whose.split(" (", maxsplit=1)[0]


def newborn_critical_words(analyte: str, beyond: tuple[NewbornLimit, ...]) -> str | None:
    """No age given: the value is beyond a newborn's critical limit (``Judgement.newborn``) but
    not critical from 1 month up, which is all the age-unknown limits cover: the note says so
    and asks for the age (docs/clinical.md section 5). None when it is beyond none."""
    if not beyond:
        return None
    unit = ANALYTES[analyte].unit
    said = [
        f"{'below' if n.direction == 'low' else 'above'} the limit for babies "
        f"{band_words(n.age_from, n.age_to)} ({limit_text(n.limit, unit)})"
        for n in beyond
    ]
    # Opened so that an adult reader can pass it by at "if this is a baby" (a clinical
    # reviewer's wording): the urgency is the one the adult limits give.
    return (
        "if this is a baby under 1 month old, give the age in days (such as 5d): babies this "
        f"young have their own call limits, and this value is {' and '.join(said)}"
    )


def flags_disagree(lab: str, own: Flag) -> bool:
    """Whether the lab's flag and cbc's say different things: the lab's A (abnormal) agrees with
    any flag but N, its AA (critically abnormal) with LL and HH."""
    lab = lab.strip().upper()
    if own == "no-range":
        return False  # cbc cannot flag it: nothing to set against the lab's flag
    if lab == "A":
        return own == "N"
    if lab == "AA":
        return own not in ("LL", "HH")
    return lab != own


def lab_flag_note(r: AnalyteResult) -> str:
    """The lab's flag against cbc's, naming the range each comes from."""
    info = r.reference_range
    if info is not None and info.origin == "lab":
        where = "cbc judged it by the lab's range given with the result"
        if {r.flag, (r.lab_flag or "").upper()} & {"LL", "HH"}:
            where += " and its own critical limits"
    else:
        ours = f"cbc's range: {info.source}" if info is not None else "cbc had no range for it"
        where = f"{ours}; the lab flags by its own range, not given in the input"
    return f"the lab flagged {r.name} {r.lab_flag}; cbc's flag is {r.flag} ({where})"


def envelope_note(patient: Patient, verdict: Flag, reason: str | None) -> str:
    """How a value was judged against every range that could apply (docs/clinical.md section 3)."""
    missing = [w for w, known in (("sex", patient.sex), ("age", patient.age)) if known is None]
    why = (
        f"{' and '.join(missing)} not given"
        if missing
        else f"age {patient.age.describe() if patient.age else ''} too coarse to choose"
    )
    head = f"judged against every range that could apply ({why}): "
    if verdict == "L":
        return head + "low for all of them"
    if verdict == "H":
        return head + "high for all of them"
    if verdict == "N":
        return head + "within all of them"
    # None of them fits this person: say what would let one fit.
    needed = f"the {' and '.join(missing)} {'are' if len(missing) > 1 else 'is'}"
    fits = f"no single range fits until {needed if missing else 'the exact age is'} given"
    return (
        f"{reason}: the ranges that could apply disagree about this value, so {fits}"
        if reason
        else (head + f"they disagree about this value, so {fits}")
    )


def profile_notes(panel: Panel, checked: Mapping[str, Checked], ranges: RangeTable) -> list[str]:
    """Why an opted-in profile (duffy-null) was not applied: its rows are for some ages only
    (the adults its sources studied) and the person is outside them, or the age is unknown."""
    notes: list[str] = []
    patient = panel.patient
    for profile in patient.profiles:
        condition = f"profile-{profile}"
        rows = [
            row
            for analyte_id in checked
            if analyte_id not in panel.lab_ranges
            for row in ranges.rows_for(analyte_id)
            if row.condition == condition and row.has("reference")
        ]
        fits = [patient.fits(row.sex, row.age_from, row.age_to)[1] for row in rows]
        if not rows or any(fits):
            continue
        bands = ", ".join(sorted({band_text(row.age_from, row.age_to) for row in rows}))
        if any(f is None for f in fits):
            why = "the age is not given (or too coarse to tell); give it to use the profile"
        else:
            why = "the person's age is outside them, so the ranges for that age were used"
        notes.append(
            f"the {profile} profile was not applied: its ranges are for {bands} only, the "
            f"ages its sources studied, and no sourced range exists outside them; {why}"
        )
    return notes
