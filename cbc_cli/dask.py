"""cbc inside Dask: ``interpret_dataframe`` on ``map_partitions``, ``interpret_trend`` per
person. Extra ``cbc-cli[dask]`` (dask[dataframe], distributed, pyarrow).

The output's columns (``meta``) are worked out before any task runs; each task gets only the
options (a small frozen dataclass) and loads the shipped ranges and grading criteria once per
worker process. Nothing is computed or collected on the client: the result is lazy, like the
input. The added columns are pyarrow-backed (``string[pyarrow]``, ``int8[pyarrow]``), so an
empty cell is a missing value (``<NA>``), never an empty string or a float NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cbc_cli.arrow import (
    Options,
    TrendSettings,
    interpret_table,
    layout,
    make_options,
    output_schema,
    trend_schema,
)
from cbc_cli.arrow import interpret_trend as arrow_trend

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

_PART, _POS, _PERSON = "__cbc_partition", "__cbc_position", "__cbc_person"


def _added(meta: pd.DataFrame, opts: Options) -> pa.Schema:
    import pyarrow as pa

    schema = pa.Schema.from_pandas(meta, preserve_index=False)
    full = output_schema(schema, opts)
    return pa.schema(list(full)[len(schema) :])


def _empty(schema: pa.Schema) -> pd.DataFrame:
    import pandas as pd

    return schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)


def _interpret_partition(part: pd.DataFrame, opts: Options, added: pa.Schema) -> pd.DataFrame:
    """One partition: its own columns and index unchanged, then cbc's columns."""
    import pandas as pd
    import pyarrow as pa

    part = part.drop(columns=[c for c in (_PART, _POS) if c in part.columns])
    table = pa.Table.from_pandas(part, preserve_index=False)
    out = interpret_table(table, options=opts).select(added.names)
    cbc = out.to_pandas(types_mapper=pd.ArrowDtype)
    cbc.index = part.index
    return pd.concat([part, cbc], axis=1)


def _order(part: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """Tag each row with where it stands in the input: (partition, position)."""
    import numpy as np

    number = partition_info["number"] if partition_info else 0
    return part.assign(**{_PART: number, _POS: np.arange(len(part))})


def _sorted(part: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return part.sort_values([*keys, _PART, _POS], kind="stable")


def interpret_dataframe(ddf: dd.DataFrame, **options: Any) -> dd.DataFrame:
    """``ddf`` with cbc's columns added: the answers of ``cbc check --format csv``.

    Wide input (a row per sample) is interpreted partition by partition, in place. Long input (a
    row per result) is first shuffled by sample (``sample_id`` and ``collected_at``), each
    sample's rows kept in their input order, so that a sample is never split across partitions.
    Options: those of :class:`cbc_cli.arrow.Options`; give ``line_column`` to number rows in
    error messages (a partition does not know its lines).

    Raises:
        UsageError, InputError: bad options, or no column cbc reads (at once, before any task).
    """
    import pandas as pd

    opts = make_options(**options)
    names = list(ddf.columns)
    lay = layout(names, opts)
    added = _added(ddf._meta, opts)
    meta = pd.concat([ddf._meta, _empty(added)], axis=1)
    if lay.long:
        context = lay.tab.columns.context
        keys = [names[context[k]] for k in ("sample_id", "collected_at") if k in context]
        if keys:
            ddf = ddf.map_partitions(_order, meta=_order(ddf._meta))
            ddf = ddf.shuffle(on=keys).map_partitions(_sorted, keys)
    return ddf.map_partitions(_interpret_partition, opts, added, meta=meta)


def interpret_trend(
    ddf: dd.DataFrame,
    patient: str = "patient_id",
    *,
    since: str | None = None,
    transplant: str | None = None,
    transfusions: Sequence[str] = (),
    analytes: Sequence[str] = (),
    dob: str | None = None,
    **options: Any,
) -> dd.DataFrame:
    """``cbc trend --format csv`` per person (``groupby(patient).apply``): a row per draw and
    analyte, each person's draws followed in one task, in date order."""
    import pandas as pd
    import pyarrow as pa

    opts = make_options(**options)
    settings = TrendSettings.of(
        since=since,
        transplant=transplant,
        transfusions=transfusions,
        analytes=analytes,
        patient=patient,
        dob=dob,
    )
    layout(list(ddf.columns), opts)
    meta = _empty(trend_schema())

    def person(group: pd.DataFrame) -> pd.DataFrame:
        group = group.drop(columns=[c for c in (_PERSON,) if c in group.columns])
        table = pa.Table.from_pandas(group, preserve_index=False)
        out = arrow_trend(table, trend=settings, options=opts)
        return out.to_pandas(types_mapper=pd.ArrowDtype)

    # Grouped by a copy of the person column: pandas leaves the grouping column out of a group.
    grouped = ddf.assign(**{_PERSON: ddf[patient]}).groupby(_PERSON)
    return grouped.apply(person, meta=meta).reset_index(drop=True)
