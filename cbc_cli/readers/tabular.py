"""CSV and TSV exports, wide (a row per sample) or long (a row per result), as Records.

Rows stream through: one sample is held at a time. Long-layout rows are grouped while their
``sample_id`` (and ``collected_at``) stay the same, so a file sorted by sample is read whole; a
sample whose rows are not together is read as separate samples, and the reader says so.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cbc_cli.analytes import find_analyte
from cbc_cli.errors import CbcError, InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits, past
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.readers.columns import ColumnMap, map_columns, unread_notes
from cbc_cli.readers.records import CellReader, DateOrders, Record, is_missing
from cbc_cli.readers.source import LongLine
from cbc_cli.units import Quantity
from cbc_cli.wording import plural

DELIMITERS = (",", ";", "\t", "|")
_CSV_FIELD_CAP = (1 << 31) - 1
"""The most the csv module takes as its field size limit (a C long on every platform)."""


def allow_fields(limits: Limits) -> None:
    """Let the csv module parse any field a line within ``limits.line`` can hold.

    Its own limit (128 KiB by default, process-wide) would end a long cell with an error that
    loses the whole row; cbc checks cells against ``limits.field`` itself, keeping the row's
    other cells, and bounds a row by ``limits.line``.
    """
    wanted = min(max(limits.line, limits.field) + 1, _CSV_FIELD_CAP)
    if csv.field_size_limit() < wanted:
        csv.field_size_limit(wanted)


class LimitProblem(str):
    """Why a row is an error row when a limit made it one: its cells are what was read, so the
    sample id among them is kept."""

    __slots__ = ()


class SeenSamples(Protocol):
    """Where each (sample id, collection time) of long-layout input was first seen: a dict, or
    the columnar path's index, which outlives one reader."""

    def get(self, key: tuple[str, str], /) -> int | None:
        """The first line of the sample with this key, or None."""

    def setdefault(self, key: tuple[str, str], line: int, /) -> int:
        """Remember ``line`` as the key's first line unless one is known; the first line."""


def split_sample_note(line: int, first: int) -> str:
    """The note for a long-layout sample whose id came before, with other samples between."""
    return (
        f"line {line} has the sample id of line {first}, with rows of other "
        "samples between: read as a separate sample; sort the file by sample_id"
    )


class _TooLong(Exception):
    """A row reached past ``Limits.line`` while it was being parsed."""


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields (quotes respected)."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


HEADER_SEARCH_LINES = 30
"""How many lines from the start may hold the header when the first line names no analyte.

Lab and analyser exports put a report title, the lab's name, a date and blank lines above the
header: a handful, rarely more than 15. 30 covers them while a file with no header is refused
after looking at no more than 30 lines (``--skip-lines N`` reaches further)."""


@dataclass
class HeaderLine:
    """Where the header is: its line number and text, the lines after it, and how many non-blank
    lines above it were skipped."""

    line: int
    text: str
    rest: Iterator[str]
    skipped: int = 0


def _header_map(
    text: str, delimiter: str | None, extra: Mapping[str, str] | None
) -> ColumnMap | None:
    """The line read as a header; None when two of its columns name one analyte."""
    cells = next(csv.reader([text], delimiter=delimiter or sniff_delimiter(text)), [])
    try:
        return map_columns(cells, extra)
    except CbcError:
        return None


def _names_analyte(cmap: ColumnMap | None) -> bool:
    # Two columns naming one analyte make a header too: read_tabular reports the problem.
    return cmap is None or bool(cmap.analytes) or cmap.is_long


def _mostly_known(cmap: ColumnMap | None) -> bool:
    """Most non-empty cells are names cbc knows and one is an analyte: a header row, not a
    title, a lab's address or a date."""
    if cmap is None:
        return True
    cells = sum(1 for c in cmap.header if c.strip())
    known = cells - len(cmap.unread)
    return _names_analyte(cmap) and known * 2 > cells


_NUMBER_CELL = re.compile(r"^\s*[<>]?\s*[-+]?\d+(?:[.,]\d+)?\s*$")


def _rows_of_data(above: list[str], header: str, delimiter: str | None) -> bool:
    """Whether any line above a header found below the first fills more than half the header's
    columns, two of them with numbers: a row of results (a file whose rows were moved), not a
    title, a lab's name or a date. Such a file is not skipped into."""
    delim = delimiter or sniff_delimiter(header)
    width = sum(1 for c in next(csv.reader([header], delimiter=delim), []) if c.strip())
    for line in above:
        cells = [c for c in next(csv.reader([line], delimiter=delim), []) if c.strip()]
        numbers = sum(1 for c in cells if _NUMBER_CELL.match(c))
        if len(cells) * 2 > width and numbers >= 2:
            return True
    return False


def find_header(
    lines: Iterator[str],
    *,
    first_line: int = 1,
    skip_lines: int | None = None,
    delimiter: str | None = None,
    extra_aliases: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> HeaderLine:
    """Find the header row: the first non-blank line (after ``skip_lines`` lines, when given)
    when it names an analyte or none is given; otherwise the first of the next
    :data:`HEADER_SEARCH_LINES` lines where most cells are names cbc knows and one names an
    analyte, unless a line above it fills more than half its columns (rows of results are
    never skipped). When none does, the first non-blank line (read_tabular then says it names
    no analyte). A first line that names an analyte is the header whatever follows it: the
    columnar path, which reads only that line, decides alike.

    Raises:
        InputError: an empty input, or a header line past ``limits.line``.
    """
    number = first_line - 1
    skipped = 0
    first: tuple[int, str] | None = None
    window: list[str] = []
    for text in lines:
        number += 1
        if skip_lines is not None and number - first_line < skip_lines:
            skipped += bool(text.strip())
            continue
        if first is None:
            if isinstance(text, LongLine):
                raise InputError(
                    f"line {number}: the header line is longer than {past('line', limits)}",
                    code="limit.exceeded",
                    hint="check that this is a CSV or TSV export",
                )
            if not text.strip():
                continue
            first = (number, text)
            if skip_lines is not None or _names_analyte(
                _header_map(text, delimiter, extra_aliases)
            ):
                return HeaderLine(number, text, lines, skipped)
            continue
        window.append(text)
        if isinstance(text, LongLine) or len(window) >= HEADER_SEARCH_LINES:
            break
        cmap = _header_map(text, delimiter, extra_aliases) if text.strip() else None
        if text.strip() and _mostly_known(cmap):
            above = [first[1], *(t for t in window[:-1] if t.strip())]
            if _rows_of_data(above, text, delimiter):
                break  # never skip rows of results: the first line is read as the header
            return HeaderLine(number, text, lines, len(above))
    if first is None:
        if skip_lines:
            raise InputError(
                f"the input has no header after the {plural(skip_lines, 'line')} skipped",
                code="file.empty",
                field="skip_lines",
                hint="check {skip_lines}",
            )
        raise InputError(
            "the input is empty",
            code="file.empty",
            hint="give a file with a header row and data rows",
        )
    return HeaderLine(first[0], first[1], itertools.chain(window, lines), skipped)


@dataclass
class Tabular:
    """An opened tabular input: its header, what the columns hold, and its records."""

    header: list[str]
    columns: ColumnMap
    delimiter: str
    decimal_comma: bool
    records: Iterator[Record]
    notes: list[str] = field(default_factory=list)
    header_notes: int = 0
    """How many of ``notes`` are about the header (said once, before any row's)."""
    date_format: str | None = None
    """How year-last dates are read (``--date-format``; None: only unambiguous ones)."""
    date_orders: DateOrders = field(default_factory=dict)
    """The orders the file's dates have shown, for the errors of ambiguous ones."""
    blank_rows: int = 0
    """Rows skipped as blank (once the records are read); a note says so."""


def blank_note(count: int) -> str:
    """The note that ``count`` blank rows were skipped."""
    return f"{plural(count, 'blank row')} skipped"


def read_tabular(
    lines: Iterator[str],
    *,
    delimiter: str | None = None,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    first_line: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    skip_lines: int | None = None,
    date_format: str | None = None,
    seen: SeenSamples | None = None,
    also_reads: Mapping[str, str] | None = None,
) -> Tabular:
    """Read the header and set up the record stream.

    The header is found by :func:`find_header` (lines above it, such as a report title, are
    skipped and counted in a note), or is the first non-blank line after ``skip_lines`` lines.

    With ``;`` as delimiter a comma inside a number is a decimal comma (``9,1``).
    ``first_line`` is the line number of the first line given (a part of a longer input).
    A data row past ``limits.line``, or with a cell past ``limits.field``, is an error row.
    ``seen`` holds the long-layout samples read before (by default none). ``also_reads``
    ({column name: what it is read as}) names columns the caller reads itself: the notes say
    they are read, not ignored (:func:`~cbc_cli.readers.columns.unread_notes`).

    Raises:
        InputError: no header, a header past a limit, or no column cbc can read as an analyte.
    """
    allow_fields(limits)
    found = find_header(
        lines,
        first_line=first_line,
        skip_lines=skip_lines,
        delimiter=delimiter,
        extra_aliases=column_options,
        limits=limits,
    )
    header_line_no, header_line, lines = found.line, found.text, found.rest
    delim = delimiter or sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delim))
    for index, name in enumerate(header, start=1):
        if len(name) > limits.field:
            raise InputError(
                f"line {header_line_no}: header column {index} is longer than "
                f"{past('field', limits)}",
                code="limit.exceeded",
                hint="a header names its columns: check that this is a CSV or TSV export",
            )
    while header and not header[-1].strip():
        header.pop()  # trailing empty columns
    cmap = map_columns(header, column_options, unit_options)
    if not cmap.analytes and not cmap.is_long:
        # The cells are not shown: without a header row, this line is a patient's results.
        raise InputError(
            "no column of the header is an analyte cbc reads (the header is line "
            f"{header_line_no}, of {plural(len(header), 'column')})",
            code="column.unknown",
            hint="give a header row naming the columns as in the lab report (Hb, PLT, WBC, "
            f"ANC, ...) within the first {HEADER_SEARCH_LINES} lines, or say where it is with "
            "{skip_lines} N; map other names with {column} NAME=ANALYTE",
        )
    tab = Tabular(header, cmap, delim, delim == ";", iter(()), date_format=date_format)
    if found.skipped:
        # The count only: lines above a header may name the patient.
        tab.notes.append(
            f"{plural(found.skipped, 'line')} above the header skipped (the header is line "
            f"{header_line_no}; --skip-lines N sets how many)"
        )
    tab.notes.extend(unread_notes(cmap, also_reads))
    tab.header_notes = len(tab.notes)
    rows = _rows(lines, delim, header_line_no, tab, limits)
    tab.records = long_records(rows, tab, seen) if cmap.is_long else _wide_records(rows, tab)
    return tab


def _rows(
    lines: Iterator[str], delim: str, start: int, tab: Tabular, limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[int, list[str], str | None]]:
    """Rows as (line, cells, why the row cannot be parsed or None); blank rows skipped.

    The csv module runs strict so that a quote that never closes is caught instead of
    swallowing every later line into one field: the row where it opens becomes an error row and
    the lines after it are read again. So does a row whose quoted line breaks take it past
    ``limits.line`` (at most that much is held). Text after a closing quote on one line
    (``"a"b``) is read leniently, as spreadsheets do. A line past the limit (a LongLine) and a
    row with a cell past ``limits.field`` are error rows that keep the cells read, the long
    ones left empty.
    """
    taken: list[tuple[int, str]] = []  # physical lines of the record being parsed
    again: list[tuple[int, str]] = []  # lines to read again, the next one last
    number = start
    eof = False
    size = 0  # characters in ``taken``

    def take(item: tuple[int, str]) -> str:
        nonlocal size
        taken.append(item)
        size += len(item[1])
        if size > limits.line or isinstance(item[1], LongLine):
            raise _TooLong
        return item[1]

    def feed() -> Iterator[str]:
        nonlocal number, eof
        eof = False
        while again:
            yield take(again.pop())
        for text in lines:
            number += 1
            yield take((number, text))
        eof = True

    blank = 0
    while True:
        try:
            # A new feed each time: the last one may have ended at the end of the input.
            for cells in csv.reader(feed(), delimiter=delim, strict=True):
                line, length = taken[0][0], size
                taken.clear()
                size = 0
                if not any(c.strip() for c in cells):
                    blank += 1
                    continue
                too_long = _long_cells(cells, tab, limits) if length > limits.field else None
                yield line, cells, too_long
            break
        except (csv.Error, _TooLong) as exc:
            (line, text), rest = taken[0], taken[1:]
            taken.clear()
            size = 0
            again.extend(reversed(rest))
            if isinstance(text, LongLine):
                # Only the line's start was read: its whole cells are kept, the one the limit
                # cuts is not (cut off first: the csv module holds a field at 4 bytes a
                # character).
                whole = text[: text.rfind(delim) + 1]
                cells = next(csv.reader([whole], delimiter=delim), [])[:-1]
                _long_cells(cells, tab, limits)
                yield line, cells, LimitProblem(f"the line is longer than {past('line', limits)}")
                continue
            # The input ended inside the quoted cell (csv's "unexpected end of data" with no
            # line left), or the line limit did. The columnar path holds an open quote until
            # it closes, passes the limit or the input ends, so it meets the same two cases.
            problem: str | None = (
                "the file ends inside a quoted cell (a quote opened on line "
                f"{line} is never closed)"
                if isinstance(exc, csv.Error) and eof
                else "the row cannot be parsed as CSV: a quote opened in it is not closed "
                "within " + past("line", limits)
            )
            try:
                cells = next(csv.reader([text.rstrip("\r\n")], delimiter=delim), [])
            except csv.Error as lenient:
                cells, problem = [], f"the row cannot be parsed as CSV ({lenient})"
            else:
                if isinstance(exc, csv.Error) and not rest and not eof:
                    problem = None  # a quirk on one line: read as spreadsheets read it
            if problem is None and not any(c.strip() for c in cells):
                blank += 1
                continue
            if len(text) > limits.field:
                problem = _long_cells(cells, tab, limits) or problem
            yield line, cells, problem
    if blank:
        tab.blank_rows = blank
        tab.notes.append(blank_note(blank))


def _long_cells(cells: list[str], tab: Tabular, limits: Limits) -> LimitProblem | None:
    """Empty the cells past ``limits.field`` (in place); why the row is an error row, if so."""
    long = [i for i, c in enumerate(cells) if len(c) > limits.field]
    for i in long:
        cells[i] = ""
    if not long:
        return None
    names = ", ".join(
        repr(tab.header[i]) if i < len(tab.header) else f"field {i + 1}" for i in long[:3]
    )
    what = f"the cell in column {names} is" if len(long) == 1 else f"cells in columns {names} are"
    return LimitProblem(f"{what} longer than {past('field', limits)}")


def _bad_row(cells: list[str], width: int, problem: str | None) -> str | None:
    if problem:
        return problem
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        return f"the row has {len(cells)} fields but the header has {width}"
    return None


def _wide_records(
    rows: Iterator[tuple[int, list[str], str | None]], tab: Tabular
) -> Iterator[Record]:
    width = len(tab.header)
    for line, cells, parse_problem in rows:
        problem = _bad_row(cells, width, parse_problem)
        if problem:
            yield _error_record(line, cells, problem, tab)
            continue
        yield wide_record(line, cells, tab)


def _error_record(line: int, cells: list[str], problem: str, tab: Tabular) -> Record:
    """The error row of a row that cannot be read. A limit's cells were read as they are, so
    it keeps what says whose row it is: the sample id, patient id and collection time."""

    def get(key: str) -> str | None:
        index = tab.columns.context.get(key)
        if not isinstance(problem, LimitProblem) or index is None or index >= len(cells):
            return None
        return cells[index].strip() or None

    return Record(
        line,
        sample_id=get("sample_id"),
        error=ErrorInfo(
            line=line,
            code="limit.exceeded" if isinstance(problem, LimitProblem) else "input.invalid",
            message=problem,
        ),
        collected_at=get("collected_at"),
        patient_id=get("patient_id"),
        rows=[(line, cells, None)],
    )


def wide_record(line: int, cells: list[str], tab: Tabular) -> Record:
    """The record of one wide-layout row whose fields fit the header."""
    cmap = tab.columns
    width = len(tab.header)
    padded = cells + [""] * (width - len(cells))

    def get(key: str) -> str | None:
        index = cmap.context.get(key)
        return None if index is None else padded[index]

    cell = CellReader(
        line,
        decimal_comma=tab.decimal_comma,
        date_format=tab.date_format,
        date_orders=tab.date_orders,
    )
    patient = cell.patient(get)
    values: dict[str, Quantity] = {}
    lab: dict[str, LabRange] = {}
    flags: dict[str, str] = {}
    for index, analyte_id in cmap.analytes.items():
        if is_missing(padded[index]):
            continue
        usable, unit = cell.unit(
            analyte_id,
            tab.header[index],
            cmap.header_units.get(analyte_id),
            _at(padded, cmap.unit_columns.get(analyte_id)),
        )
        if not usable:
            continue
        q = cell.value(analyte_id, tab.header[index], padded[index], unit)
        if q is None:
            continue
        values[analyte_id] = q
        lab_range = cell.lab_range(
            analyte_id,
            tab.header[index],
            low=_at(padded, cmap.ref_low_columns.get(analyte_id)),
            high=_at(padded, cmap.ref_high_columns.get(analyte_id)),
            text=_at(padded, cmap.range_columns.get(analyte_id)),
            unit=unit,
        )
        if lab_range is not None:
            lab[analyte_id] = lab_range
        flag = _at(padded, cmap.flag_columns.get(analyte_id))
        printed = cell.lab_flags.pop(analyte_id, None)  # "9.1 L": the flag with the value
        if flag and not is_missing(flag):
            flags[analyte_id] = flag.strip()
        elif printed:
            flags[analyte_id] = printed
    sample_id = get("sample_id")
    record = Record(
        line,
        sample_id=sample_id.strip() if sample_id else None,
        cell_errors=cell.errors,
        collected_at=get("collected_at"),
        patient_id=get("patient_id"),
        collected=cell.collected,
        collected_problem=cell.collected_problem,
        rows=[(line, cells, None)],
    )
    if not values:
        # Nothing to interpret: an error row (its cells' problems say why), never "ok".
        message = (
            "no value in this row could be read" if cell.errors else "no analyte value in this row"
        )
        record.error = ErrorInfo(line=line, code="sample.empty", message=message)
    else:
        record.panel = Panel(
            values, patient, record.sample_id, lab, flags, unread=frozenset(cell.unread)
        )
    return record


def _at(cells: list[str], index: int | None) -> str | None:
    return None if index is None else cells[index]


def long_records(
    rows: Iterator[tuple[int, list[str], str | None]],
    tab: Tabular,
    seen: SeenSamples | None = None,
) -> Iterator[Record]:
    """The samples of a long layout (a row per result): consecutive rows with the same sample id
    and collection time make one record. Also read by cbc_cli.arrow for Arrow batches.

    ``seen`` remembers each sample's first line, so a sample whose rows come back after other
    samples' is read as a separate sample, with a note (the columnar path passes its own index).
    """
    if seen is None:
        seen = {}
    cmap = tab.columns
    width = len(tab.header)
    group: list[tuple[int, list[str]]] = []
    key: tuple[str, str] | None = None
    for line, cells, parse_problem in rows:
        problem = _bad_row(cells, width, parse_problem)
        if problem:
            if group:
                yield long_record(group, tab, seen)
                group, key = [], None
            yield _error_record(line, cells, problem, tab)
            continue
        padded = cells + [""] * (width - len(cells))
        row_key = (
            _cell(padded, cmap.context.get("sample_id")),
            _cell(padded, cmap.context.get("collected_at")),
        )
        if group and row_key != key:
            yield long_record(group, tab, seen)
            group = []
        key = row_key
        group.append((line, padded))
    if group:
        yield long_record(group, tab, seen)


def _cell(cells: list[str], index: int | None) -> str:
    return "" if index is None else cells[index].strip()


def long_record(group: list[tuple[int, list[str]]], tab: Tabular, seen: SeenSamples) -> Record:
    """The record of one long-layout sample: its rows (line, cells padded to the header), in
    order, all with the same sample id and collection time."""
    cmap = tab.columns
    first_line, first = group[0]
    ctx = cmap.context
    key = (_cell(first, ctx.get("sample_id")), _cell(first, ctx.get("collected_at")))
    cell = CellReader(
        first_line,
        decimal_comma=tab.decimal_comma,
        date_format=tab.date_format,
        date_orders=tab.date_orders,
    )
    earlier = seen.get(key)
    if earlier is not None and key[0]:
        tab.notes.append(split_sample_note(first_line, earlier))
    seen.setdefault(key, first_line)

    def get(name: str) -> str | None:
        index = ctx.get(name)
        if index is None:
            return None
        return next((cells[index] for _, cells in group if not is_missing(cells[index])), None)

    patient = cell.patient(get)
    values: dict[str, Quantity] = {}
    lab: dict[str, LabRange] = {}
    flags: dict[str, str] = {}
    rows: list[tuple[int, list[str], str | None]] = []
    first_seen: dict[str, int] = {}
    for line, cells in group:
        analyte = find_analyte(_cell(cells, ctx["analyte"]))
        # A row carries its analyte (and so gets its flag in CSV output) only when its value is
        # the one interpreted: not a non-CBC test, an NA, or a repeat that is not used.
        if analyte is None or analyte.id in first_seen or is_missing(cells[ctx["value"]]):
            rows.append((line, cells, None))
        else:
            rows.append((line, cells, analyte.id))
        if analyte is None:
            continue
        column = tab.header[ctx["value"]]
        if analyte.id in first_seen:
            cell.fail(
                analyte.id,
                f"{analyte.id} is given twice in this sample (lines "
                f"{first_seen[analyte.id]} and {line}); the first is used",
                line,
            )
            continue
        if is_missing(cells[ctx["value"]]):
            continue  # an NA row does not hide a later row with the value
        first_seen[analyte.id] = line
        usable, unit = cell.unit(
            analyte.id,
            column,
            cmap.header_units.get(analyte.id),
            _cell(cells, ctx.get("unit")),
            line,
        )
        if not usable:
            continue
        q = cell.value(analyte.id, column, cells[ctx["value"]], unit, line)
        if q is None:
            continue
        values[analyte.id] = q
        lab_range = cell.lab_range(
            analyte.id,
            analyte.id,
            low=_at(cells, ctx.get("ref_low")),
            high=_at(cells, ctx.get("ref_high")),
            text=_at(cells, ctx.get("reference_range")),
            unit=unit,
            line=line,
        )
        if lab_range is not None:
            lab[analyte.id] = lab_range
        flag = _at(cells, ctx.get("lab_flag"))
        printed = cell.lab_flags.pop(analyte.id, None)  # "9.1 L": the flag with the value
        if flag and not is_missing(flag):
            flags[analyte.id] = flag.strip()
        elif printed:
            flags[analyte.id] = printed
    sample_id = key[0] or None
    record = Record(
        first_line,
        sample_id=sample_id,
        cell_errors=cell.errors,
        collected_at=key[1] or None,
        patient_id=get("patient_id"),
        collected=cell.collected,
        collected_problem=cell.collected_problem,
        rows=rows,
    )
    if not values:
        message = (
            "no value in this sample could be read"
            if cell.errors
            else "no analyte cbc reads in this sample"
        )
        record.error = ErrorInfo(line=first_line, code="sample.empty", message=message)
    else:
        record.panel = Panel(values, patient, sample_id, lab, flags, unread=frozenset(cell.unread))
    return record
