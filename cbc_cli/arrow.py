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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from cbc_cli.api import build_patient, default_ranges, resolve_scheme
from cbc_cli.batch import BatchStats, count, interpret_record, merge
from cbc_cli.errors import UsageError
from cbc_cli.grading import Scheme
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.columns import parse_column_options, parse_unit_options
from cbc_cli.readers.records import Record
from cbc_cli.readers.tabular import Tabular, long_records, read_tabular, wide_record
from cbc_cli.writers.csv_writer import added_columns, contract_cells

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

_GRADE_SUFFIX = "_grade"


def _type(kind: str) -> pa.DataType:
    import pyarrow as pa

    return pa.int8() if kind == "grade" else pa.string()


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
    dob: str | None = None
    """Date of birth (``--dob``), with ``collected`` giving the age at collection."""
    collected: str | None = None
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
            dob=self.dob,
            collected=self.collected,
            pregnant=self.pregnant,
            profiles=self.profiles,
            temperature=self.temperature,
            days_since_chemo=self.days_since_chemo,
            transplant=self.transplant,
        )


_ALIASES = {
    "column": "columns",
    "unit": "units",
    "range_files": "ranges",
    "profile": "profiles",
    "temp": "temperature",
}
"""The other spellings ``interpret()`` accepts (``cbc_cli.api.KEYWORDS``): the CLI's option
names, singular, beside the plural field names."""


def make_options(**given: Any) -> Options:
    """Options from keyword arguments, checked at once (so a driver fails before any task runs).

    The keywords are those of :func:`cbc_cli.api.interpret` that apply to a table: ``temp`` or
    ``temperature``, ``column`` or ``columns``, ``profile`` or ``profiles``, and so on; also
    ``config`` (a cbc.toml path or dict) and ``preset`` (README, Config files and presets),
    which fill what the other keywords leave unsaid.

    Raises:
        UsageError: an unknown option name, one given under two names, a bad value, or a bad
            ``--column``/``--unit`` text.
    """
    known = set(Options.__dataclass_fields__)
    options: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    config, preset = given.pop("config", None), given.pop("preset", None)
    for key, value in given.items():
        name = _ALIASES.get(key, key)
        if name not in known:
            accepted = ", ".join(sorted(known | set(_ALIASES)))
            raise UsageError(f"unknown option {key!r}", hint=f"known: {accepted}")
        if name in options:
            raise UsageError(f"{given_as[name]!r} and {key!r} are one option: give one")
        options[name], given_as[name] = value, key
    for key in ("columns", "units", "ranges", "profiles"):
        if key in options:
            value = options[key]
            if isinstance(value, Mapping):  # {"Hb": "hgb"} as "Hb=hgb"
                value = [f"{k}={v}" for k, v in value.items()]
            options[key] = (value,) if isinstance(value, str) else tuple(value)
    for key in ("age", "temperature", "dob", "collected"):
        if options.get(key) is not None:
            options[key] = str(options[key])
    if config is not None or preset is not None:
        # A cbc.toml or a preset fills what the keywords leave unsaid (cbc_cli.config).
        from cbc_cli.config import resolve

        settings = resolve(
            options={k: options.get(k) for k in ("grading", "ranges", "columns", "units")},
            config=config,
            preset=preset,
        )
        options["grading"] = settings.grading.value
        options["ranges"] = settings.range_files()
        options["columns"] = tuple(settings.column_options())
        options["units"] = tuple(settings.unit_options())
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
    added = added_columns(names, analytes, scheme, long=long)
    kinds = [
        "grade" if c.endswith(_GRADE_SUFFIX) else "flag" if c.endswith("flag") else "text"
        for c in added
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


_QUOTED = frozenset(b'",\r\n')
"""Bytes that make Python's csv writer quote a cell (minimal quoting, comma-separated)."""


class _Cells(NamedTuple):
    """One column's text cells: cell ``i`` is ``data[starts[i] : starts[i] + lengths[i]]``."""

    data: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray


def _from_texts(texts: Sequence[str]) -> _Cells:
    import numpy as np

    encoded = [_csv_cell(t).encode() for t in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.cumsum(lengths) - lengths
    return _Cells(np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, lengths)


def _csv_cell(text: str) -> str:
    if any(c in text for c in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _valid(column: pa.Array) -> np.ndarray | None:
    """Which rows hold a value (None when all do), from the validity bitmap."""
    import numpy as np

    if column.null_count == 0:
        return None
    bitmap = column.buffers()[0]
    if bitmap is None:  # the null type: no value anywhere
        return np.zeros(len(column), dtype=bool)
    bits = np.frombuffer(bitmap, dtype=np.uint8)
    valid = np.unpackbits(bits, bitorder="little")
    return valid[column.offset : column.offset + len(column)].astype(bool)


def _text_cells(column: pa.Array) -> _Cells:
    """A column's cells as the text :func:`cell_text` gives each value, quoted as the csv
    module quotes them: strings are sliced from Arrow's buffers, and numbers, dates and other
    values of a fixed width are converted once per distinct value (a column of lab values
    holds few), so no Python loop runs over the rows of a usual export."""
    import numpy as np
    import pyarrow as pa

    kind, n = column.type, len(column)
    valid = _valid(column)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        wide = np.int64 if pa.types.is_large_string(kind) else np.int32
        offsets = np.frombuffer(column.buffers()[1], dtype=wide)[column.offset :][: n + 1]
        data = column.buffers()[2]
        cells = _Cells(
            np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8),
            offsets[:-1].astype(np.int64),
            np.diff(offsets).astype(np.int64),
        )
        if valid is not None:
            cells.lengths[~valid] = 0
        return _quote_where_needed(cells)
    width = kind.bit_width if pa.types.is_primitive(kind) else 0
    if width in (8, 16, 32, 64) and not pa.types.is_boolean(kind):
        raw = np.frombuffer(column.buffers()[1], dtype=f"u{width // 8}")[column.offset :][:n]
        distinct, codes = np.unique(raw, return_inverse=True)
        values = pa.Array.from_buffers(kind, len(distinct), [None, pa.py_buffer(distinct)])
        words = _from_texts([cell_text(v) for v in values.to_pylist()])
        cells = _Cells(words.data, words.starts[codes], words.lengths[codes])
        if valid is not None:
            cells.lengths[~valid] = 0
        return cells
    return _from_texts([cell_text(v) for v in column.to_pylist()])


def _quote_where_needed(cells: _Cells) -> _Cells:
    """The cells with those holding a quote, comma or line break quoted (found with numpy;
    the few such cells are quoted in Python)."""
    import numpy as np

    special = np.flatnonzero(np.isin(cells.data, np.frombuffer(bytes(_QUOTED), np.uint8)))
    if special.size == 0:
        return cells
    order = np.argsort(cells.starts, kind="stable")
    ends = cells.starts + cells.lengths
    # The cell holding each special byte: the last cell (by start) starting at or before it.
    at = np.searchsorted(cells.starts[order], special, side="right") - 1
    hit = order[at[at >= 0]]
    hit = np.unique(hit[special[at >= 0] < ends[hit]])
    extra, starts, lengths = [], cells.starts.copy(), cells.lengths.copy()
    place = len(cells.data)
    for i in hit.tolist():
        text = cells.data[cells.starts[i] : ends[i]].tobytes()
        quoted = b'"' + text.replace(b'"', b'""') + b'"'
        extra.append(quoted)
        starts[i], lengths[i] = place, len(quoted)
        place += len(quoted)
    data = np.concatenate([cells.data, np.frombuffer(b"".join(extra), np.uint8)])
    return _Cells(data, starts, lengths)


def csv_body(batch: pa.RecordBatch) -> bytes:
    """The rows of a batch as CSV lines that Python's ``csv.reader`` reads back as the text
    cells of :func:`cell_text`: a cell is quoted when it holds a quote, comma or line break
    (a lone CR too, which ``csv.writer`` leaves bare), lines end in LF.

    Built with numpy from Arrow's buffers (pyarrow's compute kernels are not loaded: their
    library alone adds about 40 MB to a process).
    """
    import numpy as np

    if batch.num_columns < 2:  # an empty cell alone on its line is quoted: not a blank line
        texts = [cell_text(v) for v in batch.column(0).to_pylist()] if batch.num_columns else []
        return "".join((_csv_cell(t) or '""') + "\n" for t in texts).encode()
    columns = [_text_cells(c) for c in batch.columns]
    # Each line: its cells, a comma after each but the last, and the line end.
    widths = np.sum([c.lengths for c in columns], axis=0) + len(columns)
    total = int(widths.sum())
    out = np.empty(total, dtype=np.uint8)
    at = np.cumsum(widths) - widths
    last = len(columns) - 1
    for k, cells in enumerate(columns):
        size = int(cells.lengths.sum())
        if size:
            before = np.cumsum(cells.lengths) - cells.lengths
            flat = np.arange(size, dtype=np.int64)
            out[flat + np.repeat(at - before, cells.lengths)] = cells.data[
                flat + np.repeat(cells.starts - before, cells.lengths)
            ]
        at = at + cells.lengths
        out[at] = ord("\n") if k == last else ord(",")
        at = at + 1
    return out.tobytes()


@dataclass
class _Rows:
    """Rows of the stream as (line, cells, None), keeping the batches they came from."""

    lay: Layout
    options: Options
    pending: deque[pa.RecordBatch] = field(default_factory=deque)
    next_line: int = 2

    def lines(self, batch: pa.RecordBatch) -> list[int]:
        """The line number of each row of a batch (the next batch's numbers follow on)."""
        if batch.schema.names != self.lay.names:
            raise UsageError(
                "the batches of one stream must have the same columns in the same order"
            )
        line_column = self.options.line_column
        if line_column is not None:
            index = batch.schema.get_field_index(line_column)
            return [int(v) if v is not None else 0 for v in batch.column(index).to_pylist()]
        lines = list(range(self.next_line, self.next_line + batch.num_rows))
        self.next_line += batch.num_rows
        return lines

    def cells(self, batch: pa.RecordBatch) -> tuple[list[list[str]], list[int]]:
        """The text cells of a batch, column by column, and the line number of each row."""
        lines = self.lines(batch)
        return [[cell_text(v) for v in col.to_pylist()] for col in batch.columns], lines

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
        return long_records(rows, lay.tab)
    return (wide_record(line, cells, lay.tab) for line, cells, _ in rows)


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
            lines = rows.lines(batch)
            stats = BatchStats()
            added = fast.run(batch, lines, stats) if fast is not None else None
            if added is None:
                stats = BatchStats()
                cells: list[list[str]] = []
                columns = [[cell_text(v) for v in col.to_pylist()] for col in batch.columns]
                for line, row in zip(lines, zip(*columns, strict=True), strict=True):
                    record = wide_record(line, list(row), lay.tab)
                    result = interpret_record(record, ranges, scheme, context)
                    count(stats, result)
                    cells.extend(_contract_rows(record, result, lay, scheme))
                added = _arrays(_transpose(cells, lay), lay)
            if on_stats is not None:
                on_stats(stats)
            yield _attached(batch, added, out_schema)
        return
    done: list[list[str]] = []
    stats = BatchStats()
    for record in _records(rows.feed(batches), lay):
        result = interpret_record(record, ranges, scheme, context)
        count(stats, result)
        done.extend(_contract_rows(record, result, lay, scheme))
        while rows.pending and len(done) >= rows.pending[0].num_rows:
            batch = rows.pending.popleft()
            yield _attached(
                batch, _arrays(_transpose(done[: batch.num_rows], lay), lay), out_schema
            )
            del done[: batch.num_rows]
    while rows.pending:  # batches of no rows
        batch = rows.pending.popleft()
        yield _attached(batch, _arrays(_transpose(done[: batch.num_rows], lay), lay), out_schema)
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
    kinds: list[str]
    """What each added column holds (see :class:`Layout`)."""

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
            fast=fast,
            source=source,
            ranges=ranges,
            scheme=scheme,
            context=context,
            out=io.StringIO(),
            formula_guard=False,
            stats=BatchStats(),
            columns=columns,
            units=units,
        )
        return cls(runner, len(lay.names), lay.kinds)

    def run(
        self, batch: pa.RecordBatch, lines: list[int], stats: BatchStats
    ) -> list[pa.Array] | None:
        """The added columns of one batch, or None when it must go row by row: its rows are
        not numbered one after another, or one is blank (a CSV reader skips those)."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        n = len(lines)
        if n == 0:
            return [pa.array([], _type(kind)) for kind in self.kinds]
        if lines != list(range(lines[0], lines[0] + n)):
            return None
        data, tally = self.runner.judge_chunk(lines[0], csv_body(batch))
        if tally.blank_rows or tally.stats.samples != n:
            return None
        names = [f"c{i}" for i in range(self.width + len(self.kinds))]
        added = names[self.width :]
        table = pcsv.read_csv(
            pa.py_buffer(data),
            read_options=pcsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                include_columns=added,
                # An empty cell is null, as row by row (see _arrays).
                column_types={c: _type(k) for c, k in zip(added, self.kinds, strict=True)},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        if table.num_rows != n:
            return None
        merge(stats, tally.stats)
        return [column.combine_chunks() for column in table.columns]


def _attached(batch: pa.RecordBatch, added: list[pa.Array], schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([*batch.columns, *added], schema=schema)


def _arrays(added: Sequence[Sequence[str]], lay: Layout) -> list[pa.Array]:
    """The added columns, typed: a grade is an int8, an empty cell is null."""
    import pyarrow as pa

    return [
        pa.array([int(c) if c else None for c in column], pa.int8())
        if kind == "grade"
        else pa.array([c or None for c in column], pa.string())
        for column, kind in zip(added, lay.kinds, strict=True)
    ]


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

    from cbc_cli.writers.trend_csv import TREND_CSV_COLUMNS

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
    from cbc_cli.trend import DEFAULT_ANALYTES, TrendOptions, build_trend
    from cbc_cli.writers.trend_csv import trend_rows

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
