"""HL7 v2 input: ORU^R01 result messages, one Record per message.

Reads single messages and batches (several MSH; FHS/BHS ... BTS/FTS wrappers), segments ended by
CR, LF or CRLF, a UTF-8 BOM, MLLP framing and the encoding characters each MSH-2 declares.
The work is split by job:

- :mod:`cbc_cli.readers.hl7_segments`: segments read and framed into messages (batch counts,
  segments before any MSH, the ``hl7_message`` limit), encoding characters, fields split by them
- :mod:`cbc_cli.readers.hl7_message`: one message -> one sample (MSH, PID, OBR, SPM)
- :mod:`cbc_cli.readers.hl7_obx`: one OBX -> one result in the sample
- :mod:`cbc_cli.readers.hl7_tree`: the python-hl7 route (``parser="python-hl7"``), the reference
  the split fields are checked against
- :mod:`cbc_cli.readers.coded`: coded results (LOINC, UCUM, notes, the sample), shared with the
  FHIR reader and re-exported here
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.readers.coded import (
    CONTEXT_LOINC,
    LOINC_ANALYTES,
    Notes,
    Sample,
    match_code,
    ucum_unit,
)
from cbc_cli.readers.hl7_message import PARSERS, read_message
from cbc_cli.readers.hl7_segments import Segment, framed
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source


def read_hl7(
    source: Source,
    *,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    parser: str = "split",
) -> tuple[Iterator[Record], list[str]]:
    """The records of an HL7 v2 input (one per ORU message), and notes about it.

    Never raises for content: a message that cannot be read (or is longer than
    ``limits.hl7_message``) becomes an error Record with its message number and line; other
    message types are skipped with a note. ``parser`` is how fields are read (see
    :data:`~cbc_cli.readers.hl7_message.PARSERS`): the Records are the same either way.
    """
    if parser not in PARSERS:
        raise ValueError(f"parser must be one of {', '.join(PARSERS)}")
    notes = Notes()

    def records() -> Iterator[Record]:
        for item in framed(source, limits, notes):
            if isinstance(item, Record):
                yield item
                continue
            number, message = item
            record = read_message(number, message, notes, column_options, unit_options, parser)
            if record is not None:
                yield record
        notes.finish()

    return records(), notes.lines


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
