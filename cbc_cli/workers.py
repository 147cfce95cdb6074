"""Forked worker processes for the columnar run: chunks out, output bytes and tallies back.

One Python process cannot run the rules on two chunks at once (the interpreter lock serialises
the Python between numpy calls), so a large export is shared out to worker processes. Each is a
fork of the running process, so it starts with the same plan, ranges, criteria and caches and
needs no set-up; each chunk it gets is judged by exactly the code the parent would run on it.

The parent keeps the order: it hands each worker one chunk at a time and reads the results back
in input order. A worker reads chunks from one pipe and answers on another until the parent
closes its pipe (or dies: the worker then sees the end of the pipe and exits). Only Linux forks
here; elsewhere (where fork without exec is unsafe or missing) the caller runs in one process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import BinaryIO

from cbc_cli.errors import CbcError

Work = Callable[[int, bytes], tuple[bytes, object]]
"""A chunk's first line number and bytes -> its output bytes and a picklable tally."""

_CHUNK = struct.Struct("<qq")  # first line, byte count
_ANSWER = struct.Struct("<bqq")  # status, output byte count, tally byte count
_OK, _FAILED = 0, 1
_F_SETPIPE_SZ = 1031  # Linux: a pipe that holds a whole chunk saves a switch per 64 KiB


def available() -> bool:
    """Whether this platform can fork workers safely."""
    return sys.platform == "linux" and hasattr(os, "fork")


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class WorkerError(CbcError):
    """A worker process ended without answering (killed, or out of memory): exit 70."""


class Worker:
    """The parent's end of one worker process."""

    def __init__(self, pid: int, to_worker: BinaryIO, from_worker: BinaryIO) -> None:
        self.pid = pid
        self._to = to_worker
        self._from = from_worker

    def send(self, first_line: int, body: bytes) -> None:
        """Give the worker a chunk to judge."""
        self._to.write(_CHUNK.pack(first_line, len(body)))
        self._to.write(body)
        self._to.flush()

    def receive(self) -> tuple[bytes, object]:
        """The output and tally of the chunk last sent; the worker's error is raised here."""
        head = self._from.read(_ANSWER.size)
        if len(head) < _ANSWER.size:
            raise WorkerError(
                "a worker process ended before it answered (killed, or out of memory?)",
                hint="run again; --jobs 1 reads the input in this process alone",
            )
        status, size, tally_size = _ANSWER.unpack(head)
        data = self._from.read(size)
        # From a fork of this process over a pipe only the two share: no outside input.
        tally = pickle.loads(self._from.read(tally_size))  # noqa: S301
        if status == _FAILED:
            raise tally
        return data, tally

    def close(self) -> None:
        """Stop the worker at once (it may be mid-chunk after an error or an interrupt)."""
        for stream in (self._to, self._from):
            with contextlib.suppress(OSError):  # a worker that died leaves a broken pipe
                stream.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


def start(count: int, work: Work) -> list[Worker]:
    """Fork ``count`` workers that each run ``work`` on the chunks they are sent.

    Call it while this process has no other thread: a fork copies only the calling thread.
    """
    import gc

    workers: list[Worker] = []
    # The collector would write to every old object it traverses, copying the pages a worker
    # shares with this process; frozen objects are never traversed.
    gc.freeze()
    try:
        for _ in range(count):
            workers.append(_fork(work, workers))
    except BaseException:
        stop(workers)
        raise
    finally:
        gc.unfreeze()
    return workers


def stop(workers: list[Worker]) -> None:
    """Stop every worker and wait for it."""
    for worker in workers:
        worker.close()


def _fork(work: Work, siblings: list[Worker]) -> Worker:
    chunks_read, chunks_write = os.pipe()
    answers_read, answers_write = os.pipe()
    for fd in (chunks_write, answers_write):
        try:
            import fcntl

            fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass  # over the system's limit: the default size works, a little slower
    try:
        pid = os.fork()
    except OSError:
        for fd in (chunks_read, chunks_write, answers_read, answers_write):
            os.close(fd)
        raise
    if pid == 0:  # the worker
        code = 1
        try:
            # Ctrl-C reaches the whole process group: the parent handles it and stops us.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.close(chunks_write)
            os.close(answers_read)
            for sibling in siblings:  # else a sibling would never see its pipe end
                sibling._to.close()
                sibling._from.close()
            _serve(work, os.fdopen(chunks_read, "rb"), os.fdopen(answers_write, "wb"))
            code = 0
        finally:
            # Never unwind into the parent's code, flush its buffers or run its exit handlers.
            os._exit(code)
    os.close(chunks_read)
    os.close(answers_write)
    return Worker(pid, os.fdopen(chunks_write, "wb"), os.fdopen(answers_read, "rb"))


def _serve(work: Work, chunks: BinaryIO, answers: BinaryIO) -> None:
    while len(head := chunks.read(_CHUNK.size)) == _CHUNK.size:
        first_line, size = _CHUNK.unpack(head)
        body = chunks.read(size)
        try:
            data, tally = work(first_line, body)
            status, packed = _OK, pickle.dumps(tally, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the parent raises it in its place in the run
            data, status, packed = b"", _FAILED, _pickled_error(exc)
        answers.write(_ANSWER.pack(status, len(data), len(packed)))
        answers.write(data)
        answers.write(packed)
        answers.flush()
        if status == _FAILED:
            return


def _pickled_error(exc: Exception) -> bytes:
    try:
        return pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        # Only the class name: the message of an unexpected error may hold a patient value.
        return pickle.dumps(RuntimeError(f"{exc.__class__.__name__} in a worker process"))
