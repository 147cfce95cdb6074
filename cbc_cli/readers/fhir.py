"""FHIR R4 input: Bundles, DiagnosticReports, Observations and NDJSON bulk-export files.

Accepted: a Bundle of any type (collection, searchset, transaction, document, ...), a
DiagnosticReport with contained or referenced Observations, a single Observation, a JSON array of
resources, and NDJSON (one resource a line, as the Bulk Data export writes it).

One Record per sample. A sample is, in this order of precedence:

1. a DiagnosticReport: the Observations of ``DiagnosticReport.result`` (panels expanded);
2. a panel Observation not in a report: its ``hasMember`` Observations, or its ``component``s;
3. the remaining CBC Observations, grouped by subject and effective time.

Observations are matched by LOINC code (``code.coding`` with system http://loinc.org), else by
local code or name through the analyte aliases and ``--column``. ``valueQuantity`` (UCUM code, or
the unit text), ``valueString`` and ``valueInteger`` are read; ``referenceRange`` (the first
without ``appliesTo``, of type normal or untyped) is the lab's range; ``interpretation`` is the
lab's flag. The Patient's ``gender`` and ``birthDate`` and the effective time give the person's
context; LOINC 30525-0 (age) and 8310-5 (body temperature) Observations fill it too.

Resources are read as plain dicts (no per-resource model validation) and reduced at once to what
a sample needs; other Observations leave only their id. A Bundle document is decoded an entry at
a time. Samples are grouped when the whole input has been read, so memory grows with the number
of CBC results (about 2 KiB each), not with the rest of the file. Resources of other types in a
Bundle are counted in a note; at the top level (a document, an NDJSON line) they are an error.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cbc_cli.analytes import ANALYTES
from cbc_cli.models import ErrorInfo
from cbc_cli.readers.hl7 import Notes, Sample, match_code, ucum_unit
from cbc_cli.readers.records import CellReader, Record
from cbc_cli.readers.source import Source, iter_lines

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
# LOINC panel codes for a complete blood count: a report with one of these and no CBC value is an
# error; any other report without a CBC value is someone else's test and is skipped.
CBC_PANELS = frozenset({"58410-2", "57021-8", "57782-5", "69742-5"})
# FHIR R4 Observation.status: these results must not be used.
_UNUSABLE = frozenset({"entered-in-error", "cancelled"})
_READ_TYPES = frozenset({"Bundle", "DiagnosticReport", "Observation", "Patient"})
_CONTEXT_FIELDS = {
    "sex": "Patient.gender",
    "dob": "Patient.birthDate",
    "collected_at": "effectiveDateTime",
    "age": "Observation.value[x]",
    "temperature": "Observation.value[x]",
}
_MAX_DEPTH = 8  # panels within panels: deeper nesting is a reference loop


@dataclass(slots=True)
class _Value:
    """What one Observation (or one of its components) says about one analyte, as text."""

    target: str
    label: str
    text: str | None = None
    unit: str | None = None
    problem: str | None = None
    """Why no value can be read; None with no text means the value is absent on purpose."""
    low: str | None = None
    high: str | None = None
    range_unit: str | None = None
    range_text: str | None = None
    flag: str | None = None


@dataclass(slots=True)
class _Item:
    """A kept resource, reduced to what grouping and reading need (not the whole dict)."""

    order: int
    rtype: str
    label: str
    line: int | None
    key: str
    ident: str | None = None
    subject: str | None = None
    effective: str | None = None
    refs: tuple[str, ...] = ()
    """Observation.hasMember or DiagnosticReport.result references."""
    loinc: tuple[str, ...] = ()
    target: str | None = None
    """Observation: the analyte id or context key it holds, or None."""
    values: list[_Value] = field(default_factory=list)
    cbc: bool = False
    """Observation: holds a CBC value, itself or in a component."""
    gender: str | None = None
    birth: str | None = None
    place: str = ""
    """Where the resource is, without its id, for notes on stderr (an id can name a patient)."""


@dataclass
class _Group:
    order: int
    label: str
    line: int | None
    members: list[_Item] = field(default_factory=list)
    sample_id: str | None = None
    subject: str | None = None
    scope: str = ""
    effective: str | None = None
    unresolved: int = 0
    empty_error: str | None = None


def read_fhir(
    source: Source,
    *,
    ndjson: bool,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
) -> tuple[Iterator[Record], list[str]]:
    """The records of a FHIR JSON or NDJSON input, and notes about it.

    Never raises for content: invalid JSON, JSON that is not FHIR and resource types cbc does not
    read become error Records naming the line or the resource.
    """
    notes = Notes()

    def records() -> Iterator[Record]:
        reader = _Reader(notes, column_options or {}, unit_options or {})
        if ndjson:
            for number, line in enumerate(iter_lines(source), start=1):
                reader.read_line(line, number)
        else:
            reader.read_document(_text(source))
        yield from reader.finish()
        notes.finish()

    return records(), notes.lines


def _text(source: Source) -> str:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    parts = [decoder.decode(chunk) for chunk in iter(lambda: source.stream.read(1 << 16), b"")]
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


def _codes(concept: Any) -> tuple[list[str], list[str]]:
    """(LOINC codes, other codes and names) of a CodeableConcept."""
    loinc: list[str] = []
    local: list[str] = []
    if not isinstance(concept, dict):
        return loinc, local
    for coding in concept.get("coding") or []:
        if not isinstance(coding, dict):
            continue
        code = coding.get("code")
        if isinstance(code, str) and code:
            (loinc if coding.get("system") == LOINC_SYSTEM else local).append(code)
        display = coding.get("display")
        if isinstance(display, str):
            local.append(display)
    if isinstance(concept.get("text"), str):
        local.append(concept["text"])
    return loinc, local


def _reference(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        ref: str = value["reference"].strip()
        return ref or None
    return None


def _refs(values: Any) -> tuple[str, ...]:
    return tuple(ref for v in values or [] if (ref := _reference(v)))


def _ref_keys(ref: str, scope: str) -> list[str]:
    """Keys a reference may be stored under: contained (#id), as written, and Type/id."""
    if ref.startswith("#"):
        return [f"{scope}{ref}"]
    ref = ref.split("/_history/", maxsplit=1)[0]
    parts = ref.rstrip("/").split("/")
    return [ref, "/".join(parts[-2:])] if len(parts) >= 2 else [ref]


def _effective(resource: dict[str, Any]) -> str | None:
    for name in ("effectiveDateTime", "effectiveInstant"):
        if isinstance(resource.get(name), str):
            value: str = resource[name]
            return value
    period = resource.get("effectivePeriod")
    if isinstance(period, dict) and isinstance(period.get("start"), str):
        start: str = period["start"]
        return start
    return None


def _identifier(resource: dict[str, Any]) -> str | None:
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str) and ident["value"]:
            value: str = ident["value"]
            return value
    rid = resource.get("id")
    return rid if isinstance(rid, str) and rid else None


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    return str(value)


def _quantity_unit(quantity: dict[str, Any]) -> str | None:
    # Quantity.code is the computable unit when system is UCUM; unit is the human text.
    code, unit = quantity.get("code"), quantity.get("unit")
    if isinstance(code, str) and quantity.get("system") in (UCUM_SYSTEM, None):
        return ucum_unit(code)
    return ucum_unit(unit) if isinstance(unit, str) else None


class _Reader:
    """Collects the resources of one input, then groups them into samples (:meth:`finish`)."""

    def __init__(
        self, notes: Notes, column_options: Mapping[str, str], unit_options: Mapping[str, str]
    ) -> None:
        self.notes = notes
        self.column_options = column_options
        self.unit_options = unit_options
        self.order = 0
        self.index: dict[str, _Item] = {}
        self.observations: list[_Item] = []
        self.reports: list[_Item] = []
        self.errors: list[tuple[int, Record]] = []
        self.ignored: dict[str, int] = {}
        self.other_observations: set[str] = set()

    # -- reading -------------------------------------------------------------------------------

    def read_line(self, text: str, number: int) -> None:
        """One NDJSON line: a resource, or an error record for it."""
        if not text.strip():
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            self._error(
                number, None, f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})"
            )
            return
        self._top(value, number, f"line {number}")

    def read_document(self, text: str) -> None:
        """A whole JSON document: a resource, or an array of resources."""
        if self._read_bundle_entries(text):
            return
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":
                # Several JSON values one after another: NDJSON whose first line was too long
                # for the format sniffer to see it end.
                for number, line in enumerate(text.splitlines(), start=1):
                    self.read_line(line, number)
                return
            self._error(
                exc.lineno,
                None,
                f"line {exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})",
            )
            return
        if isinstance(value, list):
            for position, item in enumerate(value, start=1):
                self._top(item, None, f"item {position}")
        else:
            self._top(value, None, None)

    def _read_bundle_entries(self, text: str) -> bool:
        """Read a Bundle document one entry at a time; False (nothing read) when it is not one.

        ``json.loads`` on a Bundle of 40,000 reports takes six times the file's size in memory;
        decoding one entry at a time keeps only the text and what cbc extracts. A document that
        names its resourceType after its entries is left to ``json.loads``.
        """
        decoder = json.JSONDecoder()
        pos = _skip(text, 0)
        if text[pos : pos + 1] != "{":
            return False
        pos += 1
        is_bundle = False
        try:
            while True:
                pos = _skip(text, pos)
                if text[pos : pos + 1] == "}":
                    return False
                key, pos = decoder.raw_decode(text, pos)
                pos = _skip(text, pos)
                if not isinstance(key, str) or text[pos : pos + 1] != ":":
                    return False
                pos = _skip(text, pos + 1)
                if key == "entry":
                    break
                value, pos = decoder.raw_decode(text, pos)
                if key == "resourceType":
                    is_bundle = value == "Bundle"
                    if not is_bundle:
                        return False
                pos = _skip(text, pos)
                if text[pos : pos + 1] != ",":
                    return False
                pos += 1
        except json.JSONDecodeError:
            return False
        if not is_bundle or text[pos : pos + 1] != "[":
            return False
        pos += 1
        position = 0
        try:
            while True:
                pos = _skip(text, pos)
                if text[pos : pos + 1] == "]":
                    pos += 1
                    break
                entry, pos = decoder.raw_decode(text, pos)
                position += 1
                self._entry(entry, None, None, position)
                pos = _skip(text, pos)
                if text[pos : pos + 1] == ",":
                    pos += 1
                elif text[pos : pos + 1] != "]":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            # The rest of the Bundle (link, signature): only checked to be JSON.
            json.loads("{" + text[pos:].lstrip().lstrip(","))
        except json.JSONDecodeError as exc:
            line = text.count("\n", 0, exc.pos) + 1 if exc.doc is text else None
            where = f"line {line}" if line else "the end of the Bundle"
            self._error(
                line, None, f"{where}: not valid JSON ({exc.msg}); the entries before it were read"
            )
        return True

    def _error(self, line: int | None, field_name: str | None, message: str) -> None:
        self.order += 1
        record = Record(line, error=ErrorInfo(line=line, field=field_name, message=message))
        self.errors.append((self.order, record))

    def _top(self, value: Any, line: int | None, where: str | None) -> None:
        place = where or "the document"
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            kind = "an object" if isinstance(value, dict) else type(value).__name__
            self._error(
                line,
                "resourceType",
                f"{place}: not a FHIR resource ({kind} without resourceType)",
            )
            return
        rtype = value["resourceType"]
        if rtype not in _READ_TYPES:
            rid = value.get("id")
            name = f"{rtype}/{rid}" if isinstance(rid, str) else rtype
            self._error(
                line,
                "resourceType",
                f"{place}: {name} is not a resource cbc reads (it reads Bundle, "
                "DiagnosticReport, Observation and Patient)",
            )
            return
        self._feed(value, line, where, None, "")

    def _feed(
        self,
        resource: dict[str, Any],
        line: int | None,
        where: str | None,
        full_url: str | None,
        scope: str,
    ) -> None:
        rtype = resource.get("resourceType")
        rid = resource.get("id") if isinstance(resource.get("id"), str) else None
        if rtype == "Bundle":
            for position, entry in enumerate(resource.get("entry") or [], start=1):
                self._entry(entry, line, where, position)
            return
        if not isinstance(rtype, str) or rtype not in _READ_TYPES:
            name = rtype if isinstance(rtype, str) else "(no resourceType)"
            self.ignored[name] = self.ignored.get(name, 0) + 1
            return
        if scope:  # a contained resource: its id means something only inside its container
            keys = [f"{scope}#{rid}"] if rid else []
        else:
            keys = [k for k in (full_url, f"{rtype}/{rid}" if rid else None) if k]
        loinc, local = _codes(resource.get("code"))
        target = why = None
        if rtype == "Observation":
            # Most of a bulk export is other tests: let them go before building anything.
            target, why = match_code(loinc, local, self.column_options)
            unusable = resource.get("status") in _UNUSABLE
            wanted = target or why or resource.get("hasMember") or resource.get("component")
            if unusable or not wanted:
                self.other_observations.update(keys)
                return
        self.order += 1
        label = f"{rtype}/{rid}" if rid else rtype
        label = f"{label} ({where})" if where else label
        key = keys[0] if keys else f"@{self.order}"
        item = _Item(self.order, rtype, label, line, key, loinc=tuple(loinc), target=target)
        item.place = f"{rtype} ({where})" if where else f"{rtype} at line {line}" if line else rtype
        for contained in resource.get("contained") or []:
            if isinstance(contained, dict):
                place = f"{where}, contained" if where else "contained"
                self._feed(contained, line, place, None, key)
        if rtype == "Observation":
            if why:
                self.notes.add(f"{item.place}: {why}")
            if not self._keep_observation(item, resource):
                self.other_observations.update(keys)
                return
            self.observations.append(item)
        elif rtype == "DiagnosticReport":
            item.refs = _refs(resource.get("result"))
            self.reports.append(item)
        else:  # Patient
            gender, birth = resource.get("gender"), resource.get("birthDate")
            item.gender = gender if isinstance(gender, str) else None
            item.birth = birth if isinstance(birth, str) else None
        item.ident = _identifier(resource)
        item.subject = _reference(resource.get("subject"))
        item.effective = _effective(resource)
        for k in keys:
            self.index.setdefault(k, item)
        if not keys:
            self.index[key] = item

    def _entry(self, entry: Any, line: int | None, where: str | None, position: int) -> None:
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(inner, dict):
            return  # a transaction entry that only deletes, or a search link
        url = entry.get("fullUrl")
        place = f"{where}, entry {position}" if where else f"entry {position}"
        self._feed(inner, line, place, url if isinstance(url, str) else None, "")

    def _keep_observation(self, item: _Item, resource: dict[str, Any]) -> bool:
        """Reduce a CBC (or panel, or context) Observation to its item; False for others."""
        target = item.target
        if target is not None:
            item.values.append(_value(resource, target, item.label))
        for position, component in enumerate(resource.get("component") or [], start=1):
            if not isinstance(component, dict):
                continue
            inner, _ = match_code(*_codes(component.get("code")), self.column_options)
            if inner is not None:
                label = f"{item.label}, component {position}"
                item.values.append(_value(component, inner, label))
        item.cbc = any(v.target in ANALYTES for v in item.values)
        item.refs = _refs(resource.get("hasMember"))
        return bool(item.values or item.refs)

    # -- grouping ------------------------------------------------------------------------------

    def _resolve(self, ref: str, scope: str) -> _Item | bool | None:
        """The item a reference names; False when it names an observation cbc does not read."""
        for key in _ref_keys(ref, scope):
            if key in self.index:
                return self.index[key]
            if key in self.other_observations:
                return False
        return None

    def _expand(
        self, refs: tuple[str, ...], scope: str, group: _Group, claimed: set[int], depth: int
    ) -> None:
        for ref in refs:
            found = self._resolve(ref, scope)
            if found is None:
                group.unresolved += 1
                continue
            if not isinstance(found, _Item) or found.rtype != "Observation":
                continue
            if found.order in claimed:
                continue
            claimed.add(found.order)
            group.members.append(found)
            if found.refs and depth < _MAX_DEPTH:
                self._expand(found.refs, found.key, group, claimed, depth + 1)

    def _group(self, item: _Item, claimed: set[int], members: list[_Item]) -> _Group:
        group = _Group(
            item.order,
            item.label,
            item.line,
            members=members,
            sample_id=item.ident,
            subject=item.subject,
            scope=item.key,
            effective=item.effective,
        )
        self._expand(item.refs, item.key, group, claimed, 0)
        if not any(m.cbc for m in group.members) and CBC_PANELS.intersection(item.loinc):
            kind = "report" if item.rtype == "DiagnosticReport" else "panel"
            group.empty_error = f"this CBC {kind} holds no CBC result cbc can read"
        return group

    def finish(self) -> Iterator[Record]:
        """The records, in the order their first resource was met."""
        claimed: set[int] = set()
        groups: list[_Group] = []
        for report in self.reports:
            group = self._group(report, claimed, [])
            if group.unresolved:
                self.notes.add(
                    f"{report.place}: {group.unresolved} result reference(s) not found in the input"
                )
            if any(m.cbc for m in group.members) or group.empty_error:
                groups.append(group)
            else:
                self.notes.add(f"{report.place} holds no CBC result: skipped")
        # Panels: hasMember, or values in components under a code that is not itself an analyte.
        panels = [
            o for o in self.observations if (o.refs or o.target is None) and o.order not in claimed
        ]
        # A panel inside another panel belongs to the outer one: expand outer panels first.
        inner = {
            found.order
            for panel in panels
            for ref in panel.refs
            if isinstance(found := self._resolve(ref, panel.key), _Item)
        }
        for panel in panels:
            if panel.order in inner or panel.order in claimed:
                continue
            claimed.add(panel.order)
            group = self._group(panel, claimed, [panel])
            if any(m.cbc for m in group.members) or group.empty_error:
                groups.append(group)  # else another panel (vital signs): not a blood count
        loose: dict[tuple[str | None, str | None], _Group] = {}
        for obs in self.observations:
            if obs.order in claimed or not obs.values:
                continue
            bucket = loose.get((obs.subject, obs.effective))
            if bucket is None:
                bucket = _Group(
                    obs.order,
                    obs.label,
                    obs.line,
                    subject=obs.subject,
                    scope=obs.key,
                    effective=obs.effective,
                )
                loose[(obs.subject, obs.effective)] = bucket
                groups.append(bucket)
            bucket.members.append(obs)
        if self.ignored:
            kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.ignored.items()))
            self.notes.add(f"resources cbc does not read were ignored: {kinds}")
        out: list[tuple[int, Record]] = list(self.errors)
        for group in groups:
            record = self._record(group)
            if record is not None:
                out.append((group.order, record))
        out.sort(key=lambda pair: pair[0])
        for _, record in out:
            yield record

    # -- one sample ----------------------------------------------------------------------------

    def _record(self, group: _Group) -> Record | None:
        if group.empty_error is None and not any(m.cbc for m in group.members):
            return None  # an age or a temperature alone is not a sample
        sample = Sample(CellReader(group.line))
        for member in group.members:
            group.subject = group.subject or member.subject
            group.effective = group.effective or member.effective
            for value in member.values:
                self._read_value(sample, value, member.line)
        if group.effective is not None:
            sample.context["collected_at"] = group.effective
        patient_id = self._read_patient(sample, group)
        return sample.panel_record(
            group.line,
            sample_id=group.sample_id,
            patient_id=patient_id,
            fields=_CONTEXT_FIELDS,
            prefix=group.label,
            empty=group.empty_error or "no CBC value could be read",
            prefix_all=False,
        )

    def _read_patient(self, sample: Sample, group: _Group) -> str | None:
        if group.subject is None:
            return None
        found = self._resolve(group.subject, group.scope)
        if not isinstance(found, _Item) or found.rtype != "Patient":
            return group.subject.rsplit("/", 1)[-1]
        if found.gender in ("female", "male"):
            sample.context["sex"] = found.gender
        if found.birth:
            if len(found.birth) >= 10:
                sample.context["dob"] = found.birth
            else:
                self.notes.add(
                    f"{found.place}: birthDate gives no full date, so no age is computed"
                )
        return found.ident

    def _read_value(self, sample: Sample, value: _Value, line: int | None) -> None:
        if value.problem is not None:
            sample.cell.fail(value.label, f"{value.label}: {value.problem}", line)
            return
        if value.text is None:
            return  # dataAbsentReason: the lab says there is no value
        unit = value.unit
        if unit is None:
            unit = self.unit_options.get(value.target)
        sample.add(
            value.target,
            value.label,
            value.text,
            unit,
            where=value.label,
            line=line,
            range_text=value.range_text,
            range_low=value.low,
            range_high=value.high,
            range_unit=value.range_unit,
            flag=value.flag,
        )


def _skip(text: str, pos: int) -> int:
    """The position of the next character that is not JSON whitespace."""
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _value(resource: dict[str, Any], target: str, label: str) -> _Value:
    """The value, range and flag of an Observation or component, as text."""
    out = _Value(target, label)
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict):
        number = _number(quantity.get("value"))
        if number is None:
            out.problem = "valueQuantity has no number in value"
            return out
        comparator = quantity.get("comparator")
        out.text = f"{comparator if isinstance(comparator, str) else ''}{number}"
        out.unit = _quantity_unit(quantity)
    elif isinstance(resource.get("valueString"), str):
        out.text = resource["valueString"]
    elif _number(resource.get("valueInteger")) is not None:
        out.text = str(resource["valueInteger"])
    else:
        kinds = [k for k in resource if k.startswith("value")]
        if kinds:
            out.problem = f"{kinds[0]} is not a number for {target}"
        elif "dataAbsentReason" not in resource:
            out.problem = "no value (value[x]) and no dataAbsentReason"
        return out
    # The first range for everyone: one with appliesTo or age is for another population, and
    # a typed one other than normal (recommended, treatment, ...) is not a reference interval.
    for rng in resource.get("referenceRange") or []:
        if not isinstance(rng, dict) or rng.get("appliesTo") or rng.get("age"):
            continue
        if rng.get("type") is not None and "normal" not in _codes(rng["type"])[1]:
            continue
        for end in ("low", "high"):
            q = rng.get(end)
            if isinstance(q, dict):
                setattr(out, end, _number(q.get("value")))
                out.range_unit = out.range_unit or _quantity_unit(q)
        if out.low is None and out.high is None and isinstance(rng.get("text"), str):
            out.range_text = rng["text"]
        break
    for concept in resource.get("interpretation") or []:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        codes = [c["code"] for c in codings or [] if isinstance(c, dict) and c.get("code")]
        if codes:
            out.flag = str(codes[0])
            break
    return out


__all__ = ["CBC_PANELS", "LOINC_SYSTEM", "UCUM_SYSTEM", "read_fhir"]
