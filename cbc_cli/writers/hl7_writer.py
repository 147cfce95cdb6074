"""HL7 v2 output: an ORU^R01 message (v2.5.1) per sample, written one after another (a batch).

Each message is written from the :class:`~cbc_cli.models.Result` alone (``write_result``). It
holds MSH; PID when something is known about the person (PID-3 the patient id, PID-7 the date
of birth as given, PID-8 the sex); OBR (LOINC 58410-2 CBC
panel) with the collection time; NTE segments after OBR for the findings (NTE-4 ``RE``), the
care-team message and the safety line (``PI``), notes and cells that could not be read; then an
OBX per analyte with OBX-3 the LOINC code, OBX-5 the value in the canonical unit (``SN`` with its
comparator for a reported bound such as ``<0.1``), OBX-6 the UCUM unit, OBX-7 the applied
reference range and OBX-8 cbc's flag (HL7 table 0078; empty when no range applies, with an NTE
saying why). A declared age and a body temperature go in OBX segments (LOINC 30525-0 and
8310-5), so that reading the output again gives the same interpretation. A sample that could not
be read becomes a message with OBR-25 ``X`` (no results) and the reason in an NTE.

Segments end with a carriage return, as HL7 v2 chapter 2 requires; text is UTF-8 (MSH-18).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TextIO

from cbc_cli.analytes import ANALYTES
from cbc_cli.models import AnalyteResult, ErrorInfo, Result, SchemeInfo
from cbc_cli.moment import Moment
from cbc_cli.readers.records import Record

VERSION = "2.5.1"
CBC_PANEL = ("58410-2", "CBC panel - Blood by Automated count")
# Canonical units as UCUM codes (the c/s form): 10^9/L is 10*9/L.
UCUM = {"10^9/L": "10*9/L", "10^12/L": "10*12/L", "g/dL": "g/dL", "%": "%", "fL": "fL", "pg": "pg"}
# UCUM units for a declared age: Age.unit d/w/m/y.
AGE_UCUM = {"d": "d", "w": "wk", "m": "mo", "y": "a"}
ENCODING = "^~\\&"


def escape(text: str) -> str:
    """Text for a field: delimiters as escape sequences (HL7 v2.5.1 section 2.7).

    python-hl7's ``escape`` also turns every non-ASCII character into a one-byte ``\\X..\\``
    sequence, which cannot carry UTF-8; this message declares UTF-8 in MSH-18 instead.
    """
    out = text.replace("\\", "\\E\\")  # the escape character first, so later ones stay single
    out = out.replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
    out = out.replace("~", "\\R\\")
    return out.replace("\r\n", "\\.br\\").replace("\n", "\\.br\\").replace("\r", "\\.br\\")


def hl7_time(moment: datetime | date) -> str:
    """An HL7 DTM: YYYYMMDD, or YYYYMMDDHHMMSS with +ZZZZ when the time zone is known."""
    if not isinstance(moment, datetime):
        return moment.strftime("%Y%m%d")
    return moment.strftime("%Y%m%d%H%M%S") + moment.strftime("%z")


def dtm(moment: Moment | date | None) -> str:
    """A result's typed time (``collected``, ``patient.born``) as an HL7 DTM to the precision
    given (a month is ``202403``: HL7 v2.5.1 section 2.A lets a DTM stop at any unit); empty for
    none."""
    if moment is None:
        return ""
    if not isinstance(moment, Moment):
        return hl7_time(moment)
    if moment.has_time:
        return hl7_time(moment.when)
    return moment.when.strftime({"year": "%Y", "month": "%Y%m"}.get(moment.precision, "%Y%m%d"))


def number(value: float) -> str:
    """A value as text: up to 6 significant digits, no exponent for lab-sized numbers."""
    return f"{value:.6g}"


def range_text(low: float | None, high: float | None) -> str:
    """OBX-7 text of a range: ``12-16``, ``>59`` or ``<5`` (empty when both ends are open)."""
    if low is not None and high is not None:
        return f"{number(low)}-{number(high)}"
    if low is not None:
        return f">{number(low)}"
    if high is not None:
        return f"<{number(high)}"
    return ""


@dataclass
class _Segments:
    items: list[str]

    def add(self, sid: str, *fields: str) -> None:
        while fields and not fields[-1]:
            fields = fields[:-1]
        self.items.append("|".join((sid, *fields)))


class Hl7Writer:
    """ORU^R01 messages, one per sample: implements the batch runner's ResultWriter."""

    def __init__(self, out: TextIO, scheme: SchemeInfo, *, now: datetime | None = None) -> None:
        self.out = out
        self.scheme = scheme
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.count = 0

    def write(self, record: Record, result: Result) -> None:
        """Write the message of one sample (the batch runner's call: the Result is enough)."""
        self.write_result(result)

    def write_result(self, result: Result) -> None:
        """Write the message of one sample, from its result alone."""
        self.count += 1
        seg = _Segments([])
        seg.items.append(
            "|".join(
                (
                    "MSH",
                    ENCODING,
                    "cbc-cli",
                    "",
                    "",
                    "",
                    hl7_time(self.now),
                    "",
                    "ORU^R01^ORU_R01",
                    f"CBC{self.count}",
                    "P",
                    VERSION,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "UNICODE UTF-8",
                )
            )
        )
        when = dtm(result.collected)
        born = dtm(result.patient.born)
        sex = {"female": "F", "male": "M"}.get(result.patient.sex or "", "")
        if result.patient_id or born or sex:
            seg.add(
                "PID",
                "1",
                "",
                escape(result.patient_id or ""),
                "",
                "",
                "",
                born,
                sex,
            )
        sample_id = escape(result.sample_id or "")
        status = "X" if result.status == "error" else "F"
        service = f"{CBC_PANEL[0]}^{escape(CBC_PANEL[1])}^LN"
        obr = ["1", "", sample_id, service, "", "", when]
        obr += [""] * 14 + [hl7_time(self.now), "", "HM", status]
        seg.add("OBR", *obr)
        notes = self._notes(result)
        for index, (kind, text) in enumerate(notes, start=1):
            seg.add("NTE", str(index), "O", escape(text), kind)
        set_id = 0
        for analyte in result.analytes:
            set_id += 1
            self._obx(seg, set_id, analyte, when)
        age = result.patient.age
        if age and not result.patient.age_exact:  # an exact age is read again from the dates
            n, unit = age.split()
            set_id += 1
            seg.add(
                "OBX",
                str(set_id),
                "NM",
                "30525-0^Age^LN",
                "",
                n,
                f"{AGE_UCUM[unit]}^^UCUM",
                "",
                "",
                "",
                "",
                "F",
            )
        if result.patient.temperature_c is not None:
            set_id += 1
            seg.add(
                "OBX",
                str(set_id),
                "NM",
                "8310-5^Body temperature^LN",
                "",
                number(result.patient.temperature_c),
                "Cel^^UCUM",
                "",
                "",
                "",
                "",
                "F",
                "",
                "",
                when,
            )
        self.out.write("\r".join(seg.items) + "\r")

    def _obx(self, seg: _Segments, set_id: int, a: AnalyteResult, when: str) -> None:
        code = ANALYTES[a.analyte].loinc[0]
        unit = UCUM.get(a.unit, a.unit)
        value = number(a.value)
        value_type = "NM"
        if a.comparator:
            # SN, comparator ^ num1 (HL7 v2.5.1 section 2.A), keeps a reported bound a bound.
            value_type, value = "SN", f"{escape(a.comparator)}^{value}"
        rng = a.reference_range
        seg.add(
            "OBX",
            str(set_id),
            value_type,
            f"{code}^{escape(a.name)}^LN",
            "",
            value,
            f"{escape(unit)}^^UCUM",
            range_text(rng.low, rng.high) if rng else "",
            a.flag if a.flag and a.flag != "no-range" else "",
            "",
            "",
            "F",
            "",
            "",
            when,
        )
        comments: list[str] = []
        if rng is not None:
            comments.append(f"reference range: {rng.source}")
        if a.derived:
            comments.append(a.input)
        if a.range_note:
            comments.append(a.range_note)
        elif a.flag == "no-range":
            comments.append("no reference range applies")
        for index, text in enumerate(comments, start=1):
            seg.add("NTE", str(index), "O", escape(text), "RE")

    def _notes(self, result: Result) -> list[tuple[str, str]]:
        """(NTE-4 comment type, text) for the sample: HL7 table 0364 RE remark, PI instruction."""
        out: list[tuple[str, str]] = []
        if result.error is not None:
            out.append(("RE", f"not read: {_where(result.error)}"))
        # Values that do not fit together are said before anything read from them.
        out.extend(("RE", f"check these values: {c}") for c in result.consistency)
        for f in result.findings:
            if f.grade is not None:
                grade = f"grade {f.grade} ({self.scheme.title}, {f.severity})"
            else:
                grade = f.grade_note or "not graded"
            pattern = f", {f.pattern}" if f.pattern else ""
            text = f"{f.code}: {f.title}{pattern}; {grade}. {f.explanation} {f.action}"
            out.append(("RE", text.strip()))
        if result.message:
            urgency = f"urgency {result.urgency}: " if result.urgency else ""
            out.append(("PI", f"{urgency}{result.message}"))
        if result.safety:
            out.append(("PI", result.safety))
        out.extend(("RE", note) for note in result.notes)
        out.extend(("RE", f"not read: {_where(e)}") for e in result.cell_errors)
        return out

    def close(self) -> None:
        """Nothing to finish: each message is complete when written."""


def _where(error: ErrorInfo) -> str:
    parts = [f"line {error.line}" if error.line else "", error.field or ""]
    where = ", ".join(p for p in parts if p)
    return f"{where}: {error.message}" if where else error.message


__all__ = ["Hl7Writer", "dtm", "escape", "hl7_time", "range_text"]
