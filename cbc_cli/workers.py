"""Forked worker processes for the columnar run: chunks out, output bytes and tallies back.

One Python process cannot run the rules on two chunks at once (the interpreter lock serialises
the Python between numpy calls), so a large export is shared out to worker processes. Each is a
fork of the running process, so it starts with the same plan, ranges, criteria and caches and
needs no set-up; each chunk it gets is judged by exactly the code the parent would run on it.

The parent keeps the order: it hands each worker one chunk at a time, takes each answer as soon
as it comes (see Worker.fileno) and writes the answers in input order. Parent and worker talk
over a Unix socket pair, written with MSG_NOSIGNAL: the CLI lets SIGPIPE end the process (for
``cbc ... | head``), and a dead worker must show as an error, not end the parent in silence. A
worker answers until the parent closes its end (or dies: the worker then reads the end of the
stream and exits). Only Linux forks here; elsewhere (where fork without exec is unsafe or
missing) the caller runs in one process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import socket
import struct
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Generic, TypeVar, cast

from cbc_cli.errors import CbcError

T = TypeVar("T")

_CHUNK = struct.Struct("<qqq")  # first line, byte count, note byte count
_ANSWER = struct.Struct("<bqq")  # status, output byte count, tally (or error) byte count
_OK, _FAILED = 0, 1
SOCKET_BUFFER_BYTES = 4 << 20
"""Socket buffers that hold a whole answer and a queued chunk (see Worker.room) save switches
between the processes; the system may cap them lower (net.core.wmem_max). Read at each fork."""


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

    def __init__(self) -> None:
        super().__init__(
            "a worker process ended before it answered (killed, or out of memory?)",
            hint="run again; {jobs} 1 reads the input in this process alone",
        )


class Worker(Generic[T]):
    """The parent's end of one worker process."""

    def __init__(self, pid: int, channel: socket.socket) -> None:
        self.pid = pid
        self._channel = channel
        # Unbuffered: a buffer would read ahead into the worker's next answer, which the
        # socket would then no longer show as waiting (see fileno).
        self._answers = channel.makefile("rb", buffering=0)
        # Linux reports twice the size asked for (the rest covers its own bookkeeping): half
        # of it holds that many bytes of a chunk whole.
        buffer = channel.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        self.room = max(0, buffer // 2 - _CHUNK.size)
        """The most bytes of a chunk and its note that the socket's buffer holds whole: a
        chunk that fits can be queued while the worker is busy (ColumnarCsv) without this
        process ever waiting on the worker to read it."""

    def fileno(self) -> int:
        """The parent's end of the socket, to wait on with others (selectors): it turns
        readable when the answer to the chunk last sent starts to come, or the worker ends."""
        return self._channel.fileno()

    def send(self, first_line: int, body: bytes, note: object = None) -> None:
        """Give the worker a chunk to judge, with a note for it to learn first (see start)."""
        packed = b"" if note is None else pickle.dumps(note, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._channel.sendall(
                _CHUNK.pack(first_line, len(body), len(packed)), socket.MSG_NOSIGNAL
            )
            self._channel.sendall(body, socket.MSG_NOSIGNAL)
            if packed:
                self._channel.sendall(packed, socket.MSG_NOSIGNAL)
        except OSError as exc:  # the worker has gone: EPIPE or ECONNRESET
            raise WorkerError() from exc

    def receive(self) -> tuple[bytes, T]:
        """The output and tally of the chunk last sent; the worker's error is raised here."""
        status, size, extra = _ANSWER.unpack(self._read(_ANSWER.size))
        data = self._read(size)
        packed = self._read(extra)
        if status == _FAILED:
            raise _error(packed)
        # From a fork of this process over a socket only the two hold: no outside input.
        return data, cast(T, pickle.loads(packed))  # noqa: S301

    def _read(self, size: int) -> bytes:
        """Exactly ``size`` bytes of the answer, not one more."""
        got = bytearray(size)
        view, done = memoryview(got), 0
        try:
            while done < size:
                more = self._answers.readinto(view[done:])
                if not more:  # the stream ended: the worker died before or while answering
                    raise WorkerError()
                done += more
        except OSError as exc:
            raise WorkerError() from exc
        finally:
            view.release()
        return bytes(got)

    def close_channels(self) -> None:
        """Close the parent's end of the socket to the worker, without stopping it (a worker
        forked later closes the copy it inherits, so that only the parent holds that end)."""
        self._answers.close()
        self._channel.close()

    def close(self) -> None:
        """Stop the worker at once (it may be mid-chunk after an error or an interrupt)."""
        self.close_channels()
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


def start(
    count: int,
    work: Callable[[int, bytes], tuple[bytes, T]],
    learn: Callable[[Any], None] | None = None,
) -> list[Worker[T]]:
    """Fork ``count`` workers that each run ``work`` on the chunks they are sent, first giving
    ``learn`` the note a chunk came with (what the parent passes on from the other workers).

    Call it while this process has no other thread: a fork copies only the calling thread.
    """
    workers: list[Worker[T]] = []
    # The collector would write to every old object it traverses, copying the pages a worker
    # shares with this process; frozen objects are never traversed.
    gc.freeze()
    try:
        with _no_interrupt():  # a Ctrl-C between a fork and its record would lose a worker
            for _ in range(count):
                workers.append(_fork(work, learn, workers))
    except BaseException:
        stop(workers)
        raise
    finally:
        gc.unfreeze()
    return workers


def stop(workers: list[Worker[T]]) -> None:
    """Stop every worker and wait for it (a Ctrl-C meanwhile takes effect after)."""
    with _no_interrupt():
        for worker in workers:
            worker.close()


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM held back: delivered, if they came, when the block ends."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _fork(
    work: Callable[[int, bytes], tuple[bytes, T]],
    learn: Callable[[Any], None] | None,
    siblings: list[Worker[T]],
) -> Worker[T]:
    parent_end, worker_end = socket.socketpair()
    for end in (parent_end, worker_end):
        with suppress(OSError):  # over the system's limit: the default size works, a little slower
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER_BYTES)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER_BYTES)
    try:
        pid = os.fork()
    except OSError:
        parent_end.close()
        worker_end.close()
        raise
    if pid == 0:  # the worker
        code = 1
        try:
            # Ctrl-C reaches the whole process group: the parent handles it and stops us.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            # The parent stops a worker with SIGTERM; the parent's own handler (cbc_cli.output)
            # would unwind into the parent's code here.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
            parent_end.close()
            for sibling in siblings:  # else a sibling would not see the parent's end close
                sibling.close_channels()
            _serve(work, learn, worker_end)
            code = 0
        finally:
            # Never unwind into the parent's code, flush its buffers or run its exit handlers.
            os._exit(code)
    worker_end.close()
    return Worker(pid, parent_end)


def _serve(
    work: Callable[[int, bytes], tuple[bytes, T]],
    learn: Callable[[Any], None] | None,
    channel: socket.socket,
) -> None:
    chunks = channel.makefile("rb")
    while len(head := chunks.read(_CHUNK.size)) == _CHUNK.size:
        first_line, size, noted = _CHUNK.unpack(head)
        body = chunks.read(size)
        note = chunks.read(noted) if noted else b""
        if len(body) != size or len(note) != noted:
            return  # the parent ended while sending
        try:
            if note and learn is not None:
                # From the parent over a socket only the two hold: no outside input.
                learn(pickle.loads(note))  # noqa: S301
            data, tally = work(first_line, body)
            status, packed = _OK, pickle.dumps(tally, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the parent raises it in its place in the run
            data, status, packed = b"", _FAILED, _pickled_error(exc)
        channel.sendall(_ANSWER.pack(status, len(data), len(packed)), socket.MSG_NOSIGNAL)
        channel.sendall(data, socket.MSG_NOSIGNAL)
        channel.sendall(packed, socket.MSG_NOSIGNAL)
        if status == _FAILED:
            return


def _pickled_error(exc: Exception) -> bytes:
    """The error's class name, the worker's traceback without the error's message (shown with
    CBC_DEBUG=1, as a note on the error) and the error itself, pickled apart: it may not pickle,
    or not unpickle."""
    import traceback

    try:
        inner: bytes | None = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        inner = None
    # The frames and the class, not the message: it may quote a cell of the input.
    trace = "".join(traceback.format_tb(exc.__traceback__)) + exc.__class__.__name__
    return pickle.dumps((exc.__class__.__name__, trace, inner), protocol=pickle.HIGHEST_PROTOCOL)


def _error(packed: bytes) -> Exception:
    """The exception a worker sent, with its traceback attached as a note."""
    # As in Worker.receive: from a fork of this process, not outside input.
    name, trace, inner = pickle.loads(packed)  # noqa: S301
    exc: Exception | None = None
    if inner is not None:
        with suppress(Exception):  # one that pickles but cannot be rebuilt (required arguments)
            exc = pickle.loads(inner)  # noqa: S301
    if not isinstance(exc, Exception):
        # Only the class name: the message of an unexpected error may hold a patient value.
        # A class of that name, so that the one-line report names it as one process would.
        exc = type(name, (RuntimeError,), {})(f"{name} in a worker process")
    exc.add_note(f"raised in a worker process:\n{trace}")
    return exc
