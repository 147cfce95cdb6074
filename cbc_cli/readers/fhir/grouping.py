"""Grouping the kept items of a FHIR input into samples, and each sample into its Record.

Reports claim their results first, then panels their members, then the Observations left are
grouped by subject and effective time. A reference that could mean two resources is never
resolved to either: it is a cell error of the sample.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from cbc_cli.readers.coded import Notes, Sample
from cbc_cli.readers.fhir.fields import CBC_PANELS, ref_keys
from cbc_cli.readers.fhir.items import (
    AMBIGUOUS,
    ERROR,
    GROUP,
    LOOSE,
    OTHER,
    REPORT,
    Bits,
    Group,
    Item,
    Value,
)
from cbc_cli.readers.fhir.store import MemoryStore, Store
from cbc_cli.readers.records import CellReader, Record

_CONTEXT_FIELDS = {
    "sex": "Patient.gender",
    "dob": "Patient.birthDate",
    "collected_at": "effectiveDateTime",
    "age": "Observation.value[x]",
    "temperature": "Observation.value[x]",
}
_UNSEEN = "unseen"


class _Person(NamedTuple):
    """What a sample reads of its subject's Patient."""

    gender: str | None
    birth: str | None
    place: str
    ident: str | None


_PERSONS = 512
"""Subjects whose Patient facts are kept for the samples after them: a small export fills it,
so memory does not grow with a longer one (4096 held about 2 MiB); a subject past it is asked
of the store again, one indexed lookup."""
_MAX_DEPTH = 8  # panels within panels: deeper nesting is a reference loop


class Grouper:
    """Groups the items of one input's store into samples and builds each sample's record."""

    def __init__(
        self,
        store: Store | MemoryStore,
        notes: Notes,
        unit_options: Mapping[str, str],
        ignored: Mapping[str, int],
    ) -> None:
        self.store = store
        self.notes = notes
        self.unit_options = unit_options
        self.ignored = ignored
        """Resources of types cbc does not read, by type, for one note."""
        self._persons: dict[tuple[str, str], _Person | str | None] = {}

    def _resolve(self, ref: str, scope: str) -> Item | str | None:
        """The item a reference names; None when it names nothing in the input; OTHER for an
        observation cbc does not read, BROKEN for a resource that was an error, AMBIGUOUS
        when it could name two resources."""
        for key in ref_keys(ref, scope):
            found = self.store.lookup(key)
            if found is not None:
                return found
        return None

    def _expand(
        self, refs: tuple[str, ...], scope: str, group: Group, claimed: Bits, depth: int
    ) -> None:
        for ref in refs:
            found = self._resolve(ref, scope)
            if found is None:
                group.unresolved += 1
                continue
            if found == AMBIGUOUS:
                group.ambiguous.append(ref)
                continue
            if not isinstance(found, Item) or found.rtype != "Observation":
                continue
            if found.order in claimed:
                continue
            claimed.add(found.order)
            group.members.append(found)
            if found.refs and depth < _MAX_DEPTH:
                self._expand(found.refs, found.key, group, claimed, depth + 1)

    def _group(self, item: Item, claimed: Bits, members: list[Item]) -> Group:
        group = Group(
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

    def records(self) -> Iterator[Record]:
        """The records of the whole input, in the order their first resource was met.

        Reports claim their results first, then panels their members, then the Observations
        left are grouped by subject and time; each group goes to the store as it is made, and
        each sample's record is built as it is written, so only one sample is held at a time.
        """
        store = self.store
        store.index_keys()
        claimed = Bits()
        for report in store.items(REPORT):
            group = self._group(report, claimed, [])
            if group.unresolved:
                self.notes.add(
                    f"{report.place}: {group.unresolved} result reference(s) not found in the input"
                )
            if any(m.cbc for m in group.members) or group.empty_error:
                store.add_out(group.order, GROUP, group)
            else:
                self.notes.add(f"{report.place} holds no CBC result: skipped")
        # Panels: hasMember, or values in components under a code that is not itself an analyte.
        # A panel inside another panel belongs to the outer one: expand outer panels first.
        inner = Bits()
        for panel in store.panels():
            if panel.order not in claimed:
                for ref in panel.refs:
                    if isinstance(found := self._resolve(ref, panel.key), Item):
                        inner.add(found.order)
        for panel in store.panels():
            if panel.order in inner or panel.order in claimed:
                continue
            claimed.add(panel.order)
            group = self._group(panel, claimed, [panel])
            if any(m.cbc for m in group.members) or group.empty_error:
                store.add_out(group.order, GROUP, group)  # else another panel: not a CBC
        store.add_loose(claimed)
        store.close_loose()
        if self.ignored:
            kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.ignored.items()))
            self.notes.add(f"resources cbc does not read were ignored: {kinds}")
        for kind, value in store.out():
            if kind == ERROR:
                assert isinstance(value, Record)
                yield value
                continue
            if kind == LOOSE:
                assert isinstance(value, list)
                first = value[0]
                group = Group(
                    first.order,
                    first.label,
                    first.line,
                    members=value,
                    subject=first.subject,
                    scope=first.key,
                    effective=first.effective,
                )
            else:
                assert isinstance(value, Group)
                group = value
            record = self._record(group)
            if record is not None:
                yield record

    def _record(self, group: Group) -> Record | None:
        if (
            group.empty_error is None
            and not group.ambiguous
            and not any(m.cbc for m in group.members)
        ):
            return None  # an age or a temperature alone is not a sample
        sample = Sample(CellReader(group.line))
        for ref in group.ambiguous:
            sample.cell.fail(
                "reference",
                f"{group.label}: the reference {ref} could mean more than one resource of the "
                "input (a fullUrl or id given twice), so it is not used; make each one unique",
                group.line,
            )
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

    def _read_patient(self, sample: Sample, group: Group) -> str | None:
        if group.subject is None:
            return None
        found = self._person(group.subject, group.scope)
        if found == AMBIGUOUS:
            sample.cell.fail(
                "subject",
                f"{group.label}: the subject {group.subject} could mean more than one resource of "
                "the input (a fullUrl or id given twice); the person's sex and birth date are not "
                "used",
                group.line,
            )
        if not isinstance(found, _Person):
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

    def _person(self, subject: str, scope: str) -> _Person | str | None:
        """What a subject reference names, a person's facts when a Patient: asked of the store
        once for the samples of one person (:data:`_PERSONS` people kept at most)."""
        key = (subject, scope if subject.startswith("#") else "")
        known = self._persons.get(key, _UNSEEN)
        if known is not _UNSEEN:
            return known
        found = self._resolve(subject, scope)
        person: _Person | str | None
        if isinstance(found, Item):
            fits = found.rtype == "Patient"
            person = _Person(found.gender, found.birth, found.place, found.ident) if fits else OTHER
        else:
            person = found
        if len(self._persons) >= _PERSONS:
            self._persons.clear()
        self._persons[key] = person
        return person

    def _read_value(self, sample: Sample, value: Value, line: int | None) -> None:
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
