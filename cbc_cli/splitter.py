"""Splitting strictly regular CSV chunks with numpy: every line with the same number of fields
and no quote character anywhere. Any other chunk is left to Python's csv module by the caller.

In such a chunk each delimiter or line feed ends exactly one field, so field boundaries are the
positions of those bytes. Distinct field texts are found by packing each field's bytes into
integers (fields hold no NUL byte: binary input is refused before) and sorting those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Fields:
    """Field boundaries of a regular chunk, column by column: field j of row i is
    ``body[start(j)[i]:end(j)[i]]``."""

    body: bytes
    data: np.ndarray
    ends: np.ndarray
    """(columns, rows): the position of the delimiter or line feed that ends each field."""
    loads: np.ndarray
    """A uint64 view with a stride of one byte: element k is the 8 bytes starting at byte k."""

    @property
    def rows(self) -> int:
        """Number of rows (lines) in the chunk."""
        return int(self.ends.shape[1])

    def start(self, column: int) -> np.ndarray:
        """Where each row's field in ``column`` starts."""
        import numpy as np

        # As numpy's index type: gathers with it are faster than with the stored int32.
        if column:
            return np.asarray(np.add(self.ends[column - 1], 1, dtype=np.intp))
        first = np.empty(self.rows, dtype=np.intp)
        first[:1] = 0
        np.add(self.ends[-1, :-1], 1, out=first[1:])
        return first

    def end(self, column: int) -> np.ndarray:
        """Where each row's field in ``column`` ends (exclusive)."""
        import numpy as np

        return np.asarray(self.ends[column], dtype=np.intp)


def split(body: bytes, width: int, delimiter: str) -> Fields | None:
    """Field boundaries of ``body`` (lines ending in LF), or None when it is not regular."""
    import numpy as np

    if b'"' in body or not body.endswith(b"\n"):
        return None
    data = np.frombuffer(body, dtype=np.uint8)
    line_feed = data == 10
    marks = np.flatnonzero(line_feed | (data == ord(delimiter)))
    if len(marks) % width:
        return None
    if len(body) < 1 << 31:
        marks = marks.astype(np.int32)  # half the memory traffic of every later step
    # Column by column: each column's positions lie together in memory.
    ends = marks.reshape(-1, width).T.copy()
    # Regular means each line holds exactly width - 1 delimiters: every line feed ends a row.
    if np.count_nonzero(line_feed) != ends.shape[1] or not (data[ends[-1]] == 10).all():
        return None
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    loads = np.ndarray(shape=(len(data),), dtype="<u8", buffer=padded, strides=(1,))
    return Fields(body, data, ends, loads)


_EMPTY = (1 << 64) - 1
_MASK_VALUES = [(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1]


_MASK_ARRAY: list[np.ndarray] = []


def word_masks() -> np.ndarray:
    """By length ``k`` (0 to 8 bytes): the uint64 mask that keeps a word's first ``k`` bytes
    (little-endian), so that a field loaded as 8 bytes from its start is cut to its length.
    Made once (it was made at each column of each chunk), and read-only."""
    if not _MASK_ARRAY:
        import numpy as np

        masks = np.array(_MASK_VALUES, dtype=np.uint64)
        masks.flags.writeable = False
        _MASK_ARRAY.append(masks)
    return _MASK_ARRAY[0]


def _words(fields: Fields, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """Each field from ``start`` to ``end`` as one little-endian uint64 (its bytes, zero
    padded); None when a field is longer than 8 bytes."""
    length = end - start
    if len(length) and int(length.max()) > 8:
        return None
    return fields.loads[start] & word_masks().take(length)  # type: ignore[no-any-return]


class KeyIndex:
    """Dense ids for 64-bit keys, kept across chunks: a hash table with linear probing whose
    lookups run over whole arrays of keys.

    Each round looks every unresolved key up at its next slot: a stored equal key gives the id,
    an empty slot says the key is new. New keys are then inserted one by one (there are few:
    the distinct texts of a column, the distinct codes of rows). The table is kept at most a
    sixteenth full while it is small (a column's texts: then nearly every key sits in its home
    slot, and a chunk whose keys all do is looked up in one pass) and a quarter full from
    SPARSE_SLOTS up; its size grows with the number of keys, never with the number of rows.
    Keys must not be 2**64 - 1 (the empty slot).
    """

    _MULTIPLIER = 0x9E3779B97F4A7C15
    SPARSE_SLOTS = 1 << 16
    """Up to this many slots (1 MiB of table) a table is kept a sixteenth full: measured,
    a fifth less time looking up a wide export's columns than a quarter full (1M rows of
    benchmarks/batch.py's export, under line_profiler)."""

    def __init__(self) -> None:
        import numpy as np

        self._count = 0
        self._longest = 0  # the most slots any stored key is away from its home slot
        self._bits = 4
        self._table_keys = np.full(1 << self._bits, _EMPTY, dtype=np.uint64)
        self._table_ids = np.full(1 << self._bits, -1, dtype=np.int64)

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        """The bytes its table holds: it grows with the keys stored, never with lookups."""
        return int(self._table_keys.nbytes + self._table_ids.nbytes)

    def _home(self, keys: np.ndarray) -> np.ndarray:
        import numpy as np

        # As int64 (the values fit): numpy gathers with it twice as fast as with uint64.
        home = (keys * np.uint64(self._MULTIPLIER)) >> np.uint64(64 - self._bits)
        return home.view(np.int64)

    def ids(
        self,
        keys: np.ndarray,
        new_ids: Callable[[np.ndarray, np.ndarray], Sequence[int] | np.ndarray],
    ) -> np.ndarray:
        """The id of each key.

        ``new_ids(keys, rows)`` names the keys not seen before, all at once: it gets them in
        order of first use, each with the position of its first use, and returns their ids.
        """
        import numpy as np

        out, missing = self._find(keys)
        if len(missing):
            new, first = np.unique(keys[missing], return_index=True)
            order = np.argsort(first, kind="stable")
            new, rows = new[order], missing[first[order]]
            self._insert(new, np.asarray(new_ids(new, rows), dtype=np.int64))
            found, _ = self._find(keys[missing])
            out[missing] = found
        return out

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids (-1 where absent) and the positions of the absent keys."""
        import numpy as np

        home = self._home(keys)
        stored = self._table_keys.take(home)
        out = self._table_ids.take(home)
        hit = stored == keys
        if hit.all():  # the usual case: every key is known and sits in its home slot
            return out, np.zeros(0, dtype=np.int64)
        # Only the few keys away from home are looked at further.
        todo = np.flatnonzero(~hit)
        out[todo] = -1
        empty = stored.take(todo) == _EMPTY
        absent = [todo[empty]]
        todo = todo[~empty]
        mask = (1 << self._bits) - 1
        for probe in range(1, self._longest + 1):
            if not len(todo):
                break
            slot = (home[todo] + probe) & mask
            stored = self._table_keys[slot]
            hit = stored == keys[todo]
            out[todo[hit]] = self._table_ids[slot[hit]]
            empty = stored == _EMPTY
            absent.append(todo[empty])
            todo = todo[~hit & ~empty]
        absent.append(todo)  # past the longest probe: not stored
        return out, np.sort(np.concatenate(absent))

    def _insert(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Store new keys (distinct, none stored yet) with their ids."""
        import numpy as np

        if self._crowded(self._count + len(keys)):
            stored = self._table_keys != _EMPTY
            old_keys, old_ids = self._table_keys[stored], self._table_ids[stored]
            while self._crowded(self._count + len(keys)):
                self._bits += 1
            self._table_keys = np.full(1 << self._bits, _EMPTY, dtype=np.uint64)
            self._table_ids = np.full(1 << self._bits, -1, dtype=np.int64)
            self._count, self._longest = 0, 0
            self._place(old_keys, old_ids)
        self._place(keys, ids)

    def _crowded(self, count: int) -> bool:
        """Whether ``count`` keys fill the table past its share (see SPARSE_SLOTS)."""
        slots = 1 << self._bits
        return (16 if slots < self.SPARSE_SLOTS else 4) * count > slots

    def _place(self, keys: np.ndarray, ids: np.ndarray) -> None:
        # Linear probing for all keys at once: each round, every key looks at its current slot;
        # of the keys finding the same slot empty the first takes it, keys that found it taken
        # move on to the next slot, and the others look again.
        import numpy as np

        mask = (1 << self._bits) - 1
        slot = self._home(keys).astype(np.int64)
        moved = np.zeros(len(keys), dtype=np.int64)
        table_keys, table_ids = self._table_keys, self._table_ids
        self._count += len(keys)
        while len(keys):
            free = table_keys[slot] == _EMPTY
            candidates = np.flatnonzero(free)
            _, first = np.unique(slot[candidates], return_index=True)
            won = candidates[first]
            table_keys[slot[won]], table_ids[slot[won]] = keys[won], ids[won]
            if len(won):
                self._longest = max(self._longest, int(moved[won].max()))
            rest = np.ones(len(keys), dtype=bool)
            rest[won] = False
            step = ~free[rest]
            keys, ids, slot, moved = keys[rest], ids[rest], slot[rest], moved[rest]
            slot = (slot + step) & mask
            moved += step


class Vocabulary:
    """The distinct texts of one column, kept across chunks (UTF-8 never holds the byte 0xFF,
    so no packed text is the empty-slot key)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._by_text: dict[bytes, int] = {}
        self._index = KeyIndex()

    def encode(self, fields: Fields, column: int) -> np.ndarray:
        """The index (into ``texts``) of each row's text in this column."""
        import numpy as np

        start, end, body = fields.start(column), fields.end(column), fields.body
        keys = _words(fields, start, end)
        if keys is None:
            texts = [body[s:e] for s, e in zip(start.tolist(), end.tolist(), strict=True)]
            return np.fromiter((self.text_id(t) for t in texts), dtype=np.int64, count=len(texts))
        return self._index.ids(
            keys,
            lambda _, rows: [self.text_id(body[start[r] : end[r]]) for r in rows.tolist()],
        )

    def text_id(self, raw: bytes) -> int:
        """The index of ``raw`` (UTF-8) in ``texts``, added as the next text when new."""
        found = self._by_text.get(raw)
        if found is None:
            found = self._by_text[raw] = len(self.texts)
            self.texts.append(raw.decode("utf-8"))
        return found
