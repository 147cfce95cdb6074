"""The columnar rules of a long export, per sample: the values of each sample's rows judged by
the wide path's door to the engine, and each row's output cells.

Each distinct (analyte, value, unit) text is read once by the row path's cell reader, each
sample's person is its first sex and age cells that are not missing, as the row path takes them;
each sample's values, one per analyte, are judged through ``ColumnarCsv.judge_rows``
(``engine.judge_value`` once per distinct value and class of persons, ``engine.derive_counts``
once per distinct set of values an ANC or ALC is derived from, ``engine.decide`` once per
combination); this module compares no value with any limit. A sample the columnar rules do not
cover exactly (an analyte given twice, a value only the row path reads or a reported bound, a
formula-looking cell, a critical flag from the lab, no value at all) is written by the row path
in its place (the caller's ``row_path``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.batch import BatchStats
from cbc_cli.columnar import ColumnarCsv, FastPlan
from cbc_cli.columnar.cells import formula_rows
from cbc_cli.columnar.state import RunInputs
from cbc_cli.engine import LAB_ABNORMAL_FLAGS, LAB_CRITICAL_FLAGS
from cbc_cli.long_samples import text_ids
from cbc_cli.models import URGENCY_ORDER
from cbc_cli.readers.columns import ColumnMap
from cbc_cli.readers.records import CellReader, is_missing
from cbc_cli.readers.tabular import Tabular
from cbc_cli.splitter import KeyIndex, Vocabulary
from cbc_cli.units import Quantity
from cbc_cli.writers.csv_writer import contract_layout, outcome_cells, rows_text

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.splitter import Fields

RowPath = Callable[[list[bytes], int], bytes]
"""The row path's output for one sample's lines (regular: split at the delimiter) and the line
number of its first."""


class _Judge:
    """The wide path's rules, judged per sample: this module reaches ``ColumnarCsv`` only
    through its public ``read``, ``judge_rows``, ``outcome``, ``outcome_count`` and
    ``person_id`` (and ``chunks`` for reading, called by the runner). The rules are the
    engine's: no flag, grade or urgency is worked out here."""

    def __init__(self, rules: ColumnarCsv) -> None:
        self.rules = rules
        self.read = rules.read

    def person(self, sex: str, age: str) -> int:
        """The person id of these sex and age texts; -1 when either cannot be read."""
        return self.rules.person_id(sex, age)

    def outcomes(
        self,
        ids: dict[str, np.ndarray],
        values: dict[str, list[Quantity | int]],
        person: np.ndarray,
    ) -> np.ndarray:
        """Each sample's outcome id (see ColumnarCsv.judge_rows): ``ids[analyte]`` indexes
        each sample's value in ``values[analyte]`` (0: none); ``person`` (>= 0) by sample."""
        return self.rules.judge_rows(ids, values, person)

    def known(self) -> int:
        """How many outcome ids there are so far."""
        return self.rules.outcome_count

    def verdict(self, outcome_id: int) -> Any:
        """The engine's verdict behind an outcome id; None when the row path decides."""
        return self.rules.outcome(outcome_id)


class _SampleOutcomes:
    """By outcome id (ColumnarCsv.judge_rows): whether such a sample goes to the row path, its
    urgency's index, and what follows each of its rows. A row's tail is its flag cell (by the
    row's analyte: ``width`` per id, one for each analyte read, then one for a row without a
    value read) and the sample's cells, the same on each of its rows: each id keeps the cells
    once and a small code per analyte for its flag cell, not a line end per analyte (distinct
    outcomes keep coming as a file grows; at 15 tails each they grew a process by about 1.5 KiB
    apiece). Arrays grown by doubling, so that adding a few ids per chunk does not copy them
    all."""

    def __init__(self, width: int) -> None:
        import numpy as np

        self.width = width
        self.count = 0
        self.slow = np.zeros(64, dtype=bool)
        self.urgency = np.zeros(64, dtype=np.int64)
        self.flag_codes = np.zeros(width * 64, dtype=np.int32)
        self.cells = np.empty(64, dtype=object)
        self.flags: list[bytes] = [b""]
        """Each distinct flag cell, with the delimiter before it, by code."""
        self._flag_code: dict[bytes, int] = {b"": 0}
        self._same_cells: dict[bytes, bytes] = {}
        """Each distinct cells text once: outcomes that differ only in a flag share it."""

    def add(self, slow: bool, urgency: int, flags: list[bytes], cells: bytes) -> int:
        """The next id's outcome (``flags``: each row's flag cell by analyte, with the delimiter
        before it; ``cells``: the sample's cells after it, with the line end); its id."""
        import numpy as np

        k, w = self.count, self.width
        if k == len(self.slow):
            self.slow = np.concatenate([self.slow, np.zeros(k, dtype=bool)])
            self.urgency = np.concatenate([self.urgency, np.zeros(k, dtype=np.int64)])
            self.flag_codes = np.concatenate([self.flag_codes, np.zeros(w * k, dtype=np.int32)])
            self.cells = np.concatenate([self.cells, np.empty(k, dtype=object)])
        self.slow[k], self.urgency[k] = slow, urgency
        self.cells[k] = self._same_cells.setdefault(cells, cells)
        codes = self._flag_code
        self.flag_codes[w * k : w * k + w] = [codes.setdefault(flag, len(codes)) for flag in flags]
        if len(self.flags) < len(codes):
            self.flags = list(codes)
        self.count = k + 1
        return k


class LongRules:
    """The columnar rules over the samples of one long export, with their caches (cell texts,
    values read, persons, outcomes) kept across chunks."""

    def __init__(self, given: RunInputs) -> None:
        """The rules of the run ``given`` (its plan, ranges, scheme, person, options)."""
        fast, scheme = given.fast, given.scheme
        self.fast, self.scheme, self.formula_guard = fast, scheme, given.formula_guard
        tab = fast.tab
        self.delim = tab.delimiter
        self.ctx = tab.columns.context
        # The wide rules over every analyte of the catalogue: which ones a sample holds is not
        # known before its rows are read. Their columns are virtual, after the real ones.
        width = len(tab.header)
        virtual = ColumnMap(
            [*tab.header, *ANALYTES],
            analytes={width + k: a for k, a in enumerate(ANALYTES)},
            context={k: v for k, v in self.ctx.items() if k in ("sex", "age")},
            header_units=dict(tab.columns.header_units),
        )
        wide = Tabular(virtual.header, virtual, self.delim, tab.decimal_comma, iter(()))
        plan = FastPlan(
            wide, fast.header_text, fast.header_line, fast.skip_bytes, width, list(ANALYTES)
        )
        self._rules = ColumnarCsv(
            fast=plan,
            source=given.source,
            ranges=given.ranges,
            scheme=scheme,
            context=given.context,
            out=given.out,
            formula_guard=given.formula_guard,
            stats=BatchStats(),
            columns=given.columns,
            units=given.units,
            limits=given.limits,
            sink="none",  # the verdicts only: this module writes its own lines
        )
        self.judge = _Judge(self._rules)
        self._analyte_index = {a: i for i, a in enumerate(self.judge.read)}
        self._layout = contract_layout([], scheme)
        names = ("analyte", "value", "unit", "sex", "age", "lab_flag")
        self._vocab = {self.ctx[n]: Vocabulary() for n in names if n in self.ctx}
        self._analyte_of: list[int] = []
        self._missing: dict[int, list[bool]] = {}
        self._critical: list[bool] = []
        self._lab_abnormal: list[bool] = []
        """By lab flag text id: whether it flags a value outside the lab's own range, not
        critically (engine.LAB_ABNORMAL_FLAGS)."""
        self._entries = KeyIndex()
        self._entry_analyte: list[int] = []
        self._entry_value: list[int] = []
        self._entry_state: list[int] = []
        self._entry_arrays: tuple[Any, Any, Any] | None = None
        # Per analyte: each distinct value read, by value id; id 0 is "no value".
        self._quantities: list[list[Quantity | int]] = [[0] for _ in self.judge.read]
        self._persons: dict[tuple[int, int], int] = {}
        self._outcomes = _SampleOutcomes(len(self.judge.read) + 1)

    def chunks(self) -> Any:
        """The input after the header, a chunk of whole lines at a time (as the wide path reads
        it: ``ColumnarCsv``'s reader)."""
        return self._rules.chunks()

    def _ids(self, fields: Fields, name: str) -> np.ndarray | None:
        column = self.ctx.get(name)
        return None if column is None else text_ids(self._vocab[column], fields, column)

    def _texts(self, name: str) -> list[str]:
        return self._vocab[self.ctx[name]].texts

    def samples(
        self,
        fields: Fields,
        lines: list[bytes],
        starts: np.ndarray,
        first_line: int,
        stats: BatchStats,
        row_path: RowPath,
    ) -> bytes:
        """The output lines of these samples (``starts``: where each starts in ``lines``, the
        first being line ``first_line``), counted into ``stats``; a sample the rules do not
        cover exactly is ``row_path``'s output (which counts it)."""
        import numpy as np

        m = len(lines)
        groups = len(starts)
        gid = np.zeros(m, dtype=np.int64)
        gid[starts[1:]] = 1
        gid = np.cumsum(gid)
        read = self.judge.read
        analyte_ids = self._ids(fields, "analyte")
        value_ids = self._ids(fields, "value")
        unit_ids = self._ids(fields, "unit")
        assert analyte_ids is not None
        assert value_ids is not None
        analyte_ids, value_ids = analyte_ids[:m], value_ids[:m]
        # Each row's analyte (index in ``read``, or -1 for a test cbc does not read).
        names = self._texts("analyte")
        for text in names[len(self._analyte_of) :]:
            found = find_analyte(text.strip())
            self._analyte_of.append(-1 if found is None else self._analyte_index[found.id])
        analyte = np.asarray(self._analyte_of, dtype=np.int64)[analyte_ids]
        known = np.flatnonzero(analyte >= 0)
        slow = np.zeros(groups, dtype=bool)
        # An analyte given twice in a sample: the row path says which is used.
        per_sample = np.bincount(gid[known] * 16 + analyte[known], minlength=groups * 16)
        slow |= (per_sample.reshape(groups, 16) > 1).any(axis=1)
        # Each (analyte, value, unit) text read once.
        unit_part = np.zeros(len(known), dtype=np.uint64)
        if unit_ids is not None:
            if len(self._texts("unit")) >= 1 << 24:
                slow[:] = True
            unit_part = unit_ids[:m][known].astype(np.uint64) << np.uint64(8)
        entry_keys = (
            (value_ids[known].astype(np.uint64) << np.uint64(32))
            | unit_part
            | analyte[known].astype(np.uint64)
        )
        entries = self._entries.ids(entry_keys, self._new_entries)
        e_analyte, e_value, e_state = self._entry_table()
        state = e_state[entries]
        slow[gid[known[state == 2]]] = True
        has_value = known[state == 0]
        # A critical flag from the lab raises the urgency (engine.decide): the row path decides.
        flag_ids = self._ids(fields, "lab_flag")
        if flag_ids is not None:
            flags = self._texts("lab_flag")
            for text in flags[len(self._critical) :]:
                self._critical.append(
                    not is_missing(text) and text.strip().upper() in LAB_CRITICAL_FLAGS
                )
            critical = np.asarray(self._critical, dtype=bool)[flag_ids[:m]]
            slow[gid[critical]] = True
            for text in flags[len(self._lab_abnormal) :]:
                self._lab_abnormal.append(
                    not is_missing(text) and text.strip().upper() in LAB_ABNORMAL_FLAGS
                )
        if self.formula_guard:
            formula = formula_rows(fields, self.delim)
            slow[gid[formula[formula < m]]] = True
        person = self._sample_persons(fields, m, gid, starts)
        slow |= person < 0
        if slow.all():  # (then there may be no person to judge by)
            present: list[int] = []
        person = np.maximum(person, 0)
        # Each sample's values, one per analyte (value id 0: none).
        values = np.zeros((len(read), groups), dtype=np.int64)
        values[e_analyte[entries[state == 0]], gid[has_value]] = e_value[entries[state == 0]]
        if not slow.all():
            present = np.flatnonzero(values.any(axis=1)).tolist()
        combo = self.judge.outcomes(
            {read[a]: values[a] for a in present},
            {read[a]: self._quantities[a] for a in present},
            person,
        )
        self._new_outcomes()
        outcomes = self._outcomes
        o_slow, o_urgency = outcomes.slow, outcomes.urgency
        slow |= o_slow[combo]
        # Each row's tail: its flag cell by its sample's outcome and the row's analyte when its
        # value is the one read (the id's last flag cell, none, for any other row), then the
        # sample's cells.
        width = outcomes.width
        which = np.full(m, width - 1, dtype=np.int64)
        which[has_value] = analyte[has_value]
        sample_outcome = combo[gid]
        flag_codes = outcomes.flag_codes.take(sample_outcome * width + which)
        if flag_ids is not None:
            # A value within cbc's range that the lab flagged outside its own makes the sample
            # "routine" (engine.decide, rule 8), which no outcome shared with other samples
            # knows: the row path decides.
            normal = (self.delim + "N").encode("utf-8")
            cbc_normal = np.asarray([cell == normal for cell in outcomes.flags], dtype=bool)
            lab_abnormal = np.asarray(self._lab_abnormal, dtype=bool)[flag_ids[:m]]
            slow[gid[lab_abnormal & cbc_normal.take(flag_codes)]] = True
        fast = ~slow
        stats.samples += int(fast.sum())
        per_urgency = np.bincount(o_urgency[combo[fast]], minlength=len(URGENCY_ORDER))
        for urgency, k in zip(URGENCY_ORDER, per_urgency.tolist(), strict=True):
            if k:
                stats.urgency[urgency] += k
        out: list[bytes] = [b""] * (3 * m)
        out[0::3] = lines
        flag_cells = outcomes.flags
        out[1::3] = [flag_cells[c] for c in flag_codes.tolist()]
        out[2::3] = outcomes.cells.take(sample_outcome).tolist()
        ends = [*starts[1:].tolist(), m]
        for g in np.flatnonzero(slow).tolist():
            begin, end = int(starts[g]), ends[g]
            out[3 * begin] = row_path(lines[begin:end], first_line + begin)
            for k in range(3 * begin + 1, 3 * end):
                out[k] = b""
        return b"".join(out)

    def _sample_persons(
        self, fields: Fields, m: int, gid: np.ndarray, starts: np.ndarray
    ) -> np.ndarray:
        """Each sample's person id (-1: unreadable), from its first sex and age cells that are
        not missing, as the row path takes them."""
        import numpy as np

        firsts = []
        for name in ("sex", "age"):
            ids = self._ids(fields, name)
            if ids is None:
                firsts.append(np.full(len(starts), -1, dtype=np.int64))
                continue
            ids = ids[:m]
            flags = self._missing.setdefault(self.ctx[name], [])
            flags.extend(is_missing(t) for t in self._texts(name)[len(flags) :])
            present = ~np.asarray(flags, dtype=bool)[ids]
            at = np.where(present, np.arange(m), m)
            first = np.minimum.reduceat(at, starts)
            firsts.append(np.where(first < m, ids[np.minimum(first, m - 1)], -1))
        # (sex text id + 1, age text id + 1) in one key; 0 for no text.
        pair = ((firsts[0] + 1) << 32) | (firsts[1] + 1)
        unique, inverse = np.unique(pair, return_inverse=True)
        persons = np.empty(len(unique), dtype=np.int64)
        for j, key in enumerate(unique.tolist()):
            found = self._persons.get(key)
            if found is None:
                sex_id, age_id = (key >> 32) - 1, (key & 0xFFFFFFFF) - 1
                found = self._persons[key] = self.judge.person(
                    self._text("sex", sex_id), self._text("age", age_id)
                )
            persons[j] = found
        return persons[inverse]

    def _text(self, name: str, text_id: int) -> str:
        if name not in self.ctx or text_id < 0:
            return ""
        return self._texts(name)[text_id]

    def _new_entries(self, keys: np.ndarray, _rows: np.ndarray) -> list[int]:
        """New (value, unit, analyte) texts, read by the row path's cell reader: their ids."""
        values, units = self._texts("value"), self._texts("unit") if "unit" in self.ctx else []
        ids = []
        read = self.judge.read
        column = self.fast.tab.header[self.ctx["value"]]
        declared = self.fast.tab.columns.header_units
        for key in keys.tolist():
            a, unit_id, value_id = key & 0xFF, (key >> 8) & 0xFFFFFF, key >> 32
            analyte = read[a]
            cell = CellReader(None, decimal_comma=self.fast.tab.decimal_comma)
            usable, unit = cell.unit(
                analyte, column, declared.get(analyte), units[unit_id] if units else None
            )
            text = values[value_id]
            q = cell.value(analyte, column, text, unit) if usable else None
            state, value_index = 0, 0
            # A lab's flag with the value ("9.1 L") is compared with cbc's by the engine.
            if cell.errors or cell.lab_flags or (q is not None and q.comparator is not None):
                state = 2
            elif q is None:
                state = 1
            else:
                value_index = len(self._quantities[a])
                self._quantities[a].append(q)
            self._entry_analyte.append(a)
            self._entry_value.append(value_index)
            self._entry_state.append(state)
            ids.append(len(self._entry_state) - 1)
        return ids

    def _entry_table(self) -> tuple[Any, Any, Any]:
        import numpy as np

        if self._entry_arrays is None or len(self._entry_arrays[0]) != len(self._entry_state):
            self._entry_arrays = (
                np.asarray(self._entry_analyte, dtype=np.int64),
                np.asarray(self._entry_value, dtype=np.int64),
                np.asarray(self._entry_state, dtype=np.int8),
            )
        return self._entry_arrays

    def _new_outcomes(self) -> None:
        """For outcome ids new since the last chunk: whether such a sample goes to the row
        path, else its urgency and the bytes after each of its rows, by the row's analyte,
        from the engine's verdict."""
        outcomes, d = self._outcomes, self.delim
        read = self.judge.read
        for k in range(outcomes.count, self.judge.known()):
            verdict = self.judge.verdict(k)
            if verdict is None:
                outcomes.add(True, 0, [b""] * outcomes.width, b"")
                continue
            flags, grades, decision = verdict
            urgency = decision.urgency
            cells = outcome_cells(flags, grades, decision.codes, urgency, "ok", "", self._layout)
            texts = rows_text([[flags.get(a) or "", *cells] for a in read] + [["", *cells]], d)
            # The last row has no flag: its text is the delimiter, then the sample's cells,
            # which end each row's text (each cell is quoted on its own).
            rest = texts[-1]
            if not all(text.endswith(rest) for text in texts):  # pragma: no cover - as above
                outcomes.add(True, 0, [b""] * outcomes.width, b"")
                continue
            heads = [(d + text[: len(text) - len(rest)]).encode("utf-8") for text in texts]
            tail = (rest + "\n").encode("utf-8")
            outcomes.add(False, URGENCY_ORDER.index(urgency), heads, tail)
