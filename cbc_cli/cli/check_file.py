"""The file side of ``cbc check``: open the input, pick reader and writer, report on stderr.

An edge module like the rest of cbc_cli.cli: it owns streams, the progress bar and the stderr
summary.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar

from cbc_cli.batch import BatchOptions, BatchStats, BatchSummary, count, run
from cbc_cli.cli.formats import FileRun, open_writer, print_file_table
from cbc_cli.errors import InputError
from cbc_cli.grading import Scheme
from cbc_cli.output import OutputTarget
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers import read_input
from cbc_cli.readers.source import Source, open_source
from cbc_cli.wording import noun_for, plural

if TYPE_CHECKING:
    from rich.progress import ProgressColumn

    from cbc_cli.columnar import ColumnarCsv, FastPlan
    from cbc_cli.columnar.state import RunInputs
    from cbc_cli.columnar_long import LongColumnarCsv
    from cbc_cli.models import Result

_Run = TypeVar("_Run", bound="RunInputs")
"""A columnar run, wide (ColumnarCsv) or long (LongColumnarCsv)."""

# A progress bar appears on a terminal only once a run is this long.
PROGRESS_AFTER = 5000
MAX_JOBS = 4
"""The most processes a columnar run uses unless --jobs says otherwise (each holds its own
caches and chunks: memory grows with their number)."""
# What cbc reads as a sample in each non-tabular input format, for the "no sample" error.
_SAMPLES = {
    "json": 'an object per sample, such as {"sample_id": "S-1", "hgb": 9.1}',
    "ndjson": 'an object per sample, such as {"sample_id": "S-1", "hgb": 9.1}',
    "hl7": "ORU^R01 result messages with CBC results in OBX segments",
    "fhir": "Observations with a CBC LOINC code, alone or in a DiagnosticReport or panel",
}


def run_file(
    path: str,
    options: BatchOptions,
    context: Patient,
    ranges: RangeTable,
    scheme: Scheme,
    fmt: str,
    output: Path | None,
    stdin: BinaryIO | None = None,
    *,
    summary: bool = False,
) -> BatchStats:
    """Read, interpret and write a whole input; return what was seen. With ``summary``, the
    terminal summary (findings by grade, urgency counts) is printed to stderr at the end."""
    source = open_source(path, stdin if stdin is not None else sys.stdin.buffer)
    stats = BatchStats()
    with ExitStack() as stack:
        stack.callback(source.close)
        if source.peek(4) == b"PAR1":  # Parquet: cbc_cli.parquet reads it through Arrow
            from cbc_cli import parquet

            # Parquet to Parquet is written by cbc_cli.parquet (a temporary file renamed too);
            # any other output reads the file as the CSV export of the same table.
            if parquet.write_direct(fmt, path, output, options, ranges, scheme, context, stats):
                _report(source, stats, [])
                return stats
            source.close()
            source = parquet.csv_source(path)
            stack.callback(source.close)
            if options.jobs is None:
                # One process unless asked: decoding the Parquet is most of the work here, and a
                # forked worker would only carry pyarrow's memory (1M rows: 131 MiB alone,
                # 229 MiB with a worker, no faster; benchmarks/parquet.py).
                options = replace(options, jobs=1)
        elif fmt == "parquet":
            from cbc_cli.parquet import parquet_output_needs_parquet_input

            raise parquet_output_needs_parquet_input(source.name)
        # Entered after the source: a run that ends early discards (or keeps) the output first.
        target = stack.enter_context(OutputTarget(output, partial=options.partial))
        out = target.stream
        # The columnar paths read dates the default way: a declared --date-format goes row by row.
        if options.date_format is None and (
            _columnar(source, options, context, ranges, scheme, stats, target, stack, fmt, summary)
            or (
                fmt == "csv"
                and not summary  # the long columnar path keeps no summary: row by row
                and _columnar_long(source, options, context, ranges, scheme, stats, target, stack)
            )
        ):
            return stats
        data = read_input(
            source,
            options.input_format,
            options.columns,
            options.units,
            limits=options.limits,
            skip_lines=options.skip_lines,
            sheet=options.sheet,
            date_format=options.date_format,
        )
        writer = open_writer(
            fmt, out, FileRun(scheme, data, options.formula_guard, brief=options.brief)
        )
        progress = _progress(stack, source)
        as_read = fmt != "table"  # the terminal view is printed at the end, not row by row
        board = BatchSummary() if summary else None
        first: Result | None = None
        for record, result in run(data.records, ranges, scheme, context):
            count(stats, result)
            writer.write(record, result)
            if board is not None:
                board.add(result)
                first = first or result
            if as_read:
                target.through = max((line for line, _, _ in record.rows), default=record.line)
            if progress is not None and stats.samples % 1000 == 0:
                progress(stats.samples)
        _report(source, stats, data.notes)
        # After the notes: the terminal page or summary comes last (none when no sample was read).
        writer.close()
        if board is not None:
            print_file_table(sys.stderr, scheme, board, first)
        if stats.samples == 0:
            if not data.tabular:
                raise InputError(
                    f"{source.name}: no sample cbc reads in the input",
                    hint=f"cbc reads {_SAMPLES.get(data.format, 'CBC results')}; "
                    "any notes above say what was skipped",
                )
            raise InputError(
                f"{source.name}: no data rows after the header",
                hint="the file holds only a header; give rows of results",
            )
    return stats


def columnar_sink(fmt: str, brief: bool) -> str | None:
    """What the columnar path makes of a wide CSV/TSV export written in ``fmt`` (see
    cbc_cli.columnar.SINKS); None when that output goes row by row."""
    if fmt == "csv":
        return "csv"  # CSV carries no prose: --brief changes nothing in it
    if fmt == "table":
        return "summary"
    if fmt in ("ndjson", "json"):
        # The JSON document holds the NDJSON records, one per item (cbc_cli.json_sink).
        return "brief" if brief else "ndjson"
    return None


def _columnar(
    source: Source,
    options: BatchOptions,
    context: Patient,
    ranges: RangeTable,
    scheme: Scheme,
    stats: BatchStats,
    target: OutputTarget,
    stack: ExitStack,
    fmt: str,
    summary: bool = False,
) -> bool:
    """Run a wide CSV export through the columnar rules when they cover the input and the
    output; False otherwise. With ``summary``, the CSV sink counts the terminal summary too,
    printed to stderr at the end."""
    sink = columnar_sink(fmt, options.brief)
    if sink is None or (summary and sink in ("brief", "ndjson")):  # these keep no summary: by row
        return False
    planned = _fast_plan(source, options, context, long=False)
    if planned is None:
        return False
    from cbc_cli.columnar import ColumnarCsv

    out = target.stream
    document = None
    if fmt == "json":
        from cbc_cli.api import scheme_info
        from cbc_cli.json_sink import JsonDocument

        document = JsonDocument(out, scheme_info(scheme), brief=options.brief)
        out = document.stream
    runner = _runner(
        ColumnarCsv,
        planned,
        source,
        options,
        context,
        ranges,
        scheme,
        stats,
        out=out,
        csv=sink == "csv",
        sink=sink,
        count_summary=summary and sink == "csv",
    )
    if sink == "ndjson":
        from cbc_cli.json_sink import attach

        attach(runner)
    try:
        _run_fast(runner, source, stats, target, stack)
    except InputError:
        if document is not None and stats.samples == 0:
            document.close()  # as the row path ends a document with no results
        raise
    if document is not None:
        document.close()
    if sink == "summary":
        print_file_table(out, scheme, runner.summary, runner.first)
    elif summary:
        print_file_table(sys.stderr, scheme, runner.summary, runner.first)
    return True


def _columnar_long(
    source: Source,
    options: BatchOptions,
    context: Patient,
    ranges: RangeTable,
    scheme: Scheme,
    stats: BatchStats,
    target: OutputTarget,
    stack: ExitStack,
) -> bool:
    """Run a long CSV export (a row per result) through the columnar rules when they cover it;
    False otherwise."""
    planned = _fast_plan(source, options, context, long=True)
    if planned is None:
        return False
    from cbc_cli.columnar_long import LongColumnarCsv

    runner = _runner(
        LongColumnarCsv, planned, source, options, context, ranges, scheme, stats, out=target.stream
    )
    _run_fast(runner, source, stats, target, stack)
    return True


def _runner(
    kind: type[_Run],
    planned: tuple[FastPlan, dict[str, str], dict[str, str]],
    source: Source,
    options: BatchOptions,
    context: Patient,
    ranges: RangeTable,
    scheme: Scheme,
    stats: BatchStats,
    *,
    out: TextIO,
    csv: bool = True,
    **more: Any,
) -> _Run:
    """A columnar run of ``kind`` (wide or long) over the planned export (see _fast_plan),
    with the command's options; ``more``: what only that kind takes (the wide run's sink).
    With ``csv`` (CSV output), the output's header is written first: the run writes the rows."""
    from cbc_cli import workers
    from cbc_cli.writers.batch_writers import write_csv_header

    fast, columns, units = planned
    # The formula guard is for spreadsheets: CSV output only.
    formula_guard = options.formula_guard and csv
    if csv:
        write_csv_header(
            out,
            fast.tab.header,
            fast.analytes,  # none for a long export: a row holds one result
            scheme,
            long=fast.tab.columns.is_long,
            formula_guard=formula_guard,
            delimiter=fast.tab.delimiter,
        )
    return kind(
        fast=fast,
        source=source,
        ranges=ranges,
        scheme=scheme,
        context=context,
        out=out,
        formula_guard=formula_guard,
        stats=stats,
        columns=columns,
        units=units,
        jobs=options.jobs or min(workers.cpus(), MAX_JOBS),
        limits=options.limits,
        **more,
    )


def _fast_plan(
    source: Source, options: BatchOptions, context: Patient, *, long: bool
) -> tuple[FastPlan, dict[str, str], dict[str, str]] | None:
    """The columnar plan of a wide (or long) CSV export, with its column and unit mappings;
    None when the columnar rules do not cover the run."""
    if context.temperature_c is not None:
        return None  # the fever rules (febrile neutropenia) live in the engine only
    if options.skip_lines is not None or options.sheet is not None:
        return None  # the columnar path reads a CSV from its first line
    # numpy's BLAS is never used here: without its thread pool, a forked worker copies no
    # thread (and numpy loads a little sooner). A user's own setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from cbc_cli.columnar import plan
    from cbc_cli.readers.columns import parse_column_options, parse_unit_options

    columns = parse_column_options(options.columns)
    units = parse_unit_options(options.units)
    fast = plan(source, options.input_format, columns, units, options.limits, long=long)
    return None if fast is None else (fast, columns, units)


def _run_fast(
    runner: ColumnarCsv | LongColumnarCsv,
    source: Source,
    stats: BatchStats,
    target: OutputTarget,
    stack: ExitStack,
) -> None:
    """Run a columnar runner, then say what was seen on stderr.

    Raises:
        InputError: no data row after the header.
    """
    try:
        runner.run(_progress(stack, source))
    finally:
        target.through = runner.written_through
    _report(source, stats, runner.notes)
    if stats.samples == 0:
        raise InputError(
            f"{source.name}: no data rows after the header",
            hint="the file holds only a header; give rows of results",
        )


def bytes_read(source: Source) -> int | None:
    """How far into its file a source has been read, in bytes: the position of the file cbc
    opened (for gzip, of the compressed bytes), which costs nothing per line or chunk; None for
    standard input."""
    if source.file is None:
        return None
    try:
        return source.file.tell()
    except (OSError, ValueError):  # closed, or not seekable
        return None


def input_size(source: Source) -> int | None:
    """The size of the file a source reads (for gzip, the compressed size), when it is a
    regular file; None for standard input, a pipe or a device."""
    if source.file is None:
        return None
    try:
        info = os.fstat(source.file.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) and info.st_size > 0 else None


def progress_columns(sized: bool) -> list[ProgressColumn]:
    """What the progress line shows: with the input's size known, a bar, the share of the
    bytes read and the time left; without it, a spinner and the samples read."""
    from rich.progress import (
        BarColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    samples = TextColumn("{task.fields[samples]:,} samples")
    if not sized:
        return [SpinnerColumn(), samples]
    return [samples, BarColumn(), TaskProgressColumn(), TimeRemainingColumn()]


class ProgressLine:
    """The progress line of a run on a terminal (stderr), shown once it passes PROGRESS_AFTER
    samples: with a bar and the time left when the input's size is known."""

    def __init__(self, stack: ExitStack, source: Source | None) -> None:
        from rich.progress import Progress

        self.stack = stack
        self.source = source
        self.size = input_size(source) if source is not None else None
        from cbc_cli.cli.options import make_console

        # On stderr, as the check above says: Rich's own console is stdout, where the line (a
        # blank one when stdout is a file) would land in the results. Nor are writes to stdout
        # routed through it: the results go where they were sent.
        self.bar = Progress(
            *progress_columns(self.size is not None),
            console=make_console(stderr=True),
            transient=True,
            redirect_stdout=False,
        )
        self.task = self.bar.add_task("interpreting", total=self.size, samples=0)
        self.started = False

    def __call__(self, samples: int) -> None:
        """The run has read this many samples."""
        if samples >= PROGRESS_AFTER and not self.started:
            self.stack.enter_context(self.bar)
            self.started = True
        done = bytes_read(self.source) if self.size and self.source is not None else None
        if done is None:
            self.bar.update(self.task, samples=samples)
        else:
            self.bar.update(self.task, samples=samples, completed=min(done, self.size or done))


def _progress(stack: ExitStack, source: Source | None = None) -> Callable[[int], None] | None:
    """A progress line on a terminal (stderr) only."""
    if not sys.stderr.isatty():
        return None
    return ProgressLine(stack, source)


def _report(source: Source, stats: BatchStats, notes: list[str]) -> None:
    for note in [*source.warnings, *notes]:
        sys.stderr.write(f"cbc: note: {note}\n")
    if stats.failed:
        lines = sorted(set(stats.error_lines))
        shown = ", ".join(str(n) for n in lines[:20]) + (" ..." if len(lines) > 20 else "")
        parts = []
        if stats.error_samples:
            parts.append(
                f"{stats.error_samples} of {plural(stats.samples, 'sample')} could not be read"
            )
        if stats.cell_errors:
            parts.append(f"{plural(stats.cell_errors, 'cell')} could not be read")
        where = f" ({noun_for(len(lines), 'line')} {shown})" if shown else ""
        sys.stderr.write(f"cbc: {' and '.join(parts)}{where}; the output says why\n")
