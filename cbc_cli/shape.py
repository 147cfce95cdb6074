"""Shape checks for TOML data files, driven by one field table per table kind.

Valid files (the everyday case) pass a cheap exact check in plain Python. When a file does not
fit, Pydantic models are built from the same field table and validate it, so that every error
message comes from Pydantic. Keeping Pydantic off the valid path keeps ``cbc check`` fast to
start: building a Pydantic model costs more than the rest of a single-sample run.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

Spec = dict[str, tuple[Any, Any]]
"""Field name -> (annotation, default); default ``...`` means required. An annotation is str, int,
float, bool, a Literal, ``X | None``, ``dict[str, X]``, ``list[X]``, a nested Spec, or a one-item
list holding a Spec (a list of such tables)."""


def _conforms(value: Any, ann: Any) -> bool:
    if isinstance(ann, dict):
        return conforms(value, ann)
    if isinstance(ann, list):
        return isinstance(value, list) and bool(value) and all(conforms(v, ann[0]) for v in value)
    origin = get_origin(ann)
    if origin is Literal:
        return value in get_args(ann)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, a) for a in get_args(ann))
    if origin is list:
        (item_t,) = get_args(ann)
        return isinstance(value, list) and all(_conforms(v, item_t) for v in value)
    if origin is dict:
        key_t, val_t = get_args(ann)
        return isinstance(value, dict) and all(
            _conforms(k, key_t) and _conforms(v, val_t) for k, v in value.items()
        )
    if ann is type(None):
        return value is None
    if ann is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if ann is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, ann)


def conforms(data: Any, spec: Spec) -> bool:
    """Whether ``data`` is a table with exactly the fields of ``spec``, of the right types."""
    if not isinstance(data, dict) or not set(data) <= set(spec):
        return False
    for name, (ann, default) in spec.items():
        if name not in data:
            if default is ...:
                return False
            continue
        if not _conforms(data[name], ann):
            return False
    return True


def with_defaults(data: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """The table with every missing optional field set to its default."""
    return {name: data.get(name, default) for name, (_, default) in spec.items()}


def _model_type(ann: Any, name: str) -> Any:
    if isinstance(ann, dict):
        return pydantic_model(ann, name)
    if isinstance(ann, list):
        from typing import Annotated

        from pydantic import Field

        return Annotated[list[pydantic_model(ann[0], name)], Field(min_length=1)]  # type: ignore[misc]
    return ann


def pydantic_model(spec: Spec, name: str) -> Any:
    """Build the Pydantic model of a field table (imported and built only when needed)."""
    from pydantic import ConfigDict, create_model

    fields = {
        field: (_model_type(ann, f"{name}_{field}"), default)
        for field, (ann, default) in spec.items()
    }
    config = ConfigDict(extra="forbid", strict=True)
    return create_model(name, __config__=config, **fields)  # type: ignore[call-overload]


def first_error(data: Any, spec: Spec, name: str) -> tuple[tuple[str | int, ...], str] | None:
    """Validate with Pydantic; return the first error's location and message, or None."""
    from pydantic import ValidationError

    try:
        pydantic_model(spec, name).model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        return tuple(err["loc"]), str(err["msg"])
    return None


def json_schema(spec: Spec, name: str) -> dict[str, Any]:
    """The JSON Schema of a field table, for ``cbc schema --ranges``."""
    schema: dict[str, Any] = pydantic_model(spec, name).model_json_schema()
    return schema
