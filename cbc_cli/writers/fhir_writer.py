"""FHIR R4 output: one Bundle (type ``collection``) holding, per sample, the resources below.

- **Observation** per analyte: ``code`` LOINC, ``valueQuantity`` in the canonical unit as UCUM
  (with ``comparator`` for a reported bound such as ``<0.1``), ``interpretation`` with cbc's flag
  from http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation (N, L, H, LL, HH; no
  coding when no range applies or a bound spans a limit, and a ``note`` says why),
  ``referenceRange`` the range applied (its source in ``text``), ``derivedFrom`` for ANC or ALC
  computed from WBC and the differential.
- **Observation** for a declared age (LOINC 30525-0, UCUM a/mo/wk/d) and for a body temperature
  (LOINC 8310-5, Cel), so that reading the output again gives the same interpretation.
- **DiagnosticReport**: LOINC 58410-2 (CBC panel), ``result`` the Observations above,
  ``conclusion`` the care-team message, the safety line, findings and notes in words, and
  ``conclusionCode`` one CodeableConcept per finding, coded in cbc's own code system
  :data:`FINDING_SYSTEM` (codes ``anemia``, ``neutropenia``, ... as in ``cbc explain``; the text
  carries grade and scheme).
- **Patient** when the sex, the age, the birth date, a temperature or a patient id is known:
  ``identifier``, ``gender``, and ``birthDate`` when a full date of birth was given (carried by
  the Result; never worked back from an age).

Every fact is taken from the :class:`~cbc_cli.models.Result` alone (``write_result``): the
patient id, the collection time and the birth date are fields of it.
- **OperationOutcome** for a sample or cells that could not be read.

References inside the Bundle are ``urn:uuid:`` full URLs. Every id is a UUID5 (RFC 9562
section 5.5) derived from the input: the sample's place in the output, its line, sample and
patient ids, collection time and values, and the resource's role (``observation:hgb``,
``report``, ...); the Bundle's id is derived from all of them and written last. So two runs over
the same input give the same ids and the output diffs clean (``timestamp`` and ``issued`` are
the run's time: pass ``now`` to fix them).

Collection times keep the precision given: a year, a month or a date stays one, a time stays a
dateTime with its time. FHIR requires a zone on a time: a time given without one is taken as
local time where cbc runs (HL7 v2 reads a time without a zone as the sender's local time) and
written with that zone's offset.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

from cbc_cli.analytes import ANALYTES
from cbc_cli.models import AnalyteResult, ErrorInfo, Result, SchemeInfo
from cbc_cli.moment import Moment
from cbc_cli.readers.records import Record
from cbc_cli.writers.hl7_writer import AGE_UCUM, CBC_PANEL, UCUM

FINDING_SYSTEM = "urn:cbc-cli:CodeSystem:finding"
"""cbc's code system for findings (conclusionCode): the finding codes of README, Outputs."""
LOINC = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_INTERPRETATION_DISPLAY = {
    "N": "Normal",
    "L": "Low",
    "H": "High",
    "LL": "Critical low",
    "HH": "Critical high",
}
_LAB = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
            "display": "Laboratory",
        }
    ]
}
_HEMATOLOGY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
            "code": "HM",
            "display": "Hematology",
        }
    ]
}


# The namespace of every id cbc writes: UUID5 of cbc's own URN in the URL namespace.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cbc-cli:fhir")


def fhir_datetime(moment: Moment | None) -> str | None:
    """A FHIR dateTime for a moment (a result's ``collected``), to the precision given.

    A year, month or date stays as it is; a time keeps its zone, or gets the local zone's offset
    when it has none (FHIR requires a zone on a time).

    >>> from datetime import datetime
    >>> fhir_datetime(Moment(datetime(2024, 3, 1), "month"))
    '2024-03'
    >>> from datetime import timedelta, timezone
    >>> paris = timezone(timedelta(hours=1))
    >>> fhir_datetime(Moment(datetime(2024, 3, 12, 8, 30, tzinfo=paris), "minute"))
    '2024-03-12T08:30:00+01:00'
    """
    if moment is None:
        return None
    if not moment.has_time:
        return moment.iso()
    when = moment.when
    if when.tzinfo is None:
        when = when.astimezone()  # the local zone, with its offset on that day
    return when.isoformat()


def _quantity(value: float, unit: str) -> dict[str, Any]:
    code = UCUM.get(unit, unit)
    return {"value": value, "unit": unit, "system": UCUM_SYSTEM, "code": code}


def _sample_key(n: int, result: Result) -> str:
    """What identifies a sample in the input: its place, line, ids, time and values."""
    values = [(a.analyte, a.input) for a in result.analytes]
    person = result.patient
    parts = (n, result.line, result.sample_id, result.patient_id)
    more = (result.collected_at, person.sex, person.age, person.temperature_c, values)
    return json.dumps([*parts, *more], ensure_ascii=False, default=str)


class FhirWriter:
    """A FHIR R4 Bundle written as results arrive: implements the batch runner's ResultWriter."""

    def __init__(self, out: TextIO, scheme: SchemeInfo, *, now: datetime | None = None) -> None:
        self.out = out
        self.scheme = scheme
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.count = 0
        self.samples = 0
        head = {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": self.now.isoformat(),
        }
        # The Bundle's id is derived from every entry's: close() writes it.
        self._ids = hashlib.sha256()
        self._key = ""
        out.write(json.dumps(head, ensure_ascii=False)[:-1])

    def _url(self, role: str) -> str:
        """The full URL of one resource of the current sample: a UUID5 of sample and role."""
        return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, self._key + '|' + role)}"

    def _entry(self, url: str, resource: dict[str, Any]) -> None:
        resource = {"resourceType": resource.pop("resourceType"), "id": url[9:], **resource}
        entry = {"fullUrl": url, "resource": resource}
        # FHIR JSON has no empty arrays: "entry" opens with the first entry.
        self.out.write(
            (",\n  " if self.count else ', "entry": [\n  ') + json.dumps(entry, ensure_ascii=False)
        )
        self._ids.update(url.encode())
        self.count += 1

    def write(self, record: Record, result: Result) -> None:
        """Write the resources of one sample (the batch runner's call: the Result is enough)."""
        self.write_result(result)

    def write_result(self, result: Result) -> None:
        """Write the resources of one sample, from its result alone."""
        self.samples += 1
        self._key = _sample_key(self.samples, result)
        effective = fhir_datetime(result.collected)
        subject = self._patient(result)
        refs: dict[str, str] = {}
        resources: list[tuple[str, dict[str, Any]]] = []
        for a in result.analytes:
            refs[a.analyte] = self._url(f"observation:{a.analyte}")
        for a in result.analytes:
            resources.append((refs[a.analyte], self._observation(a, refs, subject, effective)))
        if result.patient.age and not result.patient.age_exact:  # exact: read again from dates
            n, unit = result.patient.age.split()
            age = _context("30525-0", "Age", int(n), AGE_UCUM[unit], subject, effective)
            resources.append((self._url("age"), age))
        if result.patient.temperature_c is not None:
            temp = _context(
                "8310-5",
                "Body temperature",
                result.patient.temperature_c,
                "Cel",
                subject,
                effective,
            )
            resources.append((self._url("temperature"), temp))
        if result.status == "ok":
            self._entry(self._url("report"), self._report(result, resources, subject, effective))
        for url, resource in resources:
            self._entry(url, resource)
        problems = ([result.error] if result.error else []) + result.cell_errors
        if problems:
            self._entry(self._url("outcome"), _outcome(problems, result.sample_id))

    def _patient(self, result: Result) -> dict[str, str] | None:
        person = result.patient
        known = person.sex or person.age or person.temperature_c is not None
        if not (known or result.patient_id or person.birth_date):
            return None
        patient: dict[str, Any] = {"resourceType": "Patient"}
        if result.patient_id:
            patient["identifier"] = [{"value": result.patient_id}]
        if person.sex:
            patient["gender"] = person.sex
        if person.birth_date is not None:
            patient["birthDate"] = person.birth_date
        url = self._url("patient")
        self._entry(url, patient)
        return {"reference": url}

    def _observation(
        self,
        a: AnalyteResult,
        refs: dict[str, str],
        subject: dict[str, str] | None,
        effective: str | None,
    ) -> dict[str, Any]:
        analyte = ANALYTES[a.analyte]
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [_LAB],
            "code": {"coding": [{"system": LOINC, "code": analyte.loinc[0]}], "text": a.name},
        }
        if subject:
            obs["subject"] = subject
        if effective:
            obs["effectiveDateTime"] = effective
        quantity = _quantity(a.value, a.unit)
        if a.comparator:
            quantity = {"value": a.value, "comparator": a.comparator, **_unit_of(quantity)}
        obs["valueQuantity"] = quantity
        if a.flag in _INTERPRETATION_DISPLAY:
            coding = {"system": INTERPRETATION, "code": a.flag}
            coding["display"] = _INTERPRETATION_DISPLAY[a.flag]
            obs["interpretation"] = [{"coding": [coding]}]
        notes = []
        if a.range_note:
            notes.append(a.range_note)
        elif a.flag == "no-range":
            notes.append("no reference range applies")
        if a.derived:
            notes.append(a.input)
            sources = ["wbc", "neut_pct", "band_pct"] if a.analyte == "anc" else ["wbc"]
            if a.analyte == "alc":
                sources.append("lymph_pct")
            obs["derivedFrom"] = [{"reference": refs[s]} for s in sources if s in refs]
        if notes:
            obs["note"] = [{"text": text} for text in notes]
        rng = a.reference_range
        if rng is not None and (rng.low is not None or rng.high is not None):
            reference: dict[str, Any] = {}
            if rng.low is not None:
                reference["low"] = _quantity(rng.low, rng.unit)
            if rng.high is not None:
                reference["high"] = _quantity(rng.high, rng.unit)
            reference["text"] = rng.source
            obs["referenceRange"] = [reference]
        return obs

    def _report(
        self,
        result: Result,
        resources: list[tuple[str, dict[str, Any]]],
        subject: dict[str, str] | None,
        effective: str | None,
    ) -> dict[str, Any]:
        report: dict[str, Any] = {"resourceType": "DiagnosticReport"}
        sample_id = result.sample_id
        if sample_id:
            report["identifier"] = [{"value": sample_id}]
        report["status"] = "final"
        report["category"] = [_HEMATOLOGY]
        report["code"] = {
            "coding": [{"system": LOINC, "code": CBC_PANEL[0], "display": CBC_PANEL[1]}],
            "text": "Complete blood count",
        }
        if subject:
            report["subject"] = subject
        if effective:
            report["effectiveDateTime"] = effective
        report["issued"] = self.now.isoformat()
        # The age and temperature are part of the report as ask-at-order-entry answers are in
        # HL7 v2 (the v2-to-FHIR mapping puts every OBX of the order in result).
        report["result"] = [{"reference": url} for url, _ in resources]
        # Values that do not fit together are said before anything read from them.
        words = [f"Check these values: {c}." for c in result.consistency]
        if result.message:
            words.append(result.message)
        if result.safety:
            words.append(result.safety)
        for f in result.findings:
            words.append(f"{f.title}: {self._grade(f.grade, f.grade_note, f.severity)}.")
        words.extend(result.notes)
        words.append(f"Graded by {self.scheme.title}.")
        report["conclusion"] = " ".join(words)
        if result.findings:
            report["conclusionCode"] = [
                {
                    "coding": [{"system": FINDING_SYSTEM, "code": f.code, "display": f.title}],
                    "text": f"{f.title}"
                    + (f", {f.pattern}" if f.pattern else "")
                    + f": {self._grade(f.grade, f.grade_note, f.severity)}",
                }
                for f in result.findings
            ]
        return report

    def _grade(self, grade: int | None, note: str | None, severity: str) -> str:
        if grade is None:
            return note or "not graded"
        return f"grade {grade} ({self.scheme.title}, {severity})"

    def close(self) -> None:
        """Close the entry array and the Bundle, whose id is derived from every entry's."""
        bundle = uuid.uuid5(ID_NAMESPACE, "bundle|" + self._ids.hexdigest())
        self.out.write(("\n]" if self.count else "") + f', "id": "{bundle}"}}\n')


def _unit_of(quantity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in quantity.items() if k != "value"}


def _context(
    code: str,
    display: str,
    value: float,
    unit: str,
    subject: dict[str, str] | None,
    effective: str | None,
) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
    }
    if subject:
        obs["subject"] = subject
    if effective:
        obs["effectiveDateTime"] = effective
    obs["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM_SYSTEM, "code": unit}
    return obs


def _outcome(problems: list[ErrorInfo], sample_id: str | None) -> dict[str, Any]:
    def text(e: ErrorInfo) -> str:
        where = ", ".join(p for p in (f"line {e.line}" if e.line else "", e.field or "") if p)
        sample = f"sample {sample_id}: " if sample_id else ""
        return f"{sample}{where}: {e.message}" if where else f"{sample}{e.message}"

    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "invalid", "diagnostics": text(e)} for e in problems
        ],
    }


__all__ = ["FINDING_SYSTEM", "FhirWriter", "fhir_datetime"]
