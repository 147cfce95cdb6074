"""Coded results, shared by the HL7 v2 and FHIR readers.

The LOINC lookup (catalogue codes, and the codes of observations about the person: age, body
temperature), UCUM units without annotations, the match of a coded observation to an analyte
(:func:`match_code`), notes capped for long feeds (:class:`Notes`) and the per-sample collector
(:class:`Sample`) that turns coded results into a Record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.models import ErrorInfo
from cbc_cli.panel import LabRange, Panel
from cbc_cli.parse import Moment
from cbc_cli.readers.records import CellReader, Record
from cbc_cli.text import fold
from cbc_cli.units import Quantity

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


__all__ = [
    "CONTEXT_KEYS",
    "CONTEXT_LOINC",
    "LOINC_ANALYTES",
    "Notes",
    "Sample",
    "age_text",
    "match_code",
    "temperature_text",
    "ucum_unit",
]
