"""The plan of a CSV/TSV export the columnar path can take: its header read as the row reader
reads it, the columns it maps to (a layout, wide or long, with only context columns cbc
reads besides), and where its data lines start. Anything else goes row by row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.readers.source import Source, detect_format
from cbc_cli.readers.tabular import Tabular, read_tabular

WIDE_CONTEXT = {"sample_id", "patient_id", "sex", "age", "collected_at"}
"""The context columns a wide export may have for the columnar path."""
LONG_CONTEXT = {
    "sample_id",
    "patient_id",
    "collected_at",
    "sex",
    "age",
    "analyte",
    "value",
    "unit",
    "lab_flag",
}
"""The columns a long export may have for the columnar path: a range column, a date of birth or
anything else that changes how a value is judged sends the file row by row."""


@dataclass
class FastPlan:
    """What the columnar path needs to know about an input it can take."""

    tab: Tabular
    header_text: str
    header_line: int
    skip_bytes: int
    """Bytes before the first data line: BOM, blank lines and the header line."""
    raw_width: int
    analytes: list[str]


def plan(
    source: Source,
    input_format: str,
    columns: dict[str, str],
    units: dict[str, str],
    limits: Limits = DEFAULT_LIMITS,
    *,
    long: bool = False,
) -> FastPlan | None:
    """A plan when the input is a CSV/TSV export of the layout asked for (wide, or long with
    ``long``) that the columnar rules cover, else None: the header line found after a BOM and
    blank lines, as the row reader finds it.

    Covered: for a wide export, analyte columns (units in the header are fine) and the context
    columns of WIDE_CONTEXT; for a long one, the columns of LONG_CONTEXT (a unit column and a
    lab flag column included); for both, columns cbc does not read, which are carried through.
    Anything else that changes how a value is judged (unit, range or flag columns, a date of
    birth, temperature, pregnancy, profile) goes row by row.
    """
    context = LONG_CONTEXT if long else WIDE_CONTEXT
    if input_format not in ("auto", "csv", "tsv"):
        return None
    head = source.peek(1 << 16)
    if detect_format(head) != "csv":
        return None
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    line_no = 1
    while True:
        end = head.find(b"\n", start)
        if end < 0:
            return None
        raw = head[start:end].rstrip(b"\r")
        if b"\r" in raw or b'"' in raw:
            return None  # CR-only line ends or a quoted header: the scalar reader handles them
        if raw.strip():
            break
        start, line_no = end + 1, line_no + 1
    try:
        header_text = raw.decode("utf-8")
        tab = read_tabular(
            iter([header_text + "\n"]),
            delimiter="\t" if input_format == "tsv" else None,
            column_options=columns,
            unit_options=units,
            first_line=line_no,
            limits=limits,
        )
    except Exception:
        return None  # the scalar reader says what is wrong
    cmap = tab.columns
    if cmap.is_long != long or not set(cmap.context) <= context:
        return None
    if cmap.unit_columns or cmap.ref_low_columns or cmap.ref_high_columns:
        return None
    if cmap.range_columns or cmap.flag_columns:
        return None
    raw_width = len(next(csv.reader([header_text], delimiter=tab.delimiter)))
    if raw_width != len(tab.header):
        return None  # trailing empty header columns: rows are trimmed, so not copied verbatim
    analytes = [] if long else list(dict.fromkeys(cmap.analytes.values()))
    return FastPlan(tab, header_text, line_no, end + 1, raw_width, analytes)
