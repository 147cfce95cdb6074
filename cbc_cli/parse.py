"""Reading the context values people type: sex, dates, body temperature, printed ranges."""

from __future__ import annotations

import re
from datetime import date

from cbc_cli.analytes import get_analyte
from cbc_cli.errors import InputError
from cbc_cli.panel import LabRange, Sex
from cbc_cli.units import check_plausible, parse_number, unit_factor

_SEXES: dict[str, Sex] = {"female": "female", "f": "female", "male": "male", "m": "male"}
# A body temperature a living person can have, in Celsius: a project choice, wide enough for
# severe accidental hypothermia (below 28 C) and the highest fevers, narrow enough that a
# Fahrenheit reading without its F (101.3) or a dropped digit (3.8) is refused, not read.
_TEMP_C = (25.0, 45.0)
# The same span in Fahrenheit (77-113 F): a bare number there is most likely Fahrenheit.
_TEMP_F = (_TEMP_C[0] * 9 / 5 + 32, _TEMP_C[1] * 9 / 5 + 32)


def parse_sex(text: str | None) -> Sex | None:
    """Read ``female``/``male`` (or ``f``/``m``), any case; None for empty.

    Raises:
        InputError: anything else.
    """
    if text is None or not text.strip():
        return None
    sex = _SEXES.get(text.strip().lower())
    if sex is None:
        raise InputError(
            f"sex {text.strip()!r} is not understood",
            code="value.unreadable",
            field="sex",
            hint="use female or male",
        )
    return sex


def parse_date(text: str, what: str) -> date:
    """Read an ISO date (YYYY-MM-DD; a time after it is ignored).

    Raises:
        InputError: not a date.
    """
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InputError(
            f"{what} {text.strip()!r} is not a date",
            code="date.invalid",
            field=what,
            hint="write dates as YYYY-MM-DD",
        ) from None


def parse_temperature(text: str) -> float:
    """Read a body temperature in Celsius; ``101.3F`` is converted, a bare 101.3 is refused.

    Accepted: 25-45 C (77-113 F), the temperatures a living person has (a project choice); a
    number outside is refused, with "did you mean 101.3F?" when it reads as Fahrenheit.

    Raises:
        InputError: not a number, or not a plausible body temperature.
    """
    raw = text.strip()
    unit = raw[-1:].upper() if raw[-1:].upper() in {"C", "F"} else ""
    number_text = raw[:-1] if unit else raw
    number_text = number_text.strip().removesuffix("°").strip()
    try:
        _, number, rest = parse_number(number_text)
    except InputError:
        raise InputError(
            f"temperature {raw!r} is not a number",
            code="value.unreadable",
            field="temperature",
            hint="give degrees Celsius, e.g. 38.4 (or 101.1F)",
        ) from None
    if rest:
        raise InputError(
            f"temperature {raw!r} is not understood",
            code="value.unreadable",
            field="temperature",
            hint="give degrees Celsius, e.g. 38.4 (or 101.1F)",
        )
    celsius = (number - 32) * 5 / 9 if unit == "F" else number
    if not _TEMP_C[0] <= celsius <= _TEMP_C[1]:
        hint = "give degrees Celsius, e.g. 38.4"
        if unit != "F" and _TEMP_F[0] <= number <= _TEMP_F[1]:
            hint = f"did you mean {number:g}F? write it as {number:g}F, or give Celsius"
        raise InputError(
            f"temperature {raw!r} is not a body temperature in Celsius",
            code="value.implausible",
            field="temperature",
            hint=hint,
        )
    return round(celsius, 2)


_RANGE_TEXT = re.compile(
    r"^\s*(?:(?P<low>[0-9.]+)\s*(?:-|–|to)\s*(?P<high>[0-9.]+)|(?P<op>[<>]=?|≤|≥)\s*(?P<one>[0-9.]+))"
    r"\s*(?P<unit>.*?)\s*$"
)


def parse_range_text(text: str, analyte_id: str, unit: str | None = None) -> LabRange:
    """Read a printed range: ``4.0-11.0``, ``4.0 - 11.0``, ``4.0 to 11.0``, ``>59``, ``<5``.

    A unit after the numbers, or ``unit``, is converted to the analyte's canonical unit.

    Raises:
        InputError: not a range, or low above high.
    """
    analyte = get_analyte(analyte_id)
    match = _RANGE_TEXT.match(text.replace(",", "."))
    if match is None:
        raise InputError(
            f"range {text.strip()!r} for {analyte.id} is not understood",
            code="value.unreadable",
            field=analyte.id,
            hint="write LOW-HIGH (12.0-15.5), >LOW or <HIGH",
        )
    given_unit = match["unit"] or unit or analyte.unit
    factor = unit_factor(analyte, given_unit)
    try:
        if match["op"]:
            one = float(match["one"]) * factor
            low, high = (one, None) if match["op"] in (">", ">=", "≥") else (None, one)
        else:
            low, high = float(match["low"]) * factor, float(match["high"]) * factor
    except ValueError:
        raise InputError(
            f"range {text.strip()!r} for {analyte.id} is not understood",
            code="value.unreadable",
            field=analyte.id,
            hint="write LOW-HIGH (12.0-15.5)",
        ) from None
    # A range in g/L read as g/dL (120-160) would flag every value low: check the ends as values.
    for end in (low, high):
        if end is not None:
            check_plausible(analyte, end, end / factor, given_unit)
    if low is not None and high is not None and low > high:
        raise InputError(
            f"range {text.strip()!r} for {analyte.id} has its low above its high",
            code="value.unreadable",
            field=analyte.id,
            hint="write LOW-HIGH",
        )
    return LabRange(low, high)
