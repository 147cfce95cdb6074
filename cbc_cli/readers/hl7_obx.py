"""HL7 v2 OBX -> a result in the sample: which analyte, its value, unit, range and flag.

Fields read (HL7 v2.5.1 chapter 7): OBX-2 value type, OBX-3 observation identifier, OBX-5 value,
OBX-6 units, OBX-7 reference range, OBX-8 abnormal flags, OBX-11 result status, OBX-14 time.

OBX-3 is matched by LOINC code (identifier or alternate identifier, components 1 and 4), else by
local code or name through the analyte aliases and ``--column CODE=analyte``. OBX segments for
other tests are ignored. OBX-3 LOINC 30525-0 (age) and 8310-5 (body temperature) fill the person's
context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cbc_cli.readers.coded import Notes, Sample, match_code, ucum_unit
from cbc_cli.readers.hl7_segments import Fields, dtm
from cbc_cli.readers.records import is_missing

# HL7 table 0085 result status: D (deleted) and W (wrong) must not be used; X (cannot be
# obtained), I (pending), N (not asked) and O (order detail) carry no result.
_STATUS_UNUSABLE = frozenset({"D", "W"})
_STATUS_NO_RESULT = frozenset({"X", "I", "N", "O"})


def read_obx(
    fields: Fields,
    seg: Any,
    sample: Sample,
    where: str,
    line: int,
    notes: Notes,
    column_options: Mapping[str, str] | None,
    unit_options: Mapping[str, str] | None,
) -> str | None:
    """Read one OBX into the sample; returns its OBX-3 code when it is not a test cbc reads."""
    get = fields.get
    status = get(seg, 11).upper()
    if status in _STATUS_UNUSABLE:
        return None
    c1, c2, c3, c4, c5, c6 = fields.components(seg, 3, 6)
    loinc = [code for code, system in ((c1, c3), (c4, c6)) if code and system.upper() == "LN"]
    target, why = match_code(loinc, [c1, c4, c2, c5], column_options)
    if target is None:
        if why:
            notes.add(f"{where}: {why}")
        return c1 or c4 or c2 or "?"
    value_type = get(seg, 2).upper()
    if value_type == "SN":
        # SN (HL7 v2.5.1 section 2.A, SN): comparator ^ num1 ^ separator/suffix ^ num2.
        comparator, num1, suffix, num2 = fields.components(seg, 5, 4)
        if suffix or num2:
            sample.cell.fail(
                "OBX-5",
                f"{where}, OBX-5: a structured numeric range or ratio is not a single value",
                line,
            )
            return None
        text = f"{'' if comparator == '=' else comparator}{num1}"
    else:
        text = get(seg, 5)
    if is_missing(text):
        if status not in _STATUS_NO_RESULT:
            sample.cell.fail(
                "OBX-5", f"{where}, OBX-5: no value for {target} (OBX-11 {status or 'empty'})", line
            )
        return None
    read_time(get(seg, 14), "OBX-14", sample, line)
    unit = ucum_unit(get(seg, 6) or get(seg, 6, 2))
    if unit is None and unit_options:
        unit = unit_options.get(target)
    raw_range = get(seg, 7).strip("[]() ")
    raw_flag = get(seg, 8).upper()
    errors = sample.cell.errors
    errors_before = len(errors)
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
    for index in range(errors_before, len(errors)):
        e = errors[index]
        if not e.message.startswith(where):
            errors[index] = replace(e, message=f"{where}, {e.message}")
    return None


def read_time(raw: str, where: str, sample: Sample, line: int) -> None:
    """Read a collection time (OBR-7, OBX-14, SPM-17) into the sample, unless one was read."""
    if is_missing(raw) or "collected_at" in sample.context:
        return
    parsed = dtm(raw)
    if parsed is None:
        sample.cell.fail(where, f"line {line}: {where} {raw!r} is not an HL7 date/time", line)
    else:
        sample.context["collected_at"] = parsed
