"""An Observation (or a component of one) mapped to the analyte it holds: its value, the lab's
reference range and its flag, as text for the sample's cell reader."""

from __future__ import annotations

from collections.abc import Mapping
from sys import intern
from typing import Any

from cbc_cli.analytes import ANALYTES
from cbc_cli.readers.coded import match_code
from cbc_cli.readers.fhir.fields import (
    Shape,
    as_dict,
    as_dicts,
    as_list,
    as_number,
    as_str,
    codes,
    quantity_unit,
    refs,
)
from cbc_cli.readers.fhir.items import Item, Value


def keep_observation(
    item: Item, resource: dict[str, Any], path: str, column_options: Mapping[str, str]
) -> bool:
    """Reduce a CBC (or panel, or context) Observation to its item; False for others."""
    target = item.target
    if target is not None:
        item.values.append(observation_value(resource, target, item.label, path))
    for position, (where, component) in enumerate(as_dicts(resource, "component", path), start=1):
        concept = as_dict(component, "code", where)
        inner, _ = match_code(*codes(concept, f"{where}.code"), column_options)
        if inner is not None:
            label = f"{item.label}, component {position}"
            item.values.append(observation_value(component, inner, label, where))
    item.cbc = any(v.target in ANALYTES for v in item.values)
    item.refs = refs(resource, "hasMember", path)
    return bool(item.values or item.refs)


def observation_value(resource: dict[str, Any], target: str, label: str, path: str) -> Value:
    """The value, range and flag of an Observation or component, as text; a field of the
    wrong type is the value's problem (a cell error of its sample)."""
    out = Value(target, label)
    try:
        _read_value_fields(resource, out, path)
    except Shape as exc:
        out.text = out.unit = out.low = out.high = out.range_unit = out.range_text = None
        out.flag = None
        out.problem = f"{exc}; this value is not read"
    return out


def _read_value_fields(resource: dict[str, Any], out: Value, path: str) -> None:
    target = out.target
    quantity = as_dict(resource, "valueQuantity", path)
    if quantity is not None:
        where = f"{path}.valueQuantity"
        number = as_number(quantity, "value", where)
        if number is None:
            out.problem = "valueQuantity has no number in value"
            return
        comparator = as_str(quantity, "comparator", where)
        out.text = f"{comparator}{number}" if comparator else number
        unit = quantity_unit(quantity, where)
        out.unit = None if unit is None else intern(unit)
    elif (text := as_str(resource, "valueString", path)) is not None:
        out.text = text
    elif (integer := as_number(resource, "valueInteger", path)) is not None:
        out.text = integer
    else:
        kinds = [k for k in resource if k.startswith("value")]
        if kinds:
            out.problem = f"{kinds[0]} is not a number for {target}"
        elif "dataAbsentReason" not in resource:
            out.problem = "no value (value[x]) and no dataAbsentReason"
        return
    # The first range for everyone: one with appliesTo or age is for another population, and
    # a typed one other than normal (recommended, treatment, ...) is not a reference interval.
    for where, rng in as_dicts(resource, "referenceRange", path):
        if as_list(rng, "appliesTo", where) or as_dict(rng, "age", where):
            continue
        kind = as_dict(rng, "type", where)
        if kind is not None and "normal" not in codes(kind, f"{where}.type")[1]:
            continue
        for end in ("low", "high"):
            q = as_dict(rng, end, where)
            if q is not None:
                setattr(out, end, as_number(q, "value", f"{where}.{end}"))
                out.range_unit = out.range_unit or quantity_unit(q, f"{where}.{end}")
        if out.low is None and out.high is None:
            out.range_text = as_str(rng, "text", where)
        break
    for where, concept in as_dicts(resource, "interpretation", path):
        flags = [
            code for _, c in as_dicts(concept, "coding", where) if (code := as_str(c, "code", _))
        ]
        if flags:
            out.flag = flags[0]
            break
