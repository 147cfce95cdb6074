"""Typed access to the fields of a FHIR resource read as plain dicts, and the FHIR data types
cbc reads from them (CodeableConcept, Reference, effective[x], Identifier, Quantity's unit).

A field of the wrong JSON type raises :class:`Shape` naming its path, never its value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cbc_cli.readers.coded import ucum_unit

LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"
# LOINC panel codes for a complete blood count: a report with one of these and no CBC value is an
# error; any other report without a CBC value is someone else's test and is skipped.
CBC_PANELS = frozenset({"58410-2", "57021-8", "57782-5", "69742-5"})


class Shape(Exception):
    """A field whose JSON type is not the one FHIR gives it (the message names no value)."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(f"{path} is {kind_of(value)}, not {expected}")
        self.path = path


def kind_of(value: Any) -> str:
    """The JSON type of a decoded value, in words for a message (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else "a value"


def as_dict(obj: dict[str, Any], name: str, path: str) -> dict[str, Any] | None:
    """``obj[name]`` when it is an object, None when absent; Shape otherwise."""
    value = obj.get(name)
    if value is None or isinstance(value, dict):
        return value
    raise Shape(f"{path}.{name}", "an object", value)


def as_str(obj: dict[str, Any], name: str, path: str) -> str | None:
    """``obj[name]`` when it is a string, None when absent; Shape otherwise."""
    value = obj.get(name)
    if value is None or isinstance(value, str):
        return value
    raise Shape(f"{path}.{name}", "a string", value)


def as_number(obj: dict[str, Any], name: str, path: str) -> str | None:
    """``obj[name]`` as text when it is a JSON number, None when absent; Shape otherwise."""
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Shape(f"{path}.{name}", "a number", value)


def as_list(obj: dict[str, Any], name: str, path: str) -> list[Any]:
    """``obj[name]`` when it is an array, [] when absent; Shape otherwise."""
    value = obj.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Shape(f"{path}.{name}", "an array", value)


def as_dicts(obj: dict[str, Any], name: str, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for each item of the array ``obj[name]``; Shape for an item of
    another type."""
    for index, item in enumerate(as_list(obj, name, path)):
        where = f"{path}.{name}[{index}]"
        if not isinstance(item, dict):
            raise Shape(where, "an object", item)
        yield where, item


def codes(concept: dict[str, Any] | None, path: str) -> tuple[list[str], list[str]]:
    """(LOINC codes, other codes and names) of a CodeableConcept; :class:`Shape` for a field of
    the wrong type."""
    if concept is None:
        return [], []
    coding, text = concept.get("coding"), concept.get("text")
    # Every resource has a code: its fields of the right type are read here without naming their
    # paths; any other goes through the checked reading below, which names the field.
    if (coding is None or type(coding) is list) and (text is None or type(text) is str):
        loinc: list[str] = []
        local: list[str] = []
        for c in coding or ():
            if type(c) is not dict:
                break
            code, display = c.get("code"), c.get("display")
            system = c.get("system") if code else None
            if not (_text_or_none(code) and _text_or_none(display) and _text_or_none(system)):
                break
            if code:
                (loinc if system == LOINC_SYSTEM else local).append(code)
            if display:
                local.append(display)
        else:
            if text:
                local.append(text)
            return loinc, local
    return _checked_codes(concept, path)


def _text_or_none(value: object) -> bool:
    return value is None or type(value) is str


def _checked_codes(concept: dict[str, Any] | None, path: str) -> tuple[list[str], list[str]]:
    """:func:`codes`, each field checked by the typed accessors."""
    loinc: list[str] = []
    local: list[str] = []
    if concept is None:
        return loinc, local
    for where, coding in as_dicts(concept, "coding", path):
        code = as_str(coding, "code", where)
        if code:
            system = as_str(coding, "system", where)
            (loinc if system == LOINC_SYSTEM else local).append(code)
        display = as_str(coding, "display", where)
        if display:
            local.append(display)
    text = as_str(concept, "text", path)
    if text:
        local.append(text)
    return loinc, local


def reference(value: dict[str, Any] | None, path: str) -> str | None:
    """The reference text of a Reference (None when absent or blank)."""
    if value is None:
        return None
    ref = as_str(value, "reference", path)
    return ref.strip() or None if ref else None


def refs(resource: dict[str, Any], name: str, path: str) -> tuple[str, ...]:
    """The references of the Reference array ``resource[name]`` (result, hasMember)."""
    return tuple(ref for where, v in as_dicts(resource, name, path) if (ref := reference(v, where)))


def ref_keys(ref: str, scope: str) -> list[str]:
    """Keys a reference may be stored under: contained (#id), as written, and Type/id."""
    if ref.startswith("#"):
        return [f"{scope}{ref}"]
    ref = ref.split("/_history/", maxsplit=1)[0]
    parts = ref.rstrip("/").split("/")
    return [ref, "/".join(parts[-2:])] if len(parts) >= 2 else [ref]


def effective(resource: dict[str, Any], path: str) -> str | None:
    """When the resource was collected: effectiveDateTime, effectiveInstant or the start of
    effectivePeriod, as written."""
    for name in ("effectiveDateTime", "effectiveInstant"):
        value = as_str(resource, name, path)
        if value is not None:
            return value
    period = as_dict(resource, "effectivePeriod", path)
    return None if period is None else as_str(period, "start", f"{path}.effectivePeriod")


def identifier(resource: dict[str, Any], path: str) -> str | None:
    """The sample id: the first identifier value, else the resource id."""
    for where, ident in as_dicts(resource, "identifier", path):
        value = as_str(ident, "value", where)
        if value:
            return value
    return as_str(resource, "id", path) or None


def quantity_unit(quantity: dict[str, Any], path: str) -> str | None:
    """The unit of a Quantity, normalised as UCUM (the code when its system is UCUM or unset,
    else the unit text)."""
    # Quantity.code is the computable unit when system is UCUM; unit is the human text.
    code, unit = as_str(quantity, "code", path), as_str(quantity, "unit", path)
    if code is not None and as_str(quantity, "system", path) in (UCUM_SYSTEM, None):
        return ucum_unit(code)
    return ucum_unit(unit) if unit is not None else None
