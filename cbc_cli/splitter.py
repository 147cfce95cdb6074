"""Splitting strictly regular CSV chunks with numpy: every line with the same number of fields
and no quote character anywhere. Any other chunk is left to Python's csv module by the caller.

In such a chunk each delimiter or line feed ends exactly one field, so field boundaries are the
positions of those bytes. Distinct field texts are found by packing each field's bytes into
integers (fields hold no NUL byte: binary input is refused before) and sorting those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Fields:
    """Field boundaries of a regular chunk: field j of row i is ``body[start[i, j]:end[i, j]]``."""

    body: bytes
    data: np.ndarray
    start: np.ndarray
    end: np.ndarray
    loads: np.ndarray
    """A uint64 view with a stride of one byte: element k is the 8 bytes starting at byte k."""

    @property
    def rows(self) -> int:
        """Number of rows (lines) in the chunk."""
        return int(self.start.shape[0])


def split(body: bytes, width: int, delimiter: str) -> Fields | None:
    """Field boundaries of ``body`` (lines ending in LF), or None when it is not regular."""
    import numpy as np

    if b'"' in body or not body.endswith(b"\n"):
        return None
    data = np.frombuffer(body, dtype=np.uint8)
    marks = np.flatnonzero((data == 10) | (data == ord(delimiter)))
    if len(marks) % width:
        return None
    ends = marks.reshape(-1, width)
    # Regular means each line holds exactly width - 1 delimiters: every group of width marks
    # ends with the line feed and has none before it.
    kinds = data[ends]
    if not (kinds[:, -1] == 10).all() or (kinds[:, :-1] == 10).any():
        return None
    start = np.empty_like(ends)
    start[:, 1:] = ends[:, :-1] + 1
    if len(start):
        start[0, 0] = 0
        start[1:, 0] = ends[:-1, -1] + 1
    padded = np.concatenate([data, np.zeros(8, dtype=np.uint8)])
    loads = np.ndarray(shape=(len(data),), dtype="<u8", buffer=padded, strides=(1,))
    return Fields(body, data, start, ends, loads)


_EMPTY = (1 << 64) - 1
_MASK_VALUES = [(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1]


def _masks() -> np.ndarray:
    import numpy as np

    return np.array(_MASK_VALUES, dtype=np.uint64)


def _words(fields: Fields, column: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Each field of the column as one little-endian uint64 (its bytes, zero padded), and the
    field lengths; None when a field is longer than 8 bytes."""

    start = fields.start[:, column]
    length = fields.end[:, column] - start
    if len(length) and int(length.max()) > 8:
        return None
    return fields.loads[start] & _masks()[length], length


class KeyIndex:
    """Dense ids for 64-bit keys, kept across chunks.

    Lookup is a multiplicative hash of the key into a table with no collisions among the known
    keys; every hit is checked against the stored key, so a key never seen before is recognised
    as new (and the table rebuilt) rather than mistaken for another. Keys must not be 2**64 - 1
    (the empty slot).
    """

    def __init__(self) -> None:
        import numpy as np

        self._known: dict[int, int] = {}
        self._table_keys = np.full(2, _EMPTY, dtype=np.uint64)
        self._table_ids = np.full(2, -1, dtype=np.int64)
        self._multiplier = np.uint64(0x9E3779B97F4A7C15)
        self._shift = np.uint64(63)

    def __len__(self) -> int:
        return len(self._known)

    def ids(self, keys: np.ndarray, new_id: Callable[[int, int], int]) -> np.ndarray:
        """The id of each key; ``new_id(key, position of its first use)`` names a new key."""
        import numpy as np

        slot = (keys * self._multiplier) >> self._shift
        ids = self._table_ids[slot]
        hit = self._table_keys[slot] == keys
        if not hit.all():
            missing = np.flatnonzero(~hit)
            new, first = np.unique(keys[missing], return_index=True)
            for key, row in zip(new.tolist(), missing[first].tolist(), strict=True):
                self._known[key] = new_id(key, row)
            self._rebuild()
            slot = (keys * self._multiplier) >> self._shift
            ids = self._table_ids[slot]
        return np.asarray(ids, dtype=np.int64)

    def _rebuild(self) -> None:
        import numpy as np

        keys = np.array(list(self._known), dtype=np.uint64)
        ids = np.array(list(self._known.values()), dtype=np.int64)
        bits = max(4, int(len(keys) * 4).bit_length())
        rng = np.random.default_rng(len(keys))
        while True:
            for _ in range(64):
                multiplier = np.uint64(int(rng.integers(1, 2**63)) * 2 + 1)
                shift = np.uint64(64 - bits)
                slots = (keys * multiplier) >> shift
                if len(np.unique(slots)) == len(slots):
                    table_keys = np.full(1 << bits, _EMPTY, dtype=np.uint64)
                    table_ids = np.full(1 << bits, -1, dtype=np.int64)
                    table_keys[slots] = keys
                    table_ids[slots] = ids
                    self._table_keys, self._table_ids = table_keys, table_ids
                    self._multiplier, self._shift = multiplier, shift
                    return
            bits += 1


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

        packed = _words(fields, column)
        if packed is None:
            ends = fields.end[:, column].tolist()
            texts = [
                fields.body[s:e]
                for s, e in zip(fields.start[:, column].tolist(), ends, strict=True)
            ]
            return np.fromiter((self._text_id(t) for t in texts), dtype=np.int64, count=len(texts))
        keys, _ = packed
        start, end = fields.start[:, column], fields.end[:, column]
        return self._index.ids(
            keys, lambda _, row: self._text_id(fields.body[start[row] : end[row]])
        )

    def _text_id(self, raw: bytes) -> int:
        found = self._by_text.get(raw)
        if found is None:
            found = self._by_text[raw] = len(self.texts)
            self.texts.append(raw.decode("utf-8"))
        return found
