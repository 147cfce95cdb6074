"""The report model of ``cbc trend``: the options it takes, the dataclasses it answers with and
their JSON shape (``--format json``, ``cbc schema --trend``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any, Literal

from cbc_cli.models import Flag, Result, SchemeInfo, Urgency
from cbc_cli.panel import Patient
from cbc_cli.trend.rules import GraftSource

TREND_SCHEMA_VERSION = "2.0"
DEFAULT_ANALYTES = ("anc", "plt", "hgb")
MilestoneStatus = Literal["reached", "lost", "pending", "not-needed", "cannot-tell"]
CountStateName = Literal[
    "recovered", "recovering", "rising", "not-yet", "lost", "not-needed", "cannot-tell"
]
TransfusionInfo = Literal["given", "not-given"]
VIEWS_ONLY = {"json": False}
"""Field metadata: a typed value carried beside its ISO text for the views (charts, day
positions, transfusion windows), so that none parses the text back; kept out of the JSON
(:func:`trend_data`) and its schema (:func:`trend_json_schema`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendOptions:
    """What the person (or the command line) says about the series."""

    since: date | None = None
    """Day 0: the start of the chemotherapy cycle, or the day of the transplant."""
    transplant: GraftSource | None = None
    """The graft source; turns on the engraftment rules (needs ``since``)."""
    transfusions: tuple[date, ...] = ()
    """Platelet transfusion dates, for every person in the input."""
    analytes: tuple[str, ...] = DEFAULT_ANALYTES
    patient_column: str | None = None
    """The input column that holds the person id (default: patient_id/mrn, else one person)."""
    context: Patient | None = None
    """What the records do not say about the person (``--sex``, ``--age``, ``--profile``)."""
    dob: date | None = None
    """Date of birth: the age is then worked out at each draw's collection date."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DrawRef:
    """Names one draw: when it was taken, its day number and where it is in the input."""

    collected_at: str
    """ISO 8601 date, or date and time when the input gave a time."""
    day: int | None
    """Calendar days since ``since`` (day 0); null without ``since``."""
    sample_id: str | None
    line: int | None
    when: datetime | None = field(default=None, repr=False, compare=False, metadata=VIEWS_ONLY)
    """When the draw was taken (wall clock), as ``collected_at`` was written from it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DrawInfo:
    """One placed draw, used or not, with what the engine made of it."""

    collected_at: str
    day: int | None
    sample_id: str | None
    line: int | None
    used: bool
    note: str | None = None
    """Why a draw is not used (another draw at the same time)."""
    platelet_transfusion: bool = False
    urgency: Urgency | None = None
    findings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Cells of this draw that could not be read (the rest was)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    """One value of one analyte in the series, with its flag and grade from the engine."""

    collected_at: str
    day: int | None
    sample_id: str | None
    line: int | None
    value: float
    """In the canonical unit."""
    comparator: str | None = None
    flag: Flag | None
    grade: int | None
    graded_as: str | None
    """The finding the grade belongs to (neutropenia, anemia, ...)."""
    when: datetime | None = field(default=None, repr=False, compare=False, metadata=VIEWS_ONLY)
    """When the draw was taken (wall clock), as ``collected_at`` was written from it (set by
    the trend analysis; None only in a report read back from its JSON)."""

    @property
    def taken(self) -> datetime:
        """``when``, for the views: a point the analysis made always has it."""
        if self.when is None:
            raise ValueError("a point read back from JSON has no typed time: rebuild the trend")
        return self.when


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeBelow:
    """Calendar days spent below one level (how they are counted: module docstring)."""

    below: float
    label: str
    days: int
    episodes: int
    ongoing: bool
    """Still below at the last draw: the count runs to that draw."""
    below_at_first_draw: bool
    """Already below at the first draw: the stretch may have begun earlier."""
    first_below: DrawRef | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone:
    """A recovery milestone: reached on a date (and perhaps lost later), still pending, not
    needed, or cannot be told."""

    code: str
    title: str
    analyte: str
    at_least: float | None
    """Canonical unit; null when the level is each draw's lower reference limit."""
    status: MilestoneStatus
    """``lost``: reached, then a later draw fell below the level, not reached again since."""
    collected_at: str | None = None
    """The first of the successive draws, when reached (also when lost later)."""
    day: int | None = None
    draws: list[DrawRef] = field(default_factory=list)
    lost_at: DrawRef | None = None
    """The first draw back below the level after the milestone was reached (the latest fall)."""
    lost_value: float | None = None
    """The value of that draw, canonical unit."""
    regained_at: DrawRef | None = None
    """The first of the successive draws back at or above the level after ``lost_at``."""
    transfusion_info: TransfusionInfo | None = None
    """For milestones that exclude draws after a platelet transfusion: whether cbc was given the
    transfusion dates (``--transfusion`` or a ``platelet_transfusion`` column); null otherwise.
    With ``not-given`` a transfusion cbc was not told of could undo the milestone."""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """A change between two consecutive draws beyond a documented limit."""

    code: str
    title: str
    analyte: str
    unit: str
    before: DrawRef
    after: DrawRef
    value_before: float
    value_after: float
    days_between: int
    urgency: Urgency
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Something about the whole series worth saying loudly (engraftment timing)."""

    code: str
    title: str
    message: str
    urgency: Urgency


@dataclass(frozen=True, slots=True, kw_only=True)
class CountState:
    """Where one count stands against its recovery level (the words: README, rules file)."""

    analyte: str
    state: CountStateName
    milestone: str
    """The code of the count's recovery milestone (the first listed for it in the rules)."""
    level: float | None
    """The recovery level, canonical unit; null when it is the draw's lower reference limit."""
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyteTrend:
    """One analyte over time."""

    analyte: str
    name: str
    unit: str
    points: list[Point]
    nadir: Point | None
    """The lowest value (the first, on a tie); null with fewer than two draws."""
    latest: Point
    range_low: float | None
    range_high: float | None
    """The reference range applied to the latest draw that has one."""
    below: list[TimeBelow]


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonTrend:
    """Everything said about one person's series."""

    patient_id: str | None
    draws: list[DrawInfo]
    transfusions: list[str]
    transfusion_info: TransfusionInfo
    """Whether cbc was given platelet transfusion dates for this person (``--transfusion``, or a
    ``platelet_transfusion`` column with a yes or no for a draw); ``not-given`` never means none."""
    analytes: list[AnalyteTrend]
    milestones: list[Milestone]
    states: list[CountState]
    changes: list[Change]
    alerts: list[Alert]
    timeline: str | None
    fell: list[str]
    recovering: list[str]
    """Counts recovered or recovering (at or above their recovery level)."""
    rising: list[str]
    """Counts above their lowest value but still below their recovery level."""
    watch: list[str]
    urgency: Urgency
    message: str
    safety: str | None = None
    """When to seek care at once, day or night (``cbc check``'s safety line for the latest
    draw); None when the latest counts are within range and nothing raised the urgency."""
    notes: list[str]
    transfusion_dates: list[date] = field(
        default_factory=list, repr=False, compare=False, metadata=VIEWS_ONLY
    )
    """The platelet transfusion dates, as ``transfusions`` was written from them."""
    notes_first: list[str] = field(default_factory=list)
    """The notes (each also in ``notes``) to read before the message, as they change whose
    ranges it rests on: the counts judged without the person's age or sex, and an ``--age``,
    ``--dob`` or ``--sex`` that a file's own column overrode. The pages show them above the
    care-team box."""
    latest: Result | None
    """The engine's full result for the latest draw."""

    @property
    def notes_after(self) -> list[str]:
        """The notes read after the message: ``notes`` without ``notes_first``."""
        return [n for n in self.notes if n not in self.notes_first]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unplaced:
    """A draw that could not be read, or not placed in time or to a person."""

    line: int | None
    sample_id: str | None
    patient_id: str | None
    collected_at: str | None
    """As given."""
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendReport:
    """What ``cbc trend`` answers: a series per person, and the draws that could not be placed."""

    schema_version: str = TREND_SCHEMA_VERSION
    grading: SchemeInfo
    rules: str
    since: str | None
    transplant: GraftSource | None
    persons: list[PersonTrend]
    unplaced: list[Unplaced]
    notes: list[str]
    since_date: date | None = field(default=None, repr=False, compare=False, metadata=VIEWS_ONLY)
    """Day 0 as a date, as ``since`` was written from it."""

    @property
    def failed(self) -> bool:
        """Whether a draw or a cell could not be read or placed (exit code 3)."""
        return bool(self.unplaced) or any(d.errors for p in self.persons for d in p.draws)

    @property
    def urgencies(self) -> list[Urgency]:
        """Each person's urgency, for ``--fail-on``."""
        return [p.urgency for p in self.persons]


def trend_data(report: TrendReport) -> dict[str, Any]:
    """Plain data (dicts, lists, numbers, strings) for a report: what ``--format json`` writes
    (the fields the views alone read, ``VIEWS_ONLY``, left out)."""
    data: dict[str, Any] = _plain(report)
    return data


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _drop_views_only(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without the properties of the fields only the views read."""
    hidden = {
        cls.__name__: {f.name for f in fields(cls) if not f.metadata.get("json", True)}
        for cls in (DrawRef, Point, PersonTrend, TrendReport)
    }
    for name, part in [("TrendReport", schema), *schema.get("$defs", {}).items()]:
        for key in hidden.get(name, ()):
            part["properties"].pop(key, None)
            if key in part.get("required", []):
                part["required"].remove(key)
    return schema


def trend_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``cbc trend --format json`` (imports Pydantic: for ``cbc schema``)."""
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(TrendReport).json_schema()
    return _drop_views_only(schema)
