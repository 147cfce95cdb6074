"""Text folding: the one way cbc compares names and codes people and systems write differently.

Headers (``Hb``, ``Neutrophils abs``), aliases, ``--column`` names and coded words (sex codes
such as ``Männlich``) are compared on a folded form: case-insensitive (Unicode casefold, so ``ß``
is ``ss``), accent-insensitive (``ä`` is ``a``, ``é`` is ``e``: marks are dropped after a
canonical decomposition), surrounding space ignored, and runs of spaces and underscores the same
(``Neutrophils abs`` = ``neutrophils_abs``). A leaf module: every reader and the analyte catalogue
import it, so it imports nothing of cbc's.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_]+")


def fold(text: str) -> str:
    """The folded form of a name or code, for comparing (never for showing).

    Canonical decomposition (NFD) splits an accented letter from its mark; the marks are
    dropped. A compatibility decomposition is not used: it would turn ``10³`` into ``103``.

    >>> fold("  Männlich ")
    'mannlich'
    >>> fold("Neutrophils  abs") == fold("neutrophils_ABS")
    True
    """
    text = text.strip().casefold()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
        )
        text = unicodedata.normalize("NFC", text)
    return _SEPARATORS.sub("_", text)
