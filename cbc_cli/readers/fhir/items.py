"""What a FHIR resource is reduced to as it is read (:class:`Item`, with a :class:`Value` for
each analyte it holds), the samples grouped from items (:class:`Group`), and the bit set
grouping marks them in."""

from __future__ import annotations

from dataclasses import dataclass, field

# What a reference resolves to when it is not a kept resource.
OTHER, AMBIGUOUS, BROKEN = "other", "ambiguous", "broken"


@dataclass(slots=True)
class Value:
    """What one Observation (or one of its components) says about one analyte, as text."""

    target: str
    label: str
    text: str | None = None
    unit: str | None = None
    problem: str | None = None
    """Why no value can be read; None with no text means the value is absent on purpose."""
    low: str | None = None
    high: str | None = None
    range_unit: str | None = None
    range_text: str | None = None
    flag: str | None = None


@dataclass(slots=True)
class Item:
    """A kept resource, reduced to what grouping and reading need (not the whole dict)."""

    order: int
    rtype: str
    label: str
    line: int | None
    key: str
    ident: str | None = None
    subject: str | None = None
    effective: str | None = None
    refs: tuple[str, ...] = ()
    """Observation.hasMember or DiagnosticReport.result references."""
    loinc: tuple[str, ...] = ()
    target: str | None = None
    """Observation: the analyte id or context key it holds, or None."""
    values: list[Value] = field(default_factory=list)
    cbc: bool = False
    """Observation: holds a CBC value, itself or in a component."""
    gender: str | None = None
    birth: str | None = None
    place: str = ""
    """Where the resource is, without its id, for notes on stderr (an id can name a patient)."""


@dataclass
class Group:
    """One sample in the making: the items it claims and what it says of itself."""

    order: int
    label: str
    line: int | None
    members: list[Item] = field(default_factory=list)
    sample_id: str | None = None
    subject: str | None = None
    scope: str = ""
    effective: str | None = None
    unresolved: int = 0
    ambiguous: list[str] = field(default_factory=list)
    """References that name more than one resource of the input: not used."""
    empty_error: str | None = None


@dataclass
class Pending:
    """What one top-level resource (or Bundle entry) adds, kept until all of it is read."""

    items: list[tuple[Item, list[str]]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Bits:
    """A set of resource orders as one bit each: what grouping marks, held for a whole input."""

    def __init__(self) -> None:
        self._bytes = bytearray()

    def add(self, order: int) -> None:
        """Mark ``order``."""
        index = order >> 3
        if index >= len(self._bytes):
            self._bytes.extend(bytes(index + 1 - len(self._bytes) + 4096))
        self._bytes[index] |= 1 << (order & 7)

    def __contains__(self, order: object) -> bool:
        if not isinstance(order, int):
            return False
        index = order >> 3
        return index < len(self._bytes) and bool(self._bytes[index] >> (order & 7) & 1)


# Kinds of stored rows.
PATIENT, OBSERVATION, REPORT, ERROR, GROUP, LOOSE = range(6)
KINDS = {"Patient": PATIENT, "Observation": OBSERVATION, "DiagnosticReport": REPORT}
