"""Ages: age-band bounds ("18y", "6m") and a person's age at collection, compared honestly.

A person's age is either exact (birth date and collection date) or declared in whole units
(``--age 54`` means 54 whole years, somewhere from 54 y 0 d to 54 y 364 d). Comparing a declared
age with a bound in another unit can be undecidable (``--age 0`` against a band ending at 1 month);
:func:`at_least` then answers None and the caller says that no range can be chosen.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from cbc_cli.errors import InputError

_NAMES = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
DAYS_PER_UNIT = {"d": (1, 1), "w": (7, 7), "m": (28, 31), "y": (365, 366)}
"""Shortest and longest length of one unit in days, for comparisons across units."""
_DAYS = DAYS_PER_UNIT
# Exact conversions to a finer unit: a year is 12 months, a week 7 days.
_EXACT = {("y", "m"): 12, ("w", "d"): 7}
_BOUND = re.compile(r"^\s*(\d{1,4})\s*([dwmy])\s*$")


class AgeBound(NamedTuple):
    """One end of an age band: a whole number of days, weeks, months or years."""

    n: int
    unit: str

    def __str__(self) -> str:
        return f"{self.n}{self.unit}"

    def mean_days(self) -> float:
        """The bound in mean days (1 m = 30.4375 d), only to order and compare bands written
        in different units; an age is placed among bands by :func:`at_least`."""
        return self.n * _MEAN_DAYS[self.unit]


_MEAN_DAYS = {"d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}


def mean_days(bound: AgeBound | None) -> float:
    """:meth:`AgeBound.mean_days`, an open end (None) after every bound."""
    return float("inf") if bound is None else bound.mean_days()


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


def parse_bound(text: str) -> AgeBound:
    """Parse ``"18y"``, ``"6m"``, ``"2w"`` or ``"10d"``.

    Raises:
        ValueError: the text is not a whole number followed by d, w, m or y.
    """
    match = _BOUND.match(text)
    if match is None:
        raise ValueError(f"age {text!r} must be a whole number followed by d, w, m or y (e.g. 18y)")
    return AgeBound(int(match[1]), match[2])


def _full_months(born: date, on: date) -> int:
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - 1 if on.day < born.day else months


class Age(NamedTuple):
    """A person's age at collection.

    Exact when built by :meth:`from_dates`; otherwise ``n`` whole ``unit`` (declared).
    """

    n: int
    unit: str
    exact_days: int | None = None
    exact_months: int | None = None

    @classmethod
    def from_dates(cls, born: date, collected: date) -> Age:
        """Exact age on the collection date (not today).

        Raises:
            InputError: the collection date is before the birth date.
        """
        if collected < born:
            raise InputError(
                "the collection date is before the date of birth",
                code="date.invalid",
                field="dob",
                hint="check {dob} and {collected} (YYYY-MM-DD)",
            )
        days = (collected - born).days
        months = _full_months(born, collected)
        years = months // 12
        if years >= 2:
            return cls(years, "y", days, months)
        if months >= 1:
            return cls(months, "m", days, months)
        return cls(days, "d", days, months)

    @property
    def is_exact(self) -> bool:
        """True when the age comes from dates rather than a declared whole number."""
        return self.exact_days is not None

    def __str__(self) -> str:
        return f"{self.n} {self.unit}"

    def describe(self) -> str:
        """Words for messages, e.g. ``54 years`` or ``10 days``."""
        return f"{self.n} {_NAMES[self.unit]}" if self.n != 1 else f"1 {_NAMES[self.unit][:-1]}"

    def years(self) -> float:
        """Approximate age in years, for display and for columnar evaluation."""
        if self.exact_days is not None:
            return self.exact_days / 365.25
        lo, hi = _DAYS[self.unit]
        return self.n * (lo + hi) / 2 / 365.25


ADULT_FROM = AgeBound(18, "y")
"""The age from which a person is an adult, for the words that address them (a child's care
team, a child's causes): the age the pediatric reference and critical tables end at
(docs/clinical.md section 3)."""
NEWBORN_UNTIL = AgeBound(1, "m")
"""The age until which a child is a newborn, for the words that fit a baby's first weeks (limits
that change by the day, infections that turn serious quickly): the first month, the span of the
newborn bands and critical limits (docs/clinical.md section 3)."""


def parse_age(text: str) -> Age:
    """Parse a declared age: ``"54"`` (years), ``"54y"``, ``"6m"``, ``"3w"`` or ``"10d"``.

    Raises:
        InputError: not a whole number with an optional unit, or an implausible age.
    """
    raw = text.strip().lower().replace(" ", "")
    raw = re.sub(r"(years?|yrs?)$", "y", raw)
    raw = re.sub(r"(months?|mos?)$", "m", raw)
    raw = re.sub(r"(weeks?|wks?)$", "w", raw)
    raw = re.sub(r"(days?)$", "d", raw)
    match = re.fullmatch(r"(\d{1,4})([dwmy]?)", raw)
    if match is None:
        hint = "give whole years (54), or months, weeks or days for a baby (6m, 3w, 10d)"
        if re.fullmatch(r"\d+[.,]\d+", raw):
            hint = "give a whole number; for a child under 2 use months (18m) or days (10d)"
        raise InputError(
            f"age {text.strip()!r} is not a whole number of years",
            code="age.invalid",
            field="age",
            hint=hint,
        )
    age = Age(int(match[1]), match[2] or "y")
    if age.years() > 130:
        raise InputError(
            f"age {text.strip()!r} is not possible",
            code="age.invalid",
            field="age",
            hint="give the age in years, e.g. 54",
        )
    return age


def _count_in(age: Age, unit: str) -> int | None:
    if age.exact_days is None or age.exact_months is None:
        return None
    return {
        "d": age.exact_days,
        "w": age.exact_days // 7,
        "m": age.exact_months,
        "y": age.exact_months // 12,
    }[unit]


def at_least(age: Age, bound: AgeBound) -> bool | None:
    """Whether the person is at least ``bound`` old; None when a declared age cannot tell."""
    exact = _count_in(age, bound.unit)
    if exact is not None:
        return exact >= bound.n
    if age.unit == bound.unit:
        return age.n >= bound.n
    ratio = _EXACT.get((age.unit, bound.unit))
    if ratio is not None:  # age n years spans months [12n, 12n + 12)
        if age.n * ratio >= bound.n:
            return True
        return None if (age.n + 1) * ratio > bound.n else False
    ratio = _EXACT.get((bound.unit, age.unit))
    if ratio is not None:  # age n months against a bound in years: exact in months
        return at_least(age, AgeBound(bound.n * ratio, age.unit))
    age_lo = age.n * _DAYS[age.unit][0]
    age_hi = (age.n + 1) * _DAYS[age.unit][1]  # excluded
    bound_lo, bound_hi = (bound.n * d for d in _DAYS[bound.unit])
    if age_lo >= bound_hi:
        return True
    if age_hi <= bound_lo:
        return False
    return None


# How at_least counts an exact age in each unit: (counted from months, not days; divisor).
_COUNTED = {"d": (False, 1), "w": (False, 7), "m": (True, 1), "y": (True, 12)}


class AgeBounds:
    """The age bounds of a set of rows (range rows, grading criteria), and where an age lies
    among them.

    Rules that choose by age band read an age only through :func:`at_least` against each bound,
    so persons whose ages lie alike against every bound get the same answer: :meth:`sides` is
    that class of ages, for a cache to be keyed by instead of the exact age.
    """

    def __init__(self, bounds: Iterable[AgeBound | None]) -> None:
        by_unit: dict[str, set[int]] = {}
        for bound in bounds:
            if bound is not None:
                by_unit.setdefault(bound.unit, set()).add(bound.n)
        self._units = tuple(
            (unit, *_COUNTED[unit], sorted(ns)) for unit, ns in sorted(by_unit.items())
        )
        # Declared ages are few (whole units, four digits at most) and each takes at_least
        # against every bound: worked out once each.
        self._declared: dict[Age, tuple[int, ...]] = {}

    def sides(self, age: Age | None) -> tuple[int, ...] | None:
        """Where ``age`` lies among the bounds: None for an unknown age; otherwise, for each unit
        of the bounds in turn, how many of that unit's bounds the age is at least (``at_least``
        True) and how many it may be at least (True or None). Two ages with equal sides get the
        same answer from ``at_least`` against every bound.

        An exact age is counted in each unit as ``at_least`` counts it (whole days, weeks,
        months, years), so both numbers are equal. For a declared age ``at_least`` goes from
        True through None (cannot tell) to False as a unit's bounds grow, so the two numbers
        say which bounds it answers each way.
        """
        if age is None:
            return None
        days, months = age.exact_days, age.exact_months
        if days is not None and months is not None:
            found: list[int] = []
            for _, by_months, divisor, ns in self._units:
                count = bisect_right(ns, (months if by_months else days) // divisor)
                found += (count, count)
            return tuple(found)
        known = self._declared.get(age)
        if known is None:
            found = []
            for unit, _, _, ns in self._units:
                answers = [at_least(age, AgeBound(n, unit)) for n in ns]
                found += (answers.count(True), len(answers) - answers.count(False))
            known = tuple(found)
            if len(self._declared) < 100_000:
                self._declared[age] = known
        return known

    @staticmethod
    def decided(sides: tuple[int, ...] | None) -> bool:
        """Whether :meth:`sides` says the age is on one side of every bound (``at_least`` never
        None): always so for an exact age; not for a declared age too coarse for some bound,
        nor for an unknown age."""
        return sides is not None and all(sides[i] == sides[i + 1] for i in range(0, len(sides), 2))


def in_band(age: Age, start: AgeBound, end: AgeBound | None) -> bool | None:
    """Whether the age lies in [start, end); None when a declared age cannot tell."""
    lower = at_least(age, start)
    upper = True if end is None else (None if (r := at_least(age, end)) is None else not r)
    if lower is False or upper is False:
        return False
    if lower is None or upper is None:
        return None
    return True


def band_text(start: AgeBound, end: AgeBound | None) -> str:
    """Words for an age band, e.g. ``18y and over`` or ``1m to 2m``."""
    if end is None:
        return "all ages" if start.n == 0 else f"{start} and over"
    return f"{start} to {end}"
