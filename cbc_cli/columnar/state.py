"""What a columnar run holds, and its setting up: what every columnar run is given (RunInputs,
shared with the long layout's run, cbc_cli.columnar_long), the sink, the vocabularies of the
columns read, and the answer tables kept across chunks; what one chunk adds to the run's
statistics (ChunkTally).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from cbc_cli.age import AgeBounds
from cbc_cli.analytes import ANALYTES
from cbc_cli.batch import (
    BatchStats,
    BatchSummary,
)
from cbc_cli.columnar.pairs import PairCheck
from cbc_cli.engine import (
    DERIVATION_BASE,
    DERIVED_COUNTS,
    FINDING_RULES,
    PROMPT_ANALYTES,
    critical_limits,
    derive_counts,
    every_newborn_limit,
)
from cbc_cli.grading import Scheme
from cbc_cli.limits import DEFAULT_LIMITS, Limits
from cbc_cli.models import Result
from cbc_cli.panel import Patient
from cbc_cli.ranges import RangeTable
from cbc_cli.readers.source import Source
from cbc_cli.splitter import KeyIndex, Vocabulary
from cbc_cli.units import Quantity
from cbc_cli.writers.csv_writer import (
    contract_layout,
)

if TYPE_CHECKING:
    import numpy as np


from cbc_cli.columnar.plan import FastPlan
from cbc_cli.columnar.tables import (
    JudgedAnalyte,
    KeyList,
    LearnedCombination,
    Outcomes,
    TupleIds,
    answer_bits,
    empty_person_table,
)

SINKS = ("csv", "brief", "summary", "ndjson")
"""What a run makes of its answers: CSV rows, brief NDJSON records, the summary's counts, or
whole results as NDJSON (cbc_cli.json_sink)."""


@dataclass
class ChunkTally:
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
    learned: list[LearnedCombination] = field(default_factory=list)
    """A worker's combinations first met since it last told (see ColumnarCsv.learn)."""


@dataclass(kw_only=True)
class RunInputs:
    """What a columnar run is given, for a wide export (:class:`RunState`) or a long one
    (cbc_cli.columnar_long.LongColumnarCsv), and what its caller reads back when it has run
    (``notes``, ``written_through``). Keyword arguments only."""

    fast: FastPlan
    source: Source
    ranges: RangeTable
    scheme: Scheme
    context: Patient | None
    out: TextIO
    formula_guard: bool
    """Whether a cell that starts like a spreadsheet formula is guarded (CSV output)."""
    stats: BatchStats
    """What the run counts into (samples, error rows, urgencies)."""
    columns: dict[str, str]
    """The column options (``--column``), as cbc_cli.readers.columns parses them."""
    units: dict[str, str]
    """The unit options (``--unit``), as cbc_cli.readers.columns parses them."""
    jobs: int = 1
    """Processes that judge chunks at once (see cbc_cli.workers); 1 for this one alone."""
    limits: Limits = DEFAULT_LIMITS
    notes: list[str] = field(default_factory=list)
    """The notes the run says, in order (the header's first)."""
    written_through: int | None = None
    """The last input line whose output has been written (for a partial output's message)."""
    delim: str = field(init=False, repr=False, compare=False)
    """The export's delimiter."""

    def __post_init__(self) -> None:
        tab = self.fast.tab
        self.notes[:0] = tab.notes[: tab.header_notes]  # the header's, said once (as the row path)
        self.delim = tab.delimiter


@dataclass(kw_only=True)
class RunState(RunInputs):
    """What a columnar run holds: the inputs it was given, and the tables it keeps across chunks
    (each module of the package adds the methods of one stage: see cbc_cli.columnar). Set up
    from the plan when made."""

    sink: str = "csv"
    """One of SINKS."""
    count_summary: bool = False
    """The csv sink counts the summary too (``--summary``: the terminal summary on stderr)."""
    summary: BatchSummary = field(default_factory=BatchSummary)
    first: Result | None = None
    _person_by_signature: dict[tuple[object, ...], int] = field(default_factory=dict)
    """Person id by what chooses their ranges and criteria (see _person)."""
    _values: dict[str, list[Quantity | int]] = field(default_factory=dict)
    """analyte -> each text of its column's vocabulary, read (see column_values)."""
    _derived: dict[str, list[Quantity | int]] = field(default_factory=dict)
    """target -> the count derived from each distinct set of input texts (see _derive)."""
    _combos: KeyIndex = field(default_factory=KeyIndex)
    """Each distinct key of a row's answers (see _key), with its id."""
    _outcomes: Outcomes = field(default_factory=Outcomes)
    _blank_rows: int = 0
    _vocabularies: dict[int, Vocabulary] = field(default_factory=dict)
    _pairs: KeyIndex = field(default_factory=KeyIndex)
    """Person id + 1 by (sex text id << 32 | age text id)."""
    _pair_check: PairCheck = field(default_factory=PairCheck)
    """Whether a hemoglobin and hematocrit pair fits together, by pair of text ids."""
    _given: dict[str, np.ndarray] = field(default_factory=dict)
    """analyte -> whether each text of its column read so far holds a value."""
    _person_table: np.ndarray = field(default_factory=empty_person_table)
    """Person id (-1 unreadable, -2 not yet read) by sex text id and age text id, while the
    two vocabularies are small (see _person_keys)."""
    _class_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    """analyte -> the class of each person, as an array (rebuilt as persons come)."""
    json_records: Any = None
    """The "ndjson" sink's pieces (cbc_cli.json_sink.JsonRecords; set by json_sink.attach)."""
    _combo_keys: KeyList = field(default_factory=KeyList)
    """By outcome id, its key (see _key), while keys are one word (and so mean the same in
    every process)."""
    _told: int = 0
    """Outcome ids below this are known to the other processes (see learn)."""
    _telling: bool = False
    """Whether judge_chunk reports the combinations it meets (a worker of a shared run)."""

    # Set up by __post_init__ from the plan, the scheme and the sink:
    graded: list[tuple[str, str, str]] = field(init=False, repr=False, compare=False)
    """The (term, analyte, direction) rules of FINDING_RULES the scheme grades."""
    read: list[str] = field(init=False, repr=False, compare=False)
    """The analytes the export has a column of, in ANALYTES order."""
    column_of: dict[str, str] = field(init=False, repr=False, compare=False)
    index_of: dict[str, int] = field(init=False, repr=False, compare=False)
    _text_columns: list[int] = field(init=False, repr=False, compare=False)
    _derivations: dict[str, list[str]] = field(init=False, repr=False, compare=False)
    _tuples: dict[str, TupleIds] = field(init=False, repr=False, compare=False)
    _judged: dict[str, JudgedAnalyte] = field(init=False, repr=False, compare=False)
    _stages: list[KeyIndex] = field(init=False, repr=False, compare=False)
    _layout: tuple[list[str], list[str]] = field(init=False, repr=False, compare=False)
    _bands: AgeBounds = field(init=False, repr=False, compare=False)
    _chunk_parts: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)
    _derived_rows: np.ndarray = field(init=False, repr=False, compare=False)
    """The rows of the last judge_rows call whose count was derived (engine.derive_counts)."""
    _value_json: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)
    _bounds_given: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)
    _value_len: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)
    _next_line: int = field(init=False, repr=False, compare=False)
    _read_error: Exception | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        tab = self.fast.tab
        self.graded = [
            (code, a, d) for code, a, d in FINDING_RULES if self.scheme.criteria_for(code)
        ]
        self.read = [a for a in ANALYTES if a in set(self.fast.analytes)]
        self.column_of = {a: tab.header[i] for i, a in tab.columns.analytes.items()}
        self.index_of = {a: i for i, a in tab.columns.analytes.items()}
        ctx = tab.columns.context
        self._text_columns = [self.index_of[a] for a in self.read]
        self._text_columns += [ctx[name] for name in ("sex", "age") if name in ctx]
        # Made here, before a worker is forked: only the splitting stage (cbc_cli.columnar.cells)
        # adds texts to them.
        self._vocabularies = {c: Vocabulary() for c in self._text_columns}
        # The counts engine.derive_counts can work out from the columns read: asked of it with
        # each of them given (as 1), so that the columns it reads are its own to say.
        self._derivations = {}
        for target, percentages in DERIVED_COUNTS.items():
            inputs = [a for a in (DERIVATION_BASE, *percentages) if a in self.read]
            trial = {a: Quantity(a, 1.0, None, "1") for a in inputs}
            if inputs and target in derive_counts(trial)[0]:
                self._derivations[target] = inputs
        self._tuples = {t: TupleIds(len(inputs)) for t, inputs in self._derivations.items()}
        # The analytes whose answers make up a row's key, each answer id in its own bits of a
        # word; past 63 bits the next word holds the id of the first word's contents above
        # its 32 bits of answers, and so on.
        self._judged = {}
        stage, used, room = 0, 0, 63
        for analyte in ANALYTES:
            if analyte in self.read or analyte in self._derivations:
                terms = [code for code, a, _ in self.graded if a == analyte]
                limits = critical_limits(self.ranges, analyte)
                newborn = every_newborn_limit(self.ranges, analyte)
                prompts = analyte in PROMPT_ANALYTES
                bits = answer_bits(len(terms), len(limits), len(newborn), prompts=prompts)
                if used + bits > room:
                    stage, used, room = stage + 1, 0, 32
                self._judged[analyte] = JudgedAnalyte(
                    analyte, terms, stage, used, bits, limits, newborn, prompts
                )
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
        self._bands = AgeBounds(bounds)
        self._chunk_parts = {}
        if self.sink not in (*SINKS, "none"):
            raise ValueError(f"unknown sink {self.sink!r}")
        if self.count_summary and self.sink != "csv":
            raise ValueError("count_summary is for the csv sink (the summary sink always counts)")
        self._value_json = {}
        self._bounds_given = {}
        """analyte -> each vocabulary text's value as a brief record writes it (b"" for none)."""
        self._value_len = {}
        """analyte -> the length of each of those values."""

    @property
    def outcome_count(self) -> int:
        """How many outcome ids there are so far: each distinct combination of answers met
        (see judge_rows and outcome), numbered from 0."""
        return int(self._outcomes.count)

    def vocabulary(self, column: int) -> Vocabulary:
        """The distinct texts met so far in column ``column`` (an analyte's, or the sex or age
        column), by text id."""
        return self._vocabularies[column]

    def derivation_inputs(self) -> list[tuple[str, ...]]:
        """For each count engine.derive_counts can work out from the columns read, the analytes
        it is worked out from (the WBC first), in the order of DERIVED_COUNTS."""
        return [tuple(inputs) for inputs in self._derivations.values()]
