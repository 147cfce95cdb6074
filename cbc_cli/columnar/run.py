"""The run loop: chunks read in this process and judged here (``--jobs 1``) or by forked
workers (cbc_cli.workers), each kept busy with a chunk in hand and the next one queued, which
tell each other the combinations of answers they meet; their answers taken as they come and
written in input order, every chunk before a failure first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, cast

from cbc_cli.batch import (
    merge,
)
from cbc_cli.readers.tabular import blank_note

if TYPE_CHECKING:
    import numpy as np

    from cbc_cli.workers import Worker


from cbc_cli.columnar.reading import line_count
from cbc_cli.columnar.sinks import Sinks
from cbc_cli.columnar.state import ChunkTally
from cbc_cli.columnar.tables import (
    LearnedCombination,
)


@dataclass
class ColumnarCsv(Sinks):
    """Runs a planned input chunk by chunk, counting into ``stats`` and writing what ``sink``
    says: CSV rows (the caller writes the header), brief NDJSON records, or nothing but the
    counts of ``summary`` (then ``first`` holds the first sample's whole result)."""

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Read the whole input after the header (the caller has written the output header) and
        write each chunk's output lines, in input order.

        With ``jobs`` 1 (or where no process can be forked) a plain loop: each chunk split,
        judged and written before the next is read. With more, chunks are judged side by side
        by forked worker processes (cbc_cli.workers), the same scheme as the long layout's.
        Whatever fails, every chunk before the one that failed is written first, as one process
        reading row by row would have.
        """
        from cbc_cli import workers
        from cbc_cli.heap import keep_freed_memory

        keep_freed_memory()

        self._next_line = self.fast.header_line + 1
        self._read_error: Exception | None = None
        # This process reads the input, so that an interrupt or an error here never waits on a
        # read a worker is blocked in (a pipe or a terminal can take any time).
        chunks = self.chunks()
        if self.jobs > 1 and workers.available():
            self._run_shared(chunks, progress)
        else:
            while taken := self._take(chunks, 1):
                self._absorb(*self.judge_chunk(*taken[0]), progress)
        if self._read_error is not None:
            raise self._read_error
        if self._blank_rows:
            self.notes.append(blank_note(self._blank_rows))

    def _take(self, chunks: Iterator[bytes], n: int) -> list[tuple[int, bytes]]:
        """Up to ``n`` more chunks, each with the number of its first line. An error in reading
        ends the input here; it is raised once the chunks before it are written."""
        taken: list[tuple[int, bytes]] = []
        if self._read_error is not None:
            return taken
        try:
            for body in islice(chunks, n):
                taken.append((self._next_line, body))
                self._next_line += line_count(body) if body.endswith((b"\n", b"\r")) else 1
        except Exception as exc:
            self._read_error = exc
        return taken

    def _run_shared(self, chunks: Iterator[bytes], progress: Callable[[int], None] | None) -> None:
        """Every chunk judged by ``jobs`` forked workers, each with its next chunk queued
        (see _answer_as_they_come), while this process reads the input and writes the answers in
        input order (or judges them all here, when the input is one chunk or no worker could be
        forked).

        This process judges no chunk beside the workers: writing every chunk's lines is about a
        third of the work of judging them, so a process that also judged its share held the
        workers up; nor does it judge a first chunk before the fork to warm the workers'
        caches, since they tell each other what they meet (see learn) and that first chunk
        kept them waiting (measured: benchmarks/batch.py, README "Speed and memory")."""

        from cbc_cli import workers

        batch = self._take(chunks, self.jobs)
        pool: list[workers.Worker[ChunkTally]] = []
        if len(batch) > 1:
            # Each worker tells what it met first, for the others to learn (one-word keys only:
            # longer ones are chained by ids of each process's own).
            self._telling, self._told = not self._stages, self._outcomes.count
            # Forked before the progress bar can start its thread: a fork copies only this one.
            with contextlib.suppress(OSError):  # no fork to be had: this process judges all
                pool = workers.start(len(batch), self.judge_chunk, self.learn)
            self._telling = False
        shared = _Sharing(len(pool))
        try:
            if not pool:
                while batch:
                    for chunk in batch:
                        self._absorb(*self.judge_chunk(*chunk), progress)
                    batch = self._take(chunks, self.jobs)
                return
            self._answer_as_they_come(pool, batch, chunks, shared, progress)
        finally:
            workers.stop(pool)

    def _answer_as_they_come(
        self,
        pool: list[Worker[ChunkTally]],
        batch: list[tuple[int, bytes]],
        chunks: Iterator[bytes],
        shared: _Sharing,
        progress: Callable[[int], None] | None,
    ) -> None:
        """Each worker's answer taken as soon as it comes, each worker holding a chunk in hand
        and (room permitting) the next one queued; the answers written in input order.

        Answers come out of order (a chunk of new combinations takes longer): a worker kept
        waiting until the answers before its own were read, or until this process sent its
        next chunk, sat idle for a fifth of the run (measured: README "Speed and memory").

        Neither end ever waits on a buffer the other is not reading. A worker reads its queued
        chunk before it answers it, so a queued chunk waits in the socket's buffer alone, and
        is queued only when it fits there whole (Worker.room); otherwise it is sent once the
        worker's hands are empty. Each answer that is next in input order is written as soon
        as it comes, before more input is read (a pipe can go quiet): at most two answers per
        worker wait here.

        A failure (the worker's error, or a worker that died) takes the place of the chunk it
        struck: every chunk before it is written first, then it is raised; nothing is sent
        after it, nor any answer past it read.
        """
        import pickle
        import selectors
        from collections import deque

        from cbc_cli.workers import WorkerError

        done: dict[int, tuple[bytes, ChunkTally] | Exception] = {}  # chunk place -> its answer
        # Worker pid -> the places of the chunks it holds, in the order it answers them.
        holding: dict[int, deque[int]] = {worker.pid: deque() for worker in pool}
        # Worker pid -> a chunk too large to queue, with its news and place: it is sent once
        # the worker's hands are empty.
        deferred: dict[int, tuple[tuple[int, bytes], list[LearnedCombination] | None, int]] = {}
        written = sent = 0  # sent: the chunks given a place (sent, or deferred)
        failed: int | None = None  # the place of the first chunk that failed

        def give(worker: Worker[ChunkTally]) -> None:
            """Send ``worker`` chunks until it holds two, or the next would not fit queued."""
            nonlocal sent, failed
            places = holding[worker.pid]
            while len(places) < 2:
                if worker.pid in deferred:
                    if places:
                        return  # still too large to queue: it waits for empty hands
                    chunk, news, place = deferred.pop(worker.pid)
                    if failed is not None and place > failed:
                        return
                else:
                    more = self._take(chunks, 1) if failed is None else []
                    if not more:
                        return
                    chunk, news, place = more[0], shared.news(worker.pid), sent
                    sent += 1
                    if places:
                        noted = len(pickle.dumps(news)) if news else 0
                        if len(chunk[1]) + noted > worker.room:
                            deferred[worker.pid] = (chunk, news, place)
                            return
                try:
                    # The worker's news go with it: it learns them before judging.
                    worker.send(*chunk, note=news)
                except WorkerError as exc:
                    done[place], failed = exc, _first(failed, place)
                else:
                    places.append(place)

        def write_ready() -> None:
            """Write the answers that are next in input order; raise a failure that is."""
            nonlocal written
            while written in done:
                answer = done.pop(written)
                if isinstance(answer, Exception):
                    raise answer
                self._absorb(*answer, progress)
                written += 1

        def take(worker: Worker[ChunkTally], *, more: bool) -> None:
            """The answer ``worker`` has begun to send, into ``done``; then, with ``more``,
            its next chunk (which may wait on the input)."""
            nonlocal failed
            places = holding[worker.pid]
            place = places.popleft()
            if failed is not None and place > failed:
                answering.unregister(worker)  # past the failure: never read
                places.clear()
                return
            try:
                data, tally = worker.receive()
            except Exception as exc:
                done[place], failed = exc, _first(failed, place)
                answering.unregister(worker)
                places.clear()
                return
            shared.add(worker.pid, tally)
            done[place] = (data, tally)
            # Written before any more input is read: a read can wait on a quiet pipe,
            # and an interrupt then keeps every answer come so far. The worker is busy
            # meanwhile with the chunk it has queued.
            write_ready()
            if more:
                give(worker)
            if not places:
                answering.unregister(worker)

        with selectors.DefaultSelector() as answering:
            try:
                for worker, chunk in zip(pool, batch, strict=False):
                    worker.send(*chunk)
                    holding[worker.pid].append(sent)
                    sent += 1
                    answering.register(worker, selectors.EVENT_READ)
                for worker in pool:
                    give(worker)
                while True:
                    write_ready()
                    if failed is not None:
                        sent = min(sent, failed + 1)  # the answers past it are not waited for
                    if written == sent:
                        return
                    for key, _ in answering.select():
                        take(cast("Worker[ChunkTally]", key.fileobj), more=True)
            except KeyboardInterrupt:
                # Mostly met while this process waits on a quiet input: answers that came
                # meanwhile are written too (workers ignore the interrupt and finish their
                # answer), so the rows kept are every row judged so far.
                with contextlib.suppress(Exception):
                    while failed is None and (ready := answering.select(timeout=0)):
                        for key, _ in ready:
                            take(cast("Worker[ChunkTally]", key.fileobj), more=False)
                raise

    def judge_chunk(self, first_line: int, body: bytes) -> tuple[bytes, ChunkTally]:
        """One chunk, split and judged: its output lines and what it adds to the run's tally
        (in a worker, with the combinations of answers it met first: see learn)."""
        data, tally = self._process(self._split_chunk(body, first_line))
        if self._telling:
            tally.learned = self._news()
        return data, tally

    def _news(self) -> list[LearnedCombination]:
        """The combinations met since the last call (or learn), as the other processes learn
        them."""
        o, start = self._outcomes, self._told
        self._told = o.count
        return [
            (
                self._combo_keys[i],
                o.tail(i),
                int(o.urgency[i]),
                bool(o.slow[i]),
                o.verdicts[i],
                o.extra_of(i),
            )
            for i in range(start, o.count)
        ]

    def learn(self, learned: list[LearnedCombination]) -> None:
        """Take in combinations of answers another process met (each with the outcome the
        engine gave it there), so that this one never asks engine.decide about them again. A
        row's key is worked out from the engine's answers alone (see _answer_id), so it means
        the same in every process; keys already known here are left as they are."""
        import numpy as np

        if not learned:
            return
        keys = np.array([item[0] for item in learned], dtype=np.uint64)

        def new(_keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
            chosen = [learned[r] for r in rows.tolist()]
            self._combo_keys.extend(item[0] for item in chosen)
            parts = [list(part) for part in zip(*chosen, strict=True)]
            _, tail, urgency, slow, verdict, extra = parts
            return self._outcomes.extend(tail, urgency, np.array(slow, dtype=bool), verdict, extra)

        self._combos.ids(keys, new)
        self._told = self._outcomes.count

    def _absorb(
        self, data: bytes, tally: ChunkTally, progress: Callable[[int], None] | None
    ) -> None:
        """Write a judged chunk's lines and add its tally to the run's."""
        self._write(data)
        self.written_through = tally.last_line
        merge(self.stats, tally.stats)
        if tally.summary is not None:
            self.summary.merge(tally.summary)
        if self.first is None:
            self.first = tally.first
        self.notes.extend(tally.notes)
        self._blank_rows += tally.blank_rows
        warnings = self.source.warnings
        warnings += [w for w in tally.warnings if w not in warnings]
        if progress is not None:
            progress(self.stats.samples)


def _first(failed: int | None, place: int) -> int:
    """The earlier of a failure already met (if any) and one at chunk ``place``."""
    return place if failed is None else min(failed, place)


class _Sharing:
    """The combinations of answers the workers met, for each to learn what the others met
    (ColumnarCsv.learn): engine.decide is then asked about most combinations once in the run,
    not once in each worker."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._met: list[tuple[int, LearnedCombination]] = []
        """Each combination with the worker that told it, in the order told, from the first one
        some worker has not been sent (those before are dropped: they grow with the input)."""
        self._dropped = 0
        """How many were told before the first one in ``_met``."""
        self._keys: set[int] = set()
        """The keys in ``_met``: a worker may tell one another told before it heard of it. One
        dropped is known to every worker (each has been sent it before its next chunk), so no
        worker tells it again."""
        self._heard: dict[int, int] = {}
        """Worker -> how many of the combinations told it has been sent (or told itself)."""

    def add(self, worker: int, tally: ChunkTally) -> None:
        """What ``worker`` met while judging the chunk of ``tally`` (taken off the tally)."""
        for item in tally.learned:
            if item[0] not in self._keys:
                self._keys.add(item[0])
                self._met.append((worker, item))
        tally.learned = []

    def news(self, worker: int) -> list[LearnedCombination] | None:
        """What the other workers met since ``worker`` last heard; None for nothing."""
        start = self._heard.get(worker, 0) - self._dropped
        told = self._dropped + len(self._met)
        self._heard[worker] = told
        news = [item for teller, item in self._met[start:] if teller != worker] or None
        if len(self._heard) == self._workers:
            done = min(self._heard.values()) - self._dropped
            if done:
                self._keys.difference_update(item[0] for _, item in self._met[:done])
                del self._met[:done]
                self._dropped += done
        return news
