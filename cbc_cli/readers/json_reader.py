"""JSON and NDJSON input: one object per sample, keyed like a wide CSV header.

Accepted shapes: an array of sample objects (streamed one object at a time), an object with a
``samples``/``results``/``records`` array, a single sample object, or NDJSON (an object a line).
A value may be a number, a string with a unit (``"95 g/L"``) or ``{"value": 95, "unit": "g/L"}``.

NDJSON is read a line at a time: a line that is not valid JSON, or that is past a limit, is an
error record with its line number in its place, and the lines after it are read. A JSON document
that breaks is one error record saying where (the samples before it are read; nothing after it
can be found again). Every JSON value is decoded through :func:`load`, which keeps the nesting
depth and the digits of a number within :class:`~cbc_cli.limits.Limits` (``json_depth``,
``json_digits``): Python's decoder would otherwise recurse until it fails, or refuse a number
past 4,300 digits with a bare ValueError.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

from cbc_cli.errors import CbcError, InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.readers.columns import map_columns
from cbc_cli.readers.records import CellReader, DateOrders, Record, is_missing
from cbc_cli.readers.source import Source, iter_lines
from cbc_cli.units import Quantity

_WRAPPERS = ("samples", "results", "records", "data")
_CHUNK = 1 << 16
# A JSON string (an unterminated one at the end of the text too), whose brackets are not
# nesting, or a run of other characters: what is left when these are removed is the brackets.
_NOT_BRACKET = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[^\[\]{}"]+')
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonLimitError(InputError):
    """A JSON text past a limit (nesting depth, digits of a number): refused before decoding."""

    default_code = "limit.exceeded"


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings not counted).

    Computed without recursion, so that it can be checked before ``json`` recurses: a text
    nested a thousand deep would raise RecursionError in the decoder.
    """
    if "[" not in text and "{" not in text:
        return 0
    brackets = _NOT_BRACKET.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


_TOKEN = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[\[\]{}]')


def deep_value(text: str, limit: int) -> int | None:
    """Where the first outermost value nested deeper than ``limit`` starts in ``text`` (a run of
    values, as in a JSON array's body or NDJSON), or None when every value is within it."""
    if json_depth(text) <= limit:
        return None
    depth = start = 0
    for match in _TOKEN.finditer(text):
        at = match.start()
        char = text[at]
        if char == '"':
            continue
        if char in "[{":
            if depth == 0:
                start = at
            depth += 1
            if depth > limit:
                return start
        else:
            depth = max(depth - 1, 0)
    return None  # pragma: no cover - json_depth found it deeper


@lru_cache(maxsize=4)
def _digit_run(limit: int) -> re.Pattern[str]:
    """More than ``limit`` digits in a row: a number past the limit, or a string with one."""
    return re.compile(rf"\d{{{limit + 1}}}")


_SCALAR_END = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\s,\]}]*')


def value_end(text: str, pos: int) -> int | None:
    """Where the JSON value starting at ``pos`` ends (just past it), found without decoding
    it; None when ``text`` ends first. The value need not be valid inside."""
    if text[pos] not in "[{":
        found = _SCALAR_END.match(text, pos)
        end = found.end() if found else pos
        return end if end < len(text) else None
    depth = 0
    for match in _TOKEN.finditer(text, pos):
        char = text[match.start()]
        if char == '"':
            if match.end() == len(text) and not match.group().endswith('"'):
                return None  # a string cut by the end of the text
            continue
        depth += 1 if char in "[{" else -1
        if depth == 0:
            return match.end()
    return None


def _number_hook(limit: int, kind: Callable[[str], Any]) -> Callable[[str], Any]:
    too_long = _digit_run(limit).search

    def parse(text: str) -> Any:
        if len(text) > limit and too_long(text):
            digits = sum(c.isdigit() for c in text)
            raise JsonLimitError(
                f"a number with {digits} digits is past the json_digits limit ({limit})",
                hint=f"no count needs so many digits; check the file, or give --limit "
                f"json_digits={digits}",
            )
        try:
            return kind(text)
        except ValueError:  # past Python's own limit on int() digits: --limit raised past it
            raise JsonLimitError(
                f"a number with {len(text)} characters is too long for this Python to read"
            ) from None

    return parse


@lru_cache(maxsize=4)
def decoder(limits: Limits = DEFAULT_LIMITS) -> json.JSONDecoder:
    """A JSON decoder that refuses a number longer than ``limits.json_digits`` (JsonLimitError).

    The C decoder calls back only for numbers, so the check costs little.
    """
    return json.JSONDecoder(
        parse_int=_number_hook(limits.json_digits, int),
        parse_float=_number_hook(limits.json_digits, float),
    )


def check_depth(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise JsonLimitError when ``text`` nests deeper than ``limits.json_depth``."""
    if text.count("[") + text.count("{") <= limits.json_depth:
        return  # cannot nest deeper than it has brackets
    depth = json_depth(text)
    if depth > limits.json_depth:
        raise JsonLimitError(
            f"JSON nested {depth} deep is past the json_depth limit ({limits.json_depth})",
            hint=f"check the file, or give --limit json_depth={depth}",
        )


def load(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """One JSON value from ``text``, within the limits.

    Raises:
        json.JSONDecodeError: the text is not valid JSON.
        JsonLimitError: the text nests too deep or holds too long a number.
    """
    check_depth(text, limits)
    try:
        return decoder(limits).decode(text)
    except RecursionError:  # a json_depth raised past what Python's stack allows
        raise JsonLimitError(
            "JSON nested too deep for this Python to decode",
            hint="lower --limit json_depth",
        ) from None


def _text_chunks(source: Source) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while chunk := source.stream.read(_CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


class _Broken(NamedTuple):
    """A JSON value that could not be decoded: it becomes an error record in its place."""

    message: str
    code: str = "input.invalid"
    """The error code of the row (docs/errors.md)."""


def _objects(source: Source, limits: Limits) -> Iterator[tuple[int, Any]]:
    """Top-level JSON values of the document, streamed: (line, value) for each sample.

    A top-level array is read an item at a time. A value that cannot be decoded ends the
    document: it is yielded as a :class:`_Broken` (where the next value starts cannot be known).
    """
    decode = decoder(limits).raw_decode
    chunks = _text_chunks(source)
    buf = ""
    line = 1
    pos = 0
    in_array = False
    first = True  # only the document's first value can be the array of samples
    exhausted = False
    # Where in buf the first value nested past the limit starts (len(buf) + 1: none); checked
    # once per chunk read, from the value being read on.
    deep_at = -1

    def fill() -> bool:
        nonlocal buf, pos, exhausted, deep_at
        more = next(chunks, None)
        if more is None:
            exhausted = True
            return False
        buf = buf[pos:] + more
        pos = 0
        deep_at = -1
        return True

    def resync() -> None:
        """After a broken value outside an array, go on at the next line opening with ``{``
        (as NDJSON whose first line was too long to be detected as such); the lines skipped
        belong to the broken value."""
        nonlocal pos, line
        while True:
            found = buf.find("\n{", pos)
            if found >= 0:
                line += buf.count("\n", pos, found + 1)
                pos = found + 1
                return
            line += buf.count("\n", pos, max(pos, len(buf) - 1))
            pos = max(pos, len(buf) - 1)
            if exhausted or not fill():
                pos = len(buf)
                return

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            line += buf[pos] == "\n"
            pos += 1
        if pos >= len(buf):
            if exhausted or not fill():
                break
            continue
        if first and buf[pos] == "[":
            first = False
            in_array = True
            pos += 1
            continue
        if in_array and buf[pos] == "]":
            pos += 1
            in_array = False
            continue
        first = False
        where = f"the value from line {line}" if in_array else f"line {line}"
        too_long = (
            f"{where} is longer than the line limit ({limits.line} characters) that one sample "
            "object, or a document that is one object, keeps to (give --limit line=SIZE, or "
            "write NDJSON)"
        )
        if deep_at < 0:
            found_deep = deep_value(buf[pos:], limits.json_depth)
            deep_at = len(buf) + 1 if found_deep is None else pos + found_deep
        broken: str | None = None
        past_limit = False  # a limit, not broken JSON: where the value ends can be found
        if deep_at <= pos:
            past_limit = True
            stop = value_end(buf, pos)
            depth = json_depth(buf[pos:stop])
            broken = (
                f"{where}: JSON nested {depth} deep{'' if stop else ' or more'} is past the "
                f"json_depth limit ({limits.json_depth}); check the file, or give --limit "
                f"json_depth={depth}"
            )
        else:
            try:
                value, end = decode(buf, pos)
                if end - pos > limits.line:
                    broken = too_long
            except json.JSONDecodeError as exc:
                if len(buf) - pos > limits.line:
                    broken = too_long  # not complete within the limit: not read further
                elif not exhausted and fill():
                    continue
                else:
                    at = line + buf.count("\n", pos, exc.pos)
                    broken = f"{where}: not valid JSON at line {at} ({exc.msg})"
            except JsonLimitError as exc:
                past_limit = True
                broken = f"{where}: {exc}"
            except RecursionError:
                broken = f"{where}: nested too deep for this Python to decode"
        code = "limit.exceeded" if past_limit or broken is too_long else "input.invalid"
        if broken is not None and past_limit and in_array:
            # An item past a limit is skipped to its end (found without decoding it), so the
            # items after it are read.
            skip_to = value_end(buf, pos)
            if skip_to is None and not exhausted and len(buf) - pos <= limits.line and fill():
                continue
            if skip_to is not None:
                yield line, _Broken(f"{broken}; the samples after it are read", code)
                line += buf.count("\n", pos, skip_to)
                pos = skip_to
                deep_at = -1  # checked again from the next value on
                continue
        if broken is not None:
            if in_array:
                yield (
                    line,
                    _Broken(
                        f"{broken}; the samples before it were read, nothing after it can be", code
                    ),
                )
                return
            yield line, _Broken(broken, code)
            resync()
            deep_at = -1
            continue
        if end == len(buf) and not exhausted and isinstance(value, int | float):
            fill()  # a number may continue in the next chunk
            continue
        if not in_array:
            # Text after a value on its line ("9.5 g/dL, ...", or "{...}junk") is not another
            # sample: the whole line is one broken piece, so it makes one error row.
            line_end = buf.find("\n", end)
            if line_end < 0 and not exhausted and fill():
                continue
            rest = buf[end : len(buf) if line_end < 0 else line_end].strip(" \t\r,")
            if rest and rest[0] not in "{[":
                yield line, _Broken(f"{where}: not valid JSON at line {line} (text after a value)")
                resync()
                deep_at = -1
                continue
        yield line, value
        line += buf.count("\n", pos, end)
        pos = end


def _lines(source: Source, limits: Limits) -> Iterator[tuple[int, Any]]:
    """NDJSON: (line number, value) for each line that is not blank; a broken line is a
    :class:`_Broken` in its place and the next line is read."""
    for number, text in enumerate(iter_lines(source), start=1):
        if not text.strip():
            continue
        if len(text) > limits.line:
            yield (
                number,
                _Broken(
                    f"line {number}: {len(text)} characters is past the line limit "
                    f"({limits.line}); give --limit line=SIZE to read it",
                    "limit.exceeded",
                ),
            )
            continue
        try:
            yield number, load(text, limits)
        except json.JSONDecodeError as exc:
            yield (
                number,
                _Broken(
                    f"line {number}: not valid JSON ({exc.msg}, column {exc.colno}); "
                    "the other lines are read"
                ),
            )
        except JsonLimitError as exc:
            yield number, _Broken(f"line {number}: {exc}", exc.code)


def read_json(
    source: Source,
    *,
    ndjson: bool,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    date_format: str | None = None,
) -> tuple[Iterator[Record], list[str]]:
    """The records of a JSON or NDJSON input, and notes about it (``date_format`` as for
    :func:`cbc_cli.parse.parse_moment`).

    Never raises for content: a broken line or document is an error record in its place.
    """
    notes: list[str] = []
    orders: DateOrders = {}

    def samples() -> Iterator[tuple[int, Any]]:
        values = _lines(source, limits) if ndjson else _objects(source, limits)
        for line, value in values:
            if isinstance(value, dict) and not ndjson and "resourceType" not in value:
                wrapped = next(
                    (value[k] for k in _WRAPPERS if isinstance(value.get(k), list)), None
                )
                if wrapped is not None:
                    for item in wrapped:
                        yield line, item
                    continue
            yield line, value

    def records() -> Iterator[Record]:
        for line, item in samples():
            if isinstance(item, _Broken):
                yield Record(line, error=ErrorInfo(line=line, code=item.code, message=item.message))
            else:
                yield _record(line, item, column_options, unit_options, date_format, orders)

    return records(), notes


def _scalar(value: Any) -> tuple[str | None, str | None]:
    """(text, unit) of a JSON value: a number, a string, or {"value": .., "unit": ..}."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, dict):
        inner, unit = value.get("value"), value.get("unit")
        text, _ = _scalar(inner)
        return text, unit if isinstance(unit, str) else None
    if isinstance(value, int | float | str):
        return str(value), None
    return None, None


def _record(
    line: int,
    item: Any,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
    date_format: str | None = None,
    orders: DateOrders | None = None,
) -> Record:
    if isinstance(item, dict) and "resourceType" in item:
        # FHIR is routed to readers.fhir by content; this one was forced with --input-format.
        kind = item["resourceType"]
        return Record(
            line,
            error=ErrorInfo(
                line=line,
                field="resourceType",
                message=f"this is a FHIR {kind if isinstance(kind, str) else ''} resource: "
                "read it with --input-format fhir",
            ),
        )
    if not isinstance(item, dict):
        return Record(
            line,
            error=ErrorInfo(
                line=line,
                message=f"expected an object (one sample) but found {type(item).__name__}",
            ),
        )
    keys = list(item)
    try:
        cmap = map_columns(keys, column_options, unit_options)
    except InputError as exc:
        return Record(line, error=ErrorInfo(line=line, code=exc.code, message=exc.message))
    except Exception as exc:  # a UsageError: two keys name one analyte
        code = exc.code if isinstance(exc, CbcError) else "input.invalid"
        return Record(line, error=ErrorInfo(line=line, code=code, message=str(exc)))
    cell = CellReader(line, date_format=date_format, date_orders=orders)

    def get(key: str) -> str | None:
        index = cmap.context.get(key)
        return None if index is None else _scalar(item[keys[index]])[0]

    patient = cell.patient(get)
    values: dict[str, Quantity] = {}
    lab: dict[str, LabRange] = {}
    for index, analyte_id in cmap.analytes.items():
        raw = item[keys[index]]
        text, unit = _scalar(raw)
        if text is None:
            if raw is not None and not isinstance(raw, dict):
                cell.fail(keys[index], f"{keys[index]}: {raw!r} is not a number")
            continue
        usable, unit = cell.unit(
            analyte_id,
            keys[index],
            cmap.header_units.get(analyte_id),
            unit,
            cell_name='its "unit" field',
        )
        if not usable:
            continue
        q = cell.value(analyte_id, keys[index], text, unit)
        if q is None:
            continue
        values[analyte_id] = q
        if isinstance(raw, dict):
            rng = cell.lab_range(
                analyte_id,
                keys[index],
                low=_scalar(raw.get("ref_low"))[0],
                high=_scalar(raw.get("ref_high"))[0],
                text=_scalar(raw.get("reference_range"))[0],
                unit=unit,
            )
            if rng is not None:
                lab[analyte_id] = rng
    sample_id = get("sample_id")
    record = Record(
        line,
        sample_id=sample_id,
        cell_errors=cell.errors,
        collected_at=get("collected_at"),
        patient_id=get("patient_id"),
        collected=cell.collected,
        collected_problem=cell.collected_problem,
    )
    if not values:
        message = (
            "no value in this object could be read"
            if cell.errors
            else "no analyte cbc reads in this object"
        )
        record.error = ErrorInfo(line=line, code="sample.empty", message=message)
    else:
        record.panel = Panel(values, patient, sample_id, lab)
    return record


__all__ = ["is_missing", "read_json"]
