"""The splitting stage: a chunk's lines made LF-ended and, when the columnar rules can take it
(one row per line, UTF-8, no blank row, no field past the limit), the id of each row's text in
each column read (cbc_cli.splitter) and the rows with a formula-looking field; any other chunk
is left whole for the row reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from cbc_cli.brief import dumps
from cbc_cli.splitter import Fields
from cbc_cli.writers.csv_writer import (
    FORMULA_START,
)

if TYPE_CHECKING:
    import numpy as np


from cbc_cli.columnar.reading import Reading

# Sample-id bytes written inside JSON quotes as they are: printable ASCII but quote and
# backslash (no space either, so that stripping changes nothing).
_PLAIN_ID = bytes(range(0x21, 0x7F)).replace(b'"', b"").replace(b"\\", b"")


_FORMULA_BYTES = "".join(FORMULA_START).encode()


@dataclass
class SplitChunk:
    """A chunk as the splitting stage leaves it."""

    normal: bytes
    """The chunk's lines, each ending in LF, when the scalar reader takes it (else empty)."""
    first_line: int
    lines: Sequence[bytes] | None = None
    """The lines without their LF (a list, or ChunkLines for a sink that writes none of them);
    None when the scalar reader takes the whole chunk."""
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


class Cells(Reading):
    """The splitting stage of a columnar run (see cbc_cli.columnar)."""

    def _split_chunk(self, body: bytes, first_line: int) -> SplitChunk:
        """The splitting stage: line ends made LF, then, for a chunk the columnar rules can
        take, its lines, the text id of each row's cell in each column read, and the rows with a
        formula-looking field; any other chunk is left whole for the scalar reader. Writes only
        the vocabularies (the rules never do)."""
        if not body.endswith((b"\n", b"\r")):
            return SplitChunk(b"", first_line, long=body)  # a line past the limit
        normal = body.replace(b"\r\n", b"\n") if b"\r" in body else body
        if b"\r" in normal:
            normal = normal.replace(b"\r", b"\n")
            return SplitChunk(normal, first_line)
        if b"\x00" in normal:
            return SplitChunk(normal, first_line)  # bytes to refuse
        from cbc_cli.splitter import split

        fields = split(normal, self.fast.raw_width, self.delim)
        if fields is None:  # not one row per line
            return SplitChunk(normal, first_line)
        if (fields.data >= 0x80).any() and not is_utf8(normal):
            return SplitChunk(normal, first_line)  # Latin-1 lines: decoded one by one
        if has_blank_rows(fields, self.delim):
            # A row of empty fields: the csv reader skips it as blank.
            return SplitChunk(normal, first_line)
        if len(normal) > self.limits.field and has_field_longer(fields, self.limits.field):
            return SplitChunk(normal, first_line)  # the scalar reader makes such rows error rows
        lines: Sequence[bytes]
        if self.sink in ("summary", "brief"):
            # These write no input line: only the rows the scalar path takes are read, cut from
            # the chunk when asked for. A bytes object for every line was a fifth of the
            # splitting stage's work.
            lines = ChunkLines(normal, fields.start(0), fields.end(fields.ends.shape[0] - 1))
        else:
            lines = normal.split(b"\n")
            lines.pop()  # the chunk ends with a line end
        ids = {c: self.vocabulary(c).encode(fields, c) for c in self._text_columns}
        known = {c: len(self.vocabulary(c).texts) for c in self._text_columns}
        # A field starting with = + - @ TAB or CR may be made inert: the scalar path decides
        # exactly (numbers are left alone), so such rows go there.
        formula = formula_rows(fields, self.delim) if self.formula_guard else None
        column = self.fast.tab.columns.context.get("sample_id")
        sample_ids = None
        if self.sink in ("brief", "ndjson") and column is not None:
            starts, ends = fields.start(column).tolist(), fields.end(column).tolist()
            sample_ids = _json_ids([normal[a:b] for a, b in zip(starts, ends, strict=True)])
        # The lines are all the rules need of the bytes: the chunk is kept only as ChunkLines.
        return SplitChunk(b"", first_line, lines, ids, known, formula, sample_ids=sample_ids)


class ChunkLines(Sequence[bytes]):
    """A regular chunk's lines without their LF, each cut from the chunk when it is read (the
    same bytes as ``body.split(b"\\n")`` gives, without a bytes object for every line)."""

    def __init__(self, body: bytes, starts: np.ndarray, ends: np.ndarray) -> None:
        self._body, self._starts, self._ends = body, starts, ends

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> bytes: ...

    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._body[int(self._starts[i]) : int(self._ends[i])]

    def __iter__(self) -> Iterator[bytes]:
        starts, ends = self._starts.tolist(), self._ends.tolist()
        return (self._body[a:b] for a, b in zip(starts, ends, strict=True))


def _json_ids(raws: list[bytes]) -> list[bytes]:
    """Sample id fields (UTF-8) as the brief record writes them: stripped, in JSON quotes; null
    for an empty field."""
    if all(raws) and not b"".join(raws).translate(None, _PLAIN_ID):
        return [b'"' + raw + b'"' for raw in raws]  # the usual case: nothing to escape or strip
    return [dumps(raw.decode("utf-8").strip() if raw else None).encode("utf-8") for raw in raws]


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` decodes as UTF-8 (else the row reader takes it, as Latin-1)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def has_blank_rows(fields: Fields, delimiter: str) -> bool:
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


def formula_rows(fields: Fields, delimiter: str) -> np.ndarray:
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


def has_field_longer(fields: Fields, limit: int) -> bool:
    """Whether a field of a regular chunk is longer than ``limit``."""
    import numpy as np

    # A field is no longer than its line: the lines are looked at first (a row each).
    lines = np.diff(fields.ends[-1].astype(np.int64), prepend=-1) - 1
    if int(lines.max(initial=0)) <= limit:
        return False
    marks = fields.ends.T.ravel().astype(np.int64)  # each field's end, in the chunk's order
    return int((np.diff(marks, prepend=-1) - 1).max(initial=0)) > limit
