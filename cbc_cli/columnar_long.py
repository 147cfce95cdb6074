"""Columnar evaluation of long CSV exports (a row per result, as LIS exports are) written as CSV:
the run.

The plan (which exports it covers) is ``cbc_cli.columnar.plan`` with ``long=True``. The row
path groups consecutive rows of one sample (the same ``sample_id`` and ``collected_at``) into a
record and interprets it; this run does the same over whole chunks:

- the reader's chunks are split into fields and samples (cbc_cli.long_samples); the last sample
  of a chunk is held back and read again with the next chunk, where it may go on;
- each sample is judged by the columnar rules (cbc_cli.long_rules), or by the row path in its
  place where they do not cover it exactly, and so is every chunk that does not split one row
  per line (quotes, blank lines, CR line ends, Latin-1) and every sample longer than a few
  chunks;
- the samples seen are remembered for the row path's note on a sample whose rows are not
  together (cbc_cli.long_index: they cost no memory while they come in order).

Parts of whole samples are judged side by side by forked workers (cbc_cli.workers) and this
process; this process cuts the input between samples, says the notes and writes, in input order.
The input lines are copied to the output byte for byte, each followed by its own flag and its
sample's columns. A property test checks that this run and the row path write identical CSV.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cbc_cli.batch import BatchStats, merge
from cbc_cli.columnar.reading import line_count
from cbc_cli.columnar.state import RunInputs
from cbc_cli.long_index import SampleKeys, SplitNotes, sample_keys
from cbc_cli.long_rowpath import RowPath
from cbc_cli.long_rules import LongRules
from cbc_cli.long_samples import last_sample_start, plain, plain_lines, regular_samples
from cbc_cli.readers.source import decode_line, long_line
from cbc_cli.readers.tabular import blank_note

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.splitter import Fields
    from cbc_cli.workers import Worker

__all__ = ["CARRY_CHUNKS", "LongColumnarCsv"]

CARRY_CHUNKS = 8
"""A sample whose rows fill this many chunks sends the rest of the input row by row (its rows
would otherwise be split again with every chunk)."""


@dataclass
class _Piece:
    """What a worker sends back with a part's output lines."""

    stats: BatchStats
    keys: SampleKeys | None
    regular: bool
    by_row: int
    """Records the row path wrote for the part (see LongColumnarCsv.by_row)."""


class LongColumnarCsv(RunInputs):
    """Runs a planned long export chunk by chunk, writing CSV and counting into ``stats``
    (its inputs: :class:`cbc_cli.columnar.state.RunInputs`, keyword arguments only)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.ctx = self.fast.tab.columns.context
        self._keys = [self.ctx[k] for k in ("sample_id", "collected_at") if k in self.ctx]
        self._rules = LongRules(self)
        self._raw: Any = None
        self._writing: Any = None
        self._waiting: deque[tuple[Any, int]] = deque()
        self._pool: list[Worker[_Piece]] = []
        self._free: list[Worker[_Piece]] = []
        self._busy: deque[
            tuple[Worker[_Piece] | None, int, bytes, bool, tuple[bytes, _Piece] | None]
        ] = deque()
        self._split = SplitNotes(self.notes)
        self._carry: list[bytes] = []
        self._carry_line = 0
        self._blank_rows = 0
        self._row = RowPath(self)
        self._by_row_parts = 0

    @property
    def by_row(self) -> int:
        """How many records (samples, or rows that cannot be read) the row path wrote in place
        of the columnar rules: the samples they do not cover exactly, and those of the parts of
        the input they do not read (in whichever process judged them)."""
        return self._row.written + self._by_row_parts

    # -- the run ------------------------------------------------------------------------------

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Read the whole input after the header (the caller has written the output header) and
        write each sample's output lines, in input order.

        With ``jobs`` > 1 (and a platform that forks), parts of whole samples are judged by
        forked workers (cbc_cli.workers), this process reading, cutting and writing; a part the
        splitter cannot read exactly, and any chunk with quotes, CR line ends, or bytes past
        ASCII, is read here, in its place."""
        from cbc_cli import workers

        self._raw = getattr(self.out, "buffer", None)
        if self._raw is not None:
            self.out.flush()  # the header, written as text
        try:
            self._run(progress)
        finally:
            if self._writing is not None:
                self._writing.shutdown(wait=True)  # the chunks before a failure are written
            for future, line in self._waiting:
                if future.exception() is not None:
                    break
                self.written_through = line
            self._waiting = deque()
            workers.stop(self._pool)
            self._split.seen.close()

    def _start(self) -> None:
        """After the first chunk (so that they start with its caches): fork the workers, then
        start the thread that writes (a fork copies only the calling thread)."""
        from concurrent.futures import ThreadPoolExecutor

        from cbc_cli import workers

        if self.jobs > 1 and workers.available():
            with contextlib.suppress(OSError):  # no fork to be had: this process judges all
                # This process judges a part too, while the workers judge theirs.
                self._pool = workers.start(self.jobs - 1, self._piece)
                self._free = list(self._pool)
        if self._raw is not None:
            # A second thread writes each part's lines (the write lets go of the interpreter
            # lock) while this one goes on: at most two parts wait.
            self._writing = ThreadPoolExecutor(1, thread_name_prefix="cbc-write")

    def _run(self, progress: Callable[[int], None] | None) -> None:
        chunks = self._rules.chunks()
        line = self.fast.header_line + 1
        body = next(chunks, None)
        started = False
        while body is not None:
            try:
                after = next(chunks, None)
            except Exception:
                # The input ends in an error (a damaged gzip): what was read before it is written
                # first, as the row path writes the samples it finished before the error.
                self._settle()
                self._chunk(line, body, final=False)
                raise
            ends = body.endswith((b"\n", b"\r"))
            final = after is None
            if self._pool and plain(body) and (not self._carry or plain_lines(self._carry)):
                self._dispatch(line, body, final)
            else:
                self._settle()
                self._chunk(line, body, final=final)
            if not started:
                started = True
                self._start()
            line += line_count(body) if ends else 1
            if progress is not None:
                progress(self.stats.samples)
            if self._carry and sum(map(len, self._carry)) > CARRY_CHUNKS * _chunk_bytes():
                self._settle()
                self._row_by_row(after, chunks)
                break
            body = after
        self._settle()
        if self._blank_rows:
            self.notes.append(blank_note(self._blank_rows))
        self.notes.extend(self._split.tail)

    # -- parts judged by workers -------------------------------------------------------------

    def _dispatch(self, first_line: int, body: bytes, final: bool) -> None:
        """Send the whole samples of the held-back lines and ``body`` to a worker; hold back
        the last sample, unless ``final``."""
        data = b"\n".join([*self._carry, body]) if self._carry else body
        start = self._carry_line if self._carry else first_line
        cut = len(data) if final else last_sample_start(data, self.delim, self._keys)
        self._carry = data[cut:].split(b"\n")[:-1] if cut < len(data) else []
        self._carry_line = start + data.count(b"\n", 0, cut)
        if cut == 0:
            return  # one sample so far: it may go on in the next chunk
        piece = data[:cut] if cut < len(data) else data
        if self._free:
            worker = self._free.pop()
            worker.send(start, piece)
            self._busy.append((worker, start, piece, final, None))
            return
        # Every worker has a part: this process judges this one meanwhile, then takes them all.
        saved, self.stats = self.stats, BatchStats()
        try:
            judged = self._piece(start, piece)
        finally:
            self.stats = saved
        self._busy.append((None, start, piece, final, judged))
        self._settle()

    def _absorb(self) -> None:
        """Take the oldest part's answer: its notes in order, its lines written."""
        worker, start, piece, final, judged = self._busy.popleft()
        if worker is None:
            assert judged is not None
            out, tally = judged
        else:
            out, tally = worker.receive()
            self._free.append(worker)
        if not tally.regular:  # read here, in its place
            lines = piece.split(b"\n")
            lines.pop()
            texts = [raw.decode("ascii") + "\n" for raw in lines]
            self._scalar(start, texts, final=True, last=final)
            return
        merge(self.stats, tally.stats)
        self._by_row_parts += tally.by_row
        self._split.samples(tally.keys, final)
        self._write(out, start + piece.count(b"\n") - 1)

    def _settle(self) -> None:
        """Take every part out for judging (before this process reads a chunk itself)."""
        while self._busy:
            self._absorb()

    def _piece(self, first_line: int, piece: bytes) -> tuple[bytes, _Piece]:
        """A part of whole samples judged (in a worker, or here meanwhile); its notes are said
        in order by :meth:`_absorb`."""
        self.stats = BatchStats()
        found = self._regular(piece)
        if found is None:
            return b"", _Piece(self.stats, None, False, 0)
        fields, starts = found
        lines = piece.split(b"\n")
        lines.pop()
        before = self._row.written
        out, keys = self._judge_samples(fields, lines, starts, first_line)
        by_row, self._row.written = self._row.written - before, before  # counted when taken
        return out, _Piece(self.stats, keys, True, by_row)

    # -- one process -------------------------------------------------------------------------

    def _chunk(self, first_line: int, body: bytes, *, final: bool) -> None:
        """One chunk from the reader, after the held-back sample's lines."""
        start = self._carry_line if self._carry else first_line
        if not body.endswith((b"\n", b"\r")):  # a line past the limit: an error row of its own
            texts = [decode_line(raw, self.source) + "\n" for raw in self._carry]
            self._carry = []
            self._scalar(start, [*texts, long_line(body, self.source)], final=True, last=final)
            return
        normal = body.replace(b"\r\n", b"\n") if b"\r" in body else body
        scalar = False
        if b"\r" in normal:
            normal, scalar = normal.replace(b"\r", b"\n"), True
        data = b"\n".join([*self._carry, normal]) if self._carry else normal
        self._carry = []
        if scalar or b"\x00" in data or not self._columnar(start, data, final):
            lines = data.split(b"\n")
            lines.pop()
            texts = [decode_line(raw, self.source) + "\n" for raw in lines]
            self._scalar(start, texts, final=final, last=final, raw=lines)

    def _write(self, data: bytes, last_line: int) -> None:
        if self._writing is None:
            self.out.write(data.decode("utf-8"))
            self.written_through = last_line
            return
        self._waiting.append((self._writing.submit(self._raw.write, data), last_line))
        while len(self._waiting) > 2:
            future, line = self._waiting.popleft()
            future.result()
            self.written_through = line

    # -- the row path, for a part of the input ---------------------------------------------

    def _scalar(
        self,
        first_line: int,
        texts: list[str],
        *,
        final: bool,
        last: bool,
        raw: list[bytes] | None = None,
    ) -> None:
        """The row path's output for these lines. Unless ``final``, the last sample is held
        back (``raw`` holds the lines as bytes): the next chunk may go on with it. So are the
        error rows after it: a chunk may end inside a row whose quote opened after a row past the
        line limit, which reads as an error row here but not with the lines after it."""
        records, recorder, read = self._row.read(first_line, texts)
        if not final and raw is not None and records:
            samples = [r.line for r in records if r.line in recorder.keys]
            keep = (samples[-1] if samples else records[-1].line or first_line) - first_line
            if keep <= 0:
                self._carry, self._carry_line = raw, first_line
                return
            self._carry, self._carry_line = raw[keep:], first_line + keep
            records, recorder, read = self._row.read(first_line, texts[:keep])
        for i, record in enumerate(records):
            line = record.line or 0
            self._split.one(recorder.keys.get(line), line, last and i == len(records) - 1)
            self._row.write(record, self.stats)
        # Counted over the whole run, for one note at its end (as the row path says it).
        self._blank_rows += read.blank_rows
        self._write(self._row.take(), first_line + len(texts) - 1)

    def _row_by_row(self, after: bytes | None, chunks: Iterator[bytes]) -> None:
        """The rest of the input by the row path alone (after a sample longer than
        CARRY_CHUNKS chunks): one reader, so that such a sample is read whole."""
        start = self._carry_line

        def lines() -> Iterator[str]:
            for raw in self._carry:
                yield decode_line(raw, self.source) + "\n"
            self._carry = []
            for body in [after, *chunks] if after is not None else chunks:
                if not body.endswith((b"\n", b"\r")):
                    yield long_line(body, self.source)
                    continue
                normal = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
                for raw in normal.split(b"\n")[:-1]:
                    yield decode_line(raw, self.source) + "\n"

        tab = self._row.reader(start, lines(), self._split.seen)
        through = start - 1
        for n, record in enumerate(tab.records, start=1):
            self._row.write(record, self.stats)
            through = max((line for line, _, _ in record.rows), default=record.line or through)
            if n % 1000 == 0:
                self._write(self._row.take(), through)
        self._write(self._row.take(), through)
        after_blank = False
        blank = blank_note(tab.blank_rows)
        self._blank_rows += tab.blank_rows
        for note in tab.notes[tab.header_notes :]:  # the header's were said once
            if tab.blank_rows and note == blank:
                after_blank = True
            else:
                (self._split.tail if after_blank else self.notes).append(note)

    # -- the columnar rules ------------------------------------------------------------------

    def _columnar(self, first_line: int, data: bytes, final: bool) -> bool:
        """Judge a chunk of whole lines (LF ends) by the columnar rules; False when the chunk is
        not one the splitter reads exactly (the row path takes it then)."""
        found = self._regular(data)
        if found is None:
            return False
        fields, starts = found
        lines = data.split(b"\n")
        lines.pop()
        if not final:
            held = int(starts[-1])
            self._carry, self._carry_line = lines[held:], first_line + held
            if held == 0:
                return True  # one sample so far: it may go on in the next chunk
            starts = starts[:-1]
        else:
            held = fields.rows
        out, keys = self._judge_samples(fields, lines[:held], starts, first_line)
        self._split.samples(keys, final)
        self._write(out, first_line + held - 1)
        return True

    def _regular(self, data: bytes) -> tuple[Fields, np.ndarray] | None:
        return regular_samples(data, self.fast.raw_width, self.delim, self.limits, self._keys)

    def _judge_samples(
        self, fields: Fields, lines: list[bytes], starts: np.ndarray, first_line: int
    ) -> tuple[bytes, SampleKeys | None]:
        """The output lines of these samples (``starts``: where each starts in ``lines``), and
        their keys for the notes, which the caller says in order."""
        out = self._rules.samples(fields, lines, starts, first_line, self.stats, self._row_path)
        sample, collected = self.ctx.get("sample_id"), self.ctx.get("collected_at")
        return out, sample_keys(fields, sample, collected, starts, first_line)

    def _row_path(self, lines: list[bytes], first_line: int) -> bytes:
        return self._row.sample(lines, first_line, self.stats)


def _chunk_bytes() -> int:
    from cbc_cli.columnar import sizes

    return sizes.CHUNK_BYTES
