"""Where the reduced resources of one FHIR input wait to be grouped into samples: a private
temporary SQLite database for NDJSON of any length (:class:`Store`), or dicts for a JSON document
already in memory (:class:`MemoryStore`); the same grouping code reads either."""

from __future__ import annotations

import marshal
import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import fields
from operator import attrgetter
from typing import Any

from cbc_cli.errors import CbcError
from cbc_cli.readers.fhir.items import (
    AMBIGUOUS,
    BROKEN,
    ERROR,
    GROUP,
    KINDS,
    LOOSE,
    OTHER,
    Bits,
    Group,
    Item,
    Value,
)
from cbc_cli.readers.records import Record

_CACHE_KIB = 1024
"""SQLite's page cache for the store, in KiB: past it, pages go to the temporary file. SQLite
sizes the sorter that builds the store's indexes from the same figure, so the store holds about
twice this at most. Small on purpose: a 10 MB export fills it, so memory is the same for 10 MB
as for 1 GB (with 4 MiB, the 1 GB peak was 5 MiB above the 10 MB one); the pages past it are
read back from the operating system's file cache, which the process does not hold."""
_BATCH = 2048
"""Rows of a table held before they are written in one statement."""


def _text_key(text: str | None) -> bytes | None:
    """Text as SQLite keeps it: UTF-8 bytes, a lone surrogate (valid in JSON) included."""
    return None if text is None else text.encode("utf-8", "surrogatepass")


class Store:
    """The reduced resources of one input, their keys, and the samples grouped from them, in a
    private temporary SQLite database: a bulk export's Observations and the reports that name
    them can be a whole file apart, and only the disk can hold a file's worth of them.

    SQLite deletes the database when it is closed (or the process ends); its page cache is
    :data:`_CACHE_KIB`. A full disk (or no temporary folder) is a :class:`CbcError` saying so.
    """

    def __init__(self) -> None:
        try:
            # "": a private temporary database on disk, removed when the connection closes.
            self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
            self.db.executescript(
                f"""
                PRAGMA cache_size = -{_CACHE_KIB};
                PRAGMA journal_mode = OFF;
                PRAGMA synchronous = OFF;
                PRAGMA temp_store = FILE;
                CREATE TABLE item (
                    ord INTEGER PRIMARY KEY, kind INTEGER, panel INTEGER, valued INTEGER,
                    subject BLOB, effective BLOB, blob BLOB
                );
                CREATE TABLE key (key BLOB, ord INTEGER);
                CREATE TABLE broken (key BLOB PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE out (ord INTEGER PRIMARY KEY, kind INTEGER, blob BLOB);
                CREATE TABLE loose (subject BLOB, effective BLOB, ord INTEGER);
                BEGIN;
                """
            )
        except sqlite3.OperationalError as exc:
            raise no_room(exc) from None
        # Rows waiting to be written (see _flush).
        self._items: list[tuple[object, ...]] = []
        self._keys: list[tuple[bytes | None, int | None]] = []
        self._out: list[tuple[int, int, bytes]] = []

    def close(self) -> None:
        """Remove the database."""
        self.db.close()

    def add(self, item: Item, keys: list[str]) -> None:
        """Keep a Patient, Observation or DiagnosticReport item under its keys."""
        blob = marshal.dumps(_packed(item))
        observation = item.rtype == "Observation"
        self._items.append(
            (
                item.order,
                KINDS[item.rtype],
                observation and bool(item.refs or item.target is None),
                observation and bool(item.values),
                _text_key(item.subject),
                _text_key(item.effective),
                blob,
            )
        )
        order = item.order
        self._keys.extend([(_text_key(k), order) for k in keys])
        if len(self._items) >= _BATCH:
            self._flush()

    def add_other(self, key: str) -> None:
        """An Observation cbc does not read: only its key, for references to it."""
        self._keys.append((_text_key(key), None))
        if len(self._keys) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        """Write the rows added since the last flush, a batch at a time (one statement per
        row costs more than the row)."""
        if self._items:
            self.db.executemany("INSERT INTO item VALUES (?, ?, ?, ?, ?, ?, ?)", self._items)
            self._items.clear()
        if self._keys:
            self.db.executemany("INSERT INTO key VALUES (?, ?)", self._keys)
            self._keys.clear()
        if self._out:
            self.db.executemany("INSERT INTO out VALUES (?, ?, ?)", self._out)
            self._out.clear()

    def add_broken(self, key: str) -> None:
        """The key of a resource that was an error record."""
        self.db.execute("INSERT OR IGNORE INTO broken VALUES (?)", (_text_key(key),))

    def add_out(self, order: int, kind: int, value: Record | Group) -> None:
        """An error record or a sample's group, written in ``order`` by :meth:`out`."""
        if isinstance(value, Group):
            packed = [getattr(value, name) for name in _GROUP_FIELDS]
            packed[_MEMBERS] = [_packed(m) for m in value.members]
            blob = marshal.dumps(packed)
        else:
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._out.append((order, kind, blob))
        if len(self._out) >= _BATCH:
            self._flush()

    def add_loose(self, claimed: Bits) -> None:
        """Each Observation with a value that no report or panel claimed, to be grouped with
        the others of its subject and time."""
        self._flush()
        rows = self.db.execute(
            "SELECT subject, effective, ord FROM item WHERE valued ORDER BY ord"
        ).fetchmany
        while batch := rows(1024):
            self.db.executemany(
                "INSERT INTO loose VALUES (?, ?, ?)", [r for r in batch if r[2] not in claimed]
            )

    def lookup(self, key: str) -> Item | str | None:
        """What ``key`` names: the item, OTHER, AMBIGUOUS (two resources), BROKEN, or None."""
        rows = self.db.execute(
            "SELECT DISTINCT key.ord, item.blob FROM key LEFT JOIN item ON item.ord = key.ord "
            "WHERE key.key = ? LIMIT 2",
            (_text_key(key),),
        ).fetchall()
        if len(rows) > 1:
            return AMBIGUOUS
        if rows:
            order, blob = rows[0]
            return OTHER if order is None else _unpacked(_load(blob))
        found = self.db.execute("SELECT 1 FROM broken WHERE key = ?", (_text_key(key),))
        return BROKEN if found.fetchone() else None

    def item(self, order: int) -> Item:
        """The item kept as ``order``."""
        (blob,) = self.db.execute("SELECT blob FROM item WHERE ord = ?", (order,)).fetchone()
        return _unpacked(_load(blob))

    def items(self, kind: int) -> Iterator[Item]:
        """The items of one kind, in input order."""
        rows = self.db.execute("SELECT blob FROM item WHERE kind = ? ORDER BY ord", (kind,))
        for (blob,) in rows:
            yield _unpacked(_load(blob))

    def panels(self) -> Iterator[Item]:
        """The Observations with members (hasMember) or values only in components, in order."""
        for (blob,) in self.db.execute("SELECT blob FROM item WHERE panel ORDER BY ord"):
            yield _unpacked(_load(blob))

    def close_loose(self) -> None:
        """Make each subject and time of the loose Observations one group, placed at its first."""
        self._flush()
        self.db.execute("CREATE INDEX loose_key ON loose (subject, effective, ord)")
        self.db.execute(
            "INSERT INTO out SELECT MIN(ord), ?, NULL FROM loose GROUP BY subject, effective",
            (LOOSE,),
        )

    def out(self) -> Iterator[tuple[int, object]]:
        """(kind, value) of each error record and group, in input order; a loose group as the
        list of its Observations."""
        self._flush()
        for order, kind, blob in self.db.execute("SELECT ord, kind, blob FROM out ORDER BY ord"):
            if kind == ERROR:
                yield kind, _unpickle(blob)
                continue
            if kind == GROUP:
                packed = _load(blob)
                packed[_MEMBERS] = [_unpacked(m) for m in packed[_MEMBERS]]
                yield kind, Group(*packed)
                continue
            # The group's Observations in one query: its first is the one it is placed at.
            first = self.item(order)
            rows = self.db.execute(
                "SELECT item.blob FROM loose JOIN item ON item.ord = loose.ord "
                "WHERE loose.subject IS ? AND loose.effective IS ? ORDER BY loose.ord",
                (_text_key(first.subject), _text_key(first.effective)),
            ).fetchall()
            yield kind, [first, *(_unpacked(_load(blob)) for (blob,) in rows[1:])]

    def index_keys(self) -> None:
        """Index the keys once all are in (faster than keeping an index up to date)."""
        self._flush()
        self.db.execute("CREATE INDEX key_key ON key (key)")


class MemoryStore:
    """:class:`Store` in memory, for a JSON document: its text is in memory already, and what
    is reduced from it is smaller; the same grouping reads it (twice as fast as SQLite)."""

    def __init__(self) -> None:
        self.kept: dict[int, Item] = {}
        self.keys: dict[str, set[int | None]] = {}
        self.broken: set[str] = set()
        self.groups: list[tuple[int, int, Any]] = []
        self.loose: dict[tuple[str | None, str | None], list[int]] = {}

    def close(self) -> None:
        """Forget everything."""
        self.kept.clear()
        self.keys.clear()
        self.groups.clear()
        self.loose.clear()

    def add(self, item: Item, keys: list[str]) -> None:
        """As :meth:`Store.add`."""
        self.kept[item.order] = item
        for key in keys:
            self.keys.setdefault(key, set()).add(item.order)

    def add_other(self, key: str) -> None:
        """As :meth:`Store.add_other`."""
        self.keys.setdefault(key, set()).add(None)

    def add_broken(self, key: str) -> None:
        """As :meth:`Store.add_broken`."""
        self.broken.add(key)

    def add_out(self, order: int, kind: int, value: Record | Group) -> None:
        """As :meth:`Store.add_out`."""
        self.groups.append((order, kind, value))

    def add_loose(self, claimed: Bits) -> None:
        """As :meth:`Store.add_loose`."""
        for item in self._sorted():
            if item.rtype == "Observation" and item.values and item.order not in claimed:
                self.loose.setdefault((item.subject, item.effective), []).append(item.order)

    def lookup(self, key: str) -> Item | str | None:
        """As :meth:`Store.lookup`."""
        orders = self.keys.get(key)
        if orders is not None and len(orders) > 1:
            return AMBIGUOUS
        if orders:
            (order,) = orders
            return OTHER if order is None else self.kept[order]
        return BROKEN if key in self.broken else None

    def item(self, order: int) -> Item:
        """As :meth:`Store.item`."""
        return self.kept[order]

    def items(self, kind: int) -> Iterator[Item]:
        """As :meth:`Store.items`."""
        return (item for item in self._sorted() if KINDS[item.rtype] == kind)

    def panels(self) -> Iterator[Item]:
        """As :meth:`Store.panels`."""
        return (
            item
            for item in self._sorted()
            if item.rtype == "Observation" and (item.refs or item.target is None)
        )

    def close_loose(self) -> None:
        """As :meth:`Store.close_loose`."""
        self.groups.extend((orders[0], LOOSE, orders) for orders in self.loose.values())

    def out(self) -> Iterator[tuple[int, object]]:
        """As :meth:`Store.out`."""
        self.groups.sort(key=lambda group: group[0])
        for _, kind, value in self.groups:
            yield kind, [self.kept[o] for o in value] if kind == LOOSE else value

    def index_keys(self) -> None:
        """Nothing to do: the keys are a dict."""

    def _sorted(self) -> list[Item]:
        # Contained resources are kept before their container, numbered after it.
        return sorted(self.kept.values(), key=lambda item: item.order)


_ITEM_FIELDS = [f.name for f in fields(Item)]
_VALUE_FIELDS = [f.name for f in fields(Value)]
_GROUP_FIELDS = [f.name for f in fields(Group)]
_VALUES, _MEMBERS = _ITEM_FIELDS.index("values"), _GROUP_FIELDS.index("members")
_item_fields = attrgetter(*_ITEM_FIELDS)
_value_fields = attrgetter(*_VALUE_FIELDS)


def _packed(item: Item) -> tuple[Any, ...]:
    """An item as plain tuples and strings, which marshal writes and reads back in about half
    the time pickle takes over slotted dataclasses."""
    packed = tuple(_item_fields(item))
    if not item.values:
        return packed
    values = tuple(map(_value_fields, item.values))
    return (*packed[:_VALUES], values, *packed[_VALUES + 1 :])


def _unpacked(packed: tuple[Any, ...] | list[Any]) -> Item:
    values = packed[_VALUES]
    item = Item(*packed)
    item.values = [Value(*v) for v in values] if values else []
    return item


def _load(blob: bytes) -> Any:
    # Written by this process into its own private temporary database: not outside input.
    return marshal.loads(blob)  # noqa: S302


def _unpickle(blob: bytes) -> Any:
    # Written by this process into its own private temporary database: not outside input.
    return pickle.loads(blob)  # noqa: S301


def no_room(exc: sqlite3.OperationalError) -> CbcError:
    """The one clear error for a temporary store that cannot be written (a full disk)."""
    return CbcError(
        f"the temporary file that groups a FHIR input into samples could not be written ({exc})",
        hint="free space in the temporary folder (TMPDIR, else /var/tmp), or name one with room "
        "in TMPDIR",
    )
