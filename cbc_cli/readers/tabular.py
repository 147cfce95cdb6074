"""CSV and TSV exports, wide (a row per sample) or long (a row per result), as Records.

Rows stream through: one sample is held at a time. Long-layout rows are grouped while their
``sample_id`` (and ``collected_at``) stay the same, so a file sorted by sample is read whole; a
sample whose rows are not together is read as separate samples, and the reader says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from cbc_cli.analytes import find_analyte
from cbc_cli.errors import InputError
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.readers.columns import ColumnMap, map_columns
from cbc_cli.readers.records import CellReader, Record, is_missing
from cbc_cli.units import Quantity
from cbc_cli.wording import plural

DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields (quotes respected)."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


@dataclass
class Tabular:
    """An opened tabular input: its header, what the columns hold, and its records."""

    header: list[str]
    columns: ColumnMap
    delimiter: str
    decimal_comma: bool
    records: Iterator[Record]
    notes: list[str] = field(default_factory=list)


def read_tabular(
    lines: Iterator[str],
    *,
    delimiter: str | None = None,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    first_line: int = 1,
) -> Tabular:
    """Read the header and set up the record stream.

    With ``;`` as delimiter a comma inside a number is a decimal comma (``9,1``).
    ``first_line`` is the line number of the first line given (a part of a longer input).

    Raises:
        InputError: no header, or no column cbc can read as an analyte.
    """
    header_line = ""
    header_line_no = 0
    for header_line_no, header_line in enumerate(lines, start=first_line):  # noqa: B007
        if header_line.strip():
            break
    else:
        raise InputError("the input is empty", hint="give a file with a header row and data rows")
    delim = delimiter or sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delim))
    while header and not header[-1].strip():
        header.pop()  # trailing empty columns
    cmap = map_columns(header, column_options, unit_options)
    if not cmap.analytes and not cmap.is_long:
        # The cells are not shown: without a header row, this line is a patient's results.
        raise InputError(
            "no column of the header is an analyte cbc reads (the header is line "
            f"{header_line_no}, of {plural(len(header), 'column')})",
            hint="the first line must be a header row naming the columns as in the lab report "
            "(Hb, PLT, WBC, ANC, ...); map other names with --column NAME=ANALYTE",
        )
    tab = Tabular(header, cmap, delim, delim == ";", iter(()))
    rows = _rows(lines, delim, header_line_no, tab)
    tab.records = _long_records(rows, tab) if cmap.is_long else _wide_records(rows, tab)
    return tab


def _rows(
    lines: Iterator[str], delim: str, start: int, tab: Tabular
) -> Iterator[tuple[int, list[str], str | None]]:
    """Rows as (line, cells, why the row cannot be parsed or None); blank rows skipped.

    The csv module runs strict so that a quote that never closes is caught instead of
    swallowing every later line into one field: the row where it opens becomes an error row and
    the lines after it are read again. Text after a closing quote on one line (``"a"b``) is
    read leniently, as spreadsheets do.
    """
    taken: list[tuple[int, str]] = []  # physical lines of the record being parsed
    again: list[tuple[int, str]] = []  # lines to read again, the next one last
    number = start
    eof = False

    def feed() -> Iterator[str]:
        nonlocal number, eof
        eof = False
        while again:
            taken.append(again.pop())
            yield taken[-1][1]
        for text in lines:
            number += 1
            taken.append((number, text))
            yield text
        eof = True

    blank = 0
    while True:
        try:
            # A new feed each time: the last one may have ended at the end of the input.
            for cells in csv.reader(feed(), delimiter=delim, strict=True):
                line = taken[0][0]
                taken.clear()
                if not any(c.strip() for c in cells):
                    blank += 1
                    continue
                yield line, cells, None
            break
        except csv.Error:
            (line, text), rest = taken[0], taken[1:]
            taken.clear()
            again.extend(reversed(rest))
            problem: str | None = (
                "the row cannot be parsed as CSV: a quote opened in it is not closed"
            )
            try:
                cells = next(csv.reader([text.rstrip("\r\n")], delimiter=delim), [])
            except csv.Error as lenient:
                cells, problem = [], f"the row cannot be parsed as CSV ({lenient})"
            else:
                if not rest and not eof:
                    problem = None  # a quirk on one line: read as spreadsheets read it
            if problem is None and not any(c.strip() for c in cells):
                blank += 1
                continue
            yield line, cells, problem
    if blank:
        tab.notes.append(f"{plural(blank, 'blank row')} skipped")


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
            yield Record(
                line, error=ErrorInfo(line=line, message=problem), rows=[(line, cells, None)]
            )
            continue
        yield wide_record(line, cells, tab)


def wide_record(line: int, cells: list[str], tab: Tabular) -> Record:
    """The record of one wide-layout row whose fields fit the header."""
    cmap = tab.columns
    width = len(tab.header)
    padded = cells + [""] * (width - len(cells))

    def get(key: str) -> str | None:
        index = cmap.context.get(key)
        return None if index is None else padded[index]

    cell = CellReader(line, decimal_comma=tab.decimal_comma)
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
        if flag and not is_missing(flag):
            flags[analyte_id] = flag.strip()
    sample_id = get("sample_id")
    record = Record(
        line,
        sample_id=sample_id.strip() if sample_id else None,
        cell_errors=cell.errors,
        collected_at=get("collected_at"),
        patient_id=get("patient_id"),
        rows=[(line, cells, None)],
    )
    if not values:
        # Nothing to interpret: an error row (its cells' problems say why), never "ok".
        message = (
            "no value in this row could be read" if cell.errors else "no analyte value in this row"
        )
        record.error = ErrorInfo(line=line, message=message)
    else:
        record.panel = Panel(values, patient, record.sample_id, lab, flags)
    return record


def _at(cells: list[str], index: int | None) -> str | None:
    return None if index is None else cells[index]


def _long_records(
    rows: Iterator[tuple[int, list[str], str | None]], tab: Tabular
) -> Iterator[Record]:
    cmap = tab.columns
    width = len(tab.header)
    group: list[tuple[int, list[str]]] = []
    key: tuple[str, str] | None = None
    seen: dict[tuple[str, str], int] = {}
    for line, cells, parse_problem in rows:
        problem = _bad_row(cells, width, parse_problem)
        if problem:
            if group:
                yield _long_sample(group, tab, seen)
                group, key = [], None
            yield Record(
                line, error=ErrorInfo(line=line, message=problem), rows=[(line, cells, None)]
            )
            continue
        padded = cells + [""] * (width - len(cells))
        row_key = (
            _cell(padded, cmap.context.get("sample_id")),
            _cell(padded, cmap.context.get("collected_at")),
        )
        if group and row_key != key:
            yield _long_sample(group, tab, seen)
            group = []
        key = row_key
        group.append((line, padded))
    if group:
        yield _long_sample(group, tab, seen)


def _cell(cells: list[str], index: int | None) -> str:
    return "" if index is None else cells[index].strip()


def _long_sample(
    group: list[tuple[int, list[str]]], tab: Tabular, seen: dict[tuple[str, str], int]
) -> Record:
    cmap = tab.columns
    first_line, first = group[0]
    ctx = cmap.context
    key = (_cell(first, ctx.get("sample_id")), _cell(first, ctx.get("collected_at")))
    cell = CellReader(first_line, decimal_comma=tab.decimal_comma)
    if key in seen and key[0]:
        tab.notes.append(
            f"line {first_line} has the sample id of line {seen[key]}, with rows of other "
            "samples between: read as a separate sample; sort the file by sample_id"
        )
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
        if flag and not is_missing(flag):
            flags[analyte.id] = flag.strip()
    sample_id = key[0] or None
    record = Record(
        first_line,
        sample_id=sample_id,
        cell_errors=cell.errors,
        collected_at=key[1] or None,
        patient_id=get("patient_id"),
        rows=rows,
    )
    if not values:
        message = (
            "no value in this sample could be read"
            if cell.errors
            else "no analyte cbc reads in this sample"
        )
        record.error = ErrorInfo(line=first_line, message=message)
    else:
        record.panel = Panel(values, patient, sample_id, lab, flags)
    return record
