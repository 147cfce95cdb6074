"""Spreadsheets: the rows of one sheet of an .xlsx or .ods workbook, as CSV text lines for the
tabular reader, so that a sheet is read exactly as the same table exported to CSV.

Cells the sheet holds as numbers are written with their full precision (the shortest text that
reads back as the same number), percentages as ``35%``, dates as ISO 8601 (``2024-03-01``, or
``2024-03-01T08:30:00`` with a time), booleans as TRUE/FALSE. Line numbers are the sheet's row
numbers.

xlsx is read with openpyxl in read-only (streaming) mode, from the ``spreadsheet`` extra and
imported only here; ods with the standard library (zipfile and an incremental XML parse of
``content.xml``), which needs no extra.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree

from cbc_cli.errors import InputError, UsageError
from cbc_cli.limits import DEFAULT_LIMITS, Limits, past
from cbc_cli.readers.source import Source

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# _SAFE: ElementTree never loads external entities or DTDs, and the expat it runs on (2.4.1 and
# later, as CPython 3.11 ships) refuses entity-expansion bombs ("billion laughs"): an untrusted
# content.xml cannot reach files or blow up memory. Rows are cleared as they are read.


def sheet_lines(
    source: Source, fmt: str, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[str, Iterator[str]]:
    """The chosen sheet's name and its rows as CSV lines (comma-delimited, LF-ended; a row whose
    cell holds a line break spans lines, quoted, as in a CSV export).

    ``sheet`` is a sheet's name, or its position counted from 1; None for the first sheet.

    Raises:
        InputError: not a workbook, a damaged one, more than ``limits.line`` bytes held as a
            file, or no such sheet.
        UsageError: an .xlsx without the ``spreadsheet`` extra installed.
    """
    data = _whole(source, limits)
    if fmt == "xlsx":
        return _xlsx(source.name, data, sheet)
    return _ods(source.name, data, sheet)


def _whole(source: Source, limits: Limits) -> io.BytesIO:
    # A zip is read from its end (the central directory): the file is held whole, so its size
    # is bounded, and a bigger one refused rather than read into memory.
    data = source.stream.read(limits.workbook + 1)
    if len(data) > limits.workbook:
        raise InputError(
            f"{source.name}: the workbook is larger than {past('workbook', limits)}",
            code="limit.exceeded",
            hint="export the sheet as CSV, which is read as it streams",
        )
    return io.BytesIO(data)


def _pick(name: str, sheets: list[str], wanted: str | None) -> int:
    """The index of the wanted sheet: by name first (a sheet may be named "2"), then by its
    position from 1."""
    if not sheets:
        raise InputError(f"{name}: the workbook has no sheet", code="file.empty")
    if wanted is None:
        return 0
    if wanted in sheets:
        return sheets.index(wanted)
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(sheets):
        return int(wanted) - 1
    raise InputError(
        f"{name}: no sheet {wanted!r}",
        code="sheet.unknown",
        field="sheet",
        hint="the sheets are " + ", ".join(f"{i} {s!r}" for i, s in enumerate(sheets, 1)),
    )


def cell_text(value: Any, percent: bool = False) -> str:
    """The text of one cell value as a CSV export would carry it.

    >>> cell_text(9.1), cell_text(62), cell_text(0.355, percent=True)
    ('9.1', '62', '35.5%')
    >>> cell_text(datetime(2024, 3, 1)), cell_text(datetime(2024, 3, 1, 8, 30))
    ('2024-03-01', '2024-03-01T08:30:00')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        text = repr(value)  # the shortest text that reads back as this number
        if percent:
            try:
                scaled = (Decimal(text) * 100).normalize()
            except InvalidOperation:
                return text
            return f"{scaled:f}%"
        return text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for cells in rows:
        while cells and not cells[-1]:
            cells.pop()
        writer.writerow(cells)
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        yield from text.splitlines(keepends=True)


# --- xlsx ----------------------------------------------------------------------------------------


def _xlsx(name: str, data: io.BytesIO, wanted: str | None) -> tuple[str, Iterator[str]]:
    try:
        import openpyxl
    except ImportError:
        raise UsageError(
            f"{name}: reading .xlsx needs the spreadsheet extra",
            code="extra.missing",
            hint="pip install 'cbc-cli[spreadsheet]' (openpyxl), or save the sheet as CSV",
        ) from None
    try:
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise InputError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__})",
            code="file.unreadable",
            hint="open and save it again in a spreadsheet program, or export the sheet as CSV",
        ) from None
    index = _pick(name, book.sheetnames, wanted)
    sheet = book.worksheets[index]
    # Some programs write a wrong used range: read the rows the sheet holds, not what it claims.
    sheet.reset_dimensions()

    def rows() -> Iterator[list[str]]:
        try:
            for row in sheet.iter_rows():
                yield [
                    cell_text(c.value, _is_percent(getattr(c, "number_format", ""))) for c in row
                ]
        finally:
            book.close()

    return book.sheetnames[index], _csv_lines(rows())


def _is_percent(number_format: object) -> bool:
    """Whether an Excel number format shows the value times 100 with a % (``0.0%``), not a
    literal % sign in quotes or escaped (``0.0"%"``, ``0.0\\%``), which shows the value as it is."""
    text = re.sub(r'"[^"]*"|\\.', "", str(number_format or ""))
    return "%" in text


# --- ods -----------------------------------------------------------------------------------------


def _ods(name: str, data: io.BytesIO, wanted: str | None) -> tuple[str, Iterator[str]]:
    try:
        archive = zipfile.ZipFile(data)
        names = _ods_sheet_names(archive)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        raise InputError(
            f"{name}: not a readable .ods workbook",
            code="file.unreadable",
            hint="open and save it again in a spreadsheet program, or export the sheet as CSV",
        ) from None
    index = _pick(name, names, wanted)
    return names[index], _csv_lines(_ods_rows(name, archive, index))


def _ods_sheet_names(archive: zipfile.ZipFile) -> list[str]:
    names: list[str] = []
    with archive.open("content.xml") as content:
        for _, elem in ElementTree.iterparse(content, events=("start",)):  # noqa: S314 - _SAFE
            if elem.tag == f"{{{_TABLE}}}table":
                names.append(elem.get(f"{{{_TABLE}}}name") or f"Sheet{len(names) + 1}")
    return names


def _ods_rows(name: str, archive: zipfile.ZipFile, index: int) -> Iterator[list[str]]:
    """The rows of the index-th table. Repeated empty rows and cells (a sheet's unused area,
    written as one row repeated a million times) are expanded only when content follows."""
    table = f"{{{_TABLE}}}table"
    row_tag = f"{{{_TABLE}}}table-row"
    cell_tags = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
    seen = -1
    blank_rows = 0
    try:
        with archive.open("content.xml") as content:
            parse = ElementTree.iterparse(content, events=("start", "end"))  # noqa: S314 - _SAFE
            for event, elem in parse:
                if event == "start" and elem.tag == table:
                    seen += 1
                    if seen > index:
                        break
                if seen != index or event != "end" or elem.tag != row_tag:
                    continue
                cells = _ods_row(elem, cell_tags)
                repeat = int(elem.get(f"{{{_TABLE}}}number-rows-repeated") or 1)
                elem.clear()
                if not any(cells):
                    blank_rows += repeat
                    continue
                for _ in range(blank_rows):
                    yield []
                blank_rows = 0
                for _ in range(repeat):
                    yield list(cells)
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError):
        raise InputError(
            f"{name}: the .ods workbook is damaged",
            code="file.unreadable",
            hint="open and save it again in a spreadsheet program, or export the sheet as CSV",
        ) from None


def _ods_row(row: ElementTree.Element, cell_tags: tuple[str, str]) -> list[str]:
    cells: list[str] = []
    pending = 0  # empty cells not yet written: only when a filled cell follows
    for cell in row:
        if cell.tag not in cell_tags:
            continue
        repeat = int(cell.get(f"{{{_TABLE}}}number-columns-repeated") or 1)
        text = _ods_cell(cell)
        if not text:
            pending += repeat
            continue
        cells.extend([""] * pending)
        pending = 0
        cells.extend([text] * repeat)
    return cells


def _ods_cell(cell: ElementTree.Element) -> str:
    kind = cell.get(f"{{{_OFFICE}}}value-type")
    if kind in ("float", "currency"):
        return cell.get(f"{{{_OFFICE}}}value") or ""  # as stored: full precision
    if kind == "percentage":
        return cell_text(float(cell.get(f"{{{_OFFICE}}}value") or "nan"), percent=True)
    if kind == "date":
        value = cell.get(f"{{{_OFFICE}}}date-value") or ""
        return value.removesuffix("T00:00:00")
    if kind == "time":
        return cell.get(f"{{{_OFFICE}}}time-value") or ""
    if kind == "boolean":
        return "TRUE" if cell.get(f"{{{_OFFICE}}}boolean-value") == "true" else "FALSE"
    paragraphs = cell.findall(f"{{{_TEXT}}}p")
    return "\n".join("".join(p.itertext()) for p in paragraphs)
