"""Input limits as policy: the largest field, line, JSON depth, HL7 message and range file read.

Each limit keeps reading linear in the input and memory flat whatever its shape. Past a limit, a
row or message becomes an error row in its place (the rest is read) and a whole-file limit (a range
file) is refused with exit 4; ``--limit NAME=SIZE`` raises any of them. The defaults are far above
what a lab export or message holds. Documented in README.md (Limits).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from cbc_cli.errors import RangeFileError, UsageError


class Limits(NamedTuple):
    """The limits in force for one run. Sizes are in bytes (characters for decoded text)."""

    field: int = 1 << 20
    """One CSV/TSV cell, or one JSON string."""
    line: int = 16 << 20
    """One CSV/TSV/NDJSON line (a quoted line break makes a line longer)."""
    json_depth: int = 64
    """Nesting of JSON arrays and objects (a FHIR Bundle needs about 10)."""
    json_digits: int = 100
    """Digits of one JSON number (no count or limit needs more)."""
    hl7_message: int = 16 << 20
    """One HL7 v2 message, MSH to the next MSH."""
    fhir_resource: int = 64 << 20
    """One FHIR resource or Bundle entry as read from the file."""
    ranges_file: int = 4 << 20
    """One reference-range or grading file (the shipped ones are a few kB)."""


DEFAULT_LIMITS = Limits()
_SUFFIX = {
    "": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gib": 1 << 30,
}
_SIZE = re.compile(r"\s*(\d+)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_limits(texts: list[str] | tuple[str, ...], base: Limits = DEFAULT_LIMITS) -> Limits:
    """Limits with ``NAME=SIZE`` settings applied, e.g. ``field=8MiB`` or ``json_depth=200``.

    Raises:
        UsageError: an unknown name, or a size that is not a positive whole number (with an
            optional k/KiB, M/MiB or G/GiB suffix).
    """
    changes: dict[str, int] = {}
    for text in texts:
        name, sep, size = text.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in Limits._fields:
            raise UsageError(
                f"{{limit}} {text!r}: give NAME=SIZE",
                code="limit.invalid",
                field="limit",
                hint="names: " + ", ".join(Limits._fields),
            )
        found = _SIZE.fullmatch(size)
        factor = _SUFFIX.get(found.group(2).lower()) if found else None
        if found is None or factor is None or int(found.group(1)) < 1:
            raise UsageError(
                f"{{limit}} {name}={size.strip()}: not a size",
                code="limit.invalid",
                field="limit",
                hint="e.g. 8MiB, 512k or 200",
            )
        changes[name] = int(found.group(1)) * factor
    return base._replace(**changes)


def size_text(size: int) -> str:
    """A size as ``--limit`` takes it and people read it: ``16 MiB``, ``512 KiB``, ``100 bytes``."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def past(name: str, limits: Limits) -> str:
    """``the NAME limit (SIZE; --limit NAME=SIZE raises it)``, for messages about a limit."""
    size = getattr(limits, name)
    shown = str(size) if name.startswith("json") else size_text(size)
    # Row messages too (data, not raised): they keep the option's name, as README, Limits says.
    return f"the {name} limit ({shown}; --limit {name}=SIZE raises it)"


def read_settings_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a range or grading file, reading at most ``limits.ranges_file`` bytes (so
    that ``--ranges /dev/zero`` ends).

    Raises:
        RangeFileError: the file is larger than the limit.
        OSError, UnicodeDecodeError: as reading the file raises them.
    """
    with path.open("rb") as file:
        data = file.read(limits.ranges_file + 1)
    if len(data) > limits.ranges_file:
        raise RangeFileError(
            f"larger than {past('ranges_file', limits)}",
            code="range_file.too_large",
            path=str(path),
            hint="a range or grading file holds a few kB of TOML tables",
        )
    return data.decode("utf-8")
