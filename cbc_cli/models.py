"""The result model: one interpretation of one sample, rendered by JSON, NDJSON, CSV and table.

Field names are a contract (DESIGN.md section 5): they change only with ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

Flag = Literal["N", "L", "H", "LL", "HH", "no-range"]
"""HL7 v2 table 0078 / FHIR interpretation codes, plus ``no-range`` (no range applies: not N)."""
Urgency = Literal["none", "routine", "soon", "now"]
URGENCY_ORDER: tuple[Urgency, ...] = ("none", "routine", "soon", "now")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorInfo(_Model):
    """Why a sample (or one of its cells) could not be read."""

    line: int | None = Field(None, description="1-based input line, when the input has lines")
    field: str | None = Field(None, description="the analyte or column at fault")
    message: str


class PatientInfo(_Model):
    """The context the ranges and grades were chosen for."""

    sex: Literal["female", "male"] | None = None
    age: str | None = Field(None, description='age at collection, e.g. "54 y", "10 d"')
    age_exact: bool = Field(False, description="true when computed from birth and collection dates")
    pregnancy_trimester: int | None = None
    profiles: list[str] = Field(default_factory=list)
    temperature_c: float | None = None
    days_since_chemo: int | None = None


class RangeInfo(_Model):
    """The reference range applied to a value, in the canonical unit, and where it comes from."""

    low: float | None
    high: float | None
    unit: str
    source: str
    origin: str | None = Field(None, description="file and row, or 'lab' for a lab's own range")
    critical_low: float | None = None
    critical_high: float | None = None


class AnalyteResult(_Model):
    """One value: as given, converted, and compared with its range."""

    analyte: str
    name: str
    value: float = Field(description="in the canonical unit")
    unit: str = Field(description="the canonical unit")
    input: str = Field(description="the value as given, or how it was derived")
    comparator: Literal["<", "<=", ">", ">="] | None = None
    derived: bool = False
    flag: Flag | None = Field(description="null only when a reported bound (<0.1) spans a limit")
    reference_range: RangeInfo | None
    range_note: str | None = Field(None, description="why no range applies, or a note on the range")
    lab_flag: str | None = Field(None, description="the flag the lab printed, when given")


class Finding(_Model):
    """A clinical pattern found in the panel, graded by the scheme where it has a term."""

    code: str
    analytes: list[str]
    grade: int | None = Field(description="0-4 by the scheme; null when it cannot be graded")
    grade_note: str | None = None
    scheme: str | None = Field(description="the grading scheme id, or null for ungraded findings")
    severity: str
    title: str
    explanation: str
    action: str
    pattern: Literal["microcytic", "normocytic", "macrocytic"] | None = Field(
        None, description="anemia only: the red-cell size pattern from the MCV"
    )


class Result(_Model):
    """The interpretation of one sample."""

    sample_id: str | None = None
    status: Literal["ok", "error"] = "ok"
    error: ErrorInfo | None = None
    patient: PatientInfo = Field(default_factory=PatientInfo)
    analytes: list[AnalyteResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    grades: dict[str, int | None] = Field(
        default_factory=dict,
        description="every graded term whose analyte was read: 0 not abnormal, 1-4, null cannot",
    )
    urgency: Urgency = "none"
    message: str = ""
    notes: list[str] = Field(default_factory=list)
    cell_errors: list[ErrorInfo] = Field(
        default_factory=list, description="cells that could not be read; the rest was interpreted"
    )


class SchemeInfo(_Model):
    """The grading scheme used for a report."""

    id: str
    title: str
    version: str
    source: str


class Report(_Model):
    """The JSON document: the scheme and one result per sample."""

    schema_version: str = SCHEMA_VERSION
    grading: SchemeInfo
    results: list[Result]
