"""The python-hl7 route: a message's segments parsed by python-hl7 (``hl7.parse``) into its tree.

The reference for :class:`cbc_cli.readers.hl7_segments.SplitFields`, which reads the same fields
without building the tree (a property test checks that both give the same Records), and the
route of ``read_hl7(..., parser="python-hl7")``. python-hl7 builds a container for every field,
repetition and component (about 10 KB for an OBX), so a message is parsed :data:`PARSE_SEGMENTS`
segments at a time, each cut after the last field read: its memory grows with its text only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cbc_cli.readers.hl7_segments import Segment, Unparsable, unescape

PARSE_SEGMENTS = 64
"""Segments of a message parsed by python-hl7 at a time (with its MSH, for the delimiters)."""
_HEADERS = frozenset({"MSH", "FHS", "BHS"})


class TreeFields:
    """Reads fields from python-hl7's tree of one message, parsed a chunk at a time."""

    def __init__(self, msh: Segment, segments: list[Segment], last: dict[str, int]) -> None:
        """For the message of ``msh`` whose segments to read are ``segments`` (each id in
        ``last``, the last field read in it: python-hl7 parses no field past it)."""
        self.separator = msh.text[3]
        self.last = last
        self.head = self._cut(msh)
        self.segments = segments
        self.caught: list[str] = []
        """What python-hl7 logged while unescaping (set by the caller, see library_log)."""

    def msh(self) -> Any:
        """The parsed MSH."""
        return _parse([self.head])[0]

    def parsed(self) -> Iterator[tuple[int, str, Any]]:
        """(line, segment id, parsed segment) for the segments read, a few at a time."""
        good = self.segments
        for start in range(0, len(good), PARSE_SEGMENTS):
            chunk = good[start : start + PARSE_SEGMENTS]
            tree = _parse([self.head, *(self._cut(s) for s in chunk)])
            if len(tree) != len(chunk) + 1:
                raise Unparsable
            for segment, seg in zip(chunk, tree[1:], strict=True):
                yield segment.line, str(seg[0]).strip(), seg

    def get(self, segment: Any, number: int, component: int = 1) -> str:
        """One component of a field, unescaped, or "" when it is not there.

        Walks python-hl7's tree (Field > Repetition > Component > subcomponent text) as its
        ``extract_field`` does, first subcomponent when there are several, without building an
        Accessor per call.
        """
        # list.__getitem__: python-hl7's containers override indexing to handle slices, which
        # costs more than the lookups themselves.
        at = list.__getitem__
        if number >= len(segment):
            return ""
        node: Any = at(segment, number)
        if at(at(segment, 0), 0) in _HEADERS and number in (1, 2):
            return str(node[0]) if node else ""  # MSH-1 and MSH-2 are the delimiters themselves
        for index in (1, component):  # the first repetition, then the component
            if isinstance(node, str):
                return "" if index > 1 else self._text(segment, node)
            if index > len(node):
                return ""
            node = at(node, index - 1)
        while not isinstance(node, str):
            if not node:
                return ""
            node = at(node, 0)
        return self._text(segment, node)

    def components(self, segment: Any, number: int, count: int) -> list[str]:
        """The first ``count`` components of field ``number``, each as :meth:`get` reads it."""
        return [self.get(segment, number, index) for index in range(1, count + 1)]

    def _text(self, segment: Any, value: str) -> str:
        text = unescape(segment, value, self.caught) if segment.esc in value else value
        return text.strip()

    def _cut(self, segment: Segment) -> str:
        # python-hl7 builds a container for every field: parse only up to the last field read.
        # For MSH one less, since MSH-1 is the field separator itself and not a piece between
        # separators.
        last = self.last[segment.id] + (0 if segment.id == "MSH" else 1)
        return self.separator.join(segment.text.split(self.separator, last)[:last])


def _parse(texts: list[str]) -> Any:
    import hl7  # type: ignore[import-untyped]

    try:
        return hl7.parse("\r".join(texts))
    except (hl7.HL7Exception, ValueError, IndexError, AssertionError):
        raise Unparsable from None
