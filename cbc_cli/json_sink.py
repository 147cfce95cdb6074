"""Whole results as NDJSON (and the ``--format json`` document) from the columnar rules.

A full result is about 5 kB of JSON, nearly all of it the same for rows the engine answers
alike; building a Result and encoding it for each row caps a run at about 2,500 rows a second.
This sink assembles each row's record from cached pieces instead, each piece made once by the
engine and the result model's own encoder:

- per distinct value text of an analyte, the start of its object (name, value, unit, input,
  unit given);
- per distinct value and person, the rest of the object (flag, range, notes), made by
  ``engine.interpret_panel`` of a panel of that one value; what that panel's flag, findings,
  grades and notes say, and ``engine.cross_words`` (what the value puts into another analyte's
  finding), make the value's *detail*. A person is the columnar person id (same sex,
  conditions and side of every age bound), split where the engine's words name the age;
- per distinct sex and age text, the patient object; per distinct patient id and collection
  date text, the identity fields;
- per distinct set of details of every analyte (the *answer set*; with the person when the
  run gives a profile, whose notes depend on the age), the rest of the record (findings,
  grades, urgency, message, safety, notes), from the engine's result for the values of its
  first row, its findings kept once for all answer sets. Where that result's analyte objects
  are not each value's own (the engine words a value by another's: a critical WBC deferring to
  a known ANC cites the ANC), each row of that answer set gets the rest, and the objects that
  cite, from the engine's result for its own values.

The row's sample id and line are spliced in. Rows whose notes read several values together (a
count derived from the WBC and differential, or a typed count set against it; a hemoglobin and a
hematocrit that do not fit together, asked of the engine once per distinct pair) go to the scalar
path, as do the rows the columnar rules leave to it (cbc_cli.columnar). This module decides
nothing: it compares no value with any limit and holds no clinical rule.

The JSON document (``--format json``, brief or not) holds the same records as its NDJSON, one
per line of its results array: :class:`JsonDocument` turns the NDJSON lines into it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

from cbc_cli.batch import merge_patient
from cbc_cli.columnar import sizes
from cbc_cli.columnar.sinks import join_parts
from cbc_cli.engine import (
    cross_words,
    interpret_panel,
    patient_info,
)
from cbc_cli.models import Result, SchemeInfo, to_json
from cbc_cli.panel import Panel, Patient
from cbc_cli.readers.records import CellReader
from cbc_cli.readers.tabular import wide_record
from cbc_cli.splitter import KeyIndex
from cbc_cli.units import Quantity
from cbc_cli.writers.batch_writers import JsonWriter

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.columnar import ColumnarCsv
    from cbc_cli.columnar.cells import SplitChunk

JSON_SHARE = 64
"""A full NDJSON run reads chunks of CHUNK_BYTES / JSON_SHARE: a record is about 120 times its
input line, so a chunk's output stays near 2 MB (1M rows at 2 processes: 168 MiB at the peak
with a thirty-second and each answer set's texts kept whole, 93 MiB as now)."""
_OPEN = b'{"sample_id": '
_ANALYTES = "analytes"
_AFTER = "findings"
"""The result's field after its analytes: the rest of the record starts there."""
_GRADES, _URGENCY = "grades", "urgency"
"""The result's fields after its findings: each answer set's grades are kept apart from the
message and notes that follow them, which far fewer answer sets tell apart."""
_SPLIT_AT = "comparator"
"""An analyte object's first field that depends on the person: the ones before it are the
value's own (name, value, unit, input, unit given)."""


def _text(data: Any) -> str:
    """JSON text as ``models.to_json`` writes it (default separators, UTF-8 kept)."""
    return json.dumps(data, default=vars, ensure_ascii=False)


def _between(items: list[bytes], separator: bytes) -> list[bytes]:
    """``items`` with ``separator`` between each two."""
    out: list[bytes] = []
    for i, item in enumerate(items):
        out += [separator, item] if i else [item]
    return out


def _cut(obj: Any, at: str) -> tuple[str, str]:
    """The JSON text of a dataclass cut before field ``at``: ``{"a": 1, `` and ``"b": 2}``
    (joined, its JSON text)."""
    items = list(vars(obj).items())
    i = [k for k, _ in items].index(at)
    head = _text(dict(items[:i]))[:-1] + ", " if i else "{"
    return head, _text(dict(items[i:]))[1:]


def attach(runner: ColumnarCsv) -> JsonRecords:
    """Make a columnar run write whole results as NDJSON (its sink "ndjson")."""
    runner.sink = "ndjson"
    records = runner.json_records = JsonRecords(runner)
    return records


class JsonRecords:
    """The full NDJSON sink of one columnar run (each worker process keeps its own copy)."""

    def __init__(self, runner: ColumnarCsv) -> None:
        import numpy as np

        self.runner = runner
        self.chunk_bytes = max(1, sizes.CHUNK_BYTES // JSON_SHARE)
        """How much input a chunk holds (see JSON_SHARE)."""
        ctx = runner.fast.tab.columns.context
        self._sex, self._age = ctx.get("sex"), ctx.get("age")
        self._identity_columns = [ctx.get("patient_id"), ctx.get("collected_at")]
        self._pairs = KeyIndex()
        """(sex text id, age text id) -> pair id."""
        self._pair_person: list[int] = []
        self._pair_piece: list[bytes] = []
        """By pair id: status, error and the patient object, up to the analytes' ``[``."""
        self._patients: dict[int, Patient] = {}
        """The sink's person id (see _person) -> the patient of its first pair (probes use it)."""
        self._alike: dict[int, list[int]] = {}
        """Columnar person id -> the sink's person ids of its patients."""
        self._spots: dict[tuple[int, str], str] = {}
        self._identities: dict[tuple[str | None, str | None], bytes | None] = {}
        read = list(runner.read)
        self._read = read
        self._probes = {a: KeyIndex() for a in read}
        """analyte -> (value text id << 32 | person id) -> probe id (0: no value)."""
        self._probe_tail: dict[str, list[int]] = {a: [0] for a in read}
        self._probe_detail: dict[str, list[int]] = {a: [0] for a in read}
        self._detail_ids: dict[str, dict[tuple[Any, ...], int]] = {a: {(): 0} for a in read}
        self._tail_ids: dict[str, dict[bytes, int]] = {a: {b"": 0} for a in read}
        self._tails: dict[str, list[bytes]] = {a: [b""] for a in read}
        # The rest of a record reads the person beyond the values' details only for the notes
        # on a profile (run context) that could not apply at the person's age.
        context = runner.context
        self._by_person = bool(context is not None and context.profiles)
        self._tail_array: dict[str, np.ndarray] = {a: np.empty(0, dtype=object) for a in read}
        self._heads: dict[str, list[bytes]] = {a: [] for a in read}
        """analyte -> by value text id: the object's start (b"" until a probe made it)."""
        self._head_arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._stages = [KeyIndex() for _ in read]
        self._rests: list[tuple[bytes, ...] | None] = []
        """By answer set id: the record after the analytes, in pieces each kept once in
        ``_pool`` (the same findings recur in many answer sets); None: the scalar path writes
        its rows."""
        self._pool: dict[bytes, bytes] = {}
        self._cited: dict[int, tuple[str, ...]] = {}
        """Answer set id -> the analytes whose objects cite other values (see _answer_set)."""
        self._cited_array = np.zeros(0, dtype=bool)
        self._probes_by_key: dict[str, dict[tuple[int, int], int]] = {a: {} for a in read}
        self._chunk: dict[str, Any] = {}

    @property
    def answer_sets(self) -> int:
        """How many distinct answer sets the sink has assembled a record's rest for (each asked
        of the engine once), however many rows share them."""
        return len(self._rests)

    @property
    def citing_sets(self) -> int:
        """How many of those answer sets have values whose objects cite other values (a critical
        WBC deferring to the ANC), assembled from the engine's result for their own values."""
        return len(self._cited)

    # -- the hooks in cbc_cli.columnar --------------------------------------------------------

    def scalar_text(self, result: Result) -> str:
        """A row the scalar path judged, as its NDJSON line."""
        return to_json(result) + "\n"

    def slow_rows(self, chunk: SplitChunk, slow: np.ndarray) -> np.ndarray:
        """The rows of a chunk this sink leaves to the scalar path, beyond ``slow`` (those the
        columnar rules leave to it); makes the pieces the other rows need."""
        import numpy as np

        runner = self.runner
        n = len(slow)
        more = np.zeros(n, dtype=bool)
        for a in self._read:
            self._grow(a, chunk.known[runner.index_of[a]])
        # The engine's notes read a count derived from the WBC and a differential (or why it
        # was not), a typed count set against the one derived, and a hemoglobin and hematocrit
        # that do not fit together, from several values at once.
        more |= runner.values_set_against(chunk)
        fast = np.flatnonzero(~(slow | more))
        if not len(fast) or not self._read:
            self._chunk = {"fast": fast}
            return more
        lines = chunk.lines or []
        pairs = self._pair_ids(chunk, fast, n)
        person = np.asarray(self._pair_person, dtype=np.int64).take(pairs)
        value_ids = {a: chunk.ids[runner.index_of[a]].take(fast) for a in self._read}
        probes = {a: self._probe_ids(a, value_ids[a], person) for a in self._read}
        tails = {a: self._column(self._probe_tail[a]).take(p) for a, p in probes.items()}
        details = {a: self._column(self._probe_detail[a]).take(p) for a, p in probes.items()}
        key = person.astype(np.uint64) if self._by_person else np.zeros(len(fast), np.uint64)
        for s, a in enumerate(self._read):
            key = (key << np.uint64(32)) | details[a].astype(np.uint64)
            last = s == len(self._read) - 1

            def new(
                keys: np.ndarray, rows: np.ndarray, s: int = s, last: bool = last
            ) -> range | list[int]:
                if not last:
                    start = len(self._stages[s])
                    return range(start, start + len(keys))
                return [
                    self._answer_set(self._row_values(value_ids, r), int(person[r]))
                    for r in rows.tolist()
                ]

            key = self._stages[s].ids(key, new).astype(np.uint64)
        answers = key.astype(np.int64)
        answer_list = answers.tolist()
        joined = {a: self._joined(a) for a in set(answer_list)}
        rest = np.empty(len(answer_list), dtype=object)
        rest[:] = [joined[a] for a in answer_list]
        has_value = np.stack([t != 0 for t in tails.values()], axis=1)
        row_tails = {a: self._tail_table(a).take(t) for a, t in tails.items()}
        # An answer set whose words cite values (see _answer_set): each such row's rest, and
        # its objects' rests, from the engine's result for that row's values.
        for r in np.flatnonzero(self._cited_table().take(answers)).tolist():
            values = self._row_values(value_ids, r)
            rest[r], overrides = self._cited_row(answer_list[r], values, int(person[r]))
            for a, text in overrides.items():
                row_tails[a][r] = text
        bad = np.fromiter((r is None for r in rest.tolist()), dtype=bool, count=len(rest))
        more[fast[bad]] = True
        keep = ~bad
        identities = self._identity_pieces(lines, fast[keep])
        unread = np.fromiter((p is None for p in identities), dtype=bool, count=len(identities))
        if unread.any():
            # A collection time that could not be read: the scalar path notes it in the result.
            more[fast[keep][unread]] = True
            keep[np.flatnonzero(keep)[unread]] = False
            identities = [p for p in identities if p is not None]
        kept = fast[keep]
        self._chunk = {
            "fast": kept,
            "pairs": pairs[keep],
            "tails": {a: t[keep] for a, t in row_tails.items()},
            "present": has_value[keep],
            "identities": identities,
            "rest": rest[keep],
        }
        return more

    def lines(self, chunk: SplitChunk, slow_rows: list[int], scalar: list[bytes]) -> bytes:
        """A chunk's NDJSON lines: the rows ``slow_rows`` as the scalar path wrote them
        (``scalar``), the others assembled from pieces."""
        import numpy as np

        lines = chunk.lines or []
        n, k = len(lines), len(self._read)
        width = 2 * k + 6
        grid = np.full((n, width), b"", dtype=object)
        made = self._chunk
        fast = made["fast"]
        if len(fast):
            grid[fast, 0] = _OPEN
            ids = chunk.sample_ids
            grid[fast, 1] = np.array(ids, dtype=object).take(fast) if ids else b"null"
            grid[fast, 2] = np.array(made["identities"], dtype=object)
            first = chunk.first_line
            grid[fast, 3] = (fast + first).astype(bytes).astype(object)
            grid[fast, 4] = np.array(self._pair_piece, dtype=object).take(made["pairs"])
            present = made["present"]
            opens = present & (np.cumsum(present, axis=1) == 1)
            for j, a in enumerate(self._read):
                value_ids = chunk.ids[self.runner.index_of[a]].take(fast)
                plain, after = self._head_table(a)
                heads = np.where(opens[:, j], plain.take(value_ids), after.take(value_ids))
                grid[fast, 5 + 2 * j] = heads
                grid[fast, 6 + 2 * j] = made["tails"][a]
            grid[fast, width - 1] = made["rest"]
        for i, text in zip(slow_rows, scalar, strict=True):
            grid[i, 0] = text
        return join_parts(grid.ravel().tolist())

    # -- the pieces ---------------------------------------------------------------------------

    def _grow(self, analyte: str, known: int) -> None:
        """Read the first ``known`` texts of the analyte's column, each with no object start
        yet (see _heads)."""
        heads = self._heads[analyte]
        if len(heads) < known:
            self.runner.column_values(analyte, known)
            heads.extend([b""] * (known - len(heads)))

    def _person(self, person: int, patient: Patient) -> int:
        """The sink's person id of a patient of the columnar person id ``person``.

        The columnar rules judge persons alike whose sex, conditions and side of every age
        bound are the same, but the engine's words may name the age (``no range for band_pct
        (age 3 weeks)``): a patient whose results for one value of each analyte read otherwise
        than those of a patient of the same id gets an id of its own."""
        firsts = []
        for a in self._read:
            values = self.runner.values_read(a)
            q = next((v for v in values if isinstance(v, Quantity)), None)
            if q is not None:  # the first value of the column: the same for every patient
                firsts.append((a, q))
        for known in self._alike.setdefault(person, []):
            if all(self._spot(known, a, q) == self._spot_of(a, q, patient) for a, q in firsts):
                return known
        known = len(self._patients)
        self._patients[known] = patient
        self._alike[person].append(known)
        return known

    def _spot(self, person: int, analyte: str, q: Quantity) -> str:
        """What the engine writes of the first value of the analyte's column for the sink's
        person ``person`` (kept)."""
        text = self._spots.get((person, analyte))
        if text is None:
            text = self._spots[(person, analyte)] = self._spot_of(
                analyte, q, self._patients[person]
            )
        return text

    def _spot_of(self, analyte: str, q: Quantity, patient: Patient) -> str:
        result = interpret_panel(Panel({analyte: q}, patient), *self._rules())
        return _cut(result, _ANALYTES)[1]

    def _pair_ids(self, chunk: SplitChunk, fast: np.ndarray, n: int) -> np.ndarray:
        """Each fast row's (sex text, age text) pair id, with its person and patient piece."""
        import numpy as np

        runner = self.runner
        zeros = np.zeros(n, dtype=np.int64)
        sex = chunk.ids[self._sex] if self._sex is not None else zeros
        age = chunk.ids[self._age] if self._age is not None else zeros
        sexes = runner.vocabulary(self._sex).texts if self._sex is not None else [""]
        ages = runner.vocabulary(self._age).texts if self._age is not None else [""]
        keys = (sex.take(fast).astype(np.uint64) << np.uint64(32)) | age.take(fast).astype(
            np.uint64
        )

        def new(keys: np.ndarray, _: np.ndarray) -> range:
            start = len(self._pair_person)
            for key in keys.tolist():
                s, a = sexes[key >> 32], ages[key & 0xFFFFFFFF]
                own = CellReader(None).patient({"sex": s, "age": a}.get)
                context = runner.context
                patient = merge_patient(own, context) if context is not None else own
                self._pair_person.append(self._person(runner.person_id(s, a), patient))
                piece = (
                    f', "status": "ok", "error": null, "patient": {_text(patient_info(patient))}'
                )
                self._pair_piece.append((piece + f', "{_ANALYTES}": [').encode("utf-8"))
            return range(start, len(self._pair_person))

        return self._pairs.ids(keys, new)

    @staticmethod
    def _column(ids: list[int]) -> np.ndarray:
        import numpy as np

        return np.asarray(ids, dtype=np.int64)

    def _probe_ids(self, analyte: str, value_ids: np.ndarray, person: np.ndarray) -> np.ndarray:
        """Each fast row's probe id for ``analyte`` (0: no value), probing the engine once
        for each value and person not seen before."""
        import numpy as np

        values = self.runner.column_values(analyte, len(self._heads[analyte]))
        keys = (value_ids.astype(np.uint64) << np.uint64(32)) | person.astype(np.uint64)

        def new(keys: np.ndarray, _: np.ndarray) -> list[int]:
            return [
                self._probe(analyte, values[k >> 32], k >> 32, k & 0xFFFFFFFF)
                for k in keys.tolist()
            ]

        return self._probes[analyte].ids(keys, new)

    def _probe(self, analyte: str, q: Quantity | int, value_id: int, person: int) -> int:
        """A new probe id: one value for one person, the rest of its object (flag, range,
        notes) and its detail: what the engine writes of a panel of that value alone (its
        findings, grades, urgency, message and notes) with its flag, and what the value puts
        into another analyte's finding."""
        if not isinstance(q, Quantity):
            return 0  # no value (a value only the scalar path reads never gets here)
        result = interpret_panel(Panel({analyte: q}, self._patients[person]), *self._rules())
        (own,) = result.analytes
        head, tail = _cut(own, _SPLIT_AT)
        if not self._heads[analyte][value_id]:
            self._heads[analyte][value_id] = head.encode("utf-8")
            self._head_arrays.pop(analyte, None)
        _, rest = _cut(result, _AFTER)
        tails = self._tail_ids[analyte]
        tail_id = tails.setdefault(tail.encode("utf-8"), len(tails))
        if tail_id == len(self._tails[analyte]):
            self._tails[analyte].append(tail.encode("utf-8"))
        details = self._detail_ids[analyte]
        detail_id = details.setdefault((own.flag, rest, cross_words(q)), len(details))
        self._probe_tail[analyte].append(tail_id)
        self._probe_detail[analyte].append(detail_id)
        probe = len(self._probe_tail[analyte]) - 1
        self._probes_by_key[analyte][(value_id, person)] = probe
        return probe

    def _rules(self) -> tuple[Any, Any]:
        return self.runner.ranges, self.runner.scheme

    def _head_table(self, analyte: str) -> tuple[np.ndarray, np.ndarray]:
        """By value text id: the object's start as the first of the list, and after another."""
        import numpy as np

        tables = self._head_arrays.get(analyte)
        heads = self._heads[analyte]
        if tables is None or len(tables[0]) != len(heads):
            plain = np.empty(len(heads), dtype=object)
            plain[:] = heads
            after = np.empty(len(heads), dtype=object)
            after[:] = [b", " + h if h else b"" for h in heads]
            tables = self._head_arrays[analyte] = (plain, after)
        return tables

    def _tail_table(self, analyte: str) -> np.ndarray:
        import numpy as np

        table = self._tail_array[analyte]
        tails = self._tails[analyte]
        if len(table) != len(tails):
            table = np.empty(len(tails), dtype=object)
            table[:] = tails
            self._tail_array[analyte] = table
        return table

    def _identity_pieces(self, lines: Sequence[bytes], fast: np.ndarray) -> list[bytes | None]:
        """Each fast row's patient id and collection time fields, with the line's key; None
        for a row whose collection time cannot be read (see _identity)."""
        columns = self._identity_columns
        if all(c is None for c in columns):
            piece = self._identity(None, None)
            return [piece] * len(fast)
        delimiter = self.runner.fast.tab.delimiter
        texts = (lines[i].decode("utf-8") for i in fast.tolist())
        out = []
        for cells in csv.reader(texts, delimiter=delimiter):
            pid, when = (None if c is None else cells[c] for c in columns)
            out.append(self._identity(pid, when))
        return out

    def _identity(self, pid: str | None, when: str | None) -> bytes | None:
        """The patient id and collection time fields of a row whose cells hold these texts,
        as the scalar path writes them (read by its own reader); None when the collection time
        cannot be read, which the scalar path notes in the result (batch.interpret_record)."""
        if (pid, when) in self._identities:
            return self._identities[(pid, when)]
        tab = self.runner.fast.tab
        cells = [""] * len(tab.header)
        for column, text in zip(self._identity_columns, (pid, when), strict=True):
            if column is not None and text is not None:
                cells[column] = text
        record = wide_record(0, cells, tab)
        if record.collected_problem:
            self._identities[(pid, when)] = None
            return None
        # What interpret_record carries into a result it interprets.
        carried = bool(record.patient_id or record.collected)
        patient_id = record.patient_id if carried else None
        collected = record.collected.iso() if carried and record.collected else None
        piece = f', "patient_id": {_text(patient_id)}, "collected_at": {_text(collected)}'
        known = self._identities[(pid, when)] = (piece + ', "line": ').encode("utf-8")
        return known

    def _row_values(self, value_ids: dict[str, np.ndarray], r: int) -> dict[str, int]:
        """One fast row's value text ids, by analyte."""
        return {a: int(ids[r]) for a, ids in value_ids.items()}

    def _joined(self, answer: int) -> bytes | None:
        """The rest of the records of an answer set (None: the scalar path writes them)."""
        parts = self._rests[answer]
        return None if parts is None else b"".join(parts)

    def _cited_table(self) -> np.ndarray:
        """By answer set id: whether its words cite values (see _answer_set)."""
        import numpy as np

        table = self._cited_array
        if len(table) != len(self._rests):
            table = self._cited_array = np.zeros(len(self._rests), dtype=bool)
            table[list(self._cited)] = True
        return table

    def _answer_set(self, value_ids: dict[str, int], person: int) -> int:
        """A new answer set's id, its rest made from the engine's result for the values of its
        first row (``value_ids``, ``person``). Where that result's analyte objects are not the
        pieces each value has alone, the engine words a value by another's (a critical WBC
        deferring to a known ANC cites both): each row of such an answer set gets its rest
        from the engine's result for its own values (``_cited``)."""
        result = self._result(value_ids, person)
        rest, overrides = self._pieces(result, value_ids, person)
        answer = len(self._rests)
        self._rests.append(
            None if rest is None else tuple(self._pool.setdefault(p, p) for p in rest)
        )
        if overrides:
            self._cited[answer] = tuple(overrides)
        return answer

    def _cited_row(
        self, answer: int, value_ids: dict[str, int], person: int
    ) -> tuple[bytes, dict[str, bytes]]:
        """The rest of one row of an answer set whose words cite values, and the rests of the
        objects that cite them (found so by its first row: the others are the values' own)."""
        result = self._result(value_ids, person)
        cited = self._cited[answer]
        overrides = {
            own.analyte: _cut(own, _SPLIT_AT)[1].encode("utf-8")
            for own in result.analytes
            if own.analyte in cited
        }
        return b"".join(self._rest_parts(result)), overrides

    def _result(self, value_ids: dict[str, int], person: int) -> Result:
        """The engine's result for one row's values (and person)."""
        values = {
            a: q
            for a, v in value_ids.items()
            if isinstance(q := self.runner.column_values(a, v + 1)[v], Quantity)
        }
        return interpret_panel(Panel(values, self._patients[person]), *self._rules())

    def _pieces(
        self, result: Result, value_ids: dict[str, int], person: int
    ) -> tuple[tuple[bytes, ...] | None, dict[str, bytes]]:
        """A result's rest after its analytes, and the analyte objects' rests that are not
        the value's own (see _probe); None when an object's start is not the value's own."""
        overrides: dict[str, bytes] = {}
        for own in result.analytes:
            a = own.analyte
            if a not in value_ids:
                return None, {}
            head = self._heads[a][value_ids[a]]
            probe = self._probes_by_key[a].get((value_ids[a], person))
            tail = b"" if probe is None else self._tails[a][self._probe_tail[a][probe]]
            if _text(own).encode("utf-8") == head + tail:
                continue  # the common case: one encoding, no cut
            start, rest = (t.encode("utf-8") for t in _cut(own, _SPLIT_AT))
            if start != head:
                return None, {}
            overrides[a] = rest
        _, after = _cut(result, _AFTER)
        parts = self._rest_parts(result)
        if b"".join(parts) != b"], " + (after + "\n").encode("utf-8"):
            raise AssertionError("a result's fields are not in the order assembled here")
        return parts, overrides

    @staticmethod
    def _rest_parts(result: Result) -> tuple[bytes, ...]:
        """A result's record after its analytes, in pieces: each finding, then the rest."""
        findings = [_text(f).encode("utf-8") for f in result.findings]
        grades = _text(result.grades).encode("utf-8")
        _, after = _cut(result, _URGENCY)
        parts = (b'], "' + _AFTER.encode() + b'": [', *_between(findings, b", "))
        return (*parts, b'], "' + _GRADES.encode() + b'": ', grades, b", ", (after + "\n").encode())


class JsonDocument:
    """The ``--format json`` document around a columnar run's NDJSON lines (whole results or
    brief records): the head now, each line as an item of its results array, the end at
    :meth:`close`; byte for byte what JsonWriter writes of the same results."""

    def __init__(self, out: TextIO, scheme: SchemeInfo, *, brief: bool) -> None:
        self._writer = JsonWriter(out, scheme, brief=brief)
        self._out = out
        self._raw = getattr(out, "buffer", None)

    @property
    def stream(self) -> TextIO:
        """What the columnar run writes its NDJSON lines to."""
        return cast(TextIO, self)

    @property
    def buffer(self) -> JsonDocument:
        """The binary layer the columnar run writes to: this document."""
        return self

    def flush(self) -> None:
        """Nothing held here (each write goes through)."""

    def write(self, data: bytes | str) -> None:
        """Write NDJSON lines (whole lines, each ending in LF) as items of the results array."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not raw:
            return
        items = raw[:-1].replace(b"\n", b",\n  ")
        text = (b",\n  " if self._writer.count else b"\n  ") + items
        self._writer.count += raw.count(b"\n")
        if self._raw is None:
            self._out.write(text.decode("utf-8"))
            return
        self._out.flush()
        self._raw.write(text)

    def close(self) -> None:
        """End the results array and the document."""
        self._writer.close()
