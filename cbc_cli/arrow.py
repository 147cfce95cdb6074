"""Arrow in, Arrow out: the batch engine over ``pyarrow`` tables and record batches.

Each row's cells become the text cells the CSV reader sees, so the column and unit mapping
(``readers.columns``), the cell reading (``readers.records``), the grouping of long-layout rows
into samples (``readers.tabular``) and the rules (``engine``) are the ones ``cbc check`` uses on
a CSV export; the added columns are the cells of ``cbc check --format csv``
(``writers.csv_writer``), typed: a grade is an int8, an empty cell is null. The input columns
are passed through unchanged, in order, with their own types; every input row gives exactly
one output row.

Spark (``cbc_cli.spark``), Dask (``cbc_cli.dask``), DuckDB and Parquet (``cbc_cli.parquet``) all
run through :func:`interpret_batches`. pyarrow is imported only on these paths (extra
``cbc-cli[arrow]``).

Rows are numbered as the lines of the same table written as CSV with a header (the first row is
line 2), counted over the whole stream; ``line_column`` names an integer column to use instead
(a partition of a Spark or Dask frame does not know where it starts).
"""

from __future__ import annotations

import csv
import io
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from cbc_cli.api import build_patient, default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats, count, interpret_record, merge
from cbc_cli.errors import UsageError
from cbc_cli.grading import Scheme
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.columns import parse_column_options, parse_unit_options
from cbc_cli.readers.records import Record
from cbc_cli.readers.tabular import Tabular, _long_records, read_tabular, wide_record
from cbc_cli.writers.csv_writer import contract_cells, contract_columns

if TYPE_CHECKING:
    import pyarrow as pa

_GRADE_SUFFIX = "_grade"


@dataclass(frozen=True)
class Options:
    """What ``cbc check`` takes as options, as plain picklable values (shipped to executors).

    The range files named in ``ranges`` must be readable at the same path where the work runs.
    """

    columns: tuple[str, ...] = ()
    """``--column NAME=ANALYTE`` mappings."""
    units: tuple[str, ...] = ()
    """``--unit ANALYTE=UNIT`` settings."""
    grading: str = "ctcae5"
    ranges: tuple[str, ...] = ()
    """Range files layered over the shipped ranges (``--ranges``)."""
    sex: str | None = None
    age: str | None = None
    pregnant: int | None = None
    profiles: tuple[str, ...] = ()
    temperature: str | None = None
    days_since_chemo: int | None = None
    transplant: str | None = None
    line_column: str | None = None
    """An integer column that numbers the rows (for error messages); default: CSV line numbers."""

    def context(self) -> Patient:
        """The person context that fills what a row does not say (``--sex``, ``--age``, ...).

        Raises:
            UsageError: conflicting or unknown options, as ``cbc check`` says them.
        """
        return build_patient(
            sex=self.sex,
            age=self.age,
            pregnant=self.pregnant,
            profiles=self.profiles,
            temperature=self.temperature,
            days_since_chemo=self.days_since_chemo,
            transplant=self.transplant,
        )


def make_options(**options: Any) -> Options:
    """Options from keyword arguments, checked at once (so a driver fails before any task runs).

    Raises:
        UsageError: an unknown option name, a bad value, or a bad ``--column``/``--unit`` text.
    """
    known = set(Options.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise UsageError(
            f"unknown option {unknown[0]!r}", hint="known: " + ", ".join(sorted(known))
        )
    for key in ("columns", "units", "ranges", "profiles"):
        if key in options:
            value = options[key]
            options[key] = (value,) if isinstance(value, str) else tuple(value)
    for key in ("age", "temperature"):
        if options.get(key) is not None:
            options[key] = str(options[key])
    made = Options(**options)
    made.context()
    resolve_scheme(made.grading)
    parse_column_options(made.columns)
    parse_unit_options(made.units)
    return made


@cache
def _setup(options: Options) -> tuple[RangeTable, Scheme, Patient]:
    """Ranges, scheme and context, loaded once per process (each executor's first task)."""
    return default_ranges(options.ranges), resolve_scheme(options.grading), options.context()


@dataclass
class Layout:
    """What the columns of a schema hold, and the columns cbc adds to them."""

    names: list[str]
    tab: Tabular
    added: list[str]
    """Names of the added columns, renamed ``cbc_<name>`` where the input has the name."""
    kinds: list[str]
    """For each added column: ``flag``, ``grade`` or ``text``."""
    analytes: list[str]

    @property
    def long(self) -> bool:
        """One row per result (analyte and value columns)."""
        return self.tab.columns.is_long


def layout(names: Sequence[str], options: Options) -> Layout:
    """Map the column names as the CSV reader maps a header; name the added columns.

    Raises:
        InputError: no column is an analyte cbc reads (and the layout is not long).
        UsageError: a bad ``--column``/``--unit`` option.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(list(names))
    tab = read_tabular(
        iter([buffer.getvalue()]),
        delimiter=",",
        column_options=parse_column_options(options.columns),
        unit_options=parse_unit_options(options.units),
    )
    _, scheme, _ = _setup(options)
    long = tab.columns.is_long
    analytes = [] if long else list(dict.fromkeys(tab.columns.analytes.values()))
    taken = {n.strip().lower() for n in names}
    base = (["flag"] if long else []) + contract_columns(analytes, scheme)
    added = [f"cbc_{c}" if c in taken else c for c in base]
    kinds = [
        "grade" if c.endswith(_GRADE_SUFFIX) else "flag" if c.endswith("flag") else "text"
        for c in base
    ]
    return Layout(list(names), tab, added, kinds, analytes)


def output_schema(schema: pa.Schema, options: Options | None = None) -> pa.Schema:
    """The schema of the answers for input of ``schema``: its fields, then cbc's (all nullable
    but ``status``). Known before any row is read, as Spark's ``mapInArrow`` needs."""
    import pyarrow as pa

    lay = layout(schema.names, options or Options())
    fields = list(schema)
    for name, kind in zip(lay.added, lay.kinds, strict=True):
        if kind == "grade":
            fields.append(pa.field(name, pa.int8()))
        else:
            fields.append(pa.field(name, pa.string(), nullable=not name.endswith("status")))
    return pa.schema(fields)


def cell_text(value: object) -> str:
    """One Arrow value as the text a CSV export would hold (null is an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)  # NaN is a missing value
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass
class _Rows:
    """Rows of the stream as (line, cells, None), keeping the batches they came from."""

    lay: Layout
    options: Options
    pending: deque[pa.RecordBatch] = field(default_factory=deque)
    next_line: int = 2

    def cells(self, batch: pa.RecordBatch) -> tuple[list[list[str]], list[int]]:
        """The text cells of a batch, column by column, and the line number of each row."""
        if batch.schema.names != self.lay.names:
            raise UsageError(
                "the batches of one stream must have the same columns in the same order"
            )
        columns = [[cell_text(v) for v in col.to_pylist()] for col in batch.columns]
        line_column = self.options.line_column
        if line_column is not None:
            index = batch.schema.get_field_index(line_column)
            lines = [int(v) if v is not None else 0 for v in batch.column(index).to_pylist()]
        else:
            lines = list(range(self.next_line, self.next_line + batch.num_rows))
            self.next_line += batch.num_rows
        return columns, lines

    def feed(self, batches: Iterable[pa.RecordBatch]) -> Iterator[tuple[int, list[str], None]]:
        """Every row of the stream; each batch is kept in ``pending`` until its rows are done."""
        for batch in batches:
            columns, lines = self.cells(batch)
            self.pending.append(batch)
            for i, line in enumerate(lines):
                yield line, [col[i] for col in columns], None


def _contract_rows(record: Record, result: Result, lay: Layout, scheme: Scheme) -> list[list[str]]:
    """The added cells of each input row of one record, as ``cbc check --format csv`` has them."""
    sample = contract_cells(result, lay.analytes, scheme)
    if not lay.long:
        return [sample for _ in record.rows]
    flags = {a.analyte: a.flag or "" for a in result.analytes}
    return [[flags.get(a, "") if a else "", *sample] for _, _, a in record.rows]


def _records(rows: Iterator[tuple[int, list[str], None]], lay: Layout) -> Iterator[Record]:
    if lay.long:
        return _long_records(rows, lay.tab)
    return (wide_record(line, cells, lay.tab) for line, cells, _ in rows)


def interpret_records(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    options: Options,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
) -> Iterator[tuple[Record, Result]]:
    """Each sample of the stream as a record and its result, in order: what the CLI's writers
    take (CSV, NDJSON, JSON, FHIR, HL7 output from Parquet input).

    Raises:
        InputError: no column is an analyte cbc reads (as for a CSV header).
    """
    lay = layout(schema.names, options)
    rows = _Rows(lay, options)
    for record in _records(rows.feed(batches), lay):
        yield record, interpret_record(record, ranges, scheme, context)


def interpret_batches(
    batches: Iterable[pa.RecordBatch], schema: pa.Schema | None = None, **options: Any
) -> Iterator[pa.RecordBatch]:
    """Interpret a stream of record batches; yield each input batch with cbc's columns added.

    One sample is held at a time besides the batch being read (a long-layout sample can span two
    batches). ``schema`` is needed only when the stream may be empty. Options are those of
    :class:`Options` (or ``options=Options(...)``).

    Raises:
        InputError: no column is an analyte cbc reads. Rows cbc cannot read are error rows
            (``status`` ``error``, ``error`` says why), never exceptions.
    """
    opts = options.pop("options", None) or make_options(**options)
    it = iter(batches)
    first = next(it, None)
    if first is None:
        return
    ranges, scheme, context = _setup(opts)
    yield from stream(_chain(first, it), schema or first.schema, opts, ranges, scheme, context)


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def stream(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    options: Options,
    ranges: RangeTable,
    scheme: Scheme,
    context: Patient,
    on_stats: Callable[[BatchStats], None] | None = None,
) -> Iterator[pa.RecordBatch]:
    """:func:`interpret_batches` with the ranges, scheme and person context already loaded (the
    CLI's own, which may hold a date of birth); ``on_stats`` sees what each batch adds to the
    run's statistics (samples, unreadable ones, urgencies).

    Wide batches that the columnar rules cover go through them (cbc_cli.columnar, as ``cbc
    check`` takes a wide CSV export); any other batch goes row by row through the tabular
    reader's records and the engine. tests/test_arrow.py checks that both give the same cells.
    """
    out_schema = output_schema(schema, options)
    lay = layout(schema.names, options)
    rows = _Rows(lay, options)
    if not lay.long:
        fast = _Columnar.start(lay, options, ranges, scheme, context)
        for batch in batches:
            columns, lines = rows.cells(batch)
            stats = BatchStats()
            added = fast.run(columns, lines, stats) if fast is not None else None
            if added is None:
                stats = BatchStats()
                cells: list[list[str]] = []
                for line, row in zip(lines, zip(*columns, strict=True), strict=True):
                    record = wide_record(line, list(row), lay.tab)
                    result = interpret_record(record, ranges, scheme, context)
                    count(stats, result)
                    cells.extend(_contract_rows(record, result, lay, scheme))
                added = _transpose(cells, lay)
            if on_stats is not None:
                on_stats(stats)
            yield _attach(batch, added, lay, out_schema)
        return
    done: list[list[str]] = []
    stats = BatchStats()
    for record in _records(rows.feed(batches), lay):
        result = interpret_record(record, ranges, scheme, context)
        count(stats, result)
        done.extend(_contract_rows(record, result, lay, scheme))
        while rows.pending and len(done) >= rows.pending[0].num_rows:
            batch = rows.pending.popleft()
            yield _attach(batch, _transpose(done[: batch.num_rows], lay), lay, out_schema)
            del done[: batch.num_rows]
    while rows.pending:  # batches of no rows
        batch = rows.pending.popleft()
        yield _attach(batch, _transpose(done[: batch.num_rows], lay), lay, out_schema)
        del done[: batch.num_rows]
    if on_stats is not None:
        on_stats(stats)


def _transpose(rows: list[list[str]], lay: Layout) -> list[Sequence[str]]:
    return list(zip(*rows, strict=True)) or [() for _ in lay.added]


@dataclass
class _Columnar:
    """The columnar rules over wide batches: each batch is written as the lines of a CSV export
    and judged as ``cbc check`` judges a chunk of one (cbc_cli.columnar, in this process; its
    caches of persons, cell texts and decisions last for the whole stream)."""

    runner: Any
    width: int
    added: int

    @classmethod
    def start(
        cls, lay: Layout, options: Options, ranges: RangeTable, scheme: Scheme, context: Patient
    ) -> _Columnar | None:
        """The columnar runner for this layout, or None when its rules do not cover it."""
        if context.temperature_c is not None:
            return None  # the fever rules (febrile neutropenia) live in the engine only
        from cbc_cli.columnar import ColumnarCsv, plan
        from cbc_cli.readers.source import Source

        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(lay.names)
        source = Source(io.BufferedReader(io.BytesIO(header.getvalue().encode())), "arrow")
        columns = parse_column_options(options.columns)
        units = parse_unit_options(options.units)
        fast = plan(source, "csv", columns, units)
        if fast is None:
            return None
        runner = ColumnarCsv(
            fast,
            source,
            ranges,
            scheme,
            context,
            io.StringIO(),
            False,
            BatchStats(),
            columns,
            units,
            jobs=1,
        )
        return cls(runner, len(lay.names), len(lay.added))

    def run(
        self, columns: list[list[str]], lines: list[int], stats: BatchStats
    ) -> list[Sequence[str]] | None:
        """The added columns of one batch, or None when it must go row by row: its rows are
        not numbered one after another, or one is blank (a CSV reader skips those)."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        n = len(lines)
        if n == 0:
            return [[] for _ in range(self.added)]
        if lines != list(range(lines[0], lines[0] + n)):
            return None
        rows = list(zip(*columns, strict=True))
        if any(not any(row) for row in rows):
            return None
        body = io.StringIO()
        csv.writer(body, lineterminator="\n").writerows(rows)
        data, tally = self.runner._judge(lines[0], body.getvalue().encode())
        if tally.blank_rows or tally.stats.samples != n:
            return None
        names = [f"c{i}" for i in range(self.width + self.added)]
        table = pcsv.read_csv(
            pa.py_buffer(data),
            read_options=pcsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if table.num_rows != n:
            return None
        merge(stats, tally.stats)
        return [table.column(i).to_pylist() for i in range(self.width, len(names))]


def _attach(
    batch: pa.RecordBatch, added: Sequence[Sequence[str]], lay: Layout, schema: pa.Schema
) -> pa.RecordBatch:
    import pyarrow as pa

    arrays = list(batch.columns)
    for column, kind in zip(added, lay.kinds, strict=True):
        if kind == "grade":
            arrays.append(pa.array([int(c) if c else None for c in column], pa.int8()))
        else:
            arrays.append(pa.array([c or None for c in column], pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def interpret_reader(reader: pa.RecordBatchReader, **options: Any) -> pa.RecordBatchReader:
    """A ``RecordBatchReader`` of the answers, read lazily from ``reader`` (DuckDB's
    ``fetch_record_batch``, a Parquet or IPC stream): nothing is read until it is consumed, and
    DuckDB, Polars or pyarrow can query or write it as a table."""
    import pyarrow as pa

    opts = options.pop("options", None) or make_options(**options)
    schema = output_schema(reader.schema, opts)
    return pa.RecordBatchReader.from_batches(
        schema, interpret_batches(reader, reader.schema, options=opts)
    )


def interpret_table(table: pa.Table | pa.RecordBatch, **options: Any) -> pa.Table:
    """Interpret a whole table (or one record batch): its columns, then cbc's columns.

    The same answers as ``cbc check --format csv`` on the table written as CSV. Options: see
    :class:`Options` (``columns``, ``units``, ``grading``, ``ranges``, ``sex``, ``age``, ...).
    """
    import pyarrow as pa

    opts = options.pop("options", None) or make_options(**options)
    batches = table.to_batches() if isinstance(table, pa.Table) else [table]
    schema = output_schema(table.schema, opts)
    out = list(interpret_batches(batches, table.schema, options=opts))
    return pa.Table.from_batches(out, schema=schema)


# --- trend -------------------------------------------------------------------------------------


def trend_schema() -> pa.Schema:
    """The schema of :func:`interpret_trend`: the columns of ``cbc trend --format csv``."""
    import pyarrow as pa

    from cbc_cli.trend import TREND_CSV_COLUMNS

    return pa.schema(
        [
            pa.field(c, pa.int64() if c in ("line", "day") else pa.string())
            for c in TREND_CSV_COLUMNS
        ]
    )


@dataclass(frozen=True)
class TrendSettings:
    """The options of ``cbc trend`` that are not those of ``cbc check`` (picklable)."""

    since: str | None = None
    transplant: str | None = None
    transfusions: tuple[str, ...] = ()
    analytes: tuple[str, ...] = ()
    patient_column: str | None = None
    dob: str | None = None

    def __post_init__(self) -> None:
        from cbc_cli.trend import GRAFT_SOURCES

        if self.transplant is not None and self.transplant not in GRAFT_SOURCES:
            raise UsageError(
                f"transplant {self.transplant!r} is not a graft source",
                hint="use " + ", ".join(GRAFT_SOURCES),
            )

    @classmethod
    def of(
        cls,
        *,
        since: str | None,
        transplant: str | None,
        transfusions: Sequence[str],
        analytes: Sequence[str],
        patient: str,
        dob: str | None,
    ) -> TrendSettings:
        """The settings from the keyword arguments of the Spark and Dask ``interpret_trend``
        (``patient``: the column that names the person; ``patient_id``/``mrn`` are found
        without it).

        Raises:
            UsageError: a graft source other than pb, marrow or cord.
        """
        return cls(
            since=since,
            transplant=transplant,
            transfusions=tuple(transfusions),
            analytes=tuple(analytes),
            patient_column=None if patient in ("patient_id", "mrn") else patient,
            dob=dob,
        )


def interpret_trend(
    table: pa.Table | pa.RecordBatch,
    *,
    trend: TrendSettings | None = None,
    **options: Any,
) -> pa.Table:
    """``cbc trend --format csv`` over a table of dated results: a row per draw and analyte.

    Every person in the table is followed (by ``patient_id``/``mrn`` or ``patient_column``);
    give one person's rows, or all of them, as ``cbc trend`` takes a file.
    """
    import pyarrow as pa

    from cbc_cli.parse import parse_date
    from cbc_cli.trend import DEFAULT_ANALYTES, TrendOptions, build_trend, trend_rows

    settings = trend or TrendSettings()
    opts = options.pop("options", None) or make_options(**options)
    if settings.patient_column:
        opts = Options(
            **{
                **opts.__dict__,
                "columns": (*opts.columns, f"{settings.patient_column}=patient_id"),
            }
        )
    ranges, scheme, context = _setup(opts)
    trend_options = TrendOptions(
        since=parse_date(settings.since, "since") if settings.since else None,
        transplant=settings.transplant,  # type: ignore[arg-type]  # checked by TrendSettings
        transfusions=tuple(parse_date(d, "transfusion") for d in settings.transfusions),
        analytes=settings.analytes or DEFAULT_ANALYTES,
        patient_column=settings.patient_column,
        context=context,
        dob=parse_date(settings.dob, "dob") if settings.dob else None,
    )
    batches = table.to_batches() if isinstance(table, pa.Table) else [table]
    lay = layout(table.schema.names, opts)
    rows = _Rows(lay, opts)
    report = build_trend(
        _records(rows.feed(batches), lay),
        ranges,
        scheme,
        trend_options,
        header=lay.tab.header,
        input_notes=lay.tab.notes,
    )
    schema = trend_schema()
    columns: list[list[Any]] = [[] for _ in schema]
    for row in trend_rows(report):
        for j, (cell, f) in enumerate(zip(row, schema, strict=True)):
            if f.type == pa.int64():
                columns[j].append(int(cell) if cell else None)
            else:
                columns[j].append(cell or None)
    return pa.table(columns, schema=schema)
