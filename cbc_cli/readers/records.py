"""What every reader yields: a Record per sample, with its cells' problems, never an exception.

Also the shared cell readers: missing-value tokens, sex codings, context columns, lab ranges.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import ANALYTES
from cbc_cli.errors import CbcError
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import PROFILES, LabRange, Panel, Patient, Sex
from cbc_cli.parse import parse_date, parse_range_text, parse_temperature
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
# Sex codings: words, letters, and ISO/IEC 5218 numbers (1 male, 2 female; 0 and 9 unknown).
SEX_CODES: dict[str, Sex | None] = {
    "f": "female",
    "female": "female",
    "w": "female",
    "woman": "female",
    "2": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "1": "male",
    "u": None,
    "unknown": None,
    "0": None,
    "9": None,
    "x": None,
    "o": None,
    "other": None,
}


@dataclass
class Record:
    """One sample as read: a panel, or the reason the sample could not be read at all."""

    line: int | None
    sample_id: str | None = None
    panel: Panel | None = None
    error: ErrorInfo | None = None
    cell_errors: list[ErrorInfo] = field(default_factory=list)
    collected_at: str | None = None
    patient_id: str | None = None
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
LAB_FLAGS = ("L", "H", "LL", "HH", "A", "AA")
"""The flags a lab prints beside a value (HL7 table 0078's low, high, critical and abnormal);
a bare * or ! is read as A, abnormal."""


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

    def __init__(self, line: int | None, *, decimal_comma: bool = False) -> None:
        self.line = line
        self.decimal_comma = decimal_comma
        self.errors: list[ErrorInfo] = []
        self.lab_flags: dict[str, str] = {}
        """Analyte id -> the flag the lab printed with its value (``9.1 L``): a reader takes it
        (``lab_flags.pop``) into the panel's lab flags, where a flag column or OBX-8 has none."""

    def fail(self, column: str, exc: CbcError | str, line: int | None = None) -> None:
        """Record a problem with one cell."""
        message = exc if isinstance(exc, str) else str(exc)
        if not message.startswith(f"{column}:") and not isinstance(exc, str):
            message = f"{column}: {message}"
        self.errors.append(ErrorInfo(line=line or self.line, field=column, message=message))

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
        self.fail(
            column,
            f"{column}: the {analyte_id} unit is {declared!r} by the header or --unit but "
            f"{cell!r} in {cell_name}; correct the one that is wrong, or remove one",
            line,
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
                    raise CbcError(f"range end {cell!r} is not a number")
                check_plausible(
                    ANALYTES[analyte_id], number * factor, number, unit or ANALYTES[analyte_id].unit
                )
                return number * factor

            lo, hi = num(low), num(high)
            if lo is not None and hi is not None and lo > hi:
                raise CbcError(f"the range's low {low} is above its high {high}")
            return LabRange(lo, hi, "lab range given with the result")
        except CbcError as exc:
            self.fail(column, exc, line)
            return None

    def patient(self, get: Callable[[str], str | None]) -> Patient:
        """The person's context from the context cells (``get(key)`` returns a cell or None)."""
        sex: Sex | None = None
        raw_sex = get("sex")
        if not is_missing(raw_sex):
            key = str(raw_sex).strip().lower()
            if key in SEX_CODES:
                sex = SEX_CODES[key]
            else:
                self.fail("sex", f"sex {raw_sex!r} is not understood (use F/M, female/male or 1/2)")
        age: Age | None = None
        raw_dob, raw_collected, raw_age = get("dob"), get("collected_at"), get("age")
        try:
            if not is_missing(raw_dob) and not is_missing(raw_collected):
                age = Age.from_dates(
                    parse_date(str(raw_dob), "dob"), parse_date(str(raw_collected), "collected_at")
                )
            elif not is_missing(raw_age):
                age = parse_age(str(raw_age))
        except CbcError as exc:
            self.fail("age" if is_missing(raw_dob) else "dob", exc)
        temperature = None
        raw_temp = get("temperature")
        if not is_missing(raw_temp):
            try:
                temperature = parse_temperature(str(raw_temp))
            except CbcError as exc:
                self.fail("temperature", exc)
        trimester = None
        raw_preg = get("pregnant")
        if not is_missing(raw_preg) and str(raw_preg).strip().lower() not in {"0", "no", "n"}:
            if str(raw_preg).strip() in {"1", "2", "3"} and sex != "male":
                trimester = int(str(raw_preg).strip())
                sex = "female"
            else:
                self.fail(
                    "pregnant",
                    f"pregnancy {raw_preg!r} is not a trimester 1-3 (or conflicts with male sex)",
                )
        profiles: tuple[str, ...] = ()
        raw_profile = get("profile")
        if not is_missing(raw_profile):
            wanted = str(raw_profile).strip().lower()
            if wanted in PROFILES:
                profiles = (wanted,)
            else:
                self.fail(
                    "profile", f"unknown profile {raw_profile!r} (known: {', '.join(PROFILES)})"
                )
        return Patient(
            sex=sex,
            age=age,
            pregnancy_trimester=trimester,
            profiles=profiles,
            temperature_c=temperature,
        )
