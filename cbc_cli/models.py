"""The result model: one interpretation of one sample, rendered by JSON, NDJSON, CSV and table.

Plain dataclasses (not frozen: creating frozen classes doubles import time), so that building a
result costs little; ``cbc schema`` derives the JSON Schema
from them with Pydantic (attribute docstrings become descriptions). Field names are a contract
(README, Outputs): they change only with ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cbc_cli.moment import Moment

SCHEMA_VERSION = "1.3"

Flag = Literal["N", "L", "H", "LL", "HH", "no-range"]
"""HL7 v2 table 0078 / FHIR interpretation codes, plus ``no-range`` (no range applies: not N)."""
Urgency = Literal["none", "routine", "soon", "now"]
URGENCY_ORDER: tuple[Urgency, ...] = ("none", "routine", "soon", "now")
_CONFIG = {"use_attribute_docstrings": True, "extra": "forbid"}


@dataclass(kw_only=True)
class ErrorInfo:
    """Why a sample (or one of its cells) could not be read."""

    __pydantic_config__ = _CONFIG

    line: int | None = None
    """1-based input line, when the input has lines."""
    field: str | None = None
    """The analyte or column at fault."""
    code: str = "input.invalid"
    """What went wrong, as a stable code (docs/errors.md): ``unit.unknown``,
    ``value.implausible``, ``patient.age_required``, ..."""
    message: str


@dataclass(kw_only=True)
class PatientInfo:
    """The context the ranges and grades were chosen for."""

    __pydantic_config__ = _CONFIG
    # The typed birth date lives in a slot beside the instance dict: vars() (and so every JSON
    # writer, the columnar sink included) and the JSON Schema see only the declared fields.
    __slots__ = ("__dict__", "__weakref__", "_born")

    sex: Literal["female", "male"] | None = None
    age: str | None = None
    """Age at collection, e.g. "54 y" or "10 d"."""
    age_exact: bool = False
    """True when computed from the birth and collection dates."""
    birth_date: str | None = None
    """The date of birth (YYYY-MM-DD) when one was given as a full date; null otherwise (never
    worked back from an age)."""
    child: bool = False
    """True when the person is known to be under 18 (from the age or date of birth): the
    ``message`` then speaks to a parent ("your child's care team"), as cbc's pages do. False for
    an adult and when the age is missing or cannot tell."""
    pregnancy_trimester: int | None = None
    profiles: list[str] = field(default_factory=list)
    temperature_c: float | None = None
    days_since_chemo: int | None = None
    transplant: Literal["auto", "allo"] | None = None
    """A stem cell transplant: autologous (own cells) or allogeneic (donor cells)."""

    @property
    def born(self) -> date | None:
        """The date of birth as a date (``birth_date`` is its text), for writers: not in the
        JSON. None when not known, or not set by whoever built this object."""
        return getattr(self, "_born", None)

    @born.setter
    def born(self, value: date | None) -> None:
        self._born = value


@dataclass(kw_only=True)
class RangeInfo:
    """The reference range applied to a value, in the canonical unit, and where it comes from."""

    __pydantic_config__ = _CONFIG

    low: float | None
    high: float | None
    unit: str
    source: str
    origin: str | None = None
    """The range file and row, or "lab" for the lab's own printed range."""
    critical_low: float | None = None
    critical_high: float | None = None


@dataclass(kw_only=True)
class AnalyteResult:
    """One value: as given, converted, and compared with its range."""

    __pydantic_config__ = _CONFIG

    analyte: str
    name: str
    value: float
    """In the canonical unit."""
    unit: str
    """The canonical unit."""
    input: str
    """The value as given, or how it was derived."""
    unit_given: str | None = None
    """The unit the value was read in, as given (in the value, the header, a unit column, OBX-6,
    valueQuantity or ``--unit``); null for a bare number read in the canonical unit, or a
    derived value."""
    comparator: Literal["<", "<=", ">", ">="] | None = None
    derived: bool = False
    flag: Flag | None
    """HL7 0078 flag or no-range; null only when a reported bound (<0.1) spans a limit."""
    reference_range: RangeInfo | None
    range_note: str | None = None
    """Why no range applies, or why the value cannot be flagged."""
    lab_flag: str | None = None
    """The flag the lab printed with the value, when given."""


@dataclass(kw_only=True)
class Finding:
    """A clinical pattern found in the panel, graded by the scheme where it has a term."""

    __pydantic_config__ = _CONFIG

    code: str
    analytes: list[str]
    grade: int | None
    """0-4 by the scheme; null when it cannot be graded (grade_note says why)."""
    grade_note: str | None = None
    scheme: str | None
    """The grading scheme id, or null for findings no scheme grades."""
    severity: str
    title: str
    explanation: str
    """What it can mean and what a person might notice, as one paragraph (meaning + notice)."""
    action: str
    """What to do."""
    measures: str = ""
    """What the count measures."""
    meaning: str = ""
    """What the result can mean."""
    notice: str = ""
    """What a person might notice."""
    precautions: str | None = None
    """Day-to-day precautions that go with the finding (infection, bleeding, anemia care)."""
    background: str | None = None
    """Background on what can lie behind the pattern (two or three low cell types)."""
    topics: list[str] = field(default_factory=list)
    """Patient topics that go with the finding: ``cbc explain TOPIC`` prints each in full."""
    pattern: Literal["microcytic", "normocytic", "macrocytic"] | None = None
    """Anemia only: the red-cell size pattern from the MCV."""


@dataclass(kw_only=True)
class Result:
    """The interpretation of one sample."""

    __pydantic_config__ = _CONFIG
    # The typed collection time lives in a slot beside the instance dict (see PatientInfo).
    __slots__ = ("__dict__", "__weakref__", "_collected")

    sample_id: str | None = None
    patient_id: str | None = None
    """The person's id in the input (PID-3, Patient identifier, a patient_id or mrn column)."""
    collected_at: str | None = None
    """When the sample was taken, ISO 8601 to the precision given (2024-03-12, or
    2024-03-12T08:30 with +01:00 when a zone was given); null when not given or not readable."""
    line: int | None = None
    """The first input line of the sample, when the input has lines."""
    status: Literal["ok", "error"] = "ok"
    error: ErrorInfo | None = None
    patient: PatientInfo = field(default_factory=PatientInfo)
    analytes: list[AnalyteResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    grades: dict[str, int | None] = field(default_factory=dict)
    """Every graded term whose analyte was read: 0 not abnormal, 1-4, null cannot be graded."""
    urgency: Urgency | None = "none"
    """How soon to contact the care team; null when the sample could not be read."""
    newborn_urgency: Urgency | None = None
    """No age given and a value beyond a newborn's own critical limit (not beyond any limit from
    1 month up), or a temperature of 38.0 C or more or below 36.0 C: how soon to contact the care
    team if the person is a baby under 1 month old, ``now`` (the message opens with it, and the
    pages' titles say it); null otherwise."""
    message: str = ""
    safety: str | None = None
    """On every abnormal result: when to seek care at once (heavy bleeding, a high fever,
    trouble breathing); null when nothing was out of range or the sample could not be read."""
    consistency: list[str] = field(default_factory=list)
    """Values of the sample that do not fit together (a typed ANC and the differential,
    hemoglobin and hematocrit), each most likely a typing slip or a problem with the sample:
    said before anything else."""
    notes: list[str] = field(default_factory=list)
    cell_errors: list[ErrorInfo] = field(default_factory=list)
    """Cells that could not be read; the rest of the sample was interpreted."""

    @property
    def collected(self) -> Moment | None:
        """When the sample was taken, typed and to the precision given (``collected_at`` is its
        ISO text), for writers and views: not in the JSON. None when not given, or not set by
        whoever built this result."""
        return getattr(self, "_collected", None)

    @collected.setter
    def collected(self, value: Moment | None) -> None:
        self._collected = value

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dicts, lists, numbers, strings, None): ``json.dumps(r.to_dict())`` works."""
        return to_data(self)

    def to_json(self, *, indent: int | None = None) -> str:
        """The result as JSON text, the same object ``cbc check --format ndjson`` writes."""
        return to_json(self, indent=indent)


@dataclass(kw_only=True)
class SchemeInfo:
    """The grading scheme used for a report."""

    __pydantic_config__ = _CONFIG

    id: str
    title: str
    version: str
    source: str


@dataclass(kw_only=True)
class Report:
    """The JSON document: the scheme and one result per sample."""

    __pydantic_config__ = _CONFIG

    schema_version: str = SCHEMA_VERSION
    grading: SchemeInfo
    results: list[Result]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (dicts, lists, numbers, strings, None) for the whole document."""
        return to_data(self)

    def to_json(self, *, indent: int | None = None) -> str:
        """The document as JSON text, as ``cbc check --format json`` writes it."""
        return to_json(self, indent=indent)


def carry_moments(result: Result, collected: Moment | None, born: date | None) -> Result:
    """``result`` with the typed collection time and birth date set beside their ISO text
    (``collected_at``, ``patient.birth_date``), so that writers and views read them without
    parsing the text again. Set in place (a new result, no one else's yet); returned.

    For whoever builds a result from a panel (``panel.collected``, ``panel.patient.born``):
    the engine makes the text, and this keeps the value it was made from.
    """
    result.collected = collected
    result.patient.born = born
    return result


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in vars(value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_data(obj: Result | Report) -> dict[str, Any]:
    """Plain data (dicts, lists, numbers, strings) for a result or a report."""
    data: dict[str, Any] = _plain(obj)
    return data


def to_json(obj: Result | Report, *, indent: int | None = None) -> str:
    """JSON text for a result or a report, UTF-8 characters kept as they are."""
    # The models hold only plain values: the encoder reads each dataclass's fields (in their
    # declared order) through vars(), much faster than dataclasses.asdict's deep copies.
    return json.dumps(obj, default=vars, ensure_ascii=False, indent=indent)


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema draft every schema of ``cbc schema`` is written in (Pydantic writes 2020-12)."""


def schema_id(kind: str, version: str | None = None) -> str:
    """The stable ``$id`` of one of cbc's schemas: ``urn:cbc-cli:schema:KIND[:VERSION]``."""
    return f"urn:cbc-cli:schema:{kind}" + (f":{version}" if version else "")


def identified(schema: dict[str, Any], kind: str, version: str | None = None) -> dict[str, Any]:
    """``schema`` headed by its ``$schema`` (the draft) and ``$id``."""
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id(kind, version), **schema}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON output (imports Pydantic: for ``cbc schema`` and tests).

    Headed by ``$schema`` (draft 2020-12) and ``$id`` ``urn:cbc-cli:schema:result:1.3`` (the
    ``SCHEMA_VERSION``), which changes only when the field names do.
    """
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(Report).json_schema()
    return identified(schema, "result", SCHEMA_VERSION)
