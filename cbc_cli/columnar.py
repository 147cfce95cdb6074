"""Columnar evaluation of wide CSV exports: the engine's rules over whole chunks.

A row-by-row Python loop cannot keep up with millions of rows, so for a wide CSV or TSV export
the rules run over columns, whatever is made of the answers (the sink): CSV (the input lines
with cbc's columns), the brief NDJSON record (cbc_cli.brief), or only the counts of the
terminal summary. The rules:

- numpy splits a chunk of strictly regular lines into fields (cbc_cli.splitter);
- each distinct cell text is read once by the same cell reader as the scalar path, and each
  distinct person (sex and age texts) gets its ranges and grading criteria once from the same
  ``RangeTable.select`` and ``choose_criterion``; values and limits are rounded with the same
  12-digit guard, so numpy's comparisons see exactly the numbers the scalar engine compares;
- flags and grades are numpy comparisons; findings, composites and urgency are decided once per
  class of combinations of flags and grades that ``engine.decide`` tells apart, by calling it;
- every row the columnar rules do not cover exactly (a reported bound such as ``<0.1``, an
  unreadable cell, a derived ANC, a formula-looking cell, no value at all) goes through the
  scalar engine in its place, and a chunk that does not split one row per line (blank lines,
  quoted line breaks, a wrong number of fields) is read by the scalar reader whole.

Chunks are judged one after another in one thread, and written in input order: a second
thread splitting ahead, or forked worker processes, measured no faster on two cores and held
more memory (README, "Large exports").

The input lines are copied to the CSV output byte for byte. Property tests check that this
module and the scalar path write identical CSV and brief NDJSON and count the same summary.
numpy is imported only on this path.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

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
from cbc_cli.engine import FINDING_RULES, Decision, care_message, decide, reported_value
from cbc_cli.grading import (
    Criterion,
    Grade,
    Scheme,
    choose_criterion,
    guard,
    missing_context,
)
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import URGENCY_ORDER, Flag, Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.records import CellReader
from cbc_cli.readers.source import Source, decode_line, detect_format, first_bytes, long_line
from cbc_cli.readers.tabular import Tabular, read_tabular, wide_record
from cbc_cli.splitter import Fields, KeyIndex, Vocabulary
from cbc_cli.wording import plural
from cbc_cli.writers.csv_writer import FORMULA_START, GRADE_COLUMNS, contract_cells, inert

if TYPE_CHECKING:
    import numpy as np

CHUNK_BYTES = 1 << 20
"""About 25,000 rows of a typical export: larger chunks measured no faster (benchmarks/batch.py)
and hold more memory."""
BRIEF_SHARE = 8
"""A brief NDJSON run reads chunks of CHUNK_BYTES / BRIEF_SHARE (measured: 1M rows at 2
processes, 295 MiB at the peak with whole chunks, 111 MiB with an eighth)."""
FLAGS = ("", "LL", "L", "N", "H", "HH", "no-range")
"""Flag codes as stored in the arrays: 0 means no value."""
_LL, _L, _N, _H, _HH, _NR = 1, 2, 3, 4, 5, 6
_SCALAR = 7
"""The flag part of a value the scalar path must read (a reported bound, an unreadable cell)."""
_OPS = {"below": 0, "at_most": 1, "above": 2, "at_least": 3}
_CONTEXT = {"sample_id", "patient_id", "sex", "age", "collected_at"}
_BLANK_NOTE = re.compile(r"^(\d+) blank rows? skipped$")
SINKS = ("csv", "brief", "summary")
"""What a run makes of its answers: CSV rows, brief NDJSON records, or the summary's counts."""
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
    if cmap.is_long or not set(cmap.context) <= _CONTEXT:
        return None
    if cmap.unit_columns or cmap.ref_low_columns or cmap.ref_high_columns:
        return None
    if cmap.range_columns or cmap.flag_columns:
        return None
    raw_width = len(next(csv.reader([header_text], delimiter=tab.delimiter)))
    if raw_width != len(tab.header):
        return None  # trailing empty header columns: rows are trimmed, so not copied verbatim
    analytes = list(dict.fromkeys(cmap.analytes.values()))
    return FastPlan(tab, header_text, line_no, end + 1, raw_width, analytes)


@dataclass
class _Person:
    """Per distinct person: the limits and criteria every row of that person is judged by."""

    limits: dict[str, tuple[float, float, float, float, float, float, bool]]
    """analyte -> (low, high, inner low, inner high, critical low, critical high, has range),
    NaN for none: the outer and inner envelope of the ranges that could apply (ranges.Envelope;
    equal when one range applies) and the critical limits."""
    thresholds: dict[str, list[tuple[int, int, float, bool]] | None]
    """finding -> [(grade, op, guarded limit or NaN, exists)] or None when not gradable."""
    unjudged: dict[str, list[tuple[int, int, float, bool]] | None]
    """As ``thresholds``, without LLN or ULN: for values the ranges that could apply disagree
    about (the same as ``thresholds`` when one range applies)."""


@dataclass
class _Grid:
    """One analyte's flag and grades by distinct value (rows) and class of persons (columns)."""

    reps: np.ndarray
    """One person of each class, in column order."""
    values: int
    """How many of the column's distinct values the grid has rows for."""
    codes: np.ndarray
    """Each cell's flag and grade parts, in place in the row's code word (see _new_combos)."""


class _Outcomes:
    """By code-word id: the bytes written after such a row (line end included), the index of
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

    def extend(
        self,
        tails: list[bytes],
        urgency: list[int],
        slow: np.ndarray,
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
    """What --jobs gave: accepted, but the run is one process and one thread whatever it is."""
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
    _persons: list[_Person] = field(default_factory=list)
    _person_index: dict[tuple[str, str], int] = field(default_factory=dict)
    """Person id by (sex text, age text); -1 when either cannot be read."""
    _person_by_signature: dict[tuple[object, ...], int] = field(default_factory=dict)
    """Person id by what chooses their ranges and criteria (see _person)."""
    _values: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """analyte -> (guarded value, state) for each text of its column's vocabulary."""
    _combos: KeyIndex = field(default_factory=KeyIndex)
    """Each distinct flags-and-grades code seen (see _columnar), with its id."""
    _outcomes: _Outcomes = field(default_factory=_Outcomes)
    _decisions: dict[tuple[int, ...], tuple[str, int]] = field(default_factory=dict)
    """By class of combinations (see _decision_keys): the tail's last cells and the urgency."""
    _blank_rows: int = 0
    _vocabularies: dict[int, Vocabulary] = field(default_factory=dict)
    _pairs: KeyIndex = field(default_factory=KeyIndex)
    """Person id + 1 by (sex text id << 32 | age text id)."""
    _class_cache: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    _grids: dict[str, _Grid] = field(default_factory=dict)
    _table_cache: dict[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)
    """Per-person arrays (limits of an analyte, thresholds of a term), rebuilt as persons come."""

    def __post_init__(self) -> None:
        import numpy as np

        tab = self.fast.tab
        self.notes[:0] = tab.notes[: tab.header_notes]
        self.delim = tab.delimiter
        self.graded = [
            (code, a, d) for code, a, d in FINDING_RULES if self.scheme.criteria_for(code)
        ]
        self.writer_columns = [g for g in GRADE_COLUMNS if self.scheme.criteria_for(g)]
        position = {code: i for i, (code, _, _) in enumerate(self.graded)}
        self.grade_position = [position.get(g, -1) for g in self.writer_columns]
        self.read = [a for a in ANALYTES if a in set(self.fast.analytes)]
        self.column_of = {a: tab.header[i] for i, a in tab.columns.analytes.items()}
        self.index_of = {a: i for i, a in tab.columns.analytes.items()}
        ctx = tab.columns.context
        self._text_columns = [self.index_of[a] for a in self.read]
        self._text_columns += [ctx[name] for name in ("sex", "age") if name in ctx]
        # Made here, before the splitting thread starts (or a worker is forked): only the
        # splitting stage adds texts to them.
        self._vocabularies = {c: Vocabulary() for c in self._text_columns}
        # Every age bound a range row or a grading criterion this run may consult has.
        bounds = {
            b
            for a in self.read
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
        parts = len(self.read) + len(self.graded)
        self._shifts = np.array([3 * (parts - 1 - i) for i in range(parts)], dtype=np.uint64)
        self._reduce = _reductions(self.read, len(self.graded))
        finding_analytes = set(_ANALYTE_OF.values())
        self._others = [i for i, a in enumerate(self.read) if a not in finding_analytes]
        self._kept = [i for i in range(parts) if i not in self._others]
        if self.sink not in SINKS:
            raise ValueError(f"unknown sink {self.sink!r}")
        if self.count_summary and self.sink != "csv":
            raise ValueError("count_summary is for the csv sink (the summary sink always counts)")
        self._verdicts: dict[tuple[int, ...], Decision] = {}
        """By class of combinations (see _decision_keys): engine.decide's decision."""
        self._value_json: dict[str, np.ndarray] = {}
        """analyte -> each vocabulary text's value as a brief record writes it (b"" for none)."""
        self._pieces = np.empty((0, len(self.read) + 1), dtype=object)
        """By code-word id: its brief record pieces (see _brief_pieces), b"" for a scalar one."""

    # -- the run ------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Read the whole input after the header (the caller has written the output header) and
        write each chunk's output lines, in input order: a plain loop, each chunk split, judged
        and written before the next is read, so an error in reading (a damaged gzip) is raised
        with every chunk before it written, as reading row by row would.
        """
        first_line = self.fast.header_line + 1
        for body in self._chunks():
            self._absorb(*self.judge_chunk(first_line, body), progress)
            first_line += _line_count(body) if body.endswith((b"\n", b"\r")) else 1
        if self._blank_rows:
            self.notes.append(f"{plural(self._blank_rows, 'blank row')} skipped")

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
        if 3 * (len(self.read) + len(self.graded)) > 63:
            # A row's flags and grades are coded in one 64-bit word (0xFF...FF is the empty key
            # of KeyIndex): the catalogue and the shipped schemes need at most 63 bits (a test
            # checks); more would merge different rows' codes, so such a file goes row by row.
            return _Split(normal, first_line)
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
        if self.sink == "brief" and column is not None:
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
        for note in tab.notes[tab.header_notes :]:  # the header's were said once (run)
            blank = _BLANK_NOTE.match(note)
            if blank:
                tally.blank_rows += int(blank[1])
            else:
                tally.notes.append(note)
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
        return brief_json(result) + "\n"

    # -- the columnar rules ------------------------------------------------------------------

    def _columnar(self, chunk: _Split, tally: _Tally) -> bytes:
        import numpy as np

        lines, first_line, ids = chunk.lines or [], chunk.first_line, chunk.ids
        n = len(lines)
        person = self._person_keys(ids, n)
        if (person < 0).all():  # no row's sex and age could be read: no limits to judge by
            return self._scalar_lines(lines, first_line, tally)
        key = np.where(person >= 0, person, 0)
        # Each row's flags and grades, coded in one word: the analytes' parts ORed together.
        combo = np.zeros(n, dtype=np.uint64)
        for analyte in self.read:
            # Flags and grades depend only on the value and the person's limits: they are
            # worked out on the small grid of distinct values x classes of persons, then
            # gathered per row (the grid is kept and grown across chunks).
            index = ids[self.index_of[analyte]]
            vals_u, state_u = self._column_values(analyte, chunk.known[self.index_of[analyte]])
            of_person, reps = self._classes(analyte)
            grid = self._grid(analyte, vals_u, state_u, reps)
            # Row i's cell of the grid: its value's row, its person's class column.
            cell = index * len(reps) + of_person[key] if len(reps) > 1 else index
            combo |= grid.codes.take(cell)
        combo_ids = self._combos.ids(combo, self._new_combos)
        outcomes = self._outcomes
        # The scalar path takes a row whose code says so (see _new_combos), an unreadable sex
        # or age, or a field that starts like a formula.
        slow = outcomes.slow.take(combo_ids) | (person < 0)
        if chunk.formula is not None:
            slow[chunk.formula] = True
        if self.sink == "summary" or self.count_summary:
            # Each chunk's first row gets its whole result: a run of one sample shows it.
            slow[0] = True
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
        """The brief pieces of every code word so far, a row each (see _Outcomes.extra)."""
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
        no value or one the scalar path reads."""
        import numpy as np

        have = self._value_json.get(analyte, np.empty(0, dtype=object))
        if len(have) >= known:
            return have
        texts = self._vocabulary(self.index_of[analyte]).texts[len(have) : known]
        unit = self.fast.tab.columns.header_units.get(analyte)
        more = np.empty(len(texts), dtype=object)
        for j, text in enumerate(texts):
            cell = CellReader(None, decimal_comma=self.fast.tab.decimal_comma)
            q = cell.value(analyte, self.column_of[analyte], text, unit)
            # A lab's flag with the value ("9.1 L") takes the scalar path, as in _column_values.
            plain = q is not None and q.comparator is None and not (cell.errors or cell.lab_flags)
            more[j] = dumps(reported_value(q.value)).encode() if plain and q else b""
        have = self._value_json[analyte] = np.concatenate([have, more])
        return have

    def _sink_outcomes(
        self, parts: np.ndarray, keys: list[tuple[int, ...]], slow: np.ndarray
    ) -> list[tuple[Any, ...]]:
        """For new code words, what the brief or summary sink needs (see _Outcomes.extra):
        nothing for a word the scalar path takes."""
        n_read = len(self.read)
        extra: list[tuple[Any, ...]] = []
        for row, key, scalar in zip(parts.tolist(), keys, slow.tolist(), strict=True):
            if scalar:
                extra.append(())
                continue
            flags: dict[str, Flag] = {
                a: FLAGS[f]  # type: ignore[misc]
                for a, f in zip(self.read, row[:n_read], strict=True)
                if f
            }
            grades = {
                code: None if p == 0 else p - 1
                for (code, _, _), p in zip(self.graded, row[n_read:], strict=True)
                if _ANALYTE_OF[code] in flags
            }
            decision = self._verdicts.get(key)
            if decision is None:
                decision = self._verdicts[key] = decide(flags, grades)
            if self.sink != "brief":  # the summary's keys (the summary sink, or count_summary)
                extra.append(
                    tuple(
                        (c, "-" if grades.get(c) is None else str(grades[c]))
                        for c in decision.codes
                    )
                )
            else:
                extra.append(self._brief_pieces(decision, flags, grades))
        return extra

    def _brief_pieces(
        self, decision: Decision, flags: dict[str, Flag], grades: dict[str, int | None]
    ) -> tuple[bytes, ...]:
        """A code word's brief record with holes for the row's id, line and values, cut at
        them: one piece before each analyte's value (b"" for an analyte without one), then
        the tail after the last value."""
        message, safety = care_message(decision, flags.values(), fever=False)
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
        # Person ids by (sex text, age text) pair, one key each: memory grows with the pairs
        # seen, not with the product of the two vocabularies. Stored as id + 1 (0: unreadable).
        pairs = (sex_i.astype(np.uint64) << np.uint64(32)) | age_i.astype(np.uint64)

        def new_persons(keys: np.ndarray, _: np.ndarray) -> list[int]:
            return [self._person(sexes[k >> 32], ages[k & 0xFFFFFFFF]) + 1 for k in keys.tolist()]

        return np.asarray(self._pairs.ids(pairs, new_persons) - 1, dtype=np.int64)

    def _person(self, sex: str, age: str) -> int:
        known = self._person_index.get((sex, age))
        if known is not None:
            return known
        cell = CellReader(None)
        cells = {"sex": sex, "age": age}
        own = cell.patient(cells.get)
        if cell.errors:
            self._person_index[(sex, age)] = -1
            return -1
        patient = merge_patient(own, self.context) if self.context is not None else own
        if missing_context(self.scheme, patient) is not None:
            # Not graded without it: the scalar path writes the error row (cbc_cli.batch).
            self._person_index[(sex, age)] = -1
            return -1
        # Ranges and criteria depend on the age only through which side of each band bound it
        # lies on (Patient.fits): persons alike in those sides, sex and conditions share one
        # entry, so eighty ages of adults cost one range lookup, not eighty.
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
            index = self._person_by_signature[signature] = self._new_person(patient)
        self._person_index[(sex, age)] = index
        return index

    def _new_person(self, patient: Patient) -> int:
        nan = float("nan")

        def g(x: float | None) -> float:
            return nan if x is None else guard(x)

        limits: dict[str, tuple[float, float, float, float, float, float, bool]] = {}
        outer: dict[str, tuple[float | None, float | None, bool]] = {}
        for analyte in self.read:
            # The same selections and envelopes as engine._check.
            ref = self.ranges.select(analyte, patient).limits()
            crit = self.ranges.select(analyte, patient, "critical").limits("critical")
            limits[analyte] = (
                g(ref.low if ref else None),
                g(ref.high if ref else None),
                g(ref.inner_low if ref else None),
                g(ref.inner_high if ref else None),
                g(crit.low if crit else None),
                g(crit.high if crit else None),
                ref is not None,
            )
            outer[analyte] = (
                ref.low if ref else None,
                ref.high if ref else None,
                ref is not None and not ref.decided,
            )
        thresholds: dict[str, list[tuple[int, int, float, bool]] | None] = {}
        unjudged: dict[str, list[tuple[int, int, float, bool]] | None] = {}
        for code, analyte, _ in self.graded:
            chosen = choose_criterion(self.scheme, code, patient)
            if isinstance(chosen, Grade) or analyte not in self.read:
                thresholds[code] = unjudged[code] = None
                continue
            lln, uln, undecided = outer[analyte]
            thresholds[code] = _resolve(chosen, lln, uln)
            unjudged[code] = _resolve(chosen, None, None) if undecided else thresholds[code]
        self._persons.append(_Person(limits, thresholds, unjudged))
        return len(self._persons) - 1

    def _column_values(self, analyte: str, known: int) -> tuple[np.ndarray, np.ndarray]:
        """For the first ``known`` texts of the analyte's column (its vocabulary may grow
        meanwhile in the splitting thread): the guarded value of each and its state (0 value,
        1 missing, 2 for the scalar path)."""
        import numpy as np

        vals, state = self._values.get(analyte, (np.zeros(0), np.zeros(0, dtype=np.int8)))
        if len(vals) >= known:
            return vals, state
        # Each new text is read once, by the scalar path's cell reader.
        texts = self._vocabulary(self.index_of[analyte]).texts[len(vals) : known]
        unit = self.fast.tab.columns.header_units.get(analyte)
        more_vals = np.empty(len(texts), dtype=np.float64)
        more_state = np.zeros(len(texts), dtype=np.int8)
        for j, text in enumerate(texts):
            cell = CellReader(None, decimal_comma=self.fast.tab.decimal_comma)
            q = cell.value(analyte, self.column_of[analyte], text, unit)
            # A lab's flag with the value ("9.1 L") is compared with cbc's by the engine.
            if cell.errors or cell.lab_flags or (q is not None and q.comparator is not None):
                more_vals[j], more_state[j] = float("nan"), 2
            elif q is None:
                more_vals[j], more_state[j] = float("nan"), 1
            else:
                more_vals[j] = guard(q.value)
        vals = np.concatenate([vals, more_vals])
        state = np.concatenate([state, more_state])
        self._values[analyte] = (vals, state)
        return vals, state

    def _vocabulary(self, column: int) -> Vocabulary:
        return self._vocabularies[column]

    def _classes(self, analyte: str) -> tuple[np.ndarray, np.ndarray]:
        """Persons grouped by identical limits and criteria for one analyte: (class of each
        person, one representative person per class)."""
        cached = self._class_cache.get(analyte)
        if cached is not None and len(cached[0]) == len(self._persons):
            return cached
        import numpy as np

        def plain(x: object) -> object:
            return None if isinstance(x, float) and math.isnan(x) else x

        codes = [code for code, a, _ in self.graded if a == analyte]
        seen: dict[object, int] = {}
        of_person = np.empty(len(self._persons), dtype=np.int64)
        reps: list[int] = []
        for k, p in enumerate(self._persons):
            shape = (
                tuple(plain(x) for x in p.limits[analyte]),
                tuple(
                    None
                    if table[c] is None
                    else tuple(tuple(plain(x) for x in t) for t in table[c] or ())
                    for table in (p.thresholds, p.unjudged)
                    for c in codes
                ),
            )
            if shape not in seen:
                seen[shape] = len(reps)
                reps.append(k)
            of_person[k] = seen[shape]
        result = (of_person, np.array(reps, dtype=np.int64))
        self._class_cache[analyte] = result
        return result

    def _grid(
        self, analyte: str, vals_u: np.ndarray, state_u: np.ndarray, reps: np.ndarray
    ) -> _Grid:
        """The analyte's part of the code word for each distinct value (rows) and class of
        persons (columns), kept across chunks: only values new since the last chunk are worked
        out, unless the classes changed."""
        import numpy as np

        grid = self._grids.get(analyte)
        if grid is None or (grid.reps is not reps and not np.array_equal(grid.reps, reps)):
            grid = self._grids[analyte] = _Grid(reps, 0, np.zeros(0, dtype=np.uint64))
        if grid.values == len(vals_u):
            return grid
        new_v = np.repeat(vals_u[grid.values :], len(reps))
        new_key = np.tile(reps, len(vals_u) - grid.values)
        flags = self._flags(new_v, analyte, new_key)
        # A text the scalar path must read gets the flag part 7, which no flag uses.
        flags[np.repeat(state_u[grid.values :], len(reps)) == 2] = _SCALAR
        codes = flags.astype(np.uint64) << self._shifts[self.read.index(analyte)]
        for j, (code, rule_analyte, direction) in enumerate(self.graded):
            if rule_analyte == analyte:
                grade = self._grades(new_v, flags, code, direction, new_key, analyte)
                part = (grade + 1).astype(np.uint64)  # 0 is "cannot grade"
                codes |= part << self._shifts[len(self.read) + j]
        grid.codes = np.concatenate([grid.codes, codes])
        grid.values = len(vals_u)
        return grid

    def _limits(self, analyte: str, key: np.ndarray) -> tuple[np.ndarray, ...]:
        import numpy as np

        cached = self._table_cache.get(("limits", analyte))
        if cached is None or len(cached[0]) != len(self._persons):
            table = np.array([p.limits[analyte] for p in self._persons], dtype=np.float64)
            cached = self._table_cache[("limits", analyte)] = (table,)
        table = cached[0]
        return tuple(table[key, i] for i in range(7))

    def _flags(self, v: np.ndarray, analyte: str, key: np.ndarray) -> np.ndarray:
        import numpy as np

        low, high, inner_low, inner_high, c_low, c_high, has = self._limits(analyte, key)
        # As engine.flag_value, most binding last: outside some but not every range that could
        # apply is no-range; beyond every one of them, L or H.
        flag = np.full(len(v), _N, dtype=np.int8)
        flag[(v < inner_low) | (v > inner_high)] = _NR
        flag[v > high] = _H
        flag[v < low] = _L
        flag[has == 0] = _NR
        flag[v > c_high] = _HH
        flag[v < c_low] = _LL
        flag[np.isnan(v)] = 0
        return flag

    def _grades(
        self,
        v: np.ndarray,
        flag: np.ndarray,
        code: str,
        direction: str,
        key: np.ndarray,
        analyte: str,
    ) -> np.ndarray:
        """Grades 0-4, or -1 for "cannot grade" (including no value)."""
        import numpy as np

        low, high, inner_low, inner_high, *_ = self._limits(analyte, key)
        # Values the ranges that could apply disagree about (no-range for them all together)
        # are graded without an LLN or ULN, as the engine does.
        disputed = ~(v < low) & ~(v > high) & ((v < inner_low) | (v > inner_high))
        outcome = self._threshold_grades(v, code, key, "grades", lambda p: p.thresholds)
        if disputed.any():
            bare = self._threshold_grades(v, code, key, "unjudged", lambda p: p.unjudged)
            outcome = np.where(disputed, bare, outcome)
        gradable = self._table_cache[("grades", code)][0][key]
        in_range_is_zero, no_grade_one = self._lln_rules(code)
        if in_range_is_zero or no_grade_one:
            low_side = (flag == _L) | (flag == _LL)
            high_side = (flag == _H) | (flag == _HH)
            beyond, opposite = (
                (low_side, high_side) if direction == "low" else (high_side, low_side)
            )
            # As the engine: grade 0 only when the limit on that side exists.
            side = np.where(disputed, np.nan, low if direction == "low" else high)
            not_abnormal = ((flag == _N) | opposite) & ~np.isnan(side) & in_range_is_zero
            no_grade = (outcome == 0) & beyond & no_grade_one
            outcome = np.where(not_abnormal, 0, np.where(no_grade, -1, outcome))
        outcome = np.where(gradable, outcome, -1)
        return np.where(flag == 0, -1, outcome).astype(np.int8)

    def _threshold_grades(
        self,
        v: np.ndarray,
        code: str,
        key: np.ndarray,
        name: str,
        table_of: Callable[[_Person], dict[str, list[tuple[int, int, float, bool]] | None]],
    ) -> np.ndarray:
        """Each value's grade by its person's thresholds (``table_of``): 0-4, or -1 where a
        threshold it needs has no limit (no LLN or ULN)."""
        import numpy as np

        persons = self._persons
        cached = self._table_cache.get((name, code))
        if cached is None or len(cached[0]) != len(persons):
            cached = self._table_cache[(name, code)] = _threshold_tables(
                [table_of(p) for p in persons], code
            )
        _, lim, ops, level = cached
        width = int((ops >= 0).any(axis=0).sum())
        g = np.zeros(len(v), dtype=np.int8)
        decided = np.zeros(len(v), dtype=bool)
        missing = np.zeros(len(v), dtype=bool)
        compare = (np.less, np.less_equal, np.greater, np.greater_equal)
        for t in range(width):
            limit, op, lev = lim[key, t], ops[key, t], level[key, t]
            exists = op >= 0
            kind = int(ops[0, t])
            # (Not np.unique: without options it imports numpy.ma, 15-20 ms.)
            if (ops[:, t] == kind).all():  # the usual case: one operator for everyone
                holds = compare[kind](v, limit) if kind >= 0 else np.zeros(len(v), bool)
            else:
                holds = np.select(
                    [op == 0, op == 1, op == 2, op == 3],
                    [v < limit, v <= limit, v > limit, v >= limit],
                    False,
                )
            hit = exists & ~np.isnan(limit) & holds & ~decided
            g = np.where(hit, lev, g)
            decided |= hit
            missing |= exists & np.isnan(limit)
        return np.where(decided, g, np.where(missing, -1, 0)).astype(np.int8)

    def _lln_rules(self, code: str) -> tuple[bool, bool]:
        """As the engine's grading: whether a count inside the range is grade 0 for this term,
        and whether a count beyond it under grade 1 has no grade (a term without grade 1)."""
        criteria = self.scheme.criteria_for(code)
        lln = self.scheme.uses_lln
        return (
            lln and any(c.grade_one_from_limit for c in criteria),
            lln and not all(c.has_grade_one for c in criteria),
        )

    def _new_combos(self, combos: np.ndarray, _rows: np.ndarray) -> np.ndarray:
        """New code words: whether such a row goes to the scalar path, else its tail and
        urgency, decided once per class of combinations (see _reductions)."""
        import numpy as np

        parts = ((combos[:, None] >> self._shifts) & np.uint64(7)).astype(np.int64)
        slow = self._scalar_rows(parts[:, : len(self.read)])
        n_read, d = len(self.read), self.delim
        decisions, flag_text = self._decisions, FLAGS
        grade_position = [n_read + i if i >= 0 else -1 for i in self.grade_position]
        grade_text = (*_GRADE_TEXT, "")  # position -1 (a column this file has no analyte for)
        tails: list[bytes] = []
        urgencies: list[int] = []
        keys = self._decision_keys(parts)
        for row, key, scalar in zip(parts.tolist(), keys, slow.tolist(), strict=True):
            if scalar:
                tails.append(b"\n")
                urgencies.append(0)
                continue
            decided = decisions.get(key)
            if decided is None:
                decided = decisions[key] = self._decision(row[:n_read], row[n_read:])
            rest, urgency = decided
            row.append(-1)  # so that row[-1] picks the empty cell of grade_text
            cells = [flag_text[f] for f in row[:n_read]]
            cells += [grade_text[row[i]] for i in grade_position]
            tails.append((d + d.join(cells) + rest).encode("utf-8"))
            urgencies.append(urgency)
        counts = self.sink == "summary" or self.count_summary
        extra = self._sink_outcomes(parts, keys, slow) if counts or self.sink == "brief" else None
        return self._outcomes.extend(tails, urgencies, slow, extra)

    def _decision_keys(self, parts: np.ndarray) -> list[tuple[int, ...]]:
        """For each row of code parts, the key of its class: rows with equal keys get the
        same findings and urgency from engine.decide (see _reductions)."""
        import numpy as np

        reduced = self._reduce[np.arange(parts.shape[1]), parts]
        if self._others:
            # Of the analytes no finding is about, decide reads only whether any is critical,
            # else whether any is abnormal: the most of their classes.
            merged = reduced[:, self._others].max(axis=1)
            reduced = np.column_stack([reduced[:, self._kept], merged])
        return [tuple(key) for key in reduced.tolist()]

    def _scalar_rows(self, flag_parts: np.ndarray) -> np.ndarray:
        """Whether rows with these flag parts (rows x analytes read) go to the scalar path: a
        value only it reads, no value at all (it writes the error row), or an ANC or ALC it
        derives from the WBC and the differential."""
        present = (flag_parts >= 1) & (flag_parts <= 6)
        slow = (flag_parts == _SCALAR).any(axis=1) | ~present.any(axis=1)
        column = {a: present[:, i] for i, a in enumerate(self.read)}
        if "wbc" in column:
            for target, pct in (("anc", "neut_pct"), ("alc", "lymph_pct")):
                if pct in column:
                    derived = column["wbc"] & column[pct]
                    slow |= derived & ~column[target] if target in column else derived
        return slow  # type: ignore[no-any-return]

    def _decision(self, flag_parts: list[int], grade_parts: list[int]) -> tuple[str, int]:
        """The tail's last cells (findings, urgency, status, error; line end) and the urgency's
        index in URGENCY_ORDER, from engine.decide."""
        flags: dict[str, Flag] = {
            a: FLAGS[f]  # type: ignore[misc]
            for a, f in zip(self.read, flag_parts, strict=True)
            if f
        }
        grades = {
            code: None if p == 0 else p - 1
            for (code, _, _), p in zip(self.graded, grade_parts, strict=True)
            if _ANALYTE_OF[code] in flags
        }
        decision = decide(flags, grades)
        codes = ";".join(decision.codes)
        if self.delim in codes:
            codes = f'"{codes}"'  # as the csv module quotes it (codes hold no quote or line end)
        d = self.delim
        rest = d + codes + d + decision.urgency + d + "ok" + d + "\n"
        return rest, URGENCY_ORDER.index(decision.urgency)


def _count_fast(
    summary: BatchSummary, outcomes: _Outcomes, fast_ids: np.ndarray, per_urgency: list[int]
) -> None:
    """Count the rows the columnar rules judged (by code-word id) into the summary."""
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
_GRADE_TEXT = ("", "0", "1", "2", "3", "4")
"""A grade's cell by its code part (grade + 1; 0 is "cannot grade")."""


def _threshold_tables(
    tables: list[dict[str, list[tuple[int, int, float, bool]] | None]], code: str
) -> tuple[np.ndarray, ...]:
    """Per person (their thresholds by finding): gradable or not, then each threshold's limit,
    operator and grade."""
    import numpy as np

    width = max((len(p[code] or ()) for p in tables), default=0)
    gradable = np.array([p[code] is not None for p in tables], dtype=bool)
    lim = np.full((len(tables), max(width, 1)), np.nan)
    ops = np.full((len(tables), max(width, 1)), -1, dtype=np.int8)
    level = np.zeros((len(tables), max(width, 1)), dtype=np.int8)
    for k, p in enumerate(tables):
        for t, (grade, op, limit, _) in enumerate(p[code] or ()):
            lim[k, t], ops[k, t], level[k, t] = limit, op, grade
    return gradable, lim, ops, level


def _resolve(
    criterion: Criterion, lln: float | None, uln: float | None
) -> list[tuple[int, int, float, bool]]:
    out = []
    for t in criterion.thresholds:
        limit = t.limit(lln, uln)
        out.append((t.grade, _OPS[t.op], float("nan") if limit is None else guard(limit), True))
    return out


_ANALYTE_OF = {code: analyte for code, analyte, _ in FINDING_RULES}


def _reductions(read: list[str], graded: int) -> np.ndarray:
    """By code position, each part's class as engine.decide tells them apart.

    Many combinations of flags and grades get the same findings and urgency; deciding once per
    class saves thousands of calls. decide reads a grade only as unknown (a cytopenia line that
    cannot be graded), >= 1, >= 2 (a pancytopenia line) and >= 3; it sees no
    difference between N and no-range; and of an analyte no finding is about (RBC, Hct, MCV)
    only whether its flag is critical, otherwise abnormal, or neither (or absent), and of all
    such analytes together only the most of those (ColumnarCsv._decision_keys). Tests check
    that combinations these classes merge decide alike.
    """
    import numpy as np

    finding_analytes = set(_ANALYTE_OF.values())
    #        flag code:   -   LL  L   N   H   HH  NR  (unused)
    finding_flag = [0, _LL, _L, _N, _H, _HH, _N, 7]
    other_flag = [0, 2, 1, 0, 1, 2, 0, 7]
    #        grade part:  None 0  1  2  3  4  (unused)
    grade = [0, 1, 2, 3, 4, 4, 6, 7]
    rows = [finding_flag if a in finding_analytes else other_flag for a in read]
    rows += [grade] * graded
    return np.array(rows, dtype=np.int64).reshape(len(rows), 8)


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
