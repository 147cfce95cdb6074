"""Small helpers for the words of messages."""

from __future__ import annotations


def plural(n: int, noun: str) -> str:
    """``1 cell``, ``3 cells``: a count with its noun (nouns that add an s)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
