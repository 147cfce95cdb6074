"""Counts over time for ``cbc trend``: draws placed in time per person, the nadir, days below key
levels, recovery milestones, engraftment after a transplant, and changes between draws.

A pure core: records in, one :class:`TrendReport` out; no printing, no environment, no UI library.
The levels, milestones and change limits are data (``reference_ranges/trend/trend_rules.toml``),
read and checked like the range files. Each draw is interpreted by the same engine as
``cbc check`` (:func:`cbc_cli.batch.interpret_record`), so flags and grades agree.

How time is counted (also in README):

- Day numbers: calendar days from ``since`` (day 0), by collection date.
- Days below a level: for each stretch of draws below it, the calendar days from the first draw
  below to the first draw at or above it again. A stretch still open at the last draw is counted
  to the last draw and said to be ongoing; one that is open at the first draw may have begun
  earlier. Between draws the count is not known, so the gap is counted as below.
- Milestones: the first of N successive draws on different days, after a draw below the level
  (the count was low; after a transplant, from day 0: recovery is counted from the post-transplant
  nadir), all at or above the level; a day with two draws counts only if both are. For platelet
  rules, a draw taken on the day of a platelet transfusion or within the 6 days after it does not
  count (CIBMTR Forms Manual, initial platelet recovery). A later draw below the level loses the
  milestone (an alert); N successive draws at or above it again regain it.
- Each count's state against its recovery level (recovered, recovering, rising, not yet, lost):
  defined in README and the rules file, worked out in ``_count_state``.
- Draws at the same collection time (the same date when no time is given): the later row in the
  input is used, as a re-run or correction usually comes later; both are listed.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from cbc_cli.age import Age
from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.api import scheme_info
from cbc_cli.batch import interpret_record
from cbc_cli.engine import FINDING_RULES, HIGH_FLAGS, max_urgency
from cbc_cli.errors import CbcError, RangeFileError, UnitError, UsageError
from cbc_cli.explanations import CARE_TEAM_MESSAGES, EXPLANATIONS
from cbc_cli.grading import Scheme, guard
from cbc_cli.models import AnalyteResult, Flag, Result, SchemeInfo, Urgency
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable, shipped_ranges_dir
from cbc_cli.readers.records import Record, is_missing
from cbc_cli.shape import Spec, conforms, first_error, with_defaults
from cbc_cli.units import accepted_units, format_value, parse_number, unit_factor
from cbc_cli.wording import plural

TREND_SCHEMA_VERSION = "2.0"
GraftSource = Literal["pb", "marrow", "cord"]
GRAFT_SOURCES: tuple[GraftSource, ...] = ("pb", "marrow", "cord")
GRAFT_WORDS = {
    "pb": "a peripheral blood graft",
    "marrow": "a marrow graft",
    "cord": "a cord blood graft",
}
DEFAULT_ANALYTES = ("anc", "plt", "hgb")
MilestoneStatus = Literal["reached", "lost", "pending", "not-needed", "cannot-tell"]
CountStateName = Literal[
    "recovered", "recovering", "rising", "not-yet", "lost", "not-needed", "cannot-tell"
]
TransfusionInfo = Literal["given", "not-given"]

# Column names read as "a platelet transfusion was given on this draw's day".
TRANSFUSION_COLUMNS = (
    "platelet_transfusion",
    "platelet_transfusions",
    "platelets_transfused",
    "plt_transfusion",
    "transfusion_platelets",
)
_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})

# --- rules (data) ------------------------------------------------------------------------------

_BELOW: Spec = {
    "analyte": (str, ...),
    "below": (float, ...),
    "unit": (str, ...),
    "label": (str, ...),
    "source": (str, ...),
}
_MILESTONE: Spec = {
    "code": (str, ...),
    "title": (str, ...),
    "analyte": (str, ...),
    "at_least": (float | Literal["LLN"], ...),
    "unit": (str, ...),
    "draws": (int, 1),
    "transfusion_free_days": (int | None, None),
    "lost_urgency": (Literal["routine", "soon", "now"], "soon"),
    "source": (str, ...),
}
_CHANGE: Spec = {
    "code": (str, ...),
    "title": (str, ...),
    "analyte": (str, ...),
    "unit": (str, ...),
    "urgency": (Literal["routine", "soon", "now"], "soon"),
    "fall_by": (float | None, None),
    "fall_to_fraction": (float | None, None),
    "from_at_least": (float | None, None),
    "to_below": (float | None, None),
    "source": (str, ...),
}
_ENGRAFTMENT: Spec = {
    "pb": (int, ...),
    "marrow": (int, ...),
    "cord": (int, ...),
    "milestone": (str, ...),
    "source": (str, ...),
}
_CHEMOTHERAPY: Spec = {
    "lowest_from_day": (int, ...),
    "lowest_to_day": (int, ...),
    "recovered_from_day": (int, ...),
    "recovered_to_day": (int, ...),
    "review_from_day": (int, ...),
    "review_to_day": (int, ...),
    "source": (str, ...),
}
_GAPS: Spec = {"long_gap_days": (int, ...), "source": (str, ...)}
_RULES_FILE: Spec = {
    "below": ([_BELOW], ...),
    "milestone": ([_MILESTONE], ...),
    "change": ([_CHANGE], ...),
    "engraftment": (_ENGRAFTMENT, ...),
    "chemotherapy": (_CHEMOTHERAPY, ...),
    "gaps": (_GAPS, ...),
}
_CODE = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class BelowRule:
    """A level for "days below", in the analyte's canonical unit."""

    analyte: str
    below: float
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class MilestoneRule:
    """A recovery milestone: ``draws`` successive draws on different days at or above a level."""

    code: str
    title: str
    analyte: str
    at_least: float | None
    """Canonical unit; None means the lower limit of each draw's reference range."""
    draws: int
    transfusion_free_days: int | None
    lost_urgency: Urgency
    """How soon to call when a draw falls back below the level after the milestone."""
    source: str


@dataclass(frozen=True, slots=True)
class ChemoTimeline:
    """The usual course after chemotherapy, in days after day 0 (context, never a prediction)."""

    lowest_from_day: int
    lowest_to_day: int
    recovered_from_day: int
    recovered_to_day: int
    review_from_day: int
    review_to_day: int
    """After this day a count still below its recovery level is "not yet", worth a review."""
    source: str


@dataclass(frozen=True, slots=True)
class ChangeRule:
    """A change between two consecutive draws worth a call to the care team."""

    code: str
    title: str
    analyte: str
    urgency: Urgency
    fall_by: float | None
    fall_to_fraction: float | None
    from_at_least: float | None
    to_below: float | None
    source: str

    def matches(self, before: float, after: float) -> bool:
        """Whether going from ``before`` to ``after`` (canonical unit) is this change."""
        if self.fall_by is not None:
            return guard(before - after) >= guard(self.fall_by)
        if self.fall_to_fraction is not None:
            return before > 0 and guard(after) <= guard(before * self.fall_to_fraction)
        low, high = self.to_below or 0.0, self.from_at_least or 0.0
        return guard(before) >= guard(high) and guard(after) < guard(low)


@dataclass(frozen=True, slots=True)
class TrendRules:
    """Everything ``cbc trend`` counts against, read from the rules file."""

    below: tuple[BelowRule, ...]
    milestones: tuple[MilestoneRule, ...]
    changes: tuple[ChangeRule, ...]
    graft_days: dict[str, int]
    graft_milestone: str
    graft_source: str
    chemotherapy: ChemoTimeline
    long_gap_days: int
    origin: str

    def recovery_rule(self, analyte_id: str) -> MilestoneRule | None:
        """A count's recovery level: the first milestone listed for it (None: it has none)."""
        return next((m for m in self.milestones if m.analyte == analyte_id), None)


def rules_path() -> Path:
    """Where the shipped trend rules live."""
    return shipped_ranges_dir() / "trend" / "trend_rules.toml"


@cache
def load_trend_rules(path: Path | None = None) -> TrendRules:
    """Read and check a trend rules file (default: the shipped one).

    Raises:
        RangeFileError: missing, not TOML, or a rule that fails the checks, naming the file and
            the rule (``milestone #2``).
    """
    target = path or rules_path()
    name = str(target)
    try:
        raw = tomllib.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RangeFileError("no such trend rules file", path=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RangeFileError(f"cannot read: {exc.__class__.__name__}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        raise RangeFileError(f"not valid TOML ({exc})", path=name) from None
    return parse_trend_rules(raw, name)


def parse_trend_rules(raw: Any, name: str = "trend rules") -> TrendRules:
    """Check the data of a trend rules file and convert its numbers to canonical units.

    Raises:
        RangeFileError: naming ``name`` and the rule at fault.
    """
    if not conforms(raw, _RULES_FILE):
        found = first_error(raw, _RULES_FILE, "TrendRules")
        loc, msg = found if found else ((), "does not match the trend-rules syntax")
        where = None
        if len(loc) > 1 and isinstance(loc[1], int):
            where = f"{loc[0]} #{loc[1] + 1}"
            loc = loc[2:]
        what = ".".join(str(p) for p in loc)
        raise RangeFileError(
            f"{what}: {msg.lower()}" if what else msg.lower(), path=name, location=where
        )

    def fail(where: str, message: str) -> RangeFileError:
        return RangeFileError(message, path=name, location=where)

    def analyte_and_factor(row: dict[str, Any], where: str) -> tuple[str, float]:
        analyte = find_analyte(row["analyte"])
        if analyte is None:
            raise fail(where, f"unknown analyte {row['analyte']!r}")
        try:
            return analyte.id, unit_factor(analyte, row["unit"])
        except UnitError as exc:
            raise fail(where, exc.message) from None

    def sourced(row: dict[str, Any], where: str) -> str:
        if len(row["source"].strip()) < 3:
            raise fail(where, "source is empty: say where the number comes from")
        return str(row["source"])

    below: list[BelowRule] = []
    for i, row in enumerate(raw["below"], start=1):
        where = f"below #{i}"
        analyte, factor = analyte_and_factor(row, where)
        below.append(BelowRule(analyte, row["below"] * factor, row["label"], sourced(row, where)))

    codes: set[str] = set()

    def code_of(row: dict[str, Any], where: str) -> str:
        code = str(row["code"])
        if not _CODE.match(code):
            raise fail(where, f"code {code!r} is not kebab-case (a-z, 0-9, - and .)")
        if code in codes:
            raise fail(where, f"code {code!r} is used twice")
        codes.add(code)
        return code

    milestones: list[MilestoneRule] = []
    for i, item in enumerate(raw["milestone"], start=1):
        row = with_defaults(item, _MILESTONE)
        where = f"milestone #{i}"
        analyte, factor = analyte_and_factor(row, where)
        if row["draws"] < 1:
            raise fail(where, "draws must be 1 or more")
        free = row["transfusion_free_days"]
        if free is not None and free < 1:
            raise fail(where, "transfusion_free_days must be 1 or more")
        level = None if row["at_least"] == "LLN" else row["at_least"] * factor
        milestones.append(
            MilestoneRule(
                code_of(row, where),
                row["title"],
                analyte,
                level,
                row["draws"],
                free,
                row["lost_urgency"],
                sourced(row, where),
            )
        )

    changes: list[ChangeRule] = []
    for i, item in enumerate(raw["change"], start=1):
        row = with_defaults(item, _CHANGE)
        where = f"change #{i}"
        analyte, factor = analyte_and_factor(row, where)
        kinds = [
            row["fall_by"] is not None,
            row["fall_to_fraction"] is not None,
            row["from_at_least"] is not None or row["to_below"] is not None,
        ]
        if sum(kinds) != 1:
            raise fail(
                where, "give exactly one of fall_by, fall_to_fraction, from_at_least+to_below"
            )
        if kinds[2] and (row["from_at_least"] is None or row["to_below"] is None):
            raise fail(where, "from_at_least and to_below go together")
        fraction = row["fall_to_fraction"]
        if fraction is not None and not 0 < fraction < 1:
            raise fail(where, "fall_to_fraction must be between 0 and 1")

        def scaled(value: float | None, factor: float = factor) -> float | None:
            return None if value is None else value * factor

        changes.append(
            ChangeRule(
                code_of(row, where),
                row["title"],
                analyte,
                row["urgency"],
                scaled(row["fall_by"]),
                fraction,
                scaled(row["from_at_least"]),
                scaled(row["to_below"]),
                sourced(row, where),
            )
        )

    graft = raw["engraftment"]
    known = {m.code: m for m in milestones}
    if graft["milestone"] not in known:
        raise fail("engraftment", f"milestone {graft['milestone']!r} is not defined above")
    if any(graft[g] < 1 for g in GRAFT_SOURCES):
        raise fail("engraftment", "days must be 1 or more")
    chemo = raw["chemotherapy"]
    days = [
        chemo[k]
        for k in (
            "lowest_from_day",
            "lowest_to_day",
            "recovered_from_day",
            "recovered_to_day",
            "review_from_day",
            "review_to_day",
        )
    ]
    if days[0] < 0 or days != sorted(days):
        raise fail("chemotherapy", "the days must be 0 or more and in increasing order")
    gaps = raw["gaps"]
    if gaps["long_gap_days"] < 1:
        raise fail("gaps", "long_gap_days must be 1 or more")
    return TrendRules(
        tuple(below),
        tuple(milestones),
        tuple(changes),
        {g: int(graft[g]) for g in GRAFT_SOURCES},
        str(graft["milestone"]),
        sourced(graft, "engraftment"),
        ChemoTimeline(
            int(chemo["lowest_from_day"]),
            int(chemo["lowest_to_day"]),
            int(chemo["recovered_from_day"]),
            int(chemo["recovered_to_day"]),
            int(chemo["review_from_day"]),
            int(chemo["review_to_day"]),
            sourced(chemo, "chemotherapy"),
        ),
        int(gaps["long_gap_days"]),
        Path(name).name,
    )


# --- the report --------------------------------------------------------------------------------


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
    notes: list[str]
    latest: Result | None
    """The engine's full result for the latest draw."""


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

    @property
    def failed(self) -> bool:
        """Whether a draw or a cell could not be read or placed (exit code 3)."""
        return bool(self.unplaced) or any(d.errors for p in self.persons for d in p.draws)

    @property
    def urgencies(self) -> list[Urgency]:
        """Each person's urgency, for ``--fail-on``."""
        return [p.urgency for p in self.persons]


def trend_data(report: TrendReport) -> dict[str, Any]:
    """Plain data (dicts, lists, numbers, strings) for a report: what ``--format json`` writes."""
    return asdict(report)


def trend_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``cbc trend --format json`` (imports Pydantic: for ``cbc schema``)."""
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(TrendReport).json_schema()
    return schema


# --- reading dates and the extra columns ------------------------------------------------------

_HL7_TS = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?(?:[+-]\d{4})?$")


def parse_collected(text: str) -> tuple[datetime, bool]:
    """Read a collection date or date-time: ISO 8601 or HL7 (``YYYYMMDD[HHMM[SS]]``).

    A time zone is dropped and the wall-clock time kept, so the date stays the lab's date.

    Returns:
        (when, whether a time was given).

    Raises:
        ValueError: not a date cbc reads.
    """
    raw = text.strip()
    m = _HL7_TS.match(raw)
    if m:
        hour, minute, second = (int(g) if g else 0 for g in m.groups()[3:6])
        when = datetime(int(m[1]), int(m[2]), int(m[3]), hour, minute, second)
        return when, m[4] is not None
    try:
        if len(raw) == 10:
            d = date.fromisoformat(raw)
            return datetime(d.year, d.month, d.day), False
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"{raw!r} is not a date cbc reads (write YYYY-MM-DD, with a time if known)"
        ) from None
    return when.replace(tzinfo=None), True


def _fold(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip().casefold())


def _column_index(header: Sequence[str], names: Iterable[str]) -> int | None:
    wanted = {_fold(n) for n in names}
    return next((i for i, h in enumerate(header) if _fold(h.lstrip("\ufeff")) in wanted), None)


def _cells(record: Record, index: int | None) -> list[str]:
    if index is None:
        return []
    return [cells[index] for _, cells, _ in record.rows if index < len(cells)]


# --- building the report ------------------------------------------------------------------------


@dataclass(slots=True)
class _Draw:
    order: int
    record: Record
    when: datetime
    has_time: bool
    result: Result
    transfused: bool
    transfusion_told: bool
    """The draw's platelet_transfusion cell says yes or no (an empty cell says nothing)."""
    errors: list[str]
    used: bool = True
    note: str | None = None

    def ref(self, since: date | None) -> DrawRef:
        return DrawRef(
            collected_at=_iso(self.when, self.has_time),
            day=_day(self.when, since),
            sample_id=self.record.sample_id,
            line=self.record.line,
        )


def _iso(when: datetime, has_time: bool) -> str:
    return when.isoformat(timespec="minutes") if has_time else when.date().isoformat()


def _day(when: datetime, since: date | None) -> int | None:
    return None if since is None else (when.date() - since).days


def build_trend(
    records: Iterable[Record],
    ranges: RangeTable,
    scheme: Scheme,
    options: TrendOptions | None = None,
    *,
    rules: TrendRules | None = None,
    header: Sequence[str] = (),
    input_notes: Sequence[str] = (),
) -> TrendReport:
    """Follow each person's counts over time.

    Args:
        records: the draws as the readers give them (any order; unreadable ones included).
        ranges: the loaded reference ranges.
        scheme: the grading scheme used for each draw.
        options: day 0, graft source, transfusion dates, analytes, the person-id column.
        rules: the trend rules (default: the shipped file).
        header: the tabular header, to read the person-id and transfusion columns from the rows.
        input_notes: the reader's notes (``Input.notes``); read after the records are consumed,
            as readers add to them while reading.

    Returns:
        The report; a draw that cannot be read or placed is in ``unplaced`` with its line.

    Raises:
        UsageError: ``transplant`` without ``since``, an unknown analyte, a ``patient_column``
            that is not in the header.

    Example:
        >>> from cbc_cli.api import default_ranges, resolve_scheme
        >>> from cbc_cli.readers import read_input
        >>> from cbc_cli.readers.source import open_source
        >>> data = read_input(open_source("tests/fixtures/trend/chemo_cycle.csv"))
        >>> report = build_trend(data.records, default_ranges(), resolve_scheme("ctcae5"),
        ...                      TrendOptions(since=date(2026, 3, 2)), header=data.header)
        >>> [(m.code, m.day) for m in report.persons[0].milestones if m.status == "reached"][:1]
        [('neutrophil-recovery', 17)]
    """
    opts = options or TrendOptions()
    rules = rules or load_trend_rules()
    if opts.transplant is not None and opts.since is None:
        raise UsageError(
            "--transplant needs --since (the day of the transplant, day 0)",
            hint="e.g. --transplant pb --since 2026-03-02",
        )
    analytes: list[str] = []
    for name in opts.analytes:
        found = find_analyte(name)
        if found is None:
            raise UsageError(f"unknown analyte {name!r}", hint="known: " + ", ".join(ANALYTES))
        analytes.append(found.id)
    analytes = list(dict.fromkeys(analytes))

    person_index: int | None = None
    if opts.patient_column is not None and header:
        person_index = _column_index(header, [opts.patient_column])
        if person_index is None:
            raise UsageError(
                f"--patient {opts.patient_column!r}: no such column",
                hint="columns: " + ", ".join(header[:20]),
            )
    transfusion_index = _column_index(header, TRANSFUSION_COLUMNS) if header else None

    unplaced: list[Unplaced] = []
    draws: list[_Draw] = []
    notes: list[str] = []
    for order, record in enumerate(records):
        draw = _place(
            record, order, ranges, scheme, opts, person_index, transfusion_index, unplaced
        )
        if draw is not None:
            draws.append(draw)

    by_person: dict[str | None, list[_Draw]] = {}
    for draw in draws:
        by_person.setdefault(_person_id(draw.record, person_index), []).append(draw)
    if None in by_person and len(by_person) > 1:
        for draw in by_person.pop(None):
            unplaced.append(
                Unplaced(
                    line=draw.record.line,
                    sample_id=draw.record.sample_id,
                    patient_id=None,
                    collected_at=draw.record.collected_at,
                    reason="no patient id, while other draws have one: it cannot be placed in "
                    "a person's series",
                )
            )
    if opts.patient_column is not None and not header and list(by_person) == [None] and draws:
        raise UsageError(
            f"--patient {opts.patient_column!r}: no draw has this field",
            hint="name the field that holds the person id",
        )
    if len(by_person) > 1 and opts.transfusions:
        notes.append("the --transfusion dates are applied to every person in the input")
    if not draws and not unplaced:
        notes.append("the input holds no draws")

    persons = [_person(pid, series, analytes, opts, rules) for pid, series in by_person.items()]
    unplaced.sort(key=lambda u: (u.line is None, u.line or 0))
    notes.extend(input_notes)
    return TrendReport(
        grading=scheme_info(scheme),
        rules=rules.origin,
        since=opts.since.isoformat() if opts.since else None,
        transplant=opts.transplant,
        persons=persons,
        unplaced=unplaced,
        notes=notes,
    )


def _person_id(record: Record, index: int | None) -> str | None:
    raw = (
        next((c for c in _cells(record, index) if not is_missing(c)), None)
        if index is not None
        else record.patient_id
    )
    if raw is None or is_missing(raw):
        return None
    return raw.strip()


def _place(
    record: Record,
    order: int,
    ranges: RangeTable,
    scheme: Scheme,
    opts: TrendOptions,
    person_index: int | None,
    transfusion_index: int | None,
    unplaced: list[Unplaced],
) -> _Draw | None:
    def refuse(reason: str) -> None:
        unplaced.append(
            Unplaced(
                line=record.line,
                sample_id=record.sample_id,
                patient_id=_person_id(record, person_index),
                collected_at=record.collected_at,
                reason=reason,
            )
        )

    if record.panel is None:
        refuse(record.error.message if record.error else "the draw could not be read")
        return None
    if record.collected_at is None or is_missing(record.collected_at):
        refuse("no collection date: this draw cannot be placed in time")
        return None
    try:
        when, has_time = parse_collected(record.collected_at)
    except ValueError as exc:
        refuse(f"collection date {exc}")
        return None
    errors = [
        f"line {e.line}: {e.message}" if e.line and f"line {e.line}" not in e.message else e.message
        for e in record.cell_errors
    ]
    transfused = told = False
    for cell in _cells(record, transfusion_index):
        word = cell.strip().lower()
        if word in _YES:
            transfused = told = True
        elif word in _NO:
            told = True
        elif not is_missing(cell):
            errors.append(
                f"line {record.line}: platelet transfusion {cell.strip()!r} is not yes or no"
            )
    context = opts.context
    if opts.dob is not None:
        base = context or Patient()
        # The age is worked out at each draw's own date, as for a single sample.
        context = base._replace(age=Age.from_dates(opts.dob, when.date()))
    result = interpret_record(record, ranges, scheme, context)
    return _Draw(order, record, when, has_time, result, transfused, told, errors)


def _person(
    patient_id: str | None,
    series: list[_Draw],
    analytes: list[str],
    opts: TrendOptions,
    rules: TrendRules,
) -> PersonTrend:
    notes: list[str] = []
    since = opts.since
    latest_seen = series[0].when
    for draw in series:
        if draw.when < latest_seen:
            notes.append(
                f"The draws were not in time order in the input (line {draw.record.line} is "
                "earlier than a row above it); they are sorted by collection time."
            )
            break
        latest_seen = draw.when
    series = sorted(series, key=lambda d: (d.when, d.order))
    _mark_duplicates(series, notes)
    used = [d for d in series if d.used]
    transfusions = sorted(set(opts.transfusions) | {d.when.date() for d in series if d.transfused})
    # Told means told: an empty platelet_transfusion cell, or no column, says nothing.
    transfusion_info: TransfusionInfo = (
        "given" if opts.transfusions or any(d.transfusion_told for d in series) else "not-given"
    )

    for before, after in itertools.pairwise(used):
        gap = (after.when.date() - before.when.date()).days
        if gap > rules.long_gap_days:
            notes.append(
                f"No draws for {gap} days between {_iso(before.when, before.has_time)} and "
                f"{_iso(after.when, after.has_time)}: what the counts did in between is not known."
            )
    if len(used) < 2:
        notes.append(
            "Only one dated draw for this person: a trend needs at least two. The draw is shown; "
            "no nadir, milestone or change is worked out."
        )

    trends: list[AnalyteTrend] = []
    milestones: list[Milestone] = []
    changes: list[Change] = []
    for analyte_id in analytes:
        pairs = [(d, a) for d in used for a in d.result.analytes if a.analyte == analyte_id]
        if not pairs:
            notes.append(f"No {ANALYTES[analyte_id].name} values in these draws.")
            continue
        units = _units_given(analyte_id, [d for d, _ in pairs])
        if len(units) > 1:
            notes.append(
                f"{_cap(ANALYTES[analyte_id].name)} was given in different units across "
                f"draws ({', '.join(units)}); every value was converted to "
                f"{ANALYTES[analyte_id].unit} before it was compared or charted."
            )
        trend = _analyte_trend(analyte_id, pairs, since, rules)
        trends.append(trend)
        if len(pairs) >= 2:
            milestones.extend(
                _milestone(m, pairs, transfusions, transfusion_info, since, opts.transplant)
                for m in rules.milestones
                if m.analyte == analyte_id
            )
            for c in rules.changes:
                if c.analyte == analyte_id:
                    changes.extend(_changes(c, pairs, since, rules.long_gap_days, opts.transplant))

    alerts: list[Alert] = []
    if opts.transplant is not None and since is not None and len(used) >= 2:
        alert = _engraftment(opts.transplant, since, used, milestones, rules)
        if alert is not None:
            alerts.append(alert)
    alerts.extend(_lost_alerts(milestones, rules, opts.transplant))

    latest = used[-1].result if used else None
    last_day = _day(used[-1].when, since) if used else None
    timeline = _timeline(last_day, opts.transplant, rules)
    states = [
        _count_state(t, m, rules, opts.transplant, last_day, transfusions)
        for t in trends
        if (m := _recovery_milestone(t.analyte, milestones, rules)) is not None
    ]
    urgency, message = _message(latest, used[-1] if used else None, changes, alerts, since)
    draws = [
        DrawInfo(
            collected_at=_iso(d.when, d.has_time),
            day=_day(d.when, since),
            sample_id=d.record.sample_id,
            line=d.record.line,
            used=d.used,
            note=d.note,
            platelet_transfusion=d.transfused,
            urgency=d.result.urgency,
            findings=[f.code for f in d.result.findings],
            errors=d.errors,
        )
        for d in series
    ]
    return PersonTrend(
        patient_id=patient_id,
        draws=draws,
        transfusions=[t.isoformat() for t in transfusions],
        transfusion_info=transfusion_info,
        analytes=trends,
        milestones=milestones,
        states=states,
        changes=changes,
        alerts=alerts,
        timeline=timeline,
        fell=[s for t in trends if (s := _fell_words(t, opts.transplant)) is not None],
        recovering=[s.message for s in states if s.state in ("recovered", "recovering")],
        rising=[s.message for s in states if s.state == "rising"],
        watch=_watch_words(latest, milestones, states, analytes),
        urgency=urgency,
        message=message,
        notes=notes,
        latest=latest,
    )


def _mark_duplicates(series: list[_Draw], notes: list[str]) -> None:
    """Use the later row of draws that share a collection time; say which and why."""
    by_time: dict[datetime, list[_Draw]] = {}
    for draw in series:
        by_time.setdefault(draw.when, []).append(draw)
    for same in by_time.values():
        if len(same) < 2:
            continue
        kept = max(same, key=lambda d: d.order)
        kept_values = _values(kept)
        for draw in same:
            if draw is kept:
                continue
            draw.used = False
            identical = _values(draw) == kept_values
            draw.note = (
                f"same collection time and values as line {kept.record.line}: counted once"
                if identical
                else f"same collection time as line {kept.record.line}, which is used"
            )
        lines = ", ".join(str(d.record.line) for d in sorted(same, key=lambda d: d.order))
        notes.append(
            f"Draws at lines {lines} share the collection time {_iso(kept.when, kept.has_time)}: "
            f"line {kept.record.line}, the later row, is used, as a re-run or corrected result "
            "usually comes later in an export; the others are listed but not counted."
        )


def _values(draw: _Draw) -> dict[str, float]:
    panel = draw.record.panel
    return {} if panel is None else {k: q.value for k, q in panel.values.items()}


def _units_given(analyte_id: str, draws: list[_Draw]) -> list[str]:
    """The units the draws gave a value in, told apart by the factor the reader applied."""
    analyte = ANALYTES[analyte_id]
    spellings = [(u, unit_factor(analyte, u)) for u in accepted_units(analyte_id)]
    found: dict[str, None] = {}
    for draw in draws:
        q = draw.record.panel.values.get(analyte_id) if draw.record.panel else None
        if q is None:
            continue
        try:
            _, number, _ = parse_number(q.input)
        except CbcError:
            try:
                _, number, _ = parse_number(q.input, decimal_comma=True)
            except CbcError:
                continue
        if number == 0:
            continue
        factor = q.value / number
        name = next((u for u, f in spellings if math.isclose(f, factor, rel_tol=1e-6)), None)
        if name is not None:
            found[name] = None
    return list(found)


def _grade(result: Result, a: AnalyteResult) -> tuple[int | None, str | None]:
    high = a.flag in HIGH_FLAGS
    for code, analyte_id, direction in FINDING_RULES:
        if analyte_id == a.analyte and (direction == "high") == high and code in result.grades:
            return result.grades[code], code
    return None, None


def _point(draw: _Draw, a: AnalyteResult, since: date | None) -> Point:
    grade, code = _grade(draw.result, a)
    return Point(
        collected_at=_iso(draw.when, draw.has_time),
        day=_day(draw.when, since),
        sample_id=draw.record.sample_id,
        line=draw.record.line,
        value=a.value,
        comparator=a.comparator,
        flag=a.flag,
        grade=grade,
        graded_as=code,
    )


def _analyte_trend(
    analyte_id: str,
    pairs: list[tuple[_Draw, AnalyteResult]],
    since: date | None,
    rules: TrendRules,
) -> AnalyteTrend:
    points = [_point(d, a, since) for d, a in pairs]
    nadir = min(points, key=lambda p: p.value) if len(points) >= 2 else None
    with_range = [a.reference_range for _, a in pairs if a.reference_range is not None]
    rng = with_range[-1] if with_range else None
    below = (
        [_time_below(rule, pairs, since) for rule in rules.below if rule.analyte == analyte_id]
        if len(points) >= 2
        else []
    )
    return AnalyteTrend(
        analyte=analyte_id,
        name=ANALYTES[analyte_id].name,
        unit=ANALYTES[analyte_id].unit,
        points=points,
        nadir=nadir,
        latest=points[-1],
        range_low=rng.low if rng else None,
        range_high=rng.high if rng else None,
        below=below,
    )


def _time_below(
    rule: BelowRule, pairs: list[tuple[_Draw, AnalyteResult]], since: date | None
) -> TimeBelow:
    days = episodes = 0
    start: _Draw | None = None
    first: _Draw | None = None
    for draw, a in pairs:
        below = guard(a.value) < guard(rule.below)
        if below and start is None:
            start = draw
            episodes += 1
            first = first or draw
        elif not below and start is not None:
            days += (draw.when.date() - start.when.date()).days
            start = None
    ongoing = start is not None
    if start is not None:
        days += (pairs[-1][0].when.date() - start.when.date()).days
    return TimeBelow(
        below=rule.below,
        label=rule.label,
        days=days,
        episodes=episodes,
        ongoing=ongoing,
        below_at_first_draw=guard(pairs[0][1].value) < guard(rule.below),
        first_below=first.ref(since) if first else None,
    )


def _level(rule: MilestoneRule, a: AnalyteResult) -> float | None:
    if rule.at_least is not None:
        return rule.at_least
    return a.reference_range.low if a.reference_range else None


def _milestone(
    rule: MilestoneRule,
    pairs: list[tuple[_Draw, AnalyteResult]],
    transfusions: list[date],
    transfusion_info: TransfusionInfo,
    since: date | None,
    transplant: GraftSource | None,
) -> Milestone:
    """Walk the draws day by day: a low, then the first run that reaches the milestone; after it,
    the first draw back below the level loses it, and a new run regains it."""
    free = rule.transfusion_free_days
    base = Milestone(
        code=rule.code,
        title=rule.title,
        analyte=rule.analyte,
        at_least=rule.at_least,
        status="pending",
        transfusion_info=transfusion_info if free else None,
    )
    levels = [_level(rule, a) for _, a in pairs]
    if all(level is None for level in levels):
        return replace(
            base,
            status="cannot-tell",
            note="no reference range applies to these draws (give --sex and --age)",
        )

    def below(i: int) -> bool:
        level = levels[i]
        return level is not None and guard(pairs[i][1].value) < guard(level)

    def meets(i: int) -> bool:
        level = levels[i]
        return level is not None and guard(pairs[i][1].value) >= guard(level)

    def blocked(day: date) -> bool:
        return free is not None and any(0 <= (day - t).days < free for t in transfusions)

    # Recovery is counted from the nadir after the transplant (ASTCT: "after post-transplantation
    # nadir"): draws before day 0 take no part then.
    start = 0
    if transplant is not None and since is not None:
        start = next((i for i, (d, _) in enumerate(pairs) if d.when.date() >= since), len(pairs))
    if not any(below(i) for i in range(start, len(pairs))) and not (free and transfusions):
        after = " from day 0" if start else ""
        return replace(
            base, status="not-needed", note=f"no draw was below {_level_text(rule)}{after}"
        )

    by_day: dict[date, list[int]] = {}
    for i in range(start, len(pairs)):
        by_day.setdefault(pairs[i][0].when.date(), []).append(i)
    # A run counts only once the count has been low (a draw below the level, or a platelet
    # transfusion for the rules that exclude them): a run before that is not a recovery.
    low_seen = held_back = met_any = False
    phase: Literal["before", "holding", "lost"] = "before"
    run: list[int] = []
    reached: list[int] = []
    lost: int | None = None
    regained: int | None = None
    for day, indices in by_day.items():
        if phase == "holding":
            if any(below(i) for i in indices):
                lost = next(i for i in indices if below(i))
                regained, run, phase = None, [], "lost"
            continue
        if not low_seen:
            low_seen = any(below(i) for i in indices) or blocked(day)
            continue
        # A day with two draws counts only if both meet the level.
        ok = all(meets(i) for i in indices)
        met_any = met_any or ok
        if ok and blocked(day):
            held_back, ok = True, False
        run = [*run, indices[0]] if ok else []
        if len(run) == rule.draws:
            if phase == "before":
                reached = run
            else:
                regained = run[0]
            run, phase = [], "holding"

    caveat = ""
    if free and transfusion_info == "not-given":
        caveat = (
            "platelet transfusion dates were not given to cbc (--transfusion, or a "
            f"platelet_transfusion column): a platelet transfusion in the {free} days before "
            "these draws would mean they do not count"
        )
    if reached:
        first = pairs[reached[0]][0].ref(since)
        lost_ref = pairs[lost][0].ref(since) if lost is not None else None
        regained_ref = pairs[regained][0].ref(since) if regained is not None else None
        lost_value = pairs[lost][1].value if lost is not None else None
        note = ""
        if lost_ref is not None and lost_value is not None:
            note = _lost_words(rule, lost_ref, lost_value, transplant)
            if regained_ref is not None:
                note += (
                    f", then was at or above it again on {rule.draws} successive draws from "
                    f"{_when_words(regained_ref, transplant)}"
                )
            elif run:
                note += (
                    f"; at or above it again on {len(run)} of the {rule.draws} successive "
                    "draws needed so far"
                )
        return replace(
            base,
            status="lost" if phase == "lost" else "reached",
            collected_at=first.collected_at,
            day=first.day,
            draws=[pairs[i][0].ref(since) for i in reached],
            lost_at=lost_ref,
            lost_value=lost_value,
            regained_at=regained_ref,
            note="; ".join(s for s in (note, caveat) if s),
        )
    if run:
        note = (
            f"{len(run)} of {rule.draws} successive draws at or above {_level_text(rule)} so far, "
            f"from {_when_words(pairs[run[0]][0].ref(since), transplant)}; more draws are needed "
            "to confirm"
        ) + (f"; {caveat}" if caveat else "")
    elif held_back:
        note = (
            f"draws at or above {_level_text(rule)} came within {free} days of a platelet "
            "transfusion, so they do not count towards recovery"
        )
    elif met_any:
        note = (
            f"draws at or above {_level_text(rule)} since the count was below it did not stay "
            f"there "
            f"for {rule.draws} successive draws"
        )
    else:
        note = f"no draw at or above {_level_text(rule)} since the count was below it"
    return replace(base, note=note)


def _changes(
    rule: ChangeRule,
    pairs: list[tuple[_Draw, AnalyteResult]],
    since: date | None,
    long_gap_days: int,
    transplant: GraftSource | None,
) -> list[Change]:
    found: list[Change] = []
    unit = ANALYTES[rule.analyte].unit
    for (d1, a1), (d2, a2) in itertools.pairwise(pairs):
        if not rule.matches(a1.value, a2.value):
            continue
        gap = (d2.when.date() - d1.when.date()).days
        r1, r2 = d1.ref(since), d2.ref(since)
        message = (
            f"{_cap(_name(rule.analyte))} went from {_value(rule.analyte, a1.value)} to "
            f"{_value(rule.analyte, a2.value)} {_unit(unit)} between "
            f"{_draw_words(r1, transplant)} and {_draw_words(r2, transplant)}, "
            f"{_days_words(gap)} apart. A change this large between two "
            "draws is worth a call to the care team."
        )
        if gap > long_gap_days:
            message += " The draws are far apart, so how fast it happened is not known."
        found.append(
            Change(
                code=rule.code,
                title=rule.title,
                analyte=rule.analyte,
                unit=unit,
                before=r1,
                after=r2,
                value_before=a1.value,
                value_after=a2.value,
                days_between=gap,
                urgency=rule.urgency,
                message=message,
            )
        )
    return found


def _engraftment(
    graft: GraftSource,
    since: date,
    used: list[_Draw],
    milestones: list[Milestone],
    rules: TrendRules,
) -> Alert | None:
    limit = rules.graft_days[graft]
    words = GRAFT_WORDS[graft]
    recovery = next((m for m in milestones if m.code == rules.graft_milestone), None)
    last_day = (used[-1].when.date() - since).days
    if recovery is None:
        return None
    if recovery.status in ("reached", "lost") and recovery.day is not None:
        if recovery.day <= limit:
            return None
        return Alert(
            code="late-neutrophil-recovery",
            title=f"Neutrophil recovery came after day +{limit}",
            message=(
                f"Neutrophil recovery began on day +{recovery.day}, after day +{limit}, the day by "
                f"which it is looked for after {words}. Your care team will know whether this "
                "matters for you."
            ),
            urgency="routine",
        )
    if recovery.status == "not-needed":
        return None
    if last_day < limit:
        return Alert(
            code="neutrophil-recovery-awaited",
            title=f"Neutrophil recovery not seen yet (day +{last_day})",
            message=(
                f"The latest draw is from day +{last_day}. After {words}, the transplant team "
                f"looks for neutrophil recovery by day +{limit}; it has not shown in these draws "
                "yet."
            ),
            urgency="none",
        )
    return Alert(
        code="primary-graft-failure-warning",
        title=f"No neutrophil recovery by day +{limit}",
        message=(
            f"These draws show no {recovery.title[0].lower()}{recovery.title[1:]} by "
            f"day +{limit} after {words}. Doctors use this mark to look for primary graft "
            "failure; only your care team can say what it means for you. Talk to them about "
            "these results."
        ),
        urgency="soon",
    )


def _timeline(day: int | None, transplant: GraftSource | None, rules: TrendRules) -> str | None:
    if day is None or day < 0:
        return None
    if transplant is None:
        return _chemo_timeline(day, rules.chemotherapy)
    return (
        f"Day +{day} after the transplant. Neutrophil recovery is looked for by day "
        f"+{rules.graft_days[transplant]} after {GRAFT_WORDS[transplant]}; counts can take months "
        "or longer to settle fully. This is the usual course, not a prediction for you."
    )


def _span(first: int, last: int) -> str:
    if first % 7 == 0 and last % 7 == 0:
        return f"{first // 7} to {last // 7} weeks"
    return f"{first} to {last} days"


def _chemo_timeline(day: int, c: ChemoTimeline) -> str:
    """Where day N after chemotherapy sits on the usual course: the low point, the recovery, and
    when counts still low deserve a review (rules file [chemotherapy])."""
    if day < c.lowest_from_day:
        where = "counts usually keep falling for some days yet"
    elif day <= c.lowest_to_day:
        where = "within the days when counts are usually at their lowest"
    elif day <= c.recovered_to_day:
        where = "within the weeks when counts usually recover"
    elif day < c.review_from_day:
        where = f"past the usual {_span(c.recovered_from_day, c.recovered_to_day)} of recovery"
    elif day <= c.review_to_day:
        where = (
            f"within day {c.review_from_day} to {c.review_to_day}: counts still low now are worth "
            "a review with the care team"
        )
    else:
        where = (
            f"past day {c.review_to_day}: counts still low now deserve a review with the care team"
        )
    return (
        f"Day {day} after chemotherapy: {where}. After chemotherapy, counts are usually at their "
        f"lowest about {c.lowest_from_day} to {c.lowest_to_day} days in and recover over about "
        f"{_span(c.recovered_from_day, c.recovered_to_day)}; the marrow usually has its normal "
        f"share of blood-making cells again by day {c.review_from_day} to {c.review_to_day}, so "
        "counts still low by then deserve a review. This is the usual course, not a prediction "
        "for you; it varies with the treatment given."
    )


def _message(
    latest: Result | None,
    latest_draw: _Draw | None,
    changes: list[Change],
    alerts: list[Alert],
    since: date | None,
) -> tuple[Urgency, str]:
    if latest is None or latest_draw is None:
        return "none", ""
    base: Urgency = latest.urgency or "none"
    last_ref = latest_draw.ref(since)
    recent = [c for c in changes if c.after == last_ref]
    raised = [
        (c.urgency, f"Between the last two draws: {c.title[0].lower()}{c.title[1:]}.")
        for c in recent
    ]
    raised += [(a.urgency, f"{a.title}.") for a in alerts]
    urgency = max_urgency([base, *(u for u, _ in raised)])
    if urgency == base:
        return urgency, latest.message
    why = " ".join(text for u, text in raised if u == urgency)
    return urgency, f"{why} {CARE_TEAM_MESSAGES[urgency]}"


# --- words ---------------------------------------------------------------------------------------

_SHORT = {"anc": "ANC", "plt": "platelets", "hgb": "hemoglobin", "wbc": "WBC", "alc": "lymphocytes"}


def _name(analyte_id: str) -> str:
    return _SHORT.get(analyte_id, ANALYTES[analyte_id].name)


def _unit(unit: str) -> str:
    """``x10^9/L`` in a sentence, where a bare ``10^9/L`` after a number reads oddly."""
    return f"x{unit}" if unit.startswith("10^") else unit


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value(analyte_id: str, value: float) -> str:
    return format_value(ANALYTES[analyte_id], value)


def _level_text(rule: MilestoneRule) -> str:
    return "the lower limit of its range" if rule.at_least is None else f"{rule.at_least:g}"


def _when_words(ref: DrawRef, transplant: GraftSource | None = None) -> str:
    """``2026-03-09 (day 7)``; ``day +7`` after a transplant."""
    when = ref.collected_at.replace("T", " ")
    if ref.day is None:
        return when
    return f"{when} ({_day_words(ref.day, transplant)})"


def _day_words(day: int, transplant: GraftSource | None) -> str:
    return f"day {'+' if transplant and day > 0 else ''}{day}"


def _draw_words(ref: DrawRef, transplant: GraftSource | None = None) -> str:
    """``2026-03-09 (day 7; sample C1-D07, line 4)``."""
    parts = [_day_words(ref.day, transplant)] if ref.day is not None else []
    if ref.sample_id:
        parts.append(f"sample {ref.sample_id}" + (f", line {ref.line}" if ref.line else ""))
    elif ref.line is not None:
        parts.append(f"line {ref.line}")
    when = ref.collected_at.replace("T", " ")
    return f"{when} ({'; '.join(parts)})" if parts else when


def _days_words(days: int) -> str:
    return "the same day" if days == 0 else plural(days, "day")


def _fell_words(t: AnalyteTrend, transplant: GraftSource | None) -> str | None:
    nadir = t.nadir
    if nadir is None:
        return None
    if nadir.flag not in ("L", "LL") and not any(b.episodes for b in t.below):
        return None
    ref = DrawRef(
        collected_at=nadir.collected_at, day=nadir.day, sample_id=nadir.sample_id, line=nadir.line
    )
    text = (
        f"{_cap(_name(t.analyte))} fell to {_value(t.analyte, nadir.value)} {_unit(t.unit)} on "
        f"{_when_words(ref, transplant)}, its lowest in these draws"
    )
    spans = []
    for b in t.below:
        if not b.episodes:
            continue
        bound = "at least " if b.ongoing or b.below_at_first_draw else ""
        still = ", and still is" if b.ongoing else ""
        spans.append(f"below {b.below:g} for {bound}{_days_words(b.days)}{still}")
    if spans:
        text += "; " + "; ".join(spans)
    return text + "."


def _lost_words(
    rule: MilestoneRule, lost_at: DrawRef, value: float, transplant: GraftSource | None
) -> str:
    return (
        f"fell back below {_level_text(rule)} on {_when_words(lost_at, transplant)}, at "
        f"{_value(rule.analyte, value)}"
    )


def _recovery_milestone(
    analyte_id: str, milestones: list[Milestone], rules: TrendRules
) -> Milestone | None:
    rule = rules.recovery_rule(analyte_id)
    return None if rule is None else next((m for m in milestones if m.code == rule.code), None)


def _count_state(
    t: AnalyteTrend,
    m: Milestone,
    rules: TrendRules,
    transplant: GraftSource | None,
    last_day: int | None,
    transfusions: list[date],
) -> CountState:
    """Recovered, recovering, rising, not yet or lost: the words as README defines them."""
    rule = next(r for r in rules.milestones if r.code == m.code)
    latest, nadir = t.latest, t.nadir
    level = m.at_least if m.at_least is not None else t.range_low
    level_words = _level_text(rule)
    value = _value(t.analyte, latest.value)
    title = m.title[0].lower() + m.title[1:]

    def state(name: CountStateName, text: str) -> CountState:
        return CountState(
            analyte=t.analyte,
            state=name,
            milestone=m.code,
            level=m.at_least,
            message=f"{_cap(_name(t.analyte))}: {text}.",
        )

    if m.status in ("not-needed", "cannot-tell"):
        return state(m.status, m.note)
    reached = DrawRef(collected_at=m.collected_at or "", day=m.day, sample_id=None, line=None)
    if m.status == "reached":
        text = (
            f"recovered: {title} from {_when_words(reached, transplant)}; {value} at the "
            "latest draw"
        )
        if m.transfusion_info == "not-given":
            text += (
                f", if no platelet transfusion was given in the {rule.transfusion_free_days} "
                "days before those draws (cbc was not told of any)"
            )
        return state("recovered", text)
    if m.status == "lost" and m.lost_at is not None and m.lost_value is not None:
        return state(
            "lost",
            f"reached {title} from {_when_words(reached, transplant)}, then "
            f"{_lost_words(rule, m.lost_at, m.lost_value, transplant)}; {value} at the latest "
            "draw",
        )
    below = level is not None and guard(latest.value) < guard(level)
    if below and last_day is not None:
        if transplant is not None and m.code == rules.graft_milestone:
            limit = rules.graft_days[transplant]
            if last_day >= limit:
                # ASTCT: no ANC of 0.5 or more by this day is the primary graft failure mark, so
                # a rise below the level is not called recovering here.
                return state(
                    "not-yet",
                    f"not yet: {value} on day +{last_day}, still below {level_words} with no "
                    f"neutrophil recovery by day +{limit} after {GRAFT_WORDS[transplant]}; this is "
                    "what the transplant team looks at for possible graft failure, not a recovery",
                )
        elif transplant is None and rule.at_least is not None:
            review = rules.chemotherapy.review_to_day
            if last_day > review:
                return state(
                    "not-yet",
                    f"not yet: {value} on day {last_day}, still below {level_words}, past day "
                    f"{review} after chemotherapy, by when counts have usually come back: worth "
                    "a review with the care team",
                )
    free = rule.transfusion_free_days
    if free is not None:
        taken = date.fromisoformat(latest.collected_at[:10])
        given = [d for d in transfusions if 0 <= (taken - d).days < free]
        if given:
            # A count raised by a transfusion does not show the marrow's own recovery.
            return state(
                "not-yet",
                f"not yet: {value} at the latest draw, taken within {free} days of a platelet "
                f"transfusion on {given[-1].isoformat()}, so it does not count towards recovery",
            )
    unknown = ""
    if free is not None and m.transfusion_info == "not-given":
        unknown = "; cbc was not told of platelet transfusions, which would also raise it"
    if level is not None and not below:
        return state(
            "recovering",
            f"recovering: {value} at the latest draw, at or above {level_words}; "
            f"{title} needs {plural(rule.draws, 'successive draw')} at or above it{unknown}",
        )
    previous = t.points[-2].value if len(t.points) >= 2 else None
    if (
        nadir is not None
        and previous is not None
        and latest.value > nadir.value
        and latest.value >= previous
    ):
        return state(
            "rising",
            f"rising: {value} at the latest draw, up from {_value(t.analyte, nadir.value)} at the "
            f"lowest, but still below {level_words}, its recovery level{unknown}",
        )
    return state("not-yet", f"not yet: {value} at the latest draw, below {level_words}; {m.note}")


def _lost_alerts(
    milestones: list[Milestone], rules: TrendRules, transplant: GraftSource | None
) -> list[Alert]:
    """One alert per count whose milestone was reached and then lost (the lowest level first)."""
    alerts: list[Alert] = []
    seen: set[str] = set()
    for m in milestones:
        if m.status != "lost" or m.lost_at is None or m.lost_value is None or m.analyte in seen:
            continue
        seen.add(m.analyte)
        rule = next(r for r in rules.milestones if r.code == m.code)
        name = _cap(_name(m.analyte))
        reached = DrawRef(collected_at=m.collected_at or "", day=m.day, sample_id=None, line=None)
        message = (
            f"{name} reached {m.title[0].lower()}{m.title[1:]} from "
            f"{_when_words(reached, transplant)}, then "
            f"{_lost_words(rule, m.lost_at, m.lost_value, transplant)}. A fall after a recovery "
            "is worth a call to the care team."
        )
        if transplant is not None:
            # ASTCT (Kharfan-Dabaja 2024, table 1): a decline after recovery is how secondary
            # graft failure shows; whether it is one needs the care team.
            message += (
                " After a transplant, the team looks at a fall like this when they check how the "
                "graft is working; only they can say what it means for you."
            )
        alerts.append(
            Alert(
                code=f"{m.code}-lost",
                title=(
                    f"{name} fell back below {_level_text(rule)} on "
                    f"{_when_words(m.lost_at, transplant)}, after recovering"
                ),
                message=message,
                urgency=rule.lost_urgency,
            )
        )
    return alerts


def _watch_words(
    latest: Result | None,
    milestones: list[Milestone],
    states: list[CountState],
    analytes: list[str],
) -> list[str]:
    out: list[str] = []
    if latest is not None:
        for f in latest.findings:
            if f.code in ("neutropenia", "thrombocytopenia", "anemia") and set(f.analytes) & set(
                analytes
            ):
                out.append(f"{EXPLANATIONS[f.code].title}: {EXPLANATIONS[f.code].notice}")
    # A lost milestone has its alert; a count not yet at its level is said here, in its words.
    said = {s.analyte for s in states if s.state in ("not-yet", "lost")}
    out.extend(s.message for s in states if s.state == "not-yet")
    waiting: set[str] = set()
    for m in milestones:
        # Only the next milestone of each count: the higher ones wait on it anyway.
        if m.status == "pending" and m.analyte not in waiting | said:
            waiting.add(m.analyte)
            out.append(f"{m.title}: not yet; {m.note}.")
    return out


# --- CSV view ------------------------------------------------------------------------------------

TREND_CSV_COLUMNS = (
    "patient_id",
    "sample_id",
    "line",
    "collected_at",
    "day",
    "analyte",
    "value",
    "unit",
    "flag",
    "grade",
    "nadir",
    "milestones",
    "changes",
    "alerts",
    "lost",
    "state",
    "transfusion_info",
    "status",
    "note",
)
"""The columns of ``cbc trend --format csv``: one row per draw and analyte."""


def trend_rows(report: TrendReport) -> Iterator[list[str]]:
    """The CSV rows (without the header): one per person, draw and analyte, then unplaced draws.

    ``milestones`` names the milestones dated on that draw (reached there, lost later or not),
    ``changes`` the changes that end at it, ``alerts`` the person's alerts (on the latest draw),
    ``lost`` the milestones lost at that draw (the first draw back below the level), ``state`` the
    count's state (recovered, recovering, rising, not-yet, lost, not-needed, cannot-tell; on the
    latest draw of the count), ``transfusion_info`` whether platelet transfusion dates were given
    (given or not-given, on the rows of counts with a milestone that excludes transfused draws);
    ``status`` is ok, not-used or error.
    """

    def text(value: object) -> str:
        return "" if value is None else str(value)

    for person in report.persons:
        reached: dict[tuple[str, str], list[str]] = {}
        lost: dict[tuple[str, str], list[str]] = {}
        for m in person.milestones:
            if m.status in ("reached", "lost") and m.collected_at is not None:
                reached.setdefault((m.analyte, m.collected_at), []).append(m.code)
            if m.status == "lost" and m.lost_at is not None:
                lost.setdefault((m.analyte, m.lost_at.collected_at), []).append(m.code)
        states = {s.analyte: s.state for s in person.states}
        needs_transfusions = {
            m.analyte for m in person.milestones if m.transfusion_info is not None
        }
        ended: dict[tuple[str, str], list[str]] = {}
        for c in person.changes:
            ended.setdefault((c.analyte, c.after.collected_at), []).append(c.code)
        latest = max((d.collected_at for d in person.draws if d.used), default=None)
        alerts = ";".join(a.code for a in person.alerts)
        points = {(t.analyte, p.collected_at): (t, p) for t in person.analytes for p in t.points}
        for draw in person.draws:
            if not draw.used:
                yield [
                    text(person.patient_id), text(draw.sample_id), text(draw.line),
                    draw.collected_at, text(draw.day), "", "", "", "", "", "", "", "", "",
                    "", "", "", "not-used", text(draw.note),
                ]  # fmt: skip
                continue
            for t in person.analytes:
                found = points.get((t.analyte, draw.collected_at))
                if found is None:
                    continue
                _, p = found
                key = (t.analyte, draw.collected_at)
                last = p is t.latest
                yield [
                    text(person.patient_id),
                    text(draw.sample_id),
                    text(draw.line),
                    draw.collected_at,
                    text(draw.day),
                    t.analyte,
                    _value(t.analyte, p.value),
                    t.unit,
                    text(p.flag),
                    text(p.grade),
                    "yes" if p is t.nadir else "",
                    ";".join(reached.get(key, [])),
                    ";".join(ended.get(key, [])),
                    alerts if draw.collected_at == latest else "",
                    ";".join(lost.get(key, [])),
                    states.get(t.analyte, "") if last else "",
                    person.transfusion_info if t.analyte in needs_transfusions else "",
                    "ok",
                    "; ".join(draw.errors),
                ]
    for u in report.unplaced:
        yield [
            text(u.patient_id),
            text(u.sample_id),
            text(u.line),
            text(u.collected_at),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "error",
            u.reason,
        ]
