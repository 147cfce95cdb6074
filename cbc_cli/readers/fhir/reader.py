"""FHIR resources read one at a time (an NDJSON line, a Bundle entry, a document's resource),
each reduced at once to what a sample needs and kept in the input's store."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from sys import intern
from typing import Any

from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.readers.coded import Notes, match_code
from cbc_cli.readers.fhir.fields import (
    Shape,
    as_dict,
    as_dicts,
    as_list,
    as_str,
    codes,
    effective,
    identifier,
    kind_of,
    reference,
    refs,
)
from cbc_cli.readers.fhir.items import ERROR, Item, Pending
from cbc_cli.readers.fhir.observations import keep_observation
from cbc_cli.readers.fhir.store import MemoryStore, Store
from cbc_cli.readers.json_stream import JsonLimitError, load
from cbc_cli.readers.records import Record

# FHIR R4 Observation.status: these results must not be used.
_UNUSABLE = frozenset({"entered-in-error", "cancelled"})
_RESOURCE_NAME = re.compile(r"[A-Z][A-Za-z]{1,60}")
READ_TYPES = frozenset({"Bundle", "DiagnosticReport", "Observation", "Patient"})
"""The resource types cbc reads."""


class Reader:
    """Reads the resources of one input into its store (the grouping is
    :mod:`cbc_cli.readers.fhir.grouping`'s): each resource reduced at once to its items, or an
    error record in its place."""

    def __init__(
        self,
        notes: Notes,
        column_options: Mapping[str, str],
        unit_options: Mapping[str, str],
        limits: Limits = DEFAULT_LIMITS,
        *,
        on_disk: bool = True,
    ) -> None:
        self.notes = notes
        self.column_options = column_options
        self.unit_options = unit_options
        self.limits = limits
        self.order = 0
        self.ignored: dict[str, int] = {}
        self.store = Store() if on_disk else MemoryStore()
        self.pending: Pending | None = None
        self._matched: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str | None, ...]] = {}

    def _match(self, loinc: list[str], local: list[str]) -> tuple[str | None, ...]:
        """``match_code`` of an Observation's codes, asked once for each distinct set of codes
        (an export repeats a few dozen tests); a few thousand sets kept at most."""
        key = (tuple(loinc), tuple(local))
        found = self._matched.get(key)
        if found is None:
            found = match_code(loinc, local, self.column_options)
            if len(self._matched) >= 4096:
                self._matched.clear()
            self._matched[key] = found
        return found

    def read_line(self, text: str, number: int) -> None:
        """One NDJSON line: a resource, or an error record for it."""
        if not text.strip():
            return
        if len(text) > self.limits.fhir_resource:
            self.error(
                number,
                "document",
                f"line {number}: a resource of {len(text)} characters is past the fhir_resource "
                f"limit ({self.limits.fhir_resource}); give --limit fhir_resource=SIZE to read it",
                "limit.exceeded",
            )
            return
        try:
            value = load(text, self.limits)
        except json.JSONDecodeError as exc:
            self.error(
                number, None, f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})"
            )
            return
        except JsonLimitError as exc:
            self.error(number, None, f"line {number}: {exc}")
            return
        self.top(value, number, f"line {number}")

    def error(
        self,
        line: int | None,
        field_name: str | None,
        message: str,
        code: str = "input.invalid",
    ) -> None:
        """An error record in the place of what could not be read."""
        self.order += 1
        error = ErrorInfo(line=line, field=field_name, code=code, message=message)
        record = Record(line, error=error)
        self.store.add_out(self.order, ERROR, record)

    def top(self, value: Any, line: int | None, where: str | None) -> None:
        """A top-level value (a document, an NDJSON line, an item of a top-level array): a
        resource of a type cbc reads, or an error record."""
        place = where or "the document"
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            kind = "an object" if isinstance(value, dict) else kind_of(value)
            self.error(
                line,
                "resourceType",
                f"{place}: not a FHIR resource ({kind} without resourceType)",
            )
            return
        rtype = value["resourceType"]
        if rtype not in READ_TYPES:
            rid = value.get("id")
            name = f"{rtype}/{rid}" if isinstance(rid, str) else rtype
            self.error(
                line,
                "resourceType",
                f"{place}: {name} is not a resource cbc reads (it reads Bundle, "
                "DiagnosticReport, Observation and Patient)",
            )
            return
        self._take(value, line, where, None)

    def _take(
        self, resource: dict[str, Any], line: int | None, where: str | None, full_url: str | None
    ) -> None:
        """Read one resource (with what it contains) whole, or make it one error record: a
        field of the wrong type leaves nothing of it behind to be grouped."""
        outer, self.pending = self.pending, Pending()
        try:
            self._feed(resource, line, where, full_url, "")
        except Shape as exc:
            rtype = resource.get("resourceType")
            rid = resource.get("id")
            name = rtype if isinstance(rtype, str) else "resource"
            label = f"{name}/{rid}" if isinstance(rid, str) else name
            label = f"{label} ({where})" if where else label
            keys = [full_url] if full_url else []
            if isinstance(rid, str) and isinstance(rtype, str):
                keys.append(f"{rtype}/{rid}")
            for key in keys:
                self.store.add_broken(key)
            self.error(line, exc.path, f"{label}: {exc}; this resource is not read")
            return
        finally:
            pending, self.pending = self.pending, outer
        for key in pending.others:
            self.store.add_other(key)
        for item, keys in pending.items:
            self.store.add(item, keys or [item.key])
        for name in pending.ignored:
            self.ignored[name] = self.ignored.get(name, 0) + 1
        for note in pending.notes:
            self.notes.add(note)

    def _feed(
        self,
        resource: dict[str, Any],
        line: int | None,
        where: str | None,
        full_url: str | None,
        scope: str,
        path: str | None = None,
    ) -> None:
        """Read one resource into the pending state; ``path`` is where it sits in its container
        (``DiagnosticReport.contained[1]``), for messages about its fields."""
        pending = self.pending
        assert pending is not None  # _take sets it
        rtype = resource.get("resourceType")
        path = path or (rtype if isinstance(rtype, str) else "resource")
        rid = as_str(resource, "id", path) or None
        if rtype == "Bundle":
            for position, entry in enumerate(as_list(resource, "entry", path), start=1):
                self.entry(entry, line, where, position)
            return
        if not isinstance(rtype, str) or rtype not in READ_TYPES:
            # A resource type is named on stderr only when it has the shape of one (FHIR's are
            # CamelCase words): any other text in that place could be a value from a record.
            if isinstance(rtype, str) and _RESOURCE_NAME.fullmatch(rtype) is not None:
                pending.ignored.append(rtype)
            else:
                pending.ignored.append("(no resourceType)" if rtype is None else "(not a type)")
            return
        if scope:  # a contained resource: its id means something only inside its container
            keys = [f"{scope}#{rid}"] if rid else []
        else:
            keys = [k for k in (full_url, f"{rtype}/{rid}" if rid else None) if k]
        loinc, local = codes(as_dict(resource, "code", path), f"{path}.code")
        target = why = None
        if rtype == "Observation":
            # Most of a bulk export is other tests: let them go before building anything.
            target, why = self._match(loinc, local)
            unusable = as_str(resource, "status", path) in _UNUSABLE
            wanted = (
                target
                or why
                or as_list(resource, "hasMember", path)
                or as_list(resource, "component", path)
            )
            if unusable or not wanted:
                pending.others.extend(keys)
                return
        self.order += 1
        label = f"{rtype}/{rid}" if rid else rtype
        label = f"{label} ({where})" if where else label
        key = keys[0] if keys else f"@{self.order}"
        # Strings many resources repeat (type, codes, subject, time, unit) are kept once each.
        item = Item(
            self.order,
            intern(rtype),
            label,
            line,
            key,
            loinc=tuple(map(intern, loinc)),
            target=target,
        )
        item.place = f"{rtype} ({where})" if where else f"{rtype} at line {line}" if line else rtype
        for inner_path, contained in as_dicts(resource, "contained", path):
            place = f"{where}, contained" if where else "contained"
            self._feed(contained, line, place, None, key, inner_path)
        if rtype == "Observation":
            if why:
                pending.notes.append(f"{item.place}: {why}")
            if not keep_observation(item, resource, path, self.column_options):
                pending.others.extend(keys)
                return
        elif rtype == "DiagnosticReport":
            item.refs = refs(resource, "result", path)
        else:  # Patient
            item.gender = as_str(resource, "gender", path)
            item.birth = as_str(resource, "birthDate", path)
        item.ident = identifier(resource, path)
        subject = reference(as_dict(resource, "subject", path), f"{path}.subject")
        when = effective(resource, path)
        item.subject = None if subject is None else intern(subject)
        item.effective = None if when is None else intern(when)
        pending.items.append((item, keys))

    def entry(self, entry: Any, line: int | None, where: str | None, position: int) -> None:
        """One Bundle entry: its resource read, keyed by its fullUrl too."""
        place = f"{where}, entry {position}" if where else f"entry {position}"
        if not isinstance(entry, dict):
            self.error(
                line, "Bundle.entry", f"{place}: is {kind_of(entry)}, not an object; not read"
            )
            return
        inner = entry.get("resource")
        if inner is None:
            return  # a transaction entry that only deletes, or a search link
        url = entry.get("fullUrl")
        if not isinstance(inner, dict) or not isinstance(url, str | None):
            bad = "resource" if not isinstance(inner, dict) else "fullUrl"
            kind = "an object" if bad == "resource" else "a string"
            self.error(
                line,
                f"Bundle.entry.{bad}",
                f"{place}: Bundle.entry.{bad} is {kind_of(entry[bad])}, not {kind}; not read",
            )
            return
        self._take(inner, line, place, url)

    # -- grouping ------------------------------------------------------------------------------
