"""Columnar evaluation of wide CSV exports: the engine's rules over whole chunks.

A row-by-row Python loop cannot keep up with millions of rows, so for a wide CSV or TSV export
the rules run over columns, whatever is made of the answers (the sink): CSV (the input lines
with cbc's columns), the brief NDJSON record (cbc_cli.brief), or only the counts of the
terminal summary. The rules:

- numpy splits a chunk of strictly regular lines into fields (cbc_cli.splitter);
- each distinct cell text is read once by the same cell reader as the scalar path, and each
  distinct person (sex and age texts) is read once and placed, for each analyte, in the class of
  persons whose values the engine judges by the same basis (``engine.value_basis``);
- the rules are the engine's own: ``engine.judge_value`` is asked once for each distinct value
  and class (``engine.derive_counts`` once for each distinct set of texts an ANC or ALC is
  derived from), and ``engine.decide`` once for each distinct set of answers a row holds; numpy
  only gathers the answers row by row. This module compares no value with any limit;
- a row the engine's answers do not cover (an unreadable cell, no value at all, a formula-looking
  cell, an unreadable sex or age; for the brief record also a reported bound or a derived count)
  goes through the scalar engine in its place, and a chunk that
  does not split one row per line (blank lines, quoted line breaks, a wrong number of fields)
  is read by the scalar reader whole.

Chunks are judged side by side by forked worker processes (cbc_cli.workers, ``--jobs``; one
process judges them one after another with ``--jobs 1``), and written in input order. The
measurements that chose this over a splitting thread or none are in docs/streams.md.

The input lines are copied to the CSV output byte for byte. Property tests check that this
module and the scalar path write identical CSV and brief NDJSON and count the same summary.
numpy is imported only on this path.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO, get_args

from cbc_cli.age import at_least
from cbc_cli.analytes import ANALYTES
from cbc_cli.batch import (
    BatchStats,
    BatchSummary,
    count,
    interpret_record,
    merge,
    merge_patient,
)
from cbc_cli.brief import brief_json, brief_record, dumps
from cbc_cli.engine import (
    DERIVED_COUNTS,
    FINDING_RULES,
    Basis,
    Decision,
    care_message,
    decide,
    derive_counts,
    judge_value,
    reported_value,
    value_basis,
)
from cbc_cli.grading import Scheme, missing_context
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import URGENCY_ORDER, Flag, Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.records import CellReader
from cbc_cli.readers.source import Source, decode_line, detect_format, first_bytes, long_line
from cbc_cli.readers.tabular import Tabular, blank_note, read_tabular, wide_record
from cbc_cli.splitter import Fields, KeyIndex, Vocabulary
from cbc_cli.units import Quantity
from cbc_cli.writers.csv_writer import (
    FORMULA_START,
    contract_cells,
    contract_layout,
    inert,
    outcome_cells,
    rows_text,
)

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.workers import Worker

CHUNK_BYTES = 1 << 20
"""About 25,000 rows of a typical export: larger chunks measured no faster (benchmarks/batch.py)
and hold more memory."""
BRIEF_SHARE = 8
"""A brief NDJSON run reads chunks of CHUNK_BYTES / BRIEF_SHARE (measured: 1M rows at 2
processes, 295 MiB at the peak with whole chunks, 111 MiB with an eighth)."""
_ABSENT, _SCALAR = 0, 1
"""Answer ids every analyte has (see _Judged): no value, and a value only the scalar path reads."""
_CONTEXT = {"sample_id", "patient_id", "sex", "age", "collected_at"}
SINKS = ("csv", "brief", "summary", "ndjson")
"""What a run makes of its answers: CSV rows, brief NDJSON records, the summary's counts, or
whole results as NDJSON (cbc_cli.json_sink)."""
_HOLE = "\x00"
"""A placeholder in a brief record's template: a row's sample id, line or value goes there."""
_HOLE_JSON = b'"\\u0000"'
# Sample-id bytes written inside JSON quotes as they are: printable ASCII but quote and
# backslash (no space either, so that stripping changes nothing).
_PLAIN_ID = bytes(range(0x21, 0x7F)).replace(b'"', b"").replace(b"\\", b"")
_FORMULA_BYTES = "".join(FORMULA_START).encode()


@dataclass
class FastPlan:
    """What the columnar path needs to know about an input it can take."""

    tab: Tabular
    header_text: str
    header_line: int
    skip_bytes: int
    """Bytes before the first data line: BOM, blank lines and the header line."""
    raw_width: int
    analytes: list[str]


def plan(
    source: Source,
    input_format: str,
    columns: dict[str, str],
    units: dict[str, str],
    limits: Limits = DEFAULT_LIMITS,
) -> FastPlan | None:
    """A plan when the input is a wide CSV/TSV the columnar rules cover, else None.

    Covered: analyte columns (units in the header are fine) and the context columns sample_id,
    patient_id, sex, age and collected_at. Anything else that changes how a value is judged (unit,
    range or flag columns, a date of birth, temperature, pregnancy, profile) uses the scalar path.
    """
    return plan_layout(source, input_format, columns, units, limits, long=False, context=_CONTEXT)


def plan_layout(
    source: Source,
    input_format: str,
    columns: dict[str, str],
    units: dict[str, str],
    limits: Limits,
    *,
    long: bool,
    context: set[str],
) -> FastPlan | None:
    """A plan for a CSV/TSV whose header maps to the layout asked for (long or wide) with only
    the ``context`` columns (and columns cbc does not read), else None: the header line found
    after a BOM and blank lines, as the row reader finds it. Shared by :func:`plan` and
    cbc_cli.columnar_long."""
    if input_format not in ("auto", "csv", "tsv"):
        return None
    head = source.peek(1 << 16)
    if detect_format(head) != "csv":
        return None
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    line_no = 1
    while True:
        end = head.find(b"\n", start)
        if end < 0:
            return None
        raw = head[start:end].rstrip(b"\r")
        if b"\r" in raw or b'"' in raw:
            return None  # CR-only line ends or a quoted header: the scalar reader handles them
        if raw.strip():
            break
        start, line_no = end + 1, line_no + 1
    try:
        header_text = raw.decode("utf-8")
        tab = read_tabular(
            iter([header_text + "\n"]),
            delimiter="\t" if input_format == "tsv" else None,
            column_options=columns,
            unit_options=units,
            first_line=line_no,
            limits=limits,
        )
    except Exception:
        return None  # the scalar reader says what is wrong
    cmap = tab.columns
    if cmap.is_long != long or not set(cmap.context) <= context:
        return None
    if cmap.unit_columns or cmap.ref_low_columns or cmap.ref_high_columns:
        return None
    if cmap.range_columns or cmap.flag_columns:
        return None
    raw_width = len(next(csv.reader([header_text], delimiter=tab.delimiter)))
    if raw_width != len(tab.header):
        return None  # trailing empty header columns: rows are trimmed, so not copied verbatim
    analytes = [] if long else list(dict.fromkeys(cmap.analytes.values()))
    return FastPlan(tab, header_text, line_no, end + 1, raw_width, analytes)


class _Judged:
    """One analyte's answers from the engine, kept across chunks.

    Persons are grouped into classes by the basis their values are judged by
    (engine.value_basis): equal bases give equal judgements of equal values, so the engine is
    asked once per distinct value and class. Each distinct answer (what a row's output and
    engine.decide read of the value: flag, whether it is certainly beyond the range, grades) gets
    an id: 0 for no value, 1 for a value only the scalar path reads (an unreadable cell).
    """

    def __init__(self, analyte: str, graded: list[str], stage: int, shift: int, bits: int):
        self.analyte = analyte
        self.graded = graded
        """The analyte's terms the scheme grades, in FINDING_RULES order."""
        self.stage, self.shift, self.bits = stage, shift, bits
        """Where the answer id sits in a row's key words (see ColumnarCsv._key)."""
        self.bases: list[Basis] = []
        self.class_ids: dict[Basis, int] = {}
        self.class_of: list[int] = []
        """Class by person id."""
        self.answers: list[_Answer | None] = [None, None]
        self.answer_ids: dict[_Answer, int] = {}
        self.pieces: list[_Piece] = [_NO_PIECE, _NO_PIECE]
        """By answer id, what engine.decide is given of it: the flag, the (analyte, direction)
        pairs certainly beyond the range, and the (term, grade) pairs."""
        self.typed = _Grid()
        self.derived = _Grid()

    def add_person(self, basis: Basis) -> None:
        """Place the next person in the class of their basis."""
        known = self.class_ids.get(basis)
        if known is None:
            known = self.class_ids[basis] = len(self.bases)
            self.bases.append(basis)
        self.class_of.append(known)

    def ask(self, q: Quantity | int, basis: Basis) -> int:
        """The id of the engine's answer for one value (a fixed answer id when an int)."""
        if isinstance(q, int):
            return q
        judged = judge_value(q, basis)
        by_term = dict(judged.grades)
        answer = (judged.flag, judged.certain, tuple(by_term[c].grade for c in self.graded))
        known = self.answer_ids.get(answer)
        if known is None:
            known = self.answer_ids[answer] = len(self.answers)
            if known >> self.bits:  # pragma: no cover - the bits are counted from the answers
                raise AssertionError(f"more answers for {self.analyte} than its key bits hold")
            self.answers.append(answer)
            flag, sure, grades = answer
            pairs = tuple((self.analyte, d) for d in sure)
            self.pieces.append((flag, pairs, tuple(zip(self.graded, grades, strict=True))))
        return known


_Answer = tuple[Flag | None, tuple[str, ...], tuple[int | None, ...]]
"""What a row's output and engine.decide read of a judged value: its flag, the directions it is
certainly beyond the range, and the grade of each graded term of its analyte."""


_Piece = tuple[Flag | None, tuple[tuple[str, str], ...], tuple[tuple[str, int | None], ...]]
_NO_PIECE: _Piece = (None, (), ())


class _Grid:
    """Answer ids, placed in a row's key word, by value (rows) and class of persons (columns);
    ``_UNASKED`` where the engine has not been asked yet. Grown as values and classes come."""

    def __init__(self) -> None:
        import numpy as np

        self.width = 1
        self.cells = np.full(0, _UNASKED, dtype=np.uint64)

    def parts(
        self,
        values: np.ndarray,
        classes: np.ndarray | None,
        shape: tuple[int, int],
        ask: Callable[[int, int], int],
        shift: int,
    ) -> np.ndarray:
        """Each row's answer id shifted into place; ``ask(value, class)`` gives the ids of the
        pairs not asked before (``classes`` None: every row is of class 0)."""
        import numpy as np

        n_values, n_classes = shape
        if n_classes > self.width:
            width = max(n_classes, 2 * self.width)
            wider = np.full((len(self.cells) // self.width, width), _UNASKED, dtype=np.uint64)
            wider[:, : self.width] = self.cells.reshape(-1, self.width)
            self.cells, self.width = wider.ravel(), width
        if n_values * self.width > len(self.cells):
            size = max(n_values, 2 * len(self.cells) // self.width) * self.width
            longer = np.full(size, _UNASKED, dtype=np.uint64)
            longer[: len(self.cells)] = self.cells
            self.cells = longer
        if classes is None:
            cell = values if self.width == 1 else values * self.width
        else:
            cell = values * self.width + classes
        parts = self.cells.take(cell)
        missing = np.flatnonzero(parts == _UNASKED)
        if len(missing):
            new = list(dict.fromkeys(cell[missing].tolist()))
            self.cells[new] = [ask(*divmod(c, self.width)) << shift for c in new]
            parts[missing] = self.cells.take(cell[missing])
        return parts


_UNASKED = (1 << 64) - 1
"""A grid cell the engine has not been asked about (no answer id shifted into place is)."""


class _Tuples:
    """Dense ids for tuples of text ids (each below 2**32), kept across chunks: the inputs of a
    derived count. ``members`` holds each id's tuple."""

    def __init__(self, width: int) -> None:
        self._stages = [KeyIndex() for _ in range(max(width - 1, 1))]
        self._members: list[list[tuple[int, ...]]] = [[] for _ in self._stages]

    @property
    def members(self) -> list[tuple[int, ...]]:
        return self._members[-1]

    def ids(self, columns: list[np.ndarray]) -> np.ndarray:
        """The id of each row's tuple, given one column per member."""
        import numpy as np

        if len(columns) == 1:
            columns = [np.zeros_like(columns[0]), *columns]
        ids = columns[0]
        for s, column in enumerate(columns[1:]):
            key = (ids.astype(np.uint64) << np.uint64(32)) | column.astype(np.uint64)
            prior = self._members[s - 1] if s else None
            made = self._members[s]

            def new(
                keys: np.ndarray,
                _: np.ndarray,
                prior: list[tuple[int, ...]] | None = prior,
                made: list[tuple[int, ...]] = made,
            ) -> range:
                start = len(made)
                for k in keys.tolist():
                    head = (k >> 32,) if prior is None else prior[k >> 32]
                    made.append((*head, k & 0xFFFFFFFF))
                return range(start, len(made))

            ids = self._stages[s].ids(key, new)
        return ids


_DENSE_PERSONS = 1 << 16
"""The most (sex text, age text) pairs the person table holds; past it, pairs are hashed."""


def _empty_table() -> np.ndarray:
    import numpy as np

    return np.full((0, 0), -2, dtype=np.int64)


def _answer_bits(terms: int) -> int:
    """Bits that hold every answer id of an analyte with ``terms`` graded terms: the two fixed
    ids, then each flag (or none) x certainly low, certainly high or neither x each term's
    grade (none, 0-4)."""
    return int(2 + (len(get_args(Flag)) + 1) * 3 * 6**terms - 1).bit_length()


class _Outcomes:
    """By outcome id: the bytes written after such a row (line end included), the index of
    its urgency in URGENCY_ORDER, whether the scalar path takes it instead, and what the sink
    makes of it (``extra``: a brief record's pieces, or the summary's (finding, grade) keys).
    Arrays grown by doubling, so that adding a few words per chunk does not copy them all."""

    def __init__(self) -> None:
        import numpy as np

        self.count = 0
        self.tails = np.empty(64, dtype=object)
        self.urgency = np.zeros(64, dtype=np.int8)
        self.slow = np.zeros(64, dtype=bool)
        self.extra = np.empty(64, dtype=object)
        self.verdicts: list[Any] = []
        """By id: the engine's verdict (see Verdict), None for the scalar path."""

    def extend(
        self,
        tails: list[bytes],
        urgency: list[int],
        slow: np.ndarray,
        verdicts: list[Any],
        extra: list[tuple[Any, ...]] | None = None,
    ) -> np.ndarray:
        """Add new words' outcomes; their ids."""
        import numpy as np

        start, end = self.count, self.count + len(tails)
        if end > len(self.tails):
            size = max(end, 2 * len(self.tails))
            for name in ("tails", "urgency", "slow", "extra"):
                old = getattr(self, name)
                grown = (
                    np.empty(size, dtype=old.dtype)
                    if old.dtype == object
                    else np.zeros(size, dtype=old.dtype)
                )
                grown[:start] = old[:start]
                setattr(self, name, grown)
        self.tails[start:end] = tails
        self.urgency[start:end] = urgency
        self.slow[start:end] = slow
        self.verdicts.extend(verdicts)
        if extra is not None:
            # Element by element: numpy would make a list of equal tuples a 2-D array.
            for i, item in enumerate(extra, start):
                self.extra[i] = item
        self.count = end
        return np.arange(start, end)


@dataclass
class _Split:
    """A chunk as the splitting stage leaves it."""

    normal: bytes
    """The chunk's lines, each ending in LF, when the scalar reader takes it (else empty)."""
    first_line: int
    lines: list[bytes] | None = None
    """The lines without their LF; None when the scalar reader takes the whole chunk."""
    ids: dict[int, np.ndarray] = field(default_factory=dict)
    """Column -> the index of each row's text in that column's vocabulary."""
    known: dict[int, int] = field(default_factory=dict)
    """Column -> how many texts its vocabulary had once this chunk was looked up."""
    formula: np.ndarray | None = None
    """Rows with a field that starts like a formula (when the guard is on)."""
    long: bytes | None = None
    """The first bytes of a line past ``Limits.line`` (then the chunk is that line alone)."""
    sample_ids: list[bytes] | None = None
    """Each row's sample id as JSON (brief records only; None without a sample id column)."""


@dataclass
class _Tally:
    """What one chunk adds to the run's statistics and notes."""

    stats: BatchStats = field(default_factory=BatchStats)
    notes: list[str] = field(default_factory=list)
    blank_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    """The source's warnings the chunk gave rise to (a line read as Latin-1)."""
    last_line: int = 0
    """The chunk's last input line."""
    summary: BatchSummary | None = None
    """The summary's counts (the summary sink only)."""
    first: Result | None = None
    """The chunk's first result (the summary sink: a run of one sample shows it whole)."""


@dataclass
class ColumnarCsv:
    """Runs a planned input chunk by chunk, counting into ``stats`` and writing what ``sink``
    says: CSV rows (the caller writes the header), brief NDJSON records, or nothing but the
    counts of ``summary`` (then ``first`` holds the first sample's whole result)."""

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
    jobs: int = 1
    """Processes that judge chunks at once (see cbc_cli.workers); 1 for this one alone."""
    limits: Limits = DEFAULT_LIMITS
    sink: str = "csv"
    """One of SINKS."""
    count_summary: bool = False
    """The csv sink counts the summary too (``--summary``: the terminal summary on stderr)."""
    summary: BatchSummary = field(default_factory=BatchSummary)
    first: Result | None = None
    notes: list[str] = field(default_factory=list)
    written_through: int | None = None
    """The last input line whose output has been written (for a partial output's message)."""
    _person_index: dict[tuple[str, str], int] = field(default_factory=dict)
    """Person id by (sex text, age text); -1 when either cannot be read."""
    _person_by_signature: dict[tuple[object, ...], int] = field(default_factory=dict)
    """Person id by what chooses their ranges and criteria (see _person)."""
    _values: dict[str, list[Quantity | int]] = field(default_factory=dict)
    """analyte -> each text of its column's vocabulary, read (see _column_values)."""
    _derived: dict[str, list[Quantity | int]] = field(default_factory=dict)
    """target -> the count derived from each distinct set of input texts (see _derive)."""
    _combos: KeyIndex = field(default_factory=KeyIndex)
    """Each distinct key of a row's answers (see _key), with its id."""
    _outcomes: _Outcomes = field(default_factory=_Outcomes)
    _blank_rows: int = 0
    _vocabularies: dict[int, Vocabulary] = field(default_factory=dict)
    _pairs: KeyIndex = field(default_factory=KeyIndex)
    """Person id + 1 by (sex text id << 32 | age text id)."""
    _person_table: np.ndarray = field(default_factory=_empty_table)
    """Person id (-1 unreadable, -2 not yet read) by sex text id and age text id, while the
    two vocabularies are small (see _person_keys)."""
    _class_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    """analyte -> the class of each person, as an array (rebuilt as persons come)."""
    json_records: Any = None  # json-fast hook
    """The "ndjson" sink's pieces (cbc_cli.json_sink.JsonRecords; set by json_sink.attach)."""

    def __post_init__(self) -> None:
        tab = self.fast.tab
        self.notes[:0] = tab.notes[: tab.header_notes]
        self.delim = tab.delimiter
        self.graded = [
            (code, a, d) for code, a, d in FINDING_RULES if self.scheme.criteria_for(code)
        ]
        self.read = [a for a in ANALYTES if a in set(self.fast.analytes)]
        self.column_of = {a: tab.header[i] for i, a in tab.columns.analytes.items()}
        self.index_of = {a: i for i, a in tab.columns.analytes.items()}
        ctx = tab.columns.context
        self._text_columns = [self.index_of[a] for a in self.read]
        self._text_columns += [ctx[name] for name in ("sex", "age") if name in ctx]
        # Made here, before the splitting thread starts (or a worker is forked): only the
        # splitting stage adds texts to them.
        self._vocabularies = {c: Vocabulary() for c in self._text_columns}
        # The counts engine.derive_counts can work out from the columns read: asked of it with
        # each of them given (as 1), so that the columns it reads are its own to say.
        self._derivations: dict[str, list[str]] = {}
        for target, percentages in DERIVED_COUNTS.items():
            inputs = [a for a in ("wbc", *percentages) if a in self.read]
            trial = {a: Quantity(a, 1.0, None, "1") for a in inputs}
            if inputs and target in derive_counts(trial)[0]:
                self._derivations[target] = inputs
        self._tuples = {t: _Tuples(len(inputs)) for t, inputs in self._derivations.items()}
        # The analytes whose answers make up a row's key, each answer id in its own bits of a
        # word; past 63 bits the next word holds the id of the first word's contents above
        # its 32 bits of answers, and so on.
        self._judged: dict[str, _Judged] = {}
        stage, used, room = 0, 0, 63
        for analyte in ANALYTES:
            if analyte in self.read or analyte in self._derivations:
                terms = [code for code, a, _ in self.graded if a == analyte]
                bits = _answer_bits(len(terms))
                if used + bits > room:
                    stage, used, room = stage + 1, 0, 32
                self._judged[analyte] = _Judged(analyte, terms, stage, used, bits)
                used += bits
        self._stages = [KeyIndex() for _ in range(stage)]
        self._layout = contract_layout(self.fast.analytes, self.scheme)
        # Every age bound a range row or a grading criterion this run may consult has.
        bounds = {
            b
            for a in self._judged
            for row in self.ranges.rows_for(a)
            for b in (row.age_from, row.age_to)
            if b is not None
        }
        bounds |= {
            b
            for code, _, _ in self.graded
            for c in self.scheme.criteria_for(code)
            for b in (c.age_from, c.age_to)
            if b is not None
        }
        self._bounds = sorted(bounds, key=str)
        self._chunk_parts: dict[str, np.ndarray] = {}
        if self.sink not in (*SINKS, "none"):
            raise ValueError(f"unknown sink {self.sink!r}")
        if self.count_summary and self.sink != "csv":
            raise ValueError("count_summary is for the csv sink (the summary sink always counts)")
        self._value_json: dict[str, np.ndarray] = {}
        self._bounds_given: dict[str, np.ndarray] = {}
        """analyte -> each vocabulary text's value as a brief record writes it (b"" for none)."""
        import numpy as np

        self._pieces = np.empty((0, len(self.read) + 1), dtype=object)
        """By outcome id: its brief record pieces (see _brief_pieces), b"" for a scalar one."""

    # -- the run ------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Read the whole input after the header (the caller has written the output header) and
        write each chunk's output lines, in input order.

        With ``jobs`` 1 (or where no process can be forked) a plain loop: each chunk split,
        judged and written before the next is read. With more, chunks are judged side by side
        by forked worker processes (cbc_cli.workers), the same scheme as the long layout's.
        Whatever fails, every chunk before the one that failed is written first, as one process
        reading row by row would have.
        """
        from cbc_cli import workers

        self._next_line = self.fast.header_line + 1
        self._read_error: Exception | None = None
        # This process reads the input, so that an interrupt or an error here never waits on a
        # read a worker is blocked in (a pipe or a terminal can take any time).
        chunks = self._chunks()
        if self.jobs > 1 and workers.available():
            self._run_shared(chunks, progress)
        else:
            while taken := self._take(chunks, 1):
                self._absorb(*self.judge_chunk(*taken[0]), progress)
        if self._read_error is not None:
            raise self._read_error
        if self._blank_rows:
            self.notes.append(blank_note(self._blank_rows))

    def _take(self, chunks: Iterator[bytes], n: int) -> list[tuple[int, bytes]]:
        """Up to ``n`` more chunks, each with the number of its first line. An error in reading
        ends the input here; it is raised once the chunks before it are written."""
        taken: list[tuple[int, bytes]] = []
        if self._read_error is not None:
            return taken
        try:
            for body in islice(chunks, n):
                taken.append((self._next_line, body))
                self._next_line += _line_count(body) if body.endswith((b"\n", b"\r")) else 1
        except Exception as exc:
            self._read_error = exc
        return taken

    def _run_shared(self, chunks: Iterator[bytes], progress: Callable[[int], None] | None) -> None:
        """Rounds of up to ``jobs`` chunks: the first judged here, the others each by a worker
        (or here, when no worker could be forked)."""
        from cbc_cli import workers

        # The first (small) chunk is judged before the fork, so that every worker starts with
        # the caches it fills (the commonest persons, values and combinations).
        first = self._take(chunks, 1)
        if not first:
            return
        head = self.judge_chunk(*first[0])
        batch = self._take(chunks, self.jobs)
        pool: list[workers.Worker[_Tally]] = []
        if len(batch) > 1:
            # Forked before the progress bar can start its thread: a fork copies only this one.
            with contextlib.suppress(OSError):  # no fork to be had: this process judges all
                pool = workers.start(len(batch) - 1, self.judge_chunk)
        try:
            self._absorb(*head, progress)
            # A worker is sent its next chunk only once its last answer is read, so neither
            # end ever waits on a buffer the other is not reading.
            busy = _send(pool, batch[1:])
            while batch:
                judged: list[tuple[bytes, _Tally]] = []
                try:
                    judged.append(self.judge_chunk(*batch[0]))
                    for worker in busy:  # one by one: each answer counts until one fails
                        judged.append(worker.receive())
                    for chunk in batch[1 + len(busy) :]:
                        judged.append(self.judge_chunk(*chunk))
                finally:
                    if len(judged) < len(batch):  # one failed: the chunks before it still count
                        for data, tally in judged:
                            self._absorb(data, tally, progress)
                batch = self._take(chunks, self.jobs)
                try:
                    # The next round goes out before this one is written: workers start sooner.
                    busy = _send(pool, batch[1:])
                finally:  # written even when a worker has died since it answered
                    for data, tally in judged:
                        self._absorb(data, tally, progress)
        finally:
            workers.stop(pool)

    def judge_chunk(self, first_line: int, body: bytes) -> tuple[bytes, _Tally]:
        """One chunk, split and judged: its output lines and what it adds to the run's tally."""
        return self._process(self._split_chunk(body, first_line))

    def _absorb(self, data: bytes, tally: _Tally, progress: Callable[[int], None] | None) -> None:
        """Write a judged chunk's lines and add its tally to the run's."""
        self._write(data)
        self.written_through = tally.last_line
        merge(self.stats, tally.stats)
        if tally.summary is not None:
            self.summary.merge(tally.summary)
        if self.first is None:
            self.first = tally.first
        self.notes.extend(tally.notes)
        self._blank_rows += tally.blank_rows
        warnings = self.source.warnings
        warnings += [w for w in tally.warnings if w not in warnings]
        if progress is not None:
            progress(self.stats.samples)

    def _chunks(self) -> Iterator[bytes]:
        """Whole lines of input, about CHUNK_BYTES at a time (the first chunk smaller, so that
        the rules start sooner), each chunk ending in a line end; a line past ``limits.line``
        comes as a chunk of its own: its first ``limits.line`` bytes, without a line end.

        A row whose quoted field holds a line break (an odd number of quotes before a line end)
        is kept in one chunk, read by the csv module (as every chunk that quotes anything is),
        until it closes or grows past ``limits.line`` characters as the row reader counts them:
        then the row reader ends it exactly where reading row by row does.
        """
        held: list[bytes] = []  # the lines of a row whose quoted field is open
        size = 0  # their characters, as the row reader counts them
        for block in self._blocks():
            if not block.endswith((b"\n", b"\r")):  # a line past the limit
                if held:
                    yield b"".join(held)
                    held, size = [], 0
                yield block
                continue
            if not held and block.count(b'"') % 2 == 0:
                yield block  # the usual case: no quoted field open where the block ends
                continue
            cut = _outside_quotes(block, bool(held))
            if cut:
                yield b"".join([*held, block[:cut]])
                held, size = [], 0
            if cut < len(block):
                held.append(block[cut:])
                size += _text_size(block[cut:])
                if size > self.limits.line:
                    yield b"".join(held)
                    held, size = [], 0
        if held:
            yield b"".join(held)

    def _blocks(self) -> Iterator[bytes]:
        """The input after the header, a read at a time, as blocks of whole lines none longer
        than ``limits.line``; a line past it as its first ``limits.line`` bytes alone (no line
        end), the rest skipped as it is read. Holds at most about the limit and one read, and
        copies each byte a bounded number of times: linear however long a line is."""
        stream = self.source.stream
        stream.read(self.fast.skip_bytes)
        limit = self.limits.line
        partial: list[bytes] = []  # the start of an unfinished line, in pieces
        held = 0
        skipping = False
        carry = b""  # a final CR may be the first half of a CRLF: it goes with the next read
        # A brief record is about 18 times its input line: smaller chunks keep what a process
        # holds of the output (a chunk's pieces, joined, then written) near the CSV path's.
        chunk_bytes = max(1, CHUNK_BYTES // BRIEF_SHARE) if self.sink == "brief" else CHUNK_BYTES
        if self.json_records is not None:  # json-fast hook
            chunk_bytes = self.json_records.chunk_bytes
        size = max(1, chunk_bytes // 8)
        while True:
            chunk = stream.read(size)
            size = chunk_bytes
            if not chunk and not carry:
                break
            data = carry + chunk if carry else chunk
            carry = b""
            if chunk and data.endswith(b"\r"):
                carry, data = b"\r", data[:-1]
            start = 0
            if skipping:
                end = _line_end(data, 0)
                if end < 0:
                    continue
                start, skipping = _after_line_end(data, end), False
            cut = max(data.rfind(b"\n", start), data.rfind(b"\r", start)) + 1
            if cut <= start:  # no line end: the line goes on
                if start < len(data):
                    partial.append(data[start:])
                    held += len(data) - start
                if held > limit:
                    yield first_bytes(partial, limit)
                    partial, held, skipping = [], 0, True
                continue
            if partial:
                end = _line_end(data, start)
                if held + end - start > limit:
                    yield first_bytes([*partial, data[start:end]], limit)
                    start = _after_line_end(data, end)
                    body = data[start:cut]
                else:
                    body = b"".join([*partial, data[start:cut]])
                partial, held = [], 0
            else:
                body = data if start == 0 and cut == len(data) else data[start:cut]
            yield from _cut_long_lines(body, limit)
            if cut < len(data):
                partial, held = [data[cut:]], len(data) - cut
                if held > limit:
                    yield data[cut : cut + limit]
                    partial, held, skipping = [], 0, True
        if partial:
            yield b"".join(partial) + b"\n"

    def _split_chunk(self, body: bytes, first_line: int) -> _Split:
        """The splitting stage: line ends made LF, then, for a chunk the columnar rules can
        take, its lines, the text id of each row's cell in each column read, and the rows with a
        formula-looking field; any other chunk is left whole for the scalar reader. Writes only
        the vocabularies (the rules never do)."""
        if not body.endswith((b"\n", b"\r")):
            return _Split(b"", first_line, long=body)  # a line past the limit
        normal = body.replace(b"\r\n", b"\n") if b"\r" in body else body
        if b"\r" in normal:
            normal = normal.replace(b"\r", b"\n")
            return _Split(normal, first_line)
        if b"\x00" in normal:
            return _Split(normal, first_line)  # bytes to refuse
        from cbc_cli.splitter import split

        fields = split(normal, self.fast.raw_width, self.delim)
        if fields is None:  # not one row per line
            return _Split(normal, first_line)
        if (fields.data >= 0x80).any() and not _is_utf8(normal):
            return _Split(normal, first_line)  # Latin-1 lines: decoded one by one
        if _has_blank_rows(fields, self.delim):
            # A row of empty fields: the csv reader skips it as blank.
            return _Split(normal, first_line)
        if len(normal) > self.limits.field and _has_field_longer(fields, self.limits.field):
            return _Split(normal, first_line)  # the scalar reader makes such rows error rows
        lines = normal.split(b"\n")
        lines.pop()  # the chunk ends with a line end
        ids = {c: self._vocabulary(c).encode(fields, c) for c in self._text_columns}
        known = {c: len(self._vocabulary(c).texts) for c in self._text_columns}
        # A field starting with = + - @ TAB or CR may be made inert: the scalar path decides
        # exactly (numbers are left alone), so such rows go there.
        formula = _formula_rows(fields, self.delim) if self.formula_guard else None
        column = self.fast.tab.columns.context.get("sample_id")
        sample_ids = None
        if self.sink in ("brief", "ndjson") and column is not None:  # json-fast hook: ndjson
            starts, ends = fields.start(column).tolist(), fields.end(column).tolist()
            sample_ids = _json_ids([normal[a:b] for a, b in zip(starts, ends, strict=True)])
        # The lines are all the rules need of the bytes: the chunk itself is not kept.
        return _Split(b"", first_line, lines, ids, known, formula, sample_ids=sample_ids)

    def _process(self, chunk: _Split) -> tuple[bytes, _Tally]:
        """The output lines for one split chunk, and what they add to the run's tally."""
        counts = self.sink == "summary" or self.count_summary
        tally = _Tally(summary=BatchSummary() if counts else None)
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

    # -- scalar fallback for a whole chunk ---------------------------------------------------

    def _scalar_chunk(self, normal: bytes, first_line: int, tally: _Tally) -> bytes:
        raw_lines = normal.split(b"\n")
        raw_lines.pop()
        texts = [decode_line(raw, self.source) + "\n" for raw in raw_lines]
        return self._scalar_texts(texts, first_line, tally)

    def _scalar_texts(self, texts: list[str], first_line: int, tally: _Tally) -> bytes:
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

    def _scalar_line(self, line_no: int, text: str, tally: _Tally) -> str:
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
    def _count_summary(result: Result, tally: _Tally) -> None:
        """Count a result from the scalar engine into the chunk's summary, when it keeps one."""
        if tally.summary is not None:
            tally.summary.add(result)
            if tally.first is None:
                tally.first = result

    def _sink_text(self, result: Result, tally: _Tally) -> str:
        """What a brief or summary run makes of one result from the scalar engine."""
        if tally.summary is not None:
            tally.summary.add(result)
            if tally.first is None:
                tally.first = result
            return ""
        if self.json_records is not None:  # json-fast hook
            return str(self.json_records.scalar_text(result))
        return brief_json(result) + "\n"

    # -- the columnar rules ------------------------------------------------------------------

    def _columnar(self, chunk: _Split, tally: _Tally) -> bytes:
        import numpy as np

        lines, first_line, ids = chunk.lines or [], chunk.first_line, chunk.ids
        n = len(lines)
        person = self._person_keys(ids, n)
        if (person < 0).all():  # no row's sex and age could be read: no limits to judge by
            return self._scalar_lines(lines, first_line, tally)
        by_analyte = {a: ids[self.index_of[a]] for a in self.read}
        values = {a: self._column_values(a, chunk.known[self.index_of[a]]) for a in self.read}
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
        if self.json_records is not None:  # json-fast hook
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
        if self.json_records is not None:  # json-fast hook
            return bytes(self.json_records.lines(chunk, slow_rows, scalar))
        tails = outcomes.tails.take(combo_ids)
        tails[slow_rows] = b""
        # Lines and their tails interleaved in one list, joined once: no bytes object per row.
        out: list[bytes] = [b""] * (2 * n)
        out[0::2] = lines
        out[1::2] = tails.tolist()
        for i, text in zip(slow_rows, scalar, strict=True):
            out[2 * i] = text
        return b"".join(out)

    def _brief_lines(
        self, chunk: _Split, combo_ids: np.ndarray, slow_rows: list[int], scalar: list[bytes]
    ) -> bytes:
        """A chunk's brief records, each assembled from pieces: its sample id and line, then
        by turns its combination's pieces (see _brief_pieces) and the JSON of each value."""
        import numpy as np

        lines = chunk.lines or []
        n, k = len(lines), len(self.read)
        width = 2 * k + 5  # head, id, ',"line":', line, then k (piece, value) pairs, the tail
        out: list[bytes] = [b""] * (width * n)
        out[0::width] = [_BRIEF_HEAD] * n
        out[1::width] = chunk.sample_ids or [b"null"] * n
        out[2::width] = [_BRIEF_LINE] * n
        first = chunk.first_line
        out[3::width] = np.arange(first, first + n).astype(bytes).tolist()
        pieces = self._piece_table().take(combo_ids, axis=0)  # rows x (k + 1)
        for j, analyte in enumerate(self.read):
            column = self.index_of[analyte]
            values = self._value_pieces(analyte, chunk.known[column])
            out[4 + 2 * j :: width] = pieces[:, j].tolist()
            out[5 + 2 * j :: width] = values.take(chunk.ids[column]).tolist()
        out[width - 1 :: width] = pieces[:, k].tolist()
        for i, text in zip(slow_rows, scalar, strict=True):
            out[width * i : width * (i + 1)] = [text] + [b""] * (width - 1)
        return b"".join(out)

    def _piece_table(self) -> np.ndarray:
        """The brief pieces of every outcome so far, a row each (see _Outcomes.extra)."""
        import numpy as np

        table, outcomes = self._pieces, self._outcomes
        if len(table) < outcomes.count:
            more = np.full((outcomes.count - len(table), table.shape[1]), b"", dtype=object)
            for row, word in enumerate(range(len(table), outcomes.count)):
                if outcomes.extra[word]:
                    more[row, :] = outcomes.extra[word]
            table = self._pieces = np.concatenate([table, more])
        return table

    def _value_pieces(self, analyte: str, known: int) -> np.ndarray:
        """For the first ``known`` texts of the analyte's column: each value's JSON as the
        brief record writes it (reported_value: six significant digits), b"" for a text with
        no value or one the scalar path reads; ``_bounds_given[analyte]`` marks the reported
        bounds ("<0.5"), whose records the scalar path writes."""
        import numpy as np

        have = self._value_json.get(analyte, np.empty(0, dtype=object))
        if len(have) >= known:
            return have
        values = self._column_values(analyte, known)[len(have) : known]
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
        return have

    def _sink_outcomes(self, verdicts: list[Verdict | None]) -> list[tuple[Any, ...]] | None:
        """For new combinations, what the brief or summary sink needs (see _Outcomes.extra):
        nothing for one the scalar path takes."""
        if self.sink not in ("brief", "summary") and not self.count_summary:
            return None
        extra: list[tuple[Any, ...]] = []
        for verdict in verdicts:
            if verdict is None:
                extra.append(())
                continue
            flags, grades, decision = verdict
            if self.sink != "brief":  # the summary's keys (the summary sink, or count_summary)
                extra.append(
                    tuple(
                        (c, "-" if grades.get(c) is None else str(grades[c]))
                        for c in decision.codes
                    )
                )
            else:
                ordered = {c: grades[c] for c, _, _ in self.graded if c in grades}
                extra.append(self._brief_pieces(decision, flags, ordered))
        return extra

    def _brief_pieces(
        self,
        decision: Decision,
        flags: Mapping[str, Flag | None],
        grades: dict[str, int | None],
    ) -> tuple[bytes, ...]:
        """An outcome's brief record with holes for the row's id, line and values, cut at
        them: one piece before each analyte's value (b"" for an analyte without one), then
        the tail after the last value."""
        # The context is the run's: after chemotherapy for every row, or for none.
        after_chemo = self.context is not None and self.context.days_since_chemo is not None
        message, safety = care_message(
            decision, flags.values(), fever=False, after_chemo=after_chemo
        )
        analytes: dict[str, Any] = {
            a: {"value": _HOLE, "unit": ANALYTES[a].unit, "flag": flags[a]}
            for a in self.read
            if a in flags
        }
        record = brief_record(
            sample_id=_HOLE,
            line=_HOLE,  # type: ignore[arg-type]
            status="ok",
            urgency=decision.urgency,
            message=message,
            safety=safety,
            findings=list(decision.codes),
            grades=grades,
            analytes=analytes,
        )
        cut = (dumps(record) + "\n").encode("utf-8").split(_HOLE_JSON)
        if cut[:2] != [_BRIEF_HEAD, _BRIEF_LINE] or len(cut) != 3 + len(analytes):
            raise RuntimeError("the brief record's fields are not in the order assembled here")
        slots = [b""] * (len(self.read) + 1)
        present = [j for j, a in enumerate(self.read) if a in flags]
        for slot, piece in zip([*present, len(self.read)], cut[2:], strict=True):
            slots[slot] = piece
        return tuple(slots)

    def _scalar_lines(self, lines: list[bytes], first_line: int, tally: _Tally) -> bytes:
        return b"".join(
            self._scalar_line(first_line + i, raw.decode("utf-8"), tally).encode("utf-8")
            for i, raw in enumerate(lines)
        )

    def _person_keys(self, ids: dict[int, np.ndarray], n: int) -> np.ndarray:
        """Each row's person id; -1 where the sex or age cannot be read."""
        import numpy as np

        ctx = self.fast.tab.columns.context

        def encoded(name: str) -> tuple[np.ndarray, list[str]]:
            if name not in ctx:
                return np.zeros(n, dtype=np.int64), [""]
            return ids[ctx[name]], self._vocabulary(ctx[name]).texts

        sex_i, sexes = encoded("sex")
        age_i, ages = encoded("age")
        n_sexes, n_ages = len(sexes), len(ages)
        if n_sexes * n_ages <= _DENSE_PERSONS:
            # The usual export: a few sex texts and ages. A table of every pair, filled as pairs
            # come, is looked up faster than hashed keys.
            table = self._person_table
            if table.shape[0] < n_sexes or table.shape[1] < n_ages:
                grown = np.full((max(n_sexes, 4), max(n_ages, 128)), -2, dtype=np.int64)
                grown[: table.shape[0], : table.shape[1]] = table
                self._person_table = table = grown
            person = table[sex_i, age_i]
            missing = np.flatnonzero(person == -2)
            if len(missing):
                for s_id, a_id in dict.fromkeys(
                    zip(sex_i[missing].tolist(), age_i[missing].tolist(), strict=True)
                ):
                    table[s_id, a_id] = self._person(sexes[s_id], ages[a_id])
                person[missing] = table[sex_i[missing], age_i[missing]]
            return np.asarray(person, dtype=np.int64)
        # Person ids by (sex text, age text) pair, one key each: memory grows with the pairs
        # seen, not with the product of the two vocabularies. Stored as id + 1 (0: unreadable).
        pairs = (sex_i.astype(np.uint64) << np.uint64(32)) | age_i.astype(np.uint64)

        def new_persons(keys: np.ndarray, _: np.ndarray) -> list[int]:
            return [self._person(sexes[k >> 32], ages[k & 0xFFFFFFFF]) + 1 for k in keys.tolist()]

        return np.asarray(self._pairs.ids(pairs, new_persons) - 1, dtype=np.int64)

    def _person(self, sex: str, age: str) -> int:
        """The id of the person these texts give (read as the scalar path reads them, the run's
        context filling gaps); -1 when either cannot be read."""
        known = self._person_index.get((sex, age))
        if known is not None:
            return known
        cell = CellReader(None)
        own = cell.patient({"sex": sex, "age": age}.get)
        if cell.errors:
            self._person_index[(sex, age)] = -1
            return -1
        patient = merge_patient(own, self.context) if self.context is not None else own
        if missing_context(self.scheme, patient) is not None:
            # Not graded without it: the scalar path writes the error row (cbc_cli.batch).
            self._person_index[(sex, age)] = -1
            return -1
        # Ranges and criteria are chosen by the age only through which side of each band bound
        # it lies on (Patient.fits): persons alike in those sides, sex and conditions share one
        # entry, so eighty ages of adults cost one set of bases, not eighty.
        sides = (
            None if patient.age is None else tuple(at_least(patient.age, b) for b in self._bounds)
        )
        signature = (
            patient.sex,
            patient.pregnancy_trimester,
            patient.profiles,
            sides,
            # An age too coarse for some bound is judged against every range it could fall in,
            # which its span decides (ranges._span): such ages are not merged.
            patient.age if sides is not None and None in sides else None,
        )
        index = self._person_by_signature.get(signature)
        if index is None:
            index = self._person_by_signature[signature] = len(self._person_by_signature)
            for judged in self._judged.values():
                judged.add_person(value_basis(judged.analyte, patient, self.ranges, self.scheme))
        self._person_index[(sex, age)] = index
        return index

    def _column_values(self, analyte: str, known: int) -> list[Quantity | int]:
        """For the first ``known`` texts of the analyte's column (its vocabulary may grow
        meanwhile in the splitting thread): each text read by the scalar path's cell reader, as
        a quantity, or the answer id it has without asking: 0 no value, 1 for the scalar path
        (an unreadable cell, which it reports)."""
        values = self._values.setdefault(analyte, [])
        if len(values) >= known:
            return values
        texts = self._vocabulary(self.index_of[analyte]).texts[len(values) : known]
        unit = self.fast.tab.columns.header_units.get(analyte)
        for text in texts:
            cell = CellReader(None, decimal_comma=self.fast.tab.decimal_comma)
            q = cell.value(analyte, self.column_of[analyte], text, unit)
            # A lab's flag with the value ("9.1 L") is compared with cbc's by the scalar engine.
            values.append(_SCALAR if cell.errors or cell.lab_flags else _ABSENT if q is None else q)
        return values

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
            derived.append(out.get(target, _ABSENT))
        return derived

    def _vocabulary(self, column: int) -> Vocabulary:
        return self._vocabularies[column]

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
            inputs_values = {a: values.get(a, _NO_VALUES) for a in inputs}
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
        graded term's grade and engine.decide's decision; None when the scalar path decides."""
        verdict: Verdict | None = self._outcomes.verdicts[outcome_id]
        return verdict

    def person_id(self, sex: str, age: str) -> int:
        """The person id of these sex and age texts (for judge_rows); -1 when either cannot be
        read or the scheme cannot grade without more (the scalar path writes that row)."""
        return self._person(sex, age)

    def _new_combos(self, _keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
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
            if _SCALAR in row or not any(row):
                verdicts.append(None)
                continue
            flags: dict[str, Flag | None] = {}
            grades: dict[str, int | None] = {}
            certain: set[tuple[str, str]] = set()
            for (analyte, pieces, _), answer_id in zip(columns, row, strict=True):
                if answer_id:
                    flag, sure, term_grades = pieces[answer_id]
                    flags[analyte] = flag
                    if sure:
                        certain.update(sure)
                    grades.update(term_grades)
            verdicts.append((flags, grades, decide(flags, grades, certain=certain)))
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
        return self._outcomes.extend(tails, urgencies, slow, verdicts, extra)


_NO_VALUES: list[Quantity | int] = [_ABSENT]
"""The values of an analyte no row has: id 0, no value."""

Verdict = tuple[dict[str, Flag | None], dict[str, int | None], Decision]
"""What engine.decide was given and gave for one combination of answers: each analyte's flag,
each graded term's grade (in the engine's order), and the decision."""


def _count_fast(
    summary: BatchSummary, outcomes: _Outcomes, fast_ids: np.ndarray, per_urgency: list[int]
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
        for key in outcomes.extra[word]:
            summary.findings[key] += k


def _json_ids(raws: list[bytes]) -> list[bytes]:
    """Sample id fields (UTF-8) as the brief record writes them: stripped, in JSON quotes; null
    for an empty field."""
    if all(raws) and not b"".join(raws).translate(None, _PLAIN_ID):
        return [b'"' + raw + b'"' for raw in raws]  # the usual case: nothing to escape or strip
    return [dumps(raw.decode("utf-8").strip() if raw else None).encode("utf-8") for raw in raws]


_BRIEF_HEAD = b'{"sample_id":'
_BRIEF_LINE = b',"line":'
"""The pieces of a brief record before its sample id and before its line (brief_record)."""


def _send(pool: list[Worker[_Tally]], chunks: list[tuple[int, bytes]]) -> list[Worker[_Tally]]:
    """Each chunk to the next worker; the workers that got one, in order."""
    for worker, chunk in zip(pool, chunks, strict=False):
        worker.send(*chunk)
    return pool[: len(chunks)]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_blank_rows(fields: Fields, delimiter: str) -> bool:
    """Whether a row holds nothing but delimiters and white space (the csv reader skips it).

    White space as ``str.strip`` has it, the scalar path's test: Unicode spaces included.
    """
    import numpy as np

    first, last = fields.start(0), fields.ends[-1]
    if not len(first):
        return False
    # Such a row's first field is empty or opens with white space: a control byte, a space, or
    # a byte of a multi-byte character. Only those rows are looked at, as text.
    lead = fields.data[first]
    maybe = (fields.end(0) == first) | (lead <= 32) | (lead >= 0x80)
    body = fields.body
    for i in np.flatnonzero(maybe).tolist():
        text = body[first[i] : last[i]].decode("utf-8")
        if not text.replace(delimiter, "").strip():
            return True
    return False


def _formula_rows(fields: Fields, delimiter: str) -> np.ndarray:
    """Rows with a field that starts with one of the formula bytes."""
    import numpy as np

    data = fields.data
    present = [c for c in _FORMULA_BYTES if bytes([c]) in fields.body]  # a fast scan each
    if not present:
        return np.zeros(0, dtype=np.int64)
    # Every such byte in the chunk, then those that open a field (a delimiter is not a field).
    hit = data == present[0]
    for c in present[1:]:
        hit |= data == c
    at = np.flatnonzero(hit)
    before = data[np.maximum(at - 1, 0)]
    opens = (at == 0) | (before == ord(delimiter)) | (before == 10)
    at = at[opens & (data[at] != ord(delimiter))]
    return np.asarray(np.searchsorted(fields.start(0), at, side="right") - 1, dtype=np.int64)


def _line_end(data: bytes, start: int) -> int:
    """Where the first line end (LF or CR) at or after ``start`` is; -1 for none."""
    found = [i for i in (data.find(b"\n", start), data.find(b"\r", start)) if i >= 0]
    return min(found, default=-1)


def _after_line_end(data: bytes, end: int) -> int:
    """Where the line after the line end at ``end`` starts (a CRLF is one line end)."""
    return end + 2 if data[end : end + 2] == b"\r\n" else end + 1


def _cut_long_lines(body: bytes, limit: int) -> Iterator[bytes]:
    """``body`` (whole lines), with each line longer than ``limit`` given alone as its first
    ``limit`` bytes (no line end): a block of lines before it, it, then the lines after."""
    if len(body) <= limit:
        if body:
            yield body
        return
    import numpy as np

    data = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero((data == 10) | (data == 13))  # a CRLF counts as an empty line between
    starts = np.concatenate([np.zeros(1, dtype=ends.dtype), ends[:-1] + 1])
    done = 0
    for k in np.flatnonzero(ends - starts > limit).tolist():
        start, end = int(starts[k]), int(ends[k])
        if start > done:
            yield body[done:start]
        yield body[start : start + limit]
        done = _after_line_end(body, end)
    if done < len(body):
        yield body[done:] if done else body


def _outside_quotes(block: bytes, open_quote: bool) -> int:
    """Where the last line of ``block`` (whole lines) that ends outside quotes ends; 0 when
    none does. ``open_quote``: the block starts inside a quoted field."""
    import numpy as np

    data = np.frombuffer(block, dtype=np.uint8)
    # Quotes up to each byte, modulo 256 (wrapping keeps the parity), plus the one still open.
    quotes = np.cumsum(data == 34, dtype=np.uint8) + np.uint8(open_quote)
    ends = np.flatnonzero((data == 10) | (data == 13))
    outside = ends[quotes[ends] % 2 == 0]
    return int(outside[-1]) + 1 if len(outside) else 0


def _text_size(block: bytes) -> int:
    """The characters of ``block`` (whole lines) as the row reader counts a row's: each line
    decoded (UTF-8, else Latin-1) and ended by one LF."""
    size = 0
    for line in block.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")[:-1]:
        try:
            size += len(line.decode("utf-8")) + 1
        except UnicodeDecodeError:
            size += len(line) + 1
    return size


def _has_field_longer(fields: Fields, limit: int) -> bool:
    """Whether a field of a regular chunk is longer than ``limit``."""
    import numpy as np

    # A field is no longer than its line: the lines are looked at first (a row each).
    lines = np.diff(fields.ends[-1].astype(np.int64), prepend=-1) - 1
    if int(lines.max(initial=0)) <= limit:
        return False
    marks = fields.ends.T.ravel().astype(np.int64)  # each field's end, in the chunk's order
    return int((np.diff(marks, prepend=-1) - 1).max(initial=0)) > limit


def _line_count(body: bytes) -> int:
    """Lines in ``body`` as the readers count them (CRLF, CR and LF each end one line)."""
    if b"\r" not in body:
        import numpy as np

        # numpy counts a byte several times faster than bytes.count.
        return int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == 10))
    return body.count(b"\n") + body.count(b"\r") - body.count(b"\r\n")
