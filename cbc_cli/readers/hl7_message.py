"""One HL7 v2 message -> one sample: an ORU^R01 result message read into a Record.

Fields read (HL7 v2.5.1 chapters 2, 3 and 7):

- MSH-9 message type (ORU is read; other types are skipped with a note), MSH-10 control id
- PID-3 patient id, PID-7 date of birth, PID-8 administrative sex (table 0001)
- OBR-3 filler order number, else OBR-2 placer order number, else MSH-10: the sample id;
  OBR-7 observation (collection) time, else OBX-14, else SPM-17
- OBX segments: see :mod:`cbc_cli.readers.hl7_obx`

Only the segments read (MSH, PID, OBR, OBX, SPM) are split into fields; NTE, ORC, PV1 and the
rest are checked to be segments and let go. Fields are read by splitting the segment text with
the message's encoding characters (:class:`~cbc_cli.readers.hl7_segments.SplitFields`), or, with
``parser="python-hl7"``, from python-hl7's tree (:mod:`cbc_cli.readers.hl7_tree`): the same
Records either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cbc_cli.models import ErrorInfo
from cbc_cli.readers.coded import Notes, Sample
from cbc_cli.readers.hl7_obx import read_obx, read_time
from cbc_cli.readers.hl7_segments import (
    SEGMENT_ID,
    Fields,
    Segment,
    SplitFields,
    Unparsable,
    dtm,
    encoding_problem,
    library_log,
)
from cbc_cli.readers.hl7_tree import TreeFields
from cbc_cli.readers.records import CellReader, Record, is_missing

PARSERS = ("split", "python-hl7")
"""How fields are read: split from the segment text, or from python-hl7's tree."""
LAST_FIELD = {"MSH": 10, "PID": 8, "OBR": 7, "OBX": 14, "SPM": 17}
"""The segments read, and the last field read in each."""
_MESSAGE_TYPE = re.compile(r"[A-Z][A-Z0-9]{2}(\^[A-Z0-9_]{1,7})?")
_CONTEXT_FIELDS = {
    "sex": "PID-8",
    "dob": "PID-7",
    "collected_at": "OBR-7",
    "age": "OBX-5",
    "temperature": "OBX-5",
}


def read_message(
    number: int,
    segments: list[Segment],
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
    parser: str = "split",
) -> Record | None:
    """The Record of message ``number`` (its segments from its MSH on), or None when it is not
    a result message (skipped with a note). Never raises for content."""
    msh = segments[0]
    prefix = f"message {number}"
    problem = encoding_problem(msh.text)
    if problem is not None:
        where, text = problem
        return Record(
            msh.line,
            error=ErrorInfo(line=msh.line, field=where, message=f"{prefix}, {where}: {text}"),
        )
    separator = msh.text[3]
    cell = CellReader(msh.line)
    good = []
    for segment in segments[1:]:
        text = segment.text
        sid = text[:3]
        if text[3:4] in ("", separator) and (sid in LAST_FIELD or SEGMENT_ID.fullmatch(sid)):
            if sid in LAST_FIELD:  # NTE, ORC, PV1, ...: not read, so not split
                good.append(segment)
        else:
            cell.fail(
                "segment",
                f"line {segment.line}: not an HL7 segment (a 3-character id, then "
                f"{separator!r}); skipped",
                segment.line,
            )
    read = (number, msh.line, cell, notes, column_options, unit_options)
    if parser == "split":
        fields = SplitFields(msh.text)
        split = fields.split
        parsed = ((s.line, s.text[:3], split(s.text)) for s in good)
        return _read(fields, split(msh.text), parsed, *read)
    tree = TreeFields(msh, good, LAST_FIELD)
    with library_log() as caught:
        tree.caught = caught
        try:
            return _read(tree, tree.msh(), tree.parsed(), *read)
        except Unparsable:
            # The library's message may quote the segment (patient data): say where, not what.
            return Record(
                msh.line,
                error=ErrorInfo(
                    line=msh.line,
                    field="MSH",
                    message=f"{prefix} (line {msh.line}): python-hl7 cannot parse this message",
                ),
            )


def _read(
    fields: Fields,
    msh: Any,
    parsed: Iterator[tuple[int, str, Any]],
    number: int,
    msh_line: int,
    cell: CellReader,
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
) -> Record | None:
    prefix = f"message {number}"
    get = fields.get
    message_type = get(msh, 9)
    if message_type.upper() != "ORU":
        trigger = get(msh, 9, 2)
        kind = f"{message_type}^{trigger}" if trigger else message_type or "(no MSH-9)"
        if _MESSAGE_TYPE.fullmatch(kind) is None:
            # Said on stderr only when it has the shape of a type (ADT^A01): any other text in
            # MSH-9 could be a value from a record.
            kind = "a message of another type"
        notes.add(f"{prefix} (line {msh_line}) is {kind}, not an ORU result message: skipped")
        return None
    sample = Sample(cell)
    patient_id = sample_id = None
    placer = ""
    obr_seen = pid_seen = False
    unread: list[str] = []
    obx_count = 0
    caught = fields.caught
    for line, sid, seg in parsed:
        caught.clear()
        if sid == "OBX":
            obx_count += 1
            where = f"OBX {obx_count} (line {line})"
            other = read_obx(fields, seg, sample, where, line, notes, column_options, unit_options)
            if other is not None:
                unread.append(other)
        elif sid == "PID" and not pid_seen:
            pid_seen = True
            patient_id = get(seg, 3) or None
            _read_birth_date(get(seg, 7), sample, prefix, line, notes)
            raw_sex = get(seg, 8)
            if raw_sex:
                # Table 0001 (F, M; O, U, A, N not known) is part of the one sex vocabulary.
                sample.context["sex"] = raw_sex
        elif sid == "OBR" and not obr_seen:
            obr_seen = True
            sample_id = get(seg, 3) or None
            placer = get(seg, 2)
            read_time(get(seg, 7), "OBR-7", sample, line)
        elif sid == "SPM":
            read_time(get(seg, 17), "SPM-17", sample, line)
        if caught:
            cell.fail(
                sid,
                f"line {line}: an escape sequence in {sid} is not understood (HL7 v2.5.1 "
                "section 2.7); read without it",
                line,
            )
    sample_id = sample_id or placer or get(msh, 10) or None
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
    parsed = dtm(raw)
    if parsed is None:
        # The birth date identifies a person: say where it is, not what it is.
        sample.cell.fail("PID-7", f"line {line}: PID-7 is not an HL7 date (YYYYMMDD)", line)
    elif parsed.precision in ("year", "month"):
        notes.add(f"{prefix} (line {line}): PID-7 gives no full birth date, so no age is computed")
    else:
        sample.context["dob"] = parsed
