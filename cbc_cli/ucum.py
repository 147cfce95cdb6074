"""A small UCUM grammar for the units of a blood count, with the lab spellings met beside it.

Read by :mod:`cbc_cli.units` only when its table of common spellings misses, so this module is
imported lazily. It reads the part of UCUM (The Unified Code for Units of Measure, Schadow G,
McDonald CJ, Regenstrief Institute, version 2.1, 2017, https://ucum.org/ucum) that blood counts
use, and converts with exact fractions:

- prefixes ``T G M k h da d c m u n p f a`` (UCUM section 3.1, table 1), with ``µ``/``μ``/``mc``
  for micro;
- atoms ``L``/``l`` (litre, 1 dm3), ``m`` (metre), ``g`` (gram), ``mol`` (mole), ``%`` (1/100)
  and the unity ``1``;
- exponents after an atom (``m3``, ``mm^3``, ``mm³``, ``l-1``, ``L^-1``) and powers of ten
  (``10*3``, ``10^3``, ``10**3``, ``10E3``, ``x10E9``, ``10³``, ``10*-3``), plain integers
  (``1000``, ``100`` in ``g/100mL``);
- ``.`` (or ``·``) multiplies, ``/`` divides, left to right as UCUM says (``a/b.c`` is
  ``(a/b).c``); a leading ``/`` is a reciprocal; simple parentheses; annotations ``{cells}``
  count as 1 (UCUM section 2.5 rule 4), so do the words ``cells``/``cell``.

Lab words, read only as whole words: ``giga``/``G`` (10^9), ``tera``/``T`` (10^12),
``mega``/``M``/``Mio``/``Mill``/``million`` (10^6), ``K``/``k``/``thou``/``Tsd``/``Tausend``
(10^3), ``Mrd``/``Milliarde`` (10^9), ``lakh``/``lac`` (10^5, Indian reports), ``cumm``/``cmm``
(mm3), ``gm``/``gr`` (gram, as English and Spanish or Italian reports abbreviate it; UCUM's
grain is ``[gr]``, never a blood count's unit), ``Zellen`` (cells). ``billion``, ``bil`` and
``mil`` are refused as ambiguous: a billion is 10^9 in English but 10^12 in most of Europe, and
``mil`` a thousand in Spanish and Portuguese but a million in English abbreviations. Case
matters as in UCUM (``m`` milli, ``M`` mega; ``U`` is not micro), except that the litre is ``L``
or ``l`` and lab words of three letters or more are matched in any case.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

Dim = tuple[int, int, int]
"""Exponents of metre, gram and mole."""
NONE: Dim = (0, 0, 0)


class UcumError(ValueError):
    """A unit text the grammar cannot read, with the reason."""


class Unit(NamedTuple):
    """A parsed unit: ``factor`` base units (metre, gram, mole) per one of it, and its kind."""

    factor: Fraction
    dim: Dim
    percent: bool = False
    """Holds ``%`` (a part of a whole, never a count)."""


PREFIXES: dict[str, Fraction] = {
    "T": Fraction(10**12),
    "G": Fraction(10**9),
    "M": Fraction(10**6),
    "k": Fraction(10**3),
    "h": Fraction(100),
    "da": Fraction(10),
    "d": Fraction(1, 10),
    "c": Fraction(1, 100),
    "m": Fraction(1, 10**3),
    "u": Fraction(1, 10**6),
    "mc": Fraction(1, 10**6),
    "n": Fraction(1, 10**9),
    "p": Fraction(1, 10**12),
    "f": Fraction(1, 10**15),
    "a": Fraction(1, 10**18),
}
_PREFIX_ORDER = sorted(PREFIXES, key=len, reverse=True)

# Atoms that take a prefix: the UCUM base and derived units a blood count uses.
ATOMS: dict[str, Unit] = {
    "L": Unit(Fraction(1, 1000), (3, 0, 0)),
    "l": Unit(Fraction(1, 1000), (3, 0, 0)),
    "m": Unit(Fraction(1), (1, 0, 0)),
    "g": Unit(Fraction(1), (0, 1, 0)),
    "mol": Unit(Fraction(1), (0, 0, 1)),
}

# Whole words only (no prefix, no exponent unless written): lab spellings beside UCUM.
WORDS: dict[str, Unit] = {
    **{w: Unit(Fraction(10**9), NONE) for w in ("giga", "G", "Mrd", "Milliarde", "Milliarden")},
    **{w: Unit(Fraction(10**12), NONE) for w in ("tera", "T")},
    **{w: Unit(Fraction(10**6), NONE) for w in ("mega", "M", "Mio", "Mill", "million")},
    **{w: Unit(Fraction(10**3), NONE) for w in ("K", "k", "thou", "thousand", "Tsd", "Tausend")},
    **{w: Unit(Fraction(10**5), NONE) for w in ("lakh", "lakhs", "lac", "lacs")},
    **{w: Unit(Fraction(1), NONE) for w in ("cells", "cell", "Zellen")},
    **{w: Unit(Fraction(1, 10**9), (3, 0, 0)) for w in ("cumm", "cmm")},
    **{w: Unit(Fraction(1), (0, 1, 0)) for w in ("gm", "gr")},
    "mill": Unit(Fraction(10**6), NONE),
}
_WORDS_FOLDED = {w.casefold(): u for w, u in WORDS.items() if len(w) >= 3}
AMBIGUOUS: dict[str, str] = {
    "billion": "10^9 in English but 10^12 in most European languages",
    "bil": "10^9 in English but 10^12 in most European languages",
    "mil": "a thousand in Spanish and Portuguese but a million as an English abbreviation",
}

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_POWER = re.compile(r"10(?:\*\*|\^|\*|[eE])([+-]?\d{1,2})(?![0-9])")
_INTEGER = re.compile(r"\d+")
_SYMBOL = re.compile(r"[A-Za-z]+")
_EXPONENT = re.compile(r"\^?([+-]?\d{1,2})")


def fold(text: str) -> str:
    """The text without spaces, micro signs as ``u``, ``×`` as ``x``, superscripts as digits."""
    text = re.sub(r"\s+", "", text)
    # 10³ is ten cubed, not 103: mark the power before the superscripts become digits.
    text = re.sub("10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)", r"10^\1", text)
    text = text.replace("\u00b5", "u").replace("\u03bc", "u").replace("×", "x")
    return text.replace("·", ".").translate(_SUPERSCRIPTS)


def parse(text: str) -> Unit:
    """Parse a unit text into its factor in base units and its kind.

    Raises:
        UcumError: the text is not a unit this grammar reads, or is ambiguous.

    >>> parse("10*3/mL").factor
    Fraction(1000000000, 1)
    >>> parse("giga.l-1") == parse("10^9/L")
    True
    """
    folded = fold(text)
    if not folded:
        raise UcumError("no unit")
    parser = _Parser(folded)
    try:
        unit = parser.expression()
    except UcumError:
        raise
    except (ZeroDivisionError, OverflowError, ValueError) as exc:  # "/0", "10*99999"
        raise UcumError(f"not a unit ({exc.__class__.__name__})") from None
    if parser.pos != len(folded):
        raise UcumError(f"cannot read {folded[parser.pos :]!r}")
    return unit


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expression(self) -> Unit:
        if self._peek() == "/":
            self.pos += 1
            unit = _power(self.component(), -1)
        else:
            if self._peek() in ("x", "X", "*") and self.text[self.pos + 1 : self.pos + 3] == "10":
                self.pos += 1  # x10^9/L: the multiplication sign of scientific notation
            unit = self.component()
        while self._peek() in (".", "/"):
            op = self._peek()
            self.pos += 1
            if op == "." and self._peek() in ("/", ")", ""):
                continue  # an abbreviation's dot: "Tsd./ul", "Mill./ul"
            right = self.component()
            unit = _times(unit, right if op == "." else _power(right, -1))
        return unit

    def component(self) -> Unit:
        start = self.pos
        if self._peek() == "(":
            self.pos += 1
            unit = self.expression()
            if self._peek() != ")":
                raise UcumError("a bracket is not closed")
            self.pos += 1
            return self._annotations(unit)
        unit = Unit(Fraction(1), NONE)
        number = _POWER.match(self.text, self.pos) or _INTEGER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            if number.re is _POWER:
                unit = Unit(Fraction(10) ** int(number[1]), NONE)
            else:
                unit = Unit(Fraction(int(number[0])), NONE)
        if self._peek() == "%":
            self.pos += 1
            unit = _times(unit, Unit(Fraction(1, 100), NONE, percent=True))
        elif symbol := _SYMBOL.match(self.text, self.pos):
            self.pos = symbol.end()
            atom = _symbol(symbol[0])
            exponent = _EXPONENT.match(self.text, self.pos)
            if exponent is not None:
                self.pos = exponent.end()
                atom = _power(atom, int(exponent[1]))
            unit = _times(unit, atom)
        unit = self._annotations(unit)
        if self.pos == start:
            raise UcumError(f"cannot read {self.text[start:]!r}" if self.text[start:] else "")
        return unit

    def _annotations(self, unit: Unit) -> Unit:
        # {cells}, {RBC}: UCUM annotations mean 1.
        while self._peek() == "{":
            end = self.text.find("}", self.pos)
            if end < 0:
                raise UcumError("an annotation { is not closed")
            self.pos = end + 1
        return unit


def _symbol(symbol: str) -> Unit:
    if symbol.casefold() in AMBIGUOUS:
        raise UcumError(f"{symbol!r} is ambiguous: {AMBIGUOUS[symbol.casefold()]}")
    if symbol in ATOMS:
        return ATOMS[symbol]
    word = WORDS.get(symbol) or _WORDS_FOLDED.get(symbol.casefold())
    if word is not None:
        return word
    for prefix in _PREFIX_ORDER:
        atom = ATOMS.get(symbol[len(prefix) :]) if symbol.startswith(prefix) else None
        if atom is not None:
            return Unit(PREFIXES[prefix] * atom.factor, atom.dim)
    raise UcumError(f"{symbol!r} is not a unit")


def _times(a: Unit, b: Unit) -> Unit:
    dim = (a.dim[0] + b.dim[0], a.dim[1] + b.dim[1], a.dim[2] + b.dim[2])
    return Unit(a.factor * b.factor, dim, a.percent or b.percent)


def _power(a: Unit, n: int) -> Unit:
    return Unit(a.factor**n, (a.dim[0] * n, a.dim[1] * n, a.dim[2] * n), a.percent)
