"""Columnar evaluation of long CSV exports (a row per result, as LIS exports are) written as CSV.

The row path groups consecutive rows of one sample (the same ``sample_id`` and
``collected_at``) into a record and interprets it; this module does the same over whole chunks:

- numpy splits a chunk of strictly regular lines into fields (cbc_cli.splitter) and finds where
  each sample's rows start by comparing each row's key fields with the row before, byte for byte;
  the last sample of a chunk is held back and read again with the next chunk, where it may go on;
- each distinct (analyte, value, unit) text is read once by the row path's cell reader, each
  sample's person is its first sex and age cells that are not missing, as the row path takes them;
- each sample's values, one per analyte, are judged by the wide path's door to the engine
  (``ColumnarCsv.judge_rows``, through ``_Judge`` below: ``engine.judge_value`` once per
  distinct value and class of persons, ``engine.derive_counts`` once per distinct set of values
  an ANC or ALC is derived from, ``engine.decide`` once per combination); this module compares
  no value with any limit;
- every sample the columnar rules do not cover exactly (an analyte given twice, a value only the
  row path reads or a reported bound, a formula-looking cell, a critical flag from the lab, no
  value at all) is read by the row path in its place, and so is every chunk that does not split
  one row per line (quotes, blank lines, CR line ends, Latin-1) and every sample longer than a
  few chunks.

Parts of whole samples are judged side by side by forked workers (cbc_cli.workers) and this
process; this process cuts the input between samples, says the notes and writes, in input order.

The input lines are copied to the output byte for byte, each followed by its own flag and its
sample's columns. A sample whose rows are not together is read as separate samples, with the
row path's note (see SampleIndex: the samples seen cost no memory while they come in order).
A property test checks that this module and the row path write identical CSV.
"""

from __future__ import annotations

import contextlib
import io
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from cbc_cli.analytes import ANALYTES, find_analyte
from cbc_cli.batch import BatchStats, count, interpret_record, merge
from cbc_cli.columnar import (
    ColumnarCsv,
    FastPlan,
    _formula_rows,
    _has_blank_rows,
    _has_field_longer,
    _is_utf8,
    _line_count,
    plan_layout,
)
from cbc_cli.engine import LAB_CRITICAL_FLAGS
from cbc_cli.grading import Scheme
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import URGENCY_ORDER
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.columns import ColumnMap
from cbc_cli.readers.records import CellReader, Record, is_missing
from cbc_cli.readers.source import Source, decode_line, long_line
from cbc_cli.readers.tabular import (
    Tabular,
    blank_note,
    long_record,
    read_tabular,
    split_sample_note,
)
from cbc_cli.splitter import KeyIndex, Vocabulary, split
from cbc_cli.units import Quantity
from cbc_cli.writers.batch_writers import CsvWriter
from cbc_cli.writers.csv_writer import contract_layout, outcome_cells, rows_text

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.splitter import Fields
    from cbc_cli.workers import Worker

LONG_CONTEXT = {
    "sample_id",
    "patient_id",
    "collected_at",
    "sex",
    "age",
    "analyte",
    "value",
    "unit",
    "lab_flag",
}
"""The columns a long export may have for the columnar path: a range column, a date of birth or
anything else that changes how a value is judged sends the file row by row."""
CARRY_CHUNKS = 8
"""A sample whose rows fill this many chunks sends the rest of the input row by row (its rows
would otherwise be split again with every chunk)."""
_M64 = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def plan_long(
    source: Source,
    input_format: str,
    columns: dict[str, str],
    units: dict[str, str],
    limits: Limits = DEFAULT_LIMITS,
) -> FastPlan | None:
    """A plan when the input is a long-layout CSV/TSV the columnar rules cover, else None.

    Covered: the columns of LONG_CONTEXT (a unit column and a lab flag column included) and
    columns cbc does not read, which are carried through.
    """
    return plan_layout(
        source, input_format, columns, units, limits, long=True, context=LONG_CONTEXT
    )


class _Judge:
    """The wide path's rules, judged per sample: this module reaches ``ColumnarCsv`` only
    through its ``judge_rows``, ``outcome`` and ``person_id`` (and ``_chunks`` for reading,
    called by the runner). The rules are the engine's: no flag, grade or urgency is worked out
    here."""

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
        return int(self.rules._outcomes.count)

    def verdict(self, outcome_id: int) -> Any:
        """The engine's verdict behind an outcome id; None when the row path decides."""
        return self.rules.outcome(outcome_id)


class _Recorder:
    """A ``SeenSamples`` for one reader of a part of the input: remembers each sample's key by
    its first line and says none came before (the run's index decides, in order)."""

    def __init__(self) -> None:
        self.keys: dict[int, tuple[str, str]] = {}

    def get(self, key: tuple[str, str], /) -> int | None:
        return None

    def setdefault(self, key: tuple[str, str], line: int, /) -> int:
        self.keys[line] = key
        return line


class SampleIndex:
    """The first line of each (sample id, collection time) seen, for the row path's note on a
    sample whose rows are not together. A key without a sample id never has a note: it is not
    kept.

    While keys come in increasing order (an export sorted by sample) none can have come before,
    so they are only appended to a temporary file, as a 64-bit hash and a line each: memory stays
    flat however long the input. The first key out of order loads them into sorted blocks of
    hashes in memory (12 bytes a sample), merged as they grow, and every later key is looked up.
    """

    def __init__(self) -> None:
        self._blocks: list[tuple[Any, Any]] = []
        self._pending: dict[int, int] = {}
        self._last: tuple[bytes, bytes] | None = None
        """The greatest key so far while keys have come in order; None once they have not."""
        self._in_order = True
        self._spill: Any = None

    def get(self, key: tuple[str, str], /) -> int | None:
        """As ``dict.get``, for the row path's reader."""
        if not key[0]:
            return None
        raw = (key[0].encode("utf-8"), key[1].encode("utf-8"))
        if self._in_order and (self._last is None or raw > self._last):
            return None
        self._index()
        h = _key_hash(*raw)
        found = self._pending.get(h)
        return found if found is not None else self._find_one(h)

    def setdefault(self, key: tuple[str, str], line: int, /) -> int:
        """As ``dict.setdefault``, for the row path's reader."""
        if not key[0]:
            return line
        raw = (key[0].encode("utf-8"), key[1].encode("utf-8"))
        h = _key_hash(*raw)
        if self._in_order and (self._last is None or raw > self._last):
            import numpy as np

            self._write_spill(np.array([h], dtype=np.uint64), np.array([line], dtype=np.int64))
            self._last = raw
            return line
        self._index()
        known = self._pending.get(h)
        if known is None:
            known = self._find_one(h)
        if known is not None:
            return known
        self._pending[h] = line
        if len(self._pending) >= 4096:
            self._flush()
        return line

    def first_lines(
        self,
        hashes: np.ndarray,
        lines: np.ndarray,
        first: tuple[bytes, bytes],
        last: tuple[bytes, bytes],
        increasing: bool,
    ) -> np.ndarray:
        """For keys in input order (their hashes and first lines; ``first`` and ``last`` the
        first and last key, ``increasing`` whether each is greater than the one before): the
        first line of the same key earlier (before, or earlier in this batch), 0 for none; then
        all are remembered."""
        import numpy as np

        if self._in_order and increasing and (self._last is None or first > self._last):
            self._write_spill(hashes, lines)
            self._last = last
            return np.zeros(len(hashes), dtype=np.int64)
        self._index()
        self._flush()
        unique, at_first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        found = np.zeros(len(unique), dtype=np.int64)
        for keys, at in self._blocks:
            pos = np.searchsorted(keys, unique)
            pos[pos >= len(keys)] = 0
            hit = (keys[pos] == unique) & (found == 0)
            found[hit] = at[pos[hit]]
        earlier = found[inverse]
        repeat = np.ones(len(hashes), dtype=bool)
        repeat[at_first] = False
        within = repeat & (earlier == 0)
        earlier[within] = lines[at_first[inverse[within]]]
        new = found == 0
        if new.any():
            self._add(unique[new], lines[at_first[new]])
        return earlier

    def close(self) -> None:
        """Remove the temporary file."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def _write_spill(self, hashes: np.ndarray, lines: np.ndarray) -> None:
        import numpy as np

        if self._spill is None:
            import tempfile

            # Closed by close() (the run ends with it), or with the process.
            self._spill = tempfile.TemporaryFile(prefix="cbc-samples-")  # noqa: SIM115
        pairs = np.empty((len(hashes), 2), dtype=np.uint64)
        pairs[:, 0], pairs[:, 1] = hashes, lines
        self._spill.write(pairs.tobytes())

    def _index(self) -> None:
        """Keys out of order: load the keys kept in order so far, to look keys up from now."""
        if not self._in_order:
            return
        self._in_order, self._last = False, None
        if self._spill is None:
            return
        import numpy as np

        self._spill.seek(0)
        while True:
            data = self._spill.read(16 << 20)
            if not data:
                break
            pairs = np.frombuffer(data, dtype=np.uint64).reshape(-1, 2)
            order = np.argsort(pairs[:, 0], kind="stable")
            self._add(pairs[order, 0].copy(), pairs[order, 1].astype(np.int64))
        self.close()

    def _find_one(self, h: int) -> int | None:
        import numpy as np

        key = np.uint64(h)
        for keys, at in self._blocks:
            pos = int(np.searchsorted(keys, key))
            if pos < len(keys) and keys[pos] == key:
                return int(at[pos])
        return None

    def _flush(self) -> None:
        if self._pending:
            import numpy as np

            items = sorted(self._pending.items())
            self._pending = {}
            keys = np.array([k for k, _ in items], dtype=np.uint64)
            self._add(keys, np.array([v for _, v in items], dtype=np.int64))

    def _add(self, keys: np.ndarray, lines: np.ndarray) -> None:
        """A sorted block of new keys; blocks are merged so that each is at least twice the
        next (a few dozen at most, each key copied a logarithmic number of times)."""
        import numpy as np

        narrow = np.uint32 if int(lines.max()) < 1 << 32 else np.int64
        self._blocks.append((keys, lines.astype(narrow)))
        while len(self._blocks) > 1 and 2 * len(self._blocks[-1][0]) >= len(self._blocks[-2][0]):
            (k2, l2), (k1, l1) = self._blocks.pop(), self._blocks.pop()
            merged = np.concatenate([k1, k2])
            order = np.argsort(merged, kind="stable")
            at = np.concatenate([l1.astype(np.int64), l2.astype(np.int64)])[order]
            narrow = np.uint32 if int(at.max()) < 1 << 32 else np.int64
            self._blocks.append((merged[order], at.astype(narrow)))


def _word_hash(data: bytes) -> int:
    """A field's hash, as :func:`_field_hashes` computes it for many fields at once."""
    h = (len(data) * _P1) & _M64
    for k in range(0, len(data), 8):
        w = int.from_bytes(data[k : k + 8], "little")
        h = ((h ^ w) * _P2) & _M64
        h ^= h >> 31
    return h


def _key_hash(sample: bytes, collected: bytes) -> int:
    h = ((_word_hash(sample) * _P3) & _M64) ^ _word_hash(collected)
    h = (h * _P2) & _M64
    return h ^ (h >> 29)


def _field_hashes(fields: Fields | None, column: int | None, rows: np.ndarray) -> np.ndarray:
    """The hash of each of these rows' field in ``column`` (as :func:`_word_hash`)."""
    import numpy as np

    if column is None or fields is None:
        return np.full(len(rows), _word_hash(b""), dtype=np.uint64)
    from cbc_cli.splitter import _masks

    start, end = fields.start(column)[rows], fields.end(column)[rows]
    length = end - start
    h = length.astype(np.uint64) * np.uint64(_P1)
    masks = _masks()
    for k in range(0, int(length.max(initial=0)), 8):
        take = np.clip(length - k, 0, 8)
        w = fields.loads[np.minimum(start + k, end)] & masks.take(take)
        step = length > k
        mixed = (h ^ w) * np.uint64(_P2)
        mixed ^= mixed >> np.uint64(31)
        h = np.where(step, mixed, h)
    return h  # type: ignore[no-any-return]


def _key_hashes(sample: np.ndarray, collected: np.ndarray) -> np.ndarray:
    import numpy as np

    h = (sample * np.uint64(_P3)) ^ collected
    h = h * np.uint64(_P2)
    return h ^ (h >> np.uint64(29))  # type: ignore[no-any-return]


def _compare(fields: Fields, column: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 as row ``a``'s field in ``column`` is before, equal to or after row ``b``'s,
    compared as bytes (as Python compares them, and UTF-8 text by code point)."""
    import numpy as np

    from cbc_cli.splitter import _masks

    start, end = fields.start(column), fields.end(column)
    sa, ea, sb, eb = start[a], end[a], start[b], end[b]
    la, lb = ea - sa, eb - sb
    out = np.zeros(len(a), dtype=np.int8)
    open_ = np.ones(len(a), dtype=bool)
    masks = _masks()
    longest = int(max(la.max(initial=0), lb.max(initial=0)))
    for k in range(0, longest, 8):
        # Big-endian words: their order is the order of their bytes (the padding is 0).
        wa = (fields.loads[np.minimum(sa + k, ea)] & masks.take(np.clip(la - k, 0, 8))).byteswap()
        wb = (fields.loads[np.minimum(sb + k, eb)] & masks.take(np.clip(lb - k, 0, 8))).byteswap()
        before, after = open_ & (wa < wb), open_ & (wa > wb)
        out[before], out[after] = -1, 1
        open_ &= ~(before | after)
    return out


def _key_bytes(fields: Fields, columns: tuple[int, int | None], row: int) -> tuple[bytes, bytes]:
    """The (sample id, collection time) of one row, as bytes."""
    body = fields.body
    out = []
    for column in columns:
        if column is None:
            out.append(b"")
        else:
            out.append(body[int(fields.start(column)[row]) : int(fields.end(column)[row])])
    return out[0], out[1]


def _same_as_previous(fields: Fields, column: int) -> np.ndarray:
    """Whether each row's field in ``column`` (from the second row) equals the row before's."""
    import numpy as np

    from cbc_cli.splitter import _masks

    start, end = fields.start(column), fields.end(column)
    length = end - start
    same = length[1:] == length[:-1]
    masks = _masks()
    for k in range(0, int(length.max(initial=0)), 8):
        w = fields.loads[np.minimum(start + k, end)] & masks.take(np.clip(length - k, 0, 8))
        same &= w[1:] == w[:-1]
    return same  # type: ignore[no-any-return]


def _padded_at_ends(fields: Fields, column: int) -> bool:
    """Whether a field of ``column`` starts or ends with white space (or a byte of a multi-byte
    character, which may be white space): the row path compares keys stripped."""
    start, end = fields.start(column), fields.end(column)
    some = end > start
    if not some.any():
        return False
    data = fields.data
    first, last = data[start[some]], data[end[some] - 1]
    return bool(((first <= 32) | (first >= 0x80) | (last <= 32) | (last >= 0x80)).any())


@dataclass
class _Keys:
    """The keys of a part's samples with a sample id, in order, for the notes."""

    hashes: Any
    lines: Any
    first: tuple[bytes, bytes]
    last: tuple[bytes, bytes]
    increasing: bool
    ends_last: bool
    """Whether the last of them is the part's last sample."""


@dataclass
class _Piece:
    """What a worker sends back with a part's output lines."""

    stats: BatchStats
    keys: _Keys | None
    regular: bool


class _Outcomes:
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
        self.slow[k], self.urgency[k], self.cells[k] = slow, urgency, cells
        codes = self._flag_code
        self.flag_codes[w * k : w * k + w] = [codes.setdefault(flag, len(codes)) for flag in flags]
        if len(self.flags) < len(codes):
            self.flags = list(codes)
        self.count = k + 1
        return k


@dataclass
class LongColumnarCsv:
    """Runs a planned long export chunk by chunk, writing CSV and counting into ``stats``."""

    fast: FastPlan
    source: Source
    ranges: RangeTable
    scheme: Scheme
    context: Patient | None
    out: TextIO
    formula_guard: bool
    stats: BatchStats
    columns: dict[str, str]
    units: dict[str, str]
    limits: Limits = DEFAULT_LIMITS
    jobs: int = 1
    """Processes that judge parts at once (see cbc_cli.workers); 1 for this one alone."""
    notes: list[str] = field(default_factory=list)
    written_through: int | None = None
    """The last input line whose output has been written (for a partial output's message)."""

    def __post_init__(self) -> None:
        tab = self.fast.tab
        self.notes[:0] = tab.notes[: tab.header_notes]  # the header's, said once (as the row path)
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
            wide,
            self.fast.header_text,
            self.fast.header_line,
            self.fast.skip_bytes,
            width,
            list(ANALYTES),
        )
        self._rules = ColumnarCsv(
            plan,
            self.source,
            self.ranges,
            self.scheme,
            self.context,
            self.out,
            self.formula_guard,
            BatchStats(),
            self.columns,
            self.units,
            jobs=1,
            limits=self.limits,
            sink="none",  # the verdicts only: this module writes its own lines
        )
        self.judge = _Judge(self._rules)
        self._analyte_index = {a: i for i, a in enumerate(self.judge.read)}
        self._layout = contract_layout([], self.scheme)
        self._vocab = {c: Vocabulary() for c in self._text_columns()}
        self._analyte_of: list[int] = []
        self._missing: dict[int, list[bool]] = {}
        self._critical: list[bool] = []
        self._entries = KeyIndex()
        self._entry_analyte: list[int] = []
        self._entry_value: list[int] = []
        self._entry_state: list[int] = []
        self._entry_arrays: tuple[Any, Any, Any] | None = None
        # Per analyte: each distinct value read, by value id; id 0 is "no value".
        self._quantities: list[list[Quantity | int]] = [[0] for _ in self.judge.read]
        self._persons: dict[tuple[int, int], int] = {}
        self._outcomes = _Outcomes(len(self.judge.read) + 1)
        self._raw: Any = None
        self._writing: Any = None
        self._waiting: deque[tuple[Any, int]] = deque()
        self._pool: list[Worker[_Piece]] = []
        self._free: list[Worker[_Piece]] = []
        self._busy: deque[
            tuple[Worker[_Piece] | None, int, bytes, bool, tuple[bytes, _Piece] | None]
        ] = deque()
        self._seen = SampleIndex()
        self._carry: list[bytes] = []
        self._carry_line = 0
        self._blank_rows = 0
        self._tail_notes: list[str] = []
        self._buffer = io.StringIO()
        self._writer = CsvWriter(
            self._buffer,
            tab.header,
            [],
            self.scheme,
            long=True,
            formula_guard=self.formula_guard,
            delimiter=self.delim,
        )
        self._buffer.seek(0)
        self._buffer.truncate()  # the header: the caller writes it

    def _text_columns(self) -> list[int]:
        names = ("analyte", "value", "unit", "sex", "age", "lab_flag")
        return [self.ctx[n] for n in names if n in self.ctx]

    # -- the run ------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Read the whole input after the header (the caller has written the output header) and
        write each sample's output lines, in input order.

        With ``jobs`` > 1 (and a platform that forks), parts of whole samples are judged by
        forked workers (cbc_cli.workers), this process reading, cutting and writing; a part the
        splitter cannot read exactly, and any chunk with quotes, CR line ends, or bytes past
        ASCII, is read here, in its place."""
        from cbc_cli import workers

        self._raw = getattr(self.out, "buffer", None)
        if self._raw is not None:
            self.out.flush()  # the header, written as text
        try:
            self._run(progress)
        finally:
            if self._writing is not None:
                self._writing.shutdown(wait=True)  # the chunks before a failure are written
            for future, line in self._waiting:
                if future.exception() is not None:
                    break
                self.written_through = line
            self._waiting = deque()
            workers.stop(self._pool)
            self._seen.close()

    def _start(self) -> None:
        """After the first chunk (so that they start with its caches): fork the workers, then
        start the thread that writes (a fork copies only the calling thread)."""
        from concurrent.futures import ThreadPoolExecutor

        from cbc_cli import workers

        if self.jobs > 1 and workers.available():
            with contextlib.suppress(OSError):  # no fork to be had: this process judges all
                # This process judges a part too, while the workers judge theirs.
                self._pool = workers.start(self.jobs - 1, self._piece)
                self._free = list(self._pool)
        if self._raw is not None:
            # A second thread writes each part's lines (the write lets go of the interpreter
            # lock) while this one goes on: at most two parts wait.
            self._writing = ThreadPoolExecutor(1, thread_name_prefix="cbc-write")

    def _run(self, progress: Callable[[int], None] | None) -> None:
        chunks = self._rules._chunks()
        line = self.fast.header_line + 1
        body = next(chunks, None)
        started = False
        while body is not None:
            try:
                after = next(chunks, None)
            except Exception:
                # The input ends in an error (a damaged gzip): what was read before it is written
                # first, as the row path writes the samples it finished before the error.
                self._settle()
                self._chunk(line, body, final=False)
                raise
            ends = body.endswith((b"\n", b"\r"))
            final = after is None
            if self._pool and _plain(body) and (not self._carry or _plain_lines(self._carry)):
                self._dispatch(line, body, final)
            else:
                self._settle()
                self._chunk(line, body, final=final)
            if not started:
                started = True
                self._start()
            line += _line_count(body) if ends else 1
            if progress is not None:
                progress(self.stats.samples)
            if self._carry and sum(map(len, self._carry)) > CARRY_CHUNKS * _chunk_bytes():
                self._settle()
                self._row_by_row(after, chunks)
                break
            body = after
        self._settle()
        if self._blank_rows:
            self.notes.append(blank_note(self._blank_rows))
        self.notes.extend(self._tail_notes)

    # -- parts judged by workers -------------------------------------------------------------

    def _dispatch(self, first_line: int, body: bytes, final: bool) -> None:
        """Send the whole samples of the held-back lines and ``body`` to a worker; hold back
        the last sample, unless ``final``."""
        data = b"\n".join([*self._carry, body]) if self._carry else body
        start = self._carry_line if self._carry else first_line
        cut = len(data) if final else self._cut(data)
        self._carry = data[cut:].split(b"\n")[:-1] if cut < len(data) else []
        self._carry_line = start + data.count(b"\n", 0, cut)
        if cut == 0:
            return  # one sample so far: it may go on in the next chunk
        piece = data[:cut] if cut < len(data) else data
        if self._free:
            worker = self._free.pop()
            worker.send(start, piece)
            self._busy.append((worker, start, piece, final, None))
            return
        # Every worker has a part: this process judges this one meanwhile, then takes them all.
        saved, self.stats = self.stats, BatchStats()
        try:
            judged = self._piece(start, piece)
        finally:
            self.stats = saved
        self._busy.append((None, start, piece, final, judged))
        self._settle()

    def _cut(self, data: bytes) -> int:
        """Where the last sample of ``data`` (plain lines, each ending in LF) starts: after
        the last line whose key differs from the last line's (blank lines are no rows)."""
        columns = [self.ctx[k] for k in ("sample_id", "collected_at") if k in self.ctx]
        last: tuple[str, ...] | None = None
        end = len(data) - 1  # the line end of the line looked at
        while end > 0:
            begin = data.rfind(b"\n", 0, end) + 1
            cells = data[begin:end].decode("ascii").split(self.delim)
            if any(c.strip() for c in cells):
                key = tuple(cells[i].strip() if i < len(cells) else "" for i in columns)
                if last is None:
                    last = key
                elif key != last:
                    return end + 1
            if begin == 0:
                break
            end = begin - 1
        return 0

    def _absorb(self) -> None:
        """Take the oldest part's answer: its notes in order, its lines written."""
        worker, start, piece, final, judged = self._busy.popleft()
        if worker is None:
            assert judged is not None
            out, tally = judged
        else:
            out, tally = worker.receive()
            self._free.append(worker)
        if not tally.regular:  # read here, in its place
            lines = piece.split(b"\n")
            lines.pop()
            texts = [raw.decode("ascii") + "\n" for raw in lines]
            self._scalar(start, texts, final=True, last=final)
            return
        merge(self.stats, tally.stats)
        self._apply_notes(tally.keys, final)
        self._write(out, start + piece.count(b"\n") - 1)

    def _settle(self) -> None:
        """Take every part out for judging (before this process reads a chunk itself)."""
        while self._busy:
            self._absorb()

    def _piece(self, first_line: int, piece: bytes) -> tuple[bytes, _Piece]:
        """A part of whole samples judged (in a worker, or here meanwhile); its notes are said
        in order by :meth:`_absorb`."""
        self.stats = BatchStats()
        found = self._regular(piece)
        if found is None:
            return b"", _Piece(self.stats, None, False)
        fields, starts = found
        lines = piece.split(b"\n")
        lines.pop()
        out, keys = self._judge_samples(fields, lines, starts, first_line)
        return out, _Piece(self.stats, keys, True)

    # -- one process -------------------------------------------------------------------------

    def _chunk(self, first_line: int, body: bytes, *, final: bool) -> None:
        """One chunk from the reader, after the held-back sample's lines."""
        start = self._carry_line if self._carry else first_line
        if not body.endswith((b"\n", b"\r")):  # a line past the limit: an error row of its own
            texts = [decode_line(raw, self.source) + "\n" for raw in self._carry]
            self._carry = []
            self._scalar(start, [*texts, long_line(body, self.source)], final=True, last=final)
            return
        normal = body.replace(b"\r\n", b"\n") if b"\r" in body else body
        scalar = False
        if b"\r" in normal:
            normal, scalar = normal.replace(b"\r", b"\n"), True
        data = b"\n".join([*self._carry, normal]) if self._carry else normal
        self._carry = []
        if scalar or b"\x00" in data or not self._columnar(start, data, final):
            lines = data.split(b"\n")
            lines.pop()
            texts = [decode_line(raw, self.source) + "\n" for raw in lines]
            self._scalar(start, texts, final=final, last=final, raw=lines)

    def _write(self, data: bytes, last_line: int) -> None:
        if self._writing is None:
            self.out.write(data.decode("utf-8"))
            self.written_through = last_line
            return
        self._waiting.append((self._writing.submit(self._raw.write, data), last_line))
        while len(self._waiting) > 2:
            future, line = self._waiting.popleft()
            future.result()
            self.written_through = line

    # -- the row path, for a part of the input ---------------------------------------------

    def _scalar(
        self,
        first_line: int,
        texts: list[str],
        *,
        final: bool,
        last: bool,
        raw: list[bytes] | None = None,
    ) -> None:
        """The row path's output for these lines. Unless ``final``, the last sample is held
        back (``raw`` holds the lines as bytes): the next chunk may go on with it. So are the
        error rows after it: a chunk may end inside a row whose quote opened after a row past the
        line limit, which reads as an error row here but not with the lines after it."""
        records, recorder, read = self._read(first_line, texts)
        if not final and raw is not None and records:
            samples = [r.line for r in records if r.line in recorder.keys]
            keep = (samples[-1] if samples else records[-1].line or first_line) - first_line
            if keep <= 0:
                self._carry, self._carry_line = raw, first_line
                return
            self._carry, self._carry_line = raw[keep:], first_line + keep
            records, recorder, read = self._read(first_line, texts[:keep])
        buf = self._buffer
        for i, record in enumerate(records):
            line = record.line or 0
            self._note(recorder.keys.get(line), line, last and i == len(records) - 1)
            self._write_record(record)
        self._count_blank(read)
        self._write(buf.getvalue().encode("utf-8"), first_line + len(texts) - 1)
        buf.seek(0)
        buf.truncate()

    def _read(self, first_line: int, texts: list[str]) -> tuple[list[Record], _Recorder, Tabular]:
        recorder = _Recorder()
        tab = read_tabular(
            iter([self.fast.header_text + "\n", *texts]),
            delimiter=self.delim,
            column_options=self.columns,
            unit_options=self.units,
            first_line=first_line - 1,
            limits=self.limits,
            seen=recorder,
        )
        records = list(tab.records)
        return records, recorder, tab

    def _write_record(self, record: Record) -> None:
        result = interpret_record(record, self.ranges, self.scheme, self.context)
        count(self.stats, result)
        self._writer.write(record, result)

    def _note(self, key: tuple[str, str] | None, line: int, last: bool) -> None:
        """The row path's note for a sample whose id came before (not for an error row)."""
        if key is None or not key[0]:
            return
        earlier = self._seen.get(key)
        if earlier is not None and key[0]:
            # The row path's reader says the last sample's after the blank rows it skipped.
            (self._tail_notes if last else self.notes).append(split_sample_note(line, earlier))
        self._seen.setdefault(key, line)

    def _count_blank(self, tab: Tabular) -> None:
        # Counted over the whole run, for one note at its end (as the row path says it).
        self._blank_rows += tab.blank_rows

    def _row_by_row(self, after: bytes | None, chunks: Iterator[bytes]) -> None:
        """The rest of the input by the row path alone (after a sample longer than
        CARRY_CHUNKS chunks): one reader, so that such a sample is read whole."""
        start = self._carry_line

        def lines() -> Iterator[str]:
            for raw in self._carry:
                yield decode_line(raw, self.source) + "\n"
            self._carry = []
            for body in [after, *chunks] if after is not None else chunks:
                if not body.endswith((b"\n", b"\r")):
                    yield long_line(body, self.source)
                    continue
                normal = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                for raw in normal.split(b"\n")[:-1]:
                    yield decode_line(raw, self.source) + "\n"

        tab = read_tabular(
            _chain(self.fast.header_text + "\n", lines()),
            delimiter=self.delim,
            column_options=self.columns,
            unit_options=self.units,
            first_line=start - 1,
            limits=self.limits,
            seen=self._seen,
        )
        buf = self._buffer
        through = start - 1
        for n, record in enumerate(tab.records, start=1):
            self._write_record(record)
            through = max((line for line, _, _ in record.rows), default=record.line or through)
            if n % 1000 == 0:
                self._write(buf.getvalue().encode("utf-8"), through)
                buf.seek(0)
                buf.truncate()
        self._write(buf.getvalue().encode("utf-8"), through)
        buf.seek(0)
        buf.truncate()
        after_blank = False
        blank = blank_note(tab.blank_rows)
        self._blank_rows += tab.blank_rows
        for note in tab.notes[tab.header_notes :]:  # the header's were said once
            if tab.blank_rows and note == blank:
                after_blank = True
            else:
                (self._tail_notes if after_blank else self.notes).append(note)

    # -- the columnar rules ------------------------------------------------------------------

    def _columnar(self, first_line: int, data: bytes, final: bool) -> bool:
        """Judge a chunk of whole lines (LF ends) by the columnar rules; False when the chunk is
        not one the splitter reads exactly (the row path takes it then)."""
        found = self._regular(data)
        if found is None:
            return False
        fields, starts = found
        lines = data.split(b"\n")
        lines.pop()
        if not final:
            held = int(starts[-1])
            self._carry, self._carry_line = lines[held:], first_line + held
            if held == 0:
                return True  # one sample so far: it may go on in the next chunk
            starts = starts[:-1]
        else:
            held = fields.rows
        out, keys = self._judge_samples(fields, lines[:held], starts, first_line)
        self._apply_notes(keys, final)
        self._write(out, first_line + held - 1)
        return True

    def _regular(self, data: bytes) -> tuple[Fields, np.ndarray] | None:
        """The fields of a chunk the columnar rules read exactly, and the row where each of its
        samples starts; None for any other chunk."""
        import numpy as np

        fields = split(data, self.fast.raw_width, self.delim)
        if fields is None:
            return None
        if (fields.data >= 0x80).any() and not _is_utf8(data):
            return None
        if _has_blank_rows(fields, self.delim):
            return None
        if len(data) > self.limits.field and _has_field_longer(fields, self.limits.field):
            return None
        keys = [self.ctx[k] for k in ("sample_id", "collected_at") if k in self.ctx]
        if any(_padded_at_ends(fields, c) for c in keys):
            return None
        new = np.zeros(fields.rows, dtype=bool)
        new[0] = True
        for c in keys:
            new[1:] |= ~_same_as_previous(fields, c)
        return fields, np.flatnonzero(new)

    def _ids(self, fields: Fields, name: str) -> np.ndarray | None:
        column = self.ctx.get(name)
        return None if column is None else _encode(self._vocab[column], fields, column)

    def _texts(self, name: str) -> list[str]:
        return self._vocab[self.ctx[name]].texts

    def _judge_samples(
        self, fields: Fields, lines: list[bytes], starts: np.ndarray, first_line: int
    ) -> tuple[bytes, _Keys | None]:
        """The output lines of these samples (``starts``: where each starts in ``lines``), and
        their keys for the notes, which the caller says in order."""
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
        if self.formula_guard:
            formula = _formula_rows(fields, self.delim)
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
        fast = ~slow
        stats = self.stats
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
        keys = self._sample_keys(fields, starts, first_line)
        ends = [*starts[1:].tolist(), m]
        for g in np.flatnonzero(slow).tolist():
            begin, end = int(starts[g]), ends[g]
            out[3 * begin] = self._row_path(lines[begin:end], first_line + begin)
            for k in range(3 * begin + 1, 3 * end):
                out[k] = b""
        return b"".join(out), keys

    def _row_path(self, lines: list[bytes], first_line: int) -> bytes:
        """The row path's output for one sample's lines (regular: split at the delimiter)."""
        group = [
            (first_line + i, raw.decode("utf-8").split(self.delim)) for i, raw in enumerate(lines)
        ]
        self._write_record(long_record(group, self.fast.tab, {}))
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")

    def _sample_keys(self, fields: Fields, starts: np.ndarray, first_line: int) -> _Keys | None:
        """The keys of the samples with a sample id, for :meth:`_apply_notes`."""
        import numpy as np

        sample = self.ctx.get("sample_id")
        if sample is None:
            return None  # no sample id: no note, and nothing to remember
        collected = self.ctx.get("collected_at")
        named = np.flatnonzero(fields.end(sample)[starts] > fields.start(sample)[starts])
        if not len(named):
            return None
        rows = starts[named]
        hashes = _key_hashes(
            _field_hashes(fields, sample, rows), _field_hashes(fields, collected, rows)
        )
        order = _compare(fields, sample, rows[:-1], rows[1:])
        if collected is not None:
            order = np.where(order == 0, _compare(fields, collected, rows[:-1], rows[1:]), order)
        return _Keys(
            hashes,
            rows.astype(np.int64) + first_line,
            _key_bytes(fields, (sample, collected), int(rows[0])),
            _key_bytes(fields, (sample, collected), int(rows[-1])),
            bool((order < 0).all()),
            bool(named[-1] == len(starts) - 1),
        )

    def _apply_notes(self, keys: _Keys | None, last: bool) -> None:
        """The notes for samples whose id came before, in order (``last``: these samples end
        the input)."""
        import numpy as np

        if keys is None:
            return
        earlier = self._seen.first_lines(
            keys.hashes, keys.lines, keys.first, keys.last, keys.increasing
        )
        for k in np.flatnonzero(earlier > 0).tolist():
            note = split_sample_note(int(keys.lines[k]), int(earlier[k]))
            final = last and keys.ends_last and k == len(earlier) - 1
            (self._tail_notes if final else self.notes).append(note)

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


def _encode(vocabulary: Vocabulary, fields: Fields, column: int) -> np.ndarray:
    """The index of each row's text in ``vocabulary``. Texts of up to 8 bytes are looked up as
    words by the vocabulary itself; longer ones (test names such as ``Hemoglobin``) are sorted
    as fixed-width byte strings, each distinct one looked up once, instead of row by row."""
    import numpy as np

    start, end = fields.start(column), fields.end(column)
    length = end - start
    width = int(length.max(initial=0))
    if width <= 8 or width > 64:
        return vocabulary.encode(fields, column)
    spots = np.arange(width)
    at = np.minimum(start[:, None] + spots, len(fields.data) - 1)
    grid = np.where(spots < length[:, None], fields.data[at], 0).astype(np.uint8)
    texts = np.ascontiguousarray(grid).view(np.dtype((np.void, width))).ravel()
    _, first, inverse = np.unique(texts, return_index=True, return_inverse=True)
    body = fields.body
    ids = [vocabulary._text_id(body[start[r] : end[r]]) for r in first.tolist()]
    return np.asarray(ids, dtype=np.int64)[inverse.ravel()]


def _plain(body: bytes) -> bool:
    """Whether a chunk is lines a worker may take as they are: LF ends, no quote, no NUL, ASCII
    only (so that a line is a row, and the cut between samples is found by splitting lines)."""
    return (
        body.endswith(b"\n")
        and body.isascii()
        and b'"' not in body
        and b"\r" not in body
        and b"\x00" not in body
    )


def _plain_lines(lines: list[bytes]) -> bool:
    return all(_plain(line + b"\n") for line in lines)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _chunk_bytes() -> int:
    from cbc_cli import columnar

    return columnar.CHUNK_BYTES
