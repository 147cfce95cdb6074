"""CSV cell rules shared by every writer."""

from __future__ import annotations

import pytest

from cbc_cli.api import resolve_scheme
from cbc_cli.models import ErrorInfo, Result
from cbc_cli.writers.csv_writer import contract_cells, inert


@pytest.mark.parametrize(
    ("cell", "out"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd", "'+cmd"),
        ("-see note", "'-see note"),
        ("\tx", "'\tx"),
        ("-1.5", "-1.5"),  # a number is data
        ("+3", "+3"),
        ("-", "-"),  # dashes are missing-value tokens, shown as text
        ("---", "---"),
        ("9.1", "9.1"),
    ],
)
def test_inert(cell: str, out: str) -> None:
    assert inert(cell) == out


def test_error_cell_names_the_line_once() -> None:
    result = Result(
        status="error",
        urgency=None,
        error=ErrorInfo(line=4, message="line 4: OBX-5 is not a number"),
        cell_errors=[
            ErrorInfo(
                line=7, field="hgb", code="value.unreadable", message="hgb: 'x' is not a number"
            )
        ],
    )
    cells = contract_cells(result, [], resolve_scheme("ctcae5"))
    # Each problem with its code first (docs/errors.md), and its line once.
    assert cells[-1] == (
        "[input.invalid] line 4: OBX-5 is not a number; "
        "[value.unreadable] line 7: hgb: 'x' is not a number"
    )
    assert cells[-3] == ""  # no urgency for a sample that could not be read
