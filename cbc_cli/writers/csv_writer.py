"""CSV output: the input columns unchanged, then the contract columns of README, Outputs.

Contract columns: ``<analyte>_flag`` for each analyte read, ``<finding>_grade`` for each graded
finding, ``findings``, ``urgency``, ``status``, ``error``. A grade cell holds 0 (graded, not
abnormal in that direction), 1-4, or nothing (could not be graded: the JSON says why).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from cbc_cli.analytes import ANALYTES
from cbc_cli.grading import Scheme
from cbc_cli.models import Result

GRADE_COLUMNS = (
    "anemia",
    "neutropenia",
    "thrombocytopenia",
    "leukopenia",
    "lymphopenia",
    "leukocytosis",
    "erythrocytosis",
)
"""The ``<finding>_grade`` columns, in this order (README, Outputs)."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a cell a spreadsheet would run as a formula starts with."""


def inert(cell: str) -> str:
    """Make a text cell that a spreadsheet would run as a formula inert, by a leading quote.

    Numbers such as ``-1.5`` or ``+3`` are left alone: they are data, not formulas; so are cells
    made only of dashes (``-``, ``---``), the missing-value tokens a spreadsheet shows as text.
    """
    if cell.startswith(FORMULA_START) and cell.strip("-"):
        try:
            float(cell)
        except ValueError:
            return "'" + cell
    return cell


def contract_columns(analytes: Iterable[str], scheme: Scheme) -> list[str]:
    """The columns cbc adds: flags for the analytes read, then grades, findings and status."""
    read, graded = contract_layout(analytes, scheme)
    return [
        *(f"{a}_flag" for a in read),
        *(f"{g}_grade" for g in graded),
        "findings",
        "urgency",
        "status",
        "error",
    ]


def added_columns(
    header: Sequence[str], analytes: Iterable[str], scheme: Scheme, *, long: bool
) -> list[str]:
    """The names of the columns cbc adds after an input's ``header``: a long input's ``flag``
    (one per row), then :func:`contract_columns` (for a wide input's ``analytes``). One the input
    already has (compared without case or surrounding space) is named ``cbc_<name>``, so that
    every column name says whose it is."""
    taken = {h.strip().lower() for h in header}
    base = (["flag"] if long else []) + contract_columns([] if long else analytes, scheme)
    return [f"cbc_{c}" if c in taken else c for c in base]


def contract_cells(result: Result, analytes: Sequence[str], scheme: Scheme) -> list[str]:
    """The cells of :func:`contract_columns` for one result."""
    errors = ([result.error] if result.error else []) + list(result.cell_errors)
    # Each problem as "[code] line N: message" (the code: docs/errors.md).
    error_text = "; ".join(
        f"[{e.code}] "
        + (f"line {e.line}: " if e.line and not e.message.startswith("line ") else "")
        + e.message
        for e in errors
    )
    return outcome_cells(
        {a.analyte: a.flag for a in result.analytes},
        result.grades,
        [f.code for f in result.findings],
        result.urgency or "",
        result.status,
        error_text,
        contract_layout(analytes, scheme),
    )


def contract_layout(analytes: Iterable[str], scheme: Scheme) -> tuple[list[str], list[str]]:
    """The analytes with a flag column and the terms with a grade column, in column order."""
    read = [a for a in ANALYTES if a in set(analytes)]
    graded = [g for g in GRADE_COLUMNS if scheme.criteria_for(g)]
    return read, graded


def outcome_cells(
    flags: Mapping[str, str | None],
    grades: Mapping[str, int | None],
    codes: Sequence[str],
    urgency: str,
    status: str,
    error: str,
    layout: tuple[list[str], list[str]],
) -> list[str]:
    """The cells of :func:`contract_columns` from their parts: each analyte's flag, each
    term's grade, the finding codes, the urgency, the status and the error text, for the
    columns of ``layout`` (:func:`contract_layout`)."""
    read, graded = layout
    cells = [flags.get(a) or "" for a in read]
    cells += ["" if (grade := grades.get(g)) is None else str(grade) for g in graded]
    cells += [";".join(codes), urgency, status, error]
    return cells


def rows_text(rows: Iterable[Sequence[str]], delimiter: str = ",") -> list[str]:
    """Each row as the batch writers write it (quoted where needed), without a line end."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="")
    texts: list[str] = []
    for cells in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow(cells)
        texts.append(buf.getvalue())
    return texts


def write_single(out: TextIO, given: dict[str, str], result: Result, scheme: Scheme) -> None:
    """Write one sample given as options: its values as input columns, then the contract."""
    writer = csv.writer(out, lineterminator="\n")
    columns = list(given)
    writer.writerow(columns + contract_columns([a.analyte for a in result.analytes], scheme))
    cells = [inert(given[c]) for c in columns]
    writer.writerow(cells + contract_cells(result, [a.analyte for a in result.analytes], scheme))
