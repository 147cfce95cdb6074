"""cbc inside Spark: ``interpret_dataframe`` on ``mapInArrow``, ``interpret_trend`` on
``groupBy(...).applyInArrow``. Extra ``cbc-cli[spark]`` (pyspark 4 and pyarrow).

The output schema is worked out on the driver from the input schema before any task runs (a
header cbc cannot read fails there, once); the executors get only the options, a small frozen
dataclass, and load the shipped ranges and grading criteria once per Python worker. Nothing is
collected to the driver. Rows cbc cannot read come back as rows with ``status`` ``error``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from cbc_cli.arrow import (
    Options,
    TrendSettings,
    interpret_batches,
    layout,
    make_options,
    output_schema,
    trend_schema,
)
from cbc_cli.arrow import interpret_trend as arrow_trend

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

_ORDER = "__cbc_order"


def _arrow_schema(df: DataFrame) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema)


def _sample_keys(names: Sequence[str], opts: Options) -> list[str]:
    """The columns that tell a long-layout sample (sample id, collection time)."""
    lay = layout(names, opts)
    context = lay.tab.columns.context
    return [names[context[k]] for k in ("sample_id", "collected_at") if k in context]


def interpret_dataframe(df: DataFrame, **options: Any) -> DataFrame:
    """``df`` with cbc's columns added (``<analyte>_flag``, ``<finding>_grade``, ``findings``,
    ``urgency``, ``status``, ``error``): the answers of ``cbc check --format csv``.

    Wide input (a row per sample) is interpreted partition by partition, in place. Long input (a
    row per result) is first shuffled by sample (``sample_id`` and ``collected_at``) and sorted
    within each partition, keeping each sample's rows in their input order, so that a sample
    is never split across partitions. Options: those of :class:`cbc_cli.arrow.Options`; give
    ``line_column`` to number rows in error messages (a partition does not know its lines).

    Raises:
        UsageError, InputError: bad options, or no column cbc reads (on the driver, at once).
    """
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    opts = make_options(**options)
    names = df.columns
    out_schema = from_arrow_schema(output_schema(_arrow_schema(df), opts))
    if layout(names, opts).long:
        keys = _sample_keys(names, opts)
        if keys:
            df = (
                df.withColumn(_ORDER, F.monotonically_increasing_id())
                .repartition(*keys)
                .sortWithinPartitions(*keys, _ORDER)
                .drop(_ORDER)
            )

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from interpret_batches(batches, options=opts)

    return df.mapInArrow(run, out_schema)


def interpret_trend(
    df: DataFrame,
    patient: str = "patient_id",
    *,
    since: str | None = None,
    transplant: str | None = None,
    transfusions: Sequence[str] = (),
    analytes: Sequence[str] = (),
    dob: str | None = None,
    **options: Any,
) -> DataFrame:
    """``cbc trend --format csv`` per person: ``groupBy(patient).applyInArrow``.

    Each person's draws are followed on one executor, in date order whatever the input order;
    the result has the columns of ``cbc trend --format csv`` (a row per draw and analyte).
    """
    from pyspark.sql.pandas.types import from_arrow_schema

    opts = make_options(**options)
    settings = TrendSettings.of(
        since=since,
        transplant=transplant,
        transfusions=transfusions,
        analytes=analytes,
        patient=patient,
        dob=dob,
    )
    layout(df.columns, opts)  # a header cbc cannot read fails here, on the driver

    def run(table: pa.Table) -> pa.Table:
        return arrow_trend(table, trend=settings, options=opts)

    return df.groupBy(patient).applyInArrow(run, from_arrow_schema(trend_schema()))
