"""Reading a columnar run's input: the bytes after the header, cut into chunks of whole lines
(about CHUNK_BYTES each), a row whose quoted field holds a line break kept whole, and a line
past ``Limits.line`` cut where the row reader cuts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cbc_cli.columnar.state import RunState
from cbc_cli.readers.source import first_bytes

if TYPE_CHECKING:
    from typing import BinaryIO


class Reading(RunState):
    """The reading stage of a columnar run (see cbc_cli.columnar)."""

    def chunks(self) -> Iterator[bytes]:
        """This run's input after the header, in chunks (see read_chunks); a brief NDJSON run
        reads smaller ones (a brief record is about 18 times its input line: smaller chunks
        keep what a process holds of the output near the CSV path's)."""
        from cbc_cli.columnar import sizes  # read at each run (tests set them)

        whole = sizes.CHUNK_BYTES
        size = max(1, whole // sizes.BRIEF_SHARE) if self.sink == "brief" else whole
        if self.json_records is not None:  # whole results are larger still (json_sink)
            size = self.json_records.chunk_bytes
        return read_chunks(
            self.source.stream, skip=self.fast.skip_bytes, line_limit=self.limits.line, size=size
        )


def read_chunks(stream: BinaryIO, *, skip: int, line_limit: int, size: int) -> Iterator[bytes]:
    """Whole lines of ``stream`` after its first ``skip`` bytes, about ``size`` bytes at a time
    (the first chunks smaller: see _RAMP), each chunk ending in a line end; a line past
    ``line_limit`` comes as a chunk of its own: its first ``line_limit`` bytes, without a line
    end.

    A row whose quoted field holds a line break (an odd number of quotes before a line end)
    is kept in one chunk, read by the csv module (as every chunk that quotes anything is),
    until it closes or grows past ``line_limit`` characters as the row reader counts them:
    then the row reader ends it exactly where reading row by row does.
    """
    held: list[bytes] = []  # the lines of a row whose quoted field is open
    held_size = 0  # their characters, as the row reader counts them
    for block in _blocks(stream, skip, line_limit, size):
        if not block.endswith((b"\n", b"\r")):  # a line past the limit
            if held:
                yield b"".join(held)
                held, held_size = [], 0
            yield block
            continue
        # A search stops at the first quote (most exports have none): a count reads it all.
        if not held and (b'"' not in block or block.count(b'"') % 2 == 0):
            yield block  # the usual case: no quoted field open where the block ends
            continue
        cut = _outside_quotes(block, bool(held))
        if cut:
            yield b"".join([*held, block[:cut]])
            held, held_size = [], 0
        if cut < len(block):
            held.append(block[cut:])
            held_size += _text_size(block[cut:])
            if held_size > line_limit:
                yield b"".join(held)
                held, held_size = [], 0
    if held:
        yield b"".join(held)


def _blocks(stream: BinaryIO, skip: int, limit: int, chunk_bytes: int) -> Iterator[bytes]:
    """The input after ``skip`` bytes, a read at a time, as blocks of whole lines none longer
    than ``limit``; a line past it as its first ``limit`` bytes alone (no line end), the rest
    skipped as it is read. Holds at most about the limit and one read, and copies each byte a
    bounded number of times: linear however long a line is."""
    stream.read(skip)
    partial: list[bytes] = []  # the start of an unfinished line, in pieces
    held = 0
    skipping = False
    carry = b""  # a final CR may be the first half of a CRLF: it goes with the next read
    ramp = iter(_RAMP)
    while True:
        chunk = stream.read(max(1, chunk_bytes // next(ramp, 1)))
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


_RAMP = (8, 8, 4, 2)
"""The first reads are CHUNK_BYTES divided by these, then whole: the first chunks meet most of
a run's distinct values and combinations of answers, each new one costing far more than a row
already met. Small chunks put each worker's discoveries to the other workers sooner (see
ColumnarCsv.learn), and no worker sits on a whole chunk of them while the others wait for its
answer (measured with benchmarks/batch.py: README "Speed and memory")."""


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


def line_count(body: bytes) -> int:
    """Lines in ``body`` as the readers count them (CRLF, CR and LF each end one line)."""
    if b"\r" not in body:
        import numpy as np

        # numpy counts a byte several times faster than bytes.count.
        return int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == 10))
    return body.count(b"\n") + body.count(b"\r") - body.count(b"\r\n")
