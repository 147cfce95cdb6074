"""Input to the engine: a panel of values with the person's context and any lab-printed ranges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal, NamedTuple

from cbc_cli.age import Age, AgeBound, in_band
from cbc_cli.units import Quantity

if TYPE_CHECKING:
    from cbc_cli.moment import Moment

Sex = Literal["female", "male"]
Transplant = Literal["auto", "allo"]
"""A stem cell transplant: autologous (the person's own cells) or allogeneic (a donor's)."""
PROFILES = ("duffy-null",)


class Patient(NamedTuple):
    """What is known about the person: each field may be unknown (None)."""

    sex: Sex | None = None
    age: Age | None = None
    pregnancy_trimester: int | None = None
    profiles: tuple[str, ...] = ()
    temperature_c: float | None = None
    days_since_chemo: int | None = None
    transplant: Transplant | None = None
    born: date | None = None
    """The date of birth, when given as a full date (the age is worked out from it)."""

    def fits(
        self, sex: str, start: AgeBound, end: AgeBound | None
    ) -> tuple[bool | None, bool | None]:
        """Whether this person fits a row's sex ("any" fits all) and age band [start, end).

        Each answer is None when it cannot be told: the sex or age is unknown, or a declared age
        is too coarse for the band.
        """
        sex_ok = sex == "any" or (None if self.sex is None else sex == self.sex)
        if self.age is None:
            age_ok = True if start.n == 0 and end is None else None
        else:
            age_ok = in_band(self.age, start, end)
        return sex_ok, age_ok

    @property
    def conditions(self) -> frozenset[str]:
        """The range-file conditions this person meets (``pregnancy-2``, ``profile-duffy-null``,
        and ``age-unknown`` exactly when no age is given)."""
        found = {f"profile-{p}" for p in self.profiles}
        if self.age is None:
            found.add("age-unknown")
        if self.pregnancy_trimester:
            found.add(f"pregnancy-{self.pregnancy_trimester}")
        return frozenset(found)


class LabRange(NamedTuple):
    """A range printed by the lab for one analyte, in the analyte's canonical unit.

    Either end may be None (a one-sided range such as ``>59``).
    """

    low: float | None
    high: float | None
    source: str = "lab range given with the result"


@dataclass
class Panel:
    """One sample: values in canonical units, the person, and lab ranges that override defaults."""

    values: dict[str, Quantity]
    patient: Patient = field(default_factory=Patient)
    sample_id: str | None = None
    lab_ranges: dict[str, LabRange] = field(default_factory=dict)
    lab_flags: dict[str, str] = field(default_factory=dict)
    """Flags the lab printed (HL7 OBX-8), kept to compare with cbc's own."""
    patient_id: str | None = None
    """The person's id in the input (PID-3, a patient_id or mrn column), carried to the result."""
    collected: Moment | None = None
    """When the sample was taken, to the precision given, carried to the result."""
    unread: frozenset[str] = frozenset()
    """Analytes whose value was given but could not be read (an unreadable cell): never judged
    normal by being left out (engine.decide)."""
