"""Reading the context values people and lab systems write: sex, dates, body temperature,
printed ranges, and the person they describe (:func:`build_patient`).

This is the one place a sex code or a date is read and a Patient is built from what was given
(a test checks that no other module defines a sex vocabulary, a date parser or a patient
builder); names and codes are compared through the one fold, :func:`cbc_cli.text.fold`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Literal

from cbc_cli.age import Age, parse_age
from cbc_cli.analytes import get_analyte
from cbc_cli.errors import CbcError, InputError, UsageError
from cbc_cli.moment import Moment as Moment  # noqa: PLC0414 - read here, named here
from cbc_cli.moment import Precision
from cbc_cli.panel import PROFILES, LabRange, Patient, Sex, Transplant
from cbc_cli.text import fold
from cbc_cli.units import check_plausible, parse_number, unit_factor

# A body temperature a living person can have, in Celsius: a project choice, wide enough for
# severe accidental hypothermia (below 28 C) and the highest fevers, narrow enough that a
# Fahrenheit reading without its F (101.3) or a dropped digit (3.8) is refused, not read.
_TEMP_C = (25.0, 45.0)
# The same span in Fahrenheit (77-113 F): a bare number there is most likely Fahrenheit.
_TEMP_F = (_TEMP_C[0] * 9 / 5 + 32, _TEMP_C[1] * 9 / 5 + 32)

# ---------------------------------------------------------------------------------------------
# Sex

SEX_CODES_FILE = Path(__file__).parent / "data" / "sex_codes.toml"
"""The sex vocabulary: codes per code system and language, each system with its source."""
_SEX_HINT = (
    "write female or male (also read: F/M, 1/2 as in ISO/IEC 5218, and the words of many languages)"
)


@cache
def sex_codes() -> dict[str, Sex | None]:
    """The sex vocabulary, folded code -> ``female``, ``male`` or None (not known, other).

    Read once from :data:`SEX_CODES_FILE`. A code in two lists would be a guess, so it is
    refused here (RuntimeError: a bug in the shipped data, caught by the tests).
    """
    with SEX_CODES_FILE.open("rb") as handle:
        systems = tomllib.load(handle)
    codes: dict[str, Sex | None] = {}
    meaning: dict[str, Sex | None] = {"female": "female", "male": "male", "unknown": None}
    for name, system in systems.items():
        for key, sex in meaning.items():
            for code in system.get(key, ()):
                folded = fold(code)
                if folded in codes and codes[folded] != sex:  # pragma: no cover - data bug
                    raise RuntimeError(f"sex code {code!r} ({name}) means two things")
                codes[folded] = sex
    return codes


_OPTION = ("--", "{")
"""How a ``what`` naming an option begins: the value was typed, so a message may echo it."""


def parse_sex(text: str | None, what: str = "sex") -> Sex | None:
    """Read a sex code: ``female``/``male``, ``F``/``M``, ``1``/``2``, ``weiblich``, ``homme``...

    Case and accents do not matter. A code that says the sex is not known or other (``U``,
    ``0``, ``9``, ``other``, ``divers``) gives None, as an empty text does: the value is then
    judged against the ranges of both sexes. The codes and their sources are in
    ``cbc_cli/data/sex_codes.toml``.

    Raises:
        InputError: a text in no list (never guessed). The message quotes nothing of the text.
    """
    if text is None or not text.strip():
        return None
    key = fold(text)
    codes = sex_codes()
    if key in codes:
        return codes[key]
    hint = _SEX_HINT
    if key == "h":
        hint = (
            "H (homme, hombre, homem) is not read, as files that write H/M the Spanish way use M "
            "for female (mujer), the opposite of HL7's M: write female or male"
        )
    shown = f"{what} {text.strip()!r}" if what.startswith(_OPTION) else what  # typed: echoed
    raise InputError(
        f"{shown} is not a sex code cbc reads", code="value.unreadable", field="sex", hint=hint
    )


# ---------------------------------------------------------------------------------------------
# Dates

DATE_FORMATS = ("auto", "ymd", "dmy", "mdy")
"""The named date orders of ``--date-format`` (a strptime pattern such as ``%d/%m/%Y`` also)."""
_ISO = re.compile(
    r"(?P<y>\d{4})(?:(?P<s1>[-/])(?P<m>\d{1,2})(?:(?P=s1)(?P<d>\d{1,2}))?)?(?P<rest>.*)", re.S
)
_HL7 = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?(?P<H>\d{2})?(?P<M>\d{2})?(?P<S>\d{2})?"
    r"(?P<f>\.\d{1,4})?(?P<z>[+-]\d{4})?"
)
_YEAR_LAST = re.compile(
    r"(?P<a>\d{1,2})(?P<s>[./-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?P<rest>.*)", re.S
)
_TIME = re.compile(
    r"(?:[T ]\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>[.,]\d+)?)?\s*"
    r"(?P<z>Z|[+-]\d{2}:?\d{2})?)?\s*"
)
_DATE_HINT = (
    "write YYYY-MM-DD, with a time if known (also read: YYYYMMDD, YYYY/MM/DD, DD.MM.YYYY, "
    "DD/MM/YYYY and MM/DD/YYYY)"
)


class AmbiguousDateError(InputError):
    """A year-last date whose day and month could be either way round (``03/04/2024``)."""

    default_code = "date.ambiguous"


def check_date_format(date_format: str | None) -> str | None:
    """``date_format`` as given when it is one cbc reads (None for auto).

    Raises:
        UsageError: not ``auto``, ``ymd``, ``dmy``, ``mdy`` or a strptime pattern (with ``%``).
    """
    if date_format is None:
        return None
    chosen = date_format.strip()
    if chosen.lower() in DATE_FORMATS:
        return None if chosen.lower() == "auto" else chosen.lower()
    if "%" in chosen:
        return chosen
    raise UsageError(
        f"{{date_format}} {date_format!r} is not a date format",
        code="option.invalid",
        field="date_format",
        hint="use dmy (31.12.2024, 31/12/2024), mdy (12/31/2024), ymd, or a strptime pattern "
        "such as %d/%m/%Y",
    )


def parse_moment(text: str, what: str = "date", date_format: str | None = None) -> Moment:
    """Read a date or date-time as labs write them.

    Read without a declared format: ISO 8601 (``2024-03-12``, ``2024-03-12T08:30``,
    ``2024-03-12 08:30:15+01:00``, ``2024-03``, ``2024``), ``2024/03/12``, HL7 v2 DTM
    (``20240312``, ``202403120830``, ``20240312083015+0100``; v2.5.1 section 2.A), day-first
    ``12.03.2024``, and a slash or dash date whose order its numbers show: ``13/03/2024`` is
    day-first, ``03/13/2024`` month-first. A slash or dash date that could be either
    (``03/04/2024``, both numbers 12 or less and not equal) is refused: it is never guessed.

    ``date_format`` decides instead: ``dmy`` (day-first for every year-last date), ``mdy``
    (month-first), ``ymd`` (year-first only: a year-last date is refused), or a strptime pattern
    (``%d/%m/%Y %H:%M``), tried first; year-first dates are read under every format. ``auto`` or
    None: as above.

    ``what`` is the field as the caller names it, one token: a column (``collected_at``), a
    keyword term (``{collected}``, which each edge words its own way) or an option typed on the
    command line (``--since``); the error's ``field`` is that name without its marks.

    Raises:
        InputError: not a date, an impossible one, or an ambiguous one. The message names
            ``what`` and never quotes the text (a date of birth identifies a person), except a
            value typed as an option, echoed back to the one who typed it.
    """
    raw = text.strip()
    field = what.strip("-{}")
    if what.startswith(_OPTION):
        what = f"{what} {raw!r}"  # typed as an option: echoed back to the one who typed it
    chosen = check_date_format(date_format)
    if chosen is not None and "%" in chosen:
        try:
            when = datetime.strptime(raw, chosen)
        except ValueError:
            pass
        else:
            timed = any(code in chosen for code in ("%H", "%I", "%M", "%X", "%c"))
            seconds = any(code in chosen for code in ("%S", "%X", "%c", "%T"))
            return Moment(when, ("second" if seconds else "minute") if timed else "day")
    try:
        moment = _read_moment(raw, chosen)
    except _NotOnCalendar:
        # Written the right way, but no such day or time (2026-13-45, 31.04.2026, 25:00): a
        # slip in typing, which the format hint would not mend.
        raise InputError(
            f"{what} is written as a date but names no real day or time, such as month 13, "
            "31 April or 25:00",
            code="date.invalid",
            field=field,
            # A day-first date read month-first (25/12/2026 with mdy) is one too.
            hint="check the day, the month and any time against the lab report, and the date "
            "format: --date-format dmy (day first) or mdy (month first)",
        ) from None
    except ValueError:
        moment = None
    if isinstance(moment, Moment):
        return moment
    if moment == "ambiguous":
        raise AmbiguousDateError(
            f"{what} is a date whose day and month could be either way round (both numbers 12 "
            "or less), and it is not guessed",
            field=field,
            hint="give --date-format dmy (day first) or mdy (month first), or write YYYY-MM-DD",
        )
    if moment == "year-last" and chosen == "ymd":
        raise InputError(
            f"{what} is written with the year last, but the date format is ymd",
            code="date.invalid",
            field=field,
            hint="give --date-format dmy or mdy, or write YYYY-MM-DD",
        )
    hint = _DATE_HINT
    if chosen is not None and "%" in chosen:
        hint = f"it does not match --date-format {chosen!r}; {_DATE_HINT}"
    raise InputError(f"{what} is not a date cbc reads", code="date.invalid", field=field, hint=hint)


def date_order(text: str) -> Literal["dmy", "mdy", "either"] | None:
    """The order a year-last slash or dash date shows by its numbers: ``dmy`` for
    ``13/03/2024``, ``mdy`` for ``03/13/2024``, ``either`` for ``03/04/2024`` (not guessed);
    None when it is not such a date, or its order does not matter (``05/05/2024``)."""
    last = _YEAR_LAST.fullmatch(text.strip())
    if last is None or last["s"] == ".":
        return None
    a, b = int(last["a"]), int(last["b"])
    if a > 12 >= b:
        return "dmy"
    if b > 12 >= a:
        return "mdy"
    return "either" if a != b and a <= 12 and b <= 12 else None


def _read_moment(raw: str, chosen: str | None) -> Moment | str | None:
    """The moment, or why not: "ambiguous", "year-last" (refused by ymd), None (no date).

    Raises:
        ValueError: the numbers are not a calendar date or time.
    """
    if raw.isdigit() or _HL7.fullmatch(raw):
        hl7 = _HL7.fullmatch(raw)
        if hl7 is None:
            return None
        return _moment(
            hl7["y"], hl7["m"], hl7["d"], hl7["H"], hl7["M"], hl7["S"], hl7["z"], hl7["f"]
        )
    iso = _ISO.fullmatch(raw)
    if iso is not None and (iso["d"] or not iso["rest"]):
        time = _TIME.fullmatch(iso["rest"])
        if time is None or (time["H"] and not iso["d"]):
            return None
        return _moment(
            iso["y"], iso["m"], iso["d"], time["H"], time["M"], time["S"], time["z"], time["f"]
        )
    last = _YEAR_LAST.fullmatch(raw)
    if last is None:
        return None
    time = _TIME.fullmatch(last["rest"])
    if time is None:
        return None
    a, b = int(last["a"]), int(last["b"])
    if chosen == "ymd":
        return "year-last"
    if chosen == "mdy":
        month, day = a, b
    elif chosen == "dmy" or last["s"] == "." or a > 12 or a == b:
        day, month = a, b  # dots are day-first wherever they are written (DIN 5008, ISO 8601)
    elif b > 12:
        month, day = a, b
    else:
        return "ambiguous"
    return _moment(
        last["y"], str(month), str(day), time["H"], time["M"], time["S"], time["z"], time["f"]
    )


class _NotOnCalendar(ValueError):
    """A date or time in a shape that is read whose numbers name no day or time."""


def _moment(
    y: str,
    m: str | None,
    d: str | None,
    hour: str | None,
    minute: str | None,
    second: str | None,
    zone: str | None,
    fraction: str | None,
) -> Moment:
    """Build the moment; ValueError when it is incomplete, _NotOnCalendar when a number is out
    of its calendar's range."""
    if (d and not m) or (minute is None and hour is not None) or (zone and not hour):
        raise ValueError("incomplete")
    if (hour and not d) or (fraction and not second):
        raise ValueError("incomplete")
    tz = None
    if zone:
        if zone == "Z":
            tz = UTC
        else:
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        when = datetime(
            int(y),
            int(m or 1),
            int(d or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            round(float("0" + fraction.replace(",", ".")) * 1e6) % 1_000_000 if fraction else 0,
            tzinfo=tz,
        )
    except ValueError as exc:
        raise _NotOnCalendar() from exc
    precision: Precision = (
        ("second" if second else "minute") if hour else "day" if d else "month" if m else "year"
    )
    return Moment(when, precision)


def parse_date(text: str, what: str = "date", date_format: str | None = None) -> date:
    """Read a full calendar date (a time after it is read and dropped): :func:`parse_moment`.

    Raises:
        InputError: not a date, ambiguous, or only a year or a month.
    """
    moment = parse_moment(text, what, date_format)
    if moment.precision in ("year", "month"):
        raise InputError(
            f"{what} gives only a {moment.precision}, not a full date",
            code="date.invalid",
            field=what.strip("-{}"),
            hint="write YYYY-MM-DD",
        )
    return moment.day


# ---------------------------------------------------------------------------------------------
# Temperature and printed ranges


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


# ---------------------------------------------------------------------------------------------
# The person

Problems = Callable[[str, CbcError], None]
"""Where a reader's cell problems go: (field, error)."""
_NOT_PREGNANT = frozenset({"0", "no", "n"})


def build_patient(
    *,
    sex: str | None = None,
    age: str | int | None = None,
    dob: str | date | Moment | None = None,
    collected: str | date | Moment | None = None,
    pregnant: int | str | None = None,
    profiles: Iterable[str] = (),
    temperature: str | float | None = None,
    days_since_chemo: int | None = None,
    transplant: str | None = None,
    date_format: str | None = None,
    problems: Problems | None = None,
) -> Patient:
    """The person's context, checked and combined: the one place a Patient is built from what
    was given, options (the CLI, the library) or a reader's cells.

    Without ``problems`` (options), the first problem raises, and options that do not go
    together are usage errors: ``--age`` with ``--dob``, ``--dob`` without ``--collected``,
    ``--collected`` without ``--dob``, pregnancy with male sex. With ``problems`` (a reader's
    cells), each value that cannot be read is passed to it with its field and left unknown, and
    the rest is read; there a date of birth with a collection date gives the age (an age column
    beside them is not used), and a date of birth without one is carried, not used.

    ``dob`` and ``collected`` are read by :func:`parse_moment` (``date_format`` for year-last
    dates); ``pregnant`` is a trimester 1-3 (``0``/``no`` for not pregnant); ``profiles`` names
    opt-in range profiles.

    Raises:
        UsageError: conflicting options, an unknown profile, a trimester other than 1-3, a
            transplant other than auto or allo (without ``problems``).
        InputError: a value that cannot be read (without ``problems``).
    """
    strict = problems is None

    def fail(field: str, exc: CbcError) -> None:
        if problems is None:
            raise exc
        problems(field, exc)

    def refuse(
        message: str, hint: str | None = None, field: str | None = None, conflict: bool = False
    ) -> CbcError:
        if strict:
            code = "option.conflict" if conflict else "option.invalid"
            return UsageError(message, code=code, field=field, hint=hint)
        return InputError(message, code="value.unreadable", field=field, hint=hint)

    def named(term: str) -> str:  # typed as an option: {term}, named by the CLI as its option
        return f"{{{term}}}" if strict else term

    sex_value: Sex | None = None
    try:
        sex_value = parse_sex(sex, named("sex"))
    except CbcError as exc:
        fail("sex", exc)
    if strict and age is not None and dob is not None:
        raise UsageError(
            "give either {age} or {dob}, not both", code="option.conflict", field="dob"
        )
    born = on = None
    try:
        born = _full_date(dob, named("dob"), date_format)
    except CbcError as exc:
        fail("dob", exc)
    try:
        on = _given_moment(collected, named("collected"), date_format)
    except CbcError as exc:
        fail("collected_at", exc)
    person_age: Age | None = None
    try:
        if born is not None and on is not None:
            if on.precision in ("year", "month"):
                raise refuse(
                    f"the collection date gives only a {on.precision}: the age on it cannot be "
                    "worked out from the date of birth"
                )
            person_age = Age.from_dates(born, on.day)
        elif strict and born is not None:
            raise UsageError(
                "{dob} needs {collected} (the collection date)",
                code="option.conflict",
                field="collected",
                hint="age is computed on the day the sample was taken",
            )
        elif strict and on is not None:
            raise UsageError(
                "{collected} is used with {dob}",
                code="option.conflict",
                field="collected",
                hint="give {dob} too, or use {age}",
            )
        elif age is not None:
            person_age = parse_age(str(age))
    except CbcError as exc:
        fail("age" if born is None else "dob", exc)
    trimester = None
    if pregnant is not None and str(pregnant).strip().lower() not in _NOT_PREGNANT:
        try:
            if str(pregnant).strip() not in ("1", "2", "3"):
                shown = f"{{pregnant}} {pregnant}" if strict else f"pregnancy {pregnant!r}"
                raise refuse(
                    f"{shown} is not a trimester",
                    "use 1, 2 or 3 (0 or no: not pregnant)",
                    field="pregnant",
                )
            if sex_value == "male":
                raise refuse(
                    "{pregnant} conflicts with {sex} male"
                    if strict
                    else "pregnancy conflicts with male sex",
                    field="pregnant",
                    conflict=True,
                )
            trimester = int(str(pregnant).strip())
            sex_value = "female"
        except CbcError as exc:
            fail("pregnant", exc)
    chosen: list[str] = []
    for profile in dict.fromkeys(p.strip().lower() for p in profiles):
        if profile in PROFILES:
            chosen.append(profile)
        else:
            known = "known: " + ", ".join(PROFILES)
            fail("profile", refuse(f"unknown profile {profile!r}", known, field="profile"))
    temp = None
    if temperature is not None:
        try:
            temp = parse_temperature(str(temperature))
        except CbcError as exc:
            fail("temperature", exc)
    if days_since_chemo is not None and days_since_chemo < 0:
        what = named("days_since_chemo")
        negative = refuse(f"{what} cannot be negative", field="days_since_chemo")
        fail("days_since_chemo", negative)
        days_since_chemo = None
    kind: Transplant | None = None
    if transplant is not None:
        kinds: dict[str, Transplant] = {"auto": "auto", "allo": "allo"}
        kind = kinds.get(transplant.strip().lower())
        if kind is None:
            fail(
                "transplant",
                refuse(
                    f"{named('transplant')} {transplant!r} is not a transplant kind",
                    "use auto (own stem cells) or allo (donor cells)",
                    field="transplant",
                ),
            )
    return Patient(
        sex=sex_value,
        age=person_age,
        pregnancy_trimester=trimester,
        profiles=tuple(chosen),
        temperature_c=temp,
        days_since_chemo=days_since_chemo,
        transplant=kind,
        born=born,
    )


def _given_moment(
    given: str | date | Moment | None, what: str, date_format: str | None
) -> Moment | None:
    if given is None or isinstance(given, Moment):
        return given
    if isinstance(given, datetime):
        return Moment(given, "second")
    if isinstance(given, date):
        return Moment(datetime(given.year, given.month, given.day), "day")
    return parse_moment(given, what, date_format)


def _full_date(
    given: str | date | Moment | None, what: str, date_format: str | None
) -> date | None:
    moment = _given_moment(given, what, date_format)
    if moment is None:
        return None
    if moment.precision in ("year", "month"):
        raise InputError(
            f"{what} gives only a {moment.precision}, not a full date",
            field=what.strip("-{}"),
            hint="write YYYY-MM-DD",
        )
    return moment.day
