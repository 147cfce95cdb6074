"""A FHIR JSON document (a Bundle, a resource, an array of resources) held in memory, read an
entry or item at a time by the one incremental JSON decoder (strict: a break in the array ends
it), so that decoding never holds the whole document's objects at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cbc_cli.readers.fhir.reader import Reader
from cbc_cli.readers.json_stream import (
    ArrayItems,
    JsonLimitError,
    check_depth,
    decode_at,
    load,
    skip_space,
)


def read_document(reader: Reader, text: str) -> None:
    """Read a whole JSON document into ``reader``: a resource, or an array of resources."""
    _Document(reader).read(text)


class _Document:
    """One document being read; :attr:`rest` is what follows a Bundle's entries, decoded (its
    resourceType, link, ...)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.limits = reader.limits
        self.rest: Any = None

    def read(self, text: str) -> None:
        """A whole JSON document: a resource, or an array of resources."""
        try:
            check_depth(text, self.limits)
        except JsonLimitError as exc:
            self.reader.error(1, None, f"the document: {exc}; it is not read")
            return
        if self._read_bundle_entries(text) or self._read_array(text):
            return
        try:
            value = load(text, self.limits)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":
                # Several JSON values one after another: NDJSON whose first line was too long
                # for the format sniffer to see it end.
                for number, line in enumerate(text.splitlines(), start=1):
                    self.reader.read_line(line, number)
                return
            self.reader.error(
                exc.lineno,
                None,
                f"line {exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})",
            )
            return
        except JsonLimitError as exc:
            self.reader.error(1, None, f"the document: {exc}; it is not read")
            return
        self.reader.top(value, None, None)

    def _items(self, text: str, pos: int, what: str) -> Iterator[tuple[int, Any]]:
        """(position, value) for each item of the JSON array opening at ``pos``, decoded one
        at a time; a break in the array is an error record (the items before it are read)."""
        items = ArrayItems(text, pos, self.limits)
        try:
            yield from items
            # What follows the array (a Bundle's link, signature): only checked to be JSON.
            rest = text[items.pos :].strip()
            if what == "entries":
                self.rest = decode_at("{" + rest.lstrip(","), 0, self.limits)[0]
            elif rest:
                raise json.JSONDecodeError("Extra data", text, items.pos)
        except json.JSONDecodeError as exc:
            line = text.count("\n", 0, exc.pos) + 1 if exc.doc is text else None
            where = f"line {line}" if line else "the end of the document"
            self.reader.error(
                line, None, f"{where}: not valid JSON ({exc.msg}); the {what} before it were read"
            )
        except JsonLimitError as exc:
            line = text.count("\n", 0, items.pos) + 1
            self.reader.error(line, None, f"line {line}: {exc}; the {what} before it were read")

    def _read_array(self, text: str) -> bool:
        """Read an array of resources an item at a time; False when the text is not one."""
        pos = skip_space(text, 0)
        if text[pos : pos + 1] != "[":
            return False
        for position, item in self._items(text, pos, "items"):
            self.reader.top(item, None, f"item {position}")
        return True

    def _read_bundle_entries(self, text: str) -> bool:
        """Read a Bundle document one entry at a time; False (nothing read) when it is not one.

        ``json.loads`` on a Bundle of 40,000 reports takes six times the file's size in memory;
        decoding one entry at a time keeps only the text and what cbc extracts. A document that
        names its resourceType only after its entries is read the same way, then said to be no
        Bundle if the rest of it says so.
        """
        limits = self.limits
        pos = skip_space(text, 0)
        if text[pos : pos + 1] != "{":
            return False
        pos += 1
        is_bundle = False
        try:
            while True:
                pos = skip_space(text, pos)
                if text[pos : pos + 1] == "}":
                    return False
                key, pos = decode_at(text, pos, limits)
                pos = skip_space(text, pos)
                if not isinstance(key, str) or text[pos : pos + 1] != ":":
                    return False
                pos = skip_space(text, pos + 1)
                if key == "entry":
                    break
                value, pos = decode_at(text, pos, limits)
                if key == "resourceType":
                    is_bundle = value == "Bundle"
                    if not is_bundle:
                        return False
                pos = skip_space(text, pos)
                if text[pos : pos + 1] != ",":
                    return False
                pos += 1
        except (json.JSONDecodeError, JsonLimitError):
            return False
        if text[pos : pos + 1] != "[":
            return False
        self.rest = None
        for position, entry in self._items(text, pos, "entries"):
            self.reader.entry(entry, None, None, position)
        rest = self.rest
        if not is_bundle and isinstance(rest, dict) and rest.get("resourceType") != "Bundle":
            kind = rest.get("resourceType")
            name = kind if isinstance(kind, str) else "an object without resourceType"
            self.reader.error(
                1,
                "resourceType",
                f"the document: {name} is not a Bundle, yet its entries were read as a Bundle's; "
                "cbc reads Bundle, DiagnosticReport, Observation and Patient",
            )
        return True
