"""Error classes: each error carries a stable code, the field it concerns and a message that says
how to fix the problem, in the library's terms (keywords such as ``age``, never ``--age``).

The code (``unit.unknown``, ``value.implausible``, ``patient.age_required``, ...) is data a
program can act on: it never changes with the wording. Every code is listed in :data:`CODES`
with its kind (``usage``, ``input`` or ``settings``, one per error class) and documented in
docs/errors.md; the CLI alone turns a kind into an exit code, and a field into an option name.
A message may name keywords (:data:`TERMS`) as ``{age}``: :attr:`CbcError.message` shows the keyword
(``age``), and :meth:`CbcError.render` lets the CLI show its option (``--age``) instead.

Messages never contain a traceback. Messages about a value the user typed may echo that value
back to the same user (that is how they find the typo), but log-style output and the internal-error
path never include patient values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple


class Code(NamedTuple):
    """One error code: its kind (which error class raises it) and what it means."""

    kind: str
    meaning: str


CODES: dict[str, Code] = {
    # usage: how cbc was called (options, keywords, what to read and write)
    "option.invalid": Code("usage", "an option or keyword has a value cbc cannot use"),
    "option.conflict": Code("usage", "options or keywords that cannot go together"),
    "input.missing": Code("usage", "nothing to read: no values and no file"),
    "output.invalid": Code("usage", "the output cannot be written there, or not in that format"),
    "scheme.unknown": Code("usage", "a grading scheme cbc does not know"),
    "topic.unknown": Code("usage", "a finding or topic cbc has no explanation for"),
    "limit.invalid": Code("usage", "an input limit that is not NAME=SIZE with a known NAME"),
    "extra.missing": Code("usage", "a format needs an optional extra that is not installed"),
    "report.too_large": Code("usage", "more samples or draws than one HTML/PDF report holds"),
    "config.invalid": Code(
        "usage", "a settings file (cbc.toml), preset or CBC_* variable cbc cannot read or use"
    ),
    "preset.unknown": Code("usage", "a settings preset cbc does not ship"),
    # (raised for one sample; in a file, the sample's error row carries it and the run goes on)
    "patient.age_required": Code("usage", "the grading scheme grades by age: no age was given"),
    "patient.sex_required": Code("usage", "the grading scheme grades by sex: no sex was given"),
    # input: what was read (a value, a unit, a row, a file)
    "input.invalid": Code("input", "a value, row or file cbc cannot read"),
    "value.unreadable": Code("input", "a value that is not a number or code cbc can read"),
    "value.implausible": Code("input", "a number that cannot be a real result in its unit"),
    "value.duplicate": Code("input", "the same analyte given twice for one sample"),
    "analyte.unknown": Code("input", "an analyte name, alias or LOINC code cbc does not know"),
    "unit.unknown": Code("input", "a unit cbc does not know, or none where one is needed"),
    "unit.mismatch": Code("input", "a unit that does not fit the analyte, or two that disagree"),
    "column.duplicate": Code("input", "two columns that map to the same analyte or field"),
    "column.unknown": Code("input", "a column cbc cannot map, or a mapping naming no column"),
    "sheet.unknown": Code("input", "a sheet the workbook does not have, by name or position"),
    "date.invalid": Code("input", "a date cbc cannot read, or dates out of order"),
    "date.ambiguous": Code("input", "a date whose day and month could be either way round"),
    "age.invalid": Code("input", "an age cbc cannot read"),
    "file.unreadable": Code("input", "a file that cannot be opened or decoded"),
    "file.empty": Code("input", "a file with no sample cbc reads"),
    "limit.exceeded": Code("input", "a line, cell, message or document past its input limit"),
    "sample.empty": Code("input", "a row or sample with no value cbc can interpret"),
    # settings: the range, grading and trend-rule files cbc loads
    "range_file.invalid": Code("settings", "a range, grading or rules file that is invalid"),
    "range_file.missing": Code("settings", "a range, grading or rules file that is not there"),
    "range_file.too_large": Code("settings", "a range, grading or rules file past its limit"),
    # internal
    "error": Code("internal", "an error without a more precise code"),
}
"""Every error code cbc uses, with its kind and meaning (docs/errors.md lists the same)."""

TERMS = (
    "age",
    "sex",
    "dob",
    "collected",
    "pregnant",
    "profile",
    "temperature",
    "days_since_chemo",
    "transplant",
    "grading",
    "ranges",
    "lab_range",
    "input_format",
    "column",
    "unit",
    "limit",
    "jobs",
    "patient",
    "since",
    "transfusion",
    "analyte",
    "format",
    "output",
    "date_format",
    "skip_lines",
    "sheet",
)
"""The keywords a message may name as ``{age}`` (the CLI shows each as its option)."""
_TERM = re.compile(r"\{(" + "|".join(TERMS) + r")\}")


class CbcError(Exception):
    """Base class of every error cbc raises on purpose.

    ``code`` is one of :data:`CODES` (each class has a default); ``field`` names what the error
    concerns: a keyword (``age``), an analyte (``hgb``) or a column, when there is one.
    """

    kind = "internal"
    """The kind of this class's codes (:data:`CODES`); the CLI alone maps a kind to its exit
    code (cbc_cli.cli.app.EXIT_CODES)."""
    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.template = message
        self.hint_template = hint
        self.code = code or self.default_code
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The message in the library's terms (a keyword as itself: ``age``)."""
        return _name_terms(self.template, str)

    @property
    def hint(self) -> str | None:
        """How to fix it, in the library's terms (None when the message says enough)."""
        return None if self.hint_template is None else _name_terms(self.hint_template, str)

    def render(self, name: Callable[[str], str]) -> tuple[str, str | None]:
        """The message and hint with each keyword named by ``name`` (the CLI: its option)."""
        hint = None if self.hint_template is None else _name_terms(self.hint_template, name)
        return _name_terms(self.template, name), hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def _name_terms(text: str, name: Callable[[str], str]) -> str:
    return _TERM.sub(lambda m: name(m.group(1)), text)


class UsageError(CbcError, ValueError):
    """A bad option, a conflicting combination of options, or no input (exit 2)."""

    kind = "usage"
    default_code = "option.invalid"


class InputError(CbcError, ValueError):
    """A value, unit, row or file that could not be read (exit 3).

    ``field`` names the analyte or column, ``line`` the 1-based input line when there is one.
    """

    kind = "input"
    default_code = "input.invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field, hint=hint)
        self.line = line


class UnitError(InputError):
    """A unit that is unknown, or that does not fit the analyte's dimension."""

    default_code = "unit.unknown"


class PlausibilityError(InputError):
    """A number that cannot be a real result in its unit (almost always a unit or typing slip)."""

    default_code = "value.implausible"


class RangeFileError(CbcError):
    """A reference-range or grading file that is missing or invalid (exit 4).

    ``path`` names the file and ``location`` the row in it (``range #3``) when known.
    """

    kind = "settings"
    default_code = "range_file.invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        path: str | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ": ".join(p for p in (path, location) if p)
        super().__init__(f"{where}: {message}" if where else message, code=code, hint=hint)
        self.path = path
        self.location = location
