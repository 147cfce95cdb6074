"""The brief record: one sample's answer without the explanation prose (``--brief``).

A full result carries each finding's plain-language texts, which make up most of its 5 kB of
JSON; a script that tallies or routes results needs only the codes. The brief record keeps the
sample's identity, status, urgency, the care-team message and the safety line, the notes on
values that do not fit together, the finding codes, every grade, and each value with its unit
and flag; ``cbc explain --format json`` gives the finding and topic texts once. Both batch
paths (row by row and columnar) write it through this module, so their bytes agree. Pure: no
I/O.
"""

from __future__ import annotations

import json
from typing import Any, Literal, NotRequired

# Pydantic derives the schema (cbc schema --brief) only from typing_extensions' TypedDict on
# Python 3.11; typing_extensions comes with Pydantic, a dependency.
from typing_extensions import TypedDict

from cbc_cli.explanations import EXPLANATIONS, TOPICS
from cbc_cli.models import ErrorInfo, Flag, Result, Urgency, identified

BRIEF_VERSION = "1.1"
"""The brief record's version; its field names change only with it (README, Outputs). 1.1:
``consistency`` added."""


class BriefAnalyte(TypedDict):
    """One value in the canonical unit, with cbc's flag."""

    value: float
    unit: str
    flag: Flag | None
    """HL7 0078 flag or no-range; null only when a reported bound (<0.1) spans a limit."""
    comparator: NotRequired[Literal["<", "<=", ">", ">="]]
    """Present only for a reported bound: the value is that bound."""
    derived: NotRequired[Literal[True]]
    """Present only when cbc derived the value (ANC or ALC from the WBC and differential)."""


class BriefError(TypedDict):
    """Why a sample, or one of its cells, could not be read."""

    line: int | None
    field: str | None
    message: str


class BriefResult(TypedDict):
    """One sample's answer without explanation prose (one NDJSON line of ``--brief``)."""

    sample_id: str | None
    line: int | None
    status: Literal["ok", "error"]
    urgency: Urgency | None
    """How soon to contact the care team; null when the sample could not be read."""
    message: str
    """The care-team message, as in the full result."""
    safety: str | None
    """When to seek care at once; on every result not plainly within range, else null."""
    consistency: list[str]
    """Values that do not fit together, to check first (hemoglobin and hematocrit, a typed
    ANC and the differential), as in the full result; empty when all fit."""
    findings: list[str]
    """Finding codes in output order (``cbc explain CODE`` explains each)."""
    grades: dict[str, int | None]
    """Every graded term whose analyte was read: 0 not abnormal, 1-4, null cannot be graded."""
    analytes: dict[str, BriefAnalyte]
    """By analyte id, in catalogue order."""
    error: BriefError | None
    cell_errors: list[BriefError]


class BriefReport(TypedDict):
    """The ``--format json --brief`` document."""

    schema_version: str
    brief: Literal[True]
    grading: dict[str, str]
    """The grading scheme: id, title, version, source."""
    results: list[BriefResult]


def _error(e: ErrorInfo) -> BriefError:
    return {"line": e.line, "field": e.field, "message": e.message}


def brief_data(result: Result) -> BriefResult:
    """The brief record of one result, as plain data."""
    analytes: dict[str, BriefAnalyte] = {}
    for a in result.analytes:
        item: BriefAnalyte = {"value": a.value, "unit": a.unit, "flag": a.flag}
        if a.comparator is not None:
            item["comparator"] = a.comparator
        if a.derived:
            item["derived"] = True
        analytes[a.analyte] = item
    return brief_record(
        sample_id=result.sample_id,
        line=result.line,
        status=result.status,
        urgency=result.urgency,
        message=result.message,
        safety=result.safety,
        consistency=list(result.consistency),
        findings=[f.code for f in result.findings],
        grades=dict(result.grades),
        analytes=analytes,
        error=None if result.error is None else _error(result.error),
        cell_errors=[_error(e) for e in result.cell_errors],
    )


def brief_record(
    *,
    sample_id: str | None,
    line: int | None,
    status: Literal["ok", "error"],
    urgency: Urgency | None,
    message: str,
    safety: str | None,
    findings: list[str],
    consistency: list[str] | None = None,
    grades: dict[str, int | None],
    analytes: dict[str, BriefAnalyte],
    error: BriefError | None = None,
    cell_errors: list[BriefError] | None = None,
) -> BriefResult:
    """A brief record from its parts, its fields in their documented order (the columnar path
    builds a template per combination of flags and grades through this)."""
    return {
        "sample_id": sample_id,
        "line": line,
        "status": status,
        "urgency": urgency,
        "message": message,
        "safety": safety,
        "consistency": consistency or [],
        "findings": findings,
        "grades": grades,
        "analytes": analytes,
        "error": error,
        "cell_errors": cell_errors or [],
    }


def dumps(data: Any) -> str:
    """Compact JSON text (no spaces after separators), UTF-8 characters kept as they are."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def brief_json(result: Result) -> str:
    """The brief record of one result as one line of JSON (no line end)."""
    return dumps(brief_data(result))


def brief_schema() -> dict[str, Any]:
    """The JSON Schema of the ``--format json --brief`` document (its ``results`` items are the
    NDJSON lines of ``--format ndjson --brief``); imports Pydantic: for ``cbc schema --brief``."""
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(BriefReport).json_schema()
    return identified(schema, "brief", BRIEF_VERSION)


def explanations_data(name: str | None = None) -> dict[str, Any]:
    """What ``cbc explain --format json`` prints: each finding's texts (title, what it measures,
    what it can mean, what a person might notice, what to do, with a fever, and its topics)
    and each patient topic's (title, summary, with a fever, points), by code; with ``name``,
    only that finding or topic. A result words some of them for the person (a fever, days
    since chemotherapy, the MCV pattern of an anemia): the full JSON carries those words.

    Raises KeyError for an unknown name.
    """
    findings = {
        code: {
            "title": e.title,
            "measures": e.measures,
            "meaning": e.meaning,
            "notice": e.notice,
            "action": e.action,
            "action_fever": e.action_fever or e.action,
            "topics": list(e.topics),
        }
        for code, e in EXPLANATIONS.items()
        if name is None or code == name
    }
    topics = {
        code: {
            "title": t.title,
            "summary": t.summary,
            "summary_fever": t.summary_fever or t.summary,
            "points": list(t.points),
        }
        for code, t in TOPICS.items()
        if name is None or code == name
    }
    if not findings and not topics:
        raise KeyError(name)
    return {"findings": findings, "topics": topics}
