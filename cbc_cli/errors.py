"""Error classes: each carries its CLI exit code and a message that says how to fix the problem.

Messages never contain a traceback. Messages about a value the user typed may echo that value
back to the same user (that is how they find the typo), but log-style output and the internal-error
path never include patient values.
"""

from __future__ import annotations


class CbcError(Exception):
    """Base class of every error cbc raises on purpose."""

    exit_code = 70

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(CbcError, ValueError):
    """A bad option, a conflicting combination of options, or no input (exit 2)."""

    exit_code = 2


class InputError(CbcError, ValueError):
    """A value, unit, row or file that could not be read (exit 3).

    ``field`` names the analyte or column, ``line`` the 1-based input line when there is one.
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.field = field
        self.line = line


class UnitError(InputError):
    """A unit that is unknown, or that does not fit the analyte's dimension."""


class PlausibilityError(InputError):
    """A number that cannot be a real result in its unit (almost always a unit or typing slip)."""


class RangeFileError(CbcError):
    """A reference-range or grading file that is missing or invalid (exit 4).

    ``path`` names the file and ``location`` the row in it (``range #3``) when known.
    """

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        location: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ": ".join(p for p in (path, location) if p)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path = path
        self.location = location
