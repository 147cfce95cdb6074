"""A newborn's own critical limits, for a value judged without an age (docs/clinical.md
section 5): the critical-limit rows that end by 1 month old, which the age-unknown limits (from
1 month up) do not cover. A value beyond one of them is not called critical, since most people
who give no age are not babies; the value's note and the care-team message say what it would
mean for a baby."""

from __future__ import annotations

from collections.abc import Iterator
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
        (layer, limit)
        for layer, sex, limit in _newborn_rows(ranges, analyte)
        if patient.sex is None or sex in ("any", patient.sex)
    ]
    top = max((layer for layer, _ in rows), default=0)
    return tuple(sorted({limit for layer, limit in rows if layer == top}, key=newborn_order))


def every_newborn_limit(ranges: RangeTable, analyte: str) -> tuple[NewbornLimit, ...]:
    """Every newborn critical limit of an analyte's rows, whatever the sex or layer, in one
    fixed order: those :func:`newborn_limits` can give, for the columnar path to number each
    set of them a value is beyond."""
    found = {limit for _, _, limit in _newborn_rows(ranges, analyte)}
    return tuple(sorted(found, key=newborn_order))


def _newborn_rows(ranges: RangeTable, analyte: str) -> Iterator[tuple[int, str, NewbornLimit]]:
    """(layer, sex, limit) for each critical limit of the analyte's rows that end by 1 month
    old (no condition)."""
    for r in ranges.rows_for(analyte):
        if r.condition is not None or r.age_to is None or mean_days(r.age_to) > NEWBORN_END_DAYS:
            continue
        for direction, limit in (("low", r.critical_low), ("high", r.critical_high)):
            if limit is not None:
                yield r.layer, r.sex, NewbornLimit(direction, limit, r.age_from, r.age_to)


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
