"""The sinks: a split chunk's output, gathered row by row from its combinations' outcomes (CSV
lines, brief NDJSON records, or only the summary's counts), with the rows the answers do not
cover (and whole chunks the splitting stage left) written by the row path's reader and
engine in their place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from cbc_cli.batch import (
    BatchSummary,
    count,
    interpret_record,
)
from cbc_cli.brief import brief_json, dumps
from cbc_cli.engine import (
    HGB_HCT,
    reported_value,
)
from cbc_cli.models import URGENCY_ORDER, Result
from cbc_cli.readers.source import decode_line, long_line
from cbc_cli.readers.tabular import blank_note, read_tabular, wide_record
from cbc_cli.units import Quantity
from cbc_cli.writers.csv_writer import (
    contract_cells,
    inert,
)

if TYPE_CHECKING:
    import numpy as np


from cbc_cli.columnar.cells import SplitChunk
from cbc_cli.columnar.rendering import BRIEF_BEFORE_ID, BRIEF_BEFORE_LINE
from cbc_cli.columnar.rules import Rules
from cbc_cli.columnar.state import ChunkTally
from cbc_cli.columnar.tables import (
    Outcomes,
)


class Sinks(Rules):
    """The output stage of a columnar run (see cbc_cli.columnar)."""

    def _process(self, chunk: SplitChunk) -> tuple[bytes, ChunkTally]:
        """The output lines for one split chunk, and what they add to the run's tally."""
        counts = self.sink == "summary" or self.count_summary
        tally = ChunkTally(summary=BatchSummary() if counts else None)
        said = len(self.source.warnings)
        if chunk.long is not None:
            text = long_line(chunk.long, self.source)
            data = self._scalar_texts([text], chunk.first_line, tally)
        elif chunk.lines is None:
            data = self._scalar_chunk(chunk.normal, chunk.first_line, tally)
        else:
            data = self._columnar(chunk, tally)
        # A worker's source is its own copy: what it notes travels back with the tally.
        tally.warnings = self.source.warnings[said:]
        lines = len(chunk.lines) if chunk.lines is not None else chunk.normal.count(b"\n")
        tally.last_line = chunk.first_line + lines - 1
        return data, tally

    def _write(self, data: bytes) -> None:
        if not data:
            return
        # Bytes go straight to the binary layer when there is one: no decode and re-encode.
        raw = getattr(self.out, "buffer", None)
        if raw is None:
            self.out.write(data.decode("utf-8"))
            return
        self.out.flush()
        raw.write(data)

    def _scalar_chunk(self, normal: bytes, first_line: int, tally: ChunkTally) -> bytes:
        raw_lines = normal.split(b"\n")
        raw_lines.pop()
        texts = [decode_line(raw, self.source) + "\n" for raw in raw_lines]
        return self._scalar_texts(texts, first_line, tally)

    def _scalar_texts(self, texts: list[str], first_line: int, tally: ChunkTally) -> bytes:
        """The output lines of the scalar reader and engine for these lines."""
        tab = read_tabular(
            iter([self.fast.header_text + "\n", *texts]),
            delimiter=self.delim,
            column_options=self.columns,
            unit_options=self.units,
            first_line=first_line - 1,
            limits=self.limits,
        )
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=self.delim, lineterminator="\n")
        for record in tab.records:
            result = interpret_record(record, self.ranges, self.scheme, self.context)
            count(tally.stats, result)
            if self.sink == "csv":
                self._count_summary(result, tally)
                sample = contract_cells(result, self.fast.analytes, self.scheme)
                for _, cells, _ in record.rows:
                    writer.writerow([*self._input_cells(cells), *sample])
            else:
                buf.write(self._sink_text(result, tally))
        # Blank rows are counted over the whole run, for one note at its end; the header's notes
        # were said once (run).
        tally.blank_rows += tab.blank_rows
        blank = blank_note(tab.blank_rows)
        tally.notes += [note for note in tab.notes[tab.header_notes :] if note != blank]
        return buf.getvalue().encode("utf-8")

    def _input_cells(self, cells: list[str]) -> list[str]:
        width = len(self.fast.tab.header)
        fitted = (cells + [""] * width)[:width]
        return [inert(c) for c in fitted] if self.formula_guard else fitted

    def _scalar_line(self, line_no: int, text: str, tally: ChunkTally) -> str:
        """The output of one line by the scalar reader and engine, its line end included."""
        cells = next(csv.reader([text], delimiter=self.delim))
        record = wide_record(line_no, cells, self.fast.tab)
        result = interpret_record(record, self.ranges, self.scheme, self.context)
        count(tally.stats, result)
        if self.sink != "csv":
            return self._sink_text(result, tally)
        self._count_summary(result, tally)
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=self.delim, lineterminator="\n")
        writer.writerow(
            [*self._input_cells(cells), *contract_cells(result, self.fast.analytes, self.scheme)]
        )
        return buf.getvalue()

    @staticmethod
    def _count_summary(result: Result, tally: ChunkTally) -> None:
        """Count a result from the scalar engine into the chunk's summary, when it keeps one."""
        if tally.summary is not None:
            tally.summary.add(result)
            if tally.first is None:
                tally.first = result

    def _sink_text(self, result: Result, tally: ChunkTally) -> str:
        """What a brief or summary run makes of one result from the scalar engine."""
        if tally.summary is not None:
            tally.summary.add(result)
            if tally.first is None:
                tally.first = result
            return ""
        if self.json_records is not None:
            return str(self.json_records.scalar_text(result))
        return brief_json(result) + "\n"

    def _scalar_lines(self, lines: Sequence[bytes], first_line: int, tally: ChunkTally) -> bytes:
        return b"".join(
            self._scalar_line(first_line + i, raw.decode("utf-8"), tally).encode("utf-8")
            for i, raw in enumerate(lines)
        )

    def _columnar(self, chunk: SplitChunk, tally: ChunkTally) -> bytes:
        import numpy as np

        lines, first_line, ids = chunk.lines or [], chunk.first_line, chunk.ids
        n = len(lines)
        person = self._person_keys(ids, n)
        if (person < 0).all():  # no row's sex and age could be read: no limits to judge by
            return self._scalar_lines(lines, first_line, tally)
        by_analyte = {a: ids[self.index_of[a]] for a in self.read}
        values = {a: self.column_values(a, chunk.known[self.index_of[a]]) for a in self.read}
        combo_ids = self.judge_rows(by_analyte, values, np.where(person >= 0, person, 0))
        outcomes = self._outcomes
        # The scalar path takes a row whose code says so (see _new_combos), an unreadable sex
        # or age, or a field that starts like a formula.
        slow = outcomes.slow.take(combo_ids) | (person < 0)
        if chunk.formula is not None:
            slow[chunk.formula] = True
        if self.sink == "summary" or self.count_summary:
            # Each chunk's first row gets its whole result: a run of one sample shows it.
            slow[0] = True
        if self.sink == "brief":
            # The record's pieces hold a value as the column gives it: a reported bound
            # ("<0.5", written with its comparator) or a derived count goes row by row.
            slow |= self._derived_rows
            for a in self.read:
                column = self.index_of[a]
                self._value_pieces(a, chunk.known[column])
                slow |= self._bounds_given[a].take(ids[column])
            # Values set against each other: the row path writes the notes on them.
            slow |= self.values_set_against(chunk)
        if self.json_records is not None:
            slow |= self.json_records.slow_rows(chunk, slow)
        if slow.all():
            return self._scalar_lines(lines, first_line, tally)
        fast_ids = combo_ids[~slow]
        per_urgency = np.bincount(outcomes.urgency.take(fast_ids), minlength=len(URGENCY_ORDER))
        for urgency, k in zip(URGENCY_ORDER, per_urgency.tolist(), strict=True):
            if k:
                tally.stats.urgency[urgency] += k
        tally.stats.samples += len(fast_ids)
        slow_rows = np.flatnonzero(slow).tolist()
        # In input order: the summary keeps the first problems as they come.
        scalar = [
            self._scalar_line(first_line + i, lines[i].decode("utf-8"), tally).encode("utf-8")
            for i in slow_rows
        ]
        if tally.summary is not None:
            _count_fast(tally.summary, outcomes, fast_ids, per_urgency.tolist())
        if self.sink == "summary":
            return b""
        if self.sink == "brief":
            return self._brief_lines(chunk, combo_ids, slow_rows, scalar)
        if self.json_records is not None:
            return bytes(self.json_records.lines(chunk, slow_rows, scalar))
        tails = outcomes.tails(combo_ids)
        tails[slow_rows] = b""
        # Lines and their tails interleaved in one list, joined once: no bytes object per row.
        out: list[bytes] = [b""] * (2 * n)
        out[0::2] = lines
        out[1::2] = tails.tolist()
        for i, text in zip(slow_rows, scalar, strict=True):
            out[2 * i] = text
        # One join: a CSV chunk's output is about twice its input, and counting the parts'
        # lengths first (join_parts) cost more CPU than the join's own records hold in memory.
        return b"".join(out)

    def values_set_against(self, chunk: SplitChunk) -> np.ndarray:
        """The rows of a chunk whose values the engine sets against each other in notes that
        no answer set holds (engine.consistency_notes, and a derived count's notes): a count
        typed or derived beside the values it is derived from, and a hemoglobin and hematocrit
        that do not fit together (cbc_cli.columnar.pairs). The sinks that write those notes
        leave such rows to the scalar path."""
        import numpy as np

        rows = np.zeros(len(chunk.lines or ()), dtype=bool)
        for inputs in self.derivation_inputs():
            rows |= np.logical_and.reduce([self._given_rows(a, chunk) for a in inputs[:2]])
        if all(a in self.read for a in HGB_HCT):
            ids = [chunk.ids[self.index_of[a]] for a in HGB_HCT]
            rows |= self._pair_check.apart(ids, [self.values_read(a) for a in HGB_HCT])
        return rows

    def _given_rows(self, analyte: str, chunk: SplitChunk) -> np.ndarray:
        """Whether each row of the chunk holds a value of ``analyte`` (by text id, kept
        across chunks)."""
        import numpy as np

        column = self.index_of[analyte]
        values = self.column_values(analyte, chunk.known[column])
        have = self._given.get(analyte, np.zeros(0, dtype=bool))
        if len(have) < len(values):
            more = (isinstance(q, Quantity) for q in values[len(have) :])
            have = self._given[analyte] = np.concatenate([have, np.fromiter(more, dtype=bool)])
        return have.take(chunk.ids[column])

    def _brief_lines(
        self, chunk: SplitChunk, combo_ids: np.ndarray, slow_rows: list[int], scalar: list[bytes]
    ) -> bytes:
        """A chunk's brief records, each assembled from pieces: its sample id and line, then
        by turns its combination's pieces (see _brief_pieces) and the JSON of each value."""
        import numpy as np

        lines = chunk.lines or []
        n, k = len(lines), len(self.read)
        width = 2 * k + 5  # head, id, ',"line":', line, then k (piece, value) pairs, the tail
        out: list[bytes] = [b""] * (width * n)
        out[0::width] = [BRIEF_BEFORE_ID] * n
        out[1::width] = chunk.sample_ids or [b"null"] * n
        out[2::width] = [BRIEF_BEFORE_LINE] * n
        first = chunk.first_line
        numbers = np.arange(first, first + n).astype(bytes)
        out[3::width] = numbers.tolist()
        # Each record's length, counted from the lengths of its pieces (see join_parts).
        size = np.char.str_len(numbers).astype(np.int64)
        size += len(BRIEF_BEFORE_ID) + len(BRIEF_BEFORE_LINE)
        size += np.fromiter(map(len, out[1::width]), dtype=np.int64, count=n)
        # Each row's pieces as pool ids (rows x (k + 1)), then each column's pieces gathered.
        pieces, pool = self._outcomes.pieces(combo_ids, k + 1), self._outcomes.pool
        size += pool.lengths.take(pieces).sum(axis=1)
        for j, analyte in enumerate(self.read):
            column = self.index_of[analyte]
            values = self._value_pieces(analyte, chunk.known[column])
            out[4 + 2 * j :: width] = pool.values.take(pieces[:, j]).tolist()
            out[5 + 2 * j :: width] = values.take(chunk.ids[column]).tolist()
            size += self._value_len.get(analyte, np.zeros(0, np.int64)).take(chunk.ids[column])
        out[width - 1 :: width] = pool.values.take(pieces[:, k]).tolist()
        for i, text in zip(slow_rows, scalar, strict=True):
            out[width * i : width * (i + 1)] = [text] + [b""] * (width - 1)
        total = int(size.sum()) - int(size.take(slow_rows).sum()) + sum(map(len, scalar))
        return join_parts(out, total)

    def _value_pieces(self, analyte: str, known: int) -> np.ndarray:
        """For the first ``known`` texts of the analyte's column: each value's JSON as the
        brief record writes it (reported_value: six significant digits), b"" for a text with
        no value or one the scalar path reads; ``_bounds_given[analyte]`` marks the reported
        bounds ("<0.5"), whose records the scalar path writes."""
        import numpy as np

        have = self._value_json.get(analyte, np.empty(0, dtype=object))
        if len(have) >= known:
            return have
        values = self.column_values(analyte, known)[len(have) : known]
        more = np.empty(len(values), dtype=object)
        bound = np.zeros(len(values), dtype=bool)
        for j, q in enumerate(values):
            if isinstance(q, Quantity):
                plain = q.comparator is None
                more[j] = dumps(reported_value(q.value)).encode() if plain else b""
                bound[j] = not plain
            else:
                more[j] = b""
        self._bounds_given[analyte] = np.concatenate(
            [self._bounds_given.get(analyte, np.zeros(0, dtype=bool)), bound]
        )
        have = self._value_json[analyte] = np.concatenate([have, more])
        self._value_len[analyte] = np.fromiter(map(len, have), dtype=np.int64, count=len(have))
        return have


_JOIN_BLOCK = 2048
"""How many parts join_parts joins at once."""


def join_parts(parts: list[bytes], total: int | None = None) -> bytes:
    """``b"".join(parts)`` without twice the output's size on top of it: bytes.join holds an
    80-byte record of each part while it joins (4.6 MB for the 57,000 parts of a chunk's brief
    records, whose output is 2.4 MB), so the parts are joined a block at a time into one
    buffer of the output's size (``total``, the parts' summed length, when the caller has
    counted it; a buffer grown block by block would be copied as it grows).

    That buffer is a bytearray, typed as bytes: what takes a chunk's output (a file's write, a
    worker's sendall, len, decode, comparison) takes either alike, and converting it would
    copy it whole."""
    if len(parts) <= _JOIN_BLOCK:
        return b"".join(parts)
    out = bytearray(sum(map(len, parts)) if total is None else total)
    at = 0
    for start in range(0, len(parts), _JOIN_BLOCK):
        block = b"".join(parts[start : start + _JOIN_BLOCK])
        out[at : at + len(block)] = block
        at += len(block)
    if at != len(out):  # pragma: no cover - the callers count what they join
        raise AssertionError("a chunk's output is not the length counted")
    return cast(bytes, out)


def _count_fast(
    summary: BatchSummary, outcomes: Outcomes, fast_ids: np.ndarray, per_urgency: list[int]
) -> None:
    """Count the rows the columnar rules judged (by outcome id) into the summary."""
    import numpy as np

    summary.samples += len(fast_ids)
    for urgency, k in zip(URGENCY_ORDER, per_urgency, strict=True):
        if k:
            summary.urgency[urgency] += k
    per_word = np.bincount(fast_ids)
    for word in np.flatnonzero(per_word).tolist():
        k = int(per_word[word])
        for key in outcomes.extra_of(word):
            summary.findings[key] += k
