"""Batch runs: records in, results out, every input row accounted for.

Reads a source with the reader its format needs, interprets each record with the same engine as
a single sample, and hands each result to a writer. Holds one sample at a time.

Reader-neutral: :func:`run` serves every record reader (JSON, NDJSON, HL7 v2, FHIR, row-by-row
CSV). The range table and the grading scheme keep their answers by class of persons
(``RangeTable.select``, ``Scheme.choose_criterion``): a file's people have as many exact ages as
birth dates, yet a run of adults asks the selection rules a handful of times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cbc_cli.engine import interpret_panel, patient_info
from cbc_cli.grading import Scheme, context_message, missing_context
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo, Result, Urgency, carry_moments
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.records import Record


@dataclass
class BatchOptions:
    """The options that only a file input uses."""

    input_format: str
    columns: list[str]
    units: list[str]
    formula_guard: bool
    jobs: int | None = None
    """Processes for a columnar run; None for one per CPU (see cbc_cli.cli.check_file)."""
    limits: Limits = DEFAULT_LIMITS
    """The input limits in force (``--limit``; README, Limits)."""
    partial: bool = False
    """Keep what was written to -o FILE when the run stops early (see cbc_cli.output)."""
    date_format: str | None = None
    """How year-last dates are read (``--date-format``; see cbc_cli.parse.parse_moment)."""
    brief: bool = False
    """Write brief records (cbc_cli.brief) instead of whole results."""
    skip_lines: int | None = None
    """Lines above the header to skip (None: found, readers.tabular.find_header)."""
    sheet: str | None = None
    """A workbook's sheet, by name or position from 1 (None: the first)."""


@dataclass
class BatchStats:
    """What a batch run saw, for the summary and the exit code."""

    samples: int = 0
    error_samples: int = 0
    cell_errors: int = 0
    error_lines: list[int] = field(default_factory=list)
    urgency: Counter[Urgency | None] = field(default_factory=Counter)

    @property
    def failed(self) -> bool:
        """Whether any sample or cell could not be read (exit code 3)."""
        return bool(self.error_samples or self.cell_errors)


def interpret_record(
    record: Record, ranges: RangeTable, scheme: Scheme, context: Patient | None = None
) -> Result:
    """The result for one record: interpreted, or an error result that keeps its place.

    ``context`` fills what the record does not say about the person (options given on the
    command line, such as ``--sex`` for a one-person file).
    """
    if record.panel is None:
        failed = Result(
            sample_id=record.sample_id,
            line=record.line,
            patient_id=record.patient_id,
            collected_at=record.collected.iso() if record.collected else None,
            status="error",
            error=record.error,
            patient=patient_info(Patient()),
            cell_errors=list(record.cell_errors),
            urgency=None,
            message="This sample could not be read, so nothing in it was checked.",
        )
        return _noted(carry_moments(failed, record.collected, None), record)
    panel = record.panel
    # One copy of the record's panel with what the record and the context add (not one each).
    changes: dict[str, Any] = {}
    if record.patient_id or record.collected:
        changes.update(patient_id=record.patient_id, collected=record.collected)
    if context is not None:
        changes["patient"] = merge_patient(panel.patient, context)
    if changes:
        panel = replace(panel, **changes)
    need = missing_context(scheme, panel.patient)
    if need is not None:
        # Never graded by a band that may not be the person's: an error row in its place.
        refused = Result(
            sample_id=record.sample_id,
            line=record.line,
            status="error",
            error=ErrorInfo(
                line=record.line,
                field=need,
                code=f"patient.{need}_required",
                message=context_message(scheme, need),
            ),
            patient=patient_info(panel.patient),
            cell_errors=list(record.cell_errors),
            urgency=None,
            message=f"This sample was not checked: {scheme.title} grades by the person's "
            f"{' and '.join(scheme.needs)}, and its {need} was not given.",
        )
        return _noted(carry_moments(refused, None, panel.patient.born), record)
    result = carry_moments(
        interpret_panel(panel, ranges, scheme), panel.collected, panel.patient.born
    )
    # A new result, no one else's yet: set in place (a copy costs more than the rest here).
    result.line = record.line
    result.cell_errors = list(record.cell_errors)
    return _noted(result, record)


def _noted(result: Result, record: Record) -> Result:
    """``result`` with a note on a collection time that was given but could not be read (the
    result then has none): the time is not needed to judge the values, and is not lost
    unsaid."""
    if record.collected_problem:
        result.notes.append(collection_note(record.collected_at, record.collected_problem))
    return result


def collection_note(given: str | None, problem: str) -> str:
    """The note on a result whose collection time, as ``given``, could not be read
    (``problem``: why)."""
    shown = f' "{given}"' if given else ""
    return (
        f"The collection time{shown} could not be read, so it was left out of this result (check "
        f"it against the lab report): {problem}."
    )


def merge_patient(own: Patient, context: Patient) -> Patient:
    """The record's own context, with gaps filled from ``context``."""
    return Patient(
        sex=own.sex or context.sex,
        age=own.age or context.age,
        pregnancy_trimester=own.pregnancy_trimester or context.pregnancy_trimester,
        profiles=own.profiles or context.profiles,
        temperature_c=own.temperature_c if own.temperature_c is not None else context.temperature_c,
        days_since_chemo=own.days_since_chemo
        if own.days_since_chemo is not None
        else context.days_since_chemo,
        transplant=own.transplant or context.transplant,
        born=own.born if own.age or own.born else context.born,
    )


def run(
    records: Iterator[Record], ranges: RangeTable, scheme: Scheme, context: Patient | None = None
) -> Iterator[tuple[Record, Result]]:
    """Interpret each record in order; never drops one."""
    for record in records:
        yield record, interpret_record(record, ranges, scheme, context)


def count(stats: BatchStats, result: Result) -> None:
    """Add one result to the run's statistics."""
    stats.samples += 1
    stats.urgency[result.urgency] += 1
    if result.status == "error":
        stats.error_samples += 1
    stats.cell_errors += len(result.cell_errors)
    if (result.status == "error" or result.cell_errors) and len(stats.error_lines) < 1000:
        stats.error_lines.extend(
            e.line for e in ([result.error] if result.error else []) + result.cell_errors if e.line
        )


def merge(stats: BatchStats, part: BatchStats) -> None:
    """Add the statistics of a later part of the run (a chunk counted on its own). As in
    ``count``, error lines stop being kept at about 1000: a part's are added whole or not."""
    stats.samples += part.samples
    stats.error_samples += part.error_samples
    stats.cell_errors += part.cell_errors
    if len(stats.error_lines) < 1000:
        stats.error_lines.extend(part.error_lines)
    stats.urgency.update(part.urgency)


@dataclass
class BatchSummary:
    """Counts for the people-facing summary of a batch: findings by grade, urgency, errors."""

    samples: int = 0
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)
    urgency: Counter[str | None] = field(default_factory=Counter)
    errors: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    """(line, sample id, message) of the first problems, for display."""
    error_count: int = 0

    def add(self, result: Result) -> None:
        """Count one result."""
        self.samples += 1
        self.urgency[result.urgency] += 1
        for f in result.findings:
            self.findings[(f.code, "-" if f.grade is None else str(f.grade))] += 1
        problems = ([result.error] if result.error else []) + result.cell_errors
        self.error_count += len(problems)
        for e in problems:
            if len(self.errors) < 20:
                self.errors.append((e.line, result.sample_id, e.message))

    def merge(self, part: BatchSummary) -> None:
        """Add the counts of a later part of the run (a chunk counted on its own); the first
        problems stay the first, in input order."""
        self.samples += part.samples
        self.findings.update(part.findings)
        self.urgency.update(part.urgency)
        self.error_count += part.error_count
        self.errors.extend(part.errors[: max(0, 20 - len(self.errors))])
