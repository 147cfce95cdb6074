"""A date or date-time as a lab gave it, kept to the precision given (read by cbc_cli.parse)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, NamedTuple

Precision = Literal["year", "month", "day", "minute", "second"]


class Moment(NamedTuple):
    """A date or date-time as given, to the precision given.

    ``when`` is the wall-clock time (aware when a zone was given); a date without a time is
    midnight, a year or month without a day its first day (see ``precision``).
    """

    when: datetime
    precision: Precision

    @property
    def has_time(self) -> bool:
        """Whether a time of day was given."""
        return self.precision in ("minute", "second")

    @property
    def day(self) -> date:
        """The calendar date (the wall-clock date where the sample was taken)."""
        return self.when.date()

    def iso(self) -> str:
        """ISO 8601 text to the precision given: ``2024``, ``2024-03``, ``2024-03-12``,
        ``2024-03-12T08:30`` or ``2024-03-12T08:30:15``, with ``+01:00`` when a zone was given."""
        pattern = {
            "year": "%Y",
            "month": "%Y-%m",
            "day": "%Y-%m-%d",
            "minute": "%Y-%m-%dT%H:%M",
            "second": "%Y-%m-%dT%H:%M:%S",
        }[self.precision]
        text = self.when.strftime(pattern)
        if self.precision == "second" and self.when.microsecond:
            text += f".{self.when.microsecond:06d}".rstrip("0")
        if self.has_time and self.when.tzinfo is not None:
            offset = self.when.strftime("%z")
            text += f"{offset[:3]}:{offset[3:]}"
        return text
