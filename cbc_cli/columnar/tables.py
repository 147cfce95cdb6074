"""The answer tables a run keeps across chunks: each analyte's answers from the engine and the
classes of persons they are asked for (_Judged), the grids of answer ids by value and class
(_Grid), ids for the tuples of texts a count is derived from (_Tuples), and each combination's
outcome (_Outcomes), and an answer's id worked out from the answer itself (_answer_id). No
rule is here: every answer is the engine's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_args

from cbc_cli.engine import (
    Basis,
    Decision,
    judge_value,
)
from cbc_cli.models import Flag
from cbc_cli.splitter import KeyIndex
from cbc_cli.units import Quantity

if TYPE_CHECKING:
    import numpy as np


_ABSENT, _SCALAR = 0, 1
"""Answer ids every analyte has (see _Judged): no value, and a value only the scalar path reads."""


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
        self.pieces: dict[int, _Piece] = {_ABSENT: _NO_PIECE, _SCALAR: _NO_PIECE}
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
        if judged.critical_some_ages:
            # No age given and critical for some ages only: the row path writes the note that
            # asks for the age with the value (engine.decide, rule 5); such values are few.
            return _SCALAR
        by_term = dict(judged.grades)
        grades = tuple(by_term[c].grade for c in self.graded)
        known = _answer_id(judged.flag, judged.certain, grades)
        if known >> self.bits:  # pragma: no cover - the bits are counted from the answers
            raise AssertionError(f"more answers for {self.analyte} than its key bits hold")
        if known not in self.pieces:
            pairs = tuple((self.analyte, d) for d in judged.certain)
            self.pieces[known] = (judged.flag, pairs, tuple(zip(self.graded, grades, strict=True)))
        return known


def _answer_id(flag: Flag | None, certain: tuple[str, ...], grades: tuple[int | None, ...]) -> int:
    """An answer's id, worked out from the answer itself (so that every process gives an
    answer the same id, and a row's key means the same in each): the two fixed ids, then one
    for each flag (or none) x certainly low, certainly high or neither x each term's grade
    (none, 0-4), as _answer_bits counts them."""
    code = _FLAG_ORDER.index(flag) * 3 + _CERTAIN_ORDER.index(certain)
    for grade in grades:
        if grade is not None and not 0 <= grade <= 4:  # pragma: no cover - CTCAE grades 0-4
            raise AssertionError(f"grade {grade} is outside 0-4")
        code = code * 6 + (0 if grade is None else grade + 1)
    return 2 + code


_FLAG_ORDER: tuple[Flag | None, ...] = (None, *get_args(Flag))


_CERTAIN_ORDER: tuple[tuple[str, ...], ...] = ((), ("low",), ("high",))


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


_NO_VALUES: list[Quantity | int] = [_ABSENT]
"""The values of an analyte no row has: id 0, no value."""


Verdict = tuple[dict[str, Flag | None], dict[str, int | None], Decision]
"""What engine.decide was given and gave for one combination of answers: each analyte's flag,
each graded term's grade (in the engine's order), and the decision."""


_Learned = tuple[int, bytes, int, bool, Any, Any]
"""One combination of answers as one process tells the others: its key (see _key), and its
outcome's tail, urgency index, whether the scalar path takes it, verdict and sink extra."""
