"""HL7 v2 input: ORU^R01 result messages, one Record per message.

Reads single messages and batches (several MSH; FHS/BHS ... BTS/FTS wrappers), segments ended by
CR, LF or CRLF, a UTF-8 BOM, MLLP framing (0x0B before a message, 0x1C 0x0D after it) and the
encoding characters each MSH-2 declares. Messages are split here, a segment at a time, so that a
batch streams in bounded memory and a broken message does not stop the rest; each message is then
parsed by python-hl7 (``hl7.parse``), which honours its MSH-1/MSH-2 separators and unescapes
fields. python-hl7 builds a container for every field, repetition and component (about 10 KB for
an OBX), so a message is parsed :data:`PARSE_SEGMENTS` segments at a time: its memory grows with
its text only. A message longer than ``Limits.hl7_message`` is an error record (its segments are
let go as they are read) and the rest is read.

Fields read (HL7 v2.5.1 chapters 2, 3 and 7):

- MSH-9 message type (ORU is read; other types are skipped with a note), MSH-10 control id
- PID-3 patient id, PID-7 date of birth, PID-8 administrative sex (table 0001)
- OBR-3 filler order number, else OBR-2 placer order number, else MSH-10: the sample id;
  OBR-7 observation (collection) time, else OBX-14, else SPM-17
- OBX-2 value type, OBX-3 observation identifier, OBX-5 value, OBX-6 units, OBX-7 reference
  range, OBX-8 abnormal flags, OBX-11 result status

OBX-3 is matched by LOINC code (identifier or alternate identifier, components 1 and 4), else by
local code or name through the analyte aliases and ``--column CODE=analyte``. OBX segments for
other tests are ignored. OBX-3 LOINC 30525-0 (age) and 8310-5 (body temperature) fill the person's
context. The helpers for coded results (LOINC lookup, UCUM units, capped notes) live here and are
shared with the FHIR reader.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.errors import InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.parse import Moment, parse_moment
from cbc_cli.readers.records import CellReader, Record, is_missing
from cbc_cli.readers.source import Source, iter_lines
from cbc_cli.text import fold
from cbc_cli.units import Quantity

# ---------------------------------------------------------------------------------------------
# Coded results: shared with the FHIR reader.

LOINC_ANALYTES: dict[str, str] = {code: a.id for a in ANALYTES.values() for code in a.loinc}
"""LOINC code -> analyte id, from the analyte catalogue."""
CONTEXT_LOINC: dict[str, str] = {"30525-0": "age", "8310-5": "temperature"}
"""LOINC codes of observations that describe the person rather than the blood count."""
CONTEXT_KEYS = frozenset(CONTEXT_LOINC.values())
# UCUM annotations in curly braces ({cells}/uL) are not units: they change no conversion.
_UCUM_ANNOTATION = re.compile(r"\{[^{}]*\}")
# UCUM codes for time (a year, mo month, wk week, d day) as the age parser spells them.
_AGE_UNITS = {"a": "y", "ann": "y", "yr": "y", "y": "y", "mo": "m", "wk": "w", "d": "d"}


_LOINC_SHAPE = re.compile(r"\d{1,7}-\d")
_MESSAGE_TYPE = re.compile(r"[A-Z][A-Z0-9]{2}(\^[A-Z0-9_]{1,7})?")


def ucum_unit(text: str | None) -> str | None:
    """A unit without UCUM annotations (``10*3{cells}/uL`` -> ``10*3/uL``); None if empty."""
    if text is None:
        return None
    unit = _UCUM_ANNOTATION.sub("", text).strip() if "{" in text else text.strip()
    return unit or None


def age_text(number: str, unit: str | None) -> str:
    """An age observation (``54`` with UCUM ``a``) in the form the age parser reads (``54y``).

    A decimal age (``54.5``) is its whole part: ages are compared as whole units lived.
    """
    suffix = _AGE_UNITS.get((unit or "a").strip().lower(), (unit or "").strip())
    whole = number.strip()
    if re.fullmatch(r"\d+\.\d*", whole):
        whole = whole.split(".")[0]
    return f"{whole}{suffix}"


def temperature_text(number: str, unit: str | None) -> str:
    """A temperature observation in the form the temperature parser reads (``101.3F``)."""
    fahrenheit = (unit or "").strip().strip("[]").lower() in {"degf", "f", "°f"}
    return f"{number.strip()}{'F' if fahrenheit else ''}"


def match_code(
    loinc: list[str], local: list[str], column_options: Mapping[str, str] | None
) -> tuple[str | None, str | None]:
    """What a coded observation holds: (analyte id or context key, or None; a note when ignored).

    A LOINC code decides when one is given: a code that is not one of the catalogue's is another
    test, even when its name reads like a CBC analyte (venous, urine or calculated hemoglobin are
    other LOINC codes). Without LOINC, local codes and names go through ``--column`` and the
    analyte aliases.
    """
    options = column_options or {}
    for code in loinc:
        target = LOINC_ANALYTES.get(code.strip()) or CONTEXT_LOINC.get(code.strip())
        if target:
            return target, None
    if options:
        for name in (*loinc, *local):
            mapped = options.get(fold(name)) if name.strip() else None
            if mapped and (mapped in ANALYTES or mapped in CONTEXT_KEYS):
                return mapped, None
    for name in local:
        analyte = find_analyte(name) if name.strip() else None
        if analyte is not None:
            if loinc:
                # Named on stderr only in the shape of a LOINC code (12345-6): other text in
                # that place could be a value from a record.
                code = loinc[0] if _LOINC_SHAPE.fullmatch(loinc[0]) else "(a code)"
                return None, (
                    f"LOINC {code} ({analyte.name}) is not one of the codes read for "
                    f"{analyte.id}; ignored (map it with --column CODE={analyte.id})"
                )
            return analyte.id, None
    return None, None


class Notes:
    """Notes about an input, capped so that a million-message feed does not flood stderr."""

    def __init__(self, limit: int = 20) -> None:
        self.lines: list[str] = []
        self.limit = limit
        self.more = 0
        self._seen: set[str] = set()

    def add(self, text: str) -> None:
        """Add a note once; past the limit, only count it."""
        if text in self._seen:
            return
        if len(self._seen) < self.limit:
            self._seen.add(text)
            self.lines.append(text)
        else:
            self.more += 1

    def finish(self) -> None:
        """Say how many notes were left out."""
        if self.more:
            self.lines.append(f"{self.more} more notes like these were left out")
            self.more = 0


@dataclass
class Sample:
    """What a reader collects for one sample before it becomes a Record."""

    cell: CellReader
    values: dict[str, Quantity] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    """Analyte id -> where its value was read (for messages about duplicates)."""
    lab: dict[str, LabRange] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)
    context: dict[str, str | Moment] = field(default_factory=dict)
    """Person context for CellReader.patient: sex, age, temperature as text; dob and
    collected_at as text, or as the Moment a reader has already read."""

    def add(
        self,
        analyte_id: str,
        column: str,
        text: str,
        unit: str | None,
        *,
        where: str,
        line: int | None,
        replaces: bool = False,
        range_text: str | None = None,
        range_low: str | None = None,
        range_high: str | None = None,
        range_unit: str | None = None,
        range_column: str | None = None,
        flag: str | None = None,
    ) -> None:
        """Read one coded result into the sample (an analyte value or a context value)."""
        if analyte_id in CONTEXT_KEYS:
            if analyte_id == "age":
                self.context.setdefault("age", age_text(text, unit))
            else:
                self.context.setdefault("temperature", temperature_text(text, unit))
            return
        q = self.cell.value(analyte_id, column, text, unit, line)
        printed = self.cell.lab_flags.pop(analyte_id, None)  # "9.1 L" in OBX-5
        if q is None:
            return
        if analyte_id in self.values and not replaces:
            if self.values[analyte_id].value != q.value:
                self.cell.fail(
                    column,
                    f"{column}: {analyte_id} is given twice ({self.where[analyte_id]} and "
                    f"{where}); the first is used",
                    line,
                )
            return
        self.values[analyte_id] = q
        self.where[analyte_id] = where
        rng = None
        if range_text is not None or range_low is not None or range_high is not None:
            rng = self.cell.lab_range(
                analyte_id,
                range_column or column,
                low=range_low,
                high=range_high,
                text=range_text,
                unit=range_unit or unit,
                line=line,
            )
        if rng is not None:
            self.lab[analyte_id] = rng
        else:
            self.lab.pop(analyte_id, None)
        if flag or printed:
            self.flags[analyte_id] = flag or printed or ""
        else:
            self.flags.pop(analyte_id, None)

    def panel_record(
        self,
        line: int | None,
        *,
        sample_id: str | None,
        patient_id: str | None,
        fields: Mapping[str, str],
        prefix: str,
        empty: str,
        prefix_all: bool = True,
    ) -> Record:
        """The Record: a panel, or an error when nothing was read.

        ``fields`` renames the context errors' fields (``dob`` -> ``PID-7``); ``prefix`` says
        where the sample is (``message 3``), and starts each error message (only the context
        errors' when ``prefix_all`` is false); ``empty`` is the error when no value was read.
        """
        context_errors = len(self.cell.errors)
        patient = self.cell.patient(self.context.get)
        errors = []
        for index, error in enumerate(self.cell.errors):
            about_person = index >= context_errors
            message = error.message
            if (prefix_all or about_person) and not message.startswith(prefix):
                message = f"{prefix}: {message}"
            named = fields.get(error.field or "", error.field) if about_person else error.field
            errors.append(replace(error, field=named, message=message))
        given = self.context.get("collected_at")
        record = Record(
            line,
            sample_id=sample_id,
            cell_errors=errors,
            collected_at=given.iso() if isinstance(given, Moment) else given,
            patient_id=patient_id,
            collected=self.cell.collected,
            collected_problem=self.cell.collected_problem,
        )
        if not self.values and not errors:
            record.error = ErrorInfo(line=line, message=f"{prefix}: {empty}")
        else:
            record.panel = Panel(
                self.values,
                patient,
                sample_id,
                self.lab,
                self.flags,
                unread=frozenset(self.cell.unread),
            )
        return record


# ---------------------------------------------------------------------------------------------
# HL7 v2 messages.

PARSE_SEGMENTS = 64
"""Segments of a message parsed by python-hl7 at a time (with its MSH, for the delimiters)."""
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
# MLLP (HL7 v2 Transport Specification: MLLP, release 2): 0x0B starts a block, 0x1C ends it.
_MLLP = re.compile("[\x0b\x1c]")
_WRAPPERS = frozenset({"FHS", "BHS", "BTS", "FTS"})
# The segments read, and the last field read in each; for MSH one less than MSH-10, since
# MSH-1 is the field separator itself and not a piece between separators.
_READ = {"MSH": 9, "PID": 8, "OBR": 7, "OBX": 14, "SPM": 17}
_HEADERS = frozenset({"MSH", "FHS", "BHS"})
# HL7 table 0085 result status: D (deleted) and W (wrong) must not be used; X (cannot be
# obtained), I (pending), N (not asked) and O (order detail) carry no result.
_STATUS_UNUSABLE = frozenset({"D", "W"})
_STATUS_NO_RESULT = frozenset({"X", "I", "N", "O"})
# The shape of an HL7 v2 DTM, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ] (v2.5.1 section 2.A):
# read by the one date parser, which reads other shapes too that an HL7 field must not hold.
_DTM_SHAPE = re.compile(r"\d{4}(?:\d{2}){0,5}(?:\.\d{1,4})?(?:[+-]\d{4})?")
_CONTEXT_FIELDS = {
    "sex": "PID-8",
    "dob": "PID-7",
    "collected_at": "OBR-7",
    "age": "OBX-5",
    "temperature": "OBX-5",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment as read: its 1-based input line and its text."""

    line: int
    text: str

    @property
    def id(self) -> str:
        """The segment id (MSH, PID, OBX, ...)."""
        return self.text[:3]


def read_hl7(
    source: Source,
    *,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Iterator[Record], list[str]]:
    """The records of an HL7 v2 input (one per ORU message), and notes about it.

    Never raises for content: a message that cannot be read (or is longer than
    ``limits.hl7_message``) becomes an error Record with its message number and line; other
    message types are skipped with a note.
    """
    notes = Notes()

    def records() -> Iterator[Record]:
        message: list[Segment] = []
        orphans = _Orphans()
        number = 0
        batch_start: int | None = None
        batch_messages = 0
        size = 0
        too_long: Segment | None = None  # the MSH of a message past the limit
        for segment in _segments(source):
            sid = segment.id
            if sid == "MSH" or sid in _WRAPPERS:
                if orphans.first is not None:
                    yield orphans.record()
                    orphans = _Orphans()
                if too_long is not None:
                    yield _too_long(number, too_long, limits.hl7_message)
                    too_long = None
                if message:
                    record = _read_message(number, message, notes, column_options, unit_options)
                    if record is not None:
                        yield record
                    message = []
            if sid == "MSH":
                number += 1
                batch_messages += 1
                message = [segment]
                size = len(segment.text) + 1
                if size > limits.hl7_message:
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
                if size > limits.hl7_message:
                    too_long, message = message[0], []
            else:
                orphans.add(segment)
        if orphans.first is not None:
            yield orphans.record()
        if too_long is not None:
            yield _too_long(number, too_long, limits.hl7_message)
        if message:
            record = _read_message(number, message, notes, column_options, unit_options)
            if record is not None:
                yield record
        notes.finish()

    return records(), notes.lines


def _segments(source: Source) -> Iterator[Segment]:
    """The segments of the input, whatever ends them (CR, LF, CRLF) and without MLLP bytes."""
    for number, line in enumerate(iter_lines(source), start=1):
        for piece in _MLLP.split(line.rstrip("\n")):
            text = piece.strip()
            if text:
                yield Segment(number, text)


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
            self.ids[segment.id if _SEGMENT_ID.fullmatch(segment.id) else "?"] = None

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


def _encoding_problem(msh: str) -> tuple[str, str] | None:
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
def _library_log() -> Iterator[list[str]]:
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


def _get(segment: Any, number: int, component: int = 1, repetition: int = 1) -> str:
    """One component of a field, unescaped, or "" when it is not there.

    Walks python-hl7's tree (Field > Repetition > Component > subcomponent text) as its
    ``extract_field`` does, first subcomponent when there are several, without building an
    Accessor per call: a batch reads a dozen fields per OBX.
    """
    from hl7.util import unescape

    # list.__getitem__: python-hl7's containers override indexing to handle slices, which
    # costs more than the lookups themselves.
    at = list.__getitem__
    if number >= len(segment):
        return ""
    node: Any = at(segment, number)
    if at(at(segment, 0), 0) in _HEADERS and number in (1, 2):
        return str(node[0]) if node else ""  # MSH-1 and MSH-2 are the delimiters themselves
    for index in (repetition, component):
        if isinstance(node, str):
            return "" if index > 1 else _text(segment, node, unescape)
        if index > len(node):
            return ""
        node = at(node, index - 1)
    while not isinstance(node, str):
        if not node:
            return ""
        node = at(node, 0)
    return _text(segment, node, unescape)


def _text(segment: Any, value: str, unescape: Any) -> str:
    text = str(unescape(segment, value)) if segment.esc in value else value
    return text.strip()


def _read_message(
    number: int,
    segments: list[Segment],
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
) -> Record | None:
    msh = segments[0]
    prefix = f"message {number}"
    problem = _encoding_problem(msh.text)
    if problem is not None:
        where, text = problem
        return Record(
            msh.line,
            error=ErrorInfo(line=msh.line, field=where, message=f"{prefix}, {where}: {text}"),
        )
    separator = msh.text[3]
    cell = CellReader(msh.line)
    good = [msh]
    for segment in segments[1:]:
        if _SEGMENT_ID.fullmatch(segment.id) and segment.text[3:4] in ("", separator):
            if segment.id in _READ:  # NTE, ORC, PV1, ...: not read, so not parsed
                good.append(segment)
        else:
            cell.fail(
                "segment",
                f"line {segment.line}: not an HL7 segment (a 3-character id, then "
                f"{separator!r}); skipped",
                segment.line,
            )
    import hl7

    def cut(segment: Segment) -> str:
        # python-hl7 builds a container for every field: parse only up to the last field read.
        last = _READ[segment.id] + 1
        return separator.join(segment.text.split(separator, last)[:last])

    head = cut(msh)

    def parse(texts: list[str]) -> Any:
        try:
            return hl7.parse("\r".join(texts))
        except (hl7.HL7Exception, ValueError, IndexError, AssertionError):
            raise _Unparsable from None

    def parsed() -> Iterator[tuple[int, Any]]:
        """(line, parsed segment) for the segments read, a few at a time."""
        for start in range(1, len(good), PARSE_SEGMENTS):
            chunk = good[start : start + PARSE_SEGMENTS]
            tree = parse([head, *(cut(s) for s in chunk)])
            if len(tree) != len(chunk) + 1:
                raise _Unparsable
            for segment, seg in zip(chunk, tree[1:], strict=True):
                yield segment.line, seg

    with _library_log() as caught:
        try:
            msh_tree = parse([head])[0]
            message_type = _get(msh_tree, 9, 1)
            if message_type.upper() != "ORU":
                trigger = _get(msh_tree, 9, 2)
                kind = f"{message_type}^{trigger}" if trigger else message_type or "(no MSH-9)"
                if _MESSAGE_TYPE.fullmatch(kind) is None:
                    # Said on stderr only when it has the shape of a type (ADT^A01): any other
                    # text in MSH-9 could be a value from a record.
                    kind = "a message of another type"
                notes.add(
                    f"{prefix} (line {msh.line}) is {kind}, not an ORU result message: skipped"
                )
                return None
            return _read_oru(
                number,
                msh_tree,
                parsed(),
                msh.line,
                cell,
                caught,
                notes,
                column_options,
                unit_options,
            )
        except _Unparsable:
            # The library's message may quote the segment (patient data): say where, not what.
            return Record(
                msh.line,
                error=ErrorInfo(
                    line=msh.line,
                    field="MSH",
                    message=f"{prefix} (line {msh.line}): python-hl7 cannot parse this message",
                ),
            )


class _Unparsable(Exception):
    """python-hl7 could not parse a message (its own message may quote patient data)."""


def _read_oru(
    number: int,
    msh: Any,
    parsed: Iterator[tuple[int, Any]],
    msh_line: int,
    cell: CellReader,
    caught: list[str],
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
) -> Record:
    prefix = f"message {number}"
    sample = Sample(cell)
    patient_id = sample_id = None
    placer = ""
    obr_seen = pid_seen = False
    unread: list[str] = []
    obx_count = 0
    for line, seg in parsed:
        sid = str(seg[0]).strip()
        caught.clear()
        if sid == "PID" and not pid_seen:
            pid_seen = True
            patient_id = _get(seg, 3) or None
            _read_birth_date(_get(seg, 7), sample, prefix, line, notes)
            raw_sex = _get(seg, 8)
            if raw_sex:
                # Table 0001 (F, M; O, U, A, N not known) is part of the one sex vocabulary.
                sample.context["sex"] = raw_sex
        elif sid == "OBR" and not obr_seen:
            obr_seen = True
            sample_id = _get(seg, 3) or None
            placer = _get(seg, 2)
            _read_time(_get(seg, 7), "OBR-7", sample, line)
        elif sid == "SPM":
            _read_time(_get(seg, 17), "SPM-17", sample, line)
        elif sid == "OBX":
            obx_count += 1
            where = f"OBX {obx_count} (line {line})"
            other = _read_obx(seg, sample, where, line, notes, column_options, unit_options)
            if other is not None:
                unread.append(other)
        if caught:
            cell.fail(
                sid,
                f"line {line}: an escape sequence in {sid} is not understood (HL7 v2.5.1 "
                "section 2.7); read without it",
                line,
            )
    sample_id = sample_id or placer or _get(msh, 10) or None
    seen = ", ".join(dict.fromkeys(unread)) or "none"
    empty = (
        f"no OBX segment holds a CBC analyte (OBX-3 codes: {seen}); "
        "map local codes with --column CODE=ANALYTE"
        if obx_count
        else "no OBX segment: nothing to interpret"
    )
    return sample.panel_record(
        msh_line,
        sample_id=sample_id,
        patient_id=patient_id,
        fields=_CONTEXT_FIELDS,
        prefix=prefix,
        empty=empty,
    )


def _read_birth_date(raw: str, sample: Sample, prefix: str, line: int, notes: Notes) -> None:
    if is_missing(raw):
        return
    parsed = _dtm(raw)
    if parsed is None:
        # The birth date identifies a person: say where it is, not what it is.
        sample.cell.fail("PID-7", f"line {line}: PID-7 is not an HL7 date (YYYYMMDD)", line)
    elif parsed.precision in ("year", "month"):
        notes.add(f"{prefix} (line {line}): PID-7 gives no full birth date, so no age is computed")
    else:
        sample.context["dob"] = parsed


def _read_time(raw: str, where: str, sample: Sample, line: int) -> None:
    if is_missing(raw) or "collected_at" in sample.context:
        return
    parsed = _dtm(raw)
    if parsed is None:
        sample.cell.fail(where, f"line {line}: {where} {raw!r} is not an HL7 date/time", line)
    else:
        sample.context["collected_at"] = parsed


def _dtm(raw: str) -> Moment | None:
    """An HL7 DTM (v2.5.1 section 2.A) read by the one date parser, to the precision given
    (``197005`` stays a month); None when it is not one."""
    if _DTM_SHAPE.fullmatch(raw.strip()) is None:
        return None  # an ISO or year-last date is not an HL7 DTM
    try:
        return parse_moment(raw, "date")
    except InputError:
        return None


def _read_obx(
    seg: Any,
    sample: Sample,
    where: str,
    line: int,
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
) -> str | None:
    """Read one OBX into the sample; returns its OBX-3 code when it is not a test cbc reads."""
    status = _get(seg, 11).upper()
    if status in _STATUS_UNUSABLE:
        return None
    c1, c2, c3 = (_get(seg, 3, i) for i in (1, 2, 3))
    c4, c5, c6 = (_get(seg, 3, i) for i in (4, 5, 6))
    loinc = [code for code, system in ((c1, c3), (c4, c6)) if code and system.upper() == "LN"]
    target, why = match_code(loinc, [c1, c4, c2, c5], column_options)
    if target is None:
        if why:
            notes.add(f"{where}: {why}")
        return c1 or c4 or c2 or "?"
    value_type = _get(seg, 2).upper()
    if value_type == "SN":
        # SN (HL7 v2.5.1 section 2.A, SN): comparator ^ num1 ^ separator/suffix ^ num2.
        comparator, num1, suffix, num2 = (_get(seg, 5, i) for i in (1, 2, 3, 4))
        if suffix or num2:
            sample.cell.fail(
                "OBX-5",
                f"{where}, OBX-5: a structured numeric range or ratio is not a single value",
                line,
            )
            return None
        text = f"{'' if comparator == '=' else comparator}{num1}"
    else:
        text = _get(seg, 5)
    if is_missing(text):
        if status not in _STATUS_NO_RESULT:
            sample.cell.fail(
                "OBX-5", f"{where}, OBX-5: no value for {target} (OBX-11 {status or 'empty'})", line
            )
        return None
    _read_time(_get(seg, 14), "OBX-14", sample, line)
    unit = ucum_unit(_get(seg, 6, 1) or _get(seg, 6, 2))
    if unit is None and unit_options:
        unit = unit_options.get(target)
    raw_range = _get(seg, 7).strip("[]() ")
    raw_flag = _get(seg, 8).upper()
    errors_before = len(sample.cell.errors)
    sample.add(
        target,
        "OBX-5",
        text,
        unit,
        where=where,
        line=line,
        replaces=status == "C",  # a corrected result replaces the one sent before (table 0085)
        range_text=raw_range or None,
        range_column="OBX-7",
        flag=raw_flag or None,
    )
    for index in range(errors_before, len(sample.cell.errors)):
        e = sample.cell.errors[index]
        if not e.message.startswith(where):
            sample.cell.errors[index] = replace(e, message=f"{where}, {e.message}")
    return None


__all__ = [
    "CONTEXT_LOINC",
    "LOINC_ANALYTES",
    "Notes",
    "Sample",
    "Segment",
    "match_code",
    "read_hl7",
    "ucum_unit",
]
