"""Where the samples of a chunk of a long export start and end: a sample is the consecutive rows
with the same key (sample id and collection time), compared byte for byte, as the row path
groups them (``readers.tabular``).

:func:`regular_samples` splits a chunk the columnar rules read exactly (one row per line, no
quotes, no blank rows, no key padded with spaces) and finds each sample's first row;
:func:`last_sample_start` finds where the last sample of a part of plain lines starts, so that
a part cut there holds whole samples; :func:`plain` says whether a chunk is such lines;
:func:`text_ids` gives each row's text in a column as its id in the run's vocabulary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cbc_cli.columnar.cells import has_blank_rows, has_field_longer, is_utf8
from cbc_cli.limits import Limits
from cbc_cli.splitter import Vocabulary, split

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.splitter import Fields


def regular_samples(
    data: bytes, width: int, delimiter: str, limits: Limits, keys: list[int]
) -> tuple[Fields, np.ndarray] | None:
    """The fields of a chunk of whole lines (LF ends) that the columnar rules read exactly
    (``width`` fields a line; ``keys``: the key columns), and the row where each of its samples
    starts; None for any other chunk."""
    import numpy as np

    fields = split(data, width, delimiter)
    if fields is None:
        return None
    if (fields.data >= 0x80).any() and not is_utf8(data):
        return None
    if has_blank_rows(fields, delimiter):
        return None
    if len(data) > limits.field and has_field_longer(fields, limits.field):
        return None
    if any(_padded_at_ends(fields, c) for c in keys):
        return None
    new = np.zeros(fields.rows, dtype=bool)
    new[0] = True
    for c in keys:
        new[1:] |= ~_same_as_previous(fields, c)
    return fields, np.flatnonzero(new)


def last_sample_start(data: bytes, delimiter: str, keys: list[int]) -> int:
    """Where the last sample of ``data`` (plain lines, each ending in LF; ``keys``: the key
    columns) starts: after the last line whose key differs from the last line's (blank lines
    are no rows); 0 when all its rows are one sample."""
    last: tuple[str, ...] | None = None
    end = len(data) - 1  # the line end of the line looked at
    while end > 0:
        begin = data.rfind(b"\n", 0, end) + 1
        cells = data[begin:end].decode("ascii").split(delimiter)
        if any(c.strip() for c in cells):
            key = tuple(cells[i].strip() if i < len(cells) else "" for i in keys)
            if last is None:
                last = key
            elif key != last:
                return end + 1
        if begin == 0:
            break
        end = begin - 1
    return 0


def _same_as_previous(fields: Fields, column: int) -> np.ndarray:
    """Whether each row's field in ``column`` (from the second row) equals the row before's."""
    import numpy as np

    from cbc_cli.splitter import word_masks

    start, end = fields.start(column), fields.end(column)
    length = end - start
    same = length[1:] == length[:-1]
    masks = word_masks()
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


def plain(body: bytes) -> bool:
    """Whether a chunk is lines a worker may take as they are: LF ends, no quote, no NUL, ASCII
    only (so that a line is a row, and the cut between samples is found by splitting lines)."""
    return (
        body.endswith(b"\n")
        and body.isascii()
        and b'"' not in body
        and b"\r" not in body
        and b"\x00" not in body
    )


def plain_lines(lines: list[bytes]) -> bool:
    """Whether each of these lines (without their line ends) is plain (see :func:`plain`)."""
    return all(plain(line + b"\n") for line in lines)


def text_ids(vocabulary: Vocabulary, fields: Fields, column: int) -> np.ndarray:
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
    ids = [vocabulary.text_id(body[start[r] : end[r]]) for r in first.tolist()]
    return np.asarray(ids, dtype=np.int64)[inverse.ravel()]
