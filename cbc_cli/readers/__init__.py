"""Readers: every input format becomes a stream of Records (one per sample), never an exception
per row. :func:`read_input` picks the reader from ``--input-format`` or the content."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
        return self.format in ("csv", "tsv", "parquet")


def read_input(
    source: Source,
    input_format: str = "auto",
    columns: Sequence[str] = (),
    units: Sequence[str] = (),
    *,
    limits: Limits = DEFAULT_LIMITS,
    date_format: str | None = None,
) -> Input:
    """Open the records of a source with the reader its format needs, within ``limits``
    (README, Limits). ``date_format`` (``dmy``, ``mdy``, ``ymd`` or a strptime pattern) reads
    the year-last dates of CSV, TSV and JSON (HL7 and FHIR fix their own date formats).

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
    detected = detect_format(head)
    if detected == "empty":
        raise InputError(
            f"{source.name}: the input is empty",
            code="file.empty",
            hint="give a file with a header row and data rows",
        )
    if detected == "binary":
        raise InputError(
            f"{source.name}: looks like a binary file, not text",
            code="file.unreadable",
            hint="give a CSV, TSV, JSON, NDJSON, HL7 or FHIR export (gzip is fine)",
        )
    fmt = detected if input_format == "auto" else input_format
    if input_format == "auto" and fmt in ("json", "ndjson") and b'"resourceType"' in head:
        fmt = "fhir"  # every FHIR resource names its type; plain sample objects do not
    column_options = parse_column_options(columns)
    unit_options = parse_unit_options(units)
    if fmt in ("csv", "tsv"):
        from cbc_cli.readers.tabular import read_tabular

        tab = read_tabular(
            iter_lines(source, limits),
            delimiter="\t" if fmt == "tsv" else None,
            column_options=column_options,
            unit_options=unit_options,
            limits=limits,
            date_format=date_format,
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
        hint="give CSV, TSV, JSON, NDJSON, HL7 v2 or FHIR",
    )


__all__ = ["Input", "Record", "read_input"]
