"""The answer tables a run keeps across chunks: each analyte's answers from the engine and the
classes of persons they are asked for (JudgedAnalyte), the grids of answer ids by value and class
(_Grid), ids for the tuples of texts a count is derived from (TupleIds), and each combination's
outcome (Outcomes), and an answer's id worked out from the answer itself (_answer_id). No
rule is here: every answer is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, get_args

from cbc_cli.engine import (
    Basis,
    Decision,
    NewbornLimit,
    judge_value,
)
from cbc_cli.models import Flag
from cbc_cli.splitter import KeyIndex
from cbc_cli.units import Quantity

if TYPE_CHECKING:
    import numpy as np


ABSENT_ANSWER, SCALAR_ANSWER = 0, 1
"""Answer ids every analyte has (see JudgedAnalyte): no value, and a value only the scalar path
reads."""


class JudgedAnalyte:
    """One analyte's answers from the engine, kept across chunks.

    Persons are grouped into classes by the basis their values are judged by
    (engine.value_basis): equal bases give equal judgements of equal values, so the engine is
    asked once per distinct value and class. Each distinct answer (what a row's output and
    engine.decide read of the value: flag, whether it is certainly beyond the range, grades) gets
    an id: 0 for no value, 1 for a value only the scalar path reads (an unreadable cell).
    """

    def __init__(
        self,
        analyte: str,
        graded: list[str],
        stage: int,
        shift: int,
        bits: int,
        limits: tuple[float, ...] = (),
        newborn: tuple[NewbornLimit, ...] = (),
        prompts: bool = False,
    ):
        self.analyte = analyte
        self.graded = graded
        """The analyte's terms the scheme grades, in FINDING_RULES order."""
        self.limits = limits
        """Every critical limit of the analyte's rows, sorted: a value beyond one of them gets
        an answer of its own per limit, which engine.decide's message names."""
        self.newborn = newborn
        """Every newborn critical limit of the analyte's rows (engine.every_newborn_limit): each
        set of them a value is beyond (no age given) gets answers of its own, which
        engine.care's message names."""
        self.prompts = prompts
        """Whether a value can be beyond a prompt limit (engine.PROMPT_ANALYTES): such answers
        get ids of their own."""
        self.stage, self.shift, self.bits = stage, shift, bits
        """Where the answer id sits in a row's key words (see ColumnarCsv._key)."""
        self.bases: list[Basis] = []
        self.class_ids: dict[Basis, int] = {}
        self.class_of: list[int] = []
        """Class by person id."""
        self.pieces: dict[int, _Piece] = {ABSENT_ANSWER: _NO_PIECE, SCALAR_ANSWER: _NO_PIECE}
        """By answer id, what engine.decide is given of it: the flag, the (analyte, direction)
        pairs certainly beyond the range, the (term, grade) pairs, the (analyte, critical
        limit) crossed, the (analyte, newborn limit) pairs beyond and the (analyte, direction)
        pairs beyond a prompt limit."""
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
        if judged.critical_some_ages:
            # No age given and critical for some ages only: the row path writes the note that
            # asks for the age with the value, and decide's message says so; such values are few.
            return SCALAR_ANSWER
        by_term = dict(judged.grades)
        grades = tuple(by_term[c].grade for c in self.graded)
        crossed = judged.crossed
        if crossed is not None and crossed not in self.limits:
            return SCALAR_ANSWER  # (every limit comes from a row: engine.critical_limits)
        place = 0 if crossed is None else 1 + self.limits.index(crossed)
        if any(n not in self.newborn for n in judged.newborn):
            return SCALAR_ANSWER  # (every newborn limit comes from a row: every_newborn_limit)
        babies = sum(1 << i for i, n in enumerate(self.newborn) if n in judged.newborn)
        if judged.prompt and not self.prompts:
            return SCALAR_ANSWER  # (only PROMPT_ANALYTES have prompt limits)
        known = _answer_id(
            judged.flag,
            judged.certain,
            grades,
            place,
            len(self.limits),
            babies,
            len(self.newborn),
            prompted=_PROMPT_ORDER.index(judged.prompt),
            prompts=self.prompts,
        )
        if known >> self.bits:  # pragma: no cover - the bits are counted from the answers
            raise AssertionError(f"more answers for {self.analyte} than its key bits hold")
        if known not in self.pieces:
            pairs = tuple((self.analyte, d) for d in judged.certain)
            self.pieces[known] = (
                judged.flag,
                pairs,
                tuple(zip(self.graded, grades, strict=True)),
                () if crossed is None else ((self.analyte, crossed),),
                tuple((self.analyte, n) for n in judged.newborn),
                tuple((self.analyte, d) for d in judged.prompt),
            )
        return known


def _answer_id(
    flag: Flag | None,
    certain: tuple[str, ...],
    grades: tuple[int | None, ...],
    place: int = 0,
    limits: int = 0,
    babies: int = 0,
    newborn: int = 0,
    *,
    prompted: int = 0,
    prompts: bool = False,
) -> int:
    """An answer's id, worked out from the answer itself (so that every process gives an
    answer the same id, and a row's key means the same in each): the two fixed ids, then one
    for each flag (or none) x certainly low, certainly high or neither x each term's grade
    (none, 0-4) x the critical limit crossed (``place``: none, or 1 + its index among the
    analyte's ``limits`` sorted limits) x the set of the analyte's ``newborn`` limits the
    value is beyond (``babies``, a bit each) x beyond neither prompt limit, the low or the high
    one (``prompted``: 0, 1, 2; when the analyte ``prompts``), as answer_bits counts them."""
    code = _FLAG_ORDER.index(flag) * 3 + _CERTAIN_ORDER.index(certain)
    for grade in grades:
        if grade is not None and not 0 <= grade <= 4:  # pragma: no cover - CTCAE grades 0-4
            raise AssertionError(f"grade {grade} is outside 0-4")
        code = code * 6 + (0 if grade is None else grade + 1)
    answer = ((code * (limits + 1) + place) << newborn) + babies
    return 2 + (answer * 3 + prompted if prompts else answer)


_FLAG_ORDER: tuple[Flag | None, ...] = (None, *get_args(Flag))


_CERTAIN_ORDER: tuple[tuple[str, ...], ...] = ((), ("low",), ("high",))
_PROMPT_ORDER: tuple[tuple[str, ...], ...] = ((), ("low",), ("high",))


_Piece = tuple[
    Flag | None,
    tuple[tuple[str, str], ...],
    tuple[tuple[str, int | None], ...],
    tuple[tuple[str, float], ...],
    tuple[tuple[str, NewbornLimit], ...],
    tuple[tuple[str, str], ...],
]


_NO_PIECE: _Piece = (None, (), (), (), (), ())


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


class TupleIds:
    """Dense ids for tuples of text ids (each below 2**32), kept across chunks: the inputs of a
    derived count. ``members`` holds each id's tuple."""

    def __init__(self, width: int) -> None:
        self._stages = [KeyIndex() for _ in range(max(width - 1, 1))]
        self._members: list[list[tuple[int, ...]]] = [[] for _ in self._stages]

    @property
    def members(self) -> list[tuple[int, ...]]:
        """By id, the tuple of text ids it stands for."""
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


DENSE_PERSON_PAIRS = 1 << 16
"""The most (sex text, age text) pairs the person table holds; past it, pairs are hashed."""


def empty_person_table() -> np.ndarray:
    """A person table that holds no (sex text, age text) pair yet (-2: not yet read)."""
    import numpy as np

    return np.full((0, 0), -2, dtype=np.int64)


def answer_bits(terms: int, limits: int = 0, newborn: int = 0, *, prompts: bool = False) -> int:
    """Bits that hold every answer id of an analyte with ``terms`` graded terms, ``limits``
    critical limits and ``newborn`` newborn limits: the two fixed ids, then each flag (or none)
    x certainly low, certainly high or neither x each term's grade (none, 0-4) x the limit
    crossed (none or one) x each set of newborn limits (x beyond neither prompt limit, the low
    or the high one, when the analyte ``prompts``)."""
    answers = (len(get_args(Flag)) + 1) * 3 * 6**terms * (limits + 1) << newborn
    answers *= 3 if prompts else 1
    return int(2 + answers - 1).bit_length()


class _Pool:
    """Dense ids for distinct values (texts, keys), each value kept once however many outcomes
    share it; id 0 is b"". ``values`` holds them by id, for numpy to gather by id array."""

    def __init__(self) -> None:
        import numpy as np

        self._ids: dict[Any, int] = {b"": 0}
        self.values = np.empty(64, dtype=object)
        self.values[0] = b""
        self.lengths = np.zeros(64, dtype=np.int64)
        """By id: the value's length, when it is bytes (0 else)."""

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self, items: list[Any]) -> list[int]:
        """The id of each item, new ones added."""
        known = self._ids
        out = []
        for item in items:
            i = known.get(item)
            if i is None:
                i = known[item] = len(known)
                if i == len(self.values):
                    self.values = _grown(self.values, 2 * i)
                    self.lengths = _grown(self.lengths, 2 * i)
                self.values[i] = item
                self.lengths[i] = len(item) if isinstance(item, bytes) else 0
            out.append(i)
        return out


def _grown(old: np.ndarray, size: int) -> np.ndarray:
    """``old`` in a longer array (along its first axis) of ``size`` rows, the rest empty (None
    or zeros)."""
    import numpy as np

    shape = (size, *old.shape[1:])
    grown = np.empty(shape, dtype=old.dtype) if old.dtype == object else np.zeros(shape, old.dtype)
    grown[: len(old)] = old
    return grown


class Outcomes:
    """By outcome id: the bytes written after such a row (line end included), the index of
    its urgency in URGENCY_ORDER, whether the scalar path takes it instead, and what the sink
    makes of it (``extra``: a brief record's pieces, or the summary's (finding, grade) keys).

    A run meets new combinations of answers as long as it reads (ever rarer ones: 6,700 in the
    first million rows of the benchmark export, more in each million after), so what each
    holds is kept small: its tail and each item of its extra as ids into one pool of distinct
    values (a brief record's pieces recur across combinations: 47,000 pieces at 1M rows, 1,100
    distinct), in numpy arrays grown by doubling, so that adding a few outcomes per chunk does
    not copy them all."""

    def __init__(self) -> None:
        import numpy as np

        self.count = 0
        self.pool = _Pool()
        self.tail_ids = np.zeros(64, dtype=np.int32)
        self.urgency = np.zeros(64, dtype=np.int8)
        self.slow = np.zeros(64, dtype=bool)
        self.extra_ids = np.zeros((64, 0), dtype=np.int32)
        """By outcome id: the pool ids of its extra's items, 0 past its length."""
        self.extra_len = np.zeros(64, dtype=np.int16)
        self.verdicts: list[Any] = []
        """By id: the engine's verdict (see Verdict), None for the scalar path."""
        self._shared: dict[Any, Any] = {}
        """Each distinct flags dict, grades dict and decision the verdicts hold, kept once."""

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
        if end > len(self.urgency):
            size = max(end, 2 * len(self.urgency))
            for name in ("tail_ids", "urgency", "slow", "extra_ids", "extra_len"):
                setattr(self, name, _grown(getattr(self, name), size))
        pool = self.pool
        self.tail_ids[start:end] = pool.ids(tails)
        self.urgency[start:end] = urgency
        self.slow[start:end] = slow
        self.verdicts.extend(map(self._share, verdicts))
        if extra is not None:
            width = max(map(len, extra), default=0)
            if width > self.extra_ids.shape[1]:
                wider = np.zeros((len(self.extra_ids), width), dtype=np.int32)
                wider[:, : self.extra_ids.shape[1]] = self.extra_ids
                self.extra_ids = wider
            for i, item in enumerate(extra, start):
                self.extra_ids[i, : len(item)] = pool.ids(list(item))
                self.extra_len[i] = len(item)
        self.count = end
        return np.arange(start, end)

    def _share(self, verdict: Verdict | None) -> Verdict | None:
        """The verdict with its flags, grades and decision each the one kept for all verdicts
        that hold the same: combinations differ in a few answers, so thousands of verdicts
        share a few hundred of each (the long layout keeps them all, and memory must stay
        flat as a run meets more)."""
        if verdict is None:
            return None
        flags, grades, decision = verdict
        shared = self._shared
        return (
            shared.setdefault(("flags", *flags.items()), flags),
            shared.setdefault(("grades", *grades.items()), grades),
            shared.setdefault(decision, decision),
        )

    def tails(self, ids: np.ndarray) -> np.ndarray:
        """The tail of each outcome of ``ids`` (an object array of bytes)."""
        return self.pool.values.take(self.tail_ids.take(ids))

    def tail(self, i: int) -> bytes:
        """One outcome's tail."""
        tail: bytes = self.pool.values[self.tail_ids[i]]
        return tail

    def extra_of(self, i: int) -> tuple[Any, ...]:
        """What the sink makes of one outcome (see extend), as it was given."""
        values = self.pool.values
        return tuple(values[j] for j in self.extra_ids[i, : self.extra_len[i]].tolist())

    def pieces(self, ids: np.ndarray, width: int) -> np.ndarray:
        """The pool ids of the first ``width`` items of each outcome's extra (0, b"", past its
        length), a row each: gather them with ``pool.values``."""
        import numpy as np

        have = min(width, self.extra_ids.shape[1])
        rows = np.zeros((len(ids), width), dtype=np.int32)
        rows[:, :have] = self.extra_ids[:, :have].take(ids, axis=0)
        return rows


class KeyList:
    """A growing list of 64-bit keys in a numpy array (8 bytes each, not a Python int's 40)."""

    def __init__(self) -> None:
        import numpy as np

        self._count = 0
        self._keys = np.zeros(64, dtype=np.uint64)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self._count:
            raise IndexError(i)
        return int(self._keys[i])

    def extend(self, keys: Iterable[int]) -> None:
        """Add keys at the end."""
        import numpy as np

        more = np.fromiter(keys, dtype=np.uint64)
        end = self._count + len(more)
        if end > len(self._keys):
            self._keys = _grown(self._keys, max(end, 2 * len(self._keys)))
        self._keys[self._count : end] = more
        self._count = end


NO_VALUES: list[Quantity | int] = [ABSENT_ANSWER]
"""The values of an analyte no row has: id 0, no value."""


Verdict = tuple[dict[str, Flag | None], dict[str, int | None], Decision]
"""What engine.decide was given and gave for one combination of answers: each analyte's flag,
each graded term's grade (in the engine's order), and the decision."""


LearnedCombination = tuple[int, bytes, int, bool, Any, Any]
"""One combination of answers as one process tells the others: its key (see _key), and its
outcome's tail, urgency index, whether the scalar path takes it, verdict and sink extra."""
