"""HL7 v2 segments: read from the input, framed into messages, split by their encoding characters.

Segments may end with CR, LF or CRLF, and come with a UTF-8 BOM or MLLP framing (0x0B before a
message, 0x1C 0x0D after it). A message is its MSH and the segments up to the next MSH or batch
wrapper (FHS/BHS ... BTS/FTS); :func:`framed` hands them on a message at a time, so a batch
streams in bounded memory and a broken message does not stop the rest. A message longer than
``Limits.hl7_message`` is an error record (its segments are let go as they are read); segments
before any MSH are counted, not kept, and become one error record.

:class:`SplitFields` reads a field the way python-hl7 does (first repetition, the component
asked for, first subcomponent, unescaped, stripped) from the field text split with the message's
own MSH-1/MSH-2 characters, without building python-hl7's containers (about 10 KB an OBX).
Escape sequences are still read by python-hl7 (``hl7.util.unescape``), the field's maintained
table, and only in a field that holds the escape character.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from cbc_cli.errors import InputError
from cbc_cli.limits import Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.parse import Moment, parse_moment
from cbc_cli.readers.coded import Notes
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source, iter_lines

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
"""The shape of a segment id (MSH, OBX, ZDS)."""
# MLLP (HL7 v2 Transport Specification: MLLP, release 2): 0x0B starts a block, 0x1C ends it.
_MLLP = re.compile("[\x0b\x1c]")
_WRAPPERS = frozenset({"FHS", "BHS", "BTS", "FTS"})
# The shape of an HL7 v2 DTM, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (v2.5.1 section 2.A):
# read by the one date parser, which reads other shapes too that an HL7 field must not hold.
_DTM_SHAPE = re.compile(r"\d{4}(?:\d{2}){0,5}(?:\.\d{1,4})?(?:[+-]\d{4})?")


@dataclass(slots=True)
class Segment:
    """One segment as read: its 1-based input line and its text."""

    line: int
    text: str

    @property
    def id(self) -> str:
        """The segment id (MSH, PID, OBX, ...)."""
        return self.text[:3]


class Unparsable(Exception):
    """python-hl7 could not parse a message (its own message may quote patient data)."""


def segments(source: Source) -> Iterator[Segment]:
    """The segments of the input, whatever ends them (CR, LF, CRLF) and without MLLP bytes."""
    split = _MLLP.split
    for number, line in enumerate(iter_lines(source), start=1):
        if "\x0b" in line or "\x1c" in line:
            for piece in split(line):
                text = piece.strip()
                if text:
                    yield Segment(number, text)
        else:
            text = line.strip()
            if text:
                yield Segment(number, text)


def framed(
    source: Source, limits: Limits, notes: Notes
) -> Iterator[Record | tuple[int, list[Segment]]]:
    """The input framed into messages, in input order: (number from 1, segments from its MSH
    on) for each message to read, and an error :class:`Record` in the place of segments before
    any MSH and of a message past ``limits.hl7_message``.

    A batch's BTS-1 message count is checked against the messages seen (a note when they differ).
    """
    message: list[Segment] = []
    orphans = _Orphans()
    number = 0
    batch_start: int | None = None
    batch_messages = 0
    size = 0
    limit = limits.hl7_message
    too_long: Segment | None = None  # the MSH of a message past the limit
    for segment in segments(source):
        sid = segment.text[:3]
        if sid == "MSH" or sid in _WRAPPERS:
            if orphans.first is not None:
                yield orphans.record()
                orphans = _Orphans()
            if too_long is not None:
                yield _too_long(number, too_long, limit)
                too_long = None
            if message:
                yield number, message
                message = []
        if sid == "MSH":
            number += 1
            batch_messages += 1
            message = [segment]
            size = len(segment.text) + 1
            if size > limit:
                too_long, message = segment, []
        elif too_long is not None and sid not in _WRAPPERS:
            continue  # the rest of a message past the limit: let go
        elif sid == "BHS":
            batch_start, batch_messages = segment.line, 0
        elif sid == "BTS":
            _check_batch_count(segment, batch_start, batch_messages, notes)
            batch_start = None
        elif sid in _WRAPPERS:
            continue
        elif message:
            message.append(segment)
            size += len(segment.text) + 1
            if size > limit:
                too_long, message = message[0], []
        else:
            orphans.add(segment)
    if orphans.first is not None:
        yield orphans.record()
    if too_long is not None:
        yield _too_long(number, too_long, limit)
    if message:
        yield number, message


def _too_long(number: int, msh: Segment, limit: int) -> Record:
    return Record(
        msh.line,
        error=ErrorInfo(
            line=msh.line,
            field="MSH",
            code="limit.exceeded",
            message=(
                f"message {number} (line {msh.line}) is longer than the hl7_message limit "
                f"({limit} characters) and is not read; give --limit hl7_message=SIZE to read it"
            ),
        ),
    )


class _Orphans:
    """Segments before any MSH, counted rather than kept (a file of them can be any length)."""

    def __init__(self) -> None:
        self.first: Segment | None = None
        self.count = 0
        self.ids: dict[str, None] = {}

    def add(self, segment: Segment) -> None:
        """Count one more segment, and its id (the first few ids named)."""
        self.first = self.first or segment
        self.count += 1
        if len(self.ids) < 8:
            self.ids[segment.id if SEGMENT_ID.fullmatch(segment.id) else "?"] = None

    def record(self) -> Record:
        """One error record for all of them, at the first one's line."""
        assert self.first is not None
        line = self.first.line
        ids = ", ".join(self.ids)
        return Record(
            line,
            error=ErrorInfo(
                line=line,
                field="MSH",
                message=(
                    f"line {line}: {self.count} segment(s) ({ids}) before any MSH segment; "
                    "an HL7 message starts with MSH"
                ),
            ),
        )


def _check_batch_count(bts: Segment, start: int | None, count: int, notes: Notes) -> None:
    # BTS-1, the batch message count (HL7 v2.5.1 chapter 2): a mismatch means lost messages.
    separator = bts.text[3:4] or "|"
    fields = bts.text.split(separator)
    declared = fields[1].strip() if len(fields) > 1 else ""
    if start is not None and declared.isdigit() and int(declared) != count:
        notes.add(
            f"the batch from line {start} holds {count} message(s) but BTS-1 (line {bts.line}) "
            f"says {declared}: check that the feed is complete"
        )


# ---------------------------------------------------------------------------------------------
# Encoding characters and fields.


def encoding_problem(msh: str) -> tuple[str, str] | None:
    """(field, problem) when MSH-1/MSH-2 do not declare usable delimiters, else None."""
    if len(msh) < 8:
        return "MSH-2", "MSH is too short to declare its delimiters (MSH|^~\\&|...)"
    separator = msh[3]
    if separator.isalnum() or separator.isspace():
        return "MSH-1", f"the field separator {separator!r} is a letter, digit or space"
    end = msh.find(separator, 4)
    encoding = msh[4:] if end < 0 else msh[4:end]
    # MSH-2 (HL7 v2.5.1 chapter 2): the component, repetition, escape and subcomponent
    # separators, in that order; v2.7 adds a fifth, the truncation character.
    if (
        len(encoding) not in (4, 5)
        or len(set(encoding)) != len(encoding)
        or separator in encoding
        or any(c.isalnum() or c.isspace() for c in encoding)
    ):
        return "MSH-2", (
            f"the encoding characters {encoding!r} are not understood: MSH-2 needs four distinct "
            "characters, none a letter, digit or space (usually ^~\\&)"
        )
    return None


@contextmanager
def library_log() -> Iterator[list[str]]:
    """Catch what python-hl7 logs while it unescapes fields, instead of printing it.

    python-hl7 0.4.5 logs an escape sequence it cannot read (with the field's text, which may be
    patient data) and calls the deprecated ``Logger.warn``; the reader turns these into a cell
    error at the segment instead.
    """
    import hl7.util  # type: ignore[import-untyped]

    caught: list[str] = []
    logger = logging.getLogger(hl7.util.__file__)

    def keep(record: logging.LogRecord) -> bool:
        caught.append(record.levelname)
        return False

    logger.addFilter(keep)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield caught
    finally:
        logger.removeFilter(keep)


def unescape(container: Any, text: str, caught: list[str]) -> str:
    """``text`` with its escape sequences read by python-hl7 (HL7 v2.5.1 section 2.7), for the
    delimiters of ``container`` (its ``separators`` and ``esc``, as python-hl7 holds them).

    A sequence python-hl7 cannot read is logged by it (caught here into ``caught``) and left
    out. One it fails on (``\\.sp1x\\``: a count that is no number) is left out the same way,
    the others read one at a time.
    """
    from hl7.util import unescape as library_unescape

    try:
        return str(library_unescape(container, text))
    except (ValueError, IndexError):
        pass
    esc = container.esc
    pieces = text.split(esc)
    if len(pieces) % 2 == 0:
        pieces.pop()  # a sequence never closed: python-hl7 leaves it out
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(piece)
            continue
        try:
            out.append(str(library_unescape(container, f"{esc}{piece}{esc}")))
        except (ValueError, IndexError):
            caught.append("ERROR")
    return "".join(out)


class Fields(Protocol):
    """Reads fields of a message's segments (SplitFields or TreeFields)."""

    caught: list[str]
    """What python-hl7 logged while unescaping: an escape sequence it could not read."""

    def get(self, segment: Any, number: int, component: int = 1) -> str:
        """Component ``component`` of field ``number``, unescaped and stripped, or ""."""
        ...

    def components(self, segment: Any, number: int, count: int) -> list[str]:
        """The first ``count`` components of field ``number``."""
        ...


class SplitFields:
    """Reads the fields of one message's segments by splitting their text with its own encoding
    characters (MSH-1, MSH-2), as python-hl7's tree would give them (see module docstring)."""

    __slots__ = ("caught", "component", "esc", "field", "repetition", "separators", "sub")

    def __init__(self, msh: str) -> None:
        """For the message whose MSH text is ``msh`` (its delimiters checked already)."""
        self.field = msh[3]
        component, repetition, esc, sub = msh[4], msh[5], msh[6], msh[7]
        self.component, self.repetition, self.esc, self.sub = component, repetition, esc, sub
        # As python-hl7 holds them (segment, field, repetition, component, subcomponent), for
        # its unescape: \F\ \R\ \S\ \T\ are separators[1..4].
        self.separators = f"\r{self.field}{repetition}{component}{sub}"
        self.caught: list[str] = []
        """What python-hl7 logged while unescaping (see :func:`library_log`)."""

    def split(self, text: str) -> list[str]:
        """A segment's fields, numbered as HL7 numbers them (MSH-1 is the field separator)."""
        fields = text.split(self.field)
        if text.startswith(("MSH", "FHS", "BHS")):
            fields.insert(1, self.field)
        return fields

    def get(self, fields: list[str], number: int, component: int = 1) -> str:
        """Component ``component`` of the first repetition of field ``number`` (its first
        subcomponent), unescaped and stripped; "" when it is not there."""
        if number >= len(fields):
            return ""
        value = fields[number]
        if not value:
            return ""
        if self.repetition in value:
            value = value.split(self.repetition, 1)[0]
        if component > 1 or self.component in value:
            parts = value.split(self.component, component)
            if len(parts) < component:
                return ""
            value = parts[component - 1]
        return self._text(value)

    def components(self, fields: list[str], number: int, count: int) -> list[str]:
        """The first ``count`` components of field ``number`` as :meth:`get` reads each."""
        value = fields[number] if number < len(fields) else ""
        if self.repetition in value:
            value = value.split(self.repetition, 1)[0]
        parts = value.split(self.component, count)[:count]
        text = self._text
        return [text(part) for part in parts] + [""] * (count - len(parts))

    def _text(self, value: str) -> str:
        if self.sub in value:
            value = value.split(self.sub, 1)[0]
        if self.esc in value:
            with library_log() as caught:
                value = unescape(self, value, caught)
            self.caught.extend(caught)
        return value.strip()


def dtm(raw: str) -> Moment | None:
    """An HL7 DTM (v2.5.1 section 2.A) read by the one date parser, to the precision given
    (``197005`` stays a month); None when it is not one."""
    if _DTM_SHAPE.fullmatch(raw.strip()) is None:
        return None  # an ISO or year-last date is not an HL7 DTM
    try:
        return parse_moment(raw, "date")
    except InputError:
        return None
