"""Parquet in ``cbc check``: read row group by row group, write Parquet, CSV, NDJSON or JSON.

An edge module (files), used by cbc_cli.cli.check_file when the input starts with Parquet's ``PAR1``
magic. Rows go through :mod:`cbc_cli.arrow`, so the answers are those of the same table as CSV.
Memory holds one slice of rows (and one sample) at a time, whatever the file size. pyarrow is
imported only here and in cbc_cli.arrow (extra ``cbc-cli[arrow]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cbc_cli.errors import InputError, UsageError
from cbc_cli.grading import Scheme
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable

if TYPE_CHECKING:
    import pyarrow as pa

    from cbc_cli.batch import BatchOptions, BatchStats
    from cbc_cli.readers import Input
    from cbc_cli.readers.records import Record

MAGIC = b"PAR1"
BATCH_ROWS = 16_384
"""Rows read at a time: a row group is read in slices of this size, never whole."""
ROW_GROUP_ROWS = 131_072
"""Rows of each row group written: a few slices held, so that readers get row groups of a
usual size (a row group per slice would make a large footer and slow scans)."""


def is_parquet(head: bytes) -> bool:
    """Whether the first bytes of an input are Parquet's magic."""
    return head[:4] == MAGIC


def open_parquet(path: str) -> Any:
    """Open a Parquet file: its footer only; the rows are read later, slice by slice.

    Raises:
        UsageError: pyarrow is not installed, or the input is standard input.
        InputError: the file is damaged.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(
            "reading or writing Parquet needs pyarrow",
            code="extra.missing",
            hint="install it with: pip install 'cbc-cli[arrow]'",
        ) from None
    if path == "-":
        raise UsageError(
            "Parquet cannot be read from standard input (its index is at the end of the file)",
            code="input.missing",
            hint="give the path of the .parquet file",
        )
    try:
        return pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(
            f"{path}: cannot be read as Parquet ({type(exc).__name__})",
            code="file.unreadable",
            hint="check that the file is complete; re-export it if it was cut short",
        ) from None


def _batches(file: Any, name: str) -> Iterator[pa.RecordBatch]:
    try:
        yield from file.iter_batches(batch_size=BATCH_ROWS, use_threads=False)
    except OSError as exc:
        raise InputError(
            f"{name}: a row group cannot be read ({type(exc).__name__})",
            code="file.unreadable",
            hint="check that the file is complete; re-export it if it was cut short",
        ) from None


def wants_parquet(fmt: str, output: Path | None) -> bool:
    """Whether a run writes Parquet: ``--format parquet``, or ``-o FILE.parquet`` with no format.

    Raises:
        UsageError: Parquet asked for without ``-o`` (it is not written to a terminal or pipe).
    """
    suffix = output.suffix.lower() if output is not None else ""
    wanted = fmt == "parquet" or (fmt == "table" and suffix == ".parquet")
    if wanted and output is None:
        raise UsageError(
            "Parquet output needs a file",
            code="output.invalid",
            hint="add {output} FILE.parquet, or use {format} csv",
        )
    return wanted


def parquet_output_needs_parquet_input(name: str) -> UsageError:
    """The error for ``--format parquet`` on an input that is not Parquet."""
    return UsageError(
        f"{name}: Parquet output is written from Parquet input",
        code="output.invalid",
        hint="use {format} csv (or ndjson) for this input",
    )


def read_parquet(
    path: str,
    options: BatchOptions,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
) -> tuple[Input, Iterator[tuple[Record, Result]]]:
    """A Parquet file as an input for the CLI's writers, and its records with their results
    (made together by ``cbc_cli.arrow.interpret_records``, in place of ``batch.run``)."""
    from cbc_cli.arrow import Options, interpret_records, layout
    from cbc_cli.readers import Input

    file = open_parquet(path)
    arrow_options = Options(columns=tuple(options.columns), units=tuple(options.units))
    schema = file.schema_arrow
    lay = layout(schema.names, arrow_options)
    pairs = interpret_records(_batches(file, path), schema, arrow_options, ranges, scheme, context)
    data = Input(
        iter(()), "parquet", list(schema.names), lay.long, lay.analytes, ",", lay.tab.notes
    )
    return data, pairs


def write_direct(
    fmt: str,
    path: str,
    output: Path | None,
    options: BatchOptions,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
    stats: BatchStats,
) -> bool:
    """Write Parquet or CSV output of a Parquet input through the Arrow stream (the columnar
    rules where they apply); False for the formats the CLI's record writers write.

    Raises:
        UsageError: Parquet output without ``-o``.
        InputError: the file is damaged or has no rows.
    """
    if wants_parquet(fmt, output):
        write_parquet(path, output, options, ranges, scheme, context, stats)
    elif fmt == "csv":
        from cbc_cli.output import OutputTarget

        # Written whole or not at all, as every -o FILE (cbc_cli.output).
        with OutputTarget(output, partial=options.partial) as target:
            write_csv(path, target.stream, options, ranges, scheme, context, stats)
    else:
        return False
    if stats.samples == 0:
        raise InputError(
            f"{path}: no data rows",
            code="file.empty",
            hint="the file holds no rows; give rows of results",
        )
    return True


def write_csv(
    path: str,
    out: TextIO,
    options: BatchOptions,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
    stats: BatchStats,
) -> None:
    """The CSV ``cbc check --format csv`` writes for the rows written as CSV: each input cell as
    its text (made inert when it would run as a spreadsheet formula, unless
    ``--no-formula-guard``), then cbc's cells."""
    import csv

    from cbc_cli.arrow import Options, cell_text, output_schema, stream
    from cbc_cli.batch import merge
    from cbc_cli.writers.csv_writer import inert

    file = open_parquet(path)
    arrow_options = Options(columns=tuple(options.columns), units=tuple(options.units))
    schema = file.schema_arrow
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(output_schema(schema, arrow_options).names)
    width = len(schema)
    for batch in stream(
        _batches(file, path),
        schema,
        arrow_options,
        ranges,
        scheme,
        context,
        lambda part: merge(stats, part),
    ):
        columns = []
        for i, column in enumerate(batch.columns):
            cells = [cell_text(v) for v in column.to_pylist()]
            if i < width and options.formula_guard:
                cells = [inert(c) for c in cells]
            columns.append(cells)
        writer.writerows(zip(*columns, strict=True))


def write_parquet(
    path: str,
    output: Path | None,
    options: BatchOptions,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
    stats: BatchStats,
) -> None:
    """Interpret a Parquet file into a Parquet file: the input columns, then cbc's columns.

    Written to a temporary file beside ``output`` and renamed when complete, so a failed run
    leaves no half-written file.
    """
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    from cbc_cli.arrow import Options, output_schema, stream
    from cbc_cli.batch import merge

    assert output is not None  # wants_parquet said so
    file = open_parquet(path)
    arrow_options = Options(columns=tuple(options.columns), units=tuple(options.units))
    schema = file.schema_arrow
    out_schema = output_schema(schema, arrow_options)
    partial = output.with_name(f".{output.name}.partial")
    try:
        with pq.ParquetWriter(str(partial), out_schema) as writer:
            held: list[pa.RecordBatch] = []
            for batch in stream(
                _batches(file, path),
                schema,
                arrow_options,
                ranges,
                scheme,
                context,
                lambda part: merge(stats, part),
            ):
                held.append(batch)
                if sum(b.num_rows for b in held) >= ROW_GROUP_ROWS:
                    writer.write_table(pa.Table.from_batches(held, out_schema))
                    held = []
            if held:
                writer.write_table(pa.Table.from_batches(held, out_schema))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)
