"""The row path for parts of a long export that the columnar run does not judge itself: a
sample its rules do not cover exactly, a chunk it cannot split exactly, and the rest of an input
after a sample longer than a few chunks.

Lines are read by the row path's own reader (``readers.tabular``) with the export's header, and
each record is interpreted (``batch.interpret_record``) and written as ``cbc check --format csv``
writes it (``writers.batch_writers.CsvWriter``), so these parts are exactly the row path's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from cbc_cli.batch import BatchStats, count, interpret_record
from cbc_cli.columnar.state import RunInputs
from cbc_cli.long_index import SampleRecorder
from cbc_cli.readers.records import Record
from cbc_cli.readers.tabular import SeenSamples, Tabular, long_record, read_tabular
from cbc_cli.writers.batch_writers import CsvWriter


class RowPath:
    """Reads lines of a long export as the row path does, and writes its records' output lines
    into a buffer taken with :meth:`take`."""

    def __init__(self, given: RunInputs) -> None:
        """The row path of the run ``given`` (its plan, ranges, scheme, person, options)."""
        fast = self.fast = given.fast
        self.ranges, self.scheme, self.context = given.ranges, given.scheme, given.context
        self.columns, self.units, self.limits = given.columns, given.units, given.limits
        self.delim = fast.tab.delimiter
        self.written = 0
        """Records written so far."""
        self._buffer = io.StringIO()
        self._writer = CsvWriter(
            self._buffer,
            fast.tab.header,
            [],
            self.scheme,
            long=True,
            formula_guard=given.formula_guard,
            delimiter=self.delim,
        )
        self.take()  # the header: the caller writes it

    def read(
        self, first_line: int, texts: list[str]
    ) -> tuple[list[Record], SampleRecorder, Tabular]:
        """The records of these lines (``first_line`` is the first's number), the samples' keys
        by their first line, and the reader (its blank rows and notes)."""
        recorder = SampleRecorder()
        tab = self.reader(first_line, iter(texts), recorder)
        records = list(tab.records)
        return records, recorder, tab

    def reader(self, first_line: int, texts: Iterator[str], seen: SeenSamples) -> Tabular:
        """A reader of these lines (``first_line`` is the first's number) with the export's
        header; for all the lines left, one reader, so that a long sample is read whole.
        ``seen``: the run's index of the samples that came before, or a recorder of these."""
        return read_tabular(
            _chain(self.fast.header_text + "\n", texts),
            delimiter=self.delim,
            column_options=self.columns,
            unit_options=self.units,
            first_line=first_line - 1,
            limits=self.limits,
            seen=seen,
        )

    def write(self, record: Record, stats: BatchStats) -> None:
        """Interpret one record, count it into ``stats`` and write its lines to the buffer."""
        self.written += 1
        result = interpret_record(record, self.ranges, self.scheme, self.context)
        count(stats, result)
        self._writer.write(record, result)

    def take(self) -> bytes:
        """The lines written since the last take, as UTF-8."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")

    def sample(self, lines: list[bytes], first_line: int, stats: BatchStats) -> bytes:
        """The output lines of one sample's lines (regular: split at the delimiter)."""
        group = [
            (first_line + i, raw.decode("utf-8").split(self.delim)) for i, raw in enumerate(lines)
        ]
        self.write(long_record(group, self.fast.tab, {}), stats)
        return self.take()


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
