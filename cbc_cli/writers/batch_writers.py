"""Streaming writers for many results: CSV (input columns carried through, or a row per sample
for input without columns), NDJSON and JSON (whole results, or brief records: cbc_cli.brief).

Each writer takes one record and its result at a time, so memory does not grow with the input.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from typing import Protocol, TextIO

from cbc_cli.analytes import ANALYTES
from cbc_cli.brief import BRIEF_VERSION, brief_json
from cbc_cli.grading import Scheme
from cbc_cli.models import SCHEMA_VERSION, Result, SchemeInfo, to_json
from cbc_cli.readers.records import Record
from cbc_cli.writers.csv_writer import added_columns, contract_cells, contract_columns, inert


class ResultWriter(Protocol):
    """What the batch runner writes to."""

    def write(self, record: Record, result: Result) -> None:
        """Write one sample."""

    def close(self) -> None:
        """Finish the document."""


class NdjsonWriter:
    """One result object per line (``brief``: one brief record per line)."""

    def __init__(self, out: TextIO, *, brief: bool = False) -> None:
        self.out = out
        self.text = brief_json if brief else to_json

    def write(self, record: Record | None, result: Result) -> None:
        """Write one result as a line of JSON."""
        self.out.write(self.text(result) + "\n")

    def close(self) -> None:
        """Nothing to finish."""


class JsonWriter:
    """The report document of README, Outputs, written as results arrive."""

    def __init__(self, out: TextIO, scheme: SchemeInfo, *, brief: bool = False) -> None:
        self.out = out
        self.count = 0
        self.text = brief_json if brief else to_json
        # The brief document says so (its schema: cbc schema --brief).
        head = json.dumps(
            {"schema_version": BRIEF_VERSION, "brief": True, "grading": asdict(scheme)}
            if brief
            else {"schema_version": SCHEMA_VERSION, "grading": asdict(scheme)},
            ensure_ascii=False,
        )
        out.write(head[:-1] + ', "results": [')

    def write(self, record: Record | None, result: Result) -> None:
        """Append one result to the results array."""
        self.out.write(("," if self.count else "") + "\n  " + self.text(result))
        self.count += 1

    def close(self) -> None:
        """Close the results array and the document."""
        self.out.write("\n]}\n" if self.count else "]}\n")


def write_csv_header(
    out: TextIO,
    header: list[str],
    analytes: list[str],
    scheme: Scheme,
    *,
    long: bool,
    formula_guard: bool = True,
    delimiter: str = ",",
) -> None:
    """The header of cbc's CSV output: the input's column names, then cbc's added columns
    (:func:`added_columns`). The columnar runs write the rows that follow it themselves."""
    # A column name is a cell like any other to a spreadsheet (both CSV paths write it here).
    names = [inert(h) for h in header] if formula_guard else header
    added = added_columns(header, analytes, scheme, long=long)
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow([*names, *added])


class CsvWriter:
    """The input columns unchanged and in order, then cbc's columns.

    Wide input: one output row per input row. Long input: each input row keeps its place with
    its own ``flag``; the sample's columns repeat on each of its rows. An added column whose name
    an input column already has (``hgb_flag``, ``findings``, ``status``, ...) is named
    ``cbc_<name>``, so that every column name says whose it is; the cells are the same.
    """

    def __init__(
        self,
        out: TextIO,
        header: list[str],
        analytes: list[str],
        scheme: Scheme,
        *,
        long: bool,
        formula_guard: bool = True,
        delimiter: str = ",",
    ) -> None:
        self.writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        self.width = len(header)
        self.analytes = analytes
        self.scheme = scheme
        self.long = long
        self.guard = formula_guard
        write_csv_header(
            out,
            header,
            analytes,
            scheme,
            long=long,
            formula_guard=formula_guard,
            delimiter=delimiter,
        )

    def _cells(self, cells: list[str]) -> list[str]:
        fitted = (cells + [""] * self.width)[: self.width]
        return [inert(c) for c in fitted] if self.guard else fitted

    def write(self, record: Record, result: Result) -> None:
        """Write the rows of one sample."""
        sample = contract_cells(result, [] if self.long else self.analytes, self.scheme)
        if not self.long:
            for _, cells, _ in record.rows:
                self.writer.writerow([*self._cells(cells), *sample])
            return
        flags = {a.analyte: a.flag or "" for a in result.analytes}
        for _, cells, analyte_id in record.rows:
            flag = flags.get(analyte_id, "") if analyte_id else ""
            self.writer.writerow([*self._cells(cells), flag, *sample])

    def close(self) -> None:
        """Nothing to finish."""


SAMPLE_COLUMNS = ("sample_id", "line", "patient_id", "collected_at")
"""The identifying columns of :class:`SampleCsvWriter`, before the contract columns."""


class SampleCsvWriter:
    """CSV for input without columns to carry through (JSON, NDJSON, HL7 v2, FHIR).

    One row per sample: ``sample_id``, ``line``, ``patient_id``, ``collected_at``, then the
    contract columns with a ``<analyte>_flag`` for every analyte of the catalogue (which ones a
    sample holds is not known before it is read; a flag cell is empty when the value is absent).
    """

    def __init__(self, out: TextIO, scheme: Scheme, *, formula_guard: bool = True) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.scheme = scheme
        self.guard = formula_guard
        self.analytes = list(ANALYTES)
        self.writer.writerow([*SAMPLE_COLUMNS, *contract_columns(self.analytes, scheme)])

    def write(self, record: Record, result: Result) -> None:
        """Write the row of one sample."""
        ids = [
            result.sample_id or "",
            "" if result.line is None else str(result.line),
            result.patient_id or "",
            result.collected_at or "",
        ]
        if self.guard:
            ids = [inert(c) for c in ids]
        self.writer.writerow([*ids, *contract_cells(result, self.analytes, self.scheme)])

    def close(self) -> None:
        """Nothing to finish."""
