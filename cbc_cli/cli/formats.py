"""The one place an output format becomes a writer, for every command.

:func:`open_writer` takes the format (``--format``), the stream to write to (standard output or
the ``-o`` file of :class:`cbc_cli.output.OutputTarget`) and what is written:

- :class:`FileRun`: the samples of a file given to ``cbc check``, a (record, result) pair at a
  time (:class:`~cbc_cli.writers.batch_writers.ResultWriter`);
- :class:`OneSample`: the one sample ``cbc check`` was given as options (:class:`SampleWriter`);
- :class:`TrendRun`: the report of ``cbc trend`` (:class:`TrendWriter`).

Each writer is imported only when its format is asked for: the standards' writers, the HTML/PDF
report and Rich's tables are off the start-up path of the formats that do not need them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TextIO, overload

from cbc_cli.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cbc_cli.batch import BatchSummary
    from cbc_cli.grading import Scheme
    from cbc_cli.models import Result
    from cbc_cli.panel import Panel
    from cbc_cli.readers import Input
    from cbc_cli.readers.records import Record
    from cbc_cli.trend import TrendReport
    from cbc_cli.writers.batch_writers import ResultWriter
    from cbc_cli.writers.fhir_writer import FhirWriter
    from cbc_cli.writers.hl7_writer import Hl7Writer

CHECK_FORMATS = ("table", "json", "ndjson", "csv", "fhir", "hl7", "html", "pdf")
"""What ``cbc check`` writes through a writer (Parquet is written by cbc_cli.parquet)."""
TREND_FORMATS = ("table", "json", "csv", "html", "pdf")
"""What ``cbc trend`` writes."""


@dataclass(frozen=True)
class FileRun:
    """The samples of a file given to ``cbc check``."""

    scheme: Scheme
    data: Input
    """The input as read: its columns (carried through to CSV) and whether it is tabular."""
    formula_guard: bool = True
    brief: bool = False
    """JSON and NDJSON as brief records (cbc_cli.brief)."""


@dataclass(frozen=True)
class OneSample:
    """The one sample ``cbc check`` was given as options."""

    scheme: Scheme
    given: Mapping[str, str]
    """The values as typed, by analyte id (the input columns of the CSV output)."""
    panel: Panel
    collected: str | None = None
    brief: bool = False
    """JSON and NDJSON as brief records (cbc_cli.brief)."""


@dataclass(frozen=True)
class TrendRun:
    """The report of ``cbc trend``."""

    formula_guard: bool = True


class SampleWriter(Protocol):
    """What the one-sample path of ``cbc check`` writes to."""

    def write(self, result: Result) -> None:
        """Write the sample's result."""

    def close(self) -> None:
        """Finish the output."""


class TrendWriter(Protocol):
    """What ``cbc trend`` writes to."""

    def write(self, report: TrendReport) -> None:
        """Write the whole report."""

    def close(self) -> None:
        """Finish the output."""


@overload
def open_writer(fmt: str, out: TextIO, run: FileRun) -> ResultWriter: ...
@overload
def open_writer(fmt: str, out: TextIO, run: OneSample) -> SampleWriter: ...
@overload
def open_writer(fmt: str, out: TextIO, run: TrendRun) -> TrendWriter: ...
def open_writer(
    fmt: str, out: TextIO, run: FileRun | OneSample | TrendRun
) -> ResultWriter | SampleWriter | TrendWriter:
    """The writer of format ``fmt`` for ``run``, writing to ``out``.

    Raises:
        UsageError: a format the command does not write (``parquet`` here: Parquet is written
            from a Parquet input by cbc_cli.parquet, before any writer is asked for).
    """
    if isinstance(run, TrendRun):
        if fmt not in TREND_FORMATS:
            raise UsageError(
                f"cbc trend does not write {fmt}",
                code="output.invalid",
                hint="see cbc trend --help",
            )
        return _TrendWriter(fmt, out, run.formula_guard)
    if fmt not in CHECK_FORMATS:
        raise UsageError(
            f"cbc check does not write {fmt} here", code="output.invalid", hint="use --format csv"
        )
    if isinstance(run, OneSample):
        return _one_sample_writer(fmt, out, run)
    return _file_writer(fmt, out, run)


def _file_writer(fmt: str, out: TextIO, run: FileRun) -> ResultWriter:
    from cbc_cli.api import scheme_info
    from cbc_cli.writers.batch_writers import CsvWriter, JsonWriter, NdjsonWriter, SampleCsvWriter

    scheme, data = run.scheme, run.data
    if fmt == "json":
        return JsonWriter(out, scheme_info(scheme), brief=run.brief)
    if fmt == "ndjson":
        return NdjsonWriter(out, brief=run.brief)
    if fmt in ("fhir", "hl7"):
        return _standard_writer(fmt, out, scheme)
    if fmt in ("html", "pdf"):
        from cbc_cli.report import ReportWriter

        return ReportWriter(out, scheme, fmt)
    if fmt == "csv":
        if not data.tabular:
            # No input columns to carry through: a row per sample, named by its identifiers.
            return SampleCsvWriter(out, scheme, formula_guard=run.formula_guard)
        return CsvWriter(
            out,
            data.header,
            data.analytes,
            scheme,
            long=data.long,
            formula_guard=run.formula_guard,
            delimiter=data.delimiter,
        )
    return _FileTable(out, scheme)


def _standard_writer(fmt: str, out: TextIO, scheme: Scheme) -> FhirWriter | Hl7Writer:
    # Imported here: the standards' writers are off the single-sample start-up path.
    from cbc_cli.api import scheme_info
    from cbc_cli.writers.fhir_writer import FhirWriter
    from cbc_cli.writers.hl7_writer import Hl7Writer

    standard = FhirWriter if fmt == "fhir" else Hl7Writer
    return standard(out, scheme_info(scheme))


@dataclass
class _FileTable:
    """The terminal view of a file: the full page of its one sample, or a summary of many
    (nothing when no sample was read: the run ends with the error that says so)."""

    out: TextIO
    scheme: Scheme
    summary: BatchSummary = field(init=False)
    first: Result | None = None

    def __post_init__(self) -> None:
        from cbc_cli.batch import BatchSummary

        self.summary = BatchSummary()

    def write(self, record: Record, result: Result) -> None:
        """Count one sample (the first is kept for a file of one)."""
        self.summary.add(result)
        if self.first is None:
            self.first = result

    def close(self) -> None:
        """Print the page or the summary."""
        print_file_table(self.out, self.scheme, self.summary, self.first)


def print_file_table(
    out: TextIO, scheme: Scheme, summary: BatchSummary, first: Result | None
) -> None:
    """The terminal view of a file: the full page of its one sample, or the summary of many
    (nothing when no sample was read). The columnar path counts into a summary of its own."""
    from rich.console import Console

    from cbc_cli.api import scheme_info
    from cbc_cli.render import batch_summary_view, result_view

    if summary.samples == 0:
        return
    console = Console(file=out, highlight=False, emoji=False)
    if summary.samples == 1 and first is not None:
        console.print(result_view(first, scheme_info(scheme)))
    else:
        console.print(batch_summary_view(summary, scheme_info(scheme)))


def _one_sample_writer(fmt: str, out: TextIO, run: OneSample) -> SampleWriter:
    if fmt in ("fhir", "hl7"):
        return _Recorded(_standard_writer(fmt, out, run.scheme), run)
    return _OneSampleWriter(fmt, out, run)


@dataclass
class _Recorded:
    """The FHIR or HL7 writer of a file, given the one sample typed as options."""

    inner: FhirWriter | Hl7Writer
    run: OneSample

    def write(self, result: Result) -> None:
        """Write the sample as a file's only record (the Result carries all it needs)."""
        self.inner.write_result(result)

    def close(self) -> None:
        """Finish the message or bundle."""
        self.inner.close()


@dataclass
class _OneSampleWriter:
    """The one-sample outputs: JSON (the report document, indented), NDJSON, CSV (the values as
    typed, then the contract columns), the HTML/PDF page and the terminal page."""

    fmt: str
    out: TextIO
    run: OneSample
    results: list[Result] = field(default_factory=list)

    def write(self, result: Result) -> None:
        """Keep the result (each output is written whole on close)."""
        self.results.append(result)

    def close(self) -> None:
        """Write the output."""
        from cbc_cli.api import make_report, scheme_info
        from cbc_cli.models import to_json

        out, results, scheme = self.out, self.results, self.run.scheme
        if self.run.brief and self.fmt in ("json", "ndjson"):
            from cbc_cli.writers.batch_writers import JsonWriter, NdjsonWriter

            brief = (
                JsonWriter(out, scheme_info(scheme), brief=True)
                if self.fmt == "json"
                else NdjsonWriter(out, brief=True)
            )
            for r in results:
                brief.write(None, r)
            brief.close()
        elif self.fmt == "json":
            out.write(to_json(make_report(results, scheme), indent=2) + "\n")
        elif self.fmt == "ndjson":
            for r in results:
                out.write(to_json(r) + "\n")
        elif self.fmt in ("html", "pdf"):
            from cbc_cli.report import check_document, write_document

            write_document(out, check_document(results, scheme_info(scheme), self.fmt))
        elif self.fmt == "csv":
            from cbc_cli.writers.csv_writer import write_single

            write_single(out, dict(self.run.given), results[0], scheme)
        else:
            from rich.console import Console

            from cbc_cli.render import result_view

            console = Console(file=None if out is sys.stdout else out, highlight=False, emoji=False)
            console.print(result_view(results[0], scheme_info(scheme)))


@dataclass
class _TrendWriter:
    """The outputs of ``cbc trend``: JSON, CSV (a row per person and measure), the HTML/PDF
    page and the terminal view."""

    fmt: str
    out: TextIO
    formula_guard: bool

    def write(self, report: TrendReport) -> None:
        """Write the report."""
        fmt, out = self.fmt, self.out
        if fmt == "json":
            import json

            from cbc_cli.trend import trend_data

            out.write(json.dumps(trend_data(report), ensure_ascii=False, indent=2) + "\n")
        elif fmt == "csv":
            import csv

            from cbc_cli.writers.csv_writer import inert
            from cbc_cli.writers.trend_csv import TREND_CSV_COLUMNS, trend_rows

            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(TREND_CSV_COLUMNS)
            for row in trend_rows(report):
                writer.writerow([inert(c) for c in row] if self.formula_guard else row)
        elif fmt in ("html", "pdf"):
            from cbc_cli.report import trend_document, write_document

            write_document(out, trend_document(report, fmt))
        else:
            from rich.console import Console

            from cbc_cli.render_trend import trend_view

            console = Console(file=None if out is sys.stdout else out, highlight=False, emoji=False)
            console.print(trend_view(report))

    def close(self) -> None:
        """Nothing to finish: the report is written whole."""
