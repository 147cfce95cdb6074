"""Judging one value: its flag against the range and critical limits that fit the person, and
the grade of each of its analyte's terms (docs/clinical.md sections 3-4). The one place a value is
judged: the panel's path and the columnar batch path both ask :func:`judge_value`."""

from __future__ import annotations

import math
from typing import NamedTuple

from cbc_cli.analytes import ANALYTES
from cbc_cli.engine.newborn import NewbornLimit, beyond_newborn, newborn_limits
from cbc_cli.engine.prompt import prompt_limits
from cbc_cli.grading import (
    Criterion,
    Grade,
    Scheme,
    grade_value,
    guard,
    guard_limit,
)
from cbc_cli.models import Flag
from cbc_cli.panel import LabRange, Patient
from cbc_cli.ranges import Envelope, RangeTable
from cbc_cli.units import Quantity

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


class Checked(NamedTuple):
    """One value of a panel as judged: what the findings' words and the panel's notes read."""

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
    note: str | None = None
    """The value's note without its opening "beyond the critical limit" (a deferred WBC's
    note says where it stands itself: deferred_wbc_note)."""


def value_span(q: Quantity) -> tuple[float, float]:
    """The values a result may stand for: the value itself, or for a reported bound (``<0.1``)
    every value beyond it, closed by the analyte's plausibility limits."""
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
    newborn: tuple[NewbornLimit, ...] = ()
    """No age given: a newborn's own critical limits (engine.newborn), which the limits above
    do not cover."""
    prompt: tuple[float | None, float | None] = (None, None)
    """The values below (low) and at or above (high) which the care team should look within a
    day, short of the critical limits (engine.prompt.prompt_limits)."""


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
    newborn: tuple[NewbornLimit, ...] = ()
    """No age given and not critical from 1 month up: the newborn limits of ``Basis.newborn``
    the value is beyond (its note and decide's message say what that means for a baby)."""
    prompt: tuple[str, ...] = ()
    """The sides ("low", "high") on which the value is beyond ``Basis.prompt`` at both ends of
    its span, and not critical: decide makes it "soon" (rule 6b)."""

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
        (code, direction, scheme.choose_criterion(code, patient))
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
        newborn_limits(analyte, patient, ranges),
        prompt_limits(analyte, patient),
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
    span = value_span(q)
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
    newborn = () if flag in ("LL", "HH", None) else beyond_newborn(basis.newborn, span)
    prompt_low, prompt_high = basis.prompt
    prompt: tuple[str, ...] = ()
    if flag not in ("LL", "HH", None):
        if prompt_low is not None and guard(span[1]) < guard_limit(prompt_low):
            prompt = ("low",)
        elif prompt_high is not None and guard(span[0]) >= guard_limit(prompt_high):
            prompt = ("high",)
    return Judgement(
        flag, (first, last), span, low, high, verdict, grades, some_ages, crossed, newborn, prompt
    )


def critical_limits(ranges: RangeTable, analyte: str) -> tuple[float, ...]:
    """Every critical limit (low or high) of an analyte's range rows, sorted: the limits a
    value can be judged beyond (:func:`value_basis` takes them from these rows), for the
    columnar path to number each one's answers."""
    rows = ranges.rows_for(analyte)
    found = {v for r in rows for v in (r.critical_low, r.critical_high) if v is not None}
    return tuple(sorted(found))


def limit_text(limit: float, unit: str) -> str:
    """A limit with its unit, as the notes write it: ``53 x10^9/L``, ``20%``, ``6.9 g/dL``."""
    return f"{limit:g}%" if unit == "%" else f"{limit:g} {unit_words(unit)}"


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


def shown_value(q: Quantity) -> str:
    """A value as the result reports it, with its comparator (``<0.1``)."""
    return f"{q.comparator or ''}{reported_value(q.value):g}"


def unit_words(unit: str) -> str:
    """A unit as the notes write it: ``x10^9/L`` for a count, else as it is."""
    return f"x{unit}" if unit.startswith("10^") else unit
