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
accessors (``fields.as_list``, ``as_dict``, ``as_str``, ``as_number``): a field of the
wrong JSON type makes that resource an error record naming the field (a value, range or flag of
the wrong type is a cell error of its sample), and the rest is read. A resource is reduced at once
to what a sample needs; other Observations leave only their id.

Memory. A resource is reduced as it is read and the reduced item goes to a temporary SQLite
database (``store.Store``, in SQLITE_TMPDIR or TMPDIR, else /var/tmp or /tmp; deleted when the
input is read), which also indexes it by its keys: grouping then reads items back one sample at
a time. A bulk export lists resources by type (all Patients, then all Observations, then all
DiagnosticReports), so a report's results, or a person's Patient, can be any distance apart;
grouping needs the whole input, and only the database holds it. What stays in memory per
resource is one bit (claimed by a sample, or not), so memory stays flat however long the NDJSON
file. A JSON document (a Bundle, a resource, an array of resources) is read whole, up to
``Limits.fhir_resource``, then decoded an entry (an item) at a time into ``store.MemoryStore``,
which holds the same in dicts for the same grouping code.

A reference that could mean two resources (a duplicate ``fullUrl``, or a duplicate id) is never
resolved to either: it is a cell error of the sample. Resources of other types in a Bundle are
counted in a note; at the top level (a document, an NDJSON line) they are an error.

The modules, lowest first (each imports only those before it): ``fields`` (typed access to a
resource's fields), ``items`` (what a resource is reduced to), ``observations`` (an Observation
mapped to its analyte), ``store`` (the SQLite and in-memory stores), ``reader`` (a resource at a
time), ``bundle`` (a JSON document in memory), ``grouping`` (items into samples and records);
this module reads an input with them.
"""

from __future__ import annotations

import codecs
import sqlite3
from collections.abc import Iterator, Mapping

from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import ErrorInfo
from cbc_cli.readers.coded import Notes
from cbc_cli.readers.fhir.bundle import read_document
from cbc_cli.readers.fhir.fields import CBC_PANELS, LOINC_SYSTEM, UCUM_SYSTEM
from cbc_cli.readers.fhir.grouping import Grouper
from cbc_cli.readers.fhir.reader import Reader
from cbc_cli.readers.fhir.store import no_room
from cbc_cli.readers.records import Record
from cbc_cli.readers.source import Source, iter_lines


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
        reader = Reader(notes, column_options or {}, unit_options or {}, limits, on_disk=ndjson)
        try:
            if ndjson:
                for number, line in enumerate(iter_lines(source), start=1):
                    reader.read_line(line, number)
            else:
                text = _text(source, limits.fhir_resource)
                if text is None:
                    yield _too_big(source.name, limits.fhir_resource)
                else:
                    read_document(reader, text)
                    del text
            yield from Grouper(reader.store, notes, reader.unit_options, reader.ignored).records()
        except sqlite3.OperationalError as exc:  # a full disk, no temporary folder
            raise no_room(exc) from None
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


__all__ = ["CBC_PANELS", "LOINC_SYSTEM", "UCUM_SYSTEM", "read_fhir"]
