"""The engine: flags, grades, findings and urgency for one panel. A pure function: no I/O.

Rules follow docs/clinical.md sections 4-6; the urgency rules are in decide (and README "Urgency").
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Literal, NamedTuple

from cbc_cli.age import ADULT_FROM, NEWBORN_UNTIL, AgeBound, at_least, band_text
from cbc_cli.analytes import ANALYTES
from cbc_cli.explanations import (
    CARE_TEAM_MESSAGES,
    CHILD_CARE_TEAM_MESSAGES,
    CHILD_NOTHING_CHECKED_MESSAGE,
    CHILD_ROUTINE_FOLLOW_UP,
    CHILD_SOON_WITH_FEVER_MESSAGE,
    MCV_PATTERNS,
    NOTHING_CHECKED_MESSAGE,
    ROUTINE_FOLLOW_UP,
    SOON_WITH_FEVER_MESSAGE,
    URGENT_FOLLOW_UP,
    finding_words,
    for_child,
    recovery_context,
    safety_line,
    transplant_context,
)
from cbc_cli.grading import (
    Criterion,
    Grade,
    Scheme,
    choose_criterion,
    grade_value,
    guard,
    guard_limit,
)
from cbc_cli.models import (
    URGENCY_ORDER,
    AnalyteResult,
    Finding,
    Flag,
    PatientInfo,
    RangeInfo,
    Result,
    Urgency,
)
from cbc_cli.panel import LabRange, Panel, Patient
from cbc_cli.ranges import Envelope, RangeTable
from cbc_cli.units import Quantity
from cbc_cli.wording import DEFERRED_WBC_NOTE

# (finding code, analyte, direction): the single-analyte findings, in output order.
FINDING_RULES: tuple[tuple[str, str, str], ...] = (
    ("anemia", "hgb", "low"),
    ("erythrocytosis", "hgb", "high"),
    ("leukopenia", "wbc", "low"),
    ("leukocytosis", "wbc", "high"),
    ("neutropenia", "anc", "low"),
    ("neutrophilia", "anc", "high"),
    ("lymphopenia", "alc", "low"),
    ("thrombocytopenia", "plt", "low"),
    ("thrombocytosis", "plt", "high"),
)
LAB_CRITICAL_FLAGS = frozenset({"LL", "HH", "AA"})
# The terms of a high count: beyond the critical high limit each is worded as urgent.
HIGH_TERMS = frozenset(code for code, _, direction in FINDING_RULES if direction == "high")
LOW_FLAGS = frozenset({"L", "LL"})
HIGH_FLAGS = frozenset({"H", "HH"})
_NOT_LOW = HIGH_FLAGS | {"N"}
_NOT_HIGH = LOW_FLAGS | {"N"}

# Fever with neutropenia, IDSA 2010 / ASCO-IDSA 2018 (docs/clinical.md section 5): a single
# reading of 38.3 C or more, or 38.0 C or more sustained over an hour, with ANC below 0.5 x10^9/L.
FEVER_C = 38.0
FEVER_SINGLE_C = 38.3
FN_ANC = 0.5
# Anemia by MCV (docs/clinical.md section 5): microcytic < 80 fL, normocytic 80-100,
# macrocytic > 100.
MCV_MICRO, MCV_MACRO = 80.0, 100.0
# A typed ANC and WBC x (neutrophils % + bands %) / 100 disagree when they differ by more than
# both of these (a project choice): 20 % is about the sampling error of a 100-cell manual
# differential near 50 % (binomial 95 % limits: 50 +/- 1.96 x sqrt(50 x 50 / 100) = 40-60 %),
# and 0.2 x10^9/L keeps small counts, where one cell more or less is a large share, quiet.
ANC_DISAGREE_RELATIVE = 0.2
ANC_DISAGREE_ABSOLUTE = 0.2
# A white count above this (10^9/L) is hyperleukocytosis (CTCAE v5.0 grade 3 leukocytosis): its
# explanation says it needs review now and what it is mostly seen with (explanations,
# _CRITICAL_HIGH_WORDS).
VERY_HIGH_WBC = 100.0
# ASCO/IDSA neutropenia words (docs/clinical.md section 4): each band is [low, high) in 10^9/L.
NEUTROPENIA_WORDS = ((0.1, "profound"), (0.5, "severe"), (1.0, "moderate"), (1.5, "mild"))


class _Checked(NamedTuple):
    quantity: Quantity
    low: float | None
    high: float | None
    flag: Flag | None
    span: tuple[float, float]
    """The values the result may stand for: equal ends unless the lab reported a bound."""
    ends: tuple[Flag, Flag]
    """The flags at both ends of ``span``: both low (or both high) when a reported bound such as
    "<0.6" is beyond the range for certain even though it spans a critical limit."""
    limit: float | None = None
    """The critical limit the value is beyond (flag LL or HH), named in the message."""


def _span(q: Quantity) -> tuple[float, float]:
    # A reported bound ("<0.1") stands for every value beyond it; the plausibility limits close it.
    v = q.value
    if q.comparator is None:
        return v, v
    lo_plausible, hi_plausible = ANALYTES[q.analyte].plausible
    return {
        "<": (lo_plausible, v * (1 - 1e-9)),
        "<=": (lo_plausible, v),
        ">": (v * (1 + 1e-9) if v else 1e-12, hi_plausible),
        ">=": (v, hi_plausible),
    }[q.comparator]


def flag_value(
    value: float,
    low: float | None,
    high: float | None,
    critical_low: float | None,
    critical_high: float | None,
    *,
    has_range: bool,
    inner: tuple[float | None, float | None] | None = None,
) -> Flag:
    """Flag one value: LL/HH beyond the critical limits, L/H beyond the range, else N.

    ``low``/``high`` are the outer envelope of every range that could apply to the person and
    ``inner`` the inner one (see ranges.Envelope); without ``inner`` one range applies (outer ==
    inner). A value below every range's low is L, above every range's high H, inside every range
    N; anything else is ``no-range``, as is a value inside the critical limits when no range
    applies at all (``has_range`` false), never N. The critical limits are those under which
    the value is critical for every candidate. Limits are exclusive: a value equal to a limit is
    not beyond it.
    """
    v = guard(value)
    if critical_low is not None and v < guard_limit(critical_low):
        return "LL"
    if critical_high is not None and v > guard_limit(critical_high):
        return "HH"
    if not has_range:
        return "no-range"
    if low is not None and v < guard_limit(low):
        return "L"
    if high is not None and v > guard_limit(high):
        return "H"
    inner_low, inner_high = (low, high) if inner is None else inner
    if (inner_low is not None and v < guard_limit(inner_low)) or (
        inner_high is not None and v > guard_limit(inner_high)
    ):
        return "no-range"
    return "N"


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
        text = f"derived: wbc {wbc.value:g} x ({words}) / 100"
        out[target] = Quantity(target, wbc.value * total / 100, None, text)
        notes.append(f"{target} was derived from wbc and the differential ({text[9:]})")
    return out, notes


def reported_value(value: float) -> float:
    """A value as the result reports it: six significant digits (the columnar path writes the
    brief record's values through this too)."""
    return float(f"{value:.6g}")


class Basis(NamedTuple):
    """What a value of one analyte is judged by, for one person: the reference limits, the
    critical limits and the grading criterion of each of the analyte's terms.

    :func:`judge_value` reads nothing else, so persons with equal bases get equal judgements of
    equal values: a batch can judge each distinct value once per distinct basis.
    """

    analyte: str
    limits: Envelope | None
    """The lab's range, the chosen row's, or the envelope of every row that could apply; None
    when no range applies."""
    critical_low: float | None
    critical_high: float | None
    envelope: bool
    """No single range could be chosen: the value is judged against every range that could
    apply (ranges.Envelope; docs/clinical.md section 3)."""
    terms: tuple[tuple[str, str, Criterion | Grade], ...]
    """(finding code, direction, the criterion that grades it or why none does) for each of the
    analyte's terms in FINDING_RULES, in that order."""
    uses_lln: bool
    scheme_title: str
    every_age_low: float | None = None
    every_age_high: float | None = None
    """No age given: the limits beyond which a value is critical at every age from 1 month up
    (the looser of the children's and the adults'), where they are looser than
    ``critical_low``/``critical_high`` (ranges.RangeTable.critical_at_some_age); an age too
    coarse to choose one row: the loosest candidate's (infinite when one has none), the
    strictest being ``critical_low``/``critical_high``. A value critical but not beyond them is
    critical for some of those ages only. None otherwise."""


class Judgement(NamedTuple):
    """One value judged: its flag and the grade of each of its analyte's terms."""

    flag: Flag | None
    """None: a reported bound (``<0.6``) that lies on both sides of a limit."""
    ends: tuple[Flag, Flag]
    """The flags at both ends of ``span``."""
    span: tuple[float, float]
    """The values the result may stand for: equal ends unless the lab reported a bound."""
    low: float | None
    """The lower limit of normal the grades used (None: none applies, or the candidate ranges
    disagree about the value)."""
    high: float | None
    verdict: Flag | None
    """Against the candidate ranges alone, critical limits aside, when ``Basis.envelope``."""
    grades: tuple[tuple[str, Grade], ...]
    """(finding code, grade) for each of ``Basis.terms``."""
    critical_some_ages: tuple[str, ...] = ()
    """No age given: the directions ("low", "high") in which the value is critical (LL/HH) but
    not beyond ``Basis.every_age_low``/``every_age_high`` at both ends of its span: critical for
    some ages from 1 month up only (its note asks for the age; decide words the message so)."""
    crossed: float | None = None
    """The critical limit the value is beyond (flag LL or HH), which decide's message names;
    always one of :func:`critical_limits`."""

    @property
    def certain(self) -> tuple[str, ...]:
        """The directions ("low", "high") the value is beyond the range at both ends of its
        span, flagged so or not (a reported bound such as "<0.6" beyond it)."""
        return tuple(
            d
            for d, beyond in (("low", LOW_FLAGS), ("high", HIGH_FLAGS))
            if all(f in beyond for f in self.ends)
        )


def value_basis(
    analyte: str,
    patient: Patient,
    ranges: RangeTable,
    scheme: Scheme,
    lab: LabRange | None = None,
) -> Basis:
    """What a value of ``analyte`` is judged by for this person (see :class:`Basis`): the lab's
    printed range when given, else the range selected for the person (or the envelope of every
    range that could apply), the critical limits, and the scheme's criterion for each term."""
    # With no age given, the age-unknown rows (values critical at every age) apply; with a sex or
    # age that cannot choose one row, a value is critical only when it is for every candidate.
    crit = ranges.select(analyte, patient, "critical").limits("critical")
    limits: Envelope | None
    if lab is not None:
        limits, envelope_used = Envelope(lab.low, lab.high, lab.low, lab.high), False
    else:
        chosen = ranges.select(analyte, patient)
        limits = chosen.limits()
        envelope_used = limits is not None and chosen.range is None
    terms = tuple(
        (code, direction, choose_criterion(scheme, code, patient))
        for code, term_analyte, direction in FINDING_RULES
        if term_analyte == analyte
    )
    c_low, c_high = (crit.low, crit.high) if crit else (None, None)
    some = ranges.critical_at_some_age(analyte, patient)
    every_low = every_high = None
    if some is not None:
        if some.low is not None and c_low is not None and some.low < c_low:
            every_low = some.low
        if some.high is not None and c_high is not None and some.high > c_high:
            every_high = some.high
    elif crit is not None:
        # An age (or sex) too coarse to choose one row ("0 y" for a baby, "2 w"): the strictest
        # candidate's limit applies, as with no age at all, so that a coarse age never weakens
        # an urgent answer; beyond it but not beyond every candidate's, the value is critical
        # for some of the ages the person could be (docs/clinical.md section 5). A candidate
        # with no limit on a side makes that side's every-age limit infinite.
        if crit.inner_low is not None and crit.inner_low != crit.low:
            c_low, every_low = crit.inner_low, -math.inf if crit.low is None else crit.low
        if crit.inner_high is not None and crit.inner_high != crit.high:
            c_high, every_high = crit.inner_high, math.inf if crit.high is None else crit.high
    return Basis(
        analyte,
        limits,
        c_low,
        c_high,
        envelope_used,
        terms,
        scheme.uses_lln,
        scheme.title,
        every_low,
        every_high,
    )


def judge_value(q: Quantity, basis: Basis) -> Judgement:
    """Flag one value (canonical unit) and grade each of its analyte's terms, by ``basis``.

    The one place a value is judged: :func:`interpret_panel` calls it for each value of a
    panel, the columnar batch path once for each distinct value and basis. A reported bound
    (``<0.1``) is judged at both ends of the values it stands for: a flag or grade holds only
    when it holds at both.
    """
    limits = basis.limits
    has_range = limits is not None
    low, high = (limits.low, limits.high) if limits else (None, None)
    inner = (limits.inner_low, limits.inner_high) if limits else None
    c_low, c_high = basis.critical_low, basis.critical_high
    span = _span(q)
    first = flag_value(span[0], low, high, c_low, c_high, has_range=has_range, inner=inner)
    last = (
        first
        if span[1] == span[0]
        else flag_value(span[1], low, high, c_low, c_high, has_range=has_range, inner=inner)
    )
    # The same flag at both ends of a reported bound means the flag holds for all of it.
    flag: Flag | None = first if first == last else None
    verdict: Flag | None = None
    if basis.envelope:
        # Judged against the candidates: the verdict of the ranges alone, critical limits aside.
        verdicts = {flag_value(v, low, high, None, None, has_range=True, inner=inner) for v in span}
        verdict = verdicts.pop() if len(verdicts) == 1 else "no-range"
        if verdict == "no-range":
            # The candidates disagree: no LLN or ULN to grade by (grades 2-4 stay absolute).
            low = high = None
    grades = tuple(
        (code, _grade(direction, chosen, flag, low, high, span, q.input, basis))
        for code, direction, chosen in basis.terms
    )
    some_ages: tuple[str, ...] = ()
    if flag == "LL" and basis.every_age_low is not None:
        limit = guard_limit(basis.every_age_low)
        if not all(guard(v) < limit for v in span):
            some_ages = ("low",)
    if flag == "HH" and basis.every_age_high is not None:
        limit = guard_limit(basis.every_age_high)
        if not all(guard(v) > limit for v in span):
            some_ages = ("high",)
    crossed = c_low if flag == "LL" else c_high if flag == "HH" else None
    return Judgement(flag, (first, last), span, low, high, verdict, grades, some_ages, crossed)


def critical_limits(ranges: RangeTable, analyte: str) -> tuple[float, ...]:
    """Every critical limit (low or high) of an analyte's range rows, sorted: the limits a
    value can be judged beyond (:func:`value_basis` takes them from these rows), for the
    columnar path to number each one's answers."""
    rows = ranges.rows_for(analyte)
    found = {v for r in rows for v in (r.critical_low, r.critical_high) if v is not None}
    return tuple(sorted(found))


def _check(
    panel: Panel, q: Quantity, ranges: RangeTable, scheme: Scheme
) -> tuple[_Checked, AnalyteResult, Judgement]:
    analyte = ANALYTES[q.analyte]
    patient = panel.patient
    lab = panel.lab_ranges.get(q.analyte)
    basis = value_basis(q.analyte, patient, ranges, scheme, lab)
    judged = judge_value(q, basis)
    c_low, c_high = basis.critical_low, basis.critical_high
    info: RangeInfo | None
    note: str | None = None
    if lab is not None:
        info = RangeInfo(
            low=lab.low,
            high=lab.high,
            unit=analyte.unit,
            source=lab.source,
            origin="lab",
            critical_low=c_low,
            critical_high=c_high,
        )
    else:
        chosen = ranges.select(q.analyte, patient)
        row = chosen.range
        note = chosen.reason
        # No single range was chosen: the JSON's reference_range stays null and the note says
        # how the value was judged against every range that could apply.
        info = (
            None
            if row is None
            else RangeInfo(
                low=row.low,
                high=row.high,
                unit=analyte.unit,
                source=row.source,
                origin=row.origin,
                critical_low=c_low,
                critical_high=c_high,
            )
        )
    flag = judged.flag
    if basis.envelope and judged.verdict is not None:
        note = _envelope_note(patient, judged.verdict, note)
    if flag is None:
        note = f"reported as {q.input}, which lies on both sides of a limit: cannot flag"
    elif flag in ("LL", "HH") and (basis.limits is None or basis.envelope) and note:
        note = f"beyond the critical limit; {note}"
    elif info is not None and (info.low is None) != (info.high is None):
        side = "upper" if info.high is None else "lower"
        word = "high" if info.high is None else "low"
        note = f"the range applied has no {side} limit, so a {word} value cannot be flagged"
    for direction in judged.critical_some_ages:
        own = c_low if direction == "low" else c_high
        other = basis.every_age_low if direction == "low" else basis.every_age_high
        side = "below" if direction == "low" else "above"
        unit = f"x{analyte.unit}" if analyte.unit.startswith("10^") else analyte.unit
        # Said with the value: its urgency holds for some ages only, whose (named when the
        # rows tell), and the age would tell (docs/clinical.md section 5).
        stricter = _whose_limit(ranges, q.analyte, patient, direction, own)
        looser = _whose_limit(ranges, q.analyte, patient, direction, other)
        if patient.age is not None:
            some = _coarse_age_words(ranges, q.analyte, patient, direction, own, other)
        elif stricter and looser and own is not None and other is not None:
            some = (
                f"age not given: {side} {own:g} {unit}, the limit at which labs phone the care "
                f"team at once for {stricter}; for {looser} the limit is {other:g}, so this value "
                f"is critical for {_first_word(stricter)} but not for {_first_word(looser)}; "
                "give the age so that the person's own limit applies"
            )
        else:
            some = (
                f"age not given: {side} {own:g} {unit}, critical for some ages (the stricter of "
                "the children's and the adults' limits at which labs phone the care team at "
                f"once; the looser limit is {other:g}); give the age so that the person's own "
                "limit applies"
            )
        note = f"{note}; {some}" if note else some
    newborn = _newborn_critical_words(q, patient, ranges, flag)
    if newborn:
        note = f"{note}; {newborn}" if note else newborn
    lab_flag = panel.lab_flags.get(q.analyte)
    result = AnalyteResult(
        analyte=q.analyte,
        name=analyte.name,
        value=reported_value(q.value),
        unit=analyte.unit,
        input=q.input,
        unit_given=q.unit,
        comparator=q.comparator,  # type: ignore[arg-type]
        derived=q.input.startswith("derived:"),
        flag=flag,
        reference_range=info,
        range_note=note,
        lab_flag=lab_flag,
    )
    checked = _Checked(q, judged.low, judged.high, flag, judged.span, judged.ends, judged.crossed)
    return checked, result, judged


def _whose_limit(
    ranges: RangeTable, analyte: str, patient: Patient, direction: str, limit: float | None
) -> str | None:
    """Who a critical limit is for, from 1 month up: ``children (1 month to 18 years)``,
    ``adults (18 years and over)``, or the bands of the rows that set it; None when no such
    row (of the highest layer that has one) sets it."""
    rows = [
        r
        for r in ranges.rows_for(analyte)
        if r.condition is None
        and (r.age_to is None or r.age_to.n * _BOUND_DAYS[r.age_to.unit] > _BOUND_DAYS["m"])
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
        to = _bound_words(r.age_to) if r.age_to else None
        if r.age_from == ADULT_FROM and to is None:
            words.append("adults (18 years and over)")
        elif r.age_to == ADULT_FROM:
            words.append(f"children ({_bound_words(r.age_from)} to 18 years)")
        elif to is None:
            words.append(f"ages {_bound_words(r.age_from)} and over")
        else:
            words.append(f"ages {_bound_words(r.age_from)} to {to}")
    return " and ".join(dict.fromkeys(words))


def _coarse_age_words(
    ranges: RangeTable,
    analyte: str,
    patient: Patient,
    direction: str,
    own: float | None,
    other: float | None,
) -> str:
    """The note of a value critical for some of the ages a coarse age could be (``0 y``): the
    limit it is beyond and whose it is, the looser one, and how to give the age exactly."""
    assert own is not None
    assert other is not None
    assert patient.age is not None
    candidates = sorted(
        ranges.select(analyte, patient, "critical").candidates,
        key=lambda r: r.age_from.n * _BOUND_DAYS[r.age_from.unit],
    )

    def whose(limit: float) -> str:
        bands = [
            band_text(r.age_from, r.age_to)
            for r in candidates
            if (r.critical_low if direction == "low" else r.critical_high) == limit
        ]
        return "ages " + " and ".join(dict.fromkeys(bands)) if bands else "some ages"

    side = "below" if direction == "low" else "above"
    unit = _unit_words(ANALYTES[analyte].unit)
    looser = (
        f"for {whose(other)} the limit is {other:g}"
        if math.isfinite(other)
        else "for others of those ages there is none"
    )
    return (
        f"the age given ({patient.age}) does not tell which limit applies: {side} {own:g} "
        f"{unit}, the limit at which labs phone the care team at once for {whose(own)}; "
        f"{looser}; give the age in months or days (such as 3m or 10d) so that the "
        "person's own limit applies"
    )


def _first_word(whose: str) -> str:
    """``children`` of ``children (1 month to 18 years)``: the group, said again."""
    return whose.split(" (", maxsplit=1)[0]


def _newborn_critical_words(
    q: Quantity, patient: Patient, ranges: RangeTable, flag: Flag | None
) -> str | None:
    """No age given: the value is beyond a newborn's critical limit (the table's rows ending by
    1 month) but not critical from 1 month up, which is all the age-unknown limits cover: the
    note says so and asks for the age (docs/clinical.md section 5). None otherwise."""
    if patient.age is not None or patient.pregnancy_trimester or flag in ("LL", "HH", None):
        return None
    rows = [
        r
        for r in ranges.rows_for(q.analyte)
        if r.condition is None
        and r.age_to is not None
        and r.age_to.n * _BOUND_DAYS[r.age_to.unit] <= _BOUND_DAYS["m"]
        and (patient.sex is None or r.sex in ("any", patient.sex))
        and r.has("critical")
    ]
    if not rows:
        return None
    top = max(r.layer for r in rows)
    lo, hi = _span(q)
    beyond = []
    for r in (r for r in rows if r.layer == top):
        assert r.age_to is not None  # (rows ending by 1 month, above)
        to = _bound_words(r.age_to)
        band = f"under {to} old" if r.age_from.n == 0 else f"{_bound_words(r.age_from)} to {to}"
        unit = ANALYTES[q.analyte].unit
        if r.critical_low is not None and guard(hi) < guard_limit(r.critical_low):
            beyond.append(f"{band}: below {_limit_text(r.critical_low, unit)}")
        elif r.critical_high is not None and guard(lo) > guard_limit(r.critical_high):
            beyond.append(f"{band}: above {_limit_text(r.critical_high, unit)}")
    if not beyond:
        return None
    return (
        "age not given: for a baby under 1 month, this value is beyond the newborn limit at "
        f"which labs phone the care team at once ({'; '.join(beyond)}); give the age, which "
        "decides whether that limit applies"
    )


def _bound_words(bound: AgeBound) -> str:
    """``15 days``, ``1 month``: an age bound in words."""
    word = {"d": "day", "w": "week", "m": "month", "y": "year"}[bound.unit]
    return f"{bound.n} {word}{'' if bound.n == 1 else 's'}"


# Days in each unit of an age bound, as the range files compare them (1 m = 30.4375 d).
_BOUND_DAYS = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}


def _limit_text(limit: float, unit: str) -> str:
    """A limit with its unit, as the notes write it: ``53 x10^9/L``, ``20%``, ``6.9 g/dL``."""
    return f"{limit:g}%" if unit == "%" else f"{limit:g} {_unit_words(unit)}"


def _flags_disagree(lab: str, own: Flag) -> bool:
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


def _lab_flag_note(r: AnalyteResult) -> str:
    """The lab's flag against cbc's, naming the range each comes from."""
    info = r.reference_range
    if info is not None and info.origin == "lab":
        where = "cbc judged it by the lab's range given with the result"
        if {r.flag, (r.lab_flag or "").upper()} & {"LL", "HH"}:
            where += " and its own critical limits"
    else:
        ours = f"cbc's range: {info.source}" if info is not None else "cbc had no range for it"
        where = f"{ours}; the lab flags by its own range, not given in the input"
    return f"the lab flagged {r.analyte} {r.lab_flag}; cbc's flag is {r.flag} ({where})"


def _envelope_note(patient: Patient, verdict: Flag, reason: str | None) -> str:
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


def _grade(
    direction: str,
    chosen: Criterion | Grade,
    flag: Flag | None,
    low: float | None,
    high: float | None,
    span: tuple[float, float],
    given: str,
    basis: Basis,
) -> Grade:
    """One term's grade of a value (``given`` as typed) flagged ``flag`` over ``span``."""
    if isinstance(chosen, Grade):
        return chosen
    # A count inside the person's range is not an adverse event, even where a scheme's absolute
    # cut-off lies above the LLN (the Duffy-null profile's ANC 1.21): CTCAE grade 0 then.
    not_abnormal = _NOT_LOW if direction == "low" else _NOT_HIGH
    # ...but only when the limit on that side exists: a one-sided range (pregnancy hemoglobin
    # has no upper limit) cannot say a value is not high.
    # CTCAE v6.0 grades neutrophils by fixed cut-offs alone: there the cut-offs decide.
    limit = low if direction == "low" else high
    in_range_is_zero = basis.uses_lln and flag in not_abnormal and limit is not None
    if in_range_is_zero and chosen.grade_one_from_limit:
        return Grade(0, None, chosen)
    outcomes = {grade_value(chosen, v, low, high) for v in dict.fromkeys(span)}
    if len(outcomes) == 1:
        outcome = outcomes.pop()
        beyond = LOW_FLAGS if direction == "low" else HIGH_FLAGS
        if basis.uses_lln and outcome.grade == 0 and not chosen.has_grade_one:
            if flag in beyond:
                # Beyond the range yet under the scheme's lowest grade: CTCAE leukocytosis starts
                # at grade 3, so a high WBC below 100 has no grade there. Not 0: it is abnormal.
                note = chosen.note or f"{basis.scheme_title} has no grade for this value"
                return Grade(None, note, chosen)
            if flag not in not_abnormal and not _inside_every_candidate(direction, span, basis):
                # No range fits (the ranges that could apply disagree): under the lowest grade
                # the value may still be abnormal for this person, so 0 ("graded and not
                # abnormal") cannot be said either.
                side = "high" if direction == "high" else "low"
                return Grade(
                    None, f"cannot grade: no range fits to tell whether it is {side}", chosen
                )
        return outcome
    grades = sorted(str(g.grade) for g in outcomes)
    return Grade(None, f"reported as {given}: could be grade {' or '.join(grades)}", chosen)


def _inside_every_candidate(direction: str, span: tuple[float, float], basis: Basis) -> bool:
    """Whether the value is within every candidate range on one side (not above the lowest
    upper limit, or not below the highest lower limit): not high (or low) for any of them."""
    env = basis.limits
    inner = None if env is None else env.inner_high if direction == "high" else env.inner_low
    if inner is None:
        return False
    limit = guard_limit(inner)
    return all(guard(v) <= limit if direction == "high" else guard(v) >= limit for v in span)


def _severity(grade: int | None, scheme: Scheme) -> str:
    if grade is None:
        return "not graded"
    return "below grade 1" if grade == 0 else scheme.grade_words.get(grade, f"grade {grade}")


def _finding(
    code: str,
    analytes: list[str],
    *,
    grade: int | None = None,
    note: str | None = None,
    scheme: Scheme | None = None,
    severity: str | None = None,
    extra: str = "",
    pattern: str | None = None,
    patient: Patient | None = None,
    high_level: str = "",
    with_precautions: bool = True,
    critical: tuple[str, ...] = (),
    febrile: bool = False,
    high_analytes: tuple[str, ...] = (),
) -> Finding:
    person = patient or Patient()
    words = finding_words(
        code,
        extra=extra,
        fever=_has_fever(person),
        days_since_chemo=person.days_since_chemo,
        with_precautions=with_precautions,
        critical=critical,
        febrile=febrile,
        person=reader(person),
        high_level=high_level,
        high_analytes=high_analytes,
    )
    return Finding(
        code=code,
        analytes=analytes,
        grade=grade,
        grade_note=note,
        scheme=scheme.id if scheme else None,
        severity=severity or (_severity(grade, scheme) if scheme else "not graded"),
        title=words.title,
        explanation=words.explanation,
        action=words.action,
        measures=words.measures,
        meaning=words.meaning,
        notice=words.notice,
        precautions=words.precautions,
        background=words.background,
        topics=list(words.topics),
        pattern=pattern,  # type: ignore[arg-type]
    )


def _shown(q: Quantity) -> str:
    """A value as the result reports it, with its comparator (``<0.1``)."""
    return f"{q.comparator or ''}{reported_value(q.value):g}"


def _has_fever(patient: Patient) -> bool:
    """A temperature of 38.0 C or more was given (the words then never ask to watch for one)."""
    return patient.temperature_c is not None and patient.temperature_c >= FEVER_C


def _neutropenia_words(anc: _Checked, grade: int | None) -> str:
    """The ASCO/IDSA severity word, only when the scheme could not grade the count: a graded
    count shows its scheme's word alone, so a person never reads two answers for one count
    (CTCAE grade 2 is "moderate" where ASCO/IDSA says "mild"; docs/clinical.md section 4)."""
    if grade is not None:
        return ""
    hi = anc.span[1]
    bound = anc.quantity.comparator is not None
    for limit, word in NEUTROPENIA_WORDS:
        if guard(hi) < limit:
            least = f"at least {word}" if bound and word != "profound" else word
            return f"In ASCO/IDSA terms this is {least} neutropenia (ANC below {limit:g} x10^9/L)."
    return ""


def cross_words(q: Quantity) -> str | None:
    """What one value puts into the words of another analyte's finding: an MCV's red-cell size
    pattern (microcytic, normocytic, macrocytic), named in the anemia finding; None for any other
    value, and for a reported bound. Everything else a finding says of a value comes from that
    value alone (the columnar JSON sink, cbc_cli.json_sink, keys its finding texts by both)."""
    if q.analyte != "mcv" or q.comparator is not None:
        return None
    v = guard(q.value)
    return "microcytic" if v < MCV_MICRO else "macrocytic" if v > MCV_MACRO else "normocytic"


def interpret_panel(panel: Panel, ranges: RangeTable, scheme: Scheme) -> Result:
    """Interpret one panel: flag each value, grade and explain findings, and set the urgency.

    Args:
        panel: the values (canonical units), the person's context and any lab ranges.
        ranges: the loaded reference ranges and critical limits.
        scheme: the grading scheme.

    Returns:
        The result; it never raises for clinical content (a value that cannot be flagged or
        graded is said so in the result).
    """
    patient = panel.patient
    values, notes = derive_counts(panel.values)
    checked: dict[str, _Checked] = {}
    judged: dict[str, Judgement] = {}
    analyte_results: list[AnalyteResult] = []
    for analyte_id in ANALYTES:
        if analyte_id in values:
            c, r, judged[analyte_id] = _check(panel, values[analyte_id], ranges, scheme)
            checked[analyte_id] = c
            analyte_results.append(r)
            if r.lab_flag and r.flag and _flags_disagree(r.lab_flag, r.flag):
                notes.append(_lab_flag_note(r))

    grades: dict[str, int | None] = {}
    outcome: dict[str, Grade] = {}
    for j in judged.values():
        outcome.update(j.grades)
    for code, _, _ in FINDING_RULES:
        if code in outcome and scheme.criteria_for(code):
            grades[code] = outcome[code].grade
    flags = {a: c.flag for a, c in checked.items()}
    # A reported bound ("<0.6") beyond the range at both ends is abnormal for certain, even when
    # it cannot be flagged L or LL.
    sure = {(a, d) for a, j in judged.items() for d in j.certain}
    temp = patient.temperature_c
    anc = checked.get("anc")
    fever = temp is not None and temp >= FEVER_C
    febrile = fever and anc is not None and guard(anc.span[1]) < FN_ANC
    lab_critical = {
        r.analyte: (r.lab_flag or "").upper()
        for r in analyte_results
        if r.flag not in ("LL", "HH") and (r.lab_flag or "").upper() in LAB_CRITICAL_FLAGS
    }
    decision = decide(
        flags,
        grades,
        fever=fever,
        febrile=febrile,
        lab_critical=lab_critical,
        certain=sure,
        unread=panel.unread,
        critical_some_ages={(a, d) for a, j in judged.items() for d in j.critical_some_ages},
        critical_limits={a: c.limit for a, c in checked.items() if c.limit is not None},
        age_given=patient.age is not None,
    )
    notes.extend(_panel_notes(panel, values, checked, decision, ranges))

    findings: list[Finding] = []
    for code in decision.codes:
        if code in outcome:
            findings.append(_single_finding(code, outcome[code], checked, scheme, patient))
        elif code in ("pancytopenia", "bicytopenia"):
            note = "not graded: a pattern of findings"
            line_grades = [grades.get(LINE_TERMS[a]) for a in decision.low_lines]
            if all(g is not None and g < PATTERN_GRADE for g in line_grades):
                # Said so that a mild pattern's "routine" does not read as an oversight.
                note += (
                    f"; no line is grade {PATTERN_GRADE} or worse, so the pattern does not raise "
                    "the urgency by itself"
                )
            findings.append(
                _finding(
                    code,
                    list(decision.low_lines),
                    note=note,
                    patient=patient,
                    with_precautions=not all(
                        g is not None and g < PATTERN_GRADE for g in line_grades
                    ),
                )
            )
        elif code == "febrile-neutropenia" and temp is not None:
            how = (
                "a single reading of 38.3 C or more counts at once"
                if temp >= FEVER_SINGLE_C
                else "38.0 to 38.2 C counts when it lasts over an hour; treat it as urgent"
            )
            findings.append(
                _finding(
                    "febrile-neutropenia",
                    ["temperature", "anc"],
                    note=f"not graded; temperature {temp:g} C: {how}",
                    severity="emergency",
                    patient=patient,
                )
            )
        elif code == "critical-value":
            note = "not graded: critical limits are lab policy"
            flagged = [a for a in lab_critical if a in decision.critical]
            if flagged:
                note += f"; the lab flagged {', '.join(flagged)} as critical"
            ways = {
                {"LL": "low", "HH": "high"}.get(flags.get(a) or lab_critical.get(a, ""), "")
                for a in decision.critical
            }
            findings.append(
                _finding(
                    "critical-value",
                    list(decision.critical),
                    severity="critical",
                    note=note,
                    patient=patient,
                    # An "AA" from the lab has no direction: the words then cover both.
                    critical=() if "" in ways else tuple(sorted(ways)),
                    febrile="febrile-neutropenia" in decision.codes,
                    high_analytes=tuple(a for a in decision.critical if flags.get(a) == "HH"),
                )
            )
    urgency = decision.urgency
    if urgency in ("soon", "now"):
        # Each finding's text ends "share at your next contact" (a child's: "at the next
        # contact"); under soon/now that would contradict the care-team message, which governs.
        findings = [
            replace(
                f,
                action=f.action.replace(ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP).replace(
                    CHILD_ROUTINE_FOLLOW_UP, URGENT_FOLLOW_UP
                ),
            )
            for f in findings
        ]
    if "wbc" in decision.deferred and anc is not None:
        # The WBC row says itself why its LL does not set the urgency (the flag stays LL).
        analyte_results = [
            replace(r, range_note=deferred_wbc_note(_shown(anc.quantity), r.range_note, anc.flag))
            if r.analyte == "wbc"
            else r
            for r in analyte_results
        ]
    message, safety = care_message(
        decision,
        [r.flag for r in analyte_results],
        fever=fever,
        after_chemo=patient.days_since_chemo is not None,
        child=is_child(patient),
        newborn=reader(patient) == "newborn",
    )
    if patient.pregnancy_trimester:
        notes.append(
            "only hemoglobin and hematocrit have pregnancy-specific limits in the shipped ranges; "
            "the other counts are compared with the ranges for the person's age and sex"
        )
    if patient.days_since_chemo is not None:
        notes.append(recovery_context(patient.days_since_chemo, child=is_child(patient)))
    if patient.transplant is not None:
        notes.append(transplant_context(patient.transplant, child=is_child(patient)))
    return Result(
        sample_id=panel.sample_id,
        patient_id=panel.patient_id,
        collected_at=panel.collected.iso() if panel.collected else None,
        patient=patient_info(patient),
        analytes=analyte_results,
        findings=findings,
        grades=grades,
        urgency=urgency,
        message=message,
        safety=safety,
        notes=notes,
    )


def care_message(
    decision: Decision,
    flags: Iterable[Flag | None],
    *,
    fever: bool,
    after_chemo: bool = False,
    child: bool = False,
    newborn: bool = False,
) -> tuple[str, str | None]:
    """The care-team message and the safety line (None when plainly within range) of a
    decision, given the flags of the values read: the engine's, and the columnar path's for
    each class of combinations it decides once. ``after_chemo``: days since chemotherapy were
    given (neutrophils may be low even when no count shows it). ``child``: the person is under
    18 (:func:`is_child`): the message speaks of "your child" and "your child's care team".
    ``newborn``: under 1 month (:func:`reader`): the safety line is the baby's own, which names
    38.0 C and a baby's signs (Fein and Avner 2019, The Febrile or Septic-Appearing Neonate)."""
    care = (CHILD_CARE_TEAM_MESSAGES if child else CARE_TEAM_MESSAGES)[decision.urgency]
    if fever and decision.urgency == "soon":
        # Never ask a person to watch for the fever they have just reported (the findings'
        # actions are worded for it already: explanations.finding_words).
        care = CHILD_SOON_WITH_FEVER_MESSAGE if child else SOON_WITH_FEVER_MESSAGE
    nothing_judged = not decision.codes and not any(f not in (None, "no-range") for f in flags)
    if decision.urgency in ("none", "routine") and nothing_judged:
        message = CHILD_NOTHING_CHECKED_MESSAGE if child else NOTHING_CHECKED_MESSAGE
    else:
        why = for_child(decision.why) if child else decision.why
        message = f"{why} {care}".strip()
    # The seeds' own rule (heavy bleeding, high fever, trouble breathing) on every result that
    # is not plainly within range (nothing checked is not "within range"), worded for a fever
    # the person already reported.
    plainly_normal = decision.urgency == "none" and not nothing_judged
    # Low neutrophils (or, without an ANC, low white cells), or after chemotherapy, when they
    # may be low untested: the fever threshold is named.
    low_white = after_chemo or "neutropenia" in decision.codes or "wbc" in decision.low_lines
    line = safety_line(fever=fever, low_white=low_white, newborn=newborn)
    return message, None if plainly_normal else line


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


def _panel_notes(
    panel: Panel,
    values: Mapping[str, Quantity],
    checked: Mapping[str, _Checked],
    decision: Decision,
    ranges: RangeTable,
) -> list[str]:
    """Notes on how the panel was read: a typed ANC that disagrees with the differential, a
    profile that could not apply."""
    # A deferred critical WBC is said once, on its own row (deferred_wbc_note), not here too.
    notes: list[str] = []
    wbc, neut, band = values.get("wbc"), values.get("neut_pct"), values.get("band_pct")
    typed = panel.values.get("anc")
    parts = [q for q in (wbc, neut, band, typed) if q is not None]
    if wbc and neut and typed and all(q.comparator is None for q in parts):
        pct = neut.value + (band.value if band else 0.0)
        computed = wbc.value * pct / 100
        gap = abs(typed.value - computed)
        if gap > ANC_DISAGREE_ABSOLUTE and gap > ANC_DISAGREE_RELATIVE * typed.value:
            bands = "" if band else " (no bands % given)"
            notes.append(
                f"the anc given ({typed.value:g}) and wbc x (neutrophils % + bands %) / 100 "
                f"({computed:.2f}{bands}) disagree by more than 20% and 0.2 x10^9/L; the anc "
                "given was used. Check that both come from the same sample and were typed as "
                "printed"
            )
    notes.extend(_profile_notes(panel, checked, ranges))
    return notes


def _profile_notes(panel: Panel, checked: Mapping[str, _Checked], ranges: RangeTable) -> list[str]:
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


# The term that grades each cell line of a cytopenia pattern.
LINE_TERMS = {"hgb": "anemia", "anc": "neutropenia", "wbc": "leukopenia", "plt": "thrombocytopenia"}
# A pattern of cytopenias raises the urgency when one of its lines is at least this grade.
PATTERN_GRADE = 2
# Bleeding precautions are shown below this platelet count (10^9/L), the CTCAE v5.0 grade 3
# cut-off; infection precautions from this grade of neutropenia, leukopenia or lymphopenia
# (docs/clinical.md section 5).
PLT_PRECAUTIONS = 50.0
PRECAUTIONS_GRADE = 2
# Days after chemotherapy during which a low white count may still be falling to its low point
# or climbing back from it: counts are usually lowest about day 7-14 and near normal within about
# four weeks (Cancer Treatment Centers of America, Nadir; Sunnybrook: neutrophils rise 3-4 weeks
# after; docs/clinical.md section 5). Within it, infection precautions show at grade 1 too.
CHEMO_WINDOW_DAYS = 28


def in_chemo_window(days_since_chemo: int | None) -> bool:
    """Whether day N after chemotherapy lies in the usual fall-and-recovery window (day 0 to
    CHEMO_WINDOW_DAYS); False when the days are not given."""
    return days_since_chemo is not None and 0 <= days_since_chemo <= CHEMO_WINDOW_DAYS


# Grades from this one up make a finding "severe" for urgency (CTCAE grade 3 and 4).
SEVERE_GRADE = 3
_DEFINITE_FLAGS = frozenset({"LL", "L", "N", "H", "HH", "no-range"})
_NOT_ABNORMAL = frozenset({"N", "no-range"})


def decide(
    flags: Mapping[str, Flag | None],
    grades: Mapping[str, int | None],
    *,
    fever: bool = False,
    febrile: bool = False,
    lab_critical: Mapping[str, str] | Sequence[str] = (),
    certain: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
    unread: Collection[str] = (),
    critical_some_ages: Collection[tuple[str, str]] = (),
    critical_limits: Mapping[str, float] | None = None,
    age_given: bool = False,
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
    5. soon | pancytopenia with a line (hemoglobin, ANC or else WBC, platelets) of grade 2 or
       worse in the scheme used, or a line that cannot be graded | project choice on NCI
       CTCAE v5.0 grades.
    6. soon | any finding of grade 3 or 4 | NCI CTCAE v5.0.
    7. soon | fever with counts that are not low | the seeds: seek care for a high fever.
    8. routine | any other finding or value outside its range, bicytopenia and grade-1
       pancytopenia included | project choice.
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
        certain: (analyte, "low"/"high") pairs certainly beyond the range though not flagged so
            (a reported bound such as "<0.6" that lies beyond it at both ends).
        unread: analytes whose value was given but could not be read (rule 9).
        critical_some_ages: (analyte, "low"/"high") pairs whose value is critical (rule 4)
            for some of the ages the person could be only, the age not given or too coarse
            (Judgement.critical_some_ages): rule 4's message says that the age would tell.
        critical_limits: analyte -> the critical limit its LL or HH value is beyond, which
            rule 4's message names with the count (critical_words).
        age_given: an age was given (too coarse to choose one limit, for critical_some_ages).
    """
    singles: list[str] = []
    for code, analyte_id, direction in FINDING_RULES:
        if analyte_id not in flags:
            continue
        beyond = LOW_FLAGS if direction == "low" else HIGH_FLAGS
        grade = grades.get(code)
        if flags[analyte_id] in beyond or (analyte_id, direction) in certain or (grade or 0) >= 1:
            singles.append(code)
    white = "anc" if "anc" in flags else "wbc"
    lines = {
        "hgb": "anemia" in singles,
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
    beyond_limit: dict[str, str] = {a: f for a, f in flags.items() if f in ("LL", "HH")}
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
    abnormal = any(f not in _NOT_ABNORMAL and f is not None for f in flags.values())
    unjudged = _unjudged(flags, grades, singles, unread)
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
        urgency, why = (
            "now",
            (
                "A fever can be an emergency when neutrophils are low, and no neutrophil count "
                "could be judged."
            ),
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
    elif pattern_urgent:
        urgency, why = "soon", "All three kinds of blood cells are low."
    elif severe:
        urgency, why = "soon", "Some counts are very low or very high."
    elif fever:
        # The seeds: seek care for a high fever. A normal count does not make a fever nothing.
        urgency, why = (
            "soon",
            "A fever needs your care team's attention even when the counts are not low.",
        )
    elif codes or abnormal:
        urgency, why = "routine", "Some results are outside their reference range."
        if unjudged:
            why = f"{why[:-1]}, and {_unjudged_words(unjudged)}."
    elif unjudged:
        urgency, why = "routine", f"{_unjudged_words(unjudged).capitalize()}."
    else:
        urgency, why = "none", ""
    return Decision(tuple(codes), low_lines, critical, urgency, why, deferred)


# How the care-team message names a count beyond its critical limit, with its verb.
_CRITICAL_NAMES = {
    "hgb": ("hemoglobin", "is"),
    "hct": ("hematocrit", "is"),
    "plt": ("platelets", "are"),
    "wbc": ("white blood cells", "are"),
    "anc": ("neutrophils", "are"),
    "alc": ("lymphocytes", "are"),
}


def critical_words(
    counts: Sequence[tuple[str, str, float | None]],
    *,
    some_ages: Collection[str] = (),
    age_given: bool = False,
) -> str:
    """Rule 4's message: each count beyond its critical limit, named with the limit it is
    beyond. ``counts``: (analyte, flag, limit) in output order; the flag LL or HH (an AA from
    the lab has no direction, and a lab's flag no limit: the lab is named instead).
    ``some_ages``: the counts critical for some of the ages the person could be only (no age
    given, or ``age_given`` too coarse to choose one limit): the value's note gives the other
    limit and asks for the age."""
    parts, by_lab = [], []
    for analyte, flag, limit in counts:
        name, verb = _CRITICAL_NAMES.get(analyte, (f"the {ANALYTES[analyte].name} value", "is"))
        if limit is None or flag not in ("LL", "HH"):
            by_lab.append(name)
            continue
        shown = _limit_text(limit, ANALYTES[analyte].unit)
        parts.append((name, verb, f"{'below' if flag == 'LL' else 'above'} {shown}", analyte))
    said = []
    tail = "at which labs phone the care team at once"
    every = {analyte for *_, analyte in parts} <= set(some_ages)
    exact = "the exact age" if age_given else "the age"
    if some_ages and every:
        tail += f" for some ages, and {exact} would tell whether that includes this person"
    if len(parts) == 1:
        name, verb, where, _ = parts[0]
        said.append(f"{name.capitalize()} {verb} {where}, the limit {tail}.")
    elif parts:
        listed = ", ".join(
            f"{name} {where}"
            + (f" (for some ages only: {exact} would tell)" if a in some_ages and not every else "")
            for name, _, where, a in parts
        )
        said.append(f"Some counts are beyond the limits {tail}: {listed}.")
    if by_lab:
        listed = by_lab[0] if len(by_lab) == 1 else f"{', '.join(by_lab[:-1])} and {by_lab[-1]}"
        results = "a result" if len(by_lab) == 1 else "results"
        said.append(
            f"The lab marked {listed} as critical, {results} labs phone to the care team at once."
        )
    text = " ".join(said)
    if not some_ages:
        return text
    lead = "The age given does not tell which limit applies." if age_given else "No age was given."
    return f"{lead} {text}"


def _unit_words(unit: str) -> str:
    """A unit as the notes write it: ``x10^9/L`` for a count, else as it is."""
    return f"x{unit}" if unit.startswith("10^") else unit


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


def _unjudged_words(analytes: Sequence[str]) -> str:
    """``the neutrophil count could not be judged, so ...``: why rule 9 holds."""
    names = [_COUNT_NAMES.get(a, f"the {ANALYTES[a].name} value") for a in analytes]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    pronoun = "it is" if len(names) == 1 else "they are"
    return (
        f"{listed} could not be judged, so this result cannot show that {pronoun} normal; "
        "ask your care team about it"
    )


_COUNT_NAMES = {
    "hgb": "the hemoglobin",
    "wbc": "the white cell count",
    "anc": "the neutrophil count",
    "alc": "the lymphocyte count",
    "plt": "the platelet count",
}


def _single_finding(
    code: str, g: Grade, checked: dict[str, _Checked], scheme: Scheme, patient: Patient
) -> Finding:
    """The finding of one analyte's term, with its grade, notes and explanation."""
    analyte_id = next(a for c, a, _ in FINDING_RULES if c == code)
    c = checked[analyte_id]
    extra = _neutropenia_words(c, g.grade) if code == "neutropenia" else ""
    mcv = checked.get("mcv")
    pattern = cross_words(mcv.quantity) if code == "anemia" and mcv else None
    if pattern:
        extra = MCV_PATTERNS[pattern]
    note = g.note
    if note is None and g.grade == 0 and g.criterion is not None:
        # Beyond the range yet below the scheme's lowest grade (leukocytosis under 100): the
        # criterion's note says why, as the grading files promise for every grade.
        note = g.criterion.note
    if c.flag == "no-range" and g.grade:
        fixed = "no reference range applies: graded by the scheme's fixed cut-offs only."
        note = f"{fixed} {note}" if note else fixed
    # A count beyond its critical high limit (or a white count above 100) is worded for what it
    # can be seen with and why it is urgent, never "the body's normal answer".
    high_level = ""
    if code == "leukocytosis" and guard(c.span[0]) > VERY_HIGH_WBC:
        high_level = "hyper"
    elif code in HIGH_TERMS and c.flag == "HH":
        high_level = "critical"
    # Precautions where they apply (docs/clinical.md section 5): bleeding precautions below
    # 50 x10^9/L platelets (CTCAE v5.0 grade 3 and worse); infection precautions from grade 2
    # (or when the grade cannot be told), and at any grade within CHEMO_WINDOW_DAYS of
    # chemotherapy, when the count may still be falling to its low point. A milder count keeps
    # its explanation.
    if code == "thrombocytopenia":
        with_precautions = guard(c.span[0]) < PLT_PRECAUTIONS
    else:
        with_precautions = (
            g.grade is None
            or g.grade >= PRECAUTIONS_GRADE
            or in_chemo_window(patient.days_since_chemo)
        )
    if (
        reader(patient) == "newborn"
        and g.grade
        and g.criterion is not None
        and g.criterion.age_from.n == 0
        and g.criterion.age_to is None
    ):
        # The scheme's cut-offs are the same at every age (CTCAE), while a newborn's usual counts
        # differ from an older child's in the first weeks (DAIDS grades newborns by days of age:
        # docs/clinical.md section 4): the grade is kept, with what it does not take in.
        fits = (
            f"{scheme.title} uses the same cut-offs at every age, not a newborn's; the range "
            "and the newborn critical limits for the baby's age are the better guide"
        )
        sep = " " if (note or "").endswith(".") else "; "
        note = f"{note}{sep}{fits}{'.' if sep == ' ' else ''}" if note else fits
    severity = None
    if g.grade == 4:
        # A scheme's grade-4 word (CTCAE: life-threatening) describes a person's condition;
        # from a count alone it is the band the count falls in, not a judgement of the person.
        severity = f"count in the {scheme.grade_words.get(4, 'grade 4')} band"
    return _finding(
        code,
        [analyte_id],
        grade=g.grade,
        note=note,
        scheme=scheme,
        severity=severity,
        extra=extra,
        pattern=pattern,
        patient=patient,
        high_level=high_level,
        with_precautions=with_precautions,
    )


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


def max_urgency(urgencies: list[Urgency]) -> Urgency:
    """The most urgent of several urgencies (``none`` for an empty list)."""
    return max(urgencies, key=URGENCY_ORDER.index, default="none")
