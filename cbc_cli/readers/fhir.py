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

Resources are read as plain dicts (no per-resource model validation) through small typed
accessors (:func:`as_list`, :func:`as_dict`, :func:`as_str`, :func:`as_number`): a field of the
wrong JSON type makes that resource an error record naming the field (a value, range or flag of
the wrong type is a cell error of its sample), and the rest is read. A resource is reduced at once
to what a sample needs; other Observations leave only their id.

Memory. A resource is reduced as it is read and the reduced item goes to a temporary SQLite
database (:class:`_Store`, in SQLITE_TMPDIR or TMPDIR, else /var/tmp or /tmp; deleted when the
input is read), which also indexes it by its keys: grouping then reads items back one sample at
a time. A bulk export lists resources by type (all Patients, then all Observations, then all
DiagnosticReports), so a report's results, or a person's Patient, can be any distance apart;
grouping needs the whole input, and only the database holds it. What stays in memory per
resource is one bit (claimed by a sample, or not), so memory stays flat however long the NDJSON
file. A JSON document (a Bundle, a resource, an array of resources) is read whole, up to
``Limits.fhir_resource``, then decoded an entry (an item) at a time into :class:`_MemoryStore`,
which holds the same in dicts for the same grouping code.

A reference that could mean two resources (a duplicate ``fullUrl``, or a duplicate id) is never
resolved to either: it is a cell error of the sample. Resources of other types in a Bundle are
counted in a note; at the top level (a document, an NDJSON line) they are an error.
"""

from __future__ import annotations

import codecs
import json
import marshal
import pickle
import re
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from sys import intern
from typing import Any

from cbc_cli.analytes import ANALYTES
from cbc_cli.errors import CbcError
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.readers.hl7 import Notes, Sample, match_code, ucum_unit
from cbc_cli.readers.json_stream import (
    ArrayItems,
    JsonLimitError,
    check_depth,
    decode_at,
    load,
    skip_space,
)
from cbc_cli.readers.records import CellReader, Record
from cbc_cli.readers.source import Source, iter_lines

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
# LOINC panel codes for a complete blood count: a report with one of these and no CBC value is an
# error; any other report without a CBC value is someone else's test and is skipped.
CBC_PANELS = frozenset({"58410-2", "57021-8", "57782-5", "69742-5"})
# FHIR R4 Observation.status: these results must not be used.
_UNUSABLE = frozenset({"entered-in-error", "cancelled"})
_RESOURCE_NAME = re.compile(r"[A-Z][A-Za-z]{1,60}")
_READ_TYPES = frozenset({"Bundle", "DiagnosticReport", "Observation", "Patient"})
_CONTEXT_FIELDS = {
    "sex": "Patient.gender",
    "dob": "Patient.birthDate",
    "collected_at": "effectiveDateTime",
    "age": "Observation.value[x]",
    "temperature": "Observation.value[x]",
}
_MAX_DEPTH = 8  # panels within panels: deeper nesting is a reference loop
_CACHE_KIB = 4096
"""SQLite's page cache for the store, in KiB: past it, pages go to the temporary file."""
# What a reference resolves to when it is not a kept resource.
_OTHER, _AMBIGUOUS, _BROKEN = "other", "ambiguous", "broken"

# ---------------------------------------------------------------------------------------------
# Typed access to JSON fields: a field of the wrong type is a _Shape error naming its path.


class _Shape(Exception):
    """A field whose JSON type is not the one FHIR gives it (the message names no value)."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(f"{path} is {_kind(value)}, not {expected}")
        self.path = path


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "a value"


def as_dict(obj: dict[str, Any], name: str, path: str) -> dict[str, Any] | None:
    """``obj[name]`` when it is an object, None when absent; _Shape otherwise."""
    value = obj.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise _Shape(f"{path}.{name}", "an object", value)


def as_str(obj: dict[str, Any], name: str, path: str) -> str | None:
    """``obj[name]`` when it is a string, None when absent; _Shape otherwise."""
    value = obj.get(name)
    if value is None or isinstance(value, str):
        return value
    raise _Shape(f"{path}.{name}", "a string", value)


def as_number(obj: dict[str, Any], name: str, path: str) -> str | None:
    """``obj[name]`` as text when it is a JSON number, None when absent; _Shape otherwise."""
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Shape(f"{path}.{name}", "a number", value)


def as_list(obj: dict[str, Any], name: str, path: str) -> list[Any]:
    """``obj[name]`` when it is an array, [] when absent; _Shape otherwise."""
    value = obj.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _Shape(f"{path}.{name}", "an array", value)


def as_dicts(obj: dict[str, Any], name: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for each item of the array ``obj[name]``; _Shape for an item of
    another type."""
    for index, item in enumerate(as_list(obj, name, path)):
        where = f"{path}.{name}[{index}]"
        if not isinstance(item, dict):
            raise _Shape(where, "an object", item)
        yield where, item


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
    ambiguous: list[str] = field(default_factory=list)
    """References that name more than one resource of the input: not used."""
    empty_error: str | None = None


@dataclass
class _Pending:
    """What one top-level resource (or Bundle entry) adds, kept until all of it is read."""

    items: list[tuple[_Item, list[str]]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Bits:
    """A set of resource orders as one bit each: what grouping marks, held for a whole input."""

    def __init__(self) -> None:
        self._bytes = bytearray()

    def add(self, order: int) -> None:
        """Mark ``order``."""
        index = order >> 3
        if index >= len(self._bytes):
            self._bytes.extend(bytes(index + 1 - len(self._bytes) + 4096))
        self._bytes[index] |= 1 << (order & 7)

    def __contains__(self, order: object) -> bool:
        if not isinstance(order, int):
            return False
        index = order >> 3
        return index < len(self._bytes) and bool(self._bytes[index] >> (order & 7) & 1)


# Kinds of stored rows.
_PATIENT, _OBSERVATION, _REPORT, _ERROR, _GROUP, _LOOSE = range(6)
_KINDS = {"Patient": _PATIENT, "Observation": _OBSERVATION, "DiagnosticReport": _REPORT}


def _text_key(text: str | None) -> bytes | None:
    """Text as SQLite keeps it: UTF-8 bytes, a lone surrogate (valid in JSON) included."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


class _Store:
    """The reduced resources of one input, their keys, and the samples grouped from them, in a
    private temporary SQLite database: a bulk export's Observations and the reports that name
    them can be a whole file apart, and only the disk can hold a file's worth of them.

    SQLite deletes the database when it is closed (or the process ends); its page cache is
    :data:`_CACHE_KIB`. A full disk (or no temporary folder) is a :class:`CbcError` saying so.
    """

    def __init__(self) -> None:
        try:
            # "": a private temporary database on disk, removed when the connection closes.
            self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
            self.db.executescript(
                f"""
                PRAGMA cache_size = -{_CACHE_KIB};
                PRAGMA journal_mode = OFF;
                PRAGMA synchronous = OFF;
                PRAGMA temp_store = FILE;
                CREATE TABLE item (
                    ord INTEGER PRIMARY KEY, kind INTEGER, panel INTEGER, valued INTEGER,
                    subject BLOB, effective BLOB, blob BLOB
                );
                CREATE TABLE key (key BLOB, ord INTEGER);
                CREATE TABLE broken (key BLOB PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE out (ord INTEGER PRIMARY KEY, kind INTEGER, blob BLOB);
                CREATE TABLE loose (subject BLOB, effective BLOB, ord INTEGER);
                BEGIN;
                """
            )
        except sqlite3.OperationalError as exc:
            raise _no_room(exc) from None

    def close(self) -> None:
        """Remove the database."""
        self.db.close()

    def add(self, item: _Item, keys: list[str]) -> None:
        """Keep a Patient, Observation or DiagnosticReport item under its keys."""
        blob = marshal.dumps(_packed(item))
        observation = item.rtype == "Observation"
        self.db.execute(
            "INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                item.order,
                _KINDS[item.rtype],
                observation and bool(item.refs or item.target is None),
                observation and bool(item.values),
                _text_key(item.subject),
                _text_key(item.effective),
                blob,
            ),
        )
        self.db.executemany(
            "INSERT INTO key VALUES (?, ?)", [(_text_key(k), item.order) for k in keys]
        )

    def add_other(self, key: str) -> None:
        """An Observation cbc does not read: only its key, for references to it."""
        self.db.execute("INSERT INTO key VALUES (?, NULL)", (_text_key(key),))

    def add_broken(self, key: str) -> None:
        """The key of a resource that was an error record."""
        self.db.execute("INSERT OR IGNORE INTO broken VALUES (?)", (_text_key(key),))

    def add_out(self, order: int, kind: int, value: Record | _Group) -> None:
        """An error record or a sample's group, written in ``order`` by :meth:`out`."""
        if isinstance(value, _Group):
            packed = [getattr(value, name) for name in _GROUP_FIELDS]
            packed[_MEMBERS] = [_packed(m) for m in value.members]
            blob = marshal.dumps(packed)
        else:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.db.execute("INSERT INTO out VALUES (?, ?, ?)", (order, kind, blob))

    def add_loose(self, claimed: _Bits) -> None:
        """Each Observation with a value that no report or panel claimed, to be grouped with
        the others of its subject and time."""
        rows = self.db.execute(
            "SELECT subject, effective, ord FROM item WHERE valued ORDER BY ord"
        ).fetchmany
        while batch := rows(1024):
            self.db.executemany(
                "INSERT INTO loose VALUES (?, ?, ?)", [r for r in batch if r[2] not in claimed]
            )

    def lookup(self, key: str) -> _Item | str | None:
        """What ``key`` names: the item, _OTHER, _AMBIGUOUS (two resources), _BROKEN, or None."""
        rows = self.db.execute(
            "SELECT DISTINCT ord FROM key WHERE key = ? LIMIT 2", (_text_key(key),)
        ).fetchall()
        if len(rows) > 1:
            return _AMBIGUOUS
        if rows:
            (order,) = rows[0]
            return _OTHER if order is None else self.item(order)
        found = self.db.execute("SELECT 1 FROM broken WHERE key = ?", (_text_key(key),))
        return _BROKEN if found.fetchone() else None

    def item(self, order: int) -> _Item:
        """The item kept as ``order``."""
        (blob,) = self.db.execute("SELECT blob FROM item WHERE ord = ?", (order,)).fetchone()
        return _unpacked(_load(blob))

    def items(self, kind: int) -> Iterator[_Item]:
        """The items of one kind, in input order."""
        rows = self.db.execute("SELECT blob FROM item WHERE kind = ? ORDER BY ord", (kind,))
        for (blob,) in rows:
            yield _unpacked(_load(blob))

    def panels(self) -> Iterator[_Item]:
        """The Observations with members (hasMember) or values only in components, in order."""
        for (blob,) in self.db.execute("SELECT blob FROM item WHERE panel ORDER BY ord"):
            yield _unpacked(_load(blob))

    def close_loose(self) -> None:
        """Make each subject and time of the loose Observations one group, placed at its first."""
        self.db.execute("CREATE INDEX loose_key ON loose (subject, effective, ord)")
        self.db.execute(
            "INSERT INTO out SELECT MIN(ord), ?, NULL FROM loose GROUP BY subject, effective",
            (_LOOSE,),
        )

    def out(self) -> Iterator[tuple[int, object]]:
        """(kind, value) of each error record and group, in input order; a loose group as the
        list of its Observations."""
        for order, kind, blob in self.db.execute("SELECT ord, kind, blob FROM out ORDER BY ord"):
            if kind == _ERROR:
                yield kind, _unpickle(blob)
                continue
            if kind == _GROUP:
                packed = _load(blob)
                packed[_MEMBERS] = [_unpacked(m) for m in packed[_MEMBERS]]
                yield kind, _Group(*packed)
                continue
            first = self.item(order)
            rows = self.db.execute(
                "SELECT ord FROM loose WHERE subject IS ? AND effective IS ? ORDER BY ord",
                (_text_key(first.subject), _text_key(first.effective)),
            ).fetchall()
            yield kind, [first, *(self.item(o) for (o,) in rows[1:])]

    def index_keys(self) -> None:
        """Index the keys once all are in (faster than keeping an index up to date)."""
        self.db.execute("CREATE INDEX key_key ON key (key)")


class _MemoryStore:
    """:class:`_Store` in memory, for a JSON document: its text is in memory already, and what
    is reduced from it is smaller; the same grouping reads it (twice as fast as SQLite)."""

    def __init__(self) -> None:
        self.kept: dict[int, _Item] = {}
        self.keys: dict[str, set[int | None]] = {}
        self.broken: set[str] = set()
        self.groups: list[tuple[int, int, Any]] = []
        self.loose: dict[tuple[str | None, str | None], list[int]] = {}

    def close(self) -> None:
        """Forget everything."""
        self.kept.clear()
        self.keys.clear()
        self.groups.clear()
        self.loose.clear()

    def add(self, item: _Item, keys: list[str]) -> None:
        """As :meth:`_Store.add`."""
        self.kept[item.order] = item
        for key in keys:
            self.keys.setdefault(key, set()).add(item.order)

    def add_other(self, key: str) -> None:
        """As :meth:`_Store.add_other`."""
        self.keys.setdefault(key, set()).add(None)

    def add_broken(self, key: str) -> None:
        """As :meth:`_Store.add_broken`."""
        self.broken.add(key)

    def add_out(self, order: int, kind: int, value: Record | _Group) -> None:
        """As :meth:`_Store.add_out`."""
        self.groups.append((order, kind, value))

    def add_loose(self, claimed: _Bits) -> None:
        """As :meth:`_Store.add_loose`."""
        for item in self._sorted():
            if item.rtype == "Observation" and item.values and item.order not in claimed:
                self.loose.setdefault((item.subject, item.effective), []).append(item.order)

    def lookup(self, key: str) -> _Item | str | None:
        """As :meth:`_Store.lookup`."""
        orders = self.keys.get(key)
        if orders is not None and len(orders) > 1:
            return _AMBIGUOUS
        if orders:
            (order,) = orders
            return _OTHER if order is None else self.kept[order]
        return _BROKEN if key in self.broken else None

    def item(self, order: int) -> _Item:
        """As :meth:`_Store.item`."""
        return self.kept[order]

    def items(self, kind: int) -> Iterator[_Item]:
        """As :meth:`_Store.items`."""
        return (item for item in self._sorted() if _KINDS[item.rtype] == kind)

    def panels(self) -> Iterator[_Item]:
        """As :meth:`_Store.panels`."""
        return (
            item
            for item in self._sorted()
            if item.rtype == "Observation" and (item.refs or item.target is None)
        )

    def close_loose(self) -> None:
        """As :meth:`_Store.close_loose`."""
        self.groups.extend((orders[0], _LOOSE, orders) for orders in self.loose.values())

    def out(self) -> Iterator[tuple[int, object]]:
        """As :meth:`_Store.out`."""
        self.groups.sort(key=lambda group: group[0])
        for _, kind, value in self.groups:
            yield kind, [self.kept[o] for o in value] if kind == _LOOSE else value

    def index_keys(self) -> None:
        """Nothing to do: the keys are a dict."""

    def _sorted(self) -> list[_Item]:
        # Contained resources are kept before their container, numbered after it.
        return sorted(self.kept.values(), key=lambda item: item.order)


_ITEM_FIELDS = [f.name for f in fields(_Item)]
_VALUE_FIELDS = [f.name for f in fields(_Value)]
_GROUP_FIELDS = [f.name for f in fields(_Group)]
_VALUES, _MEMBERS = _ITEM_FIELDS.index("values"), _GROUP_FIELDS.index("members")


def _packed(item: _Item) -> list[Any]:
    """An item as plain lists, tuples and strings, which marshal writes and reads back in about
    half the time pickle takes over slotted dataclasses."""
    packed = [getattr(item, name) for name in _ITEM_FIELDS]
    packed[_VALUES] = [[getattr(v, name) for name in _VALUE_FIELDS] for v in item.values]
    return packed


def _unpacked(packed: list[Any]) -> _Item:
    packed[_VALUES] = [_Value(*v) for v in packed[_VALUES]]
    return _Item(*packed)


def _load(blob: bytes) -> Any:
    # Written by this process into its own private temporary database: not outside input.
    return marshal.loads(blob)  # noqa: S302


def _unpickle(blob: bytes) -> Any:
    # Written by this process into its own private temporary database: not outside input.
    return pickle.loads(blob)  # noqa: S301


def _no_room(exc: sqlite3.OperationalError) -> CbcError:
    return CbcError(
        f"the temporary file that groups a FHIR input into samples could not be written ({exc})",
        hint="free space in the temporary folder (TMPDIR, else /var/tmp), or name one with room "
        "in TMPDIR",
    )


def read_fhir(
    source: Source,
    *,
    ndjson: bool,
    column_options: Mapping[str, str] | None = None,
    unit_options: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Iterator[Record], list[str]]:
    """The records of a FHIR JSON or NDJSON input, and notes about it.

    Never raises for content: invalid JSON, JSON that is not FHIR, fields of the wrong type,
    input past a limit and resource types cbc does not read become error Records naming the
    line or the resource.
    """
    notes = Notes()

    def records() -> Iterator[Record]:
        # NDJSON can be any length: its resources go to disk. A document is in memory already.
        reader = _Reader(notes, column_options or {}, unit_options or {}, limits, on_disk=ndjson)
        try:
            if ndjson:
                for number, line in enumerate(iter_lines(source), start=1):
                    reader.read_line(line, number)
            else:
                text = _text(source, limits.fhir_resource)
                if text is None:
                    yield _too_big(source.name, limits.fhir_resource)
                else:
                    reader.read_document(text)
                    del text
            yield from reader.finish()
        except sqlite3.OperationalError as exc:  # a full disk, no temporary folder
            raise _no_room(exc) from None
        finally:
            reader.store.close()
        notes.finish()

    return records(), notes.lines


def _text(source: Source, limit: int) -> str | None:
    """The whole document as text, or None when it is longer than ``limit`` characters."""
    decoder_ = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    parts: list[str] = []
    size = 0
    while chunk := source.stream.read(1 << 16):
        parts.append(decoder_.decode(chunk))
        size += len(parts[-1])
        if size > limit:
            return None
    parts.append(decoder_.decode(b"", final=True))
    return "".join(parts)


def _too_big(name: str, limit: int) -> Record:
    message = (
        f"{name}: this FHIR JSON document is longer than the fhir_resource limit "
        f"({limit >> 20} MiB) and is not read; a document is read whole, so give --limit "
        "fhir_resource=SIZE (memory grows with it), or export NDJSON (Bulk Data), which is read "
        "a resource at a time"
    )
    return Record(
        1, error=ErrorInfo(line=1, field="document", code="limit.exceeded", message=message)
    )


def _codes(concept: dict[str, Any] | None, path: str) -> tuple[list[str], list[str]]:
    """(LOINC codes, other codes and names) of a CodeableConcept."""
    loinc: list[str] = []
    local: list[str] = []
    if concept is None:
        return loinc, local
    for where, coding in as_dicts(concept, "coding", path):
        code = as_str(coding, "code", where)
        if code:
            system = as_str(coding, "system", where)
            (loinc if system == LOINC_SYSTEM else local).append(code)
        display = as_str(coding, "display", where)
        if display:
            local.append(display)
    text = as_str(concept, "text", path)
    if text:
        local.append(text)
    return loinc, local


def _reference(value: dict[str, Any] | None, path: str) -> str | None:
    if value is None:
        return None
    ref = as_str(value, "reference", path)
    return ref.strip() or None if ref else None


def _refs(resource: dict[str, Any], name: str, path: str) -> tuple[str, ...]:
    return tuple(
        ref for where, v in as_dicts(resource, name, path) if (ref := _reference(v, where))
    )


def _ref_keys(ref: str, scope: str) -> list[str]:
    """Keys a reference may be stored under: contained (#id), as written, and Type/id."""
    if ref.startswith("#"):
        return [f"{scope}{ref}"]
    ref = ref.split("/_history/", maxsplit=1)[0]
    parts = ref.rstrip("/").split("/")
    return [ref, "/".join(parts[-2:])] if len(parts) >= 2 else [ref]


def _effective(resource: dict[str, Any], path: str) -> str | None:
    for name in ("effectiveDateTime", "effectiveInstant"):
        value = as_str(resource, name, path)
        if value is not None:
            return value
    period = as_dict(resource, "effectivePeriod", path)
    return None if period is None else as_str(period, "start", f"{path}.effectivePeriod")


def _identifier(resource: dict[str, Any], path: str) -> str | None:
    for where, ident in as_dicts(resource, "identifier", path):
        value = as_str(ident, "value", where)
        if value:
            return value
    return as_str(resource, "id", path) or None


def _quantity_unit(quantity: dict[str, Any], path: str) -> str | None:
    # Quantity.code is the computable unit when system is UCUM; unit is the human text.
    code, unit = as_str(quantity, "code", path), as_str(quantity, "unit", path)
    if code is not None and as_str(quantity, "system", path) in (UCUM_SYSTEM, None):
        return ucum_unit(code)
    return ucum_unit(unit) if unit is not None else None


class _Reader:
    """Collects the resources of one input, then groups them into samples (:meth:`finish`)."""

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
        self.store = _Store() if on_disk else _MemoryStore()
        self.pending: _Pending | None = None
        self.rest: Any = None
        """What follows a Bundle document's entries, decoded (its resourceType, link, ...)."""

    # -- reading -------------------------------------------------------------------------------

    def read_line(self, text: str, number: int) -> None:
        """One NDJSON line: a resource, or an error record for it."""
        if not text.strip():
            return
        if len(text) > self.limits.fhir_resource:
            self._error(
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
            self._error(
                number, None, f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})"
            )
            return
        except JsonLimitError as exc:
            self._error(number, None, f"line {number}: {exc}")
            return
        self._top(value, number, f"line {number}")

    def read_document(self, text: str) -> None:
        """A whole JSON document: a resource, or an array of resources."""
        try:
            check_depth(text, self.limits)
        except JsonLimitError as exc:
            self._error(1, None, f"the document: {exc}; it is not read")
            return
        if self._read_bundle_entries(text) or self._read_array(text):
            return
        try:
            value = load(text, self.limits)
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
        except JsonLimitError as exc:
            self._error(1, None, f"the document: {exc}; it is not read")
            return
        self._top(value, None, None)

    def _items(self, text: str, pos: int, what: str) -> Iterator[tuple[int, Any]]:
        """(position, value) for each item of the JSON array opening at ``pos``, decoded one
        at a time; a break in the array is an error record (the items before it are read)."""
        items = ArrayItems(text, pos, self.limits)
        try:
            yield from items
            # What follows the array (a Bundle's link, signature): only checked to be JSON.
            rest = text[items.pos :].strip()
            if what == "entries":
                self.rest = decode_at("{" + rest.lstrip(","), 0, self.limits)[0]
            elif rest:
                raise json.JSONDecodeError("Extra data", text, items.pos)
        except json.JSONDecodeError as exc:
            line = text.count("\n", 0, exc.pos) + 1 if exc.doc is text else None
            where = f"line {line}" if line else "the end of the document"
            self._error(
                line, None, f"{where}: not valid JSON ({exc.msg}); the {what} before it were read"
            )
        except JsonLimitError as exc:
            line = text.count("\n", 0, items.pos) + 1
            self._error(line, None, f"line {line}: {exc}; the {what} before it were read")

    def _read_array(self, text: str) -> bool:
        """Read an array of resources an item at a time; False when the text is not one."""
        pos = skip_space(text, 0)
        if text[pos : pos + 1] != "[":
            return False
        for position, item in self._items(text, pos, "items"):
            self._top(item, None, f"item {position}")
        return True

    def _read_bundle_entries(self, text: str) -> bool:
        """Read a Bundle document one entry at a time; False (nothing read) when it is not one.

        ``json.loads`` on a Bundle of 40,000 reports takes six times the file's size in memory;
        decoding one entry at a time keeps only the text and what cbc extracts. A document that
        names its resourceType only after its entries is read the same way, then said to be no
        Bundle if the rest of it says so.
        """
        limits = self.limits
        pos = skip_space(text, 0)
        if text[pos : pos + 1] != "{":
            return False
        pos += 1
        is_bundle = False
        try:
            while True:
                pos = skip_space(text, pos)
                if text[pos : pos + 1] == "}":
                    return False
                key, pos = decode_at(text, pos, limits)
                pos = skip_space(text, pos)
                if not isinstance(key, str) or text[pos : pos + 1] != ":":
                    return False
                pos = skip_space(text, pos + 1)
                if key == "entry":
                    break
                value, pos = decode_at(text, pos, limits)
                if key == "resourceType":
                    is_bundle = value == "Bundle"
                    if not is_bundle:
                        return False
                pos = skip_space(text, pos)
                if text[pos : pos + 1] != ",":
                    return False
                pos += 1
        except (json.JSONDecodeError, JsonLimitError):
            return False
        if text[pos : pos + 1] != "[":
            return False
        self.rest = None
        for position, entry in self._items(text, pos, "entries"):
            self._entry(entry, None, None, position)
        rest = self.rest
        if not is_bundle and isinstance(rest, dict) and rest.get("resourceType") != "Bundle":
            kind = rest.get("resourceType")
            name = kind if isinstance(kind, str) else "an object without resourceType"
            self._error(
                1,
                "resourceType",
                f"the document: {name} is not a Bundle, yet its entries were read as a Bundle's; "
                "cbc reads Bundle, DiagnosticReport, Observation and Patient",
            )
        return True

    def _error(
        self,
        line: int | None,
        field_name: str | None,
        message: str,
        code: str = "input.invalid",
    ) -> None:
        self.order += 1
        error = ErrorInfo(line=line, field=field_name, code=code, message=message)
        record = Record(line, error=error)
        self.store.add_out(self.order, _ERROR, record)

    def _top(self, value: Any, line: int | None, where: str | None) -> None:
        place = where or "the document"
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            kind = "an object" if isinstance(value, dict) else _kind(value)
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
        self._take(value, line, where, None)

    def _take(
        self, resource: dict[str, Any], line: int | None, where: str | None, full_url: str | None
    ) -> None:
        """Read one resource (with what it contains) whole, or make it one error record: a
        field of the wrong type leaves nothing of it behind to be grouped."""
        outer, self.pending = self.pending, _Pending()
        try:
            self._feed(resource, line, where, full_url, "")
        except _Shape as exc:
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
            self._error(line, exc.path, f"{label}: {exc}; this resource is not read")
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
                self._entry(entry, line, where, position)
            return
        if not isinstance(rtype, str) or rtype not in _READ_TYPES:
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
        loinc, local = _codes(as_dict(resource, "code", path), f"{path}.code")
        target = why = None
        if rtype == "Observation":
            # Most of a bulk export is other tests: let them go before building anything.
            target, why = match_code(loinc, local, self.column_options)
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
        item = _Item(
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
            if not self._keep_observation(item, resource, path):
                pending.others.extend(keys)
                return
        elif rtype == "DiagnosticReport":
            item.refs = _refs(resource, "result", path)
        else:  # Patient
            item.gender = as_str(resource, "gender", path)
            item.birth = as_str(resource, "birthDate", path)
        item.ident = _identifier(resource, path)
        subject = _reference(as_dict(resource, "subject", path), f"{path}.subject")
        effective = _effective(resource, path)
        item.subject = None if subject is None else intern(subject)
        item.effective = None if effective is None else intern(effective)
        pending.items.append((item, keys))

    def _entry(self, entry: Any, line: int | None, where: str | None, position: int) -> None:
        place = f"{where}, entry {position}" if where else f"entry {position}"
        if not isinstance(entry, dict):
            self._error(
                line, "Bundle.entry", f"{place}: is {_kind(entry)}, not an object; not read"
            )
            return
        inner = entry.get("resource")
        if inner is None:
            return  # a transaction entry that only deletes, or a search link
        url = entry.get("fullUrl")
        if not isinstance(inner, dict) or not isinstance(url, str | None):
            bad = "resource" if not isinstance(inner, dict) else "fullUrl"
            kind = "an object" if bad == "resource" else "a string"
            self._error(
                line,
                f"Bundle.entry.{bad}",
                f"{place}: Bundle.entry.{bad} is {_kind(entry[bad])}, not {kind}; not read",
            )
            return
        self._take(inner, line, place, url)

    def _keep_observation(self, item: _Item, resource: dict[str, Any], path: str) -> bool:
        """Reduce a CBC (or panel, or context) Observation to its item; False for others."""
        target = item.target
        if target is not None:
            item.values.append(_value(resource, target, item.label, path))
        for position, (where, component) in enumerate(
            as_dicts(resource, "component", path), start=1
        ):
            concept = as_dict(component, "code", where)
            inner, _ = match_code(*_codes(concept, f"{where}.code"), self.column_options)
            if inner is not None:
                label = f"{item.label}, component {position}"
                item.values.append(_value(component, inner, label, where))
        item.cbc = any(v.target in ANALYTES for v in item.values)
        item.refs = _refs(resource, "hasMember", path)
        return bool(item.values or item.refs)

    # -- grouping ------------------------------------------------------------------------------

    def _resolve(self, ref: str, scope: str) -> _Item | str | None:
        """The item a reference names; None when it names nothing in the input; _OTHER for an
        observation cbc does not read, _BROKEN for a resource that was an error, _AMBIGUOUS
        when it could name two resources."""
        for key in _ref_keys(ref, scope):
            found = self.store.lookup(key)
            if found is not None:
                return found
        return None

    def _expand(
        self, refs: tuple[str, ...], scope: str, group: _Group, claimed: _Bits, depth: int
    ) -> None:
        for ref in refs:
            found = self._resolve(ref, scope)
            if found is None:
                group.unresolved += 1
                continue
            if found == _AMBIGUOUS:
                group.ambiguous.append(ref)
                continue
            if not isinstance(found, _Item) or found.rtype != "Observation":
                continue
            if found.order in claimed:
                continue
            claimed.add(found.order)
            group.members.append(found)
            if found.refs and depth < _MAX_DEPTH:
                self._expand(found.refs, found.key, group, claimed, depth + 1)

    def _group(self, item: _Item, claimed: _Bits, members: list[_Item]) -> _Group:
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
        """The records of the whole input, in the order their first resource was met.

        Reports claim their results first, then panels their members, then the Observations
        left are grouped by subject and time; each group goes to the store as it is made, and
        each sample's record is built as it is written, so only one sample is held at a time.
        """
        store = self.store
        store.index_keys()
        claimed = _Bits()
        for report in store.items(_REPORT):
            group = self._group(report, claimed, [])
            if group.unresolved:
                self.notes.add(
                    f"{report.place}: {group.unresolved} result reference(s) not found in the input"
                )
            if any(m.cbc for m in group.members) or group.empty_error:
                store.add_out(group.order, _GROUP, group)
            else:
                self.notes.add(f"{report.place} holds no CBC result: skipped")
        # Panels: hasMember, or values in components under a code that is not itself an analyte.
        # A panel inside another panel belongs to the outer one: expand outer panels first.
        inner = _Bits()
        for panel in store.panels():
            if panel.order not in claimed:
                for ref in panel.refs:
                    if isinstance(found := self._resolve(ref, panel.key), _Item):
                        inner.add(found.order)
        for panel in store.panels():
            if panel.order in inner or panel.order in claimed:
                continue
            claimed.add(panel.order)
            group = self._group(panel, claimed, [panel])
            if any(m.cbc for m in group.members) or group.empty_error:
                store.add_out(group.order, _GROUP, group)  # else another panel: not a CBC
        store.add_loose(claimed)
        store.close_loose()
        if self.ignored:
            kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.ignored.items()))
            self.notes.add(f"resources cbc does not read were ignored: {kinds}")
        for kind, value in store.out():
            if kind == _ERROR:
                assert isinstance(value, Record)
                yield value
                continue
            if kind == _LOOSE:
                assert isinstance(value, list)
                first = value[0]
                group = _Group(
                    first.order,
                    first.label,
                    first.line,
                    members=value,
                    subject=first.subject,
                    scope=first.key,
                    effective=first.effective,
                )
            else:
                assert isinstance(value, _Group)
                group = value
            record = self._record(group)
            if record is not None:
                yield record

    # -- one sample ----------------------------------------------------------------------------

    def _record(self, group: _Group) -> Record | None:
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

    def _read_patient(self, sample: Sample, group: _Group) -> str | None:
        if group.subject is None:
            return None
        found = self._resolve(group.subject, group.scope)
        if found == _AMBIGUOUS:
            sample.cell.fail(
                "subject",
                f"{group.label}: the subject {group.subject} could mean more than one resource of "
                "the input (a fullUrl or id given twice); the person's sex and birth date are not "
                "used",
                group.line,
            )
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


def _value(resource: dict[str, Any], target: str, label: str, path: str) -> _Value:
    """The value, range and flag of an Observation or component, as text; a field of the
    wrong type is the value's problem (a cell error of its sample)."""
    out = _Value(target, label)
    try:
        _read_value_fields(resource, out, path)
    except _Shape as exc:
        out.text = out.unit = out.low = out.high = out.range_unit = out.range_text = None
        out.flag = None
        out.problem = f"{exc}; this value is not read"
    return out


def _read_value_fields(resource: dict[str, Any], out: _Value, path: str) -> None:
    target = out.target
    quantity = as_dict(resource, "valueQuantity", path)
    if quantity is not None:
        where = f"{path}.valueQuantity"
        number = as_number(quantity, "value", where)
        if number is None:
            out.problem = "valueQuantity has no number in value"
            return
        comparator = as_str(quantity, "comparator", where)
        out.text = f"{comparator}{number}" if comparator else number
        unit = _quantity_unit(quantity, where)
        out.unit = None if unit is None else intern(unit)
    elif (text := as_str(resource, "valueString", path)) is not None:
        out.text = text
    elif (integer := as_number(resource, "valueInteger", path)) is not None:
        out.text = integer
    else:
        kinds = [k for k in resource if k.startswith("value")]
        if kinds:
            out.problem = f"{kinds[0]} is not a number for {target}"
        elif "dataAbsentReason" not in resource:
            out.problem = "no value (value[x]) and no dataAbsentReason"
        return
    # The first range for everyone: one with appliesTo or age is for another population, and
    # a typed one other than normal (recommended, treatment, ...) is not a reference interval.
    for where, rng in as_dicts(resource, "referenceRange", path):
        if as_list(rng, "appliesTo", where) or as_dict(rng, "age", where):
            continue
        kind = as_dict(rng, "type", where)
        if kind is not None and "normal" not in _codes(kind, f"{where}.type")[1]:
            continue
        for end in ("low", "high"):
            q = as_dict(rng, end, where)
            if q is not None:
                setattr(out, end, as_number(q, "value", f"{where}.{end}"))
                out.range_unit = out.range_unit or _quantity_unit(q, f"{where}.{end}")
        if out.low is None and out.high is None:
            out.range_text = as_str(rng, "text", where)
        break
    for where, concept in as_dicts(resource, "interpretation", path):
        codes = [
            code for _, c in as_dicts(concept, "coding", where) if (code := as_str(c, "code", _))
        ]
        if codes:
            out.flag = codes[0]
            break


__all__ = ["CBC_PANELS", "LOINC_SYSTEM", "UCUM_SYSTEM", "read_fhir"]
