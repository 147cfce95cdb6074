"""What every reader yields: a Record per sample, with its cells' problems, never an exception.

Also the shared cell readers: missing-value tokens, context columns (sex codes and dates through
:mod:`cbc_cli.parse`), lab ranges.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cbc_cli.analytes import ANALYTES
from cbc_cli.errors import CbcError, InputError
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel, Patient
from cbc_cli.parse import (
    AmbiguousDateError,
    Moment,
    build_patient,
    date_order,
    parse_moment,
    parse_range_text,
)
from cbc_cli.units import (
    Quantity,
    check_plausible,
    parse_number,
    same_unit,
    to_canonical,
    unit_factor,
)

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", ".", "?"})
"""Cell texts read as "no value" (compared case-insensitively); any run of dashes is one too."""


DateOrders = dict[str, tuple[str, int | None]]
"""Per date column (``dob``, ``collected_at``), the first order its dates showed (``dmy`` or
``mdy``) and on which line: an ambiguous date later in the same file names it in its error."""


@dataclass
class Record:
    """One sample as read: a panel, or the reason the sample could not be read at all."""

    line: int | None
    sample_id: str | None = None
    panel: Panel | None = None
    error: ErrorInfo | None = None
    cell_errors: list[ErrorInfo] = field(default_factory=list)
    collected_at: str | None = None
    """The collection time as given (for messages about a draw that cannot be placed)."""
    patient_id: str | None = None
    collected: Moment | None = None
    """The collection time read (None when not given or not readable)."""
    collected_problem: str | None = None
    """Why a collection time that was given could not be read (a draw cannot be placed)."""
    rows: list[tuple[int, list[str], str | None]] = field(default_factory=list)
    """The input rows of the sample: (line, cells, analyte id of a long-layout row)."""


def is_missing(text: str | None) -> bool:
    """Whether a cell means "no value" (empty, NA, -, ...).

    A cell made only of dashes (``---``, ``----``) is missing too: analysers such as Sysmex print
    a run of dashes for a masked or unreported value.
    """
    if text is None:
        return True
    folded = text.strip().lower()
    return folded in MISSING or not folded.strip("-")


# A lab's flag printed with the value: after the number (or its unit) as a word of its own or
# stuck to the last digit (9.1 L, 62H, 3.2 LL, 12.0 (H)), or an abnormal marker * or ! before or
# after it (*12.0, 150!). Upper case only: a flag is printed so, and a lower-case l could be a
# litre. A letter after a unit's slash (g/L, 10^9/L) is the unit's, never a flag.
_FLAG_AFTER = re.compile(
    r"(?:(?<=[\d.,])|\s+)(?:\(\s*(?P<p>LL|HH|AA|L|H|A)\s*\)|(?P<f>LL|HH|AA|L|H|A)|(?P<m>[*!]+))\s*$"
)
_FLAG_BEFORE = re.compile(r"^\s*(?P<m>[*!]+)\s*(?=[<>≤≥]?\s*[\d.])")


def split_lab_flag(text: str) -> tuple[str, str | None]:
    """The value text without the lab's flag, and the flag (L, H, LL, HH, A or AA; None if
    there is none).

    >>> split_lab_flag("9.1 L")
    ('9.1', 'L')
    >>> split_lab_flag("*12.0")
    ('12.0', 'A')
    >>> split_lab_flag("12.0 (H)")
    ('12.0', 'H')
    >>> split_lab_flag("91 g/L")
    ('91 g/L', None)
    """
    flag: str | None = None
    before = _FLAG_BEFORE.match(text)
    if before:
        text, flag = text[before.end() :], "A"
    after = _FLAG_AFTER.search(text)
    if after and after.start() > 0:
        found = after["p"] or after["f"]
        text = text[: after.start()]
        # A letter flag says more than a marker (*12.0 H: high).
        flag = found or flag or "A"
    return text.strip(), flag


class CellReader:
    """Reads the cells of one sample, collecting each problem instead of raising."""

    def __init__(
        self,
        line: int | None,
        *,
        decimal_comma: bool = False,
        date_format: str | None = None,
        date_orders: DateOrders | None = None,
    ) -> None:
        self.line = line
        self.date_orders = date_orders
        """The orders the file's dates have shown so far, shared by its rows (see DateOrders)."""
        self.decimal_comma = decimal_comma
        self.date_format = date_format
        """How year-last dates are read (``dmy``, ``mdy``, ``ymd``, a strptime pattern; None:
        only unambiguous ones), see :func:`cbc_cli.parse.parse_moment`."""
        self.errors: list[ErrorInfo] = []
        self.lab_flags: dict[str, str] = {}
        """Analyte id -> the flag the lab printed with its value (``9.1 L``): a reader takes it
        (``lab_flags.pop``) into the panel's lab flags, where a flag column or OBX-8 has none."""
        self.collected: Moment | None = None
        """The collection time read by :meth:`patient`, if any."""
        self.collected_problem: str | None = None
        """Why a given collection time could not be read."""
        self.unread: set[str] = set()
        """Analytes whose value was given but could not be read (its unit or number refused)."""

    def fail(
        self, column: str, exc: CbcError | str, line: int | None = None, code: str | None = None
    ) -> None:
        """Record a problem with one cell (``code``: that of the error, else ``input.invalid``)."""
        message = exc if isinstance(exc, str) else str(exc)
        # Named once: a message that starts with the column ("hgb 9.1 mg/dL is not possible")
        # is not prefixed again.
        if not message.startswith((f"{column}:", f"{column} ")) and not isinstance(exc, str):
            message = f"{column}: {message}"
        code = code or (exc.code if isinstance(exc, CbcError) else "input.invalid")
        self.errors.append(
            ErrorInfo(line=line or self.line, field=column, code=code, message=message)
        )

    def unit(
        self,
        analyte_id: str,
        column: str,
        declared: str | None,
        cell: str | None,
        line: int | None = None,
        *,
        cell_name: str = "the unit column",
    ) -> tuple[bool, str | None]:
        """The unit of a value whose unit may be both declared (in the header or by ``--unit``)
        and given in a unit cell, as (usable, unit): not usable (the cell's problem recorded)
        when the two disagree.

        Neither is preferred silently: a disagreement is a problem in the input to fix. Only an
        empty cell says nothing: any other text ("NA", "?") is read as a unit, and refused.
        """
        cell = (cell or "").strip()
        if not declared or not cell:
            return True, declared or cell or None
        try:
            analyte = ANALYTES[analyte_id]
            same = same_unit(analyte, declared, cell)
        except CbcError:
            same = declared.strip() == cell
        if same:
            return True, declared
        self.unread.add(analyte_id)
        self.fail(
            column,
            f"{column}: the {analyte_id} unit is {declared!r} by the header or --unit but "
            f"{cell!r} in {cell_name}; correct the one that is wrong, or remove one",
            line,
            "unit.mismatch",
        )
        return False, None

    def value(
        self, analyte_id: str, column: str, text: str, unit: str | None, line: int | None = None
    ) -> Quantity | None:
        """The value of a cell, or None (missing, or unreadable and recorded).

        A lab's flag printed with the value (``9.1 L``, ``62H``, ``*12.0``) is kept in
        :attr:`lab_flags`, to be compared with cbc's own flag.
        """
        if is_missing(text):
            return None
        number, flag = split_lab_flag(text)
        try:
            q = to_canonical(
                ANALYTES[analyte_id], number, unit=unit or None, decimal_comma=self.decimal_comma
            )
        except CbcError as exc:
            self.unread.add(analyte_id)
            self.fail(column, exc, line)
            return None
        if flag is not None:
            self.lab_flags[analyte_id] = flag
        return q

    def lab_range(
        self,
        analyte_id: str,
        column: str,
        *,
        low: str | None = None,
        high: str | None = None,
        text: str | None = None,
        unit: str | None = None,
        line: int | None = None,
    ) -> LabRange | None:
        """A lab range from low/high cells or a range text, in the value's unit."""
        try:
            if text is not None and not is_missing(text):
                parsed = parse_range_text(text, analyte_id, unit)
                return LabRange(parsed.low, parsed.high, "lab range given with the result")
            if is_missing(low) and is_missing(high):
                return None
            factor = unit_factor(ANALYTES[analyte_id], unit or ANALYTES[analyte_id].unit)

            def num(cell: str | None) -> float | None:
                if is_missing(cell):
                    return None
                _, number, rest = parse_number(str(cell), decimal_comma=self.decimal_comma)
                if rest:
                    raise InputError(f"range end {cell!r} is not a number", code="value.unreadable")
                check_plausible(
                    ANALYTES[analyte_id], number * factor, number, unit or ANALYTES[analyte_id].unit
                )
                return number * factor

            lo, hi = num(low), num(high)
            if lo is not None and hi is not None and lo > hi:
                raise InputError(
                    f"the range's low {low} is above its high {high}", code="value.unreadable"
                )
            return LabRange(lo, hi, "lab range given with the result")
        except CbcError as exc:
            self.fail(column, exc, line)
            return None

    def patient(self, get: Callable[[str], str | Moment | None]) -> Patient:
        """The person's context from the context cells (``get(key)`` returns a cell or None;
        a reader that has read a date already, as the HL7 reader does, may give its Moment),
        built by the one patient builder, :func:`cbc_cli.parse.build_patient`, each cell that
        cannot be read recorded as a problem and left unknown.

        The collection time is read here too (kept in :attr:`collected`): it is an error only
        when it is needed, for the age from a date of birth; otherwise why it could not be read
        is kept in :attr:`collected_problem` for ``cbc trend``, which needs it.
        """
        raw_dob, raw_collected = _given(get("dob")), _given(get("collected_at"))
        if raw_collected is not None:
            try:
                self.collected = self._moment(raw_collected, "collected_at")
            except CbcError as exc:
                self.collected_problem = str(exc)
                if raw_dob is not None:
                    self.fail("collected_at", exc)
        born = None
        if raw_dob is not None:
            try:
                born = self._moment(raw_dob, "dob")
            except CbcError as exc:
                self.fail("dob", exc)
        profile = _text(get("profile"))
        return build_patient(
            sex=_text(get("sex")),
            age=_text(get("age")),
            dob=born,
            collected=self.collected if born is not None else None,
            pregnant=_text(get("pregnant")),
            profiles=(profile,) if profile is not None else (),
            temperature=_text(get("temperature")),
            date_format=self.date_format,
            problems=self.fail,
        )

    def _moment(self, raw: str | Moment, what: str) -> Moment:
        if isinstance(raw, Moment):
            return raw
        orders = self.date_orders
        try:
            moment = parse_moment(raw, what, self.date_format)
        except AmbiguousDateError as exc:
            seen = orders.get(what) if orders is not None else None
            if seen is None:
                raise
            order, line = seen
            words = "day-first" if order == "dmy" else "month-first"
            raise AmbiguousDateError(
                f"{exc.message}; other {what} dates in this file are {words} (line {line})",
                field=what,
                hint=f"if they all are, give --date-format {order}",
            ) from None
        shown = date_order(raw)
        if orders is not None and what not in orders and shown in ("dmy", "mdy"):
            orders[what] = (shown, self.line)
        return moment


def _given(cell: str | Moment | None) -> str | Moment | None:
    """A context cell, or None when it says "no value"."""
    return None if cell is None or (isinstance(cell, str) and is_missing(cell)) else cell


def _text(cell: str | Moment | None) -> str | None:
    """A context cell that is text and not missing (only dates come as a Moment)."""
    return cell if isinstance(cell, str) and not is_missing(cell) else None
