"""The samples of a long export seen so far, for the row path's note on a sample whose rows are
not together (``readers.tabular.split_sample_note``): its key, the first line of each.

A sample's key is its (sample id, collection time). :class:`SampleIndex` remembers the first
line of each key for the whole run (flat while keys come in order: see its docstring);
:class:`SampleRecorder` stands in for it while the row path reads a part of the input, so that
the run's index is asked in input order; :func:`sample_keys` gives the keys of a chunk's samples
at once (hashed with numpy from the split fields), as :class:`SampleKeys`; :class:`SplitNotes`
says the notes, in input order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cbc_cli.readers.tabular import split_sample_note

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.splitter import Fields

_M64 = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


class SampleRecorder:
    """A ``SeenSamples`` for one reader of a part of the input: remembers each sample's key by
    its first line and says none came before (the run's index decides, in order)."""

    def __init__(self) -> None:
        self.keys: dict[int, tuple[str, str]] = {}

    def get(self, key: tuple[str, str], /) -> int | None:
        """None: the run's index says which came before, in order."""
        return None

    def setdefault(self, key: tuple[str, str], line: int, /) -> int:
        """Remember the sample that starts at ``line``."""
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
        h = key_hash(*raw)
        found = self._pending.get(h)
        return found if found is not None else self._find_one(h)

    def setdefault(self, key: tuple[str, str], line: int, /) -> int:
        """As ``dict.setdefault``, for the row path's reader."""
        if not key[0]:
            return line
        raw = (key[0].encode("utf-8"), key[1].encode("utf-8"))
        h = key_hash(*raw)
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


def word_hash(data: bytes) -> int:
    """A field's hash, as :func:`field_hashes` computes it for many fields at once."""
    h = (len(data) * _P1) & _M64
    for k in range(0, len(data), 8):
        w = int.from_bytes(data[k : k + 8], "little")
        h = ((h ^ w) * _P2) & _M64
        h ^= h >> 31
    return h


def key_hash(sample: bytes, collected: bytes) -> int:
    """The 64-bit hash of a (sample id, collection time) key, as :func:`key_hashes` gives it for
    many keys at once: :class:`SampleIndex` tells keys apart by it."""
    h = ((word_hash(sample) * _P3) & _M64) ^ word_hash(collected)
    h = (h * _P2) & _M64
    return h ^ (h >> 29)


def field_hashes(fields: Fields | None, column: int | None, rows: np.ndarray) -> np.ndarray:
    """The hash of each of these rows' field in ``column`` (as :func:`word_hash`)."""
    import numpy as np

    if column is None or fields is None:
        return np.full(len(rows), word_hash(b""), dtype=np.uint64)
    from cbc_cli.splitter import word_masks

    start, end = fields.start(column)[rows], fields.end(column)[rows]
    length = end - start
    h = length.astype(np.uint64) * np.uint64(_P1)
    masks = word_masks()
    for k in range(0, int(length.max(initial=0)), 8):
        take = np.clip(length - k, 0, 8)
        w = fields.loads[np.minimum(start + k, end)] & masks.take(take)
        step = length > k
        mixed = (h ^ w) * np.uint64(_P2)
        mixed ^= mixed >> np.uint64(31)
        h = np.where(step, mixed, h)
    return h  # type: ignore[no-any-return]


def key_hashes(sample: np.ndarray, collected: np.ndarray) -> np.ndarray:
    """The key hash of each (sample id hash, collection time hash) pair (as :func:`key_hash`)."""
    import numpy as np

    h = (sample * np.uint64(_P3)) ^ collected
    h = h * np.uint64(_P2)
    return h ^ (h >> np.uint64(29))  # type: ignore[no-any-return]


def compare(fields: Fields, column: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 as row ``a``'s field in ``column`` is before, equal to or after row ``b``'s,
    compared as bytes (as Python compares them, and UTF-8 text by code point)."""
    import numpy as np

    from cbc_cli.splitter import word_masks

    start, end = fields.start(column), fields.end(column)
    sa, ea, sb, eb = start[a], end[a], start[b], end[b]
    la, lb = ea - sa, eb - sb
    out = np.zeros(len(a), dtype=np.int8)
    open_ = np.ones(len(a), dtype=bool)
    masks = word_masks()
    longest = int(max(la.max(initial=0), lb.max(initial=0)))
    for k in range(0, longest, 8):
        # Big-endian words: their order is the order of their bytes (the padding is 0).
        wa = (fields.loads[np.minimum(sa + k, ea)] & masks.take(np.clip(la - k, 0, 8))).byteswap()
        wb = (fields.loads[np.minimum(sb + k, eb)] & masks.take(np.clip(lb - k, 0, 8))).byteswap()
        before, after = open_ & (wa < wb), open_ & (wa > wb)
        out[before], out[after] = -1, 1
        open_ &= ~(before | after)
    return out


def key_bytes(fields: Fields, columns: tuple[int, int | None], row: int) -> tuple[bytes, bytes]:
    """The (sample id, collection time) of one row, as bytes."""
    body = fields.body
    out = []
    for column in columns:
        if column is None:
            out.append(b"")
        else:
            out.append(body[int(fields.start(column)[row]) : int(fields.end(column)[row])])
    return out[0], out[1]


@dataclass
class SampleKeys:
    """The keys of a part's samples with a sample id, in order, for the notes."""

    hashes: Any
    lines: Any
    first: tuple[bytes, bytes]
    last: tuple[bytes, bytes]
    increasing: bool
    ends_last: bool
    """Whether the last of them is the part's last sample."""


def sample_keys(
    fields: Fields,
    sample: int | None,
    collected: int | None,
    starts: np.ndarray,
    first_line: int,
) -> SampleKeys | None:
    """The keys of a chunk's samples that have a sample id (``sample`` and ``collected``: the
    key columns; ``starts``: the row where each sample starts), in order, for
    :meth:`SampleIndex.first_lines`; None when no sample has an id."""
    import numpy as np

    if sample is None:
        return None  # no sample id: no note, and nothing to remember
    named = np.flatnonzero(fields.end(sample)[starts] > fields.start(sample)[starts])
    if not len(named):
        return None
    rows = starts[named]
    hashes = key_hashes(field_hashes(fields, sample, rows), field_hashes(fields, collected, rows))
    order = compare(fields, sample, rows[:-1], rows[1:])
    if collected is not None:
        order = np.where(order == 0, compare(fields, collected, rows[:-1], rows[1:]), order)
    return SampleKeys(
        hashes,
        rows.astype(np.int64) + first_line,
        key_bytes(fields, (sample, collected), int(rows[0])),
        key_bytes(fields, (sample, collected), int(rows[-1])),
        bool((order < 0).all()),
        bool(named[-1] == len(starts) - 1),
    )


@dataclass
class SplitNotes:
    """The row path's notes on samples whose key came before (their rows are not together),
    said in input order into ``notes``; ``tail`` holds those on the input's last sample, which
    the row path's reader says after the blank rows it skipped."""

    notes: list[str]
    tail: list[str] = field(default_factory=list)
    seen: SampleIndex = field(default_factory=SampleIndex)

    def one(self, key: tuple[str, str] | None, line: int, last: bool) -> None:
        """The note for one sample the row path read (``key`` None: an error row, no note)."""
        if key is None or not key[0]:
            return
        earlier = self.seen.get(key)
        if earlier is not None:
            (self.tail if last else self.notes).append(split_sample_note(line, earlier))
        self.seen.setdefault(key, line)

    def samples(self, keys: SampleKeys | None, last: bool) -> None:
        """The notes for a chunk's samples (``last``: they end the input)."""
        import numpy as np

        if keys is None:
            return
        earlier = self.seen.first_lines(
            keys.hashes, keys.lines, keys.first, keys.last, keys.increasing
        )
        for k in np.flatnonzero(earlier > 0).tolist():
            note = split_sample_note(int(keys.lines[k]), int(earlier[k]))
            final = last and keys.ends_last and k == len(earlier) - 1
            (self.tail if final else self.notes).append(note)
