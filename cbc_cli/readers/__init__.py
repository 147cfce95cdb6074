"""Readers: every input format becomes a stream of Records (one per sample), never an exception
per row. :func:`read_input` picks the reader from ``--input-format`` or the content."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike

from cbc_cli.errors import InputError, UsageError
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.readers.columns import parse_column_options, parse_unit_options
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source, detect_format, iter_lines


@dataclass
class Input:
    """An opened input: its records and what is known about its layout."""

    records: Iterator[Record]
    format: str
    header: list[str] = field(default_factory=list)
    """The tabular header (empty for JSON and message formats)."""
    long: bool = False
    analytes: list[str] = field(default_factory=list)
    """Analyte ids with a column of their own (wide tabular input)."""
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    """Things worth saying about the input, filled in as records are read."""

    @property
    def tabular(self) -> bool:
        """Whether the input has rows and columns to carry through to CSV output."""
        return self.format in ("csv", "tsv", "parquet", "xlsx", "ods")


def read_input(
    source: Source,
    input_format: str = "auto",
    columns: Sequence[str] = (),
    units: Sequence[str] = (),
    *,
    limits: Limits = DEFAULT_LIMITS,
    skip_lines: int | None = None,
    sheet: str | None = None,
    date_format: str | None = None,
    also_reads: Mapping[str, str] | None = None,
) -> Input:
    """Open the records of a source with the reader its format needs, within ``limits``
    (README, Limits). ``date_format`` (``dmy``, ``mdy``, ``ymd`` or a strptime pattern) reads
    the year-last dates of CSV, TSV, spreadsheets and JSON (HL7 and FHIR fix their own date
    formats; a spreadsheet's date cells are read as ISO dates).

    Tabular input (CSV, TSV, a spreadsheet's sheet): ``skip_lines`` lines are skipped before
    the header (by default the header is found, see readers.tabular.find_header); ``sheet``
    picks a workbook's sheet by name or position from 1 (the first by default). ``also_reads``
    ({column name: what it is read as}) names the columns the caller reads itself, such as
    ``cbc trend``'s platelet transfusion column (``cbc_cli.trend.TREND_READS``): the notes say
    they are read, never that they are ignored. Only tabular input notes its columns; the other
    readers say nothing of fields they skip, so it changes nothing there.

    Raises:
        InputError: an empty or binary input, or a header with nothing cbc reads.
        UsageError: a bad ``--column``/``--unit`` option or an unknown format.
    """
    if isinstance(source, str | PathLike):
        raise TypeError(
            "read_input() takes an opened Source, e.g. read_input(open_source('file.csv')) "
            "(cbc_cli.readers.source.open_source); to interpret a file by its path, use "
            "cbc_cli.interpret_file('file.csv')"
        )
    head = source.peek(4096)
    detected = detect_format(head, source.name)
    if detected == "empty":
        raise InputError(
            f"{source.name}: the input is empty",
            code="file.empty",
            hint="give a file with a header row and data rows",
        )
    if detected == "binary" and input_format not in ("xlsx", "ods"):
        raise InputError(
            f"{source.name}: looks like a binary file, not text",
            code="file.unreadable",
            hint="give a CSV, TSV, JSON, NDJSON, HL7 or FHIR export (gzip is fine), or an "
            ".xlsx or .ods workbook",
        )
    fmt = detected if input_format == "auto" else input_format
    if input_format == "auto" and fmt in ("json", "ndjson") and b'"resourceType"' in head:
        fmt = "fhir"  # every FHIR resource names its type; plain sample objects do not
    column_options = parse_column_options(columns)
    unit_options = parse_unit_options(units)
    if sheet is not None and fmt not in ("xlsx", "ods"):
        raise UsageError(
            f"{{sheet}} applies to .xlsx and .ods workbooks, not {fmt} input",
            code="option.conflict",
            field="sheet",
        )
    if skip_lines is not None and fmt not in ("csv", "tsv", "xlsx", "ods"):
        raise UsageError(
            f"{{skip_lines}} applies to CSV, TSV and spreadsheets, not {fmt} input",
            code="option.conflict",
            field="skip_lines",
        )
    if fmt in ("csv", "tsv", "xlsx", "ods"):
        from cbc_cli.readers.tabular import read_tabular

        if fmt in ("xlsx", "ods"):
            from cbc_cli.readers.spreadsheet import sheet_lines

            _, lines = sheet_lines(source, fmt, sheet, limits)
        else:
            lines = iter_lines(source, limits)
        tab = read_tabular(
            lines,
            delimiter={"tsv": "\t", "csv": None}.get(fmt, ","),
            column_options=column_options,
            unit_options=unit_options,
            limits=limits,
            skip_lines=skip_lines,
            date_format=date_format,
            also_reads=also_reads,
        )
        return Input(
            tab.records,
            fmt,
            tab.header,
            tab.columns.is_long,
            list(dict.fromkeys(tab.columns.analytes.values())),
            tab.delimiter,
            tab.notes,
        )
    if fmt in ("json", "ndjson"):
        from cbc_cli.readers.json_reader import read_json

        records, notes = read_json(
            source,
            ndjson=fmt == "ndjson",
            column_options=column_options,
            unit_options=unit_options,
            limits=limits,
            date_format=date_format,
        )
        return Input(records, fmt, notes=notes)
    if fmt == "hl7":
        from cbc_cli.readers.hl7 import read_hl7

        records, notes = read_hl7(
            source, column_options=column_options, unit_options=unit_options, limits=limits
        )
        return Input(records, fmt, notes=notes)
    if fmt == "fhir":
        from cbc_cli.readers.fhir import read_fhir

        records, notes = read_fhir(
            source,
            ndjson=detected == "ndjson",
            column_options=column_options,
            unit_options=unit_options,
            limits=limits,
        )
        return Input(records, fmt, notes=notes)
    raise UsageError(
        f"input format {fmt!r} is not read by this version",
        field="input_format",
        hint="give CSV, TSV, JSON, NDJSON, HL7 v2, FHIR, .xlsx or .ods",
    )


__all__ = ["Input", "Record", "read_input"]
