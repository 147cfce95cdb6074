"""The one incremental JSON decoder of cbc: every JSON value a reader decodes is decoded here.

Two readers need JSON a value at a time rather than a document at a time, and one loop serves
both (:class:`JsonValues`), lenient or strict:

- :func:`stream_values` (lenient) streams the top-level values of a JSON document or NDJSON text
  from chunks of text (an array read one item at a time), tolerating a missing comma and
  resynchronising after a broken value, for the JSON reader (``readers.json_reader``);
- :class:`ArrayItems` (strict) decodes the items of a JSON array one at a time from a text
  already in memory, for a FHIR Bundle's ``entry`` or a top-level array of resources
  (``readers.fhir``): a break in the array ends it with an error;
  :func:`decode_at` decodes the one value at a position (a Bundle's keys before ``entry``).

Every value is decoded within :class:`~cbc_cli.limits.Limits` (``json_depth``,
``json_digits``): Python's decoder would otherwise recurse until it fails, or refuse a number
past 4,300 digits with a bare ValueError. :func:`load` decodes one whole JSON text the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

from cbc_cli.errors import InputError
from cbc_cli.limits import DEFAULT_LIMITS, Limits

# A JSON string (an unterminated one at the end of the text too), whose brackets are not
# nesting, or a run of other characters: what is left when these are removed is the brackets.
_NOT_BRACKET = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[^\[\]{}"]+')
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonLimitError(InputError):
    """A JSON text past a limit (nesting depth, digits of a number): refused before decoding."""

    default_code = "limit.exceeded"


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings not counted).

    Computed without recursion, so that it can be checked before ``json`` recurses: a text
    nested a thousand deep would raise RecursionError in the decoder.
    """
    if "[" not in text and "{" not in text:
        return 0
    brackets = _NOT_BRACKET.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


_TOKEN = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[\[\]{}]')


def deep_value(text: str, limit: int) -> int | None:
    """Where the first outermost value nested deeper than ``limit`` starts in ``text`` (a run of
    values, as in a JSON array's body or NDJSON), or None when every value is within it."""
    if json_depth(text) <= limit:
        return None
    depth = start = 0
    for match in _TOKEN.finditer(text):
        at = match.start()
        char = text[at]
        if char == '"':
            continue
        if char in "[{":
            if depth == 0:
                start = at
            depth += 1
            if depth > limit:
                return start
        else:
            depth = max(depth - 1, 0)
    return None  # pragma: no cover - json_depth found it deeper


@lru_cache(maxsize=4)
def _digit_run(limit: int) -> re.Pattern[str]:
    """More than ``limit`` digits in a row: a number past the limit, or a string with one."""
    return re.compile(rf"\d{{{limit + 1}}}")


_SCALAR_END = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\s,\]}]*')


def value_end(text: str, pos: int) -> int | None:
    """Where the JSON value starting at ``pos`` ends (just past it), found without decoding
    it; None when ``text`` ends first. The value need not be valid inside."""
    if text[pos] not in "[{":
        found = _SCALAR_END.match(text, pos)
        end = found.end() if found else pos
        return end if end < len(text) else None
    depth = 0
    for match in _TOKEN.finditer(text, pos):
        char = text[match.start()]
        if char == '"':
            if match.end() == len(text) and not match.group().endswith('"'):
                return None  # a string cut by the end of the text
            continue
        depth += 1 if char in "[{" else -1
        if depth == 0:
            return match.end()
    return None


def _number_hook(limit: int, kind: Callable[[str], Any]) -> Callable[[str], Any]:
    too_long = _digit_run(limit).search

    def parse(text: str) -> Any:
        if len(text) > limit and too_long(text):
            digits = sum(c.isdigit() for c in text)
            raise JsonLimitError(
                f"a number with {digits} digits is past the json_digits limit ({limit})",
                hint=f"no count needs so many digits; check the file, or give --limit "
                f"json_digits={digits}",
            )
        try:
            return kind(text)
        except ValueError:  # past Python's own limit on int() digits: --limit raised past it
            raise JsonLimitError(
                f"a number with {len(text)} characters is too long for this Python to read"
            ) from None

    return parse


@lru_cache(maxsize=4)
def _decoder(limits: Limits = DEFAULT_LIMITS) -> json.JSONDecoder:
    """A JSON decoder that refuses a number longer than ``limits.json_digits`` (JsonLimitError).

    The C decoder calls back only for numbers, so the check costs little.
    """
    return json.JSONDecoder(
        parse_int=_number_hook(limits.json_digits, int),
        parse_float=_number_hook(limits.json_digits, float),
    )


def check_depth(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise JsonLimitError when ``text`` nests deeper than ``limits.json_depth``."""
    if text.count("[") + text.count("{") <= limits.json_depth:
        return  # cannot nest deeper than it has brackets
    depth = json_depth(text)
    if depth > limits.json_depth:
        raise JsonLimitError(
            f"JSON nested {depth} deep is past the json_depth limit ({limits.json_depth})",
            hint=f"check the file, or give --limit json_depth={depth}",
        )


def load(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """One JSON value from ``text``, within the limits.

    Raises:
        json.JSONDecodeError: the text is not valid JSON.
        JsonLimitError: the text nests too deep or holds too long a number.
    """
    check_depth(text, limits)
    try:
        return _decoder(limits).decode(text)
    except RecursionError:  # a json_depth raised past what Python's stack allows
        raise JsonLimitError(
            "JSON nested too deep for this Python to decode",
            hint="lower --limit json_depth",
        ) from None


def decode_at(text: str, pos: int = 0, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, int]:
    """The JSON value starting at ``pos`` in ``text`` and where it ends (text after it is not
    read).

    Raises:
        json.JSONDecodeError: no valid JSON value starts at ``pos``.
        JsonLimitError: the value holds too long a number.
    """
    return _decoder(limits).raw_decode(text, pos)


def skip_space(text: str, pos: int) -> int:
    """The position of the next character that is not JSON whitespace."""
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class Broken(NamedTuple):
    """A JSON value that could not be decoded: it becomes an error record in its place."""

    message: str
    code: str = "input.invalid"
    """The error code of the row (docs/errors.md)."""


class JsonValues:
    """The one incremental JSON decoder loop: the values of a JSON text, decoded one at a time,
    the items of an array one by one. Iterating gives (line, value), the line where the value
    starts.

    Lenient (``strict=False``, :func:`stream_values`): the top-level values of a JSON document or
    NDJSON text given in chunks, the document's first array read an item at a time; values may
    be separated by any commas and whitespace, and a value that cannot be decoded is yielded as
    a :class:`Broken` in its place (an item past a limit is skipped to its end and the items
    after it are read; any other break in an array ends it; outside an array, reading goes on at
    the next line opening with ``{``). Values nest within ``limits.json_depth`` and each keeps to
    ``limits.line`` characters.

    Strict (``strict=True``, :class:`ArrayItems`): the items of the one JSON array opening at
    ``start`` in a text in memory (``chunks`` holds that one text), items separated by one comma
    (one more before the ``]`` is allowed); reading stops just past the ``]``. A break raises
    json.JSONDecodeError (a broken item, a missing comma, the end of the text) and an item with
    too long a number JsonLimitError, after the items before it were yielded. The caller checks
    the text's depth (``check_depth``) before.

    :attr:`pos` is where the value being decoded starts; once a strict array is closed, just past
    its ``]``.
    """

    def __init__(
        self,
        chunks: Iterable[str],
        limits: Limits = DEFAULT_LIMITS,
        *,
        strict: bool = False,
        start: int = 0,
    ) -> None:
        self.limits = limits
        self.strict = strict
        self.pos = start
        self.buf = ""
        self.exhausted = False
        self._pieces = iter(chunks)
        if strict:
            # One text in memory: read in place (a copy of a large Bundle would double it).
            self.buf = next(self._pieces, "")
            self.exhausted = True
        self._deep_at = -1
        """Where in buf the first value nested past the limit starts (len(buf) + 1: none);
        checked once per chunk read, from the value being read on."""

    def _fill(self) -> bool:
        """Append the next chunk to what is left of the buffer; False when there is none."""
        if self.exhausted:
            return False
        more = next(self._pieces, None)
        if more is None:
            self.exhausted = True
            return False
        self.buf = self.buf[self.pos :] + more
        self.pos = 0
        self._deep_at = -1
        return True

    def _resync(self, line: int) -> int:
        """After a broken value outside an array, go on at the next line opening with ``{``
        (as NDJSON whose first line was too long to be detected as such); the lines skipped
        belong to the broken value. Returns the line reading goes on at."""
        while True:
            buf, pos = self.buf, self.pos
            found = buf.find("\n{", pos)
            if found >= 0:
                self.pos = found + 1
                return line + buf.count("\n", pos, found + 1)
            line += buf.count("\n", pos, max(pos, len(buf) - 1))
            self.pos = max(pos, len(buf) - 1)
            if not self._fill():
                self.pos = len(self.buf)
                return line

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        limits, strict = self.limits, self.strict
        decode = _decoder(limits).raw_decode
        line = 1
        in_array = False
        first = True  # only the document's first value can be the array of samples
        after_item = False  # strict: an item was read, a comma or the ``]`` must follow
        gaps = " \t\r\n" if strict else " \t\r\n,"
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in gaps:
                line += buf[pos] == "\n"
                pos += 1
            self.pos = pos
            if strict and after_item:
                after_item = False
                if buf[pos : pos + 1] == ",":
                    self.pos += 1
                    continue
                if buf[pos : pos + 1] != "]":
                    raise json.JSONDecodeError("Expecting ',' delimiter", buf, pos)
            if pos >= len(buf):
                if strict and in_array:
                    decode(buf, pos)  # raises: the text ends inside the array
                if not self._fill():
                    return
                continue
            if first and buf[pos] == "[":
                first = False
                in_array = True
                self.pos = pos + 1
                continue
            if in_array and buf[pos] == "]":
                self.pos = pos + 1
                in_array = False
                if strict:
                    return
                continue
            first = False
            if strict:
                value, end = decode(buf, pos)
                yield line, value
                line += buf.count("\n", pos, end)
                self.pos = end
                after_item = True
                continue
            where = f"the value from line {line}" if in_array else f"line {line}"
            too_long = (
                f"{where} is longer than the line limit ({limits.line} characters) that one "
                "sample object, or a document that is one object, keeps to (give --limit "
                "line=SIZE, or write NDJSON)"
            )
            if self._deep_at < 0:
                found_deep = deep_value(buf[pos:], limits.json_depth)
                self._deep_at = len(buf) + 1 if found_deep is None else pos + found_deep
            broken: str | None = None
            past_limit = False  # a limit, not broken JSON: where the value ends can be found
            if self._deep_at <= pos:
                past_limit = True
                stop = value_end(buf, pos)
                depth = json_depth(buf[pos:stop])
                broken = (
                    f"{where}: JSON nested {depth} deep{'' if stop else ' or more'} is past the "
                    f"json_depth limit ({limits.json_depth}); check the file, or give --limit "
                    f"json_depth={depth}"
                )
            else:
                try:
                    value, end = decode(buf, pos)
                    if end - pos > limits.line:
                        broken = too_long
                except json.JSONDecodeError as exc:
                    if len(buf) - pos > limits.line:
                        broken = too_long  # not complete within the limit: not read further
                    elif self._fill():
                        continue
                    else:
                        at = line + buf.count("\n", pos, exc.pos)
                        broken = f"{where}: not valid JSON at line {at} ({exc.msg})"
                except JsonLimitError as exc:
                    past_limit = True
                    broken = f"{where}: {exc}"
                except RecursionError:
                    broken = f"{where}: nested too deep for this Python to decode"
            code = "limit.exceeded" if past_limit or broken is too_long else "input.invalid"
            if broken is not None and past_limit and in_array:
                # An item past a limit is skipped to its end (found without decoding it), so
                # the items after it are read.
                skip_to = value_end(buf, pos)
                if skip_to is None and len(buf) - pos <= limits.line and self._fill():
                    continue
                if skip_to is not None:
                    yield line, Broken(f"{broken}; the samples after it are read", code)
                    line += buf.count("\n", pos, skip_to)
                    self.pos = skip_to
                    self._deep_at = -1  # checked again from the next value on
                    continue
            if broken is not None:
                if in_array:
                    yield (
                        line,
                        Broken(
                            f"{broken}; the samples before it were read, nothing after it can be",
                            code,
                        ),
                    )
                    return
                yield line, Broken(broken, code)
                line = self._resync(line)
                self._deep_at = -1
                continue
            if end == len(buf) and isinstance(value, int | float) and self._fill():
                continue  # a number may continue in the next chunk
            if not in_array:
                # Text after a value on its line ("9.5 g/dL, ...", or "{...}junk") is not
                # another sample: the whole line is one broken piece, so it makes one error row.
                line_end = buf.find("\n", end)
                if line_end < 0 and self._fill():
                    continue
                rest = buf[end : len(buf) if line_end < 0 else line_end].strip(" \t\r,")
                if rest and rest[0] not in "{[":
                    yield (
                        line,
                        Broken(f"{where}: not valid JSON at line {line} (text after a value)"),
                    )
                    line = self._resync(line)
                    self._deep_at = -1
                    continue
            yield line, value
            line += buf.count("\n", pos, end)
            self.pos = end


class ArrayItems:
    """The items of the JSON array opening at ``pos`` in ``text`` (a text in memory), decoded
    one at a time by :class:`JsonValues` in strict mode: iterating gives (position, item),
    position counting from 1.

    While an item is decoded, :attr:`pos` is where it starts; once the array is closed, just
    past its ``]``. Iterating raises json.JSONDecodeError where the array breaks (a broken item,
    a missing comma, the end of the text) and JsonLimitError for an item holding too long a
    number, after yielding the items before it.
    """

    def __init__(self, text: str, pos: int, limits: Limits = DEFAULT_LIMITS) -> None:
        self._values = JsonValues([text], limits, strict=True, start=pos)

    @property
    def pos(self) -> int:
        """Where the item being decoded starts; just past the ``]`` once the array is closed."""
        return self._values.pos

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        for position, (_, item) in enumerate(self._values, start=1):
            yield position, item


def stream_values(
    chunks: Iterable[str], limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[int, Any]]:
    """The top-level JSON values of a text given in ``chunks`` (a JSON document, or NDJSON),
    streamed by :class:`JsonValues` in lenient mode: (line, value) for each sample, the line
    where the value starts; a value that cannot be decoded is a :class:`Broken` in its place
    (its messages speak of samples: they become the JSON reader's error rows)."""
    return iter(JsonValues(chunks, limits))


__all__ = [
    "ArrayItems",
    "Broken",
    "JsonLimitError",
    "JsonValues",
    "check_depth",
    "decode_at",
    "deep_value",
    "json_depth",
    "load",
    "skip_space",
    "stream_values",
    "value_end",
]
