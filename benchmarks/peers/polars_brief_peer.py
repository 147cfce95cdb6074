"""Peer: the fields of cbc's brief record (README, Outputs) as Polars expressions, scan_csv to
sink_ndjson: sample id, line, status, urgency, care-team message, safety line, finding codes,
grades, and each value with its unit and flag.

The same adult ranges, critical limits and CTCAE v5.0 cut-offs as polars_peer.py; the urgency
follows cbc's rules for these counts (critical value: now; three low lines with one of grade 2
or worse, or any grade 3 or 4: soon; any finding or flag outside the range: routine), with
cbc's own message texts.
"""

from __future__ import annotations

import sys

import polars as pl
from polars_rules import finding_exprs, judged_columns
from rules import ANALYTES

from cbc_cli.analytes import ANALYTES as CATALOGUE
from cbc_cli.explanations import CARE_TEAM_MESSAGES, SAFETY_LINE


def main(src: str, dst: str) -> None:
    frame = pl.scan_csv(src, infer_schema_length=10_000).with_row_index("line", offset=2)
    frame, flags, grades = judged_columns(frame)
    judged = finding_exprs(flags, grades)
    findings, urgency, critical_any = judged.codes, judged.urgency, judged.critical_any
    pattern_urgent, severe, abnormal = judged.pattern_urgent, judged.severe, judged.abnormal
    message = (
        pl.when(critical_any)
        .then(
            pl.lit(
                "A value is beyond the limits at which labs phone the care team at once. "
                + CARE_TEAM_MESSAGES["now"]
            )
        )
        .when(pattern_urgent)
        .then(pl.lit("All three kinds of blood cells are low. " + CARE_TEAM_MESSAGES["soon"]))
        .when(severe)
        .then(pl.lit("Some counts are very low or very high. " + CARE_TEAM_MESSAGES["soon"]))
        .when((findings.list.len() > 0) | abnormal)
        .then(
            pl.lit(
                "Some results are outside their reference range. " + CARE_TEAM_MESSAGES["routine"]
            )
        )
        .otherwise(pl.lit(CARE_TEAM_MESSAGES["none"]))
    )
    analytes = pl.struct(
        [
            pl.struct(
                [
                    pl.col(a).cast(pl.Float64).alias("value"),
                    pl.lit(CATALOGUE[a].unit).alias("unit"),
                    flags[a].alias("flag"),
                ]
            ).alias(a)
            for a in ANALYTES
        ]
    )
    frame.select(
        pl.col("sample_id"),
        pl.col("line"),
        pl.lit("ok").alias("status"),
        urgency.alias("urgency"),
        message.alias("message"),
        pl.when(urgency == "none")
        .then(pl.lit(None))
        .otherwise(pl.lit(SAFETY_LINE))
        .alias("safety"),
        findings.alias("findings"),
        pl.struct([g.alias(f) for f, g in grades.items()]).alias("grades"),
        analytes.alias("analytes"),
        pl.lit(None).alias("error"),
        pl.lit([], dtype=pl.List(pl.String)).alias("cell_errors"),
    ).sink_ndjson(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
