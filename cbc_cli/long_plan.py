"""The plan of a long export (a row per result) for the columnar run: whether its columns are
ones the columnar rules cover, and how they map (``columnar.plan_layout``, as for a wide one).
"""

from __future__ import annotations

from cbc_cli.columnar import FastPlan, plan_layout
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.readers.source import Source

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


def plan_long(
    source: Source,
    input_format: str,
    columns: dict[str, str],
    units: dict[str, str],
    limits: Limits = DEFAULT_LIMITS,
) -> FastPlan | None:
    """A plan when the input is a long-layout CSV/TSV the columnar rules cover, else None.

    Covered: the columns of LONG_CONTEXT (a unit column and a lab flag column included) and
    columns cbc does not read, which are carried through.
    """
    return plan_layout(
        source, input_format, columns, units, limits, long=True, context=LONG_CONTEXT
    )
