"""A newborn's own critical limits, for a value judged without an age (docs/clinical.md
section 5): the critical-limit rows that end by 1 month old, which the age-unknown limits (from
1 month up) do not cover. A value beyond one of them is not called critical, since most people
who give no age are not babies; the value's note and the care-team message say what it would
mean for a baby."""

from __future__ import annotations

from typing import NamedTuple

from cbc_cli.age import AgeBound, mean_days
from cbc_cli.grading import guard, guard_limit
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable

NEWBORN_END_DAYS = AgeBound(1, "m").mean_days()
"""A newborn's bands end by 1 month (in mean days, as the range files compare bands)."""


class NewbornLimit(NamedTuple):
    """One critical limit of a newborn's age band: the side, the limit (canonical unit) and the
    band it holds for."""

    direction: str
    """"low" or "high"."""
    limit: float
    age_from: AgeBound
    age_to: AgeBound


def newborn_limits(analyte: str, patient: Patient, ranges: RangeTable) -> tuple[NewbornLimit, ...]:
    """The newborn critical limits a value of ``analyte`` is set against when the person's age is
    not given (none when it is, or with a pregnancy): the critical rows of the top layer that
    end by 1 month old and fit the sex given, youngest band first."""
    if patient.age is not None or patient.pregnancy_trimester:
        return ()
    rows = [
        r
        for r in ranges.rows_for(analyte)
        if r.condition is None
        and r.age_to is not None
        and mean_days(r.age_to) <= NEWBORN_END_DAYS
        and (patient.sex is None or r.sex in ("any", patient.sex))
        and r.has("critical")
    ]
    if not rows:
        return ()
    top = max(r.layer for r in rows)
    limits: list[NewbornLimit] = []
    for r in rows:
        if r.layer != top or r.age_to is None:
            continue
        if r.critical_low is not None:
            limits.append(NewbornLimit("low", r.critical_low, r.age_from, r.age_to))
        if r.critical_high is not None:
            limits.append(NewbornLimit("high", r.critical_high, r.age_from, r.age_to))
    return tuple(sorted(set(limits), key=newborn_order))


def every_newborn_limit(ranges: RangeTable, analyte: str) -> tuple[NewbornLimit, ...]:
    """Every newborn critical limit of an analyte's rows, whatever the sex or layer, in one
    fixed order: those :func:`newborn_limits` can give, for the columnar path to number each
    set of them a value is beyond."""
    found = {
        NewbornLimit(direction, limit, r.age_from, r.age_to)
        for r in ranges.rows_for(analyte)
        if r.condition is None and r.age_to is not None and mean_days(r.age_to) <= NEWBORN_END_DAYS
        for direction, limit in (("low", r.critical_low), ("high", r.critical_high))
        if limit is not None
    }
    return tuple(sorted(found, key=newborn_order))


def band_words(start: AgeBound, end: AgeBound | None) -> str:
    """``under 15 days old``, ``from 15 days to 1 month old``, ``from 18 years old``: an age
    band in words."""
    if end is None:
        return f"from {bound_words(start)} old"
    if start.n == 0:
        return f"under {bound_words(end)} old"
    return f"from {bound_words(start)} to {bound_words(end)} old"


def bound_words(bound: AgeBound) -> str:
    """``15 days``, ``1 month``: an age bound in words."""
    word = {"d": "day", "w": "week", "m": "month", "y": "year"}[bound.unit]
    return f"{bound.n} {word}{'' if bound.n == 1 else 's'}"


def beyond_newborn(
    limits: tuple[NewbornLimit, ...], span: tuple[float, float]
) -> tuple[NewbornLimit, ...]:
    """The limits of ``limits`` a value beyond at both ends of its span (a reported bound
    such as ``<8`` stands for every value below 8) lies beyond; limits are exclusive."""
    lo, hi = span
    return tuple(
        n
        for n in limits
        if (n.direction == "low" and guard(hi) < guard_limit(n.limit))
        or (n.direction == "high" and guard(lo) > guard_limit(n.limit))
    )


def newborn_order(n: NewbornLimit) -> tuple[float, str, float]:
    """The order newborn limits are said in: youngest band first."""
    return (n.age_from.mean_days(), n.direction, n.limit)
