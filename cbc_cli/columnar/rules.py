"""Asking the engine: each distinct cell text read once (the row path's cell reader), each
distinct value judged once per class of persons (engine.judge_value), each distinct set of
texts a count is derived from worked out once (engine.derive_counts), and each distinct set of
answers a row holds decided once (engine.decide), through one door: judge_rows. Numpy only
gathers the answers row by row; this module compares no value with any limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cbc_cli.engine import (
    NewbornLimit,
    decide,
    derive_counts,
)
from cbc_cli.models import URGENCY_ORDER, Flag
from cbc_cli.readers.records import CellReader
from cbc_cli.splitter import KeyIndex
from cbc_cli.units import Quantity
from cbc_cli.writers.csv_writer import (
    outcome_cells,
    rows_text,
)

if TYPE_CHECKING:
    import numpy as np


from cbc_cli.columnar.rendering import Rendering
from cbc_cli.columnar.tables import (
    ABSENT_ANSWER,
    NO_VALUES,
    SCALAR_ANSWER,
    Verdict,
)


class Rules(Rendering):
    """The rules of a columnar run, asked of the engine (see cbc_cli.columnar)."""

    def column_values(self, analyte: str, known: int) -> list[Quantity | int]:
        """For the first ``known`` texts of the analyte's column (as many as it had once the
        chunk being judged was split): each text read by the scalar path's cell reader, as
        a quantity, or the answer id it has without asking: 0 no value, 1 for the scalar path
        (an unreadable cell, which it reports)."""
        values = self._values.setdefault(analyte, [])
        if len(values) >= known:
            return values
        texts = self.vocabulary(self.index_of[analyte]).texts[len(values) : known]
        unit = self.fast.tab.columns.header_units.get(analyte)
        for text in texts:
            cell = CellReader(None, decimal_comma=self.fast.tab.decimal_comma)
            q = cell.value(analyte, self.column_of[analyte], text, unit)
            # A lab's flag with the value ("9.1 L") is compared with cbc's by the scalar engine.
            if cell.errors or cell.lab_flags:
                values.append(SCALAR_ANSWER)
            else:
                values.append(ABSENT_ANSWER if q is None else q)
        return values

    def values_read(self, analyte: str) -> Sequence[Quantity | int]:
        """The values of the analyte's column read so far (see column_values), by text id."""
        return self._values.get(analyte, [])

    def _derive(
        self,
        target: str,
        inputs: list[str],
        members: list[tuple[int, ...]],
        values: Mapping[str, list[Quantity | int]],
    ) -> list[Quantity | int]:
        """For each distinct set of input value ids seen (``members``, by id), the count
        engine.derive_counts works out from their values, or 0 when it derives none."""
        derived = self._derived.setdefault(target, [])
        for member in members[len(derived) :]:
            texts = member[len(member) - len(inputs) :]
            given = {a: values[a][i] for a, i in zip(inputs, texts, strict=True)}
            out, _ = derive_counts({a: q for a, q in given.items() if isinstance(q, Quantity)})
            derived.append(out.get(target, ABSENT_ANSWER))
        return derived

    def _parts(
        self,
        analyte: str,
        values: np.ndarray,
        key: np.ndarray,
        quantities: list[Quantity | int],
        *,
        derived: bool,
    ) -> np.ndarray:
        """Each row's answer id for ``analyte``, in place in its key word: from the grid of
        distinct values x classes of persons, asking engine.judge_value for pairs not seen."""
        import numpy as np

        judged = self._judged[analyte]
        count = len(judged.bases)
        classes = None
        if count > 1:
            of_person = self._class_arrays.get(analyte)
            if of_person is None or len(of_person) != len(judged.class_of):
                of_person = self._class_arrays[analyte] = np.array(judged.class_of, np.int64)
            classes = of_person.take(key)
        grid = judged.derived if derived else judged.typed
        bases = judged.bases
        return grid.parts(
            values,
            classes,
            (len(quantities), count),
            lambda v, c: judged.ask(quantities[v], bases[c]),
            judged.shift,
        )

    def _key(self, parts: dict[str, np.ndarray], n: int) -> np.ndarray:
        """Each row's key: the answer ids of all its analytes, packed into one word (into
        several words chained by the ids of their contents when they need more than 64 bits)."""
        import numpy as np

        words = [np.zeros(n, dtype=np.uint64) for _ in self._stages]
        words.append(np.zeros(n, dtype=np.uint64))
        for analyte, part in parts.items():
            words[self._judged[analyte].stage] |= part
        for s, index in enumerate(self._stages):

            def new(keys: np.ndarray, _: np.ndarray, index: KeyIndex = index) -> range:
                return range(len(index), len(index) + len(keys))

            words[s + 1] |= index.ids(words[s], new).astype(np.uint64) << np.uint64(32)
        return words[-1]

    def judge_rows(
        self,
        ids: Mapping[str, np.ndarray],
        values: Mapping[str, list[Quantity | int]],
        person: np.ndarray,
    ) -> np.ndarray:
        """The one door to the rules, for this module and cbc_cli.columnar_long: each row's
        outcome id (``outcome(id)``: the engine's verdict, None for the scalar path; the
        sink's tail, urgency and pieces in ``_outcomes``).

        ``ids[analyte]`` is each row's index into ``values[analyte]`` (grown only at the end,
        across calls): a quantity, 0 for no value, or 1 for a value only the scalar path reads;
        an analyte not in ``ids`` has no value on any row. ``person`` is each row's person id
        (>= 0, see ``person_id``). A count the engine derives (engine.derive_counts) is worked
        out where the analyte has no value, once per distinct set of input ids; those rows are
        marked in ``_derived_rows``.
        """
        import numpy as np

        n = len(person)
        # Each row's answer for each analyte, asked of the engine once per distinct value and
        # class of persons (the grids are kept and grown across chunks), in place in the row's
        # key words.
        parts: dict[str, np.ndarray] = {}
        for analyte, value_ids in ids.items():
            parts[analyte] = self._parts(analyte, value_ids, person, values[analyte], derived=False)
        self._derived_rows = np.zeros(n, dtype=bool)
        for target, inputs in self._derivations.items():
            if not any(a in ids for a in inputs):
                continue
            # An input no row has a value of (cbc_cli.columnar_long gives only those some
            # sample has) is no value on every row.
            none = np.zeros(n, dtype=np.int64)
            inputs_ids = {a: ids.get(a, none) for a in inputs}
            inputs_values = {a: values.get(a, NO_VALUES) for a in inputs}
            # A count not given is asked of engine.derive_counts, once per distinct set of the
            # values it derives from.
            given = parts.get(target)
            rows = np.flatnonzero(given == 0) if given is not None else np.arange(n)
            if not len(rows):
                continue
            tuples = self._tuples[target]
            made = tuples.ids([inputs_ids[a].take(rows) for a in inputs])
            derived = self._derive(target, inputs, tuples.members, inputs_values)
            found = self._parts(target, made, person.take(rows), derived, derived=True)
            if given is None:
                parts[target] = given = np.zeros(n, dtype=np.uint64)
            given[rows] = found
            self._derived_rows[rows[found != 0]] = True
        self._chunk_parts = parts
        return self._combos.ids(self._key(parts, n), self._new_combos)

    def outcome(self, outcome_id: int) -> Verdict | None:
        """The engine's verdict behind an outcome id (see judge_rows): each analyte's flag, each
        graded term's grade and engine.decide's decision; None when the scalar path decides.
        Kept by the "none" sink only (the verdicts are its output); None with any other."""
        verdict: Verdict | None = self._outcomes.verdicts[outcome_id]
        return verdict

    def _new_combos(self, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """New keys (first seen at ``rows`` of the chunk): whether such a row goes to the
        scalar path, else engine.decide's decision with exactly the flags, grades and
        certainties the row's answers hold, and what the sink makes of it."""
        import numpy as np

        columns = [
            (
                a,
                j.pieces,
                ((part.take(rows) >> np.uint64(j.shift)) & np.uint64((1 << j.bits) - 1)).tolist(),
            )
            for a, j in self._judged.items()
            if (part := self._chunk_parts.get(a)) is not None
        ]
        verdicts: list[Verdict | None] = []
        for row in zip(*(ids for _, _, ids in columns), strict=True) if columns else []:
            # A value only the scalar path reads, or no value at all (it writes an error row).
            if SCALAR_ANSWER in row or not any(row):
                verdicts.append(None)
                continue
            flags: dict[str, Flag | None] = {}
            grades: dict[str, int | None] = {}
            certain: set[tuple[str, str]] = set()
            limits: dict[str, float] = {}
            babies: list[tuple[str, NewbornLimit]] = []
            prompt: list[tuple[str, str]] = []
            for (analyte, pieces, _), answer_id in zip(columns, row, strict=True):
                if answer_id:
                    flag, sure, term_grades, crossed, newborn, prompted = pieces[answer_id]
                    flags[analyte] = flag
                    if sure:
                        certain.update(sure)
                    grades.update(term_grades)
                    limits.update(crossed)
                    babies.extend(newborn)
                    prompt.extend(prompted)
            decision = decide(
                flags,
                grades,
                certain=certain,
                critical_limits=limits,
                newborn=babies,
                prompt=prompt,
            )
            verdicts.append((flags, grades, decision))
        if not columns:
            verdicts = [None] * len(rows)
        urgencies = [0 if v is None else URGENCY_ORDER.index(v[2].urgency) for v in verdicts]
        tails: list[bytes] = [b""] * len(verdicts)
        if self.sink == "csv":
            layout = self._layout
            cells = [
                outcome_cells(f, g, dec.codes, dec.urgency, "ok", "", layout)
                for v in verdicts
                if v is not None
                for f, g, dec in [v]
            ]
            d = self.delim
            texts = iter(rows_text(cells, d))
            tails = [b"" if v is None else (d + next(texts) + "\n").encode() for v in verdicts]
        slow = np.array([v is None for v in verdicts], dtype=bool)
        extra = self._sink_outcomes(verdicts)
        if not self._stages:
            self._combo_keys.extend(keys.tolist())
        # Only the verdicts' own sink (cbc_cli.columnar_long) keeps them: each is a few hundred
        # bytes, and a run meets thousands of combinations.
        kept = verdicts if self.sink == "none" else [None] * len(verdicts)
        return self._outcomes.extend(tails, urgencies, slow, kept, extra)
