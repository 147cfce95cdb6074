"""Parquet in ``cbc check``: read row group by row group, write Parquet, CSV, NDJSON or JSON.

An edge module (files), used by cbc_cli.cli.check_file when the input starts with Parquet's ``PAR1``
magic. Rows go through :mod:`cbc_cli.arrow`, so the answers are those of the same table as CSV.
Memory holds one slice of rows (and one sample) at a time, whatever the file size. pyarrow is
imported only here and in cbc_cli.arrow (extra ``cbc-cli[arrow]``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from cbc_cli.errors import InputError, UsageError
from cbc_cli.grading import Scheme
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.source import Source

if TYPE_CHECKING:
    import pyarrow as pa

    from cbc_cli.batch import BatchOptions, BatchStats

BATCH_ROWS = 16_384
"""Rows read at a time: a row group is read in slices of this size, never whole."""
ROW_GROUP_ROWS = 65_536
"""Rows of each row group written: four slices held, so that readers get row groups of a
usual size (a row group per slice would make a large footer and slow scans). Held with cbc's
columns added, a row group of the benchmark export costs about 11 MiB, and the writer as much
again while it encodes it: 131,072 rows took the run past 150 MiB (benchmarks/parquet.py)."""
CSV_BUFFER = 1 << 20
"""Bytes of CSV text handed on at a time: the size of the columnar path's chunks."""


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
        # A row group at a time: over the whole file, pyarrow's read-ahead buffering holds
        # every row group read so far (peak memory grew with the file: 1M rows 117 MB, 3M
        # 153 MB); one group's buffers are released when the next is read (93 MB for both).
        for group in range(file.num_row_groups):
            yield from file.iter_batches(
                batch_size=BATCH_ROWS, row_groups=[group], use_threads=False
            )
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
    """Write Parquet output of a Parquet input through the Arrow stream (the columnar rules
    where they apply); False for every other format, which is written from :func:`csv_source`.

    Raises:
        UsageError: Parquet output without ``-o``.
        InputError: the file is damaged or has no rows.
    """
    if not wants_parquet(fmt, output):
        return False
    write_parquet(path, output, options, ranges, scheme, context, stats)
    if stats.samples == 0:
        raise InputError(
            f"{path}: no data rows",
            code="file.empty",
            hint="the file holds no rows; give rows of results",
        )
    return True


class _CsvText(io.RawIOBase):
    """A Parquet file read as the bytes of the same table written as a CSV export."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._held = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._held:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._held = memoryview(chunk)
        n = min(len(buffer), len(self._held))
        buffer[:n] = self._held[:n]
        self._held = self._held[n:]
        return n


def csv_source(path: str) -> Source:
    """A Parquet file as a CSV source: its column names as the header line, then its rows, row
    group slice by slice (``cbc_cli.arrow.csv_body``).

    Every reader, rule and writer of a CSV export then applies unchanged, the columnar fast path
    included, so ``cbc check data.parquet`` answers as ``cbc check data.csv`` does for the same
    table, and memory holds one slice of rows at a time.

    Raises:
        UsageError: pyarrow is not installed, or the input is standard input.
        InputError: the file is damaged.
    """
    import csv

    from cbc_cli.arrow import csv_body

    file = open_parquet(path)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(file.schema_arrow.names)

    def chunks() -> Iterator[bytes]:
        yield header.getvalue().encode()
        for batch in _batches(file, path):
            yield csv_body(batch)

    text = _CsvText(chunks())
    return Source(io.BufferedReader(text, CSV_BUFFER), path, file=cast(BinaryIO, text))


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
    pool = pa.default_memory_pool()
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
                    # Arrow's allocator (mimalloc) keeps the pages a row group freed for reuse,
                    # and its pool grew with each one (1M rows: 35 MiB kept); given back here,
                    # the run holds one row group and one slice, whatever the file's size.
                    pool.release_unused()
            if held:
                writer.write_table(pa.Table.from_batches(held, out_schema))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)
