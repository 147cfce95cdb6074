"""JSON and NDJSON input: one object per sample, keyed like a wide CSV header.

Accepted shapes: an array of sample objects (streamed one object at a time), an object with a
``samples``/``results``/``records`` array, a single sample object, or NDJSON (an object a line).
A value may be a number, a string with a unit (``"95 g/L"``) or ``{"value": 95, "unit": "g/L"}``.

NDJSON is read a line at a time: a line that is not valid JSON, or that is past a limit, is an
error record with its line number in its place, and the lines after it are read. A JSON document
that breaks is one error record saying where (the samples before it are read; nothing after it
can be found again). Every JSON value is decoded by :mod:`cbc_cli.readers.json_stream`, the
one incremental decoder, which keeps the nesting depth and the digits of a number within
:class:`~cbc_cli.limits.Limits` (``json_depth``, ``json_digits``).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from typing import Any

from cbc_cli.errors import CbcError, InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.readers.columns import map_columns
from cbc_cli.readers.json_stream import Broken, JsonLimitError, load, stream_values
from cbc_cli.readers.records import CellReader, DateOrders, Record, is_missing
from cbc_cli.readers.source import Source, iter_lines
from cbc_cli.units import Quantity

_WRAPPERS = ("samples", "results", "records", "data")
_CHUNK = 1 << 16


def _text_chunks(source: Source) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while chunk := source.stream.read(_CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _objects(source: Source, limits: Limits) -> Iterator[tuple[int, Any]]:
    """Top-level JSON values of the document, streamed: (line, value) for each sample, or a
    :class:`~cbc_cli.readers.json_stream.Broken` in the place of one that cannot be read."""
    return stream_values(_text_chunks(source), limits)


def _lines(source: Source, limits: Limits) -> Iterator[tuple[int, Any]]:
    """NDJSON: (line number, value) for each line that is not blank; a broken line is a
    :class:`Broken` in its place and the next line is read."""
    for number, text in enumerate(iter_lines(source), start=1):
        if not text.strip():
            continue
        if len(text) > limits.line:
            yield (
                number,
                Broken(
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
                Broken(
                    f"line {number}: not valid JSON ({exc.msg}, column {exc.colno}); "
                    "the other lines are read"
                ),
            )
        except JsonLimitError as exc:
            yield number, Broken(f"line {number}: {exc}", exc.code)


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
            if isinstance(item, Broken):
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
                cell.unread.add(analyte_id)
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
        # The flags printed with the values ("9.1 L"), to compare with cbc's.
        record.panel = Panel(
            values, patient, sample_id, lab, dict(cell.lab_flags), unread=frozenset(cell.unread)
        )
    return record


__all__ = ["is_missing", "read_json"]
