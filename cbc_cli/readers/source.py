"""Opening input: gzip or not, format detection from content, and text lines from real exports.

Lines may end in LF, CRLF or a lone CR; text is UTF-8 with or without a BOM, and a line that is
not valid UTF-8 is read as Latin-1 (once said on stderr through ``warnings``).
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cbc_cli.errors import InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits

READ_BYTES = 1 << 16
"""How many bytes :func:`iter_lines` reads at a time (the lines it gives do not depend on it)."""


@dataclass
class Source:
    """An opened input: a buffered binary stream and what was learnt while reading it."""

    stream: BinaryIO
    name: str
    warnings: list[str] = field(default_factory=list)
    file: BinaryIO | None = None
    """The file opened for this source (None for stdin): :meth:`close` closes it."""

    def close(self) -> None:
        """Close a file opened by :func:`open_source` (standard input is left open)."""
        if self.file is not None:
            self.stream.close()
            self.file.close()

    def peek(self, size: int = 4096) -> bytes:
        """The first bytes, without consuming them."""
        peek = getattr(self.stream, "peek", None)
        data: bytes = peek(size) if peek else b""
        return data[:size]


def open_source(path: str, stdin: BinaryIO | None = None) -> Source:
    """Open FILE or ``-`` (stdin) for reading; gzip is recognised by its magic bytes.

    Raises:
        InputError: the file does not exist or cannot be read.
    """
    if path == "-":
        if stdin is None:
            raise InputError("no standard input to read", code="file.unreadable")
        raw: BinaryIO = stdin
        name = "<stdin>"
    else:
        name = path
        try:
            raw = Path(path).open("rb")  # noqa: SIM115 - closed by Source.close
        except FileNotFoundError:
            raise InputError(
                f"{path}: no such file", code="file.unreadable", hint="check the path"
            ) from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a folder, not a file", code="file.unreadable") from None
        except OSError as exc:
            raise InputError(
                f"{path}: cannot be read ({exc.strerror})", code="file.unreadable"
            ) from None
    buffered: BinaryIO = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[type-var]
    if buffered.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]
        buffered = io.BufferedReader(_Gzip(name, buffered))
    return Source(buffered, name, file=None if path == "-" else raw)


class _Gzip(gzip.GzipFile):
    """gzip data whose damage is an InputError: a bare EOFError would pass for Ctrl-D."""

    def __init__(self, name: str, fileobj: BinaryIO) -> None:
        super().__init__(fileobj=fileobj)
        self.source_name = name

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(size)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"{self.source_name}: the gzip data is damaged or cut short ({exc})",
                code="file.unreadable",
                hint="check the file, or give it uncompressed",
            ) from None


def detect_format(head: bytes, name: str = "") -> str:
    """Guess the format from the first bytes (and the file name): json, ndjson, hl7, csv, xlsx,
    ods, or empty/binary.

    A workbook is a zip: an .ods names its type in its first entry (``mimetype``), an .xlsx opens
    with ``[Content_Types].xml`` and ``xl/`` parts; a zip that shows neither in its first bytes
    is told by its name's extension.

    FHIR JSON is reported as ``json`` or ``ndjson``; read_input tells FHIR by its resourceType.
    HL7 v2 starts with MSH, FHS or BHS (any field separator), or with a stray segment that an
    MSH follows (a capture cut mid-message).
    """
    if head.startswith(b"PK\x03\x04"):
        return _workbook(head, name)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b"\x0b").lstrip()
    if not text:
        return "empty"
    if _looks_binary(head[:1024]):
        return "binary"
    if re.match(rb"(?:MSH|FHS|BHS)[^\w\s]", text) or (
        re.match(rb"[A-Z][A-Z0-9]{2}\|", text) and re.search(rb"[\r\n\x0b]MSH\|", text)
    ):
        return "hl7"
    # A message whose MSH is missing still opens with a segment no CSV header would: the HL7
    # reader then says what is wrong.
    if re.match(rb"(?:PID|PV1|ORC|OBR|OBX|NTE|SPM|EVN)\|", text):
        return "hl7"
    if text[:1] in (b"{", b"["):
        first, _, rest = text.partition(b"\n")
        # One whole object on the first line and more lines after it: NDJSON, even when the
        # next line is broken (it is then an error row in its place, not part of a document).
        if text[:1] == b"{" and first.rstrip().endswith(b"}") and rest.strip():
            return "ndjson"
        return "json"
    return "csv"


def _workbook(head: bytes, name: str) -> str:
    if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
        return "ods"
    if b"[Content_Types].xml" in head and b"xl/" in head:
        return "xlsx"
    suffix = name.lower().rpartition(".")[2]
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    return "ods" if suffix == "ods" else "binary"


def _looks_binary(sample: bytes) -> bool:
    """Binary (an image, a spreadsheet, UTF-16 text) rather than a text export with a stray
    control byte, which then makes only its own row unreadable: NULs or other control bytes
    make up more than a tenth of the sample."""
    controls = sum(1 for b in sample if b < 32 and b not in b"\t\n\r\x0b\x0c\x1c")
    return sample.count(0) * 20 > len(sample) or controls * 10 > len(sample)


class LongLine(str):
    """A line past ``Limits.line``, as :func:`iter_lines` gives it: its text is the line's first
    ``Limits.line`` bytes (a character the limit cuts in two left out) with no line end, the
    rest was skipped unread. A reader makes it an error row in its place (never reads it as the
    line: it is only its start)."""

    __slots__ = ()


def iter_lines(source: Source, limits: Limits = DEFAULT_LIMITS) -> Iterator[str]:
    """Text lines with their ends normalised to LF; CR-only files included.

    A line that is not valid UTF-8 is decoded as Latin-1 and a warning recorded once. A line
    longer than ``limits.line`` bytes comes as a :class:`LongLine`: at most the limit is held
    while the rest of it is skipped, and time stays linear however long a line is.
    """
    stream = source.stream
    limit = limits.line
    # The line being read, in pieces: joining them only at its end keeps reading linear.
    partial: list[bytes] = []
    held = 0
    skipping = False  # past the limit: the rest of this line is dropped as it comes
    carry = b""  # a final CR may be the first half of a CRLF: it goes with the next read
    first = True
    while True:
        chunk = stream.read(READ_BYTES)
        if first:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            first = False
        if not chunk and not carry:
            break
        data = carry + chunk if carry else chunk
        carry = b""
        if chunk and data.endswith(b"\r"):
            carry, data = b"\r", data[:-1]
        if skipping and b"\n" not in data and b"\r" not in data:
            continue  # still inside a line past the limit
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        tail = lines.pop()  # not ended yet
        for index, piece in enumerate(lines):
            line = piece
            if index == 0 and (partial or skipping):
                if skipping:
                    skipping = False  # the end of a line past the limit
                    continue
                partial.append(piece)
                line = first_bytes(partial, limit + 1)
                partial, held = [], 0
            if len(line) > limit:
                yield long_line(line[:limit], source)
            else:
                yield decode_line(line, source) + "\n"
        if not skipping and tail:
            partial.append(tail)
            held += len(tail)
            if held > limit:
                start = first_bytes(partial, limit)
                partial.clear()
                yield long_line(start, source)
                partial, held, skipping = [], 0, True
        if not chunk:
            break
    if partial:
        yield decode_line(b"".join(partial), source) + "\n"


def first_bytes(pieces: list[bytes], size: int) -> bytes:
    """The first ``size`` bytes of ``pieces`` joined, copying no more than those."""
    kept: list[bytes] = []
    for piece in pieces:
        if len(piece) >= size:
            kept.append(piece[:size])
            break
        kept.append(piece)
        size -= len(piece)
    return kept[0] if len(kept) == 1 else b"".join(kept)


def long_line(start: bytes, source: Source) -> LongLine:
    """The :class:`LongLine` of a line whose first bytes are ``start`` (no line end)."""
    # The limit may cut a UTF-8 character in two: leave its first bytes out rather than read the
    # whole start as Latin-1.
    for end in range(len(start), max(len(start) - 4, -1), -1):
        try:
            return LongLine(start[:end].decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return LongLine(decode_line(start, source))


def decode_line(line: bytes, source: Source) -> str:
    """One line as text: UTF-8, or Latin-1 when it is not (noted once in the source's warnings)."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        note = f"{source.name}: not UTF-8; read as Latin-1"
        if note not in source.warnings:
            source.warnings.append(note)
        return line.decode("latin-1")
