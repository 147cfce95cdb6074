"""Draws placed in time: collection dates read, records grouped per person, sorted, duplicates
at one collection time resolved, and the gaps and one-draw series noted."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cbc_cli.analytes import ANALYTES
from cbc_cli.batch import interpret_record
from cbc_cli.engine import is_derived
from cbc_cli.errors import CbcError, UsageError
from cbc_cli.grading import Scheme
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.parse import build_patient, date_order
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.records import Record, is_missing
from cbc_cli.text import fold
from cbc_cli.trend.model import DrawRef, TrendOptions, Unplaced
from cbc_cli.units import accepted_units, unit_factor

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


def _column_index(header: Sequence[str], names: Iterable[str]) -> int | None:
    wanted = {fold(n) for n in names}
    return next((i for i, h in enumerate(header) if fold(h.lstrip("\ufeff")) in wanted), None)


def find_columns(
    header: Sequence[str], patient_column: str | None
) -> tuple[int | None, int | None]:
    """The indexes of the person-id column (``--patient``) and the platelet transfusion column.

    Raises:
        UsageError: ``patient_column`` is not in the header.
    """
    person_index: int | None = None
    if patient_column is not None and header:
        person_index = _column_index(header, [patient_column])
        if person_index is None:
            raise UsageError(
                f"{{patient}} {patient_column!r}: no such column",
                code="option.invalid",
                field="patient",
                hint="columns: " + ", ".join(header[:20]),
            )
    transfusion_index = _column_index(header, TRANSFUSION_COLUMNS) if header else None
    return person_index, transfusion_index


def _cells(record: Record, index: int | None) -> list[str]:
    if index is None:
        return []
    return [cells[index] for _, cells, _ in record.rows if index < len(cells)]


@dataclass(slots=True)
class Draw:
    """One draw placed in time, with the engine's result for it."""

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
        """The draw's collection time, day number and place in the input."""
        return DrawRef(
            collected_at=iso_text(self.when, self.has_time),
            day=day_number(self.when, since),
            sample_id=self.record.sample_id,
            line=self.record.line,
            when=self.when,
        )


def iso_text(when: datetime, has_time: bool) -> str:
    """A collection time as ISO 8601: the date, with the time to the minute when one was given."""
    return when.isoformat(timespec="minutes") if has_time else when.date().isoformat()


def day_number(when: datetime, since: date | None) -> int | None:
    """Calendar days from ``since`` (day 0); None without it."""
    return None if since is None else (when.date() - since).days


def _person_id(record: Record, index: int | None) -> str | None:
    raw = (
        next((c for c in _cells(record, index) if not is_missing(c)), None)
        if index is not None
        else record.patient_id
    )
    if raw is None or is_missing(raw):
        return None
    return raw.strip()


def place(
    record: Record,
    order: int,
    ranges: RangeTable,
    scheme: Scheme,
    opts: TrendOptions,
    person_index: int | None,
    transfusion_index: int | None,
    unplaced: list[Unplaced],
) -> Draw | None:
    """Read a record's collection time and platelet transfusion cell and interpret it; a record
    that cannot be read or has no readable date goes to ``unplaced`` (None is returned)."""

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
    if record.collected is None:
        if record.collected_problem:
            refuse(f"collection date: {record.collected_problem}")
        else:
            refuse("no collection date: this draw cannot be placed in time")
        return None
    # A time zone is dropped and the wall-clock time kept, so the date stays the lab's date.
    when, has_time = record.collected.when.replace(tzinfo=None), record.collected.has_time
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
        # The age is worked out at each draw's own date by the one patient builder, as for a
        # single sample; the birth date is carried to the result. A collection date that gives
        # only a year or month cannot give an age: the draw says so and is read without one.
        def problem(field: str, exc: CbcError) -> None:
            errors.append(f"line {record.line}: {exc}" if record.line else str(exc))

        dated = build_patient(dob=opts.dob, collected=record.collected, problems=problem)
        context = (context or Patient())._replace(age=dated.age, born=dated.born)
    result = interpret_record(record, ranges, scheme, context)
    if result.status == "error":
        # Read but not interpreted (a scheme that grades by age and sex, without them): not a
        # draw of the series, never one that looks checked (docs/errors.md).
        refuse(result.error.message if result.error else "the draw could not be interpreted")
        return None
    return Draw(order, record, when, has_time, result, transfused, told, errors)


def by_person(
    draws: list[Draw], person_index: int | None, unplaced: list[Unplaced]
) -> dict[str | None, list[Draw]]:
    """The draws of each person, in input order; draws without a person id, while others have
    one, go to ``unplaced``."""
    persons: dict[str | None, list[Draw]] = {}
    for draw in draws:
        persons.setdefault(_person_id(draw.record, person_index), []).append(draw)
    if None in persons and len(persons) > 1:
        for draw in persons.pop(None):
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
    return persons


def arrange(series: list[Draw], long_gap_days: int) -> tuple[list[Draw], list[str]]:
    """One person's draws sorted by collection time, duplicates marked not used, and the notes:
    draws out of order in the input, duplicates, long gaps, a single draw."""
    notes: list[str] = []
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
    for before, after in itertools.pairwise(used):
        gap = (after.when.date() - before.when.date()).days
        if gap > long_gap_days:
            notes.append(
                f"No draws for {gap} days between {iso_text(before.when, before.has_time)} and "
                f"{iso_text(after.when, after.has_time)}: what the counts did in between is not "
                "known."
            )
    if len(used) < 2:
        notes.append(
            "Only one dated draw for this person: a trend needs at least two. The draw is shown; "
            "no nadir, milestone or change is worked out."
        )
    return series, notes


def _mark_duplicates(series: list[Draw], notes: list[str]) -> None:
    """Use the later row of draws that share a collection time; say which and why."""
    by_time: dict[datetime, list[Draw]] = {}
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
            f"Draws at lines {lines} share the collection time "
            f"{iso_text(kept.when, kept.has_time)}: line {kept.record.line}, the later row, is "
            "used, as a re-run or corrected result "
            "usually comes later in an export; the others are listed but not counted."
        )


def _values(draw: Draw) -> dict[str, float]:
    panel = draw.record.panel
    return {} if panel is None else {k: q.value for k, q in panel.values.items()}


def units_given(analyte_id: str, draws: list[Draw]) -> list[str]:
    """The units the draws gave a value in, as the readers read them (a bare number is in the
    canonical unit), told apart by their factor: ``g/L`` and ``g/l`` are one unit."""
    analyte = ANALYTES[analyte_id]
    spellings = [(u, unit_factor(analyte, u)) for u in accepted_units(analyte_id)]
    found: dict[str, None] = {}
    for draw in draws:
        q = draw.record.panel.values.get(analyte_id) if draw.record.panel else None
        if q is None or is_derived(q):
            continue
        try:
            factor = unit_factor(analyte, q.unit or analyte.unit)
        except CbcError:  # pragma: no cover - the reader read the value in this unit
            continue
        name = next((u for u, f in spellings if math.isclose(f, factor, rel_tol=1e-6)), None)
        found[name or (q.unit or analyte.unit)] = None
    return list(found)


def date_order_notes(draws: list[Draw], unplaced: list[Unplaced]) -> list[str]:
    """A note when draws were not placed because their dates could be read either way round
    (``03/04/2026``) while the file's other dates show one order: which order, and the
    ``--date-format`` that would read them. Never applied without being asked."""
    either = [u for u in unplaced if u.collected_at and date_order(u.collected_at) == "either"]
    if not either:
        return []
    shown = {
        order: d.record.line
        for d in reversed(draws)
        if d.record.collected_at and (order := date_order(d.record.collected_at)) in ("dmy", "mdy")
    }
    if len(shown) != 1:
        return []
    [(order, line)] = shown.items()
    words = "the day first" if order == "dmy" else "the month first"
    return [
        f"{len(either)} draw(s) have a collection date that could be read either way round "
        f"(day and month both 12 or less); the file's other dates are written with {words} "
        f"(line {line}): if every date is, give --date-format {order} to read them."
    ]
