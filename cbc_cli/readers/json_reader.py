"""JSON and NDJSON input: one object per sample, keyed like a wide CSV header.

Accepted shapes: an array of sample objects (streamed one object at a time), an object with a
``samples``/``results``/``records`` array, a single sample object, or NDJSON (an object a line).
A value may be a number, a string with a unit (``"95 g/L"``) or ``{"value": 95, "unit": "g/L"}``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from typing import Any

from cbc_cli.errors import InputError
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.readers.columns import map_columns
from cbc_cli.readers.records import CellReader, Record, is_missing
from cbc_cli.readers.source import Source
from cbc_cli.units import Quantity

_WRAPPERS = ("samples", "results", "records", "data")
_CHUNK = 1 << 16


def _text_chunks(source: Source) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while chunk := source.stream.read(_CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _objects(source: Source) -> Iterator[tuple[int, Any]]:
    """Top-level JSON values of the document, streamed: (line, value) for each sample."""
    decoder = json.JSONDecoder()
    chunks = _text_chunks(source)
    buf = ""
    line = 1
    pos = 0
    in_array = False
    exhausted = False

    def fill() -> bool:
        nonlocal buf, pos, exhausted
        more = next(chunks, None)
        if more is None:
            exhausted = True
            return False
        buf = buf[pos:] + more
        pos = 0
        return True

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            line += buf[pos] == "\n"
            pos += 1
        if pos >= len(buf):
            if exhausted or not fill():
                break
            continue
        if not in_array and buf[pos] == "[":
            in_array = True
            pos += 1
            continue
        if in_array and buf[pos] == "]":
            pos += 1
            in_array = False
            continue
        try:
            value, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if not exhausted and fill():
                continue
            raise InputError(
                f"{source.name}: not valid JSON at line {line + buf.count(chr(10), pos, exc.pos)} "
                f"({exc.msg})",
                hint="check the file, or give --input-format",
            ) from None
        if end == len(buf) and not exhausted and isinstance(value, int | float):
            fill()  # a number may continue in the next chunk
            continue
        yield line, value
        line += buf.count("\n", pos, end)
        pos = end


def read_json(
    source: Source,
    *,
    ndjson: bool,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
) -> tuple[Iterator[Record], list[str]]:
    """The records of a JSON or NDJSON input, and notes about it."""
    notes: list[str] = []

    def samples() -> Iterator[tuple[int, Any]]:
        for line, value in _objects(source):
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
            yield _record(line, item, column_options, unit_options)

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
) -> Record:
    if isinstance(item, dict) and "resourceType" in item:
        # FHIR is routed to readers.fhir by content; this one was forced with --input-format.
        return Record(
            line,
            error=ErrorInfo(
                line=line,
                field="resourceType",
                message=f"this is a FHIR {item['resourceType']} resource: read it with "
                "--input-format fhir",
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
        return Record(line, error=ErrorInfo(line=line, message=exc.message))
    except Exception as exc:  # a UsageError: two keys name one analyte
        return Record(line, error=ErrorInfo(line=line, message=str(exc)))
    cell = CellReader(line)

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
    )
    if not values:
        message = (
            "no value in this object could be read"
            if cell.errors
            else "no analyte cbc reads in this object"
        )
        record.error = ErrorInfo(line=line, message=message)
    else:
        record.panel = Panel(values, patient, sample_id, lab)
    return record


__all__ = ["is_missing", "read_json"]
